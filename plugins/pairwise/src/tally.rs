//! Verdicts summed per pair of models: the sufficient statistics of every pairwise model here.
//!
//! Bradley–Terry, Davidson and rank centrality depend on the data only through, for each
//! unordered pair {i, j}, the weight of i's wins, of j's wins and of ties; the sandwich
//! interval also needs the sums of squared weights of each outcome. One pass over the rows
//! builds them (O(rows)), and every fit afterwards costs O(pairs) per iteration, so a million
//! verdicts among a few hundred models fit in milliseconds once tallied.
//!
//! Why it is shaped so:
//! - **Dense index for ordinary pools, hash map for huge ones.** Up to [`DENSE_LIMIT`] models
//!   the pair of (i, j) is found in an n × n table of pair numbers (4 bytes a cell, no
//!   hashing); beyond that a hash map keeps memory proportional to the pairs seen.
//! - **Untrusted rows are errors, not panics.** Indices out of range, a model compared with
//!   itself, unknown winner codes and weights that are not finite and positive are
//!   `INVALID_DATA` naming the row (`Dataset::check_comparison`, the SDK's one check).

use podium_plugin_api::abi::{
    PODIUM_WINNER_BOTH_BAD, PODIUM_WINNER_MODEL_A, PODIUM_WINNER_MODEL_B, PODIUM_WINNER_TIE,
};
use podium_plugin_api::sdk::{Dataset, Host, MethodError};
use rustc_hash::FxHashMap;

/// Pools of up to this many models index pairs through a dense table.
pub const DENSE_LIMIT: usize = 4096;

/// Cancellation is polled every this many rows.
const CHECK_EVERY: usize = 1 << 16;

/// How a `both_bad` verdict counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BothBad {
    /// As a tie (LMArena's "tie (bothbad)").
    Tie,
    /// Not at all.
    Ignore,
}

/// The verdicts between models `i < j`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pair {
    /// The lower model index.
    pub i: usize,
    /// The higher model index.
    pub j: usize,
    /// Total weight of i's wins over j.
    pub wins_i: f64,
    /// Total weight of j's wins over i.
    pub wins_j: f64,
    /// Total weight of ties.
    pub ties: f64,
    /// Σ weight² of i's wins (for the sandwich interval).
    pub sq_wins_i: f64,
    /// Σ weight² of j's wins.
    pub sq_wins_j: f64,
    /// Σ weight² of ties.
    pub sq_ties: f64,
    /// Number of verdicts.
    pub count: u64,
}

/// Every pair with at least one verdict, in order of first appearance.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Number of models of the dataset.
    pub models: usize,
    /// The pairs.
    pub pairs: Vec<Pair>,
    /// Rows counted.
    pub counted: u64,
    /// `both_bad` rows left out (with [`BothBad::Ignore`]).
    pub ignored_both_bad: u64,
    /// Verdicts per model.
    pub games: Vec<u64>,
}

/// The outcome of a row from model_a's side, after the `both_bad` rule; `None` = left out.
pub fn outcome(winner: u32, both_bad: BothBad) -> Option<Outcome> {
    match winner {
        PODIUM_WINNER_MODEL_A => Some(Outcome::WinA),
        PODIUM_WINNER_MODEL_B => Some(Outcome::WinB),
        PODIUM_WINNER_TIE => Some(Outcome::Tie),
        PODIUM_WINNER_BOTH_BAD if both_bad == BothBad::Tie => Some(Outcome::Tie),
        _ => None,
    }
}

/// A verdict between two models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// model_a won.
    WinA,
    /// model_b won.
    WinB,
    /// Neither.
    Tie,
}

impl Outcome {
    /// Model_a's points: 1, ½ or 0.
    pub fn score_a(self) -> f64 {
        match self {
            Outcome::WinA => 1.0,
            Outcome::Tie => 0.5,
            Outcome::WinB => 0.0,
        }
    }
}

/// Where each pair lives in [`Tally::pairs`].
enum PairIndex {
    Dense { n: usize, slots: Vec<u32> },
    Sparse(FxHashMap<u64, u32>),
}

impl PairIndex {
    fn new(n: usize) -> PairIndex {
        if n <= DENSE_LIMIT {
            PairIndex::Dense {
                n,
                slots: vec![u32::MAX; n * n],
            }
        } else {
            PairIndex::Sparse(FxHashMap::default())
        }
    }

    /// The pair number of (i, j), i < j, created with `create` on first sight.
    fn get_or(&mut self, i: usize, j: usize, create: impl FnOnce() -> u32) -> u32 {
        match self {
            PairIndex::Dense { n, slots } => {
                let slot = &mut slots[i * *n + j];
                if *slot == u32::MAX {
                    *slot = create();
                }
                *slot
            }
            PairIndex::Sparse(map) => *map
                .entry(((i as u64) << 32) | j as u64)
                .or_insert_with(create),
        }
    }
}

/// Sums every comparison of `data` per pair.
pub fn tally(host: &Host<'_>, data: &Dataset<'_>, both_bad: BothBad) -> Result<Tally, MethodError> {
    let c = &data.comparisons;
    let n = data.model_count();
    let rows = c.winners.len();
    let mut index = PairIndex::new(n);
    let mut tally = Tally {
        models: n,
        games: vec![0; n],
        ..Tally::default()
    };
    for row in 0..rows {
        if row % CHECK_EVERY == 0 {
            host.check_cancelled()?;
            host.progress(0.5 * row as f64 / rows.max(1) as f64);
        }
        let (a, b) = data.check_comparison(row)?;
        let Some(outcome) = outcome(c.winners[row], both_bad) else {
            tally.ignored_both_bad += 1;
            continue;
        };
        let weight = c.weights[row];
        let (i, j, i_is_a) = if a < b { (a, b, true) } else { (b, a, false) };
        let next = tally.pairs.len() as u32;
        let slot = index.get_or(i, j, || next) as usize;
        if slot == tally.pairs.len() {
            tally.pairs.push(Pair {
                i,
                j,
                ..Pair::default()
            });
        }
        let pair = &mut tally.pairs[slot];
        let square = weight * weight;
        match (outcome, i_is_a) {
            (Outcome::Tie, _) => {
                pair.ties += weight;
                pair.sq_ties += square;
            }
            (Outcome::WinA, true) | (Outcome::WinB, false) => {
                pair.wins_i += weight;
                pair.sq_wins_i += square;
            }
            (Outcome::WinA, false) | (Outcome::WinB, true) => {
                pair.wins_j += weight;
                pair.sq_wins_j += square;
            }
        }
        pair.count += 1;
        tally.counted += 1;
        tally.games[a] += 1;
        tally.games[b] += 1;
    }
    Ok(tally)
}
