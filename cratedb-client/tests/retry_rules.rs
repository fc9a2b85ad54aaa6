//! What is resent to another server: SQL errors never; requests that cannot have been sent
//! always; requests whose outcome is unknown (read timeout, connection lost after sending) only
//! for reads, or for writes when `retry_writes(true)`.

use std::time::Duration;

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::{Client, ClientBuilder, Error};
use serde_json::{json, Value};

const NO_ARGS: &[Value] = &[];

fn builder(servers: &[&TestServer]) -> ClientBuilder {
    Client::builder()
        .servers(servers.iter().map(|s| s.addr()))
        .timeout(Duration::from_millis(300))
}

fn client(servers: &[&TestServer]) -> Client {
    builder(servers).build().unwrap_or_else(|e| panic!("{e}"))
}

fn slow() -> TestServer {
    TestServer::with_handler(|_| Reply::delay(Duration::from_millis(1500), Reply::rowcount(1)))
}

#[test]
fn duplicate_key_is_never_retried() {
    let servers = [
        TestServer::with_handler(|_| Reply::error(4091, "DuplicateKeyException[x]")),
        TestServer::with_handler(|_| Reply::error(4091, "DuplicateKeyException[x]")),
    ];
    let c = client(&[&servers[0], &servers[1]]);
    let e = c.sql("INSERT INTO t (id) VALUES ($1)", &[json!(1)]).err();
    assert!(e.as_ref().is_some_and(Error::is_duplicate_key), "{e:?}");
    assert_eq!(servers[0].request_count() + servers[1].request_count(), 1);
    // An SQL error does not make the server inactive.
    assert!(c.inactive_servers().is_empty());
    // Nor is a read with an SQL error retried.
    let e = c.sql("SELECT * FROM t", NO_ARGS).err();
    assert!(e.is_some());
    assert_eq!(servers[0].request_count() + servers[1].request_count(), 2);
}

#[test]
fn write_is_not_resent_after_read_timeout() {
    let servers = [slow(), TestServer::start()];
    let c = client(&[&servers[0], &servers[1]]);
    match c.sql("INSERT INTO t (id) VALUES ($1)", &[json!(1)]) {
        Err(Error::Connection { server, reason }) => {
            assert_eq!(server, servers[0].addr());
            assert!(reason.contains("may have been executed"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(servers[0].request_count(), 1);
    assert_eq!(servers[1].request_count(), 0);
    assert_eq!(c.inactive_servers(), vec![servers[0].addr()]);
}

#[test]
fn bulk_is_not_resent_after_read_timeout() {
    let servers = [slow(), TestServer::start()];
    let c = client(&[&servers[0], &servers[1]]);
    let r = c.bulk("INSERT INTO t (id) VALUES ($1)", &[[1], [2]]);
    assert!(matches!(r, Err(Error::Connection { .. })), "{r:?}");
    assert_eq!(servers[1].request_count(), 0);
}

#[test]
fn read_is_resent_after_read_timeout() {
    for stmt in [
        "SELECT * FROM t",
        "  -- leading comment\n/* block */ select 1",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "SHOW TABLES",
        "EXPLAIN SELECT 1",
    ] {
        let servers = [slow(), TestServer::start()];
        let c = client(&[&servers[0], &servers[1]]);
        let r = c.sql(stmt, NO_ARGS);
        assert!(r.is_ok(), "{stmt}: {r:?}");
        assert_eq!(servers[0].request_count(), 1, "{stmt}");
        assert_eq!(servers[1].request_count(), 1, "{stmt}");
    }
}

#[test]
fn typed_read_and_server_info_are_resent_too() {
    let servers = [
        slow(),
        TestServer::with_handler(|_| Reply::rows(&["n"], vec![vec![json!(7)]])),
    ];
    let c = client(&[&servers[0], &servers[1]]);
    let r = c.query_as::<(i64,), _>("SELECT n FROM t", NO_ARGS);
    assert_eq!(r.map(|r| r.rows).ok(), Some(vec![(7,)]));
}

#[test]
fn write_is_resent_when_the_caller_opts_in() {
    let servers = [slow(), TestServer::start()];
    let c = builder(&[&servers[0], &servers[1]])
        .retry_writes(true)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let r = c.sql("INSERT INTO t (id) VALUES ($1)", &[json!(1)]);
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(servers[1].request_count(), 1);
}

#[test]
fn connection_lost_after_sending() {
    // The server reads the request, then closes without answering.
    let servers = [
        TestServer::with_handler(|_| Reply::close()),
        TestServer::start(),
    ];
    let c = client(&[&servers[0], &servers[1]]);
    let r = c.sql("DELETE FROM t WHERE id = $1", &[json!(1)]);
    assert!(matches!(r, Err(Error::Connection { .. })), "{r:?}");
    assert_eq!(servers[1].request_count(), 0);

    let servers = [
        TestServer::with_handler(|_| Reply::close()),
        TestServer::start(),
    ];
    let c = client(&[&servers[0], &servers[1]]);
    assert!(c.sql("SELECT 1", NO_ARGS).is_ok());
    assert_eq!(servers[1].request_count(), 1);
}

#[test]
fn write_fails_over_when_it_cannot_have_been_sent() {
    let servers = [TestServer::start(), TestServer::start()];
    servers[0].stop();
    let c = client(&[&servers[0], &servers[1]]);
    let r = c.sql("INSERT INTO t (id) VALUES ($1)", &[json!(1)]);
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(servers[1].request_count(), 1);
}

#[test]
fn timeout_on_a_single_server_read_lists_it() {
    let server = slow();
    let c = client(&[&server]);
    match c.sql("SELECT 1", NO_ARGS) {
        Err(Error::AllServersFailed { failures }) => {
            assert_eq!(failures.len(), 1);
            assert_eq!(failures[0].0, server.addr());
            assert!(failures[0].1.contains("no answer in time"), "{failures:?}");
        }
        other => panic!("{other:?}"),
    }
}
