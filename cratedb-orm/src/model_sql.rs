//! Model-level SQL: every statement and clause that a model's [`TableMeta`] determines, in
//! one place — the select list, INSERT heads and `VALUES` tuples, `RETURNING`, the identity
//! `WHERE` with its version checks, UPDATE and DELETE by identity, the real-time lookup by
//! identity — and the one rule that cuts multi-row statements under CrateDB's statement
//! length limit. Queries ([`crate::query`]), the session and [`crate::write`] render model
//! SQL only through this module, so they cannot disagree.

use serde_json::Value;

use crate::sql::SqlWriter;
use crate::TableMeta;

/// The longest multi-row statement the ORM writes by default: well under CrateDB's
/// `statement_max_length` (262,144 characters).
pub(crate) const MAX_STATEMENT_LEN: usize = 200_000;

/// The system columns that carry a row's version (optimistic concurrency).
const VERSION_COLUMNS: [&str; 2] = ["_seq_no", "_primary_term"];

/// The name of column `index` of `meta` (empty for an index out of range, which callers
/// never pass: indexes come from the same metadata).
fn column_name(meta: &TableMeta, index: usize) -> &'static str {
    meta.columns.get(index).map_or("", |c| c.name)
}

/// `"id", "name", …`: every column of the model, then `"_seq_no", "_primary_term"` for a
/// versioned model (unless the model declares them as fields).
pub(crate) fn write_select_list(w: &mut SqlWriter, meta: &TableMeta) {
    write_select_list_nulls(w, meta, &[]);
}

/// [`write_select_list`], reading the columns `nulls` (indexes into `meta.columns`) as
/// `NULL AS "name"`: model columns the table does not have yet (see
/// [`Session::read_missing_columns_as_null`](crate::Session::read_missing_columns_as_null)).
pub(crate) fn write_select_list_nulls(w: &mut SqlWriter, meta: &TableMeta, nulls: &[usize]) {
    // The model's columns come first, in order: `k` is a column index for them.
    for (k, name) in select_names(meta).into_iter().enumerate() {
        if k > 0 {
            w.push(", ");
        }
        if nulls.contains(&k) {
            w.push("NULL AS ");
        }
        w.ident(name);
    }
}

/// The names of the select list of [`write_select_list`], in order.
pub(crate) fn select_names(meta: &TableMeta) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = meta.columns.iter().map(|c| c.name).collect();
    if meta.versioned {
        for system in VERSION_COLUMNS {
            if meta.column(system).is_none() {
                names.push(system);
            }
        }
    }
    names
}

/// The select list of [`write_select_list`] as expression nodes of relation `relation` (the
/// table's name or an alias), written `"relation"."col"` where a statement qualifies its
/// columns: how a query over one or several models selects them.
pub(crate) fn select_nodes(meta: &TableMeta, relation: &'static str) -> Vec<crate::expr::N> {
    select_names(meta)
        .into_iter()
        .map(|name| crate::expr::N::Col(relation, name))
        .collect()
}

/// ` RETURNING <select list>`: what an INSERT reads back.
pub(crate) fn write_returning(w: &mut SqlWriter, meta: &TableMeta) {
    w.push(" RETURNING ");
    write_select_list(w, meta);
}

/// `INSERT INTO "t" ("a", "b")` for `columns` (indexes into `meta.columns`).
pub(crate) fn write_insert_head(w: &mut SqlWriter, meta: &TableMeta, columns: &[usize]) {
    w.push("INSERT INTO ")
        .push(&meta.qualified_name())
        .push(" (");
    for (k, &i) in columns.iter().enumerate() {
        if k > 0 {
            w.push(", ");
        }
        w.ident(column_name(meta, i));
    }
    w.push(")");
}

/// `($first, $first+1, …)`: one `VALUES` tuple of `width` placeholders.
pub(crate) fn write_values_tuple(w: &mut SqlWriter, first: usize, width: usize) {
    w.push("(");
    for k in 0..width {
        if k > 0 {
            w.push(", ");
        }
        w.placeholder(first + k);
    }
    w.push(")");
}

/// `INSERT INTO "t" ("a", "b") VALUES ($1, $2)`: the statement of a bulk insert.
pub(crate) fn bulk_insert_sql(meta: &TableMeta, columns: &[usize]) -> SqlWriter {
    let mut w = SqlWriter::new();
    write_insert_head(&mut w, meta, columns);
    w.push(" VALUES ");
    write_values_tuple(&mut w, 1, columns.len());
    w
}

/// `INSERT INTO "t" (…) VALUES (…), (…) RETURNING …` for `rows` rows of `columns`.
///
/// With several rows and a primary key it says `ON CONFLICT DO NOTHING`: CrateDB 6.4 does
/// not answer a multi-row INSERT in which more than ten rows fail, and rows whose key exists
/// are the usual such rows; they are left out of the returned rows either way. A single
/// row is inserted without it, so that a duplicate key is CrateDB's error 4091.
pub(crate) fn insert_returning_sql(meta: &TableMeta, columns: &[usize], rows: usize) -> String {
    let mut w = SqlWriter::new();
    write_insert_head(&mut w, meta, columns);
    w.push(" VALUES ");
    for r in 0..rows {
        if r > 0 {
            w.push(", ");
        }
        write_values_tuple(&mut w, 1 + r * columns.len(), columns.len());
    }
    if rows > 1 && !meta.primary_key.is_empty() {
        w.push(ON_CONFLICT_DO_NOTHING);
    }
    write_returning(&mut w, meta);
    w.sql().to_owned()
}

/// What a multi-row INSERT of a table with a primary key says about existing keys.
const ON_CONFLICT_DO_NOTHING: &str = " ON CONFLICT DO NOTHING";

/// ` WHERE "id" = $first …` over the [row key columns](TableMeta::row_key_columns), plus
/// ` AND "_seq_no" = $n AND "_primary_term" = $n+1` when `versioned`.
pub(crate) fn write_identity_where(
    w: &mut SqlWriter,
    meta: &TableMeta,
    first: usize,
    versioned: bool,
) {
    w.push(" WHERE ");
    let mut n = first;
    for (k, i) in meta.row_key_columns().into_iter().enumerate() {
        if k > 0 {
            w.push(" AND ");
        }
        w.ident(column_name(meta, i)).push(" = ").placeholder(n);
        n += 1;
    }
    if versioned {
        for (k, system) in VERSION_COLUMNS.into_iter().enumerate() {
            w.push(" AND ").ident(system).push(" = ").placeholder(n + k);
        }
    }
}

/// `UPDATE "t" SET "a" = $1, "obj"['k'] = $2 WHERE <identity> …`: the assignments are
/// `(column index, key path)` pairs (an empty path assigns the whole column). A versioned
/// update checks and returns the row's version.
pub(crate) fn update_sql<'a>(
    meta: &TableMeta,
    assignments: impl IntoIterator<Item = (usize, &'a [String])>,
    versioned: bool,
) -> String {
    let mut w = SqlWriter::new();
    w.push("UPDATE ").push(&meta.qualified_name()).push(" SET ");
    let mut n = 0;
    for (i, path) in assignments {
        if n > 0 {
            w.push(", ");
        }
        n += 1;
        w.subscripted(column_name(meta, i), path)
            .push(" = ")
            .placeholder(n);
    }
    write_identity_where(&mut w, meta, n + 1, versioned);
    if versioned {
        w.push(" RETURNING ");
        for (k, system) in VERSION_COLUMNS.into_iter().enumerate() {
            if k > 0 {
                w.push(", ");
            }
            w.ident(system);
        }
    }
    w.sql().to_owned()
}

/// `DELETE FROM "t" WHERE <identity>` (with the version checks of a versioned model).
pub(crate) fn delete_sql(meta: &TableMeta) -> String {
    let mut w = SqlWriter::new();
    w.push("DELETE FROM ").push(&meta.qualified_name());
    write_identity_where(&mut w, meta, 1, meta.versioned);
    w.sql().to_owned()
}

/// `SELECT <select list> FROM "t" WHERE <identity> = …` for one key, or
/// `… WHERE (<identity> = …) OR (…)` for several: a lookup by primary key, which CrateDB
/// answers in real time (no `REFRESH TABLE` needed). Each key holds the identity values in
/// [`TableMeta::identity_columns`] order.
///
/// The columns `nulls` are read as NULL (see [`write_select_list_nulls`]).
pub(crate) fn select_by_identity_nulls(
    meta: &TableMeta,
    keys: impl IntoIterator<Item = Vec<Value>>,
    nulls: &[usize],
) -> (String, Vec<Value>) {
    select_by_columns_nulls(meta, &meta.identity_columns(), keys, nulls)
}

/// [`select_by_identity_nulls`] over key columns `columns` (indexes into `meta.columns`): the
/// identity, or the identity without its generated columns (CrateDB derives them from the
/// others, and still looks the rows up by primary key). Each key holds the values of
/// `columns` in order.
pub(crate) fn select_by_columns(
    meta: &TableMeta,
    columns: &[usize],
    keys: impl IntoIterator<Item = Vec<Value>>,
) -> (String, Vec<Value>) {
    select_by_columns_nulls(meta, columns, keys, &[])
}

fn select_by_columns_nulls(
    meta: &TableMeta,
    columns: &[usize],
    keys: impl IntoIterator<Item = Vec<Value>>,
    nulls: &[usize],
) -> (String, Vec<Value>) {
    let keys: Vec<Vec<Value>> = keys.into_iter().collect();
    let grouped = keys.len() > 1 && columns.len() > 1;
    let mut w = SqlWriter::new();
    w.push("SELECT ");
    write_select_list_nulls(&mut w, meta, nulls);
    w.push(" FROM ")
        .push(&meta.qualified_name())
        .push(" WHERE ");
    for (k, key) in keys.into_iter().enumerate() {
        if k > 0 {
            w.push(" OR ");
        }
        if grouped {
            w.push("(");
        }
        for (n, (&i, value)) in columns.iter().zip(key).enumerate() {
            if n > 0 {
                w.push(" AND ");
            }
            w.ident(column_name(meta, i)).push(" = ").param(value);
        }
        if grouped {
            w.push(")");
        }
    }
    w.finish()
}

/// `SELECT <select list> FROM "t" WHERE "id" = ANY($1)`: rows of a single-column identity by
/// many keys at once (`values`, bound as one array). Unlike [`select_by_identity_nulls`] it is a
/// search, which sees only refreshed rows: send [`refresh_sql`] first. It stays fast for
/// thousands of keys, where an `OR` of key equalities takes CrateDB 6.4.3 a second at 2,000
/// keys and fails to parse at 3,000.
pub(crate) fn select_by_any_key(
    meta: &TableMeta,
    column: usize,
    values: Vec<Value>,
) -> (String, Vec<Value>) {
    let mut w = SqlWriter::new();
    w.push("SELECT ");
    write_select_list(&mut w, meta);
    w.push(" FROM ")
        .push(&meta.qualified_name())
        .push(" WHERE ")
        .ident(column_name(meta, column))
        .push(" = ANY(")
        .param(Value::Array(values))
        .push(")");
    w.finish()
}

/// `REFRESH TABLE "t"`: makes the table's recent writes visible to searches.
pub(crate) fn refresh_sql(meta: &TableMeta) -> String {
    format!("REFRESH TABLE {}", meta.qualified_name())
}

/// How many rows each multi-row statement takes: `rows` rows of `width` bound values, each
/// statement `fixed` characters plus its `VALUES` tuples (`($1, $2), ($3, $4)`, placeholders
/// numbered from 1 in each statement), within `max_len` characters and `max_rows` rows.
/// Every statement takes at least one row. The counts are in order and add up to `rows`.
pub(crate) fn chunk_rows(
    rows: usize,
    width: usize,
    fixed: usize,
    max_len: usize,
    max_rows: usize,
) -> Vec<usize> {
    let mut chunks = Vec::new();
    let mut left = rows;
    while left > 0 {
        let mut len = fixed;
        let mut count = 0;
        while count < left && count < max_rows.max(1) {
            // ", " before every tuple but the first, "(" and ")", ", " between values,
            // and "$n" for each.
            let first = count * width + 1;
            let mut tuple = 2 + 2 * width.saturating_sub(1);
            if count > 0 {
                tuple += 2;
            }
            for n in first..first + width {
                tuple += 1 + digits(n);
            }
            if count > 0 && len + tuple > max_len {
                break;
            }
            len += tuple;
            count += 1;
        }
        chunks.push(count);
        left -= count;
    }
    chunks
}

/// The number of decimal digits of `n`.
fn digits(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// The length of `insert_returning_sql` without its tuples: what [`chunk_rows`] adds the
/// tuples to.
pub(crate) fn insert_returning_fixed_len(meta: &TableMeta, columns: &[usize]) -> usize {
    let mut w = SqlWriter::new();
    write_insert_head(&mut w, meta, columns);
    w.push(" VALUES ");
    if !meta.primary_key.is_empty() {
        w.push(ON_CONFLICT_DO_NOTHING);
    }
    write_returning(&mut w, meta);
    w.sql().len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ColumnMeta, SqlType};

    fn meta(versioned: bool) -> TableMeta {
        let mut meta = TableMeta::new("Pair", "pairs");
        meta.columns = vec![
            ColumnMeta::new("a", "a", SqlType::Text, false).primary_key(),
            ColumnMeta::new("b", "b", SqlType::Integer, false).primary_key(),
            ColumnMeta::new("c", "c", SqlType::Text, true),
        ];
        meta.primary_key = vec![0, 1];
        meta.versioned = versioned;
        meta
    }

    #[test]
    fn statements_of_a_composite_key() {
        let m = meta(true);
        assert_eq!(
            bulk_insert_sql(&m, &[0, 1, 2]).sql(),
            r#"INSERT INTO "pairs" ("a", "b", "c") VALUES ($1, $2, $3)"#
        );
        assert_eq!(
            insert_returning_sql(&m, &[0, 2], 2),
            r#"INSERT INTO "pairs" ("a", "c") VALUES ($1, $2), ($3, $4) ON CONFLICT DO NOTHING RETURNING "a", "b", "c", "_seq_no", "_primary_term""#
        );
        let path = ["k".to_owned()];
        assert_eq!(
            insert_returning_sql(&m, &[0, 2], 1),
            r#"INSERT INTO "pairs" ("a", "c") VALUES ($1, $2) RETURNING "a", "b", "c", "_seq_no", "_primary_term""#
        );
        assert_eq!(
            update_sql(&m, [(2, &path[..])], true),
            r#"UPDATE "pairs" SET "c"['k'] = $1 WHERE "a" = $2 AND "b" = $3 AND "_seq_no" = $4 AND "_primary_term" = $5 RETURNING "_seq_no", "_primary_term""#
        );
        assert_eq!(
            delete_sql(&m),
            r#"DELETE FROM "pairs" WHERE "a" = $1 AND "b" = $2 AND "_seq_no" = $3 AND "_primary_term" = $4"#
        );
        let (sql, args) = select_by_identity_nulls(
            &meta(false),
            [
                vec![Value::from("x"), Value::from(1)],
                vec![Value::from("y"), Value::from(2)],
            ],
            &[],
        );
        assert_eq!(
            sql,
            r#"SELECT "a", "b", "c" FROM "pairs" WHERE ("a" = $1 AND "b" = $2) OR ("a" = $3 AND "b" = $4)"#
        );
        assert_eq!(args.len(), 4);
        let (sql, _) =
            select_by_identity_nulls(&meta(false), [vec![Value::from("x"), Value::from(1)]], &[2]);
        assert_eq!(
            sql,
            r#"SELECT "a", "b", NULL AS "c" FROM "pairs" WHERE "a" = $1 AND "b" = $2"#
        );
    }

    #[test]
    fn chunks_fit_the_length_and_row_limits_exactly() {
        let m = meta(false);
        let columns = [0, 1, 2];
        let fixed = insert_returning_fixed_len(&m, &columns);
        for max_len in [fixed + 10, fixed + 200, 5_000] {
            let chunks = chunk_rows(1_000, 3, fixed, max_len, 300);
            assert_eq!(chunks.iter().sum::<usize>(), 1_000);
            for &rows in &chunks {
                let sql = insert_returning_sql(&m, &columns, rows);
                assert!(
                    rows == 1 || sql.len() <= max_len,
                    "{} > {max_len}",
                    sql.len()
                );
                assert!(rows <= 300);
            }
            // Each chunk but the last is as large as the limits allow.
            for &rows in chunks.iter().rev().skip(1) {
                let more = insert_returning_sql(&m, &columns, rows + 1);
                assert!(rows == 300 || more.len() > max_len);
            }
        }
    }
}
