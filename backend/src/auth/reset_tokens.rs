//! Django's `PasswordResetTokenGenerator` and uid encoding, shared by activation, password
//! reset and username reset links. Tokens are stateless: they die when the password,
//! `last_login` or e-mail changes, or after `PASSWORD_RESET_TIMEOUT`. Time is UTC.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::auth::lenient_base64;
use crate::domain::user::User;
use crate::pycompat;

const KEY_SALT: &str = "django.contrib.auth.tokens.PasswordResetTokenGenerator";
/// 2001-01-01T00:00:00Z as a Unix timestamp: the epoch of the token's timestamp.
const TOKEN_EPOCH: i64 = 978_307_200;

/// The user fields a token is bound to.
pub struct TokenSubject<'a> {
    pub id: i64,
    pub password: &'a str,
    /// Unix seconds of the last login, if any.
    pub last_login: Option<i64>,
    pub email: &'a str,
}

impl<'a> TokenSubject<'a> {
    /// The fields of `user` an e-mailed token is bound to.
    pub fn of(user: &'a User) -> Self {
        TokenSubject {
            id: user.id,
            password: &user.password,
            last_login: user.last_login.map(|micros| micros.div_euclid(1_000_000)),
            email: &user.email,
        }
    }
}

/// The `uid` and `token` of an e-mailed link as submitted, decoded as far as they can be
/// without looking anything up: `None` where Djoser would refuse the value (anything but a
/// string, or a uid that does not decode to an id).
#[derive(Debug, Clone, Default)]
pub struct EmailedLink {
    pub user_id: Option<i64>,
    pub token: Option<String>,
}

impl EmailedLink {
    pub fn read(uid: Option<&serde_json::Value>, token: Option<&serde_json::Value>) -> Self {
        let text = |value: Option<&serde_json::Value>| value.and_then(serde_json::Value::as_str).map(str::to_owned);
        EmailedLink { user_id: text(uid).as_deref().and_then(decode_uid), token: text(token) }
    }
}

/// How a token is recorded: its SHA-256, in hex, so that a read of the database gives no link.
pub fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

#[derive(Clone)]
pub struct TokenGenerator {
    mac: Hmac<Sha256>,
    timeout: i64,
}

impl TokenGenerator {
    pub fn new(secret: &str, timeout_seconds: i64) -> Self {
        let key = Sha256::new().chain_update(KEY_SALT).chain_update(secret).finalize();
        let mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC accepts any key length");
        Self { mac, timeout: timeout_seconds }
    }

    /// A token for `subject` minted at `now` (Unix seconds).
    pub fn make_token(&self, subject: &TokenSubject<'_>, now: i64) -> String {
        self.token_at(subject, now - TOKEN_EPOCH)
    }

    /// Django's `check_token`: canonical spelling, right HMAC, not older than the timeout.
    pub fn check_token(&self, subject: &TokenSubject<'_>, token: &str, now: i64) -> bool {
        let Some((ts_b36, _)) = token.split_once('-') else {
            return false;
        };
        if token.matches('-').count() != 1 || ts_b36.is_empty() || ts_b36.len() > 13 {
            return false;
        }
        let Some(ts) = parse_base36(ts_b36) else {
            return false;
        };
        let expected = self.token_at(subject, ts);
        if !bool::from(expected.as_bytes().ct_eq(token.as_bytes())) {
            return false;
        }
        (now - TOKEN_EPOCH) - ts <= self.timeout
    }

    fn token_at(&self, subject: &TokenSubject<'_>, ts: i64) -> String {
        let last_login = subject.last_login.map(format_login_time).unwrap_or_default();
        let value = format!("{}{}{}{}{}", subject.id, subject.password, last_login, ts, subject.email);
        let mut mac = self.mac.clone();
        mac.update(value.as_bytes());
        let digest = mac.finalize().into_bytes();
        let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        let hash: String = hex.chars().step_by(2).collect();
        format!("{}-{hash}", to_base36(ts))
    }
}

/// `last_login` without microseconds, as Python prints a naive datetime.
fn format_login_time(unix_seconds: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|moment| moment.format(&format).ok())
        .unwrap_or_default()
}

fn to_base36(mut value: i64) -> String {
    if value <= 0 {
        return "0".into();
    }
    let mut digits = Vec::new();
    while value > 0 {
        digits.push(char::from_digit((value % 36) as u32, 36).expect("digit below 36"));
        value /= 36;
    }
    digits.iter().rev().collect()
}

fn parse_base36(text: &str) -> Option<i64> {
    i64::from_str_radix(text, 36).ok()
}

/// The uid of a link: base64url of the decimal id, without padding.
pub fn encode_uid(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(id.to_string())
}

/// Django's lenient uid decoding followed by `int()`; `None` for anything that is not an id.
pub fn decode_uid(uid: &str) -> Option<i64> {
    let bytes = lenient_base64::decode_django(uid)?;
    let text = std::str::from_utf8(&bytes).ok()?;
    pycompat::parse_int(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "test-secret-key-for-spec";
    const PASSWORD: &str = "pbkdf2_sha256$1000000$saltsaltsaltsaltsalt22$abc=";
    /// 2026-01-02 03:04:05 UTC (the vector's .678901 microseconds are dropped by the format).
    const LAST_LOGIN: i64 = 1_767_323_045;
    const TS: i64 = 800_000_000;

    fn subject(last_login: Option<i64>) -> TokenSubject<'static> {
        TokenSubject { id: 42, password: PASSWORD, last_login, email: "alice@example.com" }
    }

    #[test]
    fn the_spec_vector_gives_the_spec_token() {
        let generator = TokenGenerator::new(SECRET, 259_200);
        assert_eq!(format_login_time(LAST_LOGIN), "2026-01-02 03:04:05");
        assert_eq!(generator.token_at(&subject(Some(LAST_LOGIN)), TS), "d8ary8-01b6aee131662667d8a7d6679e407d31");
        assert_eq!(generator.token_at(&subject(None), TS), "d8ary8-7a5086d05528ef01c600ea015ff837e6");
    }

    #[test]
    fn a_spec_token_is_accepted_within_the_timeout_and_refused_after() {
        let generator = TokenGenerator::new(SECRET, 259_200);
        let token = "d8ary8-01b6aee131662667d8a7d6679e407d31";
        let minted = TOKEN_EPOCH + TS;
        assert!(generator.check_token(&subject(Some(LAST_LOGIN)), token, minted + 259_200));
        assert!(!generator.check_token(&subject(Some(LAST_LOGIN)), token, minted + 259_201));
    }

    #[test]
    fn changed_inputs_or_odd_spellings_invalidate_a_token() {
        let generator = TokenGenerator::new(SECRET, 259_200);
        let now = 1_900_000_000;
        let token = generator.make_token(&subject(None), now);
        assert!(generator.check_token(&subject(None), &token, now));
        assert!(!generator.check_token(&subject(Some(LAST_LOGIN)), &token, now));
        let other_password = TokenSubject { password: "argon2$x", ..subject(None) };
        assert!(!generator.check_token(&other_password, &token, now));
        assert!(!generator.check_token(&subject(None), &token.to_uppercase(), now));
        assert!(!generator.check_token(&subject(None), &format!("{token}-x"), now));
        assert!(!generator.check_token(&subject(None), "", now));
        assert!(!TokenGenerator::new("other secret", 259_200).check_token(&subject(None), &token, now));
    }

    #[test]
    fn uids_match_django() {
        for (id, uid) in [(1, "MQ"), (2, "Mg"), (12, "MTI"), (42, "NDI"), (123, "MTIz")] {
            assert_eq!(encode_uid(id), uid);
            assert_eq!(decode_uid(uid), Some(id));
        }
        for spelling in ["MQ==", "MQ=", " MQ", "M Q"] {
            assert_eq!(decode_uid(spelling), Some(1), "{spelling:?}");
        }
        for bad in ["", "M", "!!!", "YWJj"] {
            assert_eq!(decode_uid(bad), None, "{bad:?}");
        }
    }
}
