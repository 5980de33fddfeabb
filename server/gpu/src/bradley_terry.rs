//! Host code of the `bradley_terry_batch` kernel: every replicate's MM steps together on the
//! GPU, readbacks between batches of steps. On an adapter with f64 shaders the GPU iterates to
//! the contract's f64 stopping rule itself (the CPU twin then confirms in one step); on one
//! without, it iterates in f32 to the f32 floor and the CPU twin finishes in f64. MM converges
//! linearly, so an f32 start saves only part of the f64 steps: f64 is the fast path.

use podium_compute::ComputeError;
use podium_compute::kernels::bradley_terry::{
    self, BtBatch, BtOptions, BtResult, bradley_terry_batch,
};

use crate::Gpu;

/// The WGSL (entry point `bt_step`) in f64 or f32.
pub fn shader(f64_shaders: bool) -> String {
    include_str!("bradley_terry.wgsl").replace("REAL", if f64_shaders { "f64" } else { "f32" })
}

/// Steps between readbacks (even: the last step writes the first buffer).
const BATCH: u64 = 32;

/// The GPU phase hands over to the CPU twin once at most one replicate in this many still
/// moves (on an H200 one replicate needing 30,891 steps made a 1,000-replicate batch 20× slower
/// than the CPU, which stops each replicate on its own).
const STRAGGLERS: usize = 16;

/// In f32 the GPU phase ends when a batch moves no log-strength by more than this: about where
/// f32 rounding stops the progress.
const F32_FLOOR: f64 = 1e-6;

impl Gpu {
    /// `bradley_terry_batch` on the GPU: all replicates' steps together, in f64 to the
    /// tolerance where the adapter allows, else in f32 to the f32 floor with the f64 finish on
    /// the CPU twin (see the kernel's precision contract).
    pub fn bradley_terry_batch(
        &self,
        batch: &BtBatch<'_>,
        options: &BtOptions,
    ) -> Result<BtResult, ComputeError> {
        let (theta, done) =
            self.bradley_terry_steps(batch, options, options.max_iterations, true)?;
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

    /// The GPU phase alone: steps of every replicate from θ = 0 (in f64 where the adapter
    /// allows, see [`Gpu::has_f64`]) until the tolerance, or the f32 floor, is met
    /// (`until_done`), or as many whole batches of 32 steps as fit in `steps`. Returns the
    /// centred θ and the steps taken (θ = 0 after a replicate left the range of the floats).
    /// Public so that tests can check the shader itself, which the CPU finish would hide.
    pub fn bradley_terry_steps(
        &self,
        batch: &BtBatch<'_>,
        options: &BtOptions,
        steps: u64,
        until_done: bool,
    ) -> Result<(Vec<f64>, u64), ComputeError> {
        batch.validate(options)?;
        let wide = self.has_f64();
        let real = if wide { 8 } else { 4 };
        let (n, p, b) = (batch.n, batch.pairs.len(), batch.replicates);
        let cells = (b * n * real) as u64;
        let win_bytes = (b * p * 2 * real) as u64;
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
        let totals = bradley_terry::win_totals(batch, options.prior);
        // The storage contents in the shader's precision.
        let bytes = |values: &[f64]| -> Vec<u8> {
            if wide {
                bytemuck::cast_slice(values).to_vec()
            } else {
                let single: Vec<f32> = values.iter().map(|&v| v as f32).collect();
                bytemuck::cast_slice(&single).to_vec()
            }
        };
        let ones = vec![1.0f64; b * n];
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
        let wins = self.storage("wins", &bytes(batch.wins), false);
        let totals = self.storage("totals", &bytes(&totals), false);
        let a = self.storage("pi_a", &bytes(&ones), true);
        let c = self.storage("pi_b", &bytes(&ones), true);
        let step = |from, to| {
            self.bind(
                &self.bt_step,
                &[
                    &uniform, &offsets, &incident, &other, &wins, &totals, from, to,
                ],
            )
        };
        let (a_to_c, c_to_a) = (step(&a, &c), step(&c, &a));
        let step_groups = (b * n).div_ceil(256) as u32;
        let mut theta = vec![0.0f64; b * n];
        let mut done = 0u64;
        while done + BATCH <= steps {
            // MM is scale-equivariant (π → cπ gives π' → cπ'), so the steps need no
            // normalisation between them; the readback re-centres θ and writes π = e^θ back.
            let mut encoder = self.device.create_command_encoder(&Default::default());
            for k in 0..BATCH {
                let mut pass = encoder.begin_compute_pass(&Default::default());
                pass.set_pipeline(&self.bt_step);
                pass.set_bind_group(0, if k % 2 == 0 { &a_to_c } else { &c_to_a }, &[]);
                pass.dispatch_workgroups(step_groups, 1, 1);
            }
            self.queue.submit([encoder.finish()]);
            let pi: Vec<f64> = if wide {
                self.read(&a, b * n)?
            } else {
                let single: Vec<f32> = self.read(&a, b * n)?;
                single.into_iter().map(f64::from).collect()
            };
            done += BATCH;
            // θ = log π, centred per replicate; which replicates still move.
            let floor = if wide { options.tolerance } else { F32_FLOOR };
            let mut moved = 0.0f64;
            let mut moving = 0usize;
            for (thetas, strengths) in theta.chunks_mut(n).zip(pi.chunks(n)) {
                let logs: Vec<f64> = strengths.iter().map(|v| v.ln()).collect();
                let mean = logs.iter().sum::<f64>() / n as f64;
                let mut replicate_moved = 0.0f64;
                for (t, l) in thetas.iter_mut().zip(&logs) {
                    replicate_moved = replicate_moved.max((l - mean - *t).abs());
                    *t = l - mean;
                }
                moved = if replicate_moved.is_finite() {
                    moved.max(replicate_moved)
                } else {
                    f64::INFINITY
                };
                moving += usize::from(replicate_moved >= floor);
            }
            if !moved.is_finite() {
                // A replicate left the range of the floats: the CPU twin fits from scratch.
                theta.fill(0.0);
                break;
            }
            // A batch steps every replicate until the slowest settles; once few still move,
            // the CPU twin (which stops each replicate on its own) finishes them cheaper.
            if until_done && moving * STRAGGLERS <= b {
                break;
            }
            let strengths: Vec<f64> = theta.iter().map(|t| t.exp()).collect();
            self.queue.write_buffer(&a, 0, &bytes(&strengths));
        }
        Ok((theta, done))
    }
}
