//! Request bodies as DRF parses them: JSON, form-encoded and multipart bodies give a map of
//! fields; an empty body is `{}`; any other type, or none, is 415.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::messages;

/// The largest request body accepted; larger ones are answered 413.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Reads the whole body, refusing more than [`MAX_BODY_BYTES`], or a body that has not
/// arrived `within` the time allowed (actix's own time-out covers only the head: a client
/// sending one byte at a time would hold the connection for ever).
pub async fn read(mut payload: web::Payload, within: Duration) -> Result<web::Bytes, ApiError> {
    let whole = async {
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| ApiError::json_parse_error("the request body could not be read"))?;
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(ApiError::payload_too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    tokio::time::timeout(within, whole).await.unwrap_or_else(|_| Err(ApiError::body_timeout()))
}

/// The submitted fields.
#[derive(Debug, Default, Clone)]
pub struct Input(Map<String, Value>);

enum Parser {
    Json,
    Form,
    Multipart,
}

/// DRF's media-type match of a parser's type against the request's (wildcards allowed).
fn choose_parser(content_type: &str) -> Option<Parser> {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let (main, sub) = essence.split_once('/').unwrap_or((essence.as_str(), ""));
    let matches =
        |want_main: &str, want_sub: &str| (main == "*" || main == want_main) && (sub == "*" || sub == want_sub);
    if matches("application", "json") {
        Some(Parser::Json)
    } else if matches("application", "x-www-form-urlencoded") {
        Some(Parser::Form)
    } else if matches("multipart", "form-data") {
        Some(Parser::Multipart)
    } else {
        None
    }
}

impl Input {
    /// Parses the body of `request` the way DRF's `request.data` does.
    pub fn parse(request: &HttpRequest, body: &[u8]) -> Result<Self, ApiError> {
        if body.is_empty() {
            return Ok(Self::default());
        }
        // A body without a type is not guessed at: DRF sees the type "" and refuses it.
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .unwrap_or_default();
        match choose_parser(&content_type) {
            Some(Parser::Json) => Self::from_json(body),
            Some(Parser::Form) => {
                Ok(Self::from_pairs(serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default()))
            }
            Some(Parser::Multipart) => Self::from_multipart(&content_type, body),
            None => Err(ApiError::unsupported_media_type(&content_type)),
        }
    }

    fn from_json(body: &[u8]) -> Result<Self, ApiError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| ApiError::json_parse_error(&e.to_string()))?;
        match value {
            Value::Object(map) => Ok(Self(map)),
            Value::Null => Err(ApiError::non_field(messages::NO_DATA)),
            other => Err(ApiError::non_field(messages::not_a_dictionary(crate::pycompat::type_name(&other)))),
        }
    }

    /// Form fields: when a name repeats, the last value counts (as `QueryDict[name]`).
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut map = Map::new();
        for (name, value) in pairs {
            map.insert(name, Value::String(value));
        }
        Self(map)
    }

    fn from_multipart(content_type: &str, body: &[u8]) -> Result<Self, ApiError> {
        let boundary = content_type
            .split(';')
            .filter_map(|param| param.trim().split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("boundary"))
            .map(|(_, value)| value.trim().trim_matches('"').to_owned())
            .filter(|boundary| !boundary.is_empty())
            .ok_or_else(|| ApiError::multipart_parse_error("Invalid boundary in multipart: None"))?;
        let fields = multipart_fields(body, &boundary)
            .ok_or_else(|| ApiError::multipart_parse_error("malformed multipart body"))?;
        Ok(Self::from_pairs(fields))
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// A nested object's fields, read like a body's.
    pub fn from_map(fields: Map<String, Value>) -> Self {
        Self(fields)
    }

    pub fn fields(&self) -> &Map<String, Value> {
        &self.0
    }
}

/// The text fields of a `multipart/form-data` body (file parts are ignored, as no endpoint
/// takes files).
fn multipart_fields(body: &[u8], boundary: &str) -> Option<Vec<(String, String)>> {
    let delimiter = format!("--{boundary}");
    let text = String::from_utf8_lossy(body);
    let mut fields = Vec::new();
    let mut parts = text.split(delimiter.as_str());
    parts.next()?;
    for part in parts {
        if part.starts_with("--") {
            return Some(fields);
        }
        let part = part.strip_prefix("\r\n").or_else(|| part.strip_prefix('\n'))?;
        let (head, content) = part.split_once("\r\n\r\n").or_else(|| part.split_once("\n\n"))?;
        let content = content.strip_suffix("\r\n").or_else(|| content.strip_suffix('\n')).unwrap_or(content);
        let disposition = head.lines().find(|line| line.to_ascii_lowercase().starts_with("content-disposition:"))?;
        let name = disposition
            .split(';')
            .filter_map(|param| param.trim().split_once('='))
            .find(|(key, _)| key.trim() == "name")
            .map(|(_, value)| value.trim().trim_matches('"').to_owned())?;
        let is_file = disposition.split(';').any(|param| param.trim().starts_with("filename"));
        if !is_file {
            fields.push((name, content.to_owned()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_text_fields_are_read() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nalice\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\ns e c\r\n--XyZ--\r\n";
        assert_eq!(
            multipart_fields(body.as_bytes(), "XyZ").unwrap(),
            vec![("username".to_owned(), "alice".to_owned()), ("password".to_owned(), "s e c".to_owned())]
        );
    }

    #[test]
    fn parsers_are_chosen_by_media_type_ignoring_case_and_parameters() {
        assert!(matches!(choose_parser("application/json; charset=utf-8"), Some(Parser::Json)));
        assert!(matches!(choose_parser("Application/JSON"), Some(Parser::Json)));
        assert!(matches!(choose_parser("application/x-www-form-urlencoded"), Some(Parser::Form)));
        assert!(matches!(choose_parser("multipart/form-data; boundary=x"), Some(Parser::Multipart)));
        assert!(choose_parser("text/plain").is_none());
        assert!(choose_parser("application/xml").is_none());
    }
}
