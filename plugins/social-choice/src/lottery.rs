//! Maximal lotteries (Fishburn 1984; Brandl, Brandt & Seedig 2016): the optimal mixed strategy
//! of the symmetric zero-sum game whose payoff matrix is the margin matrix.
//!
//! Which LP crate and why: [`microlp`] (the maintained fork of `minilp`). It is pure Rust, so
//! the plugin keeps building as a plain cdylib with no C toolchain or system solver; it is
//! maintained; and its dense-enough simplex in f64 is exact enough for these small games
//! (k ≤ [`MAX_LOTTERY_CANDIDATES`], margins rescaled to [−1, 1]). It also supports time
//! limits with resumption, which is how the solve polls cancellation. Nash averaging (issue 8)
//! will reuse it.

use std::time::Duration;

use microlp::{ComparisonOp, OptimizationDirection, Problem, SolveOutcome};
use podium_plugin_api::sdk::{Host, MethodError};

/// The most candidates the LP is built for (k + 1 variables, k + 1 dense constraints).
pub const MAX_LOTTERY_CANDIDATES: usize = 1000;

/// Probabilities below this (after the solve) are set to 0 before renormalising.
pub const ZERO_PROBABILITY: f64 = 1e-12;

/// How long the simplex runs between two cancellation polls.
const SLICE: Duration = Duration::from_millis(100);

/// A maximal lottery and how well it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Lottery {
    /// One probability per candidate (non-negative, summing to 1).
    pub p: Vec<f64>,
    /// min over columns b of Σ_a p_a · M[a][b], in margin units: 0 at an exact optimum (the
    /// value of a symmetric game), slightly negative from rounding.
    pub value: f64,
}

/// Solves max v s.t. Σ_a p_a · M[a][b] ≥ v for every b, Σ_a p_a = 1, p ≥ 0 (v free).
///
/// The margins are divided by their largest absolute value first (the lottery is unchanged).
/// When the maximal lottery is not unique (possible with an even number of voters or ties;
/// with an odd number of voters and no ties it is unique), the result is the optimal vertex
/// the simplex reaches with candidates in name order — deterministic, but only one of the
/// optimal lotteries. With all margins 0 every lottery is optimal and the result is uniform.
///
/// Cancellation is polled every [`SLICE`] of solver time (the simplex is interrupted and
/// resumed).
pub fn maximal_lottery(host: &Host<'_>, k: usize, m: &[f64]) -> Result<Lottery, MethodError> {
    let scale = m.iter().fold(0.0_f64, |acc, x| acc.max(x.abs()));
    if scale == 0.0 {
        return Ok(Lottery {
            p: vec![1.0 / k as f64; k],
            value: 0.0,
        });
    }
    let mut problem = Problem::new(OptimizationDirection::Maximize);
    let p: Vec<_> = (0..k)
        .map(|_| problem.add_var(0.0, (0.0, f64::INFINITY)))
        .collect();
    let v = problem.add_var(1.0, (f64::NEG_INFINITY, f64::INFINITY));
    for b in 0..k {
        if b % 64 == 0 {
            host.check_cancelled()?;
        }
        let mut terms: Vec<_> = (0..k)
            .filter(|&a| m[a * k + b] != 0.0)
            .map(|a| (p[a], m[a * k + b] / scale))
            .collect();
        terms.push((v, -1.0));
        problem.add_constraint(terms.as_slice(), ComparisonOp::Ge, 0.0);
    }
    let ones: Vec<_> = p.iter().map(|&x| (x, 1.0)).collect();
    problem.add_constraint(ones.as_slice(), ComparisonOp::Eq, 1.0);
    problem.set_time_limit(SLICE);

    let lp_error =
        |e: microlp::Error| MethodError::internal(format!("the maximal-lottery LP: {e}"));
    let mut outcome = problem.solve().map_err(lp_error)?;
    let solution = loop {
        match outcome {
            SolveOutcome::Solution(solution) => break solution,
            SolveOutcome::Interrupted(_) => {
                host.check_cancelled()?;
                outcome = outcome.resume().map_err(lp_error)?;
            }
        }
    };
    let mut probs: Vec<f64> = p
        .iter()
        .map(|&x| {
            let x = solution.var_value(x);
            if x < ZERO_PROBABILITY { 0.0 } else { x }
        })
        .collect();
    let total: f64 = probs.iter().sum();
    if !(total.is_finite() && total > 0.0) {
        return Err(MethodError::internal(
            "the maximal-lottery LP returned no probability mass",
        ));
    }
    for x in &mut probs {
        *x /= total;
    }
    let value = column_minimum(k, m, &probs);
    Ok(Lottery { p: probs, value })
}

/// min over columns b of Σ_a p_a · M[a][b] (≥ 0 exactly when `p` is a maximal lottery).
pub fn column_minimum(k: usize, m: &[f64], p: &[f64]) -> f64 {
    (0..k)
        .map(|b| (0..k).map(|a| p[a] * m[a * k + b]).sum::<f64>())
        .fold(f64::INFINITY, f64::min)
}
