//! `single-elimination` and `round-robin` through the plugin's C entry: strict orders on
//! scores and on verdicts, byes, ties, the comparison rule and its fallback, and every error
//! path.

use podium_plugin_api::abi::{
    PODIUM_METHOD_SEEDED, PODIUM_METHOD_USES_COMPARISONS, PODIUM_METHOD_USES_MEASUREMENTS,
    PodiumStatus,
};
use podium_plugin_api::testing::{ComparisonRow, Fixture, Plugin, TIE, WIN_A, WIN_B};
use serde_json::{Value, json};

fn plugin() -> Plugin {
    Plugin::new(podium_swiss::podium_plugin_v1)
}

const SE: &str = "single-elimination";
const RR: &str = "round-robin";

/// `count` models m0.., one benchmark with one sample; model i scores `count − i` (m0 best).
fn strict_scores(count: usize) -> Fixture {
    let mut f = Fixture::numbered(count, 1);
    for i in 0..count {
        f.push_measurement(i as u32, 0, (count - i) as f64);
    }
    f
}

/// `count` models, every pair with one verdict: the lower index wins (m0 best); no scores.
fn strict_verdicts(count: usize) -> Fixture {
    let mut f = Fixture::numbered(count, 1);
    for i in 0..count {
        for j in i + 1..count {
            // Alternate orientation so both winner codes are exercised.
            if (i + j) % 2 == 0 {
                f.push_comparison(i as u32, j as u32, WIN_A, 1.0);
            } else {
                f.push_comparison(j as u32, i as u32, WIN_B, 1.0);
            }
        }
    }
    f
}

fn descending(count: usize) -> Vec<Option<f64>> {
    (0..count).map(|i| Some((count - 1 - i) as f64)).collect()
}

/// Round one's pairs as seed numbers.
fn round_pairs(extra: &Value, round: usize) -> Vec<(u64, u64)> {
    extra["bracket"][round - 1]["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["seeds"][0].as_u64().unwrap(),
                m["seeds"][1].as_u64().unwrap(),
            )
        })
        .collect()
}

fn byes(extra: &Value, round: usize) -> Vec<u64> {
    extra["bracket"][round - 1]["byes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["seed"].as_u64().unwrap())
        .collect()
}

#[test]
fn both_methods_are_exported_with_both_data_flags_and_no_seed() {
    for id in [SE, RR] {
        let flags = plugin().method(id).flags;
        assert_eq!(
            flags,
            PODIUM_METHOD_USES_MEASUREMENTS | PODIUM_METHOD_USES_COMPARISONS
        );
        assert_eq!(flags & PODIUM_METHOD_SEEDED, 0);
        assert_eq!(plugin().schema(id)["additionalProperties"], json!(false));
    }
    assert_eq!(plugin().schema(SE)["required"], json!(["anchor"]));
}

#[test]
fn round_robin_on_a_strict_order_gives_n_minus_one_down_to_zero() {
    for (data, params) in [
        (strict_scores(7), "{}"),
        (strict_verdicts(7), "{}"),
        (strict_verdicts(7), r#"{"data": "comparisons"}"#),
    ] {
        let call = plugin().run(RR, &data, params);
        assert_eq!(call.scores(), descending(7));
        let extra = call.extra("round_robin").unwrap();
        assert_eq!(extra["matches"], json!(21));
        assert_eq!(
            extra["models"]["m0"],
            json!({"wins": 6, "ties": 0, "losses": 0, "points": 6.0})
        );
        assert_eq!(extra["models"]["m6"]["losses"], json!(6));
    }
    let extra = plugin()
        .run(RR, &strict_scores(7), "{}")
        .extra("round_robin")
        .unwrap();
    assert_eq!(extra["data"], json!("scores"));
    assert_eq!(extra["decided_by"]["scores"], json!(21));
}

#[test]
fn single_elimination_with_eight_models_uses_fourteen_matches() {
    for (data, anchor) in [
        (strict_scores(8), "m7"),
        (strict_scores(8), "m3"),
        (strict_scores(8), "m0"),
        (strict_verdicts(8), "m7"),
        (strict_verdicts(8), "m3"),
    ] {
        let call = plugin().run(SE, &data, &format!(r#"{{"anchor": "{anchor}"}}"#));
        // Champion first, then losers by round: the true order throughout.
        assert_eq!(call.scores(), descending(8), "anchor {anchor}");
        let extra = call.extra("single_elimination").unwrap();
        assert_eq!(extra["champion"], json!("m0"));
        let seeds: Vec<&str> = extra["seeds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["model"].as_str().unwrap())
            .collect();
        assert_eq!(seeds, ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"]);
        assert_eq!(round_pairs(&extra, 1), [(1, 8), (4, 5), (2, 7), (3, 6)]);
        assert_eq!(round_pairs(&extra, 2), [(1, 4), (2, 3)]);
        assert_eq!(round_pairs(&extra, 3), [(1, 2)]);
        assert_eq!(
            extra["comparisons"],
            json!({"seeding": 7, "bracket": 7, "total": 14, "byes_excluded": true})
        );
        assert_eq!(extra["seeding"].as_array().unwrap().len(), 7);
    }
    // The middle anchor (4th best) wins 4 of 7 seeding matches: seed points 4/7.
    let extra = plugin()
        .run(SE, &strict_scores(8), r#"{"anchor": "m3"}"#)
        .extra("single_elimination")
        .unwrap();
    let anchor_seed = &extra["seeds"][3];
    assert_eq!(anchor_seed["model"], json!("m3"));
    assert_eq!(anchor_seed["anchor"], json!(true));
    assert!((anchor_seed["seed_points"].as_f64().unwrap() - 4.0 / 7.0).abs() < 1e-12);
}

#[test]
fn anchor_that_only_seeds_gets_no_score_and_saves_a_match() {
    let call = plugin().run(
        SE,
        &strict_scores(8),
        r#"{"anchor": "m7", "anchor_plays": false}"#,
    );
    let mut expected = descending(7);
    expected.push(None);
    assert_eq!(call.scores(), expected);
    let extra = call.extra("single_elimination").unwrap();
    assert_eq!(extra["comparisons"]["seeding"], json!(7));
    assert_eq!(extra["comparisons"]["bracket"], json!(6));
    assert_eq!(extra["unscored"], json!(["m7"]));
    assert_eq!(byes(&extra, 1), [1]);
}

#[test]
fn six_models_give_byes_to_the_top_two_seeds_and_an_upset_is_ranked_by_round() {
    // Scores a > b > c > d > e > f; one verdict: e beats d. Without a verdict between two
    // models the match falls back to scores. Seeding (anchor f): a..e beat f on scores (1
    // point each, ties by mean) → seeds a1 b2 c3 d4 e5 f6. P = 8, order 1-8, 4-5, 2-7, 3-6:
    // round 1: a bye, e beats d (verdict), b bye, c beats f; round 2: a beats e, b beats c;
    // final: a beats b. Rank: a, b, then round-2 losers c (seed 3), e (seed 5), then round-1
    // losers d (seed 4), f (seed 6).
    let mut f = Fixture::new(&["a", "b", "c", "d", "e", "f"], 1);
    for (i, v) in [6.0, 5.0, 4.0, 3.0, 2.0, 1.0].into_iter().enumerate() {
        f.push_measurement(i as u32, 0, v);
    }
    let f = f.compare("e", "d", WIN_A, 1.0);
    let call = plugin().run(SE, &f, r#"{"anchor": "f"}"#);
    // a b c d e f
    assert_eq!(
        call.scores(),
        [5.0, 4.0, 3.0, 1.0, 2.0, 0.0].map(Some).to_vec()
    );
    let extra = call.extra("single_elimination").unwrap();
    assert_eq!(extra["data"], json!("comparisons"));
    assert_eq!(extra["bracket_size"], json!(8));
    assert_eq!(byes(&extra, 1), [1, 2]);
    assert_eq!(round_pairs(&extra, 1), [(4, 5), (3, 6)]);
    let upset = &extra["bracket"][0]["matches"][0];
    assert_eq!(upset["winner"], json!("e"));
    assert_eq!(upset["decided_by"], json!("comparisons"));
    assert_eq!(
        extra["bracket"][0]["matches"][1]["decided_by"],
        json!("scores")
    );
    assert_eq!(round_pairs(&extra, 2), [(1, 5), (2, 3)]);
    assert_eq!(
        extra["comparisons"],
        json!({"seeding": 5, "bracket": 5, "total": 10, "byes_excluded": true})
    );
    let ranking: Vec<(&str, Value)> = extra["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["model"].as_str().unwrap(), r["lost_in_round"].clone()))
        .collect();
    assert_eq!(
        ranking,
        [
            ("a", Value::Null),
            ("b", json!(3)),
            ("c", json!(2)),
            ("e", json!(2)),
            ("d", json!(1)),
            ("f", json!(1)),
        ]
    );
}

#[test]
fn a_tied_match_goes_to_the_higher_seed() {
    // Two benchmarks, each won by one model: every match is tied. Seed points ½ each (the
    // anchor b: its mean ½), so the overall mean decides the seeds, and seed 1 takes the final.
    for (b_on_second, champion) in [(0.5, "a"), (0.85, "b")] {
        let f = Fixture::new(&["a", "b"], 1)
            .benchmark("second", 1)
            .measure("a", 0, 0.9)
            .measure("b", 0, 0.1)
            .measure("a", 1, 0.0)
            .measure("b", 1, b_on_second);
        let call = plugin().run(SE, &f, r#"{"anchor": "b"}"#);
        let extra = call.extra("single_elimination").unwrap();
        assert_eq!(extra["champion"], json!(champion));
        assert_eq!(extra["seeds"][0]["model"], json!(champion));
        assert_eq!(extra["seeds"][0]["seed_points"], json!(0.5));
        let final_ = &extra["bracket"][0]["matches"][0];
        assert_eq!(final_["result"], json!("tie"));
        assert_eq!(final_["tie_to_higher_seed"], json!(true));
        assert_eq!(extra["comparisons"]["total"], json!(2));
        let scores = call.scores();
        let winner = if champion == "a" { 0 } else { 1 };
        assert_eq!(scores[winner], Some(1.0));
        assert_eq!(scores[1 - winner], Some(0.0));
        // Round robin: one tied match, half a point each.
        let rr = plugin().run(RR, &f, "{}");
        assert_eq!(rr.scores(), [Some(0.5), Some(0.5)]);
        assert_eq!(
            rr.extra("round_robin").unwrap()["models"]["a"]["ties"],
            json!(1)
        );
    }
}

#[test]
fn round_robin_halves_tied_verdicts() {
    // a and b tie on their one verdict (and a both_bad counts as a tie too); both beat c.
    let mut f = Fixture::new(&["a", "b", "c"], 1)
        .compare("a", "b", TIE, 1.0)
        .compare("a", "c", WIN_A, 1.0)
        .compare("c", "b", WIN_B, 1.0);
    f.push(ComparisonRow::new(
        0,
        1,
        podium_plugin_api::testing::BOTH_BAD,
    ));
    let call = plugin().run(RR, &f, "{}");
    assert_eq!(call.scores(), [Some(1.5), Some(1.5), Some(0.0)]);
}

#[test]
fn the_model_with_more_verdict_wins_takes_the_match() {
    // 2–1 for a; weights sum: one heavy win for b over c beats two light ones for c.
    let f = Fixture::new(&["a", "b", "c"], 1)
        .compare("a", "b", WIN_A, 1.0)
        .compare("b", "a", WIN_A, 1.0)
        .compare("b", "a", WIN_B, 1.0)
        .compare("b", "c", WIN_A, 3.0)
        .compare("c", "b", WIN_A, 1.0)
        .compare("c", "b", WIN_A, 1.0)
        .compare("a", "c", WIN_A, 1.0);
    let call = plugin().run(RR, &f, "{}");
    assert_eq!(call.scores(), [Some(2.0), Some(1.0), Some(0.0)]);
    let call = plugin().run(SE, &f, r#"{"anchor": "c"}"#);
    assert_eq!(call.scores(), [Some(2.0), Some(1.0), Some(0.0)]);
    let extra = call.extra("single_elimination").unwrap();
    assert_eq!(extra["seeding"][0]["points"], json!([1.0, 0.0]));
    assert_eq!(
        extra["bracket"][1]["matches"][0]["points"],
        json!([2.0, 1.0])
    );
}

#[test]
fn no_verdict_between_two_models_falls_back_to_scores_then_to_a_tie() {
    // a beats b, b beats c by verdicts; a and c never met. Scores c > a: c wins by fallback.
    let verdicts = Fixture::new(&["a", "b", "c", "idle"], 1)
        .compare("a", "b", WIN_A, 1.0)
        .compare("b", "c", WIN_A, 1.0);
    let with_scores = verdicts.clone().measure("a", 0, 0.2).measure("c", 0, 0.7);
    let call = plugin().run(RR, &with_scores, "{}");
    assert_eq!(call.scores(), [Some(1.0), Some(1.0), Some(1.0), None]);
    let extra = call.extra("round_robin").unwrap();
    assert_eq!(
        extra["decided_by"],
        json!({"comparisons": 2, "scores": 1, "no_data_tie": 0})
    );
    assert_eq!(extra["unscored"], json!(["idle"]));
    // Without scores the unplayed match is tied.
    let call = plugin().run(RR, &verdicts, "{}");
    assert_eq!(call.scores(), [Some(1.5), Some(1.0), Some(0.5), None]);
    assert_eq!(
        call.extra("round_robin").unwrap()["decided_by"]["no_data_tie"],
        json!(1)
    );
    // data: "scores" ignores the verdicts (b has no score, so it does not play).
    let call = plugin().run(RR, &with_scores, r#"{"data": "scores"}"#);
    assert_eq!(call.scores(), [Some(0.0), None, Some(1.0), None]);
}

#[test]
fn models_without_data_are_listed_and_results_ignore_the_seed() {
    let mut f = strict_scores(5);
    f.models.push("zz-idle".to_owned());
    let a = plugin().run_with(SE, &f, r#"{"anchor": "m4"}"#, 1, None);
    let b = plugin().run_with(SE, &f, r#"{"anchor": "m4"}"#, 99, None);
    assert_eq!(a.scores(), b.scores());
    assert_eq!(a.scores()[5], None);
    assert_eq!(
        a.extra("single_elimination").unwrap()["unscored"],
        json!(["zz-idle"])
    );
    assert_eq!(a.scores()[..5], descending(5)[..]);
}

#[track_caller]
fn assert_params_error(id: &str, data: &Fixture, params: &str, field: &str) {
    let (status, message) = plugin().run(id, data, params).error();
    assert_eq!(status, PodiumStatus::InvalidParams, "{params}: {message}");
    assert!(
        message.starts_with(&format!("{field}:")),
        "{params}: {message}"
    );
}

#[test]
fn params_errors_name_the_field() {
    let f = strict_scores(4);
    assert_params_error(SE, &f, "{}", "anchor");
    assert_params_error(SE, &f, r#"{"anchor": "nobody"}"#, "anchor");
    assert_params_error(SE, &f, r#"{"anchor": ""}"#, "anchor");
    assert_params_error(SE, &f, r#"{"anchor": "m0", "data": "elo"}"#, "data");
    assert_params_error(
        SE,
        &f,
        r#"{"anchor": "m0", "anchor_plays": 1}"#,
        "anchor_plays",
    );
    assert_params_error(SE, &f, r#"{"anchor": "m0", "rounds": 3}"#, "rounds");
    assert_params_error(RR, &f, r#"{"data": 3}"#, "data");
    assert_params_error(RR, &f, r#"{"anchor": "m0"}"#, "anchor");
}

/// Breaks a fixture on purpose.
type Breaker = Box<dyn Fn(&mut Fixture)>;

#[test]
fn bad_rows_are_invalid_data_naming_the_row() {
    let good = strict_verdicts(3);
    let cases: Vec<(Breaker, &str)> = vec![
        (Box::new(|f| f.comparisons[1].a = 9), "comparison 1"),
        (
            Box::new(|f| f.comparisons[2].b = f.comparisons[2].a),
            "comparison 2",
        ),
        (
            Box::new(|f| f.comparisons[0].winner = 7),
            "comparison 0: unknown winner code 7",
        ),
        (
            Box::new(|f| f.comparisons[1].weight = f64::NAN),
            "comparison 1: weight",
        ),
        (
            Box::new(|f| f.comparisons[1].weight = 0.0),
            "comparison 1: weight",
        ),
        (
            Box::new(|f| f.comparisons[2].weight = -1.0),
            "comparison 2: weight",
        ),
        (
            Box::new(|f| f.comparisons[0].sample = 5),
            "comparison 0: sample",
        ),
        (
            Box::new(|f| f.push_measurement(0, 0, f64::INFINITY)),
            "measurement 0",
        ),
        (Box::new(|f| f.push_measurement(7, 0, 1.0)), "measurement 0"),
    ];
    for (breaks, expected) in cases {
        let mut f = good.clone();
        breaks(&mut f);
        for (id, params) in [(SE, r#"{"anchor": "m2"}"#), (RR, "{}")] {
            let (status, message) = plugin().run(id, &f, params).error();
            assert_eq!(status, PodiumStatus::InvalidData, "{id}: {message}");
            assert!(
                message.contains(expected),
                "{id}: {message} (want {expected})"
            );
        }
    }
    // An anchor without any data cannot seed.
    let mut f = strict_scores(3);
    f.models.push("silent".to_owned());
    let (status, message) = plugin().run(SE, &f, r#"{"anchor": "silent"}"#).error();
    assert_eq!(status, PodiumStatus::InvalidData);
    assert!(message.contains("silent"), "{message}");
}
