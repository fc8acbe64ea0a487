//! The request log's line, written directly: the same line the subscriber would write for the
//! `request` event (its plain text or its JSON), composed with integer arithmetic into one
//! buffer and handed to the log's writer. Through the subscriber the line is recorded field by
//! field, each value formatted through `Debug`, the time and the duration through the
//! formatting machinery: a tenth of a `jwt/verify/` request's time (BENCHMARKS.md). Only a
//! terminal's coloured lines still go through the subscriber.

use std::cell::Cell;
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;

/// How the subscriber writes its lines, and so how the request line is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Text,
    Json,
}

/// What the request log records of one request.
pub struct Request<'a> {
    pub method: &'a str,
    pub route: &'a str,
    pub status: u16,
    pub took: Duration,
}

/// The line for `request` at `now`, as the subscriber would write it, with its newline.
pub fn compose(shape: Shape, request: &Request<'_>, now: SystemTime, line: &mut Vec<u8>) {
    match shape {
        Shape::Text => {
            timestamp(now, line);
            line.extend_from_slice(b"  INFO request method=");
            line.extend_from_slice(request.method.as_bytes());
            line.extend_from_slice(b" route=");
            line.extend_from_slice(request.route.as_bytes());
            line.extend_from_slice(b" status=");
            digits(u64::from(request.status), 1, line);
            line.extend_from_slice(b" millis=");
            millis(request.took, line);
        }
        Shape::Json => {
            line.extend_from_slice(b"{\"timestamp\":\"");
            timestamp(now, line);
            line.extend_from_slice(b"\",\"level\":\"INFO\",\"fields\":{\"message\":\"request\",\"method\":");
            json_string(request.method, line);
            line.extend_from_slice(b",\"route\":");
            json_string(request.route, line);
            line.extend_from_slice(b",\"status\":");
            digits(u64::from(request.status), 1, line);
            line.extend_from_slice(b",\"millis\":\"");
            millis(request.took, line);
            line.extend_from_slice(b"\"}}");
        }
    }
    line.push(b'\n');
}

/// The text of a time up to its seconds (`2026-12-06T01:48:18`), which every line of the
/// same second shares.
type Second = [u8; 19];

thread_local! {
    /// The second this thread last wrote a time in, as a Unix time, and its text: a busy
    /// thread writes many lines a second, and works the calendar out once for them.
    static LAST_SECOND: Cell<(i64, Second)> = const { Cell::new((i64::MIN, [0; 19])) };
}

/// RFC 3339 in UTC with microseconds, as the subscriber writes its time:
/// `2026-12-06T01:48:18.766819Z`.
fn timestamp(now: SystemTime, line: &mut Vec<u8>) {
    let Ok(since_epoch) = now.duration_since(SystemTime::UNIX_EPOCH) else {
        // A clock before 1970: worked out in full, not kept.
        let at = OffsetDateTime::from(now);
        up_to_the_second(at, line);
        return fraction(at.microsecond(), line);
    };
    let second = i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX);
    let (last, text) = LAST_SECOND.get();
    if last == second {
        line.extend_from_slice(&text);
    } else {
        let start = line.len();
        up_to_the_second(OffsetDateTime::from(now), line);
        // Years of four digits only (others are written, not kept).
        if let Ok(text) = Second::try_from(&line[start..]) {
            LAST_SECOND.set((second, text));
        }
    }
    fraction(since_epoch.subsec_micros(), line);
}

/// `.766819Z`.
fn fraction(micros: u32, line: &mut Vec<u8>) {
    line.push(b'.');
    digits(u64::from(micros), 6, line);
    line.push(b'Z');
}

/// `2026-12-06T01:48:18`.
fn up_to_the_second(at: OffsetDateTime, line: &mut Vec<u8>) {
    digits(u64::try_from(at.year()).unwrap_or(0), 4, line);
    line.push(b'-');
    digits(u64::from(u8::from(at.month())), 2, line);
    line.push(b'-');
    digits(u64::from(at.day()), 2, line);
    line.push(b'T');
    digits(u64::from(at.hour()), 2, line);
    line.push(b':');
    digits(u64::from(at.minute()), 2, line);
    line.push(b':');
    digits(u64::from(at.second()), 2, line);
}

/// A duration in tenths of a millisecond, rounded half up (`1.25` ms is 13).
fn tenths(took: Duration) -> u64 {
    u64::try_from((took.as_nanos() + 50_000) / 100_000).unwrap_or(u64::MAX)
}

/// A duration in milliseconds with one decimal (`1.3`).
fn millis(took: Duration, line: &mut Vec<u8>) {
    let tenths = tenths(took);
    digits(tenths / 10, 1, line);
    line.push(b'.');
    line.push(b'0' + (tenths % 10) as u8);
}

/// A duration as [`millis`] writes it, for the subscriber's line.
pub struct Millis(pub Duration);

impl std::fmt::Display for Millis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tenths = tenths(self.0);
        write!(f, "{}.{}", tenths / 10, tenths % 10)
    }
}

/// `value` in decimal, zero-padded to at least `width` digits.
fn digits(value: u64, width: usize, line: &mut Vec<u8>) {
    let mut written = [b'0'; 20];
    let mut at = written.len();
    let mut rest = value;
    loop {
        at -= 1;
        written[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    line.extend_from_slice(&written[at.min(written.len() - width.min(written.len()))..]);
}

/// `text` as a JSON string, escaped as the subscriber's JSON lines escape it.
fn json_string(text: &str, line: &mut Vec<u8>) {
    serde_json::to_writer(&mut *line, text).expect("a string is written to memory");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::kept::Kept;

    /// The line the subscriber, set up as `telemetry::init` sets it up (without colours),
    /// writes for the request event; and the time just before and just after it wrote it.
    fn through_the_subscriber(shape: Shape, request: &Request<'_>) -> (String, SystemTime, SystemTime) {
        let kept = Kept::default();
        let writer = kept.clone();
        let builder = tracing_subscriber::fmt().with_target(false).with_ansi(false).with_writer(move || writer.clone());
        let before = SystemTime::now();
        match shape {
            Shape::Text => tracing::subscriber::with_default(builder.finish(), || super::super::event(request)),
            Shape::Json => tracing::subscriber::with_default(builder.json().finish(), || super::super::event(request)),
        }
        (kept.text(), before, SystemTime::now())
    }

    fn composed(shape: Shape, request: &Request<'_>, now: SystemTime) -> String {
        let mut line = Vec::new();
        compose(shape, request, now, &mut line);
        String::from_utf8(line).unwrap()
    }

    /// A line's time, and the rest of it.
    fn split_time(shape: Shape, line: &str) -> (OffsetDateTime, String) {
        let (start, end) = match shape {
            Shape::Text => (0, line.find(' ').unwrap()),
            Shape::Json => (14, line.find("\",\"level").unwrap()),
        };
        let at = OffsetDateTime::parse(&line[start..end], &time::format_description::well_known::Rfc3339).unwrap();
        (at, format!("{}{}", &line[..start], &line[end..]))
    }

    #[test]
    fn the_line_is_the_one_the_subscriber_writes_in_text_and_in_json() {
        let requests = [
            Request { method: "GET", route: "/auth/users/me/", status: 200, took: Duration::from_micros(1_260) },
            Request { method: "POST", route: "/auth/jwt/verify/", status: 401, took: Duration::from_micros(40) },
            // An app path is logged as it came, and a quote in it is escaped in JSON.
            Request { method: "GET", route: "/a\"b\\c", status: 404, took: Duration::from_millis(2_500) },
        ];
        for shape in [Shape::Text, Shape::Json] {
            for request in &requests {
                let (expected, before, after) = through_the_subscriber(shape, request);
                let ours = composed(shape, request, before);
                let (their_time, their_rest) = split_time(shape, &expected);
                let (our_time, our_rest) = split_time(shape, &ours);
                assert_eq!(our_rest, their_rest, "{shape:?}");
                let micros = |at: OffsetDateTime| at.unix_timestamp_nanos() / 1_000;
                assert_eq!(micros(our_time), micros(OffsetDateTime::from(before)));
                assert!(micros(OffsetDateTime::from(before)) <= micros(their_time));
                assert!(micros(their_time) <= micros(OffsetDateTime::from(after)));
            }
        }
    }

    #[test]
    fn the_time_is_written_in_utc_to_the_microsecond() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_nanos(1_796_521_698_766_819_999);
        let request = Request { method: "GET", route: "/", status: 200, took: Duration::ZERO };
        assert_eq!(
            composed(Shape::Text, &request, at),
            "2026-12-06T01:48:18.766819Z  INFO request method=GET route=/ status=200 millis=0.0\n"
        );
        let leap_day = SystemTime::UNIX_EPOCH + Duration::from_secs(1_709_164_800);
        assert!(composed(Shape::Text, &request, leap_day).starts_with("2024-02-29T00:00:00.000000Z"));
    }

    #[test]
    fn lines_of_the_same_second_and_of_the_next_carry_their_own_times() {
        let request = Request { method: "GET", route: "/", status: 200, took: Duration::ZERO };
        let second = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_521_698);
        for (at, expected) in [
            (second, "2026-12-06T01:48:18.000000Z"),
            (second + Duration::from_micros(999_999), "2026-12-06T01:48:18.999999Z"),
            (second + Duration::from_secs(1), "2026-12-06T01:48:19.000000Z"),
            (second + Duration::from_micros(1_000_001), "2026-12-06T01:48:19.000001Z"),
            // A clock set back a day is written as it reads, and so is one before 1970.
            (second - Duration::from_secs(86_400), "2026-12-05T01:48:18.000000Z"),
            (second + Duration::from_secs(1), "2026-12-06T01:48:19.000000Z"),
            (SystemTime::UNIX_EPOCH - Duration::from_micros(1), "1969-12-31T23:59:59.999999Z"),
        ] {
            assert!(composed(Shape::Text, &request, at).starts_with(expected), "{expected}");
        }
    }

    #[test]
    fn durations_are_written_in_milliseconds_with_one_decimal_rounded_half_up() {
        let written = |took: Duration| {
            let mut line = Vec::new();
            millis(took, &mut line);
            let line = String::from_utf8(line).unwrap();
            assert_eq!(Millis(took).to_string(), line);
            line
        };
        assert_eq!(written(Duration::from_micros(1_250)), "1.3");
        assert_eq!(written(Duration::from_micros(1_249)), "1.2");
        assert_eq!(written(Duration::from_micros(37)), "0.0");
        assert_eq!(written(Duration::from_micros(99_960)), "100.0");
        assert_eq!(written(Duration::from_millis(1_500)), "1500.0");
    }
}
