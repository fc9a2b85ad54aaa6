//! [`CrateType`] for `f32` and `f64`, including NaN and infinities.
//!
//! JSON numbers cannot be NaN or infinite, so those travel as the strings `"NaN"`,
//! `"Infinity"` and `"-Infinity"`, which CrateDB casts to `REAL`/`DOUBLE PRECISION`; the
//! same strings decode back. Finite values are plain JSON numbers.

use serde_json::{Number, Value};

use super::{CrateType, DecodeError, SqlType, TypeClass};

/// The wire value of a non-finite float.
fn non_finite(x: f64) -> Value {
    let text = if x.is_nan() {
        "NaN"
    } else if x > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    };
    Value::String(text.to_owned())
}

/// Encodes an `f64`.
pub(crate) fn f64_to_value(x: f64) -> Value {
    match Number::from_f64(x) {
        Some(n) => Value::Number(n),
        None => non_finite(x),
    }
}

/// Encodes an `f32` through its shortest decimal form, so `0.1_f32` is sent as `0.1` (not
/// `0.10000000149011612`) and decodes back to the same `f32`.
pub(crate) fn f32_to_value(x: f32) -> Value {
    if !x.is_finite() {
        return non_finite(f64::from(x));
    }
    let wide = x.to_string().parse::<f64>().unwrap_or(f64::from(x));
    f64_to_value(wide)
}

/// Decodes a float from a JSON number or one of the non-finite strings.
pub(crate) fn value_to_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// Decodes an `f32`; a finite value beyond the `f32` range is rejected, not made infinite.
pub(crate) fn value_to_f32(value: &Value) -> Option<f32> {
    let x = value_to_f64(value)?;
    if x.is_finite() && x.abs() > f64::from(f32::MAX) {
        return None;
    }
    // Rounding to the nearest f32 is the intended conversion here.
    #[allow(clippy::cast_possible_truncation)]
    Some(x as f32)
}

impl CrateType for f64 {
    const CLASS: TypeClass = TypeClass::Numeric;

    fn sql_type() -> SqlType {
        SqlType::Double
    }

    fn to_value(&self) -> Value {
        f64_to_value(*self)
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        value_to_f64(&value).ok_or_else(|| DecodeError::new("DOUBLE PRECISION (f64)", &value))
    }

    fn serialize_wire<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_finite() {
            s.serialize_f64(*self)
        } else {
            serde::Serialize::serialize(&self.to_value(), s)
        }
    }
}

impl CrateType for f32 {
    const CLASS: TypeClass = TypeClass::Numeric;

    fn sql_type() -> SqlType {
        SqlType::Real
    }

    fn to_value(&self) -> Value {
        f32_to_value(*self)
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        value_to_f32(&value).ok_or_else(|| DecodeError::new("REAL (f32)", &value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn non_finite_values_travel_as_strings() {
        assert_eq!(f64::NAN.to_value(), json!("NaN"));
        assert_eq!(f64::INFINITY.to_value(), json!("Infinity"));
        assert_eq!(f32::NEG_INFINITY.to_value(), json!("-Infinity"));
        assert!(f64::from_value(json!("NaN")).is_ok_and(f64::is_nan));
        assert_eq!(f32::from_value(json!("-Infinity")), Ok(f32::NEG_INFINITY));
        assert!(f64::from_value(json!("nan")).is_err());
    }

    #[test]
    fn f32_uses_its_shortest_decimal_form() {
        assert_eq!(0.1_f32.to_value().to_string(), "0.1");
        assert_eq!(f32::from_value(json!(0.1)), Ok(0.1_f32));
        assert!(f32::from_value(json!(1e300)).is_err());
        assert_eq!(f64::from_value(json!(3)), Ok(3.0));
    }
}
