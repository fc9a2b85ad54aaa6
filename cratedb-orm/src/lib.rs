// The crate docs are the README (a link to the workspace README, so the packaged crate has
// it too): its tutorial is compiled and run as doc-tests.
#![doc = include_str!("../README.md")]

extern crate self as cratedb_orm;

#[doc(hidden)]
pub mod __private;
pub mod client_expr;
pub mod ddl;
pub mod error;
pub mod expr;
pub mod migrate;
mod missing_column;
pub mod model;
mod model_sql;
pub mod query;
pub mod raw;
pub mod reflect;
pub mod session;
pub mod sql;
pub mod types;
pub mod write;

pub use cratedb_client as client;
pub use cratedb_client::Client;
pub use cratedb_orm_derive::CrateModel;
pub use error::{Error, Result};
pub use expr::Column;
pub use model::{ColumnMeta, CrateModel, RowLayout, TableMeta};
pub use query::{Query, Select};
pub use serde_json::Value;
pub use session::{Handle, Session};
pub use types::{
    CrateType, FloatVector, GeoPoint, GeoShape, Json, Object, ObjectArray, SqlType, Timestamp,
    TimestampTz,
};

/// The `rust_decimal` crate (feature `rust_decimal`), whose `Decimal` is a NUMERIC column.
#[cfg(feature = "rust_decimal")]
pub use rust_decimal;
/// The `uuid` crate, whose `Uuid` is a TEXT column.
pub use uuid;

/// `serde_json`, for the [`object!`] macro.
#[doc(hidden)]
pub use serde_json as __serde_json;
