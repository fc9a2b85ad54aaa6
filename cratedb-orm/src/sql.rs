//! The SQL writer: identifier quoting, string literals for subscripts, and `$n` placeholders.
//!
//! Every statement the ORM emits is built with [`SqlWriter`]: identifiers are always
//! double-quoted (an embedded `"` doubled), values always travel as bound parameters
//! (`$1`, `$2`, …), and subscript keys — which CrateDB does not accept as parameters — are
//! written as single-quoted SQL string literals with an embedded `'` doubled.

use serde_json::Value;

/// Appends `name` to `out` as a double-quoted SQL identifier, doubling any embedded `"`.
///
/// ```
/// let mut s = String::new();
/// cratedb_orm::sql::write_ident(&mut s, r#"weird "name""#);
/// assert_eq!(s, r#""weird ""name""""#);
/// ```
pub fn write_ident(out: &mut String, name: &str) {
    out.reserve(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

/// Returns `name` as a double-quoted SQL identifier.
///
/// ```
/// assert_eq!(cratedb_orm::sql::quote_ident("user"), "\"user\"");
/// ```
pub fn quote_ident(name: &str) -> String {
    let mut s = String::with_capacity(name.len() + 2);
    write_ident(&mut s, name);
    s
}

/// Appends `text` to `out` as a single-quoted SQL string literal, doubling any embedded `'`.
///
/// Used only where CrateDB does not accept a parameter, i.e. subscript keys
/// (`"details"['gender']`).
///
/// ```
/// let mut s = String::new();
/// cratedb_orm::sql::write_literal(&mut s, "it's");
/// assert_eq!(s, "'it''s'");
/// ```
pub fn write_literal(out: &mut String, text: &str) {
    out.reserve(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
}

/// Appends a column reference with subscripts: `"details"['a']['b']`.
///
/// ```
/// let mut s = String::new();
/// cratedb_orm::sql::write_subscripted(&mut s, "details", &["a", "b"]);
/// assert_eq!(s, r#""details"['a']['b']"#);
/// ```
pub fn write_subscripted<S: AsRef<str>>(out: &mut String, column: &str, path: &[S]) {
    write_ident(out, column);
    for key in path {
        out.push('[');
        write_literal(out, key.as_ref());
        out.push(']');
    }
}

/// A statement under construction: SQL text plus its bound arguments.
///
/// ```
/// use cratedb_orm::sql::SqlWriter;
/// let mut w = SqlWriter::new();
/// w.push("SELECT * FROM ");
/// w.ident("characters");
/// w.push(" WHERE ");
/// w.ident("name");
/// w.push(" = ");
/// w.param("Arthur Dent".into());
/// let (sql, args) = w.finish();
/// assert_eq!(sql, r#"SELECT * FROM "characters" WHERE "name" = $1"#);
/// assert_eq!(args, vec![serde_json::json!("Arthur Dent")]);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SqlWriter {
    sql: String,
    args: Vec<Value>,
    /// Write model columns table-qualified (`"readings"."ts"`): the statement reads more than
    /// one relation (a join, a subquery).
    qualify: bool,
    /// Bind an argument equal to one bound before to the same `$n` (queries: the same
    /// expression in the select list and in `GROUP BY` must render the same SQL).
    reuse_params: bool,
}

impl SqlWriter {
    /// An empty statement.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends raw SQL text (keywords, punctuation). Never pass user input here.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a quoted identifier.
    pub fn ident(&mut self, name: &str) -> &mut Self {
        write_ident(&mut self.sql, name);
        self
    }

    /// Appends a quoted, possibly schema-qualified table name (`"doc"."characters"`).
    pub fn table(&mut self, schema: Option<&str>, name: &str) -> &mut Self {
        if let Some(schema) = schema {
            write_ident(&mut self.sql, schema);
            self.sql.push('.');
        }
        write_ident(&mut self.sql, name);
        self
    }

    /// Appends a column with subscripts (`"details"['a']['b']`).
    pub fn subscripted<S: AsRef<str>>(&mut self, column: &str, path: &[S]) -> &mut Self {
        write_subscripted(&mut self.sql, column, path);
        self
    }

    /// Appends a single-quoted string literal (only for subscript keys and DDL options).
    pub fn literal(&mut self, text: &str) -> &mut Self {
        write_literal(&mut self.sql, text);
        self
    }

    /// Binds `value` as the next parameter and appends its placeholder (`$n`); with
    /// [`reuse_params`](Self::reuse_params) on, a value bound before keeps its `$n`.
    pub fn param(&mut self, value: Value) -> &mut Self {
        if self.reuse_params {
            if let Some(i) = self.args.iter().position(|a| *a == value) {
                return self.placeholder(i + 1);
            }
        }
        self.args.push(value);
        self.placeholder(self.args.len())
    }

    /// Writes model columns table-qualified from now on (`"readings"."ts"`), as a statement
    /// reading more than one relation needs.
    pub fn qualify_columns(&mut self, on: bool) -> &mut Self {
        self.qualify = on;
        self
    }

    /// Whether model columns are written table-qualified.
    pub fn qualifies_columns(&self) -> bool {
        self.qualify
    }

    /// Whether values equal to earlier ones reuse their `$n`.
    pub fn reuses_params(&self) -> bool {
        self.reuse_params
    }

    /// Binds values equal to earlier ones to the same `$n` from now on, so an expression
    /// used twice (in the select list and in `GROUP BY`) renders the same SQL, as CrateDB
    /// requires to match them.
    pub fn reuse_params(&mut self, on: bool) -> &mut Self {
        self.reuse_params = on;
        self
    }

    /// Appends the placeholder `$n` without binding a value (for bulk statements whose
    /// arguments are supplied per row).
    pub fn placeholder(&mut self, n: usize) -> &mut Self {
        use std::fmt::Write;
        self.sql.push('$');
        let _ = write!(self.sql, "{n}");
        self
    }

    /// The number of parameters bound so far.
    pub fn arg_count(&self) -> usize {
        self.args.len()
    }

    /// The SQL text written so far.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The arguments bound so far.
    pub fn args(&self) -> &[Value] {
        &self.args
    }

    /// Consumes the writer, returning the SQL text and its arguments.
    pub fn finish(self) -> (String, Vec<Value>) {
        (self.sql, self.args)
    }
}

impl std::fmt::Write for SqlWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.sql.push_str(s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idents_are_quoted_and_escaped() {
        assert_eq!(quote_ident("characters"), r#""characters""#);
        assert_eq!(quote_ident(r#"weird "name""#), r#""weird ""name""""#);
        assert_eq!(quote_ident("Ünïcode space"), "\"Ünïcode space\"");
    }

    #[test]
    fn subscripts_are_literals() {
        let mut s = String::new();
        write_subscripted(&mut s, "details", &["it's", "]"]);
        assert_eq!(s, r#""details"['it''s'][']']"#);
    }

    #[test]
    fn params_number_in_order() {
        let mut w = SqlWriter::new();
        w.param(1.into())
            .push(", ")
            .param(2.into())
            .push(", ")
            .placeholder(7);
        assert_eq!(w.sql(), "$1, $2, $7");
        assert_eq!(w.arg_count(), 2);
    }
}
