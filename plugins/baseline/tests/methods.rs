//! The baseline methods called through the raw C entry (`podium_plugin_v1` → method table →
//! `run`), exactly as the host calls them, on small fixtures whose expected scores were computed
//! by hand (the arithmetic is in the comments).

#![allow(unsafe_code)]

use std::ffi::c_void;
use std::sync::Mutex;

use podium_baseline::podium_plugin_v1;
use podium_plugin_api::abi::*;
use podium_plugin_api::sdk::str_of;

// ---------------------------------------------------------------------------------------------
// A fake host and a dataset builder.
// ---------------------------------------------------------------------------------------------

/// What the fake host saw during one call.
#[derive(Default)]
struct Seen {
    error: Option<String>,
    progress: Vec<f64>,
    extras: Vec<(String, String)>,
    cancel: bool,
}

fn seen_of<'a>(ctx: *mut c_void) -> &'a Mutex<Seen> {
    unsafe { &*(ctx as *const Mutex<Seen>) }
}
unsafe extern "C" fn log(_: *mut c_void, _: u32, _: PodiumStr) {}
unsafe extern "C" fn progress(ctx: *mut c_void, fraction: f64) {
    seen_of(ctx).lock().unwrap().progress.push(fraction);
}
unsafe extern "C" fn cancelled(ctx: *mut c_void) -> u8 {
    u8::from(seen_of(ctx).lock().unwrap().cancel)
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
    fn scores(&self) -> Vec<Option<f64>> {
        assert_eq!(self.status, PodiumStatus::Ok, "{:?}", self.seen.error);
        self.valid
            .iter()
            .zip(&self.scores)
            .map(|(v, s)| {
                if *v == 1 {
                    Some(*s)
                } else {
                    assert!(s.is_nan(), "a model without a score has NaN, not {s}");
                    None
                }
            })
            .collect()
    }

    /// The status and message of a failed call.
    fn error(&self) -> (PodiumStatus, String) {
        (self.status, self.seen.error.clone().unwrap_or_default())
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

/// A small dataset built by name, owning every column; `run` lends it to a method as a
/// `PodiumDataset`. Columns are public so a test can break them on purpose.
#[derive(Default, Clone)]
struct Fixture {
    models: Vec<String>,
    benchmarks: Vec<String>,
    samples: Vec<String>,
    sample_benchmarks: Vec<u32>,
    m_models: Vec<u32>,
    m_samples: Vec<u32>,
    m_values: Vec<f64>,
    c_a: Vec<u32>,
    c_b: Vec<u32>,
    c_samples: Vec<u32>,
    c_winners: Vec<u32>,
    c_weights: Vec<f64>,
}

impl Fixture {
    fn new(models: &[&str]) -> Fixture {
        Fixture {
            models: models.iter().map(|m| m.to_string()).collect(),
            ..Fixture::default()
        }
    }

    /// Adds a benchmark with the given sample ids (ids are unique across the fixture).
    fn benchmark(mut self, name: &str, samples: &[&str]) -> Fixture {
        let index = self.benchmarks.len() as u32;
        self.benchmarks.push(name.to_owned());
        for s in samples {
            self.samples.push(s.to_string());
            self.sample_benchmarks.push(index);
        }
        self
    }

    fn model(&self, name: &str) -> u32 {
        self.models.iter().position(|m| m == name).expect("a model") as u32
    }

    fn sample(&self, id: &str) -> u32 {
        self.samples.iter().position(|s| s == id).expect("a sample") as u32
    }

    /// Adds the measurement `value` of `model` on `sample`.
    fn measure(mut self, model: &str, sample: &str, value: f64) -> Fixture {
        self.m_models.push(self.model(model));
        self.m_samples.push(self.sample(sample));
        self.m_values.push(value);
        self
    }

    /// Adds a verdict between `a` and `b` (on sample 0) with `winner` and `weight`.
    fn compare(mut self, a: &str, b: &str, winner: u32, weight: f64) -> Fixture {
        self.c_a.push(self.model(a));
        self.c_b.push(self.model(b));
        self.c_samples.push(0);
        self.c_winners.push(winner);
        self.c_weights.push(weight);
        self
    }

    /// Runs method `id` with `params` through the raw entry points.
    fn run(&self, id: &str, params: &str) -> Call {
        self.run_with(id, params, false)
    }

    fn run_with(&self, id: &str, params: &str, cancel: bool) -> Call {
        let method = method(id);
        let view = |v: &[String]| v.iter().map(|s| PodiumStr::new(s)).collect::<Vec<_>>();
        let names = view(&self.models);
        let meta = vec![PodiumStr::new("{}"); self.models.len()];
        let benchmarks = view(&self.benchmarks);
        let kinds = vec![PODIUM_METRIC_SCORE; self.benchmarks.len()];
        let samples = view(&self.samples);
        let n = self.c_winners.len();
        let strengths = vec![f64::NAN; n];
        let timestamps = vec![PODIUM_NO_TIMESTAMP; n];
        let judges = vec![PODIUM_NO_INDEX; n];
        let dataset = PodiumDataset {
            struct_size: size_of::<PodiumDataset>() as u32,
            model_count: names.len(),
            model_names: names.as_ptr(),
            model_metadata: meta.as_ptr(),
            benchmark_count: benchmarks.len(),
            benchmark_names: benchmarks.as_ptr(),
            benchmark_metric_kinds: kinds.as_ptr(),
            sample_count: samples.len(),
            sample_ids: samples.as_ptr(),
            sample_benchmarks: self.sample_benchmarks.as_ptr(),
            sample_metadata: std::ptr::null(),
            measurement_count: self.m_values.len(),
            measurement_models: self.m_models.as_ptr(),
            measurement_samples: self.m_samples.as_ptr(),
            measurement_values: self.m_values.as_ptr(),
            comparison_count: n,
            comparison_models_a: self.c_a.as_ptr(),
            comparison_models_b: self.c_b.as_ptr(),
            comparison_samples: self.c_samples.as_ptr(),
            comparison_winners: self.c_winners.as_ptr(),
            comparison_strengths: strengths.as_ptr(),
            comparison_weights: self.c_weights.as_ptr(),
            comparison_timestamps_ms: timestamps.as_ptr(),
            comparison_judges: judges.as_ptr(),
            comparison_metadata: std::ptr::null(),
            judge_count: 0,
            judge_names: std::ptr::null(),
        };
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
            cancel,
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
        let status = unsafe { run(&host, &dataset, PodiumStr::new(params), 42, &mut results) };
        assert_eq!(results.order_len, 0, "baseline methods order by score");
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
    assert_eq!(
        unsafe { podium_plugin_v1(PODIUM_ABI_MAJOR, PODIUM_ABI_MINOR, &mut descriptor) },
        PodiumStatus::Ok
    );
    unsafe { &*descriptor }
}

fn methods() -> &'static [PodiumMethodInfo] {
    let d = descriptor();
    unsafe { std::slice::from_raw_parts(d.methods, d.method_count) }
}

fn method(id: &str) -> &'static PodiumMethodInfo {
    methods()
        .iter()
        .find(|m| unsafe { str_of(m.id) } == id)
        .unwrap_or_else(|| panic!("no method {id}"))
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
    Fixture::new(&["A", "B", "C", "D"])
        .benchmark("math", &["m1", "m2", "m3"])
        .benchmark("code", &["c1", "c2"])
        .benchmark("unused", &["u1"])
        .measure("A", "m1", 1.0)
        .measure("A", "m2", 0.0)
        .measure("A", "m3", 1.0)
        .measure("A", "c1", 0.5)
        .measure("A", "c2", 1.0)
        .measure("B", "m1", 1.0)
        .measure("B", "m2", 1.0)
        .measure("B", "m3", 0.0)
        .measure("C", "c1", 0.25)
}

const WIN_A: u32 = PODIUM_WINNER_MODEL_A;
const WIN_B: u32 = PODIUM_WINNER_MODEL_B;
const TIE: u32 = PODIUM_WINNER_TIE;
const BOTH_BAD: u32 = PODIUM_WINNER_BOTH_BAD;

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
    Fixture::new(&["A", "B", "C", "D"])
        .benchmark("arena", &["q1"])
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
    let d = descriptor();
    assert_eq!(
        (d.abi_major, d.abi_minor),
        (PODIUM_ABI_MAJOR, PODIUM_ABI_MINOR)
    );
    assert_eq!(unsafe { str_of(d.name) }, "baseline");
    assert_eq!(unsafe { str_of(d.version) }, env!("CARGO_PKG_VERSION"));
    let listed: Vec<(&str, u32)> = methods()
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
    for (m, expected) in methods().iter().zip(expected_properties) {
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
    let fixture = Fixture::new(&["X", "Y", "Z"])
        .benchmark("arena", &["q1"])
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
    let mut fixture = Fixture::new(&["P", "Q", "R"]).benchmark("arena", &["q1"]);
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
    let fixture = Fixture::new(&names)
        .benchmark("arena", &["q1"])
        .compare("m0", "m200", WIN_A, 1.0);
    let call = fixture.run("win_rate", "{}");
    let scores = call.scores();
    assert_eq!(scores[0], Some(1.0));
    assert_eq!(scores[200], Some(0.0));
    assert_eq!(scores.iter().filter(|s| s.is_some()).count(), 2);
    assert!(call.extra("pairwise_win_rates").is_none());
    // At the limit (200 models) it is emitted.
    let fixture = Fixture::new(&names[..200])
        .benchmark("arena", &["q1"])
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
    let mut fixture = Fixture::new(&["A", "B"]).benchmark("b", &["s"]);
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
    let method = method("mean");
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
    let no_measurements = Fixture::new(&["A"]).benchmark("b", &["s"]);
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
    c.c_b[3] = 4;
    assert_invalid_data(c.run("win_rate", "{}"), "comparison 3 refers to model 4");
    let mut c = compared();
    c.c_weights[1] = 0.0;
    assert_invalid_data(c.run("win_rate", "{}"), "comparison 1 has weight 0");
    let mut c = compared();
    c.c_weights[1] = f64::INFINITY;
    assert_invalid_data(c.run("win_rate", "{}"), "comparison 1 has weight inf");
    let mut c = compared();
    c.c_winners[5] = 4;
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
