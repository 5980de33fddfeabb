//! The `onebench` method called through the raw C entry, on small fixtures whose W was
//! computed by hand (the arithmetic is in the comments) and whose θ is checked against the
//! Bradley–Terry likelihood equations.

#![allow(unsafe_code)]

mod common;

use common::*;
use podium_plugin_api::abi::*;
use podium_plugin_api::sdk::str_of;

/// Models A, B, C (D has no rows, E is measured alone); samples s0–s4.
///
/// | sample | A            | B   | C   | E |
/// |--------|--------------|-----|-----|---|
/// | s0     | 1            | 0   | 0   |   |
/// | s1     | 0.9, then 0.5| 0.7 |     |   |
/// | s2     | 0.2          | 0.1 | 0.9 |   |
/// | s3     |              |     | 0.4 |   |
/// | s4     |              |     |     | 1 |
///
/// Verdicts: C beats A (a = A, b = C, model_b, weight 2); B ties C (weight 1); A–B both_bad
/// (weight 0.5); D against itself (skipped).
fn three() -> Fixture {
    Fixture::new(&["A", "B", "C", "D", "E"], 5)
        .measure("A", 0, 1.0)
        .measure("B", 0, 0.0)
        .measure("C", 0, 0.0)
        .measure("A", 1, 0.9)
        .measure("B", 1, 0.7)
        .measure("C", 2, 0.9)
        .measure("A", 2, 0.2)
        .measure("B", 2, 0.1)
        .measure("C", 3, 0.4)
        .measure("E", 4, 1.0)
        // The later row of A on s1 counts: B beats A there.
        .measure("A", 1, 0.5)
        .compare("A", "C", WIN_B, 2.0)
        .compare("B", "C", TIE, 1.0)
        .compare("A", "B", BOTH_BAD, 0.5)
        .compare("D", "D", WIN_A, 1.0)
}

#[track_caller]
fn assert_w(actual: &[Vec<f64>], expected: [[f64; 3]; 3]) {
    for (i, row) in expected.iter().enumerate() {
        for (j, e) in row.iter().enumerate() {
            assert_eq!(actual[i][j], *e, "W[{i}][{j}] in {actual:?}");
        }
    }
    // D and E have no comparisons.
    for (i, row) in actual.iter().enumerate() {
        for (j, w) in row.iter().enumerate() {
            if i >= 3 || j >= 3 {
                assert_eq!(*w, 0.0, "W[{i}][{j}]");
            }
        }
    }
}

#[test]
fn w_by_hand_ties_both_ways() {
    // s0: A > B, A > C, B = C.  s1: B > A (0.7 > 0.5).  s2: A > B, C > A, C > B.
    // W[A][B] = s0 + s2 + both_bad 0.5 = 2.5      W[B][A] = s1 + both_bad 0.5 = 1.5
    // W[A][C] = s0 = 1                            W[C][A] = s2 + verdict 2 = 3
    // W[B][C] = s0 tie + verdict tie = 2          W[C][B] = s0 tie + s2 + verdict tie = 3
    let expected = [[0.0, 2.5, 1.0], [1.5, 0.0, 2.0], [3.0, 3.0, 0.0]];
    assert_w(&three().w("{}"), expected);
    assert_w(
        &three().w(r#"{"ties": "both_ways", "both_bad": "tie"}"#),
        expected,
    );
}

#[test]
fn w_by_hand_ties_half_and_ignore() {
    // half: every tie adds 0.5 · weight each way.
    // W[A][B] = 2 + 0.25, W[B][A] = 1 + 0.25, W[B][C] = 0.5 + 0.5, W[C][B] = 0.5 + 1 + 0.5.
    assert_w(
        &three().w(r#"{"ties": "half"}"#),
        [[0.0, 2.25, 1.0], [1.25, 0.0, 1.0], [3.0, 2.0, 0.0]],
    );
    // ignore: ties (and so both_bad) are dropped.
    assert_w(
        &three().w(r#"{"ties": "ignore"}"#),
        [[0.0, 2.0, 1.0], [1.0, 0.0, 0.0], [3.0, 1.0, 0.0]],
    );
}

#[test]
fn w_by_hand_both_bad_ignored() {
    // As both_ways, without the A–B both_bad verdict (0.5 each way).
    assert_w(
        &three().w(r#"{"both_bad": "ignore"}"#),
        [[0.0, 2.0, 1.0], [1.0, 0.0, 2.0], [3.0, 3.0, 0.0]],
    );
    // both_bad "tie" with ties "half": a quarter each way.
    let w = three().w(r#"{"both_bad": "tie", "ties": "half"}"#);
    assert_eq!((w[0][1], w[1][0]), (2.25, 1.25));
}

#[test]
fn theta_is_the_centred_mle_and_models_without_comparisons_get_no_score() {
    for params in [
        "{}",
        r#"{"ties": "half"}"#,
        r#"{"ties": "ignore"}"#,
        r#"{"both_bad": "ignore"}"#,
    ] {
        let call = three().run(params);
        let scores = call.scores();
        // D (no rows) and E (measured alone) have no score.
        assert_eq!(scores[3..], [None, None], "{params}");
        let theta: Vec<f64> = scores[..3].iter().map(|s| s.unwrap()).collect();
        assert!(
            theta.iter().sum::<f64>().abs() < 1e-12,
            "centred: {theta:?}"
        );
        let w = three().w(params);
        let residual = mle_residual(&w, &scores);
        assert!(residual < 1e-7, "{params}: residual {residual}");
        let extra = call.extra("onebench").expect("the extra");
        assert_eq!(extra["converged"], true, "{params}");
        assert_eq!(extra["fitted_models"], 3);
        assert_eq!(extra["models_with_comparisons"], 3);
        assert!(extra.get("components").is_none(), "one component");
        assert_eq!(call.seen.progress.last(), Some(&1.0));
    }
    // C (won most) first, then A, then B under the default ties.
    let s = three().run("{}").all_scores_of(&[0, 1, 2]);
    assert!(s[2] > s[0] && s[0] > s[1], "{s:?}");
}

trait ScoresOf {
    fn all_scores_of(&self, models: &[usize]) -> Vec<f64>;
}
impl ScoresOf for Call {
    fn all_scores_of(&self, models: &[usize]) -> Vec<f64> {
        let scores = self.scores();
        models.iter().map(|&m| scores[m].unwrap()).collect()
    }
}

#[test]
fn the_extra_counts_what_went_into_w() {
    let extra = three().run("{}").extra("onebench").unwrap();
    // From samples: s0 3 pairs, s1 1, s2 3 = 7. Verdicts: 3 (the self-comparison is skipped).
    assert_eq!(extra["comparisons_from_samples"], 7);
    assert_eq!(extra["comparisons_from_judges"], 3);
    // All 3 unordered pairs, all 6 ordered entries are non-zero.
    assert_eq!(extra["pairs_compared"], 3);
    assert_eq!(extra["nonzero_entries"], 6);
    assert!(extra["iterations"].as_u64().unwrap() >= 2);
    // ties ignored: s0's B = C tie, the tie verdict and both_bad are dropped.
    let extra = three()
        .run(r#"{"ties": "ignore"}"#)
        .extra("onebench")
        .unwrap();
    assert_eq!(extra["comparisons_from_samples"], 6);
    assert_eq!(extra["comparisons_from_judges"], 1);
    assert_eq!(extra["nonzero_entries"], 5);
}

#[test]
fn two_models_give_the_log_odds() {
    // A beats B on 3 samples, B beats A on 1: θ_A − θ_B = ln 3, centred: ±ln 3 / 2.
    let mut f = Fixture::new(&["A", "B"], 5);
    for (s, (a, b)) in [(1.0, 0.0), (1.0, 0.0), (0.7, 0.2), (0.1, 0.3)]
        .into_iter()
        .enumerate()
    {
        f = f.measure("A", s as u32, a).measure("B", s as u32, b);
    }
    let s = f.run("{}").all_scores();
    let half = 3.0_f64.ln() / 2.0;
    assert!(
        (s[0] - half).abs() < 1e-9 && (s[1] + half).abs() < 1e-9,
        "{s:?}"
    );
    // A tie on s4, both ways, adds 1 to each: 4 : 2, θ_A − θ_B = ln 2.
    let f = f.measure("A", 4, 0.5).measure("B", 4, 0.5);
    let s = f.run("{}").all_scores();
    assert!((s[0] - s[1] - 2.0_f64.ln()).abs() < 1e-9, "{s:?}");
    // Half: 3.5 : 1.5.
    let s = f.run(r#"{"ties": "half"}"#).all_scores();
    assert!((s[0] - s[1] - (3.5_f64 / 1.5).ln()).abs() < 1e-9, "{s:?}");
}

// ---------------------------------------------------------------------------------------------
// Connectivity.
// ---------------------------------------------------------------------------------------------

/// A, B, C beat each other in a cycle (twice each way around); D lost every comparison.
fn loser() -> Fixture {
    Fixture::new(&["A", "B", "C", "D"], 1)
        .compare("A", "B", WIN_A, 2.0)
        .compare("B", "C", WIN_A, 2.0)
        .compare("C", "A", WIN_A, 2.0)
        .compare("A", "B", WIN_B, 1.0)
        .compare("D", "A", WIN_B, 1.0)
        .compare("D", "B", WIN_B, 1.0)
        .compare("C", "D", WIN_A, 3.0)
}

#[test]
fn a_model_that_lost_everything_is_left_out_of_the_largest_component() {
    let call = loser().run("{}");
    let scores = call.scores();
    assert_eq!(scores[3], None, "D has no finite strength");
    assert!(scores[..3].iter().all(Option::is_some));
    let sum: f64 = scores[..3].iter().map(|s| s.unwrap()).sum();
    assert!(sum.abs() < 1e-12);
    let extra = call.extra("onebench").unwrap();
    assert_eq!(
        extra["components"],
        serde_json::json!([["A", "B", "C"], ["D"]])
    );
    assert_eq!(extra["fitted_models"], 3);
    assert_eq!(extra["models_with_comparisons"], 4);
    // The fit is the MLE of the A, B, C block alone.
    let w = loser().w("{}");
    assert!(mle_residual(&w, &scores) < 1e-7);
    // Explicitly asking for the largest component is the same.
    assert_eq!(
        loser()
            .run(r#"{"disconnected": "largest_component"}"#)
            .scores(),
        scores
    );
}

#[test]
fn disconnected_error_names_the_components() {
    let call = loser().run(r#"{"disconnected": "error"}"#);
    let (status, message) = call.error();
    assert_eq!(status, PodiumStatus::InvalidData, "{message}");
    assert!(
        message.contains("2 strongly connected components: [A, B, C], [D]"),
        "{message}"
    );
    assert!(message.contains("alpha"), "{message}");
    assert!(call.valid.iter().all(|v| *v == 0));
    // The extra still describes the graph.
    let extra = call.extra("onebench").unwrap();
    assert_eq!(extra["components"][1], serde_json::json!(["D"]));
}

#[test]
fn alpha_regularises_and_scores_every_model_with_comparisons() {
    for disconnected in ["largest_component", "error"] {
        let call = loser().run(&format!(
            r#"{{"alpha": 0.1, "disconnected": "{disconnected}"}}"#
        ));
        let s = call.all_scores();
        assert!(s[3] < s[0] && s[3] < s[1] && s[3] < s[2], "{s:?}");
        assert!(s.iter().sum::<f64>().abs() < 1e-12);
        let extra = call.extra("onebench").unwrap();
        assert_eq!(extra["fitted_models"], 4);
        // The components are still reported.
        assert_eq!(extra["components"].as_array().unwrap().len(), 2);
    }
    // A larger alpha pulls the strengths together.
    let spread = |alpha: f64| {
        let s = loser()
            .run(&format!(r#"{{"alpha": {alpha}}}"#))
            .all_scores();
        s.iter().copied().fold(f64::MIN, f64::max) - s.iter().copied().fold(f64::MAX, f64::min)
    };
    assert!(spread(10.0) < spread(0.1));
}

#[test]
fn equal_components_go_to_the_one_with_the_first_name() {
    // {X, Y} and {B, Z} each beat each other both ways; X beats B (one way only).
    // Sizes are equal; B is the alphabetically first model, so {B, Z} is fitted.
    let f = Fixture::new(&["B", "X", "Y", "Z"], 1)
        .compare("X", "Y", WIN_A, 1.0)
        .compare("Y", "X", WIN_A, 1.0)
        .compare("Z", "B", WIN_A, 2.0)
        .compare("B", "Z", WIN_A, 1.0)
        .compare("X", "B", WIN_A, 1.0);
    let call = f.run("{}");
    let s = call.scores();
    assert_eq!((s[1], s[2]), (None, None));
    // B beat Z once, Z beat B twice: θ_Z − θ_B = ln 2.
    assert!(
        (s[3].unwrap() - s[0].unwrap() - 2.0_f64.ln()).abs() < 1e-9,
        "{s:?}"
    );
    assert_eq!(
        call.extra("onebench").unwrap()["components"],
        serde_json::json!([["B", "Z"], ["X", "Y"]])
    );
}

#[test]
fn separate_groups_fit_the_largest() {
    // {A, B, C} and {D, E} never meet.
    let f = Fixture::new(&["A", "B", "C", "D", "E"], 1)
        .compare("A", "B", WIN_A, 1.0)
        .compare("B", "C", WIN_A, 1.0)
        .compare("C", "A", WIN_A, 1.0)
        .compare("D", "E", TIE, 1.0);
    let s = f.run("{}").scores();
    assert_eq!(s[3..], [None, None]);
    // A perfect cycle: all equal.
    for x in &s[..3] {
        assert!(x.unwrap().abs() < 1e-12, "{s:?}");
    }
}

#[test]
fn no_strongly_connected_pair_is_invalid_data() {
    // A always beats B: no MLE, and no component of two models to fall back on.
    let f = Fixture::new(&["A", "B"], 2)
        .measure("A", 0, 1.0)
        .measure("B", 0, 0.0)
        .measure("A", 1, 1.0)
        .measure("B", 1, 0.5);
    let (status, message) = f.run("{}").error();
    assert_eq!(status, PodiumStatus::InvalidData);
    assert!(
        message.contains("no two models are strongly connected"),
        "{message}"
    );
    assert!(message.contains("[A], [B]"), "{message}");
    // With alpha it is fine.
    let s = f.run(r#"{"alpha": 1}"#).all_scores();
    assert!(s[0] > s[1]);
}

#[test]
fn no_comparisons_is_invalid_data() {
    // Nothing at all; one model per sample; only ignored ties.
    for f in [
        Fixture::new(&["A", "B"], 1),
        Fixture::new(&["A", "B"], 2)
            .measure("A", 0, 1.0)
            .measure("B", 1, 1.0),
        Fixture::new(&["A", "B"], 1)
            .measure("A", 0, 1.0)
            .measure("B", 0, 1.0),
    ] {
        let (status, message) = f.run(r#"{"ties": "ignore"}"#).error();
        assert_eq!(status, PodiumStatus::InvalidData);
        assert!(message.contains("no pairwise comparisons"), "{message}");
    }
}

// ---------------------------------------------------------------------------------------------
// Iterations, determinism, cancellation.
// ---------------------------------------------------------------------------------------------

#[test]
fn without_convergence_the_last_estimate_is_returned_and_flagged() {
    let call = three().run(r#"{"max_iter": 1}"#);
    let s = call.scores();
    assert!(s[..3].iter().all(Option::is_some));
    let extra = call.extra("onebench").unwrap();
    assert_eq!(extra["converged"], false);
    assert_eq!(extra["iterations"], 1);
    assert!(
        call.seen
            .logs
            .iter()
            .any(|(level, m)| *level == PODIUM_LOG_WARN && m.contains("did not converge")),
        "{:?}",
        call.seen.logs
    );
    // tol 0 with enough iterations still converges once θ stops moving (or is flagged).
    let call = three().run(r#"{"tol": 0, "max_iter": 1000}"#);
    assert!(call.scores()[0].is_some());
}

#[test]
fn repeated_runs_and_reordered_rows_give_the_same_bits() {
    let bits = |call: &Call| call.scores.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
    let a = three().run("{}");
    let b = three().run("{}");
    assert_eq!(bits(&a), bits(&b));
    assert_eq!(a.seen.extras, b.seen.extras);
    // Rows in reverse order (keeping A's two rows on s1 in their order): W has integer counts
    // and the verdict weights are exact, so W and θ are identical.
    let mut r = three();
    let keep_last = r.m_values.len() - 1; // A on s1 = 0.5 must stay after A on s1 = 0.9
    let mut order: Vec<usize> = (0..r.m_values.len()).rev().collect();
    order.retain(|&i| i != keep_last);
    order.push(keep_last);
    let f = three();
    r.m_models = order.iter().map(|&i| f.m_models[i]).collect();
    r.m_samples = order.iter().map(|&i| f.m_samples[i]).collect();
    r.m_values = order.iter().map(|&i| f.m_values[i]).collect();
    assert_eq!(bits(&r.run("{}")), bits(&a));
}

#[test]
fn cancellation_before_anything() {
    let call = three().run_with("{}", Some(1));
    assert_eq!(call.status, PodiumStatus::Cancelled);
    assert!(call.valid.iter().all(|v| *v == 0));
}

#[test]
fn every_poll_is_honoured_in_the_build_and_in_every_iteration() {
    // Count the polls of an uncancelled run, then cancel from each of them in turn.
    let f = loser();
    let polls = f.run("{}").seen.polls;
    let iterations = f.run("{}").extra("onebench").unwrap()["iterations"]
        .as_u64()
        .unwrap() as usize;
    assert!(
        polls > iterations,
        "one poll per ILSR step at least ({polls} polls)"
    );
    for from in 1..=polls {
        let call = f.run_with("{}", Some(from));
        assert_eq!(
            call.status,
            PodiumStatus::Cancelled,
            "cancel from poll {from}"
        );
        assert!(call.valid.iter().all(|v| *v == 0));
    }
}

#[test]
fn sample_pairs_are_counted_by_the_host_kernel_or_the_plugins_own_twin() {
    // 370 models on two samples (values in 7 levels: many ties).
    let mut f = Fixture::numbered(370, 2);
    for s in 0..2 {
        for m in 0..370u32 {
            f.push_measurement(m, s, f64::from((m + s) % 7));
        }
    }
    let through_host = f.run("{}");
    assert_eq!(through_host.seen.kernels, vec!["pairwise_wins".to_owned()]);
    let extra = through_host.extra("onebench").unwrap();
    assert_eq!(extra["pairs_counted_on"], "cpu");
    // 2 samples × C(370, 2) pairs, ties included by default.
    assert_eq!(extra["comparisons_from_samples"], 2 * 370 * 369 / 2);
    // An ABI 1.0 host offers no kernels: the SDK's CPU twin gives the same numbers.
    let old_host = plugin().run_on_old_host("onebench", &f, "{}");
    assert!(old_host.seen.kernels.is_empty());
    assert_eq!(old_host.scores(), through_host.scores());
    // Cancellation is still polled while the samples are gathered.
    let call = f.run_with("{}", Some(4));
    assert_eq!(call.status, PodiumStatus::Cancelled);
}

// ---------------------------------------------------------------------------------------------
// The descriptor, parameters and broken data.
// ---------------------------------------------------------------------------------------------

#[test]
fn the_descriptor_lists_the_method_with_a_complete_schema() {
    let d = plugin().descriptor();
    assert_eq!(unsafe { str_of(d.name) }, "onebench");
    assert_eq!(unsafe { str_of(d.version) }, env!("CARGO_PKG_VERSION"));
    assert_eq!(d.method_count, 1);
    let m = plugin().method("onebench");
    assert_eq!(
        m.flags,
        PODIUM_METHOD_USES_MEASUREMENTS | PODIUM_METHOD_USES_COMPARISONS | PODIUM_METHOD_SEEDED
    );
    let description = unsafe { str_of(m.description) };
    assert!(description.len() > 100 && !description.contains('\n'));
    let schema: serde_json::Value =
        serde_json::from_str(unsafe { str_of(m.params_schema) }).expect("JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["additionalProperties"], false);
    let properties = schema["properties"].as_object().unwrap();
    let mut names: Vec<&str> = properties.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "alpha",
            "both_bad",
            "disconnected",
            "level",
            "max_iter",
            "resamples",
            "ties",
            "tol"
        ]
    );
    for (name, p) in properties {
        assert!(
            p["description"].as_str().is_some_and(|d| d.len() > 20),
            "{name}"
        );
    }
    // The published defaults are the method's defaults.
    let defaults: serde_json::Map<String, serde_json::Value> = properties
        .iter()
        .map(|(k, v)| (k.clone(), v["default"].clone()))
        .collect();
    assert!(defaults.values().all(|v| !v.is_null()));
    let explicit = three().run(&serde_json::Value::Object(defaults).to_string());
    let implicit = three().run("{}");
    assert_eq!(explicit.scores(), implicit.scores());
}

#[track_caller]
fn assert_invalid_params(call: Call, field: &str) {
    let (status, message) = call.error();
    assert_eq!(status, PodiumStatus::InvalidParams, "{message}");
    assert!(
        message.starts_with(&format!("{field}:")),
        "{field}: {message}"
    );
    assert!(call.valid.iter().all(|v| *v == 0));
}

#[test]
fn invalid_params_name_the_field() {
    let f = three();
    assert_invalid_params(f.run(r#"{"ties": "halves"}"#), "ties");
    assert_invalid_params(f.run(r#"{"both_bad": "half"}"#), "both_bad");
    assert_invalid_params(f.run(r#"{"alpha": -0.1}"#), "alpha");
    assert_invalid_params(f.run(r#"{"max_iter": 0}"#), "max_iter");
    assert_invalid_params(f.run(r#"{"tol": "1e-8"}"#), "tol");
    assert_invalid_params(f.run(r#"{"disconnected": "drop"}"#), "disconnected");
    assert_invalid_params(f.run(r#"{"seed": 1}"#), "seed");
    assert_invalid_params(f.run("[]"), "params");
}

#[track_caller]
fn assert_invalid_data(call: Call, needle: &str) {
    let (status, message) = call.error();
    assert_eq!(status, PodiumStatus::InvalidData, "{message}");
    assert!(message.contains(needle), "{needle:?} in {message:?}");
}

#[test]
fn broken_rows_are_invalid_data() {
    let mut f = three();
    f.m_models[2] = 9;
    assert_invalid_data(f.run("{}"), "measurement 2 refers to model 9");
    let mut f = three();
    f.m_samples[0] = 50;
    assert_invalid_data(f.run("{}"), "measurement 0 refers to sample 50");
    let mut f = three();
    f.m_values[4] = f64::INFINITY;
    assert_invalid_data(f.run("{}"), "measurement 4 has the non-finite value inf");
    let mut f = three();
    f.comparisons[1].b = 7;
    assert_invalid_data(f.run("{}"), "comparison 1 refers to model 7");
    let mut f = three();
    f.comparisons[0].weight = -1.0;
    assert_invalid_data(f.run("{}"), "comparison 0 has weight -1");
    let mut f = three();
    f.comparisons[2].winner = 9;
    assert_invalid_data(f.run("{}"), "comparison 2 has winner code 9");
}
