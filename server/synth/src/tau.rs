//! Kendall's rank correlation, τ-b.

/// Kendall's τ-b of two paired samples: `(C − D) / √((P − T_a)(P − T_b))`, where over all
/// `P = n(n−1)/2` pairs of positions, `C` counts the concordant pairs, `D` the discordant ones,
/// `T_a` the pairs tied in `a` and `T_b` those tied in `b` (a pair tied in both counts in both).
/// Equal to scipy's `kendalltau` (variant `b`). `NaN` when either vector is constant or has
/// fewer than two entries. Values are compared with `<`/`==`, so `NaN` entries make the result
/// meaningless: do not pass them.
///
/// O(n²): meant for leaderboards (hundreds to a few thousand models).
///
/// # Panics
/// When the lengths differ.
pub fn kendall_tau_b(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(
        a.len(),
        b.len(),
        "kendall_tau_b of vectors of different lengths"
    );
    let n = a.len();
    let (mut concordant, mut discordant, mut ties_a, mut ties_b) = (0u64, 0u64, 0u64, 0u64);
    for i in 0..n {
        for j in i + 1..n {
            let da = a[i].partial_cmp(&a[j]);
            let db = b[i].partial_cmp(&b[j]);
            use std::cmp::Ordering::Equal;
            match (da, db) {
                (Some(Equal), Some(Equal)) => {
                    ties_a += 1;
                    ties_b += 1;
                }
                (Some(Equal), _) => ties_a += 1,
                (_, Some(Equal)) => ties_b += 1,
                (x, y) if x == y => concordant += 1,
                _ => discordant += 1,
            }
        }
    }
    let pairs = (n as u64) * (n as u64).saturating_sub(1) / 2;
    let denominator = ((pairs - ties_a) as f64 * (pairs - ties_b) as f64).sqrt();
    if denominator == 0.0 {
        return f64::NAN;
    }
    (concordant as f64 - discordant as f64) / denominator
}

/// Kendall's τ-b between a method's scores (higher is better; `None` = no score) and the true
/// order (model indices, best first), over the models that have a score.
///
/// A model's true score is its position counted from the end (the best gets the highest), so
/// the τ is 1 when the scores order the scored models exactly as the truth does.
///
/// # Panics
/// When `true_order` does not list exactly the indices `0..scores.len()`.
pub fn tau_vs_true_order(scores: &[Option<f64>], true_order: &[u32]) -> f64 {
    assert_eq!(scores.len(), true_order.len(), "one score per model");
    let mut truth = vec![f64::NAN; scores.len()];
    for (position, model) in true_order.iter().enumerate() {
        let slot = &mut truth[*model as usize];
        assert!(slot.is_nan(), "model {model} twice in the true order");
        *slot = (true_order.len() - position) as f64;
    }
    let (estimated, truth): (Vec<f64>, Vec<f64>) = scores
        .iter()
        .zip(truth)
        .filter_map(|(score, truth)| score.map(|s| (s, truth)))
        .unzip();
    kendall_tau_b(&estimated, &truth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_is_one_and_reversed_is_minus_one() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        let reversed = [5.0, 4.0, 3.0, 2.0, 1.0];
        assert_eq!(kendall_tau_b(&a, &a), 1.0);
        assert_eq!(kendall_tau_b(&a, &reversed), -1.0);
        // Monotone transformations do not matter.
        assert_eq!(kendall_tau_b(&a, &[0.1, 0.2, 10.0, 11.0, 500.0]), 1.0);
    }

    #[test]
    fn one_swap_of_four() {
        // 6 pairs, one discordant: (5 − 1) / 6 = 2/3.
        let tau = kendall_tau_b(&[1.0, 2.0, 3.0, 4.0], &[1.0, 3.0, 2.0, 4.0]);
        assert!((tau - 2.0 / 3.0).abs() < 1e-15, "{tau}");
    }

    #[test]
    fn ties_by_hand() {
        // a = [1, 2, 2, 3], b = [1, 2, 3, 3]; pairs (i, j):
        // (0,1) C  (0,2) C  (0,3) C  (1,2) tie in a  (1,3) C  (2,3) tie in b
        // C = 4, D = 0, P = 6, T_a = 1, T_b = 1: τ-b = 4 / √(5 · 5) = 0.8.
        // (scipy.stats.kendalltau([1,2,2,3], [1,2,3,3]) → 0.8.)
        let tau = kendall_tau_b(&[1.0, 2.0, 2.0, 3.0], &[1.0, 2.0, 3.0, 3.0]);
        assert!((tau - 0.8).abs() < 1e-15, "{tau}");
        // a = [1, 1, 2, 3], b = [1, 1, 3, 2]: (0,1) tied in both, (0,2) C, (0,3) C, (1,2) C,
        // (1,3) C, (2,3) D. C = 4, D = 1, T_a = T_b = 1: 3 / 5 = 0.6.
        let tau = kendall_tau_b(&[1.0, 1.0, 2.0, 3.0], &[1.0, 1.0, 3.0, 2.0]);
        assert!((tau - 0.6).abs() < 1e-15, "{tau}");
        // a = [1, 2, 3], b = [1, 1, 2]: C = 2 ((0,2), (1,2)), T_b = 1, P = 3:
        // 2 / √(3 · 2) = 0.816496…
        let tau = kendall_tau_b(&[1.0, 2.0, 3.0], &[1.0, 1.0, 2.0]);
        assert!((tau - 2.0 / 6.0_f64.sqrt()).abs() < 1e-15, "{tau}");
    }

    #[test]
    fn constant_or_short_vectors_give_nan() {
        assert!(kendall_tau_b(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_nan());
        assert!(kendall_tau_b(&[1.0], &[1.0]).is_nan());
        assert!(kendall_tau_b(&[], &[]).is_nan());
    }

    #[test]
    fn against_the_true_order_over_scored_models_only() {
        // Truth: model 2 best, then 0, then 1, then 3.
        let order = [2, 0, 1, 3];
        let perfect = [Some(0.5), Some(0.1), Some(0.9), Some(-1.0)];
        assert_eq!(tau_vs_true_order(&perfect, &order), 1.0);
        let inverted = [Some(0.1), Some(0.5), Some(-1.0), Some(0.9)];
        assert_eq!(tau_vs_true_order(&inverted, &order), -1.0);
        // Model 1 unscored; among 2 > 0 > 3 the scores swap 0 and 3: of 3 pairs, (2,0) C,
        // (2,3) C, (0,3) D: 1/3.
        let partial = [Some(0.0), None, Some(1.0), Some(0.5)];
        let tau = tau_vs_true_order(&partial, &order);
        assert!((tau - 1.0 / 3.0).abs() < 1e-15, "{tau}");
    }
}
