//! The caches: loaded documents (a bounded LRU, filled on demand from `docs` and `changes`)
//! and decoded acts, kept by their exact bytes so that re-deriving a document neither decodes
//! nor verifies its other acts again, and a forged copy never meets the genuine act's verdict.

use super::layout::change_prefix;
use super::{Inner, Store};
use crate::doc::{self, DocId, Entry};
use crate::error::Result;
use automerge::AutoCommit;
use tamga_core::{Registry, SignedAct};
use tracing::debug;

/// A document's bytes as stored in sled: the saved form (if any) and its incremental changes.
pub(super) struct StoredDoc {
    saved: Option<sled::IVec>,
    changes: Vec<sled::IVec>,
}

impl Store {
    /// Reads a document from disk: the saved form, then its incremental changes in order.
    pub(super) fn read_doc(&self, id: &DocId) -> Result<AutoCommit> {
        let mut doc = self.load_stored(id, self.stored_doc(id)?)?;
        doc.set_actor(self.actor.clone());
        Ok(doc)
    }

    /// A document's bytes as stored: the saved form and its incremental changes in order. Read
    /// under the store's lock, they are one consistent state (writes and compaction change both
    /// under it).
    pub(super) fn stored_doc(&self, id: &DocId) -> Result<StoredDoc> {
        let key = id.to_key();
        let saved = self.t.docs.get(&key).map_err(|e| self.sled_err(e))?;
        let mut changes = Vec::new();
        for item in self.t.changes.scan_prefix(change_prefix(&key)) {
            changes.push(item.map_err(|e| self.sled_err(e))?.1);
        }
        Ok(StoredDoc { saved, changes })
    }

    /// Loads a document from its stored bytes (no lock needed: automerge's work only).
    pub(super) fn load_stored(&self, id: &DocId, stored: StoredDoc) -> Result<AutoCommit> {
        let mut doc = match stored.saved {
            Some(bytes) => AutoCommit::load(&bytes).map_err(|e| {
                self.corrupted(format!("the saved document of {id} does not load: {e}"))
            })?,
            None => AutoCommit::new(),
        };
        for bytes in stored.changes {
            doc.load_incremental(&bytes).map_err(|e| {
                self.corrupted(format!("a stored change of {id} does not load: {e}"))
            })?;
        }
        Ok(doc)
    }

    /// The document, loaded on demand into the cache.
    pub(super) fn doc<'i>(&self, inner: &'i mut Inner, id: &DocId) -> Result<&'i mut AutoCommit> {
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

    /// Decodes an entry's bytes as an act, through the cache of acts decoded before: an act
    /// found there was decoded from exactly these bytes, and keeps what it learned about its
    /// signatures. Only acts that decode are kept; a refusal is decoded again each time.
    pub(super) fn decode_cached(
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
    pub(super) fn remember_act(&self, act: &SignedAct) {
        self.decoded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .put(act.encode(), act.clone());
    }

    /// [`doc::sort_entries`] through the cache of decoded acts.
    pub(super) fn sort_entries(
        &self,
        id: &DocId,
        entries: &[Entry],
        registry: &Registry,
    ) -> (Vec<SignedAct>, Vec<doc::Rejection>) {
        doc::sort_entries_with(id, entries, registry, &mut |bytes| {
            self.decode_cached(bytes)
        })
    }

    /// How many documents are loaded in memory.
    pub fn cached_docs(&self) -> usize {
        self.lock().cache.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::new_store;
    use crate::store::StoreOptions;
    use crate::Writer;
    use tamga_core::fixtures::stream::{consignment, registration};
    use tamga_core::fixtures::Story;

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
        b.apply_changes(&doc, &a.save_doc(&doc).unwrap(), &Writer::Anyone)
            .unwrap();
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
}
