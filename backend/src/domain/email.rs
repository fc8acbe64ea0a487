//! Django's `EmailValidator`, and the normalisation `create_user` applies.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::messages;

pub const MAX_LENGTH: usize = 254;

/// Characters that Python's case-insensitive matching folds onto ASCII letters.
fn folds_to_ascii_letter(c: char) -> bool {
    matches!(c, '\u{17f}' | '\u{212a}' | '\u{130}' | '\u{131}')
}

fn is_atom_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-!#$%&'*+/=?^_`{}|~".contains(c) || folds_to_ascii_letter(c)
}

fn is_dot_atom(local: &str) -> bool {
    !local.is_empty() && local.split('.').all(|atom| !atom.is_empty() && atom.chars().all(is_atom_char))
}

fn is_quoted_string(local: &str) -> bool {
    let Some(inner) = local.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')) else {
        return false;
    };
    if local.len() < 2 {
        return false;
    }
    let plain = |c: char| {
        matches!(c as u32, 0x01..=0x08 | 0x0b | 0x0c | 0x0e..=0x1f | 0x21 | 0x23..=0x5b | 0x5d..=0x7f)
            || folds_to_ascii_letter(c)
    };
    let escaped = |c: char| matches!(c as u32, 0x01..=0x09 | 0x0b | 0x0c | 0x0e..=0x7f);
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(next) if escaped(next) => {}
                _ => return false,
            }
        } else if !plain(c) {
            return false;
        }
    }
    true
}

/// Letters of a domain label: ASCII alphanumerics and U+00A1–U+FFFF, case-insensitively.
fn is_label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || ('\u{a1}'..='\u{ffff}').contains(&c)
}

fn is_label(label: &str, max: usize) -> bool {
    let count = label.chars().count();
    (1..=max).contains(&count)
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| is_label_char(c) || c == '-')
}

fn is_top_level(label: &str) -> bool {
    let count = label.chars().count();
    let named = (2..=63).contains(&count)
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| (is_label_char(c) && !c.is_ascii_digit()) || c == '-');
    let punycode = || match (label.get(..4), label.get(4..)) {
        (Some(prefix), Some(rest)) => {
            prefix.eq_ignore_ascii_case("xn--")
                && (1..=59).contains(&rest.len())
                && rest.chars().all(|c| c.is_ascii_alphanumeric())
        }
        _ => false,
    };
    named || punycode()
}

fn is_hostname(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let Some((tld, rest)) = labels.split_last() else {
        return false;
    };
    !rest.is_empty() && rest.iter().all(|label| is_label(label, 63)) && is_top_level(tld)
}

fn is_address_literal(domain: &str) -> bool {
    let Some(inner) = domain.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) else {
        return false;
    };
    if inner.is_empty() || !inner.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') {
        return false;
    }
    inner.parse::<Ipv4Addr>().is_ok() || (inner.len() <= 39 && inner.parse::<Ipv6Addr>().is_ok())
}

/// Whether Django's `EmailValidator` accepts `value`.
pub fn is_valid(value: &str) -> bool {
    if value.is_empty() || value.chars().count() > 320 {
        return false;
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    if !(is_dot_atom(local) || is_quoted_string(local)) {
        return false;
    }
    domain == "localhost" || is_hostname(domain) || is_address_literal(domain)
}

/// The validator messages of an e-mail field in DRF's order: length (when limited), NUL, format.
pub fn errors(value: &str, max_length: Option<usize>) -> Vec<String> {
    let mut errors = Vec::new();
    if let Some(max) = max_length {
        if value.chars().count() > max {
            errors.push(messages::max_length(max));
        }
    }
    if value.contains('\0') {
        errors.push(messages::NULL_CHARACTERS.to_owned());
    }
    if !is_valid(value) {
        errors.push(messages::INVALID_EMAIL.to_owned());
    }
    errors
}

/// An address that passed Django's e-mail validator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// `value` as an address, or every validator message in DRF's order.
    pub fn accept(value: String, max_length: Option<usize>) -> Result<EmailAddress, Vec<String>> {
        let problems = errors(&value, max_length);
        if problems.is_empty() {
            Ok(EmailAddress(value))
        } else {
            Err(problems)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `BaseUserManager.normalize_email`: trim, then lower-case the part after the last `@`.
pub fn normalize(email: &str) -> String {
    let email = crate::pycompat::strip(email);
    match email.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.to_lowercase()),
        None => email.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_and_unusual_valid_addresses_are_accepted() {
        for value in [
            "alice@example.com",
            "Alice.Smith+tag@Example.CO.uk",
            "user@localhost",
            "dan@exämple.com",
            "a@b.xn--p1ai",
            "\"quoted.name\"@example.com",
            "\"quoted\\ name\"@example.com",
            "x@[127.0.0.1]",
            "x@[::1]",
            "o'brien@example.org",
            "a@sub-domain.example.com",
            "a@example.中国",
            "a@example.भारत",
            "a@example.cafè",
        ] {
            assert!(is_valid(value), "{value}");
        }
    }

    #[test]
    fn invalid_addresses_are_refused() {
        for value in [
            "",
            "plain",
            "a@b",
            "@example.com",
            "a@",
            "a..b@example.com",
            ".a@example.com",
            "a b@example.com",
            "a@-example.com",
            "a@example-.com",
            "a@example.c",
            "a@example.123",
            "a@[300.1.1.1]",
            "a@example..com",
            "a@LOCALHOST",
            "a@example.com.",
        ] {
            assert!(!is_valid(value), "{value}");
        }
    }

    #[test]
    fn length_is_reported_before_format() {
        let long = format!("{}@example.com", "a".repeat(314));
        assert_eq!(long.len(), 326);
        assert_eq!(errors(&long, Some(254)), vec![messages::max_length(254), messages::INVALID_EMAIL.to_owned()]);
    }

    #[test]
    fn normalisation_lowercases_only_the_domain() {
        assert_eq!(normalize("Alice@Example.COM"), "Alice@example.com");
        assert_eq!(normalize(" a@B@C.D "), "a@B@c.d");
        assert_eq!(normalize("nodomain"), "nodomain");
    }
}
