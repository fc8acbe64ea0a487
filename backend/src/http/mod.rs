//! DRF's request and response conventions: how bodies are read, how string fields are
//! validated, how JSON is rendered and which headers every answer carries.

pub mod body;
pub mod fields;
pub mod json;
pub mod route;
