//! [`LoadSink`]: result rows decoded straight into models as the client parses the response
//! (no `serde_json::Value` per row), each handed to a [`Keep`]: tracked in a session's
//! table (handles come back), simply collected (owned models, untracked), or handed to a
//! caller's closure as it is parsed ([`Each`], for streaming), which may stop the read.

use std::ops::ControlFlow;

use cratedb_client::RowSink;
use serde::de::SeqAccess;
use serde_json::Value;

use super::handle::Handle;
use super::table::Table;
use crate::model::{CrateModel, RowLayout};

/// What becomes of each decoded model.
pub(crate) trait Keep<M> {
    /// What a whole result gives.
    type Output;
    /// Keeps one model read with `version` (`_seq_no`, `_primary_term`); `Break` stops
    /// reading the result (no later row is decoded, and the request ends without error).
    fn keep(&mut self, model: M, version: Option<(i64, i64)>) -> ControlFlow<()>;
    /// What was kept.
    fn finish(self) -> Self::Output;
}

/// Models tracked in a session's table: their handles.
pub(crate) struct Tracked<'t, M> {
    table: &'t mut Table<M>,
    session: u64,
    handles: Vec<Handle<M>>,
}

impl<'t, M> Tracked<'t, M> {
    /// Tracks in `table` of session `session`.
    pub fn new(table: &'t mut Table<M>, session: u64) -> Self {
        Tracked {
            table,
            session,
            handles: Vec::new(),
        }
    }
}

impl<M: CrateModel> Keep<M> for Tracked<'_, M> {
    type Output = Vec<Handle<M>>;

    fn keep(&mut self, model: M, version: Option<(i64, i64)>) -> ControlFlow<()> {
        let index = self.table.track_loaded(model, version);
        self.handles.push(Handle::new(self.session, index));
        ControlFlow::Continue(())
    }

    fn finish(self) -> Vec<Handle<M>> {
        self.handles
    }
}

/// Owned models, untracked.
impl<M> Keep<M> for Vec<M> {
    type Output = Vec<M>;

    fn keep(&mut self, model: M, _: Option<(i64, i64)>) -> ControlFlow<()> {
        self.push(model);
        ControlFlow::Continue(())
    }

    fn finish(self) -> Vec<M> {
        self
    }
}

/// Owned models handed one by one to a closure, which may stop the read with `Break(b)`:
/// the result is `Break(b)`, or `Continue(())` when every row was handed over.
pub(crate) struct Each<F, B> {
    f: F,
    broke: Option<B>,
}

impl<F, B> Each<F, B> {
    pub fn new(f: F) -> Self {
        Each { f, broke: None }
    }
}

impl<M, B, F: FnMut(M) -> ControlFlow<B>> Keep<M> for Each<F, B> {
    type Output = ControlFlow<B>;

    fn keep(&mut self, model: M, _: Option<(i64, i64)>) -> ControlFlow<()> {
        match (self.f)(model) {
            ControlFlow::Continue(()) => ControlFlow::Continue(()),
            ControlFlow::Break(b) => {
                self.broke = Some(b);
                ControlFlow::Break(())
            }
        }
    }

    fn finish(self) -> ControlFlow<B> {
        match self.broke {
            Some(b) => ControlFlow::Break(b),
            None => ControlFlow::Continue(()),
        }
    }
}

/// Another [`Keep`], noting the value of one column (`index` into the model's columns) of
/// the last model kept, as decoded from the row (a tracked row keeps its in-session state,
/// which may differ): the key a keyset pager continues after.
pub(crate) struct LastKey<K> {
    pub(crate) inner: K,
    pub(crate) index: usize,
    pub(crate) last: Option<Value>,
    pub(crate) rows: usize,
}

impl<M: CrateModel, K: Keep<M>> Keep<M> for LastKey<K> {
    type Output = (K::Output, Option<Value>, usize);

    fn keep(&mut self, model: M, version: Option<(i64, i64)>) -> ControlFlow<()> {
        self.last = Some(model.column_value(self.index));
        self.rows += 1;
        self.inner.keep(model, version)
    }

    fn finish(self) -> Self::Output {
        (self.inner.finish(), self.last, self.rows)
    }
}

/// Decodes each row of a result into a model and keeps it.
pub(crate) struct LoadSink<M, K> {
    keep: K,
    layout: Option<RowLayout>,
    /// The first row that did not fit the model (the parse is stopped there).
    error: Option<crate::Error>,
    /// Whether the keep stopped the read.
    stopped: bool,
    kept: Vec<(usize, Value)>,
    _model: std::marker::PhantomData<fn() -> M>,
}

impl<M: CrateModel, K: Keep<M>> LoadSink<M, K> {
    pub fn new(keep: K) -> Self {
        LoadSink {
            keep,
            layout: None,
            error: None,
            stopped: false,
            kept: Vec::new(),
            _model: std::marker::PhantomData,
        }
    }

    /// The result of a query through this sink: the sink's decode error comes first (it
    /// names the field's column and type), then the client's. A read the keep stopped ends
    /// with the client's error for the stop, which is no error here.
    pub fn finish(
        self,
        result: cratedb_client::Result<cratedb_client::ResultInfo>,
    ) -> crate::Result<K::Output> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if !self.stopped {
            result?;
        }
        Ok(self.keep.finish())
    }
}

impl<M: CrateModel, K: Keep<M>> RowSink for LoadSink<M, K> {
    fn columns(&mut self, cols: &[String]) {
        self.layout = Some(RowLayout::new(M::meta(), cols));
    }

    fn row<'de, A: SeqAccess<'de>>(&mut self, row: A) -> Result<(), A::Error> {
        let layout = match &self.layout {
            Some(layout) => layout,
            None => self
                .layout
                .insert(RowLayout::new(M::meta(), &[] as &[&str])),
        };
        self.kept.clear();
        match M::decode_row(layout, row, &mut self.kept)? {
            Ok(model) => {
                let version = version_of(layout, &self.kept);
                match self.keep.keep(model, version) {
                    ControlFlow::Continue(()) => Ok(()),
                    ControlFlow::Break(()) => {
                        self.stopped = true;
                        Err(serde::de::Error::custom("stopped by the caller"))
                    }
                }
            }
            Err(e) => {
                let message = e.to_string();
                self.error = Some(e);
                Err(serde::de::Error::custom(message))
            }
        }
    }
}

/// `(_seq_no, _primary_term)` from the kept values, when both are there.
fn version_of(layout: &RowLayout, kept: &[(usize, Value)]) -> Option<(i64, i64)> {
    let (s, p) = layout.version_positions()?;
    let at = |position: usize| {
        kept.iter()
            .find(|(k, _)| *k == position)
            .and_then(|(_, v)| v.as_i64())
    };
    Some((at(s)?, at(p)?))
}
