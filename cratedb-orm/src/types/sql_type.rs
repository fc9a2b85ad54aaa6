//! [`SqlType`]: a CrateDB column type as written in DDL.

use std::fmt;

/// The column policy of an OBJECT column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectPolicy {
    /// New keys are added to the schema on insert (CrateDB's default).
    Dynamic,
    /// Unknown keys are rejected.
    Strict,
    /// Unknown keys are stored but not indexed.
    Ignored,
}

impl ObjectPolicy {
    /// The DDL keyword (`DYNAMIC`, `STRICT`, `IGNORED`).
    pub fn keyword(self) -> &'static str {
        match self {
            ObjectPolicy::Dynamic => "DYNAMIC",
            ObjectPolicy::Strict => "STRICT",
            ObjectPolicy::Ignored => "IGNORED",
        }
    }
}

/// A CrateDB column type, rendered by `Display` as it appears in `CREATE TABLE`.
///
/// ```
/// use cratedb_orm::types::{SqlType, ObjectPolicy};
/// assert_eq!(SqlType::Array(Box::new(SqlType::Text)).to_string(), "ARRAY(TEXT)");
/// let obj = SqlType::Object { policy: Some(ObjectPolicy::Strict), columns: vec![("k".into(), SqlType::Text)] };
/// assert_eq!(obj.to_string(), r#"OBJECT(STRICT) AS ("k" TEXT)"#);
/// assert_eq!(SqlType::Numeric { precision: 12, scale: 2 }.to_string(), "NUMERIC(12, 2)");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SqlType {
    /// `TEXT`
    Text,
    /// `BOOLEAN`
    Boolean,
    /// `SMALLINT` (i16)
    Smallint,
    /// `INTEGER` (i32)
    Integer,
    /// `BIGINT` (i64)
    Bigint,
    /// `REAL` (f32)
    Real,
    /// `DOUBLE PRECISION` (f64)
    Double,
    /// `TIMESTAMP WITHOUT TIME ZONE`
    Timestamp,
    /// `TIMESTAMP WITH TIME ZONE`
    TimestampTz,
    /// `OBJECT`, with an optional policy and declared sub-columns.
    Object {
        /// `DYNAMIC`, `STRICT` or `IGNORED`; `None` leaves CrateDB's default.
        policy: Option<ObjectPolicy>,
        /// Declared sub-columns (`AS ("k" TEXT, …)`).
        columns: Vec<(String, SqlType)>,
    },
    /// `ARRAY(inner)`
    Array(Box<SqlType>),
    /// `GEO_POINT`
    GeoPoint,
    /// `GEO_SHAPE`
    GeoShape,
    /// `FLOAT_VECTOR(n)`
    FloatVector(usize),
    /// `NUMERIC(precision, scale)`: an exact decimal of up to `precision` digits, `scale` of
    /// them after the point. CrateDB stores NUMERIC only with a precision (1–38); the scale
    /// (0–`precision`) defaults to 0.
    Numeric {
        /// Total number of digits, 1–38.
        precision: u8,
        /// Digits after the decimal point, 0–`precision`.
        scale: u8,
    },
    /// `IP`: an IPv4 or IPv6 address.
    Ip,
}

impl SqlType {
    /// A plain `OBJECT` with no policy and no declared sub-columns.
    pub fn object() -> Self {
        SqlType::Object {
            policy: None,
            columns: Vec::new(),
        }
    }

    /// Sets the policy (and sub-columns) of this OBJECT, or of the objects of an
    /// `ARRAY(OBJECT)`; other types are returned unchanged.
    pub fn with_object(
        self,
        policy: Option<ObjectPolicy>,
        columns: Vec<(String, SqlType)>,
    ) -> Self {
        match self {
            SqlType::Object { .. } => SqlType::Object { policy, columns },
            SqlType::Array(inner) => SqlType::Array(Box::new(inner.with_object(policy, columns))),
            other => other,
        }
    }

    /// Whether this is an OBJECT or an ARRAY of OBJECTs.
    pub fn is_object(&self) -> bool {
        match self {
            SqlType::Object { .. } => true,
            SqlType::Array(inner) => inner.is_object(),
            _ => false,
        }
    }

    /// Whether this is an ARRAY.
    pub fn is_array(&self) -> bool {
        matches!(self, SqlType::Array(_))
    }

    /// Whether this is `GEO_POINT` or `GEO_SHAPE`.
    pub fn is_geo(&self) -> bool {
        matches!(self, SqlType::GeoPoint | SqlType::GeoShape)
    }
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlType::Text => f.write_str("TEXT"),
            SqlType::Boolean => f.write_str("BOOLEAN"),
            SqlType::Smallint => f.write_str("SMALLINT"),
            SqlType::Integer => f.write_str("INTEGER"),
            SqlType::Bigint => f.write_str("BIGINT"),
            SqlType::Real => f.write_str("REAL"),
            SqlType::Double => f.write_str("DOUBLE PRECISION"),
            SqlType::Timestamp => f.write_str("TIMESTAMP WITHOUT TIME ZONE"),
            SqlType::TimestampTz => f.write_str("TIMESTAMP WITH TIME ZONE"),
            SqlType::Object { policy, columns } => {
                f.write_str("OBJECT")?;
                if let Some(p) = policy {
                    write!(f, "({})", p.keyword())?;
                }
                if !columns.is_empty() {
                    f.write_str(" AS (")?;
                    for (i, (name, ty)) in columns.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        f.write_str(&crate::sql::quote_ident(name))?;
                        write!(f, " {ty}")?;
                    }
                    f.write_str(")")?;
                }
                Ok(())
            }
            SqlType::Array(inner) => write!(f, "ARRAY({inner})"),
            SqlType::GeoPoint => f.write_str("GEO_POINT"),
            SqlType::GeoShape => f.write_str("GEO_SHAPE"),
            SqlType::FloatVector(n) => write!(f, "FLOAT_VECTOR({n})"),
            SqlType::Numeric { precision, scale } => write!(f, "NUMERIC({precision}, {scale})"),
            SqlType::Ip => f.write_str("IP"),
        }
    }
}
