//! Killing nodes of a three-node cluster during a run of 10,000 single-row writes, each read
//! back: the run completes through the live nodes, no acknowledged write is lost, no write
//! reaches the cluster twice (writes are not resent), every failed write names its server and
//! cause, and the killed nodes rejoin after the retry interval once they are back.
//!
//! Figures are printed (`cargo test --test fault_cluster -- --nocapture`).

mod fault_support;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cratedb_client::{Client, Error};
use fault_support::{kind, Cluster, Fault, Tally, INSERT, SELECT};
use serde_json::json;

const WRITES: u64 = 10_000;
const WORKERS: usize = 4;
const RETRY_INTERVAL: Duration = Duration::from_millis(200);
const WRITES_VS_HANG: u64 = 18;

/// What the workers saw.
#[derive(Default)]
struct Outcomes {
    /// Ids whose INSERT returned Ok.
    acknowledged: Vec<u64>,
    /// Ids whose INSERT failed, with the error.
    failed: Vec<(u64, Error)>,
    /// Reads that failed (none may).
    read_errors: Vec<(u64, Error)>,
    /// Reads that returned a wrong value.
    wrong_reads: Vec<u64>,
}

fn worker(client: &Client, next: &AtomicU64, done: &AtomicUsize, out: &Mutex<Outcomes>) {
    let mut local = Outcomes::default();
    loop {
        let id = next.fetch_add(1, Ordering::SeqCst);
        if id >= WRITES {
            break;
        }
        let value = format!("v{id}");
        match client.sql(INSERT, &[json!(id), json!(value)]) {
            Ok(_) => {
                local.acknowledged.push(id);
                match client.query_as::<(String,), _>(SELECT, &[json!(id)]) {
                    Ok(r) if r.rows.first().map(|(v,)| v.as_str()) == Some(value.as_str()) => {}
                    Ok(_) => local.wrong_reads.push(id),
                    Err(e) => local.read_errors.push((id, e)),
                }
            }
            Err(e) => local.failed.push((id, e)),
        }
        done.fetch_add(1, Ordering::SeqCst);
    }
    let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
    out.acknowledged.extend(local.acknowledged);
    out.failed.extend(local.failed);
    out.read_errors.extend(local.read_errors);
    out.wrong_reads.extend(local.wrong_reads);
}

fn wait_for(done: &AtomicUsize, count: usize, deadline: Instant) {
    while done.load(Ordering::SeqCst) < count {
        assert!(Instant::now() < deadline, "the run stalled at {done:?}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn kill_one_then_two_nodes_during_ten_thousand_writes() {
    let cluster = Cluster::start(3);
    let client = cluster.client(RETRY_INTERVAL, Duration::from_secs(2), false);
    let next = AtomicU64::new(0);
    let done = AtomicUsize::new(0);
    let outcomes = Mutex::new(Outcomes::default());
    let started = Instant::now();
    let deadline = started + Duration::from_secs(60);
    let mut phases = Vec::new();
    let mut after_restart = Vec::new();

    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| worker(&client, &next, &done, &outcomes));
        }
        wait_for(&done, 2_500, deadline);
        cluster.servers[0].stop();
        phases.push(("node 0 killed", cluster.spread()));
        wait_for(&done, 5_000, deadline);
        cluster.servers[1].stop();
        phases.push(("node 1 killed", cluster.spread()));
        wait_for(&done, 7_000, deadline);
        cluster.servers[0]
            .restart()
            .unwrap_or_else(|e| panic!("restart: {e}"));
        cluster.servers[1]
            .restart()
            .unwrap_or_else(|e| panic!("restart: {e}"));
        after_restart = cluster.spread();
        phases.push(("nodes 0, 1 back", after_restart.clone()));
    });
    let elapsed = started.elapsed();
    let out = outcomes.into_inner().unwrap_or_else(|e| e.into_inner());
    let store = &cluster.store;

    // Every write was attempted and answered one way or the other.
    assert_eq!(
        out.acknowledged.len() + out.failed.len(),
        WRITES as usize,
        "writes unaccounted for"
    );
    // No acknowledged write is lost.
    let lost: Vec<u64> = out
        .acknowledged
        .iter()
        .copied()
        .filter(|&id| store.get(id) != Some(format!("v{id}")))
        .collect();
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");
    // Nothing reached the cluster twice: writes are never resent without retry_writes.
    let duplicates = store.duplicates();
    assert!(duplicates.is_empty(), "writes sent twice: {duplicates:?}");
    // Reads are resent, so every read of an acknowledged write succeeded with its value.
    assert!(
        out.read_errors.is_empty(),
        "reads failed: {:?}",
        out.read_errors
    );
    assert!(
        out.wrong_reads.is_empty(),
        "wrong reads: {:?}",
        out.wrong_reads
    );
    // A failed write is one whose outcome is unknown (in flight on a killed node): few, each
    // naming its server and cause, and at most once received.
    let addrs = cluster.addrs();
    let mut errors = Tally::default();
    for (id, e) in &out.failed {
        errors.add(kind(e));
        let text = e.to_string();
        assert!(
            addrs.iter().any(|a| text.contains(a.as_str())),
            "no server named: {text}"
        );
        // A kill can land before the answer (Connection) or in the middle of it (Protocol:
        // the answer was cut off); either way the write is reported, never resent.
        assert!(
            matches!(
                e,
                Error::Connection { .. } | Error::AllServersFailed { .. } | Error::Protocol { .. }
            ),
            "{e:?}"
        );
        assert!(store.received(*id) <= 1);
    }
    assert!(
        out.failed.len() <= 2 * WORKERS,
        "more failed writes than requests in flight at the two kills: {}",
        out.failed.len()
    );
    // The killed nodes took part again after their retry interval.
    let spread = cluster.spread();
    assert!(
        spread[0] > after_restart[0] && spread[1] > after_restart[1],
        "restarted nodes did not rejoin: {after_restart:?} → {spread:?}"
    );

    // The caller resolves the unknown outcomes: read, and write again what is missing.
    let mut resolved_landed = 0;
    let mut rewritten = 0;
    for (id, _) in &out.failed {
        let r = client
            .query_as::<(String,), _>(SELECT, &[json!(id)])
            .unwrap_or_else(|e| panic!("{e}"));
        if r.rows.is_empty() {
            client
                .sql(INSERT, &[json!(id), json!(format!("v{id}"))])
                .unwrap_or_else(|e| panic!("{e}"));
            rewritten += 1;
        } else {
            resolved_landed += 1;
        }
    }
    assert_eq!(
        store.len(),
        WRITES as usize,
        "rows missing after resolution"
    );
    assert!(store.duplicates().is_empty());

    println!("kill run: {WRITES} writes + reads by {WORKERS} threads in {elapsed:.2?}");
    for (phase, spread) in &phases {
        println!("  requests per node when {phase}: {spread:?}");
    }
    println!("  requests per node at the end: {spread:?}");
    println!(
        "  executed (writes, reads) per node: {:?}",
        cluster.executed()
    );
    println!(
        "  writes attempted {WRITES}, acknowledged {}, failed {} (errors by kind {:?}), \
         duplicates {}, lost 0; of the failed: {resolved_landed} had landed, {rewritten} rewritten",
        out.acknowledged.len(),
        out.failed.len(),
        errors.0,
        duplicates.len()
    );
    if let Some((_, e)) = out.failed.first() {
        println!("  e.g. {e}");
    }
}

/// With `retry_writes` on, a write whose answer never came is sent to the next node: it may
/// then reach the cluster twice (the caller sees 4091 for the copy when the first had landed).
/// Without it, the same faults never send a write twice.
#[test]
fn writes_are_sent_twice_only_when_opted_in() {
    for retry_writes in [false, true] {
        let cluster = Cluster::start(3);
        cluster.set_fault(0, Fault::Hang(Duration::from_millis(900)));
        let client = cluster.client(
            Duration::from_millis(1),
            Duration::from_millis(300),
            retry_writes,
        );
        let mut outcomes = Tally::default();
        let started = Instant::now();
        for id in 0..WRITES_VS_HANG {
            match client.sql(INSERT, &[json!(id), json!(format!("v{id}"))]) {
                Ok(_) => outcomes.add("ok"),
                Err(e) => {
                    // The timeout names the hanging node; a 4091 the node that refused the copy.
                    let text = e.to_string();
                    assert!(
                        cluster.addrs().iter().any(|a| text.contains(a.as_str())),
                        "{text}"
                    );
                    if !retry_writes {
                        assert!(text.contains(&cluster.addrs()[0]), "{text}");
                        assert!(text.contains("no answer in time"), "{text}");
                    }
                    outcomes.add(kind(&e));
                }
            }
        }
        let duplicates = cluster.store.duplicates();
        println!(
            "hanging node, retry_writes={retry_writes}: outcomes {:?}, ids sent twice {}, \
             spread {:?}, {:.2?}",
            outcomes.0,
            duplicates.len(),
            cluster.spread(),
            started.elapsed()
        );
        assert_eq!(
            cluster.store.len(),
            WRITES_VS_HANG as usize,
            "every write landed once"
        );
        if retry_writes {
            assert!(!duplicates.is_empty(), "the opt-in resends writes");
            assert!(duplicates.values().all(|&n| n == 2));
            assert_eq!(outcomes.get("connection"), 0);
            assert_eq!(outcomes.get("sql-duplicate-key"), duplicates.len());
        } else {
            assert!(duplicates.is_empty(), "writes resent: {duplicates:?}");
            assert!(outcomes.get("connection") > 0);
            assert_eq!(
                outcomes.get("ok") + outcomes.get("connection"),
                WRITES_VS_HANG as usize
            );
        }
    }
}
