//! Authenticator-app codes (TOTP, RFC 6238) as every authenticator app reads them: SHA-1, six
//! digits, 30-second steps, with one step of drift either way. A code is accepted for the time
//! step it belongs to, and the caller records that step so the same code (or an older one) is
//! never accepted twice. The arithmetic is the `totp-rs` crate's.

use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

/// RFC 6238's recommended step, in seconds.
pub const STEP: u64 = 30;
const DIGITS: usize = 6;
/// Steps of drift accepted either way.
const DRIFT: u64 = 1;
/// 160 bits, RFC 4226's recommended secret length.
pub const SECRET_BYTES: usize = 20;

/// An authenticator-app factor's secret, for one account.
pub struct Authenticator {
    totp: TOTP,
}

impl Authenticator {
    /// `issuer` names the site and `account` the person in the app's list (a `:` in either is
    /// dropped: the URI format reserves it).
    pub fn new(secret: Vec<u8>, issuer: &str, account: &str) -> anyhow::Result<Self> {
        let clean = |text: &str| text.replace(':', "");
        let totp = TOTP::new(Algorithm::SHA1, DIGITS, 1, STEP, secret, Some(clean(issuer)), clean(account))
            .map_err(|e| anyhow::anyhow!("Invalid authenticator secret: {e}"))?;
        Ok(Self { totp })
    }

    /// The app of a base32 key as [`key`](Self::key) shows it (what a person types into an app).
    pub fn from_key(key: &str, issuer: &str, account: &str) -> anyhow::Result<Self> {
        let secret = totp_rs::Secret::Encoded(key.to_owned())
            .to_bytes()
            .map_err(|e| anyhow::anyhow!("Not a base32 key: {e:?}"))?;
        Self::new(secret, issuer, account)
    }

    /// A new random secret.
    pub fn new_secret() -> Vec<u8> {
        use rand::RngCore;
        let mut secret = vec![0u8; SECRET_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        secret
    }

    /// The `otpauth://totp/…` URI an app scans from a QR code.
    pub fn uri(&self) -> String {
        self.totp.get_url()
    }

    /// The URI's QR code, as an SVG image in a `data:` URI for an `<img>`: dark modules on a
    /// light background with the four-module quiet zone scanners need.
    pub fn qr_code(&self) -> anyhow::Result<String> {
        use base64::Engine;
        use qrcodegen::{QrCode, QrCodeEcc};
        let code = QrCode::encode_text(&self.uri(), QrCodeEcc::Medium).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        const QUIET: i32 = 4;
        let side = code.size() + 2 * QUIET;
        let mut path = String::new();
        for y in 0..code.size() {
            for x in 0..code.size() {
                if code.get_module(x, y) {
                    path.push_str(&format!("M{},{}h1v1h-1z", x + QUIET, y + QUIET));
                }
            }
        }
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
             <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
        );
        Ok(format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg)))
    }

    /// The secret in base32, for typing it into an app.
    pub fn key(&self) -> String {
        self.totp.get_secret_base32()
    }

    /// The code of the step `now` (Unix seconds) is in.
    pub fn code_at(&self, now: u64) -> String {
        self.totp.generate(now)
    }

    /// The time step `code` belongs to, if it is the code of the current step or of one step
    /// before or after it, and that step is later than `last_used` (a code is good once).
    pub fn accept(&self, code: &str, now: u64, last_used: Option<u64>) -> Option<u64> {
        let code = code.trim();
        if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = now / STEP;
        let mut accepted = None;
        // Every candidate is computed and compared in constant time.
        for step in current.saturating_sub(DRIFT)..=current + DRIFT {
            let expected = self.totp.generate(step * STEP);
            if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
                accepted = Some(step);
            }
        }
        accepted.filter(|step| last_used.is_none_or(|last| *step > last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's SHA-1 test key.
    fn rfc_key() -> Authenticator {
        Authenticator::new(b"12345678901234567890".to_vec(), "Gatehouse", "alice").unwrap()
    }

    #[test]
    fn codes_are_rfc_6238s_six_digit_sha1_codes() {
        // RFC 6238 appendix B, the last six of its eight digits.
        let key = rfc_key();
        assert_eq!(key.code_at(59), "287082");
        assert_eq!(key.code_at(1_111_111_109), "081804");
        assert_eq!(key.code_at(2_000_000_000), "279037");
    }

    #[test]
    fn one_step_of_drift_either_way_is_accepted_and_no_more() {
        let key = rfc_key();
        let now = 1_111_111_109;
        for offset in [-30i64, 0, 30] {
            let code = key.code_at((now as i64 + offset) as u64);
            assert!(key.accept(&code, now, None).is_some(), "offset {offset}");
        }
        for offset in [-60i64, 60] {
            let code = key.code_at((now as i64 + offset) as u64);
            assert_eq!(key.accept(&code, now, None), None, "offset {offset}");
        }
    }

    #[test]
    fn a_code_is_accepted_once_and_never_an_older_one_after_it() {
        let key = rfc_key();
        let now = 1_111_111_109;
        let step = key.accept(&key.code_at(now), now, None).unwrap();
        assert_eq!(key.accept(&key.code_at(now), now, Some(step)), None, "replayed");
        assert_eq!(key.accept(&key.code_at(now - 30), now, Some(step)), None, "older");
        assert!(key.accept(&key.code_at(now + 30), now, Some(step)).is_some(), "the next step's");
    }

    #[test]
    fn the_qr_code_is_an_svg_image_of_the_uri_with_its_quiet_zone() {
        use base64::Engine;
        let key = rfc_key();
        let uri = key.qr_code().unwrap();
        let svg = uri.strip_prefix("data:image/svg+xml;base64,").expect("an SVG data URI");
        let svg = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(svg).unwrap()).unwrap();
        let size = qrcodegen::QrCode::encode_text(&key.uri(), qrcodegen::QrCodeEcc::Medium).unwrap().size();
        assert!(svg.contains(&format!("viewBox=\"0 0 {0} {0}\"", size + 8)), "{svg}");
        // The top-left finder pattern starts right after the quiet zone.
        assert!(svg.contains("M4,4h1v1h-1z"), "{svg}");
        assert!(!svg.contains("M3,"), "nothing drawn in the quiet zone");
    }

    #[test]
    fn malformed_codes_and_the_uri_and_key() {
        let key = rfc_key();
        assert_eq!(key.accept("28708", 59, None), None);
        assert_eq!(key.accept("28708a", 59, None), None);
        assert_eq!(key.accept(" 287082 ", 59, None), Some(1), "spaces around it are fine");
        assert_eq!(key.key(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let uri = key.uri();
        assert!(uri.starts_with("otpauth://totp/Gatehouse:alice?"), "{uri}");
        assert!(uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ") && uri.contains("issuer=Gatehouse"), "{uri}");
        let typed = Authenticator::from_key(&key.key(), "Gatehouse", "alice").unwrap();
        assert_eq!(typed.code_at(59), "287082");
        let with_port = Authenticator::new(b"12345678901234567890".to_vec(), "127.0.0.1:8000", "alice").unwrap();
        assert!(with_port.uri().starts_with("otpauth://totp/127.0.0.18000:alice?"));
    }
}
