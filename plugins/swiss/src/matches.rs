//! One match between two models, shared by `single-elimination` and `round-robin`.
//!
//! The `data` parameter picks what decides a match:
//! - `"comparisons"` (the default when the selection has comparisons): the judge verdicts
//!   between the two models, in either orientation. Each side gets its wins' weight plus half
//!   the weight of ties (a `both_bad` verdict counts as a tie); the side with more points wins,
//!   equal points are a tied match. Two models with no verdict between them are decided by
//!   scores (below) when they share a benchmark, otherwise the match is tied.
//! - `"scores"` (the default without comparisons): per-benchmark mean scores
//!   ([`ScoreTable`]). On the benchmarks where both have a score, the model with the higher
//!   mean wins that benchmark (equal means: nobody); the model that wins more benchmarks wins
//!   the match; equal counts (or no shared benchmark) are a tied match.
//!
//! A model takes part when it has data the match rule can use: a score on some benchmark, or
//! (with `"comparisons"`) at least one verdict. Others get no score and are listed.

use std::collections::HashMap;

use podium_plugin_api::abi::{PODIUM_WINNER_MODEL_A, PODIUM_WINNER_MODEL_B};
use podium_plugin_api::params::one_of;
use podium_plugin_api::sdk::{Dataset, Host, MethodError, Params};
use serde_json::{Value, json};

use crate::scores::ScoreTable;

/// Cancellation is polled every this many rows.
const CHECK_EVERY: usize = 1 << 16;

/// What decides a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Judge verdicts, falling back to scores for pairs without a verdict.
    Comparisons,
    /// Per-benchmark mean scores.
    Scores,
}

impl Source {
    /// The parameter value.
    pub fn name(self) -> &'static str {
        match self {
            Source::Comparisons => "comparisons",
            Source::Scores => "scores",
        }
    }
}

/// The `data` parameter (default: comparisons when the selection has any, else scores).
pub fn source_param(params: &Params, data: &Dataset<'_>) -> Result<Source, MethodError> {
    let default = if data.comparisons.winners.is_empty() {
        "scores"
    } else {
        "comparisons"
    };
    Ok(
        match one_of(params, "data", &["comparisons", "scores"], default)? {
            "comparisons" => Source::Comparisons,
            _ => Source::Scores,
        },
    )
}

/// The JSON Schema property of the `data` parameter (a literal, for `concat!`).
macro_rules! data_schema {
    () => {
        r#""data": {"description": "What decides a match: \"comparisons\" = the judge verdicts between the two models (weight-summed wins, ties half; no verdict between them: decided by scores, else tied), \"scores\" = per-benchmark mean scores (the model winning more shared benchmarks wins; equal: tied). Default: comparisons when the selection has any, else scores.", "type": "string", "enum": ["comparisons", "scores"]}"#
    };
}
pub(crate) use data_schema;

/// The result of a match from the first model's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Result3 {
    /// The first model won.
    Win,
    /// Neither.
    Tie,
    /// The second model won.
    Loss,
}

impl Result3 {
    /// Match points of the first model: 1, ½, 0.
    pub fn points(self) -> f64 {
        match self {
            Result3::Win => 1.0,
            Result3::Tie => 0.5,
            Result3::Loss => 0.0,
        }
    }

    /// The same match from the second model's side.
    pub fn flipped(self) -> Result3 {
        match self {
            Result3::Win => Result3::Loss,
            Result3::Tie => Result3::Tie,
            Result3::Loss => Result3::Win,
        }
    }

    /// "win", "tie" or "loss".
    pub fn name(self) -> &'static str {
        match self {
            Result3::Win => "win",
            Result3::Tie => "tie",
            Result3::Loss => "loss",
        }
    }
}

/// What a match was decided by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Verdicts between the two.
    Comparisons,
    /// Benchmark scores.
    Scores,
    /// Nothing to compare: a tie.
    NoData,
}

impl Basis {
    /// For the extras.
    pub fn name(self) -> &'static str {
        match self {
            Basis::Comparisons => "comparisons",
            Basis::Scores => "scores",
            Basis::NoData => "no_data",
        }
    }
}

/// A decided match.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    /// From the first model's side.
    pub result: Result3,
    /// What decided it.
    pub basis: Basis,
    /// Points of each side (verdict points or benchmarks won).
    pub points: (f64, f64),
}

/// Verdict points between a pair (i < j): i's, j's.
type PairPoints = (f64, f64);

/// Everything a match needs, built once per call.
pub struct Referee {
    /// The rule.
    pub source: Source,
    /// The score table.
    pub table: ScoreTable,
    /// Verdict points per pair (i < j).
    pairs: HashMap<(u32, u32), PairPoints>,
    /// Verdicts per model.
    pub verdicts: Vec<u64>,
    /// Verdict rows read.
    pub rows: usize,
}

impl Referee {
    /// Reads and checks the measurements and the comparisons (every row, whatever the rule).
    pub fn build(
        host: &Host<'_>,
        data: &Dataset<'_>,
        source: Source,
    ) -> Result<Referee, MethodError> {
        let table = ScoreTable::build(host, data)?;
        let c = &data.comparisons;
        let mut pairs: HashMap<(u32, u32), PairPoints> = HashMap::new();
        let mut verdicts = vec![0u64; data.model_count()];
        for row in 0..c.winners.len() {
            if row % CHECK_EVERY == 0 {
                host.check_cancelled()?;
            }
            let (a, b) = data.check_comparison(row)?;
            let weight = c.weights[row];
            let (pa, pb) = match c.winners[row] {
                PODIUM_WINNER_MODEL_A => (weight, 0.0),
                PODIUM_WINNER_MODEL_B => (0.0, weight),
                _ => (0.5 * weight, 0.5 * weight),
            };
            let (i, j, pi, pj) = if a < b {
                (a, b, pa, pb)
            } else {
                (b, a, pb, pa)
            };
            let slot = pairs.entry((i as u32, j as u32)).or_insert((0.0, 0.0));
            slot.0 += pi;
            slot.1 += pj;
            verdicts[a] += 1;
            verdicts[b] += 1;
        }
        Ok(Referee {
            source,
            table,
            pairs,
            verdicts,
            rows: c.winners.len(),
        })
    }

    /// Whether model m has a score on some benchmark.
    pub fn has_scores(&self, m: usize) -> bool {
        (0..self.table.benchmarks).any(|k| self.table.score(m, k).is_some())
    }

    /// Whether model m can play under the rule.
    pub fn plays(&self, m: usize) -> bool {
        self.has_scores(m) || (self.source == Source::Comparisons && self.verdicts[m] > 0)
    }

    /// Model m's overall mean: the mean of its per-benchmark means over the benchmarks where
    /// it has one (`None` without any).
    pub fn overall_mean(&self, m: usize) -> Option<f64> {
        let values: Vec<f64> = (0..self.table.benchmarks)
            .filter_map(|k| self.table.score(m, k))
            .collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    }

    /// The match a vs b, from a's side.
    pub fn decide(&self, a: usize, b: usize) -> Decision {
        if self.source == Source::Comparisons {
            let key = (a.min(b) as u32, a.max(b) as u32);
            if let Some(&(pi, pj)) = self.pairs.get(&key) {
                let (pa, pb) = if a < b { (pi, pj) } else { (pj, pi) };
                return Decision {
                    result: order(pa, pb),
                    basis: Basis::Comparisons,
                    points: (pa, pb),
                };
            }
        }
        let (mut wa, mut wb, mut shared) = (0u32, 0u32, 0u32);
        for k in 0..self.table.benchmarks {
            if let (Some(x), Some(y)) = (self.table.score(a, k), self.table.score(b, k)) {
                shared += 1;
                if x > y {
                    wa += 1;
                } else if y > x {
                    wb += 1;
                }
            }
        }
        if shared == 0 {
            return Decision {
                result: Result3::Tie,
                basis: Basis::NoData,
                points: (0.0, 0.0),
            };
        }
        Decision {
            result: order(f64::from(wa), f64::from(wb)),
            basis: Basis::Scores,
            points: (f64::from(wa), f64::from(wb)),
        }
    }

    /// The match rule in words, for the extras.
    pub fn rule(&self) -> Value {
        json!(match self.source {
            Source::Comparisons =>
                "comparisons: the verdicts between the two models in either orientation; each side \
                 scores its wins' weight plus half the weight of ties (both_bad counts as a tie); \
                 more points wins, equal points is a tied match. No verdict between them: decided \
                 by scores (more shared benchmarks won by mean score), no shared benchmark: tied.",
            Source::Scores =>
                "scores: on the benchmarks where both have a mean score, the higher mean wins the \
                 benchmark (equal: nobody); more benchmarks won wins the match; equal counts or no \
                 shared benchmark: tied.",
        })
    }
}

fn order(a: f64, b: f64) -> Result3 {
    if a > b {
        Result3::Win
    } else if b > a {
        Result3::Loss
    } else {
        Result3::Tie
    }
}
