//! JWTs signed with ES256 (ECDSA on P-256 with SHA-256), as Apple wants its client secrets:
//! the team's private key from its PEM (PKCS#8, the `.p8` file Apple gives), and the compact
//! signature `r || s` of RFC 7518.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::Signature;
use p256::pkcs8::DecodePrivateKey;
use serde_json::Value;

pub struct SigningKey(p256::ecdsa::SigningKey);

impl SigningKey {
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        p256::ecdsa::SigningKey::from_pkcs8_pem(pem.trim()).map(Self).map_err(|error| error.to_string())
    }

    /// `header.claims.signature`, with `alg` set to ES256 in `header`.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let mut header = header.clone();
        header["alg"] = Value::from("ES256");
        let segment = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
        let signing_input = format!("{}.{}", segment(&header), segment(claims));
        let signature: Signature = self.0.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

/// A P-256 key made for the tests only.
#[cfg(test)]
pub(crate) const TEST_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVfOOrNGUVQbEtR9O
KW+/nk7Bd5UtQzUwhFz4GJg1cgqhRANCAAQggmqWfqZfTr0w49IXOMg2TWKm3yY+
8gUHJg7wszWCsR47dhhieSnNqMpGaTanV8u37iJB4ffSYQxoSzrYRynC
-----END PRIVATE KEY-----";

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;
    use serde_json::json;

    const KEY: &str = TEST_KEY;

    #[test]
    fn a_token_is_signed_so_that_the_public_key_verifies_it() {
        let key = SigningKey::from_pem(KEY).unwrap();
        let token = key.sign(&json!({"kid": "ABC123"}), &json!({"sub": "com.example"}));
        let parts: Vec<&str> = token.split('.').collect();
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header, json!({"kid": "ABC123", "alg": "ES256"}));
        let signature_bytes = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        assert_eq!(signature_bytes.len(), 64, "r || s, not DER");
        let signature = Signature::from_slice(&signature_bytes).unwrap();
        let public = p256::ecdsa::VerifyingKey::from(&key.0);
        public.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature).unwrap();
    }

    #[test]
    fn a_key_that_is_not_p256_pkcs8_pem_is_refused() {
        assert!(SigningKey::from_pem("not a key").is_err());
        assert!(SigningKey::from_pem(&KEY.replace("MIGH", "MIGX")).is_err());
    }
}
