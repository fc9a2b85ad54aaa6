//! Geographic functions: `within`, `intersects`, `distance`.
//!
//! Shapes are `GeoShape` values (GeoJSON), WKT strings (`'POLYGON ((…))'`) or `GEO_SHAPE`
//! columns; points are `GeoPoint` values, `(lon, lat)` pairs, WKT strings or `GEO_POINT`
//! columns. All values are bound parameters.

use super::expression::{n, AsExpr, IntoExpr};
use super::kind::{self, Compatible, ExprType, Geographic};
use super::scope::Cat;
use super::{Expr, N};

fn geo_function<T, X>(name: &'static str, a: N, b: N) -> Expr<T, X> {
    Expr::from_n(N::func(name, vec![a, b]))
}

/// `within(geo, shape)`: `geo` (a point or shape) lies completely inside `shape`.
///
/// ```
/// # use cratedb_orm::{Column, GeoPoint};
/// # struct City;
/// let coordinate: Column<City, Option<GeoPoint>> = Column::new("coordinate");
/// let area = "POLYGON ((5 45, 12 45, 12 48, 5 48, 5 45))";
/// assert_eq!(cratedb_orm::expr::within(coordinate, area).to_sql().0, r#"within("coordinate", $1)"#);
/// ```
pub fn within<G, S>(geo: G, shape: S) -> Expr<bool, Cat<G::Refs, S::Refs>>
where
    G: IntoExpr,
    G::Type: ExprType,
    <G::Type as ExprType>::Kind: Geographic,
    S: AsExpr<kind::GeoShape>,
{
    geo_function("within", geo.into_expr().into_n(), n(shape))
}

/// `intersects(geo, shape)`: the two share at least one point.
pub fn intersects<G, S>(geo: G, shape: S) -> Expr<bool, Cat<G::Refs, S::Refs>>
where
    G: IntoExpr,
    G::Type: ExprType,
    <G::Type as ExprType>::Kind: Geographic,
    S: AsExpr<kind::GeoShape>,
{
    geo_function("intersects", geo.into_expr().into_n(), n(shape))
}

/// `distance(point, other)`: the distance in meters between two points (a `GEO_POINT`
/// column or expression, or an object key holding a point).
pub fn distance<G, P>(point: G, other: P) -> Expr<f64, Cat<G::Refs, P::Refs>>
where
    G: IntoExpr,
    G::Type: ExprType,
    <G::Type as ExprType>::Kind: Compatible<kind::GeoPoint>,
    P: AsExpr<kind::GeoPoint>,
{
    geo_function("distance", point.into_expr().into_n(), n(other))
}
