//! The one HTTP server of central and the edge node, with [`Limits`]: a cap on open
//! connections (below the process's file-descriptor limit), a deadline for a request's headers
//! (idle and slow-header connections are closed), and a deadline for a whole request; and the
//! graceful stop on Ctrl-C or SIGTERM.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
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
