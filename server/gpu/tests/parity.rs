//! Every GPU kernel against its CPU twin, on the adapter wgpu finds (Mesa's lavapipe in CI).
//! Without an adapter these tests say so and pass — unless `PODIUM_REQUIRE_GPU=1` (set by
//! `.ci/run`), which makes a missing adapter a failure, so CI can never skip them silently.

use podium_compute::{
    BtBatch, BtOptions, Device, PowerOptions, RankedSamplesBuf, bradley_terry_batch, pairwise_wins,
    stationary_power,
};
use podium_gpu::{Compute, Gpu, Policy};
use podium_synth::SplitMix64;

fn gpu() -> Option<Gpu> {
    match Gpu::open() {
        Ok(gpu) => {
            eprintln!("GPU: {}", gpu.describe());
            Some(gpu)
        }
        Err(e) => {
            assert!(
                std::env::var("PODIUM_REQUIRE_GPU").as_deref() != Ok("1"),
                "PODIUM_REQUIRE_GPU=1 but no GPU opened: {e}"
            );
            eprintln!("no GPU ({e}): parity not checked");
            None
        }
    }
}

/// `samples` samples over `n` models, each model measured with probability `density`,
/// values from a few levels (ties are common).
fn random_samples(n: usize, samples: usize, density: f64, seed: u64) -> RankedSamplesBuf {
    let mut rng = SplitMix64::stream(seed, 0);
    let values: Vec<Vec<(u32, f64)>> = (0..samples)
        .map(|_| {
            let mut sample = Vec::new();
            for m in 0..n as u32 {
                if rng.next_f64() < density {
                    sample.push((m, rng.below(6) as f64 + 0.1 * f64::from(m % 3)));
                }
            }
            sample
        })
        .collect();
    RankedSamplesBuf::from_values(&values)
}

#[test]
fn pairwise_wins_is_bit_identical() {
    let Some(gpu) = gpu() else { return };
    for (n, samples, density, seed) in [
        (2, 1, 1.0, 1),
        (5, 40, 0.8, 2),
        (17, 300, 0.5, 3),
        (64, 1000, 0.9, 4),
        (130, 200, 0.3, 5),
    ] {
        let mut buf = random_samples(n, samples, density, seed);
        let cpu = pairwise_wins(&buf.view(), n).unwrap();
        let on_gpu = gpu.pairwise_wins(&buf.view(), n).unwrap();
        assert_eq!(cpu, on_gpu, "n = {n}, {samples} samples");
        // Bootstrap multiplicities.
        let mut rng = SplitMix64::stream(seed, 1);
        buf.weights = Some((0..samples).map(|_| rng.below(4) as u32).collect());
        let cpu = pairwise_wins(&buf.view(), n).unwrap();
        assert_eq!(
            cpu,
            gpu.pairwise_wins(&buf.view(), n).unwrap(),
            "weighted, n = {n}"
        );
    }
    // Bad input is refused the same way.
    let bad = RankedSamplesBuf {
        offsets: vec![0, 1],
        models: vec![9],
        ranks: vec![0],
        weights: None,
    };
    assert_eq!(
        pairwise_wins(&bad.view(), 3).unwrap_err(),
        gpu.pairwise_wins(&bad.view(), 3).unwrap_err()
    );
}

/// A random row-stochastic matrix with a lazy diagonal (well mixing).
fn random_chain(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64::stream(seed, 0);
    let mut c = vec![0.0; n * n];
    for s in 0..n {
        let row: Vec<f64> = (0..n).map(|_| rng.next_f64().powi(3)).collect();
        let total: f64 = row.iter().sum();
        for r in 0..n {
            c[s * n + r] = 0.5 * row[r] / total + if r == s { 0.5 } else { 0.0 };
        }
    }
    c
}

#[test]
fn stationary_power_agrees_within_its_tolerance() {
    let Some(gpu) = gpu() else { return };
    let options = PowerOptions {
        tolerance: 1e-13,
        max_iterations: 100_000,
    };
    for (n, seed) in [(1, 1), (3, 2), (50, 3), (300, 4), (700, 5)] {
        let c = random_chain(n, seed);
        let cpu = stationary_power(&c, n, None, &options).unwrap();
        let on_gpu = gpu.stationary_power(&c, n, &options).unwrap();
        assert!(cpu.converged && on_gpu.converged, "n = {n}");
        let gap: f64 = cpu
            .pi
            .iter()
            .zip(&on_gpu.pi)
            .map(|(a, b)| (a - b).abs())
            .sum();
        assert!(gap < 1e-11, "n = {n}: ‖π_cpu − π_gpu‖₁ = {gap:e}");
        // The same ranking.
        let order = |pi: &[f64]| {
            let mut o: Vec<usize> = (0..n).collect();
            o.sort_by(|&a, &b| pi[b].total_cmp(&pi[a]));
            o
        };
        let (a, b) = (order(&cpu.pi), order(&on_gpu.pi));
        // Entries closer than the tolerance may swap; compare where they differ clearly.
        for (x, y) in a.iter().zip(&b) {
            if x != y {
                assert!(
                    (cpu.pi[*x] - cpu.pi[*y]).abs() < 1e-12,
                    "n = {n}: order differs"
                );
            }
        }
    }
}

#[test]
fn the_gpu_policy_runs_on_the_gpu_and_cpu_on_the_cpu() {
    let Some(_) = gpu() else { return };
    let buf = random_samples(20, 50, 0.7, 9);
    let (on_gpu, device) = Compute::new(Policy::Gpu)
        .pairwise_wins(&buf.view(), 20)
        .unwrap();
    assert_eq!(device, Device::Gpu);
    let (on_cpu, device) = Compute::new(Policy::Cpu)
        .pairwise_wins(&buf.view(), 20)
        .unwrap();
    assert_eq!(device, Device::Cpu);
    assert_eq!(on_gpu, on_cpu);
    let c = random_chain(30, 7);
    let (_, device) = Compute::new(Policy::Gpu)
        .stationary_power(&c, 30, &PowerOptions::default())
        .unwrap();
    assert_eq!(device, Device::Gpu);
    // Auto never sends a small input to the GPU, nor anything to a software adapter.
    let (_, device) = Compute::new(Policy::Auto)
        .stationary_power(&c, 30, &PowerOptions::default())
        .unwrap();
    assert_eq!(device, Device::Cpu);
}

#[test]
fn bradley_terry_batch_agrees_within_its_tolerance() {
    let Some(gpu) = gpu() else { return };
    bradley_terry_parity(&gpu);
    // The f32 variant (f32 steps, then the f64 finish on the CPU) on the same adapter.
    if gpu.has_f64() {
        let single = Gpu::open_with(false).expect("the adapter opened once already");
        assert!(!single.has_f64());
        bradley_terry_parity(&single);
    }
}

fn bradley_terry_parity(gpu: &Gpu) {
    for (n, replicates, games, seed) in
        [(2, 1, 5, 1), (6, 4, 30, 2), (40, 25, 20, 3), (150, 8, 6, 4)]
    {
        // Every pair of a random connected graph (a path plus random chords), BT outcomes.
        let mut rng = SplitMix64::stream(seed, 0);
        let strength: Vec<f64> = (0..n).map(|_| rng.next_normal()).collect();
        let mut pairs: Vec<[u32; 2]> = (1..n as u32).map(|m| [m - 1, m]).collect();
        for _ in 0..2 * n {
            let (i, j) = (rng.below(n as u64) as u32, rng.below(n as u64) as u32);
            if i != j {
                pairs.push([i, j]);
            }
        }
        let mut wins = Vec::new();
        for _ in 0..replicates {
            for &[i, j] in &pairs {
                let p = 1.0 / (1.0 + (strength[j as usize] - strength[i as usize]).exp());
                let won = (0..games).filter(|_| rng.next_f64() < p).count() as f64;
                wins.extend([won, games as f64 - won]);
            }
        }
        let batch = BtBatch {
            n,
            pairs: &pairs,
            replicates,
            wins: &wins,
        };
        // Both stop when a step moves θ by < 1e-12; on a slowly contracting fit that still
        // leaves each up to ~1e-10 from the fixed point, so the bound below is 1e-8.
        let options = BtOptions {
            tolerance: 1e-12,
            ..BtOptions::default()
        };
        let cpu = bradley_terry_batch(&batch, None, &options).unwrap();
        let on_gpu = gpu.bradley_terry_batch(&batch, &options).unwrap();
        assert!(cpu.converged.iter().all(|&c| c), "n = {n}");
        assert!(on_gpu.converged.iter().all(|&c| c), "n = {n}");
        let gap = cpu
            .theta
            .iter()
            .zip(&on_gpu.theta)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(gap < 1e-8, "n = {n}: max |θ_cpu − θ_gpu| = {gap:e}");
    }
}

/// The CPU finish would hide a wrong shader (iterating from a bad start still converges), so
/// the GPU phases are also checked on their own: the same number of GPU steps (f32 for
/// `stationary_power`; f64 for `bradley_terry_batch` where the adapter has f64 shaders) as f64
/// steps of the CPU twin, from the same start.
#[test]
fn the_gpu_phases_follow_the_cpu_step_for_step() {
    let Some(gpu) = gpu() else { return };
    for (n, seed) in [(3, 1), (120, 2), (600, 3)] {
        let c = random_chain(n, seed);
        // 8 + 16 + 32 + 64 steps.
        let (pi, done) = gpu.power_steps_f32(&c, n, 120, false).unwrap();
        assert_eq!(done, 120);
        let cpu = stationary_power(
            &c,
            n,
            None,
            &PowerOptions {
                tolerance: 0.0,
                max_iterations: 120,
            },
        )
        .unwrap();
        let gap: f64 = pi.iter().zip(&cpu.pi).map(|(a, b)| (a - b).abs()).sum();
        assert!(gap < 1e-5, "n = {n}: ‖π_f32 − π_f64‖₁ = {gap:e}");
    }
    let pairs: Vec<[u32; 2]> = (0..30u32)
        .flat_map(|i| (i + 1..30).map(move |j| [i, j]))
        .collect();
    let mut rng = SplitMix64::stream(5, 0);
    let wins: Vec<f64> = (0..3 * pairs.len() * 2)
        .map(|_| rng.below(10) as f64)
        .collect();
    let batch = BtBatch {
        n: 30,
        pairs: &pairs,
        replicates: 3,
        wins: &wins,
    };
    let options = BtOptions::default();
    let (theta, done) = gpu
        .bradley_terry_steps(&batch, &options, 64, false)
        .unwrap();
    assert_eq!(done, 64);
    let cpu = bradley_terry_batch(
        &batch,
        None,
        &BtOptions {
            tolerance: 0.0,
            max_iterations: 64,
            ..options
        },
    )
    .unwrap();
    let gap = theta
        .iter()
        .zip(&cpu.theta)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    // f64 shaders follow the twin to rounding; f32 ones to f32 accuracy.
    let bound = if gpu.has_f64() { 1e-9 } else { 1e-4 };
    assert!(gap < bound, "max |θ_gpu − θ_cpu| after 64 steps = {gap:e}");
}
