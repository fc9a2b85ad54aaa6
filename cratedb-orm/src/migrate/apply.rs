//! Running a [`Plan`]: its actions in order, each statement as it is printed; a rebuild
//! with its checks. What ran stays done (CrateDB has no transactions); a failure says what
//! ran, what failed and what did not run ([`MigrationFailure`]).

use std::time::{Duration, Instant};

use cratedb_client::Client;
use serde_json::Value;

use super::failure::MigrationFailure;
use super::plan::{Action, Plan};
use super::rebuild::RebuildReport;
use crate::{Error, Result};

/// What applying a plan (or a migration step) did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// The statements that ran, in order.
    pub statements: Vec<String>,
    /// The rebuilds, with their row counts and where the old rows are.
    pub rebuilds: Vec<RebuildReport>,
    /// What went wrong without stopping (a rebuild's old table got rows after the copy, …).
    pub warnings: Vec<String>,
    /// How long it took.
    pub duration: Duration,
}

/// Actions that stopped: everything [`MigrationFailure`] says but the step names.
#[derive(Debug)]
pub(crate) struct ActionsFailure {
    /// The index of the action that failed.
    pub action: usize,
    /// What completed before (statements of completed actions and of the failing one).
    pub report: ApplyReport,
    pub failed: String,
    pub not_run: Vec<String>,
    pub cleanup: Vec<String>,
    pub cause: Error,
}

impl ActionsFailure {
    /// The failure of a migration step (`None`: a plan applied on its own).
    pub(crate) fn into_failure(
        self,
        step: Option<String>,
        applied: Vec<String>,
        later_steps: Vec<String>,
    ) -> MigrationFailure {
        MigrationFailure {
            step,
            applied,
            ran: self.report.statements,
            failed: self.failed,
            not_run: self.not_run,
            cleanup: self.cleanup,
            later_steps,
            cause: self.cause,
        }
    }
}

/// Runs `actions[first..]` in order. After each completed action, `done(index)` is called
/// (a migrator records its progress and renews its lock there); its error stops the run.
pub(crate) fn run_actions(
    client: &Client,
    actions: &[&Action],
    first: usize,
    done: &mut dyn FnMut(usize) -> Result<()>,
) -> std::result::Result<ApplyReport, Box<ActionsFailure>> {
    let started = Instant::now();
    let mut report = ApplyReport::default();
    let rest = |from: usize| -> Vec<String> {
        actions
            .iter()
            .skip(from)
            .flat_map(|a| a.statements())
            .collect()
    };
    for (index, action) in actions.iter().enumerate().skip(first) {
        let stop = match action {
            Action::Statement { sql, .. } => match client.sql(sql, &[] as &[Value]) {
                Ok(_) => {
                    report.statements.push(sql.clone());
                    None
                }
                Err(e) => Some((sql.clone(), rest(index + 1), Vec::new(), Error::from(e))),
            },
            Action::Rebuild(rebuild) => {
                match rebuild.run(client, &mut report.statements, &mut report.warnings) {
                    Ok(r) => {
                        report.rebuilds.push(r);
                        None
                    }
                    Err(f) => {
                        let mut not_run: Vec<String> = rebuild
                            .statements()
                            .into_iter()
                            .skip(f.not_run_from)
                            .collect();
                        not_run.extend(rest(index + 1));
                        Some((f.failed, not_run, f.cleanup, f.cause))
                    }
                }
            }
        };
        let stop = stop.or_else(|| {
            done(index).err().map(|cause| {
                (
                    "recording progress (renewing the migration lock, writing the history row)"
                        .to_owned(),
                    rest(index + 1),
                    Vec::new(),
                    cause,
                )
            })
        });
        if let Some((failed, not_run, cleanup, cause)) = stop {
            report.duration = started.elapsed();
            return Err(Box::new(ActionsFailure {
                action: index,
                report,
                failed,
                not_run,
                cleanup,
                cause,
            }));
        }
    }
    report.duration = started.elapsed();
    Ok(report)
}

impl Plan {
    /// Runs the plan: every action in order, as printed. A plan with
    /// [refusals](Plan::refusals) does not run at all ([`Error::PlanRefused`]). A
    /// statement that fails stops it ([`Error::Migration`], saying what ran and what did
    /// not); what ran stays done. Not guarded against a second process applying at the same
    /// time: use a [`Migrator`](super::Migrator) for that.
    pub fn apply(&self, client: &Client) -> Result<ApplyReport> {
        let refusals = self.refusals();
        if !refusals.is_empty() {
            return Err(Error::PlanRefused {
                refusals: refusals.into_iter().cloned().collect(),
            });
        }
        let actions: Vec<&Action> = self.actions().collect();
        run_actions(client, &actions, 0, &mut |_| Ok(()))
            .map_err(|f| Error::Migration(Box::new(f.into_failure(None, Vec::new(), Vec::new()))))
    }
}
