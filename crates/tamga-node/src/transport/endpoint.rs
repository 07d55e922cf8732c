//! The sync endpoint: `POST /sync` on a node's server. The request's frame is the body and its
//! credential the [`AUTH_HEADER`]; the answer is [`tamga_sync::responder`]'s, with its signature
//! in the [`RESPONSE_AUTH_HEADER`].
//!
//! The endpoint answers only over TLS (see [`crate::server::Routes`]): the credential must name
//! the device key the connection was opened with, and it is checked before the body is read.
//!
//! Status codes: 401 for a credential that is refused (unenrolled or revoked device, replay,
//! clock skew, bad signature, not the connection's key, not over TLS), 400 for a frame or request that breaks the protocol, 413 for an
//! oversized body, 503 when the node cannot keep up, 500 when the node's store fails. The body of
//! an error is a line of text that says what went wrong; the response also carries a
//! [`Refusal`] extension (a stable reason code, the message, the key the credential claimed),
//! for the server around the endpoint to log and count.

use crate::server::PeerKey;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Extension;
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

    /// This endpoint answering receipts requests from central's transparency log.
    pub fn keeping_log(self, keeper: Arc<tamga_sync::receipts::LogKeeper>) -> Self {
        Endpoint {
            responder: self.responder.keeping_log(keeper),
        }
    }

    /// This endpoint answering with `ledger`'s feed, checkpoints and nonces (several central
    /// processes on one database).
    pub fn sharing(self, ledger: Arc<dyn tamga_sync::ledger::Ledger>) -> Self {
        Endpoint {
            responder: self.responder.sharing(ledger),
        }
    }
}

/// The sync routes, to mount in a node's router.
pub fn router(endpoint: Arc<Endpoint>) -> Router {
    Router::new()
        .route(SYNC_PATH, post(handle))
        .with_state(endpoint)
}

/// The writes an answered sync request brought that were refused as out of the peer's write
/// scope (`tamga_sync::responder::Answer::out_of_scope`), as an extension of the response: what
/// a server around the endpoint logs and counts (reason code `out_of_scope`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutOfScope {
    /// The peer's device key.
    pub peer: tamga_core::KeyId,
    /// The documents.
    pub documents: Vec<String>,
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
    peer: Option<Extension<PeerKey>>,
    headers: HeaderMap,
    body: Body,
) -> axum::response::Response {
    let credential = headers.get(AUTH_HEADER).and_then(|v| v.to_str().ok());
    let auth = match Responder::credential(credential) {
        Ok(a) => a,
        Err(r) => return refuse(r),
    };
    let Some(Extension(PeerKey(connection_key))) = peer else {
        return refuse(responder::Refusal::new(
            RefusalKind::Credential,
            "not_over_tls",
            "sync requests are answered over TLS only: use https:// and this node's device key"
                .into(),
            Some(auth.node),
        ));
    };
    // The credential is checked before the body is read: a stranger cannot make the node
    // buffer 8 MiB.
    if let Err(r) = endpoint
        .responder
        .admit(&auth, Some(&connection_key), Timestamp::now())
    {
        return refuse(r);
    }
    let too_large = |node| {
        refuse(responder::Refusal::new(
            RefusalKind::TooLarge,
            "too_large",
            format!(
                "the sync frame is over the {MAX_FRAME_BYTES}-byte limit: send smaller batches"
            ),
            Some(node),
        ))
    };
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_FRAME_BYTES as u64) {
        return too_large(auth.node);
    }
    let body = match axum::body::to_bytes(body, MAX_FRAME_BYTES).await {
        Ok(b) => b,
        Err(e) => {
            let over = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if over {
                return too_large(auth.node);
            }
            return refuse_with(
                StatusCode::BAD_REQUEST,
                responder::Refusal::new(
                    RefusalKind::Malformed,
                    "unreadable_body",
                    format!("the request body could not be read ({e}): send it again"),
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
        Ok(Ok(answer)) => {
            let mut response =
                ([(RESPONSE_AUTH_HEADER, answer.signature)], answer.body).into_response();
            if !answer.out_of_scope.is_empty() {
                response.extensions_mut().insert(OutOfScope {
                    peer: claimed,
                    documents: answer.out_of_scope,
                });
            }
            response
        }
        Ok(Err(r)) => refuse(r),
        Err(e) => refuse(responder::Refusal::new(
            RefusalKind::Failed,
            "store_failed",
            format!("sync worker failed: {e}"),
            Some(claimed),
        )),
    }
}
