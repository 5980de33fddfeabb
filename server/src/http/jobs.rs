//! Jobs: long leaderboards computed in the background (`202 Accepted` + `Location`).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, web};
use podium_storage::jobs::{self, Job};
use podium_wire::Problem;
use podium_wire::api::{JobView, Leaderboard};

use crate::AppState;
use crate::error::ApiError;
use crate::leaderboard::to_csv;

/// The API view of a stored job.
pub fn job_view(job: &Job) -> JobView {
    JobView {
        id: job.id.clone(),
        kind: job.kind.clone(),
        status: job.status.clone(),
        progress: job.progress,
        cancel_requested: job.cancel_requested,
        created_at: job.created_at.and_utc(),
        finished_at: job.finished_at.map(|t| t.and_utc()),
        result: (job.status == "succeeded").then(|| format!("/v1/jobs/{}/result", job.id)),
        error: job
            .error
            .as_deref()
            .and_then(|text| serde_json::from_str::<Problem>(text).ok()),
    }
}

/// A job's state and progress.
#[utoipa::path(
    tag = "jobs",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, body = JobView),
        (status = 404, body = podium_wire::Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/jobs/{id}")]
pub async fn get_job(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let job = state.db(move |c| jobs::get_job(c, &id)).await?;
    Ok(HttpResponse::Ok().json(job_view(&job)))
}

/// A finished job's result: the same body (and ETag) as the synchronous request.
#[utoipa::path(
    tag = "jobs",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, body = Leaderboard, description = "JSON, or CSV with Accept: text/csv"),
        (status = 404, body = podium_wire::Problem, content_type = "application/problem+json"),
        (status = 409, body = podium_wire::Problem, content_type = "application/problem+json", description = "Not finished, failed or cancelled")
    )
)]
#[get("/v1/jobs/{id}/result")]
pub async fn get_job_result(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let job = state.db(move |c| jobs::get_job(c, &id)).await?;
    let (Some(result), "succeeded") = (job.result.as_deref(), job.status.as_str()) else {
        return Err(ApiError::Conflict(format!(
            "job {} has no result: it is {}",
            job.id, job.status
        )));
    };
    let mut response = HttpResponse::Ok();
    if let Some(etag) = &job.etag {
        response.insert_header((header::ETAG, etag.clone()));
    }
    let csv = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/csv"));
    if csv {
        let board: Leaderboard = serde_json::from_str(result)
            .map_err(|e| ApiError::Internal(format!("stored job result: {e}")))?;
        return Ok(response
            .content_type("text/csv; charset=utf-8")
            .body(to_csv(&board)));
    }
    Ok(response
        .content_type("application/json")
        .body(result.to_owned()))
}

/// Asks a job to stop (it ends as `cancelled` shortly after); harmless once it ended.
#[utoipa::path(
    tag = "jobs",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 202, body = JobView),
        (status = 404, body = podium_wire::Problem, content_type = "application/problem+json")
    )
)]
#[delete("/v1/jobs/{id}")]
pub async fn cancel_job(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let job = state.db(move |c| jobs::request_cancel(c, &id)).await?;
    Ok(HttpResponse::Accepted().json(job_view(&job)))
}
