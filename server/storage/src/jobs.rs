//! Jobs: long computations whose state lives in the database, so that any server process can
//! report on them or cancel them while the one that runs them writes progress.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use rand::RngCore;

use crate::DbConnection;
use crate::error::{Result, StorageError};
use crate::schema::jobs;

/// A job's stored state.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct Job {
    /// Random id.
    pub id: String,
    /// What it computes (`leaderboard`).
    pub kind: String,
    /// The request (JSON).
    pub request: String,
    /// `running`, `succeeded`, `failed` or `cancelled`.
    pub status: String,
    /// Fraction done.
    pub progress: f64,
    /// Whether someone asked to cancel it.
    pub cancel_requested: bool,
    /// The result body (JSON) once it succeeded.
    pub result: Option<String>,
    /// The result's ETag.
    pub etag: Option<String>,
    /// The problem document (JSON) once it failed or was cancelled.
    pub error: Option<String>,
    /// When it was created.
    pub created_at: NaiveDateTime,
    /// When it ended.
    pub finished_at: Option<NaiveDateTime>,
}

/// Creates a running job and returns its id.
pub fn create_job(conn: &mut DbConnection, kind: &str, request: &str) -> Result<String> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let id = format!("job_{}", hex::encode(bytes));
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(&id),
            jobs::kind.eq(kind),
            jobs::request.eq(request),
            jobs::status.eq("running"),
            jobs::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(id)
}

/// A job by id.
pub fn get_job(conn: &mut DbConnection, id: &str) -> Result<Job> {
    jobs::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or_else(|| StorageError::NotFound(format!("job {id:?}")))
}

/// Records progress of a running job; returns whether cancellation was requested.
pub fn report_progress(conn: &mut DbConnection, id: &str, progress: f64) -> Result<bool> {
    diesel::update(jobs::table.find(id).filter(jobs::status.eq("running")))
        .set(jobs::progress.eq(progress.clamp(0.0, 1.0)))
        .execute(conn)?;
    Ok(jobs::table
        .find(id)
        .select(jobs::cancel_requested)
        .first(conn)?)
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobEnd {
    /// With a result body and its ETag.
    Succeeded {
        /// The body.
        result: String,
        /// Its ETag.
        etag: String,
    },
    /// With a problem document.
    Failed(String),
    /// Cancelled on request, with a problem document.
    Cancelled(String),
}

/// Records the end of a job (only a running job can end).
pub fn finish_job(conn: &mut DbConnection, id: &str, end: JobEnd) -> Result<()> {
    let now = Some(Utc::now().naive_utc());
    let target = jobs::table.find(id).filter(jobs::status.eq("running"));
    match end {
        JobEnd::Succeeded { result, etag } => diesel::update(target)
            .set((
                jobs::status.eq("succeeded"),
                jobs::progress.eq(1.0),
                jobs::result.eq(Some(result)),
                jobs::etag.eq(Some(etag)),
                jobs::finished_at.eq(now),
            ))
            .execute(conn)?,
        JobEnd::Failed(problem) => diesel::update(target)
            .set((
                jobs::status.eq("failed"),
                jobs::error.eq(Some(problem)),
                jobs::finished_at.eq(now),
            ))
            .execute(conn)?,
        JobEnd::Cancelled(problem) => diesel::update(target)
            .set((
                jobs::status.eq("cancelled"),
                jobs::error.eq(Some(problem)),
                jobs::finished_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// Asks a job to stop; harmless on a job that already ended. Returns the job.
pub fn request_cancel(conn: &mut DbConnection, id: &str) -> Result<Job> {
    diesel::update(jobs::table.find(id))
        .set(jobs::cancel_requested.eq(true))
        .execute(conn)?;
    get_job(conn, id)
}
