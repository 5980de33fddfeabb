//! `trimmed_mean` called through the raw C entry (`podium_plugin_v1` → method table → `run`),
//! exactly as the host calls it, with the SDK's fake host (`podium_plugin_api::testing`, the
//! `testing` feature in `[dev-dependencies]`) recording what the method reports. The expected
//! scores were computed by hand; the arithmetic is in the comments.
//!
//! These are unit tests (in `src/`) because the crate is only a `cdylib`: an integration test
//! in `tests/` could not link it.

#![allow(unsafe_code)]

use podium_plugin_api::abi::*;
use podium_plugin_api::sdk::str_of;
use podium_plugin_api::testing::{Call, Fixture, Plugin};

use crate::podium_plugin_v1;

// ---------------------------------------------------------------------------------------------
// Running the method.
// ---------------------------------------------------------------------------------------------

/// The plugin, reached through its C entry as the server reaches it.
fn plugin() -> Plugin {
    Plugin::new(podium_plugin_v1)
}

/// Runs `trimmed_mean` on `fixture` with `params` (seed 42, never cancelled).
#[track_caller]
fn run(fixture: &Fixture, params: &str) -> Call {
    checked(plugin().run("trimmed_mean", fixture, params))
}

/// Runs `trimmed_mean` with `seed`, the host answering "cancelled" from poll `cancel_from` on
/// (1 = the first poll).
#[track_caller]
fn run_with(fixture: &Fixture, params: &str, seed: u64, cancel_from: Option<usize>) -> Call {
    checked(plugin().run_with("trimmed_mean", fixture, params, seed, cancel_from))
}

/// What every call of `trimmed_mean` leaves alone, whatever its status: the explicit order and
/// the intervals.
#[track_caller]
fn checked(call: Call) -> Call {
    assert!(call.order.is_empty(), "trimmed_mean orders by score");
    assert!(
        call.low.iter().chain(&call.high).all(|x| x.is_nan()),
        "no intervals"
    );
    call
}

/// Compares scores with a tolerance of 1e-12 (the expected values are exact fractions).
#[track_caller]
fn assert_scores(actual: &[Option<f64>], expected: &[Option<f64>]) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        match (a, e) {
            (Some(a), Some(e)) => assert!((a - e).abs() < 1e-12, "model {i}: {a} vs {e}"),
            (None, None) => {}
            _ => panic!("model {i}: {a:?} vs {e:?} (all: {actual:?})"),
        }
    }
}

/// [`Fixture::measure`] for a run of values.
trait MeasureEach {
    /// Adds one measurement of `model` per value of `values`, on samples s0, s1, … in turn.
    fn measure_each(self, model: &str, values: &[f64]) -> Fixture;
}

impl MeasureEach for Fixture {
    fn measure_each(self, model: &str, values: &[f64]) -> Fixture {
        values.iter().enumerate().fold(self, |f, (sample, &value)| {
            f.measure(model, sample as u32, value)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The fixture.
// ---------------------------------------------------------------------------------------------

/// Models A–D on one benchmark with samples s0–s9:
///
/// - A, 10 values; sorted: 1 2 3 4 5 6 7 8 20 100 (sum 156).
/// - B, 5 values; sorted: −3 0.25 0.5 0.75 1 (sum −0.5).
/// - C, 1 value: 0.25.
/// - D, no measurements.
fn measured() -> Fixture {
    Fixture::new(&["A", "B", "C", "D"], 10)
        .measure_each("A", &[5.0, 100.0, 1.0, 8.0, 3.0, 20.0, 2.0, 7.0, 4.0, 6.0])
        .measure_each("B", &[0.5, -3.0, 1.0, 0.25, 0.75])
        .measure_each("C", &[0.25])
}

// ---------------------------------------------------------------------------------------------
// The descriptor.
// ---------------------------------------------------------------------------------------------

#[test]
fn the_descriptor_names_the_plugin_and_its_one_method() {
    let plugin = plugin();
    let d = plugin.descriptor();
    assert_eq!(
        (d.abi_major, d.abi_minor),
        (PODIUM_ABI_MAJOR, PODIUM_ABI_MINOR)
    );
    assert_eq!(d.struct_size as usize, size_of::<PodiumPluginDescriptor>());
    // SAFETY (strings below): static strings of the descriptor.
    assert_eq!(unsafe { str_of(d.name) }, "example");
    assert_eq!(unsafe { str_of(d.version) }, "0.1.0");
    assert_eq!(d.method_count, 1);
    let m = plugin.method("trimmed_mean");
    assert_eq!(m.struct_size as usize, size_of::<PodiumMethodInfo>());
    assert_eq!(unsafe { str_of(m.id) }, "trimmed_mean");
    assert_eq!(m.flags, PODIUM_METHOD_USES_MEASUREMENTS);
    assert!(m.run.is_some());
    let description = unsafe { str_of(m.description) };
    assert!(description.len() > 100 && !description.contains('\n'));
}

#[test]
fn a_host_of_another_major_is_refused() {
    let mut descriptor: *const PodiumPluginDescriptor = std::ptr::null();
    let status = unsafe { podium_plugin_v1(PODIUM_ABI_MAJOR + 1, 0, &mut descriptor) };
    assert_eq!(status, PodiumStatus::Unsupported);
    assert!(descriptor.is_null());
}

#[test]
fn the_schema_is_strict_draft_2020_12_and_its_defaults_are_the_methods_defaults() {
    let schema = plugin().schema("trimmed_mean");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["additionalProperties"], false);
    let properties = schema["properties"].as_object().expect("properties");
    let mut names: Vec<&str> = properties.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["min_samples", "trim"]);
    assert_eq!(properties["trim"]["default"], 0.1);
    assert_eq!(properties["trim"]["minimum"], 0);
    assert_eq!(properties["trim"]["exclusiveMaximum"], 0.5);
    assert_eq!(properties["min_samples"]["default"], 1);
    assert_eq!(properties["min_samples"]["minimum"], 1);
    // The published defaults, sent explicitly, give what sending nothing gives.
    let defaults: serde_json::Map<String, serde_json::Value> = properties
        .iter()
        .map(|(k, v)| (k.clone(), v["default"].clone()))
        .collect();
    let explicit = run(
        &measured(),
        &serde_json::Value::Object(defaults).to_string(),
    );
    assert_eq!(explicit.scores(), run(&measured(), "{}").scores());
    // An empty params string is the empty object (the SDK's rule).
    assert_eq!(
        run(&measured(), "").scores(),
        run(&measured(), "{}").scores()
    );
}

// ---------------------------------------------------------------------------------------------
// Scores.
// ---------------------------------------------------------------------------------------------

#[test]
fn default_trim_drops_floor_of_a_tenth_at_each_end() {
    // trim 0.1: A: k = ⌊1.0⌋ = 1 → 2+3+4+5+6+7+8+20 = 55 over 8 = 6.875.
    //           B: k = ⌊0.5⌋ = 0 → −0.5 / 5 = −0.1.   C: k = 0 → 0.25.   D: no score.
    assert_scores(
        &run(&measured(), "{}").scores(),
        &[Some(6.875), Some(-0.1), Some(0.25), None],
    );
}

#[test]
fn trim_zero_is_the_plain_mean() {
    // A: 156 / 10 = 15.6.   B: −0.5 / 5 = −0.1.   C: 0.25.
    assert_scores(
        &run(&measured(), r#"{"trim": 0}"#).scores(),
        &[Some(15.6), Some(-0.1), Some(0.25), None],
    );
}

#[test]
fn larger_trims_drop_more() {
    // trim 0.25: A: k = ⌊2.5⌋ = 2 → 3+4+5+6+7+8 = 33 over 6 = 5.5.
    //            B: k = ⌊1.25⌋ = 1 → 0.25+0.5+0.75 = 1.5 over 3 = 0.5.
    assert_scores(
        &run(&measured(), r#"{"trim": 0.25}"#).scores(),
        &[Some(5.5), Some(0.5), Some(0.25), None],
    );
    // trim 0.3: A: k = ⌊3.0⌋ = 3 (0.3 × 10 is whole; no floating-point rounding down)
    //           → 4+5+6+7 = 22 over 4 = 5.5.   B: k = ⌊1.5⌋ = 1 → 0.5.
    // trim 0.2: A: k = 2 → 5.5.   B: k = ⌊1.0⌋ = 1 → 0.5.
    for trim in ["0.3", "0.2"] {
        assert_scores(
            &run(&measured(), &format!(r#"{{"trim": {trim}}}"#)).scores(),
            &[Some(5.5), Some(0.5), Some(0.25), None],
        );
    }
    // trim 0.49: A: k = ⌊4.9⌋ = 4 → (5+6)/2 = 5.5.   B: k = ⌊2.45⌋ = 2 → 0.5 (the median).
    assert_scores(
        &run(&measured(), r#"{"trim": 0.49}"#).scores(),
        &[Some(5.5), Some(0.5), Some(0.25), None],
    );
    // trim 0.15: A: k = ⌊1.5⌋ = 1 → 6.875.   B: k = ⌊0.75⌋ = 0 → −0.1.
    assert_scores(
        &run(&measured(), r#"{"trim": 0.15}"#).scores(),
        &[Some(6.875), Some(-0.1), Some(0.25), None],
    );
}

#[test]
fn trimmed_per_end_is_the_floor_with_one_value_kept() {
    use crate::trimmed_per_end;
    assert_eq!(trimmed_per_end(0.1, 10), 1);
    assert_eq!(trimmed_per_end(0.1, 9), 0);
    assert_eq!(trimmed_per_end(0.3, 10), 3);
    assert_eq!(trimmed_per_end(0.7 / 7.0, 30), 3);
    assert_eq!(trimmed_per_end(0.25, 4), 1);
    assert_eq!(trimmed_per_end(0.4999999999, 2), 0);
    assert_eq!(trimmed_per_end(0.49, 1), 0);
    assert_eq!(trimmed_per_end(0.0, 1000), 0);
}

#[test]
fn min_samples_counts_values_before_trimming() {
    // A has 10 values, B 5, C 1.
    let m = measured();
    assert_scores(
        &run(&m, r#"{"min_samples": 5}"#).scores(),
        &[Some(6.875), Some(-0.1), None, None],
    );
    assert_scores(
        &run(&m, r#"{"min_samples": 6, "trim": 0.25}"#).scores(),
        &[Some(5.5), None, None, None],
    );
    // An integral float is an integer, as in JSON Schema.
    assert_scores(
        &run(&m, r#"{"min_samples": 10.0}"#).scores(),
        &[Some(6.875), None, None, None],
    );
    // Nobody qualifies: a valid answer with no scores.
    assert_scores(
        &run(&m, r#"{"min_samples": 11}"#).scores(),
        &[None, None, None, None],
    );
}

#[test]
fn the_result_is_deterministic_and_independent_of_row_order_and_seed() {
    let forward = measured();
    let mut backward = measured();
    backward.m_models.reverse();
    backward.m_samples.reverse();
    backward.m_values.reverse();
    let bits = |call: Call| -> Vec<u64> {
        call.scores();
        call.scores.iter().map(|s| s.to_bits()).collect()
    };
    let expected = bits(run_with(&forward, "{}", 1, None));
    assert_eq!(bits(run_with(&forward, "{}", 1, None)), expected);
    assert_eq!(bits(run_with(&forward, "{}", 99, None)), expected);
    assert_eq!(bits(run_with(&backward, "{}", 1, None)), expected);
}

// ---------------------------------------------------------------------------------------------
// Extras and progress.
// ---------------------------------------------------------------------------------------------

#[test]
fn trimmed_per_model_lists_each_scored_model() {
    let call = run(&measured(), r#"{"trim": 0.25, "min_samples": 2}"#);
    call.scores();
    assert_eq!(call.seen.extras.len(), 1);
    assert_eq!(
        call.extra("trimmed_per_model"),
        Some(serde_json::json!({
            "A": {"measured": 10, "dropped": 4},
            "B": {"measured": 5, "dropped": 2},
        }))
    );
}

#[test]
fn trimmed_per_model_is_emitted_for_at_most_100_models() {
    let names: Vec<String> = (0..101).map(|i| format!("m{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let with = |count: usize| Fixture::new(&names[..count], 1).measure_each("m0", &[1.0]);
    let at_limit = run(&with(100), "{}");
    let extra = at_limit.extra("trimmed_per_model").expect("100 models");
    assert_eq!(
        extra,
        serde_json::json!({"m0": {"measured": 1, "dropped": 0}})
    );
    let over = run(&with(101), "{}");
    assert_eq!(over.scores()[0], Some(1.0));
    assert!(over.extra("trimmed_per_model").is_none());
}

#[test]
fn progress_rises_to_one() {
    let call = run(&measured(), "{}");
    call.scores();
    let p = &call.seen.progress;
    assert!(p.len() >= 2, "{p:?}");
    assert!(p.windows(2).all(|w| w[0] <= w[1]), "monotone: {p:?}");
    assert!(p.iter().all(|x| (0.0..=1.0).contains(x)), "{p:?}");
    assert_eq!(p.last(), Some(&1.0));
}

// ---------------------------------------------------------------------------------------------
// Cancellation.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_pending_cancellation_stops_the_method_before_any_score() {
    let call = run_with(&measured(), "{}", 42, Some(1));
    assert_eq!(call.status, PodiumStatus::Cancelled);
    assert_eq!(call.seen.error.as_deref(), Some("cancelled"));
    assert!(call.valid.iter().all(|v| *v == 0));
}

#[test]
fn cancellation_is_polled_inside_the_loops() {
    // Polls without cancellation: 1 before the loops, 1 at row 0 of the grouping loop (its 16
    // rows are fewer than CHECK_EVERY), 1 per model (4) → 6 in all.
    let quiet = run(&measured(), "{}");
    quiet.scores();
    assert_eq!(quiet.seen.polls, 6);
    // Cancelling from poll 2 (grouping loop), 3 (first model) or 6 (last model), counting the
    // first poll as 1, stops the call there: each poll inside a loop is honoured.
    for from in [2, 3, 6] {
        let call = run_with(&measured(), "{}", 42, Some(from));
        assert_eq!(call.status, PodiumStatus::Cancelled, "from poll {from}");
        assert_eq!(call.seen.polls, from, "stopped at the first yes");
        assert!(call.seen.extras.is_empty(), "no extra after a cancellation");
    }
    // A grouping loop longer than CHECK_EVERY polls again at row CHECK_EVERY.
    let rows = crate::CHECK_EVERY + 10;
    let mut long = Fixture::new(&["A"], 1);
    long.m_models = vec![0; rows];
    long.m_samples = vec![0; rows];
    long.m_values = vec![0.5; rows];
    let call = run(&long, "{}");
    assert_eq!(call.scores(), [Some(0.5)]);
    assert_eq!(call.seen.polls, 1 + 2 + 1);
    let call = run_with(&long, "{}", 42, Some(3));
    assert_eq!(call.status, PodiumStatus::Cancelled);
    assert_eq!(call.seen.polls, 3);
}

// ---------------------------------------------------------------------------------------------
// Errors.
// ---------------------------------------------------------------------------------------------

#[track_caller]
fn assert_invalid_params(params: &str, field: &str) {
    let call = run(&measured(), params);
    let message = call.seen.error.clone().unwrap_or_default();
    assert_eq!(
        call.status,
        PodiumStatus::InvalidParams,
        "{params}: {message}"
    );
    assert!(
        message.starts_with(&format!("{field}:")),
        "{params}: the message names {field}: {message}"
    );
    assert!(call.valid.iter().all(|v| *v == 0), "no scores on error");
}

#[test]
fn invalid_params_name_the_field() {
    for bad in [
        r#"{"trim": 0.5}"#,
        r#"{"trim": 0.75}"#,
        r#"{"trim": -0.01}"#,
        r#"{"trim": "0.1"}"#,
        r#"{"trim": null}"#,
        r#"{"trim": true}"#,
    ] {
        assert_invalid_params(bad, "trim");
    }
    for bad in [
        r#"{"min_samples": 0}"#,
        r#"{"min_samples": -1}"#,
        r#"{"min_samples": 1.5}"#,
        r#"{"min_samples": "3"}"#,
    ] {
        assert_invalid_params(bad, "min_samples");
    }
    assert_invalid_params(r#"{"trim": 0.1, "mode": "winsorize"}"#, "mode");
    // Not an object at all: the SDK's own check.
    assert_invalid_params("[0.1]", "params");
    assert_invalid_params("{not json", "params");
}

#[track_caller]
fn assert_invalid_data(fixture: &Fixture, needle: &str) {
    let call = run(fixture, "{}");
    let message = call.seen.error.clone().unwrap_or_default();
    assert_eq!(call.status, PodiumStatus::InvalidData, "{message}");
    assert!(message.contains(needle), "{needle:?} in {message:?}");
}

#[test]
fn broken_or_unsuitable_data_is_invalid_data() {
    assert_invalid_data(&Fixture::new(&["A"], 1), "no measurements");
    let mut f = measured();
    f.m_models[3] = 9;
    assert_invalid_data(
        &f,
        "measurement 3 refers to model 9, but there are 4 models",
    );
    let mut f = measured();
    f.m_samples[0] = 10;
    assert_invalid_data(
        &f,
        "measurement 0 refers to sample 10, but there are 10 samples",
    );
    let mut f = measured();
    f.m_values[12] = f64::INFINITY;
    assert_invalid_data(&f, "measurement 12 has the non-finite value inf");
    let mut f = measured();
    f.m_values[1] = f64::NAN;
    assert_invalid_data(&f, "measurement 1 has the non-finite value NaN");
}
