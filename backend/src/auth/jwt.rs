//! SimpleJWT-compatible tokens: HS256 over the UTF-8 bytes of `SECRET_KEY`, the claims
//! `token_type, exp, iat, jti, user_id` in that order, and PyJWT's validation order so that
//! every rejection carries the message SimpleJWT would give.
//!
//! Encoding is done here rather than with `jsonwebtoken` because its header serialises `typ`
//! before `alg`, which cannot reproduce SimpleJWT's byte-identical tokens, and its validation
//! cannot report SimpleJWT's distinct messages in SimpleJWT's order.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::auth::{lenient_base64, random};
use crate::messages;
use crate::pycompat;

/// `base64url({"alg":"HS256","typ":"JWT"})`, the header of every token SimpleJWT issues.
const HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    Access,
    Refresh,
}

impl TokenType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }
}

/// The claim that records how the person signed in.
const AMR: &str = "amr";
/// The session id claim, the one claim every token Gatehouse issues adds to SimpleJWT's.
const SID: &str = "sid";

/// Claims that are replaced, not copied, when a token is derived from another.
const RESERVED: [&str; 5] = ["token_type", "exp", "iat", "jti", "user_id"];

#[derive(Serialize)]
struct Payload<'a> {
    token_type: &'static str,
    exp: i64,
    iat: i64,
    jti: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<&'a Value>,
    #[serde(flatten)]
    extra: BTreeMap<&'a str, &'a Value>,
}

/// The payload of a token whose signature and time claims have been checked.
#[derive(Debug, Clone)]
pub struct Claims(ClaimList);

/// A token's claims as read: a handful, so kept in a list, which every authenticated request
/// reads faster than a map. A name given twice keeps its last value, as Python's `json.loads`
/// (and so SimpleJWT) reads it.
#[derive(Debug, Clone)]
struct ClaimList(Vec<(String, Value)>);

impl ClaimList {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(claim, _)| claim == name).map(|(_, value)| value)
    }

    fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    fn insert(&mut self, name: String, value: Value) {
        match self.0.iter_mut().find(|(claim, _)| *claim == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(name, value)| (name, value))
    }
}

impl<'de> Deserialize<'de> for ClaimList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Object;
        impl<'de> Visitor<'de> for Object {
            type Value = ClaimList;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut object: A) -> Result<ClaimList, A::Error> {
                let mut claims = ClaimList(Vec::with_capacity(8));
                while let Some((name, value)) = object.next_entry::<String, Value>()? {
                    claims.insert(name, value);
                }
                Ok(claims)
            }
        }
        deserializer.deserialize_map(Object)
    }
}

impl Claims {
    pub fn jti(&self) -> Option<&str> {
        self.0.get("jti").and_then(Value::as_str)
    }

    pub fn exp(&self) -> Option<i64> {
        self.0.get("exp").and_then(pycompat::int_of)
    }

    /// When the token was given out (Unix seconds); SimpleJWT's tokens before 5.0 do not say.
    pub fn iat(&self) -> Option<i64> {
        self.0.get("iat").and_then(pycompat::int_of)
    }

    pub fn is_of_type(&self, kind: TokenType) -> bool {
        self.0.get("token_type").and_then(Value::as_str) == Some(kind.as_str())
    }

    pub fn user_id(&self) -> Option<&Value> {
        self.0.get("user_id")
    }

    /// How the person signed in (RFC 8176), when more than a password.
    pub fn amr(&self) -> Option<&Value> {
        self.0.get(AMR)
    }

    /// The session the token belongs to: absent from tokens minted by SimpleJWT or before
    /// sessions were recorded.
    pub fn sid(&self) -> Option<&str> {
        self.0.get(SID).and_then(Value::as_str)
    }

    /// The same claims, in session `sid`.
    pub fn in_session(mut self, sid: &str) -> Self {
        self.0.insert(SID.to_owned(), Value::String(sid.to_owned()));
        self
    }

    /// SimpleJWT's `Token.verify()` after the blacklist check: `exp` and `jti` present, then the
    /// type (`None` = untyped, as jwt/verify uses it).
    pub fn check(&self, expected: Option<TokenType>) -> Result<(), &'static str> {
        if !self.0.contains_key("exp") {
            return Err(messages::TOKEN_NO_EXP);
        }
        if !self.0.contains_key("jti") {
            return Err(messages::TOKEN_NO_ID);
        }
        if let Some(expected) = expected {
            match self.0.get("token_type") {
                None => return Err(messages::TOKEN_NO_TYPE),
                Some(Value::String(kind)) if kind == expected.as_str() => {}
                Some(_) => return Err(messages::TOKEN_WRONG_TYPE),
            }
        }
        Ok(())
    }

    fn extra(&self) -> BTreeMap<&str, &Value> {
        self.0
            .iter()
            .filter(|(name, _)| !RESERVED.contains(&name.as_str()))
            .map(|(name, value)| (name.as_str(), value))
            .collect()
    }
}

/// A freshly issued refresh/access pair.
pub struct Pair {
    pub refresh: String,
    pub access: String,
    /// The refresh token's id and expiry, for its session's record.
    pub refresh_jti: String,
    pub refresh_expires_at: i64,
}

/// Signs and checks tokens. The keyed HMAC state is built once and cloned per use.
#[derive(Clone)]
pub struct JwtCodec {
    mac: Hmac<Sha256>,
    access_lifetime: i64,
    refresh_lifetime: i64,
}

impl JwtCodec {
    pub fn new(secret: &str, access_lifetime: i64, refresh_lifetime: i64) -> Self {
        let mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
        Self { mac, access_lifetime, refresh_lifetime }
    }

    fn sign(&self, payload: &Payload<'_>) -> String {
        let json = serde_json::to_vec(payload).expect("claims serialise");
        let mut token = String::with_capacity(HEADER.len() + json.len() * 4 / 3 + 48);
        token.push_str(HEADER);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(json, &mut token);
        let mut mac = self.mac.clone();
        mac.update(token.as_bytes());
        let signature = mac.finalize().into_bytes();
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        token
    }

    /// The login answer: a refresh token and an access token sharing `iat`, both of session
    /// `sid`.
    pub fn issue_pair(&self, user_id: i64, now: i64, sid: &str) -> Pair {
        self.issue_pair_with(user_id, now, sid, None)
    }

    /// [`issue_pair`](Self::issue_pair) recording how the person signed in (RFC 8176's `amr`
    /// claim, e.g. `["pwd", "otp"]`); refreshed tokens keep it.
    pub fn issue_pair_with(&self, user_id: i64, now: i64, sid: &str, amr: Option<&Value>) -> Pair {
        let user_id = Value::String(user_id.to_string());
        let sid = Value::String(sid.to_owned());
        let mut extra = BTreeMap::from([(SID, &sid)]);
        if let Some(amr) = amr {
            extra.insert(AMR, amr);
        }
        let refresh_jti = random::uuid4_hex();
        let refresh_expires_at = now + self.refresh_lifetime;
        let refresh = self.sign(&Payload {
            token_type: TokenType::Refresh.as_str(),
            exp: refresh_expires_at,
            iat: now,
            jti: refresh_jti.clone(),
            user_id: Some(&user_id),
            extra: extra.clone(),
        });
        let access = self.sign(&Payload {
            token_type: TokenType::Access.as_str(),
            exp: now + self.access_lifetime,
            iat: now,
            jti: random::uuid4_hex(),
            user_id: Some(&user_id),
            extra,
        });
        Pair { refresh, access, refresh_jti, refresh_expires_at }
    }

    /// A new access token carrying the refresh token's claims.
    pub fn access_from(&self, refresh: &Claims, now: i64) -> String {
        self.derive(refresh, TokenType::Access, now, self.access_lifetime).0
    }

    /// The rotated refresh token: the same claims with a new id and lifetime. Returns the
    /// token, its id and its expiry.
    pub fn rotate(&self, refresh: &Claims, now: i64) -> (String, String, i64) {
        self.derive(refresh, TokenType::Refresh, now, self.refresh_lifetime)
    }

    fn derive(&self, from: &Claims, kind: TokenType, now: i64, lifetime: i64) -> (String, String, i64) {
        let jti = random::uuid4_hex();
        let exp = now + lifetime;
        let token = self.sign(&Payload {
            token_type: kind.as_str(),
            exp,
            iat: now,
            jti: jti.clone(),
            user_id: from.user_id(),
            extra: from.extra(),
        });
        (token, jti, exp)
    }

    /// PyJWT's `decode` as SimpleJWT calls it: structure, algorithm, signature, then the
    /// `iat`, `nbf`, `exp`, `aud`, `sub` and `jti` claim checks. `now` is in seconds.
    pub fn decode(&self, token: &[u8], now: f64) -> Result<Claims, &'static str> {
        let invalid = messages::TOKEN_INVALID;
        let dot = token.iter().rposition(|b| *b == b'.').ok_or(invalid)?;
        let (signing_input, signature) = (&token[..dot], &token[dot + 1..]);
        let first = signing_input.iter().position(|b| *b == b'.').ok_or(invalid)?;
        let (header, payload) = (&signing_input[..first], &signing_input[first + 1..]);

        // The header this codec writes, as nearly every token has it, needs no decoding.
        if header != HEADER.as_bytes() {
            let header = lenient_base64::decode_jwt_segment(header).ok_or(invalid)?;
            let header: Map<String, Value> = serde_json::from_slice(&header).map_err(|_| invalid)?;
            if header.get("alg").and_then(Value::as_str) != Some("HS256") {
                return Err(invalid);
            }
            if header.get("kid").is_some_and(|kid| !kid.is_string()) {
                return Err(invalid);
            }
        }
        let payload = lenient_base64::decode_jwt_segment(payload).ok_or(invalid)?;
        let signature = lenient_base64::decode_jwt_segment(signature).ok_or(invalid)?;
        let mut mac = self.mac.clone();
        mac.update(signing_input);
        mac.verify_slice(&signature).map_err(|_| invalid)?;
        let claims: ClaimList = serde_json::from_slice(&payload).map_err(|_| invalid)?;

        if let Some(iat) = claims.get("iat") {
            let iat = pycompat::int_of(iat).ok_or(invalid)?;
            if iat as f64 > now {
                return Err(invalid);
            }
        }
        if let Some(nbf) = claims.get("nbf") {
            let nbf = pycompat::int_of(nbf).ok_or(invalid)?;
            if nbf as f64 > now {
                return Err(invalid);
            }
        }
        if let Some(exp) = claims.get("exp") {
            let exp = pycompat::int_of(exp).ok_or(invalid)?;
            if exp as f64 <= now {
                return Err(messages::TOKEN_EXPIRED);
            }
        }
        if claims.get("aud").is_some_and(pycompat::is_truthy) {
            return Err(invalid);
        }
        if claims.get("sub").is_some_and(|sub| !sub.is_string()) {
            return Err(invalid);
        }
        if claims.get("jti").is_some_and(|jti| !jti.is_string()) {
            return Err(invalid);
        }
        Ok(Claims(claims))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "test-secret-key-for-spec";
    const VECTOR: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxODAwMDAwMzAwLCJpYXQiOjE4MDAwMDAwMDAsImp0aSI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIiwidXNlcl9pZCI6IjQyIn0.4lhv_m4TZ-PeIGcz1ojCR1YfWzi5RloPN7jnIVsAJtU";

    #[test]
    fn signing_the_spec_payload_gives_the_spec_token() {
        let codec = JwtCodec::new(KEY, 300, 86400);
        let user_id = Value::String("42".into());
        let token = codec.sign(&Payload {
            token_type: "access",
            exp: 1_800_000_300,
            iat: 1_800_000_000,
            jti: "0123456789abcdef0123456789abcdef".into(),
            user_id: Some(&user_id),
            extra: BTreeMap::new(),
        });
        assert_eq!(token, VECTOR);
    }

    #[test]
    fn the_spec_token_decodes_before_its_expiry_and_is_expired_after() {
        let codec = JwtCodec::new(KEY, 300, 86400);
        let claims = codec.decode(VECTOR.as_bytes(), 1_800_000_100.0).expect("valid");
        assert_eq!(claims.jti(), Some("0123456789abcdef0123456789abcdef"));
        assert_eq!(claims.check(Some(TokenType::Access)), Ok(()));
        assert_eq!(claims.check(Some(TokenType::Refresh)), Err(messages::TOKEN_WRONG_TYPE));
        assert_eq!(codec.decode(VECTOR.as_bytes(), 1_800_000_300.0).unwrap_err(), messages::TOKEN_EXPIRED);
    }

    #[test]
    fn a_token_issued_in_the_future_is_invalid() {
        let codec = JwtCodec::new(KEY, 300, 86400);
        assert_eq!(codec.decode(VECTOR.as_bytes(), 1_799_999_999.0).unwrap_err(), messages::TOKEN_INVALID);
    }

    #[test]
    fn another_key_or_a_tampered_payload_is_invalid() {
        let codec = JwtCodec::new("another key", 300, 86400);
        assert_eq!(codec.decode(VECTOR.as_bytes(), 1_800_000_100.0).unwrap_err(), messages::TOKEN_INVALID);
        let codec = JwtCodec::new(KEY, 300, 86400);
        let tampered = VECTOR.replacen(".eyJ0", ".eyJ1", 1);
        assert_eq!(codec.decode(tampered.as_bytes(), 1_800_000_100.0).unwrap_err(), messages::TOKEN_INVALID);
        assert_eq!(codec.decode(b"garbage", 1_800_000_100.0).unwrap_err(), messages::TOKEN_INVALID);
    }

    #[test]
    fn an_issued_pair_shares_iat_and_session_and_carries_the_user_id_as_a_string() {
        let codec = JwtCodec::new(KEY, 300, 86400);
        let pair = codec.issue_pair(7, 1_900_000_000, "s1");
        let refresh = codec.decode(pair.refresh.as_bytes(), 1_900_000_000.5).unwrap();
        let access = codec.decode(pair.access.as_bytes(), 1_900_000_000.5).unwrap();
        assert_eq!(refresh.iat(), access.iat());
        assert_eq!(refresh.exp(), Some(1_900_086_400));
        assert_eq!(access.exp(), Some(1_900_000_300));
        assert_eq!(access.user_id(), Some(&Value::String("7".into())));
        assert_eq!((refresh.sid(), access.sid()), (Some("s1"), Some("s1")));
        assert_eq!(refresh.jti(), Some(pair.refresh_jti.as_str()));
        assert_eq!(refresh.exp(), Some(pair.refresh_expires_at));
        let mut keys: Vec<&str> = access.0.iter().map(|(name, _)| name.as_str()).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["exp", "iat", "jti", "sid", "token_type", "user_id"]);
        assert!(pair.access.starts_with(HEADER));
    }

    #[test]
    fn a_claim_given_twice_keeps_its_last_value_and_other_claims_are_carried_into_derived_tokens() {
        let codec = JwtCodec::new(KEY, 300, 86400);
        let payload = br#"{"token_type":"refresh","exp":1900086400,"user_id":1,"iat":1900000000,"jti":"a","user_id":"9","team":["x"],"exp":1900086401}"#;
        let mut token = format!("{HEADER}.{}", URL_SAFE_NO_PAD.encode(payload));
        let mut mac = codec.mac.clone();
        mac.update(token.as_bytes());
        token = format!("{token}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()));

        let claims = codec.decode(token.as_bytes(), 1_900_000_001.0).unwrap();
        assert_eq!(claims.user_id(), Some(&Value::String("9".into())));
        assert_eq!(claims.exp(), Some(1_900_086_401));
        assert_eq!(claims.0.iter().count(), 6, "one entry a name");
        let access = codec.decode(codec.access_from(&claims, 1_900_000_002).as_bytes(), 1_900_000_003.0).unwrap();
        assert_eq!(access.user_id(), Some(&Value::String("9".into())));
        assert_eq!(access.0.get("team"), Some(&serde_json::json!(["x"])));
        assert!(access.is_of_type(TokenType::Access));
    }
}
