//! The bodies the API sends back.

use serde::{Deserialize, Serialize};

/// A user as the API shows one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: u64,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    pub username: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub is_active: bool,
}

impl User {
    /// The name to greet the person with: their full name, or else their username.
    pub fn display_name(&self) -> String {
        let full = format!("{} {}", self.first_name.trim(), self.last_name.trim());
        let full = full.trim();
        if full.is_empty() {
            self.username.clone()
        } else {
            full.to_owned()
        }
    }
}

/// What signing up sends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewAccount {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub password: String,
}

/// The editable part of a profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProfileChange {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

#[derive(Deserialize)]
pub(crate) struct TokenPair {
    pub access: String,
    /// Absent when the server does not rotate refresh tokens.
    pub refresh: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_is_greeted_by_name_or_else_by_username() {
        let mut user: User = serde_json::from_str(
            r#"{"id":1,"first_name":"Ada","last_name":"Lovelace","username":"ada","email":"ada@example.com","is_active":true}"#,
        )
        .unwrap();
        assert_eq!(user.display_name(), "Ada Lovelace");
        user.first_name.clear();
        user.last_name = " ".into();
        assert_eq!(user.display_name(), "ada");
    }

    #[test]
    fn the_sign_in_answer_carries_the_user_beside_the_tokens() {
        let body = r#"{"refresh":"r","access":"a","id":7,"first_name":"","last_name":"","username":"bo","email":"bo@example.com","is_active":true}"#;
        let user: User = serde_json::from_str(body).unwrap();
        let pair: TokenPair = serde_json::from_str(body).unwrap();
        assert_eq!((user.id, pair.access.as_str(), pair.refresh.as_deref()), (7, "a", Some("r")));
    }
}
