//! The ORM's cost on top of the wire: each workload done with the ORM (Session and DSL) and raw
//! (the client with hand-written SQL and `serde_json` values — the floor).
//!
//! ```text
//! cargo run --release --example bench -- --rows 10000 --reps 7 --serve-stub
//! CRATEDB_URL=crate://localhost:4200 cargo run --release --example bench -- --rows 10000
//! ```
//!
//! `--serve-stub` starts a loopback server in a child process that answers instantly (bulk
//! results, or `--rows` rows of the right shape for the SELECT), so the figures are the client
//! side alone; against `CRATEDB_URL` they include the database. `--only
//! insert|update_one_key|load` runs one workload (against a database, after an `insert` run
//! has filled the table). One JSON object per line:
//! `{"op": "insert", "variant": "orm", "rows": 10000, "requests": 1, "median_s": 0.0123}`.
//! With `--memory` it also reports the peak heap of loading the rows into models, next to the
//! size of the JSON response.
//!
//! `update_one_key` changes models loaded by a query, and has two more variants:
//! `orm_get_mut` (the change made through `session[h]`, which the session finds by comparing
//! with a copy) and `raw_rows_in_memory` (the raw client doing what the ORM does: rows loaded
//! as `serde_json` values changed in memory, and the request built from them).

use std::alloc::{GlobalAlloc, Layout, System};
use std::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use cratedb_orm::{object, Client, CrateModel, Object, ObjectArray, Session, Value};

#[path = "stub_server.rs"]
mod stub_server;
use serde_json::json;

/// Counts heap bytes in use and their peak, for `--memory`.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Counting is on only for `--memory` (it costs two atomic operations per allocation).
static COUNTING: AtomicBool = AtomicBool::new(false);

// SAFETY: forwards to the system allocator unchanged; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        if COUNTING.load(Ordering::Relaxed) {
            IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            if new_size >= layout.size() {
                let now = IN_USE.fetch_add(new_size - layout.size(), Ordering::Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                IN_USE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

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

struct Options {
    rows: usize,
    reps: usize,
    stub: bool,
    memory: bool,
    /// Runs only this workload (`insert`, `update_one_key`, `load`).
    only: Option<String>,
}

fn options() -> Result<Options, Box<dyn Error>> {
    let mut o = Options {
        rows: 10_000,
        reps: 5,
        stub: false,
        memory: false,
        only: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rows" => o.rows = args.next().ok_or("--rows needs a number")?.parse()?,
            "--reps" => o.reps = args.next().ok_or("--reps needs a number")?.parse()?,
            "--serve-stub" => o.stub = true,
            "--memory" => o.memory = true,
            "--only" => o.only = Some(args.next().ok_or("--only needs a workload")?),
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    Ok(o)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Runs `work` `reps` times after `prepare`, returning the median seconds and the requests per
/// run. What `work` returns is dropped after the clock stops (teardown is not the workload).
fn measure<S, R>(
    reps: usize,
    requests: &AtomicUsize,
    mut prepare: impl FnMut() -> Result<S, Box<dyn Error>>,
    mut work: impl FnMut(S) -> Result<R, Box<dyn Error>>,
) -> Result<(f64, usize), Box<dyn Error>> {
    let mut times = Vec::new();
    let mut sent = 0;
    for _ in 0..reps {
        let state = prepare()?;
        let before = requests.load(Ordering::Relaxed);
        let t = Instant::now();
        let result = work(state)?;
        times.push(t.elapsed().as_secs_f64());
        drop(result);
        sent = requests.load(Ordering::Relaxed) - before;
    }
    Ok((median(times), sent))
}

fn report(op: &str, variant: &str, rows: usize, (median_s, requests): (f64, usize)) {
    println!(
        "{}",
        json!({"op": op, "variant": variant, "rows": rows, "requests": requests, "median_s": (median_s * 1e6).round() / 1e6})
    );
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
    let mut child: Option<Child> = None;
    let url = if o.stub {
        let (c, port) = spawn_stub(o.rows)?;
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
    // On loopback, compressing request bodies only costs time (the same for both variants).
    let gzip_over = if o.stub {
        None
    } else {
        Some(cratedb_orm::client::DEFAULT_GZIP_REQUESTS_OVER)
    };
    let client = Client::builder()
        .url(url)
        .gzip_requests_over(gzip_over)
        .echo(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        })
        .build()?;
    let n = o.rows;
    if !o.stub {
        client.execute(&BenchCharacter::drop_table_if_exists_sql())?;
        client.execute(&BenchCharacter::create_table_sql())?;
    }
    let clear = |client: &Client| -> Result<(), Box<dyn Error>> {
        if !o.stub {
            client.execute("DELETE FROM \"bench_characters\"")?;
            client.execute("REFRESH TABLE \"bench_characters\"")?;
        }
        Ok(())
    };
    let insert_sql =
        format!("INSERT INTO \"bench_characters\" ({COLUMNS}) VALUES ($1, $2, $3, $4, $5)");
    let select_sql = format!("SELECT {COLUMNS} FROM \"bench_characters\" LIMIT {n}");

    let wanted = |op: &str| o.only.as_deref().is_none_or(|only| only == op);
    if wanted("insert") {
        // insert: N new rows in one commit.
        let orm = measure(
            o.reps,
            &requests,
            || {
                clear(&client)?;
                Ok(())
            },
            |()| {
                let mut session = Session::new(client.clone());
                session.add_all((0..n).map(model));
                session.commit()?;
                Ok(session)
            },
        )?;
        report("insert", "orm", n, orm);
        let raw = measure(
            o.reps,
            &requests,
            || {
                clear(&client)?;
                Ok(())
            },
            |()| {
                let rows: Vec<Vec<Value>> = (0..n).map(raw_row).collect();
                let r = client.bulk(&insert_sql, &rows)?;
                if !r.failed_rows().is_empty() {
                    return Err("bulk insert failed".into());
                }
                Ok(rows)
            },
        )?;
        report("insert", "raw", n, raw);
        if !o.stub {
            client.execute("REFRESH TABLE \"bench_characters\"")?;
        }
    }
    if wanted("update_one_key") {
        // update_one_key: details['species'] on N models loaded by a query (their objects
        // arrive as JSON text, as from CrateDB).
        let loaded = || -> Result<_, Box<dyn Error>> {
            let mut session = Session::new(client.clone());
            let hs = session.query::<BenchCharacter>().limit(n as u64).all()?;
            if hs.len() != n {
                return Err(
                    format!("loaded {} rows, expected {n} (run insert first)", hs.len()).into(),
                );
            }
            Ok((session, hs))
        };
        let orm = measure(o.reps, &requests, loaded, |(mut session, hs)| {
            for h in hs {
                session.set_key(h, BenchCharacter::details(), &["species"], "Betelgeusian")?;
            }
            session.commit()?;
            Ok(session)
        })?;
        report("update_one_key", "orm", n, orm);
        // The same through `&mut` access: the session keeps a copy of each model and compares.
        let orm_mut = measure(o.reps, &requests, loaded, |(mut session, hs)| {
            for h in hs {
                session[h].details.set("species", "Betelgeusian");
            }
            session.commit()?;
            Ok(session)
        })?;
        report("update_one_key", "orm_get_mut", n, orm_mut);
        let update_sql =
            "UPDATE \"bench_characters\" SET \"details\"['species'] = $1 WHERE \"id\" = $2";
        let raw = measure(
            o.reps,
            &requests,
            || Ok((0..n).map(|i| format!("id-{i:08}")).collect::<Vec<_>>()),
            |ids| {
                let rows: Vec<Vec<Value>> = ids
                    .into_iter()
                    .map(|id| vec![json!("Betelgeusian"), Value::String(id)])
                    .collect();
                client.bulk(update_sql, &rows)?;
                Ok(rows)
            },
        )?;
        report("update_one_key", "raw", n, raw);
        // The raw client doing what the ORM does: rows loaded as `serde_json` values are
        // changed in memory, and the request is built from them.
        let raw_rows = measure(
            o.reps,
            &requests,
            || Ok(client.sql(&select_sql, &[] as &[Value])?.rows),
            |mut rows| {
                for row in &mut rows {
                    if let Some(details) = row.get_mut(3).and_then(Value::as_object_mut) {
                        details.insert("species".into(), json!("Betelgeusian"));
                    }
                }
                let args: Vec<[&Value; 2]> = rows
                    .iter()
                    .filter_map(|row| Some([row.get(3)?.get("species")?, row.first()?]))
                    .collect();
                client.bulk(update_sql, &args)?;
                drop(args);
                Ok(rows)
            },
        )?;
        report("update_one_key", "raw_rows_in_memory", n, raw_rows);
        if !o.stub {
            client.execute("REFRESH TABLE \"bench_characters\"")?;
        }
    }
    if wanted("load") {
        // load: N rows into models.
        let limit = n as u64;
        let orm = measure(
            o.reps,
            &requests,
            || Ok(()),
            |()| {
                let mut session = Session::new(client.clone());
                let hs = session.query::<BenchCharacter>().limit(limit).all()?;
                if hs.len() != n {
                    return Err(format!("loaded {} rows, expected {n}", hs.len()).into());
                }
                Ok(session)
            },
        )?;
        report("load", "orm", n, orm);
        let raw = measure(
            o.reps,
            &requests,
            || Ok(()),
            |()| {
                let r = client.sql(&select_sql, &[] as &[Value])?;
                if r.rows.len() != n {
                    return Err(format!("loaded {} rows, expected {n}", r.rows.len()).into());
                }
                Ok(r)
            },
        )?;
        report("load", "raw", n, raw);
    }

    if o.memory {
        memory(&client, &select_sql, n)?;
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
    COUNTING.store(true, Ordering::Relaxed);
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

/// Starts this program as a stub server in a child process and reads its port.
fn spawn_stub(rows: usize) -> Result<(Child, u16), Box<dyn Error>> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--stub-server", &rows.to_string()])
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or("no stdout from the stub server")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let port = line.trim().parse()?;
    Ok((child, port))
}

/// The stub server child: prints its port, then answers (see [`stub_server`]).
fn run_stub_server(rows: usize) -> Result<(), Box<dyn Error>> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    println!("{}", listener.local_addr()?.port());
    std::io::stdout().flush()?;
    let select_body = stub_server::select_body(
        &["id", "name", "quote", "details", "more_details"],
        (0..rows).map(raw_row).collect(),
    )?;
    stub_server::serve_forever(listener, select_body)?;
    Ok(())
}
