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

/// The editable part of a profile, with the password that confirms a change of e-mail address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProfileChange {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// Sent only with a new e-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_password: Option<String>,
}

impl ProfileChange {
    /// What the profile form sends, from its fields as typed: the names and the address
    /// trimmed, and `password` only when the address is another than `current_email`.
    pub fn from_form(first_name: &str, last_name: &str, email: &str, password: &str, current_email: &str) -> Self {
        ProfileChange {
            first_name: first_name.trim().to_owned(),
            last_name: last_name.trim().to_owned(),
            email: email.trim().to_owned(),
            current_password: changes_email(current_email, email).then(|| password.to_owned()),
        }
    }

    /// Whether this change gives the account another e-mail address than `current_email`.
    pub fn changes_email_of(&self, current_email: &str) -> bool {
        changes_email(current_email, &self.email)
    }
}

/// Whether the e-mail field, as typed, holds another address than `current`: such a change
/// needs the current password.
pub fn changes_email(current: &str, typed: &str) -> bool {
    typed.trim() != current
}

/// One session of the signed-in person: a sign-in on some device, until it ends.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SessionInfo {
    pub id: String,
    /// RFC 3339, UTC.
    pub created: String,
    /// RFC 3339, UTC.
    pub last_used: String,
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default)]
    pub user_agent: String,
    /// A readable browser and system, such as "Chrome on Linux", made by the server.
    #[serde(default)]
    pub device: String,
    #[serde(default)]
    pub method: String,
    /// Whether this is the session of the browser asking.
    #[serde(default)]
    pub current: bool,
}

impl SessionInfo {
    /// The device's name, never empty.
    pub fn device_name(&self) -> &str {
        let device = self.device.trim();
        if device.is_empty() {
            "Unknown device"
        } else {
            device
        }
    }
}

/// Someone an event names: the account it happened to, or whoever did it. The server's shell
/// has no id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Who {
    #[serde(default)]
    pub id: Option<u64>,
    pub username: String,
}

/// One event of an account's history: what happened, when, to whom, by whom and from where.
/// The signed-in person's own activity and the staff's audit trail are lists of these.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Event {
    pub id: u64,
    /// Such as `user.signed_in`; `events.rs` says each in words.
    pub event: String,
    /// RFC 3339, UTC.
    pub at: String,
    /// The account it happened to; `None` when it is gone.
    #[serde(default)]
    pub user: Option<Who>,
    /// Who did it, when it was not the person themselves.
    #[serde(default)]
    pub actor: Option<Who>,
    #[serde(default, deserialize_with = "blank_if_null")]
    pub ip: String,
    #[serde(default, deserialize_with = "blank_if_null")]
    pub user_agent: String,
    /// A readable browser and system, such as "Firefox on Linux", made by the server.
    #[serde(default, deserialize_with = "blank_if_null")]
    pub device: String,
    /// What the event name alone does not say, such as how someone signed in; may be empty.
    #[serde(default, deserialize_with = "blank_if_null")]
    pub detail: String,
}

/// An account as the staff's console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AdminUser {
    pub id: u64,
    pub username: String,
    #[serde(default, deserialize_with = "blank_if_null")]
    pub email: String,
    #[serde(default, deserialize_with = "blank_if_null")]
    pub first_name: String,
    #[serde(default, deserialize_with = "blank_if_null")]
    pub last_name: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    /// RFC 3339, UTC.
    pub date_joined: String,
    /// RFC 3339, UTC; `None` when the account never signed in.
    #[serde(default)]
    pub last_login: Option<String>,
    /// How many second factors the account has.
    #[serde(default)]
    pub second_factors: u32,
}

impl AdminUser {
    /// The first and last name, or empty.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name.trim(), self.last_name.trim()).trim().to_owned()
    }
}

/// One page of a long list, as DRF pages one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Paged<T> {
    /// How many there are on every page together.
    pub count: u64,
    /// Whether the server stopped counting at `count`: there are more.
    #[serde(default)]
    pub count_capped: bool,
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub previous: Option<String>,
    pub results: Vec<T>,
}

/// A text field that may come as `null`, read as empty.
fn blank_if_null<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

/// One second factor of the signed-in person: an authenticator app or a passkey.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Factor {
    pub id: String,
    /// `totp` or `passkey`.
    pub kind: String,
    pub name: String,
    /// RFC 3339, UTC.
    pub created: String,
    #[serde(default)]
    pub last_used: Option<String>,
}

impl Factor {
    pub fn is_passkey(&self) -> bool {
        self.kind == "passkey"
    }
}

/// The signed-in person's second factors and how many recovery codes they have left.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Factors {
    pub factors: Vec<Factor>,
    pub recovery_codes_left: u32,
}

/// An authenticator app being added: its key, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TotpEnrolment {
    pub id: String,
    pub uri: String,
    pub key: String,
    /// An image (`data:` URI) of the URI's QR code.
    pub qr_code: String,
}

impl TotpEnrolment {
    /// The key in groups of four, as people type it into an app.
    pub fn key_in_groups(&self) -> String {
        let chars: Vec<char> = self.key.chars().collect();
        chars.chunks(4).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
    }
}

/// A passkey ceremony's options for the browser, and the id that finishes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PasskeyOptions {
    pub id: String,
    pub options: serde_json::Value,
}

/// What adding a factor answers: the recovery codes, with the account's first factor.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Confirmed {
    #[serde(default)]
    pub recovery_codes: Option<Vec<String>>,
}

/// Ten new recovery codes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// The access token of a sign-in or a renewal. In cookie mode the refresh token never comes in
/// a body.
#[derive(Deserialize)]
pub(crate) struct AccessAnswer {
    pub access: String,
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
    fn only_another_e_mail_address_than_the_current_one_needs_the_password() {
        assert!(!changes_email("ada@example.com", "ada@example.com"));
        assert!(!changes_email("ada@example.com", "  ada@example.com "), "surrounding spaces are not sent");
        assert!(changes_email("ada@example.com", "ada@example.org"));
        assert!(changes_email("ada@example.com", "Ada@example.com"), "the server compares addresses as they are");
        assert!(changes_email("ada@example.com", ""));
    }

    #[test]
    fn a_change_of_names_only_sends_no_password() {
        let change = ProfileChange::from_form(" Augusta ", "King", "ada@example.com ", "secret", "ada@example.com");
        assert_eq!(change.current_password, None);
        assert!(!change.changes_email_of("ada@example.com"));
        assert_eq!(
            serde_json::to_value(&change).unwrap(),
            serde_json::json!({ "first_name": "Augusta", "last_name": "King", "email": "ada@example.com" })
        );
    }

    #[test]
    fn a_change_of_e_mail_address_sends_the_current_password_even_when_it_is_empty() {
        let change = ProfileChange::from_form("Ada", "", " ada@example.org", "secret", "ada@example.com");
        assert!(change.changes_email_of("ada@example.com"));
        assert_eq!(
            serde_json::to_value(&change).unwrap(),
            serde_json::json!({ "first_name": "Ada", "last_name": "", "email": "ada@example.org", "current_password": "secret" })
        );
        let empty = ProfileChange::from_form("Ada", "", "ada@example.org", "", "ada@example.com");
        assert_eq!(empty.current_password.as_deref(), Some(""));
    }

    #[test]
    fn the_sign_in_answer_carries_the_user_beside_the_access_token() {
        let body = r#"{"access":"a","id":7,"first_name":"","last_name":"","username":"bo","email":"bo@example.com","is_active":true}"#;
        let user: User = serde_json::from_str(body).unwrap();
        let answer: AccessAnswer = serde_json::from_str(body).unwrap();
        assert_eq!((user.id, answer.access.as_str()), (7, "a"));
    }

    #[test]
    fn an_authenticator_key_is_shown_in_groups_of_four() {
        let enrolment = TotpEnrolment {
            id: "1".into(),
            uri: String::new(),
            key: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".into(),
            qr_code: String::new(),
        };
        assert_eq!(enrolment.key_in_groups(), "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ");
        let short = TotpEnrolment { key: "ABCDEF".into(), ..enrolment };
        assert_eq!(short.key_in_groups(), "ABCD EF");
    }

    #[test]
    fn factors_read_as_the_server_lists_them() {
        let body = r#"{"factors":[{"id":"a","kind":"totp","name":"Authenticator app","created":"2026-12-05T10:00:00Z","last_used":null},
                                  {"id":"b","kind":"passkey","name":"Laptop","created":"2026-12-05T11:00:00Z","last_used":"2026-12-05T11:05:00Z"}],
                       "recovery_codes_left":9}"#;
        let factors: Factors = serde_json::from_str(body).unwrap();
        assert_eq!(factors.recovery_codes_left, 9);
        assert!(!factors.factors[0].is_passkey());
        assert!(factors.factors[1].is_passkey());
        assert_eq!(factors.factors[1].last_used.as_deref(), Some("2026-12-05T11:05:00Z"));
    }

    #[test]
    fn an_event_reads_as_the_server_lists_it_with_or_without_who_did_it() {
        let body = r#"[{"id":12,"event":"user.deactivated","at":"2026-12-05T16:01:33.123456Z","user":{"id":4,"username":"ann"},
                        "actor":{"id":1,"username":"admin"},"ip":"192.0.2.4","user_agent":"Mozilla/5.0","device":"Firefox on Linux","detail":""},
                       {"id":11,"event":"user.activated","at":"2026-12-05T16:00:00Z","user":null,"actor":{"id":null,"username":"shell"},
                        "ip":null,"user_agent":"","device":"","detail":""}]"#;
        let events: Vec<Event> = serde_json::from_str(body).unwrap();
        assert_eq!(events[0].user, Some(Who { id: Some(4), username: "ann".into() }));
        assert_eq!(events[0].actor.as_ref().map(|who| who.username.as_str()), Some("admin"));
        assert_eq!((events[0].ip.as_str(), events[0].device.as_str()), ("192.0.2.4", "Firefox on Linux"));
        assert_eq!(events[1].user, None);
        assert_eq!(events[1].actor, Some(Who { id: None, username: "shell".into() }));
        assert_eq!(events[1].ip, "");
    }

    #[test]
    fn a_page_of_accounts_reads_as_the_staff_api_sends_it() {
        let body = r#"{"count":26,"next":"http://127.0.0.1:8000/auth/admin/users/?page=2","previous":null,
                       "results":[{"id":4,"username":"ann","email":"ann@example.com","first_name":"Ann","last_name":"Lee",
                                   "is_active":true,"is_staff":false,"is_superuser":false,"date_joined":"2026-12-01T09:00:00Z",
                                   "last_login":null,"second_factors":2}]}"#;
        let page: Paged<AdminUser> = serde_json::from_str(body).unwrap();
        assert_eq!(page.count, 26);
        assert!(!page.count_capped, "a page without the field was counted to the end");
        assert!(page.next.is_some() && page.previous.is_none());
        let ann = &page.results[0];
        assert_eq!((ann.full_name().as_str(), ann.second_factors, ann.last_login.as_deref()), ("Ann Lee", 2, None));
        let unnamed = AdminUser { first_name: String::new(), last_name: " ".into(), ..ann.clone() };
        assert_eq!(unnamed.full_name(), "");
    }

    #[test]
    fn a_session_reads_as_the_server_lists_it() {
        let body = r#"[{"id":"0123456789abcdef0123456789abcdef","created":"2026-11-29T16:00:00Z","last_used":"2026-11-29T16:05:00Z","ip":"127.0.0.1","user_agent":"Mozilla/5.0","device":"Chrome on Linux","method":"password","current":true},
                      {"id":"fedcba9876543210fedcba9876543210","created":"2026-11-28T09:00:00Z","last_used":"2026-11-28T09:00:00Z","ip":null,"user_agent":"","device":"","method":"refresh_token","current":false}]"#;
        let sessions: Vec<SessionInfo> = serde_json::from_str(body).unwrap();
        assert_eq!(sessions[0].device_name(), "Chrome on Linux");
        assert_eq!(sessions[0].ip.as_deref(), Some("127.0.0.1"));
        assert!(sessions[0].current);
        assert_eq!(sessions[1].device_name(), "Unknown device");
        assert_eq!(sessions[1].ip, None);
        assert!(!sessions[1].current);
    }
}

/// An identity provider people may sign in with.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Provider {
    pub name: String,
    pub title: String,
}

/// An identity provider connected to the signed-in person's account.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ConnectedAccount {
    pub provider: String,
    pub title: String,
    pub email: String,
    pub created: String,
    pub last_used: Option<String>,
}

/// Where to send the browser to sign in at a provider.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AuthorizationUrl {
    pub authorization_url: String,
}
