//! The user record and the one way it is shown to clients.

use serde::Serialize;

pub const NAME_MAX_LENGTH: usize = 150;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// Django-encoded password hash.
    pub password: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    /// Unix microseconds.
    pub date_joined: i64,
    /// Unix microseconds.
    pub last_login: Option<i64>,
}

impl User {
    pub fn view(&self) -> UserView<'_> {
        UserView {
            id: self.id,
            first_name: &self.first_name,
            last_name: &self.last_name,
            username: &self.username,
            email: &self.email,
            is_active: self.is_active,
        }
    }
}

/// The user representation of every endpoint, keys in the contract's order.
#[derive(Debug, Serialize)]
pub struct UserView<'a> {
    pub id: i64,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub username: &'a str,
    pub email: &'a str,
    pub is_active: bool,
}
