//! Schema evolution: a model changes, its table follows, no data lost.
//!
//! - [`diff`] compares a model with its table on the server (through
//!   [`reflect::table_definition`](crate::reflect::table_definition)): columns and object
//!   keys missing, extra or renamed (`#[cratedb(renamed_from = "old")]`, never guessed),
//!   types, NOT NULL, defaults, generated expressions, indexes and fulltext indexes, the
//!   primary key, clustering, shards, partitioning and the settings the model declares.
//! - [`plan`] turns the differences into a [`Plan`], printed as SQL before anything runs:
//!   changes CrateDB makes in place, a [`Refusal`] naming the column and the reason for
//!   what it cannot, and, opted in with [`PlanOptions::rebuild`], a [`Rebuild`] (new table,
//!   `INSERT INTO … SELECT`, counts checked, `ALTER CLUSTER SWAP TABLE`, the old rows kept).
//!   [`Plan::apply`] runs it; a statement that fails stops it, saying what ran and what did
//!   not ([`MigrationFailure`]).
//! - A [`Migrator`] runs ordered, named [`Step`]s (hand-written SQL, a plan, or a model
//!   synced when the step runs) once each, recorded in a history table, under a lock row, so
//!   that two instances of an application starting at once apply each step once.
//!
//! ```no_run
//! use cratedb_orm::migrate::{self, Migrator, PlanOptions, Step};
//! use cratedb_orm::{Client, CrateModel};
//!
//! #[derive(CrateModel)]
//! #[cratedb(table = "devices")]
//! struct Device {
//!     #[cratedb(primary_key)]
//!     id: String,
//!     #[cratedb(renamed_from = "battery")]
//!     battery_pct: Option<f64>,
//! }
//!
//! let client = Client::new("crate://localhost:4200")?;
//! // Look first: the plan as SQL.
//! let plan = migrate::plan::<Device>(&client, &PlanOptions::new())?;
//! println!("{plan}"); // ALTER TABLE "doc"."devices" RENAME COLUMN "battery" TO "battery_pct"; …
//!
//! // At start-up, in every instance: each step once, under the lock.
//! Migrator::new(&client)
//!     .step(Step::sql("0001_devices", [r#"CREATE TABLE IF NOT EXISTS "devices" ("id" TEXT PRIMARY KEY, "battery" DOUBLE PRECISION)"#]))
//!     .step(Step::sync::<Device>("0002_battery_pct", PlanOptions::new()))
//!     .apply()?;
//! # Ok::<(), cratedb_orm::Error>(())
//! ```
//!
//! # What changes how (CrateDB 6.4.3)
//!
//! | change | how |
//! |---|---|
//! | table missing | `CREATE TABLE` |
//! | nullable column added (with its default, index, storage) | in place: `ADD COLUMN`; existing rows read NULL, the default fills new rows |
//! | key of an object column added (`object(columns(…))`) | in place: `ADD COLUMN "o"['k'] TYPE` |
//! | NOT NULL or generated column added | in place on an empty table; else by rebuild (generated, or a key column with a default), or refused (NOT NULL without a default) |
//! | column renamed (`renamed_from`) | in place: `RENAME COLUMN` |
//! | default changed or dropped | in place: `ALTER COLUMN … SET DEFAULT` / `DROP DEFAULT` (new rows) |
//! | replicas, refresh interval, column policy, other dynamic settings | in place: `SET (…)` |
//! | column not in the model | kept; `DROP COLUMN` with [`PlanOptions::drop_columns`] |
//! | type, NOT NULL added or removed, generated expression, index, columnstore, named fulltext index, primary key, `CLUSTERED BY`, shards, `PARTITIONED BY`, static settings (`codec`) | rebuild, or refused |
//! | fulltext index not in the model | kept (CrateDB cannot drop one; a rebuild leaves it out) |
//!
//! # What the server does (each shown by `tests/live_migrate.rs` and `tests/live_migrator.rs`)
//!
//! - `ADD COLUMN c INTEGER DEFAULT 5` on a table with rows works; the old rows read NULL
//!   (defaults are not backfilled), new rows get 5, and `information_schema` says `'5'`.
//! - `ADD COLUMN c TEXT NOT NULL` on a table with rows is accepted, but the old rows read
//!   NULL and every UPDATE of them then fails (`"c" must not be null`); `c IS NULL` does not
//!   even find them (`coalesce` does). Hence the refusal. A generated or primary-key column
//!   is refused on a table with rows (`[4004] Cannot add a generated column to a table that
//!   isn't empty`).
//! - `RENAME COLUMN` takes one column per statement (a list is `[4000]`); NOT NULL cannot be
//!   dropped (`DROP CONSTRAINT` of the `…_not_null` check is `[4000]`); there is no `ALTER
//!   COLUMN … TYPE`.
//! - `information_schema` prints defaults and generated expressions normalised
//!   (`((id * 2) + 1)` for `id*2 + 1`, `'ab'` for `concat('a', 'b')`, casts such as
//!   `2::bigint` on a BIGINT column), exactly as `EXPLAIN SELECT <expr> FROM t` does: the
//!   diff normalises a model's expression that way before calling it different.
//! - `INSERT INTO … SELECT` answers the rows written and skips a row it cannot write
//!   without an error (`'abc'` into INTEGER): a rebuild compares the counts and stops
//!   before the swap when they differ.
//! - `"blocks.write" = true` refuses INSERT and UPDATE (`[4007]`), but also `ALTER CLUSTER
//!   SWAP TABLE` and `DROP TABLE`: a rebuild lifts the block just before the swap, and a
//!   row written in that moment is counted and reported
//!   ([`RebuildReport::late_rows`]). A rebuild of 100,000 rows took 1.3–2.8 s on one node.
//! - There are no transactions and no locks: the migration lock is a row taken with `INSERT
//!   … ON CONFLICT DO NOTHING RETURNING "_seq_no"` (no row back: held by another), renewed,
//!   taken over and released only by key and `_seq_no`/`_primary_term`; a `DELETE … WHERE
//!   "id" = $1 AND "owner" = $2` finds the row by a search, which sees the last refresh, and
//!   deleted a row whose owner had changed.
//! - A query naming a column the table lacks gets `[4043] ColumnUnknownException[Column
//!   battery_pct unknown]`, for strict and dynamic tables alike: see
//!   [`Error::MissingColumn`](crate::Error::MissingColumn) and
//!   [`Session::read_missing_columns_as_null`](crate::Session::read_missing_columns_as_null).
//!
//! If a process dies during a rebuild, between blocking writes and the swap, the table stays
//! write-blocked: `ALTER TABLE t SET ("blocks.write" = false)` lifts it, and the half-made
//! `t_before_<stamp>` table can be dropped.

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
