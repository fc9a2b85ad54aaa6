//! `uuid::Uuid` as a `TEXT` column, and [`random_uuid`], a client-side primary key generator.
//!
//! CrateDB has no UUID type: a UUID is stored as its hyphenated lower-case text
//! (`"67e55044-10b1-426f-9247-bb680e5fe0c8"`), the form CrateDB's own `gen_random_text_uuid()`
//! produces, so keys made by the client and by the server look alike.

use serde_json::Value;
use uuid::Uuid;

use super::{CrateType, DecodeError, SqlType, TypeClass};

/// A random (version 4) UUID as a hyphenated lower-case string, e.g. for
/// `#[cratedb(primary_key, default = cratedb_orm::types::random_uuid)]`.
///
/// ```
/// let key = cratedb_orm::types::random_uuid();
/// assert_eq!(key.len(), 36);
/// assert_ne!(key, cratedb_orm::types::random_uuid());
/// ```
pub fn random_uuid() -> String {
    Uuid::new_v4().to_string()
}

/// `TEXT`, sent as the hyphenated lower-case form. Decoding accepts every form
/// [`Uuid::parse_str`] does (hyphenated, simple, braced, `urn:uuid:`, any case); any other
/// text is a [`DecodeError`].
///
/// ```
/// use cratedb_orm::CrateType;
/// use serde_json::json;
/// use uuid::Uuid;
///
/// let id = Uuid::from_u128(0x67e5_5044_10b1_426f_9247_bb68_0e5f_e0c8);
/// assert_eq!(Uuid::sql_type().to_string(), "TEXT");
/// assert_eq!(id.to_value(), json!("67e55044-10b1-426f-9247-bb680e5fe0c8"));
/// assert_eq!(Uuid::from_value(json!("67E55044-10B1-426F-9247-BB680E5FE0C8")), Ok(id));
/// assert!(Uuid::from_value(json!("not a uuid")).is_err());
/// ```
impl CrateType for Uuid {
    const CLASS: TypeClass = TypeClass::Text;

    fn sql_type() -> SqlType {
        SqlType::Text
    }

    fn to_value(&self) -> Value {
        Value::String(self.hyphenated().to_string())
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        match &value {
            Value::String(s) => {
                Uuid::parse_str(s).map_err(|_| DecodeError::new("UUID text", &value))
            }
            _ => Err(DecodeError::new("UUID text", &value)),
        }
    }

    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buffer = uuid::Uuid::encode_buffer();
        s.serialize_str(self.hyphenated().encode_lower(&mut buffer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn uuid_is_text() {
        let id = Uuid::new_v4();
        assert_eq!(Uuid::from_value(id.to_value()), Ok(id));
        assert_eq!(
            serde_json::to_value(super::super::Wire(&id)).ok(),
            Some(id.to_value())
        );
        assert_eq!(Uuid::CLASS, TypeClass::Text);
        let err = Uuid::from_value(json!(42)).unwrap_err();
        assert_eq!(err.expected, "UUID text");
        assert_eq!(err.found, "42");
    }
}
