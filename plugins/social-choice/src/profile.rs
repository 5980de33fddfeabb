//! The profile: ballots from samples or benchmarks plus verdicts, folded in one pass per ballot
//! into the margin matrix and the positional (Plurality, Borda) points.

use podium_plugin_api::abi::{
    PODIUM_WINNER_BOTH_BAD, PODIUM_WINNER_MODEL_A, PODIUM_WINNER_MODEL_B, PODIUM_WINNER_TIE,
};
use podium_plugin_api::sdk::{Dataset, Host, MethodError};
use rustc_hash::FxHashMap;

use crate::params::Voters;
use crate::{CHECK_EVERY, MAX_CANDIDATES};

/// Everything the methods need, over the candidates (models with data).
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Dataset model index of each candidate, ordered by model name (then index): candidate
    /// order *is* the name order every tie-break uses.
    pub candidates: Vec<usize>,
    /// `k × k`, row-major: `margins[a * k + b]` = weighted ballots ranking a strictly above b
    /// minus those ranking b above a (only ballots that rank both). Antisymmetric, diagonal 0.
    pub margins: Vec<f64>,
    /// Plurality points: each ballot's weight split equally among its top-tied candidates.
    pub plurality: Vec<f64>,
    /// Borda points: per ballot, weight × (ranked candidates beaten + 0.5 × ranked candidates
    /// tied with).
    pub borda: Vec<f64>,
    /// Ballots from measurements (samples or benchmarks with at least one candidate).
    pub ballots: u64,
    /// Verdicts counted as two-candidate ballots (self-comparisons are skipped).
    pub comparison_ballots: u64,
    /// Every ballot itself, in the order folded (measurement ballots, then verdicts): only
    /// filled by [`build_keeping`] (empty from [`build`], so the other methods pay nothing).
    pub kept: Vec<KeptBallot>,
}

/// One ballot as kept for the multiwinner rules.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptBallot {
    /// The ballot's weight (1 for a sample or benchmark, the verdict's weight for a verdict).
    pub weight: f64,
    /// The ranked candidates best first (ties: candidate index ascending), each with its
    /// Borda-style utility on this ballot: ranked candidates it beats + 0.5 × ranked
    /// candidates it ties with. Equal utilities are exactly the tiers of the ballot.
    pub ranked: Vec<(u32, f64)>,
}

impl Profile {
    /// Number of candidates.
    pub fn size(&self) -> usize {
        self.candidates.len()
    }

    /// The margin of candidate `a` over candidate `b`.
    pub fn margin(&self, a: usize, b: usize) -> f64 {
        self.margins[a * self.size() + b]
    }
}

/// Accumulates ballots into a [`Profile`]'s matrices.
struct Tally {
    k: usize,
    margins: Vec<f64>,
    plurality: Vec<f64>,
    borda: Vec<f64>,
    /// Pair updates since the last cancellation poll.
    work: usize,
    /// The ballots themselves, when kept.
    kept: Option<Vec<KeptBallot>>,
}

impl Tally {
    /// Adds one ballot with weight `w`: `ballot` holds (candidate, value), higher is better;
    /// it is sorted here (value descending, then candidate).
    fn add(
        &mut self,
        host: &Host<'_>,
        ballot: &mut [(u32, f64)],
        w: f64,
    ) -> Result<(), MethodError> {
        ballot.sort_unstable_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        let s = ballot.len();
        let k = self.k;
        let mut kept = self.kept.as_ref().map(|_| Vec::with_capacity(s));
        let mut start = 0;
        while start < s {
            let mut end = start + 1;
            while end < s && ballot[end].1 == ballot[start].1 {
                end += 1;
            }
            let tied = (end - start - 1) as f64;
            let below = (s - end) as f64;
            for &(c, _) in &ballot[start..end] {
                let c = c as usize;
                self.borda[c] += w * (below + 0.5 * tied);
                if let Some(kept) = kept.as_mut() {
                    kept.push((c as u32, below + 0.5 * tied));
                }
                if start == 0 {
                    self.plurality[c] += w / (end - start) as f64;
                }
                for &(d, _) in &ballot[end..] {
                    let d = d as usize;
                    self.margins[c * k + d] += w;
                    self.margins[d * k + c] -= w;
                }
            }
            self.work += (end - start) * (s - end);
            start = end;
        }
        if let (Some(all), Some(ranked)) = (self.kept.as_mut(), kept) {
            all.push(KeptBallot { weight: w, ranked });
        }
        if self.work >= CHECK_EVERY {
            self.work = 0;
            host.check_cancelled()?;
        }
        Ok(())
    }
}

/// Builds the profile.
///
/// 1. Every measurement and verdict row is checked (indices in range, finite values, finite
///    positive weights, known winner codes; anything else is `INVALID_DATA` naming the row).
///    Candidates are the models with a measurement or a verdict against another model.
/// 2. Measurements are grouped by sample (counting sort, stable: a model with two rows on one
///    sample uses the later). With `voters` = samples each sample is a ballot of weight 1;
///    with `voters` = benchmarks each benchmark is a ballot of weight 1 ranking the models by
///    their mean value over the benchmark's samples they have values on.
/// 3. Every verdict is a two-candidate ballot with its weight: model_a → a ≻ b, model_b →
///    b ≻ a, tie and both_bad → a tie (no margin; half the Borda point and half the plurality
///    weight each).
///
/// Cancellation is polled every [`CHECK_EVERY`] rows or pair updates; progress runs from 0 to
/// `progress_to`.
pub fn build(
    host: &Host<'_>,
    data: &Dataset<'_>,
    voters: Voters,
    progress_to: f64,
) -> Result<Profile, MethodError> {
    build_with(host, data, voters, progress_to, false)
}

/// As [`build`], also keeping every ballot in [`Profile::kept`] (the multiwinner rules need
/// each ballot's order, not only the folded margins and points).
pub fn build_keeping(
    host: &Host<'_>,
    data: &Dataset<'_>,
    voters: Voters,
    progress_to: f64,
) -> Result<Profile, MethodError> {
    build_with(host, data, voters, progress_to, true)
}

fn build_with(
    host: &Host<'_>,
    data: &Dataset<'_>,
    voters: Voters,
    progress_to: f64,
    keep: bool,
) -> Result<Profile, MethodError> {
    let n = data.model_count();
    let m = data.measurements;
    let rows = m.values.len();
    if m.models.len() != rows || m.samples.len() != rows {
        return Err(MethodError::invalid_data(
            "the measurement columns have different lengths",
        ));
    }
    let c = data.comparisons;
    let verdicts = c.winners.len();
    if c.models_a.len() != verdicts
        || c.models_b.len() != verdicts
        || (!c.weights.is_empty() && c.weights.len() != verdicts)
    {
        return Err(MethodError::invalid_data(
            "the comparison columns have different lengths",
        ));
    }
    let samples = data.sample_count();
    let benchmarks = data.benchmark_count();
    let total = (3 * rows + verdicts).max(1) as f64;
    let report = |done: usize| host.progress(progress_to * (done as f64 / total));

    // Progress units: rows checked, verdicts checked, rows grouped, rows tallied.
    // Pass 1: check rows, mark candidates, count rows per sample.
    let mut present = vec![false; n];
    let mut per_sample = vec![0usize; samples + 1];
    for i in 0..rows {
        if i % CHECK_EVERY == 0 {
            host.check_cancelled()?;
            report(i);
        }
        let (model, sample, _) = data.check_measurement(i)?;
        if voters == Voters::Benchmarks {
            let bench = data
                .sample_benchmarks
                .get(sample)
                .copied()
                .unwrap_or(u32::MAX) as usize;
            if bench >= benchmarks {
                return Err(MethodError::invalid_data(format!(
                    "sample {sample} refers to benchmark {bench}, but there are {benchmarks} \
                     benchmarks"
                )));
            }
        }
        present[model] = true;
        per_sample[sample + 1] += 1;
    }
    for i in 0..verdicts {
        if i % CHECK_EVERY == 0 {
            host.check_cancelled()?;
            report(rows + i);
        }
        let (a, b) = (c.models_a[i] as usize, c.models_b[i] as usize);
        if a >= n || b >= n {
            return Err(MethodError::invalid_data(format!(
                "comparison {i} refers to model {}, but there are {n} models",
                a.max(b)
            )));
        }
        let weight = c.weights.get(i).copied().unwrap_or(1.0);
        if !(weight.is_finite() && weight > 0.0) {
            return Err(MethodError::invalid_data(format!(
                "comparison {i} has weight {weight}; weights must be finite and positive"
            )));
        }
        match c.winners[i] {
            PODIUM_WINNER_MODEL_A
            | PODIUM_WINNER_MODEL_B
            | PODIUM_WINNER_TIE
            | PODIUM_WINNER_BOTH_BAD => {}
            other => {
                return Err(MethodError::invalid_data(format!(
                    "comparison {i} has the unknown winner code {other}"
                )));
            }
        }
        if a != b {
            present[a] = true;
            present[b] = true;
        }
    }

    // Candidates in name order.
    let mut candidates: Vec<usize> = (0..n).filter(|&i| present[i]).collect();
    candidates.sort_by(|&x, &y| data.model_name(x).cmp(data.model_name(y)).then(x.cmp(&y)));
    let k = candidates.len();
    if k == 0 {
        return Err(MethodError::invalid_data(
            "no model has a measurement or a verdict against another model",
        ));
    }
    if k > MAX_CANDIDATES {
        return Err(MethodError::invalid_data(format!(
            "{k} models have data; these methods rank at most {MAX_CANDIDATES}"
        )));
    }
    let mut cand_of = vec![u32::MAX; n];
    for (ci, &model) in candidates.iter().enumerate() {
        cand_of[model] = ci as u32;
    }

    // Group measurement rows by sample (stable counting sort).
    for s in 0..samples {
        per_sample[s + 1] += per_sample[s];
    }
    let mut next = per_sample.clone();
    let mut grouped = vec![0usize; rows];
    for i in 0..rows {
        if i % CHECK_EVERY == 0 {
            host.check_cancelled()?;
            report(rows + verdicts + i);
        }
        let s = m.samples[i] as usize;
        grouped[next[s]] = i;
        next[s] += 1;
    }

    let mut tally = Tally {
        k,
        margins: vec![0.0; k * k],
        plurality: vec![0.0; k],
        borda: vec![0.0; k],
        work: 0,
        kept: keep.then(Vec::new),
    };
    let mut ballots = 0u64;
    // Position of each candidate in the current sample's ballot, stamped by sample.
    let mut slot = vec![(usize::MAX, 0usize); k];
    let mut ballot: Vec<(u32, f64)> = Vec::new();
    let mut bench_sums: FxHashMap<(u32, u32), (f64, u32)> = FxHashMap::default();
    let mut done_rows = 0usize;
    for s in 0..samples {
        let group = &grouped[per_sample[s]..per_sample[s + 1]];
        if group.is_empty() {
            continue;
        }
        ballot.clear();
        for &i in group {
            let cand = cand_of[m.models[i] as usize];
            let entry = &mut slot[cand as usize];
            if entry.0 == s {
                ballot[entry.1].1 = m.values[i];
            } else {
                *entry = (s, ballot.len());
                ballot.push((cand, m.values[i]));
            }
        }
        done_rows += group.len();
        if s % 256 == 0 {
            host.check_cancelled()?;
            report(2 * rows + verdicts + done_rows);
        }
        match voters {
            Voters::Samples => {
                tally.add(host, &mut ballot, 1.0)?;
                ballots += 1;
            }
            Voters::Benchmarks => {
                let bench = data.sample_benchmarks[s];
                for &(cand, value) in &ballot {
                    let e = bench_sums.entry((bench, cand)).or_insert((0.0, 0));
                    e.0 += value;
                    e.1 += 1;
                }
            }
        }
    }
    if voters == Voters::Benchmarks {
        let mut means: Vec<((u32, u32), f64)> = bench_sums
            .into_iter()
            .map(|(key, (sum, count))| (key, sum / f64::from(count)))
            .collect();
        means.sort_unstable_by_key(|&(key, _)| key);
        let mut start = 0;
        while start < means.len() {
            let bench = means[start].0.0;
            let mut end = start;
            ballot.clear();
            while end < means.len() && means[end].0.0 == bench {
                ballot.push((means[end].0.1, means[end].1));
                end += 1;
            }
            host.check_cancelled()?;
            tally.add(host, &mut ballot, 1.0)?;
            ballots += 1;
            start = end;
        }
    }

    let mut comparison_ballots = 0u64;
    for i in 0..verdicts {
        if i % CHECK_EVERY == 0 {
            host.check_cancelled()?;
        }
        let (a, b) = (c.models_a[i] as usize, c.models_b[i] as usize);
        if a == b {
            continue;
        }
        let w = c.weights.get(i).copied().unwrap_or(1.0);
        let (a, b) = (cand_of[a], cand_of[b]);
        let (va, vb) = match c.winners[i] {
            PODIUM_WINNER_MODEL_A => (1.0, 0.0),
            PODIUM_WINNER_MODEL_B => (0.0, 1.0),
            _ => (0.0, 0.0),
        };
        ballot.clear();
        ballot.push((a, va));
        ballot.push((b, vb));
        tally.add(host, &mut ballot, w)?;
        comparison_ballots += 1;
    }
    host.progress(progress_to);
    Ok(Profile {
        candidates,
        margins: tally.margins,
        plurality: tally.plurality,
        borda: tally.borda,
        ballots,
        comparison_ballots,
        kept: tally.kept.unwrap_or_default(),
    })
}
