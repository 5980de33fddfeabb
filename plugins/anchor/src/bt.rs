//! Bradley–Terry by Newton–Raphson with one model fixed, optional style covariates, and
//! Fisher or sandwich standard errors: the machinery behind `anchor_bt` and the all-pairs
//! ranking of `anchor_selection`.
//!
//! The model: comparison r between models a and b has outcome y_r (1 a won, 0 b won, 0.5 tie
//! or both bad) and weight w_r; `P(a beats b) = σ(η_r)`, `η_r = θ_a − θ_b + γ·z_r`, with
//! θ_reference = 0 and z_r the style features. The log-likelihood is
//! `Σ w_r [y_r ln σ(η_r) + (1 − y_r) ln(1 − σ(η_r))]`: logistic regression without intercept
//! or penalty. **A tie is one row with y = 0.5** (not two half-weight rows; both give the same
//! likelihood up to a constant and so the same estimate, but one row keeps a comparison one
//! unit for the sandwich).
//!
//! Why it is shaped so:
//! - **Units, not rows.** The likelihood, gradient and information only need, per unit, the
//!   two parameter indices, `W = Σw`, `S = Σw·y` (and for the sandwich `Σw²`, `Σw²y`, `Σw²y²`)
//!   and the style features. Without style every comparison of a pair shares η, so rows are
//!   summed per pair ([`PairTable`]) and a Newton step costs O(pairs); with style each row is
//!   its own unit. A unit touches only 3 entries of the θ–θ block, 2k of the cross block and
//!   k(k+1)/2 of the γ–γ block, so a pass over a million rows is a few milliseconds, and the
//!   (n − 1 + k)-square system is solved densely ([`podium_numerics::linalg`]).
//! - **Newton with step halving.** From θ = 0 Newton converges in a handful of steps on
//!   logistic likelihoods; halving (when the likelihood would drop) guards the rare overshoot.
//! - **Only what is finite is fitted.** The caller fits the strongly connected component of
//!   the "beaten by" graph ([`podium_numerics::graph`]) that holds the reference; outside it the MLE is
//!   at ±∞ and is not reported as a number.
//! - **Sandwich errors per comparison.** `V = H⁻¹ B H⁻¹` with `B = Σ_r s_r s_rᵀ`, `s_r` the
//!   score of comparison r; robust to a misspecified tie model and to over-dispersion.

use podium_numerics::linalg::{POLL_COLUMNS, cholesky, cholesky_inverse, cholesky_solve};
use podium_plugin_api::sdk::{Host, MethodError};
use rustc_hash::FxHashMap;

use crate::data::{CHECK_EVERY, Verdict};

/// Parameter index meaning "the reference model" (θ fixed at 0).
pub const REFERENCE: u32 = u32::MAX;

/// A Cholesky pivot of the information must exceed this times its largest diagonal entry;
/// below it the design is treated as singular (e.g. two collinear style features).
pub const PIVOT_FLOOR: f64 = 1e-13;

/// Converged when the largest Newton step (in logits) is below this.
pub const STEP_TOLERANCE: f64 = 1e-9;

/// The Elo-scale factor: `rating = ELO · θ + offset`, `ELO = 400 / ln 10`.
pub const ELO: f64 = 400.0 / std::f64::consts::LN_10;

/// The verdicts of one unordered pair of models, summed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    /// The lower model index.
    pub a: usize,
    /// The higher model index.
    pub b: usize,
    /// Σ w.
    pub w: f64,
    /// Σ w·y, y from `a`'s side.
    pub s: f64,
    /// Σ w².
    pub q0: f64,
    /// Σ w²·y.
    pub q1: f64,
    /// Σ w²·y².
    pub q2: f64,
    /// Comparisons.
    pub n: u64,
    /// `a` won or tied at least once (an edge b → a of the "beaten by" graph).
    pub a_scored: bool,
    /// `b` won or tied at least once.
    pub b_scored: bool,
}

/// Every pair of models with comparisons, in order of first appearance.
#[derive(Debug, Clone, Default)]
pub struct PairTable {
    /// The pairs.
    pub pairs: Vec<Pair>,
    index: FxHashMap<(usize, usize), usize>,
}

impl PairTable {
    /// Sums `verdicts` per unordered pair.
    pub fn build(host: &Host<'_>, verdicts: &[Verdict]) -> Result<PairTable, MethodError> {
        let mut table = PairTable::default();
        for (i, v) in verdicts.iter().enumerate() {
            if i % CHECK_EVERY == 0 {
                host.check_cancelled()?;
            }
            let (a, b, y) = if v.a < v.b {
                (v.a, v.b, v.y())
            } else {
                (v.b, v.a, 1.0 - v.y())
            };
            let next = table.pairs.len();
            let slot = *table.index.entry((a, b)).or_insert(next);
            if slot == next {
                table.pairs.push(Pair {
                    a,
                    b,
                    w: 0.0,
                    s: 0.0,
                    q0: 0.0,
                    q1: 0.0,
                    q2: 0.0,
                    n: 0,
                    a_scored: false,
                    b_scored: false,
                });
            }
            let p = &mut table.pairs[slot];
            let w = v.weight;
            p.w += w;
            p.s += w * y;
            p.q0 += w * w;
            p.q1 += w * w * y;
            p.q2 += w * w * y * y;
            p.n += 1;
            p.a_scored |= y > 0.0;
            p.b_scored |= y < 1.0;
        }
        Ok(table)
    }

    /// The pair of models `i` and `j` (either order), if they were compared.
    pub fn get(&self, i: usize, j: usize) -> Option<&Pair> {
        let key = if i < j { (i, j) } else { (j, i) };
        self.index.get(&key).map(|&k| &self.pairs[k])
    }

    /// `(Σ w·y from i's side, Σ w)` over the comparisons of `i` and `j`.
    pub fn score_of(&self, i: usize, j: usize) -> Option<(f64, f64)> {
        self.get(i, j).map(|p| {
            if p.a == i {
                (p.s, p.w)
            } else {
                (p.w - p.s, p.w)
            }
        })
    }

    /// The edges loser → winner of the "beaten by" graph (ties both ways).
    pub fn edges(&self) -> Vec<(usize, usize)> {
        let mut edges = Vec::with_capacity(2 * self.pairs.len());
        for p in &self.pairs {
            if p.a_scored {
                edges.push((p.b, p.a));
            }
            if p.b_scored {
                edges.push((p.a, p.b));
            }
        }
        edges
    }
}

/// The units of the likelihood (see the module documentation): parameter indices (or
/// [`REFERENCE`]), weight sums and `k` style features per unit.
#[derive(Debug, Clone, Default)]
pub struct Units {
    /// Parameter index of the first model.
    pub a: Vec<u32>,
    /// Parameter index of the second model.
    pub b: Vec<u32>,
    /// Σ w.
    pub w: Vec<f64>,
    /// Σ w·y (y from the first model's side).
    pub s: Vec<f64>,
    /// Σ w², Σ w²·y, Σ w²·y² (for the sandwich).
    pub q: Vec<[f64; 3]>,
    /// Style features, `k` per unit, row-major.
    pub z: Vec<f64>,
    /// Number of style features.
    pub k: usize,
}

impl Units {
    /// No units, `k` style features each.
    pub fn new(k: usize) -> Units {
        Units {
            k,
            ..Units::default()
        }
    }

    /// Number of units.
    pub fn len(&self) -> usize {
        self.w.len()
    }

    /// Whether there are no units.
    pub fn is_empty(&self) -> bool {
        self.w.is_empty()
    }

    /// Adds a unit of one comparison with outcome `y` (first model's side) and features `z`.
    pub fn push_row(&mut self, a: u32, b: u32, w: f64, y: f64, z: &[f64]) {
        debug_assert_eq!(z.len(), self.k);
        self.a.push(a);
        self.b.push(b);
        self.w.push(w);
        self.s.push(w * y);
        self.q.push([w * w, w * w * y, w * w * y * y]);
        self.z.extend_from_slice(z);
    }

    /// Adds a summed pair (no style features).
    pub fn push_pair(&mut self, a: u32, b: u32, pair: &Pair) {
        debug_assert_eq!(self.k, 0);
        self.a.push(a);
        self.b.push(b);
        self.w.push(pair.w);
        self.s.push(pair.s);
        self.q.push([pair.q0, pair.q1, pair.q2]);
    }
}

/// A finished fit.
#[derive(Debug, Clone)]
pub struct Fit {
    /// θ (one per non-reference model) then γ (one per style feature), in logits.
    pub beta: Vec<f64>,
    /// Newton steps taken.
    pub iterations: usize,
    /// Whether the last step was below [`STEP_TOLERANCE`].
    pub converged: bool,
    /// The log-likelihood at `beta`.
    pub log_likelihood: f64,
    /// Cholesky factor of the information matrix at `beta` (`None` when singular there).
    factor: Option<Vec<f64>>,
}

/// What one pass over the units computes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Log-likelihood, gradient and information (−Hessian).
    Newton,
    /// The sandwich's meat `Σ s sᵀ` in place of the information.
    Meat,
}

struct Eval {
    log_likelihood: f64,
    gradient: Vec<f64>,
    matrix: Vec<f64>,
}

/// `(σ(x), ln σ(x), ln σ(−x))` from one `exp` and one `ln_1p`, stable for large |x| (the
/// transcendental functions dominate a pass over a million rows).
fn sigmoid_and_logs(x: f64) -> (f64, f64, f64) {
    let e = (-x.abs()).exp();
    let log_1pe = e.ln_1p();
    let (prob, log_p) = if x >= 0.0 {
        (1.0 / (1.0 + e), -log_1pe)
    } else {
        (e / (1.0 + e), x - log_1pe)
    };
    (prob, log_p, log_p - x)
}

/// Adds `v` at (i, j) of the lower triangle of the `p × p` matrix `m`.
#[inline]
fn add(m: &mut [f64], p: usize, i: usize, j: usize, v: f64) {
    let (r, c) = if i >= j { (i, j) } else { (j, i) };
    m[r * p + c] += v;
}

fn evaluate(
    host: &Host<'_>,
    units: &Units,
    beta: &[f64],
    n_theta: usize,
    pass: Pass,
) -> Result<Eval, MethodError> {
    let p = beta.len();
    let k = units.k;
    let mut out = Eval {
        log_likelihood: 0.0,
        gradient: vec![0.0; p],
        matrix: vec![0.0; p * p],
    };
    let theta = |i: u32| {
        if i == REFERENCE {
            0.0
        } else {
            beta[i as usize]
        }
    };
    for u in 0..units.len() {
        if u % CHECK_EVERY == 0 {
            host.check_cancelled()?;
        }
        let (a, b) = (units.a[u], units.b[u]);
        let z = &units.z[u * k..(u + 1) * k];
        let mut eta = theta(a) - theta(b);
        for (g, zg) in z.iter().enumerate() {
            eta += beta[n_theta + g] * zg;
        }
        let (prob, log_p, log_q) = sigmoid_and_logs(eta);
        let (w, s) = (units.w[u], units.s[u]);
        let h = match pass {
            Pass::Newton => {
                out.log_likelihood += s * log_p + (w - s) * log_q;
                let r = s - w * prob;
                if a != REFERENCE {
                    out.gradient[a as usize] += r;
                }
                if b != REFERENCE {
                    out.gradient[b as usize] -= r;
                }
                for (g, zg) in z.iter().enumerate() {
                    out.gradient[n_theta + g] += r * zg;
                }
                w * prob * (1.0 - prob)
            }
            // Σ_r w_r² (y_r − p)² = Σw²y² − 2p Σw²y + p² Σw².
            Pass::Meat => {
                let [q0, q1, q2] = units.q[u];
                (q2 - 2.0 * prob * q1 + prob * prob * q0).max(0.0)
            }
        };
        let m = &mut out.matrix;
        if a != REFERENCE {
            add(m, p, a as usize, a as usize, h);
        }
        if b != REFERENCE {
            add(m, p, b as usize, b as usize, h);
        }
        if a != REFERENCE && b != REFERENCE {
            add(m, p, a as usize, b as usize, -h);
        }
        for (g, zg) in z.iter().enumerate() {
            let gi = n_theta + g;
            if a != REFERENCE {
                add(m, p, gi, a as usize, h * zg);
            }
            if b != REFERENCE {
                add(m, p, gi, b as usize, -h * zg);
            }
            for (l, zl) in z.iter().enumerate().take(g + 1) {
                add(m, p, gi, n_theta + l, h * zg * zl);
            }
        }
    }
    Ok(out)
}

/// Fits θ (`n_theta` models) and γ (`units.k` features) by Newton–Raphson from 0, at most
/// `max_iter` steps. `Ok(None)` when the information matrix is singular (the design does not
/// identify the parameters, e.g. two collinear style features).
pub fn fit(
    host: &Host<'_>,
    units: &Units,
    n_theta: usize,
    max_iter: usize,
) -> Result<Option<Fit>, MethodError> {
    let p = n_theta + units.k;
    let mut beta = vec![0.0; p];
    let mut current = evaluate(host, units, &beta, n_theta, Pass::Newton)?;
    let mut iterations = 0;
    let mut converged = p == 0;
    while !converged && iterations < max_iter {
        let mut factor = current.matrix.clone();
        if !cholesky(host, &mut factor, p, PIVOT_FLOOR)? {
            return Ok(None);
        }
        let mut step = current.gradient.clone();
        cholesky_solve(&factor, p, &mut step);
        let mut t = 1.0;
        let mut halvings = 0;
        let (candidate, next) = loop {
            let candidate: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + t * s).collect();
            let next = evaluate(host, units, &candidate, n_theta, Pass::Newton)?;
            let slack = 1e-12 * (1.0 + current.log_likelihood.abs());
            if next.log_likelihood >= current.log_likelihood - slack || halvings >= 30 {
                break (candidate, next);
            }
            t *= 0.5;
            halvings += 1;
        };
        let largest = step.iter().fold(0.0_f64, |m, s| m.max(s.abs())) * t;
        beta = candidate;
        current = next;
        iterations += 1;
        converged = largest < STEP_TOLERANCE;
    }
    let mut factor = current.matrix;
    let factor = cholesky(host, &mut factor, p, PIVOT_FLOOR)?.then_some(factor);
    Ok(Some(Fit {
        beta,
        iterations,
        converged,
        log_likelihood: current.log_likelihood,
        factor,
    }))
}

/// How the standard errors are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Errors {
    /// `H⁻¹ B H⁻¹`, B the sum of per-comparison score outer products.
    Sandwich,
    /// `H⁻¹`, the inverse observed information.
    Fisher,
}

/// The variances (diagonal of the covariance) of every parameter of `fit`, in logits²; NaN
/// when the information is singular at the estimate.
pub fn variances(
    host: &Host<'_>,
    units: &Units,
    fit: &Fit,
    n_theta: usize,
    errors: Errors,
) -> Result<Vec<f64>, MethodError> {
    let p = fit.beta.len();
    let Some(factor) = &fit.factor else {
        return Ok(vec![f64::NAN; p]);
    };
    let inv = cholesky_inverse(host, factor, p)?;
    match errors {
        Errors::Fisher => Ok((0..p).map(|i| inv[i * p + i]).collect()),
        Errors::Sandwich => {
            let lower = evaluate(host, units, &fit.beta, n_theta, Pass::Meat)?.matrix;
            let meat = |i: usize, j: usize| {
                if i >= j {
                    lower[i * p + j]
                } else {
                    lower[j * p + i]
                }
            };
            // diag(H⁻¹ B H⁻¹)_i = c_iᵀ B c_i with c_i the i-th column of the symmetric H⁻¹.
            let mut out = vec![0.0; p];
            let mut bc = vec![0.0; p];
            for (i, slot) in out.iter_mut().enumerate() {
                if i % POLL_COLUMNS == 0 {
                    host.check_cancelled()?;
                }
                let c = &inv[i * p..(i + 1) * p];
                for (r, x) in bc.iter_mut().enumerate() {
                    *x = (0..p).map(|j| meat(r, j) * c[j]).sum();
                }
                *slot = c.iter().zip(&bc).map(|(a, b)| a * b).sum();
            }
            Ok(out)
        }
    }
}
