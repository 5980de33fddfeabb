//! Submissions: collecting validated records into a compact batch, and writing a batch in one
//! transaction.
//!
//! Ingest has two phases. [`BatchBuilder`] takes records one at a time while the body streams in
//! and interns every name, so a million lines about ten thousand samples become a few small name
//! tables plus fixed-size rows; it also finds what only the whole body can show (duplicate
//! measurement keys, a metric declared two ways). [`ingest`] then opens one transaction: it
//! claims the submission row first (so a concurrent duplicate blocks on the unique indexes and
//! becomes a replay), resolves names to ids with a handful of set-based statements, checks the
//! values against stored metric declarations, and bulk-loads the rows — `COPY … BINARY` on
//! PostgreSQL, multi-row inserts on SQLite. Any error rolls everything back.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use podium_wire::api::{Created, CreatedMetric, CreatedSamples, SubmissionReceipt};
use podium_wire::{LineError, MetricKind, Record, Winner};
use rustc_hash::FxHashMap;

use crate::error::{Result, StorageError};
use crate::schema::{benchmarks, comparisons, measurements, metrics, models, samples, submissions};
use crate::{DbConnection, state};

/// Most sample ids listed per benchmark in a receipt's `created` section.
pub const MAX_LISTED_SAMPLES: usize = 10_000;

/// Names seen in a submission, each with a dense index.
#[derive(Default)]
struct Names {
    list: Vec<String>,
    index: FxHashMap<String, u32>,
}

impl Names {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.list.len() as u32;
        self.list.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        i
    }
}

/// A declaration a record made, with the line that made it (for error messages).
#[derive(Clone, Copy)]
struct Declared<T> {
    value: T,
    line: u64,
}

struct MetricRef {
    benchmark: u32,
    name: String,
    kind: Option<Declared<MetricKind>>,
    higher_is_better: Option<Declared<bool>>,
}

struct SampleRef {
    benchmark: u32,
    name: String,
    metadata: Option<String>,
    /// (space, vector, line that gave it).
    embedding: Option<(String, Vec<f64>, u64)>,
}

#[derive(Clone, Copy)]
struct MeasurementRow {
    line: u64,
    model: u32,
    sample: u32,
    metric: u32,
    epoch: i32,
    value: f64,
}

struct ComparisonRow {
    sample: u32,
    model_a: u32,
    model_b: u32,
    winner: Winner,
    judge: Option<String>,
    weight: f64,
    strength: Option<f64>,
    occurred_at: Option<NaiveDateTime>,
    metadata: Option<String>,
}

/// Accumulates the records of one submission.
#[derive(Default)]
pub struct BatchBuilder {
    benchmarks: Names,
    models: Names,
    model_metadata: Vec<Option<String>>,
    metrics: Vec<MetricRef>,
    metric_index: Vec<FxHashMap<String, u32>>,
    samples: Vec<SampleRef>,
    sample_index: Vec<FxHashMap<String, u32>>,
    measurements: Vec<MeasurementRow>,
    comparisons: Vec<ComparisonRow>,
    keys: FxHashMap<(u32, u32, u32, i32), u64>,
    errors: Vec<LineError>,
}

impl BatchBuilder {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    fn benchmark(&mut self, name: &str) -> u32 {
        let i = self.benchmarks.intern(name);
        if i as usize == self.metric_index.len() {
            self.metric_index.push(FxHashMap::default());
            self.sample_index.push(FxHashMap::default());
        }
        i
    }

    fn model(&mut self, name: &str) -> u32 {
        let i = self.models.intern(name);
        if i as usize == self.model_metadata.len() {
            self.model_metadata.push(None);
        }
        i
    }

    fn sample(&mut self, benchmark: u32, name: &str) -> u32 {
        let index = &mut self.sample_index[benchmark as usize];
        if let Some(&i) = index.get(name) {
            return i;
        }
        let i = self.samples.len() as u32;
        self.samples.push(SampleRef {
            benchmark,
            name: name.to_owned(),
            metadata: None,
            embedding: None,
        });
        index.insert(name.to_owned(), i);
        i
    }

    fn metric(&mut self, benchmark: u32, name: &str) -> u32 {
        let index = &mut self.metric_index[benchmark as usize];
        if let Some(&i) = index.get(name) {
            return i;
        }
        let i = self.metrics.len() as u32;
        self.metrics.push(MetricRef {
            benchmark,
            name: name.to_owned(),
            kind: None,
            higher_is_better: None,
        });
        index.insert(name.to_owned(), i);
        i
    }

    /// Adds one valid record found on line `line`.
    pub fn push(&mut self, line: u64, record: Record<'_>) {
        match record {
            Record::Measurement(m) => {
                let benchmark = self.benchmark(&m.benchmark);
                let model = self.model(&m.model);
                let sample = self.sample(benchmark, &m.sample);
                let metric = self.metric(benchmark, &m.metric);
                if let Some(meta) = m.sample_metadata {
                    self.samples[sample as usize].metadata = Some(json_text(meta));
                }
                if let Some(meta) = m.model_metadata {
                    self.model_metadata[model as usize] = Some(json_text(meta));
                }
                if let Some(vector) = m.sample_embedding {
                    let space = m
                        .embedding_space
                        .map_or_else(|| "default".into(), |s| s.into_owned());
                    self.samples[sample as usize].embedding = Some((space, vector, line));
                }
                if let Some(kind) = m.metric_kind {
                    self.declare_kind(metric, kind, line);
                }
                if let Some(higher) = m.higher_is_better {
                    self.declare_direction(metric, higher, line);
                }
                match self.keys.entry((model, sample, metric, m.epoch)) {
                    std::collections::hash_map::Entry::Occupied(first) => {
                        self.errors.push(LineError::whole(
                            line,
                            format!(
                                "repeats the measurement of line {} (same model, sample, metric \
                                 and epoch); use another epoch for repeated runs",
                                first.get()
                            ),
                        ));
                    }
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(line);
                    }
                }
                self.measurements.push(MeasurementRow {
                    line,
                    model,
                    sample,
                    metric,
                    epoch: m.epoch,
                    value: m.value,
                });
            }
            Record::Comparison(c) => {
                let benchmark = self.benchmark(&c.benchmark);
                let sample = self.sample(benchmark, &c.sample);
                let model_a = self.model(&c.model_a);
                let model_b = self.model(&c.model_b);
                if let Some(meta) = c.sample_metadata {
                    self.samples[sample as usize].metadata = Some(json_text(meta));
                }
                if let Some(vector) = c.sample_embedding {
                    let space = c
                        .embedding_space
                        .map_or_else(|| "default".into(), |s| s.into_owned());
                    self.samples[sample as usize].embedding = Some((space, vector, line));
                }
                self.comparisons.push(ComparisonRow {
                    sample,
                    model_a,
                    model_b,
                    winner: c.winner,
                    judge: c.judge.map(|j| j.into_owned()),
                    weight: c.weight,
                    strength: c.strength,
                    occurred_at: c.timestamp.map(|t| t.naive_utc()),
                    metadata: c.metadata.map(json_text),
                });
            }
        }
    }

    fn declare_kind(&mut self, metric: u32, kind: MetricKind, line: u64) {
        let slot = &mut self.metrics[metric as usize].kind;
        match slot {
            Some(first) if first.value != kind => self.errors.push(LineError::field(
                line,
                "metric_kind",
                format!(
                    "{} contradicts {} declared on line {}",
                    kind.as_str(),
                    first.value.as_str(),
                    first.line
                ),
            )),
            Some(_) => {}
            None => *slot = Some(Declared { value: kind, line }),
        }
    }

    fn declare_direction(&mut self, metric: u32, higher: bool, line: u64) {
        let slot = &mut self.metrics[metric as usize].higher_is_better;
        match slot {
            Some(first) if first.value != higher => self.errors.push(LineError::field(
                line,
                "higher_is_better",
                format!(
                    "{higher} contradicts {} declared on line {}",
                    first.value, first.line
                ),
            )),
            Some(_) => {}
            None => {
                *slot = Some(Declared {
                    value: higher,
                    line,
                })
            }
        }
    }

    /// Records errors of lines that did not parse.
    pub fn reject(&mut self, errors: impl IntoIterator<Item = LineError>) {
        self.errors.extend(errors);
    }

    /// How many errors so far.
    pub fn error_count(&self) -> usize {
        self.errors.len()
    }

    /// Records accepted so far.
    pub fn record_count(&self) -> usize {
        self.measurements.len() + self.comparisons.len()
    }

    /// The batch, or every error found, sorted by line.
    pub fn finish(self) -> Result<Batch, Vec<LineError>> {
        if !self.errors.is_empty() {
            let mut errors = self.errors;
            errors.sort_by_key(|e| e.line);
            return Err(errors);
        }
        Ok(Batch { inner: self })
    }
}

fn json_text(map: serde_json::Map<String, serde_json::Value>) -> String {
    serde_json::Value::Object(map).to_string()
}

/// A complete, internally consistent submission, ready to be written.
pub struct Batch {
    inner: BatchBuilder,
}

impl Batch {
    /// Measurement rows in the batch.
    pub fn measurement_count(&self) -> usize {
        self.inner.measurements.len()
    }

    /// Comparison rows in the batch.
    pub fn comparison_count(&self) -> usize {
        self.inner.comparisons.len()
    }
}

/// Who sent a submission, and how.
#[derive(Debug, Clone)]
pub struct SubmissionMeta {
    /// The submitting token.
    pub token_id: i64,
    /// `ndjson`, `json`, or an import format.
    pub source_format: String,
    /// SHA-256 of the body, hex.
    pub content_hash: String,
    /// The client's Idempotency-Key.
    pub idempotency_key: Option<String>,
}

/// The stored answer to a submission: what the client got, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// The submission id.
    pub submission_id: i64,
    /// HTTP status.
    pub status: u16,
    /// Response body (JSON).
    pub body: String,
}

/// What happened to a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stored now.
    Created(StoredResponse),
    /// Seen before (same Idempotency-Key, or same body while that submission counts): nothing
    /// stored, the original answer returned.
    Replayed(StoredResponse),
}

/// What a submission's key and hash say before any work is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prior {
    /// Nothing known: ingest.
    New,
    /// Seen before: answer with the stored response.
    Replay(StoredResponse),
    /// The Idempotency-Key was used for a different body (by that submission).
    KeyReused(i64),
}

/// Looks for an earlier submission with the same key (for this token) or the same body.
pub fn find_prior(
    conn: &mut DbConnection,
    token_id: i64,
    idempotency_key: Option<&str>,
    content_hash: &str,
) -> Result<Prior> {
    type Row = (i64, String, i32, String);
    let columns = (
        submissions::id,
        submissions::content_hash,
        submissions::response_status,
        submissions::response_body,
    );
    let replay = |(id, _, status, body): Row| {
        Prior::Replay(StoredResponse {
            submission_id: id,
            status: u16::try_from(status).unwrap_or(500),
            body,
        })
    };
    if let Some(key) = idempotency_key {
        let by_key: Option<Row> = submissions::table
            .filter(submissions::token_id.eq(token_id))
            .filter(submissions::idempotency_key.eq(key))
            .select(columns)
            .first(conn)
            .optional()?;
        if let Some(row) = by_key {
            return Ok(if row.1 == content_hash {
                replay(row)
            } else {
                Prior::KeyReused(row.0)
            });
        }
    }
    let by_hash: Option<Row> = submissions::table
        .filter(submissions::content_hash.eq(content_hash))
        .filter(submissions::retracted.eq(false))
        .select(columns)
        .first(conn)
        .optional()?;
    Ok(by_hash.map_or(Prior::New, replay))
}

/// Stores a batch as one submission, or recognises it as a replay.
///
/// Errors: [`StorageError::Rejected`] when the batch contradicts stored metric declarations
/// (nothing stored); [`StorageError::Conflict`] when the Idempotency-Key was used for another
/// body.
pub fn ingest(conn: &mut DbConnection, meta: &SubmissionMeta, batch: &Batch) -> Result<Outcome> {
    if let Some(outcome) = resolve_prior(conn, meta)? {
        return Ok(outcome);
    }
    match conn.transaction(|conn| write(conn, meta, &batch.inner)) {
        Ok(response) => Ok(Outcome::Created(response)),
        // A concurrent request with the same key or body committed first (the unique indexes on
        // submissions made this one wait for it): answer as it did.
        Err(StorageError::Query(DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            info,
        ))) => match resolve_prior(conn, meta)? {
            Some(outcome) => Ok(outcome),
            None => Err(StorageError::Conflict(format!(
                "the submission collided with a concurrent one: {}",
                info.message()
            ))),
        },
        Err(other) => Err(other),
    }
}

fn resolve_prior(conn: &mut DbConnection, meta: &SubmissionMeta) -> Result<Option<Outcome>> {
    match find_prior(
        conn,
        meta.token_id,
        meta.idempotency_key.as_deref(),
        &meta.content_hash,
    )? {
        Prior::New => Ok(None),
        Prior::Replay(response) => Ok(Some(Outcome::Replayed(response))),
        Prior::KeyReused(id) => Err(StorageError::IdempotencyKeyReused(id)),
    }
}

/// Ids of a batch's names, by dense index.
struct Resolved {
    models: Vec<i64>,
    metrics: Vec<i64>,
    samples: Vec<i64>,
}

fn write(
    conn: &mut DbConnection,
    meta: &SubmissionMeta,
    batch: &BatchBuilder,
) -> Result<StoredResponse> {
    let now = Utc::now().naive_utc();
    // First statement of the transaction is a write: it takes SQLite's write lock at once (no
    // read-to-write upgrade deadlock) and makes concurrent duplicates meet on the unique indexes.
    let submission_id: i64 = diesel::insert_into(submissions::table)
        .values((
            submissions::token_id.eq(meta.token_id),
            submissions::created_at.eq(now),
            submissions::source_format.eq(&meta.source_format),
            submissions::content_hash.eq(&meta.content_hash),
            submissions::idempotency_key.eq(meta.idempotency_key.as_deref()),
        ))
        .returning(submissions::id)
        .get_result(conn)?;

    let mut created = Created::default();
    let benchmark_ids = resolve_benchmarks(conn, &batch.benchmarks.list, now, &mut created)?;
    let model_ids = resolve_models(conn, batch, now, &mut created)?;
    let (metric_ids, metric_rules) = resolve_metrics(conn, batch, &benchmark_ids, &mut created)?;
    let sample_ids = resolve_samples(conn, batch, &benchmark_ids, &mut created)?;
    check_values(batch, &metric_rules)?;
    store_embeddings(conn, batch, &benchmark_ids, &sample_ids)?;
    let resolved = Resolved {
        models: model_ids,
        metrics: metric_ids,
        samples: sample_ids,
    };
    load_measurements(conn, submission_id, batch, &resolved)?;
    load_comparisons(conn, submission_id, batch, &resolved)?;
    let data_version = state::bump_data_version(conn)?;

    let receipt = SubmissionReceipt {
        id: submission_id,
        measurements: batch.measurements.len() as u64,
        comparisons: batch.comparisons.len() as u64,
        content_hash: meta.content_hash.clone(),
        data_version,
        created,
    };
    let body = serde_json::to_string(&receipt)
        .map_err(|e| StorageError::Conflict(format!("cannot encode the receipt: {e}")))?;
    diesel::update(submissions::table.find(submission_id))
        .set((
            submissions::n_measurements.eq(receipt.measurements as i64),
            submissions::n_comparisons.eq(receipt.comparisons as i64),
            submissions::response_status.eq(201),
            submissions::response_body.eq(&body),
            submissions::has_blocks.eq(true),
        ))
        .execute(conn)?;
    Ok(StoredResponse {
        submission_id,
        status: 201,
        body,
    })
}

fn store_embeddings(
    conn: &mut DbConnection,
    batch: &BatchBuilder,
    benchmark_ids: &[i64],
    sample_ids: &[i64],
) -> Result<()> {
    let mut errors = Vec::new();
    for (i, sample) in batch.samples.iter().enumerate() {
        let Some((space, vector, line)) = &sample.embedding else {
            continue;
        };
        let bench = benchmark_ids[sample.benchmark as usize];
        if let Err(reason) = crate::embeddings::upsert(conn, bench, sample_ids[i], space, vector)? {
            errors.push(LineError::field(*line, "sample_embedding", reason));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StorageError::Rejected(errors))
    }
}

fn resolve_benchmarks(
    conn: &mut DbConnection,
    names: &[String],
    now: NaiveDateTime,
    created: &mut Created,
) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        let inserted: Option<i64> = crate::with_backend!(conn, c => diesel::insert_into(benchmarks::table)
            .values((benchmarks::name.eq(name), benchmarks::created_at.eq(now)))
            .on_conflict(benchmarks::name)
            .do_nothing()
            .returning(benchmarks::id)
            .get_result(c)
            .optional()?);
        let id = match inserted {
            Some(id) => {
                created.benchmarks.push(name.clone());
                id
            }
            None => benchmarks::table
                .filter(benchmarks::name.eq(name))
                .select(benchmarks::id)
                .first(conn)?,
        };
        ids.push(id);
    }
    Ok(ids)
}

fn resolve_models(
    conn: &mut DbConnection,
    batch: &BatchBuilder,
    now: NaiveDateTime,
    created: &mut Created,
) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(batch.models.list.len());
    for (name, metadata) in batch.models.list.iter().zip(&batch.model_metadata) {
        let inserted: Option<i64> = crate::with_backend!(conn, c => diesel::insert_into(models::table)
            .values((
                models::name.eq(name),
                models::metadata.eq(metadata.as_deref().unwrap_or("{}")),
                models::created_at.eq(now),
            ))
            .on_conflict(models::name)
            .do_nothing()
            .returning(models::id)
            .get_result(c)
            .optional()?);
        let id = match inserted {
            Some(id) => {
                created.models.push(name.clone());
                id
            }
            None => {
                let (id, stored): (i64, String) = models::table
                    .filter(models::name.eq(name))
                    .select((models::id, models::metadata))
                    .first(conn)?;
                if let Some(metadata) = metadata.as_deref().filter(|m| *m != stored) {
                    diesel::update(models::table.find(id))
                        .set(models::metadata.eq(metadata))
                        .execute(conn)?;
                }
                id
            }
        };
        ids.push(id);
    }
    Ok(ids)
}

/// What a stored metric demands of values.
#[derive(Clone, Copy)]
struct MetricRule {
    kind: MetricKind,
    range: Option<(f64, f64)>,
}

fn resolve_metrics(
    conn: &mut DbConnection,
    batch: &BatchBuilder,
    benchmark_ids: &[i64],
    created: &mut Created,
) -> Result<(Vec<i64>, Vec<MetricRule>)> {
    let mut ids = Vec::with_capacity(batch.metrics.len());
    let mut rules = Vec::with_capacity(batch.metrics.len());
    let mut errors = Vec::new();
    for metric in &batch.metrics {
        let benchmark_id = benchmark_ids[metric.benchmark as usize];
        let mut stored = stored_metric(conn, benchmark_id, &metric.name)?;
        if stored.is_none() {
            let kind = metric.kind.map_or(MetricKind::Score, |d| d.value);
            let higher = metric.higher_is_better.is_none_or(|d| d.value);
            let has_default: bool = diesel::select(diesel::dsl::exists(
                metrics::table
                    .filter(metrics::benchmark_id.eq(benchmark_id))
                    .filter(metrics::is_default.eq(true)),
            ))
            .get_result(conn)?;
            // ON CONFLICT: a concurrent submission may create the same metric first; then its
            // declaration is the stored one and is checked below like any other.
            let inserted: Option<i64> = crate::with_backend!(conn, c => diesel::insert_into(metrics::table)
                .values((
                    metrics::benchmark_id.eq(benchmark_id),
                    metrics::name.eq(&metric.name),
                    metrics::kind.eq(kind.as_str()),
                    metrics::higher_is_better.eq(higher),
                    metrics::is_default.eq(!has_default),
                ))
                .on_conflict_do_nothing()
                .returning(metrics::id)
                .get_result(c)
                .optional()?);
            match inserted {
                Some(id) => {
                    created.metrics.push(CreatedMetric {
                        benchmark: batch.benchmarks.list[metric.benchmark as usize].clone(),
                        metric: metric.name.clone(),
                        kind,
                        higher_is_better: higher,
                    });
                    ids.push(id);
                    rules.push(MetricRule { kind, range: None });
                    continue;
                }
                None => stored = stored_metric(conn, benchmark_id, &metric.name)?,
            }
        }
        let Some((id, kind, higher, min, max)) = stored else {
            return Err(StorageError::Conflict(format!(
                "metric {:?} vanished while it was being created",
                metric.name
            )));
        };
        let kind = MetricKind::parse(&kind).unwrap_or(MetricKind::Score);
        if let Some(declared) = metric.kind.filter(|d| d.value != kind) {
            errors.push(LineError::field(
                declared.line,
                "metric_kind",
                format!(
                    "metric {:?} is declared {}, not {}",
                    metric.name,
                    kind.as_str(),
                    declared.value.as_str()
                ),
            ));
        }
        if let Some(declared) = metric.higher_is_better.filter(|d| d.value != higher) {
            errors.push(LineError::field(
                declared.line,
                "higher_is_better",
                format!(
                    "metric {:?} is declared higher_is_better = {higher}",
                    metric.name
                ),
            ));
        }
        ids.push(id);
        rules.push(MetricRule {
            kind,
            range: min.zip(max),
        });
    }
    if errors.is_empty() {
        Ok((ids, rules))
    } else {
        Err(StorageError::Rejected(errors))
    }
}

type StoredMetric = (i64, String, bool, Option<f64>, Option<f64>);

fn stored_metric(
    conn: &mut DbConnection,
    benchmark_id: i64,
    name: &str,
) -> Result<Option<StoredMetric>> {
    Ok(metrics::table
        .filter(metrics::benchmark_id.eq(benchmark_id))
        .filter(metrics::name.eq(name))
        .select((
            metrics::id,
            metrics::kind,
            metrics::higher_is_better,
            metrics::range_min,
            metrics::range_max,
        ))
        .first(conn)
        .optional()?)
}

fn check_values(batch: &BatchBuilder, rules: &[MetricRule]) -> Result<()> {
    let mut errors = Vec::new();
    for row in &batch.measurements {
        let rule = rules[row.metric as usize];
        if rule.kind == MetricKind::Binary && row.value != 0.0 && row.value != 1.0 {
            errors.push(LineError::field(
                row.line,
                "value",
                format!(
                    "{} is not 0 or 1 (metric {:?} is binary)",
                    row.value, batch.metrics[row.metric as usize].name
                ),
            ));
        } else if let Some((min, max)) = rule
            .range
            .filter(|(lo, hi)| !(*lo..=*hi).contains(&row.value))
        {
            errors.push(LineError::field(
                row.line,
                "value",
                format!(
                    "{} is outside the range [{min}, {max}] of metric {:?}",
                    row.value, batch.metrics[row.metric as usize].name
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StorageError::Rejected(errors))
    }
}

/// SQLite's limit on bound variables per statement is 32,766; chunks stay well below it.
const SQLITE_MAX_VARIABLES: usize = 32_000;
const LOOKUP_CHUNK: usize = 5_000;

#[derive(Insertable)]
#[diesel(table_name = samples)]
#[diesel(treat_none_as_default_value = false)]
struct NewSample<'a> {
    benchmark_id: i64,
    external_id: &'a str,
    metadata: &'a str,
}

fn resolve_samples(
    conn: &mut DbConnection,
    batch: &BatchBuilder,
    benchmark_ids: &[i64],
    created: &mut Created,
) -> Result<Vec<i64>> {
    let mut ids = vec![0i64; batch.samples.len()];
    let mut new_per_benchmark: Vec<Vec<u32>> = vec![Vec::new(); benchmark_ids.len()];
    // Existing samples, looked up by name in chunks; metadata is rewritten only where it changed.
    for (bench, index) in batch.sample_index.iter().enumerate() {
        let benchmark_id = benchmark_ids[bench];
        let wanted: Vec<(&String, u32)> = index.iter().map(|(n, &i)| (n, i)).collect();
        for chunk in wanted.chunks(LOOKUP_CHUNK) {
            let names: Vec<&str> = chunk.iter().map(|(n, _)| n.as_str()).collect();
            let found: Vec<(i64, String, String)> = crate::with_backend!(conn, c => samples::table
                .filter(samples::benchmark_id.eq(benchmark_id))
                .filter(samples::external_id.eq_any(&names))
                .select((samples::id, samples::external_id, samples::metadata))
                .load(c)?);
            for (id, name, stored) in found {
                let i = index[&name];
                ids[i as usize] = id;
                if let Some(metadata) = batch.samples[i as usize]
                    .metadata
                    .as_deref()
                    .filter(|m| *m != stored)
                {
                    diesel::update(samples::table.find(id))
                        .set(samples::metadata.eq(metadata))
                        .execute(conn)?;
                }
            }
        }
        let mut missing: Vec<u32> = chunk_missing(&wanted, &ids);
        missing.sort_unstable();
        new_per_benchmark[bench] = missing;
    }
    // New samples: multi-row inserts, then one lookup for their ids.
    for (bench, missing) in new_per_benchmark.iter().enumerate() {
        if missing.is_empty() {
            continue;
        }
        let benchmark_id = benchmark_ids[bench];
        let rows: Vec<NewSample<'_>> = missing
            .iter()
            .map(|&i| {
                let sample = &batch.samples[i as usize];
                NewSample {
                    benchmark_id,
                    external_id: &sample.name,
                    metadata: sample.metadata.as_deref().unwrap_or("{}"),
                }
            })
            .collect();
        for chunk in rows.chunks(SQLITE_MAX_VARIABLES / 3) {
            crate::with_backend!(conn, c => diesel::insert_into(samples::table)
                .values(chunk)
                .on_conflict_do_nothing()
                .execute(c)?);
        }
        let index = &batch.sample_index[bench];
        for chunk in missing.chunks(LOOKUP_CHUNK) {
            let names: Vec<&str> = chunk
                .iter()
                .map(|&i| batch.samples[i as usize].name.as_str())
                .collect();
            let found: Vec<(i64, String)> = crate::with_backend!(conn, c => samples::table
                .filter(samples::benchmark_id.eq(benchmark_id))
                .filter(samples::external_id.eq_any(&names))
                .select((samples::id, samples::external_id))
                .load(c)?);
            for (id, name) in found {
                ids[index[&name] as usize] = id;
            }
        }
        created.samples.push(CreatedSamples {
            benchmark: batch.benchmarks.list[bench].clone(),
            count: missing.len() as u64,
            ids: missing
                .iter()
                .take(MAX_LISTED_SAMPLES)
                .map(|&i| batch.samples[i as usize].name.clone())
                .collect(),
            truncated: missing.len() > MAX_LISTED_SAMPLES,
        });
    }
    Ok(ids)
}

fn chunk_missing(wanted: &[(&String, u32)], ids: &[i64]) -> Vec<u32> {
    wanted
        .iter()
        .filter(|(_, i)| ids[*i as usize] == 0)
        .map(|(_, i)| *i)
        .collect()
}

/// A measurement row ready for the database.
#[derive(Insertable, Debug, Clone, Copy)]
#[diesel(table_name = measurements)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewMeasurement {
    /// Submission id.
    pub submission_id: i64,
    /// Model id.
    pub model_id: i64,
    /// Sample id.
    pub sample_id: i64,
    /// Metric id.
    pub metric_id: i64,
    /// Epoch.
    pub epoch: i32,
    /// Value.
    pub value: f64,
}

#[derive(Insertable)]
#[diesel(table_name = comparisons)]
#[diesel(treat_none_as_default_value = false)]
struct NewComparison<'a> {
    submission_id: i64,
    sample_id: i64,
    model_a_id: i64,
    model_b_id: i64,
    winner: &'a str,
    judge: Option<&'a str>,
    weight: f64,
    strength: Option<f64>,
    occurred_at: Option<NaiveDateTime>,
    metadata: Option<&'a str>,
}

fn load_measurements(
    conn: &mut DbConnection,
    submission_id: i64,
    batch: &BatchBuilder,
    ids: &Resolved,
) -> Result<()> {
    // Rows are materialised a slice at a time so that a 512 MiB submission does not also hold
    // a second full copy of itself as database rows.
    let mut rows = Vec::with_capacity(LOAD_CHUNK.min(batch.measurements.len()));
    for (part, chunk) in batch.measurements.chunks(LOAD_CHUNK).enumerate() {
        rows.clear();
        rows.extend(chunk.iter().map(|m| NewMeasurement {
            submission_id,
            model_id: ids.models[m.model as usize],
            sample_id: ids.samples[m.sample as usize],
            metric_id: ids.metrics[m.metric as usize],
            epoch: m.epoch,
            value: m.value,
        }));
        insert_measurements(conn, &rows)?;
        crate::blocks::write_blocks(conn, part as i32, &rows)?;
    }
    Ok(())
}

/// Rows per COPY statement (or per group of SQLite inserts) when loading a submission.
const LOAD_CHUNK: usize = 250_000;

/// Bulk-loads measurement rows whose ids are already resolved: `COPY … BINARY` on PostgreSQL,
/// multi-row inserts on SQLite. Call inside a transaction. Public so the ingest benchmark can
/// time the raw load on its own.
pub fn insert_measurements(conn: &mut DbConnection, rows: &[NewMeasurement]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    match conn {
        DbConnection::Pg(c) => {
            diesel::copy_from(measurements::table)
                .from_insertable(rows)
                .execute(c)?;
        }
        DbConnection::Sqlite(c) => {
            for chunk in rows.chunks(SQLITE_MAX_VARIABLES / 6) {
                diesel::insert_into(measurements::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

fn load_comparisons(
    conn: &mut DbConnection,
    submission_id: i64,
    batch: &BatchBuilder,
    ids: &Resolved,
) -> Result<()> {
    if batch.comparisons.is_empty() {
        return Ok(());
    }
    let rows: Vec<NewComparison<'_>> = batch
        .comparisons
        .iter()
        .map(|c| NewComparison {
            submission_id,
            sample_id: ids.samples[c.sample as usize],
            model_a_id: ids.models[c.model_a as usize],
            model_b_id: ids.models[c.model_b as usize],
            winner: c.winner.as_str(),
            judge: c.judge.as_deref(),
            weight: c.weight,
            strength: c.strength,
            occurred_at: c.occurred_at,
            metadata: c.metadata.as_deref(),
        })
        .collect();
    match conn {
        DbConnection::Pg(c) => {
            diesel::copy_from(comparisons::table)
                .from_insertable(&rows)
                .execute(c)?;
        }
        DbConnection::Sqlite(c) => {
            for chunk in rows.chunks(SQLITE_MAX_VARIABLES / 10) {
                diesel::insert_into(comparisons::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}
