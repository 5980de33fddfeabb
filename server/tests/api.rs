//! API behaviour on both backends, in process: the same tests run against a fresh PostgreSQL
//! schema and a fresh SQLite file. (End-to-end tests against the real binary live in `tests/`.)

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use podium_server::{AppState, ServeConfig, app, openapi_json};
use podium_storage::Store;
use podium_storage::testing::{Backend, TestDb};
use podium_storage::tokens::{Scope, create_token};
use serde_json::{Value, json};

struct Env {
    _db: TestDb,
    state: AppState,
    submit: String,
    other_submit: String,
    read: String,
    admin: String,
}

fn env_with(backend: Backend, max_body_bytes: u64) -> Env {
    let db = TestDb::new(backend);
    let store = Store::open(&db.url, 4).expect("open store");
    let mut conn = store.conn().unwrap();
    let mut token = |scope| create_token(&mut conn, scope, Some("test")).unwrap().1;
    let (submit, other_submit, read, admin) = (
        token(Scope::Submit),
        token(Scope::Submit),
        token(Scope::Read),
        token(Scope::Admin),
    );
    drop(conn);
    let mut config = ServeConfig::for_database(&db.url);
    config.max_body_bytes = max_body_bytes;
    Env {
        _db: db,
        state: AppState {
            store,
            config,
            plugins: std::sync::Arc::new(podium_plugin_host::PluginHost::default()),
            caches: Default::default(),
        },
        submit,
        other_submit,
        read,
        admin,
    }
}

fn env(backend: Backend) -> Env {
    env_with(backend, 512 * 1024 * 1024)
}

struct Reply {
    status: StatusCode,
    content_type: String,
    replayed: bool,
    body: Value,
}

async fn call(env: &Env, req: TestRequest) -> Reply {
    let service = test::init_service(app(env.state.clone())).await;
    let response = test::call_service(&service, req.to_request()).await;
    let status = response.status();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let content_type = header("content-type");
    let replayed = header("idempotent-replayed") == "true";
    let bytes = test::read_body(response).await;
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Reply {
        status,
        content_type,
        replayed,
        body,
    }
}

fn ndjson(records: &[Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

fn submission(token: &str, body: String) -> TestRequest {
    TestRequest::post()
        .uri("/v1/submissions")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Content-Type", "application/x-ndjson"))
        .set_payload(body)
}

fn measurement(model: &str, sample: &str, value: f64) -> Value {
    json!({"type": "measurement", "model": model, "benchmark": "gsm8k", "sample": sample,
           "metric": "exact_match", "value": value})
}

fn comparison(a: &str, b: &str, winner: &str) -> Value {
    json!({"type": "comparison", "benchmark": "arena", "sample": "q1", "model_a": a,
           "model_b": b, "winner": winner, "judge": "gpt-4-judge"})
}

async fn get(env: &Env, uri: &str) -> Reply {
    call(env, TestRequest::get().uri(uri)).await
}

async fn counts(env: &Env, benchmark: &str) -> Value {
    let reply = get(env, &format!("/v1/benchmarks/{benchmark}")).await;
    if reply.status == StatusCode::NOT_FOUND {
        return json!({"samples": 0, "models": 0, "measurements": 0, "comparisons": 0});
    }
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body["counts"].clone()
}

async fn values(env: &Env, query: &str) -> Vec<(String, String, f64)> {
    let reply = get(env, &format!("/v1/benchmarks/gsm8k/measurements{query}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let mut rows: Vec<_> = reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["model"].as_str().unwrap().to_owned(),
                m["sample"].as_str().unwrap().to_owned(),
                m["value"].as_f64().unwrap(),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.partial_cmp(b).unwrap());
    rows
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
    submit_and_read_back,
    idempotent_replays,
    bad_line_in_the_middle_stores_nothing,
    not_ndjson_is_400,
    tokens_and_scopes,
    oversized_body_is_413,
    retraction_restores_older_value,
    metric_declarations_are_enforced,
    benchmarks_are_declared_and_listed,
    json_array_bodies,
    errors_are_problem_json,
    pagination_walks_every_sample,
    data_version_moves_with_every_write,
    concurrent_submissions,
);

async fn submit_and_read_back(backend: Backend) {
    let env = env(backend);
    let mut records = vec![
        measurement("m1", "1", 1.0),
        measurement("m2", "1", 0.0),
        measurement("m1", "2", 0.0),
        comparison("m1", "m2", "model_a"),
        comparison("m1", "m2", "model_a"),
    ];
    records[0]["sample_metadata"] = json!({"tags": ["arithmetic"], "difficulty": 3});
    records[1]["model_metadata"] = json!({"org": "acme"});
    let reply = call(&env, submission(&env.submit, ndjson(&records))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(reply.body["measurements"], 3);
    assert_eq!(reply.body["comparisons"], 2);
    let created = &reply.body["created"];
    assert_eq!(created["benchmarks"], json!(["gsm8k", "arena"]));
    assert_eq!(created["models"], json!(["m1", "m2"]));
    assert_eq!(
        created["metrics"],
        json!([{"benchmark": "gsm8k", "metric": "exact_match", "kind": "score", "higher_is_better": true}])
    );
    assert_eq!(created["samples"][0]["ids"], json!(["1", "2"]));

    // Comparisons add up: the same verdict twice is two rows of evidence.
    assert_eq!(
        counts(&env, "arena").await,
        json!({"samples": 1, "models": 2, "measurements": 0, "comparisons": 2})
    );
    assert_eq!(
        counts(&env, "gsm8k").await,
        json!({"samples": 2, "models": 2, "measurements": 3, "comparisons": 0})
    );
    let samples = get(&env, "/v1/benchmarks/gsm8k/samples").await;
    assert_eq!(
        samples.body["items"][0]["metadata"],
        json!({"tags": ["arithmetic"], "difficulty": 3})
    );
    let models = get(&env, "/v1/models").await;
    assert_eq!(models.body["items"][1]["metadata"], json!({"org": "acme"}));
    assert_eq!(
        values(&env, "").await,
        vec![
            ("m1".into(), "1".into(), 1.0),
            ("m1".into(), "2".into(), 0.0),
            ("m2".into(), "1".into(), 0.0)
        ]
    );
    assert_eq!(values(&env, "?model=m2").await.len(), 1);
    let id = reply.body["id"].as_i64().unwrap();
    let view = get(&env, &format!("/v1/submissions/{id}")).await;
    assert_eq!(view.status, StatusCode::OK);
    assert_eq!(view.body["measurements"], 3);
    assert_eq!(view.body["retracted"], false);
    assert_eq!(view.body["source_format"], "ndjson");
}

async fn idempotent_replays(backend: Backend) {
    let env = env(backend);
    let body = ndjson(&[measurement("m1", "1", 1.0), comparison("a", "b", "tie")]);
    let first = call(
        &env,
        submission(&env.submit, body.clone()).insert_header(("Idempotency-Key", "run-42")),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(!first.replayed);

    let again = call(
        &env,
        submission(&env.submit, body.clone()).insert_header(("Idempotency-Key", "run-42")),
    )
    .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert!(again.replayed);
    assert_eq!(again.body, first.body, "a replay returns the original body");

    // The same body under no key, or another key, is recognised by its hash.
    let no_key = call(&env, submission(&env.submit, body.clone())).await;
    assert_eq!(no_key.body["id"], first.body["id"]);
    assert!(no_key.replayed);
    let other_key = call(
        &env,
        submission(&env.submit, body.clone()).insert_header(("Idempotency-Key", "run-43")),
    )
    .await;
    assert_eq!(other_key.body["id"], first.body["id"]);
    assert_eq!(counts(&env, "gsm8k").await["measurements"], 1);
    assert_eq!(counts(&env, "arena").await["comparisons"], 1);

    // The same key with another body is refused.
    let other_body = ndjson(&[measurement("m1", "1", 0.0)]);
    let clash = call(
        &env,
        submission(&env.submit, other_body.clone()).insert_header(("Idempotency-Key", "run-42")),
    )
    .await;
    assert_eq!(clash.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(clash.content_type, "application/problem+json");
    assert!(
        clash.body["detail"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key")
    );
    assert_eq!(counts(&env, "gsm8k").await["measurements"], 1);

    // Once retracted, the same body is new content again.
    let id = first.body["id"].as_i64().unwrap();
    let retract = call(
        &env,
        TestRequest::delete()
            .uri(&format!("/v1/submissions/{id}"))
            .insert_header(("Authorization", format!("Bearer {}", env.submit))),
    )
    .await;
    assert_eq!(retract.status, StatusCode::OK);
    let fresh = call(&env, submission(&env.submit, body)).await;
    assert_eq!(fresh.status, StatusCode::CREATED);
    assert!(!fresh.replayed);
    assert_ne!(fresh.body["id"], first.body["id"]);
}

async fn bad_line_in_the_middle_stores_nothing(backend: Backend) {
    let env = env(backend);
    let mut records: Vec<Value> = (0..50)
        .map(|i| measurement("m1", &i.to_string(), 1.0))
        .collect();
    records[24] = json!({"type": "measurement", "model": "m1", "benchmark": "gsm8k",
                         "sample": "24", "metric": "exact_match", "value": "NaN"});
    records[30]["epoch"] = json!(-3);
    let reply = call(&env, submission(&env.submit, ndjson(&records))).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.content_type, "application/problem+json");
    assert_eq!(reply.body["status"], 422);
    assert_eq!(
        reply.body["errors"],
        json!([
            {"line": 25, "field": "value", "reason": "expected a finite number, found a string"},
            {"line": 31, "field": "epoch", "reason": "-3 is outside 0..=2147483647"}
        ])
    );
    assert_eq!(reply.body["error_count"], 2);
    // Nothing at all landed: not even the benchmark, models or samples of the valid lines.
    assert_eq!(
        get(&env, "/v1/benchmarks/gsm8k").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&env, "/v1/models").await.body["items"], json!([]));

    // At most 100 errors are listed; the count says how many there were.
    let bad: Vec<Value> = (0..150)
        .map(|i| json!({"type": "measurement", "model": "", "benchmark": "b", "sample": i.to_string(), "metric": "m", "value": 1}))
        .collect();
    let reply = call(&env, submission(&env.submit, ndjson(&bad))).await;
    assert_eq!(reply.body["errors"].as_array().unwrap().len(), 100);
    assert_eq!(reply.body["error_count"], 150);

    // A duplicate key inside one submission names both lines.
    let dup = ndjson(&[measurement("m1", "1", 1.0), measurement("m1", "1", 0.0)]);
    let reply = call(&env, submission(&env.submit, dup)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body["errors"][0]["line"], 2);
    assert!(
        reply.body["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("line 1")
    );
}

async fn not_ndjson_is_400(backend: Backend) {
    let env = env(backend);
    let reply = call(
        &env,
        submission(&env.submit, "model,sample,value\nm1,1,0.5\n".into()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.content_type, "application/problem+json");
    let empty = call(&env, submission(&env.submit, String::new())).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let wrong_type = call(
        &env,
        submission(&env.submit, "x".into()).insert_header(("Content-Type", "text/csv")),
    )
    .await;
    assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

async fn tokens_and_scopes(backend: Backend) {
    let env = env(backend);
    let body = ndjson(&[measurement("m1", "1", 1.0)]);
    let anonymous = call(
        &env,
        TestRequest::post()
            .uri("/v1/submissions")
            .insert_header(("Content-Type", "application/x-ndjson"))
            .set_payload(body.clone()),
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.content_type, "application/problem+json");
    let unknown = call(&env, submission("pdm_not_a_token", body.clone())).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let read_only = call(&env, submission(&env.read, body.clone())).await;
    assert_eq!(read_only.status, StatusCode::FORBIDDEN);
    assert_eq!(read_only.content_type, "application/problem+json");
    assert_eq!(
        get(&env, "/v1/benchmarks/gsm8k").await.status,
        StatusCode::NOT_FOUND
    );
    let admin = call(&env, submission(&env.admin, body)).await;
    assert_eq!(admin.status, StatusCode::CREATED);
    // Reads are public.
    assert_eq!(get(&env, "/v1/benchmarks").await.status, StatusCode::OK);
}

async fn oversized_body_is_413(backend: Backend) {
    let env = env_with(backend, 2_000);
    let records: Vec<Value> = (0..100)
        .map(|i| measurement("m1", &i.to_string(), 1.0))
        .collect();
    let body = ndjson(&records);
    assert!(body.len() > 2_000);
    // With a Content-Length the server refuses before reading; without one, while streaming.
    let declared = call(
        &env,
        submission(&env.submit, body.clone())
            .insert_header(("Content-Length", body.len().to_string())),
    )
    .await;
    assert_eq!(declared.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(declared.content_type, "application/problem+json");
    let streamed = call(&env, submission(&env.submit, body)).await;
    assert_eq!(streamed.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        get(&env, "/v1/benchmarks/gsm8k").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn retraction_restores_older_value(backend: Backend) {
    let env = env(backend);
    let old = call(
        &env,
        submission(
            &env.submit,
            ndjson(&[measurement("m1", "1", 0.25), measurement("m1", "2", 1.0)]),
        ),
    )
    .await;
    assert_eq!(old.status, StatusCode::CREATED);
    let new = call(
        &env,
        submission(&env.submit, ndjson(&[measurement("m1", "1", 0.75)])),
    )
    .await;
    let new_id = new.body["id"].as_i64().unwrap();
    assert_eq!(
        values(&env, "").await,
        vec![
            ("m1".into(), "1".into(), 0.75),
            ("m1".into(), "2".into(), 1.0)
        ]
    );
    // "As of" the first submission reproduces the past.
    let old_id = old.body["id"].as_i64().unwrap();
    assert_eq!(
        values(&env, &format!("?as_of={old_id}")).await[0],
        ("m1".into(), "1".into(), 0.25)
    );

    let delete = |token: &str| {
        TestRequest::delete()
            .uri(&format!("/v1/submissions/{new_id}"))
            .insert_header(("Authorization", format!("Bearer {token}")))
    };
    assert_eq!(
        call(&env, delete(&env.other_submit)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&env, delete(&env.read)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(
            &env,
            TestRequest::delete().uri(&format!("/v1/submissions/{new_id}"))
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(values(&env, "").await[0].2, 0.75);

    let retracted = call(&env, delete(&env.submit)).await;
    assert_eq!(retracted.status, StatusCode::OK);
    assert_eq!(retracted.body["retracted"], true);
    assert_eq!(
        values(&env, "").await,
        vec![
            ("m1".into(), "1".into(), 0.25),
            ("m1".into(), "2".into(), 1.0)
        ]
    );
    // Nothing was deleted; the count of live rows dropped.
    assert_eq!(counts(&env, "gsm8k").await["measurements"], 2);
    // An admin may retract anyone's submission; retracting twice is harmless.
    let by_admin = call(
        &env,
        TestRequest::delete()
            .uri(&format!("/v1/submissions/{old_id}"))
            .insert_header(("Authorization", format!("Bearer {}", env.admin))),
    )
    .await;
    assert_eq!(by_admin.status, StatusCode::OK);
    assert_eq!(values(&env, "").await, vec![]);
    assert_eq!(call(&env, delete(&env.submit)).await.status, StatusCode::OK);
    assert_eq!(
        call(
            &env,
            TestRequest::delete()
                .uri("/v1/submissions/999999")
                .insert_header(("Authorization", format!("Bearer {}", env.admin)))
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

async fn metric_declarations_are_enforced(backend: Backend) {
    let env = env(backend);
    let mut first = measurement("m1", "1", 3.0);
    first["metric"] = json!("latency_s");
    first["metric_kind"] = json!("score");
    first["higher_is_better"] = json!(false);
    let reply = call(&env, submission(&env.submit, ndjson(&[first.clone()]))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(
        reply.body["created"]["metrics"][0]["higher_is_better"],
        false
    );

    // A later record may not redeclare the metric differently.
    let mut clash = measurement("m2", "1", 2.0);
    clash["metric"] = json!("latency_s");
    clash["higher_is_better"] = json!(true);
    let reply = call(
        &env,
        submission(&env.submit, ndjson(&[measurement("m2", "2", 1.0), clash])),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body["errors"][0]["line"], 2);
    assert_eq!(reply.body["errors"][0]["field"], "higher_is_better");

    // Declared binary metrics accept 0 and 1 only, reported per line.
    let declare = TestRequest::post()
        .uri("/v1/benchmarks")
        .insert_header(("Authorization", format!("Bearer {}", env.submit)))
        .set_json(json!({"name": "gsm8k", "metrics": [
            {"name": "exact_match", "kind": "binary"},
            {"name": "f1", "kind": "score", "range": [0, 1]}
        ]}));
    assert_eq!(call(&env, declare).await.status, StatusCode::OK);
    let mut f1 = measurement("m1", "3", 1.5);
    f1["metric"] = json!("f1");
    let reply = call(
        &env,
        submission(
            &env.submit,
            ndjson(&[measurement("m1", "2", 1.0), measurement("m1", "3", 0.5), f1]),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let lines: Vec<i64> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, vec![2, 3]);
    assert_eq!(counts(&env, "gsm8k").await["measurements"], 1);
}

async fn benchmarks_are_declared_and_listed(backend: Backend) {
    let env = env(backend);
    let post = |body: Value, token: &str| {
        TestRequest::post()
            .uri("/v1/benchmarks")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .set_json(body)
    };
    let spec = json!({"name": "mmlu", "description": "57 subjects", "metadata": {"url": "x"},
        "metrics": [{"name": "acc", "kind": "binary"}, {"name": "nll", "kind": "score", "higher_is_better": false}]});
    let reply = call(&env, post(spec.clone(), &env.read)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = call(&env, post(spec, &env.submit)).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["metrics"][0]["default"], true);
    assert_eq!(reply.body["metrics"][1]["higher_is_better"], false);

    // Update: a new default, description kept.
    let reply = call(
        &env,
        post(
            json!({"name": "mmlu", "metrics": [{"name": "nll", "kind": "score", "higher_is_better": false, "default": true}]}),
            &env.submit,
        ),
    )
    .await;
    assert_eq!(reply.body["description"], "57 subjects");
    assert_eq!(reply.body["metrics"][0]["default"], false);
    assert_eq!(reply.body["metrics"][1]["default"], true);

    let bad = call(
        &env,
        post(
            json!({"name": "x", "metrics": [{"name": "a", "kind": "score", "range": [1, 0]}]}),
            &env.submit,
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["errors"][0]["field"], "metrics[0].range");
    let unknown_kind = call(
        &env,
        post(
            json!({"name": "x", "metrics": [{"name": "a", "kind": "ordinal"}]}),
            &env.submit,
        ),
    )
    .await;
    assert_eq!(unknown_kind.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown_kind.content_type, "application/problem+json");

    let list = get(&env, "/v1/benchmarks").await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["items"][0]["name"], "mmlu");
    let detail = get(&env, "/v1/benchmarks/mmlu").await;
    assert_eq!(
        detail.body["counts"],
        json!({"samples": 0, "models": 0, "measurements": 0, "comparisons": 0})
    );
}

async fn json_array_bodies(backend: Backend) {
    let env = env(backend);
    let body = json!([
        measurement("m1", "1", 1.0),
        comparison("m1", "m2", "both_bad")
    ]);
    let reply = call(
        &env,
        submission(&env.submit, body.to_string())
            .insert_header(("Content-Type", "application/json")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(reply.body["measurements"], 1);
    assert_eq!(reply.body["comparisons"], 1);
    let bad = json!([measurement("m1", "2", 1.0), {"type": "comparison", "winner": "model_a"}]);
    let reply = call(
        &env,
        submission(&env.submit, bad.to_string())
            .insert_header(("Content-Type", "application/json")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["line"] == 2)
    );
    let reply = call(
        &env,
        submission(&env.submit, "{\"type\":\"measurement\"}".into())
            .insert_header(("Content-Type", "application/json")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

async fn errors_are_problem_json(backend: Backend) {
    let env = env(backend);
    let missing = get(&env, "/v1/nothing-here").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.content_type, "application/problem+json");
    assert_eq!(missing.body["status"], 404);
    assert_eq!(missing.body["title"], "Not Found");
    let wrong_method = call(&env, TestRequest::put().uri("/v1/models")).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.content_type, "application/problem+json");
    let no_benchmark = get(&env, "/v1/benchmarks/nope/samples").await;
    assert_eq!(no_benchmark.status, StatusCode::NOT_FOUND);
    assert_eq!(no_benchmark.content_type, "application/problem+json");
    let bad_cursor = get(&env, "/v1/models?cursor=zzz").await;
    assert_eq!(bad_cursor.status, StatusCode::BAD_REQUEST);
    let bad_limit = get(&env, "/v1/models?limit=0").await;
    assert_eq!(bad_limit.status, StatusCode::BAD_REQUEST);
    let text_limit = get(&env, "/v1/models?limit=ten").await;
    assert_eq!(text_limit.status, StatusCode::BAD_REQUEST);
    assert!(
        text_limit.body["detail"]
            .as_str()
            .unwrap()
            .contains("limit")
    );
    call(
        &env,
        submission(&env.submit, ndjson(&[measurement("m", "1", 1.0)])),
    )
    .await;
    let bad_as_of = get(&env, "/v1/benchmarks/gsm8k/measurements?as_of=abc").await;
    assert_eq!(bad_as_of.status, StatusCode::BAD_REQUEST);
    assert!(bad_as_of.body["detail"].as_str().unwrap().contains("as_of"));
    let bad_id = get(&env, "/v1/submissions/abc").await;
    assert_eq!(bad_id.status, StatusCode::NOT_FOUND);
    assert_eq!(bad_id.content_type, "application/problem+json");
    let health = get(&env, "/healthz").await;
    assert_eq!(health.body["status"], "ok");
    let ready = get(&env, "/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
}

async fn pagination_walks_every_sample(backend: Backend) {
    let env = env(backend);
    let records: Vec<Value> = (0..250)
        .map(|i| measurement("m1", &format!("s{i:03}"), 1.0))
        .collect();
    assert_eq!(
        call(&env, submission(&env.submit, ndjson(&records)))
            .await
            .status,
        StatusCode::CREATED
    );
    for path in ["samples", "measurements"] {
        let mut seen = Vec::new();
        let mut uri = format!("/v1/benchmarks/gsm8k/{path}?limit=100");
        loop {
            let page = get(&env, &uri).await;
            assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
            for item in page.body["items"].as_array().unwrap() {
                let key = if path == "samples" {
                    &item["id"]
                } else {
                    &item["sample"]
                };
                seen.push(key.as_str().unwrap().to_owned());
            }
            match page.body["next_cursor"].as_str() {
                Some(cursor) => {
                    uri = format!("/v1/benchmarks/gsm8k/{path}?limit=100&cursor={cursor}")
                }
                None => break,
            }
        }
        let expected: Vec<String> = (0..250).map(|i| format!("s{i:03}")).collect();
        assert_eq!(seen, expected, "{path}");
    }
}

async fn data_version_moves_with_every_write(backend: Backend) {
    let env = env(backend);
    let version = |reply: Reply| reply.body["data_version"].as_i64().unwrap();
    let v0 = version(get(&env, "/readyz").await);
    let reply = call(
        &env,
        submission(&env.submit, ndjson(&[measurement("m", "1", 1.0)])),
    )
    .await;
    assert_eq!(reply.body["data_version"].as_i64().unwrap(), v0 + 1);
    let id = reply.body["id"].as_i64().unwrap();
    // A replay changes nothing.
    call(
        &env,
        submission(&env.submit, ndjson(&[measurement("m", "1", 1.0)])),
    )
    .await;
    assert_eq!(version(get(&env, "/readyz").await), v0 + 1);
    // A refused submission changes nothing.
    call(
        &env,
        submission(&env.submit, "{\"type\":\"measurement\"}\n".into()),
    )
    .await;
    assert_eq!(version(get(&env, "/readyz").await), v0 + 1);
    call(
        &env,
        TestRequest::delete()
            .uri(&format!("/v1/submissions/{id}"))
            .insert_header(("Authorization", format!("Bearer {}", env.submit))),
    )
    .await;
    assert_eq!(version(get(&env, "/readyz").await), v0 + 2);
}

async fn concurrent_submissions(backend: Backend) {
    let env = env(backend);
    let service = test::init_service(app(env.state.clone())).await;
    let body = |offset: usize| {
        let records: Vec<Value> = (0..2_000)
            .map(|i| {
                let model = format!("b{offset}-m{}", i % 7);
                measurement(&model, &format!("s{}", (i + offset) % 500), i as f64)
            })
            .collect();
        ndjson(&records)
    };
    // The same body twice at once: stored once, both answers name the same submission.
    let same = body(0);
    let (a, b) = futures_util::future::join(
        test::call_service(&service, submission(&env.submit, same.clone()).to_request()),
        test::call_service(&service, submission(&env.submit, same).to_request()),
    )
    .await;
    assert_eq!(a.status(), StatusCode::CREATED);
    assert_eq!(b.status(), StatusCode::CREATED);
    let a: Value = test::read_body_json(a).await;
    let b: Value = test::read_body_json(b).await;
    assert_eq!(a["id"], b["id"]);
    assert_eq!(counts(&env, "gsm8k").await["measurements"], 2_000);
    // Different bodies creating the same new samples and metric at once: both land.
    let (c, d) = futures_util::future::join(
        test::call_service(&service, submission(&env.submit, body(1)).to_request()),
        test::call_service(
            &service,
            submission(&env.other_submit, body(2)).to_request(),
        ),
    )
    .await;
    assert_eq!(c.status(), StatusCode::CREATED);
    assert_eq!(d.status(), StatusCode::CREATED);
    assert_eq!(counts(&env, "gsm8k").await["measurements"], 6_000);
    assert_eq!(counts(&env, "gsm8k").await["samples"], 500);
}

#[actix_web::test]
async fn the_docs_page_works_offline() {
    let env = env(Backend::Sqlite);
    let page = get(&env, "/docs/").await;
    assert_eq!(page.status, StatusCode::OK);
    let Value::String(html) = page.body else {
        panic!("the docs page is HTML");
    };
    assert!(html.contains("swagger-ui"), "{html}");
    // Every asset is served by us: nothing is fetched from another host.
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    for asset in [
        "/docs/swagger-ui.css",
        "/docs/swagger-ui-bundle.js",
        "/docs/swagger-initializer.js",
    ] {
        let reply = get(&env, asset).await;
        assert_eq!(reply.status, StatusCode::OK, "{asset}");
    }
    let initializer = get(&env, "/docs/swagger-initializer.js").await;
    assert!(format!("{:?}", initializer.body).contains("/openapi.json"));
    assert_eq!(
        get(&env, "/docs").await.status,
        StatusCode::PERMANENT_REDIRECT
    );
}

#[actix_web::test]
async fn served_openapi_matches_the_committed_file() {
    let committed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json"),
    )
    .expect("openapi/openapi.json is committed");
    let env = env(Backend::Sqlite);
    let service = test::init_service(app(env.state.clone())).await;
    let response = test::call_service(
        &service,
        TestRequest::get().uri("/openapi.json").to_request(),
    )
    .await;
    let served = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    assert_eq!(served, openapi_json());
    assert!(
        served == committed,
        "the served OpenAPI document differs from openapi/openapi.json; regenerate it with \
         `cargo run -p podium-server --bin podium -- openapi > openapi/openapi.json`"
    );
}
