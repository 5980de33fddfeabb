//! Where the time of a `bradley_terry` call goes on W1-sized data (1,000,000 verdicts among
//! 200 models, about 20 % ties): the whole call through the C entry, and its parts (tally,
//! component, fit, covariance). Ignored by default — a measurement, not a check:
//!
//! ```sh
//! cargo test --release -p podium-pairwise --test timing -- --ignored --nocapture
//! ```

use std::time::Instant;

use podium_pairwise::fit::{Interval, Ties, covariance, fit, largest_component};
use podium_pairwise::tally::{BothBad, tally};
use podium_plugin_api::sdk::{Dataset, Host};
use podium_plugin_api::testing::{Fixture, Plugin, TIE, WIN_A, WIN_B};
use podium_synth::SplitMix64;

#[test]
#[ignore = "a timing, run by hand in release mode"]
fn bradley_terry_on_a_million_verdicts() {
    const MODELS: usize = 200;
    let mut rng = SplitMix64::new(1);
    let theta: Vec<f64> = (0..MODELS).map(|_| rng.next_normal()).collect();
    let mut data = Fixture::numbered(MODELS, 1);
    for _ in 0..1_000_000 {
        let a = rng.below(MODELS as u64) as usize;
        let b = (a + 1 + rng.below(MODELS as u64 - 1) as usize) % MODELS;
        let winner = if rng.next_f64() < 0.2 {
            TIE
        } else if rng.next_f64() < 1.0 / (1.0 + (theta[b] - theta[a]).exp()) {
            WIN_A
        } else {
            WIN_B
        };
        data.push_comparison(a as u32, b as u32, winner, 1.0);
    }
    let plugin = Plugin::new(podium_pairwise::podium_plugin_v1);
    for params in [r#"{"interval": "none"}"#, "{}"] {
        let started = Instant::now();
        plugin.run("bradley_terry", &data, params).assert_ok();
        println!("whole call {params}: {:?}", started.elapsed());
    }
    data.with_view(|raw| {
        // SAFETY: the fixture's view follows the ABI contract for the closure's duration.
        #[allow(unsafe_code)]
        let view = unsafe { Dataset::from_raw(raw) };
        let host = Host::detached();
        let started = Instant::now();
        let pairs = tally(&host, &view, BothBad::Tie).unwrap();
        println!("tally: {:?}", started.elapsed());
        let started = Instant::now();
        let component = largest_component(&pairs, Ties::Half).unwrap();
        println!("component: {:?}", started.elapsed());
        let started = Instant::now();
        let result = fit(&host, &component, Ties::Half, 1e-10, 10_000).unwrap();
        println!("fit: {:?} ({} steps)", started.elapsed(), result.iterations);
        let started = Instant::now();
        covariance(&host, &component, &result, Interval::Sandwich).unwrap();
        println!("sandwich covariance: {:?}", started.elapsed());
    });
}
