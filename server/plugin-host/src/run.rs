//! Running one method call: parameters validated against the method's schema, the call made on
//! its own thread, a deadline enforced, and the answer copied out of host-owned buffers.
//!
//! A thread cannot be killed. When a call overruns its deadline the host raises the
//! cancellation flag (cooperative methods poll it and return), waits a short grace period, and
//! then abandons the thread: everything the call can touch (the plugin library, the dataset,
//! the result buffers, the callback context) is owned by that thread through `Arc`s, so nothing
//! it uses is freed under it. A plugin whose calls had to be abandoned repeatedly is
//! quarantined: further calls are refused without running.

#![allow(unsafe_code)]

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use podium_compute::{ComputeError, Device, PowerOptions};
use podium_gpu::Compute;
use podium_plugin_api::abi::{
    PODIUM_LOG_DEBUG, PODIUM_LOG_ERROR, PODIUM_LOG_INFO, PODIUM_LOG_WARN, PodiumBtBatch,
    PodiumHost, PodiumKernelReport, PodiumRankedSamples, PodiumResults, PodiumStatus, PodiumStr,
};
use podium_plugin_api::sdk::str_of;
use podium_plugin_api::serve;

use crate::dataset::Dataset;
use crate::load::Plugin;

/// Abandoned calls after which a plugin is quarantined.
pub const QUARANTINE_AFTER: u32 = 3;
/// How long a call may take to honour cancellation after its deadline.
pub const GRACE: Duration = Duration::from_millis(500);

/// How a call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    /// No loaded method has this id.
    #[error("no method {0:?} is loaded")]
    UnknownMethod(String),
    /// The parameters do not match the method's schema, or the method refused them.
    #[error("invalid params: {0}")]
    InvalidParams(String),
    /// The method cannot rank this data.
    #[error("{0}")]
    InvalidData(String),
    /// The method does not support the request.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The call was cancelled (by the caller) and the method stopped.
    #[error("cancelled")]
    Cancelled,
    /// The method overran its deadline.
    #[error("the method did not finish within {0:?}")]
    DeadlineExceeded(Duration),
    /// The method panicked (caught inside the plugin).
    #[error("the method panicked: {0}")]
    Panicked(String),
    /// The method failed otherwise (or returned an unknown status).
    #[error("the method failed: {0}")]
    Failed(String),
    /// The plugin overran its deadline too often and is no longer called.
    #[error("plugin {0:?} is quarantined after {QUARANTINE_AFTER} abandoned calls")]
    Quarantined(String),
}

/// What a call returns.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutput {
    /// Score per model (NaN where `valid` is false).
    pub scores: Vec<f64>,
    /// Whether each model has a score.
    pub valid: Vec<bool>,
    /// The method's own interval per model, if it gave one.
    pub intervals: Vec<Option<(f64, f64)>>,
    /// An explicit order, best first, if the method gave one.
    pub order: Option<Vec<u32>>,
    /// Named JSON diagnostics the method emitted.
    pub extras: Vec<(String, serde_json::Value)>,
    /// The host kernels the method called and where each ran (`cpu` or `gpu`), in order.
    pub kernels: Vec<(String, &'static str)>,
}

/// Progress of a call, shared with whoever watches it (a job, a log line).
#[derive(Debug, Default)]
pub struct Progress(AtomicU64);

impl Progress {
    /// The last reported fraction in [0, 1].
    pub fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }

    /// Records a fraction in [0, 1].
    pub fn set(&self, fraction: f64) {
        self.0.store(fraction.to_bits(), Ordering::Relaxed);
    }
}

/// How to run one call.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Seed handed to the method.
    pub seed: u64,
    /// Time allowed before the call is cancelled and, after [`GRACE`], abandoned.
    pub deadline: Duration,
    /// Set by the caller to ask the method to stop.
    pub cancel: Arc<AtomicBool>,
    /// Where the method's progress reports go.
    pub progress: Arc<Progress>,
    /// The kernels offered to the method (ABI 1.1 callbacks).
    pub compute: Arc<Compute>,
}

impl RunOptions {
    /// Options with a deadline, fresh cancellation and progress, and the process's kernels
    /// ([`crate::compute`]).
    pub fn new(seed: u64, deadline: Duration) -> Self {
        RunOptions {
            seed,
            deadline,
            cancel: Arc::new(AtomicBool::new(false)),
            progress: Arc::new(Progress::default()),
            compute: crate::compute(),
        }
    }
}

/// Validates `params` against a schema; the message names the offending field.
pub fn validate_params(
    schema: &serde_json::Value,
    params: &serde_json::Value,
) -> Result<(), RunError> {
    if !params.is_object() {
        return Err(RunError::InvalidParams(
            "params must be a JSON object".into(),
        ));
    }
    let validator = jsonschema::validator_for(schema)
        .map_err(|e| RunError::Failed(format!("the method's schema does not compile: {e}")))?;
    let problems: Vec<String> = validator
        .iter_errors(params)
        .map(|e| {
            let path = e.instance_path.to_string();
            if path.is_empty() {
                e.to_string()
            } else {
                format!("{}: {e}", path.trim_start_matches('/').replace('/', "."))
            }
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(RunError::InvalidParams(problems.join("; ")))
    }
}

/// What the host callbacks write to, owned by the calling thread.
struct CallContext {
    plugin: String,
    cancel: Arc<AtomicBool>,
    deadline: Instant,
    progress: Arc<Progress>,
    error: Mutex<Option<String>>,
    extras: Mutex<Vec<(String, serde_json::Value)>>,
    compute: Arc<Compute>,
    kernels: Mutex<Vec<(String, &'static str)>>,
}

fn context<'a>(ctx: *mut c_void) -> Option<&'a CallContext> {
    // SAFETY: the host passes a pointer to the CallContext that the calling thread owns for the
    // whole call; plugins must hand it back unchanged.
    unsafe { (ctx as *const CallContext).as_ref() }
}

unsafe extern "C" fn host_log(ctx: *mut c_void, level: u32, message: PodiumStr) {
    let Some(ctx) = context(ctx) else { return };
    // SAFETY: the plugin passes a string valid for this call.
    let message = unsafe { str_of(message) };
    let plugin = ctx.plugin.as_str();
    match level {
        PODIUM_LOG_ERROR => tracing::error!(plugin, "{message}"),
        PODIUM_LOG_WARN => tracing::warn!(plugin, "{message}"),
        PODIUM_LOG_INFO => tracing::info!(plugin, "{message}"),
        PODIUM_LOG_DEBUG => tracing::debug!(plugin, "{message}"),
        _ => tracing::trace!(plugin, "{message}"),
    }
}

unsafe extern "C" fn host_progress(ctx: *mut c_void, fraction: f64) {
    if let Some(ctx) = context(ctx)
        && fraction.is_finite()
    {
        ctx.progress.set(fraction.clamp(0.0, 1.0));
    }
}

unsafe extern "C" fn host_cancelled(ctx: *mut c_void) -> u8 {
    context(ctx).map_or(1, |ctx| {
        u8::from(ctx.cancel.load(Ordering::Relaxed) || Instant::now() >= ctx.deadline)
    })
}

unsafe extern "C" fn host_emit_extra(ctx: *mut c_void, name: PodiumStr, json: PodiumStr) {
    let Some(ctx) = context(ctx) else { return };
    // SAFETY: strings valid for this call.
    let (name, json) = unsafe { (str_of(name), str_of(json)) };
    let value =
        serde_json::from_str(json).unwrap_or_else(|_| serde_json::Value::String(json.into()));
    if let Ok(mut extras) = ctx.extras.lock() {
        extras.push((name.to_owned(), value));
    }
}

unsafe extern "C" fn host_set_error(ctx: *mut c_void, message: PodiumStr) {
    let Some(ctx) = context(ctx) else { return };
    // SAFETY: string valid for this call.
    let message = unsafe { str_of(message) }.to_owned();
    if let Ok(mut error) = ctx.error.lock() {
        *error = Some(message);
    }
}

/// Runs one kernel callback for the plugin: the shared argument handling of
/// `podium_plugin_api::serve`, a record of where it ran, a log line when it is refused, and no
/// panic (a host bug) unwinding into the plugin.
fn serve_kernel(
    ctx: *mut c_void,
    kernel: &str,
    body: impl FnOnce(&Compute) -> Result<Device, ComputeError>,
) -> PodiumStatus {
    let Some(ctx) = context(ctx) else {
        return PodiumStatus::Internal;
    };
    let served = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(&ctx.compute)));
    match served {
        Ok(Ok(device)) => {
            let name = match device {
                Device::Gpu => "gpu",
                Device::Cpu => "cpu",
            };
            if let Ok(mut kernels) = ctx.kernels.lock() {
                kernels.push((kernel.to_owned(), name));
            }
            PodiumStatus::Ok
        }
        Ok(Err(e)) => {
            tracing::warn!(plugin = ctx.plugin, kernel, error = %e, "kernel call refused");
            PodiumStatus::InvalidData
        }
        Err(_) => {
            tracing::error!(plugin = ctx.plugin, kernel, "a host kernel panicked");
            PodiumStatus::Internal
        }
    }
}

unsafe extern "C" fn host_pairwise_wins(
    ctx: *mut c_void,
    samples: *const PodiumRankedSamples,
    model_count: usize,
    wins: *mut u32,
    ties: *mut u32,
    report: *mut PodiumKernelReport,
) -> PodiumStatus {
    serve_kernel(ctx, "pairwise_wins", |compute| {
        // SAFETY: the plugin's arguments follow the contract (null ones are refused).
        unsafe {
            serve::pairwise_wins(samples, model_count, wins, ties, report, |s, n| {
                compute.pairwise_wins(s, n)
            })
        }
    })
}

unsafe extern "C" fn host_stationary_power(
    ctx: *mut c_void,
    n: usize,
    matrix: *const f64,
    tolerance: f64,
    max_iterations: u64,
    pi: *mut f64,
    report: *mut PodiumKernelReport,
) -> PodiumStatus {
    let options = PowerOptions {
        tolerance,
        max_iterations,
    };
    serve_kernel(ctx, "stationary_power", |compute| {
        // SAFETY: as above.
        unsafe {
            serve::stationary_power(n, matrix, options, pi, report, |m, n, o| {
                compute.stationary_power(m, n, o)
            })
        }
    })
}

unsafe extern "C" fn host_bradley_terry_batch(
    ctx: *mut c_void,
    batch: *const PodiumBtBatch,
    theta: *mut f64,
    iterations: *mut u64,
    converged: *mut u8,
    report: *mut PodiumKernelReport,
) -> PodiumStatus {
    serve_kernel(ctx, "bradley_terry_batch", |compute| {
        // SAFETY: as above.
        unsafe {
            serve::bradley_terry_batch(batch, theta, iterations, converged, report, |b, o| {
                compute.bradley_terry_batch(b, o)
            })
        }
    })
}

/// Runs method `method_index` of `plugin` on `dataset`. Blocks the calling thread until the
/// call returns, fails, or is abandoned after its deadline.
pub fn run_method(
    plugin: &Arc<Plugin>,
    method_index: usize,
    dataset: &Arc<Dataset>,
    params: &serde_json::Value,
    options: &RunOptions,
) -> Result<RunOutput, RunError> {
    if plugin.timeouts() >= QUARANTINE_AFTER {
        return Err(RunError::Quarantined(plugin.name.clone()));
    }
    let method = plugin
        .methods
        .get(method_index)
        .ok_or_else(|| RunError::UnknownMethod(format!("#{method_index} of {}", plugin.name)))?;
    validate_params(&method.params_schema, params)?;
    let run = method
        .run
        .ok_or_else(|| RunError::Failed("the method has no entry point".into()))?;
    let params_text = params.to_string();
    let started = Instant::now();
    let context = Arc::new(CallContext {
        plugin: plugin.name.clone(),
        cancel: options.cancel.clone(),
        deadline: started + options.deadline,
        progress: options.progress.clone(),
        error: Mutex::new(None),
        extras: Mutex::new(Vec::new()),
        compute: Arc::clone(&options.compute),
        kernels: Mutex::new(Vec::new()),
    });

    let (sender, receiver) = mpsc::channel();
    let thread_plugin = Arc::clone(plugin);
    let thread_dataset = Arc::clone(dataset);
    let thread_context = Arc::clone(&context);
    let seed = options.seed;
    let spawned = std::thread::Builder::new()
        .name(format!("plugin-{}", plugin.name))
        .spawn(move || {
            // Everything the call touches lives in this closure: an abandoned thread keeps it.
            let _library = &thread_plugin;
            let n = thread_dataset.model_count();
            let mut scores = vec![f64::NAN; n];
            let mut valid = vec![0u8; n];
            let mut low = vec![f64::NAN; n];
            let mut high = vec![f64::NAN; n];
            let mut order = vec![0u32; n];
            let mut results = PodiumResults {
                struct_size: size_of::<PodiumResults>() as u32,
                model_count: n,
                scores: scores.as_mut_ptr(),
                valid: valid.as_mut_ptr(),
                interval_low: low.as_mut_ptr(),
                interval_high: high.as_mut_ptr(),
                order: order.as_mut_ptr(),
                order_len: 0,
            };
            let host = PodiumHost {
                struct_size: size_of::<PodiumHost>() as u32,
                ctx: Arc::as_ptr(&thread_context) as *mut c_void,
                log: Some(host_log),
                progress: Some(host_progress),
                cancelled: Some(host_cancelled),
                emit_extra: Some(host_emit_extra),
                set_error: Some(host_set_error),
                pairwise_wins: Some(host_pairwise_wins),
                stationary_power: Some(host_stationary_power),
                bradley_terry_batch: Some(host_bradley_terry_batch),
            };
            let view = thread_dataset.view();
            // SAFETY: every pointer handed over is valid for the call (owned by this thread),
            // and the library stays loaded (`thread_plugin`).
            let status = unsafe {
                run(
                    &host,
                    &view,
                    PodiumStr::new(&params_text),
                    seed,
                    &mut results,
                )
            };
            let order_len = results.order_len.min(n);
            let answer = (status as u32, scores, valid, low, high, order, order_len);
            let _ = sender.send(answer);
        })
        .map_err(|e| RunError::Failed(format!("cannot start a thread: {e}")))?;

    let mut deadline_hit = false;
    let answer = match receiver.recv_timeout(options.deadline) {
        Ok(answer) => answer,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            deadline_hit = true;
            options.cancel.store(true, Ordering::Relaxed);
            match receiver.recv_timeout(GRACE) {
                Ok(answer) => answer,
                Err(_) => {
                    let abandoned = plugin.timeouts.fetch_add(1, Ordering::Relaxed) + 1;
                    tracing::error!(
                        plugin = plugin.name,
                        method = method.id,
                        abandoned,
                        "the method overran its deadline and ignored cancellation; its thread \
                         is abandoned"
                    );
                    drop(spawned);
                    return Err(RunError::DeadlineExceeded(options.deadline));
                }
            }
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let _ = spawned.join();
            return Err(RunError::Failed(
                "the call's thread ended without an answer".into(),
            ));
        }
    };
    let _ = spawned.join();
    let (status, scores, valid, low, high, order, order_len) = answer;
    let message = context
        .error
        .lock()
        .ok()
        .and_then(|e| e.clone())
        .unwrap_or_default();
    let timed_out = deadline_hit || started.elapsed() >= options.deadline;
    match status {
        s if s == PodiumStatus::Ok as u32 => {}
        s if s == PodiumStatus::InvalidParams as u32 => {
            return Err(RunError::InvalidParams(message));
        }
        s if s == PodiumStatus::InvalidData as u32 => return Err(RunError::InvalidData(message)),
        s if s == PodiumStatus::Unsupported as u32 => return Err(RunError::Unsupported(message)),
        s if s == PodiumStatus::Cancelled as u32 => {
            return Err(if timed_out {
                RunError::DeadlineExceeded(options.deadline)
            } else {
                RunError::Cancelled
            });
        }
        s if s == PodiumStatus::Panic as u32 => return Err(RunError::Panicked(message)),
        s => {
            return Err(RunError::Failed(if message.is_empty() {
                format!("status {s}")
            } else {
                message
            }));
        }
    }
    let valid: Vec<bool> = valid
        .iter()
        .zip(&scores)
        .map(|(&v, s)| v != 0 && s.is_finite())
        .collect();
    let intervals = low
        .iter()
        .zip(&high)
        .map(|(&l, &h)| (l.is_finite() && h.is_finite()).then_some((l, h)))
        .collect();
    let order = (order_len > 0).then(|| order[..order_len].to_vec());
    if let Some(order) = &order
        && order.iter().any(|&m| m as usize >= scores.len())
    {
        return Err(RunError::Failed(
            "the order names a model that does not exist".into(),
        ));
    }
    let extras = context
        .extras
        .lock()
        .map(|mut e| std::mem::take(&mut *e))
        .unwrap_or_default();
    Ok(RunOutput {
        scores: scores
            .iter()
            .zip(&valid)
            .map(|(&s, &v)| if v { s } else { f64::NAN })
            .collect(),
        valid,
        intervals,
        order,
        extras,
        kernels: context
            .kernels
            .lock()
            .map(|mut k| std::mem::take(&mut *k))
            .unwrap_or_default(),
    })
}
