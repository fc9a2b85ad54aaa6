//! Escape hatches: any scalar function by name, and trusted SQL fragments.

use super::expression::{AsExpr, IntoExpr};
use super::kind::{self, ExprType};
use super::selection::ExprList;
use super::{Expr, N};

/// A call of the SQL function `name` with `args` (any columns or expressions), whose
/// result has Rust type `T`: `function::<String, _>("lower", (Character::name(),))`.
///
/// The name is written as is when it is a plain word (letters, digits, `_`) and quoted
/// otherwise. Bind values by passing them through [`Expr`]s.
pub fn function<T, A: ExprList>(name: &'static str, args: A) -> Expr<T, A::Refs> {
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
pub fn param<T, V>(value: V) -> Expr<T, V::Refs>
where
    T: ExprType,
    V: AsExpr<T::Kind>,
{
    Expr::from_node(value.into_node())
}

/// `date_trunc('unit', ts)`: a timestamp truncated to `unit` (UTC), e.g. readings per hour:
/// `date_trunc(TruncUnit::Hour, Reading::ts())` renders `date_trunc('hour', "ts")`. The unit
/// is written as a literal, so the same call renders the same SQL in the select list and in
/// `GROUP BY`, as CrateDB requires. [`TimestampTz::truncate`](crate::TimestampTz::truncate)
/// computes the same on the client.
///
/// ```
/// use cratedb_orm::expr::date_trunc;
/// use cratedb_orm::types::TruncUnit;
/// use cratedb_orm::{Column, TimestampTz};
/// # struct Reading;
/// let ts: Column<Reading, TimestampTz> = Column::new("ts");
/// assert_eq!(date_trunc(TruncUnit::Hour, ts).to_sql().0, r#"date_trunc('hour', "ts")"#);
/// ```
pub fn date_trunc<E>(unit: crate::types::TruncUnit, ts: E) -> Expr<E::Type, E::Refs>
where
    E: IntoExpr,
    E::Type: ExprType<Kind = kind::Timestamp>,
{
    Expr::from_n(N::func(
        "date_trunc",
        vec![N::Sql(unit.as_literal()), ts.into_expr().into_n()],
    ))
}
