//! [`Rebuild`]: a table CrateDB cannot change in place, rebuilt from the model and swapped
//! in, the old rows kept.
//!
//! The statements, in order (`t` the table, `n` = `<t>_before_<stamp>`):
//!
//! 1. `CREATE TABLE n (…)`: the model's definition.
//! 2. `ALTER TABLE t SET ("blocks.write" = true)`: from here writes to `t` are refused
//!    (`[4007] … doesn't support or allow INSERT operations`) instead of being lost by the
//!    swap; reads go on.
//! 3. `REFRESH TABLE t`, `INSERT INTO n (…) SELECT … FROM t`: the copy, on the server. Each
//!    model column takes the table's column of its name (or of its `renamed_from`); new
//!    columns get their default or NULL, generated columns are computed. CrateDB casts
//!    each value to the new type and skips a row it cannot write without an error (seen on
//!    6.4.3: `'abc'` into an INTEGER column), so:
//! 4. `REFRESH TABLE n`, `SELECT count(*)` of both: the rebuild goes on only if the counts
//!    and the INSERT's row count are equal.
//! 5. `ALTER TABLE t SET ("blocks.write" = false)`: CrateDB 6.4.3 refuses to swap a table
//!    whose writes are blocked, so the block is lifted for the swap.
//! 6. `ALTER CLUSTER SWAP TABLE n TO t`: the names are exchanged in one cluster-state change.
//!    `t` is now the new table; `n` holds the old rows.
//! 7. `REFRESH TABLE n` and its rows counted again: a row written to the old table between 5
//!    and 6 is only in `n`, and is reported ([`RebuildReport::late_rows`]).
//!
//! The old table is left writable: CrateDB 6.4.3 refuses to drop a table whose writes are
//! blocked (`[4007] … doesn't support or allow DROP operations`), and under its new name no
//! application writes to it.
//!
//! If anything fails before the swap, the block is lifted and `n` dropped (it is the
//! rebuild's own table); if the swap itself fails, `n` is left alone (a swap whose answer
//! was lost may have happened). The old table is never dropped: `DROP TABLE n` is yours to
//! run.

use std::fmt::Write as _;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cratedb_client::Client;
use serde_json::Value;

use super::diff::TableDiff;
use crate::ddl::{self, alter, TableName};
use crate::model::TableSetting;
use crate::Error;

/// A rebuild: the statements that make the new table, copy and check the rows, and swap it
/// in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuild {
    /// The table rebuilt.
    pub table: TableName,
    /// The new table, created beside it; after the swap, the old rows under this name.
    pub kept: TableName,
    /// The changes that need it.
    pub reasons: Vec<String>,
    /// `CREATE TABLE <kept> (…)`.
    pub create: String,
    /// `INSERT INTO <kept> (…) SELECT … FROM <table>`.
    pub copy: String,
}

/// What a rebuild did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebuildReport {
    /// The table rebuilt (now the new table).
    pub table: TableName,
    /// Where the old rows are; drop it when you no longer need them.
    pub kept: TableName,
    /// The table's rows when the copy ran.
    pub rows: i64,
    /// The rows the INSERT … SELECT wrote (equal to `rows`, or the rebuild stopped).
    pub copied: i64,
    /// Rows written to the old table after the copy (between lifting the write block and
    /// the swap): they are only in `kept`.
    pub late_rows: i64,
    /// How long the whole rebuild took.
    pub duration: Duration,
}

/// A rebuild that stopped.
#[derive(Debug)]
pub(crate) struct RebuildFailure {
    /// The statement (or check) that failed.
    pub failed: String,
    /// The index, in [`Rebuild::statements`], of the first statement not run.
    pub not_run_from: usize,
    /// Why.
    pub cause: Error,
    /// The statements run to undo what had run (lift the write block, drop the new table).
    pub cleanup: Vec<String>,
}

const WRITE_BLOCK: &str = "blocks.write";

impl Rebuild {
    /// The rebuild of `diff`'s table into `<table>_before_<stamp>`.
    pub(crate) fn new(diff: &TableDiff, stamp: &str, reasons: Vec<String>) -> Rebuild {
        let table = diff.table.clone();
        let kept = table.sibling(&format!("{}_before_{stamp}", table.name));
        let columns: Vec<(&str, &str)> = diff
            .meta
            .columns
            .iter()
            .filter(|c| !c.is_system() && c.generated.is_none())
            .filter_map(|c| diff.table_column_for(c).map(|from| (c.name, from)))
            .collect();
        Rebuild {
            create: ddl::create_table_as(&diff.meta, &kept),
            copy: alter::insert_select(&kept, &columns, &table),
            table,
            kept,
            reasons,
        }
    }

    fn block(&self, table: &TableName, on: bool) -> String {
        alter::set_settings(table, &[(WRITE_BLOCK, &TableSetting::Bool(on))])
    }

    /// Every statement, in the order run (the counts are checked after the seventh and
    /// the eleventh).
    pub fn statements(&self) -> Vec<String> {
        vec![
            self.create.clone(),
            self.block(&self.table, true),
            alter::refresh_table(&self.table),
            self.copy.clone(),
            alter::refresh_table(&self.kept),
            alter::count_rows(&self.table),
            alter::count_rows(&self.kept),
            self.block(&self.table, false),
            alter::swap_table(&self.kept, &self.table),
            alter::refresh_table(&self.kept),
            alter::count_rows(&self.kept),
        ]
    }

    /// Writes the rebuild as commented SQL.
    pub(crate) fn write_sql(&self, out: &mut String) {
        let _ = writeln!(out, "-- rebuild {}:", self.table);
        for reason in &self.reasons {
            let _ = writeln!(out, "--   {reason}");
        }
        for (i, statement) in self.statements().iter().enumerate() {
            match i {
                1 => {
                    let _ = writeln!(
                        out,
                        "-- writes to {} are refused from here to the swap",
                        self.table
                    );
                }
                7 => {
                    let _ = writeln!(
                        out,
                        "-- check: both counts and the INSERT's row count are equal, else {} \
                         is dropped and the block lifted\n\
                         -- CrateDB refuses to swap a table whose writes are blocked",
                        self.kept
                    );
                }
                9 => {
                    let _ = writeln!(
                        out,
                        "-- {} now holds the old rows; rows written to it after the copy are \
                         counted",
                        self.kept
                    );
                }
                _ => {}
            }
            let _ = writeln!(out, "{statement};");
        }
        let _ = writeln!(
            out,
            "-- the old rows stay in {}: DROP TABLE {} when you no longer need them",
            self.kept, self.kept
        );
    }

    /// Runs the rebuild; every statement that completes is pushed to `ran`, and what goes
    /// wrong after the swap to `warnings`.
    pub(crate) fn run(
        &self,
        client: &Client,
        ran: &mut Vec<String>,
        warnings: &mut Vec<String>,
    ) -> std::result::Result<RebuildReport, Box<RebuildFailure>> {
        let started = Instant::now();
        let mut runner = Runner {
            client,
            statements: self.statements(),
            next: 0,
            ran,
        };
        let (rows, copied) = match self.copy_and_swap(&mut runner) {
            Ok(counts) => counts,
            Err(stop) => {
                let done = runner.next;
                let cleanup = self.clean_up(client, done);
                return Err(Box::new(RebuildFailure {
                    not_run_from: if stop.check { done } else { done + 1 },
                    failed: stop.failed,
                    cause: stop.cause,
                    cleanup,
                }));
            }
        };
        // Swapped: what follows cannot undo it, so failures are warnings.
        let mut late_rows = 0;
        let after = (|| -> std::result::Result<(), Box<Stop>> {
            runner.exec()?; // refresh the kept table
            let kept = count(&runner.exec()?);
            late_rows = (kept - rows).max(0);
            Ok(())
        })();
        if let Err(stop) = after {
            warnings.push(format!(
                "{} was swapped in; then `{}` failed: {}",
                self.table, stop.failed, stop.cause
            ));
        }
        if late_rows > 0 {
            warnings.push(format!(
                "{late_rows} rows were written to the old {} between lifting its write block \
                 and the swap: they are only in {}",
                self.table, self.kept
            ));
        }
        Ok(RebuildReport {
            table: self.table.clone(),
            kept: self.kept.clone(),
            rows,
            copied,
            late_rows,
            duration: started.elapsed(),
        })
    }

    /// Statements 1 to 9, with the check: the table's rows and the rows copied.
    fn copy_and_swap(&self, runner: &mut Runner<'_>) -> std::result::Result<(i64, i64), Box<Stop>> {
        runner.exec()?; // create the new table
        runner.exec()?; // block writes
        runner.exec()?; // refresh
        let inserted = runner.exec()?.rowcount; // copy
        runner.exec()?; // refresh the new table
        let rows = count(&runner.exec()?);
        let copied = count(&runner.exec()?);
        if rows != copied || inserted != rows {
            return Err(Box::new(Stop {
                failed: format!(
                    "check: {} has {rows} rows, {} {copied}, the INSERT wrote {inserted}",
                    self.table, self.kept
                ),
                cause: Error::RebuildMismatch {
                    table: self.table.to_string(),
                    rows,
                    copied,
                    inserted,
                },
                check: true,
            }));
        }
        runner.exec()?; // lift the block
        runner.exec()?; // swap
        Ok((rows, copied))
    }

    /// Undoes a rebuild that stopped before the swap, `done` statements in: lifts the write
    /// block (if it was set), drops the new table (if it was created, and the swap was not
    /// the statement that failed: a swap whose answer was lost may have happened, and then
    /// that name holds the old rows). Best effort: the statements that ran are returned.
    fn clean_up(&self, client: &Client, done: usize) -> Vec<String> {
        let mut cleanup = Vec::new();
        // Statement 1 set the block; statement 7 lifted it.
        if (2..=7).contains(&done) {
            let sql = self.block(&self.table, false);
            if client.sql(&sql, &[] as &[Value]).is_ok() {
                cleanup.push(sql);
            }
        }
        if (1..8).contains(&done) {
            let sql = alter::drop_table(&self.kept);
            if client.sql(&sql, &[] as &[Value]).is_ok() {
                cleanup.push(sql);
            }
        }
        cleanup
    }
}

/// Where a rebuild stopped.
struct Stop {
    /// The statement, or the check, that failed.
    failed: String,
    cause: Error,
    /// A check failed (every statement before it ran).
    check: bool,
}

/// Runs a rebuild's statements in order.
struct Runner<'a> {
    client: &'a Client,
    statements: Vec<String>,
    /// The index of the next statement.
    next: usize,
    ran: &'a mut Vec<String>,
}

impl Runner<'_> {
    fn exec(&mut self) -> std::result::Result<cratedb_client::SqlResponse, Box<Stop>> {
        let sql = self.statements.get(self.next).cloned().unwrap_or_default();
        match self.client.sql(&sql, &[] as &[Value]) {
            Ok(response) => {
                self.ran.push(sql);
                self.next += 1;
                Ok(response)
            }
            Err(e) => Err(Box::new(Stop {
                failed: sql,
                cause: e.into(),
                check: false,
            })),
        }
    }
}

/// The value of a `SELECT count(*)` answer (-1 if it has none).
fn count(response: &cratedb_client::SqlResponse) -> i64 {
    response
        .rows
        .first()
        .and_then(|r| r.first())
        .and_then(Value::as_i64)
        .unwrap_or(-1)
}

/// Now, UTC, as `YYYYMMDDhhmmss`.
pub(crate) fn stamp_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    stamp_of(secs)
}

/// `secs` since the epoch, UTC, as `YYYYMMDDhhmmss`.
fn stamp_of(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days to civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps() {
        assert_eq!(stamp_of(0), "19700101000000");
        assert_eq!(stamp_of(951_782_400), "20000229000000");
        assert_eq!(stamp_of(1_775_390_401), "20260405120001");
        assert_eq!(stamp_now().len(), 14);
    }
}
