//! The Rust peer of `examples/bench.rs`: its workloads through the `postgres` crate over
//! CrateDB's PostgreSQL wire protocol, in that crate's natural forms.
//!
//! ```text
//! cargo run --release --manifest-path examples/peer-rust/Cargo.toml -- \
//!     --url postgres://crate@127.0.0.1:5432/doc --rows 10000 --reps 5
//! ```
//!
//! The URL's database is CrateDB's default schema for the connection (`doc` by default): run the
//! ORM's bench with `?schema=` set to the same name to compare on the same table. The psql port
//! of a node: `SELECT port['psql'] FROM sys.nodes` on its HTTP endpoint, or
//! `../shared/cratedb/cratedb.sh url --psql` for a node started by that script.
//!
//! The table and the rows are `bench.rs`'s (`bench_characters`: id, name, quote, an OBJECT, an
//! ARRAY(OBJECT)), and so are the resets: `insert` runs into a fresh table each time;
//! `update_one_key` and `load` fill a fresh table once (N rows, refreshed); each update first
//! refreshes the table and loads the rows (outside the clock) and writes a value of one length
//! that no earlier run wrote. Variants run interleaved, repetition by repetition, in alternating
//! order.
//!
//! Variants:
//! - `insert/pg_multirow`: one `INSERT … VALUES ($1, …), (…), …` per 5,000 rows (25,000
//!   parameters; the statement text stays under CrateDB's 262,144-character limit);
//! - `insert/pg_prepared_per_row`: one prepared INSERT, executed once per row;
//! - `load/pg_structs`: the N rows into structs (`serde_json::Value` for the OBJECT,
//!   `Vec<serde_json::Value>` for the ARRAY(OBJECT));
//! - `update_one_key/pg_any`: `details['species']` on the N loaded rows by one
//!   `UPDATE … WHERE "id" = ANY($2)` with the loaded ids;
//! - `update_one_key/pg_per_row`: one prepared UPDATE by id, executed once per row.
//!
//! One JSON line per variant, as `bench.rs` prints: `wall_s` and `cpu_s` (this process's CPU
//! time) medians with their `[min, max]` ranges, and the statements one run sent. `--samples`
//! also prints one line per timed run; `--only insert|update_one_key|load` runs one workload.

use std::error::Error;
use std::time::Instant;

use postgres::types::ToSql;
use postgres::{Client, NoTls};
use serde_json::{json, Value};

#[path = "../../cpu_time.rs"]
mod cpu_time;
#[path = "../../stats.rs"]
mod stats;

type BoxError = Box<dyn Error>;

/// `BenchCharacter::create_table_sql()` of `examples/bench.rs`.
const CREATE: &str = r#"CREATE TABLE "bench_characters" ("id" TEXT NOT NULL, "name" TEXT NOT NULL, "quote" TEXT NOT NULL, "details" OBJECT NOT NULL, "more_details" ARRAY(OBJECT) NOT NULL, PRIMARY KEY ("id"))"#;
const DROP: &str = r#"DROP TABLE IF EXISTS "bench_characters""#;
const TABLE: &str = "\"bench_characters\"";
const COLUMNS: &str = r#""id", "name", "quote", "details", "more_details""#;
/// Rows per multi-row INSERT: 5,000 rows of five `$n` placeholders make a statement of about
/// 190,000 characters, under CrateDB's `statement_max_length` of 262,144.
const ROWS_PER_STATEMENT: usize = 5_000;
const QUOTE: &str = "We're on a space ship Arthur. In space.";
const WORKLOADS: [&str; 3] = ["insert", "update_one_key", "load"];

/// A row of `bench_characters`, as the peer holds it.
#[derive(Debug, Clone, PartialEq)]
struct Character {
    id: String,
    name: String,
    quote: String,
    details: Value,
    more_details: Vec<Value>,
}

/// Row `n`: the same values as `bench.rs`'s `model(n)` and `raw_row(n)`.
fn character(n: usize) -> Character {
    Character {
        id: format!("id-{n:08}"),
        name: format!("Character {n}"),
        quote: QUOTE.to_owned(),
        details: json!({ "gender": if n % 2 == 0 { "male" } else { "female" }, "species": "human", "age": n % 90 }),
        more_details: vec![json!({ "foo": 1, "bar": 10 }), json!({ "foo": 2 })],
    }
}

/// The `details['species']` value of repetition `rep` of variant `variant` (as `bench.rs`
/// makes it: one length, never written before).
fn species(stamp: u64, rep: usize, variant: usize) -> String {
    format!("Betelgeusian-{stamp:010}-{rep:04}-{variant}")
}

struct Options {
    url: String,
    rows: usize,
    reps: usize,
    samples: bool,
    only: Option<String>,
}

fn options() -> Result<Options, BoxError> {
    let mut o = Options {
        url: std::env::var("PG_URL")
            .unwrap_or_else(|_| "postgres://crate@127.0.0.1:5432/doc".into()),
        rows: 10_000,
        reps: 5,
        samples: false,
        only: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--url" => o.url = args.next().ok_or("--url needs a postgres:// URL")?,
            "--rows" => o.rows = args.next().ok_or("--rows needs a number")?.parse()?,
            "--reps" => o.reps = args.next().ok_or("--reps needs a number")?.parse()?,
            "--samples" => o.samples = true,
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

/// One timed run.
#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: f64,
    cpu: f64,
    statements: usize,
}

/// Runs `work` with the clock on; it returns the statements it sent, and what it built is
/// dropped after the clock stops.
fn timed<R>(work: impl FnOnce() -> Result<(usize, R), BoxError>) -> Result<Sample, BoxError> {
    let cpu = cpu_time::this_process();
    let t = Instant::now();
    let (statements, result) = work()?;
    let wall = t.elapsed().as_secs_f64();
    let cpu = cpu_time::this_process() - cpu;
    drop(result);
    Ok(Sample {
        wall,
        cpu,
        statements,
    })
}

/// One variant: runs repetition `rep` (its setup outside the clock) on the connection.
type Run<'a> = Box<dyn FnMut(&mut Client, usize) -> Result<Sample, BoxError> + 'a>;

fn round(x: f64) -> f64 {
    stats::round(x, 6)
}

/// Runs the variants `reps` times, interleaved (forward, then backward), and prints one line
/// per variant.
fn interleave(
    pg: &mut Client,
    op: &str,
    rows: usize,
    reps: usize,
    samples_too: bool,
    mut variants: Vec<(&str, Run<'_>)>,
) -> Result<(), BoxError> {
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); variants.len()];
    for rep in 0..reps {
        let order: Vec<usize> = if rep % 2 == 0 {
            (0..variants.len()).collect()
        } else {
            (0..variants.len()).rev().collect()
        };
        for v in order {
            let (name, run) = &mut variants[v];
            let s = run(pg, rep).map_err(|e| format!("{op}/{name}, repetition {rep}: {e}"))?;
            if samples_too {
                println!(
                    "{}",
                    json!({"sample": true, "op": op, "variant": name, "rep": rep,
                           "wall_s": round(s.wall), "cpu_s": round(s.cpu)})
                );
            }
            samples[v].push(s);
        }
    }
    for (v, (name, _)) in variants.iter().enumerate() {
        let s = &samples[v];
        let wall: Vec<f64> = s.iter().map(|s| s.wall).collect();
        let cpu: Vec<f64> = s.iter().map(|s| s.cpu).collect();
        println!(
            "{}",
            json!({
                "op": op, "variant": name, "rows": rows, "reps": reps,
                "statements": s.last().map_or(0, |s| s.statements),
                "wall_s": round(stats::median(wall.clone())), "wall_range": stats::min_max(&wall).map(round),
                "cpu_s": round(stats::median(cpu.clone())), "cpu_range": stats::min_max(&cpu).map(round),
            })
        );
    }
    Ok(())
}

/// An empty table, created anew.
fn fresh_table(pg: &mut Client) -> Result<(), BoxError> {
    pg.batch_execute(DROP)?;
    pg.batch_execute(CREATE)?;
    Ok(())
}

/// `INSERT … VALUES ($1, …, $5), ($6, …), …` for `rows` rows.
fn multirow_sql(rows: usize) -> String {
    let mut sql = format!("INSERT INTO {TABLE} ({COLUMNS}) VALUES ");
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        let b = r * 5;
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5
        ));
    }
    sql
}

/// Inserts `rows` by multi-row INSERTs of [`ROWS_PER_STATEMENT`] rows; returns the statements.
fn insert_multirow(pg: &mut Client, rows: &[Character]) -> Result<usize, BoxError> {
    let mut statements = 0;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = multirow_sql(chunk.len());
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(chunk.len() * 5);
        for c in chunk {
            params.extend([
                &c.id as &(dyn ToSql + Sync),
                &c.name,
                &c.quote,
                &c.details,
                &c.more_details,
            ]);
        }
        let n = pg.execute(sql.as_str(), &params)?;
        statements += 1;
        // A multi-row INSERT skips failing rows silently: the count tells.
        if n != chunk.len() as u64 {
            return Err(format!("multi-row INSERT wrote {n} of {} rows", chunk.len()).into());
        }
    }
    Ok(statements)
}

/// A fresh table holding rows `0..n`, refreshed.
fn filled_table(pg: &mut Client, n: usize) -> Result<(), BoxError> {
    fresh_table(pg)?;
    let rows: Vec<Character> = (0..n).map(character).collect();
    insert_multirow(pg, &rows)?;
    pg.batch_execute(&format!("REFRESH TABLE {TABLE}"))?;
    let count: i64 = pg
        .query_one(&format!("SELECT count(*) FROM {TABLE}"), &[])?
        .try_get(0)?;
    if count != n as i64 {
        return Err(format!("the table holds {count} rows after filling, not {n}").into());
    }
    Ok(())
}

/// The N rows loaded into structs.
fn load_structs(pg: &mut Client, n: usize) -> Result<Vec<Character>, BoxError> {
    let sql = format!("SELECT {COLUMNS} FROM {TABLE} LIMIT {n}");
    let rows = pg.query(sql.as_str(), &[])?;
    let loaded = rows
        .iter()
        .map(|row| {
            Ok(Character {
                id: row.try_get(0)?,
                name: row.try_get(1)?,
                quote: row.try_get(2)?,
                details: row.try_get(3)?,
                more_details: row.try_get(4)?,
            })
        })
        .collect::<Result<Vec<Character>, postgres::Error>>()?;
    if loaded.len() != n {
        return Err(format!("loaded {} rows, expected {n}", loaded.len()).into());
    }
    Ok(loaded)
}

fn insert(pg: &mut Client, o: &Options) -> Result<(), BoxError> {
    let n = o.rows;
    let multirow: Run = Box::new(|pg, _| {
        fresh_table(pg)?;
        timed(|| {
            let rows: Vec<Character> = (0..n).map(character).collect();
            Ok((insert_multirow(pg, &rows)?, rows))
        })
    });
    let per_row: Run = Box::new(|pg, _| {
        fresh_table(pg)?;
        timed(|| {
            let rows: Vec<Character> = (0..n).map(character).collect();
            let sql = format!("INSERT INTO {TABLE} ({COLUMNS}) VALUES ($1, $2, $3, $4, $5)");
            let stmt = pg.prepare(&sql)?;
            for c in &rows {
                let written = pg.execute(
                    &stmt,
                    &[&c.id, &c.name, &c.quote, &c.details, &c.more_details],
                )?;
                if written != 1 {
                    return Err(format!("INSERT of {} wrote {written} rows", c.id).into());
                }
            }
            Ok((rows.len(), rows))
        })
    });
    interleave(
        pg,
        "insert",
        n,
        o.reps,
        o.samples,
        vec![("pg_multirow", multirow), ("pg_prepared_per_row", per_row)],
    )
}

fn update_one_key(pg: &mut Client, o: &Options, stamp: u64) -> Result<(), BoxError> {
    let n = o.rows;
    let refresh = |pg: &mut Client| pg.batch_execute(&format!("REFRESH TABLE {TABLE}"));
    let set_sql = format!("UPDATE {TABLE} SET \"details\"['species'] = $1");
    let any_sql = format!("{set_sql} WHERE \"id\" = ANY($2)");
    let one_sql = format!("{set_sql} WHERE \"id\" = $2");
    let any: Run = Box::new(|pg, rep| {
        refresh(pg)?;
        let mut loaded = load_structs(pg, n)?;
        let value = species(stamp, rep, 5);
        timed(|| {
            for c in &mut loaded {
                if let Some(details) = c.details.as_object_mut() {
                    details.insert("species".into(), json!(value));
                }
            }
            let ids: Vec<&str> = loaded.iter().map(|c| c.id.as_str()).collect();
            let written = pg.execute(any_sql.as_str(), &[&value, &ids])?;
            if written != n as u64 {
                return Err(format!("UPDATE … ANY changed {written} of {n} rows").into());
            }
            Ok((1, ()))
        })
    });
    let per_row: Run = Box::new(|pg, rep| {
        refresh(pg)?;
        let mut loaded = load_structs(pg, n)?;
        let value = species(stamp, rep, 6);
        timed(|| {
            let stmt = pg.prepare(&one_sql)?;
            for c in &mut loaded {
                if let Some(details) = c.details.as_object_mut() {
                    details.insert("species".into(), json!(value));
                }
                let written = pg.execute(&stmt, &[&value, &c.id])?;
                if written != 1 {
                    return Err(format!("UPDATE of {} changed {written} rows", c.id).into());
                }
            }
            Ok((loaded.len(), ()))
        })
    });
    interleave(
        pg,
        "update_one_key",
        n,
        o.reps,
        o.samples,
        vec![("pg_any", any), ("pg_per_row", per_row)],
    )
}

fn load(pg: &mut Client, o: &Options) -> Result<(), BoxError> {
    let n = o.rows;
    let structs: Run = Box::new(|pg, _| timed(|| Ok((1, load_structs(pg, n)?))));
    interleave(
        pg,
        "load",
        n,
        o.reps,
        o.samples,
        vec![("pg_structs", structs)],
    )
}

fn run() -> Result<(), BoxError> {
    let o = options()?;
    let mut pg =
        Client::connect(&o.url, NoTls).map_err(|e| format!("cannot connect to {}: {e}", o.url))?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let wanted = |op: &str| o.only.as_deref().is_none_or(|only| only == op);
    if wanted("insert") {
        insert(&mut pg, &o)?;
    }
    if wanted("update_one_key") {
        filled_table(&mut pg, o.rows)?;
        update_one_key(&mut pg, &o, stamp)?;
    }
    if wanted("load") {
        filled_table(&mut pg, o.rows)?;
        load(&mut pg, &o)?;
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("peer-rust failed: {e}");
        std::process::exit(1);
    }
}
