//! Times the server sends (RFC 3339, such as `2026-11-29T16:00:00Z`), shown as a person reads
//! them: the date and the time of day on this browser's clock, such as "29 Nov 2026, 17:00".

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `rfc3339` as a date and a time of day, `offset_minutes` east of UTC (60 for Central
/// European winter time). `None` when the text is not an RFC 3339 date and time.
pub fn readable(rfc3339: &str, offset_minutes: i64) -> Option<String> {
    let minutes = utc_minutes(rfc3339)? + offset_minutes;
    let days = minutes.div_euclid(24 * 60);
    let of_day = minutes.rem_euclid(24 * 60);
    let (year, month, day) = civil_from_days(days);
    let month = MONTHS[usize::try_from(month - 1).ok()?];
    Some(format!("{day} {month} {year}, {:02}:{:02}", of_day / 60, of_day % 60))
}

/// `rfc3339` in this browser's time zone (at that moment, so summer time is right), or the
/// text as it came when it does not read as a time.
pub fn local(rfc3339: &str) -> String {
    readable(rfc3339, local_offset(rfc3339)).unwrap_or_else(|| rfc3339.to_owned())
}

/// `rfc3339` as a `datetime-local` input holds it, `offset_minutes` east of UTC, to the
/// minute: "2026-11-29T17:00". `None` when the text is not an RFC 3339 date and time.
pub fn input_value(rfc3339: &str, offset_minutes: i64) -> Option<String> {
    Some(minute_text(utc_minutes(rfc3339)? + offset_minutes))
}

/// A `datetime-local` input's value ("2026-11-29T17:00", seconds optional), taken as a time
/// `offset_minutes` east of UTC, in RFC 3339 at UTC: "2026-11-29T16:00:00Z". `None` when it
/// is not such a value.
pub fn from_input(value: &str, offset_minutes: i64) -> Option<String> {
    let value = value.trim();
    let (minute, seconds) = match value.len() {
        16 => (value, "00"),
        19 if value.as_bytes()[16] == b':' => (&value[..16], &value[17..]),
        _ => return None,
    };
    if !seconds.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let minutes = utc_minutes(&format!("{minute}:{seconds}Z"))? - offset_minutes;
    Some(format!("{}:{seconds}Z", minute_text(minutes)))
}

/// [`input_value`] in this browser's time zone; empty when the text is not a time.
pub fn local_input_value(rfc3339: &str) -> String {
    input_value(rfc3339, local_offset(rfc3339)).unwrap_or_default()
}

/// [`from_input`] in this browser's time zone.
pub fn from_local_input(value: &str) -> Option<String> {
    from_input(value, local_offset(value))
}

/// Minutes since the epoch as "2026-11-29T16:00".
fn minute_text(minutes: i64) -> String {
    let (year, month, day) = civil_from_days(minutes.div_euclid(24 * 60));
    let of_day = minutes.rem_euclid(24 * 60);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}", of_day / 60, of_day % 60)
}

#[cfg(target_arch = "wasm32")]
fn local_offset(rfc3339: &str) -> i64 {
    // `getTimezoneOffset` counts minutes west of UTC; NaN for a date it cannot read. A date
    // and time without an offset is read as this browser's local time.
    let west = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339)).get_timezone_offset();
    if west.is_finite() {
        -(west as i64)
    } else {
        0
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn local_offset(_: &str) -> i64 {
    0
}

/// Minutes since the Unix epoch of an RFC 3339 date and time; seconds and their fractions are
/// dropped.
fn utc_minutes(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes[4] != b'-' || bytes[7] != b'-' || !matches!(bytes[10], b'T' | b't' | b' ') {
        return None;
    }
    if bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<i64> {
        let part = text.get(from..to)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
    let (hour, minute, second) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let hours: i64 = rest.get(1..3)?.parse().ok()?;
            let minutes: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (hours * 60 + minutes)
        }
    };
    Some(days_from_civil(year, month, day) * 24 * 60 + hour * 60 + minute - offset)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a date of the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` after 1970-01-01: year, month (1–12), day (1–31).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
    (if month <= 2 { year_of_era + era * 400 + 1 } else { year_of_era + era * 400 }, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_utc_time_reads_as_its_date_and_time_of_day() {
        assert_eq!(readable("2026-11-29T16:00:00Z", 0).as_deref(), Some("29 Nov 2026, 16:00"));
        assert_eq!(readable("2026-01-05T09:07:59Z", 0).as_deref(), Some("5 Jan 2026, 09:07"));
    }

    #[test]
    fn the_time_is_shown_in_the_browsers_time_zone() {
        assert_eq!(readable("2026-11-29T16:00:00Z", 60).as_deref(), Some("29 Nov 2026, 17:00"));
        assert_eq!(readable("2026-11-29T16:00:00Z", -300).as_deref(), Some("29 Nov 2026, 11:00"));
        assert_eq!(readable("2026-11-29T16:00:00Z", 330).as_deref(), Some("29 Nov 2026, 21:30"));
    }

    #[test]
    fn a_time_zone_can_move_the_date_across_a_day_a_month_and_a_year() {
        assert_eq!(readable("2026-12-31T23:30:00Z", 60).as_deref(), Some("1 Jan 2027, 00:30"));
        assert_eq!(readable("2026-03-01T00:15:00Z", -60).as_deref(), Some("28 Feb 2026, 23:15"));
        assert_eq!(readable("2028-03-01T00:15:00Z", -60).as_deref(), Some("29 Feb 2028, 23:15"));
    }

    #[test]
    fn fractions_of_seconds_and_numeric_offsets_are_understood() {
        assert_eq!(readable("2026-11-29T16:00:00.123456Z", 0).as_deref(), Some("29 Nov 2026, 16:00"));
        assert_eq!(readable("2026-11-29T17:00:00+01:00", 0).as_deref(), Some("29 Nov 2026, 16:00"));
        assert_eq!(readable("2026-11-29T11:00:00-05:00", 0).as_deref(), Some("29 Nov 2026, 16:00"));
    }

    #[test]
    fn the_epoch_and_far_dates_come_out_right() {
        assert_eq!(readable("1970-01-01T00:00:00Z", 0).as_deref(), Some("1 Jan 1970, 00:00"));
        assert_eq!(readable("2000-02-29T12:00:00Z", 0).as_deref(), Some("29 Feb 2000, 12:00"));
        assert_eq!(readable("1969-12-31T23:59:00Z", 0).as_deref(), Some("31 Dec 1969, 23:59"));
    }

    #[test]
    fn text_that_is_not_a_time_is_not_read_as_one() {
        for text in [
            "",
            "yesterday",
            "2026-11-29",
            "2026-11-29T16:00:00",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-29T24:00:00Z",
            "2026-11-29T16:00:00.Z",
            "2026-11-29T16:00:00+0100",
            "2026-1a-29T16:00:00Z",
            "+026-11-29T16:00:00Z",
        ] {
            assert_eq!(readable(text, 0), None, "{text}");
        }
    }

    #[test]
    fn a_time_goes_into_a_time_input_in_the_browsers_time_zone_and_back_out_at_utc() {
        assert_eq!(input_value("2026-11-29T16:00:05.123Z", 60).as_deref(), Some("2026-11-29T17:00"));
        assert_eq!(input_value("2026-12-31T23:30:59Z", 60).as_deref(), Some("2027-01-01T00:30"));
        assert_eq!(from_input("2026-11-29T17:00", 60).as_deref(), Some("2026-11-29T16:00:00Z"));
        assert_eq!(from_input("2027-01-01T00:30:59", 60).as_deref(), Some("2026-12-31T23:30:59Z"));
        assert_eq!(from_input("2026-03-01T00:15", -60).as_deref(), Some("2026-03-01T01:15:00Z"));
        let there = from_input("2026-11-29T17:00:05", 330).unwrap();
        assert_eq!(there, "2026-11-29T11:30:05Z");
        assert_eq!(input_value(&there, 330).as_deref(), Some("2026-11-29T17:00"));
    }

    #[test]
    fn what_is_not_a_time_inputs_value_is_not_read_as_one() {
        for value in ["", "2026-11-29", "2026-11-29T17", "2026-11-29T17:00Z", "2026-11-29T17:00:5x", "2026-11-29T25:00"]
        {
            assert_eq!(from_input(value, 0), None, "{value}");
        }
        assert_eq!(input_value("soon", 0), None);
        assert_eq!(local_input_value("soon"), "");
    }

    #[test]
    fn a_time_that_does_not_read_is_shown_as_it_came() {
        assert_eq!(local("soon"), "soon");
        assert_eq!(local("2026-11-29T16:00:00Z"), "29 Nov 2026, 16:00");
    }
}
