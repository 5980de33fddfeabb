//! Leaderboards through the API with real plugins (the built baseline cdylib, the C example,
//! the misbehaving fixture) on both backends, and the statistical behaviour of the host-level
//! bootstrap.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use podium_plugin_host::PluginHost;
use podium_server::leaderboard::{Watch, compute, prepare};
use podium_server::{AppState, ServeConfig, app};
use podium_storage::Store;
use podium_storage::selection::{SelectedBenchmark, SelectedData, SelectedSample};
use podium_storage::testing::{Backend, TestDb};
use podium_storage::tokens::{Scope, create_token};
use podium_wire::MetricKind;
use podium_wire::api::{LeaderboardRequest, Selection, Uncertainty};
use serde_json::{Value, json};

fn built_plugin(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../target/debug/{}{name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build --workspace` first (scripts/test does)",
        path.display()
    );
    path
}

fn plugins() -> Arc<PluginHost> {
    let f = podium_fixtures::fixtures();
    Arc::new(PluginHost::from_paths(&[
        built_plugin("podium_baseline"),
        built_plugin("podium_onebench"),
        built_plugin("podium_social_choice"),
        f.c_example.clone(),
        f.misbehaving.clone(),
    ]))
}

struct Env {
    _db: TestDb,
    state: AppState,
    token: String,
}

fn env(backend: Backend, deadline_secs: f64) -> Env {
    let db = TestDb::new(backend);
    let store = Store::open(&db.url, 4).unwrap();
    let token = create_token(&mut store.conn().unwrap(), Scope::Submit, None)
        .unwrap()
        .1;
    let mut config = ServeConfig::for_database(&db.url);
    config.method_deadline_secs = deadline_secs;
    Env {
        _db: db,
        state: AppState {
            store,
            config,
            plugins: plugins(),
            caches: Default::default(),
        },
        token,
    }
}

struct Reply {
    status: StatusCode,
    etag: Option<String>,
    content_type: String,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

async fn call(env: &Env, req: TestRequest) -> Reply {
    call_state(&env.state, req).await
}

async fn call_state(state: &AppState, req: TestRequest) -> Reply {
    let service = test::init_service(app(state.clone())).await;
    let response = test::call_service(&service, req.to_request()).await;
    let status = response.status();
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let etag = header("etag");
    let content_type = header("content-type").unwrap_or_default();
    let text = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    Reply {
        status,
        etag,
        content_type,
        text,
    }
}

/// gsm8k: a 3/4, b 1/4 (4 samples); mmlu: a 1/2, b 1/1 (2 samples, b only one); arena: a beats b
/// twice, b beats a once.
async fn seed_data(env: &Env) {
    let mut lines = Vec::new();
    for (model, values) in [("a", [1, 1, 1, 0]), ("b", [0, 0, 1, 0])] {
        for (sample, value) in values.iter().enumerate() {
            lines.push(json!({"type": "measurement", "model": model, "benchmark": "gsm8k",
                              "sample": format!("g{sample}"), "metric": "acc", "value": value,
                              "sample_metadata": {"tags": [if sample < 2 { "easy" } else { "hard" }],
                                                  "difficulty": sample, "source": {"lang": if sample % 2 == 0 { "en" } else { "de" }}}}));
        }
    }
    for (model, sample, value) in [("a", "m0", 1), ("a", "m1", 0), ("b", "m0", 1)] {
        lines.push(
            json!({"type": "measurement", "model": model, "benchmark": "mmlu",
                          "sample": sample, "metric": "acc", "value": value}),
        );
    }
    for winner in ["model_a", "model_a", "model_b"] {
        lines.push(
            json!({"type": "comparison", "benchmark": "arena", "sample": "q1",
                          "model_a": "a", "model_b": "b", "winner": winner}),
        );
    }
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let reply = call(
        env,
        TestRequest::post()
            .uri("/v1/submissions")
            .insert_header(("Authorization", format!("Bearer {}", env.token)))
            .insert_header(("Content-Type", "application/x-ndjson"))
            .set_payload(body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
}

fn board(body: Value) -> TestRequest {
    TestRequest::post().uri("/v1/leaderboards").set_json(body)
}

fn scores(reply: &Reply) -> BTreeMap<String, f64> {
    reply.json()["rows"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|r| {
            (
                r["model"].as_str().unwrap().to_owned(),
                r["score"].as_f64().unwrap(),
            )
        })
        .collect()
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $(#[actix_web::test] async fn $name() { super::$name(podium_storage::testing::Backend::Postgres).await })*
        }
        mod sqlite {
            $(#[actix_web::test] async fn $name() { super::$name(podium_storage::testing::Backend::Sqlite).await })*
        }
    };
}

on_both_backends!(
    methods_are_listed_with_schemas,
    baseline_leaderboards_match_hand_computed_values,
    bootstrap_is_deterministic_per_seed,
    invalid_params_name_the_field,
    the_c_plugin_computes_a_leaderboard,
    misbehaving_methods_do_not_hurt_the_server,
    etags_and_csv,
    big_bootstraps_run_as_jobs,
    long_estimates_switch_to_a_job,
    rescanning_needs_an_admin,
    metadata_filters_select_samples,
    embeddings_select_similar_samples,
    analyses_of_agreement_and_robustness,
    newest_values_count_and_retraction_restores,
    onebench_on_synthetic_data_through_the_api,
    social_choice_methods_compute_through_the_api,
);

async fn methods_are_listed_with_schemas(backend: Backend) {
    let env = env(backend, 10.0);
    let reply = call(&env, TestRequest::get().uri("/v1/methods")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let methods = reply.json();
    let ids: Vec<&str> = methods
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    for id in ["mean", "macro_mean", "win_rate", "c_mean"] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    for method in methods.as_array().unwrap() {
        assert_eq!(method["params_schema"]["type"], "object", "{method}");
    }
    let c = methods
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "c_mean")
        .unwrap();
    assert_eq!(c["plugin"], "c-example");
    assert_eq!(c["flags"]["uses_measurements"], true);
}

async fn baseline_leaderboards_match_hand_computed_values(backend: Backend) {
    let env = env(backend, 10.0);
    seed_data(&env).await;
    // mean over gsm8k + mmlu: a (3 + 1) / 6 = 2/3, b (1 + 1) / 5 = 2/5.
    let reply = call(
        &env,
        board(json!({"selection": {"benchmarks": ["gsm8k", "mmlu"]}, "method": "mean"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["rows"][0]["model"], "a");
    assert_eq!(body["rows"][0]["rank"], 1);
    assert_eq!(body["rows"][0]["n"], 6);
    assert!((body["rows"][0]["score"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert!((body["rows"][1]["score"].as_f64().unwrap() - 2.0 / 5.0).abs() < 1e-12);
    assert_eq!(body["rows"][1]["rank"], 2);
    assert_eq!(body["rows"][0]["ci_low"], Value::Null);
    assert_eq!(body["diagnostics"]["counts"]["measurements"], 11);

    // macro_mean: a (3/4 + 1/2) / 2 = 5/8, b (1/4 + 1) / 2 = 5/8 → a tie, shared rank 1.
    let reply = call(
        &env,
        board(json!({"selection": {"benchmarks": ["gsm8k", "mmlu"]}, "method": "macro_mean"})),
    )
    .await;
    let s = scores(&reply);
    assert_eq!(s.len(), 2, "{}", reply.text);
    assert!(
        (s["a"] - 0.625).abs() < 1e-12 && (s["b"] - 0.625).abs() < 1e-12,
        "{s:?}"
    );
    assert!(
        reply.json()["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["rank"] == 1)
    );

    // Tags narrow the samples: "hard" gsm8k samples g2, g3 → a 1/2, b 1/2.
    let reply = call(
        &env,
        board(json!({"selection": {"benchmarks": ["gsm8k"], "tags": ["hard"]}, "method": "mean"})),
    )
    .await;
    assert_eq!(
        scores(&reply),
        BTreeMap::from([("a".into(), 0.5), ("b".into(), 0.5)])
    );

    // Average win rate on arena: a 2/3, b 1/3.
    let reply = call(
        &env,
        board(json!({"selection": {"benchmarks": ["arena"]}, "method": "win_rate"})),
    )
    .await;
    let s = scores(&reply);
    assert!(
        (s["a"] - 2.0 / 3.0).abs() < 1e-12 && (s["b"] - 1.0 / 3.0).abs() < 1e-12,
        "{s:?}"
    );

    // Model filter, and unknown names are 404s.
    let reply = call(
        &env,
        board(json!({"selection": {"benchmarks": ["gsm8k"], "models": ["b"]}, "method": "mean"})),
    )
    .await;
    assert_eq!(scores(&reply), BTreeMap::from([("b".into(), 0.25)]));
    for selection in [
        json!({"benchmarks": ["nope"]}),
        json!({"benchmarks": ["gsm8k"], "metrics": {"gsm8k": "f1"}}),
        json!({"benchmarks": ["gsm8k"], "models": ["ghost"]}),
    ] {
        let reply = call(
            &env,
            board(json!({"selection": selection, "method": "mean"})),
        )
        .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
        assert_eq!(reply.content_type, "application/problem+json");
    }
}

async fn bootstrap_is_deterministic_per_seed(backend: Backend) {
    let env = env(backend, 10.0);
    seed_data(&env).await;
    let request = |seed: u64| {
        json!({"selection": {"benchmarks": ["gsm8k", "mmlu"]}, "method": "mean",
               "uncertainty": {"bootstrap": 200, "seed": seed, "level": 0.9}})
    };
    let first = call(&env, board(request(1))).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let again = call(&env, board(request(1))).await;
    let other = call(&env, board(request(2))).await;
    let rows = |r: &Reply| r.json()["rows"].clone();
    assert_eq!(rows(&first), rows(&again));
    assert_ne!(rows(&first), rows(&other));
    let row = &first.json()["rows"][0];
    let (low, high, score) = (
        row["ci_low"].as_f64().unwrap(),
        row["ci_high"].as_f64().unwrap(),
        row["score"].as_f64().unwrap(),
    );
    assert!(low <= score && score <= high, "{row}");
    assert!(row["rank_low"].as_u64().unwrap() >= 1 && row["rank_high"].as_u64().unwrap() <= 2);
    assert_eq!(first.json()["diagnostics"]["bootstrap"]["rounds"], 200);
}

async fn invalid_params_name_the_field(backend: Backend) {
    let env = env(backend, 10.0);
    seed_data(&env).await;
    let reply = call(
        &env,
        board(
            json!({"selection": {"benchmarks": ["gsm8k"]}, "method": "mean",
                          "params": {"min_samples": 0}}),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.content_type, "application/problem+json");
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains("min_samples"),
        "{}",
        reply.text
    );
    let reply = call(
        &env,
        board(
            json!({"selection": {"benchmarks": ["gsm8k"]}, "method": "mean",
                          "params": {"min_sample": 2}}),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains("min_sample"),
        "{}",
        reply.text
    );
    for (body, field) in [
        (
            json!({"selection": {"benchmarks": ["gsm8k"]}, "method": "nope"}),
            "method",
        ),
        (
            json!({"selection": {"benchmarks": []}, "method": "mean"}),
            "selection.benchmarks",
        ),
        (
            json!({"selection": {"benchmarks": ["gsm8k"]}, "method": "mean",
                "uncertainty": {"level": 1.5}}),
            "uncertainty.level",
        ),
    ] {
        let reply = call(&env, board(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert!(
            reply.json()["detail"].as_str().unwrap().starts_with(field),
            "{}",
            reply.text
        );
    }
}

async fn the_c_plugin_computes_a_leaderboard(backend: Backend) {
    let env = env(backend, 10.0);
    seed_data(&env).await;
    let reply = call(
        &env,
        board(
            json!({"selection": {"benchmarks": ["gsm8k"]}, "method": "c_mean",
                          "uncertainty": {"bootstrap": 20, "seed": 3}}),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        scores(&reply),
        BTreeMap::from([("a".into(), 0.75), ("b".into(), 0.25)])
    );
    assert_eq!(reply.json()["method"]["plugin"], "c-example");
}

async fn misbehaving_methods_do_not_hurt_the_server(backend: Backend) {
    let env = env(backend, 0.3);
    seed_data(&env).await;
    let run =
        |method: &str| board(json!({"selection": {"benchmarks": ["gsm8k"]}, "method": method}));
    let panicked = call(&env, run("panics")).await;
    assert_eq!(panicked.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(panicked.content_type, "application/problem+json");
    assert!(panicked.text.contains("fixture panic"), "{}", panicked.text);
    assert_eq!(call(&env, run("mean")).await.status, StatusCode::OK);
    let endless = call(&env, run("endless")).await;
    assert_eq!(endless.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(endless.content_type, "application/problem+json");
    assert_eq!(call(&env, run("mean")).await.status, StatusCode::OK);
    let plugins = call(&env, TestRequest::get().uri("/v1/plugins")).await;
    let misbehaving = plugins
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "fixture-misbehaving")
        .cloned()
        .unwrap();
    assert_eq!(misbehaving["abandoned_calls"], 1);
}

async fn etags_and_csv(backend: Backend) {
    let env = env(backend, 10.0);
    seed_data(&env).await;
    let request = json!({"selection": {"benchmarks": ["gsm8k"]}, "method": "mean"});
    let first = call(&env, board(request.clone())).await;
    let tag = first.etag.clone().expect("an ETag");
    assert!(tag.starts_with('"'));
    let same = call(&env, board(request.clone())).await;
    assert_eq!(same.etag.as_deref(), Some(tag.as_str()));
    assert_eq!(
        same.text, first.text,
        "the same request on the same data gives the same bytes"
    );
    let not_modified = call(
        &env,
        board(request.clone()).insert_header(("If-None-Match", tag.clone())),
    )
    .await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);

    // The GET form is the same leaderboard.
    let get = call(
        &env,
        TestRequest::get().uri("/v1/leaderboards?method=mean&benchmarks=gsm8k"),
    )
    .await;
    assert_eq!(get.status, StatusCode::OK, "{}", get.text);
    assert_eq!(get.etag.as_deref(), Some(tag.as_str()));
    let csv = call(
        &env,
        TestRequest::get()
            .uri("/v1/leaderboards?method=mean&benchmarks=gsm8k")
            .insert_header(("Accept", "text/csv")),
    )
    .await;
    assert!(csv.content_type.starts_with("text/csv"));
    assert_eq!(
        csv.text,
        "rank,model,score,ci_low,ci_high,rank_low,rank_high,n\n1,a,0.75,,,,,4\n2,b,0.25,,,,,4\n"
    );
    let bad = call(
        &env,
        TestRequest::get().uri("/v1/leaderboards?method=mean&benchmarks=gsm8k&bootstrap=many"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("bootstrap"));

    // New data: a new ETag, and the old one no longer matches.
    let reply = call(
        &env,
        TestRequest::post()
            .uri("/v1/submissions")
            .insert_header(("Authorization", format!("Bearer {}", env.token)))
            .insert_header(("Content-Type", "application/x-ndjson"))
            .set_payload(
                json!({"type": "measurement", "model": "c", "benchmark": "gsm8k", "sample": "g0",
                       "metric": "acc", "value": 1})
                .to_string(),
            ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let after = call(
        &env,
        board(request).insert_header(("If-None-Match", tag.clone())),
    )
    .await;
    assert_eq!(after.status, StatusCode::OK);
    assert_ne!(after.etag.as_deref(), Some(tag.as_str()));
    assert_eq!(scores(&after)["c"], 1.0);
}

async fn metadata_filters_select_samples(backend: Backend) {
    let env = env(backend, 10.0);
    seed_data(&env).await;
    let mean_of = |filters: Value| {
        board(json!({"selection": {"benchmarks": ["gsm8k"], "filters": filters}, "method": "mean"}))
    };
    // gsm8k values: a 1,1,1,0 and b 0,0,1,0 on g0..g3 (difficulty 0..3, lang en/de/en/de).
    for (filters, a, b) in [
        (
            json!([{"path": "difficulty", "op": "ge", "value": 2}]),
            0.5,
            0.5,
        ),
        (
            json!([{"path": "difficulty", "op": "lt", "value": 1}]),
            1.0,
            0.0,
        ),
        (
            json!([{"path": "source.lang", "op": "eq", "value": "en"}]),
            1.0,
            0.5,
        ),
        (
            json!([{"path": "tags", "op": "contains", "value": "easy"}]),
            1.0,
            0.0,
        ),
        (
            json!([{"path": "difficulty", "op": "in", "value": [1, 3]}]),
            0.5,
            0.0,
        ),
        (
            json!([{"path": "source.lang", "op": "ne", "value": "en"},
                   {"path": "difficulty", "op": "gt", "value": 1}]),
            0.0,
            0.0,
        ),
    ] {
        let reply = call(&env, mean_of(filters.clone())).await;
        assert_eq!(reply.status, StatusCode::OK, "{filters}: {}", reply.text);
        assert_eq!(
            scores(&reply),
            BTreeMap::from([("a".into(), a), ("b".into(), b)]),
            "{filters}"
        );
    }
    let bad = call(
        &env,
        mean_of(json!([{"path": "difficulty", "op": "in", "value": 3}])),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.json()["detail"]
            .as_str()
            .unwrap()
            .starts_with("selection.filters[0]")
    );
    let unknown_op = call(
        &env,
        mean_of(json!([{"path": "x", "op": "like", "value": 3}])),
    )
    .await;
    assert_eq!(unknown_op.status, StatusCode::BAD_REQUEST);
}

async fn embeddings_select_similar_samples(backend: Backend) {
    let env = env(backend, 10.0);
    seed_data(&env).await;
    let put = |sample: &str, vector: Value, token: Option<&str>| {
        let req = TestRequest::put()
            .uri(&format!(
                "/v1/benchmarks/gsm8k/samples/{sample}/embeddings/topics"
            ))
            .set_json(json!({"vector": vector}));
        match token {
            Some(t) => req.insert_header(("Authorization", format!("Bearer {t}"))),
            None => req,
        }
    };
    for (sample, vector) in [
        ("g0", json!([1.0, 0.0])),
        ("g1", json!([0.9, 0.1])),
        ("g2", json!([0.0, 1.0])),
        ("g3", json!([0.1, 0.9])),
    ] {
        let reply = call(&env, put(sample, vector, Some(&env.token))).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    }
    assert_eq!(
        call(&env, put("g0", json!([1.0, 0.0]), None)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let wrong_dim = call(&env, put("g1", json!([1.0, 0.0, 0.0]), Some(&env.token))).await;
    assert_eq!(wrong_dim.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong_dim.text.contains("dimensions"), "{}", wrong_dim.text);
    let unknown = call(&env, put("g9", json!([1.0, 0.0]), Some(&env.token))).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let near = |near: Value| {
        board(json!({"selection": {"benchmarks": ["gsm8k"], "near": near}, "method": "mean"}))
    };
    // Nearest two to [1, 0]: g0 and g1 → a 1, b 0.
    let reply = call(
        &env,
        near(json!({"space": "topics", "vector": [1, 0], "top_k": 2})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        scores(&reply),
        BTreeMap::from([("a".into(), 1.0), ("b".into(), 0.0)])
    );
    assert_eq!(reply.json()["diagnostics"]["counts"]["samples"], 2);
    // Samples like g2 (cosine ≥ 0.9): g2 and g3 → a 1/2, b 1/2.
    let reply = call(
        &env,
        near(json!({"space": "topics", "of": {"benchmark": "gsm8k", "sample": "g2"}, "threshold": 0.9})),
    )
    .await;
    assert_eq!(
        scores(&reply),
        BTreeMap::from([("a".into(), 0.5), ("b".into(), 0.5)])
    );
    for (bad, status) in [
        (
            json!({"space": "topics", "vector": [1, 0, 0], "top_k": 2}),
            StatusCode::CONFLICT,
        ),
        (
            json!({"space": "topics", "vector": [1, 0]}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"space": "nope", "of": {"benchmark": "gsm8k", "sample": "g0"}, "top_k": 1}),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let reply = call(&env, near(bad.clone())).await;
        assert_eq!(reply.status, status, "{bad}: {}", reply.text);
    }

    // Embeddings can come with the records themselves; a wrong dimension names the line.
    let lines = [
        json!({"type": "measurement", "model": "c", "benchmark": "gsm8k", "sample": "g4", "metric": "acc",
               "value": 1, "sample_embedding": [0.7, 0.7], "embedding_space": "topics"}),
        json!({"type": "measurement", "model": "c", "benchmark": "gsm8k", "sample": "g5", "metric": "acc",
               "value": 1, "sample_embedding": [0.7, 0.7, 0.1], "embedding_space": "topics"}),
    ];
    let submit = |body: String| {
        TestRequest::post()
            .uri("/v1/submissions")
            .insert_header(("Authorization", format!("Bearer {}", env.token)))
            .insert_header(("Content-Type", "application/x-ndjson"))
            .set_payload(body)
    };
    let rejected = call(&env, submit(format!("{}\n{}\n", lines[0], lines[1]))).await;
    assert_eq!(
        rejected.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        rejected.text
    );
    assert_eq!(rejected.json()["errors"][0]["line"], 2);
    assert_eq!(rejected.json()["errors"][0]["field"], "sample_embedding");
    let accepted = call(&env, submit(format!("{}\n", lines[0]))).await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.text);
    let reply = call(
        &env,
        near(json!({"space": "topics", "vector": [1, 1], "top_k": 1})),
    )
    .await;
    assert_eq!(scores(&reply), BTreeMap::from([("c".into(), 1.0)]));
}

async fn analyses_of_agreement_and_robustness(backend: Backend) {
    let env = env(backend, 10.0);
    seed_data(&env).await;
    let reply = call(
        &env,
        TestRequest::post().uri("/v1/analyses/agreement").set_json(json!({
            "selection": {"benchmarks": ["gsm8k", "mmlu"]},
            "methods": [{"method": "mean"}, {"method": "macro_mean", "params": {"missing": "skip"}}, {"method": "c_mean"}]
        })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let report = reply.json();
    // mean: a 2/3 > b 2/5; macro_mean: a 5/8 = b 5/8 (a tie); c_mean = mean.
    assert_eq!(report["tau"][0][0], 1.0);
    assert_eq!(report["tau"][0][2], 1.0);
    assert_eq!(
        report["tau"][0][1],
        Value::Null,
        "τ-b is undefined when one side is all ties: {report}"
    );
    assert_eq!(report["tau"][1][1], Value::Null);
    assert_eq!(report["models_compared"][0][1], 2);
    let one = call(
        &env,
        TestRequest::post()
            .uri("/v1/analyses/agreement")
            .set_json(json!({
            "selection": {"benchmarks": ["gsm8k"]}, "methods": [{"method": "mean"}]})),
    )
    .await;
    assert_eq!(one.status, StatusCode::BAD_REQUEST);

    let reply = call(
        &env,
        TestRequest::post()
            .uri("/v1/analyses/robustness")
            .set_json(json!({
                "selection": {"benchmarks": ["gsm8k", "mmlu"]}, "method": "mean",
                "fractions": [0.0, 0.5], "repeats": 8, "seed": 3
            })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let points = reply.json()["points"].clone();
    assert_eq!(
        points[0]["tau_mean"], 1.0,
        "nothing removed: the same ranking"
    );
    assert_eq!(points[0]["repeats"], 8);
    let half = &points[1];
    assert_eq!(
        half["repeats"].as_u64().unwrap() + half["unrankable"].as_u64().unwrap(),
        8
    );
    let again = call(
        &env,
        TestRequest::post()
            .uri("/v1/analyses/robustness")
            .set_json(json!({
                "selection": {"benchmarks": ["gsm8k", "mmlu"]}, "method": "mean",
                "fractions": [0.0, 0.5], "repeats": 8, "seed": 3
            })),
    )
    .await;
    assert_eq!(
        again.json()["points"],
        points,
        "the seed reproduces the curve"
    );
    let bad = call(
        &env,
        TestRequest::post()
            .uri("/v1/analyses/robustness")
            .set_json(json!({
            "selection": {"benchmarks": ["gsm8k"]}, "method": "mean", "fractions": [1.0]})),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

async fn newest_values_count_and_retraction_restores(backend: Backend) {
    let env = env(backend, 10.0);
    seed_data(&env).await;
    let submit = |body: String| {
        TestRequest::post()
            .uri("/v1/submissions")
            .insert_header(("Authorization", format!("Bearer {}", env.token)))
            .insert_header(("Content-Type", "application/x-ndjson"))
            .set_payload(body)
    };
    let line = |model: &str, sample: &str, value: f64, epoch: i32| {
        format!(
            "{}\n",
            json!({"type": "measurement", "model": model, "benchmark": "gsm8k", "sample": sample,
                   "metric": "acc", "value": value, "epoch": epoch})
        )
    };
    let mean = || board(json!({"selection": {"benchmarks": ["gsm8k"]}, "method": "mean"}));
    // b: 0,0,1,0 → 1/4. Overwrite b's g0 with 1 (newer submission wins) → 2/4.
    let newer = call(&env, submit(line("b", "g0", 1.0, 0))).await;
    assert_eq!(newer.status, StatusCode::CREATED);
    assert_eq!(scores(&call(&env, mean()).await)["b"], 0.5);
    // A second epoch on g1 (1) is averaged with its first (0): g1 counts 1/2 → (1 + ½ + 1 + 0)/4.
    call(&env, submit(line("b", "g1", 1.0, 1))).await;
    assert_eq!(scores(&call(&env, mean()).await)["b"], 0.625);
    // As of the first submission, the past; retracting the overwrite restores g0 = 0.
    let first_id = 1;
    let past = call(
        &env,
        board(json!({"selection": {"benchmarks": ["gsm8k"], "as_of": first_id}, "method": "mean"})),
    )
    .await;
    assert_eq!(scores(&past)["b"], 0.25);
    let id = newer.json()["id"].as_i64().unwrap();
    let retract = call(
        &env,
        TestRequest::delete()
            .uri(&format!("/v1/submissions/{id}"))
            .insert_header(("Authorization", format!("Bearer {}", env.token))),
    )
    .await;
    assert_eq!(retract.status, StatusCode::OK);
    assert_eq!(scores(&call(&env, mean()).await)["b"], 0.375);

    // Submissions stored before measurement blocks existed are read from the row table.
    {
        use diesel::prelude::*;
        let mut conn = env.state.store.conn().unwrap();
        let conn: &mut podium_storage::DbConnection = &mut conn;
        diesel::delete(podium_storage::schema::measurement_blocks::table)
            .execute(conn)
            .unwrap();
        diesel::update(podium_storage::schema::submissions::table)
            .set(podium_storage::schema::submissions::has_blocks.eq(false))
            .execute(conn)
            .unwrap();
    }
    let fresh = AppState {
        caches: Default::default(),
        ..env.state.clone()
    };
    let legacy = call_state(&fresh, mean()).await;
    assert_eq!(scores(&legacy)["b"], 0.375);
    assert_eq!(scores(&legacy)["a"], 0.75);
}

/// ONEBench end to end: synthetic data (100 models × 1,000 samples) submitted over the API,
/// ranked with a metadata filter, compared with the truth, and its robustness curve.
async fn onebench_on_synthetic_data_through_the_api(backend: Backend) {
    let env = env(backend, 30.0);
    let mut spec = podium_synth::SynthSpec::new(100, 1_000, 0.25, 11);
    spec.missing = 0.0;
    let data = podium_synth::generate(&spec);
    let mut body = String::new();
    for &(model, sample, value) in &data.values {
        body +=
            &json!({"type": "measurement", "model": format!("m{model:03}"), "benchmark": "synth",
                        "sample": format!("s{sample:04}"), "metric": "score", "value": value,
                        "sample_metadata": {"half": if sample % 2 == 0 { "even" } else { "odd" }}})
            .to_string();
        body.push('\n');
    }
    let reply = call(
        &env,
        TestRequest::post()
            .uri("/v1/submissions")
            .insert_header(("Authorization", format!("Bearer {}", env.token)))
            .insert_header(("Content-Type", "application/x-ndjson"))
            .set_payload(body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let selection = json!({"benchmarks": ["synth"],
                           "filters": [{"path": "half", "op": "eq", "value": "even"}]});
    let reply = call(
        &env,
        board(json!({"selection": selection, "method": "onebench"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["diagnostics"]["counts"]["samples"], 500);
    assert_eq!(body["rows"].as_array().unwrap().len(), 100);
    assert_eq!(body["diagnostics"]["method"]["onebench"]["converged"], true);
    let by_name = scores(&reply);
    let ranked: Vec<Option<f64>> = (0..100)
        .map(|m| by_name.get(&format!("m{m:03}")).copied())
        .collect();
    let tau = podium_synth::tau_vs_true_order(&ranked, &data.true_order);
    eprintln!("onebench on 500 filtered samples: τ vs truth {tau:.4}");
    assert!(tau > 0.9, "{tau}");

    let reply = call(
        &env,
        TestRequest::post()
            .uri("/v1/analyses/robustness")
            .set_json(json!({
                "selection": {"benchmarks": ["synth"]}, "method": "onebench",
                "fractions": [0.0, 0.95, 0.99], "repeats": 5, "seed": 1
            })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let points = reply.json()["points"].clone();
    for point in points.as_array().unwrap() {
        eprintln!(
            "robustness: {:.0} % missing → τ {:.4} ± {:.4} ({} repeats, {} unrankable)",
            point["fraction"].as_f64().unwrap() * 100.0,
            point["tau_mean"].as_f64().unwrap_or(f64::NAN),
            point["tau_sd"].as_f64().unwrap_or(f64::NAN),
            point["repeats"],
            point["unrankable"]
        );
    }
    assert_eq!(points[0]["tau_mean"], 1.0);
    let (t95, t99) = (
        points[1]["tau_mean"].as_f64().unwrap(),
        points[2]["tau_mean"].as_f64().unwrap(),
    );
    assert!(t95 > 0.75 && t99 > 0.4 && t95 > t99, "{points}");
}

async fn social_choice_methods_compute_through_the_api(backend: Backend) {
    let env = env(backend, 10.0);
    seed_data(&env).await;
    // Sample ballots: g0 a≻b, g1 a≻b, g2 a=b, g3 a=b, m0 a=b, m1 a alone → margin(a, b) = 2.
    for method in [
        "plurality",
        "borda",
        "copeland",
        "minimax",
        "schulze",
        "ranked_pairs",
        "split_cycle",
        "kemeny",
        "maximal_lotteries",
        "sco",
    ] {
        let reply = call(
            &env,
            board(json!({"selection": {"benchmarks": ["gsm8k", "mmlu"]}, "method": method})),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{method}: {}", reply.text);
        let body = reply.json();
        assert_eq!(body["rows"][0]["model"], "a", "{method}: {body}");
        assert_eq!(body["rows"][0]["rank"], 1, "{method}");
        assert_eq!(body["rows"][1]["rank"], 2, "{method}");
        let extra = &body["diagnostics"]["method"]["social_choice"];
        assert_eq!(extra["condorcet_winner"], "a", "{method}: {extra}");
        assert_eq!(
            extra["margins"],
            json!([[0.0, 2.0], [-2.0, 0.0]]),
            "{method}: {extra}"
        );
    }
    // A committee of one: a (the Borda winner), with its marginal gain first.
    let reply = call(
        &env,
        board(
            json!({"selection": {"benchmarks": ["gsm8k", "mmlu"]}, "method": "multiwinner",
                     "params": {"k": 1, "rule": "chamberlin_courant"}}),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = reply.json();
    assert_eq!(
        body["diagnostics"]["method"]["multiwinner"]["selected"],
        json!(["a"]),
        "{body}"
    );
    assert_eq!(body["rows"][0]["model"], "a");
    // Benchmarks as voters: gsm8k a 3/4 > b 1/4, mmlu a 1/2 < b 1 → a cycle-free tie, margin 0.
    let reply = call(
        &env,
        board(
            json!({"selection": {"benchmarks": ["gsm8k", "mmlu"]}, "method": "copeland",
                     "params": {"voters": "benchmarks"}}),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let extra = &reply.json()["diagnostics"]["method"]["social_choice"];
    assert_eq!(extra["margins"], json!([[0.0, 0.0], [0.0, 0.0]]), "{extra}");
    assert_eq!(extra["condorcet_winner"], Value::Null);
}

async fn long_estimates_switch_to_a_job(backend: Backend) {
    let mut env = env(backend, 10.0);
    env.state.config.async_above_secs = 0.0;
    seed_data(&env).await;
    let reply = call(
        &env,
        board(json!({"selection": {"benchmarks": ["gsm8k"]}, "method": "mean"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    let location = format!("/v1/jobs/{}", reply.json()["id"].as_str().unwrap());
    let seen = wait_for_job(&env, &location, |job| job["status"] != "running").await;
    assert_eq!(seen.last().unwrap()["status"], "succeeded");
}

async fn rescanning_needs_an_admin(backend: Backend) {
    let env = env(backend, 10.0);
    let rescan = |token: Option<&str>| {
        let req = TestRequest::post().uri("/v1/admin/plugins/rescan");
        match token {
            Some(token) => req.insert_header(("Authorization", format!("Bearer {token}"))),
            None => req,
        }
    };
    assert_eq!(
        call(&env, rescan(None)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(&env, rescan(Some(&env.token))).await.status,
        StatusCode::FORBIDDEN
    );
    let admin = create_token(&mut env.state.store.conn().unwrap(), Scope::Admin, None)
        .unwrap()
        .1;
    let reply = call(&env, rescan(Some(&admin))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json().as_array().unwrap().len(), 5);
}

async fn wait_for_job(env: &Env, location: &str, until: impl Fn(&Value) -> bool) -> Vec<Value> {
    let mut seen = Vec::new();
    for _ in 0..600 {
        let job = call(env, TestRequest::get().uri(location)).await.json();
        seen.push(job.clone());
        if until(&job) {
            return seen;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the job never got there: {:?}", seen.last());
}

async fn big_bootstraps_run_as_jobs(backend: Backend) {
    let env = env(backend, 30.0);
    seed_data(&env).await;
    let body = json!({"selection": {"benchmarks": ["gsm8k", "mmlu"]}, "method": "mean",
                      "uncertainty": {"bootstrap": 3000, "seed": 9}});
    let accepted = call(
        &env,
        TestRequest::post()
            .uri("/v1/leaderboards?async=true")
            .set_json(body.clone()),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.text);
    let location = format!("/v1/jobs/{}", accepted.json()["id"].as_str().unwrap());
    let seen = wait_for_job(&env, &location, |job| job["status"] != "running").await;
    let last = seen.last().unwrap();
    assert_eq!(last["status"], "succeeded", "{last}");
    let progress: Vec<f64> = seen
        .iter()
        .map(|j| j["progress"].as_f64().unwrap())
        .collect();
    assert!(
        progress.windows(2).all(|w| w[0] <= w[1]),
        "progress went back: {progress:?}"
    );
    assert!(
        progress.iter().any(|&p| p > 0.0 && p < 1.0),
        "no progress seen in {progress:?}"
    );
    assert_eq!(last["progress"], 1.0);
    let result = call(
        &env,
        TestRequest::get().uri(last["result"].as_str().unwrap()),
    )
    .await;
    assert_eq!(result.status, StatusCode::OK);

    // The synchronous answer, computed afresh (empty caches), is the same leaderboard.
    let fresh = AppState {
        caches: Default::default(),
        ..env.state.clone()
    };
    let sync = call_state(&fresh, board(body.clone())).await;
    assert_eq!(sync.status, StatusCode::OK);
    assert_eq!(result.json()["rows"], sync.json()["rows"]);
    assert_eq!(result.etag, sync.etag);

    // A long job can be cancelled.
    let long = json!({"selection": {"benchmarks": ["gsm8k", "mmlu"]}, "method": "mean",
                      "uncertainty": {"bootstrap": 10000, "seed": 10}});
    let accepted = call(
        &env,
        TestRequest::post()
            .uri("/v1/leaderboards")
            .insert_header(("Prefer", "respond-async"))
            .set_json(long),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED);
    let location = format!("/v1/jobs/{}", accepted.json()["id"].as_str().unwrap());
    wait_for_job(&env, &location, |job| {
        job["progress"].as_f64().unwrap() > 0.0
    })
    .await;
    let cancel = call(&env, TestRequest::delete().uri(&location)).await;
    assert_eq!(cancel.status, StatusCode::ACCEPTED);
    assert_eq!(cancel.json()["cancel_requested"], true);
    let seen = wait_for_job(&env, &location, |job| job["status"] != "running").await;
    let last = seen.last().unwrap();
    assert_eq!(last["status"], "cancelled", "{last}");
    assert!(last["progress"].as_f64().unwrap() < 1.0);
    assert_eq!(last["error"]["status"], 503);
    let no_result = call(&env, TestRequest::get().uri(&format!("{location}/result"))).await;
    assert_eq!(no_result.status, StatusCode::CONFLICT);
    let unknown = call(&env, TestRequest::get().uri("/v1/jobs/job_nope")).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

/// On synthetic data with a known truth, the 95 % bootstrap interval of the mean covers the
/// true mean in at least 90 % of 200 repetitions.
#[test]
fn bootstrap_intervals_cover_the_truth() {
    let host = PluginHost::from_paths(&[built_plugin("podium_baseline")]);
    let mean = host.method("mean").unwrap();
    let truths = [0.3, 0.5, 0.8];
    let samples = 200u32;
    let mut covered = [0u32; 3];
    let mut rng = 0x1234_5678_9abc_def0u64;
    let mut uniform = || {
        rng = rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let repetitions = 200;
    for repetition in 0..repetitions {
        let mut data = SelectedData {
            data_version: 1,
            benchmarks: vec![SelectedBenchmark {
                name: "synthetic".into(),
                metric: Some("acc".into()),
                kind: MetricKind::Binary,
                higher_is_better: true,
            }],
            models: truths
                .iter()
                .enumerate()
                .map(|(i, _)| (format!("m{i}"), "{}".into()))
                .collect(),
            samples: (0..samples)
                .map(|s| SelectedSample {
                    id: s.to_string(),
                    benchmark: 0,
                    metadata: "{}".into(),
                })
                .collect(),
            ..SelectedData::default()
        };
        for s in 0..samples {
            for (m, &p) in truths.iter().enumerate() {
                data.measurements
                    .push((m as u32, s, f64::from(u8::from(uniform() < p))));
            }
        }
        let prepared = prepare(data).unwrap();
        let request = LeaderboardRequest {
            selection: Selection {
                benchmarks: vec!["synthetic".into()],
                metrics: BTreeMap::new(),
                models: vec![],
                tags: vec![],
                filters: vec![],
                near: None,
                as_of: None,
            },
            method: "mean".into(),
            params: serde_json::Map::new(),
            uncertainty: Uncertainty {
                bootstrap: 200,
                seed: repetition,
                level: 0.95,
            },
        };
        let board = compute(
            &request,
            &mean,
            &prepared,
            std::time::Duration::from_secs(10),
            &Watch::default(),
        )
        .unwrap();
        for row in &board.rows {
            let m: usize = row.model[1..].parse().unwrap();
            if row.ci_low.unwrap() <= truths[m] && truths[m] <= row.ci_high.unwrap() {
                covered[m] += 1;
            }
        }
    }
    for (m, &hits) in covered.iter().enumerate() {
        let rate = f64::from(hits) / f64::from(repetitions as u32);
        eprintln!("coverage of the 95 % interval, p = {}: {rate}", truths[m]);
        assert!(
            rate >= 0.90,
            "model {m} (p = {}): coverage {rate}",
            truths[m]
        );
    }
}
