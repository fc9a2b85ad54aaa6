//! The test server itself speaks PROTOCOL.md: checked with raw HTTP requests.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use cratedb_client::testing::{Reply, TestServer};
use serde_json::{json, Value};

/// Sends one raw request with `Connection: close` and returns (status, body).
fn raw(server: &TestServer, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(server.addr()).unwrap_or_else(|e| panic!("{e}"));
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn json_body(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[test]
fn rejects_args_and_bulk_args_together() {
    let server = TestServer::start();
    let (status, body) = raw(
        &server,
        "POST",
        "/_sql",
        r#"{"stmt":"SELECT 1","args":[],"bulk_args":[]}"#,
    );
    assert_eq!(status, 400);
    assert_eq!(json_body(&body)["error"]["code"], json!(4000));
    assert_eq!(server.request_count(), 0);
}

#[test]
fn rejects_unknown_keys_and_bad_json_as_cratedb_does() {
    // Each answer as CrateDB 6.4.3 gives it.
    let server = TestServer::start();
    let (status, body) = raw(&server, "POST", "/_sql", r#"{"stmt":"SELECT 1","foo":1}"#);
    assert_eq!(status, 400);
    assert_eq!(
        json_body(&body),
        json!({"error": {"message": "SQLParseException[Can't parse [{\"stmt\":\"SELECT 1\",\"foo\":1}]. Expecting payload with `stmt` string and `args` or `bulk_args` arrays]", "code": 4000}})
    );
    let (status, _) = raw(&server, "POST", "/_sql", "not json");
    assert_eq!(status, 400);
    let (status, body) = raw(&server, "POST", "/_sql", "");
    assert_eq!(status, 400);
    assert_eq!(
        json_body(&body)["error"]["message"],
        json!("SQLParseException[Missing request body]")
    );
    let (status, body) = raw(&server, "POST", "/_sql", r#"{"args":[]}"#);
    assert_eq!(status, 500);
    assert_eq!(
        json_body(&body),
        json!({"error": {"message": "SQLParseSourceException[Field [stmt] is missing]", "code": 5000}})
    );
    let (status, body) = raw(
        &server,
        "POST",
        "/_sql",
        r#"{"stmt":"SELECT 1","bulk_args":[1]}"#,
    );
    assert_eq!(status, 500);
    assert_eq!(
        json_body(&body)["error"]["message"],
        json!("SQLParseSourceException[`bulk_args` must contain a list of `args` (values list). Got unexpected: VALUE_NUMBER]")
    );
    let (status, body) = raw(
        &server,
        "POST",
        "/_sql",
        r#"{"stmt":"SELECT 1","args":"x"}"#,
    );
    assert_eq!(status, 500);
    assert_eq!(
        json_body(&body)["error"]["message"],
        json!("SQLParseSourceException[`args` must start with an array, not `VALUE_STRING`]")
    );
    assert_eq!(server.request_count(), 0);
}

#[test]
fn regular_and_bulk_shapes() {
    let server = TestServer::start();
    let (status, body) = raw(&server, "POST", "/_sql", r#"{"stmt":"UPDATE t SET a = 1"}"#);
    assert_eq!(status, 200);
    let v = json_body(&body);
    assert_eq!(v["cols"], json!([]));
    assert_eq!(v["rows"], json!([[]]));
    assert_eq!(v["rowcount"], json!(1));
    assert!(v["duration"].is_f64());
    let (_, body) = raw(
        &server,
        "POST",
        "/_sql",
        r#"{"stmt":"INSERT","bulk_args":[[1],[2]]}"#,
    );
    let v = json_body(&body);
    assert_eq!(v["results"], json!([{"rowcount": 1}, {"rowcount": 1}]));
    assert_eq!(v["cols"], json!([]));
}

#[test]
fn error_body_and_trace() {
    let server = TestServer::with_handler(|_| Reply::error(4041, "RelationUnknown[x]"));
    let (status, body) = raw(&server, "POST", "/_sql", r#"{"stmt":"SELECT 1"}"#);
    assert_eq!(status, 404);
    let v = json_body(&body);
    assert_eq!(
        v,
        json!({"error": {"message": "RelationUnknown[x]", "code": 4041}})
    );
    let (_, body) = raw(
        &server,
        "POST",
        "/_sql?error_trace=true",
        r#"{"stmt":"SELECT 1"}"#,
    );
    assert!(json_body(&body)["error_trace"].is_string());
}

#[test]
fn node_info_and_unknown_paths() {
    let server = TestServer::builder()
        .version("5.10.3")
        .node_name("n7")
        .start();
    let (status, body) = raw(&server, "GET", "/", "");
    assert_eq!(status, 200);
    let v = json_body(&body);
    assert_eq!(v["ok"], json!(true));
    assert_eq!(v["name"], json!("n7"));
    assert_eq!(v["version"]["number"], json!("5.10.3"));
    let (status, body) = raw(&server, "HEAD", "/", "");
    assert_eq!((status, body.as_str()), (200, ""));
    let (status, body) = raw(&server, "GET", "/_blobs/x", "");
    assert_eq!(
        (status, body.as_str()),
        (404, "Requested file [_blobs/x] was not found")
    );
    let (status, body) = raw(&server, "POST", "/nothing", "{}");
    assert_eq!(
        (status, body.as_str()),
        (403, "POST method is not allowed for [/nothing]")
    );
    assert_eq!(server.root_request_count(), 2);
}

#[test]
fn handler_panic_becomes_a_5000_error() {
    let server = TestServer::with_handler(|_| panic!("handler bug"));
    let (status, body) = raw(&server, "POST", "/_sql", r#"{"stmt":"SELECT 1"}"#);
    assert_eq!(status, 500);
    assert_eq!(json_body(&body)["error"]["code"], json!(5000));
}

#[test]
fn stop_refuses_and_restart_listens_on_the_same_port() {
    let server = TestServer::start();
    let port = server.port();
    assert!(server.is_running());
    server.stop();
    assert!(!server.is_running());
    assert!(TcpStream::connect(server.addr()).is_err());
    server.restart().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(server.port(), port);
    let (status, _) = raw(&server, "GET", "/", "");
    assert_eq!(status, 200);
}
