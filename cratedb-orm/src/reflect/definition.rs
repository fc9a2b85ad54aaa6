//! [`TableDefinition`]: everything CrateDB can tell about a table's definition — columns and
//! object keys with type, NOT NULL, default, generation expression, index and storage; the
//! primary key, clustering, shards, partitioning, replicas, column policy, settings and
//! named fulltext indexes — read from `information_schema` and `SHOW CREATE TABLE`.
//!
//! What each source gives on CrateDB 6.4.3 (checked on the server):
//! - `information_schema.columns`: one row per column and per object key (`o['a']`, with
//!   `column_details['name']` and `['path']`); `is_nullable` 'YES'/'NO'; `column_default`
//!   and `generation_expression` as CrateDB normalises them (`((id * 2) + 1)` for
//!   `id*2 + 1`, `'ab'` for `concat('a', 'b')`, unquoted identifiers); `data_type` without
//!   the scale of a NUMERIC (the dimension of a FLOAT_VECTOR is in
//!   `character_maximum_length`).
//! - `information_schema.tables`: shards, replicas (text, `'0-1'`), `clustered_by` (`_id`
//!   when not declared), `partitioned_by`, `column_policy` and a `settings` object
//!   (`refresh_interval` in ms, `blocks`, `translog`, …).
//! - `SHOW CREATE TABLE` only: exact types (`NUMERIC(12, 2)`, `OBJECT(STRICT)`), column
//!   indexes (`INDEX OFF`, `INDEX USING FULLTEXT WITH (analyzer = …)`; a fulltext index
//!   without an analyzer shows `'standard'`), `STORAGE WITH (columnstore = false)` and the
//!   named fulltext indexes.

use cratedb_client::Client;
use serde_json::Value;

use super::{primary_key, resolve_schema, run, select, show_create, where_table, ColumnPath};
use crate::raw::decode_rows;
use crate::sql::SqlWriter;
use crate::{CrateModel, Result};

/// How a column is indexed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ColumnIndex {
    /// The default index (`INDEX USING PLAIN`, not written by `SHOW CREATE TABLE`).
    Plain,
    /// `INDEX OFF`.
    Off,
    /// `INDEX USING FULLTEXT WITH (analyzer = …)` (`standard` when none was given).
    Fulltext {
        /// The analyzer.
        analyzer: String,
    },
    /// Another index method, e.g. `GEOHASH` for a `GEO_SHAPE` column.
    Using(String),
}

/// A named fulltext index: `INDEX "ft" USING FULLTEXT ("a", "b") WITH (analyzer = …)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDefinition {
    /// The index name.
    pub name: String,
    /// The indexed columns.
    pub columns: Vec<String>,
    /// The analyzer (`standard` when none was given).
    pub analyzer: String,
}

/// A column or object key of a table, as CrateDB has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDefinition {
    /// The column, or the key path below an object column.
    pub path: ColumnPath,
    /// The type as `information_schema` names it (`text`, `bigint`, `text_array`, …).
    pub data_type: String,
    /// The type as `CREATE TABLE` writes it (`NUMERIC(12, 2)`, `ARRAY(OBJECT(STRICT))`),
    /// the `AS (…)` key lists of objects left out; `None` when `SHOW CREATE TABLE` did not
    /// list the column.
    pub type_text: Option<String>,
    /// Whether the column accepts NULL (`false` for NOT NULL and primary-key columns).
    pub nullable: bool,
    /// The default expression, as CrateDB normalises it (`now()`, `'it''s'`, `42`).
    pub default: Option<String>,
    /// The generation expression, as CrateDB normalises it (`date_trunc('day', ts)`).
    pub generated: Option<String>,
    /// The column's index.
    pub index: ColumnIndex,
    /// `false` for `STORAGE WITH (columnstore = false)`.
    pub columnstore: bool,
    /// The position in the table (1-based).
    pub position: Option<i64>,
}

/// A table's definition, as CrateDB has it.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDefinition {
    /// The schema.
    pub schema: String,
    /// The table name.
    pub name: String,
    /// `BASE TABLE` or `VIEW`.
    pub table_type: String,
    /// Every column and object key, in table order (keys after their column).
    pub columns: Vec<ColumnDefinition>,
    /// The primary-key columns, in key order.
    pub primary_key: Vec<String>,
    /// The `CLUSTERED BY` column; `None` when rows are routed by `_id` (the default).
    pub clustered_by: Option<String>,
    /// The number of shards (per partition on a partitioned table).
    pub number_of_shards: Option<u32>,
    /// The `PARTITIONED BY` columns.
    pub partitioned_by: Vec<String>,
    /// `number_of_replicas` (`'0-1'`, `'1'`).
    pub number_of_replicas: Option<String>,
    /// `column_policy` (`strict` or `dynamic`).
    pub column_policy: Option<String>,
    /// The `settings` object of `information_schema.tables` (`refresh_interval`, `blocks`,
    /// `translog`, `codec`, …).
    pub settings: Value,
    /// The named fulltext indexes.
    pub fulltext_indexes: Vec<IndexDefinition>,
}

impl TableDefinition {
    /// The column or key at `path`.
    pub fn column(&self, path: &ColumnPath) -> Option<&ColumnDefinition> {
        self.columns.iter().find(|c| c.path == *path)
    }

    /// The top-level column named `name`.
    pub fn top_column(&self, name: &str) -> Option<&ColumnDefinition> {
        self.columns
            .iter()
            .find(|c| c.path.is_top() && c.path.root == name)
    }

    /// A setting by its dotted name (`refresh_interval`, `blocks.read_only`):
    /// `number_of_replicas` and `column_policy` from their columns, the others from the
    /// `settings` object. `None` when CrateDB does not report it.
    pub fn setting(&self, name: &str) -> Option<Value> {
        match name {
            "number_of_replicas" => self.number_of_replicas.clone().map(Value::String),
            "column_policy" => self.column_policy.clone().map(Value::String),
            "number_of_shards" => self.number_of_shards.map(Value::from),
            _ => {
                let mut value = &self.settings;
                for part in name.split('.') {
                    value = value.get(part)?;
                }
                Some(value.clone())
            }
        }
    }

    /// Whether this is a view rather than a table.
    pub fn is_view(&self) -> bool {
        self.table_type.eq_ignore_ascii_case("VIEW")
    }
}

fn table_sql(schema: &str, table: &str) -> SqlWriter {
    let mut w = select(
        &[
            "table_type",
            "number_of_shards",
            "number_of_replicas",
            "clustered_by",
            "partitioned_by",
            "column_policy",
            "settings",
        ],
        ("information_schema", "tables"),
    );
    where_table(&mut w, schema, table);
    w
}

fn columns_sql(schema: &str, table: &str) -> SqlWriter {
    let mut w = SqlWriter::new();
    w.push("SELECT ")
        .subscripted("column_details", &["name"])
        .push(", ")
        .subscripted("column_details", &["path"]);
    for c in [
        "data_type",
        "is_nullable",
        "column_default",
        "generation_expression",
        "ordinal_position",
    ] {
        w.push(", ").ident(c);
    }
    w.push(" FROM ")
        .table(Some("information_schema"), "columns");
    where_table(&mut w, schema, table);
    w.push(" ORDER BY ").ident("ordinal_position");
    w
}

fn show_create_sql(schema: &str, table: &str) -> SqlWriter {
    let mut w = SqlWriter::new();
    w.push("SHOW CREATE TABLE ").table(Some(schema), table);
    w
}

type TableRow = (
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<Vec<String>>,
    Option<String>,
    Value,
);

type ColumnRow = (
    String,
    Option<Vec<String>>,
    String,
    Value,
    Option<String>,
    Option<String>,
    Option<i64>,
);

fn nullable(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::String(s) => s.eq_ignore_ascii_case("YES") || s.eq_ignore_ascii_case("true"),
        _ => true,
    }
}

/// The definition of table `table` in `schema` (`None`: the client's default schema);
/// `None` when there is no such table. Three statements: `information_schema.tables`,
/// `information_schema.columns` and `SHOW CREATE TABLE` (not for views), and the primary
/// key from `information_schema.key_column_usage`.
pub fn table_definition(
    client: &Client,
    schema: Option<&str>,
    table: &str,
) -> Result<Option<TableDefinition>> {
    let schema = resolve_schema(client, schema);
    let rows: Vec<TableRow> = run(client, table_sql(schema, table))?;
    let Some((table_type, shards, replicas, clustered_by, partitioned_by, policy, settings)) =
        rows.into_iter().next()
    else {
        return Ok(None);
    };
    let table_type = table_type.unwrap_or_default();
    let column_rows: Vec<ColumnRow> = run(client, columns_sql(schema, table))?;
    let shown = if table_type.eq_ignore_ascii_case("VIEW") {
        show_create::ShownTable::default()
    } else {
        let (sql, args) = show_create_sql(schema, table).finish();
        let texts: Vec<(String,)> = decode_rows(client.sql(&sql, &args)?)?;
        texts
            .first()
            .map(|(text,)| show_create::parse(text))
            .unwrap_or_default()
    };
    let columns = column_rows
        .into_iter()
        .map(
            |(root, path, data_type, is_nullable, default, generated, position)| {
                let path = ColumnPath::new(root, path.unwrap_or_default());
                let shown = shown.columns.iter().find(|c| c.path == path);
                ColumnDefinition {
                    type_text: shown.map(|c| c.type_text.clone()),
                    index: shown.map_or(ColumnIndex::Plain, |c| c.index.clone()),
                    columnstore: shown.is_none_or(|c| c.columnstore),
                    path,
                    data_type,
                    nullable: nullable(&is_nullable),
                    default,
                    generated,
                    position,
                }
            },
        )
        .collect();
    Ok(Some(TableDefinition {
        schema: schema.to_owned(),
        name: table.to_owned(),
        table_type,
        columns,
        primary_key: primary_key(client, Some(schema), table)?,
        clustered_by: clustered_by.filter(|c| c != "_id"),
        number_of_shards: shards.and_then(|n| u32::try_from(n).ok()),
        partitioned_by: partitioned_by.unwrap_or_default(),
        number_of_replicas: replicas,
        column_policy: policy,
        settings,
        fulltext_indexes: shown.indexes,
    }))
}

/// The definition of model `M`'s table as the server has it (see [`table_definition`]).
pub fn definition_of<M: CrateModel>(client: &Client) -> Result<Option<TableDefinition>> {
    let meta = M::meta();
    table_definition(client, meta.schema, meta.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statements() {
        assert_eq!(
            columns_sql("s", "t").finish().0,
            r#"SELECT "column_details"['name'], "column_details"['path'], "data_type", "is_nullable", "column_default", "generation_expression", "ordinal_position" FROM "information_schema"."columns" WHERE "table_schema" = $1 AND "table_name" = $2 ORDER BY "ordinal_position""#
        );
        assert_eq!(
            table_sql("s", "t").finish().0,
            r#"SELECT "table_type", "number_of_shards", "number_of_replicas", "clustered_by", "partitioned_by", "column_policy", "settings" FROM "information_schema"."tables" WHERE "table_schema" = $1 AND "table_name" = $2"#
        );
        assert_eq!(
            show_create_sql("s", "t\"").finish().0,
            r#"SHOW CREATE TABLE "s"."t""""#
        );
    }

    #[test]
    fn settings_by_dotted_name() {
        let t = TableDefinition {
            schema: "s".into(),
            name: "t".into(),
            table_type: "BASE TABLE".into(),
            columns: vec![],
            primary_key: vec![],
            clustered_by: None,
            number_of_shards: Some(4),
            partitioned_by: vec![],
            number_of_replicas: Some("0-1".into()),
            column_policy: Some("strict".into()),
            settings: json!({"refresh_interval": 1000, "blocks": {"read_only": false}}),
            fulltext_indexes: vec![],
        };
        assert_eq!(t.setting("refresh_interval"), Some(json!(1000)));
        assert_eq!(t.setting("blocks.read_only"), Some(json!(false)));
        assert_eq!(t.setting("number_of_replicas"), Some(json!("0-1")));
        assert_eq!(t.setting("blocks.nothing"), None);
        assert!(nullable(&json!("YES")) && !nullable(&json!("NO")) && !nullable(&json!(false)));
    }
}
