//! Reading a method's parameters: typed getters that take a default when the field is absent
//! and fail with [`MethodError::invalid_params`] naming the field otherwise.
//!
//! The host validates parameters against the method's JSON Schema before calling, but a
//! method must not rely on that (a plugin may be called by another host, or its schema may be
//! looser than its code), so every plugin reads its parameters through these checks.

use serde_json::Value;

use crate::sdk::{MethodError, Params};

/// The largest integer a JSON number (an `f64`) holds exactly.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

/// Fails on the first field not in `known`, listing what the method accepts.
pub fn reject_unknown(params: &Params, known: &[&str]) -> Result<(), MethodError> {
    match params.keys().find(|k| !known.contains(&k.as_str())) {
        None => Ok(()),
        Some(key) => Err(MethodError::invalid_params(
            key,
            format!(
                "unknown parameter (this method accepts: {})",
                known.join(", ")
            ),
        )),
    }
}

/// `field` as one of `options` (absent: `default`).
pub fn one_of(
    params: &Params,
    field: &str,
    options: &[&'static str],
    default: &'static str,
) -> Result<&'static str, MethodError> {
    let Some(value) = params.get(field) else {
        return Ok(default);
    };
    value
        .as_str()
        .and_then(|s| options.iter().copied().find(|option| *option == s))
        .ok_or_else(|| {
            let choices = options
                .iter()
                .map(|o| format!("\"{o}\""))
                .collect::<Vec<_>>()
                .join(", ");
            MethodError::invalid_params(field, format!("must be one of {choices}, got {value}"))
        })
}

/// `field` as a finite number in `low..=high` (absent: `default`).
pub fn number_in(
    params: &Params,
    field: &str,
    low: f64,
    high: f64,
    default: f64,
) -> Result<f64, MethodError> {
    let Some(value) = params.get(field) else {
        return Ok(default);
    };
    match value.as_f64() {
        Some(x) if x.is_finite() && (low..=high).contains(&x) => Ok(x),
        _ => Err(MethodError::invalid_params(
            field,
            format!("must be a number from {low} to {high}, got {value}"),
        )),
    }
}

/// `field` as a finite number ≥ 0 (absent: `default`).
pub fn non_negative(params: &Params, field: &str, default: f64) -> Result<f64, MethodError> {
    let Some(value) = params.get(field) else {
        return Ok(default);
    };
    match value.as_f64() {
        Some(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(MethodError::invalid_params(
            field,
            format!("must be a number ≥ 0, got {value}"),
        )),
    }
}

/// `field` as a finite number (absent: `default`).
pub fn finite(params: &Params, field: &str, default: f64) -> Result<f64, MethodError> {
    let Some(value) = params.get(field) else {
        return Ok(default);
    };
    match value.as_f64() {
        Some(x) if x.is_finite() => Ok(x),
        _ => Err(MethodError::invalid_params(
            field,
            format!("must be a finite number, got {value}"),
        )),
    }
}

/// `field` as an integer in `low..=high` (absent: `default`). An integral float such as `2.0`
/// is accepted, as JSON Schema's `integer` accepts it.
pub fn integer_in(
    params: &Params,
    field: &str,
    low: u64,
    high: u64,
    default: u64,
) -> Result<u64, MethodError> {
    let Some(value) = params.get(field) else {
        return Ok(default);
    };
    let number = match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= MAX_EXACT)
                .map(|f| f as u64)
        }),
        _ => None,
    };
    match number {
        Some(n) if (low..=high).contains(&n) => Ok(n),
        _ => Err(MethodError::invalid_params(
            field,
            format!("must be an integer from {low} to {high}, got {value}"),
        )),
    }
}

/// `field` as a boolean (absent: `default`).
pub fn boolean(params: &Params, field: &str, default: bool) -> Result<bool, MethodError> {
    match params.get(field) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(value) => Err(MethodError::invalid_params(
            field,
            format!("must be true or false, got {value}"),
        )),
    }
}

/// `field` as a non-empty string, `None` when absent.
pub fn optional_string<'p>(
    params: &'p Params,
    field: &str,
) -> Result<Option<&'p str>, MethodError> {
    match params.get(field) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
        Some(value) => Err(MethodError::invalid_params(
            field,
            format!("must be a non-empty string, got {value}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(text: &str) -> Params {
        let Value::Object(map) = serde_json::from_str(text).unwrap() else {
            panic!("an object");
        };
        map
    }

    #[test]
    fn defaults_when_absent() {
        let p = map("{}");
        assert_eq!(one_of(&p, "x", &["a", "b"], "b").unwrap(), "b");
        assert_eq!(number_in(&p, "x", 0.0, 1.0, 0.5).unwrap(), 0.5);
        assert_eq!(non_negative(&p, "x", 2.0).unwrap(), 2.0);
        assert_eq!(finite(&p, "x", -2.0).unwrap(), -2.0);
        assert_eq!(integer_in(&p, "x", 1, 9, 3).unwrap(), 3);
        assert!(boolean(&p, "x", true).unwrap());
        assert_eq!(optional_string(&p, "x").unwrap(), None);
    }

    #[test]
    fn values_when_present() {
        let p =
            map(r#"{"e": "a", "n": 0.25, "z": 0, "f": -7.5, "i": 4.0, "b": false, "s": "gpt"}"#);
        assert_eq!(one_of(&p, "e", &["a", "b"], "b").unwrap(), "a");
        assert_eq!(number_in(&p, "n", 0.0, 1.0, 0.5).unwrap(), 0.25);
        assert_eq!(non_negative(&p, "z", 2.0).unwrap(), 0.0);
        assert_eq!(finite(&p, "f", 0.0).unwrap(), -7.5);
        assert_eq!(integer_in(&p, "i", 1, 9, 3).unwrap(), 4);
        assert!(!boolean(&p, "b", true).unwrap());
        assert_eq!(optional_string(&p, "s").unwrap(), Some("gpt"));
        reject_unknown(&p, &["e", "n", "z", "f", "i", "b", "s"]).unwrap();
    }

    #[test]
    fn errors_name_the_field() {
        let p =
            map(r#"{"e": "c", "n": 1.5, "z": -1, "f": "1", "i": 1.5, "b": 1, "s": "", "u": 0}"#);
        let errors = [
            one_of(&p, "e", &["a", "b"], "a").unwrap_err(),
            number_in(&p, "n", 0.0, 1.0, 0.5).unwrap_err(),
            non_negative(&p, "z", 0.0).unwrap_err(),
            finite(&p, "f", 0.0).unwrap_err(),
            integer_in(&p, "i", 1, 9, 3).unwrap_err(),
            boolean(&p, "b", true).unwrap_err(),
            optional_string(&p, "s").unwrap_err(),
            reject_unknown(&p, &["e", "n", "z", "f", "i", "b", "s"]).unwrap_err(),
        ];
        for (error, field) in errors.iter().zip(["e", "n", "z", "f", "i", "b", "s", "u"]) {
            assert!(
                error.message.starts_with(&format!("{field}:")),
                "{field}: {error:?}"
            );
        }
    }
}
