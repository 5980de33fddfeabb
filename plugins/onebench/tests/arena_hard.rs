//! Opt-in: the `onebench` method on real judge battles, against choix.
//!
//! Reads `$PODIUM_SHARED_DATA/arena_hard/arena_hard_battles.jsonl` (1,348 battles of 4 models
//! from lmarena/arena-hard-auto; not part of this repository, see `shared/data/SOURCES.md`)
//! and compares θ with the values SOURCES.md lists (choix 0.4.1 `ilsr_pairwise_dense`,
//! centred) to 1e-6, for both tie conventions. Without `PODIUM_SHARED_DATA` it prints that it
//! was skipped and passes:
//!
//! ```sh
//! PODIUM_SHARED_DATA=/work/shared/data cargo test -p podium-onebench --test arena_hard -- --nocapture
//! ```

#![allow(unsafe_code)]

mod common;

use std::path::PathBuf;

use common::*;

/// (model, θ) from SOURCES.md: a tie counts as a win both ways (the ONEBench path).
const BOTH_WAYS: [(&str, f64); 4] = [
    ("claude-3-5-sonnet-20240620", 0.726453),
    ("claude-3-haiku-20240307", -1.489911),
    ("claude-3-opus-20240229", -0.001426),
    ("gpt-4o", 0.764884),
];

/// (model, θ) from SOURCES.md: a tie is half a win each way (the Bradley–Terry convention).
const HALF: [(&str, f64); 4] = [
    ("claude-3-5-sonnet-20240620", 0.760618),
    ("claude-3-haiku-20240307", -1.537194),
    ("claude-3-opus-20240229", -0.003000),
    ("gpt-4o", 0.779576),
];

/// The battles as a fixture: every record is one verdict of weight 1 (repeated judgements of
/// the same pair add up).
fn battles(path: &PathBuf) -> Fixture {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("PODIUM_SHARED_DATA is set but {}: {e}", path.display()));
    let records: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(records.len(), 1348, "all records");
    let mut names: Vec<String> = records
        .iter()
        .flat_map(|r| {
            [
                r["model_a"].as_str().unwrap().to_owned(),
                r["model_b"].as_str().unwrap().to_owned(),
            ]
        })
        .collect();
    names.sort();
    names.dedup();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut f = Fixture::new(&refs, 1);
    for r in &records {
        let (a, b) = (
            f.model(r["model_a"].as_str().unwrap()),
            f.model(r["model_b"].as_str().unwrap()),
        );
        // The file has "model_a", "model_b" and "tie"; arena-hard's other tie spellings are
        // accepted too ("tie (bothbad)" is a both_bad verdict, which counts as a tie).
        let winner = match r["winner"].as_str().unwrap() {
            "model_a" => WIN_A,
            "model_b" => WIN_B,
            "tie" => TIE,
            "tie (bothbad)" | "both_bad" | "bothbad" => BOTH_BAD,
            other => panic!("unknown winner {other:?}"),
        };
        f.push_comparison(a, b, winner, 1.0);
    }
    f
}

#[test]
fn arena_hard_battles_match_choix() {
    let Some(root) = std::env::var_os("PODIUM_SHARED_DATA") else {
        println!("skipped: PODIUM_SHARED_DATA not set");
        return;
    };
    let path = PathBuf::from(root).join("arena_hard/arena_hard_battles.jsonl");
    let f = battles(&path);
    for (ties, expected) in [("both_ways", BOTH_WAYS), ("half", HALF)] {
        let call = f.run(&format!(r#"{{"ties": "{ties}"}}"#));
        let theta = call.all_scores();
        let extra = call.extra("onebench").unwrap();
        assert_eq!(extra["comparisons_from_judges"], 1348);
        assert_eq!(extra["converged"], true);
        let mut worst = 0.0_f64;
        for (model, value) in expected {
            let got = theta[f.model(model) as usize];
            println!("ties {ties:9} {model:28} θ = {got:+.12}  (choix {value:+.6})");
            worst = worst.max((got - value).abs());
        }
        println!(
            "ties {ties}: {} iterations, max |Δθ| = {worst:.2e}",
            extra["iterations"]
        );
        // The reference values are rounded to 6 decimals: up to 5e-7 of the difference is that.
        assert!(worst <= 1e-6, "ties {ties}: max |Δθ| = {worst}");
    }
}
