//! Parameters shared by every method (`voters`) and the method-specific ones (`copeland_tie`,
//! `exact_up_to`), checked field by field: errors start with the field name.

use podium_plugin_api::params::{
    finite, integer_in, non_negative, number_in, one_of, reject_unknown,
};
use podium_plugin_api::sdk::{MethodError, Params};

/// Who votes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voters {
    /// Every sample is a ballot ranking the models measured on it (the default).
    Samples,
    /// Every benchmark is a ballot ranking the models by their mean value on it.
    Benchmarks,
}

impl Voters {
    /// The parameter value naming this mode.
    pub fn as_str(self) -> &'static str {
        match self {
            Voters::Samples => "samples",
            Voters::Benchmarks => "benchmarks",
        }
    }
}

/// The largest accepted `exact_up_to` (the DP needs 9 · 2^n bytes: 36 MiB at 22).
pub const MAX_EXACT_UP_TO: u64 = 22;

/// Every parameter, with defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SocialChoiceParams {
    /// `voters`: "samples" (default) or "benchmarks".
    pub voters: Voters,
    /// `copeland_tie` (Copeland only): what a zero margin is worth, in [0, 1]; default 0.5.
    pub copeland_tie: f64,
    /// `exact_up_to` (Kemeny only): the largest candidate count solved exactly; default 20.
    pub exact_up_to: usize,
}

impl SocialChoiceParams {
    /// The defaults.
    pub const DEFAULT: SocialChoiceParams = SocialChoiceParams {
        voters: Voters::Samples,
        copeland_tie: 0.5,
        exact_up_to: 20,
    };

    /// Parses `params`, accepting only `voters` and the fields in `extra` (the method's own).
    pub fn parse(params: &Params, extra: &[&str]) -> Result<SocialChoiceParams, MethodError> {
        let mut accepted = vec!["voters"];
        accepted.extend_from_slice(extra);
        reject_unknown(params, &accepted)?;
        let d = SocialChoiceParams::DEFAULT;
        let voters = match one_of(
            params,
            "voters",
            &["samples", "benchmarks"],
            d.voters.as_str(),
        )? {
            "samples" => Voters::Samples,
            _ => Voters::Benchmarks,
        };
        let copeland_tie = number_in(params, "copeland_tie", 0.0, 1.0, d.copeland_tie)?;
        let exact_up_to = integer_in(
            params,
            "exact_up_to",
            0,
            MAX_EXACT_UP_TO,
            d.exact_up_to as u64,
        )? as usize;
        Ok(SocialChoiceParams {
            voters,
            copeland_tie,
            exact_up_to,
        })
    }
}

/// The largest accepted SCO `iterations`.
pub const MAX_ITERATIONS: u64 = 1_000_000;

/// The largest accepted SCO `batch_size`.
pub const MAX_BATCH_SIZE: u64 = 1_000_000;

/// The parameters of `sco` besides `voters`.
pub const SCO_PARAMS: &[&str] = &[
    "rating_min",
    "rating_max",
    "temperature",
    "learning_rate",
    "iterations",
    "batch_size",
    "tol",
];

/// Soft Condorcet Optimization's parameters, with defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoParams {
    /// `rating_min`: the lower rating bound θ_min; default 0.
    pub rating_min: f64,
    /// `rating_max`: the upper rating bound θ_max (> θ_min); default 1000.
    pub rating_max: f64,
    /// `temperature`: τ > 0; default 1.
    pub temperature: f64,
    /// `learning_rate`: > 0; default 0.01.
    pub learning_rate: f64,
    /// `iterations`: 1 to [`MAX_ITERATIONS`]; default 10,000.
    pub iterations: u64,
    /// `batch_size`: 0 = full batch (default), else pair observations per step.
    pub batch_size: u64,
    /// `tol`: ≥ 0; 0 (default) runs every iteration, > 0 stops when max |Δθ| < tol.
    pub tol: f64,
}

impl ScoParams {
    /// The defaults.
    pub const DEFAULT: ScoParams = ScoParams {
        rating_min: 0.0,
        rating_max: 1000.0,
        temperature: 1.0,
        learning_rate: 0.01,
        iterations: 10_000,
        batch_size: 0,
        tol: 0.0,
    };

    /// Reads the SCO fields of `params` (unknown fields are rejected by
    /// [`SocialChoiceParams::parse`] with [`SCO_PARAMS`]).
    pub fn parse(params: &Params) -> Result<ScoParams, MethodError> {
        let d = ScoParams::DEFAULT;
        let rating_min = finite(params, "rating_min", d.rating_min)?;
        let rating_max = finite(params, "rating_max", d.rating_max)?;
        if rating_max <= rating_min {
            return Err(MethodError::invalid_params(
                "rating_max",
                format!("must be greater than rating_min ({rating_min}), got {rating_max}"),
            ));
        }
        let temperature = positive(params, "temperature", d.temperature)?;
        let learning_rate = positive(params, "learning_rate", d.learning_rate)?;
        let tol = non_negative(params, "tol", d.tol)?;
        let iterations = integer_in(params, "iterations", 1, MAX_ITERATIONS, d.iterations)?;
        let batch_size = integer_in(params, "batch_size", 0, MAX_BATCH_SIZE, d.batch_size)?;
        Ok(ScoParams {
            rating_min,
            rating_max,
            temperature,
            learning_rate,
            iterations,
            batch_size,
            tol,
        })
    }
}

/// An integer field in `min..=max` (an integral float such as 3.0 is accepted): the SDK's
/// [`integer_in`] with its arguments in the order the multiwinner parameters pass them.
pub(crate) fn integer(
    params: &Params,
    field: &str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, MethodError> {
    integer_in(params, field, min, max, default)
}

/// `field` as a finite number > 0 (absent: `default`); the SDK has no getter for this one.
fn positive(params: &Params, field: &str, default: f64) -> Result<f64, MethodError> {
    let Some(value) = params.get(field) else {
        return Ok(default);
    };
    match value.as_f64() {
        Some(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(MethodError::invalid_params(
            field,
            format!("must be a positive number, got {value}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn parse(text: &str, extra: &[&str]) -> Result<SocialChoiceParams, MethodError> {
        let Value::Object(map) = serde_json::from_str(text).unwrap() else {
            panic!("an object");
        };
        SocialChoiceParams::parse(&map, extra)
    }

    #[test]
    fn defaults_and_fields() {
        assert_eq!(parse("{}", &[]).unwrap(), SocialChoiceParams::DEFAULT);
        let p = parse(
            r#"{"voters": "benchmarks", "copeland_tie": 1, "exact_up_to": 3.0}"#,
            &["copeland_tie", "exact_up_to"],
        )
        .unwrap();
        assert_eq!(p.voters, Voters::Benchmarks);
        assert_eq!(p.copeland_tie, 1.0);
        assert_eq!(p.exact_up_to, 3);
    }

    #[test]
    fn errors_name_the_field() {
        let all = ["copeland_tie", "exact_up_to"];
        for (text, extra, field) in [
            (r#"{"voters": "judges"}"#, &all[..], "voters"),
            (r#"{"voters": 1}"#, &all[..], "voters"),
            (r#"{"copeland_tie": 1.5}"#, &all[..], "copeland_tie"),
            (r#"{"copeland_tie": "0"}"#, &all[..], "copeland_tie"),
            (r#"{"exact_up_to": 23}"#, &all[..], "exact_up_to"),
            (r#"{"exact_up_to": -1}"#, &all[..], "exact_up_to"),
            (r#"{"exact_up_to": 2.5}"#, &all[..], "exact_up_to"),
            (r#"{"copeland_tie": 0.5}"#, &[][..], "copeland_tie"),
            (r#"{"votes": "samples"}"#, &all[..], "votes"),
        ] {
            let err = parse(text, extra).unwrap_err();
            assert!(
                err.message.starts_with(&format!("{field}:")),
                "{text}: {err:?}"
            );
        }
    }

    fn sco(text: &str) -> Result<ScoParams, MethodError> {
        let Value::Object(map) = serde_json::from_str(text).unwrap() else {
            panic!("an object");
        };
        SocialChoiceParams::parse(&map, SCO_PARAMS)?;
        ScoParams::parse(&map)
    }

    #[test]
    fn sco_defaults_and_fields() {
        assert_eq!(sco("{}").unwrap(), ScoParams::DEFAULT);
        let p = sco(
            r#"{"rating_min": -1, "rating_max": 1, "temperature": 0.5, "learning_rate": 2,
                "iterations": 5.0, "batch_size": 3, "tol": 1e-6}"#,
        )
        .unwrap();
        assert_eq!(
            p,
            ScoParams {
                rating_min: -1.0,
                rating_max: 1.0,
                temperature: 0.5,
                learning_rate: 2.0,
                iterations: 5,
                batch_size: 3,
                tol: 1e-6,
            }
        );
    }

    #[test]
    fn sco_errors_name_the_field() {
        for (text, field) in [
            (r#"{"rating_min": "0"}"#, "rating_min"),
            (r#"{"rating_max": 0}"#, "rating_max"),
            (r#"{"rating_min": 5, "rating_max": 5}"#, "rating_max"),
            (r#"{"temperature": 0}"#, "temperature"),
            (r#"{"learning_rate": -0.1}"#, "learning_rate"),
            (r#"{"iterations": 0}"#, "iterations"),
            (r#"{"iterations": 1000001}"#, "iterations"),
            (r#"{"iterations": 1.5}"#, "iterations"),
            (r#"{"batch_size": -1}"#, "batch_size"),
            (r#"{"tol": -1}"#, "tol"),
            (r#"{"copeland_tie": 0.5}"#, "copeland_tie"),
        ] {
            let err = sco(text).unwrap_err();
            assert!(
                err.message.starts_with(&format!("{field}:")),
                "{text}: {err:?}"
            );
        }
    }
}
