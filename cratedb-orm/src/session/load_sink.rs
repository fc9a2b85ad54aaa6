//! [`LoadSink`]: result rows decoded straight into models as the client parses the response
//! (no `serde_json::Value` per row), each handed to a [`Keep`]: tracked in a session's
//! table (handles come back), or simply collected (owned models, untracked).

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
    /// Keeps one model read with `version` (`_seq_no`, `_primary_term`).
    fn keep(&mut self, model: M, version: Option<(i64, i64)>);
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

    fn keep(&mut self, model: M, version: Option<(i64, i64)>) {
        let index = self.table.track_loaded(model, version);
        self.handles.push(Handle::new(self.session, index));
    }

    fn finish(self) -> Vec<Handle<M>> {
        self.handles
    }
}

/// Owned models, untracked.
impl<M> Keep<M> for Vec<M> {
    type Output = Vec<M>;

    fn keep(&mut self, model: M, _: Option<(i64, i64)>) {
        self.push(model);
    }

    fn finish(self) -> Vec<M> {
        self
    }
}

/// Decodes each row of a result into a model and keeps it.
pub(crate) struct LoadSink<M, K> {
    keep: K,
    layout: Option<RowLayout>,
    /// The first row that did not fit the model (the parse is stopped there).
    error: Option<crate::Error>,
    kept: Vec<(usize, Value)>,
    _model: std::marker::PhantomData<fn() -> M>,
}

impl<M: CrateModel, K: Keep<M>> LoadSink<M, K> {
    pub fn new(keep: K) -> Self {
        LoadSink {
            keep,
            layout: None,
            error: None,
            kept: Vec::new(),
            _model: std::marker::PhantomData,
        }
    }

    /// The result of a query through this sink: the sink's decode error comes first (it
    /// names the field's column and type), then the client's.
    pub fn finish(
        self,
        result: cratedb_client::Result<cratedb_client::ResultInfo>,
    ) -> crate::Result<K::Output> {
        if let Some(e) = self.error {
            return Err(e);
        }
        result?;
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
                self.keep.keep(model, version);
                Ok(())
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
