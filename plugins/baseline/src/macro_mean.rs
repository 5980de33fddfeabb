//! `macro_mean`: the mean over benchmarks of each model's per-benchmark mean.

use podium_plugin_api::abi::PODIUM_METHOD_USES_MEASUREMENTS;
use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params};
use rustc_hash::FxHashMap;

use crate::{measurements, params, tick};

/// The `macro_mean` method: each benchmark counts once, whatever its number of samples.
///
/// For every (model, benchmark) the mean of the model's values over that benchmark's selected
/// samples; a model's score is the unweighted mean of those per-benchmark means over the
/// benchmarks where it has at least `min_samples` measured samples. With `missing: "no_score"`
/// (the default) a model must have that on every benchmark present in the data (a benchmark is
/// present when any model has a measurement on it); with `"skip"` it is averaged over the
/// benchmarks it has.
pub struct MacroMean;

/// What to do with a model that lacks some benchmark present in the data.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Missing {
    /// The model gets no score.
    NoScore,
    /// The model is averaged over the benchmarks it has.
    Skip,
}

impl Method for MacroMean {
    const ID: &'static str = "macro_mean";
    const DESCRIPTION: &'static str = "Macro-average over benchmarks: for each benchmark, the \
        mean of the model's measurement values over that benchmark's selected samples; the \
        score is the unweighted mean of these per-benchmark means, so every benchmark counts \
        once however many samples it has. A benchmark counts for a model only when the model \
        has at least `min_samples` measured samples on it (default 1). A benchmark is present \
        when any model has a measurement on it; with `missing` = \"no_score\" (default) a model \
        that lacks a present benchmark gets no score, so every scored model is averaged over \
        the same benchmarks; with \"skip\" it is averaged over the benchmarks it has. A model \
        with no measurements gets no score. Deterministic; the seed is ignored.";
    const PARAMS_SCHEMA: &'static str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "macro_mean",
  "type": "object",
  "properties": {
    "missing": {
      "description": "A model lacking a benchmark present in the data: \"no_score\" gives it no score, \"skip\" averages over the benchmarks it has.",
      "type": "string",
      "enum": ["no_score", "skip"],
      "default": "no_score"
    },
    "min_samples": {
      "description": "Minimum number of measured samples a model needs on a benchmark for that benchmark to count.",
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
        params::reject_unknown(params, &["missing", "min_samples"])?;
        let missing = match params::one_of(params, "missing", &["no_score", "skip"], "no_score")? {
            "skip" => Missing::Skip,
            _ => Missing::NoScore,
        };
        let min_samples = params::positive_integer(params, "min_samples", 1)?;
        host.check_cancelled()?;

        let m = measurements(data)?;
        let rows = m.values.len();
        let benchmarks = data.benchmark_count();
        // (model × benchmarks + benchmark) → (sum, count): memory follows the cells that have
        // data, not models × benchmarks.
        let mut cells: FxHashMap<u64, (f64, u64)> = FxHashMap::default();
        let mut present = vec![false; benchmarks];
        for i in 0..rows {
            tick(host, i, rows, 0.0, 0.9)?;
            let (model, sample, value) = data.check_measurement(i)?;
            let benchmark = match data.sample_benchmarks.get(sample) {
                Some(&b) if (b as usize) < benchmarks => b as usize,
                Some(&b) => {
                    return Err(MethodError::invalid_data(format!(
                        "sample {sample} refers to benchmark {b}, but there are {benchmarks} \
                         benchmarks"
                    )));
                }
                None => {
                    return Err(MethodError::invalid_data(format!(
                        "sample {sample} has no benchmark"
                    )));
                }
            };
            present[benchmark] = true;
            let cell = cells
                .entry(model as u64 * benchmarks as u64 + benchmark as u64)
                .or_insert((0.0, 0));
            cell.0 += value;
            cell.1 += 1;
        }
        let present = present.iter().filter(|p| **p).count();

        // Sorted by key: grouped by model, benchmarks ascending, so sums are reproducible.
        let mut cells: Vec<(u64, (f64, u64))> = cells.into_iter().collect();
        cells.sort_unstable_by_key(|(key, _)| *key);
        let mut sum_of_means = vec![0.0_f64; data.model_count()];
        let mut counted = vec![0_usize; data.model_count()];
        for (j, &(key, (sum, count))) in cells.iter().enumerate() {
            tick(host, j, cells.len(), 0.9, 1.0)?;
            if count >= min_samples {
                let model = (key / benchmarks as u64) as usize;
                sum_of_means[model] += sum / count as f64;
                counted[model] += 1;
            }
        }

        for (model, (sum, counted)) in sum_of_means.into_iter().zip(counted).enumerate() {
            let scored = counted > 0 && (missing == Missing::Skip || counted == present);
            if scored {
                out.set_score(model, sum / counted as f64);
            } else {
                out.clear_score(model);
            }
        }
        host.progress(1.0);
        Ok(())
    }
}
