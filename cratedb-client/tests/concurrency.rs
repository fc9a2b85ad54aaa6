//! One client shared by 16 threads doing mixed reads and writes for a bounded time: no panic,
//! no deadlock, every request answered, and round-robin stays balanced. `--nocapture` prints
//! the spread.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cratedb_client::testing::TestServer;
use cratedb_client::Client;
use serde_json::json;

#[test]
fn sixteen_threads_share_one_client() {
    let servers: Vec<TestServer> = (0..3).map(|_| TestServer::start()).collect();
    let client = Client::builder()
        .servers(servers.iter().map(TestServer::addr))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let client = client.clone();
            let (stop, done, failed) = (Arc::clone(&stop), Arc::clone(&done), Arc::clone(&failed));
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let result = if n % 3 == 0 {
                        client
                            .bulk(
                                "INSERT INTO t (a, b) VALUES ($1, $2)",
                                &vec![vec![json!(t), json!(n)]; 3],
                            )
                            .map(|_| ())
                    } else if n % 3 == 1 {
                        client
                            .sql(
                                "INSERT INTO t (a, b) VALUES ($1, $2)",
                                &[json!(t), json!(n)],
                            )
                            .map(|_| ())
                    } else {
                        client
                            .sql("SELECT a FROM t WHERE b = $1", &[json!(n)])
                            .map(|_| ())
                    };
                    match result {
                        Ok(()) => done.fetch_add(1, Ordering::Relaxed),
                        Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                    };
                    n += 1;
                }
            })
        })
        .collect();
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap_or_else(|_| panic!("a thread panicked"));
    }
    let elapsed = started.elapsed();
    let spread: Vec<usize> = servers.iter().map(TestServer::request_count).collect();
    let total: usize = spread.iter().sum();
    let mean = total as f64 / spread.len() as f64;
    let worst = spread
        .iter()
        .map(|&n| (n as f64 - mean).abs() / mean)
        .fold(0.0, f64::max);
    println!(
        "concurrency: 16 threads, {:.1} s, {} requests ok, {} failed, per server {spread:?}, worst deviation {:.1}%",
        elapsed.as_secs_f64(),
        done.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
        worst * 100.0
    );
    assert_eq!(failed.load(Ordering::Relaxed), 0);
    assert_eq!(total, done.load(Ordering::Relaxed));
    assert!(total > 100, "work got done: {total}");
    assert!(worst < 0.05, "round-robin stays balanced: {spread:?}");
}
