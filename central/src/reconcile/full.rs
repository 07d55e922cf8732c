//! The whole store reassessed on every core: the workers share the list of consignments, each
//! reads through a [`tamga_store::Reader`] of its own (the store's lock held only to copy a
//! document's bytes; every act decoded from its bytes and verified once, never through the
//! store's bounded caches, which a million acts would only churn), makes the rows, and hands
//! them to the index a batch at a time. Memory stays bounded by the workers' batches: documents
//! are read one at a time per worker, never all loaded.
//!
//! Signatures are checked one by one with ed25519 `verify_strict`, never by batch verification:
//! a batch can accept a signature with a torsion component that strict single verification
//! refuses, and every node must reach the same verdict on an act.

use super::record::Record;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use tamga_core::{ConsignmentId, Timestamp};
use tamga_store::{Store, StoreError};

/// Consignments a worker takes from the shared list at a time.
const CHUNK: usize = 16;
/// Rows a worker gathers before it puts them in the index.
const BATCH: usize = 256;

/// How many workers a full pass runs by default: one per core this process may use.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Assesses `ids` as of `now` on `threads` workers (the calling thread alone if 1), handing the
/// rows to `put` a batch at a time, in no particular order. Stops at the first error; batches
/// already put stay put.
pub(super) fn assess_all(
    store: &Store,
    ids: &[ConsignmentId],
    now: Timestamp,
    threads: usize,
    allowance: u64,
    put: &(dyn Fn(Vec<Record>) + Sync),
    tap: Option<&super::TapFn>,
) -> Result<(), StoreError> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let work = || -> Result<(), StoreError> {
        let reader = store.reader();
        let mut batch = Vec::with_capacity(BATCH);
        while !failed.load(Relaxed) {
            let start = next.fetch_add(CHUNK, Relaxed);
            let Some(chunk) = ids.get(start..(start + CHUNK).min(ids.len())) else {
                break;
            };
            if chunk.is_empty() {
                break;
            }
            for id in chunk {
                let (assessment, acts) = reader
                    .assessment_and_acts(id, now)
                    .inspect_err(|_| failed.store(true, Relaxed))?;
                let assessment = super::sightings::with_sightings(
                    store,
                    reader.registry(),
                    assessment,
                    &acts,
                    allowance,
                );
                let record = Record::of(&assessment, &acts);
                if let Some(tap) = tap {
                    tap(&assessment, &record);
                }
                batch.push(record);
            }
            if batch.len() >= BATCH {
                put(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
            }
        }
        if !batch.is_empty() {
            put(batch);
        }
        Ok(())
    };
    let threads = threads.clamp(1, ids.len().div_ceil(CHUNK).max(1));
    if threads == 1 {
        return work();
    }
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads).map(|_| s.spawn(work)).collect();
        let mut result = Ok(());
        for worker in workers {
            let r = worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            if result.is_ok() {
                result = r;
            }
        }
        result
    })
}

#[cfg(test)]
mod tests {
    use crate::reconcile::{Filter, Reconciler};
    use std::sync::Arc;
    use tamga_core::act::{ActBody, SealState};
    use tamga_core::fixtures::stream::{consignment, post_stream_act, registration, seal_applied};
    use tamga_core::fixtures::{Story, AIRPORT_POST};
    use tamga_core::{DiscrepancyKind, SignedAct};
    use tamga_store::{doc, DocId, Store, StoreOptions, Writer};

    /// A seal check of consignment `n`'s seal in `state`.
    fn seal_checked(story: &Story, n: u64, state: SealState) -> SignedAct {
        let ActBody::SealChecked(mut body) = story.seal_checked(60, state).body().clone() else {
            unreachable!("the story's seal check")
        };
        body.consignment = consignment(n);
        body.seal = tamga_core::fixtures::stream::seal(n);
        story.sign(ActBody::SealChecked(body), &[&story.escort_second])
    }

    /// Consignment `n`'s acts: six kinds of consignment, most with discrepancies.
    fn acts(story: &Story, n: u64) -> Vec<SignedAct> {
        let on_the_road = || (4 * n..4 * n + 4).map(|k| post_stream_act(story, k));
        match n % 6 {
            // Registered and sealed, never left: overdue.
            0 => vec![registration(story, n), seal_applied(story, n)],
            // Handed to the escort, on the road past the deadline.
            1 => on_the_road().collect(),
            // A seal found damaged, and one missing.
            2 => on_the_road()
                .chain([seal_checked(story, n, SealState::Damaged)])
                .collect(),
            3 => on_the_road()
                .chain([seal_checked(story, n, SealState::Missing)])
                .collect(),
            // An act signed by a key nobody enrolled: left out, and flagged.
            4 => {
                let ActBody::SealApplied(mut body) = seal_applied(story, n).body().clone() else {
                    unreachable!("a seal applied")
                };
                body.officer = story.outsider.id.clone();
                let forged = story.sign(ActBody::SealApplied(body), &[&story.outsider]);
                vec![registration(story, n), forged]
            }
            // Two handoffs from the same predecessor: custody disputed.
            _ => {
                let mut body = story.transfer_body(
                    35,
                    AIRPORT_POST,
                    None,
                    &story.airport_officer,
                    &story.escort_second,
                );
                body.consignment = consignment(n);
                let fork = story.transfer(body, &story.airport_officer, &story.escort_second);
                on_the_road().chain([fork]).collect()
            }
        }
    }

    /// Merges `acts` into `store` as a peer's document, as a sync does (kept whether they hold
    /// or not).
    fn merge(store: &Store, id: &DocId, acts: &[SignedAct]) {
        let mut d = automerge::AutoCommit::new();
        for act in acts {
            doc::put_act(&mut d, act).unwrap();
            d.commit();
        }
        store.apply_changes(id, &d.save(), &Writer::Anyone).unwrap();
    }

    #[test]
    fn the_parallel_pass_gives_the_index_the_sequential_pass_gives() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        // A small document cache: most documents are read from disk, a few from the cache.
        let options = StoreOptions {
            cached_docs: 8,
            ..StoreOptions::default()
        };
        let store = Arc::new(Store::open_with(dir.path(), &story.authority_id(), options).unwrap());
        for act in story.registry_acts() {
            store.record(&act).unwrap();
        }
        let n = 300;
        // The story's own consignment is the stream's 123rd: it takes that place.
        for c in (0..=n).filter(|&c| c != 123) {
            if c == n / 2 {
                // Half the documents saved whole, half as their changes.
                store.compact(1).unwrap();
            }
            merge(
                &store,
                &DocId::Consignment(consignment(c)),
                &acts(&story, c),
            );
        }
        // The story's own: refused at the Department and returned to the airport post.
        for act in &story.refused_and_returned() {
            store.record(act).unwrap();
        }
        let now = story.t(24 * 60);

        let sequential = Reconciler::new(Arc::clone(&store));
        let first = sequential.full_sequential(now).unwrap();
        let index = sequential.read(|index, _| index.clone());
        assert_eq!(index.len(), n as usize + 1);
        let totals = index.totals();
        for kind in [
            DiscrepancyKind::Overdue,
            DiscrepancyKind::SealDamaged,
            DiscrepancyKind::SealMissing,
            DiscrepancyKind::CustodyFork,
            DiscrepancyKind::DeliveryRefused,
        ] {
            assert!(
                totals.open_by_kind.contains_key(&kind),
                "{kind:?}: {totals:?}"
            );
        }
        assert_eq!(totals.rejected, n as usize / 6, "{totals:?}");
        assert_eq!(totals.by_status["returned"], 1);
        assert!(!totals.by_status.contains_key("delivered"));

        for threads in [1, 2, 4] {
            let parallel = Reconciler::new(Arc::clone(&store)).with_threads(threads);
            assert_eq!(parallel.full(now).unwrap(), first);
            parallel.read(|i, p| {
                assert!(i == &index, "{threads} threads");
                assert_eq!(p, &sequential.read(|_, p| p.clone()));
            });
            // Again, now that it holds every row: the same, nothing counted as ingested.
            parallel.full(now).unwrap();
            assert!(parallel.read(|i, p| i == &index && p.acts_ingested == 0));
        }
        assert_eq!(index.consignments(&Filter::default()).len(), n as usize + 1);
        let returned = Filter {
            status: Some(tamga_core::assessment::Status::Returned),
            ..Filter::default()
        };
        assert_eq!(index.consignments(&returned).len(), 1);

        // A registry change makes a step reassess everything on the workers: the same index as
        // a sequential pass from scratch.
        let parallel = Reconciler::new(Arc::clone(&store)).with_threads(3);
        parallel.full(now).unwrap();
        store
            .record(&story.revocation(&story.escort_second, story.t(50)))
            .unwrap();
        let later = story.t(25 * 60);
        assert_eq!(parallel.step(later).unwrap().assessed, n as usize + 1);
        let fresh = Reconciler::new(Arc::clone(&store));
        fresh.full_sequential(later).unwrap();
        let expected = fresh.read(|i, _| i.clone());
        assert!(expected != index, "the revocation changed verdicts");
        assert!(parallel.read(|i, _| i == &expected));
    }
}
