//! Host-level analyses that work for any method: agreement between methods (Kendall τ-b of
//! their rankings on the same data) and robustness to missing data (τ-b of the ranking on
//! randomly thinned data against the full-data ranking).
//!
//! Both compare score vectors over the models that both sides scored, so a method that leaves
//! some models unscored is compared on what it did rank. Random removal drops each measurement
//! and each comparison independently ("cells"), from a SplitMix64 stream per (fraction, repeat),
//! so a seed reproduces the curve exactly.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use podium_plugin_host::{
    Dataset, Facts, MethodHandle, RunError, RunOptions, RunOutput, run_method,
};
use podium_synth::kendall_tau_b;
use podium_wire::api::{MethodIdentity, RobustnessPoint};
use serde_json::Value;

use crate::error::ApiError;
use crate::leaderboard::{PreparedData, run_error};
use podium_synth::SplitMix64;

/// τ-b between two runs over the models both scored; `None` below two common models.
pub fn tau_between(a: &RunOutput, b: &RunOutput) -> (Option<f64>, u64) {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for m in 0..a.scores.len().min(b.scores.len()) {
        if a.valid[m] && b.valid[m] {
            x.push(a.scores[m]);
            y.push(b.scores[m]);
        }
    }
    let n = x.len() as u64;
    if n < 2 {
        return (None, n);
    }
    let tau = kendall_tau_b(&x, &y);
    (tau.is_finite().then_some(tau), n)
}

/// Runs one method on a dataset.
pub fn run(
    method: &MethodHandle,
    dataset: &Arc<Dataset>,
    params: &serde_json::Map<String, Value>,
    seed: u64,
    deadline: Duration,
) -> Result<RunOutput, RunError> {
    run_method(
        &method.plugin,
        method.index,
        dataset,
        &Value::Object(params.clone()),
        &RunOptions::new(seed, deadline),
    )
}

/// A copy of `data` with each cell kept with probability `1 − fraction`.
fn thinned(data: &PreparedData, fraction: f64, rng: &mut SplitMix64) -> Result<Dataset, ApiError> {
    let f = data.dataset.facts();
    let mut keep = || rng.next_f64() >= fraction;
    let mut out = Facts::default();
    for i in 0..f.measurement_values.len() {
        if keep() {
            out.measurement_models.push(f.measurement_models[i]);
            out.measurement_samples.push(f.measurement_samples[i]);
            out.measurement_values.push(f.measurement_values[i]);
        }
    }
    for i in 0..f.comparison_winners.len() {
        if keep() {
            out.comparison_models_a.push(f.comparison_models_a[i]);
            out.comparison_models_b.push(f.comparison_models_b[i]);
            out.comparison_samples.push(f.comparison_samples[i]);
            out.comparison_winners.push(f.comparison_winners[i]);
            out.comparison_strengths.push(f.comparison_strengths[i]);
            out.comparison_weights.push(f.comparison_weights[i]);
            out.comparison_timestamps_ms
                .push(f.comparison_timestamps_ms[i]);
            out.comparison_judges.push(f.comparison_judges[i]);
            out.comparison_metadata
                .push(f.comparison_metadata[i].clone());
        }
    }
    Dataset::new(Arc::clone(data.dataset.tables()), out)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

fn summary(fraction: f64, taus: &[f64], unrankable: u32) -> RobustnessPoint {
    let n = taus.len();
    let mean = (n > 0).then(|| taus.iter().sum::<f64>() / n as f64);
    let sd = mean
        .filter(|_| n > 1)
        .map(|m| (taus.iter().map(|t| (t - m).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt());
    RobustnessPoint {
        fraction,
        repeats: n as u32,
        unrankable,
        tau_mean: mean,
        tau_sd: sd,
        tau_min: taus.iter().copied().reduce(f64::min),
        tau_max: taus.iter().copied().reduce(f64::max),
    }
}

/// The robustness curve: for each fraction, `repeats` thinned copies ranked and compared with
/// the full-data ranking. Blocking; repeats run in parallel.
pub fn robustness(
    method: &MethodHandle,
    params: &serde_json::Map<String, Value>,
    data: &PreparedData,
    fractions: &[f64],
    repeats: u32,
    seed: u64,
    deadline: Duration,
) -> Result<(MethodIdentity, Vec<RobustnessPoint>), ApiError> {
    let full = run(method, &data.dataset, params, seed, deadline).map_err(run_error)?;
    let mut points = Vec::with_capacity(fractions.len());
    for (fi, &fraction) in fractions.iter().enumerate() {
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Result<Option<f64>, ApiError>>> = Mutex::new(Vec::new());
        let workers = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .min(repeats as usize)
            .max(1);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let r = next.fetch_add(1, Ordering::Relaxed);
                        if r >= repeats as usize {
                            break;
                        }
                        let stream = ((fi as u64) << 32) | r as u64;
                        let mut rng = SplitMix64::stream(seed, stream);
                        let outcome =
                            thinned(data, fraction, &mut rng).and_then(|dataset| {
                                match run(method, &Arc::new(dataset), params, seed, deadline) {
                                    Ok(output) => Ok(tau_between(&full, &output).0),
                                    Err(RunError::InvalidData(_)) => Ok(None),
                                    Err(other) => Err(run_error(other)),
                                }
                            });
                        if let Ok(mut all) = results.lock() {
                            all.push(outcome);
                        }
                    }
                });
            }
        });
        let mut taus = Vec::new();
        let mut unrankable = 0;
        for outcome in results.into_inner().unwrap_or_default() {
            match outcome? {
                Some(tau) => taus.push(tau),
                None => unrankable += 1,
            }
        }
        taus.sort_by(f64::total_cmp);
        points.push(summary(fraction, &taus, unrankable));
    }
    let info = method.info();
    Ok((
        MethodIdentity {
            id: info.id.clone(),
            plugin: method.plugin.name.clone(),
            plugin_version: method.plugin.version.clone(),
            plugin_file_hash: method.plugin.file_hash.clone(),
        },
        points,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(scores: &[f64], valid: &[bool]) -> RunOutput {
        RunOutput {
            scores: scores.to_vec(),
            valid: valid.to_vec(),
            intervals: vec![None; scores.len()],
            order: None,
            extras: vec![],
            kernels: vec![],
        }
    }

    #[test]
    fn tau_uses_models_scored_by_both() {
        let a = output(&[3.0, 2.0, 1.0, 0.0], &[true, true, true, false]);
        let b = output(&[3.0, 1.0, 2.0, 9.0], &[true, true, true, true]);
        let (tau, n) = tau_between(&a, &b);
        assert_eq!(n, 3);
        // Pairs (0,1) and (0,2) agree, (1,2) disagrees: (2 − 1) / 3.
        assert!((tau.unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(
            tau_between(&a, &output(&[1.0; 4], &[true, false, false, false])).0,
            None
        );
    }

    #[test]
    fn summaries() {
        let point = summary(0.5, &[0.5, 0.7, 0.9], 1);
        assert_eq!(point.repeats, 3);
        assert_eq!(point.unrankable, 1);
        assert!((point.tau_mean.unwrap() - 0.7).abs() < 1e-12);
        assert!((point.tau_sd.unwrap() - 0.2).abs() < 1e-12);
        assert_eq!((point.tau_min, point.tau_max), (Some(0.5), Some(0.9)));
        assert_eq!(summary(0.9, &[], 4).tau_mean, None);
    }
}
