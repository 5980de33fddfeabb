//! The order in which online rating systems see the verdicts.
//!
//! Online systems (Elo, Glicko-2, Weng-Lin, TrueSkill) depend on the order of the games, so
//! the order must be a stated rule, not whatever order rows came in: verdicts run by
//! timestamp, oldest first; equal timestamps keep the host's order (a stable sort), and
//! verdicts without a timestamp come first, in the host's order (`PODIUM_NO_TIMESTAMP` is the
//! smallest `i64`).

use podium_plugin_api::sdk::Comparisons;

/// The comparison indices in the order the games were played.
pub fn chronological(comparisons: &Comparisons<'_>) -> Vec<usize> {
    let times = comparisons.timestamps_ms;
    let mut order: Vec<usize> = (0..times.len()).collect();
    if times.windows(2).any(|w| w[0] > w[1]) {
        order.sort_by_key(|&i| times[i]);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use podium_plugin_api::abi::PODIUM_NO_TIMESTAMP;

    #[test]
    fn by_time_stable_and_untimed_first() {
        let times = [30, PODIUM_NO_TIMESTAMP, 10, 30, PODIUM_NO_TIMESTAMP, 20];
        let n = times.len();
        let zeros = vec![0u32; n];
        let ones = vec![1.0; n];
        let comparisons = Comparisons {
            models_a: &zeros,
            models_b: &zeros,
            samples: &zeros,
            winners: &zeros,
            strengths: &ones,
            weights: &ones,
            timestamps_ms: &times,
            judges: &zeros,
        };
        assert_eq!(chronological(&comparisons), vec![1, 4, 2, 5, 0, 3]);
    }
}
