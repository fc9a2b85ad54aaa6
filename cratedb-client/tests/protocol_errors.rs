//! Answers that break the protocol — truncated, not JSON, the wrong shape — are `Protocol`
//! errors naming the server.

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::{Client, Error};
use serde_json::{json, Value};

const NO_ARGS: &[Value] = &[];

fn protocol_message<T: std::fmt::Debug>(
    r: cratedb_client::Result<T>,
    server: &TestServer,
) -> String {
    match r {
        Err(Error::Protocol { server: s, message }) => {
            assert_eq!(s, server.addr());
            message
        }
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

fn failover_message<T: std::fmt::Debug>(
    r: cratedb_client::Result<T>,
    server: &TestServer,
) -> String {
    match r {
        Err(Error::AllServersFailed { failures }) => {
            assert_eq!(failures.len(), 1, "{failures:?}");
            assert_eq!(failures[0].0, server.addr());
            failures[0].1.clone()
        }
        other => panic!("expected every server to fail, got {other:?}"),
    }
}

fn setup(reply: Reply) -> (TestServer, Client) {
    let server = TestServer::with_handler(move |_| reply.clone());
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    (server, client)
}

#[test]
fn truncated_body() {
    let rows = vec![vec![json!("x".repeat(100))]; 20];
    let (server, client) = setup(Reply::truncated(Reply::rows(&["a"], rows)));
    // A cut-off answer is a connection-level failure: a read moves on to the next server, and
    // with none left the error lists this server and the cause.
    let m = failover_message(client.sql("SELECT a FROM t", NO_ARGS), &server);
    assert!(m.contains("truncated"), "{m}");
    let m = failover_message(
        client.query_as::<(String,), _>("SELECT a FROM t", NO_ARGS),
        &server,
    );
    assert!(m.contains("truncated"), "{m}");
    // Writes: the statement ran, so nothing is resent and the error is the protocol error.
    let m = protocol_message(client.sql("INSERT INTO t VALUES (1)", NO_ARGS), &server);
    assert!(m.contains("truncated"), "{m}");
    assert_eq!(server.request_count(), 3);
}

#[test]
fn truncated_json_with_complete_http_body() {
    let (server, client) = setup(Reply::raw(200, r#"{"cols":["a"],"rows":[[1],[2"#));
    let m = protocol_message(client.sql("SELECT a FROM t", NO_ARGS), &server);
    assert!(m.contains("truncated JSON"), "{m}");
    let m = protocol_message(
        client.query_as::<(i64,), _>("SELECT a FROM t", NO_ARGS),
        &server,
    );
    assert!(m.contains("truncated JSON"), "{m}");
}

#[test]
fn not_json() {
    let (server, client) = setup(Reply::raw(200, "<html><body>proxy says hi</body></html>"));
    let m = protocol_message(client.sql("SELECT 1", NO_ARGS), &server);
    assert!(m.contains("not JSON") && m.contains("proxy says hi"), "{m}");
    let m = protocol_message(client.bulk("INSERT INTO t VALUES ($1)", &[[1]]), &server);
    assert!(m.contains("not JSON"), "{m}");
}

#[test]
fn empty_body() {
    let (server, client) = setup(Reply::raw(200, ""));
    let m = protocol_message(client.sql("SELECT 1", NO_ARGS), &server);
    assert!(m.contains("empty response body"), "{m}");
}

#[test]
fn wrong_shape() {
    let (server, client) = setup(Reply::json(json!({"cols": ["a"], "rows": 5})));
    let m = protocol_message(client.sql("SELECT 1", NO_ARGS), &server);
    assert!(m.contains("unexpected response shape"), "{m}");
    let m = protocol_message(client.query_as::<(i64,), _>("SELECT 1", NO_ARGS), &server);
    assert!(m.contains("unexpected response shape"), "{m}");
    let (server, client) = setup(Reply::json(json!([1, 2])));
    let m = protocol_message(client.sql("SELECT 1", NO_ARGS), &server);
    assert!(m.contains("unexpected response shape"), "{m}");
    let (server, client) = setup(Reply::json(json!({"rows": [[1]], "rowcount": "many"})));
    protocol_message(client.sql("SELECT 1", NO_ARGS), &server);
}

#[test]
fn bad_node_info() {
    let server = TestServer::start();
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    assert!(client.server_info().is_ok());
    // A server that is not CrateDB: it answers GET / with HTML.
    let html = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let addr = html.local_addr().map(|a| a.to_string()).unwrap_or_default();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        if let Ok((mut s, _)) = html.accept() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let body = "<html>hi</html>";
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let client = Client::new(&format!("crate://{addr}")).unwrap_or_else(|e| panic!("{e}"));
    match client.server_info() {
        Err(Error::Protocol { server, message }) => {
            assert_eq!(server, addr);
            assert!(message.contains("not JSON"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}
