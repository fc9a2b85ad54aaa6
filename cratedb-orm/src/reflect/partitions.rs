//! A partitioned table's partitions: their values (`information_schema.table_partitions`)
//! and row counts (`sys.shards`).

use std::collections::HashMap;

use cratedb_client::Client;
use serde_json::{Map, Value};

use super::{resolve_schema, run, select};
use crate::sql::SqlWriter;
use crate::{CrateModel, Result};

/// One partition of a partitioned table.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionInfo {
    /// CrateDB's identifier of the partition (`partition_ident`).
    pub ident: String,
    /// The value of each partition column in it (`{"day": 1741132800000}`).
    pub values: Map<String, Value>,
    /// Its number of shards.
    pub number_of_shards: Option<i64>,
    /// Its `number_of_replicas` setting (`"1"`, `"0-1"`).
    pub number_of_replicas: Option<String>,
    /// Whether it is closed.
    pub closed: bool,
    /// The rows its primary shards hold, as far as they are refreshed (`sys.shards`;
    /// `REFRESH TABLE` first for an exact count of the latest writes).
    pub rows: i64,
}

impl PartitionInfo {
    /// The value of partition column `column` in this partition.
    pub fn value(&self, column: &str) -> Option<&Value> {
        self.values.get(column)
    }
}

fn partitions_sql(schema: &str, table: &str) -> SqlWriter {
    let mut w = select(
        &[
            "partition_ident",
            "values",
            "number_of_shards",
            "number_of_replicas",
            "closed",
        ],
        ("information_schema", "table_partitions"),
    );
    w.push(" WHERE ").ident("table_schema").push(" = ");
    w.param(schema.into());
    w.push(" AND ").ident("table_name").push(" = ");
    w.param(table.into());
    w.push(" ORDER BY ").ident("partition_ident");
    w
}

fn partition_rows_sql(schema: &str, table: &str) -> SqlWriter {
    let mut w = SqlWriter::new();
    w.push("SELECT ")
        .ident("partition_ident")
        .push(", sum(")
        .ident("num_docs")
        .push(") FROM ")
        .table(Some("sys"), "shards")
        .push(" WHERE ")
        .ident("schema_name")
        .push(" = ");
    w.param(schema.into());
    w.push(" AND ").ident("table_name").push(" = ");
    w.param(table.into());
    w.push(" AND ")
        .ident("primary")
        .push(" GROUP BY ")
        .ident("partition_ident");
    w
}

type PartitionRow = (
    String,
    Option<Map<String, Value>>,
    Option<i64>,
    Option<String>,
    Option<bool>,
);

/// The partitions of a table (none for a table that is not partitioned, or does not exist),
/// ordered by their values, with their row counts.
pub fn partitions(
    client: &Client,
    schema: Option<&str>,
    table: &str,
) -> Result<Vec<PartitionInfo>> {
    let schema = resolve_schema(client, schema);
    let rows: Vec<PartitionRow> = run(client, partitions_sql(schema, table))?;
    let counts: Vec<(String, Option<i64>)> = run(client, partition_rows_sql(schema, table))?;
    let counts: HashMap<String, i64> = counts
        .into_iter()
        .map(|(ident, n)| (ident, n.unwrap_or(0)))
        .collect();
    let mut out: Vec<PartitionInfo> = rows
        .into_iter()
        .map(|(ident, values, shards, replicas, closed)| PartitionInfo {
            rows: counts.get(&ident).copied().unwrap_or(0),
            ident,
            values: values.unwrap_or_default(),
            number_of_shards: shards,
            number_of_replicas: replicas,
            closed: closed.unwrap_or(false),
        })
        .collect();
    out.sort_by(|a, b| {
        let key = |p: &PartitionInfo| Value::Object(p.values.clone()).to_string();
        compare_values(&a.values, &b.values).then_with(|| key(a).cmp(&key(b)))
    });
    Ok(out)
}

/// The partitions of model `M`'s table.
pub fn partitions_of<M: CrateModel>(client: &Client) -> Result<Vec<PartitionInfo>> {
    let meta = M::meta();
    partitions(client, meta.schema, meta.name)
}

/// Orders partition values: numbers (timestamps) as numbers, then text, key by key.
fn compare_values(a: &Map<String, Value>, b: &Map<String, Value>) -> std::cmp::Ordering {
    for ((_, x), (_, y)) in a.iter().zip(b.iter()) {
        let order = match (x, y) {
            (Value::Number(x), Value::Number(y)) => x
                .as_f64()
                .zip(y.as_f64())
                .and_then(|(x, y)| x.partial_cmp(&y))
                .unwrap_or(std::cmp::Ordering::Equal),
            (Value::String(x), Value::String(y)) => x.cmp(y),
            (Value::Null, Value::Null) => std::cmp::Ordering::Equal,
            (Value::Null, _) => std::cmp::Ordering::Less,
            (_, Value::Null) => std::cmp::Ordering::Greater,
            _ => std::cmp::Ordering::Equal,
        };
        if order != std::cmp::Ordering::Equal {
            return order;
        }
    }
    std::cmp::Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statements() {
        assert_eq!(
            partitions_sql("doc", "readings").finish(),
            (
                r#"SELECT "partition_ident", "values", "number_of_shards", "number_of_replicas", "closed" FROM "information_schema"."table_partitions" WHERE "table_schema" = $1 AND "table_name" = $2 ORDER BY "partition_ident""#.into(),
                vec![json!("doc"), json!("readings")]
            )
        );
        assert_eq!(
            partition_rows_sql("doc", "readings").finish().0,
            r#"SELECT "partition_ident", sum("num_docs") FROM "sys"."shards" WHERE "schema_name" = $1 AND "table_name" = $2 AND "primary" GROUP BY "partition_ident""#
        );
    }

    #[test]
    fn values_order_as_numbers() {
        let m = |v: Value| match json!({ "day": v }) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        assert!(compare_values(&m(json!(9)), &m(json!(10))).is_lt());
        assert!(compare_values(&m(Value::Null), &m(json!(1))).is_lt());
    }
}
