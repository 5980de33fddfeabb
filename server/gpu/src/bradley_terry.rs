//! Host code of the `bradley_terry_batch` kernel: every replicate's MM steps together in f32
//! on the GPU, readbacks between batches of steps, and the f64 finish on the CPU twin.

use podium_compute::ComputeError;
use podium_compute::kernels::bradley_terry::{
    self, BtBatch, BtOptions, BtResult, bradley_terry_batch,
};

use crate::Gpu;

/// The WGSL source (entry points `bt_step` and `bt_normalize`).
pub const SHADER: &str = include_str!("bradley_terry.wgsl");

/// Steps between readbacks (even: the last normalisation writes the first buffer).
const BATCH: u64 = 32;

/// The GPU phase ends when a batch moves no log-strength by more than this: about where f32
/// rounding stops the progress.
const F32_FLOOR: f64 = 1e-4;

impl Gpu {
    /// `bradley_terry_batch` on the GPU: f32 steps for all replicates until the f32 floor,
    /// then the CPU twin finishes each in f64 (see the kernel's precision contract).
    pub fn bradley_terry_batch(
        &self,
        batch: &BtBatch<'_>,
        options: &BtOptions,
    ) -> Result<BtResult, ComputeError> {
        let (theta, done) =
            self.bradley_terry_steps_f32(batch, options, options.max_iterations, true)?;
        let mut finish = bradley_terry_batch(
            batch,
            Some(&theta),
            &BtOptions {
                max_iterations: options.max_iterations.saturating_sub(done).max(1),
                ..*options
            },
        )?;
        finish.iterations.iter_mut().for_each(|i| *i += done);
        Ok(finish)
    }

    /// The GPU phase alone: f32 steps of every replicate from θ = 0 until the f32 floor
    /// (`until_floor`) or as many whole batches of 32 steps as fit in `steps`. Returns θ and
    /// the steps taken (θ = 0 after a replicate left the range of f32). Public so that tests
    /// can check the shader itself, which the f64 finish would otherwise hide.
    pub fn bradley_terry_steps_f32(
        &self,
        batch: &BtBatch<'_>,
        options: &BtOptions,
        steps: u64,
        until_floor: bool,
    ) -> Result<(Vec<f64>, u64), ComputeError> {
        batch.validate(options)?;
        let (n, p, b) = (batch.n, batch.pairs.len(), batch.replicates);
        let cells = (b * n) as u64 * 4;
        let win_bytes = (b * p * 2) as u64 * 4;
        if cells > self.max_binding() || win_bytes > self.max_binding() {
            return Err(ComputeError::InvalidInput(format!(
                "{b} replicates × {p} pairs exceed this GPU's binding limit"
            )));
        }
        if b == 0 {
            return Ok((Vec::new(), 0));
        }
        // Incident pairs of every model (CSR).
        let mut offsets = vec![0u32; n + 1];
        for &[i, j] in batch.pairs {
            offsets[i as usize + 1] += 1;
            offsets[j as usize + 1] += 1;
        }
        for m in 0..n {
            offsets[m + 1] += offsets[m];
        }
        let mut cursor = offsets.clone();
        let mut incident = vec![0u32; 2 * p];
        let mut other = vec![0u32; 2 * p];
        for (k, &[i, j]) in batch.pairs.iter().enumerate() {
            for (me, them) in [(i, j), (j, i)] {
                let slot = &mut cursor[me as usize];
                incident[*slot as usize] = k as u32;
                other[*slot as usize] = them;
                *slot += 1;
            }
        }
        let wins: Vec<f32> = batch.wins.iter().map(|&w| w as f32).collect();
        let totals: Vec<f32> = bradley_terry::win_totals(batch, options.prior)
            .iter()
            .map(|&w| w as f32)
            .collect();
        let ones = vec![1.0f32; b * n];
        let params: [u32; 4] = [
            n as u32,
            p as u32,
            b as u32,
            (options.prior as f32).to_bits(),
        ];
        let uniform = self.uniform(bytemuck::cast_slice(&params));
        let offsets = self.storage("offsets", bytemuck::cast_slice(&offsets), false);
        let incident = self.storage("incident", bytemuck::cast_slice(&incident), false);
        let other = self.storage("other", bytemuck::cast_slice(&other), false);
        let wins = self.storage("wins", bytemuck::cast_slice(&wins), false);
        let totals = self.storage("totals", bytemuck::cast_slice(&totals), false);
        let a = self.storage("pi_a", bytemuck::cast_slice(&ones), true);
        let c = self.storage("pi_b", bytemuck::cast_slice(&ones), true);
        let step_layout = self.bt_step.get_bind_group_layout(0);
        let step = |from: &wgpu::Buffer, to: &wgpu::Buffer| {
            let entries = [
                (0, &uniform),
                (1, &offsets),
                (2, &incident),
                (3, &other),
                (4, &wins),
                (5, &totals),
                (6, from),
                (7, to),
            ]
            .map(|(binding, buffer)| wgpu::BindGroupEntry {
                binding,
                resource: buffer.as_entire_binding(),
            });
            self.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("bt_step"),
                layout: &step_layout,
                entries: &entries,
            })
        };
        let normalize_layout = self.bt_normalize.get_bind_group_layout(0);
        let normalize = |buffer: &wgpu::Buffer| {
            self.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("bt_normalize"),
                layout: &normalize_layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: uniform.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 7,
                        resource: buffer.as_entire_binding(),
                    },
                ],
            })
        };
        let (a_to_c, c_to_a) = (step(&a, &c), step(&c, &a));
        let (norm_a, norm_c) = (normalize(&a), normalize(&c));
        let step_groups = (b * n).div_ceil(256) as u32;
        let norm_groups = b.div_ceil(64) as u32;
        let mut theta = vec![0.0f64; b * n];
        let mut done = 0u64;
        while done + BATCH <= steps {
            let mut encoder = self.device.create_command_encoder(&Default::default());
            for k in 0..BATCH {
                let (stepping, normalising) = if k % 2 == 0 {
                    (&a_to_c, &norm_c)
                } else {
                    (&c_to_a, &norm_a)
                };
                let mut pass = encoder.begin_compute_pass(&Default::default());
                pass.set_pipeline(&self.bt_step);
                pass.set_bind_group(0, stepping, &[]);
                pass.dispatch_workgroups(step_groups, 1, 1);
                pass.set_pipeline(&self.bt_normalize);
                pass.set_bind_group(0, normalising, &[]);
                pass.dispatch_workgroups(norm_groups, 1, 1);
            }
            self.queue.submit([encoder.finish()]);
            let pi: Vec<f32> = self.read(&a, b * n)?;
            done += BATCH;
            let mut moved = 0.0f64;
            for (t, &v) in theta.iter_mut().zip(&pi) {
                let next = f64::from(v).ln();
                moved = moved.max((next - *t).abs());
                *t = next;
            }
            if !moved.is_finite() {
                // A replicate left the range of f32: the CPU twin fits everything from scratch.
                theta.fill(0.0);
                break;
            }
            if until_floor && moved < F32_FLOOR {
                break;
            }
        }
        Ok((theta, done))
    }
}
