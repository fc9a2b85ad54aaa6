//! Connection errors say what happened and what to do, and are "not sent" exactly where the
//! request provably did not run: a name that cannot be resolved, plain HTTP to a port that
//! speaks TLS, a connect timeout; a request timeout names its value and knob and leaves a
//! write's outcome unknown. (Against the real TLS node: `live_tls.rs`.)

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::{Client, Error, SslMode};
use serde_json::Value;

const CERTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/certs");
const NO_ARGS: &[Value] = &[];
const WRITE: &str = "INSERT INTO t (a) VALUES (1)";

/// The one failure of a request that reached no server: its server and reason.
fn only_failure(e: &Error) -> (String, String) {
    match e {
        Error::AllServersFailed { failures } if failures.len() == 1 => failures[0].clone(),
        other => panic!("expected one server's failure, got {other:?}"),
    }
}

/// A loopback server that accepts connections and never answers (a frozen node). The
/// connections are held until it is dropped.
struct Silent {
    addr: String,
    _held: Arc<Mutex<Vec<TcpStream>>>,
}

fn silent_server() -> Silent {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = Arc::clone(&held);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            keep.lock().unwrap_or_else(|e| e.into_inner()).push(stream);
        }
    });
    Silent { addr, _held: held }
}

#[test]
fn a_name_that_cannot_be_resolved_is_a_dns_error_and_not_sent() {
    let client = Client::builder()
        .server("nonexistent.invalid:4200")
        .connect_timeout(Duration::from_secs(5))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let e = client
        .sql(WRITE, NO_ARGS)
        .expect_err("nonexistent.invalid never resolves");
    let (server, reason) = only_failure(&e);
    assert_eq!(server, "nonexistent.invalid:4200");
    assert!(
        reason.starts_with("the host name could not be resolved (DNS)"),
        "{reason}"
    );
    assert!(!reason.contains("connection lost"), "{reason}");
    assert!(!e.may_have_executed(), "a write that never left: {e}");
    println!("{e}");

    // Not sent, so even a write moves on to the next server.
    let good = TestServer::with_handler(|_| Reply::rowcount(1));
    let client = Client::builder()
        .servers(["nonexistent.invalid:4200".to_string(), good.addr()])
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let r = client.sql(WRITE, NO_ARGS);
    assert_eq!(r.map(|r| r.rowcount).ok(), Some(1));
    assert_eq!(good.request_count(), 1);
    assert_eq!(
        client.inactive_servers(),
        vec!["nonexistent.invalid:4200".to_string()]
    );
}

#[test]
fn a_request_timeout_names_itself_and_its_value() {
    let silent = silent_server();
    let client = Client::builder()
        .server(&silent.addr)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let e = client
        .sql(WRITE, NO_ARGS)
        .expect_err("the server never answers");
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    // Sent, then no answer: the write's outcome is unknown and it is not resent.
    match &e {
        Error::Connection { server, reason } => {
            assert_eq!(server, &silent.addr);
            assert!(
                reason.starts_with(
                    "no answer in time: the request timeout of 300 ms ran out \
                     (ClientBuilder::timeout)"
                ),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(e.may_have_executed());
    println!("{e}");

    // A read is resent to the other servers; alone, its failure says the same.
    let e = client
        .sql("SELECT 1", NO_ARGS)
        .expect_err("the server never answers");
    let (_, reason) = only_failure(&e);
    assert_eq!(
        reason,
        "no answer in time: the request timeout of 300 ms ran out (ClientBuilder::timeout)"
    );
}

#[test]
fn a_connect_timeout_names_itself_and_its_value() {
    // The TCP connection is accepted, but the TLS handshake is never answered: the connection
    // is not set up within the connect timeout, so nothing was sent.
    let silent = silent_server();
    let client = Client::builder()
        .server(&silent.addr)
        .sslmode(SslMode::VerifyFull)
        .ca_cert(format!("{CERTS}/ca.pem"))
        .connect_timeout(Duration::from_millis(400))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let e = client
        .sql(WRITE, NO_ARGS)
        .expect_err("the handshake never completes");
    assert!(started.elapsed() < Duration::from_secs(5), "{e}");
    let (_, reason) = only_failure(&e);
    assert_eq!(
        reason,
        "connect timed out: no connection (TCP and TLS handshake) within the connect timeout \
         of 400 ms (ClientBuilder::connect_timeout)"
    );
    assert!(!e.may_have_executed());
    println!("{e}");
}

#[test]
fn plain_http_to_a_tls_port_suggests_ssl_and_is_not_sent() {
    let tls = TestServer::builder()
        .tls_files(format!("{CERTS}/server.pem"), format!("{CERTS}/server.key"))
        .unwrap_or_else(|e| panic!("{e}"))
        .handler(|_| Reply::rowcount(1))
        .start();
    for url in [
        format!("crate://{}", tls.addr()),
        format!("crate://{}/?sslmode=disable", tls.addr()),
        format!("crate://{}/?ssl=false", tls.addr()),
    ] {
        let client = Client::new(&url).unwrap_or_else(|e| panic!("{e}"));
        let e = client
            .sql(WRITE, NO_ARGS)
            .expect_err("plain HTTP to a TLS port");
        let (server, reason) = only_failure(&e);
        assert_eq!(server, tls.addr());
        assert!(
            reason.starts_with("the server speaks TLS (HTTPS) on this port"),
            "{url}: {reason}"
        );
        assert!(
            reason.contains("so the request was not executed")
                && reason.contains("?ssl=true")
                && reason.contains("sslmode=verify-full"),
            "{url}: {reason}"
        );
        assert!(!e.may_have_executed(), "{url}: {e}");
    }
    // The probe did not get past the certificate (unknown issuer): the server saw nothing.
    assert_eq!(tls.request_count(), 0);
    assert_eq!(tls.root_request_count(), 0);

    // Not sent, so a write moves on to the next server.
    let plain = TestServer::with_handler(|_| Reply::rowcount(1));
    let client = Client::builder()
        .servers([tls.addr(), plain.addr()])
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let r = client.sql(WRITE, NO_ARGS);
    assert_eq!(r.map(|r| r.rowcount).ok(), Some(1));
    assert_eq!(plain.request_count(), 1);
}

#[test]
fn a_plain_server_that_drops_the_connection_leaves_the_outcome_unknown() {
    // A plain-HTTP server that reads the request and drops the connection (a crash) does not
    // speak TLS: the probe proves nothing, so the write's outcome stays unknown.
    let server = TestServer::with_handler(|_| Reply::close());
    let client = Client::new(&server.url()).unwrap_or_else(|e| panic!("{e}"));
    let e = client.sql(WRITE, NO_ARGS).expect_err("dropped");
    match &e {
        Error::Connection { reason, .. } => {
            assert!(!reason.contains("speaks TLS"), "{reason}");
            assert!(reason.contains("may have been executed"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.may_have_executed());
    assert_eq!(server.request_count(), 1);
}

#[test]
fn allow_keeps_the_unknown_outcome_when_its_tls_retry_proves_nothing() {
    // The server reads the plain request, stops listening and drops the connection: the TLS
    // retry of sslmode=allow is refused, which says nothing about the plain request, so the
    // write is reported as of unknown outcome (not as "cannot connect", which would mean
    // not sent).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap_or_else(|e| panic!("accept: {e}"));
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).unwrap_or(0);
        drop(listener);
        drop(stream);
        buf.get(..n).is_some_and(|b| b.starts_with(b"POST /_sql"))
    });
    let client =
        Client::new(&format!("crate://{addr}/?sslmode=allow")).unwrap_or_else(|e| panic!("{e}"));
    let e = client.sql(WRITE, NO_ARGS).expect_err("dropped");
    assert!(server.join().unwrap_or(false), "the plain request arrived");
    match &e {
        Error::Connection { reason, .. } => {
            assert!(reason.starts_with("connection lost"), "{reason}");
            assert!(reason.contains("may have been executed"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.may_have_executed());
}

#[test]
fn messages_carry_no_credentials() {
    let silent = silent_server();
    let tls = TestServer::builder()
        .tls_files(format!("{CERTS}/server.pem"), format!("{CERTS}/server.key"))
        .unwrap_or_else(|e| panic!("{e}"))
        .start();
    for (url, timeout) in [
        (format!("crate://alice:s3cr3t-pw@{}", silent.addr), 200),
        (format!("crate://alice:s3cr3t-pw@{}", tls.addr()), 5000),
        (
            "crate://alice:s3cr3t-pw@nonexistent.invalid:4200".to_string(),
            5000,
        ),
        (
            format!("crate://alice:s3cr3t-pw@{}/?ssl=true", tls.addr()),
            5000,
        ),
    ] {
        let client = Client::builder()
            .url(&url)
            .timeout(Duration::from_millis(timeout))
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        for stmt in [WRITE, "SELECT 1"] {
            let e = client.sql(stmt, NO_ARGS).expect_err("fails");
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains("s3cr3t"), "{shown}");
            assert!(!shown.contains("YWxpY2U6czNjcjN0LXB3"), "{shown}");
        }
    }
}
