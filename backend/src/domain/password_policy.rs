//! The four password validators of Django's `startproject`, in order, with all their messages
//! collected: user-attribute similarity, minimum length 8, common passwords, entirely numeric.

use std::collections::HashSet;
use std::io::Read;

use secrecy::SecretString;

use crate::messages;
use crate::pycompat::is_word_char;

/// Django 5.2's `common-passwords.txt.gz` (BSD licence, see `data/django-LICENSE.txt`).
const COMMON_PASSWORDS_GZ: &[u8] = include_bytes!("../../data/common-passwords.txt.gz");
const MIN_LENGTH: usize = 8;
const MAX_SIMILARITY: f64 = 0.7;

/// The user a new password is compared with; empty values are skipped.
#[derive(Debug, Default, Clone, Copy)]
pub struct UserAttributes<'a> {
    pub username: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
}

pub struct PasswordPolicy {
    common: HashSet<String>,
}

impl PasswordPolicy {
    pub fn load() -> Self {
        let mut text = String::new();
        flate2::read::GzDecoder::new(COMMON_PASSWORDS_GZ)
            .read_to_string(&mut text)
            .expect("the bundled common-password list is valid gzip text");
        let common = text.lines().map(|line| line.trim().to_owned()).filter(|l| !l.is_empty()).collect();
        Self { common }
    }

    #[cfg(test)]
    fn common_count(&self) -> usize {
        self.common.len()
    }

    /// `password` as a [`NewPassword`], or every validator message, in validator order.
    pub fn accept(&self, password: &str, user: Option<&UserAttributes<'_>>) -> Result<NewPassword, Vec<String>> {
        let problems = self.errors(password, user);
        if problems.is_empty() {
            Ok(NewPassword(SecretString::from(password.to_owned())))
        } else {
            Err(problems)
        }
    }

    /// Every validator message for `password`, in validator order; empty when it is acceptable.
    pub fn errors(&self, password: &str, user: Option<&UserAttributes<'_>>) -> Vec<String> {
        let mut errors = Vec::new();
        if let Some(verbose_name) = user.and_then(|user| too_similar(password, user)) {
            errors.push(messages::password_too_similar(verbose_name));
        }
        if password.chars().count() < MIN_LENGTH {
            errors.push(messages::password_too_short(MIN_LENGTH));
        }
        if self.common.contains(crate::pycompat::strip(&password.to_lowercase())) {
            errors.push(messages::PASSWORD_TOO_COMMON.to_owned());
        }
        if !password.is_empty() && password.chars().all(is_digit) {
            errors.push(messages::PASSWORD_ENTIRELY_NUMERIC.to_owned());
        }
        errors
    }
}

/// A password the policy accepted: the only thing a new password hash is made from.
pub struct NewPassword(SecretString);

impl NewPassword {
    pub fn into_secret(self) -> SecretString {
        self.0
    }
}

/// Python's `str.isdigit()` for one character: decimal digits and digit-like symbols
/// (superscripts, circled digits), but not fractions or Roman numerals.
fn is_digit(c: char) -> bool {
    c.is_numeric() && !matches!(c, '\u{bc}'..='\u{be}' | '\u{2150}'..='\u{218f}' | '\u{3007}' | '\u{3021}'..='\u{3029}')
}

/// `UserAttributeSimilarityValidator`: the verbose name of the first attribute the password
/// is too similar to.
fn too_similar(password: &str, user: &UserAttributes<'_>) -> Option<&'static str> {
    let password: Vec<char> = password.to_lowercase().chars().collect();
    let attributes = [
        (user.username, "username"),
        (user.first_name, "first name"),
        (user.last_name, "last name"),
        (user.email, "email address"),
    ];
    for (value, verbose_name) in attributes {
        if value.is_empty() {
            continue;
        }
        let lower = value.to_lowercase();
        let parts = lower.split(|c: char| !is_word_char(c)).chain(std::iter::once(lower.as_str()));
        for part in parts {
            let part: Vec<char> = part.chars().collect();
            if exceeds_length_ratio(password.len(), part.len()) {
                continue;
            }
            if quick_ratio(&password, &part) >= MAX_SIMILARITY {
                return Some(verbose_name);
            }
        }
    }
    None
}

/// Django skips attribute pieces much shorter than the password.
fn exceeds_length_ratio(password_len: usize, value_len: usize) -> bool {
    password_len >= 10 * value_len && (value_len as f64) < MAX_SIMILARITY / 2.0 * password_len as f64
}

/// `difflib.SequenceMatcher.quick_ratio`: twice the size of the multiset intersection of the
/// two strings' characters over their total length.
fn quick_ratio(a: &[char], b: &[char]) -> f64 {
    let total = a.len() + b.len();
    if total == 0 {
        return 1.0;
    }
    let mut available = std::collections::HashMap::<char, usize>::new();
    for &c in b {
        *available.entry(c).or_default() += 1;
    }
    let mut matches = 0usize;
    for c in a {
        if let Some(count) = available.get_mut(c) {
            if *count > 0 {
                *count -= 1;
                matches += 1;
            }
        }
    }
    2.0 * matches as f64 / total as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_list_has_django_s_19640_entries() {
        assert_eq!(PasswordPolicy::load().common_count(), 19_640);
    }

    #[test]
    fn a_weak_numeric_password_fails_three_validators_in_order() {
        let policy = PasswordPolicy::load();
        assert_eq!(
            policy.errors("123", None),
            vec![
                messages::password_too_short(8),
                messages::PASSWORD_TOO_COMMON.to_owned(),
                messages::PASSWORD_ENTIRELY_NUMERIC.to_owned(),
            ]
        );
    }

    #[test]
    fn each_validator_fails_on_its_own() {
        let policy = PasswordPolicy::load();
        assert_eq!(policy.errors("xK9#qL2!", None), Vec::<String>::new());
        assert_eq!(policy.errors("xK9#q", None), vec![messages::password_too_short(8)]);
        assert_eq!(policy.errors("Password", None), vec![messages::PASSWORD_TOO_COMMON.to_owned()]);
        assert_eq!(policy.errors("73914620588", None), vec![messages::PASSWORD_ENTIRELY_NUMERIC.to_owned()]);
    }

    #[test]
    fn only_digits_count_as_numeric() {
        let policy = PasswordPolicy::load();
        let numeric = vec![messages::PASSWORD_ENTIRELY_NUMERIC.to_owned()];
        assert_eq!(policy.errors("٣٤٥٦٧٨٩٠١٢", None), numeric);
        assert_eq!(policy.errors("¹²³⁴⁵⁶⁷⁸⁹", None), numeric);
        assert_eq!(policy.errors("ⅠⅡⅢⅣⅤⅥⅦⅧ", None), Vec::<String>::new());
        assert_eq!(policy.errors("½½½½½½½½", None), Vec::<String>::new());
    }

    #[test]
    fn a_password_like_the_username_is_too_similar() {
        let policy = PasswordPolicy::load();
        let user = UserAttributes { username: "bobbybobby", ..Default::default() };
        assert_eq!(policy.errors("bobbybobby", Some(&user)), vec![messages::password_too_similar("username")]);
    }

    #[test]
    fn similarity_checks_names_and_email_with_their_verbose_names() {
        let policy = PasswordPolicy::load();
        let user = UserAttributes {
            username: "zz",
            first_name: "Maximilian",
            last_name: "Oberhausen",
            email: "quintessential@example.com",
        };
        assert_eq!(policy.errors("maximilian1", Some(&user)), vec![messages::password_too_similar("first name")]);
        assert_eq!(policy.errors("oberhausen!", Some(&user)), vec![messages::password_too_similar("last name")]);
        assert_eq!(policy.errors("quintessential", Some(&user)), vec![messages::password_too_similar("email address")]);
    }

    #[test]
    fn quick_ratio_counts_shared_characters() {
        let a: Vec<char> = "abcd".chars().collect();
        let b: Vec<char> = "bcde".chars().collect();
        assert!((quick_ratio(&a, &b) - 0.75).abs() < 1e-9);
    }
}
