//! The game-theory methods (`alpha-rank`, `nash-averaging`) through the real server binary on
//! both backends: on judge verdicts and on per-sample results, with the α sweep reporting its
//! α, payoff-resampling intervals, and a bad parameter answered as problem+json naming it.

use podium_e2e::{Server, TestDb, create_token, measurement_line};
use podium_storage::testing::Backend;
use serde_json::{Value, json};

/// Four models in a strict order (m0 beats everyone 3 times in 4, …), every pair judged on
/// eight prompts.
fn verdicts() -> String {
    let mut body = String::new();
    for i in 0..4 {
        for j in i + 1..4 {
            for prompt in 0..8 {
                let record = json!({
                    "type": "comparison",
                    "benchmark": "judge",
                    "sample": format!("q{prompt}"),
                    "model_a": format!("m{i}"),
                    "model_b": format!("m{j}"),
                    "winner": if prompt < 6 { "model_a" } else { "model_b" },
                });
                body += &record.to_string();
                body.push('\n');
            }
        }
    }
    body
}

/// Per-sample results: m0 best, m3 worst on 20 samples of one benchmark.
fn results() -> String {
    let mut body = String::new();
    for s in 0..20 {
        for i in 0..4 {
            let value = if (s + i) % 10 < 8 - 2 * i { 1.0 } else { 0.0 };
            body += &measurement_line("exam", &format!("m{i}"), &format!("s{s}"), "acc", value);
        }
    }
    body
}

fn leaderboard(server: &Server, benchmark: &str, method: &str, params: Value) -> (u16, Value) {
    let body = json!({
        "selection": {"benchmarks": [benchmark]},
        "method": method,
        "params": params,
        "uncertainty": {"bootstrap": 0, "seed": 5},
    })
    .to_string();
    let answer = server.post(
        "/v1/leaderboards",
        None,
        "application/json",
        body.as_bytes(),
    );
    (answer.status, answer.json)
}

fn game_theory_methods(backend: Backend) {
    let db = TestDb::new(backend);
    let server = Server::start(&db.url);
    let token = create_token(&db.url, "submit");
    for body in [verdicts(), results()] {
        let answer = server.submit_ndjson(&token, body.as_bytes());
        assert_eq!(answer.status, 201, "{}", answer.text());
    }
    for (benchmark, method, params) in [
        ("judge", "alpha-rank", json!({})),
        ("judge", "alpha-rank", json!({"alpha": "sweep"})),
        ("judge", "alpha-rank", json!({"alpha": 5, "resamples": 50})),
        ("judge", "nash-averaging", json!({})),
        ("exam", "alpha-rank", json!({"alpha": 10})),
        ("exam", "nash-averaging", json!({"source": "scores"})),
    ] {
        let (status, board) = leaderboard(&server, benchmark, method, params.clone());
        assert_eq!(status, 200, "{method} {params}: {board}");
        let rows = board["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 4, "{method} {params}: {board}");
        assert_eq!(rows[0]["model"], "m0", "{method} {params}: {board}");
        let diagnostics = &board["diagnostics"]["method"];
        if method == "alpha-rank" {
            let extra = &diagnostics["alpha_rank"];
            let sum: f64 = rows.iter().map(|r| r["score"].as_f64().unwrap()).sum();
            assert!((sum - 1.0).abs() < 1e-12, "{board}");
            if params["alpha"] == "sweep" {
                assert_eq!(extra["alpha_mode"], "sweep", "{board}");
                assert!(extra["alpha"].as_f64().unwrap() > 1e-4, "{board}");
            }
            if params.get("resamples").is_some() {
                for row in rows {
                    assert!(
                        row["ci_low"].is_number() && row["ci_high"].is_number(),
                        "{row}"
                    );
                }
            }
        } else {
            assert_eq!(
                diagnostics["nash_averaging"]["support"],
                json!(["m0"]),
                "{board}"
            );
        }
    }
    let (status, problem) = leaderboard(&server, "judge", "alpha-rank", json!({"population": 1}));
    assert_eq!(status, 400, "{problem}");
    assert!(problem.to_string().contains("population"), "{problem}");
}

#[test]
fn game_theory_methods_on_postgres() {
    game_theory_methods(Backend::Postgres);
}

#[test]
fn game_theory_methods_on_sqlite() {
    game_theory_methods(Backend::Sqlite);
}
