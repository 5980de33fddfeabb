//! CPU twin vs GPU for every kernel at growing sizes, both timed in the same run (median of
//! 3 after a warm-up), printing the ratio. `cargo bench -p podium-gpu --bench kernels`;
//! `-- --quick` for the small sizes only. On lavapipe the GPU column shows shader cost on the
//! CPU, not GPU speed; the thresholds of `Policy::Auto` come from a run on a real GPU.

use std::time::{Duration, Instant};

use podium_compute::{
    BtBatch, BtOptions, PowerOptions, RankedSamplesBuf, bradley_terry_batch, pairwise_wins,
    stationary_power,
};
use podium_gpu::Gpu;
use podium_synth::SplitMix64;

fn median(mut f: impl FnMut() -> Duration) -> Duration {
    f();
    let mut t: Vec<Duration> = (0..3).map(|_| f()).collect();
    t.sort();
    t[1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let quick =
        std::env::args().any(|a| a == "--quick") || !std::env::args().any(|a| a == "--bench");
    let gpu = match Gpu::open() {
        Ok(g) => g,
        Err(e) => {
            println!("no GPU ({e}): nothing to compare");
            return;
        }
    };
    println!("GPU: {}", gpu.describe());
    println!("kernel            size                          cpu ms     gpu ms   cpu/gpu");
    let wins_sizes: &[(usize, usize)] = if quick {
        &[(50, 2_000), (100, 10_000)]
    } else {
        &[
            (50, 2_000),
            (100, 10_000),
            (100, 100_000),
            (300, 30_000),
            (1_000, 10_000),
            (2_000, 5_000),
        ]
    };
    for &(n, samples) in wins_sizes {
        let mut rng = SplitMix64::stream(n as u64, samples as u64);
        let values: Vec<Vec<(u32, f64)>> = (0..samples)
            .map(|_| (0..n as u32).map(|m| (m, rng.next_f64())).collect())
            .collect();
        let buf = RankedSamplesBuf::from_values(&values);
        let cpu = median(|| {
            let t = Instant::now();
            pairwise_wins(&buf.view(), n).unwrap();
            t.elapsed()
        });
        let on_gpu = median(|| {
            let t = Instant::now();
            gpu.pairwise_wins(&buf.view(), n).unwrap();
            t.elapsed()
        });
        println!(
            "pairwise_wins     {n:>5} models × {samples:>7} samples  {:>9.1}  {:>9.1}  {:>7.2}",
            ms(cpu),
            ms(on_gpu),
            cpu.as_secs_f64() / on_gpu.as_secs_f64()
        );
    }
    let chain_sizes: &[usize] = if quick {
        &[100, 500]
    } else {
        &[100, 500, 1_000, 2_000, 5_000]
    };
    for &n in chain_sizes {
        let mut rng = SplitMix64::stream(n as u64, 1);
        let mut c = vec![0.0; n * n];
        for s in 0..n {
            let row: Vec<f64> = (0..n).map(|_| rng.next_f64().powi(3)).collect();
            let total: f64 = row.iter().sum();
            for r in 0..n {
                c[s * n + r] = 0.9 * row[r] / total + if r == s { 0.1 } else { 0.0 };
            }
        }
        let options = PowerOptions {
            tolerance: 1e-13,
            max_iterations: 100_000,
        };
        let mut steps = (0, 0);
        let cpu = median(|| {
            let t = Instant::now();
            steps.0 = stationary_power(&c, n, None, &options).unwrap().iterations;
            t.elapsed()
        });
        let on_gpu = median(|| {
            let t = Instant::now();
            steps.1 = gpu.stationary_power(&c, n, &options).unwrap().iterations;
            t.elapsed()
        });
        println!(
            "stationary_power  {n:>5} models ({:>4} / {:>4} steps)     {:>9.1}  {:>9.1}  {:>7.2}",
            steps.0,
            steps.1,
            ms(cpu),
            ms(on_gpu),
            cpu.as_secs_f64() / on_gpu.as_secs_f64()
        );
    }
    let bt_sizes: &[(usize, usize, usize)] = if quick {
        &[(50, 4, 20), (100, 10, 50)]
    } else {
        &[
            (50, 4, 20),
            (100, 10, 200),
            (300, 10, 200),
            (1_000, 10, 100),
            (1_000, 10, 1_000),
            (3_000, 20, 300),
        ]
    };
    for &(n, degree, replicates) in bt_sizes {
        // A random graph with `degree` opponents per model (a path keeps it connected), 20
        // games per pair per replicate from Bradley–Terry strengths.
        let mut rng = SplitMix64::stream(n as u64, 2);
        let strength: Vec<f64> = (0..n).map(|_| rng.next_normal()).collect();
        let mut pairs: Vec<[u32; 2]> = (1..n as u32).map(|m| [m - 1, m]).collect();
        while pairs.len() < n * degree / 2 {
            let (i, j) = (rng.below(n as u64) as u32, rng.below(n as u64) as u32);
            if i != j {
                pairs.push([i, j]);
            }
        }
        let mut wins = Vec::with_capacity(replicates * pairs.len() * 2);
        for _ in 0..replicates {
            for &[i, j] in &pairs {
                let p = 1.0 / (1.0 + (strength[j as usize] - strength[i as usize]).exp());
                let won = (0..20).filter(|_| rng.next_f64() < p).count() as f64;
                wins.extend([won, 20.0 - won]);
            }
        }
        let batch = BtBatch {
            n,
            pairs: &pairs,
            replicates,
            wins: &wins,
        };
        let options = BtOptions::default();
        let mut steps = (0, 0);
        let cpu = median(|| {
            let t = Instant::now();
            let r = bradley_terry_batch(&batch, None, &options).unwrap();
            steps.0 = r.iterations.iter().copied().max().unwrap_or(0);
            t.elapsed()
        });
        let on_gpu = median(|| {
            let t = Instant::now();
            let r = gpu.bradley_terry_batch(&batch, &options).unwrap();
            steps.1 = r.iterations.iter().copied().max().unwrap_or(0);
            t.elapsed()
        });
        println!(
            "bradley_terry     {n:>5} models × {:>6} pairs × {replicates:>4} replicates ({} / {} steps)  {:>9.1}  {:>9.1}  {:>7.2}",
            pairs.len(),
            steps.0,
            steps.1,
            ms(cpu),
            ms(on_gpu),
            cpu.as_secs_f64() / on_gpu.as_secs_f64()
        );
    }
}
