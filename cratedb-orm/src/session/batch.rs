//! [`Batch`]: one request a commit sends for one table — its SQL, the entries it writes
//! and what it does ([`Work`]) — and [`BatchArgs`], which serializes its arguments straight
//! from the models, both for sending and for showing
//! ([`Session::pending_statements`](super::Session::pending_statements)).

use std::sync::Arc;

use cratedb_client::SqlError;
use serde::ser::{Serialize, SerializeSeq, Serializer};
use serde_json::Value;

use super::commit_error::WriteKind;
use super::entry::Entry;
use super::statement::{Statement, StatementArgs};
use super::table::Table;
use super::targets::Targets;
use crate::model::{ColumnValue, CrateModel};
use crate::types::WireValue;

/// The assignments of one UPDATE: `(column index, key path)` in order (an empty path
/// assigns the whole column); the shape that groups UPDATEs into one bulk request.
pub(crate) type UpdateShape = Vec<(usize, Vec<String>)>;

/// What a batch does, and so how its arguments are built and its answer read.
#[derive(Debug, Clone)]
pub(crate) enum Work {
    /// A bulk INSERT of these columns of each target.
    Insert { columns: Arc<[usize]> },
    /// One multi-row `INSERT … VALUES (…), (…) RETURNING …` of these columns of each target:
    /// the returned rows are matched to the targets by their match keys.
    InsertReturning { columns: Arc<[usize]> },
    /// A bulk UPDATE of this shape, by each target's identity.
    Update { shape: Arc<UpdateShape> },
    /// One UPDATE of this shape of one versioned target, checking and returning its version.
    VersionedUpdate { shape: Arc<UpdateShape> },
    /// A bulk DELETE by each target's identity (and version).
    Delete,
    /// `REFRESH TABLE` before the [`Work::Verify`] searches that follow it (no targets; the
    /// answer changes nothing).
    Refresh,
    /// A lookup by identity of targets whose INSERT may have landed (real time, or a search
    /// after a [`Work::Refresh`]): is the stored row the one sent (these `columns`)? If not,
    /// `otherwise` says what follows.
    Verify {
        columns: Arc<[usize]>,
        args: Vec<Value>,
        otherwise: NotAsSent,
    },
}

/// What a [`Work::Verify`] lookup that does not find a row stored as sent leaves.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NotAsSent {
    /// The duplicate key error the row met stands.
    Duplicate(SqlError),
    /// Another row under its key is a duplicate key; without one, the row is sent again
    /// alone for CrateDB's own error (a multi-row INSERT left it out without a word, or a
    /// bulk request failed it without detail beside the rows' own errors).
    Alone,
    /// Another row under its key is a duplicate key; the rows without one are sent again
    /// together, in the shape of the request they failed in (a bulk INSERT when `bulk`, else
    /// a multi-row INSERT … RETURNING): they met an internal `error` (5xxx, or a bulk row
    /// without detail), which says nothing against the row itself (CrateDB fails groups of
    /// rows that way while several nodes update a table's mapping at once, or while a node
    /// fails). Once [`MAX_RESENDS`] rounds are spent, that error is their cause.
    Again { bulk: bool, error: Option<SqlError> },
    /// Another row under its key is a duplicate key; the rows without one are sent again in
    /// two halves of the request's shape (alone when one is left), to find the row the
    /// request's `error` comes from: CrateDB answered the whole multi-row request with it
    /// (a CHECK constraint on a partitioned table, an analysis error), although other rows
    /// of it may have landed. Once the splits are spent, `error` is their cause.
    Halves { bulk: bool, error: SqlError },
}

/// A planned request of one table.
#[derive(Debug, Clone)]
pub(crate) struct Batch {
    /// The SQL text.
    pub sql: String,
    /// The entries it writes, one per argument row (or `VALUES` tuple).
    pub targets: Targets,
    /// What it does.
    pub work: Work,
    /// How many more times its rows may be split in halves to find the rows a whole-request
    /// error comes from.
    pub splits_left: u8,
    /// A row sent again alone to learn its own outcome: not sent again within the commit.
    pub alone: bool,
    /// How many more times rows of it that fail with an internal error and are then not
    /// found by key may be sent again together ([`Absent::Again`]); after that, alone.
    pub resends_left: u8,
}

/// Most times the rows of one request are split in halves after a whole-request error:
/// enough to isolate single rows of a 10,000-row request.
pub(crate) const MAX_SPLITS: u8 = 14;

/// Most times rows that failed with an internal error, and were then not found by key, are
/// sent again together within one commit (a table's mapping update races once; a failing
/// node is dropped by the cluster within a second).
pub(crate) const MAX_RESENDS: u8 = 3;

impl Batch {
    /// A batch of `targets` doing `work` with `sql`.
    pub fn new(sql: String, targets: Targets, work: Work) -> Self {
        Batch {
            sql,
            targets,
            work,
            splits_left: MAX_SPLITS,
            alone: false,
            resends_left: MAX_RESENDS,
        }
    }

    /// The write it belongs to.
    pub fn kind(&self) -> WriteKind {
        match self.work {
            Work::Insert { .. }
            | Work::InsertReturning { .. }
            | Work::Verify { .. }
            | Work::Refresh => WriteKind::Insert,
            Work::Update { .. } | Work::VersionedUpdate { .. } => WriteKind::Update,
            Work::Delete => WriteKind::Delete,
        }
    }

    /// Whether it is a bulk request (`bulk_args`, one result per row).
    pub fn is_bulk(&self) -> bool {
        matches!(
            self.work,
            Work::Insert { .. } | Work::Update { .. } | Work::Delete
        )
    }

    /// The statement it sends, with its arguments as values (for display).
    pub fn statement<M: CrateModel>(&self, table: &Table<M>) -> Statement {
        let args = serde_json::to_value(BatchArgs { table, batch: self });
        let list = match args {
            Ok(Value::Array(list)) => list,
            _ => Vec::new(),
        };
        let args = if self.is_bulk() {
            StatementArgs::Bulk(
                list.into_iter()
                    .map(|row| match row {
                        Value::Array(values) => values,
                        other => vec![other],
                    })
                    .collect(),
            )
        } else {
            StatementArgs::Single(list)
        };
        Statement {
            sql: self.sql.clone(),
            args,
            rows: self.targets.len(),
        }
    }
}

/// The arguments of a batch, serialized straight from the target models when it is sent:
/// `bulk_args` (an array per row) for a bulk request, `args` otherwise.
pub(crate) struct BatchArgs<'a, M> {
    /// The batch's table.
    pub table: &'a Table<M>,
    /// The batch.
    pub batch: &'a Batch,
}

impl<M: CrateModel> Serialize for BatchArgs<'_, M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let entries = self
            .batch
            .targets
            .iter()
            .filter_map(|t| self.table.entry(t));
        // The key an UPDATE or DELETE finds its row by (see `model_sql::write_identity_where`).
        let ids = M::meta().row_key_columns();
        let versioned = M::meta().versioned;
        match &self.batch.work {
            Work::Insert { columns } => serializer.collect_seq(entries.map(|e| Row {
                entry: e,
                part: Part::Columns(columns),
                ids: &ids,
                version: false,
            })),
            Work::Update { shape } => serializer.collect_seq(entries.map(|e| Row {
                entry: e,
                part: Part::Shape(shape),
                ids: &ids,
                version: false,
            })),
            Work::Delete => serializer.collect_seq(entries.map(|e| Row {
                entry: e,
                part: Part::Identity,
                ids: &ids,
                version: versioned,
            })),
            Work::InsertReturning { columns } => {
                let mut seq =
                    serializer.serialize_seq(Some(self.batch.targets.len() * columns.len()))?;
                for entry in entries {
                    for &index in columns.iter() {
                        seq.serialize_element(&ColumnValue {
                            model: entry.model(),
                            index,
                        })?;
                    }
                }
                seq.end()
            }
            Work::VersionedUpdate { shape } => {
                let mut seq = serializer.serialize_seq(None)?;
                for entry in entries {
                    Row {
                        entry,
                        part: Part::Shape(shape),
                        ids: &ids,
                        version: true,
                    }
                    .elements(&mut seq)?;
                }
                seq.end()
            }
            Work::Verify { args, .. } => args.serialize(serializer),
            Work::Refresh => serializer.serialize_seq(Some(0))?.end(),
        }
    }
}

/// What a row's arguments start with.
enum Part<'a> {
    /// These columns' values.
    Columns(&'a [usize]),
    /// The value at each assignment's path, then the identity.
    Shape(&'a UpdateShape),
    /// Only the identity.
    Identity,
}

/// One argument row: its [`Part`], the identity values of the entry's stored identity
/// (unless the part is `Columns`), and `_seq_no`, `_primary_term` when `version`.
struct Row<'a, M> {
    entry: &'a Entry<M>,
    part: Part<'a>,
    ids: &'a [usize],
    version: bool,
}

impl<M: CrateModel> Row<'_, M> {
    fn elements<S: SerializeSeq>(&self, seq: &mut S) -> Result<(), S::Error> {
        let model = self.entry.model();
        match self.part {
            Part::Columns(columns) => {
                for &index in columns {
                    seq.serialize_element(&ColumnValue { model, index })?;
                }
                return Ok(());
            }
            Part::Shape(shape) => {
                for (column, keys) in shape {
                    if keys.is_empty() {
                        seq.serialize_element(&ColumnValue {
                            model,
                            index: *column,
                        })?;
                    } else {
                        seq.serialize_element(&key_value_at(model, *column, keys))?;
                    }
                }
            }
            Part::Identity => {}
        }
        let stored = self.entry.stored_identity();
        for &index in self.ids {
            seq.serialize_element(&ColumnValue {
                model: stored,
                index,
            })?;
        }
        if self.version {
            // A model without a known version cannot match any row: it is reported stale.
            let (seq_no, term) = self.entry.version().unwrap_or((-1, -1));
            seq.serialize_element(&seq_no)?;
            seq.serialize_element(&term)?;
        }
        Ok(())
    }
}

impl<M: CrateModel> Serialize for Row<'_, M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        self.elements(&mut seq)?;
        seq.end()
    }
}

/// The value at a non-empty key path inside OBJECT column `column` (`None`, sent as `null`,
/// for a missing key: CrateDB sets the key to NULL).
pub(crate) fn key_value_at<'m, M: CrateModel>(
    model: &'m M,
    column: usize,
    keys: &[String],
) -> Option<WireValue<'m>> {
    model.column_object_ref(column)?.wire_value_at(keys)
}

/// The values of key columns `columns` of each target's stored identity, in order.
pub(crate) fn target_keys<M: CrateModel>(
    table: &Table<M>,
    targets: &Targets,
    columns: &[usize],
) -> Vec<Vec<Value>> {
    targets
        .iter()
        .filter_map(|t| table.entry(t))
        .map(|e| {
            let model = e.stored_identity();
            columns.iter().map(|&i| model.column_value(i)).collect()
        })
        .collect()
}
