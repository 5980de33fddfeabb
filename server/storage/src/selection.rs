//! Reading the data a leaderboard ranks: a selection of benchmarks (each with one metric),
//! optionally narrowed to some models and to samples carrying some tags, as columns with dense
//! indices.
//!
//! The rules applied here, so that every method sees the same thing:
//! - For each measurement key the newest non-retracted submission wins (optionally "as of" a
//!   submission); epochs are then averaged into one value per (model, sample).
//! - Values are normalised to higher-is-better: a lower-is-better binary metric becomes `1 - v`,
//!   one with a declared range `[lo, hi]` becomes `lo + hi - v`, any other `-v`.
//! - Comparisons of non-retracted submissions all count.
//! - Everything is read in one snapshot (REPEATABLE READ on PostgreSQL; SQLite read
//!   transactions are snapshots), together with the data version it corresponds to.

use std::collections::BTreeMap;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use podium_wire::api::{MetadataFilter, Near};
use podium_wire::{MetricKind, Winner};
use rustc_hash::FxHashMap;

use crate::DbConnection;
use crate::catalog::benchmark_id;
use crate::error::{Result, StorageError};
use crate::schema::{comparisons, metrics, models, samples, submissions};

/// What to read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SelectionSpec {
    /// Benchmarks to include (at least one).
    pub benchmarks: Vec<String>,
    /// Metric per benchmark; benchmarks not listed use their default metric.
    pub metrics: BTreeMap<String, String>,
    /// Only these models (empty: every model with data).
    pub models: Vec<String>,
    /// Only samples whose metadata `tags` contain at least one of these (empty: all samples).
    pub tags: Vec<String>,
    /// Only samples whose metadata passes every filter.
    pub filters: Vec<MetadataFilter>,
    /// Only the samples most similar to a vector or sample in an embedding space.
    pub near: Option<Near>,
    /// Ignore submissions newer than this one.
    pub as_of: Option<i64>,
}

/// A benchmark of the selection and the metric chosen for it.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectedBenchmark {
    /// Benchmark name.
    pub name: String,
    /// Metric name; `None` for a benchmark without metrics (comparisons only).
    pub metric: Option<String>,
    /// Metric kind.
    pub kind: MetricKind,
    /// Direction as declared (values below are already flipped when false).
    pub higher_is_better: bool,
}

/// One comparison, indices into the selection's tables.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectedComparison {
    /// First model.
    pub model_a: u32,
    /// Second model.
    pub model_b: u32,
    /// Sample.
    pub sample: u32,
    /// Verdict.
    pub winner: Winner,
    /// Strength, if given.
    pub strength: Option<f64>,
    /// Weight.
    pub weight: f64,
    /// Milliseconds since the epoch, if given.
    pub timestamp_ms: Option<i64>,
    /// Judge index, if given.
    pub judge: Option<u32>,
    /// Metadata (JSON object text).
    pub metadata: String,
}

/// A sample of the selection.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectedSample {
    /// Its id within its benchmark.
    pub id: String,
    /// Benchmark index.
    pub benchmark: u32,
    /// Metadata (JSON object text).
    pub metadata: String,
}

/// The selected data, ready to become a method's dataset.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SelectedData {
    /// The data version this snapshot corresponds to.
    pub data_version: i64,
    /// Benchmarks, in request order.
    pub benchmarks: Vec<SelectedBenchmark>,
    /// Models (name, metadata), sorted by name.
    pub models: Vec<(String, String)>,
    /// Samples, by benchmark then creation.
    pub samples: Vec<SelectedSample>,
    /// (model, sample, value): one per pair, higher is better, epochs averaged.
    pub measurements: Vec<(u32, u32, f64)>,
    /// Comparisons.
    pub comparisons: Vec<SelectedComparison>,
    /// Judge names.
    pub judges: Vec<String>,
}

/// Sample row id → index in the selection: a dense table when the benchmark's ids are compact
/// (the usual case: samples are created in bulk), a hash map otherwise.
enum SampleLookup {
    Dense { first: i64, index: Vec<u32> },
    Sparse(FxHashMap<i64, u32>),
}

impl SampleLookup {
    fn new(pairs: &[(i64, u32)]) -> Self {
        let (Some(first), Some(last)) = (
            pairs.iter().map(|p| p.0).min(),
            pairs.iter().map(|p| p.0).max(),
        ) else {
            return SampleLookup::Sparse(FxHashMap::default());
        };
        let span = usize::try_from(last - first + 1).unwrap_or(usize::MAX);
        if span <= pairs.len().saturating_mul(4).max(1024) {
            let mut index = vec![u32::MAX; span];
            for &(id, i) in pairs {
                index[(id - first) as usize] = i;
            }
            SampleLookup::Dense { first, index }
        } else {
            SampleLookup::Sparse(pairs.iter().copied().collect())
        }
    }

    fn get(&self, id: i64) -> Option<u32> {
        match self {
            SampleLookup::Dense { first, index } => usize::try_from(id - first)
                .ok()
                .and_then(|i| index.get(i))
                .copied()
                .filter(|&i| i != u32::MAX),
            SampleLookup::Sparse(map) => map.get(&id).copied(),
        }
    }
}

/// Whether a sample's metadata passes the tags and the filters.
fn sample_passes(metadata: &str, spec: &SelectionSpec) -> bool {
    if spec.tags.is_empty() && spec.filters.is_empty() {
        return true;
    }
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(metadata)
    else {
        return false;
    };
    tags_match(&map, &spec.tags) && spec.filters.iter().all(|f| f.matches(&map))
}

fn tags_match(map: &serde_json::Map<String, serde_json::Value>, wanted: &[String]) -> bool {
    if wanted.is_empty() {
        return true;
    }
    match map.get("tags") {
        Some(serde_json::Value::Array(tags)) => tags
            .iter()
            .filter_map(|t| t.as_str())
            .any(|t| wanted.iter().any(|w| w == t)),
        Some(serde_json::Value::String(tag)) => wanted.iter().any(|w| w == tag),
        _ => false,
    }
}

fn normaliser(kind: MetricKind, higher: bool, range: Option<(f64, f64)>) -> impl Fn(f64) -> f64 {
    move |v| {
        if higher {
            v
        } else if kind == MetricKind::Binary {
            1.0 - v
        } else if let Some((lo, hi)) = range {
            lo + hi - v
        } else {
            -v
        }
    }
}

/// The query vector of a similarity selection.
fn query_vector(conn: &mut DbConnection, near: &Near) -> Result<Vec<f32>> {
    match (&near.vector, &near.of) {
        (Some(vector), None) => Ok(vector.iter().map(|v| *v as f32).collect()),
        (None, Some(key)) => {
            crate::embeddings::sample_vector(conn, &key.benchmark, &key.sample, &near.space)?
                .ok_or_else(|| {
                    StorageError::NotFound(format!(
                        "an embedding of sample {:?} of benchmark {:?} in space {:?}",
                        key.sample, key.benchmark, near.space
                    ))
                })
        }
        _ => Err(StorageError::Conflict(
            "near: give exactly one of vector and of".into(),
        )),
    }
}

/// Reads the selection in one snapshot.
pub fn load_selection(conn: &mut DbConnection, spec: &SelectionSpec) -> Result<SelectedData> {
    if spec.benchmarks.is_empty() {
        return Err(StorageError::Conflict(
            "a selection needs at least one benchmark".into(),
        ));
    }
    let postgres = conn.is_postgres();
    conn.transaction(|conn| {
        if postgres {
            conn.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        read(conn, spec)
    })
}

type MetricRow = (i64, String, String, bool, Option<f64>, Option<f64>);

fn read(conn: &mut DbConnection, spec: &SelectionSpec) -> Result<SelectedData> {
    let data_version = crate::state::data_version(conn)?;
    let as_of = spec.as_of.unwrap_or(i64::MAX);
    let mut out = SelectedData {
        data_version,
        ..SelectedData::default()
    };
    // Model ids → dense index, assigned after all rows are read (sorted by name).
    let mut seen_models: rustc_hash::FxHashSet<i64> = rustc_hash::FxHashSet::default();
    let mut raw_measurements: Vec<(i64, u32, f64)> = Vec::new();
    let mut raw_comparisons: Vec<(i64, i64, u32, SelectedComparison)> = Vec::new();
    let mut judges: FxHashMap<String, u32> = FxHashMap::default();
    let query = match &spec.near {
        None => None,
        Some(near) => Some(query_vector(conn, near)?),
    };
    // (similarity, sample index) of every selected sample with an embedding in the space.
    let mut similar: Vec<(f64, u32)> = Vec::new();
    // Submissions whose rows do not count: retracted, or newer than `as_of`.
    let excluded: rustc_hash::FxHashSet<i64> = submissions::table
        .filter(
            submissions::retracted
                .eq(true)
                .or(submissions::id.gt(as_of)),
        )
        .select(submissions::id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();

    for (bench_index, name) in spec.benchmarks.iter().enumerate() {
        let bench = benchmark_id(conn, name)?;
        let metric_query = metrics::table
            .filter(metrics::benchmark_id.eq(bench))
            .select((
                metrics::id,
                metrics::name,
                metrics::kind,
                metrics::higher_is_better,
                metrics::range_min,
                metrics::range_max,
            ));
        let metric: Option<MetricRow> = match spec.metrics.get(name) {
            Some(metric) => metric_query
                .filter(metrics::name.eq(metric))
                .first(conn)
                .optional()?,
            None => metric_query
                .filter(metrics::is_default.eq(true))
                .first(conn)
                .optional()?,
        };
        let has_metrics: bool = diesel::select(diesel::dsl::exists(
            metrics::table.filter(metrics::benchmark_id.eq(bench)),
        ))
        .get_result(conn)?;
        let metric = match metric {
            Some(metric) => Some(metric),
            // A benchmark without any metric holds comparisons only.
            None if !has_metrics && !spec.metrics.contains_key(name) => None,
            None => {
                return Err(StorageError::NotFound(match spec.metrics.get(name) {
                    Some(metric) => format!("metric {metric:?} of benchmark {name:?}"),
                    None => format!("a default metric of benchmark {name:?}"),
                }));
            }
        };
        out.benchmarks.push(SelectedBenchmark {
            name: name.clone(),
            metric: metric.as_ref().map(|m| m.1.clone()),
            kind: metric
                .as_ref()
                .and_then(|m| MetricKind::parse(&m.2))
                .unwrap_or(MetricKind::Score),
            higher_is_better: metric.as_ref().is_none_or(|m| m.3),
        });
        let bench_index = bench_index as u32;

        let samples_started = std::time::Instant::now();
        let sample_rows: Vec<(i64, String, String)> = samples::table
            .filter(samples::benchmark_id.eq(bench))
            .order(samples::id)
            .select((samples::id, samples::external_id, samples::metadata))
            .load(conn)?;
        let mut sample_index: Vec<(i64, u32)> = Vec::new();
        for (id, external_id, metadata) in sample_rows {
            if sample_passes(&metadata, spec) {
                sample_index.push((id, out.samples.len() as u32));
                out.samples.push(SelectedSample {
                    id: external_id,
                    benchmark: bench_index,
                    metadata,
                });
            }
        }

        let lookup = SampleLookup::new(&sample_index);
        if let (Some(near), Some(query)) = (&spec.near, &query) {
            for (sample, vector) in crate::embeddings::load_space(conn, bench, &near.space)? {
                let Some(index) = lookup.get(sample) else {
                    continue;
                };
                if vector.len() != query.len() {
                    return Err(StorageError::Conflict(format!(
                        "near: the query has {} dimensions; space {:?} of benchmark {name:?} has {}",
                        query.len(),
                        near.space,
                        vector.len()
                    )));
                }
                similar.push((crate::embeddings::cosine(query, &vector), index));
            }
        }

        // Metrics belong to one benchmark, so the metric alone selects the rows (no join);
        // rows of retracted or too-new submissions are dropped against the small excluded set.
        let query_started = std::time::Instant::now();
        let mut rows = match &metric {
            None => Vec::new(),
            Some((metric_id, ..)) => {
                crate::blocks::metric_rows(conn, *metric_id, &excluded, |s| {
                    lookup.get(s).is_some()
                })?
            }
        };
        let query_time = query_started.elapsed();
        // Sorted by (sample, model, epoch, submission): the newest value of a key is the last
        // of its run, and the epochs of a (model, sample) pair are adjacent. Rows usually come
        // in submission order, sample by sample, so the sort is skipped or nearly free.
        let key = |r: &(i64, i64, i32, f64, i64)| (r.1, r.0, r.2, r.4);
        if !rows.is_sorted_by_key(key) {
            rows.sort_unstable_by_key(key);
        }
        let flip = match &metric {
            Some((_, _, kind, higher, lo, hi)) => normaliser(
                MetricKind::parse(kind).unwrap_or(MetricKind::Score),
                *higher,
                lo.zip(*hi),
            ),
            None => normaliser(MetricKind::Score, true, None),
        };
        raw_measurements.reserve(rows.len());
        let mut i = 0;
        while i < rows.len() {
            let (model, sample) = (rows[i].0, rows[i].1);
            let (mut sum, mut epochs) = (0.0, 0u32);
            while i < rows.len() && rows[i].0 == model && rows[i].1 == sample {
                let epoch = rows[i].2;
                let mut newest = rows[i].3;
                while i < rows.len() && (rows[i].0, rows[i].1, rows[i].2) == (model, sample, epoch)
                {
                    newest = rows[i].3;
                    i += 1;
                }
                sum += newest;
                epochs += 1;
            }
            seen_models.insert(model);
            if let Some(index) = lookup.get(sample) {
                raw_measurements.push((model, index, flip(sum / f64::from(epochs))));
            }
        }
        tracing::debug!(
            benchmark = name.as_str(),
            rows = raw_measurements.len(),
            query_ms = query_time.as_millis() as u64,
            total_ms = query_started.elapsed().as_millis() as u64,
            samples_ms = (query_started - samples_started).as_millis() as u64,
            "measurements read"
        );

        type ComparisonRow = (
            i64,
            i64,
            i64,
            String,
            Option<String>,
            f64,
            Option<f64>,
            Option<chrono::NaiveDateTime>,
            Option<String>,
        );
        let rows: Vec<(i64, ComparisonRow)> = comparisons::table
            .inner_join(samples::table)
            .filter(samples::benchmark_id.eq(bench))
            .order(comparisons::id)
            .select((
                comparisons::submission_id,
                (
                    comparisons::model_a_id,
                    comparisons::model_b_id,
                    comparisons::sample_id,
                    comparisons::winner,
                    comparisons::judge,
                    comparisons::weight,
                    comparisons::strength,
                    comparisons::occurred_at,
                    comparisons::metadata,
                ),
            ))
            .load(conn)?;
        for (submission, (a, b, sample, winner, judge, weight, strength, at, metadata)) in rows {
            if excluded.contains(&submission) {
                continue;
            }
            let Some(sample) = lookup.get(sample) else {
                continue;
            };
            let judge = judge.map(|j| {
                let next = judges.len() as u32;
                *judges.entry(j).or_insert(next)
            });
            seen_models.insert(a);
            seen_models.insert(b);
            raw_comparisons.push((
                a,
                b,
                sample,
                SelectedComparison {
                    model_a: 0,
                    model_b: 0,
                    sample,
                    winner: Winner::parse(&winner).unwrap_or(Winner::Tie),
                    strength,
                    weight,
                    timestamp_ms: at.map(|t| t.and_utc().timestamp_millis()),
                    judge,
                    metadata: metadata.unwrap_or_else(|| "{}".into()),
                },
            ));
        }
    }

    if let Some(near) = &spec.near {
        // Keep the most similar samples, renumbered in their original order.
        similar.retain(|(sim, _)| near.threshold.is_none_or(|t| *sim >= t));
        similar.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        if let Some(k) = near.top_k {
            similar.truncate(k as usize);
        }
        let mut kept: Vec<u32> = similar.iter().map(|(_, i)| *i).collect();
        kept.sort_unstable();
        let mut renumber = vec![u32::MAX; out.samples.len()];
        for (new, &old) in kept.iter().enumerate() {
            renumber[old as usize] = new as u32;
        }
        let samples = std::mem::take(&mut out.samples);
        out.samples = samples
            .into_iter()
            .enumerate()
            .filter(|(i, _)| renumber[*i] != u32::MAX)
            .map(|(_, s)| s)
            .collect();
        raw_measurements.retain_mut(|(_, sample, _)| {
            *sample = renumber[*sample as usize];
            *sample != u32::MAX
        });
        raw_comparisons.retain_mut(|(_, _, sample, c)| {
            *sample = renumber[*sample as usize];
            c.sample = *sample;
            *sample != u32::MAX
        });
        seen_models = raw_measurements
            .iter()
            .map(|m| m.0)
            .chain(raw_comparisons.iter().flat_map(|c| [c.0, c.1]))
            .collect();
    }
    let mut model_ids: Vec<i64> = seen_models.into_iter().collect();
    model_ids.sort_unstable();
    let mut named: Vec<(String, String, i64)> = Vec::with_capacity(model_ids.len());
    for chunk in model_ids.chunks(5_000) {
        let rows: Vec<(i64, String, String)> = crate::with_backend!(conn, c => models::table
            .filter(models::id.eq_any(chunk))
            .select((models::id, models::name, models::metadata))
            .load(c)?);
        named.extend(rows.into_iter().map(|(id, name, meta)| (name, meta, id)));
    }
    if !spec.models.is_empty() {
        for wanted in &spec.models {
            if !named.iter().any(|(name, _, _)| name == wanted) {
                let exists: bool = diesel::select(diesel::dsl::exists(
                    models::table.filter(models::name.eq(wanted)),
                ))
                .get_result(conn)?;
                if !exists {
                    return Err(StorageError::NotFound(format!("model {wanted:?}")));
                }
            }
        }
        named.retain(|(name, _, _)| spec.models.contains(name));
    }
    named.sort();
    let index: FxHashMap<i64, u32> = named
        .iter()
        .enumerate()
        .map(|(i, (_, _, id))| (*id, i as u32))
        .collect();
    out.models = named
        .into_iter()
        .map(|(name, meta, _)| (name, meta))
        .collect();
    out.measurements = raw_measurements
        .into_iter()
        .filter_map(|(model, sample, value)| index.get(&model).map(|&m| (m, sample, value)))
        .collect();
    out.comparisons = raw_comparisons
        .into_iter()
        .filter_map(|(a, b, _, mut c)| {
            c.model_a = *index.get(&a)?;
            c.model_b = *index.get(&b)?;
            Some(c)
        })
        .collect();
    let mut judge_names = vec![String::new(); judges.len()];
    for (name, i) in judges {
        judge_names[i as usize] = name;
    }
    out.judges = judge_names;
    Ok(out)
}
