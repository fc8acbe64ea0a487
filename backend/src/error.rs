//! The one error type of the API: every status and body an error can produce is decided here,
//! and flows only pick a constructor. How an error becomes an HTTP answer (its JSON, the
//! `WWW-Authenticate` and `Retry-After` headers) is `http::route`'s business.

use std::borrow::Cow;

use actix_web::http::StatusCode;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::messages;

/// Field errors in the serializer's field order: `{"field": ["message", ...], ...}`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(Vec<(Cow<'static, str>, Vec<String>)>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<Cow<'static, str>>, message: impl Into<String>) {
        let field = field.into();
        let message = message.into();
        match self.0.iter_mut().find(|(name, _)| *name == field) {
            Some((_, list)) => list.push(message),
            None => self.0.push((field, vec![message])),
        }
    }

    pub fn add_all(&mut self, field: &'static str, messages: Vec<String>) {
        for message in messages {
            self.add(field, message);
        }
    }

    pub fn single(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, message);
        errors
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Puts the fields in `order` (fields it does not name go last, as they came).
    fn sort_by(&mut self, order: &[&str]) {
        self.0.sort_by_key(|(name, _)| order.iter().position(|field| field == name).unwrap_or(order.len()));
    }

    /// `Ok(())` when nothing failed, so a validation stage can end with `errors.into_result()?`.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Fields(self))
        }
    }
}

impl FieldErrors {
    /// The same errors with each message passed through `translate` (`None` keeps it).
    pub fn translated(&self, translate: impl Fn(&str) -> Option<String>) -> Self {
        let fields = self.0.iter().map(|(field, list)| {
            let list = list.iter().map(|message| translate(message).unwrap_or_else(|| message.clone())).collect();
            (field.clone(), list)
        });
        Self(fields.collect())
    }
}

impl Serialize for FieldErrors {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (field, list) in &self.0 {
            map.serialize_entry(field, list)?;
        }
        map.end()
    }
}

/// A request's fields after the checks that need nothing but the request (DRF's presence,
/// type, blank and length checks), with the errors those found. A flow adds what only storage
/// can tell (a username taken, a wrong current password) and then [`finish`](Self::finish)es
/// the field stage. Errors are reported in `order`, the serializer's field order, whichever
/// check found them first.
#[derive(Debug)]
pub struct Submitted<T> {
    pub fields: T,
    errors: FieldErrors,
    order: &'static [&'static str],
}

impl<T> Submitted<T> {
    pub fn new(fields: T, errors: FieldErrors, order: &'static [&'static str]) -> Self {
        Self { fields, errors, order }
    }

    /// Records a problem of `field`.
    pub fn reject(&mut self, field: &'static str, message: impl Into<String>) {
        self.errors.add(field, message);
    }

    /// Records every problem of `field`.
    pub fn reject_all(&mut self, field: &'static str, problems: Vec<String>) {
        self.errors.add_all(field, problems);
    }

    /// Ends the field stage: the fields, or 400 with every field error in the field order.
    pub fn finish(self) -> Result<T, ApiError> {
        let Self { fields, mut errors, order } = self;
        errors.sort_by(order);
        errors.into_result().map(|()| fields)
    }
}

/// The `messages` entry of a token error on a protected endpoint.
#[derive(Debug, Serialize)]
pub struct TokenMessage {
    token_class: &'static str,
    token_type: &'static str,
    message: Cow<'static, str>,
}

impl DetailBody<'_> {
    /// The same body with its messages passed through `translate` (`None` keeps one).
    pub fn translated(self, translate: impl Fn(&str) -> Option<String>) -> DetailBody<'static> {
        let detail = translate(&self.detail).unwrap_or_else(|| self.detail.into_owned());
        let messages = self.messages.map(|[entry]| {
            let message = translate(&entry.message).map(Cow::Owned).unwrap_or(entry.message);
            [TokenMessage { message, ..entry }]
        });
        DetailBody { detail: Cow::Owned(detail), code: self.code, messages }
    }
}

/// A `{"detail": …}` body.
#[derive(Debug, Serialize)]
pub struct DetailBody<'a> {
    pub detail: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<[TokenMessage; 1]>,
}

/// What an error's answer carries as its body.
#[derive(Debug)]
pub enum ErrorBody<'a> {
    Fields(&'a FieldErrors),
    Bare([&'static str; 1]),
    Text(&'static str),
    Detail(DetailBody<'a>),
    None,
}

#[derive(thiserror::Error)]
pub enum ApiError {
    /// 400 `{"field": [...]}`.
    #[error("invalid fields")]
    Fields(FieldErrors),
    /// 400 with a bare JSON array, as djoser answers errors raised outside validation.
    #[error("{0}")]
    Bare(&'static str),
    /// 400 with a bare JSON string, as Djoser's social view answers a `redirect_uri` it does
    /// not allow.
    #[error("{0}")]
    BareText(&'static str),
    /// 400 with an empty body (resend_activation while activation is off).
    #[error("empty bad request")]
    EmptyBadRequest,
    /// Any `{"detail": ..., "code": ...}` answer.
    #[error("{detail}")]
    Detail { status: StatusCode, detail: Cow<'static, str>, code: Option<&'static str> },
    /// 401 for a token that failed validation on a protected endpoint (wrapped form).
    #[error("access token not valid: {0}")]
    AccessTokenNotValid(&'static str),
    /// 429: too many requests; available again in this many seconds (`Retry-After`).
    #[error("throttled for {0} s")]
    Throttled(i64),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{self}")?;
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            writeln!(f, "Caused by:\n\t{cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl ApiError {
    fn detail(status: StatusCode, detail: impl Into<Cow<'static, str>>) -> Self {
        Self::Detail { status, detail: detail.into(), code: None }
    }

    fn coded(status: StatusCode, detail: &'static str, code: &'static str) -> Self {
        Self::Detail { status, detail: detail.into(), code: Some(code) }
    }

    pub fn not_authenticated() -> Self {
        Self::detail(StatusCode::UNAUTHORIZED, messages::NOT_AUTHENTICATED)
    }
    pub fn permission_denied() -> Self {
        Self::detail(StatusCode::FORBIDDEN, messages::PERMISSION_DENIED)
    }
    /// 404 with its own detail.
    pub fn not_found_because(detail: String) -> Self {
        Self::detail(StatusCode::NOT_FOUND, detail)
    }
    pub fn not_found() -> Self {
        Self::detail(StatusCode::NOT_FOUND, messages::NOT_FOUND)
    }
    /// 409: the account cannot be deleted while rows the store does not know refer to it.
    pub fn account_still_referred_to() -> Self {
        Self::coded(StatusCode::CONFLICT, messages::ACCOUNT_STILL_REFERRED_TO, "account_still_referred_to")
    }
    pub fn method_not_allowed(method: &str) -> Self {
        Self::detail(StatusCode::METHOD_NOT_ALLOWED, messages::method_not_allowed(method))
    }
    pub fn unsupported_media_type(content_type: &str) -> Self {
        Self::detail(StatusCode::UNSUPPORTED_MEDIA_TYPE, messages::unsupported_media_type(content_type))
    }
    pub fn json_parse_error(reason: &str) -> Self {
        Self::detail(StatusCode::BAD_REQUEST, messages::json_parse_error(reason))
    }
    pub fn multipart_parse_error(reason: &str) -> Self {
        Self::detail(StatusCode::BAD_REQUEST, messages::multipart_parse_error(reason))
    }
    pub fn payload_too_large() -> Self {
        Self::detail(StatusCode::PAYLOAD_TOO_LARGE, messages::PAYLOAD_TOO_LARGE)
    }
    /// A body that did not arrive within the time allowed.
    pub fn body_timeout() -> Self {
        Self::detail(StatusCode::REQUEST_TIMEOUT, messages::BODY_TIMEOUT)
    }
    /// 403: adding a way to sign in asks for a recent sign-in (`sessions::check_recent_sign_in`).
    pub fn sign_in_again() -> Self {
        Self::coded(StatusCode::FORBIDDEN, messages::SIGN_IN_AGAIN, "sign_in_again")
    }
    pub fn stale_token() -> Self {
        Self::detail(StatusCode::FORBIDDEN, messages::STALE_TOKEN)
    }
    /// jwt/create with wrong credentials, an unknown or an inactive user.
    pub fn no_active_account() -> Self {
        Self::detail(StatusCode::UNAUTHORIZED, messages::NO_ACTIVE_ACCOUNT)
    }
    /// jwt/refresh for a user who is inactive, deleted or unknown.
    pub fn no_active_account_for_token() -> Self {
        Self::detail(StatusCode::UNAUTHORIZED, messages::NO_ACTIVE_ACCOUNT_FOR_TOKEN)
    }
    /// A token error on the token endpoints (flat form).
    pub fn token_not_valid(message: &'static str) -> Self {
        Self::coded(StatusCode::UNAUTHORIZED, message, "token_not_valid")
    }
    /// An access token without a `user_id` claim.
    pub fn no_user_identification() -> Self {
        Self::coded(StatusCode::UNAUTHORIZED, messages::NO_USER_IDENTIFICATION, "token_not_valid")
    }
    pub fn bad_authorization_header() -> Self {
        Self::coded(StatusCode::UNAUTHORIZED, messages::BAD_AUTHORIZATION_HEADER, "bad_authorization_header")
    }
    pub fn user_not_found() -> Self {
        Self::coded(StatusCode::UNAUTHORIZED, messages::USER_NOT_FOUND, "user_not_found")
    }
    pub fn user_inactive() -> Self {
        Self::coded(StatusCode::UNAUTHORIZED, messages::USER_INACTIVE, "user_inactive")
    }
    /// DRF's `AuthenticationFailed` (token authentication): a 401 with only the detail.
    pub fn authentication_failed(detail: &'static str) -> Self {
        Self::detail(StatusCode::UNAUTHORIZED, detail)
    }
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        Self::Fields(FieldErrors::single(field, message))
    }
    pub fn non_field(message: impl Into<String>) -> Self {
        Self::field("non_field_errors", message)
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Fields(_) | Self::Bare(_) | Self::BareText(_) | Self::EmptyBadRequest => StatusCode::BAD_REQUEST,
            Self::Detail { status, .. } => *status,
            Self::AccessTokenNotValid(_) => StatusCode::UNAUTHORIZED,
            Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body of the answer. An unexpected failure shows nothing of its cause.
    pub fn body(&self) -> ErrorBody<'_> {
        match self {
            Self::Fields(errors) => ErrorBody::Fields(errors),
            Self::Bare(message) => ErrorBody::Bare([*message]),
            Self::BareText(message) => ErrorBody::Text(message),
            Self::EmptyBadRequest => ErrorBody::None,
            Self::Detail { detail, code, .. } => {
                ErrorBody::Detail(DetailBody { detail: Cow::Borrowed(detail.as_ref()), code: *code, messages: None })
            }
            Self::AccessTokenNotValid(message) => ErrorBody::Detail(DetailBody {
                detail: messages::TOKEN_NOT_VALID_FOR_ANY_TYPE.into(),
                code: Some("token_not_valid"),
                messages: Some([TokenMessage {
                    token_class: "AccessToken",
                    token_type: "access",
                    message: Cow::Borrowed(message),
                }]),
            }),
            Self::Throttled(wait) => {
                ErrorBody::Detail(DetailBody { detail: messages::throttled(*wait).into(), code: None, messages: None })
            }
            Self::Unexpected(_) => {
                ErrorBody::Detail(DetailBody { detail: messages::SERVER_ERROR.into(), code: None, messages: None })
            }
        }
    }

    /// Seconds until a throttled request may be made again.
    pub fn retry_after(&self) -> Option<i64> {
        match self {
            Self::Throttled(wait) => Some(*wait),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_are_reported_in_the_serializers_order_whoever_found_them() {
        let mut submitted =
            Submitted::new((), FieldErrors::single("new_username", "taken"), &["current_password", "new_username"]);
        submitted.reject("current_password", "wrong");
        let ApiError::Fields(errors) = submitted.finish().unwrap_err() else { panic!("field errors") };
        assert_eq!(
            serde_json::to_string(&errors).unwrap(),
            r#"{"current_password":["wrong"],"new_username":["taken"]}"#
        );
    }

    #[test]
    fn a_submission_without_errors_hands_its_fields_over() {
        assert_eq!(Submitted::new(7, FieldErrors::default(), &[]).finish().unwrap(), 7);
    }
}
