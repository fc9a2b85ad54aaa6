//! Arithmetic on numeric expressions: `+ - * / %` and unary `-`.

use std::ops;

use super::column::Column;
use super::expression::{n, AsExpr, IntoExpr};
use super::kind::{Arithmetic, ExprType};
use super::scope::{Cat, RefList};
use super::{BinOp, Expr, N};

fn arith<A: IntoExpr, X>(op: BinOp, lhs: A, rhs: N) -> Expr<A::Type, X> {
    Expr::from_n(N::binary(op, lhs.into_expr().into_n(), rhs))
}

macro_rules! arith_op {
    ($trait:ident $method:ident $op:ident) => {
        impl<T, Refs: RefList, R> ops::$trait<R> for Expr<T, Refs>
        where
            T: ExprType,
            T::Kind: Arithmetic,
            R: AsExpr<T::Kind>,
        {
            type Output = Expr<T, Cat<Refs, R::Refs>>;
            fn $method(self, rhs: R) -> Self::Output {
                arith(BinOp::$op, self, n(rhs))
            }
        }

        impl<M, T, R> ops::$trait<R> for Column<M, T>
        where
            T: ExprType,
            T::Kind: Arithmetic,
            R: AsExpr<T::Kind>,
        {
            type Output = Expr<T, (M, R::Refs)>;
            fn $method(self, rhs: R) -> Self::Output {
                arith(BinOp::$op, self, n(rhs))
            }
        }
    };
}

arith_op!(Add add Add);
arith_op!(Sub sub Sub);
arith_op!(Mul mul Mul);
arith_op!(Div div Div);
arith_op!(Rem rem Rem);

impl<T, Refs> ops::Neg for Expr<T, Refs>
where
    T: ExprType,
    T::Kind: Arithmetic,
{
    type Output = Expr<T, Refs>;
    fn neg(self) -> Self::Output {
        Expr::from_n(N::Neg(Box::new(self.into_n())))
    }
}

impl<M, T> ops::Neg for Column<M, T>
where
    T: ExprType,
    T::Kind: Arithmetic,
{
    type Output = Expr<T, (M, ())>;
    fn neg(self) -> Self::Output {
        -self.into_expr()
    }
}
