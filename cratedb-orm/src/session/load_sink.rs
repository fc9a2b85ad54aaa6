//! [`LoadSink`]: result rows decoded straight into tracked models as the client parses the
//! response (no `serde_json::Value` per row).

use cratedb_client::RowSink;
use serde::de::SeqAccess;
use serde_json::Value;

use super::handle::Handle;
use super::table::Table;
use crate::model::{CrateModel, RowLayout};

/// Tracks each row of a result in `table`, collecting the handles.
pub(crate) struct LoadSink<'t, M> {
    table: &'t mut Table<M>,
    session: u64,
    layout: Option<RowLayout>,
    pub handles: Vec<Handle<M>>,
    /// The first row that did not fit the model (the parse is stopped there).
    pub error: Option<crate::Error>,
    kept: Vec<(usize, Value)>,
}

impl<'t, M: CrateModel> LoadSink<'t, M> {
    pub fn new(table: &'t mut Table<M>, session: u64) -> Self {
        LoadSink {
            table,
            session,
            layout: None,
            handles: Vec::new(),
            error: None,
            kept: Vec::new(),
        }
    }

    /// The result of a query through this sink: the sink's decode error comes first (it
    /// names the field's column and type), then the client's.
    pub fn finish(
        self,
        result: cratedb_client::Result<cratedb_client::ResultInfo>,
    ) -> crate::Result<Vec<Handle<M>>> {
        if let Some(e) = self.error {
            return Err(e);
        }
        result?;
        Ok(self.handles)
    }
}

impl<M: CrateModel> RowSink for LoadSink<'_, M> {
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
                let index = self.table.track_loaded(model, version);
                self.handles.push(Handle::new(self.session, index));
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
