//! Object keys: `Character::details().key("gender")` renders `"details"['gender']`.
//!
//! A key of an `OBJECT` has JSON type ([`serde_json::Value`]) unless you name its type
//! with `key_as::<T>`; a key of an `ARRAY(OBJECT)` is the array of every element's value
//! for that key (`Option<Vec<Value>>`: NULL when the array is), usable with
//! [`any_eq`](super::Expr::any_eq) and friends.
//! Keys are written as SQL string literals (`['it''s']`): CrateDB accepts no parameters
//! in subscripts.

use serde_json::Value;

use super::expression::{HasRefs, IntoExpr};
use super::kind::{ExprType, Keyed};
use super::{Expr, N};

dual_impl! { [T] where [T: ExprType, T::Kind: Keyed] {
    /// The value at `key` (`"details"['gender']`), of JSON type. Chain for nested keys:
    /// `.key("a").key("b")` renders `"details"['a']['b']`.
    ///
    /// ```
    /// # use cratedb_orm::{Column, Object};
    /// # struct Character;
    /// let details: Column<Character, Option<Object>> = Column::new("details");
    /// assert_eq!(details.key("gender").eq("male").to_sql().0, r#""details"['gender'] = $1"#);
    /// ```
    pub fn key(self, key: impl Into<String>) -> Expr<<T::Kind as Keyed>::Out<Value>, <Self as HasRefs>::Refs> {
        Expr::from_n(N::Subscript(Box::new(self.into_expr().into_n()), key.into()))
    }

    /// The value at `key`, declared to have the Rust type `U`
    /// (`.key_as::<String>("gender")`), so it compares with and decodes as `U`.
    pub fn key_as<U>(self, key: impl Into<String>) -> Expr<<T::Kind as Keyed>::Out<U>, <Self as HasRefs>::Refs> {
        Expr::from_n(N::Subscript(Box::new(self.into_expr().into_n()), key.into()))
    }
}}
