//! Receipts of central's transparency log (`docs/act-format.md` §14.5), asked for after a sync
//! session with central: which of this node's acts central holds, since when, proven against a
//! signed tree head that extends the last one this node accepted.
//!
//! Central's side is [`LogKeeper`]: it sequences what the ledger merged, signs a tree head when
//! the log grew, and answers [`Request::Receipts`]. The node's side is [`ask`] (the request,
//! from the acts here without a receipt) and [`accept`] (every part checked before anything is
//! kept; a head that does not extend the accepted one raises the log alarm). Time is an
//! argument; nothing here touches a socket.

use crate::ledger::{Head, Ledger};
pub use crate::proofs::{Accepted, WireReceipt, HEAD_SKEW_SECONDS};
use crate::session::{Request, Response, SyncError};
use ed25519_dalek::SigningKey;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use tamga_core::signing::key_id;
use tamga_core::transparency::merkle::verify_consistency;
use tamga_core::transparency::{LogError, SignedTreeHead, TreeHead, MAX_PROOF_HASHES};
use tamga_core::{ActId, KeyId, Registry, Timestamp};
use tamga_store::Store;

/// The most acts asked about in one request.
pub const MAX_RECEIPTS_PER_REQUEST: usize = 4096;

/// Central's log key and the signing of tree heads. One per central process; the processes
/// of one central on a shared database hold the same key and keep one log ([`Ledger`]).
pub struct LogKeeper {
    /// The key, under the lock that makes one head at a time in this process.
    key: Mutex<SigningKey>,
    /// Set when the key was retired by another process (a rotation there): this process signs
    /// no new head until it is given the new key ([`LogKeeper::rotate`]).
    retired: AtomicBool,
    /// Whether the key may sign a head at a time (the registry's word), checked before each.
    may_sign: Option<MaySign>,
}

/// Whether a log key may sign a tree head dated at a time: `Err` says why not.
pub type MaySign = Box<dyn Fn(&KeyId, Timestamp) -> Result<(), String> + Send + Sync>;

impl LogKeeper {
    /// The keeper signing with `key` (enrolled as `transparency_log`).
    pub fn new(key: SigningKey) -> Self {
        LogKeeper {
            key: Mutex::new(key),
            retired: AtomicBool::new(false),
            may_sign: None,
        }
    }

    /// This keeper asking `may_sign` before it signs each head (central: the key enrolled
    /// and not revoked at the head's time), so that no head is signed with a key another
    /// process has just rotated out, even before this one has noticed.
    pub fn checking(mut self, may_sign: MaySign) -> Self {
        self.may_sign = Some(may_sign);
        self
    }

    /// The log key's id.
    pub fn key_id(&self) -> KeyId {
        key_id(&self.key.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Signs with `key` from now on (a rotation: the caller has enrolled it). The next
    /// [`LogKeeper::head`] signs a head with it even if the log has not grown.
    pub fn rotate(&self, key: SigningKey) {
        *self.key.lock().unwrap_or_else(|p| p.into_inner()) = key;
        self.retired.store(false, Ordering::SeqCst);
    }

    /// Stops signing with the key held: the registry no longer has it in force (another
    /// process sharing the log rotated it). Heads already signed are still answered with.
    pub fn retire(&self) {
        self.retired.store(true, Ordering::SeqCst);
    }

    /// Whether the key held was retired.
    pub fn is_retired(&self) -> bool {
        self.retired.load(Ordering::SeqCst)
    }

    /// Sequences what the ledger merged (seen at `now`) and returns the latest signed tree
    /// head, signing a new one if the log grew. The leaves are durable before the head is
    /// signed, and the head before it is returned.
    pub fn head(&self, ledger: &dyn Ledger, now: Timestamp) -> Result<SignedTreeHead, SyncError> {
        let key = self.key.lock().unwrap_or_else(|p| p.into_inner());
        let retired = self.is_retired();
        ledger.log_head(now, &|latest, size, root| {
            if let Some(latest) = latest.as_ref() {
                if latest.head.size == size && (retired || latest.log_key == key_id(&key)) {
                    return Ok(Head::Latest(latest.clone()));
                }
            }
            if retired {
                return Err(SyncError::Protocol(format!(
                    "this process's log key {} was retired (rotated by another central process); copy that process's log.key here and restart",
                    key_id(&key).fingerprint()
                )));
            }
            // Never dated before the head it follows, whatever the clock did.
            let time = latest.map_or(now, |l| now.max(l.head.time));
            if let Some(may_sign) = &self.may_sign {
                may_sign(&key_id(&key), time).map_err(|why| {
                    SyncError::Protocol(format!(
                        "the log key {} may not sign a tree head at {time} ({why}); if another central process rotated it, copy that process's log.key here",
                        key_id(&key).fingerprint()
                    ))
                })?;
            }
            Ok(Head::New(SignedTreeHead::sign(
                TreeHead {
                    size,
                    root: *root,
                    time,
                },
                &key,
            )))
        })
    }

    /// Answers a node's [`Request::Receipts`].
    pub fn answer(
        &self,
        ledger: &dyn Ledger,
        acts: &[[u8; 32]],
        known: u64,
        now: Timestamp,
    ) -> Result<Response, SyncError> {
        if acts.len() > MAX_RECEIPTS_PER_REQUEST {
            return Err(SyncError::Protocol(format!(
                "{} acts in one receipts request; at most {MAX_RECEIPTS_PER_REQUEST}",
                acts.len()
            )));
        }
        let head = self.head(ledger, now)?;
        let size = head.head.size;
        // A node that holds a larger head than this log has will see the refusal itself.
        let consistency = if known > 0 && known <= size {
            ledger.log_consistency(known, size)?
        } else {
            Vec::new()
        };
        let mut receipts = Vec::new();
        for act in acts {
            if let Some(r) = ledger.log_receipt(&ActId(*act), size)? {
                receipts.push(WireReceipt {
                    act: *act,
                    seen: r.seen.unix(),
                    index: r.index,
                    path: r.path,
                });
            }
        }
        Ok(Response::Receipts {
            checkpoint: head.to_text(),
            consistency,
            receipts,
        })
    }

    /// Answers a node's [`Request::Consistency`]: the proof between each pair of sizes
    /// (smaller first), `None` where the larger is beyond the log (a head this log signed of
    /// that size would then prove the log rewritten: the node raises its alarm).
    pub fn consistency(
        &self,
        ledger: &dyn Ledger,
        pairs: &[(u64, u64)],
    ) -> Result<Response, SyncError> {
        if pairs.len() > crate::proofs::MAX_CONSISTENCY_PAIRS {
            return Err(SyncError::Protocol(format!(
                "{} pairs in one consistency request; at most {}",
                pairs.len(),
                crate::proofs::MAX_CONSISTENCY_PAIRS
            )));
        }
        let size = ledger.log_size()?;
        let mut proofs = Vec::with_capacity(pairs.len());
        for &(old, new) in pairs {
            if old > new {
                return Err(SyncError::Protocol(format!(
                    "a consistency pair ({old}, {new}) not smaller first"
                )));
            }
            proofs.push(if new > size {
                None
            } else {
                Some(ledger.log_consistency(old, new)?)
            });
        }
        Ok(Response::Consistency { proofs })
    }
}

/// What a node asked for: the request, and where the receipts' cursor moves if every act asked
/// about comes back with its receipt.
#[derive(Clone, Debug)]
pub struct Asked {
    /// The request to send.
    pub request: Request,
    acts: Vec<ActId>,
    cursor: u64,
}

/// The receipts request: the acts here without a receipt (none, when every act has its
/// receipt: the request then still brings central's latest head and its consistency proof, so
/// every sync checks that central's log extends the head accepted before).
pub fn ask(store: &Store) -> Result<Asked, SyncError> {
    let (acts, cursor) = store.acts_without_receipt(MAX_RECEIPTS_PER_REQUEST)?;
    let known = match store.accepted_head()? {
        Some(text) => {
            SignedTreeHead::parse(&text)
                .map_err(|e| SyncError::Protocol(format!("the accepted tree head: {e}")))?
                .head
                .size
        }
        None => 0,
    };
    Ok(Asked {
        request: Request::Receipts {
            acts: acts.iter().map(|a| a.0).collect(),
            known,
        },
        acts,
        cursor,
    })
}

/// Checks central's answer to `asked` and keeps the head and receipts only if all of it holds:
/// the head's signature and key (`registry`), its time (not ahead of `now` beyond the skew),
/// its consistency with the last head accepted, and every receipt's proof. A head that does
/// not extend the accepted one is a fork: the log alarm is raised (kept until an officer clears
/// it) and nothing is kept.
pub fn accept(
    store: &Store,
    registry: &Registry,
    asked: &Asked,
    response: Response,
    now: Timestamp,
) -> Result<Accepted, LogError> {
    let Response::Receipts {
        checkpoint,
        consistency,
        receipts,
    } = response
    else {
        return Err(LogError::Proof(
            "the answer is not a receipts answer".into(),
        ));
    };
    let head = SignedTreeHead::parse(&checkpoint)?;
    head.verify(registry)?;
    if head.head.time.seconds_since(&now) > HEAD_SKEW_SECONDS {
        return Err(LogError::Head(format!(
            "the tree head is dated {}, ahead of this node's clock ({now})",
            head.head.time
        )));
    }
    if consistency.len() > MAX_PROOF_HASHES {
        return Err(LogError::Proof("the consistency proof is too long".into()));
    }
    let stored = |e: tamga_store::StoreError| LogError::Proof(format!("the store: {e}"));
    if let Some(text) = store.accepted_head().map_err(stored)? {
        let old = SignedTreeHead::parse(&text)?;
        let checked = if head.head.size < old.head.size {
            Err(LogError::Fork(format!(
                "central's log has {} leaves, fewer than the {} of the head accepted on {}",
                head.head.size, old.head.size, old.head.time
            )))
        } else {
            verify_consistency(
                old.head.size,
                head.head.size,
                &old.head.root,
                &head.head.root,
                &consistency,
            )
            .map_err(|e| match e {
                LogError::Proof(why) => LogError::Fork(why),
                other => other,
            })
        };
        if let Err(e) = checked {
            let alarm = format!(
                "{e} (head of {} leaves signed {} by {}, against the head of {} leaves accepted, signed {})",
                head.head.size,
                head.head.time,
                head.log_key.fingerprint(),
                old.head.size,
                old.head.time
            );
            store.set_log_alarm(Some(&alarm)).map_err(stored)?;
            return Err(e);
        }
    }
    // Each act asked about at most once: a set, so an answer of many receipts costs no
    // quadratic search, and a receipt given twice is refused like one never asked for.
    let mut open: std::collections::BTreeSet<ActId> = asked.acts.iter().copied().collect();
    let mut kept = Vec::with_capacity(receipts.len());
    for w in receipts {
        let act = ActId(w.act);
        if !open.remove(&act) {
            return Err(LogError::Proof(format!(
                "a receipt for act {}, which was not asked about or is given twice",
                act.short()
            )));
        }
        let receipt = crate::proofs::receipt(act, w.seen, w.index, head.head.size, w.path)?;
        receipt.verify(&head.head)?;
        kept.push(receipt);
    }
    let not_yet = open.len();
    let cursor = (not_yet == 0).then_some(asked.cursor);
    store
        .put_receipts(&checkpoint, &kept, cursor)
        .map_err(stored)?;
    Ok(Accepted {
        head: head.head,
        receipts: kept.len(),
        not_yet,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::store;
    use tamga_core::fixtures::{at, key, Story};

    fn log_key() -> SigningKey {
        Story::log_key()
    }

    fn enroll_log(story: &Story, s: &Store) {
        s.record(&story.log_enrollment()).unwrap();
    }

    /// Central and a node holding the same acts (recorded on both, as a sync would leave them).
    fn pair(story: &Story) -> (Vec<tempfile::TempDir>, Store, Store) {
        let (a, central) = store(story);
        let (b, node) = store(story);
        enroll_log(story, &central);
        enroll_log(story, &node);
        for act in story.clean_delivery() {
            central.record(&act).unwrap();
            node.record(&act).unwrap();
        }
        (vec![a, b], central, node)
    }

    #[test]
    fn a_node_keeps_receipts_of_every_act_and_then_asks_for_none() {
        let story = Story::new();
        let (_dirs, central, node) = pair(&story);
        let keeper = LogKeeper::new(log_key());
        let now = at("2026-11-23T12:00:00Z");
        let asked = ask(&node).unwrap();
        let Request::Receipts { acts, known } = &asked.request else {
            unreachable!()
        };
        assert_eq!(*known, 0);
        let answer = keeper.answer(&central, acts, *known, now).unwrap();
        let accepted = accept(&node, &node.registry(), &asked, answer, now).unwrap();
        assert_eq!(accepted.not_yet, 0);
        assert_eq!(accepted.receipts, acts.len());
        for act in story.clean_delivery() {
            assert_eq!(node.receipt(&act.id()).unwrap().unwrap().seen, now);
        }
        let Request::Receipts { acts: none, .. } = ask(&node).unwrap().request else {
            unreachable!()
        };
        assert!(none.is_empty());
        // A new act: asked again, with the accepted head's size, and proven consistent.
        let later = at("2026-11-23T13:00:00Z");
        let extra = story.seal_checked(400, tamga_core::act::SealState::Intact);
        central.record(&extra).unwrap();
        node.record(&extra).unwrap();
        let asked = ask(&node).unwrap();
        let Request::Receipts { acts, known } = &asked.request else {
            unreachable!()
        };
        assert_eq!(*known, accepted.head.size);
        let answer = keeper.answer(&central, acts, *known, later).unwrap();
        let second = accept(&node, &node.registry(), &asked, answer, later).unwrap();
        assert_eq!(second.head.size, accepted.head.size + 1);
        assert_eq!(node.receipt(&extra.id()).unwrap().unwrap().seen, later);
        assert_eq!(node.log_alarm().unwrap(), None);
    }

    #[test]
    fn a_rewritten_log_raises_the_alarm_and_forged_answers_change_nothing() {
        let story = Story::new();
        let (_dirs, central, node) = pair(&story);
        let keeper = LogKeeper::new(log_key());
        let now = at("2026-11-23T12:00:00Z");
        let asked = ask(&node).unwrap();
        let Request::Receipts { acts, .. } = &asked.request else {
            unreachable!()
        };
        let good = keeper.answer(&central, acts, 0, now).unwrap();
        // A head by a key enrolled for no log; a receipt for an act not asked about; a proof
        // changed: each refused, nothing kept.
        let Response::Receipts {
            checkpoint,
            consistency,
            receipts,
        } = good.clone()
        else {
            unreachable!()
        };
        let head = SignedTreeHead::parse(&checkpoint).unwrap();
        let foreign = SignedTreeHead::sign(head.head, &key("another central")).to_text();
        let mut changed = receipts.clone();
        changed[0].path[0][0] ^= 1;
        let mut stranger = receipts.clone();
        stranger[0].act = [9; 32];
        let mut twice = receipts.clone();
        twice.push(receipts[0].clone());
        for (why, bad) in [
            (
                "foreign head",
                Response::Receipts {
                    checkpoint: foreign,
                    consistency: consistency.clone(),
                    receipts: receipts.clone(),
                },
            ),
            (
                "changed proof",
                Response::Receipts {
                    checkpoint: checkpoint.clone(),
                    consistency: consistency.clone(),
                    receipts: changed,
                },
            ),
            (
                "not asked",
                Response::Receipts {
                    checkpoint: checkpoint.clone(),
                    consistency: consistency.clone(),
                    receipts: stranger,
                },
            ),
            (
                "a receipt twice",
                Response::Receipts {
                    checkpoint: checkpoint.clone(),
                    consistency: consistency.clone(),
                    receipts: twice,
                },
            ),
        ] {
            assert!(
                accept(&node, &node.registry(), &asked, bad, now).is_err(),
                "{why}"
            );
            assert_eq!(node.accepted_head().unwrap(), None, "{why}");
            assert!(node.receipt(&ActId(acts[0])).unwrap().is_none(), "{why}");
        }
        accept(&node, &node.registry(), &asked, good, now).unwrap();
        // Another central's log of the same acts, seen at other times: its heads do not extend
        // the accepted one.
        let (_c, rewritten) = store(&story);
        enroll_log(&story, &rewritten);
        for act in story.clean_delivery().iter().rev() {
            rewritten.record(act).unwrap();
        }
        let extra = story.seal_checked(400, tamga_core::act::SealState::Intact);
        rewritten.record(&extra).unwrap();
        node.record(&extra).unwrap();
        let asked = ask(&node).unwrap();
        let Request::Receipts { acts, known } = &asked.request else {
            unreachable!()
        };
        let forked = keeper
            .answer(&rewritten, acts, *known, at("2026-11-23T12:30:00Z"))
            .unwrap();
        let e = accept(
            &node,
            &node.registry(),
            &asked,
            forked,
            at("2026-11-23T12:30:00Z"),
        )
        .unwrap_err();
        assert_eq!(e.code(), "log_forked", "{e}");
        assert!(node
            .log_alarm()
            .unwrap()
            .unwrap()
            .contains("rewritten or forked"));
        assert!(node.receipt(&extra.id()).unwrap().is_none());
    }
}
