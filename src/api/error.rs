//! What can go wrong with a call to the API, decoded from DRF's error bodies in one place.
//! Pages match on these variants; they never read status codes or bodies themselves.

use serde_json::Value;

/// An API call that did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The server could not be reached, or the connection broke.
    Network(String),
    /// The input was refused: messages per field, plus messages about the form as a whole
    /// (`non_field_errors`, or a bare list).
    Invalid { fields: Vec<(String, Vec<String>)>, general: Vec<String> },
    /// The request was refused with a `{"detail": …}` body (401, 403, 404, 429…).
    Refused { status: u16, detail: String, code: Option<String> },
    /// The session ended: the refresh token expired or was revoked, or the account is gone.
    SessionExpired,
    /// Not signed in: there is no session to send.
    SignedOut,
    /// Any other answer: a server error, or a body of an unknown shape.
    Unexpected(u16),
}

impl ApiError {
    /// The messages the server gave for one field.
    pub fn field(&self, name: &str) -> Vec<String> {
        match self {
            ApiError::Invalid { fields, .. } => {
                fields.iter().find(|(field, _)| field == name).map(|(_, messages)| messages.clone()).unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    /// The messages that belong to the form as a whole. Errors of fields the form does not show
    /// (`shown`) are included here, prefixed with the field's name, so that no message is lost.
    pub fn general(&self, shown: &[&str]) -> Vec<String> {
        match self {
            ApiError::Network(_) => vec![messages::NETWORK.to_owned()],
            ApiError::Invalid { fields, general } => {
                let mut all = general.clone();
                for (field, list) in fields.iter().filter(|(field, _)| !shown.contains(&field.as_str())) {
                    all.extend(list.iter().map(|message| format!("{}: {message}", humanise(field))));
                }
                all
            }
            ApiError::Refused { detail, .. } => vec![detail.clone()],
            ApiError::SessionExpired => vec![messages::SESSION_EXPIRED.to_owned()],
            ApiError::SignedOut => vec![messages::SIGNED_OUT.to_owned()],
            ApiError::Unexpected(status) => vec![messages::unexpected(*status)],
        }
    }

    /// The messages of `field` as the form's own, for a field the form does not show but
    /// whose messages stand on their own (an expired second step): `None` when it has none.
    pub fn field_as_general(&self, field: &str) -> Option<ApiError> {
        let general = self.field(field);
        (!general.is_empty()).then(|| ApiError::Invalid { fields: Vec::new(), general })
    }

    /// Whether the session is over, so the person must sign in again.
    pub fn ends_session(&self) -> bool {
        matches!(self, ApiError::SessionExpired | ApiError::SignedOut)
    }

    /// Whether the server wants a more recent sign-in before the change (`sign_in_again`).
    pub fn asks_to_sign_in_again(&self) -> bool {
        self.code() == Some("sign_in_again")
    }

    /// The `code` of a refused request, such as `token_not_valid` or `stale_token`.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Refused { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

/// The texts the app shows for failures that do not come from the server's body.
pub mod messages {
    pub const NETWORK: &str = "Could not reach the server. Check your connection and try again.";
    pub const SESSION_EXPIRED: &str = "Your session has ended. Please sign in again.";
    pub const SIGNED_OUT: &str = "Please sign in to continue.";

    pub fn unexpected(status: u16) -> String {
        format!("Something went wrong on our side (error {status}). Please try again in a moment.")
    }
}

fn humanise(field: &str) -> String {
    let text = field.replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// Turns an answer into the JSON it carries, or into the error its status and body describe.
/// An empty 2xx body (204) decodes to `null`.
pub fn decode(status: u16, body: &str) -> Result<Value, ApiError> {
    let parsed: Option<Value> =
        if body.trim().is_empty() { Some(Value::Null) } else { serde_json::from_str(body).ok() };
    if (200..300).contains(&status) {
        return parsed.ok_or(ApiError::Unexpected(status));
    }
    let Some(value) = parsed else { return Err(ApiError::Unexpected(status)) };
    Err(error_of(status, value))
}

fn error_of(status: u16, value: Value) -> ApiError {
    if status >= 500 {
        return ApiError::Unexpected(status);
    }
    match value {
        Value::Object(map) => {
            if let Some(Value::String(detail)) = map.get("detail") {
                let code = map.get("code").and_then(Value::as_str).map(str::to_owned);
                return ApiError::Refused { status, detail: detail.clone(), code };
            }
            let mut fields = Vec::new();
            let mut general = Vec::new();
            for (field, messages) in map {
                let Some(list) = strings(&messages) else { return ApiError::Unexpected(status) };
                if field == "non_field_errors" {
                    general.extend(list);
                } else {
                    fields.push((field, list));
                }
            }
            ApiError::Invalid { fields, general }
        }
        other => match strings(&other) {
            Some(general) if !general.is_empty() => ApiError::Invalid { fields: Vec::new(), general },
            _ => ApiError::Unexpected(status),
        },
    }
}

/// A message or a list of messages (nested lists are flattened).
fn strings(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(text) => Some(vec![text.clone()]),
        Value::Array(items) => {
            let mut all = Vec::new();
            for item in items {
                all.extend(strings(item)?);
            }
            Some(all)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_success_body_is_returned_as_json() {
        assert_eq!(decode(200, r#"{"id":1}"#), Ok(serde_json::json!({"id": 1})));
    }

    #[test]
    fn an_empty_no_content_answer_is_null() {
        assert_eq!(decode(204, ""), Ok(Value::Null));
    }

    #[test]
    fn field_errors_are_kept_per_field() {
        let error = decode(
            400,
            r#"{"username":["A user with that username already exists."],"email":["Enter a valid email address."]}"#,
        )
        .unwrap_err();
        assert_eq!(error.field("username"), vec!["A user with that username already exists."]);
        assert_eq!(error.field("email"), vec!["Enter a valid email address."]);
        assert_eq!(error.field("password"), Vec::<String>::new());
        assert!(error.general(&["username", "email"]).is_empty());
    }

    #[test]
    fn non_field_errors_belong_to_the_whole_form() {
        let error = decode(400, r#"{"non_field_errors":["Unable to log in with provided credentials."]}"#).unwrap_err();
        assert_eq!(error.general(&[]), vec!["Unable to log in with provided credentials."]);
    }

    #[test]
    fn a_bare_list_of_messages_belongs_to_the_whole_form() {
        let error = decode(400, r#"["Invalid user id or user doesn't exist."]"#).unwrap_err();
        assert_eq!(error.general(&[]), vec!["Invalid user id or user doesn't exist."]);
    }

    #[test]
    fn a_detail_body_keeps_its_status_and_code() {
        let error = decode(403, r#"{"detail":"Stale token for given user.","code":"stale_token"}"#).unwrap_err();
        assert_eq!(
            error,
            ApiError::Refused {
                status: 403,
                detail: "Stale token for given user.".into(),
                code: Some("stale_token".into())
            }
        );
        assert_eq!(error.code(), Some("stale_token"));
    }

    #[test]
    fn a_token_error_with_messages_is_still_a_detail_error() {
        let body = r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is expired"}]}"#;
        assert_eq!(decode(401, body).unwrap_err().code(), Some("token_not_valid"));
    }

    #[test]
    fn throttling_shows_the_servers_wording() {
        let error = decode(429, r#"{"detail":"Request was throttled. Expected available in 7 seconds."}"#).unwrap_err();
        assert_eq!(error.general(&[]), vec!["Request was throttled. Expected available in 7 seconds."]);
    }

    #[test]
    fn errors_of_fields_the_form_does_not_show_are_not_lost() {
        let error = decode(
            400,
            r#"{"current_password":["Invalid password."],"new_password":["This password is too common."]}"#,
        )
        .unwrap_err();
        assert_eq!(error.general(&["new_password"]), vec!["Current password: Invalid password."]);
    }

    #[test]
    fn a_single_string_per_field_is_accepted() {
        let error = decode(400, r#"{"email":"Enter a valid email address."}"#).unwrap_err();
        assert_eq!(error.field("email"), vec!["Enter a valid email address."]);
    }

    #[test]
    fn server_errors_and_unknown_bodies_are_unexpected() {
        assert_eq!(decode(500, r#"{"detail":"boom"}"#), Err(ApiError::Unexpected(500)));
        assert_eq!(decode(502, "<html>Bad gateway</html>"), Err(ApiError::Unexpected(502)));
        assert_eq!(decode(400, r#"{"field":[{"x":1}]}"#), Err(ApiError::Unexpected(400)));
        assert_eq!(decode(200, "not json"), Err(ApiError::Unexpected(200)));
        assert!(ApiError::Unexpected(500).general(&[])[0].contains("error 500"));
    }

    #[test]
    fn an_expired_second_step_is_said_without_the_field_s_name() {
        let body = r#"{"mfa_token":["This sign-in has expired or was already completed. Sign in again."]}"#;
        let error = decode(400, body).unwrap_err();
        assert_eq!(
            error.general(&[]),
            vec!["Mfa token: This sign-in has expired or was already completed. Sign in again."]
        );
        let own = error.field_as_general("mfa_token").expect("the field's messages");
        assert_eq!(own.general(&[]), vec!["This sign-in has expired or was already completed. Sign in again."]);
        assert_eq!(error.field_as_general("code"), None);
    }

    #[test]
    fn network_failures_explain_themselves() {
        assert_eq!(ApiError::Network("reset".into()).general(&[]), vec![messages::NETWORK]);
    }
}
