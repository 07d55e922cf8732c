//! The running node's shared state: the node, its PIN throttle, what it knows of its peers' last
//! contact, the jobs the officer watches, the GPS's state on a vehicle with `[gps]`. Both the local API and the background sync loop work through it:
//! sessions with peers (one at a time with each, different peers side by side), the status at a
//! glance, and offers and completed handoffs sent over the LAN.

use crate::answers::{ErrorAnswer, StatusAnswer};
use crate::config::{Config, PeerConfig};
use crate::contacts::{self, Contacts, Progress};
use crate::gps::status::GpsState;
use crate::jobs::Jobs;
use crate::node::{Node, NodeError};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tamga_core::{KeyId, Timestamp};
use tamga_node::keystore::Throttle;
use tamga_node::transport::{causes, check_peer_url, read_bounded, sync_with_progress, Connector};
use tamga_sync::scope::Scope;
use tracing::{info, warn};

/// The running node's state shared by the endpoints and the background loop.
pub struct Shared {
    /// The node.
    pub node: Node,
    /// The PIN throttle of this process: every unlock of an officer's key goes through it
    /// (counts in the node's store, waits from this process's start, one attempt at a time per
    /// key).
    pub pins: Throttle,
    /// Peers' last contact, persisted in [`crate::contacts::CONTACTS_FILE`].
    pub contacts: Mutex<Contacts>,
    /// Long operations.
    pub jobs: Jobs,
    /// On a vehicle with `[gps]`: the gpsd client's state, for the status.
    pub gps: Option<Arc<GpsState>>,
    /// One session at a time with each peer; sessions with different peers run side by side,
    /// so a peer that stops answering holds up only its own.
    peer_locks: Mutex<BTreeMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// When the last session with each peer succeeded (for the background loop: a sync made
    /// from the CLI or the UI ends that peer's backoff).
    succeeded: Mutex<BTreeMap<String, tokio::time::Instant>>,
    /// Opens TLS connections to peers, each pinned to the peer's device key.
    connector: Connector,
    /// The token `POST /api/backup` asks for, once `serve` wrote it in the data directory.
    admin_token: std::sync::OnceLock<String>,
    bound: Mutex<Option<SocketAddr>>,
}

/// The most documents counted as pending; beyond it the UI shows "at least".
pub const MAX_PENDING_COUNTED: usize = 100_000;

impl Shared {
    /// The running state of `node`, with the contacts it remembers.
    pub fn new(node: Node) -> Self {
        let contacts = contacts::load(&node.dir);
        Shared {
            pins: Throttle::new(Arc::clone(&node.store) as _),
            contacts: Mutex::new(contacts),
            jobs: Jobs::default(),
            gps: node
                .config
                .gps
                .as_ref()
                .map(|g| Arc::new(GpsState::new(&g.gpsd, Timestamp::now()))),
            peer_locks: Mutex::new(BTreeMap::new()),
            succeeded: Mutex::new(BTreeMap::new()),
            connector: Connector::for_store(
                node.device.clone(),
                Arc::clone(&node.store),
                Duration::from_secs(120),
            ),
            bound: Mutex::new(None),
            admin_token: std::sync::OnceLock::new(),
            node,
        }
    }

    /// Takes up the admin token `serve` wrote in the data directory.
    pub fn set_admin_token(&self, token: String) {
        let _ = self.admin_token.set(token);
    }

    /// Whether `given` is the admin token (compared in constant time; none set: never).
    pub fn admin_token_is(&self, given: &str) -> bool {
        self.admin_token
            .get()
            .is_some_and(|token| tamga_node::local::same_token(given, token))
    }

    /// The configured peers, read again from the configuration file so that `add-peer` takes
    /// effect on a running node (the ones read at start if the file cannot be read now).
    pub fn peers(&self) -> Vec<PeerConfig> {
        Config::load(&self.node.dir)
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

    /// `GET /api/status` at `now`: the node, its peers, pending changes, running jobs, the GPS.
    pub fn status_answer(&self, now: Timestamp) -> Result<StatusAnswer, NodeError> {
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
        Ok(StatusAnswer {
            node: status,
            now,
            now_for_people: self.node.config.local_time().for_people(now),
            time_zone: self.node.config.local_time().at(now),
            pending_changes: pending,
            peers,
            jobs: self.jobs.running(),
            central_log: crate::answers::CentralLog::of(&self.node)?,
            gps: self
                .gps
                .as_ref()
                .map(|g| g.answer(now, &self.node.config.local_time())),
        })
    }

    /// Syncs with one configured peer, recording the contact and reporting progress to `job`.
    async fn sync_peer(
        &self,
        peer: &PeerConfig,
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
            &self.connector,
            Arc::clone(&self.node.store),
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
                    c.last_success = Some(self.node.config.local_time().for_people(now));
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
    pub async fn sync_one(
        &self,
        peer: &PeerConfig,
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
        let summary = self.sync_peer(peer, job).await?;
        if self.node.config.role == crate::config::NodeRole::Vehicle {
            self.forget_delivered().await;
        }
        Ok(summary)
    }

    /// On a vehicle, after a sync: forgets the delivered consignments central holds (see
    /// [`crate::retention`]). A failure is logged; the next sync tries again.
    async fn forget_delivered(&self) {
        let store = Arc::clone(&self.node.store);
        let units = self.node.config.central_units.clone();
        let keep = self
            .node
            .config
            .keep_delivered_days
            .unwrap_or(crate::retention::DEFAULT_KEEP_DELIVERED_DAYS);
        let now = Timestamp::now();
        let outcome = tokio::task::spawn_blocking(move || {
            crate::retention::forget_delivered(&store, &units, keep, now)
        })
        .await;
        match outcome {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                warn!(error = %e, "forgetting delivered consignments failed; retrying after the next sync")
            }
            Err(e) => warn!(error = %e, "the forgetting task ended abnormally"),
        }
    }

    /// When the last session with `peer` succeeded, if one did since the node started.
    pub fn succeeded_at(&self, peer: &str) -> Option<tokio::time::Instant> {
        self.succeeded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(peer)
            .copied()
    }

    async fn sync_peers(&self, peers: &[PeerConfig], job: Option<u64>) -> Result<String, String> {
        let outcomes =
            futures::future::join_all(peers.iter().map(|peer| self.sync_one(peer, job))).await;
        let mut done = Vec::new();
        let mut failed = Vec::new();
        for (peer, outcome) in peers.iter().zip(outcomes) {
            match outcome {
                Ok(s) => done.push(format!(
                    "{}: synced, {} documents, {} round trips{}",
                    peer.name,
                    s.documents,
                    s.round_trips,
                    receipts_text(&s.receipts)
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

    /// Failed sessions in a row with `peer`.
    pub fn failures(&self, peer: &str) -> u32 {
        self.contacts().get(peer).map(|c| c.failures).unwrap_or(0)
    }

    /// POSTs `body` to `url` over TLS, admitting only the device `key` there.
    async fn post_to(&self, url: &str, key: &KeyId, body: Vec<u8>) -> Result<(), String> {
        check_peer_url(url)?;
        let http = self.connector.client(key).map_err(|e| e.to_string())?;
        let answer = http
            .post(url)
            .timeout(Duration::from_secs(20))
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("{url} cannot be reached ({})", causes(&e)))?;
        if answer.status().is_success() {
            return Ok(());
        }
        let status = answer.status();
        let text = read_bounded(answer, tamga_node::transport::MAX_REFUSAL_BYTES)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let message = serde_json::from_str::<ErrorAnswer>(&text)
            .map(|a| a.error)
            .unwrap_or(text);
        Err(format!("{url} refused it ({status}): {message}"))
    }

    /// Sends an offer to a configured peer over the LAN (TLS to the peer's device key), asking
    /// for the completed act to come back here.
    pub async fn send_offer(&self, peer: &PeerConfig, offer: &[u8]) -> Result<(), String> {
        let base = peer.url.trim_end_matches('/');
        let mut url = reqwest::Url::parse(&format!("{base}/handoff/offers"))
            .map_err(|e| format!("{}: {e}", peer.url))?;
        if let Some(me) = self.public_url() {
            url.query_pairs_mut().append_pair("reply_to", &me);
        }
        self.post_to(url.as_str(), &peer.key, offer.to_vec()).await
    }

    /// Sends a completed handoff back to the releasing node, at `reply_to`, over TLS to the
    /// device key that sent the offer.
    pub async fn send_completion(
        &self,
        reply_to: &str,
        key: &KeyId,
        act: &[u8],
    ) -> Result<(), String> {
        let url = format!("{}/handoff/completions", reply_to.trim_end_matches('/'));
        self.post_to(&url, key, act.to_vec()).await
    }

    /// Records the address the node listens on (for peers to send completed handoffs back).
    pub fn set_bound(&self, address: SocketAddr) {
        *self.bound.lock().unwrap_or_else(|p| p.into_inner()) = Some(address);
    }

    fn public_url(&self) -> Option<String> {
        if let Some(url) = &self.node.config.public_url {
            return Some(url.clone());
        }
        // A node bound to every address cannot tell which one the peer reaches it at: the
        // completed act then comes back by the next sync instead (unless `public_url` is set).
        let bound = *self.bound.lock().unwrap_or_else(|p| p.into_inner());
        bound
            .filter(|a| !a.ip().is_unspecified())
            .map(|a| format!("https://{a}"))
    }
}

/// What came of asking central for receipts, for the sync's answer.
fn receipts_text(receipts: &Option<Result<tamga_sync::receipts::Accepted, String>>) -> String {
    match receipts {
        None => String::new(),
        Some(Ok(a)) if a.receipts == 0 && a.not_yet == 0 => {
            format!(
                "; every act here is at headquarters (central's log: {} acts)",
                a.head.size
            )
        }
        Some(Ok(a)) => format!(
            "; central's receipts for {} acts{}",
            a.receipts,
            if a.not_yet > 0 {
                format!(", {} not yet at headquarters", a.not_yet)
            } else {
                String::new()
            }
        ),
        Some(Err(e)) => format!("; central's receipts REFUSED: {e}"),
    }
}
