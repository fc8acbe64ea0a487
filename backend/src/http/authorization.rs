//! The `Authorization` header as SimpleJWT reads it: a scheme it accepts and one token.

use crate::error::ApiError;
use crate::messages;

/// Python's `bytes.split()` separators.
fn is_separator(byte: &u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// The raw token of an `Authorization` header: `Ok(None)` when the header is absent, empty or
/// of another scheme (the request is then anonymous).
pub fn bearer_token<'a>(header_value: Option<&'a [u8]>, schemes: &[String]) -> Result<Option<&'a [u8]>, ApiError> {
    let Some(value) = header_value else {
        return Ok(None);
    };
    let parts: Vec<&[u8]> = value.split(is_separator).filter(|part| !part.is_empty()).collect();
    let Some(first) = parts.first() else {
        return Ok(None);
    };
    if !schemes.iter().any(|scheme| scheme.as_bytes() == *first) {
        return Ok(None);
    }
    if parts.len() != 2 {
        return Err(ApiError::bad_authorization_header());
    }
    Ok(Some(parts[1]))
}

/// DRF's token keyword, matched without regard to case.
const TOKEN_KEYWORD: &[u8] = b"token";

/// The key of an `Authorization: Token <key>` header (DRF's `TokenAuthentication`):
/// `Ok(None)` when the header is absent, empty or of another scheme.
pub fn api_token(header_value: Option<&[u8]>) -> Result<Option<&[u8]>, ApiError> {
    let Some(value) = header_value else {
        return Ok(None);
    };
    let parts: Vec<&[u8]> = value.split(is_separator).filter(|part| !part.is_empty()).collect();
    match parts.as_slice() {
        [] => Ok(None),
        [first, ..] if !first.eq_ignore_ascii_case(TOKEN_KEYWORD) => Ok(None),
        [_] => Err(ApiError::authentication_failed(messages::TOKEN_HEADER_NO_CREDENTIALS)),
        [_, key] => Ok(Some(key)),
        _ => Err(ApiError::authentication_failed(messages::TOKEN_HEADER_SPACES)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schemes() -> Vec<String> {
        vec!["Bearer".into(), "JWT".into()]
    }

    #[test]
    fn header_parsing_follows_simplejwt() {
        let parse = |value: &'static str| bearer_token(Some(value.as_bytes()), &schemes());
        assert_eq!(parse("Bearer abc").unwrap(), Some(&b"abc"[..]));
        assert_eq!(parse("  JWT\tabc  ").unwrap(), Some(&b"abc"[..]));
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("bearer abc").unwrap(), None);
        assert_eq!(parse("Basic abc").unwrap(), None);
        assert!(parse("Bearer").is_err());
        assert!(parse("Bearer a b").is_err());
        assert_eq!(bearer_token(None, &schemes()).unwrap(), None);
    }

    #[test]
    fn token_headers_are_read_as_drf_reads_them() {
        let parse = |value: &'static str| api_token(Some(value.as_bytes()));
        assert_eq!(parse("Token abc").unwrap(), Some(&b"abc"[..]));
        assert_eq!(parse(" token\tabc ").unwrap(), Some(&b"abc"[..]));
        assert_eq!(parse("TOKEN abc").unwrap(), Some(&b"abc"[..]));
        assert_eq!(parse("Bearer abc").unwrap(), None);
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(api_token(None).unwrap(), None);
        let refused = |value: &'static str| match parse(value) {
            Err(ApiError::Detail { detail, .. }) => detail.into_owned(),
            other => panic!("{value:?} gave {other:?}"),
        };
        assert_eq!(refused("Token"), messages::TOKEN_HEADER_NO_CREDENTIALS);
        assert_eq!(refused("Token a b"), messages::TOKEN_HEADER_SPACES);
    }
}
