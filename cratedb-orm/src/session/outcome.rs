//! Reading an answer: what the server said to a [`Batch`], turned into one [`RowOutcome`] per
//! row. Nothing changes here; `settle.rs` applies the outcomes.

use std::collections::HashMap;

use cratedb_client::{BulkResponse, SqlError, SqlResponse};
use serde_json::Value;

use super::batch::{Batch, NotAsSent, Work};
use super::commit_error::{RowFailureCause, WriteKind};
use super::matching::{lookup_columns, lookup_key, match_columns, match_key, same_as_sent};
use super::table::Table;
use crate::model::{CrateModel, RowLayout};

/// What the server answered to a batch.
pub(crate) enum Answer {
    /// A regular response (multi-row INSERT … RETURNING, versioned UPDATE, lookup).
    Rows(SqlResponse),
    /// A bulk response.
    Bulk(BulkResponse),
    /// The request failed as a whole.
    Failed(cratedb_client::Error),
    /// The request was not sent: an earlier one stopped the commit.
    NotSent,
}

/// What became of one row of a batch.
pub(crate) enum RowOutcome {
    /// It landed; with the index of its row in the answer, when the answer has rows (the
    /// values an INSERT returned, the version an UPDATE returned, the stored row a lookup
    /// found).
    Landed(Option<usize>),
    /// Its INSERT landed in an earlier commit whose answer was lost, as sent then, and the
    /// model changed since: the stored row (its index in the lookup's answer) is its database
    /// state now, and the change is for the next commit to send.
    LandedEarlier(usize),
    /// It did not land for certain, or `may_have_landed`.
    Failed {
        cause: RowFailureCause,
        may_have_landed: bool,
    },
    /// A multi-row INSERT skipped it without a word: send it again alone to learn why.
    Skipped,
    /// Whether its INSERT landed is for a lookup by key to tell: the row stored as sent
    /// means it did. What a lookup that finds otherwise means depends on the [`Doubt`].
    Verify(Doubt),
}

/// Why the INSERT of a row is looked up by key, and what a lookup that does not find it
/// stored as sent leaves.
#[derive(Debug, Clone)]
pub(crate) enum Doubt {
    /// It met a duplicate key although its outcome is in doubt (CrateDB answers 4091 also
    /// for a row its own retry wrote while a node failed): the error stands.
    Duplicate(SqlError),
    /// It met an internal error (5xxx; or failed without detail in an answer whose only
    /// detailed errors are internal ones): nothing against the row itself. Another row
    /// under its key is a duplicate key; no row means it is sent again together with the
    /// others alike.
    Internal(Option<SqlError>),
    /// It failed without detail in a bulk answer whose detailed errors are the rows' own
    /// (4xxx; CrateDB details only the first failures per shard): another row under its
    /// key is a duplicate key; no row means it is sent again alone, for its own error.
    Unexplained,
    /// Its multi-row INSERT was answered as a whole with this error (4xxx), which does not
    /// prove that nothing of it landed: another row under its key is a duplicate key; no row
    /// means it is sent again in halves until the row the error comes from is alone.
    Statement(SqlError),
}

/// An answer, read.
pub(crate) struct Reading {
    /// One outcome per target of the batch, in order (empty when `split`).
    pub rows: Vec<RowOutcome>,
    /// The rows of the answer and where each model column is in them.
    pub returned: Option<(RowLayout, Vec<Vec<Value>>)>,
    /// The request failed as a whole in a way that smaller requests may not: send the rows
    /// again in halves, to find the ones the error comes from.
    pub split: bool,
    /// The request-level error, for the commit's cause.
    pub error: Option<cratedb_client::Error>,
    /// Whether that error stops the commit (a connection-level failure: later requests are
    /// not sent).
    pub stops: bool,
}

impl Reading {
    fn rows(rows: Vec<RowOutcome>) -> Self {
        Reading {
            rows,
            returned: None,
            split: false,
            error: None,
            stops: false,
        }
    }
}

/// Reads `answer` to `batch` of `table`. A batch that failed as a whole is split into
/// halves only while `may_split`.
pub(crate) fn read<M: CrateModel>(
    table: &Table<M>,
    batch: &Batch,
    answer: Answer,
    may_split: bool,
) -> Reading {
    if matches!(batch.work, Work::Refresh) {
        // The lookups after it answer for themselves (a failed refresh leaves them a stale
        // view: a row they miss is sent again, and meets its key if it is there).
        return Reading::rows(Vec::new());
    }
    let n = batch.targets.len();
    let all = |cause: RowFailureCause, may_have_landed: bool| {
        (0..n)
            .map(|_| RowOutcome::Failed {
                cause: cause.clone(),
                may_have_landed,
            })
            .collect()
    };
    match answer {
        Answer::NotSent => Reading::rows(all(RowFailureCause::NotAttempted, false)),
        Answer::Failed(e) => match e.sql_error().cloned() {
            Some(sql) if n > 1 && is_insert(&batch.work) => {
                // An error answer to a multi-row INSERT does not prove that nothing of it
                // landed (on a partitioned table CrateDB writes the other rows and answers a
                // failing CHECK with an error): rows whose key is known are looked up, the
                // others may have landed.
                let rows = batch
                    .targets
                    .iter()
                    .map(|_| statement_error::<M>(batch, &sql))
                    .collect::<Vec<_>>();
                let failed = rows.iter().any(|r| matches!(r, RowOutcome::Failed { .. }));
                Reading {
                    error: failed.then_some(e),
                    ..Reading::rows(rows)
                }
            }
            Some(sql) => {
                // An analysis error of a multi-row UPDATE or DELETE (a cast) fails it as a
                // whole: its rows are sent again in halves (writes by key are idempotent).
                let row_specific = matches!(sql.code, 4000 | 4003);
                if row_specific
                    && may_split
                    && n > 1
                    && batch.splits_left > 0
                    && splittable(&batch.work)
                {
                    return Reading {
                        split: true,
                        ..Reading::rows(Vec::new())
                    };
                }
                let rows: Vec<RowOutcome> = batch
                    .targets
                    .iter()
                    .map(|_| single_error::<M>(batch, &sql))
                    .collect();
                // The commit's cause, unless every row is still to be checked.
                let failed = rows.iter().any(|r| matches!(r, RowOutcome::Failed { .. }));
                Reading {
                    error: failed.then_some(e),
                    ..Reading::rows(rows)
                }
            }
            None => {
                let may = e.may_have_executed();
                Reading {
                    error: Some(e),
                    stops: true,
                    ..Reading::rows(all(RowFailureCause::RequestFailed, may))
                }
            }
        },
        Answer::Bulk(response) => Reading::rows(read_bulk(table, batch, response)),
        Answer::Rows(response) => read_rows(table, batch, response),
    }
}

/// Whether the rows of such a batch may be sent again in halves after a whole-request
/// error, as they are: UPDATEs and DELETEs by key (INSERTs are looked up first).
fn splittable(work: &Work) -> bool {
    matches!(work, Work::Update { .. } | Work::Delete)
}

/// Whether it is an INSERT (bulk, or multi-row with RETURNING).
fn is_insert(work: &Work) -> bool {
    matches!(work, Work::Insert { .. } | Work::InsertReturning { .. })
}

/// The outcome of a row of a multi-row INSERT answered as a whole with `error`: looked up
/// by key when its key is known (an internal error: sent again together if absent; another
/// error: sent again in halves if absent); otherwise failed, and it may have landed.
fn statement_error<M: CrateModel>(batch: &Batch, error: &SqlError) -> RowOutcome {
    if checkable::<M>(batch) {
        return RowOutcome::Verify(if error.code >= 5000 {
            Doubt::Internal(Some(error.clone()))
        } else {
            Doubt::Statement(error.clone())
        });
    }
    RowOutcome::Failed {
        cause: RowFailureCause::Sql(error.clone()),
        may_have_landed: true,
    }
}

/// Whether an INSERT row of `batch` that failed uncertainly can be looked up by key: the
/// client knows the key, or all of it but generated parts (see `matching::lookup_columns`).
fn checkable<M: CrateModel>(batch: &Batch) -> bool {
    match &batch.work {
        Work::Insert { columns } | Work::InsertReturning { columns } => {
            lookup_columns(M::meta(), columns).is_some()
        }
        _ => false,
    }
}

/// The outcome of row `target` of `batch` that failed with `error`. A duplicate key on a row
/// whose key the client knows is checked by key: the row stored may be this very row, and a
/// stored row equal to the row sent counts as landed. Its outcome may have been in doubt (an
/// earlier INSERT of it may have landed, or other rows of its answer failed without detail
/// or with an internal error); and even in a clean answer CrateDB answers 4091 for rows it
/// wrote itself: when a shard's primary changes during a write (a node stopped or killed, a
/// primary relocated while a restarted node rejoins), CrateDB runs the shard's part of the
/// request again on the new primary, which has the rows already, with no other sign in the
/// answer and, after a relocation, under the same primary term (seen on 6.4.3 in rolling
/// restarts: every other row of a request landing, the rest answered 4091). No client can
/// tell that from an identical row written before, so the database holding the row exactly
/// as sent counts as the INSERT landing; a stored row that differs keeps the duplicate key.
///
/// An internal error (5xxx) is checked too, unless the row was sent alone after one already.
fn single_error<M: CrateModel>(batch: &Batch, error: &SqlError) -> RowOutcome {
    if checkable::<M>(batch) {
        if error.is_duplicate_key() {
            return RowOutcome::Verify(Doubt::Duplicate(error.clone()));
        }
        if error.code >= 5000 && !batch.alone {
            return RowOutcome::Verify(Doubt::Internal(Some(error.clone())));
        }
    }
    RowOutcome::Failed {
        cause: RowFailureCause::Sql(error.clone()),
        may_have_landed: error.code >= 5000,
    }
}

/// CrateDB's code for a row that does not exist (`DocumentMissingException`).
const MISSING: i64 = 40411;

fn read_bulk<M: CrateModel>(
    table: &Table<M>,
    batch: &Batch,
    response: BulkResponse,
) -> Vec<RowOutcome> {
    let n = batch.targets.len();
    if response.results.len() != n {
        let cause = RowFailureCause::Invalid(format!(
            "the server answered {} results for {n} rows; outcome unknown",
            response.results.len(),
        ));
        return (0..n)
            .map(|_| RowOutcome::Failed {
                cause: cause.clone(),
                may_have_landed: true,
            })
            .collect();
    }
    let kind = batch.kind();
    let versioned = M::meta().versioned;
    // Whether rows failed without detail share an internal cause: the answer details only
    // internal errors, or none at all.
    let internal = response
        .results
        .iter()
        .filter_map(|r| r.error.as_ref())
        .all(|e| e.code >= 5000);
    response
        .results
        .into_iter()
        .zip(batch.targets.iter())
        .map(|(result, target)| {
            if !result.is_ok() {
                return match result.error {
                    // CrateDB answers a row that is gone with 40411 (a DELETE of it is done,
                    // an UPDATE finds no row) and a versioned write of a changed row with 4092.
                    Some(e) if e.code == MISSING && kind == WriteKind::Delete && !versioned => {
                        RowOutcome::Landed(None)
                    }
                    Some(e) if e.code == MISSING || (versioned && e.is_version_conflict()) => {
                        RowOutcome::Failed {
                            cause: if versioned {
                                RowFailureCause::Stale
                            } else {
                                RowFailureCause::NotFound
                            },
                            may_have_landed: versioned && table.write_is_unconfirmed(target),
                        }
                    }
                    Some(e) => single_error::<M>(batch, &e),
                    // No detail (CrateDB details the first failures per shard): it may be
                    // any failure, even one after the write.
                    None if checkable::<M>(batch) => RowOutcome::Verify(if internal {
                        Doubt::Internal(None)
                    } else {
                        Doubt::Unexplained
                    }),
                    None => RowOutcome::Failed {
                        cause: RowFailureCause::Failed,
                        may_have_landed: true,
                    },
                };
            }
            if result.rowcount == 0 && kind != WriteKind::Insert {
                let cause = if versioned {
                    RowFailureCause::Stale
                } else if kind == WriteKind::Update {
                    RowFailureCause::NotFound
                } else {
                    // Deleting a row that is gone already is done.
                    return RowOutcome::Landed(None);
                };
                return RowOutcome::Failed {
                    cause,
                    // The change found may be this model's own earlier write, whose answer
                    // was lost.
                    may_have_landed: versioned && table.write_is_unconfirmed(target),
                };
            }
            RowOutcome::Landed(None)
        })
        .collect()
}

fn read_rows<M: CrateModel>(table: &Table<M>, batch: &Batch, response: SqlResponse) -> Reading {
    let layout = RowLayout::new(M::meta(), &response.cols);
    let rows = match &batch.work {
        Work::InsertReturning { columns } => {
            match_returned(table, batch, columns, &layout, &response.rows)
        }
        Work::Verify {
            columns, otherwise, ..
        } => verify_stored(table, batch, columns, &layout, &response.rows, otherwise),
        _ => {
            // A versioned UPDATE … RETURNING "_seq_no", "_primary_term" of one row.
            let landed = response.rowcount >= 1 && !response.rows.is_empty();
            batch
                .targets
                .iter()
                .map(|target| {
                    if landed {
                        RowOutcome::Landed(Some(0))
                    } else {
                        RowOutcome::Failed {
                            cause: RowFailureCause::Stale,
                            // The change found may be this model's own earlier write, whose
                            // answer was lost.
                            may_have_landed: table.write_is_unconfirmed(target),
                        }
                    }
                })
                .collect()
        }
    };
    Reading {
        returned: Some((layout, response.rows)),
        ..Reading::rows(rows)
    }
}

/// Pairs the rows an INSERT … RETURNING returned with the rows it sent, by match key (see
/// `matching.rs`). A sent row without a returned row was skipped — unless some returned
/// row could not be matched at all, which leaves the unpaired rows' outcome unknown.
fn match_returned<M: CrateModel>(
    table: &Table<M>,
    batch: &Batch,
    columns: &[usize],
    layout: &RowLayout,
    rows: &[Vec<Value>],
) -> Vec<RowOutcome> {
    let mut waiting: HashMap<String, Vec<usize>> = HashMap::new();
    let targets: Vec<usize> = batch.targets.iter().collect();
    for (k, &t) in targets.iter().enumerate().rev() {
        if let Some(entry) = table.entry(t) {
            waiting
                .entry(match_key(entry.model(), columns))
                .or_default()
                .push(k);
        }
    }
    let mut found: Vec<Option<usize>> = vec![None; batch.targets.len()];
    let mut stray = 0;
    // A row CrateDB returns with a NULL object although it stored one (a shard that waited
    // for a mapping update answers so) does not decode into a non-`Option` field: its match
    // key is then read from its match columns alone, set on a copy of a model sent.
    let template = targets.first().and_then(|&t| table.entry(t));
    let matched = match_columns(M::meta(), columns);
    let key_of_row = |row: &[Value]| -> Option<String> {
        match M::from_row(layout, &mut row.to_vec()) {
            Ok(returned) => Some(match_key(&returned, columns)),
            Err(_) => {
                let mut returned = template?.model().snapshot();
                for &i in &matched {
                    let value = row.get(layout.position(i)?)?.clone();
                    returned.set_column(i, value).ok()?;
                }
                Some(match_key(&returned, columns))
            }
        }
    };
    for (r, row) in rows.iter().enumerate() {
        let slot = key_of_row(row)
            .and_then(|key| waiting.get_mut(&key))
            .and_then(Vec::pop);
        match slot.and_then(|k| found.get_mut(k)) {
            Some(f) => *f = Some(r),
            None => stray += 1,
        }
    }
    let alone = batch.targets.len() == 1;
    found
        .into_iter()
        .map(|f| match f {
            Some(r) => RowOutcome::Landed(Some(r)),
            None if stray > 0 => RowOutcome::Failed {
                cause: RowFailureCause::Invalid(format!(
                    "{stray} returned row(s) matched no row sent, so whether this row landed \
                     is unknown"
                )),
                may_have_landed: true,
            },
            None if alone => RowOutcome::Failed {
                cause: RowFailureCause::Invalid(
                    "CrateDB inserted no row and reported no error".to_owned(),
                ),
                may_have_landed: false,
            },
            None => RowOutcome::Skipped,
        })
        .collect()
}

/// Compares the stored rows a lookup found with the rows the targets sent. The row stored as
/// sent means the INSERT landed (now or earlier; or an identical row was there: the model is
/// in the database as it is). Otherwise the duplicate key error the row met stands, or a row
/// stored under its key means the key is taken; no row means it did not land, and it is
/// sent again (`Skipped`; [`NotAsSent`] says how).
fn verify_stored<M: CrateModel>(
    table: &Table<M>,
    batch: &Batch,
    columns: &[usize],
    layout: &RowLayout,
    rows: &[Vec<Value>],
    otherwise: &NotAsSent,
) -> Vec<RowOutcome> {
    let Some(keys) = lookup_columns(M::meta(), columns) else {
        return batch.targets.iter().map(|_| RowOutcome::Skipped).collect();
    };
    let mut stored: HashMap<String, (usize, M)> = HashMap::new();
    for (r, row) in rows.iter().enumerate() {
        if let Ok(model) = M::from_row(layout, &mut row.clone()) {
            stored.insert(lookup_key(&model, &keys), (r, model));
        }
    }
    batch
        .targets
        .iter()
        .map(|t| {
            let sent = table.entry(t).map(|e| e.model());
            let found = sent.and_then(|m| stored.get(&lookup_key(m, &keys)));
            let same = sent
                .zip(found)
                .is_some_and(|(m, (_, s))| same_as_sent(s, m, columns));
            // Not the model as it is, but as an earlier INSERT whose answer was lost sent it.
            let sent_earlier = !same
                && found.is_some_and(|(_, s)| {
                    table
                        .sent_before(t)
                        .iter()
                        .any(|earlier| same_as_sent(s, earlier, columns))
                });
            match (found, otherwise) {
                (Some((r, _)), _) if same => RowOutcome::Landed(Some(*r)),
                (Some((r, _)), _) if sent_earlier => RowOutcome::LandedEarlier(*r),
                (_, NotAsSent::Duplicate(duplicate)) => RowOutcome::Failed {
                    cause: RowFailureCause::Sql(duplicate.clone()),
                    may_have_landed: false,
                },
                (Some(_), _) => RowOutcome::Failed {
                    cause: RowFailureCause::DuplicateKey,
                    may_have_landed: false,
                },
                (None, _) => RowOutcome::Skipped,
            }
        })
        .collect()
}
