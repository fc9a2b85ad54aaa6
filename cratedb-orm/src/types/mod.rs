//! CrateDB types: how each Rust type maps to a CrateDB column type and to its wire value.
//!
//! Every field of a model implements [`CrateType`]: it names its DDL type ([`SqlType`]) and
//! converts to and from the JSON value CrateDB sends and accepts (see PROTOCOL.md,
//! "Values on the wire").

mod geo;
mod object;
mod object_array;
mod sql_type;
mod timestamp;
mod vector;

pub use geo::{GeoPoint, GeoShape};
pub use object::Object;
pub use object_array::ObjectArray;
pub use sql_type::{ObjectPolicy, SqlType};
pub use timestamp::{Timestamp, TimestampTz};
pub use vector::FloatVector;

use serde_json::Value;

/// A value that did not fit the Rust type it was decoded into.
///
/// The model layer wraps it with the column name into [`crate::Error::Decode`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("expected {expected}, found {found}")]
pub struct DecodeError {
    /// What the Rust type accepts, e.g. `"TEXT"` or `"INTEGER (i32)"`.
    pub expected: String,
    /// A short rendering of the value that was found (truncated when long).
    pub found: String,
}

impl DecodeError {
    /// A decode error for `value`, which is not a valid `expected`.
    pub fn new(expected: impl Into<String>, value: &Value) -> Self {
        DecodeError {
            expected: expected.into(),
            found: describe_value(value),
        }
    }
}

/// Renders a value for an error message: JSON text, cut at 80 characters.
pub fn describe_value(value: &Value) -> String {
    const MAX: usize = 80;
    let text = value.to_string();
    if text.chars().count() <= MAX {
        text
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// A Rust type that can be stored in a CrateDB column.
///
/// Implemented for `String`, integers, floats, `bool`, [`Option<T>`] (nullable),
/// `Vec<T>` (ARRAY), and the CrateDB types of this module.
pub trait CrateType: Sized {
    /// The column type used in `CREATE TABLE`.
    fn sql_type() -> SqlType;

    /// Whether the column is nullable (`Option<T>`); anything else is `NOT NULL`.
    const NULLABLE: bool = false;

    /// Encodes the value for the wire (a bound parameter).
    fn to_value(&self) -> Value;

    /// Decodes a value received from CrateDB.
    fn from_value(value: Value) -> Result<Self, DecodeError>;
}
