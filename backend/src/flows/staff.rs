//! What staff may do to an account, and the one rule of who may do it to whom: the console's
//! actions (`flows/console.rs`) and the older staff endpoints under `users/{id}/` (second
//! factors, sessions) all ask [`check_may`].

use crate::domain::user::User;
use crate::error::ApiError;
use crate::messages;

/// What staff may do to an account (`POST admin/users/{id}/{action}/`, and DELETE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Activate,
    Deactivate,
    MakeStaff,
    RemoveStaff,
    ResendActivation,
    SendPasswordReset,
    EndSessions,
    ClearSecondFactors,
    Delete,
}

impl Action {
    /// The actions by their path names (DELETE is the account's own method).
    pub const NAMED: &'static [(&'static str, Action)] = &[
        ("activate", Action::Activate),
        ("deactivate", Action::Deactivate),
        ("make_staff", Action::MakeStaff),
        ("remove_staff", Action::RemoveStaff),
        ("resend_activation", Action::ResendActivation),
        ("send_password_reset", Action::SendPasswordReset),
        ("end_sessions", Action::EndSessions),
        ("clear_second_factors", Action::ClearSecondFactors),
    ];

    pub fn named(name: &str) -> Option<Action> {
        Action::NAMED.iter().find(|(known, _)| *known == name).map(|(_, action)| *action)
    }

    /// Whether staff may do it to their own account (never what would lock them out).
    fn allowed_on_self(self) -> bool {
        !matches!(self, Action::Deactivate | Action::RemoveStaff | Action::Delete)
    }
}

/// The names of [`Action::NAMED`], as the OpenAPI document lists them.
pub const ACTIONS: &[&str] = &[
    "activate",
    "deactivate",
    "make_staff",
    "remove_staff",
    "resend_activation",
    "send_password_reset",
    "end_sessions",
    "clear_second_factors",
];

/// Whether `requester` may do `action` to `user`: not to themselves what locks them out; to
/// another staff account or staff status itself, only as a superuser. Every staff endpoint that
/// acts on another account asks it, the console's and the older `users/{id}/…` ones alike.
pub fn check_may(requester: &User, user: &User, action: Action) -> Result<(), ApiError> {
    if user.id == requester.id {
        return match action.allowed_on_self() {
            true => Ok(()),
            false => Err(ApiError::non_field(messages::NOT_ON_OWN_ACCOUNT)),
        };
    }
    let needs_superuser =
        user.is_staff || user.is_superuser || matches!(action, Action::MakeStaff | Action::RemoveStaff);
    if needs_superuser && !requester.is_superuser {
        return Err(ApiError::permission_denied());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: i64, is_staff: bool, is_superuser: bool) -> User {
        User {
            id,
            username: format!("user{id}"),
            email: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            password: String::new(),
            is_active: true,
            is_staff,
            is_superuser,
            date_joined: 0,
            last_login: None,
        }
    }

    #[test]
    fn staff_act_on_accounts_that_are_not_staff_but_not_on_staff_status() {
        let staff = account(1, true, false);
        assert!(check_may(&staff, &account(2, false, false), Action::Deactivate).is_ok());
        assert!(check_may(&staff, &account(2, true, false), Action::Deactivate).is_err());
        assert!(check_may(&staff, &account(2, false, true), Action::EndSessions).is_err());
        assert!(check_may(&staff, &account(2, false, false), Action::MakeStaff).is_err());
    }

    #[test]
    fn superusers_act_on_staff_and_nobody_locks_themselves_out() {
        let superuser = account(1, true, true);
        assert!(check_may(&superuser, &account(2, true, false), Action::RemoveStaff).is_ok());
        for action in [Action::Deactivate, Action::RemoveStaff, Action::Delete] {
            assert!(check_may(&superuser, &superuser, action).is_err(), "{action:?}");
        }
        assert!(check_may(&superuser, &superuser, Action::EndSessions).is_ok());
    }

    #[test]
    fn every_action_is_found_by_its_name() {
        for (name, action) in Action::NAMED {
            assert_eq!(Action::named(name), Some(*action));
        }
        assert_eq!(Action::named("delete"), None);
        let names: Vec<&str> = Action::NAMED.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ACTIONS);
    }
}
