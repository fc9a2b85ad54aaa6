//! The ORM against the raw client, end to end: each workload done with the ORM (Session and
//! DSL) and raw (the client with hand-written SQL and `serde_json` values).
//!
//! ```text
//! CRATEDB_URL=crate://127.0.0.1:4200 cargo run --release --example bench -- --rows 10000 --reps 5
//! cargo run --release --example bench -- --rows 10000 --reps 21 --serve-stub
//! ```
//!
//! Against `CRATEDB_URL` the figures include the database; `--serve-stub` starts a loopback
//! server in a child process that answers instantly (bulk results, or `--rows` rows of the right
//! shape for the SELECT), so they are the client side alone.
//!
//! Runs from any state, as often as wanted: every variant of a workload starts from the same
//! data, set up before its clock starts. `insert` gets a fresh table each time; `update_one_key`
//! and `load` fill a fresh table once (N rows, refreshed), and each update writes a value of the
//! same length that no earlier run wrote, so every run really changes every row. The variants
//! run interleaved, repetition by repetition, in alternating order (forward, then backward), so
//! a slow spell of a shared machine hits them alike. `--only insert|update_one_key|load` runs
//! one workload on its own.
//!
//! One JSON object per variant: `wall_s` and `cpu_s` (this process's CPU time, from
//! `CLOCK_PROCESS_CPUTIME_ID`) are medians with their `[min, max]` ranges, and `vs_raw` is the
//! median (and range) of the ratio to the workload's `raw` variant within each repetition. A
//! wall time far above the CPU time is time spent waiting for the server. With
//! `--server-pid PID` (the CrateDB JVM on this machine: `cratedb.sh status`) the server's CPU
//! time is reported too (`server_cpu_s`, from `/proc/PID/stat`, 10 ms resolution).
//!
//! `update_one_key` changes `details['species']` on N models loaded by a query; every variant
//! first loads the rows (outside the clock), so the server has the same work before each:
//! `orm` uses `Session::set_key`, `orm_get_mut` changes `session[h]` (found by comparing with a
//! copy), `raw` sends the UPDATE from ids it knows (the send-only floor), `raw_rows_in_memory`
//! does what the ORM does with the raw client (rows loaded as `serde_json` values changed in
//! memory, the request built from them), `raw_rows_sorted` the same with the argument rows
//! sorted by key (rows loaded by a query come shard by shard). Raw variants send the same
//! requests as the session:
//! bulk requests of at most 10,000 rows (the session's default batch size).
//!
//! `--samples` also prints one line per timed run. `--statements` prints, instead of timing, the
//! statements and first argument rows that each update variant sends, and the insert's (for two
//! rows). `--memory` also reports the peak heap of loading the rows into models, next to the
//! size of the JSON response.

use std::error::Error;

use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use cratedb_orm::session::{StatementArgs, DEFAULT_BATCH_SIZE};
use cratedb_orm::{
    object, Client, CrateModel, Handle, Object, ObjectArray, Session, TimestampTz, Value,
};

#[path = "cpu_time.rs"]
mod cpu_time;
#[path = "stats.rs"]
mod stats;
#[path = "stub_server.rs"]
mod stub_server;
use serde_json::json;
use stats::median;

/// `--samples`: one line per timed run as well.
static SAMPLES: AtomicBool = AtomicBool::new(false);

#[path = "heap_count.rs"]
mod heap_count;
use heap_count::{IN_USE, PEAK};

#[global_allocator]
static ALLOC: heap_count::Counting = heap_count::Counting;

/// A table shaped like the seed's `characters`, without server-generated columns.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "bench_characters")]
struct BenchCharacter {
    #[cratedb(primary_key)]
    id: String,
    name: String,
    quote: String,
    details: Object,
    more_details: ObjectArray,
}

/// CrateDB's time-series layout: `day` is `date_trunc('day', ts)`, computed on the client
/// (the key is known before the insert: bulk INSERTs).
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(
    table = "bench_readings",
    partitioned_by("day"),
    number_of_replicas = 0
)]
struct BenchReading {
    #[cratedb(primary_key)]
    device_id: String,
    #[cratedb(primary_key)]
    ts: TimestampTz,
    #[cratedb(primary_key, generated = "date_trunc('day', ts)")]
    day: Option<TimestampTz>,
    metrics: Object,
}

/// The same layout partitioned by the day in Berlin, which CrateDB computes: the key is read
/// back after the insert (multi-row `INSERT … RETURNING`).
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(
    table = "bench_readings",
    partitioned_by("day"),
    number_of_replicas = 0
)]
struct LocalBenchReading {
    #[cratedb(primary_key)]
    device_id: String,
    #[cratedb(primary_key)]
    ts: TimestampTz,
    #[cratedb(primary_key, generated = "date_trunc('day', 'Europe/Berlin', ts)")]
    day: Option<TimestampTz>,
    metrics: Object,
}

/// A device of the eager-loading workload, with many alerts.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "bench_devices", has_many(child = BenchAlert, key = "device_id"))]
struct BenchDevice {
    #[cratedb(primary_key)]
    id: String,
    name: String,
    tags: Object,
}

/// An alert of a [`BenchDevice`].
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "bench_alerts")]
struct BenchAlert {
    #[cratedb(primary_key)]
    id: String,
    device_id: String,
    severity: i32,
    message: String,
}

/// Alerts per device in the eager-loading workload.
const ALERTS_PER_DEVICE: usize = 10;

/// Reading `n` of a time-series run: 100 devices, one reading each every 100 s from
/// 2026-01-01 (100,000 rows span 12 days, 3,000 rows one).
fn reading(n: usize) -> BenchReading {
    BenchReading {
        device_id: format!("device-{:03}", n % 100),
        ts: TimestampTz(1_767_225_600_000 + n as i64 * 1_000),
        day: None,
        metrics: object! { "temp": 20.5 + (n % 10) as f64, "rssi": -(n as i64 % 90), "ok": n % 7 != 0 },
    }
}

fn raw_reading(n: usize) -> Vec<Value> {
    let r = reading(n);
    vec![json!(r.device_id), json!(r.ts.0), Value::from(r.metrics)]
}

const TABLE: &str = "\"bench_characters\"";
const COLUMNS: &str = r#""id", "name", "quote", "details", "more_details""#;

fn model(n: usize) -> BenchCharacter {
    BenchCharacter {
        id: format!("id-{n:08}"),
        name: format!("Character {n}"),
        quote: "We're on a space ship Arthur. In space.".to_string(),
        details: object! { "gender": if n % 2 == 0 { "male" } else { "female" }, "species": "human", "age": n % 90 },
        more_details: ObjectArray::from(vec![
            object! { "foo": 1, "bar": 10 },
            object! { "foo": 2 },
        ]),
    }
}

fn raw_row(n: usize) -> Vec<Value> {
    vec![
        json!(format!("id-{n:08}")),
        json!(format!("Character {n}")),
        json!("We're on a space ship Arthur. In space."),
        json!({ "gender": if n % 2 == 0 { "male" } else { "female" }, "species": "human", "age": n % 90 }),
        json!([{ "foo": 1, "bar": 10 }, { "foo": 2 }]),
    ]
}

/// The `details['species']` value written by repetition `rep` of update variant `variant`:
/// one no earlier run of this program wrote (the process start time is part of it), all of one
/// length, so every run really changes every row and the rows keep their size.
fn species(stamp: u64, rep: usize, variant: usize) -> String {
    format!("Betelgeusian-{stamp:010}-{rep:04}-{variant}")
}

struct Options {
    rows: usize,
    reps: usize,
    stub: bool,
    memory: bool,
    statements: bool,
    samples: bool,
    server_pid: Option<u32>,
    /// Runs only this workload (`insert`, `update_one_key`, `load`).
    only: Option<String>,
}

fn options() -> Result<Options, Box<dyn Error>> {
    let mut o = Options {
        rows: 10_000,
        reps: 5,
        stub: false,
        memory: false,
        statements: false,
        samples: false,
        server_pid: None,
        only: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rows" => o.rows = args.next().ok_or("--rows needs a number")?.parse()?,
            "--reps" => o.reps = args.next().ok_or("--reps needs a number")?.parse()?,
            "--serve-stub" => o.stub = true,
            "--memory" => o.memory = true,
            "--statements" => o.statements = true,
            "--samples" => o.samples = true,
            "--server-pid" => {
                o.server_pid = Some(args.next().ok_or("--server-pid needs a pid")?.parse()?)
            }
            "--only" => {
                let w = args.next().ok_or("--only needs a workload")?;
                if !WORKLOADS.contains(&w.as_str()) {
                    return Err(
                        format!("--only: unknown workload {w:?} (one of {WORKLOADS:?})").into(),
                    );
                }
                o.only = Some(w);
            }
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    if o.reps == 0 || o.rows == 0 {
        return Err("--rows and --reps must be at least 1".into());
    }
    Ok(o)
}

const WORKLOADS: [&str; 5] = [
    "insert",
    "update_one_key",
    "load",
    "timeseries_insert",
    "eager_load",
];

/// One timed run: wall and CPU seconds, and the requests it sent.
#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: f64,
    cpu: f64,
    server_cpu: Option<f64>,
    requests: usize,
}

/// What every workload needs: the client, its request counter, and where it runs.
struct Bench {
    client: Client,
    requests: Arc<AtomicUsize>,
    stub: bool,
    n: usize,
    server_pid: Option<u32>,
    select_sql: String,
    insert_sql: String,
    update_sql: String,
}

impl Bench {
    /// Runs `work` with the clock on; what it returns is dropped after the clock stops
    /// (teardown is not the workload).
    fn timed<R>(
        &self,
        work: impl FnOnce() -> Result<R, Box<dyn Error>>,
    ) -> Result<Sample, Box<dyn Error>> {
        let server_before = self.server_pid.map(cpu_time::of_process).transpose()?;
        let before = self.requests.load(Ordering::Relaxed);
        let cpu = cpu_time::this_process();
        let t = Instant::now();
        let result = work()?;
        let wall = t.elapsed().as_secs_f64();
        let cpu = cpu_time::this_process() - cpu;
        let requests = self.requests.load(Ordering::Relaxed) - before;
        let server_cpu = match (self.server_pid, server_before) {
            (Some(pid), Some(b)) => Some(cpu_time::of_process(pid)? - b),
            _ => None,
        };
        drop(result);
        Ok(Sample {
            wall,
            cpu,
            server_cpu,
            requests,
        })
    }

    fn execute(&self, sql: &str) -> Result<(), Box<dyn Error>> {
        if !self.stub {
            self.client.execute(sql)?;
        }
        Ok(())
    }

    /// An empty table, created anew (against the stub: nothing to do).
    fn fresh_table(&self) -> Result<(), Box<dyn Error>> {
        self.execute(&BenchCharacter::drop_table_if_exists_sql())?;
        self.execute(&BenchCharacter::create_table_sql())
    }

    /// A fresh table holding rows `0..n`, refreshed: the starting data of `update_one_key` and
    /// `load`.
    fn filled_table(&self) -> Result<(), Box<dyn Error>> {
        if self.stub {
            return Ok(());
        }
        self.fresh_table()?;
        self.raw_insert()?;
        self.execute(&format!("REFRESH TABLE {TABLE}"))?;
        let count = self
            .client
            .sql(&format!("SELECT count(*) FROM {TABLE}"), &[] as &[Value])?;
        let have = count
            .rows
            .first()
            .and_then(|r| r.first())
            .and_then(Value::as_u64);
        if have != Some(self.n as u64) {
            return Err(format!(
                "the table holds {have:?} rows after filling, not {}",
                self.n
            )
            .into());
        }
        Ok(())
    }

    /// Rows `0..n` as `serde_json` values, in bulk requests of the session's batch size.
    fn raw_insert(&self) -> Result<Vec<Vec<Value>>, Box<dyn Error>> {
        let rows: Vec<Vec<Value>> = (0..self.n).map(raw_row).collect();
        for chunk in rows.chunks(DEFAULT_BATCH_SIZE) {
            let r = self.client.bulk(&self.insert_sql, chunk)?;
            if !r.failed_rows().is_empty() {
                return Err(format!("bulk insert: {} rows failed", r.failed_rows().len()).into());
            }
        }
        Ok(rows)
    }

    /// The N rows loaded into a session by a query.
    fn loaded(&self) -> Result<Loaded, BoxError> {
        let mut session = Session::new(self.client.clone());
        let hs = session
            .query::<BenchCharacter>()
            .limit(self.n as u64)
            .all()?;
        if hs.len() != self.n {
            return Err(format!("loaded {} rows, expected {}", hs.len(), self.n).into());
        }
        Ok((session, hs))
    }

    /// The N rows loaded by the raw client.
    fn raw_loaded(&self) -> Result<Vec<Vec<Value>>, Box<dyn Error>> {
        let rows = self.client.sql(&self.select_sql, &[] as &[Value])?.rows;
        if rows.len() != self.n {
            return Err(format!("loaded {} rows, expected {}", rows.len(), self.n).into());
        }
        Ok(rows)
    }

    /// Sends the one-key UPDATE for these argument rows in bulk requests of the session's
    /// batch size; every row must have changed one row.
    fn raw_update<R: serde::Serialize>(&self, args: &[R]) -> Result<(), Box<dyn Error>> {
        for chunk in args.chunks(DEFAULT_BATCH_SIZE) {
            let r = self.client.bulk(&self.update_sql, chunk)?;
            if !r.failed_rows().is_empty() {
                return Err(format!("bulk update: {} rows failed", r.failed_rows().len()).into());
            }
        }
        Ok(())
    }
}

/// A boxed error, the benchmark's only error type.
type BoxError = Box<dyn Error>;
/// A session holding the N loaded rows, and their handles.
type Loaded = (Session, Vec<Handle<BenchCharacter>>);

/// One variant of a workload: runs repetition `rep` (its own setup outside the clock) and
/// returns the timed sample.
type Run<'a> = Box<dyn FnMut(usize) -> Result<Sample, Box<dyn Error>> + 'a>;

fn range(xs: &[f64]) -> [f64; 2] {
    stats::min_max(xs).map(round)
}

fn round(x: f64) -> f64 {
    stats::round(x, 6)
}

fn summary(xs: &[f64]) -> (f64, [f64; 2]) {
    (round(median(xs.to_vec())), range(xs))
}

/// Runs the variants `reps` times, interleaved (forward on even repetitions, backward on odd
/// ones), and prints one line per variant.
fn interleave(
    op: &str,
    rows: usize,
    reps: usize,
    mut variants: Vec<(&str, Run<'_>)>,
) -> Result<(), Box<dyn Error>> {
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); variants.len()];
    for rep in 0..reps {
        let order: Vec<usize> = if rep % 2 == 0 {
            (0..variants.len()).collect()
        } else {
            (0..variants.len()).rev().collect()
        };
        for v in order {
            let (name, run) = &mut variants[v];
            let s = run(rep).map_err(|e| format!("{op}/{name}, repetition {rep}: {e}"))?;
            if SAMPLES.load(Ordering::Relaxed) {
                println!(
                    "{}",
                    json!({"sample": true, "op": op, "variant": name, "rep": rep,
                           "wall_s": round(s.wall), "cpu_s": round(s.cpu), "server_cpu_s": s.server_cpu})
                );
            }
            samples[v].push(s);
        }
    }
    let raw = variants.iter().position(|(name, _)| *name == "raw");
    for (v, (name, _)) in variants.iter().enumerate() {
        let s = &samples[v];
        let wall: Vec<f64> = s.iter().map(|s| s.wall).collect();
        let cpu: Vec<f64> = s.iter().map(|s| s.cpu).collect();
        let (wall_s, wall_range) = summary(&wall);
        let (cpu_s, cpu_range) = summary(&cpu);
        let mut line = json!({
            "op": op, "variant": name, "rows": rows, "reps": reps,
            "requests": s.last().map_or(0, |s| s.requests),
            "wall_s": wall_s, "wall_range": wall_range,
            "cpu_s": cpu_s, "cpu_range": cpu_range,
        });
        if let Some(r) = raw {
            let ratios: Vec<f64> = s
                .iter()
                .zip(&samples[r])
                .map(|(a, b)| a.wall / b.wall)
                .collect();
            let (m, rg) = summary(&ratios);
            line["vs_raw"] = json!((m * 1000.0).round() / 1000.0);
            line["vs_raw_range"] = json!([
                (rg[0] * 1000.0).round() / 1000.0,
                (rg[1] * 1000.0).round() / 1000.0
            ]);
        }
        let server: Vec<f64> = s.iter().filter_map(|s| s.server_cpu).collect();
        if !server.is_empty() {
            let (m, rg) = summary(&server);
            line["server_cpu_s"] = json!(m);
            line["server_cpu_range"] = json!(rg);
        }
        println!("{line}");
    }
    Ok(())
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--stub-server") {
        let rows = std::env::args()
            .nth(2)
            .and_then(|n| n.parse().ok())
            .unwrap_or(10_000);
        if let Err(e) = run_stub_server(rows) {
            eprintln!("stub server: {e}");
            std::process::exit(1);
        }
        return;
    }
    if let Err(e) = run() {
        eprintln!("bench failed: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let o = options()?;
    SAMPLES.store(o.samples, Ordering::Relaxed);
    let mut child: Option<Child> = None;
    let url = if o.stub {
        let (c, port) = stub_server::spawn_child(&["--stub-server", &o.rows.to_string()])?;
        child = Some(c);
        format!("crate://127.0.0.1:{port}")
    } else {
        std::env::var("CRATEDB_URL").unwrap_or_else(|_| "crate://localhost:4200".into())
    };
    let result = workloads(&o, &url);
    if let Some(mut c) = child {
        let _ = c.kill();
        let _ = c.wait();
    }
    result
}

fn workloads(o: &Options, url: &str) -> Result<(), Box<dyn Error>> {
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&requests);
    let client = Client::builder()
        .url(url)
        .echo(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        })
        .build()?;
    let n = o.rows;
    let b = Bench {
        client,
        requests,
        stub: o.stub,
        n,
        server_pid: o.server_pid,
        select_sql: format!("SELECT {COLUMNS} FROM {TABLE} LIMIT {n}"),
        insert_sql: format!("INSERT INTO {TABLE} ({COLUMNS}) VALUES ($1, $2, $3, $4, $5)"),
        update_sql: format!("UPDATE {TABLE} SET \"details\"['species'] = $1 WHERE \"id\" = $2"),
    };
    // A stamp no earlier run used, for values that really change the rows.
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let wanted = |op: &str| o.only.as_deref().is_none_or(|only| only == op);

    if o.statements {
        b.filled_table()?;
        return statements(&b, stamp);
    }
    if wanted("insert") {
        insert(&b, o.reps)?;
    }
    if wanted("update_one_key") {
        b.filled_table()?;
        update_one_key(&b, o.reps, stamp)?;
    }
    if wanted("load") {
        b.filled_table()?;
        load(&b, o.reps)?;
    }
    if wanted("timeseries_insert") {
        if b.stub {
            eprintln!("timeseries_insert: against a real CrateDB only (it creates partitions)");
        } else {
            timeseries_insert(&b, o.reps)?;
        }
    }
    if wanted("eager_load") {
        if b.stub {
            eprintln!("eager_load: against a real CrateDB only");
        } else {
            eager_load(&b, o.reps)?;
        }
    }
    if o.memory {
        b.filled_table()?;
        memory(&b.client, &b.select_sql, n)?;
    }
    Ok(())
}

/// insert: N new rows in one commit, each run into a fresh table.
fn insert(b: &Bench, reps: usize) -> Result<(), Box<dyn Error>> {
    let n = b.n;
    let orm: Run = Box::new(|_| {
        b.fresh_table()?;
        b.timed(|| {
            let mut session = Session::new(b.client.clone());
            session.add_all((0..n).map(model));
            session.commit()?;
            Ok(session)
        })
    });
    let raw: Run = Box::new(|_| {
        b.fresh_table()?;
        b.timed(|| b.raw_insert())
    });
    interleave("insert", n, reps, vec![("orm", orm), ("raw", raw)])
}

/// timeseries_insert: N readings into a fresh partitioned table whose `day` key CrateDB
/// generates from `ts` (one partition per day; the insert makes them): the session with the
/// day computed on the client (`date_trunc('day', ts)`: bulk), the session with the day read
/// back (`date_trunc('day', 'Europe/Berlin', ts)`: multi-row `INSERT … RETURNING`), and the
/// raw client's bulk INSERT of the same rows (CrateDB fills the day).
fn timeseries_insert(b: &Bench, reps: usize) -> Result<(), Box<dyn Error>> {
    let n = b.n;
    let fresh = |create: String| -> Result<(), Box<dyn Error>> {
        b.execute(&BenchReading::drop_table_if_exists_sql())?;
        b.execute(&create)
    };
    let computed: Run = Box::new(|_| {
        fresh(BenchReading::create_table_sql())?;
        b.timed(|| {
            let mut session = Session::new(b.client.clone());
            session.add_all((0..n).map(reading));
            session.commit()?;
            Ok(session)
        })
    });
    let read_back: Run = Box::new(|_| {
        fresh(LocalBenchReading::create_table_sql())?;
        b.timed(|| {
            let mut session = Session::new(b.client.clone());
            let hs = session.add_all((0..n).map(|i| {
                let r = reading(i);
                LocalBenchReading {
                    device_id: r.device_id,
                    ts: r.ts,
                    day: None,
                    metrics: r.metrics,
                }
            }));
            session.commit()?;
            if hs.iter().any(|&h| session[h].day.is_none()) {
                return Err("a reading did not read its day back".into());
            }
            Ok(session)
        })
    });
    let sql = r#"INSERT INTO "bench_readings" ("device_id", "ts", "metrics") VALUES ($1, $2, $3)"#;
    let raw: Run = Box::new(|_| {
        fresh(BenchReading::create_table_sql())?;
        b.timed(|| {
            let rows: Vec<Vec<Value>> = (0..n).map(raw_reading).collect();
            for chunk in rows.chunks(DEFAULT_BATCH_SIZE) {
                let r = b.client.bulk(sql, chunk)?;
                if !r.failed_rows().is_empty() {
                    return Err(format!("{} rows failed", r.failed_rows().len()).into());
                }
            }
            Ok(rows)
        })
    });
    interleave(
        "timeseries_insert",
        n,
        reps,
        vec![
            ("orm", computed),
            ("orm_read_back", read_back),
            ("raw", raw),
        ],
    )
}

/// eager_load: N devices (`--rows`, 1,000 in the README's figure) with 10 alerts each, loaded
/// with their alerts: the session (`all_with_children`: the devices' query, then one query
/// for all their alerts, rows tracked and grouped) against the raw client sending the same two
/// queries and grouping the alert rows by device in a `HashMap`.
fn eager_load(b: &Bench, reps: usize) -> Result<(), Box<dyn Error>> {
    let n = b.n;
    b.execute(&BenchDevice::drop_table_if_exists_sql())?;
    b.execute(&BenchAlert::drop_table_if_exists_sql())?;
    b.execute(&BenchDevice::create_table_sql())?;
    b.execute(&BenchAlert::create_table_sql())?;
    let mut session = Session::new(b.client.clone());
    for d in 0..n {
        session.add(BenchDevice {
            id: format!("device-{d:06}"),
            name: format!("Device {d}"),
            tags: object! { "zone": d % 7, "kind": "sensor" },
        });
        for a in 0..ALERTS_PER_DEVICE {
            session.add(BenchAlert {
                id: format!("alert-{d:06}-{a:02}"),
                device_id: format!("device-{d:06}"),
                severity: (a % 5) as i32,
                message: format!("alert {a} of device {d}"),
            });
        }
    }
    session.commit()?;
    b.execute("REFRESH TABLE \"bench_devices\"")?;
    b.execute("REFRESH TABLE \"bench_alerts\"")?;
    let check = |alerts: usize| -> Result<(), Box<dyn Error>> {
        if alerts == n * ALERTS_PER_DEVICE {
            Ok(())
        } else {
            Err(format!("loaded {alerts} alerts, expected {}", n * ALERTS_PER_DEVICE).into())
        }
    };
    let orm: Run = Box::new(|_| {
        b.timed(|| {
            let mut s = Session::new(b.client.clone());
            let loaded = s
                .query::<BenchDevice>()
                .limit(n as u64)
                .all_with_children::<BenchAlert>()?;
            check(loaded.iter().map(|(_, a)| a.len()).sum())?;
            Ok((s, loaded))
        })
    });
    let devices_sql = format!(r#"SELECT "id", "name", "tags" FROM "bench_devices" LIMIT {n}"#);
    let alerts_sql = r#"SELECT "id", "device_id", "severity", "message" FROM "bench_alerts" WHERE "device_id" = ANY($1)"#;
    let raw: Run = Box::new(|_| {
        b.timed(|| {
            let devices = b.client.sql(&devices_sql, &[] as &[Value])?.rows;
            let ids: Vec<&Value> = devices.iter().filter_map(|d| d.first()).collect();
            let alerts = b.client.sql(alerts_sql, &[&ids])?.rows;
            let mut by_device: std::collections::HashMap<String, Vec<Vec<Value>>> =
                std::collections::HashMap::with_capacity(devices.len());
            for alert in alerts {
                let key = alert
                    .get(1)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                by_device.entry(key).or_default().push(alert);
            }
            let grouped: Vec<(Vec<Value>, Vec<Vec<Value>>)> = devices
                .iter()
                .map(|d| {
                    let key = d.first().and_then(Value::as_str).unwrap_or_default();
                    (d.clone(), by_device.remove(key).unwrap_or_default())
                })
                .collect();
            check(grouped.iter().map(|(_, a)| a.len()).sum())?;
            Ok(grouped)
        })
    });
    interleave("eager_load", n, reps, vec![("orm", orm), ("raw", raw)])
}

/// update_one_key: `details['species']` on N rows loaded by a query (their objects arrive as
/// JSON text, as from CrateDB), to a value no earlier run wrote.
fn update_one_key(b: &Bench, reps: usize, stamp: u64) -> Result<(), Box<dyn Error>> {
    let n = b.n;
    let refresh = || b.execute(&format!("REFRESH TABLE {TABLE}"));
    let orm: Run = Box::new(|rep| {
        refresh()?;
        let (mut session, hs) = b.loaded()?;
        let value = species(stamp, rep, 0);
        b.timed(|| {
            for h in hs {
                session.set_key(h, BenchCharacter::details(), &["species"], value.as_str())?;
            }
            session.commit()?;
            Ok(session)
        })
    });
    // The same through `&mut` access: the session keeps a copy of each model and compares.
    let orm_get_mut: Run = Box::new(|rep| {
        refresh()?;
        let (mut session, hs) = b.loaded()?;
        let value = species(stamp, rep, 1);
        b.timed(|| {
            for h in hs {
                session[h].details.set("species", value.as_str());
            }
            session.commit()?;
            Ok(session)
        })
    });
    // The send-only floor: the UPDATE built from ids it knows. It loads the rows too (and drops
    // them), so the server does the same work before each variant.
    let raw: Run = Box::new(|rep| {
        refresh()?;
        drop(b.raw_loaded()?);
        let value = species(stamp, rep, 2);
        b.timed(|| {
            let rows: Vec<[Value; 2]> = (0..n)
                .map(|i| [json!(value), Value::String(format!("id-{i:08}"))])
                .collect();
            b.raw_update(&rows)?;
            Ok(rows)
        })
    });
    // The raw client doing what the ORM does: rows loaded as `serde_json` values are changed
    // in memory, and the request is built from them.
    let raw_rows_in_memory: Run = Box::new(|rep| {
        refresh()?;
        let mut rows = b.raw_loaded()?;
        let value = species(stamp, rep, 3);
        b.timed(|| {
            for row in &mut rows {
                if let Some(details) = row.get_mut(3).and_then(Value::as_object_mut) {
                    details.insert("species".into(), json!(value));
                }
            }
            let args: Vec<[&Value; 2]> = rows
                .iter()
                .filter_map(|row| Some([row.get(3)?.get("species")?, row.first()?]))
                .collect();
            b.raw_update(&args)?;
            drop(args);
            Ok(rows)
        })
    });
    // The same, with the argument rows sorted by key before sending: the loaded order comes
    // shard by shard, the key order spreads every stretch of the request over all shards.
    let raw_rows_sorted: Run = Box::new(|rep| {
        refresh()?;
        let mut rows = b.raw_loaded()?;
        let value = species(stamp, rep, 4);
        b.timed(|| {
            for row in &mut rows {
                if let Some(details) = row.get_mut(3).and_then(Value::as_object_mut) {
                    details.insert("species".into(), json!(value));
                }
            }
            let mut args: Vec<[&Value; 2]> = rows
                .iter()
                .filter_map(|row| Some([row.get(3)?.get("species")?, row.first()?]))
                .collect();
            args.sort_unstable_by(|a, b| a[1].as_str().cmp(&b[1].as_str()));
            b.raw_update(&args)?;
            drop(args);
            Ok(rows)
        })
    });
    interleave(
        "update_one_key",
        n,
        reps,
        vec![
            ("orm", orm),
            ("orm_get_mut", orm_get_mut),
            ("raw", raw),
            ("raw_rows_in_memory", raw_rows_in_memory),
            ("raw_rows_sorted", raw_rows_sorted),
        ],
    )
}

/// load: N rows into models, and as `serde_json` rows.
fn load(b: &Bench, reps: usize) -> Result<(), Box<dyn Error>> {
    let orm: Run = Box::new(|_| b.timed(|| b.loaded()));
    let raw: Run = Box::new(|_| b.timed(|| b.raw_loaded()));
    interleave("load", b.n, reps, vec![("orm", orm), ("raw", raw)])
}

/// `--statements`: what each one-key update variant sends (the statement, the number and
/// first of its argument rows, and the JSON body size), and the insert of two rows, without
/// timing.
fn statements(b: &Bench, stamp: u64) -> Result<(), Box<dyn Error>> {
    let (mut session, hs) = b.loaded()?;
    let value = species(stamp, 0, 0);
    for h in hs {
        session.set_key(h, BenchCharacter::details(), &["species"], value.as_str())?;
    }
    let show = |variant: &str, sql: &str, args: &[Vec<Value>]| {
        let body =
            serde_json::to_vec(&json!({"stmt": sql, "bulk_args": args})).map_or(0, |b| b.len());
        println!(
            "{}",
            json!({"variant": variant, "stmt": sql, "rows": args.len(), "first_rows": &args[..args.len().min(2)], "body_bytes": body})
        );
    };
    for s in session.pending_statements() {
        match &s.args {
            StatementArgs::Bulk(rows) => show("orm", &s.sql, rows),
            StatementArgs::Single(args) => show("orm", &s.sql, std::slice::from_ref(args)),
        }
    }
    let (mut session, hs) = b.loaded()?;
    for h in hs {
        session[h].details.set("species", value.as_str());
    }
    for s in session.pending_statements() {
        if let StatementArgs::Bulk(rows) = &s.args {
            show("orm_get_mut", &s.sql, rows);
        }
    }
    let mut ins = Session::new(b.client.clone());
    ins.add_all((0..2).map(model));
    for s in ins.pending_statements() {
        if let StatementArgs::Bulk(rows) = &s.args {
            show("insert_orm", &s.sql, rows);
        }
    }
    let raw_rows: Vec<Vec<Value>> = (0..2).map(raw_row).collect();
    show("insert_raw", &b.insert_sql, &raw_rows);
    let raw: Vec<Vec<Value>> = (0..b.n)
        .map(|i| vec![json!(value), Value::String(format!("id-{i:08}"))])
        .collect();
    for chunk in raw.chunks(DEFAULT_BATCH_SIZE) {
        show("raw", &b.update_sql, chunk);
    }
    Ok(())
}

/// Peak heap while loading N rows into tracked models, against the JSON response size.
fn memory(client: &Client, select_sql: &str, n: usize) -> Result<(), Box<dyn Error>> {
    let body_bytes = serde_json::to_vec(&json!({
        "cols": ["id", "name", "quote", "details", "more_details"],
        "rows": client.sql(select_sql, &[] as &[Value])?.rows,
        "rowcount": n,
        "duration": 1.0
    }))?
    .len();
    heap_count::start();
    for (variant, load) in [("raw", false), ("orm", true)] {
        let base = IN_USE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let kept = if load {
            let mut session = Session::new(client.clone());
            let hs = session.query::<BenchCharacter>().limit(n as u64).all()?;
            let kept = IN_USE.load(Ordering::Relaxed) - base;
            drop((hs, session));
            kept
        } else {
            let r = client.sql(select_sql, &[] as &[Value])?;
            let kept = IN_USE.load(Ordering::Relaxed) - base;
            drop(r);
            kept
        };
        let peak = PEAK.load(Ordering::Relaxed) - base;
        println!(
            "{}",
            json!({"op": "load_memory", "variant": variant, "rows": n, "json_bytes": body_bytes,
                   "peak_bytes": peak, "peak_ratio": (peak as f64 / body_bytes as f64 * 100.0).round() / 100.0,
                   "retained_bytes": kept})
        );
    }
    Ok(())
}

/// The stub server child: answers `rows` rows to a SELECT (see [`stub_server`]).
fn run_stub_server(rows: usize) -> Result<(), Box<dyn Error>> {
    let select_body = stub_server::select_body(
        &["id", "name", "quote", "details", "more_details"],
        (0..rows).map(raw_row).collect(),
    )?;
    stub_server::serve_as_child(select_body)?;
    Ok(())
}
