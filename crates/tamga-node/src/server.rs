//! The one HTTP server of central and the edge node, with [`Limits`]: a cap on open
//! connections (below the process's file-descriptor limit), a deadline for a request's headers
//! (idle and slow-header connections are closed), and a deadline for a whole request; and the
//! graceful stop on Ctrl-C or SIGTERM.
//!
//! One port serves two kinds of connection ([`Routes`]): TLS 1.3 from peers, each admitted by
//! its device key at the handshake ([`crate::tls`]), and plain HTTP from this machine only (the
//! officer's UI, central's dashboard). A plain connection from elsewhere is told to use TLS and
//! closed; nothing a peer sends is ever read in the clear.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tamga_core::KeyId;
use tracing::{debug, info, warn};

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

/// What a node's server answers, and to whom.
#[derive(Clone)]
pub struct Routes {
    /// Answered over TLS 1.3 to peers whose device key the TLS configuration admits (see
    /// [`crate::tls`]); each request carries the peer's key as a [`PeerKey`] extension.
    pub peers: Router,
    /// Answered over plain HTTP to this machine only (a loopback client): the officer's UI and
    /// API, central's dashboard. A plain connection from anywhere else gets a `403` that says
    /// to use TLS, and is closed.
    pub local: Router,
    /// Told of each TLS handshake that failed (the client's address, the reason), for a node
    /// that keeps a log of refusals; the server logs them in any case.
    pub handshake_refused: Option<HandshakeRefused>,
    /// Who the TLS side serves: peers proving a device key (the sync port), or anyone the TLS
    /// configuration lets through (central's staff port, where a person logs in instead).
    pub tls_clients: TlsClients,
}

/// Who may use the TLS side of a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsClients {
    /// Only peers whose handshake proved a device key ([`PeerKey`] on each request).
    DeviceKeys,
    /// Any client (a browser): the routes authenticate the person.
    Anyone,
}

/// A hook told of each failed TLS handshake: the client's address and the reason.
pub type HandshakeRefused = Arc<dyn Fn(std::net::SocketAddr, String) + Send + Sync>;

impl Routes {
    /// `peers` over TLS, `local` over plain HTTP on loopback, no hook.
    pub fn new(peers: Router, local: Router) -> Self {
        Routes {
            peers,
            local,
            handshake_refused: None,
            tls_clients: TlsClients::DeviceKeys,
        }
    }
}

/// The device key a peer proved at the TLS handshake, on each request it sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerKey(pub KeyId);

/// The first byte of a TLS record carrying a handshake (a ClientHello opens with it); a plain
/// HTTP request opens with a method's letter.
const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// Serves `routes` on `listener` with the [`Limits`] from the environment until `shutdown`
/// completes, then lets open requests finish (for at most 10 s). Handlers see the client's
/// address as `ConnectInfo<SocketAddr>`. The one server of central and the edge node.
pub async fn serve(
    listener: tokio::net::TcpListener,
    routes: Routes,
    tls: Arc<rustls::ServerConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let limits = Limits::from_env()?;
    serve_with(listener, routes, tls, limits, shutdown).await
}

/// [`serve`] with the limits given. One port answers both: a connection that opens with a TLS
/// handshake is a peer's (the handshake must end within the header deadline), any other is
/// plain HTTP for this machine only.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    routes: Routes,
    tls: Arc<rustls::ServerConfig>,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let cap = limits.connection_cap();
    info!(
        connections = cap,
        header_timeout_s = limits.header_timeout.as_secs(),
        request_timeout_s = limits.request_timeout.as_secs(),
        "HTTP limits"
    );
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
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
        let (routes, acceptor, limits, closing) = (
            routes.clone(),
            acceptor.clone(),
            limits.clone(),
            closing_rx.clone(),
        );
        tokio::spawn(async move {
            let _permit = permit;
            let deadline = limits.header_timeout;
            let mut first = [0u8; 1];
            match tokio::time::timeout(deadline, stream.peek(&mut first)).await {
                Ok(Ok(1)) => {}
                _ => return,
            }
            if first[0] == TLS_HANDSHAKE_RECORD {
                let tls = match tokio::time::timeout(deadline, acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => {
                        warn!(%remote, error = %e, "TLS handshake failed; connection closed");
                        if let Some(hook) = &routes.handshake_refused {
                            hook(remote, format!("TLS handshake failed: {e}"));
                        }
                        return;
                    }
                    Err(_) => {
                        warn!(%remote, seconds = deadline.as_secs(), "TLS handshake not finished in time; connection closed");
                        if let Some(hook) = &routes.handshake_refused {
                            hook(
                                remote,
                                format!(
                                    "TLS handshake not finished within {} s",
                                    deadline.as_secs()
                                ),
                            );
                        }
                        return;
                    }
                };
                let peer = match routes.tls_clients {
                    TlsClients::Anyone => None,
                    TlsClients::DeviceKeys => {
                        let Some(key) = crate::tls::peer_key(tls.get_ref().1) else {
                            warn!(%remote, "TLS peer without a device key; connection closed");
                            return;
                        };
                        debug!(%remote, peer = %key.fingerprint(), "TLS peer admitted");
                        Some(PeerKey(key))
                    }
                };
                connection(tls, routes.peers, remote, peer, &limits, closing).await;
            } else if remote.ip().is_loopback() {
                connection(stream, routes.local, remote, None, &limits, closing).await;
            } else {
                refuse_plain(stream, remote).await;
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

/// Answers a plain HTTP connection from another machine with a `403` that says what to do, and
/// closes it.
async fn refuse_plain(mut stream: tokio::net::TcpStream, remote: std::net::SocketAddr) {
    use tokio::io::AsyncWriteExt;
    warn!(%remote, "plain HTTP from another machine refused: peers must use TLS");
    let text = "this node speaks TLS to enrolled nodes only (https:// with the node's device key); its own UI answers on its own machine only\n";
    let answer = format!(
        "HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.write_all(answer.as_bytes())).await;
    let _ = stream.shutdown().await;
}

/// Serves HTTP/1.1 on one connection until it closes or the server stops.
async fn connection<I>(
    io: I,
    app: Router,
    remote: std::net::SocketAddr,
    peer: Option<PeerKey>,
    limits: &Limits,
    mut closing: tokio::sync::watch::Receiver<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    use hyper_util::rt::{TokioIo, TokioTimer};
    let request_timeout = limits.request_timeout;
    let service = hyper::service::service_fn(
        move |mut request: hyper::Request<hyper::body::Incoming>| {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(remote));
            if let Some(peer) = &peer {
                request.extensions_mut().insert(peer.clone());
            }
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
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let connection = builder.serve_connection(TokioIo::new(io), service);
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
}
