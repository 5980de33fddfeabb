//! HTTP handlers, one file per area; this module only assembles them.
//!
//! Each handler carries its own `#[utoipa::path]`, and [`routes`] registers handlers through
//! utoipa-actix-web, which records the path in the OpenAPI document as it adds the route: the
//! served spec and the routing table come from one list and cannot diverge.

pub mod analyses;
pub mod benchmarks;
pub mod health;
pub mod imports;
pub mod jobs;
pub mod leaderboards;
pub mod models;
pub mod plugins;
pub mod submissions;

use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;

/// The document's fixed parts; paths are added by [`routes`].
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Podium",
        description = "Sample-level evaluation results in, leaderboards out. Errors are RFC 9457 \
                       application/problem+json documents.",
        license(name = "Apache-2.0")
    ),
    components(schemas(podium_wire::Problem)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Registers every API route.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(benchmarks::put_benchmark)
        .service(benchmarks::list_benchmarks)
        .service(benchmarks::get_benchmark)
        .service(benchmarks::list_samples)
        .service(benchmarks::list_measurements)
        .service(benchmarks::put_embedding)
        .service(models::list_models)
        .service(submissions::create_submission)
        .service(submissions::get_submission)
        .service(submissions::retract_submission)
        .service(imports::create_import)
        .service(imports::get_import)
        .service(plugins::list_plugins)
        .service(plugins::list_methods)
        .service(plugins::rescan_plugins)
        .service(leaderboards::post_leaderboard)
        .service(leaderboards::get_leaderboard)
        .service(jobs::get_job)
        .service(jobs::get_job_result)
        .service(jobs::cancel_job)
        .service(analyses::agreement)
        .service(analyses::robustness_curve);
}

/// Largest page size a listing returns.
pub const MAX_PAGE: i64 = 1000;
/// Page size when none is asked for.
pub const DEFAULT_PAGE: i64 = 100;

/// Cursor pagination parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size (1–1000, default 100).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
}

impl PageQuery {
    /// The row id to continue after, and the page size.
    pub fn bounds(&self) -> Result<(i64, i64), ApiError> {
        let after = match self.cursor.as_deref() {
            None | Some("") => 0,
            Some(cursor) => decode_cursor(cursor)?,
        };
        let limit = integer_param("limit", self.limit.as_deref())?.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ApiError::BadRequest(format!(
                "query parameter limit must be between 1 and {MAX_PAGE}"
            )));
        }
        Ok((after, limit))
    }
}

/// Reads an integer query parameter; taken as text so that the error can name the parameter
/// (the query-string decoder's own errors do not).
pub fn integer_param(name: &str, value: Option<&str>) -> Result<Option<i64>, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| {
            ApiError::BadRequest(format!(
                "query parameter {name} must be an integer, not {text:?}"
            ))
        }),
    }
}

/// Cursors are opaque to clients: `c` and the last row id in hex.
pub fn encode_cursor(id: i64) -> String {
    format!("c{id:x}")
}

fn decode_cursor(cursor: &str) -> Result<i64, ApiError> {
    cursor
        .strip_prefix('c')
        .and_then(|hex| i64::from_str_radix(hex, 16).ok())
        .filter(|id| *id >= 0)
        .ok_or_else(|| ApiError::BadRequest(format!("invalid cursor {cursor:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        for id in [0, 1, 255, i64::MAX] {
            assert_eq!(decode_cursor(&encode_cursor(id)).unwrap(), id);
        }
        assert!(decode_cursor("17").is_err());
        assert!(decode_cursor("c-1").is_err());
    }
}
