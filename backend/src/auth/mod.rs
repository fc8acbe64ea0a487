//! Credentials: password hashes, JWTs, e-mailed tokens, and who is making a request.

pub mod authenticate;
pub mod jwt;
pub mod lenient_base64;
pub mod password;
pub mod random;
pub mod reset_tokens;
