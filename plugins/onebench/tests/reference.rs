//! The `onebench` method against choix 0.4.1's `ilsr_pairwise_dense` on the cases in
//! `tests/reference/*.json`, written by `scripts/reference/onebench.py` (see its README).
//!
//! Each case is fed through the raw C entry in the form the script describes (weighted
//! verdicts reproducing a matrix, unit verdicts with ties, or measurements), W as the plugin
//! builds it is compared with the script's own W, and the centred θ with choix's to 1e-6.

#![allow(unsafe_code)]

mod common;

use std::path::PathBuf;

use common::*;
use serde_json::Value;

fn cases() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/reference")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// The fixture that makes the plugin see the case's input.
fn fixture(case: &Value) -> Fixture {
    let models: Vec<&str> = case["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    let input = &case["input"];
    match input["kind"].as_str().unwrap() {
        "matrix" => {
            let mut f = Fixture::new(&models, 1);
            for (i, row) in input["W"].as_array().unwrap().iter().enumerate() {
                for (j, w) in floats(row).into_iter().enumerate() {
                    if w > 0.0 {
                        f.push_comparison(i as u32, j as u32, WIN_A, w);
                    }
                }
            }
            f
        }
        "comparisons" => {
            let mut f = Fixture::new(&models, 1);
            for c in input["comparisons"].as_array().unwrap() {
                let (a, b) = (c[0].as_u64().unwrap() as u32, c[1].as_u64().unwrap() as u32);
                let winner = match c[2].as_str().unwrap() {
                    "a" => WIN_A,
                    "b" => WIN_B,
                    "tie" => TIE,
                    other => panic!("outcome {other}"),
                };
                f.push_comparison(a, b, winner, 1.0);
            }
            f
        }
        "measurements" => {
            let mut f = Fixture::new(&models, input["samples"].as_u64().unwrap() as usize);
            for v in input["values"].as_array().unwrap() {
                f.push_measurement(
                    v[0].as_u64().unwrap() as u32,
                    v[1].as_u64().unwrap() as u32,
                    v[2].as_f64().unwrap(),
                );
            }
            f
        }
        other => panic!("input kind {other}"),
    }
}

#[test]
fn agrees_with_choix_on_every_reference_case() {
    let cases = cases();
    assert!(cases.len() >= 9, "the reference cases are missing");
    let mut worst = 0.0_f64;
    for (file, case) in &cases {
        let f = fixture(case);
        let params = case["params"].to_string();
        // W: the plugin's equals the script's (exactly for counts; weights pass through
        // unchanged, so exactly too).
        let expected_w: Vec<Vec<f64>> = case["W"].as_array().unwrap().iter().map(floats).collect();
        assert_eq!(f.w(&params), expected_w, "{file}: W");
        // θ.
        let call = f.run(&params);
        let theta = call.all_scores();
        let expected = floats(&case["theta"]);
        let delta = max_abs_diff(&centred(&theta), &expected);
        let extra = call.extra("onebench").unwrap();
        println!(
            "{file:40} {:3} models  {:3} iterations  max |Δθ| = {delta:.3e}",
            theta.len(),
            extra["iterations"]
        );
        assert_eq!(extra["converged"], true, "{file}");
        // The same number of LSR steps as choix: the same algorithm, not just the same fixpoint.
        assert_eq!(
            extra["iterations"], case["iterations"],
            "{file}: iterations"
        );
        assert!(delta <= 1e-6, "{file}: max |Δθ| = {delta}");
        worst = worst.max(delta);
    }
    println!("max |Δθ| over all cases: {worst:.3e}");
}
