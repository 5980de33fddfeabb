//! The plugin's batch methods: `bradley_terry`, `elo` and `rank_centrality`.

use podium_numerics::stats::{normal_quantile, quantile};
use podium_plugin_api::abi::{
    PODIUM_LOG_WARN, PODIUM_METHOD_SEEDED, PODIUM_METHOD_USES_COMPARISONS,
};
use podium_plugin_api::params::{
    integer_in, non_negative, number_in, one_of, optional_string, reject_unknown,
};
use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params};
use serde_json::{Map, json};

use crate::centrality::rank_centrality;
use crate::elo::{EloConfig, bootstrap, games, replay};
use crate::fit::{Component, Interval, Ties, all_active, covariance, fit, largest_component};
use crate::tally::{BothBad, Tally, tally};
use crate::timeline::chronological;

/// Rating points per natural-log unit of strength on the Elo scale: 400 / ln 10.
pub const ELO_PER_NAT: f64 = 400.0 / std::f64::consts::LN_10;

fn both_bad_param(params: &Params) -> Result<BothBad, MethodError> {
    Ok(
        match one_of(params, "both_bad", &["tie", "ignore"], "tie")? {
            "tie" => BothBad::Tie,
            _ => BothBad::Ignore,
        },
    )
}

/// The model named `name`, or an error naming `field`.
fn model_named(data: &Dataset<'_>, field: &str, name: &str) -> Result<usize, MethodError> {
    (0..data.model_count())
        .find(|&m| data.model_name(m) == name)
        .ok_or_else(|| {
            MethodError::invalid_params(field, format!("no model {name:?} in the selection"))
        })
}

/// The component to fit, or the error `disconnected` = "error" asks for.
fn component_for(
    data: &Dataset<'_>,
    tally: &Tally,
    ties: Ties,
    disconnected_error: bool,
) -> Result<Component, MethodError> {
    let component = largest_component(tally, ties).ok_or_else(|| {
        MethodError::invalid_data("no comparisons to rank (after the tie and both_bad rules)")
    })?;
    if disconnected_error && component.all.len() > 1 {
        let names: Vec<String> = component
            .all
            .iter()
            .take(10)
            .map(|c| {
                let names: Vec<&str> = c.iter().take(20).map(|&m| data.model_name(m)).collect();
                format!("[{}]", names.join(", "))
            })
            .collect();
        return Err(MethodError::invalid_data(format!(
            "the comparison graph is not strongly connected ({} components: {}); the maximum-likelihood estimate \
             does not exist for all models (use disconnected: \"largest_component\")",
            component.all.len(),
            names.join(" ")
        )));
    }
    Ok(component)
}

/// Models with verdicts left outside the fitted component, named, for the extra.
fn unscored(data: &Dataset<'_>, tally: &Tally, component: &Component) -> Vec<String> {
    let mut inside = vec![false; data.model_count()];
    component.members.iter().for_each(|&m| inside[m] = true);
    (0..data.model_count())
        .filter(|&m| tally.games[m] > 0 && !inside[m])
        .map(|m| data.model_name(m).to_owned())
        .collect()
}

/// Bradley–Terry by maximum likelihood, ties as halves or Davidson's model.
pub struct BradleyTerry;

const BT_FIELDS: [&str; 10] = [
    "ties",
    "both_bad",
    "scale",
    "anchor_model",
    "anchor_rating",
    "interval",
    "level",
    "tol",
    "max_iter",
    "disconnected",
];

impl Method for BradleyTerry {
    const ID: &'static str = "bradley_terry";
    const DESCRIPTION: &'static str = "Bradley-Terry ratings from pairwise verdicts by maximum \
        likelihood: P(i beats j) = pi_i / (pi_i + pi_j). Ties count as half a win each way \
        (ties: \"half\", as choix and evalica), follow Davidson's model with a fitted tie \
        parameter nu (ties: \"davidson\"; evalica's newman with nu = 2v), or are dropped. \
        Repeated verdicts add up, weighted by their weight. Fitted with Newman's iteration on \
        the largest strongly connected component of the comparison graph (the estimate \
        exists only there; other models get no score and are named in the extra). Scores are \
        centred log-strengths (scale: \"log\") or Elo-scale ratings 400*theta/ln 10 + \
        anchor_rating (scale: \"elo\"), optionally with anchor_model fixed at anchor_rating \
        (the LMArena convention). Intervals at `level` from the sandwich (robust, default) or \
        the inverse Fisher information; the host's bootstrap is available on top. \
        Deterministic; the seed is ignored.";
    const PARAMS_SCHEMA: &'static str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "bradley_terry",
  "type": "object",
  "properties": {
    "ties": {"description": "How ties enter: \"half\" = half a win each way, \"davidson\" = Davidson's tie model with a fitted tie parameter, \"ignore\" = dropped.", "type": "string", "enum": ["half", "davidson", "ignore"], "default": "half"},
    "both_bad": {"description": "A both_bad verdict counts as a tie (\"tie\") or not at all (\"ignore\").", "type": "string", "enum": ["tie", "ignore"], "default": "tie"},
    "scale": {"description": "\"log\": centred natural log-strengths theta; \"elo\": 400*theta/ln 10 + anchor_rating.", "type": "string", "enum": ["log", "elo"], "default": "log"},
    "anchor_model": {"description": "A model whose score is fixed (at anchor_rating on the Elo scale, at 0 on the log scale) instead of centring.", "type": "string", "minLength": 1},
    "anchor_rating": {"description": "Elo-scale rating of anchor_model, or of the mean strength without one.", "type": "number", "default": 1000},
    "interval": {"description": "Interval from the robust sandwich covariance, the inverse Fisher information, or none.", "type": "string", "enum": ["sandwich", "fisher", "none"], "default": "sandwich"},
    "level": {"description": "Coverage of the normal interval.", "type": "number", "minimum": 0.5, "maximum": 0.999, "default": 0.95},
    "tol": {"description": "Converged when no log-strength (nor nu) changes by more than tol in a step.", "type": "number", "minimum": 0, "default": 1e-10},
    "max_iter": {"description": "At most this many steps; without convergence the last estimate is returned and flagged.", "type": "integer", "minimum": 1, "maximum": 1000000, "default": 10000},
    "disconnected": {"description": "When the comparison graph is not strongly connected: fit the largest strongly connected component, or fail naming the components.", "type": "string", "enum": ["largest_component", "error"], "default": "largest_component"}
  },
  "additionalProperties": false
}"#;
    const FLAGS: u32 = PODIUM_METHOD_USES_COMPARISONS;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        _seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        reject_unknown(params, &BT_FIELDS)?;
        let ties = match one_of(params, "ties", &["half", "davidson", "ignore"], "half")? {
            "half" => Ties::Half,
            "davidson" => Ties::Davidson,
            _ => Ties::Ignore,
        };
        let both_bad = both_bad_param(params)?;
        let elo = one_of(params, "scale", &["log", "elo"], "log")? == "elo";
        let anchor = optional_string(params, "anchor_model")?
            .map(|name| model_named(data, "anchor_model", name))
            .transpose()?;
        let anchor_rating = number_in(params, "anchor_rating", -1e9, 1e9, 1000.0)?;
        let interval = match one_of(
            params,
            "interval",
            &["sandwich", "fisher", "none"],
            "sandwich",
        )? {
            "sandwich" => Interval::Sandwich,
            "fisher" => Interval::Fisher,
            _ => Interval::None,
        };
        let level = number_in(params, "level", 0.5, 0.999, 0.95)?;
        let tol = non_negative(params, "tol", 1e-10)?;
        let max_iter = integer_in(params, "max_iter", 1, 1_000_000, 10_000)?;
        let disconnected_error = one_of(
            params,
            "disconnected",
            &["largest_component", "error"],
            "largest_component",
        )? == "error";

        let tally = tally(host, data, both_bad)?;
        let component = component_for(data, &tally, ties, disconnected_error)?;
        let result = fit(host, &component, ties, tol, max_iter)?;
        if !result.converged {
            host.log(
                PODIUM_LOG_WARN,
                &format!(
                    "bradley_terry: not converged after {} steps",
                    result.iterations
                ),
            );
        }
        let covariance = covariance(host, &component, &result, interval)?;
        let m = component.members.len();
        let anchor_local = match anchor {
            None => None,
            Some(a) => Some(component.members.iter().position(|&x| x == a).ok_or_else(|| {
                MethodError::invalid_params(
                    "anchor_model",
                    format!(
                        "{:?} is outside the fitted component (not strongly connected with the other models)",
                        data.model_name(a)
                    ),
                )
            })?),
        };
        let reference = anchor_local.map_or(0.0, |a| result.theta[a]);
        let (factor, offset) = if elo {
            (ELO_PER_NAT, anchor_rating)
        } else {
            (1.0, 0.0)
        };
        let z = normal_quantile(level);
        let mut per_model = Map::new();
        for (k, &model) in component.members.iter().enumerate() {
            let value = offset + factor * (result.theta[k] - reference);
            out.set_score(model, value);
            let se = covariance.as_ref().map(|c| {
                let variance = match anchor_local {
                    None => c[k * m + k],
                    Some(a) => c[k * m + k] + c[a * m + a] - 2.0 * c[k * m + a],
                };
                variance.max(0.0).sqrt()
            });
            if let Some(se) = se {
                out.set_interval(model, value - z * factor * se, value + z * factor * se);
            }
            per_model.insert(
                data.model_name(model).to_owned(),
                json!({"theta": result.theta[k], "se": se, "games": tally.games[model]}),
            );
        }
        let mut extra = json!({
            "ties": match ties { Ties::Half => "half", Ties::Davidson => "davidson", Ties::Ignore => "ignore" },
            "iterations": result.iterations,
            "converged": result.converged,
            "comparisons": tally.counted,
            "both_bad_ignored": tally.ignored_both_bad,
            "pairs": component.pairs.len(),
            "fitted_models": m,
            "unscored": unscored(data, &tally, &component),
            "components": component.all.len(),
            "interval": match interval {
                Interval::Sandwich => "sandwich: H^-1 B H^-1 from per-verdict scores",
                Interval::Fisher => "inverse Fisher information",
                Interval::None => "none",
            },
            "models": per_model,
        });
        if ties == Ties::Davidson {
            extra["nu"] = json!(result.nu);
            extra["evalica_v"] = json!(result.nu / 2.0);
            extra["nu_in_interval"] = json!("treated as known");
        }
        host.emit_extra("bradley_terry", &extra);
        host.progress(1.0);
        Ok(())
    }
}

/// Online Elo in chronological order, with bootstrap intervals.
pub struct Elo;

const ELO_FIELDS: [&str; 7] = [
    "k", "scale", "base", "initial", "both_bad", "rounds", "level",
];

impl Method for Elo {
    const ID: &'static str = "elo";
    const DESCRIPTION: &'static str = "Online Elo ratings (the LMArena/FastChat convention: K 4, \
        scale 400, base 10, initial 1000), replaying the verdicts in timestamp order (equal \
        timestamps in the host's order, verdicts without a timestamp first). After each \
        verdict R_a += K*w*(S - E) and R_b -= K*w*(S - E) with S = 1, 1/2 or 0 for model_a and \
        w the verdict's weight. The score is one replay of the data; the interval is the \
        percentile interval of `rounds` bootstrap replicates (verdicts drawn with replacement, \
        replayed in chronological order), seeded. both_bad counts as a tie unless ignored. \
        Models without verdicts get no score.";
    const PARAMS_SCHEMA: &'static str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "elo",
  "type": "object",
  "properties": {
    "k": {"description": "K-factor: the largest change of a rating per verdict of weight 1.", "type": "number", "exclusiveMinimum": 0, "maximum": 1000, "default": 4},
    "scale": {"description": "Rating difference at which the odds are base : 1.", "type": "number", "exclusiveMinimum": 0, "default": 400},
    "base": {"description": "Base of the odds.", "type": "number", "exclusiveMinimum": 1, "default": 10},
    "initial": {"description": "Starting rating of every model.", "type": "number", "default": 1000},
    "both_bad": {"description": "A both_bad verdict counts as a tie (\"tie\") or not at all (\"ignore\").", "type": "string", "enum": ["tie", "ignore"], "default": "tie"},
    "rounds": {"description": "Bootstrap replicates for the interval (0: no interval).", "type": "integer", "minimum": 0, "maximum": 10000, "default": 100},
    "level": {"description": "Coverage of the percentile interval.", "type": "number", "minimum": 0.5, "maximum": 0.999, "default": 0.95}
  },
  "additionalProperties": false
}"#;
    const FLAGS: u32 = PODIUM_METHOD_USES_COMPARISONS | PODIUM_METHOD_SEEDED;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        reject_unknown(params, &ELO_FIELDS)?;
        let positive = |field: &str, default: f64, high: f64| -> Result<f64, MethodError> {
            let value = number_in(params, field, 0.0, high, default)?;
            if value > 0.0 {
                Ok(value)
            } else {
                Err(MethodError::invalid_params(field, "must be > 0"))
            }
        };
        let config = EloConfig {
            k: positive("k", 4.0, 1000.0)?,
            scale: positive("scale", 400.0, 1e9)?,
            base: number_in(params, "base", 1.0, 1e9, 10.0).and_then(|b| {
                if b > 1.0 {
                    Ok(b)
                } else {
                    Err(MethodError::invalid_params("base", "must be > 1"))
                }
            })?,
            initial: number_in(params, "initial", -1e9, 1e9, 1000.0)?,
        };
        let both_bad = both_bad_param(params)?;
        let rounds = integer_in(params, "rounds", 0, 10_000, 100)? as usize;
        let level = number_in(params, "level", 0.5, 0.999, 0.95)?;

        let order = chronological(&data.comparisons);
        let games = games(data, &order, both_bad)?;
        let n = data.model_count();
        let mut played = vec![0u64; n];
        for game in &games {
            played[game.a as usize] += 1;
            played[game.b as usize] += 1;
        }
        if games.is_empty() {
            return Err(MethodError::invalid_data(
                "no comparisons to rank (after the both_bad rule)",
            ));
        }
        host.check_cancelled()?;
        let ratings = replay(n, &games, None, &config);
        let replicates = if rounds > 0 {
            Some(bootstrap(host, n, &games, &config, rounds, seed)?)
        } else {
            None
        };
        let mut per_model = Map::new();
        for m in (0..n).filter(|&m| played[m] > 0) {
            out.set_score(m, ratings[m]);
            let mut entry = json!({"rating": ratings[m], "games": played[m]});
            if let Some(replicates) = &replicates {
                let mut values = replicates[m].clone();
                values.sort_by(f64::total_cmp);
                let (low, high) = (
                    quantile(&values, (1.0 - level) / 2.0),
                    quantile(&values, (1.0 + level) / 2.0),
                );
                out.set_interval(m, low.min(ratings[m]), high.max(ratings[m]));
                entry["bootstrap_low"] = json!(low);
                entry["bootstrap_high"] = json!(high);
            }
            per_model.insert(data.model_name(m).to_owned(), entry);
        }
        host.emit_extra(
            "elo",
            &json!({
                "order": "by timestamp, oldest first; equal timestamps in the host's order; verdicts without a timestamp first",
                "games": games.len(),
                "rounds": rounds,
                "interval": "percentile bootstrap over verdicts, replayed in chronological order; widened to contain the score",
                "models": per_model,
            }),
        );
        host.progress(1.0);
        Ok(())
    }
}

/// Rank centrality: the stationary distribution of the "beaten by" random walk.
pub struct RankCentrality;

const RC_FIELDS: [&str; 4] = ["ties", "both_bad", "alpha", "disconnected"];

impl Method for RankCentrality {
    const ID: &'static str = "rank_centrality";
    const DESCRIPTION: &'static str = "Rank centrality (Negahban, Oh and Shah): a random walk \
        moves from a model to one that beat it at the rate of the share of their verdicts the \
        other won (ties as half a win each way, or ignored); the score is the centred log of \
        its stationary distribution, as choix's rank_centrality. With alpha = 0 the walk is \
        defined on the largest strongly connected component (other models get no score); \
        alpha > 0 adds alpha pseudo-verdicts each way between every pair of models with \
        verdicts. Deterministic; the seed is ignored; use the host's bootstrap for intervals.";
    const PARAMS_SCHEMA: &'static str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "rank_centrality",
  "type": "object",
  "properties": {
    "ties": {"description": "A tie counts as half a win each way (\"half\") or not at all (\"ignore\").", "type": "string", "enum": ["half", "ignore"], "default": "half"},
    "both_bad": {"description": "A both_bad verdict counts as a tie (\"tie\") or not at all (\"ignore\").", "type": "string", "enum": ["tie", "ignore"], "default": "tie"},
    "alpha": {"description": "Regularisation: pseudo-verdicts each way between every pair of models (choix's alpha).", "type": "number", "minimum": 0, "default": 0},
    "disconnected": {"description": "With alpha 0 and a graph that is not strongly connected: fit the largest strongly connected component, or fail naming the components.", "type": "string", "enum": ["largest_component", "error"], "default": "largest_component"}
  },
  "additionalProperties": false
}"#;
    const FLAGS: u32 = PODIUM_METHOD_USES_COMPARISONS;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        _seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        reject_unknown(params, &RC_FIELDS)?;
        let ties = match one_of(params, "ties", &["half", "ignore"], "half")? {
            "half" => Ties::Half,
            _ => Ties::Ignore,
        };
        let both_bad = both_bad_param(params)?;
        let alpha = non_negative(params, "alpha", 0.0)?;
        let disconnected_error = one_of(
            params,
            "disconnected",
            &["largest_component", "error"],
            "largest_component",
        )? == "error";
        let tally = tally(host, data, both_bad)?;
        let component = if alpha > 0.0 {
            all_active(&tally, ties).ok_or_else(|| {
                MethodError::invalid_data(
                    "no comparisons to rank (after the tie and both_bad rules)",
                )
            })?
        } else {
            component_for(data, &tally, ties, disconnected_error)?
        };
        let scores = rank_centrality(host, &component, alpha)?.ok_or_else(|| {
            MethodError::invalid_data("the random walk has no unique stationary distribution")
        })?;
        for (k, &model) in component.members.iter().enumerate() {
            out.set_score(model, scores[k]);
        }
        host.emit_extra(
            "rank_centrality",
            &json!({
                "comparisons": tally.counted,
                "fitted_models": component.members.len(),
                "unscored": unscored(data, &tally, &component),
                "alpha": alpha,
            }),
        );
        host.progress(1.0);
        Ok(())
    }
}
