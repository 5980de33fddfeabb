//! The Podium server: HTTP API over the storage crate.
//!
//! Dependency arrows point one way: [`http`] handlers → services in `podium-storage` (and, in
//! later issues, the plugin host and compute backends). Handlers never hold a database
//! connection on an async worker: every storage call runs in `web::block`, and submission
//! bodies are parsed on a blocking thread while they stream in ([`body`]).
//!
//! [`app`] builds the whole application for a given state, so the binary, the in-process
//! integration tests and the OpenAPI dump all use the same routing table.

pub mod analyses;
pub mod auth;
pub mod body;
pub mod config;
pub mod demo;
pub mod error;
pub mod http;
pub mod imports;
pub mod leaderboard;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpResponse, web};
use podium_storage::Store;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

pub use config::ServeConfig;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Limits and settings.
    pub config: ServeConfig,
    /// The loaded ranking methods.
    pub plugins: std::sync::Arc<podium_plugin_host::PluginHost>,
    /// Selected datasets and computed leaderboards.
    pub caches: std::sync::Arc<Caches>,
}

/// In-memory caches, keyed by the data version so that a write makes them miss.
pub struct Caches {
    /// Columnar datasets per (data version, selection).
    pub data: leaderboard::BoundedCache<std::sync::Arc<leaderboard::PreparedData>>,
    /// Computed leaderboards per ETag.
    pub boards: leaderboard::BoundedCache<std::sync::Arc<podium_wire::api::Leaderboard>>,
}

impl Default for Caches {
    fn default() -> Self {
        Caches {
            data: leaderboard::BoundedCache::new(8),
            boards: leaderboard::BoundedCache::new(256),
        }
    }
}

impl AppState {
    /// Runs a storage operation on a pooled connection, off the async workers.
    pub async fn db<T, F>(&self, operation: F) -> Result<T, error::ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut podium_storage::DbConnection) -> podium_storage::Result<T> + Send + 'static,
    {
        let store = self.store.clone();
        Ok(web::block(move || {
            let mut conn = store.conn()?;
            operation(&mut conn)
        })
        .await??)
    }
}

/// The OpenAPI document, rendered once at start-up.
struct OpenApiJson(String);

async fn serve_openapi(spec: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(spec.0.clone())
}

/// 405 when the path exists under another method, 404 otherwise (both become problem+json).
async fn no_route(req: actix_web::HttpRequest) -> HttpResponse {
    if req.resource_map().has_resource(req.path()) {
        HttpResponse::MethodNotAllowed().finish()
    } else {
        HttpResponse::NotFound().finish()
    }
}

/// The OpenAPI document of every route [`app`] serves.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(http::ApiDoc::openapi())
        .configure(http::routes)
        .split_for_parts();
    api
}

/// The OpenAPI document as served: pretty JSON with a trailing newline (the committed form).
pub fn openapi_json() -> String {
    let mut text = openapi_document()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// The application: routes, OpenAPI document, problem+json error rewriting.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, _) = App::new()
        .into_utoipa_app()
        .openapi(http::ApiDoc::openapi())
        .app_data(web::Data::new(state))
        .configure(http::routes)
        .split_for_parts();
    app.app_data(web::Data::new(OpenApiJson(openapi_json())))
        .route("/openapi.json", web::get().to(serve_openapi))
        // Swagger UI with its assets compiled in (no CDN): works with no internet.
        .service(
            utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}")
                .config(utoipa_swagger_ui::Config::from("/openapi.json")),
        )
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header(("Location", "/docs/"))
                    .finish()
            }),
        )
        .default_service(web::to(no_route))
        .wrap(error::problem_middleware())
}
