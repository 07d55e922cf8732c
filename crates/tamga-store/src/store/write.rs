//! The write path: recording an act, annotating, and the one transaction every modification
//! of a document ends in.
//!
//! # The write path
//!
//! Every modification of a document (recording an act, a merge, a sync message, an annotation)
//! runs under the store's lock: the document is changed in memory, the change bytes are taken
//! with `save_after(heads before)`, the assessment is recomputed from the document's acts, and
//! then **one sled transaction** writes the change, the next feed number, the document's latest
//! seq, the derived record and the index diff (and the peer's sync state, for a sync message).
//! The public method then releases the lock and waits for a durability round (sled's flush and
//! an `fdatasync` of its log, shared with concurrent writers: [`super::durable`]) and only then
//! returns: what a call returned is durable across a power cut, and the document, feed and
//! indexes cannot disagree after a crash. If the write fails the document is dropped from
//! memory, so memory never runs ahead of disk.
//!
//! When the registry gains an enrollment or revocation of a key, the consignments whose acts
//! that key signed are re-assessed (found through the `signer` index). The keys are written to
//! `pending` in the registry's own transaction, so a crash in between is finished on the next
//! open.

use super::counts;
use super::layout::{change_prefix, read_u64, seq_key};
use super::{Inner, Recorded, Store};
use crate::doc::{self, DocId, Entry};
use crate::error::{Result, StoreError};
use crate::index::{self, Derived, IndexKind};
use crate::writer::Writer;
use automerge::ChangeHash;
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};
use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use tamga_core::act::ActBody;
use tamga_core::{assess, KeyId, Registry, SignedAct, Timestamp};
use tracing::{debug, warn};

/// One write: everything that must land together.
#[derive(Default)]
pub(super) struct Write<'a> {
    pub(super) change: Option<&'a [u8]>,
    pub(super) derived: Option<&'a Derived>,
    pub(super) peers: Vec<(Vec<u8>, Vec<u8>)>,
    pub(super) pending_add: Vec<Vec<u8>>,
    pub(super) pending_remove: Vec<Vec<u8>>,
}

impl Store {
    /// Records an act made on this node. The act must hold: a consignment act against the
    /// registry as this store knows it, a registry act under the pinned authority. Returns once
    /// the act is durable. Recording an act the store already holds changes nothing (and
    /// returns once the act is durable: another writer may have recorded it a moment ago).
    pub fn record(&self, act: &SignedAct) -> Result<Recorded> {
        let recorded = self.record_deferred(act)?;
        self.make_durable()?;
        Ok(recorded)
    }

    /// [`Store::record`] without waiting for durability: durable once [`Store::make_durable`]
    /// returns after it. For a caller that records many acts and acknowledges them together.
    pub fn record_deferred(&self, act: &SignedAct) -> Result<Recorded> {
        let id = DocId::of_act(act);
        self.refuse_forgotten(&id)?;
        let mut inner = self.lock();
        let verdict = match &id {
            DocId::Registry => inner.registry.clone().apply(act).map_err(|e| e.to_string()),
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
        let (seq, _, _) = self.commit_doc(&mut inner, &id, &heads, Vec::new(), &Writer::Anyone)?;
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
        let seq = self
            .commit_doc(&mut inner, id, &heads, Vec::new(), &Writer::Anyone)?
            .0;
        drop(inner);
        self.make_durable()?;
        Ok(seq)
    }

    /// The annotations on a document.
    pub fn annotations(&self, id: &DocId) -> Result<Vec<(String, String)>> {
        let mut inner = self.lock();
        Ok(doc::annotations(self.doc(&mut inner, id)?))
    }

    /// The derived record of a document from its entries.
    pub(super) fn derive(&self, registry: &Registry, id: &DocId, entries: &[Entry]) -> Derived {
        let (acts, rejected) = self.sort_entries(id, entries, registry);
        match id {
            DocId::Registry => Derived {
                keys: BTreeSet::new(),
                rejected,
                summary: None,
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

    /// Writes one modification atomically. Returns the feed number if a change was written.
    /// Durable only once [`Store::make_durable`] returns after it: the public methods call it
    /// after they release the store's lock, so that concurrent writers share one sync.
    pub(super) fn write(&self, id: &DocId, w: Write<'_>) -> Result<Option<u64>> {
        let doc_key = id.to_key();
        let t = &self.t;
        let result = (
            &t.meta, &t.changes, &t.feed, &t.latest, &t.doc_seq, &t.derived, &t.index, &t.peers,
            &t.pending,
        )
            .transaction(
                |(meta, changes, feed, latest, doc_seq, derived, index, peers, pending)| {
                    let (mut seq, mut new_doc) = (None, false);
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
                        match doc_seq.insert(doc_key.as_slice(), &seq_key(next))? {
                            Some(old) => {
                                latest.remove(old)?;
                            }
                            None => new_doc = true,
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
                        counts::adjust(
                            meta,
                            old.keys.difference(&new.keys),
                            new.keys.difference(&old.keys),
                        )?;
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
                    Ok((seq, new_doc))
                },
            );
        let seq = match result {
            Ok((seq, new_doc)) => {
                if new_doc {
                    self.documents.fetch_add(1, Ordering::Relaxed);
                }
                seq
            }
            Err(TransactionError::Abort(detail)) => return Err(self.corrupted(detail)),
            Err(TransactionError::Storage(e)) => return Err(self.sled_err(e)),
        };
        Ok(seq)
    }

    /// Finishes a modification of document `id` made in memory since `heads`: derives and
    /// writes (durable at the caller's [`Store::make_durable`]). On failure the document is
    /// dropped from the cache.
    pub(super) fn commit_doc(
        &self,
        inner: &mut Inner,
        id: &DocId,
        heads: &[ChangeHash],
        peers: Vec<(Vec<u8>, Vec<u8>)>,
        writer: &Writer,
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
                // A new KP participants list, calendar or post registration may change the
                // verdict on any consignment: every consignment is derived again.
                if !inner.registry.same_lists(&registry) {
                    pending_add.push(EVERY_CONSIGNMENT.to_vec());
                }
                registry
            } else {
                inner.registry.clone()
            };
            let derived = self.derive(&registry, id, &entries);
            if let DocId::Consignment(consignment) = id {
                writer.admit(consignment, &derived.units_concerned())?;
            }
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
                if !matches!(e, StoreError::OutOfScope { .. }) {
                    warn!(doc = %id, error = %e, "write failed; the document was dropped from memory");
                }
                Err(e)
            }
        }
    }

    /// Re-assesses the consignments signed by keys in `pending` (every consignment for
    /// [`EVERY_CONSIGNMENT`]), then clears them.
    pub(super) fn finish_pending(&self, inner: &mut Inner) -> Result<()> {
        let keys: Vec<sled::IVec> = self
            .t
            .pending
            .iter()
            .keys()
            .collect::<Result<_, _>>()
            .map_err(|e| self.sled_err(e))?;
        for key in keys {
            let consignments = if key.as_ref() == EVERY_CONSIGNMENT {
                self.consignment_docs()?
            } else {
                self.scan_index(&index::prefix(IndexKind::Signer, &key))?
                    .into_iter()
                    .map(DocId::Consignment)
                    .collect()
            };
            for id in consignments {
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
}

/// The `pending` entry that asks for every consignment to be derived again (a key id is hex, so
/// it never starts with `*`).
pub(super) const EVERY_CONSIGNMENT: &[u8] = b"*every-consignment";

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::new_store;
    use tamga_core::assessment::Status;
    use tamga_core::fixtures::{self, Story};
    use tamga_core::UnitCode;

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
    fn a_late_enrollment_reindexes_the_consignments_it_concerns() {
        let story = Story::new();
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let a = new_store(da.path(), &story);
        let b = Store::open(db.path(), &story.authority_id()).unwrap();
        let doc = DocId::Consignment(story.consignment.clone());
        a.record(&story.registration()).unwrap();
        let report = b
            .apply_changes(&doc, &a.save_doc(&doc).unwrap(), &Writer::Anyone)
            .unwrap();
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
        b.apply_changes(
            &DocId::Registry,
            &a.save_doc(&DocId::Registry).unwrap(),
            &Writer::Anyone,
        )
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

    /// A KP participants list that leaves out the consignor's country makes every consignment
    /// of rough diamonds held critical, at once and without any act of theirs; nothing is left
    /// pending.
    #[test]
    fn a_new_kp_participants_list_derives_every_consignment_again() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let store = new_store(dir.path(), &story);
        store.record(&story.registration()).unwrap();
        let worst = |store: &Store| {
            store
                .assessment(&story.consignment, story.t(10))
                .unwrap()
                .discrepancies
                .iter()
                .map(|d| d.kind)
                .collect::<Vec<_>>()
        };
        assert!(worst(&store).is_empty());
        let without_belgium = story.kp_participants(story.t(-60), true, &[("Botswana", "BW")]);
        store.record(&without_belgium).unwrap();
        assert_eq!(
            worst(&store),
            [tamga_core::DiscrepancyKind::KpNonParticipant]
        );
        // The derived record (the list's summary) follows, not only a fresh assessment.
        let critical = |store: &Store| store.summary(&story.consignment).unwrap().unwrap().open[0];
        assert_eq!(critical(&store), 1);
        assert!(store.t.pending.is_empty());
        assert!(store.check().unwrap().is_empty());
        // Reopened, it stays so.
        drop(store);
        let store = Store::open(dir.path(), &story.authority_id()).unwrap();
        assert_eq!(critical(&store), 1);
        assert!(store.check().unwrap().is_empty());
    }
}
