//! Throttling: how many logins and e-mail-sending requests a client address, a username and a
//! target e-mail address may make per period. Counters live in the database, so the limits hold
//! across instances that share it.
//!
//! Over a limit, the answer is DRF's: 429 `{"detail":"Request was throttled. Expected available
//! in N seconds."}` with `Retry-After: N`.

use std::net::IpAddr;

use actix_web::HttpRequest;
use anyhow::{bail, Context};

use crate::clock;
use crate::error::ApiError;
use crate::state::AppState;

/// At most `limit` requests per `period` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub limit: i64,
    pub period: i64,
}

impl Rate {
    /// DRF's notation: `10/minute`, `5/hour`, `100/day`, `2/second` (the period's first letter
    /// decides, as in DRF).
    pub fn parse(text: &str) -> anyhow::Result<Rate> {
        let (limit, period) = text.trim().split_once('/').context("expected <number>/<period>")?;
        let limit: i64 =
            limit.trim().parse().ok().filter(|n| *n > 0).context("expected a number of requests above 0")?;
        let period = match period.trim().chars().next() {
            Some('s') => 1,
            Some('m') => 60,
            Some('h') => 3_600,
            Some('d') => 86_400,
            _ => bail!("expected a period of second, minute, hour or day"),
        };
        Ok(Rate { limit, period })
    }
}

/// The throttling settings.
#[derive(Debug, Clone)]
pub struct Throttling {
    pub enabled: bool,
    /// `jwt/create/` attempts per client address.
    pub login_per_address: Rate,
    /// Failed `jwt/create/` attempts per username, from any address.
    pub login_per_username: Rate,
    /// Requests that send e-mail (register, resend_activation, reset_password, reset_username)
    /// per client address.
    pub email_per_address: Rate,
    /// The same requests per target e-mail address.
    pub email_per_recipient: Rate,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
}

/// What a counter counts.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    LoginAddress,
    LoginUsername,
    EmailAddress,
    EmailRecipient,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::LoginAddress => "login-address",
            Scope::LoginUsername => "login-username",
            Scope::EmailAddress => "email-address",
            Scope::EmailRecipient => "email-recipient",
        }
    }

    fn rate(self, throttling: &Throttling) -> Rate {
        match self {
            Scope::LoginAddress => throttling.login_per_address,
            Scope::LoginUsername => throttling.login_per_username,
            Scope::EmailAddress => throttling.email_per_address,
            Scope::EmailRecipient => throttling.email_per_recipient,
        }
    }
}

/// Usernames and e-mail addresses are counted without regard to case, so that changing the
/// case does not buy more attempts.
fn key(scope: Scope, subject: &str) -> String {
    format!("{}:{}", scope.name(), subject.to_lowercase())
}

/// Counts a request against `subject`'s limit; refuses it when the limit is passed.
pub async fn hit(state: &AppState, scope: Scope, subject: &str) -> Result<(), ApiError> {
    let throttling = &state.settings.throttling;
    if !throttling.enabled {
        return Ok(());
    }
    let rate = scope.rate(throttling);
    let now = clock::now_seconds();
    let window = state.store.throttle_hit(&key(scope, subject), now, rate.period).await?;
    if window.hits > rate.limit {
        return Err(ApiError::Throttled((window.start + rate.period - now).max(1)));
    }
    Ok(())
}

/// Counts a request against `subject`'s limit without refusing it (a failed login is counted
/// after the fact).
pub async fn count(state: &AppState, scope: Scope, subject: &str) -> Result<(), ApiError> {
    match hit(state, scope, subject).await {
        Ok(()) | Err(ApiError::Throttled(_)) => Ok(()),
        Err(other) => Err(other),
    }
}

/// Counts a request against its client address's limit; refuses it when the limit is passed.
pub async fn per_address(state: &AppState, request: &HttpRequest, scope: Scope) -> Result<(), ApiError> {
    if !state.settings.throttling.enabled {
        return Ok(());
    }
    hit(state, scope, &client_address(request, &state.settings.throttling.trusted_proxies)).await
}

/// Refuses a request when `subject` has already used its limit, without counting it.
pub async fn check(state: &AppState, scope: Scope, subject: &str) -> Result<(), ApiError> {
    let throttling = &state.settings.throttling;
    if !throttling.enabled {
        return Ok(());
    }
    let rate = scope.rate(throttling);
    let now = clock::now_seconds();
    match state.store.throttle_window(&key(scope, subject), now, rate.period).await? {
        Some(window) if window.hits >= rate.limit => {
            Err(ApiError::Throttled((window.start + rate.period - now).max(1)))
        }
        _ => Ok(()),
    }
}

/// The client's address: the socket's peer, or, when the peer is a trusted proxy, the nearest
/// address in `X-Forwarded-For` that is not one of the trusted proxies.
pub fn client_address(request: &HttpRequest, trusted: &[IpAddr]) -> String {
    let Some(peer) = request.peer_addr().map(|addr| addr.ip()) else { return "unknown".to_owned() };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let forwarded: Vec<IpAddr> = request
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|item| item.trim().parse().ok())
        .collect();
    forwarded.iter().rev().find(|address| !trusted.contains(address)).or(forwarded.first()).unwrap_or(&peer).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_read_in_drfs_notation() {
        assert_eq!(Rate::parse("10/minute").unwrap(), Rate { limit: 10, period: 60 });
        assert_eq!(Rate::parse("5/h").unwrap(), Rate { limit: 5, period: 3600 });
        assert_eq!(Rate::parse(" 100/day ").unwrap(), Rate { limit: 100, period: 86400 });
        assert_eq!(Rate::parse("2/sec").unwrap(), Rate { limit: 2, period: 1 });
        for bad in ["10", "0/minute", "ten/minute", "10/week", "10/"] {
            assert!(Rate::parse(bad).is_err(), "{bad}");
        }
    }
}
