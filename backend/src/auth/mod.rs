//! Credentials: password hashes, JWTs and the tokens of e-mailed links.

pub mod hashers;
pub mod jwt;
pub mod lenient_base64;
pub mod password;
pub mod random;
pub mod reset_tokens;
