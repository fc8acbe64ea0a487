//! The second step of a sign-in, for an account with a second factor: the methods it offers
//! and the `mfa_token` that waits for it (five minutes, one use), whichever first step (a
//! password, an identity provider) came before. `flows::mfa` finishes it.

use serde::Serialize;

use crate::auth::random;
use crate::auth::reset_tokens::digest;
use crate::clock;
use crate::error::ApiError;
use crate::messages;
use crate::state::AppState;

/// An authenticator app (RFC 6238 codes).
pub const TOTP: &str = "totp";
/// A passkey (WebAuthn).
pub const PASSKEY: &str = "passkey";
/// Recovery codes, as the second step's methods name them.
pub const RECOVERY_CODE: &str = "recovery_code";
/// Every method a second step may offer, in the order offered.
pub const METHODS: &[&str] = &[TOTP, PASSKEY, RECOVERY_CODE];

/// How long a sign-in waits for its second factor, in seconds.
pub const CHALLENGE_LIFETIME: i64 = 300;

/// The first step's answer for an account with a second factor.
#[derive(Debug, Serialize)]
pub struct SecondStep {
    pub mfa_required: bool,
    pub mfa_token: String,
    /// What the account's second step accepts: `totp`, `passkey`, `recovery_code`.
    pub methods: Vec<&'static str>,
}

/// A sign-in of `user_id` that waits for its second factor.
pub async fn challenge(state: &AppState, user_id: i64) -> Result<SecondStep, ApiError> {
    let token = random::alphanumeric(43);
    let now = clock::now_seconds();
    state.store.open_challenge(&digest(&token), user_id, now, now + CHALLENGE_LIFETIME).await?;
    let methods = methods(state, user_id).await?;
    Ok(SecondStep { mfa_required: true, mfa_token: token, methods })
}

/// The account a live `mfa_token` waits for.
pub async fn waiting_user(state: &AppState, mfa_token: &str) -> Result<i64, ApiError> {
    let found = state.store.challenge_user(&digest(mfa_token), clock::now_seconds()).await?;
    found.ok_or_else(|| ApiError::field("mfa_token", messages::MFA_TOKEN_INVALID))
}

/// The second step's methods for an account: its kinds of factor, then recovery codes.
pub async fn methods(state: &AppState, user_id: i64) -> Result<Vec<&'static str>, ApiError> {
    let factors = state.store.factors(user_id).await?;
    let offered = |method: &&str| *method == RECOVERY_CODE || factors.iter().any(|factor| factor.kind == *method);
    Ok(METHODS.iter().copied().filter(offered).collect())
}
