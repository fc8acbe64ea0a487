//! The few Python built-ins whose exact behaviour the contract depends on: `str.strip()`,
//! `int(str)`, `repr(float)` and the Unicode `\w` class.

use serde_json::Value;

/// Python's `str.isspace()`: Unicode White_Space plus the four information separators.
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()` with no argument.
pub fn strip(text: &str) -> &str {
    text.trim_matches(is_space)
}

/// Python's `\w` for `str` patterns: alphanumeric characters and the underscore.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Python's `int(text)`: surrounding whitespace, an optional sign, and digits that may be
/// grouped by single underscores. `None` when Python would raise or the value leaves `i64`.
pub fn parse_int(text: &str) -> Option<i64> {
    let text = strip(text);
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    let mut value: i64 = 0;
    for c in digits.chars().filter(|&c| c != '_') {
        let digit = i64::from(c.to_digit(10)?);
        value = value.checked_mul(10)?.checked_add(if negative { -digit } else { digit })?;
    }
    Some(value)
}

/// Python's `int(value)` for a JSON value: integers, floats (truncated), numeric strings and
/// booleans; `None` for everything Python would refuse.
pub fn int_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64().or_else(|| {
            let float = number.as_f64()?;
            (float.is_finite() && float.abs() < 9.2e18).then(|| float.trunc() as i64)
        }),
        Value::String(text) => parse_int(text),
        Value::Bool(flag) => Some(i64::from(*flag)),
        _ => None,
    }
}

/// Python's `str()` of a JSON number: integers as digits, floats as `repr(float)`.
/// Python's truth value of a JSON value: `null`, `false`, `0`, `""`, `[]` and `{}` are false.
pub fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(number) => number.as_f64() != Some(0.0),
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

pub fn number_to_string(number: &serde_json::Number) -> String {
    if number.is_f64() {
        float_repr(number.as_f64().unwrap_or_default())
    } else {
        number.to_string()
    }
}

/// Python's `repr(float)`: the shortest round-trip digits, positional notation for decimal
/// exponents from -4 to 15 (always with a fractional part), scientific notation otherwise.
pub fn float_repr(value: f64) -> String {
    if value == 0.0 {
        return if value.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').expect("`{:e}` always has an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` exponent is an integer");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
        };
        format!("{sign}{body}")
    } else {
        let fraction = if digits.len() > 1 { format!(".{}", &digits[1..]) } else { String::new() };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{}{fraction}e{exp_sign}{:02}", &digits[..1], exponent.abs())
    }
}

/// The Python type name of a parsed JSON value, as DRF's messages print it.
pub fn type_name(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "NoneType",
        Value::Object(_) => "dict",
        Value::Array(_) => "list",
        Value::String(_) => "str",
        Value::Bool(_) => "bool",
        Value::Number(number) if number.is_f64() => "float",
        Value::Number(_) => "int",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_accepts_what_python_int_accepts() {
        assert_eq!(parse_int("42"), Some(42));
        assert_eq!(parse_int(" 42\n"), Some(42));
        assert_eq!(parse_int("+7"), Some(7));
        assert_eq!(parse_int("-7"), Some(-7));
        assert_eq!(parse_int("1_000"), Some(1000));
    }

    #[test]
    fn parse_int_refuses_what_python_int_refuses() {
        for text in ["", "abc", "1.5", "_1", "1_", "1__0", "0x10", "99999999999999999999"] {
            assert_eq!(parse_int(text), None, "{text:?}");
        }
    }

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (1.5, "1.5"),
            (100000.0, "100000.0"),
            (1e16, "1e+16"),
            (1e20, "1e+20"),
            (123456789012345.6, "123456789012345.6"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5e-7, "-2.5e-07"),
            (1.0, "1.0"),
            (12.0, "12.0"),
        ];
        for (value, expected) in cases {
            assert_eq!(float_repr(value), expected, "{value}");
        }
    }

    #[test]
    fn strip_removes_python_whitespace_only() {
        assert_eq!(strip("\u{1f} a b \u{a0}\t"), "a b");
        assert_eq!(strip("x"), "x");
    }
}
