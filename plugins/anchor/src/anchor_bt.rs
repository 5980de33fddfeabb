//! `anchor_bt`: Bradley–Terry over all comparisons with the anchor fixed, on the Elo scale,
//! optionally style-controlled.
//!
//! Rating of model m: `R_m = 400 · θ_m / ln 10 + anchor_rating`, θ_anchor = 0; predicted win
//! rate against the anchor `1 / (1 + 10^((R_anchor − R_m) / 400))`. Ties and both_bad verdicts
//! are one row with y = 0.5 (see [`crate::bt`]); the verdict's strength is not used.
//!
//! Style control adds, per style key present in the data (tokens, headers, lists, bold), the
//! feature `(x_a − x_b) / (x_a + x_b)` (0 when both are 0) of the comparison's
//! `metadata.style`, with one coefficient shared by all models. A comparison without style
//! metadata, or without a key others have, contributes 0 for it (no known difference). Keys
//! whose feature is 0 on every fitted comparison are dropped (not identified). The score is
//! then the style-controlled rating; the raw rating is always in the extra.
//!
//! **Which models get a rating.** The MLE is finite exactly on the strongly connected
//! component of the "beaten by" graph (edge loser → winner per comparison, a tie both ways)
//! that holds the anchor ([`podium_numerics::graph`]); only that component is fitted. Every other model
//! gets no score and a reason in the extra: no comparisons; not connected to the anchor
//! through comparisons at all; won (lost) every comparison it had; or above (below) the
//! anchor's component — it beat (lost to) it transitively without ever losing (winning) back,
//! so its rating is +∞ (−∞). This is detected from the graph before fitting, not from huge
//! numbers after it.
//!
//! Intervals: Wald intervals `R ± z · se` on the Elo scale with sandwich (default) or Fisher
//! standard errors; the anchor's is [R, R].

use podium_numerics::graph::component_ids;
use podium_numerics::stats::normal_quantile;
use podium_plugin_api::abi::{PODIUM_LOG_WARN, PODIUM_METHOD_USES_COMPARISONS};
use podium_plugin_api::sdk::{Dataset, Host, Method, MethodError, Output, Params};
use serde_json::{Map, Value, json};

use crate::bt::{self, ELO, Errors, PairTable, REFERENCE, Units};
use crate::data::{self, CHECK_EVERY, STYLE_KEYS, style_feature, style_of};
use crate::params::{BtParams, IntervalKind};

/// The `anchor_bt` method (see the module documentation).
pub struct AnchorBt;

/// The largest number of parameters (rated models − 1 + style keys): the system is dense and
/// its factorisation O(p³).
pub const MAX_PARAMETERS: usize = 4096;

/// Models reachable from `start` along `edges` (from → to).
fn reachable(n: usize, edges: &[(usize, usize)], start: usize, reverse: bool) -> Vec<bool> {
    let mut adjacency = vec![Vec::new(); n];
    for &(f, t) in edges {
        if reverse {
            adjacency[t].push(f);
        } else {
            adjacency[f].push(t);
        }
    }
    let mut seen = vec![false; n];
    seen[start] = true;
    let mut todo = vec![start];
    while let Some(node) = todo.pop() {
        for &next in &adjacency[node] {
            if !seen[next] {
                seen[next] = true;
                todo.push(next);
            }
        }
    }
    seen
}

/// Which models the fit rates, and why the others are not rated.
pub struct Rated {
    /// Parameter index of each model: `Some(REFERENCE)` for the anchor, `Some(k)` for fitted
    /// models, `None` for unrated ones.
    pub param: Vec<Option<u32>>,
    /// Number of θ parameters.
    pub n_theta: usize,
    /// Reason per unrated model with comparisons or without.
    pub reasons: Vec<Option<&'static str>>,
}

/// Decides the rated set (see the module documentation).
pub fn rated_set(n: usize, table: &PairTable, anchor: usize) -> Rated {
    let edges = table.edges();
    let (component, _) = component_ids(n, &edges);
    let mut any = vec![false; n];
    let mut scored = vec![false; n]; // won or tied at least once
    let mut conceded = vec![false; n]; // lost or tied at least once
    let mut undirected = Vec::with_capacity(2 * table.pairs.len());
    for p in &table.pairs {
        any[p.a] = true;
        any[p.b] = true;
        scored[p.a] |= p.a_scored;
        scored[p.b] |= p.b_scored;
        conceded[p.a] |= p.b_scored;
        conceded[p.b] |= p.a_scored;
        undirected.push((p.a, p.b));
        undirected.push((p.b, p.a));
    }
    let connected = reachable(n, &undirected, anchor, false);
    let above = reachable(n, &edges, anchor, false);
    let below = reachable(n, &edges, anchor, true);
    let mut param = vec![None; n];
    let mut reasons = vec![None; n];
    let mut n_theta = 0u32;
    for m in 0..n {
        if m == anchor {
            param[m] = Some(REFERENCE);
        } else if !any[m] {
            reasons[m] = Some("no comparisons");
        } else if !connected[m] {
            reasons[m] = Some("not connected to the anchor through comparisons");
        } else if component[m] == component[anchor] {
            param[m] = Some(n_theta);
            n_theta += 1;
        } else if !conceded[m] {
            reasons[m] = Some("won every comparison it had: rating +∞ (no finite estimate)");
        } else if !scored[m] {
            reasons[m] = Some("lost every comparison it had: rating −∞ (no finite estimate)");
        } else if above[m] {
            reasons[m] = Some(
                "above the anchor's strongly connected component: it beat that group \
                 (transitively) and never lost back, so its rating is +∞ relative to the anchor",
            );
        } else if below[m] {
            reasons[m] = Some(
                "below the anchor's strongly connected component: it lost to that group \
                 (transitively) and never won back, so its rating is −∞ relative to the anchor",
            );
        } else {
            reasons[m] = Some(
                "connected to the anchor only through models without a finite rating, so its \
                 rating relative to the anchor is not identified",
            );
        }
    }
    Rated {
        param,
        n_theta: n_theta as usize,
        reasons,
    }
}

/// The no-style units of the rated models: one per compared pair.
pub fn pair_units(table: &PairTable, rated: &Rated) -> Units {
    let mut units = Units::new(0);
    for pair in &table.pairs {
        if let (Some(a), Some(b)) = (rated.param[pair.a], rated.param[pair.b]) {
            units.push_pair(a, b, pair);
        }
    }
    units
}

impl Method for AnchorBt {
    const ID: &'static str = "anchor_bt";
    const DESCRIPTION: &'static str = "Bradley-Terry over all comparisons (logistic, no \
        intercept, no penalty; a tie or both_bad is one row with y = 0.5, i.e. half a win each \
        way; strengths are not used) with the anchor fixed at anchor_rating on the Elo scale: \
        rating = 400 beta / ln 10 + anchor_rating. Fitted by Newton-Raphson. With \
        style_control, the features (x_a - x_b)/(x_a + x_b) of each style key in the \
        comparisons' metadata.style (tokens, headers, lists, bold; 0 when both are 0 or the \
        metadata is absent) enter the design with coefficients shared by all models; the score \
        is then the style-controlled rating and the raw rating is in the extra. Intervals: \
        Wald on the Elo scale with sandwich (robust, per-comparison scores; default) or Fisher \
        standard errors; the anchor's is [R, R]. Only models in the anchor's strongly \
        connected component of the beaten-by graph have a finite estimate: the others \
        (disconnected, all wins, all losses, transitively above or below) get no score, with \
        the reason in the extra `anchor_bt`, which also gives per model the rating, standard \
        error, predicted win rate vs the anchor, the style coefficients with standard errors, \
        iterations and convergence. Deterministic; the seed is ignored.";
    const PARAMS_SCHEMA: &'static str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "anchor_bt",
  "type": "object",
  "properties": {
    "anchor": {
      "description": "Name of the anchor model, fixed at anchor_rating; it must be one of the selected models.",
      "type": "string",
      "minLength": 1
    },
    "anchor_rating": {
      "description": "The anchor's fixed rating on the Elo scale.",
      "type": "number",
      "default": 1000
    },
    "style_control": {
      "description": "Add the style features (x_a - x_b)/(x_a + x_b) of metadata.style (tokens, headers, lists, bold) to the design; the score becomes the style-controlled rating.",
      "type": "boolean",
      "default": false
    },
    "interval": {
      "description": "Interval on the Elo scale: Wald with sandwich (robust, per-comparison score outer products) or Fisher (inverse information) standard errors, or none.",
      "type": "string",
      "enum": ["sandwich", "fisher", "none"],
      "default": "sandwich"
    },
    "level": {
      "description": "Coverage of the interval.",
      "type": "number",
      "exclusiveMinimum": 0,
      "exclusiveMaximum": 1,
      "default": 0.95
    },
    "max_iter": {
      "description": "Maximum number of Newton steps; without convergence the last estimate is returned and flagged (converged: false).",
      "type": "integer",
      "minimum": 1,
      "maximum": 1000,
      "default": 100
    }
  },
  "required": ["anchor"],
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
        let p = BtParams::parse(params, data)?;
        let verdicts = data::read(host, data)?;
        host.progress(0.1);
        let table = PairTable::build(host, &verdicts.rows)?;
        let n = data.model_count();
        let anchor = p.anchor;
        let anchor_name = data.model_name(anchor);
        let rated = rated_set(n, &table, anchor);
        if rated.n_theta == 0 {
            return Err(MethodError::invalid_data(format!(
                "no model can be rated against the anchor \"{anchor_name}\": a finite estimate \
                 needs a model that both won (or tied) and lost (or tied) against the anchor's \
                 group, directly or through others"
            )));
        }
        host.progress(0.2);

        // Style features of the rated comparisons, one row per comparison.
        let mut style = None;
        if p.style_control {
            let mut rows: Vec<(u32, u32, f64, f64, [f64; 4])> = Vec::new();
            let mut present = [false; STYLE_KEYS.len()];
            let mut without = 0u64;
            for (i, v) in verdicts.rows.iter().enumerate() {
                if i % CHECK_EVERY == 0 {
                    host.check_cancelled()?;
                }
                let (Some(a), Some(b)) = (rated.param[v.a], rated.param[v.b]) else {
                    continue;
                };
                let mut z = [0.0; STYLE_KEYS.len()];
                match style_of(data, v.row)? {
                    None => without += 1,
                    Some(s) => {
                        for (k, values) in s.iter().enumerate() {
                            if let Some((xa, xb)) = values {
                                z[k] = style_feature(*xa, *xb);
                                present[k] |= z[k] != 0.0;
                            }
                        }
                    }
                }
                rows.push((a, b, v.weight, v.y(), z));
            }
            let keys: Vec<usize> = (0..STYLE_KEYS.len()).filter(|&k| present[k]).collect();
            if keys.is_empty() {
                return Err(MethodError::invalid_data(
                    "style_control: no comparison between rated models carries a style \
                     difference in metadata.style (tokens, headers, lists, bold)",
                ));
            }
            let mut units = Units::new(keys.len());
            let mut z = Vec::with_capacity(keys.len());
            for (a, b, w, y, all) in rows {
                z.clear();
                z.extend(keys.iter().map(|&k| all[k]));
                units.push_row(a, b, w, y, &z);
            }
            style = Some((units, keys, without));
        }
        if rated.n_theta + style.as_ref().map_or(0, |s| s.1.len()) > MAX_PARAMETERS {
            return Err(MethodError::invalid_data(format!(
                "{} models to rate: this method fits at most {MAX_PARAMETERS} parameters",
                rated.n_theta + 1
            )));
        }

        let max_iter = p.max_iter as usize;
        let raw_units = pair_units(&table, &rated);
        let singular = || {
            MethodError::invalid_data(
                "the Bradley-Terry information matrix is singular: the style features are \
                 collinear (or constant) on the rated comparisons",
            )
        };
        let raw = bt::fit(host, &raw_units, rated.n_theta, max_iter)?.ok_or_else(singular)?;
        host.progress(0.5);
        let controlled = match &style {
            Some((units, _, _)) => {
                Some(bt::fit(host, units, rated.n_theta, max_iter)?.ok_or_else(singular)?)
            }
            None => None,
        };
        host.progress(0.7);
        let (fit, units) = match (&controlled, &style) {
            (Some(f), Some((u, _, _))) => (f, u),
            _ => (&raw, &raw_units),
        };
        let variances = match p.interval {
            IntervalKind::Wald(errors) => bt::variances(host, units, fit, rated.n_theta, errors)?,
            // Standard errors cost an O(p³) inverse: skipped when no interval is asked for.
            IntervalKind::None => vec![f64::NAN; fit.beta.len()],
        };
        host.progress(0.9);
        let z = normal_quantile(p.level);
        if !fit.converged {
            host.log(
                PODIUM_LOG_WARN,
                &format!(
                    "anchor_bt: Newton-Raphson did not converge in {} steps; returning the last \
                     estimate",
                    fit.iterations
                ),
            );
        }

        let rating = |beta: &[f64], m: usize| match rated.param[m] {
            Some(REFERENCE) => Some(p.anchor_rating),
            Some(k) => Some(ELO * beta[k as usize] + p.anchor_rating),
            None => None,
        };
        let mut models = Map::new();
        let mut unscored = Map::new();
        for m in 0..n {
            let Some(r) = rating(&fit.beta, m) else {
                if let Some(reason) = rated.reasons[m] {
                    unscored.insert(data.model_name(m).to_owned(), json!(reason));
                }
                continue;
            };
            let se = match rated.param[m] {
                Some(REFERENCE) => 0.0,
                Some(k) => ELO * variances[k as usize].sqrt(),
                None => f64::NAN,
            };
            out.set_score(m, r);
            if p.interval != IntervalKind::None && se.is_finite() {
                out.set_interval(m, r - z * se, r + z * se);
            }
            let mut entry = json!({
                "rating": r,
                "se": if se.is_finite() { json!(se) } else { Value::Null },
                "win_rate_vs_anchor": 1.0 / (1.0 + 10f64.powf((p.anchor_rating - r) / 400.0)),
            });
            if controlled.is_some() {
                entry["raw_rating"] = json!(rating(&raw.beta, m));
            }
            models.insert(data.model_name(m).to_owned(), entry);
        }
        let style_json = match &style {
            Some((_, keys, without)) => {
                let mut coefficients = Map::new();
                for (g, &k) in keys.iter().enumerate() {
                    let i = rated.n_theta + g;
                    let se = variances[i].sqrt();
                    coefficients.insert(
                        STYLE_KEYS[k].to_owned(),
                        json!({
                            "coefficient": fit.beta[i],
                            "se": if se.is_finite() { json!(se) } else { Value::Null },
                            "elo_points": ELO * fit.beta[i],
                        }),
                    );
                }
                json!({
                    "coefficients": coefficients,
                    "feature": "(x_a - x_b) / (x_a + x_b) per key, 0 when both are 0; the \
                        coefficient is in logits per unit of feature (elo_points: on the Elo \
                        scale)",
                    "comparisons_without_style": without,
                    "raw_fit": {"iterations": raw.iterations, "converged": raw.converged},
                })
            }
            None => Value::Null,
        };
        host.emit_extra(
            "anchor_bt",
            &json!({
                "anchor": anchor_name,
                "anchor_rating": p.anchor_rating,
                "ties": "a tie or both_bad is one row with y = 0.5 (half a win each way)",
                "interval": match p.interval {
                    IntervalKind::Wald(Errors::Sandwich) => "sandwich",
                    IntervalKind::Wald(Errors::Fisher) => "fisher",
                    IntervalKind::None => "none",
                },
                "level": p.level,
                "iterations": fit.iterations,
                "converged": fit.converged,
                "log_likelihood": fit.log_likelihood,
                "rated_models": rated.n_theta + 1,
                "models": models,
                "style": style_json,
                "unscored": unscored,
                "detection": "only the anchor's strongly connected component of the \
                    beaten-by graph (edge loser -> winner per comparison, ties both ways) is \
                    fitted; outside it the maximum-likelihood rating is infinite or not \
                    identified",
            }),
        );
        host.progress(1.0);
        Ok(())
    }
}
