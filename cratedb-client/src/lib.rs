//! Synchronous HTTP client for CrateDB's `POST /_sql` endpoint.
//!
//! - **URLs**: `crate://` (= `localhost:4200`), `crate://host:port`,
//!   `crate://user:password@host:port/?ssl=true`, several servers
//!   `crate://h1:4200,h2:4201/?sslmode=verify-full&schema=doc` (see [`ConnectionUrl`]); or every
//!   setting programmatically with [`Client::builder()`].
//! - **Failover**: requests rotate round-robin over the servers; a failed server is skipped for a
//!   retry interval (default 30 s). SQL errors are never retried; a request whose outcome is
//!   unknown is resent only when it is a read, unless you opt in with
//!   [`ClientBuilder::retry_writes`]. See [`Client`] for the exact rules.
//! - **TLS** (rustls): verified by default; [`ClientBuilder::ca_cert`] trusts your CA;
//!   [`ClientBuilder::verify_ssl_cert`]`(false)` turns verification off (unsafe).
//! - **Auth**: HTTP Basic from the URL or the builder, or a JWT bearer token (not both).
//!   Passwords and tokens never appear in `Debug`, `Display` or error messages.
//! - **Results**: [`SqlResponse`] with `serde_json::Value` rows, typed rows with
//!   [`Client::query_as`] (decoded straight from the body), [`BulkResponse`] for bulk requests.
//!   Values are always bound parameters.
//! - **Errors**: one [`Error`] enum; CrateDB's errors keep their code and message
//!   ([`SqlError::is_duplicate_key`], [`Error::is_version_conflict`], …).
//! - **Echo**: [`ClientBuilder::echo`] sees every statement with its server and duration.
//! - **Testing**: the `testing` feature adds `testing::TestServer`, a loopback server that
//!   speaks CrateDB's HTTP protocol and answers what your test scripts.
//!
//! ```no_run
//! use cratedb_client::Client;
//! use serde_json::json;
//!
//! let client = Client::new("crate://crate@localhost:4200/?schema=doc")?;
//! client.execute(
//!     "CREATE TABLE IF NOT EXISTS \"characters\" (\"id\" TEXT PRIMARY KEY, \"name\" TEXT)",
//! )?;
//!
//! let inserted = client.bulk(
//!     "INSERT INTO \"characters\" (\"id\", \"name\") VALUES ($1, $2)",
//!     &vec![vec![json!("1"), json!("Arthur")], vec![json!("2"), json!("Trillian")]],
//! )?;
//! assert!(inserted.failed_rows().is_empty());
//!
//! let rows = client.query_as::<(String, String), _>(
//!     "SELECT \"id\", \"name\" FROM \"characters\" WHERE \"name\" = $1",
//!     &("Arthur",),
//! )?;
//! for (id, name) in rows.rows {
//!     println!("{id}: {name}");
//! }
//!
//! match client.sql("INSERT INTO \"characters\" (\"id\") VALUES ($1)", &["1"]) {
//!     Err(e) if e.is_duplicate_key() => println!("already there"),
//!     other => println!("{other:?}"),
//! }
//! println!("lowest version in the cluster: {}", client.lowest_version()?);
//! # Ok::<(), cratedb_client::Error>(())
//! ```

mod body_chunks;
mod client;
mod config;
mod echo;
mod error;
mod liveness;
mod node_pool;
mod response;
mod row_decoder;
mod secret;
mod server_info;
mod statement;
mod stream;
mod trace;
mod transport;
mod url;
mod wire;

#[cfg(feature = "testing")]
pub mod testing;

pub use client::Client;
pub use config::{
    ClientBuilder, DEFAULT_BODY_LIMIT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_GZIP_REQUESTS_OVER,
    DEFAULT_LIVENESS_CHECK, DEFAULT_POOL_SIZE, DEFAULT_RETRY_INTERVAL, DEFAULT_TIMEOUT,
};
pub use echo::EchoEvent;
pub use error::{Error, Result, SqlError};
pub use response::{BulkResponse, BulkResult, Rows, SqlResponse};
pub use row_decoder::{ResultInfo, RowSink};
pub use secret::Secret;
pub use server_info::{ServerInfo, ServerVersion};
pub use url::{ConnectionUrl, ServerAddr, SslMode, DEFAULT_HOST, DEFAULT_PORT};
