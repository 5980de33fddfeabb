//! Pairwise and anchor methods through the real server binary, on both backends: judge
//! verdicts submitted as NDJSON (5-level `verdict`s, timestamps, style covariates), every
//! method answering a leaderboard with an interval for every scored model — the method's own
//! (sandwich, bootstrap, posterior σ) or the host's bootstrap where the method has none.

use podium_e2e::{Server, TestDb, create_token};
use podium_storage::testing::Backend;
use podium_synth::SplitMix64;
use serde_json::{Value, json};

/// Six models with known strengths; every pair judged on the same 12 prompts, each twice with
/// positions swapped, by a simulated 5-level judge that also likes long answers a little.
fn verdicts() -> String {
    let strengths = [1.2, 0.8, 0.3, 0.0, -0.4, -1.0];
    let mut rng = SplitMix64::new(2026);
    let mut body = String::new();
    let mut t = 0;
    for i in 0..strengths.len() {
        for j in 0..strengths.len() {
            if i == j {
                continue;
            }
            for prompt in 0..12 {
                t += 1;
                let (len_a, len_b) = (300 + rng.below(700), 300 + rng.below(700));
                let style = (len_a as f64 - len_b as f64) / (len_a + len_b) as f64;
                let edge = strengths[i] - strengths[j] + 0.5 * style;
                let p = 1.0 / (1.0 + (-edge).exp());
                let u = rng.next_f64();
                let verdict = if u < 0.15 {
                    "A=B"
                } else if u < 0.15 + 0.85 * p {
                    if rng.next_f64() < p * p {
                        "A>>B"
                    } else {
                        "A>B"
                    }
                } else if rng.next_f64() < (1.0 - p) * (1.0 - p) {
                    "B>>A"
                } else {
                    "B>A"
                };
                let record = json!({
                    "type": "comparison",
                    "benchmark": "judge",
                    "sample": format!("q{prompt}"),
                    "model_a": format!("m{i}"),
                    "model_b": format!("m{j}"),
                    "verdict": verdict,
                    "judge": "gpt-judge",
                    "timestamp": format!("2026-01-01T00:{:02}:{:02}Z", (t / 60) % 60, t % 60),
                    "metadata": {"style": {
                        "model_a": {"tokens": len_a, "headers": 1},
                        "model_b": {"tokens": len_b, "headers": 1},
                    }},
                });
                body += &record.to_string();
                body.push('\n');
            }
        }
    }
    body
}

fn leaderboard(server: &Server, method: &str, params: Value, bootstrap: u32) -> Value {
    let body = json!({
        "selection": {"benchmarks": ["judge"]},
        "method": method,
        "params": params,
        "uncertainty": {"bootstrap": bootstrap, "seed": 7, "level": 0.95},
    })
    .to_string();
    let answer = server.post(
        "/v1/leaderboards",
        None,
        "application/json",
        body.as_bytes(),
    );
    assert_eq!(answer.status, 200, "{method}: {}", answer.text());
    answer.json
}

fn every_method_ranks_verdicts_with_intervals(backend: Backend) {
    let db = TestDb::new(backend);
    let server = Server::start(&db.url);
    let token = create_token(&db.url, "submit");
    let answer = server.submit_ndjson(&token, verdicts().as_bytes());
    assert_eq!(answer.status, 201, "{}", answer.text());

    for (method, params, bootstrap, scored) in [
        ("bradley_terry", json!({}), 0, 6),
        (
            "bradley_terry",
            json!({"ties": "davidson", "scale": "elo", "anchor_model": "m3"}),
            0,
            6,
        ),
        ("elo", json!({"rounds": 20}), 0, 6),
        ("rank_centrality", json!({}), 20, 6),
        ("glicko2", json!({}), 0, 6),
        ("weng_lin", json!({}), 0, 6),
        ("trueskill", json!({}), 0, 6),
        (
            "anchor_win_rate",
            json!({"anchor": "m3", "strong_weight": 3}),
            0,
            6,
        ),
        (
            "anchor_bt",
            json!({"anchor": "m3", "style_control": true}),
            0,
            6,
        ),
        ("anchor_selection", json!({}), 20, 6),
    ] {
        let board = leaderboard(&server, method, params.clone(), bootstrap);
        let rows = board["rows"].as_array().unwrap();
        assert_eq!(rows.len(), scored, "{method} {params}: {board}");
        for row in rows {
            let (low, high, score) = (
                row["ci_low"].as_f64(),
                row["ci_high"].as_f64(),
                row["score"].as_f64().unwrap(),
            );
            let (low, high) = (
                low.unwrap_or_else(|| panic!("{method}: no interval in {row}")),
                high.unwrap(),
            );
            assert!(low <= score && score <= high, "{method} {params}: {row}");
        }
        if method != "anchor_selection" {
            // Strengths were m0 > … > m5; every method should put m0 on top.
            assert_eq!(rows[0]["model"], "m0", "{method} {params}: {board}");
        }
    }

    // Two implementations of one model: the anchor plugin's Bradley–Terry with the anchor fixed
    // (Newton on the logistic design) and the pairwise plugin's (Newman's iteration), both on
    // the Elo scale with m3 at 1000, ties as halves, Fisher standard errors.
    let scores = |board: &Value| -> Vec<(String, f64, f64)> {
        let mut rows: Vec<(String, f64, f64)> = board["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let low = r["ci_low"].as_f64().unwrap();
                (
                    r["model"].as_str().unwrap().to_owned(),
                    r["score"].as_f64().unwrap(),
                    low,
                )
            })
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        rows
    };
    let anchored = leaderboard(
        &server,
        "anchor_bt",
        json!({"anchor": "m3", "interval": "fisher"}),
        0,
    );
    let pairwise = leaderboard(
        &server,
        "bradley_terry",
        json!({"scale": "elo", "anchor_model": "m3", "interval": "fisher"}),
        0,
    );
    for (a, b) in scores(&anchored).iter().zip(scores(&pairwise)) {
        assert_eq!(a.0, b.0);
        assert!((a.1 - b.1).abs() < 1e-6, "{a:?} vs {b:?}");
        assert!((a.2 - b.2).abs() < 1e-6, "interval {a:?} vs {b:?}");
    }
}

#[test]
fn every_method_ranks_verdicts_with_intervals_on_postgres() {
    every_method_ranks_verdicts_with_intervals(Backend::Postgres);
}

#[test]
fn every_method_ranks_verdicts_with_intervals_on_sqlite() {
    every_method_ranks_verdicts_with_intervals(Backend::Sqlite);
}
