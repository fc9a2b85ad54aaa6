//! `time` support (feature `time`): `OffsetDateTime` and `PrimitiveDateTime` as columns
//! and conversions with [`TimestampTz`] / [`Timestamp`].
//!
//! CrateDB stores milliseconds: finer precision is truncated (towards the past) on encode.

use serde_json::Value;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::{CrateType, DecodeError, SqlType, Timestamp, TimestampTz, TypeClass};

/// Epoch milliseconds of an instant, flooring sub-millisecond digits; saturates at the
/// i64 range (which `time`'s own range never reaches).
fn millis_of(t: OffsetDateTime) -> i64 {
    let millis = t.unix_timestamp_nanos().div_euclid(1_000_000);
    i64::try_from(millis).unwrap_or(if millis < 0 { i64::MIN } else { i64::MAX })
}

fn from_millis(millis: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).ok()
}

impl From<OffsetDateTime> for TimestampTz {
    fn from(t: OffsetDateTime) -> Self {
        TimestampTz(millis_of(t))
    }
}

impl TimestampTz {
    /// As a `time::OffsetDateTime` in UTC (`None` beyond `time`'s range).
    pub fn to_time(self) -> Option<OffsetDateTime> {
        from_millis(self.0)
    }
}

impl From<PrimitiveDateTime> for Timestamp {
    fn from(t: PrimitiveDateTime) -> Self {
        Timestamp(millis_of(t.assume_offset(UtcOffset::UTC)))
    }
}

impl Timestamp {
    /// As a `time::PrimitiveDateTime` (`None` beyond `time`'s range).
    pub fn to_time(self) -> Option<PrimitiveDateTime> {
        from_millis(self.0).map(|t| PrimitiveDateTime::new(t.date(), t.time()))
    }
}

/// `TIMESTAMP WITH TIME ZONE`; decoded values are in UTC.
impl CrateType for OffsetDateTime {
    const CLASS: TypeClass = TypeClass::Timestamp;

    fn sql_type() -> SqlType {
        SqlType::TimestampTz
    }

    fn to_value(&self) -> Value {
        TimestampTz::from(*self).to_value()
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        let shown = value.clone();
        TimestampTz::from_value(value)?
            .to_time()
            .ok_or_else(|| DecodeError::new("TIMESTAMP WITH TIME ZONE (time range)", &shown))
    }
}

/// `TIMESTAMP WITHOUT TIME ZONE`.
impl CrateType for PrimitiveDateTime {
    const CLASS: TypeClass = TypeClass::Timestamp;

    fn sql_type() -> SqlType {
        SqlType::Timestamp
    }

    fn to_value(&self) -> Value {
        Timestamp::from(*self).to_value()
    }

    fn from_value(value: Value) -> Result<Self, DecodeError> {
        let shown = value.clone();
        Timestamp::from_value(value)?
            .to_time()
            .ok_or_else(|| DecodeError::new("TIMESTAMP WITHOUT TIME ZONE (time range)", &shown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn time_round_trips() {
        let t = from_millis(-1_714_972_089_123).unwrap();
        assert_eq!(t.to_value(), json!(-1_714_972_089_123_i64));
        assert_eq!(OffsetDateTime::from_value(t.to_value()), Ok(t));
        let p = PrimitiveDateTime::new(t.date(), t.time());
        assert_eq!(PrimitiveDateTime::from_value(p.to_value()), Ok(p));
        assert!(OffsetDateTime::from_value(json!(i64::MAX)).is_err());
    }
}
