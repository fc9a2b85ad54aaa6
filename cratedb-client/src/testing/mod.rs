//! A loopback CrateDB-protocol test server (feature `testing`).
//!
//! [`TestServer`] speaks the HTTP protocol of CrateDB (`GET /`, `POST /_sql`) as CrateDB 6.4.3
//! does — result, bulk and error bodies, error-code → HTTP-status mapping, `?types`,
//! `error_trace`, gzip-compressed requests, plain-text answers to failed logins, malformed
//! bodies and unknown paths (checked against exchanges recorded from the real server) — and
//! answers each request with what your handler returns. Like CrateDB it never compresses its
//! answers, unless you ask it to ([`TestServerBuilder::gzip`]). It can also misbehave on purpose: delays, closed connections, truncated or huge
//! bodies, bare 502/503/504, refusing connections ([`TestServer::stop`] /
//! [`TestServer::restart`] on the same port), and TLS with a certificate you give.
//!
//! Use it to test code built on [`Client`](crate::Client) without a CrateDB:
//!
//! ```
//! use cratedb_client::testing::{Reply, SqlRequest, TestServer};
//! use cratedb_client::Client;
//! use serde_json::json;
//!
//! let server = TestServer::with_handler(|req: &SqlRequest| {
//!     if req.stmt.starts_with("INSERT") {
//!         Reply::error(4091, "DuplicateKeyException[A document with the same primary key exists already]")
//!     } else {
//!         Reply::rowcount(1)
//!     }
//! });
//! let client = Client::new(&server.url())?;
//! let err = client.sql("INSERT INTO t (id) VALUES ($1)", &[json!(1)]).unwrap_err();
//! assert!(err.is_duplicate_key());
//! assert_eq!(server.request_count(), 1); // SQL errors are never retried
//! # Ok::<(), cratedb_client::Error>(())
//! ```

mod http;
mod reply;
mod request;
mod server;
mod tls;

pub use reply::{status_for_code, BulkRow, Reply};
pub use request::SqlRequest;
pub use server::{TestServer, TestServerBuilder};
