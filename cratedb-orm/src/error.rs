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

    /// A query read a column of the model that its table does not have yet (CrateDB's
    /// 4043, `ColumnUnknownException`): the model gained a field, the table did not follow.
    /// `fix` says how to add it; an `Option` field can also be read as NULL meanwhile
    /// ([`Session::read_missing_columns_as_null`](crate::Session::read_missing_columns_as_null)).
    #[error("model {model}: table {table} has no column {column:?} yet ({source}); {fix}")]
    MissingColumn {
        /// The model.
        model: &'static str,
        /// The table, quoted.
        table: String,
        /// The missing column (`battery_pct`, or a key: `details['firmware']`).
        column: String,
        /// How to add it: the statement and the migration that makes it.
        fix: String,
        /// CrateDB's error (code 4043 and its message).
        #[source]
        source: Box<cratedb_client::Error>,
    },

    /// A migration plan holds changes it will not make; nothing ran. Each
    /// [`Refusal`](crate::migrate::Refusal) names the table, the column and the reason.
    #[error("the migration plan was not applied, it refuses {}: {}", .refusals.len(), describe_refusals(.refusals))]
    PlanRefused {
        /// What the plan will not do, and why.
        refusals: Vec<crate::migrate::Refusal>,
    },

    /// A migration plan or step stopped part-way: what ran, what failed, what did not run.
    /// Transparent: its message is the [`MigrationFailure`](crate::migrate::MigrationFailure)'s.
    #[error(transparent)]
    Migration(Box<crate::migrate::MigrationFailure>),

    /// A rebuild's copy did not carry every row (CrateDB skips rows it cannot write in an
    /// `INSERT … SELECT` without an error: a failed cast, NOT NULL): the rebuild stopped
    /// before the swap; the table is as it was.
    #[error("rebuild of {table}: the table has {rows} rows, the copy {copied}, and the INSERT … SELECT wrote {inserted}; rows that do not fit the new definition (a cast, NOT NULL) are skipped by CrateDB")]
    RebuildMismatch {
        /// The table rebuilt.
        table: String,
        /// Its rows.
        rows: i64,
        /// The rows counted in the new table.
        copied: i64,
        /// The row count of the `INSERT … SELECT`.
        inserted: i64,
    },

    /// Another migrator holds the migration lock and did not release it within the wait.
    #[error("migration lock {lock} is held by {owner:?} (for {held_ms} ms; taken over once older than {stale_ms} ms); waited {waited_ms} ms")]
    MigrationLocked {
        /// The lock row (table and id).
        lock: String,
        /// Who holds it.
        owner: String,
        /// How long it has been held, by the server's clock.
        held_ms: i64,
        /// When it counts as stale.
        stale_ms: i64,
        /// How long this migrator waited.
        waited_ms: u64,
    },

    /// The migration lock was taken over (this migrator held it longer than the stale
    /// timeout without renewing it): this migrator stopped before its next statement.
    #[error("migration lock {lock} was taken over by another migrator (this one was {owner:?}); raise Migrator::lock_stale_after above the longest statement")]
    MigrationLockLost {
        /// The lock row (table and id).
        lock: String,
        /// This migrator's owner name.
        owner: String,
    },

    /// A migration step recorded as applied has other statements now: applied steps must
    /// not change (add a new step instead).
    #[error("migration step {step:?} was applied with other statements (checksum {applied}, now {current}): add a new step instead of changing an applied one")]
    MigrationChanged {
        /// The step.
        step: String,
        /// The checksum recorded when it was applied.
        applied: String,
        /// The checksum of its statements now.
        current: String,
    },
}

fn describe_refusals(refusals: &[crate::migrate::Refusal]) -> String {
    refusals
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
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
            Error::MissingColumn { source, .. } => source.sql_error(),
            Error::Commit(c) => c.sql_error(),
            Error::RowsFailed { failed, .. } => failed.iter().find_map(|f| f.error.as_ref()),
            _ => None,
        }
    }

    /// The client's error inside this one: a request that failed ([`Error::Client`]), or
    /// CrateDB's 4043 behind [`Error::MissingColumn`]. Its
    /// [`sql_error`](cratedb_client::Error::sql_error) gives CrateDB's code and message.
    pub fn client_error(&self) -> Option<&cratedb_client::Error> {
        match self {
            Error::Client(e) => Some(e),
            Error::MissingColumn { source, .. } => Some(source),
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
