//! Response bodies of `POST /_sql`: [`SqlResponse`], [`Rows`], [`BulkResponse`].

use serde_json::Value;

use serde::de::DeserializeOwned;

use crate::{row_decoder, wire, Result, SqlError};

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

impl SqlResponse {
    /// Reads the body of a successful (2xx) regular answer, exactly as [`Client::sql`] does;
    /// `server` (`host:port`) names the source in errors. A body that is not JSON, is truncated
    /// or has the wrong shape is [`Error::Protocol`](crate::Error::Protocol).
    ///
    /// ```
    /// use cratedb_client::SqlResponse;
    ///
    /// let r = SqlResponse::from_body("h:4200", br#"{"cols":["n"],"rows":[[1]],"rowcount":1}"#)?;
    /// assert_eq!(r.rowcount, 1);
    /// assert!(SqlResponse::from_body("h:4200", br#"{"cols":["n"],"rows":[[1"#).is_err());
    /// # Ok::<(), cratedb_client::Error>(())
    /// ```
    ///
    /// [`Client::sql`]: crate::Client::sql
    pub fn from_body(server: &str, body: &[u8]) -> Result<SqlResponse> {
        wire::parse_sql_response(server, body)
    }
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

impl<T: DeserializeOwned> Rows<T> {
    /// Reads the body of a successful regular answer into rows of `T`, exactly as
    /// [`Client::query_as`](crate::Client::query_as) does: a row that does not fit is
    /// [`Error::Decode`](crate::Error::Decode) naming the row and column, a broken body
    /// [`Error::Protocol`](crate::Error::Protocol) naming `server`.
    ///
    /// ```
    /// use cratedb_client::Rows;
    ///
    /// let body = br#"{"cols":["name","n"],"rows":[["a",1]],"rowcount":1}"#;
    /// let r = Rows::<(String, i64)>::from_body("h:4200", body)?;
    /// assert_eq!(r.rows, vec![("a".to_string(), 1)]);
    /// let bad = br#"{"cols":["name","n"],"rows":[["a","x"]],"rowcount":1}"#;
    /// assert!(Rows::<(String, i64)>::from_body("h:4200", bad).is_err());
    /// # Ok::<(), cratedb_client::Error>(())
    /// ```
    pub fn from_body(server: &str, body: &[u8]) -> Result<Rows<T>> {
        row_decoder::decode_rows(server, body)
    }
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
    /// Reads the body of a successful bulk answer sent for `rows` argument rows, exactly as
    /// [`Client::bulk`](crate::Client::bulk) does: a broken body, or one whose number of
    /// results is not `rows`, is [`Error::Protocol`](crate::Error::Protocol) naming `server`.
    ///
    /// ```
    /// use cratedb_client::BulkResponse;
    ///
    /// let body = br#"{"cols":[],"duration":1.0,"results":[{"rowcount":1},{"rowcount":-2}]}"#;
    /// let r = BulkResponse::from_body("h:4200", body, 2)?;
    /// assert_eq!(r.failed_rows(), vec![1]);
    /// assert!(BulkResponse::from_body("h:4200", body, 3).is_err());
    /// # Ok::<(), cratedb_client::Error>(())
    /// ```
    pub fn from_body(server: &str, body: &[u8], rows: usize) -> Result<BulkResponse> {
        wire::parse_bulk_response(server, body, rows)
    }

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
