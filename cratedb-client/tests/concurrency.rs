//! One client shared by 16 threads doing mixed reads and writes for a bounded time against a
//! three-node cluster: no panic, no deadlock (every thread reports back in time), every write
//! lands exactly once, and round-robin keeps the nodes evenly loaded.
//!
//! Figures are printed (`cargo test --test concurrency -- --nocapture`).

mod fault_support;

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use cratedb_client::Client;
use fault_support::{kind, Cluster, Fault, Tally, INSERT, SELECT};
use serde_json::json;

const THREADS: usize = 16;
const RUN_FOR: Duration = Duration::from_secs(2);

/// What one thread did.
#[derive(Default)]
struct Work {
    writes: Vec<u64>,
    reads: usize,
    bulk_rows: usize,
    errors: Tally,
}

fn work(client: &Client, next: &AtomicU64, thread: usize, until: Instant) -> Work {
    let mut w = Work::default();
    let mut step = 0usize;
    while Instant::now() < until {
        step += 1;
        let id = next.fetch_add(1, Ordering::SeqCst);
        match (thread + step) % 4 {
            // A single-row write, read back.
            0 | 1 => match client.sql(INSERT, &[json!(id), json!(format!("v{id}"))]) {
                Ok(_) => {
                    w.writes.push(id);
                    match client.query_as::<(String,), _>(SELECT, &[json!(id)]) {
                        Ok(r) => {
                            assert_eq!(r.rows, vec![(format!("v{id}"),)]);
                            w.reads += 1;
                        }
                        Err(e) => w.errors.add(kind(&e)),
                    }
                }
                Err(e) => w.errors.add(kind(&e)),
            },
            // A read of a row that may or may not exist yet.
            2 => match client.sql(SELECT, &[json!(id / 2)]) {
                Ok(_) => w.reads += 1,
                Err(e) => w.errors.add(kind(&e)),
            },
            // Server information.
            _ => match client.server_info() {
                Ok(info) => assert!(!info.version.to_string().is_empty()),
                Err(e) => w.errors.add(kind(&e)),
            },
        }
        if step % 50 == 0 {
            // A bulk write of three fresh ids now and then.
            let ids: Vec<u64> = (0..3)
                .map(|_| next.fetch_add(1, Ordering::SeqCst))
                .collect();
            let rows: Vec<_> = ids
                .iter()
                .map(|id| vec![json!(id), json!(format!("v{id}"))])
                .collect();
            match client.bulk(INSERT, &rows) {
                Ok(r) if r.failed_rows().is_empty() => {
                    w.bulk_rows += ids.len();
                    w.writes.extend(ids);
                }
                Ok(r) => panic!("bulk rows failed: {:?}", r.failed_rows()),
                Err(e) => w.errors.add(kind(&e)),
            }
        }
    }
    w
}

#[test]
fn sixteen_threads_share_one_client() {
    let cluster = Cluster::start(3);
    cluster.set_fault(0, Fault::None);
    let client = cluster.client(Duration::from_secs(30), Duration::from_secs(5), false);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let until = started + RUN_FOR;
    let (tx, rx) = mpsc::channel();
    // Half the threads share one client instance, half use clones (which share its state).
    let shared = Arc::new(client.clone());
    for thread in 0..THREADS {
        let client = if thread % 2 == 0 {
            Arc::clone(&shared)
        } else {
            Arc::new(client.clone())
        };
        let next = Arc::clone(&next);
        let tx = tx.clone();
        std::thread::spawn(move || {
            let outcome =
                std::panic::catch_unwind(AssertUnwindSafe(|| work(&client, &next, thread, until)))
                    .map_err(|p| {
                        p.downcast_ref::<String>()
                            .cloned()
                            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default()
                    });
            let _ = tx.send((thread, outcome));
        });
    }
    drop(tx);

    let mut writes = Vec::new();
    let (mut reads, mut bulk_rows) = (0, 0);
    let mut errors = Tally::default();
    for _ in 0..THREADS {
        // Deadlock guard: every thread must report within the run time plus a margin.
        let (thread, outcome) = rx
            .recv_timeout(RUN_FOR + Duration::from_secs(20))
            .unwrap_or_else(|e| panic!("a thread did not finish (deadlock?): {e}"));
        let w = outcome.unwrap_or_else(|p| panic!("thread {thread} panicked: {p}"));
        writes.extend(w.writes);
        reads += w.reads;
        bulk_rows += w.bulk_rows;
        for (k, n) in w.errors.0 {
            for _ in 0..n {
                errors.add(&k);
            }
        }
    }
    let elapsed = started.elapsed();
    let spread = cluster.spread();
    let roots: Vec<usize> = cluster
        .servers
        .iter()
        .map(|s| s.root_request_count())
        .collect();
    let total: usize = spread.iter().sum::<usize>() + roots.iter().sum::<usize>();
    let per_node: Vec<usize> = spread.iter().zip(&roots).map(|(a, b)| a + b).collect();
    let mean = total as f64 / per_node.len() as f64;
    let worst = per_node
        .iter()
        .map(|&n| (n as f64 - mean).abs() / mean)
        .fold(0.0, f64::max);
    println!(
        "concurrency: {THREADS} threads for {elapsed:.2?}: {} writes ({bulk_rows} in bulk), {reads} \
         reads, {total} requests ({:.0}/s); requests per node {per_node:?} (max deviation from \
         the mean {:.2}%); errors {:?}",
        writes.len(),
        total as f64 / elapsed.as_secs_f64(),
        worst * 100.0,
        errors.0
    );

    assert_eq!(errors.total(), 0, "errors: {:?}", errors.0);
    assert!(writes.len() > 100, "too little work done: {}", writes.len());
    for id in &writes {
        assert_eq!(cluster.store.get(*id), Some(format!("v{id}")), "lost {id}");
    }
    assert_eq!(cluster.store.len(), writes.len());
    assert!(cluster.store.duplicates().is_empty());
    // Round-robin: each node within 5% of the mean (the rotation is shared by every thread;
    // only requests still in flight at the end make a difference).
    assert!(worst < 0.05, "unbalanced: {per_node:?}");
}
