//! The real server binary with real plugin libraries: the built-in plugins found next to the
//! binary, and a plugin directory full of broken and misbehaving fixtures plus the C example.

use podium_e2e::{Server, TestDb, create_token, measurement_line};
use podium_storage::testing::Backend;
use serde_json::{Value, json};

fn seed(server: &Server, db_url: &str) {
    let token = create_token(db_url, "submit");
    let mut body = String::new();
    for (model, values) in [("a", [1.0, 1.0, 0.0]), ("b", [0.0, 1.0, 0.0])] {
        for (sample, value) in values.iter().enumerate() {
            body += &measurement_line("bench", model, &format!("s{sample}"), "acc", *value);
            body.push('\n');
        }
    }
    let answer = server.submit_ndjson(&token, body.as_bytes());
    assert_eq!(answer.status, 201, "{}", answer.text());
}

fn leaderboard(server: &Server, method: &str) -> podium_e2e::Response {
    let body = json!({"selection": {"benchmarks": ["bench"]}, "method": method}).to_string();
    server.post(
        "/v1/leaderboards",
        None,
        "application/json",
        body.as_bytes(),
    )
}

#[test]
fn the_built_in_plugins_are_served_from_beside_the_binary() {
    let db = TestDb::new(Backend::Sqlite);
    let server = Server::start(&db.url);
    let methods = server.get("/v1/methods");
    assert_eq!(methods.status, 200);
    let ids: Vec<&str> = methods
        .json
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    for id in ["mean", "macro_mean", "win_rate"] {
        assert!(
            ids.contains(&id),
            "{id} missing: {ids:?} (run `cargo build --workspace`)"
        );
    }
    // No fixture is ever served by default.
    assert!(!ids.contains(&"endless"), "{ids:?}");
    seed(&server, &db.url);
    let board = leaderboard(&server, "mean");
    assert_eq!(board.status, 200, "{}", board.text());
    assert_eq!(board.json["rows"][0]["model"], "a");
}

#[test]
fn broken_and_misbehaving_plugins_never_take_the_server_down() {
    let fixtures = podium_fixtures::fixtures();
    let db = TestDb::new(Backend::Postgres);
    let dir = fixtures.dir.display().to_string();
    let server = Server::start_with(
        &db.url,
        &[
            ("PODIUM_PLUGIN_DIR", dir.as_str()),
            ("PODIUM_METHOD_DEADLINE_SECS", "0.5"),
        ],
    );
    let plugins = server.get("/v1/plugins");
    assert_eq!(plugins.status, 200);
    let by_file: Vec<(String, String, Option<String>)> = plugins
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["file"].as_str().unwrap().to_owned(),
                p["status"].as_str().unwrap().to_owned(),
                p["error"]["code"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let code_of = |fragment: &str| {
        by_file
            .iter()
            .find(|(file, _, _)| file.contains(fragment))
            .unwrap_or_else(|| panic!("{fragment} not listed: {by_file:?}"))
            .2
            .clone()
    };
    assert_eq!(code_of("not_a_library").as_deref(), Some("not_a_library"));
    assert_eq!(code_of("no_symbol").as_deref(), Some("symbol_missing"));
    assert_eq!(code_of("wrong_major").as_deref(), Some("wrong_major"));
    assert_eq!(code_of("newer_minor").as_deref(), Some("newer_minor"));
    assert_eq!(
        code_of("malformed_size").as_deref(),
        Some("malformed_descriptor")
    );
    assert_eq!(code_of("null_run").as_deref(), Some("malformed_descriptor"));
    assert_eq!(
        code_of("describe_panics").as_deref(),
        Some("describe_panicked")
    );
    assert_eq!(code_of("c_example"), None);
    assert_eq!(code_of("misbehaving"), None);
    // A plugin built against an older minor of the ABI still loads.
    assert_eq!(code_of("old_minor"), None);

    seed(&server, &db.url);
    // The C plugin computes through the real server.
    let c = leaderboard(&server, "c_mean");
    assert_eq!(c.status, 200, "{}", c.text());
    let scores: Vec<(String, f64)> = c.json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["model"].as_str().unwrap().to_owned(),
                r["score"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        scores,
        vec![("a".into(), 2.0 / 3.0), ("b".into(), 1.0 / 3.0)]
    );

    let panicked = leaderboard(&server, "panics");
    assert_eq!(panicked.status, 500);
    assert_eq!(
        panicked.content_type.as_deref(),
        Some("application/problem+json")
    );
    assert_eq!(leaderboard(&server, "constant").status, 200);
    let endless = leaderboard(&server, "endless");
    assert_eq!(endless.status, 504, "{}", endless.text());
    assert_eq!(server.get("/readyz").status, 200);
    assert_eq!(leaderboard(&server, "c_mean").status, 200);
    let misbehaving: Value = server
        .get("/v1/plugins")
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "fixture-misbehaving")
        .cloned()
        .unwrap();
    assert_eq!(misbehaving["abandoned_calls"], 1);
}

#[test]
fn the_demo_serves_leaderboards_from_every_built_in_method_within_seconds() {
    let db = TestDb::new(Backend::Sqlite);
    let started = std::time::Instant::now();
    let server = Server::start_with(&db.url, &[("PODIUM_DEMO", "true")]);
    let methods = server.get("/v1/methods");
    assert_eq!(methods.status, 200);
    let skip_missing = "&params=%7B%22missing%22%3A%22skip%22%7D";
    for (method, benchmarks, extra) in [
        ("mean", "gsm-synth,code-synth", ""),
        (
            "macro_mean",
            "gsm-synth,code-synth,qa-synth,latency-synth",
            skip_missing,
        ),
        ("win_rate", "arena-synth", ""),
    ] {
        let board = server.get(&format!(
            "/v1/leaderboards?method={method}&benchmarks={benchmarks}{extra}"
        ));
        assert_eq!(board.status, 200, "{method}: {}", board.text());
        let rows = board.json["rows"].as_array().unwrap();
        assert!(rows.len() >= 30, "{method}: {} rows", rows.len());
    }
    let elapsed = started.elapsed();
    // Start-up, seeding and three leaderboards, on a debug build.
    assert!(elapsed < std::time::Duration::from_secs(30), "{elapsed:?}");
    eprintln!("demo: start-up + seed + 3 leaderboards in {elapsed:?}");
    // A restart does not seed twice.
    let version = server.data_version();
    drop(server);
    let again = Server::start_with(&db.url, &[("PODIUM_DEMO", "true")]);
    assert_eq!(again.data_version(), version);
}
