//! Django's username rules: Unicode letters and digits plus `@.+-_`, at most 150 characters,
//! NFKC-normalised when an account is created (not when a username is changed).

use unicode_normalization::UnicodeNormalization;

use crate::messages;
use crate::pycompat::is_word_char;

pub const MAX_LENGTH: usize = 150;

/// `^[\w.@+-]+\Z` of Django's `UnicodeUsernameValidator`.
fn has_valid_characters(username: &str) -> bool {
    !username.is_empty() && username.chars().all(|c| is_word_char(c) || matches!(c, '.' | '@' | '+' | '-'))
}

/// The validator messages of a username in Django's order, with the uniqueness answer (which
/// needs the database) supplied by the caller: regex, uniqueness, length, NUL.
pub fn errors(username: &str, taken: bool) -> Vec<String> {
    let mut errors = Vec::new();
    if !has_valid_characters(username) {
        errors.push(messages::INVALID_USERNAME.to_owned());
    }
    if taken {
        errors.push(messages::USERNAME_TAKEN.to_owned());
    }
    if username.chars().count() > MAX_LENGTH {
        errors.push(messages::max_length(MAX_LENGTH));
    }
    if username.contains('\0') {
        errors.push(messages::NULL_CHARACTERS.to_owned());
    }
    errors
}

/// A username that passed Django's validators, uniqueness included (the database's unique
/// constraint checks that again when it is written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// `value` as a username, or every validator message in Django's order.
    pub fn accept(value: String, taken: bool) -> Result<Username, Vec<String>> {
        let problems = errors(&value, taken);
        if problems.is_empty() {
            Ok(Username(value))
        } else {
            Err(problems)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as an account is created with it ([`normalize`]).
    pub fn normalized(&self) -> String {
        normalize(&self.0)
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Django's `normalize_username`, applied on creation only.
pub fn normalize(username: &str) -> String {
    username.nfkc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_digits_and_the_five_symbols_are_accepted_in_any_script() {
        for name in ["alice", "Bob_42", "a.b@c+d-e", "josé", "Ωμέγα", "用户"] {
            assert!(has_valid_characters(name), "{name}");
        }
    }

    #[test]
    fn spaces_and_other_symbols_are_refused() {
        for name in ["a b", "a!", "a/b", "", "tab\t", "a\0"] {
            assert!(!has_valid_characters(name), "{name:?}");
        }
    }

    #[test]
    fn all_messages_accumulate_in_django_order() {
        let long_and_invalid = "a b".repeat(60);
        assert_eq!(
            errors(&long_and_invalid, false),
            vec![messages::INVALID_USERNAME.to_owned(), messages::max_length(150)]
        );
        assert_eq!(errors("alice", true), vec![messages::USERNAME_TAKEN.to_owned()]);
        assert!(errors(&"a".repeat(150), false).is_empty());
    }

    #[test]
    fn creation_normalises_with_nfkc() {
        assert_eq!(normalize("ｊｏｓé"), "josé");
    }
}
