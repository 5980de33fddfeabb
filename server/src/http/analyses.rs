//! Host-level analyses for any method: agreement between methods and robustness to missing
//! data.

use actix_web::{HttpResponse, post, web};
use podium_wire::api::{AgreementReport, AgreementRequest, RobustnessReport, RobustnessRequest};

use super::leaderboards::prepared_data;
use crate::AppState;
use crate::analyses::{robustness, run, tau_between};
use crate::error::ApiError;
use crate::leaderboard::{check_selection, run_error};

fn method(
    state: &AppState,
    id: &str,
    params: &serde_json::Map<String, serde_json::Value>,
    field: &str,
) -> Result<podium_plugin_host::MethodHandle, ApiError> {
    let handle = state.plugins.method(id).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "{field}: no method {id:?} is loaded (see GET /v1/methods)"
        ))
    })?;
    podium_plugin_host::run::validate_params(
        &handle.info().params_schema,
        &serde_json::Value::Object(params.clone()),
    )
    .map_err(|e| {
        ApiError::BadRequest(format!(
            "{field} params: {}",
            e.to_string().trim_start_matches("invalid params: ")
        ))
    })?;
    Ok(handle)
}

/// Kendall τ-b between the rankings of several methods on the same selection.
#[utoipa::path(
    tag = "analyses",
    request_body = AgreementRequest,
    responses(
        (status = 200, body = AgreementReport),
        (status = 400, body = podium_wire::Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/analyses/agreement")]
pub async fn agreement(
    state: web::Data<AppState>,
    request: web::Json<AgreementRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = request.into_inner();
    check_selection(&request.selection)?;
    if request.methods.len() < 2 {
        return Err(ApiError::BadRequest("methods: name at least two".into()));
    }
    let handles = request
        .methods
        .iter()
        .enumerate()
        .map(|(i, m)| method(&state, &m.method, &m.params, &format!("methods[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let version = state.db(podium_storage::state::data_version).await?;
    let data = prepared_data(&state, version, &request.selection).await?;
    let deadline = state.config.method_deadline();
    let methods = request.methods.clone();
    let report = web::block(move || -> Result<AgreementReport, ApiError> {
        let outputs = methods
            .iter()
            .zip(&handles)
            .map(|(choice, handle)| {
                run(handle, &data.dataset, &choice.params, 0, deadline).map_err(run_error)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let n = outputs.len();
        let mut tau = vec![vec![None; n]; n];
        let mut compared = vec![vec![0u64; n]; n];
        for i in 0..n {
            for j in 0..n {
                let (t, count) = tau_between(&outputs[i], &outputs[j]);
                tau[i][j] = t;
                compared[i][j] = count;
            }
        }
        Ok(AgreementReport {
            data_version: data.data_version,
            methods,
            tau,
            models_compared: compared,
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(report))
}

/// Kendall τ-b of a method's ranking on randomly thinned data against its full-data ranking.
#[utoipa::path(
    tag = "analyses",
    request_body = RobustnessRequest,
    responses(
        (status = 200, body = RobustnessReport),
        (status = 400, body = podium_wire::Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/analyses/robustness")]
pub async fn robustness_curve(
    state: web::Data<AppState>,
    request: web::Json<RobustnessRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = request.into_inner();
    check_selection(&request.selection)?;
    if request.fractions.is_empty() || request.fractions.len() > 20 {
        return Err(ApiError::BadRequest("fractions: give 1 to 20".into()));
    }
    if let Some(bad) = request.fractions.iter().find(|f| !(0.0..1.0).contains(*f)) {
        return Err(ApiError::BadRequest(format!(
            "fractions: {bad} is not in [0, 1)"
        )));
    }
    if !(1..=1000).contains(&request.repeats) {
        return Err(ApiError::BadRequest("repeats: 1 to 1000".into()));
    }
    let handle = method(&state, &request.method, &request.params, "method")?;
    let version = state.db(podium_storage::state::data_version).await?;
    let data = prepared_data(&state, version, &request.selection).await?;
    let deadline = state.config.method_deadline();
    let report = web::block(move || -> Result<RobustnessReport, ApiError> {
        let (identity, points) = robustness(
            &handle,
            &request.params,
            &data,
            &request.fractions,
            request.repeats,
            request.seed,
            deadline,
        )?;
        Ok(RobustnessReport {
            method: identity,
            data_version: data.data_version,
            points,
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(report))
}
