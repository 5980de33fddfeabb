//! The C ABI, version 1: every type a plugin and the host exchange.
//!
//! Rules that keep it stable (see `plugin-api/README.md`):
//! - Plain `#[repr(C)]` data only: pointers, fixed-width integers, `double`, function pointers.
//!   No Rust types (no `String`, `Vec`, `Option` of non-pointers, `bool`) cross the boundary.
//! - **Append-only.** A minor version may add fields at the end of a struct (its `struct_size`
//!   tells the reader how much is there), add status codes, flags or winner values; it never
//!   reorders, retypes or removes anything. A major version may; the host refuses other majors.
//! - **Borrowed in, host-owned out.** The dataset, strings and callbacks are owned by the host
//!   and valid for the duration of one call; results are written into buffers the host
//!   allocated. Nothing is freed on the other side of the boundary.
//! - Every function pointer is `unsafe extern "C"` on the Rust side (calling across the
//!   boundary trusts the other side's contract) and nullable (`Option`), as in C.
//! - Strings are UTF-8 `(ptr, len)` views ([`PodiumStr`]), never NUL-terminated; JSON travels as
//!   such strings.
//!
//! The layout of every struct is pinned by `tests/layout.rs`; the C header
//! `include/podium_plugin.h` is generated from this file by cbindgen, and `tests/header.rs`
//! fails when the committed header differs from a fresh generation.

use core::ffi::c_void;

/// The ABI major version: the host loads only plugins with the same major.
pub const PODIUM_ABI_MAJOR: u32 = 1;
/// The ABI minor version: the host loads plugins whose minor is at most its own.
pub const PODIUM_ABI_MINOR: u32 = 1;

/// Name of the one symbol a plugin exports (a [`PodiumEntryFn`]).
pub const PODIUM_ENTRY_SYMBOL: &str = "podium_plugin_v1";

/// Outcome of every call across the boundary. Numbers are stable; new codes may be added.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodiumStatus {
    /// Success.
    Ok = 0,
    /// The parameters are invalid (the message names the field).
    InvalidParams = 1,
    /// The data cannot be ranked by this method (e.g. no comparisons for a pairwise method).
    InvalidData = 2,
    /// The call is not supported (e.g. an unknown method index).
    Unsupported = 3,
    /// The host asked the method to stop and it did.
    Cancelled = 4,
    /// Any other failure of the method.
    Internal = 5,
    /// The method panicked; the SDK caught it at the boundary.
    Panic = 6,
}

/// A borrowed UTF-8 string: `len` bytes at `ptr` (not NUL-terminated). `ptr` may be null only
/// when `len` is 0.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PodiumStr {
    /// First byte.
    pub ptr: *const u8,
    /// Length in bytes.
    pub len: usize,
}

/// The method reads `PodiumDataset::measurement_*`.
pub const PODIUM_METHOD_USES_MEASUREMENTS: u32 = 1 << 0;
/// The method reads `PodiumDataset::comparison_*`.
pub const PODIUM_METHOD_USES_COMPARISONS: u32 = 1 << 1;
/// The method's result depends on the seed it is given.
pub const PODIUM_METHOD_SEEDED: u32 = 1 << 2;
/// The method produces an order (`PodiumResults::order`), not only scores.
pub const PODIUM_METHOD_OUTPUTS_ORDER: u32 = 1 << 3;

/// Metric kinds, as in `PodiumDataset::benchmark_metric_kinds`.
pub const PODIUM_METRIC_BINARY: u32 = 0;
/// A real-valued score.
pub const PODIUM_METRIC_SCORE: u32 = 1;
/// A position in an ordering (already flipped so that higher is better).
pub const PODIUM_METRIC_RANK: u32 = 2;

/// Comparison outcomes, as in `PodiumDataset::comparison_winners`.
pub const PODIUM_WINNER_MODEL_A: u32 = 0;
/// `model_b` was preferred.
pub const PODIUM_WINNER_MODEL_B: u32 = 1;
/// Both equally good.
pub const PODIUM_WINNER_TIE: u32 = 2;
/// Both equally bad.
pub const PODIUM_WINNER_BOTH_BAD: u32 = 3;

/// "No index" in optional index columns (e.g. a comparison without a judge).
pub const PODIUM_NO_INDEX: u32 = u32::MAX;
/// "No timestamp" in `PodiumDataset::comparison_timestamps_ms`.
pub const PODIUM_NO_TIMESTAMP: i64 = i64::MIN;

/// Log levels of [`PodiumHost::log`].
pub const PODIUM_LOG_ERROR: u32 = 1;
/// Warning.
pub const PODIUM_LOG_WARN: u32 = 2;
/// Information.
pub const PODIUM_LOG_INFO: u32 = 3;
/// Debugging detail.
pub const PODIUM_LOG_DEBUG: u32 = 4;

/// The data a method ranks: a borrowed, read-only, columnar view owned by the host and valid
/// for the duration of one `run` call.
///
/// Every array has the length of its count field. Indices refer to positions in the model,
/// sample, benchmark or judge arrays. Measurement values are already normalised (higher is
/// better) and epochs are averaged: one value per (model, sample, metric the selection chose).
/// Metadata strings are JSON objects (`{}` when empty). Optional numbers use NaN (strength) or
/// [`PODIUM_NO_TIMESTAMP`]; optional indices use [`PODIUM_NO_INDEX`].
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PodiumDataset {
    /// Size of this struct as the host knows it; fields beyond it are absent.
    pub struct_size: u32,
    /// Number of models.
    pub model_count: usize,
    /// Model names.
    pub model_names: *const PodiumStr,
    /// Model metadata (JSON objects).
    pub model_metadata: *const PodiumStr,
    /// Number of benchmarks.
    pub benchmark_count: usize,
    /// Benchmark names.
    pub benchmark_names: *const PodiumStr,
    /// Kind of the metric selected for each benchmark (`PODIUM_METRIC_*`).
    pub benchmark_metric_kinds: *const u32,
    /// Number of samples.
    pub sample_count: usize,
    /// Sample ids (unique within their benchmark).
    pub sample_ids: *const PodiumStr,
    /// Benchmark index of each sample.
    pub sample_benchmarks: *const u32,
    /// Sample metadata (JSON objects).
    pub sample_metadata: *const PodiumStr,
    /// Number of measurements.
    pub measurement_count: usize,
    /// Model index of each measurement.
    pub measurement_models: *const u32,
    /// Sample index of each measurement.
    pub measurement_samples: *const u32,
    /// Value of each measurement (higher is better, epochs averaged).
    pub measurement_values: *const f64,
    /// Number of comparisons.
    pub comparison_count: usize,
    /// First model of each comparison.
    pub comparison_models_a: *const u32,
    /// Second model of each comparison.
    pub comparison_models_b: *const u32,
    /// Sample index of each comparison.
    pub comparison_samples: *const u32,
    /// Outcome of each comparison (`PODIUM_WINNER_*`).
    pub comparison_winners: *const u32,
    /// Strength of each verdict, NaN when not given.
    pub comparison_strengths: *const f64,
    /// Weight of each verdict (> 0).
    pub comparison_weights: *const f64,
    /// Time of each verdict in milliseconds since the Unix epoch, or [`PODIUM_NO_TIMESTAMP`].
    pub comparison_timestamps_ms: *const i64,
    /// Judge index of each verdict, or [`PODIUM_NO_INDEX`].
    pub comparison_judges: *const u32,
    /// Comparison metadata (JSON objects).
    pub comparison_metadata: *const PodiumStr,
    /// Number of judges.
    pub judge_count: usize,
    /// Judge names.
    pub judge_names: *const PodiumStr,
}

/// Where a method writes its answer: buffers allocated and owned by the host, each of length
/// `model_count`, pre-filled with "no answer" (scores NaN, `valid` 0, intervals NaN,
/// `order_len` 0).
#[repr(C)]
#[derive(Debug)]
pub struct PodiumResults {
    /// Size of this struct as the host knows it.
    pub struct_size: u32,
    /// Length of every buffer below (the dataset's model count).
    pub model_count: usize,
    /// One score per model, higher is better.
    pub scores: *mut f64,
    /// 1 when the model has a score, 0 for "no score" (e.g. a model without data).
    pub valid: *mut u8,
    /// Optional lower end of a per-model interval the method computes itself (NaN = none).
    pub interval_low: *mut f64,
    /// Optional upper end of that interval (NaN = none).
    pub interval_high: *mut f64,
    /// Optional explicit order, best first, as model indices (for methods whose output is an
    /// order); the method sets `order_len` to how many entries it wrote (0 = order by score).
    pub order: *mut u32,
    /// Entries written to `order`.
    pub order_len: usize,
}

/// Services the host offers to a running method. All functions are safe to call from the
/// method's thread during `run`; `ctx` must be passed back unchanged. The host fills every
/// field; a null function (possible only from a future, smaller host) means "not offered".
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PodiumHost {
    /// Size of this struct as the host knows it; check it before using a field added later.
    pub struct_size: u32,
    /// Opaque host context.
    pub ctx: *mut c_void,
    /// Writes a line to the server log (`PODIUM_LOG_*` level).
    pub log: Option<unsafe extern "C" fn(ctx: *mut c_void, level: u32, message: PodiumStr)>,
    /// Reports progress in [0, 1].
    pub progress: Option<unsafe extern "C" fn(ctx: *mut c_void, fraction: f64)>,
    /// Nonzero when the host wants the method to stop (deadline or client cancellation); a
    /// method should poll it and return [`PodiumStatus::Cancelled`].
    pub cancelled: Option<unsafe extern "C" fn(ctx: *mut c_void) -> u8>,
    /// Attaches a named JSON value to the result's diagnostics.
    pub emit_extra:
        Option<unsafe extern "C" fn(ctx: *mut c_void, name: PodiumStr, json: PodiumStr)>,
    /// Sets the message that accompanies a non-OK status.
    pub set_error: Option<unsafe extern "C" fn(ctx: *mut c_void, message: PodiumStr)>,
    /// Since ABI 1.1. Kernel `pairwise_wins` (contract in `podium-compute`): for `model_count`
    /// models and the ranked samples, writes `wins[i·n + j]` (how often i ranked above j) and
    /// `ties[i·n + j]` (how often equal), model_count² u32 each, into buffers the caller owns,
    /// and fills `report`. The host may run it on a GPU; the counts are exact either way.
    pub pairwise_wins: Option<
        unsafe extern "C" fn(
            ctx: *mut c_void,
            samples: *const PodiumRankedSamples,
            model_count: usize,
            wins: *mut u32,
            ties: *mut u32,
            report: *mut PodiumKernelReport,
        ) -> PodiumStatus,
    >,
    /// Since ABI 1.1. Kernel `stationary_power`: the stationary distribution of the dense
    /// row-stochastic `n × n` matrix by power iteration (stop when ‖Δπ‖₁ < `tolerance`, at
    /// most `max_iterations` steps), written into `pi` (n doubles the caller owns); fills
    /// `report` (steps, last change, converged). On a GPU: f32 steps, then an f64 finish.
    pub stationary_power: Option<
        unsafe extern "C" fn(
            ctx: *mut c_void,
            n: usize,
            matrix: *const f64,
            tolerance: f64,
            max_iterations: u64,
            pi: *mut f64,
            report: *mut PodiumKernelReport,
        ) -> PodiumStatus,
    >,
    /// Since ABI 1.1. Kernel `bradley_terry_batch`: Bradley–Terry fits (MM iteration with a
    /// prior of pseudo-wins per pair) of every replicate of `batch`, writing centred
    /// log-strengths into `theta` (replicate_count × model_count doubles), the steps per
    /// replicate into `iterations` and 1/0 per replicate into `converged`, all owned by the
    /// caller. On a GPU: f32 steps for all replicates together, then an f64 finish.
    pub bradley_terry_batch: Option<
        unsafe extern "C" fn(
            ctx: *mut c_void,
            batch: *const PodiumBtBatch,
            theta: *mut f64,
            iterations: *mut u64,
            converged: *mut u8,
            report: *mut PodiumKernelReport,
        ) -> PodiumStatus,
    >,
}

/// Since ABI 1.1. The input of kernel `bradley_terry_batch`, borrowed from the caller.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PodiumBtBatch {
    /// Size of this struct as the caller knows it.
    pub struct_size: u32,
    /// Number of models.
    pub model_count: usize,
    /// Number of pairs.
    pub pair_count: usize,
    /// `2 × pair_count` model indices: pair p is (pairs[2p], pairs[2p + 1]).
    pub pairs: *const u32,
    /// Number of replicates.
    pub replicate_count: usize,
    /// `replicate_count × pair_count × 2` wins: the first model's, then the second's (ties
    /// as halves).
    pub wins: *const f64,
    /// Pseudo-wins added to each side of every pair.
    pub prior: f64,
    /// Stop a replicate when no log-strength moves by more than this.
    pub tolerance: f64,
    /// Most steps per replicate.
    pub max_iterations: u64,
}

/// Since ABI 1.1. Samples in CSR form for kernel `pairwise_wins`: sample s holds entries
/// `offsets[s]..offsets[s + 1]` of `models` and `ranks` (a rank orders the models within
/// its sample, higher is better, equal is a tie); `weights` (nullable: all 1) gives each
/// sample's multiplicity. All borrowed from the caller for the duration of the call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PodiumRankedSamples {
    /// Size of this struct as the caller knows it.
    pub struct_size: u32,
    /// Number of samples.
    pub sample_count: usize,
    /// `sample_count + 1` offsets, from 0 to `entry_count`.
    pub offsets: *const u32,
    /// Number of entries.
    pub entry_count: usize,
    /// Model of each entry.
    pub models: *const u32,
    /// Rank of each entry within its sample.
    pub ranks: *const u32,
    /// Multiplicity of each sample, or null.
    pub weights: *const u32,
}

/// Since ABI 1.1. What a kernel call did.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct PodiumKernelReport {
    /// Size of this struct as the host knows it.
    pub struct_size: u32,
    /// `PODIUM_DEVICE_*`: where the kernel ran.
    pub device: u32,
    /// Iterations (iterative kernels; 0 otherwise).
    pub iterations: u64,
    /// Last change (iterative kernels; 0 otherwise).
    pub change: f64,
    /// 1 when an iterative kernel met its tolerance (always 1 for exact kernels).
    pub converged: u32,
}

/// A kernel ran on the CPU.
pub const PODIUM_DEVICE_CPU: u32 = 0;
/// A kernel ran on a GPU.
pub const PODIUM_DEVICE_GPU: u32 = 1;

/// Runs one method: ranks `dataset` with `params` (a JSON object valid against the method's
/// schema) and `seed`, writing into `results`. Nullable, as any C function pointer.
pub type PodiumRunFn = Option<
    unsafe extern "C" fn(
        host: *const PodiumHost,
        dataset: *const PodiumDataset,
        params_json: PodiumStr,
        seed: u64,
        results: *mut PodiumResults,
    ) -> PodiumStatus,
>;

/// One method a plugin offers.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PodiumMethodInfo {
    /// Size of this struct as the plugin knows it.
    pub struct_size: u32,
    /// Identifier, unique among all loaded methods (e.g. `mean`).
    pub id: PodiumStr,
    /// One paragraph for people choosing a method.
    pub description: PodiumStr,
    /// JSON Schema of the parameters object.
    pub params_schema: PodiumStr,
    /// `PODIUM_METHOD_*` flags.
    pub flags: u32,
    /// The entry point (null makes the descriptor malformed).
    pub run: PodiumRunFn,
}

/// What a plugin is: returned by its entry symbol, valid (static) while the library is loaded.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PodiumPluginDescriptor {
    /// The ABI major the plugin was built against.
    pub abi_major: u32,
    /// The ABI minor the plugin was built against.
    pub abi_minor: u32,
    /// Size of this struct as the plugin knows it.
    pub struct_size: u32,
    /// Plugin name (e.g. `baseline`).
    pub name: PodiumStr,
    /// Plugin version (semver).
    pub version: PodiumStr,
    /// Number of methods.
    pub method_count: usize,
    /// The methods.
    pub methods: *const PodiumMethodInfo,
}

/// The one exported symbol, named [`PODIUM_ENTRY_SYMBOL`]: writes a pointer to the plugin's
/// static descriptor into `out`. `host_abi_major` / `host_abi_minor` let a plugin refuse a host
/// it cannot work with (by returning [`PodiumStatus::Unsupported`]).
pub type PodiumEntryFn = Option<
    unsafe extern "C" fn(
        host_abi_major: u32,
        host_abi_minor: u32,
        out: *mut *const PodiumPluginDescriptor,
    ) -> PodiumStatus,
>;

impl PodiumStr {
    /// A view of a Rust string (borrowed: the string must outlive every use of the view).
    pub const fn new(text: &str) -> PodiumStr {
        PodiumStr {
            ptr: text.as_ptr(),
            len: text.len(),
        }
    }

    /// The empty string.
    pub const EMPTY: PodiumStr = PodiumStr {
        ptr: core::ptr::null(),
        len: 0,
    };
}
