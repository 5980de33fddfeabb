//! Importing a harness's own result files.

use std::collections::HashSet;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use bytes::Bytes;
use futures_util::StreamExt;
use podium_import::{Format, Options, UnitFile};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::auth::require_submit;
use crate::error::ApiError;
use crate::imports::{ImportJob, upload_name};

/// Bytes gathered before a write to the spool file (one blocking call per batch).
const SPOOL_BATCH: usize = 1 << 20;
/// Most files one import may hold (an lm-eval run has one per task, plus its results).
const MAX_PARTS: usize = 1000;

/// What an import is.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `lm-eval`, `inspect`, `helm`, `arena`, `arena-hard`, `eee`, or `auto` (the default:
    /// recognised from the file names and first records).
    pub format: Option<String>,
    /// Model name to use instead of the one in the files.
    pub model: Option<String>,
    /// Benchmark name (arena battles and arena-hard judgments name none; the other formats'
    /// task name is replaced).
    pub benchmark: Option<String>,
    /// arena-hard v0.1 judgments: the baseline model (v2.0 lines name it).
    pub baseline: Option<String>,
    /// For a body that is one file (not multipart): its name, which tells `.eval` from `.json`
    /// and names the file in errors.
    pub filename: Option<String>,
}

/// A file being written to the spool folder.
struct Spool {
    file: std::fs::File,
    pending: Vec<Bytes>,
    pending_bytes: usize,
}

impl Spool {
    async fn push(&mut self, chunk: Bytes) -> Result<(), ApiError> {
        self.pending_bytes += chunk.len();
        self.pending.push(chunk);
        if self.pending_bytes >= SPOOL_BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), ApiError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let chunks = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        let mut file = self
            .file
            .try_clone()
            .map_err(|e| ApiError::Internal(format!("spooling the upload: {e}")))?;
        web::block(move || {
            for chunk in chunks {
                file.write_all(&chunk)?;
            }
            Ok::<(), std::io::Error>(())
        })
        .await?
        .map_err(|e| ApiError::Internal(format!("spooling the upload: {e}")))
    }
}

fn create_spool(
    dir: &std::path::Path,
    index: usize,
) -> Result<(Spool, std::path::PathBuf), ApiError> {
    // Stored under a number: the uploaded name is only a label, never a path.
    let path = dir.join(format!("part-{index}"));
    let file = std::fs::File::create(&path)
        .map_err(|e| ApiError::Internal(format!("spooling the upload: {e}")))?;
    Ok((
        Spool {
            file,
            pending: Vec::new(),
            pending_bytes: 0,
        },
        path,
    ))
}

fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// A default name for a one-file body, from its content type.
fn default_name(content_type: &str) -> &'static str {
    match content_type {
        "application/zip" | "application/x-zip-compressed" => "upload.eval",
        "text/csv" => "upload.csv",
        "application/x-ndjson"
        | "application/ndjson"
        | "application/jsonl"
        | "application/x-jsonlines" => "upload.jsonl",
        "application/json" => "upload.json",
        _ => "upload",
    }
}

fn parse_format(text: Option<&str>) -> Result<Option<Format>, ApiError> {
    match text.map(str::trim) {
        None | Some("") | Some("auto") => Ok(None),
        Some(name) => Format::parse(name).map(Some).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "query parameter format must be auto or one of {}, not {name:?}",
                Format::ALL
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }),
    }
}

/// Imports a harness's result files unchanged: lm-evaluation-harness output (results and
/// samples files), an inspect-ai log (`.eval` or `.json`), a HELM run folder's files, arena
/// battles (JSONL, JSON or CSV), arena-hard judgments, or Every Eval Ever instance JSONL.
///
/// Send the files as `multipart/form-data` parts with their file names (needed for lm-eval and
/// HELM, whose files have roles), or one file as the whole body (with `?filename=`). The
/// import is one submission: any malformed record and nothing is stored (422 names the file,
/// line or archive member, and field). The same content again (same format, options and
/// bytes) stores nothing and answers with the original receipt (`replayed: true`).
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(
        ImportQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key and content return the original answer")
    ),
    request_body(
        content(
            (String = "multipart/form-data"),
            (String = "application/octet-stream")
        ),
        description = "The files, as multipart parts with file names, or one file as the body"
    ),
    responses(
        (status = 201, body = podium_wire::api::ImportReceipt, description = "Stored"),
        (status = 200, body = podium_wire::api::ImportReceipt, description = "Seen before: nothing stored (replayed: true)"),
        (status = 400, body = podium_wire::Problem, content_type = "application/problem+json", description = "Unknown format, missing files, unusable file names"),
        (status = 401, body = podium_wire::Problem, content_type = "application/problem+json"),
        (status = 403, body = podium_wire::Problem, content_type = "application/problem+json"),
        (status = 413, body = podium_wire::Problem, content_type = "application/problem+json"),
        (status = 422, body = podium_wire::Problem, content_type = "application/problem+json", description = "Malformed files: the errors name file, line or member, and field")
    )
)]
#[post("/v1/imports")]
pub async fn create_import(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let token = require_submit(&req, &state).await?;
    let format = parse_format(query.format.as_deref())?;
    let idempotency_key = super::submissions::idempotency_key(&req)?;
    let cap = state.config.max_import_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > cap) {
        return Err(ApiError::PayloadTooLarge(cap));
    }
    let spool_dir = tempfile::Builder::new()
        .prefix("podium-import-")
        .tempdir()
        .map_err(|e| ApiError::Internal(format!("creating a spool folder: {e}")))?;
    let kind = content_type(&req);
    let mut files: Vec<UnitFile> = Vec::new();
    let mut received: u64 = 0;
    if kind == "multipart/form-data" {
        // The cap counts every byte of the body (part headers and boundaries too), so many
        // tiny parts cannot get around it.
        let counted = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&counted);
        let body = payload.map(move |chunk| {
            if let Ok(bytes) = &chunk {
                let total =
                    counter.fetch_add(bytes.len() as u64, Ordering::Relaxed) + bytes.len() as u64;
                if total > cap {
                    return Err(actix_web::error::PayloadError::Overflow);
                }
            }
            chunk
        });
        let over_cap = || counted.load(Ordering::Relaxed) > cap;
        let mut names: HashSet<String> = HashSet::new();
        let mut parts = actix_multipart::Multipart::new(req.headers(), body);
        while let Some(part) = parts.next().await {
            let mut part = part.map_err(|e| {
                if over_cap() {
                    ApiError::PayloadTooLarge(cap)
                } else {
                    ApiError::BadRequest(format!("reading the multipart body: {e}"))
                }
            })?;
            if files.len() == MAX_PARTS {
                return Err(ApiError::BadRequest(format!(
                    "an import holds at most {MAX_PARTS} files"
                )));
            }
            let raw_name = part
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .map(str::to_owned)
                .ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "multipart part {:?} has no file name; send each file as a part with \
                         filename=\"…\"",
                        part.name().unwrap_or("")
                    ))
                })?;
            let name = upload_name(&raw_name)?;
            if !names.insert(name.clone()) {
                return Err(ApiError::BadRequest(format!(
                    "two parts are named {name:?}; each file once"
                )));
            }
            let (mut spool, path) = create_spool(spool_dir.path(), files.len())?;
            while let Some(chunk) = part.next().await {
                let chunk = chunk.map_err(|e| {
                    if over_cap() {
                        ApiError::PayloadTooLarge(cap)
                    } else {
                        ApiError::BadRequest(format!("reading part {name:?}: {e}"))
                    }
                })?;
                received += chunk.len() as u64;
                spool.push(chunk).await?;
            }
            spool.flush().await?;
            files.push(UnitFile { name, path });
        }
    } else {
        let name = match query.filename.as_deref().filter(|n| !n.trim().is_empty()) {
            Some(name) => upload_name(name)?,
            None => default_name(&kind).to_owned(),
        };
        let (mut spool, path) = create_spool(spool_dir.path(), 0)?;
        let mut payload = payload;
        while let Some(chunk) = payload.next().await {
            let chunk =
                chunk.map_err(|e| ApiError::BadRequest(format!("reading the body: {e}")))?;
            received += chunk.len() as u64;
            if received > cap {
                return Err(ApiError::PayloadTooLarge(cap));
            }
            spool.push(chunk).await?;
        }
        spool.flush().await?;
        if received > 0 {
            files.push(UnitFile { name, path });
        }
    }
    if files.is_empty() {
        return Err(ApiError::BadRequest("the request holds no files".into()));
    }
    let job = ImportJob {
        files,
        format,
        // Trimmed, and empty ones dropped, by `imports::run` (as the CLI does before hashing).
        options: Options {
            model: query.model.clone(),
            benchmark: query.benchmark.clone(),
            baseline: query.baseline.clone(),
        },
        token_id: token.id,
        idempotency_key,
    };
    let store = state.store.clone();
    let started = std::time::Instant::now();
    let (receipt, created) = web::block(move || {
        let outcome = crate::imports::run(&store, job);
        // The spool goes when the import is done, whatever happened.
        drop(spool_dir);
        outcome
    })
    .await??;
    if let Some(id) = created {
        tracing::info!(
            submission = id,
            format = receipt.format,
            measurements = receipt.submission.measurements,
            comparisons = receipt.submission.comparisons,
            bytes = received,
            ms = started.elapsed().as_millis() as u64,
            "import stored"
        );
    }
    let mut response = if receipt.replayed {
        let mut r = HttpResponse::Ok();
        r.insert_header(("Idempotent-Replayed", "true"));
        r
    } else {
        HttpResponse::Created()
    };
    Ok(response
        .insert_header((
            header::LOCATION,
            format!("/v1/submissions/{}", receipt.submission.id),
        ))
        .json(receipt))
}

/// Whether content with this hash was imported (and still counts): the CLI asks before
/// uploading, so an interrupted `podium import` resumes without sending finished files again.
#[utoipa::path(
    tag = "submissions",
    params(("content_hash" = String, Path, description = "The unit hash (hex SHA-256) that `podium import` computes, and that import receipts report as `submission.content_hash`")),
    responses(
        (status = 200, body = podium_wire::api::SubmissionView, description = "Imported: its submission"),
        (status = 404, body = podium_wire::Problem, content_type = "application/problem+json", description = "Not imported, or retracted")
    )
)]
#[get("/v1/imports/{content_hash}")]
pub async fn get_import(
    state: web::Data<AppState>,
    content_hash: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let hash = content_hash.into_inner().to_ascii_lowercase();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::BadRequest(
            "the content hash must be 64 hexadecimal digits".into(),
        ));
    }
    let view = state
        .db(
            move |c| match podium_storage::ingest::find_prior(c, -1, None, &hash)? {
                podium_storage::ingest::Prior::Replay(stored) => {
                    podium_storage::submissions::get_submission(c, stored.submission_id).map(Some)
                }
                _ => Ok(None),
            },
        )
        .await?
        .ok_or_else(|| ApiError::NotFound("no import with this content hash counts".into()))?;
    Ok(HttpResponse::Ok().json(view))
}
