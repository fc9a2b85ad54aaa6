//! [`random_uuid`]: a client-side primary key generator.

/// A random (version 4) UUID as a hyphenated lower-case string, e.g. for
/// `#[cratedb(primary_key, default = cratedb_orm::types::random_uuid)]`.
///
/// ```
/// let key = cratedb_orm::types::random_uuid();
/// assert_eq!(key.len(), 36);
/// assert_ne!(key, cratedb_orm::types::random_uuid());
/// ```
pub fn random_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}
