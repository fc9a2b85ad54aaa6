//! Array membership: `"more_details"['foo']` `.any_eq(1)` renders
//! `$1 = ANY("more_details"['foo'])`; the same for scalar array columns (`$1 = ANY("tags")`).

use super::expression::{n, AsExpr, IntoExpr};
use super::kind::{Array, ExprType};
use super::{BinOp, Expr, N};

fn any<A: IntoExpr>(op: BinOp, array: A, value: N) -> Expr<bool> {
    Expr::from_n(N::Any(
        op,
        Box::new(value),
        Box::new(array.into_expr().into_n()),
    ))
}

dual_impl! { [T, K] where [T: ExprType<Kind = Array<K>>] {
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
    pub fn any_eq<V: AsExpr<K>>(self, value: V) -> Expr<bool> {
        any(BinOp::Eq, self, n(value))
    }

    /// `value <> ANY(self)`: some element differs from `value`.
    pub fn any_ne<V: AsExpr<K>>(self, value: V) -> Expr<bool> {
        any(BinOp::Ne, self, n(value))
    }

    /// `value < ANY(self)`: some element is greater than `value`.
    pub fn any_lt<V: AsExpr<K>>(self, value: V) -> Expr<bool> {
        any(BinOp::Lt, self, n(value))
    }

    /// `value <= ANY(self)`.
    pub fn any_le<V: AsExpr<K>>(self, value: V) -> Expr<bool> {
        any(BinOp::Le, self, n(value))
    }

    /// `value > ANY(self)`: some element is less than `value`.
    pub fn any_gt<V: AsExpr<K>>(self, value: V) -> Expr<bool> {
        any(BinOp::Gt, self, n(value))
    }

    /// `value >= ANY(self)`.
    pub fn any_ge<V: AsExpr<K>>(self, value: V) -> Expr<bool> {
        any(BinOp::Ge, self, n(value))
    }
}}
