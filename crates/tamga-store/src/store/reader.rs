//! Reads for a pass over many consignments (central's full reassessment), made to run on
//! several threads side by side.
//!
//! [`Store::acts`] and [`Store::assessment_and_acts`] hold the store's lock while they load the
//! document into the shared cache and decode and verify its acts, so callers on several threads
//! take turns; and at a million acts the bounded caches only churn. A [`Reader`] holds the lock
//! only to copy a document's stored bytes out of sled (the saved form and its changes: one
//! consistent state, as writes and compaction change both under that lock), or its entries if
//! the document is already loaded; it loads them into a document of its own, decodes every act
//! from its bytes (never through the shared cache of decoded acts) and verifies it once, with
//! the registry as it was when the reader was made. The caller brings the threads: one reader
//! each. The store runs none of its own and reads no clock.

use super::Store;
use crate::doc::{self, DocId, Entry};
use crate::error::Result;
use tamga_core::{assess, Assessment, ConsignmentId, Registry, SignedAct, Timestamp};

/// Reads documents and assesses consignments apart from the store's shared caches. See the
/// module documentation.
pub struct Reader<'s> {
    store: &'s Store,
    registry: Registry,
}

impl Store {
    /// A reader for a pass over many consignments, with the registry as it is now. Make one per
    /// thread.
    pub fn reader(&self) -> Reader<'_> {
        Reader {
            store: self,
            registry: self.registry(),
        }
    }
}

impl Reader<'_> {
    /// The registry the reader judges acts against (the store's when the reader was made).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// A document's entries: from the loaded copy if the store has one, else loaded here from
    /// the bytes copied out of sled under the store's lock.
    fn entries(&self, id: &DocId) -> Result<Vec<Entry>> {
        let stored = {
            let inner = self.store.lock();
            if let Some(doc) = inner.cache.peek(id) {
                return Ok(doc::entries(doc));
            }
            self.store.stored_doc(id)?
        };
        Ok(doc::entries(&self.store.load_stored(id, stored)?))
    }

    /// The acts of a document, as [`Store::acts`] gives them; each decoded from its bytes and
    /// (in a consignment's document) verified once, here.
    pub fn acts(&self, id: &DocId) -> Result<Vec<SignedAct>> {
        let entries = self.entries(id)?;
        let decode = &mut |bytes: &[u8]| SignedAct::decode(bytes);
        Ok(doc::sort_entries_with(id, &entries, &self.registry, decode).0)
    }

    /// The consignment's assessment as of `as_of` and the acts it was made from, as
    /// [`Store::assessment_and_acts`] gives them (with the reader's registry). The signatures
    /// verified while sorting the entries are not checked again: a decoded act keeps that they
    /// held.
    pub fn assessment_and_acts(
        &self,
        consignment: &ConsignmentId,
        as_of: Timestamp,
    ) -> Result<(Assessment, Vec<SignedAct>)> {
        let acts = self.acts(&DocId::Consignment(consignment.clone()))?;
        let assessment = assess(
            consignment,
            &acts,
            &self.registry,
            as_of,
            &self.store.tolerances,
        );
        Ok((assessment, acts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreOptions;
    use tamga_core::act::SealState;
    use tamga_core::fixtures::stream::{consignment, registration, seal_applied};
    use tamga_core::fixtures::Story;

    #[test]
    fn a_reader_gives_what_the_cached_reads_give_loaded_or_not() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions {
            cached_docs: 4,
            ..StoreOptions::default()
        };
        let store = Store::open_with(dir.path(), &story.authority_id(), options).unwrap();
        for act in story.registry_acts() {
            store.record(&act).unwrap();
        }
        for n in 0..12 {
            store.record(&registration(&story, n)).unwrap();
            store.record(&seal_applied(&story, n)).unwrap();
        }
        let mut acts = story.clean_delivery()[..5].to_vec();
        acts.push(story.seal_checked(60, SealState::Damaged));
        for act in &acts {
            store.record(act).unwrap();
        }
        let now = story.t(60 * 24);
        let mut ids: Vec<_> = (0..12).map(consignment).collect();
        ids.push(story.consignment.clone());
        // Half of them loaded in the cache, half only on disk.
        let reader = store.reader();
        for id in &ids {
            let (a, acts) = reader.assessment_and_acts(id, now).unwrap();
            let (b, expected) = store.assessment_and_acts(id, now).unwrap();
            assert_eq!(a, b, "{id}");
            assert_eq!(acts, expected, "{id}");
        }
        assert!(store.cached_docs() <= 4);
        // After compaction too (the saved form instead of changes).
        store.compact(1).unwrap();
        let reader = store.reader();
        for id in &ids {
            let (a, _) = reader.assessment_and_acts(id, now).unwrap();
            assert_eq!(a, store.assessment(id, now).unwrap(), "{id}");
        }
        // A consignment the store does not hold: no acts, as with the cached read.
        let absent = consignment(99);
        assert!(reader
            .acts(&DocId::Consignment(absent.clone()))
            .unwrap()
            .is_empty());
    }
}
