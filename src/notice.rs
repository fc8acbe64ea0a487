//! Why someone was sent to the sign-in page, and what it tells them there. A notice travels in
//! the sign-in page's `notice` query parameter, by its key.

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
    SignInAgain,
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
            Notice::SignInAgain => "sign-in-again",
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
            Notice::SignInAgain,
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
                "We sent a confirmation link to your new e-mail address. Your account is paused until you open it. We also told your old address about the change.",
                false,
            ),
            Notice::AccountDeleted => ("Your account was deleted.", false),
            Notice::SignedOut => ("You are signed out.", false),
            Notice::SignInAgain => ("Sign in again to add a way to sign in.", false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            "sign-in-again",
        ] {
            assert_eq!(Notice::from_key(key).map(Notice::key), Some(key));
        }
        assert_eq!(Notice::from_key("nonsense"), None);
    }
}
