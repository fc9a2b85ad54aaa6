//! Reads across an additive change: a model gained a field, its table does not have the
//! column yet, and CrateDB answers a query naming it with `[4043] ColumnUnknownException[Column
//! battery_pct unknown]` (HTTP 404; on CrateDB 6.4.3 for strict and dynamic tables alike,
//! and for an undeclared key of a strict object: `Column details['slot'] unknown`).
//!
//! [`explain`] turns that answer into [`Error::MissingColumn`], naming the column and the
//! statement that adds it; [`nullable_column`] says which such columns a session may read as
//! NULL instead (see
//! [`Session::read_missing_columns_as_null`](crate::Session::read_missing_columns_as_null)).

use crate::ddl::{alter, TableName};
use crate::reflect::ColumnPath;
use crate::{CrateModel, Error, TableMeta};

/// The column CrateDB says is unknown (`battery_pct`, `details['slot']`), if `err` is its
/// 4043 answer.
pub(crate) fn unknown_column(err: &Error) -> Option<&str> {
    let Error::Client(client) = err else {
        return None;
    };
    let sql = client.sql_error().filter(|s| s.is_unknown_column())?;
    let message = &sql.message;
    let start = message.find("Column ")? + "Column ".len();
    let end = message.rfind(" unknown")?;
    message.get(start..end)
}

/// The top-level column of `meta` that `name` (`battery_pct`, `details['slot']`) names:
/// its index and the key path below it.
fn model_column(meta: &TableMeta, name: &str) -> Option<(usize, ColumnPath)> {
    let root = name.split('[').next()?;
    let index = meta.column_index(root)?;
    let mut path = ColumnPath::top(root);
    let mut rest = name.get(root.len()..)?;
    while let Some(after) = rest.strip_prefix("['") {
        let mut key = String::new();
        let mut chars = after.char_indices().peekable();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if chars.peek().is_some_and(|(_, d)| *d == '\'') {
                    chars.next();
                    key.push('\'');
                } else {
                    end = Some(i);
                    break;
                }
            } else {
                key.push(c);
            }
        }
        let end = end?;
        path = path.child(key);
        rest = after.get(end + 2..)?;
    }
    Some((index, path))
}

/// The index of the model column `err` says is missing, when a session may read it as NULL:
/// a top-level `Option` column that is not part of the row's identity.
pub(crate) fn nullable_column<M: CrateModel>(err: &Error) -> Option<usize> {
    let meta = M::meta();
    let (index, path) = model_column(meta, unknown_column(err)?)?;
    let column = meta.columns.get(index)?;
    let usable = path.is_top()
        && column.nullable
        && !column.is_system()
        && !meta.identity_columns().contains(&index);
    usable.then_some(index)
}

/// `err`, or, when it is CrateDB's 4043 about a column (or declared object key) of `M`,
/// [`Error::MissingColumn`] with the statement that adds it.
pub(crate) fn explain<M: CrateModel>(err: Error) -> Error {
    explain_meta(M::meta(), err)
}

/// [`explain`] for the model of `meta`.
pub(crate) fn explain_meta(meta: &TableMeta, err: Error) -> Error {
    let Some((index, path)) = unknown_column(&err).and_then(|name| model_column(meta, name)) else {
        return err;
    };
    let Some(column) = meta.columns.get(index) else {
        return err;
    };
    let table = TableName::new(meta.schema, meta.name);
    let add = if path.is_top() {
        Some(alter::add_column(&table, column))
    } else {
        declared_key(&column.sql_type, &path.path).map(|t| alter::add_key(&table, &path, t))
    };
    let Some(add) = add else {
        return err;
    };
    let mut fix = format!(
        "add it with `{add}` (cratedb_orm::migrate::plan::<{}> plans it)",
        meta.model
    );
    if path.is_top() && column.nullable && !meta.identity_columns().contains(&index) {
        fix.push_str(", or read it as NULL meanwhile: Session::read_missing_columns_as_null(true)");
    }
    let Error::Client(source) = err else {
        return err;
    };
    Error::MissingColumn {
        model: meta.model,
        table: table.to_string(),
        column: path.to_string(),
        fix,
        source: Box::new(source),
    }
}

/// The type an object column declares for the key at `path`.
fn declared_key<'a>(sql_type: &'a crate::SqlType, path: &[String]) -> Option<&'a crate::SqlType> {
    use crate::SqlType;
    let Some((first, rest)) = path.split_first() else {
        return Some(sql_type);
    };
    let keys = match sql_type {
        SqlType::Object { columns, .. } => columns,
        SqlType::Array(inner) => return declared_key(inner, path),
        _ => return None,
    };
    let (_, t) = keys.iter().find(|(k, _)| k == first)?;
    declared_key(t, rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ColumnMeta;
    use crate::SqlType;

    fn answer(message: &str) -> Error {
        Error::Client(cratedb_client::Error::from_http_answer(
            "127.0.0.1:4200",
            404,
            format!(r#"{{"error":{{"code":4043,"message":"{message}"}}}}"#).as_bytes(),
        ))
    }

    struct Device;

    impl Device {
        fn meta() -> TableMeta {
            let mut meta = TableMeta::new("Device", "devices");
            meta.columns = vec![
                ColumnMeta::new("id", "id", SqlType::Text, false).primary_key(),
                ColumnMeta::new("battery_pct", "battery_pct", SqlType::Double, true),
                ColumnMeta::new(
                    "details",
                    "details",
                    SqlType::object().with_object(None, vec![("it's".into(), SqlType::Integer)]),
                    true,
                ),
            ];
            meta.primary_key = vec![0];
            meta
        }
    }

    #[test]
    fn names_in_answers() {
        let err = answer("ColumnUnknownException[Column battery_pct unknown]");
        assert_eq!(unknown_column(&err), Some("battery_pct"));
        let meta = Device::meta();
        assert_eq!(
            model_column(&meta, "details['it''s']"),
            Some((2, ColumnPath::new("details", ["it's"])))
        );
        assert_eq!(model_column(&meta, "nothing"), None);
        assert_eq!(
            declared_key(&meta.columns[2].sql_type, &["it's".to_owned()]),
            Some(&SqlType::Integer)
        );
        assert_eq!(unknown_column(&answer("SQLParseException[x]")), None);
    }
}
