//! Forgetting: a consignment's document removed from this node for good (data minimization on
//! vehicles, whose tablets may be stolen), and never taken in again.
//!
//! A forgotten document's saved form, changes, derived record, index entries and peer sync
//! states are removed in one transaction; its numbers in the change feed stay (the feed is
//! contiguous), and a marker `forgotten\0<doc key>` in `meta` records when. From then on every
//! write into it (a peer's sync, a bundle, a local act) is refused with
//! [`StoreError::Forgotten`]: nothing of it is merged, and the sync engine treats it like a
//! document out of this node's scope.

use super::counts;
use super::layout::{change_prefix, read_u64};
use super::Store;
use crate::doc::DocId;
use crate::error::{Result, StoreError};
use crate::index::Derived;
use automerge::ChangeHash;
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};
use std::sync::atomic::Ordering;
use tracing::info;

const FORGOTTEN_PREFIX: &[u8] = b"forgotten\0";

fn forgotten_key(id: &DocId) -> Vec<u8> {
    let mut k = FORGOTTEN_PREFIX.to_vec();
    k.extend_from_slice(&id.to_key());
    k
}

impl Store {
    /// Whether `id` was forgotten here.
    pub fn is_forgotten(&self, id: &DocId) -> Result<bool> {
        self.t
            .meta
            .contains_key(forgotten_key(id))
            .map_err(|e| self.sled_err(e))
    }

    /// Refuses a write into a forgotten document.
    pub(super) fn refuse_forgotten(&self, id: &DocId) -> Result<()> {
        if self.is_forgotten(id)? {
            return Err(StoreError::Forgotten { doc: id.clone() });
        }
        Ok(())
    }

    /// The documents forgotten here, with when (Unix seconds).
    pub fn forgotten(&self) -> Result<Vec<(DocId, i64)>> {
        let mut out = Vec::new();
        for item in self.t.meta.scan_prefix(FORGOTTEN_PREFIX) {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            let Some(id) = DocId::from_key(&k[FORGOTTEN_PREFIX.len()..]) else {
                return Err(self.corrupted("a forgotten marker names no document".into()));
            };
            out.push((id, read_u64(&v).map(|t| t as i64).unwrap_or(0)));
        }
        Ok(out)
    }

    /// Whether `peer`, at the end of the last sync with it, held every change this node holds of
    /// `id` (the shared heads of the stored sync state cover this node's heads).
    pub fn peer_holds(&self, peer: &str, id: &DocId) -> Result<bool> {
        let mut inner = self.lock();
        let heads: Vec<ChangeHash> = self.doc(&mut inner, id)?.get_heads();
        if heads.is_empty() {
            return Ok(false);
        }
        let state = self.sync_state(&mut inner, peer, id)?;
        Ok(heads.iter().all(|h| state.shared_heads.contains(h)))
    }

    /// Forgets consignment `id` for good, at `at` (Unix seconds): see the module doc. Durable
    /// when it returns. The registry is never forgotten.
    pub fn forget(&self, id: &DocId, at: i64) -> Result<()> {
        self.forget_checked(id, None, at).map(|_| ())
    }

    /// [`Store::forget`], only if the document's heads are still `heads` (hex, as
    /// [`crate::saved::heads`] gives them), checked under the store's lock: a caller that kept a
    /// copy of the document elsewhere (a post's archive) forgets nothing a change since would
    /// add. Returns whether it forgot.
    pub fn forget_if_unchanged(&self, id: &DocId, heads: &[String], at: i64) -> Result<bool> {
        self.forget_checked(id, Some(heads), at)
    }

    fn forget_checked(&self, id: &DocId, expected: Option<&[String]>, at: i64) -> Result<bool> {
        if id == &DocId::Registry {
            return Err(StoreError::BadInput {
                what: "a document to forget",
                detail: "the registry is never forgotten".into(),
            });
        }
        let doc_key = id.to_key();
        let mut inner = self.lock();
        if let Some(expected) = expected {
            let heads: Vec<String> = self
                .doc(&mut inner, id)?
                .get_heads()
                .iter()
                .map(|h| h.to_string())
                .collect();
            if heads != expected {
                return Ok(false);
            }
        }
        let changes: Vec<sled::IVec> = self
            .t
            .changes
            .scan_prefix(change_prefix(&doc_key))
            .keys()
            .collect::<Result<_, _>>()
            .map_err(|e| self.sled_err(e))?;
        let mut sync_suffix = vec![0u8];
        sync_suffix.extend_from_slice(&doc_key);
        let sync_states: Vec<sled::IVec> = self
            .t
            .peers
            .scan_prefix(b"sync\0")
            .keys()
            .filter(|k| k.as_ref().is_ok_and(|k| k.ends_with(&sync_suffix)))
            .collect::<Result<_, _>>()
            .map_err(|e| self.sled_err(e))?;
        let t = &self.t;
        let result = (
            &t.meta, &t.docs, &t.changes, &t.latest, &t.doc_seq, &t.derived, &t.index, &t.peers,
        )
            .transaction(
                |(meta, docs, changes_tree, latest, doc_seq, derived, index, peers)| {
                    let held = doc_seq.remove(doc_key.as_slice())?;
                    if let Some(seq) = &held {
                        latest.remove(seq)?;
                    }
                    docs.remove(doc_key.as_slice())?;
                    for k in &changes {
                        changes_tree.remove(k)?;
                    }
                    if let Some(bytes) = derived.remove(doc_key.as_slice())? {
                        let old = Derived::decode(&bytes).ok_or_else(|| {
                            ConflictableTransactionError::Abort(
                                "a derived record does not decode".to_owned(),
                            )
                        })?;
                        for k in &old.keys {
                            index.remove(k.as_slice())?;
                        }
                        counts::adjust(meta, old.keys.iter(), std::iter::empty())?;
                    }
                    for k in &sync_states {
                        peers.remove(k)?;
                    }
                    meta.insert(forgotten_key(id), &(at as u64).to_be_bytes())?;
                    Ok(held.is_some())
                },
            );
        match result {
            Ok(held) => {
                if held {
                    self.documents.fetch_sub(1, Ordering::Relaxed);
                }
            }
            Err(TransactionError::Abort(detail)) => return Err(self.corrupted(detail)),
            Err(TransactionError::Storage(e)) => return Err(self.sled_err(e)),
        }
        inner.cache.pop(id);
        let stale: Vec<(String, DocId)> = inner
            .sync_states
            .iter()
            .filter(|((_, doc), _)| doc == id)
            .map(|(k, _)| k.clone())
            .collect();
        for k in stale {
            inner.sync_states.pop(&k);
        }
        drop(inner);
        self.make_durable()?;
        info!(doc = %id, "document forgotten");
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::test_support::new_store;
    use crate::{DocId, StoreError, Writer};
    use tamga_core::fixtures::Story;

    #[test]
    fn a_forgotten_consignment_is_gone_and_never_taken_in_again() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let store = new_store(dir.path(), &story);
        let other_dir = tempfile::tempdir().unwrap();
        let other = new_store(other_dir.path(), &story);
        let acts = story.clean_delivery();
        for act in &acts[..4] {
            store.record(act).unwrap();
            other.record(act).unwrap();
        }
        let doc = DocId::Consignment(story.consignment.clone());
        let peer = story.airport_officer.id.to_string();
        // Sync rounds with `other` until neither has anything to say: both hold the same.
        for _ in 0..8 {
            let to_other = store.generate_sync_message(&doc, &peer).unwrap();
            if let Some(m) = &to_other {
                other
                    .receive_sync_message(&doc, "me", m, &Writer::Anyone)
                    .unwrap();
            }
            let to_me = other.generate_sync_message(&doc, "me").unwrap();
            if let Some(m) = &to_me {
                store
                    .receive_sync_message(&doc, &peer, m, &Writer::Anyone)
                    .unwrap();
            }
            if to_other.is_none() && to_me.is_none() {
                break;
            }
        }
        assert!(store.peer_holds(&peer, &doc).unwrap());
        assert!(!store.peer_holds("someone else", &doc).unwrap());

        store.forget(&doc, 1_800_000_000).unwrap();
        assert!(store.is_forgotten(&doc).unwrap());
        assert!(store.heads(&doc).unwrap().is_empty());
        assert!(store.acts(&doc).unwrap().is_empty());
        assert!(store
            .by_unit(&story.escort_lead.unit_code())
            .unwrap()
            .is_empty());
        assert_eq!(
            store.forgotten().unwrap(),
            vec![(doc.clone(), 1_800_000_000)]
        );
        assert!(store.check().unwrap().is_empty(), "{:?}", store.check());
        // Taken in again by no path.
        assert!(matches!(
            store.record(&acts[4]),
            Err(StoreError::Forgotten { .. })
        ));
        let all = other.save_doc(&doc).unwrap();
        assert!(matches!(
            store.apply_changes(&doc, &all, &Writer::Anyone),
            Err(StoreError::Forgotten { .. })
        ));
        let message = other.generate_sync_message(&doc, "fresh").unwrap().unwrap();
        assert!(matches!(
            store.receive_sync_message(&doc, "fresh", &message, &Writer::Anyone),
            Err(StoreError::Forgotten { .. })
        ));
        assert!(store.heads(&doc).unwrap().is_empty());
        // Across a restart too.
        drop(store);
        let store = crate::Store::open(dir.path(), &story.authority_id()).unwrap();
        assert!(store.is_forgotten(&doc).unwrap());
        assert!(store.check().unwrap().is_empty());
        assert!(store.forget(&DocId::Registry, 0).is_err());
    }

    #[test]
    fn forget_if_unchanged_forgets_only_the_document_as_it_was() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let store = new_store(dir.path(), &story);
        let acts = story.clean_delivery();
        for act in &acts[..4] {
            store.record(act).unwrap();
        }
        let doc = DocId::Consignment(story.consignment.clone());
        let heads = crate::saved::heads(&store.save_doc(&doc).unwrap()).unwrap();
        store.record(&acts[4]).unwrap();
        assert!(!store.forget_if_unchanged(&doc, &heads, 1).unwrap());
        assert_eq!(store.acts(&doc).unwrap().len(), 5);
        let heads = crate::saved::heads(&store.save_doc(&doc).unwrap()).unwrap();
        assert!(store.forget_if_unchanged(&doc, &heads, 1).unwrap());
        assert!(store.is_forgotten(&doc).unwrap());
    }
}
