//! `alpha-rank` and `nash-averaging` through the plugin's C entry: payoffs from verdicts and
//! from scores, the sweep, payoff-resampling intervals, and errors that name their cause.

use podium_game_theory::alpharank::{self, SolveOptions};
use podium_game_theory::nash;
use podium_plugin_api::abi::{
    PODIUM_WINNER_BOTH_BAD, PODIUM_WINNER_MODEL_A, PODIUM_WINNER_MODEL_B, PODIUM_WINNER_TIE,
    PodiumStatus,
};
use podium_plugin_api::sdk::Host;
use podium_plugin_api::testing::{Fixture, Plugin, max_abs_diff};
use podium_synth::SplitMix64;

fn plugin() -> Plugin {
    Plugin::new(podium_game_theory::podium_plugin_v1)
}

const A: u32 = PODIUM_WINNER_MODEL_A;
const B: u32 = PODIUM_WINNER_MODEL_B;
const TIE: u32 = PODIUM_WINNER_TIE;

/// Verdicts among `n` models drawn from Bradley–Terry strengths `n − i`, with ties.
fn verdicts(n: usize, rows: usize, seed: u64) -> Fixture {
    let mut f = Fixture::numbered(n, 1);
    let mut rng = SplitMix64::stream(seed, 0);
    for _ in 0..rows {
        let a = rng.below(n as u64) as u32;
        let b = (a + 1 + rng.below(n as u64 - 1) as u32) % n as u32;
        let p = 1.0 / (1.0 + (-(f64::from(b) - f64::from(a)) * 0.4).exp());
        let u = rng.next_f64();
        let winner = if u < 0.1 {
            TIE
        } else if u < 0.1 + 0.9 * p {
            A
        } else {
            B
        };
        f.push_comparison(a, b, winner, 1.0);
    }
    f
}

/// The payoff matrix of `f`'s verdicts computed here by hand (win 1, tie ½, both_bad ½).
fn payoff_of(f: &Fixture, n: usize) -> Vec<f64> {
    let mut points = vec![0.0; n * n];
    let mut weight = vec![0.0; n * n];
    for c in &f.comparisons {
        let (a, b) = (c.a as usize, c.b as usize);
        let pa = match c.winner {
            PODIUM_WINNER_MODEL_A => 1.0,
            PODIUM_WINNER_MODEL_B => 0.0,
            _ => 0.5,
        };
        points[a * n + b] += c.weight * pa;
        points[b * n + a] += c.weight * (1.0 - pa);
        weight[a * n + b] += c.weight;
        weight[b * n + a] += c.weight;
    }
    (0..n * n)
        .map(|k| {
            if k / n == k % n || weight[k] == 0.0 {
                0.5
            } else {
                points[k] / weight[k]
            }
        })
        .collect()
}

#[test]
fn alpha_rank_on_verdicts_is_the_kernel_on_their_payoffs() {
    let n = 6;
    let f = verdicts(n, 600, 1);
    let call = plugin().run("alpha-rank", &f, "{}");
    call.assert_ok();
    let payoff = payoff_of(&f, n);
    let expected = alpharank::alpha_rank(
        &payoff,
        n,
        100.0,
        50.0,
        &SolveOptions::default(),
        &Host::detached(),
    )
    .unwrap();
    let gap = max_abs_diff(&call.all_scores(), &expected.pi);
    assert!(gap < 1e-15, "max |Δ| = {gap:e}");
    assert!((call.all_scores().iter().sum::<f64>() - 1.0).abs() < 1e-12);
    // The strongest model (m0) leads.
    let s = call.all_scores();
    assert!(s.iter().all(|&x| x <= s[0]), "{s:?}");
    let extra = call.extra("alpha_rank").unwrap();
    assert_eq!(extra["alpha"], 100.0);
    assert_eq!(extra["alpha_mode"], "fixed");
    assert_eq!(extra["population"], 50.0);
    assert_eq!(extra["payoff"]["units"], 600);
    assert_eq!(extra["payoff"]["unmeasured_pairs"], 0);
    assert!(extra["residual_l1"].as_f64().unwrap() < 1e-12);
    // Population and α reach the kernel.
    let other = plugin().run("alpha-rank", &f, r#"{"alpha": 2.5, "population": 10}"#);
    let expected = alpharank::alpha_rank(
        &payoff,
        n,
        2.5,
        10.0,
        &SolveOptions::default(),
        &Host::detached(),
    )
    .unwrap();
    let gap = max_abs_diff(&other.all_scores(), &expected.pi);
    assert!(gap < 1e-15, "max |Δ| = {gap:e}");
}

#[test]
fn the_sweep_reports_the_alpha_it_used() {
    let f = verdicts(5, 400, 2);
    let call = plugin().run("alpha-rank", &f, r#"{"alpha": "sweep"}"#);
    call.assert_ok();
    let extra = call.extra("alpha_rank").unwrap();
    assert_eq!(extra["alpha_mode"], "sweep");
    let alpha = extra["alpha"].as_f64().unwrap();
    let steps = extra["sweep"].as_array().unwrap();
    assert_eq!(steps.first().unwrap()["alpha"], 1e-4);
    assert_eq!(steps.last().unwrap()["alpha"].as_f64().unwrap(), alpha);
    // α doubles from 1e-4.
    assert_eq!(alpha, 1e-4 * 2f64.powi(steps.len() as i32 - 1));
    // π at the reported α is the score.
    let fixed = plugin().run("alpha-rank", &f, &format!(r#"{{"alpha": {alpha:e}}}"#));
    assert_eq!(fixed.all_scores(), call.all_scores());
}

#[test]
fn payoffs_from_scores_count_sample_wins_with_half_ties() {
    // Three samples. m0 > m1 on s0, equal on s1, m1 > m0 on s2 → P(m0 beats m1) = 1/2.
    // m2 only on s0 (below both): P(m0 beats m2) = P(m1 beats m2) = 1.
    let f = Fixture::numbered(3, 3)
        .measure("m0", 0, 0.9)
        .measure("m1", 0, 0.5)
        .measure("m2", 0, 0.1)
        .measure("m0", 1, 0.7)
        .measure("m1", 1, 0.7)
        .measure("m0", 2, 0.2)
        .measure("m1", 2, 0.4);
    let payoff = vec![0.5, 0.5, 1.0, 0.5, 0.5, 1.0, 0.0, 0.0, 0.5];
    let call = plugin().run("alpha-rank", &f, r#"{"alpha": 3}"#);
    call.assert_ok();
    let expected = alpharank::alpha_rank(
        &payoff,
        3,
        3.0,
        50.0,
        &SolveOptions::default(),
        &Host::detached(),
    )
    .unwrap();
    let gap = max_abs_diff(&call.all_scores(), &expected.pi);
    assert!(gap < 1e-15, "max |Δ| = {gap:e}");
    assert_eq!(call.extra("alpha_rank").unwrap()["payoff"]["units"], 3);
    // m0 and m1 are symmetric.
    let s = call.all_scores();
    assert!((s[0] - s[1]).abs() < 1e-15);
    assert!(s[2] < s[0]);
}

#[test]
fn unmeasured_pairs_are_coin_flips_or_errors() {
    // m0–m1 and m1–m2 meet, m0–m2 never.
    let f = Fixture::numbered(3, 1)
        .compare("m0", "m1", A, 1.0)
        .compare("m1", "m2", A, 1.0);
    let call = plugin().run("alpha-rank", &f, "{}");
    call.assert_ok();
    let extra = call.extra("alpha_rank").unwrap();
    assert_eq!(extra["payoff"]["unmeasured_pairs"], 1);
    assert_eq!(
        extra["payoff"]["unmeasured_examples"][0],
        serde_json::json!(["m0", "m2"])
    );
    let refused = plugin().run("alpha-rank", &f, r#"{"unmeasured": "error"}"#);
    let (status, message) = refused.error();
    assert_eq!(status, PodiumStatus::InvalidData);
    assert!(message.contains("m0 and m2 share no verdict"), "{message}");
    let nash = plugin().run("nash-averaging", &f, r#"{"unmeasured": "error"}"#);
    assert_eq!(nash.error().0, PodiumStatus::InvalidData);
}

#[test]
fn both_bad_counts_as_a_tie_or_not_at_all() {
    let f = Fixture::numbered(2, 1).compare("m0", "m1", A, 1.0).compare(
        "m0",
        "m1",
        PODIUM_WINNER_BOTH_BAD,
        1.0,
    );
    let tie = plugin().run("nash-averaging", &f, "{}");
    let ignore = plugin().run("nash-averaging", &f, r#"{"both_bad": "ignore"}"#);
    tie.assert_ok();
    ignore.assert_ok();
    // P(m0 beats m1) = 3/4 with the tie, 1 (clipped to 0.999) without.
    let a_tie = (0.75f64 / 0.25).ln();
    let a_ignore = (0.999f64 / 0.001).ln();
    assert_eq!(tie.all_scores(), vec![0.0, -a_tie]);
    assert!((ignore.all_scores()[1] + a_ignore).abs() < 1e-12);
    assert_eq!(
        tie.extra("nash_averaging").unwrap()["payoff"]["both_bad"],
        "tie"
    );
}

#[test]
fn resampled_payoffs_give_reproducible_intervals_around_pi() {
    let f = verdicts(5, 500, 3);
    let params = r#"{"alpha": 10, "resamples": 200}"#;
    let a = plugin().run_with("alpha-rank", &f, params, 7, None);
    let b = plugin().run_with("alpha-rank", &f, params, 7, None);
    let c = plugin().run_with("alpha-rank", &f, params, 8, None);
    a.assert_ok();
    assert_eq!(a.intervals(), b.intervals());
    assert_ne!(a.intervals(), c.intervals());
    let plain = plugin().run("alpha-rank", &f, r#"{"alpha": 10}"#);
    assert_eq!(
        a.all_scores(),
        plain.all_scores(),
        "resampling leaves the estimate alone"
    );
    assert!(plain.intervals().iter().all(Option::is_none));
    for (s, interval) in a.all_scores().iter().zip(a.intervals()) {
        let (lo, hi) = interval.unwrap();
        assert!(lo <= hi && lo >= 0.0 && hi <= 1.0);
        assert!(hi - lo > 0.0, "data noise must show");
        // The point estimate sits inside its 95 % interval for this much data.
        assert!(lo <= *s && *s <= hi, "{lo} <= {s} <= {hi}");
    }
    let extra = a.extra("alpha_rank").unwrap();
    assert_eq!(extra["intervals"]["resamples"], 200);
    assert_eq!(extra["intervals"]["failed"], 0);
    // Score payoffs resample samples within their benchmark.
    let mut g = Fixture::numbered(4, 30);
    let mut rng = SplitMix64::stream(5, 0);
    for s in 0..30 {
        for m in 0..4 {
            g.push_measurement(m, s, f64::from(m) * 0.1 + rng.next_f64());
        }
    }
    let scored = plugin().run_with(
        "alpha-rank",
        &g,
        r#"{"alpha": 5, "resamples": 100}"#,
        1,
        None,
    );
    scored.assert_ok();
    assert!(scored.intervals().iter().all(Option::is_some));
    let method = scored.extra("alpha_rank").unwrap()["intervals"]["method"].clone();
    assert!(method.as_str().unwrap().contains("within each benchmark"));
}

#[test]
fn nash_averaging_scores_are_payoffs_against_the_equilibrium() {
    let n = 6;
    let f = verdicts(n, 800, 4);
    let call = plugin().run("nash-averaging", &f, r#"{"clip": 0.01}"#);
    call.assert_ok();
    let a = nash::logit_payoff(&payoff_of(&f, n), n, 0.01);
    let eq = nash::max_entropy_nash(&a, n).unwrap();
    let gap = max_abs_diff(&call.all_scores(), &eq.scores);
    assert!(gap < 1e-14, "max |Δ| = {gap:e}");
    let extra = call.extra("nash_averaging").unwrap();
    let p: Vec<f64> = (0..n)
        .map(|i| extra["p"][format!("m{i}")].as_f64().unwrap())
        .collect();
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    for (i, score) in call.all_scores().iter().enumerate() {
        assert!(*score <= 1e-12, "no model beats the equilibrium");
        if p[i] > 1e-7 {
            assert!(score.abs() < 1e-10, "support models score 0");
        }
    }
    assert_eq!(extra["solver"]["name"], "clarabel");
    assert_eq!(extra["clip"], 0.01);
}

#[test]
fn nash_averaging_is_invariant_to_copies_of_a_model() {
    // Rock–paper–scissors verdicts; then a copy of "s" joins with the same record.
    let rps = |copies: bool| {
        let names: &[&str] = if copies {
            &["r", "p", "s", "s2"]
        } else {
            &["r", "p", "s"]
        };
        let mut f = Fixture::new(names, 1)
            .compare("p", "r", A, 3.0)
            .compare("p", "r", B, 1.0)
            .compare("s", "p", A, 3.0)
            .compare("s", "p", B, 1.0)
            .compare("r", "s", A, 3.0)
            .compare("r", "s", B, 1.0);
        if copies {
            f = f
                .compare("s2", "p", A, 3.0)
                .compare("s2", "p", B, 1.0)
                .compare("r", "s2", A, 3.0)
                .compare("r", "s2", B, 1.0)
                .compare("s", "s2", TIE, 1.0);
        }
        f
    };
    let three = plugin().run("nash-averaging", &rps(false), "{}");
    let four = plugin().run("nash-averaging", &rps(true), "{}");
    three.assert_ok();
    four.assert_ok();
    for s in three.all_scores().iter().chain(four.all_scores().iter()) {
        assert!(s.abs() < 1e-12, "every model of a cycle scores 0");
    }
    let p = four.extra("nash_averaging").unwrap()["p"].clone();
    let (s, s2) = (p["s"].as_f64().unwrap(), p["s2"].as_f64().unwrap());
    assert!(
        (s - 1.0 / 6.0).abs() < 1e-12 && (s2 - 1.0 / 6.0).abs() < 1e-12,
        "{p}"
    );
}

#[test]
fn params_errors_name_the_field() {
    let f = verdicts(3, 30, 5);
    for (id, params, field) in [
        ("alpha-rank", r#"{"alpha": 0}"#, "alpha"),
        ("alpha-rank", r#"{"alpha": "big"}"#, "alpha"),
        ("alpha-rank", r#"{"population": 1}"#, "population"),
        ("alpha-rank", r#"{"solver": "eig"}"#, "solver"),
        ("alpha-rank", r#"{"resamples": -1}"#, "resamples"),
        ("alpha-rank", r#"{"level": 1.5}"#, "level"),
        ("alpha-rank", r#"{"source": "votes"}"#, "source"),
        ("alpha-rank", r#"{"colour": 1}"#, "colour"),
        ("nash-averaging", r#"{"clip": 0.5}"#, "clip"),
        ("nash-averaging", r#"{"unmeasured": "drop"}"#, "unmeasured"),
        ("nash-averaging", r#"{"both_bad": 1}"#, "both_bad"),
    ] {
        let (status, message) = plugin().run(id, &f, params).error();
        assert_eq!(
            status,
            PodiumStatus::InvalidParams,
            "{id} {params}: {message}"
        );
        assert!(message.contains(field), "{id} {params}: {message}");
    }
}

#[test]
fn the_schemas_are_json_and_list_every_param() {
    let plugin = plugin();
    let descriptor = plugin.descriptor();
    assert_eq!(descriptor.method_count, 2);
    for id in ["alpha-rank", "nash-averaging"] {
        let schema = plugin.schema(id);
        for field in ["source", "unmeasured", "both_bad"] {
            assert!(schema["properties"][field].is_object(), "{id} {field}");
        }
    }
}

#[test]
fn no_data_and_bad_rows_are_invalid_data() {
    let empty = Fixture::numbered(3, 1);
    for id in ["alpha-rank", "nash-averaging"] {
        assert_eq!(
            plugin().run(id, &empty, "{}").error().0,
            PodiumStatus::InvalidData
        );
        let mut bad = Fixture::numbered(2, 1);
        bad.push_comparison(0, 7, A, 1.0);
        let (status, message) = plugin().run(id, &bad, "{}").error();
        assert_eq!(status, PodiumStatus::InvalidData);
        assert!(message.contains("comparison 0"), "{message}");
    }
}

#[test]
fn cancellation_is_honoured() {
    let f = verdicts(8, 300, 6);
    let call = plugin().run_with("alpha-rank", &f, r#"{"resamples": 500}"#, 1, Some(3));
    assert_eq!(call.status, PodiumStatus::Cancelled);
}

#[test]
fn huge_weights_keep_the_payoffs_right() {
    // Finite weights whose sum overflows: one win each way is still a coin flip.
    let f = Fixture::numbered(2, 1)
        .compare("m0", "m1", A, 1e308)
        .compare("m0", "m1", B, 1e308);
    let alpha = plugin().run("alpha-rank", &f, "{}");
    alpha.assert_ok();
    assert_eq!(alpha.all_scores(), vec![0.5, 0.5]);
    let nash = plugin().run("nash-averaging", &f, "{}");
    nash.assert_ok();
    assert_eq!(nash.all_scores(), vec![0.0, 0.0]);
}

#[test]
fn a_model_alone_on_its_samples_does_not_play() {
    let f = Fixture::numbered(3, 2)
        .measure("m0", 0, 0.9)
        .measure("m1", 0, 0.1)
        .measure("m2", 1, 0.5);
    let call = plugin().run("alpha-rank", &f, r#"{"unmeasured": "error"}"#);
    call.assert_ok();
    let s = call.scores();
    assert!(s[0].is_some() && s[1].is_some());
    assert_eq!(s[2], None);
}

#[test]
fn nash_averaging_on_a_larger_random_game_is_polished_to_rounding() {
    let n = 60;
    let f = verdicts(n, 12_000, 8);
    let call = plugin().run("nash-averaging", &f, "{}");
    call.assert_ok();
    let extra = call.extra("nash_averaging").unwrap();
    assert_eq!(extra["solver"]["polished"], true, "{extra}");
    assert!(extra["max_violation"].as_f64().unwrap() <= 1e-12, "{extra}");
    assert!(call.all_scores().iter().all(|&s| s <= 1e-12));
}

#[test]
fn score_payoffs_and_power_iteration_run_on_the_host_kernels() {
    let mut g = Fixture::numbered(5, 40);
    let mut rng = SplitMix64::stream(11, 0);
    for s in 0..40 {
        for m in 0..5 {
            g.push_measurement(m, s, f64::from(m) * 0.2 + (rng.below(4) as f64));
        }
    }
    let params = r#"{"alpha": 2, "solver": "power", "resamples": 3}"#;
    let host = plugin().run("alpha-rank", &g, params);
    host.assert_ok();
    // The payoff, three replicates' payoffs, and four power iterations: all through the host.
    let kernels = &host.seen.kernels;
    assert_eq!(
        kernels.iter().filter(|k| *k == "pairwise_wins").count(),
        4,
        "{kernels:?}"
    );
    assert_eq!(
        kernels.iter().filter(|k| *k == "stationary_power").count(),
        4,
        "{kernels:?}"
    );
    assert_eq!(
        host.extra("alpha_rank").unwrap()["solver"],
        "power iteration"
    );
    // An ABI 1.0 host: the SDK's CPU twins, the same numbers.
    let old = plugin().run_on_old_host("alpha-rank", &g, params);
    old.assert_ok();
    assert!(old.seen.kernels.is_empty());
    assert_eq!(old.all_scores(), host.all_scores());
    // Power iteration agrees with the exact solve.
    let dense = plugin().run("alpha-rank", &g, r#"{"alpha": 2}"#);
    let gap = max_abs_diff(&dense.all_scores(), &host.all_scores());
    assert!(gap < 1e-11, "max |Δ| = {gap:e}");
}
