//! Widgets the pages share.

mod form;
mod nav;
mod require_auth;
mod sign_in_again;

pub use form::{focus_by_id, Alert, Field, FormState, Notices, Submit};
pub use nav::Nav;
pub use require_auth::RequireAuth;
pub use sign_in_again::SignInAgain;
