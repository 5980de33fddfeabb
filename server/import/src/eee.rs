//! Every Eval Ever (EEE) instance-level JSONL (schema 0.3.0, `instance_level_eval.schema.json`).
//!
//! Each line is one model's result on one sample of one evaluation:
//! `{schema_version, evaluation_id, model_id, evaluation_name, evaluation_result_id?, sample_id,
//! sample_hash?, interaction_type, input, output | messages, answer_attribution,
//! evaluation: {score, is_correct, …}, metadata?, …}`. Transcripts (`input`, `output`,
//! `messages`) are skipped without being built.
//!
//! Mapping:
//! - model: [`Options::model`], else `model_id`; benchmark: [`Options::benchmark`], else
//!   `evaluation_name`; sample: `sample_id`; epoch 0 (run once);
//! - two measurements per line: `score` (`evaluation.score`) and `is_correct`
//!   (`evaluation.is_correct` as 1/0, a binary metric where higher is better);
//! - when the line names `evaluation_result_id`, the metrics are `<evaluation_result_id>` and
//!   `<evaluation_result_id>:is_correct` instead: the schema emits one line per aggregate result
//!   a sample contributes to, so the same sample may appear once per metric of the aggregate
//!   file, and only this id tells those lines apart;
//! - sample metadata: `sample_hash`, `interaction_type` and the string entries of `metadata`.
//!
//! The score's direction lives in the aggregate file (`metric_config.lower_is_better`), which
//! is not read, so none is declared for it.

use podium_wire::Record;
use podium_wire::record::{Measurement, MetricKind};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::json::{self, id_text};
use crate::lines::each_line;
use crate::{Location, Options, Reader, Stop, Unit};

/// The fields of a line the import reads; values stay JSON so that a wrong type is reported
/// at its field, not as a parse failure of the line.
#[derive(Debug, Deserialize)]
struct Line {
    #[serde(default)]
    model_id: Option<Value>,
    #[serde(default)]
    evaluation_name: Option<Value>,
    #[serde(default)]
    evaluation_result_id: Option<Value>,
    #[serde(default)]
    sample_id: Option<Value>,
    #[serde(default)]
    sample_hash: Option<Value>,
    #[serde(default)]
    interaction_type: Option<Value>,
    #[serde(default)]
    evaluation: Option<Value>,
    #[serde(default)]
    metadata: Option<Value>,
}

pub(crate) fn read(unit: &Unit, options: &Options, reader: &mut Reader<'_>) -> Result<(), Stop> {
    // One unit is one file; several (an upload of many) are read in turn.
    for file in &unit.files {
        let mut at = Location::file(&file.name);
        each_line(reader, &file.path, &mut at, |reader, at, text| {
            let Some(line) = json::parse_line::<Line>(reader, at, text)? else {
                return Ok(());
            };
            read_line(reader, at, options, line)
        })?;
    }
    Ok(())
}

/// A required string field (or the option that replaces it).
fn name_field(
    problems: &mut Vec<(&'static str, String)>,
    field: &'static str,
    given: Option<&String>,
    value: Option<&Value>,
) -> Option<String> {
    if let Some(given) = given {
        return Some(given.clone());
    }
    match value {
        Some(Value::String(s)) => Some(s.clone()),
        None | Some(Value::Null) => {
            problems.push((field, "is missing".into()));
            None
        }
        Some(_) => {
            problems.push((field, "must be a string".into()));
            None
        }
    }
}

fn read_line(
    reader: &mut Reader<'_>,
    at: &Location,
    options: &Options,
    line: Line,
) -> Result<(), Stop> {
    // Every problem of the line is reported at once, so one pass over a file finds them all.
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    let model = name_field(
        &mut problems,
        "model_id",
        options.model.as_ref(),
        line.model_id.as_ref(),
    );
    let benchmark = name_field(
        &mut problems,
        "evaluation_name",
        options.benchmark.as_ref(),
        line.evaluation_name.as_ref(),
    );
    let sample = match &line.sample_id {
        None | Some(Value::Null) => {
            problems.push(("sample_id", "is missing".into()));
            None
        }
        Some(value) => {
            let id = id_text(value);
            if id.is_none() {
                problems.push(("sample_id", "must be a string".into()));
            }
            id
        }
    };
    let result_id = match &line.evaluation_result_id {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id.clone()),
        Some(_) => {
            problems.push(("evaluation_result_id", "must be a string".into()));
            None
        }
    };
    let (mut score, mut is_correct) = (None, None);
    match &line.evaluation {
        None | Some(Value::Null) => problems.push(("evaluation", "is missing".into())),
        Some(Value::Object(evaluation)) => {
            match evaluation.get("score") {
                None | Some(Value::Null) => {
                    problems.push(("evaluation.score", "is missing".into()));
                }
                Some(Value::Number(n)) => score = n.as_f64(),
                Some(other) => {
                    problems.push(("evaluation.score", format!("{other} is not a number")));
                }
            }
            match evaluation.get("is_correct") {
                None | Some(Value::Null) => {
                    problems.push(("evaluation.is_correct", "is missing".into()));
                }
                Some(Value::Bool(b)) => is_correct = Some(*b),
                Some(other) => problems.push((
                    "evaluation.is_correct",
                    format!("{other} is not true or false"),
                )),
            }
        }
        Some(_) => problems.push(("evaluation", "must be an object".into())),
    }
    if !problems.is_empty() {
        for (field, why) in problems {
            reader.error(at.error(Some(field), why))?;
        }
        return Ok(());
    }
    let (Some(model), Some(benchmark), Some(sample), Some(score), Some(is_correct)) =
        (model, benchmark, sample, score, is_correct)
    else {
        // Every `None` above pushed a problem.
        return Ok(());
    };

    let mut sample_metadata = Map::new();
    if let Some(Value::Object(metadata)) = &line.metadata {
        for (key, value) in metadata {
            if value.is_string() {
                sample_metadata.insert(key.clone(), value.clone());
            }
        }
    }
    for (key, value) in [
        ("sample_hash", &line.sample_hash),
        ("interaction_type", &line.interaction_type),
    ] {
        if let Some(value @ Value::String(_)) = value {
            sample_metadata.insert(key.to_owned(), value.clone());
        }
    }
    let sample_metadata = (!sample_metadata.is_empty()).then_some(sample_metadata);

    let (score_metric, correct_metric) = match &result_id {
        Some(id) => (id.clone(), format!("{id}:is_correct")),
        None => ("score".to_owned(), "is_correct".to_owned()),
    };
    let measurements = [
        (score_metric, score, None, None),
        (
            correct_metric,
            if is_correct { 1.0 } else { 0.0 },
            Some(MetricKind::Binary),
            Some(true),
        ),
    ];
    for (metric, value, metric_kind, higher_is_better) in measurements {
        reader.emit(
            at,
            Record::Measurement(Measurement {
                model: model.as_str().into(),
                benchmark: benchmark.as_str().into(),
                sample: sample.as_str().into(),
                metric: metric.into(),
                value,
                epoch: 0,
                sample_metadata: sample_metadata.clone(),
                model_metadata: None,
                metric_kind,
                higher_is_better,
                sample_embedding: None,
                embedding_space: None,
            }),
        )?;
    }
    Ok(())
}
