//! The sync endpoint: `POST /sync` on a node's server. The request's frame is the body and its
//! credential the [`AUTH_HEADER`]; the answer is [`tamga_sync::responder`]'s, with its signature
//! in the [`RESPONSE_AUTH_HEADER`].
//!
//! Status codes: 401 for a credential that is refused (unenrolled or revoked device, replay,
//! clock skew, bad signature), 400 for a frame or request that breaks the protocol, 413 for an
//! oversized body, 503 when the node cannot keep up, 500 when the node's store fails. The body of
//! an error is a line of text that says what went wrong; the response also carries a
//! [`Refusal`] extension (a stable reason code, the message, the key the credential claimed),
//! for the server around the endpoint to log and count.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use ed25519_dalek::SigningKey;
use std::sync::Arc;
use tamga_core::{KeyId, Timestamp, UnitCode};
use tamga_store::Store;
use tamga_sync::frame::MAX_FRAME_BYTES;
use tamga_sync::responder::{self, RefusalKind, Responder};
pub use tamga_sync::responder::{AUTH_HEADER, RESPONSE_AUTH_HEADER, SYNC_PATH};
use tracing::warn;

/// What the endpoint needs: the node's answering side.
pub struct Endpoint {
    /// The store, keys and replay guard that answer.
    pub responder: Responder,
}

impl Endpoint {
    /// An endpoint for the node with `device` key over `store`.
    pub fn new(
        store: Arc<Store>,
        device: SigningKey,
        central_units: Vec<UnitCode>,
        skew_seconds: i64,
    ) -> Self {
        Endpoint {
            responder: Responder::new(store, device, central_units, skew_seconds),
        }
    }
}

/// The sync routes, to mount in a node's router.
pub fn router(endpoint: Arc<Endpoint>) -> Router {
    Router::new()
        .route(SYNC_PATH, post(handle))
        .layer(DefaultBodyLimit::max(MAX_FRAME_BYTES))
        .with_state(endpoint)
}

/// Why the endpoint refused a sync request, as an extension of the refusing response: what a
/// server around the endpoint logs and counts. The message is the one sent to the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The status sent.
    pub status: u16,
    /// The reason, in a stable code and in words, and the key the credential claimed.
    pub refusal: responder::Refusal,
}

fn status_of(kind: RefusalKind) -> StatusCode {
    match kind {
        RefusalKind::Credential => StatusCode::UNAUTHORIZED,
        RefusalKind::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
        RefusalKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        RefusalKind::Malformed => StatusCode::BAD_REQUEST,
        RefusalKind::Failed => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn refuse(r: responder::Refusal) -> axum::response::Response {
    refuse_with(status_of(r.kind), r)
}

fn refuse_with(status: StatusCode, r: responder::Refusal) -> axum::response::Response {
    let key = r.claimed.as_ref().map(KeyId::as_str).unwrap_or("-");
    warn!(%status, reason = r.reason, claimed = key, message = %r.message, "sync request refused");
    let mut response = (status, r.message.clone() + "\n").into_response();
    response.extensions_mut().insert(Refusal {
        status: status.as_u16(),
        refusal: r,
    });
    response
}

async fn handle(
    State(endpoint): State<Arc<Endpoint>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> axum::response::Response {
    let credential = headers.get(AUTH_HEADER).and_then(|v| v.to_str().ok());
    let auth = match Responder::credential(credential) {
        Ok(a) => a,
        Err(r) => return refuse(r),
    };
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return refuse(responder::Refusal::new(
                RefusalKind::TooLarge,
                "too_large",
                format!(
                    "the sync frame is over the {MAX_FRAME_BYTES}-byte limit: send smaller batches"
                ),
                Some(auth.node),
            ))
        }
        Err(e) => {
            return refuse_with(
                e.status(),
                responder::Refusal::new(
                    RefusalKind::Malformed,
                    "unreadable_body",
                    format!(
                        "the request body could not be read ({}): send it again",
                        e.body_text()
                    ),
                    Some(auth.node),
                ),
            );
        }
    };
    let worker = Arc::clone(&endpoint);
    let claimed = auth.node.clone();
    // The store's calls block (they wait for the disk): keep them off the async workers.
    let outcome = tokio::task::spawn_blocking(move || {
        worker.responder.answer(&auth, &body, Timestamp::now())
    })
    .await;
    match outcome {
        Ok(Ok(answer)) => ([(RESPONSE_AUTH_HEADER, answer.signature)], answer.body).into_response(),
        Ok(Err(r)) => refuse(r),
        Err(e) => refuse(responder::Refusal::new(
            RefusalKind::Failed,
            "store_failed",
            format!("sync worker failed: {e}"),
            Some(claimed),
        )),
    }
}
