//! The sync client over HTTP: drives a [`tamga_sync::session::Initiator`] against a peer's
//! endpoint, signing each request with this node's device key and checking that each answer is
//! signed by the peer it asked.

use ed25519_dalek::SigningKey;
use std::sync::Arc;
use std::time::Duration;
use tamga_core::{KeyId, Timestamp};
use tamga_store::Store;
use tamga_sync::auth::{AuthError, RequestAuth, ResponseAuth};
use tamga_sync::frame;
use tamga_sync::responder::{AUTH_HEADER, RESPONSE_AUTH_HEADER, SYNC_PATH};
use tamga_sync::scope::Scope;
use tamga_sync::session::{Initiator, Response, Step, Summary, SyncError};
use tracing::{debug, info};

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

/// The HTTP client of this node. Idle connections are dropped before a peer's header deadline
/// ([`Limits::header_timeout`]) would close them under a request.
pub fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(5))
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

/// A fresh random nonce from the operating system.
fn random_nonce() -> [u8; 16] {
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).expect("the operating system provides randomness");
    nonce
}
