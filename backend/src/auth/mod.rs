//! Credentials: password hashes, JWTs, the tokens of e-mailed links, and second factors'
//! codes (authenticator apps, recovery codes) with the sealing of their secrets, and passkeys.

pub mod es256;
pub mod factor_keys;
pub mod hashers;
pub mod jwt;
pub mod lenient_base64;
pub mod passkeys;
pub mod password;
pub mod random;
pub mod recovery_codes;
pub mod reset_tokens;
pub mod sealed;
pub mod totp;
