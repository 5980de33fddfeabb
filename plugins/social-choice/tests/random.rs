//! Random profiles from a fixed seed: the Kemeny DP against brute force over all permutations,
//! margins against an independent count, Condorcet consistency, the heuristic path,
//! determinism and cancellation.

mod common;

use common::*;
use podium_plugin_api::abi::PodiumStatus;
use serde_json::json;

const ALL: [&str; 8] = [
    "plurality",
    "borda",
    "copeland",
    "minimax",
    "schulze",
    "ranked_pairs",
    "split_cycle",
    "kemeny",
];

/// SplitMix64 (Steele, Lea & Flood): a tiny fixed-seed generator for the profiles.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random profile over `n` numbered models: partial ballots with values in 0..4 (so ties
/// are frequent), some verdicts with integer weights. Every model gets at least one row.
fn random_profile(rng: &mut SplitMix64, n: usize, samples: usize) -> Fixture {
    let mut f = Fixture::numbered(n, samples);
    for s in 0..samples as u32 {
        for model in 0..n as u32 {
            if rng.below(10) < 7 {
                f.push_measurement(model, s, rng.below(4) as f64);
            }
        }
    }
    for model in 0..n as u32 {
        f.push_measurement(model, rng.below(samples as u64) as u32, rng.below(4) as f64);
    }
    for _ in 0..rng.below(4) {
        let a = rng.below(n as u64) as u32;
        let b = rng.below(n as u64) as u32;
        let winner = rng.below(4) as u32;
        f.push_comparison(a, b, winner, (1 + rng.below(3)) as f64);
    }
    f
}

#[allow(clippy::needless_range_loop)]
/// Margins counted independently: the later row per (model, sample) counts.
fn margins(f: &Fixture) -> Vec<Vec<f64>> {
    let n = f.models.len();
    let mut value = vec![vec![None; f.samples.len()]; n];
    for i in 0..f.m_values.len() {
        value[f.m_models[i] as usize][f.m_samples[i] as usize] = Some(f.m_values[i]);
    }
    let mut m = vec![vec![0.0; n]; n];
    for s in 0..f.samples.len() {
        for a in 0..n {
            for b in 0..n {
                if let (Some(x), Some(y)) = (value[a][s], value[b][s])
                    && x > y
                {
                    m[a][b] += 1.0;
                    m[b][a] -= 1.0;
                }
            }
        }
    }
    for c in &f.comparisons {
        let (a, b, w) = (c.a as usize, c.b as usize, c.weight);
        if a == b {
            continue;
        }
        match c.winner {
            WIN_A => {
                m[a][b] += w;
                m[b][a] -= w;
            }
            WIN_B => {
                m[b][a] += w;
                m[a][b] -= w;
            }
            _ => {}
        }
    }
    m
}

fn agreement(m: &[Vec<f64>], order: &[usize]) -> f64 {
    let mut total = 0.0;
    for i in 0..order.len() {
        for j in i + 1..order.len() {
            total += m[order[i]][order[j]];
        }
    }
    total
}

/// The lexicographically first permutation with the best agreement (strict improvement while
/// enumerating in lexicographic order).
fn brute_force_kemeny(m: &[Vec<f64>]) -> (Vec<usize>, f64) {
    let n = m.len();
    let mut perm: Vec<usize> = (0..n).collect();
    let mut best = (perm.clone(), agreement(m, &perm));
    // Next permutation in lexicographic order.
    while let Some(i) = (0..n.saturating_sub(1))
        .rev()
        .find(|&i| perm[i] < perm[i + 1])
    {
        let j = (i + 1..n).rev().find(|&j| perm[j] > perm[i]).unwrap();
        perm.swap(i, j);
        perm[i + 1..].reverse();
        let a = agreement(m, &perm);
        if a > best.1 {
            best = (perm.clone(), a);
        }
    }
    best
}

#[test]
fn kemeny_dp_matches_brute_force() {
    let mut rng = SplitMix64(0x5EED_0001);
    for case in 0..60 {
        let n = 1 + (case % 7);
        let samples = 1 + rng.below(8) as usize;
        let f = random_profile(&mut rng, n, samples);
        let m = margins(&f);
        let call = f.run("kemeny", "{}");
        let order: Vec<usize> = call.order.iter().map(|&i| i as usize).collect();
        let d = call.diag();
        // Every model has a row, so candidates are all models in index (= name) order.
        assert_eq!(d["margins"], json!(m), "case {case}");
        assert_eq!(d["exact"], json!(true));
        let (best, score) = brute_force_kemeny(&m);
        assert_eq!(agreement(&m, &order), score, "case {case}: {m:?}");
        assert_eq!(order, best, "case {case}: the first optimal order by name");
        assert_eq!(d["agreement"], json!(score));
    }
}

#[test]
fn condorcet_methods_put_the_condorcet_winner_first() {
    let mut rng = SplitMix64(0x5EED_0002);
    let mut seen = 0;
    for case in 0..80 {
        let n = 2 + (case % 6);
        let samples = 1 + rng.below(9) as usize;
        let f = random_profile(&mut rng, n, samples);
        let m = margins(&f);
        let Some(w) = (0..n).find(|&a| (0..n).all(|b| b == a || m[a][b] > 0.0)) else {
            continue;
        };
        seen += 1;
        for method in [
            "copeland",
            "minimax",
            "schulze",
            "ranked_pairs",
            "split_cycle",
            "kemeny",
        ] {
            let c = f.run(method, "{}");
            assert_eq!(c.order[0] as usize, w, "case {case} {method}");
            assert_eq!(c.diag()["condorcet_winner"], json!(f.models[w]));
        }
    }
    assert!(seen >= 10, "only {seen} profiles had a Condorcet winner");
}

#[test]
fn every_method_writes_a_full_order_consistent_with_its_scores() {
    let mut rng = SplitMix64(0x5EED_0003);
    for case in 0..30 {
        let n = 2 + (case % 8);
        let samples = 1 + rng.below(9) as usize;
        let f = random_profile(&mut rng, n, samples);
        for method in ALL {
            let c = f.run(method, "{}");
            let scores = c.all_scores();
            let mut sorted = c.order.clone();
            sorted.sort();
            assert_eq!(sorted, (0..n as u32).collect::<Vec<_>>(), "{method}");
            for pair in c.order.windows(2) {
                let (a, b) = (pair[0] as usize, pair[1] as usize);
                assert!(
                    scores[a] > scores[b] || (scores[a] == scores[b] && a < b),
                    "case {case} {method}: {:?} {scores:?}",
                    c.order
                );
            }
        }
        // Split Cycle winners ⊆ Schulze-like sanity: the first tier is non-empty.
        let tiers = f.run("split_cycle", "{}").diag()["tiers"].clone();
        assert!(!tiers[0].as_array().unwrap().is_empty());
    }
}

#[test]
fn heuristic_kemeny_is_a_valid_local_optimum_marked_approximate() {
    let mut rng = SplitMix64(0x5EED_0004);
    for case in 0..20 {
        let n = 3 + (case % 7);
        let samples = 2 + rng.below(10) as usize;
        let f = random_profile(&mut rng, n, samples);
        let m = margins(&f);
        let c = f.run("kemeny", r#"{"exact_up_to": 2}"#);
        let order: Vec<usize> = c.order.iter().map(|&i| i as usize).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, (0..n).collect::<Vec<_>>());
        let d = c.diag();
        assert_eq!(d["approximate"], json!(true));
        assert_eq!(d["exact"], json!(false));
        // No adjacent swap improves a local optimum of insertion moves.
        for pair in order.windows(2) {
            assert!(m[pair[0]][pair[1]] >= 0.0, "case {case}: {order:?}");
        }
        let exact = f.run("kemeny", "{}");
        let exact: Vec<usize> = exact.order.iter().map(|&i| i as usize).collect();
        assert!(agreement(&m, &order) <= agreement(&m, &exact));
        assert_eq!(d["agreement"], json!(agreement(&m, &order)));
    }
}

#[test]
fn results_are_deterministic() {
    let mut rng = SplitMix64(0x5EED_0005);
    let f = random_profile(&mut rng, 9, 12);
    for method in ALL {
        let (a, b) = (f.run(method, "{}"), f.run(method, "{}"));
        assert_eq!(a.order, b.order, "{method}");
        let bits = |c: &Call| c.scores.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b), "{method}");
        assert_eq!(a.seen.extras, b.seen.extras, "{method}");
    }
}

#[test]
fn cancellation_stops_every_method() {
    let mut rng = SplitMix64(0x5EED_0006);
    let f = random_profile(&mut rng, 14, 20);
    for method in ALL {
        let polls = f.run_with(method, "{}", None).seen.polls;
        assert!(polls >= 2, "{method} polls");
        for from in [1, polls / 2, polls] {
            let c = f.run_with(method, "{}", Some(from.max(1)));
            assert_eq!(
                c.status,
                PodiumStatus::Cancelled,
                "{method} from poll {from}"
            );
            assert!(c.order.is_empty(), "{method}: nothing written");
        }
    }
}

/// Timing on larger profiles (`cargo test --release -- --ignored --nocapture`): Kemeny's DP at
/// 20 candidates, the O(k³)-per-round Split Cycle and the others at 150.
#[test]
#[ignore]
fn timing_large_profiles() {
    let mut rng = SplitMix64(0x5EED_0007);
    let f = random_profile(&mut rng, 20, 200);
    let t = std::time::Instant::now();
    assert_eq!(f.run("kemeny", "{}").diag()["exact"], json!(true));
    println!("kemeny exact, 20 candidates: {:?}", t.elapsed());
    let f = random_profile(&mut rng, 150, 300);
    for method in ALL {
        let t = std::time::Instant::now();
        let c = f.run(method, "{}");
        assert_eq!(c.order.len(), 150, "{method}");
        println!("{method}, 150 candidates: {:?}", t.elapsed());
    }
}
