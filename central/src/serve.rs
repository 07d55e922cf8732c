//! The running central: one server with the sync endpoint for edge nodes (`POST /sync`, over
//! TLS 1.3 to enrolled device keys only), and on loopback only `/health`, `/metrics`, the
//! dashboard and its JSON API, and the local
//! administration API the CLI uses while the server holds the store. Background work: following
//! the change feed (every second), reassessing everything (every `reassess_seconds`), saving the
//! nodes' last contact. Stops cleanly on Ctrl-C or SIGTERM.
//!
//! While serving, the server writes `serve.json` in the data directory: the loopback address of
//! its local API and a fresh token for the administration endpoints (readable by central's user
//! only). The file is removed at shutdown.

use crate::admin::{ServeInfo, SERVE_FILE};
use crate::central::Central;
use crate::nodes::RefusalEntry;
use crate::reconcile::Reconciler;
use crate::shared::Shared;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tamga_core::Timestamp;
use tamga_node::transport::{router, Endpoint, OutOfScope, Refusal, AUTH_HEADER};
use tamga_sync::auth::RequestAuth;
use tokio::sync::watch;
use tracing::{info, warn};

/// How often the change feed is followed.
pub const FOLLOW_EVERY: Duration = Duration::from_secs(1);

/// Counts sync requests and notes, for each accepted one, the node's device key (from the
/// credential the endpoint has just verified); each refused one goes to the refusal log with the
/// client's address and the endpoint's reason.
async fn track_sync(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let claimed = request
        .headers()
        .get(AUTH_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| RequestAuth::from_header(v).ok())
        .map(|a| a.node);
    let response = next.run(request).await;
    let now = Timestamp::now();
    if response.status().is_success() {
        shared.counters.sync_ok.fetch_add(1, Ordering::Relaxed);
        if let Some(out) = response.extensions().get::<OutOfScope>() {
            for doc in &out.documents {
                shared.refusals.note(RefusalEntry {
                    at: now,
                    at_for_people: shared.central.config.local_time().for_people(now),
                    remote: remote.to_string(),
                    claimed_key: Some(out.peer.clone()),
                    status: response.status().as_u16(),
                    reason: "out_of_scope",
                    message: format!(
                        "changes to {doc} refused, nothing merged: the device's unit has no part in that consignment"
                    ),
                });
            }
        }
        if let Some(key) = claimed {
            shared.contacts.seen(key, now);
        }
    } else {
        shared.counters.sync_refused.fetch_add(1, Ordering::Relaxed);
        let refusal = response.extensions().get::<Refusal>().cloned();
        let (reason, message, claimed_key) = match refusal {
            Some(r) => (
                r.refusal.reason,
                r.refusal.message,
                r.refusal.claimed.or(claimed.clone()),
            ),
            // Refused before the endpoint saw it (no such route or method).
            None => (
                "not_a_sync_request",
                response.status().to_string(),
                claimed.clone(),
            ),
        };
        shared.refusals.note(RefusalEntry {
            at: now,
            at_for_people: shared.central.config.local_time().for_people(now),
            remote: remote.to_string(),
            claimed_key,
            status: response.status().as_u16(),
            reason,
            message,
        });
        if let Some(key) = claimed {
            shared.contacts.refused(key, now);
        }
    }
    response
}

/// Catches this process's store up with the shared database and publishes what it holds that
/// the database may not (every second, so dashboards and the log follow every process).
async fn follow_database(shared: &Arc<Shared>) {
    let Some(replica) = shared.replica.clone() else {
        return;
    };
    match tokio::task::spawn_blocking(move || {
        replica.publish()?;
        replica.catch_up()
    })
    .await
    {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            warn!(error = %e, "the shared database could not be followed; it will be tried again")
        }
        Err(e) => warn!(error = %e, "the shared database's worker failed"),
    }
}

/// The whole application: sync over TLS for enrolled devices (refused handshakes go to the
/// refusal log, status 0); health, metrics, dashboard and API on loopback.
pub fn app(shared: Arc<Shared>) -> tamga_node::server::Routes {
    let mut endpoint = Endpoint::new(
        Arc::clone(&shared.central.store),
        shared.central.device.clone(),
        shared.central.config.central_units.clone(),
        tamga_sync::auth::DEFAULT_SKEW_SECONDS,
    );
    endpoint = endpoint.keeping_log(Arc::clone(&shared.log));
    if let Some(replica) = &shared.replica {
        endpoint = endpoint.sharing(Arc::clone(replica) as _);
    }
    let sync = router(Arc::new(endpoint)).layer(middleware::from_fn_with_state(
        Arc::clone(&shared),
        track_sync,
    ));
    let log = Arc::clone(&shared);
    let handshake_refused: tamga_node::server::HandshakeRefused =
        Arc::new(move |remote: SocketAddr, message: String| {
            let now = Timestamp::now();
            log.counters.sync_refused.fetch_add(1, Ordering::Relaxed);
            log.refusals.note(RefusalEntry {
                at: now,
                at_for_people: log.central.config.local_time().for_people(now),
                remote: remote.to_string(),
                claimed_key: None,
                status: 0,
                reason: "tls_handshake",
                message,
            });
        });
    let published =
        middleware::from_fn_with_state(Arc::clone(&shared), crate::published::publish_writes);
    tamga_node::server::Routes {
        peers: sync
            .merge(crate::api::seal_feed::peers(Arc::clone(&shared)))
            .layer(published.clone()),
        local: crate::api::open(Arc::clone(&shared))
            .merge(crate::api::local(Arc::clone(&shared)))
            .layer(published),
        handshake_refused: Some(handshake_refused),
        tls_clients: tamga_node::server::TlsClients::DeviceKeys,
    }
}

/// Runs blocking reconciliation work off the async workers, counting failures.
async fn blocking_pass(
    shared: &Arc<Shared>,
    what: &'static str,
    work: fn(&Reconciler, Timestamp) -> Result<crate::reconcile::Pass, tamga_store::StoreError>,
) {
    let worker = Arc::clone(shared);
    let outcome =
        tokio::task::spawn_blocking(move || work(&worker.reconciler, Timestamp::now())).await;
    match outcome {
        Ok(Ok(pass)) if pass.assessed > 0 => {
            info!(
                pass = what,
                assessed = pass.assessed,
                position = pass.position,
                "reconciled"
            )
        }
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            shared
                .counters
                .reconcile_errors
                .fetch_add(1, Ordering::Relaxed);
            warn!(pass = what, error = %e, "reconciliation failed; it will be tried again");
        }
        Err(e) => {
            shared
                .counters
                .reconcile_errors
                .fetch_add(1, Ordering::Relaxed);
            warn!(pass = what, error = %e, "reconciliation worker failed");
        }
    }
}

async fn reconcile_loop(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let every = Duration::from_secs(shared.central.config.reassess_seconds.max(1));
    let mut last_full = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(FOLLOW_EVERY) => {}
            _ = stop.changed() => return,
        }
        follow_database(&shared).await;
        if last_full.elapsed() >= every {
            blocking_pass(&shared, "full", Reconciler::full).await;
            last_full = tokio::time::Instant::now();
        } else {
            blocking_pass(&shared, "feed", Reconciler::step).await;
        }
        if let Some(rows) = shared.rows.clone() {
            let _ = tokio::task::spawn_blocking(move || rows.flush()).await;
        }
        let saver = Arc::clone(&shared);
        let _ = tokio::task::spawn_blocking(move || saver.contacts.save()).await;
        // The log sequences what arrived (seen now) and signs a head if it grew.
        let logger = Arc::clone(&shared);
        match tokio::task::spawn_blocking(move || {
            let now = Timestamp::now();
            if logger.replica.is_some()
                && !crate::log::follow_key(&logger.central, &logger.log, now)
            {
                return Ok(None);
            }
            logger.log.head(&*logger.ledger(), now).map(Some)
        })
        .await
        {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                warn!(error = %e, "the transparency log could not be sequenced; it will be tried again")
            }
            Err(e) => warn!(error = %e, "the transparency log's worker failed"),
        }
    }
}

fn central_staff_listen(shared: &Shared) -> Option<String> {
    shared.central.config.staff_listen.clone()
}

fn write_serve_file(dir: &Path, info: &ServeInfo) -> Result<PathBuf, String> {
    let path = dir.join(SERVE_FILE);
    let bytes = serde_json::to_vec_pretty(info).expect("serializes");
    tamga_node::files::write_atomic_private(&path, &bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// Runs central until Ctrl-C or SIGTERM. `on_listen` receives the bound address.
pub async fn run(central: Central, on_listen: impl FnOnce(SocketAddr)) -> Result<(), String> {
    let listen = central.config.listen.clone();
    let dir = central.dir.clone();
    let joined = match central.config.postgres.clone() {
        Some(url) => {
            let store = Arc::clone(&central.store);
            let root = central.root().clone();
            let zone = central.config.zone().unwrap_or(chrono_tz::Asia::Bishkek);
            let joined = tokio::task::spawn_blocking(move || {
                crate::postgres::join(store, &url, &root, zone)
            })
            .await
            .map_err(|e| e.to_string())??;
            Some(joined)
        }
        None => None,
    };
    let mut shared = Shared::new(central)?;
    if let Some(joined) = joined {
        shared = shared.joined(joined);
    }
    let shared = Arc::new(shared);
    {
        let first = Arc::clone(&shared);
        let pass = tokio::task::spawn_blocking(move || {
            let pass = first.reconciler.full(Timestamp::now());
            if let Some(rows) = &first.rows {
                rows.flush();
            }
            pass
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
        info!(
            consignments = pass.assessed,
            position = pass.position,
            "index built"
        );
    }
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}. Is central already running there? Set `listen` in tamga-central.toml or TAMGA_CENTRAL_LISTEN"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let mut local = bound;
    if local.ip().is_unspecified() {
        local.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    // The staff port: the dashboard over HTTPS on the network, for logged-in staff.
    let staff = match &central_staff_listen(&shared) {
        Some(address) => {
            let (tls, fingerprint) = crate::staff_tls::server_config(&dir, &shared.central.config)?;
            let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| {
                format!("cannot listen for staff on {address}: {e}. Set `staff_listen` in tamga-central.toml or TAMGA_CENTRAL_STAFF_LISTEN (\"off\" to serve no staff port)")
            })?;
            let bound = listener.local_addr().map_err(|e| e.to_string())?;
            info!(address = %bound, certificate_sha256 = %fingerprint, "staff port serving the dashboard over HTTPS; staff compare this fingerprint with their browser's");
            Some((listener, tls, bound, fingerprint))
        }
        None => None,
    };
    let serve_file = write_serve_file(
        &dir,
        &ServeInfo {
            url: format!("http://{local}"),
            token: shared.admin_token.clone(),
            pid: std::process::id(),
            staff_url: staff.as_ref().map(|(_, _, bound, _)| {
                let mut shown = *bound;
                if shown.ip().is_unspecified() {
                    shown.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
                }
                format!("https://{shown}")
            }),
            staff_fingerprint: staff.as_ref().map(|(_, _, _, f)| f.clone()),
        },
    )?;
    info!(address = %bound, "central serving: sync, dashboard, metrics");
    on_listen(bound);
    let (stop_tx, stop_rx) = watch::channel(false);
    let background = tokio::spawn(reconcile_loop(Arc::clone(&shared), stop_rx.clone()));
    let compaction = tokio::spawn(tamga_node::upkeep::compaction_loop(
        Arc::clone(&shared.central.store),
        std::time::Duration::from_secs(shared.central.config.compact_interval_seconds),
        stop_rx.clone(),
    ));
    let staff_stop = stop_rx.clone();
    let mut server_stop = stop_rx;
    let store = Arc::clone(&shared.central.store);
    let tls = tamga_node::tls::server_config(
        &shared.central.device,
        // Nodes' devices, and navigation seal operators' systems sending their feeds.
        tamga_node::tls::any_enrolled(
            &[
                tamga_core::registry::Role::Device,
                tamga_core::registry::Role::SealOperator,
            ],
            move || store.registry(),
        ),
    )?;
    let staff_server = staff.map(|(listener, tls, _, _)| {
        let mut stop = staff_stop.clone();
        tokio::spawn(tamga_node::server::serve(
            listener,
            crate::api::access::staff(Arc::clone(&shared)),
            tls,
            async move {
                let _ = stop.changed().await;
            },
        ))
    });
    // Built off the async workers: on a shared database the replay guard is read from it.
    let routes = {
        let shared = Arc::clone(&shared);
        tokio::task::spawn_blocking(move || app(shared))
            .await
            .map_err(|e| e.to_string())?
    };
    let served = tamga_node::server::serve(listener, routes, tls, async move {
        tokio::select! {
            _ = tamga_node::server::stop_on_signal(stop_tx) => {}
            _ = server_stop.changed() => {}
        }
    })
    .await;
    if let Some(staff) = staff_server {
        match staff.await {
            Ok(Err(e)) => warn!(error = %e, "the staff port stopped with an error"),
            Err(e) => warn!(error = %e, "the staff port's task failed"),
            Ok(Ok(())) => {}
        }
    }
    let _ = background.await;
    let _ = compaction.await;
    shared.contacts.save();
    let _ = std::fs::remove_file(&serve_file);
    served
}
