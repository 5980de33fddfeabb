//! Power analysis for a win rate against an anchor: how many prompts are needed to detect a
//! given edge over the anchor.
//!
//! The test: a one-sided exact binomial (sign) test at α = 0.05 on the *decisive* prompts
//! (ties carry no sign). A true win rate of 0.5 + δ, counting ties as half, with tie rate τ
//! means that among decisive prompts `P(win) = 0.5 + δ / (1 − τ)`. For m decisive prompts the
//! critical value is the smallest c with `P(X ≥ c | m, ½) ≤ α`, and the power is
//! `P(X ≥ c | m, 0.5 + δ/(1 − τ))`. The answer is the smallest m whose power reaches 0.8
//! (exact powers zigzag in m; this is the first m that reaches it), turned into prompts as
//! `⌈m / (1 − τ)⌉` (on average that many prompts hold m decisive ones).
//!
//! Why it is shaped so: the sign test needs no assumption about how ties or strengths are
//! distributed, matches the "count wins over decisive prompts" reading of a win rate, and its
//! exact power is a pair of binomial tails (statrs' regularised incomplete beta). The critical
//! value never decreases with m, so the search walks m and c together.

use statrs::distribution::{Binomial, DiscreteCDF};

/// Significance level of the one-sided test.
pub const ALPHA: f64 = 0.05;

/// Required power.
pub const POWER: f64 = 0.8;

/// The search gives up beyond this many decisive prompts (never reached for edges ≥ 1 %).
pub const MAX_DECISIVE: u64 = 10_000_000;

/// The test's description, as reported in the diagnostics.
pub const TEST: &str = "one-sided exact sign test on decisive prompts, α = 0.05, power 0.8";

/// `P(X ≥ c)` for `X ~ Binomial(m, p)`.
fn upper_tail(dist: &Binomial, c: u64) -> f64 {
    if c == 0 { 1.0 } else { dist.sf(c - 1) }
}

/// The smallest number of decisive prompts m for which the one-sided exact sign test at
/// [`ALPHA`] has power ≥ [`POWER`] when a win on a decisive prompt has probability `p_win`
/// (> 0.5). `None` when `p_win` is not in (0.5, 1] or the search ends at [`MAX_DECISIVE`].
pub fn decisive_needed(p_win: f64) -> Option<u64> {
    if !(p_win > 0.5 && p_win <= 1.0) {
        return None;
    }
    let mut c = 0u64;
    for m in 1..=MAX_DECISIVE {
        let null = Binomial::new(0.5, m).ok()?;
        while upper_tail(&null, c) > ALPHA {
            c += 1;
        }
        if c > m {
            continue;
        }
        let alternative = Binomial::new(p_win, m).ok()?;
        if upper_tail(&alternative, c) >= POWER {
            return Some(m);
        }
    }
    None
}

/// Prompts needed to detect a win-rate edge `edge` (0.05 = a true win rate of 0.55, ties
/// counting half) given the tie rate `tie_rate`. `None` when every prompt is a tie, or when
/// the edge is impossible at this tie rate (`0.5 + edge/(1 − τ) > 1`).
pub fn prompts_needed(tie_rate: f64, edge: f64) -> Option<u64> {
    if !(0.0..1.0).contains(&tie_rate) {
        return None;
    }
    let decisive = 1.0 - tie_rate;
    let m = decisive_needed(0.5 + edge / decisive)?;
    // Guard against the quotient landing a rounding error above an integer.
    Some((m as f64 / decisive - 1e-9).ceil().max(m as f64) as u64)
}
