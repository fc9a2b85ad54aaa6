//! A simulated CrateDB cluster for the fault tests: three (or more) loopback [`TestServer`]s
//! sharing one table `t (id BIGINT PRIMARY KEY, v TEXT)`, so a write landing on any node is
//! visible on every node, and every write is counted by its unique id — which node received it
//! and how many times — to prove that nothing is lost and nothing is sent twice.
//!
//! Statements understood: `INSERT INTO t (id, v) VALUES ($1, $2)` (4091 when the id exists) and
//! `SELECT v FROM t WHERE id = $1`. A node can be given a [`Fault`] that wraps its answers.
#![allow(dead_code)]

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use cratedb_client::testing::{BulkRow, Reply, SqlRequest, TestServer};
use cratedb_client::{Client, Error};
use serde_json::{json, Value};

/// The write statement of the simulated table.
pub const INSERT: &str = "INSERT INTO t (id, v) VALUES ($1, $2)";
/// The read statement of the simulated table.
pub const SELECT: &str = "SELECT v FROM t WHERE id = $1";

/// How a node misbehaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Answers correctly.
    None,
    /// Runs the statement, then answers only after this long (beyond the client's timeout).
    Hang(Duration),
    /// Answers a bare 503 without running the statement (a node without a master).
    Unavailable,
    /// Runs the statement, then closes the connection halfway through the answer body.
    CutMidBody,
    /// Runs the statement, then answers 200 with a body cut inside the JSON (complete HTTP).
    TruncatedJson,
    /// Runs the statement, then answers 200 with a body that is not JSON at all.
    MalformedJson,
    /// Runs the statement, then announces a 2 GB body, sends the small real one, and closes.
    ClaimsTwoGigabytes,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The shared table and the books kept on every write.
#[derive(Default)]
pub struct Store {
    rows: Mutex<HashMap<u64, String>>,
    /// Write id → how many INSERTs carrying it reached any node.
    received: Mutex<HashMap<u64, u32>>,
}

impl Store {
    /// The value stored for `id`.
    pub fn get(&self, id: u64) -> Option<String> {
        lock(&self.rows).get(&id).cloned()
    }

    /// Rows in the table.
    pub fn len(&self) -> usize {
        lock(&self.rows).len()
    }

    /// How many INSERTs carrying `id` reached a node.
    pub fn received(&self, id: u64) -> u32 {
        lock(&self.received).get(&id).copied().unwrap_or(0)
    }

    /// Ids whose INSERT reached the nodes more than once, with the count.
    pub fn duplicates(&self) -> BTreeMap<u64, u32> {
        lock(&self.received)
            .iter()
            .filter(|(_, &n)| n > 1)
            .map(|(&id, &n)| (id, n))
            .collect()
    }

    fn execute(&self, request: &SqlRequest) -> Reply {
        if let Some(rows) = &request.bulk_args {
            if request.stmt != INSERT {
                return Reply::error(4000, "SQLParseException[statement not simulated]");
            }
            let results = rows
                .iter()
                .map(|args| match self.insert(args) {
                    Ok(()) => BulkRow::Ok(1),
                    Err((code, message)) => BulkRow::Error(code, message.to_string()),
                })
                .collect();
            return Reply::bulk_results(results);
        }
        match self.insert_or_select(request) {
            Ok(reply) => reply,
            Err((code, message)) => Reply::error(code, message),
        }
    }

    fn insert(&self, args: &[Value]) -> Result<(), (i64, &'static str)> {
        let Some(id) = args.first().and_then(Value::as_u64) else {
            return Err((4000, "SQLParseException[id is not a number]"));
        };
        *lock(&self.received).entry(id).or_insert(0) += 1;
        let value = args
            .get(1)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        match lock(&self.rows).entry(id) {
            Entry::Occupied(_) => Err((
                4091,
                "DuplicateKeyException[A document with the same primary key exists already]",
            )),
            Entry::Vacant(slot) => {
                slot.insert(value);
                Ok(())
            }
        }
    }

    fn insert_or_select(&self, request: &SqlRequest) -> Result<Reply, (i64, &'static str)> {
        let id = request.args.first().and_then(|v| v.as_u64());
        match (request.stmt.as_str(), id) {
            (INSERT, Some(_)) => self.insert(&request.args).map(|()| Reply::rowcount(1)),
            (SELECT, Some(id)) => Ok(match self.get(id) {
                Some(v) => Reply::rows(&["v"], vec![vec![json!(v)]]),
                None => Reply::rows(&["v"], Vec::new()),
            }),
            _ => Err((4000, "SQLParseException[statement not simulated]")),
        }
    }
}

/// One node's fault switch and its counters.
#[derive(Default)]
struct NodeState {
    fault: RwLock<Option<Fault>>,
    writes: AtomicUsize,
    reads: AtomicUsize,
}

/// Three or more nodes over one [`Store`].
pub struct Cluster {
    /// The nodes, in client configuration order.
    pub servers: Vec<TestServer>,
    /// The shared table.
    pub store: Arc<Store>,
    nodes: Vec<Arc<NodeState>>,
}

impl Cluster {
    /// Starts `n` healthy nodes.
    pub fn start(n: usize) -> Cluster {
        let store = Arc::new(Store::default());
        let mut servers = Vec::with_capacity(n);
        let mut nodes = Vec::with_capacity(n);
        for i in 0..n {
            let node = Arc::new(NodeState::default());
            let (s, st) = (Arc::clone(&store), Arc::clone(&node));
            servers.push(
                TestServer::builder()
                    .node_name(&format!("node-{i}"))
                    .handler(move |req| answer(&s, &st, req))
                    .start(),
            );
            nodes.push(node);
        }
        Cluster {
            servers,
            store,
            nodes,
        }
    }

    /// Gives node `i` a fault (`Fault::None` heals it).
    pub fn set_fault(&self, i: usize, fault: Fault) {
        if let Some(node) = self.nodes.get(i) {
            *node.fault.write().unwrap_or_else(|e| e.into_inner()) = Some(fault);
        }
    }

    /// `host:port` of every node.
    pub fn addrs(&self) -> Vec<String> {
        self.servers.iter().map(|s| s.addr()).collect()
    }

    /// A client over every node with short timeouts.
    pub fn client(
        &self,
        retry_interval: Duration,
        timeout: Duration,
        retry_writes: bool,
    ) -> Client {
        Client::builder()
            .servers(self.addrs())
            .retry_interval(retry_interval)
            .connect_timeout(Duration::from_millis(500))
            .timeout(timeout)
            .retry_writes(retry_writes)
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `POST /_sql` requests each node received.
    pub fn spread(&self) -> Vec<usize> {
        self.servers.iter().map(TestServer::request_count).collect()
    }

    /// (writes, reads) each node executed.
    pub fn executed(&self) -> Vec<(usize, usize)> {
        self.nodes
            .iter()
            .map(|n| {
                (
                    n.writes.load(Ordering::SeqCst),
                    n.reads.load(Ordering::SeqCst),
                )
            })
            .collect()
    }
}

fn answer(store: &Store, node: &NodeState, request: &SqlRequest) -> Reply {
    let fault = node
        .fault
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .unwrap_or(Fault::None);
    if fault == Fault::Unavailable {
        return Reply::status(503);
    }
    if request.stmt == INSERT {
        node.writes.fetch_add(1, Ordering::SeqCst);
    } else {
        node.reads.fetch_add(1, Ordering::SeqCst);
    }
    let reply = store.execute(request);
    match fault {
        Fault::None | Fault::Unavailable => reply,
        Fault::Hang(d) => Reply::delay(d, reply),
        Fault::CutMidBody => Reply::truncated(Reply::rows(
            &["v"],
            vec![vec![json!("a value long enough to be cut in half")]; 8],
        )),
        Fault::TruncatedJson => Reply::raw(200, r#"{"cols":["v"],"rows":[["x"#),
        Fault::MalformedJson => Reply::raw(200, "<html><body>502 from a proxy</body></html>"),
        Fault::ClaimsTwoGigabytes => Reply::claimed_length(2 * 1024 * 1024 * 1024, reply),
    }
}

/// A short name for an error's kind, for the tallies the tests print.
pub fn kind(e: &Error) -> &'static str {
    match e {
        Error::Sql { error, .. } if error.is_duplicate_key() => "sql-duplicate-key",
        Error::Sql { .. } => "sql",
        Error::Connection { .. } => "connection",
        Error::AllServersFailed { .. } => "all-servers-failed",
        Error::Protocol { .. } => "protocol",
        Error::BodyTooLarge { .. } => "body-too-large",
        Error::Http { .. } => "http",
        Error::Decode { .. } => "decode",
        _ => "other",
    }
}

/// Counts by key, printed sorted.
#[derive(Debug, Default, Clone)]
pub struct Tally(pub BTreeMap<String, usize>);

impl Tally {
    /// Adds one to `key`.
    pub fn add(&mut self, key: &str) {
        *self.0.entry(key.to_string()).or_insert(0) += 1;
    }

    /// The count of `key`.
    pub fn get(&self, key: &str) -> usize {
        self.0.get(key).copied().unwrap_or(0)
    }

    /// The sum of all counts.
    pub fn total(&self) -> usize {
        self.0.values().sum()
    }
}

/// The peak resident memory of this process in MiB (`VmHWM`), when the OS tells.
pub fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
