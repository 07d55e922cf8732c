//! Opening a store: the directory and the lock, sled, the format check (marker, version,
//! pinned authority), a new store's meta, the registry document, pending re-assessments, and the
//! upgrade of an older format.

use super::counts::COUNTED_MARK;
use super::durable::{sync_dir, sync_tree, Durability};
use super::layout::{take_lock, Trees, TREE_NAMES};
use super::write::Write;
use super::{Inner, Store, StoreOptions, FORMAT_VERSION, MAGIC};
use crate::doc::{self, DocId};
use crate::error::{from_io, from_sled, Result, StoreError};
use automerge::ActorId;
use lru::LruCache;
use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use tamga_core::assessment::RULES_VERSION;
use tamga_core::{KeyId, Registry};
use tracing::{debug, info};

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
            .filter(|n| ![SLED_DIR, SLED_PARTIAL, SLED_REWRITE, "tamga.lock"].contains(&n.as_str()))
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
        let sled_dir = dir.join(SLED_DIR);
        let rewrite = dir.join(SLED_REWRITE);
        if rewrite.exists() {
            // A rewrite's copy cut short, or the old database it exchanged: `sled/` is whole.
            info!(path = %rewrite.display(), "removing what a store rewrite left");
            std::fs::remove_dir_all(&rewrite).map_err(|e| from_io(&rewrite, e))?;
            sync_dir(&dir)?;
        }
        let db = if sled_dir.exists() {
            open_sled_waiting(&dir, &sled_dir, &options)?
        } else {
            create(&dir, authority, &options)?;
            open_sled_waiting(&dir, &sled_dir, &options)?
        };
        let durability = Durability::open(&sled_dir)?;
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
            pin_failures: tree("pin_failures")?,
            log: tree("log")?,
            receipts: tree("receipts")?,
        };
        let sled_err = |e| from_sled(&dir, e);
        let (actor, opened_version) = match t.meta.get("magic").map_err(sled_err)? {
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
                (ActorId::from(actor.as_ref()), version)
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
                    && t.pin_failures.is_empty()
                    && t.log.is_empty()
                    && t.receipts.is_empty()
                    && t.meta.is_empty()
                    && db.is_empty();
                let others = db
                    .tree_names()
                    .iter()
                    .filter(|n| {
                        let n = n.as_ref();
                        n != b"__sled__default" && !TREE_NAMES.iter().any(|k| k.as_bytes() == n)
                    })
                    .count();
                if !empty || others > 0 {
                    return Err(StoreError::NotAStore {
                        path: dir.clone(),
                        detail: "its database has no tamga format marker".into(),
                    });
                }
                // A new store is renamed into `sled/` only once its marker is durable: this
                // one was made, and its data is gone.
                return Err(StoreError::Corrupted {
                    path: dir.clone(),
                    detail: "its database is empty, though the store had been made: its data was \
                             lost (a power cut or a damaged disk); it is not taken for a new store"
                        .into(),
                });
            }
        };
        let cap = |n: usize| NonZeroUsize::new(n.max(2)).expect("at least 2");
        let documents = AtomicU64::new(t.doc_seq.len() as u64);
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
            durability,
            documents,
            log_lock: Mutex::new(()),
            _lock: lock,
        };
        {
            let mut inner = store.lock();
            let registry = store.build_registry(&mut inner)?;
            inner.registry = registry;
            store.finish_pending(&mut inner)?;
            let rules = store.derived_with()?;
            if opened_version < FORMAT_VERSION || rules != RULES_VERSION {
                store.upgrade(&mut inner, opened_version, rules)?;
            }
        }
        let counted = store
            .t
            .meta
            .get(COUNTED_MARK)
            .map_err(|e| store.sled_err(e))?;
        if counted.is_none() {
            store.recount()?;
        }
        store.make_durable()?;
        debug!(path = %dir.display(), "opened tamga store");
        Ok(store)
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

    /// The version of the assessment's rules the derived records were made with (`meta/rules`;
    /// absent: 1, the rules before the version was kept).
    fn derived_with(&self) -> Result<u32> {
        let stored = self.t.meta.get("rules").map_err(|e| self.sled_err(e))?;
        match stored {
            None => Ok(1),
            Some(bytes) => <[u8; 4]>::try_from(bytes.as_ref())
                .map(u32::from_be_bytes)
                .map_err(|_| self.corrupted("meta/rules is not a u32".into())),
        }
    }

    /// Every consignment document held.
    pub(super) fn consignment_docs(&self) -> Result<Vec<DocId>> {
        let mut docs = Vec::new();
        for k in self.t.doc_seq.iter().keys() {
            let k = k.map_err(|e| self.sled_err(e))?;
            let id = DocId::from_key(&k)
                .ok_or_else(|| self.corrupted("a document key does not parse".into()))?;
            if matches!(id, DocId::Consignment(_)) {
                docs.push(id);
            }
        }
        Ok(docs)
    }

    /// Brings a store of format `from`, derived with the rules `rules`, up to [`FORMAT_VERSION`]
    /// and [`RULES_VERSION`]: re-derives every consignment (index keys and derived record) with
    /// this build's rules, then writes both versions. A crash part way leaves the old versions,
    /// so the next open starts again; re-deriving is idempotent.
    fn upgrade(&self, inner: &mut Inner, from: u32, rules: u32) -> Result<()> {
        let docs = self.consignment_docs()?;
        let registry = inner.registry.clone();
        let mut consignments = 0;
        for id in &docs {
            let entries = doc::entries(self.doc(inner, id)?);
            let derived = self.derive(&registry, id, &entries);
            // Durable once at the end: until the version is written, a crash means starting over.
            self.write(
                id,
                Write {
                    derived: Some(&derived),
                    ..Write::default()
                },
            )?;
            consignments += 1;
        }
        // The re-derivation adjusted the list's counters from whatever they held: count them
        // afresh, before the version says the upgrade is done.
        self.recount()?;
        self.make_durable()?;
        let mut batch = sled::Batch::default();
        batch.insert("version", &FORMAT_VERSION.to_be_bytes());
        batch.insert("rules", &RULES_VERSION.to_be_bytes());
        self.t
            .meta
            .apply_batch(batch)
            .map_err(|e| self.sled_err(e))?;
        self.make_durable()?;
        info!(
            path = %self.path.display(),
            from,
            to = FORMAT_VERSION,
            rules_from = rules,
            rules = RULES_VERSION,
            consignments,
            "re-derived the store with this build's format and rules"
        );
        Ok(())
    }
}

/// sled's directory in a store.
pub(super) const SLED_DIR: &str = "sled";
/// Where a new store's database is made before it is renamed to [`SLED_DIR`].
pub(super) const SLED_PARTIAL: &str = "sled.partial";
/// Where [`Store::rewrite`] makes its copy (and leaves the old database after the exchange).
pub(super) const SLED_REWRITE: &str = "sled.rewrite";

/// Opens sled in `sled_dir` (its own background flusher off: only the store's rounds sync, see
/// [`super::durable`]). Files sled cannot read are a damaged store, not a crash.
fn open_sled(dir: &Path, sled_dir: &Path, options: &StoreOptions) -> Result<sled::Db> {
    let config = sled::Config::new()
        .path(sled_dir)
        .cache_capacity(options.sled_cache_bytes)
        .flush_every_ms(None);
    let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| config.open()));
    match opened {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(e @ (sled::Error::Unsupported(_) | sled::Error::ReportableBug(_)))) => {
            Err(StoreError::Corrupted {
                path: dir.to_owned(),
                detail: format!("the database files could not be read: {e}"),
            })
        }
        Ok(Err(e)) => Err(from_sled(dir, e)),
        Err(_) => Err(StoreError::Corrupted {
            path: dir.to_owned(),
            detail: "the database files could not be read".into(),
        }),
    }
}

/// [`open_sled`], waiting up to 5 s while sled's lock on its file is held: sled's threads of a
/// database this process closed a moment ago may hold it a little longer.
pub(super) fn open_sled_waiting(
    dir: &Path,
    sled_dir: &Path,
    options: &StoreOptions,
) -> Result<sled::Db> {
    let mut tries = 0;
    loop {
        match open_sled(dir, sled_dir, options) {
            Err(StoreError::Locked { .. }) if tries < 250 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// Makes a new store's database in `dir`: in [`SLED_PARTIAL`] (a partial one left by a creation
/// cut short is removed first), with its format marker, synced whole, then renamed to
/// [`SLED_DIR`] and the rename made durable. So `sled/` exists only once a store was made.
fn create(dir: &Path, authority: &KeyId, options: &StoreOptions) -> Result<()> {
    let partial = dir.join(SLED_PARTIAL);
    if partial.exists() {
        info!(path = %partial.display(), "removing a store creation that was cut short");
        std::fs::remove_dir_all(&partial).map_err(|e| from_io(&partial, e))?;
    }
    {
        let db = open_sled(dir, &partial, options)?;
        let meta = db.open_tree("meta").map_err(|e| from_sled(dir, e))?;
        let mut batch = sled::Batch::default();
        batch.insert("version", &FORMAT_VERSION.to_be_bytes());
        batch.insert("rules", &RULES_VERSION.to_be_bytes());
        batch.insert("authority", authority.as_str().as_bytes());
        batch.insert("actor", ActorId::random().to_bytes());
        batch.insert("last_seq", &0u64.to_be_bytes());
        batch.insert("magic", MAGIC);
        meta.apply_batch(batch).map_err(|e| from_sled(dir, e))?;
        db.flush().map_err(|e| from_sled(dir, e))?;
    }
    sync_tree(&partial)?;
    let sled_dir = dir.join(SLED_DIR);
    std::fs::rename(&partial, &sled_dir).map_err(|e| from_io(dir, e))?;
    sync_dir(dir)?;
    // The store directory's own entry, if it was made just now.
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_dir(parent)?;
    }
    info!(path = %dir.display(), "created a new tamga store");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Derived;
    use crate::store::test_support::new_store;
    use tamga_core::fixtures::stream::registration;
    use tamga_core::fixtures::{self, Story};

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

    #[test]
    fn a_store_whose_database_came_back_empty_is_refused_not_made_anew() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        drop(new_store(dir.path(), &story));
        // What a power cut that took the database's contents leaves: `sled/` with an empty
        // database.
        std::fs::remove_dir_all(dir.path().join(SLED_DIR)).unwrap();
        drop(sled::open(dir.path().join(SLED_DIR)).unwrap());
        let err = Store::open(dir.path(), &story.authority_id())
            .err()
            .expect("refused");
        assert!(matches!(err, StoreError::Corrupted { .. }), "{err}");
        assert!(err.to_string().contains("its data was lost"), "{err}");
        // Still refused the next time: nothing was made in its place.
        assert!(Store::open(dir.path(), &story.authority_id()).is_err());
    }

    #[test]
    fn a_store_creation_cut_short_is_made_again() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        // A creation cut before its rename: a partial database, perhaps half written.
        let partial = dir.path().join(SLED_PARTIAL);
        std::fs::create_dir(&partial).unwrap();
        std::fs::write(partial.join("db"), vec![0xAB; 100]).unwrap();
        let store = new_store(dir.path(), &story);
        assert!(!partial.exists());
        assert!(dir.path().join(SLED_DIR).exists());
        assert!(store.check().unwrap().is_empty());
        assert!(store.durable_rounds() > 0);
    }
}
