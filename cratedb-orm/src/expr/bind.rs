//! Binding Rust values as parameters: [`ToSqlValue`] (a value's wire form) and the
//! [`AsExpr`] implementations that say which SQL kind each Rust value may stand for.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::{Map, Value};

use super::expression::AsExpr;
use super::kind;
use super::node::{Node, N};
use crate::types::{self, CrateType};

/// A Rust value that can be sent to CrateDB as a bound parameter.
///
/// Column types ([`CrateType`]) are sent in their [`CrateType::to_value`] form (so
/// non-finite floats travel as `"NaN"`, `"Infinity"`, `"-Infinity"`); `&str`, small
/// integers, slices and arrays are accepted too.
pub trait ToSqlValue {
    /// The value's wire form.
    fn to_sql_value(&self) -> Value;
}

impl<T: ToSqlValue + ?Sized> ToSqlValue for &T {
    fn to_sql_value(&self) -> Value {
        (**self).to_sql_value()
    }
}

impl ToSqlValue for str {
    fn to_sql_value(&self) -> Value {
        Value::String(self.to_owned())
    }
}

impl ToSqlValue for Cow<'_, str> {
    fn to_sql_value(&self) -> Value {
        Value::String(self.as_ref().to_owned())
    }
}

/// Column types: their wire form is [`CrateType::to_value`]'s.
macro_rules! crate_type_values {
    ($($ty:ty),*) => {
        $(impl ToSqlValue for $ty {
            fn to_sql_value(&self) -> Value {
                CrateType::to_value(self)
            }
        })*
    };
}
crate_type_values!(
    String,
    bool,
    i16,
    i32,
    i64,
    f32,
    f64,
    Value,
    types::Object,
    types::ObjectArray,
    types::GeoPoint,
    types::GeoShape,
    types::Timestamp,
    types::TimestampTz,
    uuid::Uuid,
    IpAddr,
    Ipv4Addr,
    Ipv6Addr
);

#[cfg(feature = "rust_decimal")]
crate_type_values!(rust_decimal::Decimal);

#[cfg(feature = "rust_decimal")]
impl<const P: u8, const S: u8> ToSqlValue for types::Numeric<P, S> {
    fn to_sql_value(&self) -> Value {
        CrateType::to_value(self)
    }
}

impl<T: serde::Serialize + serde::de::DeserializeOwned> ToSqlValue for types::Json<T> {
    fn to_sql_value(&self) -> Value {
        CrateType::to_value(self)
    }
}

#[cfg(feature = "chrono")]
crate_type_values!(chrono::DateTime<chrono::Utc>, chrono::NaiveDateTime);
#[cfg(feature = "time")]
crate_type_values!(time::OffsetDateTime, time::PrimitiveDateTime);

impl<const D: usize> ToSqlValue for types::FloatVector<D> {
    fn to_sql_value(&self) -> Value {
        CrateType::to_value(self)
    }
}

/// Small integers that are not column types, bound as numbers.
macro_rules! small_int_values {
    ($($ty:ty),*) => {
        $(impl ToSqlValue for $ty {
            fn to_sql_value(&self) -> Value {
                Value::from(*self)
            }
        })*
    };
}
small_int_values!(i8, u8, u16, u32);

impl<T: ToSqlValue> ToSqlValue for Option<T> {
    fn to_sql_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToSqlValue::to_sql_value)
    }
}

impl<T: ToSqlValue> ToSqlValue for [T] {
    fn to_sql_value(&self) -> Value {
        Value::Array(self.iter().map(ToSqlValue::to_sql_value).collect())
    }
}

impl<T: ToSqlValue> ToSqlValue for Vec<T> {
    fn to_sql_value(&self) -> Value {
        self.as_slice().to_sql_value()
    }
}

impl<T: ToSqlValue, const D: usize> ToSqlValue for [T; D] {
    fn to_sql_value(&self) -> Value {
        self.as_slice().to_sql_value()
    }
}

impl ToSqlValue for (f64, f64) {
    /// A `(lon, lat)` pair: `[lon, lat]`.
    fn to_sql_value(&self) -> Value {
        Value::Array(vec![self.0.to_sql_value(), self.1.to_sql_value()])
    }
}

impl ToSqlValue for Map<String, Value> {
    fn to_sql_value(&self) -> Value {
        Value::Object(self.clone())
    }
}

fn param<V: ToSqlValue + ?Sized>(v: &V) -> Node {
    Node(N::Param(v.to_sql_value()))
}

/// Implements `AsExpr<kind>` for value types (and references to them): each is bound as a
/// parameter.
macro_rules! bind_as {
    ($kind:ty: $($ty:ty),* $(,)?) => {
        $(
            impl AsExpr<$kind> for $ty {
                type Refs = ();
                fn into_node(self) -> Node {
                    param(&self)
                }
            }
            impl AsExpr<$kind> for &$ty {
                type Refs = ();
                fn into_node(self) -> Node {
                    param(self)
                }
            }
        )*
    };
}

bind_as!(kind::Text: String, &str, Cow<'_, str>);
bind_as!(kind::Numeric: i8, i16, i32, i64, u8, u16, u32, f32, f64);
bind_as!(kind::Bool: bool);
bind_as!(kind::Object: types::Object, Map<String, Value>);
bind_as!(kind::Array<kind::Object>: types::ObjectArray);
bind_as!(kind::GeoPoint: types::GeoPoint, (f64, f64), [f64; 2], String, &str);
bind_as!(kind::GeoShape: types::GeoShape, String, &str);
// Timestamps compare with timestamp values only: text is parsed explicitly
// (`"2025-03-02T00:00:00Z".parse::<TimestampTz>()?`), epoch milliseconds wrapped
// (`TimestampTz(ms)`).
bind_as!(kind::Timestamp: types::Timestamp, types::TimestampTz);

// A JSON-typed expression (an object key) compares with any value.
bind_as!(kind::Json: String, &str, Cow<'_, str>);
bind_as!(kind::Json: i8, i16, i32, i64, u8, u16, u32, f32, f64, bool);
bind_as!(kind::Json: types::Object, Map<String, Value>, types::ObjectArray);
bind_as!(kind::Json: types::GeoPoint, types::GeoShape, types::Timestamp, types::TimestampTz);
bind_as!(kind::Text: uuid::Uuid);
bind_as!(kind::Json: uuid::Uuid);
bind_as!(kind::Ip: IpAddr, Ipv4Addr, Ipv6Addr);
bind_as!(kind::Json: IpAddr, Ipv4Addr, Ipv6Addr);

#[cfg(feature = "rust_decimal")]
bind_as!(kind::Numeric: rust_decimal::Decimal);
#[cfg(feature = "rust_decimal")]
bind_as!(kind::Json: rust_decimal::Decimal);
#[cfg(feature = "rust_decimal")]
impl<const P: u8, const S: u8> AsExpr<kind::Numeric> for types::Numeric<P, S> {
    type Refs = ();
    fn into_node(self) -> Node {
        param(&self)
    }
}
#[cfg(feature = "rust_decimal")]
impl<const P: u8, const S: u8> AsExpr<kind::Numeric> for &types::Numeric<P, S> {
    type Refs = ();
    fn into_node(self) -> Node {
        param(self)
    }
}

impl<T: serde::Serialize + serde::de::DeserializeOwned> AsExpr<kind::Object> for types::Json<T> {
    type Refs = ();
    fn into_node(self) -> Node {
        param(&self)
    }
}
impl<T: serde::Serialize + serde::de::DeserializeOwned> AsExpr<kind::Object> for &types::Json<T> {
    type Refs = ();
    fn into_node(self) -> Node {
        param(self)
    }
}

#[cfg(feature = "chrono")]
bind_as!(kind::Timestamp: chrono::DateTime<chrono::Utc>, chrono::NaiveDateTime);
#[cfg(feature = "chrono")]
bind_as!(kind::Json: chrono::DateTime<chrono::Utc>, chrono::NaiveDateTime);
#[cfg(feature = "time")]
bind_as!(kind::Timestamp: time::OffsetDateTime, time::PrimitiveDateTime);
#[cfg(feature = "time")]
bind_as!(kind::Json: time::OffsetDateTime, time::PrimitiveDateTime);

impl<const D: usize> AsExpr<kind::Vector<D>> for types::FloatVector<D> {
    type Refs = ();
    fn into_node(self) -> Node {
        param(&self)
    }
}
impl<const D: usize> AsExpr<kind::Vector<D>> for &types::FloatVector<D> {
    type Refs = ();
    fn into_node(self) -> Node {
        param(self)
    }
}
impl<const D: usize> AsExpr<kind::Vector<D>> for [f32; D] {
    type Refs = ();
    fn into_node(self) -> Node {
        param(&self)
    }
}
impl<const D: usize> AsExpr<kind::Vector<D>> for &[f32; D] {
    type Refs = ();
    fn into_node(self) -> Node {
        param(self)
    }
}
/// A vector of any length: checked by CrateDB, not at compile time.
impl<const D: usize> AsExpr<kind::Vector<D>> for Vec<f32> {
    type Refs = ();
    fn into_node(self) -> Node {
        param(&self)
    }
}
impl<const D: usize> AsExpr<kind::Vector<D>> for &[f32] {
    type Refs = ();
    fn into_node(self) -> Node {
        param(self)
    }
}
impl<const D: usize> AsExpr<kind::Json> for types::FloatVector<D> {
    type Refs = ();
    fn into_node(self) -> Node {
        param(&self)
    }
}

/// A `serde_json::Value` is untyped: it fits every kind (an explicit escape hatch).
impl<K> AsExpr<K> for Value {
    type Refs = ();
    fn into_node(self) -> Node {
        Node(N::Param(self))
    }
}
impl<K> AsExpr<K> for &Value {
    type Refs = ();
    fn into_node(self) -> Node {
        param(self)
    }
}

/// `None` binds `NULL`; `Some(v)` binds `v`.
impl<K, V: AsExpr<K>> AsExpr<K> for Option<V> {
    type Refs = V::Refs;
    fn into_node(self) -> Node {
        match self {
            Some(v) => v.into_node(),
            None => Node(N::Param(Value::Null)),
        }
    }
}

/// Arrays of values of kind `K` are `ARRAY(K)` values.
impl<K, V: AsExpr<K> + ToSqlValue> AsExpr<kind::Array<K>> for Vec<V> {
    type Refs = ();
    fn into_node(self) -> Node {
        param(&self)
    }
}
impl<K, V: AsExpr<K> + ToSqlValue> AsExpr<kind::Array<K>> for &[V] {
    type Refs = ();
    fn into_node(self) -> Node {
        param(self)
    }
}
impl<K, V: AsExpr<K> + ToSqlValue, const D: usize> AsExpr<kind::Array<K>> for [V; D] {
    type Refs = ();
    fn into_node(self) -> Node {
        param(&self)
    }
}
impl<V: ToSqlValue> AsExpr<kind::Json> for Vec<V> {
    type Refs = ();
    fn into_node(self) -> Node {
        param(&self)
    }
}
impl<V: ToSqlValue> AsExpr<kind::Json> for &[V] {
    type Refs = ();
    fn into_node(self) -> Node {
        param(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wire_forms() {
        assert_eq!("a".to_sql_value(), json!("a"));
        assert_eq!(f64::NAN.to_sql_value(), json!("NaN"));
        assert_eq!(Some(3i64).to_sql_value(), json!(3));
        assert_eq!(None::<i64>.to_sql_value(), Value::Null);
        assert_eq!(vec![1, 2].to_sql_value(), json!([1, 2]));
        assert_eq!(
            types::GeoPoint {
                lon: 9.74,
                lat: 47.41
            }
            .to_sql_value(),
            json!([9.74, 47.41])
        );
        assert_eq!(
            types::FloatVector([1.0, 0.5]).to_sql_value(),
            json!([1.0, 0.5])
        );
        assert_eq!(types::TimestampTz(1_000).to_sql_value(), json!(1000));
        let mut m = Map::new();
        m.insert("foo".into(), json!(1));
        assert_eq!(
            types::ObjectArray::from(vec![types::Object::from(m)]).to_sql_value(),
            json!([{"foo": 1}])
        );
    }
}
