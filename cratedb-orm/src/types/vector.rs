//! [`FloatVector`]: CrateDB's `FLOAT_VECTOR(N)` (skeleton; being built).

/// A CrateDB `FLOAT_VECTOR(N)` value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FloatVector<const N: usize>(pub [f32; N]);
