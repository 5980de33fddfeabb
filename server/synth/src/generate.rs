//! The ONEBench synthetic generator.

use crate::rng::SplitMix64;

/// Whose noise level the dispersion draws: one standard deviation per model or per sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoiseScope {
    /// One σ_m ~ U(0, d) per model, as bethgelab/onebench's
    /// `generate_synthetic_measurements.py` does (`np.random.normal(means, stds)` with one
    /// `std` per model). This reproduces the paper's τ of about 0.99 / 0.97 / 0.95 for
    /// d = 0.1 / 0.25 / 0.5.
    #[default]
    PerModel,
    /// One σ_s ~ U(0, d) per sample, shared by every model on that sample. Samples then differ
    /// in how noisy they are, but a model is never noisier than another; τ comes out higher
    /// than the paper's (about 0.99 / 0.99 / 0.98).
    PerSample,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthSpec {
    /// Number of models.
    pub models: usize,
    /// Number of samples.
    pub samples: usize,
    /// The dispersion d: standard deviations are drawn from U(0, d).
    pub dispersion: f64,
    /// Fraction of the (model, sample) cells to drop, in `[0, 1]`: exactly
    /// `round(missing · models · samples)` cells, chosen uniformly at random.
    pub missing: f64,
    /// The seed; everything is a function of the spec.
    pub seed: u64,
    /// Probability, in `[0, 1]`, that a sample is binarised (ONEBench: 1/2).
    pub binarise_fraction: f64,
    /// Whose noise level the dispersion draws.
    pub noise: NoiseScope,
}

impl SynthSpec {
    /// The paper's setting for `models × samples` with dispersion `d`: nothing missing, half of
    /// the samples binarised, one noise level per model.
    pub fn new(models: usize, samples: usize, dispersion: f64, seed: u64) -> SynthSpec {
        SynthSpec {
            models,
            samples,
            dispersion,
            missing: 0.0,
            seed,
            binarise_fraction: 0.5,
            noise: NoiseScope::PerModel,
        }
    }
}

/// Generated data and its truth.
#[derive(Debug, Clone, PartialEq)]
pub struct Synthetic {
    /// Model indices, best (highest mean) first.
    pub true_order: Vec<u32>,
    /// The latent mean μ_m of each model.
    pub means: Vec<f64>,
    /// Which samples were binarised.
    pub binarised: Vec<bool>,
    /// The kept cells as `(model, sample, value)`, sample by sample, models ascending within a
    /// sample. Higher is better.
    pub values: Vec<(u32, u32, f64)>,
}

/// Mixes a seed with a stream number, so streams of one seed are unrelated sequences.
fn stream(seed: u64, stream: u64) -> SplitMix64 {
    SplitMix64::stream(seed, stream)
}

/// Generates the data of `spec`.
///
/// - Model means μ_m ~ U(0, 1); the true order sorts them descending (ties, which have
///   probability zero, by index).
/// - Standard deviations σ ~ U(0, d), per model or per sample ([`NoiseScope`]).
/// - Each cell's value is μ_m + σ·z with z standard normal (Box–Muller).
/// - Each sample is, with probability `binarise_fraction`, binarised: a threshold t is drawn
///   uniformly between the smallest and largest value of that sample (over all models, before
///   any cell is dropped; as the reference script does) and every value becomes 1 if it is
///   greater than t, else 0.
/// - Finally exactly `round(missing · models · samples)` cells are dropped, chosen uniformly
///   (a partial Fisher–Yates shuffle) from a stream of their own, so the values of the kept
///   cells do not depend on `missing`.
///
/// # Panics
/// When `dispersion` is negative or not finite, `missing` or `binarise_fraction` is outside
/// `[0, 1]`, or there are more than `u32::MAX` models or samples.
pub fn generate(spec: &SynthSpec) -> Synthetic {
    assert!(
        spec.dispersion.is_finite() && spec.dispersion >= 0.0,
        "dispersion must be finite and ≥ 0"
    );
    assert!(
        (0.0..=1.0).contains(&spec.missing),
        "missing must lie in [0, 1]"
    );
    assert!(
        (0.0..=1.0).contains(&spec.binarise_fraction),
        "binarise_fraction must lie in [0, 1]"
    );
    let (m, s) = (spec.models, spec.samples);
    assert!(
        u32::try_from(m).is_ok() && u32::try_from(s).is_ok(),
        "at most u32::MAX models and samples"
    );

    let mut rng = stream(spec.seed, 1);
    let means: Vec<f64> = (0..m).map(|_| rng.uniform(0.0, 1.0)).collect();
    let model_sd: Vec<f64> = match spec.noise {
        NoiseScope::PerModel => (0..m).map(|_| rng.uniform(0.0, spec.dispersion)).collect(),
        NoiseScope::PerSample => Vec::new(),
    };
    let mut true_order: Vec<u32> = (0..m as u32).collect();
    true_order.sort_by(|a, b| {
        means[*b as usize]
            .total_cmp(&means[*a as usize])
            .then(a.cmp(b))
    });

    // The full matrix, sample-major.
    let mut cells = vec![0.0_f64; m * s];
    let mut binarised = vec![false; s];
    for (sample, row) in cells.chunks_mut(m.max(1)).enumerate().take(s) {
        let sample_sd = match spec.noise {
            NoiseScope::PerSample => rng.uniform(0.0, spec.dispersion),
            NoiseScope::PerModel => 0.0,
        };
        for (model, value) in row.iter_mut().enumerate() {
            let sd = match spec.noise {
                NoiseScope::PerModel => model_sd[model],
                NoiseScope::PerSample => sample_sd,
            };
            *value = means[model] + sd * rng.next_normal();
        }
        if rng.next_f64() < spec.binarise_fraction {
            binarised[sample] = true;
            let low = row.iter().copied().fold(f64::INFINITY, f64::min);
            let high = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let threshold = rng.uniform(low, high);
            for value in row.iter_mut() {
                *value = if *value > threshold { 1.0 } else { 0.0 };
            }
        }
    }

    // Drop exactly round(missing · cells) cells: the first `drop` positions of a partial
    // Fisher–Yates shuffle of the cell indices.
    let total = m * s;
    let drop = ((spec.missing * total as f64).round() as usize).min(total);
    let mut kept = vec![true; total];
    if drop > 0 {
        let mut miss_rng = stream(spec.seed, 2);
        let mut index: Vec<u32> = (0..total as u64).map(|i| i as u32).collect();
        for i in 0..drop {
            let j = i + miss_rng.below((total - i) as u64) as usize;
            index.swap(i, j);
            kept[index[i] as usize] = false;
        }
    }

    let mut values = Vec::with_capacity(total - drop);
    for sample in 0..s {
        for model in 0..m {
            let cell = sample * m + model;
            if kept[cell] {
                values.push((model as u32, sample as u32, cells[cell]));
            }
        }
    }
    Synthetic {
        true_order,
        means,
        binarised,
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_spec_gives_the_same_data_and_another_seed_other_data() {
        let spec = SynthSpec::new(20, 50, 0.25, 3);
        assert_eq!(generate(&spec), generate(&spec));
        let other = generate(&SynthSpec {
            seed: 4,
            ..spec.clone()
        });
        assert_ne!(generate(&spec).means, other.means);
        let per_sample = SynthSpec {
            noise: NoiseScope::PerSample,
            ..spec.clone()
        };
        assert_eq!(generate(&per_sample), generate(&per_sample));
    }

    #[test]
    fn the_true_order_sorts_the_means_descending() {
        let data = generate(&SynthSpec::new(30, 1, 0.1, 11));
        assert_eq!(data.true_order.len(), 30);
        for pair in data.true_order.windows(2) {
            assert!(data.means[pair[0] as usize] > data.means[pair[1] as usize]);
        }
        assert!(data.means.iter().all(|mu| (0.0..1.0).contains(mu)));
    }

    #[test]
    fn the_missing_fraction_is_exact_and_only_removes_cells() {
        let full = generate(&SynthSpec::new(40, 100, 0.25, 9));
        assert_eq!(full.values.len(), 4000);
        for (missing, kept) in [(0.5, 2000), (0.95, 200), (0.99, 40), (1.0, 0)] {
            let sparse = generate(&SynthSpec {
                missing,
                ..SynthSpec::new(40, 100, 0.25, 9)
            });
            assert_eq!(sparse.values.len(), kept, "missing {missing}");
            // Same values as the full data, cell by cell.
            for (model, sample, value) in &sparse.values {
                let full_value = full.values[(*sample * 40 + *model) as usize];
                assert_eq!(full_value, (*model, *sample, *value));
            }
            assert_eq!(sparse.true_order, full.true_order);
        }
    }

    #[test]
    fn about_half_of_the_samples_are_binarised_to_zero_and_one() {
        let data = generate(&SynthSpec::new(10, 2000, 0.5, 5));
        let binarised = data.binarised.iter().filter(|b| **b).count();
        assert!((900..1100).contains(&binarised), "{binarised}");
        for (_, sample, value) in &data.values {
            if data.binarised[*sample as usize] {
                assert!(*value == 0.0 || *value == 1.0);
            }
        }
        // A binarised sample is split: the threshold lies between its extremes, so (with
        // probability one) the best value is 1 and the worst is 0.
        let none = generate(&SynthSpec {
            binarise_fraction: 0.0,
            ..SynthSpec::new(10, 200, 0.5, 5)
        });
        assert!(none.binarised.iter().all(|b| !b));
        let all = generate(&SynthSpec {
            binarise_fraction: 1.0,
            ..SynthSpec::new(10, 200, 0.5, 5)
        });
        for sample in 0..200u32 {
            let row: Vec<f64> = all
                .values
                .iter()
                .filter(|(_, s, _)| *s == sample)
                .map(|(_, _, v)| *v)
                .collect();
            assert!(row.contains(&0.0) && row.contains(&1.0), "sample {sample}");
        }
    }

    #[test]
    fn zero_dispersion_reproduces_the_means() {
        let data = generate(&SynthSpec {
            binarise_fraction: 0.0,
            ..SynthSpec::new(5, 3, 0.0, 1)
        });
        for (model, _, value) in &data.values {
            assert_eq!(*value, data.means[*model as usize]);
        }
    }
}
