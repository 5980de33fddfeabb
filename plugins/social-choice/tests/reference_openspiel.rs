//! `sco` and `maximal_lotteries` against OpenSpiel 2.0.2 on the profiles in
//! `tests/reference_openspiel/profiles.json`, written by `scripts/reference/openspiel_voting.py`
//! (see `scripts/reference/README.md`): the spec's check {2: a≻b≻c, 3: c≻a≻b}, 40 random
//! profiles and 15 random profiles without a Condorcet winner, all complete linear orders over
//! 3–8 candidates with an odd total number of voters (so every margin is nonzero and the maximal
//! lottery is unique).
//!
//! Each ballot copy is fed through the raw C entry as one sample (value = number of tiers − tier
//! index), as `tests/reference.rs` does. Checked per case:
//! - `sco` with default parameters (which are OpenSpiel's settings used by the script: bounds
//!   [0, 1000], temperature 1, learning rate 0.01, 10,000 iterations, full batch — asserted from
//!   the file's recorded settings): the full order equals OpenSpiel's rating-descending order,
//!   except that a pair whose OpenSpiel ratings (float32) differ by at most [`NEAR_TIE`] has an
//!   unspecified order (no such pair occurs in the current file; the count is printed), and the
//!   pairs in [`FLOAT32_PAIRS`] (OpenSpiel's float32 rounding, evidence there) are excluded;
//! - `maximal_lotteries`: every probability (the score and the extra's `lottery`) within 1e-6 of
//!   OpenSpiel's (cvxpy/ECOS) solution.

#![allow(unsafe_code)]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::*;
use serde_json::Value;

/// OpenSpiel ratings this close leave the pair's order unspecified.
const NEAR_TIE: f64 = 1e-3;
/// Pairs (case, a, b) whose OpenSpiel order (a before b) is a float32 artefact, excluded from the
/// order check (every other pair of the case is still checked, and the test fails if the plugin
/// ever agrees with OpenSpiel on such a pair, so that the list stays accurate).
///
/// cyclic-1056 (6 candidates, 27 voters: 5×m00≻m02≻m01≻m03≻m04≻m05, 5×m03≻m04≻m02≻m01≻m05≻m00,
/// 4×m00≻m05≻m01≻m03≻m02≻m04, 5×m04≻m05≻m03≻m00≻m02≻m01, 5×m05≻m01≻m04≻m02≻m00≻m03,
/// 3×m02≻m05≻m03≻m01≻m00≻m04): after 10,000 full-batch steps OpenSpiel (float32) has
/// θ(m01) = 498.94809 > θ(m00) = 498.91156. The same algorithm replayed in float64 (OpenSpiel's
/// `_gradient` with every ballot pair, not net margins) gives θ(m00) = 498.92027 > θ(m01) =
/// 498.91078, the plugin's order; replayed in float32 it reproduces OpenSpiel's ratings exactly.
/// At θ ≈ 500 a float32 ulp is 3e-5 while a step moves θ by ~1e-3, so rounding drifts the two
/// close ratings apart over the run.
const FLOAT32_PAIRS: &[(&str, &str, &str)] = &[("cyclic-1056", "m01", "m00")];
/// Tolerance on lottery probabilities.
const LOTTERY_TOL: f64 = 1e-6;

fn doc() -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference_openspiel/profiles.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("profiles.json")).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

/// The fixture: one sample per ballot copy.
fn fixture(case: &Value) -> Fixture {
    let names = strings(&case["candidates"]);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut f = Fixture::new(&names, 0);
    for ballot in case["ballots"].as_array().unwrap() {
        let tiers: Vec<Vec<String>> = ballot["tiers"]
            .as_array()
            .unwrap()
            .iter()
            .map(strings)
            .collect();
        let count = tiers.len();
        let ranking: Vec<(&str, f64)> = tiers
            .iter()
            .enumerate()
            .flat_map(|(i, tier)| tier.iter().map(move |c| (c.as_str(), (count - i) as f64)))
            .collect();
        for _ in 0..ballot["weight"].as_u64().unwrap() {
            f = f.ballot(&ranking);
        }
    }
    f
}

/// Pairs (a before b in `expected`) that `got` must keep in order: all except near ties.
/// Returns (pairs checked, near ties skipped); panics on the first inversion.
fn check_order(
    id: &str,
    got: &[String],
    expected: &[String],
    rating: &BTreeMap<String, f64>,
) -> (usize, usize) {
    let mut sorted_got = got.to_vec();
    sorted_got.sort();
    let mut sorted_want = expected.to_vec();
    sorted_want.sort();
    assert_eq!(sorted_got, sorted_want, "{id} sco: the same candidates");
    let pos = |c: &String| got.iter().position(|x| x == c).unwrap();
    let (mut checked, mut skipped) = (0, 0);
    for (i, a) in expected.iter().enumerate() {
        for b in &expected[i + 1..] {
            assert!(
                rating[a] >= rating[b],
                "{id}: the recorded ranking is by rating"
            );
            if rating[a] - rating[b] <= NEAR_TIE {
                skipped += 1;
                continue;
            }
            if FLOAT32_PAIRS.contains(&(id, a.as_str(), b.as_str())) {
                assert!(
                    pos(b) < pos(a),
                    "{id} sco: {a} before {b} now agrees with OpenSpiel: drop it from FLOAT32_PAIRS"
                );
                skipped += 1;
                continue;
            }
            checked += 1;
            assert!(
                pos(a) < pos(b),
                "{id} sco: {a} (OpenSpiel {}) must precede {b} (OpenSpiel {}); plugin order {got:?}, OpenSpiel {expected:?}",
                rating[a],
                rating[b]
            );
        }
    }
    (checked, skipped)
}

#[test]
fn sco_defaults_are_the_reference_settings() {
    let d = doc();
    let s = &d["sco"];
    assert_eq!(d["open_spiel"], "2.0.2");
    assert_eq!(s["batch_size"], 0, "full batch");
    assert_eq!(s["initial_param_noise"], 0.0);
    // The plugin's schema defaults (the test passes "{}").
    let sco = plugin().method("sco");
    let schema: Value =
        serde_json::from_str(unsafe { podium_plugin_api::sdk::str_of(sco.params_schema) }).unwrap();
    let p = &schema["properties"];
    assert_eq!(
        p["rating_min"]["default"].as_f64(),
        s["rating_lower_bound"].as_f64()
    );
    assert_eq!(
        p["rating_max"]["default"].as_f64(),
        s["rating_upper_bound"].as_f64()
    );
    assert_eq!(
        p["temperature"]["default"].as_f64(),
        s["temperature"].as_f64()
    );
    assert_eq!(
        p["learning_rate"]["default"].as_f64(),
        s["learning_rate"].as_f64()
    );
    assert_eq!(p["iterations"]["default"], s["iterations"]);
    assert_eq!(p["batch_size"]["default"], 0);
    assert_eq!(p["tol"]["default"].as_f64(), Some(0.0));
}

#[test]
fn agrees_with_openspiel_on_every_reference_case() {
    let d = doc();
    let cases = d["cases"].as_array().unwrap();
    let (mut pairs, mut near, mut mixed) = (0, 0, 0);
    let mut failed: Vec<String> = Vec::new();
    for case in cases {
        let id = case["name"].as_str().unwrap().to_owned();
        let f = fixture(case);
        let k = case["candidates"].as_array().unwrap().len();
        let total: u64 = case["ballots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["weight"].as_u64().unwrap())
            .sum();
        assert_eq!(total % 2, 1, "{id}: an odd number of voters");

        // SCO.
        let expected = &case["methods"]["sco"];
        let want: Vec<String> = expected["ranking"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let t = strings(t);
                assert_eq!(t.len(), 1, "{id}: a strict reference order");
                t[0].clone()
            })
            .collect();
        let rating: BTreeMap<String, f64> = expected["ratings"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(c, r)| (c.clone(), r.as_f64().unwrap()))
            .collect();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let call = f.run("sco", "{}");
            let got = call.names(&f);
            assert_eq!(got.len(), k, "{id} sco: a full order");
            assert_eq!(
                call.diag()["iterations"],
                10000,
                "{id} sco: every iteration run"
            );
            check_order(&id, &got, &want, &rating)
        }));
        match r {
            Ok((c, s)) => {
                pairs += c;
                near += s;
            }
            Err(_) => failed.push(format!("{id} sco")),
        }

        // Maximal lottery.
        let want: BTreeMap<String, f64> = case["methods"]["maximal_lotteries"]["scores"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(c, p)| (c.clone(), p.as_f64().unwrap()))
            .collect();
        if want.values().filter(|p| **p > LOTTERY_TOL).count() > 1 {
            mixed += 1;
        }
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let call = f.run("maximal_lotteries", "{}");
            let scores = call.all_scores();
            let diag = call.diag();
            assert_eq!(
                scores.len(),
                k,
                "{id} maximal_lotteries: every candidate scored"
            );
            for (i, name) in f.models.iter().enumerate() {
                let (p, l) = (scores[i], diag["lottery"][name].as_f64().unwrap());
                assert!(
                    (p - want[name]).abs() <= LOTTERY_TOL && (l - want[name]).abs() <= LOTTERY_TOL,
                    "{id} maximal_lotteries: p({name}) = {p} (extra {l}), OpenSpiel {}",
                    want[name]
                );
            }
        }));
        if r.is_err() {
            failed.push(format!("{id} maximal_lotteries"));
        }
    }
    println!(
        "{} cases: sco {pairs} ordered pairs checked, {near} near ties (≤ {NEAR_TIE}) or float32 pairs unspecified; \
         maximal_lotteries {mixed} mixed lotteries",
        cases.len()
    );
    assert!(
        failed.is_empty(),
        "{} disagreements: {failed:#?}",
        failed.len()
    );
    // The file is all there and the checks have substance.
    assert!(
        cases.len() >= 50,
        "reference cases missing ({})",
        cases.len()
    );
    assert!(pairs >= 400, "too few SCO pairs checked ({pairs})");
    assert!(mixed >= 15, "too few mixed lotteries ({mixed})");
    assert_eq!(cases[0]["name"], "spec-example");
}
