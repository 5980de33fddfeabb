//! The empirical payoff matrix M[i][j] = P(model i beats model j) that both game-theoretic
//! methods start from.
//!
//! Two sources:
//! - **comparisons**: the weighted share of i's points in its verdicts against j (a win 1, a
//!   tie ½; `both_bad` a tie by default, or left out). Verdict strength does not matter here:
//!   a payoff is a probability of winning, not a margin.
//! - **scores**: over the samples measured for both models, the share where i's value is
//!   higher (equal values ½) — the per-sample "who did better" game of ONEBench-style data.
//!
//! Both are kept as *units* (one verdict, or one sample) so that a bootstrap replicate is just
//! the same accumulation with multiplicities per unit ([`PayoffData::tally`]): the α-Rank
//! intervals resample units, exactly like the data would have been collected again.
//!
//! Every M built here is constant-sum (M[i][j] + M[j][i] = 1, M[i][i] = ½; verdict weights are
//! scaled by the largest one so that no sum overflows). A pair without any shared unit is
//! *unmeasured*: `half` treats it as a coin flip (M = ½ both ways), `error`
//! refuses the data naming the pair; either way the count is reported.

use podium_plugin_api::abi::{
    PODIUM_WINNER_BOTH_BAD, PODIUM_WINNER_MODEL_A, PODIUM_WINNER_MODEL_B, PODIUM_WINNER_TIE,
};
use podium_plugin_api::params;
use podium_plugin_api::sdk::{Dataset, Host, MethodError, Params, RankedSamples, RankedSamplesBuf};
use serde_json::{Value, json};

/// Cancellation is polled every this many rows.
const CHECK_EVERY: usize = 1 << 16;

/// Where the payoffs come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Pairwise verdicts.
    Comparisons,
    /// Per-sample scores.
    Scores,
}

/// How a pair without any shared verdict or sample is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmeasured {
    /// M[i][j] = M[j][i] = ½.
    Half,
    /// The data is refused.
    Error,
}

/// One verdict between players `i` and `j`: `i`'s points (1, ½ or 0) with a weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// Player index of the first model.
    pub i: u32,
    /// Player index of the second model.
    pub j: u32,
    /// The first model's points.
    pub points_i: f64,
    /// The verdict's weight.
    pub weight: f64,
}

/// The units the payoffs are summed from.
#[derive(Debug, Clone, PartialEq)]
pub enum PayoffData {
    /// One unit per verdict.
    Comparisons(Vec<Verdict>),
    /// One unit per sample: the players measured on it, ranked by their values within the
    /// sample (epoch-averaged by the host, so one value per model), for the host's
    /// `pairwise_wins` kernel.
    Scores(RankedSamplesBuf),
}

/// Weighted points and weights per ordered pair (row-major n × n).
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    /// Players.
    pub n: usize,
    /// `points[i * n + j]`: i's points against j.
    pub points: Vec<f64>,
    /// `weight[i * n + j]`: the weight of the units i and j share (symmetric).
    pub weight: Vec<f64>,
}

impl PayoffData {
    /// Number of units.
    pub fn units(&self) -> usize {
        match self {
            PayoffData::Comparisons(v) => v.len(),
            PayoffData::Scores(s) => s.sample_count(),
        }
    }

    /// Sums the units, unit u counted `counts[u]` times (all once when `None`). Score units
    /// are counted by the host's `pairwise_wins` kernel (exact; a GPU when the host has one).
    pub fn tally(
        &self,
        host: &Host<'_>,
        n: usize,
        counts: Option<&[u32]>,
    ) -> Result<Tally, MethodError> {
        let mut points = vec![0.0; n * n];
        let mut weight = vec![0.0; n * n];
        let times = |u: usize| counts.map_or(1.0, |c| f64::from(c[u]));
        match self {
            PayoffData::Comparisons(verdicts) => {
                for (u, v) in verdicts.iter().enumerate() {
                    let w = v.weight * times(u);
                    if w == 0.0 {
                        continue;
                    }
                    let (i, j) = (v.i as usize, v.j as usize);
                    points[i * n + j] += w * v.points_i;
                    points[j * n + i] += w * (1.0 - v.points_i);
                    weight[i * n + j] += w;
                    weight[j * n + i] += w;
                }
            }
            PayoffData::Scores(samples) => {
                let view = RankedSamples {
                    weights: counts,
                    ..samples.view()
                };
                let (pairs, _) = host.pairwise_wins(&view, n)?;
                for i in 0..n {
                    for j in 0..n {
                        let (cell, mirror) = (i * n + j, j * n + i);
                        let ties = f64::from(pairs.ties[cell]);
                        points[cell] = f64::from(pairs.wins[cell]) + 0.5 * ties;
                        weight[cell] =
                            f64::from(pairs.wins[cell]) + f64::from(pairs.wins[mirror]) + ties;
                    }
                }
            }
        }
        Ok(Tally { n, points, weight })
    }
}

/// A payoff matrix and the pairs it had no data for.
#[derive(Debug, Clone, PartialEq)]
pub struct Payoff {
    /// M (row-major n × n): M[i][j] = P(i beats j); the diagonal and unmeasured pairs ½.
    pub matrix: Vec<f64>,
    /// The unmeasured pairs (i < j).
    pub unmeasured: Vec<(usize, usize)>,
}

impl Tally {
    /// The payoff matrix.
    pub fn payoff(&self) -> Payoff {
        let n = self.n;
        let mut m = vec![0.5; n * n];
        let mut unmeasured = Vec::new();
        for i in 0..n {
            for j in 0..n {
                if i == j {
                    continue;
                }
                let w = self.weight[i * n + j];
                if w > 0.0 {
                    m[i * n + j] = self.points[i * n + j] / w;
                } else if i < j {
                    unmeasured.push((i, j));
                }
            }
        }
        Payoff {
            matrix: m,
            unmeasured,
        }
    }
}

/// The payoff inputs of one call: who plays, the units, and the rules read from the params.
#[derive(Debug, Clone)]
pub struct Game {
    /// Dataset model index of each player.
    pub players: Vec<usize>,
    /// Where the payoffs come from.
    pub source: Source,
    /// The units.
    pub data: PayoffData,
    /// Benchmark of each unit (scores) — bootstrap strata; empty for comparisons.
    pub strata: Vec<u32>,
    /// The unmeasured-pair rule.
    pub unmeasured: Unmeasured,
    /// `both_bad` verdicts count as ties (else they are left out).
    pub both_bad_tie: bool,
}

/// The params every method of this plugin reads for its payoffs.
pub const PAYOFF_PARAMS: [&str; 3] = ["source", "unmeasured", "both_bad"];

/// The JSON Schema properties of [`PAYOFF_PARAMS`], as text to splice into a method's schema
/// (`concat!`), so both methods describe them in the same words.
#[macro_export]
macro_rules! payoff_schema_properties {
    () => {
        r#"
    "source": {
      "description": "Where P(i beats j) comes from: \"comparisons\" (weighted share of i's points in its verdicts against j; win 1, tie 1/2), \"scores\" (share of the samples measured for both where i's value is higher; equal 1/2), or \"auto\" (comparisons when the selection has any, else scores).",
      "type": "string",
      "enum": ["auto", "comparisons", "scores"],
      "default": "auto"
    },
    "unmeasured": {
      "description": "A pair of models without any shared verdict or sample: \"half\" treats it as a coin flip (P = 1/2 both ways), \"error\" refuses the data naming the pair. The count is reported either way.",
      "type": "string",
      "enum": ["half", "error"],
      "default": "half"
    },
    "both_bad": {
      "description": "A both_bad verdict: \"tie\" (1/2 each) or \"ignore\" (left out). Only for comparisons.",
      "type": "string",
      "enum": ["tie", "ignore"],
      "default": "tie"
    }"#
    };
}

impl Game {
    /// Reads the payoff params and collects the units from the data. Players are the models
    /// with at least one usable verdict (comparisons) or measurement (scores).
    pub fn build(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
    ) -> Result<Game, MethodError> {
        let source =
            match params::one_of(params, "source", &["auto", "comparisons", "scores"], "auto")? {
                "comparisons" => Source::Comparisons,
                "scores" => Source::Scores,
                _ if data.comparisons.winners.is_empty() => Source::Scores,
                _ => Source::Comparisons,
            };
        let unmeasured = match params::one_of(params, "unmeasured", &["half", "error"], "half")? {
            "half" => Unmeasured::Half,
            _ => Unmeasured::Error,
        };
        let both_bad_tie = params::one_of(params, "both_bad", &["tie", "ignore"], "tie")? == "tie";
        let n = data.model_count();
        let mut player_of = vec![u32::MAX; n];
        let mut players = Vec::new();
        let mut enlist = |model: usize, players: &mut Vec<usize>| -> u32 {
            if player_of[model] == u32::MAX {
                player_of[model] = players.len() as u32;
                players.push(model);
            }
            player_of[model]
        };
        let (units, strata) = match source {
            Source::Comparisons => {
                let c = &data.comparisons;
                let mut verdicts = Vec::with_capacity(c.winners.len());
                for row in 0..c.winners.len() {
                    if row % CHECK_EVERY == 0 {
                        host.check_cancelled()?;
                    }
                    let (a, b) = data.check_comparison(row)?;
                    let points_i = match c.winners[row] {
                        PODIUM_WINNER_MODEL_A => 1.0,
                        PODIUM_WINNER_MODEL_B => 0.0,
                        PODIUM_WINNER_TIE => 0.5,
                        PODIUM_WINNER_BOTH_BAD if both_bad_tie => 0.5,
                        _ => continue,
                    };
                    verdicts.push(Verdict {
                        i: enlist(a, &mut players),
                        j: enlist(b, &mut players),
                        points_i,
                        weight: c.weights[row],
                    });
                }
                // Only ratios of weights matter: scaled by the largest, no sum can overflow.
                let largest = verdicts.iter().map(|v| v.weight).fold(0.0, f64::max);
                if largest > 0.0 {
                    verdicts.iter_mut().for_each(|v| v.weight /= largest);
                }
                (PayoffData::Comparisons(verdicts), Vec::new())
            }
            Source::Scores => {
                let s = data.sample_count();
                let mut per_sample: Vec<Vec<(usize, f64)>> = vec![Vec::new(); s];
                for row in 0..data.measurements.values.len() {
                    if row % CHECK_EVERY == 0 {
                        host.check_cancelled()?;
                    }
                    let (model, sample, value) = data.check_measurement(row)?;
                    per_sample[sample].push((model, value));
                }
                // A sample measured for one model only compares nothing, and a model measured
                // only on such samples does not play.
                let mut strata = Vec::with_capacity(s);
                let mut kept = RankedSamplesBuf::default();
                let mut entries: Vec<(u32, f64)> = Vec::new();
                for (sample, mut values) in per_sample.into_iter().enumerate() {
                    if values.len() < 2 {
                        continue;
                    }
                    values.sort_by_key(|&(m, _)| m);
                    if let Some(w) = values.windows(2).find(|w| w[0].0 == w[1].0) {
                        return Err(MethodError::invalid_data(format!(
                            "sample {} has two measurements of model {}",
                            data.sample_id(sample),
                            data.model_name(w[0].0)
                        )));
                    }
                    strata.push(data.sample_benchmarks[sample]);
                    entries.clear();
                    entries.extend(
                        values
                            .into_iter()
                            .map(|(m, v)| (enlist(m, &mut players), v)),
                    );
                    kept.push_sample(&mut entries);
                }
                (PayoffData::Scores(kept), strata)
            }
        };
        Ok(Game {
            players,
            source,
            data: units,
            strata,
            unmeasured,
            both_bad_tie,
        })
    }

    /// Players.
    pub fn n(&self) -> usize {
        self.players.len()
    }

    /// The payoff matrix from the units counted `counts` times (once when `None`), with the
    /// unmeasured pairs. With the `error` rule an unmeasured pair is `INVALID_DATA` naming it.
    pub fn payoff(
        &self,
        host: &Host<'_>,
        data: &Dataset<'_>,
        counts: Option<&[u32]>,
    ) -> Result<Payoff, MethodError> {
        let payoff = self.data.tally(host, self.n(), counts)?.payoff();
        let unmeasured = &payoff.unmeasured;
        if self.unmeasured == Unmeasured::Error
            && counts.is_none()
            && let Some(&(i, j)) = unmeasured.first()
        {
            return Err(MethodError::invalid_data(format!(
                "models {} and {} share no {} ({} unmeasured pairs; unmeasured: \"half\" treats them as coin flips)",
                data.model_name(self.players[i]),
                data.model_name(self.players[j]),
                match self.source {
                    Source::Comparisons => "verdict",
                    Source::Scores => "sample",
                },
                unmeasured.len()
            )));
        }
        Ok(payoff)
    }

    /// What the extras say about the payoffs: source, rules, unmeasured pairs (the first
    /// few named).
    pub fn describe(&self, data: &Dataset<'_>, unmeasured: &[(usize, usize)]) -> Value {
        let named: Vec<Value> = unmeasured
            .iter()
            .take(20)
            .map(|&(i, j)| {
                json!([
                    data.model_name(self.players[i]),
                    data.model_name(self.players[j])
                ])
            })
            .collect();
        let n = self.n();
        json!({
            "source": match self.source {
                Source::Comparisons => "comparisons: weighted share of i's points in its verdicts against j (win 1, tie 1/2)",
                Source::Scores => "scores: share of the samples measured for both where i's value is higher (equal 1/2)",
            },
            "units": self.data.units(),
            "both_bad": if self.source == Source::Comparisons {
                json!(if self.both_bad_tie { "tie" } else { "ignore" })
            } else {
                Value::Null
            },
            "pairs": n * n.saturating_sub(1) / 2,
            "unmeasured_pairs": unmeasured.len(),
            "unmeasured_rule": match self.unmeasured {
                Unmeasured::Half => "half: P = 1/2 both ways",
                Unmeasured::Error => "error",
            },
            "unmeasured_examples": named,
        })
    }
}
