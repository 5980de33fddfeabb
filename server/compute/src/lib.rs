//! Podium's compute layer: the large matrix kernels of the ranking methods, each with one
//! contract, a CPU twin that always exists and, behind the `gpu` feature, a wgpu
//! implementation (WGSL next to its Rust host code in [`gpu`]).
//!
//! Why it is shaped so:
//! - **The GPU is an accelerator, never a requirement.** Every kernel in [`kernels`] is a
//!   plain function on slices (the CPU twin); [`gpu::Gpu`] has a method of the same name and
//!   contract. [`Compute`] picks one per call by policy (`PODIUM_COMPUTE=cpu|gpu|auto`) and
//!   falls back to the CPU, with one log line, when no adapter exists.
//! - **A stated precision contract per kernel** (see each kernel's documentation):
//!   `pairwise_wins` is exact on both sides (values are ranked per sample on the CPU, the GPU
//!   counts integers), `stationary_power` iterates in f32 on the GPU and refines in f64 on the
//!   CPU to the caller's tolerance.
//! - **Plugins link this crate without the `gpu` feature**: the CPU twins are their fallback
//!   when a host offers no kernels, and the host offers the GPU through ABI callbacks, so no
//!   plugin links wgpu.

pub mod kernels;
mod policy;

#[cfg(feature = "gpu")]
pub mod gpu;

pub use kernels::pairwise_wins::{PairCounts, RankedSamples, RankedSamplesBuf, pairwise_wins};
pub use kernels::stationary::{PowerOptions, PowerResult, stationary_power};
pub use policy::{Compute, Device, Policy, Thresholds};

/// Why a kernel returned no result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ComputeError {
    /// The input breaks the kernel's contract (the message names what).
    #[error("invalid kernel input: {0}")]
    InvalidInput(String),
    /// No GPU adapter or device could be opened.
    #[error("no GPU: {0}")]
    NoGpu(String),
    /// The GPU failed while running a kernel.
    #[error("GPU failure: {0}")]
    Device(String),
}
