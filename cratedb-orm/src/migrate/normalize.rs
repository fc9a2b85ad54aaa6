//! Expressions as CrateDB normalises them, to compare a model's `DEFAULT` or
//! `GENERATED ALWAYS AS` expression with the table's.
//!
//! `information_schema.columns` gives a column's default and generation expression as
//! CrateDB's analyzer prints them: `id*2 + 1` comes back as `((id * 2) + 1)`,
//! `concat('a', 'b')` as `'ab'`, `"ts"` as `ts`. `EXPLAIN SELECT <expr> FROM <table>` prints
//! an expression the same way (checked on CrateDB 6.4.3: `Collect[s.t | [((id * 2) + 1)] |
//! true] (rows=unknown)`), so the model's expression is normalised by the server and the
//! texts are compared. No text comparison of our own can tell `(id*2)+1` from `id*(2+1)`.

use cratedb_client::Client;
use serde_json::Value;

use crate::ddl::TableName;

/// Whether two expression texts are the same but for spacing and identifier quotes outside
/// string literals: the cheap test, before asking the server.
pub(crate) fn same_text(a: &str, b: &str) -> bool {
    fn squeeze(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut in_string = false;
        for c in s.chars() {
            if c == '\'' {
                in_string = !in_string;
            }
            if in_string || !(c.is_whitespace() || c == '"') {
                out.push(c);
            }
        }
        out
    }
    squeeze(a) == squeeze(b)
}

/// The plan line of `EXPLAIN SELECT <expr> FROM <table>` → the expression as printed.
fn expression_of(plan: &str) -> Option<&str> {
    let start = plan.find(" | [")? + " | [".len();
    let end = plan.rfind("] | ")?;
    plan.get(start..end)
}

/// `expr` as CrateDB prints it in `information_schema`, evaluated against `table` (whose
/// columns it may name); `None` when the server refuses it (e.g. it names a column the
/// table does not have yet) or answers in an unexpected shape.
///
/// `expr` is the model's SQL from its source code, never run-time input.
pub(crate) fn normalize(client: &Client, table: &TableName, expr: &str) -> Option<String> {
    let sql = format!("EXPLAIN SELECT {expr} FROM {table}");
    let response = client.sql(&sql, &[] as &[Value]).ok()?;
    let row = response.rows.first()?;
    let plan = row.first()?.as_str()?;
    expression_of(plan).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_lines() {
        assert_eq!(
            expression_of("Collect[mprobe.t3 | [((id * 2) + 1)] | true] (rows=unknown)"),
            Some("((id * 2) + 1)")
        );
        assert_eq!(
            expression_of("Collect[s.t | ['a] | b'] | true] (rows=unknown)"),
            Some("'a] | b'")
        );
        assert_eq!(expression_of("something else"), None);
        assert!(same_text(
            "date_trunc('day', \"ts\")",
            "date_trunc('day',ts)"
        ));
        assert!(!same_text("id*2+1", "((id * 2) + 1)"));
        assert!(!same_text("'a \"b'", "'ab'"));
        assert!(same_text("'it''s'", "'it''s'"));
    }
}
