//! Import benchmark: an lm-evaluation-harness run through `podium import` (the client finds
//! the run, hashes it, streams the files; the server spools them, reads them with
//! `podium-import` and ingests one submission) against the same measurements sent as Podium's
//! own NDJSON to `POST /v1/submissions` — the baseline, measured in the same run on the same
//! server build. The ratio says what reading a harness's own files costs over the native path.
//!
//! The synthetic run is shaped like real `--log_samples` output: one model, two tasks,
//! `PODIUM_BENCH_ROWS` measurements (default 200,000) as documents × two filters, each line
//! carrying the document, the prompt arguments and the responses (about 1 KB a line, as lm-eval
//! writes them), so the import moves several times the bytes of the NDJSON.
//!
//! PostgreSQL (`PODIUM_TEST_DATABASE_URL`); every run gets a fresh schema. Build the release
//! binary first:
//!
//! ```text
//! cargo build --release -p podium-server --bin podium
//! cargo bench -p podium-e2e --bench imports
//! ```
//!
//! Run as a test (`cargo test --benches`), it makes a quick smoke run of 4,000 rows.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use podium_e2e::bench::{self, median};
use podium_e2e::{Server, TestDb, create_token, podium_binary};

const DEFAULT_ROWS: usize = 200_000;
const SMOKE_ROWS: usize = 4_000;
const RUNS: usize = 3;
const MODEL: &str = "bench-org/bench-model-7b";
const TASKS: [&str; 2] = ["bench_math", "bench_qa"];
const FILTERS: [&str; 2] = ["strict-match", "flexible-extract"];
const TIME: &str = "2026-01-01T00-00-00.000000";

fn main() -> anyhow::Result<()> {
    let wanted = bench::rows(DEFAULT_ROWS, SMOKE_ROWS)?;
    let docs = (wanted / (TASKS.len() * FILTERS.len())).max(1);
    let rows = docs * TASKS.len() * FILTERS.len();
    let dir = std::env::temp_dir().join(format!("podium-import-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let started = Instant::now();
    let run_bytes = write_run(&dir, docs)?;
    let ndjson = ndjson(docs);
    println!(
        "import benchmark: {rows} measurements ({docs} documents × {} tasks × {} filters)\n\
         lm-eval run {:.1} MB, the same as NDJSON {:.1} MB (generated in {:.2?})\n\
         server {}, PostgreSQL at {}",
        TASKS.len(),
        FILTERS.len(),
        run_bytes as f64 / 1e6,
        ndjson.len() as f64 / 1e6,
        started.elapsed(),
        podium_binary().display(),
        podium_storage::testing::admin_url()
    );

    let mut native = Vec::new();
    let mut import = Vec::new();
    // Interleaved, so a slow spell of the machine hits both sides.
    for run in 1..=RUNS {
        let took = submit(&ndjson, rows)?;
        println!("  NDJSON submission run {run}: {:.3} s", took.as_secs_f64());
        native.push(took);
        let took = podium_import(&dir, rows)?;
        println!("  podium import     run {run}: {:.3} s", took.as_secs_f64());
        import.push(took);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let (n, i) = (median(&native), median(&import));
    let rate = |d: Duration| rows as f64 / d.as_secs_f64();
    println!();
    println!(
        "median: NDJSON {:.3} s ({:.0} rows/s), podium import {:.3} s ({:.0} rows/s, {:.1} MB/s of harness files)",
        n.as_secs_f64(),
        rate(n),
        i.as_secs_f64(),
        rate(i),
        run_bytes as f64 / 1e6 / i.as_secs_f64()
    );
    println!(
        "ratio podium import / NDJSON submission (time): {:.2}",
        i.as_secs_f64() / n.as_secs_f64()
    );
    Ok(())
}

fn value(doc: usize, task: usize, filter: usize) -> u8 {
    // Deterministic, mixed outcomes.
    ((doc * 7 + task * 3 + filter) % 5 < 2) as u8
}

/// Writes `results_<time>.json` and one samples file per task; returns the bytes written.
fn write_run(dir: &Path, docs: usize) -> anyhow::Result<u64> {
    let mut configs = serde_json::Map::new();
    let mut higher = serde_json::Map::new();
    for task in TASKS {
        configs.insert(
            task.into(),
            serde_json::json!({"task": task, "metric_list": [{"metric": "exact_match", "aggregation": "mean", "higher_is_better": true}]}),
        );
        higher.insert(task.into(), serde_json::json!({"exact_match": true}));
    }
    let results = serde_json::json!({
        "results": {},
        "configs": configs,
        "higher_is_better": higher,
        "model_name": MODEL,
        "config": {"model": "hf", "model_args": format!("pretrained={MODEL}")},
        "lm_eval_version": "0.4.9",
    });
    let mut total = 0u64;
    let path = dir.join(format!("results_{TIME}.json"));
    std::fs::write(&path, serde_json::to_vec_pretty(&results)?)?;
    total += std::fs::metadata(&path)?.len();
    for (t, task) in TASKS.iter().enumerate() {
        let path = dir.join(format!("samples_{task}_{TIME}.jsonl"));
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
        for doc in 0..docs {
            for (f, filter) in FILTERS.iter().enumerate() {
                let line = serde_json::json!({
                    "doc_id": doc,
                    "doc": {"problem": format!("What is {doc} plus {t}? Explain the steps of the computation carefully and give the final answer on its own line."), "answer": (doc + t).to_string(), "level": "Level 3", "type": "Algebra"},
                    "target": (doc + t).to_string(),
                    "arguments": {"gen_args_0": {"arg_0": format!("Problem: What is {doc} plus {t}?\n\nSolution:"), "arg_1": {"until": ["Problem:", "\n\n"], "do_sample": false, "temperature": 0.0, "max_gen_toks": 512}}},
                    "resps": [[format!("We add {doc} and {t}. The sum is {}. Final answer: {}", doc + t, doc + t)]],
                    "filtered_resps": [format!("{}", doc + t)],
                    "filter": filter,
                    "metrics": ["exact_match"],
                    "doc_hash": format!("{:064x}", doc * 31 + t),
                    "prompt_hash": format!("{:064x}", doc * 17 + t),
                    "target_hash": format!("{:064x}", doc * 13 + t),
                    "exact_match": value(doc, t, f) as f64,
                });
                serde_json::to_writer(&mut out, &line)?;
                out.write_all(b"\n")?;
            }
        }
        out.flush()?;
        drop(out);
        total += std::fs::metadata(&path)?.len();
    }
    Ok(total)
}

/// The same measurements as the import stores, in Podium's NDJSON.
fn ndjson(docs: usize) -> Vec<u8> {
    let mut body = Vec::new();
    for (t, task) in TASKS.iter().enumerate() {
        for doc in 0..docs {
            for (f, filter) in FILTERS.iter().enumerate() {
                let line = serde_json::json!({
                    "type": "measurement", "model": MODEL, "benchmark": task,
                    "sample": doc.to_string(), "metric": format!("exact_match,{filter}"),
                    "value": value(doc, t, f), "higher_is_better": true,
                    "sample_metadata": {"doc_hash": format!("{:064x}", doc * 31 + t), "prompt_hash": format!("{:064x}", doc * 17 + t), "target_hash": format!("{:064x}", doc * 13 + t)},
                });
                serde_json::to_writer(&mut body, &line).expect("JSON");
                body.push(b'\n');
            }
        }
    }
    body
}

fn fresh() -> anyhow::Result<(TestDb, Server, String)> {
    let db = TestDb::postgres();
    let token = create_token(&db.url, "submit");
    let server = Server::start(&db.url);
    ensure!(
        server.get("/readyz").status == 200,
        "the server is not ready"
    );
    Ok((db, server, token))
}

fn stored(server: &Server) -> i64 {
    TASKS
        .iter()
        .filter_map(|task| {
            server.get(&format!("/v1/benchmarks/{task}")).json["counts"]["measurements"].as_i64()
        })
        .sum()
}

fn submit(body: &[u8], rows: usize) -> anyhow::Result<Duration> {
    let (_db, server, token) = fresh()?;
    let started = Instant::now();
    let answer = server.submit_ndjson(&token, body);
    let took = started.elapsed();
    if answer.status != 201 {
        bail!("the submission got {}: {}", answer.status, answer.text());
    }
    ensure!(stored(&server) == rows as i64, "not every row was stored");
    Ok(took)
}

fn podium_import(dir: &Path, rows: usize) -> anyhow::Result<Duration> {
    let (_db, server, token) = fresh()?;
    let started = Instant::now();
    let output = Command::new(podium_binary())
        .arg("import")
        .arg(dir)
        .env("PODIUM_URL", server.base_url())
        .env("PODIUM_TOKEN", &token)
        .output()
        .context("running podium import")?;
    let took = started.elapsed();
    if !output.status.success() {
        bail!(
            "podium import failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    ensure!(stored(&server) == rows as i64, "not every row was stored");
    Ok(took)
}
