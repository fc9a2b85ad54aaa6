//! [`Migrator`]: ordered, named [`Step`]s applied once each, recorded in a history table,
//! under a lock row so that two instances of an application starting at once apply each
//! step once.
//!
//! `apply`:
//! 1. creates the history and lock tables if needed (`CREATE TABLE IF NOT EXISTS`);
//! 2. takes the lock (waits while another migrator holds it; takes over a lock not renewed
//!    for [`lock_stale_after`](Migrator::lock_stale_after));
//! 3. reads the history (after `REFRESH TABLE`) and checks that no applied step changed
//!    (checksums of SQL and plan steps);
//! 4. runs each step not yet applied, in order: its row is written `running`, the lock
//!    renewed and the row's `actions_done` advanced after each action, then `applied`. A
//!    step that fails is written `failed` with the error and how far it got; the next
//!    `apply` resumes it at the failed action (a step planned when it runs is planned
//!    again, from the table as it is then);
//! 5. releases the lock, also after a failure.
//!
//! Applying twice runs nothing the second time. A second migrator that starts meanwhile
//! waits for the lock, then finds every step applied.

use std::time::Duration;

use cratedb_client::Client;

use super::apply::{run_actions, ApplyReport};
use super::failure::MigrationFailure;
use super::history::{History, StepRecord, StepStatus};
use super::lock::{Held, Lock};
use super::plan::Action;
use super::step::Step;
use crate::ddl::TableName;
use crate::reflect::resolve_schema;
use crate::{Error, Result};

/// The default name of the history table (the lock table adds `_lock`).
pub const DEFAULT_HISTORY_TABLE: &str = "cratedb_orm_migrations";

/// Runs migration steps once each, in order, recording them in a history table.
///
/// ```no_run
/// use std::time::Duration;
/// use cratedb_orm::migrate::{Migrator, PlanOptions, Step};
/// # #[derive(cratedb_orm::CrateModel)]
/// # struct Device { #[cratedb(primary_key)] id: String, battery_pct: Option<f64> }
/// let client = cratedb_orm::Client::new("crate://localhost:4200")?;
/// let report = Migrator::new(&client)
///     .lock_wait(Duration::from_secs(60))
///     .step(Step::sql("0001_devices", [Device::create_table_if_not_exists_sql()]))
///     .step(Step::sync::<Device>("0002_device_battery", PlanOptions::new()))
///     .apply()?;
/// for step in &report.applied {
///     println!("{}: {} statements", step.name, step.report.statements.len());
/// }
/// # Ok::<(), cratedb_orm::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Migrator {
    client: Client,
    schema: Option<String>,
    history_table: String,
    owner: String,
    stale_after: Duration,
    wait: Duration,
    poll: Duration,
    steps: Vec<Step>,
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepReport {
    /// The step.
    pub name: String,
    /// Its statements, rebuilds and warnings.
    pub report: ApplyReport,
    /// Where an earlier, failed attempt had stopped (the first action run now), if it did.
    pub resumed_at: Option<usize>,
}

/// What [`Migrator::apply`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// The steps this run applied, in order.
    pub applied: Vec<StepReport>,
    /// The steps already applied before (by this or another migrator).
    pub already_applied: Vec<String>,
    /// How long this migrator waited for the lock.
    pub waited: Duration,
    /// The owner of a stale lock this migrator took over.
    pub took_over: Option<String>,
    /// Warnings of the steps (a rebuild's late rows, a changed failed step resumed, …).
    pub warnings: Vec<String>,
}

impl Migrator {
    /// A migrator over `client`, without steps. History and lock tables go in the client's
    /// default schema unless [`schema`](Migrator::schema) says otherwise.
    pub fn new(client: &Client) -> Self {
        let tag = crate::types::random_uuid();
        Migrator {
            client: client.clone(),
            schema: None,
            history_table: DEFAULT_HISTORY_TABLE.to_owned(),
            owner: format!(
                "pid {} {}",
                std::process::id(),
                tag.get(..8).unwrap_or(&tag)
            ),
            stale_after: Duration::from_secs(15 * 60),
            wait: Duration::from_secs(5 * 60),
            poll: Duration::from_millis(250),
            steps: Vec::new(),
        }
    }

    /// The schema of the history and lock tables.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// The history table's name (default `cratedb_orm_migrations`; the lock table is
    /// `<name>_lock`).
    pub fn history_table(mut self, name: impl Into<String>) -> Self {
        self.history_table = name.into();
        self
    }

    /// This migrator's name in the lock and history rows (default `pid <pid> <random>`):
    /// unique per running instance.
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = owner.into();
        self
    }

    /// The name this migrator records as holder of the lock and runner of steps.
    pub fn owner_name(&self) -> &str {
        &self.owner
    }

    /// A lock not renewed for this long is taken over (default 15 minutes). The holder
    /// renews it after every action, so this must exceed the longest action (a rebuild's
    /// copy of a large table is one action).
    pub fn lock_stale_after(mut self, after: Duration) -> Self {
        self.stale_after = after;
        self
    }

    /// How long to wait for another migrator's lock (default 5 minutes), polling every
    /// 250 ms; then [`Error::MigrationLocked`].
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// Adds a step (steps run in the order added; names must be unique).
    pub fn step(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// The steps, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    fn schema_name(&self) -> String {
        resolve_schema(&self.client, self.schema.as_deref()).to_owned()
    }

    fn history(&self) -> History {
        History {
            table: TableName::new(Some(&self.schema_name()), &self.history_table),
        }
    }

    fn lock(&self) -> Lock {
        Lock {
            table: TableName::new(
                Some(&self.schema_name()),
                &format!("{}_lock", self.history_table),
            ),
            id: "migrations".to_owned(),
            owner: self.owner.clone(),
            stale_after: self.stale_after,
            wait: self.wait,
            poll: self.poll,
        }
    }

    /// The history table's rows, by position (empty before the first `apply`).
    pub fn records(&self) -> Result<Vec<StepRecord>> {
        self.history().read(&self.client)
    }

    /// The names of the steps not applied yet, in order (read without the lock).
    pub fn pending(&self) -> Result<Vec<String>> {
        let records = self.records()?;
        Ok(self
            .steps
            .iter()
            .filter(|s| !is_applied(&records, s.name()))
            .map(|s| s.name().to_owned())
            .collect())
    }

    /// The SQL each pending step would run now, as a script (steps planned when they run
    /// are planned now, against the tables as they are; nothing is changed, nothing
    /// locked). What `apply` runs may differ if the tables change meanwhile.
    pub fn dry_run(&self) -> Result<String> {
        let records = self.records()?;
        let mut out = String::from(
            "-- planned against the tables as they are now: a step after a pending one may \
             plan otherwise when it runs\n",
        );
        for step in &self.steps {
            if is_applied(&records, step.name()) {
                out.push_str(&format!("-- step {}: applied\n", step.name()));
                continue;
            }
            out.push_str(&format!("-- step {}:\n", step.name()));
            let plan = step.resolve(&self.client)?;
            let actions = step.actions(&plan);
            if step.is_sync() || !plan.tables.is_empty() {
                out.push_str(&plan.to_sql());
            } else {
                for action in &actions {
                    for sql in action.statements() {
                        out.push_str(&sql);
                        out.push_str(";\n");
                    }
                }
            }
        }
        Ok(out)
    }

    fn create_tables(&self, history: &History, lock: &Lock) -> Result<()> {
        for sql in [history.create_sql(), lock.create_sql()] {
            if let Err(e) = self.client.sql(&sql, &[] as &[serde_json::Value]) {
                // Two migrators creating the table at once: one may hear that it exists.
                if e.sql_error().is_none_or(|s| s.code != 4093) {
                    return Err(e.into());
                }
            }
        }
        Ok(())
    }

    /// Applies every step not yet applied, in order, under the lock (see the module docs).
    /// A step that fails stops the run ([`Error::Migration`], naming the step, what of it
    /// ran, what failed, and the steps not run); the lock is released either way.
    pub fn apply(&self) -> Result<MigrationReport> {
        let mut names: Vec<&str> = self.steps.iter().map(Step::name).collect();
        names.sort_unstable();
        for pair in names.windows(2) {
            if let [a, b] = pair {
                if a == b {
                    return Err(Error::InvalidQuery {
                        message: format!("two migration steps are named {a:?}"),
                    });
                }
            }
        }
        let history = self.history();
        let lock = self.lock();
        self.create_tables(&history, &lock)?;
        let mut held = lock.acquire(&self.client)?;
        let result = self.apply_locked(&history, &lock, &mut held);
        let released = lock.release(&self.client, &held);
        let mut report = result?;
        report.waited = held.waited;
        report.took_over = held.took_over.clone();
        if !released? {
            report.warnings.push(format!(
                "the migration lock was no longer {}'s when it released it",
                self.owner
            ));
        }
        Ok(report)
    }

    fn apply_locked(
        &self,
        history: &History,
        lock: &Lock,
        held: &mut Held,
    ) -> Result<MigrationReport> {
        let records = history.read(&self.client)?;
        let record_of = |name: &str| records.iter().find(|r| r.name == name);
        // No applied step may have changed.
        for step in &self.steps {
            if let (Some(record), Some(current)) = (record_of(step.name()), step.checksum()) {
                if let (StepStatus::Applied, Some(applied)) = (&record.status, &record.checksum) {
                    if *applied != current {
                        return Err(Error::MigrationChanged {
                            step: step.name().to_owned(),
                            applied: applied.clone(),
                            current,
                        });
                    }
                }
            }
        }
        let mut report = MigrationReport::default();
        for (position, step) in self.steps.iter().enumerate() {
            let record = record_of(step.name());
            if record.is_some_and(|r| r.status == StepStatus::Applied) {
                report.already_applied.push(step.name().to_owned());
                continue;
            }
            let later: Vec<String> = self
                .steps
                .iter()
                .skip(position + 1)
                .map(|s| s.name().to_owned())
                .collect();
            let applied: Vec<String> = report.applied.iter().map(|s| s.name.clone()).collect();
            let fail = |failure: MigrationFailure| Error::Migration(Box::new(failure));
            // A step planned when it runs starts over; a fixed one resumes where it stopped.
            let resume = match record {
                Some(r) if !step.is_sync() => usize::try_from(r.actions_done).unwrap_or(0),
                _ => 0,
            };
            if let (Some(r), Some(current)) = (record, step.checksum()) {
                if resume > 0 && r.checksum.as_ref() != Some(&current) {
                    report.warnings.push(format!(
                        "step {} changed since its failed attempt; resuming at action {} (the \
                         first {resume} ran then)",
                        step.name(),
                        resume + 1
                    ));
                }
            }
            let plan = match step.resolve(&self.client) {
                Ok(plan) => plan,
                Err(cause) => {
                    return Err(fail(MigrationFailure {
                        step: Some(step.name().to_owned()),
                        applied,
                        ran: Vec::new(),
                        failed: "planning the step".to_owned(),
                        not_run: Vec::new(),
                        cleanup: Vec::new(),
                        later_steps: later,
                        cause,
                    }))
                }
            };
            let refusals = plan.refusals();
            if !refusals.is_empty() {
                return Err(fail(MigrationFailure {
                    step: Some(step.name().to_owned()),
                    applied,
                    ran: Vec::new(),
                    failed: "planning the step".to_owned(),
                    not_run: plan.statements(),
                    cleanup: Vec::new(),
                    later_steps: later,
                    cause: Error::PlanRefused {
                        refusals: refusals.into_iter().cloned().collect(),
                    },
                }));
            }
            let actions = step.actions(&plan);
            let action_refs: Vec<&Action> = actions.iter().collect();
            let mut row = StepRecord {
                name: step.name().to_owned(),
                position: i64::try_from(position).unwrap_or(i64::MAX),
                checksum: step.checksum(),
                status: StepStatus::Running,
                actions_done: i64::try_from(resume).unwrap_or(0),
                statements: record.map(|r| r.statements.clone()).unwrap_or_default(),
                error: None,
                applied_by: Some(self.owner.clone()),
                started_at: None,
                finished_at: None,
            };
            lock.renew(&self.client, held)?;
            history.write(&self.client, &row)?;
            let mut done = |index: usize| -> Result<()> {
                lock.renew(&self.client, held)?;
                row.actions_done = i64::try_from(index + 1).unwrap_or(i64::MAX);
                row.statements = statements_so_far(record, &actions, resume, index);
                history.write(&self.client, &row)
            };
            let outcome = run_actions(&self.client, &action_refs, resume, &mut done);
            match outcome {
                Ok(step_report) => {
                    let mut statements = record.map(|r| r.statements.clone()).unwrap_or_default();
                    statements.extend(step_report.statements.iter().cloned());
                    let finished = StepRecord {
                        status: StepStatus::Applied,
                        actions_done: i64::try_from(actions.len()).unwrap_or(i64::MAX),
                        statements,
                        ..row_template(step, position, &self.owner)
                    };
                    history.write(&self.client, &finished)?;
                    report.warnings.extend(step_report.warnings.iter().cloned());
                    report.applied.push(StepReport {
                        name: step.name().to_owned(),
                        report: step_report,
                        resumed_at: (resume > 0).then_some(resume),
                    });
                }
                Err(failure) => {
                    let mut statements = record.map(|r| r.statements.clone()).unwrap_or_default();
                    statements.extend(failure.report.statements.iter().cloned());
                    let failed = StepRecord {
                        status: StepStatus::Failed,
                        actions_done: i64::try_from(failure.action).unwrap_or(0),
                        statements,
                        error: Some(format!("{}: {}", failure.failed, failure.cause)),
                        ..row_template(step, position, &self.owner)
                    };
                    // Best effort: the failure is what matters; a lost lock stops here too.
                    let _ = history.write(&self.client, &failed);
                    return Err(fail(failure.into_failure(
                        Some(step.name().to_owned()),
                        applied,
                        later,
                    )));
                }
            }
        }
        Ok(report)
    }
}

fn is_applied(records: &[StepRecord], name: &str) -> bool {
    records
        .iter()
        .any(|r| r.name == name && r.status == StepStatus::Applied)
}

fn row_template(step: &Step, position: usize, owner: &str) -> StepRecord {
    StepRecord {
        name: step.name().to_owned(),
        position: i64::try_from(position).unwrap_or(i64::MAX),
        checksum: step.checksum(),
        status: StepStatus::Running,
        actions_done: 0,
        statements: Vec::new(),
        error: None,
        applied_by: Some(owner.to_owned()),
        started_at: None,
        finished_at: None,
    }
}

/// The statements recorded for a step once action `index` completed: those of earlier
/// attempts, then those of the actions from `first` to `index` (as planned).
fn statements_so_far(
    record: Option<&StepRecord>,
    actions: &[Action],
    first: usize,
    index: usize,
) -> Vec<String> {
    let mut statements = record.map(|r| r.statements.clone()).unwrap_or_default();
    for action in actions.iter().take(index + 1).skip(first) {
        statements.extend(action.statements());
    }
    statements
}
