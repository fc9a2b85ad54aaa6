//! Orderings for `ORDER BY`: any expression, or `.asc()`/`.desc()` with optional
//! `NULLS FIRST`/`NULLS LAST`.

use super::column::Column;
use super::expression::IntoExpr;
use super::fulltext::Match;
use super::{Expr, N};
use crate::sql::SqlWriter;

/// One `ORDER BY` item: an expression with an optional direction and null placement.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    expr: N,
    descending: Option<bool>,
    nulls_first: Option<bool>,
}

impl Order {
    fn new(expr: N, descending: Option<bool>) -> Self {
        Order {
            expr,
            descending,
            nulls_first: None,
        }
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
    pub fn asc(self) -> Order {
        Order::new(self.into_expr().into_n(), Some(false))
    }

    /// Descending order (`count(*) DESC`).
    pub fn desc(self) -> Order {
        Order::new(self.into_expr().into_n(), Some(true))
    }
}}

/// One or several orderings: an [`Order`], a column or expression (rendered without a
/// direction, i.e. ascending), or a tuple of those.
pub trait OrderList {
    /// Appends the orderings to `out`.
    fn push_orders(self, out: &mut Vec<Order>);
}

impl OrderList for Order {
    fn push_orders(self, out: &mut Vec<Order>) {
        out.push(self);
    }
}

impl<T> OrderList for Expr<T> {
    fn push_orders(self, out: &mut Vec<Order>) {
        out.push(Order::new(self.into_n(), None));
    }
}

impl<M, T> OrderList for Column<M, T> {
    fn push_orders(self, out: &mut Vec<Order>) {
        out.push(Order::new(self.into_expr().into_n(), None));
    }
}

impl OrderList for Match {
    fn push_orders(self, out: &mut Vec<Order>) {
        out.push(Order::new(self.into_expr().into_n(), None));
    }
}

impl OrderList for Vec<Order> {
    fn push_orders(self, out: &mut Vec<Order>) {
        out.extend(self);
    }
}

macro_rules! tuple_orders {
    ($($t:ident $i:tt),+) => {
        impl<$($t: OrderList),+> OrderList for ($($t,)+) {
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
