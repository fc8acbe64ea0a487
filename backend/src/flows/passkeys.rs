//! Passkeys: adding one (its options, then the authenticator's answer), and using one to sign
//! in alone, as the second step of a password sign-in, or to confirm a change to the account's
//! second factors. Each use is a ceremony: its options carry a challenge whose state waits in
//! the database under a single-use `id` for five minutes. A passkey is a second factor like an
//! authenticator app: the first one brings the recovery codes, and a password sign-in then
//! asks for it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use webauthn_rs::prelude::{Passkey, Uuid};

use crate::auth::passkeys::{self, Passkeys, Refusal, CEREMONY_SECONDS};
use crate::auth::random;
use crate::auth::reset_tokens::digest;
use crate::clock;
use crate::domain::user::User;
use crate::error::ApiError;
use crate::flows::second_step;
use crate::flows::sessions::{self, Client};
use crate::flows::sign_in::{self, SignedIn};
use crate::messages;
use crate::state::AppState;
use crate::store::mfa::FactorRow;
use crate::store::passkeys::{NewCeremony, NewPasskey};

/// The kind of factor a passkey is.
pub use crate::flows::second_step::PASSKEY;
/// The fields of `users/me/mfa/passkeys/confirm/`.
pub const CONFIRM: &[&str] = &["id", "credential", "name"];
/// The fields of `jwt/passkey/` and of a `passkey` object elsewhere.
pub const ASSERTION: &[&str] = &["id", "credential"];
/// The refusal of a `field` that does not hold a passkey's answer.
pub fn misshapen(field: &'static str) -> ApiError {
    ApiError::field(field, messages::PASSKEY_ANSWER_SHAPE)
}

/// A passkey's name when its owner gives none.
const DEFAULT_NAME: &str = "Passkey";

/// What a ceremony is for: its options only finish what they were made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Register,
    /// A sign-in by a passkey alone: any discoverable passkey of the site.
    SignIn,
    /// The second step of a password sign-in: one of that account's passkeys.
    SecondStep,
    /// A signed-in person confirming a change to their second factors.
    Reauthenticate,
}

impl Purpose {
    fn name(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::SignIn => "sign_in",
            Self::SecondStep => "second_step",
            Self::Reauthenticate => "reauthenticate",
        }
    }
}

/// A ceremony's options for `navigator.credentials`, and the id that finishes it.
#[derive(Debug, Serialize)]
pub struct Options {
    pub id: String,
    /// `{"publicKey": …}`, as `PublicKeyCredential.parse*OptionsFromJSON` reads it.
    pub options: Value,
}

/// An authenticator's answer to a ceremony: its `id` and the credential
/// (`PublicKeyCredential.toJSON()`).
pub struct Assertion {
    pub id: String,
    pub credential: Value,
}

/// What a registration ceremony keeps besides WebAuthn's state: the account's id on its
/// authenticators, new with its first passkey.
#[derive(Serialize, Deserialize)]
struct Registration {
    user_handle: Uuid,
    webauthn: String,
}

/// The relying party, or the answer that there are no passkeys on this frontend.
fn relying_party(state: &AppState) -> Result<&Passkeys, ApiError> {
    state.passkeys.as_ref().ok_or_else(|| ApiError::non_field(messages::PASSKEYS_UNAVAILABLE))
}

/// Records a ceremony's state and answers its options.
async fn open(
    state: &AppState,
    user_id: Option<i64>,
    purpose: Purpose,
    options: Value,
    ceremony_state: String,
) -> Result<Options, ApiError> {
    let id = random::alphanumeric(43);
    let expires_at = clock::now_seconds() + CEREMONY_SECONDS as i64;
    let ceremony =
        NewCeremony { digest: &digest(&id), user_id, purpose: purpose.name(), state: &ceremony_state, expires_at };
    state.store.open_ceremony(ceremony).await?;
    Ok(Options { id, options })
}

/// Takes the ceremony `id` names, if it was made for `purpose` (and `user_id`).
async fn take(state: &AppState, id: &str, purpose: Purpose, user_id: Option<i64>) -> Result<String, ApiError> {
    let refused = || ApiError::field("id", messages::PASSKEY_CEREMONY_INVALID);
    let ceremony = state.store.take_ceremony(&digest(id), clock::now_seconds()).await?.ok_or_else(refused)?;
    if ceremony.purpose != purpose.name() || (user_id.is_some() && ceremony.user_id != user_id) {
        return Err(refused());
    }
    Ok(ceremony.state)
}

/// The passkey a factor row holds.
fn passkey_of(row: &FactorRow) -> Option<Passkey> {
    let key = row.secret.as_deref()?;
    match serde_json::from_str(key) {
        Ok(passkey) => Some(passkey),
        Err(error) => {
            tracing::error!(factor = row.id, error = %error, "a stored passkey does not read");
            None
        }
    }
}

/// The account's passkeys, with their rows.
async fn passkeys_of(state: &AppState, user_id: i64) -> Result<Vec<(FactorRow, Passkey)>, ApiError> {
    let rows = state.store.factors(user_id).await?;
    Ok(rows
        .into_iter()
        .filter(|row| row.kind == PASSKEY)
        .filter_map(|row| passkey_of(&row).map(|key| (row, key)))
        .collect())
}

fn not_verified(refusal: Refusal) -> ApiError {
    tracing::info!(reason = %refusal, "a passkey was refused");
    ApiError::field("credential", messages::PASSKEY_NOT_VERIFIED)
}

/// `users/me/mfa/passkeys/`: the options of a new passkey for `user`.
pub async fn begin_registration(state: &AppState, user: &User) -> Result<Options, ApiError> {
    let relying_party = relying_party(state)?;
    let user_handle = match state.store.passkey_user_handle(user.id).await? {
        Some(handle) => Uuid::parse_str(&handle).map_err(|e| anyhow::anyhow!("a stored passkey id: {e}"))?,
        None => Uuid::new_v4(),
    };
    let existing: Vec<Passkey> = passkeys_of(state, user.id).await?.into_iter().map(|(_, key)| key).collect();
    let full_name = format!("{} {}", user.first_name, user.last_name);
    let display_name = match full_name.trim() {
        "" => user.username.as_str(),
        name => name,
    };
    let (options, webauthn) = relying_party.start_registration(user_handle, &user.username, display_name, &existing)?;
    let kept = serde_json::to_string(&Registration { user_handle, webauthn }).map_err(anyhow::Error::from)?;
    open(state, Some(user.id), Purpose::Register, options, kept).await
}

/// The authenticator's answer to a registration makes the passkey active, named `name`
/// (`flows::mfa::confirm_passkey`, which adds what comes with a factor). Whether it is the
/// account's first factor.
pub async fn register(
    state: &AppState,
    user: &User,
    answer: Assertion,
    name: Option<String>,
) -> Result<bool, ApiError> {
    let relying_party = relying_party(state)?;
    let kept = take(state, &answer.id, Purpose::Register, Some(user.id)).await?;
    let kept: Registration = serde_json::from_str(&kept).map_err(anyhow::Error::from)?;
    let passkey = relying_party.finish_registration(&answer.credential, &kept.webauthn).map_err(not_verified)?;
    let first = !state.store.has_factor(user.id).await?;
    let key = serde_json::to_string(&passkey).map_err(anyhow::Error::from)?;
    let id = random::uuid4_hex();
    let name = name.filter(|name| !name.is_empty()).unwrap_or_else(|| DEFAULT_NAME.to_owned());
    let added = NewPasskey {
        id: &id,
        user_id: user.id,
        kind: PASSKEY,
        name: &name,
        key: &key,
        credential_id: &passkeys::credential_id_text(&passkey),
        user_handle: &kept.user_handle.to_string(),
        now: clock::now_seconds(),
    };
    if !state.store.add_passkey(added).await? {
        return Err(ApiError::field("credential", messages::PASSKEY_ALREADY_REGISTERED));
    }
    tracing::info!(user_id = user.id, "passkey added");
    Ok(first)
}

/// `jwt/passkey/options/`: the options of a sign-in by a passkey alone, or, with the
/// `mfa_token` of a password sign-in, of its second step by one of that account's passkeys.
pub async fn begin_sign_in(state: &AppState, mfa_token: Option<&str>) -> Result<Options, ApiError> {
    let relying_party = relying_party(state)?;
    let Some(mfa_token) = mfa_token else {
        let (options, webauthn) = relying_party.start_discoverable()?;
        return open(state, None, Purpose::SignIn, options, webauthn).await;
    };
    let user_id = second_step::waiting_user(state, mfa_token).await?;
    begin_assertion(state, relying_party, user_id, Purpose::SecondStep).await
}

/// `users/me/mfa/passkeys/assertion/`: the options of confirming a change with one of the
/// signed-in person's passkeys.
pub async fn begin_reauthentication(state: &AppState, user: &User) -> Result<Options, ApiError> {
    begin_assertion(state, relying_party(state)?, user.id, Purpose::Reauthenticate).await
}

async fn begin_assertion(
    state: &AppState,
    relying_party: &Passkeys,
    user_id: i64,
    purpose: Purpose,
) -> Result<Options, ApiError> {
    let keys: Vec<Passkey> = passkeys_of(state, user_id).await?.into_iter().map(|(_, key)| key).collect();
    if keys.is_empty() {
        return Err(ApiError::non_field(messages::PASSKEY_NONE));
    }
    let (options, webauthn) = relying_party.start_assertion(&keys)?;
    open(state, Some(user_id), purpose, options, webauthn).await
}

/// Checks an assertion made for `purpose` (by `user_id`'s passkeys, or any passkey for a
/// sign-in alone), records the passkey's use, and names its account.
pub async fn verify(
    state: &AppState,
    answer: &Assertion,
    purpose: Purpose,
    user_id: Option<i64>,
) -> Result<i64, ApiError> {
    let relying_party = relying_party(state)?;
    let kept = take(state, &answer.id, purpose, user_id).await?;
    let (credential_id, user_handle) = Passkeys::claimed(&answer.credential).map_err(not_verified)?;
    let Some((owner, row)) = state.store.find_passkey(&credential_id).await? else {
        return Err(ApiError::field("credential", messages::PASSKEY_UNKNOWN));
    };
    let handle_matches = user_handle.is_none_or(|handle| row.user_handle.as_deref() == Some(&handle.to_string()));
    let Some(mut passkey) = passkey_of(&row).filter(|_| handle_matches && user_id.is_none_or(|id| id == owner)) else {
        return Err(ApiError::field("credential", messages::PASSKEY_UNKNOWN));
    };
    let asserted = relying_party
        .finish_assertion(&answer.credential, &kept, purpose == Purpose::SignIn, &passkey)
        .map_err(not_verified)?;
    passkey.update_credential(&asserted.result);
    let key = serde_json::to_string(&passkey).map_err(anyhow::Error::from)?;
    state.store.passkey_used(&row.id, &key, clock::now_seconds()).await?;
    Ok(owner)
}

/// `jwt/passkey/`: a sign-in by a passkey alone, answered like `jwt/create/`.
pub async fn sign_in(state: &AppState, answer: Assertion, client: &Client) -> Result<SignedIn, ApiError> {
    let user_id = verify(state, &answer, Purpose::SignIn, None).await?;
    let Some(user) = state.store.find_user(user_id).await?.filter(|user| user.is_active) else {
        return Err(ApiError::no_active_account());
    };
    sign_in::signed_in(state, user, client, sessions::BY_PASSKEY).await
}
