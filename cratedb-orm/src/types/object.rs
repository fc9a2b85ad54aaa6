//! [`Object`]: CrateDB's OBJECT, an ordered JSON map with typed and nested access.

use std::fmt;
use std::ops::Index;

use serde_json::{Map, Value};

use super::{describe_value, CrateType, DecodeError, SqlType, TypeClass};

/// A CrateDB `OBJECT` value: an ordered map of keys to JSON values.
///
/// Keys keep their insertion order (also through [`remove`](Object::remove)). Values are
/// plain JSON; [`get_as`](Object::get_as) reads one as any [`CrateType`], and the `*_path`
/// methods reach into nested objects. Build one with the [`object!`](crate::object) macro,
/// from a `serde_json::Map`, or from an iterator of pairs.
///
/// ```
/// use cratedb_orm::{object, Object};
///
/// let mut details = object! { "gender": "male", "species": "human", "address": { "city": "Cottington" } };
/// assert_eq!(details.get_as::<String>("gender").unwrap(), "male");
/// assert_eq!(details.get_as::<Option<i64>>("age").unwrap(), None);
/// details.set("age", 42);
/// details.set_path(&["address", "planet"], "Earth").unwrap();
/// assert_eq!(details.get_path_as::<String>(&["address", "planet"]).unwrap(), "Earth");
/// assert_eq!(details["species"], "human");
/// assert_eq!(details.remove("species"), Some("human".into()));
/// assert_eq!(details.keys().collect::<Vec<_>>(), ["gender", "address", "age"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Object(pub Map<String, Value>);

impl PartialEq for Object {
    /// Equal when they hold the same keys with equal values, in any order. Objects whose keys
    /// are in the same order (the usual case: one is a copy of the other) are compared pair
    /// by pair, without looking keys up.
    fn eq(&self, other: &Self) -> bool {
        if self.0.len() != other.0.len() {
            return false;
        }
        let mut pairs = self.0.iter().zip(other.0.iter());
        if pairs.all(|((ka, va), (kb, vb))| ka == kb && va == vb) {
            return true;
        }
        self.0 == other.0
    }
}

/// The value read for a missing key.
static NULL: Value = Value::Null;

impl Object {
    /// An empty object.
    pub fn new() -> Self {
        Object(Map::new())
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `key` is present (also when its value is `null`).
    pub fn contains_key(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.keys().map(String::as_str)
    }

    /// The key/value pairs, in order.
    pub fn iter(&self) -> serde_json::map::Iter<'_> {
        self.0.iter()
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// The value of `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.0.get_mut(key)
    }

    /// Decodes the value of `key` as `T`. A missing key reads as `null`, so
    /// `get_as::<Option<T>>` gives `Ok(None)` and `get_as::<T>` an error.
    pub fn get_as<T: CrateType>(&self, key: &str) -> Result<T, DecodeError> {
        T::from_value(self.0.get(key).cloned().unwrap_or(Value::Null))
    }

    /// Sets `key` to `value`, returning the previous value. A new key goes last.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        self.0.insert(key.into(), value.into())
    }

    /// Removes `key`, returning its value; the other keys keep their order.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.0.shift_remove(key)
    }

    /// The value at a nested `path` (`&["address", "city"]`); `None` when a key is missing
    /// or an intermediate value is not an object. The empty path is not a value.
    pub fn get_path<S: AsRef<str>>(&self, path: &[S]) -> Option<&Value> {
        let (last, parents) = path.split_last()?;
        let mut map = &self.0;
        for key in parents {
            map = map.get(key.as_ref())?.as_object()?;
        }
        map.get(last.as_ref())
    }

    /// Decodes the value at a nested `path` as `T` (missing reads as `null`).
    pub fn get_path_as<T: CrateType>(&self, path: &[impl AsRef<str>]) -> Result<T, DecodeError> {
        T::from_value(self.get_path(path).cloned().unwrap_or(Value::Null))
    }

    /// Sets the value at a nested `path`, creating missing intermediate objects, and
    /// returns the previous value.
    ///
    /// # Errors
    /// [`Error::Encode`](crate::Error::Encode) when `path` is empty or an intermediate
    /// value exists and is not an object (it is never overwritten).
    pub fn set_path<S: AsRef<str>>(
        &mut self,
        path: &[S],
        value: impl Into<Value>,
    ) -> crate::Result<Option<Value>> {
        let Some((last, parents)) = path.split_last() else {
            return Err(path_error(path, "the path is empty"));
        };
        let mut map = &mut self.0;
        for (depth, key) in parents.iter().enumerate() {
            let slot = map
                .entry(key.as_ref())
                .or_insert_with(|| Value::Object(Map::new()));
            map = match slot {
                Value::Object(inner) => inner,
                other => {
                    let message = format!(
                        "cannot set a key inside {}: it is not an object",
                        describe_value(other)
                    );
                    return Err(path_error(&path[..=depth], &message));
                }
            };
        }
        Ok(map.insert(last.as_ref().to_owned(), value.into()))
    }

    /// Removes the value at a nested `path`, returning it.
    pub fn remove_path<S: AsRef<str>>(&mut self, path: &[S]) -> Option<Value> {
        let (last, parents) = path.split_last()?;
        let mut map = &mut self.0;
        for key in parents {
            map = map.get_mut(key.as_ref())?.as_object_mut()?;
        }
        map.shift_remove(last.as_ref())
    }

    /// The underlying map.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The underlying map, mutably.
    pub fn as_map_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.0
    }

    /// Unwraps the underlying map.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    #[doc(hidden)]
    /// Used by [`object!`](crate::object): the map of a JSON object, empty otherwise.
    pub fn __from_json_object(value: Value) -> Self {
        match value {
            Value::Object(map) => Object(map),
            _ => Object::new(),
        }
    }
}

/// An [`Error::Encode`](crate::Error::Encode) naming a dotted path.
fn path_error<S: AsRef<str>>(path: &[S], message: &str) -> crate::Error {
    crate::Error::Encode {
        column: path.iter().map(AsRef::as_ref).collect::<Vec<_>>().join("."),
        message: message.to_owned(),
    }
}

/// Builds an [`Object`] from JSON-like syntax (the syntax of `serde_json::json!`).
///
/// ```
/// let o = cratedb_orm::object! { "gender": "female", "tags": ["a", "b"], "n": 1 };
/// assert_eq!(o.len(), 3);
/// assert_eq!(cratedb_orm::object! {}, cratedb_orm::Object::new());
/// ```
#[macro_export]
macro_rules! object {
    ($($body:tt)*) => {
        $crate::Object::__from_json_object($crate::__serde_json::json!({ $($body)* }))
    };
}

impl Index<&str> for Object {
    type Output = Value;

    /// The value of `key`, or `null` when missing (never panics).
    fn index(&self, key: &str) -> &Value {
        self.0.get(key).unwrap_or(&NULL)
    }
}

impl From<Map<String, Value>> for Object {
    fn from(map: Map<String, Value>) -> Self {
        Object(map)
    }
}

impl From<Object> for Value {
    fn from(object: Object) -> Self {
        Value::Object(object.0)
    }
}

impl TryFrom<Value> for Object {
    type Error = DecodeError;

    fn try_from(value: Value) -> Result<Self, DecodeError> {
        Object::from_value(value)
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Object {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Object(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl IntoIterator for Object {
    type Item = (String, Value);
    type IntoIter = serde_json::map::IntoIter;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Object {
    type Item = (&'a String, &'a Value);
    type IntoIter = serde_json::map::Iter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Object {
    /// The object as JSON text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_string(&self.0).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl CrateType for Object {
    const CLASS: TypeClass = TypeClass::Object;

    fn sql_type() -> SqlType {
        SqlType::object()
    }

    fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Object(map) => Ok(Object(map)),
            other => Err(DecodeError::new("OBJECT", &other)),
        }
    }

    fn as_object(&self) -> Option<&Map<String, Value>> {
        Some(&self.0)
    }

    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&self.0, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_path_never_overwrites_a_non_object() {
        let mut o = crate::object! { "a": 1 };
        let err = o.set_path(&["a", "b"], 2).unwrap_err();
        assert_eq!(
            err.to_string(),
            "column \"a\": cannot set a key inside 1: it is not an object"
        );
        assert!(o.set_path::<&str>(&[], 2).is_err());
        assert_eq!(o["a"], json!(1));
        assert_eq!(o.set_path(&["x", "y", "z"], true).unwrap(), None);
        assert_eq!(o.get_path(&["x", "y", "z"]), Some(&json!(true)));
        assert_eq!(o.remove_path(&["x", "y", "z"]), Some(json!(true)));
        assert_eq!(o.get_path(&["x", "y"]), Some(&json!({})));
        assert_eq!(o.get_path(&["a", "b"]), None);
    }

    #[test]
    fn missing_keys_read_as_null() {
        let o = Object::new();
        assert_eq!(o["nope"], Value::Null);
        assert_eq!(o.get_as::<Option<String>>("nope"), Ok(None));
        let err = o.get_as::<String>("nope").unwrap_err();
        assert_eq!(err.expected, "TEXT");
    }

    #[test]
    fn display_is_json() {
        let o = crate::object! { "b": 1, "a": "x\"y" };
        assert_eq!(o.to_string(), r#"{"b":1,"a":"x\"y"}"#);
        assert!(Object::from_value(json!([1])).is_err());
    }
}
