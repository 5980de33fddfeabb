//! Opt-in: the plugin on real third-party comparison sets (not part of this repository; see
//! `shared/data/SOURCES.md`), found through `PODIUM_SHARED_DATA`. Without it each test prints
//! that it was skipped and passes:
//!
//! ```sh
//! PODIUM_SHARED_DATA=/work/shared/data cargo test -p podium-pairwise --test shared_data -- --nocapture
//! ```
//!
//! - `evalica/llmfao.csv` (8,931 crowd comparisons among 59 LLMs) against evalica's own golden
//!   file: Bradley–Terry (golden scores are π normalised to sum 1), newman (= our Davidson fit;
//!   golden scores are raw π) and Elo (file order). evalica's `eigen` golden ranks are
//!   inverted (a known evalica bug) and are not used.
//! - `arena_hard/arena_hard_battles.jsonl` (1,348 judge battles, 4 models) against the choix
//!   values SOURCES.md lists for ties as halves.

use std::collections::HashMap;
use std::path::PathBuf;

use podium_plugin_api::testing::{Fixture, Plugin, TIE, WIN_A, WIN_B, centred, max_abs_diff};

fn plugin() -> Plugin {
    Plugin::new(podium_pairwise::podium_plugin_v1)
}

fn shared(path: &str) -> Option<PathBuf> {
    match std::env::var_os("PODIUM_SHARED_DATA") {
        Some(dir) => Some(PathBuf::from(dir).join(path)),
        None => {
            println!("skipped: PODIUM_SHARED_DATA is not set");
            None
        }
    }
}

/// A fixture with models sorted by name, as the host sends them.
fn fixture_of(rows: &[(String, String, u32)]) -> Fixture {
    let mut names: Vec<&str> = rows
        .iter()
        .flat_map(|(a, b, _)| [a.as_str(), b.as_str()])
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut fixture = Fixture::new(&names, 1);
    let index: HashMap<&str, u32> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (*n, i as u32))
        .collect();
    for (a, b, winner) in rows {
        fixture.push_comparison(index[a.as_str()], index[b.as_str()], *winner, 1.0);
    }
    fixture
}

/// Splits one CSV line (fields may be quoted, with commas inside).
fn fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for ch in line.chars() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            _ => out.last_mut().unwrap().push(ch),
        }
    }
    out
}

#[test]
fn llmfao_matches_evalicas_golden_file() {
    let Some(dir) = shared("evalica") else { return };
    let text = std::fs::read_to_string(dir.join("llmfao.csv")).expect("llmfao.csv");
    let mut lines = text.lines();
    let header = fields(lines.next().unwrap());
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (winner, left, right) = (column("winner"), column("left"), column("right"));
    let rows: Vec<(String, String, u32)> = lines
        .map(|line| {
            let f = fields(line);
            let code = match f[winner].as_str() {
                "left" => WIN_A,
                "right" => WIN_B,
                "tie" => TIE,
                other => panic!("winner {other}"),
            };
            (f[left].clone(), f[right].clone(), code)
        })
        .collect();
    assert_eq!(rows.len(), 8931);
    let fixture = fixture_of(&rows);

    let golden = std::fs::read_to_string(dir.join("llmfao-golden.csv")).expect("golden");
    let mut expected: HashMap<String, Vec<f64>> = HashMap::new();
    for line in golden.lines().skip(1) {
        let f = fields(line);
        let entry = expected
            .entry(f[0].clone())
            .or_insert_with(|| vec![f64::NAN; fixture.models.len()]);
        entry[fixture.model(&f[1]) as usize] = f[2].parse().unwrap();
    }
    let log_centred = |v: &[f64]| centred(&v.iter().map(|x| x.ln()).collect::<Vec<_>>());

    let bt = plugin().run("bradley_terry", &fixture, "{}").all_scores();
    let diff = max_abs_diff(&bt, &log_centred(&expected["bradley_terry"]));
    println!("llmfao Bradley–Terry: max |θ − evalica golden| = {diff:.2e}");
    assert!(diff < 1e-8, "{diff}");

    let davidson = plugin()
        .run("bradley_terry", &fixture, r#"{"ties": "davidson"}"#)
        .all_scores();
    let diff = max_abs_diff(&davidson, &log_centred(&expected["newman"]));
    println!("llmfao Davidson: max |θ − evalica newman golden| = {diff:.2e}");
    assert!(diff < 1e-8, "{diff}");

    let elo = plugin()
        .run("elo", &fixture, r#"{"rounds": 0}"#)
        .all_scores();
    let diff = max_abs_diff(&elo, &expected["elo"]);
    println!("llmfao Elo: max |rating − evalica golden| = {diff:.2e}");
    assert!(diff < 1e-6, "{diff}");
}

#[test]
fn arena_hard_battles_match_choix_with_ties_as_halves() {
    let Some(path) = shared("arena_hard/arena_hard_battles.jsonl") else {
        return;
    };
    let text = std::fs::read_to_string(path).expect("arena_hard_battles.jsonl");
    let rows: Vec<(String, String, u32)> = text
        .lines()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            let code = match record["winner"].as_str().unwrap() {
                "model_a" => WIN_A,
                "model_b" => WIN_B,
                _ => TIE,
            };
            (
                record["model_a"].as_str().unwrap().to_owned(),
                record["model_b"].as_str().unwrap().to_owned(),
                code,
            )
        })
        .collect();
    assert_eq!(rows.len(), 1348);
    let fixture = fixture_of(&rows);
    let theta = plugin().run("bradley_terry", &fixture, "{}").all_scores();
    // SOURCES.md, ties as half a win each way (choix 0.4.1 ilsr_pairwise_dense, centred).
    for (model, expected) in [
        ("claude-3-5-sonnet-20240620", 0.760618),
        ("claude-3-haiku-20240307", -1.537194),
        ("claude-3-opus-20240229", -0.003000),
        ("gpt-4o", 0.779576),
    ] {
        let got = theta[fixture.model(model) as usize];
        println!("arena-hard {model}: θ = {got:.6} (SOURCES.md {expected})");
        assert!((got - expected).abs() < 1e-6, "{model}: {got}");
    }
}
