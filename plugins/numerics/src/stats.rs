//! Quantiles the plugins' intervals need: the percentile of bootstrap replicates and the
//! standard normal quantile of Wald intervals.
//!
//! Why it is shaped so: [`quantile`] interpolates linearly between order statistics, numpy's
//! default (`method="linear"`), so percentile intervals match the Python references the plugins
//! are checked against; it takes already sorted values because callers sort once and ask for
//! two quantiles. [`normal_quantile`] takes the interval's coverage `level`, the parameter the
//! methods expose, rather than a tail probability.

use statrs::distribution::{ContinuousCDF, Normal};

/// The `q` quantile (0 ≤ q ≤ 1) of `sorted` (ascending) by linear interpolation between order
/// statistics (numpy's default); NaN when `sorted` is empty.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The two-sided standard normal quantile for a central interval of `level`: z with
/// P(|Z| ≤ z) = `level` (1.959… for 0.95).
pub fn normal_quantile(level: f64) -> f64 {
    Normal::standard().inverse_cdf(0.5 + level / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_interpolates_like_numpy() {
        let v = [1.0, 2.0, 4.0, 8.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 8.0);
        // numpy.quantile([1, 2, 4, 8], 0.5) == 3.0, 0.25 → 1.75.
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 0.25), 1.75);
        assert_eq!(quantile(&[5.0], 0.3), 5.0);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn normal_quantile_of_common_levels() {
        assert!((normal_quantile(0.95) - 1.959_963_984_540_054).abs() < 1e-9);
        assert!((normal_quantile(0.9) - 1.644_853_626_951_472_2).abs() < 1e-9);
    }
}
