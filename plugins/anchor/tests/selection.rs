//! `anchor_selection`: informativeness on a hand-made fixture (expected values computed by
//! hand below), and on a synthetic pool with known strengths: the strongest model is a worse
//! and less informative anchor than mid-ranked ones, and the recommendation is the most
//! informative candidate of the middle half.
//!
//! **The combination rule under test.** Every verdict is read from the non-anchor model's
//! side. On each prompt a model's verdicts against the anchor X are numbered g = 1, 2, … in
//! chronological order (timestamp, then row order); game g of i-vs-X is compared with game g of
//! j-vs-X, so two position-swapped games give two comparisons (first with first, second with
//! second) and a model with fewer games limits the count. Pair value = disagreements /
//! compared games over all shared prompts; I(X) = mean over pairs with a compared game, ×100.

mod common;

use common::*;
use serde_json::Value;

const A: u32 = 0;
const B: u32 = 1;
const C: u32 = 2;
const X: u32 = 3;
const Y: u32 = 4;

/// Verdicts against X, from the non-anchor model's side (game 1, game 2), on samples 1–4
/// (prompts p0–p3):
///
/// | prompt | A        | B        | C        |
/// |--------|----------|----------|----------|
/// | p0 (1) | +2, +1   | +1, +1   |  0, −1   |
/// | p1 (2) | −1, −1   | −2, −1   | −1,  0   |
/// | p2 (3) |  0,  0   |  0, +1   | +2, +2   |
/// | p3 (4) | +1, +2   | +1       | −2, −2   |
///
/// Game 1 has the model as model_a and X as model_b; game 2 (one unit of time later) swaps
/// positions, so its row's own verdict is the negation. On p1, B's game 2 row is stored
/// *before* its game 1 row: the timestamps, not the host order, decide which game is first.
///
/// Against Y: sample 0: A beats Y (A>B), Y beats B (A>B from Y's side, so −1 for B);
/// sample 5: Y ties A.
fn fixture() -> Fixture {
    let mut data = Fixture::new(&["A", "B", "C", "X", "Y"], 6);
    let table: [(u32, [&[i8]; 4]); 3] = [
        (A, [&[2, 1], &[-1, -1], &[0, 0], &[1, 2]]),
        (B, [&[1, 1], &[-2, -1], &[0, 1], &[1]]),
        (C, [&[0, -1], &[-1, 0], &[2, 2], &[-2, -2]]),
    ];
    for (model, prompts) in table {
        for (p, games) in prompts.iter().enumerate() {
            let sample = p as u32 + 1;
            let t = 100 * sample as i64 + 10 * model as i64;
            let mut rows = Vec::new();
            for (g, &level) in games.iter().enumerate() {
                rows.push(if g == 0 {
                    game(model, X, sample, level, t + 1)
                } else {
                    game(X, model, sample, -level, t + 2)
                });
            }
            if model == B && p == 1 {
                rows.reverse();
            }
            for row in rows {
                data.push(row);
            }
        }
    }
    data.push(game(A, Y, 0, 1, 1));
    data.push(game(Y, B, 0, 1, 2));
    data.push(game(Y, A, 5, 0, 3));
    data
}

fn candidate<'a>(extra: &'a Value, name: &str) -> &'a Value {
    &extra["candidates"][name]
}

#[test]
fn informativeness_by_hand_five_levels() {
    // Pair (A, B): p0 (+2|+1 differ, +1|+1 same) 1; p1 (−1|−2 d, −1|−1 s) 1; p2 (0|0 s,
    //   0|+1 d) 1; p3 one game (+1|+1 s) 0 → 3 / 7.
    // Pair (A, C): p0 (+2|0 d, +1|−1 d) 2; p1 (−1|−1 s, −1|0 d) 1; p2 (0|+2, 0|+2) 2;
    //   p3 (+1|−2, +2|−2) 2 → 7 / 8.
    // Pair (B, C): p0 (+1|0, +1|−1) 2; p1 (−2|−1, −1|0) 2; p2 (0|+2, +1|+2) 2; p3 one game
    //   (+1|−2) 1 → 7 / 7.
    // I(X) = 100 · (3/7 + 7/8 + 1) / 3 = 100 · (24 + 49 + 56) / 168 = 100 · 129 / 168.
    let call = plugin().run("anchor_selection", &fixture(), "{}");
    let scores = call.scores();
    assert!((scores[X as usize].unwrap() - 100.0 * 129.0 / 168.0).abs() < 1e-12);
    let extra = call.extra("anchor_selection").unwrap();
    let x = candidate(&extra, "X");
    assert_eq!(x["pairs"], 3);
    assert_eq!(x["compared_games"], 7 + 8 + 7);
    assert_eq!(x["prompts"], 4);
    // Y: the only pair (A, B) meets on sample 0 with one game each: +1 vs −1 differ → 1/1.
    assert_eq!(scores[Y as usize], Some(100.0));
    let y = candidate(&extra, "Y");
    assert_eq!(
        (y["pairs"].as_u64(), y["compared_games"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(y["prompts"], 2);
    // A, B and C never meet two opponents on one prompt: no pair, no score.
    for m in [A, B, C] {
        assert_eq!(scores[m as usize], None);
    }
    assert!(candidate(&extra, "A")["informativeness"].is_null());
}

#[test]
fn informativeness_by_hand_three_levels() {
    // Signs only. A: p0 +,+ p1 −,− p2 0,0 p3 +,+; B: +,+ −,− 0,+ +; C: 0,− −,0 +,+ −,−.
    // (A, B): only p2's second game differs → 1 / 7.
    // (A, C): p0 2, p1 1, p2 2, p3 2 → 7 / 8.
    // (B, C): p0 2, p1 (−|− s, −|0 d) 1, p2 (0|+ d, +|+ s) 1, p3 1 → 5 / 7.
    // I(X) = 100 · (1/7 + 7/8 + 5/7) / 3 = 100 · (8 + 49 + 40) / 168 = 100 · 97 / 168.
    let call = plugin().run("anchor_selection", &fixture(), r#"{"levels": 3}"#);
    let scores = call.scores();
    assert!((scores[X as usize].unwrap() - 100.0 * 97.0 / 168.0).abs() < 1e-12);
    let extra = call.extra("anchor_selection").unwrap();
    assert!(extra["rule"]["levels"].as_str().unwrap().starts_with("3:"));
}

#[test]
fn screening_uses_the_first_prompts() {
    // X's first two prompts are samples 1 and 2 (p0, p1), 5 levels:
    // (A, B) 2/4, (A, C) 3/4, (B, C) 4/4 → 100 · (0.5 + 0.75 + 1) / 3 = 75.
    let call = plugin().run("anchor_selection", &fixture(), r#"{"screen_prompts": 2}"#);
    let scores = call.scores();
    assert!((scores[X as usize].unwrap() - 75.0).abs() < 1e-12);
    let extra = call.extra("anchor_selection").unwrap();
    assert_eq!(candidate(&extra, "X")["prompts"], 2);
    // One prompt: p0 only: (A, B) 1/2, (A, C) 2/2, (B, C) 2/2 → 100 · 2.5 / 3.
    let call = plugin().run("anchor_selection", &fixture(), r#"{"screen_prompts": 1}"#);
    assert!((call.scores()[X as usize].unwrap() - 250.0 / 3.0).abs() < 1e-12);
    // Y's first prompt is sample 0: unchanged.
    assert_eq!(call.scores()[Y as usize], Some(100.0));
}

/// The candidate the stated rule recommends, recomputed from the extra.
fn recommended_by_rule(extra: &Value) -> Option<String> {
    let candidates = extra["candidates"].as_object().unwrap();
    let n = candidates.len() as u64;
    let q = extra["excluded_per_end"].as_u64().unwrap();
    let mut best: Option<(f64, String)> = None;
    for (name, c) in candidates {
        let rank = c["pool_rank"].as_u64().unwrap();
        let Some(i) = c["informativeness"].as_f64() else {
            continue;
        };
        if rank <= q || rank > n - q {
            continue;
        }
        // Object keys iterate in name order, so ">" keeps the first name on ties.
        if best.as_ref().is_none_or(|(b, _)| i > *b) {
            best = Some((i, name.clone()));
        }
    }
    best.map(|(_, name)| name)
}

#[test]
fn the_rule_is_stated_and_followed() {
    let call = plugin().run("anchor_selection", &fixture(), "{}");
    let extra = call.extra("anchor_selection").unwrap();
    for key in [
        "levels",
        "games",
        "denominator",
        "recommendation",
        "quality",
    ] {
        assert!(extra["rule"][key].is_string(), "{key}");
    }
    // 5 candidates: q = min(⌊7/4⌋, ⌊4/2⌋) = 1.
    assert_eq!(extra["excluded_per_end"], 1);
    assert_eq!(
        extra["recommended"].as_str().map(str::to_owned),
        recommended_by_rule(&extra)
    );
}

#[test]
fn strongest_anchor_is_worse_and_less_informative_than_mid_ranked() {
    // 10 models, strengths −5 … 5 in steps of 10/9 (model 9 the strongest), every pair on
    // 200 prompts twice. Against the strongest, the weak models' win rates all sit near 0 and
    // their order is mostly noise (the paper's finding); against a mid-ranked anchor every
    // model's win rate is informative.
    let (data, _) = synthetic_pool(10, 5.0, 200, 2024);
    let call = plugin().run("anchor_selection", &data, "{}");
    let extra = call.extra("anchor_selection").unwrap();
    assert_eq!(extra["pool_ranking"], "all_pairs_bt");
    let c = |m: usize| candidate(&extra, &data.models[m]).clone();
    let info = |m: usize| c(m)["informativeness"].as_f64().unwrap();
    let tau = |m: usize| c(m)["quality_tau"].as_f64().unwrap();
    // The all-pairs ranking recovers the truth.
    for m in 0..10 {
        assert_eq!(c(m)["pool_rank"], 10 - m as u64, "{m}");
    }
    let strongest = 9;
    for mid in [4, 5] {
        assert!(
            tau(strongest) < tau(mid),
            "τ strongest {} vs mid {mid} {}",
            tau(strongest),
            tau(mid)
        );
        assert!(
            info(mid) > info(strongest),
            "I mid {mid} {} vs strongest {}",
            info(mid),
            info(strongest)
        );
    }
    // q = min(⌊12/4⌋, ⌊9/2⌋) = 3: pool ranks 4–7 (models 6, 5, 4, 3) are eligible.
    assert_eq!(extra["excluded_per_end"], 3);
    let recommended = extra["recommended"].as_str().unwrap();
    let best_mid = (3..=6)
        .max_by(|&a, &b| info(a).total_cmp(&info(b)))
        .unwrap();
    assert_eq!(recommended, data.models[best_mid]);
    assert_eq!(Some(recommended.to_owned()), recommended_by_rule(&extra));
    // Scores are the informativeness values.
    let scores = call.all_scores();
    for (m, s) in scores.iter().enumerate() {
        assert_eq!(*s, info(m));
    }
}
