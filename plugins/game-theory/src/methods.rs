//! The plugin's methods: `alpha-rank` and `nash-averaging`, both on the payoff matrix of
//! [`crate::payoff`].
//!
//! α-Rank's uncertainty (the incomplete-information paper, Rowland et al. 2019: π under noisy
//! payoffs) comes from resampling the payoff *units* — verdicts, or samples within their
//! benchmark — `resamples` times and solving α-Rank again at the same α; the interval is the
//! percentile interval of each πᵢ. It needs no host support and also covers verdicts that are
//! not tied to samples; the host bootstrap (`bootstrap` on a leaderboard request) resamples
//! samples and reruns the whole method, which gives the same kind of interval for score data.

use podium_numerics::resample;
use podium_numerics::stats::quantile;
use podium_plugin_api::abi::{
    PODIUM_METHOD_SEEDED, PODIUM_METHOD_USES_COMPARISONS, PODIUM_METHOD_USES_MEASUREMENTS,
};
use podium_plugin_api::params;
use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params};
use podium_synth::SplitMix64;
use serde_json::{Map, Value, json};

use crate::alpharank::{self, ChainError, SolveOptions, Solver, Stationary};
use crate::nash;
use crate::payoff::{Game, PAYOFF_PARAMS, Payoff, PayoffData};

/// Default selection intensity (OpenSpiel's).
pub const DEFAULT_ALPHA: f64 = 100.0;
/// Default population size (OpenSpiel's).
pub const DEFAULT_POPULATION: u64 = 50;
/// Most models Nash averaging accepts: the conic program is dense in A and its interior-point
/// solve (not cancellable) takes seconds at a few hundred models.
pub const NASH_MAX_MODELS: usize = 500;
/// Most models α-Rank accepts: it keeps a few dense n × n matrices.
pub const ALPHA_RANK_MAX_MODELS: usize = alpharank::DENSE_LIMIT;

/// The `alpha-rank` method.
pub struct AlphaRank;

/// The `nash-averaging` method.
pub struct NashAveraging;

fn chain_error(error: ChainError, names: impl Fn(usize) -> String) -> MethodError {
    match error {
        ChainError::Cancelled => MethodError::cancelled(),
        ChainError::Reducible { classes } => {
            let listed: Vec<String> = classes
                .iter()
                .take(5)
                .map(|c| {
                    let members: Vec<String> = c.iter().take(8).map(|&s| names(s)).collect();
                    format!("{{{}}}", members.join(", "))
                })
                .collect();
            MethodError::invalid_data(format!(
                "the α-Rank chain is reducible: {} closed classes ({}), so its stationary distribution is not unique",
                classes.len(),
                listed.join(", ")
            ))
        }
        ChainError::NotConverged {
            iterations,
            residual,
        } => MethodError::internal(format!(
            "power iteration did not converge in {iterations} steps (last change {residual:e}); use solver \"dense\""
        )),
        ChainError::SweepDidNotSettle { alpha, change } => MethodError::internal(format!(
            "the alpha sweep did not settle: pi still moved by {change:e} at alpha = {alpha:e}; give a fixed alpha"
        )),
        ChainError::Kernel(message) => MethodError::internal(message),
        ChainError::NotFinite => MethodError::internal(
            "the stationary distribution came out non-finite (please report this data)",
        ),
    }
}

/// α as read from the params: a number, or the sweep.
enum Alpha {
    Fixed(f64),
    Sweep,
}

fn read_alpha(params: &Params) -> Result<Alpha, MethodError> {
    match params.get("alpha") {
        None => Ok(Alpha::Fixed(DEFAULT_ALPHA)),
        Some(Value::String(s)) if s == "sweep" => Ok(Alpha::Sweep),
        Some(v) => match v.as_f64() {
            Some(a) if a.is_finite() && a > 0.0 && a <= 1e9 => Ok(Alpha::Fixed(a)),
            _ => Err(MethodError::invalid_params(
                "alpha",
                format!("must be a number in (0, 1e9] or \"sweep\", got {v}"),
            )),
        },
    }
}

impl Method for AlphaRank {
    const ID: &'static str = "alpha-rank";
    const DESCRIPTION: &'static str = "Single-population α-Rank (Omidshafiei et al. 2019) on the \
        empirical payoff matrix P(i beats j) from verdicts or per-sample scores: the stationary \
        distribution of the Markov chain over monomorphic populations (population m, selection \
        intensity α, local selection as in OpenSpiel), solved exactly by GTH elimination on the \
        chain's closed class (power iteration only on request) (models outside it get 0; a chain with several closed classes is an \
        error, not a guess). alpha: a number (default 100) or \"sweep\" (OpenSpiel's: double α \
        from 1e-4 until π stops changing; the α used is reported). resamples > 0 adds percentile \
        intervals on π from resampled payoffs (verdicts, or samples within their benchmark). \
        Score = π (sums to 1 over the models that play). Extra `alpha_rank`: α, population, \
        sweep steps, closed class, solver, residual, payoff diagnostics (unmeasured pairs).";
    const PARAMS_SCHEMA: &'static str = concat!(
        r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "alpha-rank",
  "type": "object",
  "properties": {"#,
        crate::payoff_schema_properties!(),
        r#",
    "alpha": {
      "description": "Selection intensity alpha > 0, or \"sweep\": start at 1e-4 and double until pi agrees with the previous pi within rtol 1e-5, atol 1e-8 (OpenSpiel's sweep); the alpha used is reported.",
      "oneOf": [
        {"type": "number", "exclusiveMinimum": 0, "maximum": 1e9},
        {"type": "string", "enum": ["sweep"]}
      ],
      "default": 100
    },
    "population": {
      "description": "Population size m of the fixation probabilities.",
      "type": "integer",
      "minimum": 2,
      "maximum": 1000000,
      "default": 50
    },
    "solver": {
      "description": "\"dense\": GTH elimination (exact, O(n^3)); \"power\": power iteration (O(n^2) per step; it stops when pi changes by less than 1e-13, which on the nearly decomposable chains of large alpha can be a stall, not convergence); \"auto\": dense (up to the 5000-model cap).",
      "type": "string",
      "enum": ["auto", "dense", "power"],
      "default": "auto"
    },
    "max_iterations": {
      "description": "Power iteration: most steps before the call fails.",
      "type": "integer",
      "minimum": 1,
      "maximum": 10000000,
      "default": 100000
    },
    "resamples": {
      "description": "Bootstrap replicates of the payoffs (verdicts, or samples within each benchmark) for percentile intervals on pi; 0 = none. Each costs one more alpha-Rank solve at the same alpha.",
      "type": "integer",
      "minimum": 0,
      "maximum": 10000,
      "default": 0
    },
    "level": {
      "description": "Coverage of the intervals.",
      "type": "number",
      "minimum": 0.5,
      "maximum": 0.999,
      "default": 0.95
    }
  },
  "additionalProperties": false
}"#
    );
    const FLAGS: u32 =
        PODIUM_METHOD_USES_COMPARISONS | PODIUM_METHOD_USES_MEASUREMENTS | PODIUM_METHOD_SEEDED;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        let mut known: Vec<&str> = PAYOFF_PARAMS.to_vec();
        known.extend([
            "alpha",
            "population",
            "solver",
            "max_iterations",
            "resamples",
            "level",
        ]);
        params::reject_unknown(params, &known)?;
        let alpha = read_alpha(params)?;
        let m = params::integer_in(params, "population", 2, 1_000_000, DEFAULT_POPULATION)? as f64;
        let solver = match params::one_of(params, "solver", &["auto", "dense", "power"], "auto")? {
            "dense" => Solver::Dense,
            "power" => Solver::Power,
            _ => Solver::Auto,
        };
        let max_iterations = params::integer_in(params, "max_iterations", 1, 10_000_000, 100_000)?;
        let resamples = params::integer_in(params, "resamples", 0, 10_000, 0)? as usize;
        let level = params::number_in(params, "level", 0.5, 0.999, 0.95)?;
        let game = Game::build(host, data, params)?;
        let n = game.n();
        if n == 0 {
            return Err(MethodError::invalid_data(
                "alpha-rank needs at least one model with verdicts or measurements",
            ));
        }
        if n > ALPHA_RANK_MAX_MODELS {
            return Err(MethodError::invalid_data(format!(
                "alpha-rank takes at most {ALPHA_RANK_MAX_MODELS} models, the selection has {n}"
            )));
        }
        let Payoff {
            matrix: payoff,
            unmeasured,
        } = game.payoff(host, data, None)?;
        host.progress(0.05);
        let options = SolveOptions {
            solver,
            max_iterations: max_iterations as usize,
            ..SolveOptions::default()
        };
        let name = |s: usize| data.model_name(game.players[s]).to_owned();
        let (result, alpha_used, steps) = match alpha {
            Alpha::Fixed(a) => (
                alpharank::alpha_rank(&payoff, n, a, m, &options, host)
                    .map_err(|e| chain_error(e, name))?,
                a,
                None,
            ),
            Alpha::Sweep => {
                let s = alpharank::sweep(&payoff, n, m, (1e-5, 1e-8), &options, host)
                    .map_err(|e| chain_error(e, name))?;
                (s.result, s.alpha, Some(s.steps))
            }
        };
        host.progress(if resamples > 0 { 0.1 } else { 0.95 });
        let mut replicates: Vec<Vec<f64>> = vec![Vec::with_capacity(resamples); n];
        let (mut failed, mut lost_pairs) = (0usize, 0usize);
        // Verdicts form one stratum; samples are stratified by benchmark.
        let groups = if game.strata.is_empty() {
            vec![(0..game.data.units()).collect()]
        } else {
            resample::strata(game.strata.iter().copied())
        };
        let mut counts = vec![0u32; game.data.units()];
        for r in 0..resamples {
            host.check_cancelled()?;
            let mut rng = SplitMix64::stream(seed, r as u64);
            resample::stratified_counts(&groups, &mut rng, &mut counts);
            let resampled = game.payoff(host, data, Some(&counts))?;
            // Pairs measured in the data but not in this replicate count as coin flips there.
            lost_pairs += resampled.unmeasured.len() - unmeasured.len();
            let resampled = resampled.matrix;
            match alpharank::alpha_rank(&resampled, n, alpha_used, m, &options, host) {
                Ok(s) => {
                    for (i, p) in s.pi.into_iter().enumerate() {
                        replicates[i].push(p);
                    }
                }
                Err(ChainError::Cancelled) => return Err(MethodError::cancelled()),
                Err(_) => failed += 1,
            }
            host.progress(0.1 + 0.85 * (r + 1) as f64 / resamples as f64);
        }
        for (s, &model) in game.players.iter().enumerate() {
            out.set_score(model, result.pi[s]);
            let draws = &mut replicates[s];
            if !draws.is_empty() {
                draws.sort_by(f64::total_cmp);
                let tail = (1.0 - level) / 2.0;
                out.set_interval(model, quantile(draws, tail), quantile(draws, 1.0 - tail));
            }
        }
        host.emit_extra(
            "alpha_rank",
            &report(
                &game,
                data,
                &result,
                alpha_used,
                m,
                steps,
                &unmeasured,
                (resamples, failed, lost_pairs, level),
            ),
        );
        host.progress(1.0);
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    game: &Game,
    data: &Dataset<'_>,
    result: &Stationary,
    alpha: f64,
    m: f64,
    steps: Option<Vec<(f64, f64)>>,
    unmeasured: &[(usize, usize)],
    (resamples, failed, lost_pairs, level): (usize, usize, usize, f64),
) -> Value {
    let name = |s: usize| data.model_name(game.players[s]).to_owned();
    let n = game.n();
    let transient: Vec<String> = (0..n)
        .filter(|s| result.closed.binary_search(s).is_err())
        .map(name)
        .collect();
    json!({
        "alpha": alpha,
        "alpha_mode": if steps.is_some() { "sweep" } else { "fixed" },
        "sweep": steps.map(|s| s.iter().map(|&(a, change)| json!({"alpha": a, "max_change": if change.is_nan() { Value::Null } else { json!(change) }})).collect::<Vec<_>>()),
        "population": m,
        "selection": "local (fitness = payoff against the resident only), as OpenSpiel's default",
        "models": n,
        "closed_class_size": result.closed.len(),
        "transient_models": transient,
        "solver": match result.solver {
            Solver::Power => "power iteration",
            _ => "dense (GTH elimination)",
        },
        "power_iterations": result.iterations,
        "residual_l1": result.residual,
        "payoff": game.describe(data, unmeasured),
        "intervals": if resamples > 0 {
            json!({
                "resamples": resamples,
                "failed": failed,
                "level": level,
                "pairs_unmeasured_in_replicates": lost_pairs,
                "pairs_unmeasured_in_replicates_rule": "a pair measured in the data but not in a replicate is a coin flip (P = 1/2) there",
                "method": match game.data {
                    PayoffData::Comparisons(_) => "percentile interval of pi over replicates resampling the verdicts with replacement, alpha fixed at the value used",
                    PayoffData::Scores(_) => "percentile interval of pi over replicates resampling the samples with replacement within each benchmark, alpha fixed at the value used",
                },
            })
        } else {
            Value::Null
        },
    })
}

impl Method for NashAveraging {
    const ID: &'static str = "nash-averaging";
    const DESCRIPTION: &'static str = "Nash averaging (Balduzzi et al. 2018): A = logit(P) of \
        the empirical payoffs P(i beats j) (verdicts or per-sample scores; P clipped into \
        [clip, 1 - clip]); the maximum-entropy Nash equilibrium p of the symmetric zero-sum game \
        A (a conic program with exponential cones, solved by Clarabel and polished to machine \
        precision when the equilibrium is unique). Score = (A p)_i, each model's payoff against \
        the equilibrium mixture: 0 on the support, negative outside (to the max_violation \
        reported); adding copies of a model does not change anyone's score. At most 500 models. Extra `nash_averaging`: p per model, support, entropy, \
        solver status and payoff diagnostics.";
    const PARAMS_SCHEMA: &'static str = concat!(
        r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "nash-averaging",
  "type": "object",
  "properties": {"#,
        crate::payoff_schema_properties!(),
        r#",
    "clip": {
      "description": "P is clipped into [clip, 1 - clip] before the logit, so that A stays finite.",
      "type": "number",
      "minimum": 1e-12,
      "maximum": 0.25,
      "default": 0.001
    }
  },
  "additionalProperties": false
}"#
    );
    const FLAGS: u32 = PODIUM_METHOD_USES_COMPARISONS | PODIUM_METHOD_USES_MEASUREMENTS;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        _seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        let mut known: Vec<&str> = PAYOFF_PARAMS.to_vec();
        known.push("clip");
        params::reject_unknown(params, &known)?;
        let clip = params::number_in(params, "clip", 1e-12, 0.25, 1e-3)?;
        let game = Game::build(host, data, params)?;
        let n = game.n();
        if n == 0 {
            return Err(MethodError::invalid_data(
                "nash-averaging needs at least one model with verdicts or measurements",
            ));
        }
        if n > NASH_MAX_MODELS {
            return Err(MethodError::invalid_data(format!(
                "nash-averaging takes at most {NASH_MAX_MODELS} models, the selection has {n}"
            )));
        }
        let Payoff {
            matrix: payoff,
            unmeasured,
        } = game.payoff(host, data, None)?;
        let a = nash::logit_payoff(&payoff, n, clip);
        host.check_cancelled()?;
        host.progress(0.1);
        let eq = nash::max_entropy_nash(&a, n).map_err(MethodError::internal)?;
        let mut p_by_model = Map::new();
        for (s, &model) in game.players.iter().enumerate() {
            out.set_score(model, eq.scores[s]);
            p_by_model.insert(data.model_name(model).to_owned(), json!(eq.p[s]));
        }
        let support: Vec<&str> = eq
            .support
            .iter()
            .map(|&s| data.model_name(game.players[s]))
            .collect();
        host.emit_extra(
            "nash_averaging",
            &json!({
                "p": p_by_model,
                "support": support,
                "entropy": eq.entropy,
                "clip": clip,
                "value": 0.0,
                "max_violation": eq.violation,
                "solver": {
                    "name": "clarabel",
                    "status": eq.status,
                    "iterations": eq.iterations,
                    "polished": eq.polished,
                },
                "payoff": game.describe(data, &unmeasured),
            }),
        );
        host.progress(1.0);
        Ok(())
    }
}
