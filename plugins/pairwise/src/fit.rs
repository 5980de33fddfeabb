//! Maximum-likelihood Bradley–Terry and Davidson fits on the pair tally, and their
//! Fisher and sandwich covariances.
//!
//! Models (θ = log-strength, π = e^θ):
//! - **Bradley–Terry, ties as halves**: P(i ≻ j) = π_i / (π_i + π_j); a tie is half a win each
//!   way (choix's and evalica's convention).
//! - **Davidson**: P(i ≻ j) = π_i / D, P(tie) = ν√(π_iπ_j) / D, D = π_i + π_j + ν√(π_iπ_j), with
//!   the tie parameter ν fitted too (evalica's `newman` is this model with ν = 2v).
//! - **Ties ignored**: Bradley–Terry on the decisive verdicts only.
//!
//! The fit is Newman's (2023) iteration — for Bradley–Terry
//! π_i ← Σ_j M_ij π_j/(π_i+π_j) / Σ_j M_ji/(π_i+π_j), in place model by model — generalised here to Davidson by setting
//! the gradient to zero: with h = ν/2 and s = √(π_iπ_j),
//! π_i ← Σ_j (w_ij + t_ij/2)(π_j + h s)/D_ij / Σ_j (w_ji + t_ij/2)(1 + h√(π_j/π_i))/D_ij and
//! ν ← T / Σ_{i<j} n_ij s/D_ij (T the total tie weight). Each step is O(pairs) and updates
//! the models in place in index order (deterministic; a simultaneous update oscillates on
//! bipartite graphs such as "everyone against one baseline"), then re-centres to mean θ 0; it
//! converges in tens of steps where Zermelo's/Hunter's MM needs thousands.
//!
//! Uncertainty: the score of one verdict is w·(y − q)(e_i − e_j), with y ∈ {1, ½, 0} from i's
//! side and q = P(i ≻ j) + P(tie)/2, so the information is a weighted graph Laplacian
//! H = Σ w v (e_i − e_j)(e_i − e_j)ᵀ with v = P(i≻j) + P(tie)/4 − q² (p(1 − p) for
//! Bradley–Terry) and the sandwich's middle is B = Σ w²(y − q)² (e_i − e_j)(e_i − e_j)ᵀ, both
//! summed per pair from the tally. θ is identified only up to a constant; for centred θ the
//! covariance is H⁺ (Fisher) or H⁺BH⁺ (sandwich), computed as A⁻¹ − J/m and A⁻¹BA⁻¹ with
//! A = H + J/m (J the all-ones matrix), which is positive definite on a connected component.
//! For Davidson, ν is treated as known in the interval (stated in the method's extra).

use podium_numerics::graph::strongly_connected;
use podium_numerics::linalg::{sandwich, spd_inverse};
use podium_plugin_api::sdk::{Host, MethodError};

use crate::tally::Tally;

/// How ties enter the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ties {
    /// Half a win each way.
    Half,
    /// The Davidson model with a fitted tie parameter.
    Davidson,
    /// Left out.
    Ignore,
}

/// Which covariance to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    /// No interval.
    None,
    /// The inverse Fisher information.
    Fisher,
    /// The robust sandwich H⁻¹BH⁻¹.
    Sandwich,
}

/// The pairs of one component in local model numbers, with the counts the model uses.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalPair {
    /// Local index of the lower model.
    pub i: usize,
    /// Local index of the higher model.
    pub j: usize,
    /// Weight of i's wins (plus half the ties when ties are halves).
    pub wins_i: f64,
    /// Weight of j's wins (plus half the ties when ties are halves).
    pub wins_j: f64,
    /// Tie weight modelled as ties (Davidson only; 0 otherwise).
    pub ties: f64,
    /// Σ w² of i's wins, j's wins and ties (the ties entry 0 when ties are ignored).
    pub squares: [f64; 3],
}

/// The models one fit can score.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    /// Model indices, ascending.
    pub members: Vec<usize>,
    /// The component's pairs, in local numbers.
    pub pairs: Vec<LocalPair>,
    /// Every component of models with verdicts, largest first (for the extra and errors).
    pub all: Vec<Vec<usize>>,
}

/// The largest strongly connected component of the "beaten by" graph among models with
/// verdicts (on equal sizes, the one holding the lowest model index — the host sends models
/// sorted by name). `None` when no model has a verdict that counts.
pub fn largest_component(tally: &Tally, ties: Ties) -> Option<Component> {
    let mut edges = Vec::with_capacity(2 * tally.pairs.len());
    let mut active = vec![false; tally.models];
    for pair in &tally.pairs {
        let (wins_i, wins_j) = folded(pair, ties);
        // A Davidson tie is evidence both ways as well (it bounds both strengths).
        let tie = ties == Ties::Davidson && pair.ties > 0.0;
        if wins_i > 0.0 || tie {
            edges.push((pair.j, pair.i));
        }
        if wins_j > 0.0 || tie {
            edges.push((pair.i, pair.j));
        }
        if wins_i + wins_j > 0.0 || tie {
            active[pair.i] = true;
            active[pair.j] = true;
        }
    }
    let mut all: Vec<Vec<usize>> = strongly_connected(tally.models, &edges)
        .into_iter()
        .filter(|c| c.iter().any(|&m| active[m]))
        .collect();
    all.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    let members = all.first()?.clone();
    Some(restrict(tally, ties, members, all))
}

/// Every model with a verdict that counts, as one component (for regularised chains, which
/// need no strong connectivity).
pub fn all_active(tally: &Tally, ties: Ties) -> Option<Component> {
    let mut active = vec![false; tally.models];
    for pair in &tally.pairs {
        let (wins_i, wins_j) = folded(pair, ties);
        if wins_i + wins_j > 0.0 || (ties == Ties::Davidson && pair.ties > 0.0) {
            active[pair.i] = true;
            active[pair.j] = true;
        }
    }
    let members: Vec<usize> = (0..tally.models).filter(|&m| active[m]).collect();
    if members.is_empty() {
        return None;
    }
    let all = vec![members.clone()];
    Some(restrict(tally, ties, members, all))
}

/// The component of `members` (ascending model indices).
fn restrict(tally: &Tally, ties: Ties, members: Vec<usize>, all: Vec<Vec<usize>>) -> Component {
    let mut local = vec![usize::MAX; tally.models];
    for (k, &m) in members.iter().enumerate() {
        local[m] = k;
    }
    let pairs = tally
        .pairs
        .iter()
        .filter(|p| local[p.i] != usize::MAX && local[p.j] != usize::MAX)
        .map(|p| {
            let (wins_i, wins_j) = folded(p, ties);
            LocalPair {
                i: local[p.i],
                j: local[p.j],
                wins_i,
                wins_j,
                ties: if ties == Ties::Davidson { p.ties } else { 0.0 },
                squares: [
                    p.sq_wins_i,
                    p.sq_wins_j,
                    if ties == Ties::Ignore { 0.0 } else { p.sq_ties },
                ],
            }
        })
        .filter(|p| p.wins_i + p.wins_j + p.ties > 0.0)
        .collect();
    Component {
        members,
        pairs,
        all,
    }
}

/// A pair's wins each way as the model counts them (ties folded in as halves, or not).
fn folded(pair: &crate::tally::Pair, ties: Ties) -> (f64, f64) {
    match ties {
        Ties::Half => (pair.wins_i + pair.ties / 2.0, pair.wins_j + pair.ties / 2.0),
        Ties::Davidson | Ties::Ignore => (pair.wins_i, pair.wins_j),
    }
}

/// A fitted model on one component.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Centred log-strengths, by local index.
    pub theta: Vec<f64>,
    /// Davidson's tie parameter ν (0 for the other models).
    pub nu: f64,
    /// Steps taken.
    pub iterations: u64,
    /// Whether the last step changed every θ (and ν) by at most the tolerance.
    pub converged: bool,
}

/// Fits the model by Newman's iteration until no θ (nor ν) moves more than `tol`.
pub fn fit(
    host: &Host<'_>,
    component: &Component,
    ties: Ties,
    tol: f64,
    max_iter: u64,
) -> Result<Fit, MethodError> {
    let m = component.members.len();
    let neighbours = Neighbours::of(component);
    let mut pi = vec![1.0_f64; m];
    let mut theta = vec![0.0; m];
    let total_ties: f64 = component.pairs.iter().map(|p| p.ties).sum();
    let davidson = ties == Ties::Davidson && total_ties > 0.0;
    let mut nu = if davidson { 1.0 } else { 0.0 };
    let mut iterations = 0;
    let mut converged = m == 1;
    while !converged && iterations < max_iter {
        if iterations % 8 == 0 {
            host.check_cancelled()?;
            host.progress(0.5 + 0.4 * iterations as f64 / max_iter as f64);
        }
        iterations += 1;
        let h = nu / 2.0;
        // In place, model by model (Gauss–Seidel): a simultaneous update oscillates on
        // bipartite comparison graphs (e.g. every model judged against one baseline).
        for k in 0..m {
            let (mut num, mut den) = (0.0, 0.0);
            let pi_k = pi[k];
            for e in neighbours.of_model(k) {
                let pi_o = pi[e.other];
                let s = if davidson { (pi_k * pi_o).sqrt() } else { 0.0 };
                let d = pi_k + pi_o + nu * s;
                num += e.for_self * (pi_o + h * s) / d;
                den += e.for_other * (1.0 + h * s / pi_k) / d;
            }
            pi[k] = num / den;
        }
        let mut next: Vec<f64> = pi.iter().map(|p| p.ln()).collect();
        let mean = next.iter().sum::<f64>() / m as f64;
        next.iter_mut().for_each(|t| *t -= mean);
        if next.iter().any(|t| !t.is_finite()) {
            return Err(MethodError::internal(
                "the fit diverged (a strength left the floating-point range)",
            ));
        }
        let mut change = next
            .iter()
            .zip(&theta)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        theta = next;
        for (p, t) in pi.iter_mut().zip(&theta) {
            *p = t.exp();
        }
        if davidson {
            let expected: f64 = component
                .pairs
                .iter()
                .map(|p| {
                    let s = (pi[p.i] * pi[p.j]).sqrt();
                    (p.wins_i + p.wins_j + p.ties) * s / (pi[p.i] + pi[p.j] + nu * s)
                })
                .sum();
            let next_nu = total_ties / expected;
            change = change.max((next_nu - nu).abs());
            nu = next_nu;
        }
        converged = change <= tol;
    }
    Ok(Fit {
        theta,
        nu,
        iterations,
        converged,
    })
}

/// One side of a pair, seen from one of its models.
#[derive(Debug, Clone, Copy)]
struct Edge {
    other: usize,
    /// This model's wins plus half the modelled ties.
    for_self: f64,
    /// The other model's wins plus half the modelled ties.
    for_other: f64,
}

/// The pairs of each model, contiguous (compressed rows).
struct Neighbours {
    start: Vec<usize>,
    edges: Vec<Edge>,
}

impl Neighbours {
    fn of(component: &Component) -> Neighbours {
        let m = component.members.len();
        let mut start = vec![0usize; m + 1];
        for p in &component.pairs {
            start[p.i + 1] += 1;
            start[p.j + 1] += 1;
        }
        for k in 0..m {
            start[k + 1] += start[k];
        }
        let mut next = start.clone();
        let blank = Edge {
            other: 0,
            for_self: 0.0,
            for_other: 0.0,
        };
        let mut edges = vec![blank; start[m]];
        for p in &component.pairs {
            let (for_i, for_j) = (p.wins_i + p.ties / 2.0, p.wins_j + p.ties / 2.0);
            edges[next[p.i]] = Edge {
                other: p.j,
                for_self: for_i,
                for_other: for_j,
            };
            next[p.i] += 1;
            edges[next[p.j]] = Edge {
                other: p.i,
                for_self: for_j,
                for_other: for_i,
            };
            next[p.j] += 1;
        }
        Neighbours { start, edges }
    }

    fn of_model(&self, k: usize) -> &[Edge] {
        &self.edges[self.start[k]..self.start[k + 1]]
    }
}

/// The covariance of the centred θ (m × m, row-major), `None` for [`Interval::None`] or when
/// the information is singular (which a strongly connected component rules out, up to
/// rounding).
pub fn covariance(
    host: &Host<'_>,
    component: &Component,
    fit: &Fit,
    interval: Interval,
) -> Result<Option<Vec<f64>>, MethodError> {
    if interval == Interval::None {
        return Ok(None);
    }
    let m = component.members.len();
    let mut information = vec![1.0 / m as f64; m * m];
    let mut middle = vec![0.0; m * m];
    let add = |matrix: &mut [f64], i: usize, j: usize, value: f64| {
        matrix[i * m + i] += value;
        matrix[j * m + j] += value;
        matrix[i * m + j] -= value;
        matrix[j * m + i] -= value;
    };
    for p in &component.pairs {
        let (pi_i, pi_j) = (fit.theta[p.i].exp(), fit.theta[p.j].exp());
        let s = (pi_i * pi_j).sqrt();
        let d = pi_i + pi_j + fit.nu * s;
        let (win, tie) = (pi_i / d, fit.nu * s / d);
        let q = win + tie / 2.0;
        let v = win + tie / 4.0 - q * q;
        let weight = p.wins_i + p.wins_j + p.ties;
        add(&mut information, p.i, p.j, weight * v);
        let [sq_i, sq_j, sq_t] = p.squares;
        let scores = sq_i * (1.0 - q).powi(2) + sq_t * (0.5 - q).powi(2) + sq_j * q * q;
        add(&mut middle, p.i, p.j, scores);
    }
    let Some(inverse) = spd_inverse(host, &information, m)? else {
        return Ok(None);
    };
    Ok(Some(match interval {
        Interval::Fisher => inverse.iter().map(|x| x - 1.0 / m as f64).collect(),
        _ => sandwich(&inverse, &middle, m),
    }))
}
