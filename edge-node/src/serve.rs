//! The running node: the sync endpoint and the handoff endpoints for peers (over TLS 1.3, to
//! enrolled device keys only), the local API on loopback ([`crate::api`]), the background sync loop that visits each configured peer when it is due,
//! backing off with jitter when a peer cannot be reached, without ever holding up local work,
//! background compaction and, at a post with `archive_closed_days` set, archiving on the same
//! interval ([`crate::archive`]); on a vehicle with `[gps]`, the gpsd client signing positions
//! ([`crate::gps`]). Stops cleanly on Ctrl-C or SIGTERM (the GPS's batch recorded first).

use crate::archive::Shelf;
use crate::config::NodeRole;
use crate::node::Node;
use crate::shared::Shared;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tamga_node::server::Routes;
use tamga_node::transport::{router, Endpoint};
use tokio::sync::watch;
use tracing::{info, warn};

/// The delay before the next attempt with a peer after `failures` failures in a row: the
/// interval, doubled per failure up to ten minutes, with ±20% jitter so that nodes coming back
/// together do not all call at once.
pub fn backoff(interval: Duration, failures: u32, jitter: f64) -> Duration {
    let base = interval.as_secs_f64() * 2f64.powi(failures.min(16) as i32);
    let capped = base.min(600.0).max(interval.as_secs_f64().min(600.0));
    Duration::from_secs_f64(capped * (0.8 + 0.4 * jitter.clamp(0.0, 1.0)))
}

/// How often the loop looks for peers that are due (and for peers added meanwhile).
const TICK: Duration = Duration::from_secs(2);

/// How long the GPS task has, once the node stops, to record the fixes it batched.
const GPS_STOP_GRACE: Duration = Duration::from_secs(10);

/// Visits each peer when it is due, each in a task of its own. Each peer has its own backoff,
/// so a link that is down for days (central, from a vehicle on the road) does not slow the sync
/// with a peer at hand, and a peer that stops answering mid-session holds up only its own
/// session. A session that succeeds meanwhile from the CLI or the UI ends that peer's backoff.
async fn sync_loop(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let interval = Duration::from_secs(shared.node.config.sync_interval_seconds);
    let mut rng = fastrand::Rng::new();
    // Per peer: when its wait was set, and when it is due.
    type Due = BTreeMap<String, (tokio::time::Instant, tokio::time::Instant)>;
    let due: Arc<Mutex<Due>> = Arc::default();
    let mut in_flight: BTreeMap<String, tokio::task::JoinHandle<()>> = BTreeMap::new();
    loop {
        in_flight.retain(|_, task| !task.is_finished());
        let now = tokio::time::Instant::now();
        for peer in shared.peers() {
            if in_flight.contains_key(&peer.name) {
                continue;
            }
            {
                let mut due = due.lock().unwrap_or_else(|p| p.into_inner());
                if let (Some((set, when)), Some(success)) =
                    (due.get_mut(&peer.name), shared.succeeded_at(&peer.name))
                {
                    if success > *set {
                        *when = (*when).min(success + interval);
                    }
                }
                if due.get(&peer.name).is_some_and(|(_, when)| *when > now) {
                    continue;
                }
            }
            let (shared, due, jitter) = (Arc::clone(&shared), Arc::clone(&due), rng.f64());
            let name = peer.name.clone();
            in_flight.insert(
                name,
                tokio::spawn(async move {
                    let _ = shared.sync_one(&peer, None).await;
                    let wait = backoff(interval, shared.failures(&peer.name), jitter);
                    let set = tokio::time::Instant::now();
                    due.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(peer.name, (set, set + wait));
                }),
            );
        }
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = stop.changed() => {
                for task in in_flight.values() {
                    task.abort();
                }
                return;
            }
        }
    }
}

/// At a post with `archive_closed_days` set: a pass of [`crate::archive::archive_closed`] every
/// `every` (the compaction interval). A failed pass is logged and tried again at the next; it
/// forgets nothing it has not archived first.
async fn archive_loop(shared: Arc<Shared>, every: Duration, mut stop: watch::Receiver<bool>) {
    let node = &shared.node;
    let Some(days) = node.config.archive_closed_days else {
        return;
    };
    if node.config.role != NodeRole::Post {
        return;
    }
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        let (store, shelf) = (Arc::clone(&node.store), Shelf::of(&node.dir));
        let units = node.config.central_units.clone();
        let now = tamga_core::Timestamp::now();
        let pass = tokio::task::spawn_blocking(move || {
            crate::archive::archive_closed(&store, &shelf, &units, days, now)
        })
        .await;
        match pass {
            Ok(Ok(pass)) => info!(
                archived = pass.archived,
                already = pass.already,
                changed = pass.changed,
                "archive pass"
            ),
            Ok(Err(e)) => warn!(error = %e, "archiving failed; retrying at the next interval"),
            Err(e) => warn!(error = %e, "the archive task ended abnormally"),
        }
    }
}

/// Runs the node until Ctrl-C or SIGTERM. `on_listen` receives the bound address.
pub async fn run(node: Node, on_listen: impl FnOnce(std::net::SocketAddr)) -> Result<(), String> {
    let listen = node.config.listen.clone();
    let endpoint = Arc::new(Endpoint::new(
        Arc::clone(&node.store),
        node.device.clone(),
        node.config.central_units.clone(),
        tamga_sync::auth::DEFAULT_SKEW_SECONDS,
    ));
    let token = crate::backup::make_admin_token(&node.dir)?;
    let shared = Arc::new(Shared::new(node));
    shared.set_admin_token(token);
    let routes = Routes::new(
        router(endpoint).merge(crate::api::peers(Arc::clone(&shared))),
        crate::api::local(Arc::clone(&shared)),
    );
    let store = Arc::clone(&shared.node.store);
    let tls = tamga_node::tls::server_config(
        &shared.node.device,
        tamga_node::tls::any_enrolled_device(move || store.registry()),
    )?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}. Is another node running there? Set `listen` in the configuration or TAMGA_EDGE_LISTEN"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    shared.set_bound(bound);
    on_listen(bound);
    let (stop_tx, stop_rx) = watch::channel(false);
    let background = tokio::spawn(sync_loop(Arc::clone(&shared), stop_rx.clone()));
    let compaction = tokio::spawn(tamga_node::upkeep::compaction_loop(
        Arc::clone(&shared.node.store),
        Duration::from_secs(shared.node.config.compact_interval_seconds),
        stop_rx.clone(),
    ));
    let archiving = tokio::spawn(archive_loop(
        Arc::clone(&shared),
        Duration::from_secs(shared.node.config.compact_interval_seconds),
        stop_rx.clone(),
    ));
    let gps = match (&shared.node.config.gps, &shared.gps) {
        (Some(config), Some(state)) => Some(tokio::spawn(crate::gps::run(
            config.clone(),
            crate::gps::record::Recorder {
                store: Arc::clone(&shared.node.store),
                device: shared.node.device.clone(),
                unit: shared.node.config.unit.clone(),
            },
            Arc::clone(state),
            stop_rx.clone(),
        ))),
        _ => None,
    };
    let mut server_stop = stop_rx;
    tamga_node::server::serve(listener, routes, tls, async move {
        tokio::select! {
            _ = tamga_node::server::stop_on_signal(stop_tx) => {}
            _ = server_stop.changed() => {}
        }
    })
    .await?;
    background.abort();
    compaction.abort();
    archiving.abort();
    if let Some(gps) = gps {
        // It records the fixes it batched, then ends.
        if tokio::time::timeout(GPS_STOP_GRACE, gps).await.is_err() {
            warn!("the GPS task did not end in time; its last fixes may not be signed");
        }
    }
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
