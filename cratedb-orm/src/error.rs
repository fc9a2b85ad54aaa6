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
    /// Transparent: its message is the [`CommitError`](crate::session::CommitError)'s, and
    /// its `source()` the request-level error that stopped the commit, if any.
    #[error(transparent)]
    Commit(Box<crate::session::CommitError>),

    /// A query that must return exactly one row (`one()`, `scalar()`) returned none or
    /// several.
    #[error("expected exactly one row, got {}", describe_row_count(*.found))]
    RowCount {
        /// The rows found (`one()` reads at most 2).
        found: usize,
    },

    /// Some rows of a bulk write failed; the others were written.
    #[error("{} of {total} rows failed: {}", .failed.len(), describe_failures(.failed))]
    RowsFailed {
        /// The failed rows, by index in the input.
        failed: Vec<FailedRow>,
        /// The number of rows sent.
        total: usize,
    },

    /// A statement cannot be built from what was asked (e.g. an upsert on a model without
    /// a primary key).
    #[error("invalid query: {message}")]
    InvalidQuery {
        /// What is wrong.
        message: String,
    },
}

/// One failed row of a bulk write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedRow {
    /// The row's index in the input.
    pub index: usize,
    /// CrateDB's error for the row, when the server reports one (CrateDB ≥ 5.10, first
    /// failures per shard).
    pub error: Option<cratedb_client::SqlError>,
}

fn describe_row_count(found: usize) -> String {
    match found {
        0 => "none".to_owned(),
        1 => "one".to_owned(),
        _ => "more than one".to_owned(),
    }
}

fn describe_failures(failed: &[FailedRow]) -> String {
    const SHOWN: usize = 5;
    let mut parts: Vec<String> = failed
        .iter()
        .take(SHOWN)
        .map(|f| match &f.error {
            Some(e) => format!("row {}: {e}", f.index),
            None => format!("row {}", f.index),
        })
        .collect();
    if failed.len() > SHOWN {
        parts.push(format!("… {} more", failed.len() - SHOWN));
    }
    parts.join("; ")
}

impl Error {
    /// True for a duplicate primary key: a client error 4091, or a commit in which a row
    /// failed with 4091 (or was skipped by a multi-row INSERT).
    pub fn is_duplicate_key(&self) -> bool {
        match self {
            Error::Client(e) => e.is_duplicate_key(),
            Error::Commit(c) => c.is_duplicate_key(),
            Error::RowsFailed { failed, .. } => failed
                .iter()
                .any(|f| f.error.as_ref().is_some_and(|e| e.is_duplicate_key())),
            _ => false,
        }
    }

    /// True for stale data: a commit in which a versioned UPDATE or DELETE found the row
    /// changed since it was loaded, or a client error 4092 (version conflict). Reload and
    /// apply the change again ([`crate::retry`] does both).
    pub fn is_stale(&self) -> bool {
        match self {
            Error::Client(e) => e.is_version_conflict(),
            Error::Commit(c) => c.is_stale(),
            _ => false,
        }
    }

    /// True when a commit's UPDATE found no row under its key (the row was deleted).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Commit(c) if c.is_not_found())
    }

    /// True when a write may have landed although no answer confirmed it: a client error
    /// after the request was sent ([`cratedb_client::Error::may_have_executed`]), or a
    /// commit with such rows ([`CommitError::may_have_landed`](crate::session::CommitError::may_have_landed)).
    /// `false` for every other error: what it reports certainly did not land.
    pub fn may_have_landed(&self) -> bool {
        match self {
            Error::Client(e) => e.may_have_executed(),
            Error::Commit(c) => c.may_have_landed(),
            _ => false,
        }
    }

    /// CrateDB's error (`code`, `message`), when this error carries one: a client error, or
    /// a commit stopped by one or with a row that failed with one, or the first failed row of
    /// a bulk write.
    pub fn sql_error(&self) -> Option<&cratedb_client::SqlError> {
        match self {
            Error::Client(e) => e.sql_error(),
            Error::Commit(c) => c.sql_error(),
            Error::RowsFailed { failed, .. } => failed.iter().find_map(|f| f.error.as_ref()),
            _ => None,
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
