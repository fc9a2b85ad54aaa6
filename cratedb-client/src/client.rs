//! [`Client`]: the entry point (contract stub, being implemented).

use serde::{de::DeserializeOwned, Serialize};

use crate::{BulkResponse, Error, Result, Rows, SqlResponse};

/// A CrateDB client over HTTP. Cheap to clone; `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Client {
    default_schema: Option<String>,
}

impl Client {
    /// Connects to the servers of a `crate://` URL.
    pub fn new(_url: &str) -> Result<Client> {
        Err(Error::InvalidConfig {
            message: "client not implemented yet".into(),
        })
    }

    /// Runs one statement with bound parameters (`args` serializes to a JSON array).
    pub fn sql<A: Serialize + ?Sized>(&self, _stmt: &str, _args: &A) -> Result<SqlResponse> {
        Err(Error::InvalidConfig {
            message: "client not implemented yet".into(),
        })
    }

    /// Runs one statement and deserializes each row (a JSON array) into `T`.
    pub fn query_as<T: DeserializeOwned, A: Serialize + ?Sized>(
        &self,
        _stmt: &str,
        _args: &A,
    ) -> Result<Rows<T>> {
        Err(Error::InvalidConfig {
            message: "client not implemented yet".into(),
        })
    }

    /// Runs one INSERT/UPDATE/DELETE with many argument rows in one request.
    pub fn bulk<A: Serialize + ?Sized>(&self, _stmt: &str, _bulk_args: &A) -> Result<BulkResponse> {
        Err(Error::InvalidConfig {
            message: "client not implemented yet".into(),
        })
    }

    /// The schema sent as `Default-Schema`, if configured.
    pub fn default_schema(&self) -> Option<&str> {
        self.default_schema.as_deref()
    }
}
