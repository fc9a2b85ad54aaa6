//! Bulk requests and every bulk answer shape: all rows ok, bare `-2` failures, per-row errors
//! (CrateDB 5.10+), a top-level error for the whole request, and a wrong result count.

use cratedb_client::testing::{BulkRow, Reply, TestServer};
use cratedb_client::{BulkResult, Client, Error, SqlError};
use serde_json::{json, Value};

fn rows(n: usize) -> Vec<Vec<Value>> {
    (0..n)
        .map(|i| vec![json!(i), json!(format!("name {i}"))])
        .collect()
}

const INSERT: &str = "INSERT INTO \"t\" (\"id\", \"name\") VALUES ($1, $2)";

#[test]
fn all_rows_ok_with_default_handler() {
    let server = TestServer::start();
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let r = client
        .bulk(INSERT, &rows(3))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.results.len(), 3);
    assert!(r.results.iter().all(BulkResult::is_ok));
    assert!(r.failed_rows().is_empty());
    let req = server.requests().remove(0);
    assert_eq!(req.stmt, INSERT);
    assert_eq!(req.bulk_args, Some(rows(3)));
    assert!(req.args.is_empty());
}

#[test]
fn bare_failed_rows() {
    let server = TestServer::with_handler(|_| Reply::bulk(vec![1, -2, 1, -2]));
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let r = client
        .bulk(INSERT, &rows(4))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.failed_rows(), vec![1, 3]);
    assert_eq!(
        r.results[1],
        BulkResult {
            rowcount: -2,
            error: None
        }
    );
}

#[test]
fn per_row_errors() {
    let server = TestServer::with_handler(|_| {
        Reply::bulk_results(vec![
            BulkRow::Ok(1),
            BulkRow::Error(
                4091,
                "DuplicateKeyException[A document with the same primary key exists already]".into(),
            ),
            BulkRow::Failed,
        ])
    });
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let r = client
        .bulk(INSERT, &rows(3))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.failed_rows(), vec![1, 2]);
    let error = r.results[1].error.clone();
    assert!(
        error.as_ref().is_some_and(SqlError::is_duplicate_key),
        "{error:?}"
    );
    assert!(r.results[2].error.is_none());
    assert!(r.results[0].is_ok());
}

#[test]
fn top_level_error_fails_the_whole_request() {
    let server = TestServer::with_handler(|_| {
        Reply::error(4000, "SQLParseException[line 1:8: no viable alternative]")
    });
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    match client.bulk(INSERT, &rows(2)) {
        Err(Error::Sql { status, error, .. }) => {
            assert_eq!(status, 400);
            assert!(error.is_syntax_error());
        }
        other => panic!("{other:?}"),
    }
    let server = TestServer::with_handler(|_| {
        Reply::error(4004, "UnsupportedFeatureException[Bulk operations for statements that return result sets is not supported]")
    });
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let e = client
        .bulk("INSERT INTO t VALUES ($1) RETURNING _id", &[[1]])
        .err();
    assert_eq!(
        e.as_ref().and_then(Error::sql_error).map(|e| e.code),
        Some(4004)
    );
}

#[test]
fn wrong_number_of_results_is_a_protocol_error() {
    let server = TestServer::with_handler(|_| Reply::bulk(vec![1]));
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    match client.bulk(INSERT, &rows(2)) {
        Err(Error::Protocol { server: s, message }) => {
            assert_eq!(s, server.addr());
            assert!(message.contains("1 results for 2"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bulk_response_without_results_is_a_protocol_error() {
    let server = TestServer::with_handler(|_| Reply::rowcount(2));
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        client.bulk(INSERT, &rows(2)),
        Err(Error::Protocol { .. })
    ));
}

#[test]
fn empty_bulk() {
    let server = TestServer::start();
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let r = client
        .bulk(INSERT, &Vec::<Vec<Value>>::new())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(r.results.is_empty());
}
