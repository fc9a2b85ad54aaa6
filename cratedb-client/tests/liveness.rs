//! The liveness check (`ClientBuilder::liveness_check`): a server that accepts a request and
//! then stays silent is probed on a new connection; a frozen one (here: a socket whose
//! backlog accepts connections that nobody reads, as a stopped JVM's kernel does) is given up
//! on after the silence plus the probe's wait, a slow but working one is waited for.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::{Client, Error};
use serde_json::Value;

const NO_ARGS: &[Value] = &[];

/// A listening socket nobody accepts on: connections complete (the kernel's backlog), requests
/// are buffered, nothing ever answers.
fn frozen() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    (listener, addr)
}

fn client(servers: &[String], liveness: Option<Duration>, timeout: Duration) -> Client {
    Client::builder()
        .servers(servers.iter().map(String::as_str))
        .connect_timeout(Duration::from_millis(400))
        .liveness_check(liveness)
        .timeout(timeout)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_frozen_server_is_given_up_on_after_the_silence_and_the_probe() {
    let (_frozen, addr) = frozen();
    let c = client(
        std::slice::from_ref(&addr),
        Some(Duration::from_millis(300)),
        Duration::from_secs(60),
    );
    let started = Instant::now();
    let err = c
        .sql("UPDATE t SET v = 1 WHERE id = 1", NO_ARGS)
        .expect_err("a frozen server answers nothing");
    let took = started.elapsed();
    // 300 ms of silence, then at most 400 ms for the probe; far below the 60 s timeout.
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(took >= Duration::from_millis(600), "took {took:?}");
    let text = err.to_string();
    assert!(
        text.contains("went silent") && text.contains("liveness probe"),
        "{text}"
    );
    // The write may have been read by the server before it froze: its outcome is unknown.
    assert!(err.may_have_executed(), "{err:?}");
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
}

#[test]
fn a_read_moves_on_from_a_frozen_server_which_is_then_left_alone() {
    let (_frozen, addr) = frozen();
    let healthy = TestServer::start();
    let c = client(
        &[addr, healthy.addr()],
        Some(Duration::from_millis(300)),
        Duration::from_secs(60),
    );
    let started = Instant::now();
    // The first request goes to the frozen server, is given up on, and goes to the other.
    c.sql("SELECT 1", NO_ARGS)
        .unwrap_or_else(|e| panic!("the read moves on: {e}"));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(healthy.request_count(), 1);
    // The frozen server is inactive for the retry interval: the next requests are instant.
    let next = Instant::now();
    for _ in 0..5 {
        c.sql("SELECT 1", NO_ARGS).unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(
        next.elapsed() < Duration::from_millis(500),
        "{:?}",
        next.elapsed()
    );
    assert_eq!(healthy.request_count(), 6);
}

#[test]
fn a_slow_but_working_server_is_waited_for() {
    let slow = TestServer::with_handler(|_| {
        Reply::delay(
            Duration::from_millis(1500),
            Reply::rows(&["n"], vec![vec![1.into()]]),
        )
    });
    let c = client(
        &[slow.addr()],
        Some(Duration::from_millis(300)),
        Duration::from_secs(60),
    );
    let r = c
        .sql("SELECT n FROM slow", NO_ARGS)
        .unwrap_or_else(|e| panic!("a slow server that reacts is waited for: {e}"));
    assert_eq!(r.rows, vec![vec![Value::from(1)]]);
    // Probed while it worked (every 300 ms of silence), each probe answered at once.
    assert!(
        slow.root_request_count() >= 2,
        "{} probes",
        slow.root_request_count()
    );
}

#[test]
fn without_the_check_a_frozen_server_is_waited_for_until_the_timeout() {
    let (_frozen, addr) = frozen();
    let c = client(&[addr], None, Duration::from_millis(1200));
    let started = Instant::now();
    let err = c.sql("SELECT 1", NO_ARGS).expect_err("nothing answers");
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(1100), "took {took:?}");
    assert!(!err.to_string().contains("went silent"), "{err}");
}

#[test]
fn a_zero_liveness_check_is_refused() {
    let err = Client::builder()
        .servers(["localhost:4200"])
        .liveness_check(Some(Duration::ZERO))
        .build()
        .expect_err("zero");
    assert!(err.to_string().contains("liveness_check"), "{err}");
}
