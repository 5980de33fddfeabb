//! Benchmark W1: Bradley–Terry on 1,000,000 comparisons among 200 models, from the release
//! server's in-memory data, next to evalica and choix (Python, pip) on the same comparisons in
//! the same run.
//!
//! The comparisons (simulated Bradley–Terry verdicts with about 20 % ties, on 10,000 prompts)
//! are submitted to a release server on PostgreSQL; then `bradley_terry` leaderboards are
//! timed: **cold** (first request: SQL read + dataset + fit), **warm** (the dataset is cached,
//! new parameters so the method runs again — "from the server's in-memory data"), each the
//! median of three, with the server's own `compute_ms`. The same comparisons are written to a
//! CSV and `scripts/reference/time_pairwise.py` times evalica's `bradley_terry` and choix's
//! dense ILSR end to end from Python lists (median of three); the ratios are printed, and the
//! scores are compared (max |Δθ|).
//!
//! ```text
//! cargo build --release -p podium-server -p podium-pairwise
//! PODIUM_REFERENCE_PYTHON=/tmp/refpw/bin/python cargo bench -p podium-e2e --bench pairwise
//! ```
//!
//! `PODIUM_REFERENCE_PYTHON` is a Python with `scripts/reference/requirements.txt` installed
//! (default `python3`; without evalica the Python side is reported as skipped).
//! `PODIUM_BENCH_ROWS` shrinks the data; run as a test (no `--bench`) it makes a 20,000-row
//! smoke run against the debug build.

use std::io::Write;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, ensure};
use podium_e2e::bench::{self, median, ms};
use podium_e2e::{Server, TestDb, create_token, workspace_root};
use podium_synth::SplitMix64;
use serde_json::{Value, json};

const MODELS: usize = 200;
const PROMPTS: u64 = 10_000;
const RUNS: usize = 3;

/// (a, b, winner) triples: strengths N(0, 1), a tie with probability 0.2, else Bradley–Terry.
fn comparisons(rows: usize) -> Vec<(usize, usize, &'static str, u64)> {
    let mut rng = SplitMix64::new(1);
    let theta: Vec<f64> = (0..MODELS).map(|_| rng.next_normal()).collect();
    (0..rows)
        .map(|_| {
            let a = rng.below(MODELS as u64) as usize;
            let b = (a + 1 + rng.below(MODELS as u64 - 1) as usize) % MODELS;
            let winner = if rng.next_f64() < 0.2 {
                "tie"
            } else if rng.next_f64() < 1.0 / (1.0 + (theta[b] - theta[a]).exp()) {
                "model_a"
            } else {
                "model_b"
            };
            (a, b, winner, rng.below(PROMPTS))
        })
        .collect()
}

fn timed(server: &Server, params: Value) -> anyhow::Result<(Duration, Value)> {
    let body = json!({"selection": {"benchmarks": ["arena"]}, "method": "bradley_terry",
                      "params": params});
    bench::timed_leaderboard(server, &body, MODELS)
}

fn main() -> anyhow::Result<()> {
    let rows = bench::rows(1_000_000, 20_000)?;
    let data = comparisons(rows);
    let db = TestDb::postgres();
    let token = create_token(&db.url, "submit");
    let mut body = String::with_capacity(rows * 120);
    for (a, b, winner, prompt) in &data {
        body += &format!(
            "{{\"type\":\"comparison\",\"benchmark\":\"arena\",\"sample\":\"q{prompt}\",\
             \"model_a\":\"m{a:03}\",\"model_b\":\"m{b:03}\",\"winner\":\"{winner}\"}}\n"
        );
    }
    {
        let server = Server::start(&db.url);
        let answer = server.submit_ndjson(&token, body.as_bytes());
        ensure!(answer.status == 201, "ingest failed: {}", answer.text());
    }
    drop(body);
    println!("pairwise benchmark W1: {rows} comparisons among {MODELS} models (≈20 % ties)");

    let (mut cold, mut warm, mut compute) = (vec![], vec![], vec![]);
    let mut theta = vec![0.0; MODELS];
    for run in 0..RUNS {
        let server = Server::start(&db.url);
        cold.push(timed(&server, json!({}))?.0);
        // New parameters (an equivalent tolerance), so the method runs on the cached dataset.
        let (took, board) = timed(&server, json!({"tol": 1e-10 + run as f64 * 1e-12}))?;
        warm.push(took);
        compute.push(Duration::from_millis(
            board["diagnostics"]["compute_ms"].as_u64().unwrap_or(0),
        ));
        for row in board["rows"].as_array().unwrap() {
            let index: usize = row["model"].as_str().unwrap()[1..].parse()?;
            theta[index] = row["score"].as_f64().unwrap();
        }
    }
    let (cold, warm, compute) = (median(&cold), median(&warm), median(&compute));
    println!(
        "podium cold  (SQL read + dataset + fit + sandwich, HTTP) {}",
        ms(cold)
    );
    println!(
        "podium warm  (in-memory dataset, fit + sandwich, HTTP)   {}",
        ms(warm)
    );
    println!(
        "podium warm  compute_ms reported by the server           {}",
        ms(compute)
    );

    let csv_path = std::env::temp_dir().join(format!("podium-w1-{}.csv", std::process::id()));
    {
        let mut csv = std::io::BufWriter::new(std::fs::File::create(&csv_path)?);
        writeln!(csv, "a,b,winner")?;
        for (a, b, winner, _) in &data {
            writeln!(csv, "{a},{b},{winner}")?;
        }
    }
    let python = std::env::var("PODIUM_REFERENCE_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = workspace_root().join("scripts/reference/time_pairwise.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(&csv_path)
        .args(["--repeat", "3"])
        .output()
        .with_context(|| format!("running {python}"))?;
    std::fs::remove_file(&csv_path).ok();
    if !output.status.success() {
        println!(
            "evalica / choix: skipped ({python} failed: {})",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return Ok(());
    }
    let reference: Value = serde_json::from_slice(&output.stdout)?;
    let seconds = |key: &str| Duration::from_secs_f64(reference[key].as_f64().unwrap_or(f64::NAN));
    let (evalica, choix) = (seconds("evalica_bt_s"), seconds("choix_ilsr_dense_s"));
    println!(
        "evalica {} bradley_terry (Python call)         {}   {:.1} × podium warm",
        reference["evalica_version"].as_str().unwrap_or("?"),
        ms(evalica),
        evalica.as_secs_f64() / warm.as_secs_f64()
    );
    println!(
        "choix {} matrix + ilsr_pairwise_dense           {}   {:.1} × podium warm",
        reference["choix_version"].as_str().unwrap_or("?"),
        ms(choix),
        choix.as_secs_f64() / warm.as_secs_f64()
    );
    let agree = |key: &str| -> f64 {
        reference[key]
            .as_array()
            .map(|values| {
                values
                    .iter()
                    .zip(&theta)
                    .map(|(v, t)| (v.as_f64().unwrap_or(f64::NAN) - t).abs())
                    .fold(0.0, f64::max)
            })
            .unwrap_or(f64::NAN)
    };
    println!(
        "max |θ podium − θ evalica| = {:.1e}, max |θ podium − θ choix| = {:.1e} (library default tolerances)",
        agree("evalica_bt_log_centred"),
        agree("choix_theta")
    );
    Ok(())
}
