//! Which language a request gets, as Django's `LocaleMiddleware` decides it
//! (`get_language_from_request` without language-prefixed URLs): the `django_language`
//! cookie, then the `Accept-Language` header's languages by preference, each matched against
//! Django's `LANGUAGES` (`get_supported_language_variant`), else `LANGUAGE_CODE`.
//! `backend/locale/language-selection.md` describes every rule; its test vectors, checked
//! against the real middleware, are replayed by the tests below.

use super::catalogue::Catalogue;

/// Django's `LANGUAGE_CODE_MAX_LENGTH`.
const MAX_LENGTH: usize = 500;

/// Django's `parse_accept_lang_header`: the tags (lower-case) with their q, highest q first
/// (equal q keep the header's order); empty when any part of the header is malformed.
pub fn parse_accept_language(header: &str) -> Vec<(String, f64)> {
    let header = if header.len() > MAX_LENGTH {
        match header.get(..MAX_LENGTH).and_then(|head| head.rfind(',')) {
            Some(comma) if comma > 0 => &header[..comma],
            _ => return Vec::new(),
        }
    } else {
        header
    };
    let lower = header.to_ascii_lowercase();
    let mut rest = lower.as_str();
    let mut tags = Vec::new();
    while !rest.is_empty() {
        let Some((tag, q, after)) = one_range(rest) else { return Vec::new() };
        tags.push((tag.to_owned(), q));
        rest = after;
    }
    tags.sort_by(|a, b| b.1.total_cmp(&a.1));
    tags
}

/// One `tag[;q=…]` and its separator (`\s*,\s*` or the end) at the start of `text`.
fn one_range(text: &str) -> Option<(&str, f64, &str)> {
    let tag_end = if let Some(after) = text.strip_prefix('*') { text.len() - after.len() } else { tag_length(text)? };
    let (tag, mut rest) = text.split_at(tag_end);
    let mut q = 1.0;
    let trimmed = rest.trim_start_matches(is_space);
    if let Some(after) = trimmed.strip_prefix(';') {
        let after = after.trim_start_matches(is_space).strip_prefix("q=")?;
        let length = q_length(after)?;
        q = after[..length].parse().ok()?;
        rest = &after[length..];
    }
    let trimmed = rest.trim_start_matches(is_space);
    if let Some(after) = trimmed.strip_prefix(',') {
        return Some((tag, q, after.trim_start_matches(is_space)));
    }
    rest.is_empty().then_some((tag, q, rest))
}

/// Python's `\s` in the ASCII range.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// The length of `[a-z]{1,8}(-[a-z0-9]{1,8})*` at the start of `text`, if any.
fn tag_length(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let first = bytes.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if first == 0 || first > 8 {
        return None;
    }
    let mut end = first;
    while bytes.get(end) == Some(&b'-') {
        let part = bytes[end + 1..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        if part == 0 || part > 8 {
            break;
        }
        end += 1 + part;
    }
    Some(end)
}

/// The length of `0(\.[0-9]{,3})?|1(\.0{,3})?` at the start of `text`.
fn q_length(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let allowed: fn(&u8) -> bool = match bytes.first()? {
        b'0' => |b: &u8| b.is_ascii_digit(),
        b'1' => |b: &u8| *b == b'0',
        _ => return None,
    };
    if bytes.get(1) != Some(&b'.') {
        return Some(1);
    }
    let decimals = bytes[2..].iter().take_while(|b| allowed(b)).count().min(3);
    Some(2 + decimals)
}

/// Django's `to_locale`: `en-us` → `en_US`, `sr-latn` → `sr_Latn`, `de` → `de`.
pub fn to_locale(code: &str) -> String {
    let lower = code.to_ascii_lowercase();
    let Some((language, country)) = lower.split_once('-') else {
        let split = code.char_indices().nth(3).map_or(code.len(), |(at, _)| at);
        return format!("{}{}", code[..split].to_ascii_lowercase(), &code[split..]);
    };
    let (country, tail) = match country.split_once('-') {
        Some((country, tail)) => (country, Some(tail)),
        None => (country, None),
    };
    let mut country = if country.len() > 2 {
        let mut chars = country.chars();
        chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
    } else {
        country.to_ascii_uppercase()
    };
    if let Some(tail) = tail {
        country = format!("{country}-{tail}");
    }
    format!("{language}_{country}")
}

/// Django's `get_supported_language_variant(code, strict=False)`.
pub fn supported_variant(catalogue: &Catalogue, code: &str) -> Option<String> {
    if code.is_empty() {
        return None;
    }
    let code = if code.len() > MAX_LENGTH {
        match code.get(..MAX_LENGTH).and_then(|head| head.rfind('-')) {
            Some(cut) if cut > 0 => &code[..cut],
            _ => return None,
        }
    } else {
        code
    };
    let mut candidates = vec![code.to_owned()];
    if let Some(fallbacks) = catalogue.lang_info_fallbacks.get(code) {
        candidates.extend(fallbacks.iter().cloned());
    }
    let mut prefix = code;
    while let Some(cut) = prefix.rfind('-') {
        prefix = &prefix[..cut];
        candidates.push(prefix.to_owned());
    }
    for candidate in &candidates {
        if catalogue.is_supported(&candidate.to_ascii_lowercase()) {
            return Some(candidate.clone());
        }
    }
    let generic = format!("{}-", candidates.last()?);
    catalogue.languages.iter().find(|code| code.starts_with(&generic)).cloned()
}

/// The language code `LocaleMiddleware` activates for a request with this `django_language`
/// cookie and `Accept-Language` header.
pub fn language_of_request(catalogue: &Catalogue, cookie: Option<&str>, header: &str, language_code: &str) -> String {
    if let Some(cookie) = cookie.filter(|cookie| !cookie.is_empty()) {
        if catalogue.languages.iter().any(|code| code == cookie) && catalogue.is_supported(cookie) {
            return cookie.to_owned();
        }
        if let Some(code) = supported_variant(catalogue, cookie) {
            return code;
        }
    }
    for (tag, _) in parse_accept_language(header) {
        if tag == "*" {
            break;
        }
        if let Some(code) = supported_variant(catalogue, &tag) {
            return code;
        }
    }
    supported_variant(catalogue, language_code).unwrap_or_else(|| language_code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_are_written_as_django_writes_them() {
        assert_eq!(to_locale("en-us"), "en_US");
        assert_eq!(to_locale("pt-br"), "pt_BR");
        assert_eq!(to_locale("zh-hans"), "zh_Hans");
        assert_eq!(to_locale("sr-latn"), "sr_Latn");
        assert_eq!(to_locale("de"), "de");
    }

    #[test]
    fn malformed_headers_are_ignored_whole() {
        for header in ["de fr", "de,,fr", ",de", "de_DE", "de;q=2", "de;q=0.1234", "de;q = 0.5", "de;q=0.5;q=0.3"] {
            assert!(parse_accept_language(header).is_empty(), "{header:?}");
        }
        assert_eq!(parse_accept_language("de,"), [("de".to_owned(), 1.0)]);
        assert_eq!(
            parse_accept_language("fr;q=0.5, DE-at , en;q=0.9"),
            [("de-at".to_owned(), 1.0), ("en".to_owned(), 0.9), ("fr".to_owned(), 0.5)]
        );
    }

    #[test]
    fn every_test_vector_of_the_real_middleware_gives_the_same_language() {
        let catalogue = Catalogue::get();
        assert!(catalogue.accept_language_examples.len() >= 15);
        for example in &catalogue.accept_language_examples {
            let cookie = example.cookie.as_deref();
            let code = language_of_request(catalogue, cookie, &example.accept_language, "en-us");
            assert_eq!(code.to_ascii_lowercase(), example.content_language, "{example:?}");
            assert_eq!(to_locale(&code), example.locale, "{example:?}");
        }
    }
}
