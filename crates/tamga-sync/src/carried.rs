//! Central's receipts carried by a bundle (`docs/act-format.md` §12 and §14.5): a post without
//! a link learns that its acts reached headquarters from the node that carried them there.
//!
//! The exporter puts in its bundle, for every act of the documents it carries, the receipt it
//! holds and the signed tree head that receipt is proven against ([`collect`]). The importer
//! checks all of it before anything is merged ([`check`]: each head's signature, key and time,
//! each receipt's path to its head's root); a forged part refuses the whole bundle. After the
//! merge it keeps the receipts of acts it now holds and has none for ([`keep`]). Only central
//! can prove that a carried head extends the head a node accepted from central itself, so a
//! carried head of another size waits as **pending**; at the node's next sync with central it
//! asks for the consistency proof between each pending head and the head it accepts then
//! ([`ask_pending`], [`check_pending`]; central answers with `LogKeeper::consistency`). A
//! carried head that contradicts what the node holds (one size, two roots) or that central
//! cannot prove consistent raises the log alarm, like a forked log met directly.
//!
//! Pure checks over the store; time is an argument.

use crate::session::{Request, Response};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use tamga_core::transparency::merkle::verify_consistency;
use tamga_core::transparency::{Hash, LogError, Receipt, SignedTreeHead, TreeHead};
use tamga_core::{ActId, Registry, Timestamp};
use tamga_store::{DocId, Store, StoreError};

/// The most tree heads one bundle carries.
pub const MAX_CARRIED_HEADS: usize = 64;
/// The most carried heads a node keeps waiting for their check; one request asks about at most
/// these many.
pub const MAX_PENDING_HEADS: usize = crate::proofs::MAX_CONSISTENCY_PAIRS;

/// What a bundle carries of central's log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarriedLog {
    /// Signed tree heads (`docs/act-format.md` §14.4, text), each of another size.
    pub heads: Vec<String>,
    /// Receipts, each proven against the head of its `size`.
    pub receipts: Vec<CarriedReceipt>,
}

/// One receipt as a bundle carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarriedReceipt {
    /// The act's id.
    pub act: [u8; 32],
    /// When central's log first saw it (Unix seconds).
    pub seen: i64,
    /// Its leaf's index.
    pub index: u64,
    /// The size of the head it is proven against.
    pub size: u64,
    /// The inclusion proof, leaf first.
    pub path: Vec<Hash>,
}

/// The receipts this node holds for the acts of `docs`, with the heads they are proven against
/// (a receipt whose head is not held here is left out; at most [`MAX_CARRIED_HEADS`] heads).
/// Nothing is read of a node that holds no receipt.
pub fn collect(store: &Store, docs: &[DocId]) -> Result<CarriedLog, StoreError> {
    if !store.holds_receipts()? {
        return Ok(CarriedLog::default());
    }
    // Receipts kept before their heads were kept with them have the last head accepted.
    let accepted = store
        .accepted_head()?
        .and_then(|text| Some((SignedTreeHead::parse(&text).ok()?.head.size, text)));
    // Each size looked up once: its head's text, or `None` if not held here.
    let mut heads: BTreeMap<u64, Option<String>> = BTreeMap::new();
    let mut seen: BTreeSet<ActId> = BTreeSet::new();
    let mut receipts = Vec::new();
    for doc in docs {
        let acts = match store.acts(doc) {
            Ok(acts) => acts,
            Err(StoreError::Forgotten { .. }) => continue,
            Err(e) => return Err(e),
        };
        for act in acts {
            let id = act.id();
            if !seen.insert(id) {
                continue;
            }
            let Some(r) = store.receipt(&id)? else {
                continue;
            };
            if !heads.contains_key(&r.size) {
                let held = heads.values().filter(|h| h.is_some()).count();
                let text = match store.held_head(r.size)? {
                    Some(text) => Some(text),
                    None => accepted
                        .as_ref()
                        .filter(|(size, _)| *size == r.size)
                        .map(|(_, text)| text.clone()),
                };
                heads.insert(r.size, text.filter(|_| held < MAX_CARRIED_HEADS));
            }
            if heads[&r.size].is_none() {
                continue;
            }
            receipts.push(CarriedReceipt {
                act: id.0,
                seen: r.seen.unix(),
                index: r.index,
                size: r.size,
                path: r.path,
            });
        }
    }
    Ok(CarriedLog {
        heads: heads.into_values().flatten().collect(),
        receipts,
    })
}

/// A bundle's carried log whose every part holds.
#[derive(Clone, Debug, Default)]
pub struct Checked {
    heads: BTreeMap<u64, (TreeHead, String)>,
    receipts: Vec<Receipt>,
}

/// Checks what a bundle carries: at most [`MAX_CARRIED_HEADS`] heads, each signed by a key
/// `registry` has as a `transparency_log` key in force at its time and not dated ahead of
/// `now` beyond the skew; no two of one size (two roots for one size prove a fork); every
/// receipt for one act at most, against a carried head, its path leading to that head's root.
pub fn check(log: &CarriedLog, registry: &Registry, now: Timestamp) -> Result<Checked, LogError> {
    if log.heads.len() > MAX_CARRIED_HEADS {
        return Err(LogError::Head(format!(
            "{} tree heads carried; at most {MAX_CARRIED_HEADS}",
            log.heads.len()
        )));
    }
    let mut heads: BTreeMap<u64, (TreeHead, String)> = BTreeMap::new();
    for text in &log.heads {
        let head = SignedTreeHead::parse(text)?;
        head.verify(registry)?;
        if head.head.time.seconds_since(&now) > crate::proofs::HEAD_SKEW_SECONDS {
            return Err(LogError::Head(format!(
                "a carried tree head is dated {}, ahead of this node's clock ({now})",
                head.head.time
            )));
        }
        if let Some((other, _)) = heads.get(&head.head.size) {
            return Err(if other.root == head.head.root {
                LogError::Head(format!(
                    "the head of {} leaves is carried twice",
                    other.size
                ))
            } else {
                LogError::Fork(format!(
                    "two carried tree heads of {} leaves with different roots",
                    other.size
                ))
            });
        }
        heads.insert(head.head.size, (head.head, text.clone()));
    }
    let mut acts = BTreeSet::new();
    let mut receipts = Vec::with_capacity(log.receipts.len());
    for w in &log.receipts {
        let act = ActId(w.act);
        if !acts.insert(act) {
            return Err(LogError::Proof(format!(
                "two carried receipts for act {}",
                act.short()
            )));
        }
        let (head, _) = heads.get(&w.size).ok_or_else(|| {
            LogError::Proof(format!(
                "the receipt of act {} is for a tree of {} leaves, whose head is not carried",
                act.short(),
                w.size
            ))
        })?;
        let receipt = crate::proofs::receipt(act, w.seen, w.index, w.size, w.path.clone())?;
        receipt.verify(head)?;
        receipts.push(receipt);
    }
    Ok(Checked { heads, receipts })
}

/// What keeping a bundle's receipts did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Kept {
    /// Receipts kept (acts held here that had none).
    pub receipts: usize,
    /// Carried heads kept that wait for a consistency check against central.
    pub pending: usize,
}

/// Keeps the checked receipts of acts in `held` (the acts here after the merge) that have no
/// receipt here yet, with their heads. A head of the size of one this node holds must have the
/// same root, else the log alarm is raised and nothing is kept; a head of the size of the one
/// accepted from central is thereby checked, any other waits as pending. Durable before it
/// returns.
pub fn keep(store: &Store, checked: Checked, held: &BTreeSet<ActId>) -> Result<Kept, LogError> {
    let stored = |e: StoreError| LogError::Proof(format!("the store: {e}"));
    let mut receipts = Vec::new();
    for r in checked.receipts {
        if held.contains(&r.act) && store.receipt(&r.act).map_err(stored)?.is_none() {
            receipts.push(r);
        }
    }
    let needed: BTreeSet<u64> = receipts.iter().map(|r| r.size).collect();
    let accepted = match store.accepted_head().map_err(stored)? {
        Some(text) => Some(SignedTreeHead::parse(&text)?.head),
        None => None,
    };
    // Every carried head is compared with what this node holds, needed or not: two roots for
    // one size are proof that central showed two logs.
    let mut heads = Vec::new();
    for (size, (head, text)) in &checked.heads {
        let size = *size;
        let known = match store.held_head(size).map_err(stored)? {
            Some(text) => Some(SignedTreeHead::parse(&text)?.head),
            None => None,
        };
        let known = known.or_else(|| accepted.filter(|a| a.size == size));
        if let Some(known) = known {
            if known.root != head.root {
                let alarm = format!(
                    "a bundle carried a tree head of {size} leaves (signed {}) whose root differs from the head of {size} leaves this node holds (signed {}): central showed two different logs",
                    head.time, known.time
                );
                store.set_log_alarm(Some(&alarm)).map_err(stored)?;
                return Err(LogError::Fork(alarm));
            }
        }
        if needed.contains(&size) {
            heads.push((size, text.clone(), known.is_none()));
        }
    }
    let pending = heads.iter().filter(|(_, _, p)| *p).count();
    let waiting = store.pending_head_count().map_err(stored)?;
    if waiting + pending > MAX_PENDING_HEADS {
        return Err(LogError::Head(format!(
            "{waiting} carried tree heads already wait for a check against central's log: sync with central before importing more receipts (the bundle's documents were imported)"
        )));
    }
    store
        .put_carried_receipts(&heads, &receipts)
        .map_err(stored)?;
    Ok(Kept {
        receipts: receipts.len(),
        pending,
    })
}

/// The consistency check of the pending heads against the head accepted from central.
#[derive(Clone, Debug)]
pub struct PendingCheck {
    /// The request to send central.
    pub request: Request,
    /// Per pair asked: the pending head's size and the pair's two heads, smaller first.
    asked: Vec<(u64, TreeHead, TreeHead)>,
}

/// The pending heads to check against the head accepted from central: those of its size are
/// compared here (a different root raises the alarm); for the others, the request for the
/// consistency proofs. `None` when nothing is left to ask.
pub fn ask_pending(store: &Store) -> Result<Option<PendingCheck>, LogError> {
    let stored = |e: StoreError| LogError::Proof(format!("the store: {e}"));
    let Some(text) = store.accepted_head().map_err(stored)? else {
        return Ok(None);
    };
    let accepted = SignedTreeHead::parse(&text)?.head;
    let mut same = Vec::new();
    let mut asked = Vec::new();
    for (size, text) in store.pending_heads().map_err(stored)? {
        let head = SignedTreeHead::parse(&text)?.head;
        if head.size == accepted.size {
            if head.root != accepted.root {
                return Err(fork(
                    store,
                    &head,
                    "has another root than the one central gave",
                ));
            }
            same.push(size);
        } else if head.size < accepted.size {
            asked.push((size, head, accepted));
        } else {
            asked.push((size, accepted, head));
        }
    }
    if !same.is_empty() {
        store.clear_pending_heads(&same).map_err(stored)?;
    }
    asked.truncate(MAX_PENDING_HEADS);
    if asked.is_empty() {
        return Ok(None);
    }
    Ok(Some(PendingCheck {
        request: Request::Consistency {
            pairs: asked.iter().map(|(_, a, b)| (a.size, b.size)).collect(),
        },
        asked,
    }))
}

/// Raises the log alarm for a carried head central's log does not bear out.
fn fork(store: &Store, head: &TreeHead, why: &str) -> LogError {
    let alarm = format!(
        "a tree head of {} leaves signed {}, carried here by a bundle, {why}: central showed two different logs",
        head.size, head.time
    );
    if let Err(e) = store.set_log_alarm(Some(&alarm)) {
        return LogError::Proof(format!("the store: {e}"));
    }
    LogError::Fork(alarm)
}

/// Checks central's consistency proofs for the pending heads: each that holds waits no more;
/// the first that does not (or that central's log is now too small to prove) raises the log
/// alarm. Returns how many heads were cleared.
pub fn check_pending(
    store: &Store,
    check: &PendingCheck,
    response: Response,
) -> Result<usize, LogError> {
    let Response::Consistency { proofs } = response else {
        return Err(LogError::Proof(
            "the answer is not a consistency answer".into(),
        ));
    };
    if proofs.len() != check.asked.len() {
        return Err(LogError::Proof(format!(
            "{} consistency proofs for {} asked",
            proofs.len(),
            check.asked.len()
        )));
    }
    let mut cleared = Vec::new();
    for ((size, old, new), proof) in check.asked.iter().zip(proofs) {
        let carried = if old.size == *size { old } else { new };
        let Some(proof) = proof else {
            return Err(fork(store, carried, "is larger than central's log is now"));
        };
        if let Err(e) = verify_consistency(old.size, new.size, &old.root, &new.root, &proof) {
            return Err(fork(
                store,
                carried,
                &format!("is not consistent with the head central gave ({e})"),
            ));
        }
        cleared.push(*size);
    }
    store
        .clear_pending_heads(&cleared)
        .map_err(|e| LogError::Proof(format!("the store: {e}")))?;
    Ok(cleared.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{self, Bundle, BundleError, CarryError};
    use crate::receipts::{accept, ask, LogKeeper};
    use crate::scope::Scope;
    use crate::test_support::store;
    use tamga_core::fixtures::{at, key, unit, Story, ESCORT_UNIT};
    use tamga_core::transparency::MemoryTree;

    /// A store holding the registry with the log key enrolled.
    fn node(story: &Story) -> (tempfile::TempDir, Store) {
        let (dir, s) = store(story);
        s.record(&story.log_enrollment()).unwrap();
        (dir, s)
    }

    /// `node` asks `central` for receipts at `now` and keeps them.
    fn receipts_from(central: &Store, keeper: &LogKeeper, node: &Store, now: Timestamp) {
        let asked = ask(node).unwrap();
        let Request::Receipts { acts, known } = &asked.request else {
            unreachable!()
        };
        let answer = keeper.answer(central, acts, *known, now).unwrap();
        accept(node, &node.registry(), &asked, answer, now).unwrap();
    }

    /// The vehicle's bundle for the post: every document, with the vehicle's receipts.
    fn bundle_for_post(story: &Story, vehicle: &Store) -> Vec<u8> {
        bundle::export(
            vehicle,
            &story.vehicle_device.key,
            Some(&story.escort_lead.id),
            &Scope::Unit(unit(ESCORT_UNIT)),
            0,
            story.t(60),
        )
        .unwrap()
    }

    fn import(
        story: &Story,
        post: &Store,
        bytes: &[u8],
    ) -> Result<bundle::ImportReport, CarryError> {
        bundle::import(
            post,
            bytes,
            &story.escort_lead.id,
            &[],
            at("2026-11-23T12:30:00Z"),
        )
    }

    /// Central, the vehicle that met it and the post that did not: the story's acts at all
    /// three; the vehicle holds central's receipts (seen at 12:00).
    struct Scene {
        story: Story,
        keeper: LogKeeper,
        central: Store,
        vehicle: Store,
        post: Store,
        _dirs: Vec<tempfile::TempDir>,
    }

    fn scene() -> Scene {
        let story = Story::new();
        let (a, central) = node(&story);
        let (b, vehicle) = node(&story);
        let (c, post) = node(&story);
        for act in story.clean_delivery() {
            central.record(&act).unwrap();
            vehicle.record(&act).unwrap();
            post.record(&act).unwrap();
        }
        let keeper = LogKeeper::new(Story::log_key());
        receipts_from(&central, &keeper, &vehicle, at("2026-11-23T12:00:00Z"));
        Scene {
            story,
            keeper,
            central,
            vehicle,
            post,
            _dirs: vec![a, b, c],
        }
    }

    #[test]
    fn receipts_travel_in_a_bundle_and_their_head_is_checked_at_the_next_sync() {
        let s = scene();
        let acts = s.story.clean_delivery();
        assert!(s.post.receipt(&acts[0].id()).unwrap().is_none());
        let report = import(&s.story, &s.post, &bundle_for_post(&s.story, &s.vehicle)).unwrap();
        // The story's acts and the registry's.
        let Some(Ok(kept)) = report.receipts else {
            panic!("{report:?}")
        };
        assert_eq!(kept.pending, 1);
        assert!(kept.receipts > acts.len(), "{kept:?}");
        for act in &acts {
            assert_eq!(
                s.post.receipt(&act.id()).unwrap().unwrap().seen,
                at("2026-11-23T12:00:00Z")
            );
        }
        assert_eq!(s.post.pending_head_count().unwrap(), 1);
        // Importing it again keeps nothing new.
        let again = import(&s.story, &s.post, &bundle_for_post(&s.story, &s.vehicle)).unwrap();
        assert_eq!(
            again.receipts,
            Some(Ok(Kept {
                receipts: 0,
                pending: 0
            }))
        );

        // Central's log grows; the post meets central: it accepts a larger head, and the
        // carried head is proven consistent with it.
        let extra = s
            .story
            .seal_checked(400, tamga_core::act::SealState::Intact);
        s.central.record(&extra).unwrap();
        s.post.record(&extra).unwrap();
        receipts_from(&s.central, &s.keeper, &s.post, at("2026-11-23T13:00:00Z"));
        let check = ask_pending(&s.post)
            .unwrap()
            .expect("a pending head to check");
        let Request::Consistency { pairs } = &check.request else {
            unreachable!()
        };
        assert_eq!(pairs.len(), 1);
        assert!(pairs[0].0 < pairs[0].1);
        let answer = s.keeper.consistency(&s.central, pairs).unwrap();
        assert_eq!(check_pending(&s.post, &check, answer).unwrap(), 1);
        assert_eq!(s.post.pending_head_count().unwrap(), 0);
        assert_eq!(s.post.log_alarm().unwrap(), None);
        assert!(ask_pending(&s.post).unwrap().is_none());
    }

    #[test]
    fn a_carried_head_of_the_accepted_size_is_compared_at_once() {
        let s = scene();
        // The post met central itself at the same size.
        receipts_from(&s.central, &s.keeper, &s.post, at("2026-11-23T12:05:00Z"));
        let report = import(&s.story, &s.post, &bundle_for_post(&s.story, &s.vehicle)).unwrap();
        // Every act already had its receipt: nothing kept, nothing pending.
        assert_eq!(
            report.receipts,
            Some(Ok(Kept {
                receipts: 0,
                pending: 0
            }))
        );
        assert_eq!(s.post.pending_head_count().unwrap(), 0);
    }

    /// A second central over the same acts, seen at another time: a log of the same size with
    /// another root, signed by the same key (a central showing two logs).
    fn forked(story: &Story, now: Timestamp) -> (tempfile::TempDir, Store) {
        let (dir, fork) = node(story);
        for act in story.clean_delivery() {
            fork.record(&act).unwrap();
        }
        LogKeeper::new(Story::log_key()).head(&fork, now).unwrap();
        (dir, fork)
    }

    #[test]
    fn a_carried_head_contradicting_the_accepted_one_raises_the_alarm() {
        let s = scene();
        let (_d, fork) = forked(&s.story, at("2026-11-23T12:10:00Z"));
        receipts_from(&fork, &s.keeper, &s.post, at("2026-11-23T12:10:00Z"));
        let accepted = s.post.accepted_head().unwrap();
        let before = s.post.receipt(&s.story.clean_delivery()[0].id()).unwrap();
        let report = import(&s.story, &s.post, &bundle_for_post(&s.story, &s.vehicle)).unwrap();
        let Some(Err(why)) = report.receipts else {
            panic!("{report:?}")
        };
        assert!(why.starts_with("log_forked"), "{why}");
        let alarm = s.post.log_alarm().unwrap().expect("the alarm");
        assert!(
            alarm.contains("central showed two different logs"),
            "{alarm}"
        );
        // Nothing of the bundle's log kept.
        assert_eq!(s.post.accepted_head().unwrap(), accepted);
        assert_eq!(
            s.post.receipt(&s.story.clean_delivery()[0].id()).unwrap(),
            before
        );
        assert_eq!(s.post.pending_head_count().unwrap(), 0);
    }

    #[test]
    fn a_pending_head_the_central_met_later_cannot_prove_raises_the_alarm() {
        let s = scene();
        import(&s.story, &s.post, &bundle_for_post(&s.story, &s.vehicle)).unwrap();
        assert_eq!(s.post.pending_head_count().unwrap(), 1);
        // The post next meets a central whose log was rewritten: same acts seen at other times,
        // one act more.
        let (_d, fork) = forked(&s.story, at("2026-11-23T12:10:00Z"));
        let extra = s
            .story
            .seal_checked(400, tamga_core::act::SealState::Intact);
        fork.record(&extra).unwrap();
        s.post.record(&extra).unwrap();
        receipts_from(&fork, &s.keeper, &s.post, at("2026-11-23T13:00:00Z"));
        let check = ask_pending(&s.post).unwrap().expect("a pending head");
        let Request::Consistency { pairs } = &check.request else {
            unreachable!()
        };
        let answer = s.keeper.consistency(&fork, pairs).unwrap();
        let err = check_pending(&s.post, &check, answer).unwrap_err();
        assert_eq!(err.code(), "log_forked", "{err}");
        assert!(s.post.log_alarm().unwrap().is_some());
        // Still pending: staff look into it.
        assert_eq!(s.post.pending_head_count().unwrap(), 1);
        // A central whose log is smaller than the carried head: also a fork.
        let (_e, small) = node(&s.story);
        let answer = s.keeper.consistency(&small, pairs).unwrap();
        assert!(matches!(answer, Response::Consistency { ref proofs } if proofs[0].is_none()));
        assert_eq!(
            check_pending(&s.post, &check, answer).unwrap_err().code(),
            "log_forked"
        );
    }

    /// The vehicle's bundle for the post with its carried log changed by `edit`, re-signed by the
    /// vehicle's (enrolled) device key: a faulty or dishonest exporter.
    fn edited(s: &Scene, edit: impl FnOnce(&mut CarriedLog)) -> Vec<u8> {
        let bytes = bundle_for_post(&s.story, &s.vehicle);
        let mut b: Bundle =
            bundle::open(&bytes, &s.post.registry(), &s.story.escort_lead.id).unwrap();
        edit(&mut b.log);
        bundle::seal(&b, &s.story.vehicle_device.key).unwrap()
    }

    #[test]
    fn forged_carried_receipts_refuse_the_whole_bundle() {
        let s = scene();
        let good = bundle_for_post(&s.story, &s.vehicle);
        let b: Bundle = bundle::open(&good, &s.post.registry(), &s.story.escort_lead.id).unwrap();
        let head = SignedTreeHead::parse(&b.log.heads[0]).unwrap();
        // A tree of the right size whose root holds none of the receipts.
        let mut other = MemoryTree::new();
        for i in 0..head.head.size {
            other.push([i as u8; 32]);
        }
        let mut other_head = head.head;
        other_head.root = other.root(head.head.size);
        let cases: Vec<(&str, Vec<u8>)> = vec![
            (
                "a path changed",
                edited(&s, |l| l.receipts[0].path[0][0] ^= 1),
            ),
            ("a time changed", edited(&s, |l| l.receipts[0].seen += 1)),
            (
                "a head signed by a key that is no log's",
                edited(&s, |l| {
                    l.heads[0] = SignedTreeHead::sign(head.head, &key("another central")).to_text()
                }),
            ),
            (
                "the log key's head of another root",
                edited(&s, |l| {
                    l.heads[0] = SignedTreeHead::sign(other_head, &Story::log_key()).to_text()
                }),
            ),
            (
                "a receipt whose head is not carried",
                edited(&s, |l| l.heads.clear()),
            ),
            (
                "a receipt twice",
                edited(&s, |l| {
                    let r = l.receipts[0].clone();
                    l.receipts.push(r)
                }),
            ),
            (
                "two heads of one size",
                edited(&s, |l| {
                    let h = SignedTreeHead::sign(other_head, &Story::log_key()).to_text();
                    l.heads.push(h)
                }),
            ),
            (
                "a head dated tomorrow",
                edited(&s, |l| {
                    let mut h = head.head;
                    h.time = at("2026-11-24T12:30:00Z");
                    l.heads[0] = SignedTreeHead::sign(h, &Story::log_key()).to_text()
                }),
            ),
        ];
        let before = s.post.last_seq().unwrap();
        for (why, bytes) in cases {
            let err = import(&s.story, &s.post, &bytes).unwrap_err();
            assert!(
                matches!(err, CarryError::Bundle(BundleError::Receipts(_))),
                "{why}: {err}"
            );
            assert_eq!(s.post.last_seq().unwrap(), before, "{why}");
            assert!(
                s.post
                    .receipt(&s.story.clean_delivery()[0].id())
                    .unwrap()
                    .is_none(),
                "{why}"
            );
            assert_eq!(s.post.pending_head_count().unwrap(), 0, "{why}");
        }
        // The unedited bundle imports.
        assert!(import(&s.story, &s.post, &good)
            .unwrap()
            .receipts
            .unwrap()
            .is_ok());
    }
}
