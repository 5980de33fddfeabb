//! `multiwinner` through the raw C entry: hand-computed committees for k-Borda,
//! Chamberlin–Courant and PAV, fairness constraints, parameter errors, exact vs greedy on
//! random profiles (checked against an independent brute force), determinism and
//! cancellation.

#![allow(unsafe_code)]

mod common;

use common::*;
use podium_plugin_api::abi::PodiumStatus;
use podium_plugin_api::sdk::str_of;
use serde_json::{Value, json};

fn mw(c: &Call) -> Value {
    assert_eq!(c.status, PodiumStatus::Ok, "{:?}", c.seen.error);
    c.extra("multiwinner").expect("the multiwinner extra")
}

/// Scores by model name.
fn score_of(c: &Call, f: &Fixture, name: &str) -> f64 {
    c.all_scores()[f.model(name) as usize]
}

#[test]
fn schema_and_registration() {
    let m = plugin().method("multiwinner");
    let schema: Value = serde_json::from_str(unsafe { str_of(m.params_schema) }).unwrap();
    assert_eq!(schema["required"], json!(["k"]));
    assert_eq!(
        schema["properties"]["exact_limit"]["default"],
        json!(100000)
    );
    assert_eq!(schema["properties"]["rule"]["default"], json!("k_borda"));
    let text = unsafe { str_of(m.description) };
    assert!(text.contains("1-1/e") && text.contains("1/2"));
}

/// 3 × A≻B≻C≻D, 2 × B≻C≻D≻A. Borda (3, 2, 1, 0 per strict ballot of four):
/// A = 3·3 + 2·0 = 9, B = 3·2 + 2·3 = 12, C = 3·1 + 2·2 = 7, D = 0 + 2·1 = 2.
#[test]
fn k_borda_picks_the_top_k_borda_candidates() {
    let f = Fixture::new(&["A", "B", "C", "D"], 0)
        .ballots(3, &["A", "B", "C", "D"])
        .ballots(2, &["B", "C", "D", "A"]);
    for params in [r#"{"k": 2}"#, r#"{"k": 2, "exact_limit": 0}"#] {
        let c = f.run("multiwinner", params);
        // Selected B (12) then A (9); the rest by Borda: C (7), D (2).
        assert_eq!(c.names(&f), ["B", "A", "C", "D"]);
        assert_eq!(c.all_scores(), [9.0, 12.0, 7.0, 2.0]);
        let x = mw(&c);
        assert_eq!(x["selected"], json!(["B", "A"]));
        assert_eq!(x["objective"], json!(21.0));
        assert_eq!(x["rule"], json!("k_borda"));
        assert_eq!(x["guarantee"], json!("optimal"));
        assert_eq!(x["exact"], json!(params == r#"{"k": 2}"#));
        assert_eq!(x["groups"], json!(null));
        assert_eq!(c.diag()["candidates"], json!(["A", "B", "C", "D"]));
    }
    // k ≥ candidates: everyone, in greedy (Borda) order, exact.
    let c = f.run("multiwinner", r#"{"k": 9, "exact_limit": 0}"#);
    assert_eq!(c.names(&f), ["B", "A", "C", "D"]);
    let x = mw(&c);
    assert_eq!(x["k"], json!(4));
    assert_eq!(x["exact"], json!(true));
    assert_eq!(x["objective"], json!(30.0));
}

/// `majority` × A≻A2≻B (A2 is a clone of the popular A, just behind it) and 3 × B≻A≻A2 (a
/// minority that prefers B). Utilities on a strict ballot of three: 2, 1, 0.
fn clones(majority: usize) -> Fixture {
    Fixture::new(&["A", "A2", "B"], 0)
        .ballots(majority, &["A", "A2", "B"])
        .ballots(3, &["B", "A", "A2"])
}

/// With 7 majority voters: Borda A = 7·2 + 3·1 = 17, A2 = 7·1 = 7, B = 3·2 = 6, so top-2
/// Borda is {A, A2} (24). CC: {A, A2}: majority 7·2 + minority 3·u(A) = 3·1 → 17;
/// {A, B}: 7·2 + 3·2 = 20; {A2, B}: 7·1 + 3·2 = 13 → CC picks {A, B}, unlike k-Borda.
/// Greedy order: singletons A 17, A2 7, B 6 → A; then gains w.r.t. {A}: A2 0 (no ballot
/// prefers it to A), B 3·(2 − 1) = 3 → B. A2's gain w.r.t. {A, B} is 0.
#[test]
fn chamberlin_courant_represents_the_minority() {
    let f = clones(7);
    let c = f.run("multiwinner", r#"{"k": 2, "rule": "k_borda"}"#);
    assert_eq!(mw(&c)["selected"], json!(["A", "A2"]));
    assert_eq!(mw(&c)["objective"], json!(24.0));
    for limit in [100_000, 0] {
        let params = format!(r#"{{"k": 2, "rule": "chamberlin_courant", "exact_limit": {limit}}}"#);
        let c = f.run("multiwinner", &params);
        assert_eq!(c.names(&f), ["A", "B", "A2"]);
        assert_eq!(score_of(&c, &f, "A"), 17.0);
        assert_eq!(score_of(&c, &f, "B"), 3.0);
        assert_eq!(score_of(&c, &f, "A2"), 0.0);
        let x = mw(&c);
        assert_eq!(x["selected"], json!(["A", "B"]));
        assert_eq!(x["objective"], json!(20.0));
        let greedy = limit == 0;
        assert_eq!(x["exact"], json!(!greedy));
        assert_eq!(
            x["guarantee"],
            json!(if greedy { "1-1/e" } else { "optimal" })
        );
    }
}

/// PAV (harmonic): f(S) = Σ_b w_b Σ_j u(c_(j))/j.
/// 10 majority voters: {A, A2}: majority 2 + 1/2 = 2.5 → 25, minority u(A) + u(A2)/2 = 1 →
/// 3: 28. {A, B}: majority 2 + 0/2 → 20, minority 2 + 1/2 = 2.5 → 7.5: 27.5. So PAV picks
/// {A, A2} while CC picks {A, B} (CC: {A, A2} 20 + 3 = 23 < {A, B} 20 + 6 = 26).
/// Greedy: A (23), then A2 gains 10·(1/2) = 5, B gains 3·(2 − 1·(1 − 1/2)) = 4.5 → A2;
/// B's gain w.r.t. {A, A2}: minority 2 − (1·(1 − 1/2) + 0) = 1.5 → 4.5.
/// 7 majority voters: {A, A2}: 17.5 + 3 = 20.5, {A, B}: 14 + 7.5 = 21.5 → {A, B}; greedy A
/// (17), then B 4.5 > A2 3.5; A2's gain w.r.t. {A, B}: 7·1/2 = 3.5.
#[test]
fn pav_between_borda_and_cc() {
    let f = clones(10);
    let c = f.run("multiwinner", r#"{"k": 2, "rule": "chamberlin_courant"}"#);
    assert_eq!(mw(&c)["selected"], json!(["A", "B"]));
    assert_eq!(mw(&c)["objective"], json!(26.0));
    for limit in [100_000, 0] {
        let params = format!(r#"{{"k": 2, "rule": "pav", "exact_limit": {limit}}}"#);
        let c = f.run("multiwinner", &params);
        assert_eq!(c.names(&f), ["A", "A2", "B"]);
        assert_eq!(c.all_scores(), [23.0, 5.0, 4.5]);
        assert_eq!(mw(&c)["objective"], json!(28.0));
        assert_eq!(mw(&c)["rule"], json!("pav"));
    }
    let f = clones(7);
    for limit in [100_000, 0] {
        let params = format!(r#"{{"k": 2, "rule": "pav", "exact_limit": {limit}}}"#);
        let c = f.run("multiwinner", &params);
        assert_eq!(c.names(&f), ["A", "B", "A2"]);
        assert_eq!(c.all_scores(), [17.0, 3.5, 4.5]);
        assert_eq!(mw(&c)["objective"], json!(21.5));
    }
}

/// Clones (10 majority) with organisations: A and A2 from "x", B has no `org` ("unknown") or
/// org "y". k-Borda alone picks {A, A2} (23 + 10); at least one non-x member forces B:
/// {A, B} = 23 + 6 = 29 beats {A2, B} = 16. Greedy: A keeps the minimum satisfiable
/// (1 x + 1 still needed ≤ 2), then A2 would leave no seat for the minimum → B.
#[test]
fn fairness_constraints_change_the_committee() {
    let base = clones(10)
        .meta("A", r#"{"org": "x"}"#)
        .meta("A2", r#"{"org": "x"}"#);
    let free = base.run("multiwinner", r#"{"k": 2}"#);
    assert_eq!(mw(&free)["selected"], json!(["A", "A2"]));

    let f = base.clone().meta("B", r#"{"org": "y"}"#);
    for groups in [
        r#"{"field": "org", "min": {"y": 1}}"#,
        r#"{"field": "org", "max": {"x": 1}}"#,
    ] {
        for limit in [100_000, 0] {
            let params = format!(r#"{{"k": 2, "groups": {groups}, "exact_limit": {limit}}}"#);
            let c = f.run("multiwinner", &params);
            assert_eq!(c.names(&f), ["A", "B", "A2"], "{params}");
            assert_eq!(c.all_scores(), [23.0, 10.0, 6.0]);
            let x = mw(&c);
            assert_eq!(x["objective"], json!(29.0));
            assert_eq!(x["groups"], json!({"x": 1, "y": 1}));
            assert_eq!(x["groups_field"], json!("org"));
            // k-Borda stays optimal under the constraints, exact or greedy.
            assert_eq!(x["guarantee"], json!("optimal"));
        }
    }
    // A missing key is the group "unknown".
    let c = base.run(
        "multiwinner",
        r#"{"k": 2, "groups": {"field": "org", "min": {"unknown": 1}}}"#,
    );
    assert_eq!(mw(&c)["selected"], json!(["A", "B"]));
    assert_eq!(mw(&c)["groups"], json!({"unknown": 1, "x": 1}));
    // Greedy CC/PAV under constraints: guarantee 1/2.
    let c = f.run(
        "multiwinner",
        r#"{"k": 2, "rule": "pav", "exact_limit": 0, "groups": {"field": "org", "min": {"y": 1}}}"#,
    );
    assert_eq!(mw(&c)["selected"], json!(["A", "B"]));
    assert_eq!(mw(&c)["guarantee"], json!("1/2"));
}

#[test]
fn infeasible_constraints_and_bad_params_are_invalid_params() {
    let f = clones(3)
        .meta("A", r#"{"org": "x"}"#)
        .meta("A2", r#"{"org": "x"}"#)
        .meta("B", r#"{"org": "y"}"#);
    for (params, field) in [
        // Only one y model.
        (
            r#"{"k": 2, "groups": {"field": "org", "min": {"y": 2}}}"#,
            "groups",
        ),
        // Minimums add up to 3 > k.
        (
            r#"{"k": 2, "groups": {"field": "org", "min": {"x": 2, "y": 1}}}"#,
            "groups",
        ),
        // Maximums allow one member.
        (
            r#"{"k": 2, "groups": {"field": "org", "max": {"x": 0}}}"#,
            "groups",
        ),
        // A group with no model.
        (
            r#"{"k": 1, "groups": {"field": "org", "min": {"z": 1}}}"#,
            "groups",
        ),
        // min above max.
        (
            r#"{"k": 2, "groups": {"field": "org", "min": {"x": 2}, "max": {"x": 1}}}"#,
            "groups",
        ),
        (r#"{"k": 2, "groups": {"min": {"x": 1}}}"#, "groups"),
        (
            r#"{"k": 2, "groups": {"field": "org", "least": {}}}"#,
            "groups",
        ),
        (
            r#"{"k": 2, "groups": {"field": "org", "min": {"x": -1}}}"#,
            "groups",
        ),
        (r#"{"rule": "pav"}"#, "k"),
        (r#"{"k": 0}"#, "k"),
        (r#"{"k": 1.5}"#, "k"),
        (r#"{"k": 1, "rule": "stv"}"#, "rule"),
        (r#"{"k": 1, "exact_limit": -1}"#, "exact_limit"),
        (r#"{"k": 1, "copeland_tie": 0.5}"#, "copeland_tie"),
    ] {
        let (status, message) = f.run("multiwinner", params).error();
        assert_eq!(status, PodiumStatus::InvalidParams, "{params}");
        assert!(
            message.starts_with(&format!("{field}:")),
            "{params}: {message}"
        );
        if field == "groups" && params.contains("\"field\"") && !params.contains("least") {
            assert!(
                message.contains("org") || message.contains("must be"),
                "{message}"
            );
        }
    }
}

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

/// Random partial ballots with ties over `n` numbered models, each model in one of two
/// organisations; also returns each ballot as (model, utility) computed independently.
fn random_profile(rng: &mut Rng, n: usize, voters: usize) -> (Fixture, Vec<Vec<(usize, f64)>>) {
    let mut f = Fixture::numbered(n, voters);
    let mut ballots = Vec::new();
    for s in 0..voters {
        let mut entries: Vec<(usize, f64)> = Vec::new();
        for m in 0..n {
            if rng.below(4) != 0 {
                entries.push((m, rng.below(4) as f64));
            }
        }
        let mut ballot = Vec::new();
        for &(m, v) in &entries {
            f.push_measurement(m as u32, s as u32, v);
            let below = entries.iter().filter(|e| e.1 < v).count() as f64;
            let tied = entries.iter().filter(|e| e.1 == v).count() as f64 - 1.0;
            ballot.push((m, below + 0.5 * tied));
        }
        ballots.push(ballot);
    }
    for i in 0..n {
        let name = f.models[i].clone();
        let org = if rng.below(3) == 0 { "small" } else { "big" };
        f = f.meta(&name, &format!(r#"{{"org": "{org}"}}"#));
    }
    (f, ballots)
}

/// Independent committee values: CC and PAV over the ballots.
fn value(rule: &str, ballots: &[Vec<(usize, f64)>], set: &[usize]) -> f64 {
    ballots
        .iter()
        .map(|b| {
            let mut u: Vec<f64> = b
                .iter()
                .filter(|(m, _)| set.contains(m))
                .map(|&(_, u)| u)
                .collect();
            u.sort_by(|x, y| y.total_cmp(x));
            match rule {
                "chamberlin_courant" => u.first().copied().unwrap_or(0.0),
                "pav" => u.iter().enumerate().map(|(j, x)| x / (j + 1) as f64).sum(),
                _ => u.iter().sum(),
            }
        })
        .sum()
}

fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    (0u32..1 << n)
        .filter(|m| m.count_ones() as usize == k)
        .map(|m| (0..n).filter(|&i| m >> i & 1 == 1).collect())
        .collect()
}

fn selected(c: &Call, f: &Fixture) -> Vec<usize> {
    mw(c)["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| f.model(s.as_str().unwrap()) as usize)
        .collect()
}

#[test]
fn exact_vs_greedy_on_random_profiles() {
    let mut rng = Rng(0x3017_5EED);
    let e = std::f64::consts::E;
    let (mut checked, mut constrained, mut infeasible) = (0, 0, 0);
    for case in 0..24 {
        let n = 5 + case % 4;
        let k = 2 + case % 3;
        let (f, ballots) = random_profile(&mut rng, n, 12);
        let orgs: Vec<String> = (0..n)
            .map(|i| {
                let m: Value = serde_json::from_str(&f.model_metadata[i]).unwrap();
                m["org"].as_str().unwrap().to_owned()
            })
            .collect();
        let small = orgs.iter().filter(|o| *o == "small").count();
        let groups = (small >= 1)
            .then_some(r#", "groups": {"field": "org", "min": {"small": 1}, "max": {"big": 2}}"#);
        for rule in ["k_borda", "chamberlin_courant", "pav"] {
            let mut options = vec![None];
            if groups.is_some() {
                options.push(groups);
            }
            for constraint in options {
                let extra = constraint.unwrap_or("");
                let run = |limit: u64| {
                    f.run(
                        "multiwinner",
                        &format!(
                            r#"{{"k": {k}, "rule": "{rule}", "exact_limit": {limit}{extra}}}"#
                        ),
                    )
                };
                let (exact, greedy) = (run(1_000_000), run(0));
                if exact.status == PodiumStatus::InvalidParams {
                    // min small 1 + max big 2 cannot fill k when there are too few smalls.
                    assert_eq!(greedy.status, PodiumStatus::InvalidParams);
                    assert!(small + 2 < k, "{:?}", exact.error());
                    infeasible += 1;
                    continue;
                }
                let feasible = |s: &Vec<usize>| {
                    constraint.is_none() || {
                        let sm = s.iter().filter(|&&i| orgs[i] == "small").count();
                        sm >= 1 && s.len() - sm <= 2
                    }
                };
                // The exhaustive search is optimal by an independent brute force.
                let best = subsets(n, k)
                    .into_iter()
                    .filter(feasible)
                    .map(|s| value(rule, &ballots, &s))
                    .fold(f64::NEG_INFINITY, f64::max);
                let (xs, gs) = (selected(&exact, &f), selected(&greedy, &f));
                assert!(feasible(&xs) && feasible(&gs), "{rule} {extra}");
                let (xv, gv) = (value(rule, &ballots, &xs), value(rule, &ballots, &gs));
                let obj = |c: &Call| mw(c)["objective"].as_f64().unwrap();
                assert!((obj(&exact) - xv).abs() < 1e-9 && (obj(&greedy) - gv).abs() < 1e-9);
                assert!(
                    (xv - best).abs() < 1e-9,
                    "{rule}: exact {xv} vs brute force {best}"
                );
                assert_eq!(mw(&exact)["guarantee"], json!("optimal"));
                match rule {
                    // Modular: greedy is exact, with or without constraints.
                    "k_borda" => assert_eq!(gv, xv, "case {case}"),
                    _ if constraint.is_none() => {
                        assert!(gv >= (1.0 - 1.0 / e) * xv - 1e-9, "{rule} {gv} vs {xv}");
                        assert_eq!(mw(&greedy)["guarantee"], json!("1-1/e"));
                    }
                    _ => {
                        assert!(gv >= 0.5 * xv - 1e-9, "{rule} {gv} vs {xv}");
                        assert_eq!(mw(&greedy)["guarantee"], json!("1/2"));
                    }
                }
                // Every candidate appears once; scores of the members add up to the objective.
                let mut order = exact.order.clone();
                order.sort_unstable();
                assert_eq!(order, (0..n as u32).collect::<Vec<_>>());
                let scores = greedy.all_scores();
                let sum: f64 = gs.iter().map(|&c| scores[c]).sum();
                assert!((sum - gv).abs() < 1e-9);
                checked += 1;
                constrained += usize::from(constraint.is_some());
            }
        }
    }
    assert!(
        checked >= 100 && constrained >= 30,
        "{checked} {constrained} {infeasible}"
    );
}

#[test]
fn deterministic_reports_progress_and_cancels() {
    let mut rng = Rng(0x5EED_2024);
    let (f, _) = random_profile(&mut rng, 12, 40);
    for params in [
        r#"{"k": 3, "rule": "chamberlin_courant"}"#,
        r#"{"k": 4, "rule": "pav", "exact_limit": 0}"#,
        r#"{"k": 5, "voters": "benchmarks"}"#,
    ] {
        let (a, b) = (f.run("multiwinner", params), f.run("multiwinner", params));
        assert_eq!(a.status, PodiumStatus::Ok, "{:?}", a.seen.error);
        assert_eq!(a.order, b.order);
        let bits = |c: &Call| c.scores.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b));
        assert_eq!(a.seen.extras, b.seen.extras);
        let progress = &a.seen.progress;
        assert!(progress.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(progress.last(), Some(&1.0));
        let polls = a.seen.polls;
        assert!(polls >= 2, "{params}: {polls} polls");
        for from in [1, polls / 2, polls] {
            let c = f.run_with("multiwinner", params, Some(from.max(1)));
            assert_eq!(
                c.status,
                PodiumStatus::Cancelled,
                "{params} from poll {from}"
            );
            assert!(c.order.is_empty());
        }
    }
}
