//! Orderings for `ORDER BY`: any expression, or `.asc()`/`.desc()` with optional
//! `NULLS FIRST`/`NULLS LAST`.

use std::marker::PhantomData;

use super::column::Column;
use super::expression::{HasRefs, IntoExpr};
use super::fulltext::Match;
use super::scope::RefList;
use super::{Expr, N};
use crate::sql::SqlWriter;

/// One `ORDER BY` item: an expression (reading the relations `R`) with an optional direction
/// and null placement.
pub struct Order<R = ()> {
    expr: N,
    descending: Option<bool>,
    nulls_first: Option<bool>,
    _refs: PhantomData<fn() -> R>,
}

impl<R> Clone for Order<R> {
    fn clone(&self) -> Self {
        Order {
            expr: self.expr.clone(),
            descending: self.descending,
            nulls_first: self.nulls_first,
            _refs: PhantomData,
        }
    }
}

impl<R> PartialEq for Order<R> {
    fn eq(&self, other: &Self) -> bool {
        (&self.expr, self.descending, self.nulls_first)
            == (&other.expr, other.descending, other.nulls_first)
    }
}

impl<R> std::fmt::Debug for Order<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut w = SqlWriter::new();
        self.render(&mut w);
        f.debug_tuple("Order").field(&w.sql()).finish()
    }
}

impl Order {
    /// `expr` (ascending, no direction written) or `expr DESC`, of an expression this
    /// crate built and checked.
    pub(crate) fn of_node(expr: N, descending: bool) -> Order {
        Order::new(expr, descending.then_some(true))
    }
}

impl<R> Order<R> {
    fn new(expr: N, descending: Option<bool>) -> Self {
        Order {
            expr,
            descending,
            nulls_first: None,
            _refs: PhantomData,
        }
    }

    /// The same ordering, forgetting what it reads (once checked).
    pub(crate) fn erase(self) -> Order {
        Order {
            expr: self.expr,
            descending: self.descending,
            nulls_first: self.nulls_first,
            _refs: PhantomData,
        }
    }

    /// The ordered expression.
    pub(crate) fn expr(&self) -> &N {
        &self.expr
    }

    /// Puts NULLs first (`NULLS FIRST`).
    pub fn nulls_first(mut self) -> Self {
        self.nulls_first = Some(true);
        self
    }

    /// Puts NULLs last (`NULLS LAST`).
    pub fn nulls_last(mut self) -> Self {
        self.nulls_first = Some(false);
        self
    }

    pub(crate) fn render(&self, w: &mut SqlWriter) {
        self.expr.render(w);
        match self.descending {
            Some(true) => {
                w.push(" DESC");
            }
            Some(false) => {
                w.push(" ASC");
            }
            None => {}
        }
        match self.nulls_first {
            Some(true) => {
                w.push(" NULLS FIRST");
            }
            Some(false) => {
                w.push(" NULLS LAST");
            }
            None => {}
        }
    }
}

dual_impl! { [T] where [] {
    /// Ascending order (`"name" ASC`).
    pub fn asc(self) -> Order<<Self as HasRefs>::Refs> {
        Order::new(self.into_expr().into_n(), Some(false))
    }

    /// Descending order (`count(*) DESC`).
    pub fn desc(self) -> Order<<Self as HasRefs>::Refs> {
        Order::new(self.into_expr().into_n(), Some(true))
    }
}}

/// One or several orderings: an [`Order`], a column or expression (rendered without a
/// direction, i.e. ascending), or a tuple of those.
pub trait OrderList {
    /// The relations they read.
    type Refs: RefList;

    /// Appends the orderings to `out`.
    fn push_orders(self, out: &mut Vec<Order>);
}

impl<R: RefList> OrderList for Order<R> {
    type Refs = R;
    fn push_orders(self, out: &mut Vec<Order>) {
        out.push(self.erase());
    }
}

impl<T, R: RefList> OrderList for Expr<T, R> {
    type Refs = R;
    fn push_orders(self, out: &mut Vec<Order>) {
        out.push(Order::new(self.into_n(), None));
    }
}

impl<M, T> OrderList for Column<M, T> {
    type Refs = (M, ());
    fn push_orders(self, out: &mut Vec<Order>) {
        out.push(Order::new(self.into_expr().into_n(), None));
    }
}

impl<R: RefList> OrderList for Match<R> {
    type Refs = R;
    fn push_orders(self, out: &mut Vec<Order>) {
        out.push(Order::new(self.into_expr().into_n(), None));
    }
}

impl<R: RefList> OrderList for Vec<Order<R>> {
    type Refs = R;
    fn push_orders(self, out: &mut Vec<Order>) {
        out.extend(self.into_iter().map(Order::erase));
    }
}

macro_rules! tuple_orders {
    ($($t:ident $i:tt),+) => {
        impl<$($t: OrderList),+> OrderList for ($($t,)+) {
            type Refs = cat!($($t::Refs),+);
            fn push_orders(self, out: &mut Vec<Order>) {
                $(self.$i.push_orders(out);)+
            }
        }
    };
}
tuple_orders!(A 0);
tuple_orders!(A 0, B 1);
tuple_orders!(A 0, B 1, C 2);
tuple_orders!(A 0, B 1, C 2, D 3);
tuple_orders!(A 0, B 1, C 2, D 3, E 4);
tuple_orders!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_orders!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_orders!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
