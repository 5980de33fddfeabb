//! Shared by the integration tests: a fake host, a dataset builder and the raw C entry,
//! exactly as the server calls a plugin (`podium_plugin_v1` → method table → `run`).

#![allow(unsafe_code, dead_code)]

use std::ffi::c_void;
use std::sync::Mutex;

use podium_plugin_api::abi::*;
use podium_plugin_api::sdk::str_of;
use podium_social_choice::podium_plugin_v1;

pub const WIN_A: u32 = PODIUM_WINNER_MODEL_A;
pub const WIN_B: u32 = PODIUM_WINNER_MODEL_B;
pub const TIE: u32 = PODIUM_WINNER_TIE;
pub const BOTH_BAD: u32 = PODIUM_WINNER_BOTH_BAD;

/// What the fake host saw during one call.
#[derive(Default)]
pub struct Seen {
    pub error: Option<String>,
    pub progress: Vec<f64>,
    pub extras: Vec<(String, String)>,
    pub logs: Vec<(u32, String)>,
    /// Polls of `cancelled` so far.
    pub polls: usize,
    /// Answer "cancelled" from this poll on (1 = the first poll).
    pub cancel_from: Option<usize>,
}

fn seen_of<'a>(ctx: *mut c_void) -> &'a Mutex<Seen> {
    unsafe { &*(ctx as *const Mutex<Seen>) }
}
unsafe extern "C" fn log(ctx: *mut c_void, level: u32, message: PodiumStr) {
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
    let (name, json) = unsafe { (str_of(name).to_owned(), str_of(json).to_owned()) };
    seen_of(ctx).lock().unwrap().extras.push((name, json));
}
unsafe extern "C" fn set_error(ctx: *mut c_void, message: PodiumStr) {
    seen_of(ctx).lock().unwrap().error = Some(unsafe { str_of(message) }.to_owned());
}

/// The outcome of one `run`.
pub struct Call {
    pub status: PodiumStatus,
    pub scores: Vec<f64>,
    pub valid: Vec<u8>,
    /// The explicit order written (model indices, best first).
    pub order: Vec<u32>,
    pub seen: Seen,
}

impl Call {
    /// The status must be OK; then the score of each model (`None` = no score).
    #[track_caller]
    pub fn scores(&self) -> Vec<Option<f64>> {
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

    /// Every model's score; all must be scored.
    #[track_caller]
    pub fn all_scores(&self) -> Vec<f64> {
        self.scores()
            .into_iter()
            .enumerate()
            .map(|(i, s)| s.unwrap_or_else(|| panic!("model {i} has no score")))
            .collect()
    }

    /// The status must be OK; then the order as model names, best first.
    #[track_caller]
    pub fn names(&self, fixture: &Fixture) -> Vec<String> {
        assert_eq!(self.status, PodiumStatus::Ok, "{:?}", self.seen.error);
        self.order
            .iter()
            .map(|&i| fixture.models[i as usize].clone())
            .collect()
    }

    /// The `social_choice` extra.
    #[track_caller]
    pub fn diag(&self) -> serde_json::Value {
        self.extra("social_choice")
            .expect("the social_choice extra")
    }

    /// The status and message of a failed call.
    pub fn error(&self) -> (PodiumStatus, String) {
        (self.status, self.seen.error.clone().unwrap_or_default())
    }

    /// The JSON extra `name`, if emitted.
    pub fn extra(&self, name: &str) -> Option<serde_json::Value> {
        self.seen
            .extras
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, json)| serde_json::from_str(json).expect("extras are JSON"))
    }
}

/// A small dataset built by name or index, owning every column; `run` lends it to the method
/// as a `PodiumDataset`. Columns are public so a test can break them on purpose.
#[derive(Default, Clone)]
pub struct Fixture {
    pub models: Vec<String>,
    pub benchmarks: Vec<String>,
    pub samples: Vec<String>,
    pub sample_benchmarks: Vec<u32>,
    pub m_models: Vec<u32>,
    pub m_samples: Vec<u32>,
    pub m_values: Vec<f64>,
    pub c_a: Vec<u32>,
    pub c_b: Vec<u32>,
    pub c_samples: Vec<u32>,
    pub c_winners: Vec<u32>,
    pub c_weights: Vec<f64>,
    /// Model metadata JSON by model index (missing entries: "{}").
    pub metadata: Vec<String>,
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

    pub fn model(&self, name: &str) -> u32 {
        self.models.iter().position(|m| m == name).expect("a model") as u32
    }

    /// Sets the metadata JSON of `model`.
    pub fn meta(mut self, model: &str, json: &str) -> Fixture {
        let i = self.model(model) as usize;
        if self.metadata.len() < self.models.len() {
            self.metadata.resize(self.models.len(), "{}".to_owned());
        }
        self.metadata[i] = json.to_owned();
        self
    }

    /// Adds the value of `model` on sample `sample` (by index).
    pub fn measure(mut self, model: &str, sample: u32, value: f64) -> Fixture {
        let model = self.model(model);
        self.push_measurement(model, sample, value);
        self
    }

    pub fn push_measurement(&mut self, model: u32, sample: u32, value: f64) {
        self.m_models.push(model);
        self.m_samples.push(sample);
        self.m_values.push(value);
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

    /// Adds one sample (a ballot): `ranking` lists (model, value).
    pub fn ballot(mut self, ranking: &[(&str, f64)]) -> Fixture {
        let s = self.samples.len() as u32;
        self.samples.push(format!("s{s}"));
        self.sample_benchmarks.push(0);
        for &(model, value) in ranking {
            self = self.measure(model, s, value);
        }
        self
    }

    /// Adds `count` copies of the strict ballot `order` (best first).
    pub fn ballots(mut self, count: usize, order: &[&str]) -> Fixture {
        let ranking: Vec<(&str, f64)> = order
            .iter()
            .enumerate()
            .map(|(i, m)| (*m, (order.len() - i) as f64))
            .collect();
        for _ in 0..count {
            self = self.ballot(&ranking);
        }
        self
    }

    /// Adds a verdict between `a` and `b` (on sample 0) with `winner` and `weight`.
    pub fn compare(mut self, a: &str, b: &str, winner: u32, weight: f64) -> Fixture {
        let (a, b) = (self.model(a), self.model(b));
        self.push_comparison(a, b, winner, weight);
        self
    }

    pub fn push_comparison(&mut self, a: u32, b: u32, winner: u32, weight: f64) {
        self.c_a.push(a);
        self.c_b.push(b);
        self.c_samples.push(0);
        self.c_winners.push(winner);
        self.c_weights.push(weight);
    }

    /// Calls `f` with the dataset view of this fixture.
    pub fn with_view<R>(&self, f: impl FnOnce(&PodiumDataset) -> R) -> R {
        let view = |v: &[String]| v.iter().map(|s| PodiumStr::new(s)).collect::<Vec<_>>();
        let names = view(&self.models);
        let meta: Vec<PodiumStr> = (0..self.models.len())
            .map(|i| PodiumStr::new(self.metadata.get(i).map_or("{}", String::as_str)))
            .collect();
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
        f(&dataset)
    }

    /// Runs `method` with `params` through the raw entry points.
    pub fn run(&self, method: &str, params: &str) -> Call {
        self.run_with(method, params, None)
    }

    /// As [`Fixture::run`], with the host answering "cancelled" from poll `cancel_from` on.
    pub fn run_with(&self, method_id: &str, params: &str, cancel_from: Option<usize>) -> Call {
        let method = method(method_id);
        self.with_view(|dataset| {
            let count = self.models.len();
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
                struct_size: size_of::<PodiumHost>() as u32,
                ctx: &seen as *const Mutex<Seen> as *mut c_void,
                log: Some(log),
                progress: Some(progress),
                cancelled: Some(cancelled),
                emit_extra: Some(emit_extra),
                set_error: Some(set_error),
            };
            let run = method.run.expect("the SDK always sets run");
            let status = unsafe { run(&host, dataset, PodiumStr::new(params), 42, &mut results) };
            assert!(low.iter().chain(&high).all(|x| x.is_nan()), "no intervals");
            let order_len = results.order_len;
            Call {
                status,
                scores,
                valid,
                order: order[..order_len].to_vec(),
                seen: seen.into_inner().unwrap(),
            }
        })
    }
}

pub fn descriptor() -> &'static PodiumPluginDescriptor {
    let mut descriptor: *const PodiumPluginDescriptor = std::ptr::null();
    assert_eq!(
        unsafe { podium_plugin_v1(PODIUM_ABI_MAJOR, PODIUM_ABI_MINOR, &mut descriptor) },
        PodiumStatus::Ok
    );
    unsafe { &*descriptor }
}

pub fn methods() -> &'static [PodiumMethodInfo] {
    let d = descriptor();
    unsafe { std::slice::from_raw_parts(d.methods, d.method_count) }
}

pub fn method(id: &str) -> &'static PodiumMethodInfo {
    methods()
        .iter()
        .find(|m| unsafe { str_of(m.id) } == id)
        .unwrap_or_else(|| panic!("no method {id}"))
}
