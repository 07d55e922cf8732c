//! The HTTP transport: a thin shell that carries the session's requests and responses as frames
//! in `POST /sync` bodies, with the credentials in headers. The endpoint is an axum router any
//! node can mount; the client drives an [`Initiator`] with reqwest.
//!
//! Status codes: 401 for a credential that is refused (unenrolled or revoked device, replay,
//! clock skew, bad signature), 400 for a frame or request that breaks the protocol, 413 for an
//! oversized body, 503 when the node cannot keep up, 500 when the node's store fails. The body of
//! an error is a line of text that says what went wrong.

use crate::auth::{AuthError, Authenticator, RequestAuth, ResponseAuth};
use crate::frame::{self, MAX_FRAME_BYTES};
use crate::scope::Scope;
use crate::session::{respond, Initiator, Request, Response, Step, Summary, SyncError};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use ed25519_dalek::SigningKey;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tamga_core::signing::key_id;
use tamga_core::{KeyId, Timestamp, UnitCode};
use tamga_store::Store;
use tracing::{debug, info, warn};

/// The header carrying the request credential.
pub const AUTH_HEADER: &str = "tamga-auth";
/// The header carrying the response signature.
pub const RESPONSE_AUTH_HEADER: &str = "tamga-response-auth";
/// The path of the sync endpoint.
pub const SYNC_PATH: &str = "/sync";

/// What the endpoint needs.
pub struct Endpoint {
    /// The node's store.
    pub store: Arc<Store>,
    /// The node's device key.
    pub device: SigningKey,
    /// The units whose devices receive everything (central's).
    pub central_units: Vec<UnitCode>,
    /// Checks credentials and remembers nonces.
    pub authenticator: Mutex<Authenticator>,
}

impl Endpoint {
    /// An endpoint for the node with `device` key over `store`.
    pub fn new(
        store: Arc<Store>,
        device: SigningKey,
        central_units: Vec<UnitCode>,
        skew_seconds: i64,
    ) -> Self {
        let me = key_id(&device);
        Endpoint {
            store,
            device,
            central_units,
            authenticator: Mutex::new(Authenticator::new(me, skew_seconds)),
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

fn refuse(status: StatusCode, message: String) -> axum::response::Response {
    (status, message + "\n").into_response()
}

async fn handle(
    State(endpoint): State<Arc<Endpoint>>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let Some(credential) = headers.get(AUTH_HEADER).and_then(|v| v.to_str().ok()) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            format!("missing {AUTH_HEADER} header"),
        );
    };
    let auth = match RequestAuth::from_header(credential) {
        Ok(a) => a,
        Err(e) => return refuse(StatusCode::UNAUTHORIZED, e.to_string()),
    };
    let worker = Arc::clone(&endpoint);
    // The store's calls block (they wait for the disk): keep them off the async workers.
    let outcome = tokio::task::spawn_blocking(move || {
        serve(&worker, &auth, &body).map(|bytes| (auth, bytes))
    })
    .await;
    match outcome {
        Ok(Ok((auth, bytes))) => {
            let signature = ResponseAuth::sign(&endpoint.device, &auth, &bytes);
            ([(RESPONSE_AUTH_HEADER, signature.to_header())], bytes).into_response()
        }
        Ok(Err((status, message))) => {
            warn!(%status, %message, "sync request refused");
            refuse(status, message)
        }
        Err(e) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("sync worker failed: {e}"),
        ),
    }
}

fn serve(
    endpoint: &Endpoint,
    auth: &RequestAuth,
    body: &[u8],
) -> Result<Vec<u8>, (StatusCode, String)> {
    let registry = endpoint.store.registry();
    let peer = endpoint
        .authenticator
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .accept(&registry, auth, body, Timestamp::now())
        .map_err(|e| {
            let status = match e {
                AuthError::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::UNAUTHORIZED,
            };
            (status, e.to_string())
        })?;
    let request: Request = frame::decode(body).map_err(|e| {
        let status = match e {
            frame::FrameError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        };
        (status, e.to_string())
    })?;
    let scope = Scope::of(&peer.enrollment.unit, &endpoint.central_units);
    let response = respond(&endpoint.store, &peer.key, &scope, request).map_err(|e| match e {
        SyncError::Protocol(_) => (StatusCode::BAD_REQUEST, e.to_string()),
        SyncError::Store(ref s) if matches!(s, tamga_store::StoreError::BadInput { .. }) => {
            (StatusCode::BAD_REQUEST, e.to_string())
        }
        SyncError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    })?;
    frame::encode(&response).map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

/// Why a session over HTTP failed. What was merged before the failure stays merged; the next
/// session continues from there.
#[derive(Debug, thiserror::Error)]
pub enum HttpSyncError {
    /// The peer could not be reached or did not answer in time.
    #[error("could not reach {url}: {source}. The session will be retried")]
    Unreachable {
        /// Where.
        url: String,
        /// What happened.
        source: reqwest::Error,
    },
    /// The peer refused the request.
    #[error("{url} refused the sync request ({status}): {message}")]
    Refused {
        /// Where.
        url: String,
        /// The status.
        status: u16,
        /// The peer's words.
        message: String,
    },
    /// The answer did not come from the peer, or does not belong to the request.
    #[error("the answer from {url} is not signed by the expected node: {0}", url = .1)]
    Unauthentic(AuthError, String),
    /// The answer is not a frame.
    #[error("the answer from {url} is damaged: {0}", url = .1)]
    Frame(frame::FrameError, String),
    /// The session failed.
    #[error(transparent)]
    Session(#[from] SyncError),
}

/// A peer reachable over HTTP.
pub struct HttpPeer {
    /// The peer's base URL, like `http://192.168.1.10:7300`.
    pub url: String,
    /// The peer's device key.
    pub key: KeyId,
    /// What the peer may receive.
    pub scope: Scope,
}

/// The HTTP client of this node.
pub fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(timeout)
        .build()
        .expect("a plain HTTP client builds")
}

/// Runs one session with `peer` over HTTP. Store work runs on the blocking pool, so it can be
/// called from any tokio runtime.
pub async fn sync_with(
    http: &reqwest::Client,
    store: Arc<Store>,
    device: &SigningKey,
    peer: &HttpPeer,
) -> Result<Summary, HttpSyncError> {
    sync_with_progress(http, store, device, peer, &|_| {}).await
}

/// [`sync_with`], telling `progress` what the session has done so far after each round trip,
/// for a person watching a first sync.
pub async fn sync_with_progress(
    http: &reqwest::Client,
    store: Arc<Store>,
    device: &SigningKey,
    peer: &HttpPeer,
    progress: &(dyn Fn(&Summary) + Sync),
) -> Result<Summary, HttpSyncError> {
    let url = format!("{}{SYNC_PATH}", peer.url.trim_end_matches('/'));
    let mut initiator = Initiator::new(&store, peer.key.clone(), peer.scope.clone());
    let mut request = tokio::task::block_in_place(|| initiator.start())?;
    let mut first = true;
    loop {
        let body = frame::encode(&request).map_err(|e| HttpSyncError::Frame(e, url.clone()))?;
        let nonce: [u8; 16] = random_nonce();
        let mut auth = RequestAuth::sign(device, &peer.key, Timestamp::now(), nonce, &body);
        let send = |auth: &RequestAuth| {
            http.post(&url)
                .header(AUTH_HEADER, auth.to_header())
                .body(body.clone())
                .send()
        };
        let answer = match send(&auth).await {
            // A connection kept from an earlier session may have been closed by a peer that
            // restarted since: the opening request changes nothing, so it is sent once more,
            // freshly signed, on a new connection.
            Err(e) if first && (e.is_request() || e.is_connect()) => {
                debug!(peer = %peer.url, error = %e, "opening request failed; trying once more");
                auth =
                    RequestAuth::sign(device, &peer.key, Timestamp::now(), random_nonce(), &body);
                send(&auth).await
            }
            other => other,
        }
        .map_err(|source| HttpSyncError::Unreachable {
            url: url.clone(),
            source,
        })?;
        first = false;
        let status = answer.status();
        let signature = answer
            .headers()
            .get(RESPONSE_AUTH_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = answer
            .bytes()
            .await
            .map_err(|source| HttpSyncError::Unreachable {
                url: url.clone(),
                source,
            })?;
        if !status.is_success() {
            return Err(HttpSyncError::Refused {
                url,
                status: status.as_u16(),
                message: String::from_utf8_lossy(&bytes[..bytes.len().min(1000)])
                    .trim()
                    .to_owned(),
            });
        }
        let signature = signature.ok_or_else(|| {
            HttpSyncError::Unauthentic(
                AuthError::Malformed("no response signature".into()),
                url.clone(),
            )
        })?;
        ResponseAuth::from_header(&signature)
            .and_then(|s| s.verify(&peer.key, &auth, &bytes))
            .map_err(|e| HttpSyncError::Unauthentic(e, url.clone()))?;
        let response: Response =
            frame::decode(&bytes).map_err(|e| HttpSyncError::Frame(e, url.clone()))?;
        match tokio::task::block_in_place(|| initiator.receive(response))? {
            Step::Send(next) => {
                progress(initiator.summary());
                request = next
            }
            Step::Done(summary) => {
                info!(peer = %peer.url, ?summary, "sync session complete");
                return Ok(summary);
            }
        }
    }
}

/// Whether a request comes from this machine and names it in `Host`: the guard of a node's
/// local UI and API (a `Host` naming another machine is a DNS-rebinding attempt).
pub fn from_this_machine(peer: &std::net::SocketAddr, headers: &axum::http::HeaderMap) -> bool {
    let host_ok = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(is_loopback_host);
    peer.ip().is_loopback() && host_ok
}

/// Whether a `Host` header's value names this machine (localhost or a loopback address).
pub fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
    };
    name == "localhost"
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Waits for Ctrl-C or SIGTERM, then tells `stop`: the graceful stop of a node's server and its
/// background work.
pub async fn stop_on_signal(stop: tokio::sync::watch::Sender<bool>) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    info!("shutting down");
    let _ = stop.send(true);
}

/// A fresh random nonce from the operating system.
fn random_nonce() -> [u8; 16] {
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).expect("the operating system provides randomness");
    nonce
}

#[cfg(test)]
mod host_tests {
    use super::is_loopback_host;

    #[test]
    fn only_loopback_names_count_as_this_machine() {
        for ok in [
            "127.0.0.1:7300",
            "localhost:7300",
            "[::1]:7300",
            "127.0.0.1",
            "localhost",
        ] {
            assert!(is_loopback_host(ok), "{ok}");
        }
        for no in [
            "evil.example:7300",
            "192.168.1.5:7300",
            "[fe80::1]:7300",
            "localhost.evil.example",
            "attacker.localhost.example:80",
            "example.org",
        ] {
            assert!(!is_loopback_host(no), "{no}");
        }
    }
}
