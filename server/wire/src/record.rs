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

/// A judge's verdict on the five-level scale of Arena-Hard: `A>>B` (model_a much better), `A>B`,
/// `A=B`, `B>A`, `B>>A` (model_b much better). It stands for a winner and a strength:
/// `A>>B` = winner `model_a`, strength 2; `A>B` = `model_a`, 1; `A=B` = `tie`, no strength;
/// `B>A` = `model_b`, 1; `B>>A` = `model_b`, 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Verdict {
    /// `A>>B`: `model_a` much better.
    #[serde(rename = "A>>B")]
    AMuchBetter,
    /// `A>B`: `model_a` better.
    #[serde(rename = "A>B")]
    ABetter,
    /// `A=B`: a tie.
    #[serde(rename = "A=B")]
    Tie,
    /// `B>A`: `model_b` better.
    #[serde(rename = "B>A")]
    BBetter,
    /// `B>>A`: `model_b` much better.
    #[serde(rename = "B>>A")]
    BMuchBetter,
}

impl Verdict {
    /// Every verdict, from `A>>B` to `B>>A`.
    pub const ALL: [Verdict; 5] = [
        Verdict::AMuchBetter,
        Verdict::ABetter,
        Verdict::Tie,
        Verdict::BBetter,
        Verdict::BMuchBetter,
    ];

    /// The name used on the wire (`A>>B`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::AMuchBetter => "A>>B",
            Verdict::ABetter => "A>B",
            Verdict::Tie => "A=B",
            Verdict::BBetter => "B>A",
            Verdict::BMuchBetter => "B>>A",
        }
    }

    /// Parses the wire name; exactly the five spellings of [`Verdict::as_str`].
    pub fn parse(text: &str) -> Option<Self> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == text)
    }

    /// The winner this verdict stands for.
    pub fn winner(self) -> Winner {
        match self {
            Verdict::AMuchBetter | Verdict::ABetter => Winner::ModelA,
            Verdict::Tie => Winner::Tie,
            Verdict::BBetter | Verdict::BMuchBetter => Winner::ModelB,
        }
    }

    /// The strength this verdict stands for: 2 for `>>`, 1 for `>`, none for a tie.
    pub fn strength(self) -> Option<f64> {
        match self {
            Verdict::AMuchBetter | Verdict::BMuchBetter => Some(2.0),
            Verdict::ABetter | Verdict::BBetter => Some(1.0),
            Verdict::Tie => None,
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The style covariates a comparison's `metadata.style.model_a` / `metadata.style.model_b` may
/// carry: answer length in tokens, markdown headers, list items, bold spans.
pub const STYLE_COVARIATES: [&str; 4] = ["tokens", "headers", "lists", "bold"];

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

/// One pairwise verdict: which of two models did better on one sample (prompt), as parsed: a
/// `verdict` given on the wire is already turned into `winner` and `strength`.
///
/// Its OpenAPI schema (`Comparison`) is the shape accepted on input, which also has `verdict`;
/// see `ComparisonSchema` in this module.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison<'a> {
    /// Benchmark name; created on first sight.
    pub benchmark: Cow<'a, str>,
    /// Sample (prompt) id; created on first sight.
    pub sample: Cow<'a, str>,
    /// First model.
    pub model_a: Cow<'a, str>,
    /// Second model (different from the first).
    pub model_b: Cow<'a, str>,
    /// The outcome (from `verdict` when one was given).
    pub winner: Winner,
    /// Who judged (an LLM judge's name, "human", …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judge: Option<Cow<'a, str>>,
    /// How much this verdict counts (finite, > 0; default 1).
    pub weight: f64,
    /// How strongly the winner was preferred (finite, > 0; 1 plain, 2 strong); never on a
    /// tie or both_bad.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength: Option<f64>,
    /// When the verdict was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<DateTime<Utc>>,
    /// Anything else about the verdict; `style`, if present, has been validated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    /// Sample metadata: replaces the stored metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_metadata: Option<Map<String, Value>>,
    /// An embedding of the sample, in `embedding_space`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_embedding: Option<Vec<f64>>,
    /// The embedding's space (default `default`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedding_space: Option<Cow<'a, str>>,
}

impl utoipa::PartialSchema for Comparison<'_> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        ComparisonSchema::schema()
    }
}

impl ToSchema for Comparison<'_> {
    fn name() -> Cow<'static, str> {
        ComparisonSchema::name()
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        ComparisonSchema::schemas(schemas);
    }
}

// The wire shape of a comparison line, published as the `Comparison` schema. A parsed
// `Comparison` has the same fields except `verdict`, which it holds as `winner` and `strength`
// (a unit test keeps the two field lists in step). Only its schema is used.
/// One pairwise verdict: which of two models did better on one sample (prompt). Give `winner`,
/// or `verdict`, or both (then they must agree).
#[derive(ToSchema)]
#[schema(as = Comparison)]
#[allow(dead_code)]
struct ComparisonSchema {
    /// Benchmark name; created on first sight.
    benchmark: String,
    /// Sample (prompt) id; created on first sight.
    sample: String,
    /// First model.
    model_a: String,
    /// Second model (different from the first).
    model_b: String,
    /// The outcome; required unless `verdict` is given, and must agree with it if both are.
    #[schema(required = false)]
    winner: Winner,
    /// The five-level judge scale (Arena-Hard): `A>>B` = winner `model_a`, strength 2; `A>B` =
    /// `model_a`, strength 1; `A=B` = `tie`; `B>A` = `model_b`, strength 1; `B>>A` = `model_b`,
    /// strength 2. Stored as that winner and strength (read back as such).
    #[schema(nullable = false)]
    verdict: Option<Verdict>,
    /// Who judged (an LLM judge's name, "human", …).
    judge: Option<String>,
    /// How much this verdict counts (finite, > 0; default 1).
    weight: f64,
    /// How strongly the winner was preferred: finite and > 0; 1 = a plain preference (`A>B`),
    /// 2 = a strong one (`A>>B`); values in between or above are allowed (graded judges).
    /// Absent = unknown. Not allowed on a `tie` or `both_bad` outcome; with `verdict` it must
    /// equal the verdict's strength.
    strength: Option<f64>,
    /// When the verdict was given (RFC 3339).
    timestamp: Option<DateTime<Utc>>,
    /// Anything else about the verdict (passed to ranking methods as JSON). One key is checked:
    /// `style`, optional style covariates per answer,
    /// `{"model_a": {...}, "model_b": {...}}`, each side an object with some of `tokens` (answer
    /// length in tokens), `headers` (markdown headers), `lists` (list items), `bold` (bold
    /// spans), each a finite number >= 0; both sides carry the same keys, at least one.
    #[schema(value_type = Option<Object>)]
    metadata: Option<Map<String, Value>>,
    /// Sample metadata: replaces the stored metadata.
    #[schema(value_type = Option<Object>)]
    sample_metadata: Option<Map<String, Value>>,
    /// An embedding of the sample, in `embedding_space`.
    sample_embedding: Option<Vec<f64>>,
    /// The embedding's space (default `default`).
    embedding_space: Option<String>,
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

/// Why one line (or one element of a JSON array, or one place in an imported file) was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LineError {
    /// For imports (`POST /v1/imports`): the file at fault, as uploaded or named on the command
    /// line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// For imports of archives (inspect `.eval`): the member of the archive at fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// 1-based line number in an NDJSON body, or 1-based element number in a JSON array body;
    /// for imports, the line of the file (or member); 0 when the error is about a whole file.
    pub line: u64,
    /// The field at fault; absent when the line as a whole is wrong (not JSON, too long).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong, in words.
    pub reason: String,
}

impl std::fmt::Display for LineError {
    /// `file[member]:line: field: reason`, leaving out what is not known.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut place = String::new();
        if let Some(file) = &self.file {
            place.push_str(file);
        }
        if let Some(member) = &self.member {
            place.push_str(&format!("[{member}]"));
        }
        if self.line > 0 {
            if place.is_empty() {
                place.push_str("line ");
            } else {
                place.push(':');
            }
            place.push_str(&self.line.to_string());
        }
        if !place.is_empty() {
            write!(f, "{place}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.reason)
    }
}

impl LineError {
    /// An error about one field of a line.
    pub fn field(line: u64, field: &str, reason: impl Into<String>) -> Self {
        LineError {
            file: None,
            member: None,
            line,
            field: Some(field.to_owned()),
            reason: reason.into(),
        }
    }

    /// An error about a whole line.
    pub fn whole(line: u64, reason: impl Into<String>) -> Self {
        LineError {
            file: None,
            member: None,
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
    verdict: Option<Str<'a>>,
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
    ("verdict", FieldType::String),
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

    /// The stored winner and strength of a comparison from what the line gave: `winner`,
    /// `verdict` (already parsed; `None` when absent or invalid) and a valid `strength`.
    fn outcome(
        &mut self,
        winner: Option<Winner>,
        verdict: Option<Verdict>,
        strength: Option<f64>,
    ) -> (Winner, Option<f64>) {
        let Some(verdict) = verdict else {
            let winner = winner.unwrap_or(Winner::Tie);
            if strength.is_some() && matches!(winner, Winner::Tie | Winner::BothBad) {
                self.fail(
                    "strength",
                    format!(
                        "a {} has no strength (strength says how much the winner was preferred)",
                        winner.as_str()
                    ),
                );
            }
            return (winner, strength);
        };
        if let Some(winner) = winner
            && winner != verdict.winner()
        {
            self.fail(
                "verdict",
                format!(
                    "conflicts with winner: {verdict} means winner {}, but winner is {}",
                    verdict.winner().as_str(),
                    winner.as_str()
                ),
            );
        }
        match (verdict.strength(), strength) {
            (None, Some(_)) => self.fail(
                "strength",
                format!("a tie (verdict {verdict}) has no strength"),
            ),
            (Some(implied), Some(given)) if implied != given => self.fail(
                "verdict",
                format!(
                    "conflicts with strength: {verdict} means strength {implied}, but strength is {given}"
                ),
            ),
            _ => {}
        }
        (verdict.winner(), verdict.strength())
    }

    /// Checks `metadata.style`: `{"model_a": {...}, "model_b": {...}}` with the same non-empty
    /// set of [`STYLE_COVARIATES`] on both sides, each a finite number >= 0.
    fn style(&mut self, style: &Value) {
        const SIDES: [&str; 2] = ["model_a", "model_b"];
        let known = STYLE_COVARIATES.join(", ");
        let Value::Object(style) = style else {
            self.fail(
                "metadata.style",
                format!(
                    "expected a JSON object with model_a and model_b, found {}",
                    json_type_name(style)
                ),
            );
            return;
        };
        for key in style.keys().filter(|k| !SIDES.contains(&k.as_str())) {
            self.fail(
                &format!("metadata.style.{key}"),
                "unknown key: style has model_a and model_b",
            );
        }
        let mut sides = Vec::with_capacity(2);
        for side in SIDES {
            let field = format!("metadata.style.{side}");
            match style.get(side) {
                None => self.fail(
                    &field,
                    "required: style covariates are given for both models",
                ),
                Some(Value::Object(covariates)) => {
                    if covariates.is_empty() {
                        self.fail(&field, format!("needs at least one of {known}"));
                    }
                    for (key, value) in covariates {
                        let field = format!("{field}.{key}");
                        if !STYLE_COVARIATES.contains(&key.as_str()) {
                            self.fail(
                                &field,
                                format!("unknown style covariate; expected one of {known}"),
                            );
                            continue;
                        }
                        match value.as_f64() {
                            Some(v) if v.is_finite() && v >= 0.0 => {}
                            Some(v) => {
                                self.fail(&field, format!("{v} is not a finite number >= 0"))
                            }
                            None => self.fail(
                                &field,
                                format!(
                                    "expected a finite number >= 0, found {}",
                                    json_type_name(value)
                                ),
                            ),
                        }
                    }
                    sides.push((side, covariates));
                }
                Some(other) => self.fail(
                    &field,
                    format!(
                        "expected a JSON object of style covariates, found {}",
                        json_type_name(other)
                    ),
                ),
            }
        }
        if let [(a, a_keys), (b, b_keys)] = sides[..] {
            for (side, keys, other, other_keys) in [(b, b_keys, a, a_keys), (a, a_keys, b, b_keys)]
            {
                for key in other_keys.keys() {
                    if STYLE_COVARIATES.contains(&key.as_str()) && !keys.contains_key(key) {
                        self.fail(
                            &format!("metadata.style.{side}.{key}"),
                            format!(
                                "missing: {other} has {key}, and both models must carry the same covariates"
                            ),
                        );
                    }
                }
            }
        }
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
            check.forbid("verdict", raw.verdict.is_some(), "measurement");
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
            let given_winner = raw.winner.as_ref().map(Str::text).and_then(|text| {
                let winner = Winner::parse(text);
                if winner.is_none() {
                    check.fail("winner", "must be one of model_a, model_b, tie, both_bad");
                }
                winner
            });
            let verdict = raw.verdict.as_ref().map(Str::text).and_then(|text| {
                let verdict = Verdict::parse(text);
                if verdict.is_none() {
                    check.fail("verdict", "must be one of A>>B, A>B, A=B, B>A, B>>A");
                }
                verdict
            });
            if raw.winner.is_none() && raw.verdict.is_none() {
                check.fail("winner", "required (or give verdict)");
            }
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
                Some(s) if !(s.is_finite() && s > 0.0) => {
                    check.fail(
                        "strength",
                        format!(
                            "{s} is not a finite number > 0 (1 = a plain preference, 2 = a strong one)"
                        ),
                    );
                    None
                }
                other => other,
            };
            let (winner, strength) = check.outcome(given_winner, verdict, strength);
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
            if let Some(style) = metadata.as_ref().and_then(|m| m.get("style")) {
                check.style(style);
            }
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

    /// A comparison line with `extra` JSON members appended (e.g. `"verdict":"A>B"`).
    fn comparison_line(extra: &str) -> String {
        format!(
            r#"{{"type":"comparison","benchmark":"b","sample":"s","model_a":"a","model_b":"c",{extra}}}"#
        )
    }

    fn parse_comparison(extra: &str) -> Result<Comparison<'static>, Vec<LineError>> {
        match parse_line(1, comparison_line(extra).as_bytes()).map(Record::into_owned)? {
            Record::Comparison(c) => Ok(c),
            Record::Measurement(_) => panic!("expected a comparison"),
        }
    }

    #[track_caller]
    fn error_fields(extra: &str) -> Vec<String> {
        let errors = parse_comparison(extra).expect_err(extra);
        errors
            .iter()
            .map(|e| e.field.clone().unwrap_or_default())
            .collect()
    }

    #[test]
    fn verdicts_map_to_winner_and_strength() {
        let cases = [
            ("A>>B", Winner::ModelA, Some(2.0)),
            ("A>B", Winner::ModelA, Some(1.0)),
            ("A=B", Winner::Tie, None),
            ("B>A", Winner::ModelB, Some(1.0)),
            ("B>>A", Winner::ModelB, Some(2.0)),
        ];
        for (text, winner, strength) in cases {
            let verdict = Verdict::parse(text).unwrap();
            assert_eq!(verdict.as_str(), text);
            assert_eq!(serde_json::to_value(verdict).unwrap(), text);
            assert_eq!((verdict.winner(), verdict.strength()), (winner, strength));

            let c = parse_comparison(&format!(r#""verdict":"{text}""#)).unwrap();
            assert_eq!((c.winner, c.strength), (winner, strength), "{text}");
            // The parsed record is the one the equivalent winner + strength line gives.
            let equivalent = match strength {
                Some(s) => format!(r#""winner":"{}","strength":{s}"#, winner.as_str()),
                None => format!(r#""winner":"{}""#, winner.as_str()),
            };
            assert_eq!(c, parse_comparison(&equivalent).unwrap(), "{text}");
            // Giving an agreeing winner (and strength) as well is fine.
            assert_eq!(
                c,
                parse_comparison(&format!(r#""verdict":"{text}",{equivalent}"#)).unwrap(),
                "{text}"
            );
            // Serialised, it is a valid line again (as winner + strength).
            let Record::Comparison(again) = parse_line(
                1,
                serde_json::to_string(&Record::Comparison(c.clone()))
                    .unwrap()
                    .as_bytes(),
            )
            .unwrap()
            .into_owned() else {
                panic!("a comparison");
            };
            assert_eq!(again, c);
        }
        assert_eq!(Verdict::parse("A>>>B"), None);
        assert_eq!(Verdict::parse("a>b"), None);
        assert_eq!(Verdict::parse("A<B"), None);
    }

    #[test]
    fn verdict_errors_name_their_field() {
        for bad in ["A>>>B", "a>b", "A<B", "B=A", "", "model_a"] {
            let extra = format!(r#""verdict":"{bad}""#);
            assert_eq!(error_fields(&extra), ["verdict"], "{bad}");
        }
        // Not a string: the generic reading names the field.
        assert_eq!(error_fields(r#""verdict":2"#), ["verdict"]);
        // Winner and verdict must agree.
        for (verdict, winner) in [
            ("A>>B", "model_b"),
            ("A>B", "tie"),
            ("A=B", "model_a"),
            ("A=B", "both_bad"),
            ("B>A", "model_a"),
            ("B>>A", "tie"),
        ] {
            let errors = parse_comparison(&format!(r#""verdict":"{verdict}","winner":"{winner}""#))
                .unwrap_err();
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].field.as_deref(), Some("verdict"));
            assert!(
                errors[0].reason.contains("conflicts with winner")
                    && errors[0].reason.contains(winner),
                "{}",
                errors[0].reason
            );
        }
        // A strength given with a verdict must be the verdict's.
        let errors = parse_comparison(r#""verdict":"A>B","strength":2"#).unwrap_err();
        assert_eq!(fields(&errors), [Some("verdict")]);
        assert!(errors[0].reason.contains("conflicts with strength"));
        assert_eq!(
            error_fields(r#""verdict":"B>>A","strength":1.5"#),
            ["verdict"]
        );
        // A tie has no strength.
        assert_eq!(
            error_fields(r#""verdict":"A=B","strength":1"#),
            ["strength"]
        );
        // Neither winner nor verdict.
        let errors = parse_comparison(r#""judge":"j""#).unwrap_err();
        assert_eq!(fields(&errors), [Some("winner")]);
        assert!(errors[0].reason.contains("verdict"));
        // A bad winner and a good verdict: the winner is the one named.
        assert_eq!(
            error_fields(r#""verdict":"A>B","winner":"left""#),
            ["winner"]
        );
        // Not a field of a measurement.
        let line = br#"{"type":"measurement","model":"x","benchmark":"b","sample":"s","metric":"m","value":1,"verdict":"A>B"}"#;
        assert_eq!(
            fields(&parse_line(1, line).unwrap_err()),
            vec![Some("verdict")]
        );
    }

    #[test]
    fn strength_rules() {
        for (extra, strength) in [
            (r#""winner":"model_a","strength":1"#, Some(1.0)),
            (r#""winner":"model_b","strength":2"#, Some(2.0)),
            (r#""winner":"model_a","strength":0.25"#, Some(0.25)),
            (r#""winner":"model_b","strength":7.5"#, Some(7.5)),
            (r#""winner":"tie""#, None),
            (r#""winner":"both_bad","strength":null"#, None),
        ] {
            assert_eq!(
                parse_comparison(extra).unwrap().strength,
                strength,
                "{extra}"
            );
        }
        for extra in [
            r#""winner":"model_a","strength":0"#,
            r#""winner":"model_a","strength":-1"#,
            r#""winner":"model_b","strength":-0.0"#,
            r#""winner":"tie","strength":1"#,
            r#""winner":"both_bad","strength":2"#,
            r#""winner":"model_a","strength":"strong""#,
            r#""verdict":"A>B","strength":0"#,
        ] {
            assert_eq!(error_fields(extra), ["strength"], "{extra}");
        }
        assert_eq!(error_fields(r#""winner":"model_a","strength":1e999"#), [""]);
        let errors = parse_comparison(r#""winner":"both_bad","strength":2"#).unwrap_err();
        assert!(
            errors[0].reason.contains("both_bad"),
            "{}",
            errors[0].reason
        );
    }

    #[test]
    fn style_covariates() {
        let style = r#""winner":"model_a","metadata":{"turn":1,"style":{"model_a":{"tokens":512,"headers":3,"lists":0,"bold":1.5},"model_b":{"bold":0,"lists":2,"headers":0,"tokens":230}}}"#;
        let c = parse_comparison(style).unwrap();
        let metadata = c.metadata.unwrap();
        assert_eq!(metadata["turn"], 1);
        assert_eq!(metadata["style"]["model_a"]["tokens"], 512);
        assert_eq!(metadata["style"]["model_b"]["lists"], 2);
        // One covariate is enough; metadata without style is not looked into.
        parse_comparison(
            r#""winner":"tie","metadata":{"style":{"model_a":{"tokens":0},"model_b":{"tokens":1}}}"#,
        )
        .unwrap();
        parse_comparison(r#""winner":"tie","metadata":{"styles":[1],"tokens":-1}"#).unwrap();

        let cases: &[(&str, &[&str])] = &[
            (r#""style":null"#, &["metadata.style"]),
            (r#""style":[1,2]"#, &["metadata.style"]),
            (
                r#""style":{"model_a":{"tokens":1},"model_b":{"tokens":-1}}"#,
                &["metadata.style.model_b.tokens"],
            ),
            (
                r#""style":{"model_a":{"tokens":"long"},"model_b":{"tokens":1}}"#,
                &["metadata.style.model_a.tokens"],
            ),
            (
                r#""style":{"model_a":{"bold":null},"model_b":{"bold":1}}"#,
                &["metadata.style.model_a.bold"],
            ),
            (
                r#""style":{"model_a":{"tokens":1,"emojis":2},"model_b":{"tokens":1}}"#,
                &["metadata.style.model_a.emojis"],
            ),
            (
                r#""style":{"model_a":{"tokens":1},"model_b":{"tokens":1},"model_c":{}}"#,
                &["metadata.style.model_c"],
            ),
            (
                r#""style":{"model_a":{"tokens":1}}"#,
                &["metadata.style.model_b"],
            ),
            (
                r#""style":{"model_a":{"tokens":1},"model_b":5}"#,
                &["metadata.style.model_b"],
            ),
            (
                r#""style":{"model_a":{},"model_b":{}}"#,
                &["metadata.style.model_a", "metadata.style.model_b"],
            ),
            (
                r#""style":{"model_a":{"tokens":1,"lists":2},"model_b":{"tokens":1,"bold":0}}"#,
                &[
                    "metadata.style.model_b.lists",
                    "metadata.style.model_a.bold",
                ],
            ),
        ];
        for (style, expected) in cases {
            let extra = format!(r#""winner":"model_a","metadata":{{{style}}}"#);
            assert_eq!(error_fields(&extra), *expected, "{style}");
        }
        let errors = parse_comparison(
            r#""winner":"model_a","metadata":{"style":{"model_a":{"tokens":1},"model_b":{"tokens":-3}}}"#,
        )
        .unwrap_err();
        assert_eq!(errors[0].reason, "-3 is not a finite number >= 0");
        let errors = parse_comparison(
            r#""winner":"model_a","metadata":{"style":{"model_a":{"tokens":1,"lists":2},"model_b":{"tokens":1}}}"#,
        )
        .unwrap_err();
        assert!(
            errors[0].reason.contains("model_a has lists"),
            "{}",
            errors[0].reason
        );
    }

    #[test]
    fn comparison_schema_is_the_wire_shape() {
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(Comparison::schema()).unwrap();
        assert_eq!(Comparison::name(), "Comparison");
        let mut properties: Vec<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        properties.sort_unstable();
        // Every field of a parsed record, all present, plus `verdict`.
        let full = Comparison {
            benchmark: "b".into(),
            sample: "s".into(),
            model_a: "a".into(),
            model_b: "c".into(),
            winner: Winner::ModelA,
            judge: Some("j".into()),
            weight: 1.0,
            strength: Some(1.0),
            timestamp: Some(DateTime::UNIX_EPOCH),
            metadata: Some(Map::new()),
            sample_metadata: Some(Map::new()),
            sample_embedding: Some(vec![1.0]),
            embedding_space: Some("e".into()),
        };
        let serialized = serde_json::to_value(&full).unwrap();
        let mut expected: Vec<&str> = serialized
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .chain(["verdict"])
            .collect();
        expected.sort_unstable();
        assert_eq!(properties, expected);
        let required = schema["required"].as_array().unwrap();
        assert!(!required.contains(&Value::from("winner")), "{required:?}");
        assert!(!required.contains(&Value::from("verdict")), "{required:?}");
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
