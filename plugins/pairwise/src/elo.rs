//! Online Elo in the order the verdicts were given, with bootstrap intervals.
//!
//! The LMArena/FastChat convention: every model starts at `initial` (1000), the expected score
//! of a against b is E = 1 / (1 + base^((R_b − R_a)/scale)) with base 10 and scale 400, and
//! after each verdict R_a += K·w·(S − E), R_b −= K·w·(S − E), with S = 1, ½ or 0 from a's side,
//! K = 4 and w the verdict's weight (a verdict of weight 2 moves the ratings as two equal
//! verdicts in a row would, to first order). evalica's `elo` scales only S by the weight
//! (K·(w·S − E)); the two agree for weight 1, which is what the reference cases check.
//!
//! Elo depends on the order, so the order is a rule ([`crate::timeline::chronological`]). Its
//! uncertainty is the spread over bootstrap replicates: each round draws as many verdicts as
//! there are with replacement, keeps them in chronological order and replays them; the
//! interval is the percentile interval of those replicates. The score itself is the single
//! replay of the data as given.

use podium_plugin_api::sdk::{Dataset, Host, MethodError};
use podium_synth::SplitMix64;

use crate::tally::{BothBad, outcome};

/// Elo's constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EloConfig {
    /// K-factor.
    pub k: f64,
    /// Rating points per factor `base` of odds.
    pub scale: f64,
    /// Base of the odds.
    pub base: f64,
    /// Starting rating.
    pub initial: f64,
}

/// One game, ready to replay.
#[derive(Debug, Clone, Copy)]
pub struct Game {
    /// model_a.
    pub a: u32,
    /// model_b.
    pub b: u32,
    /// model_a's points: 1, ½ or 0.
    pub score_a: f64,
    /// The verdict's weight.
    pub weight: f64,
}

/// The games of `data` in chronological order (rows checked; `both_bad` per the rule).
pub fn games(
    data: &Dataset<'_>,
    order: &[usize],
    both_bad: BothBad,
) -> Result<Vec<Game>, MethodError> {
    let mut games = Vec::with_capacity(order.len());
    for &row in order {
        let (a, b) = data.check_comparison(row)?;
        let Some(result) = outcome(data.comparisons.winners[row], both_bad) else {
            continue;
        };
        games.push(Game {
            a: a as u32,
            b: b as u32,
            score_a: result.score_a(),
            weight: data.comparisons.weights[row],
        });
    }
    Ok(games)
}

/// Replays `games` (in the order given, or in the order of `picks` when given) from
/// `initial` ratings.
pub fn replay(
    models: usize,
    games: &[Game],
    picks: Option<&[u32]>,
    config: &EloConfig,
) -> Vec<f64> {
    let mut ratings = vec![config.initial; models];
    let ln_base_over_scale = config.base.ln() / config.scale;
    let mut play = |game: &Game| {
        let (a, b) = (game.a as usize, game.b as usize);
        let expected = 1.0 / (1.0 + ((ratings[b] - ratings[a]) * ln_base_over_scale).exp());
        let delta = config.k * game.weight * (game.score_a - expected);
        ratings[a] += delta;
        ratings[b] -= delta;
    };
    match picks {
        None => games.iter().for_each(&mut play),
        Some(picks) => picks.iter().for_each(|&g| play(&games[g as usize])),
    }
    ratings
}

/// Replays `rounds` bootstrap replicates; returns each model's replicate ratings
/// (`rounds` values per model, model-major).
pub fn bootstrap(
    host: &Host<'_>,
    models: usize,
    games: &[Game],
    config: &EloConfig,
    rounds: usize,
    seed: u64,
) -> Result<Vec<Vec<f64>>, MethodError> {
    let mut replicates = vec![Vec::with_capacity(rounds); models];
    let count = games.len();
    let mut counts = vec![0u32; count];
    let mut picks: Vec<u32> = Vec::with_capacity(count);
    for round in 0..rounds {
        host.check_cancelled()?;
        host.progress(0.2 + 0.8 * round as f64 / rounds as f64);
        // A multiset of games, replayed in chronological order: count the draws per game,
        // then walk the games in order (O(games), no sort).
        let mut rng = SplitMix64::stream(seed, round as u64);
        counts.fill(0);
        for _ in 0..count {
            counts[rng.below(count as u64) as usize] += 1;
        }
        picks.clear();
        for (g, &times) in counts.iter().enumerate() {
            for _ in 0..times {
                picks.push(g as u32);
            }
        }
        let ratings = replay(models, games, Some(&picks), config);
        for (m, r) in ratings.into_iter().enumerate() {
            replicates[m].push(r);
        }
    }
    Ok(replicates)
}
