//! Ingest benchmark: one NDJSON submission of 1,000,000 measurements through the real `podium`
//! server over HTTP, against the raw bulk load of the same rows with every id already resolved
//! (`COPY … BINARY` through [`podium_storage::ingest::insert_measurements`]). The ratio says how
//! much of the database's own loading speed the whole HTTP path — upload, parsing, validation,
//! name resolution, the transaction — keeps.
//!
//! PostgreSQL only (`PODIUM_TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`); every run gets a fresh schema. Build the
//! release server first, since cargo does not build another package's binary for a bench:
//!
//! ```text
//! cargo build --release -p podium-server --bin podium
//! cargo bench -p podium-e2e --bench ingest
//! ```
//!
//! `PODIUM_BENCH_ROWS` shrinks the run (rounded down to a multiple of the 100 models, e.g.
//! `PODIUM_BENCH_ROWS=100000` for a quick look). Each side runs three times; the table shows
//! every run and the median. Run as a test (`cargo test --all-targets`, no `--bench` argument) it
//! makes a quick smoke run of 10,000 rows against `target/debug/podium`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use podium_e2e::bench::{self, median};
use podium_e2e::{Server, TestDb, create_token, measurement_body};
use podium_storage::DatabaseUrl;
use podium_storage::ingest::{NewMeasurement, insert_measurements};
use podium_storage::schema::{metrics, models, samples, submissions};

const MODELS: usize = 100;
const DEFAULT_ROWS: usize = 1_000_000;
/// Rows when run as a test (`cargo test --benches`) rather than by `cargo bench`.
const SMOKE_ROWS: usize = 10_000;
const RUNS: usize = 3;
const BENCHMARK: &str = "bench";
const METRIC: &str = "accuracy";

fn main() -> anyhow::Result<()> {
    // `cargo test --all-targets` runs this too, without `--bench`: a quick smoke run then.
    let wanted = bench::rows(DEFAULT_ROWS, SMOKE_ROWS)?;
    let samples = (wanted / MODELS).max(1);
    let rows = samples * MODELS;

    let started = Instant::now();
    let body = measurement_body(BENCHMARK, METRIC, MODELS, samples);
    println!(
        "ingest benchmark: {rows} measurements ({samples} samples × {MODELS} models), \
         {:.1} MB of NDJSON (generated in {:.2?})\nserver {}, PostgreSQL at {}",
        body.len() as f64 / 1e6,
        started.elapsed(),
        podium_e2e::podium_binary().display(),
        podium_storage::testing::admin_url()
    );

    let mut http = Vec::with_capacity(RUNS);
    for run in 1..=RUNS {
        let took = http_ingest(&body, rows)?;
        println!("  HTTP ingest run {run}: {}", seconds(took));
        http.push(took);
    }
    let mut copy = Vec::with_capacity(RUNS);
    for run in 1..=RUNS {
        let took = raw_copy(samples, &body)?;
        println!("  raw COPY    run {run}: {}", seconds(took));
        copy.push(took);
    }

    let http_median = median(&http);
    let copy_median = median(&copy);
    let rate = |d: Duration| rows as f64 / d.as_secs_f64();
    println!();
    println!(
        "{:<12} {:>9} {:>9} {:>9} {:>9} {:>12}",
        "", "run 1", "run 2", "run 3", "median", "rows/s"
    );
    for (name, runs, median) in [
        ("HTTP ingest", &http, http_median),
        ("raw COPY", &copy, copy_median),
    ] {
        println!(
            "{name:<12} {:>9} {:>9} {:>9} {:>9} {:>12.0}",
            seconds(runs[0]),
            seconds(runs[1]),
            seconds(runs[2]),
            seconds(median),
            rate(median)
        );
    }
    println!(
        "ratio HTTP / COPY (rows/s): {:.3}",
        rate(http_median) / rate(copy_median)
    );
    Ok(())
}

fn seconds(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// One submission of `body` to a fresh release server on a fresh schema; times the request from
/// its first byte to the end of the answer.
fn http_ingest(body: &[u8], rows: usize) -> anyhow::Result<Duration> {
    let db = TestDb::postgres();
    let token = create_token(&db.url, "submit");
    let server = Server::start(&db.url);
    // Warm the pool so the first connection is not part of the timing.
    ensure!(
        server.get("/readyz").status == 200,
        "the server is not ready"
    );

    let started = Instant::now();
    let answer = server.submit_ndjson(&token, body);
    let took = started.elapsed();

    if answer.status != 201 {
        bail!(
            "the submission got {}: {}\n--- server stderr ---\n{}",
            answer.status,
            answer.text(),
            server.stderr()
        );
    }
    ensure!(
        answer.json["measurements"].as_u64() == Some(rows as u64),
        "the receipt does not count {rows} measurements: {}",
        answer.text()
    );
    // The server logs how long reading (upload + parsing, overlapped) and writing took.
    if let Some(line) = server
        .stderr()
        .lines()
        .find(|l| l.contains("submission stored"))
    {
        let phases: Vec<&str> = line
            .split_whitespace()
            .filter(|w| w.starts_with("read_ms=") || w.starts_with("write_ms="))
            .collect();
        println!("    server: {}", phases.join(" "));
    }
    let stored =
        server.get(&format!("/v1/benchmarks/{BENCHMARK}")).json["counts"]["measurements"].as_i64();
    ensure!(
        stored == Some(rows as i64),
        "{stored:?} measurements stored, not {rows}"
    );
    Ok(took)
}

/// The same rows loaded straight into a fresh schema where the benchmark, metric, models,
/// samples and a submission already exist; times the transaction around the bulk load.
fn raw_copy(samples_count: usize, body: &[u8]) -> anyhow::Result<Duration> {
    let db = TestDb::postgres();
    let mut conn = DatabaseUrl::parse(&db.url)?.connect()?;
    conn.run_migrations()?;
    conn.batch_execute(&format!(
        "INSERT INTO api_tokens (token_hash, scope, created_at) VALUES ('bench', 'submit', now());
         INSERT INTO benchmarks (name, created_at) VALUES ('{BENCHMARK}', now());
         INSERT INTO metrics (benchmark_id, name, kind, higher_is_better, is_default)
             SELECT id, '{METRIC}', 'score', true, true FROM benchmarks;
         INSERT INTO models (name, created_at)
             SELECT 'model-' || lpad(g::text, 3, '0'), now() FROM generate_series(0, {last_model}) g;
         INSERT INTO samples (benchmark_id, external_id)
             SELECT b.id, 'sample-' || lpad(g::text, 6, '0')
             FROM benchmarks b, generate_series(0, {last_sample}) g;
         INSERT INTO submissions (token_id, created_at, source_format, content_hash)
             SELECT id, now(), 'ndjson', 'bench' FROM api_tokens;",
        last_model = MODELS - 1,
        last_sample = samples_count - 1,
    ))?;
    let model_ids: HashMap<String, i64> = models::table
        .select((models::name, models::id))
        .load::<(String, i64)>(&mut conn)?
        .into_iter()
        .collect();
    let sample_ids: HashMap<String, i64> = samples::table
        .select((samples::external_id, samples::id))
        .load::<(String, i64)>(&mut conn)?
        .into_iter()
        .collect();
    let metric_id: i64 = metrics::table.select(metrics::id).first(&mut conn)?;
    let submission_id: i64 = submissions::table
        .select(submissions::id)
        .first(&mut conn)?;

    // The rows of the HTTP body, in its order, with its values.
    let rows: Vec<NewMeasurement> = body
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| {
            let record: serde_json::Value = serde_json::from_slice(line)?;
            let id = |map: &HashMap<String, i64>, field: &str| {
                record[field]
                    .as_str()
                    .and_then(|name| map.get(name).copied())
                    .with_context(|| format!("no id for {field} in {record}"))
            };
            Ok(NewMeasurement {
                submission_id,
                model_id: id(&model_ids, "model")?,
                sample_id: id(&sample_ids, "sample")?,
                metric_id,
                epoch: 0,
                value: record["value"].as_f64().context("a value")?,
            })
        })
        .collect::<anyhow::Result<_>>()?;

    let started = Instant::now();
    conn.transaction(|c| insert_measurements(c, &rows))?;
    let took = started.elapsed();

    let stored: i64 = podium_storage::schema::measurements::table
        .count()
        .get_result(&mut conn)?;
    ensure!(
        stored == rows.len() as i64,
        "{stored} rows stored, not {}",
        rows.len()
    );
    drop(conn);
    drop(db);
    Ok(took)
}
