//! A three-server cluster under faults: servers killed during a run of 10,000 single-row
//! writes and reads, then brought back. Nothing is lost, nothing is written twice, and the
//! recovered servers rejoin after the retry interval. Run with `--nocapture` for the figures.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cratedb_client::testing::{Reply, SqlRequest, TestServer};
use cratedb_client::{Client, Error};
use serde_json::{json, Value};

/// Every write every server received, by id (shared by the cluster).
type Ledger = Arc<Mutex<HashMap<i64, usize>>>;

fn cluster(ledger: &Ledger) -> Vec<TestServer> {
    (0..3)
        .map(|_| {
            let ledger = Arc::clone(ledger);
            TestServer::with_handler(move |req: &SqlRequest| {
                if req.stmt.starts_with("INSERT") {
                    if let Some(id) = req.args.first().and_then(Value::as_i64) {
                        if let Ok(mut l) = ledger.lock() {
                            *l.entry(id).or_default() += 1;
                        }
                    }
                    Reply::rowcount(1)
                } else {
                    Reply::rows(
                        &["id"],
                        vec![vec![req.args.first().cloned().unwrap_or(Value::Null)]],
                    )
                }
            })
        })
        .collect()
}

fn client_for(servers: &[TestServer], retry_interval: Duration) -> Client {
    Client::builder()
        .servers(servers.iter().map(TestServer::addr))
        .retry_interval(retry_interval)
        .connect_timeout(Duration::from_millis(500))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn killing_one_then_two_servers_loses_and_duplicates_nothing() {
    let ledger: Ledger = Arc::default();
    let servers = cluster(&ledger);
    let client = client_for(&servers, Duration::from_millis(300));
    const OPS: i64 = 10_000;
    let mut errors: Vec<Error> = Vec::new();
    let mut writes_ok = 0;
    let mut reads_ok = 0;
    for op in 0..OPS {
        match op {
            2_000 => servers[0].stop(),
            5_000 => servers[1].stop(),
            8_000 => {
                servers[0].restart().unwrap_or_else(|e| panic!("{e}"));
                servers[1].restart().unwrap_or_else(|e| panic!("{e}"));
                // Past the retry interval the recovered servers are tried again.
                std::thread::sleep(Duration::from_millis(350));
            }
            _ => {}
        }
        let result = if op % 2 == 0 {
            client
                .sql("INSERT INTO t (id) VALUES ($1)", &[json!(op)])
                .map(|_| writes_ok += 1)
        } else {
            client
                .sql("SELECT id FROM t WHERE id = $1", &[json!(op)])
                .map(|r| {
                    assert_eq!(r.rows, vec![vec![json!(op)]]);
                    reads_ok += 1;
                })
        };
        if let Err(e) = result {
            errors.push(e);
        }
    }
    let ledger = ledger.lock().unwrap_or_else(|e| e.into_inner());
    let landed = ledger.len();
    let duplicates = ledger.values().filter(|&&n| n > 1).count();
    let spread: Vec<usize> = servers.iter().map(TestServer::request_count).collect();
    println!(
        "chaos: {OPS} ops, writes attempted {} landed {landed} duplicates {duplicates}, reads ok {reads_ok}, \
         errors {}, requests per server {spread:?}",
        OPS / 2,
        errors.len()
    );
    assert!(
        errors.is_empty(),
        "every operation completes through the live servers: {errors:?}"
    );
    assert_eq!(writes_ok, OPS / 2);
    assert_eq!(landed as i64, OPS / 2, "no write lost");
    assert_eq!(duplicates, 0, "no write sent twice");
    // The killed servers worked before, and rejoined after they came back.
    let after: Vec<usize> = servers.iter().map(TestServer::request_count).collect();
    assert!(after[0] > 600 && after[1] > 600, "{after:?}");
    assert!(
        client.inactive_servers().is_empty(),
        "{:?}",
        client.inactive_servers()
    );
}

#[test]
fn faults_of_every_kind_are_named_and_writes_are_never_sent_twice() {
    // Server 0 is healthy; 1 answers 503; 2 hangs past the client's timeout; 3 closes the
    // connection before answering; 4 answers truncated JSON; 5 claims a 2 GB body.
    let ledger: Ledger = Arc::default();
    let healthy = cluster(&ledger).remove(0);
    let unavailable = TestServer::with_handler(|_| Reply::status(503));
    let hanging =
        TestServer::with_handler(|_| Reply::delay(Duration::from_secs(3), Reply::rowcount(1)));
    let closing = TestServer::with_handler(|_| Reply::close());
    let truncated = TestServer::with_handler(|_| Reply::truncated(Reply::rowcount(1)));
    let huge = TestServer::with_handler(|_| Reply::huge(2 * 1024 * 1024 * 1024));
    let servers = [healthy, unavailable, hanging, closing, truncated, huge];
    let client = Client::builder()
        .servers(servers.iter().map(TestServer::addr))
        .retry_interval(Duration::from_secs(60))
        .connect_timeout(Duration::from_millis(500))
        .timeout(Duration::from_millis(300))
        .body_limit(64 * 1024 * 1024)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut by_kind: HashMap<&'static str, usize> = HashMap::new();
    let mut writes_ok = 0;
    for op in 0..60i64 {
        let stmt = if op % 2 == 0 {
            "INSERT INTO t (id) VALUES ($1)"
        } else {
            "SELECT id FROM t WHERE id = $1"
        };
        match client.sql(stmt, &[json!(op)]) {
            Ok(_) if op % 2 == 0 => writes_ok += 1,
            Ok(_) => {}
            Err(e) => {
                let text = e.to_string();
                let kind = match &e {
                    Error::Protocol { .. } => "protocol",
                    Error::BodyTooLarge { .. } => "body too large",
                    Error::Connection { .. } => "connection",
                    Error::AllServersFailed { .. } => "all servers failed",
                    _ => "other",
                };
                *by_kind.entry(kind).or_default() += 1;
                assert!(
                    servers.iter().any(|s| text.contains(&s.addr())),
                    "the error names the server: {text}"
                );
                assert!(!text.is_empty());
            }
        }
    }
    let ledger = ledger.lock().unwrap_or_else(|e| e.into_inner());
    let duplicates = ledger.values().filter(|&&n| n > 1).count();
    let received: Vec<usize> = servers.iter().map(TestServer::request_count).collect();
    println!("faults: writes ok {writes_ok}, errors by kind {by_kind:?}, requests per server {received:?}, duplicates {duplicates}");
    assert_eq!(duplicates, 0);
    // Every write the caller was told landed did land, exactly once, on the healthy server.
    assert_eq!(ledger.len(), writes_ok);
    // Bad servers are skipped for the retry interval: the healthy one carries the rest.
    assert!(received[0] >= 30, "{received:?}");
}
