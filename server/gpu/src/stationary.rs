//! Host code of the `stationary_power` kernel: batches of f32 steps on the GPU, π read back
//! and renormalised between batches, and the f64 finish on the CPU twin.

use podium_compute::ComputeError;

use crate::Gpu;
use podium_compute::kernels::stationary::{self, PowerOptions, PowerResult};

/// The WGSL source.
pub const SHADER: &str = include_str!("stationary_power.wgsl");

/// Steps of the first batch between readbacks; batches double up to [`MAX_BATCH`], so a
/// chain that mixes fast costs few wasted steps and a slow one few readbacks.
const FIRST_BATCH: u64 = 8;
/// Largest batch.
const MAX_BATCH: u64 = 128;

/// The GPU phase ends when a batch moves π by less than this in L1: about where f32 rounding
/// of a normalised π stops the progress.
const F32_FLOOR: f64 = 1e-5;

impl Gpu {
    /// `stationary_power` on the GPU: f32 steps until the f32 floor, then the CPU twin
    /// finishes in f64 from there (see the kernel's precision contract).
    pub fn stationary_power(
        &self,
        matrix: &[f64],
        n: usize,
        options: &PowerOptions,
    ) -> Result<PowerResult, ComputeError> {
        let (start, done) = self.power_steps_f32(matrix, n, options.max_iterations, true)?;
        let mut finish = stationary::stationary_power(
            matrix,
            n,
            Some(&start),
            &PowerOptions {
                tolerance: options.tolerance,
                max_iterations: options.max_iterations.saturating_sub(done).max(1),
            },
        )?;
        finish.iterations += done;
        Ok(finish)
    }

    /// The GPU phase alone: f32 steps from the uniform distribution, renormalised between
    /// batches, until the f32 floor (`until_floor`) or as many whole batches as fit in `steps`
    /// (8, 16, 32, 64, then 128 steps each). Returns π and the steps taken. Public so that tests can check the
    /// shader itself, which the f64 finish would otherwise hide.
    pub fn power_steps_f32(
        &self,
        matrix: &[f64],
        n: usize,
        steps: u64,
        until_floor: bool,
    ) -> Result<(Vec<f64>, u64), ComputeError> {
        stationary::validate(matrix, n)?;
        let bytes = (n * n * 4) as u64;
        if bytes > self.max_binding() {
            return Err(ComputeError::InvalidInput(format!(
                "a {n} × {n} matrix needs {bytes} bytes, above this GPU's binding limit"
            )));
        }
        let single: Vec<f32> = matrix.iter().map(|&v| v as f32).collect();
        let c = self.storage("matrix", bytemuck::cast_slice(&single), false);
        let mut pi = vec![1.0f32 / n as f32; n];
        let a = self.storage("pi_a", bytemuck::cast_slice(&pi), true);
        let b = self.storage("pi_b", bytemuck::cast_slice(&pi), true);
        let params = [n as u32, 0, 0, 0];
        let uniform = self.uniform(bytemuck::cast_slice(&params));
        let bind = |from, to| self.bind(&self.power_step, &[&uniform, &c, from, to]);
        let (a_to_b, b_to_a) = (bind(&a, &b), bind(&b, &a));
        let groups = n.div_ceil(256) as u32;
        let mut done = 0u64;
        let mut batch = FIRST_BATCH;
        while done + batch <= steps {
            let mut encoder = self.device.create_command_encoder(&Default::default());
            for k in 0..batch {
                let mut pass = encoder.begin_compute_pass(&Default::default());
                pass.set_pipeline(&self.power_step);
                pass.set_bind_group(0, if k % 2 == 0 { &a_to_b } else { &b_to_a }, &[]);
                pass.dispatch_workgroups(groups, 1, 1);
            }
            self.queue.submit([encoder.finish()]);
            // Batches are even: the last step wrote `a`.
            let mut next: Vec<f32> = self.read(&a, n)?;
            done += batch;
            batch = (2 * batch).min(MAX_BATCH);
            let total: f64 = next.iter().map(|&v| f64::from(v)).sum();
            if !(total.is_finite() && total > 0.0) {
                return Err(ComputeError::Device(format!(
                    "π summed to {total} after {done} f32 steps"
                )));
            }
            next.iter_mut()
                .for_each(|v| *v = (f64::from(*v) / total) as f32);
            let moved: f64 = next
                .iter()
                .zip(&pi)
                .map(|(x, y)| (f64::from(*x) - f64::from(*y)).abs())
                .sum();
            pi = next;
            self.queue.write_buffer(&a, 0, bytemuck::cast_slice(&pi));
            if until_floor && moved < F32_FLOOR {
                break;
            }
        }
        Ok((pi.iter().map(|&v| f64::from(v)).collect(), done))
    }
}
