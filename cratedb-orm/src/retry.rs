//! Retrying a unit of work that met stale data: read, change, commit, and when a versioned
//! row changed meanwhile, read again and apply the change again, never twice.
//!
//! CrateDB has no transactions; optimistic concurrency is its tool for read-modify-write:
//! a `versioned` model's UPDATE and DELETE match only the row version loaded (`_seq_no`,
//! `_primary_term`), so a concurrent change makes the commit fail as stale
//! ([`Error::is_stale`]) instead of overwriting it. [`retry_stale`] runs the unit again in a
//! fresh [`Session`] (so every model is read anew) until its commit goes through:
//!
//! ```no_run
//! use cratedb_orm::{retry, Client, CrateModel, Error};
//!
//! #[derive(CrateModel, Debug, Clone, Default)]
//! #[cratedb(table = "counters", versioned)]
//! struct Counter {
//!     #[cratedb(primary_key)]
//!     id: String,
//!     hits: i64,
//! }
//!
//! let client = Client::new("crate://localhost:4200")?;
//! let hits = retry::retry_stale(&client, |session| {
//!     let counter = session.find::<Counter>("home")?.ok_or(Error::RowCount { found: 0 })?;
//!     session[counter].hits += 1;
//!     Ok(session[counter].hits)
//! })?;
//! println!("now {hits}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A unit is applied again only when its failed attempt provably wrote nothing: no row of
//! it landed ([`CommitError::written`](crate::session::CommitError::written) is 0) and none
//! may have landed unseen (its answer lost:
//! [`Error::may_have_landed`]). Such an attempt's error is returned as it is, and the caller
//! decides (for a counter: the increment may or may not have been counted, never twice).
//! A commit that sent nothing because no server could be reached is also tried again, and so
//! is a unit whose own reads failed for the servers' sake (a connection lost, CrateDB's
//! internal errors 5xxx while a node fails): nothing of it was written. Other errors of the
//! unit's own code (its checks, a missing row) are returned at once.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::thread;
use std::time::Duration;

use crate::{Client, Error, Result, Session};

/// How often and how patiently [`Retry::run`] applies a unit of work again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    attempts: u32,
    first_delay: Duration,
    max_delay: Duration,
}

impl Default for Retry {
    /// 10 attempts; waits of 5 ms doubling to at most 500 ms between them, each a random
    /// part of that (full jitter, so that writers that collided do not collide again).
    fn default() -> Self {
        Retry {
            attempts: 10,
            first_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(500),
        }
    }
}

impl Retry {
    /// The default policy (see [`Retry::default`]).
    pub fn new() -> Self {
        Retry::default()
    }

    /// At most `attempts` runs of the unit (at least 1).
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// Waits between attempts: up to `first` after the first, doubling up to `max`.
    pub fn delays(mut self, first: Duration, max: Duration) -> Self {
        self.first_delay = first;
        self.max_delay = max.max(first);
        self
    }

    /// Runs `work` in a fresh session over `client` and commits; when the commit fails as
    /// stale (or could reach no server) and provably wrote nothing, or `work`'s reads failed
    /// for the servers' sake, waits and runs it again in a new session, up to the attempts
    /// allowed. Returns `work`'s value once the commit
    /// went through, else the last error. Handles do not outlive their session: return
    /// values, not handles.
    pub fn run<T>(
        &self,
        client: &Client,
        mut work: impl FnMut(&mut Session) -> Result<T>,
    ) -> Result<T> {
        let mut delay = self.first_delay;
        let mut attempt = 1;
        loop {
            let mut session = Session::new(client.clone());
            let error = match work(&mut session) {
                // Nothing of this attempt was written: a read that failed for the server's
                // sake (a node lost, a job killed) is tried again.
                Err(e) if is_transient(&e) => e,
                Err(e) => return Err(e),
                Ok(value) => match session.commit() {
                    Ok(()) => return Ok(value),
                    Err(e) if may_apply_again(&e) => e,
                    Err(e) => return Err(e),
                },
            };
            if attempt >= self.attempts {
                return Err(error);
            }
            thread::sleep(jitter(delay));
            delay = (delay * 2).min(self.max_delay);
            attempt += 1;
        }
    }
}

/// [`Retry::default`]`.run(client, work)`: see the [module docs](self).
pub fn retry_stale<T>(client: &Client, work: impl FnMut(&mut Session) -> Result<T>) -> Result<T> {
    Retry::default().run(client, work)
}

/// Whether a failed commit may be applied again: it wrote nothing for certain, and it failed
/// because data was stale or because no server could be reached.
fn may_apply_again(error: &Error) -> bool {
    let Error::Commit(commit) = error else {
        return false;
    };
    if commit.written > 0 || commit.may_have_landed() {
        return false;
    }
    let unreachable = commit
        .cause
        .as_ref()
        .is_some_and(|c| matches!(c, cratedb_client::Error::AllServersFailed { .. }));
    commit.is_stale() || unreachable
}

/// Whether an error of the unit's own reads comes from the servers rather than the request:
/// a connection failure, or CrateDB's internal error (5xxx: a node lost, a job killed).
fn is_transient(error: &Error) -> bool {
    use cratedb_client::Error as C;
    let Error::Client(client) = error else {
        return false;
    };
    match client {
        C::Connection { .. } | C::AllServersFailed { .. } | C::Protocol { .. } => true,
        C::Sql { error, .. } => error.code >= 5000,
        _ => false,
    }
}

/// A random duration in `[0, max]`.
fn jitter(max: Duration) -> Duration {
    // Each RandomState has fresh keys (random per thread, then counted up): a cheap random
    // number without a dependency.
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u8(0);
    let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
    match nanos.checked_add(1) {
        Some(span) => Duration::from_nanos(hasher.finish() % span),
        None => max,
    }
}

#[cfg(test)]
mod tests {
    use super::jitter;
    use std::time::Duration;

    #[test]
    fn jitter_stays_within_its_bound() {
        let max = Duration::from_millis(7);
        let waits: Vec<Duration> = (0..200).map(|_| jitter(max)).collect();
        assert!(waits.iter().all(|w| *w <= max));
        // Not all equal: random.
        assert!(waits.iter().any(|w| *w != waits[0]));
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
    }
}
