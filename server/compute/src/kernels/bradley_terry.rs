//! Kernel `bradley_terry_batch`: Bradley–Terry fits of many bootstrap replicates at once
//! (Hunter's MM iteration, Zermelo's fixed point).
//!
//! **Contract.** Input: `n` models, `P` pairs (i, j) with i ≠ j whose graph connects all `n`
//! models, and for each of `B` replicates the wins of each side of each pair
//! (`wins[(b·P + p)·2]` for i, `+ 1` for j; ties counted as halves by the caller; finite,
//! ≥ 0), plus a `prior` of pseudo-wins added to both sides of every pair (> 0 makes every
//! replicate's maximum-likelihood estimate exist). Each replicate iterates
//! π_i ← W_i / Σ_{p ∋ i} N_p / (π_i + π_other), W_i = i's wins + prior per pair, N_p = the
//! pair's total + 2·prior, with log π re-centred to mean 0 after every step, and stops when no
//! log-strength moves by `tolerance`. Output: θ = log π (centred) per replicate and model,
//! the steps taken and whether each replicate converged.
//!
//! **Precision.** The CPU twin runs in f64. The GPU runs the steps of all replicates together
//! in f32 until the f32 change stops falling, then this module's f64 iteration finishes every
//! replicate from there to the same stopping rule: both agree to about the tolerance divided
//! by one minus the iteration's contraction rate.

use crate::ComputeError;

/// Borrowed inputs of one batch (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct BtBatch<'a> {
    /// Number of models.
    pub n: usize,
    /// The pairs [i, j], i ≠ j.
    pub pairs: &'a [[u32; 2]],
    /// Replicates.
    pub replicates: usize,
    /// `replicates × pairs × 2` wins: i's, then j's.
    pub wins: &'a [f64],
}

/// Stopping rule and prior of [`bradley_terry_batch`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BtOptions {
    /// Pseudo-wins added to each side of every pair.
    pub prior: f64,
    /// Stop when no log-strength moves by more than this.
    pub tolerance: f64,
    /// Most steps per replicate.
    pub max_iterations: u64,
}

impl Default for BtOptions {
    fn default() -> Self {
        BtOptions {
            prior: 0.01,
            tolerance: 1e-10,
            max_iterations: 100_000,
        }
    }
}

/// The fits of one batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BtResult {
    /// `replicates × n` centred log-strengths.
    pub theta: Vec<f64>,
    /// Steps per replicate (on every device together).
    pub iterations: Vec<u64>,
    /// Whether each replicate met the tolerance.
    pub converged: Vec<bool>,
}

impl BtBatch<'_> {
    /// Checks the contract.
    pub fn validate(&self, options: &BtOptions) -> Result<(), ComputeError> {
        let bad = |what: String| Err(ComputeError::InvalidInput(what));
        let (n, p) = (self.n, self.pairs.len());
        if n < 2 {
            return bad(format!("{n} models: a fit needs two"));
        }
        if self.wins.len() != self.replicates * p * 2 {
            return bad(format!(
                "{} wins for {} replicates × {p} pairs × 2",
                self.wins.len(),
                self.replicates
            ));
        }
        if !(options.prior.is_finite() && options.prior >= 0.0) {
            return bad(format!(
                "prior {} is not a finite number ≥ 0",
                options.prior
            ));
        }
        if let Some(w) = self.wins.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
            return bad(format!("a win count of {w}"));
        }
        // Union–find: every model must be reachable from model 0.
        let mut parent: Vec<usize> = (0..n).collect();
        fn root(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        for (k, &[i, j]) in self.pairs.iter().enumerate() {
            let (i, j) = (i as usize, j as usize);
            if i >= n || j >= n || i == j {
                return bad(format!("pair {k} is ({i}, {j}) among {n} models"));
            }
            let (a, b) = (root(&mut parent, i), root(&mut parent, j));
            parent[a] = b;
        }
        let first = root(&mut parent, 0);
        if let Some(m) = (1..n).find(|&m| root(&mut parent, m) != first) {
            return bad(format!(
                "the pairs do not connect model {m} to model 0: strengths would not be comparable"
            ));
        }
        Ok(())
    }
}

/// W_i per replicate (`replicates × n`): wins plus the prior per pair.
pub fn win_totals(batch: &BtBatch<'_>, prior: f64) -> Vec<f64> {
    let (n, p) = (batch.n, batch.pairs.len());
    let mut totals = vec![0.0; batch.replicates * n];
    for b in 0..batch.replicates {
        for (k, &[i, j]) in batch.pairs.iter().enumerate() {
            let w = &batch.wins[(b * p + k) * 2..(b * p + k) * 2 + 2];
            totals[b * n + i as usize] += w[0] + prior;
            totals[b * n + j as usize] += w[1] + prior;
        }
    }
    totals
}

/// Finishes (or runs) one replicate in f64 from `theta` (centred in place); returns the steps
/// and whether it converged.
fn fit_one(
    batch: &BtBatch<'_>,
    b: usize,
    totals: &[f64],
    options: &BtOptions,
    theta: &mut [f64],
) -> (u64, bool) {
    let (n, p) = (batch.n, batch.pairs.len());
    let mut pi: Vec<f64> = theta.iter().map(|t| t.exp()).collect();
    let mut den = vec![0.0; n];
    for step in 1..=options.max_iterations {
        den.fill(0.0);
        for (k, &[i, j]) in batch.pairs.iter().enumerate() {
            let w = &batch.wins[(b * p + k) * 2..(b * p + k) * 2 + 2];
            let (i, j) = (i as usize, j as usize);
            let d = (w[0] + w[1] + 2.0 * options.prior) / (pi[i] + pi[j]);
            den[i] += d;
            den[j] += d;
        }
        let mut mean = 0.0;
        for m in 0..n {
            pi[m] = totals[m] / den[m];
            mean += pi[m].ln();
        }
        mean /= n as f64;
        let mut moved = 0.0f64;
        for m in 0..n {
            let t = pi[m].ln() - mean;
            moved = moved.max((t - theta[m]).abs());
            theta[m] = t;
            pi[m] = t.exp();
        }
        if !moved.is_finite() {
            return (step, false);
        }
        if moved < options.tolerance {
            return (step, true);
        }
    }
    (options.max_iterations, false)
}

/// The CPU twin of `bradley_terry_batch` (threads over replicates), from θ = 0 or from
/// `start` (`replicates × n`; the GPU implementation hands its f32 result over here).
pub fn bradley_terry_batch(
    batch: &BtBatch<'_>,
    start: Option<&[f64]>,
    options: &BtOptions,
) -> Result<BtResult, ComputeError> {
    batch.validate(options)?;
    let n = batch.n;
    let totals = win_totals(batch, options.prior);
    let mut theta = match start {
        Some(s) if s.len() == batch.replicates * n && s.iter().all(|v| v.is_finite()) => s.to_vec(),
        _ => vec![0.0; batch.replicates * n],
    };
    let mut outcome = vec![(0u64, false); batch.replicates];
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(batch.replicates.max(1));
    let per = batch.replicates.div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        for ((thetas, outcomes), first) in theta
            .chunks_mut(per * n)
            .zip(outcome.chunks_mut(per))
            .zip((0..).step_by(per))
        {
            let totals = &totals;
            scope.spawn(move || {
                for (k, (t, o)) in thetas.chunks_mut(n).zip(outcomes.iter_mut()).enumerate() {
                    let b = first + k;
                    *o = fit_one(batch, b, &totals[b * n..(b + 1) * n], options, t);
                }
            });
        }
    });
    Ok(BtResult {
        theta,
        iterations: outcome.iter().map(|o| o.0).collect(),
        converged: outcome.iter().map(|o| o.1).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_models_give_the_log_odds() {
        // 3 wins to 1, no prior: θ0 − θ1 = ln 3.
        let batch = BtBatch {
            n: 2,
            pairs: &[[0, 1]],
            replicates: 2,
            wins: &[3.0, 1.0, 1.0, 1.0],
        };
        let options = BtOptions {
            prior: 0.0,
            ..BtOptions::default()
        };
        let r = bradley_terry_batch(&batch, None, &options).unwrap();
        assert!(r.converged.iter().all(|&c| c));
        assert!((r.theta[0] - r.theta[1] - 3f64.ln()).abs() < 1e-9);
        assert!(r.theta[2].abs() < 1e-12 && r.theta[3].abs() < 1e-12);
    }

    #[test]
    fn the_fixed_point_satisfies_the_likelihood_equations() {
        // Three models in a cycle with uneven records, prior 0.5.
        let pairs = [[0, 1], [1, 2], [0, 2]];
        let wins = [7.0, 3.0, 4.0, 6.0, 2.0, 5.0];
        let batch = BtBatch {
            n: 3,
            pairs: &pairs,
            replicates: 1,
            wins: &wins,
        };
        let options = BtOptions {
            prior: 0.5,
            ..BtOptions::default()
        };
        let r = bradley_terry_batch(&batch, None, &options).unwrap();
        let pi: Vec<f64> = r.theta.iter().map(|t| t.exp()).collect();
        // Σ_p expected wins of i = W_i.
        let mut expected = [0.0; 3];
        let mut observed = [0.0; 3];
        for (k, &[i, j]) in pairs.iter().enumerate() {
            let (i, j) = (i as usize, j as usize);
            let total = wins[2 * k] + wins[2 * k + 1] + 1.0;
            expected[i] += total * pi[i] / (pi[i] + pi[j]);
            expected[j] += total * pi[j] / (pi[i] + pi[j]);
            observed[i] += wins[2 * k] + 0.5;
            observed[j] += wins[2 * k + 1] + 0.5;
        }
        for m in 0..3 {
            assert!(
                (expected[m] - observed[m]).abs() < 1e-8,
                "{expected:?} {observed:?}"
            );
        }
    }

    #[test]
    fn disconnected_or_broken_input_is_named() {
        let batch = BtBatch {
            n: 3,
            pairs: &[[0, 1]],
            replicates: 1,
            wins: &[1.0, 1.0],
        };
        let e = bradley_terry_batch(&batch, None, &BtOptions::default()).unwrap_err();
        assert!(e.to_string().contains("model 2"), "{e}");
        let batch = BtBatch {
            n: 2,
            pairs: &[[0, 1]],
            replicates: 1,
            wins: &[1.0, f64::NAN],
        };
        assert!(bradley_terry_batch(&batch, None, &BtOptions::default()).is_err());
    }
}
