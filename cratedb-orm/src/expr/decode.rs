//! Decoding result values: [`FromSqlValue`] for one value, [`FromRow`] for a whole row
//! (tuples), with errors that name the column and show the value.

use serde_json::{Map, Value};

use crate::types::{self, CrateType, DecodeError};
use crate::{Error, Result};

/// A Rust type that can be decoded from a value CrateDB returned: every column type
/// ([`CrateType`], decoded as [`CrateType::from_value`] does), `Option`, `Vec` and JSON maps.
pub trait FromSqlValue: Sized {
    /// Decodes `value`, or says what was expected instead.
    fn from_sql_value(value: Value) -> Result<Self, DecodeError>;
}

/// Column types decode as [`CrateType::from_value`] does.
macro_rules! crate_type_decode {
    ($($ty:ty),*) => {
        $(impl FromSqlValue for $ty {
            fn from_sql_value(value: Value) -> Result<Self, DecodeError> {
                CrateType::from_value(value)
            }
        })*
    };
}
crate_type_decode!(
    Value,
    String,
    bool,
    i16,
    i32,
    i64,
    f32,
    f64,
    types::Object,
    types::ObjectArray,
    types::GeoPoint,
    types::GeoShape,
    types::Timestamp,
    types::TimestampTz,
    uuid::Uuid,
    std::net::IpAddr,
    std::net::Ipv4Addr,
    std::net::Ipv6Addr
);

#[cfg(feature = "rust_decimal")]
crate_type_decode!(rust_decimal::Decimal);

#[cfg(feature = "rust_decimal")]
impl<const P: u8, const S: u8> FromSqlValue for types::Numeric<P, S> {
    fn from_sql_value(value: Value) -> Result<Self, DecodeError> {
        CrateType::from_value(value)
    }
}

impl<T: serde::Serialize + serde::de::DeserializeOwned> FromSqlValue for types::Json<T> {
    fn from_sql_value(value: Value) -> Result<Self, DecodeError> {
        CrateType::from_value(value)
    }
}

#[cfg(feature = "chrono")]
crate_type_decode!(chrono::DateTime<chrono::Utc>, chrono::NaiveDateTime);
#[cfg(feature = "time")]
crate_type_decode!(time::OffsetDateTime, time::PrimitiveDateTime);

impl<const D: usize> FromSqlValue for types::FloatVector<D> {
    fn from_sql_value(value: Value) -> Result<Self, DecodeError> {
        CrateType::from_value(value)
    }
}

impl<T: FromSqlValue> FromSqlValue for Option<T> {
    fn from_sql_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Null => Ok(None),
            other => T::from_sql_value(other).map(Some),
        }
    }
}

impl<T: FromSqlValue> FromSqlValue for Vec<T> {
    fn from_sql_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Array(items) => items.into_iter().map(T::from_sql_value).collect(),
            other => Err(DecodeError::new("ARRAY", &other)),
        }
    }
}

impl FromSqlValue for Map<String, Value> {
    fn from_sql_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Object(map) => Ok(map),
            other => Err(DecodeError::new("OBJECT", &other)),
        }
    }
}

/// Decodes result value number `index` of a row into `T`; errors name the column.
pub fn decode_column<T: FromSqlValue>(
    cols: &[String],
    row: &mut [Value],
    index: usize,
) -> Result<T> {
    let column = || {
        cols.get(index)
            .cloned()
            .unwrap_or_else(|| format!("#{}", index + 1))
    };
    let Some(slot) = row.get_mut(index) else {
        return Err(Error::Decode {
            column: column(),
            expected: format!("a value at result position {}", index + 1),
            found: format!("a row of {} values", row.len()),
        });
    };
    T::from_sql_value(std::mem::take(slot)).map_err(|e| Error::decode(column(), e))
}

/// A whole result row decoded by position: tuples of [`FromSqlValue`] types, or
/// `Vec<Value>` for the raw row.
pub trait FromRow: Sized {
    /// How many values the row must have (`None`: any number).
    const WIDTH: Option<usize>;

    /// Decodes one row; `cols` are the result's column names (for errors).
    fn from_row(cols: &[String], row: Vec<Value>) -> Result<Self>;
}

impl FromRow for Vec<Value> {
    const WIDTH: Option<usize> = None;
    fn from_row(_cols: &[String], row: Vec<Value>) -> Result<Self> {
        Ok(row)
    }
}

macro_rules! tuple_from_row {
    ($width:literal: $($t:ident $i:tt),+) => {
        impl<$($t: FromSqlValue),+> FromRow for ($($t,)+) {
            const WIDTH: Option<usize> = Some($width);
            fn from_row(cols: &[String], mut row: Vec<Value>) -> Result<Self> {
                Ok(($(decode_column::<$t>(cols, &mut row, $i)?,)+))
            }
        }
    };
}

tuple_from_row!(1: A 0);
tuple_from_row!(2: A 0, B 1);
tuple_from_row!(3: A 0, B 1, C 2);
tuple_from_row!(4: A 0, B 1, C 2, D 3);
tuple_from_row!(5: A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(6: A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(7: A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_row!(8: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_from_row!(9: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_from_row!(10: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_from_row!(11: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_from_row!(12: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars() {
        assert_eq!(
            i64::from_sql_value(json!(9_007_199_254_740_993i64)).ok(),
            Some(9_007_199_254_740_993)
        );
        assert!(i16::from_sql_value(json!(70000)).is_err());
        assert!(i32::from_sql_value(json!(1.5)).is_err());
        assert_eq!(f32::from_sql_value(json!(1)).ok(), Some(1.0));
        assert_eq!(
            Option::<String>::from_sql_value(Value::Null).ok(),
            Some(None)
        );
        assert!(String::from_sql_value(Value::Null).is_err());
    }

    #[test]
    fn crate_types() {
        let p = types::GeoPoint::from_sql_value(json!([9.74, 47.41])).ok();
        assert_eq!(
            p,
            Some(types::GeoPoint {
                lon: 9.74,
                lat: 47.41
            })
        );
        let p =
            types::GeoPoint::from_sql_value(json!({"type": "Point", "coordinates": [1.0, 2.0]}))
                .ok();
        assert_eq!(p, Some(types::GeoPoint { lon: 1.0, lat: 2.0 }));
        assert!(types::GeoPoint::from_sql_value(json!([1.0])).is_err());
        assert!(types::FloatVector::<3>::from_sql_value(json!([1.0, 2.0])).is_err());
        assert_eq!(
            types::FloatVector::<2>::from_sql_value(json!([1.0, 2.0])).ok(),
            Some(types::FloatVector([1.0, 2.0]))
        );
        assert!(types::ObjectArray::from_sql_value(json!([{"a": 1}, 2])).is_err());
    }

    #[test]
    fn row_errors_name_the_column_and_value() {
        let cols = vec!["name".to_string(), "details['age']".to_string()];
        let err = <(String, i64)>::from_row(&cols, vec![json!("Arthur"), json!("forty-two")])
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(r#"column "details['age']": expected BIGINT (i64), found "forty-two""#)
        );
        let err = <(String, i64)>::from_row(&cols, vec![json!("Arthur")])
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("\"details['age']\"")));
    }
}
