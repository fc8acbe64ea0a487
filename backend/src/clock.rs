//! The wall clock, read in one place.

use std::time::{SystemTime, UNIX_EPOCH};

fn since_epoch() -> std::time::Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("the clock is after 1970")
}

/// Unix seconds, truncated.
pub fn now_seconds() -> i64 {
    since_epoch().as_secs() as i64
}

/// Unix seconds with the fraction, as PyJWT compares token times.
pub fn now_fractional() -> f64 {
    since_epoch().as_secs_f64()
}

/// Unix microseconds, the unit stored for `date_joined` and `last_login`.
pub fn now_micros() -> i64 {
    since_epoch().as_micros() as i64
}

/// A time in Unix microseconds as DRF writes a `DateTimeField` in UTC:
/// `2026-12-05T16:01:33.123456Z` (the fraction left out when it is zero).
pub fn iso(micros: i64) -> String {
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp(micros.div_euclid(1_000_000)) else { return String::new() };
    let fraction = micros.rem_euclid(1_000_000);
    let (year, month, day) = (at.year(), u8::from(at.month()), at.day());
    let (hour, minute, second) = (at.hour(), at.minute(), at.second());
    let base = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
    if fraction == 0 {
        format!("{base}Z")
    } else {
        format!("{base}.{fraction:06}Z")
    }
}

/// Reads [`iso`]'s form back (and any RFC 3339 time with an offset); `None` when it is not one.
pub fn parse_iso(text: &str) -> Option<i64> {
    let at = time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_are_written_as_drf_writes_them_and_read_back() {
        assert_eq!(iso(1_764_950_493_123_456), "2025-12-05T16:01:33.123456Z");
        assert_eq!(iso(1_764_950_493_000_000), "2025-12-05T16:01:33Z");
        assert_eq!(parse_iso("2025-12-05T16:01:33.123456Z"), Some(1_764_950_493_123_456));
        assert_eq!(parse_iso("2025-12-05T17:01:33+01:00"), Some(1_764_950_493_000_000));
        assert_eq!(parse_iso("yesterday"), None);
    }
}
