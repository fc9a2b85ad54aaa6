//! Schema evolution: models compared with their tables, plans printed as SQL, and
//! versioned migrations.
//!
//! (Work in progress.)

mod apply;
mod diff;
mod failure;
mod history;
mod lock;
mod migrator;
mod normalize;
mod plan;
mod rebuild;
mod step;

pub use apply::ApplyReport;
pub use diff::{diff, diff_table, Change, TableDiff};
pub use failure::MigrationFailure;
pub use history::{StepRecord, StepStatus};
pub use migrator::{MigrationReport, Migrator, StepReport, DEFAULT_HISTORY_TABLE};
pub use plan::{plan, plan_tables, Action, Plan, PlanOptions, Refusal, TablePlan};
pub use rebuild::{Rebuild, RebuildReport};
pub use step::Step;
