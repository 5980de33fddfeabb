//! An example Podium plugin: one ranking method, [`TrimmedMean`] (`trimmed_mean`).
//!
//! A model's score is the mean of its measurement values after dropping the lowest and the
//! highest `trim` fraction of them, so a few extreme samples cannot carry a model up or down the
//! leaderboard. It is written to be copied: everything a real plugin needs is here and nothing
//! else.
//!
//! - **One exported symbol.** [`export_plugin!`](podium_plugin_api::export_plugin) defines
//!   `podium_plugin_v1` and the static descriptor (plugin name `example`, version from
//!   `Cargo.toml`, the method table).
//! - **A method is a type.** [`TrimmedMean`] implements
//!   [`Method`](podium_plugin_api::sdk::Method): an id, a one-paragraph description, a JSON
//!   Schema for its parameters, flags, and a `run` function that reads the [`Dataset`] and
//!   writes scores into the [`Output`]. No `unsafe` and no global state: the host may run it on
//!   several threads at once (bootstrap replicates).
//! - **Parameters are checked twice.** The host validates them against the schema before the
//!   call; the method checks them again ([`params`]) and names the field in every error.
//! - **Broken data is an error, not a panic.** Out-of-range indices and non-finite values return
//!   `InvalidData` with the offending row.
//! - **Cooperative.** Every loop polls [`Host::check_cancelled`] and reports progress, so the
//!   host's deadline and client cancellations stop it promptly.
//! - **Deterministic.** The seed is ignored; each model's values are sorted before they are
//!   summed, so the score does not even depend on the order of the rows.

mod params;
#[cfg(test)]
mod tests;

use podium_plugin_api::abi::PODIUM_METHOD_USES_MEASUREMENTS;
use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params};
use serde_json::{Map, Value, json};

podium_plugin_api::export_plugin!(
    name: "example",
    version: env!("CARGO_PKG_VERSION"),
    methods: [TrimmedMean],
);

/// How many rows a loop handles between two polls of the host's cancellation flag.
pub const CHECK_EVERY: usize = 1 << 16;

/// The `trimmed_per_model` extra is emitted only for at most this many models (it is a
/// diagnostic for people, not a data dump).
pub const EXTRA_MAX_MODELS: usize = 100;

/// Default of the `trim` parameter.
pub const DEFAULT_TRIM: f64 = 0.1;

/// The `trimmed_mean` method.
///
/// For each model with `n` measurement values (one per selected sample it was measured on, any
/// benchmark), sort the values, drop `k = ⌊trim · n⌋` from each end and average the `n − 2k`
/// that remain (at least one, since `trim < 0.5`): the definition of `scipy.stats.trim_mean`.
/// `trim = 0` is the plain mean; `trim` close to 0.5 approaches the median. A model with fewer
/// than `min_samples` values has no score.
pub struct TrimmedMean;

impl Method for TrimmedMean {
    const ID: &'static str = "trimmed_mean";
    const DESCRIPTION: &'static str = "Trimmed mean (example plugin): a model's score is the \
        mean of its measurement values (already higher-is-better, one per sample it was \
        measured on, pooled over the selected benchmarks) after sorting them and dropping \
        floor(trim × n) values from each end, as scipy.stats.trim_mean does; trim = 0 is the \
        plain mean and a trim close to 0.5 approaches the median. A model measured on fewer \
        than `min_samples` samples (default 1), and a model with no measurements, gets no \
        score. Deterministic; the seed is ignored.";
    const PARAMS_SCHEMA: &'static str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "trimmed_mean",
  "type": "object",
  "properties": {
    "trim": {
      "description": "Fraction of each model's values dropped at each end (floor(trim × n) values per end).",
      "type": "number",
      "minimum": 0,
      "exclusiveMaximum": 0.5,
      "default": 0.1
    },
    "min_samples": {
      "description": "Minimum number of measured samples a model needs to get a score (counted before trimming).",
      "type": "integer",
      "minimum": 1,
      "default": 1
    }
  },
  "additionalProperties": false
}"#;
    const FLAGS: u32 = PODIUM_METHOD_USES_MEASUREMENTS;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        _seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        // 1. Parameters: the host has validated them against PARAMS_SCHEMA, but check again.
        params::reject_unknown(params, &["trim", "min_samples"])?;
        let trim = params::fraction_below_half(params, "trim", DEFAULT_TRIM)?;
        let min_samples = params::positive_integer(params, "min_samples", 1)?;
        host.check_cancelled()?;

        // 2. Group the values by model (first half of the progress bar).
        let m = data.measurements;
        let rows = m.values.len();
        if m.models.len() != rows || m.samples.len() != rows {
            return Err(MethodError::invalid_data(
                "the measurement columns have different lengths",
            ));
        }
        if rows == 0 {
            return Err(MethodError::invalid_data(
                "the selection has no measurements; trimmed_mean ranks measurements",
            ));
        }
        let models = data.model_count();
        let mut values: Vec<Vec<f64>> = vec![Vec::new(); models];
        for i in 0..rows {
            if i % CHECK_EVERY == 0 {
                host.check_cancelled()?;
                host.progress(0.5 * i as f64 / rows as f64);
            }
            let (model, _, value) = data.check_measurement(i)?;
            values[model].push(value);
        }

        // 3. Sort, trim and average each model (second half), in model order.
        let mut trimmed = Map::new();
        let mut sorted_rows = 0usize;
        for (model, model_values) in values.iter_mut().enumerate() {
            host.check_cancelled()?;
            let n = model_values.len();
            if n == 0 || (n as u64) < min_samples {
                out.clear_score(model);
            } else {
                // Every value is finite, so `total_cmp` is the usual order.
                model_values.sort_unstable_by(f64::total_cmp);
                let k = trimmed_per_end(trim, n);
                let kept = &model_values[k..n - k];
                let sum: f64 = kept.iter().sum();
                out.set_score(model, sum / kept.len() as f64);
                trimmed.insert(
                    data.model_name(model).to_owned(),
                    json!({"measured": n, "dropped": 2 * k}),
                );
            }
            sorted_rows += n;
            host.progress(0.5 + 0.5 * sorted_rows as f64 / rows as f64);
        }

        // 4. A diagnostic for people, attached to the leaderboard under diagnostics.method.
        if models <= EXTRA_MAX_MODELS {
            host.emit_extra("trimmed_per_model", &Value::Object(trimmed));
        }
        host.progress(1.0);
        Ok(())
    }
}

/// `⌊trim · n⌋`, the number of values dropped at each end. The product gets a tolerance of
/// 1e-9 so that a decimal `trim` whose product is mathematically whole (0.3 × 10) is not
/// rounded down by floating-point error; the result is capped so that one value always remains.
pub fn trimmed_per_end(trim: f64, n: usize) -> usize {
    let k = (trim * n as f64 + 1e-9).floor() as usize;
    k.min(n.saturating_sub(1) / 2)
}
