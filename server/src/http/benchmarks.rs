//! Benchmarks, their samples, and the measurement values that count.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use podium_storage::catalog;
use podium_storage::measurements::{MeasurementFilter, effective_measurements};
use podium_wire::api::{
    BenchmarkDetail, BenchmarkSpec, BenchmarkView, MeasurementView, Page, SampleView,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{PageQuery, encode_cursor, integer_param};
use crate::AppState;
use crate::auth::require_submit;
use crate::error::ApiError;

/// Creates a benchmark or updates its description, metadata and metrics.
#[utoipa::path(
    tag = "benchmarks",
    request_body = BenchmarkSpec,
    security(("bearer" = [])),
    responses(
        (status = 200, body = BenchmarkView),
        (status = 401, body = podium_wire::Problem, content_type = "application/problem+json"),
        (status = 403, body = podium_wire::Problem, content_type = "application/problem+json"),
        (status = 422, body = podium_wire::Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/benchmarks")]
pub async fn put_benchmark(
    req: HttpRequest,
    state: web::Data<AppState>,
    spec: web::Json<BenchmarkSpec>,
) -> Result<HttpResponse, ApiError> {
    require_submit(&req, &state).await?;
    let view = state
        .db(move |c| catalog::upsert_benchmark(c, &spec))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Lists benchmarks with their metrics.
#[utoipa::path(tag = "benchmarks", params(PageQuery), responses((status = 200, body = Page<BenchmarkView>)))]
#[get("/v1/benchmarks")]
pub async fn list_benchmarks(
    state: web::Data<AppState>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (after, limit) = page.bounds()?;
    let (items, next) = state
        .db(move |c| catalog::list_benchmarks(c, after, limit))
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: next.map(encode_cursor),
    }))
}

/// One benchmark with its metrics and counts.
#[utoipa::path(
    tag = "benchmarks",
    params(("name" = String, Path, description = "Benchmark name")),
    responses(
        (status = 200, body = BenchmarkDetail),
        (status = 404, body = podium_wire::Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/benchmarks/{name}")]
pub async fn get_benchmark(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let detail = state.db(move |c| catalog::get_benchmark(c, &name)).await?;
    Ok(HttpResponse::Ok().json(detail))
}

/// A benchmark's samples with their metadata, in creation order.
#[utoipa::path(
    tag = "benchmarks",
    params(("name" = String, Path, description = "Benchmark name"), PageQuery),
    responses(
        (status = 200, body = Page<SampleView>),
        (status = 404, body = podium_wire::Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/benchmarks/{name}/samples")]
pub async fn list_samples(
    state: web::Data<AppState>,
    name: web::Path<String>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (after, limit) = page.bounds()?;
    let (items, next) = state
        .db(move |c| catalog::list_samples(c, &name, after, limit))
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: next.map(encode_cursor),
    }))
}

/// Filters of the measurement listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeasurementQuery {
    /// Only this model.
    pub model: Option<String>,
    /// Only this metric.
    pub metric: Option<String>,
    /// Reproduce the state as of this submission (later submissions are ignored).
    #[param(value_type = Option<i64>)]
    pub as_of: Option<String>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size (1–1000, default 100).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
}

/// The measurement values that count in a benchmark: per (model, sample, metric, epoch), the
/// newest value of a non-retracted submission.
#[utoipa::path(
    tag = "benchmarks",
    params(("name" = String, Path, description = "Benchmark name"), MeasurementQuery),
    responses(
        (status = 200, body = Page<MeasurementView>),
        (status = 404, body = podium_wire::Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/benchmarks/{name}/measurements")]
pub async fn list_measurements(
    state: web::Data<AppState>,
    name: web::Path<String>,
    query: web::Query<MeasurementQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let (after, limit) = PageQuery {
        cursor: query.cursor,
        limit: query.limit,
    }
    .bounds()?;
    let filter = MeasurementFilter {
        model: query.model,
        metric: query.metric,
        as_of: integer_param("as_of", query.as_of.as_deref())?,
    };
    let (items, next) = state
        .db(move |c| effective_measurements(c, &name, &filter, after, limit))
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: next.map(encode_cursor),
    }))
}

/// Path of one sample's embedding.
#[derive(Debug, Deserialize)]
pub struct EmbeddingPath {
    name: String,
    sample: String,
    space: String,
}

/// Stores (or replaces) a sample's embedding in a space, for similarity selection (`near`).
/// The first vector stored in a (benchmark, space) fixes its dimension.
#[utoipa::path(
    tag = "benchmarks",
    security(("bearer" = [])),
    request_body = podium_wire::api::EmbeddingBody,
    params(
        ("name" = String, Path, description = "Benchmark name"),
        ("sample" = String, Path, description = "Sample id"),
        ("space" = String, Path, description = "Embedding space")
    ),
    responses(
        (status = 204, description = "Stored"),
        (status = 401, body = podium_wire::Problem, content_type = "application/problem+json"),
        (status = 404, body = podium_wire::Problem, content_type = "application/problem+json"),
        (status = 422, body = podium_wire::Problem, content_type = "application/problem+json", description = "Wrong dimension or invalid numbers")
    )
)]
#[put("/v1/benchmarks/{name}/samples/{sample}/embeddings/{space}")]
pub async fn put_embedding(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<EmbeddingPath>,
    body: web::Json<podium_wire::api::EmbeddingBody>,
) -> Result<HttpResponse, ApiError> {
    require_submit(&req, &state).await?;
    let vector = body.into_inner().vector;
    let problem = if vector.is_empty() || vector.len() > podium_wire::record::MAX_EMBEDDING_DIM {
        Some(format!(
            "must have 1 to {} numbers",
            podium_wire::record::MAX_EMBEDDING_DIM
        ))
    } else if vector.iter().any(|v| !v.is_finite()) {
        Some("every number must be finite".to_owned())
    } else if vector.iter().all(|v| *v == 0.0) {
        Some("the zero vector has no direction".to_owned())
    } else {
        None
    };
    if let Some(reason) = problem {
        return Err(ApiError::rejected(
            "invalid embedding",
            vec![podium_wire::LineError::field(1, "vector", reason)],
        ));
    }
    if let Err(reason) = podium_wire::record::check_name(&path.space) {
        return Err(ApiError::BadRequest(format!("space: {reason}")));
    }
    let path = path.into_inner();
    state
        .db(move |c| {
            podium_storage::embeddings::put_embedding(
                c,
                &path.name,
                &path.sample,
                &path.space,
                &vector,
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
