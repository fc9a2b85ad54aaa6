//! [`Object`]: CrateDB's OBJECT, an ordered JSON map (skeleton; being built).

use serde_json::{Map, Value};

/// A CrateDB `OBJECT` value: an ordered map of keys to JSON values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object(pub Map<String, Value>);
