//! `anchor_win_rate` on a hand-made fixture (scores computed by hand in the comments), its
//! seeded bootstrap, and the power analysis against an independent brute-force computation.

mod common;

use common::*;
use podium_anchor::power::prompts_needed;

/// Models: base (the anchor), m1, m2, m3. Verdicts from the non-anchor model's side:
///
/// | row | model_a | model_b | verdict (row's own)    | m1/m2 sees        | weight |
/// |-----|---------|---------|------------------------|-------------------|--------|
/// | 0   | m1      | base    | A>>B                   | strong win        | 1      |
/// | 1   | base    | m1      | B>A                    | win               | 1      |
/// | 2   | m1      | base    | tie                    | tie               | 1      |
/// | 3   | base    | m1      | A>>B                   | strong loss       | 1      |
/// | 4   | m1      | base    | B wins, no strength    | loss              | 1      |
/// | 5   | base    | m1      | B>>A                   | strong win        | 1      |
/// | 6   | m2      | base    | A>B                    | win               | 2      |
/// | 7   | base    | m2      | both bad               | tie               | 1      |
/// | 8   | m1      | m3      | A>B (no anchor: unused)|                   | 1      |
fn fixture() -> Fixture {
    let mut data = Fixture::new(&["base", "m1", "m2", "m3"], 8);
    let (base, m1, m2, m3) = (0, 1, 2, 3);
    data.push(game(m1, base, 0, 2, 1));
    data.push(game(base, m1, 0, -1, 2));
    data.push(game(m1, base, 1, 0, 3));
    data.push(game(base, m1, 1, 2, 4));
    data.push(ComparisonRow {
        sample: 2,
        ..ComparisonRow::new(m1, base, WIN_B)
    });
    data.push(game(base, m1, 2, -2, 6));
    data.push(ComparisonRow {
        weight: 2.0,
        sample: 3,
        ..game(m2, base, 3, 1, 7)
    });
    data.push(ComparisonRow {
        sample: 3,
        ..ComparisonRow::new(base, m2, BOTH_BAD)
    });
    data.push(game(m1, m3, 4, 1, 9));
    data
}

#[test]
fn win_rate_by_hand_strong_weight_1_and_3() {
    let data = fixture();
    // strong_weight 1: m1 has 3 wins, 1 tie, 2 losses of weight 1: (3 + 0.5) / 6 = 58.333… %.
    // m2: win of weight 2, tie of weight 1: (2 + 0.5) / 3 = 83.333… %. m3: no anchor rows.
    let call = plugin().run(
        "anchor_win_rate",
        &data,
        r#"{"anchor": "base", "rounds": 0}"#,
    );
    let s = call.scores();
    assert_eq!(s[0], Some(50.0));
    assert!((s[1].unwrap() - 100.0 * 3.5 / 6.0).abs() < 1e-12, "{s:?}");
    assert!((s[2].unwrap() - 100.0 * 2.5 / 3.0).abs() < 1e-12);
    assert_eq!(s[3], None);
    assert!(call.intervals().iter().all(Option::is_none));

    // strong_weight 3: m1's strong wins (rows 0, 5) and strong loss (row 3) weigh 3:
    // Σw = 3 + 1 + 1 + 3 + 1 + 3 = 12, Σw·s = 3 + 1 + 0.5 + 0 + 0 + 3 = 7.5 → 62.5 %.
    // m2 has no strong verdict: unchanged.
    let call = plugin().run(
        "anchor_win_rate",
        &data,
        r#"{"anchor": "base", "strong_weight": 3, "rounds": 0}"#,
    );
    let s = call.scores();
    assert!((s[1].unwrap() - 62.5).abs() < 1e-12, "{s:?}");
    assert!((s[2].unwrap() - 100.0 * 2.5 / 3.0).abs() < 1e-12);

    let extra = call.extra("anchor_win_rate").unwrap();
    let m1 = &extra["models"]["m1"];
    assert_eq!(m1["n"], 6);
    assert_eq!(m1["wins"], 3);
    assert_eq!(m1["ties"], 1);
    assert_eq!(m1["losses"], 2);
    assert_eq!(m1["strong_wins"], 2);
    assert_eq!(m1["strong_losses"], 1);
    assert!((m1["tie_rate"].as_f64().unwrap() - 1.0 / 6.0).abs() < 1e-15);
    assert_eq!(extra["models"]["m2"]["ties"], 1);
    assert_eq!(extra["unscored"], serde_json::json!(["m3"]));
    // The power analysis uses the model's tie rate.
    assert_eq!(
        m1["power"]["edge_0.10"].as_u64(),
        prompts_needed(1.0 / 6.0, 0.10)
    );
}

#[test]
fn bootstrap_is_seeded_and_contains_the_score() {
    let mut data = fixture();
    // m3 also meets the anchor 40 times with uneven weights, so replicate means vary finely.
    for p in 0..40u32 {
        data.push(ComparisonRow {
            weight: 1.0 + (p % 7) as f64 * 0.37,
            sample: 5,
            ..game(3, 0, 5, [2, 1, 0, -1, 1][p as usize % 5], 100 + p as i64)
        });
    }
    let params = r#"{"anchor": "base", "rounds": 500}"#;
    let a = plugin().run_with("anchor_win_rate", &data, params, 7, None);
    let b = plugin().run_with("anchor_win_rate", &data, params, 7, None);
    let c = plugin().run_with("anchor_win_rate", &data, params, 8, None);
    let (ia, ib, ic) = (a.intervals(), b.intervals(), c.intervals());
    // Same seed, same bytes.
    for (x, y) in ia.iter().zip(&ib) {
        let (x, y) = (x.unwrap_or((0.0, 0.0)), y.unwrap_or((0.0, 0.0)));
        assert_eq!(x.0.to_bits(), y.0.to_bits());
        assert_eq!(x.1.to_bits(), y.1.to_bits());
    }
    assert_eq!(a.seen.extras, b.seen.extras);
    assert_ne!(ia, ic, "another seed draws other replicates");
    assert_eq!(ia[0], Some((50.0, 50.0)));
    let scores = a.scores();
    for m in [1, 2, 3] {
        let (low, high) = ia[m].unwrap();
        let s = scores[m].unwrap();
        assert!(low <= s && s <= high && low < high, "{m}: {low} {s} {high}");
    }
}

/// ln C(m, k).
fn ln_choose(ln_fact: &[f64], m: usize, k: usize) -> f64 {
    ln_fact[m] - ln_fact[k] - ln_fact[m - k]
}

/// P(X ≥ c) for X ~ Binomial(m, p), summed term by term.
fn tail(ln_fact: &[f64], m: usize, c: usize, p: f64) -> f64 {
    (c..=m)
        .map(|k| {
            (ln_choose(ln_fact, m, k) + k as f64 * p.ln() + (m - k) as f64 * (1.0 - p).ln()).exp()
        })
        .sum()
}

/// Brute force: for every m, the critical value by explicit sums under p = ½, then the power.
fn brute_force(p: f64) -> usize {
    let mut ln_fact = vec![0.0; 5001];
    for i in 1..ln_fact.len() {
        ln_fact[i] = ln_fact[i - 1] + (i as f64).ln();
    }
    // The critical value never decreases with m, so each search starts from the last one.
    let mut c = 0;
    for m in 1..5000 {
        c = (c..=m + 1)
            .find(|&c| c > m || tail(&ln_fact, m, c, 0.5) <= 0.05)
            .unwrap();
        if c <= m && tail(&ln_fact, m, c, p) >= 0.8 {
            return m;
        }
    }
    panic!("not found");
}

#[test]
fn power_matches_brute_force() {
    // τ = 0, δ = 0.10: P(win) = 0.6 on every prompt.
    let expected = brute_force(0.6);
    assert_eq!(prompts_needed(0.0, 0.10), Some(expected as u64));
    // About 150 prompts (the normal approximation gives ≈ 153).
    assert!((130..=170).contains(&expected), "{expected}");
    // τ = 0.2, δ = 0.10: P(win | decisive) = 0.5 + 0.1 / 0.8 = 0.625, prompts = ⌈m / 0.8⌉.
    let m = brute_force(0.625);
    assert_eq!(
        prompts_needed(0.2, 0.10),
        Some((m as f64 / 0.8).ceil() as u64)
    );
    // τ = 0, δ = 0.05: P = 0.55.
    assert_eq!(prompts_needed(0.0, 0.05), Some(brute_force(0.55) as u64));
    // Every prompt a tie: nothing to test; an edge impossible at this tie rate: none.
    assert_eq!(prompts_needed(1.0, 0.10), None);
    assert_eq!(prompts_needed(0.9, 0.10), None);
}

#[test]
fn power_in_the_extra_for_a_model_without_ties() {
    // m beats base 6 times of 10 with no tie: τ = 0.
    let mut data = Fixture::new(&["base", "m"], 10);
    for p in 0..10 {
        data.push(game(1, 0, p, if p < 6 { 1 } else { -1 }, p as i64));
    }
    let call = plugin().run("anchor_win_rate", &data, r#"{"anchor": "base"}"#);
    let power = &call.extra("anchor_win_rate").unwrap()["models"]["m"]["power"];
    assert_eq!(power["tie_rate"], 0.0);
    assert_eq!(power["edge_0.10"].as_u64(), Some(brute_force(0.6) as u64));
    assert_eq!(power["edge_0.05"].as_u64(), Some(brute_force(0.55) as u64));
    assert_eq!(
        power["test"],
        "one-sided exact sign test on decisive prompts, α = 0.05, power 0.8"
    );
    // All ties: the power is null.
    let mut data = Fixture::new(&["base", "m"], 2);
    data.push(game(1, 0, 0, 0, 0));
    let call = plugin().run("anchor_win_rate", &data, r#"{"anchor": "base"}"#);
    assert!(call.extra("anchor_win_rate").unwrap()["models"]["m"]["power"].is_null());
}
