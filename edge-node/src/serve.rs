//! The running node: the sync endpoint for peers, the local status API, and the background sync
//! loop that visits each configured peer in turn, backing off with jitter when a peer cannot be
//! reached, without ever holding up local work. Stops cleanly on Ctrl-C or SIGTERM.

use crate::node::Node;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tamga_core::Timestamp;
use tamga_sync::http::{client, router, sync_with, Endpoint};
use tokio::sync::watch;
use tracing::{info, warn};

/// What the node knows of a peer's last contact.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PeerContact {
    /// When the last session completed, UTC.
    pub last_success: Option<String>,
    /// The last error, if the last attempt failed.
    pub last_error: Option<String>,
    /// Failed attempts in a row.
    pub failures: u32,
}

struct Shared {
    node: Node,
    contacts: Mutex<BTreeMap<String, PeerContact>>,
}

#[derive(Serialize)]
struct StatusAnswer {
    #[serde(flatten)]
    node: crate::node::Status,
    peers: BTreeMap<String, PeerContact>,
}

async fn status(
    State(shared): State<Arc<Shared>>,
) -> Result<Json<StatusAnswer>, (axum::http::StatusCode, String)> {
    let node = tokio::task::block_in_place(|| shared.node.status())
        .map_err(|e| (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let peers = shared
        .contacts
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    Ok(Json(StatusAnswer { node, peers }))
}

/// The delay before the next attempt with a peer after `failures` failures in a row: the
/// interval, doubled per failure up to ten minutes, with ±20% jitter so that nodes coming back
/// together do not all call at once.
pub fn backoff(interval: Duration, failures: u32, jitter: f64) -> Duration {
    let base = interval.as_secs_f64() * 2f64.powi(failures.min(16) as i32);
    let capped = base.min(600.0).max(interval.as_secs_f64().min(600.0));
    Duration::from_secs_f64(capped * (0.8 + 0.4 * jitter.clamp(0.0, 1.0)))
}

async fn sync_loop(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let http = client(Duration::from_secs(120));
    let interval = Duration::from_secs(shared.node.config.sync_interval_seconds);
    let mut rng = fastrand::Rng::new();
    let peers = shared.node.config.peers.clone();
    let mut failures: BTreeMap<String, u32> = BTreeMap::new();
    loop {
        let mut worst = 0;
        for peer in &peers {
            let outcome = match shared.node.peer(peer) {
                Ok(p) => sync_with(
                    &http,
                    Arc::clone(&shared.node.store),
                    &shared.node.device,
                    &p,
                )
                .await
                .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            let count = failures.entry(peer.name.clone()).or_default();
            let mut contacts = shared.contacts.lock().unwrap_or_else(|p| p.into_inner());
            let contact = contacts.entry(peer.name.clone()).or_default();
            match outcome {
                Ok(summary) => {
                    *count = 0;
                    contact.last_success = Some(Timestamp::now().for_people());
                    contact.last_error = None;
                    info!(peer = %peer.name, documents = summary.documents, round_trips = summary.round_trips, "synced");
                }
                Err(e) => {
                    *count += 1;
                    contact.last_error = Some(e.clone());
                    warn!(peer = %peer.name, error = %e, "sync failed; will retry");
                }
            }
            contact.failures = *count;
            worst = worst.max(*count);
        }
        let wait = backoff(interval, worst, rng.f64());
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn shutdown_signal(stop: watch::Sender<bool>) {
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

/// Runs the node until Ctrl-C or SIGTERM. `on_listen` receives the bound address.
pub async fn run(node: Node, on_listen: impl FnOnce(std::net::SocketAddr)) -> Result<(), String> {
    let listen = node.config.listen.clone();
    let endpoint = Arc::new(Endpoint::new(
        Arc::clone(&node.store),
        node.device.clone(),
        node.config.central_unit_codes(),
        tamga_sync::auth::DEFAULT_SKEW_SECONDS,
    ));
    let shared = Arc::new(Shared {
        node,
        contacts: Mutex::new(BTreeMap::new()),
    });
    let app = router(endpoint).merge(
        Router::new()
            .route("/api/status", get(status))
            .with_state(Arc::clone(&shared)),
    );
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}. Is another node running there? Set `listen` in the configuration or TAMGA_EDGE_LISTEN"))?;
    on_listen(listener.local_addr().map_err(|e| e.to_string())?);
    let (stop_tx, stop_rx) = watch::channel(false);
    let background = tokio::spawn(sync_loop(Arc::clone(&shared), stop_rx.clone()));
    let mut server_stop = stop_rx;
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = shutdown_signal(stop_tx) => {}
                _ = server_stop.changed() => {}
            }
        })
        .await
        .map_err(|e| e.to_string())?;
    background.abort();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_caps_and_jitters() {
        let minute = Duration::from_secs(60);
        assert_eq!(backoff(minute, 0, 0.5), minute);
        assert_eq!(backoff(minute, 1, 0.5), Duration::from_secs(120));
        assert_eq!(backoff(minute, 30, 0.5), Duration::from_secs(600));
        assert_eq!(backoff(minute, 0, 0.0), Duration::from_secs(48));
        assert_eq!(backoff(minute, 0, 1.0), Duration::from_secs(72));
    }
}
