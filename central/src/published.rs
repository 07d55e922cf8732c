//! On a shared database ([`crate::postgres`]), writes are answered as done only once they are
//! in the database: a middleware on every port.

use crate::shared::Shared;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use tracing::warn;

/// On a shared database, what a request recorded in this process's store is published to the
/// database before the request is answered as done: a write that could not be published is
/// answered 503 (it is kept here, and published when the database answers again). Sync rounds
/// are published by the responder's ledger before they are answered; this covers every other
/// write (staff, administration, seal feeds); a sync request is not published twice.
pub async fn publish_writes(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let writes = !matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    ) && request.uri().path() != tamga_node::transport::SYNC_PATH;
    let response = next.run(request).await;
    let Some(replica) = shared.replica.clone().filter(|_| writes) else {
        return response;
    };
    if !response.status().is_success() {
        return response;
    }
    let error = match tokio::task::spawn_blocking(move || replica.publish()).await {
        Ok(Ok(())) => return response,
        Ok(Err(e)) => e.to_string(),
        Err(e) => e.to_string(),
    };
    warn!(%error, "a write could not be published to the shared database");
    let body = serde_json::json!({
        "error": format!("{error}. What was recorded is kept by this central process and reaches the shared database when it answers again: do not repeat it")
    });
    (
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(body),
    )
        .into_response()
}
