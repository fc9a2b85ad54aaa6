//! What gzip-compressing request bodies costs and buys: for the request bodies the benchmarks
//! send (a 10,000-row bulk INSERT of `characters`-shaped rows, of sensor readings, of less
//! repetitive rows (random UUIDs, doubles and words), and a 10,000-row one-key UPDATE), the body size plain and gzip-compressed (flate2, the level the
//! client uses), the time to compress, and — against `CRATEDB_URL` — the whole request with
//! and without compression, interleaved. From these it estimates a 100 Mbit/s link.
//!
//! ```text
//! CRATEDB_URL=crate://127.0.0.1:4200 cargo run --release --example gzip_cost -- --reps 9
//! cargo run --release --example gzip_cost -- --reps 9 --no-server
//! ```

use std::error::Error;
use std::io::Write;
use std::time::Instant;

use cratedb_orm::{Client, Value};
use serde_json::json;

#[path = "cpu_time.rs"]
mod cpu_time;
#[path = "stats.rs"]
mod stats;
use stats::median;

const ROWS: usize = 10_000;

fn character(n: usize) -> Value {
    json!([format!("id-{n:08}"), format!("Character {n}"), "We're on a space ship Arthur. In space.",
           { "gender": if n % 2 == 0 { "male" } else { "female" }, "species": "human", "age": n % 90 },
           [{ "foo": 1, "bar": 10 }, { "foo": 2 }]])
}

fn reading(i: usize) -> Value {
    json!([i, format!("sensor-{}", i % 100), i as f64 * 0.5, {"site": "berlin", "batch": i / 10_000}])
}

/// A row of less repetitive data: a random UUID, random doubles and a random word list
/// (a small xorshift generator seeded by the row number, so every run sends the same bytes).
fn random(i: usize) -> Value {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    const WORDS: [&str; 16] = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
        "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
    ];
    let id = uuid::Uuid::from_u64_pair(next(), next());
    let text: Vec<&str> = (0..8).map(|_| WORDS[(next() % 16) as usize]).collect();
    json!([id.to_string(), (next() % 1_000_000) as f64 / 7.0, (next() % 1_000_000) as f64 / 3.0,
           text.join(" "), {"lat": (next() % 180_000) as f64 / 1000.0 - 90.0, "lon": (next() % 360_000) as f64 / 1000.0 - 180.0}])
}

fn update(i: usize) -> Value {
    json!(["Betelgeusian-1796476100-0000-0", format!("id-{i:08}")])
}

struct Shape {
    name: &'static str,
    create: &'static str,
    table: &'static str,
    stmt: &'static str,
    row: fn(usize) -> Value,
}

const SHAPES: [Shape; 4] = [
    Shape {
        name: "insert_characters",
        create: r#"CREATE TABLE "gzip_cost_characters" ("id" TEXT PRIMARY KEY, "name" TEXT, "quote" TEXT, "details" OBJECT, "more_details" ARRAY(OBJECT))"#,
        table: "gzip_cost_characters",
        stmt: r#"INSERT INTO "gzip_cost_characters" ("id", "name", "quote", "details", "more_details") VALUES ($1, $2, $3, $4, $5)"#,
        row: character,
    },
    Shape {
        name: "insert_readings",
        create: r#"CREATE TABLE "gzip_cost_readings" ("id" BIGINT PRIMARY KEY, "sensor" TEXT, "value" DOUBLE, "tags" OBJECT)"#,
        table: "gzip_cost_readings",
        stmt: r#"INSERT INTO "gzip_cost_readings" ("id", "sensor", "value", "tags") VALUES ($1, $2, $3, $4)"#,
        row: reading,
    },
    Shape {
        name: "insert_random",
        create: r#"CREATE TABLE "gzip_cost_random" ("id" TEXT PRIMARY KEY, "a" DOUBLE, "b" DOUBLE, "text" TEXT, "pos" OBJECT)"#,
        table: "gzip_cost_random",
        stmt: r#"INSERT INTO "gzip_cost_random" ("id", "a", "b", "text", "pos") VALUES ($1, $2, $3, $4, $5)"#,
        row: random,
    },
    Shape {
        name: "update_one_key",
        create: "",
        table: "gzip_cost_characters",
        stmt: r#"UPDATE "gzip_cost_characters" SET "details"['species'] = $1 WHERE "id" = $2"#,
        row: update,
    },
];

fn ms(x: f64) -> f64 {
    (x * 1e5).round() / 1e2
}

fn main() {
    if let Err(e) = run() {
        eprintln!("gzip_cost failed: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let mut reps = 9usize;
    let mut server = true;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--reps" => reps = args.next().ok_or("--reps needs a number")?.parse()?,
            "--no-server" => server = false,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let url = std::env::var("CRATEDB_URL").unwrap_or_else(|_| "crate://localhost:4200".into());
    let plain = Client::builder()
        .url(&url)
        .gzip_requests_over(None)
        .build()?;
    let gzip = Client::builder()
        .url(&url)
        .gzip_requests_over(Some(0))
        .build()?;
    if server {
        for s in SHAPES.iter().filter(|s| !s.create.is_empty()) {
            plain.execute(&format!("DROP TABLE IF EXISTS \"{}\"", s.table))?;
            plain.execute(s.create)?;
        }
    }
    for shape in &SHAPES {
        let rows: Vec<Value> = (0..ROWS).map(shape.row).collect();
        let body = serde_json::to_vec(&json!({"stmt": shape.stmt, "bulk_args": rows}))?;
        let mut gz = Vec::new();
        let mut compress = Vec::new();
        for _ in 0..reps {
            let t = Instant::now();
            let mut e = flate2::write::GzEncoder::new(
                Vec::with_capacity(body.len() / 4),
                flate2::Compression::fast(),
            );
            e.write_all(&body)?;
            gz = e.finish()?;
            compress.push(t.elapsed().as_secs_f64());
        }
        let compress = median(compress);
        // 100 Mbit/s: 12.5 MB/s on the wire (TCP and HTTP overhead left out).
        let link = |bytes: usize| bytes as f64 / 12.5e6;
        let mut line = json!({
            "body": shape.name, "rows": ROWS,
            "plain_bytes": body.len(), "gzip_bytes": gz.len(),
            "ratio": (gz.len() as f64 / body.len() as f64 * 1000.0).round() / 1000.0,
            "compress_ms": ms(compress),
            "compress_mb_per_s": (body.len() as f64 / compress / 1e6).round(),
            "link_100mbit_plain_ms": ms(link(body.len())),
            "link_100mbit_gzip_ms": ms(link(gz.len()) + compress),
        });
        if server {
            // The whole request on loopback, plain and compressed, interleaved. Inserts go to
            // an emptied table each time (not timed); the update changes the same rows.
            let mut times = [Vec::new(), Vec::new()];
            let mut cpus = [Vec::new(), Vec::new()];
            for rep in 0..reps {
                let order = if rep % 2 == 0 { [0, 1] } else { [1, 0] };
                for v in order {
                    let client = if v == 0 { &plain } else { &gzip };
                    if shape.stmt.starts_with("INSERT") {
                        plain.execute(&format!("REFRESH TABLE \"{}\"", shape.table))?;
                        plain.execute(&format!("DELETE FROM \"{}\"", shape.table))?;
                        plain.execute(&format!("REFRESH TABLE \"{}\"", shape.table))?;
                    } else {
                        plain.execute(&format!("REFRESH TABLE \"{}\"", shape.table))?;
                    }
                    let cpu = cpu_time::this_process();
                    let t = Instant::now();
                    let r = client.bulk(shape.stmt, &rows)?;
                    times[v].push(t.elapsed().as_secs_f64());
                    cpus[v].push(cpu_time::this_process() - cpu);
                    if !r.failed_rows().is_empty() {
                        return Err(format!(
                            "{}: {} rows failed",
                            shape.name,
                            r.failed_rows().len()
                        )
                        .into());
                    }
                }
            }
            line["loopback_plain_ms"] = json!(ms(median(times[0].clone())));
            line["loopback_gzip_ms"] = json!(ms(median(times[1].clone())));
            line["client_cpu_plain_ms"] = json!(ms(median(cpus[0].clone())));
            line["client_cpu_gzip_ms"] = json!(ms(median(cpus[1].clone())));
        }
        println!("{line}");
    }
    if server {
        for s in SHAPES.iter().filter(|s| !s.create.is_empty()) {
            plain.execute(&format!("DROP TABLE IF EXISTS \"{}\"", s.table))?;
        }
    }
    Ok(())
}
