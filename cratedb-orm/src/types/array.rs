//! [`CrateType`] for `Vec<T>`: an `ARRAY(T)` column.

use serde_json::Value;

use super::{describe_value, CrateType, DecodeError, SqlType, TypeClass};

/// `Vec<T>` is `ARRAY(T)`; use `Vec<Option<T>>` for arrays that may contain `NULL` and
/// `Option<Vec<T>>` for a nullable array column.
impl<T: CrateType> CrateType for Vec<T> {
    const CLASS: TypeClass = match T::CLASS {
        TypeClass::Object => TypeClass::ObjectArray,
        _ => TypeClass::Array,
    };

    fn sql_type() -> SqlType {
        SqlType::Array(Box::new(T::sql_type()))
    }

    fn to_value(&self) -> Value {
        Value::Array(self.iter().map(CrateType::to_value).collect())
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    T::from_value(item).map_err(|e| DecodeError {
                        expected: format!("{} (element {i}: {})", Self::sql_type(), e.expected),
                        found: e.found,
                    })
                })
                .collect(),
            other => Err(DecodeError {
                expected: Self::sql_type().to_string(),
                found: describe_value(&other),
            }),
        }
    }

    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(super::Wire))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arrays_decode_element_by_element() {
        assert_eq!(Vec::<i32>::from_value(json!([1, 2])), Ok(vec![1, 2]));
        let err = Vec::<i32>::from_value(json!([1, "x"])).unwrap_err();
        assert_eq!(err.expected, "ARRAY(INTEGER) (element 1: INTEGER (i32))");
        assert_eq!(err.found, "\"x\"");
        assert!(Vec::<i32>::from_value(json!(null)).is_err());
        assert_eq!(
            Vec::<Option<i32>>::from_value(json!([null, 1])),
            Ok(vec![None, Some(1)])
        );
    }
}
