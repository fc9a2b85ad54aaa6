//! [`CrateType`] for `Option<T>`: a nullable column.

use std::fmt;
use std::marker::PhantomData;

use serde::de::Visitor;
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

    fn object_ref(&self) -> Option<&super::Object> {
        self.as_ref().and_then(T::object_ref)
    }

    fn object_mut(&mut self) -> Option<&mut super::Object> {
        self.as_mut().and_then(T::object_mut)
    }

    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(v) => v.serialize_wire(s),
            None => s.serialize_none(),
        }
    }

    fn deserialize_wire<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Result<Self, DecodeError>, D::Error> {
        d.deserialize_option(OptionVisitor(PhantomData))
    }
}

/// `null` is `None`; anything else is decoded as `T`.
struct OptionVisitor<T>(PhantomData<fn() -> T>);

impl<'de, T: CrateType> Visitor<'de> for OptionVisitor<T> {
    type Value = Result<Option<T>, DecodeError>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(None))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(None))
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Ok(T::deserialize_wire(d)?.map(Some))
    }
}
