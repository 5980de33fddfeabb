//! Models.

use actix_web::{HttpResponse, get, web};
use podium_storage::catalog;
use podium_wire::api::{ModelView, Page};

use super::{PageQuery, encode_cursor};
use crate::AppState;
use crate::error::ApiError;

/// Lists models with their metadata, in order of first sight.
#[utoipa::path(tag = "models", params(PageQuery), responses((status = 200, body = Page<ModelView>)))]
#[get("/v1/models")]
pub async fn list_models(
    state: web::Data<AppState>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (after, limit) = page.bounds()?;
    let (items, next) = state
        .db(move |c| catalog::list_models(c, after, limit))
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: next.map(encode_cursor),
    }))
}
