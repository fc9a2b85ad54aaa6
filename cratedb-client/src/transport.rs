//! The HTTP transport: one `ureq` [`Agent`] per client (connection reuse), one request attempt
//! on one server at a time, with failures sorted into "not sent", "maybe sent" and "final".

use std::io::Write;
use std::time::Duration;

use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{Connector, RustlsConnector, TcpConnector};
use ureq::Agent;

use crate::body_chunks::{BodyChunks, CONTIGUOUS_MAX};
use crate::config::{Config, RequestGzip};
use crate::liveness::{LivenessConnector, Unresponsive};
use crate::node_pool::Node;
use crate::{Error, Secret};

/// An HTTP answer: its status, and its body received or still on the connection.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Payload,
}

/// The body of an [`Answer`].
pub(crate) enum Payload {
    /// Received whole: every answer but a 2xx one read with [`BodyRead::Streamed`]. One
    /// chunk unless it was read with [`BodyRead::Chunked`].
    Received(BodyChunks),
    /// A 2xx body read with [`BodyRead::Streamed`]: not read yet, to be parsed straight
    /// from the connection (the connection goes back to the pool once it is read to its end).
    Open(ureq::Body),
}

impl Payload {
    /// The received bytes as one buffer. An open body gives none: only 2xx answers read
    /// with [`BodyRead::Streamed`] are left open, and whoever asked for that reads them
    /// (`Client::stream_with`), never through this.
    pub(crate) fn into_vec(self) -> Vec<u8> {
        match self {
            Payload::Received(body) => body.into_vec(),
            Payload::Open(_) => Vec::new(),
        }
    }
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Payload::Received(body) => f.debug_tuple("Received").field(body).finish(),
            Payload::Open(_) => f.write_str("Open(..)"),
        }
    }
}

/// How the body of a 2xx answer is read. Error bodies are always read into one buffer,
/// within the body limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyRead {
    /// Received whole into one buffer, within the body limit (a body cut off mid-way is an
    /// [`AttemptError::Cut`]).
    Contiguous,
    /// Received whole in [`CHUNK_SIZE`](crate::body_chunks::CHUNK_SIZE) buffers, unless its
    /// `Content-Length` says it is at most [`CONTIGUOUS_MAX`] bytes, within the body limit:
    /// for answers parsed through a reader that frees the buffers as it goes.
    Chunked,
    /// Not read: left on the connection ([`Payload::Open`]) for the caller to parse as it
    /// arrives. The body limit does not apply (nothing is held), and a failure while the
    /// caller reads it is the caller's to report.
    Streamed,
}

/// Why one attempt on one server failed.
#[derive(Debug)]
pub(crate) enum AttemptError {
    /// The request cannot have reached the server (refused, DNS, connect timeout, TLS failure,
    /// plain HTTP dropped by a port that speaks TLS): safe to send elsewhere.
    NotSent(String),
    /// The request may have reached the server (timeout or reset while waiting for the answer):
    /// its outcome is unknown.
    MaybeSent(String),
    /// The server answered but the connection broke before the whole body arrived: a
    /// connection-level failure after the statement ran. The server counts as failed; a read
    /// moves on to the next server, anything else reports this error (a [`Error::Protocol`]
    /// naming the server) and is not resent.
    Cut(Error),
    /// Not a node failure: report as is, never retry.
    Final(Error),
}

/// Sends requests with one shared agent.
#[derive(Debug)]
pub(crate) struct Transport {
    agent: Agent,
    authorization: Option<Secret>,
    schema: Option<String>,
    /// `""`, `"?types"`, `"?error_trace=true"` or `"?types&error_trace=true"`.
    sql_query: &'static str,
    body_limit: u64,
    gzip: RequestGzip,
    timeouts: Timeouts,
}

/// The configured timeouts, named with their values in the errors they cause.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    /// [`ClientBuilder::connect_timeout`](crate::ClientBuilder::connect_timeout): DNS, TCP and
    /// the TLS handshake.
    pub(crate) connect: Duration,
    /// [`ClientBuilder::timeout`](crate::ClientBuilder::timeout): one request attempt, from
    /// connecting to the last byte of the answer.
    pub(crate) request: Duration,
}

impl Transport {
    pub(crate) fn new(config: &Config) -> Transport {
        let tls = TlsConfig::builder()
            .root_certs(root_certs(&config.ca_certs))
            .disable_verification(!config.verify)
            .build();
        let servers = config.servers.len().max(1);
        let config_ureq = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_resolve(Some(config.connect_timeout))
            .timeout_connect(Some(config.connect_timeout))
            .timeout_global(Some(config.timeout))
            .max_idle_connections(config.pool_size.saturating_mul(servers))
            .max_idle_connections_per_host(config.pool_size)
            .tls_config(tls)
            .user_agent(concat!("cratedb-client/", env!("CARGO_PKG_VERSION")))
            .accept("application/json")
            .build();
        // ureq's own chain (TCP, then TLS when the URL is https), with the liveness check
        // between the socket and TLS.
        let connector = ()
            .chain(TcpConnector::default())
            .chain(LivenessConnector {
                after: config.liveness_check,
                probe_wait: config.connect_timeout,
            })
            .chain(RustlsConnector::default());
        let agent = Agent::with_parts(config_ureq, connector, DefaultResolver::default());
        let sql_query = match (config.col_types, config.error_trace) {
            (false, false) => "",
            (true, false) => "?types",
            (false, true) => "?error_trace=true",
            (true, true) => "?types&error_trace=true",
        };
        Transport {
            agent,
            authorization: config.authorization.clone(),
            schema: config.schema.clone(),
            sql_query,
            body_limit: config.body_limit,
            gzip: config.gzip_requests,
            timeouts: Timeouts {
                connect: config.connect_timeout,
                request: config.timeout,
            },
        }
    }

    /// `POST /_sql` with a JSON body; a 2xx answer's body is read as `read` says.
    pub(crate) fn post_sql(
        &self,
        node: &Node,
        body: &[u8],
        read: BodyRead,
    ) -> Result<Answer, AttemptError> {
        let compressed = match self.gzip.over_for(node.loopback) {
            Some(min) if body.len() >= min => Some(gzip(body).map_err(|e| {
                AttemptError::Final(Error::InvalidArgs {
                    message: format!("cannot gzip the request body: {e}"),
                })
            })?),
            _ => None,
        };
        self.attempt(node, read, |base| {
            let url = format!("{base}/_sql{}", self.sql_query);
            let mut request = self
                .agent
                .post(&url)
                .header("Content-Type", "application/json");
            if let Some(auth) = &self.authorization {
                request = request.header("Authorization", auth.expose());
            }
            if let Some(schema) = &self.schema {
                request = request.header("Default-Schema", schema.as_str());
            }
            match &compressed {
                Some(gz) => request
                    .header("Content-Encoding", "gzip")
                    .send(gz.as_slice()),
                None => request.send(body),
            }
        })
    }

    /// `GET /` (node information).
    pub(crate) fn get_root(&self, node: &Node) -> Result<Answer, AttemptError> {
        self.attempt(node, BodyRead::Contiguous, |base| {
            let url = format!("{base}/");
            let mut request = self.agent.get(&url);
            if let Some(auth) = &self.authorization {
                request = request.header("Authorization", auth.expose());
            }
            request.call()
        })
    }

    /// Sends with `send` (given the base URL) on the node's protocol; with `sslmode=allow`
    /// or `prefer`, a server that does not speak it is tried on the other protocol at once,
    /// and the one it answers on is remembered. When both fail, the error reported is the one
    /// of the protocol the server speaks (plain HTTP's when that is unknown). Without a
    /// fallback, a plain-HTTP request that a TLS port dropped is reported as such.
    fn attempt(
        &self,
        node: &Node,
        read: BodyRead,
        send: impl Fn(&str) -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Answer, AttemptError> {
        let ((url, tls), other) = node.urls();
        let first = send(url);
        let fallback = match (&first, other) {
            (Err(e), Some(other)) if speaks_other_protocol(e, tls) => Some(other),
            _ => None,
        };
        let Some((other_url, other_tls)) = fallback else {
            match &first {
                Ok(_) => node.answered_on(url),
                // Plain HTTP that got no HTTP answer: if the port speaks TLS, say so (and the
                // request cannot have run there).
                Err(e) if !tls && other.is_none() && speaks_other_protocol(e, false) => {
                    if self.answers_tls(url) {
                        return Err(AttemptError::NotSent(plain_http_to_tls(e)));
                    }
                }
                Err(_) => {}
            }
            return self.finish(node, first, read, tls);
        };
        match send(other_url) {
            Ok(response) => {
                node.answered_on(other_url);
                self.finish(node, Ok(response), read, other_tls)
            }
            // The server does not speak that one either: the first error is the real one.
            Err(e) if speaks_other_protocol(&e, other_tls) => self.finish(node, first, read, tls),
            // Plain HTTP first (`allow`), and nothing shows that the server speaks TLS (it did
            // not get as far as a certificate: refused, timed out, dropped): the plain request
            // that got no answer may have run, so its error stands.
            Err(e) if !tls && !presented_a_certificate(&e) => self.finish(node, first, read, tls),
            Err(e) => Err(classify(e, other_tls, self.timeouts)),
        }
    }

    /// Whether the server at the plain-HTTP base URL `url` speaks TLS on the same port: a
    /// `GET /` over HTTPS, without credentials, gets any HTTP answer, or the handshake gets as
    /// far as the server's certificate (which then fails verification: nothing is sent). Bounded
    /// by the connect timeout (and the request timeout when that is shorter).
    fn answers_tls(&self, url: &str) -> bool {
        let Some(authority) = url.strip_prefix("http://") else {
            return false;
        };
        let limit = self.timeouts.connect.min(self.timeouts.request);
        let probe = self
            .agent
            .get(format!("https://{authority}/"))
            .config()
            .timeout_global(Some(limit))
            .build()
            .call();
        match probe {
            Ok(_) => true,
            Err(e) => presented_a_certificate(&e),
        }
    }

    fn finish(
        &self,
        node: &Node,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
        read: BodyRead,
        tls: bool,
    ) -> Result<Answer, AttemptError> {
        let response = result.map_err(|e| classify(e, tls, self.timeouts))?;
        let status = response.status().as_u16();
        let mut body = response.into_body();
        if read == BodyRead::Streamed && (200..300).contains(&status) {
            return Ok(Answer {
                status,
                body: Payload::Open(body),
            });
        }
        let length = body.content_length();
        if length.is_some_and(|n| n > self.body_limit) {
            return Err(AttemptError::Final(Error::BodyTooLarge {
                server: node.name.clone(),
                limit: self.body_limit,
            }));
        }
        let chunked = read == BodyRead::Chunked
            && (200..300).contains(&status)
            && length.is_none_or(|n| n > CONTIGUOUS_MAX as u64);
        let limited = body.with_config().limit(self.body_limit);
        let received = if chunked {
            BodyChunks::read_from(limited.reader()).map_err(ureq::Error::from)
        } else {
            limited.read_to_vec().map(BodyChunks::from)
        };
        match received {
            Ok(body) => Ok(Answer {
                status,
                body: Payload::Received(body),
            }),
            Err(e) => Err(body_error(node, status, e, self.body_limit, self.timeouts)),
        }
    }
}

/// Sorts a failure to read a response body (the same whether it was read in chunks or not).
fn body_error(
    node: &Node,
    status: u16,
    e: ureq::Error,
    limit: u64,
    timeouts: Timeouts,
) -> AttemptError {
    match e {
        ureq::Error::BodyExceedsLimit(_) => AttemptError::Final(Error::BodyTooLarge {
            server: node.name.clone(),
            limit,
        }),
        ureq::Error::Timeout(ureq::Timeout::Global) => AttemptError::MaybeSent(format!(
            "no complete answer in time: the request timeout of {} ran out while reading the \
             response body ({REQUEST_TIMEOUT_KNOB})",
            show_duration(timeouts.request)
        )),
        ureq::Error::Timeout(t) => {
            AttemptError::MaybeSent(format!("timed out ({t}) while reading the response body"))
        }
        // The connection broke mid-body (also inside a gzip stream) or the body was
        // corrupt: a node-level failure after the statement ran.
        e => AttemptError::Cut(Error::Protocol {
            server: node.name.clone(),
            message: format!("truncated or unreadable response body (HTTP {status}): {e}"),
        }),
    }
}

/// The trusted roots: the built-in Mozilla roots, plus the configured CAs when there are any.
///
/// `ureq` takes either its built-in roots or a list of certificates, so a configured CA is
/// added to the same Mozilla roots as full certificates (`webpki-root-certs`).
pub(crate) fn root_certs(ca_certs: &[Certificate<'static>]) -> RootCerts {
    if ca_certs.is_empty() {
        return RootCerts::WebPki;
    }
    let builtin = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()));
    RootCerts::from(builtin.chain(ca_certs.iter().cloned()))
}

/// Whether a failed attempt shows that the server speaks the other protocol: with TLS, the
/// server answered the handshake with something that is not TLS (CrateDB's plain HTTP port
/// answers it with an HTTP 404); without TLS, the answer was not HTTP or the connection was
/// dropped (a TLS port cannot read a plain request). Either way the request was not executed.
fn speaks_other_protocol(e: &ureq::Error, tls: bool) -> bool {
    use std::io::ErrorKind;
    use ureq::Error as E;
    match e {
        E::Rustls(_) | E::Io(_) if tls => {
            matches!(rustls_error(e), Some(rustls::Error::InvalidMessage(_)))
        }
        E::Protocol(_) if !tls => true,
        E::Io(io) if !tls => matches!(
            io.kind(),
            ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::UnexpectedEof
                | ErrorKind::BrokenPipe
        ),
        _ => false,
    }
}

/// Where the request timeout is set, named in its errors.
const REQUEST_TIMEOUT_KNOB: &str = "ClientBuilder::timeout";
/// Where the connect timeout is set, named in its errors.
const CONNECT_TIMEOUT_KNOB: &str = "ClientBuilder::connect_timeout";

/// A duration as people read it: `300 s`, `1.5 s`, `250 ms`.
pub(crate) fn show_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        let s = format!("{:.3}", d.as_secs_f64());
        format!("{} s", s.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// Whether `e` is a failure to resolve the host name: std's lookup error
/// (`failed to lookup address information: …`), as `ureq`'s resolver hands it on.
fn is_dns_failure(io: &std::io::Error) -> bool {
    io.to_string()
        .starts_with("failed to lookup address information")
}

/// The rustls error inside a `ureq` error, if there is one.
fn rustls_error(e: &ureq::Error) -> Option<&rustls::Error> {
    match e {
        ureq::Error::Rustls(r) => Some(r),
        ureq::Error::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>()),
        _ => None,
    }
}

/// Whether a failed TLS attempt got as far as the server's certificate (so the server speaks
/// TLS): the certificate failed verification, or a TLS alert came back.
fn presented_a_certificate(e: &ureq::Error) -> bool {
    matches!(
        rustls_error(e),
        Some(rustls::Error::InvalidCertificate(_) | rustls::Error::AlertReceived(_))
    )
}

/// The reason for a plain-HTTP request that a TLS port dropped.
fn plain_http_to_tls(e: &ureq::Error) -> String {
    let shown = match e {
        ureq::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    };
    format!(
        "the server speaks TLS (HTTPS) on this port: it closed the plain-HTTP connection \
         without an answer ({shown}), so the request was not executed; connect with TLS: \
         ?ssl=true in the URL (or ?sslmode=verify-full&ca_cert=PATH for a private CA), or \
         ClientBuilder::ssl(true)"
    )
}

/// A TLS failure, saying what it means and what to do where that is known. `shown` is the
/// original error, kept in the message.
fn tls_failure(r: Option<&rustls::Error>, shown: &dyn std::fmt::Display) -> String {
    use rustls::CertificateError as C;
    match r {
        Some(rustls::Error::InvalidCertificate(C::UnknownIssuer)) => format!(
            "TLS failure: the server's certificate has an unknown issuer, a CA that is not \
             trusted here ({shown}); to trust it, give that CA's certificate with \
             ?ca_cert=PATH in the URL or ClientBuilder::ca_cert (trusted beside the Mozilla \
             roots)"
        ),
        Some(rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        )) => format!(
            "TLS failure: the server's certificate is not valid for the host name connected to \
             ({shown}); connect with a name the certificate lists"
        ),
        Some(rustls::Error::InvalidCertificate(
            C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. },
        )) => format!(
            "TLS failure: the server's certificate is expired or not yet valid ({shown}); \
             renew it, or check this machine's clock"
        ),
        Some(rustls::Error::InvalidMessage(_)) => format!(
            "TLS failure: the server does not speak TLS on this port, it answered the TLS \
             handshake with something else, such as plain HTTP ({shown}); connect without TLS \
             (no ssl=true, or sslmode=disable or prefer)"
        ),
        _ => format!("TLS failure ({shown})"),
    }
}

/// Sorts a `ureq` error by whether the request may have reached the server, with a reason
/// that says what happened (naming the timeout that ran out and its value, a name that could
/// not be resolved, what a TLS failure means).
///
/// With TLS, rustls reports handshake failures (unknown issuer, wrong host name, …) as I/O errors
/// of kind `InvalidData`; no request data is sent before the handshake completes.
fn classify(e: ureq::Error, tls: bool, timeouts: Timeouts) -> AttemptError {
    use std::io::ErrorKind;
    use ureq::{Error as E, Timeout as T};
    match e {
        E::Timeout(T::Resolve) => AttemptError::NotSent(format!(
            "the host name could not be resolved (DNS): no answer within the connect timeout \
             of {} ({CONNECT_TIMEOUT_KNOB})",
            show_duration(timeouts.connect)
        )),
        E::Timeout(T::Connect) => AttemptError::NotSent(format!(
            "connect timed out: no connection{} within the connect timeout of {} \
             ({CONNECT_TIMEOUT_KNOB})",
            if tls { " (TCP and TLS handshake)" } else { "" },
            show_duration(timeouts.connect)
        )),
        E::Timeout(T::Global) => AttemptError::MaybeSent(format!(
            "no answer in time: the request timeout of {} ran out ({REQUEST_TIMEOUT_KNOB})",
            show_duration(timeouts.request)
        )),
        E::Timeout(_) => AttemptError::MaybeSent(format!("no answer in time ({e})")),
        E::HostNotFound => AttemptError::NotSent(
            "the host name could not be resolved (DNS): it has no address; check the host \
             name"
                .to_string(),
        ),
        E::Io(ref io) if is_dns_failure(io) => AttemptError::NotSent(format!(
            "the host name could not be resolved (DNS): {io}; check the host name"
        )),
        E::ConnectionFailed | E::ConnectProxyFailed(_) | E::TlsRequired => {
            AttemptError::NotSent(format!("cannot connect ({e})"))
        }
        E::Rustls(ref r) => AttemptError::NotSent(tls_failure(Some(r), &e)),
        E::Tls(_) | E::Pem(_) => AttemptError::NotSent(tls_failure(None, &e)),
        E::Io(ref io) if tls && io.kind() == ErrorKind::InvalidData => {
            AttemptError::NotSent(tls_failure(rustls_error(&e), io))
        }
        E::Io(ref io) if io.get_ref().is_some_and(|e| e.is::<Unresponsive>()) => {
            AttemptError::MaybeSent(io.to_string())
        }
        E::Io(ref io) => match io.kind() {
            ErrorKind::ConnectionRefused
            | ErrorKind::AddrNotAvailable
            | ErrorKind::AddrInUse
            | ErrorKind::NetworkUnreachable
            | ErrorKind::HostUnreachable
            | ErrorKind::NotConnected
            | ErrorKind::PermissionDenied => {
                AttemptError::NotSent(format!("cannot connect ({io})"))
            }
            _ => AttemptError::MaybeSent(format!("connection lost ({io})")),
        },
        E::Protocol(_) | E::BodyStalled | E::LargeResponseHeader(..) | E::Decompress(..) => {
            AttemptError::MaybeSent(format!("broken HTTP answer ({e})"))
        }
        E::BadUri(_) | E::Http(_) | E::InvalidProxyUrl | E::RequireHttpsOnly(_) => {
            AttemptError::Final(Error::InvalidConfig {
                message: format!("cannot build the request: {e}"),
            })
        }
        other => AttemptError::MaybeSent(format!("request failed ({other})")),
    }
}

fn gzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::fast(),
    );
    encoder.write_all(body)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::{classify, root_certs, show_duration, AttemptError, Timeouts};
    use std::io;
    use std::time::Duration;
    use ureq::tls::{parse_pem, PemItem, RootCerts};

    const TIMEOUTS: Timeouts = Timeouts {
        connect: Duration::from_secs(10),
        request: Duration::from_millis(1500),
    };

    /// The reason of a classified error, with whether it was "not sent".
    fn reason(e: ureq::Error, tls: bool) -> (bool, String) {
        match classify(e, tls, TIMEOUTS) {
            AttemptError::NotSent(r) => (true, r),
            AttemptError::MaybeSent(r) => (false, r),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(show_duration(Duration::from_secs(300)), "300 s");
        assert_eq!(show_duration(Duration::from_secs(10)), "10 s");
        assert_eq!(show_duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(show_duration(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(show_duration(Duration::from_millis(2250)), "2.25 s");
    }

    #[test]
    fn a_timeout_names_itself_and_its_value() {
        use ureq::Timeout as T;
        assert_eq!(
            reason(ureq::Error::Timeout(T::Global), false),
            (
                false,
                "no answer in time: the request timeout of 1.5 s ran out (ClientBuilder::timeout)"
                    .to_string()
            )
        );
        assert_eq!(
            reason(ureq::Error::Timeout(T::Connect), true),
            (
                true,
                "connect timed out: no connection (TCP and TLS handshake) within the connect \
                 timeout of 10 s (ClientBuilder::connect_timeout)"
                    .to_string()
            )
        );
        let (not_sent, r) = reason(ureq::Error::Timeout(T::Resolve), false);
        assert!(not_sent);
        assert!(
            r.starts_with("the host name could not be resolved (DNS)"),
            "{r}"
        );
        assert!(r.contains("connect timeout of 10 s"), "{r}");
    }

    #[test]
    fn a_name_that_does_not_resolve_is_not_sent() {
        // std's error for a failed getaddrinfo, as ureq's resolver passes it on.
        let io =
            io::Error::other("failed to lookup address information: Name or service not known");
        let (not_sent, r) = reason(ureq::Error::Io(io), false);
        assert!(not_sent);
        assert_eq!(
            r,
            "the host name could not be resolved (DNS): failed to lookup address information: \
             Name or service not known; check the host name"
        );
        let (not_sent, r) = reason(ureq::Error::HostNotFound, false);
        assert!(not_sent && r.starts_with("the host name could not be resolved (DNS)"));
    }

    #[test]
    fn tls_failures_say_what_to_do() {
        // rustls hands its errors to ureq inside an I/O error of kind InvalidData.
        let tls_io =
            |e: rustls::Error| ureq::Error::Io(io::Error::new(io::ErrorKind::InvalidData, e));
        let unknown = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let (not_sent, r) = reason(tls_io(unknown), true);
        assert!(not_sent);
        assert!(
            r.starts_with("TLS failure: the server's certificate has an unknown issuer"),
            "{r}"
        );
        assert!(
            r.contains("UnknownIssuer") && r.contains("?ca_cert=PATH"),
            "{r}"
        );
        let plain = rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
        let (not_sent, r) = reason(tls_io(plain), true);
        assert!(not_sent);
        assert!(r.contains("does not speak TLS on this port"), "{r}");
        let expired = rustls::Error::InvalidCertificate(rustls::CertificateError::Expired);
        let (_, r) = reason(tls_io(expired), true);
        assert!(r.contains("expired or not yet valid"), "{r}");
        // Anything else keeps rustls' own words.
        let other = rustls::Error::General("x".into());
        let (not_sent, r) = reason(tls_io(other), true);
        assert!(not_sent && r.starts_with("TLS failure ("), "{r}");
    }

    #[test]
    fn a_lost_connection_stays_of_unknown_outcome() {
        let io = io::Error::new(io::ErrorKind::UnexpectedEof, "Peer disconnected");
        assert_eq!(
            reason(ureq::Error::Io(io), false),
            (false, "connection lost (Peer disconnected)".to_string())
        );
    }

    #[test]
    fn a_ca_is_trusted_beside_the_builtin_roots() {
        assert!(matches!(root_certs(&[]), RootCerts::WebPki));
        let pem = include_bytes!("../tests/certs/ca.pem");
        let ca: Vec<_> = parse_pem(pem)
            .filter_map(|item| match item {
                Ok(PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        assert_eq!(ca.len(), 1);
        let RootCerts::Specific(roots) = root_certs(&ca) else {
            panic!("a CA gives a list of roots");
        };
        let builtin = webpki_root_certs::TLS_SERVER_ROOT_CERTS;
        assert!(builtin.len() > 100, "the Mozilla roots: {}", builtin.len());
        assert_eq!(roots.len(), builtin.len() + 1);
        assert!(roots.iter().any(|r| r.der() == ca[0].der()));
        // The Mozilla roots themselves, e.g. Let's Encrypt's.
        let isrg = b"ISRG Root X1";
        assert!(roots
            .iter()
            .any(|r| r.der().windows(isrg.len()).any(|w| w == isrg)));
        assert!(builtin
            .iter()
            .all(|b| roots.iter().any(|r| r.der() == b.as_ref())));
    }
}
