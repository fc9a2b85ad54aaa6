//! [`CommitError`]: what a failed or partly failed commit wrote and what it kept pending.

use std::fmt;

use cratedb_client::SqlError;

/// The write a row failure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// An INSERT of a model added to the session.
    Insert,
    /// An UPDATE of a changed model.
    Update,
    /// A DELETE of a model removed from the session.
    Delete,
}

impl fmt::Display for WriteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WriteKind::Insert => "INSERT",
            WriteKind::Update => "UPDATE",
            WriteKind::Delete => "DELETE",
        })
    }
}

/// Why one row was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowFailureCause {
    /// CrateDB's own error for the row (e.g. 4091 duplicate primary key, a NOT NULL or
    /// CHECK constraint, a strict object, a cast). Rows a multi-row `INSERT … VALUES`
    /// skipped silently are sent again one by one to get this error.
    Sql(SqlError),
    /// The row failed in a bulk request without an error message (`rowcount: -2`; CrateDB
    /// details only the first failures per shard).
    Failed,
    /// A versioned UPDATE or DELETE matched no row: the row changed (or vanished) since it
    /// was loaded.
    Stale,
    /// An UPDATE matched no row: the row does not exist (any more).
    NotFound,
    /// The request carrying the row failed as a whole; see [`CommitError::cause`].
    RequestFailed,
    /// The request was not sent because an earlier one failed.
    NotAttempted,
    /// The row's earlier INSERT, whose answer was lost, was found stored as it was sent then;
    /// the model changed since, and that change is left for the next commit (an UPDATE).
    ChangedSinceInsert,
    /// An earlier commit's INSERT of this model may have landed (its answer was lost), and
    /// the table makes its keys on the server (`_id`, or a key with a server default), so
    /// it cannot be checked by key nor sent again without risking a second row. It is not
    /// sent again until you call [`Session::resend`](super::Session::resend) (after
    /// checking the table), or dropped with [`Session::expire`](super::Session::expire).
    OutcomeUnknown,
    /// A multi-row INSERT left the row out, and a lookup by its key found a row with that
    /// key already stored (another row: CrateDB's 4091, duplicate primary key).
    DuplicateKey,
    /// The model cannot be written as it is (e.g. a changed primary key).
    Invalid(String),
}

impl fmt::Display for RowFailureCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowFailureCause::Sql(e) => write!(f, "{e}"),
            RowFailureCause::Failed => f.write_str("row failed (no error detail from the server)"),
            RowFailureCause::Stale => {
                f.write_str("stale data: the row changed since it was loaded")
            }
            RowFailureCause::NotFound => f.write_str("no such row"),
            RowFailureCause::RequestFailed => f.write_str("its request failed"),
            RowFailureCause::NotAttempted => {
                f.write_str("not sent because an earlier request failed")
            }
            RowFailureCause::ChangedSinceInsert => f.write_str(
                "its earlier INSERT (answer lost) was found stored as sent then; \
                 the change made since is sent by the next commit",
            ),
            RowFailureCause::OutcomeUnknown => f.write_str(
                "an earlier INSERT may have landed and the server makes the key: not sent \
                 again until Session::resend (check the table first) or dropped by \
                 Session::expire",
            ),
            RowFailureCause::DuplicateKey => {
                f.write_str("a row with the same primary key exists already")
            }
            RowFailureCause::Invalid(m) => f.write_str(m),
        }
    }
}

/// One model whose write did not land for certain; it stays pending in the session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RowFailure {
    /// The model (struct) name.
    pub model: &'static str,
    /// The row's identity (its primary-key values, or its `_id`), when known: the compact
    /// JSON of a one-column key (`"a1"`, `7`), a tuple of such values for a composite key
    /// (`("stop", 1743466401000, 1743465600000)`, in primary-key column order). Read the
    /// values back with [`key_values`](Self::key_values).
    pub key: Option<String>,
    /// The write that failed.
    pub kind: WriteKind,
    /// Why.
    pub cause: RowFailureCause,
    /// Whether the write may have landed all the same: its answer was lost (the connection
    /// failed after sending, or CrateDB answered an internal error). A later commit sends
    /// it again where that is safe (an INSERT whose key the client knows is checked by key
    /// when it meets a duplicate key; UPDATEs and DELETEs by key are idempotent).
    pub may_have_landed: bool,
    /// The session entry of the model (for the commit's own follow-up checks).
    pub(crate) entry: Option<usize>,
}

impl RowFailure {
    /// A failure of a row that did not land.
    pub(crate) fn new(
        model: &'static str,
        key: Option<String>,
        kind: WriteKind,
        cause: RowFailureCause,
    ) -> Self {
        RowFailure {
            model,
            key,
            kind,
            cause,
            may_have_landed: false,
            entry: None,
        }
    }
}

impl RowFailure {
    /// The values of [`key`](Self::key), in primary-key column order (one for a one-column
    /// key), as [`Session::find`](super::Session::find) accepts them; `None` when the key is
    /// unknown.
    ///
    /// ```
    /// # use cratedb_orm::session::RowFailure;
    /// # fn show(failure: &RowFailure) {
    /// // key: Some("(\"stop\", 1743466401000, 1743465600000)")
    /// if let Some(values) = failure.key_values() {
    ///     println!("{} values: {values:?}", values.len());
    /// }
    /// # }
    /// ```
    pub fn key_values(&self) -> Option<Vec<serde_json::Value>> {
        let key = self.key.as_deref()?;
        match key.strip_prefix('(').and_then(|k| k.strip_suffix(')')) {
            // JSON text never starts with `(`: this is the tuple of a composite key.
            Some(inner) => serde_json::from_str(&format!("[{inner}]")).ok(),
            None => serde_json::from_str(key).ok().map(|v| vec![v]),
        }
    }
}

impl fmt::Display for RowFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.model)?;
        if let Some(key) = &self.key {
            write!(f, " {key}")?;
        }
        write!(f, ": {}", self.cause)?;
        if self.may_have_landed {
            f.write_str(" (it may have landed)")?;
        }
        Ok(())
    }
}

/// The running tally of a commit: what landed, and what stays pending with why.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// Row writes that landed.
    pub written: usize,
    /// Rows that did not land (for certain).
    pub failures: Vec<RowFailure>,
}

/// A commit that did not write everything. CrateDB has no transactions: the rows counted in
/// [`written`](Self::written) are in the database; every model listed in
/// [`failures`](Self::failures) is still pending in the session and is sent again by the
/// next commit (after you fix what is wrong, or [`rollback`](super::Session::rollback)).
#[derive(Debug)]
pub struct CommitError {
    /// Row writes (inserts, updates, deletes) that landed.
    pub written: usize,
    /// Every model that was not written, with the reason.
    pub failures: Vec<RowFailure>,
    /// The request-level error that stopped the commit, if one did.
    pub cause: Option<cratedb_client::Error>,
}

impl CommitError {
    /// True when some row failed because its primary key exists already (4091).
    pub fn is_duplicate_key(&self) -> bool {
        self.failures.iter().any(|f| match &f.cause {
            RowFailureCause::Sql(e) => e.is_duplicate_key(),
            RowFailureCause::DuplicateKey => true,
            _ => false,
        }) || self.cause.as_ref().is_some_and(|c| c.is_duplicate_key())
    }

    /// True when some versioned UPDATE or DELETE found the row changed since it was loaded.
    pub fn is_stale(&self) -> bool {
        self.failures
            .iter()
            .any(|f| f.cause == RowFailureCause::Stale)
    }

    /// True when some UPDATE found no row under its key (the row was deleted).
    pub fn is_not_found(&self) -> bool {
        self.failures
            .iter()
            .any(|f| f.cause == RowFailureCause::NotFound)
    }

    /// True when some pending write may have landed although the commit could not confirm it
    /// (its answer was lost: [`RowFailure::may_have_landed`], or
    /// [`RowFailureCause::OutcomeUnknown`]). `false` means every listed failure certainly
    /// did not land: the commit wrote exactly [`written`](Self::written) rows.
    pub fn may_have_landed(&self) -> bool {
        self.failures
            .iter()
            .any(|f| f.may_have_landed || f.cause == RowFailureCause::OutcomeUnknown)
    }

    /// The CrateDB error of the request that stopped the commit, else the first row's own
    /// CrateDB error.
    pub fn sql_error(&self) -> Option<&SqlError> {
        self.cause
            .as_ref()
            .and_then(cratedb_client::Error::sql_error)
            .or_else(|| {
                self.failures.iter().find_map(|f| match &f.cause {
                    RowFailureCause::Sql(e) => Some(e),
                    _ => None,
                })
            })
    }
}

impl fmt::Display for CommitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "commit incomplete: {} row write(s) landed, {} pending",
            self.written,
            self.failures.len()
        )?;
        if let Some(cause) = &self.cause {
            write!(f, "; stopped by: {cause}")?;
        }
        const SHOWN: usize = 5;
        for failure in self.failures.iter().take(SHOWN) {
            write!(f, "; {failure}")?;
        }
        if self.failures.len() > SHOWN {
            write!(f, "; … and {} more", self.failures.len() - SHOWN)?;
        }
        Ok(())
    }
}

impl std::error::Error for CommitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_ref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn failure(key: Option<&str>) -> RowFailure {
        RowFailure::new(
            "ReadingPk",
            key.map(str::to_owned),
            WriteKind::Insert,
            RowFailureCause::DuplicateKey,
        )
    }

    #[test]
    fn a_composite_key_reads_as_a_tuple_and_gives_its_values_back() {
        let f = failure(Some(r#"("stop", 1743466401000, 1743465600000)"#));
        assert_eq!(
            f.to_string(),
            r#"INSERT ReadingPk ("stop", 1743466401000, 1743465600000): a row with the same primary key exists already"#
        );
        assert_eq!(
            f.key_values(),
            Some(vec![
                json!("stop"),
                json!(1_743_466_401_000_i64),
                json!(1_743_465_600_000_i64)
            ])
        );
        // A text value holding a comma or parentheses stays one value.
        let f = failure(Some(r#"("a, (b)", 7)"#));
        assert_eq!(f.key_values(), Some(vec![json!("a, (b)"), json!(7)]));
    }

    #[test]
    fn a_one_column_key_is_its_json() {
        let f = failure(Some(r#""a1""#));
        assert_eq!(
            f.to_string(),
            r#"INSERT ReadingPk "a1": a row with the same primary key exists already"#
        );
        assert_eq!(f.key_values(), Some(vec![json!("a1")]));
        assert_eq!(failure(Some("7")).key_values(), Some(vec![json!(7)]));
        assert_eq!(
            failure(Some(r#""(x)""#)).key_values(),
            Some(vec![json!("(x)")])
        );
        assert_eq!(failure(None).key_values(), None);
        assert_eq!(
            failure(None).to_string(),
            "INSERT ReadingPk: a row with the same primary key exists already"
        );
    }
}
