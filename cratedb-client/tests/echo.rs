//! Statement echo: the hook sees each statement once, with its server, duration and outcome.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::Client;
use serde_json::{json, Value};

#[derive(Debug, Clone)]
struct Seen {
    statement: String,
    server: String,
    duration: Duration,
    bulk_rows: Option<usize>,
    ok: bool,
    line: String,
}

fn recording_client(servers: &[String]) -> (Client, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let client = Client::builder()
        .servers(servers)
        .echo(move |e| {
            if let Ok(mut v) = sink.lock() {
                v.push(Seen {
                    statement: e.statement.to_string(),
                    server: e.server.to_string(),
                    duration: e.duration,
                    bulk_rows: e.bulk_rows,
                    ok: e.ok,
                    line: e.to_string(),
                });
            }
        })
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    (client, seen)
}

#[test]
fn each_statement_is_echoed_once() {
    let server = TestServer::with_handler(|req| {
        if req.stmt.contains("boom") {
            Reply::error(4000, "SQLParseException[boom]")
        } else {
            Reply::delay(Duration::from_millis(20), Reply::default_for(req))
        }
    });
    let (client, seen) = recording_client(&[server.addr()]);
    client
        .sql("SELECT 1", &[] as &[Value])
        .unwrap_or_else(|e| panic!("{e}"));
    client
        .bulk("INSERT INTO t VALUES ($1)", &[[json!(1)], [json!(2)]])
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(client.sql("boom", &[] as &[Value]).is_err());
    let seen = seen.lock().map(|v| v.clone()).unwrap_or_default();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].statement, "SELECT 1");
    assert_eq!(seen[0].server, server.addr());
    assert!(seen[0].duration >= Duration::from_millis(20));
    assert!(seen[0].ok);
    assert_eq!(seen[0].bulk_rows, None);
    assert!(seen[0].line.starts_with("[cratedb] ") && seen[0].line.ends_with(" SELECT 1"));
    assert_eq!(seen[1].bulk_rows, Some(2));
    assert!(seen[1].line.contains("(bulk: 2 rows)"));
    assert!(!seen[2].ok);
    assert!(seen[2].line.ends_with("FAILED"));
}

#[test]
fn echo_names_the_server_that_answered() {
    let down = TestServer::start();
    down.stop();
    let up = TestServer::start();
    let (client, seen) = recording_client(&[down.addr(), up.addr()]);
    client
        .sql("SELECT 1", &[] as &[Value])
        .unwrap_or_else(|e| panic!("{e}"));
    let seen = seen.lock().map(|v| v.clone()).unwrap_or_default();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].server, up.addr());
}
