//! Second factors: adding an authenticator app (its key shown once, active after a correct
//! code), recovery codes (ten, issued with the first factor), and the second step of a
//! sign-in. An account with an active factor gets, for a correct password, a short-lived
//! single-use `mfa_token` instead of tokens; `jwt/mfa/` exchanges it, with a code or a
//! recovery code, for the usual sign-in answer. Wrong codes count against the account like
//! wrong passwords. Accounts without a factor never see any of this.

use serde::Serialize;

use crate::auth::random;
use crate::auth::recovery_codes;
use crate::auth::reset_tokens::digest;
use crate::auth::totp::Authenticator;
use crate::clock;
use crate::domain::user::User;
use crate::email::EmailKind;
use crate::error::ApiError;
use crate::flows::sessions::{self, Client};
use crate::flows::sign_in::SignedIn;
pub use crate::flows::sign_in::{SecondStep, METHODS};
use crate::flows::{confirmation, password_matches};
use crate::messages;
use crate::state::AppState;
use crate::store::mfa::{FactorRow, NewFactor};
use crate::throttle::Scope;

/// An authenticator app (RFC 6238 codes).
pub const TOTP: &str = "totp";
/// The fields of `users/me/mfa/totp/confirm/`.
pub const CONFIRM: &[&str] = &["id", "code"];
/// The fields of `jwt/mfa/`: the token and one of a code or a recovery code.
pub const FINISH: &[&str] = &["mfa_token", "code", "recovery_code"];

/// What the sealed key of a factor is bound to.
fn context(user_id: i64, factor_id: &str) -> String {
    format!("user:{user_id}:factor:{factor_id}")
}

/// An authenticator app being added: the key, shown once.
#[derive(Debug, Serialize)]
pub struct Enrolment {
    pub id: String,
    /// `otpauth://totp/…`, for a QR code.
    pub uri: String,
    /// The key in base32, for typing it in.
    pub key: String,
}

/// `users/me/mfa/totp/`: a new authenticator-app key for `user`, active once confirmed.
pub async fn enrol_totp(state: &AppState, user: &User) -> Result<Enrolment, ApiError> {
    let id = random::uuid4_hex();
    let secret = Authenticator::new_secret();
    let authenticator = Authenticator::new(secret.clone(), &state.settings.site_name, &user.username)?;
    let sealed = state.factor_keys.sealer.seal(&secret, &context(user.id, &id))?;
    let now = clock::now_seconds();
    let factor =
        NewFactor { id: &id, user_id: user.id, kind: TOTP, name: "Authenticator app", secret: Some(&sealed), now };
    state.store.enrol_factor(factor).await?;
    Ok(Enrolment { id, uri: authenticator.uri(), key: authenticator.key() })
}

/// The recovery codes issued with the first factor, shown once.
#[derive(Debug, Serialize)]
pub struct Confirmed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_codes: Option<Vec<String>>,
}

/// `users/me/mfa/totp/confirm/`: the app's first code makes its key active. With the first
/// factor of the account come ten recovery codes.
pub async fn confirm_totp(state: &AppState, user: &User, id: &str, code: &str) -> Result<Confirmed, ApiError> {
    let factor = state.store.find_factor(user.id, id).await?;
    let Some(factor) = factor.filter(|factor| factor.kind == TOTP && factor.confirmed_at.is_none()) else {
        return Err(ApiError::field("id", messages::MFA_NOT_ENROLLING));
    };
    let first = !state.store.has_factor(user.id).await?;
    if !accept_code(state, user, &factor, code).await? {
        return Err(ApiError::field("code", messages::MFA_CODE_INVALID));
    }
    tracing::info!(user_id = user.id, "authenticator app added");
    let recovery_codes = match first {
        true => Some(new_recovery_codes(state, user.id).await?),
        false => None,
    };
    notify(state, EmailKind::SecondFactorAdded, user).await?;
    Ok(Confirmed { recovery_codes })
}

/// The fields of removing a factor and of replacing the recovery codes.
pub const REAUTHENTICATE: &[&str] = &["current_password"];

/// The requester's password, checked (and counted) as `set_password` checks it.
async fn reauthenticate(state: &AppState, user: &User, current_password: String) -> Result<(), ApiError> {
    match password_matches(state, user, current_password).await? {
        true => Ok(()),
        false => Err(ApiError::field("current_password", messages::INVALID_PASSWORD)),
    }
}

/// Tells the account about a change to its second factors.
async fn notify(state: &AppState, kind: EmailKind, user: &User) -> Result<(), ApiError> {
    let emails = confirmation(state, kind, user);
    if !emails.is_empty() {
        state.store.enqueue_emails(&emails).await?;
        state.emails.wake();
    }
    Ok(())
}

/// `DELETE users/me/mfa/{id}/`: removes a factor, confirmed by the current password; with the
/// last one, the recovery codes go too. Any other id is "Not found.".
pub async fn remove(state: &AppState, user: &User, id: &str, current_password: String) -> Result<(), ApiError> {
    reauthenticate(state, user, current_password).await?;
    if !state.store.remove_factor(user.id, id).await? {
        return Err(ApiError::not_found());
    }
    tracing::info!(user_id = user.id, "second factor removed");
    notify(state, EmailKind::SecondFactorRemoved, user).await
}

/// `DELETE users/{id}/mfa/`: staff clear a locked-out user's second factors (and recovery
/// codes); the user is told. Anyone else is refused; an unknown user is "Not found.".
pub async fn reset(state: &AppState, staff: &User, user_id: &str) -> Result<(), ApiError> {
    if !staff.is_staff {
        return Err(ApiError::permission_denied());
    }
    let user = match crate::pycompat::parse_int(user_id) {
        Some(id) => state.store.find_user(id).await?,
        None => None,
    };
    let Some(user) = user else { return Err(ApiError::not_found()) };
    let cleared = state.store.clear_factors(user.id).await?;
    tracing::info!(user_id = user.id, by = staff.id, cleared, "second factors cleared by staff");
    if cleared > 0 {
        notify(state, EmailKind::SecondFactorRemoved, &user).await?;
    }
    Ok(())
}

/// The new recovery codes, shown once.
#[derive(Debug, Serialize)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// `POST users/me/mfa/recovery_codes/`: ten new codes in place of the old ones, confirmed by
/// the current password, for an account with a second factor.
pub async fn replace_recovery_codes(
    state: &AppState,
    user: &User,
    current_password: String,
) -> Result<RecoveryCodes, ApiError> {
    reauthenticate(state, user, current_password).await?;
    if !state.store.has_factor(user.id).await? {
        return Err(ApiError::non_field(messages::MFA_NO_FACTOR));
    }
    let recovery_codes = new_recovery_codes(state, user.id).await?;
    tracing::info!(user_id = user.id, "recovery codes replaced");
    notify(state, EmailKind::RecoveryCodesReplaced, user).await?;
    Ok(RecoveryCodes { recovery_codes })
}

/// Checks `code` against an authenticator app's key and records its time step, so it is good
/// once.
async fn accept_code(state: &AppState, user: &User, factor: &FactorRow, code: &str) -> Result<bool, ApiError> {
    let Some(sealed) = &factor.secret else { return Ok(false) };
    let Some(secret) = state.factor_keys.sealer.open(sealed, &context(user.id, &factor.id)) else {
        tracing::error!(user_id = user.id, factor = factor.id, "an authenticator key does not open");
        return Ok(false);
    };
    let authenticator = Authenticator::new(secret, &state.settings.site_name, &user.username)?;
    let now = clock::now_seconds();
    let last_used = factor.last_step.and_then(|step| u64::try_from(step).ok());
    let Some(step) = authenticator.accept(code, u64::try_from(now).unwrap_or_default(), last_used) else {
        return Ok(false);
    };
    Ok(state.store.use_factor_step(&factor.id, i64::try_from(step).unwrap_or(i64::MAX), now).await?)
}

/// A new set of recovery codes, replacing any earlier one.
async fn new_recovery_codes(state: &AppState, user_id: i64) -> Result<Vec<String>, ApiError> {
    let codes = recovery_codes::new_set();
    let digests: Vec<String> = codes.iter().filter_map(|code| state.factor_keys.codes.digest(code)).collect();
    state.store.replace_recovery_codes(user_id, &digests).await?;
    Ok(codes)
}

/// A factor as its owner sees it.
#[derive(Debug, Serialize)]
pub struct FactorView {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub created: String,
    pub last_used: Option<String>,
}

/// `users/me/mfa/`: the active factors and how many recovery codes are left.
#[derive(Debug, Serialize)]
pub struct Factors {
    pub factors: Vec<FactorView>,
    pub recovery_codes_left: i64,
}

pub async fn list(state: &AppState, user: &User) -> Result<Factors, ApiError> {
    let rows = state.store.factors(user.id).await?;
    let factors = rows
        .into_iter()
        .map(|row| FactorView {
            created: sessions::timestamp(row.created_at * 1_000_000),
            last_used: row.last_used_at.map(|at| sessions::timestamp(at * 1_000_000)),
            id: row.id,
            kind: row.kind,
            name: row.name,
        })
        .collect();
    Ok(Factors { factors, recovery_codes_left: state.store.recovery_codes_left(user.id).await? })
}

/// The second step's proof.
pub enum Proof {
    Code(String),
    RecoveryCode(String),
}

impl Proof {
    /// Exactly one of a code and a recovery code.
    pub fn of(code: Option<String>, recovery_code: Option<String>) -> Result<Self, ApiError> {
        match (code, recovery_code) {
            (Some(code), None) => Ok(Self::Code(code)),
            (None, Some(code)) => Ok(Self::RecoveryCode(code)),
            _ => Err(ApiError::non_field(messages::MFA_ONE_PROOF)),
        }
    }
}

/// `jwt/mfa/`: the sign-in `mfa_token` waits for, finished with a code of one of the account's
/// authenticator apps or one of its unused recovery codes.
pub async fn finish(state: &AppState, mfa_token: &str, proof: Proof, client: &Client) -> Result<SignedIn, ApiError> {
    let token_digest = digest(mfa_token);
    let now = clock::now_seconds();
    let refused = || ApiError::field("mfa_token", messages::MFA_TOKEN_INVALID);
    let Some(user_id) = state.store.challenge_user(&token_digest, now).await? else { return Err(refused()) };
    let Some(user) = state.store.find_user(user_id).await?.filter(|user| user.is_active) else {
        return Err(refused());
    };
    let attempt = state.throttle.attempt(Scope::LoginUsername, &user.username).await?;
    let method = match &proof {
        Proof::Code(code) => {
            let mut accepted = false;
            for factor in state.store.factors(user.id).await?.iter().filter(|factor| factor.kind == TOTP) {
                if accept_code(state, &user, factor, code).await? {
                    accepted = true;
                    break;
                }
            }
            if !accepted {
                return Err(ApiError::field("code", messages::MFA_CODE_INVALID));
            }
            sessions::BY_PASSWORD_AND_CODE
        }
        Proof::RecoveryCode(code) => {
            let used = match state.factor_keys.codes.digest(code) {
                Some(code_digest) => state.store.use_recovery_code(user.id, &code_digest, now).await?,
                None => false,
            };
            if !used {
                return Err(ApiError::field("recovery_code", messages::MFA_RECOVERY_CODE_INVALID));
            }
            sessions::BY_PASSWORD_AND_RECOVERY_CODE
        }
    };
    state.throttle.refund(attempt).await?;
    if !state.store.close_challenge(&token_digest, now).await? {
        return Err(refused());
    }
    crate::flows::sign_in::signed_in(state, user, client, method).await
}
