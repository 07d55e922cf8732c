//! The officer's desk: every workflow of the crew and the post, as a [`Desk`] over an opened
//! [`Node`] and the process's PIN [`Throttle`]. Each operation is given the time by its caller
//! (the local API or the CLI reads the clock once), unlocks the signing officer's key with their
//! PIN under the throttle, signs, and records durably before it answers. The CLI's client calls the desk directly; the local API wraps it. The desk
//! knows nothing of HTTP: the API decides the status each [`DeskError`] answers with.
//!
//! - here: signing and recording an officer's form, signed acts from text.
//! - `views`: what people see: the consignments, one consignment, officers, the registry.
//! - `handoffs`: handoffs in three steps (see [`tamga_core::handoff`]): the releasing officer
//!   makes an offer ([`Desk::make_offer`]), the receiving node takes it in
//!   ([`Desk::receive_offer`], over the LAN, from a QR code or a file), the receiving officer
//!   reviews it against their own count and countersigns ([`Desk::review`],
//!   [`Desk::countersign`]). The completed act reaches the releasing node by sync, over the LAN
//!   at once ([`Desk::receive_completion`]), or as a QR code or file
//!   ([`Desk::record_acts_text`]).
//! - `paper`: a paper act of a handoff, delivery, incident or correction held here
//!   ([`crate::paper`]).
//! - `archived`: the post's archive ([`crate::archive`]): a pass now, a search, an archived
//!   consignment shown as a live one, its signed acts for export.

mod archived;
mod handoffs;
mod paper;
mod views;

pub use handoffs::CountForm;

use crate::answers::RecordedAct;
use crate::node::{Node, NodeError, OFFICERS_DIR};
use crate::offers::{OfferBox, OfferBoxError};
use crate::workflow::{self, FormError};
use ed25519_dalek::SigningKey;
use serde_json::Value;
use tamga_core::act::ActBody;
use tamga_core::handoff::HandoffError;
use tamga_core::{KeyId, SignedAct, Timestamp};
use tamga_node::keystore::{Keystore, KeystoreError, Throttle};
use tamga_store::StoreError;

/// Why an operation at the desk failed. Each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The form does not make a valid act.
    #[error("{0}")]
    Form(#[from] FormError),
    /// The officer's key could not be used.
    #[error(transparent)]
    Key(#[from] KeystoreError),
    /// The signer may not sign this act here.
    #[error("{0}")]
    NotAllowed(String),
    /// A handoff step failed.
    #[error(transparent)]
    Handoff(#[from] HandoffError),
    /// The offer box.
    #[error(transparent)]
    Offers(#[from] OfferBoxError),
    /// The node (store, files).
    #[error(transparent)]
    Node(#[from] NodeError),
    /// The act would not hold among the consignment's acts held here (an act of
    /// [`workflow::CHECKED_KINDS`] the assessment would leave out): nothing was recorded.
    #[error("{0}")]
    WouldNotHold(String),
    /// Something asked for is not here.
    #[error("{0}")]
    NotFound(String),
    /// An act of a kind that has no paper act (the message names the kinds that have one).
    #[error("{0}")]
    NoPaper(String),
    /// The archive.
    #[error(transparent)]
    Archive(#[from] crate::archive::format::ArchiveError),
}

impl From<StoreError> for DeskError {
    fn from(e: StoreError) -> Self {
        DeskError::Node(NodeError::Store(e))
    }
}

/// The officers' desk at a node.
#[derive(Clone, Copy)]
pub struct Desk<'a> {
    node: &'a Node,
    pins: &'a Throttle,
}

impl<'a> Desk<'a> {
    /// The desk at `node`, unlocking officers' keys under `pins`: the process's one throttle
    /// over the node's store (the running node's, in [`crate::shared::Shared`]; a command's own,
    /// [`crate::client::LocalNode`]).
    pub fn new(node: &'a Node, pins: &'a Throttle) -> Self {
        Desk { node, pins }
    }

    /// The node.
    pub fn node(&self) -> &'a Node {
        self.node
    }

    /// The officers' keystore of this node (`officers/`).
    pub fn keystore(&self) -> Result<Keystore, DeskError> {
        Ok(Keystore::open(self.node.dir.join(OFFICERS_DIR))?)
    }

    /// The offers in flight.
    pub fn offers(&self) -> OfferBox {
        OfferBox::new(&self.node.dir)
    }

    /// Unlocks `officer`'s key with `pin` under the throttle (which reads no wall clock).
    fn unlock(&self, officer: &KeyId, pin: &str) -> Result<SigningKey, DeskError> {
        Ok(self.keystore()?.unlock(officer, pin, self.pins)?)
    }

    fn allowed(&self, body: &ActBody, signer: &KeyId) -> Result<(), DeskError> {
        self.node
            .store
            .registry()
            .signer_check(body, signer)
            .map_err(|e| DeskError::NotAllowed(format!("{signer} may not sign this act: {e}")))
    }

    fn record_signed(&self, act: &SignedAct) -> Result<RecordedAct, DeskError> {
        let recorded = self.node.store.record(act)?;
        Ok(RecordedAct {
            act: act.id(),
            kind: act.body().kind().to_owned(),
            consignment: act.body().consignment().map(|c| c.to_string()),
            new: recorded.seq.is_some(),
        })
    }

    /// Records the act an officer's form describes (see [`workflow::act_from_form`]), performed
    /// `now`, signed with the officer's key unlocked by the form's `pin`.
    pub fn record_form(&self, mut form: Value, now: Timestamp) -> Result<RecordedAct, DeskError> {
        let pin = workflow::take_pin(&mut form)?;
        let held = self.held_acts(&form)?;
        let now = act_time(&held, now);
        let body = workflow::act_from_form(form, now)?;
        let signer = workflow::signer(&body).clone();
        self.allowed(&body, &signer)?;
        let key = self.unlock(&signer, &pin)?;
        let act = SignedAct::sign(body, &[&key])
            .map_err(|e| DeskError::Form(FormError(e.to_string())))?;
        if workflow::CHECKED_KINDS.contains(&act.body().kind()) {
            self.would_hold(&act, held, now)?;
        }
        self.record_signed(&act)
    }

    /// The acts held here of the consignment `form` names (none if it names none or an
    /// unknown one): read once per act recorded, for [`act_time`] and [`Desk::would_hold`].
    pub(crate) fn held_acts(&self, form: &Value) -> Result<Vec<SignedAct>, DeskError> {
        let Some(id) = form.get("consignment").and_then(Value::as_str) else {
            return Ok(Vec::new());
        };
        let Ok(consignment) = tamga_core::ConsignmentId::new(id) else {
            return Ok(Vec::new());
        };
        Ok(self
            .node
            .store
            .acts(&tamga_store::DocId::Consignment(consignment))?)
    }

    /// Refuses an act of [`workflow::CHECKED_KINDS`] that would not hold among the
    /// consignment's acts held here, or that would unseat one that holds (acts are timed to the
    /// second: a delivery in the same second as a refusal recorded here may fold before it):
    /// nothing is recorded, and the officer is told why.
    fn would_hold(
        &self,
        act: &SignedAct,
        mut acts: Vec<SignedAct>,
        now: Timestamp,
    ) -> Result<(), DeskError> {
        let Some(consignment) = act.body().consignment() else {
            return Ok(());
        };
        if acts.is_empty() {
            return Err(DeskError::NotFound(format!(
                "no consignment {consignment} on this node: check the number, or sync with the post that registered it first"
            )));
        }
        let registry = self.node.store.registry();
        let tolerances = tamga_core::Tolerances::default();
        let before = tamga_core::assess(consignment, &acts, &registry, now, &tolerances);
        acts.push(act.clone());
        let assessment = tamga_core::assess(consignment, &acts, &registry, now, &tolerances);
        if let Some(r) = assessment.rejected.iter().find(|r| r.act == act.id()) {
            return Err(DeskError::WouldNotHold(format!(
                "not recorded: {}; if the act this needs was recorded on another node, sync first",
                r.reason
            )));
        }
        if let Some(unseated) = before.acts.iter().find(|id| !assessment.acts.contains(id)) {
            let kind = acts
                .iter()
                .find(|a| a.id() == *unseated)
                .map_or("an", |a| a.body().kind());
            return Err(DeskError::WouldNotHold(format!(
                "not recorded: it would take the place of the {kind} act {} recorded here (acts of the same second are ordered by the workflow, not by when they were recorded); record it again a second later if it still applies",
                unseated.short()
            )));
        }
        Ok(())
    }

    /// Records signed acts given as text: canonical acts one per line (a completed handoff, an
    /// enrollment file), or the text of a `tamga:act:` QR code. Returns how many were new.
    pub fn record_acts_text(&self, text: &str) -> Result<usize, DeskError> {
        let trimmed = text.trim();
        if trimmed.starts_with("tamga:") {
            let (what, bytes) = crate::qr::from_text(trimmed)
                .map_err(|e| DeskError::Form(FormError(e.to_string())))?;
            if what != crate::qr::Carried::Act {
                return Err(DeskError::Form(FormError(
                    "this code holds an offer, not a signed act: import it as an offer".into(),
                )));
            }
            let act =
                SignedAct::decode(&bytes).map_err(|e| DeskError::Form(FormError(e.to_string())))?;
            return Ok(usize::from(self.record_signed(&act)?.new));
        }
        // Every line decodes before anything is recorded.
        let mut acts = Vec::new();
        for (n, line) in trimmed
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            acts.push(
                SignedAct::decode(line.trim().as_bytes())
                    .map_err(|e| DeskError::Form(FormError(format!("line {}: {e}", n + 1))))?,
            );
        }
        // Each act is judged against what is recorded before it: the root key's registry acts
        // first (they say who the registrars are), then the registrars', then the rest, each
        // group in the file's order.
        let root = self.node.store.authority().clone();
        acts.sort_by_key(|a| match a.body().subject() {
            tamga_core::act::Subject::Registry => {
                usize::from(a.body().required_signers()[0] != &root)
            }
            tamga_core::act::Subject::Consignment(_) => 2,
        });
        let mut new = 0;
        for act in &acts {
            new += usize::from(self.record_signed(act)?.new);
        }
        Ok(new)
    }
}

/// A throttle over `node`'s store, for the desk's tests.
#[cfg(test)]
pub(crate) fn test_pins(node: &Node) -> Throttle {
    Throttle::new(std::sync::Arc::clone(&node.store) as _)
}

/// A node for the desk's tests: initialized in `dir` as `role` at `unit`, pinned to the story's
/// authority, its registry recorded.
#[cfg(test)]
pub(crate) fn test_node(
    dir: &std::path::Path,
    role: crate::config::NodeRole,
    unit: &str,
    story: &tamga_core::fixtures::Story,
) -> Node {
    Node::init(
        dir,
        crate::node::InitOptions {
            role,
            unit: unit.into(),
            authority: story.authority_id().to_string(),
            listen: "127.0.0.1:0".into(),
            central_units: vec!["HQ-RECON".into()],
        },
    )
    .unwrap();
    let node = Node::open(dir).unwrap();
    for act in story.registry_acts() {
        node.store.record(&act).unwrap();
    }
    node
}

/// How far ahead of this node's clock the acts it holds may be for a new act to be dated after
/// them: acts recorded here in quick succession run ahead one second each, and another node's
/// clock may be a little ahead of ours; well inside the assessment's clock skew, so an act
/// dated this way is never a clock anomaly.
pub(crate) const RUN_AHEAD_SECONDS: i64 = 60;

/// The time a new act is dated, given the acts held of its consignment: `now`, or one second
/// after the latest of them when that one is dated now or later (at most
/// [`RUN_AHEAD_SECONDS`] later). Acts are timed to the second and acts of one second are
/// ordered by the workflow, not by when they were recorded: this way what an officer records
/// here after an act comes after it (a correction after a handoff needs its permit; a delivery
/// after a refusal is one), even after a run of acts recorded within a second or two.
pub(crate) fn act_time(held: &[SignedAct], now: Timestamp) -> Timestamp {
    held.iter()
        .map(|a| a.body().at())
        .filter(|at| *at >= now && *at <= now.plus_seconds(RUN_AHEAD_SECONDS))
        .max()
        .map_or(now, |at| at.plus_seconds(1))
}

#[cfg(test)]
mod tests {
    use super::{test_node, test_pins, Desk};
    use crate::config::NodeRole;
    use tamga_core::fixtures::{at, Story, AIRPORT_POST};
    use tamga_core::{SignedAct, Timestamp};

    fn lines(acts: &[SignedAct]) -> String {
        acts.iter()
            .map(|a| String::from_utf8(a.encode()).unwrap() + "\n")
            .collect()
    }

    /// A file whose consignment act and registrar's act come before the root's enrollment of
    /// the registrar records whole; a file with one bad line records nothing.
    #[test]
    fn an_act_file_records_whole_in_any_order_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let story = Story::new();
        let node = test_node(dir.path(), NodeRole::Post, AIRPORT_POST, &story);
        let pins = test_pins(&node);
        let desk = Desk::new(&node, &pins);
        let registrar = Story::registrar("registrar 2026");
        let officer = tamga_core::fixtures::Person::new(
            "Asel Dzhumabaeva",
            "KG-2210",
            tamga_core::Role::PostOfficer,
            AIRPORT_POST,
        );
        let by_registrar = story.enrollment_by(&registrar, &officer, at("2026-02-01T08:00:00Z"));
        let by_root = story.registrar_enrollment(
            &registrar,
            at("2026-01-01T00:00:00Z"),
            at("2027-01-01T00:00:00Z"),
        );
        let broken = lines(&[by_registrar.clone(), by_root.clone()]) + "not an act\n";
        assert!(desk.record_acts_text(&broken).is_err());
        assert!(node.store.registry().enrollments(&officer.id).is_empty());
        assert!(node.store.registry().enrollments(&registrar.id).is_empty());
        assert_eq!(
            desk.record_acts_text(&lines(&[story.registration(), by_registrar, by_root]))
                .unwrap(),
            3
        );
        let registry = node.store.registry();
        assert_eq!(registry.enrollments(&officer.id)[0].by, registrar.id);
        assert!(registry.is_registrar(&registrar.id));
    }

    /// Acts recorded here in quick succession each go one second after the last, so the
    /// desk's own acts may run a few seconds ahead of its clock: a new act still comes after
    /// all of them. An act dated far ahead (another node's clock) does not drag it along.
    #[test]
    fn a_new_act_is_dated_after_a_run_of_acts_dated_ahead_of_the_clock() {
        let story = Story::new();
        let now = at("2026-12-04T07:46:28Z");
        let dated = |t: Timestamp| story.revocation(&story.escort_lead, t);
        let run = [dated(now.plus_seconds(1)), dated(now.plus_seconds(2))];
        assert_eq!(super::act_time(&run, now), now.plus_seconds(3));
        assert_eq!(super::act_time(&[dated(now.plus_seconds(-1))], now), now);
        assert_eq!(super::act_time(&[dated(now)], now), now.plus_seconds(1));
        let far = [dated(now.plus_seconds(super::RUN_AHEAD_SECONDS + 1))];
        assert_eq!(super::act_time(&far, now), now);
    }
}
