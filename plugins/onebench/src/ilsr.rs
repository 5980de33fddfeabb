//! Iterative Luce Spectral Ranking on a dense win matrix, step for step as choix 0.4.1's
//! `ilsr_pairwise_dense` (Maystre and Grossglauser, 2015).
//!
//! One LSR step, from weights `ws` (all ones at first):
//! - the rate matrix `Q[i][j] = α + W[j][i] / (ws_i + ws_j)` (from loser i to winner j), α on
//!   the diagonal too, then each diagonal entry minus its row's sum (so rows sum to 0);
//! - π = the stationary distribution of Q ([`statdist`]), scaled to sum to n;
//! - θ = log π − mean(log π).
//!
//! The next weights are `exp(θ − mean θ)` scaled to sum to n. Iteration stops when the L1 norm
//! of the change of the (re-centred) θ is at most `tol · n`; the first step never stops it, so
//! a converged fit took at least two steps.

use podium_plugin_api::sdk::MethodError;

/// The result of [`ilsr_dense`].
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Centred log-strengths, higher is better.
    pub theta: Vec<f64>,
    /// LSR steps taken.
    pub iterations: u64,
    /// Whether the convergence test passed within `max_iter` steps.
    pub converged: bool,
}

/// Why [`statdist`] failed: the chain has no unique stationary distribution (in exact
/// arithmetic: the graph is not strongly connected), or the numbers degenerated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoStationaryDistribution;

/// The stationary distribution of the continuous-time Markov chain with generator `q` (`k × k`,
/// row-major, rows summing to 0), scaled to sum to `k`.
///
/// As choix's `statdist`: LU-factorise `qᵀ` with partial pivoting (LAPACK `getrf`: the pivot is
/// the first entry of largest magnitude in the column), take the upper triangle U, set the last
/// component to 1 and solve the leading `(k−1) × (k−1)` block `U' x = −U[..k−1, k−1]` by back
/// substitution (the last row of U is zero: `qᵀ` is singular). `poll` is called every 32
/// columns so large systems can be cancelled.
///
/// Fails when a pivot of the leading block is zero or the result is not finite and positive.
pub fn statdist(
    q: &[f64],
    k: usize,
    poll: &mut dyn FnMut() -> Result<(), MethodError>,
) -> Result<Result<Vec<f64>, NoStationaryDistribution>, MethodError> {
    debug_assert_eq!(q.len(), k * k);
    if k == 0 {
        return Ok(Ok(Vec::new()));
    }
    // a = qᵀ, row-major.
    let mut a = vec![0.0_f64; k * k];
    for i in 0..k {
        for j in 0..k {
            a[j * k + i] = q[i * k + j];
        }
    }
    // Gaussian elimination with partial pivoting; only U is needed afterwards.
    for col in 0..k {
        if col % 32 == 31 {
            poll()?;
        }
        let mut pivot = col;
        let mut best = a[col * k + col].abs();
        for row in col + 1..k {
            let v = a[row * k + col].abs();
            if v > best {
                best = v;
                pivot = row;
            }
        }
        if pivot != col {
            for j in 0..k {
                a.swap(col * k + j, pivot * k + j);
            }
        }
        let p = a[col * k + col];
        if p == 0.0 {
            // A zero column below the diagonal: nothing to eliminate (LAPACK goes on too).
            continue;
        }
        let (upper, lower) = a.split_at_mut((col + 1) * k);
        let pivot_row = &upper[col * k + col + 1..col * k + k];
        for row in lower.chunks_exact_mut(k) {
            let factor = row[col] / p;
            if factor == 0.0 {
                continue;
            }
            row[col] = factor;
            for (x, u) in row[col + 1..].iter_mut().zip(pivot_row) {
                *x -= factor * u;
            }
        }
    }
    // Back substitution on the leading block with x[k−1] = 1.
    let mut x = vec![0.0_f64; k];
    x[k - 1] = 1.0;
    for i in (0..k - 1).rev() {
        let row = &a[i * k..i * k + k];
        let diagonal = row[i];
        if diagonal == 0.0 {
            return Ok(Err(NoStationaryDistribution));
        }
        // right-hand side −U[i][k−1] (· x[k−1] = 1), minus the already solved terms.
        let mut sum = -row[k - 1];
        for j in i + 1..k - 1 {
            sum -= row[j] * x[j];
        }
        x[i] = sum / diagonal;
    }
    let total: f64 = x.iter().sum();
    let scale = k as f64 / total;
    for v in &mut x {
        *v *= scale;
    }
    if x.iter().all(|v| v.is_finite() && *v > 0.0) {
        Ok(Ok(x))
    } else {
        Ok(Err(NoStationaryDistribution))
    }
}

/// Arithmetic mean (0 for an empty slice).
fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// Fits Bradley–Terry strengths to the `k × k` win matrix `w` (row-major; `w[i*k + j]` = how
/// much i beat j) by ILSR with regularisation `alpha`, at most `max_iter` steps and tolerance
/// `tol` (see the module documentation). `poll(step)` is called before every step and inside
/// large factorisations; its error (cancellation) is returned as is.
///
/// Without convergence the last θ is returned with `converged = false`. `Ok(Err(_))` when a
/// step has no unique stationary distribution.
pub fn ilsr_dense(
    w: &[f64],
    k: usize,
    alpha: f64,
    max_iter: u64,
    tol: f64,
    poll: &mut dyn FnMut(u64) -> Result<(), MethodError>,
) -> Result<Result<Fit, NoStationaryDistribution>, MethodError> {
    debug_assert_eq!(w.len(), k * k);
    let mut ws = vec![1.0_f64; k];
    let mut q = vec![0.0_f64; k * k];
    let mut previous: Option<Vec<f64>> = None;
    let mut theta = vec![0.0_f64; k];
    for step in 1..=max_iter {
        poll(step - 1)?;
        // The rate matrix of this step.
        for i in 0..k {
            let row = &mut q[i * k..i * k + k];
            for (j, rate) in row.iter_mut().enumerate() {
                *rate = alpha + w[j * k + i] / (ws[i] + ws[j]);
            }
            let sum: f64 = row.iter().sum();
            row[i] -= sum;
        }
        let pi = match statdist(&q, k, &mut || poll(step - 1))? {
            Ok(pi) => pi,
            Err(e) => return Ok(Err(e)),
        };
        // θ = log π, centred.
        for (t, p) in theta.iter_mut().zip(&pi) {
            *t = p.ln();
        }
        let centre = mean(&theta);
        for t in &mut theta {
            *t -= centre;
        }
        // The convergence test, on θ centred once more (as choix's NormOfDifferenceTest).
        let centre = mean(&theta);
        let current: Vec<f64> = theta.iter().map(|t| t - centre).collect();
        let converged = previous.as_ref().is_some_and(|prev| {
            let distance: f64 = prev.iter().zip(&current).map(|(a, b)| (a - b).abs()).sum();
            distance <= tol * k as f64
        });
        if converged {
            return Ok(Ok(Fit {
                theta,
                iterations: step,
                converged: true,
            }));
        }
        previous = Some(current);
        // Next weights: exp(θ − mean θ), scaled to sum to k.
        let centre = mean(&theta);
        for (weight, t) in ws.iter_mut().zip(&theta) {
            *weight = (t - centre).exp();
        }
        let scale = k as f64 / ws.iter().sum::<f64>();
        for weight in &mut ws {
            *weight *= scale;
        }
    }
    Ok(Ok(Fit {
        theta,
        iterations: max_iter,
        converged: false,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_poll() -> impl FnMut(u64) -> Result<(), MethodError> {
        |_| Ok(())
    }

    #[test]
    fn a_two_state_chain() {
        // Rates 0 → 1: 2, 1 → 0: 1. Balance: π0 · 2 = π1 · 1, so π ∝ (1, 2); scaled to sum 2.
        let q = [-2.0, 2.0, 1.0, -1.0];
        let pi = statdist(&q, 2, &mut || Ok(())).unwrap().unwrap();
        assert!((pi[0] - 2.0 / 3.0).abs() < 1e-15 && (pi[1] - 4.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn two_items_converge_to_the_log_odds() {
        // i beat j 3 times, j beat i once: the MLE has θ_i − θ_j = ln 3.
        let w = [0.0, 3.0, 1.0, 0.0];
        let fit = ilsr_dense(&w, 2, 0.0, 100, 1e-8, &mut no_poll())
            .unwrap()
            .unwrap();
        assert!(fit.converged);
        assert!((fit.theta[0] - fit.theta[1] - 3.0_f64.ln()).abs() < 1e-12);
        assert!((fit.theta[0] + fit.theta[1]).abs() < 1e-15);
    }

    #[test]
    fn a_disconnected_chain_has_no_stationary_distribution() {
        // 0 → 1 only: 1 is absorbing, 0 has π = 0.
        let w = [0.0, 0.0, 1.0, 0.0];
        assert_eq!(
            ilsr_dense(&w, 2, 0.0, 100, 1e-8, &mut no_poll()).unwrap(),
            Err(NoStationaryDistribution)
        );
        // With α > 0 it is fine.
        let fit = ilsr_dense(&w, 2, 0.1, 100, 1e-8, &mut no_poll())
            .unwrap()
            .unwrap();
        assert!(fit.theta[1] > fit.theta[0]);
    }

    #[test]
    fn one_step_never_converges() {
        let w = [0.0, 1.0, 1.0, 0.0];
        let fit = ilsr_dense(&w, 2, 0.0, 1, 1e-8, &mut no_poll())
            .unwrap()
            .unwrap();
        assert_eq!((fit.iterations, fit.converged), (1, false));
        let fit = ilsr_dense(&w, 2, 0.0, 100, 1e-8, &mut no_poll())
            .unwrap()
            .unwrap();
        assert_eq!((fit.iterations, fit.converged), (2, true));
    }
}
