//! CrateDB types: how each Rust type maps to a CrateDB column type and to its wire value.
//!
//! Every field of a model implements [`CrateType`]: it names its DDL type ([`SqlType`]) and
//! converts to and from the JSON value CrateDB sends and accepts (see PROTOCOL.md,
//! "Values on the wire").

mod array;
#[cfg(feature = "rust_decimal")]
mod decimal;
mod float;
mod geo_point;
mod geo_shape;
mod ip;
mod json;
mod json_value;
mod object;
mod object_array;
pub(crate) mod object_text;
mod option;
mod scalar;
mod sql_type;
mod timestamp;
#[cfg(feature = "chrono")]
mod timestamp_chrono;
mod timestamp_parse;
#[cfg(feature = "time")]
mod timestamp_time;
mod timestamp_trunc;
mod type_class;
mod uuid;
mod vector;

#[cfg(feature = "rust_decimal")]
pub use decimal::{Numeric, DECIMAL_PRECISION, DECIMAL_SCALE};
pub use geo_point::GeoPoint;
pub use geo_shape::GeoShape;
pub use json::Json;
pub use object::Object;
pub(crate) use object::{lookup, WireValue};
pub use object_array::ObjectArray;
pub use sql_type::{ObjectPolicy, SqlType};
pub use timestamp::{Timestamp, TimestampTz};
pub use timestamp_trunc::TruncUnit;
pub use type_class::TypeClass;
pub use uuid::random_uuid;
pub use vector::FloatVector;

use serde_json::Value;

/// A value that did not fit the Rust type it was decoded into.
///
/// The model layer wraps it with the column name into [`crate::Error::Decode`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("expected {expected}, found {found}")]
pub struct DecodeError {
    /// What the Rust type accepts, e.g. `"TEXT"` or `"INTEGER (i32)"`.
    pub expected: String,
    /// A short rendering of the value that was found (truncated when long).
    pub found: String,
}

impl DecodeError {
    /// A decode error for `value`, which is not a valid `expected`.
    pub fn new(expected: impl Into<String>, value: &Value) -> Self {
        DecodeError {
            expected: expected.into(),
            found: describe_value(value),
        }
    }
}

/// Renders a value for an error message: JSON text, cut at 80 characters.
pub fn describe_value(value: &Value) -> String {
    const MAX: usize = 80;
    let text = value.to_string();
    if text.chars().count() <= MAX {
        text
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// A Rust type that can be stored in a CrateDB column.
///
/// Implemented for:
///
/// | Rust | CrateDB | wire |
/// |---|---|---|
/// | `String` | `TEXT` | string |
/// | `bool` | `BOOLEAN` | boolean |
/// | `i16` / `i32` / `i64` | `SMALLINT` / `INTEGER` / `BIGINT` | integer (exact, also beyond 2^53) |
/// | `f32` / `f64` | `REAL` / `DOUBLE PRECISION` | number; NaN and ±∞ as the strings `"NaN"`, `"Infinity"`, `"-Infinity"` |
/// | [`Timestamp`] / [`TimestampTz`] | `TIMESTAMP WITHOUT` / `WITH TIME ZONE` | epoch milliseconds (ISO-8601 strings accepted) |
/// | [`Object`] | `OBJECT` | object |
/// | [`ObjectArray`] | `ARRAY(OBJECT)` | array of objects |
/// | `Vec<T>` | `ARRAY(T)` | array |
/// | [`GeoPoint`] | `GEO_POINT` | `[lon, lat]` (GeoJSON Point and WKT accepted) |
/// | [`GeoShape`] | `GEO_SHAPE` | GeoJSON geometry |
/// | [`FloatVector<N>`] | `FLOAT_VECTOR(N)` | array of N numbers |
/// | [`serde_json::Value`] | `OBJECT(IGNORED)` | any JSON (nullable) |
/// | [`Json<T>`] (`T: Serialize + DeserializeOwned`) | `OBJECT` | object (serde) |
/// | `uuid::Uuid` | `TEXT` | hyphenated lower-case string |
/// | `std::net::IpAddr` / `Ipv4Addr` / `Ipv6Addr` | `IP` | string |
/// | `Option<T>` | `T`, nullable | `null` or `T` |
///
/// With the `chrono` feature also `chrono::DateTime<Utc>` (`TIMESTAMP WITH TIME ZONE`) and
/// `chrono::NaiveDateTime` (`TIMESTAMP WITHOUT TIME ZONE`); with the `time` feature
/// `time::OffsetDateTime` and `time::PrimitiveDateTime` likewise. With the `rust_decimal`
/// feature `rust_decimal::Decimal` (`NUMERIC(38, 10)`) and `Numeric<P, S>` (`NUMERIC(P, S)`),
/// sent as strings and read with every digit.
///
/// Non-finite floats: JSON has no NaN or infinity, so they travel as the strings CrateDB
/// casts to `REAL`/`DOUBLE PRECISION` (`"NaN"`, `"Infinity"`, `"-Infinity"`) and are decoded
/// back from them; they are never silently turned into `null`.
///
/// ```
/// use cratedb_orm::CrateType;
/// use serde_json::json;
/// assert_eq!(i64::from_value(json!(9_007_199_254_740_993_i64)), Ok(9_007_199_254_740_993));
/// assert_eq!(Some("Arthur".to_string()).to_value(), json!("Arthur"));
/// assert_eq!(<Option<i32>>::from_value(json!(null)), Ok(None));
/// assert!(i32::from_value(json!("1")).is_err());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a CrateDB column",
    label = "not a CrateDB column type",
    note = "column types: String, bool, i16, i32, i64, f32, f64, Timestamp, TimestampTz, Object, ObjectArray, GeoPoint, GeoShape, FloatVector<N>, serde_json::Value, uuid::Uuid, IpAddr, Ipv4Addr, Ipv6Addr, Vec<T> and Option<T> of these (see `cratedb_orm::CrateType`)",
    note = "a struct of your own is stored as an OBJECT by `cratedb_orm::types::Json<T>` (T: Serialize + DeserializeOwned); implement `CrateType` for any other type"
)]
pub trait CrateType: Sized {
    /// The column type used in `CREATE TABLE`.
    fn sql_type() -> SqlType;

    /// Whether the column is nullable (`Option<T>`); anything else is `NOT NULL`.
    const NULLABLE: bool = false;

    /// The type's coarse category, for the derive's compile-time checks of column options.
    const CLASS: TypeClass = TypeClass::Other;

    /// Encodes the value for the wire (a bound parameter).
    fn to_value(&self) -> Value;

    /// Decodes a value received from CrateDB.
    fn from_value(value: Value) -> Result<Self, DecodeError>;

    /// The value's keys when it is an OBJECT (borrowed, not encoded): the session diffs
    /// objects key by key through it. `None` for every other type, or a NULL object.
    fn as_object(&self) -> Option<&serde_json::Map<String, Value>> {
        None
    }

    /// The value as an [`Object`], when it is one (`None` for every other type, or a NULL
    /// object): how the session reads one key of it for an UPDATE.
    fn object_ref(&self) -> Option<&Object> {
        None
    }

    /// The value as an [`Object`] to change in place, when it is one (`None` for every other
    /// type, or a NULL object): how [`Session::set_key`](crate::Session::set_key) changes one key.
    fn object_mut(&mut self) -> Option<&mut Object> {
        None
    }

    /// Writes the wire value (what [`to_value`](CrateType::to_value) returns) straight into a
    /// serializer, without building a `Value`: how the session streams bulk inserts.
    fn serialize_wire<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&self.to_value(), serializer)
    }

    /// Decodes a value straight from the JSON parser (a column of a result row): what
    /// [`from_value`](CrateType::from_value) does, without building a `Value` where the type
    /// can avoid it (an [`Object`] keeps its text). The outer error is the parser's; a value
    /// that does not fit the type is the inner [`DecodeError`].
    fn deserialize_wire<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Result<Self, DecodeError>, D::Error> {
        let value: Value = serde::Deserialize::deserialize(deserializer)?;
        Ok(Self::from_value(value))
    }
}

/// A [`CrateType`] value as its wire form, for `serde` (`Wire(&value)` serializes like
/// `value.to_value()`).
pub struct Wire<'a, T>(pub &'a T);

impl<T: CrateType> serde::Serialize for Wire<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_wire(serializer)
    }
}
