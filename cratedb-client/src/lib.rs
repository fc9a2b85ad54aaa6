//! Synchronous HTTP client for CrateDB's `POST /_sql` endpoint.

mod client;
mod error;
mod response;

pub use client::Client;
pub use error::{Error, Result, SqlError};
pub use response::{BulkResponse, BulkResult, Rows, SqlResponse};
