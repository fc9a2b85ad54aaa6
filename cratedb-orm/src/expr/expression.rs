//! [`Expr<T, R>`], a typed SQL expression, and the conversion traits [`IntoExpr`] and
//! [`AsExpr`].

use std::fmt;
use std::marker::PhantomData;

use serde_json::Value;

use super::kind::{Compatible, ExprType};
use super::node::{Node, N};
use super::scope::{Cat, RefList};
use super::Column;

/// A SQL expression whose value has the Rust type `T` and that reads the columns of the
/// relations `R`, e.g. `Expr<bool, (Device, ())>` for `Device::name().eq("x")`,
/// `Expr<i64>` for `count(*)` (it reads no column).
///
/// `R` is a type-level list (see [`scope`](super::scope)): a query accepts an expression
/// only when every relation it reads is in the query. Values are always bound parameters
/// (`$1`, `$2`, …), numbered when the statement is rendered.
///
/// ```
/// use cratedb_orm::expr::{count_star, Expr};
/// let e: Expr<i64> = count_star();
/// assert_eq!(e.to_sql().0, "count(*)");
/// ```
pub struct Expr<T, R = ()> {
    node: Node,
    _type: PhantomData<fn() -> (T, R)>,
}

impl<T, R> Expr<T, R> {
    pub(crate) fn from_n(n: N) -> Self {
        Expr {
            node: Node(n),
            _type: PhantomData,
        }
    }

    /// Wraps an untyped node, asserting its type is `T` and that it reads the relations `R`.
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
    pub fn assume_type<U>(self) -> Expr<U, R> {
        Expr::from_node(self.node)
    }
}

impl<T, R> Clone for Expr<T, R> {
    fn clone(&self) -> Self {
        Expr::from_node(self.node.clone())
    }
}

impl<T, R> fmt::Debug for Expr<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sql, args) = self.to_sql();
        f.debug_struct("Expr")
            .field("sql", &sql)
            .field("args", &args)
            .finish()
    }
}

impl<T, R> PartialEq for Expr<T, R> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

/// The relations an expression reads (its `R`): `(M, ())` for a column of `M`.
pub trait HasRefs {
    /// A type-level list of relations (see [`scope`](super::scope)).
    type Refs: RefList;
}

impl<T, R: RefList> HasRefs for Expr<T, R> {
    type Refs = R;
}

impl<M, T> HasRefs for Column<M, T> {
    type Refs = (M, ());
}

/// A column or expression: anything that becomes an [`Expr`] of a known type.
///
/// Used where any expression is accepted (select lists, `group_by`, aggregates).
pub trait IntoExpr {
    /// The Rust type of the expression's value.
    type Type;
    /// The relations it reads.
    type Refs: RefList;

    /// Converts into an expression.
    fn into_expr(self) -> Expr<Self::Type, Self::Refs>;
}

impl<T, R: RefList> IntoExpr for Expr<T, R> {
    type Type = T;
    type Refs = R;
    fn into_expr(self) -> Expr<T, R> {
        self
    }
}

impl<M, T> IntoExpr for Column<M, T> {
    type Type = T;
    type Refs = (M, ());
    fn into_expr(self) -> Expr<T, (M, ())> {
        Expr::from_n(self.node())
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
    note = "compare values of the same SQL type (a timestamp takes a `TimestampTz`/`Timestamp`: parse text with `\"2025-03-02T00:00:00Z\".parse::<TimestampTz>()?`); object keys (`.key(..)`) and `serde_json::Value` fit any kind"
)]
pub trait AsExpr<K> {
    /// The relations it reads: `()` for a value.
    type Refs: RefList;

    /// Converts into an untyped expression (a bound parameter for values).
    fn into_node(self) -> Node;
}

impl<M, T, K> AsExpr<K> for Column<M, T>
where
    T: ExprType,
    T::Kind: Compatible<K>,
{
    type Refs = (M, ());
    fn into_node(self) -> Node {
        Node(self.node())
    }
}

impl<T, R: RefList, K> AsExpr<K> for Expr<T, R>
where
    T: ExprType,
    T::Kind: Compatible<K>,
{
    type Refs = R;
    fn into_node(self) -> Node {
        self.node
    }
}

/// Converts a value or expression into its node (helper for the DSL's methods).
pub(crate) fn n<K, A: AsExpr<K>>(a: A) -> N {
    a.into_node().0
}

/// The relations an expression `S` reads followed by the relations `A`: what a method
/// combining `S` with an argument reading `A` returns (`Device::id().eq(Alert::device_id())`
/// reads `(Device, (Alert, ()))`).
pub type With<S, A> = Cat<<S as HasRefs>::Refs, A>;
