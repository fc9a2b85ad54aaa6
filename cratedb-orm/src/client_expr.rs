//! Generated-column expressions the client evaluates exactly as CrateDB does, so that a
//! model knows such a column's value (a generated partition key, above all) before the
//! insert: `date_trunc('<unit>', <timestamp column>)`.
//!
//! A recognised column is filled on the client while it is `None` (on `Session::add` and by
//! `write::insert_many`), and sent with the INSERT; CrateDB checks the value against its own
//! computation and refuses a row where they differ. Other expressions are read back after the
//! insert (or computed by a `compute = f` function of the model).

use serde_json::Value;

use crate::model::{CrateModel, TableMeta};
use crate::types::{SqlType, TruncUnit};

/// An expression the client evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientExpr {
    /// `date_trunc('unit', source)` of timestamp column `source` (an index into the columns).
    DateTrunc {
        /// The unit.
        unit: TruncUnit,
        /// The column it truncates.
        source: usize,
    },
}

impl ClientExpr {
    /// Recognises `expression`, the generation expression of a column of type `target` in a
    /// table of `columns`: `date_trunc('day', ts)` (any case, `"ts"` quoted or not) of a
    /// timestamp column into a timestamp column. `None` for anything else.
    pub fn recognise(
        expression: &str,
        target: &SqlType,
        columns: &[crate::model::ColumnMeta],
    ) -> Option<ClientExpr> {
        if !is_timestamp(target) {
            return None;
        }
        let e = expression.trim();
        let inner = strip_call(e, "date_trunc")?;
        let (unit, column) = inner.split_once(',')?;
        let unit = unit.trim().strip_prefix('\'')?.strip_suffix('\'')?;
        let unit = parse_unit(unit)?;
        let column = column.trim();
        let column = match column.strip_prefix('"').and_then(|c| c.strip_suffix('"')) {
            Some(quoted) if !quoted.contains('"') => quoted.to_owned(),
            Some(_) => return None,
            None if column
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                // Unquoted names fold to lower case.
                column.to_ascii_lowercase()
            }
            None => return None,
        };
        let source = columns.iter().position(|c| c.name == column)?;
        let source_type = &columns.get(source)?.sql_type;
        is_timestamp(source_type).then_some(ClientExpr::DateTrunc { unit, source })
    }

    /// The value for a model whose columns `value(i)` gives: `None` when the source is NULL
    /// (the column is then left to CrateDB).
    fn evaluate(self, value: impl Fn(usize) -> Value) -> Option<Value> {
        match self {
            ClientExpr::DateTrunc { unit, source } => {
                let millis = value(source).as_i64()?;
                Some(Value::from(unit.apply(millis)))
            }
        }
    }
}

fn is_timestamp(t: &SqlType) -> bool {
    matches!(t, SqlType::Timestamp | SqlType::TimestampTz)
}

/// The arguments of `name(…)` (`name` in any case), when `e` is one call of it.
fn strip_call<'a>(e: &'a str, name: &str) -> Option<&'a str> {
    let (head, rest) = e.split_at_checked(name.len())?;
    if !head.eq_ignore_ascii_case(name) {
        return None;
    }
    let inner = rest.trim_start().strip_prefix('(')?.strip_suffix(')')?;
    (!inner.contains('(') && !inner.contains(')')).then_some(inner)
}

fn parse_unit(unit: &str) -> Option<TruncUnit> {
    Some(match unit.to_ascii_lowercase().as_str() {
        "second" => TruncUnit::Second,
        "minute" => TruncUnit::Minute,
        "hour" => TruncUnit::Hour,
        "day" => TruncUnit::Day,
        "week" => TruncUnit::Week,
        "month" => TruncUnit::Month,
        "quarter" => TruncUnit::Quarter,
        "year" => TruncUnit::Year,
        _ => return None,
    })
}

/// Marks the generated columns of `meta` whose expression the client evaluates as computed
/// (sent when known), and lists them in `meta.client_exprs`.
pub(crate) fn recognise_all(meta: &mut TableMeta) {
    let found: Vec<(usize, ClientExpr)> = meta
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.computed)
        .filter_map(|(i, c)| {
            let expression = c.generated?;
            Some((
                i,
                ClientExpr::recognise(expression, &c.sql_type, &meta.columns)?,
            ))
        })
        .collect();
    for (i, _) in &found {
        if let Some(c) = meta.columns.get_mut(*i) {
            c.computed = true;
        }
    }
    meta.client_exprs = found;
}

/// Fills a new model's client-side values: its defaults and `compute` functions
/// ([`CrateModel::apply_defaults`]), then the generated columns the client evaluates, each
/// while it is `None`.
pub(crate) fn fill_client_values<M: CrateModel>(model: &mut M) {
    model.apply_defaults();
    for &(target, expr) in &M::meta().client_exprs {
        if !model.column_value(target).is_null() {
            continue;
        }
        if let Some(value) = expr.evaluate(|i| model.column_value(i)) {
            // A value of the column's own type: it cannot fail to decode.
            let _ = model.set_column(target, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ColumnMeta;

    fn columns() -> Vec<ColumnMeta> {
        vec![
            ColumnMeta::new("ts", "ts", SqlType::TimestampTz, false),
            ColumnMeta::new("Local", "local", SqlType::Timestamp, false),
            ColumnMeta::new("n", "n", SqlType::Bigint, false),
        ]
    }

    #[test]
    fn date_trunc_of_a_timestamp_column_is_recognised() {
        let c = columns();
        let tz = SqlType::TimestampTz;
        assert_eq!(
            ClientExpr::recognise("date_trunc('day', ts)", &tz, &c),
            Some(ClientExpr::DateTrunc {
                unit: TruncUnit::Day,
                source: 0
            })
        );
        assert_eq!(
            ClientExpr::recognise(" DATE_TRUNC ( 'Hour' , \"Local\" ) ", &tz, &c),
            Some(ClientExpr::DateTrunc {
                unit: TruncUnit::Hour,
                source: 1
            })
        );
        for other in [
            "date_trunc('day', n)",                   // not a timestamp
            "date_trunc('day', local)",               // folds to `local`, no such column
            "date_trunc('day', 'Europe/Berlin', ts)", // a time zone
            "date_trunc('decade', ts)",               // no such unit
            "date_trunc('day', ts + 1)",
            "lower(ts)",
            "date_trunc('day', ts) + 1",
        ] {
            assert_eq!(ClientExpr::recognise(other, &tz, &c), None, "{other}");
        }
        assert_eq!(
            ClientExpr::recognise("date_trunc('day', ts)", &SqlType::Bigint, &c),
            None
        );
    }
}
