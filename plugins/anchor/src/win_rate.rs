//! `anchor_win_rate`: Arena-Hard scoring against a named anchor, with a per-model bootstrap
//! interval and a power analysis.
//!
//! Only comparisons between the anchor and another model count. Each such comparison is a row
//! of its non-anchor model with value s = 1 (win), 0.5 (tie or both bad), 0 (loss), read from
//! that model's side whatever position the anchor held, and row weight = comparison weight ×
//! `strong_weight` when the verdict is strong (strength ≥ 2), × 1 otherwise. Score =
//! 100 · Σ w·s / Σ w. With `strong_weight` 1 this is the anchor paper's win rate
//! ((wins + ½ ties) / N on unit weights); with 3 it is Arena-Hard v2's scoring, where `A>>B`
//! counts three times.
//!
//! Why it is shaped so:
//! - **The bootstrap resamples each model's own rows**, as Arena-Hard does (rows per model with
//!   replacement, 100 rounds, 5 %–95 % quantiles), so one model's interval does not depend on
//!   the others' data. Model m draws from `SplitMix64::stream(seed, m)`, so the result is a
//!   pure function of (data, params, seed) and independent of the other models' row counts.
//!   Quantiles interpolate linearly between order statistics (numpy's default).
//! - **The anchor scores 50 with [50, 50]**: it is the reference, not an estimate.
//! - The host's own bootstrap (resampling prompts) still replaces these intervals when
//!   requested; this one is the Arena-Hard convention, available without it.

use podium_numerics::stats::quantile;
use podium_plugin_api::abi::{PODIUM_METHOD_SEEDED, PODIUM_METHOD_USES_COMPARISONS};
use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params};
use podium_synth::SplitMix64;
use serde_json::{Map, Value, json};

use crate::data::{self, CHECK_EVERY};
use crate::params::WinRateParams;
use crate::power;

/// The `anchor_win_rate` method (see the module documentation).
pub struct AnchorWinRate;

/// One model's rows against the anchor and their tallies.
#[derive(Debug, Default, Clone)]
struct ModelRows {
    /// (row weight, value) per comparison.
    rows: Vec<(f64, f64)>,
    wins: u64,
    ties: u64,
    losses: u64,
    strong_wins: u64,
    strong_losses: u64,
}

/// The power analysis of one model with tie rate `tie_rate` (null when every row is a tie).
pub fn power_json(tie_rate: f64) -> Value {
    if tie_rate.is_nan() || tie_rate >= 1.0 {
        return Value::Null;
    }
    json!({
        "tie_rate": tie_rate,
        "edge_0.05": power::prompts_needed(tie_rate, 0.05),
        "edge_0.10": power::prompts_needed(tie_rate, 0.10),
        "test": power::TEST,
    })
}

impl Method for AnchorWinRate {
    const ID: &'static str = "anchor_win_rate";
    const DESCRIPTION: &'static str = "Win rate against a named anchor model, Arena-Hard \
        style. Only comparisons between the anchor and another model count; each is read from \
        the non-anchor model's side whatever position the anchor held (position-swapped games \
        count as two rows). Value 1 for a win, 0.5 for a tie or both_bad, 0 for a loss; row \
        weight = comparison weight x strong_weight when the verdict is strong (strength >= 2, \
        i.e. A>>B), else x 1. Score = 100 x weighted mean value, in percent (strong_weight 1 = \
        the anchor paper's win rate; 3 = Arena-Hard v2). The anchor scores 50 with interval \
        [50, 50]. Interval: bootstrap resampling each model's rows with replacement (`rounds`, \
        seeded, deterministic), percentile quantiles low_quantile..high_quantile (default \
        5-95 %). The extra `anchor_win_rate` gives per model the counts (wins, ties, losses, \
        strong wins and losses), the tie rate and a power analysis: prompts needed to detect a \
        +5 % and +10 % win-rate edge at 80 % power with a one-sided exact sign test (alpha \
        0.05) on decisive prompts. Models without comparisons against the anchor get no score.";
    const PARAMS_SCHEMA: &'static str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "anchor_win_rate",
  "type": "object",
  "properties": {
    "anchor": {
      "description": "Name of the anchor model; it must be one of the selected models.",
      "type": "string",
      "minLength": 1
    },
    "strong_weight": {
      "description": "Multiplier of a strong verdict's weight (strength >= 2, A>>B): 1 counts >> like > (the anchor paper), 3 is Arena-Hard v2.",
      "type": "number",
      "minimum": 1,
      "maximum": 1000,
      "default": 1
    },
    "rounds": {
      "description": "Bootstrap rounds resampling each model's rows with replacement; 0 = no interval.",
      "type": "integer",
      "minimum": 0,
      "maximum": 100000,
      "default": 100
    },
    "low_quantile": {
      "description": "Lower quantile of the bootstrap interval.",
      "type": "number",
      "minimum": 0,
      "maximum": 1,
      "default": 0.05
    },
    "high_quantile": {
      "description": "Upper quantile of the bootstrap interval (at least low_quantile).",
      "type": "number",
      "minimum": 0,
      "maximum": 1,
      "default": 0.95
    }
  },
  "required": ["anchor"],
  "additionalProperties": false
}"#;
    const FLAGS: u32 = PODIUM_METHOD_USES_COMPARISONS | PODIUM_METHOD_SEEDED;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        let p = WinRateParams::parse(params, data)?;
        let verdicts = data::read(host, data)?;
        let anchor = p.anchor;
        let mut models = vec![ModelRows::default(); data.model_count()];
        for (i, v) in verdicts.rows.iter().enumerate() {
            if i % CHECK_EVERY == 0 {
                host.check_cancelled()?;
            }
            if v.a != anchor && v.b != anchor {
                continue;
            }
            let m = v.opponent(anchor);
            let level = v.level_for(m);
            let r = &mut models[m];
            let value = match level {
                2 => {
                    r.wins += 1;
                    r.strong_wins += 1;
                    1.0
                }
                1 => {
                    r.wins += 1;
                    1.0
                }
                0 => {
                    r.ties += 1;
                    0.5
                }
                -1 => {
                    r.losses += 1;
                    0.0
                }
                _ => {
                    r.losses += 1;
                    r.strong_losses += 1;
                    0.0
                }
            };
            let strong = level.abs() == 2;
            let weight = v.weight * if strong { p.strong_weight } else { 1.0 };
            r.rows.push((weight, value));
        }
        let anchor_name = data.model_name(anchor);
        if models.iter().all(|m| m.rows.is_empty()) {
            return Err(MethodError::invalid_data(format!(
                "no comparison involves the anchor \"{anchor_name}\" and another model"
            )));
        }
        host.progress(0.1);

        let mean = |rows: &[(f64, f64)]| {
            let (mut ws, mut w) = (0.0, 0.0);
            for &(weight, value) in rows {
                ws += weight * value;
                w += weight;
            }
            100.0 * ws / w
        };
        let total = models.len().max(1) as f64;
        let mut per_model = Map::new();
        let mut unscored = Vec::new();
        for (m, r) in models.iter().enumerate() {
            host.check_cancelled()?;
            if m == anchor {
                continue;
            }
            if r.rows.is_empty() {
                unscored.push(data.model_name(m));
                continue;
            }
            out.set_score(m, mean(&r.rows));
            if p.rounds > 0 {
                let mut rng = SplitMix64::stream(seed, m as u64);
                let n = r.rows.len();
                let mut replicates = Vec::with_capacity(p.rounds as usize);
                let mut drawn = 0usize;
                for _ in 0..p.rounds {
                    let (mut ws, mut w) = (0.0, 0.0);
                    for _ in 0..n {
                        let (weight, value) = r.rows[rng.below(n as u64) as usize];
                        ws += weight * value;
                        w += weight;
                    }
                    drawn += n;
                    if drawn >= CHECK_EVERY {
                        host.check_cancelled()?;
                        drawn = 0;
                    }
                    replicates.push(100.0 * ws / w);
                }
                replicates.sort_by(f64::total_cmp);
                out.set_interval(
                    m,
                    quantile(&replicates, p.low_quantile),
                    quantile(&replicates, p.high_quantile),
                );
            }
            let n = r.rows.len() as f64;
            let tie_rate = r.ties as f64 / n;
            per_model.insert(
                data.model_name(m).to_owned(),
                json!({
                    "n": r.rows.len(),
                    "wins": r.wins,
                    "ties": r.ties,
                    "losses": r.losses,
                    "strong_wins": r.strong_wins,
                    "strong_losses": r.strong_losses,
                    "tie_rate": tie_rate,
                    "power": power_json(tie_rate),
                }),
            );
            host.progress(0.1 + 0.9 * (m + 1) as f64 / total);
        }
        out.set_score(anchor, 50.0);
        if p.rounds > 0 {
            out.set_interval(anchor, 50.0, 50.0);
        }
        host.emit_extra(
            "anchor_win_rate",
            &json!({
                "anchor": anchor_name,
                "strong_weight": p.strong_weight,
                "rounds": p.rounds,
                "quantiles": [p.low_quantile, p.high_quantile],
                "models": per_model,
                "unscored": unscored,
                "self_comparisons_skipped": verdicts.self_comparisons,
            }),
        );
        host.progress(1.0);
        Ok(())
    }
}
