//! Queries: a document's acts, a consignment's assessment (as of a time the caller passes),
//! the registry, the rejected entries, and the indexes (status, route post, unit concerned,
//! seal, deadline), each a range scan.

use super::Store;
use crate::doc::{self, DocId, Rejection};
use crate::error::Result;
use crate::index::{self, Derived, IndexKind};
use std::collections::BTreeSet;
use tamga_core::assessment::Status;
use tamga_core::{
    assess, ActId, Assessment, ConsignmentId, Registry, SealNumber, SignedAct, Timestamp, UnitCode,
};

impl Store {
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

    pub(super) fn scan_index(&self, prefix: &[u8]) -> Result<Vec<ConsignmentId>> {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::new_store;
    use tamga_core::fixtures::{self, Story};

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
}
