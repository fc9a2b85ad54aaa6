//! Escape hatches: any scalar function by name, and trusted SQL fragments.

use super::expression::AsExpr;
use super::kind::ExprType;
use super::selection::ExprList;
use super::{Expr, N};

/// A call of the SQL function `name` with `args` (any columns or expressions), whose
/// result has Rust type `T`: `function::<String, _>("lower", (Character::name(),))`.
///
/// The name is written as is when it is a plain word (letters, digits, `_`) and quoted
/// otherwise. Bind values by passing them through [`Expr`]s.
pub fn function<T, A: ExprList>(name: &'static str, args: A) -> Expr<T> {
    let mut nodes = Vec::new();
    args.push_exprs(&mut nodes);
    Expr::from_n(N::func(name, nodes.into_iter().map(|n| n.0).collect()))
}

/// A trusted SQL fragment from your code (not from user input: it is written into the
/// statement as is), of Rust type `T`: `sql_fragment::<i64>("1 + 1")`.
pub fn sql_fragment<T>(sql: &'static str) -> Expr<T> {
    Expr::from_n(N::Sql(sql))
}

/// A bound parameter of Rust type `T`, for places that take expressions (e.g. [`function`]
/// arguments): `param::<String, _>("x")` renders `$1`.
pub fn param<T, V>(value: V) -> Expr<T>
where
    T: ExprType,
    V: AsExpr<T::Kind>,
{
    Expr::from_node(value.into_node())
}
