//! gzip both ways: responses are accepted gzip-encoded (CrateDB sends them uncompressed; a
//! compressing proxy may not); large request bodies are sent gzipped (by default only to
//! servers off this machine).

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::Client;
use serde_json::{json, Value};

#[test]
fn responses_are_accepted_gzip_encoded() {
    let rows: Vec<Vec<Value>> = (0..500)
        .map(|i| vec![json!(i), json!(format!("row {i}"))])
        .collect();
    let expected = rows.clone();
    let server = TestServer::builder()
        .gzip(true)
        .handler(move |_| Reply::rows(&["id", "name"], rows.clone()))
        .start();
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let r = client
        .sql("SELECT id, name FROM t", &[] as &[Value])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.rows, expected);
    assert_eq!(r.rowcount, 500);
    let req = server.requests().remove(0);
    assert!(req
        .header("accept-encoding")
        .is_some_and(|v| v.contains("gzip")));
    assert_eq!(server.gzipped_responses(), 1);
}

#[test]
fn plain_responses_still_work() {
    let server = TestServer::start();
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let r = client
        .sql("UPDATE t SET a = 1", &[] as &[Value])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.rowcount, 1);
    assert_eq!(server.gzipped_responses(), 0);
}

#[test]
fn large_requests_are_sent_gzipped() {
    let server = TestServer::start();
    let client = Client::builder()
        .url(&server.url())
        .gzip_requests_over(Some(1024))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let rows: Vec<Vec<Value>> = (0..200)
        .map(|i| vec![json!(i), json!("x".repeat(20))])
        .collect();
    let r = client
        .bulk("INSERT INTO t (a, b) VALUES ($1, $2)", &rows)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.results.len(), 200);
    client
        .sql("SELECT 1", &[1])
        .unwrap_or_else(|e| panic!("{e}"));
    let requests = server.requests();
    assert!(requests[0].gzipped);
    assert_eq!(requests[0].header("content-encoding"), Some("gzip"));
    assert_eq!(requests[0].bulk_args.as_ref(), Some(&rows));
    // Small bodies go uncompressed.
    assert!(!requests[1].gzipped);
}

#[test]
fn requests_to_a_loopback_server_go_uncompressed_by_default() {
    // Compressing costs client CPU that a loopback connection never wins back (docs/performance.md,
    // "Request compression"); servers off this machine get bodies from 256 KiB compressed.
    let server = TestServer::start();
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let rows: Vec<Vec<Value>> = (0..20_000)
        .map(|i| vec![json!(i), json!("x".repeat(20))])
        .collect();
    client
        .bulk("INSERT INTO t (a, b) VALUES ($1, $2)", &rows)
        .unwrap_or_else(|e| panic!("{e}"));
    let req = server.requests().remove(0);
    let sent = serde_json::to_vec(&rows).unwrap_or_else(|e| panic!("{e}"));
    assert!(sent.len() > cratedb_client::DEFAULT_GZIP_REQUESTS_OVER);
    assert!(!req.gzipped);
    assert_eq!(req.header("content-encoding"), None);
    assert_eq!(req.bulk_args.as_ref(), Some(&rows));
}

#[test]
fn request_gzip_can_be_turned_off() {
    let server = TestServer::start();
    let client = Client::builder()
        .url(&server.url())
        .gzip_requests_over(None)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let big = "x".repeat(1_000_000);
    client
        .sql("SELECT $1", &[&big])
        .unwrap_or_else(|e| panic!("{e}"));
    let req = server.requests().remove(0);
    assert!(!req.gzipped);
    assert_eq!(req.args, vec![json!(big)]);
}
