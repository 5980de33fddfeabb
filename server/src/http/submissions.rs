//! Submitting, reading and retracting submissions.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use futures_util::StreamExt;
use podium_storage::ingest::{self, Outcome, StoredResponse, SubmissionMeta};
use podium_storage::submissions::{self, RetractRefusal};
use podium_wire::api::{SubmissionReceipt, SubmissionView};
use tokio::sync::mpsc;

use crate::AppState;
use crate::auth::require_submit;
use crate::body::{BodyFormat, Chunk, read_body};
use crate::error::ApiError;

/// Longest accepted Idempotency-Key.
const MAX_KEY_BYTES: usize = 256;
/// Chunks buffered between the HTTP worker and the reader thread.
const CHUNK_QUEUE: usize = 64;

fn body_format(req: &HttpRequest) -> Result<BodyFormat, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match content_type.as_str() {
        "application/x-ndjson"
        | "application/ndjson"
        | "application/jsonl"
        | "application/x-jsonlines" => Ok(BodyFormat::Ndjson),
        "application/json" => Ok(BodyFormat::JsonArray),
        other => Err(ApiError::UnsupportedMediaType(format!(
            "content type {:?} is not accepted; send application/x-ndjson (one record per line) \
             or application/json (an array of records)",
            other
        ))),
    }
}

pub(crate) fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_BYTES)
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "Idempotency-Key must be 1–{MAX_KEY_BYTES} visible ASCII characters"
            ))
        })?;
    Ok(Some(key.to_owned()))
}

fn stored_response(stored: &StoredResponse, replayed: bool) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::CREATED);
    let mut response = HttpResponse::build(status);
    response.content_type("application/json").insert_header((
        header::LOCATION,
        format!("/v1/submissions/{}", stored.submission_id),
    ));
    if replayed {
        response.insert_header(("Idempotent-Replayed", HeaderValue::from_static("true")));
    }
    response.body(stored.body.clone())
}

/// Submits measurements and comparisons: NDJSON streamed line by line, or a JSON array.
///
/// The submission is one transaction: any invalid line and nothing is stored (422 lists the
/// lines at fault). Replays — the same Idempotency-Key with the same body, or the same body
/// while its submission counts — return the original answer and store nothing.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    request_body(
        content(
            (String = "application/x-ndjson"),
            (Vec<podium_wire::Record> = "application/json")
        )
    ),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key and body return the original answer")),
    responses(
        (status = 201, body = SubmissionReceipt, description = "Stored (or replayed: header Idempotent-Replayed)"),
        (status = 400, body = podium_wire::Problem, content_type = "application/problem+json", description = "Not NDJSON at all"),
        (status = 401, body = podium_wire::Problem, content_type = "application/problem+json"),
        (status = 403, body = podium_wire::Problem, content_type = "application/problem+json"),
        (status = 413, body = podium_wire::Problem, content_type = "application/problem+json"),
        (status = 415, body = podium_wire::Problem, content_type = "application/problem+json"),
        (status = 422, body = podium_wire::Problem, content_type = "application/problem+json", description = "Invalid lines (listed), or a reused Idempotency-Key")
    )
)]
#[post("/v1/submissions")]
pub async fn create_submission(
    req: HttpRequest,
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let token = require_submit(&req, &state).await?;
    let format = body_format(&req)?;
    let idempotency_key = idempotency_key(&req)?;
    let cap = state.config.max_body_bytes;
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_length.is_some_and(|n| n > cap) {
        return Err(ApiError::PayloadTooLarge(cap));
    }

    let started = std::time::Instant::now();
    let (sender, receiver) = mpsc::channel(CHUNK_QUEUE);
    let reader = actix_web::rt::task::spawn_blocking(move || read_body(format, receiver));
    let mut received: u64 = 0;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("reading the body: {e}")))?;
        received += chunk.len() as u64;
        if received > cap {
            // Dropping the sender abandons the reader.
            return Err(ApiError::PayloadTooLarge(cap));
        }
        if sender.send(Chunk::Data(chunk)).await.is_err() {
            break;
        }
    }
    // If the reader already stopped, its error is what the client needs to see.
    let _ = sender.send(Chunk::End).await;
    drop(sender);
    let body = reader
        .await
        .map_err(|e| ApiError::Internal(format!("body reader failed: {e}")))??;

    let read_time = started.elapsed();
    let (measurements, comparisons) = (
        body.batch.measurement_count(),
        body.batch.comparison_count(),
    );
    let meta = SubmissionMeta {
        token_id: token.id,
        source_format: format.name().to_owned(),
        content_hash: body.content_hash,
        idempotency_key,
    };
    let outcome = state
        .db(move |c| ingest::ingest(c, &meta, &body.batch))
        .await?;
    Ok(match outcome {
        Outcome::Created(stored) => {
            // Upload and parsing overlap; the write is one transaction. Both times help to see
            // where an ingest spends its time.
            tracing::info!(
                submission = stored.submission_id,
                measurements,
                comparisons,
                bytes = received,
                read_ms = read_time.as_millis() as u64,
                write_ms = (started.elapsed() - read_time).as_millis() as u64,
                "submission stored"
            );
            stored_response(&stored, false)
        }
        Outcome::Replayed(stored) => stored_response(&stored, true),
    })
}

/// A submission's record.
#[utoipa::path(
    tag = "submissions",
    params(("id" = i64, Path, description = "Submission id")),
    responses(
        (status = 200, body = SubmissionView),
        (status = 404, body = podium_wire::Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/submissions/{id}")]
pub async fn get_submission(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = state
        .db(move |c| submissions::get_submission(c, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Retracts a submission: its rows stop counting (an older value of the same key counts again);
/// nothing is deleted. Only the submitting token or an admin token may retract.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Submission id")),
    responses(
        (status = 200, body = SubmissionView),
        (status = 401, body = podium_wire::Problem, content_type = "application/problem+json"),
        (status = 403, body = podium_wire::Problem, content_type = "application/problem+json"),
        (status = 404, body = podium_wire::Problem, content_type = "application/problem+json")
    )
)]
#[delete("/v1/submissions/{id}")]
pub async fn retract_submission(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let token = require_submit(&req, &state).await?;
    let id = id.into_inner();
    let outcome = state
        .db(move |c| submissions::retract_submission(c, id, token))
        .await?;
    match outcome {
        Ok(view) => Ok(HttpResponse::Ok().json(view)),
        Err(RetractRefusal::NotOwner) => Err(ApiError::Forbidden(format!(
            "submission {id} was made by another token; only it or an admin token may retract it"
        ))),
    }
}
