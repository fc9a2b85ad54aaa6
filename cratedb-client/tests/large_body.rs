//! Large answers through `query_with` (over the size parsed from one buffer): received in
//! chunks and parsed through a reader that frees them, with the same rows, errors, body limit
//! and failover as a small answer.

use std::time::Duration;

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::{Client, Error, RowSink};
use serde::de::SeqAccess;
use serde_json::Value;

const NO_ARGS: &[Value] = &[];
const MB: usize = 1024 * 1024;
/// Rows of `body_of(ROWS)`: about 6.5 MB, over the 4 MiB parsed from one buffer.
const ROWS: u64 = 100_000;

/// A `{"cols", "rows", "rowcount"}` body (`rows` first when `rows_first`).
fn body_of(rows: u64, rows_first: bool) -> String {
    let mut array = String::from("[");
    for i in 0..rows {
        if i > 0 {
            array.push(',');
        }
        array.push_str(&format!(
            r#"[{i},"name \"{i}\" \u00e9",{{"n":{i},"tags":["a","b"]}},null]"#
        ));
    }
    array.push(']');
    let cols = r#""cols":["id","name","details","extra"]"#;
    if rows_first {
        format!(r#"{{"rows":{array},{cols},"rowcount":{rows},"duration":2.5}}"#)
    } else {
        format!(r#"{{{cols},"rows":{array},"rowcount":{rows},"duration":2.5}}"#)
    }
}

/// Checks each row's values and that rows come in order.
#[derive(Default)]
struct Ordered {
    cols: Vec<String>,
    rows: u64,
    /// Row number at which to reject the second column.
    reject_at: Option<u64>,
}

impl RowSink for Ordered {
    fn columns(&mut self, cols: &[String]) {
        self.cols = cols.to_vec();
    }

    fn row<'de, A: SeqAccess<'de>>(&mut self, mut row: A) -> Result<(), A::Error> {
        let id = row.next_element::<u64>()?;
        assert_eq!(id, Some(self.rows), "rows out of order");
        if self.reject_at == id {
            row.next_element::<i64>()?;
        }
        let name = row.next_element::<String>()?;
        assert_eq!(name, Some(format!("name \"{}\" é", self.rows)));
        let details = row.next_element::<Value>()?;
        assert_eq!(
            details
                .as_ref()
                .and_then(|d| d.get("n"))
                .and_then(Value::as_u64),
            Some(self.rows)
        );
        self.rows += 1;
        Ok(())
    }
}

fn serving(body: String, gzip: bool) -> (TestServer, Client) {
    let server = TestServer::builder()
        .gzip(gzip)
        .handler(move |_| Reply::raw(200, body.clone()))
        .start();
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    (server, client)
}

#[test]
fn every_row_arrives_in_order() {
    let body = body_of(ROWS, false);
    assert!(body.len() > 4 * MB);
    // With a Content-Length, and gzip-encoded (no usable length: read in chunks either way).
    for gzip in [false, true] {
        let (server, client) = serving(body.clone(), gzip);
        let mut sink = Ordered::default();
        let info = client
            .query_with("SELECT * FROM t", NO_ARGS, &mut sink)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sink.rows, ROWS);
        assert_eq!(sink.cols, ["id", "name", "details", "extra"]);
        assert_eq!(info.cols, sink.cols);
        assert_eq!((info.rows, info.rowcount), (ROWS as usize, ROWS as i64));
        assert_eq!(info.duration, 2.5);
        assert_eq!(server.gzipped_responses(), usize::from(gzip));
    }
}

#[test]
fn rows_before_columns_in_a_large_body() {
    let (_server, client) = serving(body_of(ROWS, true), false);
    let mut sink = Ordered::default();
    let info = client
        .query_with("SELECT * FROM t", NO_ARGS, &mut sink)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((sink.rows, info.rows), (ROWS, ROWS as usize));
    assert_eq!(sink.cols, ["id", "name", "details", "extra"]);
}

#[test]
fn same_rows_as_query_as() {
    let (_server, client) = serving(body_of(ROWS, false), false);
    let typed = client
        .query_as::<(u64, String, Value, Option<i64>), _>("SELECT * FROM t", NO_ARGS)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(typed.rows.len() as u64, ROWS);
    let mut sink = Ordered::default();
    client
        .query_with("SELECT * FROM t", NO_ARGS, &mut sink)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sink.rows, typed.rows.len() as u64);
}

fn protocol_message(
    r: cratedb_client::Result<impl std::fmt::Debug>,
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

#[test]
fn malformed_large_body_is_a_protocol_error() {
    let mut body = body_of(ROWS, false);
    // Break the JSON well past the first chunks.
    let at = body.len() - 1000;
    body.replace_range(at..at + 1, "<");
    let (server, client) = serving(body, false);
    let message = protocol_message(
        client.query_with("SELECT * FROM t", NO_ARGS, &mut Ordered::default()),
        &server,
    );
    assert!(message.starts_with("response is not JSON ("), "{message}");
    assert!(message.contains("line 1 column"), "{message}");
    // The excerpt of the body's start, as for a small body.
    assert!(
        message.contains(r#"{"cols":["id","name","details","extra"]"#),
        "{message}"
    );
    // Not a node failure: the server is still used.
    assert!(client.inactive_servers().is_empty());
}

#[test]
fn truncated_large_json_is_a_protocol_error() {
    let body = body_of(ROWS, false);
    let cut = body.get(..body.len() - 500).unwrap_or_default().to_string();
    let len = cut.len();
    let (server, client) = serving(cut, false);
    let message = protocol_message(
        client.query_with("SELECT * FROM t", NO_ARGS, &mut Ordered::default()),
        &server,
    );
    assert!(
        message.starts_with(&format!("truncated JSON body ({len} bytes): EOF")),
        "{message}"
    );
}

#[test]
fn sink_error_in_a_large_body_names_row_and_column() {
    let (_server, client) = serving(body_of(ROWS, false), false);
    let mut sink = Ordered {
        reject_at: Some(ROWS - 3),
        ..Ordered::default()
    };
    match client.query_with("SELECT * FROM t", NO_ARGS, &mut sink) {
        Err(Error::Decode {
            row,
            column,
            column_name,
            message,
        }) => {
            assert_eq!(
                (row as u64, column, column_name.as_deref()),
                (ROWS - 3, Some(1), Some("name"))
            );
            assert!(message.contains("expected i64"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn large_body_over_the_limit() {
    for gzip in [false, true] {
        let server = TestServer::builder()
            .gzip(gzip)
            .handler(|_| Reply::huge(6 * MB))
            .start();
        let client = Client::builder()
            .url(&server.url())
            .body_limit(5 * MB as u64)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        match client.query_with("SELECT x FROM t", NO_ARGS, &mut Ordered::default()) {
            Err(Error::BodyTooLarge { server: s, limit }) => {
                assert_eq!((s, limit), (server.addr(), 5 * MB as u64));
            }
            other => panic!("expected BodyTooLarge, got {other:?}"),
        }
        assert!(client.inactive_servers().is_empty());
    }
}

#[test]
fn large_body_cut_off_moves_a_read_on() {
    let body = body_of(ROWS, false);
    let cut_body = body.clone();
    let cutting = TestServer::builder()
        .gzip(false)
        .handler(move |_| Reply::truncated(Reply::raw(200, cut_body.clone())))
        .start();
    let healthy = TestServer::builder()
        .gzip(false)
        .handler(move |_| Reply::raw(200, body.clone()))
        .start();
    let client = Client::builder()
        .servers([cutting.addr(), healthy.addr()])
        .retry_interval(Duration::from_secs(30))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut sink = Ordered::default();
    let info = client
        .query_with("SELECT * FROM t", NO_ARGS, &mut sink)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((sink.rows, info.rows), (ROWS, ROWS as usize));
    assert_eq!(client.inactive_servers(), [cutting.addr()]);
    assert_eq!((cutting.request_count(), healthy.request_count()), (1, 1));

    // A write is not resent: the cut answer is reported, naming the server.
    let client = Client::builder()
        .servers([cutting.addr(), healthy.addr()])
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let message = protocol_message(
        client.query_with(
            "UPDATE t SET x = 1 RETURNING *",
            NO_ARGS,
            &mut Ordered::default(),
        ),
        &cutting,
    );
    assert!(
        message.contains("truncated or unreadable response body"),
        "{message}"
    );
    assert_eq!(healthy.request_count(), 1);
}
