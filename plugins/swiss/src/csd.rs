//! `csd`: Competitive Swiss-System Dynamics (arXiv 2512.21010; specification
//! `shared/methods/swiss.md`). The simulation itself is [`crate::sim`].
//!
//! Rules fixed here (the paper leaves them open):
//! - **Order** (`order`): `easiest_first` (default) plays the benchmark with the highest mean
//!   score over the models measured on it first (equal means: name order), `hardest_first` the
//!   reverse, `given` the host's order (benchmark names sorted), or an array naming every
//!   selected benchmark exactly once. A benchmark no model has a value on is not played.
//! - **Missing scores**: a model without a value on benchmark k loses its match on k to a model
//!   with one; two models without one tie. A model with no value on any benchmark does not
//!   play and gets no score.
//! - **Score** = E[S_m], the mean points over the runs; the interval is E[S_m] ± 1.96 × the
//!   Monte Carlo standard error — simulation error only, not data uncertainty (the host's
//!   bootstrap covers that).

use podium_plugin_api::abi::{PODIUM_METHOD_SEEDED, PODIUM_METHOD_USES_MEASUREMENTS};
use podium_plugin_api::params;
use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params};
use serde_json::{Map, Value, json};

use crate::scores::ScoreTable;
use crate::sim::{self, Game, MatchRule, Odd, Rules, Tie, Totals};

/// Largest elimination count per round accepted.
pub const MAX_ELIMINATE: u64 = 1_000_000;

/// The `csd` method.
pub struct Csd;

/// The settings common to `csd` and `csd-sensitivity`, read from the params and the data.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The game (players and round values in play order).
    pub game: Game,
    /// Names of the benchmarks in play order.
    pub order: Vec<String>,
    /// Rules (`eliminate` all zero until set).
    pub rules: Rules,
    /// Monte Carlo runs.
    pub runs: u64,
}

fn order_error(reason: impl std::fmt::Display) -> MethodError {
    MethodError::invalid_params("order", reason)
}

/// Benchmark indices in play order (benchmarks without any value dropped).
fn play_order(
    params: &Params,
    data: &Dataset<'_>,
    table: &ScoreTable,
) -> Result<Vec<usize>, MethodError> {
    let b = table.benchmarks;
    let mean_of = |k: usize| {
        let values: Vec<f64> = (0..table.models)
            .filter_map(|m| table.score(m, k))
            .collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    let means: Vec<Option<f64>> = (0..b).map(mean_of).collect();
    let mut order: Vec<usize> = match params.get("order") {
        None => by_mean(&means, true),
        Some(Value::String(s)) => match s.as_str() {
            "easiest_first" => by_mean(&means, true),
            "hardest_first" => by_mean(&means, false),
            "given" => (0..b).collect(),
            other => {
                return Err(order_error(format!(
                    "must be \"easiest_first\", \"hardest_first\", \"given\" or an array of benchmark names, got \"{other}\""
                )));
            }
        },
        Some(Value::Array(names)) => {
            let mut seen = vec![false; b];
            let mut order = Vec::with_capacity(b);
            for name in names {
                let Some(name) = name.as_str() else {
                    return Err(order_error(format!(
                        "array entries must be benchmark names, got {name}"
                    )));
                };
                let k = (0..b)
                    .find(|&k| data.benchmark_name(k) == name)
                    .ok_or_else(|| order_error(format!("no selected benchmark \"{name}\"")))?;
                if std::mem::replace(&mut seen[k], true) {
                    return Err(order_error(format!("benchmark \"{name}\" appears twice")));
                }
                order.push(k);
            }
            if let Some(k) = seen.iter().position(|s| !s) {
                return Err(order_error(format!(
                    "must name every selected benchmark; \"{}\" is missing",
                    data.benchmark_name(k)
                )));
            }
            order
        }
        Some(other) => {
            return Err(order_error(format!(
                "must be a string or an array of benchmark names, got {other}"
            )));
        }
    };
    order.retain(|&k| means[k].is_some());
    Ok(order)
}

fn by_mean(means: &[Option<f64>], descending: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..means.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (means[a].unwrap_or(0.0), means[b].unwrap_or(0.0));
        let c = if descending {
            y.total_cmp(&x)
        } else {
            x.total_cmp(&y)
        };
        c.then(a.cmp(&b))
    });
    order
}

/// Reads the per-round elimination counts for `rounds` rounds.
fn eliminate(params: &Params, rounds: usize) -> Result<Vec<u32>, MethodError> {
    match params.get("eliminate") {
        Some(Value::Array(items)) => {
            if items.len() != rounds {
                return Err(MethodError::invalid_params(
                    "eliminate",
                    format!(
                        "has {} entries but {rounds} benchmarks are played (one count per round)",
                        items.len()
                    ),
                ));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_u64()
                        .filter(|&n| n <= MAX_ELIMINATE)
                        .map(|n| n as u32)
                        .ok_or_else(|| {
                            MethodError::invalid_params(
                                "eliminate",
                                format!("entry {i} must be an integer from 0 to {MAX_ELIMINATE}, got {v}"),
                            )
                        })
                })
                .collect()
        }
        _ => {
            let t = params::integer_in(params, "eliminate", 0, MAX_ELIMINATE, 0)?;
            Ok(vec![t as u32; rounds])
        }
    }
}

/// Reads the params shared by both methods (`known` lists the method's accepted fields) and
/// builds the game.
pub fn setup(
    host: &Host<'_>,
    data: &Dataset<'_>,
    params: &Params,
    known: &[&str],
    default_runs: u64,
) -> Result<Setup, MethodError> {
    params::reject_unknown(params, known)?;
    let tie = match params::one_of(params, "tie", &["coin", "half"], "coin")? {
        "coin" => Tie::Coin,
        _ => Tie::Half,
    };
    let odd = match params::one_of(params, "odd", &["bye", "float"], "bye")? {
        "bye" => Odd::Bye,
        _ => Odd::Float,
    };
    let matching = match params::one_of(
        params,
        "match",
        &["deterministic", "sampled"],
        "deterministic",
    )? {
        "deterministic" => MatchRule::Deterministic,
        _ => MatchRule::Sampled,
    };
    let runs = params::integer_in(params, "runs", 1, 10_000_000, default_runs)?;
    let top_k = params::integer_in(params, "top_k", 1, 1_000_000, 3)? as usize;
    let table = ScoreTable::build(host, data)?;
    let order = play_order(params, data, &table)?;
    let m = table.models;
    let means: Vec<Option<f64>> = order
        .iter()
        .flat_map(|&k| (0..m).map(move |model| (model, k)))
        .map(|(model, k)| table.score(model, k))
        .collect();
    let mut game = Game::from_means(m, order.len(), &means);
    if game.players.len() < 2 {
        return Err(MethodError::invalid_data(format!(
            "csd needs at least 2 models with measurements, found {}",
            game.players.len()
        )));
    }
    if matching == MatchRule::Sampled {
        game.samples = order
            .iter()
            .map(|&k| {
                table.samples[k]
                    .iter()
                    .flat_map(|(_, values)| values.iter().copied())
                    .collect()
            })
            .collect();
    }
    Ok(Setup {
        order: order
            .iter()
            .map(|&k| data.benchmark_name(k).to_owned())
            .collect(),
        rules: Rules {
            tie,
            odd,
            matching,
            eliminate: vec![0; game.rounds],
            top_k,
        },
        game,
        runs,
    })
}

/// The rules as reported in the extras.
pub fn rules_json(rules: &Rules) -> Value {
    json!({
        "tie": match rules.tie { Tie::Coin => "coin: a fair coin gives the full point", Tie::Half => "half: 1/2 point each" },
        "odd": match rules.odd { Odd::Bye => "bye: a random member of an odd score group sits out with 0 points", Odd::Float => "float: a random member of an odd score group joins the next lower group; from the lowest group it gets a bye worth 0" },
        "match": match rules.matching {
            MatchRule::Deterministic => "deterministic: the higher per-benchmark mean wins",
            MatchRule::Sampled => "sampled: the higher value on one random sample measured for both wins; with no such sample the means decide",
        },
        "missing": "a model without a score on a benchmark loses to one with a score; both missing: a tie; models without any measurement do not play",
        "pairing": "active models grouped by current points; each group paired by a uniformly random perfect matching (an odd group's bye or float is a uniformly random member)",
        "elimination": "after each round T_k models chosen at random from the lowest-points group of active models (then the next group up), never below 2 active; eliminated models keep their points",
        "places": "ties in points share the places they span; P(first) and P(top-k) count a tied model fractionally",
        "top_k": rules.top_k,
    })
}

/// Runs the simulation on the method's thread, polling cancellation and reporting progress
/// scaled into `[from, to]`.
pub fn run_simulation(
    host: &Host<'_>,
    game: &Game,
    rules: &Rules,
    runs: u64,
    seed: u64,
    (from, to): (f64, f64),
) -> Result<Totals, MethodError> {
    sim::simulate(game, rules, runs, seed, 0, &mut |fraction| {
        host.check_cancelled()?;
        host.progress(from + (to - from) * fraction);
        Ok(())
    })
}

impl Method for Csd {
    const ID: &'static str = "csd";
    const DESCRIPTION: &'static str = "Competitive Swiss-System Dynamics (arXiv 2512.21010): \
        Monte Carlo Swiss tournaments over the benchmarks, one round per benchmark in a \
        curriculum order (default easiest first: highest mean score over models first). Each \
        round groups the active models by current points and pairs them at random within a \
        group; the higher per-benchmark mean score wins 1 point (ties: coin or half; odd \
        groups: bye worth 0 or float to the next lower group). A model without a score on a \
        benchmark loses that match to one with a score (both missing: tie); models with no \
        measurement get no score. After each round `eliminate` models are removed at random \
        from the lowest-points group (never below 2 active; eliminated models keep their \
        points). Score = E[points] over `runs` seeded runs; interval = E +- 1.96 x Monte Carlo \
        standard error (simulation error, not data uncertainty: use the host bootstrap for \
        that). Extra `csd`: per model expected_points, mc_se, p_first, p_top_k (ties share \
        places fractionally), the benchmark order played, runs and the rules.";
    const PARAMS_SCHEMA: &'static str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "csd",
  "type": "object",
  "properties": {
    "order": {
      "description": "Benchmark order (one round each): \"easiest_first\" (highest mean score over models first), \"hardest_first\", \"given\" (benchmark names sorted, as the host sends them), or an array naming every selected benchmark exactly once. Benchmarks without any score are not played.",
      "oneOf": [
        {"type": "string", "enum": ["easiest_first", "hardest_first", "given"]},
        {"type": "array", "items": {"type": "string"}, "uniqueItems": true}
      ],
      "default": "easiest_first"
    },
    "tie": {
      "description": "Equal scores: \"coin\" (a fair coin gives the full point) or \"half\" (1/2 point each).",
      "type": "string",
      "enum": ["coin", "half"],
      "default": "coin"
    },
    "odd": {
      "description": "Odd score group: \"bye\" (a random member sits out, 0 points) or \"float\" (a random member joins the next lower group; bye from the lowest group).",
      "type": "string",
      "enum": ["bye", "float"],
      "default": "bye"
    },
    "eliminate": {
      "description": "Models eliminated after each round (random from the lowest-points group, never below 2 active): one count for every round, or an array with one count per benchmark played.",
      "oneOf": [
        {"type": "integer", "minimum": 0, "maximum": 1000000},
        {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 1000000}}
      ],
      "default": 0
    },
    "match": {
      "description": "\"deterministic\": compare the per-benchmark means; \"sampled\": compare the two models on one random sample of the benchmark measured for both (the means when they share none).",
      "type": "string",
      "enum": ["deterministic", "sampled"],
      "default": "deterministic"
    },
    "runs": {
      "description": "Monte Carlo runs.",
      "type": "integer",
      "minimum": 1,
      "maximum": 10000000,
      "default": 100000
    },
    "top_k": {
      "description": "k of the reported P(top-k).",
      "type": "integer",
      "minimum": 1,
      "maximum": 1000000,
      "default": 3
    }
  },
  "additionalProperties": false
}"#;
    const FLAGS: u32 = PODIUM_METHOD_USES_MEASUREMENTS | PODIUM_METHOD_SEEDED;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        let mut s = setup(
            host,
            data,
            params,
            &["order", "tie", "odd", "eliminate", "match", "runs", "top_k"],
            100_000,
        )?;
        s.rules.eliminate = eliminate(params, s.game.rounds)?;
        let totals = run_simulation(host, &s.game, &s.rules, s.runs, seed, (0.0, 1.0))?;
        let mut models = Map::new();
        for &p in &s.game.players {
            let p = p as usize;
            let mean = totals.mean(p);
            let se = totals.standard_error(p);
            out.set_score(p, mean);
            if let Some(se) = se {
                out.set_interval(p, mean - 1.96 * se, mean + 1.96 * se);
            }
            let n = totals.runs as f64;
            models.insert(
                data.model_name(p).to_owned(),
                json!({
                    "expected_points": mean,
                    "mc_se": se,
                    "p_first": totals.first[p] / n,
                    "p_top_k": totals.top_k[p] / n,
                }),
            );
        }
        let mut rules = rules_json(&s.rules);
        rules["eliminate"] = json!(s.rules.eliminate);
        host.emit_extra(
            "csd",
            &json!({
                "models": models,
                "benchmark_order": s.order,
                "runs": s.runs,
                "rules": rules,
                "interval": "expected_points +- 1.96 x Monte Carlo standard error (simulation error only, not data uncertainty)",
            }),
        );
        host.progress(1.0);
        Ok(())
    }
}
