//! The numerics the ranking plugins share, in one place: strongly connected components of a
//! comparison graph ([`graph`]), dense symmetric positive-definite algebra and a pivoted solve
//! ([`linalg`]), percentile and normal quantiles ([`stats`]).
//!
//! A plain library (an rlib, not a plugin): each plugin is a cdylib with its own
//! `export_plugin!`, and linking another plugin's rlib would bring a second `podium_plugin_v1`
//! symbol. Only what at least two plugins need lives here; model-specific numerics stay in
//! their plugin.

pub mod graph;
pub mod linalg;
pub mod resample;
pub mod stats;
