//! The ORM's error type.

/// Everything that can go wrong in `cratedb-orm`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client failed: connection, SQL error (with CrateDB's `code` and `message`), protocol.
    #[error(transparent)]
    Client(#[from] cratedb_client::Error),

    /// A value from CrateDB did not fit the Rust type of a field or tuple element.
    #[error("column {column:?}: expected {expected}, found {found}")]
    Decode {
        /// The column (or result position) that failed.
        column: String,
        /// What the Rust type accepts.
        expected: String,
        /// The value found (shortened).
        found: String,
    },

    /// A value could not be encoded for CrateDB (e.g. NaN, a wrong vector length).
    #[error("column {column:?}: {message}")]
    Encode {
        /// The column being encoded.
        column: String,
        /// What is wrong with the value.
        message: String,
    },
}

impl Error {
    /// Wraps a [`crate::types::DecodeError`] with the column it came from.
    pub fn decode(column: impl Into<String>, err: crate::types::DecodeError) -> Self {
        Error::Decode {
            column: column.into(),
            expected: err.expected,
            found: err.found,
        }
    }
}

/// `Result<T, cratedb_orm::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
