//! Telling rows apart without guessing: which returned row of a multi-row
//! `INSERT … RETURNING` belongs to which model, and whether a stored row is the one a model
//! sent.
//!
//! CrateDB returns the rows of a multi-row INSERT in the order its shards answer, objects
//! with their keys in another order and their values normalised by the column types (`1`
//! becomes `1.0` in a DOUBLE key), geo points a last bit off. So a returned row is matched
//! by its **match key**: the identity key when the client knows the identity, otherwise
//! the values of the inserted columns that CrateDB returns exactly as sent (text, numbers,
//! booleans, timestamps, vectors and arrays of them). The planner puts rows whose match keys
//! are equal but whose sent values differ into different statements ("lanes"), so within one
//! statement equal match keys always mean equal rows, and any pairing of them is the true
//! one.

use serde_json::{Map, Value};

use crate::model::CrateModel;
use crate::types::SqlType;
use crate::TableMeta;

/// Whether CrateDB returns values of this type exactly as the ORM sends them, so that they
/// can tell rows apart.
fn returned_as_sent(sql_type: &SqlType) -> bool {
    match sql_type {
        SqlType::Text
        | SqlType::Boolean
        | SqlType::Smallint
        | SqlType::Integer
        | SqlType::Bigint
        | SqlType::Real
        | SqlType::Double
        | SqlType::Timestamp
        | SqlType::TimestampTz
        | SqlType::FloatVector(_) => true,
        SqlType::Array(inner) => returned_as_sent(inner),
        _ => false,
    }
}

/// Whether the client knows the identity of rows inserting `columns`: every identity
/// column is among them (its values are then never `NULL`: a `NULL` key value leaves its
/// server-default column out).
pub(crate) fn client_identity(meta: &TableMeta, columns: &[usize]) -> bool {
    let ids = meta.identity_columns();
    !ids.is_empty() && ids.iter().all(|i| columns.contains(i))
}

/// The columns that find the row a model inserting `columns` wrote, by key: the identity
/// columns among `columns`, when every identity column left out is generated (CrateDB
/// computes it from the row, e.g. `day GENERATED ALWAYS AS date_trunc('day', ts)` in the
/// key: a `WHERE` on the other key columns is a primary-key lookup, and inserting the same
/// values again meets the same key). `None` when the server makes a key part (`_id`, a key
/// default): such rows cannot be looked up, nor sent again without risking a second row.
pub(crate) fn lookup_columns(meta: &TableMeta, columns: &[usize]) -> Option<Vec<usize>> {
    let ids = meta.identity_columns();
    let known: Vec<usize> = ids
        .iter()
        .copied()
        .filter(|i| columns.contains(i))
        .collect();
    let derived = ids.iter().all(|i| {
        columns.contains(i) || meta.columns.get(*i).is_some_and(|c| c.generated.is_some())
    });
    (!known.is_empty() && derived).then_some(known)
}

/// The values of `lookup` (from [`lookup_columns`]) of `model`, as one text: what tells the
/// rows a lookup found apart.
pub(crate) fn lookup_key<M: CrateModel>(model: &M, lookup: &[usize]) -> String {
    let mut key = String::new();
    for &i in lookup {
        canonical(&model.column_value(i), &mut key);
        key.push('\u{1f}');
    }
    key
}

/// The columns the match key of a row inserting `columns` is made of: the identity when the
/// client knows it, else the inserted columns CrateDB returns exactly as sent.
pub(crate) fn match_columns(meta: &TableMeta, columns: &[usize]) -> Vec<usize> {
    if client_identity(meta, columns) {
        meta.identity_columns()
    } else {
        columns
            .iter()
            .copied()
            .filter(|&i| {
                meta.columns
                    .get(i)
                    .is_some_and(|c| returned_as_sent(&c.sql_type))
            })
            .collect()
    }
}

/// The match key of a row inserting `columns` of `model` (see the module docs). The same
/// for a model sent and for the model decoded from the row CrateDB returned for it.
pub(crate) fn match_key<M: CrateModel>(model: &M, columns: &[usize]) -> String {
    let mut key = String::new();
    for i in match_columns(M::meta(), columns) {
        key.push_str(&model.column_value(i).to_string());
        key.push('\u{1f}');
    }
    key
}

/// The sent values of `columns` of `model` as one text in which objects have their keys
/// sorted: two rows with the same content key are the same row to CrateDB.
pub(crate) fn content_key<M: CrateModel>(model: &M, columns: &[usize]) -> String {
    let mut key = String::new();
    for &i in columns {
        canonical(&model.column_value(i), &mut key);
        key.push('\u{1f}');
    }
    key
}

/// `value` as JSON text with object keys in sorted order.
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (n, k) in keys.into_iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(k.as_str()).to_string());
                out.push(':');
                if let Some(v) = map.get(k) {
                    canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (n, v) in items.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Whether the row stored in the database (`stored`, decoded from a lookup by key) is the
/// row `sent` inserted: every inserted column equal, objects compared as maps with numbers
/// compared by value (CrateDB may return `1` as `1.0`), geo coordinates to 1e-9 degrees.
pub(crate) fn same_as_sent<M: CrateModel>(stored: &M, sent: &M, columns: &[usize]) -> bool {
    let meta = M::meta();
    columns.iter().all(|&i| {
        if stored.column_eq(sent, i) {
            return true;
        }
        let tolerance = match meta.columns.get(i).map(|c| &c.sql_type) {
            Some(SqlType::GeoPoint | SqlType::GeoShape) => 1e-9,
            _ => 0.0,
        };
        equivalent(&stored.column_value(i), &sent.column_value(i), tolerance)
    })
}

/// JSON values equal as CrateDB stores them: numbers by value (within `tolerance`),
/// objects as maps, arrays element by element.
fn equivalent(a: &Value, b: &Value, tolerance: f64) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                return x == y;
            }
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => x == y || (x - y).abs() <= tolerance,
                _ => false,
            }
        }
        (Value::Object(x), Value::Object(y)) => same_maps(x, y, tolerance),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| equivalent(x, y, tolerance))
        }
        _ => a == b,
    }
}

fn same_maps(x: &Map<String, Value>, y: &Map<String, Value>, tolerance: f64) -> bool {
    x.len() == y.len()
        && x.iter().all(|(k, v)| {
            y.get(k)
                .is_some_and(|other| equivalent(v, other, tolerance))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equivalence_is_what_crate_db_keeps() {
        assert!(equivalent(
            &json!({"a": 1, "b": {"c": [1, 2.5]}}),
            &json!({"b": {"c": [1.0, 2.5]}, "a": 1.0}),
            0.0
        ));
        assert!(!equivalent(&json!({"a": 0.1}), &json!({"a": 0}), 0.0));
        assert!(!equivalent(
            &json!({"a": 1}),
            &json!({"a": 1, "b": null}),
            0.0
        ));
        assert!(equivalent(
            &json!([13.123456789012345, 52.987654321098765]),
            &json!([13.123456789012344, 52.987654321098766]),
            1e-9
        ));
        assert!(!equivalent(
            &json!([13.1, 52.9]),
            &json!([13.2, 52.9]),
            1e-9
        ));
        assert!(!equivalent(&json!("1"), &json!(1), 0.0));
    }

    #[test]
    fn canonical_text_ignores_key_order_only() {
        let text = |v: Value| {
            let mut s = String::new();
            canonical(&v, &mut s);
            s
        };
        assert_eq!(
            text(json!({"b": 1, "a": [{"y": 2, "x": 1}]})),
            text(json!({"a": [{"x": 1, "y": 2}], "b": 1}))
        );
        assert_ne!(text(json!({"a": 1})), text(json!({"a": 1.0})));
        assert_ne!(text(json!([1, 2])), text(json!([2, 1])));
    }
}
