//! `win_rate`: each model's weighted win rate against every opponent it met, averaged over those
//! opponents (Chatbot Arena's "average win rate").

use podium_plugin_api::abi::{
    PODIUM_METHOD_USES_COMPARISONS, PODIUM_WINNER_BOTH_BAD, PODIUM_WINNER_MODEL_A,
    PODIUM_WINNER_MODEL_B, PODIUM_WINNER_TIE,
};
use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params};
use rustc_hash::FxHashMap;
use serde_json::Value;

use crate::{params, tick};

/// The `win_rate` method.
///
/// For each pair of models (m, o) with comparisons, `w(m, o) = (W + T / 2) / N`, where `W` is the
/// total weight of the verdicts m won against o, `T` that of ties (`tie` and `both_bad`) and `N`
/// that of all their verdicts. A model's score is the mean of `w(m, o)` over the opponents o it
/// met, each counted once however often they met. With `ties: "ignore"` tie verdicts are dropped
/// from `T` and `N`. Comparisons of a model with itself are skipped.
pub struct WinRate;

/// The largest model count for which the method emits its pairwise matrix as the
/// `pairwise_win_rates` extra (`{"models": [...], "matrix": [[...]]}`, `null` where two models
/// did not meet).
pub const MATRIX_MAX_MODELS: usize = 200;

/// Weighted verdicts of one pair `(lo, hi)`, `lo < hi`.
#[derive(Default, Clone, Copy)]
struct Tally {
    /// Weight of the verdicts `lo` won.
    lo_wins: f64,
    /// Weight of the verdicts `hi` won.
    hi_wins: f64,
    /// Weight of the ties (`tie` and `both_bad`), zero when ties are ignored.
    ties: f64,
}

impl Tally {
    /// `(w(lo, hi), w(hi, lo))`; `None` when no verdict counts (never for a stored tally, as
    /// weights are positive and ignored ties are never stored).
    fn rates(&self) -> Option<(f64, f64)> {
        let total = self.lo_wins + self.hi_wins + self.ties;
        (total > 0.0).then(|| {
            (
                (self.lo_wins + 0.5 * self.ties) / total,
                (self.hi_wins + 0.5 * self.ties) / total,
            )
        })
    }
}

impl Method for WinRate {
    const ID: &'static str = "win_rate";
    const DESCRIPTION: &'static str = "Average win rate over opponents (as Chatbot Arena's \
        \"average win rate\"): for each pair of models that were compared, the win rate of m \
        against o is (weight of m's wins + half the weight of ties) / weight of all their \
        verdicts, with each comparison counted by its weight and `both_bad` counted as a tie; a \
        model's score is the unweighted mean of its win rates over the opponents it met, each \
        opponent counted once however often they met, so the score depends on who a model \
        happened to meet. With `ties` = \"ignore\" tie and both_bad verdicts are dropped from \
        numerator and denominator (a pair that only tied then did not meet). Comparisons of a \
        model with itself are skipped; a model without comparisons gets no score. For up to 200 \
        models the pairwise win-rate matrix is attached as the extra `pairwise_win_rates`. \
        Deterministic; the seed is ignored.";
    const PARAMS_SCHEMA: &'static str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "win_rate",
  "type": "object",
  "properties": {
    "ties": {
      "description": "\"half\" counts tie and both_bad verdicts as half a win for each side; \"ignore\" drops them.",
      "type": "string",
      "enum": ["half", "ignore"],
      "default": "half"
    }
  },
  "additionalProperties": false
}"#;
    const FLAGS: u32 = PODIUM_METHOD_USES_COMPARISONS;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        _seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        params::reject_unknown(params, &["ties"])?;
        let ignore_ties = params::one_of(params, "ties", &["half", "ignore"], "half")? == "ignore";
        host.check_cancelled()?;

        let c = data.comparisons;
        let rows = c.winners.len();
        if c.models_a.len() != rows
            || c.models_b.len() != rows
            || (!c.weights.is_empty() && c.weights.len() != rows)
        {
            return Err(MethodError::invalid_data(
                "the comparison columns have different lengths",
            ));
        }
        if rows == 0 {
            return Err(MethodError::invalid_data(
                "the selection has no comparisons; this method ranks pairwise comparisons",
            ));
        }

        let models = data.model_count();
        let mut pairs: FxHashMap<u64, Tally> = FxHashMap::default();
        for i in 0..rows {
            tick(host, i, rows, 0.0, 0.9)?;
            let (a, b) = (c.models_a[i] as usize, c.models_b[i] as usize);
            if a >= models || b >= models {
                return Err(MethodError::invalid_data(format!(
                    "comparison {i} refers to model {}, but there are {models} models",
                    a.max(b)
                )));
            }
            // A host that leaves the weight column out means weight 1.
            let weight = c.weights.get(i).copied().unwrap_or(1.0);
            if !(weight.is_finite() && weight > 0.0) {
                return Err(MethodError::invalid_data(format!(
                    "comparison {i} has weight {weight}; weights must be finite and positive"
                )));
            }
            let winner = c.winners[i];
            let tie = match winner {
                PODIUM_WINNER_MODEL_A | PODIUM_WINNER_MODEL_B => false,
                PODIUM_WINNER_TIE | PODIUM_WINNER_BOTH_BAD => true,
                other => {
                    return Err(MethodError::invalid_data(format!(
                        "comparison {i} has winner code {other}, unknown to this plugin"
                    )));
                }
            };
            if a == b || (tie && ignore_ties) {
                continue;
            }
            let (lo, hi) = (a.min(b), a.max(b));
            let tally = pairs.entry(((lo as u64) << 32) | hi as u64).or_default();
            if tie {
                tally.ties += weight;
            } else {
                let winner_model = if winner == PODIUM_WINNER_MODEL_A {
                    a
                } else {
                    b
                };
                if winner_model == lo {
                    tally.lo_wins += weight;
                } else {
                    tally.hi_wins += weight;
                }
            }
        }

        // Sorted by (lo, hi): each model receives its opponents' rates in ascending opponent
        // order, so the sums are reproducible.
        let mut pairs: Vec<(u64, Tally)> = pairs.into_iter().collect();
        pairs.sort_unstable_by_key(|(key, _)| *key);
        let mut matrix =
            (models <= MATRIX_MAX_MODELS).then(|| vec![vec![Value::Null; models]; models]);
        let mut sums = vec![0.0_f64; models];
        let mut met = vec![0_u64; models];
        for (j, (key, tally)) in pairs.iter().enumerate() {
            tick(host, j, pairs.len(), 0.9, 1.0)?;
            let Some((lo_rate, hi_rate)) = tally.rates() else {
                continue;
            };
            let (lo, hi) = ((key >> 32) as usize, (key & u64::from(u32::MAX)) as usize);
            sums[lo] += lo_rate;
            met[lo] += 1;
            sums[hi] += hi_rate;
            met[hi] += 1;
            if let Some(matrix) = matrix.as_mut() {
                matrix[lo][hi] = Value::from(lo_rate);
                matrix[hi][lo] = Value::from(hi_rate);
            }
        }

        for (model, (sum, met)) in sums.into_iter().zip(met).enumerate() {
            if met > 0 {
                out.set_score(model, sum / met as f64);
            } else {
                out.clear_score(model);
            }
        }
        if let Some(matrix) = matrix {
            let names: Vec<Value> = (0..models)
                .map(|m| Value::from(data.model_name(m)))
                .collect();
            host.emit_extra(
                "pairwise_win_rates",
                &serde_json::json!({ "models": names, "matrix": matrix }),
            );
        }
        host.progress(1.0);
        Ok(())
    }
}
