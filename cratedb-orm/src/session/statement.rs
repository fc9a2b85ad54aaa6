//! [`Statement`]: one request a commit sends, as planned before it is sent.

use serde_json::Value;

/// The arguments of a planned [`Statement`].
#[derive(Debug, Clone, PartialEq)]
pub enum StatementArgs {
    /// A regular request: one list of arguments (`"args"`).
    Single(Vec<Value>),
    /// A bulk request: one list of arguments per row (`"bulk_args"`).
    Bulk(Vec<Vec<Value>>),
}

/// One request of a commit: SQL text with `$n` placeholders and its bound arguments.
///
/// [`Session::pending_statements`](super::Session::pending_statements) shows them without
/// sending anything.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The SQL text.
    pub sql: String,
    /// The bound arguments.
    pub args: StatementArgs,
    /// The number of model rows it writes (one per bulk row, or per `VALUES` tuple).
    pub rows: usize,
}

impl Statement {
    /// The number of model rows this statement writes.
    pub fn row_count(&self) -> usize {
        self.rows
    }
}
