//! Streaming a query: each row decoded and handed to a closure as soon as it has arrived
//! ([`Client::stream_with`](cratedb_client::Client::stream_with)), so that a result of any
//! size is read holding one row at a time.

use std::convert::Infallible;
use std::ops::ControlFlow;

use cratedb_client::RowSink;
use serde::de::SeqAccess;
use serde_json::Value;

use super::run::explain_missing;
use super::source::{Cursor, Inner, Left, Relation, Source};
use super::{Cross, Full, Right, Whole};
use super::{Query, Select};
use crate::expr::Selection;
use crate::session::load_sink::Each;
use crate::{Error, Result};

impl<R: Relation> Query<'_, R, Whole> {
    /// Runs the query and hands each matching model to `f` as an owned value, decoded as
    /// soon as its row has arrived: nothing but the row being read is held, however many
    /// rows match (the way to walk a result larger than memory). The models are not
    /// tracked by the session (as with [`load`](Query::load)).
    ///
    /// The answer streams in while `f` runs, so an error can come after `f` has seen some
    /// rows: the connection breaking, the [request
    /// timeout](cratedb_client::ClientBuilder::timeout) running out (it covers the whole
    /// stream, `f`'s time included), or a row that does not fit the model. Such an error is
    /// returned and the query is **not** sent again (the rows before it were delivered);
    /// failover to another server happens only before the first row. CrateDB builds the
    /// whole result before it answers, so its own memory limits apply as for any query: to
    /// walk a table too large for one answer, page through it with
    /// [`pages`](Query::pages).
    ///
    /// To stop early, use [`try_for_each`](Query::try_for_each).
    ///
    /// ```no_run
    /// use cratedb_orm::{Client, CrateModel, Session};
    ///
    /// #[derive(CrateModel, Debug, Clone, Default)]
    /// #[cratedb(table = "readings")]
    /// struct Reading {
    ///     #[cratedb(primary_key)]
    ///     id: i64,
    ///     sensor: String,
    ///     value: f64,
    /// }
    ///
    /// let mut session = Session::new(Client::new("crate://localhost:4200")?);
    /// let (mut n, mut sum) = (0u64, 0.0);
    /// session
    ///     .query::<Reading>()
    ///     .filter(Reading::sensor().eq("sensor-7"))
    ///     .for_each(|r| {
    ///         n += 1;
    ///         sum += r.value;
    ///     })?;
    /// println!("{n} readings, mean {}", sum / n as f64);
    /// # Ok::<(), cratedb_orm::Error>(())
    /// ```
    pub fn for_each(self, mut f: impl FnMut(R::Model)) -> Result<()> {
        self.try_for_each(never_break(&mut f)).map(finished)
    }

    /// [`for_each`](Query::for_each), stopping when `f` returns `ControlFlow::Break(b)`:
    /// nothing more is read (the rest of the answer is dropped with its connection) and
    /// the result is `Break(b)`; `Continue(())` when every row was handed over. As with
    /// `Iterator::try_for_each`, `b` can carry what `f` found, or an error of your own.
    ///
    /// ```no_run
    /// use std::ops::ControlFlow;
    /// use cratedb_orm::{Client, CrateModel, Session};
    ///
    /// #[derive(CrateModel, Debug, Clone, Default)]
    /// #[cratedb(table = "readings")]
    /// struct Reading {
    ///     #[cratedb(primary_key)]
    ///     id: i64,
    ///     value: f64,
    /// }
    ///
    /// let mut session = Session::new(Client::new("crate://localhost:4200")?);
    /// let first_spike = session
    ///     .query::<Reading>()
    ///     .order_by(Reading::id())
    ///     .try_for_each(|r| {
    ///         if r.value > 100.0 {
    ///             ControlFlow::Break(r)
    ///         } else {
    ///             ControlFlow::Continue(())
    ///         }
    ///     })?;
    /// if let ControlFlow::Break(r) = first_spike {
    ///     println!("first spike: {r:?}");
    /// }
    /// # Ok::<(), cratedb_orm::Error>(())
    /// ```
    pub fn try_for_each<B>(
        self,
        mut f: impl FnMut(R::Model) -> ControlFlow<B>,
    ) -> Result<ControlFlow<B>> {
        let select = self.select;
        self.session.read_models::<R::Model, _>(
            &|nulls| select.to_sql_nulls(nulls),
            &mut |session, sql, args| {
                session.stream_owned::<R::Model, _>(sql, args, Each::new(&mut f))
            },
        )
    }
}

impl<F: Source, S: Selection> Query<'_, F, S> {
    /// Runs the query and hands each row to `f`, decoded (a value, or a tuple of the
    /// selection) as soon as it has arrived: nothing but the row being read is held. Errors
    /// as for whole models ([`Query::for_each`]): one that comes after rows were handed over
    /// is returned, and the query is not sent again.
    ///
    /// ```no_run
    /// use cratedb_orm::{Client, CrateModel, Session};
    ///
    /// #[derive(CrateModel, Debug, Clone, Default)]
    /// #[cratedb(table = "readings")]
    /// struct Reading {
    ///     #[cratedb(primary_key)]
    ///     id: i64,
    ///     sensor: String,
    ///     value: f64,
    /// }
    ///
    /// let mut session = Session::new(Client::new("crate://localhost:4200")?);
    /// let mut max = f64::MIN;
    /// session
    ///     .query::<Reading>()
    ///     .select((Reading::sensor(), Reading::value()))
    ///     .for_each(|(_sensor, value)| max = max.max(value))?;
    /// # Ok::<(), cratedb_orm::Error>(())
    /// ```
    pub fn for_each(self, mut f: impl FnMut(S::Output)) -> Result<()> {
        self.try_for_each(never_break(&mut f)).map(finished)
    }

    /// [`for_each`](Query::for_each) over the selected rows, stopping when `f` returns
    /// `ControlFlow::Break(b)` (see [`Query::try_for_each`] for whole models).
    pub fn try_for_each<B>(
        self,
        mut f: impl FnMut(S::Output) -> ControlFlow<B>,
    ) -> Result<ControlFlow<B>> {
        stream_rows::<F, _, B>(self, |cols, row| Ok(f(S::decode_row(cols, row)?)))
    }
}

/// Streaming over joined models (or a correlated source) selecting whole models.
macro_rules! joined_streams {
    ($($source:ident<$($p:ident),+>),+) => {$(
        impl<'s, $($p),+> Query<'s, $source<$($p),+>, Whole>
        where
            $source<$($p),+>: Source,
        {
            /// Runs the query and hands each row to `f` as owned models (a tuple of the
            /// joined models, `Option` on an outer join's optional side), decoded as soon
            /// as it has arrived; not tracked by the session. Errors as for one model
            /// ([`Query::for_each`]).
            pub fn for_each(
                self,
                mut f: impl FnMut(<$source<$($p),+> as Source>::Owned),
            ) -> Result<()> {
                self.try_for_each(never_break(&mut f)).map(finished)
            }

            /// [`for_each`](Query::for_each), stopping when `f` returns
            /// `ControlFlow::Break(b)` (see [`Query::try_for_each`]).
            pub fn try_for_each<Stop>(
                self,
                mut f: impl FnMut(<$source<$($p),+> as Source>::Owned) -> ControlFlow<Stop>,
            ) -> Result<ControlFlow<Stop>> {
                stream_rows::<$source<$($p),+>, _, Stop>(self, |_, row| {
                    Ok(f(<$source<$($p),+>>::own(&mut Cursor::new(row))?))
                })
            }
        }
    )+};
}

joined_streams!(Inner<A, B>, Left<A, B>, Right<A, B>, Full<A, B>, Cross<A, B>);

/// `f` as a `try_for_each` closure that never stops the read.
fn never_break<T>(f: &mut impl FnMut(T)) -> impl FnMut(T) -> ControlFlow<Infallible> + '_ {
    move |row| {
        f(row);
        ControlFlow::Continue(())
    }
}

/// The end of a read that could not be stopped.
fn finished(flow: ControlFlow<Infallible>) {
    match flow {
        ControlFlow::Continue(()) => {}
        ControlFlow::Break(never) => match never {},
    }
}

/// Streams the rows of `query`, each read as its JSON values and handed to `each` (given the
/// column names).
fn stream_rows<F: Source, S, B>(
    query: Query<'_, F, S>,
    each: impl FnMut(&[String], Vec<Value>) -> Result<ControlFlow<B>>,
) -> Result<ControlFlow<B>> {
    let (sql, args) = Select::to_sql(&query.select);
    let mut sink = ValueRows {
        cols: Vec::new(),
        each,
        error: None,
        broke: None,
    };
    let result = query.session.client().stream_with(&sql, &args, &mut sink);
    if let Some(e) = sink.error {
        return Err(e);
    }
    if let Some(b) = sink.broke {
        return Ok(ControlFlow::Break(b));
    }
    result.map_err(|e| explain_missing::<F>(e.into()))?;
    Ok(ControlFlow::Continue(()))
}

/// Reads each row as its JSON values and hands it on; keeps the first error, or what a
/// `Break` carried (either stops the read).
struct ValueRows<G, B> {
    cols: Vec<String>,
    each: G,
    error: Option<Error>,
    broke: Option<B>,
}

impl<G, B> RowSink for ValueRows<G, B>
where
    G: FnMut(&[String], Vec<Value>) -> Result<ControlFlow<B>>,
{
    fn columns(&mut self, cols: &[String]) {
        self.cols = cols.to_vec();
    }

    fn row<'de, A: SeqAccess<'de>>(&mut self, mut row: A) -> std::result::Result<(), A::Error> {
        let mut values = Vec::with_capacity(self.cols.len());
        while let Some(value) = row.next_element::<Value>()? {
            values.push(value);
        }
        match (self.each)(&self.cols, values) {
            Ok(ControlFlow::Continue(())) => Ok(()),
            Ok(ControlFlow::Break(b)) => {
                self.broke = Some(b);
                Err(serde::de::Error::custom("stopped by the caller"))
            }
            Err(e) => {
                let message = e.to_string();
                self.error = Some(e);
                Err(serde::de::Error::custom(message))
            }
        }
    }
}
