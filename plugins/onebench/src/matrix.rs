//! Building W, the pairwise win matrix, from measurements and verdicts in one pass.

use podium_plugin_api::abi::{
    PODIUM_WINNER_BOTH_BAD, PODIUM_WINNER_MODEL_A, PODIUM_WINNER_MODEL_B, PODIUM_WINNER_TIE,
};
use podium_plugin_api::sdk::{Dataset, Device, Host, MethodError, RankedSamplesBuf};

use crate::params::{BothBad, OneBenchParams, Ties};
use crate::{CHECK_EVERY, MAX_MODELS};

/// W over the models that have rows, and what went into it.
#[derive(Debug, Clone, PartialEq)]
pub struct PairMatrix {
    /// The dataset index of each row/column of `w`, ascending: the models with at least one
    /// measurement or one counted verdict.
    pub models: Vec<usize>,
    /// `k × k`, row-major: `w[i * k + j]` is how much model `models[i]` beat `models[j]`
    /// (ties per the `ties` parameter). The diagonal is 0.
    pub w: Vec<f64>,
    /// Sample pairs counted: one per (sample, pair of models measured on it) that entered W.
    pub from_samples: u64,
    /// Verdicts counted (self-comparisons and ignored ties are not).
    pub from_judges: u64,
    /// Where the per-sample pairs were counted (the host's kernel may use a GPU).
    pub device: Device,
    /// The samples that entered W, ranked (for bootstrap replicates: the same samples with
    /// multiplicities).
    pub ranked: RankedSamplesBuf,
    /// The dataset sample of each ranked sample.
    pub ranked_sample: Vec<u32>,
    /// Every counted verdict: compact models a and b, what it added to W[a][b] and to
    /// W[b][a], and its sample.
    pub verdicts: Vec<CountedVerdict>,
}

/// A verdict as it entered W.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CountedVerdict {
    /// Compact index of model a.
    pub a: u32,
    /// Compact index of model b.
    pub b: u32,
    /// Added to W[a][b].
    pub to_ab: f64,
    /// Added to W[b][a].
    pub to_ba: f64,
    /// Its sample.
    pub sample: u32,
}

impl PairMatrix {
    /// Number of rows (and columns).
    pub fn size(&self) -> usize {
        self.models.len()
    }

    /// W of a bootstrap replicate in which dataset sample s counts `counts[s]` times (its
    /// values and its verdicts alike), restricted to the compact models `block`
    /// (row-major |block|²). The sample pairs go through the host's `pairwise_wins` kernel
    /// with the multiplicities, exactly as the full W did.
    pub fn replicate(
        &self,
        host: &Host<'_>,
        ties: Ties,
        counts: &[u32],
        block: &[usize],
    ) -> Result<Vec<f64>, MethodError> {
        let k = self.size();
        let weights: Vec<u32> = self
            .ranked_sample
            .iter()
            .map(|&s| counts[s as usize])
            .collect();
        let mut view = self.ranked.view();
        view.weights = Some(&weights);
        let (pairs, _) = host.pairwise_wins(&view, k)?;
        let tie = tie_increment(ties, 1.0).unwrap_or(0.0);
        let mut w: Vec<f64> = pairs
            .wins
            .iter()
            .zip(&pairs.ties)
            .map(|(&won, &tied)| f64::from(won) + tie * f64::from(tied))
            .collect();
        for v in &self.verdicts {
            let times = f64::from(counts.get(v.sample as usize).copied().unwrap_or(0));
            if times > 0.0 {
                w[v.a as usize * k + v.b as usize] += times * v.to_ab;
                w[v.b as usize * k + v.a as usize] += times * v.to_ba;
            }
        }
        let f = block.len();
        let mut out = vec![0.0; f * f];
        for (bi, &i) in block.iter().enumerate() {
            for (bj, &j) in block.iter().enumerate() {
                out[bi * f + bj] = w[i * k + j];
            }
        }
        Ok(out)
    }
}

/// What a verdict or an equal pair of values adds to `(W[a][b], W[b][a])`, or `None` when it
/// is dropped.
fn tie_increment(ties: Ties, weight: f64) -> Option<f64> {
    match ties {
        Ties::BothWays => Some(weight),
        Ties::Half => Some(0.5 * weight),
        Ties::Ignore => None,
    }
}

/// Builds W.
///
/// 1. One pass over each table checks every row (indices in range, finite values, positive
///    finite weights, known winner codes: anything else is `INVALID_DATA` naming the row),
///    marks the models that have rows and counts the measurements of each sample.
/// 2. A counting sort groups the measurement rows by sample (stable: within a sample, rows keep
///    their order, so when a model has two rows on one sample the later one is used).
/// 3. For each sample, every unordered pair of models measured on it adds one comparison:
///    `W[winner][loser] += 1`, or a tie per `ties` — counted by the host's `pairwise_wins`
///    kernel (exact integers, possibly on a GPU; the plugin's CPU twin on an ABI 1.0 host). Verdicts add their weight the same way;
///    `both_bad` counts as a tie unless `both_bad` is "ignore"; a model compared with itself is
///    skipped.
///
/// Cancellation is polled every [`CHECK_EVERY`] rows or pair comparisons; progress runs from 0
/// to `progress_to`.
pub fn build(
    host: &Host<'_>,
    data: &Dataset<'_>,
    params: &OneBenchParams,
    progress_to: f64,
) -> Result<PairMatrix, MethodError> {
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
    // Work units for progress: rows checked twice (check, group) plus verdicts.
    let total_rows = (2 * rows + 2 * verdicts).max(1) as f64;
    let report = |done: usize| host.progress(progress_to * 0.5 * (done as f64 / total_rows));

    // Pass 1: check rows, mark models, count measurements per sample.
    let mut present = vec![false; n];
    let mut per_sample = vec![0u32; samples + 1];
    for i in 0..rows {
        if i % CHECK_EVERY == 0 {
            host.check_cancelled()?;
            report(i);
        }
        let (model, sample, _) = data.check_measurement(i)?;
        present[model] = true;
        per_sample[sample + 1] += 1;
    }
    let both_bad_tie = params.both_bad == BothBad::Tie;
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
        // A host that leaves the weight column out means weight 1.
        let weight = c.weights.get(i).copied().unwrap_or(1.0);
        if !(weight.is_finite() && weight > 0.0) {
            return Err(MethodError::invalid_data(format!(
                "comparison {i} has weight {weight}; weights must be finite and positive"
            )));
        }
        let counted = match c.winners[i] {
            PODIUM_WINNER_MODEL_A | PODIUM_WINNER_MODEL_B => true,
            PODIUM_WINNER_TIE => params.ties != Ties::Ignore,
            PODIUM_WINNER_BOTH_BAD => both_bad_tie && params.ties != Ties::Ignore,
            other => {
                return Err(MethodError::invalid_data(format!(
                    "comparison {i} has winner code {other}, unknown to this plugin"
                )));
            }
        };
        if counted && a != b {
            present[a] = true;
            present[b] = true;
        }
    }

    // Compact indices for the models with rows.
    let models: Vec<usize> = (0..n).filter(|&i| present[i]).collect();
    let k = models.len();
    if k > MAX_MODELS {
        return Err(MethodError::invalid_data(format!(
            "{k} models have data; this method fits a dense {k}×{k} system and accepts at most \
             {MAX_MODELS} (narrow the selection)"
        )));
    }
    let mut compact = vec![u32::MAX; n];
    for (index, &model) in models.iter().enumerate() {
        compact[model] = index as u32;
    }
    let mut w = vec![0.0_f64; k * k];

    // Counting sort of the measurement rows by sample.
    for s in 0..samples {
        per_sample[s + 1] += per_sample[s];
    }
    let start = per_sample;
    let mut cursor: Vec<u32> = start[..samples].to_vec();
    let mut grouped = vec![0u32; rows];
    for i in 0..rows {
        if i % CHECK_EVERY == 0 {
            host.check_cancelled()?;
            report(rows + verdicts + i);
        }
        let slot = &mut cursor[m.samples[i] as usize];
        grouped[*slot as usize] = i as u32;
        *slot += 1;
    }
    drop(cursor);

    // Pairs within each sample: the samples go to the host's `pairwise_wins` kernel (a GPU
    // when the host has one), ranked here so that every comparison is decided exactly once.
    let mut ranked = RankedSamplesBuf::default();
    let mut ranked_sample = Vec::new();
    let mut seen_in = vec![usize::MAX; k]; // the sample where a model was last seen
    let mut slot_of = vec![0u32; k]; // its position in `entries` there
    let mut entries: Vec<(u32, f64)> = Vec::new();
    for s in 0..samples {
        if s % CHECK_EVERY == 0 {
            host.check_cancelled()?;
        }
        let (lo, hi) = (start[s] as usize, start[s + 1] as usize);
        if hi - lo < 2 {
            continue;
        }
        entries.clear();
        for &row in &grouped[lo..hi] {
            let row = row as usize;
            let model = compact[m.models[row] as usize] as usize;
            let value = m.values[row];
            if seen_in[model] == s {
                // Two rows of one model on one sample: the later one counts.
                entries[slot_of[model] as usize].1 = value;
            } else {
                seen_in[model] = s;
                slot_of[model] = entries.len() as u32;
                entries.push((model as u32, value));
            }
        }
        if entries.len() >= 2 {
            ranked.push_sample(&mut entries);
            ranked_sample.push(s as u32);
        }
    }
    let (counts, device) = host.pairwise_wins(&ranked.view(), k)?;
    let tie = tie_increment(params.ties, 1.0);
    let mut from_samples = 0u64;
    for a in 0..k {
        for b in 0..k {
            let cell = a * k + b;
            let wins = f64::from(counts.wins[cell]);
            w[cell] += wins + tie.map_or(0.0, |t| t * f64::from(counts.ties[cell]));
            from_samples += u64::from(counts.wins[cell]);
            if tie.is_some() && a < b {
                from_samples += u64::from(counts.ties[cell]);
            }
        }
    }
    host.progress(progress_to * 0.75);
    drop(grouped);

    // Verdicts.
    let mut from_judges = 0u64;
    let mut counted = Vec::new();
    for i in 0..verdicts {
        if i % CHECK_EVERY == 0 {
            host.check_cancelled()?;
        }
        let (a, b) = (c.models_a[i] as usize, c.models_b[i] as usize);
        if a == b {
            continue;
        }
        let (a, b) = (compact[a] as usize, compact[b] as usize);
        let weight = c.weights.get(i).copied().unwrap_or(1.0);
        let (to_ab, to_ba) = match c.winners[i] {
            PODIUM_WINNER_MODEL_A => (weight, 0.0),
            PODIUM_WINNER_MODEL_B => (0.0, weight),
            winner => {
                if winner == PODIUM_WINNER_BOTH_BAD && !both_bad_tie {
                    continue;
                }
                let Some(t) = tie_increment(params.ties, weight) else {
                    continue;
                };
                (t, t)
            }
        };
        w[a * k + b] += to_ab;
        w[b * k + a] += to_ba;
        counted.push(CountedVerdict {
            a: a as u32,
            b: b as u32,
            to_ab,
            to_ba,
            sample: c.samples.get(i).copied().unwrap_or(0),
        });
        from_judges += 1;
    }
    host.check_cancelled()?;
    host.progress(progress_to);
    Ok(PairMatrix {
        models,
        w,
        from_samples,
        from_judges,
        device,
        ranked,
        ranked_sample,
        verdicts: counted,
    })
}
