//! Benchmark W3: `csd` on 30 models × 40 benchmarks (5 samples each, synthetic values from
//! SplitMix64), N = 100,000 runs through the plugin's C entry. Acceptance: ≤ 1 s in release on
//! the 2-core reference machine. Without `--bench` (run as a test) it is a smoke run of 2,000
//! runs. The same simulation on one thread, timed in the same run, is the baseline its
//! thread speed-up is printed against.

use std::time::Instant;

use podium_plugin_api::testing::{Fixture, Plugin};
use podium_swiss::sim::{self, Game, MatchRule, Odd, Rules, Tie};
use podium_synth::SplitMix64;

const MODELS: usize = 30;
const BENCHMARKS: usize = 40;
const SAMPLES: usize = 5;

/// The fixture and the per-(benchmark, model) means of its values (round-major).
fn fixture() -> (Fixture, Vec<Option<f64>>) {
    let mut means = vec![None; MODELS * BENCHMARKS];
    let mut f = Fixture::numbered(MODELS, SAMPLES);
    for k in 1..BENCHMARKS {
        f = f.benchmark(&format!("b{k:02}"), SAMPLES);
    }
    let mut rng = SplitMix64::stream(3, 0);
    for k in 0..BENCHMARKS {
        let difficulty = rng.uniform(-1.0, 1.0);
        for m in 0..MODELS {
            let strength = 1.0 - m as f64 / MODELS as f64;
            let mut sum = 0.0;
            for s in 0..SAMPLES {
                let v = strength - difficulty + 0.5 * rng.next_normal();
                f.push_measurement(m as u32, (k * SAMPLES + s) as u32, v);
                sum += v;
            }
            means[k * MODELS + m] = Some(sum / SAMPLES as f64);
        }
    }
    (f, means)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runs = if full { 100_000 } else { 2_000 };
    let plugin = Plugin::new(podium_swiss::podium_plugin_v1);
    let (data, means) = fixture();
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
    // Baseline: the engine alone on one thread. The plugin orders benchmarks easiest first;
    // the order does not change the work.
    let game = Game::from_means(MODELS, BENCHMARKS, &means);
    let rules = Rules {
        tie: Tie::Coin,
        odd: Odd::Bye,
        matching: MatchRule::Deterministic,
        eliminate: vec![0; BENCHMARKS],
        top_k: 3,
    };
    let started = Instant::now();
    let totals = sim::simulate(&game, &rules, runs, 1, 1, &mut |_| Ok(())).expect("simulation");
    let single = started.elapsed().as_secs_f64();
    assert_eq!(totals.runs, runs);
    println!(
        "W3 baseline, engine on 1 thread: {single:.3} s, {:.0} runs/s; plugin call on {threads} threads = {:.2}x faster",
        runs as f64 / single,
        single / wall
    );
    if full && wall > 1.0 {
        println!("W3: above the 1 s target");
    }
}
