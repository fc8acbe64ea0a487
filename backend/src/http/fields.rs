//! DRF's string fields: presence, null, blank and type checks that stop at the first failure,
//! then validators whose messages all accumulate. A [`Form`] collects the errors of every
//! field in the order the fields are read, which is the serializer's field order.

use serde_json::Value;

use crate::domain::email::{self, EmailAddress};
use crate::domain::username;
use crate::error::{ApiError, FieldErrors, Submitted};
use crate::http::body::Input;
use crate::messages;
use crate::pycompat;

#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub required: bool,
    pub allow_blank: bool,
    pub max_length: Option<usize>,
}

/// A required, non-blank string without a length limit (passwords, uid, token, …).
pub const REQUIRED: Spec = Spec { required: true, allow_blank: false, max_length: None };

/// The same, optional.
pub const OPTIONAL: Spec = Spec { required: false, allow_blank: false, max_length: None };

/// A username field of the user model (its length is one of Django's username validators,
/// applied with the others).
pub const USERNAME_FIELD: Spec = Spec { required: true, allow_blank: false, max_length: Some(username::MAX_LENGTH) };

/// The e-mail field of the user model: optional, may be blank, at most 254 characters.
pub const EMAIL_FIELD: Spec = Spec { required: false, allow_blank: true, max_length: Some(email::MAX_LENGTH) };

/// An optional string that may be blank, e.g. a name limited to 150 characters.
pub const fn optional_blank(max_length: usize) -> Spec {
    Spec { required: false, allow_blank: true, max_length: Some(max_length) }
}

/// DRF's `CharField.run_validation` up to its validators: the cleaned value, `Ok(None)` for an
/// absent optional field, or the one message that stops validation.
fn clean(value: Option<&Value>, spec: Spec) -> Result<Option<String>, &'static str> {
    let Some(value) = value else {
        return if spec.required { Err(messages::REQUIRED) } else { Ok(None) };
    };
    match value {
        Value::String(text) => {
            let stripped = pycompat::strip(text);
            if stripped.is_empty() {
                return if spec.allow_blank { Ok(Some(String::new())) } else { Err(messages::BLANK) };
            }
            Ok(Some(stripped.to_owned()))
        }
        Value::Null => Err(messages::NULL),
        Value::Number(number) => Ok(Some(pycompat::number_to_string(number))),
        Value::Bool(_) | Value::Array(_) | Value::Object(_) => Err(messages::NOT_A_STRING),
    }
}

/// The errors of the fields read so far.
pub struct Form<'a> {
    input: &'a Input,
    errors: FieldErrors,
}

impl<'a> Form<'a> {
    pub fn new(input: &'a Input) -> Self {
        Self { input, errors: FieldErrors::default() }
    }

    /// A field's cleaned value before its validators run; `None` if absent or refused (the
    /// refusal is recorded).
    pub fn raw_text(&mut self, name: &'static str, spec: Spec) -> Option<String> {
        match clean(self.input.get(name), spec) {
            Ok(value) => value,
            Err(message) => {
                self.errors.add(name, message);
                None
            }
        }
    }

    /// A plain `CharField`: length and NUL validators.
    pub fn text(&mut self, name: &'static str, spec: Spec) -> Option<String> {
        let value = self.raw_text(name, spec)?;
        if value.is_empty() {
            return Some(value);
        }
        let mut problems = Vec::new();
        if let Some(max) = spec.max_length {
            if value.chars().count() > max {
                problems.push(messages::max_length(max));
            }
        }
        if value.contains('\0') {
            problems.push(messages::NULL_CHARACTERS.to_owned());
        }
        self.accept_unless(name, value, problems)
    }

    /// An `EmailField`: length (when limited), NUL and Django's e-mail validator, and no
    /// control characters: Django takes them in a quoted local part, but no message can be
    /// addressed to them (and a log line would carry them raw).
    pub fn email(&mut self, name: &'static str, spec: Spec) -> Option<String> {
        let value = self.raw_text(name, spec)?;
        if value.is_empty() {
            return Some(value);
        }
        let mut problems = email::errors(&value, spec.max_length);
        if problems.is_empty() && value.chars().any(char::is_control) {
            problems.push(messages::INVALID_EMAIL.to_owned());
        }
        self.accept_unless(name, value, problems)
    }

    /// A required `EmailField` as an address.
    pub fn email_address(&mut self, name: &'static str, spec: Spec) -> Option<EmailAddress> {
        let value = self.raw_text(name, spec)?;
        match EmailAddress::accept(value, spec.max_length) {
            Ok(address) => Some(address),
            Err(problems) => {
                self.errors.add_all(name, problems);
                None
            }
        }
    }

    /// A required `ChoiceField`: one of `choices`, compared as given (not stripped).
    pub fn choice(&mut self, name: &'static str, choices: &[&'static str]) -> Option<&'static str> {
        let input = match self.input.get(name) {
            None => Err(messages::REQUIRED.to_owned()),
            Some(Value::Null) => Err(messages::NULL.to_owned()),
            Some(Value::String(text)) => Ok(text.clone()),
            Some(Value::Number(number)) => Ok(pycompat::number_to_string(number)),
            Some(other) => Ok(other.to_string()),
        };
        let problem = match input {
            Ok(input) => match choices.iter().find(|choice| **choice == input) {
                Some(choice) => return Some(choice),
                None => messages::invalid_choice(&input),
            },
            Err(problem) => problem,
        };
        self.errors.add_all(name, vec![problem]);
        None
    }

    /// A JSON object (a `DictField`): required or optional; `null` and other values refused.
    pub fn object(&mut self, name: &'static str, required: bool) -> Option<serde_json::Map<String, Value>> {
        let problem = match self.input.get(name) {
            None if required => messages::REQUIRED.to_owned(),
            None => return None,
            Some(Value::Null) => messages::NULL.to_owned(),
            Some(Value::Object(map)) => return Some(map.clone()),
            Some(other) => messages::not_a_dict_field(pycompat::type_name(other)),
        };
        self.errors.add_all(name, vec![problem]);
        None
    }

    /// Records `problems` for `name`, or hands back the value when there are none.
    fn accept_unless(&mut self, name: &'static str, value: String, problems: Vec<String>) -> Option<String> {
        if problems.is_empty() {
            Some(value)
        } else {
            self.errors.add_all(name, problems);
            None
        }
    }

    /// Ends the field stage: 400 with every field error, if any.
    pub fn finish(self) -> Result<(), ApiError> {
        self.errors.into_result()
    }

    /// Hands the fields read, with their errors so far, to a flow that finishes the field
    /// stage (`order` is the serializer's field order).
    pub fn submit<T>(self, fields: T, order: &'static [&'static str]) -> Submitted<T> {
        Submitted::new(fields, self.errors, order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn clean_follows_drf_for_each_kind_of_value() {
        assert_eq!(clean(None, REQUIRED), Err(messages::REQUIRED));
        assert_eq!(clean(None, optional_blank(150)), Ok(None));
        assert_eq!(clean(Some(&json!(null)), REQUIRED), Err(messages::NULL));
        assert_eq!(clean(Some(&json!("   ")), REQUIRED), Err(messages::BLANK));
        assert_eq!(clean(Some(&json!("   ")), optional_blank(150)), Ok(Some(String::new())));
        assert_eq!(clean(Some(&json!(true)), REQUIRED), Err(messages::NOT_A_STRING));
        assert_eq!(clean(Some(&json!(["a"])), REQUIRED), Err(messages::NOT_A_STRING));
        assert_eq!(clean(Some(&json!({"a": 1})), REQUIRED), Err(messages::NOT_A_STRING));
        assert_eq!(clean(Some(&json!(12345)), REQUIRED), Ok(Some("12345".into())));
        assert_eq!(clean(Some(&json!(1.5)), REQUIRED), Ok(Some("1.5".into())));
        assert_eq!(clean(Some(&json!("  alice ")), REQUIRED), Ok(Some("alice".into())));
    }
}
