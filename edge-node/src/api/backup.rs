//! A backup of the running node (`POST /api/backup`, `docs/edge-api.md`, "Backup"): for the
//! node's operator only (the token in the data directory), written by the node itself so that it
//! goes on serving, and streamed to the caller.

use super::json::Form;
use super::{ApiError, ApiResult};
use crate::answers::ErrorAnswer;
use crate::backup::{BackupForm, TOKEN_HEADER};
use crate::shared::Shared;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use std::sync::Arc;
use tamga_core::Timestamp;
use tamga_node::backup::BackupError;

#[utoipa::path(
    post,
    path = "/api/backup",
    tag = "backup",
    summary = "A backup of the node, encrypted to the recipients given",
    description = "The data directory and a consistent snapshot of the store, age-encrypted to the recipients and signed by the device key. Writes wait while the store's snapshot is taken; the node goes on serving. Needs the token the running node keeps in its data directory (`.admin-token`), in the `x-tamga-admin-token` header.",
    request_body = BackupForm,
    responses(
        (status = 200, description = "The backup file; the `x-tamga-backup` header summarizes it (JSON)", content_type = "application/octet-stream"),
        (status = 400, description = "A recipient does not read", body = ErrorAnswer),
        (status = 403, description = "No token, or the wrong one", body = ErrorAnswer),
        crate::api::NotHere,
        crate::api::Failed
    )
)]
async fn backup(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<BackupForm>,
) -> ApiResult<Response> {
    let given = headers
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !s.admin_token_is(given) {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            "a backup holds the device key: send the token the running node keeps in its data directory (.admin-token) in the x-tamga-admin-token header, as `tamga-edge backup` does when run as the node's user".into(),
        ));
    }
    let now = Timestamp::now();
    let shared = Arc::clone(&s);
    let (file, manifest) = tokio::task::spawn_blocking(move || {
        let node = &shared.node;
        tamga_node::backup::write_unnamed(&node.dir, |out| {
            crate::backup::write(node, &form.to, now, out)
        })
    })
    .await
    .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
    .map_err(|e| match e {
        BackupError::BadRecipient(_) | BackupError::NoRecipient => {
            ApiError(StatusCode::BAD_REQUEST, e.to_string())
        }
        other => ApiError(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
    })?;
    Ok(tamga_node::backup::answer(file, &manifest))
}

/// The route.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/api/backup", post(backup))
}
