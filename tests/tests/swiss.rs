//! The tournament methods (`csd`, `csd-sensitivity`, `single-elimination`, `round-robin`)
//! through the real server binary on both backends, on submitted sample-level results.

use podium_e2e::{Server, TestDb, create_token, measurement_line};
use podium_storage::testing::Backend;
use serde_json::{Value, json};

/// Eight models, six benchmarks of 10 samples: model `m{i}` solves sample s of benchmark b
/// when (s + b) mod 10 < 9 − i, so m0 is best everywhere and m7 worst.
fn results() -> String {
    let mut body = String::new();
    for b in 0..6 {
        for s in 0..10 {
            for i in 0..8 {
                let value = if (s + b) % 10 < 9 - i { 1.0 } else { 0.0 };
                body += &measurement_line(
                    &format!("bench{b}"),
                    &format!("m{i}"),
                    &format!("s{s}"),
                    "acc",
                    value,
                );
            }
        }
    }
    body
}

fn leaderboard(server: &Server, method: &str, params: Value) -> Value {
    let body = json!({
        "selection": {"benchmarks": ["bench0", "bench1", "bench2", "bench3", "bench4", "bench5"]},
        "method": method,
        "params": params,
        "uncertainty": {"bootstrap": 0, "seed": 3},
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

fn tournaments_rank_results(backend: Backend) {
    let db = TestDb::new(backend);
    let server = Server::start(&db.url);
    let token = create_token(&db.url, "submit");
    let answer = server.submit_ndjson(&token, results().as_bytes());
    assert_eq!(answer.status, 201, "{}", answer.text());
    for (method, params) in [
        ("csd", json!({"runs": 2000})),
        ("csd-sensitivity", json!({"runs": 500})),
        (
            "single-elimination",
            json!({"anchor": "m4", "data": "scores"}),
        ),
        ("round-robin", json!({"data": "scores"})),
    ] {
        let board = leaderboard(&server, method, params);
        let rows = board["rows"].as_array().unwrap();
        assert!(rows.len() >= 7, "{method}: {board}");
        if method != "csd-sensitivity" {
            assert_eq!(rows[0]["model"], "m0", "{method}: {board}");
        }
    }
}

#[test]
fn tournaments_rank_results_on_postgres() {
    tournaments_rank_results(Backend::Postgres);
}

#[test]
fn tournaments_rank_results_on_sqlite() {
    tournaments_rank_results(Backend::Sqlite);
}
