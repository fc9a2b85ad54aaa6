//! [`Object`]: CrateDB's OBJECT, an ordered JSON map with typed and nested access.

use std::fmt;
use std::ops::Index;
use std::sync::{Arc, OnceLock};

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::object_text::{find_member, Member};
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
///
/// An object read from CrateDB keeps the JSON text it arrived as until it is first read
/// (then it is parsed once) or changed: loading many rows costs little more than their text,
/// and an unchanged object is written back verbatim.
#[derive(Default)]
pub struct Object {
    /// The keys and values, once built or changed: the truth when present. Shared with the
    /// object's copies until one of them changes it (copy on write): the session's copy of
    /// a model's database state costs a reference count, not a map.
    map: Option<Arc<Map<String, Value>>>,
    /// The JSON text as received from CrateDB (always an object), while unchanged.
    raw: Option<Box<RawValue>>,
    /// The parse of `raw`, made on first read.
    parsed: OnceLock<Box<Map<String, Value>>>,
}

impl PartialEq for Object {
    /// Equal when they hold the same keys with equal values, in any order. Objects whose keys
    /// are in the same order (the usual case: one is a copy of the other) are compared pair
    /// by pair, without looking keys up; two unchanged objects with the same text are equal
    /// without being parsed.
    fn eq(&self, other: &Self) -> bool {
        if let (Some(a), Some(b)) = (&self.map, &other.map) {
            if Arc::ptr_eq(a, b) {
                return true;
            }
        }
        if let (None, Some(a), None, Some(b)) = (&self.map, &self.raw, &other.map, &other.raw) {
            if a.get() == b.get() {
                return true;
            }
        }
        let (a, b) = (self.as_map(), other.as_map());
        if a.len() != b.len() {
            return false;
        }
        let mut pairs = a.iter().zip(b.iter());
        if pairs.all(|((ka, va), (kb, vb))| ka == kb && va == vb) {
            return true;
        }
        a == b
    }
}

impl Clone for Object {
    /// An unchanged received object copies its text, not a parsed map; a built or changed
    /// one shares its map until either copy changes.
    fn clone(&self) -> Self {
        match (&self.map, &self.raw) {
            (Some(map), _) => Object {
                map: Some(Arc::clone(map)),
                raw: None,
                parsed: OnceLock::new(),
            },
            (None, raw) => Object {
                map: None,
                raw: raw.clone(),
                parsed: OnceLock::new(),
            },
        }
    }
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Object").field(self.as_map()).finish()
    }
}

/// The empty map, read for an object without keys.
fn empty_map() -> &'static Map<String, Value> {
    static EMPTY: OnceLock<Map<String, Value>> = OnceLock::new();
    EMPTY.get_or_init(Map::new)
}

/// The value read for a missing key.
static NULL: Value = Value::Null;

/// Maps of up to this many keys are searched in order, comparing lengths first, instead of
/// through their hash index: for the few keys of a typical OBJECT that is faster than
/// hashing the key (SipHash) and probing, and it touches less memory.
const SCAN_UP_TO: usize = 8;

/// The value under `key` in `map`.
pub(crate) fn lookup<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
    if map.len() <= SCAN_UP_TO {
        return map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v);
    }
    map.get(key)
}

/// The value under `key` in `map`, to change it.
fn lookup_mut<'m>(map: &'m mut Map<String, Value>, key: &str) -> Option<&'m mut Value> {
    if map.len() <= SCAN_UP_TO {
        return map
            .iter_mut()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v);
    }
    map.get_mut(key)
}

impl Object {
    /// An empty object.
    pub fn new() -> Self {
        Object::default()
    }

    /// An object from JSON text received from CrateDB, kept as text until it is read or
    /// changed. Text that would not parse back the same way later (deep nesting, numbers
    /// with exponents or very long) is parsed at once instead.
    pub(crate) fn from_raw(raw: Box<RawValue>) -> Result<Self, DecodeError> {
        let text = raw.get();
        if !text.trim_start().starts_with('{') || !lazy_parse_is_safe(text) {
            let value: Value = serde_json::from_str(text).map_err(|e| DecodeError {
                expected: "OBJECT".to_owned(),
                found: e.to_string(),
            })?;
            return Object::from_value(value);
        }
        Ok(Object {
            map: None,
            raw: Some(raw),
            parsed: OnceLock::new(),
        })
    }

    /// The keys and values, for reading (parsed on first use).
    fn map_ref(&self) -> &Map<String, Value> {
        match (&self.map, &self.raw) {
            (Some(map), _) => map,
            (None, Some(raw)) => self.parsed.get_or_init(|| Box::new(parse_raw(raw))),
            (None, None) => empty_map(),
        }
    }

    /// The keys and values, for changing: the text form is dropped, and a map shared with
    /// a copy is copied first.
    fn map_mut(&mut self) -> &mut Map<String, Value> {
        let raw = self.raw.take();
        let parsed = &mut self.parsed;
        let map = self.map.get_or_insert_with(|| {
            Arc::new(match parsed.take() {
                Some(map) => *map,
                None => raw.as_deref().map(parse_raw).unwrap_or_default(),
            })
        });
        Arc::make_mut(map)
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.map_ref().len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.map_ref().is_empty()
    }

    /// Whether `key` is present (also when its value is `null`).
    pub fn contains_key(&self, key: &str) -> bool {
        self.map_ref().contains_key(key)
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.map_ref().keys().map(String::as_str)
    }

    /// The key/value pairs, in order.
    pub fn iter(&self) -> serde_json::map::Iter<'_> {
        self.map_ref().iter()
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        lookup(self.map_ref(), key)
    }

    /// The value of `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        lookup_mut(self.map_mut(), key)
    }

    /// Decodes the value of `key` as `T`. A missing key reads as `null`, so
    /// `get_as::<Option<T>>` gives `Ok(None)` and `get_as::<T>` an error.
    pub fn get_as<T: CrateType>(&self, key: &str) -> Result<T, DecodeError> {
        T::from_value(self.get(key).cloned().unwrap_or(Value::Null))
    }

    /// Sets `key` to `value`, returning the previous value. A new key goes last.
    ///
    /// An object still held as the text it arrived in has the key replaced in that text,
    /// without parsing the rest of the object.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        let (key, value) = (key.into(), value.into());
        if let Some(old) = self.set_in_text(&key, &value) {
            return old;
        }
        self.map_mut().insert(key, value)
    }

    /// Replaces or adds the top-level member `key` in the received text itself, while the
    /// object is only text (not parsed or changed since it arrived): no parse of the whole
    /// object. `None` when that does not apply (the caller changes the map instead);
    /// otherwise the previous value.
    fn set_in_text(&mut self, key: &str, value: &Value) -> Option<Option<Value>> {
        let text = self.unparsed_text()?;
        let member = find_member(text, key);
        let (start, end, new_key) = match &member {
            Member::Value(range) => (range.start, range.end, None),
            Member::Absent { at, first } => {
                let name = serde_json::to_string(key).ok()?;
                (*at, *at, Some((if *first { "" } else { "," }, name)))
            }
            Member::Unknown => return None,
        };
        // The rest of the text read back the same already; the new value must too (one
        // level deeper, well within the parser's limit).
        let value_text = value.to_string();
        if !lazy_parse_is_safe(&value_text) {
            return None;
        }
        let (before, after) = (text.get(..start)?, text.get(end..)?);
        let key_len = new_key
            .as_ref()
            .map_or(0, |(sep, name)| sep.len() + name.len() + 1);
        let mut out =
            String::with_capacity(before.len() + key_len + value_text.len() + after.len());
        out.push_str(before);
        if let Some((sep, name)) = &new_key {
            out.push_str(sep);
            out.push_str(name);
            out.push(':');
        }
        out.push_str(&value_text);
        out.push_str(after);
        let old = match &member {
            Member::Value(range) => Some(serde_json::from_str(text.get(range.clone())?).ok()?),
            _ => None,
        };
        self.raw = Some(RawValue::from_string(out).ok()?);
        Some(old)
    }

    /// The JSON text the object is held as, while it has not been changed through its map
    /// (received, or changed only in its text).
    pub(crate) fn text(&self) -> Option<&str> {
        match (&self.map, &self.raw) {
            (None, Some(raw)) => Some(raw.get()),
            _ => None,
        }
    }

    /// [`text`](Object::text), while nothing has read it either (not parsed yet): what the
    /// text-only paths work on.
    fn unparsed_text(&self) -> Option<&str> {
        self.parsed.get().is_none().then(|| self.text()).flatten()
    }

    /// The value at `path`, to write it to CrateDB: for a one-key path of an object still
    /// held as text, the member's own text (the object is not parsed).
    pub(crate) fn wire_value_at<S: AsRef<str>>(&self, path: &[S]) -> Option<WireValue<'_>> {
        if let ([key], Some(text)) = (path, self.unparsed_text()) {
            match find_member(text, key.as_ref()) {
                Member::Value(range) => {
                    if let Some(member) = text
                        .get(range)
                        .and_then(|t| serde_json::from_str::<&RawValue>(t).ok())
                    {
                        return Some(WireValue::Text(member));
                    }
                }
                Member::Absent { .. } => return None,
                Member::Unknown => {}
            }
        }
        self.get_path(path).map(WireValue::Value)
    }

    /// Removes `key`, returning its value; the other keys keep their order.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.map_mut().shift_remove(key)
    }

    /// The value at a nested `path` (`&["address", "city"]`); `None` when a key is missing
    /// or an intermediate value is not an object. The empty path is not a value.
    pub fn get_path<S: AsRef<str>>(&self, path: &[S]) -> Option<&Value> {
        let (last, parents) = path.split_last()?;
        let mut map = self.map_ref();
        for key in parents {
            map = lookup(map, key.as_ref())?.as_object()?;
        }
        lookup(map, last.as_ref())
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
        let value = value.into();
        if parents.is_empty() {
            if let Some(old) = self.set_in_text(last.as_ref(), &value) {
                return Ok(old);
            }
        }
        let mut map = self.map_mut();
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
        // An existing key is replaced in place (no new key string).
        if let Some(slot) = lookup_mut(map, last.as_ref()) {
            return Ok(Some(std::mem::replace(slot, value)));
        }
        Ok(map.insert(last.as_ref().to_owned(), value))
    }

    /// Removes the value at a nested `path`, returning it.
    pub fn remove_path<S: AsRef<str>>(&mut self, path: &[S]) -> Option<Value> {
        let (last, parents) = path.split_last()?;
        let mut map = self.map_mut();
        for key in parents {
            map = lookup_mut(map, key.as_ref())?.as_object_mut()?;
        }
        map.shift_remove(last.as_ref())
    }

    /// The underlying map.
    pub fn as_map(&self) -> &Map<String, Value> {
        self.map_ref()
    }

    /// The underlying map, mutably.
    pub fn as_map_mut(&mut self) -> &mut Map<String, Value> {
        self.map_mut()
    }

    /// Unwraps the underlying map.
    pub fn into_map(mut self) -> Map<String, Value> {
        std::mem::take(self.map_mut())
    }

    #[doc(hidden)]
    /// Used by [`object!`](crate::object): the map of a JSON object, empty otherwise.
    pub fn __from_json_object(value: Value) -> Self {
        match value {
            Value::Object(map) => Object::from(map),
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
        self.get(key).unwrap_or(&NULL)
    }
}

impl From<Map<String, Value>> for Object {
    fn from(map: Map<String, Value>) -> Self {
        Object {
            map: Some(Arc::new(map)),
            raw: None,
            parsed: OnceLock::new(),
        }
    }
}

impl From<Object> for Value {
    fn from(object: Object) -> Self {
        Value::Object(object.into_map())
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
        Object::from(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect::<Map<String, Value>>(),
        )
    }
}

impl IntoIterator for Object {
    type Item = (String, Value);
    type IntoIter = serde_json::map::IntoIter;

    fn into_iter(self) -> Self::IntoIter {
        self.into_map().into_iter()
    }
}

impl<'a> IntoIterator for &'a Object {
    type Item = (&'a String, &'a Value);
    type IntoIter = serde_json::map::Iter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.map_ref().iter()
    }
}

impl fmt::Display for Object {
    /// The object as JSON text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (None, Some(raw)) = (&self.map, &self.raw) {
            return f.write_str(raw.get());
        }
        let text = serde_json::to_string(self.map_ref()).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl CrateType for Object {
    const CLASS: TypeClass = TypeClass::Object;

    fn sql_type() -> SqlType {
        SqlType::object()
    }

    fn to_value(&self) -> Value {
        Value::Object(self.map_ref().clone())
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Object(map) => Ok(Object::from(map)),
            other => Err(DecodeError::new("OBJECT", &other)),
        }
    }

    fn as_object(&self) -> Option<&Map<String, Value>> {
        Some(self.map_ref())
    }

    fn object_ref(&self) -> Option<&Object> {
        Some(self)
    }

    fn object_mut(&mut self) -> Option<&mut Object> {
        Some(self)
    }

    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match (&self.map, &self.raw) {
            (None, Some(raw)) => serde::Serialize::serialize(raw, s),
            _ => serde::Serialize::serialize(self.map_ref(), s),
        }
    }

    fn deserialize_wire<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Result<Self, DecodeError>, D::Error> {
        let raw: Box<RawValue> = serde::Deserialize::deserialize(d)?;
        Ok(Object::from_raw(raw))
    }
}

/// A value inside an object, as [`Object::wire_value_at`] finds it: parsed, or the JSON text
/// of a member of an object not parsed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum WireValue<'a> {
    /// A parsed value.
    Value(&'a Value),
    /// A member's JSON text.
    Text(&'a RawValue),
}

impl serde::Serialize for WireValue<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            WireValue::Value(v) => v.serialize(s),
            WireValue::Text(t) => t.serialize(s),
        }
    }
}

/// Parses text checked by [`Object::from_raw`]; it cannot fail then (an impossible failure
/// reads as an empty object rather than a panic).
fn parse_raw(raw: &RawValue) -> Map<String, Value> {
    serde_json::from_str(raw.get()).unwrap_or_default()
}

/// Whether JSON text (valid, as the parser already checked it) parses later exactly as it
/// would now: no nesting deeper than the parser's limit, no number that might not fit an
/// `f64` (an exponent, or very many digits).
pub(crate) fn lazy_parse_is_safe(text: &str) -> bool {
    const MAX_DEPTH: usize = 100;
    const MAX_DIGITS: usize = 300;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut digits = 0usize;
    for &b in text.as_bytes() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return false;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'e' | b'E' if digits > 0 => return false,
            _ => {}
        }
        if b.is_ascii_digit() || (digits > 0 && b == b'.') {
            digits += 1;
            if digits > MAX_DIGITS {
                return false;
            }
        } else {
            digits = 0;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Wire;
    use serde_json::json;

    fn received(text: &str) -> Object {
        let raw = RawValue::from_string(text.to_owned()).expect("valid JSON");
        Object::from_raw(raw).expect("an object")
    }

    fn still_text(o: &Object) -> bool {
        o.map.is_none() && o.parsed.get().is_none() && o.raw.is_some()
    }

    #[test]
    fn one_key_of_received_text_changes_in_the_text() {
        let mut o = received(r#"{"gender":"male","species":"human","age":42}"#);
        assert_eq!(o.set("species", "Betelgeusian"), Some(json!("human")));
        assert!(still_text(&o));
        assert_eq!(
            o.to_string(),
            r#"{"gender":"male","species":"Betelgeusian","age":42}"#
        );
        assert_eq!(
            o.set_path(&["planet"], json!({"name": "Earth"})).unwrap(),
            None
        );
        assert!(still_text(&o));
        assert_eq!(
            o.to_string(),
            r#"{"gender":"male","species":"Betelgeusian","age":42,"planet":{"name":"Earth"}}"#
        );
        let mut empty = received("{ }");
        assert_eq!(empty.set("a", 1), None);
        assert_eq!(empty.to_string(), r#"{ "a":1}"#);
        // Reading parses it; later changes go to the map.
        assert_eq!(o["species"], "Betelgeusian");
        assert_eq!(o.set("age", 43), Some(json!(42)));
        assert!(o.map.is_some());
        assert_eq!(
            o.keys().collect::<Vec<_>>(),
            ["gender", "species", "age", "planet"]
        );
    }

    #[test]
    fn text_changes_that_would_not_read_back_the_same_go_through_the_map() {
        // An exponent may not parse back to the same number later: parse now instead.
        let mut o = received(r#"{"a":1}"#);
        o.set("b", 1e300);
        assert!(o.map.is_some());
        assert_eq!(o["b"], json!(1e300));
        // Escaped keys and nested paths are the map's business too.
        let mut o = received(r#"{"\u0061":1}"#);
        assert_eq!(o.set("a", 2), Some(json!(1)));
        assert!(o.map.is_some());
        let mut o = received(r#"{"x":{"y":1}}"#);
        assert_eq!(o.set_path(&["x", "y"], 2).unwrap(), Some(json!(1)));
        assert_eq!(o.get_path(&["x", "y"]), Some(&json!(2)));
    }

    #[test]
    fn wire_values_come_from_the_text_while_it_is_not_parsed() {
        let o = received(r#"{"s":"x","n":{"k":[1,2]}}"#);
        let text = |v: Option<WireValue<'_>>| v.map(|v| serde_json::to_string(&v).unwrap());
        assert!(matches!(o.wire_value_at(&["n"]), Some(WireValue::Text(_))));
        assert_eq!(
            text(o.wire_value_at(&["n"])).as_deref(),
            Some(r#"{"k":[1,2]}"#)
        );
        assert_eq!(
            o.wire_value_at(&["n"])
                .map(|v| serde_json::to_value(v).unwrap()),
            Some(json!({"k": [1, 2]}))
        );
        assert!(o.wire_value_at(&["missing"]).is_none());
        assert_eq!(text(o.wire_value_at(&["n", "k"])).as_deref(), Some("[1,2]"));
        assert!(still_text(&received(r#"{"s":"x"}"#)));
        let _ = o.get("s");
        assert!(matches!(o.wire_value_at(&["s"]), Some(WireValue::Value(_))));
    }

    proptest::proptest! {
        #[test]
        fn changing_received_text_agrees_with_changing_the_map(
            members in proptest::collection::vec(("[a-c\"\\\\é ]{0,3}", json_value()), 0..5),
            key in "[a-c\"\\\\é ]{0,3}",
            value in json_value(),
            spaced in proptest::bool::ANY,
        ) {
            let mut expected = Map::new();
            for (k, v) in &members {
                expected.insert(k.clone(), v.clone());
            }
            let text = if spaced {
                serde_json::to_string_pretty(&expected).unwrap()
            } else {
                serde_json::to_string(&expected).unwrap()
            };
            let mut o = received(&text);
            let old = o.set(key.clone(), value.clone());
            proptest::prop_assert_eq!(old, expected.insert(key, value));
            proptest::prop_assert_eq!(o.keys().collect::<Vec<_>>(), expected.keys().map(String::as_str).collect::<Vec<_>>());
            proptest::prop_assert_eq!(o.as_map(), &expected);
        }
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            "[a-z\"\\\\}{\\],]{0,4}".prop_map(Value::from),
        ];
        leaf.prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
                proptest::collection::vec(("[a-z}]{0,2}", inner), 0..3)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn copies_share_the_map_until_one_changes() {
        let original = crate::object! { "species": "human", "age": 42 };
        let mut copy = original.clone();
        let shared = |a: &Object, b: &Object| match (&a.map, &b.map) {
            (Some(x), Some(y)) => Arc::ptr_eq(x, y),
            _ => false,
        };
        assert!(shared(&original, &copy));
        assert_eq!(original, copy);
        copy.set("species", "Betelgeusian");
        assert!(!shared(&original, &copy));
        assert_eq!(original["species"], "human");
        assert_eq!(copy["species"], "Betelgeusian");
        assert_ne!(original, copy);
        // Changing the only holder of a map changes it in place.
        let before = copy.map.as_ref().map(Arc::as_ptr);
        copy.set("age", 43);
        assert_eq!(copy.map.as_ref().map(Arc::as_ptr), before);
    }

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

    /// Decodes `text` as a column value, as a query does.
    fn wire(text: &str) -> Result<Object, DecodeError> {
        let mut de = serde_json::Deserializer::from_str(text);
        Object::deserialize_wire(&mut de).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn received_text_is_kept_until_changed() {
        let text = r#"{"b":1,"a":{"x":[1,2.5,"s\"}"]},"c":null}"#;
        let o = wire(text).unwrap();
        assert_eq!(o.to_string(), text);
        assert!(o.map.is_none() && o.raw.is_some());
        // Reading parses once and keeps the text.
        assert_eq!(o["b"], json!(1));
        assert_eq!(o.keys().collect::<Vec<_>>(), ["b", "a", "c"]);
        assert_eq!(serde_json::to_string(&Wire(&o)).unwrap(), text);
        // Equal to the same keys in another order, built or received.
        let built = crate::object! { "a": {"x": [1, 2.5, "s\"}"]}, "c": null, "b": 1 };
        assert_eq!(o, built);
        assert_eq!(o, wire(text).unwrap());
        assert_ne!(
            o,
            wire(r#"{"b":2,"a":{"x":[1,2.5,"s\"}"]},"c":null}"#).unwrap()
        );
        // A copy copies the text (not the parse); setting one key changes that text, and
        // removing one drops the text for the map.
        let mut changed = o.clone();
        assert!(changed.raw.is_some() && changed.parsed.get().is_none());
        changed.set("d", 4);
        assert!(changed.raw.is_some() && changed.map.is_none());
        assert_eq!(
            changed.to_string(),
            r#"{"b":1,"a":{"x":[1,2.5,"s\"}"]},"c":null,"d":4}"#
        );
        assert_eq!(changed.to_value()["d"], json!(4));
        assert_ne!(o, changed);
        let mut removed = o.clone();
        assert_eq!(removed.remove("b"), Some(json!(1)));
        assert!(removed.raw.is_none() && removed.map.is_some());
        assert_eq!(removed.into_map().len(), 2);
    }

    #[test]
    fn text_that_might_parse_differently_later_is_parsed_at_once() {
        let o = wire(r#"{"a":1.5e3,"b":"1e400"}"#).unwrap();
        assert!(o.raw.is_none());
        // As a number (with serde_json's `arbitrary_precision` the Value keeps the text 1.5e3).
        assert_eq!(o["a"].as_f64(), Some(1500.0));
        // Beyond f64: an error, unless serde_json's `arbitrary_precision` (feature
        // `rust_decimal`) keeps the number as its text.
        match wire(r#"{"a":1e400}"#) {
            Err(err) => assert_eq!(err.expected, "OBJECT"),
            Ok(o) => {
                assert!(
                    serde_json::from_str::<Value>("1e400").is_ok(),
                    "arbitrary precision"
                );
                assert_eq!(
                    Some(&o["a"]),
                    serde_json::from_str::<Value>("1e400").ok().as_ref()
                );
            }
        }
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(120), "]".repeat(120));
        assert!(
            wire(&deep).unwrap().raw.is_none(),
            "deep nesting is parsed at once"
        );
        let deeper = format!("{{\"a\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        assert!(wire(&deeper).is_err(), "nesting beyond the parser's limit");
        let fine = format!("{{\"a\":{}1{}}}", "[".repeat(50), "]".repeat(50));
        assert!(wire(&fine).unwrap().raw.is_some());
        let long = format!("{{\"a\":{}}}", "9".repeat(305));
        assert!(wire(&long).unwrap().raw.is_none());
    }

    #[test]
    fn received_non_objects_are_decode_errors_like_from_value() {
        for text in ["[1]", "null", "\"x\"", "3"] {
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                wire(text).unwrap_err(),
                Object::from_value(value).unwrap_err()
            );
        }
        let mut de = serde_json::Deserializer::from_str("null");
        assert_eq!(
            <Option<Object>>::deserialize_wire(&mut de).unwrap(),
            Ok(None)
        );
        let mut de = serde_json::Deserializer::from_str(r#"{"a":1}"#);
        let some = <Option<Object>>::deserialize_wire(&mut de)
            .unwrap()
            .unwrap();
        assert_eq!(some, Some(crate::object! { "a": 1 }));
    }
}
