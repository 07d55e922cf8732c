//! A sync session between two nodes, as messages: the initiator drives it with
//! [`Initiator`], the other side answers each request with [`respond`]. Neither touches a
//! socket or a file of its own; the replicas are the nodes' [`Store`]s, and how requests and
//! responses travel (HTTP, a simulated network) is the caller's business.
//!
//! A session costs what changed since the two nodes last completed one:
//!
//! 1. **open** — the initiator says how far it has heard from the responder (its checkpoint:
//!    the responder's change-feed position). The responder answers with its own position, how
//!    far it has heard from the initiator, and the documents it changed since, within the
//!    initiator's scope. If neither side changed anything in the other's scope, the session
//!    ends here: one small round trip, whatever the number of documents.
//! 2. **sync** — for the documents either side changed, rounds of automerge sync messages,
//!    many documents per round, until neither side has anything to send. Every message is
//!    merged as it arrives, and a round's merges are made durable in one group commit
//!    (`Store::make_durable`) before the round is answered or the next one asked for, so a cut
//!    session keeps what it got.
//! 3. **close** — the initiator tells the responder the position it has now received up to;
//!    each side records the other's position as its new checkpoint.
//!
//! Checkpoints are the positions read when the session opened, so a document changed locally
//! while the session runs is offered again next time; nothing is skipped. Documents outside the
//! peer's scope ([`crate::scope`]) are never listed or sent.

use crate::ledger::Ledger;
use crate::scope::Scope;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use tamga_core::KeyId;
use tamga_store::{DocId, Store, StoreError};
use tracing::{debug, warn};

/// The most documents per sync round.
pub const MAX_DOCS_PER_ROUND: usize = 512;
/// The most bytes of sync messages a request carries (before compression; the first message
/// past it is still sent, so a larger document goes alone). Kept small because a round is the
/// unit of progress: every merge is durable as a round arrives, but a request cut off on the
/// way is lost whole. At 64 kbit/s a round of this size takes about a minute, so a link
/// that is up for a few minutes still moves a week of work forward, at the cost of one extra
/// round trip per half megabyte.
pub const MAX_BYTES_PER_ROUND: usize = 512 * 1024;
/// The most rounds in a session before it is abandoned as not converging.
pub const MAX_ROUNDS: u32 = 1000;

/// A document's sync message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocMessage {
    /// The document ([`DocId::to_key`] as text).
    pub doc: String,
    /// An automerge sync message.
    #[serde(with = "serde_bytes")]
    pub message: Vec<u8>,
}

/// What the initiator sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Start a session; `heard_from_you` is the responder's feed position the initiator has.
    Open {
        /// The initiator's checkpoint for the responder.
        heard_from_you: u64,
    },
    /// One round of sync messages.
    Sync {
        /// Messages, at most one per document.
        messages: Vec<DocMessage>,
    },
    /// End a session: the responder now has the initiator's changes up to `position`.
    Close {
        /// The initiator's feed position when the session opened.
        position: u64,
    },
    /// After a session with central: receipts of these acts in central's transparency log
    /// (`crate::receipts`), with a consistency proof from the tree of `known` leaves (the
    /// last head this node accepted; 0 for none).
    Receipts {
        /// Act ids, at most 4096 (`receipts::MAX_RECEIPTS_PER_REQUEST`).
        acts: Vec<[u8; 32]>,
        /// The size of the last tree head this node accepted.
        known: u64,
    },
    /// After receipts: consistency proofs in central's log between each pair of tree sizes
    /// (smaller first), for heads a bundle carried here (`crate::carried`).
    Consistency {
        /// The pairs, at most 256 (`proofs::MAX_CONSISTENCY_PAIRS`).
        pairs: Vec<(u64, u64)>,
    },
}

/// What the responder answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// The session is open.
    Opened {
        /// The responder's feed position now.
        position: u64,
        /// The initiator's feed position the responder has.
        heard_from_you: u64,
        /// Documents the responder changed since `heard_from_you` of the request, in the
        /// initiator's scope.
        changed: Vec<String>,
    },
    /// The responder's messages for this round.
    Synced {
        /// Messages, at most one per document.
        messages: Vec<DocMessage>,
    },
    /// The session is closed.
    Closed,
    /// Central's receipts: its latest signed tree head, the consistency proof from the tree the
    /// node knew, and a receipt per act asked about that the log holds.
    Receipts {
        /// The signed tree head's text (`docs/act-format.md` §14.4).
        checkpoint: String,
        /// The consistency proof from the node's `known` size to the head's.
        consistency: Vec<tamga_core::transparency::Hash>,
        /// The receipts.
        receipts: Vec<crate::proofs::WireReceipt>,
    },
    /// Central's consistency proofs, one per pair asked, in order; `None` where the larger
    /// size is beyond central's log.
    Consistency {
        /// The proofs.
        proofs: Vec<Option<Vec<tamga_core::transparency::Hash>>>,
    },
}

pub use crate::error::SyncError;

fn parse_doc(key: &str) -> Result<DocId, SyncError> {
    DocId::from_key(key.as_bytes())
        .ok_or_else(|| SyncError::Protocol(format!("no such document key {key:?}")))
}

fn doc_key(doc: &DocId) -> String {
    String::from_utf8(doc.to_key()).expect("document keys are text")
}

/// Whether `doc`, as `store` holds it, is in `scope`. The registry is in every scope. Reads the
/// store's `unit` index (kept in step with every change and registry update), so it costs one
/// lookup, not an assessment.
pub fn in_scope(store: &Store, doc: &DocId, scope: &Scope) -> Result<bool, StoreError> {
    let DocId::Consignment(consignment) = doc else {
        return Ok(true);
    };
    if *scope == Scope::All {
        return Ok(true);
    }
    Ok(scope.includes(&store.units_concerned(consignment)?))
}

/// Whether this node may send sync messages about `doc` to a peer with `scope`: the document is
/// in the peer's scope, or this node holds nothing of it (then its messages reveal nothing and
/// only ask for what the peer has).
pub fn may_send(store: &Store, doc: &DocId, scope: &Scope) -> Result<bool, StoreError> {
    Ok(store.heads(doc)?.is_empty() || in_scope(store, doc, scope)?)
}

fn changed_in_scope(
    store: &Store,
    ledger: &dyn Ledger,
    since: u64,
    scope: &Scope,
) -> Result<Vec<DocId>, StoreError> {
    let mut docs = Vec::new();
    for doc in ledger.changed_since(since)? {
        if in_scope(store, &doc, scope)? {
            docs.push(doc);
        }
    }
    Ok(docs)
}

/// The responder's side: answers one request from the authenticated peer `peer`, whose scope is
/// `scope`. Stateless between requests, so any request may come again or come late.
pub fn respond(
    store: &Store,
    peer: &KeyId,
    scope: &Scope,
    request: Request,
) -> Result<Response, SyncError> {
    respond_noting(store, store, peer, scope, request, &mut Vec::new())
}

/// [`respond`] with the feed and checkpoints of `ledger` (the store itself, or a ledger several
/// processes share), adding to `refused` each document whose changes from the peer were refused
/// as out of its write scope (nothing of them merged; the round goes on with the others).
pub fn respond_noting(
    store: &Store,
    ledger: &dyn Ledger,
    peer: &KeyId,
    scope: &Scope,
    request: Request,
    refused: &mut Vec<DocId>,
) -> Result<Response, SyncError> {
    let name = peer.as_str();
    match request {
        Request::Open { heard_from_you } => {
            // Sync states left mid-flight by a cut session would hold back messages: start
            // from what is durable.
            store.reset_sync(name);
            let position = ledger.position()?;
            let changed = changed_in_scope(store, ledger, heard_from_you, scope)?
                .iter()
                .map(doc_key)
                .collect();
            Ok(Response::Opened {
                position,
                heard_from_you: ledger.checkpoint(name)?.unwrap_or(0),
                changed,
            })
        }
        Request::Sync { messages } => {
            if messages.len() > MAX_DOCS_PER_ROUND {
                return Err(SyncError::Protocol(format!(
                    "{} documents in one round; at most {MAX_DOCS_PER_ROUND}",
                    messages.len()
                )));
            }
            let mut seen = BTreeSet::new();
            let mut replies = Vec::new();
            let writer = scope.writer();
            // What a node holding nothing of the document answers (touches no store).
            let blank = |m: &DocMessage| {
                tamga_store::blank_sync_reply(&m.message).map(|message| DocMessage {
                    doc: m.doc.clone(),
                    message,
                })
            };
            for m in messages {
                let doc = parse_doc(&m.doc)?;
                if !seen.insert(doc.clone()) {
                    return Err(SyncError::Protocol(format!("{doc} twice in one round")));
                }
                // A peer sees this node's copy only if it is in the peer's scope. About any
                // other document (held here or not) the answer is the one a node without it
                // gives, so the peer cannot tell which documents exist here.
                let visible = !store.heads(&doc)?.is_empty() && in_scope(store, &doc, scope)?;
                if !visible && !tamga_store::sync_message_carries_changes(&m.message)? {
                    replies.extend(blank(&m));
                    continue;
                }
                match store.receive_sync_message_deferred(&doc, name, &m.message, &writer) {
                    Ok(report) if !report.rejected.is_empty() => {
                        debug!(%doc, rejected = report.rejected.len(), "entries from the peer left out");
                    }
                    Ok(_) => {}
                    Err(StoreError::OutOfScope { .. } | StoreError::Forgotten { .. }) => {
                        refused.push(doc);
                        replies.extend(blank(&m));
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                }
                // The merge may have put the document in the peer's scope; if not, never
                // answer about it.
                if may_send(store, &doc, scope)? {
                    if let Some(reply) = store.generate_sync_message(&doc, name)? {
                        replies.push(DocMessage {
                            doc: m.doc,
                            message: reply,
                        });
                    }
                } else {
                    replies.extend(blank(&m));
                }
            }
            // The round's merges and sync states, durable in one group commit (and, for a
            // shared ledger, in its database) before the answer acknowledges them.
            ledger.make_durable()?;
            Ok(Response::Synced { messages: replies })
        }
        Request::Receipts { .. } | Request::Consistency { .. } => Err(SyncError::Protocol(
            "this node keeps no transparency log: ask central for receipts".into(),
        )),
        Request::Close { position } => {
            ledger.advance_checkpoint(name, position)?;
            Ok(Response::Closed)
        }
    }
}

/// What a finished session did, for logs and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Round trips, open and close included.
    pub round_trips: u32,
    /// Documents exchanged.
    pub documents: usize,
    /// Sync messages sent and received.
    pub messages: usize,
    /// With central: what came of asking for receipts of this node's acts (the error in words
    /// if central's answer was refused); `None` with any other peer.
    pub receipts: Option<Result<crate::proofs::Accepted, String>>,
}

/// Where the initiator is.
enum Stage {
    New,
    Opening { position: u64 },
    Syncing,
    Closing,
    Done,
}

/// The initiator's side of one session with the peer `peer` (scope `scope`).
pub struct Initiator<'s> {
    store: &'s Store,
    peer: KeyId,
    scope: Scope,
    stage: Stage,
    working: BTreeSet<DocId>,
    /// Documents that may have something to send: all at first; a document leaves when it has
    /// nothing more to say and comes back when a message about it arrives.
    pending: BTreeSet<DocId>,
    /// Documents this node may not send about to this peer (decided once per session).
    withheld: BTreeSet<DocId>,
    opened_at: u64,
    peer_position: u64,
    summary: Summary,
}

/// What the initiator does next.
#[derive(Debug)]
pub enum Step {
    /// Send this request and hand the response to [`Initiator::receive`].
    Send(Request),
    /// The session is over.
    Done(Summary),
}

impl<'s> Initiator<'s> {
    /// A session with `peer`.
    pub fn new(store: &'s Store, peer: KeyId, scope: Scope) -> Self {
        Initiator {
            store,
            peer,
            scope,
            stage: Stage::New,
            working: BTreeSet::new(),
            pending: BTreeSet::new(),
            withheld: BTreeSet::new(),
            opened_at: 0,
            peer_position: 0,
            summary: Summary::default(),
        }
    }

    /// What the session has done so far.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// The first request.
    pub fn start(&mut self) -> Result<Request, SyncError> {
        self.store.reset_sync(self.peer.as_str());
        let position = self.store.last_seq()?;
        self.stage = Stage::Opening { position };
        self.summary.round_trips = 1;
        Ok(Request::Open {
            heard_from_you: self.store.checkpoint(self.peer.as_str())?.unwrap_or(0),
        })
    }

    /// Takes the response to the last request and says what to do next.
    pub fn receive(&mut self, response: Response) -> Result<Step, SyncError> {
        let name = self.peer.as_str().to_owned();
        match (std::mem::replace(&mut self.stage, Stage::Done), response) {
            (
                Stage::Opening { position },
                Response::Opened {
                    position: peer_position,
                    heard_from_you,
                    changed,
                },
            ) => {
                self.opened_at = position;
                self.peer_position = peer_position;
                let mut working: BTreeSet<DocId> = BTreeSet::new();
                for key in &changed {
                    working.insert(parse_doc(key)?);
                }
                for doc in changed_in_scope(self.store, self.store, heard_from_you, &self.scope)? {
                    working.insert(doc);
                }
                if working.is_empty() {
                    // Nothing on either side: everything the peer changed was outside our
                    // scope, so its position is ours to record.
                    self.advance_checkpoint()?;
                    return Ok(Step::Done(self.summary.clone()));
                }
                self.summary.documents = working.len();
                // The peer's list of changed documents is not trusted to be in its scope.
                for doc in &working {
                    if !may_send(self.store, doc, &self.scope)? {
                        self.withheld.insert(doc.clone());
                    }
                }
                self.pending = working.difference(&self.withheld).cloned().collect();
                self.working = working;
                self.stage = Stage::Syncing;
                self.next_round()
            }
            (Stage::Syncing, Response::Synced { messages }) => {
                for m in messages {
                    let doc = parse_doc(&m.doc)?;
                    if !self.working.contains(&doc) {
                        return Err(SyncError::Protocol(format!("{doc} was not asked about")));
                    }
                    self.summary.messages += 1;
                    match self.store.receive_sync_message_deferred(
                        &doc,
                        &name,
                        &m.message,
                        &self.scope.writer(),
                    ) {
                        Ok(_) => {}
                        Err(StoreError::OutOfScope { .. } | StoreError::Forgotten { .. }) => {
                            // Nothing of it merged; the peer is not asked about it again.
                            warn!(%doc, peer = %self.peer, "changes from the peer to a consignment outside its write scope refused");
                            self.withheld.insert(doc.clone());
                            continue;
                        }
                        Err(e) => return Err(e.into()),
                    }
                    if !self.withheld.contains(&doc) {
                        self.pending.insert(doc);
                    }
                }
                // The round's merges, durable in one group commit.
                self.store.make_durable()?;
                self.stage = Stage::Syncing;
                self.next_round()
            }
            (Stage::Closing, Response::Closed) => {
                self.advance_checkpoint()?;
                self.stage = Stage::Done;
                Ok(Step::Done(self.summary.clone()))
            }
            (_, other) => Err(SyncError::Protocol(format!(
                "unexpected response {}",
                response_name(&other)
            ))),
        }
    }

    fn advance_checkpoint(&self) -> Result<(), SyncError> {
        let name = self.peer.as_str();
        if self.peer_position > self.store.checkpoint(name)?.unwrap_or(0) {
            self.store.set_checkpoint(name, self.peer_position)?;
        }
        Ok(())
    }

    fn next_round(&mut self) -> Result<Step, SyncError> {
        if self.summary.round_trips >= MAX_ROUNDS {
            return Err(SyncError::Protocol(format!(
                "no convergence after {MAX_ROUNDS} rounds"
            )));
        }
        let name = self.peer.as_str().to_owned();
        let mut messages = Vec::new();
        let mut bytes = 0;
        let mut quiet = Vec::new();
        for doc in &self.pending {
            if messages.len() >= MAX_DOCS_PER_ROUND || bytes >= MAX_BYTES_PER_ROUND {
                break;
            }
            match self.store.generate_sync_message(doc, &name)? {
                Some(message) => {
                    bytes += message.len();
                    messages.push(DocMessage {
                        doc: doc_key(doc),
                        message,
                    });
                }
                None => quiet.push(doc.clone()),
            }
        }
        // A document with nothing to say stays quiet until the peer says something about it;
        // one that spoke waits for the answer.
        for doc in quiet {
            self.pending.remove(&doc);
        }
        for m in &messages {
            self.pending.remove(&parse_doc(&m.doc)?);
        }
        self.summary.round_trips += 1;
        // The responder only answers about documents it is asked about: with nothing to ask,
        // the exchange has converged.
        if messages.is_empty() {
            self.stage = Stage::Closing;
            return Ok(Step::Send(Request::Close {
                position: self.opened_at,
            }));
        }
        self.summary.messages += messages.len();
        self.stage = Stage::Syncing;
        Ok(Step::Send(Request::Sync { messages }))
    }
}

fn response_name(r: &Response) -> &'static str {
    match r {
        Response::Opened { .. } => "opened",
        Response::Synced { .. } => "synced",
        Response::Closed => "closed",
        Response::Receipts { .. } => "receipts",
        Response::Consistency { .. } => "consistency",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::act::{ActBody, Place};
    use tamga_core::fixtures::{key, unit, Story, OTHER_POST};
    use tamga_core::signing::key_id;

    use crate::test_support::store;

    fn sync(messages: Vec<DocMessage>) -> Request {
        Request::Sync { messages }
    }

    /// A peer of an unrelated post asks about a consignment: the answer is the same whether this
    /// node holds it or not, and the changes it pushes are refused either way.
    #[test]
    fn answers_about_documents_out_of_scope_do_not_tell_whether_they_exist() {
        let story = Story::new();
        let (_a, holder) = store(&story);
        let (_b, stranger) = store(&story);
        let (_c, attacker) = store(&story);
        let doc = DocId::Consignment(story.consignment.clone());
        for act in story.clean_delivery() {
            holder.record(&act).unwrap();
        }
        // The attacker's node holds an escort assignment of its own making.
        let ActBody::EscortAssigned(mut body) = story.escort_assigned().body().clone() else {
            unreachable!()
        };
        body.escort_unit = unit(OTHER_POST);
        body.place = Place::Post {
            unit: unit(OTHER_POST),
        };
        attacker
            .record(&story.sign(ActBody::EscortAssigned(body), &[&story.airport_officer]))
            .ok();
        attacker.record(&story.registration()).unwrap();
        let peer = key_id(&key("unrelated post device"));
        let scope = Scope::Unit(unit(OTHER_POST));
        let question = attacker.generate_sync_message(&doc, "x").unwrap().unwrap();
        let ask = || {
            sync(vec![DocMessage {
                doc: doc_key(&doc),
                message: question.clone(),
            }])
        };
        let from_holder = respond(&holder, &peer, &scope, ask()).unwrap();
        let from_stranger = respond(&stranger, &peer, &scope, ask()).unwrap();
        assert_eq!(from_holder, from_stranger);
        // Its changes, sent once the answer asked for them, are refused at both, and nothing is
        // merged.
        let Response::Synced { messages } = from_holder else {
            panic!("a sync answer")
        };
        attacker
            .receive_sync_message(
                &doc,
                "x",
                &messages[0].message,
                &tamga_store::Writer::Anyone,
            )
            .unwrap();
        let carrying = attacker.generate_sync_message(&doc, "x").unwrap().unwrap();
        assert!(tamga_store::sync_message_carries_changes(&carrying).unwrap());
        let mut answers = Vec::new();
        for node in [&holder, &stranger] {
            let before = node.last_seq().unwrap();
            let acts = node.acts(&doc).unwrap().len();
            let mut refused = Vec::new();
            let push = sync(vec![DocMessage {
                doc: doc_key(&doc),
                message: carrying.clone(),
            }]);
            answers.push(respond_noting(node, node, &peer, &scope, push, &mut refused).unwrap());
            assert_eq!(refused, vec![doc.clone()]);
            assert_eq!(node.last_seq().unwrap(), before);
            assert_eq!(node.acts(&doc).unwrap().len(), acts);
        }
        assert_eq!(answers[0], answers[1]);
    }
}
