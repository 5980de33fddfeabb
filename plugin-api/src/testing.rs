//! A fake host for plugin tests (feature `testing`): build a small dataset, call a method
//! through the plugin's raw C entry exactly as the server does (`podium_plugin_v1` → method
//! table → `run`), and look at everything the method wrote and reported.
//!
//! Why it exists: a test that goes through the C entry checks what the server will see — the
//! descriptor, the schema, `catch_unwind`, status codes, the result buffers — not just the
//! Rust function behind it. Every plugin of the workspace (and third-party plugins, with
//! `features = ["testing"]` in their dev-dependencies) shares this one harness.
//!
//! ```ignore
//! use podium_plugin_api::testing::{Fixture, Plugin, WIN_A};
//! let plugin = Plugin::new(my_plugin::podium_plugin_v1);
//! let data = Fixture::new(&["a", "b"], 1).compare("a", "b", WIN_A, 1.0);
//! let call = plugin.run("my_method", &data, "{}");
//! assert!(call.all_scores()[0] > call.all_scores()[1]);
//! ```

#![allow(unsafe_code)]

use std::ffi::c_void;
use std::sync::Mutex;

use crate::abi::*;
use crate::sdk::str_of;

/// `model_a` won.
pub const WIN_A: u32 = PODIUM_WINNER_MODEL_A;
/// `model_b` won.
pub const WIN_B: u32 = PODIUM_WINNER_MODEL_B;
/// A tie.
pub const TIE: u32 = PODIUM_WINNER_TIE;
/// Both bad.
pub const BOTH_BAD: u32 = PODIUM_WINNER_BOTH_BAD;

/// What the fake host saw during one call.
#[derive(Debug, Default)]
pub struct Seen {
    /// The message set with `set_error`.
    pub error: Option<String>,
    /// Every progress report, in order.
    pub progress: Vec<f64>,
    /// Every extra (name, JSON text), in order.
    pub extras: Vec<(String, String)>,
    /// Every log line (level, message).
    pub logs: Vec<(u32, String)>,
    /// Polls of `cancelled` so far.
    pub polls: usize,
    /// Answer "cancelled" from this poll on (1 = the first poll).
    pub cancel_from: Option<usize>,
    /// The kernels the plugin called through the host (ABI ≥ 1.1), in order.
    pub kernels: Vec<String>,
}

fn seen_of<'a>(ctx: *mut c_void) -> &'a Mutex<Seen> {
    // SAFETY: `ctx` is the `&Mutex<Seen>` that `Plugin::run_with` lends for the call.
    unsafe { &*(ctx as *const Mutex<Seen>) }
}
unsafe extern "C" fn log(ctx: *mut c_void, level: u32, message: PodiumStr) {
    // SAFETY: the plugin passes a valid view for the duration of the call.
    let message = unsafe { str_of(message) }.to_owned();
    seen_of(ctx).lock().unwrap().logs.push((level, message));
}
unsafe extern "C" fn progress(ctx: *mut c_void, fraction: f64) {
    seen_of(ctx).lock().unwrap().progress.push(fraction);
}
unsafe extern "C" fn cancelled(ctx: *mut c_void) -> u8 {
    let mut seen = seen_of(ctx).lock().unwrap();
    seen.polls += 1;
    u8::from(seen.cancel_from.is_some_and(|from| seen.polls >= from))
}
unsafe extern "C" fn emit_extra(ctx: *mut c_void, name: PodiumStr, json: PodiumStr) {
    // SAFETY: as in `log`.
    let (name, json) = unsafe { (str_of(name).to_owned(), str_of(json).to_owned()) };
    seen_of(ctx).lock().unwrap().extras.push((name, json));
}
unsafe extern "C" fn set_error(ctx: *mut c_void, message: PodiumStr) {
    // SAFETY: as in `log`.
    seen_of(ctx).lock().unwrap().error = Some(unsafe { str_of(message) }.to_owned());
}

/// The test host's kernels: the CPU twins behind the same callback code as the server's
/// ([`crate::serve`]).
fn note_kernel(ctx: *mut c_void, kernel: &str) {
    seen_of(ctx).lock().unwrap().kernels.push(kernel.into());
}

fn status_of(served: Result<podium_compute::Device, podium_compute::ComputeError>) -> PodiumStatus {
    match served {
        Ok(_) => PodiumStatus::Ok,
        Err(_) => PodiumStatus::InvalidData,
    }
}

unsafe extern "C" fn pairwise_wins(
    ctx: *mut c_void,
    samples: *const PodiumRankedSamples,
    model_count: usize,
    wins: *mut u32,
    ties: *mut u32,
    report: *mut PodiumKernelReport,
) -> PodiumStatus {
    note_kernel(ctx, "pairwise_wins");
    // SAFETY: the plugin's arguments follow the contract (null ones are refused).
    status_of(unsafe {
        crate::serve::pairwise_wins(samples, model_count, wins, ties, report, |s, n| {
            podium_compute::pairwise_wins(s, n).map(|c| (c, podium_compute::Device::Cpu))
        })
    })
}

unsafe extern "C" fn stationary_power(
    ctx: *mut c_void,
    n: usize,
    matrix: *const f64,
    tolerance: f64,
    max_iterations: u64,
    pi: *mut f64,
    report: *mut PodiumKernelReport,
) -> PodiumStatus {
    note_kernel(ctx, "stationary_power");
    let options = podium_compute::PowerOptions {
        tolerance,
        max_iterations,
    };
    // SAFETY: as above.
    status_of(unsafe {
        crate::serve::stationary_power(n, matrix, options, pi, report, |m, n, o| {
            podium_compute::stationary_power(m, n, None, o)
                .map(|r| (r, podium_compute::Device::Cpu))
        })
    })
}

unsafe extern "C" fn bradley_terry_batch(
    ctx: *mut c_void,
    batch: *const PodiumBtBatch,
    theta: *mut f64,
    iterations: *mut u64,
    converged: *mut u8,
    report: *mut PodiumKernelReport,
) -> PodiumStatus {
    note_kernel(ctx, "bradley_terry_batch");
    // SAFETY: as above.
    status_of(unsafe {
        crate::serve::bradley_terry_batch(batch, theta, iterations, converged, report, |b, o| {
            podium_compute::bradley_terry_batch(b, None, o)
                .map(|r| (r, podium_compute::Device::Cpu))
        })
    })
}

/// The outcome of one `run`.
#[derive(Debug)]
pub struct Call {
    /// The returned status.
    pub status: PodiumStatus,
    /// The score buffer (NaN where not written).
    pub scores: Vec<f64>,
    /// The validity mask.
    pub valid: Vec<u8>,
    /// Interval lows (NaN where not written).
    pub low: Vec<f64>,
    /// Interval highs (NaN where not written).
    pub high: Vec<f64>,
    /// The explicit order written (model indices, best first); empty when ordered by score.
    pub order: Vec<u32>,
    /// What the host saw.
    pub seen: Seen,
}

impl Call {
    /// The status must be OK; then the score of each model (`None` = no score).
    #[track_caller]
    pub fn scores(&self) -> Vec<Option<f64>> {
        self.assert_ok();
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

    /// Every model's score; all must be scored.
    #[track_caller]
    pub fn all_scores(&self) -> Vec<f64> {
        self.scores()
            .into_iter()
            .enumerate()
            .map(|(i, s)| s.unwrap_or_else(|| panic!("model {i} has no score")))
            .collect()
    }

    /// The interval of each model, `None` where the method wrote none.
    #[track_caller]
    pub fn intervals(&self) -> Vec<Option<(f64, f64)>> {
        self.assert_ok();
        self.low
            .iter()
            .zip(&self.high)
            .map(|(&l, &h)| (!l.is_nan() && !h.is_nan()).then_some((l, h)))
            .collect()
    }

    /// Panics with the method's message unless the status is OK.
    #[track_caller]
    pub fn assert_ok(&self) {
        assert_eq!(self.status, PodiumStatus::Ok, "{:?}", self.seen.error);
    }

    /// The status and message of a failed call.
    pub fn error(&self) -> (PodiumStatus, String) {
        (self.status, self.seen.error.clone().unwrap_or_default())
    }

    /// The JSON extra `name`, if emitted (the last one, if emitted several times).
    pub fn extra(&self, name: &str) -> Option<serde_json::Value> {
        self.seen
            .extras
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, json)| serde_json::from_str(json).expect("extras are JSON"))
    }
}

/// One comparison with every column the ABI carries.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRow {
    /// First model.
    pub a: u32,
    /// Second model.
    pub b: u32,
    /// Sample index.
    pub sample: u32,
    /// `PODIUM_WINNER_*`.
    pub winner: u32,
    /// Weight.
    pub weight: f64,
    /// Strength (NaN = absent).
    pub strength: f64,
    /// Milliseconds since the epoch, or `PODIUM_NO_TIMESTAMP`.
    pub timestamp_ms: i64,
    /// Judge index, or `PODIUM_NO_INDEX`.
    pub judge: u32,
    /// Metadata JSON.
    pub metadata: String,
}

impl ComparisonRow {
    /// A verdict on sample 0 with weight 1 and nothing else.
    pub fn new(a: u32, b: u32, winner: u32) -> ComparisonRow {
        ComparisonRow {
            a,
            b,
            sample: 0,
            winner,
            weight: 1.0,
            strength: f64::NAN,
            timestamp_ms: PODIUM_NO_TIMESTAMP,
            judge: PODIUM_NO_INDEX,
            metadata: "{}".to_owned(),
        }
    }
}

/// A small dataset built by name or index, owning every column; a plugin call lends it to the
/// method as a `PodiumDataset`. Columns are public so a test can break them on purpose.
#[derive(Debug, Default, Clone)]
pub struct Fixture {
    /// Model names, sorted as the host sends them when built with [`Fixture::numbered`].
    pub models: Vec<String>,
    /// Model metadata JSON by model index (missing entries: `{}`).
    pub model_metadata: Vec<String>,
    /// Benchmark names.
    pub benchmarks: Vec<String>,
    /// Metric kind of each benchmark (missing entries: score).
    pub benchmark_kinds: Vec<u32>,
    /// Sample ids.
    pub samples: Vec<String>,
    /// Benchmark of each sample.
    pub sample_benchmarks: Vec<u32>,
    /// Sample metadata JSON (missing entries: `{}`).
    pub sample_metadata: Vec<String>,
    /// Measurement models.
    pub m_models: Vec<u32>,
    /// Measurement samples.
    pub m_samples: Vec<u32>,
    /// Measurement values.
    pub m_values: Vec<f64>,
    /// The comparisons.
    pub comparisons: Vec<ComparisonRow>,
    /// Judge names.
    pub judges: Vec<String>,
}

impl Fixture {
    /// Models by name, one benchmark with `samples` samples named `s0`, `s1`, ….
    pub fn new(models: &[&str], samples: usize) -> Fixture {
        Fixture {
            models: models.iter().map(|m| m.to_string()).collect(),
            benchmarks: vec!["bench".to_owned()],
            samples: (0..samples).map(|s| format!("s{s}")).collect(),
            sample_benchmarks: vec![0; samples],
            ..Fixture::default()
        }
    }

    /// `count` models named `m000`, `m001`, … (sorted by name = by index, as the host sends
    /// them).
    pub fn numbered(count: usize, samples: usize) -> Fixture {
        let width = (count.max(2) - 1).to_string().len();
        let names: Vec<String> = (0..count).map(|i| format!("m{i:0width$}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        Fixture::new(&names, samples)
    }

    /// The index of model `name`.
    #[track_caller]
    pub fn model(&self, name: &str) -> u32 {
        self.models
            .iter()
            .position(|m| m == name)
            .unwrap_or_else(|| panic!("no model {name}")) as u32
    }

    /// Sets the metadata JSON of `model`.
    pub fn meta(mut self, model: &str, json: &str) -> Fixture {
        let i = self.model(model) as usize;
        self.model_metadata
            .resize(self.models.len(), "{}".to_owned());
        self.model_metadata[i] = json.to_owned();
        self
    }

    /// Adds `samples` more samples (named on from the current count) in a new benchmark.
    pub fn benchmark(mut self, name: &str, samples: usize) -> Fixture {
        let b = self.benchmarks.len() as u32;
        self.benchmarks.push(name.to_owned());
        for _ in 0..samples {
            let s = self.samples.len();
            self.samples.push(format!("s{s}"));
            self.sample_benchmarks.push(b);
        }
        self
    }

    /// Adds the value of `model` on sample `sample` (by index).
    pub fn measure(mut self, model: &str, sample: u32, value: f64) -> Fixture {
        let model = self.model(model);
        self.push_measurement(model, sample, value);
        self
    }

    /// Adds a measurement by indices.
    pub fn push_measurement(&mut self, model: u32, sample: u32, value: f64) {
        self.m_models.push(model);
        self.m_samples.push(sample);
        self.m_values.push(value);
    }

    /// Adds a verdict between `a` and `b` (on sample 0) with `winner` and `weight`.
    pub fn compare(mut self, a: &str, b: &str, winner: u32, weight: f64) -> Fixture {
        let (a, b) = (self.model(a), self.model(b));
        self.push_comparison(a, b, winner, weight);
        self
    }

    /// Adds a verdict by indices (on sample 0).
    pub fn push_comparison(&mut self, a: u32, b: u32, winner: u32, weight: f64) {
        self.comparisons.push(ComparisonRow {
            weight,
            ..ComparisonRow::new(a, b, winner)
        });
    }

    /// Adds a comparison with every column given.
    pub fn push(&mut self, row: ComparisonRow) {
        self.comparisons.push(row);
    }

    /// Adds a judge and returns its index.
    pub fn judge(&mut self, name: &str) -> u32 {
        self.judges.push(name.to_owned());
        (self.judges.len() - 1) as u32
    }

    /// Calls `f` with the dataset view of this fixture.
    pub fn with_view<R>(&self, f: impl FnOnce(&PodiumDataset) -> R) -> R {
        fn view(texts: &[String]) -> Vec<PodiumStr> {
            texts.iter().map(|s| PodiumStr::new(s)).collect()
        }
        fn padded(texts: &[String], count: usize) -> Vec<PodiumStr> {
            (0..count)
                .map(|i| PodiumStr::new(texts.get(i).map_or("{}", String::as_str)))
                .collect()
        }
        let names = view(&self.models);
        let model_meta = padded(&self.model_metadata, self.models.len());
        let benchmarks = view(&self.benchmarks);
        let kinds: Vec<u32> = (0..self.benchmarks.len())
            .map(|i| {
                self.benchmark_kinds
                    .get(i)
                    .copied()
                    .unwrap_or(PODIUM_METRIC_SCORE)
            })
            .collect();
        let samples = view(&self.samples);
        let sample_meta = padded(&self.sample_metadata, self.samples.len());
        let rows = &self.comparisons;
        let c_a: Vec<u32> = rows.iter().map(|r| r.a).collect();
        let c_b: Vec<u32> = rows.iter().map(|r| r.b).collect();
        let c_samples: Vec<u32> = rows.iter().map(|r| r.sample).collect();
        let c_winners: Vec<u32> = rows.iter().map(|r| r.winner).collect();
        let c_strengths: Vec<f64> = rows.iter().map(|r| r.strength).collect();
        let c_weights: Vec<f64> = rows.iter().map(|r| r.weight).collect();
        let c_times: Vec<i64> = rows.iter().map(|r| r.timestamp_ms).collect();
        let c_judges: Vec<u32> = rows.iter().map(|r| r.judge).collect();
        let c_meta: Vec<PodiumStr> = rows.iter().map(|r| PodiumStr::new(&r.metadata)).collect();
        let judges = view(&self.judges);
        let dataset = PodiumDataset {
            struct_size: size_of::<PodiumDataset>() as u32,
            model_count: names.len(),
            model_names: names.as_ptr(),
            model_metadata: model_meta.as_ptr(),
            benchmark_count: benchmarks.len(),
            benchmark_names: benchmarks.as_ptr(),
            benchmark_metric_kinds: kinds.as_ptr(),
            sample_count: samples.len(),
            sample_ids: samples.as_ptr(),
            sample_benchmarks: self.sample_benchmarks.as_ptr(),
            sample_metadata: sample_meta.as_ptr(),
            measurement_count: self.m_values.len(),
            measurement_models: self.m_models.as_ptr(),
            measurement_samples: self.m_samples.as_ptr(),
            measurement_values: self.m_values.as_ptr(),
            comparison_count: rows.len(),
            comparison_models_a: c_a.as_ptr(),
            comparison_models_b: c_b.as_ptr(),
            comparison_samples: c_samples.as_ptr(),
            comparison_winners: c_winners.as_ptr(),
            comparison_strengths: c_strengths.as_ptr(),
            comparison_weights: c_weights.as_ptr(),
            comparison_timestamps_ms: c_times.as_ptr(),
            comparison_judges: c_judges.as_ptr(),
            comparison_metadata: c_meta.as_ptr(),
            judge_count: judges.len(),
            judge_names: judges.as_ptr(),
        };
        f(&dataset)
    }
}

/// The raw entry symbol of a plugin linked into the test (`my_plugin::podium_plugin_v1`).
pub type Entry = unsafe extern "C" fn(u32, u32, *mut *const PodiumPluginDescriptor) -> PodiumStatus;

/// A plugin reached through its C entry.
#[derive(Clone, Copy)]
pub struct Plugin {
    entry: Entry,
}

impl Plugin {
    /// Wraps the entry symbol.
    pub fn new(entry: Entry) -> Plugin {
        Plugin { entry }
    }

    /// The descriptor, asked for with this crate's ABI version.
    #[track_caller]
    pub fn descriptor(&self) -> &'static PodiumPluginDescriptor {
        let mut descriptor: *const PodiumPluginDescriptor = std::ptr::null();
        // SAFETY: the entry follows the ABI: it writes a static descriptor pointer.
        let status = unsafe { (self.entry)(PODIUM_ABI_MAJOR, PODIUM_ABI_MINOR, &mut descriptor) };
        assert_eq!(status, PodiumStatus::Ok);
        // SAFETY: OK means `descriptor` points to a static descriptor.
        unsafe { &*descriptor }
    }

    /// Every method of the descriptor.
    pub fn methods(&self) -> &'static [PodiumMethodInfo] {
        let d = self.descriptor();
        // SAFETY: a valid descriptor holds `method_count` method infos.
        unsafe { std::slice::from_raw_parts(d.methods, d.method_count) }
    }

    /// The method `id`.
    #[track_caller]
    pub fn method(&self, id: &str) -> &'static PodiumMethodInfo {
        self.methods()
            .iter()
            // SAFETY: the descriptor's strings are static.
            .find(|m| unsafe { str_of(m.id) } == id)
            .unwrap_or_else(|| panic!("no method {id}"))
    }

    /// The method's parameter schema, parsed.
    pub fn schema(&self, id: &str) -> serde_json::Value {
        // SAFETY: as in `method`.
        let text = unsafe { str_of(self.method(id).params_schema) };
        serde_json::from_str(text).expect("the schema is JSON")
    }

    /// Runs method `id` on `data` with `params` (JSON text) and seed 42.
    pub fn run(&self, id: &str, data: &Fixture, params: &str) -> Call {
        self.run_with(id, data, params, 42, None)
    }

    /// Runs method `id` with a seed and the host answering "cancelled" from poll
    /// `cancel_from` on.
    pub fn run_with(
        &self,
        id: &str,
        data: &Fixture,
        params: &str,
        seed: u64,
        cancel_from: Option<usize>,
    ) -> Call {
        self.run_on(id, data, params, seed, cancel_from, true)
    }

    /// Runs method `id` on a host of ABI 1.0, which offers no kernels (the plugin must fall
    /// back to its CPU twins).
    pub fn run_on_old_host(&self, id: &str, data: &Fixture, params: &str) -> Call {
        self.run_on(id, data, params, 42, None, false)
    }

    fn run_on(
        &self,
        id: &str,
        data: &Fixture,
        params: &str,
        seed: u64,
        cancel_from: Option<usize>,
        kernels: bool,
    ) -> Call {
        let method = self.method(id);
        data.with_view(|dataset| {
            let count = data.models.len();
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
                cancel_from,
                ..Seen::default()
            });
            let host = PodiumHost {
                // An ABI 1.0 host's table ends before the kernels.
                struct_size: if kernels {
                    size_of::<PodiumHost>()
                } else {
                    std::mem::offset_of!(PodiumHost, pairwise_wins)
                } as u32,
                ctx: &seen as *const Mutex<Seen> as *mut c_void,
                log: Some(log),
                progress: Some(progress),
                cancelled: Some(cancelled),
                emit_extra: Some(emit_extra),
                set_error: Some(set_error),
                pairwise_wins: kernels.then_some(pairwise_wins as _),
                stationary_power: kernels.then_some(stationary_power as _),
                bradley_terry_batch: kernels.then_some(bradley_terry_batch as _),
            };
            let run = method.run.expect("the SDK always sets run");
            // SAFETY: every view and buffer lives until the call returns.
            let status = unsafe { run(&host, dataset, PodiumStr::new(params), seed, &mut results) };
            order.truncate(results.order_len);
            Call {
                status,
                scores,
                valid,
                low,
                high,
                order,
                seen: seen.into_inner().unwrap(),
            }
        })
    }
}

/// Subtracts the mean.
pub fn centred(values: &[f64]) -> Vec<f64> {
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    values.iter().map(|v| v - mean).collect()
}

/// The largest |a − b| over two equally long vectors.
#[track_caller]
pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}
