//! HELM run folders (`helm-run` output under `benchmark_output/runs/<suite>/<run>/`).
//!
//! Read: `run_spec.json` (the run's name and its adapter spec, which names the model) and
//! `per_instance_stats.json` (a top-level array with one element per evaluated instance, trial
//! and perturbation: `{instance_id, train_trial_index, perturbation?, stats: [Stat]}`, each
//! `Stat` a running summary `{name: {name, split, sub_split?, perturbation?}, count, sum, mean…}`).
//! `scenario.json` belongs to the unit but holds only the scenario's description and tags,
//! nothing per instance, so it is not read; `stats.json` (aggregates) and
//! `scenario_state.json` (prompts and completions) are not part of the unit.
//!
//! Mapping:
//! - model: [`Options::model`], else `adapter_spec.model` (e.g. `openai/gpt2`); model metadata
//!   `{"model_deployment": …}`;
//! - benchmark: [`Options::benchmark`], else the run name without its `model=` and
//!   `model_deployment=` arguments (`mmlu:subject=philosophy,method=multiple_choice_joint`), so
//!   that runs of different models of one scenario share a benchmark;
//! - sample: `instance_id`; epoch: `train_trial_index` (0 for a run with one trial, which is
//!   Podium's "run once");
//! - one measurement per quality stat with a value (`mean`, or `sum / count`), named as HELM
//!   names it; a stat of a perturbed instance is named `<stat> (perturbation: <name>)`, since
//!   HELM gives the perturbed copy the original's `instance_id`;
//! - sample metadata: the instance's `split` (and `sub_split`).
//!
//! HELM's bookkeeping stats (token counts, runtimes, finish reasons, costs, log-probabilities)
//! describe the run, not the answer's quality, and are skipped with one note naming them.
//! Per-instance stats carry no direction; HELM's schema marks a few families lower-is-better
//! (calibration error, bias, toxicity, bits per byte, perplexity), and those are declared so
//! (the server would otherwise take an undeclared metric as higher-is-better, for good).
//! Everything else is left undeclared: higher is better.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::File;

use podium_wire::Record;
use podium_wire::record::Measurement;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::json::{self, Element, id_text};
use crate::{Location, Options, Reader, Stop, Unit};

#[derive(Debug, Default, Deserialize)]
struct RunSpec {
    #[serde(default)]
    name: Option<Value>,
    #[serde(default)]
    adapter_spec: Option<AdapterSpec>,
}

#[derive(Debug, Default, Deserialize)]
struct AdapterSpec {
    #[serde(default)]
    model: Option<Value>,
    #[serde(default)]
    model_deployment: Option<Value>,
}

/// One element of `per_instance_stats.json`. Ids are kept as JSON values so that a wrong type
/// is reported at its field rather than as a parse failure of the whole file.
#[derive(Debug, Deserialize)]
struct InstanceStats {
    #[serde(default)]
    instance_id: Option<Value>,
    #[serde(default)]
    train_trial_index: Option<Value>,
    #[serde(default)]
    perturbation: Option<Perturbation>,
    #[serde(default)]
    stats: Option<Vec<Stat>>,
}

#[derive(Debug, Deserialize)]
struct Stat {
    name: StatName,
    #[serde(default)]
    count: Option<f64>,
    #[serde(default)]
    sum: Option<f64>,
    #[serde(default)]
    mean: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct StatName {
    name: String,
    #[serde(default)]
    split: Option<String>,
    #[serde(default)]
    sub_split: Option<String>,
    #[serde(default)]
    perturbation: Option<Perturbation>,
}

/// HELM's `PerturbationDescription` (its other fields — robustness, fairness, seed, the
/// perturbation's own parameters — do not change what a stat measures).
#[derive(Debug, Clone, Deserialize)]
struct Perturbation {
    name: String,
    #[serde(default)]
    computed_on: Option<String>,
}

impl Perturbation {
    /// The metric-name suffix. Per-instance stats are computed on the perturbed input
    /// (`computed_on: perturbed`); `original` and `worst` normally appear only in aggregates,
    /// but are kept apart if a file has them.
    fn label(&self) -> String {
        match self.computed_on.as_deref() {
            None | Some("perturbed") => format!("perturbation: {}", self.name),
            Some(other) => format!("perturbation: {}, {other}", self.name),
        }
    }
}

/// Stats that describe the run rather than the quality of an answer.
fn is_bookkeeping(name: &str) -> bool {
    ["num_", "finish_reason_", "training_", "inference_"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
        || matches!(
            name,
            "batch_size" | "prompt_truncated" | "max_prob" | "logprob"
        )
}

/// Whether lower values of a HELM stat are better, per the families HELM's schema marks
/// `lower_is_better`.
fn lower_is_better(name: &str) -> bool {
    [
        "ece_",
        "bias_metric",
        "toxic_frac",
        "expected_max_toxicity",
        "max_toxicity_probability",
    ]
    .iter()
    .any(|prefix| name.starts_with(prefix))
        || name.contains("perplexity")
        || name == "bits_per_byte"
}

/// The run name without the arguments that name the model: `scenario:k=v,…`.
fn benchmark_name(run_name: &str) -> String {
    let Some((scenario, args)) = run_name.split_once(':') else {
        return run_name.to_owned();
    };
    let kept: Vec<&str> = args
        .split(',')
        .filter(|arg| {
            let key = arg.split_once('=').map_or(*arg, |(k, _)| k).trim();
            key != "model" && key != "model_deployment"
        })
        .collect();
    if kept.is_empty() {
        scenario.to_owned()
    } else {
        format!("{scenario}:{}", kept.join(","))
    }
}

fn string(value: Option<&Value>) -> Option<String> {
    match value {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

pub(crate) fn read(unit: &Unit, options: &Options, reader: &mut Reader<'_>) -> Result<(), Stop> {
    let missing = |name: &str| {
        let first = unit.files.first().map_or(unit.label.as_str(), |f| &f.name);
        Location::file(first).error(
            None,
            format!(
                "a HELM run folder needs {name} (beside run_spec.json / per_instance_stats.json)"
            ),
        )
    };
    let Some(spec_file) = unit.file("run_spec.json") else {
        return Err(reader.fatal(missing("run_spec.json")));
    };
    let Some(stats_file) = unit.file("per_instance_stats.json") else {
        return Err(reader.fatal(missing("per_instance_stats.json")));
    };

    let spec_at = Location::file(&spec_file.name);
    let source = File::open(&spec_file.path).map_err(|e| reader.io(&spec_file.path, &e))?;
    let spec: RunSpec = json::read_document(reader, source, &spec_at)?;
    let adapter = spec.adapter_spec.unwrap_or_default();
    let model = match &options.model {
        Some(model) => model.clone(),
        None => match string(adapter.model.as_ref()) {
            Some(model) => model,
            None => {
                return Err(reader.fatal(spec_at.error(
                    Some("adapter_spec.model"),
                    "is missing; name the model with --model",
                )));
            }
        },
    };
    let benchmark = match &options.benchmark {
        Some(benchmark) => benchmark.clone(),
        None => match string(spec.name.as_ref()) {
            Some(name) => benchmark_name(&name),
            None => {
                return Err(reader.fatal(spec_at.error(
                    Some("name"),
                    "is missing; name the benchmark with --benchmark",
                )));
            }
        },
    };
    let model_metadata = string(adapter.model_deployment.as_ref()).map(|deployment| {
        let mut meta = Map::new();
        meta.insert("model_deployment".into(), Value::String(deployment));
        meta
    });

    let mut run = Run {
        model: &model,
        benchmark: &benchmark,
        model_metadata,
        seen: HashMap::new(),
        bookkeeping: BTreeSet::new(),
        valueless: BTreeSet::new(),
    };
    let stats_at = Location::file(&stats_file.name);
    let source = File::open(&stats_file.path).map_err(|e| reader.io(&stats_file.path, &e))?;
    let outcome = json::stream_array(reader, source, &stats_at, |reader, element| {
        run.instance(reader, &stats_at, element)
    });
    if !run.bookkeeping.is_empty() {
        let names: Vec<&str> = run.bookkeeping.iter().map(String::as_str).collect();
        reader.skip(format!(
            "HELM bookkeeping stats (not quality metrics): {}",
            names.join(", ")
        ));
    }
    if !run.valueless.is_empty() {
        let names: Vec<&str> = run.valueless.iter().map(String::as_str).collect();
        reader.skip(format!(
            "stats without a value (count 0) on some instances: {}",
            names.join(", ")
        ));
    }
    outcome
}

struct Run<'a> {
    model: &'a str,
    benchmark: &'a str,
    model_metadata: Option<Map<String, Value>>,
    /// (instance, trial, perturbation) → the line of the element that had it.
    seen: HashMap<(String, i64, Option<String>), u64>,
    bookkeeping: BTreeSet<String>,
    valueless: BTreeSet<String>,
}

impl Run<'_> {
    fn instance(
        &mut self,
        reader: &mut Reader<'_>,
        file: &Location,
        element: Element<InstanceStats>,
    ) -> Result<(), Stop> {
        let at = file.at_line(element.line);
        let item = element.value;
        let instance = match item.instance_id.as_ref().and_then(id_text) {
            Some(id) => id,
            None => {
                let why = if item.instance_id.is_none() {
                    "is missing"
                } else {
                    "must be a string or a number"
                };
                return reader.error(at.error(Some("instance_id"), why));
            }
        };
        let trial = match &item.train_trial_index {
            // Old runs without the field had a single trial.
            None | Some(Value::Null) => 0,
            Some(value) => match value.as_i64() {
                Some(trial) if (0..i64::from(i32::MAX)).contains(&trial) => trial,
                _ => {
                    return reader.error(at.error(
                        Some("train_trial_index"),
                        format!("{value} is not a trial number (0, 1, …)"),
                    ));
                }
            },
        };
        let Some(stats) = item.stats else {
            return reader.error(at.error(Some("stats"), "is missing"));
        };
        let perturbation = item.perturbation.as_ref().map(Perturbation::label);
        let key = (instance, trial, perturbation);
        if let Some(first) = self.seen.get(&key) {
            return reader.error(at.error(
                Some("instance_id"),
                format!(
                    "repeats instance {} (trial {}) of line {first}",
                    key.0, key.1
                ),
            ));
        }
        self.seen.insert(key.clone(), at.line);
        let (instance, trial, _) = key;

        // An instance belongs to one split; its stats all carry it.
        let mut sample_metadata = Map::new();
        if let Some(stat) = stats.iter().find(|s| s.name.split.is_some()) {
            if let Some(split) = &stat.name.split {
                sample_metadata.insert("split".into(), Value::String(split.clone()));
            }
            if let Some(sub_split) = &stat.name.sub_split {
                sample_metadata.insert("sub_split".into(), Value::String(sub_split.clone()));
            }
        }
        let sample_metadata = (!sample_metadata.is_empty()).then_some(sample_metadata);

        let mut metrics: HashSet<String> = HashSet::new();
        for (i, stat) in stats.iter().enumerate() {
            let name = &stat.name.name;
            if is_bookkeeping(name) {
                self.bookkeeping.insert(name.clone());
                continue;
            }
            let count = stat.count.unwrap_or(0.0);
            let value = match (stat.mean, stat.sum) {
                _ if count <= 0.0 => None,
                (Some(mean), _) => Some(mean),
                (None, Some(sum)) => Some(sum / count),
                (None, None) => None,
            };
            let Some(value) = value.filter(|v| v.is_finite()) else {
                self.valueless.insert(name.clone());
                continue;
            };
            let perturbation = stat
                .name
                .perturbation
                .as_ref()
                .or(item.perturbation.as_ref());
            let metric = match perturbation {
                Some(p) => format!("{name} ({})", p.label()),
                None => name.clone(),
            };
            if !metrics.insert(metric.clone()) {
                reader.error(at.error(
                    Some(&format!("stats[{i}]")),
                    format!("repeats stat {metric} of instance {instance}"),
                ))?;
                continue;
            }
            reader.emit(
                &at,
                Record::Measurement(Measurement {
                    model: self.model.into(),
                    benchmark: self.benchmark.into(),
                    sample: instance.as_str().into(),
                    metric: metric.into(),
                    value,
                    epoch: trial as i32,
                    sample_metadata: sample_metadata.clone(),
                    model_metadata: self.model_metadata.clone(),
                    metric_kind: None,
                    higher_is_better: lower_is_better(name).then_some(false),
                    sample_embedding: None,
                    embedding_space: None,
                }),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_names_lose_their_model_arguments() {
        assert_eq!(
            benchmark_name(
                "mmlu:subject=philosophy,method=multiple_choice_joint,model=openai_gpt2"
            ),
            "mmlu:subject=philosophy,method=multiple_choice_joint"
        );
        assert_eq!(
            benchmark_name("narrative_qa:model=openai_gpt2"),
            "narrative_qa"
        );
        assert_eq!(
            benchmark_name(
                "boolq:model=a_b,model_deployment=huggingface_b,data_augmentation=canonical"
            ),
            "boolq:data_augmentation=canonical"
        );
        assert_eq!(benchmark_name("plain"), "plain");
    }

    #[test]
    fn lower_is_better_families_are_recognised() {
        for name in [
            "ece_10_bin",
            "bias_metric:mode=associations",
            "toxic_frac",
            "bits_per_byte",
        ] {
            assert!(lower_is_better(name), "{name}");
        }
        for name in ["exact_match", "f1_score", "rouge_l", "quasi_exact_match@5"] {
            assert!(!lower_is_better(name), "{name}");
        }
    }

    #[test]
    fn bookkeeping_stats_are_recognised() {
        for name in [
            "num_prompt_tokens",
            "finish_reason_stop",
            "training_co2_cost",
            "inference_runtime",
            "batch_size",
            "logprob",
        ] {
            assert!(is_bookkeeping(name), "{name}");
        }
        for name in [
            "exact_match",
            "exact_match@5",
            "f1_score",
            "rouge_l",
            "bleu_4",
        ] {
            assert!(!is_bookkeeping(name), "{name}");
        }
    }
}
