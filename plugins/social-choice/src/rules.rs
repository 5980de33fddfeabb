//! The voting rules, as pure functions of the margin matrix (`k × k`, row-major,
//! antisymmetric). Candidate indices follow name order, so "smallest index" is "first by name":
//! every tie-break below is that.
//!
//! Each rule returns a [`Ranking`]: a full order, best first, and one score per candidate.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use podium_plugin_api::sdk::{Host, MethodError};

/// A full leaderboard over the candidates.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// Candidate indices, best first; every candidate exactly once.
    pub order: Vec<usize>,
    /// One score per candidate (higher is better), consistent with `order`.
    pub scores: Vec<f64>,
}

/// Orders candidates by score descending, equal scores by index (name) ascending.
pub fn order_by_scores(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    order
}

/// A ranking from scores (order per [`order_by_scores`]).
pub fn by_scores(scores: Vec<f64>) -> Ranking {
    Ranking {
        order: order_by_scores(&scores),
        scores,
    }
}

/// A ranking from an order: score = k − position (k for the first).
pub fn by_order(order: Vec<usize>) -> Ranking {
    let k = order.len();
    let mut scores = vec![0.0; k];
    for (pos, &c) in order.iter().enumerate() {
        scores[c] = (k - pos) as f64;
    }
    Ranking { order, scores }
}

/// The candidate that beats every other by a positive margin, if any.
pub fn condorcet_winner(k: usize, m: &[f64]) -> Option<usize> {
    (0..k).find(|&a| (0..k).all(|b| b == a || m[a * k + b] > 0.0))
}

/// Copeland^α: score = wins + α · ties, where a win is a positive margin over another
/// candidate and a tie a zero margin (including pairs no ballot ranks). With α = 0.5 this is
/// (wins − losses + k − 1) / 2, i.e. it orders exactly as wins − losses.
pub fn copeland(k: usize, m: &[f64], tie: f64) -> Ranking {
    let scores = (0..k)
        .map(|a| {
            let (mut wins, mut ties) = (0usize, 0usize);
            for b in (0..k).filter(|&b| b != a) {
                let x = m[a * k + b];
                if x > 0.0 {
                    wins += 1;
                } else if x == 0.0 {
                    ties += 1;
                }
            }
            wins as f64 + tie * ties as f64
        })
        .collect();
    by_scores(scores)
}

/// Minimax (Simpson–Kramer, margins): score = −(largest margin by which any candidate beats
/// this one), 0 when nobody beats it.
pub fn minimax(k: usize, m: &[f64]) -> Ranking {
    let scores = (0..k)
        .map(|a| {
            let worst = (0..k)
                .filter(|&b| b != a)
                .map(|b| m[b * k + a])
                .fold(0.0_f64, f64::max);
            -worst
        })
        .collect();
    by_scores(scores)
}

/// Strongest (widest) path strengths over the sub-matrix of `alive`: `p[i * r + j]` is the
/// largest, over paths from `alive[i]` to `alive[j]` along positive margins, of the smallest
/// margin on the path (0 without a path). Floyd–Warshall, O(r³); polls cancellation per row.
pub fn widest_paths(
    host: &Host<'_>,
    k: usize,
    m: &[f64],
    alive: &[usize],
) -> Result<Vec<f64>, MethodError> {
    let r = alive.len();
    let mut p = vec![0.0; r * r];
    for (i, &a) in alive.iter().enumerate() {
        for (j, &b) in alive.iter().enumerate() {
            let x = m[a * k + b];
            if i != j && x > 0.0 {
                p[i * r + j] = x;
            }
        }
    }
    // Floyd–Warshall on (max, min). The loops are branch-free so that they vectorise: entries
    // with `to == via` cannot grow (min(p[from][via], ·) ≤ p[from][via]), and the diagonal
    // they may touch is never read as a path strength and is cleared at the end.
    let mut via_row = vec![0.0; r];
    for via in 0..r {
        host.check_cancelled()?;
        via_row.copy_from_slice(&p[via * r..(via + 1) * r]);
        for from in 0..r {
            let first = p[from * r + via];
            if from == via || first <= 0.0 {
                continue;
            }
            for (to, &through) in p[from * r..(from + 1) * r].iter_mut().zip(&via_row) {
                let v = if first < through { first } else { through };
                *to = if v > *to { v } else { *to };
            }
        }
    }
    for i in 0..r {
        p[i * r + i] = 0.0;
    }
    Ok(p)
}

/// Schulze (beat path, margins): a ≻ b iff the strongest path from a to b is stronger than
/// the one from b to a. The relation is a strict partial order; score = the number of
/// candidates a beats in it, which is a linear extension (a ≻ b implies a beats strictly more),
/// and incomparable candidates with equal scores go by name.
pub fn schulze(host: &Host<'_>, k: usize, m: &[f64]) -> Result<Ranking, MethodError> {
    let all: Vec<usize> = (0..k).collect();
    let p = widest_paths(host, k, m, &all)?;
    let scores = (0..k)
        .map(|a| (0..k).filter(|&b| p[a * k + b] > p[b * k + a]).count() as f64)
        .collect();
    Ok(by_scores(scores))
}

/// Ranked Pairs (Tideman): the pairs with a positive margin, by margin descending, equal
/// margins by (winner name, loser name) ascending, are locked one by one unless they close a
/// cycle with pairs already locked. The order is the topological order of the locked graph,
/// picking among the candidates nobody remaining beats the first by name (this matters only
/// for pairs with a zero margin). Score = k − position.
pub fn ranked_pairs(host: &Host<'_>, k: usize, m: &[f64]) -> Result<Ranking, MethodError> {
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for a in 0..k {
        for b in 0..k {
            if m[a * k + b] > 0.0 {
                pairs.push((a, b));
            }
        }
    }
    pairs.sort_by(|&(a, b), &(c, d)| {
        m[c * k + d]
            .total_cmp(&m[a * k + b])
            .then((a, b).cmp(&(c, d)))
    });
    // reach[x] = bitset of candidates reachable from x in the locked graph (x included).
    let words = k.div_ceil(64);
    let mut reach = vec![0u64; k * words];
    for x in 0..k {
        reach[x * words + x / 64] |= 1 << (x % 64);
    }
    let has = |reach: &[u64], x: usize, y: usize| reach[x * words + y / 64] >> (y % 64) & 1 == 1;
    let mut indegree = vec![0usize; k];
    let mut locked: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (n, &(a, b)) in pairs.iter().enumerate() {
        if n % 256 == 0 {
            host.check_cancelled()?;
        }
        if has(&reach, b, a) {
            continue; // b already reaches a: a → b would close a cycle.
        }
        locked[a].push(b);
        indegree[b] += 1;
        if has(&reach, a, b) {
            continue; // already implied: the closure does not change.
        }
        for x in 0..k {
            if has(&reach, x, a) {
                for w in 0..words {
                    let add = reach[b * words + w];
                    reach[x * words + w] |= add;
                }
            }
        }
    }
    let mut heap: BinaryHeap<Reverse<usize>> =
        (0..k).filter(|&c| indegree[c] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(k);
    while let Some(Reverse(c)) = heap.pop() {
        order.push(c);
        for &d in &locked[c] {
            indegree[d] -= 1;
            if indegree[d] == 0 {
                heap.push(Reverse(d));
            }
        }
    }
    if order.len() != k {
        return Err(MethodError::internal("ranked pairs locked a cycle"));
    }
    Ok(by_order(order))
}

/// Split Cycle (Holliday & Pacuit): among the candidates `alive`, a defeats b iff
/// margin(a, b) > 0 and margin(a, b) > the strongest path strength from b back to a (the
/// largest splitting number of a cycle through a → b). Returns the undefeated candidates, in
/// index order.
pub fn split_cycle_winners(
    host: &Host<'_>,
    k: usize,
    m: &[f64],
    alive: &[usize],
) -> Result<Vec<usize>, MethodError> {
    let r = alive.len();
    let p = widest_paths(host, k, m, alive)?;
    Ok((0..r)
        .filter(|&j| {
            !(0..r).any(|i| {
                let x = m[alive[i] * k + alive[j]];
                i != j && x > 0.0 && x > p[j * r + i]
            })
        })
        .map(|j| alive[j])
        .collect())
}

/// Split Cycle full ranking by repeated removal: the undefeated set (recomputed on the
/// remaining candidates each round) goes next, its members by name. Score = k − position;
/// the tiers (rounds) are returned too.
pub fn split_cycle(
    host: &Host<'_>,
    k: usize,
    m: &[f64],
) -> Result<(Ranking, Vec<Vec<usize>>), MethodError> {
    let mut alive: Vec<usize> = (0..k).collect();
    let mut order = Vec::with_capacity(k);
    let mut tiers = Vec::new();
    while !alive.is_empty() {
        let winners = split_cycle_winners(host, k, m, &alive)?;
        if winners.is_empty() {
            return Err(MethodError::internal(
                "split cycle found no undefeated candidate",
            ));
        }
        order.extend_from_slice(&winners);
        alive.retain(|c| !winners.contains(c));
        tiers.push(winners);
        host.progress(0.5 + 0.5 * order.len() as f64 / k as f64);
    }
    Ok((by_order(order), tiers))
}

/// The Kemeny agreement of an order: Σ over pairs (a before b) of margin(a, b). Maximising it
/// is minimising the weighted Kendall-tau distance to the ballots.
pub fn agreement(k: usize, m: &[f64], order: &[usize]) -> f64 {
    let mut total = 0.0;
    for (i, &a) in order.iter().enumerate() {
        for &b in &order[i + 1..] {
            total += m[a * k + b];
        }
    }
    total
}

/// Exact Kemeny–Young by dynamic programming over subsets: `f[S]` = the best agreement of an
/// order of S, `f[S] = max_{c ∈ S} (Σ_{b ∈ S∖c} margin(c, b) + f[S∖c])` (c placed first).
/// O(2^k k²) time, 9 · 2^k bytes (an f64 and a u8 per subset). Among optimal orders it returns
/// the lexicographically first by name (smallest first element, then recursively).
pub fn kemeny_exact(host: &Host<'_>, k: usize, m: &[f64]) -> Result<Vec<usize>, MethodError> {
    assert!(k <= 30, "kemeny_exact needs k ≤ 30");
    let size = 1usize << k;
    let mut f = vec![0.0_f64; size];
    let mut choice = vec![0u8; size];
    for s in 1..size {
        if s % 4096 == 0 {
            host.check_cancelled()?;
            host.progress(0.5 + 0.5 * s as f64 / size as f64);
        }
        let mut best = f64::NEG_INFINITY;
        let mut arg = 0;
        let mut bits = s;
        while bits != 0 {
            let c = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let rest = s & !(1 << c);
            let mut g = f[rest];
            let mut others = rest;
            while others != 0 {
                let b = others.trailing_zeros() as usize;
                others &= others - 1;
                g += m[c * k + b];
            }
            if g > best {
                best = g;
                arg = c;
            }
        }
        f[s] = best;
        choice[s] = arg as u8;
    }
    let mut order = Vec::with_capacity(k);
    let mut s = size - 1;
    while s != 0 {
        let c = choice[s] as usize;
        order.push(c);
        s &= !(1 << c);
    }
    Ok(order)
}

/// Approximate Kemeny–Young: start from the Copeland (α = 0.5) order, equal Copeland scores by
/// net margin (Σ_b margin(a, b)) then name, and improve by insertion moves (take one candidate
/// out and put it back elsewhere; adjacent swaps are the shortest such moves): each pass tries
/// every candidate in order and applies its best strictly improving move, until a pass
/// improves nothing. A local optimum, not necessarily the Kemeny order.
pub fn kemeny_local(host: &Host<'_>, k: usize, m: &[f64]) -> Result<Vec<usize>, MethodError> {
    let copeland = copeland(k, m, 0.5).scores;
    let net: Vec<f64> = (0..k).map(|a| (0..k).map(|b| m[a * k + b]).sum()).collect();
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| {
        copeland[b]
            .total_cmp(&copeland[a])
            .then(net[b].total_cmp(&net[a]))
            .then(a.cmp(&b))
    });
    // Moves must gain more than this (guards against cycling on rounding noise).
    let scale = m.iter().fold(0.0_f64, |acc, x| acc.max(x.abs()));
    let eps = scale * 1e-12;
    let mut passes = 0usize;
    loop {
        passes += 1;
        let mut improved = false;
        for i in 0..k {
            host.check_cancelled()?;
            let x = order[i];
            // Gain of moving x from i to j: to the left, x jumps over order[j..i] and each pair
            // flips (gain 2 · margin(x, y)); to the right, over order[i+1..=j] (2 · margin(y, x)).
            let (mut best_gain, mut best_j) = (eps, i);
            let mut gain = 0.0;
            for j in (0..i).rev() {
                gain += 2.0 * m[x * k + order[j]];
                if gain > best_gain {
                    best_gain = gain;
                    best_j = j;
                }
            }
            gain = 0.0;
            for j in i + 1..k {
                gain += 2.0 * m[order[j] * k + x];
                if gain > best_gain {
                    best_gain = gain;
                    best_j = j;
                }
            }
            if best_j != i {
                let x = order.remove(i);
                order.insert(best_j, x);
                improved = true;
            }
        }
        if !improved || passes >= 10_000 {
            break;
        }
    }
    Ok(order)
}

/// Kemeny–Young: exact when `k ≤ exact_up_to`, else [`kemeny_local`]. Returns the order and
/// whether it is exact; score = k − position.
pub fn kemeny(
    host: &Host<'_>,
    k: usize,
    m: &[f64],
    exact_up_to: usize,
) -> Result<(Ranking, bool), MethodError> {
    if k <= exact_up_to {
        Ok((by_order(kemeny_exact(host, k, m)?), true))
    } else {
        Ok((by_order(kemeny_local(host, k, m)?), false))
    }
}

/// Rounds fractional tallies to 1e-9: shares of tied first places (1/3 + 1/6 + 1/2, say) that
/// are equal in exact arithmetic must compare equal, so that the name tie-break applies.
pub fn snap_shares(points: &[f64]) -> Vec<f64> {
    points
        .iter()
        .map(|&p| {
            if p.abs() < 1e6 {
                (p * 1e9).round() / 1e9
            } else {
                p
            }
        })
        .collect()
}

/// Plurality and Borda are positional: their points come from the profile directly. Ranks by
/// points, higher first; equal points by candidate (name) order.
pub fn positional(points: &[f64]) -> Ranking {
    by_scores(points.to_vec())
}
