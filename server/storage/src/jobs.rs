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
    /// When its process last reported.
    pub heartbeat_at: Option<NaiveDateTime>,
}

/// A running job whose process has not reported for this long is declared lost.
pub const HEARTBEAT_TIMEOUT_SECS: i64 = 30;

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
            jobs::heartbeat_at.eq(Some(Utc::now().naive_utc())),
        ))
        .execute(conn)?;
    Ok(id)
}

/// A job by id. A running job whose process stopped reporting (crash, restart) is first
/// recorded as failed, so clients never wait on a job nobody computes.
pub fn get_job(conn: &mut DbConnection, id: &str) -> Result<Job> {
    let job: Job = jobs::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or_else(|| StorageError::NotFound(format!("job {id:?}")))?;
    let stale = job.status == "running"
        && job.heartbeat_at.is_none_or(|t| {
            Utc::now().naive_utc() - t > chrono::Duration::seconds(HEARTBEAT_TIMEOUT_SECS)
        });
    if stale {
        let problem = serde_json::json!({
            "type": "about:blank", "title": "Service Unavailable", "status": 503,
            "detail": "the server computing this job stopped before it finished; submit it again"
        });
        finish_job(conn, id, JobEnd::Failed(problem.to_string()))?;
        return jobs::table.find(id).first(conn).map_err(Into::into);
    }
    Ok(job)
}

/// Records progress of a running job; returns whether cancellation was requested.
pub fn report_progress(conn: &mut DbConnection, id: &str, progress: f64) -> Result<bool> {
    diesel::update(jobs::table.find(id).filter(jobs::status.eq("running")))
        .set((
            jobs::progress.eq(progress.clamp(0.0, 1.0)),
            jobs::heartbeat_at.eq(Some(Utc::now().naive_utc())),
        ))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DatabaseUrl;
    use crate::testing::{Backend, TestDb};

    fn lost_job_is_reported_failed(backend: Backend) {
        let db = TestDb::new(backend);
        let mut conn = DatabaseUrl::parse(&db.url).unwrap().connect().unwrap();
        conn.run_migrations().unwrap();
        let id = create_job(&mut conn, "leaderboard", "{}").unwrap();
        assert_eq!(get_job(&mut conn, &id).unwrap().status, "running");
        let long_ago =
            Utc::now().naive_utc() - chrono::Duration::seconds(HEARTBEAT_TIMEOUT_SECS + 5);
        diesel::update(jobs::table.find(&id))
            .set(jobs::heartbeat_at.eq(Some(long_ago)))
            .execute(&mut conn)
            .unwrap();
        let job = get_job(&mut conn, &id).unwrap();
        assert_eq!(job.status, "failed");
        assert!(job.error.unwrap().contains("stopped"));
        // A live job keeps running while it reports.
        let live = create_job(&mut conn, "leaderboard", "{}").unwrap();
        assert!(!report_progress(&mut conn, &live, 0.5).unwrap());
        assert_eq!(get_job(&mut conn, &live).unwrap().status, "running");
    }

    #[test]
    fn lost_jobs_on_postgres() {
        lost_job_is_reported_failed(Backend::Postgres);
    }

    #[test]
    fn lost_jobs_on_sqlite() {
        lost_job_is_reported_failed(Backend::Sqlite);
    }
}
