//! Reflection: schemas, tables, a table's columns (type, nullability), primary key and
//! partitions from `information_schema`, a table's whole definition
//! ([`table_definition`], with `SHOW CREATE TABLE`), and the server version from
//! `sys.nodes`.
//!
//! Functions take an optional schema; `None` means the client's default schema (its
//! `Default-Schema`, else CrateDB's `doc`). The schema is always sent as a bound
//! parameter, so the answer does not depend on which pooled connection serves it.

use std::cmp::Ordering;
use std::fmt;

use cratedb_client::{Client, SqlResponse};
use serde_json::Value;

use crate::expr::FromRow;
use crate::raw::decode_rows;
use crate::sql::SqlWriter;
use crate::{CrateModel, Result};

mod column_path;
mod definition;
mod partitions;
mod show_create;

pub use column_path::ColumnPath;
pub use definition::{
    definition_of, table_definition, ColumnDefinition, ColumnIndex, IndexDefinition,
    TableDefinition,
};
pub use partitions::{partitions, partitions_of, PartitionInfo};

/// CrateDB's default schema.
pub const DEFAULT_SCHEMA: &str = "doc";

/// A table or view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    /// The schema.
    pub schema: String,
    /// The table name.
    pub name: String,
    /// `BASE TABLE` or `VIEW`.
    pub table_type: String,
}

impl TableInfo {
    /// A view rather than a table.
    pub fn is_view(&self) -> bool {
        self.table_type.eq_ignore_ascii_case("VIEW")
    }
}

/// A column of a table, as `information_schema.columns` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    /// The column name; for a key of an object column, its path (`details['gender']`).
    pub name: String,
    /// The type as CrateDB names it (`text`, `bigint`, `object`, `text_array`, …).
    pub data_type: String,
    /// Whether the column accepts NULL.
    pub nullable: bool,
    /// The position in the table (1-based); `None` for keys of object columns on some
    /// versions.
    pub position: Option<i64>,
    /// The default expression, if any.
    pub default: Option<String>,
    /// The generation expression of a generated column, if any.
    pub generated: Option<String>,
}

impl ColumnInfo {
    /// A key of an object column (`details['gender']`) rather than a top-level column.
    pub fn is_object_key(&self) -> bool {
        self.name.contains('[')
    }
}

/// A CrateDB version (`5.10.3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerVersion {
    /// Major version.
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// Patch version.
    pub patch: u32,
    /// The version as the server reported it.
    pub text: String,
}

impl ServerVersion {
    /// Parses `major.minor.patch` (missing parts are 0; anything after a non-digit in
    /// a part is ignored, e.g. `5.10.3-SNAPSHOT`).
    pub fn parse(text: &str) -> Option<ServerVersion> {
        let mut parts = text.trim().split('.').map(|part| {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u32>().ok()
        });
        let major = parts.next().flatten()?;
        let minor = parts.next().flatten().unwrap_or(0);
        let patch = parts.next().flatten().unwrap_or(0);
        Some(ServerVersion {
            major,
            minor,
            patch,
            text: text.trim().to_owned(),
        })
    }

    /// At least `major.minor`.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }
}

impl PartialOrd for ServerVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ServerVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch).cmp(&(other.major, other.minor, other.patch))
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The schema to ask about: `schema`, else the client's default schema, else `doc`.
pub fn resolve_schema<'a>(client: &'a Client, schema: Option<&'a str>) -> &'a str {
    schema
        .or_else(|| client.default_schema())
        .unwrap_or(DEFAULT_SCHEMA)
}

fn select(columns: &[&str], table: (&str, &str)) -> SqlWriter {
    let mut w = SqlWriter::new();
    w.push("SELECT ");
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.ident(c);
    }
    w.push(" FROM ").table(Some(table.0), table.1);
    w
}

fn where_table(w: &mut SqlWriter, schema: &str, table: &str) {
    w.push(" WHERE ").ident("table_schema").push(" = ");
    w.param(schema.into());
    w.push(" AND ").ident("table_name").push(" = ");
    w.param(table.into());
}

fn run<R: FromRow>(client: &Client, w: SqlWriter) -> Result<Vec<R>> {
    let (sql, args) = w.finish();
    decode_rows(client.sql(&sql, &args)?)
}

fn schemas_sql() -> SqlWriter {
    let mut w = select(&["schema_name"], ("information_schema", "schemata"));
    w.push(" ORDER BY ").ident("schema_name");
    w
}

/// Every schema's name, sorted.
pub fn schemas(client: &Client) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = run(client, schemas_sql())?;
    Ok(rows.into_iter().map(|(s,)| s).collect())
}

fn tables_sql(schema: &str) -> SqlWriter {
    let mut w = select(
        &["table_schema", "table_name", "table_type"],
        ("information_schema", "tables"),
    );
    w.push(" WHERE ").ident("table_schema").push(" = ");
    w.param(schema.into());
    w.push(" ORDER BY ").ident("table_name");
    w
}

/// The tables and views of a schema, sorted by name.
pub fn tables(client: &Client, schema: Option<&str>) -> Result<Vec<TableInfo>> {
    let schema = resolve_schema(client, schema);
    let rows: Vec<(String, String, Option<String>)> = run(client, tables_sql(schema))?;
    Ok(rows
        .into_iter()
        .map(|(schema, name, table_type)| TableInfo {
            schema,
            name,
            table_type: table_type.unwrap_or_default(),
        })
        .collect())
}

fn table_exists_sql(schema: &str, table: &str) -> SqlWriter {
    let mut w = select(&["table_name"], ("information_schema", "tables"));
    where_table(&mut w, schema, table);
    w
}

/// Whether the table (or view) exists.
pub fn table_exists(client: &Client, schema: Option<&str>, table: &str) -> Result<bool> {
    let schema = resolve_schema(client, schema);
    let rows: Vec<(String,)> = run(client, table_exists_sql(schema, table))?;
    Ok(!rows.is_empty())
}

fn columns_sql(schema: &str, table: &str) -> SqlWriter {
    let mut w = select(
        &[
            "column_name",
            "data_type",
            "is_nullable",
            "ordinal_position",
            "column_default",
            "generation_expression",
        ],
        ("information_schema", "columns"),
    );
    where_table(&mut w, schema, table);
    w.push(" ORDER BY ")
        .ident("ordinal_position")
        .push(", ")
        .ident("column_name");
    w
}

type ColumnRow = (
    String,
    String,
    Value,
    Option<i64>,
    Option<String>,
    Option<String>,
);

fn column_info(row: ColumnRow) -> ColumnInfo {
    let (name, data_type, nullable, position, default, generated) = row;
    // A BOOLEAN on CrateDB; the SQL standard's 'YES'/'NO' is accepted too.
    let nullable = match &nullable {
        Value::Bool(b) => *b,
        Value::String(s) => s.eq_ignore_ascii_case("YES") || s.eq_ignore_ascii_case("true"),
        _ => true,
    };
    ColumnInfo {
        name,
        data_type,
        nullable,
        position,
        default,
        generated,
    }
}

/// A table's columns (including keys of object columns, see
/// [`ColumnInfo::is_object_key`]) in table order; empty when the table does not exist.
pub fn columns(client: &Client, schema: Option<&str>, table: &str) -> Result<Vec<ColumnInfo>> {
    let schema = resolve_schema(client, schema);
    let rows: Vec<ColumnRow> = run(client, columns_sql(schema, table))?;
    Ok(rows.into_iter().map(column_info).collect())
}

/// The columns of model `M`'s table as the server has them.
pub fn columns_of<M: CrateModel>(client: &Client) -> Result<Vec<ColumnInfo>> {
    let meta = M::meta();
    columns(client, meta.schema, meta.name)
}

fn primary_key_sql(schema: &str, table: &str) -> SqlWriter {
    let mut w = select(&["column_name"], ("information_schema", "key_column_usage"));
    where_table(&mut w, schema, table);
    w.push(" ORDER BY ").ident("ordinal_position");
    w
}

/// A table's primary key columns, in key order; empty when it has none (or does not
/// exist).
pub fn primary_key(client: &Client, schema: Option<&str>, table: &str) -> Result<Vec<String>> {
    let schema = resolve_schema(client, schema);
    let rows: Vec<(String,)> = run(client, primary_key_sql(schema, table))?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}

fn server_version_sql() -> SqlWriter {
    let mut w = SqlWriter::new();
    w.push("SELECT ")
        .subscripted("version", &["number"])
        .push(" FROM ")
        .table(Some("sys"), "nodes");
    w
}

fn lowest_version(response: SqlResponse) -> Result<Option<ServerVersion>> {
    let rows: Vec<(Option<String>,)> = decode_rows(response)?;
    Ok(rows
        .into_iter()
        .filter_map(|(v,)| v.as_deref().and_then(ServerVersion::parse))
        .min())
}

/// The lowest CrateDB version in the cluster (the one whose features every node has);
/// `None` when no node reports a readable version.
pub fn server_version(client: &Client) -> Result<Option<ServerVersion>> {
    let (sql, args) = server_version_sql().finish();
    lowest_version(client.sql(&sql, &args)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sql(w: SqlWriter) -> (String, Vec<Value>) {
        w.finish()
    }

    #[test]
    fn statements() {
        assert_eq!(
            sql(schemas_sql()).0,
            r#"SELECT "schema_name" FROM "information_schema"."schemata" ORDER BY "schema_name""#
        );
        assert_eq!(
            sql(tables_sql("doc")),
            (
                r#"SELECT "table_schema", "table_name", "table_type" FROM "information_schema"."tables" WHERE "table_schema" = $1 ORDER BY "table_name""#.into(),
                vec![json!("doc")]
            )
        );
        assert_eq!(
            sql(columns_sql("doc", "characters")),
            (
                r#"SELECT "column_name", "data_type", "is_nullable", "ordinal_position", "column_default", "generation_expression" FROM "information_schema"."columns" WHERE "table_schema" = $1 AND "table_name" = $2 ORDER BY "ordinal_position", "column_name""#.into(),
                vec![json!("doc"), json!("characters")]
            )
        );
        assert_eq!(
            sql(primary_key_sql("my schema", "weird \"t\"")),
            (
                r#"SELECT "column_name" FROM "information_schema"."key_column_usage" WHERE "table_schema" = $1 AND "table_name" = $2 ORDER BY "ordinal_position""#.into(),
                vec![json!("my schema"), json!("weird \"t\"")]
            )
        );
        assert_eq!(
            sql(table_exists_sql("doc", "t")).0,
            r#"SELECT "table_name" FROM "information_schema"."tables" WHERE "table_schema" = $1 AND "table_name" = $2"#
        );
        assert_eq!(
            sql(server_version_sql()).0,
            r#"SELECT "version"['number'] FROM "sys"."nodes""#
        );
    }

    #[test]
    fn columns_decode() {
        let rows: Vec<ColumnRow> = decode_rows(SqlResponse {
            cols: vec![],
            col_types: None,
            rows: vec![
                vec![
                    json!("id"),
                    json!("text"),
                    json!(false),
                    json!(1),
                    Value::Null,
                    Value::Null,
                ],
                vec![
                    json!("details['gender']"),
                    json!("text"),
                    json!(true),
                    Value::Null,
                    Value::Null,
                    Value::Null,
                ],
                vec![
                    json!("name_normalized"),
                    json!("text"),
                    json!("YES"),
                    json!(3),
                    Value::Null,
                    json!("lower(name)"),
                ],
            ],
            rowcount: 3,
            duration: 0.0,
        })
        .unwrap_or_default();
        let infos: Vec<ColumnInfo> = rows.into_iter().map(column_info).collect();
        assert_eq!(infos.len(), 3);
        assert!(!infos[0].nullable && !infos[0].is_object_key());
        assert!(infos[1].nullable && infos[1].is_object_key() && infos[1].position.is_none());
        assert_eq!(infos[2].generated.as_deref(), Some("lower(name)"));
        assert!(infos[2].nullable);
    }

    #[test]
    fn versions() {
        let v = ServerVersion::parse("5.10.3").map(|v| (v.major, v.minor, v.patch));
        assert_eq!(v, Some((5, 10, 3)));
        assert_eq!(
            ServerVersion::parse("6.0.0-SNAPSHOT").map(|v| v.major),
            Some(6)
        );
        assert!(ServerVersion::parse("x").is_none());
        let lowest = lowest_version(SqlResponse {
            cols: vec!["version['number']".into()],
            col_types: None,
            rows: vec![
                vec![json!("5.10.3")],
                vec![json!("5.9.12")],
                vec![Value::Null],
            ],
            rowcount: 3,
            duration: 0.0,
        })
        .ok()
        .flatten();
        assert_eq!(lowest.map(|v| v.text), Some("5.9.12".into()));
        assert!(ServerVersion::parse("5.10.0").is_some_and(|v| v.at_least(5, 9)));
    }
}
