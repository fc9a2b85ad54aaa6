//! [`Plan`]: what to run so that tables match their models, printed as SQL before anything
//! runs — changes CrateDB makes in place, an opt-in [`Rebuild`] for what it cannot, and a
//! [`Refusal`] naming the column and the reason for what the plan will not do.
//!
//! In place (CrateDB 6.4.3, each form checked on the server):
//! - a missing table: `CREATE TABLE`;
//! - a missing nullable column: `ADD COLUMN` with its type, `DEFAULT`, index and storage
//!   (existing rows read NULL; the default fills new rows only); a missing key of an object
//!   column: `ADD COLUMN "o"['k'] TYPE`;
//! - a missing NOT NULL or generated column, on an empty table only (on a table with rows,
//!   CrateDB refuses a generated column, and accepts a NOT NULL one but leaves the existing
//!   rows NULL, after which every UPDATE of them fails with `"c" must not be null`);
//! - a declared rename (`renamed_from`): `RENAME COLUMN "old" TO "new"`;
//! - another default: `ALTER COLUMN "c" SET DEFAULT …` / `DROP DEFAULT` (new rows only);
//! - a setting the model declares: `SET (number_of_replicas = …, refresh_interval = …,
//!   column_policy = …)`;
//! - a column the model does not have: kept, or `DROP COLUMN` with
//!   [`PlanOptions::drop_columns`].
//!
//! Not in place, so by rebuild ([`PlanOptions::rebuild`]) or refused: another type, NOT
//! NULL added or removed, another generated expression, another column index or storage, a
//! named fulltext index added or changed, another primary key, `CLUSTERED BY`, shard count or
//! `PARTITIONED BY`, a static setting (`codec`, `store.type`), a generated column or a key
//! column with a server default added to a table with rows.
//!
//! Always refused: a NOT NULL column without a default added to a table with rows (no value
//! for the existing rows; add it as an `Option` first), a rename whose old and new columns
//! both exist, and a rebuild that would leave out columns the model does not have (unless
//! [`PlanOptions::drop_columns`]).

use std::fmt;

use cratedb_client::Client;

use super::diff::{diff_table, Change, TableDiff};
use super::rebuild::{stamp_now, Rebuild};
use crate::ddl::{self, alter, TableName};
use crate::model::{ColumnMeta, TableMeta};
use crate::reflect::ColumnPath;
use crate::{CrateModel, Result, SqlType};

/// What a plan may do beyond changes in place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOptions {
    rebuild: bool,
    drop_columns: bool,
    stamp: Option<String>,
}

impl PlanOptions {
    /// Changes in place only; columns the model does not have are kept.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuild a table whose changes CrateDB cannot make in place: a new table from the
    /// model, the rows copied with `INSERT INTO … SELECT` (writes blocked meanwhile), the
    /// counts checked, then `ALTER CLUSTER SWAP TABLE`. The old rows stay under the new
    /// table's former name (`<table>_before_<stamp>`) until you drop it (see
    /// [`Rebuild`]).
    pub fn rebuild(mut self, on: bool) -> Self {
        self.rebuild = on;
        self
    }

    /// Drop columns the model does not have (`DROP COLUMN`; CrateDB hides their values
    /// rather than deleting them), and let a rebuild leave them out.
    pub fn drop_columns(mut self, on: bool) -> Self {
        self.drop_columns = on;
        self
    }

    /// The suffix of a rebuild's kept table (`<table>_before_<stamp>`); by default the
    /// time of planning, UTC, `YYYYMMDDhhmmss`.
    pub fn stamp(mut self, stamp: impl Into<String>) -> Self {
        self.stamp = Some(stamp.into());
        self
    }

    /// Whether rebuilds are allowed.
    pub fn allows_rebuild(&self) -> bool {
        self.rebuild
    }

    /// Whether columns the model does not have may be dropped.
    pub fn allows_drop_columns(&self) -> bool {
        self.drop_columns
    }
}

/// A change the plan will not make, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The table.
    pub table: TableName,
    /// The column (or object key) concerned, if the change is about one.
    pub column: Option<ColumnPath>,
    /// The difference and why it cannot be made.
    pub reason: String,
    /// Whether [`PlanOptions::rebuild`] would make it.
    pub rebuild_would: bool,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.table)?;
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.reason)?;
        if self.rebuild_would {
            f.write_str("; a rebuild can (PlanOptions::rebuild(true))")?;
        }
        Ok(())
    }
}

/// One action of a plan.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// One statement, run as is.
    Statement {
        /// The SQL.
        sql: String,
        /// What it does and why (printed as a comment).
        why: String,
    },
    /// A table rebuilt and swapped in.
    Rebuild(Rebuild),
}

impl Action {
    /// The statements this action runs, in order.
    pub fn statements(&self) -> Vec<String> {
        match self {
            Action::Statement { sql, .. } => vec![sql.clone()],
            Action::Rebuild(rebuild) => rebuild.statements(),
        }
    }
}

/// The plan for one model's table.
#[derive(Debug, Clone, PartialEq)]
pub struct TablePlan {
    /// The comparison the plan comes from.
    pub diff: TableDiff,
    /// What will run, in order.
    pub actions: Vec<Action>,
    /// What will not be done, and why. A plan with refusals does not apply.
    pub refusals: Vec<Refusal>,
    /// Differences left as they are on purpose (a column the model does not have, …).
    pub kept: Vec<String>,
}

/// What to run so that tables match their models.
///
/// `Display` (and [`to_sql`](Plan::to_sql)) prints it as an SQL script: every statement in
/// order, with comments saying why, what is kept, and what is refused.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// One plan per model's table, in the order given.
    pub tables: Vec<TablePlan>,
}

/// Plans model `M`'s table: compares it with the server ([`diff_table`]) and plans the
/// changes.
///
/// ```no_run
/// use cratedb_orm::migrate::{self, PlanOptions};
/// # #[derive(cratedb_orm::CrateModel)]
/// # struct Device { #[cratedb(primary_key)] id: String, battery_pct: Option<f64> }
/// let client = cratedb_orm::Client::new("crate://localhost:4200")?;
/// let plan = migrate::plan::<Device>(&client, &PlanOptions::new())?;
/// println!("{plan}"); // e.g. ALTER TABLE "doc"."device" ADD COLUMN "battery_pct" DOUBLE PRECISION;
/// plan.apply(&client)?;
/// # Ok::<(), cratedb_orm::Error>(())
/// ```
pub fn plan<M: CrateModel>(client: &Client, options: &PlanOptions) -> Result<Plan> {
    plan_tables(client, &[M::meta()], options)
}

/// Plans several models' tables (`&[Device::meta(), Reading::meta()]`), in that order.
pub fn plan_tables(client: &Client, metas: &[&TableMeta], options: &PlanOptions) -> Result<Plan> {
    let diffs = metas
        .iter()
        .map(|meta| diff_table(client, meta))
        .collect::<Result<Vec<_>>>()?;
    Ok(Plan::from_diffs(diffs, options))
}

/// Why a change needs a rebuild.
fn rebuild_reason(change: &Change) -> Option<&'static str> {
    Some(match change {
        Change::Type { .. } => "CrateDB has no ALTER COLUMN … TYPE",
        Change::Nullability { .. } => "CrateDB cannot add or drop NOT NULL on an existing column",
        Change::Generated { .. } => "the expression of a generated column cannot change in place",
        Change::Index { .. } => "a column's index cannot change in place",
        Change::Columnstore { .. } => "a column's storage cannot change in place",
        Change::FulltextIndexMissing { .. } | Change::FulltextIndexDiffers { .. } => {
            "CrateDB creates named fulltext indexes only with the table"
        }
        Change::PrimaryKey { .. } => "the primary key cannot change in place",
        Change::ClusteredBy { .. } => "the routing column cannot change in place",
        Change::Shards { .. } => "the shard count changes only by a resize with writes blocked",
        Change::PartitionedBy { .. } => "the partitioning cannot change in place",
        _ => return None,
    })
}

/// Settings CrateDB cannot change on an open table.
const STATIC_SETTINGS: [&str; 3] = ["codec", "store.type", "number_of_routing_shards"];

fn column_of(change: &Change) -> Option<ColumnPath> {
    match change {
        Change::ColumnMissing { column }
        | Change::ColumnExtra { column, .. }
        | Change::Type { column, .. }
        | Change::Nullability { column, .. }
        | Change::Default { column, .. }
        | Change::Generated { column, .. }
        | Change::Index { column, .. }
        | Change::Columnstore { column, .. } => Some(column.clone()),
        Change::ColumnRenamed { to, .. } | Change::RenameConflict { to, .. } => {
            Some(ColumnPath::top(to.as_str()))
        }
        _ => None,
    }
}

/// The type the model declares for a key of an object column.
fn key_type<'a>(meta: &'a TableMeta, path: &ColumnPath) -> Option<&'a SqlType> {
    fn keys(t: &SqlType) -> &[(String, SqlType)] {
        match t {
            SqlType::Object { columns, .. } => columns,
            SqlType::Array(inner) => keys(inner),
            _ => &[],
        }
    }
    let mut sql_type = &meta.column(&path.root)?.sql_type;
    for key in &path.path {
        sql_type = keys(sql_type)
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, t)| t)?;
    }
    Some(sql_type)
}

struct Planner<'a> {
    diff: &'a TableDiff,
    options: &'a PlanOptions,
    /// The index of the change being planned (refusals are listed in change order).
    current: usize,
    in_place: Vec<(u8, Action)>,
    rebuild_reasons: Vec<(usize, Option<ColumnPath>, String)>,
    refusals: Vec<(usize, Refusal)>,
    kept: Vec<String>,
}

impl Planner<'_> {
    fn table(&self) -> &TableName {
        &self.diff.table
    }

    fn rows(&self) -> i64 {
        self.diff.rows.unwrap_or(0)
    }

    fn statement(&mut self, order: u8, sql: String, why: String) {
        self.in_place.push((order, Action::Statement { sql, why }));
    }

    fn refuse(&mut self, column: Option<ColumnPath>, reason: String, rebuild_would: bool) {
        let refusal = Refusal {
            table: self.table().clone(),
            column,
            reason,
            rebuild_would,
        };
        self.refusals.push((self.current, refusal));
    }

    fn needs_rebuild(&mut self, change: &Change, why: &str) {
        self.rebuild_reasons
            .push((self.current, column_of(change), format!("{change}: {why}")));
    }

    fn missing_column(&mut self, change: &Change, column: &ColumnMeta) {
        let path = ColumnPath::top(column.name);
        let rows = self.rows();
        if column.generated.is_some() {
            if rows == 0 {
                let sql = alter::add_column(self.table(), column);
                self.statement(1, sql, format!("column {path}: added (the table is empty)"));
            } else {
                self.needs_rebuild(
                    change,
                    &format!(
                        "CrateDB adds a generated column only to an empty table ({rows} rows)"
                    ),
                );
            }
        } else if column.primary_key {
            // The key change itself is reported as `PrimaryKey`; what matters here is
            // whether a rebuild could give the existing rows a value.
            if rows > 0 && column.server_default.is_none() {
                self.refuse(
                    Some(path),
                    format!(
                        "a new primary-key column without a server default: the table's {rows} \
                         rows have no value for it"
                    ),
                    false,
                );
            }
        } else if !column.nullable {
            if rows == 0 {
                let sql = alter::add_column(self.table(), column);
                self.statement(1, sql, format!("column {path}: added (the table is empty)"));
            } else {
                self.refuse(
                    Some(path),
                    format!(
                        "a NOT NULL column without a default cannot be added to a table with \
                         {rows} rows: CrateDB 6.4.3 adds it but leaves the existing rows NULL, \
                         and every UPDATE of them then fails (\"must not be null\"); add it as \
                         an Option<…> field, fill it, then make it NOT NULL (a rebuild)"
                    ),
                    false,
                );
            }
        } else {
            let sql = alter::add_column(self.table(), column);
            let why = if column.server_default.is_some() && rows > 0 {
                format!(
                    "column {path}: added; the {rows} existing rows read NULL, the default fills \
                     new rows"
                )
            } else {
                format!("column {path}: added")
            };
            self.statement(1, sql, why);
        }
    }

    fn change(&mut self, change: &Change) {
        let meta = &self.diff.meta;
        match change {
            Change::TableMissing => {
                let sql = ddl::create_table_as(meta, self.table());
                self.statement(0, sql, "the table does not exist".to_owned());
            }
            Change::ColumnRenamed { from, to } => {
                let sql = alter::rename_column(self.table(), from, to);
                self.statement(
                    0,
                    sql,
                    format!("column {to}: renamed from {from} (renamed_from)"),
                );
            }
            Change::RenameConflict { from, to } => self.refuse(
                Some(ColumnPath::top(to.as_str())),
                format!(
                    "the model renames {from} to {to}, and the table has both: the rename was \
                     made and {from} added again, or {to} was added by hand; drop one of them \
                     yourself"
                ),
                false,
            ),
            Change::ColumnMissing { column } if column.is_top() => {
                if let Some(c) = meta.column(&column.root) {
                    let c = c.clone();
                    self.missing_column(change, &c);
                }
            }
            Change::ColumnMissing { column } => {
                let parent_missing = self.diff.changes.iter().any(|other| {
                    matches!(other, Change::ColumnMissing { column: p }
                        if p != column && column.starts_with(p))
                });
                if parent_missing {
                    return; // added with its parent's type
                }
                if let Some(t) = key_type(meta, column) {
                    // The table may still have the column under its former name.
                    let root = meta
                        .column(&column.root)
                        .and_then(|c| self.diff.table_column_for(c))
                        .unwrap_or(&column.root);
                    let in_table = ColumnPath::new(root, column.path.clone());
                    let sql = alter::add_key(self.table(), &in_table, t);
                    self.statement(2, sql, format!("key {column}: added"));
                }
            }
            Change::ColumnExtra { column, .. } => {
                if self.options.drop_columns {
                    let sql = alter::drop_column(self.table(), column);
                    self.statement(
                        4,
                        sql,
                        format!(
                            "column {column}: not in the model, dropped (CrateDB hides the \
                             values; they are not deleted)"
                        ),
                    );
                } else {
                    self.kept.push(format!(
                        "column {column}: not in the model (PlanOptions::drop_columns \
                         drops it)"
                    ));
                }
            }
            Change::Default { column, model, .. } => {
                let sql = match model {
                    Some(expr) => alter::set_default(self.table(), &column.root, expr),
                    None => alter::drop_default(self.table(), &column.root),
                };
                self.statement(3, sql, format!("column {column}: default of new rows"));
            }
            Change::Setting { name, .. } if STATIC_SETTINGS.contains(&name.as_str()) => {
                self.needs_rebuild(change, "a static setting cannot change on an open table");
            }
            Change::Setting { name, .. } => {
                if let Some((key, value)) = meta.with.iter().find(|(k, _)| k == name) {
                    let sql = alter::set_settings(self.table(), &[(key, value)]);
                    self.statement(3, sql, format!("setting {name}"));
                }
            }
            Change::FulltextIndexExtra { index } => self.kept.push(format!(
                "fulltext index {}: not in the model, kept (CrateDB cannot drop a named index; a \
                 rebuild leaves it out)",
                index.name
            )),
            other => {
                if let Some(why) = rebuild_reason(other) {
                    self.needs_rebuild(other, why);
                }
            }
        }
    }

    fn finish(mut self) -> TablePlan {
        for (index, change) in self.diff.changes.iter().enumerate() {
            self.current = index;
            self.change(change);
        }
        self.current = self.diff.changes.len();
        let mut actions: Vec<(u8, Action)> = std::mem::take(&mut self.in_place);
        actions.sort_by_key(|(order, _)| *order);
        let mut actions: Vec<Action> = actions.into_iter().map(|(_, a)| a).collect();
        if !self.rebuild_reasons.is_empty() {
            if self.options.rebuild {
                let extra: Vec<ColumnPath> = self
                    .diff
                    .changes
                    .iter()
                    .filter_map(|c| match c {
                        Change::ColumnExtra { column, .. } => Some(column.clone()),
                        _ => None,
                    })
                    .collect();
                if !extra.is_empty() && !self.options.drop_columns {
                    for column in extra {
                        self.refuse(
                            Some(column),
                            "the rebuilt table would not have this column, which the model \
                             does not declare: add the field, or allow \
                             PlanOptions::drop_columns(true) (the old table keeps it)"
                                .to_owned(),
                            false,
                        );
                    }
                }
                let reasons = std::mem::take(&mut self.rebuild_reasons);
                let stamp = self.options.stamp.clone().unwrap_or_else(stamp_now);
                let rebuild = Rebuild::new(
                    self.diff,
                    &stamp,
                    reasons.into_iter().map(|(_, _, r)| r).collect(),
                );
                self.kept.retain(|k| !k.starts_with("column "));
                actions = vec![Action::Rebuild(rebuild)];
            } else {
                let reasons = std::mem::take(&mut self.rebuild_reasons);
                for (position, column, reason) in reasons {
                    self.current = position;
                    let reason = match &column {
                        // The column is named by the refusal; say the rest.
                        Some(c) => reason
                            .strip_prefix(&format!("column {c}: "))
                            .unwrap_or(&reason)
                            .to_owned(),
                        None => reason,
                    };
                    self.refuse(column, reason, true);
                }
            }
        }
        let mut refusals = self.refusals;
        refusals.sort_by_key(|(position, _)| *position);
        TablePlan {
            diff: self.diff.clone(),
            actions,
            refusals: refusals.into_iter().map(|(_, r)| r).collect(),
            kept: self.kept,
        }
    }
}

impl TablePlan {
    /// Plans one table from its comparison with the model.
    pub fn new(diff: TableDiff, options: &PlanOptions) -> TablePlan {
        Planner {
            diff: &diff,
            options,
            current: 0,
            in_place: Vec::new(),
            rebuild_reasons: Vec::new(),
            refusals: Vec::new(),
            kept: Vec::new(),
        }
        .finish()
    }

    /// Whether the table matches the model (nothing to run, nothing refused).
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty() && self.refusals.is_empty()
    }

    /// The statements this table's plan runs, in order.
    pub fn statements(&self) -> Vec<String> {
        self.actions.iter().flat_map(Action::statements).collect()
    }

    fn write_sql(&self, out: &mut String) {
        use fmt::Write as _;
        let d = &self.diff;
        let _ = write!(out, "-- {} (model {})", d.table, d.meta.model);
        if d.changes.is_empty() {
            out.push_str(": matches the model\n");
            return;
        }
        match d.rows {
            Some(rows) => {
                let _ = writeln!(out, ", {rows} rows:");
            }
            None => out.push_str(":\n"),
        }
        for change in &d.changes {
            let _ = writeln!(out, "--   {change}");
        }
        for action in &self.actions {
            match action {
                Action::Statement { sql, why } => {
                    let _ = writeln!(out, "-- {why}\n{sql};");
                }
                Action::Rebuild(rebuild) => rebuild.write_sql(out),
            }
        }
        for kept in &self.kept {
            let _ = writeln!(out, "-- kept: {kept}");
        }
        for refusal in &self.refusals {
            let _ = writeln!(out, "-- REFUSED: {refusal}");
        }
    }
}

impl Plan {
    /// Plans each table from its comparison with the model.
    pub fn from_diffs(diffs: Vec<TableDiff>, options: &PlanOptions) -> Plan {
        Plan {
            tables: diffs
                .into_iter()
                .map(|d| TablePlan::new(d, options))
                .collect(),
        }
    }

    /// Whether every table matches its model.
    pub fn is_empty(&self) -> bool {
        self.tables.iter().all(TablePlan::is_empty)
    }

    /// Every statement the plan runs, in order.
    pub fn statements(&self) -> Vec<String> {
        self.tables.iter().flat_map(TablePlan::statements).collect()
    }

    /// What the plan will not do. [`apply`](Plan::apply) refuses a plan that has any.
    pub fn refusals(&self) -> Vec<&Refusal> {
        self.tables.iter().flat_map(|t| &t.refusals).collect()
    }

    /// Every action, in order.
    pub fn actions(&self) -> impl Iterator<Item = &Action> {
        self.tables.iter().flat_map(|t| &t.actions)
    }

    /// The plan as an SQL script: statements ending in `;`, comments (`--`) saying what
    /// differs, why each statement runs, what a rebuild checks, what is kept and what is
    /// refused.
    pub fn to_sql(&self) -> String {
        let mut out = String::new();
        for table in &self.tables {
            table.write_sql(&mut out);
        }
        out
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_sql())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::diff::compare;
    use crate::reflect::{ColumnDefinition, ColumnIndex, TableDefinition};
    use crate::types::ObjectPolicy;

    fn live(path: ColumnPath, type_text: &str, nullable: bool) -> ColumnDefinition {
        ColumnDefinition {
            path,
            data_type: type_text.to_lowercase(),
            type_text: Some(type_text.to_owned()),
            nullable,
            default: None,
            generated: None,
            index: ColumnIndex::Plain,
            columnstore: true,
            position: None,
        }
    }

    fn diff(meta: TableMeta, columns: Option<Vec<ColumnDefinition>>, rows: i64) -> TableDiff {
        let definition = columns.map(|columns| TableDefinition {
            schema: "s".into(),
            name: meta.name.into(),
            table_type: "BASE TABLE".into(),
            columns,
            primary_key: vec!["id".into()],
            clustered_by: Some("id".into()),
            number_of_shards: Some(4),
            partitioned_by: vec![],
            number_of_replicas: Some("0-1".into()),
            column_policy: Some("strict".into()),
            settings: serde_json::json!({}),
            fulltext_indexes: vec![],
        });
        let changes = compare(&meta, definition.as_ref(), &mut |_| None);
        TableDiff {
            table: TableName::new(Some("s"), meta.name),
            rows: definition.as_ref().map(|_| rows),
            meta,
            definition,
            changes,
        }
    }

    fn device() -> TableMeta {
        let mut meta = TableMeta::new("Device", "devices");
        meta.columns = vec![
            ColumnMeta::new("id", "id", SqlType::Text, false).primary_key(),
            ColumnMeta::new("battery_pct", "b", SqlType::Double, true).renamed_from("battery"),
            ColumnMeta::new(
                "details",
                "details",
                SqlType::Object {
                    policy: Some(ObjectPolicy::Strict),
                    columns: vec![("slot".into(), SqlType::Integer)],
                },
                true,
            ),
            ColumnMeta::new(
                "location",
                "location",
                SqlType::object().with_object(None, vec![("site".into(), SqlType::Text)]),
                true,
            ),
            ColumnMeta::new("state", "state", SqlType::Text, true).server_default("'on'"),
        ];
        meta.primary_key = vec![0];
        meta
    }

    fn device_table() -> Vec<ColumnDefinition> {
        vec![
            live(ColumnPath::top("id"), "TEXT", false),
            live(ColumnPath::top("battery"), "DOUBLE PRECISION", true),
            live(ColumnPath::top("details"), "OBJECT(STRICT)", true),
            live(ColumnPath::top("legacy"), "TEXT", true),
        ]
    }

    #[test]
    fn a_missing_table_is_created() {
        let plan = Plan::from_diffs(vec![diff(device(), None, 0)], &PlanOptions::new());
        assert_eq!(plan.statements().len(), 1);
        assert!(
            plan.statements()[0].starts_with(r#"CREATE TABLE "s"."devices" ("id" TEXT NOT NULL"#)
        );
        assert!(plan.to_sql().contains("-- the table does not exist"));
    }

    #[test]
    fn in_place_changes_in_order() {
        let plan = Plan::from_diffs(
            vec![diff(device(), Some(device_table()), 10)],
            &PlanOptions::new(),
        );
        assert_eq!(
            plan.statements(),
            [
                r#"ALTER TABLE "s"."devices" RENAME COLUMN "battery" TO "battery_pct""#,
                r#"ALTER TABLE "s"."devices" ADD COLUMN "location" OBJECT AS ("site" TEXT)"#,
                r#"ALTER TABLE "s"."devices" ADD COLUMN "state" TEXT DEFAULT 'on'"#,
                r#"ALTER TABLE "s"."devices" ADD COLUMN "details"['slot'] INTEGER"#,
            ]
        );
        let sql = plan.to_sql();
        assert!(
            sql.contains("-- kept: column legacy: not in the model"),
            "{sql}"
        );
        assert!(sql.contains("the 10 existing rows read NULL"), "{sql}");
        let dropping = Plan::from_diffs(
            vec![diff(device(), Some(device_table()), 10)],
            &PlanOptions::new().drop_columns(true),
        );
        assert_eq!(
            dropping.statements().last().map(String::as_str),
            Some(r#"ALTER TABLE "s"."devices" DROP COLUMN "legacy""#)
        );
    }

    #[test]
    fn refusals_and_rebuilds() {
        let mut meta = device();
        meta.columns[0].sql_type = SqlType::Bigint;
        meta.columns
            .push(ColumnMeta::new("serial", "serial", SqlType::Text, false));
        let mut table = device_table();
        table[0].type_text = Some("TEXT".into());
        let refused = Plan::from_diffs(
            vec![diff(meta.clone(), Some(table.clone()), 10)],
            &PlanOptions::new(),
        );
        let refusals: Vec<String> = refused.refusals().iter().map(|r| r.to_string()).collect();
        assert_eq!(
            refusals,
            [
                r#""s"."devices", column id: type TEXT in the table, BIGINT in the model: CrateDB has no ALTER COLUMN … TYPE; a rebuild can (PlanOptions::rebuild(true))"#,
                "\"s\".\"devices\", column serial: a NOT NULL column without a default cannot be added to a table with 10 rows: CrateDB 6.4.3 adds it but leaves the existing rows NULL, and every UPDATE of them then fails (\"must not be null\"); add it as an Option<…> field, fill it, then make it NOT NULL (a rebuild)",
            ]
        );
        // The serial column is fine on an empty table; the rebuild then needs drop_columns
        // for `legacy`.
        let rebuild = Plan::from_diffs(
            vec![diff(meta.clone(), Some(table.clone()), 0)],
            &PlanOptions::new().rebuild(true).stamp("x"),
        );
        let refusals: Vec<String> = rebuild.refusals().iter().map(|r| r.to_string()).collect();
        assert_eq!(refusals.len(), 1, "{refusals:?}");
        assert!(refusals[0].contains("column legacy: the rebuilt table would not have"));
        let rebuild = Plan::from_diffs(
            vec![diff(meta, Some(table), 0)],
            &PlanOptions::new()
                .rebuild(true)
                .drop_columns(true)
                .stamp("x"),
        );
        assert!(rebuild.refusals().is_empty());
        let Some(Action::Rebuild(r)) = rebuild.actions().next() else {
            panic!("a rebuild");
        };
        assert_eq!(r.kept.to_string(), r#""s"."devices_before_x""#);
        assert_eq!(
            r.copy,
            r#"INSERT INTO "s"."devices_before_x" ("id", "battery_pct", "details") SELECT "id", "battery", "details" FROM "s"."devices""#
        );
        assert_eq!(r.statements().len(), 11);
        let sql = rebuild.to_sql();
        assert!(sql.contains("-- rebuild \"s\".\"devices\":"), "{sql}");
        assert!(sql.contains("DROP TABLE \"s\".\"devices_before_x\" when you no longer need them"));
    }
}
