//! Bootstrap intervals for `onebench`, computed on the host's kernels.
//!
//! A replicate draws the samples with replacement within each benchmark (a sample carries its
//! values and its verdicts), rebuilds W with the same rules through the host's
//! `pairwise_wins` kernel (the sample multiplicities are the kernel's weights), and all
//! replicates are fitted together by the host's `bradley_terry_batch` kernel — a GPU when the
//! server has one. For pairwise data the ILSR fixed point of the point estimate is the
//! Bradley–Terry maximum-likelihood estimate, so the replicates fit the same model; each gets
//! [`REPLICATE_PRIOR`] pseudo-wins per compared pair so that a replicate which happens to lose
//! a model's only win still has an estimate. The interval of a model is the percentile
//! interval of its centred log-strength over the replicates that converged.

use podium_numerics::resample;
use podium_numerics::stats::quantile;
use podium_plugin_api::sdk::{BtBatch, BtOptions, Dataset, Device, Host, MethodError, Output};
use podium_synth::SplitMix64;
use serde_json::{Value, json};

use crate::matrix::PairMatrix;
use crate::params::OneBenchParams;

/// Pseudo-wins added to each side of every compared pair in a replicate's fit.
pub const REPLICATE_PRIOR: f64 = 1e-3;

/// Runs `params.resamples` replicates for the fitted models `block` (compact indices of
/// `pairs`), sets their intervals in `out` and returns the report for the extra.
pub fn bootstrap(
    host: &Host<'_>,
    data: &Dataset<'_>,
    pairs: &PairMatrix,
    params: &OneBenchParams,
    block: &[usize],
    seed: u64,
    out: &mut Output<'_>,
) -> Result<Value, MethodError> {
    let (f, k) = (block.len(), pairs.size());
    if f < 2 {
        return Ok(json!({"resamples": 0, "reason": "fewer than two fitted models"}));
    }
    let w = &pairs.w;
    let mut compared: Vec<[u32; 2]> = Vec::new();
    for bi in 0..f {
        for bj in bi + 1..f {
            let (i, j) = (block[bi], block[bj]);
            if w[i * k + j] + w[j * k + i] > 0.0 {
                compared.push([bi as u32, bj as u32]);
            }
        }
    }
    let strata = resample::strata(data.sample_benchmarks.iter().copied());
    let replicates = params.resamples as usize;
    let mut wins = Vec::with_capacity(replicates * compared.len() * 2);
    let mut counts = vec![0u32; data.sample_count()];
    for r in 0..replicates {
        host.check_cancelled()?;
        resample::stratified_counts(
            &strata,
            &mut SplitMix64::stream(seed, r as u64),
            &mut counts,
        );
        let replicate = pairs.replicate(host, params.ties, &counts, block)?;
        for &[i, j] in &compared {
            let (i, j) = (i as usize, j as usize);
            wins.push(replicate[i * f + j]);
            wins.push(replicate[j * f + i]);
        }
        host.progress(0.9 + 0.05 * (r + 1) as f64 / replicates as f64);
    }
    let batch = BtBatch {
        n: f,
        pairs: &compared,
        replicates,
        wins: &wins,
    };
    let options = BtOptions {
        prior: REPLICATE_PRIOR,
        tolerance: 1e-9,
        max_iterations: 100_000,
    };
    host.check_cancelled()?;
    let (fits, device) = host.bradley_terry_batch(&batch, &options)?;
    let converged = fits.converged.iter().filter(|&&c| c).count();
    let tail = (1.0 - params.level) / 2.0;
    let mut draws = Vec::with_capacity(replicates);
    for (bi, &i) in block.iter().enumerate() {
        draws.clear();
        draws.extend(
            (0..replicates)
                .filter(|&b| fits.converged[b])
                .map(|b| fits.theta[b * f + bi]),
        );
        if draws.is_empty() {
            continue;
        }
        draws.sort_by(f64::total_cmp);
        out.set_interval(
            pairs.models[i],
            quantile(&draws, tail),
            quantile(&draws, 1.0 - tail),
        );
    }
    Ok(json!({
        "resamples": replicates,
        "converged": converged,
        "level": params.level,
        "stratified_by": "benchmark",
        "replicate_prior": REPLICATE_PRIOR,
        "fitted_on": match device {
            Device::Gpu => "gpu",
            Device::Cpu => "cpu",
        },
        "method": "percentile interval of the centred log-strength over replicates that resample samples (with their values and verdicts) within each benchmark",
    }))
}
