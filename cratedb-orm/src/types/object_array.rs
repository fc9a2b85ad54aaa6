//! [`ObjectArray`]: CrateDB's `ARRAY(OBJECT)`.

use std::fmt;
use std::sync::OnceLock;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;

use super::object::lazy_parse_is_safe;
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
///
/// An array read from CrateDB keeps the JSON text it arrived as until it is first read
/// (then it is parsed once into its objects) or changed: loading many rows costs little more
/// than their text, and an unchanged array is written back verbatim. The text is checked
/// when it arrives, so a value that is not an array of objects is still an error at load.
#[derive(Default)]
pub struct ObjectArray {
    repr: Repr,
}

/// What an [`ObjectArray`] holds.
enum Repr {
    /// Objects built or changed in Rust: the truth.
    Built(Vec<Object>),
    /// The JSON text as received (checked to be an array of objects), while unchanged.
    Received {
        /// The text.
        raw: Box<RawValue>,
        /// Its objects, made on first read.
        parsed: OnceLock<Box<[Object]>>,
    },
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Built(Vec::new())
    }
}

impl ObjectArray {
    /// An empty array.
    ///
    /// ```
    /// assert!(cratedb_orm::ObjectArray::new().is_empty());
    /// ```
    pub fn new() -> Self {
        ObjectArray::default()
    }

    /// Appends an object (a received array stops being kept as text).
    pub fn push(&mut self, object: Object) {
        self.as_mut_vec().push(object);
    }

    /// Removes and returns the object at `index`, if there is one.
    pub fn remove(&mut self, index: usize) -> Option<Object> {
        (index < self.len()).then(|| self.as_mut_vec().remove(index))
    }

    /// The number of objects.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether the array is empty.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// The object at `index`.
    pub fn get(&self, index: usize) -> Option<&Object> {
        self.as_slice().get(index)
    }

    /// The object at `index`, mutably (a received array stops being kept as text).
    pub fn get_mut(&mut self, index: usize) -> Option<&mut Object> {
        self.as_mut_vec().get_mut(index)
    }

    /// The objects, in order.
    ///
    /// ```
    /// use cratedb_orm::{object, ObjectArray};
    ///
    /// let more = ObjectArray::from(vec![object! { "foo": 1 }, object! { "foo": 2 }]);
    /// let foos: Vec<i64> = more.iter().map(|o| o.get_as("foo").unwrap()).collect();
    /// assert_eq!(foos, [1, 2]);
    /// for object in &more {
    ///     assert!(object.contains_key("foo"));
    /// }
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, Object> {
        self.as_slice().iter()
    }

    /// The objects, mutably (a received array stops being kept as text).
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Object> {
        self.as_mut_vec().iter_mut()
    }

    /// The objects, in order. A received array is parsed on the first call, once.
    ///
    /// ```
    /// use cratedb_orm::{object, ObjectArray};
    ///
    /// let more = ObjectArray::from(vec![object! { "foo": 1 }]);
    /// assert_eq!(more.as_slice(), [object! { "foo": 1 }]);
    /// ```
    pub fn as_slice(&self) -> &[Object] {
        match &self.repr {
            Repr::Built(items) => items,
            Repr::Received { raw, parsed } => parsed.get_or_init(|| parse_items(raw).into()),
        }
    }

    /// The list of objects, for changing it in place. A received array is parsed (if it was
    /// not yet) and its text dropped: from then on it is written from its objects.
    ///
    /// ```
    /// use cratedb_orm::{object, ObjectArray};
    ///
    /// let mut more = ObjectArray::from(vec![object! { "foo": 1 }, object! { "foo": 2 }]);
    /// more.as_mut_vec().retain(|o| o["foo"] != 1);
    /// more.as_mut_vec().insert(0, object! { "foo": 0 });
    /// assert_eq!(more, ObjectArray::from(vec![object! { "foo": 0 }, object! { "foo": 2 }]));
    /// ```
    pub fn as_mut_vec(&mut self) -> &mut Vec<Object> {
        if let Repr::Received { raw, parsed } = &mut self.repr {
            let items = match parsed.take() {
                Some(items) => items.into_vec(),
                None => parse_items(raw),
            };
            self.repr = Repr::Built(items);
        }
        match &mut self.repr {
            Repr::Built(items) => items,
            // The received form was replaced just above.
            Repr::Received { .. } => unreachable!("a received array is built before changing"),
        }
    }

    /// The value of `key` in every object, in order (`null` where it is missing).
    pub fn values_of(&self, key: &str) -> Vec<Value> {
        self.iter().map(|o| o[key].clone()).collect()
    }

    /// The value of `key` in every object, decoded as `T` (missing reads as `null`).
    pub fn values_as<T: CrateType>(&self, key: &str) -> Result<Vec<T>, DecodeError> {
        self.iter().map(|o| o.get_as(key)).collect()
    }

    /// Unwraps the list of objects.
    ///
    /// ```
    /// use cratedb_orm::{object, ObjectArray};
    ///
    /// let more = ObjectArray::from(vec![object! { "foo": 1 }]);
    /// assert_eq!(more.into_vec(), vec![object! { "foo": 1 }]);
    /// ```
    pub fn into_vec(self) -> Vec<Object> {
        match self.repr {
            Repr::Built(items) => items,
            Repr::Received { raw, parsed } => match parsed.into_inner() {
                Some(items) => items.into_vec(),
                None => parse_items(&raw),
            },
        }
    }

    /// An array from JSON text received from CrateDB, kept as text until it is read or
    /// changed. Text that is not an array of objects is decoded as before (for the exact
    /// error); text that would not parse back the same way later is parsed at once.
    fn from_raw(raw: Box<RawValue>) -> Result<Self, DecodeError> {
        let text = raw.get();
        if !is_array_of_objects(text) || !lazy_parse_is_safe(text) {
            return decode_now(&raw);
        }
        Ok(ObjectArray {
            repr: Repr::Received {
                raw,
                parsed: OnceLock::new(),
            },
        })
    }
}

/// Decodes received text into objects at once (each object keeps its own text), or, for
/// text that is not an array of objects, reports it exactly as `from_value` would.
fn decode_now(raw: &RawValue) -> Result<ObjectArray, DecodeError> {
    let Ok(items) = serde_json::from_str::<Vec<Box<RawValue>>>(raw.get()) else {
        return from_text(raw.get());
    };
    let mut objects = Vec::with_capacity(items.len());
    for item in items {
        match Object::from_raw(item) {
            Ok(object) => objects.push(object),
            Err(_) => return from_text(raw.get()),
        }
    }
    Ok(ObjectArray::from(objects))
}

/// The objects of text checked by [`ObjectArray::from_raw`]; it cannot fail then (an
/// impossible failure reads as an empty array rather than a panic).
fn parse_items(raw: &RawValue) -> Vec<Object> {
    decode_now(raw)
        .map(ObjectArray::into_vec)
        .unwrap_or_default()
}

/// Whether JSON text is an array whose elements are all objects: one pass over the text,
/// building nothing.
fn is_array_of_objects(text: &str) -> bool {
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_seq(ArrayOfObjects).is_ok() && de.end().is_ok()
}

/// Accepts an array of objects (see [`is_array_of_objects`]).
struct ArrayOfObjects;

impl<'de> Visitor<'de> for ArrayOfObjects {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IsObject>()?.is_some() {}
        Ok(())
    }
}

/// A JSON object, skipped over.
struct IsObject;

impl<'de> Deserialize<'de> for IsObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(IsObject)
    }
}

impl<'de> Visitor<'de> for IsObject {
    type Value = IsObject;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<IsObject, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(IsObject)
    }
}

impl PartialEq for ObjectArray {
    /// Equal when they hold equal objects in the same order; two unchanged arrays with the
    /// same text are equal without being parsed.
    fn eq(&self, other: &Self) -> bool {
        if let (Repr::Received { raw: a, .. }, Repr::Received { raw: b, .. }) =
            (&self.repr, &other.repr)
        {
            if a.get() == b.get() {
                return true;
            }
        }
        self.as_slice() == other.as_slice()
    }
}

impl Clone for ObjectArray {
    /// An unchanged array copies its text, not its parsed objects.
    fn clone(&self) -> Self {
        let repr = match &self.repr {
            Repr::Built(items) => Repr::Built(items.clone()),
            Repr::Received { raw, .. } => Repr::Received {
                raw: raw.clone(),
                parsed: OnceLock::new(),
            },
        };
        ObjectArray { repr }
    }
}

impl fmt::Debug for ObjectArray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ObjectArray")
            .field(&self.as_slice())
            .finish()
    }
}

impl From<Vec<Object>> for ObjectArray {
    fn from(objects: Vec<Object>) -> Self {
        ObjectArray {
            repr: Repr::Built(objects),
        }
    }
}

impl From<ObjectArray> for Value {
    fn from(array: ObjectArray) -> Self {
        Value::Array(array.into_vec().into_iter().map(Value::from).collect())
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
        ObjectArray::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl Extend<Object> for ObjectArray {
    fn extend<I: IntoIterator<Item = Object>>(&mut self, iter: I) {
        self.as_mut_vec().extend(iter);
    }
}

impl IntoIterator for ObjectArray {
    type Item = Object;
    type IntoIter = std::vec::IntoIter<Object>;

    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

impl<'a> IntoIterator for &'a ObjectArray {
    type Item = &'a Object;
    type IntoIter = std::slice::Iter<'a, Object>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl CrateType for ObjectArray {
    const CLASS: TypeClass = TypeClass::ObjectArray;

    fn sql_type() -> SqlType {
        SqlType::Array(Box::new(SqlType::object()))
    }

    fn to_value(&self) -> Value {
        Value::Array(self.iter().map(CrateType::to_value).collect())
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
        match &self.repr {
            Repr::Received { raw, .. } => serde::Serialize::serialize(raw, s),
            Repr::Built(items) => s.collect_seq(items.iter().map(Wire)),
        }
    }

    fn deserialize_wire<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Result<Self, DecodeError>, D::Error> {
        // The text first: checked without building objects; a value that is not an array of
        // objects is described exactly as `from_value` describes it.
        let raw: Box<RawValue> = serde::Deserialize::deserialize(d)?;
        Ok(ObjectArray::from_raw(raw))
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

    /// Decodes `text` as a column value, as a query does.
    fn wire(text: &str) -> Result<ObjectArray, DecodeError> {
        let mut de = serde_json::Deserializer::from_str(text);
        ObjectArray::deserialize_wire(&mut de).unwrap_or_else(|e| panic!("{e}"))
    }

    fn is_text(a: &ObjectArray) -> bool {
        matches!(a.repr, Repr::Received { .. })
    }

    fn is_parsed(a: &ObjectArray) -> bool {
        matches!(&a.repr, Repr::Received { parsed, .. } if parsed.get().is_some())
    }

    #[test]
    fn stays_small() {
        assert!(
            std::mem::size_of::<ObjectArray>() <= 48,
            "{} bytes",
            std::mem::size_of::<ObjectArray>()
        );
    }

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
        // Out of range keeps a received array's text.
        let mut received = wire(r#"[{"a":1}]"#).unwrap();
        assert_eq!(received.remove(1), None);
        assert!(is_text(&received));
        assert_eq!(received.remove(0), Some(crate::object! { "a": 1 }));
        assert!(!is_text(&received) && received.is_empty());
    }

    #[test]
    fn received_arrays_keep_their_text() {
        let text = r#"[{"foo":1,"bar":10},{"foo":2}]"#;
        let a = wire(text).unwrap();
        assert!(is_text(&a) && !is_parsed(&a));
        // Equal to the same text without parsing.
        assert_eq!(a, wire(text).unwrap());
        assert!(!is_parsed(&a));
        // Written back verbatim, also when copied.
        assert_eq!(serde_json::to_string(&Wire(&a)).unwrap(), text);
        let copy = a.clone();
        assert!(is_text(&copy) && !is_parsed(&copy));
        assert_eq!(serde_json::to_string(&Wire(&copy)).unwrap(), text);
        // Reading parses once and keeps the text.
        assert_eq!(a.values_of("foo"), vec![json!(1), json!(2)]);
        assert!(is_parsed(&a));
        let first = a.as_slice().as_ptr();
        assert_eq!(a.len(), 2);
        assert_eq!(a.as_slice().as_ptr(), first, "parsed once");
        assert_eq!(serde_json::to_string(&Wire(&a)).unwrap(), text);
        // Equal to the same objects, built.
        let built = ObjectArray::from_value(serde_json::from_str(text).unwrap()).unwrap();
        assert_eq!(a, built);
        assert_eq!(built, a);
        assert_eq!(a.to_value(), json!([{"foo": 1, "bar": 10}, {"foo": 2}]));
        assert_eq!(format!("{a:?}"), format!("{built:?}"));
        // Unequal text compares the objects: whitespace and key order do not matter.
        assert_eq!(a, wire(r#"[ {"bar":10, "foo":1}, {"foo":2} ]"#).unwrap());
        assert_ne!(a, wire(r#"[{"foo":1,"bar":10},{"foo":3}]"#).unwrap());
        assert_ne!(a, wire(r#"[{"foo":1,"bar":10}]"#).unwrap());
    }

    #[test]
    fn changing_a_received_array_drops_its_text() {
        let text = r#"[{"foo":1},{"foo":2}]"#;
        let mut a = wire(text).unwrap();
        a.push(crate::object! { "foo": 3 });
        assert!(!is_text(&a));
        assert_eq!(
            serde_json::to_string(&Wire(&a)).unwrap(),
            r#"[{"foo":1},{"foo":2},{"foo":3}]"#
        );
        let mut b = wire(text).unwrap();
        assert_eq!(b.len(), 2); // parsed first: the parse is reused
        b.as_mut_vec()[1].set("foo", 20);
        assert!(!is_text(&b));
        assert_eq!(b.values_of("foo"), vec![json!(1), json!(20)]);
        assert_ne!(b, wire(text).unwrap());
        let mut c = wire(text).unwrap();
        if let Some(o) = c.get_mut(0) {
            o.remove("foo");
        }
        assert_eq!(
            serde_json::to_string(&Wire(&c)).unwrap(),
            r#"[{},{"foo":2}]"#
        );
        let mut d = wire(text).unwrap();
        d.extend([Object::new()]);
        assert_eq!(d.len(), 3);
        assert_eq!(wire(text).unwrap().into_vec().len(), 2);
        assert_eq!(wire(text).unwrap().into_iter().count(), 2);
    }

    #[test]
    fn text_that_might_parse_differently_later_is_parsed_at_once() {
        let a = wire(r#"[{"a":1.5e3}]"#).unwrap();
        assert!(!is_text(&a));
        // As a number (with serde_json's `arbitrary_precision` the Value keeps the text 1.5e3).
        let values = a.values_of("a");
        assert_eq!(values.len(), 1);
        assert_eq!(values[0].as_f64(), Some(1500.0));
        // Beyond f64: an error, unless serde_json's `arbitrary_precision` (feature
        // `rust_decimal`) keeps the number as its text.
        match wire(r#"[{"a":1e400}]"#) {
            Err(err) => assert_eq!(err.expected, "ARRAY(OBJECT)"),
            Ok(a) => {
                assert!(
                    serde_json::from_str::<Value>("1e400").is_ok(),
                    "arbitrary precision"
                );
                assert_eq!(
                    a.values_of("a").first(),
                    serde_json::from_str::<Value>("1e400").ok().as_ref()
                );
            }
        }
        let deep = format!("[{{\"a\":{}1{}}}]", "[".repeat(110), "]".repeat(110));
        assert!(
            !is_text(&wire(&deep).unwrap()),
            "deep nesting is parsed at once"
        );
        let deeper = format!("[{{\"a\":{}1{}}}]", "[".repeat(200), "]".repeat(200));
        assert!(wire(&deeper).is_err(), "nesting beyond the parser's limit");
        let fine = format!("[{{\"a\":{}1{}}}]", "[".repeat(50), "]".repeat(50));
        assert!(is_text(&wire(&fine).unwrap()));
        assert!(is_text(&wire("[]").unwrap()));
        assert!(wire("[]").unwrap().is_empty());
    }

    #[test]
    fn received_non_arrays_of_objects_are_decode_errors_like_from_value() {
        for bad in [
            "[{}, 3]", "{}", "null", "[[1]]", "[null]", "\"x\"", "[{},[]]", "3",
        ] {
            let err = wire(bad).unwrap_err();
            let value: Value = serde_json::from_str(bad).unwrap();
            assert_eq!(err, ObjectArray::from_value(value).unwrap_err(), "{bad}");
        }
        let mut de = serde_json::Deserializer::from_str("null");
        assert_eq!(
            <Option<ObjectArray>>::deserialize_wire(&mut de).unwrap(),
            Ok(None)
        );
    }
}
