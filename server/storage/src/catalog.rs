//! Benchmarks, their metrics and samples, and models: declaring and listing them.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use podium_wire::api::{
    BenchmarkCounts, BenchmarkDetail, BenchmarkSpec, BenchmarkView, MetricView, ModelView,
    SampleView,
};
use podium_wire::record::check_name;
use podium_wire::{LineError, MetricKind};
use serde_json::{Map, Value};

use crate::error::{Result, StorageError};
use crate::schema::{benchmarks, comparisons, measurements, metrics, models, samples, submissions};
use crate::{DbConnection, state};

type BenchmarkRow = (i64, String, Option<String>, String, NaiveDateTime);
type MetricRow = (String, String, bool, Option<f64>, Option<f64>, bool);

const BENCHMARK_COLUMNS: (
    benchmarks::id,
    benchmarks::name,
    benchmarks::description,
    benchmarks::metadata,
    benchmarks::created_at,
) = (
    benchmarks::id,
    benchmarks::name,
    benchmarks::description,
    benchmarks::metadata,
    benchmarks::created_at,
);

fn parse_object(text: &str) -> Map<String, Value> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

fn utc(t: NaiveDateTime) -> chrono::DateTime<Utc> {
    t.and_utc()
}

fn metric_views(conn: &mut DbConnection, benchmark_id: i64) -> Result<Vec<MetricView>> {
    let rows: Vec<MetricRow> = metrics::table
        .filter(metrics::benchmark_id.eq(benchmark_id))
        .order(metrics::id)
        .select((
            metrics::name,
            metrics::kind,
            metrics::higher_is_better,
            metrics::range_min,
            metrics::range_max,
            metrics::is_default,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(name, kind, higher, min, max, default)| MetricView {
            name,
            kind: MetricKind::parse(&kind).unwrap_or(MetricKind::Score),
            higher_is_better: higher,
            range: min.zip(max).map(|(a, b)| [a, b]),
            default,
        })
        .collect())
}

fn benchmark_view(conn: &mut DbConnection, row: BenchmarkRow) -> Result<BenchmarkView> {
    let (id, name, description, metadata, created_at) = row;
    Ok(BenchmarkView {
        name,
        description,
        metadata: parse_object(&metadata),
        metrics: metric_views(conn, id)?,
        created_at: utc(created_at),
    })
}

fn validate_spec(spec: &BenchmarkSpec) -> Vec<LineError> {
    // Field errors of a JSON body reuse the line-error shape with line 1.
    let mut errors = Vec::new();
    if let Err(reason) = check_name(&spec.name) {
        errors.push(LineError::field(1, "name", reason));
    }
    for (i, metric) in spec.metrics.iter().enumerate() {
        if let Err(reason) = check_name(&metric.name) {
            errors.push(LineError::field(1, &format!("metrics[{i}].name"), reason));
        }
        if let Some([lo, hi]) = metric.range
            && !(lo.is_finite() && hi.is_finite() && lo <= hi)
        {
            errors.push(LineError::field(
                1,
                &format!("metrics[{i}].range"),
                "must be two finite numbers [min, max] with min <= max",
            ));
        }
        if spec.metrics[..i].iter().any(|m| m.name == metric.name) {
            errors.push(LineError::field(
                1,
                &format!("metrics[{i}].name"),
                "declared twice",
            ));
        }
    }
    if spec.metrics.iter().filter(|m| m.default).count() > 1 {
        errors.push(LineError::field(
            1,
            "metrics",
            "at most one metric can be the default",
        ));
    }
    errors
}

/// Creates or updates a benchmark and its metrics in one transaction; returns it as stored.
///
/// Metrics not listed are kept. Redeclaring a metric's kind, direction or range applies to
/// every stored value from then on, so it bumps the data version.
pub fn upsert_benchmark(conn: &mut DbConnection, spec: &BenchmarkSpec) -> Result<BenchmarkView> {
    let errors = validate_spec(spec);
    if !errors.is_empty() {
        return Err(StorageError::Rejected(errors));
    }
    conn.transaction(|conn| {
        let now = Utc::now().naive_utc();
        let metadata = spec.metadata.clone().map(|m| Value::Object(m).to_string());
        let existing: Option<i64> = benchmarks::table
            .filter(benchmarks::name.eq(&spec.name))
            .select(benchmarks::id)
            .first(conn)
            .optional()?;
        let benchmark_id = match existing {
            Some(id) => {
                if let Some(description) = &spec.description {
                    diesel::update(benchmarks::table.find(id))
                        .set(benchmarks::description.eq(description))
                        .execute(conn)?;
                }
                if let Some(metadata) = &metadata {
                    diesel::update(benchmarks::table.find(id))
                        .set(benchmarks::metadata.eq(metadata))
                        .execute(conn)?;
                }
                id
            }
            None => diesel::insert_into(benchmarks::table)
                .values((
                    benchmarks::name.eq(&spec.name),
                    benchmarks::description.eq(spec.description.as_deref()),
                    benchmarks::metadata.eq(metadata.as_deref().unwrap_or("{}")),
                    benchmarks::created_at.eq(now),
                ))
                .returning(benchmarks::id)
                .get_result(conn)?,
        };
        for metric in &spec.metrics {
            let (lo, hi) = metric
                .range
                .map_or((None, None), |[a, b]| (Some(a), Some(b)));
            let updated = diesel::update(
                metrics::table
                    .filter(metrics::benchmark_id.eq(benchmark_id))
                    .filter(metrics::name.eq(&metric.name)),
            )
            .set((
                metrics::kind.eq(metric.kind.as_str()),
                metrics::higher_is_better.eq(metric.higher_is_better),
                metrics::range_min.eq(lo),
                metrics::range_max.eq(hi),
            ))
            .execute(conn)?;
            if updated == 0 {
                diesel::insert_into(metrics::table)
                    .values((
                        metrics::benchmark_id.eq(benchmark_id),
                        metrics::name.eq(&metric.name),
                        metrics::kind.eq(metric.kind.as_str()),
                        metrics::higher_is_better.eq(metric.higher_is_better),
                        metrics::range_min.eq(lo),
                        metrics::range_max.eq(hi),
                        metrics::is_default.eq(false),
                    ))
                    .execute(conn)?;
            }
        }
        let chosen = spec
            .metrics
            .iter()
            .find(|m| m.default)
            .map(|m| m.name.as_str());
        let has_default: bool = diesel::select(diesel::dsl::exists(
            metrics::table
                .filter(metrics::benchmark_id.eq(benchmark_id))
                .filter(metrics::is_default.eq(true)),
        ))
        .get_result(conn)?;
        let default_name = chosen.or_else(|| {
            (!has_default)
                .then(|| spec.metrics.first().map(|m| m.name.as_str()))
                .flatten()
        });
        if let Some(default_name) = default_name {
            diesel::update(metrics::table.filter(metrics::benchmark_id.eq(benchmark_id)))
                .set(metrics::is_default.eq(metrics::name.eq(default_name)))
                .execute(conn)?;
        }
        state::bump_data_version(conn)?;
        let row: BenchmarkRow = benchmarks::table
            .find(benchmark_id)
            .select(BENCHMARK_COLUMNS)
            .first(conn)?;
        benchmark_view(conn, row)
    })
}

/// One page of benchmarks ordered by creation; returns the cursor of the next page.
pub fn list_benchmarks(
    conn: &mut DbConnection,
    after: i64,
    limit: i64,
) -> Result<(Vec<BenchmarkView>, Option<i64>)> {
    let rows: Vec<BenchmarkRow> = benchmarks::table
        .filter(benchmarks::id.gt(after))
        .order(benchmarks::id)
        .limit(limit + 1)
        .select(BENCHMARK_COLUMNS)
        .load(conn)?;
    let (rows, next) = split_page(rows, limit, |r| r.0);
    let views = rows
        .into_iter()
        .map(|row| benchmark_view(conn, row))
        .collect::<Result<_>>()?;
    Ok((views, next))
}

/// Cuts a `limit + 1` result into the page and the next cursor.
fn split_page<T>(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> i64) -> (Vec<T>, Option<i64>) {
    let limit = usize::try_from(limit).unwrap_or(0);
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(&id);
        (rows, next)
    } else {
        (rows, None)
    }
}

/// The id of a benchmark by name.
pub fn benchmark_id(conn: &mut DbConnection, name: &str) -> Result<i64> {
    benchmarks::table
        .filter(benchmarks::name.eq(name))
        .select(benchmarks::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| StorageError::NotFound(format!("benchmark {name:?}")))
}

/// A benchmark with what it holds (rows of retracted submissions do not count).
pub fn get_benchmark(conn: &mut DbConnection, name: &str) -> Result<BenchmarkDetail> {
    let row: BenchmarkRow = benchmarks::table
        .filter(benchmarks::name.eq(name))
        .select(BENCHMARK_COLUMNS)
        .first(conn)
        .optional()?
        .ok_or_else(|| StorageError::NotFound(format!("benchmark {name:?}")))?;
    let id = row.0;
    let sample_count: i64 = samples::table
        .filter(samples::benchmark_id.eq(id))
        .count()
        .get_result(conn)?;
    let live_measurements = measurements::table
        .inner_join(submissions::table)
        .inner_join(samples::table)
        .filter(samples::benchmark_id.eq(id))
        .filter(submissions::retracted.eq(false));
    let measurement_count: i64 = live_measurements.count().get_result(conn)?;
    let live_comparisons = comparisons::table
        .inner_join(submissions::table)
        .inner_join(samples::table)
        .filter(samples::benchmark_id.eq(id))
        .filter(submissions::retracted.eq(false));
    let comparison_count: i64 = live_comparisons.count().get_result(conn)?;
    let mut model_ids: Vec<i64> = live_measurements
        .select(measurements::model_id)
        .distinct()
        .load(conn)?;
    model_ids.extend(
        live_comparisons
            .select(comparisons::model_a_id)
            .distinct()
            .load::<i64>(conn)?,
    );
    model_ids.extend(
        live_comparisons
            .select(comparisons::model_b_id)
            .distinct()
            .load::<i64>(conn)?,
    );
    model_ids.sort_unstable();
    model_ids.dedup();
    Ok(BenchmarkDetail {
        benchmark: benchmark_view(conn, row)?,
        counts: BenchmarkCounts {
            samples: sample_count,
            models: model_ids.len() as i64,
            measurements: measurement_count,
            comparisons: comparison_count,
        },
    })
}

/// One page of a benchmark's samples, in creation order.
pub fn list_samples(
    conn: &mut DbConnection,
    benchmark: &str,
    after: i64,
    limit: i64,
) -> Result<(Vec<SampleView>, Option<i64>)> {
    let id = benchmark_id(conn, benchmark)?;
    let rows: Vec<(i64, String, String)> = samples::table
        .filter(samples::benchmark_id.eq(id))
        .filter(samples::id.gt(after))
        .order(samples::id)
        .limit(limit + 1)
        .select((samples::id, samples::external_id, samples::metadata))
        .load(conn)?;
    let (rows, next) = split_page(rows, limit, |r| r.0);
    Ok((
        rows.into_iter()
            .map(|(_, id, metadata)| SampleView {
                id,
                metadata: parse_object(&metadata),
            })
            .collect(),
        next,
    ))
}

/// One page of models, in creation order.
pub fn list_models(
    conn: &mut DbConnection,
    after: i64,
    limit: i64,
) -> Result<(Vec<ModelView>, Option<i64>)> {
    let rows: Vec<(i64, String, String, NaiveDateTime)> = models::table
        .filter(models::id.gt(after))
        .order(models::id)
        .limit(limit + 1)
        .select((
            models::id,
            models::name,
            models::metadata,
            models::created_at,
        ))
        .load(conn)?;
    let (rows, next) = split_page(rows, limit, |r| r.0);
    Ok((
        rows.into_iter()
            .map(|(_, name, metadata, created_at)| ModelView {
                name,
                metadata: parse_object(&metadata),
                created_at: utc(created_at),
            })
            .collect(),
        next,
    ))
}
