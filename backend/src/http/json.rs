//! JSON answers as DRF renders them: compact, UTF-8, `Content-Type: application/json`.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::Serialize;

pub const CONTENT_TYPE: &str = "application/json";

/// Serialises `value` compactly. Like DRF, U+2028 and U+2029 are escaped so the output is
/// also valid JavaScript.
pub fn render<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let out = serde_json::to_vec(value).expect("response bodies are plain data");
    if !out.windows(2).any(|pair| pair == [0xE2, 0x80]) {
        return out;
    }
    let text = String::from_utf8(out).expect("serde_json writes UTF-8");
    text.replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029").into_bytes()
}

pub fn respond<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> HttpResponse {
    HttpResponse::build(status).content_type(CONTENT_TYPE).body(render(value))
}

pub fn ok<T: Serialize + ?Sized>(value: &T) -> HttpResponse {
    respond(StatusCode::OK, value)
}

/// `{}`, the success body of the token verify and blacklist endpoints.
pub fn empty_object() -> HttpResponse {
    HttpResponse::Ok().content_type(CONTENT_TYPE).body("{}")
}

pub fn no_content() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_compact_and_keeps_non_ascii() {
        let body = render(&serde_json::json!({"a": ["é", 1]}));
        assert_eq!(String::from_utf8(body).unwrap(), r#"{"a":["é",1]}"#);
    }

    #[test]
    fn line_separators_are_escaped() {
        let body = render(&"a\u{2028}b\u{2029}");
        assert_eq!(String::from_utf8(body).unwrap(), r#""a\u2028b\u2029""#);
    }
}
