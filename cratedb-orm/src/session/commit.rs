//! The commit: plan every table, then send each batch, read its answer and settle it, with
//! the follow-ups an answer calls for sent right after it.

use std::collections::VecDeque;

use cratedb_client::Client;

use super::batch::Batch;
use super::commit_error::{CommitError, Report};
use super::erased::ErasedTable;
use super::outcome::Answer;
use super::plan::Limits;
use crate::{Error, Result};

/// Most requests one commit sends to split failed requests in halves (beyond them, the rows
/// keep the whole request's error as their cause).
const MAX_SPLIT_REQUESTS: usize = 256;

/// Writes the pending changes of `tables` (see [`Session::commit`](super::Session::commit)).
pub(crate) fn commit(
    tables: &mut [Box<dyn ErasedTable>],
    client: &Client,
    limits: Limits,
) -> Result<()> {
    let mut report = Report::default();
    let mut queue: VecDeque<(usize, Batch)> = VecDeque::new();
    for (t, table) in tables.iter().enumerate() {
        let plan = table.plan(limits);
        report.failures.extend(plan.failures);
        queue.extend(plan.batches.into_iter().map(|b| (t, b)));
    }
    let mut stop: Option<cratedb_client::Error> = None;
    let mut first_sql_error: Option<cratedb_client::Error> = None;
    let mut split_requests = 0;
    while let Some((t, batch)) = queue.pop_front() {
        let Some(table) = tables.get_mut(t) else {
            continue;
        };
        let answer = match stop {
            Some(_) => Answer::NotSent,
            None => table.send(&batch, client),
        };
        let mut reading = table.read(&batch, answer, split_requests < MAX_SPLIT_REQUESTS);
        if let Some(e) = reading.error.take() {
            if reading.stops {
                stop.get_or_insert(e);
            } else {
                first_sql_error.get_or_insert(e);
            }
        }
        let split = reading.split;
        let next = table.settle(batch, reading, &mut report);
        if split {
            split_requests += next.len();
        }
        for b in next.into_iter().rev() {
            queue.push_front((t, b));
        }
    }
    let cause = stop.or(first_sql_error);
    if report.failures.is_empty() && cause.is_none() {
        return Ok(());
    }
    Err(Error::Commit(Box::new(CommitError {
        written: report.written,
        failures: report.failures,
        cause,
    })))
}
