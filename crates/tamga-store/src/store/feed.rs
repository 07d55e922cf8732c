//! The change feed: every local modification of a document has the next sequence number;
//! "which documents changed since N" is one range scan of `latest`.

use super::layout::{read_u64, seq_key};
use super::Store;
use crate::doc::DocId;
use crate::error::Result;
use std::sync::atomic::Ordering;

impl Store {
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

    /// How many documents the store holds: a counter, no scan and no document load.
    pub fn doc_count(&self) -> usize {
        self.documents.load(Ordering::Relaxed) as usize
    }
}

#[cfg(test)]
mod tests {
    use crate::doc::DocId;
    use crate::store::test_support::new_store;
    use crate::Store;
    use tamga_core::fixtures::stream::{consignment, registration, seal_applied};
    use tamga_core::fixtures::Story;

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
    fn the_document_count_follows_new_documents_and_forgetting() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let store = new_store(dir.path(), &story);
        assert_eq!(store.doc_count(), 1, "the registry");
        for n in 0..5 {
            store.record(&registration(&story, n)).unwrap();
        }
        for n in 0..5 {
            store.record(&seal_applied(&story, n)).unwrap();
        }
        // Held already: nothing new.
        store.record(&registration(&story, 0)).unwrap();
        assert_eq!(store.doc_count(), 6);
        // One that came by merge, as a peer's sync brings it.
        let peer_dir = tempfile::tempdir().unwrap();
        let peer = new_store(peer_dir.path(), &story);
        peer.record(&registration(&story, 7)).unwrap();
        let id = DocId::Consignment(consignment(7));
        store
            .apply_changes(&id, &peer.save_doc(&id).unwrap(), &crate::Writer::Anyone)
            .unwrap();
        assert_eq!(store.doc_count(), 7);
        store
            .forget(&DocId::Consignment(consignment(3)), 1_800_000_000)
            .unwrap();
        // Forgetting again removes nothing more.
        store
            .forget(&DocId::Consignment(consignment(3)), 1_800_000_000)
            .unwrap();
        assert_eq!(store.doc_count(), 6);
        drop(store);
        let store = Store::open(dir.path(), &story.authority_id()).unwrap();
        assert_eq!(store.doc_count(), 6, "counted again when opened");
    }
}
