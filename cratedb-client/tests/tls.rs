//! TLS against the test server with the committed test CA: verified with the CA, verification
//! off, and failing without the CA.

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::{Client, Error, SslMode};
use serde_json::{json, Value};

const CERTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/certs");
const NO_ARGS: &[Value] = &[];

fn tls_server() -> TestServer {
    TestServer::builder()
        .tls_files(format!("{CERTS}/server.pem"), format!("{CERTS}/server.key"))
        .unwrap_or_else(|e| panic!("{e}"))
        .handler(|_| Reply::rows(&["n"], vec![vec![json!(1)]]))
        .start()
}

fn ca() -> String {
    format!("{CERTS}/ca.pem")
}

/// A client for `url`.
fn connect(url: &str) -> Client {
    Client::new(url).unwrap_or_else(|e| panic!("{e}"))
}

/// A client of the server at `addr` in `mode`, verifying with the test CA.
fn with_ca(addr: &str, mode: SslMode) -> Client {
    Client::builder()
        .server(addr)
        .sslmode(mode)
        .ca_cert(ca())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The error text of a `SELECT 1` that must fail.
fn select_error(client: &Client) -> String {
    client
        .sql("SELECT 1", NO_ARGS)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

/// Runs each of `stmts`, each of which must succeed.
fn run_all(client: &Client, stmts: &[&str]) {
    for stmt in stmts {
        let r = client.sql(stmt, NO_ARGS);
        assert!(r.is_ok(), "{stmt}: {r:?}");
    }
}

#[test]
fn verified_with_the_ca() {
    let server = tls_server();
    assert!(server.url().ends_with("/?ssl=true"));
    let client = Client::builder()
        .url(&server.url())
        .ca_cert(ca())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let r = client
        .sql("SELECT 1", NO_ARGS)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.rows, vec![vec![json!(1)]]);
    assert_eq!(server.request_count(), 1);
    let info = client.server_info().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(info.version.raw, "6.0.0");
}

#[test]
fn verified_with_the_ca_from_the_url() {
    let server = tls_server();
    let url = format!(
        "crate://{}/?sslmode=verify-full&ca_cert={}",
        server.addr(),
        ca()
    );
    let client = connect(&url);
    assert!(client.sql("SELECT 1", NO_ARGS).is_ok());
    let client = with_ca(&server.addr(), SslMode::VerifyCa);
    assert!(client.sql("SELECT 1", NO_ARGS).is_ok());
}

#[test]
fn verification_off() {
    let server = tls_server();
    let client = connect(&format!("{}&verify_ssl_cert=false", server.url()));
    assert!(client.sql("SELECT 1", NO_ARGS).is_ok());
    // libpq's `require` does not verify without a CA either.
    let client = connect(&format!("crate://{}/?sslmode=require", server.addr()));
    assert!(client.sql("SELECT 1", NO_ARGS).is_ok());
}

#[test]
fn fails_without_the_ca() {
    let server = tls_server();
    let client = connect(&server.url());
    match client.sql("INSERT INTO t VALUES (1)", NO_ARGS) {
        Err(Error::AllServersFailed { failures }) => {
            assert_eq!(failures.len(), 1);
            assert_eq!(failures[0].0, server.addr());
            assert!(failures[0].1.contains("TLS failure"), "{failures:?}");
            assert!(failures[0].1.contains("UnknownIssuer"), "{failures:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.request_count(), 0);
}

#[test]
fn host_name_mismatch_fails_over_to_the_next_server() {
    let wrong = TestServer::builder()
        .tls_files(
            format!("{CERTS}/wrong-name.pem"),
            format!("{CERTS}/wrong-name.key"),
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .start();
    let good = tls_server();
    let client = Client::builder()
        .servers([wrong.addr(), good.addr()])
        .ssl(true)
        .ca_cert(ca())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    // A TLS failure happens before anything is sent: even a write moves on.
    let r = client.sql("INSERT INTO t VALUES (1)", NO_ARGS);
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(wrong.request_count(), 0);
    assert_eq!(good.request_count(), 1);
    assert_eq!(client.inactive_servers(), vec![wrong.addr()]);

    // Alone, it reports the name mismatch.
    let client = Client::builder()
        .server(&wrong.addr())
        .ssl(true)
        .ca_cert(ca())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let e = select_error(&client);
    assert!(
        e.contains("TLS failure") && e.contains("not valid for name"),
        "{e}"
    );
    // With verification off, the name is not checked.
    let client = Client::builder()
        .server(&wrong.addr())
        .ssl(true)
        .verify_ssl_cert(false)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(client.sql("SELECT 1", NO_ARGS).is_ok());
}

fn plain_server() -> TestServer {
    TestServer::with_handler(|_| Reply::rows(&["n"], vec![vec![json!(1)]]))
}

#[test]
fn prefer_uses_tls_when_the_server_speaks_it() {
    let server = tls_server();
    // Without a CA, `prefer` (like `require`) does not verify.
    let client = connect(&format!("crate://{}/?sslmode=prefer", server.addr()));
    assert!(format!("{client:?}").contains("tls: true, tls_fallback: true"));
    run_all(
        &client,
        &["SELECT 1", "INSERT INTO t VALUES (1)", "SELECT 2"],
    );
    // The TLS server only reads TLS: each request reached it once.
    assert_eq!(server.request_count(), 3);
    // With a CA, the certificate is verified.
    let client = with_ca(&server.addr(), SslMode::Prefer);
    assert!(client.sql("SELECT 1", NO_ARGS).is_ok());
    assert!(client.server_info().is_ok());
}

#[test]
fn prefer_falls_back_to_plain_http() {
    let server = plain_server();
    let client = connect(&format!("crate://{}/?sslmode=prefer", server.addr()));
    run_all(
        &client,
        &["SELECT 1", "INSERT INTO t VALUES (1)", "SELECT 2"],
    );
    // The TLS handshake never reaches the SQL handler: every statement ran once, the write too.
    let stmts: Vec<String> = server.requests().into_iter().map(|r| r.stmt).collect();
    assert_eq!(stmts, ["SELECT 1", "INSERT INTO t VALUES (1)", "SELECT 2"]);
    assert!(client.inactive_servers().is_empty());
    assert!(client.server_info().is_ok());
    // A CA does not change that: the server speaks no TLS at all.
    let client = with_ca(&server.addr(), SslMode::Prefer);
    assert!(client.sql("SELECT 1", NO_ARGS).is_ok());
}

#[test]
fn allow_uses_plain_http_first_and_tls_when_the_server_speaks_only_tls() {
    let plain = plain_server();
    let client = connect(&format!("crate://{}/?sslmode=allow", plain.addr()));
    assert!(format!("{client:?}").contains("tls: false, tls_fallback: true"));
    assert!(client.sql("INSERT INTO t VALUES (1)", NO_ARGS).is_ok());
    assert_eq!(plain.request_count(), 1);

    let tls = tls_server();
    let client = connect(&format!("crate://{}/?sslmode=allow", tls.addr()));
    run_all(
        &client,
        &["INSERT INTO t VALUES (1)", "SELECT 1", "SELECT 2"],
    );
    let stmts: Vec<String> = tls.requests().into_iter().map(|r| r.stmt).collect();
    assert_eq!(stmts, ["INSERT INTO t VALUES (1)", "SELECT 1", "SELECT 2"]);
    assert!(client.inactive_servers().is_empty());
}

#[test]
fn no_fallback_on_a_certificate_that_fails_verification() {
    let wrong = TestServer::builder()
        .tls_files(
            format!("{CERTS}/wrong-name.pem"),
            format!("{CERTS}/wrong-name.key"),
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .start();
    for mode in [SslMode::Prefer, SslMode::Allow] {
        let client = with_ca(&wrong.addr(), mode);
        let e = select_error(&client);
        assert!(
            e.contains("TLS failure") && e.contains("not valid for name"),
            "{mode}: {e}"
        );
    }
    assert_eq!(wrong.request_count(), 0);
}

#[test]
fn a_server_that_is_down_is_reported_as_such_in_both_fallback_modes() {
    let server = plain_server();
    let addr = server.addr();
    server.stop();
    for mode in ["prefer", "allow"] {
        let client = connect(&format!("crate://{addr}/?sslmode={mode}"));
        let e = select_error(&client);
        assert!(e.contains("cannot connect"), "{mode}: {e}");
    }
}

#[test]
fn ssl_flags_that_contradict_a_fallback_mode_are_refused() {
    for url in [
        "crate://h/?ssl=true&sslmode=prefer",
        "crate://h/?ssl=false&sslmode=allow",
    ] {
        let e = Client::new(url)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("tries both plain HTTP and TLS"), "{url}: {e}");
    }
}

#[test]
fn live_prefer_falls_back_against_cratedb_without_tls() {
    let Ok(url) = std::env::var("CRATEDB_URL") else {
        eprintln!("live test tls prefer skipped: CRATEDB_URL is not set");
        return;
    };
    let parsed = cratedb_client::ConnectionUrl::parse(&url).unwrap_or_else(|e| panic!("{e}"));
    // The shared live server speaks plain HTTP: it answers the TLS handshake with an HTTP
    // 404, which is what the loopback server imitates.
    let client = Client::builder()
        .connection_url(parsed)
        .ssl(false)
        .sslmode(SslMode::Disable)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(client.sql("SELECT 1", NO_ARGS).is_ok(), "plain HTTP");
    for mode in [SslMode::Prefer, SslMode::Allow] {
        let parsed = cratedb_client::ConnectionUrl::parse(&url).unwrap_or_else(|e| panic!("{e}"));
        let client = Client::builder()
            .connection_url(parsed)
            .sslmode(mode)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let r = client.sql("SELECT 1", NO_ARGS);
        assert_eq!(r.map(|r| r.rows).ok(), Some(vec![vec![json!(1)]]), "{mode}");
        assert!(client.lowest_version().is_ok(), "{mode}");
    }
    // Requiring TLS fails at the handshake, before anything is sent.
    let parsed = cratedb_client::ConnectionUrl::parse(&url).unwrap_or_else(|e| panic!("{e}"));
    let client = Client::builder()
        .connection_url(parsed)
        .sslmode(SslMode::Require)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let e = select_error(&client);
    assert!(e.contains("TLS failure"), "{e}");
}
