//! Planning a commit: the requests that write the pending changes of one table, grouped so
//! that rows of the same statement shape travel in one request.

use std::collections::HashMap;
use std::hash::Hash;

use serde_json::Value;

use super::apply::Report;
use super::commit_error::{RowFailure, RowFailureCause, WriteKind};
use super::diff::{diff_object_texts, diff_objects};
use super::recorded::Recorded;
use super::statement::{Statement, StatementArgs};
use super::table::{identity_values, State, Table};
use crate::model::{CrateModel, TableMeta};
use crate::model_sql;
use crate::types::SqlType;
use crate::types::WireValue;

/// Limits that shape the requests of a commit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Most rows in one bulk request or one multi-row INSERT.
    pub batch_size: usize,
    /// Longest statement text of a multi-row INSERT (CrateDB's `statement_max_length` is
    /// 262144 by default).
    pub max_statement_len: usize,
}

/// How a batch's answer maps back to its rows.
#[derive(Debug, Clone)]
pub(crate) enum Shape {
    /// A bulk request: one result per row.
    Bulk,
    /// A multi-row INSERT … RETURNING of these columns: rows are matched back by identity or
    /// content.
    InsertReturning { columns: Vec<usize> },
    /// A single versioned UPDATE … RETURNING "_seq_no", "_primary_term".
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
    /// For a bulk INSERT or UPDATE: what is serialized straight from the target models when
    /// the request is sent (the statement's `args` stay empty until then).
    pub from_models: Option<FromModels>,
}

/// The argument rows of a bulk request, taken from the target models at send time.
#[derive(Debug, Clone)]
pub(crate) enum FromModels {
    /// An INSERT: these columns' values.
    Insert(Vec<usize>),
    /// An UPDATE: the value at each assignment's path in the model, then the identity
    /// values of the model's database state.
    Update(UpdateShape),
}

/// Rows of one statement shape, collected while planning.
#[derive(Default)]
struct Group {
    targets: Vec<usize>,
}

/// Groups in first-seen order, keyed by statement shape.
struct Groups<K> {
    groups: Vec<(K, Group)>,
    index: HashMap<K, usize>,
}

impl<K: Hash + Eq + Clone> Groups<K> {
    fn new() -> Self {
        Groups {
            groups: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// The group of `key`, created empty on first use.
    fn of(&mut self, key: K) -> &mut Group {
        let g = self.index_of(key);
        self.at(g)
    }

    /// The index of the group of `key`, created empty on first use.
    fn index_of(&mut self, key: K) -> usize {
        match self.index.get(&key) {
            Some(&g) => g,
            None => {
                self.index.insert(key.clone(), self.groups.len());
                self.groups.push((key, Group::default()));
                self.groups.len() - 1
            }
        }
    }

    /// The group at `g` (an index from [`index_of`](Groups::index_of)).
    fn at(&mut self, g: usize) -> &mut Group {
        &mut self.groups[g].1
    }

    /// The key of the group at `g`.
    fn shape(&self, g: usize) -> &K {
        &self.groups[g].0
    }
}

/// The assignments of one UPDATE: `(column index, subscript path)` in order; the shape that
/// groups UPDATEs into one bulk request.
pub(crate) type UpdateShape = Vec<(usize, Vec<String>)>;

impl<M: CrateModel> Table<M> {
    /// New models: one bulk INSERT per column set, or multi-row INSERT … RETURNING when the
    /// server makes values the model must read back.
    pub(crate) fn plan_inserts(&self, table: usize, limits: Limits, out: &mut Vec<Batch>) {
        let meta = M::meta();
        let writable: Vec<usize> = (0..meta.columns.len())
            .filter(|&i| meta.columns.get(i).is_some_and(|c| !c.is_read_only()))
            .collect();
        let defaults: Vec<usize> = writable
            .iter()
            .copied()
            .filter(|&i| {
                meta.columns
                    .get(i)
                    .is_some_and(|c| c.server_default.is_some())
            })
            .collect();
        let new = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.state == State::New);
        // A NULL in a server-default column is left out, so the server fills it in: group the
        // rows by the columns they insert.
        let mut groups: Groups<Vec<usize>> = Groups::new();
        if defaults.is_empty() {
            let group = groups.of(writable.clone());
            group.targets.extend(new.map(|(index, _)| index));
        } else {
            for (index, entry) in new {
                let columns = writable
                    .iter()
                    .copied()
                    .filter(|&i| !(defaults.contains(&i) && entry.model.column_value(i).is_null()))
                    .collect();
                groups.of(columns).targets.push(index);
            }
        }
        let server_made = meta.versioned || meta.columns.iter().any(|c| c.is_read_only());
        for (columns, Group { targets, .. }) in groups.groups {
            if targets.is_empty() {
                continue;
            }
            let defaults_left_out = defaults.iter().any(|i| !columns.contains(i));
            if server_made || defaults_left_out {
                let rows = targets
                    .iter()
                    .filter_map(|&t| self.entries.get(t))
                    .map(|e| columns.iter().map(|&i| e.model.column_value(i)).collect())
                    .collect();
                plan_insert_returning(meta, table, limits, columns, targets, rows, out);
            } else {
                let sql = crate::model_sql::bulk_insert_sql(meta, &columns);
                let sql = sql.sql();
                let from_models = FromModels::Insert(columns.clone());
                push_from_models(
                    out,
                    table,
                    WriteKind::Insert,
                    sql,
                    limits,
                    &targets,
                    &from_models,
                );
            }
        }
    }

    /// Changed models: one minimal UPDATE each; the same shape across models in one bulk
    /// request; versioned models one by one (to read their new version back).
    pub(crate) fn plan_updates(
        &self,
        table: usize,
        limits: Limits,
        out: &mut Vec<Batch>,
        report: &mut Report,
    ) {
        let meta = M::meta();
        let ids = meta.identity_columns();
        let mut groups: Groups<UpdateShape> = Groups::new();
        // Rows changed only through `Session::set`/`set_key` find their group by mask.
        let mut by_mask: HashMap<u64, usize> = HashMap::new();
        let mut last_mask: Option<(u64, usize)> = None;
        // The group of the last row compared with its database copy.
        let mut last_shape: Option<usize> = None;
        for (index, entry) in self.entries.iter().enumerate() {
            if entry.state != State::Persistent || (entry.saved.is_none() && entry.dirty == 0) {
                continue;
            }
            let g = match &entry.saved {
                None => match last_mask {
                    Some((mask, g)) if mask == entry.dirty => g,
                    _ => {
                        let g = *by_mask.entry(entry.dirty).or_insert_with(|| {
                            groups.index_of(self.recorded_shape(entry.dirty, &[]))
                        });
                        last_mask = Some((entry.dirty, g));
                        g
                    }
                },
                Some(saved) => match self.diff_update(index, saved, &entry.model, entry.dirty) {
                    Ok(shape) if shape.is_empty() => continue,
                    // Rows changed alike usually follow each other: no lookup for a repeat.
                    Ok(shape) => match last_shape {
                        Some(g) if *groups.shape(g) == shape => g,
                        _ => {
                            let g = groups.index_of(shape);
                            last_shape = Some(g);
                            g
                        }
                    },
                    Err(failure) => {
                        report.failures.push(failure);
                        continue;
                    }
                },
            };
            if meta.versioned {
                let shape = groups.shape(g);
                let mut args: Vec<Value> = shape
                    .iter()
                    .map(|(i, keys)| value_at(&entry.model, *i, keys))
                    .collect();
                let old = entry.in_database();
                args.extend(ids.iter().map(|&i| old.column_value(i)));
                let (seq, term) = entry.version().unwrap_or((-1, -1));
                args.push(Value::from(seq));
                args.push(Value::from(term));
                out.push(Batch {
                    table,
                    kind: WriteKind::Update,
                    statement: Statement {
                        sql: model_sql::update_sql(
                            meta,
                            shape.iter().map(|(i, p)| (*i, &p[..])),
                            true,
                        ),
                        args: StatementArgs::Single(args),
                        rows: 1,
                    },
                    shape: Shape::Versioned,
                    targets: vec![index],
                    from_models: None,
                });
                continue;
            }
            groups.at(g).targets.push(index);
        }
        for (shape, Group { targets }) in groups.groups {
            if targets.is_empty() {
                continue;
            }
            let sql = model_sql::update_sql(meta, shape.iter().map(|(i, p)| (*i, &p[..])), false);
            let from_models = FromModels::Update(shape);
            push_from_models(
                out,
                table,
                WriteKind::Update,
                &sql,
                limits,
                &targets,
                &from_models,
            );
        }
    }

    /// The assignments for a model changed since its kept database state `saved`: changed
    /// columns, changed keys of OBJECT columns, then recorded paths not already covered. A
    /// changed primary key is a failure of the row.
    fn diff_update(
        &self,
        index: usize,
        saved: &M,
        model: &M,
        dirty: u64,
    ) -> Result<UpdateShape, RowFailure> {
        let meta = M::meta();
        let mut shape = UpdateShape::new();
        for (i, column) in meta.columns.iter().enumerate() {
            if column.is_read_only() {
                continue;
            }
            if let (SqlType::Object { .. }, false) = (&column.sql_type, column.primary_key) {
                // Objects still held as text are compared member by member, unparsed.
                let texts = saved
                    .column_object_ref(i)
                    .and_then(|o| o.text())
                    .zip(model.column_object_ref(i).and_then(|o| o.text()));
                if let Some((o, n)) = texts {
                    if diff_object_texts(o, n, &mut |path| shape.push((i, path.to_vec()))) {
                        continue;
                    }
                }
            }
            if model.column_eq(saved, i) {
                continue;
            }
            if column.primary_key {
                return Err(self.failure(
                    index,
                    WriteKind::Update,
                    RowFailureCause::Invalid(format!(
                        "primary-key column {:?} cannot be updated (delete and re-add the row)",
                        column.name
                    )),
                ));
            }
            let objects = match column.sql_type {
                SqlType::Object { .. } => saved.column_object(i).zip(model.column_object(i)),
                _ => None,
            };
            match objects {
                Some((o, n)) => diff_objects(o, n, &mut Vec::new(), &mut |path, _| {
                    shape.push((i, path.to_vec()));
                }),
                None => shape.push((i, Vec::new())),
            }
        }
        let recorded = self.recorded_shape(dirty, &shape);
        shape.extend(recorded);
        Ok(shape)
    }

    /// The recorded paths of `mask` (in id order) that `shape` does not already assign
    /// (neither the path nor its whole column).
    fn recorded_shape(&self, mask: u64, shape: &[(usize, Vec<String>)]) -> UpdateShape {
        Recorded::ids(mask)
            .filter_map(|id| self.recorded.path(id))
            .filter(|p| {
                !shape
                    .iter()
                    .any(|(i, keys)| *i == p.column && (keys.is_empty() || *keys == p.keys))
            })
            .map(|p| (p.column, p.keys.clone()))
            .collect()
    }

    /// Deleted models: one bulk DELETE.
    pub(crate) fn plan_deletes(&self, table: usize, limits: Limits, out: &mut Vec<Batch>) {
        let meta = M::meta();
        let mut targets = Vec::new();
        let mut rows = Vec::new();
        for (index, entry) in self.entries.iter().enumerate() {
            if entry.state != State::Deleted {
                continue;
            }
            let mut args = identity_values(entry.in_database());
            if meta.versioned {
                let (seq, term) = entry.version().unwrap_or((-1, -1));
                args.push(Value::from(seq));
                args.push(Value::from(term));
            }
            targets.push(index);
            rows.push(args);
        }
        if targets.is_empty() {
            return;
        }
        let sql = model_sql::delete_sql(meta);
        push_bulk(out, table, WriteKind::Delete, &sql, limits, targets, rows);
    }
}

/// The model's current value at an assignment's path (`NULL` for a missing key).
pub(crate) fn value_at<M: CrateModel>(model: &M, column: usize, keys: &[String]) -> Value {
    if keys.is_empty() {
        return model.column_value(column);
    }
    key_value_at(model, column, keys).map_or(Value::Null, WireValue::to_value)
}

/// The value at a non-empty key path inside OBJECT column `column`, if there is one.
pub(crate) fn key_value_at<'m, M: CrateModel>(
    model: &'m M,
    column: usize,
    keys: &[String],
) -> Option<WireValue<'m>> {
    model.column_object_ref(column)?.wire_value_at(keys)
}

/// Bulk batches of `targets`, chunked at the batch size, whose argument rows are serialized
/// from the models when they are sent.
fn push_from_models(
    out: &mut Vec<Batch>,
    table: usize,
    kind: WriteKind,
    sql: &str,
    limits: Limits,
    targets: &[usize],
    from_models: &FromModels,
) {
    for chunk in targets.chunks(limits.batch_size.max(1)) {
        out.push(Batch {
            table,
            kind,
            statement: Statement {
                sql: sql.to_owned(),
                args: StatementArgs::Bulk(Vec::new()),
                rows: chunk.len(),
            },
            shape: Shape::Bulk,
            targets: chunk.to_vec(),
            from_models: Some(from_models.clone()),
        });
    }
}

/// Bulk requests of at most `limits.batch_size` rows each.
fn push_bulk(
    out: &mut Vec<Batch>,
    table: usize,
    kind: WriteKind,
    sql: &str,
    limits: Limits,
    targets: Vec<usize>,
    rows: Vec<Vec<Value>>,
) {
    let size = limits.batch_size.max(1);
    let mut targets = targets.into_iter();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(size).collect();
        out.push(Batch {
            table,
            kind,
            statement: Statement {
                sql: sql.to_string(),
                rows: chunk.len(),
                args: StatementArgs::Bulk(chunk),
            },
            shape: Shape::Bulk,
            targets: targets.by_ref().take(size).collect(),
            from_models: None,
        });
    }
}

/// Multi-row `INSERT … VALUES (…), (…) RETURNING …`, chunked under the statement length and
/// batch size limits. `rows` hold the values of `columns`.
fn plan_insert_returning(
    meta: &TableMeta,
    table: usize,
    limits: Limits,
    columns: Vec<usize>,
    targets: Vec<usize>,
    rows: Vec<Vec<Value>>,
    out: &mut Vec<Batch>,
) {
    let fixed = model_sql::insert_returning_fixed_len(meta, &columns);
    let chunks = model_sql::chunk_rows(
        rows.len(),
        columns.len(),
        fixed,
        limits.max_statement_len,
        limits.batch_size,
    );
    let mut targets = targets.into_iter();
    let mut rows = rows.into_iter();
    for count in chunks {
        let args: Vec<Value> = rows.by_ref().take(count).flatten().collect();
        out.push(Batch {
            table,
            kind: WriteKind::Insert,
            statement: Statement {
                sql: model_sql::insert_returning_sql(meta, &columns, count),
                args: StatementArgs::Single(args),
                rows: count,
            },
            shape: Shape::InsertReturning {
                columns: columns.clone(),
            },
            targets: targets.by_ref().take(count).collect(),
            from_models: None,
        });
    }
}
