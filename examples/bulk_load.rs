//! Bulk loading a large dataset: N new models in one session commit (bulk requests of 10,000
//! rows), with a progress line, against the raw client sending the same rows, sequentially and
//! with several requests in flight.
//!
//! ```text
//! cargo run --release --example bulk_load -- 1000000        # CRATEDB_URL or crate://localhost:4200
//! cargo run --release --example bulk_load -- 100000 --stub  # a loopback server, no CrateDB needed
//! CRATEDB_URL=crate://127.0.0.1:4200 cargo run --release --example bulk_load -- 1000000 \
//!     --variants session,raw,raw_pipelined,raw_inflight_2,raw_inflight_3 --reps 3
//! ```
//!
//! Variants (each into a fresh table, interleaved repetition by repetition in alternating
//! order, each timed from building its rows to the last answer):
//!
//! - `session`: the N models added to one session and committed at once (the default);
//! - `session_inflight_K`: the same with `Session::with_requests_in_flight(K)`;
//! - `raw`: the raw client, rows built as `serde_json` values and sent in sequential bulk
//!   requests of 10,000 rows (the session's batch size);
//! - `raw_pipelined`: the same, with the next chunk built and serialized on a second thread
//!   while the server works on the current one (one request in flight);
//! - `raw_inflight_K`: K threads, each building and sending its own chunks (K requests in
//!   flight); with several servers in `CRATEDB_URL` the client spreads them round-robin.
//!
//! The progress line (standard error): for the session variants from
//! `Session::commit_with_progress` (rows written of the total, failed, requests answered: what
//! a progress-bar crate takes), for the raw ones from the rows of each answered request in the
//! client's echo hook. One JSON line per run: rows per second (wall and CPU of this process),
//! and the peak heap beyond the models themselves (`peak_extra_bytes`; for `session` also what
//! stays after the commit, `retained_extra_bytes`), next to the size of one chunk's request
//! body (`chunk_body_bytes`). `--server-pids P1,P2` adds the CPU time of these CrateDB JVMs
//! on this machine (`server_cpu_s`).

use std::error::Error;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Instant;

use cratedb_orm::session::DEFAULT_BATCH_SIZE;
use cratedb_orm::{object, Client, CrateModel, Object, Session, Value};
use serde_json::json;
use serde_json::value::RawValue;

#[path = "cpu_time.rs"]
mod cpu_time;
#[path = "stub_server.rs"]
mod stub_server;

#[path = "heap_count.rs"]
mod heap_count;
use heap_count::{IN_USE, PEAK};

#[global_allocator]
static ALLOC: heap_count::Counting = heap_count::Counting;

/// A reading of a sensor.
#[derive(CrateModel, Debug, Clone, Default)]
#[cratedb(table = "readings", number_of_shards = 6)]
struct Reading {
    #[cratedb(primary_key)]
    id: i64,
    sensor: String,
    value: f64,
    tags: Option<Object>,
}

const INSERT: &str =
    r#"INSERT INTO "readings" ("id", "sensor", "value", "tags") VALUES ($1, $2, $3, $4)"#;

fn reading(i: i64) -> Reading {
    Reading {
        id: i,
        sensor: format!("sensor-{}", i % 100),
        value: i as f64 * 0.5,
        tags: Some(object! { "site": "berlin", "batch": i / 10_000 }),
    }
}

fn raw_row(i: i64) -> Value {
    json!([i, format!("sensor-{}", i % 100), i as f64 * 0.5, {"site": "berlin", "batch": i / 10_000}])
}

/// Rows `start..end` as `serde_json` values.
fn raw_chunk(start: i64, end: i64) -> Vec<Value> {
    (start..end).map(raw_row).collect()
}

type BoxError = Box<dyn Error + Send + Sync>;

struct Options {
    rows: i64,
    reps: usize,
    stub: bool,
    variants: Vec<String>,
    /// CrateDB JVMs on this machine whose CPU time is reported.
    server_pids: Vec<u32>,
}

fn options() -> Result<Options, BoxError> {
    let mut o = Options {
        rows: 100_000,
        reps: 1,
        stub: false,
        variants: vec!["session".into()],
        server_pids: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--stub" => o.stub = true,
            "--reps" => o.reps = args.next().ok_or("--reps needs a number")?.parse()?,
            "--variants" => {
                o.variants = args
                    .next()
                    .ok_or("--variants needs names")?
                    .split(',')
                    .map(str::to_owned)
                    .collect()
            }
            "--server-pids" => {
                for pid in args.next().ok_or("--server-pids needs pids")?.split(',') {
                    o.server_pids.push(pid.parse()?);
                }
            }
            n if !n.starts_with('-') => o.rows = n.parse()?,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    for v in &o.variants {
        let known = matches!(v.as_str(), "session" | "raw" | "raw_pipelined")
            || ["raw_inflight_", "session_inflight_"].iter().any(|prefix| {
                v.strip_prefix(prefix)
                    .is_some_and(|k| k.parse::<usize>().is_ok_and(|k| k >= 1))
            });
        if !known {
            return Err(format!(
                "unknown variant {v:?} (session, session_inflight_K, raw, raw_pipelined, raw_inflight_K)"
            )
            .into());
        }
    }
    Ok(o)
}

fn main() {
    heap_count::start();
    if std::env::args().nth(1).as_deref() == Some("--stub-server") {
        if let Err(e) = run_stub_server() {
            eprintln!("stub server: {e}");
            std::process::exit(1);
        }
        return;
    }
    if let Err(e) = run() {
        eprintln!("bulk_load failed: {e}");
        std::process::exit(1);
    }
}

/// Rows answered so far in the current run, and when it started (for the progress line).
struct Progress {
    rows: AtomicUsize,
    /// Whether a session variant runs (it reports its own progress).
    session: std::sync::atomic::AtomicBool,
    started: Mutex<Option<(Instant, String, i64)>>,
}

fn run() -> Result<(), BoxError> {
    let o = options()?;
    // The stub runs in a child process, so its memory is not counted as the client's.
    let mut stub = None;
    let url = if o.stub {
        let (child, port) = stub_server::spawn_child(&["--stub-server"])?;
        stub = Some(child);
        format!("crate://127.0.0.1:{port}")
    } else {
        std::env::var("CRATEDB_URL").unwrap_or_else(|_| "crate://localhost:4200".into())
    };
    let result = run_variants(&o, &url);
    if let Some(mut c) = stub {
        let _ = c.kill();
        let _ = c.wait();
    }
    result
}

fn run_variants(o: &Options, url: &str) -> Result<(), BoxError> {
    let progress = Arc::new(Progress {
        rows: AtomicUsize::new(0),
        session: std::sync::atomic::AtomicBool::new(false),
        started: Mutex::new(None),
    });
    let p = Arc::clone(&progress);
    let client = Client::builder()
        .url(url)
        .pool_size(16)
        .echo(move |e| {
            let Some(rows) = e.bulk_rows else { return };
            // The session variants report through commit_with_progress instead.
            if p.session.load(Ordering::Relaxed) {
                return;
            }
            let done = p.rows.fetch_add(rows, Ordering::Relaxed) + rows;
            if let Ok(started) = p.started.lock() {
                if let Some((t, variant, total)) = started.as_ref() {
                    let secs = t.elapsed().as_secs_f64().max(1e-9);
                    eprint!(
                        "\r{variant}: {done}/{total} rows, {:.0} rows/s   ",
                        done as f64 / secs
                    );
                    let _ = std::io::stderr().flush();
                }
            }
        })
        .build()?;
    let chunk_body_bytes = serde_json::to_vec(&json!({
        "stmt": INSERT,
        "bulk_args": raw_chunk(0, DEFAULT_BATCH_SIZE.min(o.rows as usize) as i64)
    }))?
    .len();

    for rep in 0..o.reps {
        let order: Vec<&String> = if rep % 2 == 0 {
            o.variants.iter().collect()
        } else {
            o.variants.iter().rev().collect()
        };
        for variant in order {
            client.execute(&Reading::drop_table_if_exists_sql())?;
            client.execute(&Reading::create_table_sql())?;
            if !o.stub {
                all_shards_started(&client)?;
            }
            progress.rows.store(0, Ordering::Relaxed);
            progress
                .session
                .store(variant.starts_with("session"), Ordering::Relaxed);
            if let Ok(mut s) = progress.started.lock() {
                *s = Some((Instant::now(), variant.clone(), o.rows));
            }
            let server_cpu = |pids: &[u32]| -> Result<f64, BoxError> {
                let mut sum = 0.0;
                for &pid in pids {
                    sum += cpu_time::of_process(pid).map_err(|e| e.to_string())?;
                }
                Ok(sum)
            };
            let server_before = server_cpu(&o.server_pids)?;
            let r = match load(&client, variant, o.rows) {
                Ok(r) => r,
                Err(e) => {
                    // Reported and left out; the other runs go on.
                    eprintln!();
                    let error: String = e.to_string().chars().take(300).collect();
                    println!(
                        "{}",
                        json!({"variant": variant, "rows": o.rows, "rep": rep, "error": error})
                    );
                    continue;
                }
            };
            let server_cpu_s = server_cpu(&o.server_pids)? - server_before;
            eprintln!();
            client.execute("REFRESH TABLE \"readings\"")?;
            if !o.stub {
                let count = client.sql("SELECT count(*) FROM \"readings\"", &[] as &[Value])?;
                let have = count
                    .rows
                    .first()
                    .and_then(|r| r.first())
                    .and_then(Value::as_i64);
                if have != Some(o.rows) {
                    return Err(format!("{variant}: {have:?} rows landed, not {}", o.rows).into());
                }
            }
            println!(
                "{}",
                json!({
                    "variant": variant, "rows": o.rows, "rep": rep,
                    "servers": client.servers().len(),
                    "wall_s": round(r.wall), "rows_per_s": (o.rows as f64 / r.wall).round(),
                    "commit_s": r.commit.map(round),
                    "cpu_s": round(r.cpu),
                    "server_cpu_s": (!o.server_pids.is_empty()).then_some(round(server_cpu_s)),
                    "peak_extra_bytes": r.peak_extra, "models_bytes": r.models,
                    "retained_extra_bytes": r.retained,
                    "chunk_body_bytes": chunk_body_bytes,
                    "peak_extra_in_chunks": (r.peak_extra as f64 / chunk_body_bytes as f64 * 100.0).round() / 100.0,
                })
            );
        }
    }
    client.execute(&Reading::drop_table_if_exists_sql())?;
    Ok(())
}

/// Waits until every shard of the new table, replicas included, is started, so every run
/// starts from the same healthy table (on a cluster, writes that meet a replica still
/// initializing can fail).
fn all_shards_started(client: &Client) -> Result<(), BoxError> {
    let sql = "SELECT count(*) FILTER (WHERE \"state\" <> 'STARTED'), count(*) \
               FROM sys.shards WHERE \"table_name\" = 'readings'";
    let t = Instant::now();
    loop {
        let r = client.sql(sql, &[] as &[Value])?;
        let row = r.rows.first().cloned().unwrap_or_default();
        let not_started = row.first().and_then(Value::as_i64).unwrap_or(-1);
        let total = row.get(1).and_then(Value::as_i64).unwrap_or(0);
        if not_started == 0 && total > 0 {
            return Ok(());
        }
        if t.elapsed().as_secs() > 60 {
            return Err("the table's shards did not all start within 60 s".into());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The stub server child: answers every request at once (see [`stub_server`]).
fn run_stub_server() -> Result<(), BoxError> {
    let count = stub_server::select_body(&["count(*)"], Vec::new())?;
    stub_server::serve_as_child(count)?;
    Ok(())
}

fn round(x: f64) -> f64 {
    (x * 1e3).round() / 1e3
}

/// What one run measured.
struct Run {
    wall: f64,
    /// For `session`: the commit alone.
    commit: Option<f64>,
    cpu: f64,
    /// Peak heap beyond what was in use before the requests (for `session`: beyond the models
    /// added to it).
    peak_extra: usize,
    /// For `session`: the heap the added models take.
    models: Option<usize>,
    /// For `session`: the heap kept after the commit beyond the models (the identity map of
    /// the rows that became persistent).
    retained: Option<usize>,
}

fn load(client: &Client, variant: &str, rows: i64) -> Result<Run, BoxError> {
    let cpu = cpu_time::this_process();
    let t = Instant::now();
    let base = IN_USE.load(Ordering::Relaxed);
    let mut models = None;
    let mut commit = None;
    let mut retained = None;
    let peak_extra;
    match variant {
        v if v == "session" || v.starts_with("session_inflight_") => {
            let in_flight = v
                .strip_prefix("session_inflight_")
                .and_then(|k| k.parse().ok())
                .unwrap_or(1);
            let mut session = Session::new(client.clone()).with_requests_in_flight(in_flight);
            session.add_all((0..rows).map(reading));
            let with_models = IN_USE.load(Ordering::Relaxed);
            models = Some(with_models.saturating_sub(base));
            PEAK.store(with_models, Ordering::Relaxed);
            let c = Instant::now();
            // A progress line from the commit itself, after each answered request.
            session.commit_with_progress(|p| {
                let secs = c.elapsed().as_secs_f64().max(1e-9);
                eprint!(
                    "\r{variant}: {}/{} rows written, {} failed, {} requests, {:.0} rows/s   ",
                    p.written,
                    p.total,
                    p.failed,
                    p.requests,
                    p.written as f64 / secs
                );
                let _ = std::io::stderr().flush();
            })?;
            commit = Some(c.elapsed().as_secs_f64());
            peak_extra = PEAK.load(Ordering::Relaxed).saturating_sub(with_models);
            retained = Some(IN_USE.load(Ordering::Relaxed).saturating_sub(with_models));
        }
        "raw" => {
            PEAK.store(base, Ordering::Relaxed);
            let mut start = 0;
            while start < rows {
                let end = (start + DEFAULT_BATCH_SIZE as i64).min(rows);
                send(client, &raw_chunk(start, end))?;
                start = end;
            }
            peak_extra = PEAK.load(Ordering::Relaxed).saturating_sub(base);
        }
        "raw_pipelined" => {
            PEAK.store(base, Ordering::Relaxed);
            // One chunk waits serialized while the current one is sent.
            let (tx, rx) = mpsc::sync_channel::<Box<RawValue>>(1);
            let producer = std::thread::spawn(move || -> Result<(), BoxError> {
                let mut start = 0;
                while start < rows {
                    let end = (start + DEFAULT_BATCH_SIZE as i64).min(rows);
                    let body = serde_json::value::to_raw_value(&raw_chunk(start, end))?;
                    if tx.send(body).is_err() {
                        break;
                    }
                    start = end;
                }
                Ok(())
            });
            for chunk in rx {
                send(client, &chunk)?;
            }
            producer
                .join()
                .map_err(|_| "the producer thread panicked")??;
            peak_extra = PEAK.load(Ordering::Relaxed).saturating_sub(base);
        }
        v => {
            let k: usize = v
                .strip_prefix("raw_inflight_")
                .and_then(|k| k.parse().ok())
                .ok_or("unknown variant")?;
            PEAK.store(base, Ordering::Relaxed);
            let next = Arc::new(AtomicUsize::new(0));
            let chunks = (rows as usize).div_ceil(DEFAULT_BATCH_SIZE);
            let workers: Vec<_> = (0..k)
                .map(|_| {
                    let client = client.clone();
                    let next = Arc::clone(&next);
                    std::thread::spawn(move || -> Result<(), BoxError> {
                        loop {
                            let c = next.fetch_add(1, Ordering::Relaxed);
                            if c >= chunks {
                                return Ok(());
                            }
                            let start = (c * DEFAULT_BATCH_SIZE) as i64;
                            let end = (start + DEFAULT_BATCH_SIZE as i64).min(rows);
                            send(&client, &raw_chunk(start, end))?;
                        }
                    })
                })
                .collect();
            for w in workers {
                w.join().map_err(|_| "a sender thread panicked")??;
            }
            peak_extra = PEAK.load(Ordering::Relaxed).saturating_sub(base);
        }
    }
    Ok(Run {
        wall: t.elapsed().as_secs_f64(),
        commit,
        cpu: cpu_time::this_process() - cpu,
        peak_extra,
        models,
        retained,
    })
}

/// One bulk INSERT; every row must land.
fn send<A: serde::Serialize + ?Sized>(client: &Client, args: &A) -> Result<(), BoxError> {
    let r = client.bulk(INSERT, args)?;
    let failed = r.failed_rows();
    if !failed.is_empty() {
        let first = r.results.iter().find_map(|x| x.error.as_ref());
        return Err(format!(
            "{} rows of a bulk request failed; the first error: {first:?}",
            failed.len()
        )
        .into());
    }
    Ok(())
}
