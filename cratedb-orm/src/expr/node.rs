//! [`Node`]: the untyped SQL expression tree behind every typed expression, and its
//! rendering into SQL text with `$n` parameters.
//!
//! Rendering adds parentheses only where precedence needs them, so that
//! `a.eq(1).and(b.eq(2).or(c.eq(3)))` renders `"a" = $1 AND ("b" = $2 OR "c" = $3)`.
//! Operands of predicates (comparisons, `LIKE`, `IN`, `IS NULL`, `ANY`) are always plain
//! value expressions or parenthesized, because CrateDB's grammar allows one predicate per
//! value expression.

use std::fmt::Write as _;

use serde_json::Value;

use super::select_tree::SelectTree;
use super::window::WindowSpec;
use crate::sql::SqlWriter;

/// An untyped SQL expression. Build expressions with the typed DSL ([`super::Expr`],
/// [`super::Column`]); a `Node` is what they render from.
#[derive(Debug, Clone, PartialEq)]
pub struct Node(pub(crate) N);

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    NotLike,
    ILike,
    NotILike,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    And,
    Or,
}

/// Precedence levels, lowest first.
const PREC_OR: u8 = 1;
const PREC_AND: u8 = 2;
const PREC_NOT: u8 = 3;
const PREC_PREDICATE: u8 = 4;
const PREC_ADD: u8 = 5;
const PREC_MUL: u8 = 6;
const PREC_NEG: u8 = 7;
const PREC_ATOM: u8 = 9;

impl BinOp {
    fn sql(self) -> &'static str {
        match self {
            BinOp::Eq => " = ",
            BinOp::Ne => " <> ",
            BinOp::Lt => " < ",
            BinOp::Le => " <= ",
            BinOp::Gt => " > ",
            BinOp::Ge => " >= ",
            BinOp::Like => " LIKE ",
            BinOp::NotLike => " NOT LIKE ",
            BinOp::ILike => " ILIKE ",
            BinOp::NotILike => " NOT ILIKE ",
            BinOp::Add => " + ",
            BinOp::Sub => " - ",
            BinOp::Mul => " * ",
            BinOp::Div => " / ",
            BinOp::Rem => " % ",
            BinOp::And => " AND ",
            BinOp::Or => " OR ",
        }
    }

    fn prec(self) -> u8 {
        match self {
            BinOp::Or => PREC_OR,
            BinOp::And => PREC_AND,
            BinOp::Add | BinOp::Sub => PREC_ADD,
            BinOp::Mul | BinOp::Div | BinOp::Rem => PREC_MUL,
            _ => PREC_PREDICATE,
        }
    }

    /// The lowest precedence each operand may have without parentheses.
    fn operand_prec(self) -> (u8, u8) {
        let p = self.prec();
        match self {
            // Associative: `a AND b AND c` needs no parentheses either way.
            BinOp::And | BinOp::Or => (p, p),
            // Left-associative: `a - (b - c)` keeps its parentheses.
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => (p, p + 1),
            // Predicates take value expressions only.
            _ => (p + 1, p + 1),
        }
    }

    /// The comparison operator text for `ANY` (`$1 = ANY(…)`).
    fn cmp_sql(self) -> &'static str {
        self.sql()
    }
}

/// A literal in a `MATCH … WITH (…)` option.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    /// An integer, rendered as is.
    Int(i64),
    /// A float, rendered as is.
    Float(f64),
    /// A string, rendered as a quoted SQL literal (`'and'`).
    Text(String),
    /// A boolean (`true`/`false`).
    Bool(bool),
}

impl From<i64> for OptionValue {
    fn from(v: i64) -> Self {
        OptionValue::Int(v)
    }
}
impl From<i32> for OptionValue {
    fn from(v: i32) -> Self {
        OptionValue::Int(v.into())
    }
}
impl From<u32> for OptionValue {
    fn from(v: u32) -> Self {
        OptionValue::Int(v.into())
    }
}
impl From<f64> for OptionValue {
    fn from(v: f64) -> Self {
        OptionValue::Float(v)
    }
}
impl From<f32> for OptionValue {
    fn from(v: f32) -> Self {
        OptionValue::Float(v.into())
    }
}
impl From<&str> for OptionValue {
    fn from(v: &str) -> Self {
        OptionValue::Text(v.to_owned())
    }
}
impl From<String> for OptionValue {
    fn from(v: String) -> Self {
        OptionValue::Text(v)
    }
}
impl From<bool> for OptionValue {
    fn from(v: bool) -> Self {
        OptionValue::Bool(v)
    }
}

/// The parts of a `MATCH` predicate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MatchNode {
    /// Columns or indexes, each with an optional boost.
    pub targets: Vec<(N, Option<f64>)>,
    /// Render the target list in parentheses (several columns, or boosted ones).
    pub multi: bool,
    pub term: N,
    pub using: Option<&'static str>,
    pub options: Vec<(&'static str, OptionValue)>,
}

/// The expression tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum N {
    /// A column of no known relation (`"name"`).
    Column(&'static str),
    /// A column of a relation (a table or an alias): `"relation"."name"` where the
    /// statement qualifies columns, `"name"` otherwise.
    Col(&'static str, &'static str),
    /// A scalar subquery: `(SELECT …)`.
    Subquery(Box<SelectTree>),
    /// `[NOT] EXISTS (SELECT …)`.
    Exists(Box<SelectTree>, bool),
    /// `lhs [NOT] IN (SELECT …)`.
    InSelect(Box<N>, Box<SelectTree>, bool),
    /// `function(…) OVER (window)`.
    Over(Box<N>, Box<WindowSpec>),
    /// A column of a named relation (`excluded."name"`); the qualifier is trusted SQL.
    Qualified(&'static str, &'static str),
    /// A subscript (`base['key']`).
    Subscript(Box<N>, String),
    /// A bound parameter.
    Param(Value),
    /// Trusted SQL text from this crate (`*`, `_score`, `TRUE`).
    Sql(&'static str),
    /// An unsigned integer literal.
    Int(u64),
    /// A function call; the name is a trusted identifier from code.
    Func {
        name: &'static str,
        distinct: bool,
        args: Vec<N>,
    },
    Binary(BinOp, Box<N>, Box<N>),
    Not(Box<N>),
    Neg(Box<N>),
    IsNull(Box<N>, bool),
    InList(Box<N>, Vec<N>, bool),
    /// `lhs op ANY(array)`.
    Any(BinOp, Box<N>, Box<N>),
    /// `expr BETWEEN low AND high`.
    Between(Box<N>, Box<N>, Box<N>),
    Match(Box<MatchNode>),
}

impl N {
    pub(crate) fn binary(op: BinOp, lhs: N, rhs: N) -> N {
        N::Binary(op, Box::new(lhs), Box::new(rhs))
    }

    pub(crate) fn func(name: &'static str, args: Vec<N>) -> N {
        N::Func {
            name,
            distinct: false,
            args,
        }
    }

    /// Calls `f` with the name of every column the expression references (the base column
    /// of a subscript).
    pub(crate) fn for_each_column(&self, f: &mut dyn FnMut(&'static str)) {
        match self {
            N::Column(name) | N::Qualified(_, name) | N::Col(_, name) => f(name),
            // What a subquery reads is not a column of this statement's table.
            N::Subquery(_) | N::Exists(..) => f("(a subquery)"),
            N::InSelect(a, ..) => {
                a.for_each_column(f);
                f("(a subquery)");
            }
            N::Over(func, window) => {
                func.for_each_column(f);
                window.for_each_column(f);
            }
            N::Subscript(base, _) | N::Not(base) | N::Neg(base) | N::IsNull(base, _) => {
                base.for_each_column(f)
            }
            N::Param(_) | N::Sql(_) | N::Int(_) => {}
            N::Func { args, .. } => args.iter().for_each(|a| a.for_each_column(f)),
            N::Binary(_, a, b) | N::Any(_, a, b) => {
                a.for_each_column(f);
                b.for_each_column(f);
            }
            N::InList(a, list, _) => {
                a.for_each_column(f);
                list.iter().for_each(|l| l.for_each_column(f));
            }
            N::Between(a, b, c) => {
                a.for_each_column(f);
                b.for_each_column(f);
                c.for_each_column(f);
            }
            N::Match(m) => {
                m.targets.iter().for_each(|(t, _)| t.for_each_column(f));
                m.term.for_each_column(f);
            }
        }
    }

    /// Whether a subquery is somewhere in it (the statement then qualifies its columns).
    pub(crate) fn has_subquery(&self) -> bool {
        match self {
            N::Subquery(_) | N::Exists(..) | N::InSelect(..) => true,
            N::Column(_) | N::Col(..) | N::Qualified(..) | N::Param(_) | N::Sql(_) | N::Int(_) => {
                false
            }
            N::Subscript(base, _) | N::Not(base) | N::Neg(base) | N::IsNull(base, _) => {
                base.has_subquery()
            }
            N::Func { args, .. } => args.iter().any(N::has_subquery),
            N::Binary(_, a, b) | N::Any(_, a, b) => a.has_subquery() || b.has_subquery(),
            N::InList(a, list, _) => a.has_subquery() || list.iter().any(N::has_subquery),
            N::Between(a, b, c) => a.has_subquery() || b.has_subquery() || c.has_subquery(),
            N::Match(m) => m.term.has_subquery(),
            N::Over(func, window) => func.has_subquery() || window.has_subquery(),
        }
    }

    fn prec(&self) -> u8 {
        match self {
            N::Binary(op, ..) => op.prec(),
            N::Not(_) => PREC_NOT,
            N::Neg(_) => PREC_NEG,
            N::IsNull(..)
            | N::InList(..)
            | N::Any(..)
            | N::Between(..)
            | N::Match(_)
            | N::Exists(..)
            | N::InSelect(..) => PREC_PREDICATE,
            N::Col(..) | N::Subquery(_) | N::Over(..) => PREC_ATOM,
            N::Column(_)
            | N::Qualified(..)
            | N::Subscript(..)
            | N::Param(_)
            | N::Sql(_)
            | N::Int(_)
            | N::Func { .. } => PREC_ATOM,
        }
    }

    pub(crate) fn render(&self, w: &mut SqlWriter) {
        match self {
            N::Column(name) => {
                w.ident(name);
            }
            N::Col(relation, name) => {
                if w.qualifies_columns() {
                    w.ident(relation).push(".");
                }
                w.ident(name);
            }
            N::Subquery(select) => {
                w.push("(");
                select.render(w);
                w.push(")");
            }
            N::Exists(select, negated) => {
                w.push(if *negated { "NOT EXISTS (" } else { "EXISTS (" });
                select.render(w);
                w.push(")");
            }
            N::InSelect(lhs, select, negated) => {
                render_operand(w, lhs, PREC_PREDICATE + 1);
                w.push(if *negated { " NOT IN (" } else { " IN (" });
                select.render(w);
                w.push(")");
            }
            N::Over(func, window) => {
                func.render(w);
                w.push(" OVER (");
                window.render(w);
                w.push(")");
            }
            N::Qualified(qualifier, name) => {
                w.push(qualifier).push(".").ident(name);
            }
            N::Subscript(base, key) => {
                match base.as_ref() {
                    N::Column(_) | N::Col(..) | N::Subscript(..) | N::Qualified(..) => {
                        base.render(w)
                    }
                    other => render_parens(w, other),
                }
                w.push("[").literal(key).push("]");
            }
            N::Param(value) => {
                w.param(value.clone());
            }
            N::Sql(text) => {
                w.push(text);
            }
            N::Int(n) => {
                let _ = write!(w, "{n}");
            }
            N::Func {
                name,
                distinct,
                args,
            } => {
                write_function_name(w, name);
                w.push("(");
                if *distinct {
                    w.push("DISTINCT ");
                }
                render_list(w, args);
                w.push(")");
            }
            N::Binary(op, lhs, rhs) => {
                let (lp, rp) = op.operand_prec();
                render_operand(w, lhs, lp);
                w.push(op.sql());
                render_operand(w, rhs, rp);
            }
            N::Not(inner) => {
                w.push("NOT ");
                render_operand(w, inner, PREC_NOT);
            }
            N::Neg(inner) => {
                // `-(-x)`, never `--x` (a comment).
                w.push("-");
                render_operand(w, inner, PREC_NEG + 1);
            }
            N::IsNull(inner, negated) => {
                render_operand(w, inner, PREC_PREDICATE + 1);
                w.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            N::InList(inner, list, negated) => {
                if list.is_empty() {
                    // `x IN ()` is not valid SQL; an empty list matches nothing.
                    w.push(if *negated { "TRUE" } else { "FALSE" });
                    return;
                }
                render_operand(w, inner, PREC_PREDICATE + 1);
                w.push(if *negated { " NOT IN (" } else { " IN (" });
                render_list(w, list);
                w.push(")");
            }
            N::Any(op, lhs, array) => {
                render_operand(w, lhs, PREC_PREDICATE + 1);
                w.push(op.cmp_sql());
                w.push("ANY(");
                array.render(w);
                w.push(")");
            }
            N::Between(inner, low, high) => {
                render_operand(w, inner, PREC_PREDICATE + 1);
                w.push(" BETWEEN ");
                render_operand(w, low, PREC_PREDICATE + 1);
                w.push(" AND ");
                render_operand(w, high, PREC_PREDICATE + 1);
            }
            N::Match(m) => render_match(w, m),
        }
    }
}

fn render_parens(w: &mut SqlWriter, node: &N) {
    w.push("(");
    node.render(w);
    w.push(")");
}

fn render_operand(w: &mut SqlWriter, node: &N, min_prec: u8) {
    if node.prec() < min_prec {
        render_parens(w, node);
    } else {
        node.render(w);
    }
}

fn render_list(w: &mut SqlWriter, nodes: &[N]) {
    for (i, node) in nodes.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        node.render(w);
    }
}

/// A plain SQL word (`[A-Za-z_][A-Za-z0-9_]*`), safe to write unquoted.
pub(crate) fn is_plain_word(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Function names are written as they are when they are plain words (`count`,
/// `KNN_MATCH`), and quoted otherwise, so no name can inject SQL.
fn write_function_name(w: &mut SqlWriter, name: &str) {
    if is_plain_word(name) {
        w.push(name);
    } else {
        w.ident(name);
    }
}

fn render_option_value(w: &mut SqlWriter, value: &OptionValue) {
    match value {
        OptionValue::Int(n) => {
            let _ = write!(w, "{n}");
        }
        OptionValue::Float(f) if f.is_finite() => {
            let _ = write!(w, "{f:?}");
        }
        // A non-finite float has no SQL literal; NULL makes CrateDB reject the option.
        OptionValue::Float(_) => {
            w.push("NULL");
        }
        OptionValue::Text(s) => {
            w.literal(s);
        }
        OptionValue::Bool(b) => {
            w.push(if *b { "true" } else { "false" });
        }
    }
}

fn render_match(w: &mut SqlWriter, m: &MatchNode) {
    w.push("MATCH(");
    if m.multi {
        w.push("(");
    }
    for (i, (target, boost)) in m.targets.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        target.render(w);
        if let Some(boost) = boost {
            w.push(" ");
            render_option_value(w, &OptionValue::Float(*boost));
        }
    }
    if m.multi {
        w.push(")");
    }
    w.push(", ");
    m.term.render(w);
    w.push(")");
    let using = match (m.using, m.options.is_empty()) {
        (Some(using), _) => Some(using),
        // Options need a match type: use CrateDB's default for fulltext.
        (None, false) => Some("best_fields"),
        (None, true) => None,
    };
    if let Some(using) = using {
        w.push(" USING ").push(using);
    }
    if !m.options.is_empty() {
        w.push(" WITH (");
        for (i, (name, value)) in m.options.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            write_function_name(w, name);
            w.push(" = ");
            render_option_value(w, value);
        }
        w.push(")");
    }
}

impl Node {
    /// A bound parameter (`$n`) holding `value`.
    pub fn param(value: Value) -> Node {
        Node(N::Param(value))
    }

    /// Renders the expression into `w`, binding its parameters.
    pub fn render(&self, w: &mut SqlWriter) {
        self.0.render(w);
    }

    /// Renders the expression alone: SQL text and arguments (`$1` is the first).
    ///
    /// ```
    /// use cratedb_orm::expr::Node;
    /// let (sql, args) = Node::param(1.into()).to_sql();
    /// assert_eq!(sql, "$1");
    /// assert_eq!(args, vec![serde_json::json!(1)]);
    /// ```
    pub fn to_sql(&self) -> (String, Vec<Value>) {
        let mut w = SqlWriter::new();
        self.render(&mut w);
        w.finish()
    }
}

impl From<N> for Node {
    fn from(n: N) -> Self {
        Node(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &'static str) -> N {
        N::Column(name)
    }
    fn p(v: i64) -> N {
        N::Param(v.into())
    }
    fn sql(n: N) -> String {
        Node(n).to_sql().0
    }

    #[test]
    fn precedence_adds_only_needed_parentheses() {
        let a = N::binary(BinOp::Eq, col("a"), p(1));
        let b = N::binary(BinOp::Eq, col("b"), p(2));
        let c = N::binary(BinOp::Eq, col("c"), p(3));
        let or = N::binary(BinOp::Or, b, c);
        assert_eq!(
            sql(N::binary(BinOp::And, a.clone(), or.clone())),
            r#""a" = $1 AND ("b" = $2 OR "c" = $3)"#
        );
        assert_eq!(
            sql(N::binary(BinOp::Or, a, or)),
            r#""a" = $1 OR "b" = $2 OR "c" = $3"#
        );
    }

    #[test]
    fn arithmetic_keeps_right_grouping() {
        let sub = N::binary(BinOp::Sub, col("b"), col("c"));
        assert_eq!(
            sql(N::binary(BinOp::Sub, col("a"), sub.clone())),
            r#""a" - ("b" - "c")"#
        );
        assert_eq!(
            sql(N::binary(BinOp::Sub, sub.clone(), col("a"))),
            r#""b" - "c" - "a""#
        );
        assert_eq!(
            sql(N::binary(BinOp::Mul, sub, col("a"))),
            r#"("b" - "c") * "a""#
        );
    }

    #[test]
    fn predicates_never_chain() {
        let eq = N::binary(BinOp::Eq, col("a"), col("b"));
        assert_eq!(
            sql(N::IsNull(Box::new(eq.clone()), false)),
            r#"("a" = "b") IS NULL"#
        );
        assert_eq!(
            sql(N::binary(BinOp::Eq, eq, N::Sql("TRUE"))),
            r#"("a" = "b") = TRUE"#
        );
    }

    #[test]
    fn double_negation_is_not_a_comment() {
        assert_eq!(
            sql(N::Neg(Box::new(N::Neg(Box::new(col("a")))))),
            r#"-(-"a")"#
        );
    }

    #[test]
    fn empty_in_list_is_constant() {
        assert_eq!(sql(N::InList(Box::new(col("a")), vec![], false)), "FALSE");
        assert_eq!(sql(N::InList(Box::new(col("a")), vec![], true)), "TRUE");
    }

    #[test]
    fn odd_function_names_are_quoted() {
        assert_eq!(sql(N::func("count", vec![N::Sql("*")])), "count(*)");
        assert_eq!(sql(N::func("x); DROP", vec![])), r#""x); DROP"()"#);
    }
}
