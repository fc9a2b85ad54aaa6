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
use super::expression::{n, AsExpr, HasRefs, IntoExpr};
use super::kind::{self, Compatible, ExprType, TextLike};
use super::node::{MatchNode, OptionValue};
use super::scope::{Cat, RefList};
use super::{Expr, Node, N};

/// A named fulltext index of model `M` (`INDEX "name_ft" USING FULLTEXT ("name")`),
/// usable in [`match_`].
pub struct Index<M> {
    name: &'static str,
    relation: Option<&'static str>,
    _model: PhantomData<fn() -> M>,
}

impl<M> Index<M> {
    /// The index named `name`.
    pub const fn new(name: &'static str) -> Self {
        Index {
            name,
            relation: None,
            _model: PhantomData,
        }
    }

    /// The index named `name` of the table `relation` (qualified where a statement reads
    /// several tables).
    pub const fn of(relation: &'static str, name: &'static str) -> Self {
        Index {
            name,
            relation: Some(relation),
            _model: PhantomData,
        }
    }

    /// The index name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    fn node(&self) -> N {
        match self.relation {
            Some(relation) => N::Col(relation, self.name),
            None => N::Column(self.name),
        }
    }

    /// This index with a boost, for a multi-column [`match_`].
    pub fn boost(self, boost: f64) -> Boosted<kind::Text, (M, ())> {
        Boosted::new(Node(self.node()), boost)
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

/// A `MATCH` target with a boost (`"name" 1.5`), reading the relations `R`.
#[derive(Debug, Clone, PartialEq)]
pub struct Boosted<K, R = ()> {
    target: Node,
    boost: f64,
    _kind: PhantomData<fn() -> (K, R)>,
}

impl<K, R> Boosted<K, R> {
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
    pub fn boost(self, boost: f64) -> Boosted<kind::Text, <Self as HasRefs>::Refs> {
        Boosted::new(self.into_expr().into_node(), boost)
    }
}}

/// What [`match_`] searches: a text column, an object key, a fulltext [`Index`], a
/// `GEO_SHAPE` column (geographic match), or a tuple of [`Boosted`] or plain text targets.
pub trait MatchTarget {
    /// The kind of the search term: text, or a shape for geographic matches.
    type Term;
    /// The relations the targets belong to.
    type Refs: RefList;

    /// The targets with their boosts, and whether to render them as a list.
    fn targets(self) -> (Vec<(Node, Option<f64>)>, bool);
}

impl<M> MatchTarget for Index<M> {
    type Term = kind::Text;
    type Refs = (M, ());
    fn targets(self) -> (Vec<(Node, Option<f64>)>, bool) {
        (vec![(Node(self.node()), None)], false)
    }
}

/// A column: text columns take a text term, `GEO_SHAPE` columns a shape.
impl<M, T> MatchTarget for Column<M, T>
where
    T: ExprType,
    T::Kind: MatchKind,
{
    type Term = <T::Kind as MatchKind>::Term;
    type Refs = (M, ());
    fn targets(self) -> (Vec<(Node, Option<f64>)>, bool) {
        (vec![(self.into_expr().into_node(), None)], false)
    }
}

impl<T, R: RefList> MatchTarget for Expr<T, R>
where
    T: ExprType,
    T::Kind: MatchKind,
{
    type Term = <T::Kind as MatchKind>::Term;
    type Refs = R;
    fn targets(self) -> (Vec<(Node, Option<f64>)>, bool) {
        (vec![(self.into_node(), None)], false)
    }
}

impl<K, R: RefList> MatchTarget for Boosted<K, R> {
    type Term = kind::Text;
    type Refs = R;
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
    /// The relations it belongs to.
    type Refs: RefList;

    /// The target and its optional boost.
    fn target(self) -> (Node, Option<f64>);
}

impl<K, R: RefList> MatchColumn for Boosted<K, R> {
    type Refs = R;
    fn target(self) -> (Node, Option<f64>) {
        (self.target, Some(self.boost))
    }
}

impl<M> MatchColumn for Index<M> {
    type Refs = (M, ());
    fn target(self) -> (Node, Option<f64>) {
        (Node(self.node()), None)
    }
}

impl<M, T> MatchColumn for Column<M, T>
where
    T: ExprType,
    T::Kind: TextLike,
{
    type Refs = (M, ());
    fn target(self) -> (Node, Option<f64>) {
        (self.into_expr().into_node(), None)
    }
}

impl<T, R: RefList> MatchColumn for Expr<T, R>
where
    T: ExprType,
    T::Kind: TextLike,
{
    type Refs = R;
    fn target(self) -> (Node, Option<f64>) {
        (self.into_node(), None)
    }
}

macro_rules! tuple_targets {
    ($($t:ident $i:tt),+) => {
        impl<$($t: MatchColumn),+> MatchTarget for ($($t,)+) {
            type Term = kind::Text;
            type Refs = cat!($($t::Refs),+);
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

/// A `MATCH` predicate under construction (reading the relations `R`); a condition
/// (`Expr<bool, R>`) once built.
pub struct Match<R = ()> {
    node: MatchNode,
    _refs: PhantomData<fn() -> R>,
}

impl<R> Clone for Match<R> {
    fn clone(&self) -> Self {
        Match {
            node: self.node.clone(),
            _refs: PhantomData,
        }
    }
}

impl<R> fmt::Debug for Match<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Match").field(&self.to_sql()).finish()
    }
}

impl<R> PartialEq for Match<R> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

/// `MATCH(target, term)`: a fulltext (or geographic) search. Select [`score`] to get each
/// row's relevance.
pub fn match_<G, Q>(target: G, term: Q) -> Match<Cat<G::Refs, Q::Refs>>
where
    G: MatchTarget,
    Q: AsExpr<G::Term>,
{
    let (targets, multi) = target.targets();
    Match {
        _refs: PhantomData,
        node: MatchNode {
            targets: targets.into_iter().map(|(t, b)| (t.0, b)).collect(),
            multi,
            term: n(term),
            using: None,
            options: Vec::new(),
        },
    }
}

impl<R> Match<R> {
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
    pub fn into_expr(self) -> Expr<bool, R> {
        Expr::from_n(N::Match(Box::new(self.node)))
    }

    /// Renders the predicate alone: SQL text and arguments.
    pub fn to_sql(&self) -> (String, Vec<Value>) {
        Expr::<bool, R>::from_n(N::Match(Box::new(self.node.clone()))).to_sql()
    }
}

impl<R: RefList> Match<R> {
    /// `MATCH(…) AND rhs`.
    pub fn and<B: AsExpr<kind::Bool>>(self, rhs: B) -> Expr<bool, Cat<R, B::Refs>> {
        self.into_expr().and(rhs)
    }

    /// `MATCH(…) OR rhs`.
    pub fn or<B: AsExpr<kind::Bool>>(self, rhs: B) -> Expr<bool, Cat<R, B::Refs>> {
        self.into_expr().or(rhs)
    }

    /// `NOT MATCH(…)`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Expr<bool, R> {
        self.into_expr().not()
    }
}

impl<R: RefList> IntoExpr for Match<R> {
    type Type = bool;
    type Refs = R;
    fn into_expr(self) -> Expr<bool, R> {
        Match::into_expr(self)
    }
}

impl<K, R: RefList> AsExpr<K> for Match<R>
where
    kind::Bool: Compatible<K>,
{
    type Refs = R;
    fn into_node(self) -> Node {
        Match::into_expr(self).into_node()
    }
}

impl<R> From<Match<R>> for Expr<bool, R> {
    fn from(m: Match<R>) -> Self {
        m.into_expr()
    }
}

/// The `_score` system column: the relevance of a row in a fulltext search.
pub fn score() -> Expr<f32> {
    Expr::from_n(N::Sql("_score"))
}
