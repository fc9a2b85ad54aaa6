//! Calendar arithmetic for timestamps: epoch milliseconds ↔ ISO-8601 text.
//!
//! Proleptic Gregorian calendar, UTC. Days are counted from 1970-01-01 via 400-year eras
//! of 146 097 days, with years starting on March 1 so that the leap day comes last.

const MS_PER_DAY: i64 = 86_400_000;
const DAYS_PER_ERA: i64 = 146_097;

/// Days since 1970-01-01 of a civil date (month 1–12, day 1–31, already validated).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400);
    let shifted_month = i64::from((month + 9) % 12); // March = 0
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * DAYS_PER_ERA + day_of_era - 719_468
}

/// The civil date of a day count since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(DAYS_PER_ERA);
    let day_of_era = z.rem_euclid(DAYS_PER_ERA);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // Both are small and positive by construction.
    (year, month as u32, day as u32)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmm` (no zone suffix). Years outside
/// 0000–9999 get a sign (`+12345`, `-0001`).
pub(crate) fn format_millis(millis: i64) -> String {
    let days = millis.div_euclid(MS_PER_DAY);
    let ms_of_day = millis.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let (h, rest) = (ms_of_day / 3_600_000, ms_of_day % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    let year_text = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else if year < 0 {
        format!("-{:04}", year.unsigned_abs())
    } else {
        format!("+{year}")
    };
    format!("{year_text}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{ms:03}")
}

/// A cursor over ASCII text.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// Exactly `n` digits.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let mut value = 0_u32;
        for _ in 0..n {
            let d = self.peek().filter(u8::is_ascii_digit)?;
            value = value * 10 + u32::from(d - b'0');
            self.pos += 1;
        }
        Some(value)
    }

    /// One or more digits, as (value, count); at most 18 digits are accepted.
    fn digit_run(&mut self) -> Option<(i64, usize)> {
        let start = self.pos;
        let mut value = 0_i64;
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            if self.pos - start >= 18 {
                return None;
            }
            value = value * 10 + i64::from(d - b'0');
            self.pos += 1;
        }
        (self.pos > start).then_some((value, self.pos - start))
    }
}

/// Parses ISO-8601 / RFC 3339 text into epoch milliseconds.
///
/// Accepts `[±]YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM[:SS[.fff…]]`,
/// optionally followed by `Z` or an offset `±HH[:MM]` / `±HHMM`. Fractions beyond
/// milliseconds are truncated. With `apply_offset == false` an offset is parsed but
/// ignored (CrateDB's rule for `TIMESTAMP WITHOUT TIME ZONE`).
pub(crate) fn parse_millis(text: &str, apply_offset: bool) -> Option<i64> {
    let mut c = Cursor {
        bytes: text.trim().as_bytes(),
        pos: 0,
    };
    let negative = if c.eat(b'-') {
        true
    } else {
        c.eat(b'+');
        false
    };
    let (year_abs, year_digits) = c.digit_run()?;
    if year_digits < 4 {
        return None;
    }
    let year = if negative { -year_abs } else { year_abs };
    if !c.eat(b'-') {
        return None;
    }
    let month = c.digits(2)?;
    if !c.eat(b'-') {
        return None;
    }
    let day = c.digits(2)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let mut ms_of_day = 0_i64;
    if c.eat(b'T') || c.eat(b't') || c.eat(b' ') {
        let hour = c.digits(2)?;
        if !c.eat(b':') {
            return None;
        }
        let minute = c.digits(2)?;
        let mut second = 0;
        let mut millis = 0_i64;
        if c.eat(b':') {
            second = c.digits(2)?;
            if c.eat(b'.') || c.eat(b',') {
                let (fraction, digits) = c.digit_run()?;
                millis = match digits {
                    1 => fraction * 100,
                    2 => fraction * 10,
                    3 => fraction,
                    n => fraction / 10_i64.pow(u32::try_from(n - 3).ok()?),
                };
            }
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        ms_of_day = i64::from(hour * 3600 + minute * 60 + second) * 1000 + millis;
    }
    let mut offset_ms = 0_i64;
    match c.peek() {
        Some(b'Z' | b'z') => c.pos += 1,
        Some(sign @ (b'+' | b'-')) => {
            c.pos += 1;
            let hours = c.digits(2)?;
            c.eat(b':');
            let minutes = if c.peek().is_some() { c.digits(2)? } else { 0 };
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = i64::from(hours * 60 + minutes) * 60_000;
            offset_ms = if sign == b'-' { -total } else { total };
        }
        _ => {}
    }
    if c.peek().is_some() {
        return None;
    }
    if !apply_offset {
        offset_ms = 0;
    }
    // i64 milliseconds span about ±292 million years; a larger year cannot fit, and
    // refusing it early keeps the day arithmetic far from overflow.
    if year.abs() > 1_000_000_000 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let millis =
        i128::from(days) * i128::from(MS_PER_DAY) + i128::from(ms_of_day) - i128::from(offset_ms);
    i64::try_from(millis).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(parse_millis("1970-01-01T00:00:00Z", true), Some(0));
        assert_eq!(parse_millis("2000-02-29", true), Some(951_782_400_000));
        assert_eq!(
            parse_millis("2024-05-06T07:08:09.123456+02:00", true),
            Some(1_714_972_089_123)
        );
        assert_eq!(
            parse_millis("2024-05-06 07:08:09.1+0200", false),
            Some(1_714_979_289_100)
        );
        assert_eq!(parse_millis("1969-12-31T23:59:59.999Z", true), Some(-1));
        assert_eq!(format_millis(-1), "1969-12-31T23:59:59.999");
        assert_eq!(format_millis(951_782_400_000), "2000-02-29T00:00:00.000");
        assert_eq!(
            format_millis(-62_198_755_200_000),
            "-0001-01-01T00:00:00.000"
        );
    }

    #[test]
    fn rejects_bad_text() {
        for bad in [
            "",
            "2024",
            "2024-13-01",
            "2023-02-29",
            "2024-01-01T24:00",
            "2024-01-01T10",
            "2024-01-01X",
            "2024-01-01T10:00+25:00",
            "99-01-01",
            "2024-01-01T10:00:00.",
            "é",
            "+99999999999999999999-01-01",
        ] {
            assert_eq!(parse_millis(bad, true), None, "{bad}");
        }
    }

    #[test]
    fn calendar_round_trips() {
        for days in (-1_000_000..1_000_000).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        for millis in [i64::MIN, i64::MAX, 0, -86_400_000] {
            let text = format_millis(millis);
            assert_eq!(parse_millis(&text, true), Some(millis), "{text}");
        }
    }
}
