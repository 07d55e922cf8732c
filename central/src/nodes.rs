//! Which edge nodes have synced with central, when, and which have gone silent.
//!
//! The sync endpoint authenticates each request with the node's enrolled device key; after a
//! request it accepted, central notes the key and the time ([`Contacts::seen`]). The notes are
//! kept in `nodes.json` in the data directory (written atomically, at most every few seconds and
//! at shutdown), so silence is still visible after a restart. They are a log of contact, not a
//! fact with legal weight: nothing else depends on them.
//!
//! [`rows`] is pure: the registry's device enrollments, the contacts and the time in, one row per
//! device out.
//!
//! [`Refusals`] keeps the last refused sync requests in memory (time, remote address, the key the
//! credential claimed, the reason) and counts every refusal by reason since central started: what
//! the dashboard's nodes page lists and `/metrics` counts.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tamga_core::{KeyId, Registry, Role, Timestamp};
use tracing::warn;

/// The file the contacts are kept in.
pub const FILE_NAME: &str = "nodes.json";

/// What central knows of one node's contact.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// The first accepted sync request.
    pub first_sync: Option<Timestamp>,
    /// The last accepted sync request.
    pub last_sync: Option<Timestamp>,
    /// Accepted sync requests (round trips).
    pub requests: u64,
    /// The last refused request that named this key, and why (the key is only claimed).
    pub last_refused: Option<Timestamp>,
}

/// The contacts, shared by the sync endpoint and the dashboard.
pub struct Contacts {
    path: PathBuf,
    map: Mutex<(BTreeMap<KeyId, Contact>, bool)>,
}

impl Contacts {
    /// The contacts kept in `dir`; an unreadable file is reported and started afresh (it is a
    /// log of contact, rebuilt by the next syncs).
    pub fn open(dir: &Path) -> Contacts {
        let path = dir.join(FILE_NAME);
        let map = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                warn!(file = %path.display(), error = %e, "the nodes' last contact could not be read; starting afresh");
                BTreeMap::new()
            }),
            Err(_) => BTreeMap::new(),
        };
        Contacts {
            path,
            map: Mutex::new((map, false)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (BTreeMap<KeyId, Contact>, bool)> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Notes an accepted sync request from `key` at `now`.
    pub fn seen(&self, key: KeyId, now: Timestamp) {
        let mut guard = self.lock();
        let c = guard.0.entry(key).or_default();
        c.first_sync.get_or_insert(now);
        c.last_sync = Some(now);
        c.requests += 1;
        guard.1 = true;
    }

    /// Notes a refused request that named `key`.
    pub fn refused(&self, key: KeyId, now: Timestamp) {
        let mut guard = self.lock();
        // Only keys already known: a refused request may name any key at all.
        if let Some(c) = guard.0.get_mut(&key) {
            c.last_refused = Some(now);
            guard.1 = true;
        }
    }

    /// A copy of the contacts.
    pub fn snapshot(&self) -> BTreeMap<KeyId, Contact> {
        self.lock().0.clone()
    }

    /// Writes the contacts if they changed since the last save.
    pub fn save(&self) {
        let bytes = {
            let mut guard = self.lock();
            if !guard.1 {
                return;
            }
            guard.1 = false;
            serde_json::to_vec_pretty(&guard.0).expect("contacts serialize")
        };
        if let Err(e) = crate::central::write_replacing(&self.path, &bytes) {
            warn!(file = %self.path.display(), error = %e, "could not save the nodes' last contact");
            self.lock().1 = true;
        }
    }
}

/// How many refused sync requests are kept for the dashboard.
pub const REFUSALS_KEPT: usize = 200;

/// One refused sync request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RefusalEntry {
    /// When, by central's clock.
    pub at: Timestamp,
    /// The same, for people.
    pub at_for_people: String,
    /// The client's address.
    pub remote: String,
    /// The device key the credential claimed, if it could be read (not proof of the sender).
    pub claimed_key: Option<KeyId>,
    /// The status sent.
    pub status: u16,
    /// The reason code (see `tamga_node::transport::Refusal`).
    pub reason: &'static str,
    /// What the client was told.
    pub message: String,
}

/// The last refused sync requests and the count of all, by reason.
#[derive(Default)]
pub struct Refusals {
    inner: Mutex<(VecDeque<RefusalEntry>, BTreeMap<&'static str, u64>)>,
}

impl Refusals {
    /// Notes a refusal; the oldest entry goes when [`REFUSALS_KEPT`] are kept.
    pub fn note(&self, entry: RefusalEntry) {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *guard.1.entry(entry.reason).or_default() += 1;
        if guard.0.len() >= REFUSALS_KEPT {
            guard.0.pop_front();
        }
        guard.0.push_back(entry);
    }

    /// The kept entries, newest first.
    pub fn recent(&self) -> Vec<RefusalEntry> {
        let guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        guard.0.iter().rev().cloned().collect()
    }

    /// Refusals since central started, by reason.
    pub fn counts(&self) -> BTreeMap<&'static str, u64> {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clone()
    }
}

/// One node as the dashboard shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeRow {
    /// The device key.
    pub key: KeyId,
    /// The device's name in the registry.
    pub name: String,
    /// Its unit.
    pub unit: String,
    /// `valid`, `revoked`, `expired` or `not_yet_valid`, now.
    pub enrollment: &'static str,
    /// The last accepted sync request.
    pub last_sync: Option<Timestamp>,
    /// The same, for people.
    pub last_sync_for_people: Option<String>,
    /// Seconds since then.
    pub silent_seconds: Option<i64>,
    /// `ok` (synced within the threshold), `silent` (synced, then not within it), `never`.
    pub state: &'static str,
    /// Accepted sync requests.
    pub requests: u64,
    /// The last refused request naming it.
    pub last_refused: Option<Timestamp>,
}

/// One row per enrolled device key but `central`'s own, by unit and name: silent ones are those
/// whose last sync is older than `silent_after` seconds at `now`; times for people in `zone`.
pub fn rows(
    registry: &Registry,
    contacts: &BTreeMap<KeyId, Contact>,
    central: &KeyId,
    now: Timestamp,
    silent_after: i64,
    zone: &tamga_node::local_time::LocalTime,
) -> Vec<NodeRow> {
    let mut out: Vec<NodeRow> = registry
        .keys()
        .filter(|k| *k != central)
        .filter_map(|key| {
            let e = registry
                .enrollments(key)
                .iter()
                .rev()
                .find(|e| e.role == Role::Device)?;
            let enrollment = match registry.revocation(key) {
                Some(r) if r.effective_from <= now => "revoked",
                _ if now < e.valid_from => "not_yet_valid",
                _ if e.valid_until <= now => "expired",
                _ => "valid",
            };
            let contact = contacts.get(key).cloned().unwrap_or_default();
            let silent_seconds = contact.last_sync.map(|t| now.unix() - t.unix());
            let state = match silent_seconds {
                None => "never",
                Some(s) if s > silent_after => "silent",
                Some(_) => "ok",
            };
            Some(NodeRow {
                key: key.clone(),
                name: e.holder.clone(),
                unit: e.unit.to_string(),
                enrollment,
                last_sync: contact.last_sync,
                last_sync_for_people: contact.last_sync.map(|t| zone.for_people(t)),
                silent_seconds,
                state,
                requests: contact.requests,
                last_refused: contact.last_refused,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.unit, &a.name, &a.key).cmp(&(&b.unit, &b.name, &b.key)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::fixtures::{self, Story};

    #[test]
    fn nodes_that_synced_long_ago_are_silent_and_others_never_synced() {
        let story = Story::new();
        let post = tamga_core::signing::key_id(&fixtures::key("post device"));
        let mut acts = story.registry_acts();
        acts.push(story.device_enrollment(&post, fixtures::AIRPORT_POST, "airport post PC"));
        let (registry, _) = Registry::from_acts(story.authority_id(), &acts);
        let root = tempfile::tempdir().unwrap();
        let contacts = Contacts::open(root.path());
        contacts.seen(post.clone(), story.t(0));
        contacts.seen(post.clone(), story.t(10));
        contacts.refused(story.outsider.id.clone(), story.t(11));
        contacts.save();
        let reopened = Contacts::open(root.path()).snapshot();
        assert_eq!(reopened[&post].requests, 2);
        assert_eq!(reopened[&post].first_sync, Some(story.t(0)));
        assert!(
            !reopened.contains_key(&story.outsider.id),
            "refusals of unknown keys are not kept"
        );

        let central = story.vehicle_device.id.clone();
        let soon = rows(
            &registry,
            &reopened,
            &central,
            story.t(20),
            3600,
            &Default::default(),
        );
        assert_eq!(
            soon.len(),
            1,
            "only devices, central's own left out: {soon:?}"
        );
        assert_eq!((soon[0].state, soon[0].silent_seconds), ("ok", Some(600)));
        let later = rows(
            &registry,
            &reopened,
            &central,
            story.t(24 * 60),
            3600,
            &Default::default(),
        );
        assert_eq!(later[0].state, "silent");
        let with_vehicle = rows(
            &registry,
            &reopened,
            &post,
            story.t(20),
            3600,
            &Default::default(),
        );
        assert_eq!(with_vehicle.len(), 1);
        assert_eq!(with_vehicle[0].state, "never");
    }

    #[test]
    fn refusals_keep_the_last_ones_and_count_them_all() {
        let story = Story::new();
        let refusals = Refusals::default();
        for i in 0..(REFUSALS_KEPT + 5) {
            refusals.note(RefusalEntry {
                at: story.t(i as i64),
                at_for_people: story.t(i as i64).for_people(),
                remote: "192.0.2.7:40000".into(),
                claimed_key: None,
                status: 401,
                reason: if i % 2 == 0 { "clock_skew" } else { "replayed" },
                message: format!("refusal {i}"),
            });
        }
        let recent = refusals.recent();
        assert_eq!(recent.len(), REFUSALS_KEPT);
        assert_eq!(recent[0].message, format!("refusal {}", REFUSALS_KEPT + 4));
        let counts = refusals.counts();
        assert_eq!(
            counts["clock_skew"] + counts["replayed"],
            REFUSALS_KEPT as u64 + 5
        );
    }
}
