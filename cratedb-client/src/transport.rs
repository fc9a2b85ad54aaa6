//! The HTTP transport: one `ureq` [`Agent`] per client (connection reuse), one request attempt
//! on one server at a time, with failures sorted into "not sent", "maybe sent" and "final".

use std::io::Write;

use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{Connector, RustlsConnector, TcpConnector};
use ureq::Agent;

use crate::body_chunks::{BodyChunks, CONTIGUOUS_MAX};
use crate::config::{Config, RequestGzip};
use crate::liveness::{LivenessConnector, Unresponsive};
use crate::node_pool::Node;
use crate::{Error, Secret};

/// A complete HTTP answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    /// One chunk unless the body was read with [`BodyRead::Chunked`].
    pub(crate) body: BodyChunks,
}

/// How the body of a 2xx answer is received. Either way it is received whole before the
/// answer is returned (a body cut off mid-way is an [`AttemptError::Cut`]), within the body
/// limit; error bodies are always read into one buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyRead {
    /// Into one buffer.
    Contiguous,
    /// In [`CHUNK_SIZE`](crate::body_chunks::CHUNK_SIZE) buffers, unless its
    /// `Content-Length` says it is at most [`CONTIGUOUS_MAX`] bytes: for answers parsed
    /// through a reader that frees the buffers as it goes.
    Chunked,
}

/// Why one attempt on one server failed.
#[derive(Debug)]
pub(crate) enum AttemptError {
    /// The request cannot have reached the server (refused, DNS, connect timeout, TLS failure):
    /// safe to send elsewhere.
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
    /// of the protocol the server speaks.
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
            if first.is_ok() {
                node.answered_on(url);
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
            Err(e) => Err(classify(e, other_tls)),
        }
    }

    fn finish(
        &self,
        node: &Node,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
        read: BodyRead,
        tls: bool,
    ) -> Result<Answer, AttemptError> {
        let response = result.map_err(|e| classify(e, tls))?;
        let status = response.status().as_u16();
        let mut body = response.into_body();
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
            Ok(body) => Ok(Answer { status, body }),
            Err(e) => Err(body_error(node, status, e, self.body_limit)),
        }
    }
}

/// Sorts a failure to read a response body (the same whether it was read in chunks or not).
fn body_error(node: &Node, status: u16, e: ureq::Error, limit: u64) -> AttemptError {
    match e {
        ureq::Error::BodyExceedsLimit(_) => AttemptError::Final(Error::BodyTooLarge {
            server: node.name.clone(),
            limit,
        }),
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
    let not_tls = |r: &rustls::Error| matches!(r, rustls::Error::InvalidMessage(_));
    match e {
        E::Rustls(r) if tls => not_tls(r),
        E::Io(io) if tls => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .is_some_and(not_tls),
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

/// Sorts a `ureq` error by whether the request may have reached the server.
///
/// With TLS, rustls reports handshake failures (unknown issuer, wrong host name, …) as I/O errors
/// of kind `InvalidData`; no request data is sent before the handshake completes.
fn classify(e: ureq::Error, tls: bool) -> AttemptError {
    use std::io::ErrorKind;
    use ureq::{Error as E, Timeout as T};
    match e {
        E::Timeout(T::Resolve | T::Connect) => {
            AttemptError::NotSent(format!("connect timed out ({e})"))
        }
        E::Timeout(_) => AttemptError::MaybeSent(format!("no answer in time ({e})")),
        E::HostNotFound => AttemptError::NotSent("host not found (DNS)".to_string()),
        E::ConnectionFailed | E::ConnectProxyFailed(_) | E::TlsRequired => {
            AttemptError::NotSent(format!("cannot connect ({e})"))
        }
        E::Tls(_) | E::Pem(_) | E::Rustls(_) => AttemptError::NotSent(format!("TLS failure ({e})")),
        E::Io(ref io) if tls && io.kind() == ErrorKind::InvalidData => {
            AttemptError::NotSent(format!("TLS failure ({io})"))
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
    use super::root_certs;
    use ureq::tls::{parse_pem, PemItem, RootCerts};

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
