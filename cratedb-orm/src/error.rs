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

    /// A commit did not write everything; the failed rows stay pending in the session.
    #[error("{0}")]
    Commit(Box<crate::session::CommitError>),
}

impl Error {
    /// True for a duplicate primary key: a client error 4091, or a commit in which a row
    /// failed with 4091 (or was skipped by a multi-row INSERT).
    pub fn is_duplicate_key(&self) -> bool {
        match self {
            Error::Client(e) => e.is_duplicate_key(),
            Error::Commit(c) => c.is_duplicate_key(),
            _ => false,
        }
    }

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
