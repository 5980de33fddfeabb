//! `onebench`'s bootstrap intervals (`resamples`): replicate matrices, reproducibility, and
//! the host kernels they run on.

#![allow(unsafe_code)]

mod common;

use common::*;
use podium_plugin_api::sdk::{Dataset, Host};
use podium_synth::SplitMix64;

/// 8 models of graded skill on 3 benchmarks × 40 samples (values in 4 levels), plus judge
/// verdicts on some samples.
fn graded() -> Fixture {
    let mut f = Fixture::numbered(8, 40)
        .benchmark("b1", 40)
        .benchmark("b2", 40);
    let mut rng = SplitMix64::stream(3, 0);
    for s in 0..120u32 {
        for m in 0..8u32 {
            let v = (f64::from(m) * 0.4 + 3.0 * rng.next_f64()).floor();
            f.push_measurement(m, s, v);
        }
    }
    for s in 0..60u32 {
        let (a, b) = (rng.below(8) as u32, rng.below(8) as u32);
        if a != b {
            f.push(podium_plugin_api::testing::ComparisonRow {
                sample: s,
                ..podium_plugin_api::testing::ComparisonRow::new(
                    a,
                    b,
                    if a > b { WIN_A } else { WIN_B },
                )
            });
        }
    }
    f
}

#[test]
fn a_replicate_of_every_sample_once_is_w_itself() {
    let f = graded();
    let params = podium_onebench::params::OneBenchParams::DEFAULT;
    f.with_view(|raw| {
        let data = unsafe { Dataset::from_raw(raw) };
        let host = Host::detached();
        let pairs = podium_onebench::matrix::build(&host, &data, &params, 1.0).unwrap();
        let all: Vec<usize> = (0..pairs.size()).collect();
        let once = vec![1u32; data.sample_count()];
        assert_eq!(
            pairs.replicate(&host, params.ties, &once, &all).unwrap(),
            pairs.w
        );
        let twice = vec![2u32; data.sample_count()];
        let doubled: Vec<f64> = pairs.w.iter().map(|w| 2.0 * w).collect();
        assert_eq!(
            pairs.replicate(&host, params.ties, &twice, &all).unwrap(),
            doubled
        );
        // A block picks rows and columns.
        let block = [2usize, 5];
        let k = pairs.size();
        assert_eq!(
            pairs.replicate(&host, params.ties, &once, &block).unwrap(),
            vec![0.0, pairs.w[2 * k + 5], pairs.w[5 * k + 2], 0.0]
        );
    });
}

#[test]
fn intervals_are_reproducible_and_come_from_the_host_kernels() {
    let f = graded();
    let params = r#"{"resamples": 60}"#;
    let a = plugin().run_with("onebench", &f, params, 7, None);
    let b = plugin().run_with("onebench", &f, params, 7, None);
    let c = plugin().run_with("onebench", &f, params, 8, None);
    a.assert_ok();
    assert_eq!(a.intervals(), b.intervals());
    assert_ne!(a.intervals(), c.intervals());
    let plain = plugin().run_with("onebench", &f, "{}", 7, None);
    assert_eq!(
        plain.scores(),
        a.scores(),
        "resampling leaves the estimate alone"
    );
    for (score, interval) in a.all_scores().iter().zip(a.intervals()) {
        let (lo, hi) = interval.expect("every fitted model has an interval");
        assert!(lo < hi, "{lo} {hi}");
        assert!(lo <= *score && *score <= hi, "{lo} <= {score} <= {hi}");
    }
    // The full W and 60 replicate Ws on pairwise_wins, the 60 fits in one batch.
    let kernels = &a.seen.kernels;
    assert_eq!(kernels.iter().filter(|k| *k == "pairwise_wins").count(), 61);
    assert_eq!(
        kernels
            .iter()
            .filter(|k| *k == "bradley_terry_batch")
            .count(),
        1
    );
    let extra = a.extra("onebench").unwrap();
    assert_eq!(extra["bootstrap"]["resamples"], 60);
    assert_eq!(extra["bootstrap"]["converged"], 60);
    // A 1.0 host: the SDK's CPU twins give the same intervals.
    let old = plugin().run_on_old_host("onebench", &f, params);
    assert!(old.seen.kernels.is_empty());
    assert_eq!(old.scores(), a.scores());
    // run_on_old_host uses seed 42.
    let same_seed = plugin().run_with("onebench", &f, params, 42, None);
    assert_eq!(old.intervals(), same_seed.intervals());
}
