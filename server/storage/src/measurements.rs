//! The values that count: for each measurement key (model, sample, metric, epoch), the value of
//! the newest non-retracted submission, optionally "as of" an earlier submission.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text};
use podium_wire::api::MeasurementView;

use crate::DbConnection;
use crate::catalog::benchmark_id;
use crate::error::Result;

/// Which values to read.
#[derive(Debug, Clone, Default)]
pub struct MeasurementFilter {
    /// Only this model.
    pub model: Option<String>,
    /// Only this metric.
    pub metric: Option<String>,
    /// Ignore submissions newer than this one (reproduces a past state).
    pub as_of: Option<i64>,
}

#[derive(QueryableByName)]
struct EffectiveRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    model: String,
    #[diesel(sql_type = Text)]
    sample: String,
    #[diesel(sql_type = Text)]
    metric: String,
    #[diesel(sql_type = Integer)]
    epoch: i32,
    #[diesel(sql_type = Double)]
    value: f64,
    #[diesel(sql_type = BigInt)]
    submission: i64,
}

// The NOT EXISTS probe walks the measurements_key index; numbered parameters keep one text for
// both backends (SQLite numbers `$N` parameters in order of first appearance).
const EFFECTIVE_SQL: &str = "\
SELECT m.id AS id, mo.name AS model, sa.external_id AS sample, me.name AS metric,
       m.epoch AS epoch, m.value AS value, m.submission_id AS submission
FROM measurements m
JOIN submissions s ON s.id = m.submission_id
JOIN samples sa ON sa.id = m.sample_id
JOIN models mo ON mo.id = m.model_id
JOIN metrics me ON me.id = m.metric_id
WHERE sa.benchmark_id = $1 AND s.retracted = FALSE AND s.id <= $2 AND m.id > $3
  AND ($4 IS NULL OR mo.name = $4) AND ($5 IS NULL OR me.name = $5)
  AND NOT EXISTS (
    SELECT 1 FROM measurements m2 JOIN submissions s2 ON s2.id = m2.submission_id
    WHERE m2.sample_id = m.sample_id AND m2.model_id = m.model_id
      AND m2.metric_id = m.metric_id AND m2.epoch = m.epoch
      AND m2.submission_id > m.submission_id AND s2.retracted = FALSE AND s2.id <= $2)
ORDER BY m.id
LIMIT $6";

/// One page of the values that count in a benchmark, in storage order.
pub fn effective_measurements(
    conn: &mut DbConnection,
    benchmark: &str,
    filter: &MeasurementFilter,
    after: i64,
    limit: i64,
) -> Result<(Vec<MeasurementView>, Option<i64>)> {
    let bench = benchmark_id(conn, benchmark)?;
    let as_of = filter.as_of.unwrap_or(i64::MAX);
    let rows: Vec<EffectiveRow> = crate::with_backend!(conn, c => diesel::sql_query(EFFECTIVE_SQL)
        .bind::<BigInt, _>(bench)
        .bind::<BigInt, _>(as_of)
        .bind::<BigInt, _>(after)
        .bind::<Nullable<Text>, _>(filter.model.as_deref())
        .bind::<Nullable<Text>, _>(filter.metric.as_deref())
        .bind::<BigInt, _>(limit.max(1) + 1)
        .load(c)?);
    let limit = usize::try_from(limit.max(1)).unwrap_or(1);
    let next = (rows.len() > limit).then(|| rows[limit - 1].id);
    Ok((
        rows.into_iter()
            .take(limit)
            .map(|r| MeasurementView {
                model: r.model,
                sample: r.sample,
                metric: r.metric,
                epoch: r.epoch,
                value: r.value,
                submission: r.submission,
            })
            .collect(),
        next,
    ))
}
