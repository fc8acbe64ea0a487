//! The one error type of the API. Every status, body shape and authentication header that an
//! error can produce is decided here; handlers only pick a constructor.

use std::borrow::Cow;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::messages;

/// `WWW-Authenticate` value sent with every 401 (first accepted header type, realm "api").
pub const WWW_AUTHENTICATE: &str = "Bearer realm=\"api\"";

/// Field errors in the order the fields were checked: `{"field": ["message", ...], ...}`.
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

    pub fn contains(&self, field: &str) -> bool {
        self.0.iter().any(|(name, _)| name == field)
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

impl Serialize for FieldErrors {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (field, list) in &self.0 {
            map.serialize_entry(field, list)?;
        }
        map.end()
    }
}

/// The `messages` entry of a token error on a protected endpoint.
#[derive(Debug, Serialize)]
struct TokenMessage {
    token_class: &'static str,
    token_type: &'static str,
    message: &'static str,
}

#[derive(Debug, Serialize)]
struct DetailBody<'a> {
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    messages: Option<[TokenMessage; 1]>,
}

#[derive(thiserror::Error)]
pub enum ApiError {
    /// 400 `{"field": [...]}`.
    #[error("invalid fields")]
    Fields(FieldErrors),
    /// 400 with a bare JSON array, as djoser answers errors raised outside validation.
    #[error("{0}")]
    Bare(&'static str),
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

    pub fn not_authenticated() -> Self {
        Self::detail(StatusCode::UNAUTHORIZED, messages::NOT_AUTHENTICATED)
    }
    pub fn permission_denied() -> Self {
        Self::detail(StatusCode::FORBIDDEN, messages::PERMISSION_DENIED)
    }
    pub fn not_found() -> Self {
        Self::detail(StatusCode::NOT_FOUND, messages::NOT_FOUND)
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
    pub fn payload_too_large() -> Self {
        Self::detail(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large.")
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
        Self::Detail { status: StatusCode::UNAUTHORIZED, detail: message.into(), code: Some("token_not_valid") }
    }
    pub fn bad_authorization_header() -> Self {
        Self::Detail {
            status: StatusCode::UNAUTHORIZED,
            detail: messages::BAD_AUTHORIZATION_HEADER.into(),
            code: Some("bad_authorization_header"),
        }
    }
    pub fn user_not_found() -> Self {
        Self::Detail {
            status: StatusCode::UNAUTHORIZED,
            detail: messages::USER_NOT_FOUND.into(),
            code: Some("user_not_found"),
        }
    }
    pub fn user_inactive() -> Self {
        Self::Detail {
            status: StatusCode::UNAUTHORIZED,
            detail: messages::USER_INACTIVE.into(),
            code: Some("user_inactive"),
        }
    }
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        Self::Fields(FieldErrors::single(field, message))
    }
    pub fn non_field(message: impl Into<String>) -> Self {
        Self::field("non_field_errors", message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Fields(_) | Self::Bare(_) | Self::EmptyBadRequest => StatusCode::BAD_REQUEST,
            Self::Detail { status, .. } => *status,
            Self::AccessTokenNotValid(_) => StatusCode::UNAUTHORIZED,
            Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut response = HttpResponse::build(status);
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, WWW_AUTHENTICATE));
        }
        let body = match self {
            Self::Fields(errors) => crate::http::json::render(errors),
            Self::Bare(message) => crate::http::json::render(&[message]),
            Self::EmptyBadRequest => return response.finish(),
            Self::Detail { detail, code, .. } => {
                crate::http::json::render(&DetailBody { detail, code: *code, messages: None })
            }
            Self::AccessTokenNotValid(message) => crate::http::json::render(&DetailBody {
                detail: messages::TOKEN_NOT_VALID_FOR_ANY_TYPE,
                code: Some("token_not_valid"),
                messages: Some([TokenMessage { token_class: "AccessToken", token_type: "access", message }]),
            }),
            Self::Throttled(wait) => {
                response.insert_header((header::RETRY_AFTER, wait.to_string()));
                let detail = messages::throttled(*wait);
                crate::http::json::render(&DetailBody { detail: &detail, code: None, messages: None })
            }
            Self::Unexpected(cause) => {
                tracing::error!(error = ?cause, "request failed unexpectedly");
                crate::http::json::render(&DetailBody { detail: messages::SERVER_ERROR, code: None, messages: None })
            }
        };
        response.content_type(crate::http::json::CONTENT_TYPE).body(body)
    }
}
