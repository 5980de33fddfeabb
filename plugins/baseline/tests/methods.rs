//! The baseline methods called through the raw C entry (`podium_plugin_v1` → method table →
//! `run`), exactly as the host calls them, on small fixtures whose expected scores were computed
//! by hand (the arithmetic is in the comments).

#![allow(unsafe_code)]

use std::ffi::c_void;

use podium_plugin_api::abi::*;
use podium_plugin_api::sdk::str_of;
use podium_plugin_api::testing::{BOTH_BAD, Call, Fixture, Plugin, TIE, WIN_A, WIN_B};

// ---------------------------------------------------------------------------------------------
// The SDK's fake host, with datasets built by sample id.
// ---------------------------------------------------------------------------------------------

/// The plugin, reached through its C entry.
fn plugin() -> Plugin {
    Plugin::new(podium_baseline::podium_plugin_v1)
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

/// Models by name and nothing else (no benchmark, no sample).
fn models(names: &[&str]) -> Fixture {
    Fixture {
        models: names.iter().map(|m| m.to_string()).collect(),
        ..Fixture::default()
    }
}

/// Samples named by id, and running a baseline method.
trait Baseline {
    /// Adds a benchmark with the given sample ids (ids are unique across the fixture).
    fn benchmark_of(self, name: &str, samples: &[&str]) -> Self;

    /// Adds the measurement `value` of `model` on the sample with id `sample`.
    fn measure_on(self, model: &str, sample: &str, value: f64) -> Self;

    /// Runs method `id` with `params` through the raw entry points.
    fn run(&self, id: &str, params: &str) -> Call;

    /// As [`Baseline::run`], with the host answering "cancelled" to every poll if `cancel`.
    fn run_with(&self, id: &str, params: &str, cancel: bool) -> Call;
}

impl Baseline for Fixture {
    fn benchmark_of(mut self, name: &str, samples: &[&str]) -> Fixture {
        let index = self.benchmarks.len() as u32;
        self.benchmarks.push(name.to_owned());
        for s in samples {
            self.samples.push(s.to_string());
            self.sample_benchmarks.push(index);
        }
        self
    }

    fn measure_on(mut self, model: &str, sample: &str, value: f64) -> Fixture {
        let model = self.model(model);
        let sample = self
            .samples
            .iter()
            .position(|s| s == sample)
            .expect("a sample") as u32;
        self.push_measurement(model, sample, value);
        self
    }

    fn run(&self, id: &str, params: &str) -> Call {
        self.run_with(id, params, false)
    }

    fn run_with(&self, id: &str, params: &str, cancel: bool) -> Call {
        let call = plugin().run_with(id, self, params, 42, cancel.then_some(1));
        assert!(call.order.is_empty(), "baseline methods order by score");
        assert!(
            call.low.iter().chain(&call.high).all(|x| x.is_nan()),
            "no intervals"
        );
        call
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures.
// ---------------------------------------------------------------------------------------------

/// Measurements: models A, B, C, D (D has none); benchmarks math (m1–m3), code (c1, c2) and
/// unused (u1, which nobody was measured on).
///
/// | model | m1 | m2 | m3 | c1   | c2 |
/// |-------|----|----|----|------|----|
/// | A     | 1  | 0  | 1  | 0.5  | 1  |
/// | B     | 1  | 1  | 0  |      |    |
/// | C     |    |    |    | 0.25 |    |
fn measured() -> Fixture {
    models(&["A", "B", "C", "D"])
        .benchmark_of("math", &["m1", "m2", "m3"])
        .benchmark_of("code", &["c1", "c2"])
        .benchmark_of("unused", &["u1"])
        .measure_on("A", "m1", 1.0)
        .measure_on("A", "m2", 0.0)
        .measure_on("A", "m3", 1.0)
        .measure_on("A", "c1", 0.5)
        .measure_on("A", "c2", 1.0)
        .measure_on("B", "m1", 1.0)
        .measure_on("B", "m2", 1.0)
        .measure_on("B", "m3", 0.0)
        .measure_on("C", "c1", 0.25)
}

/// Comparisons: models A, B, C, D (D only against itself, which does not count); weights and
/// both sides of the a/b columns exercised.
///
/// | # | a | b | winner   | weight | meaning            |
/// |---|---|---|----------|--------|--------------------|
/// | 1 | A | B | model_a  | 1      | A beats B, w 1     |
/// | 2 | B | A | model_b  | 2      | A beats B, w 2     |
/// | 3 | A | B | tie      | 1      | A ties B, w 1      |
/// | 4 | A | B | model_b  | 1      | B beats A, w 1     |
/// | 5 | A | C | both_bad | 1      | A ties C, w 1      |
/// | 6 | C | A | model_a  | 3      | C beats A, w 3     |
/// | 7 | B | C | model_a  | 1      | B beats C, w 1     |
/// | 8 | B | C | tie      | 1      | B ties C, w 1      |
/// | 9 | D | D | model_a  | 1      | self: skipped      |
fn compared() -> Fixture {
    models(&["A", "B", "C", "D"])
        .benchmark_of("arena", &["q1"])
        .compare("A", "B", WIN_A, 1.0)
        .compare("B", "A", WIN_B, 2.0)
        .compare("A", "B", TIE, 1.0)
        .compare("A", "B", WIN_B, 1.0)
        .compare("A", "C", BOTH_BAD, 1.0)
        .compare("C", "A", WIN_A, 3.0)
        .compare("B", "C", WIN_A, 1.0)
        .compare("B", "C", TIE, 1.0)
        .compare("D", "D", WIN_A, 1.0)
}

// ---------------------------------------------------------------------------------------------
// The descriptor.
// ---------------------------------------------------------------------------------------------

#[test]
fn the_descriptor_lists_exactly_the_three_methods_with_parseable_schemas() {
    let d = plugin().descriptor();
    assert_eq!(
        (d.abi_major, d.abi_minor),
        (PODIUM_ABI_MAJOR, PODIUM_ABI_MINOR)
    );
    assert_eq!(unsafe { str_of(d.name) }, "baseline");
    assert_eq!(unsafe { str_of(d.version) }, env!("CARGO_PKG_VERSION"));
    let listed: Vec<(&str, u32)> = plugin()
        .methods()
        .iter()
        .map(|m| (unsafe { str_of(m.id) }, m.flags))
        .collect();
    assert_eq!(
        listed,
        [
            ("mean", PODIUM_METHOD_USES_MEASUREMENTS),
            ("macro_mean", PODIUM_METHOD_USES_MEASUREMENTS),
            ("win_rate", PODIUM_METHOD_USES_COMPARISONS),
        ]
    );
    let expected_properties: [&[&str]; 3] =
        [&["min_samples"], &["min_samples", "missing"], &["ties"]];
    for (m, expected) in plugin().methods().iter().zip(expected_properties) {
        let id = unsafe { str_of(m.id) };
        assert_eq!(m.struct_size as usize, size_of::<PodiumMethodInfo>());
        assert!(m.run.is_some());
        let description = unsafe { str_of(m.description) };
        assert!(description.len() > 100, "{id}: a real paragraph");
        assert!(!description.contains('\n'), "{id}: one paragraph");
        let schema: serde_json::Value = serde_json::from_str(unsafe { str_of(m.params_schema) })
            .unwrap_or_else(|e| panic!("{id}: schema is not JSON: {e}"));
        assert_eq!(schema["type"], "object", "{id}");
        assert_eq!(schema["additionalProperties"], false, "{id}");
        assert_eq!(
            schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{id}"
        );
        let properties = schema["properties"].as_object().expect("properties");
        let mut names: Vec<&str> = properties.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, expected, "{id}");
        // Every default the schema publishes is accepted by the method (on data it can rank).
        let defaults: serde_json::Map<String, serde_json::Value> = properties
            .iter()
            .map(|(k, v)| (k.clone(), v["default"].clone()))
            .collect();
        assert!(defaults.values().all(|v| !v.is_null()), "{id}: defaults");
        let fixture = if id == "win_rate" {
            compared()
        } else {
            measured()
        };
        let explicit = fixture.run(id, &serde_json::Value::Object(defaults).to_string());
        let implicit = fixture.run(id, "{}");
        assert_eq!(explicit.scores(), implicit.scores(), "{id}: defaults");
    }
}

// ---------------------------------------------------------------------------------------------
// mean
// ---------------------------------------------------------------------------------------------

#[test]
fn mean_averages_all_samples_of_a_model() {
    let call = measured().run("mean", "{}");
    assert_scores(
        &call.scores(),
        &[
            Some(7.0 / 10.0), // A: (1 + 0 + 1 + 0.5 + 1) / 5 = 3.5 / 5
            Some(2.0 / 3.0),  // B: (1 + 1 + 0) / 3
            Some(1.0 / 4.0),  // C: 0.25 / 1
            None,             // D: no measurements
        ],
    );
    assert_eq!(call.valid, [1, 1, 1, 0]);
    assert_eq!(call.seen.progress.last(), Some(&1.0));
    assert!(call.seen.progress.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn mean_min_samples_withholds_thinly_measured_models() {
    // Counts: A 5, B 3, C 1, D 0.
    assert_scores(
        &measured().run("mean", r#"{"min_samples": 3}"#).scores(),
        &[Some(7.0 / 10.0), Some(2.0 / 3.0), None, None],
    );
    assert_scores(
        &measured().run("mean", r#"{"min_samples": 4}"#).scores(),
        &[Some(7.0 / 10.0), None, None, None],
    );
    // An integral float is an integer in JSON Schema.
    assert_scores(
        &measured().run("mean", r#"{"min_samples": 5.0}"#).scores(),
        &[Some(7.0 / 10.0), None, None, None],
    );
    assert_scores(
        &measured().run("mean", r#"{"min_samples": 6}"#).scores(),
        &[None, None, None, None],
    );
}

// ---------------------------------------------------------------------------------------------
// macro_mean
// ---------------------------------------------------------------------------------------------

#[test]
fn macro_mean_weighs_benchmarks_equally_and_withholds_incomplete_models() {
    // Present benchmarks: math and code ("unused" has no measurement, so it does not count).
    // A: math (1 + 0 + 1) / 3 = 2/3, code (0.5 + 1) / 2 = 3/4; (2/3 + 3/4) / 2 = (8 + 9) / 24.
    // B lacks code, C lacks math, D has nothing: no score by default.
    let expected = [Some(17.0 / 24.0), None, None, None];
    assert_scores(&measured().run("macro_mean", "{}").scores(), &expected);
    assert_scores(
        &measured()
            .run("macro_mean", r#"{"missing": "no_score"}"#)
            .scores(),
        &expected,
    );
    // Not the plain mean: A's mean is 7/10 = 16.8/24.
    assert!((17.0 / 24.0 - 7.0 / 10.0_f64).abs() > 1e-3);
}

#[test]
fn macro_mean_skip_averages_over_the_benchmarks_a_model_has() {
    assert_scores(
        &measured()
            .run("macro_mean", r#"{"missing": "skip"}"#)
            .scores(),
        &[
            Some(17.0 / 24.0), // A: as above
            Some(2.0 / 3.0),   // B: math only, (1 + 1 + 0) / 3
            Some(1.0 / 4.0),   // C: code only, 0.25
            None,              // D: nothing
        ],
    );
}

#[test]
fn macro_mean_min_samples_applies_per_benchmark() {
    // Per-benchmark counts: A math 3, code 2; B math 3; C code 1.
    // min 2, skip: A keeps both (17/24), B math (2/3), C's code has 1 < 2: no score.
    assert_scores(
        &measured()
            .run("macro_mean", r#"{"missing": "skip", "min_samples": 2}"#)
            .scores(),
        &[Some(17.0 / 24.0), Some(2.0 / 3.0), None, None],
    );
    // min 3, skip: A's code (2) drops out, leaving math 2/3; B math 2/3.
    assert_scores(
        &measured()
            .run("macro_mean", r#"{"missing": "skip", "min_samples": 3}"#)
            .scores(),
        &[Some(2.0 / 3.0), Some(2.0 / 3.0), None, None],
    );
    // min 3, no_score: code is still present in the data and nobody has 3 samples on it.
    assert_scores(
        &measured()
            .run("macro_mean", r#"{"min_samples": 3}"#)
            .scores(),
        &[None, None, None, None],
    );
    // min 2, no_score: A has both present benchmarks with ≥ 2 samples.
    assert_scores(
        &measured()
            .run("macro_mean", r#"{"min_samples": 2}"#)
            .scores(),
        &[Some(17.0 / 24.0), None, None, None],
    );
}

// ---------------------------------------------------------------------------------------------
// win_rate
// ---------------------------------------------------------------------------------------------

#[test]
fn win_rate_counts_ties_as_half_and_uses_weights() {
    // A–B: total 1 + 2 + 1 + 1 = 5; A wins 1 + 2 = 3, ties 1, B wins 1.
    //      w(A,B) = (3 + 0.5) / 5 = 7/10, w(B,A) = (1 + 0.5) / 5 = 3/10.
    // A–C: total 1 + 3 = 4; both_bad 1 is a tie, C wins 3.
    //      w(A,C) = 0.5 / 4 = 1/8, w(C,A) = 3.5 / 4 = 7/8.
    // B–C: total 2; B wins 1, tie 1. w(B,C) = 1.5 / 2 = 3/4, w(C,B) = 0.5 / 2 = 1/4.
    // A: (7/10 + 1/8) / 2 = (28 + 5) / 80 = 33/80.
    // B: (3/10 + 3/4) / 2 = (6 + 15) / 40 = 21/40.
    // C: (7/8 + 1/4) / 2 = (7 + 2) / 16 = 9/16.
    // D: only a self-comparison, skipped: no score.
    let call = compared().run("win_rate", "{}");
    assert_scores(
        &call.scores(),
        &[Some(33.0 / 80.0), Some(21.0 / 40.0), Some(9.0 / 16.0), None],
    );
    assert_eq!(call.valid, [1, 1, 1, 0]);
    assert_scores(
        &compared().run("win_rate", r#"{"ties": "half"}"#).scores(),
        &[Some(33.0 / 80.0), Some(21.0 / 40.0), Some(9.0 / 16.0), None],
    );
    assert_eq!(call.seen.progress.last(), Some(&1.0));

    // The pairwise matrix: row m, column o holds w(m, o); null where they did not meet.
    let extra = call.extra("pairwise_win_rates").expect("the matrix extra");
    assert_eq!(extra["models"], serde_json::json!(["A", "B", "C", "D"]));
    let expected = [
        [None, Some(7.0 / 10.0), Some(1.0 / 8.0), None],
        [Some(3.0 / 10.0), None, Some(3.0 / 4.0), None],
        [Some(7.0 / 8.0), Some(1.0 / 4.0), None, None],
        [None, None, None, None],
    ];
    let matrix = extra["matrix"].as_array().expect("rows");
    assert_eq!(matrix.len(), 4);
    for (row, expected) in matrix.iter().zip(expected) {
        let row: Vec<Option<f64>> = row
            .as_array()
            .expect("a row")
            .iter()
            .map(serde_json::Value::as_f64)
            .collect();
        assert_scores(&row, &expected);
    }
}

#[test]
fn win_rate_can_ignore_ties() {
    // Ties and both_bad dropped:
    // A–B: total 1 + 2 + 1 = 4, A wins 3: w(A,B) = 3/4, w(B,A) = 1/4.
    // A–C: total 3, C wins 3: w(A,C) = 0, w(C,A) = 1.
    // B–C: total 1, B wins 1: w(B,C) = 1, w(C,B) = 0.
    // A: (3/4 + 0) / 2 = 3/8. B: (1/4 + 1) / 2 = 5/8. C: (1 + 0) / 2 = 1/2.
    assert_scores(
        &compared().run("win_rate", r#"{"ties": "ignore"}"#).scores(),
        &[Some(3.0 / 8.0), Some(5.0 / 8.0), Some(1.0 / 2.0), None],
    );
}

#[test]
fn win_rate_pairs_that_only_tied_did_not_meet_when_ties_are_ignored() {
    // X ties Y twice (tie, both_bad); X beats Z once.
    let fixture = models(&["X", "Y", "Z"])
        .benchmark_of("arena", &["q1"])
        .compare("X", "Y", TIE, 1.0)
        .compare("Y", "X", BOTH_BAD, 1.0)
        .compare("Z", "X", WIN_B, 1.0);
    // half: w(X,Y) = 1/2, w(X,Z) = 1: X = (1/2 + 1) / 2 = 3/4; Y = 1/2; Z = 0.
    assert_scores(
        &fixture.run("win_rate", "{}").scores(),
        &[Some(3.0 / 4.0), Some(1.0 / 2.0), Some(0.0)],
    );
    // ignore: X and Y never met. X = w(X,Z) = 1; Y no score; Z = 0.
    assert_scores(
        &fixture.run("win_rate", r#"{"ties": "ignore"}"#).scores(),
        &[Some(1.0), None, Some(0.0)],
    );
}

#[test]
fn win_rate_counts_each_opponent_once() {
    // P beats Q 9 times; R beats P once. Not pooled (which would give P 9/10):
    // P = (w(P,Q) + w(P,R)) / 2 = (1 + 0) / 2 = 1/2; Q = 0; R = 1.
    let mut fixture = models(&["P", "Q", "R"]).benchmark_of("arena", &["q1"]);
    for _ in 0..9 {
        fixture = fixture.compare("P", "Q", WIN_A, 1.0);
    }
    let fixture = fixture.compare("P", "R", WIN_B, 1.0);
    assert_scores(
        &fixture.run("win_rate", "{}").scores(),
        &[Some(1.0 / 2.0), Some(0.0), Some(1.0)],
    );
}

#[test]
fn win_rate_skips_the_matrix_for_many_models() {
    let names: Vec<String> = (0..201).map(|i| format!("m{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let fixture = models(&names)
        .benchmark_of("arena", &["q1"])
        .compare("m0", "m200", WIN_A, 1.0);
    let call = fixture.run("win_rate", "{}");
    let scores = call.scores();
    assert_eq!(scores[0], Some(1.0));
    assert_eq!(scores[200], Some(0.0));
    assert_eq!(scores.iter().filter(|s| s.is_some()).count(), 2);
    assert!(call.extra("pairwise_win_rates").is_none());
    // At the limit (200 models) it is emitted.
    let fixture = models(&names[..200])
        .benchmark_of("arena", &["q1"])
        .compare("m0", "m199", WIN_A, 1.0);
    let extra = fixture.run("win_rate", "{}").extra("pairwise_win_rates");
    let extra = extra.expect("the matrix for 200 models");
    assert_eq!(extra["matrix"][0][199], 1.0);
    assert_eq!(extra["matrix"][199][0], 0.0);
}

// ---------------------------------------------------------------------------------------------
// Errors.
// ---------------------------------------------------------------------------------------------

#[track_caller]
fn assert_invalid_params(call: Call, field: &str) {
    let (status, message) = call.error();
    assert_eq!(status, PodiumStatus::InvalidParams, "{message}");
    assert!(
        message.starts_with(&format!("{field}:")),
        "the message names {field}: {message}"
    );
    assert!(call.valid.iter().all(|v| *v == 0), "no scores on error");
}

#[test]
fn invalid_params_name_the_field() {
    let m = measured();
    for bad in [
        r#"{"min_samples": 0}"#,
        r#"{"min_samples": -1}"#,
        r#"{"min_samples": 1.5}"#,
        r#"{"min_samples": "3"}"#,
        r#"{"min_samples": null}"#,
    ] {
        assert_invalid_params(m.run("mean", bad), "min_samples");
        assert_invalid_params(m.run("macro_mean", bad), "min_samples");
    }
    assert_invalid_params(m.run("mean", r#"{"bogus": 1}"#), "bogus");
    assert_invalid_params(m.run("mean", r#"{"missing": "skip"}"#), "missing");
    assert_invalid_params(m.run("macro_mean", r#"{"missing": "zero"}"#), "missing");
    assert_invalid_params(m.run("macro_mean", r#"{"missing": 1}"#), "missing");
    assert_invalid_params(m.run("macro_mean", r#"{"ties": "half"}"#), "ties");
    let c = compared();
    assert_invalid_params(c.run("win_rate", r#"{"ties": "drop"}"#), "ties");
    assert_invalid_params(c.run("win_rate", r#"{"ties": true}"#), "ties");
    assert_invalid_params(c.run("win_rate", r#"{"min_samples": 1}"#), "min_samples");
    // Not an object at all (the SDK's own check).
    assert_invalid_params(c.run("win_rate", "[1]"), "params");
}

#[test]
fn cancellation_stops_every_method() {
    for (id, fixture) in [
        ("mean", measured()),
        ("macro_mean", measured()),
        ("win_rate", compared()),
    ] {
        let call = fixture.run_with(id, "{}", true);
        assert_eq!(call.status, PodiumStatus::Cancelled, "{id}");
        assert!(call.valid.iter().all(|v| *v == 0), "{id}: no scores");
    }
}

#[test]
fn cancellation_is_polled_inside_large_loops() {
    // More rows than one polling interval; the host flips the flag after the first poll, so
    // only a poll inside the loop can see it.
    let rows = podium_baseline::CHECK_EVERY + 10;
    let mut fixture = models(&["A", "B"]).benchmark_of("b", &["s"]);
    fixture.m_models = vec![0; rows];
    fixture.m_samples = vec![0; rows];
    fixture.m_values = vec![1.0; rows];
    assert_eq!(fixture.run("mean", "{}").scores(), [Some(1.0), None]);

    static POLLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    unsafe extern "C" fn cancel_from_third_poll(_: *mut c_void) -> u8 {
        u8::from(POLLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= 2)
    }
    // Run through a host whose `cancelled` answers yes from the third poll on (two polls
    // happen before the loop reaches row CHECK_EVERY: one at the start, one at row 0).
    let method = plugin().method("mean");
    let names = [PodiumStr::new("A"), PodiumStr::new("B")];
    let samples = [PodiumStr::new("s")];
    let benchmarks = [PodiumStr::new("b")];
    let mut dataset: PodiumDataset = unsafe { std::mem::zeroed() };
    dataset.struct_size = size_of::<PodiumDataset>() as u32;
    dataset.model_count = 2;
    dataset.model_names = names.as_ptr();
    dataset.benchmark_count = 1;
    dataset.benchmark_names = benchmarks.as_ptr();
    dataset.sample_count = 1;
    dataset.sample_ids = samples.as_ptr();
    dataset.sample_benchmarks = fixture.sample_benchmarks.as_ptr();
    dataset.measurement_count = rows;
    dataset.measurement_models = fixture.m_models.as_ptr();
    dataset.measurement_samples = fixture.m_samples.as_ptr();
    dataset.measurement_values = fixture.m_values.as_ptr();
    let mut scores = [f64::NAN; 2];
    let mut valid = [0u8; 2];
    let mut results = PodiumResults {
        struct_size: size_of::<PodiumResults>() as u32,
        model_count: 2,
        scores: scores.as_mut_ptr(),
        valid: valid.as_mut_ptr(),
        interval_low: std::ptr::null_mut(),
        interval_high: std::ptr::null_mut(),
        order: std::ptr::null_mut(),
        order_len: 0,
    };
    let host = PodiumHost {
        struct_size: size_of::<PodiumHost>() as u32,
        ctx: std::ptr::null_mut(),
        log: None,
        progress: None,
        cancelled: Some(cancel_from_third_poll),
        emit_extra: None,
        set_error: None,
        pairwise_wins: None,
        stationary_power: None,
        bradley_terry_batch: None,
    };
    let run = method.run.unwrap();
    let status = unsafe { run(&host, &dataset, PodiumStr::new("{}"), 0, &mut results) };
    assert_eq!(status, PodiumStatus::Cancelled);
    assert_eq!(POLLS.load(std::sync::atomic::Ordering::SeqCst), 3);
    assert_eq!(valid, [0, 0]);
}

#[track_caller]
fn assert_invalid_data(call: Call, needle: &str) {
    let (status, message) = call.error();
    assert_eq!(status, PodiumStatus::InvalidData, "{message}");
    assert!(message.contains(needle), "{needle:?} in {message:?}");
}

#[test]
fn broken_or_unsuitable_data_is_invalid_data() {
    // A method needs its kind of data at all.
    let no_measurements = models(&["A"]).benchmark_of("b", &["s"]);
    assert_invalid_data(no_measurements.run("mean", "{}"), "no measurements");
    assert_invalid_data(no_measurements.run("macro_mean", "{}"), "no measurements");
    assert_invalid_data(measured().run("win_rate", "{}"), "no comparisons");

    let mut m = measured();
    m.m_models[0] = 9;
    assert_invalid_data(m.run("mean", "{}"), "measurement 0 refers to model 9");
    let mut m = measured();
    m.m_samples[1] = 99;
    assert_invalid_data(
        m.run("macro_mean", "{}"),
        "measurement 1 refers to sample 99",
    );
    let mut m = measured();
    m.m_values[2] = f64::NAN;
    assert_invalid_data(
        m.run("mean", "{}"),
        "measurement 2 has the non-finite value",
    );
    let mut m = measured();
    m.sample_benchmarks[0] = 7;
    assert_invalid_data(m.run("macro_mean", "{}"), "sample 0 refers to benchmark 7");

    let mut c = compared();
    c.comparisons[3].b = 4;
    assert_invalid_data(c.run("win_rate", "{}"), "comparison 3 refers to model 4");
    let mut c = compared();
    c.comparisons[1].weight = 0.0;
    assert_invalid_data(c.run("win_rate", "{}"), "comparison 1 has weight 0");
    let mut c = compared();
    c.comparisons[1].weight = f64::INFINITY;
    assert_invalid_data(c.run("win_rate", "{}"), "comparison 1 has weight inf");
    let mut c = compared();
    c.comparisons[5].winner = 4;
    assert_invalid_data(c.run("win_rate", "{}"), "comparison 5 has winner code 4");
}

#[test]
fn repeated_runs_give_the_same_bits() {
    let a = compared().run("win_rate", "{}");
    let b = compared().run("win_rate", "{}");
    assert_eq!(
        a.scores.iter().map(|s| s.to_bits()).collect::<Vec<_>>(),
        b.scores.iter().map(|s| s.to_bits()).collect::<Vec<_>>()
    );
    assert_eq!(a.seen.extras, b.seen.extras);
}
