//! Parameter checks shared by the methods: the host validates against the JSON Schema first, but
//! a method must not rely on it, so every field is checked again here and every error names the
//! field (`MethodError::invalid_params`). The checks themselves are the SDK's
//! ([`podium_plugin_api::params`]).

use podium_plugin_api::params::integer_in;
use podium_plugin_api::sdk::{MethodError, Params};

pub(crate) use podium_plugin_api::params::{one_of, reject_unknown};

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
    // The SDK's own message would name the upper bound (u64::MAX); this one says what is meant.
    integer_in(params, field, 1, u64::MAX, default).map_err(|_| {
        MethodError::invalid_params(field, format!("must be an integer ≥ 1, got {value}"))
    })
}
