//! [`Timestamp`] and [`TimestampTz`]: CrateDB timestamps as epoch milliseconds.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::timestamp_parse::{format_millis, parse_millis};
use super::TruncUnit;
use super::{CrateType, DecodeError, SqlType, TypeClass};

/// Milliseconds since the Unix epoch of a [`SystemTime`], saturating at the i64 range.
fn system_time_millis(t: SystemTime) -> i64 {
    let clamp = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => clamp(after),
        Err(before) => clamp(before.duration()).saturating_neg(),
    }
}

/// Decodes epoch milliseconds from an integer, or from ISO-8601 text.
fn decode_millis(value: &Value, apply_offset: bool) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => parse_millis(s, apply_offset),
        _ => None,
    }
}

/// Generates the shared API of both timestamp types.
macro_rules! timestamp_type {
    ($ty:ident, $sql:ident, $expected:literal, $suffix:literal, $apply_offset:literal) => {
        impl $ty {
            /// The Unix epoch, 1970-01-01T00:00:00 UTC.
            pub const EPOCH: $ty = $ty(0);

            /// From milliseconds since the Unix epoch.
            pub const fn from_millis(millis: i64) -> Self {
                $ty(millis)
            }

            /// Milliseconds since the Unix epoch.
            pub const fn millis(self) -> i64 {
                self.0
            }

            /// The current time (millisecond precision).
            pub fn now() -> Self {
                $ty(system_time_millis(SystemTime::now()))
            }

            /// This timestamp truncated to `unit`, as CrateDB's `date_trunc(unit, ts)` computes
            /// it (UTC): what a generated partition column such as
            /// `GENERATED ALWAYS AS date_trunc('day', ts)` holds, computed on the client.
            pub fn truncate(self, unit: TruncUnit) -> Self {
                $ty(unit.apply(self.0))
            }

            /// This timestamp as a [`SystemTime`] (`None` if the platform cannot represent it).
            pub fn to_system_time(self) -> Option<SystemTime> {
                let magnitude = Duration::from_millis(self.0.unsigned_abs());
                if self.0 >= 0 {
                    UNIX_EPOCH.checked_add(magnitude)
                } else {
                    UNIX_EPOCH.checked_sub(magnitude)
                }
            }
        }

        impl From<SystemTime> for $ty {
            fn from(t: SystemTime) -> Self {
                $ty(system_time_millis(t))
            }
        }

        impl From<$ty> for Value {
            fn from(t: $ty) -> Self {
                Value::from(t.0)
            }
        }

        impl fmt::Display for $ty {
            /// ISO-8601 with milliseconds.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{}", format_millis(self.0), $suffix)
            }
        }

        impl fmt::Debug for $ty {
            /// The type's name around its `Display` form (ISO-8601 with milliseconds), e.g.
            /// `TimestampTz(2025-03-02T17:45:12.345Z)`: a person reads the instant, not the
            /// epoch milliseconds ([`millis`](Self::millis) gives those).
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($ty))
            }
        }

        impl FromStr for $ty {
            type Err = DecodeError;

            /// Parses ISO-8601 text (see the type's documentation).
            fn from_str(s: &str) -> Result<Self, DecodeError> {
                parse_millis(s, $apply_offset)
                    .map($ty)
                    .ok_or_else(|| DecodeError::new($expected, &Value::String(s.to_owned())))
            }
        }

        impl CrateType for $ty {
            const CLASS: TypeClass = TypeClass::Timestamp;

            fn sql_type() -> SqlType {
                SqlType::$sql
            }

            fn to_value(&self) -> Value {
                Value::from(self.0)
            }

            fn from_value(value: Value) -> Result<Self, DecodeError> {
                decode_millis(&value, $apply_offset)
                    .map($ty)
                    .ok_or_else(|| DecodeError::new($expected, &value))
            }
        }
    };
}

/// `TIMESTAMP WITHOUT TIME ZONE`: a wall-clock time as epoch milliseconds.
///
/// Sent as epoch milliseconds, as CrateDB returns it. Also decoded from ISO-8601 text
/// (`2024-05-06T07:08:09.123`); an offset in the text is ignored, as CrateDB ignores it
/// for this type. `Display` and `FromStr` use the same ISO-8601 form (RFC 3339 without an
/// offset: the time has none); `Debug` shows it inside the type's name.
///
/// ```
/// use cratedb_orm::Timestamp;
/// let t: Timestamp = "2024-05-06T07:08:09.123+02:00".parse().unwrap();
/// assert_eq!(t.to_string(), "2024-05-06T07:08:09.123");
/// assert_eq!(format!("{t:?}"), "Timestamp(2024-05-06T07:08:09.123)");
/// assert_eq!(Timestamp::from_millis(0).to_string(), "1970-01-01T00:00:00.000");
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

timestamp_type!(
    Timestamp,
    Timestamp,
    "TIMESTAMP WITHOUT TIME ZONE (epoch millis or ISO-8601 text)",
    "",
    false
);

/// `TIMESTAMP WITH TIME ZONE`: an instant as epoch milliseconds (UTC).
///
/// Sent as epoch milliseconds, as CrateDB returns it. Also decoded from ISO-8601 / RFC 3339
/// text (`2024-05-06T07:08:09.123+02:00`; no offset means UTC); sub-millisecond digits are
/// truncated. `Display` gives RFC 3339 in UTC with a `Z`; `Debug` shows it inside the type's
/// name, `TimestampTz(2024-05-06T05:08:09.123Z)`.
///
/// ```
/// use cratedb_orm::{CrateType, TimestampTz};
/// use serde_json::json;
/// let t = TimestampTz::from_value(json!("2024-05-06T07:08:09.123+02:00")).unwrap();
/// assert_eq!(t.millis(), 1_714_972_089_123);
/// assert_eq!(t.to_value(), json!(1_714_972_089_123_i64));
/// assert_eq!(t.to_string(), "2024-05-06T05:08:09.123Z");
/// assert_eq!(format!("{t:?}"), "TimestampTz(2024-05-06T05:08:09.123Z)");
/// assert_eq!(format!("{:?}", Some(t)), "Some(TimestampTz(2024-05-06T05:08:09.123Z))");
/// assert!(TimestampTz::now() > t);
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimestampTz(pub i64);

timestamp_type!(
    TimestampTz,
    TimestampTz,
    "TIMESTAMP WITH TIME ZONE (epoch millis or ISO-8601 text)",
    "Z",
    true
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decode_errors_name_the_type() {
        let err = TimestampTz::from_value(json!(true)).unwrap_err();
        assert!(err.expected.starts_with("TIMESTAMP WITH TIME ZONE"));
        assert!("yesterday".parse::<Timestamp>().is_err());
        assert!(TimestampTz::from_value(json!(1.5)).is_err());
    }

    #[test]
    fn debug_is_the_instant_in_rfc_3339() {
        assert_eq!(
            format!("{:?}", TimestampTz(1_740_937_512_345)),
            "TimestampTz(2025-03-02T17:45:12.345Z)"
        );
        assert_eq!(
            format!("{:?}", Timestamp(1_740_937_512_345)),
            "Timestamp(2025-03-02T17:45:12.345)"
        );
        // Display is unchanged; the extremes of the range format without panicking.
        assert_eq!(TimestampTz(0).to_string(), "1970-01-01T00:00:00.000Z");
        for millis in [i64::MIN, -1, i64::MAX] {
            assert!(format!("{:?}", TimestampTz(millis)).starts_with("TimestampTz("));
        }
    }

    #[test]
    fn system_time_round_trips() {
        for millis in [0, 1, -1, 1_714_972_089_123, -1_714_972_089_123] {
            let t = TimestampTz(millis);
            assert_eq!(t.to_system_time().map(TimestampTz::from), Some(t));
        }
    }
}
