//! Sync and bundle files in the local API (`docs/edge-api.md`, "Sync and bundles"): a sync now
//! with one peer or every peer, a bundle sealed to another device, a bundle imported, and the
//! jobs that run the long ones.

use super::json::Form;
use super::{bad, desk, download, Answer, ApiError, ApiResult};
use crate::answers::{ErrorAnswer, JobStarted};
use crate::shared::Shared;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::Arc;
use tamga_core::KeyId;

/// Which peer to sync with now.
#[derive(Deserialize, Default, utoipa::ToSchema)]
struct SyncForm {
    /// The peer's name; absent: every peer.
    #[serde(default)]
    peer: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/sync",
    tag = "sync and bundles",
    summary = "Sync now with one peer or every peer",
    request_body(content = SyncForm, description = "The peer by name; absent: every peer"),
    responses(
        (status = 202, description = "Started: follow the job", body = JobStarted),
        (status = 400, description = "No peers are configured, the peer named is not one, or the body is not JSON (Content-Type: application/json)", body = ErrorAnswer),
        crate::api::NotHere
    )
)]
async fn sync_now(
    State(s): State<Arc<Shared>>,
    Form(form): Form<SyncForm>,
) -> ApiResult<impl IntoResponse> {
    let peers = s.peers();
    if peers.is_empty() {
        return Err(bad(
            "no peers are configured: add one with `tamga-edge add-peer`",
        ));
    }
    if let Some(name) = &form.peer {
        if !peers.iter().any(|p| &p.name == name) {
            return Err(bad(format!("peer: no peer named {name:?} is configured")));
        }
    }
    let job = s.jobs.start("sync");
    let shared = Arc::clone(&s);
    tokio::spawn(async move {
        let outcome = shared.sync_named(form.peer.as_deref(), Some(job)).await;
        shared.jobs.finish(job, outcome);
    });
    Ok((StatusCode::ACCEPTED, Answer(JobStarted { job })))
}

/// Whom a bundle is for.
#[derive(Deserialize, utoipa::ToSchema)]
struct ExportForm {
    /// The device key the bundle is sealed to.
    #[serde(default, rename = "for")]
    for_key: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/bundles/export",
    tag = "sync and bundles",
    summary = "A bundle file sealed to another device's key",
    request_body(content = ExportForm, description = "The device the bundle is for"),
    responses(
        (status = 200, description = "The sealed bundle", body = [u8], content_type = "application/octet-stream"),
        (status = 400, description = "No device key, or one that does not read, or the body is not JSON (Content-Type: application/json)", body = ErrorAnswer),
        (status = 403, description = "The device is not one a bundle may be sealed to, or the request is not from this device", body = ErrorAnswer),
        crate::api::Failed
    )
)]
async fn export_bundle(
    State(s): State<Arc<Shared>>,
    Form(form): Form<ExportForm>,
) -> ApiResult<Response> {
    let for_key =
        match form.for_key.filter(|k| !k.is_empty()) {
            Some(k) => KeyId::new(k).map_err(|e| bad(format!("for: {e}")))?,
            None => return Err(bad(
                "for: choose the device the bundle is for: it is encrypted to that device's key",
            )),
        };
    let bytes = desk(&s, move |d| Ok(d.node().export_bundle(&for_key, 0)?)).await?;
    Ok(download(bytes, "tamga.bundle"))
}

#[utoipa::path(
    post,
    path = "/api/bundles/import",
    tag = "sync and bundles",
    summary = "Import a sealed bundle file",
    params(
        ("X-Tamga-Upload" = Option<String>, Header, description = "1 for an upload (raw bytes: a file or a PNG or JPEG photo); a JSON body needs none")
    ),
    request_body(content = [u8], content_type = "application/octet-stream", description = "The sealed bundle file"),
    responses(
        (status = 202, description = "Started: follow the job (a bundle that does not open fails the job)", body = JobStarted),
        (status = 400, description = "The body is neither JSON nor a marked upload", body = ErrorAnswer),
        crate::api::NotHere
    )
)]
async fn import_bundle(State(s): State<Arc<Shared>>, body: Bytes) -> ApiResult<impl IntoResponse> {
    let job = s.jobs.start("import bundle");
    let shared = Arc::clone(&s);
    tokio::task::spawn_blocking(move || {
        let mut progress =
            |done: usize, total: usize| shared.jobs.progress(job, done as u64, total as u64);
        let outcome = shared
            .node
            .import_bundle(&body, &mut progress)
            .map(|r| crate::answers::bundle_imported(&r))
            .map_err(|e| e.to_string());
        shared.jobs.finish(job, outcome);
    });
    Ok((StatusCode::ACCEPTED, Answer(JobStarted { job })))
}

/// A job as it stands, its fields in their declared order (as the API has always given it).
#[utoipa::path(
    get,
    path = "/api/jobs/{id}",
    tag = "sync and bundles",
    summary = "A long operation as it stands",
    params(
        ("id" = u64, Path, description = "The job's number")
    ),
    responses(
        (status = 200, description = "The job", body = crate::jobs::Job),
        (status = 400, description = "The job's number does not read", body = ErrorAnswer),
        (status = 404, description = "No such job (the last 32 finished are kept)", body = ErrorAnswer),
        crate::api::NotHere
    )
)]
async fn get_job(
    State(s): State<Arc<Shared>>,
    Path(id): Path<u64>,
) -> ApiResult<Json<crate::jobs::Job>> {
    s.jobs
        .get(id)
        .map(Json)
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no job {id}")))
}

#[utoipa::path(
    post,
    path = "/api/seal-feed",
    tag = "sync and bundles",
    summary = "Record a navigation seal operator's feed file",
    params(
        ("X-Tamga-Upload" = Option<String>, Header, description = "1 for an upload (the file's raw bytes); a JSON body needs none")
    ),
    request_body(description = "JSON {\"text\": ...} with the feed's text, or (with X-Tamga-Upload: 1) the file's raw bytes", content(
        (crate::api::TextForm = "application/json"),
        ([u8] = "application/octet-stream")
    )),
    responses(
        (status = 200, description = "Recorded, durable: what the feed held", body = crate::answers::SealFeedRecorded),
        (status = 400, description = "The body is neither JSON nor a marked upload", body = ErrorAnswer),
        (status = 422, description = "Refused whole, naming the first line at fault: nothing recorded", body = ErrorAnswer),
        crate::api::NotHere
    )
)]
async fn import_seal_feed(
    State(s): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> ApiResult<impl IntoResponse> {
    let (text, _) = super::upload_text(&headers, &body)?;
    let report = desk(&s, move |d| {
        Ok(d.node().import_seal_feed(text.as_bytes())?)
    })
    .await?;
    Ok(Answer(crate::answers::SealFeedRecorded::from(report)))
}

/// The routes of sync, bundles and jobs, merged into the local API.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/sync", post(sync_now))
        .route("/api/bundles/export", post(export_bundle))
        .route(
            "/api/bundles/import",
            post(import_bundle).layer(DefaultBodyLimit::max(
                tamga_node::sealed::MAX_SEALED_BUNDLE_BYTES,
            )),
        )
        .route("/api/jobs/{id}", get(get_job))
        .route(
            "/api/seal-feed",
            post(import_seal_feed).layer(DefaultBodyLimit::max(
                tamga_sync::seal_feed::MAX_FEED_BYTES + tamga_sync::seal_feed::MAX_FEED_BYTES / 4,
            )),
        )
}
