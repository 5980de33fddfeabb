//! Stratified bootstrap replicates as multiplicities: each stratum draws as many of its units
//! as it holds, with replacement. Plugins that resample inside the method (onebench's and
//! game-theory's intervals) pass the counts to the host's kernels as weights instead of
//! building resampled copies of the data.

use std::collections::BTreeMap;

use podium_synth::SplitMix64;

/// The units of each stratum, strata in key order, units in input order.
pub fn strata(keys: impl IntoIterator<Item = u32>) -> Vec<Vec<usize>> {
    let mut groups: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (unit, key) in keys.into_iter().enumerate() {
        groups.entry(key).or_default().push(unit);
    }
    groups.into_values().collect()
}

/// Fills `counts` (one entry per unit, zeroed first) with the multiplicities of one replicate
/// drawn from `rng`.
pub fn stratified_counts(groups: &[Vec<usize>], rng: &mut SplitMix64, counts: &mut [u32]) {
    counts.fill(0);
    for members in groups {
        for _ in 0..members.len() {
            counts[members[rng.below(members.len() as u64) as usize]] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stratum_keeps_its_size() {
        let groups = strata([2, 0, 2, 2, 0]);
        assert_eq!(groups, vec![vec![1, 4], vec![0, 2, 3]]);
        let mut counts = vec![9; 5];
        stratified_counts(&groups, &mut SplitMix64::stream(1, 0), &mut counts);
        assert_eq!(counts[1] + counts[4], 2);
        assert_eq!(counts[0] + counts[2] + counts[3], 3);
    }
}
