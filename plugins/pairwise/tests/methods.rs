//! The batch methods (`bradley_terry`, `elo`, `rank_centrality`) through the plugin's C
//! entry: closed forms computed by hand, intervals, the stated rules (order, ties, components)
//! and every error path.

use podium_plugin_api::abi::PodiumStatus;
use podium_plugin_api::testing::{BOTH_BAD, ComparisonRow, Fixture, Plugin, TIE, WIN_A, WIN_B};
use podium_synth::SplitMix64;

fn plugin() -> Plugin {
    Plugin::new(podium_pairwise::podium_plugin_v1)
}

/// `wins` of a over b and `losses`, with `ties` (all weight 1).
fn duel(wins: usize, losses: usize, ties: usize) -> Fixture {
    let mut f = Fixture::new(&["a", "b", "idle"], 1);
    for _ in 0..wins {
        f.push_comparison(0, 1, WIN_A, 1.0);
    }
    for _ in 0..losses {
        f.push_comparison(1, 0, WIN_A, 1.0);
    }
    for _ in 0..ties {
        f.push_comparison(0, 1, TIE, 1.0);
    }
    f
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

#[test]
fn two_models_give_the_log_odds_and_closed_form_intervals() {
    // 3 wins, 1 loss: θ_a − θ_b = ln 3; centred ±ln3/2. Information of the difference
    // n·p(1−p) = 4·¾·¼ = ¾, so var(θ_a) = 1/(4·¾) = ⅓ for centred θ and var(θ_a − θ_b) = 4/3.
    // At the MLE Σ(y − p)² = 3·¼² + 1·¾² = ¾ as well, so the sandwich equals Fisher here.
    let data = duel(3, 1, 0);
    for interval in ["fisher", "sandwich"] {
        let call = plugin().run(
            "bradley_terry",
            &data,
            &format!(r#"{{"interval": "{interval}"}}"#),
        );
        let scores = call.scores();
        assert!(
            close(scores[0].unwrap(), 3f64.ln() / 2.0, 1e-9),
            "{scores:?}"
        );
        assert!(close(scores[1].unwrap(), -(3f64.ln()) / 2.0, 1e-9));
        assert_eq!(scores[2], None, "a model without verdicts has no score");
        let (low, high) = call.intervals()[0].unwrap();
        let z = 1.959963984540054;
        assert!(
            close(high - low, 2.0 * z * (1.0f64 / 3.0).sqrt(), 1e-6),
            "{interval}: {low} {high}"
        );
    }
    // Elo scale with b fixed at 1000: a = 1000 + 400·log10(3); the interval of a difference.
    let call = plugin().run(
        "bradley_terry",
        &data,
        r#"{"scale": "elo", "anchor_model": "b", "interval": "fisher", "level": 0.9}"#,
    );
    let scores = call.scores();
    assert!(close(
        scores[0].unwrap(),
        1000.0 + 400.0 * 3f64.log10(),
        1e-6
    ));
    assert!(close(scores[1].unwrap(), 1000.0, 1e-9));
    let (low, high) = call.intervals()[0].unwrap();
    let z90 = 1.6448536269514722;
    let factor = 400.0 / std::f64::consts::LN_10;
    assert!(close(
        high - low,
        2.0 * z90 * factor * (4.0f64 / 3.0).sqrt(),
        1e-6
    ));
    let (low, high) = call.intervals()[1].unwrap();
    assert!(
        close(low, 1000.0, 1e-9) && close(high, 1000.0, 1e-9),
        "the anchor is exact"
    );
}

#[test]
fn davidson_two_models_closed_form() {
    // W = 4, L = 1, T = 2: the MLE matches the frequencies, so π_a/π_b = W/L and
    // ν = T/√(W·L) = 1 (evalica's v = ν/2 = 0.5).
    let call = plugin().run("bradley_terry", &duel(4, 1, 2), r#"{"ties": "davidson"}"#);
    let scores = call.scores();
    assert!(
        close(scores[0].unwrap() - scores[1].unwrap(), 4f64.ln(), 1e-9),
        "{scores:?}"
    );
    let extra = call.extra("bradley_terry").unwrap();
    assert!(close(extra["nu"].as_f64().unwrap(), 1.0, 1e-9), "{extra}");
    assert!(close(extra["evalica_v"].as_f64().unwrap(), 0.5, 1e-9));
    // With ties as halves the same data give (4 + 1)/(1 + 1).
    let half = plugin()
        .run("bradley_terry", &duel(4, 1, 2), "{}")
        .all_scores_of(&[0, 1]);
    assert!(close(half[0] - half[1], 2.5f64.ln(), 1e-9));
    // Ignored ties: 4/1.
    let ignored = plugin()
        .run("bradley_terry", &duel(4, 1, 2), r#"{"ties": "ignore"}"#)
        .all_scores_of(&[0, 1]);
    assert!(close(ignored[0] - ignored[1], 4f64.ln(), 1e-9));
}

trait ScoresOf {
    fn all_scores_of(&self, models: &[usize]) -> Vec<f64>;
}
impl ScoresOf for podium_plugin_api::testing::Call {
    fn all_scores_of(&self, models: &[usize]) -> Vec<f64> {
        let scores = self.scores();
        models.iter().map(|&m| scores[m].expect("scored")).collect()
    }
}

#[test]
fn both_bad_counts_as_a_tie_or_not_at_all() {
    let mut data = duel(2, 1, 0);
    data.push_comparison(0, 1, BOTH_BAD, 1.0);
    let as_tie = plugin()
        .run("bradley_terry", &data, "{}")
        .all_scores_of(&[0, 1]);
    assert!(close(as_tie[0] - as_tie[1], (2.5f64 / 1.5).ln(), 1e-9));
    let call = plugin().run("bradley_terry", &data, r#"{"both_bad": "ignore"}"#);
    let ignored = call.all_scores_of(&[0, 1]);
    assert!(close(ignored[0] - ignored[1], 2f64.ln(), 1e-9));
    assert_eq!(call.extra("bradley_terry").unwrap()["both_bad_ignored"], 1);
}

#[test]
fn the_largest_strongly_connected_component_is_fitted_and_the_rest_named() {
    // {a, b} and {c, d} each beat each other; a beat c, never the other way: two components.
    let mut data = Fixture::new(&["a", "b", "c", "d"], 1);
    for (x, y) in [(0, 1), (1, 0), (2, 3), (3, 2), (0, 2)] {
        data.push_comparison(x, y, WIN_A, 1.0);
    }
    let call = plugin().run("bradley_terry", &data, "{}");
    let scores = call.scores();
    assert!(scores[0].is_some() && scores[1].is_some());
    assert_eq!((scores[2], scores[3]), (None, None));
    let extra = call.extra("bradley_terry").unwrap();
    assert_eq!(extra["unscored"], serde_json::json!(["c", "d"]));
    assert_eq!(extra["components"], 2);
    let (status, message) = plugin()
        .run("bradley_terry", &data, r#"{"disconnected": "error"}"#)
        .error();
    assert_eq!(status, PodiumStatus::InvalidData);
    assert!(message.contains("[a, b] [c, d]"), "{message}");
    // Rank centrality follows the same rule; with alpha > 0 every model is scored.
    let rc = plugin().run("rank_centrality", &data, "{}").scores();
    assert_eq!((rc[2], rc[3]), (None, None));
    let rc = plugin()
        .run("rank_centrality", &data, r#"{"alpha": 0.5}"#)
        .all_scores();
    assert!(rc[0] > rc[3], "{rc:?}");
}

#[test]
fn a_star_of_comparisons_converges() {
    // Everyone judged against one baseline only: the comparison graph is bipartite, where a
    // simultaneous (Jacobi) update oscillates forever; the in-place update must converge.
    let mut data = Fixture::new(&["base", "x", "y", "z"], 1);
    for (model, wins, losses) in [(1, 30, 10), (2, 20, 20), (3, 5, 35)] {
        for _ in 0..wins {
            data.push_comparison(model, 0, WIN_A, 1.0);
        }
        for _ in 0..losses {
            data.push_comparison(model, 0, WIN_B, 1.0);
        }
    }
    let call = plugin().run("bradley_terry", &data, "{}");
    let extra = call.extra("bradley_terry").unwrap();
    assert_eq!(extra["converged"], true, "{extra}");
    let s = call.all_scores();
    // Each model against the baseline alone: θ_m − θ_base = ln(wins/losses).
    assert!(close(s[1] - s[0], 3f64.ln(), 1e-8));
    assert!(close(s[2] - s[0], 0.0, 1e-8));
    assert!(close(s[3] - s[0], (5.0f64 / 35.0).ln(), 1e-8));
}

/// Simulated Bradley–Terry verdicts: 5 models with known θ, `per_pair` verdicts per pair.
fn simulated(seed: u64, per_pair: usize, theta: &[f64]) -> Fixture {
    let mut rng = SplitMix64::new(seed);
    let mut data = Fixture::numbered(theta.len(), 1);
    for i in 0..theta.len() {
        for j in i + 1..theta.len() {
            let p = 1.0 / (1.0 + (theta[j] - theta[i]).exp());
            for _ in 0..per_pair {
                let winner = if rng.next_f64() < p { WIN_A } else { WIN_B };
                data.push_comparison(i as u32, j as u32, winner, 1.0);
            }
        }
    }
    data
}

#[test]
fn sandwich_intervals_cover_the_true_differences() {
    // 300 simulated data sets; the 95 % interval of θ_k − θ_0 (model 0 as anchor) should
    // contain the true difference about 95 % of the time.
    let theta = [0.0, 0.4, -0.3, 1.0, 0.2];
    let (mut covered, mut total) = (0, 0);
    for seed in 0..300 {
        let data = simulated(seed, 20, &theta);
        let call = plugin().run("bradley_terry", &data, r#"{"anchor_model": "m0"}"#);
        for (k, interval) in call.intervals().into_iter().enumerate().skip(1) {
            let (low, high) = interval.unwrap();
            covered += usize::from(low <= theta[k] && theta[k] <= high);
            total += 1;
        }
    }
    let coverage = covered as f64 / total as f64;
    println!("sandwich 95 % coverage over {total} intervals: {coverage:.3}");
    assert!((0.93..=0.97).contains(&coverage), "{coverage}");
}

#[test]
fn elo_by_hand_in_timestamp_order() {
    // Rows arrive b-beats-a first, but a's win carries the earlier timestamp.
    let mut data = Fixture::new(&["a", "b"], 1);
    data.push(ComparisonRow {
        timestamp_ms: 2_000,
        ..ComparisonRow::new(1, 0, WIN_A)
    });
    data.push(ComparisonRow {
        timestamp_ms: 1_000,
        ..ComparisonRow::new(0, 1, WIN_A)
    });
    let ratings = plugin().run("elo", &data, r#"{"rounds": 0}"#).all_scores();
    // Game 1 (t = 1 s): a beats b from 1000 each, E = ½: a 1002, b 998 (K = 4).
    // Game 2 (t = 2 s): b beats a: E_b = 1/(1 + 10^((1002 − 998)/400)).
    let e_b = 1.0 / (1.0 + 10f64.powf(4.0 / 400.0));
    let a = 1002.0 - 4.0 * (1.0 - e_b);
    let b = 998.0 + 4.0 * (1.0 - e_b);
    assert!(
        close(ratings[0], a, 1e-9) && close(ratings[1], b, 1e-9),
        "{ratings:?}"
    );
    // A weight of 2 doubles the step.
    let mut heavy = Fixture::new(&["a", "b"], 1);
    heavy.push_comparison(0, 1, WIN_A, 2.0);
    let ratings = plugin()
        .run("elo", &heavy, r#"{"rounds": 0, "k": 32}"#)
        .all_scores();
    assert!(close(ratings[0], 1032.0, 1e-9), "{ratings:?}");
}

#[test]
fn elo_bootstrap_is_seeded_and_contains_the_score() {
    let data = simulated(7, 30, &[0.0, 0.5, 1.0]);
    let run = |seed| plugin().run_with("elo", &data, r#"{"rounds": 50}"#, seed, None);
    let (first, again, other) = (run(1), run(1), run(2));
    assert_eq!(first.low, again.low);
    assert_eq!(first.high, again.high);
    assert_ne!(first.low, other.low);
    for (score, interval) in first.all_scores().iter().zip(first.intervals()) {
        let (low, high) = interval.unwrap();
        assert!(low <= *score && *score <= high && low < high);
    }
}

#[test]
fn bad_rows_are_invalid_data_naming_the_row() {
    for (row, needle) in [
        (
            ComparisonRow::new(0, 9, WIN_A),
            "comparison 1: model index out of range",
        ),
        (
            ComparisonRow::new(1, 1, WIN_A),
            "comparison 1: a model compared with itself",
        ),
        (
            ComparisonRow::new(0, 1, 77),
            "comparison 1: unknown winner code 77",
        ),
        (
            ComparisonRow {
                weight: 0.0,
                ..ComparisonRow::new(0, 1, WIN_A)
            },
            "comparison 1: weight 0",
        ),
    ] {
        let mut data = duel(1, 1, 0);
        data.comparisons.truncate(1);
        data.push(row);
        for method in ["bradley_terry", "elo", "rank_centrality"] {
            let (status, message) = plugin().run(method, &data, "{}").error();
            assert_eq!(status, PodiumStatus::InvalidData, "{method}");
            assert!(message.contains(needle), "{method}: {message}");
        }
    }
    let empty = Fixture::new(&["a", "b"], 1);
    for method in ["bradley_terry", "elo", "rank_centrality"] {
        assert_eq!(
            plugin().run(method, &empty, "{}").status,
            PodiumStatus::InvalidData
        );
    }
}

#[test]
fn params_errors_name_the_field() {
    let data = duel(2, 1, 1);
    for (method, params, field) in [
        ("bradley_terry", r#"{"ties": "both"}"#, "ties"),
        ("bradley_terry", r#"{"scale": "z"}"#, "scale"),
        (
            "bradley_terry",
            r#"{"anchor_model": "nobody"}"#,
            "anchor_model",
        ),
        ("bradley_terry", r#"{"level": 0.2}"#, "level"),
        ("bradley_terry", r#"{"max_iter": 0}"#, "max_iter"),
        ("bradley_terry", r#"{"interval": "wide"}"#, "interval"),
        ("bradley_terry", r#"{"tol": -1}"#, "tol"),
        ("bradley_terry", r#"{"colour": 1}"#, "colour"),
        ("elo", r#"{"k": 0}"#, "k"),
        ("elo", r#"{"base": 1}"#, "base"),
        ("elo", r#"{"rounds": -1}"#, "rounds"),
        ("elo", r#"{"both_bad": "x"}"#, "both_bad"),
        ("rank_centrality", r#"{"alpha": -1}"#, "alpha"),
        ("rank_centrality", r#"{"ties": "davidson"}"#, "ties"),
    ] {
        let (status, message) = plugin().run(method, &data, params).error();
        assert_eq!(status, PodiumStatus::InvalidParams, "{method} {params}");
        assert!(
            message.starts_with(&format!("{field}:")),
            "{method} {params}: {message}"
        );
    }
}

#[test]
fn every_schema_is_complete() {
    for method in ["bradley_terry", "elo", "rank_centrality"] {
        let schema = plugin().schema(method);
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["additionalProperties"], false);
        for (name, property) in schema["properties"].as_object().unwrap() {
            assert!(property["description"].is_string(), "{method}.{name}");
            assert!(property["type"].is_string(), "{method}.{name}");
        }
        // Every property is accepted by the code (no schema-only parameter).
        for name in schema["properties"].as_object().unwrap().keys() {
            let params = match name.as_str() {
                "anchor_model" => r#"{"anchor_model": "a"}"#.to_owned(),
                other => {
                    let default = &schema["properties"][other]["default"];
                    format!(r#"{{"{other}": {default}}}"#)
                }
            };
            let call = plugin().run(method, &duel(3, 2, 1), &params);
            call.assert_ok();
        }
    }
}

#[test]
fn cancellation_is_honoured() {
    let data = simulated(1, 10, &[0.0, 1.0, 2.0]);
    for method in ["bradley_terry", "elo", "rank_centrality"] {
        let call = plugin().run_with(method, &data, "{}", 1, Some(1));
        assert_eq!(call.status, PodiumStatus::Cancelled, "{method}");
    }
}
