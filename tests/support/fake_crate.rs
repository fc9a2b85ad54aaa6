//! A scripted CrateDB for loopback tests: echoes `INSERT … RETURNING` like CrateDB (inserted
//! values plus server-made ones, rows not in VALUES order) and answers other statements from a
//! script.
#![allow(dead_code)]

use std::sync::atomic::{AtomicI64, Ordering};

use cratedb_client::testing::{Reply, SqlRequest};
use serde_json::{json, Value};

/// The insertion time CrateDB gives the next key filled with `now()` (one millisecond later
/// each time).
static NOW: AtomicI64 = AtomicI64::new(1_700_000_000_000);

/// Splits a `"a", "b"` list of quoted identifiers.
fn idents(list: &str) -> Vec<String> {
    list.split(", ")
        .map(|c| c.trim().trim_matches('"').replace("\"\"", "\""))
        .filter(|c| !c.is_empty())
        .collect()
}

/// The server-made value of `column` of `table` for the `n`-th inserted row, given the row's
/// inserted `(column, value)` pairs: what CrateDB would fill in (`now()`, `_id`, generated
/// columns).
pub fn server_value(table: &str, column: &str, n: usize, inserted: &[(String, Value)]) -> Value {
    let get = |c: &str| {
        inserted
            .iter()
            .find(|(k, _)| k == c)
            .map(|(_, v)| v.clone())
    };
    match column {
        "created_at" | "ts" => json!(1_700_000_000_000i64),
        "id" if table == "counters" => json!(NOW.fetch_add(1, Ordering::Relaxed)),
        "_id" => json!(format!("_id-{n}")),
        "_seq_no" => json!(n),
        "_primary_term" => json!(1),
        "id" => json!(format!("uuid-{n}")),
        "name_normalized" => get("name")
            .and_then(|v| v.as_str().map(|s| json!(s.to_lowercase())))
            .unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// Answers a multi-row `INSERT … VALUES (…), (…) RETURNING …` with one row per tuple, in
/// reverse order (CrateDB answers in shard order).
pub fn insert_returning(req: &SqlRequest) -> Option<Reply> {
    if !req.stmt.starts_with("INSERT") {
        return None;
    }
    let (_, returning) = req.stmt.split_once(" RETURNING ")?;
    let open = req.stmt.find('(')?;
    let close = req.stmt.find(") VALUES")?;
    let inserted = idents(req.stmt.get(open + 1..close)?);
    let table = idents(req.stmt.get("INSERT INTO ".len()..open)?.trim())
        .pop()
        .unwrap_or_default();
    let cols = idents(returning);
    // CrateDB answers in the order its shards do, not in VALUES order: here, the reverse.
    let mut rows: Vec<Vec<Value>> = req
        .args
        .chunks(inserted.len().max(1))
        .enumerate()
        .map(|(n, chunk)| {
            let pairs: Vec<(String, Value)> = inserted
                .iter()
                .cloned()
                .zip(chunk.iter().cloned())
                .collect();
            cols.iter()
                .map(|c| match pairs.iter().find(|(k, _)| k == c) {
                    Some((_, v)) => v.clone(),
                    None => server_value(&table, c, n, &pairs),
                })
                .collect()
        })
        .collect();
    rows.reverse();
    let col_refs: Vec<&str> = cols.iter().map(String::as_str).collect();
    Some(Reply::rows(&col_refs, rows))
}

/// One scripted answer: the exact statement, the result columns and rows.
pub type Scripted = (&'static str, Vec<&'static str>, Vec<Vec<Value>>);

/// A handler: INSERT … RETURNING echoed, SELECTs answered from `script` (exact statement →
/// columns and rows; anything else is error 4000), other writes answered as CrateDB does.
pub fn scripted(script: Vec<Scripted>) -> impl Fn(&SqlRequest) -> Reply + Send + Sync + 'static {
    move |req: &SqlRequest| {
        if let Some(reply) = insert_returning(req) {
            return reply;
        }
        if req.stmt.starts_with("SELECT") {
            return match script.iter().find(|(sql, _, _)| *sql == req.stmt) {
                Some((_, cols, rows)) => Reply::rows(cols, rows.clone()),
                None => Reply::error(
                    4000,
                    &format!("SQLParseException[unscripted statement: {}]", req.stmt),
                ),
            };
        }
        Reply::default_for(req)
    }
}
