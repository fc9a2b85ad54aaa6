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
    let client = Client::new(&url).unwrap_or_else(|e| panic!("{e}"));
    assert!(client.sql("SELECT 1", NO_ARGS).is_ok());
    let client = Client::builder()
        .server(&server.addr())
        .sslmode(SslMode::VerifyCa)
        .ca_cert(ca())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(client.sql("SELECT 1", NO_ARGS).is_ok());
}

#[test]
fn verification_off() {
    let server = tls_server();
    let client = Client::new(&format!("{}&verify_ssl_cert=false", server.url()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(client.sql("SELECT 1", NO_ARGS).is_ok());
    // libpq's `require` does not verify without a CA either.
    let client = Client::new(&format!("crate://{}/?sslmode=require", server.addr()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(client.sql("SELECT 1", NO_ARGS).is_ok());
}

#[test]
fn fails_without_the_ca() {
    let server = tls_server();
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
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
    let e = client
        .sql("SELECT 1", NO_ARGS)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
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
