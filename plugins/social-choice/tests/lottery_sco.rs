//! `maximal_lotteries` and `sco` through the raw C entry: closed forms, the spec's SCO check
//! (against a Bradley–Terry fit), random odd-voter profiles, parameters, determinism and
//! cancellation.

#![allow(unsafe_code)]

mod common;

use common::*;
use podium_plugin_api::abi::PodiumStatus;
use podium_plugin_api::sdk::str_of;
use serde_json::json;

const NEW: [&str; 2] = ["maximal_lotteries", "sco"];

/// SplitMix64 for the random profiles.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `voters` random strict full ballots over `n` numbered models; also returns the margins
/// counted independently.
fn strict_profile(rng: &mut Rng, n: usize, voters: usize) -> (Fixture, Vec<Vec<f64>>) {
    let mut f = Fixture::numbered(n, voters);
    let mut m = vec![vec![0.0; n]; n];
    for s in 0..voters {
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        for (pos, &model) in order.iter().enumerate() {
            f.push_measurement(model as u32, s as u32, (n - pos) as f64);
            for &below in &order[pos + 1..] {
                m[model][below] += 1.0;
                m[below][model] -= 1.0;
            }
        }
    }
    (f, m)
}

fn lottery(c: &Call, f: &Fixture) -> Vec<f64> {
    let d = c.diag();
    f.models
        .iter()
        .map(|name| d["lottery"][name].as_f64().expect("a probability"))
        .collect()
}

#[track_caller]
fn close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tol, "{got:?} vs {want:?}");
    }
}

#[test]
fn schemas_and_flags() {
    let sco = plugin().method("sco");
    let schema: serde_json::Value =
        serde_json::from_str(unsafe { str_of(sco.params_schema) }).unwrap();
    let p = &schema["properties"];
    assert_eq!(p["rating_min"]["default"], json!(0));
    assert_eq!(p["rating_max"]["default"], json!(1000));
    assert_eq!(p["temperature"]["default"], json!(1.0));
    assert_eq!(p["learning_rate"]["default"], json!(0.01));
    assert_eq!(p["iterations"]["default"], json!(10000));
    assert_eq!(p["iterations"]["maximum"], json!(1_000_000));
    assert_eq!(p["batch_size"]["default"], json!(0));
    assert_eq!(p["tol"]["default"], json!(0));
    assert_eq!(schema["additionalProperties"], json!(false));
    assert_ne!(sco.flags & podium_plugin_api::abi::PODIUM_METHOD_SEEDED, 0);
    let ml = plugin().method("maximal_lotteries");
    let schema: serde_json::Value =
        serde_json::from_str(unsafe { str_of(ml.params_schema) }).unwrap();
    assert_eq!(
        schema["properties"].as_object().unwrap().len(),
        1,
        "only voters"
    );
    assert_eq!(ml.flags & podium_plugin_api::abi::PODIUM_METHOD_SEEDED, 0);
}

/// 3 × a≻b≻c, 2 × b≻c≻a: a beats b 3–2 and c 3–2, so a is the Condorcet winner.
#[test]
fn condorcet_winner_gets_probability_one() {
    let f = Fixture::new(&["a", "b", "c"], 0)
        .ballots(3, &["a", "b", "c"])
        .ballots(2, &["b", "c", "a"]);
    let c = f.run("maximal_lotteries", "{}");
    close(&lottery(&c, &f), &[1.0, 0.0, 0.0], 1e-12);
    assert_eq!(c.all_scores(), lottery(&c, &f));
    // b and c both get 0: by name.
    assert_eq!(c.names(&f), ["a", "b", "c"]);
    let d = c.diag();
    assert_eq!(d["condorcet_winner"], json!("a"));
    assert_eq!(d["lp_solver"], json!("microlp"));
    assert!(d["value"].as_f64().unwrap() >= -1e-9);
}

/// Rock-paper-scissors: 1 × A≻B≻C, 1 × B≻C≻A, 1 × C≻A≻B, every margin 1 around the cycle.
#[test]
fn rock_paper_scissors_is_uniform() {
    let f = Fixture::new(&["A", "B", "C"], 0)
        .ballots(1, &["A", "B", "C"])
        .ballots(1, &["B", "C", "A"])
        .ballots(1, &["C", "A", "B"]);
    let c = f.run("maximal_lotteries", "{}");
    close(&lottery(&c, &f), &[1.0 / 3.0; 3], 1e-9);
    let total: f64 = c.all_scores().iter().sum();
    assert!((total - 1.0).abs() < 1e-12);
}

/// A 3-cycle with x = M[a][b], y = M[b][c], z = M[c][a] (all > 0) has the maximal lottery
/// (y, z, x) / (x + y + z): column a gets p_b·(−x) + p_c·z = (−zx + xz)/S = 0, column b
/// p_a·x + p_c·(−y) = (yx − xy)/S = 0, column c p_a·(−z) + p_b·y = (−yz + zy)/S = 0.
#[test]
fn weighted_three_cycle_closed_form() {
    // Verdicts: a ≻ b weight 1, b ≻ c weight 3, c ≻ a weight 2 → x = 1, y = 3, z = 2:
    // p = (3, 2, 1) / 6.
    let f = Fixture::new(&["a", "b", "c"], 1)
        .compare("a", "b", WIN_A, 1.0)
        .compare("b", "c", WIN_A, 3.0)
        .compare("c", "a", WIN_A, 2.0);
    let c = f.run("maximal_lotteries", "{}");
    close(&lottery(&c, &f), &[0.5, 1.0 / 3.0, 1.0 / 6.0], 1e-9);
    assert_eq!(c.names(&f), ["a", "b", "c"]);

    // The ballot cycle of tests/methods.rs: B beats A by 5, A beats C by 1, C beats B by 3:
    // (a, b, c) = (B, A, C), x = 5, y = 1, z = 3 → p_B = 1/9, p_A = 3/9, p_C = 5/9.
    let f = Fixture::new(&["A", "B", "C"], 0)
        .ballots(4, &["C", "B", "A"])
        .ballots(3, &["B", "A", "C"])
        .ballots(2, &["A", "C", "B"]);
    let c = f.run("maximal_lotteries", "{}");
    close(&lottery(&c, &f), &[3.0 / 9.0, 1.0 / 9.0, 5.0 / 9.0], 1e-9);
    assert_eq!(c.names(&f), ["C", "A", "B"]);
}

/// Odd numbers of strict voters: the lottery is unique and must satisfy p·M ≥ 0 in every
/// column (checked against independently counted margins), p ≥ 0, Σp = 1.
#[test]
fn random_odd_profiles_satisfy_the_game_constraints() {
    let mut rng = Rng(0x5EED_1001);
    for case in 0..40 {
        let n = 3 + case % 6;
        let voters = 2 * (rng.below(6) as usize) + 1;
        let (f, m) = strict_profile(&mut rng, n, voters);
        let c = f.run("maximal_lotteries", "{}");
        let p = lottery(&c, &f);
        assert_eq!(c.all_scores(), p);
        assert!(p.iter().all(|&x| x >= 0.0), "case {case}: {p:?}");
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9, "case {case}");
        for b in 0..n {
            let col: f64 = p.iter().zip(&m).map(|(pa, row)| pa * row[b]).sum();
            assert!(col >= -1e-9, "case {case}: column {b} = {col}, p = {p:?}");
        }
        // Full order, consistent with the probabilities.
        for pair in c.order.windows(2) {
            let (a, b) = (pair[0] as usize, pair[1] as usize);
            assert!(p[a] > p[b] || (p[a] == p[b] && a < b), "case {case}");
        }
        assert_eq!(c.order.len(), n);
    }
}

/// All margins zero (one ballot tying everyone): every lottery is optimal; uniform is reported.
#[test]
fn zero_margins_give_the_uniform_lottery() {
    let f = Fixture::new(&["a", "b", "c"], 0).ballot(&[("a", 1.0), ("b", 1.0), ("c", 1.0)]);
    let c = f.run("maximal_lotteries", "{}");
    close(&lottery(&c, &f), &[1.0 / 3.0; 3], 0.0);
    assert_eq!(c.names(&f), ["a", "b", "c"]);
}

/// The spec's check profile: 2 × a≻b≻c, 3 × c≻a≻b.
fn spec_profile() -> Fixture {
    Fixture::new(&["a", "b", "c"], 0)
        .ballots(2, &["a", "b", "c"])
        .ballots(3, &["c", "a", "b"])
}

/// Bradley–Terry strengths by the MM algorithm (Hunter 2004) on gross pairwise wins
/// `wins[i][j]` (times i beat j).
fn bradley_terry(wins: &[Vec<f64>], iterations: usize) -> Vec<f64> {
    let n = wins.len();
    let mut pi = vec![1.0; n];
    for _ in 0..iterations {
        let mut next: Vec<f64> = (0..n)
            .map(|i| {
                let w: f64 = wins[i].iter().sum();
                let d: f64 = (0..n)
                    .filter(|&j| j != i)
                    .map(|j| (wins[i][j] + wins[j][i]) / (pi[i] + pi[j]))
                    .sum();
                w / d
            })
            .collect();
        let total: f64 = next.iter().sum();
        next.iter_mut().for_each(|x| *x /= total);
        pi = next;
    }
    pi
}

#[test]
fn sco_spec_check_against_bradley_terry() {
    let f = spec_profile();
    // SCO (default parameters, full batch): c > a > b. Its loss counts pairwise
    // disagreements: c above a agrees with 3 voters (a above c with 2) and a above b with all 5.
    let c = f.run("sco", "{}");
    assert_eq!(c.names(&f), ["c", "a", "b"]);
    let d = c.diag();
    assert_eq!(d["iterations"], json!(10000));
    assert!(
        d.get("converged").is_none(),
        "no convergence test by default"
    );
    assert_eq!(d["votes"], json!(5.0));

    // Bradley–Terry ranks a > c > b on the same data: a's 5–0 sweep of b outweighs losing
    // 2–3 to c. Gross wins (rows beat columns, order a, b, c): a: b 5, c 2; b: c 2; c: a 3, b 3.
    let wins = vec![
        vec![0.0, 5.0, 2.0],
        vec![0.0, 0.0, 2.0],
        vec![3.0, 3.0, 0.0],
    ];
    let pi = bradley_terry(&wins, 500);
    assert!(pi[0] > pi[2] && pi[2] > pi[1], "BT {pi:?}");

    // OpenSpiel's normalisation (divide by the number of votes): still a > c > b after its
    // default 1,000 iterations, c > a > b from iteration 1,161 on (as the spec reports).
    let at = |iterations: u32| {
        f.run("sco", &format!(r#"{{"iterations": {iterations}}}"#))
            .names(&f)
    };
    assert_eq!(at(1000), ["a", "c", "b"]);
    assert_eq!(at(1160), ["a", "c", "b"]);
    assert_eq!(at(1161), ["c", "a", "b"]);
}

#[test]
fn sco_loss_bounds_and_convergence() {
    let f = spec_profile();
    let c = f.run("sco", "{}");
    let theta = c.all_scores();
    // Net pairs: a≻b margin 5, c≻a margin 1, c≻b margin 1.
    let s = |x: f64| 1.0 / (1.0 + (-x).exp());
    let want = 5.0 * s(theta[1] - theta[0]) + s(theta[0] - theta[2]) + s(theta[1] - theta[2]);
    let loss = c.diag()["loss"].as_f64().unwrap();
    assert!((loss - want).abs() < 1e-9, "{loss} vs {want}");
    // Started at the midpoint 500, moving little: all within the bounds.
    assert!(theta.iter().all(|&t| (0.0..=1000.0).contains(&t)));

    // A huge learning rate drives the ratings onto the bounds, never past them.
    let c = f.run(
        "sco",
        r#"{"learning_rate": 1e7, "iterations": 50, "rating_min": -1, "rating_max": 1}"#,
    );
    let theta = c.all_scores();
    assert!(
        theta.iter().all(|&t| (-1.0..=1.0).contains(&t)),
        "{theta:?}"
    );
    assert!(theta.contains(&1.0) || theta.contains(&-1.0), "{theta:?}");

    // tol: a huge tolerance stops after the first step; a tiny one runs every iteration.
    let d = f.run("sco", r#"{"tol": 1e9, "iterations": 100}"#).diag();
    assert_eq!(d["iterations"], json!(1));
    assert_eq!(d["converged"], json!(true));
    let d = f.run("sco", r#"{"tol": 1e-300, "iterations": 100}"#).diag();
    assert_eq!(d["iterations"], json!(100));
    assert_eq!(d["converged"], json!(false));
    // A moderate tolerance: converged before the cap, and the ranking is already c > a > b.
    let c = f.run(
        "sco",
        r#"{"tol": 1e-5, "iterations": 1000000, "learning_rate": 1}"#,
    );
    let d = c.diag();
    assert_eq!(d["converged"], json!(true), "{d}");
    assert!(d["iterations"].as_u64().unwrap() < 1_000_000);
    assert_eq!(c.names(&f), ["c", "a", "b"]);
}

#[test]
fn sco_minibatches_are_seeded_and_agree_on_clear_profiles() {
    // A clear linear order: 5 × a≻b≻c≻d, 1 × d≻c≻b≻a.
    let f = Fixture::new(&["a", "b", "c", "d"], 0)
        .ballots(5, &["a", "b", "c", "d"])
        .ballots(1, &["d", "c", "b", "a"]);
    let full = f.run("sco", r#"{"learning_rate": 1}"#);
    assert_eq!(full.names(&f), ["a", "b", "c", "d"]);
    let params = r#"{"learning_rate": 1, "batch_size": 4}"#;
    let (x, y) = (f.run("sco", params), f.run("sco", params));
    assert_eq!(x.names(&f), ["a", "b", "c", "d"]);
    let bits = |c: &Call| c.scores.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&x), bits(&y), "same seed, same ratings");
    assert_ne!(
        bits(&x),
        bits(&full),
        "minibatches are not the full gradient"
    );
}

#[test]
fn parameter_errors_name_the_field() {
    let f = spec_profile();
    for (method, params, field) in [
        ("sco", r#"{"iterations": 0}"#, "iterations"),
        ("sco", r#"{"temperature": -1}"#, "temperature"),
        (
            "sco",
            r#"{"rating_min": 10, "rating_max": 1}"#,
            "rating_max",
        ),
        ("sco", r#"{"batch_size": 0.5}"#, "batch_size"),
        ("sco", r#"{"exact_up_to": 3}"#, "exact_up_to"),
        ("maximal_lotteries", r#"{"tol": 1}"#, "tol"),
    ] {
        let (status, message) = f.run(method, params).error();
        assert_eq!(status, PodiumStatus::InvalidParams, "{method} {params}");
        assert!(
            message.contains(&format!("{field}:")),
            "{method}: {message}"
        );
    }
}

#[test]
fn new_methods_are_deterministic_report_progress_and_cancel() {
    let mut rng = Rng(0x5EED_1002);
    let (f, _) = strict_profile(&mut rng, 12, 15);
    for method in NEW {
        let (a, b) = (f.run(method, "{}"), f.run(method, "{}"));
        assert_eq!(a.order, b.order, "{method}");
        let bits = |c: &Call| c.scores.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b), "{method}");
        assert_eq!(a.seen.extras, b.seen.extras, "{method}");
        let progress = &a.seen.progress;
        assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{method}");
        assert_eq!(progress.last(), Some(&1.0), "{method}");

        let polls = a.seen.polls;
        assert!(polls >= 2, "{method} polls");
        for from in [1, polls / 2, polls] {
            let c = f.run_with(method, "{}", Some(from.max(1)));
            assert_eq!(
                c.status,
                PodiumStatus::Cancelled,
                "{method} from poll {from}"
            );
            assert!(c.order.is_empty(), "{method}: nothing written");
        }
    }
}

/// Timing (`cargo test --release --test lottery_sco -- --ignored --nocapture`).
#[test]
#[ignore]
fn timing_larger_profiles() {
    let mut rng = Rng(0x5EED_1003);
    for n in [50, 150, 300] {
        let (f, m) = strict_profile(&mut rng, n, 101);
        for method in NEW {
            let t = std::time::Instant::now();
            let c = f.run(method, "{}");
            assert_eq!(c.order.len(), n, "{method}");
            println!("{method}, {n} candidates: {:?}", t.elapsed());
            if method == "maximal_lotteries" {
                let p = lottery(&c, &f);
                for b in 0..n {
                    let col: f64 = p.iter().zip(&m).map(|(pa, row)| pa * row[b]).sum();
                    assert!(col >= -1e-7, "{n}: column {b} = {col}");
                }
            }
        }
    }
}
