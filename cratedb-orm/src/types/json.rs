//! [`Json<T>`]: any serde type stored in an `OBJECT` column.

use std::any::type_name;
use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::{CrateType, DecodeError, SqlType, TypeClass};

/// A value of your own type `T` (a struct or map that serde turns into a JSON object), stored
/// in an `OBJECT` column: serialized with `serde_json` on the way in, deserialized on the way
/// out. Use it beside [`Object`](super::Object) (untyped keys, per-key updates) and
/// [`serde_json::Value`] (any JSON) when the shape is known in Rust.
///
/// The column is a plain `OBJECT` (dynamic: CrateDB indexes every key it sees); declare a
/// policy and sub-columns with `#[cratedb(object(strict, columns(...)))]` as for `Object`.
/// A changed value is written whole (`SET "col" = $1`), not key by key; its keys can still be
/// queried, e.g. `Model::col().key::<i64>("age")`.
///
/// `T` must serialize to a JSON object: CrateDB refuses anything else for an OBJECT column.
/// Serialization cannot fail for ordinary structs; if `T`'s `Serialize` does fail (a map with
/// non-string keys, a custom error), the statement fails with the serde error for inserts, and
/// for other statements CrateDB refuses the value as not an object, so it is never stored
/// silently wrong.
///
/// ```
/// use cratedb_orm::types::Json;
/// use cratedb_orm::CrateType;
/// use serde::{Deserialize, Serialize};
/// use serde_json::json;
///
/// #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// struct Address {
///     street: String,
///     city: String,
/// }
///
/// let home = Json(Address { street: "155 Country Lane".into(), city: "Cottington".into() });
/// assert_eq!(Json::<Address>::sql_type().to_string(), "OBJECT");
/// assert_eq!(home.to_value(), json!({"street": "155 Country Lane", "city": "Cottington"}));
/// assert_eq!(Json::<Address>::from_value(home.to_value()), Ok(home.clone()));
/// assert_eq!(home.city, "Cottington"); // derefs to the Address
/// assert!(Json::<Address>::from_value(json!({"street": 1})).is_err());
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Json<T> {
    fn from(value: T) -> Self {
        Json(value)
    }
}

impl<T> Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: fmt::Debug> fmt::Debug for Json<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Json").field(&self.0).finish()
    }
}

impl<T: Serialize + DeserializeOwned> CrateType for Json<T> {
    const CLASS: TypeClass = TypeClass::Object;

    fn sql_type() -> SqlType {
        SqlType::object()
    }

    fn to_value(&self) -> Value {
        match serde_json::to_value(&self.0) {
            Ok(value) => value,
            // Not an object: CrateDB refuses it for the OBJECT column and names it.
            Err(e) => Value::String(format!(
                "cannot serialize {} as JSON: {e}",
                type_name::<T>()
            )),
        }
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        let shown = value.clone();
        serde_json::from_value(value)
            .map(Json)
            .map_err(|e| DecodeError::new(format!("OBJECT as {} ({e})", type_name::<T>()), &shown))
    }

    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::{BTreeMap, HashMap};

    #[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
    struct Pet {
        name: String,
        legs: u8,
    }

    #[test]
    fn round_trip_and_errors() {
        let pet = Json(Pet {
            name: "Marvin".into(),
            legs: 2,
        });
        assert_eq!(pet.to_value(), json!({"name": "Marvin", "legs": 2}));
        assert_eq!(Json::<Pet>::from_value(pet.to_value()), Ok(pet.clone()));
        assert_eq!(
            serde_json::to_value(super::super::Wire(&pet)).ok(),
            Some(pet.to_value())
        );
        let err = Json::<Pet>::from_value(json!({"name": "x", "legs": -1})).unwrap_err();
        assert!(err.expected.starts_with("OBJECT as "), "{err}");
        assert!(err.expected.contains("Pet"), "{err}");
        assert_eq!(Json::<Pet>::CLASS, TypeClass::Object);
        let map: Json<BTreeMap<String, i32>> = Json::from_value(json!({"a": 1})).unwrap();
        assert_eq!(map.get("a"), Some(&1));
    }

    #[test]
    fn a_failed_serialization_is_never_an_object() {
        let mut bad = HashMap::new();
        bad.insert((1, 2), "tuple keys are not JSON".to_string());
        let value = Json(bad).to_value();
        assert!(value
            .as_str()
            .is_some_and(|s| s.starts_with("cannot serialize")));
    }
}
