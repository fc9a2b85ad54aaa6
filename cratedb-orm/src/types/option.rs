//! [`CrateType`] for `Option<T>`: a nullable column.

use serde_json::Value;

use super::{CrateType, DecodeError, SqlType, TypeClass};

/// `None` is SQL `NULL`; the column is declared without `NOT NULL`.
impl<T: CrateType> CrateType for Option<T> {
    const NULLABLE: bool = true;
    const CLASS: TypeClass = T::CLASS;

    fn sql_type() -> SqlType {
        T::sql_type()
    }

    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }

    fn as_object(&self) -> Option<&serde_json::Map<String, Value>> {
        self.as_ref().and_then(T::as_object)
    }

    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(v) => v.serialize_wire(s),
            None => s.serialize_none(),
        }
    }
}
