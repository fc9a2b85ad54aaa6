//! Subqueries: a [`Select`] used inside another statement — `EXISTS (…)`, `x IN (SELECT …)`,
//! a scalar `(SELECT …)` in the select list or `WHERE`, a subquery in `FROM` or `WITH`, and
//! `UNION [ALL]` — and "the latest row per group" built on a window function.
//!
//! A subquery reads its own models; one that also reads the enclosing query's models is
//! [`correlated`](Select::correlated) (`Select::<Alert>::new().correlated::<Device>()`): the
//! expression it makes then reads those models, so the enclosing query must have them. Its
//! values are bound parameters of the whole statement, and its columns are written
//! table-qualified.

use std::marker::PhantomData;

use super::source::{Correlated, Relation, Source};
use super::{Select, Whole};
use crate::expr::kind::{Compatible, ExprType};
use crate::expr::scope::{Cat, RefList};
use crate::expr::select_tree::{Relation as FromItem, SelectTree, Selected};
use crate::expr::{Column, Expr, IntoExpr, OrderList, Selection, Window, N};

impl<F: Source, S> Select<F, S> {
    /// `EXISTS (SELECT 1 FROM …)`: a condition that reads what this subquery reads of an
    /// enclosing query (nothing unless [correlated](Select::correlated)). What the subquery
    /// selects does not matter (it is written `SELECT 1`, unless it groups: an aggregate
    /// without `GROUP BY`, such as `count(*)`, always has a row).
    pub fn exists(self) -> Expr<bool, F::Outer> {
        Expr::from_n(N::Exists(Box::new(self.exists_tree()), false))
    }

    /// `NOT EXISTS (SELECT 1 FROM …)`.
    pub fn not_exists(self) -> Expr<bool, F::Outer> {
        Expr::from_n(N::Exists(Box::new(self.exists_tree()), true))
    }

    fn exists_tree(&self) -> SelectTree {
        let mut tree = self.to_tree();
        if tree.group_by.is_empty() && tree.having.is_empty() && tree.unions.is_empty() {
            tree.selected = vec![Selected {
                expr: N::Int(1),
                alias: None,
            }];
        }
        tree
    }
}

impl<F: Source, S> Select<F, S> {
    /// This subquery, reading also the relations `O` of the query that will enclose it: its
    /// conditions may read `O`'s columns (`Alert::device_id().eq(Device::id())`), and the
    /// expression it makes (`exists`, `as_scalar`, `in_select`) reads `O`.
    pub fn correlated<O: RefList + 'static>(self) -> Select<Correlated<F, O>, S> {
        self.retype()
    }
}

impl<F: Source, S> Select<F, S>
where
    S: Selection + IntoExpr,
    S::Type: ExprType,
{
    /// `(SELECT …)` as a value: a subquery selecting one column, of at most one row (CrateDB
    /// refuses more at run time), NULL when it finds none. Usable in a select list and in
    /// conditions.
    pub fn as_scalar(self) -> Expr<Option<<S::Type as ExprType>::NonNull>, F::Outer> {
        Expr::from_n(N::Subquery(Box::new(self.to_tree())))
    }
}

/// `lhs [NOT] IN (SELECT …)`, for [`Expr::in_select`] and [`Column::in_select`].
fn in_select<X, F: Source, S>(lhs: N, select: Select<F, S>, negated: bool) -> Expr<bool, X> {
    Expr::from_n(N::InSelect(
        Box::new(lhs),
        Box::new(select.to_tree()),
        negated,
    ))
}

impl<M, T: ExprType> Column<M, T> {
    /// `self IN (SELECT …)`: the subquery selects one column of a compatible type.
    pub fn in_select<F, S>(self, select: Select<F, S>) -> Expr<bool, Cat<(M, ()), F::Outer>>
    where
        F: Source,
        S: Selection + IntoExpr,
        S::Type: ExprType,
        <S::Type as ExprType>::Kind: Compatible<T::Kind>,
    {
        in_select(self.into_expr().into_n(), select, false)
    }

    /// `self NOT IN (SELECT …)` (no row matches when the subquery returns a NULL).
    pub fn not_in_select<F, S>(self, select: Select<F, S>) -> Expr<bool, Cat<(M, ()), F::Outer>>
    where
        F: Source,
        S: Selection + IntoExpr,
        S::Type: ExprType,
        <S::Type as ExprType>::Kind: Compatible<T::Kind>,
    {
        in_select(self.into_expr().into_n(), select, true)
    }
}

impl<T: ExprType, R: RefList> Expr<T, R> {
    /// `self IN (SELECT …)`: the subquery selects one column of a compatible type.
    pub fn in_select<F, S>(self, select: Select<F, S>) -> Expr<bool, Cat<R, F::Outer>>
    where
        F: Source,
        S: Selection + IntoExpr,
        S::Type: ExprType,
        <S::Type as ExprType>::Kind: Compatible<T::Kind>,
    {
        in_select(self.into_n(), select, false)
    }

    /// `self NOT IN (SELECT …)`.
    pub fn not_in_select<F, S>(self, select: Select<F, S>) -> Expr<bool, Cat<R, F::Outer>>
    where
        F: Source,
        S: Selection + IntoExpr,
        S::Type: ExprType,
        <S::Type as ExprType>::Kind: Compatible<T::Kind>,
    {
        in_select(self.into_n(), select, true)
    }
}

/// A query's tree as a `UNION` part: a bare query (CrateDB takes no order or limit on a part:
/// a bounded one is wrapped as `SELECT * FROM (…) AS "u"`).
fn union_part(tree: SelectTree) -> SelectTree {
    if !tree.is_bounded() && tree.unions.is_empty() && tree.with.is_empty() {
        return tree;
    }
    let mut wrapped = SelectTree::new(FromItem::Derived {
        select: Box::new(tree),
        alias: "u",
    });
    wrapped.selected = vec![Selected {
        expr: N::Sql("*"),
        alias: None,
    }];
    wrapped
}

impl<F: Source, S: Selection> Select<F, S> {
    fn union_with<F2: Source, S2>(mut self, other: Select<F2, S2>, all: bool) -> Self {
        self.tree.unions.push((all, union_part(other.to_tree())));
        self
    }

    /// `… UNION …`: the rows of both, without duplicates. `other` selects the same types;
    /// this query's order and limit apply to the whole result.
    pub fn union<F2: Source, S2: Selection<Output = S::Output>>(
        self,
        other: Select<F2, S2>,
    ) -> Self {
        self.union_with(other, false)
    }

    /// `… UNION ALL …`: the rows of both, duplicates kept.
    pub fn union_all<F2: Source, S2: Selection<Output = S::Output>>(
        self,
        other: Select<F2, S2>,
    ) -> Self {
        self.union_with(other, true)
    }
}

impl<R: Relation> Select<R, Whole> {
    fn whole_union<R2: Relation<Model = R::Model>>(
        mut self,
        other: Select<R2, Whole>,
        all: bool,
    ) -> Self {
        self.tree.unions.push((all, union_part(other.to_tree())));
        self
    }

    /// `… UNION …` of two whole-model queries over the same model: its rows, without
    /// duplicates.
    pub fn union_models<R2: Relation<Model = R::Model>>(self, other: Select<R2, Whole>) -> Self {
        self.whole_union(other, false)
    }

    /// `… UNION ALL …` of two whole-model queries over the same model.
    pub fn union_all_models<R2: Relation<Model = R::Model>>(
        self,
        other: Select<R2, Whole>,
    ) -> Self {
        self.whole_union(other, true)
    }

    /// A query over the rows of `subquery` (whole models of `R`'s model, e.g. filtered),
    /// under `R`'s name: `SELECT … FROM (SELECT …) AS "r"`. `R` is an [alias](crate::alias)
    /// of the model, so its columns (`R::col(…)`) name the subquery's.
    pub fn from_query<R2: Relation<Model = R::Model>>(subquery: Select<R2, Whole>) -> Self {
        Select {
            tree: SelectTree::new(FromItem::Derived {
                select: Box::new(subquery.to_tree()),
                alias: R::name(),
            }),
            _marker: PhantomData,
        }
    }

    /// The same with the subquery as a `WITH` query: `WITH "r" AS (SELECT …) SELECT … FROM
    /// "r"`.
    pub fn with_query<R2: Relation<Model = R::Model>>(subquery: Select<R2, Whole>) -> Self {
        let mut tree = SelectTree::new(FromItem::Named(R::name()));
        tree.with.push((R::name(), subquery.to_tree()));
        Select {
            tree,
            _marker: PhantomData,
        }
    }

    /// The latest row of each group, as whole models: the rows ranked first by `order`
    /// (e.g. `Reading::ts().desc()`) within each `partition` (e.g. `Reading::device_id()`),
    /// among the rows that match the query's conditions so far:
    ///
    /// `SELECT … FROM (SELECT …, row_number() OVER (PARTITION BY … ORDER BY …) AS "_rank"
    /// FROM "readings" WHERE …) AS "readings" WHERE "readings"."_rank" = 1`.
    ///
    /// Conditions added afterwards apply to the latest rows.
    pub fn latest_per<P, O, I, J>(self, partition: P, order: O) -> Self
    where
        P: crate::expr::ExprList,
        P::Refs: crate::expr::scope::InScope<(R, ()), I>,
        O: OrderList,
        O::Refs: crate::expr::scope::InScope<(R, ()), J>,
    {
        let rank = Window::new()
            .partition_by(partition)
            .order_by(order)
            .row_number();
        let mut inner = self.to_tree();
        inner.selected.push(Selected {
            expr: rank.into_n(),
            alias: Some(RANK),
        });
        // The order and the bounds apply to the latest rows.
        let order = std::mem::take(&mut inner.order);
        let (limit, offset) = (inner.limit.take(), inner.offset.take());
        // The derived table goes by the model's name, so the outer select list (the model's
        // columns, qualified by that name) reads it.
        let mut outer = SelectTree::new(FromItem::Derived {
            select: Box::new(inner),
            alias: R::name(),
        });
        outer.filters.push(N::binary(
            crate::expr::BinOp::Eq,
            N::Col(R::name(), RANK),
            N::Int(1),
        ));
        outer.order = order;
        outer.limit = limit;
        outer.offset = offset;
        Select {
            tree: outer,
            _marker: PhantomData,
        }
    }
}

/// The output name of the rank column of [`Select::latest_per`].
const RANK: &str = "_rank";
