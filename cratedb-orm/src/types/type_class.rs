//! [`TypeClass`]: the coarse category of a column type, checked at compile time by the derive.

/// The coarse category of a [`CrateType`](super::CrateType).
///
/// `#[derive(CrateModel)]` uses it in `const` assertions to reject column options that
/// CrateDB does not accept for a type (`index = false` on an OBJECT, a GEO_POINT primary
/// key, …), so the mistake is a compile error instead of a failed `CREATE TABLE`.
///
/// ```
/// use cratedb_orm::types::{CrateType, TypeClass};
/// use cratedb_orm::{GeoPoint, Object};
/// assert_eq!(<Option<String> as CrateType>::CLASS, TypeClass::Text);
/// assert!(!<Object as CrateType>::CLASS.allows_index_off());
/// assert!(!<GeoPoint as CrateType>::CLASS.allows_primary_key());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TypeClass {
    /// `TEXT`.
    Text,
    /// `SMALLINT`, `INTEGER`, `BIGINT`, `REAL`, `DOUBLE PRECISION`, `NUMERIC`.
    Numeric,
    /// `BOOLEAN`.
    Boolean,
    /// `TIMESTAMP WITH[OUT] TIME ZONE`.
    Timestamp,
    /// `OBJECT`.
    Object,
    /// `ARRAY(OBJECT)`.
    ObjectArray,
    /// `ARRAY` of anything but objects.
    Array,
    /// `GEO_POINT` or `GEO_SHAPE`.
    Geo,
    /// `FLOAT_VECTOR(n)`.
    Vector,
    /// `IP`.
    Ip,
    /// A type of unknown category (the default for custom `CrateType` impls): every option
    /// is allowed and CrateDB has the last word.
    Other,
}

impl TypeClass {
    /// `INDEX OFF` is accepted: not on OBJECT, `ARRAY(OBJECT)` or GEO columns.
    pub const fn allows_index_off(self) -> bool {
        !matches!(
            self,
            TypeClass::Object | TypeClass::ObjectArray | TypeClass::Geo
        )
    }

    /// `STORAGE WITH (columnstore = false)` is accepted: only TEXT, numeric and timestamp
    /// columns (CrateDB refuses it for `IP`, among others).
    pub const fn allows_columnstore_off(self) -> bool {
        matches!(
            self,
            TypeClass::Text | TypeClass::Numeric | TypeClass::Timestamp | TypeClass::Other
        )
    }

    /// The column may be part of a primary key: not OBJECT, ARRAY, GEO or FLOAT_VECTOR.
    pub const fn allows_primary_key(self) -> bool {
        !matches!(
            self,
            TypeClass::Object
                | TypeClass::ObjectArray
                | TypeClass::Array
                | TypeClass::Geo
                | TypeClass::Vector
        )
    }

    /// A `DEFAULT` expression is accepted: not on OBJECT columns.
    pub const fn allows_server_default(self) -> bool {
        !matches!(self, TypeClass::Object | TypeClass::ObjectArray)
    }

    /// A column-level fulltext index is accepted: TEXT (or an array of it).
    pub const fn allows_fulltext(self) -> bool {
        matches!(self, TypeClass::Text | TypeClass::Array | TypeClass::Other)
    }

    /// An object policy / sub-columns (`object(...)`) apply: OBJECT or `ARRAY(OBJECT)`.
    pub const fn is_object(self) -> bool {
        matches!(self, TypeClass::Object | TypeClass::ObjectArray)
    }
}
