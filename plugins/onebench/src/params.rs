//! The method's parameters: parsed and checked here again (the host validates against the
//! schema first, but a method must not rely on that); every error names its field.

use podium_plugin_api::params::{integer_in, non_negative, number_in, one_of, reject_unknown};
use podium_plugin_api::sdk::{MethodError, Params};

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
    /// Bootstrap replicates for percentile intervals (0: none).
    pub resamples: u64,
    /// Coverage of those intervals.
    pub level: f64,
}

/// The names the schema declares.
pub const FIELDS: [&str; 8] = [
    "ties",
    "both_bad",
    "alpha",
    "max_iter",
    "tol",
    "disconnected",
    "resamples",
    "level",
];

/// The largest `resamples` accepted.
pub const MAX_RESAMPLES: u64 = 10_000;

/// The largest `max_iter` accepted.
pub const MAX_ITER_LIMIT: u64 = 100_000;

impl OneBenchParams {
    /// The defaults (choix 0.4.1's for the fit; the ONEBench path for ties).
    pub const DEFAULT: OneBenchParams = OneBenchParams {
        ties: Ties::BothWays,
        both_bad: BothBad::Tie,
        alpha: 0.0,
        max_iter: 100,
        tol: 1e-8,
        disconnected: Disconnected::LargestComponent,
        resamples: 0,
        level: 0.95,
    };

    /// Parses and checks `params`; an absent field takes its default.
    pub fn parse(params: &Params) -> Result<OneBenchParams, MethodError> {
        reject_unknown(params, &FIELDS)?;
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
            resamples: integer_in(params, "resamples", 0, MAX_RESAMPLES, d.resamples)?,
            level: number_in(params, "level", 0.5, 0.999, d.level)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

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
                "tol": 0, "disconnected": "error", "resamples": 20, "level": 0.9}"#,
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
                resamples: 20,
                level: 0.9,
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
            (r#"{"resamples": -1}"#, "resamples"),
            (r#"{"level": 1}"#, "level"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(
                err.message.starts_with(&format!("{field}:")),
                "{text}: {err:?}"
            );
        }
    }
}
