//! [`TestServer`]: a loopback server speaking CrateDB's HTTP protocol, one thread per connection.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::thread::JoinHandle;

use serde_json::{json, Value};

use super::http::{Conn, HttpRequest};
use super::reply::{Action, Reply};
use super::request::SqlRequest;

type Handler = Arc<dyn Fn(&SqlRequest) -> Reply + Send + Sync>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

struct Shared {
    handler: RwLock<Handler>,
    requests: Mutex<Vec<SqlRequest>>,
    root_requests: AtomicUsize,
    connections: Mutex<HashMap<u64, TcpStream>>,
    next_connection: AtomicU64,
    accepted: AtomicUsize,
    gzipped_responses: AtomicUsize,
    version: String,
    node_name: String,
    tls: Option<Arc<rustls::ServerConfig>>,
    gzip: bool,
}

struct Acceptor {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

/// A loopback CrateDB-protocol server for tests.
///
/// It answers `GET /` and `HEAD /` with node information and `POST /_sql` with whatever its
/// handler returns for each [`SqlRequest`], records every request (statement, arguments,
/// headers), and can stop refusing connections and start again on the same port.
///
/// ```
/// use cratedb_client::testing::{Reply, SqlRequest, TestServer};
/// use cratedb_client::Client;
/// use serde_json::json;
///
/// let server = TestServer::with_handler(|req: &SqlRequest| {
///     Reply::rows(&["name"], vec![vec![json!("Arthur")], vec![req.args[0].clone()]])
/// });
/// let client = Client::new(&server.url())?;
/// let r = client.sql("SELECT name FROM characters WHERE name = $1", &[json!("Ford")])?;
/// assert_eq!(r.rows, vec![vec![json!("Arthur")], vec![json!("Ford")]]);
/// assert_eq!(server.requests()[0].stmt, "SELECT name FROM characters WHERE name = $1");
/// # Ok::<(), cratedb_client::Error>(())
/// ```
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Mutex<Option<Acceptor>>,
}

/// Configures a [`TestServer`] before it starts.
pub struct TestServerBuilder {
    handler: Handler,
    version: String,
    node_name: String,
    tls: Option<(Vec<u8>, Vec<u8>)>,
    gzip: bool,
}

impl Default for TestServerBuilder {
    fn default() -> Self {
        TestServerBuilder {
            handler: Arc::new(Reply::default_for),
            version: "6.0.0".to_string(),
            node_name: "test-node".to_string(),
            tls: None,
            gzip: false,
        }
    }
}

impl TestServerBuilder {
    /// Answers each `POST /_sql` with `handler(request)`.
    pub fn handler(
        mut self,
        handler: impl Fn(&SqlRequest) -> Reply + Send + Sync + 'static,
    ) -> Self {
        self.handler = Arc::new(handler);
        self
    }

    /// The version `GET /` reports (default `6.0.0`).
    pub fn version(mut self, version: &str) -> Self {
        self.version = version.to_string();
        self
    }

    /// The node name `GET /` reports (default `test-node`).
    pub fn node_name(mut self, name: &str) -> Self {
        self.node_name = name.to_string();
        self
    }

    /// Serves HTTPS with this PEM certificate chain and PEM private key.
    pub fn tls(mut self, cert_pem: &[u8], key_pem: &[u8]) -> Self {
        self.tls = Some((cert_pem.to_vec(), key_pem.to_vec()));
        self
    }

    /// Serves HTTPS with the certificate chain and key in these PEM files.
    pub fn tls_files(self, cert: impl AsRef<Path>, key: impl AsRef<Path>) -> io::Result<Self> {
        let cert = std::fs::read(cert)?;
        let key = std::fs::read(key)?;
        Ok(self.tls(&cert, &key))
    }

    /// Whether answers are gzip-compressed when the client accepts gzip. Default `false`:
    /// CrateDB sends its answers uncompressed whatever the client accepts; turn it on to
    /// test compressed answers (e.g. from a compressing proxy in front of CrateDB).
    pub fn gzip(mut self, on: bool) -> Self {
        self.gzip = on;
        self
    }

    /// Binds a free loopback port and starts serving.
    pub fn try_start(self) -> io::Result<TestServer> {
        let tls = match &self.tls {
            Some((cert, key)) => Some(super::tls::server_config(cert, key)?),
            None => None,
        };
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            handler: RwLock::new(self.handler),
            requests: Mutex::new(Vec::new()),
            root_requests: AtomicUsize::new(0),
            connections: Mutex::new(HashMap::new()),
            next_connection: AtomicU64::new(0),
            accepted: AtomicUsize::new(0),
            gzipped_responses: AtomicUsize::new(0),
            version: self.version,
            node_name: self.node_name,
            tls,
            gzip: self.gzip,
        });
        let server = TestServer {
            addr,
            shared,
            acceptor: Mutex::new(None),
        };
        server.spawn_acceptor(listener)?;
        Ok(server)
    }

    /// Like [`try_start`](TestServerBuilder::try_start).
    ///
    /// # Panics
    /// When no loopback port can be bound or the TLS files are invalid (test setup failures).
    pub fn start(self) -> TestServer {
        match self.try_start() {
            Ok(server) => server,
            Err(e) => panic!("cannot start the CrateDB test server: {e}"),
        }
    }
}

impl TestServer {
    /// A builder for version, node name, TLS and gzip settings.
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }

    /// A server with the default handler: `rowcount 1` for regular requests, one
    /// `{"rowcount": 1}` per row for bulk requests.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub fn start() -> TestServer {
        TestServer::builder().start()
    }

    /// A server answering each `POST /_sql` with `handler(request)`.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub fn with_handler(
        handler: impl Fn(&SqlRequest) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        TestServer::builder().handler(handler).start()
    }

    /// `crate://127.0.0.1:PORT` (with `/?ssl=true` when serving TLS).
    pub fn url(&self) -> String {
        if self.shared.tls.is_some() {
            format!("crate://{}/?ssl=true", self.addr)
        } else {
            format!("crate://{}", self.addr)
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        self.addr.to_string()
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every `POST /_sql` received so far, in order (including those not answered yet).
    pub fn requests(&self) -> Vec<SqlRequest> {
        lock(&self.shared.requests).clone()
    }

    /// How many `POST /_sql` requests were received.
    pub fn request_count(&self) -> usize {
        lock(&self.shared.requests).len()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// How many `GET /` or `HEAD /` requests were received.
    pub fn root_request_count(&self) -> usize {
        self.shared.root_requests.load(Ordering::SeqCst)
    }

    /// How many connections were accepted.
    pub fn connections_accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// How many answers were sent gzip-compressed.
    pub fn gzipped_responses(&self) -> usize {
        self.shared.gzipped_responses.load(Ordering::SeqCst)
    }

    /// Replaces the handler.
    pub fn set_handler(&self, handler: impl Fn(&SqlRequest) -> Reply + Send + Sync + 'static) {
        let mut h = self
            .shared
            .handler
            .write()
            .unwrap_or_else(|e| e.into_inner());
        *h = Arc::new(handler);
    }

    /// Whether the server is accepting connections.
    pub fn is_running(&self) -> bool {
        lock(&self.acceptor).is_some()
    }

    /// Stops listening and closes every open connection: connections to the port are refused
    /// until [`restart`](TestServer::restart).
    pub fn stop(&self) {
        let acceptor = lock(&self.acceptor).take();
        if let Some(acceptor) = acceptor {
            acceptor.stop.store(true, Ordering::SeqCst);
            // Wake the blocking accept.
            let _ = TcpStream::connect(self.addr);
            let _ = acceptor.thread.join();
        }
        let connections: Vec<TcpStream> = lock(&self.shared.connections)
            .drain()
            .map(|(_, s)| s)
            .collect();
        for c in connections {
            let _ = c.shutdown(Shutdown::Both);
        }
    }

    /// Listens again on the same port (after [`stop`](TestServer::stop)).
    pub fn restart(&self) -> io::Result<()> {
        if self.is_running() {
            return Ok(());
        }
        let listener = TcpListener::bind(self.addr)?;
        self.spawn_acceptor(listener)
    }

    fn spawn_acceptor(&self, listener: TcpListener) -> io::Result<()> {
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::clone(&self.shared);
        let thread_stop = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name(format!("cratedb-test-server-{}", self.addr.port()))
            .spawn(move || accept_loop(listener, &thread_stop, &shared))?;
        *lock(&self.acceptor) = Some(Acceptor { stop, thread });
        Ok(())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("addr", &self.addr)
            .field("tls", &self.shared.tls.is_some())
            .field("running", &self.is_running())
            .finish_non_exhaustive()
    }
}

fn accept_loop(listener: TcpListener, stop: &AtomicBool, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        shared.accepted.fetch_add(1, Ordering::SeqCst);
        let shared = Arc::clone(shared);
        let _ = std::thread::Builder::new()
            .name("cratedb-test-conn".to_string())
            .spawn(move || serve_connection(stream, &shared));
    }
}

fn serve_connection(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let id = shared.next_connection.fetch_add(1, Ordering::SeqCst);
    if let Ok(clone) = stream.try_clone() {
        lock(&shared.connections).insert(id, clone);
    }
    match &shared.tls {
        Some(config) => {
            if let Ok(tls) = rustls::ServerConnection::new(Arc::clone(config)) {
                serve_http(Conn::new(rustls::StreamOwned::new(tls, stream)), shared);
            }
        }
        None => serve_http(Conn::new(stream), shared),
    }
    lock(&shared.connections).remove(&id);
}

fn serve_http<S: Read + Write>(mut conn: Conn<S>, shared: &Shared) {
    while let Ok(Some(request)) = conn.read_request() {
        let (delay, action) = shared.respond(&request);
        if let Some(delay) = delay {
            std::thread::sleep(delay);
        }
        let (status, body, headers, truncate, close) = match action {
            Action::Send {
                status,
                body,
                headers,
                truncate,
                close,
            } => (status, body, headers, truncate, close),
            Action::Claim {
                status,
                body,
                length,
            } => {
                let _ = conn.write_claimed(status, &body, length);
                let _ = conn.stream_mut().flush();
                return;
            }
            Action::Close => return,
        };
        let accepts_gzip = request
            .header("accept-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("gzip"));
        let gzipped = if shared.gzip && accepts_gzip && !body.is_empty() && !truncate {
            gzip(&body).ok()
        } else {
            None
        };
        let mut head: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let result = match &gzipped {
            Some(gz) => {
                shared.gzipped_responses.fetch_add(1, Ordering::SeqCst);
                head.push(("content-encoding", "gzip"));
                conn.write_response(status, &head, gz, false)
            }
            None => conn.write_response(status, &head, &body, truncate),
        };
        if result.is_err() || truncate || close || request.wants_close() {
            let _ = conn.stream_mut().flush();
            return;
        }
    }
}

fn gzip(body: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(body)?;
    encoder.finish()
}

fn gunzip(body: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body).read_to_end(&mut out)?;
    Ok(out)
}

impl Shared {
    fn respond(&self, request: &HttpRequest) -> (Option<std::time::Duration>, Action) {
        let (path, query) = request
            .target
            .split_once('?')
            .unwrap_or((request.target.as_str(), ""));
        match (request.method.as_str(), path) {
            ("GET" | "HEAD", "/") => {
                self.root_requests.fetch_add(1, Ordering::SeqCst);
                let body = json!({
                    "ok": true,
                    "status": 200,
                    "name": self.node_name,
                    "cluster_name": "crate",
                    "version": {
                        "number": self.version,
                        "build_hash": "0000000000000000000000000000000000000000",
                        "build_timestamp": "NA",
                        "build_snapshot": false,
                        "lucene_version": "9.12.0",
                    },
                });
                // CrateDB answers HEAD with an empty body and no content-type.
                let (body, headers) = if request.method == "HEAD" {
                    (Vec::new(), Vec::new())
                } else {
                    (
                        body.to_string().into_bytes(),
                        vec![("content-type", "application/json".to_string())],
                    )
                };
                (
                    None,
                    Action::Send {
                        status: 200,
                        body,
                        headers,
                        truncate: false,
                        close: false,
                    },
                )
            }
            ("POST", "/_sql") => match self.parse_sql(request, query) {
                Ok(sql) => {
                    lock(&self.requests).push(sql.clone());
                    let handler =
                        Arc::clone(&self.handler.read().unwrap_or_else(|e| e.into_inner()));
                    let reply =
                        catch_unwind(AssertUnwindSafe(|| handler(&sql))).unwrap_or_else(|_| {
                            Reply::error(
                                5000,
                                "UnhandledServerException[the test handler panicked]",
                            )
                        });
                    reply.render(Some(&sql))
                }
                Err(reply) => reply.render(None),
            },
            // CrateDB's plain-text answers to other paths.
            ("GET" | "HEAD", _) => (
                None,
                Action::send(
                    404,
                    format!(
                        "Requested file [{}] was not found",
                        path.trim_start_matches('/')
                    )
                    .into_bytes(),
                ),
            ),
            (method, _) => (
                None,
                Action::send(
                    403,
                    format!("{method} method is not allowed for [{path}]").into_bytes(),
                ),
            ),
        }
    }

    /// The request, or the error answer CrateDB gives to a body it cannot read.
    fn parse_sql(&self, request: &HttpRequest, query: &str) -> Result<SqlRequest, Reply> {
        let gzipped = request
            .header("content-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
        let body = if gzipped {
            gunzip(&request.body).map_err(|e| {
                Reply::error(4000, &format!("SQLParseException[bad gzip body: {e}]"))
            })?
        } else {
            request.body.clone()
        };
        if body.is_empty() {
            return Err(Reply::error(
                4000,
                "SQLParseException[Missing request body]",
            ));
        }
        let cannot_parse = || {
            Reply::error(
                4000,
                &format!(
                    "SQLParseException[Can't parse [{}]. Expecting payload with `stmt` string and `args` or `bulk_args` arrays]",
                    String::from_utf8_lossy(&body)
                ),
            )
        };
        let value: Value = serde_json::from_slice(&body).map_err(|_| cannot_parse())?;
        let Value::Object(mut object) = value else {
            return Err(Reply::error(
                5000,
                "SQLParseSourceException[Field [stmt] is missing]",
            ));
        };
        if object
            .keys()
            .any(|k| !matches!(k.as_str(), "stmt" | "args" | "bulk_args"))
        {
            return Err(cannot_parse());
        }
        let stmt = match object.remove("stmt") {
            Some(Value::String(stmt)) => stmt,
            Some(_) => return Err(cannot_parse()),
            None => {
                return Err(Reply::error(
                    5000,
                    "SQLParseSourceException[Field [stmt] is missing]",
                ))
            }
        };
        let args = object.remove("args");
        let bulk_args = object.remove("bulk_args");
        if args.is_some() && bulk_args.is_some() {
            return Err(Reply::error(
                4000,
                "SQLParseException[request body contains args and bulk_args. It's forbidden to provide both]",
            ));
        }
        let args = match args {
            None => Vec::new(),
            Some(Value::Array(a)) => a,
            Some(other) => {
                return Err(Reply::error(
                    5000,
                    &format!(
                        "SQLParseSourceException[`args` must start with an array, not `{}`]",
                        json_token(&other)
                    ),
                ))
            }
        };
        let bulk_args = match bulk_args {
            None => None,
            Some(Value::Array(rows)) => Some(
                rows.into_iter()
                    .map(|r| match r {
                        Value::Array(r) => Ok(r),
                        other => Err(Reply::error(
                            5000,
                            &format!(
                                "SQLParseSourceException[`bulk_args` must contain a list of `args` (values list). Got unexpected: {}]",
                                json_token(&other).trim_end_matches("_INT").trim_end_matches("_FLOAT")
                            ),
                        )),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Some(_) => {
                return Err(Reply::error(
                    5000,
                    "SQLParseSourceException[Field [bulk_args] has an invalid value]",
                ))
            }
        };
        Ok(SqlRequest {
            stmt,
            args,
            bulk_args,
            headers: request.headers.clone(),
            query: query.to_string(),
            gzipped,
        })
    }
}

/// The name of the JSON token a value starts with, as CrateDB's parser (Jackson) names it.
fn json_token(value: &Value) -> &'static str {
    match value {
        Value::Null => "VALUE_NULL",
        Value::Bool(true) => "VALUE_TRUE",
        Value::Bool(false) => "VALUE_FALSE",
        Value::Number(n) if n.is_f64() => "VALUE_NUMBER_FLOAT",
        Value::Number(_) => "VALUE_NUMBER_INT",
        Value::String(_) => "VALUE_STRING",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}
