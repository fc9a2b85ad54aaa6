//! [`ModelRows`] and [`UpdateRows`]: the argument rows of a bulk INSERT or UPDATE, serialized
//! straight from the tracked models (no intermediate `serde_json::Value`s).

use serde::ser::{Serialize, SerializeSeq, Serializer};

use super::plan::{key_value_at, UpdateShape};
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

/// `[[assigned value, …, identity value, …], …]` for the entries `targets`: each
/// assignment's value in the model (`null` for a missing key), then the identity columns of
/// the model's database state.
pub(crate) struct UpdateRows<'a, M> {
    pub entries: &'a [Entry<M>],
    pub targets: &'a [usize],
    pub shape: &'a UpdateShape,
    pub ids: &'a [usize],
}

struct UpdateRow<'a, M> {
    entry: &'a Entry<M>,
    shape: &'a UpdateShape,
    ids: &'a [usize],
}

impl<M: CrateModel> Serialize for UpdateRows<'_, M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.targets.len()))?;
        for entry in self.targets.iter().filter_map(|&t| self.entries.get(t)) {
            seq.serialize_element(&UpdateRow {
                entry,
                shape: self.shape,
                ids: self.ids,
            })?;
        }
        seq.end()
    }
}

impl<M: CrateModel> Serialize for UpdateRow<'_, M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let model = &self.entry.model;
        let mut seq = serializer.serialize_seq(Some(self.shape.len() + self.ids.len()))?;
        for (column, keys) in self.shape {
            if keys.is_empty() {
                seq.serialize_element(&ModelColumn {
                    model,
                    index: *column,
                })?;
            } else {
                seq.serialize_element(&key_value_at(model, *column, keys))?;
            }
        }
        let old = self.entry.in_database();
        for &index in self.ids {
            seq.serialize_element(&ModelColumn { model: old, index })?;
        }
        seq.end()
    }
}
