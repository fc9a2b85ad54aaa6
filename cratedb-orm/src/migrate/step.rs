//! [`Step`]: one named migration — hand-written SQL, a plan made earlier, or a model's table
//! brought in line when the step runs.

use cratedb_client::Client;

use super::plan::{plan_tables, Action, Plan, PlanOptions};
use crate::model::TableMeta;
use crate::{CrateModel, Result};

/// What a step runs.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// Statements, as written.
    Sql(Vec<String>),
    /// A plan made earlier (its statements are fixed).
    Plan(Plan),
    /// The tables of these models brought in line with them, planned when the step runs.
    Sync {
        metas: Vec<TableMeta>,
        options: PlanOptions,
    },
}

/// One named migration step. A [`Migrator`](super::Migrator) runs its steps in order, each
/// once: the names of applied steps are recorded in the history table.
///
/// ```
/// use cratedb_orm::migrate::{PlanOptions, Step};
/// # #[derive(cratedb_orm::CrateModel)]
/// # struct Device { #[cratedb(primary_key)] id: String, battery_pct: Option<f64> }
/// let steps = [
///     Step::sql("0001_devices", [Device::create_table_if_not_exists_sql()]),
///     Step::sql("0002_firmware", [r#"ALTER TABLE "device" ADD COLUMN "firmware" TEXT"#]),
///     Step::sync::<Device>("0003_device_battery", PlanOptions::new()),
/// ];
/// assert_eq!(steps[1].name(), "0002_firmware");
/// assert!(steps[1].checksum().is_some() && steps[2].checksum().is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    name: String,
    kind: Kind,
}

impl Step {
    /// Hand-written statements, run in order as written (values cannot be bound here: write
    /// migrations as DDL). Once applied, a step's statements must not change: the
    /// migrator compares their checksum with the recorded one.
    pub fn sql<I, S>(name: impl Into<String>, statements: I) -> Step
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Step {
            name: name.into(),
            kind: Kind::Sql(statements.into_iter().map(Into::into).collect()),
        }
    }

    /// A plan made earlier ([`plan`](super::plan())), run as printed. Like SQL steps, its
    /// statements are checksummed.
    pub fn plan(name: impl Into<String>, plan: Plan) -> Step {
        Step {
            name: name.into(),
            kind: Kind::Plan(plan),
        }
    }

    /// Model `M`'s table brought in line with the model when the step runs: compared and
    /// planned then, under the migration lock, so that the plan sees the table as it is
    /// (two instances starting at once do not both plan the same `ADD COLUMN`). Not
    /// checksummed: what it runs depends on the table.
    pub fn sync<M: CrateModel>(name: impl Into<String>, options: PlanOptions) -> Step {
        Step::sync_tables(name, &[M::meta()], options)
    }

    /// Like [`sync`](Step::sync), for several models' tables.
    pub fn sync_tables(
        name: impl Into<String>,
        metas: &[&TableMeta],
        options: PlanOptions,
    ) -> Step {
        Step {
            name: name.into(),
            kind: Kind::Sync {
                metas: metas.iter().map(|m| (*m).clone()).collect(),
                options,
            },
        }
    }

    /// The step's name (its identity in the history table).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The checksum of its statements (FNV-1a, 64 bits, hex), for SQL and plan steps; `None`
    /// for steps planned when they run.
    pub fn checksum(&self) -> Option<String> {
        let statements = match &self.kind {
            Kind::Sql(statements) => statements.clone(),
            Kind::Plan(plan) => plan.statements(),
            Kind::Sync { .. } => return None,
        };
        Some(checksum(&statements))
    }

    /// The plan the step runs: its statements, its plan, or (for a sync step) the plan made
    /// now.
    pub(crate) fn resolve(&self, client: &Client) -> Result<Plan> {
        Ok(match &self.kind {
            Kind::Sql(_) => Plan::default(),
            Kind::Plan(plan) => plan.clone(),
            Kind::Sync { metas, options } => {
                let metas: Vec<&TableMeta> = metas.iter().collect();
                plan_tables(client, &metas, options)?
            }
        })
    }

    /// The actions to run, from `plan` ([`resolve`](Step::resolve)'s) or the SQL.
    pub(crate) fn actions(&self, plan: &Plan) -> Vec<Action> {
        match &self.kind {
            Kind::Sql(statements) => statements
                .iter()
                .map(|sql| Action::Statement {
                    sql: sql.clone(),
                    why: format!("step {}", self.name),
                })
                .collect(),
            _ => plan.actions().cloned().collect(),
        }
    }

    /// Whether the step is planned when it runs.
    pub(crate) fn is_sync(&self) -> bool {
        matches!(self.kind, Kind::Sync { .. })
    }
}

/// FNV-1a (64 bits) of the statements, each followed by a NUL, as 16 hex digits: stable
/// across Rust versions and platforms, as a checksum kept in a table must be.
fn checksum(statements: &[String]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for statement in statements {
        for byte in statement.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_are_stable() {
        assert_eq!(checksum(&[]), "cbf29ce484222325");
        // FNV-1a of "a\0".
        assert_eq!(checksum(&["a".to_owned()]), "089be207b544f1e4");
        assert_ne!(
            checksum(&["ab".to_owned()]),
            checksum(&["a".to_owned(), "b".to_owned()])
        );
        let step = Step::sql("s", ["SELECT 1"]);
        assert_eq!(step.checksum(), Some(checksum(&["SELECT 1".to_owned()])));
    }
}
