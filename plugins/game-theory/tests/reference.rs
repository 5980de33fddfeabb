//! The kernels against the reference implementations, on the expected files written by
//! `scripts/reference/game_theory.py`: α-Rank against OpenSpiel's `alpharank.compute` and
//! `sweep_pi_vs_alpha` (to 1e-8), Nash averaging against scipy's LP (HiGHS) on random
//! antisymmetric games (equilibrium, support, payoffs) and against analytic maximum-entropy
//! answers on degenerate ones. The soccer meta-game (OpenSpiel's copy, in the shared data) is
//! opt-in through `PODIUM_SHARED_DATA`.

use std::path::{Path, PathBuf};

use podium_game_theory::alpharank::{self, SolveOptions};
use podium_game_theory::nash;
use podium_plugin_api::sdk::Host;
use podium_plugin_api::testing::max_abs_diff;
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("reference file")).expect("JSON")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn matrix(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("rows")
        .iter()
        .flat_map(floats)
        .collect()
}

fn solve(payoff: &[f64], n: usize, alpha: f64, m: f64) -> Vec<f64> {
    alpharank::alpha_rank(
        payoff,
        n,
        alpha,
        m,
        &SolveOptions::default(),
        &Host::detached(),
    )
    .expect("alpha-rank")
    .pi
}

/// Checks one α-Rank case (fixed α or sweep) against its expected π; returns the difference.
fn check_alpha_rank(name: &str, case: &Value, payoff: &[f64], n: usize) -> f64 {
    let m = case["m"].as_f64().unwrap();
    if case["alpha"] == "sweep" {
        let expected = floats(&case["pi"]);
        let used = case["alpha_used"].as_f64().unwrap();
        // OpenSpiel's π at the α it returned is π at that α.
        let at_used = solve(payoff, n, used, m);
        let diff = max_abs_diff(&at_used, &expected);
        assert!(diff < 1e-8, "{name}: π at α = {used}: {diff:e}");
        let ours = alpharank::sweep(
            payoff,
            n,
            m,
            (1e-5, 1e-8),
            &SolveOptions::default(),
            &Host::detached(),
        )
        .expect("sweep");
        if case["sweep_failures"].as_u64() == Some(0) {
            // Without OpenSpiel's overflow retries the two sweeps walk the same α's.
            assert_eq!(ours.alpha, used, "{name}");
            assert!(max_abs_diff(&ours.result.pi, &expected) < 1e-8, "{name}");
        } else {
            // OpenSpiel overflowed on the way and shrank its step; both end converged.
            assert!(
                max_abs_diff(&ours.result.pi, &expected) < 1e-4,
                "{name}: sweep at α = {} vs OpenSpiel's {used}",
                ours.alpha
            );
        }
        diff
    } else {
        let alpha = case["alpha"].as_f64().unwrap();
        let ours = solve(payoff, n, alpha, m);
        match (&case["pi"], &case["pi_numpy_gth"]) {
            (Value::Array(_), _) => {
                let diff = max_abs_diff(&ours, &floats(&case["pi"]));
                assert!(diff < 1e-8, "{name}: {diff:e}");
                diff
            }
            (_, Value::Array(_)) => {
                // OpenSpiel failed (its ρ overflows to ∞/∞ at α·|ΔM| > 709); the script's own
                // numpy GTH solve is the reference.
                assert!(case["error"].is_string(), "{name}");
                let diff = max_abs_diff(&ours, &floats(&case["pi_numpy_gth"]));
                assert!(diff < 1e-8, "{name} (numpy GTH): {diff:e}");
                diff
            }
            _ => panic!("{name}: no expected π"),
        }
    }
}

#[test]
fn alpha_rank_matches_openspiel() {
    let file = load("alpharank.json");
    let cases = file["cases"].as_array().unwrap();
    assert!(cases.len() >= 40);
    let mut worst = 0.0f64;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let n = case["n"].as_u64().unwrap() as usize;
        let payoff = matrix(&case["payoff"]);
        worst = worst.max(check_alpha_rank(name, case, &payoff, n));
    }
    println!(
        "α-Rank vs OpenSpiel: {} cases, max |Δπ| = {worst:.1e}",
        cases.len()
    );
}

#[test]
fn nash_averaging_matches_the_lp_equilibrium() {
    let file = load("nash.json");
    let cases = file["cases"].as_array().unwrap();
    let mut worst = 0.0f64;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let n = case["n"].as_u64().unwrap() as usize;
        let a = match (&case["P"], &case["clip"]) {
            (Value::Array(_), Value::Number(clip)) => {
                let a = nash::logit_payoff(&matrix(&case["P"]), n, clip.as_f64().unwrap());
                // Built from the upper triangle, ours is exactly antisymmetric; the file's A
                // (logit of every entry) agrees to rounding.
                assert!(max_abs_diff(&a, &matrix(&case["A"])) < 1e-12, "{name}");
                a
            }
            _ => matrix(&case["A"]),
        };
        let eq = nash::max_entropy_nash(&a, n).expect("equilibrium");
        let expected = floats(&case["p"]);
        let diff = max_abs_diff(&eq.p, &expected);
        assert!(diff < 1e-9, "{name}: p {:?} vs {expected:?}", eq.p);
        let support: Vec<usize> = case["support"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(eq.support, support, "{name}");
        assert!(
            max_abs_diff(&eq.scores, &floats(&case["scores"])) < 1e-9,
            "{name}"
        );
        assert!(eq.violation <= 1e-12, "{name}");
        assert!(eq.polished, "{name}");
        worst = worst.max(diff);
    }
    println!(
        "Nash averaging vs scipy: {} cases, max |Δp| = {worst:.1e}",
        cases.len()
    );
}

fn shared_data() -> Option<PathBuf> {
    std::env::var_os("PODIUM_SHARED_DATA").map(PathBuf::from)
}

#[test]
fn soccer_meta_game_matches_openspiel() {
    let Some(root) = shared_data() else {
        eprintln!("PODIUM_SHARED_DATA unset: the soccer check is skipped");
        return;
    };
    let file = load("soccer.json");
    let text = std::fs::read_to_string(root.join(file["file"].as_str().unwrap()))
        .expect("the soccer payoff table");
    let payoff: Vec<f64> = text
        .split_whitespace()
        .map(|v| v.parse().expect("a number"))
        .collect();
    let n = file["n"].as_u64().unwrap() as usize;
    assert_eq!(payoff.len(), n * n);
    for case in file["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let diff = check_alpha_rank(name, case, &payoff, n);
        println!("soccer {name}: max |Δπ| = {diff:.1e}");
    }
}
