//! Single-population α-Rank (Omidshafiei et al. 2019; specification
//! `shared/methods/game-theory.md`): the Markov chain over monomorphic populations and its
//! stationary distribution.
//!
//! From resident s a mutant r fixates with probability ρ(u), u = α (M[r][s] − M[s][r]) (the
//! local selection model, OpenSpiel's default), ρ = (1 − e^{−u}) / (1 − e^{−m u}) and 1/m when
//! |u| ≤ 10⁻¹⁴; C[s][r] = ρ / (n − 1), C[s][s] = 1 − Σ. The score is the stationary π of C.
//!
//! Why it is shaped so:
//! - **ρ without overflow.** For u < 0 the textbook form overflows (e^{−m u}); it is rewritten
//!   as e^{−(m−1)|u|} · expm1(−|u|) / expm1(−m|u|), which is the same number where both are
//!   finite and underflows cleanly to 0 where the transition is truly negligible.
//! - **The closed class first.** A transition that underflows to exactly 0 can make the chain
//!   reducible. The graph of non-zero transitions is split into strongly connected components;
//!   π lives on the closed ones. One closed class: π is solved on it and every other model
//!   (transient: it is always left for good) gets 0. Several: the chain has several
//!   stationary distributions and [`ChainError::Reducible`] names them — reported, never
//!   papered over. (For constant-sum payoffs ρ cannot vanish both ways between two models,
//!   so a second closed class needs payoffs from elsewhere; the check stays for them.)
//! - **GTH, not eigenvectors or power iteration.** At large α escape rates are tiny and the
//!   chain is nearly decomposable: power iteration stalls and an eigen-solver's eigenvalue 1
//!   stops being isolated (OpenSpiel then raises "Expected 1 stationary distribution", or
//!   computes ∞/∞ in ρ). Grassmann–Taksar–Heyman elimination uses no subtraction, so it keeps
//!   its accuracy on such chains. Rates of 1e-200 and below are normal at α = 100, so the
//!   solve guards the range of f64 too: states likely to carry mass are ordered first, pivot
//!   rows are scaled to sum to 1, and the back substitution rescales instead of overflowing
//!   (a π that still is not finite is an error, never a score). It is blocked (a row meets a
//!   block of pivots while they are in cache) and splits rows over threads; O(n³/3) flops.
//! - **Power iteration only on request** (`Solver::Power`, and `Auto` beyond [`DENSE_LIMIT`]):
//!   it stops when ‖π_{t+1} − π_t‖₁ falls below the tolerance, which on a nearly decomposable
//!   chain can be a stall rather than convergence; it fails when the step limit is reached.
//! - **One entry point**, [`stationary_distribution`], is the kernel a GPU backend replaces.

use podium_numerics::graph::strongly_connected;
use podium_plugin_api::sdk::{Host, PowerOptions};

/// Closed classes up to this many models are solved densely (GTH); larger ones by power
/// iteration (unless the caller forces a solver).
pub const DENSE_LIMIT: usize = 5000;

/// Pivots per GTH block.
const BLOCK: usize = 32;

/// Rows per thread below which a block update stays on one thread.
const PARALLEL_ROWS: usize = 256;

/// Starting α of a sweep (OpenSpiel's default).
pub const SWEEP_START: f64 = 1e-4;

/// Doublings a sweep may take before it gives up.
pub const SWEEP_STEPS: usize = 80;

/// How the stationary distribution is solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Solver {
    /// Dense up to [`DENSE_LIMIT`], power iteration above.
    Auto,
    /// GTH elimination.
    Dense,
    /// Power iteration.
    Power,
}

/// Why no stationary distribution was returned.
#[derive(Debug, Clone, PartialEq)]
pub enum ChainError {
    /// More than one closed class: the stationary distribution is not unique.
    Reducible {
        /// The closed classes (state indices).
        classes: Vec<Vec<usize>>,
    },
    /// A sweep doubled α [`SWEEP_STEPS`] times without π settling.
    SweepDidNotSettle {
        /// The last α tried.
        alpha: f64,
        /// max |π(α) − π(α/2)| at the end.
        change: f64,
    },
    /// Power iteration stopped before its change fell below the tolerance.
    NotConverged {
        /// Iterations done.
        iterations: usize,
        /// ‖πC − π‖₁ at the end.
        residual: f64,
    },
    /// The solve produced a number that is not finite (never expected from the dense solve;
    /// reported rather than returned).
    NotFinite,
    /// The host's kernel refused the chain (the message says why).
    Kernel(String),
    /// The caller's poll asked to stop.
    Cancelled,
}

/// A stationary distribution and how it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Stationary {
    /// π (sums to 1; 0 outside the closed class).
    pub pi: Vec<f64>,
    /// The closed class π lives on (sorted).
    pub closed: Vec<usize>,
    /// The solver used (`Dense` or `Power`).
    pub solver: Solver,
    /// Power iterations (0 for dense).
    pub iterations: usize,
    /// ‖πC − π‖₁.
    pub residual: f64,
}

/// Options of one solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolveOptions {
    /// The solver.
    pub solver: Solver,
    /// Power iteration: most iterations.
    pub max_iterations: usize,
    /// Power iteration: stop when ‖πC − π‖₁ falls below this.
    pub tolerance: f64,
    /// Threads for the dense solve (0 = available parallelism).
    pub threads: usize,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            solver: Solver::Auto,
            max_iterations: 100_000,
            tolerance: 1e-13,
            threads: 0,
        }
    }
}

/// The fixation probability ρ(u) of a mutant with fitness advantage u in a population of m.
pub fn fixation(u: f64, m: f64) -> f64 {
    if u.abs() <= 1e-14 {
        1.0 / m
    } else if u > 0.0 {
        (-u).exp_m1() / (-m * u).exp_m1()
    } else {
        let v = -u;
        (-(m - 1.0) * v).exp() * ((-v).exp_m1() / (-m * v).exp_m1())
    }
}

/// The α-Rank transition matrix C (row-major n × n) of payoffs `payoff` (row-major,
/// M[i][j] = payoff of i against j) for selection intensity `alpha` and population `m`.
pub fn transition_matrix(payoff: &[f64], n: usize, alpha: f64, m: f64) -> Vec<f64> {
    assert_eq!(payoff.len(), n * n, "payoff must be n × n");
    let mut c = vec![0.0; n * n];
    if n == 1 {
        c[0] = 1.0;
        return c;
    }
    let eta = 1.0 / (n - 1) as f64;
    for s in 0..n {
        let row = &mut c[s * n..(s + 1) * n];
        let mut total = 0.0;
        for (r, cell) in row.iter_mut().enumerate() {
            if r != s {
                let u = alpha * (payoff[r * n + s] - payoff[s * n + r]);
                *cell = eta * fixation(u, m);
                total += *cell;
            }
        }
        row[s] = 1.0 - total;
    }
    c
}

/// The stationary distribution of the chain `c` (row-major n × n, rows summing to 1).
/// The host's cancellation is polled between blocks of work; power iteration runs on the
/// host's `stationary_power` kernel (a GPU when the host has one, the CPU twin otherwise).
pub fn stationary_distribution(
    c: &[f64],
    n: usize,
    options: &SolveOptions,
    host: &Host<'_>,
) -> Result<Stationary, ChainError> {
    assert_eq!(c.len(), n * n, "the chain must be n × n");
    if n == 0 {
        return Ok(Stationary {
            pi: Vec::new(),
            closed: Vec::new(),
            solver: Solver::Dense,
            iterations: 0,
            residual: 0.0,
        });
    }
    let closed = closed_class(c, n)?;
    let k = closed.len();
    let dense = match options.solver {
        Solver::Auto => k <= DENSE_LIMIT,
        Solver::Dense => true,
        Solver::Power => false,
    };
    // The dense solve eliminates the last state first and measures every π against the first:
    // states likely to carry mass go first, so the ratios it builds stay near or below 1.
    let order = if dense {
        likely_mass_first(c, n, &closed)
    } else {
        closed.clone()
    };
    let mut sub = vec![0.0; k * k];
    for (a, &s) in order.iter().enumerate() {
        for (b, &r) in order.iter().enumerate() {
            sub[a * k + b] = c[s * n + r];
        }
    }
    let (local, iterations) = if dense {
        (gth(&mut sub, k, options.threads, host)?, 0)
    } else {
        for (a, row) in sub.chunks_exact_mut(k).enumerate() {
            // Rows of the closed class sum to 1 within it; the diagonal takes the rounding.
            let off: f64 = row
                .iter()
                .enumerate()
                .filter(|&(b, _)| b != a)
                .map(|(_, v)| v)
                .sum();
            row[a] = 1.0 - off;
        }
        let kernel_options = PowerOptions {
            tolerance: options.tolerance,
            max_iterations: options.max_iterations as u64,
        };
        let (result, _) = host
            .stationary_power(&sub, k, &kernel_options)
            .map_err(|e| match e.status {
                podium_plugin_api::abi::PodiumStatus::Cancelled => ChainError::Cancelled,
                _ => ChainError::Kernel(e.message),
            })?;
        if !result.converged {
            return Err(ChainError::NotConverged {
                iterations: result.iterations as usize,
                residual: result.change,
            });
        }
        (result.pi, result.iterations as usize)
    };
    if local.iter().any(|p| !p.is_finite()) {
        return Err(ChainError::NotFinite);
    }
    let mut pi = vec![0.0; n];
    for (a, &s) in order.iter().enumerate() {
        pi[s] = local[a];
    }
    let residual = residual(c, n, &pi);
    Ok(Stationary {
        pi,
        closed,
        solver: if dense { Solver::Dense } else { Solver::Power },
        iterations,
        residual,
    })
}

/// α-Rank of `payoff` at `alpha` with population `m`: the transition matrix and its
/// stationary distribution.
pub fn alpha_rank(
    payoff: &[f64],
    n: usize,
    alpha: f64,
    m: f64,
    options: &SolveOptions,
    host: &Host<'_>,
) -> Result<Stationary, ChainError> {
    let c = transition_matrix(payoff, n, alpha, m);
    stationary_distribution(&c, n, options, host)
}

/// The result of an α sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// π at the α used.
    pub result: Stationary,
    /// The α used: the first at which π agreed with π at α/2.
    pub alpha: f64,
    /// Every α tried with max |π(α) − π(α/2)| (NaN for the first).
    pub steps: Vec<(f64, f64)>,
}

/// OpenSpiel's `sweep_pi_vs_alpha`: α starts at [`SWEEP_START`] and doubles until π agrees
/// with the previous π elementwise within `atol + rtol·|previous|`.
pub fn sweep(
    payoff: &[f64],
    n: usize,
    m: f64,
    (rtol, atol): (f64, f64),
    options: &SolveOptions,
    host: &Host<'_>,
) -> Result<Sweep, ChainError> {
    let mut alpha = SWEEP_START;
    let mut previous: Option<Vec<f64>> = None;
    let mut steps = Vec::new();
    for _ in 0..SWEEP_STEPS {
        let result = alpha_rank(payoff, n, alpha, m, options, host)?;
        let change = previous.as_ref().map_or(f64::NAN, |p| {
            result
                .pi
                .iter()
                .zip(p)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max)
        });
        steps.push((alpha, change));
        if let Some(p) = &previous
            && result
                .pi
                .iter()
                .zip(p)
                .all(|(a, b)| (a - b).abs() <= atol + rtol * b.abs())
        {
            return Ok(Sweep {
                result,
                alpha,
                steps,
            });
        }
        previous = Some(result.pi);
        alpha *= 2.0;
    }
    let (alpha, change) = steps.last().copied().unwrap_or((f64::NAN, f64::NAN));
    Err(ChainError::SweepDidNotSettle { alpha, change })
}

/// The unique closed class of the non-zero transitions of `c`, or the error naming all of
/// them.
fn closed_class(c: &[f64], n: usize) -> Result<Vec<usize>, ChainError> {
    let mut edges = Vec::new();
    for s in 0..n {
        for r in 0..n {
            if r != s && c[s * n + r] > 0.0 {
                edges.push((s, r));
            }
        }
    }
    let components = strongly_connected(n, &edges);
    let mut component = vec![0usize; n];
    for (id, members) in components.iter().enumerate() {
        for &v in members {
            component[v] = id;
        }
    }
    let mut leaves = vec![false; components.len()];
    for &(s, r) in &edges {
        if component[s] != component[r] {
            leaves[component[s]] = true;
        }
    }
    let mut classes: Vec<Vec<usize>> = components
        .into_iter()
        .zip(leaves)
        .filter(|(_, leaves)| !leaves)
        .map(|(mut members, _)| {
            members.sort_unstable();
            members
        })
        .collect();
    if classes.len() == 1 {
        Ok(classes.pop().expect("one class"))
    } else {
        classes.sort();
        Err(ChainError::Reducible { classes })
    }
}

/// ‖πC − π‖₁.
fn residual(c: &[f64], n: usize, pi: &[f64]) -> f64 {
    let mut next = vec![0.0; n];
    for (s, row) in c.chunks_exact(n).enumerate() {
        let w = pi[s];
        if w != 0.0 {
            for (x, &v) in next.iter_mut().zip(row) {
                *x += w * v;
            }
        }
    }
    next.iter().zip(pi).map(|(a, b)| (a - b).abs()).sum()
}

/// The states of `closed` ordered by how much mass they are likely to carry: the log of the
/// rate into a state from the others minus the log of the rate out of it, highest first.
fn likely_mass_first(c: &[f64], n: usize, closed: &[usize]) -> Vec<usize> {
    let key = |s: usize| -> f64 {
        let (mut inflow, mut outflow) = (0.0, 0.0);
        for &r in closed {
            if r != s {
                inflow += c[r * n + s];
                outflow += c[s * n + r];
            }
        }
        let k = inflow.ln() - outflow.ln();
        if k.is_nan() { f64::NEG_INFINITY } else { k }
    };
    let mut keyed: Vec<(f64, usize)> = closed.iter().map(|&s| (key(s), s)).collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    keyed.into_iter().map(|(_, s)| s).collect()
}

/// `row[..k] += row[k] · pivot[..k]`: GTH's update of one row by pivot k, whose row has
/// already been scaled to sum to 1 (so no product exceeds the row's own entries).
#[inline]
fn eliminate_row(row: &mut [f64], pivot: &[f64], k: usize) {
    let f = row[k];
    if f != 0.0 {
        for (x, &p) in row[..k].iter_mut().zip(&pivot[..k]) {
            *x += f * p;
        }
    }
}

/// Grassmann–Taksar–Heyman elimination on an irreducible chain `p` (row-major n × n; only
/// off-diagonal entries are read; overwritten).
///
/// The variant that scales each pivot row to sum to 1 (instead of the column into it) keeps
/// every intermediate within the range of the original rates; the back substitution
/// π_k = (Σ_{i<k} π_i p_ik) / s_k rescales when π grows large and treats an exit rate that
/// underflowed to 0 as the limit it is (state k outweighs every earlier one).
fn gth(p: &mut [f64], n: usize, threads: usize, host: &Host<'_>) -> Result<Vec<f64>, ChainError> {
    if n == 1 {
        return Ok(vec![1.0]);
    }
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |t| t.get()),
        t => t,
    };
    let mut sums = vec![0.0; n];
    let mut hi = n;
    while hi > 1 {
        if host.cancelled() {
            return Err(ChainError::Cancelled);
        }
        let lo = hi.saturating_sub(BLOCK).max(1);
        // The block's own rows, pivot by pivot (highest first).
        for k in (lo..hi).rev() {
            let (head, rest) = p.split_at_mut(k * n);
            let pivot = &mut rest[..n];
            let s: f64 = pivot[..k].iter().sum();
            sums[k] = s;
            if s > 0.0 {
                pivot[..k].iter_mut().for_each(|v| *v /= s);
            }
            let pivot = &*pivot;
            for i in lo..k {
                eliminate_row(&mut head[i * n..(i + 1) * n], pivot, k);
            }
        }
        // Every row below meets the whole block while its pivot rows are in cache.
        let (head, rest) = p.split_at_mut(lo * n);
        let pivots = &rest[..(hi - lo) * n];
        let update = |rows: &mut [f64]| {
            for row in rows.chunks_exact_mut(n) {
                for k in (lo..hi).rev() {
                    eliminate_row(row, &pivots[(k - lo) * n..(k - lo + 1) * n], k);
                }
            }
        };
        let workers = threads.min(lo / PARALLEL_ROWS).max(1);
        if workers == 1 {
            update(head);
        } else {
            let per = lo.div_ceil(workers) * n;
            std::thread::scope(|scope| {
                for chunk in head.chunks_mut(per) {
                    scope.spawn(|| update(chunk));
                }
            });
        }
        hi = lo;
    }
    // Back substitution row by row: inflow[j] accumulates Σ_{i<j} π_i p_ij.
    let mut pi = vec![0.0; n];
    let mut inflow = vec![0.0; n];
    for k in 0..n {
        if k == 0 {
            pi[0] = 1.0;
        } else {
            let (num, s) = (inflow[k], sums[k]);
            let value = if s > 0.0 { num / s } else { f64::INFINITY };
            if value.is_infinite() && num > 0.0 {
                // State k outweighs all earlier ones beyond the range of f64.
                pi[..k].fill(0.0);
                inflow[k..].fill(0.0);
                pi[k] = 1.0;
            } else if value.is_finite() {
                pi[k] = value;
                if value > 1e250 {
                    let scale = 1.0 / value;
                    pi[..=k].iter_mut().for_each(|v| *v *= scale);
                    inflow[k..].iter_mut().for_each(|v| *v *= scale);
                }
            } else {
                pi[k] = 0.0;
            }
        }
        let w = pi[k];
        if w != 0.0 {
            let row = &p[k * n..(k + 1) * n];
            for (acc, &v) in inflow[k + 1..].iter_mut().zip(&row[k + 1..]) {
                *acc += w * v;
            }
        }
    }
    let total: f64 = pi.iter().sum();
    pi.iter_mut().for_each(|x| *x /= total);
    Ok(pi)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> Host<'static> {
        Host::detached()
    }

    /// π from the linear system πᵀ(I − C) = 0, Σπ = 1 (last equation replaced), by Gaussian
    /// elimination with partial pivoting — an independent check of GTH.
    fn by_linear_system(c: &[f64], n: usize) -> Vec<f64> {
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                // Row i of the system: Σ_s π_s (δ_si − C[s][i]) = 0.
                a[i * n + j] = if i == j { 1.0 } else { 0.0 } - c[j * n + i];
            }
        }
        for j in 0..n {
            a[(n - 1) * n + j] = 1.0;
        }
        let mut b = vec![0.0; n];
        b[n - 1] = 1.0;
        let host = podium_plugin_api::sdk::Host::detached();
        podium_numerics::linalg::lu_solve(&host, a, b, n)
            .expect("not cancelled")
            .expect("non-singular")
    }

    fn random_chain(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = podium_synth::SplitMix64::stream(seed, 0);
        let mut c = vec![0.0; n * n];
        for s in 0..n {
            let mut total = 0.0;
            for r in 0..n {
                if r != s {
                    let v = rng.next_f64() / n as f64;
                    c[s * n + r] = v;
                    total += v;
                }
            }
            c[s * n + s] = 1.0 - total;
        }
        c
    }

    #[test]
    fn gth_agrees_with_a_linear_solve() {
        for (n, threads) in [
            (1, 1),
            (2, 1),
            (3, 1),
            (7, 1),
            (40, 1),
            (100, 2),
            (600, 2),
            (600, 1),
        ] {
            let c = random_chain(n, n as u64);
            let options = SolveOptions {
                threads,
                ..SolveOptions::default()
            };
            let dense = stationary_distribution(&c, n, &options, &host()).unwrap();
            let reference = if n == 1 {
                vec![1.0]
            } else {
                by_linear_system(&c, n)
            };
            for (a, b) in dense.pi.iter().zip(&reference) {
                assert!((a - b).abs() < 1e-12, "n={n}: {a} vs {b}");
            }
            assert!(dense.residual < 1e-12, "n={n}: residual {}", dense.residual);
            let power = stationary_distribution(
                &c,
                n,
                &SolveOptions {
                    solver: Solver::Power,
                    ..options
                },
                &host(),
            )
            .unwrap();
            assert_eq!(power.solver, Solver::Power);
            for (a, b) in power.pi.iter().zip(&reference) {
                assert!((a - b).abs() < 1e-11, "power n={n}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn fixation_matches_the_textbook_form_where_that_is_finite() {
        for m in [2.0f64, 10.0, 50.0] {
            for u in [-5.0f64, -1.0, -1e-3, 1e-3, 0.5, 3.0, 20.0] {
                let textbook: f64 = (1.0 - (-u).exp()) / (1.0 - (-m * u).exp());
                let ours = fixation(u, m);
                assert!(
                    ((ours - textbook) / textbook).abs() < 1e-12,
                    "{m} {u}: {ours} vs {textbook}"
                );
            }
            assert_eq!(fixation(0.0, m), 1.0 / m);
            assert_eq!(fixation(1e-15, m), 1.0 / m);
        }
        // The textbook form is NaN here (∞/∞); the truth is a tiny positive number or 0.
        let deep = fixation(-800.0, 50.0);
        assert!(deep.is_finite() && deep >= 0.0);
        assert!(fixation(-5.0, 50.0) > 0.0);
    }

    #[test]
    fn transient_states_get_zero_and_two_closed_classes_are_an_error() {
        // 0 → 1 only; 1 ⇄ 2: {1, 2} is the closed class, 0 is transient.
        let c = vec![
            0.5, 0.5, 0.0, //
            0.0, 0.7, 0.3, //
            0.0, 0.6, 0.4,
        ];
        let s = stationary_distribution(&c, 3, &SolveOptions::default(), &host()).unwrap();
        assert_eq!(s.closed, vec![1, 2]);
        assert_eq!(s.pi[0], 0.0);
        assert!((s.pi[1] - 2.0 / 3.0).abs() < 1e-15 && (s.pi[2] - 1.0 / 3.0).abs() < 1e-15);
        // 0 and 2 absorbing, 1 leaks into both.
        let c = vec![
            1.0, 0.0, 0.0, //
            0.2, 0.6, 0.2, //
            0.0, 0.0, 1.0,
        ];
        assert_eq!(
            stationary_distribution(&c, 3, &SolveOptions::default(), &host()),
            Err(ChainError::Reducible {
                classes: vec![vec![0], vec![2]]
            })
        );
    }

    #[test]
    fn nearly_decomposable_chains_keep_their_accuracy() {
        // Two states that leave each other at rates 1e-200 and 3e-200: π = (3/4, 1/4) exactly.
        let c = vec![1.0 - 1e-200, 1e-200, 3e-200, 1.0 - 3e-200];
        let s = stationary_distribution(&c, 2, &SolveOptions::default(), &host()).unwrap();
        assert!((s.pi[0] - 0.75).abs() < 1e-15 && (s.pi[1] - 0.25).abs() < 1e-15);
    }

    #[test]
    fn a_transitive_game_at_large_alpha_puts_all_mass_on_the_best() {
        let n = 5;
        let mut payoff = vec![0.5; n * n];
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    payoff[i * n + j] = if i < j { 0.9 } else { 0.1 };
                }
            }
        }
        let s = alpha_rank(&payoff, n, 100.0, 50.0, &SolveOptions::default(), &host()).unwrap();
        assert_eq!(s.closed, vec![0]);
        assert_eq!(s.pi, vec![1.0, 0.0, 0.0, 0.0, 0.0]);
        // Symmetric (all ½) payoffs: every model the same.
        let flat = vec![0.5; n * n];
        let s = alpha_rank(&flat, n, 100.0, 50.0, &SolveOptions::default(), &host()).unwrap();
        for p in &s.pi {
            assert!((p - 0.2).abs() < 1e-15);
        }
    }

    /// π of a 3-state chain by the Markov chain tree theorem in the log domain: π_r ∝ the sum,
    /// over the spanning trees directed into r, of the product of their rates.
    fn tree_theorem_3(c: &[f64]) -> Vec<f64> {
        let ln = |s: usize, r: usize| c[s * 3 + r].ln();
        let logs: Vec<f64> = (0..3)
            .map(|r| {
                let (a, b) = match r {
                    0 => (1, 2),
                    1 => (0, 2),
                    _ => (0, 1),
                };
                let trees = [
                    ln(a, r) + ln(b, r),
                    ln(a, b) + ln(b, r),
                    ln(b, a) + ln(a, r),
                ];
                let top = trees.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                top + trees.iter().map(|t| (t - top).exp()).sum::<f64>().ln()
            })
            .collect();
        let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = logs.iter().map(|l| (l - top).exp()).collect();
        let total: f64 = w.iter().sum();
        w.iter().map(|x| x / total).collect()
    }

    #[test]
    fn tiny_rates_at_large_alpha_stay_finite_and_exact_in_any_order() {
        // Gaps of 0.05–0.2 at α = 100, m = 50: rates down to ~1e-213 (a review found NaN here).
        let weak_first = vec![0.5, 0.45, 0.4, 0.55, 0.5, 0.45, 0.6, 0.55, 0.5];
        let strong_first = vec![0.5, 0.55, 0.6, 0.45, 0.5, 0.55, 0.4, 0.45, 0.5];
        for payoff in [weak_first, strong_first] {
            let c = transition_matrix(&payoff, 3, 100.0, 50.0);
            let exact = tree_theorem_3(&c);
            let s = stationary_distribution(&c, 3, &SolveOptions::default(), &host()).unwrap();
            for (a, b) in s.pi.iter().zip(&exact) {
                assert!(a.is_finite());
                assert!(
                    (a - b).abs() <= 1e-15 + 1e-12 * b,
                    "{:?} vs {exact:?}",
                    s.pi
                );
            }
        }
    }

    #[test]
    fn a_large_close_game_gives_the_same_pi_in_any_player_order() {
        // Bradley–Terry strengths with sd 0.3 at α = 100: most rates are far below 1e-100.
        let n = 100;
        let mut rng = podium_synth::SplitMix64::stream(17, 0);
        let strength: Vec<f64> = (0..n).map(|_| 0.3 * rng.next_normal()).collect();
        let payoff_of = |order: &[usize]| {
            let mut m = vec![0.5; n * n];
            for (a, &i) in order.iter().enumerate() {
                for (b, &j) in order.iter().enumerate() {
                    if i != j {
                        m[a * n + b] = 1.0 / (1.0 + (strength[j] - strength[i]).exp());
                    }
                }
            }
            m
        };
        let forward: Vec<usize> = (0..n).collect();
        let backward: Vec<usize> = (0..n).rev().collect();
        let a = alpha_rank(
            &payoff_of(&forward),
            n,
            100.0,
            50.0,
            &SolveOptions::default(),
            &host(),
        )
        .unwrap();
        let b = alpha_rank(
            &payoff_of(&backward),
            n,
            100.0,
            50.0,
            &SolveOptions::default(),
            &host(),
        )
        .unwrap();
        assert!(a.pi.iter().all(|p| p.is_finite() && *p >= 0.0));
        assert!((a.pi.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        for i in 0..n {
            let (x, y) = (a.pi[i], b.pi[n - 1 - i]);
            assert!(
                (x - y).abs() <= 1e-13 + 1e-10 * x.max(y),
                "model {i}: {x} vs {y}"
            );
        }
        assert!(a.residual < 1e-12, "{}", a.residual);
        // The strongest model carries the most mass.
        let best = (0..n)
            .max_by(|&i, &j| strength[i].total_cmp(&strength[j]))
            .unwrap();
        let top = (0..n).max_by(|&i, &j| a.pi[i].total_cmp(&a.pi[j])).unwrap();
        assert_eq!(best, top);
    }
}
