//! [`CrateType`] for [`serde_json::Value`]: free-form JSON in an `OBJECT(IGNORED)` column.

use serde_json::Value;

use super::{CrateType, DecodeError, ObjectPolicy, SqlType, TypeClass};

/// Any JSON value, stored in an `OBJECT(IGNORED)` column (keys stored but not indexed).
///
/// Decoding accepts anything, so this is also the type to read a value of unknown shape
/// (e.g. a selected `details['gender']`). It is nullable (`Value::Null`). For an object
/// column with indexed keys and typed access prefer [`Object`](super::Object).
impl CrateType for Value {
    const NULLABLE: bool = true;
    const CLASS: TypeClass = TypeClass::Object;

    fn sql_type() -> SqlType {
        SqlType::Object {
            policy: Some(ObjectPolicy::Ignored),
            columns: Vec::new(),
        }
    }

    fn to_value(&self) -> Value {
        self.clone()
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        Ok(value)
    }

    fn as_object(&self) -> Option<&serde_json::Map<String, Value>> {
        // The inherent `Value::as_object`.
        Value::as_object(self)
    }

    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(self, s)
    }
}
