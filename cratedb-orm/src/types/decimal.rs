//! `rust_decimal::Decimal` as CrateDB's `NUMERIC` (feature `rust_decimal`), and
//! [`Numeric<P, S>`] for a column of a chosen precision and scale.
//!
//! On the wire (checked against CrateDB 6.4):
//! - CrateDB returns a NUMERIC as a JSON number with every digit and the column's scale
//!   (`1.5000000000` in a `NUMERIC(38, 10)` column, `0E-10` for zero), more digits than an
//!   `f64` holds. The feature therefore turns on `serde_json`'s `arbitrary_precision`, which
//!   keeps a number's text in [`serde_json::Value`], so every path (models, `find`,
//!   `RETURNING`, tuples from `select`, raw SQL) reads every digit.
//! - A value is sent as a string (`"1234567890123456789.0123456789"`): a JSON number would be
//!   read by CrateDB as a `DOUBLE` first and lose digits beyond the 17th.
//! - CrateDB stores NUMERIC only with a precision (`NUMERIC(p)` or `NUMERIC(p, s)`, p ≤ 38);
//!   a plain `NUMERIC` column is refused. Digits beyond the scale are rounded by CrateDB.

use rust_decimal::Decimal;
use serde_json::Value;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::str::FromStr;

use super::{CrateType, DecodeError, SqlType, TypeClass};

/// Precision and scale of a `Decimal` column: up to 28 digits before the point (what a
/// `Decimal` holds at most, 7.9 × 10^28) and 10 after.
pub const DECIMAL_PRECISION: u8 = 38;
/// See [`DECIMAL_PRECISION`].
pub const DECIMAL_SCALE: u8 = 10;

/// Decodes a NUMERIC: a JSON number (its full text) or a string, in plain or exponent
/// notation; more digits than a `Decimal` holds is an error, never rounded.
fn decode(value: &Value, expected: &str) -> Result<Decimal, DecodeError> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err(DecodeError::new(expected, value)),
    };
    let parsed = if text.contains(['e', 'E']) {
        Decimal::from_scientific(&text)
    } else {
        Decimal::from_str_exact(&text)
    };
    parsed.map_err(|_| DecodeError::new(expected, value))
}

/// `NUMERIC(38, 10)`, sent as a string, decoded exactly.
///
/// ```
/// use cratedb_orm::CrateType;
/// use rust_decimal::Decimal;
/// use serde_json::json;
/// use std::str::FromStr;
///
/// let price = Decimal::from_str("1234567890123456789.0123456789").unwrap();
/// assert_eq!(Decimal::sql_type().to_string(), "NUMERIC(38, 10)");
/// assert_eq!(price.to_value(), json!("1234567890123456789.0123456789"));
/// let back: serde_json::Value = serde_json::from_str("1234567890123456789.0123456789").unwrap();
/// assert_eq!(Decimal::from_value(back), Ok(price));
/// ```
impl CrateType for Decimal {
    const CLASS: TypeClass = TypeClass::Numeric;

    fn sql_type() -> SqlType {
        SqlType::Numeric {
            precision: DECIMAL_PRECISION,
            scale: DECIMAL_SCALE,
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.to_string())
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        decode(&value, "NUMERIC (rust_decimal::Decimal)")
    }

    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A [`Decimal`] in a `NUMERIC(P, S)` column: the precision (1–38) and scale (0–P, and at
/// most 28, what a `Decimal` holds) are checked at compile time when the type is a column.
///
/// ```
/// use cratedb_orm::types::Numeric;
/// use cratedb_orm::CrateType;
/// use rust_decimal::Decimal;
/// use serde_json::json;
///
/// let amount: Numeric<12, 2> = Numeric(Decimal::new(1999, 2));
/// assert_eq!(Numeric::<12, 2>::sql_type().to_string(), "NUMERIC(12, 2)");
/// assert_eq!(amount.to_value(), json!("19.99"));
/// assert_eq!(*amount, Decimal::new(1999, 2)); // derefs to the Decimal
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Numeric<const P: u8, const S: u8>(pub Decimal);

impl<const P: u8, const S: u8> Numeric<P, S> {
    /// Unwraps the `Decimal`.
    pub fn into_inner(self) -> Decimal {
        self.0
    }
}

impl<const P: u8, const S: u8> From<Decimal> for Numeric<P, S> {
    fn from(value: Decimal) -> Self {
        Numeric(value)
    }
}

impl<const P: u8, const S: u8> From<Numeric<P, S>> for Decimal {
    fn from(value: Numeric<P, S>) -> Self {
        value.0
    }
}

impl<const P: u8, const S: u8> FromStr for Numeric<P, S> {
    type Err = rust_decimal::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::from_str_exact(s).map(Numeric)
    }
}

impl<const P: u8, const S: u8> Deref for Numeric<P, S> {
    type Target = Decimal;

    fn deref(&self) -> &Decimal {
        &self.0
    }
}

impl<const P: u8, const S: u8> DerefMut for Numeric<P, S> {
    fn deref_mut(&mut self) -> &mut Decimal {
        &mut self.0
    }
}

impl<const P: u8, const S: u8> fmt::Debug for Numeric<P, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Numeric<{P}, {S}>({})", self.0)
    }
}

impl<const P: u8, const S: u8> fmt::Display for Numeric<P, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl<const P: u8, const S: u8> CrateType for Numeric<P, S> {
    /// Also checks `P` and `S`: `#[derive(CrateModel)]` evaluates `CLASS` for every column,
    /// so `Numeric<39, 2>` or `Numeric<4, 6>` as a field is a compile error.
    const CLASS: TypeClass = {
        assert!(
            P >= 1 && P <= 38,
            "NUMERIC(P, S) needs 1 <= P <= 38 (CrateDB's largest stored precision)"
        );
        assert!(
            S <= P && S <= 28,
            "NUMERIC(P, S) needs S <= P and S <= 28 (the most a Decimal holds after the point)"
        );
        TypeClass::Numeric
    };

    fn sql_type() -> SqlType {
        SqlType::Numeric {
            precision: P,
            scale: S,
        }
    }

    fn to_value(&self) -> Value {
        self.0.to_value()
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        decode(&value, &format!("NUMERIC({P}, {S})")).map(Numeric)
    }

    fn serialize_wire<S2: serde::Serializer>(&self, s: S2) -> Result<S2::Ok, S2::Error> {
        s.collect_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn number(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn every_digit_survives_the_json_number() {
        // What CrateDB answers for a NUMERIC(38, 10) column.
        let d = Decimal::from_value(number("1234567890123456789.0123456789")).unwrap();
        assert_eq!(d.to_string(), "1234567890123456789.0123456789");
        assert_eq!(
            Decimal::from_value(number("1.5000000000")).map(|d| d.to_string()),
            Ok("1.5000000000".to_string())
        );
        assert_eq!(Decimal::from_value(number("0E-10")), Ok(Decimal::ZERO));
        assert_eq!(Decimal::from_value(json!("-2.5")), Ok(Decimal::new(-25, 1)));
        assert_eq!(Decimal::from_value(json!(7)), Ok(Decimal::new(7, 0)));
    }

    #[test]
    fn too_many_digits_are_an_error() {
        let err = Decimal::from_value(number("1234567890123456789012345678901.5")).unwrap_err();
        assert_eq!(err.expected, "NUMERIC (rust_decimal::Decimal)");
        assert!(Decimal::from_value(json!("abc")).is_err());
        assert!(Decimal::from_value(json!(true)).is_err());
        assert!(Numeric::<5, 2>::from_value(json!([])).is_err());
    }

    #[test]
    fn sent_as_strings() {
        let d = Decimal::new(-1999, 2);
        assert_eq!(d.to_value(), json!("-19.99"));
        assert_eq!(
            serde_json::to_value(super::super::Wire(&d)).ok(),
            Some(json!("-19.99"))
        );
        let n: Numeric<10, 2> = "3.50".parse().unwrap();
        assert_eq!(
            serde_json::to_value(super::super::Wire(&n)).ok(),
            Some(json!("3.50"))
        );
        assert_eq!(format!("{n:?}"), "Numeric<10, 2>(3.50)");
    }
}
