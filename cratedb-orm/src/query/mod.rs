//! Queries: the pure [`Select`] builder (renders SQL text and arguments) and [`Query`],
//! which runs a `Select` through a [`Session`].
//!
//! A query reads a [`Source`]: one model's table, or tables joined. Every expression it is
//! given must read only the models of its source (checked at compile time, see
//! [`scope`](crate::expr::scope)); where more than one table is in the statement (a join, a
//! subquery), columns are written table-qualified.
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

use std::marker::PhantomData;

use cratedb_client::SqlResponse;
use serde_json::Value;

use crate::expr::kind::Bool;
use crate::expr::scope::InScope;
use crate::expr::select_tree::{Join, JoinKind, Relation as FromItem, SelectTree, Selected};
use crate::expr::{count_star, n, AsExpr, ExprList, Node, OrderList, Selection, N};
use crate::sql::SqlWriter;
use crate::{Result, Session};

mod join;
mod keyset;
mod related;
mod run;
mod source;
mod stream;
mod subquery;

pub use join::{FullJoin, InnerJoin, JoinType, Joining, LeftJoin, RightJoin};
pub use related::WithChildren;

pub use keyset::{Keyset, Pages};
pub use run::Query;
pub use source::{
    Correlated, Cross, Cursor, Full, Inner, Left, Push, PushOwned, Relation, RelationInfo, Right,
    Source,
};

pub(crate) use crate::expr::select_tree::{write_conditions, write_list};
use source::{from_item, whole_select_list};

/// The selection of a model query: every column of its models (decoded into models).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Whole;

/// A `SELECT` statement over `F` (a model, an alias, or models joined), selecting `S`:
/// [`Whole`] models, or a [`Selection`] of columns and expressions.
///
/// Pure: [`to_sql`](Self::to_sql) renders it; [`Query`] runs it.
pub struct Select<F, S = Whole> {
    pub(super) tree: SelectTree,
    _marker: PhantomData<fn() -> (F, S)>,
}

impl<F, S> Clone for Select<F, S> {
    fn clone(&self) -> Self {
        Select {
            tree: self.tree.clone(),
            _marker: PhantomData,
        }
    }
}

impl<F: Source, S> std::fmt::Debug for Select<F, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (sql, args) = self.to_sql();
        f.debug_struct("Select")
            .field("sql", &sql)
            .field("args", &args)
            .finish()
    }
}

impl<R: Relation> Select<R, Whole> {
    /// `SELECT <every column of R> FROM <R's table>`.
    pub fn new() -> Self {
        Select {
            tree: SelectTree::new(from_item::<R>()),
            _marker: PhantomData,
        }
    }
}

impl<R: Relation> Default for Select<R, Whole> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F, S> Select<F, S> {
    pub(super) fn retype<F2, S2>(self) -> Select<F2, S2> {
        Select {
            tree: self.tree,
            _marker: PhantomData,
        }
    }

    /// `LIMIT n`.
    pub fn limit(mut self, n: u64) -> Self {
        self.tree.limit = Some(n);
        self
    }

    /// `OFFSET n`.
    pub fn offset(mut self, n: u64) -> Self {
        self.tree.offset = Some(n);
        self
    }

    /// `SELECT DISTINCT`.
    pub fn distinct(mut self) -> Self {
        self.tree.distinct = true;
        self
    }

    /// Caps the limit at `n` (keeps a smaller one).
    pub(crate) fn cap_limit(mut self, n: u64) -> Self {
        self.tree.limit = Some(self.tree.limit.map_or(n, |l| l.min(n)));
        self
    }
}

impl<F: Source, S> Select<F, S> {
    /// Selects columns and expressions instead: a column, an expression, or a tuple of
    /// them, of the query's models; rows decode into the matching Rust types.
    pub fn select<S2, I>(mut self, selection: S2) -> Select<F, S2>
    where
        S2: Selection,
        S2::Refs: InScope<F::Scope, I>,
    {
        let mut nodes = Vec::new();
        selection.push_selected(&mut nodes);
        self.tree.selected = nodes
            .into_iter()
            .map(|n| Selected {
                expr: n.0,
                alias: None,
            })
            .collect();
        self.retype()
    }

    /// Adds a `WHERE` condition on the query's models; several are joined with `AND`.
    pub fn filter<C, I>(mut self, condition: C) -> Self
    where
        C: AsExpr<Bool>,
        C::Refs: InScope<F::Scope, I>,
    {
        self.tree.filters.push(n(condition));
        self
    }

    /// Adds `ORDER BY` items: an ordering (`.asc()`, `.desc()`), a column or expression,
    /// or a tuple of them. Call again to add more.
    pub fn order_by<O, I>(mut self, order: O) -> Self
    where
        O: OrderList,
        O::Refs: InScope<F::Scope, I>,
    {
        order.push_orders(&mut self.tree.order);
        self
    }

    /// Adds `GROUP BY` expressions: a column, an expression, or a tuple of them.
    pub fn group_by<E, I>(mut self, exprs: E) -> Self
    where
        E: ExprList,
        E::Refs: InScope<F::Scope, I>,
    {
        let mut nodes: Vec<Node> = Vec::new();
        exprs.push_exprs(&mut nodes);
        self.tree.group_by.extend(nodes.into_iter().map(|n| n.0));
        self
    }

    /// Adds a `HAVING` condition; several are joined with `AND`.
    pub fn having<C, I>(mut self, condition: C) -> Self
    where
        C: AsExpr<Bool>,
        C::Refs: InScope<F::Scope, I>,
    {
        self.tree.having.push(n(condition));
        self
    }

    pub(super) fn join_with<R: Relation, F2>(
        mut self,
        kind: JoinKind,
        on: Option<N>,
    ) -> Select<F2, S> {
        self.tree.joins.push(Join {
            kind,
            relation: from_item::<R>(),
            on,
        });
        self.retype()
    }

    /// `JOIN R ON …`: rows of both; give the condition with [`on`](Joining::on), which may
    /// read the query's models and `R`. Whole-model rows become tuples
    /// (`(Handle<Reading>, Handle<Device>)`).
    pub fn join<R: Relation>(self) -> Joining<Self, R, InnerJoin> {
        Joining::new(self)
    }

    /// `LEFT JOIN R ON …`: every row of the query, with `R` where one matches (`None`
    /// otherwise).
    pub fn left_join<R: Relation>(self) -> Joining<Self, R, LeftJoin> {
        Joining::new(self)
    }

    /// `CROSS JOIN R`: every pair of rows.
    pub fn cross_join<R>(self) -> Select<Cross<F, R>, S>
    where
        R: Relation,
        Cross<F, R>: Source,
    {
        self.join_with::<R, _>(JoinKind::Cross, None)
    }

    /// The relations of the select list when it selects whole models.
    fn relations() -> Vec<RelationInfo> {
        let mut out = Vec::new();
        F::relations(&mut out);
        out
    }

    /// The complete statement tree: the whole-model select list filled in.
    pub(crate) fn to_tree(&self) -> SelectTree {
        let mut tree = self.tree.clone();
        if tree.selected.is_empty() {
            tree.selected = whole_select_list(&Self::relations())
                .into_iter()
                .map(|expr| Selected { expr, alias: None })
                .collect();
        }
        tree
    }

    /// The statement: SQL text and its arguments.
    pub fn to_sql(&self) -> (String, Vec<Value>) {
        let mut w = SqlWriter::new();
        self.to_tree().render(&mut w);
        w.finish()
    }

    /// [`to_sql`](Select::to_sql) of a query selecting one whole model, reading its columns
    /// `nulls` (indexes into the model's columns) as `NULL AS "name"`: model columns the
    /// table does not have yet (see
    /// [`Session::read_missing_columns_as_null`](crate::Session::read_missing_columns_as_null)).
    pub(crate) fn to_sql_nulls(&self, nulls: &[usize]) -> (String, Vec<Value>) {
        let mut tree = self.to_tree();
        if self.tree.selected.is_empty() {
            for &k in nulls {
                if let Some(selected) = tree.selected.get_mut(k) {
                    if let N::Col(_, name) = selected.expr {
                        *selected = Selected {
                            expr: N::Sql("NULL"),
                            alias: Some(name),
                        };
                    }
                }
            }
        }
        let mut w = SqlWriter::new();
        tree.render(&mut w);
        w.finish()
    }

    /// The statement counting this query's rows: `SELECT count(*) FROM t WHERE …`, or
    /// `SELECT count(*) FROM (<query>) AS "q"` when the query groups, is distinct, limited or
    /// a union.
    pub fn count_sql(&self) -> (String, Vec<Value>) {
        let tree = &self.tree;
        let simple = tree.group_by.is_empty()
            && !tree.distinct
            && tree.limit.is_none()
            && tree.offset.is_none()
            && tree.unions.is_empty()
            && tree.with.is_empty();
        let mut count = if simple {
            let mut t = tree.clone();
            t.order.clear();
            t
        } else {
            SelectTree::new(FromItem::Derived {
                select: Box::new(self.to_tree()),
                alias: "q",
            })
        };
        count.selected = vec![Selected {
            expr: count_star().into_node().0,
            alias: None,
        }];
        let mut w = SqlWriter::new();
        count.render(&mut w);
        w.finish()
    }
}

impl<L: Relation, S> Select<L, S> {
    /// `RIGHT JOIN R ON …`: every row of `R`, with this query's model where one matches
    /// (`None` otherwise). Only on a query over one model.
    pub fn right_join<R: Relation>(self) -> Joining<Self, R, RightJoin> {
        Joining::new(self)
    }

    /// `FULL JOIN R ON …`: every row of both, each side where one matches. Only on a query
    /// over one model.
    pub fn full_join<R: Relation>(self) -> Joining<Self, R, FullJoin> {
        Joining::new(self)
    }
}

impl<F: Source, S: Selection> Select<F, S> {
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

impl Session {
    /// A query over model `M`'s table (or an alias of it), returning tracked models unless
    /// you [`select`](Query::select) columns.
    pub fn query<M: Relation>(&mut self) -> Query<'_, M> {
        Query::new(self, Select::new())
    }

    /// Runs `select` through this session (see [`Query`]).
    pub fn run<F: Source, S>(&mut self, select: Select<F, S>) -> Query<'_, F, S> {
        Query::new(self, select)
    }
}
