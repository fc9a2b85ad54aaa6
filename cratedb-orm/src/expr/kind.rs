//! SQL kinds: the type classes the DSL checks at compile time.
//!
//! Every Rust type that a column or expression can have maps to a *kind* through
//! [`ExprType`]: `String` and `Option<String>` are [`Text`], all integers and floats are
//! [`Numeric`], an `Object` is [`Object`], `Vec<T>` is [`Array`] of `T`'s kind, and so on.
//! A comparison compiles only when both sides have [`Compatible`] kinds, so
//! `Character::name().eq(5)` (text against a number) is a compile error.
//!
//! [`Json`] is the kind of values whose type the DSL cannot know, such as an object key
//! (`"details"['gender']`): it is compatible with every kind.

use std::marker::PhantomData;

use serde_json::Value;

use crate::types;

/// `TEXT` (and CrateDB's other string types).
#[derive(Debug)]
pub enum Text {}

/// Integers and floating point numbers (`SMALLINT`, `INTEGER`, `BIGINT`, `REAL`,
/// `DOUBLE PRECISION`).
#[derive(Debug)]
pub enum Numeric {}

/// `BOOLEAN`.
#[derive(Debug)]
pub enum Bool {}

/// A value of unknown type, e.g. an object key (`"details"['gender']`).
///
/// Compatible with every kind.
#[derive(Debug)]
pub enum Json {}

/// `OBJECT`.
#[derive(Debug)]
pub enum Object {}

/// `ARRAY(K)`; `ARRAY(OBJECT)` is `Array<Object>`.
#[derive(Debug)]
pub struct Array<K>(PhantomData<fn() -> K>, std::convert::Infallible);

/// `GEO_POINT`.
#[derive(Debug)]
pub enum GeoPoint {}

/// `GEO_SHAPE`.
#[derive(Debug)]
pub enum GeoShape {}

/// `FLOAT_VECTOR(N)`.
#[derive(Debug)]
pub enum Vector<const N: usize> {}

/// `TIMESTAMP` with or without time zone.
#[derive(Debug)]
pub enum Timestamp {}

/// `IP`.
#[derive(Debug)]
pub enum Ip {}

/// A Rust type an expression can have, and its SQL kind.
///
/// Implemented for every column type the derive supports (`String`, integers, floats,
/// `bool`, [`Option<T>`], `Vec<T>`, the types of [`crate::types`]) and for
/// [`serde_json::Value`] (kind [`Json`]). Implement it for your own column types to use
/// them in the DSL.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a type the query DSL knows",
    note = "implement `cratedb_orm::expr::ExprType` for it to use it in expressions"
)]
pub trait ExprType {
    /// The SQL kind, e.g. [`Text`] for `String`.
    type Kind;
    /// The type without `Option`: `String` for both `String` and `Option<String>`.
    type NonNull;
}

macro_rules! expr_types {
    ($($ty:ty => $kind:ty),* $(,)?) => {
        $(impl ExprType for $ty {
            type Kind = $kind;
            type NonNull = $ty;
        })*
    };
}

expr_types! {
    String => Text,
    i16 => Numeric,
    i32 => Numeric,
    i64 => Numeric,
    f32 => Numeric,
    f64 => Numeric,
    bool => Bool,
    Value => Json,
    types::Object => Object,
    types::ObjectArray => Array<Object>,
    types::GeoPoint => GeoPoint,
    types::GeoShape => GeoShape,
    types::Timestamp => Timestamp,
    types::TimestampTz => Timestamp,
    uuid::Uuid => Text,
    std::net::IpAddr => Ip,
    std::net::Ipv4Addr => Ip,
    std::net::Ipv6Addr => Ip,
}

#[cfg(feature = "rust_decimal")]
expr_types! {
    rust_decimal::Decimal => Numeric,
}

#[cfg(feature = "rust_decimal")]
impl<const P: u8, const S: u8> ExprType for types::Numeric<P, S> {
    type Kind = Numeric;
    type NonNull = types::Numeric<P, S>;
}

impl<T> ExprType for types::Json<T> {
    type Kind = Object;
    type NonNull = types::Json<T>;
}

#[cfg(feature = "chrono")]
expr_types! {
    chrono::DateTime<chrono::Utc> => Timestamp,
    chrono::NaiveDateTime => Timestamp,
}

#[cfg(feature = "time")]
expr_types! {
    time::OffsetDateTime => Timestamp,
    time::PrimitiveDateTime => Timestamp,
}

impl<const N: usize> ExprType for types::FloatVector<N> {
    type Kind = Vector<N>;
    type NonNull = types::FloatVector<N>;
}

impl<T: ExprType> ExprType for Option<T> {
    type Kind = T::Kind;
    type NonNull = T::NonNull;
}

impl<T: ExprType> ExprType for Vec<T> {
    type Kind = Array<T::Kind>;
    type NonNull = Vec<T>;
}

/// Kind `Self` may be compared with (or assigned from) kind `K`.
///
/// Every kind is compatible with itself and with [`Json`].
#[diagnostic::on_unimplemented(
    message = "a SQL value of kind `{Self}` cannot be compared with or used as kind `{K}`",
    label = "mismatched SQL types"
)]
pub trait Compatible<K> {}

macro_rules! compatible {
    ($($kind:ty),*) => {
        $(
            impl Compatible<$kind> for $kind {}
            impl Compatible<Json> for $kind {}
            impl Compatible<$kind> for Json {}
        )*
    };
}

compatible!(Text, Numeric, Bool, Object, GeoPoint, GeoShape, Timestamp, Ip);
impl Compatible<Json> for Json {}
impl<K> Compatible<Array<K>> for Array<K> {}
impl<K> Compatible<Json> for Array<K> {}
impl<K> Compatible<Array<K>> for Json {}
impl<const N: usize> Compatible<Vector<N>> for Vector<N> {}
impl<const N: usize> Compatible<Json> for Vector<N> {}
impl<const N: usize> Compatible<Vector<N>> for Json {}

/// Kinds with arithmetic (`+ - * / %`): [`Numeric`] and [`Json`].
#[diagnostic::on_unimplemented(message = "SQL kind `{Self}` has no arithmetic")]
pub trait Arithmetic {}
impl Arithmetic for Numeric {}
impl Arithmetic for Json {}

/// Kinds that `LIKE`/`ILIKE` and fulltext `MATCH` apply to: [`Text`] and [`Json`].
#[diagnostic::on_unimplemented(message = "SQL kind `{Self}` is not text")]
pub trait TextLike {}
impl TextLike for Text {}
impl TextLike for Json {}

/// Kinds with subscript keys (`"details"['gender']`).
///
/// `Out<U>` is the type of a key whose values have type `U`: `U` for an object,
/// `Option<Vec<U>>` for an array of objects (`"more_details"['foo']` is the array of every
/// element's `foo`, or NULL when the array is).
#[diagnostic::on_unimplemented(message = "SQL kind `{Self}` has no keys: only objects do")]
pub trait Keyed {
    /// The type of a key whose values are `U`.
    type Out<U>;
}
impl Keyed for Object {
    type Out<U> = U;
}
impl Keyed for Json {
    type Out<U> = U;
}
impl Keyed for Array<Object> {
    type Out<U> = Option<Vec<U>>;
}
impl Keyed for Array<Json> {
    type Out<U> = Option<Vec<U>>;
}

/// Geographic kinds: [`GeoPoint`] and [`GeoShape`] (and [`Json`]).
#[diagnostic::on_unimplemented(message = "SQL kind `{Self}` is not geographic")]
pub trait Geographic {}
impl Geographic for GeoPoint {}
impl Geographic for GeoShape {}
impl Geographic for Json {}

/// Rust types whose SQL value may be `NULL`: [`Option<T>`] and [`serde_json::Value`].
///
/// `is_null`/`is_not_null` exist only on expressions of these types.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is NOT NULL: `is_null`/`is_not_null` need an `Option<_>` column",
    label = "not nullable"
)]
pub trait Nullable {}
impl<T> Nullable for Option<T> {}
impl Nullable for Value {}

/// The result type of `sum()` over a column of this type: `i64` for integers, the float
/// type itself for floats, `Decimal` for NUMERIC.
#[diagnostic::on_unimplemented(message = "`sum()` needs a numeric column, not `{Self}`")]
pub trait Summable {
    /// The type of the sum.
    type Sum;
}
impl Summable for i16 {
    type Sum = i64;
}
impl Summable for i32 {
    type Sum = i64;
}
impl Summable for i64 {
    type Sum = i64;
}
impl Summable for f32 {
    type Sum = f32;
}
impl Summable for f64 {
    type Sum = f64;
}
impl Summable for Value {
    type Sum = Value;
}
#[cfg(feature = "rust_decimal")]
impl Summable for rust_decimal::Decimal {
    type Sum = rust_decimal::Decimal;
}
#[cfg(feature = "rust_decimal")]
impl<const P: u8, const S: u8> Summable for types::Numeric<P, S> {
    type Sum = rust_decimal::Decimal;
}

/// The nullable value of an expression `E`: `Option<i32>` for both an `i32` and an
/// `Option<i32>` column. What `lag`, `min`, `max` and the like return.
pub type NullableOf<E> = Option<<<E as crate::expr::IntoExpr>::Type as ExprType>::NonNull>;

/// The type of `sum(E)`: `Option<i64>` for integer columns, `Option<f64>`/`Option<f32>` for
/// float columns (`None` when no rows were summed).
pub type SumOf<E> =
    Option<<<<E as crate::expr::IntoExpr>::Type as ExprType>::NonNull as Summable>::Sum>;
