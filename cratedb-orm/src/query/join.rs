//! [`Joining`]: a join waiting for its condition —
//! `Select::<Reading>::new().join::<Device>().on(Reading::device_id().eq(Device::id()))`.

use std::marker::PhantomData;

use super::run::Query;
use super::source::{Full, Inner, Left, Relation, Right, Source};
use super::Select;
use crate::expr::kind::Bool;
use crate::expr::scope::InScope;
use crate::expr::select_tree::JoinKind;
use crate::expr::{n, AsExpr};

/// A kind of join with a condition, and the [`Source`] it makes of the query's source `F`
/// and the joined relation `R`.
pub trait JoinType {
    /// The joined source.
    type Joined<F: 'static, R: Relation>;
    /// The SQL join.
    fn kind() -> JoinKind;
}

/// `JOIN` (inner).
#[derive(Debug)]
pub struct InnerJoin;
/// `LEFT JOIN`.
#[derive(Debug)]
pub struct LeftJoin;
/// `RIGHT JOIN`.
#[derive(Debug)]
pub struct RightJoin;
/// `FULL JOIN`.
#[derive(Debug)]
pub struct FullJoin;

impl JoinType for InnerJoin {
    type Joined<F: 'static, R: Relation> = Inner<F, R>;
    fn kind() -> JoinKind {
        JoinKind::Inner
    }
}

impl JoinType for LeftJoin {
    type Joined<F: 'static, R: Relation> = Left<F, R>;
    fn kind() -> JoinKind {
        JoinKind::Left
    }
}

impl JoinType for RightJoin {
    type Joined<F: 'static, R: Relation> = Right<F, R>;
    fn kind() -> JoinKind {
        JoinKind::Right
    }
}

impl JoinType for FullJoin {
    type Joined<F: 'static, R: Relation> = Full<F, R>;
    fn kind() -> JoinKind {
        JoinKind::Full
    }
}

/// A join of relation `R` to query `Q` (a [`Select`] or a [`Query`]), waiting for its
/// condition: [`on`](Joining::on).
pub struct Joining<Q, R, K> {
    query: Q,
    _marker: PhantomData<fn() -> (R, K)>,
}

impl<Q, R, K> Joining<Q, R, K> {
    pub(super) fn new(query: Q) -> Self {
        Joining {
            query,
            _marker: PhantomData,
        }
    }
}

impl<F: Source, S, R: Relation, K: JoinType> Joining<Select<F, S>, R, K> {
    /// The join condition: it may read the query's models and `R` (e.g.
    /// `Reading::device_id().eq(Device::id())`).
    pub fn on<C, I>(self, condition: C) -> Select<K::Joined<F, R>, S>
    where
        K::Joined<F, R>: Source,
        C: AsExpr<Bool>,
        C::Refs: InScope<<K::Joined<F, R> as Source>::Scope, I>,
    {
        self.query.join_with::<R, _>(K::kind(), Some(n(condition)))
    }
}

impl<'s, F: Source, S, R: Relation, K: JoinType> Joining<Query<'s, F, S>, R, K> {
    /// The join condition: it may read the query's models and `R`.
    pub fn on<C, I>(self, condition: C) -> Query<'s, K::Joined<F, R>, S>
    where
        K::Joined<F, R>: Source,
        C: AsExpr<Bool>,
        C::Refs: InScope<<K::Joined<F, R> as Source>::Scope, I>,
    {
        self.query
            .map(|s| s.join_with::<R, _>(K::kind(), Some(n(condition))))
    }
}
