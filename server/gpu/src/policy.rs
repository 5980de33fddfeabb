//! Which implementation runs a kernel: the policy (`PODIUM_COMPUTE`), the sizes above which
//! `auto` uses a GPU, and the fallback to the CPU twin.

use std::sync::OnceLock;

use podium_compute::kernels::bradley_terry::{self, BtBatch, BtOptions, BtResult};
use podium_compute::kernels::pairwise_wins::{self, PairCounts, RankedSamples};
use podium_compute::kernels::stationary::{self, PowerOptions, PowerResult};
use podium_compute::{ComputeError, Device};

use crate::Gpu;

/// `PODIUM_COMPUTE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Always the CPU twins.
    Cpu,
    /// The GPU whenever one opens (software adapters included: that is how CI runs the
    /// shaders); the CPU otherwise.
    Gpu,
    /// A hardware GPU for inputs above [`Thresholds`]; the CPU otherwise.
    Auto,
}

impl Policy {
    /// Parses `cpu`, `gpu` or `auto`.
    pub fn parse(text: &str) -> Result<Policy, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "cpu" => Ok(Policy::Cpu),
            "gpu" => Ok(Policy::Gpu),
            "auto" | "" => Ok(Policy::Auto),
            other => Err(format!(
                "PODIUM_COMPUTE must be cpu, gpu or auto, not \"{other}\""
            )),
        }
    }

    /// The policy named by `PODIUM_COMPUTE` (unset: `auto`).
    pub fn from_env() -> Result<Policy, String> {
        Policy::parse(&std::env::var("PODIUM_COMPUTE").unwrap_or_default())
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Cpu => "cpu",
            Policy::Gpu => "gpu",
            Policy::Auto => "auto",
        }
    }
}

/// Input sizes from which `auto` prefers a hardware GPU, from
/// `cargo bench -p podium-gpu --bench kernels` on an NVIDIA H200 (16 CPU cores beside it):
/// - `pairwise_wins` was 1.5× faster on the GPU at 50 models × 2,000 samples (5·10⁶ cells),
///   4.5× at 10⁸ cells, 21× at 10¹⁰ and 39× at 2·10¹⁰;
/// - `stationary_power` stayed slower than the CPU twin up to 5,000 models (0.04× at 100,
///   0.68× at 5,000: chains that mix in ~15 steps cost less than the upload), so `auto` keeps
///   it on the CPU; `gpu` still runs it there;
/// - `bradley_terry_batch` (f64 shaders) was 0.1–0.9× the CPU twin's speed up to 200
///   replicates × 5,000 pairs and 1.13× at 300 × 30,000 (9·10⁶ replicate-pairs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// `pairwise_wins`: samples × models² at or above this.
    pub pairwise_wins_cells: u64,
    /// `stationary_power`: models at or above this.
    pub stationary_models: usize,
    /// `bradley_terry_batch`: replicates × pairs at or above this.
    pub bradley_terry_cells: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            pairwise_wins_cells: 5_000_000,
            stationary_models: usize::MAX,
            bradley_terry_cells: 9_000_000,
        }
    }
}

/// The kernels behind a policy. One per process: the GPU is opened on first use and kept.
#[derive(Debug)]
pub struct Compute {
    policy: Policy,
    thresholds: Thresholds,
    gpu: OnceLock<Option<Gpu>>,
}

impl Compute {
    /// Kernels under `policy` with the default thresholds.
    pub fn new(policy: Policy) -> Compute {
        Compute {
            policy,
            thresholds: Thresholds::default(),
            gpu: OnceLock::new(),
        }
    }

    /// With other thresholds.
    pub fn with_thresholds(mut self, thresholds: Thresholds) -> Compute {
        self.thresholds = thresholds;
        self
    }

    /// The policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The GPU, opened on first use; `None` (logged once) when none opens.
    fn gpu(&self) -> Option<&Gpu> {
        self.gpu
            .get_or_init(|| match Gpu::open() {
                Ok(gpu) => {
                    tracing::info!(adapter = %gpu.describe(), policy = self.policy.name(), "GPU compute ready");
                    Some(gpu)
                }
                Err(e) => {
                    tracing::warn!(error = %e, policy = self.policy.name(), "no GPU: kernels run on the CPU");
                    None
                }
            })
            .as_ref()
    }

    /// The adapter the kernels use, opening it if the policy may use one.
    pub fn describe_gpu(&self) -> Option<String> {
        if self.policy == Policy::Cpu {
            return None;
        }
        self.gpu().map(Gpu::describe)
    }

    /// Whether a call of this size goes to the GPU.
    fn wants_gpu(&self, large: bool) -> bool {
        match self.policy {
            Policy::Cpu => false,
            Policy::Gpu => true,
            Policy::Auto => large,
        }
    }

    /// Runs one kernel: on the GPU when the policy and size want it and one is open (a
    /// software adapter only under `gpu`), else on the CPU twin. Input the contract accepts but
    /// the GPU cannot take (a binding limit), and GPU failures, fall back to the CPU with a log
    /// line; input the contract refuses is an error either way.
    fn dispatch<T>(
        &self,
        kernel: &str,
        large: bool,
        valid: impl FnOnce() -> bool,
        on_gpu: impl FnOnce(&Gpu) -> Result<T, ComputeError>,
        on_cpu: impl FnOnce() -> Result<T, ComputeError>,
    ) -> Result<(T, Device), ComputeError> {
        if self.wants_gpu(large)
            && let Some(gpu) = self.gpu()
            && (self.policy == Policy::Gpu || !gpu.is_software())
        {
            match on_gpu(gpu) {
                Ok(value) => return Ok((value, Device::Gpu)),
                Err(ComputeError::InvalidInput(e)) if valid() => {
                    tracing::warn!(kernel, error = %e, "does not fit the GPU: on the CPU");
                }
                Err(ComputeError::Device(e)) => {
                    tracing::warn!(kernel, error = %e, "failed on the GPU: on the CPU");
                }
                Err(e) => return Err(e),
            }
        }
        Ok((on_cpu()?, Device::Cpu))
    }

    /// Kernel `pairwise_wins` under the policy.
    pub fn pairwise_wins(
        &self,
        samples: &RankedSamples<'_>,
        n: usize,
    ) -> Result<(PairCounts, Device), ComputeError> {
        let cells = samples.sample_count() as u64 * (n * n) as u64;
        self.dispatch(
            "pairwise_wins",
            cells >= self.thresholds.pairwise_wins_cells,
            || samples.validate(n).is_ok(),
            |gpu| gpu.pairwise_wins(samples, n),
            || pairwise_wins::pairwise_wins(samples, n),
        )
    }

    /// Kernel `stationary_power` under the policy.
    pub fn stationary_power(
        &self,
        matrix: &[f64],
        n: usize,
        options: &PowerOptions,
    ) -> Result<(PowerResult, Device), ComputeError> {
        self.dispatch(
            "stationary_power",
            n >= self.thresholds.stationary_models,
            || stationary::validate(matrix, n).is_ok(),
            |gpu| gpu.stationary_power(matrix, n, options),
            || stationary::stationary_power(matrix, n, None, options),
        )
    }

    /// Kernel `bradley_terry_batch` under the policy.
    pub fn bradley_terry_batch(
        &self,
        batch: &BtBatch<'_>,
        options: &BtOptions,
    ) -> Result<(BtResult, Device), ComputeError> {
        let cells = (batch.replicates * batch.pairs.len()) as u64;
        self.dispatch(
            "bradley_terry_batch",
            cells >= self.thresholds.bradley_terry_cells,
            || batch.validate(options).is_ok(),
            |gpu| gpu.bradley_terry_batch(batch, options),
            || bradley_terry::bradley_terry_batch(batch, None, options),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_parse_and_name_themselves() {
        assert_eq!(Policy::parse("GPU"), Ok(Policy::Gpu));
        assert_eq!(Policy::parse(""), Ok(Policy::Auto));
        assert!(Policy::parse("tpu").unwrap_err().contains("\"tpu\""));
        assert_eq!(Policy::Cpu.name(), "cpu");
    }

    #[test]
    fn cpu_policy_never_opens_a_gpu() {
        let compute = Compute::new(Policy::Cpu);
        let samples = podium_compute::RankedSamplesBuf::from_values(&[vec![(0, 1.0), (1, 0.0)]]);
        let (counts, device) = compute.pairwise_wins(&samples.view(), 2).unwrap();
        assert_eq!(device, Device::Cpu);
        assert_eq!(counts.wins, vec![0, 1, 0, 0]);
        assert!(compute.describe_gpu().is_none());
        assert!(compute.gpu.get().is_none());
    }
}
