//! Pins the size and every field offset of the ABI structs (64-bit targets). The ABI is
//! append-only: a new field may grow a struct at its end, but no offset below may ever change.
//! If one of these fails, the change broke every plugin already built.

#![cfg(target_pointer_width = "64")]

use std::mem::{align_of, offset_of, size_of};

use podium_plugin_api::abi::*;

macro_rules! pin {
    ($ty:ty, size $size:expr, { $($field:ident: $offset:expr),* $(,)? }) => {{
        $(assert_eq!(offset_of!($ty, $field), $offset, "{}.{}", stringify!($ty), stringify!($field));)*
        assert_eq!(size_of::<$ty>(), $size, "size of {}", stringify!($ty));
    }};
}

#[test]
fn scalars() {
    assert_eq!(size_of::<PodiumStatus>(), 4);
    assert_eq!(size_of::<PodiumRunFn>(), 8);
    assert_eq!(size_of::<PodiumEntryFn>(), 8);
    assert_eq!(align_of::<PodiumDataset>(), 8);
}

#[test]
fn podium_str() {
    pin!(PodiumStr, size 16, { ptr: 0, len: 8 });
}

#[test]
fn podium_dataset() {
    pin!(PodiumDataset, size 216, {
        struct_size: 0,
        model_count: 8,
        model_names: 16,
        model_metadata: 24,
        benchmark_count: 32,
        benchmark_names: 40,
        benchmark_metric_kinds: 48,
        sample_count: 56,
        sample_ids: 64,
        sample_benchmarks: 72,
        sample_metadata: 80,
        measurement_count: 88,
        measurement_models: 96,
        measurement_samples: 104,
        measurement_values: 112,
        comparison_count: 120,
        comparison_models_a: 128,
        comparison_models_b: 136,
        comparison_samples: 144,
        comparison_winners: 152,
        comparison_strengths: 160,
        comparison_weights: 168,
        comparison_timestamps_ms: 176,
        comparison_judges: 184,
        comparison_metadata: 192,
        judge_count: 200,
        judge_names: 208,
    });
}

#[test]
fn podium_results() {
    pin!(PodiumResults, size 64, {
        struct_size: 0,
        model_count: 8,
        scores: 16,
        valid: 24,
        interval_low: 32,
        interval_high: 40,
        order: 48,
        order_len: 56,
    });
}

#[test]
fn podium_host() {
    pin!(PodiumHost, size 80, {
        struct_size: 0,
        ctx: 8,
        log: 16,
        progress: 24,
        cancelled: 32,
        emit_extra: 40,
        set_error: 48,
        // ABI 1.1
        pairwise_wins: 56,
        stationary_power: 64,
        bradley_terry_batch: 72,
    });
}

#[test]
fn podium_bt_batch() {
    pin!(PodiumBtBatch, size 72, {
        struct_size: 0,
        model_count: 8,
        pair_count: 16,
        pairs: 24,
        replicate_count: 32,
        wins: 40,
        prior: 48,
        tolerance: 56,
        max_iterations: 64,
    });
}

#[test]
fn podium_ranked_samples() {
    pin!(PodiumRankedSamples, size 56, {
        struct_size: 0,
        sample_count: 8,
        offsets: 16,
        entry_count: 24,
        models: 32,
        ranks: 40,
        weights: 48,
    });
}

#[test]
fn podium_kernel_report() {
    pin!(PodiumKernelReport, size 32, {
        struct_size: 0,
        device: 4,
        iterations: 8,
        change: 16,
        converged: 24,
    });
    assert_eq!(PODIUM_DEVICE_CPU, 0);
    assert_eq!(PODIUM_DEVICE_GPU, 1);
}

#[test]
fn podium_method_info() {
    pin!(PodiumMethodInfo, size 72, {
        struct_size: 0,
        id: 8,
        description: 24,
        params_schema: 40,
        flags: 56,
        run: 64,
    });
}

#[test]
fn podium_plugin_descriptor() {
    pin!(PodiumPluginDescriptor, size 64, {
        abi_major: 0,
        abi_minor: 4,
        struct_size: 8,
        name: 16,
        version: 32,
        method_count: 48,
        methods: 56,
    });
}

#[test]
fn status_codes_are_stable() {
    assert_eq!(PodiumStatus::Ok as u32, 0);
    assert_eq!(PodiumStatus::InvalidParams as u32, 1);
    assert_eq!(PodiumStatus::InvalidData as u32, 2);
    assert_eq!(PodiumStatus::Unsupported as u32, 3);
    assert_eq!(PodiumStatus::Cancelled as u32, 4);
    assert_eq!(PodiumStatus::Internal as u32, 5);
    assert_eq!(PodiumStatus::Panic as u32, 6);
    assert_eq!(PODIUM_WINNER_MODEL_A, 0);
    assert_eq!(PODIUM_WINNER_BOTH_BAD, 3);
    assert_eq!(PODIUM_METRIC_RANK, 2);
}
