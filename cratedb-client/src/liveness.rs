//! The liveness check: a server that has accepted a request and then stays silent is asked,
//! on a connection of its own, whether it still answers at all.
//!
//! CrateDB sends nothing until a statement's result is ready, so silence alone does not tell
//! a long statement from a frozen node (a stopped JVM, a long GC pause, a stalled VM): its
//! kernel still accepts connections and requests, and nothing ever answers. After
//! [`ClientBuilder::liveness_check`](crate::ClientBuilder::liveness_check) of silence (default
//! 5 s) the transport opens a new connection to the same address and sends `GET /`: a
//! working server reacts at once (CrateDB answers its banner; a TLS port that reads plain
//! text closes the connection), a frozen one does not. No reaction within the probe's wait
//! (the connect timeout, default 5 s) gives the request up as [`Unresponsive`]: its outcome
//! is unknown, the server is marked failed and reads move on to the next server. A server
//! that reacts is waited for again, up to the request timeout.
//!
//! It sits in `ureq`'s connector chain between the TCP socket and TLS: the TLS layer above it
//! sees an ordinary transport.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

/// The error a request ends with when its server stopped answering: carried inside the
/// `io::Error` that `ureq` reports, and recognised by the transport's error sorting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unresponsive {
    /// How long the request had waited without a byte when the probe was sent.
    pub(crate) silent_for: Duration,
    /// How long the probe waited for any reaction.
    pub(crate) probe_wait: Duration,
}

impl fmt::Display for Unresponsive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the server went silent: no answer after {:.1} s, and a liveness probe (GET / on a \
             new connection) got no reaction within {:.1} s (a frozen or stalled node; see \
             ClientBuilder::liveness_check)",
            self.silent_for.as_secs_f64(),
            self.probe_wait.as_secs_f64()
        )
    }
}

impl std::error::Error for Unresponsive {}

/// Wraps each new TCP transport in a [`LivenessTransport`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct LivenessConnector {
    /// Silence after which the server is probed; `None`: never.
    pub(crate) after: Option<Duration>,
    /// How long a probe waits for a reaction (connecting included).
    pub(crate) probe_wait: Duration,
}

impl<In: Transport> Connector<In> for LivenessConnector {
    type Out = LivenessTransport<In>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let host = details
            .uri
            .authority()
            .map_or_else(|| "localhost".to_owned(), |a| a.as_str().to_owned());
        Ok(chained.map(|inner| LivenessTransport {
            inner,
            addrs: details.addrs.iter().copied().collect(),
            host,
            after: self.after,
            probe_wait: self.probe_wait,
        }))
    }
}

/// A transport that probes its server when a wait for input goes on longer than `after`.
#[derive(Debug)]
pub(crate) struct LivenessTransport<T> {
    inner: T,
    /// The server's addresses, as resolved for this connection.
    addrs: Vec<SocketAddr>,
    /// `host:port` for the probe's `Host` header.
    host: String,
    after: Option<Duration>,
    probe_wait: Duration,
}

impl<T: Transport> Transport for LivenessTransport<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.inner.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let Some(after) = self.after else {
            return self.inner.await_input(timeout);
        };
        let started = Instant::now();
        loop {
            let left = timeout.after.saturating_sub(started.elapsed());
            if left <= after {
                // The request's own timeout comes first: no probe before it.
                let rest = NextTimeout {
                    after: UreqDuration::Exact(left),
                    ..timeout
                };
                return self.inner.await_input(rest);
            }
            let tick = NextTimeout {
                after: UreqDuration::Exact(after),
                ..timeout
            };
            match self.inner.await_input(tick) {
                Err(ureq::Error::Timeout(_)) => {
                    if !probe(&self.addrs, &self.host, self.probe_wait) {
                        return Err(ureq::Error::Io(io::Error::new(
                            io::ErrorKind::TimedOut,
                            Unresponsive {
                                silent_for: started.elapsed(),
                                probe_wait: self.probe_wait,
                            },
                        )));
                    }
                }
                other => return other,
            }
        }
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

/// Whether the server at the first address reacts within `wait` to `GET /` on a new
/// connection: any answer, a close or a reset counts (a process reads the request); only
/// silence does not. A refused connection does not count either (nothing listens).
fn probe(addrs: &[SocketAddr], host: &str, wait: Duration) -> bool {
    let Some(addr) = addrs.first() else {
        return true;
    };
    let deadline = Instant::now() + wait;
    let Ok(mut stream) = TcpStream::connect_timeout(addr, wait) else {
        return false;
    };
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero()
        || stream.set_read_timeout(Some(left)).is_err()
        || stream.set_write_timeout(Some(left)).is_err()
    {
        return false;
    }
    let request = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    if let Err(e) = stream.write_all(request.as_bytes()) {
        return reacted(&e);
    }
    // A byte of an answer, or the end of the stream (`UnexpectedEof`): either is a reaction.
    let mut byte = [0_u8; 1];
    match stream.read_exact(&mut byte) {
        Ok(()) => true,
        Err(e) => reacted(&e),
    }
}

/// Whether an I/O error on the probe shows that the server reacted (reset or closed the
/// connection) rather than stayed silent.
fn reacted(e: &io::Error) -> bool {
    !matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

#[cfg(test)]
mod tests {
    use super::probe;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::time::{Duration, Instant};

    #[test]
    fn a_probe_tells_a_silent_server_from_one_that_reacts() {
        // Accepts and answers.
        let answering = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = answering.local_addr().expect("addr");
        let server = std::thread::spawn(move || {
            if let Ok((mut s, _)) = answering.accept() {
                let mut buf = [0_u8; 256];
                let _ = s.read(&mut buf);
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
            }
        });
        assert!(probe(&[addr], "h", Duration::from_secs(2)));
        server.join().expect("server");

        // Accepts and closes at once (a TLS port reading plain text does so).
        let closing = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = closing.local_addr().expect("addr");
        let server = std::thread::spawn(move || {
            if let Ok((s, _)) = closing.accept() {
                drop(s);
            }
        });
        assert!(probe(&[addr], "h", Duration::from_secs(2)));
        server.join().expect("server");

        // The kernel accepts (backlog), nobody reads: silent.
        let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = silent.local_addr().expect("addr");
        let started = Instant::now();
        assert!(!probe(&[addr], "h", Duration::from_millis(300)));
        assert!(started.elapsed() < Duration::from_secs(2));
        drop(silent);

        // Nothing listens: refused.
        assert!(!probe(&[addr], "h", Duration::from_millis(300)));
    }
}
