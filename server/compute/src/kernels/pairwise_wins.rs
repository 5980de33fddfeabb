//! Kernel `pairwise_wins`: tie-aware pairwise win counts from per-sample scores — the
//! O(Σ k²) step of ONEBench, social choice and score-based payoff matrices.
//!
//! **Contract.** Input: samples in CSR form — sample s holds the entries
//! `offsets[s]..offsets[s + 1]` of `models` and `ranks` — and an optional multiplicity per
//! sample (bootstrap replicates). A rank orders the models *within* its sample (higher is
//! better; equal ranks are a tie); [`RankedSamplesBuf::from_values`] turns per-sample values
//! into ranks, so every comparison is decided once, exactly, in f64 on the CPU. Output, for
//! i ≠ j over the samples measuring both: `wins[i·n + j]` = Σ multiplicity · [rank_i > rank_j]
//! and `ties[i·n + j]` = Σ multiplicity · [rank_i = rank_j] (u32; the diagonal is 0).
//!
//! **Precision.** Exact on every implementation: integers in, integers out, and the total
//! multiplicity is checked to fit a u32 — so the GPU result equals the CPU twin's bit for bit.

use crate::ComputeError;

/// Borrowed samples in CSR form (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct RankedSamples<'a> {
    /// `sample_count + 1` ascending offsets into `models` and `ranks`, from 0.
    pub offsets: &'a [u32],
    /// Model index of each entry (`< n`, at most once per sample).
    pub models: &'a [u32],
    /// Rank of each entry within its sample (higher is better).
    pub ranks: &'a [u32],
    /// Multiplicity of each sample; `None` = all 1.
    pub weights: Option<&'a [u32]>,
}

/// Owned samples in CSR form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RankedSamplesBuf {
    /// See [`RankedSamples::offsets`].
    pub offsets: Vec<u32>,
    /// See [`RankedSamples::models`].
    pub models: Vec<u32>,
    /// See [`RankedSamples::ranks`].
    pub ranks: Vec<u32>,
    /// See [`RankedSamples::weights`].
    pub weights: Option<Vec<u32>>,
}

impl RankedSamplesBuf {
    /// Ranks per-sample values: equal values share a rank, a higher value has a higher rank.
    /// `samples[s]` lists (model, value) of sample s.
    pub fn from_values(samples: &[Vec<(u32, f64)>]) -> RankedSamplesBuf {
        let mut out = RankedSamplesBuf::default();
        let mut scratch = Vec::new();
        for sample in samples {
            scratch.clear();
            scratch.extend_from_slice(sample);
            out.push_sample(&mut scratch);
        }
        out
    }

    /// Appends one sample given as (model, value) pairs (reordered in place): equal values
    /// share a rank, a higher value has a higher rank.
    pub fn push_sample(&mut self, entries: &mut [(u32, f64)]) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        entries.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut rank = 0u32;
        for k in 0..entries.len() {
            if k > 0 && entries[k].1 != entries[k - 1].1 {
                rank += 1;
            }
            self.models.push(entries[k].0);
            self.ranks.push(rank);
        }
        self.offsets.push(self.models.len() as u32);
    }

    /// Number of samples.
    pub fn sample_count(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The borrowed view.
    pub fn view(&self) -> RankedSamples<'_> {
        RankedSamples {
            offsets: if self.offsets.is_empty() {
                &[0]
            } else {
                &self.offsets
            },
            models: &self.models,
            ranks: &self.ranks,
            weights: self.weights.as_deref(),
        }
    }
}

impl RankedSamples<'_> {
    /// Number of samples.
    pub fn sample_count(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Entries of sample `s`: (model, rank).
    pub fn entries(&self, s: usize) -> impl Iterator<Item = (u32, u32)> + '_ {
        let (from, to) = (self.offsets[s] as usize, self.offsets[s + 1] as usize);
        self.models[from..to]
            .iter()
            .copied()
            .zip(self.ranks[from..to].iter().copied())
    }

    /// Multiplicity of sample `s`.
    pub fn weight(&self, s: usize) -> u32 {
        self.weights.map_or(1, |w| w[s])
    }

    /// Checks the contract for `n` models: CSR shape, model indices, one entry per model and
    /// sample, total multiplicity within u32. Returns Σ k² (the work of the CPU twin).
    pub fn validate(&self, n: usize) -> Result<u64, ComputeError> {
        let bad = |what: String| Err(ComputeError::InvalidInput(what));
        if self.offsets.first() != Some(&0) {
            return bad("offsets must start at 0".into());
        }
        if self.models.len() != self.ranks.len() {
            return bad(format!(
                "{} models but {} ranks",
                self.models.len(),
                self.ranks.len()
            ));
        }
        if *self.offsets.last().expect("non-empty") as usize != self.models.len() {
            return bad("the last offset must equal the number of entries".into());
        }
        let samples = self.sample_count();
        if let Some(w) = self.weights
            && w.len() != samples
        {
            return bad(format!("{} weights for {samples} samples", w.len()));
        }
        let mut total: u64 = 0;
        let mut work: u64 = 0;
        let mut seen = vec![u32::MAX; n];
        for s in 0..samples {
            if self.offsets[s + 1] < self.offsets[s] {
                return bad(format!("offsets decrease at sample {s}"));
            }
            let k = u64::from(self.offsets[s + 1] - self.offsets[s]);
            work += k * k;
            for (m, _) in self.entries(s) {
                let m = m as usize;
                if m >= n {
                    return bad(format!("sample {s} names model {m}, but there are {n}"));
                }
                if seen[m] == s as u32 {
                    return bad(format!("sample {s} lists model {m} twice"));
                }
                seen[m] = s as u32;
            }
            total += u64::from(self.weight(s));
        }
        if total > u64::from(u32::MAX) {
            return bad(format!(
                "total multiplicity {total} does not fit the u32 counts"
            ));
        }
        Ok(work)
    }
}

/// Win and tie counts among `n` models (row-major n × n).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairCounts {
    /// Number of models.
    pub n: usize,
    /// `wins[i·n + j]`: how often i ranked above j.
    pub wins: Vec<u32>,
    /// `ties[i·n + j]`: how often i and j ranked equal (symmetric).
    pub ties: Vec<u32>,
}

/// Below this much work (Σ k²) the CPU twin stays on one thread.
const PARALLEL_WORK: u64 = 1 << 20;

fn accumulate(
    samples: &RankedSamples<'_>,
    range: std::ops::Range<usize>,
    n: usize,
    out: &mut PairCounts,
) {
    let mut entries: Vec<(u32, u32)> = Vec::new();
    for s in range {
        let w = samples.weight(s);
        if w == 0 {
            continue;
        }
        entries.clear();
        entries.extend(samples.entries(s));
        for &(i, ri) in &entries {
            let row = i as usize * n;
            for &(j, rj) in &entries {
                let cell = row + j as usize;
                out.wins[cell] += w * u32::from(ri > rj);
                out.ties[cell] += w * u32::from(ri == rj && i != j);
            }
        }
    }
}

/// The CPU twin of `pairwise_wins` (threads over samples for large inputs).
pub fn pairwise_wins(samples: &RankedSamples<'_>, n: usize) -> Result<PairCounts, ComputeError> {
    let work = samples.validate(n)?;
    let zero = || PairCounts {
        n,
        wins: vec![0; n * n],
        ties: vec![0; n * n],
    };
    let count = samples.sample_count();
    let threads = if work < PARALLEL_WORK {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |t| t.get())
    };
    if threads <= 1 || count < 2 {
        let mut out = zero();
        accumulate(samples, 0..count, n, &mut out);
        return Ok(out);
    }
    let per = count.div_ceil(threads);
    let parts: Vec<PairCounts> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let range = (t * per).min(count)..((t + 1) * per).min(count);
                scope.spawn(move || {
                    let mut part = zero();
                    accumulate(samples, range, n, &mut part);
                    part
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a counting thread panicked"))
            .collect()
    });
    let mut out = zero();
    for part in parts {
        for (a, b) in out.wins.iter_mut().zip(&part.wins) {
            *a += b;
        }
        for (a, b) in out.ties.iter_mut().zip(&part.ties) {
            *a += b;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_wins_and_ties_per_sample() {
        // s0: m0 0.9, m1 0.5, m2 0.5; s1: m0 0.1, m1 0.7.
        let buf = RankedSamplesBuf::from_values(&[
            vec![(0, 0.9), (1, 0.5), (2, 0.5)],
            vec![(0, 0.1), (1, 0.7)],
        ]);
        let c = pairwise_wins(&buf.view(), 3).unwrap();
        assert_eq!(c.wins, vec![0, 1, 1, 1, 0, 0, 0, 0, 0]);
        assert_eq!(c.ties, vec![0, 0, 0, 0, 0, 1, 0, 1, 0]);
        let mut weighted = buf.clone();
        weighted.weights = Some(vec![3, 0]);
        let c = pairwise_wins(&weighted.view(), 3).unwrap();
        assert_eq!(c.wins, vec![0, 3, 3, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn threads_do_not_change_the_counts() {
        let mut rng = podium_synth::SplitMix64::stream(1, 0);
        let samples: Vec<Vec<(u32, f64)>> = (0..3000)
            .map(|_| {
                let mut sample = Vec::new();
                for m in 0..40u32 {
                    if rng.next_f64() < 0.7 {
                        sample.push((m, rng.below(5) as f64));
                    }
                }
                sample
            })
            .collect();
        let buf = RankedSamplesBuf::from_values(&samples);
        let parallel = pairwise_wins(&buf.view(), 40).unwrap();
        let mut single = PairCounts {
            n: 40,
            wins: vec![0; 1600],
            ties: vec![0; 1600],
        };
        accumulate(&buf.view(), 0..samples.len(), 40, &mut single);
        assert_eq!(parallel, single);
    }

    #[test]
    fn broken_input_is_named() {
        let buf = RankedSamplesBuf {
            offsets: vec![0, 2],
            models: vec![1, 1],
            ranks: vec![0, 1],
            weights: None,
        };
        let e = pairwise_wins(&buf.view(), 3).unwrap_err();
        assert!(e.to_string().contains("lists model 1 twice"), "{e}");
        let e = pairwise_wins(&buf.view(), 1).unwrap_err();
        assert!(e.to_string().contains("names model 1"), "{e}");
    }
}
