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
}
