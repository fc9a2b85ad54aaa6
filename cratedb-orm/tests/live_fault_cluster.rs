//! Fault tests on a real 3-node CrateDB cluster (`CRATEDB_SH=/path/to/cratedb.sh`; see
//! `cluster/mod.rs`). Each test starts a cluster of its own (tables with one replica, GREEN
//! before the first commit), kills a node with SIGKILL while a request of a commit writes, or
//! while reads run, restarts it with its data or leaves it down, and stops the cluster at the
//! end. Afterwards every model must be landed or pending with its cause, the next commit must
//! converge, and the table must hold every row once, as sent:
//!
//! - `live_fault_node_killed_during_bulk_insert`: 100,000 rows, a node holding shards killed
//!   (not the coordinator), restarted; then 200,000 rows, the coordinator killed, left down;
//! - `live_fault_node_killed_during_insert_returning`: `INSERT … RETURNING` of `_id` rows (those
//!   of unknown outcome wait for `resend`/`expire`) and of rows with a server default;
//! - `live_fault_node_killed_during_bulk_update`: 100,000 loaded models updated;
//! - `live_fault_reads_through_other_nodes`: reads without pause through kill, down time,
//!   restart.
//!
//! Without `CRATEDB_SH` each test prints one line and returns. Run with `-- --nocapture` to see
//! every request, where the kill landed and what each commit left.

mod cluster;

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cluster::Cluster;
use cratedb_orm::session::{CommitError, RowFailureCause};
use cratedb_orm::{object, Client, CrateModel, Error, Handle, Object, Session, TimestampTz, Value};

// ------------------------------------------------------------------------------------------
// Statement log and the kill

/// One request the session's client sent.
#[derive(Debug, Clone)]
struct Event {
    sql: String,
    server: String,
    rows: Option<usize>,
    ok: bool,
    start: Instant,
    end: Instant,
}

#[derive(Default)]
struct Log {
    events: Mutex<Vec<Event>>,
    more: Condvar,
    done: AtomicBool,
    /// The number of requests after which the commit waits (in the echo hook, on its own
    /// thread) until the node is killed, if it was not killed before.
    guard: Mutex<Option<usize>>,
    /// Set while the commit waits at the guard.
    parked: AtomicBool,
    /// Set once the kill is done.
    killed: Mutex<bool>,
    kill_done: Condvar,
}

impl Log {
    fn lock_events(&self) -> std::sync::MutexGuard<'_, Vec<Event>> {
        self.events.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Called by the echo hook after request `n` (from 1) ended: at the guard, waits until
    /// the node is killed.
    fn wait_at_guard(&self, n: usize) {
        let guard = *self.guard.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none_or(|g| n < g) {
            return;
        }
        let mut killed = self.killed.lock().unwrap_or_else(|e| e.into_inner());
        if *killed {
            return;
        }
        self.parked.store(true, Ordering::SeqCst);
        self.more.notify_all();
        while !*killed {
            killed = self
                .kill_done
                .wait(killed)
                .unwrap_or_else(|e| e.into_inner());
        }
        self.parked.store(false, Ordering::SeqCst);
    }

    fn set_killed(&self) {
        *self.killed.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.kill_done.notify_all();
    }
}

/// Records every request of the clients it builds.
#[derive(Clone, Default)]
struct Recorder(Arc<Log>);

impl Recorder {
    fn client(&self, url: &str) -> Client {
        let log = Arc::clone(&self.0);
        Client::builder()
            .url(url)
            .echo(move |e| {
                let end = Instant::now();
                let n = {
                    let mut events = log.lock_events();
                    events.push(Event {
                        sql: e.statement.to_owned(),
                        server: e.server.to_owned(),
                        rows: e.bulk_rows,
                        ok: e.ok,
                        start: end.checked_sub(e.duration).unwrap_or(end),
                        end,
                    });
                    events.len()
                };
                log.more.notify_all();
                log.wait_at_guard(n);
            })
            .build()
            .expect("client")
    }

    fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.0.lock_events())
    }
}

/// Which node the kill hits.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Victim {
    /// A node that holds shards but does not coordinate the request in flight: the request
    /// gets an answer, with the rows of the lost shards failed.
    Shards,
    /// The node coordinating the request in flight: its connection breaks.
    Coordinator,
}

/// When the kill landed, measured against the requests of the commit.
#[derive(Debug)]
struct Kill {
    node: usize,
    /// Before the `cratedb.sh kill` command started / after it returned.
    from: Instant,
    to: Instant,
    /// What set it off.
    trigger: Trigger,
}

/// What set the kill off.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Trigger {
    /// Rows of the request in flight were being written (its table's translog grew).
    Writes,
    /// The request in flight had run for [`KILL_AFTER`].
    Time,
    /// The commit had sent [`GUARD_REQUESTS`] requests beyond the first eligible one without
    /// either: it waited between two requests for the kill.
    Guard,
}

/// How long a request may run before the kill lands in it, when no write of it shows first.
const KILL_AFTER: Duration = Duration::from_millis(1500);

/// Requests after the first eligible one at which the commit waits for the kill: the kill
/// always lands inside the commit, whatever path it takes.
const GUARD_REQUESTS: usize = 3;

/// Runs `commit` and, from another thread, kills a node (`victim`) while request `after` (from
/// 0) or a later one is in flight: as soon as rows of it are being written (the primaries of
/// `table` count more writes than when it started, asked through the nodes that survive; see
/// [`writes`]) or once it has run for [`KILL_AFTER`]. Should the commit reach request
/// `after + GUARD_REQUESTS` first, it waits between two requests until the kill is done. So the
/// kill always lands inside the commit: mostly in the middle of a request, whose rows are then
/// partly written and whose answer is not sent yet. The session's client must be used by
/// nothing else during the commit: its requests rotate over the nodes, so the request in flight
/// is on the node after the last one's.
#[allow(clippy::too_many_arguments)]
fn commit_with_kill(
    cluster: &mut Cluster,
    schema: &str,
    table: &str,
    rec: &Recorder,
    after: usize,
    victim: Victim,
    commit: impl FnOnce() -> cratedb_orm::Result<()>,
) -> (cratedb_orm::Result<()>, Instant, Instant, Kill) {
    let log = Arc::clone(&rec.0);
    log.done.store(false, Ordering::SeqCst);
    *log.killed.lock().unwrap_or_else(|e| e.into_inner()) = false;
    *log.guard.lock().unwrap_or_else(|e| e.into_inner()) = Some(after + GUARD_REQUESTS);
    // The node of the request in flight (or the next), and the one to kill, when `events`
    // have ended.
    let target = |cluster: &Cluster, events: &[Event]| {
        let coordinator = events
            .last()
            .and_then(|e| cluster.nodes.iter().position(|n| n.addr() == e.server))
            .map_or(0, |last| (last + 1) % 3);
        match victim {
            Victim::Coordinator => coordinator,
            Victim::Shards => (coordinator + 1) % 3,
        }
    };
    let (result, started, ended, kill) = thread::scope(|scope| {
        let killer = scope.spawn(|| {
            let mut events = log.lock_events();
            while events.len() < after && !log.done.load(Ordering::SeqCst) {
                events = log
                    .more
                    .wait_timeout(events, Duration::from_millis(100))
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            drop(events);
            // The request in flight: its number, when it was first seen, the table's writes
            // then, and a client on the nodes that survive.
            let mut current: Option<(usize, Instant, Option<i64>, Client)> = None;
            let (node, trigger) = loop {
                let (j, node) = {
                    let events = log.lock_events();
                    (events.len(), target(cluster, &events))
                };
                if log.parked.load(Ordering::SeqCst) || log.done.load(Ordering::SeqCst) {
                    break (node, Trigger::Guard);
                }
                if current.as_ref().is_none_or(|(k, ..)| *k != j) {
                    let others: Vec<usize> = (0..3).filter(|&i| i != node).collect();
                    let client = Client::new(&cluster.url(&others, schema)).expect("client");
                    let before = writes(&client, schema, table);
                    current = Some((j, Instant::now(), before, client));
                }
                if let Some((_, since, before, client)) = &current {
                    let trigger = if since.elapsed() >= KILL_AFTER {
                        Some(Trigger::Time)
                    } else {
                        let now = writes(client, schema, table);
                        (before.is_some() && now > *before).then_some(Trigger::Writes)
                    };
                    // Still the same request in flight: kill.
                    if let Some(trigger) = trigger {
                        if log.lock_events().len() == j && !log.parked.load(Ordering::SeqCst) {
                            break (node, trigger);
                        }
                    }
                }
                thread::sleep(Duration::from_millis(5));
            };
            let from = Instant::now();
            cluster.kill_node(node);
            let kill = Kill {
                node,
                from,
                to: Instant::now(),
                trigger,
            };
            log.set_killed();
            kill
        });
        let started = Instant::now();
        let result = commit();
        let ended = Instant::now();
        log.done.store(true, Ordering::SeqCst);
        log.more.notify_all();
        let kill = killer.join().expect("killer thread");
        (result, started, ended, kill)
    });
    *log.guard.lock().unwrap_or_else(|e| e.into_inner()) = None;
    (result, started, ended, kill)
}

/// The row writes on the primary shards of `table` so far: their translog operations, one per
/// row inserted or updated, counted as they happen (a search would see new rows only after a
/// refresh, and `_id` rows cannot be looked up by a key the client knows).
fn writes(client: &Client, schema: &str, table: &str) -> Option<i64> {
    client
        .sql(
            "SELECT sum(translog_stats['number_of_operations']) FROM sys.shards \
             WHERE schema_name = $1 AND table_name = $2 AND \"primary\"",
            &[schema, table],
        )
        .ok()?
        .rows
        .first()?
        .first()?
        .as_i64()
}

/// [`commit_with_kill`], with its requests shown under `label` and a line saying `what` it
/// wrote: the commit's result, the kill (which landed inside the commit) and the number of the
/// request in flight when it landed (`None`: between two requests).
#[allow(clippy::too_many_arguments)]
fn killed_commit(
    label: &str,
    what: &str,
    cluster: &mut Cluster,
    schema: &str,
    table: &str,
    rec: &Recorder,
    after: usize,
    victim: Victim,
    commit: impl FnOnce() -> cratedb_orm::Result<()>,
) -> (cratedb_orm::Result<()>, Kill, Option<usize>) {
    let (result, t0, t1, kill) =
        commit_with_kill(cluster, schema, table, rec, after, victim, commit);
    let events = rec.take();
    let in_flight = show_requests(label, &events, t0, Some(&kill));
    eprintln!(
        "[{label}] {what}, {} requests in {:.2} s; node {} ({victim:?}) killed ({:?}) {}",
        events.len(),
        (t1 - t0).as_secs_f64(),
        kill.node + 1,
        kill.trigger,
        in_flight.map_or_else(
            || "between two requests".to_owned(),
            |j| format!("during request #{j}")
        )
    );
    assert!(
        kill.from < t1,
        "[{label}] the kill was sent before the commit ended"
    );
    (result, kill, in_flight)
}

/// Prints the requests of a commit and where the kill landed; returns the number of the
/// request in flight when the node died, if one was.
fn show_requests(label: &str, events: &[Event], t0: Instant, kill: Option<&Kill>) -> Option<usize> {
    let mut in_flight = None;
    for (j, e) in events.iter().enumerate() {
        let hit = kill.is_some_and(|k| e.start < k.to && k.from < e.end);
        if hit && in_flight.is_none() {
            in_flight = Some(j);
        }
        eprintln!(
            "[{label}] #{j:>3} {:>7.3}-{:>7.3} s {} {}{}{} {}",
            (e.start - t0).as_secs_f64(),
            (e.end - t0).as_secs_f64(),
            e.server,
            e.rows.map_or(String::new(), |r| format!("bulk {r} rows ")),
            if e.ok { "ok" } else { "FAILED" },
            if hit {
                " <- node killed during this request"
            } else {
                ""
            },
            abbreviate(&e.sql),
        );
    }
    if let Some(k) = kill {
        eprintln!(
            "[{label}] kill of node {} at {:.3}-{:.3} s",
            k.node + 1,
            (k.from - t0).as_secs_f64(),
            (k.to - t0).as_secs_f64()
        );
    }
    in_flight
}

fn abbreviate(sql: &str) -> String {
    if sql.len() > 90 {
        format!(
            "{}…",
            &sql[..sql.char_indices().nth(90).map_or(sql.len(), |(i, _)| i)]
        )
    } else {
        sql.to_owned()
    }
}

/// The failures of a commit, counted by cause (with `may_have_landed`).
fn causes(e: &CommitError) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for f in &e.failures {
        let cause = match &f.cause {
            RowFailureCause::Sql(s) => format!("Sql[{}] {}", s.code, abbreviate(&s.message)),
            other => format!("{other:?}"),
        };
        *out.entry(format!(
            "{} {cause} may_have_landed={}",
            f.kind, f.may_have_landed
        ))
        .or_insert(0) += 1;
    }
    out
}

fn schema(suite: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("fault_{suite}_{}_{nanos}", std::process::id())
}

// ------------------------------------------------------------------------------------------
// Models

/// Rows with a key the client makes. The keys of `details` are declared, as an application
/// with a known schema declares them: the table's mapping is complete before the first row, so
/// the timed commits meet no mapping update (see `FaultRace` for what one does).
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "fault_rows", number_of_shards = 6, number_of_replicas = 1)]
struct FaultRow {
    #[cratedb(primary_key)]
    id: i64,
    name: String,
    n: i64,
    #[cratedb(object(columns(group = "BIGINT", even = "BOOLEAN", round = "BIGINT")))]
    details: Option<Object>,
}

/// Rows whose OBJECT keys are new to the table: the first commit into a fresh table makes the
/// three nodes update its mapping at once, which fails groups of bulk rows with internal errors.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "fault_race", number_of_shards = 6, number_of_replicas = 1)]
struct FaultRace {
    #[cratedb(primary_key)]
    id: i64,
    name: String,
    attrs: Option<Object>,
}

fn fault_race(id: i64) -> FaultRace {
    let mut attrs = Object::new();
    attrs.set(format!("k{}", (id * 7) % 80), id);
    attrs.set("group", id % 100);
    FaultRace {
        id,
        name: format!("race {id}"),
        attrs: Some(attrs),
    }
}

fn fault_row(id: i64) -> FaultRow {
    FaultRow {
        id,
        name: format!("row {id}"),
        n: id * 7,
        details: Some(object! { "group": id % 100, "even": id % 2 == 0 }),
    }
}

/// Rows identified by CrateDB's `_id` (a key the server makes), with a number the client
/// makes unique to tell the rows apart.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "fault_logs", number_of_shards = 6, number_of_replicas = 1)]
struct FaultLog {
    #[cratedb(column = "_id", fetched)]
    id: Option<String>,
    n: i64,
    message: String,
}

fn fault_log(n: i64) -> FaultLog {
    FaultLog {
        id: None,
        n,
        message: format!("event {n}"),
    }
}

/// Rows with a key the client makes and a value the server fills in (read back by
/// `INSERT … RETURNING`).
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "fault_stamped", number_of_shards = 6, number_of_replicas = 1)]
struct FaultStamped {
    #[cratedb(primary_key)]
    id: i64,
    name: String,
    #[cratedb(server_default = "now()")]
    created: Option<TimestampTz>,
}

// ------------------------------------------------------------------------------------------
// Scenarios

/// Rows of the insert scenario (the 200,000).
const INSERT_ROWS: i64 = 200_000;

/// What a failed commit left: the models still pending, checked against the failures it
/// listed (each pending model listed once, with its key; the others landed).
struct Left {
    pending: usize,
    may_have_landed: usize,
    /// Keys of the rows reported as duplicate keys (4091) although nothing else writes their
    /// keys: a session bug when the stored row is the one sent.
    duplicates: Vec<String>,
}

/// Checks the state after a commit that a kill may have failed: every model is landed (not
/// pending, in the database as far as the session knows) or pending and listed in the
/// failures with its cause. Rows reported as duplicate keys are returned, for the caller to
/// check (no other writer uses the keys of these tests).
fn check_left<M: CrateModel>(
    label: &str,
    session: &Session,
    handles: &[Handle<M>],
    result: &cratedb_orm::Result<()>,
    key: impl Fn(&M) -> Option<String>,
) -> Left {
    let pending: Vec<Handle<M>> = handles
        .iter()
        .copied()
        .filter(|&h| session.is_pending(h))
        .collect();
    for &h in handles {
        assert!(
            session.is_pending(h) || session.is_persistent(h),
            "[{label}] a model neither pending nor in the database"
        );
    }
    match result {
        Ok(()) => {
            eprintln!("[{label}] Ok: all {} models landed", handles.len());
            assert!(
                pending.is_empty(),
                "[{label}] Ok, but {} pending",
                pending.len()
            );
            Left {
                pending: 0,
                may_have_landed: 0,
                duplicates: Vec::new(),
            }
        }
        Err(Error::Commit(e)) => {
            eprintln!(
                "[{label}] Error::Commit: written {}, pending {}, cause {}",
                e.written,
                e.failures.len(),
                e.cause
                    .as_ref()
                    .map_or_else(|| "none".to_owned(), ToString::to_string)
            );
            for (cause, n) in causes(e) {
                eprintln!("[{label}]   {n:>6} × {cause}");
            }
            assert_eq!(
                e.failures.len(),
                pending.len(),
                "[{label}] each pending model is listed once in the failures"
            );
            let listed: HashSet<Option<String>> =
                e.failures.iter().map(|f| f.key.clone()).collect();
            if pending.iter().all(|&h| key(&session[h]).is_some()) {
                let expected: HashSet<Option<String>> =
                    pending.iter().map(|&h| key(&session[h])).collect();
                assert_eq!(
                    listed, expected,
                    "[{label}] the failures name the pending models"
                );
            }
            Left {
                pending: pending.len(),
                may_have_landed: e.failures.iter().filter(|f| f.may_have_landed).count(),
                duplicates: e
                    .failures
                    .iter()
                    .filter(|f| match &f.cause {
                        RowFailureCause::Sql(s) => s.is_duplicate_key(),
                        RowFailureCause::DuplicateKey => true,
                        _ => false,
                    })
                    .map(|f| f.key.clone().unwrap_or_default())
                    .collect(),
            }
        }
        Err(e) => panic!("[{label}] the commit failed otherwise: {e}"),
    }
}

/// `SELECT count(*)` of a table after `REFRESH TABLE`.
fn count_rows(client: &Client, table: &str) -> i64 {
    client
        .sql(&format!("REFRESH TABLE \"{table}\""), &[] as &[Value])
        .expect("refresh");
    let r = client
        .sql(
            &format!("SELECT count(*) FROM \"{table}\""),
            &[] as &[Value],
        )
        .expect("count");
    r.rows[0][0].as_i64().expect("a count")
}

/// The values of `column` stored more than once (empty when each row is stored once).
fn stored_twice(client: &Client, table: &str, column: &str) -> Vec<Vec<Value>> {
    client
        .sql(
            &format!(
                "SELECT \"{column}\", count(*) FROM \"{table}\" GROUP BY \"{column}\" \
                 HAVING count(*) > 1 LIMIT 20"
            ),
            &[] as &[Value],
        )
        .expect("group by")
        .rows
}

/// Reads through a client: `find` by key of `sample` (real time) and a count of the rows
/// `0..1000` (which every scenario stores first); returns how long they took.
fn read_rows(label: &str, client: &Client, sample: &[i64]) -> Duration {
    let started = Instant::now();
    let mut s = Session::new(client.clone());
    for &id in sample {
        let h = s
            .find::<FaultRow>(id)
            .unwrap_or_else(|e| panic!("[{label}] find {id}: {e}"))
            .unwrap_or_else(|| panic!("[{label}] row {id} not found"));
        assert_eq!(s[h], fault_row(id), "[{label}] row {id}");
    }
    // A search (not by key), after a refresh (right after the cluster had dropped a node, such
    // a count once saw 648 and once 849 of these 1,000 rows, stored seconds before; the
    // callers wait until every shard has a primary).
    client
        .sql("REFRESH TABLE \"fault_rows\"", &[] as &[Value])
        .unwrap_or_else(|e| panic!("[{label}] refresh: {e}"));
    let below = s
        .query::<FaultRow>()
        .filter(FaultRow::id().lt(1000))
        .count()
        .unwrap_or_else(|e| panic!("[{label}] count: {e}"));
    if below != 1000 {
        let health = client.sql(
            "SELECT table_name, health, missing_shards, underreplicated_shards FROM sys.health",
            &[] as &[Value],
        );
        panic!(
            "[{label}] a search for the rows 0..1000 counted {below}; health {:?}",
            health.map(|r| r.rows)
        );
    }
    started.elapsed()
}

/// Inserts the rows `ids` in one commit during which `victim` is killed (after `after`
/// requests); reads while it is down; restarts it with its data (or leaves it down, when not
/// `restart`); commits again; checks that every row is stored once, as sent. What the session
/// got wrong (a row reported as a duplicate key although the stored row is the one it sent, a
/// second commit that does not converge) is returned, after the checks of the table, so that
/// one run shows all of it.
fn insert_with_kill(
    label: &str,
    cluster: &mut Cluster,
    schema: &str,
    ids: std::ops::Range<i64>,
    after: usize,
    victim: Victim,
    restart: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    let started = Instant::now();
    let url = cluster.url(&[0, 1, 2], schema);
    let admin = Client::new(&url).expect("client");
    let before = count_rows(&admin, "fault_rows");
    let rows = ids.end - ids.start;

    let rec = Recorder::default();
    let mut session = Session::new(rec.client(&url));
    let handles: Vec<Handle<FaultRow>> = session.add_all(ids.clone().map(fault_row));
    let c1 = format!("{label} commit 1");
    let (result, kill, _) = killed_commit(
        &c1,
        &format!("{rows} rows"),
        cluster,
        schema,
        "fault_rows",
        &rec,
        after,
        victim,
        || session.commit(),
    );
    let left = check_left(&c1, &session, &handles, &result, |m: &FaultRow| {
        Some(m.id.to_string())
    });
    if !left.duplicates.is_empty() {
        let keys: Vec<i64> = left
            .duplicates
            .iter()
            .filter_map(|k| k.parse().ok())
            .collect();
        let (stored, as_sent) = stored_as_sent(&admin, &keys);
        problems.push(format!(
            "[{c1}] {} rows of a first INSERT reported as duplicate keys (4091), e.g. {:?}, \
             although no other writer uses their keys: {stored} of them are stored, {as_sent} \
             exactly as this session sent them",
            keys.len(),
            &keys[..keys.len().min(5)]
        ));
    }

    // The node is down (the cluster has dropped it): reads go through the other two, and
    // every landed row is there.
    let t = Instant::now();
    cluster.wait_nodes(2);
    eprintln!(
        "[{label} node down] the cluster has 2 nodes, {:.2} s after the kill ({:.2} s after the \
         commit); health {}",
        (Instant::now() - kill.to).as_secs_f64(),
        t.elapsed().as_secs_f64(),
        cluster.health()
    );
    // Searches see every row again once each shard has an active primary (the replicas of
    // the lost node's primaries promoted).
    let promoted = cluster.wait_primaries();
    eprintln!(
        "[{label} node down] every shard has a primary {:.2} s later",
        promoted.as_secs_f64()
    );
    let landed: Vec<i64> = handles
        .iter()
        .filter(|&&h| !session.is_pending(h))
        .map(|&h| session[h].id)
        .collect();
    let sample: Vec<i64> = landed
        .iter()
        .copied()
        .step_by(landed.len() / 200 + 1)
        .collect();
    let took = read_rows(&format!("{label} node down"), &admin, &sample);
    let stored = count_rows(&admin, "fault_rows") - before;
    eprintln!(
        "[{label} node down] {} finds by key and a count in {:.2} s; {stored} rows stored, {} \
         landed, {} pending of which {} may have landed",
        sample.len(),
        took.as_secs_f64(),
        landed.len(),
        left.pending,
        left.may_have_landed
    );
    assert!(
        stored >= landed.len() as i64,
        "[{label}] nothing landed is lost"
    );
    if stored > (landed.len() + left.may_have_landed) as i64 {
        problems.push(format!(
            "[{label} node down] {stored} rows stored, more than the {} landed and the {} that \
             may have landed: the session reports rows it wrote as not landed",
            landed.len(),
            left.may_have_landed
        ));
    }

    if restart {
        // The node comes back with its data; reads through it alone.
        let t = Instant::now();
        cluster.start_node(kill.node, true);
        cluster.wait_nodes(3);
        let rejoined = t.elapsed();
        let green = cluster.wait_green();
        eprintln!(
            "[{label} restart] node {} rejoined in {:.1} s, GREEN {:.1} s later",
            kill.node + 1,
            rejoined.as_secs_f64(),
            green.as_secs_f64()
        );
        let took = read_rows(
            &format!("{label} restarted"),
            &Client::new(&cluster.url(&[kill.node], schema)).expect("client"),
            &sample,
        );
        eprintln!(
            "[{label} restarted] {} finds by key and a count through node {} alone in {:.2} s",
            sample.len(),
            kill.node + 1,
            took.as_secs_f64()
        );
    }

    // The second commit sends what is pending and converges.
    let c2 = format!("{label} commit 2");
    let t2 = Instant::now();
    let second = session.commit();
    let took = t2.elapsed();
    let events = rec.take();
    show_requests(&c2, &events, t2, None);
    eprintln!(
        "[{c2}] {} requests in {:.2} s{}: {}",
        events.len(),
        took.as_secs_f64(),
        if restart { "" } else { " (node still down)" },
        second
            .as_ref()
            .map_or_else(ToString::to_string, |()| "Ok".to_owned())
    );
    if let Err(e) = &second {
        let pending = explain_pending(&c2, &mut session, &handles, &admin);
        problems.push(format!(
            "[{c2}] the second commit does not converge: {e}; {pending}"
        ));
    }

    // Every row once, as sent: all of them after a second commit that converged, else every
    // landed model (the pending ones are told above).
    let stored = count_rows(&admin, "fault_rows") - before;
    assert!(stored_twice(&admin, "fault_rows", "id").is_empty());
    let mut check = Session::new(admin.clone());
    let all = check
        .query::<FaultRow>()
        .filter(FaultRow::id().ge(ids.start).and(FaultRow::id().lt(ids.end)))
        .order_by(FaultRow::id())
        .limit(rows as u64 + 1)
        .all()
        .expect("read back");
    assert_eq!(all.len() as i64, stored);
    let by_id: std::collections::HashMap<i64, Handle<FaultRow>> =
        all.iter().map(|&h| (check[h].id, h)).collect();
    for &h in &handles {
        let model = &session[h];
        match by_id.get(&model.id) {
            Some(&row) => assert_eq!(
                &check[row], model,
                "[{label}] row {} is stored as sent",
                model.id
            ),
            None => assert!(
                session.is_pending(h),
                "[{label}] row {} landed, and is stored",
                model.id
            ),
        }
    }
    if second.is_ok() {
        assert!(handles
            .iter()
            .all(|&h| !session.is_pending(h) && session.is_persistent(h)));
        assert_eq!(stored, rows, "[{label}] every row is stored");
    }
    eprintln!(
        "[{label} done] {stored} of {rows} rows stored, once each and as sent; {:.1} s",
        started.elapsed().as_secs_f64()
    );
    problems
}

/// How many of the rows `ids` of `fault_rows` are stored (by key, real time), and how many of
/// them exactly as [`fault_row`] makes them.
fn stored_as_sent(admin: &Client, ids: &[i64]) -> (usize, usize) {
    let mut stored = 0;
    let mut as_sent = 0;
    let mut check = Session::new(admin.clone());
    for chunk in ids.chunks(500) {
        let condition: Vec<String> = (1..=chunk.len())
            .map(|n| format!("\"id\" = ${n}"))
            .collect();
        let sql = format!(
            "SELECT \"id\", \"name\", \"n\", \"details\" FROM \"fault_rows\" WHERE {}",
            condition.join(" OR ")
        );
        let rows = admin.sql(&sql, chunk).expect("look up by key");
        for row in check.track_rows::<FaultRow>(rows).expect("decode") {
            stored += 1;
            if check[row] == fault_row(check[row].id) {
                as_sent += 1;
            }
        }
    }
    (stored, as_sent)
}

/// After a second commit that did not converge: how many of the pending models are stored
/// already (by key, real time) and as sent, and what two more commits do; returns a summary.
fn explain_pending(
    label: &str,
    session: &mut Session,
    handles: &[Handle<FaultRow>],
    admin: &Client,
) -> String {
    let pending: Vec<i64> = handles
        .iter()
        .filter(|&&h| session.is_pending(h))
        .map(|&h| session[h].id)
        .collect();
    let (stored, as_sent) = stored_as_sent(admin, &pending);
    let mut summary = format!(
        "of the {} models still pending, {stored} are stored already (by key), {as_sent} of \
         them exactly as sent",
        pending.len()
    );
    eprintln!("[{label}] {summary}");
    for k in 3..=4 {
        let t = Instant::now();
        let result = session.commit();
        let left = handles.iter().filter(|&&h| session.is_pending(h)).count();
        eprintln!(
            "[{label}] commit {k} in {:.2} s: {}; {left} models pending",
            t.elapsed().as_secs_f64(),
            result.map_or_else(|e| e.to_string(), |()| "Ok".to_owned())
        );
        summary.push_str(&format!("; after commit {k}, {left} pending"));
    }
    summary
}

/// Three sessions commit 10,000 rows each at the same moment into a fresh table whose OBJECT
/// keys are all new: the nodes update the table's mapping at once, and CrateDB 6.4.3 often
/// fails a third or two thirds of a request's rows with `[5000] IllegalStateException[Message
/// fully read (request) but more data is expected for requestId [884], action
/// [internal:crate:sql/data/write]; resetting]` (seen in 7 of 15 such requests on this
/// cluster), without storing them. The session looks them up by key and sends those not stored
/// again in bulk: a few requests, never one per row; every row lands once, as sent. Whether the
/// race happens is CrateDB's affair: when it does not, a commit is one request.
fn mapping_race(cluster: &Cluster, schema: &str) {
    const ROWS: i64 = 10_000;
    const WRITERS: i64 = 3;
    let url = cluster.url(&[0, 1, 2], schema);
    let admin = Client::new(&url).expect("client");
    cluster.create::<FaultRace>(&admin);
    let start = std::sync::Barrier::new(WRITERS as usize);
    let runs: Vec<(i64, Vec<Event>, Duration)> = thread::scope(|scope| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|k| {
                let start = &start;
                scope.spawn(move || {
                    let rec = Recorder::default();
                    // Each writer starts on another node.
                    let nodes: Vec<usize> = (0..3).map(|i| (i + k as usize) % 3).collect();
                    let mut session = Session::new(rec.client(&cluster.url(&nodes, schema)));
                    let ids = k * ROWS..(k + 1) * ROWS;
                    let handles = session.add_all(ids.map(fault_race));
                    start.wait();
                    let t0 = Instant::now();
                    let result = session.commit();
                    let took = t0.elapsed();
                    let events = rec.take();
                    show_requests(&format!("race {k}"), &events, t0, None);
                    result.unwrap_or_else(|e| panic!("[race {k}] the commit succeeds: {e}"));
                    assert!(handles.iter().all(|&h| session.is_persistent(h)));
                    (k, events, took)
                })
            })
            .collect();
        writers
            .into_iter()
            .map(|w| w.join().expect("writer"))
            .collect()
    });
    for (k, events, took) in &runs {
        let follow_ups = &events[1..];
        let count = |prefix: &str| {
            follow_ups
                .iter()
                .filter(|e| e.sql.starts_with(prefix))
                .count()
        };
        let resent: Vec<usize> = follow_ups
            .iter()
            .filter(|e| e.sql.starts_with("INSERT"))
            .map(|e| e.rows.unwrap_or(1))
            .collect();
        let first = events.first().map_or(Duration::ZERO, |e| e.end - e.start);
        eprintln!(
            "[race {k}] {ROWS} rows in {} requests, {:.2} s (the first {:.2} s): then {} \
             refresh(es), {} lookup(s), {} rows sent again in {} request(s) (at most {} rows \
             each)",
            events.len(),
            took.as_secs_f64(),
            first.as_secs_f64(),
            count("REFRESH"),
            count("SELECT"),
            resent.iter().sum::<usize>(),
            resent.len(),
            resent.iter().max().unwrap_or(&0)
        );
        assert!(
            follow_ups.iter().all(|e| e.sql.starts_with("SELECT")
                || e.sql.starts_with("REFRESH")
                || e.rows.is_some()),
            "[race {k}] the rows are sent again in bulk, never alone"
        );
        assert!(
            resent.len() <= count("SELECT"),
            "[race {k}] at most one bulk request per lookup"
        );
    }
    let rows = WRITERS * ROWS;
    assert_eq!(
        count_rows(&admin, "fault_race"),
        rows,
        "[race] every row is stored"
    );
    assert!(stored_twice(&admin, "fault_race", "id").is_empty());
    let mut check = Session::new(admin.clone());
    let all = check
        .query::<FaultRace>()
        .order_by(FaultRace::id())
        .limit(rows as u64 + 1)
        .all()
        .expect("read back");
    // Dynamic keys take the type of their first value: numbers are compared as numbers.
    let keys = |o: &Option<Object>| -> BTreeMap<String, Option<i64>> {
        o.iter()
            .flat_map(|o| o.iter())
            .map(|(k, v)| (k.clone(), v.as_f64().map(|f| f as i64)))
            .collect()
    };
    for (id, &h) in all.iter().enumerate() {
        let (stored, sent) = (&check[h], fault_race(id as i64));
        assert_eq!((stored.id, &stored.name), (sent.id, &sent.name));
        assert_eq!(keys(&stored.attrs), keys(&sent.attrs), "[race] row {id}");
    }
}

/// 100,000 rows in 10 bulk requests with a node holding shards (not the one coordinating the
/// request in flight) killed while the request writes, then restarted with its data; then the
/// issue's 200,000 rows in 20 bulk requests with the node coordinating the request in flight
/// killed while the request writes (its connection breaks: rows of unknown outcome, most of
/// them stored), left down for the second commit.
#[test]
fn live_fault_node_killed_during_bulk_insert() {
    let Some(mut cluster) = Cluster::start("bulk_insert") else {
        return;
    };
    let started = Instant::now();
    let schema = schema("insert");
    mapping_race(&cluster, &schema);
    let admin = Client::new(&cluster.url(&[0, 1, 2], &schema)).expect("client");
    cluster.create::<FaultRow>(&admin);
    let mut problems = insert_with_kill(
        "shards",
        &mut cluster,
        &schema,
        0..100_000,
        4,
        Victim::Shards,
        true,
    );
    problems.extend(insert_with_kill(
        "coordinator",
        &mut cluster,
        &schema,
        100_000..100_000 + INSERT_ROWS,
        8,
        Victim::Coordinator,
        false,
    ));
    eprintln!(
        "[bulk_insert] {:.1} s after the cluster was up",
        started.elapsed().as_secs_f64()
    );
    assert!(
        problems.is_empty(),
        "the session got these wrong:\n{}",
        problems.join("\n")
    );
}

/// One read of the reader thread.
struct Read {
    at: Instant,
    took: Duration,
    /// CrateDB's error code and the message, for a read that failed.
    error: Option<(Option<i64>, String)>,
}

/// CrateDB's error code in an ORM error, when the server answered with an error body.
fn sql_code(e: &Error) -> Option<i64> {
    match e {
        Error::Client(cratedb_orm::client::Error::Sql { error, .. }) => Some(error.code),
        _ => None,
    }
}

/// Reads until `stop`: a `find` by key of a row (real time, through a fresh session every
/// time) and, every tenth time, a count; every answer is checked.
fn reader(client: &Client, rows: i64, stop: &AtomicBool) -> Vec<Read> {
    let mut reads = Vec::new();
    let mut k = 0_i64;
    while !stop.load(Ordering::SeqCst) {
        k += 1;
        let id = (k * 7919) % rows;
        let at = Instant::now();
        let result = if k % 10 == 0 {
            client
                .sql("SELECT count(*) FROM \"fault_rows\"", &[] as &[Value])
                .map(|r| {
                    let n = r.rows[0][0].as_i64().expect("a count");
                    assert_eq!(n, rows, "a count during the fault");
                })
                .map_err(Error::from)
        } else {
            let mut s = Session::new(client.clone());
            s.find::<FaultRow>(id).map(|h| {
                let h = h.unwrap_or_else(|| panic!("row {id} found during the fault"));
                assert_eq!(s[h], fault_row(id), "row {id} during the fault");
            })
        };
        reads.push(Read {
            at,
            took: at.elapsed(),
            error: result.err().map(|e| (sql_code(&e), e.to_string())),
        });
    }
    reads
}

/// Reads through a client on all three nodes, without pause, while a node is killed, while
/// it is down, while it restarts with its data and after; then through the restarted node
/// alone. Every answer is checked. Reads that were under way when the node died, or began
/// before the cluster had dropped it and promoted the replicas of its primaries (well under a
/// second), may fail with CrateDB's error for the lost node (a 5xxx:
/// `NodeNotConnectedException`, `NoSuchNodeException`, `JobKilledException … disconnected`);
/// every read from then on succeeds.
#[test]
fn live_fault_reads_through_other_nodes() {
    let Some(mut cluster) = Cluster::start("reads") else {
        return;
    };
    const ROWS: i64 = 20_000;
    let schema = schema("reads");
    let url = cluster.url(&[0, 1, 2], &schema);
    let admin = Client::new(&url).expect("client");
    cluster.create::<FaultRow>(&admin);
    let mut s = Session::new(admin.clone());
    s.add_all((0..ROWS).map(fault_row));
    s.commit().expect("insert");
    assert_eq!(count_rows(&admin, "fault_rows"), ROWS);
    cluster.wait_green();

    let client = Client::new(&url).expect("client");
    let stop = AtomicBool::new(false);
    let t0 = Instant::now();
    let (reads, marks) = thread::scope(|scope| {
        let reading = scope.spawn(|| reader(&client, ROWS, &stop));
        let mut marks = Vec::new();
        thread::sleep(Duration::from_secs(2));
        marks.push(("kill sent", Instant::now()));
        cluster.kill_node(1);
        marks.push(("node gone", Instant::now()));
        cluster.wait_nodes(2);
        marks.push(("cluster of 2", Instant::now()));
        cluster.wait_primaries();
        marks.push(("primaries active", Instant::now()));
        thread::sleep(Duration::from_secs(3));
        marks.push(("restart", Instant::now()));
        cluster.start_node(1, true);
        cluster.wait_nodes(3);
        marks.push(("cluster of 3", Instant::now()));
        cluster.wait_green();
        marks.push(("green", Instant::now()));
        thread::sleep(Duration::from_secs(2));
        stop.store(true, Ordering::SeqCst);
        (reading.join().expect("reader"), marks)
    });
    let mark = |name: &str| {
        marks
            .iter()
            .find(|(w, _)| *w == name)
            .map(|(_, t)| *t)
            .expect("a mark")
    };
    let (kill, dropped) = (mark("kill sent"), mark("primaries active"));
    for (what, at) in &marks {
        eprintln!("[reads] {what} at {:.3} s", (*at - t0).as_secs_f64());
    }
    let end = Instant::now();
    let phases = [
        ("before the kill", t0, kill),
        ("until every shard had a primary again", kill, dropped),
        ("node down", dropped, mark("restart")),
        ("node restarting", mark("restart"), mark("cluster of 3")),
        ("until GREEN", mark("cluster of 3"), mark("green")),
        ("after GREEN", mark("green"), end),
    ];
    for (phase, from, to) in phases {
        let during: Vec<&Read> = reads.iter().filter(|r| r.at >= from && r.at < to).collect();
        let failed = during.iter().filter(|r| r.error.is_some()).count();
        let slowest = during.iter().map(|r| r.took).max().unwrap_or_default();
        eprintln!(
            "[reads] {phase}: {} reads, {failed} failed, slowest {:.3} s",
            during.len(),
            slowest.as_secs_f64()
        );
        assert!(!during.is_empty(), "reads ran {phase}");
    }
    for r in &reads {
        let Some((code, message)) = &r.error else {
            continue;
        };
        eprintln!(
            "[reads]   failed, began at {:.3} s, took {:.3} s: {message}",
            (r.at - t0).as_secs_f64(),
            r.took.as_secs_f64()
        );
        assert!(
            r.at + r.took >= kill && r.at < dropped,
            "only reads under way while the cluster lost the node fail: {message}"
        );
        assert!(
            code.is_some_and(|c| c >= 5000),
            "a read fails only with CrateDB's error for the lost node: {message}"
        );
    }

    // The restarted node serves reads on its own.
    let sample: Vec<i64> = (0..ROWS).step_by(100).collect();
    let took = read_rows(
        "restarted",
        &Client::new(&cluster.url(&[1], &schema)).expect("client"),
        &sample,
    );
    eprintln!(
        "[reads] {} finds by key and a count through the restarted node alone in {:.2} s",
        sample.len(),
        took.as_secs_f64()
    );
}

/// Rows of each server-made-value scenario.
const SERVER_MADE_ROWS: i64 = 40_000;

/// Multi-row `INSERT … RETURNING` (values the server makes) with the coordinating node killed
/// mid-request. `_id` rows whose outcome is unknown are not sent again (`OutcomeUnknown`) until
/// the user has looked: here by the number the client gave each row, then `expire` for the
/// rows found and `resend` for the others. Rows with a client key and a server default are
/// sent again and checked by key: the second commit converges.
#[test]
fn live_fault_node_killed_during_insert_returning() {
    let Some(mut cluster) = Cluster::start("returning") else {
        return;
    };
    let started = Instant::now();
    let schema = schema("returning");
    let url = cluster.url(&[0, 1, 2], &schema);
    let admin = Client::new(&url).expect("client");
    cluster.create::<FaultLog>(&admin);
    cluster.create::<FaultStamped>(&admin);
    const N: i64 = SERVER_MADE_ROWS;

    // ---- `_id`: the server makes the key.
    let rec = Recorder::default();
    let mut session = Session::new(rec.client(&url));
    let handles: Vec<Handle<FaultLog>> = session.add_all((0..N).map(fault_log));
    let (result, kill, in_flight) = killed_commit(
        "_id commit 1",
        &format!("{N} rows"),
        &mut cluster,
        &schema,
        "fault_logs",
        &rec,
        2,
        Victim::Coordinator,
        || session.commit(),
    );
    let left = check_left(
        "_id commit 1",
        &session,
        &handles,
        &result,
        |m: &FaultLog| m.id.clone(),
    );
    assert!(
        left.duplicates.is_empty(),
        "no duplicate key: {:?}",
        left.duplicates
    );
    let landed1 = handles.len() - left.pending;
    // A kill in the middle of a request leaves its rows of unknown outcome; a kill between
    // two requests leaves none (the next request fails over before it is sent).
    eprintln!(
        "[_id commit 1] {} rows of unknown outcome (killed {})",
        left.may_have_landed,
        in_flight.map_or_else(
            || "between two requests".to_owned(),
            |j| format!("during #{j}")
        )
    );
    cluster.wait_nodes(2);
    cluster.wait_primaries();

    // Commit 2, the node still down: the rows never sent land; those of unknown outcome are
    // not sent, and say why.
    let t2 = Instant::now();
    let second = session.commit();
    let events = rec.take();
    show_requests("_id commit 2", &events, t2, None);
    let (written, failures) = match &second {
        Ok(()) => (left.pending, Vec::new()),
        Err(Error::Commit(e)) => (e.written, e.failures.clone()),
        Err(e) => panic!("[_id commit 2] the commit failed otherwise: {e}"),
    };
    eprintln!(
        "[_id commit 2] {} requests in {:.2} s: written {written}, pending {}",
        events.len(),
        t2.elapsed().as_secs_f64(),
        failures.len()
    );
    if let Err(Error::Commit(e)) = &second {
        for (cause, n) in causes(e) {
            eprintln!("[_id commit 2]   {n:>6} × {cause}");
        }
    }
    assert_eq!(
        failures.len(),
        left.may_have_landed,
        "[_id commit 2] exactly the rows of unknown outcome stay pending"
    );
    assert!(failures
        .iter()
        .all(|f| f.cause == RowFailureCause::OutcomeUnknown && f.may_have_landed));
    assert_eq!(written, left.pending - left.may_have_landed);
    let unknown: Vec<Handle<FaultLog>> = handles
        .iter()
        .copied()
        .filter(|&h| session.is_pending(h))
        .collect();
    assert_eq!(unknown.len(), left.may_have_landed);

    // What a user does: look for those rows by what identifies them (here `n`), drop the
    // ones found from the session (`expire`: the row is in the table) and send the others
    // again (`resend`).
    admin
        .sql("REFRESH TABLE \"fault_logs\"", &[] as &[Value])
        .expect("refresh");
    let numbers: Vec<i64> = unknown.iter().map(|&h| session[h].n).collect();
    let found: HashSet<i64> = admin
        .sql(
            "SELECT n FROM \"fault_logs\" WHERE n = ANY($1) LIMIT 100000",
            &[&numbers],
        )
        .expect("look up")
        .rows
        .iter()
        .filter_map(|r| r[0].as_i64())
        .collect();
    for &h in &unknown {
        if found.contains(&session[h].n) {
            session.expire(h).expect("expire");
        } else {
            session.resend(h);
        }
    }
    eprintln!(
        "[_id check] of the {} rows of unknown outcome, {} had landed (expired), {} had not \
         (sent again)",
        unknown.len(),
        found.len(),
        unknown.len() - found.len()
    );
    let t3 = Instant::now();
    session.commit().expect("the third commit succeeds");
    eprintln!(
        "[_id commit 3] {} requests in {:.2} s: Ok",
        rec.take().len(),
        t3.elapsed().as_secs_f64()
    );
    assert!(handles.iter().all(|&h| !session.is_pending(h)));
    assert_eq!(count_rows(&admin, "fault_logs"), N, "every row is stored");
    assert!(
        stored_twice(&admin, "fault_logs", "n").is_empty(),
        "no row is stored twice"
    );
    // Each model that landed holds its own row's `_id`.
    let landed: Vec<Handle<FaultLog>> = handles
        .iter()
        .copied()
        .filter(|&h| session.is_persistent(h))
        .collect();
    assert_eq!(landed.len() + found.len(), N as usize);
    let mut check = Session::new(admin.clone());
    for &h in landed.iter().step_by(landed.len() / 300 + 1) {
        let id = session[h].id.clone().expect("a landed row has its _id");
        let row = check
            .find::<FaultLog>(id.as_str())
            .expect("find by _id")
            .expect("the row of the _id");
        assert_eq!(check[row], session[h], "the model holds its own row's _id");
    }
    eprintln!(
        "[_id done] {N} rows stored once each; {landed1} landed in commit 1, {:.1} s so far",
        started.elapsed().as_secs_f64()
    );

    // ---- A client key and a server default: the node comes back first.
    let t = Instant::now();
    cluster.start_node(kill.node, true);
    cluster.wait_nodes(3);
    cluster.wait_green();
    eprintln!(
        "[restart] node {} back and GREEN in {:.1} s",
        kill.node + 1,
        t.elapsed().as_secs_f64()
    );
    let rec = Recorder::default();
    let mut session = Session::new(rec.client(&url));
    let stamped = |id: i64| FaultStamped {
        id,
        name: format!("stamped {id}"),
        created: None,
    };
    let handles: Vec<Handle<FaultStamped>> = session.add_all((0..N).map(stamped));
    let (result, _kill, _) = killed_commit(
        "default commit 1",
        &format!("{N} rows"),
        &mut cluster,
        &schema,
        "fault_stamped",
        &rec,
        2,
        Victim::Coordinator,
        || session.commit(),
    );
    let left = check_left(
        "default commit 1",
        &session,
        &handles,
        &result,
        |m: &FaultStamped| Some(m.id.to_string()),
    );
    assert!(
        left.duplicates.is_empty(),
        "no duplicate key: {:?}",
        left.duplicates
    );
    cluster.wait_nodes(2);
    cluster.wait_primaries();
    let unknown: Vec<i64> = handles
        .iter()
        .filter(|&&h| session.is_pending(h))
        .map(|&h| session[h].id)
        .collect();
    admin
        .sql("REFRESH TABLE \"fault_stamped\"", &[] as &[Value])
        .expect("refresh");
    let stored_unknown = admin
        .sql(
            "SELECT count(*) FROM \"fault_stamped\" WHERE id = ANY($1)",
            &[&unknown],
        )
        .expect("count")
        .rows[0][0]
        .as_i64()
        .expect("a count");
    eprintln!(
        "[default node down] of the {} pending rows, {stored_unknown} are stored",
        unknown.len()
    );
    let t2 = Instant::now();
    let second = session.commit();
    let events = rec.take();
    show_requests("default commit 2", &events, t2, None);
    eprintln!(
        "[default commit 2] {} requests in {:.2} s (node still down): {}",
        events.len(),
        t2.elapsed().as_secs_f64(),
        second
            .as_ref()
            .map_or_else(ToString::to_string, |()| "Ok".to_owned())
    );
    second.unwrap_or_else(|e| panic!("[default commit 2] the second commit succeeds: {e}"));
    assert!(handles.iter().all(|&h| session.is_persistent(h)));
    assert_eq!(
        count_rows(&admin, "fault_stamped"),
        N,
        "every row is stored"
    );
    let mut check = Session::new(admin.clone());
    let all = check
        .query::<FaultStamped>()
        .order_by(FaultStamped::id())
        .limit(N as u64 + 1)
        .all()
        .expect("read back");
    assert_eq!(all.len(), N as usize);
    for (&h, &stored) in handles.iter().zip(&all) {
        let model = &session[h];
        assert!(
            model.created.is_some(),
            "row {}: the model read back `created`",
            model.id
        );
        assert_eq!(
            &check[stored], model,
            "row {} is stored as the model holds it",
            model.id
        );
    }
    eprintln!(
        "[default done] {N} rows stored once each, every model holds its row's `created`; {:.1} \
         s after the cluster was up",
        started.elapsed().as_secs_f64()
    );
}

/// Rows of the update scenario.
const UPDATE_ROWS: i64 = 100_000;

/// A bulk UPDATE of 100,000 loaded models (a column and an object key each, one statement
/// shape: 10 bulk requests) with the coordinating node killed mid-request; the second commit,
/// with the node still down, converges and every update is applied once.
#[test]
fn live_fault_node_killed_during_bulk_update() {
    let Some(mut cluster) = Cluster::start("update") else {
        return;
    };
    let started = Instant::now();
    let schema = schema("update");
    let url = cluster.url(&[0, 1, 2], &schema);
    let admin = Client::new(&url).expect("client");
    cluster.create::<FaultRow>(&admin);
    let mut s = Session::new(admin.clone());
    s.add_all((0..UPDATE_ROWS).map(fault_row));
    s.commit().expect("insert");
    assert_eq!(count_rows(&admin, "fault_rows"), UPDATE_ROWS);
    drop(s);

    let rec = Recorder::default();
    let mut session = Session::new(rec.client(&url));
    let handles = session
        .query::<FaultRow>()
        .order_by(FaultRow::id())
        .limit(UPDATE_ROWS as u64 + 1)
        .all()
        .expect("load");
    assert_eq!(handles.len(), UPDATE_ROWS as usize);
    let updated = |id: i64| {
        let mut row = fault_row(id);
        row.n = -id;
        if let Some(d) = row.details.as_mut() {
            d.set("round", 2);
        }
        row
    };
    for &h in &handles {
        let id = session[h].id;
        session.set(h, FaultRow::n(), -id).expect("set");
        session
            .set_key(h, FaultRow::details(), &["round"], 2)
            .expect("set_key");
    }
    rec.take();
    let (result, _kill, _) = killed_commit(
        "update commit 1",
        &format!("{UPDATE_ROWS} updates"),
        &mut cluster,
        &schema,
        "fault_rows",
        &rec,
        4,
        Victim::Coordinator,
        || session.commit(),
    );
    let left = check_left(
        "update commit 1",
        &session,
        &handles,
        &result,
        |m: &FaultRow| Some(m.id.to_string()),
    );
    assert!(
        left.duplicates.is_empty(),
        "no duplicate key: {:?}",
        left.duplicates
    );
    cluster.wait_nodes(2);
    cluster.wait_primaries();
    // The updates that landed are in the table; the pending ones may be.
    admin
        .sql("REFRESH TABLE \"fault_rows\"", &[] as &[Value])
        .expect("refresh");
    let done = admin
        .sql(
            "SELECT count(*) FROM \"fault_rows\" WHERE details['round'] = 2",
            &[] as &[Value],
        )
        .expect("count")
        .rows[0][0]
        .as_i64()
        .expect("a count");
    let landed = handles.len() - left.pending;
    eprintln!(
        "[update node down] {done} rows updated in the table; {landed} landed, {} pending of \
         which {} may have landed",
        left.pending, left.may_have_landed
    );
    assert!(done >= landed as i64 && done <= (landed + left.may_have_landed) as i64);

    let t2 = Instant::now();
    let second = session.commit();
    let events = rec.take();
    show_requests("update commit 2", &events, t2, None);
    eprintln!(
        "[update commit 2] {} requests in {:.2} s (node still down): {}",
        events.len(),
        t2.elapsed().as_secs_f64(),
        second
            .as_ref()
            .map_or_else(ToString::to_string, |()| "Ok".to_owned())
    );
    second.unwrap_or_else(|e| panic!("[update commit 2] the second commit succeeds: {e}"));
    assert!(handles.iter().all(|&h| !session.is_pending(h)));

    assert_eq!(count_rows(&admin, "fault_rows"), UPDATE_ROWS);
    let mut check = Session::new(admin.clone());
    let all = check
        .query::<FaultRow>()
        .order_by(FaultRow::id())
        .limit(UPDATE_ROWS as u64 + 1)
        .all()
        .expect("read back");
    assert_eq!(all.len(), UPDATE_ROWS as usize);
    for (id, &h) in all.iter().enumerate() {
        assert_eq!(check[h], updated(id as i64), "row {id} holds its update");
    }
    eprintln!(
        "[update done] {UPDATE_ROWS} rows hold their update; {:.1} s after the cluster was up",
        started.elapsed().as_secs_f64()
    );
}
