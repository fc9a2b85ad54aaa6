//! The migration lock: one row with a primary key, since CrateDB has no transactions, no
//! `LOCK` statement and no advisory locks.
//!
//! - **Take**: `INSERT … VALUES ($1, $2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) ON CONFLICT DO
//!   NOTHING RETURNING "_seq_no", "_primary_term"`: one row back means this migrator holds
//!   the lock; none, that another does (CrateDB 6.4.3 answers row count 0, no error).
//! - **Wait**: the holder is read by key (`WHERE "id" = $1`, real time, no refresh needed)
//!   with the server's clock; the migrator polls until the row is gone.
//! - **Stale**: a lock not renewed for longer than the stale timeout (a migrator that
//!   died) is taken over with `UPDATE … WHERE "id" = $1 AND "_seq_no" = $2 AND
//!   "_primary_term" = $3`: if two migrators try at once, one updates 1 row, the other 0.
//! - **Renew**: before each action the holder updates `renewed_at` under the same
//!   `_seq_no` check; 0 rows means its lock was taken over, and it stops.
//! - **Release**: `DELETE … WHERE "id" = $1 AND "_seq_no" = $2 AND "_primary_term" = $3`.
//!
//! Conditions on other columns are not used to find the row: with one, CrateDB 6.4.3 deletes
//! by a search, which sees the row as of the last refresh (seen: `DELETE … WHERE "id" =
//! 'lock' AND "owner" = 'a'` deleted the row after `owner` had become `'b'`).

use std::thread;
use std::time::{Duration, Instant};

use cratedb_client::Client;
use serde_json::json;

use crate::ddl::TableName;
use crate::raw::decode_rows;
use crate::{Error, Result};

/// The lock table of a migrator and its settings.
#[derive(Debug, Clone)]
pub(crate) struct Lock {
    pub table: TableName,
    /// The lock row's key.
    pub id: String,
    /// Who this migrator is.
    pub owner: String,
    /// Older than this (since its last renewal), the lock is taken over.
    pub stale_after: Duration,
    /// How long to wait for another holder.
    pub wait: Duration,
    /// How often to look while waiting.
    pub poll: Duration,
}

/// The lock, held: the version of the row this migrator wrote last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Held {
    pub seq_no: i64,
    pub primary_term: i64,
    /// How long it waited for another migrator.
    pub waited: Duration,
    /// The owner of a stale lock taken over, if any.
    pub took_over: Option<String>,
}

/// The holder of the lock, as read.
struct Holder {
    owner: String,
    /// Milliseconds since its last renewal, by the server's clock.
    idle_ms: i64,
    seq_no: i64,
    primary_term: i64,
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Lock {
    /// `CREATE TABLE IF NOT EXISTS` of the lock table.
    pub fn create_sql(&self) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (\"id\" TEXT PRIMARY KEY, \"owner\" TEXT, \
             \"acquired_at\" TIMESTAMP WITH TIME ZONE, \"renewed_at\" TIMESTAMP WITH TIME ZONE) \
             CLUSTERED INTO 1 SHARDS",
            self.table
        )
    }

    fn describe(&self) -> String {
        format!("{} (id {:?})", self.table, self.id)
    }

    fn take_sql(&self) -> String {
        format!(
            "INSERT INTO {} (\"id\", \"owner\", \"acquired_at\", \"renewed_at\") VALUES ($1, $2, \
             CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) ON CONFLICT DO NOTHING RETURNING \"_seq_no\", \
             \"_primary_term\"",
            self.table
        )
    }

    fn holder_sql(&self) -> String {
        format!(
            "SELECT \"owner\", CURRENT_TIMESTAMP, \"renewed_at\", \"_seq_no\", \
             \"_primary_term\" FROM {} WHERE \"id\" = $1",
            self.table
        )
    }

    fn take_over_sql(&self) -> String {
        format!(
            "UPDATE {} SET \"owner\" = $1, \"acquired_at\" = CURRENT_TIMESTAMP, \"renewed_at\" = \
             CURRENT_TIMESTAMP WHERE \"id\" = $2 AND \"_seq_no\" = $3 AND \"_primary_term\" = $4 \
             RETURNING \"_seq_no\", \"_primary_term\"",
            self.table
        )
    }

    fn renew_sql(&self) -> String {
        format!(
            "UPDATE {} SET \"renewed_at\" = CURRENT_TIMESTAMP WHERE \"id\" = $1 AND \"_seq_no\" \
             = $2 AND \"_primary_term\" = $3 RETURNING \"_seq_no\", \"_primary_term\"",
            self.table
        )
    }

    fn release_sql(&self) -> String {
        format!(
            "DELETE FROM {} WHERE \"id\" = $1 AND \"_seq_no\" = $2 AND \"_primary_term\" = $3",
            self.table
        )
    }

    fn version(response: cratedb_client::SqlResponse) -> Result<Option<(i64, i64)>> {
        let rows: Vec<(i64, i64)> = decode_rows(response)?;
        Ok(rows.into_iter().next())
    }

    fn holder(&self, client: &Client) -> Result<Option<Holder>> {
        let response = client.sql(&self.holder_sql(), &[json!(self.id)])?;
        // Both times by the server's clock (epoch milliseconds), so clocks of the machines
        // running migrators do not matter.
        let rows: Vec<(String, i64, Option<i64>, i64, i64)> = decode_rows(response)?;
        Ok(rows
            .into_iter()
            .next()
            .map(|(owner, now, renewed_at, seq_no, primary_term)| Holder {
                owner,
                idle_ms: renewed_at.map_or(i64::MAX, |at| now.saturating_sub(at)),
                seq_no,
                primary_term,
            }))
    }

    /// Takes the lock: waits while another migrator holds it, takes it over once stale.
    pub fn acquire(&self, client: &Client) -> Result<Held> {
        let started = Instant::now();
        let stale_ms = millis(self.stale_after);
        loop {
            let taken = client.sql(&self.take_sql(), &[json!(self.id), json!(self.owner)]);
            match taken {
                Ok(response) => {
                    if let Some((seq_no, primary_term)) = Self::version(response)? {
                        return Ok(Held {
                            seq_no,
                            primary_term,
                            waited: started.elapsed(),
                            took_over: None,
                        });
                    }
                }
                // The INSERT may have landed: the row says whose the lock is.
                Err(e) if e.may_have_executed() => {}
                Err(e) => return Err(e.into()),
            }
            let Some(holder) = self.holder(client)? else {
                continue; // released meanwhile
            };
            if holder.owner == self.owner {
                return Ok(Held {
                    seq_no: holder.seq_no,
                    primary_term: holder.primary_term,
                    waited: started.elapsed(),
                    took_over: None,
                });
            }
            if holder.idle_ms > stale_ms {
                let response = client.sql(
                    &self.take_over_sql(),
                    &[
                        json!(self.owner),
                        json!(self.id),
                        json!(holder.seq_no),
                        json!(holder.primary_term),
                    ],
                )?;
                if let Some((seq_no, primary_term)) = Self::version(response)? {
                    return Ok(Held {
                        seq_no,
                        primary_term,
                        waited: started.elapsed(),
                        took_over: Some(holder.owner),
                    });
                }
                continue; // another migrator took it over first
            }
            let waited = started.elapsed();
            if waited >= self.wait {
                return Err(Error::MigrationLocked {
                    lock: self.describe(),
                    owner: holder.owner,
                    held_ms: holder.idle_ms,
                    stale_ms,
                    waited_ms: u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                });
            }
            thread::sleep(self.poll.min(self.wait.saturating_sub(waited)));
        }
    }

    /// Renews the lock (its `renewed_at`); [`Error::MigrationLockLost`] when another
    /// migrator took it over.
    pub fn renew(&self, client: &Client, held: &mut Held) -> Result<()> {
        let response = client.sql(
            &self.renew_sql(),
            &[json!(self.id), json!(held.seq_no), json!(held.primary_term)],
        )?;
        match Self::version(response)? {
            Some((seq_no, primary_term)) => {
                held.seq_no = seq_no;
                held.primary_term = primary_term;
                Ok(())
            }
            None => Err(Error::MigrationLockLost {
                lock: self.describe(),
                owner: self.owner.clone(),
            }),
        }
    }

    /// Releases the lock; `false` when it was no longer this migrator's.
    pub fn release(&self, client: &Client, held: &Held) -> Result<bool> {
        let response = client.sql(
            &self.release_sql(),
            &[json!(self.id), json!(held.seq_no), json!(held.primary_term)],
        )?;
        Ok(response.rowcount == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements() {
        let lock = Lock {
            table: TableName::new(Some("ops"), "migrations_lock"),
            id: "lock".into(),
            owner: "me".into(),
            stale_after: Duration::from_secs(1),
            wait: Duration::from_secs(1),
            poll: Duration::from_millis(10),
        };
        assert_eq!(
            lock.take_sql(),
            r#"INSERT INTO "ops"."migrations_lock" ("id", "owner", "acquired_at", "renewed_at") VALUES ($1, $2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) ON CONFLICT DO NOTHING RETURNING "_seq_no", "_primary_term""#
        );
        assert_eq!(
            lock.release_sql(),
            r#"DELETE FROM "ops"."migrations_lock" WHERE "id" = $1 AND "_seq_no" = $2 AND "_primary_term" = $3"#
        );
    }
}
