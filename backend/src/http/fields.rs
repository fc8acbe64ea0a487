//! DRF's string fields: presence, null, blank and type checks that stop at the first failure,
//! then validators whose messages all accumulate. A [`Form`] collects the errors of every
//! field in the order the fields are read, which is the serializer's field order.

use serde_json::Value;

use crate::domain::email;
use crate::error::{ApiError, FieldErrors};
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

/// An optional string that may be blank, e.g. a name limited to 150 characters.
pub const fn optional_blank(max_length: usize) -> Spec {
    Spec { required: false, allow_blank: true, max_length: Some(max_length) }
}

/// DRF's `CharField.run_validation` up to its validators: the cleaned value, `Ok(None)` for an
/// absent optional field, or the one message that stops validation.
pub fn clean(value: Option<&Value>, spec: Spec) -> Result<Option<String>, &'static str> {
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

    pub fn input(&self) -> &Input {
        self.input
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

    /// An `EmailField`: length (when limited), NUL and Django's e-mail validator.
    pub fn email(&mut self, name: &'static str, spec: Spec) -> Option<String> {
        let value = self.raw_text(name, spec)?;
        if value.is_empty() {
            return Some(value);
        }
        let problems = email::errors(&value, spec.max_length);
        self.accept_unless(name, value, problems)
    }

    /// Records `problems` for `name`, or hands back the value when there are none.
    pub fn accept_unless(&mut self, name: &'static str, value: String, problems: Vec<String>) -> Option<String> {
        if problems.is_empty() {
            Some(value)
        } else {
            self.errors.add_all(name, problems);
            None
        }
    }

    pub fn reject(&mut self, name: &'static str, message: impl Into<String>) {
        self.errors.add(name, message);
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Ends the field stage: 400 with every field error, if any.
    pub fn finish(self) -> Result<(), ApiError> {
        self.errors.into_result()
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
