//! [`FloatVector`]: CrateDB's `FLOAT_VECTOR(N)`.

use serde_json::Value;

use super::float::{f32_to_value, value_to_f32};
use super::{describe_value, CrateType, DecodeError, SqlType, TypeClass};

/// The largest dimension CrateDB accepts.
const MAX_DIMENSIONS: usize = 2048;

/// A CrateDB `FLOAT_VECTOR(N)` value: exactly `N` `f32` numbers (1 ≤ N ≤ 2048, checked
/// at compile time when the type is used as a column).
///
/// ```
/// use cratedb_orm::{CrateType, FloatVector};
/// use serde_json::json;
///
/// let v = FloatVector([0.5, 1.0, -2.0]);
/// assert_eq!(FloatVector::<3>::sql_type().to_string(), "FLOAT_VECTOR(3)");
/// assert_eq!(v.to_value(), json!([0.5, 1.0, -2.0]));
/// assert!(FloatVector::<3>::from_value(json!([1.0, 2.0])).is_err()); // wrong length
/// assert_eq!(FloatVector::<2>::try_from(vec![1.0, 2.0]), Ok(FloatVector([1.0, 2.0])));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FloatVector<const N: usize>(pub [f32; N]);

impl<const N: usize> FloatVector<N> {
    /// The vector's values.
    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    /// Unwraps the array.
    pub fn into_inner(self) -> [f32; N] {
        self.0
    }
}

impl<const N: usize> Default for FloatVector<N> {
    /// The zero vector.
    fn default() -> Self {
        FloatVector([0.0; N])
    }
}

impl<const N: usize> From<[f32; N]> for FloatVector<N> {
    fn from(values: [f32; N]) -> Self {
        FloatVector(values)
    }
}

impl<const N: usize> TryFrom<Vec<f32>> for FloatVector<N> {
    type Error = DecodeError;

    /// Fails unless the vector has exactly `N` values.
    fn try_from(values: Vec<f32>) -> Result<Self, DecodeError> {
        let len = values.len();
        <[f32; N]>::try_from(values)
            .map(FloatVector)
            .map_err(|_| DecodeError {
                expected: format!("FLOAT_VECTOR({N})"),
                found: format!("{len} values"),
            })
    }
}

impl<const N: usize> From<FloatVector<N>> for Value {
    fn from(v: FloatVector<N>) -> Self {
        v.to_value()
    }
}

impl<const N: usize> CrateType for FloatVector<N> {
    /// Also checks the dimension: `#[derive(CrateModel)]` evaluates `CLASS` for every
    /// column, so `FloatVector<0>` or `FloatVector<4096>` as a field is a compile error.
    const CLASS: TypeClass = {
        assert!(
            N >= 1 && N <= MAX_DIMENSIONS,
            "FLOAT_VECTOR(N) needs 1 <= N <= 2048"
        );
        TypeClass::Vector
    };

    fn sql_type() -> SqlType {
        let _: TypeClass = Self::CLASS;
        SqlType::FloatVector(N)
    }

    fn to_value(&self) -> Value {
        Value::Array(self.0.iter().map(|x| f32_to_value(*x)).collect())
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        let error = |found: String| DecodeError {
            expected: format!("FLOAT_VECTOR({N})"),
            found,
        };
        let Value::Array(items) = &value else {
            return Err(error(describe_value(&value)));
        };
        if items.len() != N {
            return Err(error(format!(
                "{} values: {}",
                items.len(),
                describe_value(&value)
            )));
        }
        let mut out = [0.0_f32; N];
        for (slot, item) in out.iter_mut().zip(items) {
            *slot = value_to_f32(item).ok_or_else(|| error(describe_value(item)))?;
        }
        Ok(FloatVector(out))
    }
}
