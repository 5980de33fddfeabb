//! Social-choice rankings: a Podium plugin (`social-choice`) that treats evaluation results as
//! an election. Every sample (or, with `voters` = "benchmarks", every benchmark) is a voter
//! ranking the models it measured; every judge verdict is a voter with two candidates. Eight
//! classic rules turn those ballots into a full leaderboard: `plurality`, `borda`, `copeland`,
//! `minimax`, `schulze`, `ranked_pairs`, `split_cycle` and `kemeny` (specification:
//! `shared/methods/social-choice.md`). Two more rank from the same margins: `maximal_lotteries`
//! (the optimal mixed strategy of the margin game, by LP: [`lottery`]) and `sco` (Soft Condorcet
//! Optimization, projected gradient descent on ratings: [`sco`]). `multiwinner` selects a
//! committee of k models (k-Borda, Chamberlin–Courant or PAV, with optional group-fairness
//! constraints; exhaustive or greedy: [`multiwinner`]).
//!
//! Why: averages let a few large differences outweigh many small ones and need comparable
//! scales across benchmarks; voting rules use only each voter's *order*, handle partial
//! ballots (a model missing from a sample is unranked, never imputed), and come with
//! well-studied guarantees (Condorcet consistency for Copeland, Minimax, Schulze, Ranked Pairs,
//! Split Cycle and Kemeny).
//!
//! How it is built:
//! - [`profile::build`] checks the data and folds every ballot, in one pass, into the margin
//!   matrix (weighted ballots ranking a above b minus the reverse, only over pairs a ballot
//!   ranks) and the Plurality and Borda points. Only models with data are candidates.
//! - [`rules`] holds the rules as pure functions of the margins. Candidates are indexed in
//!   model-name order, so every tie-break "by smallest index" is "by name ascending", and every
//!   result is deterministic.
//! - [`method`] is the thin layer over the SDK: parameters ([`params`]), the `social_choice`
//!   extra (candidates, margins, Condorcet winner, ballot counts, voters mode, and for Kemeny
//!   whether the order is exact), the order (`set_order`) and scores.
//!
//! Cost: building is O(Σ ballot size²); Copeland and Minimax O(k²); Schulze O(k³); Ranked
//! Pairs O(k² log k + locks · k²/64); Split Cycle O(k³) per removal round; Kemeny O(2^k k²)
//! exactly up to `exact_up_to` (≤ 22) candidates, else a local search. All long loops poll
//! cancellation.

pub mod lottery;
pub mod method;
pub mod multiwinner;
pub mod params;
pub mod profile;
pub mod rules;
pub mod sco;

pub use method::{
    Borda, Copeland, Kemeny, MaximalLotteries, Minimax, Multiwinner, Plurality, RankedPairs,
    Schulze, Sco, SplitCycle,
};

/// Rows or pair updates between two cancellation polls.
pub const CHECK_EVERY: usize = 4096;

/// The most candidates (models with data) these methods rank: the margin matrix is k² f64s.
pub const MAX_CANDIDATES: usize = 4096;

podium_plugin_api::export_plugin!(
    name: "social-choice",
    version: env!("CARGO_PKG_VERSION"),
    methods: [
        Plurality,
        Borda,
        Copeland,
        Minimax,
        Schulze,
        RankedPairs,
        SplitCycle,
        Kemeny,
        MaximalLotteries,
        Sco,
        Multiwinner,
    ],
);
