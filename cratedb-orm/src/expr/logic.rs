//! Boolean logic: `and`, `or`, `not`, also as the operators `&`, `|`, `!`.

use std::ops;

use super::column::Column;
use super::expression::{n, AsExpr, IntoExpr};
use super::kind::{Bool, Compatible, ExprType};
use super::{BinOp, Expr, N};

fn logic<A: IntoExpr>(op: BinOp, lhs: A, rhs: N) -> Expr<bool> {
    Expr::from_n(N::binary(op, lhs.into_expr().into_n(), rhs))
}

dual_impl! { [T] where [T: ExprType, T::Kind: Compatible<Bool>] {
    /// `self AND rhs`; also written `self & rhs`.
    pub fn and<R: AsExpr<Bool>>(self, rhs: R) -> Expr<bool> {
        logic(BinOp::And, self, n(rhs))
    }

    /// `self OR rhs`; also written `self | rhs`.
    pub fn or<R: AsExpr<Bool>>(self, rhs: R) -> Expr<bool> {
        logic(BinOp::Or, self, n(rhs))
    }

    /// `NOT self`; also written `!self`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Expr<bool> {
        Expr::from_n(N::Not(Box::new(self.into_expr().into_n())))
    }
}}

impl<T, R> ops::BitAnd<R> for Expr<T>
where
    T: ExprType,
    T::Kind: Compatible<Bool>,
    R: AsExpr<Bool>,
{
    type Output = Expr<bool>;
    fn bitand(self, rhs: R) -> Expr<bool> {
        self.and(rhs)
    }
}

impl<T, R> ops::BitOr<R> for Expr<T>
where
    T: ExprType,
    T::Kind: Compatible<Bool>,
    R: AsExpr<Bool>,
{
    type Output = Expr<bool>;
    fn bitor(self, rhs: R) -> Expr<bool> {
        self.or(rhs)
    }
}

impl<T> ops::Not for Expr<T>
where
    T: ExprType,
    T::Kind: Compatible<Bool>,
{
    type Output = Expr<bool>;
    fn not(self) -> Expr<bool> {
        Expr::not(self)
    }
}

impl<M, T, R> ops::BitAnd<R> for Column<M, T>
where
    T: ExprType,
    T::Kind: Compatible<Bool>,
    R: AsExpr<Bool>,
{
    type Output = Expr<bool>;
    fn bitand(self, rhs: R) -> Expr<bool> {
        self.and(rhs)
    }
}

impl<M, T, R> ops::BitOr<R> for Column<M, T>
where
    T: ExprType,
    T::Kind: Compatible<Bool>,
    R: AsExpr<Bool>,
{
    type Output = Expr<bool>;
    fn bitor(self, rhs: R) -> Expr<bool> {
        self.or(rhs)
    }
}

impl<M, T> ops::Not for Column<M, T>
where
    T: ExprType,
    T::Kind: Compatible<Bool>,
{
    type Output = Expr<bool>;
    fn not(self) -> Expr<bool> {
        Column::not(self)
    }
}

/// `a AND b AND …` over any number of conditions; `None` when there are none.
pub(crate) fn and_all(conditions: Vec<N>) -> Option<N> {
    conditions
        .into_iter()
        .reduce(|acc, c| N::binary(BinOp::And, acc, c))
}
