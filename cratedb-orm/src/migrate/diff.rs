//! [`TableDiff`]: a model against its table on the server — what is missing, extra or
//! different — read through [`reflect::table_definition`](crate::reflect::table_definition).
//!
//! Compared: columns and the keys an `object(columns(…))` declares (missing, extra, renamed
//! by `renamed_from`), their type (objects by policy; the keys of an object one by one),
//! NOT NULL, `DEFAULT` and `GENERATED ALWAYS AS` (normalised by the server, see
//! `normalize.rs`), `INDEX OFF` / fulltext / `columnstore`, the named fulltext indexes, the
//! primary key, `CLUSTERED BY`, the shard count (when the model sets it), `PARTITIONED BY`,
//! and every table setting the model declares (`number_of_replicas`, `refresh_interval`,
//! `column_policy`, any `with(…)` key). Settings the model does not declare are left as the
//! table has them; keys of an object the model does not declare (a dynamic object's keys)
//! are not extra.

use std::fmt;

use cratedb_client::Client;
use serde_json::Value;

use super::normalize;
use crate::ddl::{alter, TableName};
use crate::model::{ColumnMeta, TableMeta, TableSetting};
use crate::reflect::{
    resolve_schema, table_definition, ColumnIndex, ColumnPath, IndexDefinition, TableDefinition,
};
use crate::types::ObjectPolicy;
use crate::{CrateModel, Error, Result, SqlType};

/// One difference between a model and its table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// The table does not exist.
    TableMissing,
    /// A column (or a key the model declares on an object column) the table does not have.
    ColumnMissing {
        /// The column or key.
        column: ColumnPath,
    },
    /// A top-level column the table has and the model does not.
    ColumnExtra {
        /// The column.
        column: ColumnPath,
        /// Its type, as `information_schema` names it.
        data_type: String,
    },
    /// A column the model declares `renamed_from = "from"` that the table still has under
    /// its former name.
    ColumnRenamed {
        /// The name in the table.
        from: String,
        /// The model's name.
        to: String,
    },
    /// The table has both the former and the new name of a renamed column.
    RenameConflict {
        /// The former name.
        from: String,
        /// The model's name.
        to: String,
    },
    /// Another type.
    Type {
        /// The column or key.
        column: ColumnPath,
        /// The model's type (`BIGINT`, `OBJECT(STRICT)`).
        model: String,
        /// The table's type.
        database: String,
    },
    /// NOT NULL on one side only.
    Nullability {
        /// The column.
        column: ColumnPath,
        /// Whether the model's column accepts NULL.
        model_nullable: bool,
    },
    /// Another `DEFAULT` (or one on one side only).
    Default {
        /// The column.
        column: ColumnPath,
        /// The model's expression.
        model: Option<String>,
        /// The table's expression, as CrateDB normalises it.
        database: Option<String>,
    },
    /// Another `GENERATED ALWAYS AS` expression (or one on one side only).
    Generated {
        /// The column.
        column: ColumnPath,
        /// The model's expression.
        model: Option<String>,
        /// The table's expression, as CrateDB normalises it.
        database: Option<String>,
    },
    /// Another column index (`INDEX OFF`, fulltext, analyzer).
    Index {
        /// The column.
        column: ColumnPath,
        /// The model's index.
        model: ColumnIndex,
        /// The table's index.
        database: ColumnIndex,
    },
    /// `STORAGE WITH (columnstore = false)` on one side only.
    Columnstore {
        /// The column.
        column: ColumnPath,
        /// The model's setting.
        model: bool,
    },
    /// A named fulltext index the table does not have.
    FulltextIndexMissing {
        /// The model's index.
        index: IndexDefinition,
    },
    /// A named fulltext index the model does not declare.
    FulltextIndexExtra {
        /// The table's index.
        index: IndexDefinition,
    },
    /// A named fulltext index over other columns or with another analyzer.
    FulltextIndexDiffers {
        /// The model's index.
        model: IndexDefinition,
        /// The table's index.
        database: IndexDefinition,
    },
    /// Another primary key.
    PrimaryKey {
        /// The model's key columns.
        model: Vec<String>,
        /// The table's key columns.
        database: Vec<String>,
    },
    /// Another `CLUSTERED BY` column.
    ClusteredBy {
        /// The model's routing column (`None`: the default).
        model: Option<String>,
        /// The table's (`None`: `_id`).
        database: Option<String>,
    },
    /// Another number of shards.
    Shards {
        /// The model's.
        model: u32,
        /// The table's.
        database: Option<u32>,
    },
    /// Another `PARTITIONED BY`.
    PartitionedBy {
        /// The model's partition columns.
        model: Vec<String>,
        /// The table's.
        database: Vec<String>,
    },
    /// A table setting the model declares with another value.
    Setting {
        /// The setting (`number_of_replicas`, `refresh_interval`, `column_policy`, …).
        name: String,
        /// The model's value, as SQL (`'0-1'`, `1000`).
        model: String,
        /// The table's value, as CrateDB reports it.
        database: Option<String>,
    },
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

fn opt(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("none")
}

impl fmt::Display for ColumnIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnIndex::Plain => f.write_str("plain index"),
            ColumnIndex::Off => f.write_str("INDEX OFF"),
            ColumnIndex::Fulltext { analyzer } => write!(f, "fulltext ({analyzer})"),
            ColumnIndex::Using(method) => write!(f, "INDEX USING {method}"),
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::TableMissing => f.write_str("the table does not exist"),
            Change::ColumnMissing { column } => write!(f, "column {column}: not in the table"),
            Change::ColumnExtra { column, data_type } => {
                write!(f, "column {column} ({data_type}): not in the model")
            }
            Change::ColumnRenamed { from, to } => {
                write!(f, "column {to}: still named {from} in the table")
            }
            Change::RenameConflict { from, to } => write!(
                f,
                "column {to}: the table has both {from} (its former name) and {to}"
            ),
            Change::Type {
                column,
                model,
                database,
            } => write!(
                f,
                "column {column}: type {database} in the table, {model} in the model"
            ),
            Change::Nullability {
                column,
                model_nullable,
            } => {
                let (model, database) = if *model_nullable {
                    ("nullable", "NOT NULL")
                } else {
                    ("NOT NULL", "nullable")
                };
                write!(
                    f,
                    "column {column}: {database} in the table, {model} in the model"
                )
            }
            Change::Default {
                column,
                model,
                database,
            } => write!(
                f,
                "column {column}: DEFAULT {} in the table, {} in the model",
                opt(database),
                opt(model)
            ),
            Change::Generated {
                column,
                model,
                database,
            } => write!(
                f,
                "column {column}: GENERATED ALWAYS AS {} in the table, {} in the model",
                opt(database),
                opt(model)
            ),
            Change::Index {
                column,
                model,
                database,
            } => write!(
                f,
                "column {column}: {database} in the table, {model} in the model"
            ),
            Change::Columnstore { column, model } => write!(
                f,
                "column {column}: columnstore = {} in the table, {model} in the model",
                !model
            ),
            Change::FulltextIndexMissing { index } => {
                write!(f, "fulltext index {}: not in the table", index.name)
            }
            Change::FulltextIndexExtra { index } => {
                write!(f, "fulltext index {}: not in the model", index.name)
            }
            Change::FulltextIndexDiffers { model, database } => write!(
                f,
                "fulltext index {}: ({}) with {} in the table, ({}) with {} in the model",
                model.name,
                database.columns.join(", "),
                database.analyzer,
                model.columns.join(", "),
                model.analyzer
            ),
            Change::PrimaryKey { model, database } => write!(
                f,
                "primary key: ({}) in the table, ({}) in the model",
                list(database),
                list(model)
            ),
            Change::ClusteredBy { model, database } => write!(
                f,
                "CLUSTERED BY: {} in the table, {} in the model",
                database.as_deref().unwrap_or("_id"),
                model.as_deref().unwrap_or("the default")
            ),
            Change::Shards { model, database } => write!(
                f,
                "shards: {} in the table, {model} in the model",
                database.map_or_else(|| "unknown".to_owned(), |n| n.to_string())
            ),
            Change::PartitionedBy { model, database } => write!(
                f,
                "PARTITIONED BY: ({}) in the table, ({}) in the model",
                list(database),
                list(model)
            ),
            Change::Setting {
                name,
                model,
                database,
            } => write!(
                f,
                "setting {name}: {} in the table, {model} in the model",
                opt(database)
            ),
        }
    }
}

/// A model compared with its table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDiff {
    /// The model's table, with its schema resolved (the model's, else the client's default
    /// schema, else `doc`).
    pub table: TableName,
    /// The model's metadata.
    pub meta: TableMeta,
    /// The table as the server has it; `None` when it does not exist.
    pub definition: Option<TableDefinition>,
    /// The table's rows (after a `REFRESH TABLE`); `None` when it does not exist.
    pub rows: Option<i64>,
    /// The differences, in model order: table, renames, columns, keys, indexes, settings.
    pub changes: Vec<Change>,
}

impl TableDiff {
    /// Whether the table matches the model.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The name the table has for model column `column` (its former name while a declared
    /// rename is pending), if the table has it.
    pub fn table_column_for(&self, column: &ColumnMeta) -> Option<&str> {
        let definition = self.definition.as_ref()?;
        if let Some(c) = definition.top_column(column.name) {
            return Some(&c.path.root);
        }
        let old = column.renamed_from?;
        definition.top_column(old).map(|c| c.path.root.as_str())
    }
}

impl fmt::Display for TableDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (model {})", self.table, self.meta.model)?;
        if self.changes.is_empty() {
            return f.write_str(": matches the model");
        }
        f.write_str(":")?;
        for change in &self.changes {
            write!(f, "\n  - {change}")?;
        }
        Ok(())
    }
}

/// Compares model `M` with its table on the server (see [`diff_table`]).
pub fn diff<M: CrateModel>(client: &Client) -> Result<TableDiff> {
    diff_table(client, M::meta())
}

/// Compares `meta` with its table on the server: reads the table's definition
/// ([`table_definition`]), refreshes and counts its rows, and asks the server to normalise
/// the model's default and generated expressions that differ in text from the table's
/// (`EXPLAIN`). Changes nothing but the refresh.
pub fn diff_table(client: &Client, meta: &TableMeta) -> Result<TableDiff> {
    let schema = resolve_schema(client, meta.schema).to_owned();
    let table = TableName::new(Some(&schema), meta.name);
    let definition = table_definition(client, Some(&schema), meta.name)?;
    if definition.as_ref().is_some_and(TableDefinition::is_view) {
        return Err(Error::InvalidQuery {
            message: format!(
                "{table} is a view, not a table: model {} cannot be migrated",
                meta.model
            ),
        });
    }
    let rows = match &definition {
        Some(_) => Some(count_rows(client, &table)?),
        None => None,
    };
    let mut normalize = |expr: &str| normalize::normalize(client, &table, expr);
    let changes = compare(meta, definition.as_ref(), &mut normalize);
    Ok(TableDiff {
        table,
        meta: meta.clone(),
        definition,
        rows,
        changes,
    })
}

/// `REFRESH TABLE t`, then `SELECT count(*) FROM t`.
pub(crate) fn count_rows(client: &Client, table: &TableName) -> Result<i64> {
    client.sql(&alter::refresh_table(table), &[] as &[Value])?;
    let response = client.sql(&alter::count_rows(table), &[] as &[Value])?;
    let rows: Vec<(i64,)> = crate::raw::decode_rows(response)?;
    Ok(rows.first().map_or(0, |(n,)| *n))
}

/// The type as `SHOW CREATE TABLE` writes it, with objects' key lists left out and an
/// object without a policy written `OBJECT(DYNAMIC)` (CrateDB's default).
pub(crate) fn type_text(sql_type: &SqlType) -> String {
    fn shape(t: &SqlType) -> SqlType {
        match t {
            SqlType::Object { policy, .. } => SqlType::Object {
                policy: Some(policy.unwrap_or(ObjectPolicy::Dynamic)),
                columns: Vec::new(),
            },
            SqlType::Array(inner) => SqlType::Array(Box::new(shape(inner))),
            other => other.clone(),
        }
    }
    shape(sql_type).to_string()
}

/// The keys an object type (or an array of objects) declares.
fn declared_keys(sql_type: &SqlType) -> &[(String, SqlType)] {
    match sql_type {
        SqlType::Object { columns, .. } => columns,
        SqlType::Array(inner) => declared_keys(inner),
        _ => &[],
    }
}

/// The index a model column asks for.
pub(crate) fn model_index(column: &ColumnMeta) -> ColumnIndex {
    if !column.index {
        ColumnIndex::Off
    } else if let Some(analyzer) = column.fulltext {
        ColumnIndex::Fulltext {
            analyzer: analyzer.unwrap_or("standard").to_owned(),
        }
    } else {
        ColumnIndex::Plain
    }
}

fn same_index(model: &ColumnIndex, database: &ColumnIndex) -> bool {
    match (model, database) {
        // The model cannot name an index method (GEO_SHAPE's GEOHASH …): the default one.
        (ColumnIndex::Plain, ColumnIndex::Using(_)) => true,
        (a, b) => a == b,
    }
}

/// A model setting's value as SQL text (`'0-1'`, `1000`).
fn setting_sql(value: &TableSetting) -> String {
    match value {
        TableSetting::Text(s) => format!("'{}'", s.replace('\'', "''")),
        TableSetting::Int(n) => n.to_string(),
        TableSetting::Float(x) => x.to_string(),
        TableSetting::Bool(b) => b.to_string(),
    }
}

/// A duration written as text (`500ms`, `1s`, `2m`, `1h`) in milliseconds.
fn duration_ms(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "ms" => 1.0,
        "s" => 1_000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        _ => return None,
    };
    Some(number * factor)
}

/// Whether the table's value of a setting is the model's; `None` when it cannot tell.
fn setting_matches(model: &TableSetting, database: &Value) -> Option<bool> {
    match (model, database) {
        (TableSetting::Text(a), Value::String(b)) => Some(a.eq_ignore_ascii_case(b)),
        (TableSetting::Text(a), Value::Number(n)) => {
            let b = n.as_f64()?;
            let a = a.trim().parse::<f64>().ok().or_else(|| duration_ms(a))?;
            Some((a - b).abs() < 1e-9)
        }
        (TableSetting::Int(a), Value::Number(n)) => Some(n.as_f64() == Some(*a as f64)),
        (TableSetting::Int(a), Value::String(s)) => Some(s.trim() == a.to_string()),
        (TableSetting::Float(a), Value::Number(n)) => {
            Some(n.as_f64().is_some_and(|b| (a - b).abs() < 1e-9))
        }
        (TableSetting::Bool(a), Value::Bool(b)) => Some(a == b),
        (TableSetting::Bool(a), Value::String(s)) => Some(s.eq_ignore_ascii_case(&a.to_string())),
        _ => None,
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Compares `meta` with `definition` (`None`: no table). `normalize` gives an expression as
/// the server prints it (see `normalize.rs`), `None` when it cannot.
pub(crate) fn compare(
    meta: &TableMeta,
    definition: Option<&TableDefinition>,
    normalize: &mut dyn FnMut(&str) -> Option<String>,
) -> Vec<Change> {
    let Some(table) = definition else {
        return vec![Change::TableMissing];
    };
    let mut changes = Vec::new();
    let columns: Vec<&ColumnMeta> = meta.columns.iter().filter(|c| !c.is_system()).collect();
    // The table's name for each model column, after renames.
    let mut renames: Vec<(String, String)> = Vec::new();
    for column in &columns {
        let Some(old) = column.renamed_from else {
            continue;
        };
        match (table.top_column(column.name), table.top_column(old)) {
            (Some(_), Some(_)) => changes.push(Change::RenameConflict {
                from: old.to_owned(),
                to: column.name.to_owned(),
            }),
            (None, Some(_)) => {
                renames.push((old.to_owned(), column.name.to_owned()));
                changes.push(Change::ColumnRenamed {
                    from: old.to_owned(),
                    to: column.name.to_owned(),
                });
            }
            _ => {}
        }
    }
    let current = |name: &str| -> String {
        renames
            .iter()
            .find(|(old, _)| old == name)
            .map_or_else(|| name.to_owned(), |(_, new)| new.clone())
    };
    let table_name_of = |column: &ColumnMeta| -> Option<String> {
        if table.top_column(column.name).is_some() {
            Some(column.name.to_owned())
        } else {
            renames
                .iter()
                .find(|(_, new)| new == column.name)
                .map(|(old, _)| old.clone())
        }
    };

    let mut same_expr = |model: Option<&str>, database: Option<&str>| -> bool {
        match (model, database) {
            (None, None) => true,
            (Some(m), Some(d)) => {
                normalize::same_text(m, d)
                    || normalize(m).is_some_and(|n| normalize::same_text(&n, d))
            }
            _ => false,
        }
    };

    for column in &columns {
        let Some(in_table) = table_name_of(column) else {
            changes.push(Change::ColumnMissing {
                column: ColumnPath::top(column.name),
            });
            continue;
        };
        let path = ColumnPath::top(column.name);
        let Some(live) = table.top_column(&in_table) else {
            continue;
        };
        let model_type = type_text(&column.sql_type);
        if let Some(database) = &live.type_text {
            if *database != model_type {
                changes.push(Change::Type {
                    column: path.clone(),
                    model: model_type,
                    database: database.clone(),
                });
            }
        }
        if live.nullable != column.nullable {
            changes.push(Change::Nullability {
                column: path.clone(),
                model_nullable: column.nullable,
            });
        }
        let model_default = column.generated.map_or(column.server_default, |_| None);
        if !same_expr(model_default, live.default.as_deref()) {
            changes.push(Change::Default {
                column: path.clone(),
                model: model_default.map(str::to_owned),
                database: live.default.clone(),
            });
        }
        if !same_expr(column.generated, live.generated.as_deref()) {
            changes.push(Change::Generated {
                column: path.clone(),
                model: column.generated.map(str::to_owned),
                database: live.generated.clone(),
            });
        }
        let index = model_index(column);
        if !same_index(&index, &live.index) {
            changes.push(Change::Index {
                column: path.clone(),
                model: index,
                database: live.index.clone(),
            });
        }
        if live.columnstore != column.columnstore {
            changes.push(Change::Columnstore {
                column: path.clone(),
                model: column.columnstore,
            });
        }
        compare_keys(
            &ColumnPath::top(in_table.as_str()),
            &path,
            &column.sql_type,
            table,
            &mut changes,
        );
    }

    // Top-level columns of the table that no model column maps to.
    for live in table.columns.iter().filter(|c| c.path.is_top()) {
        let name = current(&live.path.root);
        if !columns.iter().any(|c| c.name == name) {
            changes.push(Change::ColumnExtra {
                column: live.path.clone(),
                data_type: live.data_type.clone(),
            });
        }
    }

    // Named fulltext indexes.
    for index in &meta.fulltext_indexes {
        let model = IndexDefinition {
            name: index.name.to_owned(),
            columns: index.columns.iter().map(|c| (*c).to_owned()).collect(),
            analyzer: index.analyzer.unwrap_or("standard").to_owned(),
        };
        match table.fulltext_indexes.iter().find(|i| i.name == index.name) {
            None => changes.push(Change::FulltextIndexMissing { index: model }),
            Some(live) => {
                let live_columns: Vec<String> = live.columns.iter().map(|c| current(c)).collect();
                if live_columns != model.columns || live.analyzer != model.analyzer {
                    changes.push(Change::FulltextIndexDiffers {
                        model,
                        database: live.clone(),
                    });
                }
            }
        }
    }
    for live in &table.fulltext_indexes {
        if !meta.fulltext_indexes.iter().any(|i| i.name == live.name) {
            changes.push(Change::FulltextIndexExtra {
                index: live.clone(),
            });
        }
    }

    // Keys, routing, partitioning.
    let model_key: Vec<String> = meta
        .primary_key
        .iter()
        .filter_map(|&i| meta.columns.get(i))
        .filter(|c| !c.is_system())
        .map(|c| c.name.to_owned())
        .collect();
    let table_key: Vec<String> = table.primary_key.iter().map(|c| current(c)).collect();
    if model_key != table_key {
        changes.push(Change::PrimaryKey {
            model: model_key.clone(),
            database: table.primary_key.clone(),
        });
    }
    let table_routing = table.clustered_by.as_deref().map(current);
    let routing_matches = match (meta.clustered_by, table_routing.as_deref()) {
        (Some(m), Some(d)) => m == d,
        (Some(_), None) => false,
        // Without CLUSTERED BY, CrateDB routes by `_id`, which it reports as the key column
        // when the key is one column.
        (None, None) => true,
        (None, Some(d)) => model_key.len() == 1 && model_key.first().is_some_and(|k| k == d),
    };
    if !routing_matches {
        changes.push(Change::ClusteredBy {
            model: meta.clustered_by.map(str::to_owned),
            database: table.clustered_by.clone(),
        });
    }
    if let Some(shards) = meta.number_of_shards {
        if table.number_of_shards != Some(shards) {
            changes.push(Change::Shards {
                model: shards,
                database: table.number_of_shards,
            });
        }
    }
    let model_partitions: Vec<String> = meta
        .partitioned_by
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
    let table_partitions: Vec<String> = table.partitioned_by.iter().map(|c| current(c)).collect();
    if model_partitions != table_partitions {
        changes.push(Change::PartitionedBy {
            model: model_partitions,
            database: table.partitioned_by.clone(),
        });
    }

    // Settings the model declares.
    for (name, value) in &meta.with {
        let live = table.setting(name);
        let matches = live.as_ref().and_then(|v| setting_matches(value, v));
        if matches == Some(false) {
            changes.push(Change::Setting {
                name: (*name).to_owned(),
                model: setting_sql(value),
                database: live.as_ref().map(value_text),
            });
        }
    }
    changes
}

/// The keys an object column declares, against the table's keys of that column
/// (`in_table` is the column's name in the table, `path` in the model).
fn compare_keys(
    in_table: &ColumnPath,
    path: &ColumnPath,
    sql_type: &SqlType,
    table: &TableDefinition,
    changes: &mut Vec<Change>,
) {
    for (key, key_type) in declared_keys(sql_type) {
        let live_path = in_table.child(key.as_str());
        let model_path = path.child(key.as_str());
        let Some(live) = table.column(&live_path) else {
            changes.push(Change::ColumnMissing { column: model_path });
            continue;
        };
        let model_type = type_text(key_type);
        if let Some(database) = &live.type_text {
            if *database != model_type {
                changes.push(Change::Type {
                    column: model_path.clone(),
                    model: model_type,
                    database: database.clone(),
                });
            }
        }
        compare_keys(&live_path, &model_path, key_type, table, changes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reflect::ColumnDefinition;
    use serde_json::json;

    fn live(path: ColumnPath, type_text: &str, nullable: bool) -> ColumnDefinition {
        ColumnDefinition {
            path,
            data_type: type_text.to_lowercase(),
            type_text: Some(type_text.to_owned()),
            nullable,
            default: None,
            generated: None,
            index: ColumnIndex::Plain,
            columnstore: true,
            position: None,
        }
    }

    fn table(columns: Vec<ColumnDefinition>) -> TableDefinition {
        TableDefinition {
            schema: "s".into(),
            name: "devices".into(),
            table_type: "BASE TABLE".into(),
            columns,
            primary_key: vec!["id".into()],
            clustered_by: Some("id".into()),
            number_of_shards: Some(4),
            partitioned_by: vec![],
            number_of_replicas: Some("0-1".into()),
            column_policy: Some("strict".into()),
            settings: json!({"refresh_interval": 1000}),
            fulltext_indexes: vec![],
        }
    }

    fn model(columns: Vec<ColumnMeta>) -> TableMeta {
        let mut meta = TableMeta::new("Device", "devices");
        meta.columns = columns;
        meta.primary_key = vec![0];
        meta
    }

    fn no_server(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn missing_table() {
        let meta = model(vec![]);
        assert_eq!(
            compare(&meta, None, &mut no_server),
            vec![Change::TableMissing]
        );
    }

    #[test]
    fn columns_keys_renames_and_extras() {
        let strict = SqlType::Object {
            policy: Some(ObjectPolicy::Strict),
            columns: vec![
                ("firmware".into(), SqlType::Text),
                ("slot".into(), SqlType::Integer),
            ],
        };
        let mut meta = model(vec![
            ColumnMeta::new("id", "id", SqlType::Bigint, false).primary_key(),
            ColumnMeta::new("battery_pct", "b", SqlType::Double, true).renamed_from("battery"),
            ColumnMeta::new("details", "details", strict, true),
            ColumnMeta::new("name", "name", SqlType::Text, false),
            ColumnMeta::new("_id", "_id", SqlType::Text, true),
        ]);
        meta.with = vec![
            ("number_of_replicas", TableSetting::Text("0-1")),
            ("refresh_interval", TableSetting::Text("2s")),
            ("column_policy", TableSetting::Text("strict")),
        ];
        let t = table(vec![
            live(ColumnPath::top("id"), "INTEGER", false),
            live(ColumnPath::top("battery"), "DOUBLE PRECISION", true),
            live(ColumnPath::top("details"), "OBJECT(DYNAMIC)", true),
            live(ColumnPath::new("details", ["firmware"]), "TEXT", true),
            live(ColumnPath::new("details", ["other"]), "TEXT", true),
            live(ColumnPath::top("name"), "TEXT", true),
            live(ColumnPath::top("legacy"), "TEXT", true),
        ]);
        let changes = compare(&meta, Some(&t), &mut no_server);
        let text: Vec<String> = changes.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "column battery_pct: still named battery in the table",
                "column id: type INTEGER in the table, BIGINT in the model",
                "column details: type OBJECT(DYNAMIC) in the table, OBJECT(STRICT) in the model",
                "column details['slot']: not in the table",
                "column name: nullable in the table, NOT NULL in the model",
                "column legacy (text): not in the model",
                "setting refresh_interval: 1000 in the table, '2s' in the model",
            ]
        );
    }

    #[test]
    fn expressions_go_to_the_server_only_when_the_text_differs() {
        let meta = model(vec![
            ColumnMeta::new("id", "id", SqlType::Integer, false).primary_key(),
            ColumnMeta::new("g", "g", SqlType::Integer, true).generated("id*2 + 1"),
            ColumnMeta::new("ts", "ts", SqlType::TimestampTz, true).server_default("now()"),
            ColumnMeta::new("d", "d", SqlType::Text, true).server_default("'x'"),
        ]);
        let mut g = live(ColumnPath::top("g"), "INTEGER", true);
        g.generated = Some("((id * 2) + 1)".into());
        let mut ts = live(ColumnPath::top("ts"), "TIMESTAMP WITH TIME ZONE", true);
        ts.default = Some("now()".into());
        let d = live(ColumnPath::top("d"), "TEXT", true);
        let t = table(vec![
            live(ColumnPath::top("id"), "INTEGER", false),
            g,
            ts,
            d,
        ]);
        let mut asked = Vec::new();
        let mut server = |e: &str| {
            asked.push(e.to_owned());
            (e == "id*2 + 1").then(|| "((id * 2) + 1)".to_owned())
        };
        let changes = compare(&meta, Some(&t), &mut server);
        assert_eq!(asked, ["id*2 + 1"]);
        assert_eq!(
            changes,
            vec![Change::Default {
                column: ColumnPath::top("d"),
                model: Some("'x'".into()),
                database: None
            }]
        );
    }

    #[test]
    fn keys_routing_partitions_and_indexes() {
        let mut meta = model(vec![
            ColumnMeta::new("id", "id", SqlType::Text, false).primary_key(),
            ColumnMeta::new("day", "day", SqlType::TimestampTz, false).primary_key(),
            ColumnMeta::new("body", "body", SqlType::Text, true).fulltext(Some("english")),
            ColumnMeta::new("raw", "raw", SqlType::Text, true)
                .index(false)
                .columnstore(false),
        ]);
        meta.primary_key = vec![0, 1];
        meta.partitioned_by = vec!["day"];
        meta.number_of_shards = Some(6);
        meta.fulltext_indexes = vec![crate::model::FulltextIndex {
            name: "ft",
            columns: vec!["body"],
            analyzer: None,
        }];
        let mut t = table(vec![
            live(ColumnPath::top("id"), "TEXT", false),
            live(ColumnPath::top("day"), "TIMESTAMP WITH TIME ZONE", false),
            live(ColumnPath::top("body"), "TEXT", true),
            live(ColumnPath::top("raw"), "TEXT", true),
        ]);
        t.clustered_by = Some("id".into());
        let changes = compare(&meta, Some(&t), &mut no_server);
        let text: Vec<String> = changes.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "column body: plain index in the table, fulltext (english) in the model",
                "column raw: plain index in the table, INDEX OFF in the model",
                "column raw: columnstore = true in the table, false in the model",
                "fulltext index ft: not in the table",
                "primary key: (id) in the table, (id, day) in the model",
                "CLUSTERED BY: id in the table, the default in the model",
                "shards: 4 in the table, 6 in the model",
                "PARTITIONED BY: (none) in the table, (day) in the model",
            ]
        );
    }

    #[test]
    fn type_texts_match_show_create() {
        assert_eq!(type_text(&SqlType::object()), "OBJECT(DYNAMIC)");
        assert_eq!(
            type_text(&SqlType::Array(Box::new(SqlType::Object {
                policy: Some(ObjectPolicy::Strict),
                columns: vec![("x".into(), SqlType::Integer)]
            }))),
            "ARRAY(OBJECT(STRICT))"
        );
        assert_eq!(
            type_text(&SqlType::Numeric {
                precision: 12,
                scale: 2
            }),
            "NUMERIC(12, 2)"
        );
        assert_eq!(duration_ms("2s"), Some(2000.0));
        assert_eq!(duration_ms("1000"), None);
        assert_eq!(
            setting_matches(&TableSetting::Int(1), &json!("1")),
            Some(true)
        );
    }
}
