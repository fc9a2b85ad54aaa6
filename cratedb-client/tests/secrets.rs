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
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let client = Client::builder()
        .url(&format!("crate://admin:{PASSWORD}@{}", server.addr()))
        .echo(move |e| {
            if let Ok(mut v) = sink.lock() {
                v.push(format!("{e} {e:?}"));
            }
        })
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
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
