//! The app paths that e-mailed links open, with `{uid}` and `{token}` to fill in. The server's
//! default `GATEHOUSE_ACTIVATION_URL`, `GATEHOUSE_PASSWORD_RESET_CONFIRM_URL`,
//! `GATEHOUSE_USERNAME_RESET_CONFIRM_URL` and `GATEHOUSE_EMAIL_REVERT_URL` settings must equal these, so its tests include this
//! file as it is: it stays plain Rust that uses nothing else.

/// The activation link sent after sign-up (and by "resend the activation e-mail").
pub const ACTIVATION: &str = "activate/{uid}/{token}";
/// The link a forgotten password's e-mail holds.
pub const PASSWORD_RESET_CONFIRM: &str = "password/reset/confirm/{uid}/{token}";
/// The link a forgotten username's e-mail holds.
pub const USERNAME_RESET_CONFIRM: &str = "username/reset/confirm/{uid}/{token}";
/// The link sent to the old address after an e-mail change: it takes the change back.
pub const EMAIL_REVERT: &str = "email/revert/{uid}/{token}";
