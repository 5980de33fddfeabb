//! The ONEBench synthetic experiment: 100 models × 1,000 samples from `podium-synth`, ranked by
//! the `onebench` method through its raw C entry, compared with the true order by Kendall's
//! τ-b. The paper reports τ ≈ 0.99 / 0.97 / 0.95 for dispersion d = 0.1 / 0.25 / 0.5; the
//! average over 5 seeds must lie within ±0.03 of those. Also printed (not asserted): τ at
//! 0 / 95 / 99 % of cells missing for d = 0.25, and the per-sample-noise variant.
//!
//! ```sh
//! cargo test -p podium-onebench --test synthetic -- --nocapture
//! ```

#![allow(unsafe_code)]

mod common;

use std::time::Instant;

use common::*;
use podium_synth::{NoiseScope, SynthSpec, generate, tau_vs_true_order};

const MODELS: usize = 100;
const SAMPLES: usize = 1000;
const SEEDS: u64 = 5;

/// τ of the method on the data of `spec`, and the number of models it scored.
fn tau(spec: &SynthSpec) -> (f64, usize) {
    let data = generate(spec);
    let mut f = Fixture::numbered(spec.models, spec.samples);
    for &(model, sample, value) in &data.values {
        f.push_measurement(model, sample, value);
    }
    let scores = f.run("{}").scores();
    let scored = scores.iter().filter(|s| s.is_some()).count();
    (tau_vs_true_order(&scores, &data.true_order), scored)
}

fn average_tau(dispersion: f64, noise: NoiseScope) -> f64 {
    let total: f64 = (0..SEEDS)
        .map(|seed| {
            tau(&SynthSpec {
                noise,
                ..SynthSpec::new(MODELS, SAMPLES, dispersion, seed)
            })
            .0
        })
        .sum();
    total / SEEDS as f64
}

#[test]
fn tau_against_the_true_order_matches_the_paper() {
    let started = Instant::now();
    println!("onebench on synthetic data, {MODELS} models × {SAMPLES} samples, {SEEDS} seeds:");
    println!("| d    | τ (σ per model) | paper | τ (σ per sample) |");
    println!("|------|-----------------|-------|------------------|");
    let mut failures = Vec::new();
    for (d, paper) in [(0.1, 0.99), (0.25, 0.97), (0.5, 0.95)] {
        let per_model = average_tau(d, NoiseScope::PerModel);
        let per_sample = average_tau(d, NoiseScope::PerSample);
        println!("| {d:<4} | {per_model:.4}          | {paper}  | {per_sample:.4}           |");
        if (per_model - paper).abs() > 0.03 {
            failures.push(format!("d = {d}: τ = {per_model:.4}, paper {paper}"));
        }
    }
    println!("(took {:.1} s)", started.elapsed().as_secs_f64());
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn tau_under_sparsity_is_printed_and_nothing_breaks() {
    println!("d = 0.25, σ per model, seed 0:");
    println!("| missing | τ      | models scored |");
    println!("|---------|--------|---------------|");
    for missing in [0.0, 0.95, 0.99] {
        let (t, scored) = tau(&SynthSpec {
            missing,
            ..SynthSpec::new(MODELS, SAMPLES, 0.25, 0)
        });
        println!("| {:>5.0} % | {t:.4} | {scored:>13} |", missing * 100.0);
        assert!(t.is_finite() && scored >= 2, "missing {missing}");
    }
}
