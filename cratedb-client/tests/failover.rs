//! Round-robin and failover over several servers: servers down, coming back after the retry
//! interval, 502/503/504, and every server failing.

use std::time::Duration;

use cratedb_client::testing::{Reply, TestServer};
use cratedb_client::{Client, Error};
use serde_json::Value;

const NO_ARGS: &[Value] = &[];

fn client(servers: &[&TestServer], retry_interval: Duration) -> Client {
    Client::builder()
        .servers(servers.iter().map(|s| s.addr()))
        .retry_interval(retry_interval)
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn round_robin_over_healthy_servers() {
    let servers = [
        TestServer::start(),
        TestServer::start(),
        TestServer::start(),
    ];
    let c = client(
        &[&servers[0], &servers[1], &servers[2]],
        Duration::from_secs(30),
    );
    for _ in 0..9 {
        c.sql("SELECT 1", NO_ARGS).unwrap_or_else(|e| panic!("{e}"));
    }
    for s in &servers {
        assert_eq!(s.request_count(), 3);
    }
}

#[test]
fn two_of_three_down() {
    let servers = [
        TestServer::start(),
        TestServer::start(),
        TestServer::start(),
    ];
    servers[0].stop();
    servers[1].stop();
    let c = client(
        &[&servers[0], &servers[1], &servers[2]],
        Duration::from_secs(30),
    );
    let r = c
        .sql("INSERT INTO t VALUES (1)", NO_ARGS)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.rowcount, 1);
    assert_eq!(
        c.inactive_servers(),
        vec![servers[0].addr(), servers[1].addr()]
    );

    // Within the retry interval the failed servers are skipped, even once they are back.
    servers[0].restart().unwrap_or_else(|e| panic!("{e}"));
    servers[1].restart().unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..6 {
        c.sql("SELECT 1", NO_ARGS).unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(servers[0].request_count(), 0);
    assert_eq!(servers[1].request_count(), 0);
    assert_eq!(servers[2].request_count(), 7);
}

#[test]
fn server_returns_after_retry_interval() {
    let servers = [TestServer::start(), TestServer::start()];
    servers[0].stop();
    let c = client(&[&servers[0], &servers[1]], Duration::from_millis(800));
    c.sql("SELECT 1", NO_ARGS).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.inactive_servers(), vec![servers[0].addr()]);
    servers[0].restart().unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..4 {
        c.sql("SELECT 1", NO_ARGS).unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(servers[0].request_count(), 0);
    std::thread::sleep(Duration::from_millis(850));
    for _ in 0..4 {
        c.sql("SELECT 1", NO_ARGS).unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(servers[0].request_count(), 2);
    assert_eq!(servers[1].request_count(), 7);
    assert!(c.inactive_servers().is_empty());
}

#[test]
fn all_servers_failed_lists_each_reason() {
    let servers = [
        TestServer::start(),
        TestServer::start(),
        TestServer::start(),
    ];
    servers[0].stop();
    servers[1].stop();
    servers[2].set_handler(|_| Reply::status(503));
    let c = client(
        &[&servers[0], &servers[1], &servers[2]],
        Duration::from_secs(30),
    );
    for attempt in 0..2 {
        match c.sql("SELECT 1", NO_ARGS) {
            Err(Error::AllServersFailed { failures }) => {
                let names: Vec<&str> = failures.iter().map(|(s, _)| s.as_str()).collect();
                assert_eq!(names.len(), 3, "attempt {attempt}: {failures:?}");
                for s in &servers {
                    assert!(names.contains(&s.addr().as_str()), "{failures:?}");
                }
                let reason = |s: &TestServer| {
                    failures
                        .iter()
                        .find(|(n, _)| *n == s.addr())
                        .map(|(_, r)| r.clone())
                        .unwrap_or_default()
                };
                assert!(reason(&servers[0]).contains("refused"), "{failures:?}");
                assert!(reason(&servers[2]).contains("503"), "{failures:?}");
            }
            other => panic!("{other:?}"),
        }
    }
    let e = c
        .sql("SELECT 1", NO_ARGS)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.starts_with("all CrateDB servers failed"), "{e}");
    assert!(e.contains(&servers[1].addr()), "{e}");
    // Every attempt tried every server: the 503 server saw one request per attempt.
    assert_eq!(servers[2].request_count(), 3);
}

#[test]
fn when_all_are_inactive_the_longest_inactive_is_tried_first() {
    let servers = [TestServer::start(), TestServer::start()];
    servers[0].stop();
    servers[1].stop();
    let c = client(&[&servers[0], &servers[1]], Duration::from_secs(30));
    assert!(c.sql("SELECT 1", NO_ARGS).is_err());
    // servers[0] failed first, so it has been inactive longest.
    servers[0].restart().unwrap_or_else(|e| panic!("{e}"));
    servers[1].restart().unwrap_or_else(|e| panic!("{e}"));
    c.sql("SELECT 1", NO_ARGS).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(servers[0].request_count(), 1);
    assert_eq!(servers[1].request_count(), 0);
    assert_eq!(c.inactive_servers(), vec![servers[1].addr()]);
}

#[test]
fn gateway_statuses_fail_over_even_for_writes() {
    for status in [502, 503, 504] {
        let servers = [TestServer::start(), TestServer::start()];
        servers[0].set_handler(move |_| Reply::status(status));
        let c = client(&[&servers[0], &servers[1]], Duration::from_secs(30));
        let r = c.sql("INSERT INTO t VALUES (1)", NO_ARGS);
        assert!(r.is_ok(), "{status}: {r:?}");
        assert_eq!(servers[0].request_count(), 1);
        assert_eq!(servers[1].request_count(), 1);
        assert_eq!(c.inactive_servers(), vec![servers[0].addr()]);
    }
}

#[test]
fn cratedb_503_error_body_fails_over() {
    let servers = [TestServer::start(), TestServer::start()];
    servers[0].set_handler(|_| Reply::error(5030, "NodeNotConnectedException[no master]"));
    let c = client(&[&servers[0], &servers[1]], Duration::from_secs(30));
    c.sql("SELECT 1", NO_ARGS).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(servers[1].request_count(), 1);
}

#[test]
fn dns_failure_fails_over() {
    let server = TestServer::start();
    let c = Client::builder()
        .servers(["no-such-host.invalid:4200".to_string(), server.addr()])
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    c.sql("SELECT 1", NO_ARGS).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.inactive_servers(),
        vec!["no-such-host.invalid:4200".to_string()]
    );
}

#[test]
fn clones_share_server_state_across_threads() {
    let servers = [TestServer::start(), TestServer::start()];
    servers[0].stop();
    let c = client(&[&servers[0], &servers[1]], Duration::from_secs(30));
    c.sql("SELECT 1", NO_ARGS).unwrap_or_else(|e| panic!("{e}"));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || {
                for _ in 0..10 {
                    c.sql("SELECT 1", NO_ARGS)
                        .map(|_| ())
                        .unwrap_or_else(|e| panic!("{e}"));
                }
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().is_ok());
    }
    assert_eq!(servers[1].request_count(), 81);
    assert_eq!(c.inactive_servers(), vec![servers[0].addr()]);
}
