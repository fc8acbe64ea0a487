//! The `Authorization` header as SimpleJWT reads it: a scheme it accepts and one token.

use crate::error::ApiError;

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
}
