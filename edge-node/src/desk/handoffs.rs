//! Handoffs at the desk: the releasing officer's offer, taking in an offer that came for an
//! officer here, the receiving officer's review and countersignature, and the completed act
//! coming back to the releasing node.

use super::{Desk, DeskError};
use crate::answers::{OfferView, Party, RecordedAct, ReviewView};
use crate::offers::{Direction, OfferNote, Via};
use crate::workflow::{self, FormError};
use serde::Deserialize;
use serde_json::Value;
use tamga_core::act::{ActBody, Custodian, SealObservation};
use tamga_core::handoff::{Count, CustodyOffer, HandoffError, Review, OFFER_LIFETIME_SECONDS};
use tamga_core::quantity::Mass;
use tamga_core::registry::ActRejection;
use tamga_core::{ActId, ConsignmentId, KeyId, SignedAct, Timestamp, Tolerances};
use tamga_store::DocId;

/// The receiving officer's own count, for review and countersignature.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountForm {
    /// The receiving officer.
    #[schema(value_type = String)]
    pub officer: KeyId,
    /// Packages counted.
    pub packages: u32,
    /// Gross mass weighed.
    #[schema(value_type = crate::schemas::MassSchema)]
    pub gross_mass: Mass,
    /// Seals seen and their state.
    #[schema(value_type = Vec<crate::schemas::SealObservationSchema>)]
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

impl Desk<'_> {
    /// Makes a handoff offer from the releasing officer's form (the `custody_transferred` body
    /// without `at` and `previous`, with `pin`), made `now`, and keeps it as outgoing.
    pub fn make_offer(&self, mut form: Value, now: Timestamp) -> Result<CustodyOffer, DeskError> {
        let pin = workflow::take_pin(&mut form)?;
        let now = super::act_time(&self.held_acts(&form)?, now);
        let consignment = form
            .get("consignment")
            .and_then(Value::as_str)
            .ok_or_else(|| FormError("consignment: which consignment is handed over".into()))?;
        let consignment =
            ConsignmentId::new(consignment).map_err(|e| FormError(format!("consignment: {e}")))?;
        let previous = self
            .node
            .store
            .assessment(&consignment, now)?
            .state
            .custody_chain
            .last()
            .copied();
        let transfer = workflow::offer_from_form(form, now, previous)?;
        let body = ActBody::CustodyTransferred(transfer.clone());
        self.allowed(&body, &transfer.releasing.officer)?;
        let key = self.unlock(&transfer.releasing.officer, &pin)?;
        let offer = CustodyOffer::create(transfer, &key)?;
        self.offers().put(
            Direction::Outgoing,
            &offer,
            &OfferNote {
                via: Via::Local,
                reply_to: None,
                reply_key: None,
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
        reply: Option<(String, tamga_core::KeyId)>,
    ) -> Result<CustodyOffer, DeskError> {
        let offer = CustodyOffer::decode(bytes)?;
        let t = offer.transfer();
        let body = ActBody::CustodyTransferred(t.clone());
        let registry = self.node.store.registry();
        registry
            .signer_check(&body, &t.releasing.officer)
            .map_err(|e| HandoffError::Releasing(ActRejection::Authorization(e)))?;
        let unit = self.node.config.unit.clone();
        if t.receiving.unit != unit {
            return Err(DeskError::NotAllowed(format!(
                "the offer hands over to {}, but this node is {unit}: give it to a node of {}",
                t.receiving.unit, t.receiving.unit
            )));
        }
        offer
            .verify_releasing()
            .map_err(|e| HandoffError::Releasing(ActRejection::Signature(e)))?;
        // An offer already here keeps the note it came with: posting it again (from anywhere)
        // cannot redirect its completion.
        if let Ok((known, _)) = self.offers().get(Direction::Incoming, &offer.id()) {
            return Ok(known);
        }
        let (reply_to, reply_key) = reply.unzip();
        self.offers().put(
            Direction::Incoming,
            &offer,
            &OfferNote {
                via,
                reply_to,
                reply_key,
            },
        )?;
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

    /// An offer's canonical bytes, as signed (its file, its QR code's content).
    pub fn offer_bytes(&self, id: &ActId) -> Result<Vec<u8>, DeskError> {
        Ok(self.offers().find(id)?.1.encode())
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
            .node
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
        let party = |c: &Custodian| Party {
            unit: c.unit.to_string(),
            officer: c.officer.clone(),
            name: self.signer(&c.officer, t.at).name,
        };
        Ok(OfferView {
            offer: offer.id(),
            direction,
            consignment: t.consignment.to_string(),
            releasing: party(&t.releasing),
            receiving: party(&t.receiving),
            at: t.at,
            at_for_people: self.node.config.local_time().for_people(t.at),
            state: state.into(),
            via: note.via,
            transfer: serde_json::to_value(ActBody::CustodyTransferred(t.clone()))
                .expect("an act serializes"),
            completed_act: completed.then(|| offer.id()),
        })
    }

    /// The receiving officer's review of an incoming offer against their own count: the
    /// assessment `now` with the handoff in place, every discrepancy shown before signing.
    pub fn review(
        &self,
        id: &ActId,
        count: &CountForm,
        now: Timestamp,
    ) -> Result<ReviewView, DeskError> {
        let (_, review) = self.review_offer(id, count, now)?;
        Ok(ReviewView {
            assessment: review.assessment,
            new_discrepancies: review.new_discrepancies,
        })
    }

    fn review_offer(
        &self,
        id: &ActId,
        count: &CountForm,
        now: Timestamp,
    ) -> Result<(OfferNote, Review), DeskError> {
        let (offer, note) = self.offers().get(Direction::Incoming, id)?;
        let consignment = offer.transfer().consignment.clone();
        let known = self.node.store.acts(&DocId::Consignment(consignment))?;
        let review = offer.review(
            &self.node.store.registry(),
            &known,
            &count.count(),
            &count.officer,
            now,
            &Tolerances::default(),
        )?;
        Ok((note, review))
    }

    /// Countersigns an incoming offer after the review made `now`, records the completed act,
    /// and returns it with where it should go back to (the releasing node's address and device
    /// key, if the offer came over the LAN).
    pub fn countersign(
        &self,
        id: &ActId,
        count: &CountForm,
        now: Timestamp,
    ) -> Result<(SignedAct, Option<(String, tamga_core::KeyId)>), DeskError> {
        let pin = count
            .pin
            .as_deref()
            .ok_or_else(|| FormError("pin: the receiving officer's PIN is required".into()))?;
        let (note, review) = self.review_offer(id, count, now)?;
        let key = self.unlock(&count.officer, pin)?;
        let act = review.countersign(&key)?;
        self.record_signed(&act)?;
        Ok((act, note.reply()))
    }

    /// A completed handoff sent back by the receiving node: recorded only if it completes an
    /// offer made here.
    pub fn receive_completion(&self, bytes: &[u8]) -> Result<RecordedAct, DeskError> {
        let act =
            SignedAct::decode(bytes).map_err(|e| DeskError::Form(FormError(e.to_string())))?;
        self.offers().get(Direction::Outgoing, &act.id())?;
        self.record_signed(&act)
    }
}

#[cfg(test)]
mod tests {
    use crate::config::NodeRole;
    use crate::desk::Desk;
    use crate::offers::{Direction, Via};
    use tamga_core::fixtures::{Story, AIRPORT_POST, ESCORT_UNIT};
    use tamga_core::handoff::CustodyOffer;

    /// An offer posted again, from another device and with another address, keeps the note it
    /// first came with: its completion cannot be redirected.
    #[test]
    fn an_offer_posted_again_keeps_where_its_completion_goes() {
        let dir = tempfile::tempdir().unwrap();
        let story = Story::new();
        let node = crate::desk::test_node(dir.path(), NodeRole::Vehicle, ESCORT_UNIT, &story);
        let body = story.transfer_body(
            30,
            AIRPORT_POST,
            None,
            &story.airport_officer,
            &story.escort_lead,
        );
        let offer = CustodyOffer::create(body, &story.airport_officer.key).unwrap();
        let pins = crate::desk::test_pins(&node);
        let desk = Desk::new(&node, &pins);
        let first = Some((
            "https://10.0.0.5:7300".to_string(),
            story.airport_officer.id.clone(),
        ));
        desk.receive_offer(&offer.encode(), Via::Lan, first.clone())
            .unwrap();
        let again = Some((
            "https://10.66.6.6:7300".to_string(),
            story.outsider.id.clone(),
        ));
        desk.receive_offer(&offer.encode(), Via::Lan, again)
            .unwrap();
        let (_, note) = desk.offers().get(Direction::Incoming, &offer.id()).unwrap();
        assert_eq!(note.reply(), first);
    }
}
