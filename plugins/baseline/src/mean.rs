//! `mean`: the mean measurement value of each model over the selected samples.

use podium_plugin_api::abi::PODIUM_METHOD_USES_MEASUREMENTS;
use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params};

use crate::{measurements, params, tick};

/// The `mean` method: a model's score is the arithmetic mean of its measurement values over the
/// selected samples; a model with fewer than `min_samples` measured samples has no score.
pub struct Mean;

impl Method for Mean {
    const ID: &'static str = "mean";
    const DESCRIPTION: &'static str = "Mean score: a model's score is the arithmetic mean of its \
        measurement values (already higher-is-better, one per sample it was measured on) over \
        all selected samples, whatever benchmark they belong to, so larger benchmarks weigh \
        more. A model measured on fewer than `min_samples` samples (default 1), and a model with \
        no measurements, gets no score. Models measured on different samples are not adjusted \
        for it: use macro_mean to weigh benchmarks equally or a sparse-aggregation method for \
        very uneven coverage. Deterministic; the seed is ignored.";
    const PARAMS_SCHEMA: &'static str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "mean",
  "type": "object",
  "properties": {
    "min_samples": {
      "description": "Minimum number of measured samples a model needs to get a score.",
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
        params::reject_unknown(params, &["min_samples"])?;
        let min_samples = params::positive_integer(params, "min_samples", 1)?;
        host.check_cancelled()?;

        let m = measurements(data)?;
        let rows = m.values.len();
        let mut sums = vec![0.0_f64; data.model_count()];
        let mut counts = vec![0_u64; data.model_count()];
        for i in 0..rows {
            tick(host, i, rows, 0.0, 1.0)?;
            let (model, _, value) = data.check_measurement(i)?;
            sums[model] += value;
            counts[model] += 1;
        }

        for (model, (sum, count)) in sums.into_iter().zip(counts).enumerate() {
            // `min_samples` ≥ 1, so a scored model has at least one value.
            if count >= min_samples {
                out.set_score(model, sum / count as f64);
            } else {
                out.clear_score(model);
            }
        }
        host.progress(1.0);
        Ok(())
    }
}
