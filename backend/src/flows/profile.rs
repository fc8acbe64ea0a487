//! Accounts as their owners and staff see them: the list, one account, changes to the names
//! and e-mail address, and deletion.

use crate::auth::reset_tokens::{digest, EmailedLink};
use crate::clock;
use crate::domain::audit::{Event, Kind};
use crate::domain::user::User;
use crate::email::EmailKind;
use crate::error::{ApiError, Submitted};
use crate::flows::audit::actor_of;
use crate::flows::check_current_password;
use crate::flows::sessions;
use crate::messages;
use crate::state::AppState;
use crate::store::links::LinkToken;
use crate::store::sessions::EndReason;
use crate::store::users::{DeleteOutcome, Effects};

/// Staff see everyone; with `HIDE_USERS` others see only themselves.
pub async fn list(state: &AppState, viewer: &User) -> Result<Vec<User>, ApiError> {
    if state.features().hide_users && !viewer.is_staff {
        return Ok(vec![viewer.clone()]);
    }
    Ok(state.store.list_users().await?)
}

/// What a request does to the account `users/{id}/` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOrChange,
    Delete,
}

/// The account `id` names, for that user or staff. Unknown ids and other people's accounts
/// are both "Not found." for reads and changes (`HIDE_USERS`); deleting someone else's account
/// is 403.
pub async fn account(state: &AppState, viewer: &User, id: Option<i64>, access: Access) -> Result<User, ApiError> {
    let target = match id {
        Some(id) => state.store.find_user(id).await?,
        None => None,
    };
    let target = target.ok_or_else(ApiError::not_found)?;
    if viewer.is_staff || viewer.id == target.id {
        return Ok(target);
    }
    Err(if state.features().hide_users && access != Access::Delete {
        ApiError::not_found()
    } else {
        ApiError::permission_denied()
    })
}

/// The fields of PUT and PATCH, in the serializer's order (`current_password` confirms an
/// e-mail change).
pub const CHANGES: &[&str] = &["first_name", "last_name", "email", "current_password"];

/// PUT and PATCH (identical: every writable field is optional); `None` leaves a field as it is.
pub struct ProfileChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// A valid address, or blank.
    pub email: Option<String>,
    /// The requester's password, when sent (`None` also when it failed DRF's checks).
    pub current_password: Option<String>,
    /// Whether the request carried `current_password` at all.
    pub current_password_sent: bool,
}

/// Whether `email`, as a profile change sends it, replaces `target`'s address: the one case in
/// which `current_password` is read and checked.
pub fn is_new_address(target: &User, email: Option<&str>) -> bool {
    email.is_some_and(|email| email != target.email)
}

/// Saves the changes. With activation on, a new e-mail address deactivates the account and is
/// sent an activation link; as in Djoser, any update that leaves the account inactive sends
/// the link again. A new e-mail address is always told to the old one, with a link that takes
/// the change back; it needs the requester's `current_password` when
/// `GATEHOUSE_EMAIL_CHANGE_REQUIRES_PASSWORD` is on, and a password sent is always checked.
pub async fn update(
    state: &AppState,
    requester: &User,
    target: User,
    mut submitted: Submitted<ProfileChanges>,
) -> Result<User, ApiError> {
    let features = state.features();
    let email_changes = is_new_address(&target, submitted.fields.email.as_deref());
    if email_changes {
        let current_password = submitted.fields.current_password.take();
        if features.email_change_requires_password && !submitted.fields.current_password_sent {
            submitted.reject("current_password", messages::REQUIRED);
        }
        check_current_password(state, requester, &mut submitted, current_password).await?;
    }
    let changes = submitted.finish()?;
    let mut changed = target.clone();
    if let Some(first_name) = changes.first_name {
        changed.first_name = first_name;
    }
    if let Some(last_name) = changes.last_name {
        changed.last_name = last_name;
    }
    if let Some(email) = changes.email {
        if features.send_activation_email && email != target.email {
            changed.is_active = false;
        }
        changed.email = email;
    }
    let mut emails: Vec<_> = (features.send_activation_email && !changed.is_active)
        .then(|| state.emails.compose(EmailKind::Activation, &changed))
        .flatten()
        .into_iter()
        .collect();
    if email_changes {
        emails.extend(state.emails.compose_email_changed(&changed, &target.email));
    }
    let events = update_events(requester, &target, &changed);
    let saved = state
        .store
        .update_profile(&changed, Effects { emails: &emails, events: &events })
        .await?
        .ok_or_else(ApiError::not_found)?;
    state.emails.wake();
    if target.is_active && !saved.is_active {
        sessions::end_all(state, saved.id, None, EndReason::AccountClosed).await?;
    }
    Ok(saved)
}

/// The trail of a profile change: `user.updated` naming the fields that changed, and
/// `email.changed` when the address did; by staff when the requester is not the owner.
fn update_events(requester: &User, before: &User, after: &User) -> Vec<Event> {
    let fields: Vec<&str> = [
        ("first_name", before.first_name != after.first_name),
        ("last_name", before.last_name != after.last_name),
        ("email", before.email != after.email),
        ("is_active", before.is_active != after.is_active),
    ]
    .into_iter()
    .filter_map(|(name, changed)| changed.then_some(name))
    .collect();
    if fields.is_empty() {
        return Vec::new();
    }
    let actor = actor_of(requester, after.id);
    let mut events = vec![Event::of(Kind::Updated, after).detail(fields.join(",")).by(actor.clone())];
    if before.email != after.email {
        events.push(Event::of(Kind::EmailChanged, after).by(actor));
    }
    events
}

/// The fields of `revert_email`, in the serializer's order.
pub const REVERT: &[&str] = &["uid", "token"];

/// `revert_email`: the link sent to the address an e-mail change replaced puts that address
/// back (and the account active again) and ends every session of the account, once, within
/// the links' lifetime. "Invalid user id or user doesn't exist." for a bad uid, then "Invalid
/// token for given user." for anything else.
pub async fn revert_email(state: &AppState, link: EmailedLink) -> Result<(), ApiError> {
    let user = match link.user_id {
        Some(id) => state.store.find_user(id).await?,
        None => None,
    };
    let user = user.ok_or_else(|| ApiError::field("uid", messages::INVALID_UID))?;
    let invalid = || ApiError::field("token", messages::INVALID_TOKEN);
    let token = link.token.ok_or_else(invalid)?;
    let purpose = EmailKind::EmailChanged.name();
    let digest = digest(&token);
    let recorded = state.store.revert_link(&digest, purpose).await?.ok_or_else(invalid)?;
    let fresh = clock::now_seconds() - recorded.issued_at < state.features().password_reset_timeout;
    if recorded.used || recorded.user_id != user.id || !fresh {
        return Err(invalid());
    }
    let used = LinkToken { digest, purpose, user_id: user.id, previous_email: None };
    if !state.store.revert_email(user.id, &recorded.previous_email, &used).await? {
        return Err(invalid());
    }
    let reverted = User { email: recorded.previous_email.clone(), ..user };
    state.store.record_events(&[Event::of(Kind::EmailChanged, &reverted).detail(sessions::EMAIL_REVERTED)]).await?;
    sessions::end_all(state, reverted.id, None, EndReason::Revoked).await?;
    tracing::info!(user_id = reverted.id, "e-mail change taken back");
    Ok(())
}

/// The fields of DELETE.
pub const DELETION: &[&str] = &["current_password"];

/// DELETE after DRF's checks; `current_password` is `None` when it failed them.
pub struct Deletion {
    pub current_password: Option<String>,
}

/// DELETE: the requester confirms with their own current password.
pub async fn delete(
    state: &AppState,
    requester: &User,
    target_id: i64,
    mut submitted: Submitted<Deletion>,
) -> Result<(), ApiError> {
    let current_password = submitted.fields.current_password.take();
    check_current_password(state, requester, &mut submitted, current_password).await?;
    submitted.finish()?;
    let target = state.store.find_user(target_id).await?.ok_or_else(ApiError::not_found)?;
    let actor = actor_of(requester, target_id);
    close(state, target_id, &[Event::of(Kind::Deleted, &target).by(actor)]).await?;
    tracing::info!(user_id = target_id, by = requester.id, "account deleted");
    Ok(())
}

/// Deletes an account, recorded with `events`, and ends its sessions; 409 and nothing changed
/// when a row the store does not know still refers to it (beside Django).
pub async fn close(state: &AppState, user_id: i64, events: &[Event]) -> Result<(), ApiError> {
    if state.store.delete_user(user_id, events).await? == DeleteOutcome::StillReferredTo {
        return Err(ApiError::account_still_referred_to());
    }
    sessions::end_all(state, user_id, None, EndReason::AccountClosed).await
}
