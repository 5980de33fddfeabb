//! The GPU side of Podium's compute layer: the wgpu implementation of every kernel of
//! `podium-compute` (WGSL next to its host code), and [`Compute`], which picks the GPU or the
//! CPU twin per call by policy (`PODIUM_COMPUTE=cpu|gpu|auto`).
//!
//! Why a crate of its own: plugins link `podium-compute` for the kernels' contracts and CPU
//! twins, and must never link wgpu (tens of megabytes per plugin, seconds to load). Only the
//! server's plugin host links this crate and offers the GPU to plugins through the ABI's
//! kernel callbacks. A cargo feature would not do: features unify across a workspace build,
//! so one member enabling `gpu` would put wgpu into every plugin.

mod bradley_terry;
mod device;
mod pairwise_wins;
mod policy;
mod stationary;

pub use device::Gpu;
pub use podium_compute::Device;
pub use policy::{Compute, Policy, Thresholds};
