//! ONEBench sparse aggregation: a Podium plugin that ranks models from sample-level results by
//! turning them into pairwise comparisons and fitting Bradley–Terry strengths with Iterative
//! Luce Spectral Ranking (ILSR).
//!
//! The method (`onebench`, [`OneBench`]) follows "ONEBench to Test Them All" (Ghosh et al.,
//! 2024) and its specification `shared/methods/onebench.md`:
//!
//! 1. **Comparisons from samples** ([`matrix::build`]). On every sample, every pair of models
//!    that both have a value is one comparison: the higher value wins, equal values tie. A
//!    missing value is no comparison, never an imputed one; binary and numeric metrics are
//!    treated alike, since the host already made every metric higher-is-better. Judge verdicts
//!    enter directly with their weight. The result is the win matrix W.
//! 2. **The fit** ([`ilsr::ilsr_dense`]). ILSR finds the maximum-likelihood Bradley–Terry (and
//!    so pairwise Plackett–Luce) strengths for W: each step solves for the stationary
//!    distribution of a Markov chain whose rates come from W and the current strengths. It is
//!    choix 0.4.1's `ilsr_pairwise_dense`, step for step (same start, same LU with partial
//!    pivoting, same convergence test), so it takes the same number of steps and agrees with
//!    it to rounding error (tests require 1e-6 on reference cases generated with choix).
//! 3. **Connectivity** ([`podium_numerics::graph`]). The estimate exists only when the graph of comparisons
//!    (loser → winner) is strongly connected; a model that lost everything has strength −∞.
//!    With `alpha` = 0 the method fits the largest strongly connected component and leaves the
//!    other models unscored, or refuses (`disconnected` = "error"); `alpha` > 0 regularises.
//!
//! Why it is shaped so:
//! - **W in one pass, O(Σ k²).** Measurement rows are grouped by sample with a counting sort
//!   (O(rows), no hashing, no per-pair allocation), then each sample's pairs are counted
//!   directly into the dense matrix. That is the heavy step; the fit is O(iterations · n³) on
//!   the models with data, which is small for leaderboards (at most [`MAX_MODELS`]).
//! - **No invented numbers.** Models without comparisons, and models outside the fitted
//!   component, get no score (`valid` = 0). A non-converged fit still returns its last θ, but
//!   says so (`converged: false` in the extra and a warning in the log).
//! - **Deterministic to the bit.** Every sum runs in data order or index order; the seed is
//!   ignored. Equal inputs give equal bytes, as the leaderboard cache requires.
//! - **Cooperative.** Cancellation is polled every [`CHECK_EVERY`] rows or pair comparisons
//!   while W is built, before every ILSR step and every 32 columns of each factorisation;
//!   progress is reported throughout.
//! - **Untrusted data is an error, not a panic.** Indices out of range, non-finite values,
//!   weights that are not positive and unknown winner codes are `INVALID_DATA` naming the row.

pub mod bootstrap;
pub mod ilsr;
pub mod matrix;
mod method;
pub mod params;

pub use method::OneBench;

podium_plugin_api::export_plugin!(
    name: "onebench",
    version: env!("CARGO_PKG_VERSION"),
    methods: [OneBench],
);

/// How many rows (or pair comparisons) the W build handles between two polls of the host's
/// cancellation flag.
pub const CHECK_EVERY: usize = 1 << 16;

/// The largest number of models with data the method fits: W and the rate matrix are dense
/// `n × n` (128 MiB each at this size) and each ILSR step factorises one (O(n³)).
pub const MAX_MODELS: usize = 4096;
