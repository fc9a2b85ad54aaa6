//! [`Expr<T>`], a typed SQL expression, and the conversion traits [`IntoExpr`] and
//! [`AsExpr`].

use std::fmt;
use std::marker::PhantomData;

use serde_json::Value;

use super::kind::{Compatible, ExprType};
use super::node::{Node, N};
use super::Column;

/// A SQL expression whose value has the Rust type `T`, e.g. `Expr<bool>` for a condition,
/// `Expr<i64>` for `count(*)`, `Expr<Value>` for an object key.
///
/// Expressions are built from columns and the DSL's functions; values are always bound
/// parameters (`$1`, `$2`, …), numbered when the statement is rendered.
///
/// ```
/// use cratedb_orm::expr::{count_star, Expr};
/// let e: Expr<i64> = count_star();
/// assert_eq!(e.to_sql().0, "count(*)");
/// ```
pub struct Expr<T> {
    node: Node,
    _type: PhantomData<fn() -> T>,
}

impl<T> Expr<T> {
    pub(crate) fn from_n(n: N) -> Self {
        Expr {
            node: Node(n),
            _type: PhantomData,
        }
    }

    /// Wraps an untyped node, asserting its type is `T`.
    pub fn from_node(node: Node) -> Self {
        Expr {
            node,
            _type: PhantomData,
        }
    }

    /// The untyped expression tree.
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// Unwraps the untyped expression tree.
    pub fn into_node(self) -> Node {
        self.node
    }

    pub(crate) fn into_n(self) -> N {
        self.node.0
    }

    /// Renders the expression alone: SQL text and arguments.
    pub fn to_sql(&self) -> (String, Vec<Value>) {
        self.node.to_sql()
    }

    /// Reinterprets the expression as having type `U`, without changing its SQL.
    ///
    /// Useful when you know more than the DSL, e.g. the type of a function's result.
    pub fn assume_type<U>(self) -> Expr<U> {
        Expr::from_node(self.node)
    }
}

impl<T> Clone for Expr<T> {
    fn clone(&self) -> Self {
        Expr::from_node(self.node.clone())
    }
}

impl<T> fmt::Debug for Expr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sql, args) = self.to_sql();
        f.debug_struct("Expr")
            .field("sql", &sql)
            .field("args", &args)
            .finish()
    }
}

impl<T> PartialEq for Expr<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

/// A column or expression: anything that becomes an [`Expr`] of a known type.
///
/// Used where any expression is accepted (select lists, `group_by`, aggregates).
pub trait IntoExpr {
    /// The Rust type of the expression's value.
    type Type;

    /// Converts into an expression.
    fn into_expr(self) -> Expr<Self::Type>;
}

impl<T> IntoExpr for Expr<T> {
    type Type = T;
    fn into_expr(self) -> Expr<T> {
        self
    }
}

impl<M, T> IntoExpr for Column<M, T> {
    type Type = T;
    fn into_expr(self) -> Expr<T> {
        Expr::from_n(N::Column(self.name()))
    }
}

/// Something usable where a SQL value of kind `K` is expected: a Rust value of that kind
/// (bound as a parameter), or a column or expression of a [`Compatible`] kind.
///
/// `K` is a kind from [`super::kind`]: `Character::name().eq(x)` needs
/// `x: AsExpr<Text>`, which `&str`, `String` and text columns are, but `5` is not.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used where a SQL value of kind `{K}` is expected",
    label = "expected a value, column or expression of SQL kind `{K}`",
    note = "compare values of the same SQL type; object keys (`.key(..)`) and `serde_json::Value` fit any kind"
)]
pub trait AsExpr<K> {
    /// Converts into an untyped expression (a bound parameter for values).
    fn into_node(self) -> Node;
}

impl<M, T, K> AsExpr<K> for Column<M, T>
where
    T: ExprType,
    T::Kind: Compatible<K>,
{
    fn into_node(self) -> Node {
        Node(N::Column(self.name()))
    }
}

impl<T, K> AsExpr<K> for Expr<T>
where
    T: ExprType,
    T::Kind: Compatible<K>,
{
    fn into_node(self) -> Node {
        self.node
    }
}

/// Converts a value or expression into its node (helper for the DSL's methods).
pub(crate) fn n<K, A: AsExpr<K>>(a: A) -> N {
    a.into_node().0
}
