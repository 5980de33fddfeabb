//! `podium leaderboard`, `podium methods`, `podium benchmarks`: asking the server and printing
//! the answer as a table, CSV or JSON.

use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use podium_wire::api::{BenchmarkView, JobView, Leaderboard, MethodView, Page};
use serde_json::{Map, Value, json};

use crate::CliError;
use crate::client::{Client, Connection, encode};
use crate::table::{Table, csv_line};

/// How to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Aligned columns for a terminal.
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// The server's JSON, pretty-printed.
    Json,
}

/// Arguments of `podium leaderboard`.
#[derive(Debug, Clone, Args)]
pub struct LeaderboardArgs {
    /// Method id (see `podium methods`).
    #[arg(long)]
    pub method: String,
    /// Benchmarks whose samples count (repeat for several).
    #[arg(long = "benchmark", required = true)]
    pub benchmarks: Vec<String>,
    /// Metric to use for a benchmark, as BENCHMARK=METRIC (default: the benchmark's default).
    #[arg(long = "metric")]
    pub metrics: Vec<String>,
    /// Only these models (repeat; default: all).
    #[arg(long = "model")]
    pub models: Vec<String>,
    /// A method parameter, as NAME=VALUE; VALUE is read as JSON when it parses, else as text.
    #[arg(long = "param")]
    pub params: Vec<String>,
    /// Bootstrap rounds over samples for intervals (0: none).
    #[arg(long, default_value_t = 0)]
    pub bootstrap: u32,
    /// Seed of the bootstrap and of seeded methods.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Confidence level of the intervals.
    #[arg(long)]
    pub level: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub format: Output,
    /// The server.
    #[command(flatten)]
    pub connection: Connection,
}

/// Arguments of `podium methods` and `podium benchmarks`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub format: Output,
    /// The server.
    #[command(flatten)]
    pub connection: Connection,
}

fn split_pair<'a>(text: &'a str, flag: &str) -> Result<(&'a str, &'a str), CliError> {
    text.split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| CliError::Usage(format!("{flag} takes NAME=VALUE, not {text:?}")))
}

/// The request body `podium leaderboard` sends.
pub fn request_body(args: &LeaderboardArgs) -> Result<Value, CliError> {
    let mut metrics = Map::new();
    for pair in &args.metrics {
        // Benchmark names may hold `=` (HELM's `mmlu:subject=philosophy,…`); metric names
        // from the importers do not: split at the last one.
        let (benchmark, metric) = pair
            .rsplit_once('=')
            .filter(|(b, m)| !b.is_empty() && !m.is_empty())
            .ok_or_else(|| {
                CliError::Usage(format!("--metric takes BENCHMARK=METRIC, not {pair:?}"))
            })?;
        metrics.insert(benchmark.to_owned(), Value::String(metric.to_owned()));
    }
    let mut params = Map::new();
    for pair in &args.params {
        let (name, value) = split_pair(pair, "--param")?;
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.into()));
        params.insert(name.to_owned(), value);
    }
    let mut uncertainty = Map::new();
    uncertainty.insert("bootstrap".into(), json!(args.bootstrap));
    if let Some(seed) = args.seed {
        uncertainty.insert("seed".into(), json!(seed));
    }
    if let Some(level) = args.level {
        uncertainty.insert("level".into(), json!(level));
    }
    Ok(json!({
        "selection": {
            "benchmarks": args.benchmarks,
            "metrics": metrics,
            "models": args.models,
        },
        "method": args.method,
        "params": params,
        "uncertainty": uncertainty,
    }))
}

/// Runs `podium leaderboard`: the computed leaderboard, printed.
pub fn leaderboard(args: &LeaderboardArgs) -> Result<String, CliError> {
    let client = Client::new(&args.connection);
    let answer = client.post_json("/v1/leaderboards", &request_body(args)?)?;
    let board: Leaderboard = if answer.status == 202 {
        let job: JobView = answer.json("starting the leaderboard job")?;
        wait_for_job(&client, job)?
    } else {
        answer.json("computing the leaderboard")?
    };
    Ok(render_leaderboard(&board, args.format))
}

fn wait_for_job(client: &Client, mut job: JobView) -> Result<Leaderboard, CliError> {
    let started = Instant::now();
    let mut last_note = Instant::now();
    while job.status == "running" {
        std::thread::sleep(Duration::from_millis(250));
        job = client
            .get(&format!("/v1/jobs/{}", encode(&job.id)))?
            .json("following the job")?;
        if last_note.elapsed() > Duration::from_secs(5) {
            eprintln!(
                "  running: {:.0} % after {:.0} s",
                job.progress * 100.0,
                started.elapsed().as_secs_f64()
            );
            last_note = Instant::now();
        }
    }
    match (job.status.as_str(), &job.result) {
        ("succeeded", Some(result)) => client.get(result)?.json("reading the job's result"),
        _ => Err(match job.error {
            Some(problem) => CliError::Server {
                what: format!("the leaderboard job {}", job.status),
                problem: Box::new(problem),
            },
            None => CliError::Protocol(format!("the job ended as {}", job.status)),
        }),
    }
}

fn interval(low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(l), Some(h)) => format!("[{l:.4}, {h:.4}]"),
        _ => String::new(),
    }
}

fn rank_range(low: Option<u32>, high: Option<u32>) -> String {
    match (low, high) {
        (Some(l), Some(h)) if l == h => l.to_string(),
        (Some(l), Some(h)) => format!("{l}–{h}"),
        _ => String::new(),
    }
}

fn optional<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

/// A leaderboard as text.
pub fn render_leaderboard(board: &Leaderboard, format: Output) -> String {
    match format {
        Output::Json => pretty(board),
        Output::Csv => {
            let mut out = csv_line(&[
                "rank",
                "model",
                "score",
                "ci_low",
                "ci_high",
                "rank_low",
                "rank_high",
                "n",
            ]);
            for row in &board.rows {
                out.push_str(&csv_line(&[
                    &row.rank.to_string(),
                    &row.model,
                    &row.score.to_string(),
                    &optional(row.ci_low),
                    &optional(row.ci_high),
                    &optional(row.rank_low),
                    &optional(row.rank_high),
                    &row.n.to_string(),
                ]));
            }
            out
        }
        Output::Table => {
            let with_ci = board.rows.iter().any(|r| r.ci_low.is_some());
            let with_ranks = board.rows.iter().any(|r| r.rank_low.is_some());
            let mut header = vec!["rank", "model", "score"];
            if with_ci {
                header.push("interval");
            }
            if with_ranks {
                header.push("rank range");
            }
            header.push("n");
            let mut table = Table::new(&header);
            for row in &board.rows {
                let mut cells = vec![
                    row.rank.to_string(),
                    row.model.clone(),
                    format!("{:.4}", row.score),
                ];
                if with_ci {
                    cells.push(interval(row.ci_low, row.ci_high));
                }
                if with_ranks {
                    cells.push(rank_range(row.rank_low, row.rank_high));
                }
                cells.push(row.n.to_string());
                table.row(cells);
            }
            let mut out = format!(
                "{} ({} {}), data version {}, {} model(s)\n",
                board.method.id,
                board.method.plugin,
                board.method.plugin_version,
                board.data_version,
                board.rows.len()
            );
            out.push_str(&table.render());
            if !board.unscored.is_empty() {
                out.push_str(&format!("unscored: {}\n", board.unscored.join(", ")));
            }
            out
        }
    }
}

fn pretty<T: serde::Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Runs `podium methods`.
pub fn methods(args: &ListArgs) -> Result<String, CliError> {
    let client = Client::new(&args.connection);
    let methods: Vec<MethodView> = client.get("/v1/methods")?.json("listing methods")?;
    Ok(match args.format {
        Output::Json => pretty(&methods),
        Output::Csv => {
            let mut out = csv_line(&["id", "plugin", "version", "description"]);
            for m in &methods {
                out.push_str(&csv_line(&[
                    &m.id,
                    &m.plugin,
                    &m.plugin_version,
                    &m.description,
                ]));
            }
            out
        }
        Output::Table => {
            let mut table = Table::new(&["method", "plugin", "uses", "description"]);
            for m in &methods {
                let uses = match (m.flags.uses_measurements, m.flags.uses_comparisons) {
                    (true, true) => "scores+verdicts",
                    (true, false) => "scores",
                    (false, true) => "verdicts",
                    (false, false) => "",
                };
                table.row(vec![
                    m.id.clone(),
                    format!("{} {}", m.plugin, m.plugin_version),
                    uses.to_owned(),
                    first_sentence(&m.description),
                ]);
            }
            table.render()
        }
    })
}

fn first_sentence(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    let cut = line.find(". ").map_or(line.len(), |i| i + 1);
    let sentence = &line[..cut];
    if sentence.chars().count() > 100 {
        let short: String = sentence.chars().take(99).collect();
        format!("{short}…")
    } else {
        sentence.to_owned()
    }
}

/// Runs `podium benchmarks` (every page).
pub fn benchmarks(args: &ListArgs) -> Result<String, CliError> {
    let client = Client::new(&args.connection);
    let mut all: Vec<BenchmarkView> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/benchmarks?limit=1000&cursor={}", encode(c)),
            None => "/v1/benchmarks?limit=1000".to_owned(),
        };
        let page: Page<BenchmarkView> = client.get(&path)?.json("listing benchmarks")?;
        all.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(match args.format {
        Output::Json => pretty(&all),
        Output::Csv => {
            let mut out = csv_line(&["name", "default_metric", "metrics", "description"]);
            for b in &all {
                out.push_str(&csv_line(&[
                    &b.name,
                    &default_metric(b),
                    &metric_names(b),
                    b.description.as_deref().unwrap_or(""),
                ]));
            }
            out
        }
        Output::Table => {
            let mut table = Table::new(&["benchmark", "default metric", "metrics", "description"]);
            for b in &all {
                table.row(vec![
                    b.name.clone(),
                    default_metric(b),
                    metric_names(b),
                    first_sentence(b.description.as_deref().unwrap_or("")),
                ]);
            }
            table.render()
        }
    })
}

fn default_metric(b: &BenchmarkView) -> String {
    b.metrics
        .iter()
        .find(|m| m.default)
        .map_or_else(String::new, |m| m.name.clone())
}

fn metric_names(b: &BenchmarkView) -> String {
    b.metrics
        .iter()
        .map(|m| m.name.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: LeaderboardArgs,
    }

    #[test]
    fn request_reads_pairs_and_json_params() {
        let w = Wrapper::parse_from([
            "x",
            "--method",
            "bradley-terry",
            "--benchmark",
            "a",
            "--benchmark",
            "b",
            "--metric",
            "a=exact_match,none",
            "--metric",
            "mmlu:subject=philosophy,method=joint=quasi_exact_match",
            "--param",
            "ties=\"davidson\"",
            "--param",
            "iterations=50",
            "--param",
            "label=plain text",
            "--bootstrap",
            "200",
            "--seed",
            "7",
        ]);
        let body = request_body(&w.args).unwrap();
        assert_eq!(body["selection"]["benchmarks"], json!(["a", "b"]));
        assert_eq!(body["selection"]["metrics"]["a"], json!("exact_match,none"));
        assert_eq!(
            body["selection"]["metrics"]["mmlu:subject=philosophy,method=joint"],
            json!("quasi_exact_match")
        );
        assert_eq!(body["params"]["ties"], json!("davidson"));
        assert_eq!(body["params"]["iterations"], json!(50));
        assert_eq!(body["params"]["label"], json!("plain text"));
        assert_eq!(body["uncertainty"], json!({"bootstrap": 200, "seed": 7}));
    }

    #[test]
    fn bad_pairs_are_usage_errors() {
        let w = Wrapper::parse_from(["x", "--method", "m", "--benchmark", "a", "--param", "=1"]);
        assert!(matches!(request_body(&w.args), Err(CliError::Usage(_))));
    }

    #[test]
    fn first_sentences_are_short() {
        assert_eq!(first_sentence("Mean score. Then more."), "Mean score.");
        assert_eq!(first_sentence(&"x".repeat(150)).chars().count(), 100);
    }
}
