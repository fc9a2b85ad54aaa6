//! Vector search on `FLOAT_VECTOR(N)` columns: `knn_match` and `vector_similarity`.

use super::expression::{n, AsExpr, IntoExpr};
use super::kind::{ExprType, Vector};
use super::scope::Cat;
use super::{Expr, N};

/// `KNN_MATCH(column, vector, k)`: the row is among the `k` nearest neighbours of
/// `vector` (per shard). The vector must have the column's dimension: a `FloatVector<N>`
/// or `[f32; N]` is checked at compile time, a `Vec<f32>` by CrateDB.
///
/// ```
/// # use cratedb_orm::{Column, FloatVector};
/// # struct Doc;
/// let embedding: Column<Doc, FloatVector<3>> = Column::new("embedding");
/// let m = cratedb_orm::expr::knn_match(embedding, [0.1, 0.2, 0.3], 10);
/// assert_eq!(m.to_sql().0, r#"KNN_MATCH("embedding", $1, 10)"#);
/// ```
pub fn knn_match<C, V, const D: usize>(
    column: C,
    vector: V,
    k: u32,
) -> Expr<bool, Cat<C::Refs, V::Refs>>
where
    C: IntoExpr,
    C::Type: ExprType<Kind = Vector<D>>,
    V: AsExpr<Vector<D>>,
{
    Expr::from_n(N::func(
        "KNN_MATCH",
        vec![column.into_expr().into_n(), n(vector), N::Int(k.into())],
    ))
}

/// `vector_similarity(column, vector)`: the similarity of two vectors, between 0 and 1.
pub fn vector_similarity<C, V, const D: usize>(
    column: C,
    vector: V,
) -> Expr<f32, Cat<C::Refs, V::Refs>>
where
    C: IntoExpr,
    C::Type: ExprType<Kind = Vector<D>>,
    V: AsExpr<Vector<D>>,
{
    Expr::from_n(N::func(
        "vector_similarity",
        vec![column.into_expr().into_n(), n(vector)],
    ))
}
