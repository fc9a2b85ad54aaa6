//! The commit: plan every table, then send each batch, read its answer and settle it, with
//! the follow-ups an answer calls for sent right after it. With more than one request in
//! flight ([`Session::with_requests_in_flight`](super::Session::with_requests_in_flight)),
//! batches of the same table and the same kind of write are sent side by side (each from a
//! thread of its own, its arguments serialized beforehand), and each answer is still read and
//! settled here, one at a time; a batch of another kind waits until they are all answered,
//! so writes keep their order.

use std::collections::VecDeque;
use std::mem::discriminant;
use std::sync::mpsc;

use cratedb_client::Client;

use super::batch::{Batch, Work};
use super::commit_error::{CommitError, Report, RowFailureCause};
use super::erased::ErasedTable;
use super::outcome::Answer;
use super::plan::Limits;
use super::progress::CommitProgress;
use super::send::send_args;
use crate::{Error, Result};

/// Most requests one commit sends to split failed requests in halves (beyond them, the rows
/// keep the whole request's error as their cause).
const MAX_SPLIT_REQUESTS: usize = 256;

/// A commit under way: what is left to send and what it came to so far.
struct Commit<'a> {
    tables: &'a mut [Box<dyn ErasedTable>],
    /// Told how far the commit is after each answered request.
    progress: &'a mut dyn FnMut(&CommitProgress),
    /// The row writes the commit has to settle.
    total: usize,
    /// Requests answered so far.
    requests: usize,
    queue: VecDeque<(usize, Batch)>,
    report: Report,
    /// The connection-level failure that stopped the commit: nothing more is sent.
    stop: Option<cratedb_client::Error>,
    first_sql_error: Option<cratedb_client::Error>,
    /// How many more requests may be sent to split failed requests in halves.
    split_budget: usize,
    /// Failures (table, index into the report's failures) of versioned writes that met the
    /// row changed: checked for a failed-over primary before the commit ends.
    stale: Vec<(usize, usize)>,
}

impl Commit<'_> {
    /// Reads and settles the answer to `batch` of table `t`; its follow-ups go first in line.
    fn settle(&mut self, t: usize, batch: Batch, answer: Answer) {
        let answer_kind = match answer {
            Answer::NotSent => AnswerKind::NotSent,
            _ => AnswerKind::Answered,
        };
        let Some(table) = self.tables.get_mut(t) else {
            return;
        };
        let may_split = self.split_budget > 0;
        let mut reading = table.read(&batch, answer, may_split);
        if let Some(e) = reading.error.take() {
            if reading.stops {
                self.stop.get_or_insert(e);
            } else {
                self.first_sql_error.get_or_insert(e);
            }
        }
        let sent = !matches!(answer_kind, AnswerKind::NotSent);
        let before = self.report.failures.len();
        let next = table.settle(batch, reading, &mut self.report, &mut self.split_budget);
        for (k, f) in self.report.failures.iter().enumerate().skip(before) {
            if f.cause == RowFailureCause::Stale && !f.may_have_landed {
                self.stale.push((t, k));
            }
        }
        if sent {
            self.requests += 1;
            (self.progress)(&CommitProgress {
                total: self.total as u64,
                written: self.report.written as u64,
                failed: self.report.failures.len() as u64,
                requests: self.requests as u64,
            });
        }
        for b in next.into_iter().rev() {
            self.queue.push_front((t, b));
        }
    }

    /// Versioned writes answered stale whose row's primary failed over since the version
    /// they carried may have landed (see `Table::primary_terms_moved`): their failures say so.
    fn check_stale(&mut self, client: &Client) {
        let mut by_table: Vec<(usize, Vec<usize>)> = Vec::new();
        for &(t, k) in &self.stale {
            match by_table.iter_mut().find(|(table, _)| *table == t) {
                Some((_, failures)) => failures.push(k),
                None => by_table.push((t, vec![k])),
            }
        }
        for (t, failures) in by_table {
            let entries: Vec<usize> = failures
                .iter()
                .filter_map(|&k| self.report.failures.get(k).and_then(|f| f.entry))
                .collect();
            if entries.len() != failures.len() {
                continue;
            }
            let Some(table) = self.tables.get_mut(t) else {
                continue;
            };
            let moved = table.primary_terms_moved(client, &entries);
            for (&k, m) in failures.iter().zip(moved) {
                if let Some(f) = self.report.failures.get_mut(k) {
                    f.may_have_landed |= m;
                }
            }
        }
    }

    /// The commit's result.
    fn finish(mut self, client: &Client) -> Result<()> {
        if !self.stale.is_empty() {
            self.check_stale(client);
        }
        let cause = self.stop.or(self.first_sql_error);
        if self.report.failures.is_empty() && cause.is_none() {
            return Ok(());
        }
        Err(Error::Commit(Box::new(CommitError {
            written: self.report.written,
            failures: self.report.failures,
            cause,
        })))
    }
}

/// Whether a batch was sent (for the progress count).
enum AnswerKind {
    Answered,
    NotSent,
}

/// Writes the pending changes of `tables` (see [`Session::commit`](super::Session::commit)),
/// telling `progress` how far it is after each answered request.
pub(crate) fn commit(
    tables: &mut [Box<dyn ErasedTable>],
    client: &Client,
    limits: Limits,
    progress: &mut dyn FnMut(&CommitProgress),
) -> Result<()> {
    let mut report = Report::default();
    let mut queue: VecDeque<(usize, Batch)> = VecDeque::new();
    let mut total = 0;
    for (t, table) in tables.iter().enumerate() {
        let plan = table.plan(limits);
        total += plan.failures.len() + plan.batches.iter().map(|b| b.targets.len()).sum::<usize>();
        report.failures.extend(plan.failures);
        queue.extend(plan.batches.into_iter().map(|b| (t, b)));
    }
    let mut commit = Commit {
        tables,
        progress,
        total,
        requests: 0,
        queue,
        report,
        stop: None,
        first_sql_error: None,
        split_budget: MAX_SPLIT_REQUESTS,
        stale: Vec::new(),
    };
    if limits.in_flight <= 1 {
        one_at_a_time(&mut commit, client);
    } else {
        side_by_side(&mut commit, client, limits.in_flight);
    }
    commit.finish(client)
}

/// Each batch sent and settled before the next.
fn one_at_a_time(commit: &mut Commit<'_>, client: &Client) {
    while let Some((t, batch)) = commit.queue.pop_front() {
        let answer = match (&commit.stop, commit.tables.get(t)) {
            (None, Some(table)) => table.send(&batch, client),
            _ => Answer::NotSent,
        };
        commit.settle(t, batch, answer);
    }
}

/// Up to `in_flight` batches of the same table and kind of write sent at once.
fn side_by_side(commit: &mut Commit<'_>, client: &Client, in_flight: usize) {
    let (done, answers) = mpsc::channel::<(usize, Answer)>();
    // The batches in flight, by slot; the group (table, kind of work) they share.
    let mut flying: Vec<Option<(usize, Batch)>> = Vec::new();
    let mut group: Option<(usize, std::mem::Discriminant<Work>)> = None;
    loop {
        let busy = flying.iter().filter(|f| f.is_some()).count();
        // Start what may start now.
        if busy < in_flight {
            if let Some((t, batch)) = commit.queue.front() {
                let same = group.is_none_or(|g| g == (*t, discriminant(&batch.work)));
                if busy == 0 || same {
                    if let Some((t, batch)) = commit.queue.pop_front() {
                        launch(commit, client, &done, &mut flying, &mut group, t, batch);
                        continue;
                    }
                }
            }
        }
        if busy == 0 {
            if commit.queue.is_empty() {
                return;
            }
            group = None;
            continue;
        }
        // Settle the next answer.
        let Ok((slot, answer)) = answers.recv() else {
            return;
        };
        if let Some((t, batch)) = flying.get_mut(slot).and_then(Option::take) {
            commit.settle(t, batch, answer);
        }
        if flying.iter().all(Option::is_none) {
            group = None;
        }
    }
}

/// Sends `batch` of table `t` from a thread of its own (or settles it at once when the
/// commit stopped or its arguments cannot be serialized).
fn launch(
    commit: &mut Commit<'_>,
    client: &Client,
    done: &mpsc::Sender<(usize, Answer)>,
    flying: &mut Vec<Option<(usize, Batch)>>,
    group: &mut Option<(usize, std::mem::Discriminant<Work>)>,
    t: usize,
    batch: Batch,
) {
    let args = match (&commit.stop, commit.tables.get(t)) {
        (None, Some(table)) => table.serialize_args(&batch),
        _ => return commit.settle(t, batch, Answer::NotSent),
    };
    let args = match args {
        Ok(args) => args,
        Err(e) => {
            let error = cratedb_client::Error::InvalidArgs {
                message: e.to_string(),
            };
            return commit.settle(t, batch, Answer::Failed(error));
        }
    };
    let slot = match flying.iter().position(Option::is_none) {
        Some(slot) => slot,
        None => {
            flying.push(None);
            flying.len() - 1
        }
    };
    let (client, sql, bulk, done) = (
        client.clone(),
        batch.sql.clone(),
        batch.is_bulk(),
        done.clone(),
    );
    *group = Some((t, discriminant(&batch.work)));
    if let Some(place) = flying.get_mut(slot) {
        *place = Some((t, batch));
    }
    std::thread::spawn(move || {
        let answer = send_args(&client, &sql, bulk, &args);
        // The commit waits for every answer it started: the receiver is there.
        let _ = done.send((slot, answer));
    });
}
