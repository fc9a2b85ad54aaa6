//! The history table: one row per migration step, keyed by its name — its position,
//! checksum, status (`running`, `failed`, `applied`), how many of its actions completed,
//! the statements that ran, the error of a failed attempt, who ran it and when.
//!
//! Rows are written by primary key (`INSERT … ON CONFLICT ("name") DO UPDATE`) and read
//! after a `REFRESH TABLE` (a search sees only refreshed rows), always under the migration
//! lock, so no other migrator writes meanwhile.

use cratedb_client::Client;
use serde_json::{json, Value};

use crate::ddl::{alter, TableName};
use crate::raw::decode_rows;
use crate::sql::SqlWriter;
use crate::Result;

/// A step's state in the history table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepStatus {
    /// Every action ran.
    Applied,
    /// A migrator was running it (and stopped without recording more: a crash, a lost lock).
    Running,
    /// An action failed; `actions_done` actions had completed.
    Failed,
    /// A status this version does not know.
    Other(String),
}

impl StepStatus {
    fn parse(text: &str) -> StepStatus {
        match text {
            "applied" => StepStatus::Applied,
            "running" => StepStatus::Running,
            "failed" => StepStatus::Failed,
            other => StepStatus::Other(other.to_owned()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            StepStatus::Applied => "applied",
            StepStatus::Running => "running",
            StepStatus::Failed => "failed",
            StepStatus::Other(s) => s,
        }
    }
}

/// A row of the history table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    /// The step's name.
    pub name: String,
    /// Its position among the migrator's steps when it last ran.
    pub position: i64,
    /// The checksum of its statements (`None` for steps planned when they run).
    pub checksum: Option<String>,
    /// Applied, running or failed.
    pub status: StepStatus,
    /// How many of its actions completed (a rebuild is one action).
    pub actions_done: i64,
    /// Every statement that ran for it, over all attempts, in order.
    pub statements: Vec<String>,
    /// The error of the last failed attempt.
    pub error: Option<String>,
    /// The migrator that last ran it ([`Migrator::owner`](super::Migrator::owner)).
    pub applied_by: Option<String>,
    /// When it was first started (epoch ms, server clock).
    pub started_at: Option<i64>,
    /// When it was applied (epoch ms, server clock).
    pub finished_at: Option<i64>,
}

/// The history table of a migrator.
#[derive(Debug, Clone)]
pub(crate) struct History {
    pub table: TableName,
}

const COLUMNS: [&str; 10] = [
    "name",
    "position",
    "checksum",
    "status",
    "actions_done",
    "statements",
    "error",
    "applied_by",
    "started_at",
    "finished_at",
];

type Row = (
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<Vec<String>>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

impl History {
    /// `CREATE TABLE IF NOT EXISTS` of the history table (one shard: it holds a row per
    /// step).
    pub fn create_sql(&self) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (\"name\" TEXT PRIMARY KEY, \"position\" INTEGER, \
             \"checksum\" TEXT, \"status\" TEXT, \"actions_done\" INTEGER, \"statements\" \
             ARRAY(TEXT), \"error\" TEXT, \"applied_by\" TEXT, \"started_at\" TIMESTAMP WITH \
             TIME ZONE, \"finished_at\" TIMESTAMP WITH TIME ZONE) CLUSTERED INTO 1 SHARDS",
            self.table
        )
    }

    fn select_sql(&self) -> String {
        let mut w = SqlWriter::new();
        w.push("SELECT ");
        for (i, c) in COLUMNS.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.ident(c);
        }
        w.push(" FROM ").push(&self.table.to_string());
        w.push(" ORDER BY ")
            .ident("position")
            .push(", ")
            .ident("name");
        w.finish().0
    }

    /// Every row, by position (after a `REFRESH TABLE`); empty when the table (or its
    /// schema) does not exist.
    pub fn read(&self, client: &Client) -> Result<Vec<StepRecord>> {
        let refreshed = client.sql(&alter::refresh_table(&self.table), &[] as &[Value]);
        if let Err(e) = refreshed {
            if e.sql_error()
                .is_some_and(|s| s.is_unknown_relation() || s.is_unknown_schema())
            {
                return Ok(Vec::new());
            }
            return Err(e.into());
        }
        let rows: Vec<Row> = decode_rows(client.sql(&self.select_sql(), &[] as &[Value])?)?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    name,
                    position,
                    checksum,
                    status,
                    actions_done,
                    statements,
                    error,
                    applied_by,
                    started_at,
                    finished_at,
                )| StepRecord {
                    name,
                    position: position.unwrap_or(0),
                    checksum,
                    status: StepStatus::parse(status.as_deref().unwrap_or("")),
                    actions_done: actions_done.unwrap_or(0),
                    statements: statements.unwrap_or_default(),
                    error,
                    applied_by,
                    started_at,
                    finished_at,
                },
            )
            .collect())
    }

    fn write_sql(&self) -> String {
        let mut w = SqlWriter::new();
        w.push("INSERT INTO ")
            .push(&self.table.to_string())
            .push(" (");
        for (i, c) in COLUMNS.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.ident(c);
        }
        w.push(") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CURRENT_TIMESTAMP, ");
        w.push("CASE WHEN $4 = 'applied' THEN CURRENT_TIMESTAMP END) ON CONFLICT (");
        w.ident("name").push(") DO UPDATE SET ");
        for (i, c) in COLUMNS.iter().enumerate().skip(1) {
            if *c == "started_at" {
                continue;
            }
            if i > 1 {
                w.push(", ");
            }
            w.ident(c).push(" = excluded.").ident(c);
        }
        w.finish().0
    }

    /// Writes a step's row (by primary key; `started_at` is kept from the first write).
    pub fn write(&self, client: &Client, record: &StepRecord) -> Result<()> {
        let args = [
            json!(record.name),
            json!(record.position),
            json!(record.checksum),
            json!(record.status.as_str()),
            json!(record.actions_done),
            json!(record.statements),
            json!(record.error),
            json!(record.applied_by),
        ];
        client.sql(&self.write_sql(), &args)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements() {
        let h = History {
            table: TableName::new(Some("ops"), "migrations"),
        };
        assert_eq!(
            h.write_sql(),
            r#"INSERT INTO "ops"."migrations" ("name", "position", "checksum", "status", "actions_done", "statements", "error", "applied_by", "started_at", "finished_at") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CURRENT_TIMESTAMP, CASE WHEN $4 = 'applied' THEN CURRENT_TIMESTAMP END) ON CONFLICT ("name") DO UPDATE SET "position" = excluded."position", "checksum" = excluded."checksum", "status" = excluded."status", "actions_done" = excluded."actions_done", "statements" = excluded."statements", "error" = excluded."error", "applied_by" = excluded."applied_by", "finished_at" = excluded."finished_at""#
        );
        assert!(h
            .select_sql()
            .ends_with(r#"FROM "ops"."migrations" ORDER BY "position", "name""#));
        assert!(h.create_sql().starts_with(
            r#"CREATE TABLE IF NOT EXISTS "ops"."migrations" ("name" TEXT PRIMARY KEY"#
        ));
        assert_eq!(StepStatus::parse("applied"), StepStatus::Applied);
        assert_eq!(StepStatus::parse("x").as_str(), "x");
    }
}
