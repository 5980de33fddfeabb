//! The SDK end to end inside one process: a plugin exported with `export_plugin!`, called
//! through the raw C entry points exactly as the host will call it.

#![allow(unsafe_code)]

use std::ffi::c_void;
use std::sync::Mutex;

use podium_plugin_api::abi::*;
use podium_plugin_api::export_plugin;
use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params, str_of};

/// Mean of each model's measurements; `scale` multiplies the result.
struct Mean;
impl Method for Mean {
    const ID: &'static str = "test-mean";
    const DESCRIPTION: &'static str = "Mean value per model.";
    const PARAMS_SCHEMA: &'static str = r#"{"type":"object","properties":{"scale":{"type":"number"}},"additionalProperties":false}"#;
    const FLAGS: u32 = PODIUM_METHOD_USES_MEASUREMENTS;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        _seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        let scale = match params.get("scale") {
            None => 1.0,
            Some(v) => v
                .as_f64()
                .ok_or_else(|| MethodError::invalid_params("scale", "must be a number"))?,
        };
        let mut sums = vec![(0.0, 0u32); data.model_count()];
        let m = data.measurements;
        for i in 0..m.values.len() {
            host.check_cancelled()?;
            let slot = &mut sums[m.models[i] as usize];
            slot.0 += m.values[i];
            slot.1 += 1;
        }
        for (model, (sum, n)) in sums.into_iter().enumerate() {
            if n > 0 {
                out.set_score(model, scale * sum / f64::from(n));
            }
        }
        host.progress(1.0);
        host.emit_extra("models_scored", &serde_json::json!(data.model_count()));
        Ok(())
    }
}

struct Panics;
impl Method for Panics {
    const ID: &'static str = "test-panics";
    const DESCRIPTION: &'static str = "Always panics.";
    const PARAMS_SCHEMA: &'static str = r#"{"type":"object"}"#;
    const FLAGS: u32 = 0;

    fn run(
        _: &Host<'_>,
        _: &Dataset<'_>,
        _: &Params,
        _: u64,
        _: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        panic!("deliberate failure")
    }
}

export_plugin!(name: "sdk-test", version: "1.2.3", methods: [Mean, Panics]);

/// What the fake host saw.
#[derive(Default)]
struct Seen {
    error: Option<String>,
    progress: Vec<f64>,
    extras: Vec<(String, String)>,
    cancel: bool,
}

unsafe extern "C" fn log(_: *mut c_void, _: u32, _: PodiumStr) {}
unsafe extern "C" fn progress(ctx: *mut c_void, fraction: f64) {
    let seen = unsafe { &*(ctx as *const Mutex<Seen>) };
    seen.lock().unwrap().progress.push(fraction);
}
unsafe extern "C" fn cancelled(ctx: *mut c_void) -> u8 {
    let seen = unsafe { &*(ctx as *const Mutex<Seen>) };
    u8::from(seen.lock().unwrap().cancel)
}
unsafe extern "C" fn emit_extra(ctx: *mut c_void, name: PodiumStr, json: PodiumStr) {
    let seen = unsafe { &*(ctx as *const Mutex<Seen>) };
    let (name, json) = unsafe { (str_of(name).to_owned(), str_of(json).to_owned()) };
    seen.lock().unwrap().extras.push((name, json));
}
unsafe extern "C" fn set_error(ctx: *mut c_void, message: PodiumStr) {
    let seen = unsafe { &*(ctx as *const Mutex<Seen>) };
    seen.lock().unwrap().error = Some(unsafe { str_of(message) }.to_owned());
}

struct Call {
    status: PodiumStatus,
    scores: Vec<f64>,
    valid: Vec<u8>,
    seen: Seen,
}

/// Runs method `index` of the exported plugin on 3 models, 2 of them measured.
fn call(index: usize, params: &str, cancel: bool) -> Call {
    let mut descriptor: *const PodiumPluginDescriptor = std::ptr::null();
    assert_eq!(
        unsafe { podium_plugin_v1(PODIUM_ABI_MAJOR, PODIUM_ABI_MINOR, &mut descriptor) },
        PodiumStatus::Ok
    );
    let descriptor = unsafe { &*descriptor };
    let method = unsafe { &*descriptor.methods.add(index) };

    let names = ["a", "b", "c"].map(PodiumStr::new);
    let meta = ["{}", "{}", "{}"].map(PodiumStr::new);
    let samples = ["s1", "s2"].map(PodiumStr::new);
    let models = [0u32, 0, 1];
    let sample_of = [0u32, 1, 0];
    let values = [1.0, 0.0, 1.0];
    let bench = [PodiumStr::new("b")];
    let kinds = [PODIUM_METRIC_BINARY];
    let sample_bench = [0u32, 0];
    let dataset = PodiumDataset {
        struct_size: size_of::<PodiumDataset>() as u32,
        model_count: 3,
        model_names: names.as_ptr(),
        model_metadata: meta.as_ptr(),
        benchmark_count: 1,
        benchmark_names: bench.as_ptr(),
        benchmark_metric_kinds: kinds.as_ptr(),
        sample_count: 2,
        sample_ids: samples.as_ptr(),
        sample_benchmarks: sample_bench.as_ptr(),
        sample_metadata: std::ptr::null(),
        measurement_count: 3,
        measurement_models: models.as_ptr(),
        measurement_samples: sample_of.as_ptr(),
        measurement_values: values.as_ptr(),
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
    let mut scores = vec![f64::NAN; 3];
    let mut valid = vec![0u8; 3];
    let mut low = vec![f64::NAN; 3];
    let mut high = vec![f64::NAN; 3];
    let mut order = vec![0u32; 3];
    let mut results = PodiumResults {
        struct_size: size_of::<PodiumResults>() as u32,
        model_count: 3,
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
        pairwise_wins: None,
        stationary_power: None,
        bradley_terry_batch: None,
    };
    let run = method.run.expect("the SDK always sets run");
    let status = unsafe { run(&host, &dataset, PodiumStr::new(params), 7, &mut results) };
    Call {
        status,
        scores,
        valid,
        seen: seen.into_inner().unwrap(),
    }
}

#[test]
fn descriptor_lists_the_methods() {
    let mut descriptor: *const PodiumPluginDescriptor = std::ptr::null();
    assert_eq!(
        unsafe { podium_plugin_v1(1, 0, &mut descriptor) },
        PodiumStatus::Ok
    );
    let d = unsafe { &*descriptor };
    assert_eq!(
        (d.abi_major, d.abi_minor),
        (PODIUM_ABI_MAJOR, PODIUM_ABI_MINOR)
    );
    assert_eq!(d.struct_size as usize, size_of::<PodiumPluginDescriptor>());
    assert_eq!(unsafe { str_of(d.name) }, "sdk-test");
    assert_eq!(unsafe { str_of(d.version) }, "1.2.3");
    assert_eq!(d.method_count, 2);
    let methods = unsafe { std::slice::from_raw_parts(d.methods, d.method_count) };
    assert_eq!(unsafe { str_of(methods[0].id) }, "test-mean");
    assert_eq!(methods[0].flags, PODIUM_METHOD_USES_MEASUREMENTS);
    assert!(unsafe { str_of(methods[0].params_schema) }.contains("scale"));
    assert_eq!(unsafe { str_of(methods[1].id) }, "test-panics");
    // Another major is refused; so is a null out-pointer.
    assert_eq!(
        unsafe { podium_plugin_v1(2, 0, &mut descriptor) },
        PodiumStatus::Unsupported
    );
    assert_eq!(
        unsafe { podium_plugin_v1(1, 0, std::ptr::null_mut()) },
        PodiumStatus::Unsupported
    );
}

#[test]
fn a_method_writes_scores_into_host_buffers() {
    let call = call(0, r#"{"scale": 2}"#, false);
    assert_eq!(call.status, PodiumStatus::Ok, "{:?}", call.seen.error);
    assert_eq!(call.scores[..2], [1.0, 2.0]);
    assert!(call.scores[2].is_nan());
    assert_eq!(call.valid, vec![1, 1, 0], "model c has no data: no score");
    assert_eq!(call.seen.progress, vec![1.0]);
    assert_eq!(
        call.seen.extras,
        vec![("models_scored".to_owned(), "3".to_owned())]
    );
}

#[test]
fn errors_travel_as_status_and_message() {
    let bad = call(0, r#"{"scale": "big"}"#, false);
    assert_eq!(bad.status, PodiumStatus::InvalidParams);
    assert_eq!(bad.seen.error.as_deref(), Some("scale: must be a number"));
    let not_json = call(0, "{", false);
    assert_eq!(not_json.status, PodiumStatus::InvalidParams);
    let cancelled = call(0, "{}", true);
    assert_eq!(cancelled.status, PodiumStatus::Cancelled);
}

#[test]
fn a_panic_stops_at_the_boundary() {
    let call = call(1, "{}", false);
    assert_eq!(call.status, PodiumStatus::Panic);
    let message = call.seen.error.unwrap();
    assert!(message.contains("test-panics"), "{message}");
    assert!(message.contains("deliberate failure"), "{message}");
}
