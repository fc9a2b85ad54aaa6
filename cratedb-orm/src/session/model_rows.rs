//! [`ModelRows`]: the argument rows of a bulk INSERT, serialized straight from the tracked
//! models (no intermediate `serde_json::Value`s).

use serde::ser::{Serialize, SerializeSeq, Serializer};

use super::table::Entry;
use crate::model::CrateModel;

/// `[[col, col, …], …]` for the entries `targets`, columns `columns`.
pub(crate) struct ModelRows<'a, M> {
    pub entries: &'a [Entry<M>],
    pub targets: &'a [usize],
    pub columns: &'a [usize],
}

struct ModelRow<'a, M> {
    model: &'a M,
    columns: &'a [usize],
}

struct ModelColumn<'a, M> {
    model: &'a M,
    index: usize,
}

impl<M: CrateModel> Serialize for ModelRows<'_, M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.targets.len()))?;
        for entry in self.targets.iter().filter_map(|&t| self.entries.get(t)) {
            seq.serialize_element(&ModelRow {
                model: &entry.model,
                columns: self.columns,
            })?;
        }
        seq.end()
    }
}

impl<M: CrateModel> Serialize for ModelRow<'_, M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.columns.len()))?;
        for &index in self.columns {
            seq.serialize_element(&ModelColumn {
                model: self.model,
                index,
            })?;
        }
        seq.end()
    }
}

impl<M: CrateModel> Serialize for ModelColumn<'_, M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.model.serialize_column(self.index, serializer)
    }
}
