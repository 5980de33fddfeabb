//! The loaded plugins and their methods.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use podium_plugin_api::abi::{
    PODIUM_METHOD_OUTPUTS_ORDER, PODIUM_METHOD_SEEDED, PODIUM_METHOD_USES_COMPARISONS,
    PODIUM_METHOD_USES_MEASUREMENTS,
};
use podium_plugin_host::PluginHost;
use podium_storage::tokens::Scope;
use podium_wire::api::{MethodFlags, MethodView, PluginLoadError, PluginView};

use crate::AppState;
use crate::auth::require_submit;
use crate::error::ApiError;

fn plugin_views(host: &PluginHost) -> Vec<PluginView> {
    host.entries()
        .into_iter()
        .map(|entry| {
            let file = entry.path.file_name().map_or_else(
                || entry.path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            match entry.outcome {
                Ok(plugin) => PluginView {
                    file,
                    status: "loaded".into(),
                    name: Some(plugin.name.clone()),
                    version: Some(plugin.version.clone()),
                    abi: Some(format!("{}.{}", plugin.abi.0, plugin.abi.1)),
                    file_hash: Some(plugin.file_hash.clone()),
                    methods: plugin.methods.iter().map(|m| m.id.clone()).collect(),
                    abandoned_calls: plugin.timeouts(),
                    error: None,
                },
                Err(err) => PluginView {
                    file,
                    status: "failed".into(),
                    name: None,
                    version: None,
                    abi: None,
                    file_hash: None,
                    methods: Vec::new(),
                    abandoned_calls: 0,
                    error: Some(PluginLoadError {
                        code: err.code().into(),
                        message: err.to_string(),
                    }),
                },
            }
        })
        .collect()
}

/// Every library in the plugin directory, loaded or with the reason it did not load.
#[utoipa::path(tag = "plugins", responses((status = 200, body = Vec<PluginView>)))]
#[get("/v1/plugins")]
pub async fn list_plugins(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(plugin_views(&state.plugins))
}

/// Every loaded method with its description and parameters schema.
#[utoipa::path(tag = "plugins", responses((status = 200, body = Vec<MethodView>)))]
#[get("/v1/methods")]
pub async fn list_methods(state: web::Data<AppState>) -> HttpResponse {
    let methods: Vec<MethodView> = state
        .plugins
        .methods()
        .into_iter()
        .map(|handle| {
            let info = handle.info();
            MethodView {
                id: info.id.clone(),
                plugin: handle.plugin.name.clone(),
                plugin_version: handle.plugin.version.clone(),
                description: info.description.clone(),
                params_schema: info.params_schema.clone(),
                flags: MethodFlags {
                    uses_measurements: info.flags & PODIUM_METHOD_USES_MEASUREMENTS != 0,
                    uses_comparisons: info.flags & PODIUM_METHOD_USES_COMPARISONS != 0,
                    seeded: info.flags & PODIUM_METHOD_SEEDED != 0,
                    outputs_order: info.flags & PODIUM_METHOD_OUTPUTS_ORDER != 0,
                },
            }
        })
        .collect();
    HttpResponse::Ok().json(methods)
}

/// Scans the plugin directory again (admin): new libraries load, removed ones disappear.
#[utoipa::path(
    tag = "plugins",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<PluginView>),
        (status = 401, body = podium_wire::Problem, content_type = "application/problem+json"),
        (status = 403, body = podium_wire::Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/admin/plugins/rescan")]
pub async fn rescan_plugins(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token = require_submit(&req, &state).await?;
    if token.scope != Scope::Admin {
        return Err(ApiError::Forbidden(
            "rescanning plugins needs an admin token".into(),
        ));
    }
    let plugins = state.plugins.clone();
    web::block(move || plugins.rescan()).await?;
    Ok(HttpResponse::Ok().json(plugin_views(&state.plugins)))
}
