//! One misbehaving node in a three-node cluster, for each kind of fault: hanging past the read
//! timeout, 503, closing the connection mid-body, truncated JSON, malformed JSON, a 2 GB-claiming
//! `Content-Length`. Each run of writes (each read back) completes through the healthy nodes;
//! no write reaches the cluster twice; every error is typed and names the server and the cause.
//!
//! Figures are printed (`cargo test --test fault_replies -- --nocapture`).

mod fault_support;

use std::time::{Duration, Instant};

use cratedb_client::{Client, Error};
use fault_support::{kind, peak_rss_mib, Cluster, Fault, Tally, INSERT, SELECT};
use serde_json::json;

const OPS: u64 = 150;
const RETRY_INTERVAL: Duration = Duration::from_millis(50);
const TIMEOUT: Duration = Duration::from_millis(300);

/// What one run saw.
struct Run {
    cluster: Cluster,
    write_errors: Vec<(u64, Error)>,
    read_errors: Vec<(u64, Error)>,
    acknowledged: Vec<u64>,
    tally: Tally,
}

fn run(fault: Fault, client: impl Fn(&Cluster) -> Client) -> Run {
    let cluster = Cluster::start(3);
    cluster.set_fault(0, fault);
    let client = client(&cluster);
    let started = Instant::now();
    let mut write_errors = Vec::new();
    let mut read_errors = Vec::new();
    let mut acknowledged = Vec::new();
    let mut tally = Tally::default();
    for id in 0..OPS {
        let value = format!("v{id}");
        match client.sql(INSERT, &[json!(id), json!(value)]) {
            Ok(_) => {
                tally.add("write ok");
                acknowledged.push(id);
            }
            Err(e) => {
                tally.add(&format!("write {}", kind(&e)));
                write_errors.push((id, e));
            }
        }
        match client.query_as::<(String,), _>(SELECT, &[json!(id)]) {
            Ok(r) => {
                tally.add("read ok");
                if acknowledged.last() == Some(&id) {
                    assert_eq!(r.rows, vec![(value,)], "read back of {id}");
                }
            }
            Err(e) => {
                tally.add(&format!("read {}", kind(&e)));
                read_errors.push((id, e));
            }
        }
    }
    let elapsed = started.elapsed();

    // Common guarantees: every acknowledged write landed; nothing was sent twice; every
    // attempted write landed at most once.
    for id in &acknowledged {
        assert_eq!(cluster.store.get(*id), Some(format!("v{id}")), "lost {id}");
    }
    assert!(
        cluster.store.duplicates().is_empty(),
        "{fault:?}: writes sent twice: {:?}",
        cluster.store.duplicates()
    );
    println!(
        "{fault:?}: {OPS} writes + {OPS} reads in {elapsed:.2?}; outcomes {:?}; requests per node \
         {:?}; landed {}, duplicates 0",
        tally.0,
        cluster.spread(),
        cluster.store.len()
    );
    if let Some((_, e)) = write_errors.first().or(read_errors.first()) {
        println!("  e.g. {e}");
    }
    Run {
        cluster,
        write_errors,
        read_errors,
        acknowledged,
        tally,
    }
}

fn default_client(cluster: &Cluster) -> Client {
    cluster.client(RETRY_INTERVAL, TIMEOUT, false)
}

/// Every error names the faulty node (node 0) and says `cause`.
fn assert_named(errors: &[(u64, Error)], cluster: &Cluster, cause: &str) {
    let faulty = &cluster.addrs()[0];
    for (_, e) in errors {
        let text = e.to_string();
        assert!(text.contains(faulty.as_str()), "server not named: {text}");
        assert!(text.contains(cause), "cause {cause:?} not named: {text}");
    }
}

#[test]
fn unavailable_node_is_skipped() {
    let r = run(Fault::Unavailable, default_client);
    // 503 means "not executed": reads and writes alike move on, nothing fails.
    assert!(r.write_errors.is_empty(), "{:?}", r.write_errors);
    assert!(r.read_errors.is_empty(), "{:?}", r.read_errors);
    assert_eq!(r.cluster.store.len(), OPS as usize);
    assert_eq!(r.cluster.executed()[0], (0, 0));
    assert!(r.cluster.spread()[0] > 0, "the node was tried");
}

#[test]
fn hanging_node_times_out() {
    let r = run(Fault::Hang(Duration::from_millis(900)), default_client);
    // Reads move on; a write whose answer did not come is reported, not resent.
    assert!(r.read_errors.is_empty(), "{:?}", r.read_errors);
    assert!(
        !r.write_errors.is_empty(),
        "the hanging node was never written to"
    );
    assert_named(&r.write_errors, &r.cluster, "no answer in time");
    for (id, e) in &r.write_errors {
        assert!(matches!(e, Error::Connection { .. }), "{e:?}");
        assert!(e.to_string().contains("not resent"), "{e}");
        assert_eq!(r.cluster.store.received(*id), 1);
    }
    assert_eq!(
        r.acknowledged.len() + r.write_errors.len(),
        OPS as usize,
        "{:?}",
        r.tally
    );
}

#[test]
fn node_closing_mid_body() {
    let r = run(Fault::CutMidBody, default_client);
    assert!(r.read_errors.is_empty(), "{:?}", r.read_errors);
    assert!(!r.write_errors.is_empty());
    assert_named(&r.write_errors, &r.cluster, "truncated");
    for (id, e) in &r.write_errors {
        assert!(matches!(e, Error::Protocol { .. }), "{e:?}");
        assert_eq!(r.cluster.store.received(*id), 1);
    }
}

#[test]
fn node_sending_truncated_or_malformed_json() {
    for (fault, cause) in [
        (Fault::TruncatedJson, "truncated JSON"),
        (Fault::MalformedJson, "not JSON"),
    ] {
        let r = run(fault, default_client);
        // A complete HTTP answer that breaks the protocol is reported, never resent (the
        // statement ran), and names the node.
        assert!(!r.write_errors.is_empty() && !r.read_errors.is_empty());
        assert_named(&r.write_errors, &r.cluster, cause);
        assert_named(&r.read_errors, &r.cluster, cause);
        for (_, e) in r.write_errors.iter().chain(&r.read_errors) {
            assert!(matches!(e, Error::Protocol { .. }), "{e:?}");
        }
        // Only the faulty node's answers fail: about a third.
        let failed = r.write_errors.len() + r.read_errors.len();
        assert!(failed <= (2 * OPS as usize) / 2, "{:?}", r.tally);
    }
}

#[test]
fn node_claiming_a_two_gigabyte_body() {
    // Over the (default, 256 MiB) limit: refused from the header alone.
    let r = run(Fault::ClaimsTwoGigabytes, default_client);
    assert!(!r.read_errors.is_empty());
    assert_named(&r.read_errors, &r.cluster, "exceeds the body limit");
    for (_, e) in r.write_errors.iter().chain(&r.read_errors) {
        assert!(matches!(e, Error::BodyTooLarge { .. }), "{e:?}");
    }

    // Under a 4 GiB limit the claim is believed until the connection ends early: the answer
    // is cut, reads move on, and nothing reserves 2 GB.
    let r = run(Fault::ClaimsTwoGigabytes, |c| {
        Client::builder()
            .servers(c.addrs())
            .retry_interval(RETRY_INTERVAL)
            .timeout(TIMEOUT)
            .body_limit(4 * 1024 * 1024 * 1024)
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    });
    assert!(r.read_errors.is_empty(), "{:?}", r.read_errors);
    assert_named(&r.write_errors, &r.cluster, "truncated");
    let peak = peak_rss_mib();
    println!("  peak resident memory of the test process: {peak:?} MiB");
    if let Some(peak) = peak {
        assert!(peak < 1024, "{peak} MiB resident");
    }
}
