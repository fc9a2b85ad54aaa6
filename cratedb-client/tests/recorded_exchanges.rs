//! The loopback test server answers as CrateDB does. Each file in `tests/fixtures/` is an
//! exchange recorded from a real CrateDB (see `tests/fixtures/README.md`): the same request is
//! sent to a [`TestServer`] whose handler builds the answer with [`Reply`]'s constructors from
//! the recorded one, as a test author would, and — where a default applies — to the default
//! handler; each answer must have the recorded status and headers, and a body with the same keys
//! in the same order, values of the same JSON kinds, and the same values except the ones that
//! vary from run to run (`duration`, `error_trace`, inferred `col_types`, the node's names).

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use cratedb_client::testing::{BulkRow, Reply, TestServer};
use serde_json::{json, Value};

#[path = "support/raw_http.rs"]
mod raw_http;
use raw_http::{read_answer, RawAnswer};

/// One recorded exchange.
struct Fixture {
    name: String,
    request: Value,
    response: Value,
}

fn fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let v: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            Fixture {
                name: v["name"].as_str().unwrap_or_default().to_string(),
                request: v["request"].clone(),
                response: v["response"].clone(),
            }
        })
        .collect()
}

/// An answer as read from the wire.
struct Answer {
    status: u16,
    /// Names in lower case, without `content-length`.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Whether the server closed the connection after the answer.
    closed: bool,
}

/// Sends the recorded request (with the headers the client sends, keep-alive) and reads the
/// answer by its length.
fn send(server: &TestServer, request: &Value) -> Answer {
    let method = request["method"].as_str().unwrap_or("POST");
    let mut target = request["path"].as_str().unwrap_or("/").to_string();
    if let Some(q) = request["query"].as_str().filter(|q| !q.is_empty()) {
        target = format!("{target}?{q}");
    }
    let body = match request.get("body") {
        Some(b) => b.to_string(),
        None => request["body_text"].as_str().unwrap_or("").to_string(),
    };
    let mut head = format!("{method} {target} HTTP/1.1\r\nhost: {}\r\n", server.addr());
    if let Some(headers) = request["headers"].as_object() {
        for (name, value) in headers {
            if name != "authorization" {
                head.push_str(&format!("{name}: {}\r\n", value.as_str().unwrap_or("")));
            }
        }
    }
    head.push_str(&format!(
        "accept-encoding: gzip\r\ncontent-length: {}\r\n\r\n",
        body.len()
    ));
    let mut stream = TcpStream::connect(server.addr()).unwrap_or_else(|e| panic!("{e}"));
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .unwrap_or_else(|e| panic!("{e}"));
    let RawAnswer {
        status,
        headers: all,
        body,
    } = read_answer(&mut stream).unwrap_or_else(|e| panic!("reading the answer: {e}"));
    let mut chunk = [0u8; 1];
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let closed = match stream.read(&mut chunk) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
    };
    Answer {
        status,
        headers: all
            .into_iter()
            .filter(|(n, _)| n != "content-length")
            .collect(),
        body,
        closed,
    }
}

/// The answer a test author builds with `Reply` for a recorded answer to `POST /_sql`.
fn reply_for(response: &Value) -> Reply {
    let status = response["status"].as_u64().unwrap_or(0) as u16;
    let Some(body) = response.get("body") else {
        let text = response["body_text"].as_str().unwrap_or("");
        return if status == 401 {
            Reply::unauthorized(text.trim_end_matches('\n'))
        } else {
            Reply::raw(status, text)
        };
    };
    if let Some(error) = body.get("error") {
        return Reply::error(
            error["code"].as_i64().unwrap_or(0),
            error["message"].as_str().unwrap_or(""),
        );
    }
    if let Some(results) = body["results"].as_array() {
        return Reply::bulk_results(
            results
                .iter()
                .map(|r| match (r["rowcount"].as_i64(), r.get("error")) {
                    (Some(-2), Some(e)) => BulkRow::Error(
                        e["code"].as_i64().unwrap_or(0),
                        e["message"].as_str().unwrap_or("").to_string(),
                    ),
                    (Some(-2), None) => BulkRow::Failed,
                    (n, _) => BulkRow::Ok(n.unwrap_or(0)),
                })
                .collect(),
        );
    }
    if body["cols"] == json!([]) && body["rows"] == json!([[]]) {
        return Reply::rowcount(body["rowcount"].as_i64().unwrap_or(0));
    }
    let cols: Vec<&str> = body["cols"]
        .as_array()
        .map(|c| c.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let rows: Vec<Vec<Value>> = body["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| r.as_array().cloned().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    match body["col_types"].as_array() {
        Some(types) => Reply::rows_with_types(&cols, types.clone(), rows),
        None => Reply::rows(&cols, rows),
    }
}

/// The kinds of a JSON value, keys in order: `{"a": 1.5}` → `[["a", "float"]]`.
fn shape(v: &Value) -> Value {
    match v {
        Value::Null => json!("null"),
        Value::Bool(_) => json!("bool"),
        Value::Number(n) if n.is_f64() => json!("float"),
        Value::Number(_) => json!("integer"),
        Value::String(_) => json!("string"),
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        Value::Object(map) => Value::Array(map.iter().map(|(k, v)| json!([k, shape(v)])).collect()),
    }
}

/// `body` without what varies between runs and servers.
fn stable(body: &Value) -> Value {
    let mut body = body.clone();
    if let Some(map) = body.as_object_mut() {
        for key in ["duration", "error_trace", "col_types"] {
            map.remove(key);
        }
    }
    body
}

/// Checks `answer` against the recorded `response`; `values` also compares the stable values.
fn check(name: &str, answer: &Answer, response: &Value, values: bool) {
    let status = response["status"].as_u64().unwrap_or(0) as u16;
    assert_eq!(answer.status, status, "{name}: status");
    let recorded: Vec<(String, String)> = response["headers"]
        .as_object()
        .map(|h| {
            h.iter()
                .map(|(n, v)| (n.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default();
    let mut got = answer.headers.clone();
    got.sort();
    let mut want = recorded;
    want.sort();
    assert_eq!(got, want, "{name}: headers");
    match response.get("body") {
        Some(body) => {
            let answered: Value = serde_json::from_slice(&answer.body).unwrap_or_else(|e| {
                panic!(
                    "{name}: not JSON ({e}): {}",
                    String::from_utf8_lossy(&answer.body)
                )
            });
            assert_eq!(shape(&answered), shape(body), "{name}: body shape");
            if values {
                assert_eq!(stable(&answered), stable(body), "{name}: body");
            }
        }
        None => assert_eq!(
            String::from_utf8_lossy(&answer.body),
            response["body_text"].as_str().unwrap_or(""),
            "{name}: body text"
        ),
    }
}

fn is_sql(request: &Value) -> bool {
    request["method"] == "POST" && request["path"] == "/_sql" && request.get("body").is_some()
}

#[test]
fn the_fixtures_cover_every_kind_of_answer() {
    let all = fixtures();
    let names: Vec<&str> = all.iter().map(|f| f.name.as_str()).collect();
    for name in [
        "root",
        "insert_bulk",
        "insert_bulk_failed_rows",
        "insert_returning_multi_row",
        "insert_returning_objects",
        "select_models_with_types",
        "update_versioned_stale",
        "delete_bulk_missing_row",
        "error_duplicate_key",
        "error_with_trace",
        "error_unauthorized",
        "request_unknown_key",
    ] {
        assert!(names.contains(&name), "fixture {name} missing in {names:?}");
    }
    for f in &all {
        assert!(f.response["status"].is_u64(), "{}: status", f.name);
    }
}

#[test]
fn replies_built_from_recorded_answers_have_their_shape() {
    for f in fixtures().iter().filter(|f| is_sql(&f.request)) {
        let reply = reply_for(&f.response);
        let server = TestServer::with_handler(move |_| reply.clone());
        let answer = send(&server, &f.request);
        check(&f.name, &answer, &f.response, true);
        // CrateDB closes the connection after a failed login, and only then.
        assert_eq!(
            answer.closed,
            f.response["status"] == 401,
            "{}: closed",
            f.name
        );
    }
}

#[test]
fn the_default_handler_answers_like_a_successful_write() {
    let mut checked = 0;
    for f in fixtures().iter().filter(|f| is_sql(&f.request)) {
        let body = &f.response["body"];
        let bulk = f.request["body"].get("bulk_args").is_some();
        let default_applies = if bulk {
            body["results"]
                .as_array()
                .is_some_and(|r| r.iter().all(|r| r == &json!({"rowcount": 1})))
        } else {
            body["cols"] == json!([]) && body["rows"] == json!([[]]) && body["rowcount"] == 1
        };
        if f.response["status"] != 200 || !default_applies {
            continue;
        }
        let server = TestServer::start();
        check(&f.name, &send(&server, &f.request), &f.response, true);
        checked += 1;
    }
    assert!(
        checked >= 5,
        "{checked} fixtures answered by the default handler"
    );
}

#[test]
fn built_in_answers_are_cratedbs() {
    // Node information, and the answers to requests the library never sends.
    for f in fixtures().iter().filter(|f| !is_sql(&f.request)) {
        let server = TestServer::start();
        let answer = send(&server, &f.request);
        // The node's name, version and build differ; the keys and kinds do not.
        check(&f.name, &answer, &f.response, !f.name.starts_with("root"));
    }
}
