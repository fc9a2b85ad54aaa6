//! [`SelectTree`]: an untyped `SELECT` statement — what a typed query
//! ([`Select`](crate::query::Select)) builds and what a subquery node holds — and its one
//! renderer.
//!
//! Columns are written table-qualified (`"readings"."ts"`) when the statement reads more than
//! one relation (a join, a subquery, a `WITH` query), so that no name is ambiguous and a
//! correlated subquery names the outer table's column. Arguments equal to earlier ones reuse
//! their `$n`, so an expression used in the select list and in `GROUP BY` renders the same
//! SQL, which CrateDB requires to match them.

use std::fmt::Write as _;

use super::node::N;
use super::order::Order;
use crate::sql::SqlWriter;

/// How a relation joins the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// `JOIN … ON …`.
    Inner,
    /// `LEFT JOIN … ON …`.
    Left,
    /// `RIGHT JOIN … ON …`.
    Right,
    /// `FULL JOIN … ON …`.
    Full,
    /// `CROSS JOIN …`.
    Cross,
}

impl JoinKind {
    fn keyword(self) -> &'static str {
        match self {
            JoinKind::Inner => " JOIN ",
            JoinKind::Left => " LEFT JOIN ",
            JoinKind::Right => " RIGHT JOIN ",
            JoinKind::Full => " FULL JOIN ",
            JoinKind::Cross => " CROSS JOIN ",
        }
    }
}

/// One relation of a `FROM` clause.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Relation {
    /// A table (its quoted, possibly schema-qualified name), optionally under an alias.
    Table {
        table: String,
        alias: Option<&'static str>,
    },
    /// A subquery under an alias: `(SELECT …) AS "alias"`.
    Derived {
        select: Box<SelectTree>,
        alias: &'static str,
    },
    /// A `WITH` query, by name.
    Named(&'static str),
}

impl Relation {
    fn render(&self, w: &mut SqlWriter) {
        match self {
            Relation::Table { table, alias } => {
                w.push(table);
                if let Some(alias) = alias {
                    w.push(" AS ").ident(alias);
                }
            }
            Relation::Derived { select, alias } => {
                w.push("(");
                render_apart(select, w);
                w.push(") AS ").ident(alias);
            }
            Relation::Named(name) => {
                w.ident(name);
            }
        }
    }
}

/// A relation joined to the ones before it, with its condition (none for `CROSS JOIN`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Join {
    pub kind: JoinKind,
    pub relation: Relation,
    pub on: Option<N>,
}

/// One item of the select list, with an optional output name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Selected {
    pub expr: N,
    pub alias: Option<&'static str>,
}

/// An untyped `SELECT`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SelectTree {
    /// `WITH name AS (…)`, in order.
    pub with: Vec<(&'static str, SelectTree)>,
    pub distinct: bool,
    pub selected: Vec<Selected>,
    pub from: Relation,
    pub joins: Vec<Join>,
    pub filters: Vec<N>,
    pub group_by: Vec<N>,
    pub having: Vec<N>,
    /// `UNION [ALL]` parts (`true`: `ALL`), bare queries without order or limit.
    pub unions: Vec<(bool, SelectTree)>,
    pub order: Vec<Order>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

impl SelectTree {
    /// `SELECT … FROM from`, nothing else yet.
    pub fn new(from: Relation) -> Self {
        SelectTree {
            with: Vec::new(),
            distinct: false,
            selected: Vec::new(),
            from,
            joins: Vec::new(),
            filters: Vec::new(),
            group_by: Vec::new(),
            having: Vec::new(),
            unions: Vec::new(),
            order: Vec::new(),
            limit: None,
            offset: None,
        }
    }

    /// Whether it reads more than one relation in one scope (a join, or a subquery that may
    /// name the outer query's columns), so its columns are written qualified. A subquery in
    /// `FROM` or `WITH` is a scope of its own.
    fn reads_several(&self) -> bool {
        !self.joins.is_empty()
            || self
                .selected
                .iter()
                .map(|s| &s.expr)
                .chain(&self.filters)
                .chain(&self.group_by)
                .chain(&self.having)
                .chain(self.joins.iter().filter_map(|j| j.on.as_ref()))
                .any(N::has_subquery)
            || self.order.iter().any(|o| o.expr().has_subquery())
    }

    /// Whether it has an order, a limit or an offset (a `UNION` part cannot).
    pub fn is_bounded(&self) -> bool {
        !self.order.is_empty() || self.limit.is_some() || self.offset.is_some()
    }

    /// Renders the statement into `w`.
    pub fn render(&self, w: &mut SqlWriter) {
        let (qualify, reuse) = (w.qualifies_columns(), w.reuses_params());
        w.qualify_columns(qualify || self.reads_several());
        w.reuse_params(true);
        if !self.with.is_empty() {
            w.push("WITH ");
            for (i, (name, query)) in self.with.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                w.ident(name).push(" AS (");
                render_apart(query, w);
                w.push(")");
            }
            w.push(" ");
        }
        self.render_query(w);
        for (all, part) in &self.unions {
            w.push(if *all { " UNION ALL " } else { " UNION " });
            part.render_query(w);
        }
        self.render_bounds(w, true);
        w.qualify_columns(qualify);
        w.reuse_params(reuse);
    }

    /// `SELECT … FROM … WHERE … GROUP BY … HAVING …`.
    fn render_query(&self, w: &mut SqlWriter) {
        w.push("SELECT ");
        if self.distinct {
            w.push("DISTINCT ");
        }
        for (i, s) in self.selected.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            s.expr.render(w);
            if let Some(alias) = s.alias {
                w.push(" AS ").ident(alias);
            }
        }
        w.push(" FROM ");
        self.render_from(w);
        self.render_conditions(w);
    }

    /// The relations: `"a" JOIN "b" ON …`.
    pub fn render_from(&self, w: &mut SqlWriter) {
        self.from.render(w);
        for join in &self.joins {
            w.push(join.kind.keyword());
            join.relation.render(w);
            if let Some(on) = &join.on {
                w.push(" ON ");
                on.render(w);
            }
        }
    }

    /// `WHERE … GROUP BY … HAVING …`.
    pub fn render_conditions(&self, w: &mut SqlWriter) {
        write_conditions(w, " WHERE ", &self.filters);
        if !self.group_by.is_empty() {
            w.push(" GROUP BY ");
            write_list(w, &self.group_by);
        }
        write_conditions(w, " HAVING ", &self.having);
    }

    /// `ORDER BY … LIMIT … OFFSET …` (the order only `with_order`).
    pub fn render_bounds(&self, w: &mut SqlWriter, with_order: bool) {
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
}

/// Renders a query that is a scope of its own (a subquery in `FROM`, a `WITH` query): its
/// columns are qualified only if it reads several relations itself.
fn render_apart(select: &SelectTree, w: &mut SqlWriter) {
    let qualify = w.qualifies_columns();
    w.qualify_columns(false);
    select.render(w);
    w.qualify_columns(qualify);
}

/// Writes the nodes separated by `, `.
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
    if let Some(all) = super::and_all(conditions.to_vec()) {
        w.push(prefix);
        all.render(w);
    }
}
