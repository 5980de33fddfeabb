//! inspect-ai logs, as measurements.
//!
//! inspect writes one log per task run, in one of two encodings:
//! - `.eval`: a ZIP archive (members deflate- or zstd-compressed) holding `header.json` (the
//!   `eval` spec: task, model, config; plus results and stats), one member per sample and epoch
//!   `samples/<id>_epoch_<n>.json`, and `summaries.json`, `reductions.json`, `_journal/…`. A
//!   log still being written has no `header.json` yet; its `eval` spec is then read from
//!   `_journal/start.json`.
//! - `.json`: one object `{"version", "status", "eval", "plan", "results", "stats", "samples":
//!   [...], "reductions"}`. It is streamed: `samples` element by element, `eval` whole, the
//!   rest skipped, so a log with a hundred thousand samples is never in memory at once.
//!
//! Mapping: model = the `model` option, else `eval.model`; benchmark = the `benchmark` option,
//! else `eval.task`. Each sample `{id, epoch, scores: {scorer: {value, answer, explanation,
//! metadata}}, metadata, error}` gives one measurement per scorer, metric = the scorer's name,
//! epoch = the sample's `epoch` (default 1), higher is better. Values: inspect's `C` (correct) =
//! 1, `I` (incorrect) = 0, `P` (partial) = 0.5, `N` (no answer) = 0; numbers as they are; booleans
//! 1/0; a dict (a multi-value scorer) gives one measurement per key, metric `<scorer>/<key>`. A
//! sample's `metadata` is kept as sample metadata when it is a small object of scalars.
//!
//! Not imported, with a note in the summary: samples that errored or were never scored, and
//! scores whose value is null (how inspect writes NaN). The epoch reductions, `results` and
//! `summaries` are aggregates the server computes itself.
//!
//! A `.json` log written by inspect has `eval` before `samples`. Should a rewritten one have it
//! after, the samples' records (not the samples) are held until `eval` is read, up to
//! [`crate::Limits::max_member_bytes`] of them.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fs::File;
use std::io::{BufReader, Read};

use podium_wire::record::{Measurement, Record};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::json::{self, Element};
use crate::{Location, Options, Reader, Stop, Unit, UnitFile};

pub(crate) fn read(unit: &Unit, options: &Options, reader: &mut Reader<'_>) -> Result<(), Stop> {
    let mut tally = Tally::default();
    for file in &unit.files {
        if is_zip(file).map_err(|e| reader.io(&file.path, &e))? {
            read_eval(file, options, &mut tally, reader)?;
        } else {
            read_json(file, options, &mut tally, reader)?;
        }
    }
    tally.notes(reader);
    Ok(())
}

/// `.eval` by name, or by the ZIP signature (an upload whose name was lost).
fn is_zip(file: &UnitFile) -> std::io::Result<bool> {
    if file.name.to_ascii_lowercase().ends_with(".eval") {
        return Ok(true);
    }
    let mut head = [0u8; 4];
    let mut source = File::open(&file.path)?;
    let mut filled = 0;
    while filled < head.len() {
        match source.read(&mut head[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled == 4 && head == *b"PK\x03\x04")
}

/// The part of the `eval` spec that is read.
#[derive(Deserialize)]
#[serde(expecting = "an eval spec object")]
struct EvalSpec {
    task: Option<Value>,
    model: Option<Value>,
}

/// `header.json` and `_journal/start.json`.
#[derive(Deserialize)]
struct HeaderDoc {
    eval: Option<EvalSpec>,
    status: Option<Value>,
}

/// One sample; the transcript, events and other large fields are skipped unbuilt.
#[derive(Deserialize)]
#[serde(expecting = "an inspect sample object")]
struct Sample {
    id: Option<Value>,
    epoch: Option<Value>,
    scores: Option<Value>,
    metadata: Option<Value>,
    error: Option<Value>,
}

/// Model and benchmark names every record of a log carries.
struct Names {
    model: String,
    benchmark: String,
}

/// One sample's measurements before the model and benchmark are attached.
struct Scored {
    sample: String,
    epoch: i32,
    metadata: Option<Map<String, Value>>,
    values: Vec<(String, f64)>,
}

impl Scored {
    /// Rough size in memory, for the cap on records held back.
    fn size(&self) -> u64 {
        let values: usize = self.values.iter().map(|(m, _)| m.len() + 32).sum();
        let metadata = self.metadata.as_ref().map_or(0, |m| {
            m.iter()
                .map(|(k, v)| k.len() + v.as_str().map_or(16, str::len) + 32)
                .sum()
        });
        (self.sample.len() + values + metadata + 64) as u64
    }
}

/// What the logs held that was not imported, for the summary's notes.
#[derive(Default)]
struct Tally {
    /// A status other than `success`, which may explain missing samples.
    status: Option<String>,
    samples: u64,
    errored: u64,
    unscored: u64,
    null_values: u64,
}

impl Tally {
    fn status(&mut self, status: Option<&Value>) {
        if let Some(status) = status.and_then(Value::as_str)
            && status != "success"
        {
            self.status = Some(status.to_owned());
        }
    }

    fn notes(&self, reader: &mut Reader<'_>) {
        if self.samples == 0 {
            let status = match &self.status {
                Some(status) => format!("; its status is `{status}`"),
                None => String::new(),
            };
            reader.skip(format!(
                "the log has no samples (written without sample logging?){status}"
            ));
        }
        if self.errored > 0 {
            reader.skip(format!(
                "{} sample(s) errored and have no scores",
                self.errored
            ));
        }
        if self.unscored > 0 {
            reader.skip(format!("{} sample(s) have no scores", self.unscored));
        }
        if self.null_values > 0 {
            reader.skip(format!(
                "{} score(s) have a null value (inspect writes NaN as null)",
                self.null_values
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// .eval

fn read_eval(
    file: &UnitFile,
    options: &Options,
    tally: &mut Tally,
    reader: &mut Reader<'_>,
) -> Result<(), Stop> {
    let whole = Location::file(&file.name);
    let source = File::open(&file.path).map_err(|e| reader.io(&file.path, &e))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(source)).map_err(|e| {
        reader.fatal(whole.error(
            None,
            format!("is not a readable .eval log (a ZIP archive): {e}"),
        ))
    })?;

    let header_member = ["header.json", "_journal/start.json"]
        .into_iter()
        .find_map(|name| archive.index_for_name(name).map(|i| (name, i)));
    let mut spec = None;
    if let Some((name, index)) = header_member {
        let at = member_at(file, name);
        let bytes = read_member(&mut archive, index, &at, reader)?;
        let doc: HeaderDoc = json::read_document(reader, &bytes[..], &at)?;
        tally.status(doc.status.as_ref());
        spec = doc.eval;
    }

    // Archive order is the order inspect wrote the samples in.
    let samples: Vec<(usize, String)> = archive
        .file_names()
        .enumerate()
        .filter_map(|(i, name)| name.ok().map(|n| (i, n.into_owned())))
        .filter(|(_, name)| name.starts_with("samples/") && name.ends_with(".json"))
        .collect();
    if !samples.is_empty() {
        let at = match header_member {
            Some((name, _)) => member_at(file, name),
            None => whole.clone(),
        };
        let missing = "neither header.json nor _journal/start.json is in the archive";
        let names = names(options, spec.as_ref(), missing, &at, reader)?;
        for (index, name) in samples {
            let at = member_at(file, &name);
            let bytes = read_member(&mut archive, index, &at, reader)?;
            let sample: Sample = json::read_document(reader, &bytes[..], &at)?;
            drop(bytes);
            tally.samples += 1;
            if let Some(scored) = score(sample, &at, tally, reader)? {
                emit(reader, &at, &names, &scored)?;
            }
        }
    }
    Ok(())
}

fn member_at(file: &UnitFile, member: &str) -> Location {
    Location {
        file: file.name.clone(),
        member: Some(member.to_owned()),
        line: 0,
    }
}

/// A member's bytes, at most the member cap: the declared size is checked first, and the read
/// is cut at the cap too, since the declared size is only what the archive claims.
fn read_member<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    index: usize,
    at: &Location,
    reader: &mut Reader<'_>,
) -> Result<Vec<u8>, Stop> {
    let cap = reader.limits.max_member_bytes;
    let mut member = archive
        .by_index(index)
        .map_err(|e| reader.fatal(at.error(None, format!("cannot open the member: {e}"))))?;
    if member.size() > cap {
        return Err(reader.fatal(at.error(
            None,
            format!(
                "is {} bytes uncompressed; the limit is {cap} bytes",
                member.size()
            ),
        )));
    }
    // Preallocate what the archive declares, but no more than 1 MiB on its word alone.
    let mut bytes = Vec::with_capacity(member.size().min(1 << 20) as usize);
    if let Err(e) = (&mut member).take(cap + 1).read_to_end(&mut bytes) {
        // A damaged or truncated archive: the content's fault, not the disk's.
        return Err(reader.fatal(at.error(None, format!("cannot decompress the member: {e}"))));
    }
    if bytes.len() as u64 > cap {
        return Err(reader.fatal(at.error(
            None,
            format!("is larger uncompressed than the limit of {cap} bytes"),
        )));
    }
    Ok(bytes)
}

// ---------------------------------------------------------------------------------------------
// .json

fn read_json(
    file: &UnitFile,
    options: &Options,
    tally: &mut Tally,
    reader: &mut Reader<'_>,
) -> Result<(), Stop> {
    let whole = Location::file(&file.name);
    let source = File::open(&file.path).map_err(|e| reader.io(&file.path, &e))?;
    // `on_key` and `on_element` are separate closures: what the first reads, the second uses.
    let spec: RefCell<Option<Result<EvalSpec, String>>> = RefCell::new(None);
    let status: RefCell<Option<Value>> = RefCell::new(None);
    let mut names: Option<Names> = None;
    let mut held: Vec<(Location, Scored)> = Vec::new();
    let mut held_bytes = 0u64;

    let on_key = |key: &str, value: Value| match key {
        "eval" => {
            let parsed = serde_json::from_value::<EvalSpec>(value).map_err(|e| e.to_string());
            *spec.borrow_mut() = Some(parsed);
        }
        "status" => *status.borrow_mut() = Some(value),
        _ => {}
    };
    let on_element = |reader: &mut Reader<'_>, element: Element<Sample>| {
        let at = whole.at_line(element.line);
        tally.samples += 1;
        let Some(scored) = score(element.value, &at, tally, reader)? else {
            return Ok(());
        };
        if names.is_none() && (spec.borrow().is_some() || has_both(options)) {
            names = Some(names_from(options, &spec, &whole, reader)?);
        }
        match &names {
            Some(names) => emit(reader, &at, names, &scored),
            None => {
                held_bytes += scored.size();
                if held_bytes > reader.limits.max_member_bytes {
                    return Err(reader.fatal(at.error(
                        None,
                        "the log's samples come before its `eval` header, and more of them \
                         than can be held until it is read; rewrite the log with `eval` first",
                    )));
                }
                held.push((at, scored));
                Ok(())
            }
        }
    };
    let streamed = json::stream_object(
        reader,
        source,
        &whole,
        "samples",
        &["eval", "status"],
        on_key,
        on_element,
    );
    streamed?;
    if !held.is_empty() {
        let names = names_from(options, &spec, &whole, reader)?;
        for (at, scored) in &held {
            emit(reader, at, &names, scored)?;
        }
    }
    tally.status(status.borrow().as_ref());
    Ok(())
}

fn has_both(options: &Options) -> bool {
    options.model.is_some() && options.benchmark.is_some()
}

fn names_from(
    options: &Options,
    spec: &RefCell<Option<Result<EvalSpec, String>>>,
    at: &Location,
    reader: &mut Reader<'_>,
) -> Result<Names, Stop> {
    match &*spec.borrow() {
        Some(Err(why)) => Err(reader.fatal(at.error(Some("eval"), why.clone()))),
        Some(Ok(spec)) => names(options, Some(spec), "", at, reader),
        None => names(options, None, "the document has no `eval` key", at, reader),
    }
}

// ---------------------------------------------------------------------------------------------
// Both encodings

/// The model and benchmark: the options' if given, else the `eval` spec's.
fn names(
    options: &Options,
    spec: Option<&EvalSpec>,
    missing: &str,
    at: &Location,
    reader: &mut Reader<'_>,
) -> Result<Names, Stop> {
    let mut pick = |given: &Option<String>, key: &str, option: &str| -> Result<String, Stop> {
        if let Some(given) = given {
            return Ok(given.clone());
        }
        let Some(spec) = spec else {
            return Err(reader.fatal(at.error(
                Some("eval"),
                format!(
                    "the log has no `eval` spec ({missing}) to name the {option}; give the \
                     {option} in the import options"
                ),
            )));
        };
        let value = if key == "model" {
            &spec.model
        } else {
            &spec.task
        };
        match value {
            Some(Value::String(text)) => Ok(text.clone()),
            None | Some(Value::Null) => Err(reader.fatal(at.error(
                Some(&format!("eval.{key}")),
                format!("required: the log names no {option}"),
            ))),
            Some(_) => {
                Err(reader.fatal(at.error(Some(&format!("eval.{key}")), "must be a string")))
            }
        }
    };
    let model = pick(&options.model, "model", "model")?;
    let benchmark = pick(&options.benchmark, "task", "benchmark (task)")?;
    Ok(Names { model, benchmark })
}

/// A sample's measurements; `None` when it has none to give (counted in the tally). Field
/// errors are reported at `at` and the sample is left out.
fn score(
    sample: Sample,
    at: &Location,
    tally: &mut Tally,
    reader: &mut Reader<'_>,
) -> Result<Option<Scored>, Stop> {
    let mut problems: Vec<(String, String)> = Vec::new();
    let id = match &sample.id {
        None | Some(Value::Null) => {
            problems.push(("id".into(), "required: the sample's id".into()));
            None
        }
        Some(value) => {
            let id = json::id_text(value);
            if id.is_none() {
                problems.push(("id".into(), "must be a string or a number".into()));
            }
            id
        }
    };
    let epoch = match &sample.epoch {
        None | Some(Value::Null) => 1,
        Some(value) => match value.as_i64() {
            Some(n) if (1..=i64::from(i32::MAX)).contains(&n) => n as i32,
            _ => {
                problems.push(("epoch".into(), format!("{value} is not a positive epoch")));
                1
            }
        },
    };
    let mut values = Vec::new();
    match &sample.scores {
        None | Some(Value::Null) => {}
        Some(Value::Object(scores)) => {
            for (scorer, score) in scores {
                score_values(scorer, score, &mut values, &mut problems, tally);
            }
        }
        Some(_) => problems.push((
            "scores".into(),
            "must be an object of scorer name to score".into(),
        )),
    }
    if !problems.is_empty() {
        // Name the sample: in a `.json` log the line alone does not say which one it is.
        let which = id.map_or_else(String::new, |id| format!("sample {id}: "));
        for (field, why) in problems {
            reader.error(at.error(Some(&field), format!("{which}{why}")))?;
        }
        return Ok(None);
    }
    let Some(id) = id else { return Ok(None) };
    let scored = matches!(&sample.scores, Some(Value::Object(s)) if !s.is_empty());
    if !scored {
        if sample.error.as_ref().is_some_and(|e| !e.is_null()) {
            tally.errored += 1;
        } else {
            tally.unscored += 1;
        }
        return Ok(None);
    }
    Ok(Some(Scored {
        sample: id,
        epoch,
        metadata: small_metadata(sample.metadata),
        values,
    }))
}

/// One scorer's values: one for a scalar, one per key for a dict.
fn score_values(
    scorer: &str,
    score: &Value,
    values: &mut Vec<(String, f64)>,
    problems: &mut Vec<(String, String)>,
    tally: &mut Tally,
) {
    let Some(score) = score.as_object() else {
        problems.push((
            format!("scores.{scorer}"),
            "must be a score object with a `value`".into(),
        ));
        return;
    };
    let field = format!("scores.{scorer}.value");
    match score.get("value") {
        None | Some(Value::Null) => tally.null_values += 1,
        Some(Value::Object(parts)) => {
            for (key, part) in parts {
                match part {
                    Value::Null => tally.null_values += 1,
                    part => match value(part) {
                        Some(v) => values.push((format!("{scorer}/{key}"), v)),
                        None => problems.push((format!("{field}.{key}"), unusable(part))),
                    },
                }
            }
        }
        Some(other) => match value(other) {
            Some(v) => values.push((scorer.to_owned(), v)),
            None => problems.push((field, unusable(other))),
        },
    }
}

/// inspect's letter grades (`CORRECT`, `INCORRECT`, `PARTIAL`, `NOANSWER`), numbers, booleans.
fn value(value: &Value) -> Option<f64> {
    match value {
        // As inspect's own `value_to_float`: the grades, yes/no and true/false in any case,
        // and numbers written as text.
        Value::String(grade) => match grade.as_str() {
            "C" => Some(1.0),
            "I" | "N" => Some(0.0),
            "P" => Some(0.5),
            text => match text.trim().to_ascii_lowercase().as_str() {
                "yes" | "true" => Some(1.0),
                "no" | "false" => Some(0.0),
                number => number.parse::<f64>().ok().filter(|v| v.is_finite()),
            },
        },
        other => json::number(other),
    }
}

fn unusable(value: &Value) -> String {
    let shown = match value {
        Value::String(text) => format!("{text:?}"),
        Value::Array(_) => "a list".to_owned(),
        other => other.to_string(),
    };
    format!(
        "{shown} is not a score value Podium can import (a number, a boolean, C, I, P or N, or \
         a dict of those)"
    )
}

/// The sample's metadata when it is a small object of scalars (tags, labels); larger or
/// nested metadata is the dataset's business, not a leaderboard's.
fn small_metadata(metadata: Option<Value>) -> Option<Map<String, Value>> {
    const MAX_ENTRIES: usize = 32;
    const MAX_TEXT: usize = 1024;
    let Some(Value::Object(map)) = metadata else {
        return None;
    };
    let small = !map.is_empty()
        && map.len() <= MAX_ENTRIES
        && map.values().all(|v| match v {
            Value::String(s) => s.len() <= MAX_TEXT,
            Value::Number(_) | Value::Bool(_) | Value::Null => true,
            Value::Array(_) | Value::Object(_) => false,
        });
    small.then_some(map)
}

fn emit(
    reader: &mut Reader<'_>,
    at: &Location,
    names: &Names,
    scored: &Scored,
) -> Result<(), Stop> {
    for (metric, value) in &scored.values {
        let record = Record::Measurement(Measurement {
            model: Cow::Borrowed(&names.model),
            benchmark: Cow::Borrowed(&names.benchmark),
            sample: Cow::Borrowed(&scored.sample),
            metric: Cow::Borrowed(metric),
            value: *value,
            epoch: scored.epoch,
            sample_metadata: scored.metadata.clone(),
            model_metadata: None,
            metric_kind: None,
            higher_is_better: Some(true),
            sample_embedding: None,
            embedding_space: None,
        });
        reader.emit(at, record)?;
    }
    Ok(())
}
