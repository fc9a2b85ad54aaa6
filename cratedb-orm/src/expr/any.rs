//! Array membership: `"more_details"['foo']` `.any_eq(1)` renders
//! `$1 = ANY("more_details"['foo'])`; the same for scalar array columns (`$1 = ANY("tags")`)
//! and for a key of an object that holds an array (`Device::tags().key("zones").any_eq("depot")`
//! renders `$1 = ANY("tags"['zones'])`; name the element type with
//! `.key_as::<Vec<String>>("zones")` to have it checked).

use super::expression::{n, AsExpr, IntoExpr, With};
use super::kind::{Array, ExprType, Json};
use super::{BinOp, Expr, N};

/// Kinds whose values have elements to compare with `ANY`: arrays (of their element kind),
/// and JSON values of unknown type, such as an object key (of any kind: CrateDB checks that
/// the key holds an array).
#[diagnostic::on_unimplemented(
    message = "SQL kind `{Self}` is not an array: `any_*` needs an array column, or an object key (`.key(\"k\")`, or `.key_as::<Vec<T>>(\"k\")` to check the element type)"
)]
pub trait Elements {
    /// The kind of the elements.
    type Element;
}

impl<K> Elements for Array<K> {
    type Element = K;
}

impl Elements for Json {
    type Element = Json;
}

fn any<A: IntoExpr, X>(op: BinOp, array: A, value: N) -> Expr<bool, X> {
    Expr::from_n(N::Any(
        op,
        Box::new(value),
        Box::new(array.into_expr().into_n()),
    ))
}

dual_impl! { [T] where [T: ExprType, T::Kind: Elements] {
    /// `value = ANY(self)`: the array contains `value`.
    ///
    /// ```
    /// # use cratedb_orm::{Column, ObjectArray};
    /// # struct Character;
    /// let more: Column<Character, Option<ObjectArray>> = Column::new("more_details");
    /// let (sql, args) = more.key("foo").any_eq(1).to_sql();
    /// assert_eq!(sql, r#"$1 = ANY("more_details"['foo'])"#);
    /// assert_eq!(args, vec![serde_json::json!(1)]);
    /// ```
    pub fn any_eq<V: AsExpr<<T::Kind as Elements>::Element>>(self, value: V) -> Expr<bool, With<Self, V::Refs>> {
        any(BinOp::Eq, self, n(value))
    }

    /// `value <> ANY(self)`: some element differs from `value`.
    pub fn any_ne<V: AsExpr<<T::Kind as Elements>::Element>>(self, value: V) -> Expr<bool, With<Self, V::Refs>> {
        any(BinOp::Ne, self, n(value))
    }

    /// `value < ANY(self)`: some element is greater than `value`.
    pub fn any_lt<V: AsExpr<<T::Kind as Elements>::Element>>(self, value: V) -> Expr<bool, With<Self, V::Refs>> {
        any(BinOp::Lt, self, n(value))
    }

    /// `value <= ANY(self)`.
    pub fn any_le<V: AsExpr<<T::Kind as Elements>::Element>>(self, value: V) -> Expr<bool, With<Self, V::Refs>> {
        any(BinOp::Le, self, n(value))
    }

    /// `value > ANY(self)`: some element is less than `value`.
    pub fn any_gt<V: AsExpr<<T::Kind as Elements>::Element>>(self, value: V) -> Expr<bool, With<Self, V::Refs>> {
        any(BinOp::Gt, self, n(value))
    }

    /// `value >= ANY(self)`.
    pub fn any_ge<V: AsExpr<<T::Kind as Elements>::Element>>(self, value: V) -> Expr<bool, With<Self, V::Refs>> {
        any(BinOp::Ge, self, n(value))
    }
}}
