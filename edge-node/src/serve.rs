//! The running node: the sync endpoint for peers, the local status API, and the background sync
//! loop that visits each configured peer in turn, backing off with jitter when a peer cannot be
//! reached, without ever holding up local work. Stops cleanly on Ctrl-C or SIGTERM.

use crate::contacts::{self, Contacts, Progress};
use crate::jobs::Jobs;
use crate::node::Node;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tamga_core::Timestamp;
use tamga_node::transport::{client, router, sync_with_progress, Endpoint};
use tamga_sync::scope::Scope;
use tokio::sync::watch;
use tracing::{info, warn};

/// The running node's state shared by the endpoints and the background loop.
pub struct Shared {
    /// The node.
    pub node: Node,
    /// Peers' last contact, persisted in [`crate::contacts::CONTACTS_FILE`].
    pub contacts: Mutex<Contacts>,
    /// Long operations.
    pub jobs: Jobs,
    /// One session at a time with each peer; sessions with different peers run side by side,
    /// so a peer that stops answering holds up only its own.
    peer_locks: Mutex<BTreeMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// When the last session with each peer succeeded (for the background loop: a sync made
    /// from the CLI or the UI ends that peer's backoff).
    succeeded: Mutex<BTreeMap<String, tokio::time::Instant>>,
    http: reqwest::Client,
    bound: Mutex<Option<std::net::SocketAddr>>,
}

/// The most documents counted as pending; beyond it the UI shows "at least".
pub const MAX_PENDING_COUNTED: usize = 100_000;

impl Shared {
    /// The running state of `node`, with the contacts it remembers.
    pub fn new(node: Node) -> Self {
        let contacts = contacts::load(&node.dir);
        Shared {
            node,
            contacts: Mutex::new(contacts),
            jobs: Jobs::default(),
            peer_locks: Mutex::new(BTreeMap::new()),
            succeeded: Mutex::new(BTreeMap::new()),
            http: client(Duration::from_secs(120)),
            bound: Mutex::new(None),
        }
    }

    /// The configured peers, read again from the configuration file so that `add-peer` takes
    /// effect on a running node (the ones read at start if the file cannot be read now).
    pub fn peers(&self) -> Vec<crate::config::PeerConfig> {
        crate::config::Config::load(&self.node.dir)
            .map(|c| c.peers)
            .unwrap_or_else(|_| self.node.config.peers.clone())
    }

    fn contacts(&self) -> std::sync::MutexGuard<'_, Contacts> {
        self.contacts.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn save_contacts(&self) {
        if let Err(e) = contacts::save(&self.node.dir, &self.contacts()) {
            warn!(error = %e, "could not save the peers' last contact");
        }
    }

    /// `GET /api/status`: the node, its peers, pending changes, running jobs.
    pub fn status_answer(&self) -> Result<Value, crate::node::NodeError> {
        let status = self.node.status()?;
        let configured = self.peers();
        let mut peers = self.contacts().clone();
        for p in &configured {
            let c = peers.entry(p.name.clone()).or_default();
            c.url = p.url.clone();
            c.central = self
                .node
                .peer(p)
                .map(|peer| peer.scope == Scope::All)
                .unwrap_or(false);
            c.pending_changes = self
                .node
                .store
                .changed_since_limit(c.sent_position, MAX_PENDING_COUNTED)?
                .len();
        }
        peers.retain(|name, _| configured.iter().any(|p| &p.name == name));
        let pending = peers
            .values()
            .filter(|c| c.central)
            .map(|c| c.pending_changes)
            .min()
            .or_else(|| peers.values().map(|c| c.pending_changes).max())
            .unwrap_or(0);
        let mut answer = serde_json::to_value(&status).expect("status serializes");
        let now = Timestamp::now();
        answer["now"] = json!(now);
        answer["now_for_people"] = json!(now.for_people());
        answer["pending_changes"] = json!(pending);
        answer["peers"] = json!(peers);
        answer["jobs"] = json!(self.jobs.running());
        Ok(answer)
    }

    /// Syncs with one configured peer, recording the contact and reporting progress to `job`.
    async fn sync_peer(
        &self,
        peer: &crate::config::PeerConfig,
        job: Option<u64>,
    ) -> Result<tamga_sync::session::Summary, String> {
        let target = self.node.peer(peer).map_err(|e| e.to_string())?;
        let position = self.node.store.last_seq().map_err(|e| e.to_string())?;
        {
            let mut contacts = self.contacts();
            let c = contacts.entry(peer.name.clone()).or_default();
            c.syncing = true;
            c.progress = Some(Progress::default());
        }
        let report = |summary: &tamga_sync::session::Summary| {
            let mut contacts = self.contacts();
            if let Some(c) = contacts.get_mut(&peer.name) {
                c.progress = Some(Progress {
                    documents: summary.documents,
                    round_trips: summary.round_trips,
                });
            }
            if let Some(job) = job {
                self.jobs.progress(job, summary.round_trips.into(), 0);
            }
        };
        let outcome = sync_with_progress(
            &self.http,
            Arc::clone(&self.node.store),
            &self.node.device,
            &target,
            &report,
        )
        .await
        .map_err(|e| e.to_string());
        {
            let mut contacts = self.contacts();
            let c = contacts.entry(peer.name.clone()).or_default();
            c.syncing = false;
            c.progress = None;
            c.url = peer.url.clone();
            match &outcome {
                Ok(summary) => {
                    let now = Timestamp::now();
                    self.succeeded
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(peer.name.clone(), tokio::time::Instant::now());
                    c.failures = 0;
                    c.last_success = Some(now.for_people());
                    c.last_success_unix = Some(now.unix());
                    c.sent_position = c.sent_position.max(position);
                    c.last_error = None;
                    info!(peer = %peer.name, documents = summary.documents, round_trips = summary.round_trips, "synced");
                }
                Err(e) => {
                    c.failures += 1;
                    c.last_error = Some(e.clone());
                    warn!(peer = %peer.name, error = %e, "sync failed; will retry");
                }
            }
        }
        self.save_contacts();
        outcome
    }

    /// Syncs with every configured peer, side by side (one session at a time with each). Returns a
    /// line per peer for people, or the failures.
    pub async fn sync_all(&self, job: Option<u64>) -> Result<String, String> {
        let peers = self.peers();
        self.sync_peers(&peers, job).await
    }

    /// Syncs with the configured peer `name`, or with all of them.
    pub async fn sync_named(&self, name: Option<&str>, job: Option<u64>) -> Result<String, String> {
        let peers: Vec<_> = self
            .peers()
            .into_iter()
            .filter(|p| name.is_none_or(|n| p.name == n))
            .collect();
        if peers.is_empty() {
            return Err("no such peer configured: add one with `tamga-edge add-peer`".into());
        }
        self.sync_peers(&peers, job).await
    }

    /// Syncs with `peer` once no other session with it runs.
    async fn sync_one(
        &self,
        peer: &crate::config::PeerConfig,
        job: Option<u64>,
    ) -> Result<tamga_sync::session::Summary, String> {
        let lock = Arc::clone(
            self.peer_locks
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(peer.name.clone())
                .or_default(),
        );
        let _one_at_a_time = lock.lock().await;
        self.sync_peer(peer, job).await
    }

    /// When the last session with `peer` succeeded, if one did since the node started.
    fn succeeded_at(&self, peer: &str) -> Option<tokio::time::Instant> {
        self.succeeded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(peer)
            .copied()
    }

    async fn sync_peers(
        &self,
        peers: &[crate::config::PeerConfig],
        job: Option<u64>,
    ) -> Result<String, String> {
        let outcomes =
            futures::future::join_all(peers.iter().map(|peer| self.sync_one(peer, job))).await;
        let mut done = Vec::new();
        let mut failed = Vec::new();
        for (peer, outcome) in peers.iter().zip(outcomes) {
            match outcome {
                Ok(s) => done.push(format!(
                    "{}: synced, {} documents, {} round trips",
                    peer.name, s.documents, s.round_trips
                )),
                Err(e) => failed.push(format!("{}: {e}", peer.name)),
            }
        }
        if failed.is_empty() {
            Ok(done.join("\n"))
        } else {
            failed.extend(done);
            Err(format!(
                "{}\nnothing recorded here was lost; the sync will be tried again",
                failed.join("\n")
            ))
        }
    }

    fn failures(&self, peer: &str) -> u32 {
        self.contacts().get(peer).map(|c| c.failures).unwrap_or(0)
    }

    async fn post_to(&self, url: &str, body: Vec<u8>) -> Result<(), String> {
        let answer = self
            .http
            .post(url)
            .timeout(Duration::from_secs(20))
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("{url} cannot be reached ({e})"))?;
        if answer.status().is_success() {
            return Ok(());
        }
        let status = answer.status();
        let text = answer.text().await.unwrap_or_default();
        let message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned))
            .unwrap_or(text);
        Err(format!("{url} refused it ({status}): {message}"))
    }

    /// Sends an offer to a peer over the LAN, asking for the completed act to come back here.
    pub async fn send_offer(&self, peer_url: &str, offer: &[u8]) -> Result<(), String> {
        let base = peer_url.trim_end_matches('/');
        let mut url = reqwest::Url::parse(&format!("{base}/handoff/offers"))
            .map_err(|e| format!("{peer_url}: {e}"))?;
        if let Some(me) = self.public_url() {
            url.query_pairs_mut().append_pair("reply_to", &me);
        }
        self.post_to(url.as_str(), offer.to_vec()).await
    }

    /// Sends a completed handoff back to the releasing node.
    pub async fn send_completion(&self, reply_to: &str, act: &[u8]) -> Result<(), String> {
        let url = format!("{}/handoff/completions", reply_to.trim_end_matches('/'));
        self.post_to(&url, act.to_vec()).await
    }

    fn public_url(&self) -> Option<String> {
        // A node bound to every address cannot tell which one the peer reaches it at: the
        // completed act then comes back by the next sync instead.
        let bound = *self.bound.lock().unwrap_or_else(|p| p.into_inner());
        bound
            .filter(|a| !a.ip().is_unspecified())
            .map(|a| format!("http://{a}"))
    }
}

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

/// Runs the node until Ctrl-C or SIGTERM. `on_listen` receives the bound address.
pub async fn run(node: Node, on_listen: impl FnOnce(std::net::SocketAddr)) -> Result<(), String> {
    let listen = node.config.listen.clone();
    let endpoint = Arc::new(Endpoint::new(
        Arc::clone(&node.store),
        node.device.clone(),
        node.config.central_unit_codes(),
        tamga_sync::auth::DEFAULT_SKEW_SECONDS,
    ));
    let shared = Arc::new(Shared::new(node));
    let app = router(endpoint)
        .merge(crate::api::peers(Arc::clone(&shared)))
        .merge(crate::api::local(Arc::clone(&shared)));
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}. Is another node running there? Set `listen` in the configuration or TAMGA_EDGE_LISTEN"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    *shared.bound.lock().unwrap_or_else(|p| p.into_inner()) = Some(bound);
    on_listen(bound);
    let (stop_tx, stop_rx) = watch::channel(false);
    let background = tokio::spawn(sync_loop(Arc::clone(&shared), stop_rx.clone()));
    let compaction = tokio::spawn(tamga_node::upkeep::compaction_loop(
        Arc::clone(&shared.node.store),
        Duration::from_secs(shared.node.config.compact_interval_seconds),
        stop_rx.clone(),
    ));
    let mut server_stop = stop_rx;
    tamga_node::server::serve(listener, app, async move {
        tokio::select! {
            _ = tamga_node::server::stop_on_signal(stop_tx) => {}
            _ = server_stop.changed() => {}
        }
    })
    .await?;
    background.abort();
    compaction.abort();
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
