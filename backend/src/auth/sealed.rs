//! Secrets that must be read back (authenticator-app keys), sealed at rest with
//! XChaCha20-Poly1305 under a key derived from `SECRET_KEY`. Each sealed value is bound to
//! what it belongs to (`context`, e.g. the account), so it cannot be moved to another row.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const NONCE: usize = 24;

#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    pub fn new(secret_key: &[u8]) -> Self {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret_key).expect("HMAC takes any key length");
        mac.update(b"gatehouse sealed secrets");
        let key = mac.finalize().into_bytes();
        Self { cipher: XChaCha20Poly1305::new(&key) }
    }

    /// `secret` sealed for `context`: a random nonce and the ciphertext, in base64url.
    pub fn seal(&self, secret: &[u8], context: &str) -> anyhow::Result<String> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, Payload { msg: secret, aad: context.as_bytes() })
            .map_err(|_| anyhow::anyhow!("Failed to seal a secret"))?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(URL_SAFE_NO_PAD.encode(out))
    }

    /// The secret of a sealed value, if it was sealed here for `context` and not altered.
    pub fn open(&self, sealed: &str, context: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() <= NONCE {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE);
        self.cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: context.as_bytes() }).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_context() {
        let sealer = Sealer::new(b"the secret key");
        let sealed = sealer.seal(b"12345678901234567890", "user:7").unwrap();
        assert!(!sealed.contains("MTIzNDU2Nzg5"), "the secret is not readable in it");
        assert_eq!(sealer.open(&sealed, "user:7").as_deref(), Some(&b"12345678901234567890"[..]));
        assert_eq!(sealer.open(&sealed, "user:8"), None, "bound to its row");
        assert_eq!(Sealer::new(b"another key").open(&sealed, "user:7"), None);
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 1;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(sealer.open(std::str::from_utf8(&altered).unwrap(), "user:7"), None);
        assert_ne!(sealer.seal(b"12345678901234567890", "user:7").unwrap(), sealed, "a new nonce each time");
    }
}
