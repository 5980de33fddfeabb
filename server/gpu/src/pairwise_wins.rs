//! Host code of the `pairwise_wins` kernel: samples go up as a dense rank matrix in chunks
//! that fit one storage binding; the counts stay on the GPU across chunks.

use podium_compute::ComputeError;

use crate::Gpu;
use podium_compute::kernels::pairwise_wins::{PairCounts, RankedSamples};

/// The WGSL source.
pub const SHADER: &str = include_str!("pairwise_wins.wgsl");

/// Most samples per dispatch, so that one dispatch stays short on any device.
const CHUNK_SAMPLES: usize = 1 << 14;

impl Gpu {
    /// `pairwise_wins` on the GPU (same contract and, exactly, the same result as the CPU
    /// twin [`podium_compute::pairwise_wins`]).
    pub fn pairwise_wins(
        &self,
        samples: &RankedSamples<'_>,
        n: usize,
    ) -> Result<PairCounts, ComputeError> {
        samples.validate(n)?;
        let count = samples.sample_count();
        if n < 2 || count == 0 {
            return Ok(PairCounts {
                n,
                wins: vec![0; n * n],
                ties: vec![0; n * n],
            });
        }
        let cells = (n * n * 4) as u64;
        if cells > self.max_binding() || n * 4 > self.max_binding() as usize {
            return Err(ComputeError::InvalidInput(format!(
                "{n} models need a {cells}-byte count matrix, above this GPU's binding limit"
            )));
        }
        let zeros = vec![0u32; n * n];
        let wins = self.storage("wins", bytemuck::cast_slice(&zeros), true);
        let ties = self.storage("ties", bytemuck::cast_slice(&zeros), true);
        let per_chunk = (self.max_binding() as usize / (4 * n)).clamp(1, CHUNK_SAMPLES);
        let groups = n.div_ceil(16) as u32;
        let mut dense = Vec::new();
        let mut weights = Vec::new();
        for first in (0..count).step_by(per_chunk) {
            let last = (first + per_chunk).min(count);
            let chunk = last - first;
            dense.clear();
            dense.resize(chunk * n, 0u32);
            weights.clear();
            for s in first..last {
                let row = (s - first) * n;
                for (m, r) in samples.entries(s) {
                    dense[row + m as usize] = r + 1;
                }
                weights.push(samples.weight(s));
            }
            let params = [n as u32, chunk as u32, 0, 0];
            let uniform = self.uniform(bytemuck::cast_slice(&params));
            let ranks = self.storage("ranks", bytemuck::cast_slice(&dense), false);
            let weight_buffer = self.storage("weights", bytemuck::cast_slice(&weights), false);
            let bind = self.bind(
                &self.pairwise_wins,
                &[&uniform, &ranks, &weight_buffer, &wins, &ties],
            );
            let mut encoder = self.device.create_command_encoder(&Default::default());
            {
                let mut pass = encoder.begin_compute_pass(&Default::default());
                pass.set_pipeline(&self.pairwise_wins);
                pass.set_bind_group(0, &bind, &[]);
                pass.dispatch_workgroups(groups, groups, 1);
            }
            self.queue.submit([encoder.finish()]);
        }
        Ok(PairCounts {
            n,
            wins: self.read::<u32>(&wins, n * n)?,
            ties: self.read::<u32>(&ties, n * n)?,
        })
    }
}
