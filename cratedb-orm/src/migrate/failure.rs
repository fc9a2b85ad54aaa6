//! [`MigrationFailure`]: a plan or a migration step that stopped part-way — what ran, what
//! failed and why, what did not run, and what was undone. CrateDB has no transactions: the
//! statements that ran stay done.

use std::fmt;

use crate::Error;

/// A plan or migration step that stopped part-way (inside
/// [`Error::Migration`](crate::Error::Migration)).
#[derive(Debug)]
pub struct MigrationFailure {
    /// The migration step, when a [`Migrator`](super::Migrator) ran it.
    pub step: Option<String>,
    /// Steps applied by this run before the failing one.
    pub applied: Vec<String>,
    /// The statements of the failing step (or plan) that ran, in order: they stay done.
    pub ran: Vec<String>,
    /// The statement, or the check, that failed.
    pub failed: String,
    /// The statements of the step (or plan) that did not run, in order.
    pub not_run: Vec<String>,
    /// Statements run to undo part of what ran (a rebuild's new table dropped, its write
    /// block lifted).
    pub cleanup: Vec<String>,
    /// Later steps, not run.
    pub later_steps: Vec<String>,
    /// Why it failed: CrateDB's error (code and message kept), a rebuild's count check, …
    pub cause: Error,
}

fn statements(f: &mut fmt::Formatter<'_>, what: &str, list: &[String]) -> fmt::Result {
    if list.is_empty() {
        return Ok(());
    }
    let plural = if list.len() == 1 { "" } else { "s" };
    write!(f, "\n  {what} ({} statement{plural}):", list.len())?;
    for sql in list {
        write!(f, "\n    {sql}")?;
    }
    Ok(())
}

impl fmt::Display for MigrationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.step {
            Some(step) => write!(f, "migration step {step:?} failed at: {}", self.failed)?,
            None => write!(f, "migration plan failed at: {}", self.failed)?,
        }
        write!(f, "\n  cause: {}", self.cause)?;
        if !self.applied.is_empty() {
            write!(
                f,
                "\n  steps applied before it: {}",
                self.applied.join(", ")
            )?;
        }
        statements(f, "ran, and stays done", &self.ran)?;
        statements(f, "not run", &self.not_run)?;
        statements(f, "undone by", &self.cleanup)?;
        if !self.later_steps.is_empty() {
            write!(f, "\n  steps not run: {}", self.later_steps.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for MigrationFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}
