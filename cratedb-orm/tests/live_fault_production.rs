//! Production faults on a real 3-node CrateDB cluster (`CRATEDB_SH=/path/to/cratedb.sh`; see
//! `cluster/mod.rs`), beyond a killed node:
//!
//! - `live_fault_rolling_restart`: four writer threads commit inserts and one-key updates while
//!   each node in turn is stopped and started again (GREEN in between), as an upgrade does.
//!   Afterwards every row is stored once and as last written, and every commit error was
//!   resolved by a later commit. Prints the writers' throughput and commit latency.
//! - `live_fault_frozen_node`: one node stopped with SIGSTOP for 20 s during writes and reads,
//!   then SIGCONT. Requests to it end after the liveness check (`liveness_check` + the connect
//!   timeout, 10 s by default); reads of a table it holds no shard of go on through the other
//!   nodes; writes whose outcome is unknown are checked by the next commit; nothing is lost or
//!   written twice. Prints the timeline.
//! - `live_fault_concurrent_writers_with_a_killed_node`: eight threads share one `Client` and
//!   increment hot versioned rows through `retry::Retry`, a node is SIGKILLed midway: every
//!   increment reported landed is counted once, every one of unknown outcome at most once
//!   (`landed <= sum <= landed + unknown`).
//!
//! Without `CRATEDB_SH` each test prints one line and returns.

mod cluster;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use cluster::Cluster;
use cratedb_orm::retry::Retry;
use cratedb_orm::{Client, CrateModel, Error, Handle, Session, Value};

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The `p`-th percentile (0–100) of `values` (sorted here).
fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * (values.len() - 1) as f64).round() as usize;
    values[rank.min(values.len() - 1)]
}

/// Every row of `sql` (which selects a text key and an integer), as a map.
fn stored(client: &Client, table: &str) -> BTreeMap<String, i64> {
    client
        .sql(&format!("REFRESH TABLE {table}"), &[] as &[Value])
        .unwrap_or_else(|e| panic!("refresh {table}: {e}"));
    let rows = client
        .sql(
            &format!("SELECT id, n FROM {table} ORDER BY id LIMIT 1000000"),
            &[] as &[Value],
        )
        .unwrap_or_else(|e| panic!("read {table}: {e}"))
        .rows;
    let count = rows.len();
    let map: BTreeMap<String, i64> = rows
        .into_iter()
        .map(|r| {
            (
                r[0].as_str().unwrap_or_default().to_owned(),
                r[1].as_i64().unwrap_or(i64::MIN),
            )
        })
        .collect();
    assert_eq!(map.len(), count, "a key stored twice in {table}");
    map
}

// ------------------------------------------------------------------------------------------
// Rolling restart

/// A row of the rolling-restart writers: inserted, then updated by key now and then.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "rolling_rows", number_of_shards = 6, number_of_replicas = "1")]
struct RollingRow {
    #[cratedb(primary_key)]
    id: String,
    writer: i32,
    n: i64,
}

/// What one writer did.
#[derive(Debug, Default)]
struct WriterStats {
    /// `(start, seconds, rows written, ok)` per commit.
    commits: Vec<(Instant, f64, usize, bool)>,
    errors: Vec<String>,
    /// The row values the writer holds last, by key.
    expected: BTreeMap<String, i64>,
}

const WRITERS: usize = 4;
const ROWS_PER_COMMIT: usize = 20;
const UPDATES_PER_COMMIT: usize = 3;

fn rolling_writer(client: Client, w: usize, stop: Arc<AtomicBool>) -> WriterStats {
    let mut s = Session::new(client);
    let mut stats = WriterStats::default();
    let mut handles: Vec<Handle<RollingRow>> = Vec::new();
    let mut round: i64 = 0;
    while !stop.load(Ordering::SeqCst) {
        round += 1;
        for _ in 0..ROWS_PER_COMMIT {
            handles.push(s.add(RollingRow {
                id: format!("w{w}-{:06}", handles.len()),
                writer: w as i32,
                n: 0,
            }));
        }
        // One-key updates of rows inserted earlier (spread over the whole history).
        if handles.len() > 2 * ROWS_PER_COMMIT {
            for u in 0..UPDATES_PER_COMMIT {
                let pick =
                    (round as usize * 7919 + u * 104_729) % (handles.len() - ROWS_PER_COMMIT);
                s[handles[pick]].n = round;
            }
        }
        let pending = s.pending_statements().iter().map(|p| p.rows).sum();
        let t0 = Instant::now();
        let result = s.commit();
        let took = t0.elapsed().as_secs_f64();
        match result {
            Ok(()) => stats.commits.push((t0, took, pending, true)),
            Err(e) => {
                stats.commits.push((t0, took, 0, false));
                if stats.errors.len() < 20 {
                    stats.errors.push(e.to_string().chars().take(300).collect());
                }
            }
        }
    }
    // The last commit must go through: every earlier error is resolved by it.
    let mut last = None;
    for _ in 0..30 {
        match s.commit() {
            Ok(()) => {
                last = None;
                break;
            }
            Err(e) => {
                last = Some(e.to_string());
                thread::sleep(Duration::from_secs(1));
            }
        }
    }
    assert!(
        last.is_none(),
        "writer {w}: the final commit failed: {last:?}; earlier commit errors: {:#?}",
        stats.errors
    );
    for h in handles {
        let row = &s[h];
        stats.expected.insert(row.id.clone(), row.n);
    }
    stats
}

#[test]
fn live_fault_rolling_restart() {
    let Some(mut cluster) = Cluster::start("rolling_restart") else {
        return;
    };
    let client = Client::new(&cluster.url(&[0, 1, 2], "rolling")).expect("client");
    cluster.create::<RollingRow>(&client);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (client, stop) = (client.clone(), Arc::clone(&stop));
            thread::spawn(move || rolling_writer(client, w, stop))
        })
        .collect();

    thread::sleep(Duration::from_secs(3));
    let restart_from = Instant::now();
    let mut timeline = Vec::new();
    for i in 0..3 {
        let t = Instant::now();
        cluster.stop_node(i);
        let stopped = t.elapsed();
        // The writers run on two nodes for a while.
        thread::sleep(Duration::from_secs(2));
        cluster.start_node(i, true);
        cluster.wait_nodes(3);
        let green = cluster.wait_green();
        timeline.push(format!(
            "node {} stopped in {:.1} s, back and GREEN after {:.1} s (green wait {:.1} s)",
            i + 1,
            stopped.as_secs_f64(),
            t.elapsed().as_secs_f64(),
            green.as_secs_f64()
        ));
    }
    let restart_to = Instant::now();
    thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::SeqCst);
    let stats: Vec<WriterStats> = writers
        .into_iter()
        .map(|w| w.join().expect("writer"))
        .collect();

    // Every row once, as last written.
    let mut expected = BTreeMap::new();
    for s in &stats {
        expected.extend(s.expected.iter().map(|(k, v)| (k.clone(), *v)));
    }
    let got = stored(&client, "rolling_rows");
    assert_eq!(got.len(), expected.len(), "rows stored vs rows written");
    let wrong: Vec<_> = expected
        .iter()
        .filter(|(k, v)| got.get(*k) != Some(v))
        .take(5)
        .collect();
    assert!(wrong.is_empty(), "rows not as last written: {wrong:?}");

    // Throughput and latency while the nodes restarted.
    let window = (restart_to - restart_from).as_secs_f64();
    let mut latencies: Vec<f64> = Vec::new();
    let (mut rows, mut commits, mut failed) = (0, 0, 0);
    for s in &stats {
        for (t0, took, n, ok) in &s.commits {
            if *t0 >= restart_from && *t0 < restart_to {
                latencies.push(*took);
                commits += 1;
                rows += n;
                if !ok {
                    failed += 1;
                }
            }
        }
    }
    let p50 = percentile(&mut latencies, 50.0);
    let p99 = percentile(&mut latencies, 99.0);
    let max = latencies.last().copied().unwrap_or(0.0);
    for line in &timeline {
        eprintln!("[rolling_restart] {line}");
    }
    for (w, s) in stats.iter().enumerate() {
        for e in s.errors.iter().take(3) {
            eprintln!("[rolling_restart] writer {w} commit error (resolved later): {e}");
        }
    }
    eprintln!(
        "[rolling_restart] {} rows stored once, as last written; during the {window:.1} s \
         restart window: {commits} commits ({failed} failed, each resolved by a later commit), \
         {:.0} row writes/s, commit latency p50 {:.3} s, p99 {:.3} s, max {max:.3} s; whole run \
         {:.1} s",
        got.len(),
        rows as f64 / window,
        p50,
        p99,
        started.elapsed().as_secs_f64()
    );
}

// ------------------------------------------------------------------------------------------
// Frozen node

/// A row written during the freeze: inserted, updated now and then (versioned: an UPDATE that
/// a frozen node runs late, after the client gave up on it, cannot overwrite a newer one).
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(
    table = "frozen_rows",
    versioned,
    number_of_shards = 6,
    number_of_replicas = "1"
)]
struct FrozenRow {
    #[cratedb(primary_key)]
    id: String,
    n: i64,
}

/// A table on two nodes only: reads of it need nothing of the frozen node.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "elsewhere", number_of_shards = 2, number_of_replicas = "1")]
struct Elsewhere {
    #[cratedb(primary_key)]
    id: String,
    n: i64,
}

/// One request of the frozen-node test: when it started and ended, and its error.
#[derive(Debug, Clone)]
struct Sample {
    start: Instant,
    end: Instant,
    error: Option<String>,
}

/// Pending models whose versioned UPDATE met the row changed (by another writer, or by
/// its own earlier attempt whose answer was lost): read again, the value held applied again.
fn resolve_stale(s: &mut Session, handles: &[Handle<FrozenRow>]) {
    for &h in handles {
        if s.is_pending(h) && s.is_persistent(h) {
            let want = s[h].n;
            if s.reload(h).unwrap_or(false) {
                s[h].n = want;
            }
        }
    }
}

#[test]
fn live_fault_frozen_node() {
    let Some(mut cluster) = Cluster::start("frozen_node") else {
        return;
    };
    const FROZEN: usize = 1;
    let freeze_for = Duration::from_secs(20);
    let url = cluster.url(&[0, 1, 2], "frozen");
    let client = Client::new(&url).expect("client");
    cluster.create::<FrozenRow>(&client);
    client
        .sql(
            &cratedb_orm::ddl::create_table(Elsewhere::meta()),
            &[] as &[Value],
        )
        .expect("create elsewhere");
    client
        .sql(
            "ALTER TABLE elsewhere SET (\"routing.allocation.exclude._name\" = $1)",
            &[cluster.nodes[FROZEN].name.as_str()],
        )
        .expect("allocate elsewhere away from the node to freeze");
    // Its shards move off the node (CrateDB relocates them in the background).
    let relocated = Instant::now();
    loop {
        let on_frozen = cluster
            .admin()
            .sql(
                "SELECT count(*) FROM sys.shards WHERE table_name = 'elsewhere' \
                 AND node['name'] = $1",
                &[cluster.nodes[FROZEN].name.as_str()],
            )
            .expect("shards")
            .rows[0][0]
            .clone();
        if on_frozen == 0 {
            break;
        }
        assert!(
            relocated.elapsed() < Duration::from_secs(60),
            "the shards of elsewhere did not leave the node"
        );
        thread::sleep(Duration::from_millis(200));
    }
    cluster.wait_green();
    let mut seed = Session::new(client.clone());
    for i in 0..50 {
        seed.add(Elsewhere {
            id: format!("e{i}"),
            n: i,
        });
    }
    seed.commit().expect("seed elsewhere");

    let stop = Arc::new(AtomicBool::new(false));
    let t0 = Instant::now();
    // Writer: inserts and versioned one-key updates, commit after commit.
    let writer = {
        let (client, stop) = (client.clone(), Arc::clone(&stop));
        thread::spawn(move || {
            let mut s = Session::new(client);
            let mut handles: Vec<Handle<FrozenRow>> = Vec::new();
            let mut samples = Vec::new();
            let mut round = 0_i64;
            while !stop.load(Ordering::SeqCst) {
                round += 1;
                for k in 0..10 {
                    handles.push(s.add(FrozenRow {
                        id: format!("r{round:05}-{k}"),
                        n: 0,
                    }));
                }
                if handles.len() > 30 {
                    for u in 0..2 {
                        let pick = (round as usize * 31 + u * 17) % (handles.len() - 10);
                        s[handles[pick]].n = round;
                    }
                }
                let start = Instant::now();
                let r = s.commit();
                samples.push(Sample {
                    start,
                    end: Instant::now(),
                    error: r.as_ref().err().map(|e| e.to_string()),
                });
                if let Err(Error::Commit(c)) = &r {
                    if c.is_stale() {
                        // As an application does: read the changed rows again and apply the
                        // values it holds once more.
                        resolve_stale(&mut s, &handles);
                    }
                }
                thread::sleep(Duration::from_millis(50));
            }
            (s, handles, samples)
        })
    };
    // Readers: by key on the shared table, and on the table away from the frozen node.
    let reader = |table_elsewhere: bool| {
        let (client, stop) = (client.clone(), Arc::clone(&stop));
        thread::spawn(move || {
            let mut samples = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                let start = Instant::now();
                let mut s = Session::new(client.clone());
                let r = if table_elsewhere {
                    s.find::<Elsewhere>(format!("e{}", i % 50).as_str())
                        .map(|h| h.is_some())
                } else {
                    s.query::<FrozenRow>().limit(5).all().map(|_| true)
                };
                samples.push(Sample {
                    start,
                    end: Instant::now(),
                    error: r.err().map(|e| e.to_string()),
                });
                thread::sleep(Duration::from_millis(100));
            }
            samples
        })
    };
    let elsewhere_reader = reader(true);
    let shared_reader = reader(false);
    // Requests to the frozen node alone.
    let direct = {
        let client = cluster.node_client(FROZEN);
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            let mut samples = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let start = Instant::now();
                let r = client.sql("SELECT 1", &[] as &[Value]);
                samples.push(Sample {
                    start,
                    end: Instant::now(),
                    error: r.err().map(|e| e.to_string()),
                });
                thread::sleep(Duration::from_millis(500));
            }
            samples
        })
    };

    thread::sleep(Duration::from_secs(3));
    cluster.freeze_node(FROZEN);
    // From here on the node is stopped: a request it has not answered yet stays unanswered.
    let frozen_at = Instant::now();
    thread::sleep(freeze_for);
    cluster.thaw_node(FROZEN);
    let thawed_at = Instant::now();
    thread::sleep(Duration::from_secs(5));
    stop.store(true, Ordering::SeqCst);
    let (mut session, handles, writes) = writer.join().expect("writer");
    let elsewhere = elsewhere_reader.join().expect("reader");
    let shared = shared_reader.join().expect("reader");
    let direct = direct.join().expect("direct");

    let at = |t: Instant| t.saturating_duration_since(t0).as_secs_f64();
    let during = |s: &&Sample| s.start >= frozen_at && s.start < thawed_at;

    // Requests to the frozen node end after the liveness check, long before it resumes. The
    // first one that it left waiting: one sent just before the freeze may have been answered
    // in time, and one sent after the first was given up on (about 10 s in) may be answered
    // by the thaw, so the first request still open a second into the freeze is the one.
    let first_direct = direct
        .iter()
        .find(|s| s.start < thawed_at && s.end > frozen_at + Duration::from_secs(1))
        .expect("a request to the frozen node");
    let waited = first_direct.end - first_direct.start.max(frozen_at);
    let error = first_direct.error.clone().unwrap_or_default();
    assert!(
        error.contains("went silent"),
        "the request to the frozen node ended with {error:?} after {waited:?}"
    );
    assert!(
        first_direct.end < thawed_at && waited < Duration::from_secs(15),
        "given up on after {waited:?}"
    );

    // Reads that need nothing of the frozen node go on through the other nodes.
    let elsewhere_during: Vec<&Sample> = elsewhere.iter().filter(during).collect();
    assert!(
        elsewhere_during.iter().all(|s| s.error.is_none()),
        "reads of elsewhere failed: {:?}",
        elsewhere_during
            .iter()
            .filter_map(|s| s.error.as_ref())
            .collect::<Vec<_>>()
    );
    let slow: Vec<f64> = elsewhere_during
        .iter()
        .map(|s| (s.end - s.start).as_secs_f64())
        .filter(|d| *d > 1.0)
        .collect();
    assert!(
        elsewhere_during.len() >= 20 && slow.len() <= 1,
        "{} reads of elsewhere during the freeze, slow ones {slow:?}",
        elsewhere_during.len()
    );
    // Reads of the shared table wait inside CrateDB while a shard's copy is on the frozen
    // node, and all complete.
    assert!(
        shared.iter().all(|s| s.error.is_none()),
        "{:?}",
        shared
            .iter()
            .filter_map(|s| s.error.as_ref())
            .collect::<Vec<_>>()
    );

    // The writes converge: nothing lost, nothing twice, as last written (a versioned UPDATE
    // whose answer was lost and that then found the row changed is checked against the row).
    let mut rounds = 0;
    loop {
        rounds += 1;
        match session.commit() {
            Ok(()) => break,
            Err(Error::Commit(c)) if rounds < 20 => {
                for f in &c.failures {
                    assert!(
                        f.cause == cratedb_orm::session::RowFailureCause::Stale
                            && f.may_have_landed
                            || c.cause.is_some(),
                        "unexpected failure after the thaw: {f}"
                    );
                }
                resolve_stale(&mut session, &handles);
                thread::sleep(Duration::from_millis(500));
            }
            Err(e) => panic!("the writes did not converge: {e}"),
        }
    }
    let expected: BTreeMap<String, i64> = handles
        .iter()
        .map(|&h| (session[h].id.clone(), session[h].n))
        .collect();
    let got = stored(&client, "frozen_rows");
    assert_eq!(got.len(), expected.len(), "rows stored vs rows written");
    assert_eq!(got, expected, "rows as last written");

    // The timeline.
    let write_errors: Vec<String> = writes
        .iter()
        .filter(|s| s.error.is_some())
        .map(|s| {
            format!(
                "{:.1}-{:.1} s: {}",
                at(s.start),
                at(s.end),
                s.error
                    .as_deref()
                    .unwrap_or("")
                    .chars()
                    .take(160)
                    .collect::<String>()
            )
        })
        .collect();
    let longest = |v: &[Sample]| {
        v.iter()
            .filter(during)
            .map(|s| (s.end - s.start).as_secs_f64())
            .fold(0.0, f64::max)
    };
    eprintln!(
        "[frozen_node] frozen at {:.1} s, resumed at {:.1} s; a request to it given up on after \
         {:.1} s ({}); {} reads of a table away from it during the freeze, all answered \
         (slowest {:.2} s); reads of the shared table: slowest {:.1} s, none failed; commits: \
         {} ({} with errors, all resolved; slowest {:.1} s); final state reached in {rounds} \
         commit(s), {} rows as last written",
        at(frozen_at),
        at(thawed_at),
        waited.as_secs_f64(),
        error.chars().take(120).collect::<String>(),
        elsewhere_during.len(),
        longest(&elsewhere),
        longest(&shared),
        writes.len(),
        write_errors.len(),
        longest(&writes),
        got.len()
    );
    for e in write_errors.iter().take(5) {
        eprintln!("[frozen_node] commit error: {e}");
    }
}

// ------------------------------------------------------------------------------------------
// Concurrent writers with a killed node

/// A hot counter, incremented by read-modify-write.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(
    table = "hot_counters",
    versioned,
    number_of_shards = 4,
    number_of_replicas = "1"
)]
struct Counter {
    #[cratedb(primary_key)]
    id: String,
    n: i64,
}

#[test]
fn live_fault_concurrent_writers_with_a_killed_node() {
    let Some(mut cluster) = Cluster::start("concurrent_writers") else {
        return;
    };
    const THREADS: usize = 8;
    const COUNTERS: usize = 4;
    const INCREMENTS: usize = 60;
    let client = Client::new(&cluster.url(&[0, 1, 2], "counters")).expect("client");
    cluster.create::<Counter>(&client);
    let mut seed = Session::new(client.clone());
    for c in 0..COUNTERS {
        seed.add(Counter {
            id: format!("c{c}"),
            n: 0,
        });
    }
    seed.commit().expect("seed");

    let done = Arc::new(AtomicUsize::new(0));
    // Per counter: landed, unknown, certainly not landed.
    let tally = Arc::new(Mutex::new(vec![(0_i64, 0_i64, 0_i64); COUNTERS]));
    let errors = Arc::new(Mutex::new(Vec::<String>::new()));
    let started = Instant::now();
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (client, done, tally, errors) = (
                client.clone(),
                Arc::clone(&done),
                Arc::clone(&tally),
                Arc::clone(&errors),
            );
            thread::spawn(move || {
                let retry = Retry::new().attempts(200);
                for i in 0..INCREMENTS {
                    let c = (t + i) % COUNTERS;
                    let id = format!("c{c}");
                    let result = retry.run(&client, |s| {
                        let h = s
                            .find::<Counter>(id.as_str())?
                            .ok_or(Error::RowCount { found: 0 })?;
                        s[h].n += 1;
                        Ok(())
                    });
                    let mut tally = lock(&tally);
                    match result {
                        Ok(()) => tally[c].0 += 1,
                        Err(e) if e.may_have_landed() => {
                            tally[c].1 += 1;
                            lock(&errors).push(format!("unknown: {e}"));
                        }
                        Err(e) => {
                            tally[c].2 += 1;
                            lock(&errors).push(format!("not landed: {e}"));
                        }
                    }
                    drop(tally);
                    done.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    // Kill a node once a third of the increments are done.
    while done.load(Ordering::SeqCst) < THREADS * INCREMENTS / 3 {
        thread::sleep(Duration::from_millis(5));
    }
    let killed_at = started.elapsed();
    cluster.kill_node(2);
    for w in workers {
        w.join().expect("writer");
    }
    let took = started.elapsed();

    let mut check = Session::new(client.clone());
    let tally = lock(&tally).clone();
    let mut sums = Vec::new();
    for c in 0..COUNTERS {
        let h = check
            .find::<Counter>(format!("c{c}").as_str())
            .expect("find")
            .expect("counter");
        sums.push(check[h].n);
    }
    let (landed, unknown, lost): (i64, i64, i64) = tally
        .iter()
        .fold((0, 0, 0), |a, t| (a.0 + t.0, a.1 + t.1, a.2 + t.2));
    let errors = lock(&errors).clone();
    for e in errors.iter().take(8) {
        eprintln!(
            "[concurrent_writers] {}",
            e.chars().take(400).collect::<String>()
        );
    }
    eprintln!(
        "[concurrent_writers] {THREADS} threads x {INCREMENTS} increments on {COUNTERS} hot rows, \
         node 3 killed at {:.1} s: {landed} landed, {unknown} of unknown outcome, {lost} \
         certainly not landed; per counter (landed, unknown, not landed) {tally:?}, sums \
         {sums:?}; {:.1} s",
        killed_at.as_secs_f64(),
        took.as_secs_f64()
    );
    for (c, ((landed, unknown, _), sum)) in tally.iter().zip(&sums).enumerate() {
        assert!(
            landed <= sum && *sum <= landed + unknown,
            "counter c{c}: {landed} landed, {unknown} unknown, but the sum is {sum}"
        );
    }
    assert_eq!(landed + unknown + lost, (THREADS * INCREMENTS) as i64);
}
