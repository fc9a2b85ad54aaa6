//! Fulltext search: `MATCH` on a column or a named fulltext index, several boosted
//! columns, match types and options, and the `_score` system column.
//!
//! ```
//! use cratedb_orm::expr::{match_, Index, MatchType};
//! use cratedb_orm::Column;
//! struct Character;
//! let name_ft: Index<Character> = Index::new("name_ft");
//! assert_eq!(match_(name_ft, "Arthur").to_sql().0, r#"MATCH("name_ft", $1)"#);
//!
//! let a: Column<Character, String> = Column::new("a");
//! let b: Column<Character, Option<String>> = Column::new("b");
//! let m = match_((a.boost(1.0), b.boost(0.5)), "Arthur")
//!     .using(MatchType::BestFields)
//!     .option("fuzziness", 1);
//! assert_eq!(
//!     m.to_sql().0,
//!     r#"MATCH(("a" 1.0, "b" 0.5), $1) USING best_fields WITH (fuzziness = 1)"#
//! );
//! ```

use std::fmt;
use std::marker::PhantomData;

use serde_json::Value;

use super::column::Column;
use super::expression::{n, AsExpr, IntoExpr};
use super::kind::{self, Compatible, ExprType, TextLike};
use super::node::{MatchNode, OptionValue};
use super::{Expr, Node, N};

/// A named fulltext index of model `M` (`INDEX "name_ft" USING FULLTEXT ("name")`),
/// usable in [`match_`].
pub struct Index<M> {
    name: &'static str,
    _model: PhantomData<fn() -> M>,
}

impl<M> Index<M> {
    /// The index named `name`.
    pub const fn new(name: &'static str) -> Self {
        Index {
            name,
            _model: PhantomData,
        }
    }

    /// The index name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// This index with a boost, for a multi-column [`match_`].
    pub fn boost(self, boost: f64) -> Boosted<kind::Text> {
        Boosted::new(Node(N::Column(self.name)), boost)
    }
}

impl<M> Clone for Index<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M> Copy for Index<M> {}
impl<M> fmt::Debug for Index<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Index").field(&self.name).finish()
    }
}

/// A `MATCH` target with a boost (`"name" 1.5`).
#[derive(Debug, Clone, PartialEq)]
pub struct Boosted<K> {
    target: Node,
    boost: f64,
    _kind: PhantomData<fn() -> K>,
}

impl<K> Boosted<K> {
    fn new(target: Node, boost: f64) -> Self {
        Boosted {
            target,
            boost,
            _kind: PhantomData,
        }
    }
}

dual_impl! { [T] where [T: ExprType, T::Kind: TextLike] {
    /// This column with a boost, for a multi-column [`match_`]. The boost must be a
    /// finite, non-negative number.
    pub fn boost(self, boost: f64) -> Boosted<kind::Text> {
        Boosted::new(self.into_expr().into_node(), boost)
    }
}}

/// What [`match_`] searches: a text column, an object key, a fulltext [`Index`], a
/// `GEO_SHAPE` column (geographic match), or a tuple of [`Boosted`] or plain text targets.
pub trait MatchTarget {
    /// The kind of the search term: text, or a shape for geographic matches.
    type Term;

    /// The targets with their boosts, and whether to render them as a list.
    fn targets(self) -> (Vec<(Node, Option<f64>)>, bool);
}

impl<M> MatchTarget for Index<M> {
    type Term = kind::Text;
    fn targets(self) -> (Vec<(Node, Option<f64>)>, bool) {
        (vec![(Node(N::Column(self.name)), None)], false)
    }
}

/// A column: text columns take a text term, `GEO_SHAPE` columns a shape.
impl<M, T> MatchTarget for Column<M, T>
where
    T: ExprType,
    T::Kind: MatchKind,
{
    type Term = <T::Kind as MatchKind>::Term;
    fn targets(self) -> (Vec<(Node, Option<f64>)>, bool) {
        (vec![(self.into_expr().into_node(), None)], false)
    }
}

impl<T> MatchTarget for Expr<T>
where
    T: ExprType,
    T::Kind: MatchKind,
{
    type Term = <T::Kind as MatchKind>::Term;
    fn targets(self) -> (Vec<(Node, Option<f64>)>, bool) {
        (vec![(self.into_node(), None)], false)
    }
}

impl<K> MatchTarget for Boosted<K> {
    type Term = kind::Text;
    fn targets(self) -> (Vec<(Node, Option<f64>)>, bool) {
        (vec![(self.target, Some(self.boost))], true)
    }
}

/// Kinds a `MATCH` can search, with the kind of their search term.
pub trait MatchKind {
    /// The term's kind.
    type Term;
}
impl MatchKind for kind::Text {
    type Term = kind::Text;
}
impl MatchKind for kind::Json {
    type Term = kind::Text;
}
impl MatchKind for kind::GeoShape {
    type Term = kind::GeoShape;
}

/// One element of a multi-column match: a text target with or without a boost.
pub trait MatchColumn {
    /// The target and its optional boost.
    fn target(self) -> (Node, Option<f64>);
}

impl<K> MatchColumn for Boosted<K> {
    fn target(self) -> (Node, Option<f64>) {
        (self.target, Some(self.boost))
    }
}

impl<M> MatchColumn for Index<M> {
    fn target(self) -> (Node, Option<f64>) {
        (Node(N::Column(self.name)), None)
    }
}

impl<M, T> MatchColumn for Column<M, T>
where
    T: ExprType,
    T::Kind: TextLike,
{
    fn target(self) -> (Node, Option<f64>) {
        (self.into_expr().into_node(), None)
    }
}

impl<T> MatchColumn for Expr<T>
where
    T: ExprType,
    T::Kind: TextLike,
{
    fn target(self) -> (Node, Option<f64>) {
        (self.into_node(), None)
    }
}

macro_rules! tuple_targets {
    ($($t:ident $i:tt),+) => {
        impl<$($t: MatchColumn),+> MatchTarget for ($($t,)+) {
            type Term = kind::Text;
            fn targets(self) -> (Vec<(Node, Option<f64>)>, bool) {
                (vec![$(self.$i.target()),+], true)
            }
        }
    };
}
tuple_targets!(A 0);
tuple_targets!(A 0, B 1);
tuple_targets!(A 0, B 1, C 2);
tuple_targets!(A 0, B 1, C 2, D 3);
tuple_targets!(A 0, B 1, C 2, D 3, E 4);
tuple_targets!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_targets!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_targets!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// How a `MATCH` applies its term (`USING …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MatchType {
    /// Fulltext: the score of the best matching column (CrateDB's default).
    BestFields,
    /// Fulltext: the average score of every matching column.
    MostFields,
    /// Fulltext: all columns searched as one.
    CrossFields,
    /// Fulltext: the tokens in the same order.
    Phrase,
    /// Fulltext: a phrase whose last token is a prefix.
    PhrasePrefix,
    /// Geographic: the shapes share a point (the default for shapes).
    Intersects,
    /// Geographic: the shapes share no point.
    Disjoint,
    /// Geographic: the indexed shape lies within the term.
    Within,
}

impl MatchType {
    /// The SQL keyword (`best_fields`, …).
    pub fn keyword(self) -> &'static str {
        match self {
            MatchType::BestFields => "best_fields",
            MatchType::MostFields => "most_fields",
            MatchType::CrossFields => "cross_fields",
            MatchType::Phrase => "phrase",
            MatchType::PhrasePrefix => "phrase_prefix",
            MatchType::Intersects => "intersects",
            MatchType::Disjoint => "disjoint",
            MatchType::Within => "within",
        }
    }
}

/// A `MATCH` predicate under construction; a condition (`Expr<bool>`) once built.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    node: MatchNode,
}

/// `MATCH(target, term)`: a fulltext (or geographic) search. Select [`score`] to get each
/// row's relevance.
pub fn match_<G, Q>(target: G, term: Q) -> Match
where
    G: MatchTarget,
    Q: AsExpr<G::Term>,
{
    let (targets, multi) = target.targets();
    Match {
        node: MatchNode {
            targets: targets.into_iter().map(|(t, b)| (t.0, b)).collect(),
            multi,
            term: n(term),
            using: None,
            options: Vec::new(),
        },
    }
}

impl Match {
    /// The match type (`USING best_fields`).
    pub fn using(mut self, match_type: MatchType) -> Self {
        self.node.using = Some(match_type.keyword());
        self
    }

    /// Adds an option (`WITH (fuzziness = 1)`), e.g. `analyzer`, `boost`, `fuzziness`,
    /// `operator`, `minimum_should_match`, `slop`, `tie_breaker`. Text values are written
    /// as quoted literals; a name that is not a plain word is quoted. Options without a
    /// [`using`](Self::using) match type get CrateDB's default, `best_fields`.
    pub fn option(mut self, name: &'static str, value: impl Into<OptionValue>) -> Self {
        self.node.options.push((name, value.into()));
        self
    }

    /// As a condition.
    pub fn into_expr(self) -> Expr<bool> {
        Expr::from_n(N::Match(Box::new(self.node)))
    }

    /// Renders the predicate alone: SQL text and arguments.
    pub fn to_sql(&self) -> (String, Vec<Value>) {
        self.clone().into_expr().to_sql()
    }

    /// `MATCH(…) AND rhs`.
    pub fn and<R: AsExpr<kind::Bool>>(self, rhs: R) -> Expr<bool> {
        self.into_expr().and(rhs)
    }

    /// `MATCH(…) OR rhs`.
    pub fn or<R: AsExpr<kind::Bool>>(self, rhs: R) -> Expr<bool> {
        self.into_expr().or(rhs)
    }

    /// `NOT MATCH(…)`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Expr<bool> {
        self.into_expr().not()
    }
}

impl IntoExpr for Match {
    type Type = bool;
    fn into_expr(self) -> Expr<bool> {
        Match::into_expr(self)
    }
}

impl<K> AsExpr<K> for Match
where
    kind::Bool: Compatible<K>,
{
    fn into_node(self) -> Node {
        Match::into_expr(self).into_node()
    }
}

impl From<Match> for Expr<bool> {
    fn from(m: Match) -> Self {
        m.into_expr()
    }
}

/// The `_score` system column: the relevance of a row in a fulltext search.
pub fn score() -> Expr<f32> {
    Expr::from_n(N::Sql("_score"))
}
