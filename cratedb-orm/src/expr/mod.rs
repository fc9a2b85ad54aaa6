//! The typed expression DSL: columns, operators, object keys, aggregates, fulltext, geo.
//!
//! Expressions start from the column accessors `#[derive(CrateModel)]` generates
//! (`Character::name()` is a [`Column<Character, Option<String>>`](Column)) and are
//! combined with methods, operators and functions into [`Expr<T>`] values, where `T` is the
//! Rust type of the result. Every method works on columns and expressions alike.
//!
//! Types are checked at compile time through SQL [kinds](kind): comparing a text column
//! with a number does not compile, `is_null` exists only on nullable columns, `key` only
//! on objects. Values are always bound parameters; identifiers are always quoted; object
//! keys are string literals with `'` doubled.
//!
//! | DSL | SQL |
//! |-----|-----|
//! | `Character::name().eq("Arthur")` | `"name" = $1` |
//! | `a.and(b)`, `a & b`, `a \| b`, `!a` | `a AND b`, `a OR b`, `NOT a` |
//! | `Character::name().is_null()` | `"name" IS NULL` |
//! | `Character::name().in_list(["a", "b"])` | `"name" IN ($1, $2)` |
//! | `Character::name().like("A%")` | `"name" LIKE $1` |
//! | `Character::details().key("gender")` | `"details"['gender']` |
//! | `Character::more_details().key("foo").any_eq(1)` | `$1 = ANY("more_details"['foo'])` |
//! | `count_star()`, `count(Character::id())` | `count(*)`, `count("id")` |
//! | `count_star().desc()` | `count(*) DESC` |
//! | `match_(Character::name_ft(), "term")` | `MATCH("name_ft", $1)` |
//! | `within(City::coordinate(), area)` | `within("coordinate", $1)` |
//! | `knn_match(Doc::embedding(), v, 10)` | `KNN_MATCH("embedding", $1, 10)` |
//!
//! A named fulltext index is an [`Index<M>`](Index): `Index::<Character>::new("name_ft")`
//! (a model may offer it as `Character::name_ft()`).

/// Implements the same methods on [`Expr<T, R>`] and on [`Column<M, T>`]:
/// `dual_impl! { [T, …] where [bounds] { methods } }`. Method bodies convert `self` with
/// [`IntoExpr::into_expr`]; return types name what `self` reads as `<Self as HasRefs>::Refs`
/// (see [`With`]).
macro_rules! dual_impl {
    ([$($g:ident),*] where [$($w:tt)*] { $($body:tt)* }) => {
        impl<$($g,)* Refs: $crate::expr::scope::RefList> $crate::expr::Expr<T, Refs> where $($w)* { $($body)* }
        impl<Model, $($g),*> $crate::expr::Column<Model, T> where $($w)* { $($body)* }
    };
}

/// The relations of several expressions, one after the other: `cat!(A::Refs, B::Refs)`.
macro_rules! cat {
    ($a:ty) => { $a };
    ($a:ty, $($rest:ty),+) => { $crate::expr::scope::Cat<$a, cat!($($rest),+)> };
}

mod aggregate;
mod any;
mod arith;
mod bind;
mod column;
mod compare;
mod decode;
mod expression;
mod fulltext;
mod function;
mod geo;
pub mod kind;
mod logic;
mod node;
mod object_key;
mod order;
pub mod scope;
pub(crate) mod select_tree;
mod selection;
mod vector;
mod window;

pub use aggregate::{avg, count, count_distinct, count_star, max, min, sum};
pub use any::Elements;
pub use bind::ToSqlValue;
pub use column::Column;
pub use decode::{decode_column, FromRow, FromSqlValue};
pub use expression::{AsExpr, Expr, HasRefs, IntoExpr, With};
pub use fulltext::{match_, score, Boosted, Index, Match, MatchTarget, MatchType};
pub use function::{date_trunc, function, param, sql_fragment};
pub use geo::{distance, intersects, within};
pub use kind::ExprType;
pub use node::{Node, OptionValue};
pub use order::{Order, OrderList};
pub use select_tree::JoinKind;
pub use selection::{ColumnList, ExprList, Selection};
pub use vector::{knn_match, vector_similarity};
pub use window::{Frame, FrameEnd, FrameStart, RangeBound, Window};

pub(crate) use expression::n;
pub(crate) use logic::and_all;
pub(crate) use node::{BinOp, N};
