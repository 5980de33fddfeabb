//! Podium's compute layer, contract side: the large matrix kernels of the ranking methods,
//! each with one contract and a CPU twin that always exists. The wgpu implementation (WGSL
//! next to its Rust host code) and the policy that chooses between the two live in
//! `podium-gpu`, which only the server links.
//!
//! Why it is shaped so:
//! - **The GPU is an accelerator, never a requirement.** Every kernel in [`kernels`] is a
//!   plain function on slices (the CPU twin); `podium_gpu::Gpu` has a method of the same name
//!   and contract, and `podium_gpu::Compute` picks one per call by policy
//!   (`PODIUM_COMPUTE=cpu|gpu|auto`), falling back to the CPU with one log line when no
//!   adapter exists.
//! - **A stated precision contract per kernel** (see each kernel's documentation):
//!   `pairwise_wins` is exact on both sides (values are ranked per sample on the CPU, the GPU
//!   counts integers), `stationary_power` and `bradley_terry_batch` iterate in f32 on the GPU
//!   and finish in f64 on the CPU to the caller's tolerance.
//! - **Plugins link this crate, never wgpu**: the CPU twins are their fallback when a host
//!   offers no kernels, and the host offers the GPU through ABI callbacks.

pub mod kernels;

pub use kernels::bradley_terry::{BtBatch, BtOptions, BtResult, bradley_terry_batch};
pub use kernels::pairwise_wins::{PairCounts, RankedSamples, RankedSamplesBuf, pairwise_wins};
pub use kernels::stationary::{PowerOptions, PowerResult, stationary_power};

/// Where a kernel ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// The CPU twin.
    Cpu,
    /// A GPU (with any CPU finish its contract has).
    Gpu,
}

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
