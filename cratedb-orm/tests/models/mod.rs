//! The seed tutorial's four models, shared by the integration tests (`mod models;`).
//!
//! Declared exactly as in SPEC.md §2: `Character` (the main example), `Log` (`_id` as
//! the identity), `Item` (`gen_random_text_uuid()` primary key) and `City` (geo types).
#![allow(dead_code)]

use cratedb_orm::{CrateModel, GeoPoint, GeoShape, Object, ObjectArray, TimestampTz};

/// The seed's client-side key generator: a random UUID string.
pub fn gen_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A character of the Hitchhiker's Guide.
#[derive(Debug, Clone, Default, PartialEq, CrateModel)]
// Clippy's `duplicated_attributes` takes the two `analyzer = "english"` for a mistake.
#[allow(clippy::duplicated_attributes)]
#[cratedb(table = "characters", number_of_shards = 3)]
#[cratedb(fulltext(name = "name_ft", columns("name"), analyzer = "english"))]
#[cratedb(fulltext(name = "quote_ft", columns("quote"), analyzer = "english"))]
pub struct Character {
    #[cratedb(primary_key, default = gen_key)]
    pub id: String,
    #[cratedb(index = false)]
    pub name: Option<String>,
    #[cratedb(generated = "lower(name)")]
    pub name_normalized: Option<String>,
    pub quote: String,
    pub details: Option<Object>,
    pub more_details: Option<ObjectArray>,
    #[cratedb(columnstore = false)]
    pub even_more_details: Option<String>,
    #[cratedb(server_default = "now()")]
    pub created_at: Option<TimestampTz>,
}

/// A log line identified by CrateDB's `_id`.
#[derive(Debug, Clone, Default, PartialEq, CrateModel)]
#[cratedb(table = "logs")]
pub struct Log {
    #[cratedb(column = "_id", fetched)]
    pub id: Option<String>,
    pub ts: TimestampTz,
    pub level: String,
    pub message: String,
}

/// An item whose key CrateDB generates.
#[derive(Debug, Clone, Default, PartialEq, CrateModel)]
#[cratedb(table = "items")]
pub struct Item {
    #[cratedb(primary_key, server_default = "gen_random_text_uuid()")]
    pub id: Option<String>,
    pub name: String,
}

/// A city with a location and an area.
#[derive(Debug, Clone, Default, PartialEq, CrateModel)]
#[cratedb(table = "cities")]
pub struct City {
    #[cratedb(primary_key)]
    pub name: String,
    pub coordinate: Option<GeoPoint>,
    pub area: Option<GeoShape>,
}
