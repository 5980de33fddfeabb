//! `trimmed_mean` called through the raw C entry (`podium_plugin_v1` → method table → `run`),
//! exactly as the host calls it, with a fake host that records what the method reports. The
//! expected scores were computed by hand; the arithmetic is in the comments.
//!
//! These are unit tests (in `src/`) because the crate is only a `cdylib`: an integration test
//! in `tests/` could not link it.

#![allow(unsafe_code)]

use std::ffi::c_void;
use std::sync::Mutex;

use podium_plugin_api::abi::*;
use podium_plugin_api::sdk::str_of;

use crate::podium_plugin_v1;

// ---------------------------------------------------------------------------------------------
// A fake host.
// ---------------------------------------------------------------------------------------------

/// What the fake host saw during one call, and when it starts answering "cancelled".
#[derive(Default)]
struct Seen {
    error: Option<String>,
    progress: Vec<f64>,
    extras: Vec<(String, String)>,
    /// Number of `cancelled` polls so far.
    polls: usize,
    /// Answer "cancelled" from this poll on (0 = from the first).
    cancel_from_poll: Option<usize>,
}

fn seen_of<'a>(ctx: *mut c_void) -> &'a Mutex<Seen> {
    // SAFETY: `ctx` is the `Mutex<Seen>` that `Fixture::run_with` owns for the call.
    unsafe { &*(ctx as *const Mutex<Seen>) }
}
unsafe extern "C" fn log(_: *mut c_void, _: u32, _: PodiumStr) {}
unsafe extern "C" fn progress(ctx: *mut c_void, fraction: f64) {
    seen_of(ctx).lock().unwrap().progress.push(fraction);
}
unsafe extern "C" fn cancelled(ctx: *mut c_void) -> u8 {
    let mut seen = seen_of(ctx).lock().unwrap();
    let poll = seen.polls;
    seen.polls += 1;
    u8::from(seen.cancel_from_poll.is_some_and(|from| poll >= from))
}
unsafe extern "C" fn emit_extra(ctx: *mut c_void, name: PodiumStr, json: PodiumStr) {
    let (name, json) = unsafe { (str_of(name).to_owned(), str_of(json).to_owned()) };
    seen_of(ctx).lock().unwrap().extras.push((name, json));
}
unsafe extern "C" fn set_error(ctx: *mut c_void, message: PodiumStr) {
    seen_of(ctx).lock().unwrap().error = Some(unsafe { str_of(message) }.to_owned());
}

/// The outcome of one `run`.
struct Call {
    status: PodiumStatus,
    scores: Vec<f64>,
    valid: Vec<u8>,
    seen: Seen,
}

impl Call {
    /// The status must be OK; then the score of each model (`None` = no score).
    #[track_caller]
    fn scores(&self) -> Vec<Option<f64>> {
        assert_eq!(self.status, PodiumStatus::Ok, "{:?}", self.seen.error);
        self.valid
            .iter()
            .zip(&self.scores)
            .map(|(v, s)| {
                if *v == 1 {
                    Some(*s)
                } else {
                    assert!(s.is_nan(), "a model without a score keeps NaN, not {s}");
                    None
                }
            })
            .collect()
    }

    /// The JSON extra `name`, if emitted.
    fn extra(&self, name: &str) -> Option<serde_json::Value> {
        self.seen
            .extras
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, json)| serde_json::from_str(json).expect("extras are JSON"))
    }
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

// ---------------------------------------------------------------------------------------------
// A dataset builder.
// ---------------------------------------------------------------------------------------------

/// A small dataset owning every column; `run` lends it to the method as a `PodiumDataset`.
#[derive(Default, Clone)]
struct Fixture {
    models: Vec<String>,
    samples: Vec<String>,
    m_models: Vec<u32>,
    m_samples: Vec<u32>,
    m_values: Vec<f64>,
}

impl Fixture {
    /// `models` and one benchmark with `samples` samples `s0`, `s1`, ….
    fn new(models: &[&str], samples: usize) -> Fixture {
        Fixture {
            models: models.iter().map(|m| m.to_string()).collect(),
            samples: (0..samples).map(|s| format!("s{s}")).collect(),
            ..Fixture::default()
        }
    }

    /// Adds one measurement per value of `values`, on samples s0, s1, … in turn.
    fn measure(mut self, model: &str, values: &[f64]) -> Fixture {
        let model = self
            .models
            .iter()
            .position(|m| m == model)
            .expect("a model") as u32;
        for (sample, value) in values.iter().enumerate() {
            self.m_models.push(model);
            self.m_samples.push(sample as u32);
            self.m_values.push(*value);
        }
        self
    }

    fn run(&self, params: &str) -> Call {
        self.run_with(params, None, 42)
    }

    /// Runs `trimmed_mean` through the raw entry points.
    fn run_with(&self, params: &str, cancel_from_poll: Option<usize>, seed: u64) -> Call {
        let method = method();
        let view = |v: &[String]| v.iter().map(|s| PodiumStr::new(s)).collect::<Vec<_>>();
        let names = view(&self.models);
        let metadata = vec![PodiumStr::new("{}"); self.models.len()];
        let benchmarks = [PodiumStr::new("bench")];
        let kinds = [PODIUM_METRIC_SCORE];
        let samples = view(&self.samples);
        let sample_benchmarks = vec![0u32; samples.len()];
        let sample_metadata = vec![PodiumStr::new("{}"); samples.len()];
        let dataset = PodiumDataset {
            struct_size: size_of::<PodiumDataset>() as u32,
            model_count: names.len(),
            model_names: names.as_ptr(),
            model_metadata: metadata.as_ptr(),
            benchmark_count: benchmarks.len(),
            benchmark_names: benchmarks.as_ptr(),
            benchmark_metric_kinds: kinds.as_ptr(),
            sample_count: samples.len(),
            sample_ids: samples.as_ptr(),
            sample_benchmarks: sample_benchmarks.as_ptr(),
            sample_metadata: sample_metadata.as_ptr(),
            measurement_count: self.m_values.len(),
            measurement_models: self.m_models.as_ptr(),
            measurement_samples: self.m_samples.as_ptr(),
            measurement_values: self.m_values.as_ptr(),
            // No comparisons: a measurement method ignores them.
            comparison_count: 0,
            comparison_models_a: std::ptr::null(),
            comparison_models_b: std::ptr::null(),
            comparison_samples: std::ptr::null(),
            comparison_winners: std::ptr::null(),
            comparison_strengths: std::ptr::null(),
            comparison_weights: std::ptr::null(),
            comparison_timestamps_ms: std::ptr::null(),
            comparison_judges: std::ptr::null(),
            comparison_metadata: std::ptr::null(),
            judge_count: 0,
            judge_names: std::ptr::null(),
        };
        // Host-owned result buffers, pre-filled with "no answer", as the host does.
        let count = names.len();
        let mut scores = vec![f64::NAN; count];
        let mut valid = vec![0u8; count];
        let mut low = vec![f64::NAN; count];
        let mut high = vec![f64::NAN; count];
        let mut order = vec![0u32; count];
        let mut results = PodiumResults {
            struct_size: size_of::<PodiumResults>() as u32,
            model_count: count,
            scores: scores.as_mut_ptr(),
            valid: valid.as_mut_ptr(),
            interval_low: low.as_mut_ptr(),
            interval_high: high.as_mut_ptr(),
            order: order.as_mut_ptr(),
            order_len: 0,
        };
        let seen = Mutex::new(Seen {
            cancel_from_poll,
            ..Seen::default()
        });
        let host = PodiumHost {
            struct_size: size_of::<PodiumHost>() as u32,
            ctx: &seen as *const Mutex<Seen> as *mut c_void,
            log: Some(log),
            progress: Some(progress),
            cancelled: Some(cancelled),
            emit_extra: Some(emit_extra),
            set_error: Some(set_error),
        };
        let run = method.run.expect("the SDK always sets run");
        // SAFETY: every pointer is valid for the call (owned by this function).
        let status = unsafe { run(&host, &dataset, PodiumStr::new(params), seed, &mut results) };
        assert_eq!(results.order_len, 0, "trimmed_mean orders by score");
        assert!(low.iter().chain(&high).all(|x| x.is_nan()), "no intervals");
        Call {
            status,
            scores,
            valid,
            seen: seen.into_inner().unwrap(),
        }
    }
}

fn descriptor() -> &'static PodiumPluginDescriptor {
    let mut descriptor: *const PodiumPluginDescriptor = std::ptr::null();
    // SAFETY: a valid out-pointer, as the host passes.
    let status = unsafe { podium_plugin_v1(PODIUM_ABI_MAJOR, PODIUM_ABI_MINOR, &mut descriptor) };
    assert_eq!(status, PodiumStatus::Ok);
    // SAFETY: the entry answered OK, so it points at the static descriptor.
    unsafe { &*descriptor }
}

fn method() -> &'static PodiumMethodInfo {
    let d = descriptor();
    assert_eq!(d.method_count, 1);
    // SAFETY: the descriptor's table has `method_count` entries.
    unsafe { &*d.methods }
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
        .measure("A", &[5.0, 100.0, 1.0, 8.0, 3.0, 20.0, 2.0, 7.0, 4.0, 6.0])
        .measure("B", &[0.5, -3.0, 1.0, 0.25, 0.75])
        .measure("C", &[0.25])
}

// ---------------------------------------------------------------------------------------------
// The descriptor.
// ---------------------------------------------------------------------------------------------

#[test]
fn the_descriptor_names_the_plugin_and_its_one_method() {
    let d = descriptor();
    assert_eq!(
        (d.abi_major, d.abi_minor),
        (PODIUM_ABI_MAJOR, PODIUM_ABI_MINOR)
    );
    assert_eq!(d.struct_size as usize, size_of::<PodiumPluginDescriptor>());
    // SAFETY (strings below): static strings of the descriptor.
    assert_eq!(unsafe { str_of(d.name) }, "example");
    assert_eq!(unsafe { str_of(d.version) }, "0.1.0");
    let m = method();
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
    let schema: serde_json::Value =
        serde_json::from_str(unsafe { str_of(method().params_schema) }).expect("JSON");
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
    let explicit = measured().run(&serde_json::Value::Object(defaults).to_string());
    assert_eq!(explicit.scores(), measured().run("{}").scores());
    // An empty params string is the empty object (the SDK's rule).
    assert_eq!(measured().run("").scores(), measured().run("{}").scores());
}

// ---------------------------------------------------------------------------------------------
// Scores.
// ---------------------------------------------------------------------------------------------

#[test]
fn default_trim_drops_floor_of_a_tenth_at_each_end() {
    // trim 0.1: A: k = ⌊1.0⌋ = 1 → 2+3+4+5+6+7+8+20 = 55 over 8 = 6.875.
    //           B: k = ⌊0.5⌋ = 0 → −0.5 / 5 = −0.1.   C: k = 0 → 0.25.   D: no score.
    assert_scores(
        &measured().run("{}").scores(),
        &[Some(6.875), Some(-0.1), Some(0.25), None],
    );
}

#[test]
fn trim_zero_is_the_plain_mean() {
    // A: 156 / 10 = 15.6.   B: −0.5 / 5 = −0.1.   C: 0.25.
    assert_scores(
        &measured().run(r#"{"trim": 0}"#).scores(),
        &[Some(15.6), Some(-0.1), Some(0.25), None],
    );
}

#[test]
fn larger_trims_drop_more() {
    // trim 0.25: A: k = ⌊2.5⌋ = 2 → 3+4+5+6+7+8 = 33 over 6 = 5.5.
    //            B: k = ⌊1.25⌋ = 1 → 0.25+0.5+0.75 = 1.5 over 3 = 0.5.
    assert_scores(
        &measured().run(r#"{"trim": 0.25}"#).scores(),
        &[Some(5.5), Some(0.5), Some(0.25), None],
    );
    // trim 0.3: A: k = ⌊3.0⌋ = 3 (0.3 × 10 is whole; no floating-point rounding down)
    //           → 4+5+6+7 = 22 over 4 = 5.5.   B: k = ⌊1.5⌋ = 1 → 0.5.
    // trim 0.2: A: k = 2 → 5.5.   B: k = ⌊1.0⌋ = 1 → 0.5.
    for trim in ["0.3", "0.2"] {
        assert_scores(
            &measured().run(&format!(r#"{{"trim": {trim}}}"#)).scores(),
            &[Some(5.5), Some(0.5), Some(0.25), None],
        );
    }
    // trim 0.49: A: k = ⌊4.9⌋ = 4 → (5+6)/2 = 5.5.   B: k = ⌊2.45⌋ = 2 → 0.5 (the median).
    assert_scores(
        &measured().run(r#"{"trim": 0.49}"#).scores(),
        &[Some(5.5), Some(0.5), Some(0.25), None],
    );
    // trim 0.15: A: k = ⌊1.5⌋ = 1 → 6.875.   B: k = ⌊0.75⌋ = 0 → −0.1.
    assert_scores(
        &measured().run(r#"{"trim": 0.15}"#).scores(),
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
        &m.run(r#"{"min_samples": 5}"#).scores(),
        &[Some(6.875), Some(-0.1), None, None],
    );
    assert_scores(
        &m.run(r#"{"min_samples": 6, "trim": 0.25}"#).scores(),
        &[Some(5.5), None, None, None],
    );
    // An integral float is an integer, as in JSON Schema.
    assert_scores(
        &m.run(r#"{"min_samples": 10.0}"#).scores(),
        &[Some(6.875), None, None, None],
    );
    // Nobody qualifies: a valid answer with no scores.
    assert_scores(
        &m.run(r#"{"min_samples": 11}"#).scores(),
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
    let expected = bits(forward.run_with("{}", None, 1));
    assert_eq!(bits(forward.run_with("{}", None, 1)), expected);
    assert_eq!(bits(forward.run_with("{}", None, 99)), expected);
    assert_eq!(bits(backward.run_with("{}", None, 1)), expected);
}

// ---------------------------------------------------------------------------------------------
// Extras and progress.
// ---------------------------------------------------------------------------------------------

#[test]
fn trimmed_per_model_lists_each_scored_model() {
    let call = measured().run(r#"{"trim": 0.25, "min_samples": 2}"#);
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
    let with = |count: usize| Fixture::new(&names[..count], 1).measure("m0", &[1.0]);
    let at_limit = with(100).run("{}");
    let extra = at_limit.extra("trimmed_per_model").expect("100 models");
    assert_eq!(
        extra,
        serde_json::json!({"m0": {"measured": 1, "dropped": 0}})
    );
    let over = with(101).run("{}");
    assert_eq!(over.scores()[0], Some(1.0));
    assert!(over.extra("trimmed_per_model").is_none());
}

#[test]
fn progress_rises_to_one() {
    let call = measured().run("{}");
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
    let call = measured().run_with("{}", Some(0), 42);
    assert_eq!(call.status, PodiumStatus::Cancelled);
    assert_eq!(call.seen.error.as_deref(), Some("cancelled"));
    assert!(call.valid.iter().all(|v| *v == 0));
}

#[test]
fn cancellation_is_polled_inside_the_loops() {
    // Polls without cancellation: 1 before the loops, 1 at row 0 of the grouping loop (its 16
    // rows are fewer than CHECK_EVERY), 1 per model (4) → 6 in all.
    let quiet = measured().run("{}");
    quiet.scores();
    assert_eq!(quiet.seen.polls, 6);
    // Cancelling from poll 1 (grouping loop), 2 (first model) or 5 (last model) stops the
    // call there: each poll inside a loop is honoured.
    for from in [1, 2, 5] {
        let call = measured().run_with("{}", Some(from), 42);
        assert_eq!(call.status, PodiumStatus::Cancelled, "from poll {from}");
        assert_eq!(call.seen.polls, from + 1, "stopped at the first yes");
        assert!(call.seen.extras.is_empty(), "no extra after a cancellation");
    }
    // A grouping loop longer than CHECK_EVERY polls again at row CHECK_EVERY.
    let rows = crate::CHECK_EVERY + 10;
    let mut long = Fixture::new(&["A"], 1);
    long.m_models = vec![0; rows];
    long.m_samples = vec![0; rows];
    long.m_values = vec![0.5; rows];
    let call = long.run("{}");
    assert_eq!(call.scores(), [Some(0.5)]);
    assert_eq!(call.seen.polls, 1 + 2 + 1);
    let call = long.run_with("{}", Some(2), 42);
    assert_eq!(call.status, PodiumStatus::Cancelled);
    assert_eq!(call.seen.polls, 3);
}

// ---------------------------------------------------------------------------------------------
// Errors.
// ---------------------------------------------------------------------------------------------

#[track_caller]
fn assert_invalid_params(params: &str, field: &str) {
    let call = measured().run(params);
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
    let call = fixture.run("{}");
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
