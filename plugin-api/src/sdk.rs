//! The Rust SDK: write a method as a safe trait implementation, export it with one macro.
//!
//! ```ignore
//! use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params};
//!
//! struct Mean;
//! impl Method for Mean {
//!     const ID: &'static str = "mean";
//!     const DESCRIPTION: &'static str = "Mean score over the selected samples.";
//!     const PARAMS_SCHEMA: &'static str = r#"{"type":"object","additionalProperties":false}"#;
//!     const FLAGS: u32 = podium_plugin_api::abi::PODIUM_METHOD_USES_MEASUREMENTS;
//!     fn run(host: &Host<'_>, data: &Dataset<'_>, params: &Params, seed: u64, out: &mut Output<'_>)
//!         -> Result<(), MethodError> { /* … */ Ok(()) }
//! }
//! podium_plugin_api::export_plugin!(name: "example", version: "0.1.0", methods: [Mean]);
//! ```
//!
//! Why it is shaped so:
//! - **Panics stop at the boundary.** Every exported function runs its body in `catch_unwind`
//!   (a panic escaping `extern "C"` aborts the whole server). A caught panic becomes
//!   [`PodiumStatus::Panic`] with the panic message as the error text. Never build plugins with
//!   `panic = "abort"`: it disables the catch.
//! - **Methods are stateless.** A method is a type with associated constants and one function;
//!   the host may run it on several threads at once (bootstrap replicates).
//! - **Safe views.** [`Dataset`], [`Host`] and [`Output`] check the struct sizes the host sent
//!   and turn raw columns into slices once, so method code has no `unsafe`.

#![allow(unsafe_code)]

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::abi::*;
pub use podium_compute::{
    BtBatch, BtOptions, BtResult, Device, PairCounts, PowerOptions, PowerResult, RankedSamples,
    RankedSamplesBuf,
};

/// The parameters a method receives: the JSON object the host validated against the method's
/// schema.
pub type Params = serde_json::Map<String, serde_json::Value>;

/// A method failure: a status and a message for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodError {
    /// The status returned across the boundary.
    pub status: PodiumStatus,
    /// What went wrong.
    pub message: String,
}

impl MethodError {
    /// The parameter `field` is unusable.
    pub fn invalid_params(field: &str, reason: impl std::fmt::Display) -> Self {
        MethodError {
            status: PodiumStatus::InvalidParams,
            message: format!("{field}: {reason}"),
        }
    }

    /// The data cannot be ranked by this method.
    pub fn invalid_data(reason: impl Into<String>) -> Self {
        MethodError {
            status: PodiumStatus::InvalidData,
            message: reason.into(),
        }
    }

    /// The host asked to stop.
    pub fn cancelled() -> Self {
        MethodError {
            status: PodiumStatus::Cancelled,
            message: "cancelled".into(),
        }
    }

    /// Anything else.
    pub fn internal(reason: impl Into<String>) -> Self {
        MethodError {
            status: PodiumStatus::Internal,
            message: reason.into(),
        }
    }
}

/// A ranking method.
pub trait Method {
    /// Identifier, unique among all methods the server loads (lowercase, `-` or `_`).
    const ID: &'static str;
    /// One paragraph for people choosing a method.
    const DESCRIPTION: &'static str;
    /// JSON Schema of the parameters object (the host validates before calling).
    const PARAMS_SCHEMA: &'static str;
    /// `PODIUM_METHOD_*` flags.
    const FLAGS: u32;

    /// Ranks `data`, writing one score per model (or an order) into `out`.
    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError>;
}

/// Borrows `len` items at `ptr`; a null or dangling pointer with `len == 0` is an empty slice.
///
/// # Safety
/// When `len > 0`, `ptr` must point to `len` initialised items that outlive `'a`.
unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if len == 0 || ptr.is_null() {
        &[]
    } else {
        // SAFETY: guaranteed by the caller (the ABI contract for host-owned columns).
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

/// Reads a borrowed string; invalid UTF-8 (a broken host) reads as empty.
///
/// # Safety
/// `s.ptr` must point to `s.len` bytes that outlive `'a`.
pub unsafe fn str_of<'a>(s: PodiumStr) -> &'a str {
    // SAFETY: forwarded to the caller.
    let bytes = unsafe { slice(s.ptr, s.len) };
    std::str::from_utf8(bytes).unwrap_or("")
}

/// The host's services during one call.
pub struct Host<'a> {
    raw: Option<&'a PodiumHost>,
}

impl Host<'_> {
    /// A host that offers nothing (for unit tests of method code).
    pub fn detached() -> Host<'static> {
        Host { raw: None }
    }

    /// Writes a line to the server log.
    pub fn log(&self, level: u32, message: &str) {
        if let Some(host) = self.raw
            && let Some(log) = host.log
        {
            // SAFETY: a host callback with the host's own context, during the call.
            unsafe { log(host.ctx, level, PodiumStr::new(message)) };
        }
    }

    /// Reports progress in [0, 1].
    pub fn progress(&self, fraction: f64) {
        if let Some(host) = self.raw
            && let Some(progress) = host.progress
        {
            // SAFETY: as above.
            unsafe { progress(host.ctx, fraction.clamp(0.0, 1.0)) };
        }
    }

    /// Whether the host asked the method to stop.
    pub fn cancelled(&self) -> bool {
        match self.raw {
            // SAFETY: as above.
            Some(host) => host.cancelled.is_some_and(|f| unsafe { f(host.ctx) } != 0),
            None => false,
        }
    }

    /// `Err(cancelled)` when the host asked to stop: `host.check_cancelled()?` in loops.
    pub fn check_cancelled(&self) -> Result<(), MethodError> {
        if self.cancelled() {
            Err(MethodError::cancelled())
        } else {
            Ok(())
        }
    }

    /// Attaches a named JSON value to the result's diagnostics.
    pub fn emit_extra(&self, name: &str, value: &serde_json::Value) {
        if let Some(host) = self.raw
            && let Some(emit) = host.emit_extra
        {
            let json = value.to_string();
            // SAFETY: as above.
            unsafe { emit(host.ctx, PodiumStr::new(name), PodiumStr::new(&json)) };
        }
    }

    fn set_error(&self, message: &str) {
        if let Some(host) = self.raw
            && let Some(set_error) = host.set_error
        {
            // SAFETY: as above.
            unsafe { set_error(host.ctx, PodiumStr::new(message)) };
        }
    }

    /// The host's table when it is large enough to hold a field ending at `end` (a field
    /// added in a later minor than the host's is absent).
    fn offers(&self, end: usize) -> Option<&PodiumHost> {
        self.raw.filter(|h| h.struct_size as usize >= end)
    }

    /// Kernel `pairwise_wins` (contract: [`podium_compute::kernels::pairwise_wins`]): on the
    /// host's compute backend (possibly a GPU) when it offers the kernel (ABI ≥ 1.1), on this
    /// plugin's CPU twin otherwise. Exact either way. Returns the counts and where they were
    /// computed.
    pub fn pairwise_wins(
        &self,
        samples: &RankedSamples<'_>,
        n: usize,
    ) -> Result<(PairCounts, Device), MethodError> {
        samples
            .validate(n)
            .map_err(|e| MethodError::internal(format!("pairwise_wins: {e}")))?;
        let end = std::mem::offset_of!(PodiumHost, pairwise_wins) + size_of::<usize>();
        if let Some(host) = self.offers(end)
            && let Some(kernel) = host.pairwise_wins
        {
            let raw = PodiumRankedSamples {
                struct_size: size_of::<PodiumRankedSamples>() as u32,
                sample_count: samples.sample_count(),
                offsets: samples.offsets.as_ptr(),
                entry_count: samples.models.len(),
                models: samples.models.as_ptr(),
                ranks: samples.ranks.as_ptr(),
                weights: samples.weights.map_or(std::ptr::null(), <[u32]>::as_ptr),
            };
            let mut wins = vec![0u32; n * n];
            let mut ties = vec![0u32; n * n];
            let mut report = PodiumKernelReport::default();
            // SAFETY: a host callback with the host's context; every pointer is valid for
            // the call and the output buffers hold n² entries.
            let status = unsafe {
                kernel(
                    host.ctx,
                    &raw,
                    n,
                    wins.as_mut_ptr(),
                    ties.as_mut_ptr(),
                    &mut report,
                )
            };
            if status != PodiumStatus::Ok {
                return Err(kernel_failed("pairwise_wins", status));
            }
            return Ok((PairCounts { n, wins, ties }, device_of(&report)));
        }
        podium_compute::pairwise_wins(samples, n)
            .map(|c| (c, Device::Cpu))
            .map_err(|e| MethodError::internal(format!("pairwise_wins: {e}")))
    }

    /// Kernel `stationary_power` (contract: [`podium_compute::kernels::stationary`]): on the
    /// host's backend when offered (ABI ≥ 1.1; f32 on a GPU with an f64 finish), on this
    /// plugin's CPU twin otherwise. A matrix that breaks the contract is `INVALID_DATA`.
    pub fn stationary_power(
        &self,
        matrix: &[f64],
        n: usize,
        options: &PowerOptions,
    ) -> Result<(PowerResult, Device), MethodError> {
        podium_compute::kernels::stationary::validate(matrix, n)
            .map_err(|e| MethodError::invalid_data(format!("stationary_power: {e}")))?;
        let end = std::mem::offset_of!(PodiumHost, stationary_power) + size_of::<usize>();
        if let Some(host) = self.offers(end)
            && let Some(kernel) = host.stationary_power
        {
            let mut pi = vec![0.0; n];
            let mut report = PodiumKernelReport::default();
            // SAFETY: as above; `pi` holds n entries, `matrix` n².
            let status = unsafe {
                kernel(
                    host.ctx,
                    n,
                    matrix.as_ptr(),
                    options.tolerance,
                    options.max_iterations,
                    pi.as_mut_ptr(),
                    &mut report,
                )
            };
            if status != PodiumStatus::Ok {
                return Err(kernel_failed("stationary_power", status));
            }
            let result = PowerResult {
                pi,
                iterations: report.iterations,
                change: report.change,
                converged: report.converged != 0,
            };
            return Ok((result, device_of(&report)));
        }
        podium_compute::stationary_power(matrix, n, None, options)
            .map(|r| (r, Device::Cpu))
            .map_err(|e| MethodError::invalid_data(format!("stationary_power: {e}")))
    }
}

/// The borrowed view of a [`PodiumRankedSamples`] a plugin passed to a host's
/// `pairwise_wins` (for hosts: the server's and the test host's callbacks).
///
/// # Safety
/// `raw` must follow the ABI contract: `sample_count + 1` offsets, `entry_count` models and
/// ranks, `sample_count` weights or null, all valid for `'a`.
pub unsafe fn ranked_samples_from_raw<'a>(raw: &'a PodiumRankedSamples) -> RankedSamples<'a> {
    // SAFETY: forwarded to the caller.
    unsafe {
        RankedSamples {
            offsets: slice(raw.offsets, raw.sample_count + 1),
            models: slice(raw.models, raw.entry_count),
            ranks: slice(raw.ranks, raw.entry_count),
            weights: (!raw.weights.is_null()).then(|| slice(raw.weights, raw.sample_count)),
        }
    }
}

impl Host<'_> {
    /// Kernel `bradley_terry_batch` (contract: [`podium_compute::kernels::bradley_terry`]):
    /// on the host's backend when offered (ABI ≥ 1.1; f32 on a GPU with an f64 finish), on
    /// this plugin's CPU twin otherwise.
    pub fn bradley_terry_batch(
        &self,
        batch: &BtBatch<'_>,
        options: &BtOptions,
    ) -> Result<(BtResult, Device), MethodError> {
        batch
            .validate(options)
            .map_err(|e| MethodError::invalid_data(format!("bradley_terry_batch: {e}")))?;
        let end = std::mem::offset_of!(PodiumHost, bradley_terry_batch) + size_of::<usize>();
        if let Some(host) = self.offers(end)
            && let Some(kernel) = host.bradley_terry_batch
        {
            let raw = PodiumBtBatch {
                struct_size: size_of::<PodiumBtBatch>() as u32,
                model_count: batch.n,
                pair_count: batch.pairs.len(),
                pairs: batch.pairs.as_ptr().cast::<u32>(),
                replicate_count: batch.replicates,
                wins: batch.wins.as_ptr(),
                prior: options.prior,
                tolerance: options.tolerance,
                max_iterations: options.max_iterations,
            };
            let cells = batch.replicates * batch.n;
            let mut theta = vec![0.0; cells];
            let mut iterations = vec![0u64; batch.replicates];
            let mut converged = vec![0u8; batch.replicates];
            let mut report = PodiumKernelReport::default();
            // SAFETY: a host callback with its context; inputs valid for the call, outputs
            // sized as the contract says.
            let status = unsafe {
                kernel(
                    host.ctx,
                    &raw,
                    theta.as_mut_ptr(),
                    iterations.as_mut_ptr(),
                    converged.as_mut_ptr(),
                    &mut report,
                )
            };
            if status != PodiumStatus::Ok {
                return Err(kernel_failed("bradley_terry_batch", status));
            }
            let result = BtResult {
                theta,
                iterations,
                converged: converged.iter().map(|&c| c != 0).collect(),
            };
            return Ok((result, device_of(&report)));
        }
        podium_compute::bradley_terry_batch(batch, None, options)
            .map(|r| (r, Device::Cpu))
            .map_err(|e| MethodError::invalid_data(format!("bradley_terry_batch: {e}")))
    }
}

/// The borrowed view of a [`PodiumBtBatch`] a plugin passed to a host's
/// `bradley_terry_batch`, and its options.
///
/// # Safety
/// `raw` must follow the ABI contract: `2 × pair_count` pair indices and
/// `replicate_count × pair_count × 2` wins, valid for `'a`.
pub unsafe fn bt_batch_from_raw<'a>(raw: &'a PodiumBtBatch) -> (BtBatch<'a>, BtOptions) {
    // SAFETY: forwarded to the caller; `[u32; 2]` has the layout of two u32.
    let (pairs, wins) = unsafe {
        (
            slice(raw.pairs.cast::<[u32; 2]>(), raw.pair_count),
            slice(raw.wins, raw.replicate_count * raw.pair_count * 2),
        )
    };
    (
        BtBatch {
            n: raw.model_count,
            pairs,
            replicates: raw.replicate_count,
            wins,
        },
        BtOptions {
            prior: raw.prior,
            tolerance: raw.tolerance,
            max_iterations: raw.max_iterations,
        },
    )
}

fn device_of(report: &PodiumKernelReport) -> Device {
    if report.device == PODIUM_DEVICE_GPU {
        Device::Gpu
    } else {
        Device::Cpu
    }
}

fn kernel_failed(kernel: &str, status: PodiumStatus) -> MethodError {
    MethodError {
        status: if status == PodiumStatus::Cancelled {
            PodiumStatus::Cancelled
        } else {
            PodiumStatus::Internal
        },
        message: format!("the host's {kernel} kernel failed ({status:?}; see the server log)"),
    }
}

/// Measurement columns: one value per (model, sample), higher is better.
#[derive(Debug, Clone, Copy)]
pub struct Measurements<'a> {
    /// Model index of each measurement.
    pub models: &'a [u32],
    /// Sample index of each measurement.
    pub samples: &'a [u32],
    /// The values.
    pub values: &'a [f64],
}

/// Comparison columns.
#[derive(Debug, Clone, Copy)]
pub struct Comparisons<'a> {
    /// First model.
    pub models_a: &'a [u32],
    /// Second model.
    pub models_b: &'a [u32],
    /// Sample index.
    pub samples: &'a [u32],
    /// `PODIUM_WINNER_*`.
    pub winners: &'a [u32],
    /// Strength, NaN when absent.
    pub strengths: &'a [f64],
    /// Weight.
    pub weights: &'a [f64],
    /// Milliseconds since the Unix epoch, or `PODIUM_NO_TIMESTAMP`.
    pub timestamps_ms: &'a [i64],
    /// Judge index, or `PODIUM_NO_INDEX`.
    pub judges: &'a [u32],
}

/// The data of one call, as safe slices.
pub struct Dataset<'a> {
    model_names: &'a [PodiumStr],
    model_metadata: &'a [PodiumStr],
    benchmark_names: &'a [PodiumStr],
    /// Metric kind of each benchmark (`PODIUM_METRIC_*`).
    pub benchmark_metric_kinds: &'a [u32],
    sample_ids: &'a [PodiumStr],
    /// Benchmark index of each sample.
    pub sample_benchmarks: &'a [u32],
    sample_metadata: &'a [PodiumStr],
    /// The measurements.
    pub measurements: Measurements<'a>,
    /// The comparisons.
    pub comparisons: Comparisons<'a>,
    comparison_metadata: &'a [PodiumStr],
    judge_names: &'a [PodiumStr],
}

impl<'a> Dataset<'a> {
    /// Wraps the host's view.
    ///
    /// # Safety
    /// `raw` must follow the ABI contract: every column has its count's length and outlives
    /// `'a`.
    pub unsafe fn from_raw(raw: &'a PodiumDataset) -> Dataset<'a> {
        // SAFETY (all below): the ABI contract, forwarded to the caller.
        unsafe {
            Dataset {
                model_names: slice(raw.model_names, raw.model_count),
                model_metadata: slice(raw.model_metadata, raw.model_count),
                benchmark_names: slice(raw.benchmark_names, raw.benchmark_count),
                benchmark_metric_kinds: slice(raw.benchmark_metric_kinds, raw.benchmark_count),
                sample_ids: slice(raw.sample_ids, raw.sample_count),
                sample_benchmarks: slice(raw.sample_benchmarks, raw.sample_count),
                sample_metadata: slice(raw.sample_metadata, raw.sample_count),
                measurements: Measurements {
                    models: slice(raw.measurement_models, raw.measurement_count),
                    samples: slice(raw.measurement_samples, raw.measurement_count),
                    values: slice(raw.measurement_values, raw.measurement_count),
                },
                comparisons: Comparisons {
                    models_a: slice(raw.comparison_models_a, raw.comparison_count),
                    models_b: slice(raw.comparison_models_b, raw.comparison_count),
                    samples: slice(raw.comparison_samples, raw.comparison_count),
                    winners: slice(raw.comparison_winners, raw.comparison_count),
                    strengths: slice(raw.comparison_strengths, raw.comparison_count),
                    weights: slice(raw.comparison_weights, raw.comparison_count),
                    timestamps_ms: slice(raw.comparison_timestamps_ms, raw.comparison_count),
                    judges: slice(raw.comparison_judges, raw.comparison_count),
                },
                comparison_metadata: slice(raw.comparison_metadata, raw.comparison_count),
                judge_names: slice(raw.judge_names, raw.judge_count),
            }
        }
    }

    /// Number of models.
    pub fn model_count(&self) -> usize {
        self.model_names.len()
    }

    /// Name of model `i`.
    pub fn model_name(&self, i: usize) -> &'a str {
        // SAFETY: strings in the dataset follow the ABI contract (Dataset::from_raw).
        unsafe { str_of(self.model_names[i]) }
    }

    /// Metadata of model `i` (a JSON object).
    pub fn model_metadata(&self, i: usize) -> &'a str {
        // SAFETY: as above.
        self.model_metadata
            .get(i)
            .map_or("{}", |s| unsafe { str_of(*s) })
    }

    /// Number of benchmarks.
    pub fn benchmark_count(&self) -> usize {
        self.benchmark_names.len()
    }

    /// Name of benchmark `i`.
    pub fn benchmark_name(&self, i: usize) -> &'a str {
        // SAFETY: as above.
        unsafe { str_of(self.benchmark_names[i]) }
    }

    /// Number of samples.
    pub fn sample_count(&self) -> usize {
        self.sample_ids.len()
    }

    /// Id of sample `i`.
    pub fn sample_id(&self, i: usize) -> &'a str {
        // SAFETY: as above.
        unsafe { str_of(self.sample_ids[i]) }
    }

    /// Metadata of sample `i` (a JSON object).
    pub fn sample_metadata(&self, i: usize) -> &'a str {
        // SAFETY: as above.
        self.sample_metadata
            .get(i)
            .map_or("{}", |s| unsafe { str_of(*s) })
    }

    /// Metadata of comparison `i` (a JSON object).
    pub fn comparison_metadata(&self, i: usize) -> &'a str {
        // SAFETY: as above.
        self.comparison_metadata
            .get(i)
            .map_or("{}", |s| unsafe { str_of(*s) })
    }

    /// Number of judges.
    pub fn judge_count(&self) -> usize {
        self.judge_names.len()
    }

    /// Name of judge `i`.
    pub fn judge_name(&self, i: usize) -> &'a str {
        // SAFETY: as above.
        unsafe { str_of(self.judge_names[i]) }
    }

    /// Checks measurement row `row` — model and sample indices in range, a finite value — and
    /// returns (model, sample, value). A bad row is `INVALID_DATA` naming the row.
    pub fn check_measurement(&self, row: usize) -> Result<(usize, usize, f64), MethodError> {
        let m = &self.measurements;
        let model = m.models[row] as usize;
        if model >= self.model_count() {
            return Err(MethodError::invalid_data(format!(
                "measurement {row} refers to model {model}, but there are {} models",
                self.model_count()
            )));
        }
        let sample = m.samples[row] as usize;
        if sample >= self.sample_count() {
            return Err(MethodError::invalid_data(format!(
                "measurement {row} refers to sample {sample}, but there are {} samples",
                self.sample_count()
            )));
        }
        let value = m.values[row];
        if !value.is_finite() {
            return Err(MethodError::invalid_data(format!(
                "measurement {row} has the non-finite value {value}"
            )));
        }
        Ok((model, sample, value))
    }

    /// Checks comparison row `row` — model indices in range and different, sample index in
    /// range, a known winner code, a finite weight > 0 — and returns its two models. A plugin
    /// must not trust the data it is given (another host, a bug): a bad row is `INVALID_DATA`
    /// naming the row, never a panic or a silently wrong number.
    pub fn check_comparison(&self, row: usize) -> Result<(usize, usize), MethodError> {
        let c = &self.comparisons;
        let n = self.model_count();
        let (a, b) = (c.models_a[row] as usize, c.models_b[row] as usize);
        if a >= n || b >= n {
            return Err(MethodError::invalid_data(format!(
                "comparison {row}: model index out of range ({a}, {b}; {n} models)"
            )));
        }
        if a == b {
            return Err(MethodError::invalid_data(format!(
                "comparison {row}: a model compared with itself ({})",
                self.model_name(a)
            )));
        }
        let sample = c.samples[row] as usize;
        if sample >= self.sample_count() {
            return Err(MethodError::invalid_data(format!(
                "comparison {row}: sample index {sample} out of range ({} samples)",
                self.sample_count()
            )));
        }
        if !matches!(
            c.winners[row],
            PODIUM_WINNER_MODEL_A
                | PODIUM_WINNER_MODEL_B
                | PODIUM_WINNER_TIE
                | PODIUM_WINNER_BOTH_BAD
        ) {
            return Err(MethodError::invalid_data(format!(
                "comparison {row}: unknown winner code {}",
                c.winners[row]
            )));
        }
        let weight = c.weights[row];
        if !(weight.is_finite() && weight > 0.0) {
            return Err(MethodError::invalid_data(format!(
                "comparison {row}: weight {weight} is not a finite number > 0"
            )));
        }
        Ok((a, b))
    }
}

/// The host-owned result buffers of one call.
pub struct Output<'a> {
    scores: &'a mut [f64],
    valid: &'a mut [u8],
    interval_low: &'a mut [f64],
    interval_high: &'a mut [f64],
    order: &'a mut [u32],
    order_len: &'a mut usize,
}

/// Borrows `len` items at `ptr` mutably (empty for null).
///
/// # Safety
/// When `len > 0` and `ptr` is not null, `ptr` must point to `len` items, exclusively ours.
unsafe fn slice_mut<'a, T>(ptr: *mut T, len: usize) -> &'a mut [T] {
    if len == 0 || ptr.is_null() {
        &mut []
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts_mut(ptr, len) }
    }
}

impl<'a> Output<'a> {
    /// Wraps the host's buffers.
    ///
    /// # Safety
    /// `raw` must follow the ABI contract: each non-null buffer holds `model_count` items and is
    /// not aliased during the call.
    pub unsafe fn from_raw(raw: &'a mut PodiumResults) -> Output<'a> {
        let n = raw.model_count;
        // SAFETY: the ABI contract, forwarded to the caller.
        unsafe {
            Output {
                scores: slice_mut(raw.scores, n),
                valid: slice_mut(raw.valid, n),
                interval_low: slice_mut(raw.interval_low, n),
                interval_high: slice_mut(raw.interval_high, n),
                order: slice_mut(raw.order, n),
                order_len: &mut raw.order_len,
            }
        }
    }

    /// Number of models (the length of every buffer).
    pub fn model_count(&self) -> usize {
        self.scores.len()
    }

    /// Gives model `model` a score (higher is better) and marks it valid.
    pub fn set_score(&mut self, model: usize, score: f64) {
        self.scores[model] = score;
        if let Some(v) = self.valid.get_mut(model) {
            *v = 1;
        }
    }

    /// Marks model `model` as having no score.
    pub fn clear_score(&mut self, model: usize) {
        self.scores[model] = f64::NAN;
        if let Some(v) = self.valid.get_mut(model) {
            *v = 0;
        }
    }

    /// The score written for `model`, if any.
    pub fn score(&self, model: usize) -> Option<f64> {
        (self.valid.get(model) == Some(&1)).then(|| self.scores[model])
    }

    /// Sets the method's own interval for `model`.
    pub fn set_interval(&mut self, model: usize, low: f64, high: f64) {
        if let (Some(l), Some(h)) = (
            self.interval_low.get_mut(model),
            self.interval_high.get_mut(model),
        ) {
            *l = low;
            *h = high;
        }
    }

    /// Sets an explicit order, best first (model indices; at most one entry per model).
    pub fn set_order(&mut self, order: &[u32]) -> Result<(), MethodError> {
        if order.len() > self.order.len() {
            return Err(MethodError::internal(format!(
                "an order of {} entries for {} models",
                order.len(),
                self.order.len()
            )));
        }
        self.order[..order.len()].copy_from_slice(order);
        *self.order_len = order.len();
        Ok(())
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

/// The `run` entry of method `M`: checks the arguments, parses the parameters, runs the method
/// inside `catch_unwind` and reports errors through the host.
///
/// # Safety
/// The arguments must follow the ABI contract (valid for the call, or null).
pub unsafe extern "C" fn run_entry<M: Method>(
    host: *const PodiumHost,
    dataset: *const PodiumDataset,
    params_json: PodiumStr,
    seed: u64,
    results: *mut PodiumResults,
) -> PodiumStatus {
    // SAFETY: the host passes a valid PodiumHost (or null) for the duration of the call.
    let host = Host {
        raw: unsafe { host.as_ref() }.filter(|h| h.struct_size as usize >= size_of::<u32>()),
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the host passes valid views or null; null is refused here.
        let (Some(raw_data), Some(raw_results)) =
            (unsafe { dataset.as_ref() }, unsafe { results.as_mut() })
        else {
            return Err(MethodError::internal("null dataset or results"));
        };
        if (raw_data.struct_size as usize) < size_of::<PodiumDataset>()
            || (raw_results.struct_size as usize) < size_of::<PodiumResults>()
        {
            return Err(MethodError::internal(
                "the host's dataset or results struct is smaller than this plugin's ABI",
            ));
        }
        // SAFETY: the ABI contract for host-owned views.
        let data = unsafe { Dataset::from_raw(raw_data) };
        if raw_results.model_count != data.model_count() {
            return Err(MethodError::internal(
                "results sized for another model count",
            ));
        }
        // SAFETY: as above.
        let mut out = unsafe { Output::from_raw(raw_results) };
        // SAFETY: the params string is host-owned for the call.
        let text = unsafe { str_of(params_json) };
        let params = if text.trim().is_empty() {
            Params::new()
        } else {
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(serde_json::Value::Object(map)) => map,
                Ok(_) => {
                    return Err(MethodError::invalid_params(
                        "params",
                        "must be a JSON object",
                    ));
                }
                Err(err) => return Err(MethodError::invalid_params("params", err)),
            }
        };
        M::run(&host, &data, &params, seed, &mut out)
    }));
    match outcome {
        Ok(Ok(())) => PodiumStatus::Ok,
        Ok(Err(err)) => {
            host.set_error(&err.message);
            err.status
        }
        Err(payload) => {
            let message = format!("method {} panicked: {}", M::ID, panic_message(&*payload));
            // Reporting must not unwind either.
            let _ = catch_unwind(AssertUnwindSafe(|| host.set_error(&message)));
            PodiumStatus::Panic
        }
    }
}

/// The static description of method `M`.
pub const fn method_info<M: Method>() -> PodiumMethodInfo {
    PodiumMethodInfo {
        struct_size: size_of::<PodiumMethodInfo>() as u32,
        id: PodiumStr::new(M::ID),
        description: PodiumStr::new(M::DESCRIPTION),
        params_schema: PodiumStr::new(M::PARAMS_SCHEMA),
        flags: M::FLAGS,
        run: Some(run_entry::<M>),
    }
}

/// A plugin's methods in a static (raw pointers are not `Sync` by themselves).
pub struct StaticMethods(pub &'static [PodiumMethodInfo]);
// SAFETY: the table and every string it points to are immutable statics.
unsafe impl Sync for StaticMethods {}

/// A plugin's descriptor in a static.
pub struct StaticDescriptor(pub PodiumPluginDescriptor);
// SAFETY: as above.
unsafe impl Sync for StaticDescriptor {}

impl StaticDescriptor {
    /// The descriptor of a plugin built against this crate's ABI version.
    pub const fn new(
        name: &'static str,
        version: &'static str,
        methods: &'static StaticMethods,
    ) -> Self {
        StaticDescriptor(PodiumPluginDescriptor {
            abi_major: PODIUM_ABI_MAJOR,
            abi_minor: PODIUM_ABI_MINOR,
            struct_size: size_of::<PodiumPluginDescriptor>() as u32,
            name: PodiumStr::new(name),
            version: PodiumStr::new(version),
            method_count: methods.0.len(),
            methods: methods.0.as_ptr(),
        })
    }
}

/// The body of the exported entry symbol: hands out the static descriptor.
///
/// # Safety
/// `out` must be null or valid for one pointer write.
pub unsafe fn describe(
    host_major: u32,
    _host_minor: u32,
    out: *mut *const PodiumPluginDescriptor,
    descriptor: &'static StaticDescriptor,
) -> PodiumStatus {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        if out.is_null() {
            return PodiumStatus::Unsupported;
        }
        if host_major != PODIUM_ABI_MAJOR {
            return PodiumStatus::Unsupported;
        }
        // SAFETY: `out` is a valid pointer from the host (checked non-null above).
        unsafe { *out = &descriptor.0 };
        PodiumStatus::Ok
    }));
    outcome.unwrap_or(PodiumStatus::Panic)
}

/// Exports a plugin: the entry symbol `podium_plugin_v1` and a static descriptor listing the
/// given [`Method`] types.
///
/// ```ignore
/// podium_plugin_api::export_plugin!(name: "baseline", version: env!("CARGO_PKG_VERSION"),
///                                   methods: [Mean, MacroMean, WinRate]);
/// ```
#[macro_export]
macro_rules! export_plugin {
    (name: $name:expr, version: $version:expr, methods: [$($method:ty),* $(,)?] $(,)?) => {
        static PODIUM_METHODS: $crate::sdk::StaticMethods =
            $crate::sdk::StaticMethods(&[$($crate::sdk::method_info::<$method>()),*]);
        static PODIUM_DESCRIPTOR: $crate::sdk::StaticDescriptor =
            $crate::sdk::StaticDescriptor::new($name, $version, &PODIUM_METHODS);

        /// The plugin's entry symbol (see `podium_plugin_api::abi::PodiumEntryFn`).
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn podium_plugin_v1(
            host_abi_major: u32,
            host_abi_minor: u32,
            out: *mut *const $crate::abi::PodiumPluginDescriptor,
        ) -> $crate::abi::PodiumStatus {
            // SAFETY: forwarded from the caller (the host passes a valid out-pointer).
            unsafe { $crate::sdk::describe(host_abi_major, host_abi_minor, out, &PODIUM_DESCRIPTOR) }
        }
    };
}
