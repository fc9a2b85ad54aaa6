//! The models of one type tracked by a session: their states, database snapshots and
//! identity map. Planning writes is in `plan.rs`, applying the server's answers in `apply.rs`.

use std::any::Any;
use std::collections::HashMap;

use serde_json::Value;

use super::apply::{Outcome, Report};
use super::commit_error::{RowFailure, RowFailureCause, WriteKind};
use super::key::identity_key;
use super::model_rows::ModelRows;
use super::plan::{Batch, Limits};
use super::statement::StatementArgs;
use crate::model::{CrateModel, RowLayout};
use cratedb_client::Client;

/// Where a tracked model stands relative to the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Added, not inserted yet.
    New,
    /// In the database.
    Persistent,
    /// In the database and marked for deletion.
    Deleted,
    /// No longer tracked (deleted, or a new model rolled back); still readable.
    Detached,
}

/// One tracked model.
pub(crate) struct Entry<M> {
    pub model: M,
    pub state: State,
    /// The last state known to be in the database, kept from the moment the model is
    /// borrowed mutably (copy on write); `None` while the model equals the database.
    pub saved: Option<M>,
    /// `(_seq_no, _primary_term)` for versioned models.
    pub version: Option<(i64, i64)>,
    /// The key under which the entry is in the identity map.
    pub key: Option<String>,
}

impl<M: CrateModel> Entry<M> {
    /// The model as it is in the database (for a new model: as it is).
    pub fn in_database(&self) -> &M {
        self.saved.as_ref().unwrap_or(&self.model)
    }

    /// Whether some written column differs from the database state.
    pub fn is_changed(&self) -> bool {
        let Some(old) = &self.saved else { return false };
        let meta = M::meta();
        (0..meta.columns.len()).any(|i| {
            meta.columns.get(i).is_some_and(|c| !c.is_read_only()) && !self.model.column_eq(old, i)
        })
    }
}

/// The identity values (primary key, or `_id`) of a model.
pub(crate) fn identity_values<M: CrateModel>(model: &M) -> Vec<Value> {
    M::meta()
        .identity_columns()
        .iter()
        .map(|&i| model.column_value(i))
        .collect()
}

/// The identity-map key of a model, when every identity value is known.
pub(crate) fn key_of<M: CrateModel>(model: &M) -> Option<String> {
    if M::meta().identity_columns().is_empty() {
        return None;
    }
    identity_key(identity_values(model).iter())
}

/// Type-erased access to a [`Table`], so a session can hold tables of every model type.
pub(crate) trait ErasedTable: Send {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn plan(&self, table: usize, limits: Limits, out: &mut Vec<Batch>, report: &mut Report);
    fn apply(&mut self, batch: Batch, outcome: Outcome, report: &mut Report);
    fn rollback(&mut self);
    /// Sends a planned batch.
    fn send(&self, batch: &Batch, client: &Client) -> cratedb_client::Result<Outcome>;
    /// Fills in the arguments a batch takes from the models at send time (for display).
    fn materialize(&self, batch: &mut Batch);
}

/// The tracked models of type `M`.
pub(crate) struct Table<M> {
    pub entries: Vec<Entry<M>>,
    pub identity: HashMap<String, usize>,
}

impl<M: CrateModel> Table<M> {
    pub fn new() -> Self {
        Table {
            entries: Vec::new(),
            identity: HashMap::new(),
        }
    }

    /// Tracks a new model, with its client-side defaults applied.
    pub fn add(&mut self, mut model: M) -> usize {
        model.apply_defaults();
        self.push(model, State::New, None, None)
    }

    fn push(
        &mut self,
        model: M,
        state: State,
        version: Option<(i64, i64)>,
        key: Option<String>,
    ) -> usize {
        let index = self.entries.len();
        if let Some(k) = &key {
            self.identity.insert(k.clone(), index);
        }
        self.entries.push(Entry {
            model,
            state,
            saved: None,
            version,
            key,
        });
        index
    }

    /// Tracks a model known to be in the database as it is (no read), or returns the entry
    /// that already tracks the same row.
    pub fn attach(&mut self, model: M) -> usize {
        let key = key_of(&model);
        if let Some(&index) = key.as_ref().and_then(|k| self.identity.get(k)) {
            return index;
        }
        self.push(model, State::Persistent, None, key)
    }

    /// Tracks a model decoded from a result row, or returns the entry that already tracks
    /// the same row (which keeps its in-session state; the decoded model is dropped).
    pub fn track_loaded(&mut self, model: M, version: Option<(i64, i64)>) -> usize {
        let key = key_of(&model);
        if let Some(&index) = key.as_ref().and_then(|k| self.identity.get(k)) {
            return index;
        }
        self.push(model, State::Persistent, version, key)
    }

    /// Tracks a model loaded from the database, or returns the entry that already tracks
    /// the same row (which keeps its in-session state).
    pub fn load(
        &mut self,
        layout: &RowLayout,
        version_pos: Option<(usize, usize)>,
        row: &mut [Value],
    ) -> crate::Result<usize> {
        let ids = M::meta().identity_columns();
        let key = if ids.is_empty() {
            None
        } else {
            identity_key(ids.iter().map(|&i| {
                layout
                    .position(i)
                    .and_then(|p| row.get(p))
                    .unwrap_or(&Value::Null)
            }))
        };
        if let Some(&index) = key.as_ref().and_then(|k| self.identity.get(k)) {
            return Ok(index);
        }
        let version = version_of(version_pos, row);
        let model = M::from_row(layout, row)?;
        Ok(self.push(model, State::Persistent, version, key))
    }

    /// Replaces the entry's database state with a freshly read row.
    pub fn reload(
        &mut self,
        index: usize,
        layout: &RowLayout,
        version_pos: Option<(usize, usize)>,
        row: &mut [Value],
    ) -> crate::Result<()> {
        let version = version_of(version_pos, row);
        let model = M::from_row(layout, row)?;
        if let Some(entry) = self.entries.get_mut(index) {
            entry.model = model;
            entry.saved = None;
            entry.version = version;
            entry.state = State::Persistent;
        }
        Ok(())
    }

    /// The model, to change it: its database state is kept first (copy on write).
    pub fn touch(&mut self, index: usize) -> Option<&mut M> {
        let entry = self.entries.get_mut(index)?;
        if matches!(entry.state, State::Persistent | State::Deleted) && entry.saved.is_none() {
            entry.saved = Some(entry.model.snapshot());
        }
        Some(&mut entry.model)
    }

    /// Drops the pending changes of one entry (a new model is no longer tracked).
    pub fn expire(&mut self, index: usize) {
        let Some(entry) = self.entries.get_mut(index) else {
            return;
        };
        match entry.state {
            State::New => entry.state = State::Detached,
            State::Persistent | State::Deleted => {
                if let Some(old) = entry.saved.take() {
                    entry.model = old;
                }
                entry.state = State::Persistent;
            }
            State::Detached => {}
        }
    }

    /// A failure record for one entry.
    pub fn failure(&self, index: usize, kind: WriteKind, cause: RowFailureCause) -> RowFailure {
        let key = self
            .entries
            .get(index)
            .and_then(|e| e.key.clone().or_else(|| key_of(&e.model)));
        RowFailure {
            model: M::meta().model,
            key,
            kind,
            cause,
        }
    }

    /// Marks a row as written: its database state is now the model's.
    pub fn landed(&mut self, index: usize, kind: WriteKind, report: &mut Report) {
        report.written += 1;
        let Some(entry) = self.entries.get_mut(index) else {
            return;
        };
        entry.saved = None;
        match kind {
            WriteKind::Delete => {
                entry.state = State::Detached;
                if let Some(k) = entry.key.take() {
                    self.identity.remove(&k);
                }
            }
            WriteKind::Insert | WriteKind::Update => {
                entry.state = State::Persistent;
                if entry.key.is_none() {
                    if let Some(k) = key_of(&entry.model) {
                        self.identity.entry(k.clone()).or_insert(index);
                        entry.key = Some(k);
                    }
                }
            }
        }
    }
}

/// `(_seq_no, _primary_term)` from a row, when the result has them.
pub(crate) fn version_of(positions: Option<(usize, usize)>, row: &[Value]) -> Option<(i64, i64)> {
    let (s, p) = positions?;
    Some((row.get(s)?.as_i64()?, row.get(p)?.as_i64()?))
}

/// `(position of "_seq_no", position of "_primary_term")` in a result, when both are there.
pub(crate) fn version_positions(cols: &[String]) -> Option<(usize, usize)> {
    let s = cols.iter().position(|c| c == "_seq_no")?;
    let p = cols.iter().position(|c| c == "_primary_term")?;
    Some((s, p))
}

impl<M: CrateModel> ErasedTable for Table<M> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn plan(&self, table: usize, limits: Limits, out: &mut Vec<Batch>, report: &mut Report) {
        self.plan_inserts(table, limits, out);
        self.plan_updates(table, limits, out, report);
        self.plan_deletes(table, limits, out);
    }

    fn apply(&mut self, batch: Batch, outcome: Outcome, report: &mut Report) {
        self.apply_outcome(batch, outcome, report);
    }

    fn rollback(&mut self) {
        for index in 0..self.entries.len() {
            self.expire(index);
        }
    }

    fn send(&self, batch: &Batch, client: &Client) -> cratedb_client::Result<Outcome> {
        let statement = &batch.statement;
        match (&batch.from_models, &statement.args) {
            (Some(columns), _) => {
                let rows = ModelRows {
                    entries: &self.entries,
                    targets: &batch.targets,
                    columns,
                };
                client.bulk(&statement.sql, &rows).map(Outcome::Bulk)
            }
            (None, StatementArgs::Bulk(rows)) => {
                client.bulk(&statement.sql, rows).map(Outcome::Bulk)
            }
            (None, StatementArgs::Single(args)) => {
                client.sql(&statement.sql, args).map(Outcome::Sql)
            }
        }
    }

    fn materialize(&self, batch: &mut Batch) {
        let Some(columns) = &batch.from_models else {
            return;
        };
        let rows = batch
            .targets
            .iter()
            .filter_map(|&t| self.entries.get(t))
            .map(|e| columns.iter().map(|&i| e.model.column_value(i)).collect())
            .collect();
        batch.statement.args = StatementArgs::Bulk(rows);
    }
}
