//! Second factors: adding an authenticator app (its key shown once, active after a correct
//! code), recovery codes (ten, issued with the first factor), and the second step of a
//! sign-in. An account with an active factor (an app or a passkey: `flows/passkeys.rs`) gets,
//! for a correct password, a short-lived single-use `mfa_token` instead of tokens; `jwt/mfa/`
//! exchanges it, with a code, a recovery code or a passkey, for the usual sign-in answer.
//! Wrong codes count against the account like wrong passwords. Accounts without a factor
//! never see any of this.

use serde::Serialize;

use crate::auth::random;
use crate::auth::recovery_codes;
use crate::auth::reset_tokens::digest;
use crate::auth::totp::Authenticator;
use crate::clock;
use crate::domain::audit::{Actor, Event, Kind};
use crate::domain::user::User;
use crate::email::EmailKind;
use crate::error::ApiError;
use crate::flows::passkeys::{self, Assertion, Purpose};
use crate::flows::second_step;
pub use crate::flows::second_step::{SecondStep, METHODS, RECOVERY_CODE, TOTP};
use crate::flows::sessions::{self, Client};
use crate::flows::sign_in::SignedIn;
use crate::flows::staff::{self, Action};
use crate::flows::{confirmation, password_matches};
use crate::messages;
use crate::state::AppState;
use crate::store::mfa::{FactorRow, NewFactor};
use crate::throttle::Scope;

/// The fields of `users/me/mfa/totp/confirm/`.
pub const CONFIRM: &[&str] = &["id", "code"];
/// The fields of `jwt/mfa/`: the token and one of a code, a recovery code or a passkey.
pub const FINISH: &[&str] = &["mfa_token", "code", "recovery_code", "passkey"];
/// The fields of renaming a factor.
pub const RENAME: &[&str] = &["name"];

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
    /// The URI's QR code: an SVG image as a `data:` URI.
    pub qr_code: String,
}

/// `users/me/mfa/totp/`: a new authenticator-app key for `user`, active once confirmed.
/// The longest name of a factor.
pub const NAME_MAX: usize = messages::FACTOR_NAME_MAX;

pub async fn enrol_totp(state: &AppState, user: &User) -> Result<Enrolment, ApiError> {
    let id = random::uuid4_hex();
    let secret = Authenticator::new_secret();
    let authenticator = Authenticator::new(secret.clone(), &state.settings.site_name, &user.username)?;
    let sealed = state.factor_keys.sealer.seal(&secret, &context(user.id, &id))?;
    let now = clock::now_seconds();
    let factor =
        NewFactor { id: &id, user_id: user.id, kind: TOTP, name: "Authenticator app", secret: Some(&sealed), now };
    state.store.enrol_factor(factor).await?;
    Ok(Enrolment { id, uri: authenticator.uri(), key: authenticator.key(), qr_code: authenticator.qr_code()? })
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
    factor_added(state, user, first, TOTP).await
}

/// `users/me/mfa/passkeys/confirm/`: the authenticator's answer makes the passkey active, named
/// `name`. With the account's first factor come ten recovery codes.
pub async fn confirm_passkey(
    state: &AppState,
    user: &User,
    answer: Assertion,
    name: Option<String>,
) -> Result<Confirmed, ApiError> {
    let first = passkeys::register(state, user, answer, name).await?;
    factor_added(state, user, first, passkeys::PASSKEY).await
}

/// After a factor is added: the recovery codes when it is the account's first, and the notice.
async fn factor_added(state: &AppState, user: &User, first: bool, factor: &str) -> Result<Confirmed, ApiError> {
    let recovery_codes = match first {
        true => Some(new_recovery_codes(state, user.id).await?),
        false => None,
    };
    let event = Event::of(Kind::SecondFactorAdded, user).detail(factor);
    notify(state, EmailKind::SecondFactorAdded, user, event).await?;
    Ok(Confirmed { recovery_codes })
}

/// The fields of removing a factor and of replacing the recovery codes: one of them.
pub const REAUTHENTICATE: &[&str] = &["current_password", "code", "passkey"];

/// How a signed-in person confirms a change to their second factors: the current password,
/// or a fresh second factor.
pub enum Reauthentication {
    Password(String),
    Code(String),
    Passkey(Assertion),
}

impl Reauthentication {
    /// A code or a passkey when given (one of them), else the password (required).
    pub fn of(
        current_password: Option<String>,
        code: Option<String>,
        passkey: Option<Assertion>,
    ) -> Result<Self, ApiError> {
        match (current_password, code, passkey) {
            (None, Some(code), None) => Ok(Self::Code(code)),
            (None, None, Some(passkey)) => Ok(Self::Passkey(passkey)),
            (Some(password), None, None) => Ok(Self::Password(password)),
            (None, None, None) => Err(ApiError::field("current_password", messages::REQUIRED)),
            _ => Err(ApiError::non_field(messages::MFA_CONFIRM_ONE)),
        }
    }
}

/// Checks the requester's confirmation: the password as `set_password` checks it (and counts
/// it), a code of one of their authenticator apps (counted the same way), or a passkey.
async fn reauthenticate(state: &AppState, user: &User, proof: Reauthentication) -> Result<(), ApiError> {
    match proof {
        Reauthentication::Password(password) => match password_matches(state, user, password).await? {
            true => Ok(()),
            false => Err(ApiError::field("current_password", messages::INVALID_PASSWORD)),
        },
        Reauthentication::Code(code) => {
            let attempt = state.throttle.attempt(Scope::LoginUsername, &user.username).await?;
            if !accept_any_code(state, user, &code).await? {
                return Err(ApiError::field("code", messages::MFA_CODE_INVALID));
            }
            state.throttle.refund(attempt).await?;
            Ok(())
        }
        Reauthentication::Passkey(answer) => {
            passkeys::verify(state, &answer, Purpose::Reauthenticate, Some(user.id)).await.map(|_| ())
        }
    }
}

/// Tells the account about a change to its second factors, and records it (`event`).
pub(crate) async fn notify(state: &AppState, kind: EmailKind, user: &User, event: Event) -> Result<(), ApiError> {
    let emails = confirmation(state, kind, user);
    state.store.enqueue_emails(&emails, &[event]).await?;
    if !emails.is_empty() {
        state.emails.wake();
    }
    Ok(())
}

/// `DELETE users/me/mfa/{id}/`: removes a factor, confirmed by the current password or a
/// fresh second factor; with the last one, the recovery codes go too. Any other id is "Not
/// found.".
pub async fn remove(state: &AppState, user: &User, id: &str, proof: Reauthentication) -> Result<(), ApiError> {
    reauthenticate(state, user, proof).await?;
    let factor = state.store.find_factor(user.id, id).await?.ok_or_else(ApiError::not_found)?;
    if !state.store.remove_factor(user.id, id).await? {
        return Err(ApiError::not_found());
    }
    tracing::info!(user_id = user.id, "second factor removed");
    let event = Event::of(Kind::SecondFactorRemoved, user).detail(factor.kind);
    notify(state, EmailKind::SecondFactorRemoved, user, event).await
}

/// `DELETE users/{id}/mfa/`: staff clear a locked-out user's second factors (and recovery
/// codes); the user is told. Anyone else is refused, and so is a staff member who is not a
/// superuser on a staff account ([`staff::check_may`]); an unknown user is "Not found.".
pub async fn reset(state: &AppState, staff: &User, user_id: &str) -> Result<(), ApiError> {
    if !staff.is_staff {
        return Err(ApiError::permission_denied());
    }
    let user = match crate::pycompat::parse_int(user_id) {
        Some(id) => state.store.find_user(id).await?,
        None => None,
    };
    let Some(user) = user else { return Err(ApiError::not_found()) };
    staff::check_may(staff, &user, Action::ClearSecondFactors)?;
    clear(state, &user, Actor::staff(staff)).await
}

/// Clears `user`'s second factors and recovery codes for `actor`, and tells the user.
pub async fn clear(state: &AppState, user: &User, actor: Actor) -> Result<(), ApiError> {
    let cleared = state.store.clear_factors(user.id).await?;
    tracing::info!(user_id = user.id, by = actor.name(), cleared, "second factors cleared");
    let event = Event::of(Kind::SecondFactorsCleared, user).by(actor);
    if cleared > 0 {
        notify(state, EmailKind::SecondFactorRemoved, user, event).await?;
    } else {
        state.store.record_events(&[event]).await?;
    }
    Ok(())
}

/// The new recovery codes, shown once.
#[derive(Debug, Serialize)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// `POST users/me/mfa/recovery_codes/`: ten new codes in place of the old ones, confirmed by
/// the current password or a fresh second factor, for an account with a second factor.
pub async fn replace_recovery_codes(
    state: &AppState,
    user: &User,
    proof: Reauthentication,
) -> Result<RecoveryCodes, ApiError> {
    reauthenticate(state, user, proof).await?;
    if !state.store.has_factor(user.id).await? {
        return Err(ApiError::non_field(messages::MFA_NO_FACTOR));
    }
    let recovery_codes = new_recovery_codes(state, user.id).await?;
    tracing::info!(user_id = user.id, "recovery codes replaced");
    let event = Event::of(Kind::SecondFactorAdded, user).detail("recovery_codes");
    notify(state, EmailKind::RecoveryCodesReplaced, user, event).await?;
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

/// Whether `code` is a good code of one of the user's authenticator apps (which then takes it).
async fn accept_any_code(state: &AppState, user: &User, code: &str) -> Result<bool, ApiError> {
    for factor in state.store.factors(user.id).await?.iter().filter(|factor| factor.kind == TOTP) {
        if accept_code(state, user, factor, code).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `PATCH users/me/mfa/{id}/`: a new name for one of the user's factors.
pub async fn rename(state: &AppState, user: &User, id: &str, name: &str) -> Result<FactorView, ApiError> {
    if !state.store.rename_factor(user.id, id, name).await? {
        return Err(ApiError::not_found());
    }
    let row = state.store.find_factor(user.id, id).await?.ok_or_else(ApiError::not_found)?;
    Ok(view(row))
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

fn view(row: FactorRow) -> FactorView {
    FactorView {
        created: sessions::timestamp(row.created_at * 1_000_000),
        last_used: row.last_used_at.map(|at| sessions::timestamp(at * 1_000_000)),
        id: row.id,
        kind: row.kind,
        name: row.name,
    }
}

pub async fn list(state: &AppState, user: &User) -> Result<Factors, ApiError> {
    let factors = state.store.factors(user.id).await?.into_iter().map(view).collect();
    Ok(Factors { factors, recovery_codes_left: state.store.recovery_codes_left(user.id).await? })
}

/// The second step's proof.
pub enum Proof {
    Code(String),
    RecoveryCode(String),
    Passkey(Assertion),
}

impl Proof {
    /// Exactly one of a code, a recovery code and a passkey.
    pub fn of(
        code: Option<String>,
        recovery_code: Option<String>,
        passkey: Option<Assertion>,
    ) -> Result<Self, ApiError> {
        match (code, recovery_code, passkey) {
            (Some(code), None, None) => Ok(Self::Code(code)),
            (None, Some(code), None) => Ok(Self::RecoveryCode(code)),
            (None, None, Some(passkey)) => Ok(Self::Passkey(passkey)),
            _ => Err(ApiError::non_field(messages::MFA_ONE_PROOF)),
        }
    }
}

/// Wrong second steps in a row after which the account's owner is told by e-mail: whoever
/// entered them knows the password.
pub const NOTICE_AFTER: i64 = 5;
/// Wrong second steps in a row after which codes and recovery codes are refused until the
/// password is reset (NIST SP 800-63B asks for at most 100): with the per-username limit of
/// failed sign-ins (10 a minute), a guesser gets 20 tries at a six-digit code in all, not
/// 14,400 a day. A passkey, which cannot be guessed, still finishes the sign-in.
pub const LOCKED_AFTER: i64 = 20;

/// The wrong second steps of `user_id` since their last sign-in, password change or reset, or
/// clearing of their factors by staff.
async fn second_steps_failed(state: &AppState, user_id: i64) -> Result<i64, ApiError> {
    let failed = (Kind::SignInFailed.name(), crate::flows::sign_in::FAILED_SECOND_FACTOR);
    let ends_the_streak = [
        Kind::SignedIn.name(),
        Kind::PasswordChanged.name(),
        Kind::PasswordReset.name(),
        Kind::SecondFactorsCleared.name(),
    ];
    Ok(state.store.count_since_latest(user_id, failed, ends_the_streak).await?)
}

/// `jwt/mfa/`: the sign-in `mfa_token` waits for, finished with a code of one of the account's
/// authenticator apps, one of its unused recovery codes, or one of its passkeys.
pub async fn finish(state: &AppState, mfa_token: &str, proof: Proof, client: &Client) -> Result<SignedIn, ApiError> {
    let token_digest = digest(mfa_token);
    let now = clock::now_seconds();
    let refused = || ApiError::field("mfa_token", messages::MFA_TOKEN_INVALID);
    let user_id = second_step::waiting_user(state, mfa_token).await?;
    let Some(user) = state.store.find_user(user_id).await?.filter(|user| user.is_active) else {
        return Err(refused());
    };
    let failed_before = second_steps_failed(state, user.id).await?;
    if failed_before >= LOCKED_AFTER && !matches!(proof, Proof::Passkey(_)) {
        return Err(ApiError::non_field(messages::MFA_LOCKED));
    }
    let attempt = state.throttle.attempt(Scope::LoginUsername, &user.username).await?;
    let checked = async {
        Ok(match &proof {
            Proof::Code(code) => {
                if !accept_any_code(state, &user, code).await? {
                    return Err(ApiError::field("code", messages::MFA_CODE_INVALID));
                }
                sessions::BY_PASSWORD_AND_CODE
            }
            Proof::Passkey(answer) => {
                passkeys::verify(state, answer, Purpose::SecondStep, Some(user.id)).await?;
                sessions::BY_PASSWORD_AND_PASSKEY
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
        })
    }
    .await;
    let method = match checked {
        Ok(method) => method,
        Err(error) => {
            if !matches!(error, ApiError::Unexpected(_)) {
                let event = Event::of(Kind::SignInFailed, &user).detail(crate::flows::sign_in::FAILED_SECOND_FACTOR);
                if failed_before + 1 == NOTICE_AFTER {
                    notify(state, EmailKind::SecondStepsFailed, &user, event).await?;
                } else {
                    state.store.record_events(&[event]).await?;
                }
            }
            return Err(error);
        }
    };
    state.throttle.refund(attempt).await?;
    if !state.store.close_challenge(&token_digest, now).await? {
        return Err(refused());
    }
    crate::flows::sign_in::signed_in(state, user, client, method).await
}
