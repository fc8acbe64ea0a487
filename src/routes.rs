//! The app's paths. E-mailed links point at `activate`, `password/reset/confirm` and
//! `username/reset/confirm`, so those are part of the contract with the server's settings.

pub const HOME: &str = "/";
pub const SIGN_UP: &str = "/signup";
pub const CHECK_EMAIL: &str = "/signup/check-email";
pub const RESEND_ACTIVATION: &str = "/activate/resend";
pub const SIGN_IN: &str = "/login";
pub const PROFILE: &str = "/profile";
pub const CHANGE_PASSWORD: &str = "/profile/password";
pub const CHANGE_USERNAME: &str = "/profile/username";
pub const FORGOT_PASSWORD: &str = "/password/reset";
pub const FORGOT_USERNAME: &str = "/username/reset";
pub const USERS: &str = "/users";

/// A page of the app, with what its path carries. This is the app's route table: every path
/// the app answers is parsed here, and `app.rs` shows the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    Home,
    SignUp,
    CheckEmail,
    ResendActivation,
    Activate { uid: String, token: String },
    SignIn,
    Profile,
    ChangePassword,
    ChangeUsername,
    ForgotPassword,
    ResetPassword { uid: String, token: String },
    ForgotUsername,
    ResetUsername { uid: String, token: String },
    Users,
    User { id: Option<u64> },
    NotFound,
}

impl Page {
    /// The page at `path` (a URL's path, without its query). A trailing slash is ignored.
    pub fn at(path: &str) -> Page {
        let segments: Vec<&str> = path.split('/').filter(|segment| !segment.is_empty()).collect();
        match segments.as_slice() {
            [] => Page::Home,
            ["signup"] => Page::SignUp,
            ["signup", "check-email"] => Page::CheckEmail,
            ["activate", "resend"] => Page::ResendActivation,
            ["activate", uid, token] => Page::Activate { uid: uid.to_string(), token: token.to_string() },
            ["login"] => Page::SignIn,
            ["profile"] => Page::Profile,
            ["profile", "password"] => Page::ChangePassword,
            ["profile", "username"] => Page::ChangeUsername,
            ["password", "reset"] => Page::ForgotPassword,
            ["password", "reset", "confirm", uid, token] => {
                Page::ResetPassword { uid: uid.to_string(), token: token.to_string() }
            }
            ["username", "reset"] => Page::ForgotUsername,
            ["username", "reset", "confirm", uid, token] => {
                Page::ResetUsername { uid: uid.to_string(), token: token.to_string() }
            }
            ["users"] => Page::Users,
            ["users", id] => Page::User { id: id.parse().ok() },
            _ => Page::NotFound,
        }
    }
}

/// A user's page in the users list.
pub fn user(id: u64) -> String {
    format!("{USERS}/{id}")
}

/// The sign-in page, returning to `next` afterwards, with an optional notice to show.
pub fn sign_in_then(next: &str, notice: Option<Notice>) -> String {
    let mut url = format!("{SIGN_IN}?next={}", encode(next));
    if let Some(notice) = notice {
        url.push_str("&notice=");
        url.push_str(notice.key());
    }
    url
}

/// Why someone was sent to the sign-in page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    SessionExpired,
    SignedOutElsewhere,
    Activated,
    PasswordChanged,
    PasswordReset,
    UsernameReset,
    EmailChanged,
    AccountDeleted,
    SignedOut,
}

impl Notice {
    pub fn key(self) -> &'static str {
        match self {
            Notice::SessionExpired => "expired",
            Notice::SignedOutElsewhere => "elsewhere",
            Notice::Activated => "activated",
            Notice::PasswordChanged => "password-changed",
            Notice::PasswordReset => "password-reset",
            Notice::UsernameReset => "username-reset",
            Notice::EmailChanged => "email-changed",
            Notice::AccountDeleted => "deleted",
            Notice::SignedOut => "signed-out",
        }
    }

    pub fn from_key(key: &str) -> Option<Notice> {
        [
            Notice::SessionExpired,
            Notice::SignedOutElsewhere,
            Notice::Activated,
            Notice::PasswordChanged,
            Notice::PasswordReset,
            Notice::UsernameReset,
            Notice::EmailChanged,
            Notice::AccountDeleted,
            Notice::SignedOut,
        ]
        .into_iter()
        .find(|notice| notice.key() == key)
    }

    /// The sentence shown, and whether it reports a problem rather than a success.
    pub fn text(self) -> (&'static str, bool) {
        match self {
            Notice::SessionExpired => ("Your session has ended. Please sign in again.", true),
            Notice::SignedOutElsewhere => ("You were signed out in another tab.", false),
            Notice::Activated => ("Your account is active. You can sign in now.", false),
            Notice::PasswordChanged => ("Your password was changed. Sign in with the new one.", false),
            Notice::PasswordReset => ("Your password was reset. Sign in with the new one.", false),
            Notice::UsernameReset => ("Your username was changed. Sign in with the new one.", false),
            Notice::EmailChanged => (
                "We sent a confirmation link to your new e-mail address. Your account is paused until you open it.",
                false,
            ),
            Notice::AccountDeleted => ("Your account was deleted.", false),
            Notice::SignedOut => ("You are signed out.", false),
        }
    }
}

/// Where to go after signing in: only a path of this app, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_owned(),
        _ => PROFILE.to_owned(),
    }
}

/// Percent-encodes a path for a query string.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_of_the_app_names_its_page() {
        let link = |uid: &str, token: &str| (uid.to_owned(), token.to_owned());
        assert_eq!(Page::at("/"), Page::Home);
        assert_eq!(Page::at(""), Page::Home);
        assert_eq!(Page::at(SIGN_UP), Page::SignUp);
        assert_eq!(Page::at(CHECK_EMAIL), Page::CheckEmail);
        assert_eq!(Page::at(RESEND_ACTIVATION), Page::ResendActivation);
        assert_eq!(Page::at(SIGN_IN), Page::SignIn);
        assert_eq!(Page::at(PROFILE), Page::Profile);
        assert_eq!(Page::at(CHANGE_PASSWORD), Page::ChangePassword);
        assert_eq!(Page::at(CHANGE_USERNAME), Page::ChangeUsername);
        assert_eq!(Page::at(FORGOT_PASSWORD), Page::ForgotPassword);
        assert_eq!(Page::at(FORGOT_USERNAME), Page::ForgotUsername);
        assert_eq!(Page::at(USERS), Page::Users);
        assert_eq!(Page::at(&user(42)), Page::User { id: Some(42) });
        let (uid, token) = link("MQ", "cz4k1p-0123456789abcdef0123456789abcdef");
        assert_eq!(
            Page::at("/activate/MQ/cz4k1p-0123456789abcdef0123456789abcdef"),
            Page::Activate { uid: uid.clone(), token: token.clone() }
        );
        assert_eq!(
            Page::at("/password/reset/confirm/MQ/cz4k1p-0123456789abcdef0123456789abcdef"),
            Page::ResetPassword { uid: uid.clone(), token: token.clone() }
        );
        assert_eq!(
            Page::at("/username/reset/confirm/MQ/cz4k1p-0123456789abcdef0123456789abcdef"),
            Page::ResetUsername { uid, token }
        );
    }

    #[test]
    fn a_trailing_slash_names_the_same_page() {
        assert_eq!(Page::at("/login/"), Page::SignIn);
        assert_eq!(Page::at("/users/7/"), Page::User { id: Some(7) });
    }

    #[test]
    fn unknown_and_incomplete_paths_are_not_found() {
        for path in
            ["/nope", "/activate", "/activate/MQ", "/activate/MQ/t/extra", "/password/reset/confirm/MQ", "/users/1/2"]
        {
            assert_eq!(Page::at(path), Page::NotFound, "{path}");
        }
        assert_eq!(Page::at("/users/abc"), Page::User { id: None });
    }

    #[test]
    fn only_paths_of_this_app_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/profile/password")), "/profile/password");
        assert_eq!(safe_next(Some("/users/3?tab=1")), "/users/3?tab=1");
        for hostile in ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", ""] {
            assert_eq!(safe_next(Some(hostile)), PROFILE, "{hostile}");
        }
        assert_eq!(safe_next(None), PROFILE);
    }

    #[test]
    fn the_sign_in_link_carries_the_way_back_and_the_notice() {
        assert_eq!(
            sign_in_then("/users/3?x=a b", Some(Notice::SessionExpired)),
            "/login?next=/users/3%3Fx%3Da%20b&notice=expired"
        );
    }

    #[test]
    fn every_notice_round_trips_through_its_key() {
        for key in [
            "expired",
            "elsewhere",
            "activated",
            "password-changed",
            "password-reset",
            "username-reset",
            "email-changed",
            "deleted",
            "signed-out",
        ] {
            assert_eq!(Notice::from_key(key).map(Notice::key), Some(key));
        }
        assert_eq!(Notice::from_key("nonsense"), None);
    }
}
