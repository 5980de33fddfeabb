//! `anchor_bt`: the closed form for two models, its Fisher and sandwich intervals, models
//! without a finite estimate, and style control on synthetic data whose judge prefers longer
//! answers.

mod common;

use common::*;
use podium_synth::SplitMix64;
use serde_json::json;

const ELO: f64 = 400.0 / std::f64::consts::LN_10;

/// m meets base on 10 prompts, positions alternating: `wins` wins, `ties` ties, the rest
/// losses.
fn two_models(wins: u32, ties: u32) -> Fixture {
    let mut data = Fixture::new(&["base", "m"], 10);
    for p in 0..10u32 {
        let level = if p < wins {
            1
        } else if p < wins + ties {
            0
        } else {
            -1
        };
        data.push(if p % 2 == 0 {
            game(1, 0, p, level, p as i64)
        } else {
            game(0, 1, p, -level, p as i64)
        });
    }
    data
}

#[test]
fn closed_form_with_two_models() {
    // With one pair the MLE is p̂ = (wins + ties/2) / n = 0.7: R = 1000 + 400 log10(0.7/0.3).
    let expected = 1000.0 + 400.0 * (7.0f64 / 3.0).log10();
    for data in [two_models(7, 0), two_models(6, 2)] {
        for interval in ["sandwich", "fisher"] {
            let params = format!(r#"{{"anchor": "base", "interval": "{interval}"}}"#);
            let call = plugin().run("anchor_bt", &data, &params);
            let s = call.all_scores();
            assert_eq!(s[0], 1000.0);
            assert!((s[1] - expected).abs() < 1e-6, "{interval}: {s:?}");
            let iv = call.intervals();
            assert_eq!(iv[0], Some((1000.0, 1000.0)));
            let (low, high) = iv[1].unwrap();
            assert!(low < s[1] && s[1] < high, "{interval}: {low} {high}");
            let extra = call.extra("anchor_bt").unwrap();
            let m = &extra["models"]["m"];
            assert!((m["win_rate_vs_anchor"].as_f64().unwrap() - 0.7).abs() < 1e-9);
            assert_eq!(extra["converged"], true);
            // Without ties, Fisher and sandwich agree: H = B = n p (1 − p) = 10 · 0.21
            // (Σ (y − p)² = 7 · 0.09 + 3 · 0.49 = 2.1), so se = ELO / √2.1 in rating points.
            if data.comparisons.iter().all(|r| r.winner != TIE) {
                let se = m["se"].as_f64().unwrap();
                assert!((se - ELO / 2.1f64.sqrt()).abs() < 1e-6, "{interval}: {se}");
                // 95 %: ± 1.959964 se.
                assert!((high - s[1] - 1.959_963_985 * se).abs() < 1e-5);
            }
        }
    }
    // anchor_rating moves everything.
    let call = plugin().run(
        "anchor_bt",
        &two_models(7, 0),
        r#"{"anchor": "base", "anchor_rating": 1500, "interval": "none"}"#,
    );
    let s = call.all_scores();
    assert!((s[1] - (expected + 500.0)).abs() < 1e-6);
    assert!(call.intervals().iter().all(Option::is_none));
}

#[test]
fn models_without_a_finite_estimate_get_no_score() {
    // base–m as above (rated); champ beats base every time (+∞); loser loses to m every time
    // (−∞); lone and island only meet each other (not connected to the anchor); idle has no
    // comparisons.
    let mut data = two_models(7, 0);
    data.models
        .extend(["champ", "loser", "lone", "island", "idle"].map(String::from));
    let (champ, loser, lone, island) = (2, 3, 4, 5);
    for p in 0..5 {
        data.push(game(champ, 0, p, 1, 100 + p as i64));
        data.push(game(1, loser, p, 2, 200 + p as i64));
        data.push(game(
            lone,
            island,
            p,
            if p < 3 { 1 } else { -1 },
            300 + p as i64,
        ));
    }
    let call = plugin().run("anchor_bt", &data, r#"{"anchor": "base"}"#);
    let s = call.scores();
    let expected = 1000.0 + 400.0 * (7.0f64 / 3.0).log10();
    assert!((s[1].unwrap() - expected).abs() < 1e-6);
    assert_eq!(&s[2..], &[None; 5]);
    let extra = call.extra("anchor_bt").unwrap();
    let reason = |name: &str| extra["unscored"][name].as_str().unwrap().to_owned();
    assert!(reason("champ").starts_with("won every comparison"));
    assert!(reason("loser").starts_with("lost every comparison"));
    assert!(reason("lone").starts_with("not connected to the anchor"));
    assert!(reason("island").starts_with("not connected to the anchor"));
    assert_eq!(reason("idle"), "no comparisons");
}

/// Six models with true strengths; each answer has a length, and the judge's latent
/// preference is `s_a − s_b + 1.5 · (t_a − t_b)/(t_a + t_b) + logistic noise` (no ties). The
/// weakest model (m0) writes three times longer answers.
fn verbose_pool() -> (Fixture, Vec<f64>) {
    let strengths = [-1.0, -0.5, 0.0, 0.3, 0.6, 1.0];
    let base_tokens = [1500.0, 500.0, 500.0, 500.0, 500.0, 500.0];
    let mut data = Fixture::numbered(6, 300);
    let mut rng = SplitMix64::new(99);
    let mut t = 0;
    for i in 0..6u32 {
        for j in i + 1..6u32 {
            for p in 0..300u32 {
                let (a, b) = if p % 2 == 0 { (i, j) } else { (j, i) };
                let ta = (base_tokens[a as usize] * rng.uniform(0.5, 1.5)).round();
                let tb = (base_tokens[b as usize] * rng.uniform(0.5, 1.5)).round();
                let latent = strengths[a as usize] - strengths[b as usize]
                    + 1.5 * (ta - tb) / (ta + tb)
                    + logistic(&mut rng);
                t += 1;
                let mut row = game(a, b, p, if latent > 0.0 { 1 } else { -1 }, t);
                row.metadata = json!({"style": {
                    "model_a": {"tokens": ta, "bold": 0},
                    "model_b": {"tokens": tb, "bold": 0},
                }})
                .to_string();
                data.push(row);
            }
        }
    }
    (data, strengths.to_vec())
}

#[test]
fn style_control_moves_ratings_toward_the_truth() {
    let (data, strengths) = verbose_pool();
    // Anchor m2 (strength 0): the true rating of m is 1000 + ELO · s_m.
    let truth: Vec<f64> = strengths.iter().map(|s| 1000.0 + ELO * s).collect();
    let call = plugin().run(
        "anchor_bt",
        &data,
        r#"{"anchor": "m2", "style_control": true}"#,
    );
    let controlled = call.all_scores();
    let extra = call.extra("anchor_bt").unwrap();
    let raw: Vec<f64> = (0..6)
        .map(|m| {
            extra["models"][&data.models[m]]["raw_rating"]
                .as_f64()
                .unwrap()
        })
        .collect();
    let error = |r: &[f64]| -> f64 { r.iter().zip(&truth).map(|(a, b)| (a - b).abs()).sum() };
    assert!(
        error(&controlled) < 0.5 * error(&raw),
        "controlled {controlled:?} raw {raw:?} truth {truth:?}"
    );
    // The verbose weak model is flattered by the raw fit, and the control removes most of it.
    assert!(raw[0] - truth[0] > 100.0, "{raw:?}");
    assert!((controlled[0] - truth[0]).abs() < 50.0, "{controlled:?}");
    let tokens = &extra["style"]["coefficients"]["tokens"];
    let (coef, se) = (
        tokens["coefficient"].as_f64().unwrap(),
        tokens["se"].as_f64().unwrap(),
    );
    assert!(coef > 0.0 && coef - 3.0 * se > 0.0, "{coef} ± {se}");
    assert!((coef - 1.5).abs() < 4.0 * se, "{coef} ± {se}");
    // bold is 0 on both sides everywhere: not identified, dropped.
    assert!(extra["style"]["coefficients"].get("bold").is_none());
    assert_eq!(extra["converged"], true);
    // Intervals contain the estimates, both kinds.
    for interval in ["sandwich", "fisher"] {
        let params =
            format!(r#"{{"anchor": "m2", "style_control": true, "interval": "{interval}"}}"#);
        let call = plugin().run("anchor_bt", &data, &params);
        let s = call.all_scores();
        for (m, iv) in call.intervals().iter().enumerate() {
            let (low, high) = iv.unwrap();
            assert!(low <= s[m] && s[m] <= high, "{interval} {m}");
            if m != 2 {
                assert!(low < high);
            }
        }
    }
    // Without style control the score is the raw rating.
    let plain = plugin()
        .run("anchor_bt", &data, r#"{"anchor": "m2"}"#)
        .all_scores();
    for (p, r) in plain.iter().zip(&raw) {
        assert!((p - r).abs() < 1e-9);
    }
}

#[test]
fn deterministic_to_the_bit() {
    let (data, _) = verbose_pool();
    let params = r#"{"anchor": "m2", "style_control": true}"#;
    let a = plugin().run_with("anchor_bt", &data, params, 1, None);
    let b = plugin().run_with("anchor_bt", &data, params, 2, None);
    assert_eq!(a.scores, b.scores);
    assert_eq!(a.low, b.low);
    assert_eq!(a.seen.extras, b.seen.extras);
}
