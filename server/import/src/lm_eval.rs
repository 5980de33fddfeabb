//! lm-evaluation-harness runs written with `--log_samples`.
//!
//! A run is one `results_<time>.json` (or an untimed `results.json`) and, per task, one
//! `samples_<task>_<time>.jsonl`. The results file holds the aggregates, the model's name and
//! each metric's direction (`higher_is_better[task][metric]`); every samples line is one
//! document (`doc_id`) under one filter (`filter`, e.g. `none`, `strict-match`), with its
//! per-document score under each metric named in `metrics`.
//!
//! Mapping:
//! - model: [`Options::model`], else `model_name`, else the `pretrained=` (or `model=`) argument
//!   of `config.model_args`, else `model_name_sanitized`;
//! - benchmark: the task (from the samples file's name), or [`Options::benchmark`] (with
//!   `/<task>` appended when the run has several tasks, so they stay apart);
//! - sample: `doc_id`; epoch 0, Podium's "run once" (lm-eval writes one line per document and
//!   filter, repeats included);
//! - one measurement per listed metric, named `<metric>,<filter>`: exactly the key of that
//!   aggregate in the results file, so a leaderboard and lm-eval's own table agree;
//! - direction: `higher_is_better[task][metric]`, declared on every measurement;
//! - sample metadata: the line's `doc_hash`, `prompt_hash`, `target_hash`; model metadata: a few
//!   identifying fields of the results file (version, source, revision, size).
//!
//! Corpus-level metrics (BLEU, perplexity…) log per-document inputs to an aggregation, not a
//! score: usually a list or object, which is recognised by its shape; for some (lambada's
//! `perplexity`) a plain number, a log-likelihood whose direction is the opposite of the
//! metric's, recognised by the aggregation the task's config names. Either way they are skipped
//! with a note rather than refused, because the rest of the run is still good data.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::File;

use podium_wire::Record;
use podium_wire::record::Measurement;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::json::{self, id_text};
use crate::lines::each_line;
use crate::{Location, Options, Reader, Stop, Unit, UnitFile};

/// The parts of `results_<time>.json` the import uses; everything else (configs, environment
/// dumps) is skipped by serde without being built.
#[derive(Debug, Default, Deserialize)]
struct Results {
    #[serde(default)]
    results: Option<Value>,
    #[serde(default)]
    group_subtasks: Option<Value>,
    #[serde(default)]
    higher_is_better: Option<Value>,
    #[serde(default)]
    configs: Option<Value>,
    #[serde(default)]
    config: Option<Value>,
    #[serde(default)]
    model_name: Option<Value>,
    #[serde(default)]
    model_name_sanitized: Option<Value>,
    #[serde(default)]
    model_source: Option<Value>,
    #[serde(default)]
    lm_eval_version: Option<Value>,
    #[serde(default)]
    model_sha: Option<Value>,
    #[serde(default)]
    model_revision: Option<Value>,
    #[serde(default)]
    model_num_parameters: Option<Value>,
}

/// lm-eval aggregations that turn per-document items into a corpus-level figure: their items
/// are not per-sample scores even when they are numbers.
const CORPUS_AGGREGATIONS: [&str; 10] = [
    "perplexity",
    "weighted_perplexity",
    "bits_per_byte",
    "f1",
    "matthews_corrcoef",
    "bleu",
    "chrf",
    "ter",
    "brier_score",
    "bypass",
];

/// The metrics of `configs[task].metric_list` aggregated by a [`CORPUS_AGGREGATIONS`] entry.
fn corpus_metrics(results: &Results, task: &str) -> HashSet<String> {
    let list = results
        .configs
        .as_ref()
        .and_then(|c| c.get(task))
        .and_then(|c| c.get("metric_list"))
        .and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter(|entry| {
            entry
                .get("aggregation")
                .and_then(Value::as_str)
                .is_some_and(|a| CORPUS_AGGREGATIONS.contains(&a))
        })
        .filter_map(|entry| entry.get("metric").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// `results_<time>.json` → `<time>`; `results.json` → empty; `None` for other names.
pub(crate) fn results_time(name: &str) -> Option<&str> {
    if name == "results.json" {
        return Some("");
    }
    name.strip_prefix("results_")?.strip_suffix(".json")
}

pub(crate) fn read(unit: &Unit, options: &Options, reader: &mut Reader<'_>) -> Result<(), Stop> {
    let mut results_files = unit
        .files
        .iter()
        .filter(|f| f.name.starts_with("results") && f.name.ends_with(".json"));
    let Some(results_file) = results_files.next() else {
        let first = unit.files.first().map_or(unit.label.as_str(), |f| &f.name);
        return Err(reader.fatal(Location::file(first).error(
            None,
            "no results_<time>.json in this lm-eval run (the model name and metric directions \
             are read from there)",
        )));
    };
    if let Some(other) = results_files.next() {
        // Two runs' samples cannot be told apart once they are in one unit.
        return Err(reader.fatal(Location::file(&other.name).error(
            None,
            format!(
                "a second results file beside {}; import one lm-eval run at a time",
                results_file.name
            ),
        )));
    }
    // A `results…json` not named like lm-eval's: read it anyway, and take the task from
    // samples names by dropping only `.jsonl`.
    let time = results_time(&results_file.name).unwrap_or("");
    let results_at = Location::file(&results_file.name);
    let source = File::open(&results_file.path).map_err(|e| reader.io(&results_file.path, &e))?;
    let results: Results = json::read_document(reader, source, &results_at)?;

    let model = match model_name(options, &results) {
        Some(model) => model,
        None => {
            return Err(reader.fatal(results_at.error(
                Some("model_name"),
                "is missing, and neither config.model_args (pretrained=…) nor \
                 model_name_sanitized names the model; name it with --model",
            )));
        }
    };
    let model_metadata = model_metadata(&results);

    let mut samples: Vec<(&UnitFile, String)> = Vec::new();
    for file in &unit.files {
        if std::ptr::eq(file, results_file) {
            continue;
        }
        match samples_task(&file.name) {
            // A samples file of another run would be read with this run's model and
            // directions: refuse it rather than mix runs.
            Some((_, Some(other))) if other != time => {
                reader.error(Location::file(&file.name).error(
                    None,
                    format!(
                        "is from the lm-eval run of {other}, but the results file is {}; \
                         import each run's results and samples files together",
                        results_file.name
                    ),
                ))?;
            }
            Some((task, _)) => samples.push((file, task)),
            None => reader.skip(format!(
                "{}: not an lm-eval samples_<task>_<time>.jsonl file",
                file.name
            )),
        }
    }
    let several = samples.len() > 1;
    let mut read_tasks: HashSet<&str> = HashSet::new();
    for (file, task) in &samples {
        let benchmark = match &options.benchmark {
            Some(name) if several => format!("{name}/{task}"),
            Some(name) => name.clone(),
            None => task.clone(),
        };
        let task_file = TaskFile {
            task,
            benchmark: &benchmark,
            model: &model,
            model_metadata: model_metadata.as_ref(),
            directions: results
                .higher_is_better
                .as_ref()
                .and_then(|h| h.get(task.as_str()))
                .and_then(Value::as_object),
            corpus: corpus_metrics(&results, task),
        };
        read_samples(reader, file, &task_file)?;
        read_tasks.insert(task);
    }

    // Tasks the results file reports but whose samples were not logged: nothing per sample
    // to import. Groups (tasks with subtasks) never have samples of their own.
    let mut missing: BTreeSet<&str> = BTreeSet::new();
    if let Some(Value::Object(tasks)) = &results.results {
        for task in tasks.keys() {
            let is_group = results
                .group_subtasks
                .as_ref()
                .and_then(|g| g.get(task))
                .and_then(Value::as_array)
                .is_some_and(|subtasks| !subtasks.is_empty());
            if !is_group && !read_tasks.contains(task.as_str()) {
                missing.insert(task);
            }
        }
    }
    for task in missing {
        reader.skip(format!(
            "{task}: no samples file (run lm-eval with --log_samples)"
        ));
    }
    Ok(())
}

/// Whether `text` looks like the time lm-eval puts in file names (`2026-01-21T03-44-18.458309`).
fn is_run_time(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b'-'
        && b[16] == b'-'
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 | 13 | 16 => *c == b'-',
            10 => *c == b'T',
            19 => *c == b'.',
            _ => c.is_ascii_digit(),
        })
}

/// `samples_<task>_<time>.jsonl` → (`<task>`, `<time>` when the name carries one).
pub(crate) fn samples_task(name: &str) -> Option<(String, Option<&str>)> {
    let rest = name.strip_prefix("samples_")?.strip_suffix(".jsonl")?;
    let (task, time) = match rest.rsplit_once('_') {
        Some((task, time)) if is_run_time(time) => (task, Some(time)),
        _ => (rest, None),
    };
    (!task.is_empty()).then(|| (task.to_owned(), time))
}

fn non_empty_string(value: Option<&Value>) -> Option<String> {
    match value {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn model_name(options: &Options, results: &Results) -> Option<String> {
    if let Some(model) = &options.model {
        return Some(model.clone());
    }
    if let Some(name) = non_empty_string(results.model_name.as_ref()) {
        return Some(name);
    }
    let args = results.config.as_ref().and_then(|c| c.get("model_args"));
    // Older versions keep `model_args` as the command line's "k=v,k=v" string, newer ones
    // may store the parsed object; `model=` is what API backends (local-completions…) use.
    for key in ["pretrained", "model"] {
        let found = match args {
            Some(Value::String(text)) => text
                .split(',')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| k.trim() == key)
                .map(|(_, v)| v.trim().to_owned())
                .filter(|v| !v.is_empty()),
            Some(Value::Object(map)) => non_empty_string(map.get(key)),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    non_empty_string(results.model_name_sanitized.as_ref())
}

/// A few fields that identify what was evaluated; the rest of the results file (environment
/// dumps, chat templates) is too large and too volatile to keep per model.
fn model_metadata(results: &Results) -> Option<Map<String, Value>> {
    let config = results.config.as_ref();
    let from_config = |key: &str| config.and_then(|c| c.get(key)).cloned();
    let mut meta = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value.filter(|v| v.is_string() || v.is_number()) {
            meta.insert(key.to_owned(), value);
        }
    };
    put("lm_eval_version", results.lm_eval_version.clone());
    put(
        "model_source",
        results
            .model_source
            .clone()
            .or_else(|| from_config("model")),
    );
    put(
        "model_sha",
        results
            .model_sha
            .clone()
            .or_else(|| from_config("model_sha")),
    );
    put(
        "model_revision",
        results
            .model_revision
            .clone()
            .or_else(|| from_config("model_revision")),
    );
    put(
        "model_num_parameters",
        results
            .model_num_parameters
            .clone()
            .or_else(|| from_config("model_num_parameters")),
    );
    (!meta.is_empty()).then_some(meta)
}

/// What every line of one samples file shares.
struct TaskFile<'a> {
    task: &'a str,
    benchmark: &'a str,
    model: &'a str,
    model_metadata: Option<&'a Map<String, Value>>,
    /// `higher_is_better[task]`: metric → direction; also the metric list for lines that do
    /// not name theirs.
    directions: Option<&'a Map<String, Value>>,
    /// Metrics whose per-line values feed a corpus-level aggregation.
    corpus: HashSet<String>,
}

fn read_samples(reader: &mut Reader<'_>, file: &UnitFile, task: &TaskFile<'_>) -> Result<(), Stop> {
    // (doc_id, filter) → the line that had it.
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    let mut at = Location::file(&file.name);
    each_line(reader, &file.path, &mut at, |reader, at, line| {
        // Raw values: a line's `doc`, `arguments` and `resps` can be large and are never
        // needed, so they are kept as bytes rather than built into JSON trees.
        let Some(fields) = json::parse_line::<HashMap<String, Box<RawValue>>>(reader, at, line)?
        else {
            return Ok(());
        };
        read_sample(reader, at, &fields, task, &mut seen)
    })
}

fn small_value(raw: &RawValue) -> Value {
    serde_json::from_str(raw.get()).unwrap_or(Value::Null)
}

fn read_sample(
    reader: &mut Reader<'_>,
    at: &Location,
    fields: &HashMap<String, Box<RawValue>>,
    task: &TaskFile<'_>,
    seen: &mut HashMap<(String, String), u64>,
) -> Result<(), Stop> {
    let doc_id = match fields.get("doc_id").map(|raw| small_value(raw)) {
        None | Some(Value::Null) => {
            return reader.error(at.error(Some("doc_id"), "is missing"));
        }
        Some(value) => match id_text(&value) {
            Some(id) => id,
            None => {
                return reader.error(at.error(Some("doc_id"), "must be a number or a string"));
            }
        },
    };
    let filter = match fields.get("filter").map(|raw| small_value(raw)) {
        None | Some(Value::Null) => "none".to_owned(),
        Some(Value::String(filter)) => filter,
        Some(_) => return reader.error(at.error(Some("filter"), "must be a string")),
    };
    let metrics: Vec<String> = match fields.get("metrics").map(|raw| small_value(raw)) {
        None | Some(Value::Null) => match task.directions {
            Some(directions) if !directions.is_empty() => directions.keys().cloned().collect(),
            _ => {
                return reader.error(at.error(
                    Some("metrics"),
                    format!(
                        "is missing, and the results file gives no metrics for task {} \
                         (higher_is_better)",
                        task.task
                    ),
                ));
            }
        },
        Some(Value::Array(items)) => {
            let names: Option<Vec<String>> = items
                .iter()
                .map(|m| m.as_str().map(str::to_owned))
                .collect();
            match names {
                Some(names) => names,
                None => {
                    return reader.error(at.error(Some("metrics"), "must be a list of names"));
                }
            }
        }
        Some(_) => return reader.error(at.error(Some("metrics"), "must be a list of names")),
    };
    let key = (doc_id, filter);
    if let Some(first) = seen.get(&key) {
        return reader.error(at.error(
            Some("doc_id"),
            format!(
                "repeats doc_id {} of line {first} (filter {})",
                key.0, key.1
            ),
        ));
    }
    seen.insert(key.clone(), at.line);
    let (doc_id, filter) = key;

    let mut sample_metadata = Map::new();
    for name in ["doc_hash", "prompt_hash", "target_hash"] {
        if let Some(Value::String(hash)) = fields.get(name).map(|raw| small_value(raw)) {
            sample_metadata.insert(name.to_owned(), Value::String(hash));
        }
    }
    let sample_metadata = (!sample_metadata.is_empty()).then_some(sample_metadata);

    for metric in &metrics {
        let Some(raw) = fields.get(metric) else {
            reader.error(at.error(
                Some(metric),
                "is listed in metrics but missing from the line",
            ))?;
            continue;
        };
        let text = raw.get().trim_start();
        if text.starts_with('[') || text.starts_with('{') || task.corpus.contains(metric) {
            reader.skip(format!(
                "{}: metric {metric} (corpus-level value, not a per-sample score)",
                task.task
            ));
            continue;
        }
        let value = small_value(raw);
        let number = match &value {
            Value::Null => {
                reader.skip(format!(
                    "{}: metric {metric},{filter} is null or NaN on some lines",
                    task.task
                ));
                continue;
            }
            other => json::number(other),
        };
        let Some(number) = number else {
            reader.error(at.error(
                Some(metric),
                format!("{value} is not a number or a boolean"),
            ))?;
            continue;
        };
        let higher_is_better = task
            .directions
            .and_then(|d| d.get(metric.as_str()))
            .and_then(Value::as_bool);
        let name = format!("{metric},{filter}");
        reader.emit(
            at,
            Record::Measurement(Measurement {
                model: task.model.into(),
                benchmark: task.benchmark.into(),
                sample: doc_id.as_str().into(),
                metric: name.into(),
                value: number,
                epoch: 0,
                sample_metadata: sample_metadata.clone(),
                model_metadata: task.model_metadata.cloned(),
                metric_kind: None,
                higher_is_better,
                sample_embedding: None,
                embedding_space: None,
            }),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_names_come_from_samples_file_names() {
        let time = "2026-01-21T03-44-18.458309";
        assert_eq!(
            samples_task(&format!("samples_math_perturbed_full_{time}.jsonl")),
            Some(("math_perturbed_full".to_owned(), Some(time)))
        );
        assert_eq!(
            samples_task("samples_gsm8k.jsonl"),
            Some(("gsm8k".to_owned(), None))
        );
        // Not a run time: part of the task's name.
        assert_eq!(
            samples_task("samples_gsm8k_2025.jsonl"),
            Some(("gsm8k_2025".to_owned(), None))
        );
        assert_eq!(samples_task("results.jsonl"), None);
        assert_eq!(samples_task(&format!("samples__{time}.jsonl")), None);
        assert!(is_run_time("2024-01-01T00-00-00"));
        assert!(!is_run_time("2024-01-01"));
    }

    #[test]
    fn model_args_give_the_model_in_both_shapes() {
        let mut results = Results {
            config: Some(serde_json::json!({"model_args": "pretrained=org/m,dtype=bf16"})),
            ..Results::default()
        };
        let options = Options::default();
        assert_eq!(model_name(&options, &results).as_deref(), Some("org/m"));
        results.config = Some(serde_json::json!({"model_args": {"pretrained": "org/n"}}));
        assert_eq!(model_name(&options, &results).as_deref(), Some("org/n"));
        results.model_name = Some(Value::String(String::new()));
        results.config = None;
        results.model_name_sanitized = Some(Value::String("org__s".into()));
        assert_eq!(model_name(&options, &results).as_deref(), Some("org__s"));
    }
}
