//! A document's saved form read outside the store: the acts in the bytes [`crate::Store::save_doc`]
//! gave, sorted as the store sorts a held document's entries ([`crate::doc::sort_entries`]).
//! Used where a consignment's saved document lives on after the store forgot it (a post's
//! archive files), so its acts are read back exactly as they were held.

use crate::doc::{self, DocId, Rejection};
use crate::error::{Result, StoreError};
use automerge::AutoCommit;
use tamga_core::{Registry, SignedAct};

/// The acts of document `id` in its saved form `bytes` (those that decode under their own id
/// and belong to it, held or not against `registry`), and the entries that do not hold, with
/// why. Bytes that are not an automerge document are [`StoreError::BadInput`].
pub fn acts(
    id: &DocId,
    bytes: &[u8],
    registry: &Registry,
) -> Result<(Vec<SignedAct>, Vec<Rejection>)> {
    let doc = AutoCommit::load(bytes).map_err(|e| StoreError::BadInput {
        what: "a saved document",
        detail: e.to_string(),
    })?;
    Ok(doc::sort_entries(id, &doc::entries(&doc), registry))
}

/// The heads of the saved document `bytes`, as hex (the form [`crate::Store::heads`] prints).
pub fn heads(bytes: &[u8]) -> Result<Vec<String>> {
    let mut doc = AutoCommit::load(bytes).map_err(|e| StoreError::BadInput {
        what: "a saved document",
        detail: e.to_string(),
    })?;
    Ok(doc.get_heads().iter().map(|h| h.to_string()).collect())
}

#[cfg(test)]
mod tests {
    use crate::store::test_support::new_store;
    use crate::DocId;
    use tamga_core::fixtures::Story;

    #[test]
    fn a_saved_document_gives_back_the_acts_the_store_held() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let store = new_store(dir.path(), &story);
        for act in story.clean_delivery() {
            store.record(&act).unwrap();
        }
        let doc = DocId::Consignment(story.consignment.clone());
        let bytes = store.save_doc(&doc).unwrap();
        let (acts, rejected) = super::acts(&doc, &bytes, &store.registry()).unwrap();
        let mut ids: Vec<_> = acts.iter().map(|a| a.id()).collect();
        let mut held: Vec<_> = store.acts(&doc).unwrap().iter().map(|a| a.id()).collect();
        ids.sort();
        held.sort();
        assert_eq!(ids, held);
        assert!(rejected.is_empty());
        let heads: Vec<String> = store
            .heads(&doc)
            .unwrap()
            .iter()
            .map(|h| h.to_string())
            .collect();
        assert_eq!(super::heads(&bytes).unwrap(), heads);
        assert!(super::acts(&doc, b"not a document", &store.registry()).is_err());
    }
}
