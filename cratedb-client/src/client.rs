//! [`Client`]: the entry point. Sends statements to the servers round-robin with failover.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use serde::{de::DeserializeOwned, Serialize};

use crate::config::{Auth, Config};
use crate::echo::EchoEvent;
use crate::node_pool::NodePool;
use crate::server_info::{parse_server_info, ServerInfo, ServerVersion};
use crate::statement::is_read;
use crate::trace::{RequestTrace, RowCount};
use crate::transport::{Answer, AttemptError, BodyRead, Payload, Transport};
use crate::{row_decoder, wire};
use crate::{BulkResponse, ClientBuilder, Error, Result, ResultInfo, RowSink, Rows, SqlResponse};

/// A CrateDB client over HTTP. Cheap to clone (clones share the connection pool and the
/// servers' health); `Send + Sync`.
///
/// Requests rotate round-robin over the servers. A server that fails at the connection level
/// (refused, DNS, connect timeout, TLS failure) or answers 502/503/504 is marked inactive for the
/// retry interval and the request moves to the next server. A request whose outcome is unknown
/// (timeout or reset after it was sent) moves on only when the statement is a read
/// (`SELECT`, `SHOW`, `EXPLAIN`, `WITH … SELECT`) or [`ClientBuilder::retry_writes`] is on;
/// an answer cut off mid-body (the connection broke) likewise marks the server failed and moves
/// a read on, while any other statement reports [`Error::Protocol`] without resending.
/// CrateDB's SQL errors are never retried. When every server fails,
/// [`Error::AllServersFailed`] lists each server's reason.
///
/// ```no_run
/// use cratedb_client::Client;
/// use serde_json::json;
///
/// let client = Client::new("crate://localhost:4200")?;
/// let r = client.sql("SELECT name FROM sys.cluster WHERE name = $1", &[json!("crate")])?;
/// println!("{:?} {:?}", r.cols, r.rows);
/// # Ok::<(), cratedb_client::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    pool: NodePool,
    transport: Transport,
}

/// Which request to send.
#[derive(Clone, Copy)]
enum Request<'a> {
    /// `POST /_sql` with this body, a 2xx answer read as said.
    Sql(&'a [u8], BodyRead),
    Root,
}

impl Client {
    /// Connects to the servers of a `crate://` URL (see [`ConnectionUrl`](crate::ConnectionUrl)).
    /// No request is sent until the first statement.
    pub fn new(url: &str) -> Result<Client> {
        ClientBuilder::new().url(url).build()
    }

    /// A [`ClientBuilder`] for every setting.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    pub(crate) fn from_config(config: Config) -> Result<Client> {
        let pool = NodePool::new(
            &config.servers,
            config.tls,
            config.tls_fallback,
            config.retry_interval,
        );
        let transport = Transport::new(&config);
        Ok(Client {
            inner: Arc::new(Inner {
                config,
                pool,
                transport,
            }),
        })
    }

    /// Runs one statement with bound parameters (`args` serializes to a JSON array:
    /// `&[json!(1)]`, `&("a", 2)`, `&Vec<Value>`, …). Placeholders are `$1…$n` or `?`.
    pub fn sql<A: Serialize + ?Sized>(&self, stmt: &str, args: &A) -> Result<SqlResponse> {
        let body = wire::sql_body(stmt, args)?;
        self.run(
            stmt,
            &body,
            is_read(stmt),
            None,
            BodyRead::Contiguous,
            |server, body| wire::parse_sql_response(server, &body.into_vec()),
        )
    }

    /// Runs one statement without parameters (DDL, `REFRESH TABLE`, …).
    ///
    /// ```no_run
    /// # let client = cratedb_client::Client::new("crate://")?;
    /// client.execute("REFRESH TABLE \"doc\".\"characters\"")?;
    /// # Ok::<(), cratedb_client::Error>(())
    /// ```
    pub fn execute(&self, stmt: &str) -> Result<SqlResponse> {
        const NO_ARGS: &[serde_json::Value] = &[];
        self.sql(stmt, NO_ARGS)
    }

    /// Runs one statement and deserializes each row (a JSON array) into `T` straight from the
    /// response body: a tuple, a `Vec`, or a struct deriving `Deserialize` (fields in column
    /// order). Empty rows (DML answers carry `[[]]`) are skipped. A row that does not fit is
    /// [`Error::Decode`] naming the row and column.
    ///
    /// ```no_run
    /// # let client = cratedb_client::Client::new("crate://")?;
    /// let r = client.query_as::<(String, i64), _>("SELECT name, n FROM t WHERE x = $1", &("a",))?;
    /// for (name, n) in r.rows { println!("{name}: {n}"); }
    /// # Ok::<(), cratedb_client::Error>(())
    /// ```
    pub fn query_as<T: DeserializeOwned, A: Serialize + ?Sized>(
        &self,
        stmt: &str,
        args: &A,
    ) -> Result<Rows<T>> {
        let body = wire::sql_body(stmt, args)?;
        self.run(
            stmt,
            &body,
            is_read(stmt),
            None,
            BodyRead::Contiguous,
            |server, body| row_decoder::decode_rows(server, &body.into_vec()),
        )
    }

    /// Runs a query and passes each result row to `sink` as the body is parsed: the way to
    /// read large results into your own types without holding a `serde_json::Value` per row
    /// (the ORM loads models this way). Failover and errors are as for [`Client::sql`]; a row
    /// the sink rejects is [`Error::Decode`] naming the row and column.
    ///
    /// The whole answer is received before the first row reaches the sink, so a failure is
    /// known before any row is passed on and reads fail over as for `sql`. A large answer
    /// (over 4 MiB) is received in chunks, and each chunk is freed as soon as it has been
    /// parsed: the peak memory is about the larger of the body and what the sink keeps, not
    /// their sum. To hold only one row at a time, use [`Client::stream_with`].
    ///
    /// ```no_run
    /// use cratedb_client::{Client, RowSink};
    /// use serde::de::SeqAccess;
    ///
    /// struct Names(Vec<String>);
    ///
    /// impl RowSink for Names {
    ///     fn columns(&mut self, _cols: &[String]) {}
    ///     fn row<'de, A: SeqAccess<'de>>(&mut self, mut row: A) -> Result<(), A::Error> {
    ///         self.0.extend(row.next_element::<String>()?);
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let client = Client::new("crate://localhost:4200")?;
    /// let mut names = Names(Vec::new());
    /// let info = client.query_with("SELECT name FROM characters", &[] as &[i32], &mut names)?;
    /// assert_eq!(info.rows, names.0.len());
    /// # Ok::<(), cratedb_client::Error>(())
    /// ```
    pub fn query_with<S: RowSink, A: Serialize + ?Sized>(
        &self,
        stmt: &str,
        args: &A,
        sink: &mut S,
    ) -> Result<ResultInfo> {
        self.query_into(stmt, args, sink, BodyRead::Chunked)
    }

    /// Runs a query and passes each result row to `sink` as it arrives: the answer is parsed
    /// straight from the connection, so nothing but the row being read (and 64 KiB of read
    /// buffer) is held, however large the result. The way to read results larger than
    /// memory, or to start on the first rows before the last have arrived (the ORM's
    /// `Query::for_each` streams this way).
    ///
    /// Rows reach the sink while the answer is still coming in, so:
    /// - failover happens only before the answer starts, as for [`Client::sql`] (refused,
    ///   unreachable, 502/503/504, no answer in time; reads are sent to the next server);
    /// - a failure once the answer has started is reported and **never retried**, since rows
    ///   were delivered already: the connection breaking or the request timeout running out
    ///   ([`Error::Connection`] or [`Error::Protocol`], saying how many rows had been passed
    ///   on), a body that is not valid JSON ([`Error::Protocol`]), or a row the sink rejects
    ///   ([`Error::Decode`] naming the row and column). The sink has seen the rows before the
    ///   failing one: undo or discard what it did with them if the partial result is of no
    ///   use.
    ///
    /// The [body limit](crate::ClientBuilder::body_limit) does not apply: it bounds the
    /// memory a received answer takes, and a streamed one takes none. The
    /// [request timeout](crate::ClientBuilder::timeout) does: it runs from connecting to the
    /// last byte of the answer, the time the sink spends on each row included; raise it for
    /// long streams (or page through the result). CrateDB itself builds the whole result
    /// before it answers, so its own limits (the circuit breakers) apply as for any query.
    ///
    /// To stop early, return an error from the sink and remember in the sink that it was a
    /// stop: the request ends with that [`Error::Decode`], nothing more is read, and the
    /// connection is closed instead of going back to the pool.
    ///
    /// The echo hook and the `tracing` span see the request once, when the stream has ended,
    /// with its whole duration; the sink runs inside the span.
    ///
    /// ```no_run
    /// use cratedb_client::{Client, RowSink};
    /// use serde::de::SeqAccess;
    ///
    /// /// Sums the second column, keeping nothing per row.
    /// #[derive(Default)]
    /// struct Total(f64);
    ///
    /// impl RowSink for Total {
    ///     fn columns(&mut self, _cols: &[String]) {}
    ///     fn row<'de, A: SeqAccess<'de>>(&mut self, mut row: A) -> Result<(), A::Error> {
    ///         row.next_element::<serde::de::IgnoredAny>()?;
    ///         self.0 += row.next_element::<f64>()?.unwrap_or(0.0);
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let client = Client::new("crate://localhost:4200")?;
    /// let mut total = Total::default();
    /// let info = client.stream_with(
    ///     "SELECT id, value FROM readings WHERE sensor = $1",
    ///     &["sensor-7"],
    ///     &mut total,
    /// )?;
    /// println!("{} rows, total {}", info.rows, total.0);
    /// # Ok::<(), cratedb_client::Error>(())
    /// ```
    pub fn stream_with<S: RowSink, A: Serialize + ?Sized>(
        &self,
        stmt: &str,
        args: &A,
        sink: &mut S,
    ) -> Result<ResultInfo> {
        self.query_into(stmt, args, sink, BodyRead::Streamed)
    }

    /// A query whose rows go to `sink`, the answer's body read as `read` says.
    fn query_into<S: RowSink, A: Serialize + ?Sized>(
        &self,
        stmt: &str,
        args: &A,
        sink: &mut S,
        read: BodyRead,
    ) -> Result<ResultInfo> {
        let body = wire::sql_body(stmt, args)?;
        self.run(stmt, &body, is_read(stmt), None, read, |server, body| {
            self.decode_payload(server, body, sink)
        })
    }

    /// Passes the rows of a 2xx body to `sink`: a received body from its buffers, an open
    /// one as it arrives.
    fn decode_payload<S: RowSink>(
        &self,
        server: &str,
        body: Payload,
        sink: &mut S,
    ) -> Result<ResultInfo> {
        match body {
            Payload::Received(body) => row_decoder::decode_into(server, body, sink),
            Payload::Open(body) => crate::stream::decode_stream_into(
                server,
                body.into_reader(),
                self.inner.config.timeout,
                sink,
            ),
        }
    }

    /// Runs one INSERT/UPDATE/DELETE with many argument rows (`bulk_args` serializes to an
    /// array of arrays) in one request. The answer has one result per row, in order; a failed
    /// row has `rowcount == -2` and, on CrateDB 5.10 and later, its error. An analysis error
    /// (syntax, types) fails the whole request with [`Error::Sql`].
    pub fn bulk<A: Serialize + ?Sized>(&self, stmt: &str, bulk_args: &A) -> Result<BulkResponse> {
        let (body, rows) = wire::bulk_body(stmt, bulk_args)?;
        self.run(
            stmt,
            &body,
            false,
            Some(rows),
            BodyRead::Contiguous,
            |server, body| wire::parse_bulk_response(server, &body.into_vec(), rows),
        )
    }

    /// The schema sent as `Default-Schema`, if configured.
    pub fn default_schema(&self) -> Option<&str> {
        self.inner.config.schema.as_deref()
    }

    /// The servers, `host:port`, in configuration order.
    pub fn servers(&self) -> Vec<String> {
        self.inner
            .pool
            .nodes()
            .iter()
            .map(|n| n.name.clone())
            .collect()
    }

    /// The servers currently marked inactive (skipped until their retry interval has passed).
    pub fn inactive_servers(&self) -> Vec<String> {
        self.inner
            .pool
            .nodes()
            .iter()
            .enumerate()
            .filter(|(i, _)| self.inner.pool.is_inactive(*i))
            .map(|(_, n)| n.name.clone())
            .collect()
    }

    /// Node information (`GET /`) from one server, with failover.
    pub fn server_info(&self) -> Result<ServerInfo> {
        self.server_info_unredacted()
            .map_err(|e| e.redacted(&self.inner.config.redact))
    }

    fn server_info_unredacted(&self) -> Result<ServerInfo> {
        let (node, answer) = self.send(Request::Root, true)?;
        let server = self.node_name(node);
        let body = answer.body.into_vec();
        if !(200..300).contains(&answer.status) {
            return Err(wire::error_from_answer(&server, answer.status, &body));
        }
        parse_server_info(&server, &body)
    }

    /// Node information from every server, each asked directly (no failover), in
    /// configuration order.
    pub fn servers_info(&self) -> Vec<Result<ServerInfo>> {
        (0..self.inner.pool.nodes().len())
            .map(|i| {
                self.info_of(i)
                    .map_err(|e| e.redacted(&self.inner.config.redact))
            })
            .collect()
    }

    /// The lowest CrateDB version among the servers that answer (the version whose features
    /// every node supports). Fails only when no server answers.
    pub fn lowest_version(&self) -> Result<ServerVersion> {
        let mut failures = Vec::new();
        let mut lowest: Option<ServerVersion> = None;
        for (i, info) in self.servers_info().into_iter().enumerate() {
            match info {
                Ok(info) => {
                    if lowest.as_ref().is_none_or(|l| info.version < *l) {
                        lowest = Some(info.version);
                    }
                }
                Err(Error::Connection { reason, .. }) => failures.push((self.node_name(i), reason)),
                Err(e) => failures.push((self.node_name(i), e.to_string())),
            }
        }
        lowest.ok_or(Error::AllServersFailed { failures })
    }

    fn info_of(&self, index: usize) -> Result<ServerInfo> {
        let inner = &self.inner;
        let node = inner.pool.node(index).ok_or_else(|| Error::InvalidConfig {
            message: format!("no server number {index}"),
        })?;
        match inner.transport.get_root(node) {
            Ok(answer) if matches!(answer.status, 502..=504) => {
                let reason = wire::node_failure_reason(answer.status, &answer.body.into_vec());
                inner.pool.mark_failed(index, &reason);
                Err(Error::Connection {
                    server: node.name.clone(),
                    reason,
                })
            }
            Ok(answer) if !(200..300).contains(&answer.status) => Err(wire::error_from_answer(
                &node.name,
                answer.status,
                &answer.body.into_vec(),
            )),
            Ok(answer) => {
                inner.pool.mark_ok(index);
                parse_server_info(&node.name, &answer.body.into_vec())
            }
            Err(AttemptError::NotSent(reason) | AttemptError::MaybeSent(reason)) => {
                inner.pool.mark_failed(index, &reason);
                Err(Error::Connection {
                    server: node.name.clone(),
                    reason,
                })
            }
            Err(AttemptError::Cut(e)) => {
                inner.pool.mark_failed(index, &cut_reason(&e));
                Err(e)
            }
            Err(AttemptError::Final(e)) => Err(e),
        }
    }

    fn node_name(&self, index: usize) -> String {
        self.inner
            .pool
            .node(index)
            .map(|n| n.name.clone())
            .unwrap_or_default()
    }

    /// Sends a `POST /_sql`, maps error answers, parses a success (its body read as
    /// `body_read` says) with `parse`, and echoes.
    fn run<T: RowCount>(
        &self,
        stmt: &str,
        body: &[u8],
        read: bool,
        bulk_rows: Option<usize>,
        body_read: BodyRead,
        parse: impl FnOnce(&str, Payload) -> Result<T>,
    ) -> Result<T> {
        let started = Instant::now();
        let retryable = read || self.inner.config.retry_writes;
        let mut last_server = String::new();
        let trace = RequestTrace::start(stmt, bulk_rows, body, &self.inner.config.redact);
        let result = trace.in_scope(|| {
            self.send_tracking(Request::Sql(body, body_read), retryable, &mut last_server)
                .and_then(|(node, answer)| {
                    let server = self.node_name(node);
                    if (200..300).contains(&answer.status) {
                        parse(&server, answer.body)
                    } else {
                        Err(wire::error_from_answer(
                            &server,
                            answer.status,
                            &answer.body.into_vec(),
                        ))
                    }
                })
        });
        let result = result.map_err(|e| e.redacted(&self.inner.config.redact));
        let elapsed = started.elapsed();
        trace.finish(
            &last_server,
            elapsed,
            result.as_ref().map(RowCount::row_count),
        );
        if let Some(echo) = &self.inner.config.echo {
            echo.call(&EchoEvent {
                statement: stmt,
                server: &last_server,
                duration: elapsed,
                bulk_rows,
                ok: result.is_ok(),
            });
        }
        result
    }

    fn send(&self, request: Request<'_>, retryable: bool) -> Result<(usize, Answer)> {
        let mut last = String::new();
        self.send_tracking(request, retryable, &mut last)
    }

    /// Tries the servers in the pool's order until one gives an HTTP answer that is not a node
    /// failure. `last_server` is set to each server tried.
    fn send_tracking(
        &self,
        request: Request<'_>,
        retryable: bool,
        last_server: &mut String,
    ) -> Result<(usize, Answer)> {
        let inner = &self.inner;
        let plan = inner.pool.plan();
        let mut failures = Vec::new();
        let mut tried = Vec::with_capacity(plan.len());
        for index in plan {
            let Some(node) = inner.pool.node(index) else {
                continue;
            };
            tried.push(index);
            last_server.clone_from(&node.name);
            let attempt = match request {
                Request::Sql(body, read) => inner.transport.post_sql(node, body, read),
                Request::Root => inner.transport.get_root(node),
            };
            match attempt {
                Ok(answer) if matches!(answer.status, 502..=504) => {
                    let reason = wire::node_failure_reason(answer.status, &answer.body.into_vec());
                    inner.pool.mark_failed(index, &reason);
                    failures.push((node.name.clone(), reason));
                }
                Ok(answer) => {
                    inner.pool.mark_ok(index);
                    return Ok((index, answer));
                }
                Err(AttemptError::NotSent(reason)) => {
                    inner.pool.mark_failed(index, &reason);
                    failures.push((node.name.clone(), reason));
                }
                Err(AttemptError::MaybeSent(reason)) => {
                    inner.pool.mark_failed(index, &reason);
                    if !retryable {
                        return Err(Error::Connection {
                            server: node.name.clone(),
                            reason: format!(
                                "{reason}; the statement may have been executed, so it was not \
                                 resent (only reads are resent unless retry_writes is on)"
                            ),
                        });
                    }
                    failures.push((node.name.clone(), reason));
                }
                Err(AttemptError::Cut(e)) => {
                    let reason = cut_reason(&e);
                    inner.pool.mark_failed(index, &reason);
                    if !retryable {
                        return Err(e);
                    }
                    failures.push((node.name.clone(), reason));
                }
                Err(AttemptError::Final(e)) => return Err(e),
            }
        }
        failures.extend(inner.pool.inactive_reasons(&tried));
        Err(Error::AllServersFailed { failures })
    }
}

/// The reason recorded for a server whose answer was cut off.
fn cut_reason(e: &Error) -> String {
    match e {
        Error::Protocol { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.inner.config;
        let auth = match &c.auth {
            Auth::None => "none".to_string(),
            Auth::Basic { username } => format!("basic (user {username:?}, password redacted)"),
            Auth::Bearer => "JWT bearer (token redacted)".to_string(),
        };
        f.debug_struct("Client")
            .field("servers", &self.servers())
            .field("tls", &c.tls)
            .field("tls_fallback", &c.tls_fallback)
            .field("verify_ssl_cert", &c.verify)
            .field("auth", &auth)
            .field("schema", &c.schema)
            .field("connect_timeout", &c.connect_timeout)
            .field("timeout", &c.timeout)
            .field("liveness_check", &c.liveness_check)
            .field("retry_interval", &c.retry_interval)
            .field("body_limit", &c.body_limit)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::Client;

    #[test]
    fn client_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Client>();
    }
}
