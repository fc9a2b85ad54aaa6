//! Comparisons: `eq ne lt le gt ge`, `between`, `in_list`, `is_null`, `like`/`ilike`.

use super::expression::{n, AsExpr, HasRefs, IntoExpr, With};
use super::kind::{ExprType, Nullable, Text, TextLike};
use super::scope::Cat;
use super::{BinOp, Expr, N};

fn compare<A: IntoExpr, X>(op: BinOp, lhs: A, rhs: N) -> Expr<bool, X> {
    Expr::from_n(N::binary(op, lhs.into_expr().into_n(), rhs))
}

dual_impl! { [T] where [T: ExprType] {
    /// `self = rhs`. `rhs` is a value of the same SQL type (bound as a parameter), or a
    /// column or expression of that type.
    ///
    /// ```
    /// # use cratedb_orm::{Column, expr::Expr};
    /// # struct Character;
    /// let name: Column<Character, Option<String>> = Column::new("name");
    /// assert_eq!(name.eq("Arthur Dent").to_sql().0, r#""name" = $1"#);
    /// ```
    pub fn eq<R: AsExpr<T::Kind>>(self, rhs: R) -> Expr<bool, With<Self, R::Refs>> {
        compare(BinOp::Eq, self, n(rhs))
    }

    /// `self <> rhs`.
    pub fn ne<R: AsExpr<T::Kind>>(self, rhs: R) -> Expr<bool, With<Self, R::Refs>> {
        compare(BinOp::Ne, self, n(rhs))
    }

    /// `self < rhs`.
    pub fn lt<R: AsExpr<T::Kind>>(self, rhs: R) -> Expr<bool, With<Self, R::Refs>> {
        compare(BinOp::Lt, self, n(rhs))
    }

    /// `self <= rhs`.
    pub fn le<R: AsExpr<T::Kind>>(self, rhs: R) -> Expr<bool, With<Self, R::Refs>> {
        compare(BinOp::Le, self, n(rhs))
    }

    /// `self > rhs`.
    pub fn gt<R: AsExpr<T::Kind>>(self, rhs: R) -> Expr<bool, With<Self, R::Refs>> {
        compare(BinOp::Gt, self, n(rhs))
    }

    /// `self >= rhs`.
    pub fn ge<R: AsExpr<T::Kind>>(self, rhs: R) -> Expr<bool, With<Self, R::Refs>> {
        compare(BinOp::Ge, self, n(rhs))
    }

    /// `self BETWEEN low AND high` (both ends included).
    pub fn between<L, H>(self, low: L, high: H) -> Expr<bool, Between<Self, T::Kind, L, H>>
    where
        L: AsExpr<T::Kind>,
        H: AsExpr<T::Kind>,
    {
        Expr::from_n(N::Between(
            Box::new(self.into_expr().into_n()),
            Box::new(n(low)),
            Box::new(n(high)),
        ))
    }

    /// `self IN ($1, $2, …)`. An empty list renders `FALSE` (it matches nothing).
    pub fn in_list<I>(self, items: I) -> Expr<bool, InList<Self, T::Kind, I>>
    where
        I: IntoIterator,
        I::Item: AsExpr<T::Kind>,
    {
        let list = items.into_iter().map(n).collect();
        Expr::from_n(N::InList(Box::new(self.into_expr().into_n()), list, false))
    }

    /// `self NOT IN ($1, $2, …)`. An empty list renders `TRUE`.
    pub fn not_in_list<I>(self, items: I) -> Expr<bool, InList<Self, T::Kind, I>>
    where
        I: IntoIterator,
        I::Item: AsExpr<T::Kind>,
    {
        let list = items.into_iter().map(n).collect();
        Expr::from_n(N::InList(Box::new(self.into_expr().into_n()), list, true))
    }
}}

dual_impl! { [T] where [T: ExprType + Nullable] {
    /// `self IS NULL`; only on nullable (`Option<_>`) columns and JSON values.
    pub fn is_null(self) -> Expr<bool, <Self as HasRefs>::Refs> {
        Expr::from_n(N::IsNull(Box::new(self.into_expr().into_n()), false))
    }

    /// `self IS NOT NULL`; only on nullable (`Option<_>`) columns and JSON values.
    pub fn is_not_null(self) -> Expr<bool, <Self as HasRefs>::Refs> {
        Expr::from_n(N::IsNull(Box::new(self.into_expr().into_n()), true))
    }
}}

dual_impl! { [T] where [T: ExprType, T::Kind: TextLike] {
    /// `self LIKE pattern` (`%` any text, `_` one character; case-sensitive).
    pub fn like<P: AsExpr<Text>>(self, pattern: P) -> Expr<bool, With<Self, P::Refs>> {
        compare(BinOp::Like, self, n(pattern))
    }

    /// `self NOT LIKE pattern`.
    pub fn not_like<P: AsExpr<Text>>(self, pattern: P) -> Expr<bool, With<Self, P::Refs>> {
        compare(BinOp::NotLike, self, n(pattern))
    }

    /// `self ILIKE pattern` (case-insensitive `LIKE`).
    pub fn ilike<P: AsExpr<Text>>(self, pattern: P) -> Expr<bool, With<Self, P::Refs>> {
        compare(BinOp::ILike, self, n(pattern))
    }

    /// `self NOT ILIKE pattern`.
    pub fn not_ilike<P: AsExpr<Text>>(self, pattern: P) -> Expr<bool, With<Self, P::Refs>> {
        compare(BinOp::NotILike, self, n(pattern))
    }
}}

/// The relations `s BETWEEN l AND h` reads (`K` is the SQL kind of `s`).
type Between<S, K, L, H> = With<S, Cat<<L as AsExpr<K>>::Refs, <H as AsExpr<K>>::Refs>>;

/// The relations `s IN (items…)` reads.
type InList<S, K, I> = With<S, <<I as IntoIterator>::Item as AsExpr<K>>::Refs>;
