//! Hand-written models for the session tests: exactly what `#[derive(CrateModel)]` generates
//! in shape, written out so the session is tested on its own.
#![allow(dead_code)]

use std::sync::OnceLock;

use cratedb_orm::model::IsUnset;
use cratedb_orm::types::SqlType;
use cratedb_orm::{ColumnMeta, CrateModel, Error, Result, RowLayout, TableMeta, Value};
use serde_json::{json, Map};

fn text(v: Value, col: &str) -> Result<String> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(Error::Decode {
            column: col.into(),
            expected: "TEXT".into(),
            found: other.to_string(),
        }),
    }
}

fn opt_text(v: Value, col: &str) -> Result<Option<String>> {
    if v.is_null() {
        Ok(None)
    } else {
        text(v, col).map(Some)
    }
}

/// A person: text PK with a client default, an OBJECT, an array, a server default.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub details: Map<String, Value>,
    pub tags: Vec<Value>,
    pub created_at: Option<i64>,
}

static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub fn gen_id() -> String {
    format!(
        "id-{}",
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

impl CrateModel for Person {
    fn meta() -> &'static TableMeta {
        static META: OnceLock<TableMeta> = OnceLock::new();
        META.get_or_init(|| {
            let mut m = TableMeta::new("Person", "people");
            m.columns = vec![
                ColumnMeta::new("id", "id", SqlType::Text, false)
                    .primary_key()
                    .client_default(),
                ColumnMeta::new("name", "name", SqlType::Text, false),
                ColumnMeta::new(
                    "details",
                    "details",
                    SqlType::Object {
                        policy: None,
                        columns: vec![],
                    },
                    false,
                ),
                ColumnMeta::new(
                    "tags",
                    "tags",
                    SqlType::Array(Box::new(SqlType::Text)),
                    false,
                ),
                ColumnMeta::new("created_at", "created_at", SqlType::TimestampTz, true)
                    .server_default("now()"),
            ];
            m.primary_key = vec![0];
            m
        })
    }
    fn to_values(&self) -> Vec<Value> {
        (0..5).map(|i| self.column_value(i)).collect()
    }
    fn column_value(&self, index: usize) -> Value {
        match index {
            0 => json!(self.id),
            1 => json!(self.name),
            2 => Value::Object(self.details.clone()),
            3 => Value::Array(self.tags.clone()),
            4 => json!(self.created_at),
            _ => Value::Null,
        }
    }
    fn from_row(layout: &RowLayout, row: &mut [Value]) -> Result<Self> {
        let mut p = Person::default();
        for i in 0..5 {
            p.set_column(i, layout.take(row, i))?;
        }
        Ok(p)
    }
    fn set_column(&mut self, index: usize, value: Value) -> Result<()> {
        match index {
            0 => self.id = text(value, "id")?,
            1 => self.name = text(value, "name")?,
            2 => {
                self.details = match value {
                    Value::Object(m) => m,
                    Value::Null => Map::new(),
                    v => {
                        return Err(Error::Decode {
                            column: "details".into(),
                            expected: "OBJECT".into(),
                            found: v.to_string(),
                        })
                    }
                }
            }
            3 => {
                self.tags = match value {
                    Value::Array(a) => a,
                    _ => Vec::new(),
                }
            }
            4 => self.created_at = value.as_i64(),
            _ => {}
        }
        Ok(())
    }
    fn apply_defaults(&mut self) {
        if self.id.is_unset() {
            self.id = gen_id();
        }
    }
}

/// A versioned note (optimistic concurrency), no server-generated values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Note {
    pub id: String,
    pub body: String,
}

impl CrateModel for Note {
    fn meta() -> &'static TableMeta {
        static META: OnceLock<TableMeta> = OnceLock::new();
        META.get_or_init(|| {
            let mut m = TableMeta::new("Note", "notes");
            m.columns = vec![
                ColumnMeta::new("id", "id", SqlType::Text, false).primary_key(),
                ColumnMeta::new("body", "body", SqlType::Text, false),
            ];
            m.primary_key = vec![0];
            m.versioned = true;
            m
        })
    }
    fn to_values(&self) -> Vec<Value> {
        vec![json!(self.id), json!(self.body)]
    }
    fn column_value(&self, index: usize) -> Value {
        self.to_values().get(index).cloned().unwrap_or(Value::Null)
    }
    fn from_row(layout: &RowLayout, row: &mut [Value]) -> Result<Self> {
        Ok(Note {
            id: text(layout.take(row, 0), "id")?,
            body: text(layout.take(row, 1), "body")?,
        })
    }
    fn set_column(&mut self, index: usize, value: Value) -> Result<()> {
        match index {
            0 => self.id = text(value, "id")?,
            1 => self.body = text(value, "body")?,
            _ => {}
        }
        Ok(())
    }
    fn apply_defaults(&mut self) {}
}

/// A row keyed by CrateDB's `_id` (fetched after insert).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Entry {
    pub id: Option<String>,
    pub message: String,
}

impl CrateModel for Entry {
    fn meta() -> &'static TableMeta {
        static META: OnceLock<TableMeta> = OnceLock::new();
        META.get_or_init(|| {
            let mut m = TableMeta::new("Entry", "entries");
            m.columns = vec![
                ColumnMeta::new("_id", "id", SqlType::Text, true).fetched(),
                ColumnMeta::new("message", "message", SqlType::Text, false),
            ];
            m
        })
    }
    fn to_values(&self) -> Vec<Value> {
        vec![json!(self.id), json!(self.message)]
    }
    fn column_value(&self, index: usize) -> Value {
        self.to_values().get(index).cloned().unwrap_or(Value::Null)
    }
    fn from_row(layout: &RowLayout, row: &mut [Value]) -> Result<Self> {
        Ok(Entry {
            id: opt_text(layout.take(row, 0), "_id")?,
            message: text(layout.take(row, 1), "message")?,
        })
    }
    fn set_column(&mut self, index: usize, value: Value) -> Result<()> {
        match index {
            0 => self.id = opt_text(value, "_id")?,
            1 => self.message = text(value, "message")?,
            _ => {}
        }
        Ok(())
    }
    fn apply_defaults(&mut self) {}
}
