//! Response bodies of `POST /_sql`: [`SqlResponse`], [`Rows`], [`BulkResponse`].

use serde_json::Value;

use crate::SqlError;

/// The answer to a regular (non-bulk) request.
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize)]
pub struct SqlResponse {
    /// Column names (`details['gender']` for a selected subscript).
    #[serde(default)]
    pub cols: Vec<String>,
    /// Column type ids, when requested (see PROTOCOL.md "Column type ids").
    #[serde(default)]
    pub col_types: Option<Vec<Value>>,
    /// The rows; DML without `RETURNING` gives `[[]]` or `[]`.
    #[serde(default)]
    pub rows: Vec<Vec<Value>>,
    /// Rows returned or affected; -1 where not ascertainable.
    #[serde(default)]
    pub rowcount: i64,
    /// Server-side duration in milliseconds.
    #[serde(default)]
    pub duration: f64,
}

/// Rows deserialized into `T` (see `Client::query_as`).
#[derive(Debug, Clone, PartialEq)]
pub struct Rows<T> {
    /// Column names.
    pub cols: Vec<String>,
    /// The rows.
    pub rows: Vec<T>,
    /// Rows returned.
    pub rowcount: i64,
    /// Server-side duration in milliseconds.
    pub duration: f64,
}

/// The answer to a bulk request: one result per argument row, in request order.
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize)]
pub struct BulkResponse {
    /// Column names (empty for DML).
    #[serde(default)]
    pub cols: Vec<String>,
    /// Server-side duration in milliseconds.
    #[serde(default)]
    pub duration: f64,
    /// One result per argument row.
    pub results: Vec<BulkResult>,
}

/// The outcome of one row of a bulk request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct BulkResult {
    /// Rows affected; -2 when the row failed.
    pub rowcount: i64,
    /// The row's error (CrateDB ≥ 5.10, first 10 failures per shard); `None` otherwise.
    #[serde(default)]
    pub error: Option<SqlError>,
}

impl BulkResult {
    /// The row succeeded (`rowcount != -2`).
    pub fn is_ok(&self) -> bool {
        self.rowcount != -2
    }
}

impl BulkResponse {
    /// Indexes (in request order) of the rows that failed.
    pub fn failed_rows(&self) -> Vec<usize> {
        self.results
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_ok())
            .map(|(i, _)| i)
            .collect()
    }
}
