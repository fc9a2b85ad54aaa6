//! [`ObjectArray`]: CrateDB's `ARRAY(OBJECT)`.

use serde_json::value::RawValue;
use serde_json::Value;

use super::{describe_value, CrateType, DecodeError, Object, SqlType, TypeClass, Wire};

/// A CrateDB `ARRAY(OBJECT)` value: a list of [`Object`]s.
///
/// [`values_of`](ObjectArray::values_of) mirrors CrateDB's `"more_details"['foo']`: the
/// list of that key's values, one per object (`null` where an object lacks the key).
///
/// ```
/// use cratedb_orm::{object, ObjectArray};
/// use serde_json::json;
///
/// let mut more = ObjectArray::from(vec![object! { "foo": 1, "bar": 10 }, object! { "foo": 2 }]);
/// more.push(object! { "foo": 3 });
/// assert_eq!(more.len(), 3);
/// assert_eq!(more.values_of("foo"), vec![json!(1), json!(2), json!(3)]);
/// assert_eq!(more.values_as::<Option<i64>>("bar").unwrap(), vec![Some(10), None, None]);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectArray(pub Vec<Object>);

impl ObjectArray {
    /// An empty array.
    pub fn new() -> Self {
        ObjectArray(Vec::new())
    }

    /// Appends an object.
    pub fn push(&mut self, object: Object) {
        self.0.push(object);
    }

    /// Removes and returns the object at `index`, if there is one.
    pub fn remove(&mut self, index: usize) -> Option<Object> {
        (index < self.0.len()).then(|| self.0.remove(index))
    }

    /// The number of objects.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the array is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The object at `index`.
    pub fn get(&self, index: usize) -> Option<&Object> {
        self.0.get(index)
    }

    /// The object at `index`, mutably.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut Object> {
        self.0.get_mut(index)
    }

    /// The objects, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Object> {
        self.0.iter()
    }

    /// The objects, mutably.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Object> {
        self.0.iter_mut()
    }

    /// The value of `key` in every object, in order (`null` where it is missing).
    pub fn values_of(&self, key: &str) -> Vec<Value> {
        self.0.iter().map(|o| o[key].clone()).collect()
    }

    /// The value of `key` in every object, decoded as `T` (missing reads as `null`).
    pub fn values_as<T: CrateType>(&self, key: &str) -> Result<Vec<T>, DecodeError> {
        self.0.iter().map(|o| o.get_as(key)).collect()
    }

    /// Unwraps the list of objects.
    pub fn into_vec(self) -> Vec<Object> {
        self.0
    }
}

impl From<Vec<Object>> for ObjectArray {
    fn from(objects: Vec<Object>) -> Self {
        ObjectArray(objects)
    }
}

impl From<ObjectArray> for Value {
    fn from(array: ObjectArray) -> Self {
        Value::Array(array.0.into_iter().map(Value::from).collect())
    }
}

impl TryFrom<Value> for ObjectArray {
    type Error = DecodeError;

    fn try_from(value: Value) -> Result<Self, DecodeError> {
        ObjectArray::from_value(value)
    }
}

impl FromIterator<Object> for ObjectArray {
    fn from_iter<I: IntoIterator<Item = Object>>(iter: I) -> Self {
        ObjectArray(iter.into_iter().collect())
    }
}

impl Extend<Object> for ObjectArray {
    fn extend<I: IntoIterator<Item = Object>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl IntoIterator for ObjectArray {
    type Item = Object;
    type IntoIter = std::vec::IntoIter<Object>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a ObjectArray {
    type Item = &'a Object;
    type IntoIter = std::slice::Iter<'a, Object>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl CrateType for ObjectArray {
    const CLASS: TypeClass = TypeClass::ObjectArray;

    fn sql_type() -> SqlType {
        SqlType::Array(Box::new(SqlType::object()))
    }

    fn to_value(&self) -> Value {
        Value::Array(self.0.iter().map(CrateType::to_value).collect())
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        let Value::Array(items) = value else {
            return Err(DecodeError::new("ARRAY(OBJECT)", &value));
        };
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(map) => Ok(Object::from(map)),
                other => Err(DecodeError {
                    expected: format!("ARRAY(OBJECT) (element {i}: OBJECT)"),
                    found: describe_value(&other),
                }),
            })
            .collect()
    }

    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(Wire))
    }

    fn deserialize_wire<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Result<Self, DecodeError>, D::Error> {
        // The text first: a value that is not an array of objects is described exactly as
        // `from_value` describes it.
        let raw: Box<RawValue> = serde::Deserialize::deserialize(d)?;
        let Ok(items) = serde_json::from_str::<Vec<Box<RawValue>>>(raw.get()) else {
            return Ok(from_text(raw.get()));
        };
        let mut objects = Vec::with_capacity(items.len());
        for item in items {
            match Object::from_raw(item) {
                Ok(object) => objects.push(object),
                Err(_) => return Ok(from_text(raw.get())),
            }
        }
        Ok(Ok(ObjectArray(objects)))
    }
}

/// Decodes JSON text through a `Value` (for the exact error of a value that does not fit).
fn from_text(text: &str) -> Result<ObjectArray, DecodeError> {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => ObjectArray::from_value(value),
        Err(e) => Err(DecodeError {
            expected: "ARRAY(OBJECT)".to_owned(),
            found: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_only_arrays_of_objects() {
        let a = ObjectArray::from_value(json!([{"a": 1}, {}])).unwrap();
        assert_eq!(a.len(), 2);
        let err = ObjectArray::from_value(json!([{}, 3])).unwrap_err();
        assert_eq!(err.expected, "ARRAY(OBJECT) (element 1: OBJECT)");
        assert!(ObjectArray::from_value(json!({})).is_err());
        assert_eq!(ObjectArray::sql_type().to_string(), "ARRAY(OBJECT)");
    }

    #[test]
    fn remove_out_of_range_is_none() {
        let mut a = ObjectArray::new();
        assert_eq!(a.remove(0), None);
        a.push(Object::new());
        assert_eq!(a.remove(0), Some(Object::new()));
    }

    #[test]
    fn received_arrays_keep_each_object_as_text() {
        let text = r#"[{"foo":1,"bar":10},{"foo":2}]"#;
        let mut de = serde_json::Deserializer::from_str(text);
        let a = ObjectArray::deserialize_wire(&mut de).unwrap().unwrap();
        assert_eq!(a.values_of("foo"), vec![json!(1), json!(2)]);
        assert_eq!(
            serde_json::to_string(&crate::types::Wire(&a)).unwrap(),
            text
        );
        assert_eq!(
            a,
            ObjectArray::from_value(serde_json::from_str(text).unwrap()).unwrap()
        );
        for bad in ["[{}, 3]", "{}", "null", "[[1]]"] {
            let mut de = serde_json::Deserializer::from_str(bad);
            let err = ObjectArray::deserialize_wire(&mut de).unwrap().unwrap_err();
            let value: Value = serde_json::from_str(bad).unwrap();
            assert_eq!(err, ObjectArray::from_value(value).unwrap_err(), "{bad}");
        }
    }
}
