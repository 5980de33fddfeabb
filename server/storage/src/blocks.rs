//! Measurement blocks: a columnar copy of each submission's measurements, one row per
//! (submission, metric), written in the ingest transaction next to the row table.
//!
//! Why: a leaderboard reads every value of a metric. As rows that is millions of tuples through
//! the wire protocol and the row decoder (about 0.55 µs per row on PostgreSQL here); as blocks
//! it is a few large byte strings decoded at memory speed. The row table stays the source of
//! truth for listings and for submissions stored before blocks existed (`has_blocks = false`).

use diesel::prelude::*;
use rustc_hash::FxHashSet;

use crate::DbConnection;
use crate::error::{Result, StorageError};
use crate::ingest::NewMeasurement;
use crate::schema::{measurement_blocks, measurements, submissions};

/// One measurement as the selection reads it: (model, sample, epoch, value, submission).
pub type Row = (i64, i64, i32, f64, i64);

fn put_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Writes the blocks of one slice (`part`) of a submission's rows, one per metric. Call inside
/// the ingest transaction.
pub(crate) fn write_blocks(
    conn: &mut DbConnection,
    part: i32,
    rows: &[NewMeasurement],
) -> Result<()> {
    let mut by_metric: Vec<(i64, Vec<usize>)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match by_metric.iter_mut().find(|(m, _)| *m == row.metric_id) {
            Some((_, list)) => list.push(i),
            None => by_metric.push((row.metric_id, vec![i])),
        }
    }
    for (metric_id, list) in by_metric {
        let n = list.len();
        let (mut models, mut samples) = (Vec::with_capacity(n * 8), Vec::with_capacity(n * 8));
        let (mut epochs, mut vals) = (Vec::with_capacity(n * 4), Vec::with_capacity(n * 8));
        let mut submission = 0;
        for &i in &list {
            let row = &rows[i];
            submission = row.submission_id;
            put_i64(&mut models, row.model_id);
            put_i64(&mut samples, row.sample_id);
            epochs.extend_from_slice(&row.epoch.to_le_bytes());
            vals.extend_from_slice(&row.value.to_le_bytes());
        }
        let count = i32::try_from(n)
            .map_err(|_| StorageError::Conflict("more than 2^31 rows in one submission".into()))?;
        diesel::insert_into(measurement_blocks::table)
            .values((
                measurement_blocks::submission_id.eq(submission),
                measurement_blocks::metric_id.eq(metric_id),
                measurement_blocks::part.eq(part),
                measurement_blocks::row_count.eq(count),
                measurement_blocks::models.eq(&models),
                measurement_blocks::samples.eq(&samples),
                measurement_blocks::epochs.eq(&epochs),
                measurement_blocks::vals.eq(&vals),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A stored block: (submission, row count, models, samples, epochs, values).
type Block = (i64, i32, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);

fn decode(block: &Block, keep: &mut impl FnMut(i64) -> bool, out: &mut Vec<Row>) -> Result<()> {
    let (submission, count, models, samples, epochs, vals) = block;
    let n = usize::try_from(*count).unwrap_or(0);
    if models.len() != n * 8
        || samples.len() != n * 8
        || epochs.len() != n * 4
        || vals.len() != n * 8
    {
        return Err(StorageError::Conflict(format!(
            "measurement block of submission {submission} is corrupt"
        )));
    }
    let word = |bytes: &[u8], i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
        b
    };
    for i in 0..n {
        let sample = i64::from_le_bytes(word(samples, i));
        if !keep(sample) {
            continue;
        }
        let mut e = [0u8; 4];
        e.copy_from_slice(&epochs[i * 4..i * 4 + 4]);
        out.push((
            i64::from_le_bytes(word(models, i)),
            sample,
            i32::from_le_bytes(e),
            f64::from_le_bytes(word(vals, i)),
            *submission,
        ));
    }
    Ok(())
}

/// Every stored value of `metric` from submissions not in `excluded`, for samples `keep`
/// accepts: from the blocks, plus the row table for submissions stored without blocks.
pub fn metric_rows(
    conn: &mut DbConnection,
    metric: i64,
    excluded: &FxHashSet<i64>,
    mut keep: impl FnMut(i64) -> bool,
) -> Result<Vec<Row>> {
    let blocks: Vec<Block> = measurement_blocks::table
        .filter(measurement_blocks::metric_id.eq(metric))
        .order((measurement_blocks::submission_id, measurement_blocks::part))
        .select((
            measurement_blocks::submission_id,
            measurement_blocks::row_count,
            measurement_blocks::models,
            measurement_blocks::samples,
            measurement_blocks::epochs,
            measurement_blocks::vals,
        ))
        .load(conn)?;
    let total: usize = blocks
        .iter()
        .filter(|b| !excluded.contains(&b.0))
        .map(|b| usize::try_from(b.1).unwrap_or(0))
        .sum();
    let mut out = Vec::with_capacity(total);
    for block in blocks.iter().filter(|b| !excluded.contains(&b.0)) {
        decode(block, &mut keep, &mut out)?;
    }
    let legacy: Vec<i64> = submissions::table
        .filter(submissions::has_blocks.eq(false))
        .select(submissions::id)
        .load::<i64>(conn)?
        .into_iter()
        .filter(|id| !excluded.contains(id))
        .collect();
    for chunk in legacy.chunks(1_000) {
        let rows: Vec<Row> = crate::with_backend!(conn, c => measurements::table
            .filter(measurements::metric_id.eq(metric))
            .filter(measurements::submission_id.eq_any(chunk))
            .select((
                measurements::model_id,
                measurements::sample_id,
                measurements::epoch,
                measurements::value,
                measurements::submission_id,
            ))
            .load(c)?);
        out.extend(rows.into_iter().filter(|r| keep(r.1)));
    }
    Ok(out)
}
