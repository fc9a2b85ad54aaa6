//! [`TruncUnit`]: CrateDB's `date_trunc` on the client, for [`Timestamp`](super::Timestamp)
//! and [`TimestampTz`](super::TimestampTz) (UTC, as CrateDB computes `date_trunc(unit, ts)`
//! without a time zone argument).
//!
//! It lets a model compute a generated partition column such as
//! `day GENERATED ALWAYS AS date_trunc('day', ts)` on the client (`compute = …`), so the
//! row's primary key is known before the insert.

use std::fmt;

use super::timestamp_parse::{civil_from_days, days_from_civil};

const MS_PER_SECOND: i64 = 1_000;
const MS_PER_MINUTE: i64 = 60_000;
const MS_PER_HOUR: i64 = 3_600_000;
const MS_PER_DAY: i64 = 86_400_000;

/// A unit of CrateDB's `date_trunc(unit, ts)`.
///
/// ```
/// use cratedb_orm::types::TruncUnit;
/// use cratedb_orm::TimestampTz;
///
/// let ts: TimestampTz = "2025-03-02T17:45:12.345Z".parse().unwrap();
/// assert_eq!(ts.truncate(TruncUnit::Day).to_string(), "2025-03-02T00:00:00.000Z");
/// assert_eq!(ts.truncate(TruncUnit::Hour).to_string(), "2025-03-02T17:00:00.000Z");
/// assert_eq!(ts.truncate(TruncUnit::Week).to_string(), "2025-02-24T00:00:00.000Z"); // a Monday
/// assert_eq!(ts.truncate(TruncUnit::Quarter).to_string(), "2025-01-01T00:00:00.000Z");
/// assert_eq!(TruncUnit::Day.as_sql(), "day");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TruncUnit {
    /// `'second'`.
    Second,
    /// `'minute'`.
    Minute,
    /// `'hour'`.
    Hour,
    /// `'day'`.
    Day,
    /// `'week'`: the Monday of the ISO week.
    Week,
    /// `'month'`.
    Month,
    /// `'quarter'`.
    Quarter,
    /// `'year'`.
    Year,
}

impl TruncUnit {
    /// The unit as CrateDB spells it in `date_trunc('day', …)`.
    pub const fn as_sql(self) -> &'static str {
        match self {
            TruncUnit::Second => "second",
            TruncUnit::Minute => "minute",
            TruncUnit::Hour => "hour",
            TruncUnit::Day => "day",
            TruncUnit::Week => "week",
            TruncUnit::Month => "month",
            TruncUnit::Quarter => "quarter",
            TruncUnit::Year => "year",
        }
    }

    /// The unit as a quoted SQL literal (`'day'`).
    pub(crate) const fn as_literal(self) -> &'static str {
        match self {
            TruncUnit::Second => "'second'",
            TruncUnit::Minute => "'minute'",
            TruncUnit::Hour => "'hour'",
            TruncUnit::Day => "'day'",
            TruncUnit::Week => "'week'",
            TruncUnit::Month => "'month'",
            TruncUnit::Quarter => "'quarter'",
            TruncUnit::Year => "'year'",
        }
    }

    /// Epoch milliseconds `millis` truncated to this unit (UTC).
    pub(crate) fn apply(self, millis: i64) -> i64 {
        let floor = |unit: i64| millis.div_euclid(unit) * unit;
        let days = millis.div_euclid(MS_PER_DAY);
        let start_of = |year: i64, month: u32| days_from_civil(year, month, 1) * MS_PER_DAY;
        match self {
            TruncUnit::Second => floor(MS_PER_SECOND),
            TruncUnit::Minute => floor(MS_PER_MINUTE),
            TruncUnit::Hour => floor(MS_PER_HOUR),
            TruncUnit::Day => floor(MS_PER_DAY),
            // 1970-01-01 was a Thursday: Monday is 3 days before it.
            TruncUnit::Week => ((days + 3).div_euclid(7) * 7 - 3) * MS_PER_DAY,
            TruncUnit::Month => {
                let (year, month, _) = civil_from_days(days);
                start_of(year, month)
            }
            TruncUnit::Quarter => {
                let (year, month, _) = civil_from_days(days);
                start_of(year, (month - 1) / 3 * 3 + 1)
            }
            TruncUnit::Year => {
                let (year, _, _) = civil_from_days(days);
                start_of(year, 1)
            }
        }
    }
}

impl fmt::Display for TruncUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_sql())
    }
}

#[cfg(test)]
mod tests {
    use super::TruncUnit;
    use crate::TimestampTz;

    fn at(text: &str) -> i64 {
        text.parse::<TimestampTz>()
            .map(TimestampTz::millis)
            .unwrap_or(i64::MIN)
    }

    #[test]
    fn every_unit_truncates_as_date_trunc_does() {
        let ts = at("2024-02-29T23:59:59.999Z");
        let cases = [
            (TruncUnit::Second, "2024-02-29T23:59:59.000Z"),
            (TruncUnit::Minute, "2024-02-29T23:59:00.000Z"),
            (TruncUnit::Hour, "2024-02-29T23:00:00.000Z"),
            (TruncUnit::Day, "2024-02-29T00:00:00.000Z"),
            (TruncUnit::Week, "2024-02-26T00:00:00.000Z"),
            (TruncUnit::Month, "2024-02-01T00:00:00.000Z"),
            (TruncUnit::Quarter, "2024-01-01T00:00:00.000Z"),
            (TruncUnit::Year, "2024-01-01T00:00:00.000Z"),
        ];
        for (unit, expected) in cases {
            assert_eq!(unit.apply(ts), at(expected), "{unit}");
        }
    }

    #[test]
    fn before_the_epoch_truncates_down() {
        assert_eq!(TruncUnit::Day.apply(-1), at("1969-12-31T00:00:00.000Z"));
        assert_eq!(TruncUnit::Week.apply(-1), at("1969-12-29T00:00:00.000Z"));
        assert_eq!(TruncUnit::Month.apply(-1), at("1969-12-01T00:00:00.000Z"));
        assert_eq!(TruncUnit::Year.apply(-1), at("1969-01-01T00:00:00.000Z"));
        // A Monday stays where it is.
        let monday = at("2025-03-03T00:00:00.000Z");
        assert_eq!(TruncUnit::Week.apply(monday), monday);
    }
}
