//! `chrono` support (feature `chrono`): `DateTime<Utc>` and `NaiveDateTime` as columns and
//! conversions with [`TimestampTz`] / [`Timestamp`].
//!
//! CrateDB stores milliseconds: finer precision is truncated (towards the past) on encode.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use super::{CrateType, DecodeError, SqlType, Timestamp, TimestampTz, TypeClass};

impl From<DateTime<Utc>> for TimestampTz {
    fn from(t: DateTime<Utc>) -> Self {
        TimestampTz(t.timestamp_millis())
    }
}

impl TimestampTz {
    /// As a `chrono::DateTime<Utc>` (`None` beyond chrono's range).
    pub fn to_chrono(self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_millis(self.0)
    }
}

impl From<NaiveDateTime> for Timestamp {
    fn from(t: NaiveDateTime) -> Self {
        Timestamp(t.and_utc().timestamp_millis())
    }
}

impl Timestamp {
    /// As a `chrono::NaiveDateTime` (`None` beyond chrono's range).
    pub fn to_chrono(self) -> Option<NaiveDateTime> {
        DateTime::from_timestamp_millis(self.0).map(|t| t.naive_utc())
    }
}

/// `TIMESTAMP WITH TIME ZONE`.
impl CrateType for DateTime<Utc> {
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
            .to_chrono()
            .ok_or_else(|| DecodeError::new("TIMESTAMP WITH TIME ZONE (chrono range)", &shown))
    }
}

/// `TIMESTAMP WITHOUT TIME ZONE`.
impl CrateType for NaiveDateTime {
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
            .to_chrono()
            .ok_or_else(|| DecodeError::new("TIMESTAMP WITHOUT TIME ZONE (chrono range)", &shown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn chrono_round_trips() {
        let t = DateTime::from_timestamp_millis(1_714_972_089_123).unwrap();
        assert_eq!(t.to_value(), json!(1_714_972_089_123_i64));
        assert_eq!(DateTime::<Utc>::from_value(t.to_value()), Ok(t));
        let n = t.naive_utc();
        assert_eq!(NaiveDateTime::from_value(n.to_value()), Ok(n));
        assert!(DateTime::<Utc>::from_value(json!(i64::MAX)).is_err());
        assert_eq!(<DateTime<Utc>>::sql_type(), SqlType::TimestampTz);
    }
}
