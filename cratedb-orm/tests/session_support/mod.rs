//! Models for the session tests: a text key with a client default, an OBJECT, an array and a
//! server default (`Person`); a versioned model (`Note`); a model keyed by `_id` (`Entry`).
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use cratedb_orm::session::{Statement, StatementArgs};
use cratedb_orm::{CrateModel, Object, TimestampTz, Value};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Client-side default of `Person::id`.
pub fn gen_id() -> String {
    format!("id-{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// A person: text key with a client default, an OBJECT, an array, a server default.
#[derive(CrateModel, Debug, Clone, PartialEq, Default)]
#[cratedb(table = "people")]
pub struct Person {
    #[cratedb(primary_key, default = gen_id)]
    pub id: Option<String>,
    pub name: String,
    pub details: Object,
    pub tags: Vec<String>,
    #[cratedb(server_default = "now()")]
    pub created_at: Option<TimestampTz>,
}

/// A versioned note (optimistic concurrency), no server-generated values.
#[derive(CrateModel, Debug, Clone, PartialEq, Default)]
#[cratedb(table = "notes", versioned)]
pub struct Note {
    #[cratedb(primary_key)]
    pub id: String,
    pub body: String,
}

/// A row keyed by CrateDB's `_id` (fetched after insert).
#[derive(CrateModel, Debug, Clone, PartialEq, Default)]
#[cratedb(table = "entries")]
pub struct Entry {
    #[cratedb(column = "_id", fetched)]
    pub id: Option<String>,
    pub message: String,
}

/// The statement a bulk request of `rows` sends.
pub fn bulk(sql: &str, rows: Vec<Vec<Value>>) -> Statement {
    Statement {
        sql: sql.to_string(),
        rows: rows.len(),
        args: StatementArgs::Bulk(rows),
    }
}

/// The answer that loads note `n1` (body `"old"`) at `_seq_no` 4, `_primary_term` 2.
pub fn note_at_version_4_2() -> cratedb_orm::client::SqlResponse {
    cratedb_orm::client::SqlResponse {
        cols: ["id", "body", "_seq_no", "_primary_term"]
            .map(String::from)
            .to_vec(),
        rows: vec![vec![
            Value::from("n1"),
            Value::from("old"),
            Value::from(4),
            Value::from(2),
        ]],
        rowcount: 1,
        ..Default::default()
    }
}
