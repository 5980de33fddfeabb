//! Liveness and readiness.

use actix_web::{HttpResponse, get, web};
use podium_wire::api::Health;

use crate::AppState;
use crate::error::ApiError;

/// The process is up.
#[utoipa::path(tag = "health", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
        data_version: None,
    })
}

/// The database answers; reports the current data version.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, body = Health),
        (status = 503, description = "database unreachable", body = podium_wire::Problem,
         content_type = "application/problem+json")
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let version = state.db(podium_storage::state::data_version).await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".into(),
        data_version: Some(version),
    }))
}
