//! Queries: the pure [`Select`] builder (renders SQL text and arguments) and [`Query`],
//! which runs a `Select` through a [`Session`].
//!
//! ```
//! use cratedb_orm::expr::count_star;
//! use cratedb_orm::query::Select;
//! use cratedb_orm::{CrateModel, Object};
//!
//! #[derive(CrateModel)]
//! #[cratedb(table = "characters")]
//! struct Character {
//!     #[cratedb(primary_key)]
//!     id: String,
//!     name: Option<String>,
//!     details: Option<Object>,
//! }
//!
//! let q = Select::<Character>::new()
//!     .select((count_star(), Character::name()))
//!     .group_by(Character::name())
//!     .order_by((count_star().desc(), Character::name()));
//! assert_eq!(
//!     q.to_sql().0,
//!     r#"SELECT count(*), "name" FROM "characters" GROUP BY "name" ORDER BY count(*) DESC, "name""#
//! );
//!
//! // Run through a session: models come back tracked, partial selects as tuples.
//! # fn run(client: cratedb_orm::Client) -> cratedb_orm::Result<()> {
//! let mut session = cratedb_orm::Session::new(client);
//! let men = session
//!     .query::<Character>()
//!     .filter(Character::details().key("gender").eq("male"))
//!     .order_by(Character::name())
//!     .all()?;
//! let genders: Vec<(Option<String>, serde_json::Value)> = session
//!     .query::<Character>()
//!     .select((Character::name(), Character::details().key("gender")))
//!     .all()?;
//! # Ok(()) }
//! ```

use std::fmt::Write as _;
use std::marker::PhantomData;

use cratedb_client::SqlResponse;
use serde_json::Value;

use crate::expr::kind::Bool;
use crate::expr::{count_star, n, AsExpr, ExprList, Node, Order, OrderList, Selection, N};
use crate::sql::SqlWriter;
use crate::{CrateModel, Error, Handle, Result, Session};

/// The selection of a model query: every column of the model (decoded into models).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Whole;

/// A `SELECT` statement over model `M`'s table, selecting `S`: [`Whole`] models, or a
/// [`Selection`] of columns and expressions.
///
/// Pure: [`to_sql`](Self::to_sql) renders it; [`Query`] runs it.
pub struct Select<M, S = Whole> {
    selected: Vec<N>,
    distinct: bool,
    filters: Vec<N>,
    group_by: Vec<N>,
    having: Vec<N>,
    order: Vec<Order>,
    limit: Option<u64>,
    offset: Option<u64>,
    _marker: PhantomData<fn() -> (M, S)>,
}

impl<M, S> Clone for Select<M, S> {
    fn clone(&self) -> Self {
        Select {
            selected: self.selected.clone(),
            distinct: self.distinct,
            filters: self.filters.clone(),
            group_by: self.group_by.clone(),
            having: self.having.clone(),
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
            _marker: PhantomData,
        }
    }
}

impl<M: CrateModel, S> std::fmt::Debug for Select<M, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (sql, args) = self.to_sql();
        f.debug_struct("Select")
            .field("sql", &sql)
            .field("args", &args)
            .finish()
    }
}

impl<M> Select<M, Whole> {
    /// `SELECT <every column of M> FROM <M's table>`.
    pub fn new() -> Self {
        Select {
            selected: Vec::new(),
            distinct: false,
            filters: Vec::new(),
            group_by: Vec::new(),
            having: Vec::new(),
            order: Vec::new(),
            limit: None,
            offset: None,
            _marker: PhantomData,
        }
    }
}

impl<M> Default for Select<M, Whole> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M, S> Select<M, S> {
    /// Selects columns and expressions instead: a column, an expression, or a tuple of
    /// them; rows decode into the matching Rust types.
    pub fn select<S2: Selection>(self, selection: S2) -> Select<M, S2> {
        let mut nodes = Vec::new();
        selection.push_selected(&mut nodes);
        Select {
            selected: nodes.into_iter().map(|n| n.0).collect(),
            distinct: self.distinct,
            filters: self.filters,
            group_by: self.group_by,
            having: self.having,
            order: self.order,
            limit: self.limit,
            offset: self.offset,
            _marker: PhantomData,
        }
    }

    /// Adds a `WHERE` condition; several are joined with `AND`.
    pub fn filter<C: AsExpr<Bool>>(mut self, condition: C) -> Self {
        self.filters.push(n(condition));
        self
    }

    /// Adds `ORDER BY` items: an ordering (`.asc()`, `.desc()`), a column or expression,
    /// or a tuple of them. Call again to add more.
    pub fn order_by<O: OrderList>(mut self, order: O) -> Self {
        order.push_orders(&mut self.order);
        self
    }

    /// Adds `GROUP BY` expressions: a column, an expression, or a tuple of them.
    pub fn group_by<E: ExprList>(mut self, exprs: E) -> Self {
        let mut nodes: Vec<Node> = Vec::new();
        exprs.push_exprs(&mut nodes);
        self.group_by.extend(nodes.into_iter().map(|n| n.0));
        self
    }

    /// Adds a `HAVING` condition; several are joined with `AND`.
    pub fn having<C: AsExpr<Bool>>(mut self, condition: C) -> Self {
        self.having.push(n(condition));
        self
    }

    /// `LIMIT n`.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// `OFFSET n`.
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    /// `SELECT DISTINCT`.
    pub fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }

    /// Caps the limit at `n` (keeps a smaller one).
    fn cap_limit(mut self, n: u64) -> Self {
        self.limit = Some(self.limit.map_or(n, |l| l.min(n)));
        self
    }
}

impl<M: CrateModel, S> Select<M, S> {
    fn write_select_list(&self, w: &mut SqlWriter, nulls: &[usize]) {
        if self.selected.is_empty() {
            crate::model_sql::write_select_list_nulls(w, M::meta(), nulls);
        } else {
            write_list(w, &self.selected);
        }
    }

    fn render(&self, w: &mut SqlWriter) {
        self.render_nulls(w, &[]);
    }

    /// The statement, with the model columns `nulls` read as `NULL AS "name"`.
    fn render_nulls(&self, w: &mut SqlWriter, nulls: &[usize]) {
        w.push("SELECT ");
        if self.distinct {
            w.push("DISTINCT ");
        }
        self.write_select_list(w, nulls);
        w.push(" FROM ").push(&M::meta().qualified_name());
        self.render_clauses(w, true);
    }

    fn render_clauses(&self, w: &mut SqlWriter, with_order: bool) {
        write_conditions(w, " WHERE ", &self.filters);
        if !self.group_by.is_empty() {
            w.push(" GROUP BY ");
            write_list(w, &self.group_by);
        }
        write_conditions(w, " HAVING ", &self.having);
        if with_order && !self.order.is_empty() {
            w.push(" ORDER BY ");
            for (i, order) in self.order.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                order.render(w);
            }
        }
        if let Some(limit) = self.limit {
            let _ = write!(w, " LIMIT {limit}");
        }
        if let Some(offset) = self.offset {
            let _ = write!(w, " OFFSET {offset}");
        }
    }

    /// The statement: SQL text and its arguments.
    pub fn to_sql(&self) -> (String, Vec<Value>) {
        let mut w = SqlWriter::new();
        self.render(&mut w);
        w.finish()
    }

    /// [`to_sql`](Select::to_sql), reading the model columns `nulls` as NULL.
    fn to_sql_nulls(&self, nulls: &[usize]) -> (String, Vec<Value>) {
        let mut w = SqlWriter::new();
        self.render_nulls(&mut w, nulls);
        w.finish()
    }

    /// The statement counting this query's rows: `SELECT count(*) FROM t WHERE …`, or
    /// `SELECT count(*) FROM (<query>) AS "q"` when the query groups, is distinct or
    /// limited.
    pub fn count_sql(&self) -> (String, Vec<Value>) {
        let mut w = SqlWriter::new();
        let simple = self.group_by.is_empty()
            && !self.distinct
            && self.limit.is_none()
            && self.offset.is_none();
        w.push("SELECT ");
        count_star().node().render(&mut w);
        w.push(" FROM ");
        if simple {
            w.push(&M::meta().qualified_name());
            self.render_clauses(&mut w, false);
        } else {
            w.push("(");
            self.render(&mut w);
            w.push(") AS ").ident("q");
        }
        w.finish()
    }
}

impl<M: CrateModel, S: Selection> Select<M, S> {
    /// Decodes a response to this select into rows of `S::Output`.
    pub fn decode(response: SqlResponse) -> Result<Vec<S::Output>> {
        let cols = response.cols;
        response
            .rows
            .into_iter()
            .map(|row| S::decode_row(&cols, row))
            .collect()
    }
}

pub(crate) fn write_list(w: &mut SqlWriter, nodes: &[N]) {
    for (i, node) in nodes.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        node.render(w);
    }
}

/// Writes `prefix` and the conditions joined with `AND`, if there are any.
pub(crate) fn write_conditions(w: &mut SqlWriter, prefix: &str, conditions: &[N]) {
    if let Some(all) = crate::expr::and_all(conditions.to_vec()) {
        w.push(prefix);
        all.render(w);
    }
}

/// A [`Select`] bound to a [`Session`]: build it like a `Select`, then run it with a
/// terminal method (`all`, `first`, `one`, `scalar`, `count`).
///
/// Model queries (`session.query::<Character>()`) return [`Handle`]s of tracked models;
/// after `.select(…)` they return decoded tuples.
pub struct Query<'s, M, S = Whole> {
    session: &'s mut Session,
    select: Select<M, S>,
}

impl Session {
    /// A query over model `M`'s table, returning tracked models unless you
    /// [`select`](Query::select) columns.
    pub fn query<M: CrateModel>(&mut self) -> Query<'_, M> {
        Query {
            session: self,
            select: Select::new(),
        }
    }
}

impl<'s, M, S> Query<'s, M, S> {
    /// Selects columns and expressions (a column, an expression, or a tuple); the query
    /// then returns decoded rows instead of models.
    pub fn select<S2: Selection>(self, selection: S2) -> Query<'s, M, S2> {
        Query {
            session: self.session,
            select: self.select.select(selection),
        }
    }

    /// Adds a `WHERE` condition; several are joined with `AND`.
    pub fn filter<C: AsExpr<Bool>>(mut self, condition: C) -> Self {
        self.select = self.select.filter(condition);
        self
    }

    /// Adds `ORDER BY` items (an ordering, a column or expression, or a tuple of them).
    pub fn order_by<O: OrderList>(mut self, order: O) -> Self {
        self.select = self.select.order_by(order);
        self
    }

    /// Adds `GROUP BY` expressions (a column, an expression, or a tuple of them).
    pub fn group_by<E: ExprList>(mut self, exprs: E) -> Self {
        self.select = self.select.group_by(exprs);
        self
    }

    /// Adds a `HAVING` condition; several are joined with `AND`.
    pub fn having<C: AsExpr<Bool>>(mut self, condition: C) -> Self {
        self.select = self.select.having(condition);
        self
    }

    /// `LIMIT n`.
    pub fn limit(mut self, n: u64) -> Self {
        self.select = self.select.limit(n);
        self
    }

    /// `OFFSET n`.
    pub fn offset(mut self, n: u64) -> Self {
        self.select = self.select.offset(n);
        self
    }

    /// `SELECT DISTINCT`.
    pub fn distinct(mut self) -> Self {
        self.select = self.select.distinct();
        self
    }

    /// The underlying [`Select`].
    pub fn as_select(&self) -> &Select<M, S> {
        &self.select
    }
}

impl<M: CrateModel, S> Query<'_, M, S> {
    /// The statement this query runs: SQL text and arguments.
    pub fn to_sql(&self) -> (String, Vec<Value>) {
        self.select.to_sql()
    }

    fn run(&self, select: &Select<M, S>) -> Result<SqlResponse> {
        let (sql, args) = select.to_sql();
        self.session
            .client()
            .sql(&sql, &args)
            .map_err(|e| crate::missing_column::explain::<M>(e.into()))
    }

    /// The number of rows the query matches (`SELECT count(*) …`).
    pub fn count(self) -> Result<i64> {
        let (sql, args) = self.select.count_sql();
        let response = self
            .session
            .client()
            .sql(&sql, &args)
            .map_err(|e| crate::missing_column::explain::<M>(e.into()))?;
        let rows = Select::<M, crate::expr::Expr<i64>>::decode(response)?;
        rows.into_iter().next().ok_or(Error::RowCount { found: 0 })
    }
}

impl<'s, M: CrateModel> Query<'s, M, Whole> {
    /// Every matching model, tracked by the session: its handle (`session[h]` reads and
    /// writes the model; changes are written by the next commit).
    pub fn all(self) -> Result<Vec<Handle<M>>> {
        let select = self.select;
        self.session.read_models::<M, _>(
            &|nulls| select.to_sql_nulls(nulls),
            &mut |session, sql, args| session.load::<M>(sql, args),
        )
    }

    /// Every matching model, tracked by the session, borrowed: for reading a result without
    /// handles (`for c in session.query::<Character>().all_refs()? { … }`).
    pub fn all_refs(self) -> Result<Vec<&'s M>> {
        let select = self.select;
        let session: &'s mut Session = self.session;
        let handles = session.read_models::<M, _>(
            &|nulls| select.to_sql_nulls(nulls),
            &mut |session, sql, args| session.load::<M>(sql, args),
        )?;
        let session: &'s Session = session;
        Ok(handles.into_iter().filter_map(|h| session.get(h)).collect())
    }

    /// Every matching model as an owned value, NOT tracked by the session (what a diesel or
    /// sea-orm user gets from a query): decoded as the response is parsed, with no copy
    /// kept. Changes to them are not written by a commit; [`attach`](Session::attach) one to
    /// track it.
    pub fn load(self) -> Result<Vec<M>> {
        let select = self.select;
        self.session.read_models::<M, _>(
            &|nulls| select.to_sql_nulls(nulls),
            &mut |session, sql, args| session.load_owned::<M>(sql, args),
        )
    }

    /// The first matching model (`LIMIT 1`), if any.
    pub fn first(self) -> Result<Option<Handle<M>>> {
        let select = self.select.clone().cap_limit(1);
        let handles = self.session.read_models::<M, _>(
            &|nulls| select.to_sql_nulls(nulls),
            &mut |session, sql, args| session.load::<M>(sql, args),
        )?;
        Ok(handles.into_iter().next())
    }

    /// The one matching model; an error ([`Error::RowCount`]) unless exactly one row
    /// matches.
    pub fn one(self) -> Result<Handle<M>> {
        let select = self.select.clone().cap_limit(2);
        exactly_one(self.session.read_models::<M, _>(
            &|nulls| select.to_sql_nulls(nulls),
            &mut |session, sql, args| session.load::<M>(sql, args),
        )?)
    }
}

impl<M: CrateModel, S: Selection> Query<'_, M, S> {
    /// Every matching row, decoded.
    pub fn all(self) -> Result<Vec<S::Output>> {
        Select::<M, S>::decode(self.run(&self.select)?)
    }

    /// The first matching row (`LIMIT 1`), if any.
    pub fn first(self) -> Result<Option<S::Output>> {
        let select = self.select.clone().cap_limit(1);
        Ok(Select::<M, S>::decode(self.run(&select)?)?
            .into_iter()
            .next())
    }

    /// The one matching row; an error ([`Error::RowCount`]) unless exactly one row
    /// matches.
    pub fn one(self) -> Result<S::Output> {
        let select = self.select.clone().cap_limit(2);
        exactly_one(Select::<M, S>::decode(self.run(&select)?)?)
    }

    /// The value of a single-row query, such as an aggregate without `GROUP BY`
    /// (`select(count_star()).scalar()`); an error ([`Error::RowCount`]) when there is no
    /// row.
    pub fn scalar(self) -> Result<S::Output> {
        Select::<M, S>::decode(self.run(&self.select)?)?
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
