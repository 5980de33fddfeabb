//! Benchmark W3: `csd` on 30 models × 40 benchmarks (5 samples each, synthetic values from
//! SplitMix64), N = 100,000 runs through the plugin's C entry. Acceptance: ≤ 1 s in release on
//! the 2-core reference machine. Without `--bench` (run as a test) it is a smoke run of 2,000
//! runs.

use std::time::Instant;

use podium_plugin_api::testing::{Fixture, Plugin};
use podium_synth::SplitMix64;

const MODELS: usize = 30;
const BENCHMARKS: usize = 40;
const SAMPLES: usize = 5;

fn fixture() -> Fixture {
    let mut f = Fixture::numbered(MODELS, SAMPLES);
    for k in 1..BENCHMARKS {
        f = f.benchmark(&format!("b{k:02}"), SAMPLES);
    }
    let mut rng = SplitMix64::stream(3, 0);
    for k in 0..BENCHMARKS {
        let difficulty = rng.uniform(-1.0, 1.0);
        for m in 0..MODELS {
            let strength = 1.0 - m as f64 / MODELS as f64;
            for s in 0..SAMPLES {
                let v = strength - difficulty + 0.5 * rng.next_normal();
                f.push_measurement(m as u32, (k * SAMPLES + s) as u32, v);
            }
        }
    }
    f
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runs = if full { 100_000 } else { 2_000 };
    let plugin = Plugin::new(podium_swiss::podium_plugin_v1);
    let data = fixture();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let params = format!(r#"{{"runs": {runs}}}"#);
    // Warm-up (page faults, thread start).
    plugin.run("csd", &data, r#"{"runs": 1000}"#).assert_ok();
    let started = Instant::now();
    let call = plugin.run("csd", &data, &params);
    let wall = started.elapsed().as_secs_f64();
    call.assert_ok();
    let scores = call.scores();
    assert!(scores.iter().all(Option::is_some));
    println!(
        "W3 csd: {MODELS} models x {BENCHMARKS} benchmarks, N = {runs}: {wall:.3} s, {:.0} runs/s, {threads} threads{}",
        runs as f64 / wall,
        if full {
            ""
        } else {
            " (smoke run; `cargo bench` for N = 100,000)"
        }
    );
    if full && wall > 1.0 {
        println!("W3: above the 1 s target");
    }
}
