//! The session under faults, with the tutorial's `Character` on a simulated three-node cluster
//! (one shared `characters` table; every INSERT/UPDATE counted per primary key):
//! - a node that is down when the commit starts is skipped: everything lands once;
//! - nodes dying in the middle of a commit: the commit fails with what landed and what did not,
//!   the failed rows stay pending, nothing is lost, and the next commit (nodes back) writes
//!   exactly the rest — no row is written twice;
//! - a write whose answer is lost after it ran (unknown outcome) stays pending; sending it again
//!   meets the primary key (no duplicate row), and the session looks the row up by key: it is
//!   the row sent, so it counts as landed.
//!
//! Figures are printed (`cargo test --test reliability_session -- --nocapture`).

mod models;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use cratedb_client::testing::{BulkRow, Reply, SqlRequest, TestServer};
use cratedb_orm::session::RowFailureCause;
use cratedb_orm::{object, Client, Error, Handle, Session, Value};
use models::Character;
use serde_json::json;

const RETRY_INTERVAL: Duration = Duration::from_millis(150);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a node does with the next requests.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Healthy,
    /// Accepts the request and drops the connection without running it (a dying node).
    Dying,
    /// Runs the request, then cuts the answer mid-body (the outcome is unknown to the client).
    LosesAnswers,
}

/// The shared `characters` table and the books on every write.
#[derive(Default)]
struct Table {
    rows: Mutex<BTreeMap<String, serde_json::Map<String, Value>>>,
    inserts: Mutex<HashMap<String, u32>>,
    updates: Mutex<HashMap<String, u32>>,
    requests: AtomicUsize,
}

impl Table {
    fn inserted_twice(&self) -> usize {
        lock(&self.inserts).values().filter(|&&n| n > 1).count()
    }

    fn updates_of(&self, id: &str) -> u32 {
        lock(&self.updates).get(id).copied().unwrap_or(0)
    }

    /// Runs one request like CrateDB would.
    fn execute(&self, req: &SqlRequest) -> Reply {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if req.stmt.starts_with("INSERT INTO \"characters\"") {
            return self.insert(req);
        }
        if req.stmt.starts_with("SELECT ") {
            return self.lookup(req);
        }
        if req.stmt.starts_with("UPDATE \"characters\"") {
            let Some(rows) = &req.bulk_args else {
                return Reply::error(4000, "SQLParseException[expected a bulk UPDATE]");
            };
            let results = rows
                .iter()
                .map(|args| {
                    let id = args.last().and_then(Value::as_str).unwrap_or_default();
                    *lock(&self.updates).entry(id.to_string()).or_insert(0) += 1;
                    BulkRow::Ok(i64::from(lock(&self.rows).contains_key(id)))
                })
                .collect();
            return Reply::bulk_results(results);
        }
        Reply::error(4000, "SQLParseException[statement not simulated]")
    }

    /// A lookup by primary key (`SELECT … WHERE "id" = $1 OR "id" = $2 …`): real time.
    fn lookup(&self, req: &SqlRequest) -> Reply {
        let cols: Vec<&str> = req
            .stmt
            .trim_start_matches("SELECT ")
            .split(" FROM ")
            .next()
            .unwrap_or("")
            .split(", ")
            .map(|c| c.trim_matches('"'))
            .collect();
        let table = lock(&self.rows);
        let rows = req
            .args
            .iter()
            .filter_map(|id| table.get(id.as_str().unwrap_or_default()))
            .map(|row| {
                cols.iter()
                    .map(|c| row.get(*c).cloned().unwrap_or(Value::Null))
                    .collect()
            })
            .collect();
        Reply::rows(&cols, rows)
    }

    /// A multi-row `INSERT … VALUES … RETURNING`: rows whose key exists are silently skipped,
    /// and a single-row INSERT of such a row fails with 4091, as CrateDB does.
    fn insert(&self, req: &SqlRequest) -> Reply {
        let stmt = &req.stmt;
        let (Some(open), Some(close)) = (stmt.find('('), stmt.find(')')) else {
            return Reply::error(4000, "SQLParseException[no column list]");
        };
        let inserted: Vec<&str> = stmt[open + 1..close]
            .split(", ")
            .map(|c| c.trim_matches('"'))
            .collect();
        let returning: Vec<&str> = stmt
            .split(" RETURNING ")
            .nth(1)
            .unwrap_or("")
            .split(", ")
            .map(|c| c.trim_matches('"'))
            .collect();
        let mut out = Vec::new();
        let mut table = lock(&self.rows);
        for chunk in req.args.chunks(inserted.len()) {
            let mut row: serde_json::Map<String, Value> = inserted
                .iter()
                .zip(chunk)
                .map(|(c, v)| (c.to_string(), v.clone()))
                .collect();
            let id = row
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            *lock(&self.inserts).entry(id.clone()).or_insert(0) += 1;
            if table.contains_key(&id) {
                if req.args.len() == inserted.len() {
                    return Reply::error(
                        4091,
                        "DuplicateKeyException[A document with the same primary key exists \
                         already]",
                    );
                }
                continue;
            }
            let lower = row
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_lowercase);
            row.insert("name_normalized".into(), json!(lower));
            row.insert("created_at".into(), json!(1_700_000_000_000i64));
            out.push(
                returning
                    .iter()
                    .map(|c| row.get(*c).cloned().unwrap_or(Value::Null))
                    .collect(),
            );
            table.insert(id, row);
        }
        Reply::rows(&returning, out)
    }
}

/// Three nodes over one table, each with a mode; `on_request` may change modes or stop nodes.
struct Cluster {
    servers: Arc<Vec<TestServer>>,
    table: Arc<Table>,
    modes: Arc<Vec<Mutex<Mode>>>,
}

type Hook = Arc<dyn Fn(usize, &Cluster) + Send + Sync>;

impl Cluster {
    fn start(hook: Option<Hook>) -> Arc<Cluster> {
        let table = Arc::new(Table::default());
        let modes: Arc<Vec<Mutex<Mode>>> =
            Arc::new((0..3).map(|_| Mutex::new(Mode::Healthy)).collect());
        let me: Arc<OnceLock<std::sync::Weak<Cluster>>> = Arc::new(OnceLock::new());
        let servers: Vec<TestServer> = (0..3)
            .map(|i| {
                let (table, modes, me, hook) = (
                    Arc::clone(&table),
                    Arc::clone(&modes),
                    Arc::clone(&me),
                    hook.clone(),
                );
                TestServer::with_handler(move |req| {
                    let mode = modes.get(i).map_or(Mode::Healthy, |m| *lock(m));
                    if mode == Mode::Dying {
                        return Reply::close();
                    }
                    let reply = table.execute(req);
                    if let (Some(hook), Some(cluster)) =
                        (&hook, me.get().and_then(std::sync::Weak::upgrade))
                    {
                        hook(i, &cluster);
                    }
                    match mode {
                        Mode::LosesAnswers => Reply::truncated(reply),
                        _ => reply,
                    }
                })
            })
            .collect();
        let cluster = Arc::new(Cluster {
            servers: Arc::new(servers),
            table,
            modes,
        });
        let _ = me.set(Arc::downgrade(&cluster));
        cluster
    }

    fn set_mode(&self, i: usize, mode: Mode) {
        if let Some(m) = self.modes.get(i) {
            *lock(m) = mode;
        }
    }

    fn client(&self) -> Client {
        Client::builder()
            .servers(self.servers.iter().map(TestServer::addr))
            .retry_interval(RETRY_INTERVAL)
            .connect_timeout(Duration::from_millis(500))
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn spread(&self) -> Vec<usize> {
        self.servers.iter().map(TestServer::request_count).collect()
    }
}

fn character(i: usize) -> Character {
    Character {
        name: Some(format!("Character {i}")),
        quote: format!("Quote number {i}"),
        details: Some(object!("n": i)),
        ..Character::default()
    }
}

fn stored_count(table: &Table) -> usize {
    lock(&table.rows).len()
}

#[test]
fn node_down_at_commit_is_skipped() {
    let cluster = Cluster::start(None);
    cluster.servers[0].stop();
    let mut session = Session::new(cluster.client()).with_batch_size(50);
    let handles: Vec<Handle<Character>> = (0..500).map(|i| session.add(character(i))).collect();
    session.commit().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stored_count(&cluster.table), 500);
    assert_eq!(cluster.table.inserted_twice(), 0);
    assert!(handles.iter().all(|&h| !session.is_pending(h)));
    assert!(handles.iter().all(|&h| session[h].created_at.is_some()));
    println!(
        "node down at commit: 500 rows in 10 requests landed once; requests per node {:?}",
        cluster.spread()
    );
}

#[test]
fn nodes_dying_mid_commit_lose_nothing_and_write_nothing_twice() {
    // After the 4th request the cluster falls apart: the node that ran it stops the other two
    // and dies itself (drops every later request unanswered, without running it).
    let killed = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&killed);
    let hook: Hook = Arc::new(move |i, cluster: &Cluster| {
        if cluster.table.requests.load(Ordering::SeqCst) == 4 && !flag.swap(true, Ordering::SeqCst)
        {
            for (j, s) in cluster.servers.iter().enumerate() {
                if j != i {
                    s.stop();
                }
            }
            cluster.set_mode(i, Mode::Dying);
        }
    });
    let cluster = Cluster::start(Some(hook));
    let mut session = Session::new(cluster.client()).with_batch_size(100);

    // 300 characters in, then 1,000 more added and 150 of the first changed (one OBJECT key).
    let first: Vec<Handle<Character>> = (0..300).map(|i| session.add(character(i))).collect();
    session.commit().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cluster.table.requests.load(Ordering::SeqCst), 3);
    let added: Vec<Handle<Character>> = (300..1300).map(|i| session.add(character(i))).collect();
    for &h in first.iter().take(150) {
        if let Some(d) = session[h].details.as_mut() {
            d.set("changed", json!(true));
        }
    }
    let planned = session.pending_statements().len();

    let err = match session.commit() {
        Err(Error::Commit(e)) => e,
        other => panic!("expected a failed commit, got {other:?}"),
    };
    assert!(killed.load(Ordering::SeqCst));
    let cause = err
        .cause
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        cause.contains("127.0.0.1:"),
        "cause names no server: {cause}"
    );
    // Exactly one batch (the 4th request) landed; every other row is reported and pending.
    assert_eq!(err.written, 100, "{err}");
    assert_eq!(err.failures.len(), 1000 - 100 + 150, "{err}");
    let mut by_cause: BTreeMap<String, usize> = BTreeMap::new();
    for f in &err.failures {
        *by_cause.entry(format!("{:?}", f.cause)).or_insert(0) += 1;
        assert!(matches!(
            f.cause,
            RowFailureCause::RequestFailed | RowFailureCause::NotAttempted
        ));
    }
    let pending = added
        .iter()
        .chain(first.iter().take(150))
        .filter(|&&h| session.is_pending(h))
        .count();
    assert_eq!(pending, 1050);
    assert_eq!(stored_count(&cluster.table), 400);
    let first_failure = err.to_string();

    // The cluster comes back; after the retry interval the next commit writes the rest.
    for s in cluster.servers.iter() {
        s.restart().unwrap_or_else(|e| panic!("{e}"));
    }
    for i in 0..3 {
        cluster.set_mode(i, Mode::Healthy);
    }
    std::thread::sleep(RETRY_INTERVAL + Duration::from_millis(50));
    session.commit().unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(stored_count(&cluster.table), 1300, "rows lost");
    assert_eq!(cluster.table.inserted_twice(), 0, "rows inserted twice");
    for &h in first.iter().take(150) {
        assert_eq!(
            cluster
                .table
                .updates_of(session[h].id.as_deref().unwrap_or("")),
            1,
            "update count"
        );
    }
    assert!(added.iter().chain(&first).all(|&h| !session.is_pending(h)));
    assert!(session.pending_statements().is_empty());
    println!(
        "nodes dying mid-commit: {planned} requests planned; first commit: {} rows landed, {} \
         pending ({by_cause:?}); second commit: the rest; 1,300 rows stored, 0 inserted twice, \
         150 updates applied once each; requests per node {:?}",
        err.written,
        err.failures.len(),
        cluster.spread()
    );
    println!(
        "  first commit's error: {}",
        first_failure.chars().take(300).collect::<String>()
    );
}

#[test]
fn a_write_with_a_lost_answer_is_never_stored_twice() {
    let cluster = Cluster::start(None);
    // Every node runs the statement and then loses the answer.
    for i in 0..3 {
        cluster.set_mode(i, Mode::LosesAnswers);
    }
    let mut session = Session::new(cluster.client());
    let handles: Vec<Handle<Character>> = (0..20).map(|i| session.add(character(i))).collect();
    let err = match session.commit() {
        Err(Error::Commit(e)) => e,
        other => panic!("expected a failed commit, got {other:?}"),
    };
    // The rows ran on the server, but the session cannot know: they stay pending.
    assert_eq!(err.written, 0);
    assert!(handles.iter().all(|&h| session.is_pending(h)));
    assert!(err
        .cause
        .as_ref()
        .is_some_and(|c| c.to_string().contains("truncated")));
    assert_eq!(stored_count(&cluster.table), 20);

    // Sending them again: the primary key refuses the copies (CrateDB skips them in a multi-row
    // INSERT), so no row is stored twice; each row's earlier outcome was unknown, so the
    // session looks the skipped rows up by key (one request), finds the rows it sent, and
    // counts them as landed.
    for i in 0..3 {
        cluster.set_mode(i, Mode::Healthy);
    }
    std::thread::sleep(RETRY_INTERVAL + Duration::from_millis(50));
    let before = cluster.table.requests.load(Ordering::SeqCst);
    session.commit().unwrap_or_else(|e| panic!("{e}"));
    let requests = cluster.table.requests.load(Ordering::SeqCst) - before;
    assert_eq!(stored_count(&cluster.table), 20);
    assert!(handles.iter().all(|&h| !session.is_pending(h)));
    assert!(handles.iter().all(|&h| session[h].created_at.is_some()));
    assert!(session.pending_statements().is_empty());
    println!(
        "lost answers: 20 rows ran, commit failed with them pending (outcome unknown); \
         recommit: skipped as duplicates, looked up by key and found as sent: 20 landed in \
         {requests} requests, rows stored 20 (none twice)"
    );
}

#[test]
fn a_row_changed_after_its_insert_lost_the_answer_is_found_as_sent_and_then_updated() {
    let cluster = Cluster::start(None);
    for i in 0..3 {
        cluster.set_mode(i, Mode::LosesAnswers);
    }
    let mut session = Session::new(cluster.client());
    let handles: Vec<Handle<Character>> = (0..20).map(|i| session.add(character(i))).collect();
    assert!(matches!(session.commit(), Err(Error::Commit(_))));
    assert_eq!(
        stored_count(&cluster.table),
        20,
        "the rows ran on the server"
    );

    // The application changes a row while its INSERT's outcome is unknown (as the rolling
    // restart's writers do): the row stored is the row as first sent, not as it is now.
    let changed = handles[3];
    session[changed].quote = "changed while in doubt".into();
    for i in 0..3 {
        cluster.set_mode(i, Mode::Healthy);
    }
    std::thread::sleep(RETRY_INTERVAL + Duration::from_millis(50));
    // The INSERTs meet their own rows; the lookup finds each stored as sent (the changed one
    // as sent the first time): all 20 landed, the change is left for the next commit.
    let err = match session.commit() {
        Err(Error::Commit(e)) => e,
        other => panic!("expected the change to be left pending, got {other:?}"),
    };
    assert_eq!(err.written, 20, "{err}");
    assert_eq!(err.failures.len(), 1, "{err}");
    assert_eq!(
        err.failures[0].cause,
        RowFailureCause::ChangedSinceInsert,
        "{err}"
    );
    assert!(!err.failures[0].may_have_landed);
    assert!(session.is_pending(changed));
    assert!(handles
        .iter()
        .filter(|&&h| h != changed)
        .all(|&h| !session.is_pending(h)));
    assert_eq!(stored_count(&cluster.table), 20, "none stored twice");

    // The next commit sends the change as an UPDATE of that row alone.
    session.commit().unwrap_or_else(|e| panic!("{e}"));
    assert!(!session.is_pending(changed));
    let id = session[changed].id.clone().expect("a key");
    assert_eq!(cluster.table.updates_of(&id), 1);
    assert!(session.pending_statements().is_empty());
}
