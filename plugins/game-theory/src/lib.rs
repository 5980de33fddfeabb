//! Game-theoretic rankings of models (`shared/methods/game-theory.md`): single-population
//! α-Rank and Nash averaging, both on the empirical payoff matrix P(i beats j) built from
//! verdicts or per-sample scores ([`payoff`]).
//!
//! The numerical kernels are plain functions on row-major matrices ([`alpharank`],
//! [`nash`]) so that they can be checked against OpenSpiel and scipy directly and so that
//! the stationary-distribution solve can move to a GPU backend behind one function
//! ([`alpharank::stationary_distribution`]). [`methods`] turns them into plugin methods.

pub mod alpharank;
pub mod methods;
pub mod nash;
pub mod payoff;

podium_plugin_api::export_plugin!(
    name: "game-theory",
    version: env!("CARGO_PKG_VERSION"),
    methods: [methods::AlphaRank, methods::NashAveraging],
);
