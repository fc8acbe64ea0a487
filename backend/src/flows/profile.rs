//! Accounts as their owners and staff see them: the list, one account, changes to the names
//! and e-mail address, and deletion.

use crate::domain::user::User;
use crate::email::EmailKind;
use crate::error::{ApiError, Submitted};
use crate::flows::check_current_password;
use crate::flows::sessions;
use crate::state::AppState;
use crate::store::sessions::EndReason;

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

/// The fields of PUT and PATCH, in the serializer's order.
pub const CHANGES: &[&str] = &["first_name", "last_name", "email"];

/// PUT and PATCH (identical: every writable field is optional); `None` leaves a field as it is.
pub struct ProfileChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// A valid address, or blank.
    pub email: Option<String>,
}

/// Saves the changes. With activation on, a new e-mail address deactivates the account and is
/// sent an activation link; as in Djoser, any update that leaves the account inactive sends
/// the link again.
pub async fn update(state: &AppState, target: User, changes: ProfileChanges) -> Result<User, ApiError> {
    let features = state.features();
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
    let emails: Vec<_> = (features.send_activation_email && !changed.is_active)
        .then(|| state.emails.compose(EmailKind::Activation, &changed))
        .flatten()
        .into_iter()
        .collect();
    let saved = state.store.update_profile(&changed, &emails).await?.ok_or_else(ApiError::not_found)?;
    state.emails.wake();
    if target.is_active && !saved.is_active {
        sessions::end_all(state, saved.id, None, EndReason::AccountClosed).await?;
    }
    Ok(saved)
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
    state.store.delete_user(target_id).await?;
    tracing::info!(user_id = target_id, by = requester.id, "account deleted");
    sessions::end_all(state, target_id, None, EndReason::AccountClosed).await?;
    Ok(())
}
