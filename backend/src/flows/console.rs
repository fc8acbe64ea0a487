//! The staff console: finding accounts, one account's page, what staff may do to it, and the
//! audit trail. Only staff reach any of it (everyone else is told "Not found."); a staff member
//! who is not a superuser acts only on accounts that are not staff, and grants or removes staff
//! only as a superuser. Every action is recorded with the staff member as its actor.

use serde::Serialize;

use crate::clock;
use crate::domain::audit::{Actor, Event, Kind};
use crate::domain::user::User;
use crate::email::EmailKind;
use crate::error::ApiError;
use crate::flows::audit::EventView;
use crate::flows::staff::{check_may, Action};
use crate::flows::{mfa, profile, sessions};
use crate::messages;
use crate::pycompat;
use crate::state::AppState;
use crate::store::audit::AuditFilter;
use crate::store::sessions::EndReason;

/// Accounts and events per page.
pub const PAGE_SIZE: i64 = 25;

/// The query parameters of the account list and of the trail.
pub const ACCOUNTS_QUERY: &[&str] = &["search", "page"];
pub const TRAIL_QUERY: &[&str] = &["user", "event", "since", "until", "page"];

/// An account as staff see it.
#[derive(Debug, Serialize)]
pub struct AccountView {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub date_joined: String,
    pub last_login: Option<String>,
    /// Confirmed second factors (authenticator apps and passkeys).
    pub second_factors: i64,
}

/// The fields of an account in the answer, in order.
pub const ACCOUNT_FIELDS: &[&str] = &[
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "is_active",
    "is_staff",
    "is_superuser",
    "date_joined",
    "last_login",
    "second_factors",
];

async fn view(state: &AppState, user: User) -> Result<AccountView, ApiError> {
    let factors = state.store.factors(user.id).await?;
    let confirmed = factors.iter().filter(|factor| factor.confirmed_at.is_some()).count();
    Ok(view_of(user, confirmed as i64))
}

fn view_of(user: User, second_factors: i64) -> AccountView {
    AccountView {
        id: user.id,
        second_factors,
        date_joined: clock::iso(user.date_joined),
        last_login: user.last_login.map(clock::iso),
        username: user.username,
        email: user.email,
        first_name: user.first_name,
        last_name: user.last_name,
        is_active: user.is_active,
        is_staff: user.is_staff,
        is_superuser: user.is_superuser,
    }
}

/// One page of a list, and where it stands in the whole.
#[derive(Debug)]
pub struct Page<T> {
    pub results: Vec<T>,
    /// How many there are in all (at most the search's cap when `capped`).
    pub count: i64,
    pub capped: bool,
    pub page: i64,
    pub has_next: bool,
}

/// Only staff reach the console; anyone else finds nothing there.
fn staff_only(requester: &User) -> Result<(), ApiError> {
    match requester.is_staff {
        true => Ok(()),
        false => Err(ApiError::not_found()),
    }
}

/// The offset of page `page` (from 1): "Invalid page." for anything else, as DRF says it.
fn offset_of(page: i64) -> Result<i64, ApiError> {
    if page < 1 {
        return Err(ApiError::not_found_because(messages::INVALID_PAGE.to_owned()));
    }
    Ok((page - 1).saturating_mul(PAGE_SIZE))
}

/// A page beyond the last is "Invalid page." too, except the first page of nothing.
fn page_of<T>(results: Vec<T>, count: i64, capped: bool, page: i64) -> Result<Page<T>, ApiError> {
    if results.is_empty() && page > 1 {
        return Err(ApiError::not_found_because(messages::INVALID_PAGE.to_owned()));
    }
    let has_next = page.saturating_mul(PAGE_SIZE) < count || (capped && results.len() as i64 == PAGE_SIZE);
    Ok(Page { results, count, capped, page, has_next })
}

/// `GET admin/users/`: accounts whose username, e-mail address or names start with `search`.
pub async fn search(
    state: &AppState,
    requester: &User,
    search: &str,
    page: i64,
) -> Result<Page<AccountView>, ApiError> {
    staff_only(requester)?;
    let found = state.store.search_users(search.trim(), PAGE_SIZE, offset_of(page)?).await?;
    let results = found.users.into_iter().map(|found| view_of(found.user, found.second_factors)).collect();
    page_of(results, found.count, found.capped, page)
}

/// The account `id` names, for staff.
async fn target(state: &AppState, requester: &User, id: &str) -> Result<User, ApiError> {
    staff_only(requester)?;
    let user = match pycompat::parse_int(id) {
        Some(id) => state.store.find_user(id).await?,
        None => None,
    };
    user.ok_or_else(ApiError::not_found)
}

/// `GET admin/users/{id}/`.
pub async fn account(state: &AppState, requester: &User, id: &str) -> Result<AccountView, ApiError> {
    view(state, target(state, requester, id).await?).await
}

/// Does `action` to the account `id` for staff member `requester`; the account as it is after
/// (`None` once deleted).
pub async fn act(
    state: &AppState,
    requester: &User,
    id: &str,
    action: Action,
) -> Result<Option<AccountView>, ApiError> {
    let user = target(state, requester, id).await?;
    check_may(requester, &user, action)?;
    let actor = Actor::staff(requester);
    apply(state, &user, action, actor).await?;
    if action == Action::Delete {
        return Ok(None);
    }
    let user = state.store.find_user(user.id).await?.ok_or_else(ApiError::not_found)?;
    Ok(Some(view(state, user).await?))
}

/// Does `action` to `user` for `actor`, recording it: the console's and the shell's one way.
pub async fn apply(state: &AppState, user: &User, action: Action, actor: Actor) -> Result<(), ApiError> {
    let event = |kind: Kind| Event::of(kind, user).by(actor.clone());
    match action {
        Action::Activate if !user.is_active => {
            state.store.set_active(user.id, true, &[event(Kind::Activated).detail("staff")]).await?;
        }
        Action::Deactivate if user.is_active => {
            state.store.set_active(user.id, false, &[event(Kind::Deactivated)]).await?;
            sessions::end_all(state, user.id, None, EndReason::AccountClosed).await?;
        }
        Action::MakeStaff if !user.is_staff => {
            state.store.set_staff(user.id, true, &[event(Kind::StaffGranted)]).await?;
        }
        Action::RemoveStaff if user.is_staff => {
            state.store.set_staff(user.id, false, &[event(Kind::StaffRemoved)]).await?;
        }
        Action::Activate | Action::Deactivate | Action::MakeStaff | Action::RemoveStaff => {}
        Action::ResendActivation => {
            if user.is_active {
                return Err(ApiError::non_field(messages::ALREADY_ACTIVE));
            }
            send(state, EmailKind::Activation, user, event(Kind::ActivationResent)).await?;
        }
        Action::SendPasswordReset => {
            send(state, EmailKind::PasswordReset, user, event(Kind::PasswordResetSent)).await?;
        }
        Action::EndSessions => {
            sessions::end_all(state, user.id, None, EndReason::Revoked).await?;
            state.store.record_events(&[event(Kind::SessionEnded).detail(sessions::SCOPE_ALL)]).await?;
        }
        Action::ClearSecondFactors => mfa::clear(state, user, actor.clone()).await?,
        Action::Delete => profile::close(state, user.id, &[event(Kind::Deleted)]).await?,
    }
    tracing::info!(user_id = user.id, by = actor.name(), action = ?action, "staff action");
    Ok(())
}

/// Queues the e-mail `kind` for `user` and records `event` with it.
async fn send(state: &AppState, kind: EmailKind, user: &User, event: Event) -> Result<(), ApiError> {
    let emails: Vec<_> = state.emails.compose(kind, user).into_iter().collect();
    state.store.enqueue_emails(&emails, &[event]).await?;
    state.emails.wake();
    Ok(())
}

/// The trail's filters as sent: each `None` when absent.
#[derive(Debug, Default)]
pub struct TrailQuery<'a> {
    pub user: Option<&'a str>,
    pub event: Option<&'a str>,
    pub since: Option<&'a str>,
    pub until: Option<&'a str>,
}

/// `GET admin/audit/`: the events the filters keep, newest first. A bad filter is its
/// field's error, as DRF's filter forms say it.
pub async fn trail(
    state: &AppState,
    requester: &User,
    query: TrailQuery<'_>,
    page: i64,
) -> Result<Page<EventView>, ApiError> {
    staff_only(requester)?;
    let mut errors = crate::error::FieldErrors::default();
    let user_id = query.user.filter(|text| !text.is_empty()).and_then(|text| {
        let id = pycompat::parse_int(text);
        if id.is_none() {
            errors.add("user", messages::INVALID_INTEGER);
        }
        id
    });
    let kind = query.event.filter(|text| !text.is_empty()).and_then(|text| {
        let kind = Kind::named(text);
        if kind.is_none() {
            errors.add("event", messages::invalid_choice(text));
        }
        kind.map(Kind::name)
    });
    let mut time = |field: &'static str, text: Option<&str>| {
        text.filter(|text| !text.is_empty()).and_then(|text| {
            let at = clock::parse_iso(text);
            if at.is_none() {
                errors.add(field, messages::INVALID_DATETIME);
            }
            at
        })
    };
    let since = time("since", query.since);
    let until = time("until", query.until);
    if !errors.is_empty() {
        return Err(ApiError::Fields(errors));
    }
    let filter = AuditFilter { user_id, kind, since, until };
    let (rows, count) = state.store.audit_events(&filter, PAGE_SIZE, offset_of(page)?).await?;
    page_of(rows.into_iter().map(EventView::from).collect(), count, false, page)
}
