//! Compaction: incremental changes folded into a document's saved form, one document at a
//! time, in one transaction each.

use super::layout::change_prefix;
use super::{CompactionReport, Store};
use crate::doc::DocId;
use crate::error::Result;
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};
use std::collections::BTreeMap;
use tracing::info;

impl Store {
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
            report.docs += 1;
            report.changes += folded.len();
            drop(inner);
        }
        if report.docs > 0 {
            // One sync for the pass: a cut before it leaves the changes unfolded, as they were.
            self.make_durable()?;
            info!(docs = report.docs, changes = report.changes, "compacted");
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use crate::doc::DocId;
    use crate::store::test_support::new_store;
    use crate::store::Store;
    use tamga_core::assessment::Status;
    use tamga_core::fixtures::stream::{consignment, registration, seal_applied};
    use tamga_core::fixtures::Story;

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
}
