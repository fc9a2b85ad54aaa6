//! Planning a commit: the [`Batch`]es that write one table's pending changes, grouped so
//! that rows of the same statement shape travel in one request — and the follow-up batches
//! an answer can call for (rows sent again one by one, halves of a failed request, lookups
//! that check whether an earlier INSERT landed).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use serde_json::Value;

use super::batch::{target_keys, Batch, NotAsSent, UpdateShape, Work};
use super::commit_error::{RowFailure, RowFailureCause, WriteKind};
use super::diff::{diff_object_texts, diff_objects};
use super::entry::{Attempt, EntryState, Undo};
use super::key::key_of;
use super::matching::{content_key, lookup_columns, match_key};
use super::paths::PathId;
use super::table::Table;
use super::targets::Targets;
use crate::model::CrateModel;
use crate::model_sql;
use crate::types::SqlType;

/// Limits that shape the requests of a commit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Most rows in one bulk request or one multi-row INSERT.
    pub batch_size: usize,
    /// Longest statement text of a multi-row INSERT (CrateDB's `statement_max_length` is
    /// 262144 by default).
    pub max_statement_len: usize,
    /// Most requests of one commit under way at once.
    pub in_flight: usize,
}

/// Most keys in one real-time lookup (an `OR` of key equalities, for composite keys: CrateDB
/// 6.4.3 takes 0.1 s to plan one of 500 keys, 1.2 s at 2,000, and refuses 3,000).
const LOOKUP_KEYS: usize = 500;

/// Most keys looked up in real time (one request, no refresh) where the key is one column.
const LOOKUP_KEYS_REAL_TIME: usize = 200;

/// Most keys in one search by a single key column (`"id" = ANY($1)`, after a refresh): about
/// 30 ms for 3,000 keys on one node.
const ANY_LOOKUP_KEYS: usize = 10_000;

/// What a commit of one table sends, and the rows it cannot send as they are.
#[derive(Default)]
pub(crate) struct Plan {
    /// The requests, in order: inserts, updates, deletes.
    pub batches: Vec<Batch>,
    /// Rows that are not sent, with why.
    pub failures: Vec<RowFailure>,
}

/// Groups of rows in first-seen order, keyed by statement shape.
struct Groups<K> {
    groups: Vec<(K, Targets)>,
    index: HashMap<K, usize>,
}

impl<K: Hash + Eq + Clone> Groups<K> {
    fn new() -> Self {
        Groups {
            groups: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// The index of the group of `key`, created empty on first use.
    fn index_of(&mut self, key: K) -> usize {
        match self.index.get(&key) {
            Some(&g) => g,
            None => {
                self.index.insert(key.clone(), self.groups.len());
                self.groups.push((key, Targets::default()));
                self.groups.len() - 1
            }
        }
    }

    /// Adds a row to the group at `g` (an index from [`index_of`](Groups::index_of)).
    fn push(&mut self, g: usize, row: usize) {
        if let Some((_, rows)) = self.groups.get_mut(g) {
            rows.push(row);
        }
    }

    /// The key of the group at `g`.
    fn key(&self, g: usize) -> Option<&K> {
        self.groups.get(g).map(|(k, _)| k)
    }
}

/// Everything one table's next commit sends.
pub(crate) fn plan<M: CrateModel>(table: &Table<M>, limits: Limits) -> Plan {
    let mut plan = Plan::default();
    plan_inserts(table, limits, &mut plan);
    plan_updates(table, limits, &mut plan);
    plan_deletes(table, limits, &mut plan);
    plan
}

/// New models: one bulk INSERT per column set, or multi-row INSERT … RETURNING when the
/// server makes values the model must read back.
fn plan_inserts<M: CrateModel>(table: &Table<M>, limits: Limits, plan: &mut Plan) {
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
                .is_some_and(|c| c.is_filled_when_left_out())
        })
        .collect();
    // A NULL in a server-default (or computed generated) column is left out, so the server
    // fills it in: group the rows by the columns they insert.
    let mut groups: Groups<Vec<usize>> = Groups::new();
    let all = (defaults.is_empty()).then(|| groups.index_of(writable.clone()));
    for (index, entry) in table.entries().iter().enumerate() {
        let EntryState::New(attempt) = entry.state() else {
            continue;
        };
        let g = match all {
            Some(g) => g,
            None => {
                let model = entry.model();
                groups.index_of(
                    writable
                        .iter()
                        .copied()
                        .filter(|&i| !(defaults.contains(&i) && model.column_value(i).is_null()))
                        .collect(),
                )
            }
        };
        let checkable = groups
            .key(g)
            .and_then(|c| lookup_columns(meta, c))
            .is_some();
        if *attempt == Attempt::Unknown && !checkable {
            // Its key is made by the server: it cannot be checked, nor sent again safely.
            let mut failure =
                table.failure(index, WriteKind::Insert, RowFailureCause::OutcomeUnknown);
            failure.may_have_landed = true;
            plan.failures.push(failure);
            continue;
        }
        groups.push(g, index);
    }
    let server_made = meta.versioned || meta.columns.iter().any(|c| c.is_read_only());
    for (columns, targets) in groups.groups {
        if targets.is_empty() {
            continue;
        }
        let defaults_left_out = defaults.iter().any(|i| !columns.contains(i));
        let columns: Arc<[usize]> = columns.into();
        if server_made || defaults_left_out {
            insert_returning(table, limits, columns, &targets, plan);
        } else {
            let sql = model_sql::bulk_insert_sql(meta, &columns).sql().to_owned();
            for chunk in targets.chunks(limits.batch_size) {
                plan.batches.push(Batch::new(
                    sql.clone(),
                    chunk,
                    Work::Insert {
                        columns: columns.clone(),
                    },
                ));
            }
        }
    }
}

/// Most rows in one multi-row INSERT of rows whose earlier INSERT went unanswered.
///
/// CrateDB 6.4.3 never answers a multi-row `INSERT … VALUES` in which more than ten rows of
/// one shard fail (NOT NULL, CHECK, a strict object, a cast): the request hangs until the
/// client's timeout, although the other rows are written. Such rows then come back with a
/// lost answer; sent again in statements of at most ten rows, no shard can see more than ten
/// failures, so the next commit gets its answers (each row landed, or failed with CrateDB's
/// own error) instead of hanging again.
pub(crate) const LOST_ANSWER_ROWS: usize = 10;

/// Multi-row `INSERT … VALUES (…), (…) RETURNING …` batches of `targets`, chunked under the
/// statement length and batch size limits. Rows whose match keys are equal but whose sent
/// values differ go to different statements (lanes), so that every returned row is matched
/// with certainty. On a partitioned table, rows whose key the server makes get one statement
/// each: CrateDB answers a multi-row INSERT with a failing row there with an error although
/// the other rows landed, and such rows cannot be looked up.
/// Rows whose earlier INSERT went unanswered go in statements of at most
/// [`LOST_ANSWER_ROWS`].
fn insert_returning<M: CrateModel>(
    table: &Table<M>,
    limits: Limits,
    columns: Arc<[usize]>,
    targets: &Targets,
    plan: &mut Plan,
) {
    let (mut fresh, mut retried) = (Targets::default(), Targets::default());
    for t in targets.iter() {
        let lost = table
            .entry(t)
            .is_some_and(|e| matches!(e.state(), EntryState::New(a) if a.answer_was_lost()));
        if lost {
            retried.push(t);
        } else {
            fresh.push(t);
        }
    }
    returning_batches(table, limits, &columns, &fresh, plan);
    let small = Limits {
        batch_size: limits.batch_size.min(LOST_ANSWER_ROWS),
        ..limits
    };
    returning_batches(table, small, &columns, &retried, plan);
}

/// The batches of [`insert_returning`] for `targets`, at most `limits.batch_size` rows each.
fn returning_batches<M: CrateModel>(
    table: &Table<M>,
    limits: Limits,
    columns: &Arc<[usize]>,
    targets: &Targets,
    plan: &mut Plan,
) {
    if targets.is_empty() {
        return;
    }
    let meta = M::meta();
    // A key the server makes with an expression such as `now()` is the same for every row
    // of one statement: such rows go one by one.
    let statement_wide_key = meta.primary_key.iter().any(|i| {
        !columns.contains(i)
            && meta
                .columns
                .get(*i)
                .and_then(|c| c.server_default)
                .is_some_and(|d| !made_per_row(d))
    });
    // On a partitioned table CrateDB answers a multi-row INSERT with a failing row with an
    // error although other rows landed: rows whose key is known are looked up then, the
    // others (a key the server makes) go one by one, so that an error is the row's own.
    let unknown_keys = lookup_columns(meta, columns).is_none();
    let max_rows = if (meta.partitioned_by.is_empty() || !unknown_keys) && !statement_wide_key {
        limits.batch_size
    } else {
        1
    };
    let keys: Vec<String> = targets
        .iter()
        .map(|t| {
            table
                .entry(t)
                .map_or_else(String::new, |e| match_key(e.model(), columns))
        })
        .collect();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for key in &keys {
        *count.entry(key).or_default() += 1;
    }
    // The lane of each row: 0 unless its match key repeats with other content.
    let mut contents: HashMap<&str, Vec<String>> = HashMap::new();
    let mut lanes: Vec<Targets> = vec![Targets::default()];
    for (target, key) in targets.iter().zip(&keys) {
        let mut lane = 0;
        if count.get(key.as_str()).copied().unwrap_or(0) > 1 {
            let content = table
                .entry(target)
                .map_or_else(String::new, |e| content_key(e.model(), columns));
            let seen = contents.entry(key).or_default();
            lane = match seen.iter().position(|c| *c == content) {
                Some(lane) => lane,
                None => {
                    seen.push(content);
                    seen.len() - 1
                }
            };
        }
        if lanes.len() <= lane {
            lanes.resize_with(lane + 1, Targets::default);
        }
        if let Some(rows) = lanes.get_mut(lane) {
            rows.push(target);
        }
    }
    let fixed = model_sql::insert_returning_fixed_len(meta, columns);
    for lane in lanes {
        let chunks = model_sql::chunk_rows(
            lane.len(),
            columns.len(),
            fixed,
            limits.max_statement_len,
            max_rows,
        );
        let mut rows = lane.iter();
        for n in chunks {
            plan.batches.push(Batch::new(
                model_sql::insert_returning_sql(meta, columns, n),
                rows.by_ref().take(n).collect(),
                Work::InsertReturning {
                    columns: columns.clone(),
                },
            ));
        }
    }
}

/// Whether a default expression gives every row its own value within one statement.
fn made_per_row(expression: &str) -> bool {
    let e: String = expression
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    e == "gen_random_text_uuid()"
}

/// Changed models: one minimal UPDATE each; the same shape across models in one bulk
/// request; versioned models one by one (to read their new version back).
fn plan_updates<M: CrateModel>(table: &Table<M>, limits: Limits, plan: &mut Plan) {
    let meta = M::meta();
    let mut groups: Groups<UpdateShape> = Groups::new();
    // Rows changed through `Session::set`/`set_key` find their group by their path ids;
    // rows changed alike usually follow each other, so the last group is tried first.
    let mut by_ids: HashMap<Vec<PathId>, usize> = HashMap::new();
    let mut ids: Vec<PathId> = Vec::new();
    let mut last_ids: Option<(Vec<PathId>, usize)> = None;
    let mut last_shape: Option<usize> = None;
    let mut versioned: Vec<(usize, usize)> = Vec::new();
    for (index, entry) in table.entries().iter().enumerate() {
        let EntryState::Changed(undo) = entry.state() else {
            continue;
        };
        let g = match &**undo {
            Undo::Recorded(changes) => {
                ids.clear();
                ids.extend(changes.iter().map(|c| c.path));
                ids.sort_unstable();
                match &last_ids {
                    Some((last, g)) if *last == ids => *g,
                    _ => {
                        let g = match by_ids.get(ids.as_slice()) {
                            Some(&g) => g,
                            None => {
                                let shape: UpdateShape = ids
                                    .iter()
                                    .filter_map(|&id| table.paths().get(id))
                                    .map(|p| (p.column, p.keys.clone()))
                                    .collect();
                                let g = groups.index_of(shape);
                                by_ids.insert(ids.clone(), g);
                                g
                            }
                        };
                        last_ids = Some((ids.clone(), g));
                        g
                    }
                }
            }
            Undo::Copied(saved) => match diff_update(table, index, saved, entry.model()) {
                Ok(shape) if shape.is_empty() => continue,
                Ok(shape) => match last_shape {
                    Some(g) if groups.key(g) == Some(&shape) => g,
                    _ => {
                        let g = groups.index_of(shape);
                        last_shape = Some(g);
                        g
                    }
                },
                Err(failure) => {
                    plan.failures.push(failure);
                    continue;
                }
            },
        };
        if meta.versioned {
            versioned.push((index, g));
        } else {
            groups.push(g, index);
        }
    }
    let shapes: Vec<Arc<UpdateShape>> = groups
        .groups
        .iter()
        .map(|(shape, _)| Arc::new(shape.clone()))
        .collect();
    for (index, g) in versioned {
        if let Some(shape) = shapes.get(g) {
            plan.batches.push(Batch::new(
                update_sql(meta, shape, true),
                Targets::one(index),
                Work::VersionedUpdate {
                    shape: shape.clone(),
                },
            ));
        }
    }
    for ((_, targets), shape) in groups.groups.into_iter().zip(shapes) {
        if targets.is_empty() {
            continue;
        }
        let sql = update_sql(meta, &shape, false);
        for chunk in in_key_order(table, &targets).chunks(limits.batch_size) {
            plan.batches.push(Batch::new(
                sql.clone(),
                chunk,
                Work::Update {
                    shape: shape.clone(),
                },
            ));
        }
    }
}

/// `targets` in the order of their identity keys. Rows loaded by a query come shard by
/// shard, and a bulk UPDATE of 100,000 rows in that order took CrateDB 1.27 times as long as
/// in key order (measured against one node, 5 repetitions; at 10,000 rows no difference).
fn in_key_order<M: CrateModel>(table: &Table<M>, targets: &Targets) -> Targets {
    if targets.len() < 2 {
        return targets.clone();
    }
    let mut keyed: Vec<(Option<String>, usize)> = targets
        .iter()
        .map(|t| (table.entry(t).and_then(|e| key_of(e.stored_identity())), t))
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, t)| t).collect()
}

fn update_sql(meta: &crate::TableMeta, shape: &UpdateShape, versioned: bool) -> String {
    model_sql::update_sql(meta, shape.iter().map(|(i, p)| (*i, &p[..])), versioned)
}

/// The assignments for a model changed since its kept database state `saved`: changed
/// columns, and changed keys of OBJECT columns. A changed primary key is a failure of the
/// row.
fn diff_update<M: CrateModel>(
    table: &Table<M>,
    index: usize,
    saved: &M,
    model: &M,
) -> Result<UpdateShape, RowFailure> {
    let meta = M::meta();
    let mut shape = UpdateShape::new();
    for (i, column) in meta.columns.iter().enumerate() {
        if column.is_insert_only() {
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
            return Err(table.failure(
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
    Ok(shape)
}

/// Deleted models: bulk DELETEs by identity (and version).
fn plan_deletes<M: CrateModel>(table: &Table<M>, limits: Limits, plan: &mut Plan) {
    let targets: Targets = table
        .entries()
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.state(), EntryState::Deleted(_)))
        .map(|(index, _)| index)
        .collect();
    if targets.is_empty() {
        return;
    }
    let sql = model_sql::delete_sql(M::meta());
    for chunk in in_key_order(table, &targets).chunks(limits.batch_size) {
        plan.batches
            .push(Batch::new(sql.clone(), chunk, Work::Delete));
    }
}

/// One single-row `INSERT … RETURNING` per target: rows a multi-row INSERT skipped, sent
/// again to learn why (or to land: a skip can have a passing cause).
pub(crate) fn one_by_one<M: CrateModel>(columns: &Arc<[usize]>, targets: &[usize]) -> Vec<Batch> {
    let sql = model_sql::insert_returning_sql(M::meta(), columns, 1);
    targets
        .iter()
        .map(|&t| {
            let mut batch = Batch::new(
                sql.clone(),
                Targets::one(t),
                Work::InsertReturning {
                    columns: columns.clone(),
                },
            );
            batch.splits_left = 0;
            batch.alone = true;
            batch
        })
        .collect()
}

/// The two halves of a batch that failed as a whole, to find the rows the error comes from
/// (`None` for a batch of one row, or out of splits).
pub(crate) fn halves<M: CrateModel>(batch: &Batch) -> Option<[Batch; 2]> {
    if batch.targets.len() < 2 || batch.splits_left == 0 {
        return None;
    }
    let (a, b) = batch.targets.split_at(batch.targets.len() / 2);
    let half = |targets: Targets| {
        let sql = match &batch.work {
            Work::InsertReturning { columns } => {
                model_sql::insert_returning_sql(M::meta(), columns, targets.len())
            }
            _ => batch.sql.clone(),
        };
        Batch {
            sql,
            targets,
            work: batch.work.clone(),
            splits_left: batch.splits_left - 1,
            alone: batch.alone,
            resends_left: batch.resends_left,
        }
    };
    Some([half(a), half(b)])
}

/// Lookups by identity of `targets` of `batch` (whose INSERT may have landed: they met a
/// duplicate key or an internal error, or a multi-row INSERT skipped them), to compare the
/// stored rows with the inserted `columns`; for rows not stored as sent, `otherwise`.
pub(crate) fn verify<M: CrateModel>(
    table: &Table<M>,
    batch: &Batch,
    columns: &Arc<[usize]>,
    targets: &[usize],
    otherwise: NotAsSent,
) -> Vec<Batch> {
    let meta = M::meta();
    let Some(keys) = lookup_columns(meta, columns) else {
        return Vec::new();
    };
    if targets.is_empty() {
        return Vec::new();
    }
    let targets: Targets = targets.iter().copied().collect();
    let lookup = |(sql, args): (String, Vec<Value>), chunk: Targets| Batch {
        resends_left: batch.resends_left,
        splits_left: batch.splits_left,
        ..Batch::new(
            sql,
            chunk,
            Work::Verify {
                columns: columns.clone(),
                args,
                otherwise: otherwise.clone(),
            },
        )
    };
    let refresh = || {
        Batch::new(
            model_sql::refresh_sql(meta),
            Targets::default(),
            Work::Refresh,
        )
    };
    match keys.as_slice() {
        // One key column and many keys: a refresh, then searches for thousands of keys each.
        &[id] if targets.len() > LOOKUP_KEYS_REAL_TIME => {
            let mut batches = vec![refresh()];
            for chunk in targets.chunks(ANY_LOOKUP_KEYS) {
                let values = target_keys(table, &chunk, &keys)
                    .into_iter()
                    .filter_map(|mut key| key.pop())
                    .collect();
                batches.push(lookup(
                    model_sql::select_by_any_key(meta, id, values),
                    chunk,
                ));
            }
            batches
        }
        // A few keys of one column: real-time lookups, `OR`ed. Several key columns: the
        // same after a refresh (CrateDB may plan a long `OR` of composite keys, or of keys
        // with a generated part, as a search, which sees only refreshed rows).
        _ => {
            let composite = keys.len() > 1;
            let mut batches = Vec::new();
            if composite {
                batches.push(refresh());
            }
            for chunk in targets.chunks(LOOKUP_KEYS).into_iter() {
                let values = target_keys(table, &chunk, &keys);
                batches.push(lookup(
                    model_sql::select_by_columns(meta, &keys, values),
                    chunk,
                ));
            }
            batches
        }
    }
}

/// Rows that a lookup (`batch`) did not find after their multi-row request failed as a whole
/// with `error`, sent again in two halves of the request's shape (a bulk INSERT when `bulk`,
/// else a multi-row INSERT … RETURNING), or alone when one is left, to find the row the error
/// comes from. `None` when the splits are spent.
pub(crate) fn halves_of<M: CrateModel>(
    batch: &Batch,
    columns: &Arc<[usize]>,
    targets: &[usize],
    bulk: bool,
) -> Option<Vec<Batch>> {
    match targets {
        [] => Some(Vec::new()),
        [_] => Some(one_by_one::<M>(columns, targets)),
        _ if batch.splits_left == 0 => None,
        _ => {
            let (a, b) = targets.split_at(targets.len() / 2);
            let half = |part: &[usize]| {
                let mut again = again::<M>(batch, columns, part, bulk);
                for b in &mut again {
                    b.splits_left = batch.splits_left - 1;
                    b.resends_left = batch.resends_left;
                }
                again
            };
            let mut out = half(a);
            out.extend(half(b));
            Some(out)
        }
    }
}

/// Rows that met an internal error and that a lookup (`batch`) did not find, sent again
/// together in the shape of the request they failed in: one bulk INSERT (when `bulk`) or one
/// multi-row INSERT … RETURNING of these `columns`. They are a part of that request's rows,
/// so the statement fits its limits and lanes. The caller checks that `batch` has resends
/// left.
pub(crate) fn again<M: CrateModel>(
    batch: &Batch,
    columns: &Arc<[usize]>,
    targets: &[usize],
    bulk: bool,
) -> Vec<Batch> {
    if targets.is_empty() {
        return Vec::new();
    }
    let meta = M::meta();
    let columns = columns.clone();
    let (sql, work) = if bulk {
        (
            model_sql::bulk_insert_sql(meta, &columns).sql().to_owned(),
            Work::Insert { columns },
        )
    } else {
        (
            model_sql::insert_returning_sql(meta, &columns, targets.len()),
            Work::InsertReturning { columns },
        )
    };
    vec![Batch {
        resends_left: batch.resends_left.saturating_sub(1),
        splits_left: batch.splits_left,
        ..Batch::new(sql, targets.iter().copied().collect(), work)
    }]
}
