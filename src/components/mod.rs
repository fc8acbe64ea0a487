//! Widgets the pages share.

mod form;
mod nav;
mod require_auth;

pub use form::{focus_by_id, Alert, Field, FormState, Notices, Submit};
pub use nav::Nav;
pub use require_auth::RequireAuth;
