//! Parameter checks shared by the methods: the host validates against the JSON Schema first, but
//! a method must not rely on it, so every field is checked again here and every error names the
//! field (`MethodError::invalid_params`).

use podium_plugin_api::sdk::{MethodError, Params};
use serde_json::Value;

/// Refuses any field not in `known` (the schemas say `additionalProperties: false`).
pub(crate) fn reject_unknown(params: &Params, known: &[&str]) -> Result<(), MethodError> {
    match params.keys().find(|key| !known.contains(&key.as_str())) {
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

/// The largest integer a JSON number (an `f64`) holds exactly.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

/// `field` as an integer ≥ 1 (absent: `default`). An integral float such as `2.0` is accepted,
/// as JSON Schema's `integer` accepts it.
pub(crate) fn positive_integer(
    params: &Params,
    field: &str,
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
        Some(n) if n >= 1 => Ok(n),
        _ => Err(MethodError::invalid_params(
            field,
            format!("must be an integer ≥ 1, got {value}"),
        )),
    }
}

/// `field` as one of `options` (absent: `default`); returns the matching option.
pub(crate) fn one_of(
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
