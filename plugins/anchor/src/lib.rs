//! Anchor-based LLM-as-a-judge scoring: a Podium plugin with three methods built around an
//! *anchor*, the reference model every other model is judged against (Arena-Hard-Auto; "Mediocrity
//! is the key for LLM as a Judge Anchor Selection", Don-Yehiya et al.; specification
//! `shared/methods/anchor.md`).
//!
//! - `anchor_win_rate` ([`AnchorWinRate`], [`win_rate`]): win rate against the anchor in
//!   percent, Arena-Hard style (strong verdicts optionally weighted ×3), a per-model bootstrap
//!   interval and a power analysis ([`power`]).
//! - `anchor_bt` ([`AnchorBt`], [`anchor_bt`]): Bradley–Terry over all comparisons with the
//!   anchor fixed on the Elo scale, optional style control, sandwich or Fisher intervals
//!   ([`bt`], [`podium_numerics::linalg`]); models whose estimate would be infinite get no
//!   score ([`podium_numerics::graph`]).
//! - `anchor_selection` ([`AnchorSelection`], [`selection`]): informativeness and quality of
//!   every candidate anchor and a recommended one.
//!
//! Data conventions shared by all three ([`data`]): the 5-level verdict of a comparison from
//! `model_a`'s side is +2 (`A>>B`, strength ≥ 2), +1, 0 (tie or both bad), −1, −2; a verdict
//! that involves the anchor is always read from the non-anchor model's side, so the two
//! position-swapped games of a prompt read alike.
//!
//! Why it is shaped so:
//! - **One checked read of the rows** ([`data::read`]): untrusted data (bad indices, unknown
//!   winner codes, weights that are not finite and positive, malformed style) is
//!   `INVALID_DATA` naming the row, never a panic.
//! - **No invented numbers**: models without the data a method needs get no score, and say why
//!   in the method's extra.
//! - **Deterministic**: sums run in data or index order; the only randomness (the win-rate
//!   bootstrap) draws from `podium_synth::SplitMix64` streams of the call's seed.
//! - **Cooperative**: cancellation is polled every [`data::CHECK_EVERY`] rows and every few
//!   columns of each O(p³) loop; progress is reported.

pub mod anchor_bt;
pub mod bt;
pub mod data;
pub mod params;
pub mod power;
pub mod selection;
pub mod win_rate;

pub use anchor_bt::AnchorBt;
pub use selection::AnchorSelection;
pub use win_rate::AnchorWinRate;

podium_plugin_api::export_plugin!(
    name: "anchor",
    version: env!("CARGO_PKG_VERSION"),
    methods: [AnchorWinRate, AnchorBt, AnchorSelection],
);
