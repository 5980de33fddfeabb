//! `csd-sensitivity`: the Failure Sensitivity Analysis of CSD (specification
//! `shared/methods/swiss.md`). For each elimination count T of the sweep, the CSD simulation
//! runs with T models eliminated after every round (same seed for every T: common random
//! numbers, so the curves are smooth); score = least-squares slope of E[S_m](T) over T.
//!
//! Label rule: with K benchmarks played and T_max the largest T swept, a model whose slope is
//! at least −0.05·K / T_max (it loses at most 5 % of the K available points over the whole
//! sweep, at the fitted rate) is a "robust generalist", otherwise an "aggressive specialist".

use podium_plugin_api::abi::{PODIUM_METHOD_SEEDED, PODIUM_METHOD_USES_MEASUREMENTS};
use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params};
use serde_json::{Map, Value, json};

use crate::csd::{self, MAX_ELIMINATE};

/// The `csd-sensitivity` method.
pub struct CsdSensitivity;

/// Most sweep points accepted.
const MAX_SWEEP: usize = 256;

/// The share of the K points a flat curve may lose over the sweep.
pub const FLAT_SHARE: f64 = 0.05;

fn sweep(params: &Params, players: usize) -> Result<Vec<u32>, MethodError> {
    let error = |reason: String| MethodError::invalid_params("sweep", reason);
    let Some(value) = params.get("sweep") else {
        return Ok((0..=players.div_ceil(4) as u32).collect());
    };
    let Value::Array(items) = value else {
        return Err(error(format!("must be an array of integers, got {value}")));
    };
    if items.len() > MAX_SWEEP {
        return Err(error(format!("at most {MAX_SWEEP} values")));
    }
    let mut ts = Vec::with_capacity(items.len());
    for (i, v) in items.iter().enumerate() {
        let t = v.as_u64().filter(|&t| t <= MAX_ELIMINATE).ok_or_else(|| {
            error(format!(
                "entry {i} must be an integer from 0 to {MAX_ELIMINATE}, got {v}"
            ))
        })?;
        if ts.contains(&(t as u32)) {
            return Err(error(format!("value {t} appears twice")));
        }
        ts.push(t as u32);
    }
    if ts.len() < 2 {
        return Err(error("needs at least 2 distinct values".to_owned()));
    }
    Ok(ts)
}

/// Least-squares slope of `ys` over `xs`.
pub fn slope(xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (x, y) in xs.iter().zip(ys) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
    }
    sxy / sxx
}

impl Method for CsdSensitivity {
    const ID: &'static str = "csd-sensitivity";
    const DESCRIPTION: &'static str = "Failure Sensitivity Analysis of Competitive \
        Swiss-System Dynamics: for each elimination count T in `sweep` (default 0..=ceil(M/4), \
        M = models with measurements) the csd simulation runs with T models eliminated after \
        every round (same seed for every T). Score = least-squares slope of the expected \
        points E[S](T) over T (negative: the model loses points when weak models are knocked \
        out early). Extra `csd_sensitivity`: per model the curve {T: E[S]}, the slope and a \
        label: \"robust generalist\" when slope >= -0.05 x K / max(T) (K = benchmarks played), \
        else \"aggressive specialist\". Other params as in csd.";
    const PARAMS_SCHEMA: &'static str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "csd-sensitivity",
  "type": "object",
  "properties": {
    "sweep": {
      "description": "Elimination counts T to simulate (each a constant count per round); default 0..=ceil(M/4) with M the models with measurements.",
      "type": "array",
      "items": {"type": "integer", "minimum": 0, "maximum": 1000000},
      "minItems": 2,
      "maxItems": 256,
      "uniqueItems": true
    },
    "order": {
      "description": "Benchmark order (one round each): \"easiest_first\" (highest mean score over models first), \"hardest_first\", \"given\" (benchmark names sorted), or an array naming every selected benchmark exactly once.",
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
      "description": "Odd score group: \"bye\" (a random member sits out, 0 points) or \"float\" (joins the next lower group; bye from the lowest group).",
      "type": "string",
      "enum": ["bye", "float"],
      "default": "bye"
    },
    "match": {
      "description": "\"deterministic\": compare per-benchmark means; \"sampled\": compare on one random sample measured for both (the means when none).",
      "type": "string",
      "enum": ["deterministic", "sampled"],
      "default": "deterministic"
    },
    "runs": {
      "description": "Monte Carlo runs per T.",
      "type": "integer",
      "minimum": 1,
      "maximum": 10000000,
      "default": 20000
    },
    "top_k": {
      "description": "k of P(top-k) (accepted for symmetry with csd; not reported here).",
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
        let mut s = csd::setup(
            host,
            data,
            params,
            &["sweep", "order", "tie", "odd", "match", "runs", "top_k"],
            20_000,
        )?;
        let ts = sweep(params, s.game.players.len())?;
        let mut curves: Vec<Vec<f64>> = vec![Vec::with_capacity(ts.len()); s.game.models];
        for (i, &t) in ts.iter().enumerate() {
            s.rules.eliminate = vec![t; s.game.rounds];
            let span = (i as f64 / ts.len() as f64, (i + 1) as f64 / ts.len() as f64);
            let totals = csd::run_simulation(host, &s.game, &s.rules, s.runs, seed, span)?;
            for &p in &s.game.players {
                curves[p as usize].push(totals.mean(p as usize));
            }
        }
        let xs: Vec<f64> = ts.iter().map(|&t| f64::from(t)).collect();
        let t_max = xs.iter().copied().fold(0.0, f64::max);
        let threshold = -FLAT_SHARE * s.game.rounds as f64 / t_max;
        let mut models = Map::new();
        for &p in &s.game.players {
            let p = p as usize;
            let b = slope(&xs, &curves[p]);
            out.set_score(p, b);
            let curve: Map<String, Value> = ts
                .iter()
                .zip(&curves[p])
                .map(|(t, e)| (t.to_string(), json!(e)))
                .collect();
            let label = if b >= threshold {
                "robust generalist"
            } else {
                "aggressive specialist"
            };
            models.insert(
                data.model_name(p).to_owned(),
                json!({"curve": curve, "slope": b, "label": label}),
            );
        }
        let mut rules = csd::rules_json(&s.rules);
        rules["eliminate"] = json!("constant T per round, for each T of the sweep");
        host.emit_extra(
            "csd_sensitivity",
            &json!({
                "models": models,
                "sweep": ts,
                "benchmark_order": s.order,
                "runs_per_t": s.runs,
                "label_rule": format!(
                    "robust generalist when slope >= -{FLAT_SHARE} x K / max(T) = {threshold} (K = {} benchmarks played, max(T) = {t_max}), else aggressive specialist",
                    s.game.rounds
                ),
                "rules": rules,
            }),
        );
        host.progress(1.0);
        Ok(())
    }
}
