//! The models of one type tracked by a session: their states, database snapshots and
//! identity map. Planning writes is in `plan.rs`, applying the server's answers in `apply.rs`.

use std::any::Any;
use std::collections::HashMap;

use serde_json::Value;

use super::apply::{Outcome, Report};
use super::commit_error::{RowFailure, RowFailureCause, WriteKind};
use super::key::{identity_key, KEY_SEPARATOR};
use super::model_rows::{ModelRows, UpdateRows};
use super::plan::{value_at, Batch, FromModels, Limits};
use super::recorded::{Path, Recorded};
use super::statement::StatementArgs;
use crate::model::{CrateModel, RowLayout};
use crate::Object;
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

/// From this many entries on, the entry list grows by an eighth rather than doubling (below
/// it, doubling wastes at most this many entries' worth).
const GROW_GENTLY_FROM: usize = 16384;

/// One tracked model.
pub(crate) struct Entry<M> {
    pub model: M,
    pub state: State,
    /// The last state known to be in the database, kept from the moment the model is
    /// borrowed mutably (copy on write); `None` while the model equals the database. Boxed:
    /// most entries never have one, and a loaded result holds many entries.
    pub saved: Option<Box<M>>,
    /// `(_seq_no, _primary_term)` for versioned models (boxed for the same reason).
    version: Option<Box<(i64, i64)>>,
    /// Whether the entry is in the identity map, under the key of its database state
    /// ([`key_of`]`(`[`in_database`](Entry::in_database)`)`; the key is not stored twice).
    pub keyed: bool,
    /// The paths changed through `Session::set`/`set_key` (a bit per path id of the table's
    /// [`Recorded`]), written by the next commit.
    pub dirty: u64,
}

impl<M: CrateModel> Entry<M> {
    /// The model as it is in the database (for a new model: as it is).
    pub fn in_database(&self) -> &M {
        self.saved.as_deref().unwrap_or(&self.model)
    }

    /// `(_seq_no, _primary_term)`, for a versioned model read or written by this session.
    pub fn version(&self) -> Option<(i64, i64)> {
        self.version.as_deref().copied()
    }

    /// Records the version the database returned.
    pub fn set_version(&mut self, version: Option<(i64, i64)>) {
        self.version = version.map(Box::new);
    }

    /// Whether some written column differs from the database state.
    pub fn is_changed(&self) -> bool {
        if self.dirty != 0 {
            return true;
        }
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
///
/// The same text as [`identity_key`] of the identity values, written straight from the model
/// (no `Value`s built): this runs once per tracked row.
pub(crate) fn key_of<M: CrateModel>(model: &M) -> Option<String> {
    let meta = M::meta();
    let id_column;
    let ids: &[usize] = if !meta.primary_key.is_empty() {
        &meta.primary_key
    } else {
        id_column = [meta.column_index("_id")?];
        &id_column
    };
    let mut key = Vec::with_capacity(24);
    for (n, &i) in ids.iter().enumerate() {
        if n > 0 {
            key.extend_from_slice(KEY_SEPARATOR.encode_utf8(&mut [0; 4]).as_bytes());
        }
        let start = key.len();
        model
            .serialize_column(i, &mut serde_json::Serializer::new(&mut key))
            .ok()?;
        if key.get(start..) == Some(b"null".as_slice()) {
            return None;
        }
    }
    String::from_utf8(key).ok()
}

/// Type-erased access to a [`Table`], so a session can hold tables of every model type.
pub(crate) trait ErasedTable: Send {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn plan(&self, table: usize, limits: Limits, out: &mut Vec<Batch>, report: &mut Report);
    fn apply(&mut self, batch: Batch, outcome: Outcome, report: &mut Report);
    fn rollback(&mut self);
    /// Called after every batch of a commit was applied; `all_landed` when every planned
    /// row was written.
    fn committed(&mut self, all_landed: bool);
    /// Sends a planned batch.
    fn send(&self, batch: &Batch, client: &Client) -> cratedb_client::Result<Outcome>;
    /// Fills in the arguments a batch takes from the models at send time (for display).
    fn materialize(&self, batch: &mut Batch);
}

/// The tracked models of type `M`.
pub(crate) struct Table<M> {
    pub entries: Vec<Entry<M>>,
    pub identity: HashMap<String, usize>,
    /// Changes recorded by `Session::set`/`set_key`.
    pub recorded: Recorded,
}

impl<M: CrateModel> Table<M> {
    pub fn new() -> Self {
        Table {
            entries: Vec::new(),
            identity: HashMap::new(),
            recorded: Recorded::default(),
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
        let keyed = key.is_some();
        if let Some(k) = key {
            self.identity.insert(k, index);
        }
        if index == self.entries.capacity() && index >= GROW_GENTLY_FROM {
            // Entries are large (a whole model each): past 16,384, grow by an
            // eighth instead of doubling, so a big result leaves at most 12.5% unused
            // (a reallocation this large is usually a page remap, not a copy).
            self.entries.reserve_exact(index / 8);
        }
        self.entries.push(Entry {
            model,
            state,
            saved: None,
            version: version.map(Box::new),
            keyed,
            dirty: 0,
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
        self.recorded.forget(index);
        if let Some(entry) = self.entries.get_mut(index) {
            entry.model = model;
            entry.saved = None;
            entry.dirty = 0;
            entry.set_version(version);
            entry.state = State::Persistent;
        }
        Ok(())
    }

    /// The model, to change it: its database state is kept first (copy on write).
    pub fn touch(&mut self, index: usize) -> Option<&mut M> {
        let entry = self.entries.get_mut(index)?;
        if matches!(entry.state, State::Persistent | State::Deleted) && entry.saved.is_none() {
            entry.saved = Some(Box::new(entry.model.snapshot()));
        }
        Some(&mut entry.model)
    }

    /// Drops the pending changes of one entry (a new model is no longer tracked).
    pub fn expire(&mut self, index: usize) {
        self.restore_saved(index);
        for (path, old) in self.recorded.take(index) {
            self.undo(index, path, old);
        }
        if let Some(entry) = self.entries.get_mut(index) {
            entry.dirty = 0;
        }
    }

    /// Drops every pending change.
    pub fn expire_all(&mut self) {
        for index in 0..self.entries.len() {
            self.restore_saved(index);
        }
        for (index, path, old) in self.recorded.take_all() {
            self.undo(index, path, old);
        }
        for entry in &mut self.entries {
            entry.dirty = 0;
        }
    }

    /// Puts back the database state kept on first mutable borrow.
    fn restore_saved(&mut self, index: usize) {
        let Some(entry) = self.entries.get_mut(index) else {
            return;
        };
        match entry.state {
            State::New => entry.state = State::Detached,
            State::Persistent | State::Deleted => {
                if let Some(old) = entry.saved.take() {
                    entry.model = *old;
                }
                entry.state = State::Persistent;
            }
            State::Detached => {}
        }
    }

    /// Puts back the value a recorded change replaced.
    fn undo(&mut self, index: usize, path: u8, old: Option<Value>) {
        let Some(Path { column, keys }) = self.recorded.path(path).cloned() else {
            return;
        };
        let Some(entry) = self.entries.get_mut(index) else {
            return;
        };
        if entry.dirty & (1 << path) == 0 {
            return;
        }
        // Putting back a value the model held cannot fail to fit it; a failure leaves the
        // newer value in place.
        if keys.is_empty() {
            let _ = entry.model.set_column(column, old.unwrap_or(Value::Null));
        } else if let Some(object) = entry.model.column_object_mut(column) {
            match old {
                Some(v) => {
                    let _ = object.set_path(&keys, v);
                }
                None => {
                    object.remove_path(&keys);
                }
            }
        }
    }

    /// Sets column `column` (with `keys`: the value at that key path inside the OBJECT
    /// column) of entry `index` to `value`, recording the change for the next commit.
    pub fn set_path<S: AsRef<str>>(
        &mut self,
        index: usize,
        column: usize,
        keys: &[S],
        value: Value,
    ) -> crate::Result<()> {
        let meta = M::meta();
        let name = meta.columns.get(column).map_or("", |c| c.name);
        let refuse = |message: &str| {
            Err(crate::Error::Encode {
                column: name.to_owned(),
                message: message.to_owned(),
            })
        };
        let Some(entry) = self.entries.get_mut(index) else {
            return refuse("the handle is not of this session");
        };
        match meta.columns.get(column) {
            None => return refuse("no such column"),
            Some(c) if c.is_read_only() => {
                return refuse("the column is read-only (generated or fetched by the server)")
            }
            Some(c) if c.primary_key && entry.state != State::New => {
                return refuse("a primary-key column cannot be updated (delete and re-add the row)")
            }
            Some(_) => {}
        }
        let whole = keys.is_empty() || entry.model.column_object_ref(column).is_none();
        let record =
            matches!(entry.state, State::Persistent | State::Deleted) && entry.saved.is_none();
        let id = match (record, whole) {
            (false, _) => None,
            (true, true) => self.recorded.intern::<&str>(column, &[]),
            (true, false) => self.recorded.intern(column, keys),
        };
        if record && id.is_none() {
            // Too many distinct paths to record: compare with a copy instead.
            entry.saved = Some(Box::new(entry.model.snapshot()));
        }
        let old = if whole {
            let old = entry.model.column_value(column);
            let new = if keys.is_empty() {
                value
            } else {
                // A NULL object: the whole column becomes an object holding the path.
                let mut object = Object::new();
                object.set_path(keys, value)?;
                Value::from(object)
            };
            entry.model.set_column(column, new)?;
            Some(old)
        } else {
            match entry.model.column_object_mut(column) {
                Some(object) => object.set_path(keys, value)?,
                None => None,
            }
        };
        if let Some(id) = id {
            let bit = 1u64 << id;
            if entry.dirty & bit == 0 {
                entry.dirty |= bit;
                self.recorded.remember(index, id, old);
            }
        }
        Ok(())
    }

    /// After a commit: forgets the replaced values of entries no longer changed.
    pub fn committed(&mut self, all_landed: bool) {
        if all_landed {
            // Every changed entry was planned, and every planned row landed.
            self.recorded.clear();
            return;
        }
        let entries = &self.entries;
        self.recorded
            .retain(|index| entries.get(index).is_some_and(|e| e.dirty != 0));
    }

    /// A failure record for one entry.
    pub fn failure(&self, index: usize, kind: WriteKind, cause: RowFailureCause) -> RowFailure {
        let key = self
            .entries
            .get(index)
            .and_then(|e| key_of(e.in_database()));
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
        if kind == WriteKind::Delete && std::mem::take(&mut entry.keyed) {
            // The key of the database state, before that state is dropped.
            if let Some(k) = key_of(entry.in_database()) {
                self.identity.remove(&k);
            }
        }
        entry.saved = None;
        entry.dirty = 0;
        match kind {
            WriteKind::Delete => entry.state = State::Detached,
            WriteKind::Insert | WriteKind::Update => {
                entry.state = State::Persistent;
                if !entry.keyed {
                    if let Some(k) = key_of(&entry.model) {
                        self.identity.entry(k).or_insert(index);
                        entry.keyed = true;
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
        self.expire_all();
    }

    fn committed(&mut self, all_landed: bool) {
        Table::committed(self, all_landed);
    }

    fn send(&self, batch: &Batch, client: &Client) -> cratedb_client::Result<Outcome> {
        let statement = &batch.statement;
        match (&batch.from_models, &statement.args) {
            (Some(FromModels::Insert(columns)), _) => {
                let rows = ModelRows {
                    entries: &self.entries,
                    targets: &batch.targets,
                    columns,
                };
                client.bulk(&statement.sql, &rows).map(Outcome::Bulk)
            }
            (Some(FromModels::Update(shape)), _) => {
                let rows = UpdateRows {
                    entries: &self.entries,
                    targets: &batch.targets,
                    shape,
                    ids: &M::meta().identity_columns(),
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
        let ids = M::meta().identity_columns();
        let rows = match &batch.from_models {
            None => return,
            Some(FromModels::Insert(columns)) => batch
                .targets
                .iter()
                .filter_map(|&t| self.entries.get(t))
                .map(|e| columns.iter().map(|&i| e.model.column_value(i)).collect())
                .collect(),
            Some(FromModels::Update(shape)) => batch
                .targets
                .iter()
                .filter_map(|&t| self.entries.get(t))
                .map(|e| {
                    let old = e.in_database();
                    shape
                        .iter()
                        .map(|(i, keys)| value_at(&e.model, *i, keys))
                        .chain(ids.iter().map(|&i| old.column_value(i)))
                        .collect()
                })
                .collect(),
        };
        batch.statement.args = StatementArgs::Bulk(rows);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CrateModel;

    #[derive(CrateModel, Debug, Clone, Default, PartialEq)]
    #[cratedb(table = "pairs")]
    struct Pair {
        #[cratedb(primary_key)]
        name: String,
        #[cratedb(primary_key)]
        n: i64,
        other: Option<f64>,
    }

    #[derive(CrateModel, Debug, Clone, Default, PartialEq)]
    #[cratedb(table = "logs")]
    struct Log {
        #[cratedb(column = "_id", fetched)]
        id: Option<String>,
        message: String,
    }

    #[test]
    fn key_of_is_identity_key_of_the_identity_values() {
        for (name, n) in [
            ("a", 1),
            ("quote \" and \\ and \u{1f} é", -7),
            ("", i64::MAX),
        ] {
            let model = Pair {
                name: name.into(),
                n,
                other: Some(0.5),
            };
            assert_eq!(key_of(&model), identity_key(identity_values(&model).iter()));
        }
        let unsaved = Log {
            id: None,
            message: "m".into(),
        };
        assert_eq!(key_of(&unsaved), None);
        let saved = Log {
            id: Some("x1".into()),
            ..unsaved
        };
        assert_eq!(key_of(&saved).as_deref(), Some("\"x1\""));
    }
}
