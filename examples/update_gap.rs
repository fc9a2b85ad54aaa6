//! Why a one-key UPDATE of N loaded rows can cost more than the same UPDATE from known ids:
//! each difference between the two, measured alone with the raw client against `CRATEDB_URL`.
//!
//! ```text
//! CRATEDB_URL=crate://127.0.0.1:4200 cargo run --release --example update_gap -- --rows 10000 --reps 7
//! ```
//!
//! Every variant is the same bulk `UPDATE … SET "details"['species'] = $1 WHERE "id" = $2` of
//! all N rows (in requests of 10,000 rows) with one thing changed; the variants run interleaved,
//! in alternating order, each from a refreshed table unless it says otherwise:
//!
//! - `base`: ids in key order, a value no run wrote before, the rows loaded by a SELECT first
//!   (outside the clock), default client settings;
//! - `loaded_order`: ids in the order the SELECT returned them (as a session sends them);
//! - `no_select`: no SELECT before;
//! - `same_value`: the value every row already holds;
//! - `no_refresh`: no REFRESH before (the previous variant's writes not yet refreshed);
//! - `plain_body`: the request body never gzip-compressed;
//! - `gzip_body`: the request body always gzip-compressed;
//! - `whole_object`: `SET "details" = $1` with the whole changed object.
//!
//! `--only a,b` runs `base` and these. With `--server-pid PID` the CrateDB JVM's CPU time is reported too.

use std::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use cratedb_orm::{Client, Value};
use serde_json::json;

#[path = "cpu_time.rs"]
mod cpu_time;
#[path = "stats.rs"]
mod stats;

const TABLE: &str = "\"bench_update_gap\"";
const CHUNK: usize = 10_000;

fn main() {
    if let Err(e) = run() {
        eprintln!("update_gap failed: {e}");
        std::process::exit(1);
    }
}

fn details(i: usize, species: &str) -> Value {
    json!({"gender": if i % 2 == 0 { "male" } else { "female" }, "species": species, "age": i % 90})
}

fn run() -> Result<(), Box<dyn Error>> {
    let mut rows = 10_000usize;
    let mut reps = 7usize;
    let mut server_pid: Option<u32> = None;
    let mut only: Option<Vec<String>> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rows" => rows = args.next().ok_or("--rows needs a number")?.parse()?,
            "--reps" => reps = args.next().ok_or("--reps needs a number")?.parse()?,
            "--server-pid" => {
                server_pid = Some(args.next().ok_or("--server-pid needs a pid")?.parse()?)
            }
            "--only" => {
                only = Some(
                    args.next()
                        .ok_or("--only needs variant names")?
                        .split(',')
                        .map(str::to_owned)
                        .collect(),
                )
            }
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let url = std::env::var("CRATEDB_URL").unwrap_or_else(|_| "crate://localhost:4200".into());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&requests);
    let client = Client::builder()
        .url(&url)
        .echo(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        })
        .build()?;
    let plain = Client::builder()
        .url(&url)
        .gzip_requests_over(None)
        .build()?;
    let gzip = Client::builder()
        .url(&url)
        .gzip_requests_over(Some(0))
        .build()?;

    client.execute(&format!("DROP TABLE IF EXISTS {TABLE}"))?;
    client.execute(&format!(
        "CREATE TABLE {TABLE} (\"id\" TEXT PRIMARY KEY, \"name\" TEXT, \"details\" OBJECT)"
    ))?;
    let insert: Vec<Vec<Value>> = (0..rows)
        .map(|i| {
            vec![
                json!(format!("id-{i:08}")),
                json!(format!("Character {i}")),
                details(i, "human"),
            ]
        })
        .collect();
    for chunk in insert.chunks(CHUNK) {
        client.bulk(
            &format!("INSERT INTO {TABLE} (\"id\", \"name\", \"details\") VALUES ($1, $2, $3)"),
            chunk,
        )?;
    }
    client.execute(&format!("REFRESH TABLE {TABLE}"))?;
    let select = format!("SELECT \"id\", \"details\" FROM {TABLE} LIMIT {rows}");
    let key_update = format!("UPDATE {TABLE} SET \"details\"['species'] = $1 WHERE \"id\" = $2");
    let object_update = format!("UPDATE {TABLE} SET \"details\" = $1 WHERE \"id\" = $2");
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();

    let all = [
        "base",
        "loaded_order",
        "no_select",
        "same_value",
        "no_refresh",
        "plain_body",
        "gzip_body",
        "whole_object",
    ];
    // `base` always runs: the ratios are to it.
    let names: Vec<&str> = all
        .into_iter()
        .filter(|n| *n == "base" || only.as_ref().is_none_or(|o| o.iter().any(|x| x == n)))
        .collect();
    if let Some(o) = &only {
        if let Some(bad) = o.iter().find(|x| !all.contains(&x.as_str())) {
            return Err(format!("--only: unknown variant {bad:?} (of {all:?})").into());
        }
    }
    let mut current = String::from("human");
    let mut samples: Vec<Vec<[f64; 3]>> = vec![Vec::new(); names.len()];
    for rep in 0..reps {
        let order: Vec<usize> = if rep % 2 == 0 {
            (0..names.len()).collect()
        } else {
            (0..names.len()).rev().collect()
        };
        for v in order {
            let name = names[v];
            if name != "no_refresh" {
                client.execute(&format!("REFRESH TABLE {TABLE}"))?;
            }
            let loaded = if name == "no_select" {
                Vec::new()
            } else {
                client.sql(&select, &[] as &[Value])?.rows
            };
            let value = if name == "same_value" {
                current.clone()
            } else {
                format!("Betelgeusian-{stamp:010}-{rep:04}-{v}")
            };
            let ids: Vec<String> = if name == "loaded_order" {
                loaded
                    .iter()
                    .filter_map(|r| r.first()?.as_str().map(str::to_owned))
                    .collect()
            } else {
                (0..rows).map(|i| format!("id-{i:08}")).collect()
            };
            let sender = match name {
                "plain_body" => &plain,
                "gzip_body" => &gzip,
                _ => &client,
            };
            let server_before = server_pid.map(cpu_time::of_process).transpose()?;
            let cpu = cpu_time::this_process();
            let t = Instant::now();
            let args: Vec<[Value; 2]> = if name == "whole_object" {
                ids.iter()
                    .enumerate()
                    .map(|(i, id)| [details(i, &value), json!(id)])
                    .collect()
            } else {
                ids.iter().map(|id| [json!(value), json!(id)]).collect()
            };
            let sql = if name == "whole_object" {
                &object_update
            } else {
                &key_update
            };
            for chunk in args.chunks(CHUNK) {
                let r = sender.bulk(sql, chunk)?;
                if !r.failed_rows().is_empty() {
                    return Err(format!("{name}: {} rows failed", r.failed_rows().len()).into());
                }
            }
            let wall = t.elapsed().as_secs_f64();
            let cpu = cpu_time::this_process() - cpu;
            let server = match (server_pid, server_before) {
                (Some(pid), Some(b)) => cpu_time::of_process(pid)? - b,
                _ => f64::NAN,
            };
            samples[v].push([wall, cpu, server]);
            current = value;
        }
    }
    let base: Vec<f64> = samples[0].iter().map(|s| s[0]).collect();
    for (v, name) in names.iter().enumerate() {
        let col = |k: usize| -> Vec<f64> { samples[v].iter().map(|s| s[k]).collect() };
        let ratios: Vec<f64> = col(0).iter().zip(&base).map(|(a, b)| a / b).collect();
        println!(
            "{}",
            json!({"variant": name, "rows": rows, "reps": reps,
                   "wall_s": med(col(0)), "wall_range": rng(&col(0)), "vs_base": med(ratios.clone()), "vs_base_range": rng(&ratios),
                   "cpu_s": med(col(1)), "server_cpu_s": med(col(2))})
        );
    }
    client.execute(&format!("DROP TABLE IF EXISTS {TABLE}"))?;
    Ok(())
}

fn med(xs: Vec<f64>) -> f64 {
    stats::round(stats::median(xs), 4)
}

fn rng(xs: &[f64]) -> [f64; 2] {
    stats::min_max(xs).map(|x| stats::round(x, 4))
}
