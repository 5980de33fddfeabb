//! The plugin against choix 0.4.1 and evalica on the committed cases written by
//! `scripts/reference/pairwise.py` (synthetic, seeded; conventions stated in each file).
//!
//! - `bradley_terry` (ties as halves) = choix `ilsr_pairwise_dense`, choix `mm_pairwise` and
//!   evalica `bradley_terry` (log, centred);
//! - `bradley_terry` with `ties: "davidson"` = evalica `newman` (log, centred; ν = 2v);
//! - `elo` (one replay, no bootstrap) = evalica `elo` for unit weights (evalica scales only
//!   the actual score by the weight, we scale the whole update: see the elo module);
//! - `rank_centrality` = choix `rank_centrality`.
//!
//! All to 1e-6.

use std::path::PathBuf;

use podium_plugin_api::testing::{
    ComparisonRow, Fixture, Plugin, TIE, WIN_A, WIN_B, centred, max_abs_diff,
};
use serde_json::Value;

const TOLERANCE: f64 = 1e-6;

fn plugin() -> Plugin {
    Plugin::new(podium_pairwise::podium_plugin_v1)
}

struct Case {
    name: String,
    fixture: Fixture,
    unit_weights: bool,
    expected: Value,
}

fn cases() -> Vec<Case> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/reference exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 6, "the reference cases are committed");
    paths
        .iter()
        .map(|path| {
            let case: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
            let models: Vec<&str> = case["models"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_str().unwrap())
                .collect();
            let mut fixture = Fixture::new(&models, 1);
            let mut unit_weights = true;
            for c in case["comparisons"].as_array().unwrap() {
                let winner = match c["winner"].as_str().unwrap() {
                    "model_a" => WIN_A,
                    "model_b" => WIN_B,
                    "tie" => TIE,
                    other => panic!("winner {other}"),
                };
                let weight = c["weight"].as_f64().unwrap();
                unit_weights &= weight == 1.0;
                fixture.push(ComparisonRow {
                    weight,
                    timestamp_ms: c["t"].as_i64().unwrap() * 1000,
                    ..ComparisonRow::new(
                        c["a"].as_u64().unwrap() as u32,
                        c["b"].as_u64().unwrap() as u32,
                        winner,
                    )
                });
            }
            // The host's row order is not the time order: reverse the rows so that the
            // online methods must sort by timestamp.
            fixture.comparisons.reverse();
            Case {
                name: case["case"].as_str().unwrap().to_owned(),
                fixture,
                unit_weights,
                expected: case["expected"].clone(),
            }
        })
        .collect()
}

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn log_centred(values: &[f64]) -> Vec<f64> {
    centred(&values.iter().map(|v| v.ln()).collect::<Vec<_>>())
}

#[test]
fn bradley_terry_matches_choix_and_evalica() {
    for case in cases() {
        let call = plugin().run("bradley_terry", &case.fixture, r#"{"tol": 1e-13}"#);
        let theta = call.all_scores();
        let ilsr = numbers(&case.expected["choix_ilsr_pairwise_dense"]["theta"]);
        let diff = max_abs_diff(&theta, &ilsr);
        println!("{}: |θ − choix ILSR| = {diff:.2e}", case.name);
        assert!(diff < TOLERANCE, "{}: {diff}", case.name);
        if let Some(mm) = case.expected.get("choix_mm_pairwise") {
            let diff = max_abs_diff(&theta, &numbers(&mm["theta"]));
            assert!(diff < TOLERANCE, "{} MM: {diff}", case.name);
        }
        let evalica = log_centred(&numbers(&case.expected["evalica_bradley_terry"]["scores"]));
        let diff = max_abs_diff(&theta, &evalica);
        assert!(diff < TOLERANCE, "{} evalica: {diff}", case.name);
        let extra = call.extra("bradley_terry").unwrap();
        assert_eq!(extra["converged"], true);
    }
}

#[test]
fn davidson_matches_evalica_newman() {
    for case in cases() {
        let call = plugin().run(
            "bradley_terry",
            &case.fixture,
            r#"{"ties": "davidson", "tol": 1e-13, "interval": "fisher"}"#,
        );
        let theta = call.all_scores();
        let newman = &case.expected["evalica_newman"];
        let expected = log_centred(&numbers(&newman["scores"]));
        let diff = max_abs_diff(&theta, &expected);
        let extra = call.extra("bradley_terry").unwrap();
        let v = extra["evalica_v"].as_f64().unwrap();
        println!(
            "{}: |θ − evalica newman| = {diff:.2e}, v = {v} (evalica {})",
            case.name, newman["v"]
        );
        assert!(diff < TOLERANCE, "{}: {diff}", case.name);
        assert!(
            (v - newman["v"].as_f64().unwrap()).abs() < TOLERANCE,
            "{}",
            case.name
        );
    }
}

#[test]
fn elo_matches_evalica_for_unit_weights() {
    let mut checked = 0;
    for case in cases().into_iter().filter(|c| c.unit_weights) {
        let call = plugin().run("elo", &case.fixture, r#"{"rounds": 0}"#);
        let ratings = call.all_scores();
        let expected = numbers(&case.expected["evalica_elo"]["scores"]);
        let diff = max_abs_diff(&ratings, &expected);
        println!("{}: |Elo − evalica| = {diff:.2e}", case.name);
        assert!(diff < TOLERANCE, "{}: {diff}", case.name);
        checked += 1;
    }
    assert!(checked >= 4);
}

#[test]
fn rank_centrality_matches_choix() {
    for case in cases() {
        let Some(expected) = case.expected.get("choix_rank_centrality") else {
            continue;
        };
        let call = plugin().run("rank_centrality", &case.fixture, "{}");
        let diff = max_abs_diff(&call.all_scores(), &numbers(&expected["theta"]));
        println!("{}: |rank centrality − choix| = {diff:.2e}", case.name);
        assert!(diff < TOLERANCE, "{}: {diff}", case.name);
    }
}
