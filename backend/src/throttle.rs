//! Throttling: how many logins and e-mail-sending requests a client address, a username and a
//! target e-mail address may make per period. Counters live in the database, so the limits hold
//! across instances that share it.
//!
//! Over a limit, the answer is DRF's: 429 `{"detail":"Request was throttled. Expected available
//! in N seconds."}` with `Retry-After: N`.

use crate::clock;
use crate::configuration::{Rate, Throttling};
use crate::error::ApiError;
use crate::store::Store;

/// What a counter counts.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    LoginAddress,
    LoginUsername,
    EmailAddress,
    EmailRecipient,
    /// Refreshes with a token that has no session (counted per user; a session counts its own).
    RefreshUser,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::LoginAddress => "login-address",
            Scope::LoginUsername => "login-username",
            Scope::EmailAddress => "email-address",
            Scope::EmailRecipient => "email-recipient",
            Scope::RefreshUser => "refresh-user",
        }
    }

    fn rate(self, throttling: &Throttling) -> Rate {
        match self {
            Scope::LoginAddress => throttling.login_per_address,
            Scope::LoginUsername => throttling.login_per_username,
            Scope::EmailAddress => throttling.email_per_address,
            Scope::EmailRecipient => throttling.email_per_recipient,
            Scope::RefreshUser => throttling.refresh_per_session,
        }
    }
}

/// An attempt counted against a limit, to be given back if it succeeds.
#[must_use = "an attempt that succeeds is refunded"]
pub struct Attempt(Option<(String, i64)>);

/// Usernames and e-mail addresses are counted without regard to case, so that changing the
/// case does not buy more attempts.
fn key(scope: Scope, subject: &str) -> String {
    format!("{}:{}", scope.name(), subject.to_lowercase())
}

/// The limits and the counters they are checked against.
#[derive(Clone)]
pub struct Throttle {
    settings: Throttling,
    store: Store,
}

impl Throttle {
    pub fn new(settings: Throttling, store: Store) -> Self {
        Self { settings, store }
    }

    pub fn is_on(&self) -> bool {
        self.settings.enabled
    }

    /// The refreshes a session may make, which the session counts itself (no limit when
    /// throttling is off).
    pub fn refresh_rate(&self) -> Rate {
        match self.settings.enabled {
            true => self.settings.refresh_per_session,
            false => Rate { limit: i64::MAX, period: 60 },
        }
    }

    /// Counts a request against `subject`'s limit; refuses it when the limit is passed.
    pub async fn hit(&self, scope: Scope, subject: &str) -> Result<(), ApiError> {
        if !self.settings.enabled {
            return Ok(());
        }
        let rate = scope.rate(&self.settings);
        let now = clock::now_seconds();
        let window = self.store.throttle_hit(&key(scope, subject), now, rate.period).await?;
        if window.hits > rate.limit {
            return Err(ApiError::Throttled((window.start + rate.period - now).max(1)));
        }
        Ok(())
    }

    /// Counts an attempt against `subject`'s limit before it is made, and refuses it when the
    /// limit is passed: a burst of concurrent attempts cannot all be let through. An attempt
    /// that succeeds is [`refund`](Self::refund)ed, so only failures use the limit up.
    pub async fn attempt(&self, scope: Scope, subject: &str) -> Result<Attempt, ApiError> {
        if !self.settings.enabled {
            return Ok(Attempt(None));
        }
        let rate = scope.rate(&self.settings);
        let now = clock::now_seconds();
        let key = key(scope, subject);
        let window = self.store.throttle_hit(&key, now, rate.period).await?;
        if window.hits > rate.limit {
            return Err(ApiError::Throttled((window.start + rate.period - now).max(1)));
        }
        Ok(Attempt(Some((key, window.start))))
    }

    /// Gives a successful attempt back.
    pub async fn refund(&self, attempt: Attempt) -> Result<(), ApiError> {
        if let Attempt(Some((key, window_start))) = attempt {
            self.store.throttle_refund(&key, window_start).await?;
        }
        Ok(())
    }
}
