//! Social choice at scale: 1,000 models ranked from 1,000,000 sample ballots of about 10 models
//! each (10 million measurements), through the plugin's raw entry point as the server calls it.
//! Each call is timed twice and the faster run kept. `plurality` is timed as the cost of building the ballots and the margin matrix (it adds
//! almost nothing on top); Schulze, Copeland and Ranked Pairs are timed whole, and the sum
//! "margins once + the three rules" is printed.
//!
//! In the same run, pref_voting (Python) times its own Schulze (`beat_path`, Floyd–Warshall), Copeland
//! and Ranked Pairs on linear profiles of growing size until a size takes more than 60 s; the
//! largest size that finished is ranked here too, and the ratio is printed.
//!
//! ```text
//! python3 -m venv /tmp/refsc && /tmp/refsc/bin/pip install pref_voting==1.18.2
//! PODIUM_REFERENCE_PYTHON=/tmp/refsc/bin/python cargo bench -p podium-social-choice --bench scale
//! ```
//!
//! Without such a Python the pref_voting part is skipped (and says so). Run as a test (no
//! `--bench`) it makes a small smoke run.

#![allow(unsafe_code, dead_code, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{Fixture, SocialChoice};
use podium_synth::SplitMix64;

/// The faster of two runs (the first pays for cold caches and page faults).
fn timed(fixture: &Fixture, method: &str) -> Duration {
    (0..2)
        .map(|_| {
            let started = Instant::now();
            let call = fixture.run(method, "{}");
            let took = started.elapsed();
            assert_eq!(
                call.status,
                podium_plugin_api::abi::PodiumStatus::Ok,
                "{method}: {:?}",
                call.error()
            );
            took
        })
        .min()
        .unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `models` candidates with latent abilities; each sample ballot scores `per_ballot` random
/// distinct models by ability plus noise.
fn sample_ballots(models: usize, ballots: usize, per_ballot: usize, seed: u64) -> Fixture {
    let mut rng = SplitMix64::stream(seed, 0);
    let ability: Vec<f64> = (0..models).map(|_| rng.next_normal()).collect();
    let mut fixture = Fixture::numbered(models, ballots);
    let mut chosen = Vec::with_capacity(per_ballot);
    for sample in 0..ballots as u32 {
        chosen.clear();
        while chosen.len() < per_ballot.min(models) {
            let m = rng.below(models as u64) as u32;
            if !chosen.contains(&m) {
                chosen.push(m);
            }
        }
        for &m in &chosen {
            let value = ability[m as usize] + 1.5 * rng.next_normal();
            fixture.push_measurement(m, sample, value);
        }
    }
    fixture
}

/// The rules on one fixture: (margins, schulze, copeland, ranked_pairs, total).
fn run_rules(fixture: &Fixture) -> [Duration; 5] {
    let margins = timed(fixture, "plurality");
    let rules = ["schulze", "copeland", "ranked_pairs"].map(|m| timed(fixture, m));
    let extra: Duration = rules.iter().map(|t| t.saturating_sub(margins)).sum();
    [margins, rules[0], rules[1], rules[2], margins + extra]
}

fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let (models, ballots) = if smoke {
        (100, 10_000)
    } else {
        (1_000, 1_000_000)
    };
    let started = Instant::now();
    let fixture = sample_ballots(models, ballots, 10, 1);
    println!(
        "social-choice benchmark: {models} models, {ballots} sample ballots of 10 ({} measurements; built in {:.1} s)",
        fixture.m_values.len(),
        started.elapsed().as_secs_f64()
    );
    let [margins, schulze, copeland, ranked_pairs, total] = run_rules(&fixture);
    println!("ballots + margins (plurality run)   {:9.1} ms", ms(margins));
    println!("schulze  (incl. margins)            {:9.1} ms", ms(schulze));
    println!(
        "copeland (incl. margins)            {:9.1} ms",
        ms(copeland)
    );
    println!(
        "ranked_pairs (incl. margins)        {:9.1} ms",
        ms(ranked_pairs)
    );
    println!("margins once + the three rules      {:9.1} ms", ms(total));

    let python = std::env::var("PODIUM_REFERENCE_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scripts/reference/time_social_choice.py");
    let dir = std::env::temp_dir().join(format!("podium-sc-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let ladder: &[(usize, usize)] = if smoke {
        &[(5, 100)]
    } else {
        &[
            (10, 1_000),
            (20, 10_000),
            (40, 20_000),
            (60, 50_000),
            (100, 100_000),
            (200, 100_000),
        ]
    };
    let mut largest: Option<((usize, usize), f64, std::path::PathBuf)> = None;
    for &(n, voters) in ladder {
        let file = dir.join(format!("profile-{n}-{voters}.json"));
        // coreutils `timeout` stops a size that would run past the 60 s budget.
        let output = Command::new("timeout")
            .arg("60")
            .arg(&python)
            .arg(&script)
            .args([n.to_string(), voters.to_string(), "7".into()])
            .arg(&file)
            .output();
        match output {
            Ok(out) if out.status.success() => {
                let report: serde_json::Value =
                    serde_json::from_slice(&out.stdout).unwrap_or_default();
                let seconds = report["seconds"].as_f64().unwrap_or(f64::NAN);
                println!(
                    "pref_voting {n} candidates × {voters} linear ballots: {:.2} s ({report})",
                    seconds
                );
                if seconds > 60.0 {
                    break;
                }
                largest = Some(((n, voters), seconds, file));
            }
            Ok(out) if out.status.code() == Some(124) => {
                println!(
                    "pref_voting {n} candidates × {voters} linear ballots: over 60 s (stopped)"
                );
                break;
            }
            Ok(out) => {
                println!(
                    "pref_voting skipped: {python} could not run it ({}); set PODIUM_REFERENCE_PYTHON",
                    String::from_utf8_lossy(&out.stderr)
                        .lines()
                        .last()
                        .unwrap_or("")
                );
                break;
            }
            Err(e) => {
                println!("pref_voting skipped: cannot run {python}: {e}");
                break;
            }
        }
    }
    if let Some(((n, voters), seconds, file)) = largest {
        let profile: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap_or_default())
                .unwrap_or_default();
        let mut same = Fixture::numbered(n, voters);
        for (sample, ranking) in profile["rankings"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let ranking = ranking.as_array().cloned().unwrap_or_default();
            let len = ranking.len();
            for (position, candidate) in ranking.iter().enumerate() {
                let c = candidate.as_u64().unwrap_or(0) as u32;
                same.push_measurement(c, sample as u32, (len - position) as f64);
            }
        }
        let [_, _, _, _, ours] = run_rules(&same);
        println!(
            "same profile ({n} × {voters}): podium {:.1} ms, pref_voting {:.1} ms → pref_voting / podium = {:.0}×",
            ms(ours),
            seconds * 1e3,
            seconds / ours.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
