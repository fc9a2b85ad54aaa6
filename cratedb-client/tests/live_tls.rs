//! TLS against a real CrateDB that speaks only HTTPS (`CRATEDB_TLS_URL`, as printed by
//! `cratedb.sh start --tls`: `crate://127.0.0.1:PORT/?sslmode=verify-full&ca_cert=…/ca.pem`):
//! verified with its CA, refused without it, each `sslmode` as the README's table says (the
//! outcomes are recorded in `docs/reliability.md`), and plain HTTP to it reported as such.
//! Each `sslmode` runs through a loopback relay that records the protocol of every connection
//! the client opens (the first byte of a TLS connection is a handshake record, 0x16), so the
//! order of the attempts is seen, not guessed. One skip line per
//! test when `CRATEDB_TLS_URL` is unset (and for the last test, `CRATEDB_URL`).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use cratedb_client::{Client, ConnectionUrl, Error, SslMode};
use serde_json::{json, Value};

const NO_ARGS: &[Value] = &[];
/// A CA that did not sign the node's certificate (the loopback tests' CA).
const OTHER_CA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/certs/ca.pem");

/// The TLS node: its `host:port` and the CA that signed its certificate.
struct TlsNode {
    url: String,
    addr: String,
    ca: PathBuf,
}

fn server_of(var: &str, test: &str) -> Option<(String, ConnectionUrl)> {
    let Ok(url) = std::env::var(var) else {
        let _ = writeln!(
            std::io::stderr(),
            "live test {test} skipped: {var} is not set"
        );
        return None;
    };
    let parsed =
        ConnectionUrl::parse(&url).unwrap_or_else(|e| panic!("{var} is not a crate:// URL: {e}"));
    Some((url, parsed))
}

fn tls_node(test: &str) -> Option<TlsNode> {
    let (url, parsed) = server_of("CRATEDB_TLS_URL", test)?;
    let addr = parsed
        .servers()
        .first()
        .map(ToString::to_string)
        .unwrap_or_else(|| panic!("CRATEDB_TLS_URL names no server"));
    let ca = parsed
        .ca_cert()
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("CRATEDB_TLS_URL has no ca_cert (cratedb.sh start --tls)"));
    Some(TlsNode { url, addr, ca })
}

/// The protocol a connection opened with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proto {
    Plain,
    Tls,
}
use Proto::{Plain, Tls};

/// A loopback relay to `upstream` that records the protocol of each connection, in order.
struct Relay {
    addr: String,
    seen: Arc<Mutex<Vec<Proto>>>,
}

impl Relay {
    fn to(upstream: &str) -> Relay {
        Relay::on("127.0.0.1", upstream)
    }

    /// A relay listening on `ip` (any loopback address).
    fn on(ip: &str, upstream: &str) -> Relay {
        let listener = TcpListener::bind((ip, 0)).unwrap_or_else(|e| panic!("bind {ip}: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("{e}"))
            .to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        let upstream = upstream.to_string();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let record = Arc::clone(&record);
                let upstream = upstream.clone();
                std::thread::spawn(move || relay(client, &upstream, &record));
            }
        });
        Relay { addr, seen }
    }

    /// The protocols of the connections so far, in the order they were opened.
    fn seen(&self) -> Vec<Proto> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

fn relay(mut client: TcpStream, upstream: &str, seen: &Mutex<Vec<Proto>>) {
    let mut first = [0u8; 1];
    if client.read_exact(&mut first).is_err() {
        return;
    }
    let proto = if first[0] == 0x16 { Tls } else { Plain };
    seen.lock().unwrap_or_else(|e| e.into_inner()).push(proto);
    let Ok(mut server) = TcpStream::connect(upstream) else {
        return;
    };
    if server.write_all(&first).is_err() {
        return;
    }
    let (Ok(mut client_out), Ok(mut server_in)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let back = std::thread::spawn(move || {
        let _ = std::io::copy(&mut server_in, &mut client_out);
        let _ = client_out.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut client, &mut server);
    let _ = server.shutdown(Shutdown::Write);
    let _ = back.join();
}

/// A client of `addr` in `mode`, trusting `ca` when given.
fn client(addr: &str, mode: SslMode, ca: Option<&std::path::Path>) -> Client {
    let mut builder = Client::builder().server(addr).sslmode(mode);
    if let Some(ca) = ca {
        builder = builder.ca_cert(ca);
    }
    builder.build().unwrap_or_else(|e| panic!("{mode}: {e}"))
}

/// `SELECT 1` and the node's version (`GET /`): each must succeed.
fn works(c: &Client, what: &str) {
    let r = c.sql("SELECT 1", NO_ARGS);
    assert_eq!(r.map(|r| r.rows).ok(), Some(vec![vec![json!(1)]]), "{what}");
    let info = c.server_info().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(info.version.raw, "6.4.3", "{what}");
}

/// The reason of a request that reached no server (the one server's failure).
fn not_sent_reason(e: &Error, what: &str) -> String {
    assert!(!e.may_have_executed(), "{what}: not sent, yet {e}");
    match e {
        Error::AllServersFailed { failures } if failures.len() == 1 => failures[0].1.clone(),
        other => panic!("{what}: expected one server's failure, got {other:?}"),
    }
}

const UNKNOWN_ISSUER: &str = "TLS failure: the server's certificate has an unknown issuer, a CA \
                              that is not trusted here";

#[test]
fn live_tls_verified_with_its_ca() {
    let Some(node) = tls_node("tls verified") else {
        return;
    };
    // The URL as cratedb.sh prints it: verify-full with the CA.
    let c = Client::new(&node.url).unwrap_or_else(|e| panic!("{e}"));
    works(&c, "verify-full from the URL");
    // By name too (the certificate lists localhost and 127.0.0.1), and verify-ca.
    let port = node.addr.rsplit(':').next().unwrap_or_default();
    let by_name = client(
        &format!("localhost:{port}"),
        SslMode::VerifyFull,
        Some(&node.ca),
    );
    works(&by_name, "verify-full by name");
    works(
        &client(&node.addr, SslMode::VerifyCa, Some(&node.ca)),
        "verify-ca",
    );
    let ssl = Client::builder()
        .server(&node.addr)
        .ssl(true)
        .ca_cert(&node.ca)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    works(&ssl, "ssl=true with the CA");
}

#[test]
fn live_tls_unknown_ca_is_refused_with_a_clear_error() {
    let Some(node) = tls_node("tls unknown CA") else {
        return;
    };
    let insert = "INSERT INTO doc.never_created (a) VALUES (1)";
    let cases = [
        ("verify-full without ca_cert", None, SslMode::VerifyFull),
        ("verify-ca without ca_cert", None, SslMode::VerifyCa),
        (
            "verify-full with another CA",
            Some(PathBuf::from(OTHER_CA)),
            SslMode::VerifyFull,
        ),
    ];
    for (what, ca, mode) in cases {
        let c = client(&node.addr, mode, ca.as_deref());
        let e = c.sql(insert, NO_ARGS).expect_err(what);
        let reason = not_sent_reason(&e, what);
        assert!(reason.starts_with(UNKNOWN_ISSUER), "{what}: {reason}");
        assert!(
            reason.contains("UnknownIssuer") && reason.contains("?ca_cert=PATH"),
            "{what}: {reason}"
        );
        println!("{what}: {e}");
    }
    // ssl=true verifies too.
    let c =
        Client::new(&format!("crate://{}/?ssl=true", node.addr)).unwrap_or_else(|e| panic!("{e}"));
    let e = c.sql(insert, NO_ARGS).expect_err("ssl=true without the CA");
    assert!(not_sent_reason(&e, "ssl=true").starts_with(UNKNOWN_ISSUER));
}

#[test]
fn live_tls_plain_http_to_the_tls_node_suggests_ssl() {
    let Some(node) = tls_node("tls plain HTTP") else {
        return;
    };
    for url in [
        format!("crate://{}", node.addr),
        format!("crate://{}/?sslmode=disable", node.addr),
    ] {
        let c = Client::new(&url).unwrap_or_else(|e| panic!("{e}"));
        // A write: it cannot have run (the node only reads TLS), so it is reported as not sent.
        let e = c
            .sql("INSERT INTO doc.never_created (a) VALUES (1)", NO_ARGS)
            .expect_err("plain HTTP to a TLS port");
        let reason = not_sent_reason(&e, &url);
        assert!(
            reason.starts_with(
                "the server speaks TLS (HTTPS) on this port: it closed the plain-HTTP \
                 connection without an answer"
            ),
            "{url}: {reason}"
        );
        assert!(
            reason.contains("so the request was not executed; connect with TLS: ?ssl=true"),
            "{url}: {reason}"
        );
        println!("{url}: {e}");
    }
}

/// The sslmode table of `docs/reliability.md` ("TLS modes on a real node"), row by row, against
/// the TLS-only node: which protocols the client opens, in which order, and the outcome.
#[test]
fn live_tls_sslmodes_behave_as_the_readme_says() {
    let Some(node) = tls_node("tls sslmodes") else {
        return;
    };
    let other_ca = PathBuf::from(OTHER_CA);
    let run = |mode: SslMode, ca: Option<&std::path::Path>| {
        let relay = Relay::to(&node.addr);
        let c = client(&relay.addr, mode, ca);
        let results: Vec<Result<(), Error>> = (0..3)
            .map(|_| c.sql("SELECT 1", NO_ARGS).map(|_| ()))
            .collect();
        let seen = relay.seen();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        let ca = match ca {
            None => "no CA",
            Some(ca) if ca == node.ca => "its CA",
            Some(_) => "another CA",
        };
        println!("sslmode={mode} with {ca}: {ok} of 3 answered; connections {seen:?}");
        (results, seen)
    };
    let all_ok = |results: &[Result<(), Error>], what: &str| {
        for r in results {
            assert!(r.is_ok(), "{what}: {r:?}");
        }
    };

    // disable: plain HTTP only; the node drops it, and a probe over TLS (GET / without
    // credentials, stopped at the unknown certificate) tells why.
    let (results, seen) = run(SslMode::Disable, None);
    for r in &results {
        let e = r.as_ref().expect_err("disable against TLS");
        assert!(
            not_sent_reason(e, "disable").starts_with("the server speaks TLS (HTTPS) on this port"),
            "{e}"
        );
    }
    assert_eq!(seen, [Plain, Tls, Plain, Tls, Plain, Tls], "disable");

    // allow: plain HTTP first; the node does not answer it, so HTTPS at once, and HTTPS from
    // then on (one kept-alive connection). Without a CA it does not verify.
    let (results, seen) = run(SslMode::Allow, None);
    all_ok(&results, "allow");
    assert_eq!(seen.first(), Some(&Plain), "allow: {seen:?}");
    assert!(
        seen.len() >= 2 && seen[1..].iter().all(|p| *p == Tls),
        "allow: {seen:?}"
    );
    let (results, seen) = run(SslMode::Allow, Some(&node.ca));
    all_ok(&results, "allow with the CA");
    assert_eq!(seen.first(), Some(&Plain), "allow with the CA: {seen:?}");
    assert!(
        seen[1..].iter().all(|p| *p == Tls),
        "allow with the CA: {seen:?}"
    );

    // prefer: HTTPS first, and only HTTPS since the node speaks it.
    let (results, seen) = run(SslMode::Prefer, None);
    all_ok(&results, "prefer");
    assert!(
        !seen.is_empty() && seen.iter().all(|p| *p == Tls),
        "prefer: {seen:?}"
    );
    let (results, seen) = run(SslMode::Prefer, Some(&node.ca));
    all_ok(&results, "prefer with the CA");
    assert!(
        seen.iter().all(|p| *p == Tls),
        "prefer with the CA: {seen:?}"
    );

    // require: HTTPS only, not verified without a CA (as libpq).
    let (results, seen) = run(SslMode::Require, None);
    all_ok(&results, "require");
    assert!(
        !seen.is_empty() && seen.iter().all(|p| *p == Tls),
        "require: {seen:?}"
    );

    // verify-ca, verify-full: HTTPS, verified against the CA.
    for mode in [SslMode::VerifyCa, SslMode::VerifyFull] {
        let (results, seen) = run(mode, Some(&node.ca));
        all_ok(&results, mode.as_str());
        assert!(
            !seen.is_empty() && seen.iter().all(|p| *p == Tls),
            "{mode}: {seen:?}"
        );
    }

    // verify-ca and verify-full both check the host name too: the node's certificate lists
    // localhost and 127.0.0.1, not 127.0.0.2 (a loopback address all the same).
    for mode in [SslMode::VerifyCa, SslMode::VerifyFull] {
        let relay = Relay::on("127.0.0.2", &node.addr);
        let c = client(&relay.addr, mode, Some(&node.ca));
        let e = c
            .sql("SELECT 1", NO_ARGS)
            .expect_err("a name the certificate lacks");
        let reason = not_sent_reason(&e, mode.as_str());
        assert!(
            reason.starts_with(
                "TLS failure: the server's certificate is not valid for the host name connected to"
            ) && reason.contains("127.0.0.2"),
            "{mode}: {reason}"
        );
        assert_eq!(relay.seen(), [Tls], "{mode}");
        println!("sslmode={mode} on 127.0.0.2: {e}");
    }

    // With a CA, require/prefer/allow verify, and a certificate that fails verification is an
    // error, never a reason to go plain: prefer and require open no plain connection; allow
    // opened its plain one first, as always, and did not resend in the clear after the TLS
    // failure.
    for mode in [SslMode::Require, SslMode::Prefer, SslMode::Allow] {
        let (results, seen) = run(mode, Some(&other_ca));
        for r in &results {
            let e = r.as_ref().expect_err("another CA");
            let reason = not_sent_reason(e, mode.as_str());
            assert!(reason.starts_with(UNKNOWN_ISSUER), "{mode}: {reason}");
        }
        let expected: &[Proto] = match mode {
            SslMode::Allow => &[Plain, Tls, Plain, Tls, Plain, Tls],
            _ => &[Tls, Tls, Tls],
        };
        assert_eq!(seen, expected, "{mode} with another CA");
    }
}

/// The other side of the table, against the plain-HTTP node of `CRATEDB_URL`: `prefer` tries
/// HTTPS first and falls back to plain HTTP (used from then on), `allow` stays on plain HTTP.
#[test]
fn live_prefer_and_allow_order_against_cratedb_without_tls() {
    let Some((_, parsed)) = server_of("CRATEDB_URL", "tls order on plain HTTP") else {
        return;
    };
    let addr = parsed
        .servers()
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    for mode in [SslMode::Prefer, SslMode::Allow] {
        let relay = Relay::to(&addr);
        let c = client(&relay.addr, mode, None);
        for _ in 0..3 {
            let r = c.sql("SELECT 1", NO_ARGS);
            assert_eq!(r.map(|r| r.rows).ok(), Some(vec![vec![json!(1)]]), "{mode}");
        }
        let seen = relay.seen();
        println!("sslmode={mode} on plain HTTP: 3 of 3 answered; connections {seen:?}");
        match mode {
            SslMode::Prefer => {
                assert_eq!(seen.first(), Some(&Tls), "prefer: {seen:?}");
                assert!(
                    seen.len() >= 2 && seen[1..].iter().all(|p| *p == Plain),
                    "prefer: {seen:?}"
                );
            }
            _ => assert!(
                !seen.is_empty() && seen.iter().all(|p| *p == Plain),
                "allow: {seen:?}"
            ),
        }
    }
    // require: TLS only, so the plain node is an error saying why.
    let relay = Relay::to(&addr);
    let c = client(&relay.addr, SslMode::Require, None);
    let e = c
        .sql("SELECT 1", NO_ARGS)
        .expect_err("require on plain HTTP");
    let reason = not_sent_reason(&e, "require");
    assert!(
        reason.starts_with("TLS failure: the server does not speak TLS on this port"),
        "{reason}"
    );
    assert_eq!(relay.seen(), [Tls]);
}
