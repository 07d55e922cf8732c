//! The sync client over HTTPS: drives a [`tamga_sync::session::Initiator`] against a peer's
//! endpoint, signing each request with this node's device key and checking that each answer is
//! signed by the peer it asked.
//!
//! Every connection is TLS 1.3 ([`crate::tls`]) opened by a [`Connector`]: this node presents
//! its device key and admits exactly the key configured for the peer, enrolled and in force, so
//! a machine in the middle fails the handshake before a byte of a frame is sent. Plain HTTP is
//! refused ([`check_peer_url`]).

use crate::tls;
use ed25519_dalek::SigningKey;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tamga_core::registry::Registry;
use tamga_core::signing::key_id;
use tamga_core::{KeyId, Timestamp};
use tamga_store::Store;
use tamga_sync::auth::{AuthError, RequestAuth, ResponseAuth};
use tamga_sync::carried;
use tamga_sync::frame::{self, MAX_FRAME_BYTES};
use tamga_sync::receipts::{self, Accepted};
use tamga_sync::responder::{AUTH_HEADER, RESPONSE_AUTH_HEADER, SYNC_PATH};
use tamga_sync::scope::Scope;
use tamga_sync::session::{Initiator, Request, Response, Step, Summary, SyncError};
use tracing::{debug, info, warn};

/// The most of a refusal's text that is read: a line that says what went wrong.
pub const MAX_REFUSAL_BYTES: usize = 4096;

/// Why a session over HTTPS failed. What was merged before the failure stays merged; the next
/// session continues from there.
#[derive(Debug, thiserror::Error)]
pub enum HttpSyncError {
    /// The peer's address is not one this node calls.
    #[error("{0}")]
    Address(String),
    /// The peer could not be reached, did not answer in time, or failed the TLS handshake.
    #[error("could not reach {url}: {detail}. The session will be retried")]
    Unreachable {
        /// Where.
        url: String,
        /// What happened, with its causes (a refused handshake says why).
        detail: String,
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
    /// The answer is larger than any frame may be.
    #[error("the answer from {url} is over the {limit}-byte limit of a frame; the session stops")]
    TooLarge {
        /// Where.
        url: String,
        /// The limit.
        limit: usize,
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

/// A peer reachable over HTTPS.
pub struct HttpPeer {
    /// The peer's base URL, like `https://192.168.1.10:7300`.
    pub url: String,
    /// The peer's device key: the only key its TLS handshake may present.
    pub key: KeyId,
    /// What the peer may receive.
    pub scope: Scope,
}

/// Checks that `url` is an address this node may call a peer at: `https://` and a host. Plain
/// `http://` is refused with what to write instead: every link between nodes is TLS, on a LAN
/// as on the uplink.
pub fn check_peer_url(url: &str) -> Result<(), String> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| format!("{url:?} is not a peer address: {e}"))?;
    match parsed.scheme() {
        "https" if parsed.host_str().is_some() => Ok(()),
        "https" => Err(format!("{url:?} names no host: write https://HOST:PORT")),
        "http" => Err(format!(
            "{url:?} is plain HTTP, which nodes never use between them: write {}",
            url.replacen("http://", "https://", 1)
        )),
        other => Err(format!(
            "{url:?} uses {other}://; a peer is called at https://HOST:PORT"
        )),
    }
}

/// An error with its chain of causes, in one line: reqwest's own message hides why a TLS
/// handshake failed.
pub fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

/// Opens this node's TLS connections to peers: one HTTPS client per peer key, each admitting
/// exactly that key (enrolled as a device and in force in the registry when the handshake is
/// made), each presenting this node's device key.
pub struct Connector {
    device: SigningKey,
    registry: Arc<dyn Fn() -> Registry + Send + Sync>,
    timeout: Duration,
    clients: Mutex<HashMap<KeyId, reqwest::Client>>,
}

impl Connector {
    /// A connector for `device`, checking peers against `registry()`, each request given
    /// `timeout`.
    pub fn new(
        device: SigningKey,
        registry: impl Fn() -> Registry + Send + Sync + 'static,
        timeout: Duration,
    ) -> Self {
        Connector {
            device,
            registry: Arc::new(registry),
            timeout,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// A connector checking peers against the registry `store` holds.
    pub fn for_store(device: SigningKey, store: Arc<Store>, timeout: Duration) -> Self {
        Connector::new(device, move || store.registry(), timeout)
    }

    /// This node's device key.
    pub fn device(&self) -> &SigningKey {
        &self.device
    }

    /// The HTTPS client that admits exactly `peer`. Idle connections are dropped before a
    /// peer's header deadline would close them under a request.
    pub fn client(&self, peer: &KeyId) -> Result<reqwest::Client, HttpSyncError> {
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = clients.get(peer) {
            return Ok(client.clone());
        }
        let registry = self.registry.clone();
        let config =
            tls::client_config(&self.device, tls::exactly(peer.clone(), move || registry()))
                .map_err(HttpSyncError::Address)?;
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(config)
            .https_only(true)
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(5))
            .timeout(self.timeout)
            .build()
            .map_err(|e| HttpSyncError::Address(format!("no HTTPS client: {}", causes(&e))))?;
        clients.insert(peer.clone(), client.clone());
        Ok(client)
    }
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("device", &key_id(&self.device).fingerprint())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Why a bounded read of an answer failed.
#[derive(Debug)]
pub enum BoundedReadError {
    /// The connection failed while reading.
    Read(reqwest::Error),
    /// The answer is over the limit.
    TooLarge,
}

/// Reads `response`'s body, at most `limit` bytes: a peer cannot make this node buffer more.
pub async fn read_bounded(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BoundedReadError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BoundedReadError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BoundedReadError::Read)? {
        if body.len() + chunk.len() > limit {
            return Err(BoundedReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Runs one session with `peer` over HTTPS. Store work runs on the blocking pool, so it can be
/// called from any tokio runtime.
pub async fn sync_with(
    connector: &Connector,
    store: Arc<Store>,
    peer: &HttpPeer,
) -> Result<Summary, HttpSyncError> {
    sync_with_progress(connector, store, peer, &|_| {}).await
}

/// [`sync_with`], telling `progress` what the session has done so far after each round trip,
/// for a person watching a first sync.
pub async fn sync_with_progress(
    connector: &Connector,
    store: Arc<Store>,
    peer: &HttpPeer,
    progress: &(dyn Fn(&Summary) + Sync),
) -> Result<Summary, HttpSyncError> {
    check_peer_url(&peer.url).map_err(HttpSyncError::Address)?;
    let http = connector.client(&peer.key)?;
    let device = connector.device();
    let url = format!("{}{SYNC_PATH}", peer.url.trim_end_matches('/'));
    let mut initiator = Initiator::new(&store, peer.key.clone(), peer.scope.clone());
    let mut request = tokio::task::block_in_place(|| initiator.start())?;
    let mut first = true;
    loop {
        let response = exchange(&http, device, peer, &url, &request, first).await?;
        first = false;
        match tokio::task::block_in_place(|| initiator.receive(response))? {
            Step::Send(next) => {
                progress(initiator.summary());
                request = next
            }
            Step::Done(mut summary) => {
                // Central (the peer that receives everything) keeps the transparency log: its
                // receipts for this node's acts. A failure there fails no sync: the acts are
                // merged; the receipts come with the next session.
                if peer.scope == Scope::All {
                    summary.receipts = Some(receipts_from(&http, device, peer, &url, &store).await);
                }
                info!(peer = %peer.url, ?summary, "sync session complete");
                return Ok(summary);
            }
        }
    }
}

/// Asks central for receipts of this node's acts without one, and keeps them if every part of
/// the answer holds (`tamga_sync::receipts::accept`).
async fn receipts_from(
    http: &reqwest::Client,
    device: &SigningKey,
    peer: &HttpPeer,
    url: &str,
    store: &Arc<Store>,
) -> Result<Accepted, String> {
    let asked = tokio::task::block_in_place(|| receipts::ask(store)).map_err(|e| e.to_string())?;
    let response = exchange(http, device, peer, url, &asked.request, false)
        .await
        .map_err(|e| e.to_string())?;
    let refused = |e: tamga_core::transparency::LogError| {
        warn!(peer = %peer.url, code = e.code(), error = %e, "central's receipts refused");
        format!("{}: {e}", e.code())
    };
    let accepted = tokio::task::block_in_place(|| {
        receipts::accept(store, &store.registry(), &asked, response, Timestamp::now())
    })
    .map_err(refused)?;
    // Heads a bundle carried here are checked against the head just accepted.
    if let Some(check) =
        tokio::task::block_in_place(|| carried::ask_pending(store)).map_err(refused)?
    {
        let response = exchange(http, device, peer, url, &check.request, false)
            .await
            .map_err(|e| e.to_string())?;
        let cleared =
            tokio::task::block_in_place(|| carried::check_pending(store, &check, response))
                .map_err(refused)?;
        info!(peer = %peer.url, cleared, "carried tree heads consistent with central's log");
    }
    Ok(accepted)
}

/// One request to `peer` and its answer: signed, sent, the answer read within its bound, its
/// signature checked, decoded.
async fn exchange(
    http: &reqwest::Client,
    device: &SigningKey,
    peer: &HttpPeer,
    url: &str,
    request: &Request,
    first: bool,
) -> Result<Response, HttpSyncError> {
    let url = url.to_owned();
    let unreachable = |e: &reqwest::Error| HttpSyncError::Unreachable {
        url: url.clone(),
        detail: causes(e),
    };
    let body = frame::encode(request).map_err(|e| HttpSyncError::Frame(e, url.clone()))?;
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
            debug!(peer = %peer.url, error = %causes(&e), "opening request failed; trying once more");
            auth = RequestAuth::sign(device, &peer.key, Timestamp::now(), random_nonce(), &body);
            send(&auth).await
        }
        other => other,
    }
    .map_err(|e| unreachable(&e))?;
    let status = answer.status();
    let signature = answer
        .headers()
        .get(RESPONSE_AUTH_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let limit = if status.is_success() {
        MAX_FRAME_BYTES
    } else {
        MAX_REFUSAL_BYTES
    };
    let bytes = match read_bounded(answer, limit).await {
        Ok(bytes) => bytes,
        Err(BoundedReadError::Read(e)) => return Err(unreachable(&e)),
        Err(BoundedReadError::TooLarge) if status.is_success() => {
            return Err(HttpSyncError::TooLarge { url, limit })
        }
        Err(BoundedReadError::TooLarge) => Vec::new(),
    };
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
    frame::decode(&bytes).map_err(|e| HttpSyncError::Frame(e, url))
}

/// A fresh random nonce from the operating system.
fn random_nonce() -> [u8; 16] {
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).expect("the operating system provides randomness");
    nonce
}

#[cfg(test)]
mod tests {
    use super::check_peer_url;

    #[test]
    fn plain_http_is_refused_with_what_to_write() {
        let err = check_peer_url("http://10.0.0.2:7300").unwrap_err();
        assert!(err.contains("write https://10.0.0.2:7300"), "{err}");
        assert!(check_peer_url("https://10.0.0.2:7300").is_ok());
        assert!(check_peer_url("ftp://x").is_err());
        assert!(check_peer_url("not a url").is_err());
    }
}
