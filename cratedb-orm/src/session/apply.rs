//! Applying the server's answers to a commit's requests: which rows landed (their database
//! state becomes the model's) and which stay pending, with why.

use std::collections::HashMap;

use cratedb_client::{BulkResponse, SqlError, SqlResponse};
use serde_json::Value;

use super::commit_error::{RowFailure, RowFailureCause, WriteKind};
use super::key::identity_key;
use super::plan::{Batch, Shape};
use super::statement::StatementArgs;
use super::table::{version_of, version_positions, Table};
use crate::model::{CrateModel, RowLayout};

/// What the server answered to a batch.
pub(crate) enum Outcome {
    /// A regular response (multi-row INSERT … RETURNING, versioned UPDATE).
    Sql(SqlResponse),
    /// A bulk response.
    Bulk(BulkResponse),
    /// The whole request failed with an SQL error (e.g. an analysis error).
    SqlError(SqlError),
    /// The request failed otherwise (connection, protocol).
    Failed,
    /// The request was not sent because an earlier one failed.
    NotAttempted,
}

/// The running tally of a commit.
#[derive(Default)]
pub(crate) struct Report {
    pub written: usize,
    pub failures: Vec<RowFailure>,
}

impl<M: CrateModel> Table<M> {
    pub(crate) fn apply_outcome(&mut self, batch: Batch, outcome: Outcome, report: &mut Report) {
        let cause = match outcome {
            Outcome::Bulk(response) => return self.apply_bulk(batch, response, report),
            Outcome::Sql(response) => {
                return match batch.shape.clone() {
                    Shape::InsertReturning { columns } => {
                        self.apply_insert_returning(batch, &columns, response, report)
                    }
                    Shape::Versioned | Shape::Bulk => self.apply_versioned(batch, response, report),
                }
            }
            Outcome::SqlError(e) => RowFailureCause::Sql(e),
            Outcome::Failed => RowFailureCause::RequestFailed,
            Outcome::NotAttempted => RowFailureCause::NotAttempted,
        };
        for &index in &batch.targets {
            report
                .failures
                .push(self.failure(index, batch.kind, cause.clone()));
        }
    }

    fn apply_bulk(&mut self, batch: Batch, response: BulkResponse, report: &mut Report) {
        if response.results.len() != batch.targets.len() {
            let cause = RowFailureCause::Invalid(format!(
                "the server answered {} results for {} rows; outcome unknown",
                response.results.len(),
                batch.targets.len()
            ));
            for &index in &batch.targets {
                report
                    .failures
                    .push(self.failure(index, batch.kind, cause.clone()));
            }
            return;
        }
        let versioned = M::meta().versioned;
        if batch.kind == WriteKind::Insert {
            // Each landed insert joins the identity map.
            self.identity.reserve(batch.targets.len());
        }
        for (index, result) in batch.targets.into_iter().zip(response.results) {
            let cause = if !result.is_ok() {
                Some(match result.error {
                    Some(e) => RowFailureCause::Sql(e),
                    None => RowFailureCause::Failed,
                })
            } else if result.rowcount == 0 && batch.kind != WriteKind::Insert {
                if versioned {
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
                None => self.landed(index, batch.kind, report),
            }
        }
    }

    /// Matches each returned row to a sent row — by identity when the client sent it, else by
    /// the inserted values, else in order — and stores the server's values on the model.
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
        // Where each identity column is among the inserted columns, if all are.
        let id_slots: Option<Vec<usize>> = (!ids.is_empty())
            .then(|| {
                ids.iter()
                    .map(|i| columns.iter().position(|c| c == i))
                    .collect()
            })
            .flatten();
        let StatementArgs::Single(args) = &batch.statement.args else {
            return;
        };
        let sent: Vec<&[Value]> = args.chunks(columns.len().max(1)).collect();
        let sent_key = |row: &[Value]| -> Option<String> {
            match &id_slots {
                Some(slots) => {
                    identity_key(slots.iter().map(|&s| row.get(s).unwrap_or(&Value::Null)))
                }
                None => Some(content_key(row.iter().map(Some))),
            }
        };
        let mut waiting: HashMap<String, Vec<usize>> = HashMap::new();
        for (k, row) in sent.iter().enumerate().rev() {
            if let Some(key) = sent_key(row) {
                waiting.entry(key).or_default().push(k);
            }
        }
        let mut matched: Vec<Option<Vec<Value>>> = vec![None; batch.targets.len()];
        let mut unmatched_rows = Vec::new();
        let complete = response.cols.len();
        for mut row in response.rows {
            let got = |i: &usize| layout.position(*i).and_then(|p| row.get(p));
            let key = match &id_slots {
                Some(_) => identity_key(ids.iter().map(|i| got(i).unwrap_or(&Value::Null))),
                None => Some(content_key(columns.iter().map(got))),
            };
            let slot = key.and_then(|k| waiting.get_mut(&k)).and_then(|v| v.pop());
            match slot.and_then(|k| matched.get_mut(k)) {
                Some(m) => *m = Some(std::mem::take(&mut row)),
                // Only a complete row without a client-known identity may be paired in order.
                None if id_slots.is_none() && row.len() == complete && !row.is_empty() => {
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
        for (index, row) in batch.targets.into_iter().zip(matched) {
            let Some(mut row) = row else {
                report.failures.push(self.failure(
                    index,
                    WriteKind::Insert,
                    RowFailureCause::Skipped,
                ));
                continue;
            };
            let version = version_of(version_pos, &row);
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
                entry.set_version(version);
            }
            self.landed(index, WriteKind::Insert, report);
            if let Some(e) = err {
                // The row is in the database (tracked as such, never inserted twice), but a
                // value it returned did not fit the model.
                report.failures.push(self.failure(
                    index,
                    WriteKind::Insert,
                    RowFailureCause::Invalid(format!(
                        "inserted, but a returned value did not decode: {e}"
                    )),
                ));
            }
        }
    }

    fn apply_versioned(&mut self, batch: Batch, response: SqlResponse, report: &mut Report) {
        let version_pos = version_positions(&response.cols);
        let row = response.rows.first();
        for index in batch.targets {
            if response.rowcount < 1 || row.is_none() {
                report
                    .failures
                    .push(self.failure(index, batch.kind, RowFailureCause::Stale));
                continue;
            }
            if let Some(entry) = self.entries.get_mut(index) {
                entry.set_version(row.and_then(|r| version_of(version_pos, r)));
            }
            self.landed(index, batch.kind, report);
        }
    }
}

fn content_key<'a>(values: impl Iterator<Item = Option<&'a Value>>) -> String {
    let mut key = String::new();
    for v in values {
        key.push_str(&v.unwrap_or(&Value::Null).to_string());
        key.push('\u{1f}');
    }
    key
}
