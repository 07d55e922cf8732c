//! The officer's desk: every workflow of the crew and the post, on an opened [`Node`]. Each
//! operation is given the time by its caller (the local API or the CLI reads the clock once),
//! unlocks the signing officer's key with their PIN, signs, and records durably before it
//! answers. The CLI calls these directly; the local API wraps them. The desk knows nothing of
//! HTTP: the API decides the status each [`DeskError`] answers with.
//!
//! Handoffs go in three steps (see [`tamga_core::handoff`]): the releasing officer makes an
//! offer ([`Node::make_offer`]), the receiving node takes it in ([`Node::receive_offer`], over
//! the LAN, from a QR code or a file), the receiving officer reviews it against their own count
//! and countersigns ([`Node::review_offer`], [`Node::countersign`]). The completed act reaches
//! the releasing node by sync, over the LAN at once, or as a QR code or file
//! ([`Node::record_acts_text`]).

use crate::node::{Node, NodeError};
use crate::offers::{Direction, OfferBox, OfferBoxError, OfferNote, Via};
use crate::workflow::{self, ConsignmentRow, FormError, NextHandoff};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tamga_core::act::{ActBody, ConsignmentRegistered, SealObservation};
use tamga_core::assessment::{Discrepancy, Status};
use tamga_core::handoff::{Count, CustodyOffer, HandoffError, OFFER_LIFETIME_SECONDS};
use tamga_core::quantity::Mass;
use tamga_core::{ActId, Assessment, ConsignmentId, KeyId, SignedAct, Timestamp, Tolerances};
use tamga_node::keystore::{Keystore, KeystoreError};
use tamga_store::{DocId, StoreError};

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
    /// Something asked for is not here.
    #[error("{0}")]
    NotFound(String),
}

impl From<StoreError> for DeskError {
    fn from(e: StoreError) -> Self {
        DeskError::Node(NodeError::Store(e))
    }
}

/// An act recorded at the desk.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecordedAct {
    /// Its id.
    pub act: ActId,
    /// Its kind.
    pub kind: String,
    /// Its consignment.
    pub consignment: Option<String>,
    /// Whether it was new here (false: the node already held it).
    pub new: bool,
}

/// One signer of an act, as the registry knows them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Signer {
    /// The key.
    pub key: KeyId,
    /// Name, if enrolled.
    pub name: Option<String>,
    /// Personal number, for officers.
    pub personal_number: Option<String>,
    /// Role, if enrolled.
    pub role: Option<String>,
    /// Unit, if enrolled.
    pub unit: Option<String>,
}

/// One act as people read it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ActView {
    /// Its id.
    pub id: ActId,
    /// Its kind.
    pub kind: String,
    /// When.
    pub at: Timestamp,
    /// The same, for people.
    pub at_for_people: String,
    /// The act's body.
    pub body: Value,
    /// Who signed it.
    pub signers: Vec<Signer>,
    /// Whether it holds (false: left out of the state; the assessment says why).
    pub holds: bool,
}

/// One consignment as people read it.
#[derive(Clone, Debug, Serialize)]
pub struct ConsignmentView {
    /// The assessment, made now.
    pub assessment: Assessment,
    /// Its acts: those that hold in order, then those left out.
    pub acts: Vec<ActView>,
    /// The registration in force.
    pub registration: Option<ConsignmentRegistered>,
    /// The prefill for the next handoff.
    pub next_handoff: NextHandoff,
}

/// A party to an offer, with the name the registry gives.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Party {
    /// The unit.
    pub unit: String,
    /// The officer's key.
    pub officer: KeyId,
    /// The officer's name, if enrolled.
    pub name: Option<String>,
}

/// An offer as people read it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OfferView {
    /// The id the completed act has.
    pub offer: ActId,
    /// Made here or for an officer here.
    pub direction: Direction,
    /// The consignment.
    pub consignment: String,
    /// Who hands over.
    pub releasing: Party,
    /// Who takes over.
    pub receiving: Party,
    /// When it was made.
    pub at: Timestamp,
    /// The same, for people.
    pub at_for_people: String,
    /// `open`, `completed` or `stale`.
    pub state: String,
    /// How it came.
    pub via: Via,
    /// The handoff as offered.
    pub transfer: Value,
    /// The completed act's id, once countersigned.
    pub completed_act: Option<ActId>,
}

/// The receiving officer's own count, for review and countersignature.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountForm {
    /// The receiving officer.
    pub officer: KeyId,
    /// Packages counted.
    pub packages: u32,
    /// Gross mass weighed.
    pub gross_mass: Mass,
    /// Seals seen and their state.
    pub seals: Vec<SealObservation>,
    /// The PIN, to countersign.
    #[serde(default)]
    pub pin: Option<String>,
}

impl CountForm {
    fn count(&self) -> Count {
        Count {
            seals: self.seals.clone(),
            packages: self.packages,
            gross_mass: self.gross_mass.clone(),
        }
    }
}

/// What a review shows the receiving officer before signing.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewView {
    /// The consignment with the handoff in place.
    pub assessment: Assessment,
    /// Open discrepancies the handoff itself would add.
    pub new_discrepancies: Vec<Discrepancy>,
}

/// An officer key held here.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OfficerView {
    /// The key.
    pub key: KeyId,
    /// Who holds it, as recorded in the keystore.
    pub holder: String,
    /// Its enrollment in force now, if any.
    pub enrollment: Option<EnrollmentView>,
}

/// An enrollment as people read it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EnrollmentView {
    /// The key.
    pub key: KeyId,
    /// The holder's name.
    pub name: String,
    /// The personal number, for officers.
    pub personal_number: Option<String>,
    /// The role.
    pub role: String,
    /// The unit.
    pub unit: String,
    /// Valid from.
    pub valid_from: Timestamp,
    /// Valid until.
    pub valid_until: Timestamp,
    /// Revoked (from some time on).
    pub revoked: bool,
}

impl Node {
    /// The officers' keystore of this node (`officers/`).
    pub fn keystore(&self) -> Result<Keystore, DeskError> {
        Ok(Keystore::open(self.dir.join("officers"))?)
    }

    /// The offers in flight.
    pub fn offers(&self) -> OfferBox {
        OfferBox::new(&self.dir)
    }

    fn unlock(&self, officer: &KeyId, pin: &str, now: Timestamp) -> Result<SigningKey, DeskError> {
        let store = self.keystore()?;
        Ok(store.unlock(officer, pin, now.unix())?)
    }

    fn allowed(&self, body: &ActBody, signer: &KeyId) -> Result<(), DeskError> {
        self.store
            .registry()
            .signer_check(body, signer)
            .map_err(|e| DeskError::NotAllowed(format!("{signer} may not sign this act: {e}")))
    }

    fn record_signed(&self, act: &SignedAct) -> Result<RecordedAct, DeskError> {
        let recorded = self.store.record(act)?;
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
        let body = workflow::act_from_form(form, now)?;
        let signer = workflow::signer(&body).clone();
        self.allowed(&body, &signer)?;
        let key = self.unlock(&signer, &pin, now)?;
        let act = SignedAct::sign(body, &[&key])
            .map_err(|e| DeskError::Form(FormError(e.to_string())))?;
        self.record_signed(&act)
    }

    /// The ids of every consignment held here (from the status index, nothing assessed).
    fn consignment_ids(&self) -> Result<std::collections::BTreeSet<ConsignmentId>, DeskError> {
        let mut ids = std::collections::BTreeSet::new();
        for status in [
            Status::Unregistered,
            Status::Registered,
            Status::InTransit,
            Status::Arrived,
            Status::Delivered,
        ] {
            ids.extend(self.store.by_status(status)?);
        }
        Ok(ids)
    }

    /// Every consignment held here, as the list shows them assessed `now`, most urgent deadline
    /// first.
    pub fn consignments(&self, now: Timestamp) -> Result<Vec<ConsignmentRow>, DeskError> {
        let ids = self.consignment_ids()?;
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            let (assessment, acts) = self.store.assessment_and_acts(&id, now)?;
            let registration = registration(&assessment, &acts);
            rows.push(workflow::row(&assessment, registration.as_ref()));
        }
        rows.sort_by(|a, b| {
            (a.status == "delivered", &a.deadline, &a.consignment).cmp(&(
                b.status == "delivered",
                &b.deadline,
                &b.consignment,
            ))
        });
        Ok(rows)
    }

    /// The signer as the registry knows them.
    pub fn signer(&self, key: &KeyId) -> Signer {
        let registry = self.store.registry();
        let enrollment = registry.enrollments(key).last();
        Signer {
            key: key.clone(),
            name: enrollment.map(|e| e.holder.clone()),
            personal_number: enrollment.and_then(|e| e.personal_number.clone()),
            role: enrollment.map(|e| e.role.as_str().to_owned()),
            unit: enrollment.map(|e| e.unit.to_string()),
        }
    }

    /// One consignment: its assessment `now`, its acts with their signers, the handoff prefill.
    pub fn consignment_view(
        &self,
        id: &ConsignmentId,
        now: Timestamp,
    ) -> Result<ConsignmentView, DeskError> {
        let (assessment, acts) = self.store.assessment_and_acts(id, now)?;
        if acts.is_empty() {
            return Err(DeskError::NotFound(format!(
                "no consignment {id} on this node: check the number, or sync with the post that registered it"
            )));
        }
        let registration = registration(&assessment, &acts);
        let by_id: std::collections::BTreeMap<ActId, &SignedAct> =
            acts.iter().map(|a| (a.id(), a)).collect();
        let view = |act: &SignedAct, holds: bool| ActView {
            id: act.id(),
            kind: act.body().kind().to_owned(),
            at: act.body().at(),
            at_for_people: act.body().at().for_people(),
            body: serde_json::to_value(act.body()).expect("an act serializes"),
            signers: act
                .signatures()
                .iter()
                .map(|s| self.signer(&s.key))
                .collect(),
            holds,
        };
        let mut views: Vec<ActView> = assessment
            .acts
            .iter()
            .filter_map(|id| by_id.get(id).map(|a| view(a, true)))
            .collect();
        for rejected in &assessment.rejected {
            if let Some(a) = by_id.get(&rejected.act) {
                views.push(view(a, false));
            }
        }
        let next_handoff = workflow::next_handoff(&assessment, registration.as_ref());
        Ok(ConsignmentView {
            assessment,
            acts: views,
            registration,
            next_handoff,
        })
    }

    /// The officer keys held here, with their enrollment in force `now`.
    pub fn officers(&self, now: Timestamp) -> Result<Vec<OfficerView>, DeskError> {
        let registry = self.store.registry();
        let mut out = Vec::new();
        for stored in self.keystore()?.list()? {
            let enrollment = registry
                .enrollments(&stored.id)
                .iter()
                .rev()
                .find(|e| e.valid_from <= now && now < e.valid_until)
                .map(|e| enrollment_view(&registry, &stored.id, e));
            out.push(OfficerView {
                key: stored.id,
                holder: stored.holder,
                enrollment,
            });
        }
        Ok(out)
    }

    /// Every key enrolled in the registry here (the latest enrollment of each).
    pub fn enrolled(&self) -> Vec<EnrollmentView> {
        let registry = self.store.registry();
        registry
            .keys()
            .filter_map(|k| {
                registry
                    .enrollments(k)
                    .last()
                    .map(|e| enrollment_view(&registry, k, e))
            })
            .collect()
    }

    /// Makes a handoff offer from the releasing officer's form (the `custody_transferred` body
    /// without `at` and `previous`, with `pin`), made `now`, and keeps it as outgoing.
    pub fn make_offer(&self, mut form: Value, now: Timestamp) -> Result<CustodyOffer, DeskError> {
        let pin = workflow::take_pin(&mut form)?;
        let consignment = form
            .get("consignment")
            .and_then(Value::as_str)
            .ok_or_else(|| FormError("consignment: which consignment is handed over".into()))?;
        let consignment =
            ConsignmentId::new(consignment).map_err(|e| FormError(format!("consignment: {e}")))?;
        let previous = self
            .store
            .assessment(&consignment, now)?
            .state
            .custody_chain
            .last()
            .copied();
        let transfer = workflow::offer_from_form(form, now, previous)?;
        let body = ActBody::CustodyTransferred(transfer.clone());
        self.allowed(&body, &transfer.releasing.officer)?;
        let key = self.unlock(&transfer.releasing.officer, &pin, now)?;
        let offer = CustodyOffer::create(transfer, &key)?;
        self.offers().put(
            Direction::Outgoing,
            &offer,
            &OfferNote {
                via: Via::Local,
                reply_to: None,
            },
        )?;
        Ok(offer)
    }

    /// Takes in an offer for an officer of this node. The releasing signature must hold for an
    /// enrolled officer, and the receiving officer must be enrolled in this node's unit.
    pub fn receive_offer(
        &self,
        bytes: &[u8],
        via: Via,
        reply_to: Option<String>,
    ) -> Result<CustodyOffer, DeskError> {
        let offer = CustodyOffer::decode(bytes)?;
        let t = offer.transfer();
        let body = ActBody::CustodyTransferred(t.clone());
        let registry = self.store.registry();
        registry
            .signer_check(&body, &t.releasing.officer)
            .map_err(|e| {
                HandoffError::Releasing(tamga_core::registry::ActRejection::Authorization(e))
            })?;
        let unit = self.config.unit_code();
        if t.receiving.unit != unit {
            return Err(DeskError::NotAllowed(format!(
                "the offer hands over to {}, but this node is {unit}: give it to a node of {}",
                t.receiving.unit, t.receiving.unit
            )));
        }
        offer.verify_releasing().map_err(|e| {
            HandoffError::Releasing(tamga_core::registry::ActRejection::Signature(e))
        })?;
        self.offers()
            .put(Direction::Incoming, &offer, &OfferNote { via, reply_to })?;
        Ok(offer)
    }

    /// The offers in flight as they stand `now`, newest first.
    pub fn offer_list(&self, now: Timestamp) -> Result<Vec<OfferView>, DeskError> {
        let offers = self.offers();
        let mut out = Vec::new();
        for direction in [Direction::Incoming, Direction::Outgoing] {
            for id in offers.ids(direction)? {
                let (offer, note) = offers.get(direction, &id)?;
                out.push(self.offer_view(direction, &offer, &note, now)?);
            }
        }
        out.sort_by(|a, b| b.at.cmp(&a.at).then(a.offer.cmp(&b.offer)));
        Ok(out)
    }

    /// One offer, as it stands `now`.
    pub fn offer(&self, id: &ActId, now: Timestamp) -> Result<OfferView, DeskError> {
        let (direction, offer, note) = self.offers().find(id)?;
        self.offer_view(direction, &offer, &note, now)
    }

    fn offer_view(
        &self,
        direction: Direction,
        offer: &CustodyOffer,
        note: &OfferNote,
        now: Timestamp,
    ) -> Result<OfferView, DeskError> {
        let t = offer.transfer();
        let completed = self
            .store
            .has_act(&DocId::Consignment(t.consignment.clone()), &offer.id())?;
        let age = now.seconds_since(&t.at);
        let state = if completed {
            "completed"
        } else if age > OFFER_LIFETIME_SECONDS {
            "stale"
        } else {
            "open"
        };
        let party = |c: &tamga_core::act::Custodian| Party {
            unit: c.unit.to_string(),
            officer: c.officer.clone(),
            name: self.signer(&c.officer).name,
        };
        Ok(OfferView {
            offer: offer.id(),
            direction,
            consignment: t.consignment.to_string(),
            releasing: party(&t.releasing),
            receiving: party(&t.receiving),
            at: t.at,
            at_for_people: t.at.for_people(),
            state: state.into(),
            via: note.via,
            transfer: serde_json::to_value(ActBody::CustodyTransferred(t.clone()))
                .expect("an act serializes"),
            completed_act: completed.then(|| offer.id()),
        })
    }

    /// The receiving officer's review of an incoming offer against their own count: the
    /// assessment `now` with the handoff in place, every discrepancy shown before signing.
    pub fn review_offer(
        &self,
        id: &ActId,
        count: &CountForm,
        now: Timestamp,
    ) -> Result<(CustodyOffer, OfferNote, tamga_core::handoff::Review), DeskError> {
        let (offer, note) = self.offers().get(Direction::Incoming, id)?;
        let consignment = offer.transfer().consignment.clone();
        let known = self.store.acts(&DocId::Consignment(consignment))?;
        let review = offer.clone().review(
            &self.store.registry(),
            &known,
            &count.count(),
            &count.officer,
            now,
            &Tolerances::default(),
        )?;
        Ok((offer, note, review))
    }

    /// Countersigns an incoming offer after the review, records the completed act, and returns
    /// it with where it should go back to (the releasing node, if the offer came over the LAN).
    pub fn countersign(
        &self,
        id: &ActId,
        count: &CountForm,
        now: Timestamp,
    ) -> Result<(SignedAct, Option<String>), DeskError> {
        let pin = count
            .pin
            .as_deref()
            .ok_or_else(|| FormError("pin: the receiving officer's PIN is required".into()))?;
        let (_, note, review) = self.review_offer(id, count, now)?;
        let key = self.unlock(&count.officer, pin, now)?;
        let act = review.countersign(&key)?;
        self.record_signed(&act)?;
        Ok((act, note.reply_to))
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
        let mut new = 0;
        for (n, line) in trimmed
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let act = SignedAct::decode(line.trim().as_bytes())
                .map_err(|e| DeskError::Form(FormError(format!("line {}: {e}", n + 1))))?;
            new += usize::from(self.record_signed(&act)?.new);
        }
        Ok(new)
    }

    /// A completed handoff sent back by the receiving node: recorded only if it completes an
    /// offer made here.
    pub fn receive_completion(&self, bytes: &[u8]) -> Result<RecordedAct, DeskError> {
        let act =
            SignedAct::decode(bytes).map_err(|e| DeskError::Form(FormError(e.to_string())))?;
        self.offers().get(Direction::Outgoing, &act.id())?;
        self.record_signed(&act)
    }

    /// An act held here, by id, searched in the consignment named.
    /// Act `id`, in whichever consignment holds it: looked up by its key in each document, no
    /// consignment assessed.
    pub fn find_act(&self, id: &ActId) -> Result<SignedAct, DeskError> {
        for consignment in self.consignment_ids()? {
            if self
                .store
                .has_act(&DocId::Consignment(consignment.clone()), id)?
            {
                return self.act(&consignment, id);
            }
        }
        Err(DeskError::NotFound(format!("no act {id} on this node")))
    }

    pub fn act(&self, consignment: &ConsignmentId, id: &ActId) -> Result<SignedAct, DeskError> {
        self.store
            .acts(&DocId::Consignment(consignment.clone()))?
            .into_iter()
            .find(|a| &a.id() == id)
            .ok_or_else(|| DeskError::NotFound(format!("no act {id} in consignment {consignment}")))
    }
}

fn enrollment_view(
    registry: &tamga_core::Registry,
    key: &KeyId,
    e: &tamga_core::registry::Enrollment,
) -> EnrollmentView {
    EnrollmentView {
        key: key.clone(),
        name: e.holder.clone(),
        personal_number: e.personal_number.clone(),
        role: e.role.as_str().to_owned(),
        unit: e.unit.to_string(),
        valid_from: e.valid_from,
        valid_until: e.valid_until,
        revoked: registry.revocation(key).is_some(),
    }
}

/// The registration in force among a consignment's acts, as its assessment names it.
fn registration(assessment: &Assessment, acts: &[SignedAct]) -> Option<ConsignmentRegistered> {
    let id = assessment.state.registration?;
    acts.iter().find_map(|a| match a.body() {
        ActBody::ConsignmentRegistered(r) if a.id() == id => Some(r.clone()),
        _ => None,
    })
}
