//! The baseline ranking methods: the simple aggregates every leaderboard is checked against.
//!
//! This crate is a Podium plugin (a `cdylib` exporting `podium_plugin_v1`) with three methods:
//!
//! - [`Mean`] (`mean`): a model's score is the mean of its measurement values over the selected
//!   samples: the "accuracy" column of most leaderboards.
//! - [`MacroMean`] (`macro_mean`): the mean over benchmarks of the model's per-benchmark mean, so
//!   a benchmark with many samples does not outweigh a small one.
//! - [`WinRate`] (`win_rate`): from pairwise verdicts, the model's weighted win rate against each
//!   opponent it met, averaged over those opponents (Chatbot Arena's "average win rate").
//!
//! Why it is shaped so:
//! - **Baselines are references, so they are plain and exact.** Each method is one pass over the
//!   data with no iteration, no randomness (the seed is ignored) and no tuning beyond a few
//!   explicit parameters. Anything cleverer (Bradley–Terry, Plackett–Luce, Elo…) lives in its own
//!   plugin and is compared against these.
//! - **Built with the SDK, like a third-party plugin.** The crate uses only the public
//!   `podium-plugin-api` SDK ([`Method`](podium_plugin_api::sdk::Method) and
//!   [`export_plugin!`](podium_plugin_api::export_plugin)), so it has no `unsafe` code and proves
//!   the SDK is enough for a real plugin. It is also an `rlib` so its tests can call the raw C
//!   entry in-process, exactly as the host does.
//! - **The host validates parameters against the published JSON Schema, but the methods do not
//!   trust that.** Every parameter is checked again (unknown fields included) and a bad value
//!   returns `InvalidParams` with a message that starts with the field's name.
//! - **Broken data is an error, not a panic.** Indices out of range, non-finite values, weights
//!   that are not positive and winner codes this ABI version does not know return
//!   `InvalidData` with the offending row; an empty measurement (or comparison) table returns
//!   `InvalidData` too, because an empty leaderboard would hide that the method does not fit the
//!   selection.
//! - **"No score" is explicit.** A model without enough data keeps `valid = 0` rather than a
//!   made-up number; the host ranks scored models only.
//! - **Deterministic to the bit.** Sums run in data order and per-model aggregates in ascending
//!   index order (hash-map contents are sorted before use), so the same data gives the same
//!   bytes, as the leaderboard cache requires.
//! - **Cooperative.** Every loop over rows polls cancellation every [`CHECK_EVERY`] rows and
//!   reports progress; each method reports progress 1 when it is done.

mod macro_mean;
mod mean;
mod params;
mod win_rate;

pub use macro_mean::MacroMean;
pub use mean::Mean;
pub use win_rate::{MATRIX_MAX_MODELS, WinRate};

use podium_plugin_api::sdk::{Dataset, Host, MethodError};

podium_plugin_api::export_plugin!(
    name: "baseline",
    version: env!("CARGO_PKG_VERSION"),
    methods: [Mean, MacroMean, WinRate],
);

/// How many rows a loop handles between two polls of the host's cancellation flag.
pub const CHECK_EVERY: usize = 1 << 16;

/// Polls cancellation and reports progress `done / total` scaled into `[from, to]`, every
/// [`CHECK_EVERY`] rows (and at row 0, so even a tiny dataset honours a pending cancellation).
fn tick(host: &Host<'_>, done: usize, total: usize, from: f64, to: f64) -> Result<(), MethodError> {
    if done.is_multiple_of(CHECK_EVERY) {
        host.check_cancelled()?;
        if total > 0 {
            host.progress(from + (to - from) * (done as f64 / total as f64));
        }
    }
    Ok(())
}

/// The measurement columns, checked to have one length, which must not be zero.
fn measurements<'a>(
    data: &Dataset<'a>,
) -> Result<podium_plugin_api::sdk::Measurements<'a>, MethodError> {
    let m = data.measurements;
    let n = m.values.len();
    if m.models.len() != n || m.samples.len() != n {
        return Err(MethodError::invalid_data(
            "the measurement columns have different lengths",
        ));
    }
    if n == 0 {
        return Err(MethodError::invalid_data(
            "the selection has no measurements; this method ranks measurements",
        ));
    }
    Ok(m)
}
