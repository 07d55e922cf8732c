//! The store: sled trees, the write path, merges, sync, the feed, queries, compaction.
//!
//! # Layout on disk
//!
//! `<dir>/tamga.lock` (an advisory lock held while the store is open; it names the holder's
//! pid) and `<dir>/sled/` (the sled database) with these trees:
//!
//! | tree | key | value |
//! |---|---|---|
//! | `meta` | `magic`, `version`, `authority`, `actor`, `last_seq` | format marker, version (u32 BE), pinned authority key, this node's automerge actor, last feed number (u64 BE) |
//! | `docs` | doc key ([`DocId::to_key`]) | the document as last compacted ([`AutoCommit::save`]) |
//! | `changes` | doc key, `0`, seq (u64 BE) | an incremental change ([`AutoCommit::save_after`]) not yet folded into `docs` |
//! | `feed` | seq (u64 BE) | doc key: every local modification, in order, contiguous from 1 |
//! | `latest` | seq (u64 BE) | doc key: only each document's latest seq, so "changed since N" is one range scan whose length is the answer's |
//! | `doc_seq` | doc key | its latest seq |
//! | `derived` | doc key | [`Derived`]: its index keys and the entries that do not hold |
//! | `index` | see [`crate::index`] | empty |
//! | `peers` | `ckpt\0<peer>` / `sync\0<peer>\0<doc key>` | checkpoint (u64 BE) / automerge `sync::State` |
//! | `pending` | key id | empty: registry keys whose consignments still need re-indexing |
//!
//! # The write path
//!
//! Every modification of a document (recording an act, a merge, a sync message, an annotation)
//! runs under the store's lock: the document is changed in memory, the change bytes are taken
//! with `save_after(heads before)`, the assessment is recomputed from the document's acts, and
//! then **one sled transaction** writes the change, the next feed number, the document's latest
//! seq, the derived record and the index diff (and the peer's sync state, for a sync message).
//! The store then flushes sled (fsync) and only then returns: what a call returned is durable,
//! and the document, feed and indexes cannot disagree after a crash. If the write fails the
//! document is dropped from memory, so memory never runs ahead of disk.
//!
//! When the registry gains an enrollment or revocation of a key, the consignments whose acts
//! that key signed are re-assessed (found through the `signer` index). The keys are written to
//! `pending` in the registry's own transaction, so a crash in between is finished on the next
//! open.

use crate::doc::{self, DocId, Entry, Rejection};
use crate::error::{from_io, from_sled, Result, StoreError};
use crate::index::{self, Derived, IndexKind};
use automerge::sync::{self, SyncDoc};
use automerge::{ActorId, AutoCommit, ChangeHash};
use lru::LruCache;
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};
use sled::Tree;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Write as _;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use tamga_core::act::ActBody;
use tamga_core::assessment::Status;
use tamga_core::{
    assess, ActId, Assessment, ConsignmentId, KeyId, Registry, SealNumber, SignedAct, Timestamp,
    Tolerances, UnitCode,
};
use tracing::{debug, info, warn};

/// The format marker in `meta/magic`.
pub const MAGIC: &[u8] = b"tamga-store";
/// The newest format this build writes and reads. Version 2 added the `unit` index; a version
/// 1 store is brought up to it when opened (every consignment re-derived, then the version
/// written), so opening an older store is all an upgrade takes.
pub const FORMAT_VERSION: u32 = 2;

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

struct Trees {
    meta: Tree,
    docs: Tree,
    changes: Tree,
    feed: Tree,
    latest: Tree,
    doc_seq: Tree,
    derived: Tree,
    index: Tree,
    peers: Tree,
    pending: Tree,
}

struct Inner {
    cache: LruCache<DocId, AutoCommit>,
    registry: Registry,
    sync_states: LruCache<(String, DocId), sync::State>,
}

/// A node's replicas. See the module documentation for the layout and the write path.
pub struct Store {
    path: PathBuf,
    db: sled::Db,
    t: Trees,
    authority: KeyId,
    actor: ActorId,
    tolerances: Tolerances,
    inner: Mutex<Inner>,
    decoded: Mutex<LruCache<Vec<u8>, SignedAct>>,
    _lock: File,
}

/// One write: everything that must land together.
#[derive(Default)]
struct Write<'a> {
    change: Option<&'a [u8]>,
    derived: Option<&'a Derived>,
    peers: Vec<(Vec<u8>, Vec<u8>)>,
    pending_add: Vec<Vec<u8>>,
    pending_remove: Vec<Vec<u8>>,
}

fn seq_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

fn read_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

fn change_prefix(doc: &[u8]) -> Vec<u8> {
    let mut k = doc.to_vec();
    k.push(0);
    k
}

fn sync_key(peer: &str, doc: &DocId) -> Vec<u8> {
    let mut k = b"sync\0".to_vec();
    k.extend_from_slice(peer.as_bytes());
    k.push(0);
    k.extend_from_slice(&doc.to_key());
    k
}

fn checkpoint_key(peer: &str) -> Vec<u8> {
    let mut k = b"ckpt\0".to_vec();
    k.extend_from_slice(peer.as_bytes());
    k
}

/// Takes the advisory lock `<dir>/tamga.lock` and writes our pid into it.
fn take_lock(dir: &Path) -> Result<File> {
    use std::os::unix::io::AsRawFd;
    let path = dir.join("tamga.lock");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| from_io(dir, e))?;
    // SAFETY: flock on a file descriptor we own.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
            let pid = std::fs::read_to_string(&path)
                .ok()
                .and_then(|t| t.trim().parse().ok());
            return Err(StoreError::Locked {
                path: dir.to_owned(),
                pid,
            });
        }
        return Err(from_io(dir, e));
    }
    file.set_len(0).map_err(|e| from_io(dir, e))?;
    write!(file, "{}", std::process::id()).map_err(|e| from_io(dir, e))?;
    file.sync_all().map_err(|e| from_io(dir, e))?;
    Ok(file)
}

impl Store {
    /// Opens the store in `dir`, creating it if `dir` does not exist or is empty. `authority`
    /// is the pinned customs authority key; a store remembers the key it was made with and
    /// refuses another.
    ///
    /// Opening reads the format marker, the registry document and nothing else: consignment
    /// documents are loaded when first used and evicted when the cache is full.
    pub fn open(dir: impl AsRef<Path>, authority: &KeyId) -> Result<Store> {
        Store::open_with(dir, authority, StoreOptions::default())
    }

    /// [`Store::open`] with options.
    pub fn open_with(
        dir: impl AsRef<Path>,
        authority: &KeyId,
        options: StoreOptions,
    ) -> Result<Store> {
        let dir = dir.as_ref().to_owned();
        std::fs::create_dir_all(&dir).map_err(|e| from_io(&dir, e))?;
        let names: Vec<String> = std::fs::read_dir(&dir)
            .map_err(|e| from_io(&dir, e))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let foreign: Vec<&String> = names
            .iter()
            .filter(|n| *n != "sled" && *n != "tamga.lock")
            .collect();
        if !foreign.is_empty() {
            return Err(StoreError::NotAStore {
                path: dir.clone(),
                detail: format!(
                    "it holds {} that a tamga store does not have",
                    foreign
                        .iter()
                        .take(3)
                        .map(|n| format!("{n:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        let lock = take_lock(&dir)?;
        let sled_dir = dir.join("sled");
        let config = sled::Config::new()
            .path(&sled_dir)
            .cache_capacity(options.sled_cache_bytes);
        let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| config.open()));
        let db = match opened {
            Ok(Ok(db)) => db,
            Ok(Err(e @ (sled::Error::Unsupported(_) | sled::Error::ReportableBug(_)))) => {
                return Err(StoreError::Corrupted {
                    path: dir.clone(),
                    detail: format!("the database files could not be read: {e}"),
                })
            }
            Ok(Err(e)) => return Err(from_sled(&dir, e)),
            Err(_) => {
                return Err(StoreError::Corrupted {
                    path: dir.clone(),
                    detail: "the database files could not be read".into(),
                })
            }
        };
        let tree = |name: &str| db.open_tree(name).map_err(|e| from_sled(&dir, e));
        let t = Trees {
            meta: tree("meta")?,
            docs: tree("docs")?,
            changes: tree("changes")?,
            feed: tree("feed")?,
            latest: tree("latest")?,
            doc_seq: tree("doc_seq")?,
            derived: tree("derived")?,
            index: tree("index")?,
            peers: tree("peers")?,
            pending: tree("pending")?,
        };
        let sled_err = |e| from_sled(&dir, e);
        let mut opened_version = FORMAT_VERSION;
        let actor = match t.meta.get("magic").map_err(sled_err)? {
            Some(magic) if magic.as_ref() == MAGIC => {
                let version = t
                    .meta
                    .get("version")
                    .map_err(sled_err)?
                    .and_then(|v| v.as_ref().try_into().ok().map(u32::from_be_bytes))
                    .ok_or_else(|| StoreError::Corrupted {
                        path: dir.clone(),
                        detail: "the format version is missing".into(),
                    })?;
                if version > FORMAT_VERSION {
                    return Err(StoreError::NewerFormat {
                        path: dir.clone(),
                        found: version,
                        supported: FORMAT_VERSION,
                    });
                }
                opened_version = version;
                let stored = t
                    .meta
                    .get("authority")
                    .map_err(sled_err)?
                    .and_then(|v| KeyId::new(String::from_utf8_lossy(&v).into_owned()).ok())
                    .ok_or_else(|| StoreError::Corrupted {
                        path: dir.clone(),
                        detail: "the pinned authority key is missing".into(),
                    })?;
                if &stored != authority {
                    return Err(StoreError::AuthorityMismatch {
                        path: dir.clone(),
                        stored,
                        given: authority.clone(),
                    });
                }
                let actor = t.meta.get("actor").map_err(sled_err)?.ok_or_else(|| {
                    StoreError::Corrupted {
                        path: dir.clone(),
                        detail: "the node's actor id is missing".into(),
                    }
                })?;
                ActorId::from(actor.as_ref())
            }
            Some(_) => {
                return Err(StoreError::NotAStore {
                    path: dir.clone(),
                    detail: "its database carries another program's format marker".into(),
                })
            }
            None => {
                let empty = [
                    &t.docs, &t.changes, &t.feed, &t.latest, &t.doc_seq, &t.derived, &t.index,
                    &t.peers, &t.pending,
                ]
                .iter()
                .all(|t| t.is_empty())
                    && t.meta.is_empty()
                    && db.is_empty();
                let others = db
                    .tree_names()
                    .iter()
                    .filter(|n| {
                        let n = n.as_ref();
                        n != b"__sled__default"
                            && ![
                                "meta", "docs", "changes", "feed", "latest", "doc_seq", "derived",
                                "index", "peers", "pending",
                            ]
                            .iter()
                            .any(|k| k.as_bytes() == n)
                    })
                    .count();
                if !empty || others > 0 {
                    return Err(StoreError::NotAStore {
                        path: dir.clone(),
                        detail: "its database has no tamga format marker".into(),
                    });
                }
                let actor = ActorId::random();
                let mut batch = sled::Batch::default();
                batch.insert("version", &FORMAT_VERSION.to_be_bytes());
                batch.insert("authority", authority.as_str().as_bytes());
                batch.insert("actor", actor.to_bytes());
                batch.insert("last_seq", &0u64.to_be_bytes());
                // The marker goes last in the batch; the batch is atomic anyway.
                batch.insert("magic", MAGIC);
                t.meta.apply_batch(batch).map_err(sled_err)?;
                db.flush().map_err(sled_err)?;
                info!(path = %dir.display(), "created a new tamga store");
                actor
            }
        };
        let cap = |n: usize| NonZeroUsize::new(n.max(2)).expect("at least 2");
        let store = Store {
            path: dir.clone(),
            db,
            t,
            authority: authority.clone(),
            actor,
            tolerances: options.tolerances,
            inner: Mutex::new(Inner {
                cache: LruCache::new(cap(options.cached_docs)),
                registry: Registry::new(authority.clone()),
                sync_states: LruCache::new(cap(4096)),
            }),
            decoded: Mutex::new(LruCache::new(cap(options.cached_acts))),
            _lock: lock,
        };
        {
            let mut inner = store.lock();
            let registry = store.build_registry(&mut inner)?;
            inner.registry = registry;
            store.finish_pending(&mut inner)?;
            if opened_version < FORMAT_VERSION {
                store.upgrade(&mut inner, opened_version)?;
            }
        }
        debug!(path = %dir.display(), "opened tamga store");
        Ok(store)
    }

    /// The store's directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The pinned customs authority key.
    pub fn authority(&self) -> &KeyId {
        &self.authority
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

    /// Reads a document from disk: the saved form, then its incremental changes in order.
    fn read_doc(&self, id: &DocId) -> Result<AutoCommit> {
        let key = id.to_key();
        let mut doc = match self.t.docs.get(&key).map_err(|e| self.sled_err(e))? {
            Some(bytes) => AutoCommit::load(&bytes).map_err(|e| {
                self.corrupted(format!("the saved document of {id} does not load: {e}"))
            })?,
            None => AutoCommit::new(),
        };
        for item in self.t.changes.scan_prefix(change_prefix(&key)) {
            let (_, bytes) = item.map_err(|e| self.sled_err(e))?;
            doc.load_incremental(&bytes).map_err(|e| {
                self.corrupted(format!("a stored change of {id} does not load: {e}"))
            })?;
        }
        doc.set_actor(self.actor.clone());
        Ok(doc)
    }

    /// The document, loaded on demand into the cache.
    fn doc<'i>(&self, inner: &'i mut Inner, id: &DocId) -> Result<&'i mut AutoCommit> {
        if !inner.cache.contains(id) {
            let doc = self.read_doc(id)?;
            if let Some((evicted, _)) = inner.cache.push(id.clone(), doc) {
                if &evicted != id {
                    debug!(doc = %evicted, "evicted from the document cache");
                }
            }
        }
        Ok(inner.cache.get_mut(id).expect("just loaded"))
    }

    fn build_registry(&self, inner: &mut Inner) -> Result<Registry> {
        let doc = self.doc(inner, &DocId::Registry)?;
        let entries = doc::entries(doc);
        let (acts, _) = self.sort_entries(
            &DocId::Registry,
            &entries,
            &Registry::new(self.authority.clone()),
        );
        Ok(Registry::from_acts(self.authority.clone(), &acts).0)
    }

    /// Decodes an entry's bytes as an act, through the cache of acts decoded before: an act
    /// found there was decoded from exactly these bytes, and keeps what it learned about its
    /// signatures. Only acts that decode are kept; a refusal is decoded again each time.
    fn decode_cached(
        &self,
        bytes: &[u8],
    ) -> std::result::Result<SignedAct, tamga_core::DecodeError> {
        let mut cache = self.decoded.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(act) = cache.get(bytes) {
            return Ok(act.clone());
        }
        drop(cache);
        let act = SignedAct::decode(bytes)?;
        self.decoded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .put(bytes.to_vec(), act.clone());
        Ok(act)
    }

    /// Keeps an act made or verified on this node in the cache of decoded acts, under its
    /// canonical bytes.
    fn remember_act(&self, act: &SignedAct) {
        self.decoded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .put(act.encode(), act.clone());
    }

    /// [`doc::sort_entries`] through the cache of decoded acts.
    fn sort_entries(
        &self,
        id: &DocId,
        entries: &[Entry],
        registry: &Registry,
    ) -> (Vec<SignedAct>, Vec<doc::Rejection>) {
        doc::sort_entries_with(id, entries, registry, &mut |bytes| {
            self.decode_cached(bytes)
        })
    }

    /// The derived record of a document from its entries.
    fn derive(&self, registry: &Registry, id: &DocId, entries: &[Entry]) -> Derived {
        let (acts, rejected) = self.sort_entries(id, entries, registry);
        match id {
            DocId::Registry => Derived {
                keys: BTreeSet::new(),
                rejected,
            },
            DocId::Consignment(c) => {
                let assessment = assess(
                    c,
                    &acts,
                    registry,
                    Timestamp::from_unix(0).expect("epoch"),
                    &self.tolerances,
                );
                Derived::from_assessment(&assessment, &acts, rejected)
            }
        }
    }

    /// Writes one modification atomically and flushes. Returns the feed number if a change
    /// was written.
    fn write(&self, id: &DocId, w: Write<'_>) -> Result<Option<u64>> {
        let seq = self.write_unflushed(id, w)?;
        self.db.flush().map_err(|e| self.sled_err(e))?;
        Ok(seq)
    }

    /// [`Store::write`] without the flush: durable only once something flushes after it.
    fn write_unflushed(&self, id: &DocId, w: Write<'_>) -> Result<Option<u64>> {
        let doc_key = id.to_key();
        let t = &self.t;
        let result = (
            &t.meta, &t.changes, &t.feed, &t.latest, &t.doc_seq, &t.derived, &t.index, &t.peers,
            &t.pending,
        )
            .transaction(
                |(meta, changes, feed, latest, doc_seq, derived, index, peers, pending)| {
                    let mut seq = None;
                    if let Some(change) = w.change {
                        let last = meta
                            .get("last_seq")?
                            .and_then(|v| read_u64(&v))
                            .unwrap_or(0);
                        let next = last + 1;
                        meta.insert("last_seq", &seq_key(next))?;
                        let mut ck = change_prefix(&doc_key);
                        ck.extend_from_slice(&seq_key(next));
                        changes.insert(ck, change)?;
                        feed.insert(&seq_key(next), doc_key.as_slice())?;
                        if let Some(old) = doc_seq.insert(doc_key.as_slice(), &seq_key(next))? {
                            latest.remove(old)?;
                        }
                        latest.insert(&seq_key(next), doc_key.as_slice())?;
                        seq = Some(next);
                    }
                    if let Some(new) = w.derived {
                        let old = match derived.get(&doc_key)? {
                            Some(bytes) => Derived::decode(&bytes).ok_or_else(|| {
                                ConflictableTransactionError::Abort(
                                    "a derived record does not decode".to_owned(),
                                )
                            })?,
                            None => Derived::default(),
                        };
                        for gone in old.keys.difference(&new.keys) {
                            index.remove(gone.as_slice())?;
                        }
                        for added in new.keys.difference(&old.keys) {
                            index.insert(added.as_slice(), &[])?;
                        }
                        derived.insert(doc_key.as_slice(), new.encode())?;
                    }
                    for (k, v) in &w.peers {
                        peers.insert(k.as_slice(), v.as_slice())?;
                    }
                    for k in &w.pending_add {
                        pending.insert(k.as_slice(), &[])?;
                    }
                    for k in &w.pending_remove {
                        pending.remove(k.as_slice())?;
                    }
                    Ok(seq)
                },
            );
        let seq = match result {
            Ok(seq) => seq,
            Err(TransactionError::Abort(detail)) => return Err(self.corrupted(detail)),
            Err(TransactionError::Storage(e)) => return Err(self.sled_err(e)),
        };
        Ok(seq)
    }

    /// Finishes a modification of document `id` made in memory since `heads`: derives, writes,
    /// flushes. On failure the document is dropped from the cache.
    fn commit_doc(
        &self,
        inner: &mut Inner,
        id: &DocId,
        heads: &[ChangeHash],
        peers: Vec<(Vec<u8>, Vec<u8>)>,
    ) -> Result<(Option<u64>, Vec<Entry>, Derived)> {
        let result = (|| {
            let doc = self.doc(inner, id)?;
            let change = doc.save_after(heads);
            let entries = doc::entries(doc);
            let mut pending_add = Vec::new();
            let registry = if id == &DocId::Registry {
                let (acts, _) =
                    self.sort_entries(id, &entries, &Registry::new(self.authority.clone()));
                let (registry, _) = Registry::from_acts(self.authority.clone(), &acts);
                for key in changed_keys(&inner.registry, &registry, &acts) {
                    pending_add.push(key.as_str().as_bytes().to_vec());
                }
                registry
            } else {
                inner.registry.clone()
            };
            let derived = self.derive(&registry, id, &entries);
            let seq = self.write(
                id,
                Write {
                    change: (!change.is_empty()).then_some(change.as_slice()),
                    derived: Some(&derived),
                    peers,
                    pending_add,
                    pending_remove: Vec::new(),
                },
            )?;
            if id == &DocId::Registry {
                inner.registry = registry;
            }
            Ok((seq, entries, derived))
        })();
        match result {
            Ok(r) => {
                if id == &DocId::Registry {
                    self.finish_pending(inner)?;
                }
                Ok(r)
            }
            Err(e) => {
                inner.cache.pop(id);
                warn!(doc = %id, error = %e, "write failed; the document was dropped from memory");
                Err(e)
            }
        }
    }

    /// Re-assesses the consignments signed by keys in `pending`, then clears them.
    fn finish_pending(&self, inner: &mut Inner) -> Result<()> {
        let keys: Vec<sled::IVec> = self
            .t
            .pending
            .iter()
            .keys()
            .collect::<Result<_, _>>()
            .map_err(|e| self.sled_err(e))?;
        for key in keys {
            let consignments = self.scan_index(&index::prefix(IndexKind::Signer, &key))?;
            for c in consignments {
                let id = DocId::Consignment(c);
                let entries = doc::entries(self.doc(inner, &id)?);
                let derived = self.derive(&inner.registry.clone(), &id, &entries);
                self.write(
                    &id,
                    Write {
                        derived: Some(&derived),
                        ..Write::default()
                    },
                )?;
            }
            self.write(
                &DocId::Registry,
                Write {
                    pending_remove: vec![key.to_vec()],
                    ..Write::default()
                },
            )?;
        }
        Ok(())
    }

    /// Brings a store of format `from` up to [`FORMAT_VERSION`]: re-derives every consignment
    /// (index keys and derived record) with this build's rules, then writes the version. A crash
    /// part way leaves the old version, so the next open starts again; re-deriving is
    /// idempotent.
    fn upgrade(&self, inner: &mut Inner, from: u32) -> Result<()> {
        let docs: Vec<DocId> = self
            .t
            .doc_seq
            .iter()
            .keys()
            .map(|k| {
                let k = k.map_err(|e| self.sled_err(e))?;
                DocId::from_key(&k)
                    .ok_or_else(|| self.corrupted("a document key does not parse".into()))
            })
            .collect::<Result<_>>()?;
        let registry = inner.registry.clone();
        let mut consignments = 0;
        for id in docs.iter().filter(|d| matches!(d, DocId::Consignment(_))) {
            let entries = doc::entries(self.doc(inner, id)?);
            let derived = self.derive(&registry, id, &entries);
            // One flush at the end: until the version is written, a crash means starting over.
            self.write_unflushed(
                id,
                Write {
                    derived: Some(&derived),
                    ..Write::default()
                },
            )?;
            consignments += 1;
        }
        self.db.flush().map_err(|e| self.sled_err(e))?;
        self.t
            .meta
            .insert("version", &FORMAT_VERSION.to_be_bytes())
            .map_err(|e| self.sled_err(e))?;
        self.db.flush().map_err(|e| self.sled_err(e))?;
        info!(
            path = %self.path.display(),
            from,
            to = FORMAT_VERSION,
            consignments,
            "upgraded the store's format"
        );
        Ok(())
    }

    /// Records an act made on this node. The act must hold: a consignment act against the
    /// registry as this store knows it, a registry act under the pinned authority. Returns once
    /// the act is durable. Recording an act the store already holds changes nothing.
    pub fn record(&self, act: &SignedAct) -> Result<Recorded> {
        let id = DocId::of_act(act);
        let mut inner = self.lock();
        let verdict = match &id {
            DocId::Registry => Registry::new(self.authority.clone())
                .apply(act)
                .map_err(|e| e.to_string()),
            DocId::Consignment(_) => inner.registry.verify(act).map_err(|e| e.to_string()),
        };
        if let Err(reason) = verdict {
            return Err(StoreError::InvalidAct {
                act: act.id(),
                reason,
            });
        }
        let doc = self.doc(&mut inner, &id)?;
        if doc::holds(doc, act) {
            return Ok(Recorded {
                act: act.id(),
                doc: id,
                seq: None,
            });
        }
        let heads = doc.get_heads();
        if let Err(e) = doc::put_act(doc, act) {
            inner.cache.pop(&id);
            return Err(self.corrupted(format!("the document of {id} refused a write: {e}")));
        }
        doc.commit();
        self.remember_act(act);
        let (seq, _, _) = self.commit_doc(&mut inner, &id, &heads, Vec::new())?;
        debug!(act = %act.id().short(), doc = %id, ?seq, "recorded act");
        Ok(Recorded {
            act: act.id(),
            doc: id,
            seq,
        })
    }

    /// Sets an unsigned annotation (a note, a tag) on a document. Annotations are ordinary
    /// automerge fields (last writer wins) and never enter the assessment.
    pub fn annotate(&self, id: &DocId, name: &str, value: &str) -> Result<Option<u64>> {
        use automerge::transaction::Transactable;
        let mut inner = self.lock();
        let doc = self.doc(&mut inner, id)?;
        let heads = doc.get_heads();
        let key = format!("{}{name}", doc::ANNOTATION_PREFIX);
        if let Err(e) = doc.put(automerge::ROOT, key, value) {
            inner.cache.pop(id);
            return Err(self.corrupted(format!("the document of {id} refused a write: {e}")));
        }
        doc.commit();
        Ok(self.commit_doc(&mut inner, id, &heads, Vec::new())?.0)
    }

    /// The annotations on a document.
    pub fn annotations(&self, id: &DocId) -> Result<Vec<(String, String)>> {
        let mut inner = self.lock();
        Ok(doc::annotations(self.doc(&mut inner, id)?))
    }

    /// Applies changes from a peer to document `id`: bytes from [`Store::changes_since`],
    /// [`Store::save_doc`] or automerge's `save`/`save_incremental`/`save_after`. Every entry
    /// the changes bring is checked like a recorded act; those that do not hold are reported
    /// and kept out of the derived state. Returns once the merge is durable.
    pub fn apply_changes(&self, id: &DocId, bytes: &[u8]) -> Result<MergeReport> {
        // automerge skips chunks it cannot parse; input from a peer must parse whole.
        check_chunks(bytes).map_err(|detail| StoreError::BadInput {
            what: "changes from a peer",
            detail,
        })?;
        let mut inner = self.lock();
        let doc = self.doc(&mut inner, id)?;
        let before = doc::entries(doc);
        let heads = doc.get_heads();
        if let Err(e) = doc.load_incremental(bytes) {
            inner.cache.pop(id);
            return Err(StoreError::BadInput {
                what: "changes from a peer",
                detail: e.to_string(),
            });
        }
        self.finish_merge(&mut inner, id, &heads, before, Vec::new())
    }

    /// Checks, without changing any document, that [`Store::apply_changes`] would take `bytes`
    /// into document `id`: they parse whole as automerge changes or documents, and a copy of the
    /// document takes them. For a caller that must refuse a batch of several documents (a
    /// bundle) before merging any of it. Costs a copy of the document.
    pub fn check_merge(&self, id: &DocId, bytes: &[u8]) -> Result<()> {
        check_chunks(bytes).map_err(|detail| StoreError::BadInput {
            what: "changes from a peer",
            detail,
        })?;
        let mut inner = self.lock();
        let mut copy = self.doc(&mut inner, id)?.clone();
        drop(inner);
        copy.load_incremental(bytes)
            .map(|_| ())
            .map_err(|e| StoreError::BadInput {
                what: "changes from a peer",
                detail: e.to_string(),
            })
    }

    fn finish_merge(
        &self,
        inner: &mut Inner,
        id: &DocId,
        heads: &[ChangeHash],
        before: Vec<Entry>,
        peers: Vec<(Vec<u8>, Vec<u8>)>,
    ) -> Result<MergeReport> {
        let doc = self.doc(inner, id)?;
        let after: BTreeSet<(String, Vec<u8>)> = doc::entries(doc)
            .into_iter()
            .map(|e| (e.key, e.bytes))
            .collect();
        let before_set: BTreeSet<(String, Vec<u8>)> = before
            .iter()
            .map(|e| (e.key.clone(), e.bytes.clone()))
            .collect();
        // Grow-only: a value this node held that a peer's change removed comes back.
        let mut restored = Vec::new();
        for (key, bytes) in before_set.difference(&after) {
            if let Err(e) = doc::put_entry(doc, key, bytes) {
                inner.cache.pop(id);
                return Err(self.corrupted(format!("the document of {id} refused a write: {e}")));
            }
            warn!(doc = %id, key, "a peer's change removed an act; restored");
            restored.push(key.clone());
        }
        if !restored.is_empty() {
            doc.commit();
        }
        if doc.get_heads() == heads {
            // Nothing new in the document: only the peer's sync state, if any, is stored.
            if !peers.is_empty() {
                self.write(
                    id,
                    Write {
                        peers,
                        ..Write::default()
                    },
                )?;
            }
            return Ok(MergeReport::default());
        }
        let new_keys: BTreeSet<&String> = after.difference(&before_set).map(|(k, _)| k).collect();
        let (seq, entries, derived) = self.commit_doc(inner, id, heads, peers)?;
        let rejected: Vec<Rejection> = derived
            .rejected
            .iter()
            .filter(|r| new_keys.contains(&r.key))
            .cloned()
            .collect();
        let rejected_keys: BTreeSet<&String> = rejected.iter().map(|r| &r.key).collect();
        let new_acts = entries
            .iter()
            .filter(|e| new_keys.contains(&e.key) && !rejected_keys.contains(&e.key))
            // Decoded a moment ago by `commit_doc`'s derivation: from the cache.
            .filter_map(|e| self.decode_cached(&e.bytes).ok().map(|a| a.id()))
            .collect();
        for r in &rejected {
            warn!(doc = %id, key = %r.key, reason = %r.reason, "an entry from a peer does not hold");
        }
        Ok(MergeReport {
            seq,
            new_acts,
            rejected,
            restored,
        })
    }

    fn sync_state(&self, inner: &mut Inner, peer: &str, id: &DocId) -> Result<sync::State> {
        let key = (peer.to_owned(), id.clone());
        if let Some(state) = inner.sync_states.get(&key) {
            return Ok(state.clone());
        }
        Ok(
            match self
                .t
                .peers
                .get(sync_key(peer, id))
                .map_err(|e| self.sled_err(e))?
            {
                Some(bytes) => sync::State::decode(&bytes).unwrap_or_else(|e| {
                    warn!(peer, doc = %id, error = %e, "stored sync state unreadable; starting afresh");
                    sync::State::new()
                }),
                None => sync::State::new(),
            },
        )
    }

    /// The next automerge sync message for `peer` about document `id`, or `None` if there is
    /// nothing to send. The peer's sync state is kept (in memory in full, on disk its shared
    /// heads, which is what automerge persists).
    pub fn generate_sync_message(&self, id: &DocId, peer: &str) -> Result<Option<Vec<u8>>> {
        let mut inner = self.lock();
        let mut state = self.sync_state(&mut inner, peer, id)?;
        let doc = self.doc(&mut inner, id)?;
        let message = doc.sync().generate_sync_message(&mut state);
        self.t
            .peers
            .insert(sync_key(peer, id), state.encode())
            .map_err(|e| self.sled_err(e))?;
        inner.sync_states.put((peer.to_owned(), id.clone()), state);
        Ok(message.map(|m| m.encode()))
    }

    /// Receives an automerge sync message from `peer` about document `id`: applies what it
    /// carries like [`Store::apply_changes`] and stores the peer's sync state in the same write.
    pub fn receive_sync_message(
        &self,
        id: &DocId,
        peer: &str,
        message: &[u8],
    ) -> Result<MergeReport> {
        let message = sync::Message::decode(message).map_err(|e| StoreError::BadInput {
            what: "a sync message",
            detail: e.to_string(),
        })?;
        let mut inner = self.lock();
        let mut state = self.sync_state(&mut inner, peer, id)?;
        let doc = self.doc(&mut inner, id)?;
        let before = doc::entries(doc);
        let heads = doc.get_heads();
        let received = doc.sync().receive_sync_message(&mut state, message);
        if let Err(e) = received {
            inner.cache.pop(id);
            return Err(StoreError::BadInput {
                what: "a sync message",
                detail: e.to_string(),
            });
        }
        let peers = vec![(sync_key(peer, id), state.encode())];
        let report = self.finish_merge(&mut inner, id, &heads, before, peers)?;
        inner.sync_states.put((peer.to_owned(), id.clone()), state);
        Ok(report)
    }

    /// Forgets the in-memory sync state for `peer` (call when a connection drops, as automerge
    /// asks); the stored shared heads remain.
    pub fn reset_sync(&self, peer: &str) {
        let mut inner = self.lock();
        let keys: Vec<(String, DocId)> = inner
            .sync_states
            .iter()
            .filter(|((p, _), _)| p == peer)
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            inner.sync_states.pop(&k);
        }
    }

    /// The sync checkpoint stored for `peer` (the sync engine's position in the peer's feed).
    pub fn checkpoint(&self, peer: &str) -> Result<Option<u64>> {
        Ok(self
            .t
            .peers
            .get(checkpoint_key(peer))
            .map_err(|e| self.sled_err(e))?
            .and_then(|v| read_u64(&v)))
    }

    /// Stores the sync checkpoint for `peer`, durably.
    pub fn set_checkpoint(&self, peer: &str, position: u64) -> Result<()> {
        self.t
            .peers
            .insert(checkpoint_key(peer), &seq_key(position))
            .map_err(|e| self.sled_err(e))?;
        self.db.flush().map_err(|e| self.sled_err(e))?;
        Ok(())
    }

    /// The last feed number (0 for an empty store).
    pub fn last_seq(&self) -> Result<u64> {
        Ok(self
            .t
            .meta
            .get("last_seq")
            .map_err(|e| self.sled_err(e))?
            .and_then(|v| read_u64(&v))
            .unwrap_or(0))
    }

    /// The documents changed after feed number `since`, each once with its latest feed number,
    /// in feed order. Costs one range scan as long as the answer.
    pub fn changed_since(&self, since: u64) -> Result<Vec<(u64, DocId)>> {
        self.changed_since_limit(since, usize::MAX)
    }

    /// [`Store::changed_since`], at most `limit` documents (for batches).
    pub fn changed_since_limit(&self, since: u64, limit: usize) -> Result<Vec<(u64, DocId)>> {
        let mut out = Vec::new();
        for item in self
            .t
            .latest
            .range(seq_key(since.saturating_add(1))..)
            .take(limit)
        {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            let seq =
                read_u64(&k).ok_or_else(|| self.corrupted("a feed key is not 8 bytes".into()))?;
            let id = DocId::from_key(&v)
                .ok_or_else(|| self.corrupted("a feed entry names no document".into()))?;
            out.push((seq, id));
        }
        Ok(out)
    }

    /// The whole document, saved (for a bundle or a peer that has nothing).
    pub fn save_doc(&self, id: &DocId) -> Result<Vec<u8>> {
        let mut inner = self.lock();
        Ok(self.doc(&mut inner, id)?.save())
    }

    /// The document's heads.
    pub fn heads(&self, id: &DocId) -> Result<Vec<ChangeHash>> {
        let mut inner = self.lock();
        Ok(self.doc(&mut inner, id)?.get_heads())
    }

    /// The changes of document `id` that are not ancestors of `heads`.
    pub fn changes_since(&self, id: &DocId, heads: &[ChangeHash]) -> Result<Vec<u8>> {
        let mut inner = self.lock();
        Ok(self.doc(&mut inner, id)?.save_after(heads))
    }

    /// The acts of a document that decode under their own id and belong to it (held or not:
    /// the assessment tells which hold).
    pub fn acts(&self, id: &DocId) -> Result<Vec<SignedAct>> {
        let mut inner = self.lock();
        let registry = inner.registry.clone();
        let entries = doc::entries(self.doc(&mut inner, id)?);
        Ok(self.sort_entries(id, &entries, &registry).0)
    }

    /// Whether the store holds act `act` in document `id`.
    pub fn has_act(&self, id: &DocId, act: &ActId) -> Result<bool> {
        let mut inner = self.lock();
        let doc = self.doc(&mut inner, id)?;
        Ok(
            automerge::ReadDoc::get(doc, automerge::ROOT, doc::act_key(act).as_str())
                .ok()
                .flatten()
                .is_some(),
        )
    }

    /// The registry as this store knows it.
    pub fn registry(&self) -> Registry {
        self.lock().registry.clone()
    }

    /// The consignment's assessment as of `as_of` (the caller passes the time: a shell passes
    /// `Timestamp::now()`).
    pub fn assessment(&self, consignment: &ConsignmentId, as_of: Timestamp) -> Result<Assessment> {
        Ok(self.assessment_and_acts(consignment, as_of)?.0)
    }

    /// [`Store::assessment`] together with the acts it was made from ([`Store::acts`]), read
    /// once, for a caller that needs both.
    pub fn assessment_and_acts(
        &self,
        consignment: &ConsignmentId,
        as_of: Timestamp,
    ) -> Result<(Assessment, Vec<SignedAct>)> {
        let acts = self.acts(&DocId::Consignment(consignment.clone()))?;
        let registry = self.registry();
        let assessment = assess(consignment, &acts, &registry, as_of, &self.tolerances);
        Ok((assessment, acts))
    }

    /// The entries of a document that do not hold, with the reason (from the derived record,
    /// no document load).
    pub fn rejected(&self, id: &DocId) -> Result<Vec<Rejection>> {
        Ok(self
            .t
            .derived
            .get(id.to_key())
            .map_err(|e| self.sled_err(e))?
            .and_then(|b| Derived::decode(&b))
            .map(|d| d.rejected)
            .unwrap_or_default())
    }

    fn scan_index(&self, prefix: &[u8]) -> Result<Vec<ConsignmentId>> {
        let mut out = Vec::new();
        for item in self.t.index.scan_prefix(prefix).keys() {
            let k = item.map_err(|e| self.sled_err(e))?;
            out.push(
                index::consignment_of(&k)
                    .ok_or_else(|| self.corrupted("an index entry names no consignment".into()))?,
            );
        }
        Ok(out)
    }

    /// Consignments with status `status` (from the index).
    pub fn by_status(&self, status: Status) -> Result<Vec<ConsignmentId>> {
        self.scan_index(&index::prefix(
            IndexKind::Status,
            status.as_str().as_bytes(),
        ))
    }

    /// Consignments whose planned route passes `post` (from the index).
    pub fn by_post(&self, post: &UnitCode) -> Result<Vec<ConsignmentId>> {
        self.scan_index(&index::prefix(IndexKind::Post, post.as_str().as_bytes()))
    }

    /// The units consignment `consignment` concerns (from its derived record, no document load):
    /// what sync scope is decided by. Empty for a consignment the store does not hold.
    pub fn units_concerned(&self, consignment: &ConsignmentId) -> Result<BTreeSet<UnitCode>> {
        let key = DocId::Consignment(consignment.clone()).to_key();
        match self.t.derived.get(key).map_err(|e| self.sled_err(e))? {
            None => Ok(BTreeSet::new()),
            Some(bytes) => Derived::decode(&bytes)
                .map(|d| d.units_concerned())
                .ok_or_else(|| self.corrupted("a derived record does not decode".into())),
        }
    }

    /// Consignments that concern unit `unit` (from the index).
    pub fn by_unit(&self, unit: &UnitCode) -> Result<Vec<ConsignmentId>> {
        self.scan_index(&index::prefix(IndexKind::Unit, unit.as_str().as_bytes()))
    }

    /// Consignments that carry or carried seal `seal` (from the index).
    pub fn by_seal(&self, seal: &SealNumber) -> Result<Vec<ConsignmentId>> {
        self.scan_index(&index::prefix(IndexKind::Seal, seal.as_str().as_bytes()))
    }

    /// Consignments whose delivery deadline is before `before`, earliest first, with the
    /// deadline (from the index). With [`Store::by_status`] this gives the overdue list.
    pub fn due_before(&self, before: Timestamp) -> Result<Vec<(Timestamp, ConsignmentId)>> {
        let start = b"deadline/".to_vec();
        let end = index::prefix(IndexKind::Deadline, &index::time_key(before));
        let mut out = Vec::new();
        for item in self.t.index.range(start..end).keys() {
            let k = item.map_err(|e| self.sled_err(e))?;
            let bad = || self.corrupted("a deadline index entry is malformed".into());
            let raw: [u8; 8] = k
                .get(9..17)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(bad)?;
            let unix = (u64::from_be_bytes(raw) as i128 - (1i128 << 63)) as i64;
            let at = Timestamp::from_unix(unix).ok_or_else(bad)?;
            out.push((at, index::consignment_of(&k).ok_or_else(bad)?));
        }
        Ok(out)
    }

    /// How many documents the store holds (from the feed, no document load).
    pub fn doc_count(&self) -> usize {
        self.t.doc_seq.len()
    }

    /// How many documents are loaded in memory.
    pub fn cached_docs(&self) -> usize {
        self.lock().cache.len()
    }

    /// How many incremental changes are stored and not yet folded into a saved document by
    /// [`Store::compact`].
    pub fn uncompacted_changes(&self) -> usize {
        self.t.changes.len()
    }

    /// Folds incremental changes into saved documents, for every document with at least
    /// `min_changes` of them. One document at a time under the lock, so readers and writers
    /// wait for at most one document's save. The saved form and the removal of the folded
    /// changes are one transaction: a crash leaves either the old or the new form, both with
    /// every acknowledged act.
    pub fn compact(&self, min_changes: usize) -> Result<CompactionReport> {
        let mut counts: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
        for item in self.t.changes.iter().keys() {
            let k = item.map_err(|e| self.sled_err(e))?;
            if k.len() < 9 {
                return Err(self.corrupted("a change key is malformed".into()));
            }
            *counts.entry(k[..k.len() - 9].to_vec()).or_default() += 1;
        }
        let mut report = CompactionReport::default();
        for (doc_key, count) in counts {
            if count < min_changes.max(1) {
                continue;
            }
            let Some(id) = DocId::from_key(&doc_key) else {
                return Err(self.corrupted("a change names no document".into()));
            };
            let mut inner = self.lock();
            let saved = self.doc(&mut inner, &id)?.save();
            let folded: Vec<sled::IVec> = self
                .t
                .changes
                .scan_prefix(change_prefix(&doc_key))
                .keys()
                .collect::<Result<_, _>>()
                .map_err(|e| self.sled_err(e))?;
            let result = (&self.t.docs, &self.t.changes).transaction(|(docs, changes)| {
                docs.insert(doc_key.as_slice(), saved.as_slice())?;
                for k in &folded {
                    changes.remove(k)?;
                }
                Ok::<_, ConflictableTransactionError<()>>(())
            });
            match result {
                Ok(()) => {}
                Err(TransactionError::Abort(())) => unreachable!("never aborts"),
                Err(TransactionError::Storage(e)) => return Err(self.sled_err(e)),
            }
            self.db.flush().map_err(|e| self.sled_err(e))?;
            report.docs += 1;
            report.changes += folded.len();
            drop(inner);
        }
        if report.docs > 0 {
            info!(docs = report.docs, changes = report.changes, "compacted");
        }
        Ok(report)
    }

    /// Checks that the store is consistent: the feed is contiguous from 1 to the last number,
    /// `latest` and `doc_seq` agree with it, every document loads, and the indexes and derived
    /// records are exactly what the documents' assessments give. Returns the problems found
    /// (empty if none). Reads every document: for tests and `fsck`-style tools.
    pub fn check(&self) -> Result<Vec<String>> {
        // Decode everything afresh: the check must not lean on what was decoded before.
        self.decoded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        let mut problems = Vec::new();
        let last = self.last_seq()?;
        let mut expected = 1u64;
        let mut latest_of: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
        for item in self.t.feed.iter() {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            let seq = read_u64(&k).unwrap_or(0);
            if seq != expected {
                problems.push(format!("feed jumps from {} to {seq}", expected - 1));
            }
            expected = seq + 1;
            latest_of.insert(v.to_vec(), seq);
        }
        if expected - 1 != last {
            problems.push(format!(
                "feed ends at {} but last_seq is {last}",
                expected - 1
            ));
        }
        let doc_seq: BTreeMap<Vec<u8>, u64> = self
            .t
            .doc_seq
            .iter()
            .map(|r| r.map(|(k, v)| (k.to_vec(), read_u64(&v).unwrap_or(0))))
            .collect::<Result<_, _>>()
            .map_err(|e| self.sled_err(e))?;
        if doc_seq != latest_of {
            problems.push("doc_seq does not match the feed".into());
        }
        let latest: BTreeMap<Vec<u8>, u64> = self
            .t
            .latest
            .iter()
            .map(|r| r.map(|(k, v)| (v.to_vec(), read_u64(&k).unwrap_or(0))))
            .collect::<Result<_, _>>()
            .map_err(|e| self.sled_err(e))?;
        if latest != doc_seq {
            problems.push("latest does not match doc_seq".into());
        }
        let registry = self.registry();
        let mut all_keys = BTreeSet::new();
        for doc_key in doc_seq.keys() {
            let Some(id) = DocId::from_key(doc_key) else {
                problems.push(format!("feed names unknown document {doc_key:?}"));
                continue;
            };
            let doc = match self.read_doc(&id) {
                Ok(d) => d,
                Err(e) => {
                    problems.push(format!("{id}: {e}"));
                    continue;
                }
            };
            let derived = self.derive(&registry, &id, &doc::entries(&doc));
            let stored = self
                .t
                .derived
                .get(doc_key)
                .map_err(|e| self.sled_err(e))?
                .and_then(|b| Derived::decode(&b));
            if stored.as_ref() != Some(&derived) {
                problems.push(format!("{id}: derived record does not match its document"));
            }
            all_keys.extend(derived.keys);
        }
        let index: BTreeSet<Vec<u8>> = self
            .t
            .index
            .iter()
            .keys()
            .map(|k| k.map(|k| k.to_vec()))
            .collect::<Result<_, _>>()
            .map_err(|e| self.sled_err(e))?;
        if index != all_keys {
            problems.push(format!(
                "index has {} entries, the documents give {} ({} missing, {} extra)",
                index.len(),
                all_keys.len(),
                all_keys.difference(&index).count(),
                index.difference(&all_keys).count()
            ));
        }
        Ok(problems)
    }
}

/// Checks that `bytes` is a sequence of whole automerge chunks (documents or changes) that each
/// parse, since `load_incremental` silently skips what it cannot read.
fn check_chunks(mut bytes: &[u8]) -> std::result::Result<(), String> {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    let mut index = 0;
    while !bytes.is_empty() {
        if bytes.len() < 9 || bytes[..4] != MAGIC {
            return Err(format!("chunk {index} is not an automerge chunk"));
        }
        let kind = bytes[8];
        let (mut len, mut shift, mut at) = (0u64, 0u32, 9usize);
        loop {
            let b = *bytes.get(at).ok_or(format!("chunk {index} is cut short"))?;
            if shift > 56 {
                return Err(format!("chunk {index} has a bad length"));
            }
            len |= u64::from(b & 0x7f) << shift;
            shift += 7;
            at += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| at.checked_add(l))
            .filter(|end| *end <= bytes.len())
            .ok_or(format!("chunk {index} is cut short"))?;
        let chunk = &bytes[..end];
        match kind {
            0 => automerge::Automerge::load_with_options(
                chunk,
                automerge::LoadOptions::new()
                    .on_partial_load(automerge::OnPartialLoad::Error)
                    .verification_mode(automerge::VerificationMode::Check),
            )
            .map(|_| ())
            .map_err(|e| format!("document chunk {index} does not load: {e}"))?,
            1 | 2 => automerge::Change::try_from(chunk)
                .map(|_| ())
                .map_err(|e| format!("change chunk {index} does not load: {e}"))?,
            other => return Err(format!("chunk {index} has unknown type {other}")),
        }
        bytes = &bytes[end..];
        index += 1;
    }
    Ok(())
}

/// Keys whose enrollments or revocations differ between two registries.
fn changed_keys(old: &Registry, new: &Registry, acts: &[SignedAct]) -> Vec<KeyId> {
    let mut keys = BTreeSet::new();
    for act in acts {
        let key = match act.body() {
            ActBody::KeyEnrolled(a) => &a.key,
            ActBody::KeyRevoked(a) => &a.key,
            _ => continue,
        };
        if old.enrollments(key) != new.enrollments(key)
            || old.revocation(key) != new.revocation(key)
        {
            keys.insert(key.clone());
        }
    }
    keys.into_iter().collect()
}

/// Test and benchmark helpers: distinct valid consignments from the reference story.
pub mod testing {
    use tamga_core::act::{ActBody, Place, SealApplied, SealKind, SealObservation, SealState};
    use tamga_core::fixtures::{self, Story};
    use tamga_core::{ConsignmentId, SealNumber, SignedAct};

    /// The consignment id of the `n`th generated consignment.
    pub fn consignment(n: u64) -> ConsignmentId {
        ConsignmentId::new(format!("10609050/231126/{n:07}")).expect("valid id")
    }

    /// The seal number of the `n`th generated consignment.
    pub fn seal(n: u64) -> SealNumber {
        SealNumber::new(format!("KG-{n:07}")).expect("valid seal")
    }

    /// The registration of the `n`th generated consignment, signed by the story's airport
    /// officer.
    pub fn registration(story: &Story, n: u64) -> SignedAct {
        let mut body = story.registration_body();
        body.consignment = consignment(n);
        body.at = story.t((n % 1000) as i64);
        body.delivery_deadline = story.t((n % 1000) as i64 + 8 * 60);
        story.sign(
            ActBody::ConsignmentRegistered(body),
            &[&story.airport_officer],
        )
    }

    /// A seal applied to the `n`th generated consignment.
    pub fn seal_applied(story: &Story, n: u64) -> SignedAct {
        story.sign(
            ActBody::SealApplied(SealApplied {
                consignment: consignment(n),
                at: story.t((n % 1000) as i64 + 10),
                officer: story.airport_officer.id.clone(),
                place: Place::Post {
                    unit: fixtures::unit(fixtures::AIRPORT_POST),
                },
                seal: seal(n),
                seal_kind: SealKind::Mechanical,
                fixed_on: fixtures::text("safe-bag, one place"),
            }),
            &[&story.airport_officer],
        )
    }

    /// The `k`th act of a post's stream as it records them: consignment `k / 4`; step `k % 4`
    /// is registration, seal applied, escort assigned, handoff to the escort.
    pub fn post_stream_act(story: &Story, k: u64) -> SignedAct {
        let n = k / 4;
        match k % 4 {
            0 => registration(story, n),
            1 => seal_applied(story, n),
            2 => {
                let ActBody::EscortAssigned(mut body) = story.escort_assigned().body().clone()
                else {
                    unreachable!("the story's escort assignment")
                };
                body.consignment = consignment(n);
                story.sign(ActBody::EscortAssigned(body), &[&story.airport_officer])
            }
            _ => {
                let mut body = story.transfer_body(
                    30,
                    fixtures::AIRPORT_POST,
                    None,
                    &story.airport_officer,
                    &story.escort_lead,
                );
                body.consignment = consignment(n);
                body.seals = vec![SealObservation {
                    seal: seal(n),
                    state: SealState::Intact,
                }];
                story.transfer(body, &story.airport_officer, &story.escort_lead)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use tamga_core::fixtures::{self, Story};

    fn new_store(dir: &Path, story: &Story) -> Store {
        let store = Store::open(dir, &story.authority_id()).unwrap();
        for act in story.registry_acts() {
            store.record(&act).unwrap();
        }
        store
    }

    #[test]
    fn records_acts_once_feeds_indexes_and_survives_reopen() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let store = new_store(dir.path(), &story);
        let reg_seq = store.last_seq().unwrap();
        let r = store.record(&story.registration()).unwrap();
        assert_eq!(r.seq, Some(reg_seq + 1));
        assert_eq!(store.record(&story.registration()).unwrap().seq, None);
        store.record(&story.seal_applied()).unwrap();
        store.record(&story.escort_assigned()).unwrap();
        let c = story.consignment.clone();
        assert_eq!(store.by_status(Status::InTransit).unwrap(), vec![c.clone()]);
        assert!(store.by_status(Status::Registered).unwrap().is_empty());
        assert_eq!(
            store
                .by_post(&fixtures::unit(fixtures::DEPARTMENT))
                .unwrap(),
            vec![c.clone()]
        );
        assert_eq!(store.by_seal(&story.seal).unwrap(), vec![c.clone()]);
        assert_eq!(
            store.due_before(story.t(8 * 60 + 1)).unwrap(),
            vec![(story.t(8 * 60), c.clone())]
        );
        assert!(store.due_before(story.t(8 * 60)).unwrap().is_empty());
        let doc = DocId::Consignment(c.clone());
        assert_eq!(
            store.changed_since(reg_seq).unwrap(),
            vec![(reg_seq + 3, doc.clone())]
        );
        assert_eq!(store.changed_since(reg_seq + 3).unwrap(), vec![]);
        assert!(store.check().unwrap().is_empty());
        drop(store);

        let store = Store::open(dir.path(), &story.authority_id()).unwrap();
        assert_eq!(
            store.cached_docs(),
            1,
            "only the registry is loaded on open"
        );
        assert_eq!(store.acts(&doc).unwrap().len(), 3);
        assert_eq!(store.last_seq().unwrap(), reg_seq + 3);
        assert_eq!(store.by_status(Status::InTransit).unwrap(), vec![c.clone()]);
        let a = store.assessment(&c, story.t(60)).unwrap();
        assert_eq!(a.state.status, Status::InTransit);
        assert!(a.rejected.is_empty());
        assert!(store.check().unwrap().is_empty());
    }

    #[test]
    fn refuses_acts_that_do_not_hold() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let store = new_store(dir.path(), &story);
        let mut body = story.registration_body();
        body.officer = story.outsider.id.clone();
        let outsider = story.sign(ActBody::ConsignmentRegistered(body), &[&story.outsider]);
        let err = store.record(&outsider).unwrap_err();
        assert!(matches!(err, StoreError::InvalidAct { .. }), "{err}");
        assert!(err.to_string().contains("not enrolled"), "{err}");
        let foreign = tamga_core::fixtures::key("another authority");
        let mut enrollment = story.enrollment(&story.outsider).body().clone();
        if let ActBody::KeyEnrolled(e) = &mut enrollment {
            e.authority = tamga_core::signing::key_id(&foreign);
        }
        let forged = SignedAct::sign(enrollment, &[&foreign]).unwrap();
        assert!(matches!(
            store.record(&forged),
            Err(StoreError::InvalidAct { .. })
        ));
        assert!(store.check().unwrap().is_empty());
    }

    #[test]
    fn merges_report_invalid_acts_and_keep_them_out_of_indexes() {
        let story = Story::new();
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let a = new_store(da.path(), &story);
        let b = new_store(db.path(), &story);
        let doc = DocId::Consignment(story.consignment.clone());
        a.record(&story.registration()).unwrap();
        a.record(&story.seal_applied()).unwrap();
        // A forged act slipped into A's document by hand: an outsider's seal check.
        let mut body = story.registration_body();
        body.officer = story.outsider.id.clone();
        body.packages = 7;
        let outsider = story.sign(ActBody::ConsignmentRegistered(body), &[&story.outsider]);
        {
            let mut inner = a.lock();
            let d = a.doc(&mut inner, &doc).unwrap();
            doc::put_act(d, &outsider).unwrap();
            doc::put_entry(d, "act:garbage", b"{}").unwrap();
            d.commit();
        }
        let bytes = a.save_doc(&doc).unwrap();
        let report = b.apply_changes(&doc, &bytes).unwrap();
        assert!(report.seq.is_some());
        assert_eq!(report.new_acts.len(), 2, "{report:?}");
        assert_eq!(report.rejected.len(), 2, "{report:?}");
        assert!(report.rejected.iter().any(|r| r.act == Some(outsider.id())));
        assert_eq!(b.rejected(&doc).unwrap().len(), 2);
        assert_eq!(
            b.by_status(Status::Registered).unwrap(),
            vec![story.consignment.clone()]
        );
        let assessment = b.assessment(&story.consignment, story.t(60)).unwrap();
        assert_eq!(assessment.acts.len(), 2);
        assert!(b.check().unwrap().is_empty());
        // Applying the same bytes again changes nothing.
        assert_eq!(
            b.apply_changes(&doc, &bytes).unwrap(),
            MergeReport::default()
        );
        // Garbage bytes are refused and change nothing.
        let last = b.last_seq().unwrap();
        assert!(matches!(
            b.apply_changes(&doc, b"garbage"),
            Err(StoreError::BadInput { .. })
        ));
        assert_eq!(b.last_seq().unwrap(), last);
        assert!(b.check().unwrap().is_empty());
    }

    #[test]
    fn a_peer_cannot_delete_an_act() {
        use automerge::transaction::Transactable;
        let story = Story::new();
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let a = new_store(da.path(), &story);
        let b = new_store(db.path(), &story);
        let doc = DocId::Consignment(story.consignment.clone());
        a.record(&story.registration()).unwrap();
        b.apply_changes(&doc, &a.save_doc(&doc).unwrap()).unwrap();
        let heads = b.heads(&doc).unwrap();
        {
            let mut inner = a.lock();
            let d = a.doc(&mut inner, &doc).unwrap();
            d.delete(automerge::ROOT, doc::act_key(&story.registration().id()))
                .unwrap();
            d.commit();
        }
        let evil = a.changes_since(&doc, &heads).unwrap();
        let report = b.apply_changes(&doc, &evil).unwrap();
        assert_eq!(report.restored.len(), 1);
        assert!(b.has_act(&doc, &story.registration().id()).unwrap());
        assert_eq!(
            b.by_status(Status::Registered).unwrap(),
            vec![story.consignment.clone()]
        );
        assert!(b.check().unwrap().is_empty());
    }

    #[test]
    fn a_forged_copy_is_not_taken_for_the_genuine_act_already_decoded() {
        let story = Story::new();
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let a = new_store(da.path(), &story);
        let b = new_store(db.path(), &story);
        let doc = DocId::Consignment(story.consignment.clone());
        let genuine = story.registration();
        // b has decoded and verified the genuine act: it is in b's cache of decoded acts.
        b.record(&genuine).unwrap();
        assert!(b.rejected(&doc).unwrap().is_empty());
        // The same act with one hex digit of its signature changed: still canonical, same id.
        let text = String::from_utf8(genuine.encode()).unwrap();
        let signature = hex::encode(genuine.signatures()[0].signature.0);
        let digit = if signature.ends_with('0') { "1" } else { "0" };
        let forged_signature = format!("{}{digit}", &signature[..signature.len() - 1]);
        let forged = text.replace(&signature, &forged_signature).into_bytes();
        assert_ne!(forged, genuine.encode());
        let decoded = SignedAct::decode(&forged).expect("the forged copy is well formed");
        assert_eq!(decoded.id(), genuine.id());
        assert!(decoded.verify_signatures().is_err());
        {
            let mut inner = a.lock();
            let d = a.doc(&mut inner, &doc).unwrap();
            doc::put_entry(d, &doc::act_key(&genuine.id()), &forged).unwrap();
            d.commit();
        }
        b.apply_changes(&doc, &a.save_doc(&doc).unwrap()).unwrap();
        let rejected = b.rejected(&doc).unwrap();
        assert_eq!(rejected.len(), 1, "{rejected:#?}");
        assert_eq!(rejected[0].act, Some(genuine.id()));
        assert!(
            rejected[0].reason.contains("signature"),
            "{}",
            rejected[0].reason
        );
        assert!(b.check().unwrap().is_empty());
    }

    #[test]
    fn sync_messages_converge_and_persist_peer_state() {
        let story = Story::new();
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let a = new_store(da.path(), &story);
        let b = new_store(db.path(), &story);
        let doc = DocId::Consignment(story.consignment.clone());
        a.record(&story.registration()).unwrap();
        b.record(&story.seal_applied()).unwrap();
        for _ in 0..10 {
            let ab = a.generate_sync_message(&doc, "b").unwrap();
            if let Some(m) = &ab {
                b.receive_sync_message(&doc, "a", m).unwrap();
            }
            let ba = b.generate_sync_message(&doc, "a").unwrap();
            if let Some(m) = &ba {
                a.receive_sync_message(&doc, "b", m).unwrap();
            }
            if ab.is_none() && ba.is_none() {
                break;
            }
        }
        assert_eq!(a.heads(&doc).unwrap(), b.heads(&doc).unwrap());
        assert_eq!(a.acts(&doc).unwrap().len(), 2);
        assert_eq!(b.acts(&doc).unwrap().len(), 2);
        assert!(a.check().unwrap().is_empty() && b.check().unwrap().is_empty());
        assert!(a.t.peers.get(sync_key("b", &doc)).unwrap().is_some());
        a.set_checkpoint("b", 17).unwrap();
        assert!(matches!(
            b.receive_sync_message(&doc, "a", b"nonsense"),
            Err(StoreError::BadInput { .. })
        ));
        drop(a);
        let a = Store::open(da.path(), &story.authority_id()).unwrap();
        assert_eq!(a.checkpoint("b").unwrap(), Some(17));
        assert_eq!(a.checkpoint("c").unwrap(), None);
        // The persisted state lets the next session start from the shared heads.
        assert!(a.generate_sync_message(&doc, "b").unwrap().is_some());
    }

    #[test]
    fn syncing_a_document_nobody_has_leaves_no_trace() {
        let story = Story::new();
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let a = new_store(da.path(), &story);
        let b = new_store(db.path(), &story);
        let doc = DocId::Consignment(consignment(99));
        let last = a.last_seq().unwrap();
        let m = b.generate_sync_message(&doc, "a").unwrap().unwrap();
        assert_eq!(
            a.receive_sync_message(&doc, "b", &m).unwrap(),
            MergeReport::default()
        );
        assert_eq!(a.last_seq().unwrap(), last);
        assert!(a.by_status(Status::Unregistered).unwrap().is_empty());
        assert!(a.check().unwrap().is_empty());
    }

    #[test]
    fn a_late_enrollment_reindexes_the_consignments_it_concerns() {
        let story = Story::new();
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let a = new_store(da.path(), &story);
        let b = Store::open(db.path(), &story.authority_id()).unwrap();
        let doc = DocId::Consignment(story.consignment.clone());
        a.record(&story.registration()).unwrap();
        let report = b.apply_changes(&doc, &a.save_doc(&doc).unwrap()).unwrap();
        assert_eq!(
            report.rejected.len(),
            1,
            "the officer is not enrolled on b yet"
        );
        assert!(b.by_status(Status::Registered).unwrap().is_empty());
        assert!(
            b.units_concerned(&story.consignment).unwrap().is_empty(),
            "an act that does not hold concerns no unit"
        );
        assert!(b.check().unwrap().is_empty());
        // The registry arrives by sync.
        b.apply_changes(&DocId::Registry, &a.save_doc(&DocId::Registry).unwrap())
            .unwrap();
        assert_eq!(
            b.by_status(Status::Registered).unwrap(),
            vec![story.consignment.clone()]
        );
        let route: BTreeSet<UnitCode> = [fixtures::AIRPORT_POST, fixtures::DEPARTMENT]
            .into_iter()
            .map(fixtures::unit)
            .collect();
        assert_eq!(b.units_concerned(&story.consignment).unwrap(), route);
        assert_eq!(
            b.by_unit(&fixtures::unit(fixtures::DEPARTMENT)).unwrap(),
            vec![story.consignment.clone()]
        );
        assert!(b.rejected(&doc).unwrap().is_empty());
        assert!(b.t.pending.is_empty());
        assert!(b.check().unwrap().is_empty());
    }

    #[test]
    fn changed_since_lists_each_document_once() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let store = new_store(dir.path(), &story);
        let start = store.last_seq().unwrap();
        for n in 0..5 {
            store.record(&registration(&story, n)).unwrap();
        }
        for n in 0..5 {
            store.record(&seal_applied(&story, n)).unwrap();
        }
        store
            .annotate(&DocId::Consignment(consignment(2)), "note", "late truck")
            .unwrap();
        let changed = store.changed_since(start).unwrap();
        assert_eq!(changed.len(), 5);
        assert_eq!(
            changed.last().unwrap().1,
            DocId::Consignment(consignment(2))
        );
        assert_eq!(store.changed_since(start + 9).unwrap().len(), 2);
        assert_eq!(store.changed_since_limit(start, 2).unwrap().len(), 2);
        assert_eq!(
            store
                .annotations(&DocId::Consignment(consignment(2)))
                .unwrap(),
            vec![("note".to_owned(), "late truck".to_owned())]
        );
        assert!(store.check().unwrap().is_empty());
    }

    #[test]
    fn compaction_folds_changes_and_keeps_every_act() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let store = new_store(dir.path(), &story);
        for n in 0..3 {
            store.record(&registration(&story, n)).unwrap();
            store.record(&seal_applied(&story, n)).unwrap();
        }
        let report = store.compact(2).unwrap();
        assert_eq!(report.docs, 4, "{report:?}");
        assert!(store.t.changes.is_empty());
        store.record(&story.registration()).unwrap();
        assert_eq!(store.t.changes.len(), 1);
        assert!(store.check().unwrap().is_empty());
        drop(store);
        let store = Store::open(dir.path(), &story.authority_id()).unwrap();
        for n in 0..3 {
            let acts = store.acts(&DocId::Consignment(consignment(n))).unwrap();
            assert_eq!(acts.len(), 2);
        }
        assert_eq!(store.by_status(Status::Registered).unwrap().len(), 4);
        assert!(store.check().unwrap().is_empty());
    }

    #[test]
    fn documents_are_loaded_on_demand_and_evicted() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions {
            cached_docs: 4,
            ..StoreOptions::default()
        };
        let store = Store::open_with(dir.path(), &story.authority_id(), options.clone()).unwrap();
        for act in story.registry_acts() {
            store.record(&act).unwrap();
        }
        for n in 0..10 {
            store.record(&registration(&story, n)).unwrap();
            assert!(store.cached_docs() <= 4);
        }
        for n in 0..10 {
            assert_eq!(
                store
                    .acts(&DocId::Consignment(consignment(n)))
                    .unwrap()
                    .len(),
                1
            );
        }
        assert!(store.cached_docs() <= 4);
        assert_eq!(store.doc_count(), 11);
        assert!(store.check().unwrap().is_empty());
    }

    #[test]
    fn a_store_of_the_first_format_gains_the_unit_index_when_opened() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let escort = fixtures::unit(fixtures::ESCORT_UNIT);
        {
            let store = new_store(dir.path(), &story);
            for act in story.clean_delivery() {
                store.record(&act).unwrap();
            }
            for n in 1..=3 {
                store.record(&registration(&story, n)).unwrap();
            }
            // What a version 1 store holds: no `unit` keys, in the index or derived records.
            let unit_keys: Vec<_> = store
                .t
                .index
                .scan_prefix(b"unit/")
                .keys()
                .map(|k| k.unwrap())
                .collect();
            assert!(!unit_keys.is_empty());
            for k in unit_keys {
                store.t.index.remove(k).unwrap();
            }
            for item in store.t.derived.iter() {
                let (k, v) = item.unwrap();
                let mut d = Derived::decode(&v).unwrap();
                d.keys.retain(|k| !k.starts_with(b"unit/"));
                store.t.derived.insert(k, d.encode()).unwrap();
            }
            store.t.meta.insert("version", &1u32.to_be_bytes()).unwrap();
            store.db.flush().unwrap();
            assert!(store
                .units_concerned(&story.consignment)
                .unwrap()
                .is_empty());
            assert!(
                !store.check().unwrap().is_empty(),
                "check sees what is missing"
            );
        }
        let store = Store::open(dir.path(), &story.authority_id()).unwrap();
        assert_eq!(
            store.t.meta.get("version").unwrap().unwrap().as_ref(),
            FORMAT_VERSION.to_be_bytes()
        );
        assert!(store
            .units_concerned(&story.consignment)
            .unwrap()
            .contains(&escort));
        assert_eq!(
            store.by_unit(&escort).unwrap(),
            vec![story.consignment.clone()]
        );
        assert_eq!(
            store
                .by_unit(&fixtures::unit(fixtures::AIRPORT_POST))
                .unwrap()
                .len(),
            4
        );
        assert!(store.check().unwrap().is_empty());
    }

    #[test]
    fn refuses_foreign_newer_locked_and_mismatched_stores() {
        let story = Story::new();
        let authority = story.authority_id();
        // A directory with someone else's files.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("photo.jpg"), b"...").unwrap();
        let err = Store::open(dir.path(), &authority).err().unwrap();
        assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
        assert!(dir.path().join("photo.jpg").exists());
        assert!(!dir.path().join("sled").exists());
        // A sled database of another program.
        let dir = tempfile::tempdir().unwrap();
        {
            let db = sled::open(dir.path().join("sled")).unwrap();
            db.insert("other", "data").unwrap();
            db.flush().unwrap();
        }
        let err = Store::open(dir.path(), &authority).err().unwrap();
        assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
        // Damaged files.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sled")).unwrap();
        std::fs::write(dir.path().join("sled/conf"), b"\xff\xfe garbage").unwrap();
        std::fs::write(dir.path().join("sled/db"), vec![0xAB; 4096]).unwrap();
        let err = Store::open(dir.path(), &authority).err().unwrap();
        assert!(
            matches!(
                err,
                StoreError::Corrupted { .. } | StoreError::NotAStore { .. }
            ),
            "{err}"
        );
        // A second opener while the store is open.
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &authority).unwrap();
        let err = Store::open(dir.path(), &authority).err().unwrap();
        match &err {
            StoreError::Locked { pid, .. } => assert_eq!(*pid, Some(std::process::id())),
            other => panic!("{other}"),
        }
        assert!(
            err.to_string().contains("already open by another process"),
            "{err}"
        );
        // Another authority.
        drop(store);
        let other = tamga_core::signing::key_id(&fixtures::key("another authority"));
        let err = Store::open(dir.path(), &other).err().unwrap();
        assert!(matches!(err, StoreError::AuthorityMismatch { .. }), "{err}");
        // A newer format.
        {
            let store = Store::open(dir.path(), &authority).unwrap();
            store
                .t
                .meta
                .insert("version", &99u32.to_be_bytes())
                .unwrap();
            store.db.flush().unwrap();
        }
        let err = Store::open(dir.path(), &authority).err().unwrap();
        assert!(
            matches!(err, StoreError::NewerFormat { found: 99, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("upgrade tamga"), "{err}");
    }
}
