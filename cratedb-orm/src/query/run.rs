//! [`Query`]: a [`Select`] bound to a [`Session`], with the methods that run it.

use cratedb_client::SqlResponse;
use serde_json::Value;

use super::join::{FullJoin, InnerJoin, Joining, LeftJoin, RightJoin};
use super::source::{Cursor, Inner, Left, Relation, Source};
use super::{Cross, Full, Right, Select, Whole};
use crate::expr::kind::Bool;
use crate::expr::scope::InScope;
use crate::expr::{AsExpr, ExprList, OrderList, Selection};
use crate::{Error, Handle, Result, Session};

/// A [`Select`] bound to a [`Session`]: build it like a `Select`, then run it with a
/// terminal method (`all`, `first`, `one`, `scalar`, `count`).
///
/// Model queries (`session.query::<Character>()`) return [`Handle`]s of tracked models (a
/// join returns tuples of them, `Option` on an outer join's optional side); after
/// `.select(…)` they return decoded tuples.
pub struct Query<'s, F, S = Whole> {
    pub(super) session: &'s mut Session,
    pub(super) select: Select<F, S>,
}

impl<'s, F, S> Query<'s, F, S> {
    pub(crate) fn new(session: &'s mut Session, select: Select<F, S>) -> Self {
        Query { session, select }
    }

    pub(super) fn map<F2, S2>(
        self,
        f: impl FnOnce(Select<F, S>) -> Select<F2, S2>,
    ) -> Query<'s, F2, S2> {
        Query {
            session: self.session,
            select: f(self.select),
        }
    }

    /// `LIMIT n`.
    pub fn limit(self, n: u64) -> Self {
        self.map(|s| s.limit(n))
    }

    /// `OFFSET n`.
    pub fn offset(self, n: u64) -> Self {
        self.map(|s| s.offset(n))
    }

    /// `SELECT DISTINCT`.
    pub fn distinct(self) -> Self {
        self.map(Select::distinct)
    }

    /// The underlying [`Select`].
    pub fn as_select(&self) -> &Select<F, S> {
        &self.select
    }
}

impl<'s, F: Source, S> Query<'s, F, S> {
    /// Selects columns and expressions of the query's models (a column, an expression, or a
    /// tuple); the query then returns decoded rows instead of models.
    pub fn select<S2, I>(self, selection: S2) -> Query<'s, F, S2>
    where
        S2: Selection,
        S2::Refs: InScope<F::Scope, I>,
    {
        self.map(|s| s.select(selection))
    }

    /// Adds a `WHERE` condition on the query's models; several are joined with `AND`.
    pub fn filter<C, I>(self, condition: C) -> Self
    where
        C: AsExpr<Bool>,
        C::Refs: InScope<F::Scope, I>,
    {
        self.map(|s| s.filter(condition))
    }

    /// Adds `ORDER BY` items (an ordering, a column or expression, or a tuple of them).
    pub fn order_by<O, I>(self, order: O) -> Self
    where
        O: OrderList,
        O::Refs: InScope<F::Scope, I>,
    {
        self.map(|s| s.order_by(order))
    }

    /// Adds `GROUP BY` expressions (a column, an expression, or a tuple of them).
    pub fn group_by<E, I>(self, exprs: E) -> Self
    where
        E: ExprList,
        E::Refs: InScope<F::Scope, I>,
    {
        self.map(|s| s.group_by(exprs))
    }

    /// Adds a `HAVING` condition; several are joined with `AND`.
    pub fn having<C, I>(self, condition: C) -> Self
    where
        C: AsExpr<Bool>,
        C::Refs: InScope<F::Scope, I>,
    {
        self.map(|s| s.having(condition))
    }

    /// `JOIN R ON …` (see [`Select::join`]).
    pub fn join<R: Relation>(self) -> Joining<Self, R, InnerJoin> {
        Joining::new(self)
    }

    /// `LEFT JOIN R ON …` (see [`Select::left_join`]).
    pub fn left_join<R: Relation>(self) -> Joining<Self, R, LeftJoin> {
        Joining::new(self)
    }

    /// `CROSS JOIN R` (see [`Select::cross_join`]).
    pub fn cross_join<R>(self) -> Query<'s, Cross<F, R>, S>
    where
        R: Relation,
        Cross<F, R>: Source,
    {
        self.map(Select::cross_join)
    }

    /// The statement this query runs: SQL text and arguments.
    pub fn to_sql(&self) -> (String, Vec<Value>) {
        self.select.to_sql()
    }

    fn run(&self, select: &Select<F, S>) -> Result<SqlResponse> {
        let (sql, args) = select.to_sql();
        self.session
            .client()
            .sql(&sql, &args)
            .map_err(|e| explain_missing::<F>(e.into()))
    }

    /// The number of rows the query matches (`SELECT count(*) …`).
    pub fn count(self) -> Result<i64> {
        let (sql, args) = self.select.count_sql();
        let response = self
            .session
            .client()
            .sql(&sql, &args)
            .map_err(|e| explain_missing::<F>(e.into()))?;
        let rows = Select::<F, crate::expr::Expr<i64>>::decode(response)?;
        rows.into_iter().next().ok_or(Error::RowCount { found: 0 })
    }
}

impl<'s, L: Relation, S> Query<'s, L, S> {
    /// `RIGHT JOIN R ON …` (see [`Select::right_join`]).
    pub fn right_join<R: Relation>(self) -> Joining<Self, R, RightJoin> {
        Joining::new(self)
    }

    /// `FULL JOIN R ON …` (see [`Select::full_join`]).
    pub fn full_join<R: Relation>(self) -> Joining<Self, R, FullJoin> {
        Joining::new(self)
    }
}

impl<'s, R: Relation> Query<'s, R, Whole> {
    /// Every matching model, tracked by the session: its handle (`session[h]` reads and
    /// writes the model; changes are written by the next commit).
    pub fn all(self) -> Result<Vec<Handle<R::Model>>> {
        let select = self.select;
        self.session.read_models::<R::Model, _>(
            &|nulls| select.to_sql_nulls(nulls),
            &mut |session, sql, args| session.load::<R::Model>(sql, args),
        )
    }

    /// Every matching model, tracked by the session, borrowed: for reading a result without
    /// handles (`for c in session.query::<Character>().all_refs()? { … }`).
    pub fn all_refs(self) -> Result<Vec<&'s R::Model>> {
        let select = self.select;
        let session: &'s mut Session = self.session;
        let handles = session.read_models::<R::Model, _>(
            &|nulls| select.to_sql_nulls(nulls),
            &mut |session, sql, args| session.load::<R::Model>(sql, args),
        )?;
        let session: &'s Session = session;
        Ok(handles.into_iter().filter_map(|h| session.get(h)).collect())
    }

    /// Every matching model as an owned value, NOT tracked by the session (what a diesel or
    /// sea-orm user gets from a query): decoded as the response is parsed, with no copy
    /// kept. Changes to them are not written by a commit; [`attach`](Session::attach) one to
    /// track it.
    pub fn load(self) -> Result<Vec<R::Model>> {
        let select = self.select;
        self.session.read_models::<R::Model, _>(
            &|nulls| select.to_sql_nulls(nulls),
            &mut |session, sql, args| session.load_owned::<R::Model>(sql, args),
        )
    }

    /// The first matching model (`LIMIT 1`), if any.
    pub fn first(self) -> Result<Option<Handle<R::Model>>> {
        let select = self.select.clone().cap_limit(1);
        let handles = self.session.read_models::<R::Model, _>(
            &|nulls| select.to_sql_nulls(nulls),
            &mut |session, sql, args| session.load::<R::Model>(sql, args),
        )?;
        Ok(handles.into_iter().next())
    }

    /// The one matching model; an error ([`Error::RowCount`]) unless exactly one row
    /// matches.
    pub fn one(self) -> Result<Handle<R::Model>> {
        let select = self.select.clone().cap_limit(2);
        exactly_one(self.session.read_models::<R::Model, _>(
            &|nulls| select.to_sql_nulls(nulls),
            &mut |session, sql, args| session.load::<R::Model>(sql, args),
        )?)
    }
}

/// A query over joined models (or a correlated source) selecting whole models.
macro_rules! joined_rows {
    ($($source:ident<$($p:ident),+>),+) => {$(
        impl<'s, $($p),+> Query<'s, $source<$($p),+>, Whole>
        where
            $source<$($p),+>: Source,
        {
            /// Every matching row: a tuple of the joined models, tracked by the session
            /// (`Option` on an outer join's optional side). Models loaded twice (a device
            /// in many rows) are one tracked model.
            pub fn all(self) -> Result<Vec<<$source<$($p),+> as Source>::Tracked>> {
                let response = self.run(&self.select)?;
                let session = self.session;
                response
                    .rows
                    .into_iter()
                    .map(|row| <$source<$($p),+>>::track(session, &mut Cursor::new(row)))
                    .collect()
            }

            /// Every matching row as owned models, not tracked by the session.
            pub fn load(self) -> Result<Vec<<$source<$($p),+> as Source>::Owned>> {
                let response = self.run(&self.select)?;
                response
                    .rows
                    .into_iter()
                    .map(|row| <$source<$($p),+>>::own(&mut Cursor::new(row)))
                    .collect()
            }

            /// The first matching row (`LIMIT 1`), if any.
            pub fn first(self) -> Result<Option<<$source<$($p),+> as Source>::Tracked>> {
                let select = self.select.clone().cap_limit(1);
                let response = self.run(&select)?;
                let session = self.session;
                response
                    .rows
                    .into_iter()
                    .next()
                    .map(|row| <$source<$($p),+>>::track(session, &mut Cursor::new(row)))
                    .transpose()
            }
        }
    )+};
}

joined_rows!(Inner<A, B>, Left<A, B>, Right<A, B>, Full<A, B>, Cross<A, B>);

impl<F: Source, S: Selection> Query<'_, F, S> {
    /// Every matching row, decoded.
    pub fn all(self) -> Result<Vec<S::Output>> {
        Select::<F, S>::decode(self.run(&self.select)?)
    }

    /// The first matching row (`LIMIT 1`), if any.
    pub fn first(self) -> Result<Option<S::Output>> {
        let select = self.select.clone().cap_limit(1);
        Ok(Select::<F, S>::decode(self.run(&select)?)?
            .into_iter()
            .next())
    }

    /// The one matching row; an error ([`Error::RowCount`]) unless exactly one row
    /// matches.
    pub fn one(self) -> Result<S::Output> {
        let select = self.select.clone().cap_limit(2);
        exactly_one(Select::<F, S>::decode(self.run(&select)?)?)
    }

    /// The value of a single-row query, such as an aggregate without `GROUP BY`
    /// (`select(count_star()).scalar()`); an error ([`Error::RowCount`]) when there is no
    /// row.
    pub fn scalar(self) -> Result<S::Output> {
        Select::<F, S>::decode(self.run(&self.select)?)?
            .into_iter()
            .next()
            .ok_or(Error::RowCount { found: 0 })
    }
}

fn exactly_one<T>(rows: Vec<T>) -> Result<T> {
    let found = rows.len();
    let mut rows = rows.into_iter();
    match (rows.next(), found) {
        (Some(row), 1) => Ok(row),
        _ => Err(Error::RowCount { found }),
    }
}

/// CrateDB's 4043 about a column of the model of a one-model query becomes
/// [`Error::MissingColumn`](crate::Error::MissingColumn) (see [`crate::missing_column`]);
/// other errors, and queries over several models, keep their error.
pub(super) fn explain_missing<F: Source>(err: Error) -> Error {
    let mut relations = Vec::new();
    F::relations(&mut relations);
    match relations.as_slice() {
        [only] => crate::missing_column::explain_meta(only.meta, err),
        _ => err,
    }
}
