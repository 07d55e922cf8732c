//! The HTTP transport: a thin shell that carries the session's requests and responses as frames
//! in `POST /sync` bodies, with the credentials in headers. The endpoint is an axum router any
//! node can mount; the client drives an [`Initiator`] with reqwest.
//!
//! Status codes: 401 for a credential that is refused (unenrolled or revoked device, replay,
//! clock skew, bad signature), 400 for a frame or request that breaks the protocol, 413 for an
//! oversized body, 503 when the node cannot keep up, 500 when the node's store fails. The body of
//! an error is a line of text that says what went wrong; the response also carries a
//! [`Refusal`] extension (a stable reason code, the message, the key the credential claimed),
//! for the server around the endpoint to log and count.
//!
//! [`serve`] is the one HTTP server of both central and the edge node, with [`Limits`]: a cap on
//! open connections (below the process's file-descriptor limit), a deadline for a request's
//! headers (idle and slow-header connections are closed), and a deadline for a whole request.

use crate::auth::{AuthError, Authenticator, RequestAuth, ResponseAuth};
use crate::frame::{self, MAX_FRAME_BYTES};
use crate::scope::Scope;
use crate::session::{respond, Initiator, Request, Response, Step, Summary, SyncError};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use ed25519_dalek::SigningKey;
use std::future::Future;
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

/// Why the endpoint refused a sync request, as an extension of the refusing response: what a
/// server around the endpoint logs and counts. The message is the one sent to the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The status sent.
    pub status: u16,
    /// A stable code for the reason: `no_credential`, `malformed_credential`, `not_enrolled`,
    /// `not_a_device`, `wrong_peer`, `clock_skew`, `replayed`, `overloaded`, `bad_signature`,
    /// `too_large`, `unreadable_body`, `bad_frame`, `protocol`, `store_failed`.
    pub reason: &'static str,
    /// What went wrong, as sent to the client.
    pub message: String,
    /// The device key the credential claimed, if it could be read (not proof of who sent it).
    pub claimed: Option<KeyId>,
}

/// The reason code of a refused credential.
pub fn auth_reason(e: &AuthError) -> &'static str {
    match e {
        AuthError::Malformed(_) => "malformed_credential",
        AuthError::NotEnrolled { .. } => "not_enrolled",
        AuthError::NotADevice { .. } => "not_a_device",
        AuthError::WrongPeer { .. } => "wrong_peer",
        AuthError::ClockSkew { .. } => "clock_skew",
        AuthError::Replayed { .. } => "replayed",
        AuthError::Overloaded { .. } => "overloaded",
        AuthError::BadSignature { .. } => "bad_signature",
    }
}

fn refuse(
    status: StatusCode,
    reason: &'static str,
    message: String,
    claimed: Option<KeyId>,
) -> axum::response::Response {
    let key = claimed.as_ref().map(KeyId::as_str).unwrap_or("-");
    warn!(%status, reason, claimed = key, %message, "sync request refused");
    let mut response = (status, message.clone() + "\n").into_response();
    response.extensions_mut().insert(Refusal {
        status: status.as_u16(),
        reason,
        message,
        claimed,
    });
    response
}

async fn handle(
    State(endpoint): State<Arc<Endpoint>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> axum::response::Response {
    let Some(credential) = headers.get(AUTH_HEADER).and_then(|v| v.to_str().ok()) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "no_credential",
            format!(
                "missing {AUTH_HEADER} header: sync requests must be signed by an enrolled device"
            ),
            None,
        );
    };
    let auth = match RequestAuth::from_header(credential) {
        Ok(a) => a,
        Err(e) => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                auth_reason(&e),
                e.to_string(),
                None,
            )
        }
    };
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!(
                    "the sync frame is over the {MAX_FRAME_BYTES}-byte limit: send smaller batches"
                ),
                Some(auth.node),
            )
        }
        Err(e) => {
            return refuse(
                e.status(),
                "unreadable_body",
                format!(
                    "the request body could not be read ({}): send it again",
                    e.body_text()
                ),
                Some(auth.node),
            )
        }
    };
    let worker = Arc::clone(&endpoint);
    let claimed = auth.node.clone();
    // The store's calls block (they wait for the disk): keep them off the async workers.
    let outcome = tokio::task::spawn_blocking(move || {
        serve_request(&worker, &auth, &body).map(|bytes| (auth, bytes))
    })
    .await;
    match outcome {
        Ok(Ok((auth, bytes))) => {
            let signature = ResponseAuth::sign(&endpoint.device, &auth, &bytes);
            ([(RESPONSE_AUTH_HEADER, signature.to_header())], bytes).into_response()
        }
        Ok(Err((status, reason, message))) => refuse(status, reason, message, Some(claimed)),
        Err(e) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "store_failed",
            format!("sync worker failed: {e}"),
            Some(claimed),
        ),
    }
}

type Refused = (StatusCode, &'static str, String);

fn serve_request(endpoint: &Endpoint, auth: &RequestAuth, body: &[u8]) -> Result<Vec<u8>, Refused> {
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
            (status, auth_reason(&e), e.to_string())
        })?;
    let request: Request = frame::decode(body).map_err(|e| match e {
        frame::FrameError::TooLarge { .. } => {
            (StatusCode::PAYLOAD_TOO_LARGE, "too_large", e.to_string())
        }
        _ => (StatusCode::BAD_REQUEST, "bad_frame", e.to_string()),
    })?;
    let scope = Scope::of(&peer.enrollment.unit, &endpoint.central_units);
    let response = respond(&endpoint.store, &peer.key, &scope, request).map_err(|e| match e {
        SyncError::Protocol(_) => (StatusCode::BAD_REQUEST, "protocol", e.to_string()),
        SyncError::Store(ref s) if matches!(s, tamga_store::StoreError::BadInput { .. }) => {
            (StatusCode::BAD_REQUEST, "protocol", e.to_string())
        }
        SyncError::Store(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "store_failed",
            e.to_string(),
        ),
    })?;
    frame::encode(&response).map_err(|e| {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "store_failed",
            e.to_string(),
        )
    })
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

/// Whether a request comes from this machine and names it in `Host`: the guard of a node's
/// local UI and API (a `Host` naming another machine is a DNS-rebinding attempt).
pub fn from_this_machine(peer: &std::net::SocketAddr, headers: &axum::http::HeaderMap) -> bool {
    let host_ok = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(is_loopback_host);
    peer.ip().is_loopback() && host_ok
}

/// Whether a request declares a JSON body (`Content-Type: application/json`): a local UI's POSTs
/// must, so that a cross-site form post (which cannot set it) is refused.
pub fn declares_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The four files of a node's embedded web UI.
#[derive(Clone, Copy)]
pub struct UiFiles {
    /// `/`
    pub index_html: &'static str,
    /// `/app.js`
    pub app_js: &'static str,
    /// `/i18n.js`
    pub i18n_js: &'static str,
    /// `/style.css`
    pub style_css: &'static str,
}

/// Routes serving a node's embedded web UI, never cached stale.
pub fn ui_routes<S: Clone + Send + Sync + 'static>(files: UiFiles) -> Router<S> {
    fn file(content_type: &'static str, body: &'static str) -> axum::response::Response {
        (
            [
                (axum::http::header::CONTENT_TYPE, content_type),
                (axum::http::header::CACHE_CONTROL, "no-cache"),
            ],
            body,
        )
            .into_response()
    }
    let js = "text/javascript; charset=utf-8";
    Router::new()
        .route(
            "/",
            axum::routing::get(move || async move {
                file("text/html; charset=utf-8", files.index_html)
            }),
        )
        .route(
            "/app.js",
            axum::routing::get(move || async move { file(js, files.app_js) }),
        )
        .route(
            "/i18n.js",
            axum::routing::get(move || async move { file(js, files.i18n_js) }),
        )
        .route(
            "/style.css",
            axum::routing::get(
                move || async move { file("text/css; charset=utf-8", files.style_css) },
            ),
        )
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

/// The limits of a node's HTTP server. Defaults suit both central and an edge node; each can be
/// set with an environment variable (`TAMGA_HTTP_MAX_CONNECTIONS`,
/// `TAMGA_HTTP_HEADER_TIMEOUT_SECONDS`, `TAMGA_HTTP_REQUEST_TIMEOUT_SECONDS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Connections open at once. Past it, new connections wait in the listen queue until one
    /// closes. Never more than the file descriptors the process may open, less a reserve.
    pub max_connections: usize,
    /// How long a client has to send a request's headers, counted from when the server starts
    /// waiting for them (also on an idle kept-alive connection): past it, the connection is
    /// closed. Ends idle and slow-header (slowloris) connections.
    pub header_timeout: Duration,
    /// How long one request may take, body and answer included: past it, `408` and the
    /// connection is closed. Ends slow-body connections. A full 8 MiB sync frame at 30 kB/s fits.
    pub request_timeout: Duration,
}

/// The default cap on open connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// File descriptors kept for the store, files and outgoing connections.
const RESERVED_DESCRIPTORS: usize = 128;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(300),
        }
    }
}

impl Limits {
    /// The defaults, with the `TAMGA_HTTP_*` variables that are set. A value that is not a
    /// whole number in range is an error naming the variable.
    pub fn from_env() -> Result<Limits, String> {
        fn var(name: &str, range: std::ops::RangeInclusive<u64>) -> Result<Option<u64>, String> {
            match std::env::var(name) {
                Err(_) => Ok(None),
                Ok(v) => v
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| range.contains(n))
                    .map(Some)
                    .ok_or_else(|| {
                        format!(
                            "{name}={v:?} is not a whole number from {} to {}: fix or unset it",
                            range.start(),
                            range.end()
                        )
                    }),
            }
        }
        let mut limits = Limits::default();
        if let Some(n) = var("TAMGA_HTTP_MAX_CONNECTIONS", 1..=1_000_000)? {
            limits.max_connections = n as usize;
        }
        if let Some(n) = var("TAMGA_HTTP_HEADER_TIMEOUT_SECONDS", 1..=3600)? {
            limits.header_timeout = Duration::from_secs(n);
        }
        if let Some(n) = var("TAMGA_HTTP_REQUEST_TIMEOUT_SECONDS", 1..=86_400)? {
            limits.request_timeout = Duration::from_secs(n);
        }
        Ok(limits)
    }

    /// The connection cap this process can hold: at most the descriptors it may open, less a
    /// reserve for the store and outgoing connections.
    fn connection_cap(&self) -> usize {
        let descriptors = open_files_limit();
        let fit = descriptors.saturating_sub(RESERVED_DESCRIPTORS).max(8);
        self.max_connections.min(fit)
    }
}

/// The soft limit on open file descriptors (`ulimit -n`).
#[cfg(unix)]
fn open_files_limit() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct it is given and reads nothing else.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    if ok && limit.rlim_cur != libc::RLIM_INFINITY {
        usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX)
    } else {
        usize::MAX
    }
}

#[cfg(not(unix))]
fn open_files_limit() -> usize {
    usize::MAX
}

/// Serves `app` on `listener` with the [`Limits`] from the environment until `shutdown`
/// completes, then lets open requests finish (for at most 10 s). Handlers see the client's
/// address as `ConnectInfo<SocketAddr>`. The one server of central and the edge node.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let limits = Limits::from_env()?;
    serve_with(listener, app, limits, shutdown).await
}

/// [`serve`] with the limits given.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let cap = limits.connection_cap();
    info!(
        connections = cap,
        header_timeout_s = limits.header_timeout.as_secs(),
        request_timeout_s = limits.request_timeout.as_secs(),
        "HTTP limits"
    );
    let permits = Arc::new(tokio::sync::Semaphore::new(cap));
    let (closing_tx, closing_rx) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut last_accept_warning: Option<tokio::time::Instant> = None;
    loop {
        // At the cap, stop accepting: new connections wait in the listen queue.
        let permit = tokio::select! {
            p = Arc::clone(&permits).acquire_owned() => p.expect("the semaphore is never closed"),
            _ = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors (or a connection reset before it was accepted): wait
                    // a moment rather than spin.
                    if last_accept_warning.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
                        warn!(error = %e, "could not accept a connection");
                        last_accept_warning = Some(tokio::time::Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        if permits.available_permits() == 0 {
            debug!(
                connections = cap,
                "connection cap reached; new connections wait"
            );
        }
        let app = app.clone();
        let request_timeout = limits.request_timeout;
        let service = hyper::service::service_fn(
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(remote));
                let mut app = app.clone();
                async move {
                    let call =
                        tower_service::Service::call(&mut app, request.map(axum::body::Body::new));
                    match tokio::time::timeout(request_timeout, call).await {
                        Ok(answer) => answer,
                        Err(_) => {
                            warn!(%remote, seconds = request_timeout.as_secs(), "request took too long; closing the connection");
                            let mut answer = (
                            StatusCode::REQUEST_TIMEOUT,
                            format!(
                                "the request took more than {} s: send it again on a faster link, or in smaller parts\n",
                                request_timeout.as_secs()
                            ),
                        )
                            .into_response();
                            answer.headers_mut().insert(
                                axum::http::header::CONNECTION,
                                axum::http::HeaderValue::from_static("close"),
                            );
                            Ok(answer)
                        }
                    }
                }
            },
        );
        let mut closing = closing_rx.clone();
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let _permit = permit;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            let mut told = false;
            loop {
                tokio::select! {
                    done = connection.as_mut() => {
                        if let Err(e) = done {
                            debug!(%remote, error = %e, "connection ended");
                        }
                        break;
                    }
                    _ = closing.changed(), if !told => {
                        told = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
        });
    }
    drop(listener);
    let _ = closing_tx.send(true);
    // Requests under way finish; connections close as they do.
    let all = u32::try_from(cap).unwrap_or(u32::MAX);
    if tokio::time::timeout(Duration::from_secs(10), permits.acquire_many(all))
        .await
        .is_err()
    {
        warn!("some connections were still open 10 s after the stop; closing them");
    }
    Ok(())
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
