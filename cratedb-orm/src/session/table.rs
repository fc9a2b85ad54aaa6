//! The models of one type tracked by a session: their states, snapshots and identity map,
//! how their pending writes are planned, and how the server's answers are applied.

use std::any::Any;
use std::collections::HashMap;

use cratedb_client::{BulkResponse, SqlResponse};
use serde_json::Value;

use super::commit_error::{RowFailure, RowFailureCause, WriteKind};
use super::diff::diff_columns;
use super::key::identity_key;
use super::statement::{Statement, StatementArgs};
use crate::model::{CrateModel, RowLayout, TableMeta};
use crate::sql::SqlWriter;

/// Limits that shape the requests of a commit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Most rows in one bulk request or one multi-row INSERT.
    pub batch_size: usize,
    /// Longest statement text of a multi-row INSERT (CrateDB's `statement_max_length` is
    /// 262144 by default).
    pub max_statement_len: usize,
}

/// Where a tracked model stands relative to the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Added, not inserted yet.
    New,
    /// In the database; the snapshot is its last known state there.
    Persistent,
    /// In the database and marked for deletion.
    Deleted,
    /// No longer tracked (deleted, or a new model rolled back); still readable.
    Detached,
}

pub(crate) struct Entry<M> {
    pub model: M,
    pub state: State,
    /// Last state known to be in the database (wire values in column order).
    pub snapshot: Option<Vec<Value>>,
    /// `(_seq_no, _primary_term)` for versioned models.
    pub version: Option<(i64, i64)>,
    /// The key under which the entry is in the identity map.
    pub key: Option<String>,
}

/// How a batch's answer maps back to its rows.
#[derive(Debug, Clone)]
pub(crate) enum Shape {
    /// A bulk request: one result per row.
    Bulk,
    /// A multi-row INSERT … RETURNING: rows are matched back by identity or content.
    InsertReturning { columns: Vec<usize> },
    /// A single versioned UPDATE/DELETE … RETURNING "_seq_no", "_primary_term".
    Versioned,
}

/// A planned request of one table.
pub(crate) struct Batch {
    pub table: usize,
    pub kind: WriteKind,
    pub statement: Statement,
    pub shape: Shape,
    /// Entry index per row.
    pub targets: Vec<usize>,
    /// The state each row leaves in the database when it lands (the new snapshot).
    pub snapshots: Vec<Vec<Value>>,
}

/// What the server answered to a batch.
pub(crate) enum Outcome {
    Sql(SqlResponse),
    Bulk(BulkResponse),
    /// The whole request failed with an SQL error (e.g. an analysis error).
    SqlError(cratedb_client::SqlError),
    Failed,
    NotAttempted,
}

/// The running tally of a commit.
#[derive(Default)]
pub(crate) struct Report {
    pub written: usize,
    pub failures: Vec<RowFailure>,
}

/// Type-erased access to a [`Table`], so a session can hold tables of every model type.
pub(crate) trait ErasedTable: Send {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn plan(&self, table: usize, limits: Limits, out: &mut Vec<Batch>, report: &mut Report);
    fn apply(&mut self, batch: Batch, outcome: Outcome, report: &mut Report);
    fn rollback(&mut self) -> crate::Result<()>;
}

/// Rows of one statement shape, collected while planning.
#[derive(Default)]
struct Group {
    targets: Vec<usize>,
    snapshots: Vec<Vec<Value>>,
    rows: Vec<Vec<Value>>,
}

/// Groups in first-seen order, keyed by statement shape.
struct Groups<K> {
    groups: Vec<(K, Group)>,
    index: HashMap<K, usize>,
}

impl<K: std::hash::Hash + Eq + Clone> Groups<K> {
    fn new() -> Self {
        Groups {
            groups: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// The group of `key`, created empty on first use.
    fn of(&mut self, key: K) -> &mut Group {
        let g = match self.index.get(&key) {
            Some(&g) => g,
            None => {
                self.index.insert(key.clone(), self.groups.len());
                self.groups.push((key, Group::default()));
                self.groups.len() - 1
            }
        };
        &mut self.groups[g].1
    }
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

    /// The identity key of `values` (a full snapshot), if every identity value is known.
    pub fn key_of(values: &[Value]) -> Option<String> {
        let meta = M::meta();
        let idx = meta.identity_columns();
        if idx.is_empty() {
            return None;
        }
        identity_key(idx.iter().map(|&i| values.get(i).unwrap_or(&Value::Null)))
    }

    /// Tracks a new model.
    pub fn add(&mut self, mut model: M) -> usize {
        model.apply_defaults();
        self.entries.push(Entry {
            model,
            state: State::New,
            snapshot: None,
            version: None,
            key: None,
        });
        self.entries.len() - 1
    }

    /// Tracks a model known to be in the database as it is (no read), or returns the entry
    /// that already tracks the same row.
    pub fn attach(&mut self, model: M) -> usize {
        let snapshot = model.to_values();
        let key = Self::key_of(&snapshot);
        if let Some(&index) = key.as_ref().and_then(|k| self.identity.get(k)) {
            return index;
        }
        let index = self.entries.len();
        if let Some(k) = &key {
            self.identity.insert(k.clone(), index);
        }
        self.entries.push(Entry {
            model,
            state: State::Persistent,
            snapshot: Some(snapshot),
            version: None,
            key,
        });
        index
    }

    /// Tracks a model loaded from the database, or returns the entry that already tracks
    /// the same row (which keeps its in-session state).
    pub fn load(
        &mut self,
        layout: &RowLayout,
        version_pos: Option<(usize, usize)>,
        row: &mut [Value],
    ) -> crate::Result<usize> {
        let meta = M::meta();
        let ids = meta.identity_columns();
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
        let version =
            version_pos.and_then(|(s, p)| Some((row.get(s)?.as_i64()?, row.get(p)?.as_i64()?)));
        let model = M::from_row(layout, row)?;
        let snapshot = model.to_values();
        let index = self.entries.len();
        if let Some(k) = &key {
            self.identity.insert(k.clone(), index);
        }
        self.entries.push(Entry {
            model,
            state: State::Persistent,
            snapshot: Some(snapshot),
            version,
            key,
        });
        Ok(index)
    }

    /// Replaces the entry's database state with a freshly read row.
    pub fn reload(
        &mut self,
        index: usize,
        layout: &RowLayout,
        version_pos: Option<(usize, usize)>,
        row: &mut [Value],
    ) -> crate::Result<()> {
        let version =
            version_pos.and_then(|(s, p)| Some((row.get(s)?.as_i64()?, row.get(p)?.as_i64()?)));
        let model = M::from_row(layout, row)?;
        if let Some(entry) = self.entries.get_mut(index) {
            entry.snapshot = Some(model.to_values());
            entry.model = model;
            entry.version = version;
            entry.state = State::Persistent;
        }
        Ok(())
    }

    /// Restores one entry to its last known database state.
    pub fn expire(&mut self, index: usize) -> crate::Result<()> {
        let Some(entry) = self.entries.get_mut(index) else {
            return Ok(());
        };
        match entry.state {
            State::New => {
                entry.state = State::Detached;
            }
            State::Persistent | State::Deleted => {
                if let Some(snapshot) = &entry.snapshot {
                    let mut row = snapshot.clone();
                    entry.model = M::from_row(&RowLayout::identity(M::meta()), &mut row)?;
                }
                entry.state = State::Persistent;
            }
            State::Detached => {}
        }
        Ok(())
    }

    fn failure(&self, index: usize, kind: WriteKind, cause: RowFailureCause) -> RowFailure {
        let key = self
            .entries
            .get(index)
            .and_then(|e| e.key.clone().or_else(|| Self::key_of(&e.model.to_values())));
        RowFailure {
            model: M::meta().model,
            key,
            kind,
            cause,
        }
    }

    fn plan_inserts(&self, table: usize, limits: Limits, out: &mut Vec<Batch>) {
        let meta = M::meta();
        // Values only the server knows must be read back: always-server-made columns
        // (fetched, generated), and server defaults a row leaves out.
        let server_made = meta.versioned || meta.columns.iter().any(|c| c.is_read_only());
        // Group new models by the set of columns they insert.
        let mut groups: Groups<Vec<usize>> = Groups::new();
        for (index, entry) in self.entries.iter().enumerate() {
            if entry.state != State::New {
                continue;
            }
            let values = entry.model.to_values();
            let columns: Vec<usize> = meta
                .columns
                .iter()
                .enumerate()
                .filter(|(i, c)| {
                    let server_fills =
                        c.server_default.is_some() && values.get(*i).is_none_or(Value::is_null);
                    !(c.is_read_only() || server_fills)
                })
                .map(|(i, _)| i)
                .collect();
            let group = groups.of(columns);
            group.targets.push(index);
            group.snapshots.push(values);
        }
        for (
            columns,
            Group {
                targets, snapshots, ..
            },
        ) in groups.groups
        {
            let defaults_left_out = meta
                .columns
                .iter()
                .enumerate()
                .any(|(i, c)| c.server_default.is_some() && !columns.contains(&i));
            if server_made || defaults_left_out {
                plan_insert_returning(meta, table, limits, columns, targets, snapshots, out);
            } else {
                let sql = insert_head(meta, &columns, |w, n| {
                    w.push("(");
                    for k in 0..n {
                        if k > 0 {
                            w.push(", ");
                        }
                        w.placeholder(k + 1);
                    }
                    w.push(")");
                });
                push_bulk(
                    out,
                    table,
                    WriteKind::Insert,
                    sql,
                    limits,
                    targets,
                    snapshots,
                    |s| {
                        columns
                            .iter()
                            .map(|&i| s.get(i).cloned().unwrap_or(Value::Null))
                            .collect()
                    },
                );
            }
        }
    }

    fn plan_updates(
        &self,
        table: usize,
        limits: Limits,
        out: &mut Vec<Batch>,
        report: &mut Report,
    ) {
        let meta = M::meta();
        let ids = meta.identity_columns();
        // Same SQL text → one bulk request.
        let mut groups: Groups<String> = Groups::new();
        for (index, entry) in self.entries.iter().enumerate() {
            if entry.state != State::Persistent {
                continue;
            }
            let Some(old) = &entry.snapshot else { continue };
            let new = entry.model.to_values();
            if &new == old {
                continue;
            }
            let assignments = diff_columns(meta, old, &new);
            if assignments.is_empty() {
                continue;
            }
            if let Some(a) = assignments
                .iter()
                .find(|a| meta.columns.get(a.column).is_some_and(|c| c.primary_key))
            {
                let name = meta.columns.get(a.column).map_or("?", |c| c.name);
                report.failures.push(self.failure(
                    index,
                    WriteKind::Update,
                    RowFailureCause::Invalid(format!(
                        "primary-key column {name:?} cannot be updated (delete and re-add the row)"
                    )),
                ));
                continue;
            }
            let mut w = SqlWriter::new();
            w.push("UPDATE ").push(&meta.qualified_name()).push(" SET ");
            let mut args = Vec::with_capacity(assignments.len() + ids.len() + 2);
            for (k, a) in assignments.into_iter().enumerate() {
                if k > 0 {
                    w.push(", ");
                }
                let name = meta.columns.get(a.column).map_or("", |c| c.name);
                w.subscripted(name, &a.path).push(" = ");
                args.push(a.value);
                w.placeholder(args.len());
            }
            w.push(" WHERE ");
            for (k, &i) in ids.iter().enumerate() {
                if k > 0 {
                    w.push(" AND ");
                }
                w.ident(meta.columns.get(i).map_or("", |c| c.name))
                    .push(" = ");
                args.push(old.get(i).cloned().unwrap_or(Value::Null));
                w.placeholder(args.len());
            }
            if meta.versioned {
                let (seq, term) = entry.version.unwrap_or((-1, -1));
                w.push(" AND \"_seq_no\" = ");
                args.push(Value::from(seq));
                w.placeholder(args.len());
                w.push(" AND \"_primary_term\" = ");
                args.push(Value::from(term));
                w.placeholder(args.len());
                w.push(" RETURNING \"_seq_no\", \"_primary_term\"");
                out.push(Batch {
                    table,
                    kind: WriteKind::Update,
                    statement: Statement {
                        sql: w.sql().to_string(),
                        args: StatementArgs::Single(args),
                        rows: 1,
                    },
                    shape: Shape::Versioned,
                    targets: vec![index],
                    snapshots: vec![new],
                });
                continue;
            }
            let sql = w.sql().to_string();
            let group = groups.of(sql);
            group.targets.push(index);
            group.snapshots.push(new);
            group.rows.push(args);
        }
        for (
            sql,
            Group {
                targets,
                snapshots,
                rows,
            },
        ) in groups.groups
        {
            let mut rows = rows.into_iter();
            push_bulk(
                out,
                table,
                WriteKind::Update,
                sql,
                limits,
                targets,
                snapshots,
                |_| rows.next().unwrap_or_default(),
            );
        }
    }

    fn plan_deletes(&self, table: usize, limits: Limits, out: &mut Vec<Batch>) {
        let meta = M::meta();
        let ids = meta.identity_columns();
        let mut targets = Vec::new();
        let mut snapshots = Vec::new();
        let mut rows = Vec::new();
        for (index, entry) in self.entries.iter().enumerate() {
            if entry.state != State::Deleted {
                continue;
            }
            let Some(old) = &entry.snapshot else { continue };
            let mut args: Vec<Value> = ids
                .iter()
                .map(|&i| old.get(i).cloned().unwrap_or(Value::Null))
                .collect();
            if meta.versioned {
                let (seq, term) = entry.version.unwrap_or((-1, -1));
                args.push(Value::from(seq));
                args.push(Value::from(term));
            }
            targets.push(index);
            snapshots.push(Vec::new());
            rows.push(args);
        }
        if targets.is_empty() {
            return;
        }
        let mut w = SqlWriter::new();
        w.push("DELETE FROM ")
            .push(&meta.qualified_name())
            .push(" WHERE ");
        for (k, &i) in ids.iter().enumerate() {
            if k > 0 {
                w.push(" AND ");
            }
            w.ident(meta.columns.get(i).map_or("", |c| c.name))
                .push(" = ")
                .placeholder(k + 1);
        }
        if meta.versioned {
            w.push(" AND \"_seq_no\" = ")
                .placeholder(ids.len() + 1)
                .push(" AND \"_primary_term\" = ")
                .placeholder(ids.len() + 2);
        }
        let mut rows = rows.into_iter();
        push_bulk(
            out,
            table,
            WriteKind::Delete,
            w.sql().to_string(),
            limits,
            targets,
            snapshots,
            |_| rows.next().unwrap_or_default(),
        );
    }

    /// Marks a row as written: new snapshot, state, identity.
    fn landed(&mut self, index: usize, kind: WriteKind, snapshot: Vec<Value>, report: &mut Report) {
        report.written += 1;
        let Some(entry) = self.entries.get_mut(index) else {
            return;
        };
        match kind {
            WriteKind::Delete => {
                entry.state = State::Detached;
                entry.snapshot = None;
                if let Some(k) = entry.key.take() {
                    self.identity.remove(&k);
                }
            }
            WriteKind::Insert | WriteKind::Update => {
                entry.state = State::Persistent;
                if entry.key.is_none() {
                    if let Some(k) = Self::key_of(&snapshot) {
                        self.identity.entry(k.clone()).or_insert(index);
                        entry.key = Some(k);
                    }
                }
                entry.snapshot = Some(snapshot);
            }
        }
    }

    fn apply_bulk(&mut self, batch: Batch, response: BulkResponse, report: &mut Report) {
        let meta = M::meta();
        if response.results.len() != batch.targets.len() {
            for &index in &batch.targets {
                report.failures.push(self.failure(
                    index,
                    batch.kind,
                    RowFailureCause::Invalid(format!(
                        "the server answered {} results for {} rows; outcome unknown",
                        response.results.len(),
                        batch.targets.len()
                    )),
                ));
            }
            return;
        }
        for ((index, snapshot), result) in batch
            .targets
            .into_iter()
            .zip(batch.snapshots)
            .zip(response.results)
        {
            let cause = if !result.is_ok() {
                Some(match result.error {
                    Some(e) => RowFailureCause::Sql(e),
                    None => RowFailureCause::Failed,
                })
            } else if result.rowcount == 0 && batch.kind != WriteKind::Insert {
                if meta.versioned {
                    Some(RowFailureCause::Stale)
                } else if batch.kind == WriteKind::Update {
                    Some(RowFailureCause::NotFound)
                } else {
                    None // deleting a row that is gone already is done
                }
            } else {
                None
            };
            match cause {
                Some(cause) => report.failures.push(self.failure(index, batch.kind, cause)),
                None => self.landed(index, batch.kind, snapshot, report),
            }
        }
    }

    fn apply_insert_returning(
        &mut self,
        batch: Batch,
        columns: &[usize],
        response: SqlResponse,
        report: &mut Report,
    ) {
        let meta = M::meta();
        let layout = RowLayout::new(meta, &response.cols);
        let version_pos = version_positions(&response.cols);
        let ids = meta.identity_columns();
        let ids_sent = !ids.is_empty() && ids.iter().all(|i| columns.contains(i));
        // Match each returned row to a sent row: by identity when the client sent it,
        // else by the inserted values, else in order.
        let sent_key = |snapshot: &[Value]| -> Option<String> {
            if ids_sent {
                identity_key(ids.iter().map(|&i| snapshot.get(i).unwrap_or(&Value::Null)))
            } else {
                Some(content_key(columns.iter().map(|&i| snapshot.get(i))))
            }
        };
        let mut waiting: HashMap<String, Vec<usize>> = HashMap::new();
        for (k, snapshot) in batch.snapshots.iter().enumerate().rev() {
            if let Some(key) = sent_key(snapshot) {
                waiting.entry(key).or_default().push(k);
            }
        }
        let mut matched: Vec<Option<Vec<Value>>> = vec![None; batch.targets.len()];
        let mut unmatched_rows = Vec::new();
        for mut row in response.rows {
            let got = |i: &usize| layout.position(*i).and_then(|p| row.get(p));
            let key = if ids_sent {
                identity_key(ids.iter().map(|i| got(i).unwrap_or(&Value::Null)))
            } else {
                Some(content_key(columns.iter().map(got)))
            };
            let slot = key.and_then(|k| waiting.get_mut(&k)).and_then(|v| v.pop());
            match slot.and_then(|k| matched.get_mut(k)) {
                Some(m) => *m = Some(std::mem::take(&mut row)),
                // Only a complete row without a matching identity may be paired in order.
                None if !ids_sent && row.len() == response.cols.len() && !row.is_empty() => {
                    unmatched_rows.push(row)
                }
                None => {}
            }
        }
        // Rows that could not be matched by value (e.g. values the server normalised) are
        // paired with the unmatched sent rows in order.
        let mut extra = unmatched_rows.into_iter();
        for m in matched.iter_mut() {
            if m.is_none() {
                *m = extra.next();
            }
        }
        for ((index, _snapshot), row) in batch.targets.into_iter().zip(batch.snapshots).zip(matched)
        {
            let Some(mut row) = row else {
                report.failures.push(self.failure(
                    index,
                    WriteKind::Insert,
                    RowFailureCause::Skipped,
                ));
                continue;
            };
            let version =
                version_pos.and_then(|(s, p)| Some((row.get(s)?.as_i64()?, row.get(p)?.as_i64()?)));
            let mut err = None;
            if let Some(entry) = self.entries.get_mut(index) {
                for (i, column) in meta.columns.iter().enumerate() {
                    if column.is_server_generated() && layout.position(i).is_some() {
                        let value = layout.take(&mut row, i);
                        if let Err(e) = entry.model.set_column(i, value) {
                            err = Some(e);
                        }
                    }
                }
                entry.version = version;
            }
            if let Some(e) = err {
                report.failures.push(self.failure(
                    index,
                    WriteKind::Insert,
                    RowFailureCause::Invalid(format!(
                        "inserted, but a returned value did not decode: {e}"
                    )),
                ));
                // The row is in the database: track it as persistent so it is not inserted twice.
                report.written += 1;
                if let Some(entry) = self.entries.get_mut(index) {
                    entry.state = State::Persistent;
                    entry.snapshot = Some(entry.model.to_values());
                }
                continue;
            }
            let snapshot = self
                .entries
                .get(index)
                .map(|e| e.model.to_values())
                .unwrap_or_default();
            self.landed(index, WriteKind::Insert, snapshot, report);
        }
    }

    fn apply_versioned(&mut self, batch: Batch, response: SqlResponse, report: &mut Report) {
        let version_pos = version_positions(&response.cols);
        for (index, snapshot) in batch.targets.into_iter().zip(batch.snapshots) {
            let row = response.rows.first();
            let version = row.and_then(|row| {
                let (s, p) = version_pos?;
                Some((row.get(s)?.as_i64()?, row.get(p)?.as_i64()?))
            });
            if response.rowcount < 1 || row.is_none() {
                report
                    .failures
                    .push(self.failure(index, batch.kind, RowFailureCause::Stale));
                continue;
            }
            if let Some(entry) = self.entries.get_mut(index) {
                entry.version = version;
            }
            self.landed(index, batch.kind, snapshot, report);
        }
    }
}

/// `(position of "_seq_no", position of "_primary_term")` in a result, when both are there.
pub(crate) fn version_positions(cols: &[String]) -> Option<(usize, usize)> {
    let s = cols.iter().position(|c| c == "_seq_no")?;
    let p = cols.iter().position(|c| c == "_primary_term")?;
    Some((s, p))
}

fn content_key<'a>(values: impl Iterator<Item = Option<&'a Value>>) -> String {
    let mut key = String::new();
    for v in values {
        key.push_str(&v.unwrap_or(&Value::Null).to_string());
        key.push('\u{1f}');
    }
    key
}

/// `INSERT INTO "t" ("a", "b") VALUES ` followed by what `values` writes.
fn insert_head(
    meta: &TableMeta,
    columns: &[usize],
    values: impl FnOnce(&mut SqlWriter, usize),
) -> String {
    let mut w = SqlWriter::new();
    w.push("INSERT INTO ")
        .push(&meta.qualified_name())
        .push(" (");
    for (k, &i) in columns.iter().enumerate() {
        if k > 0 {
            w.push(", ");
        }
        w.ident(meta.columns.get(i).map_or("", |c| c.name));
    }
    w.push(") VALUES ");
    values(&mut w, columns.len());
    w.sql().to_string()
}

#[allow(clippy::too_many_arguments)]
fn push_bulk(
    out: &mut Vec<Batch>,
    table: usize,
    kind: WriteKind,
    sql: String,
    limits: Limits,
    targets: Vec<usize>,
    snapshots: Vec<Vec<Value>>,
    mut args_of: impl FnMut(&[Value]) -> Vec<Value>,
) {
    let size = limits.batch_size.max(1);
    let mut targets = targets.into_iter();
    let mut snapshots = snapshots.into_iter().peekable();
    while snapshots.peek().is_some() {
        let snaps: Vec<Vec<Value>> = snapshots.by_ref().take(size).collect();
        let rows = snaps.iter().map(|s| args_of(s)).collect();
        out.push(Batch {
            table,
            kind,
            statement: Statement {
                sql: sql.clone(),
                args: StatementArgs::Bulk(rows),
                rows: snaps.len(),
            },
            shape: Shape::Bulk,
            targets: targets.by_ref().take(snaps.len()).collect(),
            snapshots: snaps,
        });
    }
}

/// Multi-row `INSERT … VALUES (…), (…) RETURNING …`, chunked under the statement length and
/// batch size limits.
fn plan_insert_returning(
    meta: &TableMeta,
    table: usize,
    limits: Limits,
    columns: Vec<usize>,
    targets: Vec<usize>,
    snapshots: Vec<Vec<Value>>,
    out: &mut Vec<Batch>,
) {
    let mut returning = String::from(" RETURNING ");
    for (k, c) in meta.columns.iter().enumerate() {
        if k > 0 {
            returning.push_str(", ");
        }
        crate::sql::write_ident(&mut returning, c.name);
    }
    if meta.versioned {
        returning.push_str(", \"_seq_no\", \"_primary_term\"");
    }
    let head = insert_head(meta, &columns, |_, _| {});
    let n = columns.len();
    let mut targets = targets.into_iter();
    let mut snapshots = snapshots.into_iter().peekable();
    while snapshots.peek().is_some() {
        let mut w = SqlWriter::new();
        w.push(&head);
        let mut args = Vec::new();
        let mut snaps = Vec::new();
        let mut rows = 0;
        while let Some(snapshot) = snapshots.peek() {
            // Room for this row's placeholders and the RETURNING clause?
            let row_len = n * (3 + digits(args.len() + n)) + 4;
            if rows > 0
                && (rows >= limits.batch_size
                    || w.sql().len() + row_len + returning.len() > limits.max_statement_len)
            {
                break;
            }
            if rows > 0 {
                w.push(", ");
            }
            w.push("(");
            for (k, &i) in columns.iter().enumerate() {
                if k > 0 {
                    w.push(", ");
                }
                args.push(snapshot.get(i).cloned().unwrap_or(Value::Null));
                w.placeholder(args.len());
            }
            w.push(")");
            rows += 1;
            if let Some(s) = snapshots.next() {
                snaps.push(s);
            }
        }
        w.push(&returning);
        out.push(Batch {
            table,
            kind: WriteKind::Insert,
            statement: Statement {
                sql: w.sql().to_string(),
                args: StatementArgs::Single(args),
                rows: snaps.len(),
            },
            shape: Shape::InsertReturning {
                columns: columns.clone(),
            },
            targets: targets.by_ref().take(snaps.len()).collect(),
            snapshots: snaps,
        });
    }
}

fn digits(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
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
        match (outcome, batch.shape.clone()) {
            (Outcome::Bulk(response), _) => self.apply_bulk(batch, response, report),
            (Outcome::Sql(response), Shape::InsertReturning { columns }) => {
                self.apply_insert_returning(batch, &columns, response, report)
            }
            (Outcome::Sql(response), _) => self.apply_versioned(batch, response, report),
            (Outcome::SqlError(e), _) => {
                for &index in &batch.targets {
                    let f = self.failure(index, batch.kind, RowFailureCause::Sql(e.clone()));
                    report.failures.push(f);
                }
            }
            (Outcome::Failed, _) => {
                for &index in &batch.targets {
                    let f = self.failure(index, batch.kind, RowFailureCause::RequestFailed);
                    report.failures.push(f);
                }
            }
            (Outcome::NotAttempted, _) => {
                for &index in &batch.targets {
                    let f = self.failure(index, batch.kind, RowFailureCause::NotAttempted);
                    report.failures.push(f);
                }
            }
        }
    }

    fn rollback(&mut self) -> crate::Result<()> {
        for index in 0..self.entries.len() {
            self.expire(index)?;
        }
        Ok(())
    }
}
