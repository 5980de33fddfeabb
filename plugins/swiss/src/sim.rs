//! The CSD Monte Carlo engine (specification `shared/methods/swiss.md`, "Simulation").
//!
//! One run plays the benchmarks in order as Swiss rounds:
//! - **Pairing**: the active models are kept sorted by points, so every score group is a
//!   contiguous range; inside a group the first unpaired member takes a uniformly random
//!   partner among the rest, which makes the group's matching uniformly random whatever its
//!   order, with no shuffle.
//! - **Odd group**: `bye` — a uniformly random member sits out with 0 points; `float` — a
//!   uniformly random member joins the next lower group and is paired there like its members;
//!   a float out of the lowest group gets the bye.
//! - **Match** on benchmark k: the higher value wins +1; equal values are a tie (`coin`: a fair
//!   coin picks the winner of the full point, `half`: ½ each). A model without a score on k
//!   loses to one with a score; both without: a tie. `sampled`: the two models' values on one
//!   sample of k drawn uniformly among the samples measured for both; when they share none,
//!   the means decide as above.
//! - **Elimination** after round k: `min(T_k, active − 2)` models, taken uniformly at random
//!   from the lowest-points group of the active models, then from the next group up; eliminated
//!   models keep their points and play no more.
//!
//! Points are kept doubled (integers), so the per-model sums over runs are exact integers.
//! Run `r` draws only from `SplitMix64::stream(seed, r)`; runs are grouped into chunks of
//! [`CHUNK`] runs whose partial results are merged strictly in chunk order, so the totals are
//! bit-identical whatever the number of threads. Bounded random integers use the 64-bit
//! multiply-high map (bias below n·2⁻⁶⁴), not a rejection loop; a coin bit is spent on every
//! match, tie or not, so deciding a match has no data-dependent branch.
//!
//! Speed (benchmark W3) comes from the sorted order: under the default rules a round's
//! winners and losers are written straight into the next round's order, and in long
//! tournaments most score groups are singletons, which cost a copy.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use podium_plugin_api::sdk::MethodError;
use podium_synth::SplitMix64;

/// Runs per chunk: the unit of work of a thread and of the ordered merge.
pub const CHUNK: usize = 1024;

/// What a tied match gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tie {
    /// A fair coin picks the winner of the full point.
    Coin,
    /// Half a point each.
    Half,
}

/// What happens to the odd model of a score group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Odd {
    /// A bye worth 0 points.
    Bye,
    /// Joins the next lower group (bye from the lowest group).
    Float,
}

/// How a match on a benchmark is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchRule {
    /// Compare the per-benchmark means.
    Deterministic,
    /// Compare the values on one random sample measured for both (means when none).
    Sampled,
}

/// The rules of one simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Ties.
    pub tie: Tie,
    /// Odd groups.
    pub odd: Odd,
    /// Match decision.
    pub matching: MatchRule,
    /// Models eliminated after each round (one entry per round).
    pub eliminate: Vec<u32>,
    /// k of P(top-k).
    pub top_k: usize,
}

/// The tournament's data: who plays and every round's values.
#[derive(Debug, Clone, PartialEq)]
pub struct Game {
    /// Number of models (players and non-players).
    pub models: usize,
    /// The models that play (model indices).
    pub players: Vec<u32>,
    /// Number of rounds (benchmarks played).
    pub rounds: usize,
    /// `value[r * models + m]`: model m's mean on round r's benchmark, −∞ when missing.
    pub value: Vec<f64>,
    /// Per round, sample-major values (`[s * models + m]`, NaN = not measured); empty unless
    /// matches are sampled.
    pub samples: Vec<Vec<f64>>,
}

impl Game {
    /// A game from round-major means (`means[r * models + m]`); players are the models with
    /// at least one value.
    pub fn from_means(models: usize, rounds: usize, means: &[Option<f64>]) -> Game {
        assert_eq!(means.len(), models * rounds);
        let players = (0..models)
            .filter(|&m| (0..rounds).any(|r| means[r * models + m].is_some()))
            .map(|m| m as u32)
            .collect();
        Game {
            models,
            players,
            rounds,
            value: means
                .iter()
                .map(|v| v.unwrap_or(f64::NEG_INFINITY))
                .collect(),
            samples: Vec::new(),
        }
    }
}

/// One round of a traced run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundTrace {
    /// Active models when the round starts.
    pub active_before: usize,
    /// Matches played.
    pub pairs: usize,
    /// Byes given.
    pub byes: usize,
    /// Doubled points awarded in the round.
    pub points2: u64,
    /// Models eliminated after the round.
    pub eliminated: usize,
    /// Active models after the elimination.
    pub active_after: usize,
}

/// Totals over all runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Totals {
    /// Runs.
    pub runs: u64,
    /// Σ doubled points per model.
    pub points2: Vec<u64>,
    /// Σ (doubled points)² per model.
    pub points2_sq: Vec<u64>,
    /// Σ share of first place per model.
    pub first: Vec<f64>,
    /// Σ share of the top k places per model.
    pub top_k: Vec<f64>,
}

impl Totals {
    fn zero(models: usize) -> Totals {
        Totals {
            runs: 0,
            points2: vec![0; models],
            points2_sq: vec![0; models],
            first: vec![0.0; models],
            top_k: vec![0.0; models],
        }
    }

    fn merge(&mut self, other: &Totals) {
        self.runs += other.runs;
        for m in 0..self.points2.len() {
            self.points2[m] += other.points2[m];
            self.points2_sq[m] += other.points2_sq[m];
            self.first[m] += other.first[m];
            self.top_k[m] += other.top_k[m];
        }
    }

    /// E[S_m] (points, not doubled).
    pub fn mean(&self, m: usize) -> f64 {
        self.points2[m] as f64 / (2.0 * self.runs as f64)
    }

    /// Monte Carlo standard error of E[S_m] (sample standard deviation / √N); `None` for one
    /// run.
    pub fn standard_error(&self, m: usize) -> Option<f64> {
        let n = u128::from(self.runs);
        if n < 2 {
            return None;
        }
        let (s, q) = (u128::from(self.points2[m]), u128::from(self.points2_sq[m]));
        // var = (N Σy² − (Σy)²) / (4 N (N − 1)) for y = doubled points, exact numerator.
        let numerator = (n * q).saturating_sub(s * s) as f64;
        let var = numerator / (4.0 * n as f64 * (n - 1) as f64);
        Some((var / n as f64).sqrt())
    }
}

/// A run's random numbers.
struct Rng {
    inner: SplitMix64,
    bits: u64,
    left: u32,
}

impl Rng {
    fn new(seed: u64, run: u64) -> Rng {
        Rng {
            inner: SplitMix64::stream(seed, run),
            bits: 0,
            left: 0,
        }
    }

    /// Uniform in `0..n` (multiply-high).
    #[inline]
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.inner.next_u64()) * n as u128) >> 64) as usize
    }

    #[inline]
    fn coin(&mut self) -> bool {
        if self.left == 0 {
            self.bits = self.inner.next_u64();
            self.left = 64;
        }
        let bit = self.bits & 1 == 1;
        self.bits >>= 1;
        self.left -= 1;
        bit
    }
}

/// A score group: a contiguous range of [`Workspace::order`] whose models all hold the same
/// doubled points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Group {
    start: u32,
    points2: u32,
}

/// Per-thread buffers, reused by every run.
struct Workspace {
    /// Doubled points of every model.
    s2: Vec<u32>,
    /// The active models, sorted by points (highest first), so every score group is a range.
    order: Vec<u32>,
    /// The score groups of `order`, highest first.
    groups: Vec<Group>,
    /// The next round's `order` and `groups` while they are built.
    next: Vec<u32>,
    next_groups: Vec<Group>,
    /// Counting sort by points (used when the round's outcome does not keep `order` sorted).
    hist: Vec<u32>,
    start: Vec<u32>,
    /// A score group joined by a float.
    buf: Vec<u32>,
    /// Samples measured for both models of a sampled match.
    common: Vec<usize>,
}

impl Workspace {
    fn new(game: &Game) -> Workspace {
        let points = 2 * game.rounds + 1;
        let n = game.players.len();
        Workspace {
            s2: vec![0; game.models],
            order: Vec::with_capacity(n),
            groups: Vec::with_capacity(points),
            next: vec![0; n],
            next_groups: Vec::with_capacity(points),
            hist: vec![0; points],
            start: vec![0; points],
            buf: Vec::with_capacity(n + 1),
            common: Vec::new(),
        }
    }
}

/// The values of a match of round `r` between `a` and `b`: one random sample measured for
/// both, or the means when they share none.
#[cold]
fn sampled_values(
    game: &Game,
    r: usize,
    a: usize,
    b: usize,
    rng: &mut Rng,
    common: &mut Vec<usize>,
) -> Option<(f64, f64)> {
    let m = game.models;
    let samples = &game.samples[r];
    common.clear();
    common.extend(
        (0..samples.len() / m)
            .filter(|s| !samples[s * m + a].is_nan() && !samples[s * m + b].is_nan()),
    );
    if common.is_empty() {
        return None;
    }
    let s = common[rng.below(common.len())];
    Some((samples[s * m + a], samples[s * m + b]))
}

/// Permutes `group` so that its neighbours `(0, 1), (2, 3), …` form a uniformly random
/// perfect matching and, for an odd size, the last member is a uniformly random one.
///
/// The first unmatched member takes a uniformly random partner among the rest, which gives
/// every one of the (g − 1)!! matchings the same probability whatever the input order — so
/// the caller never needs to shuffle, and half as many draws are spent as a Fisher–Yates
/// shuffle would.
#[inline]
fn pair_up(group: &mut [u32], rng: &mut Rng) {
    let mut even = group.len();
    if even % 2 == 1 {
        group.swap(rng.below(even), even - 1);
        even -= 1;
    }
    let mut i = 0;
    while i + 2 < even {
        let partner = i + 1 + rng.below(even - i - 1);
        group.swap(i + 1, partner);
        i += 2;
    }
}

/// Whether `a` (value `va`) beats `b` (value `vb`) with coin ties. A coin bit is spent on
/// every match, tie or not, so the decision has no data-dependent branch.
#[inline(always)]
fn a_wins(va: f64, vb: f64, rng: &mut Rng) -> bool {
    let coin = rng.coin();
    (va > vb) | ((va == vb) & coin)
}

/// Adds the doubled points of one match under `tie`.
#[inline(always)]
fn award(tie: Tie, va: f64, vb: f64, a: usize, b: usize, s2: &mut [u32], rng: &mut Rng) {
    match tie {
        Tie::Half => {
            let (gt, lt) = (u32::from(va > vb), u32::from(vb > va));
            s2[a] += 1 + gt - lt;
            s2[b] += 1 + lt - gt;
        }
        Tie::Coin => {
            let win = u32::from(a_wins(va, vb, rng));
            s2[a] += 2 * win;
            s2[b] += 2 - 2 * win;
        }
    }
}

/// Sorts `order` by the points in `s2` (highest first) and rebuilds `groups`: a counting
/// sort over the doubled points, at most `top`.
fn sort_by_points(
    order: &mut [u32],
    groups: &mut Vec<Group>,
    s2: &[u32],
    top: usize,
    hist: &mut [u32],
    start: &mut [u32],
    next: &mut [u32],
) {
    let hist = &mut hist[..=top];
    hist.fill(0);
    for &p in order.iter() {
        hist[top - s2[p as usize] as usize] += 1;
    }
    groups.clear();
    let mut at = 0u32;
    for (key, (st, &h)) in start.iter_mut().zip(hist.iter()).enumerate() {
        *st = at;
        if h > 0 {
            groups.push(Group {
                start: at,
                points2: (top - key) as u32,
            });
        }
        at += h;
    }
    let next = &mut next[..order.len()];
    for &p in order.iter() {
        let slot = &mut start[top - s2[p as usize] as usize];
        next[*slot as usize] = p;
        *slot += 1;
    }
    order.copy_from_slice(next);
}

/// Plays one run into `ws.s2` (doubled points of every model), tracing rounds when asked.
///
/// `order` is kept sorted by points with its score groups in `groups`. Under coin ties with
/// byes (the defaults) a round's outcome keeps it sorted for free: a group's winners rise by
/// one point and stay above its losers and bye, which stay at or above the next group's
/// winners, so writing each group's winners, then its losers and bye, into the group's own
/// range gives the next round's order. Half-point ties and floats can overtake a neighbour
/// group, so those rules re-sort by points after the round.
fn play_run(
    game: &Game,
    rules: &Rules,
    rng: &mut Rng,
    ws: &mut Workspace,
    mut trace: Option<&mut Vec<RoundTrace>>,
) {
    let Workspace {
        s2,
        order,
        groups,
        next,
        next_groups,
        hist,
        start,
        buf,
        common,
    } = ws;
    let s2: &mut [u32] = s2;
    let m = game.models;
    let sampled = rules.matching == MatchRule::Sampled;
    let keeps_order = rules.tie == Tie::Coin && rules.odd == Odd::Bye;
    for &p in &game.players {
        s2[p as usize] = 0;
    }
    order.clear();
    order.extend_from_slice(&game.players);
    groups.clear();
    groups.push(Group {
        start: 0,
        points2: 0,
    });
    for r in 0..game.rounds {
        let n = order.len();
        let before: u64 = if trace.is_some() {
            order.iter().map(|&p| u64::from(s2[p as usize])).sum()
        } else {
            0
        };
        let vals = &game.value[r * m..(r + 1) * m];
        let values = |a: usize, b: usize, rng: &mut Rng, common: &mut Vec<usize>| {
            if sampled {
                sampled_values(game, r, a, b, rng, common).unwrap_or((vals[a], vals[b]))
            } else {
                (vals[a], vals[b])
            }
        };
        let (mut pairs, mut byes) = (0usize, 0usize);
        if keeps_order {
            next.resize(n, 0);
            // Groups are written branch-free: a group holding the previous one's points
            // overwrites the slot after it instead of taking a new one.
            next_groups.resize(n + 1, Group::default());
            let mut made = 0usize;
            let mut push = |start: usize, points2: u32| {
                let fresh = made == 0 || next_groups[made - 1].points2 != points2;
                next_groups[made] = Group {
                    start: start as u32,
                    points2,
                };
                made += usize::from(fresh);
            };
            for (gi, group) in groups.iter().enumerate() {
                let from = group.start as usize;
                let to = groups.get(gi + 1).map_or(n, |g| g.start as usize);
                if to - from == 1 {
                    // Most groups of a long tournament are singletons: a bye, nothing to draw.
                    next[from] = order[from];
                    byes += 1;
                    push(from, group.points2);
                    continue;
                }
                let members = &mut order[from..to];
                pair_up(members, rng);
                let half = members.len() / 2;
                let (winners, rest) = next[from..to].split_at_mut(half);
                for (k, pair) in members.chunks_exact(2).enumerate() {
                    let (a, b) = (pair[0], pair[1]);
                    let (va, vb) = values(a as usize, b as usize, rng, common);
                    let (w, l) = if a_wins(va, vb, rng) { (a, b) } else { (b, a) };
                    s2[w as usize] += 2;
                    winners[k] = w;
                    rest[k] = l;
                }
                if members.len() % 2 == 1 {
                    rest[half] = members[members.len() - 1];
                    byes += 1;
                }
                pairs += half;
                push(from, group.points2 + 2);
                push(from + half, group.points2);
            }
            next_groups.truncate(made);
            std::mem::swap(order, next);
            std::mem::swap(groups, next_groups);
        } else {
            let mut carry: Option<u32> = None;
            for (gi, group) in groups.iter().enumerate() {
                let from = group.start as usize;
                let to = groups.get(gi + 1).map_or(n, |g| g.start as usize);
                let members: &mut [u32] = match rules.odd {
                    Odd::Bye => &mut order[from..to],
                    Odd::Float => {
                        buf.clear();
                        buf.extend_from_slice(&order[from..to]);
                        buf.extend(carry.take());
                        buf
                    }
                };
                pair_up(members, rng);
                for pair in members.chunks_exact(2) {
                    let (a, b) = (pair[0] as usize, pair[1] as usize);
                    let (va, vb) = values(a, b, rng, common);
                    award(rules.tie, va, vb, a, b, s2, rng);
                }
                pairs += members.len() / 2;
                if members.len() % 2 == 1 {
                    match rules.odd {
                        Odd::Bye => byes += 1,
                        Odd::Float => carry = members.last().copied(),
                    }
                }
            }
            if carry.is_some() {
                byes += 1;
            }
            sort_by_points(order, groups, s2, 2 * (r + 1), hist, start, next);
        }
        let points = if trace.is_some() {
            order
                .iter()
                .map(|&p| u64::from(s2[p as usize]))
                .sum::<u64>()
                - before
        } else {
            0
        };
        // Elimination after the round, from the lowest group (the tail of `order`) upwards.
        let want = rules.eliminate.get(r).copied().unwrap_or(0) as usize;
        let mut left = want.min(n.saturating_sub(2));
        let eliminated = left;
        while left > 0 {
            let last = *groups.last().expect("an active group");
            let from = last.start as usize;
            let size = order.len() - from;
            if size <= left {
                order.truncate(from);
                groups.pop();
                left -= size;
            } else {
                // `left` uniformly random members of the lowest group move to its end.
                let end = order.len();
                for i in 0..left {
                    let pick = from + rng.below(size - i);
                    order.swap(pick, end - 1 - i);
                }
                order.truncate(end - left);
                left = 0;
            }
        }
        if let Some(t) = trace.as_deref_mut() {
            t.push(RoundTrace {
                active_before: n,
                pairs,
                byes,
                points2: points,
                eliminated,
                active_after: order.len(),
            });
        }
    }
}
/// Adds one finished run (in `ws.s2`) to `acc`.
fn account(game: &Game, rules: &Rules, ws: &mut Workspace, acc: &mut Totals) {
    let top = 2 * game.rounds;
    let hist = &mut ws.hist;
    hist[..=top].fill(0);
    for &p in &game.players {
        hist[ws.s2[p as usize] as usize] += 1;
    }
    // start[s] = number of players with more points than s.
    let mut above = 0u32;
    for s in (0..=top).rev() {
        ws.start[s] = above;
        above += hist[s];
    }
    let k = rules.top_k as u32;
    for &p in &game.players {
        let p = p as usize;
        let s = ws.s2[p] as usize;
        let (g, above) = (hist[s], ws.start[s]);
        let y = u64::from(ws.s2[p]);
        acc.points2[p] += y;
        acc.points2_sq[p] += y * y;
        if above == 0 {
            acc.first[p] += 1.0 / f64::from(g);
        }
        let inside = (above + g).min(k).saturating_sub(above);
        if inside > 0 {
            acc.top_k[p] += f64::from(inside) / f64::from(g);
        }
    }
    acc.runs += 1;
}

/// Plays run `run` of `seed` alone and returns its doubled points per model and its rounds.
pub fn trace_run(game: &Game, rules: &Rules, seed: u64, run: u64) -> (Vec<u32>, Vec<RoundTrace>) {
    let mut ws = Workspace::new(game);
    let mut rng = Rng::new(seed, run);
    let mut trace = Vec::with_capacity(game.rounds);
    play_run(game, rules, &mut rng, &mut ws, Some(&mut trace));
    (ws.s2, trace)
}

/// Ordered merge of chunk results.
struct Merger {
    next: usize,
    pending: BTreeMap<usize, Totals>,
    total: Totals,
}

/// Runs `runs` simulations of `seed` on `threads` threads (0 = available parallelism).
/// `poll(fraction done)` is called on the calling thread between its chunks; an error from it
/// stops the simulation and is returned.
pub fn simulate(
    game: &Game,
    rules: &Rules,
    runs: u64,
    seed: u64,
    threads: usize,
    poll: &mut dyn FnMut(f64) -> Result<(), MethodError>,
) -> Result<Totals, MethodError> {
    let chunks = runs.div_ceil(CHUNK as u64) as usize;
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        t => t,
    }
    .clamp(1, chunks.max(1));
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let merger = Mutex::new(Merger {
        next: 0,
        pending: BTreeMap::new(),
        total: Totals::zero(game.models),
    });
    let work = || -> Option<()> {
        let mut ws = Workspace::new(game);
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        let c = next.fetch_add(1, Ordering::Relaxed);
        if c >= chunks {
            return None;
        }
        let mut acc = Totals::zero(game.models);
        let end = ((c + 1) as u64 * CHUNK as u64).min(runs);
        for run in (c * CHUNK) as u64..end {
            let mut rng = Rng::new(seed, run);
            play_run(game, rules, &mut rng, &mut ws, None);
            account(game, rules, &mut ws, &mut acc);
        }
        let mut m = merger.lock().unwrap_or_else(|e| e.into_inner());
        m.pending.insert(c, acc);
        loop {
            let n = m.next;
            let Some(part) = m.pending.remove(&n) else {
                break;
            };
            m.total.merge(&part);
            m.next += 1;
        }
        done.fetch_add(1, Ordering::Relaxed);
        Some(())
    };
    let mut failure = None;
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(|| while work().is_some() {});
        }
        loop {
            let fraction = done.load(Ordering::Relaxed) as f64 / chunks.max(1) as f64;
            if let Err(e) = poll(fraction) {
                stop.store(true, Ordering::Relaxed);
                failure = Some(e);
                break;
            }
            if work().is_none() {
                break;
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    let m = merger.into_inner().unwrap_or_else(|e| e.into_inner());
    if m.total.runs != runs {
        return Err(MethodError::internal(format!(
            "simulation finished {} of {runs} runs",
            m.total.runs
        )));
    }
    Ok(m.total)
}
