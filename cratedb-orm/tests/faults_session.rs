//! The session under faults and hostile input: a cluster whose servers fail during a commit
//! loses nothing and writes nothing twice; values are always bound, never spliced; object keys
//! are escaped literals. `--nocapture` prints the figures.

mod models;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cratedb_client::testing::{Reply, SqlRequest, TestServer};
use cratedb_orm::session::{RowFailureCause, StatementArgs};
use cratedb_orm::{object, Client, Error, Session, Value};
use models::{Character, City};
use serde_json::json;

/// A cluster of three that records every inserted city name; `failing` makes the chosen
/// servers answer 503 once `after` requests were served in all.
struct Cluster {
    servers: Vec<TestServer>,
    ledger: Arc<Mutex<HashMap<String, usize>>>,
    down: Arc<[AtomicBool; 3]>,
}

fn cluster() -> Cluster {
    let ledger: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let down: Arc<[AtomicBool; 3]> = Arc::new([
        AtomicBool::new(false),
        AtomicBool::new(false),
        AtomicBool::new(false),
    ]);
    let servers = (0..3)
        .map(|i| {
            let (ledger, down) = (Arc::clone(&ledger), Arc::clone(&down));
            TestServer::with_handler(move |req: &SqlRequest| {
                if down[i].load(Ordering::SeqCst) {
                    return Reply::status(503);
                }
                let rows = req.bulk_args.clone().unwrap_or_default();
                if let Ok(mut l) = ledger.lock() {
                    for row in &rows {
                        if let Some(Value::String(name)) = row.first() {
                            *l.entry(name.clone()).or_default() += 1;
                        }
                    }
                }
                Reply::default_for(req)
            })
        })
        .collect();
    Cluster {
        servers,
        ledger,
        down,
    }
}

fn client(c: &Cluster) -> Client {
    Client::builder()
        .servers(c.servers.iter().map(TestServer::addr))
        .retry_interval(Duration::from_millis(100))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn cities(n: usize) -> impl Iterator<Item = City> {
    (0..n).map(|i| City {
        name: format!("city-{i:04}"),
        ..City::default()
    })
}

#[test]
fn servers_failing_during_a_commit_lose_nothing() {
    let c = cluster();
    let mut session = Session::new(client(&c)).with_batch_size(100);
    session.add_all(cities(1_000));
    // Two of three servers fail while the commit runs.
    let down = Arc::clone(&c.down);
    let counter = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&counter);
    let watcher = std::thread::spawn(move || {
        while seen.load(Ordering::SeqCst) == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
        down[0].store(true, Ordering::SeqCst);
        down[1].store(true, Ordering::SeqCst);
    });
    counter.store(1, Ordering::SeqCst);
    session
        .commit()
        .unwrap_or_else(|e| panic!("commit through the live server: {e}"));
    watcher.join().unwrap_or_else(|_| panic!("watcher"));
    let ledger = c.ledger.lock().unwrap_or_else(|e| e.into_inner());
    let duplicates = ledger.values().filter(|&&n| n > 1).count();
    let spread: Vec<usize> = c.servers.iter().map(TestServer::request_count).collect();
    println!("session faults: 1000 rows, landed {}, duplicates {duplicates}, requests per server {spread:?}", ledger.len());
    assert_eq!(ledger.len(), 1_000);
    assert_eq!(duplicates, 0);
    assert!(session.pending_statements().is_empty());
}

#[test]
fn a_commit_stopped_by_a_dead_cluster_resumes_with_exactly_the_pending_rows() {
    let c = cluster();
    let client = client(&c);
    let mut session = Session::new(client).with_batch_size(100);
    session.add_all(cities(1_000));
    // The whole cluster goes down after four requests.
    let served = Arc::new(AtomicUsize::new(0));
    for (i, s) in c.servers.iter().enumerate() {
        let (ledger, down, served) = (
            Arc::clone(&c.ledger),
            Arc::clone(&c.down),
            Arc::clone(&served),
        );
        s.set_handler(move |req: &SqlRequest| {
            if down[i].load(Ordering::SeqCst) || served.load(Ordering::SeqCst) >= 4 {
                return Reply::status(503);
            }
            served.fetch_add(1, Ordering::SeqCst);
            let rows = req.bulk_args.clone().unwrap_or_default();
            if let Ok(mut l) = ledger.lock() {
                for row in &rows {
                    if let Some(Value::String(name)) = row.first() {
                        *l.entry(name.clone()).or_default() += 1;
                    }
                }
            }
            Reply::default_for(req)
        });
    }
    let err = session.commit().expect_err("the cluster died");
    let Error::Commit(commit) = err else {
        panic!("a commit error: {err}")
    };
    let failed = commit
        .failures
        .iter()
        .filter(|f| f.cause == RowFailureCause::RequestFailed)
        .count();
    let not_sent = commit
        .failures
        .iter()
        .filter(|f| f.cause == RowFailureCause::NotAttempted)
        .count();
    println!(
        "dead cluster: written {}, pending {} ({failed} in the failed request, {not_sent} not sent), cause: {}",
        commit.written,
        commit.failures.len(),
        commit.cause.as_ref().map(ToString::to_string).unwrap_or_default()
    );
    assert_eq!(commit.written, 400);
    assert_eq!(commit.failures.len(), 600);
    assert_eq!((failed, not_sent), (100, 500));
    assert!(commit.cause.is_some());
    // The cluster recovers; the next commit sends exactly the 600 pending rows.
    served.store(usize::MIN, Ordering::SeqCst);
    for s in &c.servers {
        s.set_handler({
            let ledger = Arc::clone(&c.ledger);
            move |req: &SqlRequest| {
                let rows = req.bulk_args.clone().unwrap_or_default();
                if let Ok(mut l) = ledger.lock() {
                    for row in &rows {
                        if let Some(Value::String(name)) = row.first() {
                            *l.entry(name.clone()).or_default() += 1;
                        }
                    }
                }
                Reply::default_for(req)
            }
        });
    }
    std::thread::sleep(Duration::from_millis(150));
    let resent: usize = session
        .pending_statements()
        .iter()
        .map(|s| s.row_count())
        .sum();
    assert_eq!(resent, 600);
    session.commit().unwrap_or_else(|e| panic!("{e}"));
    let ledger = c.ledger.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(ledger.len(), 1_000, "nothing lost");
    assert_eq!(
        ledger.values().filter(|&&n| n > 1).count(),
        0,
        "nothing written twice"
    );
}

const INJECTIONS: [&str; 4] = [
    "'; DROP TABLE characters; --",
    "\" OR 1=1 --",
    "1; SELECT * FROM sys.users",
    "Robert'); DELETE FROM \"characters\" WHERE ('a' = 'a",
];

#[test]
fn hostile_values_are_bound_and_hostile_keys_are_escaped() {
    let mut session =
        Session::new(Client::new("crate://127.0.0.1:9").unwrap_or_else(|e| panic!("{e}")));
    for (n, evil) in INJECTIONS.iter().enumerate() {
        let h = session.add(Character {
            id: format!("id-{n}"),
            name: Some((*evil).to_string()),
            quote: (*evil).to_string(),
            details: Some(object! { "note": *evil }),
            ..Character::default()
        });
        let _ = h;
    }
    for statement in session.pending_statements() {
        for evil in INJECTIONS {
            assert!(
                !statement.sql.contains(evil),
                "{} contains {evil}",
                statement.sql
            );
        }
        let StatementArgs::Single(args) = &statement.args else {
            panic!("multi-row insert expected")
        };
        for evil in INJECTIONS {
            assert!(args.contains(&json!(evil)), "{evil} is bound");
        }
    }
    // In filters: bound.
    for evil in INJECTIONS {
        let (sql, args) = session
            .query::<Character>()
            .filter(
                Character::quote()
                    .eq(evil)
                    .or(Character::details().key("note").eq(evil)),
            )
            .to_sql();
        assert!(!sql.contains(evil), "{sql}");
        assert_eq!(args, vec![json!(evil), json!(evil)]);
    }
    // Object keys cannot be parameters: they are string literals with quotes doubled.
    let h = session.attach(Character {
        id: "k".into(),
        quote: "q".into(),
        details: Some(object! {}),
        ..Character::default()
    });
    if let Some(d) = session[h].details.as_mut() {
        d.set("a'] = 1; --", 1);
        d.set("[x]", 2);
    }
    let update = session
        .pending_statements()
        .pop()
        .unwrap_or_else(|| panic!("an update"));
    assert_eq!(
        update.sql,
        r#"UPDATE "characters" SET "details"['a''] = 1; --'] = $1, "details"['[x]'] = $2 WHERE "id" = $3"#
    );
    let (sql, _) = session
        .query::<Character>()
        .select(Character::details().key("it's"))
        .to_sql();
    assert_eq!(sql, r#"SELECT "details"['it''s'] FROM "characters""#);
}
