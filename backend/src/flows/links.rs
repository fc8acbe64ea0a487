//! E-mailed links: asking for one (a new activation link, a password or username reset), and
//! opening one (the account its uid names, and whether its token is still good for it).
//!
//! Tokens are Django's `PasswordResetTokenGenerator`'s: they stop working when the password,
//! `last_login` or the e-mail address changes, or when they grow older than the timeout. One
//! generator makes every kind of link, so Gatehouse also records each token it sends with its
//! purpose, and each token used: a used token is refused for every purpose, and a token sent
//! for one purpose is refused for the others. Django-made links have no record until used.

use crate::auth::password::is_usable;
use crate::auth::reset_tokens::{digest, EmailedLink, TokenSubject};
use crate::clock;
use crate::domain::email::EmailAddress;
use crate::domain::user::User;
use crate::email::EmailKind;
use crate::error::ApiError;
use crate::messages;
use crate::state::AppState;
use crate::store::links::LinkToken;
use crate::throttle::Scope;

/// The one field of the e-mail requests.
pub const EMAIL_REQUEST: &[&str] = &["email"];

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Activation,
    PasswordReset,
    UsernameReset,
}

impl Purpose {
    fn kind(self) -> EmailKind {
        match self {
            Self::Activation => EmailKind::Activation,
            Self::PasswordReset => EmailKind::PasswordReset,
            Self::UsernameReset => EmailKind::UsernameReset,
        }
    }
}

/// `resend_activation`, `reset_password` and `reset_username`: a link for every account with
/// exactly this address, in the activation state the link is for, that has a usable password.
/// The answer is the same whether or not the address is known, unless a
/// `*_SHOW_EMAIL_NOT_FOUND` setting is on.
pub async fn send(state: &AppState, request: Purpose, email: EmailAddress) -> Result<(), ApiError> {
    let email = email.as_str();
    state.throttle.hit(Scope::EmailRecipient, email).await?;
    let wants_active = request != Purpose::Activation;
    let users: Vec<User> = state
        .store
        .find_users_by_email(email)
        .await?
        .into_iter()
        .filter(|user| user.is_active == wants_active && is_usable(&user.password))
        .collect();
    let features = state.features();
    if users.is_empty()
        && (features.password_reset_show_email_not_found || features.username_reset_show_email_not_found)
    {
        return Err(ApiError::Bare(messages::EMAIL_NOT_FOUND));
    }
    if request == Purpose::Activation && !features.send_activation_email {
        return Err(ApiError::EmptyBadRequest);
    }
    if users.is_empty() {
        // The same work as for a known address (a message composed, written and its link
        // recorded), then taken back: the answer's timing does not tell who has an account.
        let rehearsal = state.emails.compose_all(request.kind(), &[decoy(email)]);
        state.store.rehearse_enqueue(&rehearsal).await?;
        return Ok(());
    }
    state.store.enqueue_emails(&state.emails.compose_all(request.kind(), &users), &[]).await?;
    state.emails.wake();
    Ok(())
}

/// An account that does not exist, with the address someone asked about.
fn decoy(email: &str) -> User {
    User {
        id: 0,
        username: String::new(),
        email: email.to_owned(),
        first_name: String::new(),
        last_name: String::new(),
        password: crate::auth::password::unusable(),
        is_active: true,
        is_staff: false,
        is_superuser: false,
        date_joined: 0,
        last_login: None,
    }
}

/// A link whose token is right for its account.
pub struct OpenedLink {
    pub user: User,
    token: String,
}

/// The account a link names, if its token is still good for it: "Invalid user id or user
/// doesn't exist." first, then "Invalid token for given user."
pub async fn open(state: &AppState, link: &EmailedLink) -> Result<OpenedLink, ApiError> {
    let user = match link.user_id {
        Some(id) => state.store.find_user(id).await?,
        None => None,
    };
    let user = user.ok_or_else(|| ApiError::field("uid", messages::INVALID_UID))?;
    let token = link
        .token
        .as_deref()
        .filter(|token| state.reset_tokens.check_token(&TokenSubject::of(&user), token, clock::now_seconds()));
    match token {
        Some(token) => Ok(OpenedLink { token: token.to_owned(), user }),
        None => Err(ApiError::field("token", messages::INVALID_TOKEN)),
    }
}

/// The opened link's token, to be used up with the change it confirms, if it may serve
/// `purpose`: not used before, and not sent for something else.
pub async fn usable(state: &AppState, opened: &OpenedLink, purpose: Purpose) -> Result<LinkToken, ApiError> {
    let token = LinkToken {
        digest: digest(&opened.token),
        purpose: purpose.kind().name(),
        user_id: opened.user.id,
        previous_email: None,
    };
    let uses = state.store.link_token_uses(&token.digest).await?;
    let sent_for_another = !uses.purposes.is_empty() && !uses.purposes.iter().any(|sent| sent == token.purpose);
    if uses.used || sent_for_another {
        return Err(ApiError::field("token", messages::INVALID_TOKEN));
    }
    Ok(token)
}

/// A `last_login` for a confirmed link: now, but always in another second than the previous
/// value, because the token only sees whole seconds. That is what makes a link single use.
pub fn next_login_time(previous: Option<i64>) -> i64 {
    let now = clock::now_micros();
    match previous {
        Some(previous) if previous.div_euclid(1_000_000) >= now.div_euclid(1_000_000) => {
            (previous.div_euclid(1_000_000) + 1) * 1_000_000
        }
        _ => now,
    }
}
