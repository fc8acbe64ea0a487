//! The signed-in session: the token pair, when the access token runs out, and where the pair is
//! kept (LocalStorage, one key, so every tab of the app shares it).

use base64::Engine;
use serde::{Deserialize, Serialize};

/// The LocalStorage key of the session.
pub const STORAGE_KEY: &str = "gatehouse.session";

/// The token pair, and when the access token runs out on this browser's clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
    /// Milliseconds since the epoch, on the browser's clock; `None` when the token carries no
    /// readable lifetime.
    pub access_expires_at: Option<f64>,
    /// The access token's whole lifetime in milliseconds.
    pub access_lifetime: Option<f64>,
}

impl Tokens {
    /// A pair received at `now` (browser clock, ms). The access token's lifetime is read from
    /// its own `iat` and `exp`, so a browser clock that is off does not matter.
    pub fn received(access: String, refresh: String, now: f64) -> Tokens {
        let lifetime = lifetime_ms(&access);
        Tokens { access, refresh, access_expires_at: lifetime.map(|ms| now + ms), access_lifetime: lifetime }
    }

    /// Whether the access token should be refreshed before it is sent at `now`: it expires
    /// within a margin of a fifth of its lifetime, at least one second and at most thirty.
    pub fn access_due(&self, now: f64) -> bool {
        match (self.access_expires_at, self.access_lifetime) {
            (Some(expires_at), Some(lifetime)) => expires_at - now <= refresh_margin(lifetime),
            _ => false,
        }
    }
}

/// How long before the access token's expiry it is refreshed.
pub fn refresh_margin(lifetime_ms: f64) -> f64 {
    (lifetime_ms / 5.0).clamp(1_000.0, 30_000.0)
}

#[derive(Deserialize)]
struct Times {
    exp: Option<f64>,
    iat: Option<f64>,
}

/// The lifetime of a JWT in milliseconds, from its (unverified) payload's `exp - iat`.
pub fn lifetime_ms(jwt: &str) -> Option<f64> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let times: Times = serde_json::from_slice(&bytes).ok()?;
    let lifetime = (times.exp? - times.iat?) * 1000.0;
    (lifetime > 0.0).then_some(lifetime)
}

/// The session as kept in LocalStorage.
#[cfg(target_arch = "wasm32")]
pub mod storage {
    use super::Tokens;
    use gloo_storage::{LocalStorage, Storage};

    pub fn load(key: &str) -> Option<Tokens> {
        LocalStorage::get(key).ok()
    }

    pub fn save(key: &str, tokens: &Tokens) {
        if let Err(error) = LocalStorage::set(key, tokens) {
            web_sys::console::warn_1(&format!("the session could not be stored: {error}").into());
        }
    }

    pub fn clear(key: &str) {
        LocalStorage::delete(key);
    }
}

/// On the host there is no browser storage: the session lives in memory, per key.
#[cfg(not(target_arch = "wasm32"))]
pub mod storage {
    use super::Tokens;
    use std::cell::RefCell;
    use std::collections::HashMap;

    thread_local! {
        static STORE: RefCell<HashMap<String, Tokens>> = RefCell::new(HashMap::new());
    }

    pub fn load(key: &str) -> Option<Tokens> {
        STORE.with(|store| store.borrow().get(key).cloned())
    }

    pub fn save(key: &str, tokens: &Tokens) {
        STORE.with(|store| store.borrow_mut().insert(key.to_owned(), tokens.clone()));
    }

    pub fn clear(key: &str) {
        STORE.with(|store| store.borrow_mut().remove(key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload);
        format!("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{encoded}.signature")
    }

    #[test]
    fn the_lifetime_is_read_from_the_tokens_own_times() {
        assert_eq!(lifetime_ms(&jwt(r#"{"token_type":"access","exp":1700000300,"iat":1700000000}"#)), Some(300_000.0));
    }

    #[test]
    fn a_token_without_readable_times_has_no_lifetime() {
        assert_eq!(lifetime_ms("not-a-jwt"), None);
        assert_eq!(lifetime_ms(&jwt(r#"{"exp":1700000300}"#)), None);
        assert_eq!(lifetime_ms("a.%%%.c"), None);
        assert_eq!(lifetime_ms(&jwt(r#"{"exp":1,"iat":5}"#)), None);
    }

    #[test]
    fn the_expiry_is_counted_on_the_browsers_clock_from_receipt() {
        let tokens = Tokens::received(jwt(r#"{"exp":1000,"iat":700}"#), "r".into(), 5_000_000.0);
        assert_eq!(tokens.access_expires_at, Some(5_300_000.0));
    }

    #[test]
    fn a_five_minute_token_is_refreshed_in_its_last_thirty_seconds() {
        let tokens = Tokens::received(jwt(r#"{"exp":300,"iat":0}"#), "r".into(), 0.0);
        assert!(!tokens.access_due(269_000.0));
        assert!(tokens.access_due(270_000.0));
        assert!(tokens.access_due(400_000.0));
    }

    #[test]
    fn a_short_token_is_refreshed_in_its_last_second_at_the_earliest() {
        assert_eq!(refresh_margin(3_000.0), 1_000.0);
        assert_eq!(refresh_margin(60_000.0), 12_000.0);
        assert_eq!(refresh_margin(86_400_000.0), 30_000.0);
    }

    #[test]
    fn a_token_without_a_lifetime_is_only_refreshed_when_refused() {
        let tokens = Tokens::received("opaque".into(), "r".into(), 0.0);
        assert!(!tokens.access_due(f64::MAX));
    }
}
