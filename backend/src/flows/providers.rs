//! Signing in with an identity provider, on Djoser's social endpoints, without a server-side
//! session: `o/{provider}/` sends the person to the provider with a `state` whose sign-in
//! (nonce, PKCE verifier, redirect URI) waits in the database for ten minutes and one use, so
//! any instance finishes it. The provider's answer signs in the account linked to the person;
//! the first time, it links an existing account only on an e-mail address the provider
//! verified and that one active account holds, and otherwise makes a new active account.
//! Signed-in people link and unlink providers from their profile.

use serde::Serialize;

use crate::auth::password;
use crate::auth::random;
use crate::auth::reset_tokens::digest;
use crate::clock;
use crate::domain::audit::{Event, Kind};
use crate::domain::email;
use crate::domain::user::User;
use crate::domain::username::MAX_LENGTH as USERNAME_MAX;
use crate::error::ApiError;
use crate::flows::second_step::{self, SecondStep};
use crate::flows::sessions::{self, Client};
use crate::flows::sign_in::{self, SignedIn};
use crate::messages;
use crate::providers::{Identity, Provider, ProviderError};
use crate::pycompat::is_word_char;
use crate::state::AppState;
use crate::store::providers::{IdentityRow, ProviderState};
use crate::store::users::{DeleteOutcome, NewUser, WriteError};

/// How long a sign-in sent to a provider waits for its answer, in seconds.
pub const STATE_LIFETIME: i64 = 600;
/// The fields of `POST o/{provider}/`.
pub const FINISH: &[&str] = &["code", "state"];
/// The one field of `POST users/me/providers/{provider}/`.
pub const LINK: &[&str] = &["redirect_uri"];
/// Django's longest first and last names.
const NAME_MAX: usize = 150;

/// A provider as the app lists it.
#[derive(Debug, Serialize)]
pub struct ProviderView<'a> {
    pub name: &'a str,
    pub title: &'a str,
}

/// `GET o/`: the configured providers.
pub fn list(state: &AppState) -> Vec<ProviderView<'_>> {
    state.providers.all().iter().map(|provider| ProviderView { name: &provider.name, title: &provider.title }).collect()
}

#[derive(Debug, Serialize)]
pub struct AuthorizationUrl {
    pub authorization_url: String,
}

/// What a provider's answer did.
pub enum Finished {
    SignedIn(SignedIn),
    /// The account has a second factor: the sign-in waits for it, as after a password.
    SecondStep(SecondStep),
    /// A signed-in person connected the provider to their account.
    Linked(IdentityView),
}

/// An account's link to a provider.
#[derive(Debug, Serialize)]
pub struct IdentityView {
    pub provider: String,
    pub title: String,
    pub email: String,
    pub created: String,
    pub last_used: Option<String>,
}

fn provider<'a>(state: &'a AppState, name: &str) -> Result<&'a Provider, ApiError> {
    state.providers.get(name).ok_or_else(|| ApiError::not_found_because(messages::provider_not_supported(name)))
}

fn failed(error: ProviderError) -> ApiError {
    ApiError::non_field(error.0)
}

/// Refuses a `uri` people may not be sent back to from the provider `name`: as Djoser does (a
/// bare string), or as the error of `field`.
pub fn check_redirect(state: &AppState, name: &str, uri: &str, field: Option<&'static str>) -> Result<(), ApiError> {
    if state.settings.providers.allows_redirect(name, uri) {
        return Ok(());
    }
    Err(match field {
        None => ApiError::BareText(messages::REDIRECT_URI_NOT_ALLOWED),
        Some(field) => ApiError::field(field, messages::REDIRECT_URI_NOT_ALLOWED),
    })
}

/// `GET o/{provider}/?redirect_uri=…` (and, for `linking`, `POST users/me/providers/{provider}/`):
/// the provider's authorization URL, and, for a browser app (`in_browser`, cookie mode), the
/// secret the browser keeps for its return. As in Djoser, the redirect URI is checked before the
/// provider is looked up.
pub async fn begin(
    state: &AppState,
    name: &str,
    redirect_uri: &str,
    linking: Option<&User>,
    in_browser: bool,
) -> Result<Begun, ApiError> {
    let provider = provider(state, name)?;
    let begun = state.providers.begin(provider, redirect_uri).await.map_err(failed)?;
    let waiting = ProviderState {
        provider: provider.name.clone(),
        redirect_uri: redirect_uri.to_owned(),
        nonce: begun.nonce,
        pkce_verifier: begun.pkce_verifier,
        user_id: linking.map(|user| user.id),
    };
    let expires_at = clock::now_seconds() + STATE_LIFETIME;
    let browser_secret = in_browser.then(|| random::alphanumeric(32));
    let key = state_key(&begun.state, browser_secret.as_deref());
    state.store.open_provider_state(&key, &waiting, expires_at).await?;
    Ok(Begun { answer: AuthorizationUrl { authorization_url: begun.authorization_url }, browser_secret })
}

/// A sign-in sent to a provider: the address to send the browser to, and the secret a browser
/// app's browser keeps (`http/provider_cookie.rs`) until it comes back.
pub struct Begun {
    pub answer: AuthorizationUrl,
    pub browser_secret: Option<String>,
}

/// Under what a sign-in waits: for a browser app, the digest of its `state` with the browser's
/// secret, so that only the browser that began it can finish it (a `state` sent on to someone
/// else's browser is not found there); for an API client, as in Djoser without its session,
/// the digest of the `state` alone. Neither is found with the other's key.
fn state_key(returned_state: &str, browser_secret: Option<&str>) -> String {
    match browser_secret {
        Some(secret) => digest(&format!("{returned_state}.{secret}")),
        None => digest(returned_state),
    }
}

/// `POST o/{provider}/` with the `code` and `state` the provider sent the person back with; from
/// a browser app, with the secret of the browser that began it (`Some("")` when it has none).
pub async fn finish(
    state: &AppState,
    name: &str,
    code: Option<String>,
    returned_state: Option<String>,
    browser_secret: Option<&str>,
    client: &Client,
) -> Result<Finished, ApiError> {
    let provider = provider(state, name)?;
    let Some(returned_state) = returned_state.filter(|value| !value.is_empty()) else {
        return Err(ApiError::non_field(messages::STATE_MISSING));
    };
    let now = clock::now_seconds();
    let key = state_key(&returned_state, browser_secret);
    let Some(waiting) = state.store.take_provider_state(&key, now).await? else {
        return Err(ApiError::non_field(messages::STATE_NOT_FOUND));
    };
    if waiting.provider != provider.name {
        return Err(ApiError::non_field(messages::STATE_INVALID));
    }
    let Some(code) = code.filter(|value| !value.is_empty()) else {
        return Err(ApiError::non_field(messages::CODE_MISSING));
    };
    let identity = state
        .providers
        .finish(provider, &code, &waiting.redirect_uri, &waiting.nonce, &waiting.pkce_verifier)
        .await
        .map_err(failed)?;
    if let Some(user_id) = waiting.user_id {
        return Ok(Finished::Linked(link(state, provider, user_id, &identity).await?));
    }
    let user = match state.store.find_identity(&provider.name, &identity.subject).await? {
        Some(user_id) => {
            let user = state.store.find_user(user_id).await?.filter(|user| user.is_active);
            let user = user.ok_or_else(ApiError::no_active_account)?;
            state.store.identity_used(&provider.name, &identity.subject, &address(&identity), now).await?;
            user
        }
        None => account_for(state, provider, &identity).await?,
    };
    if state.store.has_factor(user.id).await? {
        return Ok(Finished::SecondStep(second_step::challenge(state, user.id).await?));
    }
    let method = format!("{}{}", sessions::BY_PROVIDER_PREFIX, provider.name);
    Ok(Finished::SignedIn(sign_in::signed_in(state, user, client, &method).await?))
}

/// The provider's e-mail address, normalised as Django does.
fn address(identity: &Identity) -> String {
    identity.email.as_deref().map(email::normalize).unwrap_or_default()
}

/// The account of a person the provider names for the first time: the one account holding the
/// address the provider verified, or a new one. An address the provider did not verify could be
/// anyone's: it is not looked up (whether an account holds it would be told to whoever claimed
/// it), and a new account does not get it (a later verified sign-in of the address's owner would
/// otherwise be linked into the account of whoever claimed it first).
async fn account_for(state: &AppState, provider: &Provider, identity: &Identity) -> Result<User, ApiError> {
    let email = address(identity);
    let now = clock::now_seconds();
    if identity.email_verified && !email.is_empty() {
        let holders = state.store.find_users_by_email(&email).await?;
        match holders.as_slice() {
            [] => {}
            [holder] if holder.is_active => {
                if !state.store.link_identity(&provider.name, &identity.subject, holder.id, &email, now).await? {
                    return Err(ApiError::non_field(messages::provider_linked_elsewhere(&provider.title)));
                }
                state.store.record_events(&[Event::of(Kind::ProviderLinked, holder).detail(&provider.name)]).await?;
                tracing::info!(user_id = holder.id, provider = %provider.name, "identity linked by e-mail");
                return Ok(holder.clone());
            }
            _ => return Err(ApiError::non_field(messages::provider_email_taken(&provider.title))),
        }
    }
    let account_email = if identity.email_verified { email.as_str() } else { "" };
    let user = new_account(state, provider, identity, account_email).await?;
    if !state.store.link_identity(&provider.name, &identity.subject, user.id, &email, now).await? {
        // A second sign-in of the same person made their account first: use that one.
        if state.store.delete_user(user.id, &[]).await? == DeleteOutcome::StillReferredTo {
            return Err(anyhow::anyhow!("an account made a moment ago is referred to by another table").into());
        }
        let linked = state.store.find_identity(&provider.name, &identity.subject).await?;
        let user = match linked {
            Some(user_id) => state.store.find_user(user_id).await?,
            None => None,
        };
        return user.filter(|user| user.is_active).ok_or_else(ApiError::no_active_account);
    }
    tracing::info!(user_id = user.id, provider = %provider.name, "account created through a provider");
    Ok(user)
}

/// A new active account without a usable password, its username made from the provider's.
async fn new_account(
    state: &AppState,
    provider: &Provider,
    identity: &Identity,
    email: &str,
) -> Result<User, ApiError> {
    let base = username_base(identity);
    let unusable = password::unusable();
    let first_name = cut(&identity.first_name, NAME_MAX);
    let last_name = cut(&identity.last_name, NAME_MAX);
    for attempt in 0..20 {
        let username = match attempt {
            0 => base.clone(),
            _ => format!("{}{}", cut(&base, USERNAME_MAX - 6), random::digits(if attempt < 10 { 4 } else { 6 })),
        };
        let new = NewUser {
            username: &username,
            email,
            first_name: &first_name,
            last_name: &last_name,
            password_hash: &unusable,
            is_active: true,
            is_staff: false,
            is_superuser: false,
            date_joined: clock::now_micros(),
        };
        let registered = |user: &User| {
            let event = Event::of(Kind::Registered, user).detail(format!("provider:{}", provider.name));
            (None, vec![event])
        };
        match state.store.insert_user(&new, registered).await {
            Ok(user) => return Ok(user),
            Err(WriteError::UsernameTaken) => continue,
            Err(WriteError::Unexpected(error)) => return Err(error.into()),
        }
    }
    Err(ApiError::Bare(messages::CANNOT_CREATE_USER))
}

/// A username from the provider's name for the person, their address's local part, or `user`:
/// only the characters Django's validator allows.
fn username_base(identity: &Identity) -> String {
    let local_part = identity.email.as_deref().and_then(|email| email.rsplit_once('@')).map(|(local, _)| local);
    let candidates = [identity.preferred_username.as_deref(), local_part];
    let allowed = |c: &char| is_word_char(*c) || matches!(c, '.' | '@' | '+' | '-');
    candidates
        .into_iter()
        .flatten()
        .map(|name| cut(&name.chars().filter(allowed).collect::<String>(), USERNAME_MAX))
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| "user".to_owned())
}

fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// A signed-in person connects the provider to their account.
async fn link(
    state: &AppState,
    provider: &Provider,
    user_id: i64,
    identity: &Identity,
) -> Result<IdentityView, ApiError> {
    let user = state.store.find_user(user_id).await?.filter(|user| user.is_active);
    let user = user.ok_or_else(ApiError::no_active_account)?;
    let now = clock::now_seconds();
    let email = address(identity);
    match state.store.find_identity(&provider.name, &identity.subject).await? {
        Some(owner) if owner == user.id => {
            state.store.identity_used(&provider.name, &identity.subject, &email, now).await?
        }
        Some(_) => return Err(ApiError::non_field(messages::provider_linked_elsewhere(&provider.title))),
        None => {
            let links = state.store.identities(user.id).await?;
            if links.iter().any(|link| link.provider == provider.name) {
                return Err(ApiError::non_field(messages::provider_already_linked(&provider.title)));
            }
            if !state.store.link_identity(&provider.name, &identity.subject, user.id, &email, now).await? {
                return Err(ApiError::non_field(messages::provider_linked_elsewhere(&provider.title)));
            }
            state.store.record_events(&[Event::of(Kind::ProviderLinked, &user).detail(&provider.name)]).await?;
            tracing::info!(user_id = user.id, provider = %provider.name, "identity linked");
        }
    }
    let links = state.store.identities(user.id).await?;
    let linked = links.into_iter().find(|link| link.provider == provider.name);
    Ok(view(state, linked.ok_or_else(|| anyhow::anyhow!("a link just made is gone"))?))
}

fn view(state: &AppState, row: IdentityRow) -> IdentityView {
    let title = state.providers.get(&row.provider).map_or_else(|| row.provider.clone(), |p| p.title.clone());
    IdentityView {
        created: sessions::timestamp(row.created_at * 1_000_000),
        last_used: row.last_used_at.map(|at| sessions::timestamp(at * 1_000_000)),
        title,
        provider: row.provider,
        email: row.email,
    }
}

/// `GET users/me/providers/`: the account's links.
pub async fn linked(state: &AppState, user: &User) -> Result<Vec<IdentityView>, ApiError> {
    Ok(state.store.identities(user.id).await?.into_iter().map(|row| view(state, row)).collect())
}

/// `DELETE users/me/providers/{provider}/`: unless it is the account's last way to sign in
/// (no usable password, no other provider, no passkey).
pub async fn unlink(state: &AppState, user: &User, name: &str) -> Result<(), ApiError> {
    let links = state.store.identities(user.id).await?;
    if !links.iter().any(|link| link.provider == name) {
        return Err(ApiError::not_found());
    }
    let other_ways = password::is_usable(&user.password)
        || links.iter().any(|link| link.provider != name)
        || state.store.factors(user.id).await?.iter().any(|factor| factor.kind == crate::flows::passkeys::PASSKEY);
    if !other_ways {
        return Err(ApiError::non_field(messages::LAST_WAY_TO_SIGN_IN));
    }
    state.store.unlink_identity(user.id, name).await?;
    state.store.record_events(&[Event::of(Kind::ProviderUnlinked, user).detail(name)]).await?;
    tracing::info!(user_id = user.id, provider = name, "identity unlinked");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(preferred: Option<&str>, email: Option<&str>) -> Identity {
        Identity {
            preferred_username: preferred.map(str::to_owned),
            email: email.map(str::to_owned),
            ..Identity::default()
        }
    }

    #[test]
    fn a_username_comes_from_the_providers_name_then_the_address_with_only_djangos_characters() {
        assert_eq!(username_base(&identity(Some("octo cat!"), Some("o@example.com"))), "octocat");
        assert_eq!(username_base(&identity(None, Some("ana.maria+x@example.com"))), "ana.maria+x");
        assert_eq!(username_base(&identity(Some("!!!"), Some("???@example.com"))), "user");
        assert_eq!(username_base(&identity(Some("Zoë"), None)), "Zoë");
        assert_eq!(username_base(&identity(Some(&"a".repeat(300)), None)).chars().count(), USERNAME_MAX);
    }
}
