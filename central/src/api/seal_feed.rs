//! The navigation seal operator's feed at central (docs/act-format.md, "The seal operator's
//! feed"; `tamga_sync::seal_feed`):
//!
//! - `POST /seal-feed` on the peers' TLS port: the operator's monitoring system connects with
//!   its `seal_operator` key as its TLS identity (enrolled and in force, else the handshake
//!   fails) and posts a feed file as it is. Another enrolled key (a node's device) is answered
//!   403; a refused feed 422 with the first line at fault, and nothing recorded.
//! - `POST /api/admin/seal-feed` on loopback, with the administration token: `tamga-central
//!   import-seal-feed FILE` while the server holds the store (a feed brought on a file).
//!
//! A feed recorded enters the change feed like any act: the reconciliation picks it up, and
//! posts and vehicles concerned receive it at their next sync.

use crate::admin::{FeedBody, FeedOut};
use crate::reply::{bad, blocking, internal, read_body, ApiError, ApiResult};
use crate::shared::Shared;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Extension, Json, Router};
use std::sync::Arc;
use tamga_core::registry::Role;
use tamga_core::Timestamp;
use tamga_node::server::PeerKey;
use tamga_sync::seal_feed::{FeedError, MAX_FEED_BYTES};
use tracing::{info, warn};

/// Records a feed at central; the refusal as the API answers it.
pub(crate) fn record(s: &Shared, bytes: &[u8], now: Timestamp) -> ApiResult<FeedOut> {
    match tamga_sync::seal_feed::import(&s.central.store, bytes, now) {
        Ok(report) => Ok(report.into()),
        Err(FeedError::Store(e)) => Err(internal(e)),
        Err(e) => Err(ApiError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())),
    }
}

/// `POST /seal-feed` on the peers' port (not part of the JSON API the ports describe: like
/// `/sync`, it is for machines holding an enrolled key).
async fn from_operator(
    State(s): State<Arc<Shared>>,
    Extension(PeerKey(key)): Extension<PeerKey>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<FeedOut>> {
    let now = Timestamp::now();
    let registry = s.central.store.registry();
    if registry
        .enrollment_at(&key, now, &[Role::SealOperator])
        .is_err()
    {
        warn!(key = %key.fingerprint(), "seal feed from a key that is no seal operator's");
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            format!(
                "key {} is not enrolled as a navigation seal operator: only an operator's key may send seal events",
                key.fingerprint()
            ),
        ));
    }
    let body = read_body(body)?;
    let outcome = blocking(&s, move |s| record(s, &body, now)).await;
    match &outcome {
        Ok(out) => info!(
            operator = %key.fingerprint(),
            acts = out.acts,
            events = out.events,
            new = out.new,
            "seal feed recorded"
        ),
        Err(ApiError(status, message)) => {
            warn!(operator = %key.fingerprint(), status = status.as_u16(), %message, "seal feed refused")
        }
    }
    outcome.map(Json)
}

#[utoipa::path(
    post,
    path = "/api/admin/seal-feed",
    tag = "administration",
    summary = "Record a navigation seal operator's feed brought on a file",
    request_body = FeedBody,
    responses(
        (status = 200, description = "Recorded, durable", body = FeedOut),
        (status = 400, description = "The body does not read", body = crate::reply::ErrorAnswer),
        (status = 403, description = "No administration token", body = crate::reply::ErrorAnswer),
        (status = 413, description = "Over 4 MiB", body = crate::reply::ErrorAnswer),
        (status = 422, description = "Refused whole, naming the first line at fault: nothing recorded", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
pub(super) async fn from_file(
    State(s): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<FeedOut>> {
    super::administration::token_given(&s, &headers)?;
    let body = read_body(body)?;
    let request: FeedBody =
        serde_json::from_slice(&body).map_err(|e| bad(format!("the seal feed: {e}")))?;
    let now = Timestamp::now();
    blocking(&s, move |s| record(s, request.text.as_bytes(), now))
        .await
        .map(Json)
}

/// The largest request body the feed's routes read: the feed, and its JSON envelope.
pub(super) const MAX_BODY_BYTES: usize = MAX_FEED_BYTES + MAX_FEED_BYTES / 4 + 1024;

/// The peers' route: `POST /seal-feed`.
pub fn peers(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/seal-feed",
            post(from_operator).layer(DefaultBodyLimit::max(MAX_FEED_BYTES)),
        )
        .with_state(shared)
}
