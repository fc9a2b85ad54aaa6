//! Primary-key values: what [`Session::find`](super::Session::find) accepts, and the
//! identity-map key built from them.

use serde_json::Value;

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
pub(crate) const KEY_SEPARATOR: char = '\u{1f}';

/// The identity-map key of a row: its identity values as compact JSON text, or `None` when
/// any of them is still unknown (`Null`, e.g. a server-generated `_id` before insert).
pub(crate) fn identity_key<'a>(values: impl IntoIterator<Item = &'a Value>) -> Option<String> {
    let mut key = String::new();
    for (n, v) in values.into_iter().enumerate() {
        if v.is_null() {
            return None;
        }
        if n > 0 {
            key.push(KEY_SEPARATOR);
        }
        key.push_str(&v.to_string());
    }
    Some(key)
}
