//! Parameters shared by every method (`voters`) and the method-specific ones (`copeland_tie`,
//! `exact_up_to`), checked field by field: errors start with the field name.

use podium_plugin_api::sdk::{MethodError, Params};
use serde_json::Value;

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
        if let Some(key) = params
            .keys()
            .find(|k| k.as_str() != "voters" && !extra.contains(&k.as_str()))
        {
            let mut accepted = vec!["voters"];
            accepted.extend_from_slice(extra);
            return Err(MethodError::invalid_params(
                key,
                format!(
                    "unknown parameter (this method accepts: {})",
                    accepted.join(", ")
                ),
            ));
        }
        let d = SocialChoiceParams::DEFAULT;
        let voters = match params.get("voters") {
            None => d.voters,
            Some(Value::String(s)) if s == "samples" => Voters::Samples,
            Some(Value::String(s)) if s == "benchmarks" => Voters::Benchmarks,
            Some(other) => {
                return Err(MethodError::invalid_params(
                    "voters",
                    format!("must be one of \"samples\", \"benchmarks\", got {other}"),
                ));
            }
        };
        let copeland_tie = match params.get("copeland_tie") {
            None => d.copeland_tie,
            Some(value) => match value.as_f64() {
                Some(x) if (0.0..=1.0).contains(&x) => x,
                _ => {
                    return Err(MethodError::invalid_params(
                        "copeland_tie",
                        format!("must be a number from 0 to 1, got {value}"),
                    ));
                }
            },
        };
        let exact_up_to = match params.get("exact_up_to") {
            None => d.exact_up_to,
            Some(value) => {
                let n = match value {
                    Value::Number(n) => n.as_u64().or_else(|| {
                        n.as_f64()
                            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= 1e6)
                            .map(|f| f as u64)
                    }),
                    _ => None,
                };
                match n {
                    Some(n) if n <= MAX_EXACT_UP_TO => n as usize,
                    _ => {
                        return Err(MethodError::invalid_params(
                            "exact_up_to",
                            format!("must be an integer from 0 to {MAX_EXACT_UP_TO}, got {value}"),
                        ));
                    }
                }
            }
        };
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
        let number =
            |field: &str, default: f64, ok: fn(f64) -> bool, what: &str| match params.get(field) {
                None => Ok(default),
                Some(value) => match value.as_f64() {
                    Some(x) if x.is_finite() && ok(x) => Ok(x),
                    _ => Err(MethodError::invalid_params(
                        field,
                        format!("must be {what}, got {value}"),
                    )),
                },
            };
        let rating_min = number("rating_min", d.rating_min, |_| true, "a finite number")?;
        let rating_max = number("rating_max", d.rating_max, |_| true, "a finite number")?;
        if rating_max <= rating_min {
            return Err(MethodError::invalid_params(
                "rating_max",
                format!("must be greater than rating_min ({rating_min}), got {rating_max}"),
            ));
        }
        let temperature = number(
            "temperature",
            d.temperature,
            |x| x > 0.0,
            "a positive number",
        )?;
        let learning_rate = number(
            "learning_rate",
            d.learning_rate,
            |x| x > 0.0,
            "a positive number",
        )?;
        let tol = number("tol", d.tol, |x| x >= 0.0, "a number ≥ 0")?;
        let iterations = integer(params, "iterations", d.iterations, 1, MAX_ITERATIONS)?;
        let batch_size = integer(params, "batch_size", d.batch_size, 0, MAX_BATCH_SIZE)?;
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

/// An integer field in `min..=max` (an integral float such as 3.0 is accepted).
pub(crate) fn integer(
    params: &Params,
    field: &str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, MethodError> {
    let Some(value) = params.get(field) else {
        return Ok(default);
    };
    let n = match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= max as f64)
                .map(|f| f as u64)
        }),
        _ => None,
    };
    match n {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(MethodError::invalid_params(
            field,
            format!("must be an integer from {min} to {max}, got {value}"),
        )),
    }
}

#[cfg(test)]
mod tests {
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
