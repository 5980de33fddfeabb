//! Online rating systems over judge verdicts: `glicko2`, `weng_lin` and `trueskill`.
//!
//! What they are for: agent and game evaluations where verdicts arrive as a stream of games
//! (arena battles, tournament rounds) and the question is "how strong is each model now, and
//! how sure are we", with a rating on a scale people already know (Glicko's 1500, TrueSkill's
//! and OpenSkill's 25). Unlike a Bradley–Terry fit, an online system weighs recent games as
//! it saw them, and it carries its own uncertainty per model.
//!
//! Why they are shaped so:
//! - **The rating math is the maintained `skillratings` crate** (its 1-vs-1 functions
//!   `glicko2::glicko2`, `weng_lin::weng_lin`, `trueskill::trueskill`), not a copy of the
//!   formulas: the numbers are exactly what that crate gives, game by game, and its defaults
//!   are this module's defaults (the code takes them from its `new()` constructors).
//! - **Order is a stated rule.** Online systems depend on the order of the games, so games run
//!   in [`crate::timeline::chronological`] order (by timestamp, stable, untimed first), never
//!   in whatever order rows arrived.
//! - **One game, one update.** These systems have no notion of a half-counted game, so a
//!   verdict with a weight other than 1 is refused rather than silently rounded; strength is
//!   ignored. `both_bad` is a draw (both equally good at being bad) unless asked to skip it.
//! - **Untouched models stay unscored.** Every model starts at the configured prior; a model
//!   that played no game would only report that prior, which is no evidence, so it gets no
//!   score.
//! - **The interval is the system's own posterior**, mean ± z·σ, centred on the mean also
//!   when the score is the conservative mean − k·σ; it is no bootstrap (the host replaces it
//!   with percentile intervals when a bootstrap is requested).
//! - **Untrusted data**: an index out of range, an unknown winner code, a model compared with
//!   itself, or numbers that degenerate under extreme parameters are `INVALID_DATA` naming
//!   the comparison row, never a panic.

use podium_numerics::stats::normal_quantile;
use podium_plugin_api::abi::{
    PODIUM_METHOD_USES_COMPARISONS, PODIUM_WINNER_BOTH_BAD, PODIUM_WINNER_MODEL_A,
    PODIUM_WINNER_MODEL_B, PODIUM_WINNER_TIE,
};
use podium_plugin_api::params::{number_in, one_of, reject_unknown};
use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params};
use serde_json::{Map, Value, json};
use skillratings::Outcomes;
use skillratings::glicko2::{Glicko2Config, Glicko2Rating};
use skillratings::trueskill::{TrueSkillConfig, TrueSkillRating};
use skillratings::weng_lin::{WengLinConfig, WengLinRating};

use crate::timeline::chronological;

/// Games between two polls of the cancellation flag.
const POLL_EVERY: usize = 4096;

/// Parameters every online method reads, besides its system's own.
const COMMON_PARAMS: [&str; 4] = ["both_bad", "score", "conservative_k", "level"];

/// Bounds of the checks; the schema texts repeat them, since the host validates against the
/// schema first and the two must refuse the same values.
const MAX_LOCATION: f64 = 1e6;
const MAX_SCALE: f64 = 1e4;
const MAX_K: f64 = 10.0;

/// The JSON Schema properties every online method shares (spliced into each schema).
macro_rules! common_properties {
    () => {
        r#"
    "both_bad": {
      "description": "How a both_bad verdict (both answers bad) enters: \"tie\" plays it as a draw, \"ignore\" skips the row.",
      "type": "string",
      "enum": ["tie", "ignore"],
      "default": "tie"
    },
    "score": {
      "description": "The score: \"mean\" is the rating's mean; \"conservative\" is mean - conservative_k * sigma (deviation for Glicko-2), which ranks a model that played little below an equally rated one that played much.",
      "type": "string",
      "enum": ["mean", "conservative"],
      "default": "mean"
    },
    "conservative_k": {
      "description": "k of the conservative score mean - k * sigma (used when score is \"conservative\").",
      "type": "number",
      "minimum": 0,
      "maximum": 10,
      "default": 3
    },
    "level": {
      "description": "Coverage of the interval mean ± z * sigma, with z the two-sided standard normal quantile of this level: the system's own posterior uncertainty, not a bootstrap.",
      "type": "number",
      "minimum": 0.5,
      "maximum": 0.999,
      "default": 0.95
    },"#
    };
}

/// How the parameters shared by the three methods were set.
struct Common {
    skip_both_bad: bool,
    /// `Some(k)` for the conservative score mean − k·σ.
    conservative_k: Option<f64>,
    level: f64,
    /// Two-sided standard normal quantile of `level`.
    z: f64,
}

impl Common {
    fn parse(params: &Params) -> Result<Common, MethodError> {
        let both_bad = one_of(params, "both_bad", &["tie", "ignore"], "tie")?;
        let score = one_of(params, "score", &["mean", "conservative"], "mean")?;
        let k = number_in(params, "conservative_k", 0.0, MAX_K, 3.0)?;
        let level = number_in(params, "level", 0.5, 0.999, 0.95)?;
        Ok(Common {
            skip_both_bad: both_bad == "ignore",
            conservative_k: (score == "conservative").then_some(k),
            level,
            z: normal_quantile(level),
        })
    }
}

/// A number in `(0, high]`: scales (deviations, β, τ) must be positive, or the systems divide
/// by zero.
fn positive(params: &Params, field: &str, high: f64, default: f64) -> Result<f64, MethodError> {
    let x = number_in(params, field, 0.0, high, default)?;
    if x > 0.0 {
        Ok(x)
    } else {
        Err(MethodError::invalid_params(
            field,
            format!("must be greater than 0, got {x}"),
        ))
    }
}

/// One rating system as the shared game loop sees it.
trait System {
    /// The system's name in descriptions and messages.
    const LABEL: &'static str;
    /// What the extra calls σ: "deviation" (Glicko-2) or "sigma".
    const SIGMA_NAME: &'static str;
    /// The system's own parameters, besides [`COMMON_PARAMS`].
    const PARAMS: &'static [&'static str];
    type Rating: Copy;
    type Config;

    /// The prior every model starts from, and the system's constants.
    fn parse(params: &Params) -> Result<(Self::Rating, Self::Config), MethodError>;
    /// One game; `outcome` is from `a`'s side.
    fn rate(
        a: &Self::Rating,
        b: &Self::Rating,
        outcome: &Outcomes,
        config: &Self::Config,
    ) -> (Self::Rating, Self::Rating);
    fn mean(rating: &Self::Rating) -> f64;
    fn sigma(rating: &Self::Rating) -> f64;
    /// Fields of the extra beyond mean and σ.
    fn more_fields(_rating: &Self::Rating, _fields: &mut Map<String, Value>) {}
}

/// What one model did.
#[derive(Clone, Copy, Default)]
struct Tally {
    wins: u64,
    draws: u64,
    losses: u64,
}

impl Tally {
    fn games(&self) -> u64 {
        self.wins + self.draws + self.losses
    }
}

/// The shared body of the three methods: check, play every game in time order, score.
fn play<S: System>(
    id: &str,
    host: &Host<'_>,
    data: &Dataset<'_>,
    params: &Params,
    out: &mut Output<'_>,
) -> Result<(), MethodError> {
    let known: Vec<&str> = COMMON_PARAMS.iter().chain(S::PARAMS).copied().collect();
    reject_unknown(params, &known)?;
    let common = Common::parse(params)?;
    let (prior, config) = S::parse(params)?;
    host.check_cancelled()?;

    let c = &data.comparisons;
    let models = data.model_count();
    let order = chronological(c);
    let total = order.len();
    let mut ratings = vec![prior; models];
    let mut tallies = vec![Tally::default(); models];
    let mut skipped = 0u64;
    for (done, &row) in order.iter().enumerate() {
        if done % POLL_EVERY == 0 {
            host.check_cancelled()?;
            host.progress(done as f64 / total as f64);
        }
        let (a, b) = (c.models_a[row] as usize, c.models_b[row] as usize);
        if a >= models || b >= models {
            return Err(MethodError::invalid_data(format!(
                "comparison {row}: model index {} is out of range (the selection has {models} \
                 models)",
                if a >= models { a } else { b }
            )));
        }
        if a == b {
            return Err(MethodError::invalid_data(format!(
                "comparison {row}: compares model {} with itself, which is no game",
                data.model_name(a)
            )));
        }
        let weight = c.weights[row];
        if weight != 1.0 {
            return Err(MethodError::invalid_data(format!(
                "comparison {row}: weight {weight}, but {} updates once per game and cannot \
                 weigh a verdict; only weight 1 is accepted",
                S::LABEL
            )));
        }
        let outcome = match c.winners[row] {
            PODIUM_WINNER_MODEL_A => Outcomes::WIN,
            PODIUM_WINNER_MODEL_B => Outcomes::LOSS,
            PODIUM_WINNER_TIE => Outcomes::DRAW,
            PODIUM_WINNER_BOTH_BAD if common.skip_both_bad => {
                skipped += 1;
                continue;
            }
            PODIUM_WINNER_BOTH_BAD => Outcomes::DRAW,
            code => {
                return Err(MethodError::invalid_data(format!(
                    "comparison {row}: unknown winner code {code}"
                )));
            }
        };
        let (new_a, new_b) = S::rate(&ratings[a], &ratings[b], &outcome, &config);
        // Extreme parameters can overflow or divide 0 by 0 inside the system; a NaN would
        // poison every later game, so stop here and say where.
        if ![new_a, new_b]
            .iter()
            .all(|r| S::mean(r).is_finite() && S::sigma(r).is_finite())
        {
            return Err(MethodError::invalid_data(format!(
                "comparison {row}: the {} update gave a non-finite rating (the parameters are \
                 too extreme for these ratings)",
                S::LABEL
            )));
        }
        ratings[a] = new_a;
        ratings[b] = new_b;
        match outcome {
            Outcomes::WIN => {
                tallies[a].wins += 1;
                tallies[b].losses += 1;
            }
            Outcomes::LOSS => {
                tallies[a].losses += 1;
                tallies[b].wins += 1;
            }
            Outcomes::DRAW => {
                tallies[a].draws += 1;
                tallies[b].draws += 1;
            }
        }
    }
    host.check_cancelled()?;
    let played = total as u64 - skipped;
    if played == 0 {
        return Err(MethodError::invalid_data(format!(
            "the selection has no judge verdicts to play ({total} comparisons, {skipped} \
             both_bad skipped): {id} needs pairwise comparisons"
        )));
    }

    let mut per_model = Map::new();
    for (m, (rating, tally)) in ratings.iter().zip(&tallies).enumerate() {
        if tally.games() == 0 {
            continue;
        }
        let (mean, sigma) = (S::mean(rating), S::sigma(rating));
        let score = common.conservative_k.map_or(mean, |k| mean - k * sigma);
        out.set_score(m, score);
        out.set_interval(m, mean - common.z * sigma, mean + common.z * sigma);
        let mut fields = Map::new();
        fields.insert("games".into(), json!(tally.games()));
        fields.insert("wins".into(), json!(tally.wins));
        fields.insert("draws".into(), json!(tally.draws));
        fields.insert("losses".into(), json!(tally.losses));
        fields.insert("rating".into(), json!(mean));
        fields.insert(S::SIGMA_NAME.into(), json!(sigma));
        S::more_fields(rating, &mut fields);
        per_model.insert(data.model_name(m).to_owned(), Value::Object(fields));
    }
    let score_rule = match common.conservative_k {
        None => "rating (the mean)".to_owned(),
        Some(k) => format!("rating - {k} * {}", S::SIGMA_NAME),
    };
    let ordering = format!(
        "Models are ranked by {score_rule}, higher is better, equal scores sharing a rank, after \
         {played} {} games played one at a time in timestamp order (untimed verdicts first, \
         equal timestamps in the selection's order); models without a game are unscored. \
         Intervals are rating ± {:.6} * {} ({} level), the system's own posterior uncertainty.",
        S::LABEL,
        common.z,
        S::SIGMA_NAME,
        common.level
    );
    host.emit_extra(
        id,
        &json!({
            "ordering": ordering,
            "games": played,
            "skipped_both_bad": skipped,
            "models": per_model,
        }),
    );
    host.progress(1.0);
    Ok(())
}

/// The `glicko2` method: Glicko-2 (Glickman) through `skillratings::glicko2::glicko2`.
pub struct Glicko2;

impl System for Glicko2 {
    const LABEL: &'static str = "Glicko-2";
    const SIGMA_NAME: &'static str = "deviation";
    const PARAMS: &'static [&'static str] = &[
        "initial_rating",
        "initial_deviation",
        "initial_volatility",
        "tau",
        "convergence_tolerance",
    ];
    type Rating = Glicko2Rating;
    type Config = Glicko2Config;

    fn parse(params: &Params) -> Result<(Glicko2Rating, Glicko2Config), MethodError> {
        let (r, c) = (Glicko2Rating::new(), Glicko2Config::new());
        let prior = Glicko2Rating {
            rating: number_in(
                params,
                "initial_rating",
                -MAX_LOCATION,
                MAX_LOCATION,
                r.rating,
            )?,
            deviation: positive(params, "initial_deviation", MAX_SCALE, r.deviation)?,
            volatility: positive(params, "initial_volatility", 1.0, r.volatility)?,
        };
        let tau = positive(params, "tau", 10.0, c.tau)?;
        // The volatility iteration stops when its bracket is narrower than this, so it must be
        // positive (0 could loop forever).
        let tolerance = number_in(
            params,
            "convergence_tolerance",
            1e-12,
            0.1,
            c.convergence_tolerance,
        )?;
        Ok((
            prior,
            Glicko2Config {
                tau,
                convergence_tolerance: tolerance,
            },
        ))
    }

    fn rate(
        a: &Glicko2Rating,
        b: &Glicko2Rating,
        outcome: &Outcomes,
        config: &Glicko2Config,
    ) -> (Glicko2Rating, Glicko2Rating) {
        skillratings::glicko2::glicko2(a, b, outcome, config)
    }

    fn mean(rating: &Glicko2Rating) -> f64 {
        rating.rating
    }

    fn sigma(rating: &Glicko2Rating) -> f64 {
        rating.deviation
    }

    fn more_fields(rating: &Glicko2Rating, fields: &mut Map<String, Value>) {
        fields.insert("volatility".into(), json!(rating.volatility));
    }
}

impl Method for Glicko2 {
    const ID: &'static str = "glicko2";
    const DESCRIPTION: &'static str = "Glicko-2 ratings (Glickman 2012) from judge verdicts, \
        computed with the skillratings crate (0.29, glicko2::glicko2): every verdict is one \
        game updating both models at once (each game its own rating period, no deviation decay \
        between games), played in timestamp order (untimed first, equal timestamps in the \
        selection's order). model_a / model_b wins are wins, tie is a draw, both_bad a draw or \
        skipped (both_bad: \"ignore\"). Verdict strength is ignored and a weight other than 1 is \
        refused (one game, one update). Every model starts at initial_rating / \
        initial_deviation / initial_volatility (skillratings' defaults 1500 / 350 / 0.06); a \
        model without a game is unscored. The score is the rating (or rating - k * deviation \
        with score: \"conservative\"); the interval is rating ± z * deviation at the chosen \
        level, Glicko-2's own posterior uncertainty, not a bootstrap. The extra `glicko2` lists \
        games, wins, draws, losses, rating, deviation and volatility per model. Deterministic; \
        the seed is ignored.";
    const PARAMS_SCHEMA: &'static str = concat!(
        r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "glicko2",
  "type": "object",
  "properties": {"#,
        common_properties!(),
        r#"
    "initial_rating": {
      "description": "Rating every model starts from.",
      "type": "number",
      "minimum": -1000000,
      "maximum": 1000000,
      "default": 1500
    },
    "initial_deviation": {
      "description": "Rating deviation every model starts from (the prior's standard deviation).",
      "type": "number",
      "exclusiveMinimum": 0,
      "maximum": 10000,
      "default": 350
    },
    "initial_volatility": {
      "description": "Volatility every model starts from (how erratic its strength is expected to be).",
      "type": "number",
      "exclusiveMinimum": 0,
      "maximum": 1,
      "default": 0.06
    },
    "tau": {
      "description": "Glicko-2's tau: how fast the volatility may change (Glickman: reasonable from 0.3 to 1.2).",
      "type": "number",
      "exclusiveMinimum": 0,
      "maximum": 10,
      "default": 0.5
    },
    "convergence_tolerance": {
      "description": "Tolerance of the iteration that finds the new volatility.",
      "type": "number",
      "minimum": 1e-12,
      "maximum": 0.1,
      "default": 0.000001
    }
  },
  "additionalProperties": false
}"#
    );
    const FLAGS: u32 = PODIUM_METHOD_USES_COMPARISONS;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        _seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        play::<Self>(Self::ID, host, data, params, out)
    }
}

/// The `weng_lin` method: the Weng–Lin Bayesian approximation (Bradley–Terry, full pairing:
/// OpenSkill's BradleyTerryFull) through `skillratings::weng_lin::weng_lin`.
pub struct WengLin;

impl System for WengLin {
    const LABEL: &'static str = "Weng-Lin";
    const SIGMA_NAME: &'static str = "sigma";
    const PARAMS: &'static [&'static str] = &[
        "initial_mu",
        "initial_sigma",
        "beta",
        "uncertainty_tolerance",
    ];
    type Rating = WengLinRating;
    type Config = WengLinConfig;

    fn parse(params: &Params) -> Result<(WengLinRating, WengLinConfig), MethodError> {
        let (r, c) = (WengLinRating::new(), WengLinConfig::new());
        let prior = WengLinRating {
            rating: number_in(params, "initial_mu", -MAX_LOCATION, MAX_LOCATION, r.rating)?,
            uncertainty: positive(params, "initial_sigma", MAX_SCALE, r.uncertainty)?,
        };
        let config = WengLinConfig {
            beta: positive(params, "beta", MAX_SCALE, c.beta)?,
            uncertainty_tolerance: number_in(
                params,
                "uncertainty_tolerance",
                0.0,
                1.0,
                c.uncertainty_tolerance,
            )?,
        };
        Ok((prior, config))
    }

    fn rate(
        a: &WengLinRating,
        b: &WengLinRating,
        outcome: &Outcomes,
        config: &WengLinConfig,
    ) -> (WengLinRating, WengLinRating) {
        skillratings::weng_lin::weng_lin(a, b, outcome, config)
    }

    fn mean(rating: &WengLinRating) -> f64 {
        rating.rating
    }

    fn sigma(rating: &WengLinRating) -> f64 {
        rating.uncertainty
    }
}

impl Method for WengLin {
    const ID: &'static str = "weng_lin";
    const DESCRIPTION: &'static str = "Weng-Lin Bayesian approximation ratings (Weng & Lin \
        2011, the Bradley-Terry model behind OpenSkill) from judge verdicts, computed with the \
        skillratings crate (0.29, weng_lin::weng_lin): every verdict is one 1-vs-1 game updating \
        both models' mu and sigma, played in timestamp order (untimed first, equal timestamps in \
        the selection's order). model_a / model_b wins are wins, tie is a draw, both_bad a draw \
        or skipped (both_bad: \"ignore\"). Verdict strength is ignored and a weight other than 1 \
        is refused (one game, one update). Every model starts at initial_mu / initial_sigma \
        (skillratings' defaults 25 / 25/3, beta 25/6; unlike openskill.py no tau is added \
        before a game); a model without a game is unscored. The score is mu (or mu - k * sigma \
        with score: \"conservative\"); the interval is mu ± z * sigma at the chosen level, the \
        system's own posterior uncertainty, not a bootstrap. The extra `weng_lin` lists games, \
        wins, draws, losses, rating (mu) and sigma per model. Deterministic; the seed is \
        ignored.";
    const PARAMS_SCHEMA: &'static str = concat!(
        r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "weng_lin",
  "type": "object",
  "properties": {"#,
        common_properties!(),
        r#"
    "initial_mu": {
      "description": "Mean skill (mu) every model starts from.",
      "type": "number",
      "minimum": -1000000,
      "maximum": 1000000,
      "default": 25
    },
    "initial_sigma": {
      "description": "Skill uncertainty (sigma) every model starts from.",
      "type": "number",
      "exclusiveMinimum": 0,
      "maximum": 10000,
      "default": 8.333333333333334
    },
    "beta": {
      "description": "Skill-class width: the mu difference that gives about a 67% win probability; larger when outcomes are more random.",
      "type": "number",
      "exclusiveMinimum": 0,
      "maximum": 10000,
      "default": 4.166666666666667
    },
    "uncertainty_tolerance": {
      "description": "Lower bound on the factor that shrinks sigma² in one game (OpenSkill's kappa), so sigma never collapses to 0.",
      "type": "number",
      "minimum": 0,
      "maximum": 1,
      "default": 0.000001
    }
  },
  "additionalProperties": false
}"#
    );
    const FLAGS: u32 = PODIUM_METHOD_USES_COMPARISONS;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        _seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        play::<Self>(Self::ID, host, data, params, out)
    }
}

/// The `trueskill` method: TrueSkill (Herbrich, Minka & Graepel) through
/// `skillratings::trueskill::trueskill`.
pub struct TrueSkill;

impl System for TrueSkill {
    const LABEL: &'static str = "TrueSkill";
    const SIGMA_NAME: &'static str = "sigma";
    const PARAMS: &'static [&'static str] = &[
        "initial_mu",
        "initial_sigma",
        "beta",
        "draw_probability",
        "dynamics_factor",
    ];
    type Rating = TrueSkillRating;
    type Config = TrueSkillConfig;

    fn parse(params: &Params) -> Result<(TrueSkillRating, TrueSkillConfig), MethodError> {
        let (r, c) = (TrueSkillRating::new(), TrueSkillConfig::new());
        let prior = TrueSkillRating {
            rating: number_in(params, "initial_mu", -MAX_LOCATION, MAX_LOCATION, r.rating)?,
            uncertainty: positive(params, "initial_sigma", MAX_SCALE, r.uncertainty)?,
        };
        let draw_probability = number_in(params, "draw_probability", 0.0, 1.0, c.draw_probability)?;
        // 0 gives a draw margin of 0, where a draw has probability 0 and its update is 0/0;
        // 1 gives an infinite margin.
        if draw_probability <= 0.0 || draw_probability >= 1.0 {
            return Err(MethodError::invalid_params(
                "draw_probability",
                format!("must be greater than 0 and less than 1, got {draw_probability}"),
            ));
        }
        let config = TrueSkillConfig {
            draw_probability,
            beta: positive(params, "beta", MAX_SCALE, c.beta)?,
            dynamics_factor: number_in(
                params,
                "dynamics_factor",
                0.0,
                MAX_SCALE,
                c.dynamics_factor,
            )?,
        };
        Ok((prior, config))
    }

    fn rate(
        a: &TrueSkillRating,
        b: &TrueSkillRating,
        outcome: &Outcomes,
        config: &TrueSkillConfig,
    ) -> (TrueSkillRating, TrueSkillRating) {
        skillratings::trueskill::trueskill(a, b, outcome, config)
    }

    fn mean(rating: &TrueSkillRating) -> f64 {
        rating.rating
    }

    fn sigma(rating: &TrueSkillRating) -> f64 {
        rating.uncertainty
    }
}

impl Method for TrueSkill {
    const ID: &'static str = "trueskill";
    const DESCRIPTION: &'static str = "TrueSkill ratings (Herbrich, Minka & Graepel 2006) from \
        judge verdicts, computed with the skillratings crate (0.29, trueskill::trueskill): every \
        verdict is one 1-vs-1 game updating both models' mu and sigma (with the dynamics factor \
        added to sigma before each game), played in timestamp order (untimed first, equal \
        timestamps in the selection's order). model_a / model_b wins are wins, tie is a draw \
        (within the draw margin set by draw_probability), both_bad a draw or skipped (both_bad: \
        \"ignore\"). Verdict strength is ignored and a weight other than 1 is refused (one game, \
        one update). Every model starts at initial_mu / initial_sigma (skillratings' defaults \
        25 / 25/3, beta 25/6, draw_probability 0.1, dynamics_factor 25/300); a model without a \
        game is unscored. The score is mu (or mu - k * sigma with score: \"conservative\", \
        TrueSkill's leaderboard rule with k = 3); the interval is mu ± z * sigma at the chosen \
        level, the system's own posterior uncertainty, not a bootstrap. The extra `trueskill` \
        lists games, wins, draws, losses, rating (mu) and sigma per model. Deterministic; the \
        seed is ignored.";
    const PARAMS_SCHEMA: &'static str = concat!(
        r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "trueskill",
  "type": "object",
  "properties": {"#,
        common_properties!(),
        r#"
    "initial_mu": {
      "description": "Mean skill (mu) every model starts from.",
      "type": "number",
      "minimum": -1000000,
      "maximum": 1000000,
      "default": 25
    },
    "initial_sigma": {
      "description": "Skill uncertainty (sigma) every model starts from.",
      "type": "number",
      "exclusiveMinimum": 0,
      "maximum": 10000,
      "default": 8.333333333333334
    },
    "beta": {
      "description": "Skill-class width: the mu difference that gives about an 80% win probability; larger when outcomes are more random.",
      "type": "number",
      "exclusiveMinimum": 0,
      "maximum": 10000,
      "default": 4.166666666666667
    },
    "draw_probability": {
      "description": "Prior probability of a draw between equal models; sets the draw margin (a higher value makes a decisive verdict move ratings more).",
      "type": "number",
      "exclusiveMinimum": 0,
      "exclusiveMaximum": 1,
      "default": 0.1
    },
    "dynamics_factor": {
      "description": "TrueSkill's tau: added (in quadrature) to sigma before every game, so ratings can keep moving.",
      "type": "number",
      "minimum": 0,
      "maximum": 10000,
      "default": 0.08333333333333333
    }
  },
  "additionalProperties": false
}"#
    );
    const FLAGS: u32 = PODIUM_METHOD_USES_COMPARISONS;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        _seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        play::<Self>(Self::ID, host, data, params, out)
    }
}
