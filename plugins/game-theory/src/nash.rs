//! Nash averaging (Balduzzi et al. 2018; specification `shared/methods/game-theory.md`): the
//! maximum-entropy Nash equilibrium p of the symmetric zero-sum game A = logit(P), and the
//! skills (A p)_i.
//!
//! For an antisymmetric A the game's value is 0 and the maximin strategies are exactly the
//! polytope F = {p ∈ Δ : A p ≤ 0}. The maximum-entropy point of F is not an LP optimum, so it
//! is solved as a conic program with Clarabel: maximise Σ tᵢ subject to Σ p = 1, A p ≤ 0 and
//! (tᵢ, pᵢ, 1) in the exponential cone (tᵢ ≤ −pᵢ log pᵢ).
//!
//! Why it is shaped so:
//! - **Clarabel, not the LP solver of maximal lotteries** (`microlp`): entropy needs
//!   exponential cones. Clarabel is pure Rust and interior-point, so it also converges when the
//!   equilibrium's support is a strict subset (pᵢ → 0), where a dual (softmax) method would
//!   run its multipliers to infinity.
//! - **Polish to machine precision.** An interior-point answer is accurate to ~1e-8 in the
//!   objective but only ~1e-6 in p where entropy is flat. The support S and the tight rows T
//!   it reveals turn the problem into maximum entropy under equalities, whose dual is smooth
//!   and unconstrained; a few Newton steps solve it to rounding. The polished p is kept only
//!   when it is an equilibrium to 1e-12 and no worse than the conic answer (`polished`).
//! - **A is built antisymmetric exactly** from the upper triangle, so the value is exactly 0.

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettings, DefaultSolver, ExponentialConeT, IPSolver, NonnegativeConeT, SolverStatus,
    SupportedConeT, ZeroConeT,
};

/// Below this a pᵢ of the answer counts as outside the reported support.
pub const SUPPORT_TOLERANCE: f64 = 1e-7;

/// A maximum-entropy equilibrium and its diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct Nash {
    /// The equilibrium mixture.
    pub p: Vec<f64>,
    /// (A p)_i: every model's payoff against the equilibrium (≤ 0; 0 on the support).
    pub scores: Vec<f64>,
    /// Models with pᵢ > [`SUPPORT_TOLERANCE`].
    pub support: Vec<usize>,
    /// −Σ p log p.
    pub entropy: f64,
    /// Interior-point iterations.
    pub iterations: u32,
    /// Clarabel's final status.
    pub status: String,
    /// Whether p was polished to rounding (see the module documentation); when not, p is the
    /// interior-point answer and `violation` says how far from an equilibrium it is.
    pub polished: bool,
    /// max(max_i (A p)_i, 0): how far p is from being an equilibrium.
    pub violation: f64,
}

/// A = logit(P) with P clipped into [clip, 1 − clip], built from the upper triangle so that
/// A = −Aᵀ exactly. `payoff` is row-major n × n with P[i][j] + P[j][i] = 1.
pub fn logit_payoff(payoff: &[f64], n: usize, clip: f64) -> Vec<f64> {
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let p = payoff[i * n + j].clamp(clip, 1.0 - clip);
            let v = (p / (1.0 - p)).ln();
            a[i * n + j] = v;
            a[j * n + i] = -v;
        }
    }
    a
}

fn product(a: &[f64], n: usize, p: &[f64]) -> Vec<f64> {
    a.chunks_exact(n)
        .map(|row| row.iter().zip(p).map(|(x, y)| x * y).sum())
        .collect()
}

fn entropy(p: &[f64]) -> f64 {
    -p.iter()
        .filter(|&&x| x > 0.0)
        .map(|&x| x * x.ln())
        .sum::<f64>()
}

/// The maximum-entropy Nash equilibrium of the antisymmetric game `a` (row-major n × n).
pub fn max_entropy_nash(a: &[f64], n: usize) -> Result<Nash, String> {
    assert_eq!(a.len(), n * n, "the game must be n × n");
    if n == 1 {
        return Ok(Nash {
            p: vec![1.0],
            scores: vec![0.0],
            support: vec![0],
            entropy: 0.0,
            iterations: 0,
            status: "trivial".into(),
            polished: true,
            violation: 0.0,
        });
    }
    // Variables x = [p (n), t (n)]; constraint rows: Σp = 1 | A p ≤ 0 (n) | n exp cones of 3.
    let rows = 1 + n + 3 * n;
    let mut colptr = Vec::with_capacity(2 * n + 1);
    let mut rowval = Vec::new();
    let mut nzval = Vec::new();
    colptr.push(0);
    for j in 0..n {
        rowval.push(0);
        nzval.push(1.0);
        for i in 0..n {
            let v = a[i * n + j];
            if v != 0.0 {
                rowval.push(1 + i);
                nzval.push(v);
            }
        }
        // s = (t_j, p_j, 1) ∈ K_exp: the cone's y row holds p_j.
        rowval.push(1 + n + 3 * j + 1);
        nzval.push(-1.0);
        colptr.push(rowval.len());
    }
    for j in 0..n {
        rowval.push(1 + n + 3 * j);
        nzval.push(-1.0);
        colptr.push(rowval.len());
    }
    let constraints = CscMatrix::new(rows, 2 * n, colptr, rowval, nzval);
    let mut b = vec![0.0; rows];
    b[0] = 1.0;
    for j in 0..n {
        b[1 + n + 3 * j + 2] = 1.0;
    }
    let mut q = vec![0.0; 2 * n];
    q[n..].fill(-1.0);
    let mut cones: Vec<SupportedConeT<f64>> = vec![ZeroConeT(1), NonnegativeConeT(n)];
    cones.extend((0..n).map(|_| ExponentialConeT()));
    let settings = DefaultSettings {
        verbose: false,
        max_iter: 500,
        tol_gap_abs: 1e-10,
        tol_gap_rel: 1e-10,
        tol_feas: 1e-10,
        // The solve cannot poll the host's cancellation; the model cap keeps it to seconds and
        // this bounds it regardless.
        time_limit: 300.0,
        ..DefaultSettings::default()
    };
    let quadratic = CscMatrix::zeros((2 * n, 2 * n));
    let mut solver = DefaultSolver::new(&quadratic, &q, &constraints, &b, &cones, settings)
        .map_err(|e| format!("the conic program could not be set up: {e:?}"))?;
    solver.solve();
    let solution = &solver.solution;
    if !matches!(
        solution.status,
        SolverStatus::Solved | SolverStatus::AlmostSolved
    ) {
        return Err(format!(
            "the maximum-entropy equilibrium was not found (Clarabel: {:?} after {} iterations)",
            solution.status, solution.iterations
        ));
    }
    let mut p: Vec<f64> = solution.x[..n].iter().map(|&v| v.max(0.0)).collect();
    let total: f64 = p.iter().sum();
    p.iter_mut().for_each(|v| *v /= total);
    let status = format!("{:?}", solution.status);
    let iterations = solution.iterations;
    // The support and tight rows are read off the interior-point answer at a few thresholds,
    // strictest first; the first reading whose polish passes its checks wins.
    let mut polished = false;
    for threshold in [1e-9, 1e-8, 1e-7, 1e-6, 1e-5] {
        if let Some(exact) = polish(a, n, &p, threshold) {
            p = exact;
            polished = true;
            break;
        }
    }
    let scores = product(a, n, &p);
    let violation = scores.iter().copied().fold(0.0, f64::max);
    Ok(Nash {
        support: (0..n).filter(|&i| p[i] > SUPPORT_TOLERANCE).collect(),
        entropy: entropy(&p),
        p,
        scores,
        iterations,
        status,
        polished,
        violation,
    })
}

/// Supports larger than this keep the interior-point answer (the polish forms a |T| × |T|
/// matrix per Newton step).
const POLISH_LIMIT: usize = 500;

/// log Σ exp(z) and softmax(z).
fn log_softmax(z: &[f64]) -> (f64, Vec<f64>) {
    let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().map(|v| (v - top).exp()).collect();
    let total: f64 = e.iter().sum();
    (top + total.ln(), e.into_iter().map(|v| v / total).collect())
}

/// The maximum-entropy point of {p_S ≥ 0 : A[T, S] p_S = 0, Σ p_S = 1} for the support S and
/// tight rows T the interior-point answer `p` reveals at `threshold`, by Newton's method on the smooth dual
/// min_λ log Σ exp(−(Bᵀλ)_i), B = A[T, S] (then p_S = softmax(−Bᵀλ)). Returned only when it is
/// an equilibrium to 1e-12, as entropic as `p` (to 1e-6) and within 1e-4 of it — a wrong
/// guess of S or T fails those checks and the interior-point answer stands.
fn polish(a: &[f64], n: usize, p: &[f64], threshold: f64) -> Option<Vec<f64>> {
    let support: Vec<usize> = (0..n).filter(|&i| p[i] > threshold).collect();
    let scores = product(a, n, p);
    let tight: Vec<usize> = (0..n).filter(|&i| scores[i] > -threshold).collect();
    let (k, r) = (support.len(), tight.len());
    if k == 0 || k > POLISH_LIMIT || r > POLISH_LIMIT {
        return None;
    }
    let b: Vec<f64> = tight
        .iter()
        .flat_map(|&t| support.iter().map(move |&s| a[t * n + s]))
        .collect();
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1.0);
    let dual = |lambda: &[f64]| -> (f64, Vec<f64>) {
        let z: Vec<f64> = (0..k)
            .map(|c| -(0..r).map(|t| b[t * k + c] * lambda[t]).sum::<f64>())
            .collect();
        log_softmax(&z)
    };
    let mut lambda = vec![0.0; r];
    let (mut value, mut q) = dual(&lambda);
    let host = podium_plugin_api::sdk::Host::detached();
    for _ in 0..100 {
        // ∇ = −B q; stop when the constraints hold to rounding.
        let residual: Vec<f64> = (0..r)
            .map(|t| (0..k).map(|c| b[t * k + c] * q[c]).sum())
            .collect();
        if residual.iter().all(|v| v.abs() <= 1e-15 * scale) {
            break;
        }
        // H = B (diag q − q qᵀ) Bᵀ, with a ridge for dependent rows.
        let mut hessian = vec![0.0; r * r];
        for t1 in 0..r {
            for t2 in t1..r {
                let mut h = 0.0;
                for c in 0..k {
                    h += b[t1 * k + c] * q[c] * b[t2 * k + c];
                }
                h -= residual[t1] * residual[t2];
                hessian[t1 * r + t2] = h;
                hessian[t2 * r + t1] = h;
            }
        }
        let trace: f64 = (0..r).map(|t| hessian[t * r + t]).sum();
        let ridge = 1e-13 * (trace / r as f64).max(1e-300);
        for t in 0..r {
            hessian[t * r + t] += ridge;
        }
        let step =
            podium_numerics::linalg::lu_solve(&host, hessian, residual.clone(), r).ok()??;
        // Newton direction d = −H⁻¹∇ = H⁻¹ B q; backtrack on the dual.
        let slope: f64 = -step.iter().zip(&residual).map(|(d, g)| d * g).sum::<f64>();
        let mut t = 1.0;
        loop {
            let trial: Vec<f64> = lambda.iter().zip(&step).map(|(l, d)| l + t * d).collect();
            let (v, qq) = dual(&trial);
            if v <= value + 1e-4 * t * slope || t < 1e-12 {
                lambda = trial;
                value = v;
                q = qq;
                break;
            }
            t /= 2.0;
        }
    }
    let mut exact = vec![0.0; n];
    for (c, &i) in support.iter().enumerate() {
        exact[i] = q[c];
    }
    let check = product(a, n, &exact);
    let feasible = check.iter().all(|&v| v <= 1e-12 * scale);
    let close = exact.iter().zip(p).all(|(x, y)| (x - y).abs() <= 1e-4);
    (feasible && close && entropy(&exact) >= entropy(p) - 1e-6).then_some(exact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rock_paper_scissors_is_uniform_and_exact() {
        let a = vec![0.0, -1.0, 1.0, 1.0, 0.0, -1.0, -1.0, 1.0, 0.0];
        let nash = max_entropy_nash(&a, 3).unwrap();
        assert!(nash.polished);
        for p in &nash.p {
            assert!((p - 1.0 / 3.0).abs() < 1e-15, "{:?}", nash.p);
        }
        assert_eq!(nash.support, vec![0, 1, 2]);
    }

    #[test]
    fn a_zero_game_gives_the_uniform_mixture() {
        let nash = max_entropy_nash(&[0.0; 16], 4).unwrap();
        for p in &nash.p {
            assert!((p - 0.25).abs() < 1e-15, "{:?}", nash.p);
        }
    }

    #[test]
    fn a_duplicated_strategy_shares_its_mass() {
        // R, P, S, S' (a copy of S): the equilibria are (1/3, 1/3, x, 1/3 − x); maximum
        // entropy splits evenly.
        let rps = [[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]];
        let copy = [0, 1, 2, 2];
        let mut a = vec![0.0; 16];
        for i in 0..4 {
            for j in 0..4 {
                a[i * 4 + j] = rps[copy[i]][copy[j]];
            }
        }
        let nash = max_entropy_nash(&a, 4).unwrap();
        let expected = [1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0, 1.0 / 6.0];
        for (p, e) in nash.p.iter().zip(expected) {
            assert!((p - e).abs() < 1e-14, "{:?}", nash.p);
        }
        assert!(nash.polished);
    }

    #[test]
    fn a_dominant_model_takes_all_the_mass() {
        let payoff = vec![0.5, 0.9, 0.8, 0.1, 0.5, 0.6, 0.2, 0.4, 0.5];
        let a = logit_payoff(&payoff, 3, 1e-3);
        let nash = max_entropy_nash(&a, 3).unwrap();
        assert_eq!(nash.support, vec![0]);
        assert_eq!(nash.p[0], 1.0);
        assert!(nash.polished);
        assert_eq!(nash.scores[0], 0.0);
        assert!(nash.scores[1] < 0.0 && nash.scores[2] < 0.0);
    }

    #[test]
    fn logit_is_exactly_antisymmetric_and_clipped() {
        let payoff = vec![0.5, 1.0, 0.3, 0.0, 0.5, 0.7, 0.7, 0.3, 0.5];
        let a = logit_payoff(&payoff, 3, 0.01);
        for i in 0..3 {
            for j in 0..3 {
                assert_eq!(a[i * 3 + j], -a[j * 3 + i]);
            }
        }
        assert!((a[1] - (0.99f64 / 0.01).ln()).abs() < 1e-12);
    }
}
