//! Credentials a server or proxy echoes back are redacted from every error; with a JWT,
//! nothing secret shows in echo or `Debug` either.

use std::sync::{Arc, Mutex};

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::{Client, Error};
use serde_json::{json, Value};

const PASSWORD: &str = "pw-S3cr3t-9f8e7d";
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.tok-S3cr3t-1a2b3c.sig";
const NO_ARGS: &[Value] = &[];

/// Builds a client for a test server.
type ClientMaker = Box<dyn Fn(&TestServer) -> cratedb_client::ClientBuilder>;

fn assert_clean(text: &str) {
    assert!(!text.contains(PASSWORD), "password leaked: {text}");
    assert!(!text.contains("S3cr3t"), "secret leaked: {text}");
    // Nor the Basic header value (base64 of user:password).
    assert!(!text.contains("YWRtaW46cHct"), "auth header leaked: {text}");
}

fn shown(e: &Error) -> String {
    format!("{e} {e:?}")
}

/// Every answer a misbehaving server (or proxy) can give that carries the request's
/// credentials back: they are redacted from every error.
fn echoing_replies(auth: &str) -> Vec<Reply> {
    let decoded = auth
        .strip_prefix("Basic ")
        .map(|_| format!("admin:{PASSWORD}"))
        .unwrap_or_default();
    let said = format!("you sent {auth} ({decoded})");
    vec![
        Reply::error(4010, &format!("UnauthorizedException[{said}]")),
        Reply::raw(401, said.clone()),
        Reply::raw(200, format!("<html>{said}</html>")),
        Reply::raw(403, format!("<html>{said}</html>")),
        Reply::raw(
            503,
            json!({"error": {"code": 5030, "message": said.clone()}}).to_string(),
        ),
        Reply::raw(200, format!(r#"{{"cols":["{said}"],"rows":[[1]]"#)),
        Reply::json(json!({"cols": [said.clone()], "rows": [["x"]], "rowcount": 1})),
    ]
}

#[test]
fn credentials_echoed_by_a_server_are_redacted_from_errors() {
    let builders: Vec<(&str, ClientMaker)> = vec![
        (
            "basic",
            Box::new(|s: &TestServer| {
                Client::builder().url(&format!("crate://admin:{PASSWORD}@{}", s.addr()))
            }),
        ),
        (
            "jwt",
            Box::new(|s: &TestServer| Client::builder().server(&s.addr()).jwt(TOKEN)),
        ),
    ];
    let mut checked = 0;
    for (what, builder) in &builders {
        for index in 0..7 {
            let server = TestServer::with_handler(move |req| {
                let auth = req.header("authorization").unwrap_or_default().to_string();
                echoing_replies(&auth).swap_remove(index)
            });
            let client = builder(&server)
                .error_trace(true)
                .build()
                .unwrap_or_else(|e| panic!("{e}"));
            let results = [
                client.sql("SELECT 1", NO_ARGS).err(),
                client.sql("INSERT INTO t VALUES (1)", NO_ARGS).err(),
                client.query_as::<(i64,), _>("SELECT 1", NO_ARGS).err(),
                client.bulk("INSERT INTO t VALUES ($1)", &[[1]]).err(),
            ];
            for e in results.iter().flatten() {
                let text = shown(e);
                assert_clean(&text);
                assert!(!text.contains(TOKEN), "{what}: {text}");
                checked += 1;
            }
        }
    }
    assert!(checked > 40, "{checked}");
    println!("errors built from answers that echo the credentials, all redacted: {checked}");
}

#[test]
fn echo_and_debug_with_a_jwt() {
    let server = TestServer::start();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let client = Client::builder()
        .server(&server.addr())
        .jwt(TOKEN)
        .echo(move |e| {
            if let Ok(mut v) = sink.lock() {
                v.push(format!("{e} {e:?}"));
            }
        })
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    client
        .sql("SELECT $1", &[TOKEN])
        .unwrap_or_else(|e| panic!("{e}"));
    let _ = client.bulk("INSERT INTO t VALUES ($1)", &[[TOKEN]]);
    let seen = seen.lock().map(|v| v.clone()).unwrap_or_default();
    assert_eq!(seen.len(), 2);
    for line in &seen {
        assert!(!line.contains(TOKEN) && !line.contains("S3cr3t"), "{line}");
    }
    let debug = format!("{client:?}");
    assert!(!debug.contains("S3cr3t"), "{debug}");
    // The token does go on the wire, in the header only.
    let requests = server.requests();
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}
