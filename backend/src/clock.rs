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
