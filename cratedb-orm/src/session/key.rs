//! Primary-key values: what [`Session::find`](super::Session::find) accepts, and the
//! identity-map key built from them.

use serde::Serialize;
use serde_json::Value;

use crate::model::{ColumnValue, CrateModel};

/// A primary-key value, or a tuple of them for a composite key, as accepted by
/// [`Session::find`](super::Session::find).
///
/// ```
/// use cratedb_orm::session::PrimaryKey;
/// assert_eq!("a1".key_values(), vec![serde_json::json!("a1")]);
/// assert_eq!(("a", 7).key_values(), vec![serde_json::json!("a"), serde_json::json!(7)]);
/// ```
pub trait PrimaryKey {
    /// The key's values, in primary-key column order.
    fn key_values(self) -> Vec<Value>;
}

/// One part of a primary key.
pub trait KeyPart {
    /// The part's wire value.
    fn key_value(self) -> Value;
}

macro_rules! key_part {
    ($($t:ty),*) => {$(
        impl KeyPart for $t {
            fn key_value(self) -> Value {
                Value::from(self)
            }
        }
        impl PrimaryKey for $t {
            fn key_values(self) -> Vec<Value> {
                vec![Value::from(self)]
            }
        }
    )*};
}

key_part!(&str, String, i16, i32, i64, u32, bool);

impl KeyPart for uuid::Uuid {
    fn key_value(self) -> Value {
        Value::from(self.to_string())
    }
}

impl PrimaryKey for uuid::Uuid {
    fn key_values(self) -> Vec<Value> {
        vec![self.key_value()]
    }
}

macro_rules! timestamp_key_part {
    ($($t:ty),*) => {$(
        impl KeyPart for $t {
            fn key_value(self) -> Value {
                Value::from(self.millis())
            }
        }
        impl PrimaryKey for $t {
            fn key_values(self) -> Vec<Value> {
                vec![self.key_value()]
            }
        }
    )*};
}

timestamp_key_part!(crate::Timestamp, crate::TimestampTz);

impl KeyPart for Value {
    fn key_value(self) -> Value {
        self
    }
}

impl PrimaryKey for Value {
    fn key_values(self) -> Vec<Value> {
        vec![self]
    }
}

impl PrimaryKey for Vec<Value> {
    fn key_values(self) -> Vec<Value> {
        self
    }
}

macro_rules! key_tuple {
    ($($n:ident),+) => {
        impl<$($n: KeyPart),+> PrimaryKey for ($($n,)+) {
            #[allow(non_snake_case)]
            fn key_values(self) -> Vec<Value> {
                let ($($n,)+) = self;
                vec![$($n.key_value()),+]
            }
        }
    };
}

key_tuple!(A);
key_tuple!(A, B);
key_tuple!(A, B, C);
key_tuple!(A, B, C, D);

/// Between the values of a composite identity-map key.
const KEY_SEPARATOR: u8 = 0x1f;

/// The identity-map key of a row: its identity values as compact JSON text (joined by a
/// unit separator), or `None` when any of them is still unknown (`null`, e.g. a
/// server-generated `_id` before the insert).
///
/// The one way keys are made: from a model's columns (written straight from the fields by
/// [`ColumnValue`](crate::model::ColumnValue)), from a result row's values, or from the values
/// given to [`Session::find`](super::Session::find) — the same value gives the same text.
pub(crate) fn identity_key<T: Serialize>(parts: impl IntoIterator<Item = T>) -> Option<String> {
    let mut key = Vec::with_capacity(24);
    for (n, part) in parts.into_iter().enumerate() {
        if n > 0 {
            key.push(KEY_SEPARATOR);
        }
        let start = key.len();
        part.serialize(&mut serde_json::Serializer::new(&mut key))
            .ok()?;
        if key.get(start..) == Some(b"null".as_slice()) {
            return None;
        }
    }
    String::from_utf8(key).ok()
}

/// The text a person reads for an identity-map key (as in [`RowFailure::key`]): the JSON of
/// a one-column key as it is (`"a1"`, `7`), the values of a composite key as a tuple
/// (`("stop", 1743466401000, 1743465600000)`), each value in its compact JSON.
///
/// The parts of an identity key are compact JSON texts, which escape every control
/// character: the separator never occurs inside a part.
///
/// [`RowFailure::key`]: super::RowFailure::key
pub(crate) fn readable_key(identity_key: &str) -> String {
    let separator = char::from(KEY_SEPARATOR);
    if !identity_key.contains(separator) {
        return identity_key.to_owned();
    }
    let mut text = String::with_capacity(identity_key.len() + 8);
    text.push('(');
    for (n, part) in identity_key.split(separator).enumerate() {
        if n > 0 {
            text.push_str(", ");
        }
        text.push_str(part);
    }
    text.push(')');
    text
}

/// The identity-map key of a model (see [`identity_key`]).
pub(crate) fn key_of<M: CrateModel>(model: &M) -> Option<String> {
    let ids = M::meta().identity_columns();
    if ids.is_empty() {
        return None;
    }
    identity_key(ids.into_iter().map(|index| ColumnValue { model, index }))
}

/// The identity values (primary key, or `_id`) of a model, in
/// [`TableMeta::identity_columns`](crate::TableMeta::identity_columns) order.
pub(crate) fn identity_values<M: CrateModel>(model: &M) -> Vec<Value> {
    M::meta()
        .identity_columns()
        .into_iter()
        .map(|i| model.column_value(i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(crate::CrateModel, Debug, Clone, Default, PartialEq)]
    #[cratedb(table = "pairs")]
    struct Pair {
        #[cratedb(primary_key)]
        name: String,
        #[cratedb(primary_key)]
        n: i64,
        other: Option<f64>,
    }

    #[derive(crate::CrateModel, Debug, Clone, Default, PartialEq)]
    #[cratedb(table = "logs")]
    struct Log {
        #[cratedb(column = "_id", fetched)]
        id: Option<String>,
        message: String,
    }

    #[test]
    fn model_keys_are_the_keys_of_their_values() {
        for (name, n) in [
            ("a", 1),
            ("quote \" and \\ and \u{1f} é", -7),
            ("", i64::MAX),
        ] {
            let model = Pair {
                name: name.into(),
                n,
                other: Some(0.5),
            };
            assert_eq!(key_of(&model), identity_key(identity_values(&model)));
            assert_eq!(key_of(&model), identity_key((name, n).key_values()));
        }
        let unsaved = Log {
            id: None,
            message: "m".into(),
        };
        assert_eq!(key_of(&unsaved), None);
        let saved = Log {
            id: Some("x1".into()),
            ..unsaved
        };
        assert_eq!(key_of(&saved).as_deref(), Some("\"x1\""));
    }

    #[test]
    fn readable_keys_are_json_or_a_tuple_of_json() {
        let readable = |values: Vec<Value>| identity_key(values).map(|k| readable_key(&k));
        assert_eq!(readable("a1".key_values()).as_deref(), Some("\"a1\""));
        assert_eq!(readable(7_i64.key_values()).as_deref(), Some("7"));
        assert_eq!(
            readable(("stop", 1_743_466_401_000_i64, 1_743_465_600_000_i64).key_values())
                .as_deref(),
            Some("(\"stop\", 1743466401000, 1743465600000)")
        );
        // A separator or a comma inside a text value stays inside its JSON string.
        assert_eq!(
            readable(("a\u{1f}b, c", 1).key_values()).as_deref(),
            Some("(\"a\\u001fb, c\", 1)")
        );
    }
}
