//! Request and response bodies of the REST API.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::record::MetricKind;

/// Creates a benchmark or updates it (description, metadata, metrics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkSpec {
    /// Unique name (1–256 bytes, no control characters).
    pub name: String,
    /// What the benchmark measures; kept when absent on update.
    #[serde(default)]
    pub description: Option<String>,
    /// Free-form metadata; kept when absent on update.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
    /// Metrics to declare or redeclare; metrics not listed are kept.
    #[serde(default)]
    pub metrics: Vec<MetricSpec>,
}

/// Declares one metric of a benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricSpec {
    /// Name, unique within the benchmark.
    pub name: String,
    /// What the values are.
    pub kind: MetricKind,
    /// Direction; the host flips lower-is-better metrics before any method sees them.
    #[serde(default = "default_true")]
    pub higher_is_better: bool,
    /// Optional closed interval every value must lie in.
    #[serde(default)]
    pub range: Option<[f64; 2]>,
    /// Whether this is the benchmark's default metric (at most one per request).
    #[serde(default)]
    pub default: bool,
}

fn default_true() -> bool {
    true
}

/// A metric as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MetricView {
    /// Name.
    pub name: String,
    /// What the values are.
    pub kind: MetricKind,
    /// Direction.
    pub higher_is_better: bool,
    /// The closed interval values must lie in, if declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
    /// Whether this is the benchmark's default metric.
    pub default: bool,
}

/// A benchmark as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BenchmarkView {
    /// Unique name.
    pub name: String,
    /// Description, if any.
    #[serde(default)]
    pub description: Option<String>,
    /// Free-form metadata.
    #[schema(value_type = Object)]
    pub metadata: Map<String, Value>,
    /// Declared metrics.
    pub metrics: Vec<MetricView>,
    /// When it was first seen.
    pub created_at: DateTime<Utc>,
}

/// What a benchmark holds; only rows of non-retracted submissions count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BenchmarkCounts {
    /// Samples known.
    pub samples: i64,
    /// Models with at least one measurement or comparison.
    pub models: i64,
    /// Measurement rows (every epoch and every superseded value included).
    pub measurements: i64,
    /// Comparison rows.
    pub comparisons: i64,
}

/// A benchmark with its counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BenchmarkDetail {
    /// The benchmark.
    #[serde(flatten)]
    pub benchmark: BenchmarkView,
    /// What it holds.
    pub counts: BenchmarkCounts,
}

/// A sample of a benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SampleView {
    /// The sample's id within its benchmark.
    pub id: String,
    /// Tags, category, difficulty…
    #[schema(value_type = Object)]
    pub metadata: Map<String, Value>,
}

/// A model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelView {
    /// Unique name.
    pub name: String,
    /// Org, parameter count, open weights…
    #[schema(value_type = Object)]
    pub metadata: Map<String, Value>,
    /// When it was first seen.
    pub created_at: DateTime<Utc>,
}

/// The value of one measurement key that currently counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MeasurementView {
    /// Model name.
    pub model: String,
    /// Sample id.
    pub sample: String,
    /// Metric name.
    pub metric: String,
    /// Epoch.
    pub epoch: i32,
    /// Value as submitted (not direction-normalised).
    pub value: f64,
    /// The submission the value comes from.
    pub submission: i64,
}

/// One page of a listing; pass `next_cursor` back as `cursor` for the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Opaque cursor of the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A metric created by a submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreatedMetric {
    /// Benchmark name.
    pub benchmark: String,
    /// Metric name.
    pub metric: String,
    /// Kind it was created with.
    pub kind: MetricKind,
    /// Direction it was created with.
    pub higher_is_better: bool,
}

/// Samples of one benchmark created by a submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreatedSamples {
    /// Benchmark name.
    pub benchmark: String,
    /// How many samples were created.
    pub count: u64,
    /// Their ids, in first-seen order (at most 10,000 listed).
    pub ids: Vec<String>,
    /// Whether `ids` was cut short.
    pub truncated: bool,
}

/// Everything a submission created on first sight.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Created {
    /// New benchmarks.
    pub benchmarks: Vec<String>,
    /// New models.
    pub models: Vec<String>,
    /// New metrics, with the kind and direction they were given.
    pub metrics: Vec<CreatedMetric>,
    /// New samples, per benchmark.
    pub samples: Vec<CreatedSamples>,
}

/// The answer to an accepted submission (and to any replay of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SubmissionReceipt {
    /// The submission's id.
    pub id: i64,
    /// Measurement rows stored.
    pub measurements: u64,
    /// Comparison rows stored.
    pub comparisons: u64,
    /// SHA-256 of the request body, hex.
    pub content_hash: String,
    /// The data version this submission produced.
    pub data_version: i64,
    /// What was created on first sight.
    pub created: Created,
}

/// The answer to an import of a harness's files (`POST /v1/imports`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImportReceipt {
    /// The format the files were read as (`lm-eval`, `inspect`, `helm`, `arena`, `arena-hard`,
    /// `eee`).
    pub format: String,
    /// The files read, by name.
    pub files: Vec<String>,
    /// True when the same content (same format, options and bytes) was imported before and
    /// still counts: nothing new was stored, `submission` is the original receipt.
    pub replayed: bool,
    /// The submission the import became.
    pub submission: SubmissionReceipt,
    /// Distinct models, benchmarks and samples the files named (absent on a replay, when the
    /// files are not read again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<ImportCounts>,
    /// What the files held that was deliberately not imported, and why (e.g. corpus-level
    /// metrics, HELM's bookkeeping statistics, games without a verdict).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
}

/// What an imported unit held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportCounts {
    /// Distinct models.
    pub models: u64,
    /// Distinct benchmarks.
    pub benchmarks: u64,
    /// Distinct (benchmark, sample) pairs.
    pub samples: u64,
    /// Measurement records.
    pub measurements: u64,
    /// Comparison records.
    pub comparisons: u64,
}

/// A submission's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SubmissionView {
    /// Id.
    pub id: i64,
    /// When it was accepted.
    pub created_at: DateTime<Utc>,
    /// How it arrived (`ndjson`, `json`, or an import format such as `lm-eval`).
    pub source_format: String,
    /// SHA-256 of the request body, hex.
    pub content_hash: String,
    /// The Idempotency-Key it was sent with, if any.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// Measurement rows.
    pub measurements: i64,
    /// Comparison rows.
    pub comparisons: i64,
    /// Whether it was retracted (its rows no longer count).
    pub retracted: bool,
    /// When it was retracted.
    #[serde(default)]
    pub retracted_at: Option<DateTime<Utc>>,
}

/// Liveness / readiness answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// The current data version (readiness only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_version: Option<i64>,
}

/// Why a plugin file did not load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PluginLoadError {
    /// Stable code: `file_missing`, `not_a_library`, `symbol_missing`, `wrong_major`,
    /// `newer_minor`, `malformed_descriptor`, `describe_panicked`, `describe_failed`,
    /// `duplicate_method`.
    pub code: String,
    /// What happened, in words.
    pub message: String,
}

/// One file of the plugin directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PluginView {
    /// The library's file name.
    pub file: String,
    /// `loaded` or `failed`.
    pub status: String,
    /// Plugin name (loaded plugins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Plugin version (loaded plugins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// ABI version the plugin was built against, `major.minor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abi: Option<String>,
    /// SHA-256 of the library file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_hash: Option<String>,
    /// Ids of its methods.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Calls abandoned after their deadline (3 quarantine the plugin).
    #[serde(default)]
    pub abandoned_calls: u32,
    /// Why it did not load (failed plugins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<PluginLoadError>,
}

/// What a method reads and promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MethodFlags {
    /// Reads measurements.
    pub uses_measurements: bool,
    /// Reads comparisons.
    pub uses_comparisons: bool,
    /// Its result depends on the seed.
    pub seeded: bool,
    /// Produces an order rather than only scores.
    pub outputs_order: bool,
}

/// A loaded ranking method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MethodView {
    /// Identifier used in leaderboard requests.
    pub id: String,
    /// The plugin providing it.
    pub plugin: String,
    /// That plugin's version.
    pub plugin_version: String,
    /// What it does.
    pub description: String,
    /// JSON Schema of its `params`.
    #[schema(value_type = Object)]
    pub params_schema: Value,
    /// What it reads and promises.
    pub flags: MethodFlags,
}

/// Which data a leaderboard ranks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// Benchmarks to include (at least one).
    pub benchmarks: Vec<String>,
    /// Metric per benchmark; benchmarks not listed use their default metric.
    #[serde(default)]
    pub metrics: std::collections::BTreeMap<String, String>,
    /// Only these models (empty: every model with data).
    #[serde(default)]
    pub models: Vec<String>,
    /// Only samples whose metadata `tags` contain one of these (empty: every sample).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Only samples whose metadata passes every filter (ANDed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<MetadataFilter>,
    /// Only the samples nearest to a vector (or to another sample) in an embedding space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near: Option<Near>,
    /// Reproduce the data as of this submission id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<i64>,
}

/// A comparison of one metadata field with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FilterOp {
    /// Equal (numbers compare numerically).
    Eq,
    /// Not equal (a missing field does not pass).
    Ne,
    /// Greater than (numbers, or strings lexicographically).
    Gt,
    /// Greater than or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
    /// A string field contains the value as a substring, or an array field contains the value.
    Contains,
    /// The field equals one of the values (an array).
    In,
}

/// A condition on sample metadata: `path` is a dotted path into the metadata object
/// (`difficulty`, `source.language`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetadataFilter {
    /// Dotted path of the field.
    pub path: String,
    /// The comparison.
    pub op: FilterOp,
    /// The value compared with (an array for `in`).
    #[schema(value_type = Object)]
    pub value: Value,
}

fn number(value: &Value) -> Option<f64> {
    value.as_f64()
}

fn values_equal(a: &Value, b: &Value) -> bool {
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

impl MetadataFilter {
    /// Why the filter cannot work, if it cannot.
    pub fn problem(&self) -> Option<String> {
        if self.path.is_empty() || self.path.split('.').any(str::is_empty) {
            return Some(format!("path {:?} must be dotted field names", self.path));
        }
        match self.op {
            FilterOp::In if !self.value.is_array() => Some("`in` needs an array value".into()),
            FilterOp::Gt | FilterOp::Ge | FilterOp::Lt | FilterOp::Le
                if !(self.value.is_number() || self.value.is_string()) =>
            {
                Some("an ordering comparison needs a number or a string".into())
            }
            _ => None,
        }
    }

    /// Whether `metadata` passes. A missing field never passes.
    pub fn matches(&self, metadata: &Map<String, Value>) -> bool {
        let mut parts = self.path.split('.');
        let Some(first) = parts.next() else {
            return false;
        };
        let mut field = match metadata.get(first) {
            Some(v) => v,
            None => return false,
        };
        for part in parts {
            field = match field.get(part) {
                Some(v) => v,
                None => return false,
            };
        }
        let ordering = || match (number(field), number(&self.value)) {
            (Some(a), Some(b)) => a.partial_cmp(&b),
            _ => match (field.as_str(), self.value.as_str()) {
                (Some(a), Some(b)) => Some(a.cmp(b)),
                _ => None,
            },
        };
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self.op {
            FilterOp::Eq => values_equal(field, &self.value),
            FilterOp::Ne => !values_equal(field, &self.value),
            FilterOp::Gt => ordering() == Some(Greater),
            FilterOp::Ge => matches!(ordering(), Some(Greater | Equal)),
            FilterOp::Lt => ordering() == Some(Less),
            FilterOp::Le => matches!(ordering(), Some(Less | Equal)),
            FilterOp::Contains => match (field, &self.value) {
                (Value::String(text), Value::String(part)) => text.contains(part.as_str()),
                (Value::Array(items), wanted) => items.iter().any(|i| values_equal(i, wanted)),
                _ => false,
            },
            FilterOp::In => self
                .value
                .as_array()
                .is_some_and(|options| options.iter().any(|o| values_equal(field, o))),
        }
    }
}

/// A sample named by benchmark and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SampleKey {
    /// Benchmark name.
    pub benchmark: String,
    /// Sample id.
    pub sample: String,
}

fn default_space() -> String {
    "default".into()
}

/// Similarity selection: samples whose embedding (in `space`) is closest, by cosine, to
/// `vector` or to the embedding of sample `of`. Samples without an embedding in the space are
/// left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Near {
    /// Embedding space (default `default`).
    #[serde(default = "default_space")]
    pub space: String,
    /// The query vector (or give `of`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vector: Option<Vec<f64>>,
    /// Use this sample's embedding as the query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<SampleKey>,
    /// Keep at most this many samples (the most similar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_k: Option<u32>,
    /// Keep only samples with cosine similarity at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}

/// An embedding vector for a sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmbeddingBody {
    /// The vector (finite, non-zero; its length must match the space's dimension in the
    /// benchmark).
    pub vector: Vec<f64>,
}

/// Host-level uncertainty, available for every method.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Uncertainty {
    /// Bootstrap rounds over samples, stratified by benchmark (0: none; at most 10,000).
    #[serde(default)]
    pub bootstrap: u32,
    /// Seed of the resampling (and of seeded methods): the same seed gives the same numbers.
    #[serde(default)]
    pub seed: u64,
    /// Confidence level of the percentile intervals, in (0, 1).
    #[serde(default = "default_level")]
    pub level: f64,
}

fn default_level() -> f64 {
    0.95
}

impl Default for Uncertainty {
    fn default() -> Self {
        Uncertainty {
            bootstrap: 0,
            seed: 0,
            level: default_level(),
        }
    }
}

/// A leaderboard request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaderboardRequest {
    /// The data.
    pub selection: Selection,
    /// Method id (see `GET /v1/methods`).
    pub method: String,
    /// Method parameters, validated against the method's schema.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub params: Map<String, Value>,
    /// Bootstrap intervals.
    #[serde(default)]
    pub uncertainty: Uncertainty,
}

/// One row of a leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LeaderboardRow {
    /// Rank (1 = best; equal scores share a rank).
    pub rank: u32,
    /// Model name.
    pub model: String,
    /// Score (higher is better).
    pub score: f64,
    /// Lower end of the score interval (bootstrap percentile, or the method's own).
    pub ci_low: Option<f64>,
    /// Upper end of the score interval.
    pub ci_high: Option<f64>,
    /// Best rank within the bootstrap interval.
    pub rank_low: Option<u32>,
    /// Worst rank within the bootstrap interval.
    pub rank_high: Option<u32>,
    /// Measurements plus comparisons of this model in the selection.
    pub n: u64,
}

/// What computed a leaderboard: part of its identity (and of its ETag).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MethodIdentity {
    /// Method id.
    pub id: String,
    /// Plugin name.
    pub plugin: String,
    /// Plugin version.
    pub plugin_version: String,
    /// SHA-256 of the plugin file.
    pub plugin_file_hash: String,
}

/// A computed leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Leaderboard {
    /// The method that computed it.
    pub method: MethodIdentity,
    /// The data version it was computed on.
    pub data_version: i64,
    /// The request, as understood (defaults filled in).
    pub request: LeaderboardRequest,
    /// Ranked models, best first.
    pub rows: Vec<LeaderboardRow>,
    /// Models in the selection that the method gave no score.
    pub unscored: Vec<String>,
    /// Counts, the benchmarks and metrics used, bootstrap details and the method's own extras.
    #[schema(value_type = Object)]
    pub diagnostics: Map<String, Value>,
}

/// A long computation running in the background.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct JobView {
    /// Random id (knowing it is the right to read or cancel the job).
    pub id: String,
    /// What it computes (`leaderboard`).
    pub kind: String,
    /// `running`, `succeeded`, `failed` or `cancelled`.
    pub status: String,
    /// Fraction done, in [0, 1].
    pub progress: f64,
    /// Whether cancellation was requested.
    pub cancel_requested: bool,
    /// When it started.
    pub created_at: DateTime<Utc>,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Where the result is, once it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// Why it failed or stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<crate::Problem>,
}

/// A method and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MethodChoice {
    /// Method id.
    pub method: String,
    /// Its parameters.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub params: Map<String, Value>,
}

/// How much several methods agree on one selection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementRequest {
    /// The data.
    pub selection: Selection,
    /// At least two methods (the same method with other params counts as another).
    pub methods: Vec<MethodChoice>,
}

/// Kendall τ-b between every pair of methods' rankings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AgreementReport {
    /// The data version used.
    pub data_version: i64,
    /// The methods, in request order.
    pub methods: Vec<MethodChoice>,
    /// τ-b between methods i and j over the models both scored (null when fewer than two).
    pub tau: Vec<Vec<Option<f64>>>,
    /// How many models both methods scored.
    pub models_compared: Vec<Vec<u64>>,
}

fn default_fractions() -> Vec<f64> {
    vec![0.5, 0.9, 0.95, 0.99]
}

fn default_repeats() -> u32 {
    10
}

/// How a method's ranking holds up when data goes missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RobustnessRequest {
    /// The data.
    pub selection: Selection,
    /// Method id.
    pub method: String,
    /// Its parameters.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub params: Map<String, Value>,
    /// Fractions of cells (measurements and comparisons) removed at random, each in [0, 1).
    #[serde(default = "default_fractions")]
    pub fractions: Vec<f64>,
    /// Random removals per fraction (1–1000).
    #[serde(default = "default_repeats")]
    pub repeats: u32,
    /// Seed of the removals.
    #[serde(default)]
    pub seed: u64,
}

/// Kendall τ-b against the full-data ranking at one missing fraction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RobustnessPoint {
    /// Fraction of cells removed.
    pub fraction: f64,
    /// Repeats that produced a ranking.
    pub repeats: u32,
    /// Repeats the method could not rank (too little data left).
    pub unrankable: u32,
    /// Mean τ.
    pub tau_mean: Option<f64>,
    /// Standard deviation of τ.
    pub tau_sd: Option<f64>,
    /// Smallest τ.
    pub tau_min: Option<f64>,
    /// Largest τ.
    pub tau_max: Option<f64>,
}

/// The robustness curve of a method on a selection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RobustnessReport {
    /// The method.
    pub method: MethodIdentity,
    /// The data version used.
    pub data_version: i64,
    /// One point per fraction.
    pub points: Vec<RobustnessPoint>,
}
