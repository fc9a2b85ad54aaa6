//! Test models for the DSL tests, declared with `#[derive(CrateModel)]`.
#![allow(dead_code)]

use cratedb_orm::{CrateModel, FloatVector, GeoPoint, GeoShape, Object, ObjectArray, TimestampTz};

/// The client-side key of `Character`: predictable, for exact assertions.
pub fn test_key() -> String {
    "id-generated".to_string()
}

/// The seed's `Character`.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "characters")]
pub struct Character {
    #[cratedb(primary_key, default = test_key)]
    pub id: Option<String>,
    #[cratedb(fulltext(name = "name_ft", analyzer = "english"))]
    pub name: Option<String>,
    pub quote: String,
    pub details: Option<Object>,
    pub more_details: Option<ObjectArray>,
}

/// A city with geo columns.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "cities")]
pub struct City {
    #[cratedb(primary_key)]
    pub name: String,
    pub coordinate: Option<GeoPoint>,
    pub area: Option<GeoShape>,
}

/// A model with a vector, a scalar array, numbers, a server default and a generated column;
/// versioned (optimistic concurrency).
#[derive(CrateModel, Debug, Clone, PartialEq)]
#[cratedb(table = "docs", schema = "doc", versioned)]
pub struct Doc {
    #[cratedb(primary_key)]
    pub id: i64,
    pub embedding: FloatVector<3>,
    pub tags: Vec<String>,
    pub rank: i32,
    pub weight: Option<f64>,
    pub flag: Option<bool>,
    #[cratedb(server_default = "now()")]
    pub created_at: Option<TimestampTz>,
    #[cratedb(generated = "lower(title)")]
    pub title_lower: Option<String>,
}

/// A model with odd identifiers: a quote in the table name, reserved words as columns,
/// a schema with a space.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "weird \"name\"", schema = "my schema")]
pub struct Weird {
    #[cratedb(primary_key)]
    pub user: String,
    #[cratedb(column = "weird \"name\"")]
    pub quoted: Option<String>,
    pub offset: Option<i64>,
}
