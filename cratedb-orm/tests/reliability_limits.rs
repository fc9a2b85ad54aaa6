//! Limits: a result larger than the client's body limit is a clear error (not an OOM); very
//! large session inserts are chunked under CrateDB's statement-length limit and the batch size;
//! a request the server refuses as too large (413, `http.max_content_length`) keeps every row
//! pending, and a smaller batch size gets them through.

mod models;

use std::time::Instant;

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::Client;
use cratedb_orm::raw::raw;
use cratedb_orm::session::{StatementArgs, DEFAULT_MAX_STATEMENT_LEN};
use cratedb_orm::{Error, Session};
use models::{Character, City};

const MB: usize = 1024 * 1024;

fn character(i: usize) -> Character {
    Character {
        name: Some(format!("Character {i}")),
        quote: format!("{i}: {}", "Don't panic. ".repeat(8)),
        ..Character::default()
    }
}

#[test]
fn a_result_over_the_body_limit_is_a_clear_error() {
    let server = TestServer::builder()
        .handler(|_| Reply::huge(4 * MB))
        .gzip(false)
        .start();
    let client = Client::builder()
        .server(&server.addr())
        .body_limit(MB as u64)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut session = Session::new(client.clone());
    let errors = [
        session.query::<Character>().all().err(),
        raw("SELECT x FROM t").fetch::<(String,)>(&client).err(),
        session.find::<Character>("a").err(),
    ];
    for e in errors {
        match e {
            Some(Error::Client(cratedb_client::Error::BodyTooLarge { server: s, limit })) => {
                assert_eq!(s, server.addr());
                assert_eq!(limit, MB as u64);
            }
            other => panic!("expected BodyTooLarge, got {other:?}"),
        }
    }
    let shown = session
        .query::<Character>()
        .all()
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        shown.contains("exceeds the body limit of 1048576 bytes"),
        "{shown}"
    );
    assert!(shown.contains(&server.addr()), "{shown}");
}

#[test]
fn large_multi_row_inserts_are_chunked_under_the_statement_limit() {
    let mut session =
        Session::new(Client::new("crate://127.0.0.1:9").unwrap_or_else(|e| panic!("{e}")));
    let started = Instant::now();
    for i in 0..25_000 {
        session.add(character(i));
    }
    let statements = session.pending_statements();
    let planned = started.elapsed();
    let mut rows = 0;
    let mut longest = 0;
    for s in &statements {
        assert!(
            s.sql.len() <= DEFAULT_MAX_STATEMENT_LEN,
            "{} chars",
            s.sql.len()
        );
        assert!(s.rows <= 10_000);
        longest = longest.max(s.sql.len());
        rows += s.rows;
        if let StatementArgs::Single(args) = &s.args {
            // One placeholder per argument, the values never in the text.
            assert!(s.sql.contains(&format!("${}", args.len())));
            assert!(!s.sql.contains("Don't panic"));
        }
    }
    assert_eq!(rows, 25_000);
    println!(
        "25,000 new characters: {} multi-row INSERT … RETURNING statements, longest {longest} \
         chars (limit {DEFAULT_MAX_STATEMENT_LEN}), planned in {planned:.2?}",
        statements.len()
    );

    // A tighter limit gives smaller statements.
    let mut session =
        Session::new(Client::new("crate://127.0.0.1:9").unwrap_or_else(|e| panic!("{e}")))
            .with_max_statement_len(20_000);
    for i in 0..2_000 {
        session.add(character(i));
    }
    let statements = session.pending_statements();
    assert!(statements.iter().all(|s| s.sql.len() <= 20_000));
    assert_eq!(statements.iter().map(|s| s.rows).sum::<usize>(), 2_000);
    assert!(statements.len() > 1);
}

#[test]
fn large_bulk_inserts_are_chunked_by_batch_size() {
    let mut session =
        Session::new(Client::new("crate://127.0.0.1:9").unwrap_or_else(|e| panic!("{e}")))
            .with_batch_size(4_000);
    for i in 0..25_000 {
        session.add(City {
            name: format!("City {i}"),
            ..City::default()
        });
    }
    let statements = session.pending_statements();
    let sizes: Vec<usize> = statements.iter().map(|s| s.rows).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 25_000);
    assert!(sizes.iter().all(|&n| n <= 4_000), "{sizes:?}");
    assert_eq!(statements.len(), 7);
    println!("25,000 new cities, batch size 4,000: bulk requests of {sizes:?} rows");
}

#[test]
fn a_request_the_server_refuses_as_too_large_keeps_rows_pending() {
    // The server refuses any request of more than 500 rows like CrateDB refuses bodies over
    // `http.max_content_length`: 413 with an empty body.
    let server = TestServer::with_handler(|req| match &req.bulk_args {
        Some(rows) if rows.len() > 500 => Reply::status(413),
        Some(rows) => Reply::bulk(vec![1; rows.len()]),
        None => Reply::rowcount(1),
    });
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let mut session = Session::new(client.clone());
    let handles: Vec<_> = (0..1_200)
        .map(|i| {
            session.add(City {
                name: format!("City {i}"),
                ..City::default()
            })
        })
        .collect();
    let err = match session.commit() {
        Err(Error::Commit(e)) => e,
        other => panic!("expected a failed commit, got {other:?}"),
    };
    let shown = err.to_string();
    assert!(
        shown.contains("413") && shown.contains("max_content_length"),
        "{shown}"
    );
    assert_eq!(err.written, 0);
    assert!(handles.iter().all(|&h| session.is_pending(h)));
    assert_eq!(server.request_count(), 1, "a 413 is not retried");

    // Smaller requests get through; the same session writes everything it kept.
    let mut session = session.with_batch_size(500);
    session.commit().unwrap_or_else(|e| panic!("{e}"));
    assert!(handles.iter().all(|&h| !session.is_pending(h)));
    let sent: usize = server
        .requests()
        .iter()
        .skip(1)
        .map(|r| r.bulk_args.as_ref().map_or(0, Vec::len))
        .sum();
    assert_eq!(sent, 1_200);
}
