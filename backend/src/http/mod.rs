//! DRF's request and response conventions: how bodies are read, how string fields are
//! validated, how JSON is rendered, which headers every answer carries, and what the
//! `Authorization` header and the client's address are.

pub mod authorization;
pub mod body;
pub mod client;
pub mod fields;
pub mod json;
pub mod provider_cookie;
pub mod route;
pub mod token_cookie;
