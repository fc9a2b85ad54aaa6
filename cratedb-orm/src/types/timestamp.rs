//! [`Timestamp`] and [`TimestampTz`] (skeleton; being built).

/// `TIMESTAMP WITHOUT TIME ZONE`, as epoch milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// `TIMESTAMP WITH TIME ZONE`, as epoch milliseconds (UTC).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimestampTz(pub i64);
