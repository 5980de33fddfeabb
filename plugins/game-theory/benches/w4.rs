//! Benchmark W4: α-Rank on 1,000 models (α = 100, m = 50), next to OpenSpiel's
//! `alpharank.compute` on the same payoffs in the same run. Goal: ≥ 20× faster.
//!
//! ```text
//! PODIUM_REFERENCE_PYTHON=/tmp/refgt/bin/python cargo bench -p podium-game-theory --bench w4
//! ```
//!
//! `PODIUM_REFERENCE_PYTHON` is a Python with open_spiel installed (see
//! `scripts/reference/requirements.txt`; default `python3`, and without open_spiel the
//! OpenSpiel side is reported as skipped). Podium's time is the median of 3 of the kernel
//! (transition matrix + exact GTH solve on all cores) and, separately, of the whole plugin call
//! from 1,000,000 weighted verdicts. Without `--bench` (as a test) it is a smoke run on 100
//! models.

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use podium_game_theory::alpharank::{self, SolveOptions};
use podium_plugin_api::abi::{PODIUM_WINNER_MODEL_A, PODIUM_WINNER_MODEL_B};
use podium_plugin_api::sdk::Host;
use podium_plugin_api::testing::{Fixture, Plugin};
use podium_synth::SplitMix64;

/// Bradley–Terry-like constant-sum payoffs with antisymmetric noise.
fn payoffs(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64::stream(seed, 0);
    let strength: Vec<f64> = (0..n).map(|_| rng.next_normal()).collect();
    let mut m = vec![0.5; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let x = strength[i] - strength[j] + 0.5 * rng.next_normal();
            let p = 1.0 / (1.0 + (-x).exp());
            m[i * n + j] = p;
            m[j * n + i] = 1.0 - p;
        }
    }
    m
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() -> std::io::Result<()> {
    let full = std::env::args().any(|a| a == "--bench");
    let n = if full { 1000 } else { 100 };
    let payoff = payoffs(n, 4);
    let options = SolveOptions::default();
    let mut pi = Vec::new();
    let mut closed = 0;
    let kernel = median(
        (0..3)
            .map(|_| {
                let started = Instant::now();
                let s = alpharank::alpha_rank(&payoff, n, 100.0, 50.0, &options, &Host::detached())
                    .expect("alpha-rank");
                let t = started.elapsed();
                pi = s.pi;
                closed = s.closed.len();
                t
            })
            .collect(),
    );
    // At α = 0.1 no transition underflows: the exact solve runs on all n models.
    let mut closed_small_alpha = 0;
    let everyone = median(
        (0..3)
            .map(|_| {
                let started = Instant::now();
                let s = alpharank::alpha_rank(&payoff, n, 0.1, 50.0, &options, &Host::detached())
                    .expect("alpha-rank");
                closed_small_alpha = s.closed.len();
                started.elapsed()
            })
            .collect(),
    );
    // The same payoffs as weighted verdicts: per pair one win each way, weighted P and 1 − P.
    let mut data = Fixture::numbered(n, 1);
    for i in 0..n {
        for j in i + 1..n {
            let p = payoff[i * n + j];
            data.push_comparison(i as u32, j as u32, PODIUM_WINNER_MODEL_A, p);
            data.push_comparison(i as u32, j as u32, PODIUM_WINNER_MODEL_B, 1.0 - p);
        }
    }
    let plugin = Plugin::new(podium_game_theory::podium_plugin_v1);
    let call_time = median(
        (0..3)
            .map(|_| {
                let started = Instant::now();
                let call = plugin.run("alpha-rank", &data, "{}");
                let t = started.elapsed();
                call.assert_ok();
                t
            })
            .collect(),
    );
    println!(
        "W4 alpha-rank, {n} models, alpha 100, m 50: podium kernel {:.1} ms (transition matrix + GTH on the closed class of {closed}), plugin call from {} verdicts {:.1} ms",
        kernel.as_secs_f64() * 1e3,
        data.comparisons.len(),
        call_time.as_secs_f64() * 1e3
    );
    println!(
        "W4 alpha-rank, {n} models, alpha 0.1: podium kernel {:.1} ms (GTH on all {closed_small_alpha})",
        everyone.as_secs_f64() * 1e3
    );
    if !full {
        println!("(smoke run; `cargo bench` for 1,000 models and OpenSpiel)");
        return Ok(());
    }
    let path = std::env::temp_dir().join(format!("podium-w4-{}.txt", std::process::id()));
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        for row in payoff.chunks_exact(n) {
            let line: Vec<String> = row.iter().map(|v| format!("{v:e}")).collect();
            writeln!(file, "{}", line.join(" "))?;
        }
    }
    let python = std::env::var("PODIUM_REFERENCE_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scripts/reference/time_alpharank.py");
    let output = Command::new(&python).arg(&script).arg(&path).output();
    std::fs::remove_file(&path).ok();
    let reference: serde_json::Value = match output {
        Ok(o) if o.status.success() => serde_json::from_slice(&o.stdout).unwrap_or_default(),
        Ok(o) => {
            let stderr = String::from_utf8_lossy(&o.stderr);
            println!(
                "OpenSpiel: skipped ({python} failed: {})",
                stderr.lines().last().unwrap_or("")
            );
            return Ok(());
        }
        Err(e) => {
            println!("OpenSpiel: skipped ({python}: {e})");
            return Ok(());
        }
    };
    let Some(seconds) = reference["seconds"].as_f64() else {
        println!("OpenSpiel: no timing ({reference})");
        return Ok(());
    };
    let agreement = reference["pi"].as_array().map_or(f64::NAN, |values| {
        values
            .iter()
            .zip(&pi)
            .map(|(v, p)| (v.as_f64().unwrap_or(f64::NAN) - p).abs())
            .fold(0.0, f64::max)
    });
    println!(
        "OpenSpiel {} alpharank.compute: {:.1} ms = {:.1}x the podium kernel, {:.1}x the podium plugin call; max |pi podium - pi OpenSpiel| = {agreement:.1e}",
        reference["open_spiel"].as_str().unwrap_or("?"),
        seconds * 1e3,
        seconds / kernel.as_secs_f64(),
        seconds / call_time.as_secs_f64(),
    );
    Ok(())
}
