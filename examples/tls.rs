//! TLS with your own CA file, and with verification turned off (tests only).
//!
//! ```text
//! cargo run --example tls                                   # a loopback TLS server, no CrateDB needed
//! CRATEDB_URL='crate://user:pw@host:4200/?ssl=true' CRATEDB_CA=/path/ca.pem cargo run --example tls
//! ```

use cratedb_client::testing::TestServer;
use cratedb_orm::{Client, Value};

const CERTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../cratedb-client/tests/certs");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Without CRATEDB_URL: a loopback server with a certificate signed by the test CA.
    let server;
    let (url, ca) = match std::env::var("CRATEDB_URL") {
        Ok(url) => (url, std::env::var("CRATEDB_CA").ok()),
        Err(_) => {
            server = TestServer::builder()
                .tls_files(format!("{CERTS}/server.pem"), format!("{CERTS}/server.key"))?
                .start();
            (
                format!("crate://localhost:{}/?ssl=true", server.port()),
                Some(format!("{CERTS}/ca.pem")),
            )
        }
    };

    // Verified against the CA file (certificates are always verified unless you say otherwise).
    let mut builder = Client::builder().url(&url);
    if let Some(ca) = &ca {
        builder = builder.ca_cert(ca);
    }
    let client = builder.build()?;
    let r = client.sql("SELECT 1", &[] as &[Value])?;
    println!("verified TLS: rowcount {}", r.rowcount);

    // Verification off: accepts any certificate. Never do this in production.
    let insecure = Client::builder().url(&url).verify_ssl_cert(false).build()?;
    let r = insecure.sql("SELECT 1", &[] as &[Value])?;
    println!("unverified TLS (unsafe): rowcount {}", r.rowcount);
    Ok(())
}
