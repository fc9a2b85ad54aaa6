//! Large results on a real CrateDB: the peak memory and rate of reading 1,000,000 rows by
//! streaming (`Query::for_each`) against loading them all (`Query::load`, a `Vec`), and
//! `OFFSET`/`LIMIT` paging against keyset paging (`Select::keyset`) at increasing depth.
//!
//! ```text
//! CRATEDB_URL=crate://127.0.0.1:4200 cargo run --release --example stream_pages -- \
//!     --rows 1000000 --reps 3 --page 1000 --offsets 0,10000,100000,500000,900000
//! ```
//!
//! The rows live in a table of their own, `stream_bench` in schema `bench_stream` (sensor
//! readings: id, sensor, value, a note of about 40 characters; 6 shards, no replicas), loaded
//! through one session commit per 100,000 rows. A table already holding exactly the rows
//! asked for is reused; `--drop` drops the table (and only it) at the end.
//!
//! **Memory** (`--phases`, by default `stream,vec,pages,raw_sql`): each phase runs in a child
//! process of its own (this program again, with `--phase`), so that its peak resident set
//! (`VmHWM` of `/proc/self/status`, which only grows) is its own; each child also counts its
//! peak heap (the counting allocator of `heap_count.rs`) and its CPU time. The phases:
//!
//! - `stream`: `session.query::<Reading>().for_each(..)`, each model summed and dropped;
//! - `vec`: `session.query::<Reading>().load()`, the models kept in a `Vec` until summed;
//! - `pages`: `session.query::<Reading>().pages(Reading::id(), 10_000)`, one page at a time;
//! - `raw_sql`: the raw client's `sql` (the whole answer as `serde_json` values), for scale.
//!
//! One JSON line per phase and repetition: rows, wall and CPU seconds, rows per second,
//! `vm_hwm_mb` (the child's peak resident set), `start_rss_mb` (its resident set before the
//! query: the program, the client, the allocator) and `heap_peak_mb` (heap in use at most
//! during the query).
//!
//! **Paging at depth** (`--offsets`): at each offset, one page of `--page` rows ordered by id
//! read as `ORDER BY "id" LIMIT n OFFSET o` (the ORM's `.order_by().limit().offset().load()`)
//! and by keyset (`Select::keyset(..).after(&(o - 1))`, `WHERE "id" > $1 ORDER BY "id" LIMIT
//! n`; the ids are `0..rows`), interleaved, `--reps` times each; both must give the same ids.
//! One JSON line per offset: the median wall time of each (with its range) and the median of
//! the server's own `duration` for the same statement sent through the raw client. A statement
//! the server refuses is reported with its error. `--walk SIZE` also times walking the whole
//! table both ways in pages of SIZE rows.

use std::error::Error;
use std::process::Command;
use std::time::Instant;

use cratedb_orm::query::Select;
use cratedb_orm::{Client, CrateModel, Session, Value};
use serde_json::json;

#[path = "cpu_time.rs"]
mod cpu_time;
#[path = "stats.rs"]
mod stats;
use stats::{median, min_max, round};

#[path = "heap_count.rs"]
mod heap_count;
use heap_count::{IN_USE, PEAK};

#[global_allocator]
static ALLOC: heap_count::Counting = heap_count::Counting;

/// A reading of a sensor.
#[derive(CrateModel, Debug, Clone, Default)]
#[cratedb(table = "stream_bench", number_of_shards = 6, number_of_replicas = "0")]
struct Reading {
    #[cratedb(primary_key)]
    id: i64,
    sensor: String,
    value: f64,
    note: String,
}

fn reading(i: i64) -> Reading {
    Reading {
        id: i,
        sensor: format!("sensor-{}", i % 100),
        value: i as f64 * 0.5,
        note: format!("reading {i:07} of sensor {:03}, calibrated", i % 100),
    }
}

const SCHEMA: &str = "bench_stream";

type BoxError = Box<dyn Error + Send + Sync>;

struct Options {
    rows: i64,
    reps: usize,
    page: u64,
    offsets: Vec<u64>,
    phases: Vec<String>,
    walk: Option<u64>,
    drop: bool,
    /// Set in a child: the one memory phase it runs.
    phase: Option<String>,
}

fn options() -> Result<Options, BoxError> {
    let mut o = Options {
        rows: 1_000_000,
        reps: 3,
        page: 1_000,
        offsets: vec![0, 10_000, 100_000, 500_000, 900_000],
        phases: ["stream", "vec", "pages", "raw_sql"]
            .map(String::from)
            .to_vec(),
        walk: None,
        drop: false,
        phase: None,
    };
    let mut args = std::env::args().skip(1);
    let value = |name: &str, args: &mut dyn Iterator<Item = String>| {
        args.next().ok_or_else(|| format!("{name} needs a value"))
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rows" => o.rows = value("--rows", &mut args)?.parse()?,
            "--reps" => o.reps = value("--reps", &mut args)?.parse()?,
            "--page" => o.page = value("--page", &mut args)?.parse()?,
            "--walk" => o.walk = Some(value("--walk", &mut args)?.parse()?),
            "--drop" => o.drop = true,
            "--phase" => o.phase = Some(value("--phase", &mut args)?),
            "--offsets" => {
                o.offsets = value("--offsets", &mut args)?
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::parse)
                    .collect::<Result<_, _>>()?
            }
            "--phases" => {
                o.phases = value("--phases", &mut args)?
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            }
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    for p in o.phases.iter().chain(&o.phase) {
        if !matches!(p.as_str(), "stream" | "vec" | "pages" | "raw_sql") {
            return Err(format!("unknown phase {p:?} (stream, vec, pages, raw_sql)").into());
        }
    }
    if o.reps == 0 || o.page == 0 {
        return Err("--reps and --page must be at least 1".into());
    }
    Ok(o)
}

/// `CRATEDB_URL` (or `crate://localhost:4200`) with this program's schema.
fn url() -> String {
    let base = std::env::var("CRATEDB_URL").unwrap_or_else(|_| "crate://localhost:4200".into());
    if base.contains('?') {
        format!("{base}&schema={SCHEMA}")
    } else if base.ends_with('/') {
        format!("{base}?schema={SCHEMA}")
    } else {
        format!("{base}/?schema={SCHEMA}")
    }
}

fn main() -> Result<(), BoxError> {
    let o = options()?;
    let client = Client::new(&url())?;
    if let Some(phase) = &o.phase {
        return run_phase(&client, phase, o.rows);
    }
    prepare(&client, o.rows)?;
    for rep in 0..o.reps {
        // Alternating order, so that a slow spell of a shared machine hits the phases alike.
        let mut phases = o.phases.clone();
        if rep % 2 == 1 {
            phases.reverse();
        }
        for phase in &phases {
            let out = Command::new(std::env::current_exe()?)
                .args(["--phase", phase, "--rows", &o.rows.to_string()])
                .output()?;
            if !out.status.success() {
                return Err(format!(
                    "phase {phase} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                )
                .into());
            }
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
    }
    for &offset in &o.offsets {
        if offset >= o.rows as u64 {
            eprintln!(
                "offset {offset} is past the table's {} rows: skipped",
                o.rows
            );
            continue;
        }
        depth(&client, offset, o.page, o.reps)?;
    }
    if let Some(size) = o.walk {
        walk(&client, o.rows, size)?;
    }
    if o.drop {
        client.sql(
            &cratedb_orm::ddl::drop_table_if_exists(Reading::meta()),
            &[] as &[Value],
        )?;
    }
    Ok(())
}

/// The table with exactly `rows` readings `0..rows`: reused when it holds them, else made.
fn prepare(client: &Client, rows: i64) -> Result<(), BoxError> {
    let exists = client.sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2",
        &json!([SCHEMA, Reading::meta().name]),
    )?;
    if exists.rows.first().and_then(|r| r.first()) == Some(&json!(1)) {
        client.sql(r#"REFRESH TABLE "stream_bench""#, &[] as &[Value])?;
        let held = client.sql(
            r#"SELECT count(*), min("id"), max("id") FROM "stream_bench""#,
            &[] as &[Value],
        )?;
        if held.rows.first() == Some(&vec![json!(rows), json!(0), json!(rows - 1)]) {
            eprintln!("reusing {SCHEMA}.stream_bench ({rows} rows)");
            return Ok(());
        }
        client.sql(
            &cratedb_orm::ddl::drop_table(Reading::meta()),
            &[] as &[Value],
        )?;
    }
    client.sql(
        &cratedb_orm::ddl::create_table(Reading::meta()),
        &[] as &[Value],
    )?;
    let start = Instant::now();
    let mut from = 0;
    while from < rows {
        let to = (from + 100_000).min(rows);
        let mut session = Session::new(client.clone());
        for i in from..to {
            session.add(reading(i));
        }
        session.commit()?;
        from = to;
        eprintln!("loaded {to} of {rows} rows");
    }
    client.sql(r#"REFRESH TABLE "stream_bench""#, &[] as &[Value])?;
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "loaded {rows} rows in {secs:.1} s ({:.0} rows/s)",
        rows as f64 / secs
    );
    Ok(())
}

/// `VmHWM` and `VmRSS` of this process, in MB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// One memory phase, in a child process: reads every row and prints one JSON line.
fn run_phase(client: &Client, phase: &str, expected: i64) -> Result<(), BoxError> {
    let mut session = Session::new(client.clone());
    // A first request, so that the connection, the agent and their buffers exist before the
    // baseline is taken.
    session.query::<Reading>().limit(1).load()?;
    let (_, start_rss) = memory();
    heap_count::start();
    let base_heap = IN_USE.load(std::sync::atomic::Ordering::Relaxed);
    PEAK.store(base_heap, std::sync::atomic::Ordering::Relaxed);
    let cpu = cpu_time::this_process();
    let start = Instant::now();
    let (mut rows, mut sum) = (0i64, 0.0f64);
    match phase {
        "stream" => session.query::<Reading>().for_each(|r| {
            rows += 1;
            sum += r.value;
        })?,
        "vec" => {
            let all = session.query::<Reading>().load()?;
            rows = all.len() as i64;
            sum = all.iter().map(|r| r.value).sum();
        }
        "pages" => {
            for page in session.query::<Reading>().pages(Reading::id(), 10_000) {
                for r in page? {
                    rows += 1;
                    sum += r.value;
                }
            }
        }
        _ => {
            let answer = client.sql(
                r#"SELECT "id", "sensor", "value", "note" FROM "stream_bench""#,
                &[] as &[Value],
            )?;
            rows = answer.rows.len() as i64;
            sum = answer
                .rows
                .iter()
                .filter_map(|r| r.get(2).and_then(Value::as_f64))
                .sum();
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu_time::this_process() - cpu;
    let heap_peak = PEAK.load(std::sync::atomic::Ordering::Relaxed) - base_heap;
    let (hwm, _) = memory();
    if rows != expected || sum != (0..expected).map(|i| i as f64 * 0.5).sum::<f64>() {
        return Err(format!("{phase}: read {rows} rows (sum {sum}), expected {expected}").into());
    }
    println!(
        "{}",
        json!({
            "phase": phase,
            "rows": rows,
            "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3),
            "rows_per_s": (rows as f64 / wall).round(),
            "vm_hwm_mb": round(hwm, 1),
            "start_rss_mb": round(start_rss, 1),
            "heap_peak_mb": round(heap_peak as f64 / 1_048_576.0, 2),
        })
    );
    Ok(())
}

/// A page's ids, or the server's refusal.
type Page = Result<Vec<i64>, String>;

/// One page at `offset` by OFFSET and by keyset, `reps` times each, interleaved.
fn depth(client: &Client, offset: u64, page: u64, reps: usize) -> Result<(), BoxError> {
    let mut session = Session::new(client.clone());
    let by_offset = || {
        Select::<Reading>::new()
            .order_by(Reading::id())
            .limit(page)
            .offset(offset)
    };
    let by_key = || {
        let pager = Select::<Reading>::new().keyset(Reading::id(), page);
        if offset == 0 {
            pager
        } else {
            pager.after(&(offset as i64 - 1))
        }
    };
    let (offset_sql, offset_args) = by_offset().to_sql();
    let (key_sql, key_args) = by_key().page_sql()?;
    let want: Vec<i64> = (offset as i64..offset as i64 + page as i64).collect();
    let (mut t_offset, mut t_key, mut d_offset, mut d_key) = (vec![], vec![], vec![], vec![]);
    let mut error = None;
    for rep in 0..reps {
        for first in [rep % 2 == 0, rep % 2 == 1] {
            let start = Instant::now();
            let ids: Page = if first {
                session
                    .run(by_offset())
                    .load()
                    .map(|rows| rows.into_iter().map(|r| r.id).collect())
                    .map_err(|e| e.to_string())
            } else {
                by_key()
                    .next_page(&mut session)
                    .map(|rows| rows.unwrap_or_default().into_iter().map(|r| r.id).collect())
                    .map_err(|e| e.to_string())
            };
            let took = start.elapsed().as_secs_f64() * 1000.0;
            match ids {
                Ok(ids) if ids == want => if first { &mut t_offset } else { &mut t_key }.push(took),
                Ok(ids) => {
                    return Err(format!(
                        "offset {offset}: {} gave {} rows starting at {:?}",
                        if first { "OFFSET" } else { "keyset" },
                        ids.len(),
                        ids.first()
                    )
                    .into())
                }
                Err(e) => error = Some((if first { "OFFSET" } else { "keyset" }, e)),
            }
            // The server's own time for the same statement.
            let (sql, args) = if first {
                (&offset_sql, &offset_args)
            } else {
                (&key_sql, &key_args)
            };
            if let Ok(answer) = client.sql(sql, args) {
                if first { &mut d_offset } else { &mut d_key }.push(answer.duration);
            }
        }
    }
    let summary = |xs: &[f64]| {
        let [lo, hi] = min_max(xs);
        json!({"median": round(median(xs.to_vec()), 1), "range": [round(lo, 1), round(hi, 1)]})
    };
    println!(
        "{}",
        json!({
            "offset": offset,
            "page": page,
            "offset_ms": summary(&t_offset),
            "keyset_ms": summary(&t_key),
            "offset_server_ms": summary(&d_offset),
            "keyset_server_ms": summary(&d_key),
            "error": error.map(|(how, e)| format!("{how}: {e}")),
        })
    );
    Ok(())
}

/// The whole table in pages of `size`, by OFFSET and by keyset: total seconds each.
fn walk(client: &Client, rows: i64, size: u64) -> Result<(), BoxError> {
    let mut session = Session::new(client.clone());
    let start = Instant::now();
    let (mut seen, mut offset) = (0i64, 0u64);
    loop {
        let page = session
            .query::<Reading>()
            .order_by(Reading::id())
            .limit(size)
            .offset(offset)
            .load()?;
        if page.first().map(|r| r.id) != Some(offset as i64) && !page.is_empty() {
            return Err(format!("OFFSET walk: page at {offset} starts elsewhere").into());
        }
        seen += page.len() as i64;
        offset += size;
        if (page.len() as u64) < size {
            break;
        }
    }
    let offset_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut keyed = 0i64;
    for page in session.query::<Reading>().pages(Reading::id(), size) {
        keyed += page?.len() as i64;
    }
    let key_s = start.elapsed().as_secs_f64();
    if seen != rows || keyed != rows {
        return Err(format!("walks read {seen} and {keyed} rows of {rows}").into());
    }
    println!(
        "{}",
        json!({
            "walk_page": size,
            "rows": rows,
            "offset_walk_s": round(offset_s, 2),
            "keyset_walk_s": round(key_s, 2),
        })
    );
    Ok(())
}
