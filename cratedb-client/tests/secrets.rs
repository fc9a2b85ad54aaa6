//! Passwords and tokens never appear in `Debug` or `Display` of the client, its builder, URLs,
//! errors, or echo output.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::{Client, ConnectionUrl, Error, Secret};
use serde_json::{json, Value};

const PASSWORD: &str = "pw-S3cr3t-9f8e7d";
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.tok-S3cr3t-1a2b3c.sig";
const NO_ARGS: &[Value] = &[];

/// A client whose echo hook records each event (`Display` and `Debug`).
fn echo_recorded(builder: cratedb_client::ClientBuilder) -> (Client, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let client = builder
        .echo(move |e| {
            if let Ok(mut v) = sink.lock() {
                v.push(format!("{e} {e:?}"));
            }
        })
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    (client, seen)
}

fn assert_clean(text: &str) {
    assert!(!text.contains(PASSWORD), "password leaked: {text}");
    assert!(!text.contains("S3cr3t"), "secret leaked: {text}");
    // Nor the Basic header value (base64 of user:password).
    assert!(!text.contains("YWRtaW46cHct"), "auth header leaked: {text}");
}

fn shown(e: &Error) -> String {
    format!("{e} {e:?}")
}

#[test]
fn client_builder_and_url_debug() {
    let url = format!("crate://admin:{PASSWORD}@h1:4200,h2:4200/?ssl=true");
    assert_clean(&format!("{:?}", ConnectionUrl::parse(&url)));
    let builder = Client::builder().url(&url);
    assert_clean(&format!("{builder:?}"));
    let client = builder.build().unwrap_or_else(|e| panic!("{e}"));
    let debug = format!("{client:?}");
    assert_clean(&debug);
    assert!(
        debug.contains("admin") && debug.contains("redacted"),
        "{debug}"
    );

    let builder = Client::builder().server("h1").jwt(TOKEN);
    assert_clean(&format!("{builder:?}"));
    let client = builder.build().unwrap_or_else(|e| panic!("{e}"));
    let debug = format!("{client:?}");
    assert_clean(&debug);
    assert!(debug.contains("JWT"), "{debug}");

    let s = Secret::new(PASSWORD);
    assert_clean(&format!("{s} {s:?}"));
}

#[test]
fn configuration_errors() {
    let e = Client::builder()
        .url(&format!("crate://admin:{PASSWORD}@h1"))
        .jwt(TOKEN)
        .build()
        .err()
        .unwrap_or_else(|| panic!("expected an error"));
    assert_clean(&shown(&e));
    let e = Client::new(&format!("crate://admin:{PASSWORD}@h1:bad")).err();
    assert_clean(&e.as_ref().map(shown).unwrap_or_default());
    let e = Client::new(&format!("crate://admin:{PASSWORD}%zz@h1")).err();
    assert_clean(&e.as_ref().map(shown).unwrap_or_default());
    let e = Client::new(&format!("crate://admin:{PASSWORD}/x@h1")).err();
    assert_clean(&e.as_ref().map(shown).unwrap_or_default());
    let e = Client::builder()
        .jwt(format!("{TOKEN} with space"))
        .build()
        .err();
    assert_clean(&e.as_ref().map(shown).unwrap_or_default());
}

#[test]
fn request_errors() {
    let server = TestServer::with_handler(|_| Reply::error(4010, "UnauthorizedException[bad]"));
    let down = TestServer::start();
    down.stop();
    let slow =
        TestServer::with_handler(|_| Reply::delay(Duration::from_secs(2), Reply::rowcount(1)));
    for target in [&server, &down, &slow] {
        let client = Client::builder()
            .url(&format!("crate://admin:{PASSWORD}@{}", target.addr()))
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let e = client.sql("INSERT INTO t VALUES ($1)", &[json!(1)]).err();
        assert_clean(&e.as_ref().map(shown).unwrap_or_default());
        let e = client.sql("SELECT 1", NO_ARGS).err();
        assert_clean(&e.as_ref().map(shown).unwrap_or_default());
        let client = Client::builder()
            .server(&target.addr())
            .jwt(TOKEN)
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let e = client.sql("SELECT 1", NO_ARGS).err();
        assert_clean(&e.as_ref().map(shown).unwrap_or_default());
        let e = client.server_info().err();
        assert_clean(&e.as_ref().map(shown).unwrap_or_default());
    }
}

#[test]
fn echo_shows_statements_not_arguments() {
    let server = TestServer::start();
    let (client, seen) = echo_recorded(
        Client::builder().url(&format!("crate://admin:{PASSWORD}@{}", server.addr())),
    );
    client
        .sql("UPDATE users SET password = $1", &[PASSWORD])
        .unwrap_or_else(|e| panic!("{e}"));
    let seen = seen.lock().map(|v| v.clone()).unwrap_or_default();
    assert_eq!(seen.len(), 1);
    assert_clean(&seen[0]);
    assert!(seen[0].contains("UPDATE users SET password = $1"));
}

/// Percent-encodes everything but unreserved characters.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// Any password, in any well-formed or broken URL: never in `Debug` of the URL, the builder
    /// or the client, nor in any error message — neither decoded nor percent-encoded.
    #[test]
    fn random_passwords_never_shown(
        secret in "[A-Za-z0-9!#$%&'()*+,/:;=?@\\[\\]_~-]{10,24}",
        tail in proptest::sample::select(vec![
            ":4200", ":0", ":99999", ":abc", ":4200,", ":4200/?sslmode=nope", ":4200/?what=1",
            ":4200/?ssl=maybe", ":4200,h2:x", "", ":4200/?schema=doc&ssl=true",
        ]),
    ) {
        let encoded = encode(&secret);
        let url = format!("crate://admin:{encoded}@h1{tail}");
        let mut shown = vec![format!("{:?}", ConnectionUrl::parse(&url))];
        let builder = Client::builder().url(&url);
        shown.push(format!("{builder:?}"));
        match builder.build() {
            Ok(client) => shown.push(format!("{client:?}")),
            Err(e) => shown.push(format!("{e} {e:?}")),
        }
        match Client::builder().url(&url).jwt(secret.as_str()).build() {
            Ok(client) => shown.push(format!("{client:?}")),
            Err(e) => shown.push(format!("{e} {e:?}")),
        }
        for text in shown {
            proptest::prop_assert!(!text.contains(&secret), "{}", text);
            proptest::prop_assert!(!text.contains(&encoded), "{}", text);
        }
    }
}

/// Builds a client for a test server.
type ClientMaker = Box<dyn Fn(&TestServer) -> cratedb_client::ClientBuilder>;

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
    let (client, seen) = echo_recorded(Client::builder().server(&server.addr()).jwt(TOKEN));
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
