//! The per-(model, benchmark) score table every tournament here plays on.
//!
//! A match between two models on benchmark k compares their scores on k: the mean of the
//! model's measurement values over the benchmark's selected samples (the host has already made
//! every metric higher-is-better). A model without a value on a benchmark has no score there
//! (`None`), never an imputed one; each method states what a missing score means for a match.
//! The sample-level values stay available ([`ScoreTable::samples`]) for matches decided on one
//! random sample instead of the mean.

use podium_plugin_api::sdk::{Dataset, Host, MethodError};

/// Cancellation is polled every this many rows.
const CHECK_EVERY: usize = 1 << 16;

/// Scores of every model on every benchmark of the selection.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreTable {
    /// Number of models (all of the dataset's, scored or not).
    pub models: usize,
    /// Number of benchmarks.
    pub benchmarks: usize,
    /// `mean[m * benchmarks + k]`: model m's mean on benchmark k, `None` without a value.
    pub mean: Vec<Option<f64>>,
    /// Per benchmark, per sample of it: (sample index, values by model, NaN = not measured).
    pub samples: Vec<Vec<(usize, Vec<f64>)>>,
}

impl ScoreTable {
    /// Builds the table from the dataset's measurements (rows checked: indices in range,
    /// finite values; otherwise `INVALID_DATA` naming the row). Repeated (model, sample) rows
    /// are averaged.
    pub fn build(host: &Host<'_>, data: &Dataset<'_>) -> Result<ScoreTable, MethodError> {
        let (n, b, s) = (
            data.model_count(),
            data.benchmark_count(),
            data.sample_count(),
        );
        let m = &data.measurements;
        let mut sample_sum = vec![0.0; s * n];
        let mut sample_count = vec![0u32; s * n];
        for row in 0..m.values.len() {
            if row % CHECK_EVERY == 0 {
                host.check_cancelled()?;
            }
            let (model, sample, value) = data.check_measurement(row)?;
            let benchmark = data
                .sample_benchmarks
                .get(sample)
                .copied()
                .unwrap_or(u32::MAX) as usize;
            if benchmark >= b {
                return Err(MethodError::invalid_data(format!(
                    "sample {sample}: benchmark index {benchmark} out of range ({b} benchmarks)"
                )));
            }
            sample_sum[sample * n + model] += value;
            sample_count[sample * n + model] += 1;
        }
        let mut samples: Vec<Vec<(usize, Vec<f64>)>> = vec![Vec::new(); b];
        let mut sum = vec![0.0; n * b];
        let mut count = vec![0u64; n * b];
        for sample in 0..s {
            let cells = &sample_count[sample * n..(sample + 1) * n];
            if cells.iter().all(|&c| c == 0) {
                continue;
            }
            let k = data.sample_benchmarks[sample] as usize;
            let values: Vec<f64> = (0..n)
                .map(|model| match cells[model] {
                    0 => f64::NAN,
                    c => sample_sum[sample * n + model] / c as f64,
                })
                .collect();
            for (model, value) in values.iter().enumerate() {
                if !value.is_nan() {
                    sum[model * b + k] += value;
                    count[model * b + k] += 1;
                }
            }
            samples[k].push((sample, values));
        }
        let mean = sum
            .iter()
            .zip(&count)
            .map(|(&total, &c)| (c > 0).then(|| total / c as f64))
            .collect();
        Ok(ScoreTable {
            models: n,
            benchmarks: b,
            mean,
            samples,
        })
    }

    /// Model m's mean on benchmark k.
    pub fn score(&self, model: usize, benchmark: usize) -> Option<f64> {
        self.mean[model * self.benchmarks + benchmark]
    }
}
