//! `csd` and `csd-sensitivity` through the plugin's C entry, and the engine's invariants.

use podium_plugin_api::abi::PodiumStatus;
use podium_plugin_api::testing::{Fixture, Plugin};
use podium_swiss::sim::{self, Game, MatchRule, Odd, Rules, Tie};
use podium_synth::SplitMix64;

fn plugin() -> Plugin {
    Plugin::new(podium_swiss::podium_plugin_v1)
}

/// One sample per benchmark; `values[m][k]` (None = not measured).
fn fixture(values: &[Vec<Option<f64>>]) -> Fixture {
    let k = values[0].len();
    let mut f = Fixture::numbered(values.len(), 1);
    for b in 1..k {
        f = f.benchmark(&format!("k{b:02}"), 1);
    }
    for (m, row) in values.iter().enumerate() {
        for (b, v) in row.iter().enumerate() {
            if let Some(v) = v {
                f.push_measurement(m as u32, b as u32, *v);
            }
        }
    }
    f
}

/// Model i beats model j on every benchmark when i < j.
fn dominance(models: usize, benchmarks: usize) -> Fixture {
    let values: Vec<Vec<Option<f64>>> = (0..models)
        .map(|m| {
            (0..benchmarks)
                .map(|k| Some((models - m) as f64 + 0.01 * k as f64))
                .collect()
        })
        .collect();
    fixture(&values)
}

fn rules(rounds: usize, tie: Tie, odd: Odd, t: u32) -> Rules {
    Rules {
        tie,
        odd,
        matching: MatchRule::Deterministic,
        eliminate: vec![t; rounds],
        top_k: 3,
    }
}

fn game(values: &[Vec<Option<f64>>]) -> Game {
    let (m, k) = (values.len(), values[0].len());
    let means: Vec<Option<f64>> = (0..k)
        .flat_map(|r| (0..m).map(move |i| (i, r)))
        .map(|(i, r)| values[i][r])
        .collect();
    Game::from_means(m, k, &means)
}

fn random_values(models: usize, benchmarks: usize, seed: u64) -> Vec<Vec<Option<f64>>> {
    let mut rng = SplitMix64::stream(seed, 0);
    (0..models)
        .map(|_| {
            (0..benchmarks)
                .map(|_| Some((rng.below(4)) as f64))
                .collect()
        })
        .collect()
}

#[test]
fn four_models_two_benchmarks_strict_dominance_is_exact() {
    // Round 1: one group of 4, three equally likely pairings {01,23}, {02,13}, {03,12}.
    // m0 always wins, m3 always loses. Round 2 pairs the two winners and the two losers:
    // {01,23}: winners m0,m2 → m0 beats m2; losers m1,m3 → m1 beats m3: S = (2, 1, 1, 0).
    // {02,13}: winners m0,m1 → m0 beats m1; losers m2,m3 → m2 beats m3: S = (2, 1, 1, 0).
    // {03,12}: winners m0,m1 → S(m1) = 1; losers m3,m2 → m2 beats m3: S = (2, 1, 1, 0).
    // Every run ends (2, 1, 1, 0): E[S] = (2, 1, 1, 0) exactly, MC error 0, P(first of m0) = 1,
    // m1 and m2 share places 2–3 (both inside the top 3), m3 is 4th.
    let call = plugin().run("csd", &dominance(4, 2), r#"{"runs": 5000}"#);
    assert_eq!(call.all_scores(), vec![2.0, 1.0, 1.0, 0.0]);
    let extra = call.extra("csd").unwrap();
    let m = &extra["models"];
    assert_eq!(m["m0"]["p_first"], 1.0);
    assert_eq!(m["m1"]["p_first"], 0.0);
    assert_eq!(m["m0"]["mc_se"], 0.0);
    for (name, top) in [("m0", 1.0), ("m1", 1.0), ("m2", 1.0), ("m3", 0.0)] {
        assert_eq!(m[name]["p_top_k"], top, "{name}");
    }
    assert_eq!(extra["runs"], 5000);
    assert_eq!(call.intervals()[0], Some((2.0, 2.0)));
}

#[test]
fn eight_models_three_benchmarks_strict_dominance() {
    // 2³ models, 3 rounds: the best wins every round (3 points), the worst loses every round
    // (0); each round awards 4 points, so E[S] sums to 12. m1 can only lose to m0: it meets
    // m0 in round 1 with probability 1/7 (then 2 points), else it wins rounds 1 and 2 and meets
    // m0 in round 3 (2 points) — always 2. Symmetrically m6 always has 1.
    let call = plugin().run("csd", &dominance(8, 3), r#"{"runs": 20000}"#);
    let s = call.all_scores();
    assert_eq!(s[0], 3.0);
    assert_eq!(s[7], 0.0);
    assert_eq!(s[1], 2.0);
    assert_eq!(s[6], 1.0);
    assert!((s.iter().sum::<f64>() - 12.0).abs() < 1e-9);
    for w in s.windows(2) {
        assert!(w[0] >= w[1], "{s:?}");
    }
    let extra = call.extra("csd").unwrap();
    assert_eq!(extra["models"]["m0"]["p_first"], 1.0);
}

#[test]
fn symmetric_models_have_equal_expectations() {
    let values = vec![vec![Some(0.5); 5]; 6];
    let data = fixture(&values);
    // half: every match is ½–½, every run gives 5 × ½ = 2.5 to everyone.
    let half = plugin().run("csd", &data, r#"{"tie": "half", "runs": 3000}"#);
    assert_eq!(half.all_scores(), vec![2.5; 6]);
    // coin: equal by symmetry, within Monte Carlo error. (Not 2.5: with coin flips the score
    // groups become odd and byes worth 0 are given, so the common value is below 2.5.)
    let coin = plugin().run("csd", &data, r#"{"tie": "coin", "runs": 40000}"#);
    let extra = coin.extra("csd").unwrap();
    let scores = coin.all_scores();
    let common = scores.iter().sum::<f64>() / scores.len() as f64;
    for (i, s) in scores.into_iter().enumerate() {
        let se = extra["models"][format!("m{i}")]["mc_se"].as_f64().unwrap();
        assert!(se > 0.0);
        assert!(
            (s - common).abs() < 4.0 * se,
            "m{i}: {s} vs {common} ± {se}"
        );
    }
}

#[test]
fn one_run_invariants() {
    for (models, seed) in [(7usize, 1u64), (8, 2), (13, 3)] {
        let values = random_values(models, 9, seed);
        let g = game(&values);
        for tie in [Tie::Coin, Tie::Half] {
            for odd in [Odd::Bye, Odd::Float] {
                for t in [0u32, 1, 3, 100] {
                    let r = rules(9, tie, odd, t);
                    for run in 0..50 {
                        let (points, trace) = sim::trace_run(&g, &r, seed, run);
                        assert_eq!(trace.len(), 9);
                        let mut total = 0;
                        for round in &trace {
                            // Points awarded per round = number of pairs (doubled: 2 per pair).
                            assert_eq!(round.points2, 2 * round.pairs as u64);
                            assert_eq!(2 * round.pairs + round.byes, round.active_before);
                            assert!(round.byes <= 1 || odd == Odd::Bye);
                            assert_eq!(round.eliminated, (t as usize).min(round.active_before - 2));
                            assert_eq!(round.active_after, round.active_before - round.eliminated);
                            // Elimination never leaves fewer than 2 active.
                            assert!(round.active_after >= 2);
                            if t == 0 {
                                assert_eq!(round.active_after, models);
                            }
                            total += round.points2;
                        }
                        assert_eq!(points.iter().map(|&p| u64::from(p)).sum::<u64>(), total);
                    }
                }
            }
        }
    }
}

#[test]
fn thread_count_does_not_change_results() {
    let values = random_values(11, 12, 9);
    let g = game(&values);
    for t in [0u32, 2] {
        let r = rules(12, Tie::Coin, Odd::Float, t);
        let mut poll = |_: f64| Ok(());
        let one = sim::simulate(&g, &r, 10_000, 5, 1, &mut poll).unwrap();
        let three = sim::simulate(&g, &r, 10_000, 5, 3, &mut poll).unwrap();
        let auto = sim::simulate(&g, &r, 10_000, 5, 0, &mut poll).unwrap();
        assert_eq!(one, three);
        assert_eq!(one, auto);
        assert_eq!(one.runs, 10_000);
    }
}

#[test]
fn same_seed_same_bytes_other_seed_differs() {
    let data = fixture(&random_values(9, 6, 4));
    let params = r#"{"runs": 5000, "eliminate": 1, "odd": "float"}"#;
    let a = plugin().run_with("csd", &data, params, 7, None);
    let b = plugin().run_with("csd", &data, params, 7, None);
    let c = plugin().run_with("csd", &data, params, 8, None);
    let bits = |call: &podium_plugin_api::testing::Call| {
        call.all_scores()
            .iter()
            .map(|s| s.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(&a), bits(&b));
    assert_eq!(a.seen.extras, b.seen.extras);
    assert_ne!(bits(&a), bits(&c));
    for id in ["csd", "csd-sensitivity"] {
        let x = plugin().run_with(id, &data, r#"{"runs": 2000}"#, 3, None);
        let y = plugin().run_with(id, &data, r#"{"runs": 2000}"#, 3, None);
        assert_eq!(bits(&x), bits(&y), "{id}");
    }
}

#[test]
fn missing_scores_lose_and_unmeasured_models_do_not_play() {
    // m1 has no score on benchmark 1: it loses that match to anyone; m3 has no data at all.
    let values = vec![
        vec![Some(0.5), Some(0.5)],
        vec![Some(0.9), None],
        vec![Some(0.1), Some(0.1)],
        vec![None, None],
    ];
    let call = plugin().run(
        "csd",
        &fixture(&values),
        r#"{"runs": 2000, "order": "given"}"#,
    );
    let s = call.scores();
    assert_eq!(s[3], None);
    assert!(s[0].is_some() && s[1].is_some() && s[2].is_some());
    let extra = call.extra("csd").unwrap();
    assert_eq!(
        extra["benchmark_order"],
        serde_json::json!(["bench", "k01"])
    );
    assert!(extra["models"].get("m3").is_none());
}

#[test]
fn benchmark_order_params() {
    // bench: mean 0.8 (easy), k01: 0.2 (hard), k02: 0.5.
    let values = vec![
        vec![Some(0.9), Some(0.3), Some(0.6)],
        vec![Some(0.7), Some(0.1), Some(0.4)],
    ];
    let data = fixture(&values);
    let order = |params: &str| {
        plugin().run("csd", &data, params).extra("csd").unwrap()["benchmark_order"].clone()
    };
    assert_eq!(
        order(r#"{"runs": 10}"#),
        serde_json::json!(["bench", "k02", "k01"])
    );
    assert_eq!(
        order(r#"{"runs": 10, "order": "hardest_first"}"#),
        serde_json::json!(["k01", "k02", "bench"])
    );
    assert_eq!(
        order(r#"{"runs": 10, "order": "given"}"#),
        serde_json::json!(["bench", "k01", "k02"])
    );
    assert_eq!(
        order(r#"{"runs": 10, "order": ["k02", "bench", "k01"], "eliminate": [0, 0, 0]}"#),
        serde_json::json!(["k02", "bench", "k01"])
    );
}

#[test]
fn outlier_moves_csd_rank_less_than_mean_rank() {
    const M: usize = 20;
    const K: usize = 30;
    let mut rng = SplitMix64::stream(11, 0);
    let clean: Vec<Vec<Option<f64>>> = (0..M)
        .map(|m| {
            (0..K)
                .map(|_| Some(0.9 - 0.02 * m as f64 + 0.03 * rng.next_normal()))
                .collect()
        })
        .collect();
    let target = 2; // the 3rd-strongest model
    let mut broken = clean.clone();
    for k in [4, 11, 23] {
        broken[target][k] = Some(0.0);
    }
    let rank_of = |scores: &[f64], i: usize| 1 + scores.iter().filter(|&&s| s > scores[i]).count();
    let mean_scores = |v: &[Vec<Option<f64>>]| -> Vec<f64> {
        v.iter()
            .map(|row| row.iter().map(|x| x.unwrap()).sum::<f64>() / K as f64)
            .collect()
    };
    let csd_scores = |v: &[Vec<Option<f64>>]| -> Vec<f64> {
        plugin()
            .run("csd", &fixture(v), r#"{"runs": 20000}"#)
            .all_scores()
    };
    let (a, b) = (
        rank_of(&mean_scores(&clean), target),
        rank_of(&mean_scores(&broken), target),
    );
    let (c, d) = (
        rank_of(&csd_scores(&clean), target),
        rank_of(&csd_scores(&broken), target),
    );
    println!("outlier: mean rank {a} → {b}, CSD rank {c} → {d}");
    assert!(b > a, "zeroing must hurt the mean rank");
    assert!(
        d.abs_diff(c) < b.abs_diff(a),
        "mean {a} → {b}, CSD {c} → {d}"
    );
}

#[test]
fn sensitivity_curves_slopes_and_labels() {
    let data = fixture(&random_values(10, 8, 21));
    let call = plugin().run("csd-sensitivity", &data, r#"{"runs": 3000}"#);
    let slopes = call.all_scores();
    let extra = call.extra("csd_sensitivity").unwrap();
    // Default sweep 0..=ceil(10/4) = 0..=3.
    assert_eq!(extra["sweep"], serde_json::json!([0, 1, 2, 3]));
    for (i, slope) in slopes.iter().enumerate() {
        let m = &extra["models"][format!("m{i}")];
        assert_eq!(m["curve"].as_object().unwrap().len(), 4);
        assert!((m["slope"].as_f64().unwrap() - slope).abs() < 1e-12);
        let label = m["label"].as_str().unwrap();
        let flat = *slope >= -0.05 * 8.0 / 3.0;
        assert_eq!(
            label,
            if flat {
                "robust generalist"
            } else {
                "aggressive specialist"
            }
        );
    }
    assert!(
        extra["label_rule"]
            .as_str()
            .unwrap()
            .contains("robust generalist")
    );
    // The curve at T = 0 is plain csd with the same seed and runs.
    let plain = plugin().run("csd", &data, r#"{"runs": 3000}"#).all_scores();
    let at0 = extra["models"]["m0"]["curve"]["0"].as_f64().unwrap();
    assert!((at0 - plain[0]).abs() < 1e-12);
}

#[test]
fn params_errors_name_the_field() {
    let data = dominance(4, 2);
    let cases = [
        ("csd", r#"{"tie": "dice"}"#, "tie:"),
        ("csd", r#"{"odd": 1}"#, "odd:"),
        ("csd", r#"{"match": "x"}"#, "match:"),
        ("csd", r#"{"runs": 0}"#, "runs:"),
        ("csd", r#"{"top_k": 0}"#, "top_k:"),
        ("csd", r#"{"eliminate": -1}"#, "eliminate:"),
        ("csd", r#"{"eliminate": [1]}"#, "eliminate:"),
        ("csd", r#"{"order": "random"}"#, "order:"),
        ("csd", r#"{"order": ["bench"]}"#, "order:"),
        ("csd", r#"{"order": ["bench", "nope"]}"#, "order:"),
        ("csd", r#"{"sweep": [0, 1]}"#, "sweep:"),
        ("csd-sensitivity", r#"{"sweep": [1]}"#, "sweep:"),
        ("csd-sensitivity", r#"{"sweep": [1, 1]}"#, "sweep:"),
        ("csd-sensitivity", r#"{"eliminate": 1}"#, "eliminate:"),
    ];
    for (id, params, field) in cases {
        let (status, message) = plugin().run(id, &data, params).error();
        assert_eq!(
            status,
            PodiumStatus::InvalidParams,
            "{id} {params}: {message}"
        );
        assert!(message.starts_with(field), "{id} {params}: {message}");
    }
}

#[test]
fn bad_data_is_invalid_data() {
    let mut nan = dominance(3, 2);
    nan.push_measurement(0, 0, f64::NAN);
    let mut out_of_range = dominance(3, 2);
    out_of_range.push_measurement(9, 0, 1.0);
    let lonely = fixture(&[vec![Some(1.0)], vec![None]]);
    for (data, what) in [(nan, "nan"), (out_of_range, "index"), (lonely, "one model")] {
        for id in ["csd", "csd-sensitivity"] {
            let (status, message) = plugin().run(id, &data, "{}").error();
            assert_eq!(status, PodiumStatus::InvalidData, "{what} {id}: {message}");
        }
    }
}

#[test]
fn cancellation_stops_the_simulation() {
    let data = dominance(6, 4);
    for id in ["csd", "csd-sensitivity"] {
        let call = plugin().run_with(id, &data, r#"{"runs": 100000}"#, 1, Some(1));
        assert_eq!(call.status, PodiumStatus::Cancelled, "{id}");
        let late = plugin().run_with(id, &data, r#"{"runs": 100000}"#, 1, Some(3));
        assert_eq!(late.status, PodiumStatus::Cancelled, "{id}");
    }
}

/// The tournament exactly as the specification words it, written for clarity, not speed:
/// shuffle the active models, sort them stably by points, pair neighbours inside each score
/// group; an odd group's last member sits out (bye) or joins the next lower group (float).
/// Returns the points (doubled) of one run.
fn naive_run(values: &[Vec<Option<f64>>], rules: &Rules, rng: &mut SplitMix64) -> Vec<u32> {
    let models = values.len();
    let mut points = vec![0u32; models];
    let mut active: Vec<usize> = (0..models).collect();
    let shuffle = |v: &mut Vec<usize>, rng: &mut SplitMix64| {
        for i in (1..v.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    };
    for (round, &t) in rules.eliminate.iter().enumerate() {
        shuffle(&mut active, rng);
        active.sort_by_key(|&m| std::cmp::Reverse(points[m]));
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for &m in &active {
            match groups.last_mut() {
                Some(g) if points[g[0]] == points[m] => g.push(m),
                _ => groups.push(vec![m]),
            }
        }
        let mut carry = None;
        for mut group in groups {
            if let Some(f) = carry.take() {
                group.push(f);
                shuffle(&mut group, rng);
            }
            for pair in group.chunks_exact(2) {
                let value = |m: usize| values[m][round].unwrap_or(f64::NEG_INFINITY);
                let (a, b) = (pair[0], pair[1]);
                let (va, vb) = (value(a), value(b));
                if va == vb && rules.tie == Tie::Half {
                    points[a] += 1;
                    points[b] += 1;
                } else if va > vb || (va == vb && rng.below(2) == 0) {
                    points[a] += 2;
                } else {
                    points[b] += 2;
                }
            }
            if group.len() % 2 == 1 && rules.odd == Odd::Float {
                carry = group.last().copied();
            }
        }
        let mut left = (t as usize).min(active.len() - 2);
        while left > 0 {
            let low = active.iter().map(|&m| points[m]).min().unwrap();
            let mut lowest: Vec<usize> = active
                .iter()
                .copied()
                .filter(|&m| points[m] == low)
                .collect();
            shuffle(&mut lowest, rng);
            lowest.truncate(left);
            left -= lowest.len();
            active.retain(|m| !lowest.contains(m));
        }
    }
    points
}

#[test]
fn engine_agrees_with_a_naive_simulation_of_the_rules() {
    // Values in 0..4 make ties frequent, so the tie rules matter.
    let values = random_values(9, 8, 12);
    let g = game(&values);
    let runs = 20_000u64;
    for tie in [Tie::Coin, Tie::Half] {
        for odd in [Odd::Bye, Odd::Float] {
            for t in [0u32, 2] {
                let r = rules(8, tie, odd, t);
                let totals = sim::simulate(&g, &r, runs, 21, 0, &mut |_| Ok(())).unwrap();
                let mut rng = SplitMix64::stream(99, 0);
                let (mut sum, mut sum_sq) = (vec![0.0f64; 9], vec![0.0f64; 9]);
                for _ in 0..runs {
                    for (m, p) in naive_run(&values, &r, &mut rng).into_iter().enumerate() {
                        let s = f64::from(p) / 2.0;
                        sum[m] += s;
                        sum_sq[m] += s * s;
                    }
                }
                let n = runs as f64;
                for m in 0..9 {
                    let naive = sum[m] / n;
                    let naive_se = ((sum_sq[m] / n - naive * naive) / (n - 1.0)).sqrt();
                    let engine = totals.mean(m);
                    let engine_se = totals.standard_error(m).unwrap();
                    let se = (naive_se.powi(2) + engine_se.powi(2)).sqrt();
                    assert!(
                        (engine - naive).abs() <= 4.5 * se + 1e-12,
                        "{tie:?} {odd:?} T={t} m{m}: engine {engine} vs naive {naive} ± {se}"
                    );
                }
            }
        }
    }
}
