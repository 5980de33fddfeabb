//! Helpers shared by the anchor plugin's tests: rows from 5-level verdicts, and the plugin.

#![allow(dead_code, unused_imports)]

pub use podium_plugin_api::abi::PodiumStatus;
pub use podium_plugin_api::testing::{
    BOTH_BAD, Call, ComparisonRow, Fixture, Plugin, TIE, WIN_A, WIN_B,
};
use podium_synth::SplitMix64;

/// The plugin under test.
pub fn plugin() -> Plugin {
    Plugin::new(podium_anchor::podium_plugin_v1)
}

/// A comparison of `a` (model_a) and `b` (model_b) on `sample` with the 5-level verdict
/// `level` from `a`'s side (+2 A>>B … −2 B>>A; 0 a tie) at time `t`.
pub fn game(a: u32, b: u32, sample: u32, level: i8, t: i64) -> ComparisonRow {
    let winner = match level.signum() {
        1 => WIN_A,
        -1 => WIN_B,
        _ => TIE,
    };
    ComparisonRow {
        sample,
        timestamp_ms: t,
        strength: match level.abs() {
            2 => 2.0,
            1 => 1.0,
            _ => f64::NAN,
        },
        ..ComparisonRow::new(a, b, winner)
    }
}

/// A standard logistic draw.
pub fn logistic(rng: &mut SplitMix64) -> f64 {
    let u = rng.uniform(1e-12, 1.0 - 1e-12);
    (u / (1.0 - u)).ln()
}

/// The 5-level verdict of a judge whose latent preference for model_a is `latent`: ties
/// within ±0.5, strong beyond ±2.
pub fn five_level(latent: f64) -> i8 {
    if latent > 2.0 {
        2
    } else if latent > 0.5 {
        1
    } else if latent >= -0.5 {
        0
    } else if latent >= -2.0 {
        -1
    } else {
        -2
    }
}

/// `n` models with strengths spread evenly over [−`spread`, `spread`] (model 0 the weakest),
/// every pair judged on `prompts` prompts twice with positions swapped, verdicts from
/// [`five_level`] of `s_a − s_b + logistic noise` (so P(a not worse) follows the
/// Bradley–Terry probability).
pub fn synthetic_pool(n: usize, spread: f64, prompts: u32, seed: u64) -> (Fixture, Vec<f64>) {
    let strengths: Vec<f64> = (0..n)
        .map(|i| -spread + 2.0 * spread * i as f64 / (n - 1) as f64)
        .collect();
    let mut data = Fixture::numbered(n, prompts as usize);
    let mut rng = SplitMix64::new(seed);
    let mut t = 0;
    for i in 0..n as u32 {
        for j in i + 1..n as u32 {
            for p in 0..prompts {
                for (a, b) in [(i, j), (j, i)] {
                    let latent = strengths[a as usize] - strengths[b as usize] + logistic(&mut rng);
                    t += 1;
                    data.push(game(a, b, p, five_level(latent), t));
                }
            }
        }
    }
    (data, strengths)
}

/// Asserts a failed call with `status` whose message starts with `prefix`.
#[track_caller]
pub fn assert_error(call: &Call, status: PodiumStatus, prefix: &str) {
    let (s, message) = call.error();
    assert_eq!(s, status, "{message}");
    assert!(
        message.starts_with(prefix),
        "expected a message starting with {prefix:?}, got {message:?}"
    );
}
