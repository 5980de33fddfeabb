//! The eight methods against pref_voting on the profiles in `tests/reference/*.json`, written by
//! `scripts/reference/social_choice.py` (see `scripts/reference/README.md`: conventions, the
//! restrictions per method and how to regenerate).
//!
//! Each ballot is fed through the raw C entry as samples: one sample per copy (weight = number
//! of copies), value = number of tiers − tier index, candidates absent from the ballot not
//! measured on that sample. Checked per case: the margin matrix exactly; per method recorded
//! for the case:
//! - the winner set: the candidates with the plugin's best score (borda, copeland, minimax;
//!   plurality within 1e-9, see `ROUNDED_PLURALITY_TIES`),
//!   its first tier (split_cycle), its first candidate (ranked_pairs, kemeny, where
//!   the reference winner is unique by construction); for schulze, whose score (candidates
//!   beaten) can leave an undefeated candidate below another one, the best-score set must lie
//!   within pref_voting's winners and the scores must equal pref_voting's;
//! - the full order: for scored methods the reference tiers (equal reference scores) with each
//!   tier by name, which is the plugin's documented tie-break; the split_cycle tiers (the extra's
//!   `tiers` and the order); the strict reference order for ranked_pairs and kemeny;
//! - the scores, to 1e-9 relative, where the script recorded them.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::*;
use serde_json::Value;

fn files() -> Vec<(String, Value)> {
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

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

fn tiers(v: &Value) -> Vec<Vec<String>> {
    v.as_array().unwrap().iter().map(strings).collect()
}

/// The fixture: one sample per ballot copy.
fn fixture(case: &Value) -> Fixture {
    let names = strings(&case["candidates"]);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut f = Fixture::new(&names, 0);
    for ballot in case["ballots"].as_array().unwrap() {
        let t = tiers(&ballot["tiers"]);
        let count = t.len();
        let ranking: Vec<(&str, f64)> = t
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

/// Cases where floating-point plurality points would break an exact tie. None since the plugin
/// rounds split shares to 1e-9 (three cases did before: partial-026, partial-027, ties-057);
/// kept so that a regression names itself.
const ROUNDED_PLURALITY_TIES: &[&str] = &[];

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn agrees_with_pref_voting_on_every_reference_case() {
    let mut passed: BTreeMap<String, usize> = BTreeMap::new();
    let mut cases = 0;
    // Every (case, method) is checked; failures (their messages printed above) are listed at
    // the end.
    let mut failed: Vec<String> = Vec::new();
    let rounded: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    for (file, doc) in files() {
        for case in doc["cases"].as_array().unwrap() {
            cases += 1;
            let id = format!("{file}/{}", case["name"].as_str().unwrap());
            let f = fixture(case);
            let names = strings(&case["candidates"]);
            let k = names.len();
            // Every candidate is measured, so every model is a candidate, in name order.
            let mut by_name = names.clone();
            by_name.sort();
            let reference_margins: Vec<Vec<f64>> = case["margins"]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| {
                    row.as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_f64().unwrap())
                        .collect()
                })
                .collect();
            for (method, expected) in case["methods"].as_object().unwrap() {
                let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let call = f.run(method, "{}");
                    let order = call.names(&f);
                    assert_eq!(order.len(), k, "{id} {method}: a full order");
                    let score_of: BTreeMap<String, f64> = call
                        .all_scores()
                        .into_iter()
                        .enumerate()
                        .map(|(i, s)| (f.models[i].clone(), s))
                        .collect();
                    let diag = call.diag();
                    // Margins (every method reports them): plugin candidates are in name order.
                    assert_eq!(strings(&diag["candidates"]), by_name, "{id} {method}");
                    let pm = &diag["margins"];
                    for (a, na) in names.iter().enumerate() {
                        for (b, nb) in names.iter().enumerate() {
                            let (ia, ib) = (
                                by_name.iter().position(|x| x == na).unwrap(),
                                by_name.iter().position(|x| x == nb).unwrap(),
                            );
                            assert_eq!(
                                pm[ia][ib].as_f64().unwrap(),
                                reference_margins[a][b],
                                "{id} {method}: margin({na}, {nb})"
                            );
                        }
                    }
                    let winners = strings(&expected["winners"]);
                    let ranking = tiers(&expected["ranking"]);
                    let best = order
                        .iter()
                        .map(|c| score_of[c])
                        .fold(f64::NEG_INFINITY, f64::max);
                    let mut top: Vec<String> = order
                        .iter()
                        .filter(|c| score_of[*c] == best)
                        .cloned()
                        .collect();
                    top.sort();
                    match method.as_str() {
                        "plurality" => {
                            // Known plugin behaviour: plurality points split 1/len among top-tied
                            // candidates are summed in floating point, so exact ties can come out
                            // unequal (1/2 + 1/3 + 1/6 = 0.9999999999999999 < 1) and the name
                            // tie-break is skipped. The winners are therefore the candidates within
                            // 1e-9 of the best, and a rounding-broken tie is allowed only in the
                            // cases listed in ROUNDED_PLURALITY_TIES (checked below), where the
                            // order is checked tier by tier as sets.
                            let mut near: Vec<String> = order
                                .iter()
                                .filter(|c| close(score_of[*c], best))
                                .cloned()
                                .collect();
                            near.sort();
                            assert_eq!(near, winners, "{id} {method}: winners");
                        }
                        "borda" | "copeland" | "minimax" => {
                            assert_eq!(top, winners, "{id} {method}: winners");
                        }
                        "schulze" => {
                            assert!(
                                top.iter().all(|c| winners.contains(c)),
                                "{id} {method}: best-score set {top:?} not within the winners \
                             {winners:?}"
                            );
                            assert!(expected.get("scores").is_some(), "{id} schulze scores");
                        }
                        "split_cycle" => {
                            assert_eq!(
                                tiers(&diag["tiers"]),
                                ranking,
                                "{id} {method}: tiers by repeated removal"
                            );
                            assert_eq!(ranking[0], winners, "{id} {method}: winners");
                        }
                        "ranked_pairs" | "kemeny" => {
                            assert_eq!(winners.len(), 1, "{id} {method}: a unique winner");
                            assert_eq!(order[0], winners[0], "{id} {method}: winner");
                            assert!(ranking.iter().all(|t| t.len() == 1), "{id} {method}");
                            if method == "kemeny" {
                                assert_eq!(diag["exact"], true, "{id} kemeny is exact");
                            }
                        }
                        other => panic!("{id}: unknown method {other}"),
                    }
                    // The full order: the reference tiers, each by name (the plugin's tie-break).
                    let expected_order: Vec<String> = ranking
                        .iter()
                        .flat_map(|t| {
                            let mut t = t.clone();
                            t.sort();
                            t
                        })
                        .collect();
                    let mut exact_ties = true;
                    if method == "plurality" {
                        // The tiers as sets; a tier whose plugin scores are not all equal is a tie
                        // broken by rounding (its order is the rounding's, not by name).
                        let mut at = 0;
                        for t in &ranking {
                            let mut got = order[at..at + t.len()].to_vec();
                            exact_ties &= got.iter().all(|c| score_of[c] == score_of[&got[0]]);
                            got.sort();
                            let mut want = t.clone();
                            want.sort();
                            assert_eq!(got, want, "{id} {method}: tier at {at}");
                            at += t.len();
                        }
                    }
                    if !exact_ties {
                        rounded.lock().unwrap().push(id.clone());
                    } else {
                        assert_eq!(order, expected_order, "{id} {method}: full order");
                    }
                    if let Some(scores) = expected.get("scores") {
                        for (c, s) in scores.as_object().unwrap() {
                            let (got, want) = (score_of[c], s.as_f64().unwrap());
                            assert!(
                                close(got, want),
                                "{id} {method}: score of {c} {got} vs {want}"
                            );
                        }
                    }
                }));
                match checked {
                    Ok(()) => *passed.entry(method.clone()).or_default() += 1,
                    Err(_) => failed.push(format!("{id} {method}")),
                }
            }
        }
    }
    for (method, n) in &passed {
        println!("{method:14} {n} cases agree");
    }
    let rounded = rounded.into_inner().unwrap();
    println!("plurality ties broken by rounding: {rounded:?}");
    for id in &rounded {
        assert!(
            ROUNDED_PLURALITY_TIES.contains(&id.as_str()),
            "{id}: a plurality tie broken by floating-point rounding that is not a known case"
        );
    }
    assert!(
        failed.is_empty(),
        "{} disagreements: {failed:#?}",
        failed.len()
    );
    assert!(cases >= 200, "the reference cases are missing ({cases})");
    // Every method of the eight is covered by enough cases (the restricted ones by fewer).
    for (method, min) in [
        ("plurality", 200),
        ("borda", 150),
        ("copeland", 200),
        ("minimax", 200),
        ("schulze", 200),
        ("split_cycle", 200),
        ("ranked_pairs", 30),
        ("kemeny", 100),
    ] {
        let n = passed.get(method).copied().unwrap_or(0);
        assert!(
            n >= min,
            "{method}: {n} reference cases, expected at least {min}"
        );
    }
}
