//! Aggregates: `count(col)`, `count_star()`, `count_distinct`, `sum`, `avg`, `min`, `max`.

use super::expression::IntoExpr;
use super::kind::{Arithmetic, ExprType, SumOf, Summable};
use super::{Expr, N};

fn aggregate<T, E: IntoExpr>(name: &'static str, distinct: bool, e: E) -> Expr<T, E::Refs> {
    Expr::from_n(N::Func {
        name,
        distinct,
        args: vec![e.into_expr().into_n()],
    })
}

/// `count(expr)`: the number of rows where `expr` is not NULL.
///
/// ```
/// # use cratedb_orm::Column;
/// # struct Character;
/// let id: Column<Character, String> = Column::new("id");
/// assert_eq!(cratedb_orm::expr::count(id).to_sql().0, r#"count("id")"#);
/// ```
pub fn count<E: IntoExpr>(expr: E) -> Expr<i64, E::Refs> {
    aggregate("count", false, expr)
}

/// `count(*)`: the number of rows.
pub fn count_star() -> Expr<i64> {
    Expr::from_n(N::func("count", vec![N::Sql("*")]))
}

/// `count(DISTINCT expr)`: the number of distinct non-NULL values.
pub fn count_distinct<E: IntoExpr>(expr: E) -> Expr<i64, E::Refs> {
    aggregate("count", true, expr)
}

/// `sum(expr)`: `i64` for integer columns, the float type for float columns; `None` when
/// there are no rows.
pub fn sum<E>(expr: E) -> Expr<SumOf<E>, E::Refs>
where
    E: IntoExpr,
    E::Type: ExprType,
    <E::Type as ExprType>::NonNull: Summable,
{
    aggregate("sum", false, expr)
}

/// `avg(expr)` of a numeric expression; `None` when there are no rows.
pub fn avg<E>(expr: E) -> Expr<Option<f64>, E::Refs>
where
    E: IntoExpr,
    E::Type: ExprType,
    <E::Type as ExprType>::Kind: Arithmetic,
{
    aggregate("avg", false, expr)
}

/// `min(expr)`; `None` when there are no rows.
pub fn min<E>(expr: E) -> Expr<Option<<E::Type as ExprType>::NonNull>, E::Refs>
where
    E: IntoExpr,
    E::Type: ExprType,
{
    aggregate("min", false, expr)
}

/// `max(expr)`; `None` when there are no rows.
pub fn max<E>(expr: E) -> Expr<Option<<E::Type as ExprType>::NonNull>, E::Refs>
where
    E: IntoExpr,
    E::Type: ExprType,
{
    aggregate("max", false, expr)
}
