//! What the node remembers of each peer's last contact (`contacts.json` in the data directory):
//! when a session last completed, how far this node's feed had reached the peer, the last
//! error. The running node keeps it in memory and saves it after every session; what a
//! session is doing now (`syncing`, `progress`) is never taken from the file.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use tamga_node::files::{read_limited_if_exists, write_atomic};

/// Where the node keeps what it knows of its peers' last contact.
pub const CONTACTS_FILE: &str = "contacts.json";
/// The largest contacts file read.
pub const MAX_CONTACTS_BYTES: u64 = 4 * 1024 * 1024;

/// How far a session has come.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Progress {
    /// Documents being exchanged.
    pub documents: usize,
    /// Round trips so far.
    pub round_trips: u32,
}

/// What the node knows of a peer's last contact.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PeerContact {
    /// The peer's URL.
    #[serde(default)]
    pub url: String,
    /// When the last session completed, for people.
    pub last_success: Option<String>,
    /// The same, in seconds since the Unix epoch.
    #[serde(default)]
    pub last_success_unix: Option<i64>,
    /// This node's feed position when the last completed session opened: every change up to it
    /// has reached the peer (within its scope).
    #[serde(default)]
    pub sent_position: u64,
    /// The last error, if the last attempt failed.
    pub last_error: Option<String>,
    /// Failed attempts in a row.
    pub failures: u32,
    /// A session is running now.
    #[serde(default)]
    pub syncing: bool,
    /// How far it has come.
    #[serde(default)]
    pub progress: Option<Progress>,
    /// Documents changed here since the last completed session (filled in when asked).
    #[serde(default)]
    pub pending_changes: usize,
    /// The peer receives everything (it is central).
    #[serde(default)]
    pub central: bool,
}

/// Each peer's last contact, by the peer's name.
pub type Contacts = BTreeMap<String, PeerContact>;

/// The contacts saved in the data directory `dir`, with no session running. A file that is
/// missing, unreadable or damaged is an empty memory: contacts are only a record for people
/// and a starting point for counting pending changes.
pub fn load(dir: &Path) -> Contacts {
    read_limited_if_exists(&dir.join(CONTACTS_FILE), MAX_CONTACTS_BYTES)
        .ok()
        .flatten()
        .and_then(|b| serde_json::from_slice::<Contacts>(&b).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(k, mut c)| {
            c.syncing = false;
            c.progress = None;
            (k, c)
        })
        .collect()
}

/// Saves `contacts` in the data directory `dir`, atomically.
pub fn save(dir: &Path, contacts: &Contacts) -> std::io::Result<()> {
    let bytes = serde_json::to_vec_pretty(contacts).expect("contacts serialize");
    write_atomic(&dir.join(CONTACTS_FILE), &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_saved_and_loaded_without_a_running_session() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(dir.path()).is_empty());
        let mut contacts = Contacts::new();
        contacts.insert(
            "central".into(),
            PeerContact {
                url: "http://10.0.0.5:7300".into(),
                sent_position: 40,
                syncing: true,
                progress: Some(Progress::default()),
                ..PeerContact::default()
            },
        );
        save(dir.path(), &contacts).unwrap();
        let loaded = load(dir.path());
        let central = &loaded["central"];
        assert_eq!(central.sent_position, 40);
        assert!(!central.syncing && central.progress.is_none());
        std::fs::write(dir.path().join(CONTACTS_FILE), b"{damaged").unwrap();
        assert!(load(dir.path()).is_empty());
    }
}
