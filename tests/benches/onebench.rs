//! ONEBench at scale: 100 models × 200,000 samples with 90 % of the cells missing (about two
//! million measurements, from the project's synthetic generator), ingested over HTTP into
//! PostgreSQL; then a **cold** `onebench` leaderboard (a fresh server process: SQL read,
//! dataset, W, ILSR) timed end to end. In the same run, the ILSR fit on the same W is timed in
//! Rust (`podium_onebench::ilsr::ilsr_dense`) and with choix 0.4.1's `ilsr_pairwise_dense`
//! (Python), and the ratio is printed with the largest difference in θ.
//!
//! ```text
//! cargo build --release -p podium-server -p podium-onebench
//! python3 -m venv /tmp/ref && /tmp/ref/bin/pip install -r scripts/reference/requirements.txt
//! PODIUM_REFERENCE_PYTHON=/tmp/ref/bin/python cargo bench -p podium-e2e --bench onebench
//! ```
//!
//! Without a Python that has choix the choix column is skipped (and says so).
//! `PODIUM_BENCH_SAMPLES` changes the number of samples. Run as a test (no `--bench`), it makes a
//! smoke run of 2,000 samples against the debug build.

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use podium_e2e::{Server, TestDb, create_token, measurement_line, workspace_root};
use podium_synth::{SynthSpec, generate};
use serde_json::json;

const MODELS: usize = 100;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> anyhow::Result<()> {
    let samples: usize = match std::env::var("PODIUM_BENCH_SAMPLES") {
        Ok(text) if !text.trim().is_empty() => {
            text.trim().parse().context("PODIUM_BENCH_SAMPLES")?
        }
        _ if !std::env::args().any(|a| a == "--bench") => 2_000,
        _ => 200_000,
    };
    let mut spec = SynthSpec::new(MODELS, samples, 0.25, 7);
    spec.missing = 0.9;
    let data = generate(&spec);
    let mut body = String::with_capacity(data.values.len() * 120);
    for &(model, sample, value) in &data.values {
        body += &measurement_line(
            "onebench-synth",
            &format!("m{model:03}"),
            &format!("s{sample:06}"),
            "score",
            value,
        );
        body.push('\n');
    }
    println!(
        "onebench benchmark: {MODELS} models × {samples} samples, 90 % missing → {} measurements ({:.0} MB NDJSON)",
        data.values.len(),
        body.len() as f64 / 1e6
    );

    let db = TestDb::postgres();
    let token = create_token(&db.url, "submit");
    {
        let server = Server::start(&db.url);
        let started = Instant::now();
        let answer = server.submit_ndjson(&token, body.as_bytes());
        ensure!(answer.status == 201, "ingest failed: {}", answer.text());
        println!("ingest over HTTP: {:.0} ms", ms(started.elapsed()));
    }

    // Cold: a fresh process, nothing cached.
    let server = Server::start(&db.url);
    let request =
        json!({"selection": {"benchmarks": ["onebench-synth"]}, "method": "onebench"}).to_string();
    let started = Instant::now();
    let answer = server.post(
        "/v1/leaderboards",
        None,
        "application/json",
        request.as_bytes(),
    );
    let cold = started.elapsed();
    ensure!(answer.status == 200, "leaderboard: {}", answer.text());
    let rows = answer.json["rows"].as_array().map_or(0, Vec::len);
    let compute_ms = answer.json["diagnostics"]["compute_ms"]
        .as_u64()
        .unwrap_or(0);
    let read_ms = server
        .stderr()
        .lines()
        .find(|l| l.contains("selection loaded"))
        .and_then(|l| {
            l.split_whitespace()
                .find_map(|w| w.strip_prefix("read_ms="))
        })
        .unwrap_or("?")
        .to_owned();
    for line in server
        .stderr()
        .lines()
        .filter(|l| l.contains("measurements read"))
    {
        println!(
            "  server: {}",
            line.split_once("measurements read")
                .map_or(line, |(_, rest)| rest)
                .trim()
        );
    }
    println!(
        "cold onebench leaderboard: {:.0} ms end to end ({rows} models ranked; SQL read {read_ms} ms, method {compute_ms} ms)",
        ms(cold)
    );
    let tau = podium_synth::tau_vs_true_order(
        &(0..MODELS)
            .map(|m| {
                answer.json["rows"].as_array().and_then(|rows| {
                    rows.iter()
                        .find(|r| r["model"] == format!("m{m:03}"))
                        .and_then(|r| r["score"].as_f64())
                })
            })
            .collect::<Vec<_>>(),
        &data.true_order,
    );
    println!("Kendall τ of the ranking vs the true order: {tau:.4}");

    // The same W for both fits: every sample's pairs, ties both ways (the canonical path).
    let mut by_sample: Vec<Vec<(u32, f64)>> = vec![Vec::new(); samples];
    for &(model, sample, value) in &data.values {
        by_sample[sample as usize].push((model, value));
    }
    let mut w = vec![0.0f64; MODELS * MODELS];
    for cell in &by_sample {
        for (i, &(a, va)) in cell.iter().enumerate() {
            for &(b, vb) in &cell[i + 1..] {
                let (a, b) = (a as usize, b as usize);
                if va >= vb {
                    w[a * MODELS + b] += 1.0;
                }
                if vb >= va {
                    w[b * MODELS + a] += 1.0;
                }
            }
        }
    }
    let mut ours = Vec::new();
    let mut theta = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let fit = podium_onebench::ilsr::ilsr_dense(&w, MODELS, 0.0, 100, 1e-8, &mut |_| Ok(()))
            .map_err(|e| anyhow::anyhow!("{}", e.message))?
            .map_err(|_| anyhow::anyhow!("no stationary distribution"))?;
        ours.push(started.elapsed());
        theta = fit.theta;
    }
    ours.sort();
    let ours = ours[1];
    println!("ILSR on W ({MODELS}×{MODELS}), podium: {:.2} ms", ms(ours));

    let python = std::env::var("PODIUM_REFERENCE_PYTHON").unwrap_or_else(|_| "python3".into());
    let dir = std::env::temp_dir().join(format!("podium-onebench-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("w.json");
    let rows_of_w: Vec<Vec<f64>> = w.chunks(MODELS).map(<[f64]>::to_vec).collect();
    std::fs::File::create(&file)?.write_all(
        json!({"W": rows_of_w, "alpha": 0.0, "max_iter": 100, "tol": 1e-8})
            .to_string()
            .as_bytes(),
    )?;
    let script = workspace_root().join("scripts/reference/time_ilsr.py");
    match Command::new(&python).arg(&script).arg(&file).output() {
        Ok(out) if out.status.success() => {
            let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
            let choix = report["seconds"].as_f64().unwrap_or(f64::NAN);
            let max_diff = report["theta"]
                .as_array()
                .map(|t| {
                    t.iter()
                        .zip(&theta)
                        .map(|(c, o)| (c.as_f64().unwrap_or(f64::NAN) - o).abs())
                        .fold(0.0, f64::max)
                })
                .unwrap_or(f64::NAN);
            println!(
                "ILSR on W, choix 0.4.1: {:.2} ms → choix / podium = {:.1}× (max |Δθ| = {max_diff:.1e})",
                choix * 1e3,
                choix / ours.as_secs_f64()
            );
        }
        Ok(out) => println!(
            "choix skipped: {python} could not run it ({}); set PODIUM_REFERENCE_PYTHON to a Python with scripts/reference/requirements.txt",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ),
        Err(e) => println!("choix skipped: cannot run {python}: {e}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
