//! [`ObjectArray`]: CrateDB's `ARRAY(OBJECT)` (skeleton; being built).

use super::Object;

/// A CrateDB `ARRAY(OBJECT)` value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectArray(pub Vec<Object>);
