//! Sample embeddings: client-supplied vectors, one per (sample, space), for similarity
//! selection. Stored as little-endian f32 bytes; the dimension is fixed per (benchmark, space)
//! by the first vector stored there.

use diesel::prelude::*;

use crate::DbConnection;
use crate::catalog::benchmark_id;
use crate::error::{Result, StorageError};
use crate::schema::{sample_embeddings, samples};

/// Encodes a vector for storage.
pub fn encode(vector: &[f64]) -> Vec<u8> {
    vector
        .iter()
        .flat_map(|v| (*v as f32).to_le_bytes())
        .collect()
}

/// Decodes a stored vector.
pub fn decode(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// The dimension of `space` in a benchmark, if any vector is stored there.
pub fn space_dim(conn: &mut DbConnection, benchmark: i64, space: &str) -> Result<Option<i32>> {
    Ok(sample_embeddings::table
        .inner_join(samples::table)
        .filter(samples::benchmark_id.eq(benchmark))
        .filter(sample_embeddings::space.eq(space))
        .select(sample_embeddings::dim)
        .first(conn)
        .optional()?)
}

/// Stores (or replaces) one sample's vector, checking the space's dimension. Call inside the
/// transaction that bumps the data version.
pub(crate) fn upsert(
    conn: &mut DbConnection,
    benchmark: i64,
    sample: i64,
    space: &str,
    vector: &[f64],
) -> Result<std::result::Result<(), String>> {
    if let Some(dim) = space_dim(conn, benchmark, space)?
        && dim as usize != vector.len()
    {
        return Ok(Err(format!(
            "has {} dimensions; space {space:?} of this benchmark has {dim}",
            vector.len()
        )));
    }
    let bytes = encode(vector);
    let dim = vector.len() as i32;
    crate::with_backend!(conn, c => diesel::insert_into(sample_embeddings::table)
        .values((
            sample_embeddings::sample_id.eq(sample),
            sample_embeddings::space.eq(space),
            sample_embeddings::dim.eq(dim),
            sample_embeddings::vector.eq(&bytes),
        ))
        .on_conflict((sample_embeddings::sample_id, sample_embeddings::space))
        .do_update()
        .set((sample_embeddings::dim.eq(dim), sample_embeddings::vector.eq(&bytes)))
        .execute(c)?);
    Ok(Ok(()))
}

/// Stores one sample's vector through the API (`PUT …/embeddings/{space}`).
pub fn put_embedding(
    conn: &mut DbConnection,
    benchmark: &str,
    sample: &str,
    space: &str,
    vector: &[f64],
) -> Result<()> {
    conn.transaction(|conn| {
        let bench = benchmark_id(conn, benchmark)?;
        let sample_id: i64 = samples::table
            .filter(samples::benchmark_id.eq(bench))
            .filter(samples::external_id.eq(sample))
            .select(samples::id)
            .first(conn)
            .optional()?
            .ok_or_else(|| {
                StorageError::NotFound(format!("sample {sample:?} of benchmark {benchmark:?}"))
            })?;
        match upsert(conn, bench, sample_id, space, vector)? {
            Ok(()) => {}
            Err(reason) => {
                return Err(StorageError::Rejected(vec![podium_wire::LineError::field(
                    1, "vector", reason,
                )]));
            }
        }
        crate::state::bump_data_version(conn)?;
        Ok(())
    })
}

/// Every vector of `space` in a benchmark: (sample row id, vector).
pub fn load_space(
    conn: &mut DbConnection,
    benchmark: i64,
    space: &str,
) -> Result<Vec<(i64, Vec<f32>)>> {
    let rows: Vec<(i64, Vec<u8>)> = sample_embeddings::table
        .inner_join(samples::table)
        .filter(samples::benchmark_id.eq(benchmark))
        .filter(sample_embeddings::space.eq(space))
        .select((sample_embeddings::sample_id, sample_embeddings::vector))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, bytes)| (id, decode(&bytes)))
        .collect())
}

/// One sample's vector in `space`, if stored.
pub fn sample_vector(
    conn: &mut DbConnection,
    benchmark: &str,
    sample: &str,
    space: &str,
) -> Result<Option<Vec<f32>>> {
    let bench = benchmark_id(conn, benchmark)?;
    let bytes: Option<Vec<u8>> = sample_embeddings::table
        .inner_join(samples::table)
        .filter(samples::benchmark_id.eq(bench))
        .filter(samples::external_id.eq(sample))
        .filter(sample_embeddings::space.eq(space))
        .select(sample_embeddings::vector)
        .first(conn)
        .optional()?;
    Ok(bytes.map(|b| decode(&b)))
}

/// Cosine similarity (0 when either vector is zero).
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    }
}
