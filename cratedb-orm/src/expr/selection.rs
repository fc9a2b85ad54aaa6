//! Lists of expressions: [`Selection`] (select lists decoded into Rust values),
//! [`ExprList`] (`GROUP BY`, function arguments) and [`ColumnList`] (columns of one model).

use serde_json::Value;

use super::column::Column;
use super::decode::{decode_column, FromSqlValue};
use super::expression::IntoExpr;
use super::fulltext::Match;
use super::scope::RefList;
use super::{Expr, Node};
use crate::{Error, Result};

/// What a partial select returns: a column or expression (decoded into its type `T`), or
/// a tuple of them (decoded into a tuple).
///
/// `(Character::name(), Character::details().key("gender"))` selects
/// `"name", "details"['gender']` and decodes rows into `(Option<String>, Value)`.
pub trait Selection {
    /// The Rust type of one decoded row.
    type Output;
    /// The relations the selected expressions read.
    type Refs: RefList;

    /// Appends the selected expressions to `out`.
    fn push_selected(self, out: &mut Vec<Node>);

    /// Decodes one result row. `cols` are the result's column names (for errors).
    fn decode_row(cols: &[String], row: Vec<Value>) -> Result<Self::Output>;
}

fn decode_single<T: FromSqlValue>(cols: &[String], mut row: Vec<Value>) -> Result<T> {
    check_width(cols, &row, 1)?;
    decode_column(cols, &mut row, 0)
}

fn check_width(cols: &[String], row: &[Value], width: usize) -> Result<()> {
    if row.len() == width {
        Ok(())
    } else {
        Err(Error::Decode {
            column: cols.join(", "),
            expected: format!("a row of {width} values"),
            found: format!("{} values", row.len()),
        })
    }
}

impl<M, T: FromSqlValue> Selection for Column<M, T> {
    type Output = T;
    type Refs = (M, ());
    fn push_selected(self, out: &mut Vec<Node>) {
        out.push(self.into_expr().into_node());
    }
    fn decode_row(cols: &[String], row: Vec<Value>) -> Result<T> {
        decode_single(cols, row)
    }
}

impl<T: FromSqlValue, R: RefList> Selection for Expr<T, R> {
    type Output = T;
    type Refs = R;
    fn push_selected(self, out: &mut Vec<Node>) {
        out.push(self.into_node());
    }
    fn decode_row(cols: &[String], row: Vec<Value>) -> Result<T> {
        decode_single(cols, row)
    }
}

impl<R: RefList> Selection for Match<R> {
    type Output = bool;
    type Refs = R;
    fn push_selected(self, out: &mut Vec<Node>) {
        out.push(self.into_expr().into_node());
    }
    fn decode_row(cols: &[String], row: Vec<Value>) -> Result<bool> {
        decode_single(cols, row)
    }
}

macro_rules! tuple_selection {
    ($width:literal: $($t:ident $i:tt),+) => {
        impl<$($t),+> Selection for ($($t,)+)
        where
            $($t: IntoExpr, $t::Type: FromSqlValue,)+
        {
            type Output = ($($t::Type,)+);
            type Refs = cat!($($t::Refs),+);
            fn push_selected(self, out: &mut Vec<Node>) {
                $(out.push(self.$i.into_expr().into_node());)+
            }
            fn decode_row(cols: &[String], mut row: Vec<Value>) -> Result<Self::Output> {
                check_width(cols, &row, $width)?;
                Ok(($(decode_column::<$t::Type>(cols, &mut row, $i)?,)+))
            }
        }

        impl<$($t: IntoExpr),+> ExprList for ($($t,)+) {
            type Refs = cat!($($t::Refs),+);
            fn push_exprs(self, out: &mut Vec<Node>) {
                $(out.push(self.$i.into_expr().into_node());)+
            }
        }
    };
}

tuple_selection!(1: A 0);
tuple_selection!(2: A 0, B 1);
tuple_selection!(3: A 0, B 1, C 2);
tuple_selection!(4: A 0, B 1, C 2, D 3);
tuple_selection!(5: A 0, B 1, C 2, D 3, E 4);
tuple_selection!(6: A 0, B 1, C 2, D 3, E 4, F 5);
tuple_selection!(7: A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_selection!(8: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_selection!(9: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_selection!(10: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_selection!(11: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_selection!(12: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

/// One or several expressions (`GROUP BY a, b`, function arguments): a column, an
/// expression, or a tuple of them.
pub trait ExprList {
    /// The relations the expressions read.
    type Refs: RefList;

    /// Appends the expressions to `out`.
    fn push_exprs(self, out: &mut Vec<Node>);
}

impl<M, T> ExprList for Column<M, T> {
    type Refs = (M, ());
    fn push_exprs(self, out: &mut Vec<Node>) {
        out.push(self.into_expr().into_node());
    }
}

impl<T, R: RefList> ExprList for Expr<T, R> {
    type Refs = R;
    fn push_exprs(self, out: &mut Vec<Node>) {
        out.push(self.into_node());
    }
}

impl ExprList for () {
    type Refs = ();
    fn push_exprs(self, _out: &mut Vec<Node>) {}
}

/// One or several columns of model `M` (for `ON CONFLICT … DO UPDATE SET`): a column or
/// a tuple of columns.
pub trait ColumnList<M> {
    /// Appends the column names to `out`.
    fn push_columns(self, out: &mut Vec<&'static str>);
}

impl<M, T> ColumnList<M> for Column<M, T> {
    fn push_columns(self, out: &mut Vec<&'static str>) {
        out.push(self.name());
    }
}

macro_rules! tuple_columns {
    ($($t:ident $i:tt),+) => {
        impl<Model, $($t: ColumnList<Model>),+> ColumnList<Model> for ($($t,)+) {
            fn push_columns(self, out: &mut Vec<&'static str>) {
                $(self.$i.push_columns(out);)+
            }
        }
    };
}
tuple_columns!(A 0);
tuple_columns!(A 0, B 1);
tuple_columns!(A 0, B 1, C 2);
tuple_columns!(A 0, B 1, C 2, D 3);
tuple_columns!(A 0, B 1, C 2, D 3, E 4);
tuple_columns!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_columns!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_columns!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_columns!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_columns!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_columns!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_columns!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
