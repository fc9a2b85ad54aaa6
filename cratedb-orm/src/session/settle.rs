//! Settling a batch: the one place where the outcomes of an answer change the entries —
//! landed rows take the server's values and join the identity map, failed rows stay pending
//! with their cause — and where the follow-ups an answer calls for are planned.

use cratedb_client::SqlError;

use super::batch::{Batch, NotAsSent, Work};
use super::commit_error::{Report, RowFailureCause, WriteKind};
use super::matching::lookup_columns;
use super::outcome::{Doubt, Reading, RowOutcome};
use super::plan;
use super::table::Table;
use crate::model::CrateModel;

/// Applies `reading` (the answer to `batch`) to `table`, tallies it in `report`, and returns
/// the batches to send next because of it.
/// `split_budget` is how many more requests the commit may send to split failed requests in
/// halves; halves sent here are taken from it.
pub(crate) fn settle<M: CrateModel>(
    table: &mut Table<M>,
    batch: Batch,
    reading: Reading,
    report: &mut Report,
    split_budget: &mut usize,
) -> Vec<Batch> {
    if reading.split {
        let halves = plan::halves::<M>(&batch).map_or_else(Vec::new, Vec::from);
        *split_budget = split_budget.saturating_sub(halves.len());
        return halves;
    }
    let kind = batch.kind();
    let mut returned = reading.returned;
    let mut skipped = Vec::new();
    let mut verify = Vec::new();
    for (target, outcome) in batch.targets.iter().zip(reading.rows) {
        match outcome {
            RowOutcome::Landed(row) => {
                let row = row
                    .zip(returned.as_mut())
                    .and_then(|(r, (layout, rows))| rows.get_mut(r).map(|row| (&*layout, row)));
                let mut undecoded = None;
                if let Some((layout, row)) = row {
                    match batch.work {
                        Work::VersionedUpdate { .. } => {
                            let version = super::table::version_of(layout.version_positions(), row);
                            table.store_version(target, version);
                        }
                        _ => undecoded = table.store_returned(target, layout, row).err(),
                    }
                }
                table.landed(target, kind);
                report.written += 1;
                if let Some(e) = undecoded {
                    // The row is in the database (tracked as such, never inserted twice),
                    // but a value it returned did not fit the model.
                    report.failures.push(table.failure(
                        target,
                        kind,
                        RowFailureCause::Invalid(format!(
                            "inserted, but a returned value did not decode: {e}"
                        )),
                    ));
                }
            }
            RowOutcome::LandedEarlier(r) => {
                let stored = returned.as_ref().and_then(|(layout, rows)| {
                    let row = rows.get(r)?;
                    let version = super::table::version_of(layout.version_positions(), row);
                    M::from_row(layout, &mut row.clone())
                        .ok()
                        .map(|model| (model, version))
                });
                if let Some((model, version)) = stored {
                    table.landed_earlier(target, model, version);
                    report.written += 1;
                    // The change made since goes in the next commit, as an UPDATE.
                    report.failures.push(table.failure(
                        target,
                        WriteKind::Update,
                        RowFailureCause::ChangedSinceInsert,
                    ));
                }
            }
            RowOutcome::Failed {
                cause,
                may_have_landed,
            } => {
                if may_have_landed && kind == WriteKind::Insert {
                    table.insert_outcome_unknown(target);
                } else if may_have_landed {
                    table.write_unconfirmed(target);
                }
                let mut failure = table.failure(target, kind, cause);
                failure.may_have_landed = may_have_landed;
                report.failures.push(failure);
            }
            RowOutcome::Skipped => skipped.push(target),
            RowOutcome::Verify(doubt) => verify.push((target, doubt)),
        }
    }
    let mut next = Vec::new();
    let (Work::InsertReturning { columns }
    | Work::Insert { columns }
    | Work::Verify { columns, .. }) = &batch.work
    else {
        return next;
    };
    // Rows that failed for good because their rounds or splits are spent: the lookup showed
    // they did not land, and `cause` is what they met.
    let mut fail = |table: &Table<M>, rows: &[usize], cause: RowFailureCause| {
        for &t in rows {
            report.failures.push(table.failure(t, kind, cause.clone()));
        }
    };
    match &batch.work {
        // Rows a lookup did not find after an internal error go again together.
        Work::Verify {
            otherwise: NotAsSent::Again { bulk, error },
            ..
        } => {
            if batch.resends_left > 0 {
                next.extend(plan::again::<M>(&batch, columns, &skipped, *bulk));
            } else {
                let cause = error
                    .clone()
                    .map_or(RowFailureCause::Failed, RowFailureCause::Sql);
                fail(table, &skipped, cause);
            }
        }
        // Rows a lookup did not find after their request failed as a whole go again in
        // halves, until the row the error comes from is alone.
        Work::Verify {
            otherwise: NotAsSent::Halves { bulk, error },
            ..
        } => {
            let halves = (*split_budget > 0)
                .then(|| plan::halves_of::<M>(&batch, columns, &skipped, *bulk))
                .flatten();
            match halves {
                Some(halves) => {
                    *split_budget = split_budget.saturating_sub(halves.len());
                    next.extend(halves);
                }
                None => fail(table, &skipped, RowFailureCause::Sql(error.clone())),
            }
        }
        // Those a multi-row INSERT left out, or that failed without detail beside the rows'
        // own errors, alone for CrateDB's own error.
        Work::Verify { .. } => next.extend(plan::one_by_one::<M>(columns, &skipped)),
        // Skipped rows whose key is known are looked up first (one request for many rows: is
        // the key taken, or did an earlier INSERT of the row land?).
        _ if lookup_columns(M::meta(), columns).is_some() => next.extend(plan::verify(
            table,
            &batch,
            columns,
            &skipped,
            NotAsSent::Alone,
        )),
        _ => next.extend(plan::one_by_one::<M>(columns, &skipped)),
    }
    // Rows whose INSERT is in doubt, looked up by key in one request per doubt (and per
    // lookup size).
    let mut duplicate: (Vec<usize>, Option<SqlError>) = (Vec::new(), None);
    let mut internal: (Vec<usize>, Option<SqlError>) = (Vec::new(), None);
    let mut statement: (Vec<usize>, Option<SqlError>) = (Vec::new(), None);
    let mut unexplained = Vec::new();
    for (target, doubt) in verify {
        match doubt {
            Doubt::Duplicate(e) => {
                duplicate.0.push(target);
                duplicate.1.get_or_insert(e);
            }
            Doubt::Internal(e) => {
                internal.0.push(target);
                if internal.1.is_none() {
                    internal.1 = e;
                }
            }
            Doubt::Statement(e) => {
                statement.0.push(target);
                statement.1.get_or_insert(e);
            }
            Doubt::Unexplained => unexplained.push(target),
        }
    }
    let bulk = batch.is_bulk();
    let lookups = [
        duplicate.1.map(|e| (duplicate.0, NotAsSent::Duplicate(e))),
        Some((
            internal.0,
            NotAsSent::Again {
                bulk,
                error: internal.1,
            },
        )),
        statement
            .1
            .map(|error| (statement.0, NotAsSent::Halves { bulk, error })),
        Some((unexplained, NotAsSent::Alone)),
    ];
    for (targets, otherwise) in lookups.into_iter().flatten() {
        next.extend(plan::verify(table, &batch, columns, &targets, otherwise));
    }
    next
}
