//! The response body limit: bodies over it fail with `BodyTooLarge` (before or while reading,
//! plain or gzip-encoded); the default takes large results.

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::{Client, Error, DEFAULT_BODY_LIMIT};
use serde_json::Value;

const NO_ARGS: &[Value] = &[];
const MB: usize = 1024 * 1024;

fn limited(server: &TestServer, limit: u64) -> Client {
    Client::builder()
        .url(&server.url())
        .body_limit(limit)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn assert_too_large(
    r: cratedb_client::Result<impl std::fmt::Debug>,
    server: &TestServer,
    limit: u64,
) {
    match r {
        Err(Error::BodyTooLarge {
            server: s,
            limit: l,
        }) => {
            assert_eq!(s, server.addr());
            assert_eq!(l, limit);
        }
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
}

#[test]
fn plain_body_over_the_limit() {
    let server = TestServer::builder()
        .gzip(false)
        .handler(|_| Reply::huge(2 * MB))
        .start();
    let client = limited(&server, MB as u64);
    assert_too_large(client.sql("SELECT x FROM t", NO_ARGS), &server, MB as u64);
    assert_too_large(
        client.query_as::<(String,), _>("SELECT x FROM t", NO_ARGS),
        &server,
        MB as u64,
    );
    // Not a node failure: the server stays active and the client usable.
    assert!(client.inactive_servers().is_empty());
    server.set_handler(|_| Reply::rowcount(1));
    assert!(client.sql("SELECT 1", NO_ARGS).is_ok());
}

#[test]
fn gzip_body_over_the_limit_after_decoding() {
    // Compressed (as by a compressing proxy: CrateDB itself does not), the body is far below
    // the limit; decoded, it is over it.
    let server = TestServer::builder()
        .gzip(true)
        .handler(|_| Reply::huge(2 * MB))
        .start();
    let client = limited(&server, MB as u64);
    assert_too_large(client.sql("SELECT x FROM t", NO_ARGS), &server, MB as u64);
    assert_eq!(server.gzipped_responses(), 1);
}

#[test]
fn body_just_under_the_limit() {
    let server = TestServer::builder()
        .gzip(false)
        .handler(|_| Reply::huge(MB / 2))
        .start();
    let client = limited(&server, MB as u64);
    let r = client
        .sql("SELECT x FROM t", NO_ARGS)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(r.rows.len() > 500);
}

#[test]
fn default_limit_takes_a_large_result() {
    assert!(DEFAULT_BODY_LIMIT >= 100 * MB as u64);
    let server = TestServer::with_handler(|_| Reply::huge(40 * MB));
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let r = client
        .query_as::<(String,), _>("SELECT x FROM t", NO_ARGS)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(r.rows.len() > 40_000);
}
