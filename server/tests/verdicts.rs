//! Comparison verdicts (`A>>B` … `B>>A`), strengths and style covariates through the
//! submission API, on both backends (a fresh PostgreSQL schema and a fresh SQLite file).
//!
//! There is no HTTP listing of single comparisons, so stored rows are read back with the same
//! storage call the leaderboard uses (`load_selection`): what it returns is what ranking methods
//! receive through the plugin ABI (winner, strength, metadata JSON).

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use podium_server::{AppState, ServeConfig, app};
use podium_storage::Store;
use podium_storage::selection::{SelectedComparison, SelectionSpec, load_selection};
use podium_storage::testing::{Backend, TestDb};
use podium_storage::tokens::{Scope, create_token};
use podium_wire::Winner;
use serde_json::{Value, json};

struct Env {
    _db: TestDb,
    state: AppState,
    token: String,
}

fn env(backend: Backend) -> Env {
    let db = TestDb::new(backend);
    let store = Store::open(&db.url, 4).expect("open store");
    let token = create_token(&mut store.conn().unwrap(), Scope::Submit, Some("test"))
        .unwrap()
        .1;
    Env {
        state: AppState {
            store,
            config: ServeConfig::for_database(&db.url),
            plugins: Default::default(),
            caches: Default::default(),
        },
        _db: db,
        token,
    }
}

struct Reply {
    status: StatusCode,
    content_type: String,
    body: Value,
}

async fn call(env: &Env, req: TestRequest) -> Reply {
    let service = test::init_service(app(env.state.clone())).await;
    let response = test::call_service(&service, req.to_request()).await;
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = test::read_body(response).await;
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        content_type,
        body,
    }
}

async fn submit(env: &Env, records: &[Value]) -> Reply {
    let body: String = records.iter().map(|r| format!("{r}\n")).collect();
    let req = TestRequest::post()
        .uri("/v1/submissions")
        .insert_header(("Authorization", format!("Bearer {}", env.token)))
        .insert_header(("Content-Type", "application/x-ndjson"))
        .set_payload(body);
    call(env, req).await
}

/// An arena comparison of `a` and `b` on `sample`, with `extra` members merged in.
fn comparison(sample: &str, extra: Value) -> Value {
    let mut record = json!({"type": "comparison", "benchmark": "arena", "sample": sample,
                            "model_a": "a", "model_b": "b", "judge": "gpt-4-judge"});
    record
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    record
}

/// The stored comparisons of `arena` that count, in insertion order.
fn stored(env: &Env) -> Vec<SelectedComparison> {
    let spec = SelectionSpec {
        benchmarks: vec!["arena".into()],
        ..SelectionSpec::default()
    };
    let mut conn = env.state.store.conn().unwrap();
    let data = load_selection(&mut conn, &spec).expect("read the selection");
    assert_eq!(
        data.models,
        [("a".into(), "{}".into()), ("b".into(), "{}".into())]
    );
    data.comparisons
}

/// The `comparisons` count of `arena` (0 when the benchmark does not exist).
async fn comparison_count(env: &Env) -> Value {
    let reply = call(env, TestRequest::get().uri("/v1/benchmarks/arena")).await;
    if reply.status == StatusCode::NOT_FOUND {
        return json!(0);
    }
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body["counts"]["comparisons"].clone()
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
    verdicts_are_stored_as_winner_and_strength,
    bad_verdict_in_the_middle_stores_nothing,
    bad_strength_is_422,
    style_covariates_pass_through,
    bad_style_value_is_422,
);

async fn verdicts_are_stored_as_winner_and_strength(backend: Backend) {
    let env = env(backend);
    let verdicts = ["A>>B", "A>B", "A=B", "B>A", "B>>A"];
    let records: Vec<Value> = verdicts
        .iter()
        .enumerate()
        .map(|(i, v)| comparison(&format!("q{i}"), json!({"verdict": v})))
        .collect();
    let reply = submit(&env, &records).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(reply.body["comparisons"], 5);
    assert_eq!(comparison_count(&env).await, 5);

    let rows = stored(&env);
    let outcomes: Vec<(Winner, Option<f64>)> =
        rows.iter().map(|c| (c.winner, c.strength)).collect();
    assert_eq!(
        outcomes,
        [
            (Winner::ModelA, Some(2.0)),
            (Winner::ModelA, Some(1.0)),
            (Winner::Tie, None),
            (Winner::ModelB, Some(1.0)),
            (Winner::ModelB, Some(2.0)),
        ]
    );

    // The same verdicts as winner + strength (and once with both, agreeing) are stored as the
    // very same rows.
    let equivalent = [
        json!({"winner": "model_a", "strength": 2}),
        json!({"winner": "model_a", "strength": 1, "verdict": "A>B"}),
        json!({"winner": "tie"}),
        json!({"winner": "model_b", "strength": 1.0}),
        json!({"winner": "model_b", "strength": 2}),
    ];
    let records: Vec<Value> = equivalent
        .into_iter()
        .enumerate()
        .map(|(i, extra)| comparison(&format!("q{i}"), extra))
        .collect();
    let reply = submit(&env, &records).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let rows = stored(&env);
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[..5], rows[5..]);
}

async fn bad_verdict_in_the_middle_stores_nothing(backend: Backend) {
    let env = env(backend);
    let mut records: Vec<Value> = (0..9)
        .map(|i| comparison(&format!("q{i}"), json!({"verdict": "A>B"})))
        .collect();
    records[4] = comparison("q4", json!({"verdict": "A>>>B"}));
    records[6] = comparison("q6", json!({"verdict": "B>A", "winner": "model_a"}));
    let reply = submit(&env, &records).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        reply.body
    );
    assert_eq!(reply.content_type, "application/problem+json");
    assert_eq!(reply.body["status"], 422);
    assert_eq!(
        reply.body["errors"],
        json!([
            {"line": 5, "field": "verdict", "reason": "must be one of A>>B, A>B, A=B, B>A, B>>A"},
            {"line": 7, "field": "verdict",
             "reason": "conflicts with winner: B>A means winner model_b, but winner is model_a"}
        ])
    );
    assert_eq!(reply.body["error_count"], 2);
    assert_eq!(comparison_count(&env).await, 0);
}

async fn bad_strength_is_422(backend: Backend) {
    let env = env(backend);
    let records = [
        comparison("q0", json!({"winner": "model_a", "strength": 1.5})),
        comparison("q1", json!({"winner": "model_b", "strength": 0})),
        comparison("q2", json!({"winner": "tie", "strength": 1})),
        comparison("q3", json!({"verdict": "A=B", "strength": 2})),
    ];
    let reply = submit(&env, &records).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        reply.body
    );
    assert_eq!(reply.content_type, "application/problem+json");
    let errors: Vec<(u64, &str)> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(errors, [(2, "strength"), (3, "strength"), (4, "strength")]);
    assert_eq!(comparison_count(&env).await, 0);

    // Graded strengths are fine.
    let reply = submit(&env, &records[..1]).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(stored(&env)[0].strength, Some(1.5));
}

async fn style_covariates_pass_through(backend: Backend) {
    let env = env(backend);
    let style = json!({"model_a": {"tokens": 812, "headers": 4, "lists": 11, "bold": 6},
                       "model_b": {"tokens": 240, "headers": 0, "lists": 0, "bold": 0}});
    let records = [
        comparison(
            "q0",
            json!({"verdict": "A>>B", "metadata": {"style": style, "turn": 1}}),
        ),
        comparison("q1", json!({"winner": "model_b", "metadata": {"turn": 2}})),
    ];
    let reply = submit(&env, &records).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let rows = stored(&env);
    // The metadata text is what a method gets per comparison through the ABI.
    let metadata: Vec<Value> = rows
        .iter()
        .map(|c| serde_json::from_str(&c.metadata).unwrap())
        .collect();
    assert_eq!(metadata[0], json!({"style": style, "turn": 1}));
    assert_eq!(metadata[1], json!({"turn": 2}));
    assert_eq!(
        (rows[0].winner, rows[0].strength),
        (Winner::ModelA, Some(2.0))
    );
}

async fn bad_style_value_is_422(backend: Backend) {
    let env = env(backend);
    let good = json!({"model_a": {"tokens": 100, "bold": 2}, "model_b": {"tokens": 90, "bold": 0}});
    let records = [
        comparison("q0", json!({"verdict": "A>B", "metadata": {"style": good}})),
        comparison(
            "q1",
            json!({"verdict": "A>B", "metadata": {"style":
                {"model_a": {"tokens": 100}, "model_b": {"tokens": -5}}}}),
        ),
        comparison(
            "q2",
            json!({"verdict": "B>A", "metadata": {"style":
                {"model_a": {"tokens": 100, "italics": 1}, "model_b": {"tokens": 3}}}}),
        ),
        comparison(
            "q3",
            json!({"verdict": "B>A", "metadata": {"style":
                {"model_a": {"lists": 1}, "model_b": {"lists": "many"}}}}),
        ),
    ];
    let reply = submit(&env, &records).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        reply.body
    );
    assert_eq!(reply.content_type, "application/problem+json");
    assert_eq!(
        reply.body["errors"],
        json!([
            {"line": 2, "field": "metadata.style.model_b.tokens",
             "reason": "-5 is not a finite number >= 0"},
            {"line": 3, "field": "metadata.style.model_a.italics",
             "reason": "unknown style covariate; expected one of tokens, headers, lists, bold"},
            {"line": 4, "field": "metadata.style.model_b.lists",
             "reason": "expected a finite number >= 0, found a string"}
        ])
    );
    assert_eq!(comparison_count(&env).await, 0);
}
