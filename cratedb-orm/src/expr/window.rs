//! Window functions: a [`Window`] (`PARTITION BY … ORDER BY … [frame]`) and the functions
//! computed over it — `row_number`, `rank`, `dense_rank`, `lag`/`lead`,
//! `first_value`/`last_value`/`nth_value`, and the aggregates — rendered
//! `function(…) OVER (…)`.
//!
//! Only functions CrateDB computes over a window can be built here (an `OVER` on any other
//! function is an error in CrateDB), and frames take only the bounds CrateDB accepts (a frame
//! does not start `FOLLOWING` nor end `PRECEDING`). CrateDB 6.4.3 has no `ntile`,
//! `percent_rank` or `cume_dist`, and no `GROUPS` frames. A window function cannot be in
//! `WHERE`: filter on it in an enclosing query (see
//! [`Select::latest_per`](crate::query::Select::latest_per) for "the latest row per group").
//!
//! ```
//! use cratedb_orm::expr::{Frame, FrameEnd, FrameStart, Window};
//! use cratedb_orm::{Column, TimestampTz};
//! # struct Reading;
//! let device: Column<Reading, String> = Column::new("device_id");
//! let ts: Column<Reading, TimestampTz> = Column::new("ts");
//! let temp: Column<Reading, f64> = Column::new("temp");
//!
//! let w = Window::new().partition_by(device).order_by(ts.desc());
//! assert_eq!(
//!     w.row_number().to_sql().0,
//!     r#"row_number() OVER (PARTITION BY "device_id" ORDER BY "ts" DESC)"#
//! );
//! let moving = Window::new()
//!     .partition_by(device)
//!     .order_by(ts)
//!     .frame(Frame::rows(FrameStart::Preceding(2), FrameEnd::CurrentRow));
//! assert_eq!(
//!     moving.avg(temp).to_sql().0,
//!     r#"avg("temp") OVER (PARTITION BY "device_id" ORDER BY "ts" ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)"#
//! );
//! ```

use std::fmt::Write as _;
use std::marker::PhantomData;

use super::aggregate;
use super::expression::IntoExpr;
use super::kind::{Arithmetic, ExprType, NullableOf, SumOf, Summable};
use super::node::N;
use super::order::{Order, OrderList};
use super::scope::{Cat, RefList};
use super::select_tree::write_list;
use super::selection::ExprList;
use super::Expr;
use crate::sql::SqlWriter;

/// Where a frame starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameStart {
    /// `UNBOUNDED PRECEDING`: the partition's first row.
    UnboundedPreceding,
    /// `n PRECEDING`.
    Preceding(u64),
    /// `CURRENT ROW`.
    CurrentRow,
}

/// Where a frame ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameEnd {
    /// `CURRENT ROW`.
    CurrentRow,
    /// `n FOLLOWING`.
    Following(u64),
    /// `UNBOUNDED FOLLOWING`: the partition's last row.
    UnboundedFollowing,
}

/// The rows a window function sees around the current one (`ROWS BETWEEN … AND …`, or
/// `RANGE BETWEEN …` over peers of the `ORDER BY` value). Without a frame, CrateDB uses
/// `RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    rows: bool,
    start: FrameStart,
    end: FrameEnd,
}

impl Frame {
    /// `ROWS BETWEEN start AND end`: counted in rows.
    pub fn rows(start: FrameStart, end: FrameEnd) -> Self {
        Frame {
            rows: true,
            start,
            end,
        }
    }

    /// `RANGE BETWEEN start AND end` with unbounded or current-row bounds (a `RANGE` with an
    /// offset needs exactly one `ORDER BY` column in CrateDB; use [`rows`](Self::rows)).
    pub fn range(start: RangeBound, end: RangeBound) -> Self {
        let start = match start {
            RangeBound::Unbounded => FrameStart::UnboundedPreceding,
            RangeBound::CurrentRow => FrameStart::CurrentRow,
        };
        let end = match end {
            RangeBound::Unbounded => FrameEnd::UnboundedFollowing,
            RangeBound::CurrentRow => FrameEnd::CurrentRow,
        };
        Frame {
            rows: false,
            start,
            end,
        }
    }

    fn render(&self, w: &mut SqlWriter) {
        w.push(if self.rows {
            "ROWS BETWEEN "
        } else {
            "RANGE BETWEEN "
        });
        match self.start {
            FrameStart::UnboundedPreceding => {
                w.push("UNBOUNDED PRECEDING");
            }
            FrameStart::Preceding(n) => {
                let _ = write!(w, "{n} PRECEDING");
            }
            FrameStart::CurrentRow => {
                w.push("CURRENT ROW");
            }
        }
        w.push(" AND ");
        match self.end {
            FrameEnd::CurrentRow => {
                w.push("CURRENT ROW");
            }
            FrameEnd::Following(n) => {
                let _ = write!(w, "{n} FOLLOWING");
            }
            FrameEnd::UnboundedFollowing => {
                w.push("UNBOUNDED FOLLOWING");
            }
        }
    }
}

/// A bound of a [`Frame::range`]: the partition's end on that side, or the current row's
/// peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeBound {
    /// `UNBOUNDED PRECEDING` (as a start) or `UNBOUNDED FOLLOWING` (as an end).
    Unbounded,
    /// `CURRENT ROW`.
    CurrentRow,
}

/// An untyped window: what `OVER (…)` renders.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WindowSpec {
    partition: Vec<N>,
    order: Vec<Order>,
    frame: Option<Frame>,
}

impl WindowSpec {
    pub(crate) fn render(&self, w: &mut SqlWriter) {
        let mut space = false;
        if !self.partition.is_empty() {
            w.push("PARTITION BY ");
            write_list(w, &self.partition);
            space = true;
        }
        if !self.order.is_empty() {
            if space {
                w.push(" ");
            }
            w.push("ORDER BY ");
            for (i, o) in self.order.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                o.render(w);
            }
            space = true;
        }
        if let Some(frame) = &self.frame {
            if space {
                w.push(" ");
            }
            frame.render(w);
        }
    }

    pub(crate) fn for_each_column(&self, f: &mut dyn FnMut(&'static str)) {
        for n in self
            .partition
            .iter()
            .chain(self.order.iter().map(Order::expr))
        {
            n.for_each_column(f);
        }
    }

    pub(crate) fn has_subquery(&self) -> bool {
        self.partition
            .iter()
            .chain(self.order.iter().map(Order::expr))
            .any(N::has_subquery)
    }
}

/// A window: `PARTITION BY … ORDER BY … [frame]`, reading the relations `R`. Build the
/// window functions from it; each renders `function(…) OVER (…)`.
pub struct Window<R = ()> {
    spec: WindowSpec,
    _refs: PhantomData<fn() -> R>,
}

impl<R> Clone for Window<R> {
    fn clone(&self) -> Self {
        Window {
            spec: self.spec.clone(),
            _refs: PhantomData,
        }
    }
}

impl<R> std::fmt::Debug for Window<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut w = SqlWriter::new();
        self.spec.render(&mut w);
        f.debug_tuple("Window").field(&w.sql()).finish()
    }
}

impl Window<()> {
    /// The whole result as one partition, in no particular order.
    pub fn new() -> Self {
        Window {
            spec: WindowSpec {
                partition: Vec::new(),
                order: Vec::new(),
                frame: None,
            },
            _refs: PhantomData,
        }
    }
}

impl Default for Window<()> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: RefList> Window<R> {
    fn retype<R2>(self) -> Window<R2> {
        Window {
            spec: self.spec,
            _refs: PhantomData,
        }
    }

    /// `PARTITION BY …`: a column, an expression, or a tuple of them (added to earlier ones).
    pub fn partition_by<E: ExprList>(mut self, exprs: E) -> Window<Cat<R, E::Refs>> {
        let mut nodes = Vec::new();
        exprs.push_exprs(&mut nodes);
        self.spec.partition.extend(nodes.into_iter().map(|n| n.0));
        self.retype()
    }

    /// `ORDER BY …`: an ordering (`.desc()`), a column or expression, or a tuple of them.
    pub fn order_by<O: OrderList>(mut self, order: O) -> Window<Cat<R, O::Refs>> {
        let mut orders = Vec::new();
        order.push_orders(&mut orders);
        self.spec.order.extend(orders);
        self.retype()
    }

    /// The frame: which rows around the current one a function sees.
    pub fn frame(mut self, frame: Frame) -> Self {
        self.spec.frame = Some(frame);
        self
    }

    fn over<T, A: RefList>(&self, function: N) -> Expr<T, Cat<R, A>> {
        Expr::from_n(N::Over(Box::new(function), Box::new(self.spec.clone())))
    }

    /// `row_number() OVER (…)`: 1, 2, 3, … within each partition.
    pub fn row_number(&self) -> Expr<i64, R> {
        Expr::from_n(N::Over(
            Box::new(N::func("row_number", Vec::new())),
            Box::new(self.spec.clone()),
        ))
    }

    /// `rank() OVER (…)`: the row's rank by the `ORDER BY`, with gaps after ties.
    pub fn rank(&self) -> Expr<i64, R> {
        Expr::from_n(N::Over(
            Box::new(N::func("rank", Vec::new())),
            Box::new(self.spec.clone()),
        ))
    }

    /// `dense_rank() OVER (…)`: the rank without gaps.
    pub fn dense_rank(&self) -> Expr<i64, R> {
        Expr::from_n(N::Over(
            Box::new(N::func("dense_rank", Vec::new())),
            Box::new(self.spec.clone()),
        ))
    }

    /// `lag(expr, offset) OVER (…)`: the value `offset` rows before (NULL before the
    /// partition's first row).
    pub fn lag<E>(&self, expr: E, offset: u32) -> Expr<NullableOf<E>, Cat<R, E::Refs>>
    where
        E: IntoExpr,
        E::Type: ExprType,
    {
        self.over::<_, E::Refs>(N::func(
            "lag",
            vec![expr.into_expr().into_n(), N::Int(offset.into())],
        ))
    }

    /// `lead(expr, offset) OVER (…)`: the value `offset` rows after.
    pub fn lead<E>(&self, expr: E, offset: u32) -> Expr<NullableOf<E>, Cat<R, E::Refs>>
    where
        E: IntoExpr,
        E::Type: ExprType,
    {
        self.over::<_, E::Refs>(N::func(
            "lead",
            vec![expr.into_expr().into_n(), N::Int(offset.into())],
        ))
    }

    /// `first_value(expr) OVER (…)`: the value at the frame's first row.
    pub fn first_value<E>(&self, expr: E) -> Expr<NullableOf<E>, Cat<R, E::Refs>>
    where
        E: IntoExpr,
        E::Type: ExprType,
    {
        self.over::<_, E::Refs>(N::func("first_value", vec![expr.into_expr().into_n()]))
    }

    /// `last_value(expr) OVER (…)`: the value at the frame's last row (with the default
    /// frame, the current row's last peer).
    pub fn last_value<E>(&self, expr: E) -> Expr<NullableOf<E>, Cat<R, E::Refs>>
    where
        E: IntoExpr,
        E::Type: ExprType,
    {
        self.over::<_, E::Refs>(N::func("last_value", vec![expr.into_expr().into_n()]))
    }

    /// `nth_value(expr, n) OVER (…)`: the value at the frame's `n`-th row (from 1).
    pub fn nth_value<E>(&self, expr: E, n: u32) -> Expr<NullableOf<E>, Cat<R, E::Refs>>
    where
        E: IntoExpr,
        E::Type: ExprType,
    {
        self.over::<_, E::Refs>(N::func(
            "nth_value",
            vec![expr.into_expr().into_n(), N::Int(n.into())],
        ))
    }

    /// `count(*) OVER (…)`.
    pub fn count_star(&self) -> Expr<i64, R> {
        Expr::from_n(N::Over(
            Box::new(aggregate::count_star().into_n()),
            Box::new(self.spec.clone()),
        ))
    }

    /// `count(expr) OVER (…)`.
    pub fn count<E: IntoExpr>(&self, expr: E) -> Expr<i64, Cat<R, E::Refs>> {
        self.over::<_, E::Refs>(aggregate::count(expr).into_n())
    }

    /// `sum(expr) OVER (…)`.
    pub fn sum<E>(&self, expr: E) -> Expr<SumOf<E>, Cat<R, E::Refs>>
    where
        E: IntoExpr,
        E::Type: ExprType,
        <E::Type as ExprType>::NonNull: Summable,
    {
        self.over::<_, E::Refs>(aggregate::sum(expr).into_n())
    }

    /// `avg(expr) OVER (…)`: e.g. a moving average with a [`Frame`].
    pub fn avg<E>(&self, expr: E) -> Expr<Option<f64>, Cat<R, E::Refs>>
    where
        E: IntoExpr,
        E::Type: ExprType,
        <E::Type as ExprType>::Kind: Arithmetic,
    {
        self.over::<_, E::Refs>(aggregate::avg(expr).into_n())
    }

    /// `min(expr) OVER (…)`.
    pub fn min<E>(&self, expr: E) -> Expr<NullableOf<E>, Cat<R, E::Refs>>
    where
        E: IntoExpr,
        E::Type: ExprType,
    {
        self.over::<_, E::Refs>(aggregate::min(expr).into_n())
    }

    /// `max(expr) OVER (…)`.
    pub fn max<E>(&self, expr: E) -> Expr<NullableOf<E>, Cat<R, E::Refs>>
    where
        E: IntoExpr,
        E::Type: ExprType,
    {
        self.over::<_, E::Refs>(aggregate::max(expr).into_n())
    }
}
