//! Soft Condorcet Optimization (Lanctot et al., arXiv 2411.00119; OpenSpiel's
//! `python/voting/soft_condorcet_optimization.py`).
//!
//! Ratings θ ∈ [θ_min, θ_max]^k minimise L(θ) = Σ_votes Σ_{a ≻_v b} w_v · σ((θ_b − θ_a)/τ), a
//! smoothed Kendall-tau distance, by projected gradient descent from the midpoint.
//!
//! Aggregation: the gradient of one observation a ≻ b is −w·s(1−s)/τ on θ_a and +w·s(1−s)/τ on
//! θ_b with s = σ((θ_b − θ_a)/τ); the reverse observation b ≻ a has s' = 1 − s, so the same
//! s(1−s), with the signs swapped. Summed over every ballot, the gradient is therefore exactly
//! that of the *net* pairs (a, b, M[a][b]) with M[a][b] > 0 — the margin matrix — and one
//! iteration costs O(number of positive margins), however many ballots there are. L itself
//! differs from the net-pair form Σ_{M[a][b] > 0} M[a][b] · σ((θ_b − θ_a)/τ) only by the
//! constant Σ_{a<b} min(w_ab, w_ba) (disagreements no rating avoids); the reported `loss` is the
//! net-pair form.
//!
//! Normalisation as OpenSpiel's: the batch gradient is divided by the number of votes in the
//! batch (OpenSpiel "ungroups" the profile, so a vote of weight w counts w times). For the full
//! batch that is the total ballot weight V. With this normalisation the spec's check profile
//! {2: a≻b≻c, 3: c≻a≻b} is still a > c > b after 1,000 iterations and flips to c > a > b at
//! iteration 1,161, exactly as the spec reports for OpenSpiel (dividing by the number of pair
//! observations instead would flip only at ~3,481).
//!
//! Minibatches (`batch_size` = B > 0) differ from OpenSpiel's on purpose: OpenSpiel samples B
//! ballots from numpy's global RNG; here each step samples B net pair observations with
//! replacement, with probability proportional to their margin, from
//! `podium_synth::SplitMix64::stream(seed, 0)`, and scales the sum by W / (B · V) (W = Σ of the
//! positive margins), an unbiased estimate of the full-batch gradient. Reproducible for a seed;
//! compare only full-batch rankings with OpenSpiel (the spec says so too).

use podium_plugin_api::sdk::{Host, MethodError};
use podium_synth::SplitMix64;

use crate::CHECK_EVERY;
use crate::params::ScoParams;

/// What a run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoResult {
    /// The ratings, one per candidate.
    pub ratings: Vec<f64>,
    /// Iterations run (fewer than asked when `tol` stopped it).
    pub iterations: u64,
    /// Whether the convergence test fired (always false when `tol` = 0).
    pub converged: bool,
    /// The net-pair loss Σ_{M[a][b] > 0} M[a][b] · σ((θ_b − θ_a)/τ) at the final ratings.
    pub loss: f64,
}

/// The logistic function.
fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The net pairs (a, b, M[a][b]) with a positive margin, in (a, b) order.
pub fn net_pairs(k: usize, m: &[f64]) -> Vec<(usize, usize, f64)> {
    let mut pairs = Vec::new();
    for a in 0..k {
        for b in 0..k {
            let w = m[a * k + b];
            if w > 0.0 {
                pairs.push((a, b, w));
            }
        }
    }
    pairs
}

/// The net-pair loss at `theta`.
pub fn loss(pairs: &[(usize, usize, f64)], theta: &[f64], temperature: f64) -> f64 {
    pairs
        .iter()
        .map(|&(a, b, w)| w * sigmoid((theta[b] - theta[a]) / temperature))
        .sum()
}

/// Runs SCO on the margins `m` (`k × k`) with `votes` = the total ballot weight V (> 0).
///
/// Cancellation is polled every [`CHECK_EVERY`] pair updates; progress runs from
/// `progress_from` to 1.
pub fn run(
    host: &Host<'_>,
    k: usize,
    m: &[f64],
    votes: f64,
    params: &ScoParams,
    seed: u64,
    progress_from: f64,
) -> Result<ScoResult, MethodError> {
    let pairs = net_pairs(k, m);
    let tau = params.temperature;
    let (lo, hi) = (params.rating_min, params.rating_max);
    let mut theta = vec![lo + (hi - lo) / 2.0; k];
    let mut grad = vec![0.0; k];
    let total_margin: f64 = pairs.iter().map(|p| p.2).sum();
    // Cumulative margins, for sampling pairs proportionally to their margin.
    let cumulative: Vec<f64> = pairs
        .iter()
        .scan(0.0, |acc, p| {
            *acc += p.2;
            Some(*acc)
        })
        .collect();
    let mut rng = SplitMix64::stream(seed, 0);
    let votes = if votes > 0.0 { votes } else { 1.0 };
    let report_every = (params.iterations / 100).max(1);
    let mut work = 0usize;
    let mut done = 0u64;
    let mut converged = false;
    let update = |grad: &mut [f64], theta: &[f64], a: usize, b: usize, w: f64| {
        let s = sigmoid((theta[b] - theta[a]) / tau);
        let d = w * s * (1.0 - s) / tau;
        grad[a] -= d;
        grad[b] += d;
    };
    while done < params.iterations {
        grad.fill(0.0);
        let scale = if params.batch_size == 0 || pairs.is_empty() {
            for &(a, b, w) in &pairs {
                update(&mut grad, &theta, a, b, w);
            }
            work += pairs.len().max(1);
            1.0 / votes
        } else {
            for _ in 0..params.batch_size {
                let x = rng.next_f64() * total_margin;
                let i = cumulative.partition_point(|&c| c <= x).min(pairs.len() - 1);
                let (a, b, _) = pairs[i];
                update(&mut grad, &theta, a, b, 1.0);
            }
            work += params.batch_size as usize;
            total_margin / (params.batch_size as f64 * votes)
        };
        let mut largest_step = 0.0_f64;
        for (t, g) in theta.iter_mut().zip(&grad) {
            let next = (*t - params.learning_rate * g * scale).clamp(lo, hi);
            largest_step = largest_step.max((next - *t).abs());
            *t = next;
        }
        done += 1;
        if work >= CHECK_EVERY {
            work = 0;
            host.check_cancelled()?;
        }
        if done.is_multiple_of(report_every) {
            host.progress(
                progress_from + (1.0 - progress_from) * done as f64 / params.iterations as f64,
            );
        }
        if params.tol > 0.0 && largest_step < params.tol {
            converged = true;
            break;
        }
    }
    let loss = loss(&pairs, &theta, tau);
    Ok(ScoResult {
        ratings: theta,
        iterations: done,
        converged,
        loss,
    })
}
