//! [`ClientBuilder`]: servers, TLS, authentication, timeouts and limits.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ureq::tls::{Certificate, PemItem};

use crate::echo::{EchoEvent, EchoHook};
use crate::{Client, ConnectionUrl, Error, Result, Secret, ServerAddr, SslMode};

/// Default time to establish a connection (TCP and TLS), and for a liveness probe to get a
/// reaction: 5 s. A CrateDB node on the same network connects in well under a millisecond,
/// one across the internet with TLS in a few round trips; a node that takes 5 s is not fit
/// for interactive use.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default time for one request attempt, from connecting to the end of the response body:
/// the longest a statement may run (CrateDB answers only when the result is ready).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// Default silence after which a server that accepted a request is probed for life (see
/// [`ClientBuilder::liveness_check`]): 5 s. Requests to a frozen node end after about 5 s
/// plus the probe's wait (the connect timeout), 10 s with the defaults.
pub const DEFAULT_LIVENESS_CHECK: Duration = Duration::from_secs(5);
/// Default time a failed server is left alone before it is tried again.
pub const DEFAULT_RETRY_INTERVAL: Duration = Duration::from_secs(30);
/// Default number of idle keep-alive connections kept per server.
pub const DEFAULT_POOL_SIZE: usize = 10;
/// Default largest response body accepted (after gzip decoding): 256 MiB, room for results of
/// several hundred thousand rows.
pub const DEFAULT_BODY_LIMIT: u64 = 256 * 1024 * 1024;
/// Default size from which request bodies are sent gzip-compressed to a server that is not on
/// this machine: 256 KiB. By default bodies to a loopback server are never compressed (see
/// [`ClientBuilder::gzip_requests_over`]).
pub const DEFAULT_GZIP_REQUESTS_OVER: usize = 256 * 1024;

/// When request bodies are gzip-compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RequestGzip {
    /// Bodies of at least this many bytes are compressed; `None`: never.
    pub(crate) over: Option<usize>,
    /// Whether bodies to a loopback server are compressed too.
    pub(crate) loopback: bool,
}

impl RequestGzip {
    /// The size from which a body to this server is compressed, if any.
    pub(crate) fn over_for(&self, loopback_server: bool) -> Option<usize> {
        if loopback_server && !self.loopback {
            None
        } else {
            self.over
        }
    }
}

/// Builds a [`Client`]. Start with [`Client::builder()`]; every setting has a sensible default,
/// and [`build`](ClientBuilder::build) checks that the settings agree.
///
/// ```no_run
/// use std::time::Duration;
/// use cratedb_client::Client;
///
/// let client = Client::builder()
///     .servers(["db1.example.com:4200", "db2.example.com:4200"])
///     .ssl(true)
///     .ca_cert("/etc/cratedb/ca.pem")
///     .basic_auth("admin", "secret")
///     .schema("doc")
///     .connect_timeout(Duration::from_secs(5))
///     .timeout(Duration::from_secs(60))
///     .retry_interval(Duration::from_secs(30))
///     .echo_to_stderr()
///     .build()?;
/// # Ok::<(), cratedb_client::Error>(())
/// ```
///
/// Settings given later override earlier ones; [`url`](ClientBuilder::url) sets everything its
/// URL names.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    servers: Option<Vec<ServerAddr>>,
    username: Option<String>,
    password: Option<Secret>,
    jwt: Option<Secret>,
    ssl: Option<bool>,
    sslmode: Option<SslMode>,
    verify_ssl_cert: Option<bool>,
    ca_certs: Vec<PathBuf>,
    schema: Option<String>,
    connect_timeout: Duration,
    timeout: Duration,
    liveness_check: Option<Duration>,
    pool_size: usize,
    retry_interval: Duration,
    body_limit: u64,
    error_trace: bool,
    col_types: bool,
    echo: Option<EchoHook>,
    retry_writes: bool,
    gzip_requests: RequestGzip,
    deferred_error: Option<Error>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            servers: None,
            username: None,
            password: None,
            jwt: None,
            ssl: None,
            sslmode: None,
            verify_ssl_cert: None,
            ca_certs: Vec::new(),
            schema: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            liveness_check: Some(DEFAULT_LIVENESS_CHECK),
            pool_size: DEFAULT_POOL_SIZE,
            retry_interval: DEFAULT_RETRY_INTERVAL,
            body_limit: DEFAULT_BODY_LIMIT,
            error_trace: false,
            col_types: false,
            echo: None,
            retry_writes: false,
            gzip_requests: RequestGzip {
                over: Some(DEFAULT_GZIP_REQUESTS_OVER),
                loopback: false,
            },
            deferred_error: None,
        }
    }
}

/// How requests authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Auth {
    None,
    Basic { username: String },
    Bearer,
}

/// The checked settings a client runs with.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) servers: Vec<ServerAddr>,
    /// Whether a server is first tried with TLS.
    pub(crate) tls: bool,
    /// Whether a server that does not speak the first protocol is tried with the other
    /// (`sslmode=allow|prefer`).
    pub(crate) tls_fallback: bool,
    pub(crate) verify: bool,
    /// Trusted CAs beside the built-in Mozilla roots.
    pub(crate) ca_certs: Vec<Certificate<'static>>,
    pub(crate) auth: Auth,
    /// The full `Authorization` header value.
    pub(crate) authorization: Option<Secret>,
    /// Texts that must never appear in an error (password, token, encoded credentials):
    /// a server that echoes them back has them redacted.
    pub(crate) redact: Vec<Secret>,
    pub(crate) schema: Option<String>,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    /// Silence after which the server is probed; `None`: never.
    pub(crate) liveness_check: Option<Duration>,
    pub(crate) pool_size: usize,
    pub(crate) retry_interval: Duration,
    pub(crate) body_limit: u64,
    pub(crate) error_trace: bool,
    pub(crate) col_types: bool,
    pub(crate) echo: Option<EchoHook>,
    pub(crate) retry_writes: bool,
    pub(crate) gzip_requests: RequestGzip,
}

fn config_error(message: impl Into<String>) -> Error {
    Error::InvalidConfig {
        message: message.into(),
    }
}

impl ClientBuilder {
    /// A builder with the defaults: `localhost:4200`, plain HTTP, no authentication.
    pub fn new() -> Self {
        ClientBuilder::default()
    }

    fn defer(mut self, error: Error) -> Self {
        if self.deferred_error.is_none() {
            self.deferred_error = Some(error);
        }
        self
    }

    /// Applies everything a `crate://` URL names: servers, credentials and options
    /// (see [`ConnectionUrl`]). A bad URL is reported by [`build`](ClientBuilder::build).
    pub fn url(self, url: &str) -> Self {
        match ConnectionUrl::parse(url) {
            Ok(parsed) => self.connection_url(parsed),
            Err(e) => self.defer(e),
        }
    }

    /// Applies a parsed [`ConnectionUrl`].
    pub fn connection_url(mut self, url: ConnectionUrl) -> Self {
        self.servers = Some(url.servers().to_vec());
        if let Some(user) = url.username() {
            self.username = Some(user.to_string());
            self.password = url.password().cloned();
        }
        if let Some(v) = url.ssl() {
            self.ssl = Some(v);
        }
        if let Some(v) = url.sslmode() {
            self.sslmode = Some(v);
        }
        if let Some(v) = url.schema() {
            self.schema = Some(v.to_string());
        }
        if let Some(v) = url.verify_ssl_cert() {
            self.verify_ssl_cert = Some(v);
        }
        if let Some(v) = url.ca_cert() {
            self.ca_certs.push(v.to_path_buf());
        }
        if let Some(v) = url.error_trace() {
            self.error_trace = v;
        }
        self
    }

    /// Adds one server, `host`, `host:port` or `[ipv6]:port`.
    pub fn server(mut self, server: &str) -> Self {
        match ServerAddr::parse(server) {
            Ok(s) => {
                self.servers.get_or_insert_with(Vec::new).push(s);
                self
            }
            Err(e) => self.defer(e),
        }
    }

    /// Replaces the servers (each `host`, `host:port` or `[ipv6]:port`). Requests rotate over
    /// them round-robin.
    pub fn servers<I>(mut self, servers: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut list = Vec::new();
        for s in servers {
            match ServerAddr::parse(s.as_ref()) {
                Ok(s) => list.push(s),
                Err(e) => return self.defer(e),
            }
        }
        self.servers = Some(list);
        self
    }

    /// Replaces the servers with already parsed addresses.
    pub fn server_addrs(mut self, servers: Vec<ServerAddr>) -> Self {
        self.servers = Some(servers);
        self
    }

    /// Connects with TLS (HTTPS) when `true`. Certificates are verified unless
    /// [`verify_ssl_cert(false)`](ClientBuilder::verify_ssl_cert).
    pub fn ssl(mut self, on: bool) -> Self {
        self.ssl = Some(on);
        self
    }

    /// Sets TLS by libpq `sslmode` (see [`SslMode`] for what each mode means here).
    pub fn sslmode(mut self, mode: SslMode) -> Self {
        self.sslmode = Some(mode);
        self
    }

    /// Trusts the CA certificates in a PEM file (read by `build`) beside the built-in Mozilla
    /// roots (`webpki-root-certs`), so a private CA and public certificates both verify; call it
    /// again to trust several files. With `sslmode=require|prefer|allow` it also turns
    /// certificate verification on (as in libpq).
    pub fn ca_cert(mut self, path: impl AsRef<Path>) -> Self {
        self.ca_certs.push(path.as_ref().to_path_buf());
        self
    }

    /// Whether to verify server certificates (default `true`).
    ///
    /// **Unsafe when `false`:** any server, including an attacker in the middle, is accepted.
    /// Only for tests or self-signed setups you cannot give a CA for.
    pub fn verify_ssl_cert(mut self, verify: bool) -> Self {
        self.verify_ssl_cert = Some(verify);
        self
    }

    /// Authenticates with HTTP Basic auth (`password` may be empty).
    pub fn basic_auth(mut self, username: &str, password: &str) -> Self {
        self.username = Some(username.to_string());
        self.password = Some(Secret::new(password));
        self
    }

    /// Authenticates as `username` without a password (CrateDB's `trust` method).
    pub fn username(mut self, username: &str) -> Self {
        self.username = Some(username.to_string());
        self.password = None;
        self
    }

    /// Authenticates with a JWT bearer token (`Authorization: Bearer …`). Not together with
    /// basic auth.
    pub fn jwt(mut self, token: impl Into<Secret>) -> Self {
        self.jwt = Some(token.into());
        self
    }

    /// The schema for unqualified names, sent as the `Default-Schema` header (CrateDB's
    /// default is `doc`).
    pub fn schema(mut self, schema: &str) -> Self {
        self.schema = Some(schema.to_string());
        self
    }

    /// Time allowed to connect to one server, TLS handshake included, and for a liveness probe
    /// to get a reaction (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for one request attempt on one server, from connecting to the last byte of
    /// the answer (default 300 s). When it runs out after the request was sent, only reads are
    /// resent to another server (see [`retry_writes`](ClientBuilder::retry_writes)).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Silence after which a server that accepted a request is checked for life (default
    /// 5 s; `None`: never, wait for the [`timeout`](ClientBuilder::timeout)).
    ///
    /// CrateDB answers a statement only when its result is ready, so silence alone does not
    /// tell a long statement from a frozen node (a stopped JVM, a long GC pause, a stalled
    /// VM), whose kernel still accepts connections and requests. After this much silence the
    /// client sends `GET /` to the same server on a new connection: a working server reacts at
    /// once and the request is waited for again (up to the timeout); one that shows no
    /// reaction within the [`connect_timeout`](ClientBuilder::connect_timeout) is given up on.
    /// The request then fails with its outcome unknown (a read moves on to the next server;
    /// see [`Error::may_have_executed`](crate::Error::may_have_executed)) and the server is
    /// left alone for the [`retry_interval`](ClientBuilder::retry_interval).
    ///
    /// Measured on a 3-node CrateDB 6.4.3 cluster with one node stopped (SIGSTOP) for 20 s:
    /// requests to the stopped node end after about 10 s with the defaults (without the check
    /// they wait until the node resumes); requests to the other nodes that need a shard of the
    /// stopped node wait inside CrateDB until it resumes, or until the cluster drops it after
    /// about 30 s, whatever the client does.
    pub fn liveness_check(mut self, after: Option<Duration>) -> Self {
        self.liveness_check = after;
        self
    }

    /// Idle keep-alive connections kept per server (default 10).
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size;
        self
    }

    /// How long a failed server is skipped before it is tried again (default 30 s).
    pub fn retry_interval(mut self, interval: Duration) -> Self {
        self.retry_interval = interval;
        self
    }

    /// The largest response body accepted, in bytes after gzip decoding (default 256 MiB).
    /// Larger answers fail with [`Error::BodyTooLarge`].
    pub fn body_limit(mut self, bytes: u64) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Asks CrateDB for server stack traces on errors (`error_trace=true`); the trace is appended
    /// to [`SqlError::message`](crate::SqlError::message). For debugging only.
    pub fn error_trace(mut self, on: bool) -> Self {
        self.error_trace = on;
        self
    }

    /// Asks CrateDB for column type ids (`?types`), filling
    /// [`SqlResponse::col_types`](crate::SqlResponse::col_types) (default off).
    pub fn col_types(mut self, on: bool) -> Self {
        self.col_types = on;
        self
    }

    /// Calls `hook` once per statement with its text, server and duration (never its
    /// arguments).
    pub fn echo(mut self, hook: impl Fn(&EchoEvent<'_>) + Send + Sync + 'static) -> Self {
        self.echo = Some(EchoHook::new(hook));
        self
    }

    /// Prints every statement with its server and duration to standard error.
    pub fn echo_to_stderr(mut self) -> Self {
        self.echo = Some(EchoHook::stderr());
        self
    }

    /// Resend statements that are not reads to another server when the outcome of the first
    /// attempt is unknown (read timeout or reset after sending). Off by default: only turn it on
    /// when your writes are idempotent (INSERT with an explicit primary key, absolute UPDATE or
    /// DELETE by primary key).
    pub fn retry_writes(mut self, on: bool) -> Self {
        self.retry_writes = on;
        self
    }

    /// Sends request bodies of at least `bytes` gzip-compressed (`Content-Encoding: gzip`) to
    /// every server, loopback ones included; `None` never compresses. Responses are always
    /// accepted gzip-encoded.
    ///
    /// The default compresses bodies of at least [`DEFAULT_GZIP_REQUESTS_OVER`] (256 KiB) sent
    /// to a server that is not on this machine, and never those sent to a loopback server
    /// (`localhost`, `127.0.0.0/8`, `::1`; see [`ServerAddr::is_loopback`]). Measured on a
    /// 10,000-row bulk INSERT (`docs/performance.md`, "Request compression"): compressing costs the client
    /// 1–2 ms for repetitive rows and 16–34 ms for 1.6 MB of less repetitive ones, which a
    /// loopback connection never wins back, while on a 100 Mbit/s link it cuts the time on the
    /// wire from 40–130 ms to 2–90 ms (compression included).
    pub fn gzip_requests_over(mut self, bytes: Option<usize>) -> Self {
        self.gzip_requests = RequestGzip {
            over: bytes,
            loopback: true,
        };
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// Fails with [`Error::InvalidUrl`] for a bad URL or server and [`Error::InvalidConfig`]
    /// for contradictory settings (JWT together with basic auth, `ssl=false` with a TLS
    /// `sslmode`, `verify_ssl_cert=false` with `verify-full`, a CA without TLS, an unreadable
    /// CA file, zero sizes or timeouts, an empty server list).
    pub fn build(self) -> Result<Client> {
        let config = self.into_config()?;
        Client::from_config(config)
    }

    pub(crate) fn into_config(self) -> Result<Config> {
        if let Some(e) = self.deferred_error {
            return Err(e);
        }
        let servers = self.servers.unwrap_or_else(|| vec![ServerAddr::default()]);
        if servers.is_empty() {
            return Err(config_error("the server list is empty"));
        }

        // `tls`: the first protocol tried; `fallback`: the other one is tried when a server
        // does not speak it.
        let (tls, fallback) = match (self.ssl, self.sslmode) {
            (Some(ssl), Some(mode)) if mode.falls_back() => {
                return Err(config_error(format!(
                    "ssl={ssl} contradicts sslmode={mode}, which tries both plain HTTP and TLS; \
                     give one of them"
                )))
            }
            (Some(ssl), Some(mode)) if ssl != mode.uses_tls() => {
                return Err(config_error(format!(
                    "ssl={ssl} contradicts sslmode={mode}"
                )))
            }
            (Some(ssl), _) => (ssl, false),
            (None, Some(SslMode::Prefer)) => (true, true),
            (None, Some(SslMode::Allow)) => (false, true),
            (None, Some(mode)) => (mode.uses_tls(), false),
            (None, None) => (false, false),
        };
        if !self.ca_certs.is_empty() && !tls && !fallback {
            return Err(config_error(
                "ca_cert is set but TLS is off (set ssl=true or sslmode=verify-full)",
            ));
        }
        let verify = match self.verify_ssl_cert {
            Some(false) if self.sslmode.is_some_and(SslMode::demands_verification) => {
                return Err(config_error(format!(
                    "verify_ssl_cert=false contradicts sslmode={}",
                    self.sslmode.map(SslMode::as_str).unwrap_or_default()
                )))
            }
            Some(false) if !self.ca_certs.is_empty() => {
                return Err(config_error(
                    "ca_cert is set but verify_ssl_cert=false turns verification off",
                ))
            }
            Some(v) => v,
            None => match self.sslmode {
                Some(SslMode::Require | SslMode::Prefer | SslMode::Allow) => {
                    !self.ca_certs.is_empty()
                }
                _ => true,
            },
        };
        let mut ca_certs = Vec::new();
        for path in &self.ca_certs {
            ca_certs.extend(read_ca_file(path)?);
        }

        let mut redact = Vec::new();
        let (auth, authorization) = match (&self.jwt, &self.username) {
            (Some(_), Some(_)) => {
                return Err(config_error(
                    "a JWT token and basic-auth credentials were both given; use one of them",
                ))
            }
            (Some(token), None) => {
                let t = token.expose();
                if t.is_empty() || !t.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(config_error(
                        "the JWT token is empty or contains whitespace or non-ASCII characters",
                    ));
                }
                redact.push(token.clone());
                (Auth::Bearer, Some(Secret::new(format!("Bearer {t}"))))
            }
            (None, Some(user)) => {
                if user.is_empty() {
                    return Err(config_error("the user name is empty"));
                }
                if user.contains(':') {
                    return Err(config_error(format!(
                        "the user name {user:?} contains ':', which basic auth cannot carry"
                    )));
                }
                let password = self.password.as_ref().map(Secret::expose).unwrap_or("");
                let encoded = base64_encode(format!("{user}:{password}").as_bytes());
                redact.push(Secret::new(encoded.clone()));
                if let Some(p) = &self.password {
                    redact.push(p.clone());
                }
                (
                    Auth::Basic {
                        username: user.clone(),
                    },
                    Some(Secret::new(format!("Basic {encoded}"))),
                )
            }
            (None, None) => (Auth::None, None),
        };

        if let Some(schema) = &self.schema {
            if schema.is_empty() {
                return Err(config_error("the schema name is empty"));
            }
            if !schema.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                return Err(config_error(format!(
                    "the schema name {schema:?} has characters an HTTP header cannot carry \
                     (printable ASCII only)"
                )));
            }
        }
        if self.connect_timeout.is_zero() {
            return Err(config_error("connect_timeout must be greater than zero"));
        }
        if self.timeout.is_zero() {
            return Err(config_error("timeout must be greater than zero"));
        }
        if self.liveness_check.is_some_and(|d| d.is_zero()) {
            return Err(config_error(
                "liveness_check must be greater than zero (None turns it off)",
            ));
        }
        if self.pool_size == 0 {
            return Err(config_error("pool_size must be at least 1"));
        }
        if self.body_limit == 0 {
            return Err(config_error("body_limit must be at least 1 byte"));
        }

        Ok(Config {
            servers,
            tls,
            tls_fallback: fallback,
            verify,
            ca_certs,
            auth,
            authorization,
            redact,
            schema: self.schema,
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            liveness_check: self.liveness_check,
            pool_size: self.pool_size,
            retry_interval: self.retry_interval,
            body_limit: self.body_limit,
            error_trace: self.error_trace,
            col_types: self.col_types,
            echo: self.echo,
            retry_writes: self.retry_writes,
            gzip_requests: self.gzip_requests,
        })
    }
}

fn read_ca_file(path: &Path) -> Result<Vec<Certificate<'static>>> {
    let shown = path.display();
    let pem = std::fs::read(path)
        .map_err(|e| config_error(format!("cannot read ca_cert file {shown}: {e}")))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => {
                return Err(config_error(format!(
                    "ca_cert file {shown} is not valid PEM: {e}"
                )))
            }
        }
    }
    if certs.is_empty() {
        return Err(config_error(format!(
            "ca_cert file {shown} holds no PEM certificate"
        )));
    }
    Ok(certs)
}

/// Standard base64 with padding (for the Basic auth header).
fn base64_encode(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b0 = chunk.first().copied().unwrap_or(0);
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        let sextets = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        for (i, s) in sextets.into_iter().enumerate() {
            if i <= chunk.len() {
                let c = ALPHABET.get(s as usize).copied().unwrap_or(b'=');
                out.push(char::from(c));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{base64_encode, ClientBuilder, DEFAULT_GZIP_REQUESTS_OVER};

    #[test]
    fn request_gzip_by_default_only_to_servers_off_this_machine() {
        let config = ClientBuilder::new()
            .into_config()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            config.gzip_requests.over_for(false),
            Some(DEFAULT_GZIP_REQUESTS_OVER)
        );
        assert_eq!(config.gzip_requests.over_for(true), None);
        // An explicit size applies to every server, loopback ones too.
        let config = ClientBuilder::new()
            .gzip_requests_over(Some(1024))
            .into_config()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.gzip_requests.over_for(false), Some(1024));
        assert_eq!(config.gzip_requests.over_for(true), Some(1024));
        let config = ClientBuilder::new()
            .gzip_requests_over(None)
            .into_config()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.gzip_requests.over_for(false), None);
        assert_eq!(config.gzip_requests.over_for(true), None);
    }

    #[test]
    fn base64() {
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode(b"f"), "Zg==");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_encode(b"foo"), "Zm9v");
        assert_eq!(base64_encode(b"crate:"), "Y3JhdGU6");
        assert_eq!(base64_encode(b"admin:s3cr3t!"), "YWRtaW46czNjcjN0IQ==");
    }
}
