//! Parameter checks. The host validates the parameters against the method's JSON Schema before
//! the call, but a method must not rely on it (an older host, a schema and code that drift
//! apart): every field is checked again here, and every error starts with the field's name
//! (`MethodError::invalid_params`), so the client learns what to fix.
//!
//! The host passes the parameters exactly as the client sent them: schema `default`s are
//! documentation, not applied by the host, so each getter takes the default for an absent field.

use podium_plugin_api::sdk::{MethodError, Params};
use serde_json::Value;

/// Refuses any field not in `known` (the schema says `additionalProperties: false`).
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

/// `field` as a number in `[0, 0.5)` (absent: `default`).
pub(crate) fn fraction_below_half(
    params: &Params,
    field: &str,
    default: f64,
) -> Result<f64, MethodError> {
    let Some(value) = params.get(field) else {
        return Ok(default);
    };
    match value.as_f64() {
        Some(x) if (0.0..0.5).contains(&x) => Ok(x),
        _ => Err(MethodError::invalid_params(
            field,
            format!("must be a number with 0 ≤ {field} < 0.5, got {value}"),
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
