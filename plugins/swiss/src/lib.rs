//! Tournament aggregation of multi-benchmark results: Competitive Swiss-System Dynamics (`csd`,
//! `csd-sensitivity`; arXiv 2512.21010, `shared/methods/swiss.md`), seeded single elimination and
//! round robin (ArenaRL, arXiv 2601.06487).
//!
//! Every method plays on one per-(model, benchmark) score table ([`scores`]); matches between two
//! models are decided by scores or by judge verdicts ([`matches`]). CSD is a Monte Carlo over
//! seeded, independent runs ([`sim`]): each run r draws from its own stream (seed, r) and points
//! are summed as exact integers, so the numbers are the same on any number of threads.

pub mod csd;
pub mod elimination;
pub mod matches;
pub mod round_robin;
pub mod scores;
pub mod sensitivity;
pub mod sim;

podium_plugin_api::export_plugin!(
    name: "swiss",
    version: env!("CARGO_PKG_VERSION"),
    methods: [
        elimination::SingleElimination,
        round_robin::RoundRobin,
        csd::Csd,
        sensitivity::CsdSensitivity,
    ],
);
