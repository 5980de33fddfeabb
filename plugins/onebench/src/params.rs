//! The method's parameters: parsed and checked here again (the host validates against the
//! schema first, but a method must not rely on that); every error names its field.

use podium_plugin_api::sdk::{MethodError, Params};
use serde_json::Value;

/// How an exact tie (equal values on a sample, or a `tie` verdict) enters W.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ties {
    /// A tie counts as a win both ways: `W[a][b] += 1` and `W[b][a] += 1` (the ONEBench path).
    BothWays,
    /// Half a win each way (the Bradley–Terry convention).
    Half,
    /// Ties are dropped.
    Ignore,
}

/// How a `both_bad` verdict enters W.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BothBad {
    /// As a tie (then per [`Ties`]).
    Tie,
    /// Dropped.
    Ignore,
}

/// What to do when the comparison graph is not strongly connected and `alpha` is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disconnected {
    /// Fit the largest strongly connected component; other models get no score.
    LargestComponent,
    /// Answer `INVALID_DATA`, naming the components.
    Error,
}

/// The parsed parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OneBenchParams {
    /// See [`Ties`].
    pub ties: Ties,
    /// See [`BothBad`].
    pub both_bad: BothBad,
    /// Regularisation: a rate α added between every pair of fitted models (≥ 0).
    pub alpha: f64,
    /// At most this many LSR steps (≥ 1).
    pub max_iter: u64,
    /// Converged when the L1 norm of the change of centred θ is at most `tol · n` (≥ 0).
    pub tol: f64,
    /// See [`Disconnected`].
    pub disconnected: Disconnected,
}

/// The names the schema declares.
pub const FIELDS: [&str; 6] = [
    "ties",
    "both_bad",
    "alpha",
    "max_iter",
    "tol",
    "disconnected",
];

/// The largest `max_iter` accepted.
pub const MAX_ITER_LIMIT: u64 = 100_000;

/// The largest integer a JSON number (an `f64`) holds exactly.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

impl OneBenchParams {
    /// The defaults (choix 0.4.1's for the fit; the ONEBench path for ties).
    pub const DEFAULT: OneBenchParams = OneBenchParams {
        ties: Ties::BothWays,
        both_bad: BothBad::Tie,
        alpha: 0.0,
        max_iter: 100,
        tol: 1e-8,
        disconnected: Disconnected::LargestComponent,
    };

    /// Parses and checks `params`; an absent field takes its default.
    pub fn parse(params: &Params) -> Result<OneBenchParams, MethodError> {
        if let Some(key) = params.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(MethodError::invalid_params(
                key,
                format!(
                    "unknown parameter (this method accepts: {})",
                    FIELDS.join(", ")
                ),
            ));
        }
        let d = OneBenchParams::DEFAULT;
        Ok(OneBenchParams {
            ties: match one_of(
                params,
                "ties",
                &["both_ways", "half", "ignore"],
                "both_ways",
            )? {
                "both_ways" => Ties::BothWays,
                "half" => Ties::Half,
                _ => Ties::Ignore,
            },
            both_bad: match one_of(params, "both_bad", &["tie", "ignore"], "tie")? {
                "tie" => BothBad::Tie,
                _ => BothBad::Ignore,
            },
            alpha: non_negative(params, "alpha", d.alpha)?,
            max_iter: integer_in(params, "max_iter", 1, MAX_ITER_LIMIT, d.max_iter)?,
            tol: non_negative(params, "tol", d.tol)?,
            disconnected: match one_of(
                params,
                "disconnected",
                &["largest_component", "error"],
                "largest_component",
            )? {
                "largest_component" => Disconnected::LargestComponent,
                _ => Disconnected::Error,
            },
        })
    }
}

/// `field` as one of `options` (absent: `default`).
fn one_of(
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

/// `field` as a finite number ≥ 0 (absent: `default`).
fn non_negative(params: &Params, field: &str, default: f64) -> Result<f64, MethodError> {
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

/// `field` as an integer in `low..=high` (absent: `default`). An integral float such as `2.0`
/// is accepted, as JSON Schema's `integer` accepts it.
fn integer_in(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<OneBenchParams, MethodError> {
        let Value::Object(map) = serde_json::from_str(text).unwrap() else {
            panic!("an object");
        };
        OneBenchParams::parse(&map)
    }

    #[test]
    fn defaults_and_every_field() {
        assert_eq!(parse("{}").unwrap(), OneBenchParams::DEFAULT);
        let p = parse(
            r#"{"ties": "half", "both_bad": "ignore", "alpha": 0.5, "max_iter": 7.0,
                "tol": 0, "disconnected": "error"}"#,
        )
        .unwrap();
        assert_eq!(
            p,
            OneBenchParams {
                ties: Ties::Half,
                both_bad: BothBad::Ignore,
                alpha: 0.5,
                max_iter: 7,
                tol: 0.0,
                disconnected: Disconnected::Error,
            }
        );
    }

    #[test]
    fn errors_name_the_field() {
        for (text, field) in [
            (r#"{"ties": "both"}"#, "ties"),
            (r#"{"both_bad": "half"}"#, "both_bad"),
            (r#"{"alpha": -1}"#, "alpha"),
            (r#"{"alpha": "1"}"#, "alpha"),
            (r#"{"max_iter": 0}"#, "max_iter"),
            (r#"{"max_iter": 1.5}"#, "max_iter"),
            (r#"{"max_iter": 100001}"#, "max_iter"),
            (r#"{"tol": -1e-9}"#, "tol"),
            (r#"{"disconnected": null}"#, "disconnected"),
            (r#"{"alhpa": 1}"#, "alhpa"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(
                err.message.starts_with(&format!("{field}:")),
                "{text}: {err:?}"
            );
        }
    }
}
