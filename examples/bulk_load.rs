//! Bulk loading a large dataset with a progress line: the session batches new models into
//! `bulk_args` requests of 10,000 rows.
//!
//! ```text
//! cargo run --release --example bulk_load -- 1000000        # CRATEDB_URL or crate://localhost:4200
//! cargo run --release --example bulk_load -- 100000 --stub  # a loopback server, no CrateDB needed
//! ```

use std::io::Write;
use std::time::Instant;

use cratedb_client::testing::TestServer;
use cratedb_orm::{object, Client, CrateModel, Object, Session, Value};

/// A reading of a sensor.
#[derive(CrateModel, Debug, Clone, Default)]
#[cratedb(table = "readings", number_of_shards = 4)]
struct Reading {
    #[cratedb(primary_key)]
    id: i64,
    sensor: String,
    value: f64,
    tags: Option<Object>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rows: i64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let stub = args.iter().any(|a| a == "--stub");
    let server = stub.then(TestServer::start);
    let url = match &server {
        Some(s) => s.url(),
        None => std::env::var("CRATEDB_URL").unwrap_or_else(|_| "crate://localhost:4200".into()),
    };
    let client = Client::new(&url)?;
    client.sql(&Reading::drop_table_if_exists_sql(), &[] as &[Value])?;
    client.sql(&Reading::create_table_sql(), &[] as &[Value])?;

    const CHUNK: i64 = 50_000;
    let started = Instant::now();
    let mut done = 0;
    while done < rows {
        let n = CHUNK.min(rows - done);
        let mut session = Session::new(client.clone());
        session.add_all((done..done + n).map(|i| Reading {
            id: i,
            sensor: format!("sensor-{}", i % 100),
            value: i as f64 * 0.5,
            tags: Some(object! { "site": "berlin", "batch": done }),
        }));
        session.commit()?;
        done += n;
        let secs = started.elapsed().as_secs_f64();
        print!(
            "\rloaded {done}/{rows} rows, {:.0} rows/s",
            done as f64 / secs.max(1e-9)
        );
        std::io::stdout().flush()?;
    }
    println!();
    client.sql("REFRESH TABLE \"readings\"", &[] as &[Value])?;
    if let Some(s) = &server {
        println!("{} requests sent", s.request_count());
    }
    Ok(())
}
