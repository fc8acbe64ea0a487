//! Checks the browser makes before sending a form. They only save a round trip: the server
//! decides, and its messages are shown as they come. The messages below are worded as the
//! server's (which says "This field may not be blank." for a blank value rather than
//! [`REQUIRED`]); the confirmation's is the browser's own, since only the browser checks it.

/// The minimum length, in characters, of the server's password policy.
pub const MIN_PASSWORD_LENGTH: usize = 8;

pub const REQUIRED: &str = "This field is required.";
pub const PASSWORDS_DIFFER: &str = "The two passwords do not match.";
pub const EMAIL_INVALID: &str = "Enter a valid email address.";

/// The server's message for a password shorter than [`MIN_PASSWORD_LENGTH`].
pub fn too_short() -> String {
    format!("This password is too short. It must contain at least {MIN_PASSWORD_LENGTH} characters.")
}

/// Errors found in a form: one entry per failed check, as (field name, message), in the order
/// the checks ran.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<(&'static str, String)>);

impl Problems {
    pub fn new() -> Problems {
        Problems::default()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every problem grouped by field, as the server lists field errors: the fields in the order
    /// of their first problem, each with all of its messages in order.
    pub fn into_fields(self) -> Vec<(String, Vec<String>)> {
        let mut fields: Vec<(String, Vec<String>)> = Vec::new();
        for (field, message) in self.0 {
            match fields.iter_mut().find(|(name, _)| name == field) {
                Some((_, list)) => list.push(message),
                None => fields.push((field.to_owned(), vec![message])),
            }
        }
        fields
    }

    /// Requires a value that is not empty or only whitespace.
    pub fn required(mut self, field: &'static str, value: &str) -> Problems {
        if value.trim().is_empty() {
            self.0.push((field, REQUIRED.to_owned()));
        }
        self
    }

    /// A new password: not empty, and at least [`MIN_PASSWORD_LENGTH`] characters long
    /// (characters, not bytes; spaces count and are not trimmed). One problem at most:
    /// "required" for an empty password, otherwise "too short".
    pub fn new_password(mut self, field: &'static str, value: &str) -> Problems {
        if value.is_empty() {
            self.0.push((field, REQUIRED.to_owned()));
        } else if value.chars().count() < MIN_PASSWORD_LENGTH {
            self.0.push((field, too_short()));
        }
        self
    }

    /// The confirmation of a new password: required, and equal to `password` exactly (no
    /// trimming). The problem is reported on the confirmation's field.
    pub fn confirms(mut self, field: &'static str, password: &str, confirmation: &str) -> Problems {
        if confirmation.is_empty() {
            self.0.push((field, REQUIRED.to_owned()));
        } else if password != confirmation {
            self.0.push((field, PASSWORDS_DIFFER.to_owned()));
        }
        self
    }

    /// A plausible e-mail address, once trimmed: no whitespace inside, something before the
    /// last `@`, and after it a domain with a dot that neither starts nor ends it. The part
    /// before the last `@` may hold another `@`; the server makes the full check. An empty or
    /// blank value passes here: `required` says whether it may be.
    pub fn email(mut self, field: &'static str, value: &str) -> Problems {
        let value = value.trim();
        if !value.is_empty() && !looks_like_email(value) {
            self.0.push((field, EMAIL_INVALID.to_owned()));
        }
        self
    }
}

fn looks_like_email(value: &str) -> bool {
    match value.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_required_fields_are_reported() {
        let problems = Problems::new().required("username", "  ").required("email", "a@b.co");
        assert_eq!(problems.0, vec![("username", REQUIRED.to_owned())]);
    }

    #[test]
    fn a_confirmation_that_differs_is_reported_on_the_confirmation() {
        let problems = Problems::new().confirms("confirm", "correct horse", "correct hose");
        assert_eq!(problems.0, vec![("confirm", PASSWORDS_DIFFER.to_owned())]);
        assert!(Problems::new().confirms("confirm", "same pass", "same pass").is_empty());
        assert_eq!(Problems::new().confirms("confirm", "x", "").0, vec![("confirm", REQUIRED.to_owned())]);
    }

    #[test]
    fn a_short_new_password_is_reported_with_the_servers_minimum() {
        let problems = Problems::new().new_password("password", "seven77");
        assert_eq!(problems.0, vec![("password", too_short())]);
        assert!(too_short().contains("at least 8 characters"));
        assert!(Problems::new().new_password("password", "eight888").is_empty());
        assert!(Problems::new().new_password("password", "ééééééé").0.len() == 1);
    }

    #[test]
    fn e_mail_addresses_get_a_light_check() {
        assert!(Problems::new().email("email", "ada@example.com").is_empty());
        assert!(Problems::new().email("email", "").is_empty());
        for bad in ["ada", "ada@", "@example.com", "ada@example", "ada@.com", "a da@example.com"] {
            assert_eq!(Problems::new().email("email", bad).0.len(), 1, "{bad}");
        }
    }

    #[test]
    fn problems_become_field_errors_grouped_by_field() {
        let fields = Problems::new().required("a", "").new_password("b", "").confirms("a", "x", "y").into_fields();
        assert_eq!(
            fields,
            vec![
                ("a".to_owned(), vec![REQUIRED.to_owned(), PASSWORDS_DIFFER.to_owned()]),
                ("b".to_owned(), vec![REQUIRED.to_owned()])
            ]
        );
    }
}
