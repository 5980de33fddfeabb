//! Submission records and the validation of one NDJSON line.
//!
//! A submission is a stream of lines, each one JSON object tagged by `type`. Validation here is
//! everything that can be decided from the line alone (types, ranges, name rules); checks that
//! need other lines or the database (duplicate keys, metric kinds already declared) happen in the
//! storage layer, which reports them in the same [`LineError`] shape.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// Longest accepted name (model, benchmark, sample, metric, judge), in bytes.
pub const MAX_NAME_BYTES: usize = 256;
/// Longest accepted line of an NDJSON submission, in bytes (newline excluded).
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// Most dimensions of an embedding vector.
pub const MAX_EMBEDDING_DIM: usize = 4096;
/// Largest accepted epoch number.
pub const MAX_EPOCH: i64 = i32::MAX as i64;

/// What a metric's values are: decides how they may be aggregated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// 0 or 1 (correct / incorrect, pass / fail).
    Binary,
    /// Any real number (BLEU, F1, a judge's 1–10 grade…).
    Score,
    /// A position in an ordering (1 = first).
    Rank,
}

impl MetricKind {
    /// The name stored in the database and used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Binary => "binary",
            MetricKind::Score => "score",
            MetricKind::Rank => "rank",
        }
    }

    /// Parses the stored or wire name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "binary" => Some(MetricKind::Binary),
            "score" => Some(MetricKind::Score),
            "rank" => Some(MetricKind::Rank),
            _ => None,
        }
    }
}

/// The outcome of a pairwise comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Winner {
    /// `model_a` was preferred.
    ModelA,
    /// `model_b` was preferred.
    ModelB,
    /// Both equally good.
    Tie,
    /// Both equally bad (a tie that some methods treat apart).
    BothBad,
}

impl Winner {
    /// The name stored in the database and used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Winner::ModelA => "model_a",
            Winner::ModelB => "model_b",
            Winner::Tie => "tie",
            Winner::BothBad => "both_bad",
        }
    }

    /// Parses the stored or wire name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "model_a" => Some(Winner::ModelA),
            "model_b" => Some(Winner::ModelB),
            "tie" => Some(Winner::Tie),
            "both_bad" => Some(Winner::BothBad),
            _ => None,
        }
    }
}

/// One score of one model on one sample under one metric.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Measurement<'a> {
    /// Model name; created on first sight.
    #[schema(value_type = String)]
    pub model: Cow<'a, str>,
    /// Benchmark name; created on first sight.
    #[schema(value_type = String)]
    pub benchmark: Cow<'a, str>,
    /// Sample id, unique within the benchmark; created on first sight.
    #[schema(value_type = String)]
    pub sample: Cow<'a, str>,
    /// Metric name; created on first sight (score, higher is better, unless declared here).
    #[schema(value_type = String)]
    pub metric: Cow<'a, str>,
    /// The value: finite.
    pub value: f64,
    /// Repetition number (0 when the harness runs each sample once).
    pub epoch: i32,
    /// Sample metadata (tags, category, difficulty…): replaces the stored metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub sample_metadata: Option<Map<String, Value>>,
    /// Model metadata (org, parameter count…): replaces the stored metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub model_metadata: Option<Map<String, Value>>,
    /// Declares the metric's kind if the metric is new; must agree if it exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_kind: Option<MetricKind>,
    /// Declares the metric's direction if the metric is new; must agree if it exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub higher_is_better: Option<bool>,
    /// An embedding of the sample (for similarity selection), in `embedding_space`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_embedding: Option<Vec<f64>>,
    /// The embedding's space (default `default`); its dimension is fixed per benchmark.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub embedding_space: Option<Cow<'a, str>>,
}

/// One pairwise verdict: which of two models did better on one sample (prompt).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Comparison<'a> {
    /// Benchmark name; created on first sight.
    #[schema(value_type = String)]
    pub benchmark: Cow<'a, str>,
    /// Sample (prompt) id; created on first sight.
    #[schema(value_type = String)]
    pub sample: Cow<'a, str>,
    /// First model.
    #[schema(value_type = String)]
    pub model_a: Cow<'a, str>,
    /// Second model (different from the first).
    #[schema(value_type = String)]
    pub model_b: Cow<'a, str>,
    /// The verdict.
    pub winner: Winner,
    /// Who judged (an LLM judge's name, "human", …).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub judge: Option<Cow<'a, str>>,
    /// How much this verdict counts (finite, > 0; default 1).
    pub weight: f64,
    /// Optional strength of the preference (finite).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength: Option<f64>,
    /// When the verdict was given (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<DateTime<Utc>>,
    /// Anything else about the verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
    /// Sample metadata: replaces the stored metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub sample_metadata: Option<Map<String, Value>>,
    /// An embedding of the sample, in `embedding_space`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_embedding: Option<Vec<f64>>,
    /// The embedding's space (default `default`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub embedding_space: Option<Cow<'a, str>>,
}

/// One line of a submission.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record<'a> {
    /// A per-sample score.
    Measurement(Measurement<'a>),
    /// A pairwise verdict.
    Comparison(Comparison<'a>),
}

impl Record<'_> {
    /// An owned copy, independent of the input buffer.
    pub fn into_owned(self) -> Record<'static> {
        fn own(c: Cow<'_, str>) -> Cow<'static, str> {
            Cow::Owned(c.into_owned())
        }
        match self {
            Record::Measurement(m) => Record::Measurement(Measurement {
                model: own(m.model),
                benchmark: own(m.benchmark),
                sample: own(m.sample),
                metric: own(m.metric),
                value: m.value,
                epoch: m.epoch,
                sample_metadata: m.sample_metadata,
                model_metadata: m.model_metadata,
                metric_kind: m.metric_kind,
                higher_is_better: m.higher_is_better,
                sample_embedding: m.sample_embedding,
                embedding_space: m.embedding_space.map(own),
            }),
            Record::Comparison(c) => Record::Comparison(Comparison {
                benchmark: own(c.benchmark),
                sample: own(c.sample),
                model_a: own(c.model_a),
                model_b: own(c.model_b),
                winner: c.winner,
                judge: c.judge.map(own),
                weight: c.weight,
                strength: c.strength,
                timestamp: c.timestamp,
                metadata: c.metadata,
                sample_metadata: c.sample_metadata,
                sample_embedding: c.sample_embedding,
                embedding_space: c.embedding_space.map(own),
            }),
        }
    }
}

/// Why one line (or one element of a JSON array) was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LineError {
    /// 1-based line number in an NDJSON body, or 1-based element number in a JSON array body.
    pub line: u64,
    /// The field at fault; absent when the line as a whole is wrong (not JSON, too long).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong, in words.
    pub reason: String,
}

impl LineError {
    /// An error about one field of a line.
    pub fn field(line: u64, field: &str, reason: impl Into<String>) -> Self {
        LineError {
            line,
            field: Some(field.to_owned()),
            reason: reason.into(),
        }
    }

    /// An error about a whole line.
    pub fn whole(line: u64, reason: impl Into<String>) -> Self {
        LineError {
            line,
            field: None,
            reason: reason.into(),
        }
    }
}

/// A string that stays borrowed from the input whenever it has no escapes (serde's own
/// `Cow<str>` always copies).
struct Str<'a>(Cow<'a, str>);

impl Str<'_> {
    fn text(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(Visit(std::marker::PhantomData))
    }
}

/// The fast-path shape of a line: every field optional, strings borrowed where unescaped.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLine<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    model: Option<Str<'a>>,
    #[serde(borrow)]
    benchmark: Option<Str<'a>>,
    #[serde(borrow)]
    sample: Option<Str<'a>>,
    #[serde(borrow)]
    metric: Option<Str<'a>>,
    value: Option<f64>,
    epoch: Option<i64>,
    #[serde(borrow)]
    sample_metadata: Option<&'a RawValue>,
    #[serde(borrow)]
    model_metadata: Option<&'a RawValue>,
    #[serde(borrow)]
    metric_kind: Option<Str<'a>>,
    higher_is_better: Option<bool>,
    #[serde(borrow)]
    model_a: Option<Str<'a>>,
    #[serde(borrow)]
    model_b: Option<Str<'a>>,
    #[serde(borrow)]
    winner: Option<Str<'a>>,
    #[serde(borrow)]
    judge: Option<Str<'a>>,
    weight: Option<f64>,
    strength: Option<f64>,
    #[serde(borrow)]
    timestamp: Option<Str<'a>>,
    #[serde(borrow)]
    metadata: Option<&'a RawValue>,
    sample_embedding: Option<Vec<f64>>,
    #[serde(borrow)]
    embedding_space: Option<Str<'a>>,
}

/// The JSON type each known field must have, used to name the field at fault when the fast
/// path fails.
#[derive(Clone, Copy)]
enum FieldType {
    String,
    Number,
    Integer,
    Bool,
    Object,
    Array,
}

const KNOWN_FIELDS: &[(&str, FieldType)] = &[
    ("type", FieldType::String),
    ("model", FieldType::String),
    ("benchmark", FieldType::String),
    ("sample", FieldType::String),
    ("metric", FieldType::String),
    ("value", FieldType::Number),
    ("epoch", FieldType::Integer),
    ("sample_metadata", FieldType::Object),
    ("model_metadata", FieldType::Object),
    ("metric_kind", FieldType::String),
    ("higher_is_better", FieldType::Bool),
    ("model_a", FieldType::String),
    ("model_b", FieldType::String),
    ("winner", FieldType::String),
    ("judge", FieldType::String),
    ("weight", FieldType::Number),
    ("strength", FieldType::Number),
    ("timestamp", FieldType::String),
    ("metadata", FieldType::Object),
    ("sample_embedding", FieldType::Array),
    ("embedding_space", FieldType::String),
];

/// Parses and validates one line. `line_no` is only used to label errors.
///
/// Blank lines are the caller's business (NDJSON allows them); this function expects a JSON
/// object. On failure every problem found on the line is returned, each naming its field.
pub fn parse_line(line_no: u64, text: &[u8]) -> Result<Record<'_>, Vec<LineError>> {
    if text.len() > MAX_LINE_BYTES {
        return Err(vec![LineError::whole(
            line_no,
            format!(
                "line is {} bytes; the limit is {MAX_LINE_BYTES}",
                text.len()
            ),
        )]);
    }
    match serde_json::from_slice::<RawLine<'_>>(text) {
        Ok(raw) => validate(line_no, raw),
        Err(err) => Err(explain_parse_failure(line_no, text, &err)),
    }
}

/// Whether `text` is one JSON value of any kind; used to tell "not NDJSON at all" from "a bad
/// record".
pub fn is_json(text: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(text).is_ok()
}

fn explain_parse_failure(line_no: u64, text: &[u8], err: &serde_json::Error) -> Vec<LineError> {
    let value: Value = match serde_json::from_slice(text) {
        Ok(value) => value,
        Err(syntax) => {
            return vec![LineError::whole(
                line_no,
                format!("not valid JSON: {syntax}"),
            )];
        }
    };
    let Value::Object(map) = value else {
        return vec![LineError::whole(
            line_no,
            "a record must be a JSON object with a \"type\" field",
        )];
    };
    let mut errors = Vec::new();
    for (name, found) in &map {
        let Some((_, expected)) = KNOWN_FIELDS.iter().find(|(known, _)| known == name) else {
            errors.push(LineError::field(
                line_no,
                name,
                "unknown field (check its spelling)",
            ));
            continue;
        };
        if found.is_null() {
            continue;
        }
        let ok = match expected {
            FieldType::String => found.is_string(),
            FieldType::Number => found.is_number(),
            FieldType::Integer => found.is_i64() || found.is_u64(),
            FieldType::Bool => found.is_boolean(),
            FieldType::Object => found.is_object(),
            FieldType::Array => found.is_array(),
        };
        if !ok {
            let wanted = match expected {
                FieldType::String => "a string",
                FieldType::Number => "a finite number",
                FieldType::Integer => "an integer",
                FieldType::Bool => "true or false",
                FieldType::Object => "a JSON object",
                FieldType::Array => "an array of numbers",
            };
            errors.push(LineError::field(
                line_no,
                name,
                format!("expected {wanted}, found {}", json_type_name(found)),
            ));
        }
    }
    if errors.is_empty() {
        // The generic reading found nothing wrong with the types, so the typed reader's
        // complaint stands (e.g. a number too large for f64).
        errors.push(LineError::whole(line_no, err.to_string()));
    }
    errors
}

fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Collects field errors of one line while it is being validated.
struct Checker {
    line: u64,
    errors: Vec<LineError>,
}

impl Checker {
    fn fail(&mut self, field: &str, reason: impl Into<String>) {
        self.errors.push(LineError::field(self.line, field, reason));
    }

    fn name<'a>(&mut self, field: &str, value: Option<Str<'a>>) -> Cow<'a, str> {
        match value.map(|s| s.0) {
            None => {
                self.fail(field, "required");
                Cow::Borrowed("")
            }
            Some(name) => {
                if let Err(reason) = check_name(&name) {
                    self.fail(field, reason);
                }
                name
            }
        }
    }

    fn optional_name<'a>(&mut self, field: &str, value: Option<Str<'a>>) -> Option<Cow<'a, str>> {
        value.map(|Str(name)| {
            if let Err(reason) = check_name(&name) {
                self.fail(field, reason);
            }
            name
        })
    }

    fn object(&mut self, field: &str, raw: Option<&RawValue>) -> Option<Map<String, Value>> {
        let raw = raw?;
        match serde_json::from_str::<Value>(raw.get()) {
            Ok(Value::Object(map)) => Some(map),
            Ok(Value::Null) => None,
            Ok(other) => {
                self.fail(
                    field,
                    format!("expected a JSON object, found {}", json_type_name(&other)),
                );
                None
            }
            Err(err) => {
                self.fail(field, err.to_string());
                None
            }
        }
    }

    fn embedding(
        &mut self,
        vector: Option<Vec<f64>>,
        space: Option<Str<'_>>,
    ) -> (Option<Vec<f64>>, Option<Cow<'static, str>>) {
        let space = space.map(|Str(name)| {
            if let Err(reason) = check_name(&name) {
                self.fail("embedding_space", reason);
            }
            Cow::Owned(name.into_owned())
        });
        let Some(vector) = vector else {
            if space.is_some() {
                self.fail("embedding_space", "given without sample_embedding");
            }
            return (None, space);
        };
        if vector.is_empty() || vector.len() > MAX_EMBEDDING_DIM {
            self.fail(
                "sample_embedding",
                format!(
                    "must have 1 to {MAX_EMBEDDING_DIM} numbers, not {}",
                    vector.len()
                ),
            );
        } else if vector.iter().any(|v| !v.is_finite()) {
            self.fail("sample_embedding", "every number must be finite");
        } else if vector.iter().all(|v| *v == 0.0) {
            self.fail("sample_embedding", "the zero vector has no direction");
        }
        (Some(vector), space)
    }

    fn forbid(&mut self, field: &str, present: bool, kind: &str) {
        if present {
            self.fail(field, format!("not a field of a {kind} record"));
        }
    }
}

/// Checks the rules every name obeys: 1–256 bytes, no control characters.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(format!(
            "is {} bytes long; the limit is {MAX_NAME_BYTES}",
            name.len()
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(format!(
            "contains the control character U+{:04X}",
            u32::from(c)
        ));
    }
    Ok(())
}

fn validate(line: u64, raw: RawLine<'_>) -> Result<Record<'_>, Vec<LineError>> {
    let mut check = Checker {
        line,
        errors: Vec::new(),
    };
    let record = match raw.kind.as_ref().map(Str::text) {
        Some("measurement") => {
            check.forbid("model_a", raw.model_a.is_some(), "measurement");
            check.forbid("model_b", raw.model_b.is_some(), "measurement");
            check.forbid("winner", raw.winner.is_some(), "measurement");
            check.forbid("judge", raw.judge.is_some(), "measurement");
            check.forbid("weight", raw.weight.is_some(), "measurement");
            check.forbid("strength", raw.strength.is_some(), "measurement");
            check.forbid("timestamp", raw.timestamp.is_some(), "measurement");
            check.forbid("metadata", raw.metadata.is_some(), "measurement");
            let model = check.name("model", raw.model);
            let benchmark = check.name("benchmark", raw.benchmark);
            let sample = check.name("sample", raw.sample);
            let metric = check.name("metric", raw.metric);
            let value = match raw.value {
                None => {
                    check.fail("value", "required");
                    0.0
                }
                Some(v) if !v.is_finite() => {
                    check.fail("value", "must be finite");
                    0.0
                }
                Some(v) => v,
            };
            let epoch = match raw.epoch {
                None => 0,
                Some(e) if (0..=MAX_EPOCH).contains(&e) => e as i32,
                Some(e) => {
                    check.fail("epoch", format!("{e} is outside 0..={MAX_EPOCH}"));
                    0
                }
            };
            let metric_kind = raw.metric_kind.as_ref().map(Str::text).and_then(|text| {
                let kind = MetricKind::parse(text);
                if kind.is_none() {
                    check.fail("metric_kind", "must be one of binary, score, rank");
                }
                kind
            });
            if metric_kind == Some(MetricKind::Binary) && value != 0.0 && value != 1.0 {
                check.fail(
                    "value",
                    format!("{value} is not 0 or 1 (metric_kind binary)"),
                );
            }
            let sample_metadata = check.object("sample_metadata", raw.sample_metadata);
            let model_metadata = check.object("model_metadata", raw.model_metadata);
            let (sample_embedding, embedding_space) =
                check.embedding(raw.sample_embedding, raw.embedding_space);
            Record::Measurement(Measurement {
                model,
                benchmark,
                sample,
                metric,
                value,
                epoch,
                sample_metadata,
                model_metadata,
                metric_kind,
                higher_is_better: raw.higher_is_better,
                sample_embedding,
                embedding_space,
            })
        }
        Some("comparison") => {
            check.forbid("model", raw.model.is_some(), "comparison");
            check.forbid("metric", raw.metric.is_some(), "comparison");
            check.forbid("value", raw.value.is_some(), "comparison");
            check.forbid("epoch", raw.epoch.is_some(), "comparison");
            check.forbid("model_metadata", raw.model_metadata.is_some(), "comparison");
            check.forbid("metric_kind", raw.metric_kind.is_some(), "comparison");
            check.forbid(
                "higher_is_better",
                raw.higher_is_better.is_some(),
                "comparison",
            );
            let benchmark = check.name("benchmark", raw.benchmark);
            let sample = check.name("sample", raw.sample);
            let model_a = check.name("model_a", raw.model_a);
            let model_b = check.name("model_b", raw.model_b);
            if !model_a.is_empty() && model_a == model_b {
                check.fail("model_b", "must differ from model_a");
            }
            let winner = match raw.winner.as_ref().map(Str::text) {
                None => {
                    check.fail("winner", "required");
                    Winner::Tie
                }
                Some(text) => Winner::parse(text).unwrap_or_else(|| {
                    check.fail("winner", "must be one of model_a, model_b, tie, both_bad");
                    Winner::Tie
                }),
            };
            let judge = check.optional_name("judge", raw.judge);
            let weight = match raw.weight {
                None => 1.0,
                Some(w) if w.is_finite() && w > 0.0 => w,
                Some(w) => {
                    check.fail("weight", format!("{w} is not a finite number > 0"));
                    1.0
                }
            };
            let strength = match raw.strength {
                Some(s) if !s.is_finite() => {
                    check.fail("strength", "must be finite");
                    None
                }
                other => other,
            };
            let timestamp = raw.timestamp.as_ref().map(Str::text).and_then(|text| {
                match DateTime::parse_from_rfc3339(text) {
                    Ok(t) => Some(t.with_timezone(&Utc)),
                    Err(err) => {
                        check.fail("timestamp", format!("not an RFC 3339 date-time: {err}"));
                        None
                    }
                }
            });
            let metadata = check.object("metadata", raw.metadata);
            let sample_metadata = check.object("sample_metadata", raw.sample_metadata);
            let (sample_embedding, embedding_space) =
                check.embedding(raw.sample_embedding, raw.embedding_space);
            Record::Comparison(Comparison {
                benchmark,
                sample,
                model_a,
                model_b,
                winner,
                judge,
                weight,
                strength,
                timestamp,
                metadata,
                sample_metadata,
                sample_embedding,
                embedding_space,
            })
        }
        Some(other) => {
            check.fail(
                "type",
                format!("unknown record type {other:?}; expected measurement or comparison"),
            );
            return Err(check.errors);
        }
        None => {
            check.fail("type", "required (measurement or comparison)");
            return Err(check.errors);
        }
    };
    if check.errors.is_empty() {
        Ok(record)
    } else {
        Err(check.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: &[LineError]) -> Vec<Option<&str>> {
        errors.iter().map(|e| e.field.as_deref()).collect()
    }

    #[test]
    fn measurement_round_trip() {
        let line = br#"{"type":"measurement","model":"m","benchmark":"gsm8k","sample":"17","metric":"exact_match","value":1,"epoch":2,"sample_metadata":{"tags":["math"]}}"#;
        let Record::Measurement(m) = parse_line(1, line).unwrap() else {
            panic!("expected a measurement");
        };
        assert_eq!(m.model, "m");
        assert_eq!(m.value, 1.0);
        assert_eq!(m.epoch, 2);
        assert!(matches!(m.model, Cow::Borrowed(_)));
        assert_eq!(m.sample_metadata.unwrap()["tags"][0], "math");
        let text = serde_json::to_string(&Record::Measurement(Measurement {
            model: "m".into(),
            benchmark: "b".into(),
            sample: "s".into(),
            metric: "acc".into(),
            value: 0.5,
            epoch: 0,
            sample_metadata: None,
            model_metadata: None,
            metric_kind: None,
            higher_is_better: None,
            sample_embedding: None,
            embedding_space: None,
        }))
        .unwrap();
        assert!(parse_line(1, text.as_bytes()).is_ok(), "{text}");
    }

    #[test]
    fn comparison_defaults_and_escapes() {
        let line = br#"{"type":"comparison","benchmark":"arena","sample":"q\"1","model_a":"a","model_b":"b","winner":"both_bad","timestamp":"2024-05-01T10:00:00+02:00"}"#;
        let Record::Comparison(c) = parse_line(3, line).unwrap() else {
            panic!("expected a comparison");
        };
        assert_eq!(c.sample, "q\"1");
        assert_eq!(c.weight, 1.0);
        assert_eq!(c.winner, Winner::BothBad);
        assert_eq!(
            c.timestamp.unwrap().to_rfc3339(),
            "2024-05-01T08:00:00+00:00"
        );
    }

    #[test]
    fn each_error_names_its_field() {
        let line = br#"{"type":"measurement","model":"","benchmark":"b","sample":"s","metric":"m","value":"high"}"#;
        let errors = parse_line(7, line).unwrap_err();
        assert_eq!(fields(&errors), vec![Some("value")]);
        assert_eq!(errors[0].line, 7);

        let line = br#"{"type":"measurement","model":"","benchmark":"b","sample":"s","metric":"m","value":1,"epoch":-1}"#;
        let errors = parse_line(7, line).unwrap_err();
        assert_eq!(fields(&errors), vec![Some("model"), Some("epoch")]);

        let line = br#"{"type":"measurement","model":"x","benchmark":"b","sample":"s","metric":"m","valeu":1}"#;
        let errors = parse_line(1, line).unwrap_err();
        assert_eq!(fields(&errors), vec![Some("valeu")]);
    }

    #[test]
    fn non_finite_and_huge_numbers_are_refused() {
        for value in ["NaN", "Infinity", "-Infinity", "1e999"] {
            let line = format!(
                r#"{{"type":"measurement","model":"x","benchmark":"b","sample":"s","metric":"m","value":{value}}}"#
            );
            assert!(parse_line(1, line.as_bytes()).is_err(), "{value} accepted");
        }
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("gpt-4o").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a\u{7}b").is_err());
        assert!(check_name(&"x".repeat(256)).is_ok());
        assert!(check_name(&"x".repeat(257)).is_err());
    }

    #[test]
    fn comparison_rules() {
        let line = br#"{"type":"comparison","benchmark":"b","sample":"s","model_a":"a","model_b":"a","winner":"left","weight":0}"#;
        let errors = parse_line(2, line).unwrap_err();
        assert_eq!(
            fields(&errors),
            vec![Some("model_b"), Some("winner"), Some("weight")]
        );
    }

    #[test]
    fn whole_line_errors() {
        let errors = parse_line(4, b"{not json").unwrap_err();
        assert_eq!(errors[0].field, None);
        assert!(errors[0].reason.starts_with("not valid JSON"));
        let errors = parse_line(4, b"[1,2]").unwrap_err();
        assert_eq!(errors[0].field, None);
        assert!(is_json(b"[1,2]"));
        assert!(!is_json(b"hello"));
    }

    #[test]
    fn embeddings_are_checked() {
        let ok = br#"{"type":"measurement","model":"x","benchmark":"b","sample":"s","metric":"m","value":1,"sample_embedding":[0.5,1,-2],"embedding_space":"e5"}"#;
        let Record::Measurement(m) = parse_line(1, ok).unwrap() else {
            panic!("a measurement");
        };
        assert_eq!(m.sample_embedding.unwrap(), vec![0.5, 1.0, -2.0]);
        assert_eq!(m.embedding_space.as_deref(), Some("e5"));
        for bad in [r#"[]"#, r#"[0,0]"#, r#""x""#] {
            let line = format!(
                r#"{{"type":"measurement","model":"x","benchmark":"b","sample":"s","metric":"m","value":1,"sample_embedding":{bad}}}"#
            );
            assert_eq!(
                fields(&parse_line(1, line.as_bytes()).unwrap_err()),
                vec![Some("sample_embedding")],
                "{bad}"
            );
        }
    }

    #[test]
    fn binary_values_must_be_zero_or_one() {
        let line = br#"{"type":"measurement","model":"x","benchmark":"b","sample":"s","metric":"m","value":0.5,"metric_kind":"binary"}"#;
        assert_eq!(
            fields(&parse_line(1, line).unwrap_err()),
            vec![Some("value")]
        );
    }
}
