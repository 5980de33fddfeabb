//! The server's one error type, and the one place errors become HTTP responses.
//!
//! Policy: every error response is an RFC 9457 `application/problem+json` document. Client
//! mistakes say exactly what was wrong (for submissions, the lines and fields at fault);
//! server-side failures are logged in full and answered with a generic 500 or 503. Framework
//! errors that never reach [`ApiError`] (unknown route, wrong method, malformed JSON) are
//! rewritten into the same shape by [`problem_middleware`].

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpResponse, ResponseError};
use podium_storage::StorageError;
use podium_wire::LineError;
use podium_wire::problem::{PROBLEM_CONTENT_TYPE, Problem};

/// Most line errors listed in one rejection.
pub const MAX_LISTED_ERRORS: usize = 100;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed (not NDJSON at all, bad query parameter…).
    #[error("{0}")]
    BadRequest(String),
    /// No usable bearer token.
    #[error("{0}")]
    Unauthorized(String),
    /// The token may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The named thing does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The body exceeds the configured cap (bytes).
    #[error("the request body exceeds the limit of {0} bytes")]
    PayloadTooLarge(u64),
    /// The content type is not one the endpoint reads.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Well-formed but unacceptable; `errors` lists the lines or fields at fault.
    #[error("{detail}")]
    Unprocessable {
        /// Summary.
        detail: String,
        /// The first [`MAX_LISTED_ERRORS`] errors, by line.
        errors: Vec<LineError>,
        /// How many errors there were in all.
        count: u64,
    },
    /// The request contradicts stored state.
    #[error("{0}")]
    Conflict(String),
    /// The database is unreachable, or a computation was cancelled or refused.
    #[error("{0}")]
    Unavailable(String),
    /// A method overran its deadline.
    #[error("{0}")]
    DeadlineExceeded(String),
    /// A method failed (panicked, returned an error status): the plugin's fault, not the
    /// server's, so the detail is shown.
    #[error("{0}")]
    MethodFailed(String),
    /// A bug or an unexpected failure; details go to the log, not the client.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// A rejection listing line errors (trimmed to [`MAX_LISTED_ERRORS`]).
    pub fn rejected(detail: impl Into<String>, mut errors: Vec<LineError>) -> Self {
        let count = errors.len() as u64;
        errors.truncate(MAX_LISTED_ERRORS);
        ApiError::Unprocessable {
            detail: detail.into(),
            errors,
            count,
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::NotFound(what) => ApiError::NotFound(format!("{what} not found")),
            StorageError::Rejected(errors) => ApiError::rejected(
                format!("{} invalid record(s); nothing was stored", errors.len()),
                errors,
            ),
            StorageError::IdempotencyKeyReused(id) => ApiError::Unprocessable {
                detail: format!(
                    "this Idempotency-Key was already used for a different body (submission \
                     {id}); use a new key for new content"
                ),
                errors: Vec::new(),
                count: 0,
            },
            StorageError::Conflict(detail) => ApiError::Conflict(detail),
            StorageError::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                ApiError::Unavailable("the database is unavailable".into())
            }
            other @ (StorageError::Config(_)
            | StorageError::Migration(_)
            | StorageError::Query(_)) => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(format!("worker thread failed: {err}"))
    }
}

/// A problem+json response.
pub fn problem_response(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .content_type(PROBLEM_CONTENT_TYPE)
        .body(serde_json::to_string(problem).unwrap_or_else(|_| "{}".into()))
}

fn blank_problem(status: StatusCode, detail: Option<String>) -> Problem {
    Problem {
        kind: "about:blank".into(),
        title: status.canonical_reason().unwrap_or("Error").into(),
        status: status.as_u16(),
        detail,
        instance: None,
        errors: Vec::new(),
        error_count: None,
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::DeadlineExceeded(_) => StatusCode::GATEWAY_TIMEOUT,
            ApiError::MethodFailed(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let problem = self.problem();
        let mut response = problem_response(&problem);
        if problem.status == StatusCode::UNAUTHORIZED.as_u16() {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl ApiError {
    /// The problem document this error is answered with (internal details go to the log).
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let detail = match self {
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "internal error; the server log has the details".to_owned()
            }
            ApiError::Unavailable(detail) => {
                tracing::warn!(%detail, "unavailable");
                detail.clone()
            }
            other => other.to_string(),
        };
        let mut problem = blank_problem(status, Some(detail));
        if let ApiError::Unprocessable { errors, count, .. } = self {
            problem.errors = errors.clone();
            if *count > 0 {
                problem.error_count = Some(*count);
            }
        }
        problem
    }
}

/// Rewrites every error response that is not problem+json yet (unknown route, wrong method,
/// extractor errors) into one, keeping its status and using the framework's message as detail.
pub fn problem_middleware<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|res: ServiceResponse<B>| {
        let is_problem = res
            .response()
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes() == PROBLEM_CONTENT_TYPE.as_bytes());
        if is_problem {
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        }
        let status = res.status();
        let detail = res.response().error().map(|e| e.to_string()).or_else(|| {
            Some(match status {
                StatusCode::NOT_FOUND => format!("no resource at {}", res.request().path()),
                StatusCode::METHOD_NOT_ALLOWED => format!(
                    "{} is not allowed on {}",
                    res.request().method(),
                    res.request().path()
                ),
                _ => status.canonical_reason().unwrap_or("error").to_owned(),
            })
        });
        let mut problem = blank_problem(status, detail);
        problem.instance = Some(res.request().path().to_owned());
        let response: HttpResponse<BoxBody> = problem_response(&problem);
        let (request, _) = res.into_parts();
        Ok(ErrorHandlerResponse::Response(
            ServiceResponse::new(request, response)
                .map_into_right_body::<B>()
                .map_body(|_, body: EitherBody<B, BoxBody>| body),
        ))
    })
}
