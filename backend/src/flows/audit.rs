//! The audit trail as people read it: an account's own recent activity, and the events a
//! flow records when it knows only an account's id.

use serde::Serialize;

use crate::clock;
use crate::domain::audit::{Actor, Event, Kind};
use crate::domain::device;
use crate::domain::user::User;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::audit::AuditRow;

/// How many events `users/me/activity/` shows.
pub const RECENT: i64 = 30;

/// An account, as an event names it.
#[derive(Debug, Serialize)]
pub struct Named {
    pub id: Option<i64>,
    pub username: String,
}

/// One event, as the API shows it.
#[derive(Debug, Serialize)]
pub struct EventView {
    pub id: i64,
    pub event: String,
    pub at: String,
    pub user: Option<Named>,
    pub actor: Option<Named>,
    pub ip: String,
    pub user_agent: String,
    /// The browser and system the user agent names ("Firefox on Linux").
    pub device: String,
    pub detail: String,
}

/// The fields of an event in the answer, in order.
pub const FIELDS: &[&str] = &["id", "event", "at", "user", "actor", "ip", "user_agent", "device", "detail"];

impl From<AuditRow> for EventView {
    fn from(row: AuditRow) -> Self {
        let user = row.user_id.map(|id| Named { id: Some(id), username: row.username });
        let actor = row.actor.map(|username| Named { id: row.actor_id, username });
        Self {
            id: row.id,
            event: row.kind,
            at: clock::iso(row.at),
            user,
            actor,
            device: device::describe(&row.user_agent),
            ip: row.ip,
            user_agent: row.user_agent,
            detail: row.detail,
        }
    }
}

/// `users/me/activity/`: the account's newest events, newest first.
pub async fn recent(state: &AppState, user: &User) -> Result<Vec<EventView>, ApiError> {
    let rows = state.store.audit_events_of(user.id, RECENT).await?;
    Ok(rows.into_iter().map(EventView::from).collect())
}

/// Records `kind` for the account `user_id` (gone accounts are recorded by id alone).
pub async fn record_for(
    state: &AppState,
    kind: Kind,
    user_id: i64,
    detail: &str,
    actor: Actor,
) -> Result<(), ApiError> {
    let event = match state.store.find_user(user_id).await? {
        Some(user) => Event::of(kind, &user),
        None => Event { user_id: Some(user_id), ..Event::unknown_account(kind) },
    };
    state.store.record_events(&[event.detail(detail).by(actor)]).await?;
    Ok(())
}

/// Who acts on `owner`'s account: its owner, or a staff member.
pub fn actor_of(requester: &User, owner: i64) -> Actor {
    if requester.id == owner {
        Actor::Owner
    } else {
        Actor::staff(requester)
    }
}
