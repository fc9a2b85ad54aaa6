//! Round-robin over the servers, with inactive servers skipped for a retry interval.
//!
//! - Each request starts at the next server in turn and tries the active ones in order; the
//!   turns rotate over the active servers only, so the load stays even while one is skipped.
//! - A server that fails at the node level is marked inactive (with its reason) and skipped
//!   until the retry interval has passed; then it takes part again, and its next success
//!   marks it active.
//! - When every server is inactive, all are tried anyway, the one inactive longest first.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::ServerAddr;

/// One server with its pre-built base URL.
#[derive(Debug)]
pub(crate) struct Node {
    /// `addr` as text, `host:port` (names the server in errors).
    pub(crate) name: String,
    /// `http://host:port` or `https://host:port`: the protocol tried first.
    pub(crate) base_url: String,
    /// Whether the server is on this machine (see [`ServerAddr::is_loopback`]).
    pub(crate) loopback: bool,
    /// With `sslmode=allow|prefer`, the URL of the other protocol, tried when the server
    /// does not speak the first.
    pub(crate) fallback_url: Option<String>,
    /// Whether the server answered on `fallback_url` last time: then it is tried first.
    pub(crate) on_fallback: AtomicBool,
}

impl Node {
    /// The URL to try first and, when there is one, the other; each with whether it is TLS.
    pub(crate) fn urls(&self) -> ((&str, bool), Option<(&str, bool)>) {
        let base = (self.base_url.as_str(), self.base_url.starts_with("https:"));
        match &self.fallback_url {
            Some(other) => {
                let other = (other.as_str(), other.starts_with("https:"));
                if self.on_fallback.load(Ordering::Relaxed) {
                    (other, Some(base))
                } else {
                    (base, Some(other))
                }
            }
            None => (base, None),
        }
    }

    /// Remembers which protocol the server answered on.
    pub(crate) fn answered_on(&self, url: &str) {
        if self.fallback_url.is_some() {
            let on_fallback = self.fallback_url.as_deref() == Some(url);
            self.on_fallback.store(on_fallback, Ordering::Relaxed);
        }
    }
}

#[derive(Debug, Clone)]
struct Inactive {
    since: Instant,
    reason: String,
}

/// The servers of one client and their health, shared by its clones.
#[derive(Debug)]
pub(crate) struct NodePool {
    nodes: Vec<Node>,
    inactive: Mutex<Vec<Option<Inactive>>>,
    next: AtomicUsize,
    retry_interval: Duration,
}

impl NodePool {
    /// `tls`: whether servers are tried with HTTPS first; `fallback`: whether the other
    /// protocol is tried when a server does not speak the first.
    pub(crate) fn new(
        servers: &[ServerAddr],
        tls: bool,
        fallback: bool,
        retry_interval: Duration,
    ) -> Self {
        let (scheme, other) = if tls {
            ("https", "http")
        } else {
            ("http", "https")
        };
        let nodes: Vec<Node> = servers
            .iter()
            .map(|addr| Node {
                name: addr.to_string(),
                base_url: format!("{scheme}://{addr}"),
                loopback: addr.is_loopback(),
                fallback_url: fallback.then(|| format!("{other}://{addr}")),
                on_fallback: AtomicBool::new(false),
            })
            .collect();
        let inactive = Mutex::new(vec![None; nodes.len()]);
        NodePool {
            nodes,
            inactive,
            next: AtomicUsize::new(0),
            retry_interval,
        }
    }

    pub(crate) fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub(crate) fn node(&self, index: usize) -> Option<&Node> {
        self.nodes.get(index)
    }

    fn state(&self) -> MutexGuard<'_, Vec<Option<Inactive>>> {
        // A panic while holding the lock cannot leave the list half-updated: recover it.
        self.inactive.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The servers to try for one request, in order: the active ones (and those whose retry
    /// interval has passed) round-robin from the next in turn; when there are none, every server,
    /// the one inactive longest first.
    pub(crate) fn plan(&self) -> Vec<usize> {
        let n = self.nodes.len();
        if n == 0 {
            return Vec::new();
        }
        let turn = self.next.fetch_add(1, Ordering::Relaxed);
        let start = turn % n;
        let now = Instant::now();
        let state = self.state();
        let is_eligible = |i: usize| match state.get(i) {
            Some(Some(inactive)) => now.duration_since(inactive.since) >= self.retry_interval,
            _ => true,
        };
        // Rotate over the eligible servers themselves, so that a skipped server's turns are
        // shared by all the others instead of all going to its successor.
        let eligible: Vec<usize> = (0..n).filter(|&i| is_eligible(i)).collect();
        let k = eligible.len();
        if k == n {
            return (0..n).map(|j| (start + j) % n).collect();
        }
        if k > 0 {
            let first = turn % k;
            return (0..k)
                .filter_map(|j| eligible.get((first + j) % k).copied())
                .collect();
        }
        let mut all: Vec<(usize, Instant)> = state
            .iter()
            .enumerate()
            .map(|(i, s)| (i, s.as_ref().map_or(now, |s| s.since)))
            .collect();
        all.sort_by_key(|&(_, since)| since);
        all.into_iter().map(|(i, _)| i).collect()
    }

    /// Marks a server inactive from now on.
    pub(crate) fn mark_failed(&self, index: usize, reason: &str) {
        if let Some(slot) = self.state().get_mut(index) {
            *slot = Some(Inactive {
                since: Instant::now(),
                reason: reason.to_string(),
            });
        }
    }

    /// Marks a server active.
    pub(crate) fn mark_ok(&self, index: usize) {
        let mut state = self.state();
        if let Some(slot) = state.get_mut(index) {
            if slot.is_some() {
                *slot = None;
            }
        }
    }

    /// Why each server outside `tried` is inactive, for the "all servers failed" error.
    pub(crate) fn inactive_reasons(&self, tried: &[usize]) -> Vec<(String, String)> {
        let now = Instant::now();
        let state = self.state();
        state
            .iter()
            .enumerate()
            .filter(|(i, _)| !tried.contains(i))
            .filter_map(|(i, s)| {
                let s = s.as_ref()?;
                let node = self.nodes.get(i)?;
                let ago = now.duration_since(s.since).as_secs_f64();
                Some((
                    node.name.clone(),
                    format!(
                        "skipped: inactive for {ago:.1} s after: {} (retried after {:.1} s)",
                        s.reason,
                        self.retry_interval.as_secs_f64()
                    ),
                ))
            })
            .collect()
    }

    /// Whether the server is currently marked inactive.
    pub(crate) fn is_inactive(&self, index: usize) -> bool {
        matches!(self.state().get(index), Some(Some(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(n: usize, interval: Duration) -> NodePool {
        let servers: Vec<ServerAddr> = (0..n)
            .map(|i| ServerAddr::new("h", 4200 + i as u16).unwrap_or_default())
            .collect();
        NodePool::new(&servers, false, false, interval)
    }

    #[test]
    fn round_robin() {
        let p = pool(3, Duration::from_secs(30));
        assert_eq!(p.plan(), vec![0, 1, 2]);
        assert_eq!(p.plan(), vec![1, 2, 0]);
        assert_eq!(p.plan(), vec![2, 0, 1]);
        assert_eq!(p.plan(), vec![0, 1, 2]);
    }

    #[test]
    fn skips_inactive_until_interval() {
        let p = pool(3, Duration::from_millis(50));
        p.mark_failed(1, "refused");
        assert_eq!(p.plan(), vec![0, 2]);
        assert_eq!(p.plan(), vec![2, 0]);
        assert!(p.is_inactive(1));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(p.plan(), vec![2, 0, 1]);
        p.mark_ok(1);
        assert!(!p.is_inactive(1));
    }

    #[test]
    fn skipped_server_turns_are_shared() {
        let p = pool(3, Duration::from_secs(30));
        p.mark_failed(0, "down");
        let mut first = [0usize; 3];
        for _ in 0..600 {
            if let Some(&i) = p.plan().first() {
                first[i] += 1;
            }
        }
        assert_eq!(first, [0, 300, 300]);
    }

    #[test]
    fn all_inactive_longest_first() {
        let p = pool(3, Duration::from_secs(30));
        p.mark_failed(2, "a");
        std::thread::sleep(Duration::from_millis(2));
        p.mark_failed(0, "b");
        std::thread::sleep(Duration::from_millis(2));
        p.mark_failed(1, "c");
        assert_eq!(p.plan(), vec![2, 0, 1]);
        let reasons = p.inactive_reasons(&[2]);
        assert_eq!(reasons.len(), 2);
        assert!(reasons
            .iter()
            .any(|(s, r)| s == "h:4200" && r.contains("b")));
    }
}
