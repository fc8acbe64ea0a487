//! The signed-in session as this browser keeps it. The refresh token lives in an HttpOnly cookie
//! that no script can read; the access token lives in the memory of each tab ([`Access`]); and
//! LocalStorage holds only what the other tabs need to know ([`Shared`]): who is signed in, that
//! the session was renewed, or that it ended. No token is ever written to storage.

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The LocalStorage key of the state the tabs share.
pub const STORAGE_KEY: &str = "gatehouse.session";

/// An access token, and when it runs out on this browser's clock. It is kept in memory only:
/// it has no `Serialize`, so it cannot be written to storage by mistake.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    pub token: String,
    /// Milliseconds since the epoch, on the browser's clock; `None` when the token carries no
    /// readable lifetime.
    pub expires_at: Option<f64>,
    /// The token's whole lifetime in milliseconds.
    pub lifetime: Option<f64>,
}

impl Access {
    /// A token received at `now` (browser clock, ms). Its lifetime is read from its own `iat`
    /// and `exp`, so a browser clock that is off does not matter.
    pub fn received(token: String, now: f64) -> Access {
        let lifetime = lifetime_ms(&token);
        Access { token, expires_at: lifetime.map(|ms| now + ms), lifetime }
    }

    /// Whether the token should be refreshed before it is sent at `now`: it expires within a
    /// margin of a fifth of its lifetime, at least one second and at most thirty.
    pub fn due(&self, now: f64) -> bool {
        match (self.expires_at, self.lifetime) {
            (Some(expires_at), Some(lifetime)) => expires_at - now <= refresh_margin(lifetime),
            _ => false,
        }
    }
}

/// Who is signed in, as every tab of the app may know it. It holds no secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    pub user_id: u64,
    pub username: String,
    /// Grows with every renewal of the session in this browser, so that a tab whose renewal
    /// lost the race to another tab's sees that one happen.
    pub generation: u64,
    /// When the session was last renewed (or begun), ms since the epoch on this browser's clock.
    pub refreshed_at: f64,
}

/// The state the tabs share under [`STORAGE_KEY`]; nothing stored there means signed out.
/// Stored as `{"state": "signed_in", …the marker's fields}` or `{"state": "ended"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Shared {
    SignedIn(Marker),
    /// The server refused to renew the session: every tab tells its person so.
    Ended,
}

impl Shared {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("the shared state is plain data")
    }

    /// The stored text read back; `None` for anything else, such as a token pair an earlier
    /// version of the app kept there. It is read through `serde_json::Value`, as the API's
    /// answers are, rather than by a parser of its own for the tagged shape: less to download.
    pub fn from_json(text: &str) -> Option<Shared> {
        let value: Value = serde_json::from_str(text).ok()?;
        match value.get("state")?.as_str()? {
            "signed_in" => serde_json::from_value(value).ok().map(Shared::SignedIn),
            "ended" => Some(Shared::Ended),
            _ => None,
        }
    }

    pub fn marker(self) -> Option<Marker> {
        match self {
            Shared::SignedIn(marker) => Some(marker),
            Shared::Ended => None,
        }
    }
}

/// How long before the access token's expiry it is refreshed.
pub fn refresh_margin(lifetime_ms: f64) -> f64 {
    (lifetime_ms / 5.0).clamp(1_000.0, 30_000.0)
}

/// The lifetime of a JWT in milliseconds, from its (unverified) payload's `exp - iat`.
pub fn lifetime_ms(jwt: &str) -> Option<f64> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let times: Value = serde_json::from_str(std::str::from_utf8(&bytes).ok()?).ok()?;
    let lifetime = (times.get("exp")?.as_f64()? - times.get("iat")?.as_f64()?) * 1000.0;
    (lifetime > 0.0).then_some(lifetime)
}

/// The shared state as kept in LocalStorage.
#[cfg(target_arch = "wasm32")]
pub mod storage {
    use super::Shared;
    use gloo_storage::{LocalStorage, Storage};

    /// The stored state. Anything unreadable there (a token pair kept by an earlier version
    /// of the app among them) is removed, so that no token outlives the upgrade.
    pub fn load(key: &str) -> Option<Shared> {
        let text = LocalStorage::raw().get_item(key).ok().flatten()?;
        let shared = Shared::from_json(&text);
        if shared.is_none() {
            clear(key);
        }
        shared
    }

    pub fn save(key: &str, shared: &Shared) {
        if let Err(error) = LocalStorage::raw().set_item(key, &shared.to_json()) {
            web_sys::console::warn_1(&error);
        }
    }

    pub fn clear(key: &str) {
        LocalStorage::delete(key);
    }
}

/// On the host there is no browser storage: the state lives in memory, per key.
#[cfg(not(target_arch = "wasm32"))]
pub mod storage {
    use super::Shared;
    use std::cell::RefCell;
    use std::collections::HashMap;

    thread_local! {
        static STORE: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
    }

    pub fn load(key: &str) -> Option<Shared> {
        STORE.with(|store| store.borrow().get(key).and_then(|text| Shared::from_json(text)))
    }

    pub fn save(key: &str, shared: &Shared) {
        STORE.with(|store| store.borrow_mut().insert(key.to_owned(), shared.to_json()));
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

    fn marker() -> Marker {
        Marker { user_id: 7, username: "ada".into(), generation: 3, refreshed_at: 1_700_000_000_000.0 }
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
        let access = Access::received(jwt(r#"{"exp":1000,"iat":700}"#), 5_000_000.0);
        assert_eq!(access.expires_at, Some(5_300_000.0));
    }

    #[test]
    fn a_five_minute_token_is_refreshed_in_its_last_thirty_seconds() {
        let access = Access::received(jwt(r#"{"exp":300,"iat":0}"#), 0.0);
        assert!(!access.due(269_000.0));
        assert!(access.due(270_000.0));
        assert!(access.due(400_000.0));
    }

    #[test]
    fn a_short_token_is_refreshed_in_its_last_second_at_the_earliest() {
        assert_eq!(refresh_margin(3_000.0), 1_000.0);
        assert_eq!(refresh_margin(60_000.0), 12_000.0);
        assert_eq!(refresh_margin(86_400_000.0), 30_000.0);
    }

    #[test]
    fn a_token_without_a_lifetime_is_only_refreshed_when_refused() {
        let access = Access::received("opaque".into(), 0.0);
        assert!(!access.due(f64::MAX));
    }

    #[test]
    fn the_shared_state_names_the_person_and_the_renewal_and_nothing_else() {
        let stored: serde_json::Value = serde_json::from_str(&Shared::SignedIn(marker()).to_json()).unwrap();
        assert_eq!(
            stored,
            serde_json::json!({
                "state": "signed_in",
                "user_id": 7,
                "username": "ada",
                "generation": 3,
                "refreshed_at": 1_700_000_000_000.0,
            })
        );
        assert_eq!(Shared::Ended.to_json(), r#"{"state":"ended"}"#);
    }

    #[test]
    fn the_shared_state_reads_back_as_it_was_written() {
        for shared in [Shared::SignedIn(marker()), Shared::Ended] {
            assert_eq!(Shared::from_json(&shared.to_json()), Some(shared));
        }
    }

    #[test]
    fn a_token_pair_kept_by_an_earlier_version_is_not_a_session() {
        let earlier = r#"{"access":"a","refresh":"r","access_expires_at":1.0,"access_lifetime":300000.0}"#;
        assert_eq!(Shared::from_json(earlier), None);
        assert_eq!(Shared::from_json("not json"), None);
        assert_eq!(Shared::from_json(r#"{"state":"signed_in"}"#), None);
    }

    #[test]
    fn the_ended_state_names_nobody() {
        assert_eq!(Shared::Ended.marker(), None);
        assert_eq!(Shared::SignedIn(marker()).marker(), Some(marker()));
    }
}
