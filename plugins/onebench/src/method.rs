//! The `onebench` method: W from samples and verdicts, strong connectivity, ILSR.

use podium_numerics::graph::{dense_edges, strongly_connected};
use podium_plugin_api::abi::{
    PODIUM_LOG_WARN, PODIUM_METHOD_SEEDED, PODIUM_METHOD_USES_COMPARISONS,
    PODIUM_METHOD_USES_MEASUREMENTS,
};
use podium_plugin_api::sdk::{Dataset, Device, Host, Method, MethodError, Output, Params};
use serde_json::{Value, json};

use crate::bootstrap::bootstrap;
use crate::ilsr::ilsr_dense;
use crate::matrix::{self, PairMatrix};
use crate::params::{Disconnected, OneBenchParams};

/// The `onebench` method (see the crate documentation).
///
/// Scores are centred log-strengths θ (mean 0 over the fitted models; higher is better):
/// `P(i beats j) = 1 / (1 + exp(θ_j − θ_i))`.
pub struct OneBench;

/// Share of the progress bar given to building W.
const BUILD_SHARE: f64 = 0.5;

/// In error messages, at most this many components and names per component are spelled out.
const MESSAGE_COMPONENTS: usize = 10;
const MESSAGE_NAMES: usize = 20;

impl Method for OneBench {
    const ID: &'static str = "onebench";
    const DESCRIPTION: &'static str = "ONEBench sparse aggregation (Ghosh et al., 2024): every \
        sample on which two models both have a value is one pairwise comparison (the higher \
        value wins; equal values tie; a missing value is no comparison, never imputed), judge \
        verdicts count directly with their weight, and the win matrix W is fitted with \
        Iterative Luce Spectral Ranking, the maximum-likelihood Bradley-Terry / Plackett-Luce \
        estimate (choix 0.4.1 ilsr_pairwise_dense, step for step). Scores are centred \
        log-strengths, higher is better. By default a tie counts as a win both ways, as in \
        ONEBench (`ties`: \"half\" is the Bradley-Terry convention), and both_bad verdicts are \
        ties. The estimate exists only when the comparison graph is strongly connected: with \
        `alpha` = 0 the largest strongly connected component is fitted and other models get no \
        score (or, with `disconnected` = \"error\", the request fails naming the components); \
        `alpha` > 0 regularises instead. Models without comparisons get no score. The extra \
        `onebench` reports iterations, convergence, comparison counts and the components. \
        Deterministic; the seed is ignored.";
    const PARAMS_SCHEMA: &'static str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "onebench",
  "type": "object",
  "properties": {
    "ties": {
      "description": "How an exact tie (equal values on a sample, or a tie verdict) enters W: \"both_ways\" adds a full win in both directions (the ONEBench path), \"half\" half a win each way (the Bradley-Terry convention), \"ignore\" drops it.",
      "type": "string",
      "enum": ["both_ways", "half", "ignore"],
      "default": "both_ways"
    },
    "both_bad": {
      "description": "How a both_bad verdict enters W: \"tie\" treats it as a tie (then per ties), \"ignore\" drops it.",
      "type": "string",
      "enum": ["tie", "ignore"],
      "default": "tie"
    },
    "alpha": {
      "description": "Regularisation: a rate added between every pair of fitted models (choix's alpha). 0 fits the maximum-likelihood estimate, which needs a strongly connected comparison graph.",
      "type": "number",
      "minimum": 0,
      "default": 0
    },
    "max_iter": {
      "description": "Maximum number of ILSR steps; without convergence the last estimate is returned and flagged (converged: false).",
      "type": "integer",
      "minimum": 1,
      "maximum": 100000,
      "default": 100
    },
    "tol": {
      "description": "Convergence tolerance: stop when the L1 norm of the change of the centred estimate is at most tol times the number of fitted models.",
      "type": "number",
      "minimum": 0,
      "default": 1e-8
    },
    "disconnected": {
      "description": "With alpha 0 and a comparison graph that is not strongly connected: \"largest_component\" fits the largest strongly connected component (on equal sizes, the one holding the alphabetically first model) and leaves the other models unscored; \"error\" fails, naming the components.",
      "type": "string",
      "enum": ["largest_component", "error"],
      "default": "largest_component"
    },
    "resamples": {
      "description": "Bootstrap replicates for percentile intervals on the fitted models' scores: samples (with their values and verdicts) drawn with replacement within each benchmark, W rebuilt on the host's pairwise_wins kernel and every replicate fitted at once on its bradley_terry_batch kernel (MM with 0.001 pseudo-wins per compared pair). 0 = no intervals.",
      "type": "integer",
      "minimum": 0,
      "maximum": 10000,
      "default": 0
    },
    "level": {
      "description": "Coverage of the bootstrap intervals.",
      "type": "number",
      "minimum": 0.5,
      "maximum": 0.999,
      "default": 0.95
    }
  },
  "additionalProperties": false
}"#;
    const FLAGS: u32 =
        PODIUM_METHOD_USES_MEASUREMENTS | PODIUM_METHOD_USES_COMPARISONS | PODIUM_METHOD_SEEDED;

    fn run(
        host: &Host<'_>,
        data: &Dataset<'_>,
        params: &Params,
        seed: u64,
        out: &mut Output<'_>,
    ) -> Result<(), MethodError> {
        let params = OneBenchParams::parse(params)?;
        host.check_cancelled()?;
        let pairs = matrix::build(host, data, &params, BUILD_SHARE)?;
        let k = pairs.size();
        let w = &pairs.w;

        // The models with comparisons, and the components of their graph.
        let active: Vec<usize> = (0..k)
            .filter(|&i| (0..k).any(|j| w[i * k + j] > 0.0 || w[j * k + i] > 0.0))
            .collect();
        if active.is_empty() {
            return Err(MethodError::invalid_data(
                "the selection has no pairwise comparisons: this method needs two models with \
                 values on a common sample, or judge verdicts",
            ));
        }
        host.check_cancelled()?;
        // Edge loser → winner: W[winner][loser] > 0.
        let edges = dense_edges(active.len(), |from, to| {
            w[active[to] * k + active[from]] > 0.0
        });
        let components = strongly_connected(active.len(), &edges);
        let name = |local: usize| data.model_name(pairs.models[active[local]]);
        // Largest first; on equal sizes, the one with the alphabetically first model first.
        let mut components: Vec<Vec<usize>> = components
            .into_iter()
            .map(|mut c| {
                c.sort_by(|a, b| name(*a).cmp(name(*b)));
                c
            })
            .collect();
        components.sort_by(|a, b| {
            b.len()
                .cmp(&a.len())
                .then_with(|| name(a[0]).cmp(name(b[0])))
        });
        let named: Vec<Vec<&str>> = components
            .iter()
            .map(|c| c.iter().map(|&i| name(i)).collect())
            .collect();

        let mut extra = Extra::new(&pairs, &active, &named);
        let fitted: Vec<usize> = if params.alpha > 0.0 || components.len() == 1 {
            (0..active.len()).collect()
        } else if params.disconnected == Disconnected::Error {
            host.emit_extra("onebench", &extra.to_json());
            return Err(MethodError::invalid_data(format!(
                "the comparison graph is not strongly connected, so the maximum-likelihood \
                 estimate does not exist: {} (set alpha > 0 to regularise, or disconnected to \
                 \"largest_component\")",
                describe_components(&named)
            )));
        } else if components[0].len() < 2 {
            host.emit_extra("onebench", &extra.to_json());
            return Err(MethodError::invalid_data(format!(
                "no two models are strongly connected (every model either only won or only \
                 lost against the others it met, transitively): {}; set alpha > 0 to \
                 regularise",
                describe_components(&named)
            )));
        } else {
            let mut largest = components[0].clone();
            largest.sort_unstable();
            largest
        };

        // The fitted block of W.
        let f = fitted.len();
        let mut block = vec![0.0_f64; f * f];
        for (bi, &i) in fitted.iter().enumerate() {
            let row = active[i] * k;
            for (bj, &j) in fitted.iter().enumerate() {
                block[bi * f + bj] = w[row + active[j]];
            }
        }
        let max_iter = params.max_iter;
        let fit = ilsr_dense(&block, f, params.alpha, max_iter, params.tol, &mut |step| {
            host.check_cancelled()?;
            host.progress(BUILD_SHARE + (1.0 - BUILD_SHARE) * step as f64 / max_iter as f64);
            Ok(())
        })?
        .map_err(|_| {
            MethodError::invalid_data(
                "the stationary distribution of the ILSR chain could not be computed (the \
                 numbers degenerated); set alpha > 0 to regularise",
            )
        })?;

        for (&i, &theta) in fitted.iter().zip(&fit.theta) {
            out.set_score(pairs.models[active[i]], theta);
        }
        if params.resamples > 0 {
            let block: Vec<usize> = fitted.iter().map(|&i| active[i]).collect();
            extra.bootstrap = Some(bootstrap(host, data, &pairs, &params, &block, seed, out)?);
        }
        extra.iterations = fit.iterations;
        extra.converged = fit.converged;
        extra.fitted_models = f;
        if !fit.converged {
            host.log(
                PODIUM_LOG_WARN,
                &format!(
                    "onebench: ILSR did not converge in {} iterations (tol {}); returning the \
                     last estimate",
                    fit.iterations, params.tol
                ),
            );
        }
        host.emit_extra("onebench", &extra.to_json());
        host.progress(1.0);
        Ok(())
    }
}

/// The `onebench` extra.
struct Extra<'a> {
    iterations: u64,
    converged: bool,
    pairs_compared: usize,
    nonzero_entries: usize,
    comparisons_from_samples: u64,
    comparisons_from_judges: u64,
    components: &'a [Vec<&'a str>],
    models_with_comparisons: usize,
    fitted_models: usize,
    pairs_counted_on: &'static str,
    bootstrap: Option<Value>,
}

impl<'a> Extra<'a> {
    fn new(pairs: &PairMatrix, active: &[usize], components: &'a [Vec<&'a str>]) -> Extra<'a> {
        let k = pairs.size();
        let w = &pairs.w;
        let mut pairs_compared = 0;
        let mut nonzero_entries = 0;
        for i in 0..k {
            for j in 0..k {
                if w[i * k + j] > 0.0 {
                    nonzero_entries += 1;
                    if i < j || w[j * k + i] == 0.0 {
                        pairs_compared += 1;
                    }
                }
            }
        }
        Extra {
            iterations: 0,
            converged: false,
            pairs_compared,
            nonzero_entries,
            comparisons_from_samples: pairs.from_samples,
            comparisons_from_judges: pairs.from_judges,
            components,
            models_with_comparisons: active.len(),
            fitted_models: 0,
            pairs_counted_on: match pairs.device {
                Device::Gpu => "gpu",
                Device::Cpu => "cpu",
            },
            bootstrap: None,
        }
    }

    fn to_json(&self) -> Value {
        let mut value = json!({
            "iterations": self.iterations,
            "converged": self.converged,
            "pairs_compared": self.pairs_compared,
            "nonzero_entries": self.nonzero_entries,
            "comparisons_from_samples": self.comparisons_from_samples,
            "comparisons_from_judges": self.comparisons_from_judges,
            "models_with_comparisons": self.models_with_comparisons,
            "fitted_models": self.fitted_models,
            "pairs_counted_on": self.pairs_counted_on,
        });
        if self.components.len() > 1 {
            value["components"] = json!(self.components);
        }
        if let Some(b) = &self.bootstrap {
            value["bootstrap"] = b.clone();
        }
        value
    }
}

/// "3 components: [A, B, C], [D], [E]" (long lists shortened).
fn describe_components(components: &[Vec<&str>]) -> String {
    let mut parts: Vec<String> = components
        .iter()
        .take(MESSAGE_COMPONENTS)
        .map(|c| {
            let mut names = c
                .iter()
                .take(MESSAGE_NAMES)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if c.len() > MESSAGE_NAMES {
                names.push_str(&format!(", … ({} more)", c.len() - MESSAGE_NAMES));
            }
            format!("[{names}]")
        })
        .collect();
    if components.len() > MESSAGE_COMPONENTS {
        parts.push(format!(
            "… ({} more components)",
            components.len() - MESSAGE_COMPONENTS
        ));
    }
    format!(
        "{} strongly connected components: {}",
        components.len(),
        parts.join(", ")
    )
}
