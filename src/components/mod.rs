//! Widgets the pages share.

mod form;
mod nav;
mod require_auth;

pub use form::{Alert, Field, FormState, Notices, Submit};
pub use nav::Nav;
pub use require_auth::RequireAuth;
