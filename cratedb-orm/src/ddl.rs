//! DDL: `CREATE TABLE` and `DROP TABLE` statements from a model's [`TableMeta`], and (in
//! [`alter`]) the `ALTER TABLE` / `ALTER CLUSTER SWAP TABLE` statements of a migration.
//!
//! The derive's `create_table_sql()` & co. call these; they also work on a hand-built
//! [`TableMeta`]. Statements are one line. Identifiers are always quoted; the only
//! developer-written SQL spliced in is `generated` and `server_default` expressions, which
//! come from the model's source code, never from run-time input.
//!
//! Clause order: columns, named fulltext indexes, `PRIMARY KEY (…)`, then
//! `PARTITIONED BY (…)`, `CLUSTERED [BY (…)] [INTO n SHARDS]`, `WITH (…)`.
//! System columns (`_id`, …) are never declared.
//!
//! ```
//! use cratedb_orm::model::{ColumnMeta, TableMeta, TableSetting};
//! use cratedb_orm::{ddl, SqlType};
//!
//! let mut meta = TableMeta::new("Metric", "metrics");
//! meta.schema = Some("doc");
//! meta.columns = vec![
//!     ColumnMeta::new("day", "day", SqlType::TimestampTz, false).primary_key(),
//!     ColumnMeta::new("name", "name", SqlType::Text, false).primary_key(),
//!     ColumnMeta::new("value", "value", SqlType::Double, true).columnstore(false),
//! ];
//! meta.primary_key = vec![0, 1];
//! meta.partitioned_by = vec!["day"];
//! meta.clustered_by = Some("name");
//! meta.number_of_shards = Some(4);
//! meta.with = vec![("number_of_replicas", TableSetting::Text("0-1"))];
//! assert_eq!(
//!     ddl::create_table(&meta),
//!     r#"CREATE TABLE "doc"."metrics" ("day" TIMESTAMP WITH TIME ZONE NOT NULL, "name" TEXT NOT NULL, "#.to_owned()
//!         + r#""value" DOUBLE PRECISION STORAGE WITH (columnstore = false), PRIMARY KEY ("day", "name")) "#
//!         + r#"PARTITIONED BY ("day") CLUSTERED BY ("name") INTO 4 SHARDS WITH (number_of_replicas = '0-1')"#
//! );
//! assert_eq!(ddl::drop_table_if_exists(&meta), r#"DROP TABLE IF EXISTS "doc"."metrics""#);
//! ```

use std::fmt::Write;

use crate::model::{ColumnMeta, TableMeta, TableSetting};
use crate::sql::{write_ident, write_literal};

pub mod alter;
mod table_name;

pub use table_name::TableName;

/// `CREATE TABLE "name" (…) …` for `meta`.
pub fn create_table(meta: &TableMeta) -> String {
    create(meta, &meta.qualified_name(), false)
}

/// `CREATE TABLE IF NOT EXISTS "name" (…) …` for `meta`.
pub fn create_table_if_not_exists(meta: &TableMeta) -> String {
    create(meta, &meta.qualified_name(), true)
}

/// `CREATE TABLE <table> (…) …`: `meta`'s table definition under another name (how a
/// migration's rebuild creates the new table beside the old one).
///
/// ```
/// use cratedb_orm::ddl::{self, TableName};
/// use cratedb_orm::model::{ColumnMeta, TableMeta};
/// use cratedb_orm::SqlType;
///
/// let mut meta = TableMeta::new("Device", "devices");
/// meta.columns = vec![ColumnMeta::new("id", "id", SqlType::Bigint, false).primary_key()];
/// meta.primary_key = vec![0];
/// assert_eq!(
///     ddl::create_table_as(&meta, &TableName::new(Some("iot"), "devices_before_20260101120000")),
///     r#"CREATE TABLE "iot"."devices_before_20260101120000" ("id" BIGINT NOT NULL, PRIMARY KEY ("id"))"#
/// );
/// ```
pub fn create_table_as(meta: &TableMeta, table: &TableName) -> String {
    create(meta, &table.to_string(), false)
}

/// `DROP TABLE "name"` for `meta`.
pub fn drop_table(meta: &TableMeta) -> String {
    format!("DROP TABLE {}", meta.qualified_name())
}

/// `DROP TABLE IF EXISTS "name"` for `meta`.
pub fn drop_table_if_exists(meta: &TableMeta) -> String {
    format!("DROP TABLE IF EXISTS {}", meta.qualified_name())
}

/// One column's definition as in `CREATE TABLE`, e.g.
/// `"created_at" TIMESTAMP WITH TIME ZONE DEFAULT now()`.
///
/// ```
/// use cratedb_orm::{ddl, model::ColumnMeta, SqlType};
/// let col = ColumnMeta::new("name", "name", SqlType::Text, true).fulltext(Some("english"));
/// assert_eq!(
///     ddl::column_definition(&col),
///     r#""name" TEXT INDEX USING FULLTEXT WITH (analyzer = 'english')"#
/// );
/// ```
pub fn column_definition(column: &ColumnMeta) -> String {
    let mut out = String::new();
    write_column(&mut out, column);
    out
}

fn create(meta: &TableMeta, qualified_name: &str, if_not_exists: bool) -> String {
    let mut out = String::from("CREATE TABLE ");
    if if_not_exists {
        out.push_str("IF NOT EXISTS ");
    }
    out.push_str(qualified_name);
    out.push_str(" (");
    let mut first = true;
    let mut separator = |out: &mut String| {
        if !first {
            out.push_str(", ");
        }
        first = false;
    };
    for column in meta.columns.iter().filter(|c| !c.is_system()) {
        separator(&mut out);
        write_column(&mut out, column);
    }
    for index in &meta.fulltext_indexes {
        separator(&mut out);
        out.push_str("INDEX ");
        write_ident(&mut out, index.name);
        out.push_str(" USING FULLTEXT ");
        write_ident_list(&mut out, index.columns.iter().copied());
        if let Some(analyzer) = index.analyzer {
            write_analyzer(&mut out, analyzer);
        }
    }
    let primary_key: Vec<&str> = meta
        .primary_key
        .iter()
        .filter_map(|&i| meta.columns.get(i))
        .filter(|c| !c.is_system())
        .map(|c| c.name)
        .collect();
    if !primary_key.is_empty() {
        separator(&mut out);
        out.push_str("PRIMARY KEY ");
        write_ident_list(&mut out, primary_key.into_iter());
    }
    out.push(')');
    if !meta.partitioned_by.is_empty() {
        out.push_str(" PARTITIONED BY ");
        write_ident_list(&mut out, meta.partitioned_by.iter().copied());
    }
    if meta.clustered_by.is_some() || meta.number_of_shards.is_some() {
        out.push_str(" CLUSTERED");
        if let Some(column) = meta.clustered_by {
            out.push_str(" BY (");
            write_ident(&mut out, column);
            out.push(')');
        }
        if let Some(shards) = meta.number_of_shards {
            let _ = write!(out, " INTO {shards} SHARDS");
        }
    }
    if !meta.with.is_empty() {
        out.push_str(" WITH (");
        for (i, (key, value)) in meta.with.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            write_setting_name(&mut out, key);
            out.push_str(" = ");
            write_setting_value(&mut out, value);
        }
        out.push(')');
    }
    out
}

fn write_column(out: &mut String, column: &ColumnMeta) {
    write_ident(out, column.name);
    let _ = write!(out, " {}", column.sql_type);
    if let Some(expr) = column.generated {
        let _ = write!(out, " GENERATED ALWAYS AS ({expr})");
    } else if let Some(expr) = column.server_default {
        let _ = write!(out, " DEFAULT {expr}");
    }
    if !column.nullable {
        out.push_str(" NOT NULL");
    }
    if !column.index {
        out.push_str(" INDEX OFF");
    } else if let Some(analyzer) = column.fulltext {
        out.push_str(" INDEX USING FULLTEXT");
        if let Some(analyzer) = analyzer {
            write_analyzer(out, analyzer);
        }
    }
    if !column.columnstore {
        out.push_str(" STORAGE WITH (columnstore = false)");
    }
}

fn write_analyzer(out: &mut String, analyzer: &str) {
    out.push_str(" WITH (analyzer = ");
    write_literal(out, analyzer);
    out.push(')');
}

fn write_ident_list<'a>(out: &mut String, names: impl Iterator<Item = &'a str>) {
    out.push('(');
    for (i, name) in names.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_ident(out, name);
    }
    out.push(')');
}

/// A setting name: plain lower-case identifiers as they are (`number_of_replicas`),
/// anything else quoted (`"blocks.read_only"`).
fn write_setting_name(out: &mut String, name: &str) {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        out.push_str(name);
    } else {
        write_ident(out, name);
    }
}

fn write_setting_value(out: &mut String, value: &TableSetting) {
    match value {
        TableSetting::Text(text) => write_literal(out, text),
        TableSetting::Int(n) => {
            let _ = write!(out, "{n}");
        }
        TableSetting::Float(x) if x.is_finite() => {
            let _ = write!(out, "{x:?}");
        }
        TableSetting::Float(x) => write_literal(out, &x.to_string()),
        TableSetting::Bool(b) => {
            let _ = write!(out, "{b}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FulltextIndex;
    use crate::SqlType;

    #[test]
    fn system_columns_and_odd_names() {
        let mut meta = TableMeta::new("Weird", "we\"ird");
        meta.columns = vec![
            ColumnMeta::new("_id", "id", SqlType::Text, true),
            ColumnMeta::new("it's", "x", SqlType::Integer, false),
        ];
        meta.fulltext_indexes = vec![FulltextIndex {
            name: "ft",
            columns: vec!["it's"],
            analyzer: Some("o'neil"),
        }];
        meta.with = vec![
            ("blocks.read_only", TableSetting::Bool(false)),
            ("x", TableSetting::Float(0.5)),
            ("Y", TableSetting::Int(-1)),
        ];
        assert_eq!(
            create_table_if_not_exists(&meta),
            r#"CREATE TABLE IF NOT EXISTS "we""ird" ("it's" INTEGER NOT NULL, INDEX "ft" USING FULLTEXT ("it's") WITH (analyzer = 'o''neil')) WITH ("blocks.read_only" = false, x = 0.5, "Y" = -1)"#
        );
        assert_eq!(drop_table(&meta), r#"DROP TABLE "we""ird""#);
    }
}
