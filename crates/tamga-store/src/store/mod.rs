//! The store: a node's replicas in sled. [`Store`], its options and its reports are here; its
//! methods are grouped by concept, one module each (the crate documentation says in what order
//! a node uses them):
//!
//! - [`layout`]: the trees on disk, the lock file, the format constants;
//! - [`cache`]: the cache of loaded documents and the cache of decoded acts;
//! - [`open`]: opening, the format check, the upgrade from an older format;
//! - [`durable`]: durability across power loss: the group commit every write ends in;
//! - [`write`](mod@write): the write path (recording, annotating, the one-transaction commit);
//! - [`merge`]: changes and sync messages from peers, and what is sent to them;
//! - [`peers`]: sync checkpoints and peers' sync states;
//! - [`pin`]: the node's own count of wrong PINs per officer key (local, never synced);
//! - [`feed`]: the change feed;
//! - [`query`]: acts, assessments, the registry and the indexes;
//! - [`reader`]: reads for a pass over many consignments on several threads, apart from the
//!   shared caches;
//! - [`list`]: the consignment list a page at a time, its filters and counts;
//! - [`log`](mod@log): central's transparency log (leaves, subtrees, signed heads) and, at a
//!   node, the receipts it holds of it;
//! - [`compact`], [`rewrite`] and [`check`]: upkeep;
//! - [`snapshot`]: backups (a consistent copy of an open store, a store restored from one).

use crate::doc::{DocId, Rejection};
use crate::error::{from_sled, StoreError};
use automerge::sync;
use automerge::{ActorId, AutoCommit};
use lru::LruCache;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard};
use tamga_core::{ActId, KeyId, Registry, SignedAct, Tolerances};

pub mod cache;
pub mod check;
pub mod compact;
pub mod counts;
pub mod durable;
pub mod feed;
pub mod forget;
pub mod layout;
pub mod list;
pub mod log;
pub mod merge;
pub mod open;
pub mod peers;
pub mod pin;
pub mod query;
pub mod reader;
pub mod receipts;
pub mod rewrite;
pub mod snapshot;
pub mod write;

use layout::Trees;
pub use layout::{FORMAT_VERSION, MAGIC};

/// Knobs for a store.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// How many documents to keep loaded in memory (least recently used are evicted).
    pub cached_docs: usize,
    /// sled's page cache, in bytes.
    pub sled_cache_bytes: u64,
    /// How many decoded acts to keep, by their exact bytes, so that re-deriving a document's
    /// record after one more act neither decodes nor verifies the others again.
    pub cached_acts: usize,
    /// The tolerances used for assessments.
    pub tolerances: Tolerances,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            cached_docs: 256,
            sled_cache_bytes: 64 * 1024 * 1024,
            cached_acts: 4096,
            tolerances: Tolerances::default(),
        }
    }
}

/// What recording an act did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The act.
    pub act: ActId,
    /// Its document.
    pub doc: DocId,
    /// The feed number of the change; `None` if the document already held the act (no-op).
    pub seq: Option<u64>,
}

/// What a merge (changes or a sync message from a peer) did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// The feed number of the change; `None` if nothing changed.
    pub seq: Option<u64>,
    /// Acts that arrived and hold.
    pub new_acts: Vec<ActId>,
    /// Entries that arrived and do not hold: kept in the document (a CRDT cannot refuse part of
    /// a change) but out of the derived state and the indexes, and recorded with the reason
    /// (see [`Store::rejected`]).
    pub rejected: Vec<Rejection>,
    /// Act keys a peer's change removed or overwrote, restored from this node's copy.
    pub restored: Vec<String>,
}

/// What compaction did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactionReport {
    /// Documents folded.
    pub docs: usize,
    /// Incremental changes folded into them.
    pub changes: usize,
}

struct Inner {
    cache: LruCache<DocId, AutoCommit>,
    registry: Registry,
    sync_states: LruCache<(String, DocId), sync::State>,
}

/// A node's replicas. See [`layout`] for the layout on disk and [`write`](mod@write) for the
/// write path.
pub struct Store {
    path: PathBuf,
    db: sled::Db,
    t: Trees,
    authority: KeyId,
    actor: ActorId,
    tolerances: Tolerances,
    inner: Mutex<Inner>,
    decoded: Mutex<LruCache<Vec<u8>, SignedAct>>,
    durability: durable::Durability,
    /// How many documents the store holds (the keys of `doc_seq`): counted when the store is
    /// opened, then kept by the writes that add or forget a document, so that a status never
    /// scans the documents.
    documents: AtomicU64,
    /// One sequencing of the log at a time.
    log_lock: Mutex<()>,
    _lock: File,
}

impl Store {
    /// The store's directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The pinned customs authority key.
    pub fn authority(&self) -> &KeyId {
        &self.authority
    }

    /// Returns once every change written to the store before the call is durable, across a
    /// power cut (a group commit: see [`durable`]). Every write method calls it before it
    /// returns; the `_deferred` merges leave it to their caller, who calls it once for many.
    pub fn make_durable(&self) -> Result<(), StoreError> {
        self.durability.wait(&self.db)
    }

    /// How many durability rounds (sled flush + fdatasync) ran since the store was opened.
    pub fn durable_rounds(&self) -> u64 {
        self.durability.rounds()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn sled_err(&self, e: sled::Error) -> StoreError {
        from_sled(&self.path, e)
    }

    fn corrupted(&self, detail: String) -> StoreError {
        StoreError::Corrupted {
            path: self.path.clone(),
            detail,
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // What no write method waited for (peers' sync states): kept if it can be.
        if let Err(e) = self.make_durable() {
            tracing::warn!(path = %self.path.display(), error = %e, "the store's last changes could not be made durable when it closed");
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::Store;
    use std::path::Path;
    use tamga_core::fixtures::Story;

    /// A store in `dir` that holds the story's registry acts.
    pub fn new_store(dir: &Path, story: &Story) -> Store {
        let store = Store::open(dir, &story.authority_id()).unwrap();
        for act in story.registry_acts() {
            store.record(&act).unwrap();
        }
        store
    }
}
