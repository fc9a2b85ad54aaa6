//! Boolean logic: `and`, `or`, `not`, also as the operators `&`, `|`, `!`.

use std::ops;

use super::column::Column;
use super::expression::{n, AsExpr, HasRefs, IntoExpr, With};
use super::kind::{Bool, Compatible, ExprType};
use super::scope::{Cat, RefList};
use super::{BinOp, Expr, N};

fn logic<A: IntoExpr, X>(op: BinOp, lhs: A, rhs: N) -> Expr<bool, X> {
    Expr::from_n(N::binary(op, lhs.into_expr().into_n(), rhs))
}

dual_impl! { [T] where [T: ExprType, T::Kind: Compatible<Bool>] {
    /// `self AND rhs`; also written `self & rhs`.
    pub fn and<R: AsExpr<Bool>>(self, rhs: R) -> Expr<bool, With<Self, R::Refs>> {
        logic(BinOp::And, self, n(rhs))
    }

    /// `self OR rhs`; also written `self | rhs`.
    pub fn or<R: AsExpr<Bool>>(self, rhs: R) -> Expr<bool, With<Self, R::Refs>> {
        logic(BinOp::Or, self, n(rhs))
    }

    /// `NOT self`; also written `!self`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Expr<bool, <Self as HasRefs>::Refs> {
        Expr::from_n(N::Not(Box::new(self.into_expr().into_n())))
    }
}}

impl<T, Refs: RefList, R> ops::BitAnd<R> for Expr<T, Refs>
where
    T: ExprType,
    T::Kind: Compatible<Bool>,
    R: AsExpr<Bool>,
{
    type Output = Expr<bool, Cat<Refs, R::Refs>>;
    fn bitand(self, rhs: R) -> Self::Output {
        self.and(rhs)
    }
}

impl<T, Refs: RefList, R> ops::BitOr<R> for Expr<T, Refs>
where
    T: ExprType,
    T::Kind: Compatible<Bool>,
    R: AsExpr<Bool>,
{
    type Output = Expr<bool, Cat<Refs, R::Refs>>;
    fn bitor(self, rhs: R) -> Self::Output {
        self.or(rhs)
    }
}

impl<T, Refs: RefList> ops::Not for Expr<T, Refs>
where
    T: ExprType,
    T::Kind: Compatible<Bool>,
{
    type Output = Expr<bool, Refs>;
    fn not(self) -> Self::Output {
        Expr::not(self)
    }
}

impl<M, T, R> ops::BitAnd<R> for Column<M, T>
where
    T: ExprType,
    T::Kind: Compatible<Bool>,
    R: AsExpr<Bool>,
{
    type Output = Expr<bool, (M, R::Refs)>;
    fn bitand(self, rhs: R) -> Self::Output {
        self.and(rhs)
    }
}

impl<M, T, R> ops::BitOr<R> for Column<M, T>
where
    T: ExprType,
    T::Kind: Compatible<Bool>,
    R: AsExpr<Bool>,
{
    type Output = Expr<bool, (M, R::Refs)>;
    fn bitor(self, rhs: R) -> Self::Output {
        self.or(rhs)
    }
}

impl<M, T> ops::Not for Column<M, T>
where
    T: ExprType,
    T::Kind: Compatible<Bool>,
{
    type Output = Expr<bool, (M, ())>;
    fn not(self) -> Self::Output {
        Column::not(self)
    }
}

/// `a AND b AND …` over any number of conditions; `None` when there are none.
pub(crate) fn and_all(conditions: Vec<N>) -> Option<N> {
    conditions
        .into_iter()
        .reduce(|acc, c| N::binary(BinOp::And, acc, c))
}
