//! Rows of a bulk INSERT that CrateDB fails with an internal error are recovered in bulk.
//!
//! On a 3-node cluster, CrateDB 6.4.3 fails groups of rows of a bulk INSERT into a fresh table
//! with `[5000] IOException[Invalid vInt …]` or `IllegalStateException[unexpected byte
//! [0xff]]` while the nodes update the table's mapping at once (a third of a 10,000-row
//! request, seen in CI); CrateDB details the first ten failures per shard and answers the
//! others with a bare `rowcount: -2`. Some rows answered so can be stored all the same. The
//! stand-in below answers like that: the rows of two of six shards fail in the first request,
//! every seventh of them stored all the same. The session looks the failed rows up by key (up to
//! 200 keys in real time; more after a `REFRESH TABLE` with `"id" = ANY($1)`, 10,000 keys a
//! search), counts those stored as sent as landed, and sends the others again in one bulk
//! request per lookup, never one request per row.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use cratedb_client::testing::{BulkRow, Reply, SqlRequest, TestServer};
use cratedb_orm::session::{CommitProgress, RowFailureCause};
use cratedb_orm::{object, Client, CrateModel, Error, Object, Session, TimestampTz, Value};
use serde_json::json;

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "readings", number_of_shards = 6)]
struct Reading {
    #[cratedb(primary_key)]
    id: i64,
    name: String,
    details: Option<Object>,
}

/// The same row with a value the server fills in: inserted by multi-row `INSERT … RETURNING`.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "readings", number_of_shards = 6)]
struct StampedReading {
    #[cratedb(primary_key)]
    id: i64,
    name: String,
    details: Option<Object>,
    #[cratedb(server_default = "now()")]
    created: Option<TimestampTz>,
}

fn reading(id: i64) -> Reading {
    Reading {
        id,
        name: format!("reading {id}"),
        details: Some(object! { "group": id % 100 }),
    }
}

/// CrateDB's error for a row of a bulk INSERT that met the mapping race.
const RACE: &str = "IllegalStateException[Message fully read (request) but more data is expected for requestId [884], action [internal:crate:sql/data/write]; resetting]";

/// CrateDB's error for a row that fails a CHECK constraint.
const CHECK: &str = "SQLParseException[Failed CONSTRAINT readings_name_check CHECK (\"name\" <> '') for values: [0, '']]";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the stand-in does to the rows of the next INSERT request.
#[derive(Clone, Copy, PartialEq)]
enum Fault {
    /// Every row lands (or meets its key: 4091).
    None,
    /// Rows of shards 0 and 1 fail with `[5000] RACE` (detailed for the first ten per shard);
    /// every seventh of them is stored all the same.
    Race,
    /// As `Race`, with none stored.
    RaceNothingStored,
}

/// One `readings` table: the rows, and how often each key was written.
struct Table {
    rows: Mutex<HashMap<i64, serde_json::Map<String, Value>>>,
    /// Rows written per key (a second write of a key would be a row stored twice).
    writes: Mutex<HashMap<i64, usize>>,
    /// The fault of each INSERT request in turn (then `Fault::None`).
    faults: Mutex<Vec<Fault>>,
    /// Keys whose rows fail with a CHECK constraint of their own.
    checked: Mutex<HashSet<i64>>,
    inserts: AtomicUsize,
}

impl Table {
    fn new(faults: Vec<Fault>) -> Arc<Table> {
        Arc::new(Table {
            rows: Mutex::new(HashMap::new()),
            writes: Mutex::new(HashMap::new()),
            faults: Mutex::new(faults),
            checked: Mutex::new(HashSet::new()),
            inserts: AtomicUsize::new(0),
        })
    }

    fn shard(id: i64) -> i64 {
        id.rem_euclid(6)
    }

    fn answer(&self, req: &SqlRequest) -> Reply {
        if req.stmt.starts_with("INSERT INTO \"readings\"") {
            let fault = {
                let mut faults = lock(&self.faults);
                if faults.is_empty() {
                    Fault::None
                } else {
                    faults.remove(0)
                }
            };
            self.inserts.fetch_add(1, Ordering::SeqCst);
            return self.insert(req, fault);
        }
        if req.stmt.starts_with("SELECT ") {
            return self.lookup(req);
        }
        if req.stmt.starts_with("REFRESH TABLE ") {
            return Reply::rowcount(1);
        }
        Reply::error(4000, "SQLParseException[statement not simulated]")
    }

    fn columns_of(stmt: &str) -> Vec<String> {
        let open = stmt.find('(').unwrap_or(0);
        let close = stmt.find(')').unwrap_or(0);
        stmt[open + 1..close]
            .split(", ")
            .map(|c| c.trim_matches('"').to_owned())
            .collect()
    }

    /// Writes one row: `Ok(true)` stored, `Ok(false)` failed by the fault (`stored` says
    /// whether it is stored all the same), `Err` its key exists.
    fn write(
        &self,
        row: serde_json::Map<String, Value>,
        fail: bool,
        keep: bool,
    ) -> Result<bool, ()> {
        let id = row.get("id").and_then(Value::as_i64).unwrap_or(-1);
        let mut rows = lock(&self.rows);
        if rows.contains_key(&id) {
            return Err(());
        }
        if fail && !keep {
            return Ok(false);
        }
        *lock(&self.writes).entry(id).or_insert(0) += 1;
        rows.insert(id, row);
        Ok(!fail)
    }

    fn insert(&self, req: &SqlRequest, fault: Fault) -> Reply {
        let columns = Self::columns_of(&req.stmt);
        let arg_rows: Vec<Vec<Value>> = match &req.bulk_args {
            Some(rows) => rows.clone(),
            None => req
                .args
                .chunks(columns.len())
                .map(<[Value]>::to_vec)
                .collect(),
        };
        let mut detailed: HashMap<i64, usize> = HashMap::new();
        let mut results = Vec::new();
        let mut returned = Vec::new();
        for args in arg_rows {
            let mut row: serde_json::Map<String, Value> =
                columns.iter().cloned().zip(args).collect();
            let id = row.get("id").and_then(Value::as_i64).unwrap_or(-1);
            let fail = fault != Fault::None && Self::shard(id) < 2;
            let keep = fault == Fault::Race && id % 7 == 0;
            if req.stmt.contains(" RETURNING ") {
                row.insert("created".into(), json!(1_700_000_000_000_i64));
            }
            if lock(&self.checked).contains(&id) {
                results.push(BulkRow::Error(4000, CHECK.to_owned()));
                continue;
            }
            match self.write(row.clone(), fail, keep) {
                Ok(true) => {
                    results.push(BulkRow::Ok(1));
                    returned.push(row);
                }
                Ok(false) => {
                    let n = detailed.entry(Self::shard(id)).or_insert(0);
                    *n += 1;
                    results.push(if *n <= 10 {
                        BulkRow::Error(5000, RACE.to_owned())
                    } else {
                        BulkRow::Failed
                    });
                }
                Err(()) => results.push(BulkRow::Error(
                    4091,
                    "DuplicateKeyException[A document with the same primary key exists already]"
                        .to_owned(),
                )),
            }
        }
        if req.bulk_args.is_some() {
            return Reply::bulk_results(results);
        }
        // A multi-row INSERT … RETURNING that meets the race fails as a whole with it (and
        // the rows of the other shards land all the same).
        if results
            .iter()
            .any(|r| matches!(r, BulkRow::Error(5000, _) | BulkRow::Failed))
        {
            return Reply::error(5000, RACE);
        }
        let cols: Vec<&str> = req
            .stmt
            .split(" RETURNING ")
            .nth(1)
            .unwrap_or("")
            .split(", ")
            .map(|c| c.trim_matches('"'))
            .collect();
        let rows = returned
            .iter()
            .map(|r| {
                cols.iter()
                    .map(|c| r.get(*c).cloned().unwrap_or(Value::Null))
                    .collect()
            })
            .collect();
        Reply::rows(&cols, rows)
    }

    /// `SELECT … WHERE "id" = $1 OR "id" = $2 …` (by key, real time) or `… WHERE "id" =
    /// ANY($1)` (a search; every row here is refreshed).
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
        let rows = lock(&self.rows);
        let keys = match req.args.as_slice() {
            [Value::Array(keys)] if req.stmt.contains(" = ANY($1)") => keys.clone(),
            keys => keys.to_vec(),
        };
        let found = keys
            .iter()
            .filter_map(|id| rows.get(&id.as_i64().unwrap_or(-1)))
            .map(|row| {
                cols.iter()
                    .map(|c| row.get(*c).cloned().unwrap_or(Value::Null))
                    .collect()
            })
            .collect();
        Reply::rows(&cols, found)
    }

    fn stored_twice(&self) -> usize {
        lock(&self.writes).values().filter(|&&n| n > 1).count()
    }
}

fn serve(table: &Arc<Table>) -> TestServer {
    let t = Arc::clone(table);
    TestServer::with_handler(move |req| t.answer(req))
}

/// What the requests after the first were.
#[derive(Debug, Default, PartialEq)]
struct FollowUps {
    refreshes: usize,
    lookups: usize,
    /// Bulk INSERTs.
    bulk: usize,
    /// Multi-row or single-row INSERTs.
    multi: usize,
    /// The rows of each INSERT.
    rows: Vec<usize>,
}

fn follow_ups(server: &TestServer) -> FollowUps {
    let mut f = FollowUps::default();
    for r in server.requests().iter().skip(1) {
        if r.stmt.starts_with("REFRESH") {
            f.refreshes += 1;
        } else if r.stmt.starts_with("SELECT") {
            f.lookups += 1;
        } else if let Some(b) = &r.bulk_args {
            f.bulk += 1;
            f.rows.push(b.len());
        } else {
            f.multi += 1;
            f.rows.push(r.stmt.matches("), (").count() + 1);
        }
    }
    f
}

const N: i64 = 10_000;

/// Rows of the first request that the race fails (shards 0 and 1 of 6).
fn raced() -> Vec<i64> {
    (0..N).filter(|&id| Table::shard(id) < 2).collect()
}

#[test]
fn rows_a_bulk_insert_failed_with_an_internal_error_go_again_in_bulk() {
    let table = Table::new(vec![Fault::Race]);
    let server = serve(&table);
    let mut session = Session::new(Client::new(&server.url()).expect("client"));
    let handles = session.add_all((0..N).map(reading));
    session.commit().unwrap_or_else(|e| panic!("{e}"));

    assert!(handles.iter().all(|&h| session.is_persistent(h)));
    assert_eq!(lock(&table.rows).len(), N as usize, "every row is stored");
    assert_eq!(table.stored_twice(), 0, "no row is stored twice");
    for id in [0, 1, 6, 7, 9_999] {
        assert_eq!(
            lock(&table.rows)[&id].get("name"),
            Some(&json!(format!("reading {id}")))
        );
    }
    let failed = raced().len();
    let kept = raced().iter().filter(|&&id| id % 7 == 0).count();
    let f = follow_ups(&server);
    eprintln!(
        "{failed} of {N} rows failed with [5000] ({kept} of them stored all the same): then \
         {f:?}; {} requests in all",
        server.request_count()
    );
    assert_eq!(
        f,
        FollowUps {
            refreshes: 1,
            lookups: 1,
            bulk: 1,
            multi: 0,
            rows: vec![failed - kept],
        },
        "a refresh, one search for the failed rows' keys, one bulk INSERT of exactly those \
         not found"
    );
}

#[test]
fn rows_that_fail_again_with_their_own_error_get_it_from_the_bulk_answer() {
    // Three of the raced rows meet a cause of their own when they are sent again (a CHECK
    // constraint): the bulk answer details it per row, so no row is sent alone for it.
    let table = Table::new(vec![Fault::RaceNothingStored]);
    let server = serve(&table);
    let t = Arc::clone(&table);
    server.set_handler(move |req| {
        let reply = t.answer(req);
        if req.stmt.starts_with("INSERT") {
            lock(&t.checked).extend([0_i64, 6, 12]);
        }
        reply
    });
    let mut session = Session::new(Client::new(&server.url()).expect("client"));
    session.add_all((0..N).map(reading));
    let Err(Error::Commit(e)) = session.commit() else {
        panic!("three rows fail their CHECK");
    };
    let keys: HashSet<Option<String>> = e.failures.iter().map(|f| f.key.clone()).collect();
    assert_eq!(
        keys,
        HashSet::from(["0", "6", "12"].map(|k| Some(k.to_owned())))
    );
    assert!(e.failures.iter().all(|f| !f.may_have_landed
        && matches!(&f.cause, RowFailureCause::Sql(s) if s.code == 4000 && s.message == CHECK)));
    assert_eq!(e.written, N as usize - 3);
    let f = follow_ups(&server);
    assert_eq!(
        (f.lookups, f.bulk, f.multi),
        (1, 1, 0),
        "no row is sent alone"
    );
    assert_eq!(table.stored_twice(), 0);
}

#[test]
fn a_failed_row_found_under_another_row_is_a_duplicate_key_and_not_sent_again() {
    // While the first request ran, another writer stored rows under keys 0 and 6 (raced
    // rows): the lookup finds other rows there, so these two are duplicate keys.
    let table = Table::new(vec![Fault::RaceNothingStored]);
    let server = serve(&table);
    let t = Arc::clone(&table);
    let first = Arc::new(AtomicUsize::new(0));
    server.set_handler(move |req| {
        let reply = t.answer(req);
        if req.stmt.starts_with("INSERT") && first.fetch_add(1, Ordering::SeqCst) == 0 {
            for id in [0_i64, 6] {
                let mut other = serde_json::Map::new();
                other.insert("id".into(), json!(id));
                other.insert("name".into(), json!("another writer's row"));
                lock(&t.rows).insert(id, other);
            }
        }
        reply
    });
    let mut session = Session::new(Client::new(&server.url()).expect("client"));
    session.add_all((0..N).map(reading));
    let Err(Error::Commit(e)) = session.commit() else {
        panic!("two rows meet another writer's rows");
    };
    let keys: HashSet<Option<String>> = e.failures.iter().map(|f| f.key.clone()).collect();
    assert_eq!(keys, HashSet::from(["0", "6"].map(|k| Some(k.to_owned()))));
    assert!(e
        .failures
        .iter()
        .all(|f| f.cause == RowFailureCause::DuplicateKey && !f.may_have_landed));
    assert_eq!(e.written, N as usize - 2);
    let f = follow_ups(&server);
    assert_eq!(f.multi, 0, "no row is sent alone");
    assert_eq!(f.rows, vec![raced().len() - 2]);
    assert_eq!(table.stored_twice(), 0);
}

#[test]
fn an_internal_error_that_persists_is_the_cause_after_three_rounds() {
    // The race every time: three rounds of lookup and bulk resend, then the rows fail with
    // CrateDB's error (the lookup showed they did not land), each sent at most four times.
    let table = Table::new(vec![Fault::RaceNothingStored; 100]);
    let server = serve(&table);
    let mut session = Session::new(Client::new(&server.url()).expect("client"));
    let handles = session.add_all((0..600).map(reading));
    let Err(Error::Commit(e)) = session.commit() else {
        panic!("the race persists");
    };
    let failed: Vec<i64> = (0..600).filter(|&id| Table::shard(id) < 2).collect();
    assert_eq!(e.failures.len(), failed.len());
    assert!(e.failures.iter().all(
        |f| !f.may_have_landed && matches!(&f.cause, RowFailureCause::Sql(s) if s.code == 5000)
    ));
    assert_eq!(e.written, 600 - failed.len());
    assert_eq!(
        handles.iter().filter(|&&h| session.is_pending(h)).count(),
        failed.len()
    );
    // 200 keys: looked up in real time, without a refresh.
    let f = follow_ups(&server);
    assert_eq!((f.refreshes, f.lookups, f.bulk, f.multi), (0, 4, 3, 0));
    assert_eq!(table.inserts.load(Ordering::SeqCst), 4);
}

#[test]
fn rows_of_a_multi_row_insert_failed_by_an_internal_error_go_again_together() {
    // The whole multi-row INSERT … RETURNING fails with the race, although rows of the other
    // shards landed: those are found by key (and take their returned values from the stored
    // row); the others go again in one multi-row INSERT, not one by one.
    let table = Table::new(vec![Fault::RaceNothingStored]);
    let server = serve(&table);
    let mut session = Session::new(Client::new(&server.url()).expect("client"));
    let handles = session.add_all((0..300).map(|id| StampedReading {
        id,
        name: format!("reading {id}"),
        details: Some(object! { "group": id % 100 }),
        created: None,
    }));
    session.commit().unwrap_or_else(|e| panic!("{e}"));
    assert!(handles.iter().all(|&h| session.is_persistent(h)));
    assert!(handles.iter().all(|&h| session[h].created.is_some()));
    assert_eq!(lock(&table.rows).len(), 300);
    assert_eq!(table.stored_twice(), 0);
    assert_eq!(
        follow_ups(&server),
        FollowUps {
            refreshes: 1,
            lookups: 1,
            bulk: 0,
            multi: 1,
            rows: vec![100],
        },
        "a refresh, one search, and the rows of the failed shards in one statement"
    );
}

#[test]
fn progress_counts_every_row_once_through_the_recovery() {
    // 25,000 rows in 3 bulk requests; the first meets the race: its failed rows are settled by
    // the follow-ups, and progress reaches the total exactly once per row.
    let table = Table::new(vec![Fault::Race]);
    let server = serve(&table);
    let mut session = Session::new(Client::new(&server.url()).expect("client"));
    session.add_all((0..25_000).map(reading));
    let mut seen: Vec<CommitProgress> = Vec::new();
    session
        .commit_with_progress(|p| seen.push(*p))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        seen.len(),
        server.request_count(),
        "one report per answered request"
    );
    assert!(seen.iter().all(|p| p.total == 25_000));
    assert!(seen
        .windows(2)
        .all(|w| w[0].done() <= w[1].done() && w[0].requests < w[1].requests));
    let last = seen.last().copied().expect("reports");
    assert_eq!(
        (last.written, last.failed, last.done()),
        (25_000, 0, 25_000)
    );
    eprintln!(
        "progress: {:?}",
        seen.iter()
            .map(|p| (p.requests, p.done()))
            .collect::<Vec<_>>()
    );
}
