//! The CSD Monte Carlo engine (specification `shared/methods/swiss.md`, "Simulation").
//!
//! One run plays the benchmarks in order as Swiss rounds:
//! - **Pairing**: the active models are shuffled (Fisher–Yates) and then stably bucketed by
//!   their current points (highest group first), so every score group is in uniformly random
//!   order; neighbours inside a group are paired.
//! - **Odd group**: `bye` — the group's last model (a uniformly random member) sits out with
//!   0 points; `float` — it joins the next lower group at a uniformly random position (a
//!   random member of the joined group is moved to the end in exchange), and a float out of the
//!   lowest group gets the bye.
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
//! multiply-high map (bias below 2⁻⁵⁰; the shuffle takes two 32-bit draws per word, bias below n·2⁻³²), not a
//! rejection loop.

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

/// Per-thread buffers, reused by every run.
struct Workspace {
    s2: Vec<u32>,
    active: Vec<u32>,
    order: Vec<u32>,
    hist: Vec<u32>,
    start: Vec<u32>,
    buf: Vec<u32>,
    out: Vec<bool>,
    common: Vec<usize>,
    keys: Vec<u32>,
}

impl Workspace {
    fn new(game: &Game) -> Workspace {
        let groups = 2 * game.rounds + 2;
        Workspace {
            s2: vec![0; game.models],
            active: Vec::with_capacity(game.players.len()),
            order: vec![0; game.players.len()],
            hist: vec![0; groups],
            start: vec![0; groups],
            buf: Vec::with_capacity(game.players.len() + 1),
            out: vec![false; game.models],
            common: Vec::new(),
            keys: vec![0; game.players.len()],
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

/// Decides one match and adds the doubled points (branch-free except for a coin on a tie).
#[inline(always)]
fn play(tie: Tie, va: f64, vb: f64, a: usize, b: usize, s2: &mut [u32], rng: &mut Rng) {
    let (gt, lt) = (u32::from(va > vb), u32::from(vb > va));
    match tie {
        Tie::Half => {
            s2[a] += 1 + gt - lt;
            s2[b] += 1 + lt - gt;
        }
        Tie::Coin => {
            let win = if gt | lt == 0 {
                u32::from(rng.coin())
            } else {
                gt
            };
            s2[a] += 2 * win;
            s2[b] += 2 - 2 * win;
        }
    }
}

/// Plays one run into `ws.s2` (doubled points of every model), tracing rounds when asked.
fn play_run(
    game: &Game,
    rules: &Rules,
    rng: &mut Rng,
    ws: &mut Workspace,
    mut trace: Option<&mut Vec<RoundTrace>>,
) {
    let Workspace {
        s2,
        active,
        order,
        hist,
        start,
        buf,
        out,
        common,
        keys,
    } = ws;
    let s2: &mut [u32] = s2;
    let out: &mut [bool] = out;
    let hist: &mut [u32] = hist;
    let start: &mut [u32] = start;
    let m = game.models;
    let sampled = rules.matching == MatchRule::Sampled;
    let shift = usize::from(rules.tie == Tie::Coin);
    for &p in &game.players {
        s2[p as usize] = 0;
        out[p as usize] = false;
    }
    active.clear();
    active.extend_from_slice(&game.players);
    for r in 0..game.rounds {
        let n = active.len();
        {
            let act: &mut [u32] = active;
            // Fisher–Yates; each 64-bit word gives two 32-bit multiply-high draws.
            let mut i = n;
            while i > 2 {
                let word = rng.inner.next_u64();
                let j = (((word & 0xFFFF_FFFF) * i as u64) >> 32) as usize;
                act.swap(i - 1, j);
                let k = (((word >> 32) * (i - 1) as u64) >> 32) as usize;
                act.swap(i - 2, k);
                i -= 2;
            }
            if i == 2 {
                let j = rng.below(2);
                act.swap(1, j);
            }
        }
        // Stable bucketing by points, highest first: group g holds doubled points
        // top − (g << shift) (with coin ties every doubled score is even: shift 1).
        let top = 2 * r;
        let groups = (top >> shift) + 1;
        let hist = &mut hist[..groups];
        let start = &mut start[..groups];
        hist.fill(0);
        let keys = &mut keys[..n];
        for (key, &p) in keys.iter_mut().zip(active.iter()) {
            let g = ((top - s2[p as usize] as usize) >> shift) as u32;
            *key = g;
            hist[g as usize] += 1;
        }
        let mut at = 0u32;
        for (st, &h) in start.iter_mut().zip(hist.iter()) {
            *st = at;
            at += h;
        }
        let order = &mut order[..n];
        for (&g, &p) in keys.iter().zip(active.iter()) {
            let slot = &mut start[g as usize];
            order[*slot as usize] = p;
            *slot += 1;
        }
        let (mut pairs, mut byes) = (0usize, 0usize);
        let before: u64 = if trace.is_some() {
            active.iter().map(|&p| u64::from(s2[p as usize])).sum()
        } else {
            0
        };
        let vals = &game.value[r * m..(r + 1) * m];
        let tie = rules.tie;
        macro_rules! decide {
            ($a:expr, $b:expr, $s2:expr, $rng:expr) => {{
                let (a, b) = ($a as usize, $b as usize);
                let (va, vb) = if sampled {
                    sampled_values(game, r, a, b, $rng, common).unwrap_or((vals[a], vals[b]))
                } else {
                    (vals[a], vals[b])
                };
                play(tie, va, vb, a, b, $s2, $rng);
            }};
        }
        let mut carry: Option<u32> = None;
        // After the scatter, start[g] is the end of group g.
        let mut pos = 0usize;
        for &end in start.iter() {
            let end = end as usize;
            if end == pos {
                continue;
            }
            let group = &order[pos..end];
            pos = end;
            match rules.odd {
                Odd::Bye => {
                    for pair in group.chunks_exact(2) {
                        decide!(pair[0], pair[1], s2, rng);
                    }
                    pairs += group.len() / 2;
                    byes += group.len() % 2;
                }
                Odd::Float => {
                    buf.clear();
                    buf.extend_from_slice(group);
                    if let Some(f) = carry.take() {
                        buf.push(f);
                        let last = buf.len() - 1;
                        let j = rng.below(buf.len());
                        buf.swap(j, last);
                    }
                    for pair in buf.chunks_exact(2) {
                        decide!(pair[0], pair[1], s2, rng);
                    }
                    pairs += buf.len() / 2;
                    if buf.len() % 2 == 1 {
                        carry = buf.last().copied();
                    }
                }
            }
            if pos == n {
                break;
            }
        }
        if carry.is_some() {
            byes += 1;
        }
        let points = if trace.is_some() {
            active
                .iter()
                .map(|&p| u64::from(s2[p as usize]))
                .sum::<u64>()
                - before
        } else {
            0
        };
        // Elimination after the round.
        let want = rules.eliminate.get(r).copied().unwrap_or(0) as usize;
        let mut left = want.min(n.saturating_sub(2));
        let eliminated = left;
        let mut level = 0u32;
        while left > 0 {
            buf.clear();
            buf.extend(active.iter().copied().filter(|&p| s2[p as usize] == level));
            if buf.len() <= left {
                left -= buf.len();
                for &p in buf.iter() {
                    out[p as usize] = true;
                }
            } else {
                for i in 0..left {
                    let j = i + rng.below(buf.len() - i);
                    buf.swap(i, j);
                    out[buf[i] as usize] = true;
                }
                left = 0;
            }
            level += 1;
        }
        if eliminated > 0 {
            active.retain(|&p| !out[p as usize]);
        }
        if let Some(t) = trace.as_deref_mut() {
            t.push(RoundTrace {
                active_before: n,
                pairs,
                byes,
                points2: points,
                eliminated,
                active_after: active.len(),
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
