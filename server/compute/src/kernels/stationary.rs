//! Kernel `stationary_power`: the stationary distribution of a dense row-stochastic matrix by
//! power iteration (α-Rank's chain, rank centrality, ILSR's embedded chain).
//!
//! **Contract.** Input: C (row-major n × n, finite, non-negative, rows summing to 1 within
//! 1e-6), a tolerance and an iteration cap. Iterates π ← πC / Σ(πC) from the uniform
//! distribution (or a given start) and stops at the first step whose change ‖Δπ‖₁ is below
//! the tolerance. Output: π, the steps taken, the last change and whether it converged.
//!
//! **Precision.** The CPU twin runs in f64. The GPU runs the bulk of the steps in f32 (8 ms
//! of a 1,000-model step is memory traffic, which halves) until the f32 change stops falling,
//! then hands π to this function, which finishes in f64 to the requested tolerance: both
//! implementations stop on the same f64 criterion, so they agree to within about the
//! tolerance divided by the chain's spectral gap.

use crate::ComputeError;

/// Stopping rule of [`stationary_power`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PowerOptions {
    /// Stop when ‖π_{t+1} − π_t‖₁ falls below this.
    pub tolerance: f64,
    /// Most steps.
    pub max_iterations: u64,
}

impl Default for PowerOptions {
    fn default() -> Self {
        PowerOptions {
            tolerance: 1e-13,
            max_iterations: 100_000,
        }
    }
}

/// The result of [`stationary_power`].
#[derive(Debug, Clone, PartialEq)]
pub struct PowerResult {
    /// π (sums to 1).
    pub pi: Vec<f64>,
    /// Steps taken (on every device together).
    pub iterations: u64,
    /// ‖Δπ‖₁ of the last step.
    pub change: f64,
    /// Whether the change fell below the tolerance.
    pub converged: bool,
}

/// Checks the matrix contract.
pub fn validate(matrix: &[f64], n: usize) -> Result<(), ComputeError> {
    if n == 0 || matrix.len() != n * n {
        return Err(ComputeError::InvalidInput(format!(
            "the matrix has {} entries, not n² for n = {n} > 0",
            matrix.len()
        )));
    }
    for (s, row) in matrix.chunks_exact(n).enumerate() {
        if let Some(v) = row.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
            return Err(ComputeError::InvalidInput(format!(
                "row {s} holds {v}, not a finite non-negative number"
            )));
        }
        let sum: f64 = row.iter().sum();
        if (sum - 1.0).abs() > 1e-6 {
            return Err(ComputeError::InvalidInput(format!(
                "row {s} sums to {sum}, not 1"
            )));
        }
    }
    Ok(())
}

/// One step: `next = π C`, normalised; returns ‖next − π‖₁.
fn step(matrix: &[f64], n: usize, pi: &[f64], next: &mut [f64]) -> f64 {
    next.fill(0.0);
    for (s, row) in matrix.chunks_exact(n).enumerate() {
        let w = pi[s];
        if w != 0.0 {
            for (x, &v) in next.iter_mut().zip(row) {
                *x += w * v;
            }
        }
    }
    let total: f64 = next.iter().sum();
    next.iter_mut().for_each(|x| *x /= total);
    next.iter().zip(pi).map(|(a, b)| (a - b).abs()).sum()
}

/// The CPU twin of `stationary_power`, from the uniform distribution or from `start`
/// (normalised first; the GPU implementation hands its f32 result over here).
pub fn stationary_power(
    matrix: &[f64],
    n: usize,
    start: Option<&[f64]>,
    options: &PowerOptions,
) -> Result<PowerResult, ComputeError> {
    validate(matrix, n)?;
    let mut pi = match start {
        Some(s) if s.len() == n && s.iter().all(|v| v.is_finite() && *v >= 0.0) => {
            let total: f64 = s.iter().sum();
            if total > 0.0 {
                s.iter().map(|v| v / total).collect()
            } else {
                vec![1.0 / n as f64; n]
            }
        }
        _ => vec![1.0 / n as f64; n],
    };
    let mut next = vec![0.0; n];
    let mut change = f64::INFINITY;
    for iteration in 1..=options.max_iterations {
        change = step(matrix, n, &pi, &mut next);
        std::mem::swap(&mut pi, &mut next);
        if change < options.tolerance {
            return Ok(PowerResult {
                pi,
                iterations: iteration,
                change,
                converged: true,
            });
        }
    }
    Ok(PowerResult {
        pi,
        iterations: options.max_iterations,
        change,
        converged: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_two_state_chain() {
        // Leaves 0 with 0.1, leaves 1 with 0.3: π = (0.75, 0.25).
        let c = [0.9, 0.1, 0.3, 0.7];
        let r = stationary_power(&c, 2, None, &PowerOptions::default()).unwrap();
        assert!(r.converged);
        assert!((r.pi[0] - 0.75).abs() < 1e-12 && (r.pi[1] - 0.25).abs() < 1e-12);
    }

    #[test]
    fn bad_matrices_are_named() {
        let e = stationary_power(&[0.5, 0.4, 0.3, 0.7], 2, None, &PowerOptions::default());
        assert!(e.unwrap_err().to_string().contains("row 0 sums to 0.9"));
        let e = stationary_power(
            &[1.0, f64::NAN, 0.3, 0.7],
            2,
            None,
            &PowerOptions::default(),
        );
        assert!(e.unwrap_err().to_string().contains("row 0 holds NaN"));
    }

    #[test]
    fn the_cap_is_reported_not_hidden() {
        let c = [0.999_999, 0.000_001, 0.000_001, 0.999_999];
        let r = stationary_power(
            &c,
            2,
            Some(&[1.0, 0.0]),
            &PowerOptions {
                tolerance: 1e-15,
                max_iterations: 10,
            },
        )
        .unwrap();
        assert!(!r.converged);
        assert_eq!(r.iterations, 10);
    }
}
