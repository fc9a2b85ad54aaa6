//! [`CrateType`] for `String`, `bool` and the integer types.

use serde_json::Value;

use super::{CrateType, DecodeError, SqlType, TypeClass};

impl CrateType for String {
    const CLASS: TypeClass = TypeClass::Text;

    fn sql_type() -> SqlType {
        SqlType::Text
    }

    fn to_value(&self) -> Value {
        Value::String(self.clone())
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::String(s) => Ok(s),
            other => Err(DecodeError::new("TEXT", &other)),
        }
    }

    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
}

impl CrateType for bool {
    const CLASS: TypeClass = TypeClass::Boolean;

    fn sql_type() -> SqlType {
        SqlType::Boolean
    }

    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Bool(b) => Ok(b),
            other => Err(DecodeError::new("BOOLEAN", &other)),
        }
    }

    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(*self)
    }
}

/// Integers travel as exact JSON integers (never via `f64`), so a BIGINT beyond 2^53 keeps
/// every digit. A value out of the Rust type's range is a decode error, never truncated.
macro_rules! integer_type {
    ($ty:ty, $sql:ident, $expected:literal) => {
        impl CrateType for $ty {
            const CLASS: TypeClass = TypeClass::Numeric;

            fn sql_type() -> SqlType {
                SqlType::$sql
            }

            fn to_value(&self) -> Value {
                Value::from(*self)
            }

            fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                serde::Serialize::serialize(self, s)
            }

            fn from_value(value: Value) -> Result<Self, DecodeError> {
                value
                    .as_i64()
                    .and_then(|n| <$ty>::try_from(n).ok())
                    .ok_or_else(|| DecodeError::new($expected, &value))
            }
        }
    };
}

integer_type!(i16, Smallint, "SMALLINT (i16)");
integer_type!(i32, Integer, "INTEGER (i32)");
integer_type!(i64, Bigint, "BIGINT (i64)");

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_check_their_range() {
        assert_eq!(i16::from_value(json!(32767)), Ok(32767));
        let err = i16::from_value(json!(32768)).unwrap_err();
        assert_eq!(err.expected, "SMALLINT (i16)");
        assert_eq!(err.found, "32768");
        assert!(i32::from_value(json!(1.5)).is_err());
        assert!(i64::from_value(json!(u64::MAX)).is_err());
        assert_eq!(i64::from_value(json!(i64::MIN)), Ok(i64::MIN));
    }

    #[test]
    fn text_and_bool_are_strict() {
        assert!(String::from_value(json!(1)).is_err());
        assert!(bool::from_value(json!("true")).is_err());
        assert_eq!(String::sql_type().to_string(), "TEXT");
    }
}
