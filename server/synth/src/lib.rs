//! Synthetic sample-level evaluation data with a known true order, and Kendall's τ-b.
//!
//! A ranking method can only be checked against the truth on data whose truth is known. This
//! crate generates such data the way the ONEBench paper does (its "synthetic" experiment,
//! `shared/methods/onebench.md`, and the reference script `generate_synthetic_measurements.py`
//! of bethgelab/onebench): every model has a latent mean, every sample draws a noisy value per
//! model, some samples are binarised, and cells can be dropped to simulate sparse,
//! heterogeneous evaluations. A method's scores are then compared with the true order by
//! Kendall's τ-b ([`kendall_tau_b`], [`tau_vs_true_order`]).
//!
//! Why it is shaped so:
//! - **Deterministic and dependency-free.** The generator draws from its own [`SplitMix64`]
//!   (no `rand`), so a seed gives the same data on every platform and every version of the
//!   toolchain; tests that assert on τ stay reproducible.
//! - **Sparsity does not change the values.** Values and dropped cells come from two separate
//!   streams of the same seed, so the 95 % missing data of seed *s* is a subset of its 0 %
//!   missing data: differences in τ measure sparsity, not a different draw.
//! - **Plain data out.** [`Synthetic::values`] is `(model, sample, value)` triples, the shape of
//!   Podium's measurement columns, so a test can hand it to a plugin without translation.

mod generate;
mod rng;
mod tau;

pub use generate::{NoiseScope, SynthSpec, Synthetic, generate};
pub use rng::{SplitMix64, mix64};
pub use tau::{kendall_tau_b, tau_vs_true_order};
