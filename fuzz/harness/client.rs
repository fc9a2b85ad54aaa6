//! The checks behind the client's fuzz targets, shared by `cargo fuzz` (`fuzz_targets/`) and the
//! seed-corpus replay test (`cratedb-client/tests/fuzz_corpus.rs`). Each function takes any bytes
//! and panics only when the library misbehaves.

// Each fuzz target uses one of these checks.
#![allow(dead_code)]

use cratedb_client::{BulkResponse, Client, ConnectionUrl, Error, Rows, SqlResponse};
use serde_json::Value;

const SERVER: &str = "fuzz-host:4200";

/// The input as text, or `None` for bytes that are not UTF-8 (a URL is a `&str`).
fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// `ConnectionUrl::parse` and `Client::new`: a URL with at least one server and valid ports,
/// or `InvalidUrl` / `InvalidConfig` with a message; the password never in `Debug`.
pub fn url_parser(data: &[u8]) {
    let Some(input) = text(data) else { return };
    match ConnectionUrl::parse(input) {
        Ok(url) => {
            assert!(
                !url.servers().is_empty(),
                "a URL without servers: {input:?}"
            );
            for server in url.servers() {
                assert_ne!(server.port(), 0, "port 0 accepted: {input:?}");
                assert!(!server.host().is_empty(), "empty host accepted: {input:?}");
            }
            if let Some(password) = url.password() {
                assert_eq!(format!("{password:?}"), "<redacted>");
                let debug = format!("{url:?}");
                // A password long enough not to occur by chance in host names or options.
                if password.expose().len() >= 12 && !password.expose().contains("redacted") {
                    assert!(
                        !debug.contains(password.expose()),
                        "password in Debug: {debug}"
                    );
                }
            }
        }
        Err(e) => {
            assert!(matches!(e, Error::InvalidUrl { .. }), "{e:?}");
            assert!(!e.to_string().is_empty());
        }
    }
    match Client::new(input) {
        Ok(client) => assert!(!client.servers().is_empty()),
        Err(e) => assert!(
            matches!(e, Error::InvalidUrl { .. } | Error::InvalidConfig { .. }),
            "{e:?}"
        ),
    }
}

/// Every decoder of a `/_sql` answer over the same bytes: a response, or a typed error that
/// names the server (or the row and column for typed rows).
pub fn response_decoder(data: &[u8]) {
    check(SqlResponse::from_body(SERVER, data).map(|_| ()));
    check(Rows::<Vec<Value>>::from_body(SERVER, data).map(|_| ()));
    check(Rows::<(String, i64)>::from_body(SERVER, data).map(|_| ()));
    check(Rows::<(Option<bool>, f64, Vec<String>)>::from_body(SERVER, data).map(|_| ()));
    for rows in [0, 1, 3] {
        if let Ok(r) = BulkResponse::from_body(SERVER, data, rows) {
            assert_eq!(r.results.len(), rows);
            assert!(r.failed_rows().len() <= rows);
        }
    }
    for status in [400, 401, 404, 409, 413, 500] {
        let e = Error::from_http_answer(SERVER, status, data);
        let shown = e.to_string();
        assert!(shown.contains(SERVER), "error without its server: {shown}");
        assert!(matches!(e, Error::Sql { .. } | Error::Http { .. }), "{e:?}");
    }
}

fn check(result: Result<(), Error>) {
    match result {
        Ok(()) => {}
        Err(e @ Error::Protocol { .. }) => {
            assert!(e.to_string().contains(SERVER), "{e}");
        }
        Err(Error::Decode { message, .. }) => assert!(!message.is_empty()),
        Err(e) => panic!("unexpected error kind from a decoder: {e:?}"),
    }
}
