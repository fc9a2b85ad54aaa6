//! Settling a batch: the one place where the outcomes of an answer change the entries —
//! landed rows take the server's values and join the identity map, failed rows stay pending
//! with their cause — and where the follow-ups an answer calls for are planned.

use super::batch::{Batch, Work};
use super::commit_error::{Report, RowFailureCause, WriteKind};
use super::matching::client_identity;
use super::outcome::{Reading, RowOutcome};
use super::plan;
use super::table::Table;
use crate::model::CrateModel;

/// Applies `reading` (the answer to `batch`) to `table`, tallies it in `report`, and returns
/// the batches to send next because of it.
pub(crate) fn settle<M: CrateModel>(
    table: &mut Table<M>,
    batch: Batch,
    reading: Reading,
    report: &mut Report,
) -> Vec<Batch> {
    if reading.split {
        return plan::halves::<M>(&batch).map_or_else(Vec::new, Vec::from);
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
            RowOutcome::Failed {
                cause,
                may_have_landed,
            } => {
                if may_have_landed && kind == WriteKind::Insert {
                    table.insert_outcome_unknown(target);
                }
                let mut failure = table.failure(target, kind, cause);
                failure.may_have_landed = may_have_landed;
                report.failures.push(failure);
            }
            RowOutcome::Skipped => skipped.push(target),
            RowOutcome::Verify(duplicate) => verify.push((target, duplicate)),
        }
    }
    let mut next = Vec::new();
    let (Work::InsertReturning { columns }
    | Work::Insert { columns }
    | Work::Verify { columns, .. }) = &batch.work
    else {
        return next;
    };
    // Skipped rows whose key the client knows are looked up first (one request for many
    // rows: is the key taken, or did an earlier INSERT of the row land?); the others, and
    // rows the lookup did not find, are sent again alone for CrateDB's own error.
    let (check, alone) =
        if matches!(batch.work, Work::Verify { .. }) || !client_identity(M::meta(), columns) {
            (Vec::new(), skipped)
        } else {
            (skipped, Vec::new())
        };
    next.extend(plan::verify(table, columns, &check, None));
    next.extend(plan::one_by_one::<M>(columns, &alone));
    // Rows checked by key: those that met a duplicate key keep it if the lookup does not find
    // them as sent; the others are handled as skipped rows.
    let (duplicates, unsure): (Vec<_>, Vec<_>) = verify.into_iter().partition(|(_, e)| e.is_some());
    if let Some(duplicate) = duplicates.first().and_then(|(_, e)| e.as_ref()) {
        let targets: Vec<usize> = duplicates.iter().map(|(t, _)| *t).collect();
        next.extend(plan::verify(table, columns, &targets, Some(duplicate)));
    }
    let unsure: Vec<usize> = unsure.into_iter().map(|(t, _)| t).collect();
    next.extend(plan::verify(table, columns, &unsure, None));
    next
}
