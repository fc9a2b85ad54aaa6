//! [`Table`]: the models of one type tracked by a session — their entries, the identity map
//! (one entry per row) and the interned paths of recorded changes. Every change of an
//! entry's state goes through a method here (which keeps the identity map true) and the
//! entry's own transitions in `entry.rs`.

use std::collections::HashMap;

use serde_json::Value;

use super::commit_error::{RowFailure, RowFailureCause, WriteKind};
use super::entry::{Attempt, Entry, EntryState};
use super::key::{identity_key, identity_values, key_of, readable_key};
use super::paths::Paths;
use crate::model::{CrateModel, RowLayout};
use cratedb_client::Client;

/// From this many entries on, the entry list grows by an eighth rather than doubling (below
/// it, doubling wastes at most this many entries' worth).
const GROW_GENTLY_FROM: usize = 16384;

/// The tracked models of type `M`.
pub(crate) struct Table<M> {
    entries: Vec<Entry<M>>,
    /// Entry index by identity key ([`key_of`] the entry's
    /// [`stored_identity`](Entry::stored_identity)). Rows a commit inserted join it only
    /// when it is next looked up (see [`index`](Table::index)): a session that inserts a
    /// million rows and is dropped never builds it.
    identity: HashMap<String, usize>,
    /// Whether tracked rows may be missing from `identity` (inserted since it was built).
    unindexed: bool,
    paths: Paths,
    /// The models as sent by INSERTs whose answer was lost, by entry index, until the row
    /// is known to have landed: a later lookup that finds one of them stored knows the
    /// INSERT landed even if the model changed since.
    sent: HashMap<usize, Vec<M>>,
}

impl<M: CrateModel> Table<M> {
    /// A table tracking nothing.
    pub fn new() -> Self {
        Table {
            entries: Vec::new(),
            identity: HashMap::new(),
            unindexed: false,
            paths: Paths::default(),
            sent: HashMap::new(),
        }
    }

    /// Every entry, by index.
    pub fn entries(&self) -> &[Entry<M>] {
        &self.entries
    }

    /// The entry at `index`.
    pub fn entry(&self, index: usize) -> Option<&Entry<M>> {
        self.entries.get(index)
    }

    /// The interned paths of recorded changes.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// Makes room for `more` entries.
    pub fn reserve(&mut self, more: usize) {
        self.entries.reserve(more);
    }

    /// Puts the rows inserted since the identity map was last looked up into it (room made
    /// once for all of them).
    fn index(&mut self) {
        if !std::mem::take(&mut self.unindexed) {
            return;
        }
        let missing = self
            .entries
            .iter()
            .filter(|e| !e.keyed && e.is_tracked())
            .count();
        self.identity.reserve(missing);
        for (index, entry) in self.entries.iter_mut().enumerate() {
            if entry.keyed || !entry.is_tracked() || matches!(entry.state(), EntryState::New(_)) {
                continue;
            }
            if let Some(k) = key_of(entry.stored_identity()) {
                self.identity.entry(k).or_insert(index);
                entry.keyed = true;
            }
        }
    }

    /// The entry tracking the row with identity key `key`, unless it was detached.
    pub fn find(&mut self, key: &str) -> Option<usize> {
        self.index();
        let &index = self.identity.get(key)?;
        let entry = self.entries.get(index)?;
        entry.is_tracked().then_some(index)
    }

    /// Stops tracking entry `index`: the session forgets its row (a later query of it gives
    /// a new entry) and does not write its pending changes; with `take`, the model is moved
    /// out and returned.
    pub fn untrack(&mut self, index: usize, take: bool) -> Option<M> {
        let entry = self.entries.get_mut(index)?;
        if std::mem::take(&mut entry.keyed) {
            if let Some(k) = key_of(entry.stored_identity()) {
                if self.identity.get(&k) == Some(&index) {
                    self.identity.remove(&k);
                }
            }
        }
        if take {
            entry.take()
        } else {
            entry.detach();
            None
        }
    }

    /// Tracks a new model, with its client-side defaults applied.
    pub fn add(&mut self, mut model: M) -> usize {
        crate::client_expr::fill_client_values(&mut model);
        self.push(model, EntryState::New(Attempt::Fresh), None, None)
    }

    /// Tracks a model known to be in the database as it is (no read), or returns the entry
    /// that already tracks the same row.
    pub fn attach(&mut self, model: M) -> usize {
        self.track_loaded(model, None)
    }

    /// Tracks a model decoded from a result row, or returns the entry that already tracks
    /// the same row (which keeps its in-session state; the decoded model is dropped).
    pub fn track_loaded(&mut self, model: M, version: Option<(i64, i64)>) -> usize {
        self.index();
        let key = key_of(&model);
        if let Some(&index) = key.as_ref().and_then(|k| self.identity.get(k)) {
            return index;
        }
        self.push(model, EntryState::Clean, version, key)
    }

    /// Tracks a model loaded from a result row of values, or returns the entry that already
    /// tracks the same row (which keeps its in-session state).
    pub fn load(
        &mut self,
        layout: &RowLayout,
        version_pos: Option<(usize, usize)>,
        row: &mut [Value],
    ) -> crate::Result<usize> {
        self.index();
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
        Ok(self.push(model, EntryState::Clean, version, key))
    }

    fn push(
        &mut self,
        model: M,
        state: EntryState<M>,
        version: Option<(i64, i64)>,
        key: Option<String>,
    ) -> usize {
        let index = self.entries.len();
        let keyed = key.is_some();
        if let Some(k) = key {
            self.identity.insert(k, index);
        }
        if index == self.entries.capacity() && index >= GROW_GENTLY_FROM {
            // Entries are large (a whole model each): past 16,384, grow by an eighth
            // instead of doubling, so a big result leaves at most 12.5% unused (a
            // reallocation this large is usually a page remap, not a copy).
            self.entries.reserve_exact(index / 8);
        }
        self.entries.push(Entry::new(model, state, version, keyed));
        index
    }

    /// Replaces the entry's model with a freshly read row (dropping pending changes).
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
            entry.reloaded(model, version);
        }
        Ok(())
    }

    /// The model, to change it in place (its database state is kept first).
    pub fn touch(&mut self, index: usize) -> Option<&mut M> {
        let entry = self.entries.get_mut(index)?;
        Some(entry.touch(&self.paths))
    }

    /// Sets column `column` (with `keys`: the value at that key path inside the OBJECT
    /// column) of entry `index`, recording the change for the next commit.
    pub fn set_path<S: AsRef<str>>(
        &mut self,
        index: usize,
        column: usize,
        keys: &[S],
        value: Value,
    ) -> crate::Result<()> {
        match self.entries.get_mut(index) {
            Some(entry) if entry.is_readable() => entry.set(column, keys, value, &mut self.paths),
            found => Err(crate::Error::Encode {
                column: M::meta()
                    .columns
                    .get(column)
                    .map_or("", |c| c.name)
                    .to_owned(),
                message: if found.is_some() {
                    "the model was taken out of the session".to_owned()
                } else {
                    "the handle is not of this session".to_owned()
                },
            }),
        }
    }

    /// Marks a model for deletion (a new model is simply dropped).
    pub fn delete(&mut self, index: usize) {
        if let Some(entry) = self.entries.get_mut(index) {
            entry.delete();
        }
    }

    /// Drops the pending changes of one entry (a new model is no longer tracked).
    pub fn expire(&mut self, index: usize) {
        if let Some(entry) = self.entries.get_mut(index) {
            entry.expire(&self.paths);
        }
    }

    /// Drops every pending change.
    pub fn rollback(&mut self) {
        for entry in &mut self.entries {
            entry.expire(&self.paths);
        }
    }

    /// An INSERT whose outcome was unknown is to be sent again by the next commit.
    pub fn resend(&mut self, index: usize) {
        if let Some(entry) = self.entries.get_mut(index) {
            entry.resend();
        }
    }

    /// A failure record for one entry.
    pub fn failure(&self, index: usize, kind: WriteKind, cause: RowFailureCause) -> RowFailure {
        let key = self
            .entries
            .get(index)
            .and_then(|e| key_of(e.stored_identity()))
            .map(|k| readable_key(&k));
        let mut failure = RowFailure::new(M::meta().model, key, kind, cause);
        failure.entry = Some(index);
        failure
    }

    /// Stores the values the server made for an inserted row (server-generated columns of
    /// `row`, laid out as `layout` says) and its version on the model.
    ///
    /// # Errors
    /// [`crate::Error::Decode`] for a returned value that does not fit its field (the other
    /// values are stored).
    pub fn store_returned(
        &mut self,
        index: usize,
        layout: &RowLayout,
        row: &mut [Value],
    ) -> crate::Result<()> {
        let Some(entry) = self.entries.get_mut(index) else {
            return Ok(());
        };
        entry.set_version(version_of(layout.version_positions(), row));
        let mut result = Ok(());
        for (i, column) in M::meta().columns.iter().enumerate() {
            if column.is_server_generated() && layout.position(i).is_some() {
                let value = layout.take(row, i);
                if let Err(e) = entry.model_mut().set_column(i, value) {
                    result = Err(e);
                }
            }
        }
        result
    }

    /// Records the version a versioned UPDATE returned.
    pub fn store_version(&mut self, index: usize, version: Option<(i64, i64)>) {
        if let Some(entry) = self.entries.get_mut(index) {
            entry.set_version(version);
        }
    }

    /// The write landed: the model's state is the database's now (a deleted model leaves
    /// the identity map; an inserted one joins it when it is next looked up).
    pub fn landed(&mut self, index: usize, kind: WriteKind) {
        self.sent.remove(&index);
        let Some(entry) = self.entries.get_mut(index) else {
            return;
        };
        if kind == WriteKind::Delete && std::mem::take(&mut entry.keyed) {
            // The key of the database state, before that state is dropped.
            if let Some(k) = key_of(entry.stored_identity()) {
                self.identity.remove(&k);
            }
        }
        entry.landed(kind == WriteKind::Delete);
        if kind != WriteKind::Delete && !entry.keyed {
            self.unindexed = true;
        }
    }

    /// Whether an UPDATE or DELETE of entry `index` was sent and its answer lost since the
    /// model last matched the database.
    pub fn write_is_unconfirmed(&self, index: usize) -> bool {
        self.entries.get(index).is_some_and(|e| e.write_unconfirmed)
    }

    /// An UPDATE or DELETE of entry `index` may have landed (its answer was lost).
    pub fn write_unconfirmed(&mut self, index: usize) {
        if let Some(entry) = self.entries.get_mut(index) {
            entry.write_unconfirmed = true;
        }
    }

    /// For versioned entries whose UPDATE or DELETE met the row changed: whether the row's
    /// `_primary_term` moved on from the version the write carried. CrateDB runs a write on a
    /// shard's primary and, when that primary fails meanwhile, again on the replica that takes
    /// over; a write that reached the replica before the failure then meets its own change
    /// and is answered as a version conflict. A new primary always has a new term, so an
    /// unchanged term proves the change was another writer's. One lookup by key per 200
    /// rows; a lookup that fails counts every row of it as moved (the write may have
    /// landed). A row no longer there counts as not moved.
    pub fn primary_terms_moved(&self, client: &Client, indices: &[usize]) -> Vec<bool> {
        let meta = M::meta();
        let identity = meta.identity_columns();
        let mut moved = vec![true; indices.len()];
        for (chunk_no, chunk) in indices.chunks(200).enumerate() {
            let keys: Vec<Vec<Value>> = chunk
                .iter()
                .filter_map(|&i| self.entries.get(i))
                .map(|e| identity_values(e.stored_identity()))
                .collect();
            if keys.len() != chunk.len() {
                continue;
            }
            let (sql, args) = crate::model_sql::select_by_columns(meta, &identity, keys);
            let Ok(response) = client.sql(&sql, &args) else {
                continue;
            };
            let layout = RowLayout::new(meta, &response.cols);
            let Some((_, term_at)) = layout.version_positions() else {
                continue;
            };
            let positions: Option<Vec<usize>> =
                identity.iter().map(|&c| layout.position(c)).collect();
            let Some(positions) = positions else {
                continue;
            };
            let terms: HashMap<String, Option<i64>> = response
                .rows
                .iter()
                .filter_map(|row| {
                    let key = identity_key(positions.iter().map(|&p| row.get(p)))?;
                    Some((key, row.get(term_at).and_then(Value::as_i64)))
                })
                .collect();
            for (k, &i) in chunk.iter().enumerate() {
                let Some(entry) = self.entries.get(i) else {
                    continue;
                };
                let base = entry.version().map(|(_, term)| term);
                let now = key_of(entry.stored_identity()).and_then(|key| terms.get(&key));
                if let Some(slot) = moved.get_mut(chunk_no * 200 + k) {
                    *slot = match now {
                        Some(term) => *term != base,
                        None => false,
                    };
                }
            }
        }
        moved
    }

    /// An INSERT of entry `index` may have landed (its answer was lost): the model as sent
    /// is kept (see [`sent_before`](Table::sent_before)).
    pub fn insert_outcome_unknown(&mut self, index: usize) {
        if let Some(entry) = self.entries.get_mut(index) {
            entry.insert_outcome_unknown();
            let sent = self.sent.entry(index).or_default();
            let model = entry.model();
            let columns = 0..M::meta().columns.len();
            if !sent
                .iter()
                .any(|s| columns.clone().all(|i| s.column_eq(model, i)))
            {
                sent.push(model.snapshot());
            }
        }
    }

    /// The models as sent by earlier INSERTs of entry `index` whose answer was lost.
    pub fn sent_before(&self, index: usize) -> &[M] {
        self.sent.get(&index).map_or(&[], Vec::as_slice)
    }

    /// An earlier INSERT of entry `index`, whose answer was lost, landed as `stored` (found
    /// by a lookup): that is its database state now, and what changed since is pending.
    pub fn landed_earlier(&mut self, index: usize, stored: M, version: Option<(i64, i64)>) {
        self.sent.remove(&index);
        if let Some(entry) = self.entries.get_mut(index) {
            entry.landed_as(stored, version);
            if !entry.keyed {
                self.unindexed = true;
            }
        }
    }
}

/// `(_seq_no, _primary_term)` from a row, when the result has them.
pub(crate) fn version_of(positions: Option<(usize, usize)>, row: &[Value]) -> Option<(i64, i64)> {
    let (s, p) = positions?;
    Some((row.get(s)?.as_i64()?, row.get(p)?.as_i64()?))
}
