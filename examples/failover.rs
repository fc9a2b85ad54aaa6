//! Several servers with failover, shown on three loopback servers that speak CrateDB's protocol
//! (no CrateDB needed): requests rotate round-robin; when a server goes down the request moves on
//! and the server is skipped until the retry interval has passed; then it rejoins.
//!
//! ```text
//! cargo run --example failover
//! ```
//! Against a real cluster, list its nodes in the URL: `crate://node1:4200,node2:4200,node3:4200`.

use std::time::Duration;

use cratedb_client::testing::{Reply, TestServer};
use cratedb_orm::{Client, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let servers: Vec<TestServer> = (0..3)
        .map(|_| TestServer::with_handler(|_| Reply::rows(&["ok"], vec![vec![Value::from(1)]])))
        .collect();
    let url = format!(
        "crate://{}",
        servers
            .iter()
            .map(TestServer::addr)
            .collect::<Vec<_>>()
            .join(",")
    );
    let client = Client::builder()
        .url(&url)
        .retry_interval(Duration::from_millis(500))
        .echo(|e| println!("  {e}"))
        .build()?;
    println!("cluster: {url}");

    println!("\nall three up: round-robin");
    for _ in 0..3 {
        client.sql("SELECT 1", &[] as &[Value])?;
    }

    println!("\nthe second server goes down: its request moves on, then it is skipped");
    servers[1].stop();
    for _ in 0..4 {
        client.sql("SELECT 1", &[] as &[Value])?;
    }
    println!("inactive: {:?}", client.inactive_servers());

    println!("\nit comes back; after the retry interval it rejoins");
    servers[1].restart()?;
    std::thread::sleep(Duration::from_millis(600));
    for _ in 0..3 {
        client.sql("SELECT 1", &[] as &[Value])?;
    }
    let counts: Vec<usize> = servers.iter().map(TestServer::request_count).collect();
    println!("\nrequests per server: {counts:?}");

    println!("\nall down: one error naming every server's reason");
    for s in &servers {
        s.stop();
    }
    match client.sql("SELECT 1", &[] as &[Value]) {
        Err(e) => println!("  {e}"),
        Ok(_) => println!("  unexpected answer"),
    }
    Ok(())
}
