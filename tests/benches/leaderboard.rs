//! Leaderboard latency on 1,000,000 measurements in PostgreSQL, through the real release
//! server: **cold** (the first request after start-up: SQL read, dataset build and method),
//! **warm** (the dataset is cached; new parameters, so the method runs again) and **cached**
//! (the same request again: the stored answer). Each is timed three times (a fresh server for
//! every cold run) and the median is reported; a bootstrap of 100 rounds on the warm dataset is
//! timed too, and the warm/cold and cached/cold ratios are printed.
//!
//! ```text
//! cargo build --release -p podium-server -p podium-baseline
//! cargo bench -p podium-e2e --bench leaderboard
//! ```
//!
//! `PODIUM_BENCH_ROWS` shrinks the data. Run as a test (no `--bench` argument) it makes a smoke
//! run of 10,000 rows against the debug build.

use std::time::Duration;

use anyhow::ensure;
use podium_e2e::bench::{self, median, ms};
use podium_e2e::{Server, TestDb, create_token, measurement_body};
use serde_json::json;

const MODELS: usize = 100;
const RUNS: usize = 3;

fn timed(server: &Server, body: &serde_json::Value) -> anyhow::Result<Duration> {
    Ok(bench::timed_leaderboard(server, body, MODELS)?.0)
}

fn main() -> anyhow::Result<()> {
    let samples = (bench::rows(1_000_000, 10_000)? / MODELS).max(1);
    let rows = samples * MODELS;
    let db = TestDb::postgres();
    let token = create_token(&db.url, "submit");
    {
        let server = Server::start(&db.url);
        let answer = server.submit_ndjson(
            &token,
            &measurement_body("bench", "accuracy", MODELS, samples),
        );
        ensure!(answer.status == 201, "ingest failed: {}", answer.text());
    }
    println!(
        "leaderboard benchmark: {rows} measurements ({samples} samples × {MODELS} models), method mean"
    );
    let request = |params: serde_json::Value, bootstrap: u32| {
        json!({"selection": {"benchmarks": ["bench"]}, "method": "mean", "params": params,
               "uncertainty": {"bootstrap": bootstrap, "seed": 1}})
    };
    let (mut cold, mut warm, mut cached, mut bootstrap) = (vec![], vec![], vec![], vec![]);
    for run in 0..RUNS {
        // A fresh process: nothing cached.
        let server = Server::start(&db.url);
        cold.push(timed(&server, &request(json!({}), 0))?);
        warm.push(timed(
            &server,
            &request(json!({"min_samples": 2 + run}), 0),
        )?);
        cached.push(timed(
            &server,
            &request(json!({"min_samples": 2 + run}), 0),
        )?);
        bootstrap.push(timed(
            &server,
            &request(json!({"min_samples": 10 + run}), 100),
        )?);
    }
    let (cold, warm, cached, bootstrap) = (
        median(&cold),
        median(&warm),
        median(&cached),
        median(&bootstrap),
    );
    println!("cold   (SQL read + dataset + method) {}", ms(cold));
    println!(
        "warm   (cached dataset, new params)  {}   {:.3} × cold",
        ms(warm),
        warm.as_secs_f64() / cold.as_secs_f64()
    );
    println!(
        "cached (same request)                {}   {:.4} × cold",
        ms(cached),
        cached.as_secs_f64() / cold.as_secs_f64()
    );
    println!("warm + bootstrap of 100 rounds       {}", ms(bootstrap));
    Ok(())
}
