//! Leaderboards: `POST /v1/leaderboards` with a JSON request, or `GET` with query parameters
//! for shareable URLs. JSON by default, CSV for `Accept: text/csv`. Strong ETags;
//! `If-None-Match` answers 304 without computing.

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use podium_wire::api::{Leaderboard, LeaderboardRequest, Selection, Uncertainty};
use serde::Deserialize;
use utoipa::IntoParams;

use super::integer_param;
use crate::AppState;
use crate::error::ApiError;
use crate::leaderboard::{self, Watch, check_request, data_key, etag, selection_spec};

fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/csv"))
}

fn if_none_match(req: &HttpRequest, tag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"))
}

fn respond(req: &HttpRequest, tag: &str, board: &Leaderboard) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::ETAG, tag.to_owned()))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::VARY, "Accept"));
    if wants_csv(req) {
        response
            .content_type("text/csv; charset=utf-8")
            .body(leaderboard::to_csv(board))
    } else {
        response.json(board)
    }
}

/// Whether the client asked for a job (`?async=true` or `Prefer: respond-async`).
fn async_requested(req: &HttpRequest) -> bool {
    let prefer = req
        .headers()
        .get("prefer")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|p| p.trim() == "respond-async"));
    let query = web::Query::<BTreeMap<String, String>>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.get("async").cloned())
        .is_some_and(|v| v == "true" || v == "1");
    prefer || query
}

/// Runs a leaderboard as a job: the computation on its own thread, progress and cancellation
/// through the jobs table every 200 ms.
fn run_job(
    state: AppState,
    id: String,
    tag: String,
    request: LeaderboardRequest,
    method: podium_plugin_host::MethodHandle,
    data: Arc<leaderboard::PreparedData>,
) {
    use podium_storage::jobs::{JobEnd, finish_job, report_progress};
    use std::sync::atomic::Ordering;
    let watch = Watch::default();
    let deadline = state.config.method_deadline();
    let outcome = std::thread::scope(|scope| {
        let computation =
            scope.spawn(|| leaderboard::compute(&request, &method, &data, deadline, &watch));
        while !computation.is_finished() {
            std::thread::sleep(std::time::Duration::from_millis(200));
            let cancel = state
                .store
                .conn()
                .ok()
                .and_then(|mut c| report_progress(&mut c, &id, watch.progress.get()).ok());
            if cancel == Some(true) {
                watch.cancel.store(true, Ordering::Relaxed);
            }
        }
        computation
            .join()
            .unwrap_or_else(|_| Err(ApiError::Internal("the job's computation panicked".into())))
    });
    let end = match outcome {
        Ok(board) => {
            let body = serde_json::to_string(&board).unwrap_or_default();
            state.caches.boards.put(tag.clone(), Arc::new(board));
            JobEnd::Succeeded {
                result: body,
                etag: tag,
            }
        }
        Err(err) => {
            let problem = serde_json::to_string(&err.problem()).unwrap_or_default();
            if watch.cancel.load(Ordering::Relaxed) {
                JobEnd::Cancelled(problem)
            } else {
                JobEnd::Failed(problem)
            }
        }
    };
    let finished = state
        .store
        .conn()
        .map_err(|e| e.to_string())
        .and_then(|mut c| finish_job(&mut c, &id, end).map_err(|e| e.to_string()));
    if let Err(err) = finished {
        tracing::error!(job = id, %err, "could not record the end of a job");
    }
}

/// The columnar data of a selection: from the data cache, or read in one snapshot and cached.
pub(crate) async fn prepared_data(
    state: &web::Data<AppState>,
    version: i64,
    selection: &Selection,
) -> Result<Arc<leaderboard::PreparedData>, ApiError> {
    if let Some(data) = state.caches.data.get(&data_key(version, selection)) {
        return Ok(data);
    }
    let spec = selection_spec(selection);
    let started = std::time::Instant::now();
    let selected = state
        .db(move |c| podium_storage::selection::load_selection(c, &spec))
        .await?;
    let read = started.elapsed();
    let rows = selected.measurements.len() + selected.comparisons.len();
    let prepared = Arc::new(web::block(move || leaderboard::prepare(selected)).await??);
    tracing::info!(
        rows,
        read_ms = read.as_millis() as u64,
        prepare_ms = (started.elapsed() - read).as_millis() as u64,
        "selection loaded"
    );
    state.caches.data.put(
        data_key(prepared.data_version, selection),
        Arc::clone(&prepared),
    );
    Ok(prepared)
}

async fn serve(
    req: HttpRequest,
    state: web::Data<AppState>,
    request: LeaderboardRequest,
) -> Result<HttpResponse, ApiError> {
    check_request(&request)?;
    let method = state.plugins.method(&request.method).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "method: no method {:?} is loaded (see GET /v1/methods)",
            request.method
        ))
    })?;
    podium_plugin_host::run::validate_params(
        &method.info().params_schema,
        &serde_json::Value::Object(request.params.clone()),
    )
    .map_err(|e| {
        ApiError::BadRequest(format!(
            "params: {}",
            e.to_string().trim_start_matches("invalid params: ")
        ))
    })?;

    // The cheap check first: unchanged data and request → 304 or the cached answer.
    let version = state.db(podium_storage::state::data_version).await?;
    let tag = etag(version, &request, &method);
    if if_none_match(&req, &tag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish());
    }
    if let Some(board) = state.caches.boards.get(&tag) {
        return Ok(respond(&req, &tag, &board));
    }

    let data = prepared_data(&state, version, &request.selection).await?;
    // The snapshot may be newer than the version read above: the ETag names what was used.
    let tag = etag(data.data_version, &request, &method);
    let estimate = leaderboard::estimate_secs(&data, request.uncertainty.bootstrap);
    if async_requested(&req) || estimate > state.config.async_above_secs {
        let text = serde_json::to_string(&request).unwrap_or_default();
        let id = state
            .db(move |c| podium_storage::jobs::create_job(c, "leaderboard", &text))
            .await?;
        let job = {
            let id = id.clone();
            state
                .db(move |c| podium_storage::jobs::get_job(c, &id))
                .await?
        };
        let job_state = state.get_ref().clone();
        std::thread::Builder::new()
            .name(format!("job-{id}"))
            .spawn(move || run_job(job_state, id, tag, request, method, data))
            .map_err(|e| ApiError::Internal(format!("cannot start a job thread: {e}")))?;
        return Ok(HttpResponse::Accepted()
            .insert_header((header::LOCATION, format!("/v1/jobs/{}", job.id)))
            .json(super::jobs::job_view(&job)));
    }
    let deadline = state.config.method_deadline();
    let computed_request = request.clone();
    let board = web::block(move || {
        leaderboard::compute(
            &computed_request,
            &method,
            &data,
            deadline,
            &Watch::default(),
        )
    })
    .await??;
    let board = Arc::new(board);
    state.caches.boards.put(tag.clone(), Arc::clone(&board));
    Ok(respond(&req, &tag, &board))
}

/// Computes a leaderboard: the selected data ranked by a method, with bootstrap intervals on
/// request.
#[utoipa::path(
    tag = "leaderboards",
    request_body = LeaderboardRequest,
    responses(
        (status = 200, body = Leaderboard, description = "JSON, or CSV with Accept: text/csv"),
        (status = 202, body = podium_wire::api::JobView, description = "Runs as a job (asked with ?async=true or Prefer: respond-async, or estimated to be long): see Location"),
        (status = 304, description = "Not modified (If-None-Match matched the ETag)"),
        (status = 400, body = podium_wire::Problem, content_type = "application/problem+json", description = "Unknown method or invalid params (the field is named)"),
        (status = 404, body = podium_wire::Problem, content_type = "application/problem+json", description = "Unknown benchmark, metric or model"),
        (status = 422, body = podium_wire::Problem, content_type = "application/problem+json", description = "The method cannot rank this data"),
        (status = 500, body = podium_wire::Problem, content_type = "application/problem+json", description = "The method failed or panicked"),
        (status = 504, body = podium_wire::Problem, content_type = "application/problem+json", description = "The method overran its deadline")
    )
)]
#[post("/v1/leaderboards")]
pub async fn post_leaderboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    request: web::Json<LeaderboardRequest>,
) -> Result<HttpResponse, ApiError> {
    serve(req, state, request.into_inner()).await
}

/// Query parameters of the shareable GET form.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeaderboardQuery {
    /// Method id.
    pub method: String,
    /// Comma-separated benchmark names.
    pub benchmarks: String,
    /// Comma-separated `benchmark:metric` pairs (others use their default metric).
    pub metrics: Option<String>,
    /// Comma-separated model names.
    pub models: Option<String>,
    /// Comma-separated sample tags.
    pub tags: Option<String>,
    /// Metadata filters as a JSON array of `{path, op, value}`.
    pub filters: Option<String>,
    /// Similarity selection as a JSON object (`{space, vector | of, top_k, threshold}`).
    pub near: Option<String>,
    /// Submission id to reproduce the data as of.
    #[param(value_type = Option<i64>)]
    pub as_of: Option<String>,
    /// Method parameters as a JSON object.
    pub params: Option<String>,
    /// Bootstrap rounds.
    #[param(value_type = Option<u32>)]
    pub bootstrap: Option<String>,
    /// Bootstrap seed.
    #[param(value_type = Option<u64>)]
    pub seed: Option<String>,
    /// Interval level in (0, 1).
    #[param(value_type = Option<f64>)]
    pub level: Option<String>,
}

fn list(text: Option<&str>) -> Vec<String> {
    text.map(|t| {
        t.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

/// Reads a JSON-valued query parameter.
fn json_param<T: serde::de::DeserializeOwned>(
    name: &str,
    text: Option<&str>,
) -> Result<Option<T>, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => serde_json::from_str(text)
            .map(Some)
            .map_err(|e| ApiError::BadRequest(format!("query parameter {name}: {e}"))),
    }
}

impl LeaderboardQuery {
    fn into_request(self) -> Result<LeaderboardRequest, ApiError> {
        let mut metrics = BTreeMap::new();
        for pair in list(self.metrics.as_deref()) {
            let (benchmark, metric) = pair.split_once(':').ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "query parameter metrics: {pair:?} is not benchmark:metric"
                ))
            })?;
            metrics.insert(benchmark.to_owned(), metric.to_owned());
        }
        let params = match self
            .params
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            None => serde_json::Map::new(),
            Some(text) => match serde_json::from_str(text) {
                Ok(serde_json::Value::Object(map)) => map,
                _ => {
                    return Err(ApiError::BadRequest(
                        "query parameter params must be a JSON object".into(),
                    ));
                }
            },
        };
        let number = |name: &str, value: Option<&str>| -> Result<Option<i64>, ApiError> {
            integer_param(name, value)
        };
        let bootstrap = number("bootstrap", self.bootstrap.as_deref())?.unwrap_or(0);
        let seed = number("seed", self.seed.as_deref())?.unwrap_or(0);
        let level = match self
            .level
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            None => Uncertainty::default().level,
            Some(text) => text.parse().map_err(|_| {
                ApiError::BadRequest(format!(
                    "query parameter level must be a number, not {text:?}"
                ))
            })?,
        };
        Ok(LeaderboardRequest {
            selection: Selection {
                benchmarks: list(Some(&self.benchmarks)),
                metrics,
                models: list(self.models.as_deref()),
                tags: list(self.tags.as_deref()),
                filters: json_param("filters", self.filters.as_deref())?.unwrap_or_default(),
                near: json_param("near", self.near.as_deref())?,
                as_of: number("as_of", self.as_of.as_deref())?,
            },
            method: self.method,
            params,
            uncertainty: Uncertainty {
                bootstrap: u32::try_from(bootstrap).map_err(|_| {
                    ApiError::BadRequest("query parameter bootstrap must be ≥ 0".into())
                })?,
                seed: u64::try_from(seed)
                    .map_err(|_| ApiError::BadRequest("query parameter seed must be ≥ 0".into()))?,
                level,
            },
        })
    }
}

/// The same leaderboard as `POST`, from query parameters: a URL that can be shared.
#[utoipa::path(
    tag = "leaderboards",
    params(LeaderboardQuery),
    responses(
        (status = 200, body = Leaderboard, description = "JSON, or CSV with Accept: text/csv"),
        (status = 304, description = "Not modified"),
        (status = 400, body = podium_wire::Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/leaderboards")]
pub async fn get_leaderboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<LeaderboardQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = query.into_inner().into_request()?;
    serve(req, state, request).await
}
