//! The host side of the kernel callbacks (ABI 1.1): reading what a plugin passed and writing
//! the answer into its buffers. Shared by the server's plugin host and the SDK's test host, so
//! both answer byte for byte the same way; each only supplies how the kernel runs (on the
//! server: `podium_gpu::Compute` under its policy; in tests: the CPU twins).

#![allow(unsafe_code)]

use podium_compute::{
    BtBatch, BtOptions, BtResult, ComputeError, Device, PairCounts, PowerOptions, PowerResult,
    RankedSamples,
};

use crate::abi::*;
use crate::sdk::{bt_batch_from_raw, ranked_samples_from_raw};

fn null(what: &str) -> ComputeError {
    ComputeError::InvalidInput(format!("{what} is null"))
}

fn device_code(device: Device) -> u32 {
    match device {
        Device::Gpu => PODIUM_DEVICE_GPU,
        Device::Cpu => PODIUM_DEVICE_CPU,
    }
}

/// Writes `report` unless the plugin passed none.
///
/// # Safety
/// `report` is null or valid for one write.
unsafe fn write_report(
    report: *mut PodiumKernelReport,
    device: Device,
    iterations: u64,
    change: f64,
    converged: bool,
) {
    if !report.is_null() {
        // SAFETY: forwarded to the caller.
        unsafe {
            *report = PodiumKernelReport {
                struct_size: size_of::<PodiumKernelReport>() as u32,
                device: device_code(device),
                iterations,
                change,
                converged: u32::from(converged),
            };
        }
    }
}

/// Serves `pairwise_wins`: runs `kernel` on the plugin's samples and writes the counts.
///
/// # Safety
/// The arguments follow the ABI contract of `PodiumHost::pairwise_wins` (null pointers are
/// refused, not read).
pub unsafe fn pairwise_wins(
    samples: *const PodiumRankedSamples,
    model_count: usize,
    wins: *mut u32,
    ties: *mut u32,
    report: *mut PodiumKernelReport,
    kernel: impl FnOnce(&RankedSamples<'_>, usize) -> Result<(PairCounts, Device), ComputeError>,
) -> Result<Device, ComputeError> {
    if samples.is_null() || wins.is_null() || ties.is_null() {
        return Err(null("a pairwise_wins argument"));
    }
    // SAFETY: the plugin's views are valid for the call (the contract).
    let samples = unsafe { ranked_samples_from_raw(&*samples) };
    let (counts, device) = kernel(&samples, model_count)?;
    let cells = model_count * model_count;
    // SAFETY: the plugin provides n² entries in each output.
    unsafe {
        std::slice::from_raw_parts_mut(wins, cells).copy_from_slice(&counts.wins);
        std::slice::from_raw_parts_mut(ties, cells).copy_from_slice(&counts.ties);
        write_report(report, device, 0, 0.0, true);
    }
    Ok(device)
}

/// Serves `stationary_power`: runs `kernel` on the plugin's matrix and writes π.
///
/// # Safety
/// The arguments follow the ABI contract of `PodiumHost::stationary_power`.
pub unsafe fn stationary_power(
    n: usize,
    matrix: *const f64,
    options: PowerOptions,
    pi: *mut f64,
    report: *mut PodiumKernelReport,
    kernel: impl FnOnce(&[f64], usize, &PowerOptions) -> Result<(PowerResult, Device), ComputeError>,
) -> Result<Device, ComputeError> {
    if matrix.is_null() || pi.is_null() {
        return Err(null("a stationary_power argument"));
    }
    // SAFETY: the plugin passes n² entries valid for the call.
    let matrix = unsafe { std::slice::from_raw_parts(matrix, n * n) };
    let (result, device) = kernel(matrix, n, &options)?;
    // SAFETY: the plugin provides n outputs.
    unsafe {
        std::slice::from_raw_parts_mut(pi, n).copy_from_slice(&result.pi);
        write_report(
            report,
            device,
            result.iterations,
            result.change,
            result.converged,
        );
    }
    Ok(device)
}

/// Serves `bradley_terry_batch`: runs `kernel` on the plugin's batch and writes the fits.
///
/// # Safety
/// The arguments follow the ABI contract of `PodiumHost::bradley_terry_batch`.
pub unsafe fn bradley_terry_batch(
    batch: *const PodiumBtBatch,
    theta: *mut f64,
    iterations: *mut u64,
    converged: *mut u8,
    report: *mut PodiumKernelReport,
    kernel: impl FnOnce(&BtBatch<'_>, &BtOptions) -> Result<(BtResult, Device), ComputeError>,
) -> Result<Device, ComputeError> {
    if batch.is_null() || theta.is_null() || iterations.is_null() || converged.is_null() {
        return Err(null("a bradley_terry_batch argument"));
    }
    // SAFETY: the plugin's batch is valid for the call.
    let (batch, options) = unsafe { bt_batch_from_raw(&*batch) };
    let (result, device) = kernel(&batch, &options)?;
    let b = batch.replicates;
    // SAFETY: the plugin provides the outputs the contract sizes.
    unsafe {
        std::slice::from_raw_parts_mut(theta, b * batch.n).copy_from_slice(&result.theta);
        std::slice::from_raw_parts_mut(iterations, b).copy_from_slice(&result.iterations);
        for (out, &c) in std::slice::from_raw_parts_mut(converged, b)
            .iter_mut()
            .zip(&result.converged)
        {
            *out = u8::from(c);
        }
        write_report(
            report,
            device,
            result.iterations.iter().copied().max().unwrap_or(0),
            0.0,
            result.converged.iter().all(|&c| c),
        );
    }
    Ok(device)
}
