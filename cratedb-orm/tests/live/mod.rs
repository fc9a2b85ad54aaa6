//! Live-test support: a client on the CrateDB of `CRATEDB_URL` (or of `CRATEDB_TLS_URL`, a node
//! that speaks only HTTPS), in a schema of its own per run, dropped at the end. Without the URL
//! the test prints one line and returns.
#![allow(dead_code)]

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use cratedb_orm::{Client, CrateModel, Value};

/// A live CrateDB, with a fresh schema.
pub struct Live {
    /// A client whose default schema is `schema`.
    pub client: Client,
    /// `CRATEDB_URL` (or `CRATEDB_TLS_URL`) with `schema=` added, for code that builds its own
    /// client.
    pub url: String,
    /// The schema of this run.
    pub schema: String,
}

static RUN: AtomicUsize = AtomicUsize::new(0);

/// The live CrateDB, or `None` (after printing one line) when `CRATEDB_URL` is unset.
pub fn connect(suite: &str) -> Option<Live> {
    connect_to("CRATEDB_URL", suite)
}

/// The live CrateDB that speaks only HTTPS (`CRATEDB_TLS_URL`, as `cratedb.sh start --tls`
/// prints it: verify-full with its CA), or `None` (after printing one line) when it is unset.
pub fn connect_tls(suite: &str) -> Option<Live> {
    connect_to("CRATEDB_TLS_URL", suite)
}

/// The live CrateDB of the URL in `var`, or `None` (after printing one line) when it is unset.
fn connect_to(var: &str, suite: &str) -> Option<Live> {
    let Ok(base) = std::env::var(var) else {
        // Written to the real stderr (not captured by the test harness), so it shows in every run.
        let _ = writeln!(
            std::io::stderr(),
            "live test {suite} skipped: {var} is not set"
        );
        return None;
    };
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let schema = format!(
        "orm_live_{}_{}_{}_{}",
        suite,
        std::process::id(),
        nanos,
        RUN.fetch_add(1, Ordering::Relaxed)
    );
    let url = with_schema(&base, &schema);
    let client =
        Client::new(&url).unwrap_or_else(|e| panic!("{var} is not a valid crate:// URL: {e}"));
    Some(Live {
        client,
        url,
        schema,
    })
}

/// `url` with `schema=NAME` added to its options.
pub fn with_schema(url: &str, schema: &str) -> String {
    if url.contains('?') {
        format!("{url}&schema={schema}")
    } else if url.ends_with('/') {
        format!("{url}?schema={schema}")
    } else {
        format!("{url}/?schema={schema}")
    }
}

/// One statement a [`Live::logging_client`] sent: its text, and its row count when it was a bulk
/// request.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// The statement text.
    pub sql: String,
    /// `Some(rows)` for a bulk request.
    pub bulk_rows: Option<usize>,
    /// Whether it succeeded.
    pub ok: bool,
}

/// The statements a [`Live::logging_client`] sent, in order.
#[derive(Debug, Clone, Default)]
pub struct SentLog(Arc<Mutex<Vec<Sent>>>);

impl SentLog {
    /// Everything sent since the last `take`, forgotten here.
    pub fn take(&self) -> Vec<Sent> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Live {
    /// `REFRESH TABLE` on a table of this schema.
    pub fn refresh(&self, table: &str) {
        self.client
            .sql(&format!("REFRESH TABLE \"{table}\""), &[] as &[Value])
            .expect("refresh");
    }

    /// Creates the table of `M` in this schema.
    pub fn create<M: CrateModel>(&self) {
        self.client
            .sql(&cratedb_orm::ddl::create_table(M::meta()), &[] as &[Value])
            .unwrap_or_else(|e| panic!("create table {}: {e}", M::meta().name));
    }

    /// A client on this schema that logs every statement it sends (text, bulk rows, outcome).
    pub fn logging_client(&self) -> (Client, SentLog) {
        let log = SentLog::default();
        let sink = log.clone();
        let client = Client::builder()
            .url(&self.url)
            .echo(move |e| {
                sink.0.lock().unwrap_or_else(|e| e.into_inner()).push(Sent {
                    sql: e.statement.to_string(),
                    bulk_rows: e.bulk_rows,
                    ok: e.ok,
                })
            })
            .build()
            .expect("client");
        (client, log)
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let tables = self.client.sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
            &[&self.schema],
        );
        if let Ok(tables) = tables {
            for row in tables.rows {
                if let Some(Value::String(name)) = row.first() {
                    let sql = format!(
                        "DROP TABLE IF EXISTS \"{}\".\"{}\"",
                        self.schema,
                        name.replace('"', "\"\"")
                    );
                    let _ = self.client.sql(&sql, &[] as &[Value]);
                }
            }
        }
    }
}

/// The HTTP status, CrateDB's code and its message in an ORM error, when the server answered
/// with an error body (also behind `Error::MissingColumn`, which keeps CrateDB's 4043).
pub fn sql_error(err: &cratedb_orm::Error) -> Option<(u16, i64, String)> {
    match err.client_error() {
        Some(cratedb_orm::client::Error::Sql { status, error, .. }) => {
            Some((*status, error.code, error.message.clone()))
        }
        _ => None,
    }
}
