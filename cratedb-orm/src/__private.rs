//! The one door between `#[derive(CrateModel)]` and this crate: generated code names only the
//! items re-exported here (`::cratedb_orm::__private::…`, besides `::core` and `::std`), so
//! the crate's public layout can change without breaking generated code, and the derive's
//! list of reserved names lives here, beside the trait it protects. Not public API.

pub use crate::ddl;
pub use crate::error::{Error, Result};
pub use crate::expr::{Column, Index};
pub use crate::model::{ColumnMeta, CrateModel, FulltextIndex, RowLayout, TableMeta, TableSetting};
pub use crate::query::Relation;
pub use crate::relation::BelongsTo;
pub use crate::types::{CrateType, DecodeError, Object, ObjectPolicy, SqlType, TypeClass};
pub use serde::de::{DeserializeSeed, SeqAccess};
pub use serde::{Deserializer, Serializer};
pub use serde_json::{Map, Value};

/// Names a model's field cannot take: the derive gives every field an accessor
/// `Model::field()`, which would clash with the functions the derive generates
/// (`create_table_sql()` & co.) or shadow a [`CrateModel`] method (`Model::meta()`).
pub const RESERVED: &[&str] = &[
    "create_table_sql",
    "create_table_if_not_exists_sql",
    "drop_table_sql",
    "drop_table_if_exists_sql",
    "meta",
    "to_values",
    "column_value",
    "from_row",
    "decode_row",
    "set_column",
    "apply_defaults",
    "column_eq",
    "column_object",
    "column_object_ref",
    "column_object_mut",
    "serialize_column",
    "snapshot",
];

/// Whether `name` is in [`RESERVED`] (a `const fn`, for the derive's compile-time check).
pub const fn is_reserved(name: &str) -> bool {
    let mut i = 0;
    while i < RESERVED.len() {
        if same(RESERVED[i].as_bytes(), name.as_bytes()) {
            return true;
        }
        i += 1;
    }
    false
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_names_are_found() {
        assert!(is_reserved("meta") && is_reserved("create_table_sql"));
        assert!(!is_reserved("met") && !is_reserved("metas") && !is_reserved("name"));
    }
}
