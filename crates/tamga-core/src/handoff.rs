//! The custody handoff, gathered offline in three steps:
//!
//! 1. **offer** — the releasing officer fills in a `custody_transferred` act (seals and their
//!    state, packages, gross mass, the previous custody act) and signs it: [`CustodyOffer::create`].
//!    The offer travels to the receiving side over the LAN, as a QR code or as a file
//!    ([`CustodyOffer::encode`]).
//! 2. **review** — the receiving side decodes it, checks it against its own count and its own
//!    view of the consignment, and runs the assessment with the offer in place, so the officer
//!    sees every discrepancy before signing: [`CustodyOffer::review`].
//! 3. **countersign** — the receiving officer signs the same act id; the act is complete and
//!    holds both signatures: [`Review::countersign`].
//!
//! Each way a handoff can go wrong is a [`HandoffError`] that says what to do.

use crate::act::{ActBody, CustodyTransferred, SealObservation};
use crate::assessment::{assess, assess_trusting, Assessment, Discrepancy, Tolerances};
use crate::canonical::{canonical_bytes, decode_canonical, wire_name, ActId, DecodeError};
use crate::codes::KeyId;
use crate::quantity::Mass;
use crate::registry::{ActRejection, Registry};
use crate::signing::{act_id, check_signers, key_id, ActSignature, Envelope, SignedAct};
use crate::time::Timestamp;
use ed25519_dalek::SigningKey;
use serde::Serialize;

/// How long an offer stays open, in seconds: a handoff happens face to face, so an offer older
/// than this is stale and a new one must be made.
pub const OFFER_LIFETIME_SECONDS: i64 = 4 * 3600;

/// Why a handoff step failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HandoffError {
    /// The bytes are not an offer.
    #[error("not a readable custody offer: {0}")]
    Decode(#[from] DecodeError),
    /// The act inside is not a handoff.
    #[error("the offer holds a {0} act, not a custody handoff")]
    NotAHandoff(&'static str),
    /// The signing key is not the one the act names for this step.
    #[error("this step must be signed by {expected}, but the key given is {given}")]
    WrongKey {
        /// The key the act names.
        expected: KeyId,
        /// The key given.
        given: KeyId,
    },
    /// The releasing signature or enrollment does not hold.
    #[error("the releasing side's signature does not hold: {0}")]
    Releasing(ActRejection),
    /// The receiving officer is not enrolled to take custody.
    #[error("the receiving officer may not take custody: {0}")]
    Receiving(ActRejection),
    /// The offer names another receiver.
    #[error("the offer is addressed to {addressed}, not to {reviewer}: ask the releasing side for an offer to you")]
    NotAddressedToYou {
        /// The receiver named in the offer.
        addressed: KeyId,
        /// The reviewing officer.
        reviewer: KeyId,
    },
    /// This side knows nothing of the consignment.
    #[error("this node holds no registration of consignment {0}: sync with the releasing node or import its bundle, then review again")]
    UnknownConsignment(String),
    /// The offer does not follow the last handoff this side knows of.
    #[error("the offer follows custody act {offered}, but the last handoff known here is {known}: sync with the releasing node, or refuse if custody was already passed on")]
    NotCurrent {
        /// What the offer names as previous (`none` for the first handoff).
        offered: String,
        /// The last handoff known here (`none` if none).
        known: String,
    },
    /// The releasing side does not hold custody as far as this side knows.
    #[error("the offer is released by {offered}, but custody is held by {holder}: refuse the handoff and report it")]
    NotTheHolder {
        /// The releasing unit in the offer.
        offered: String,
        /// The current holder known here.
        holder: String,
    },
    /// The offer is older than [`OFFER_LIFETIME_SECONDS`] or dated in the future.
    #[error("the offer is dated {offered_at}; at {now} it is {problem}: ask for a new offer")]
    Stale {
        /// When the offer was made.
        offered_at: String,
        /// The reviewing time.
        now: String,
        /// "too old" or "in the future".
        problem: &'static str,
    },
    /// What the receiving side counted differs from the offer.
    #[error("your count differs from the offer: {0}. Agree on the count and make a new offer, or record a seal check and an incident")]
    CountDiffers(String),
}

/// A handoff signed by the releasing officer, awaiting the receiving officer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustodyOffer {
    transfer: CustodyTransferred,
    releasing: ActSignature,
    id: ActId,
}

/// What the receiving side counted and saw, independently of the offer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Count {
    /// Seals and their state.
    pub seals: Vec<SealObservation>,
    /// Packages.
    pub packages: u32,
    /// Gross mass.
    pub gross_mass: Mass,
}

impl CustodyOffer {
    /// Signs `transfer` as the releasing officer.
    pub fn create(
        transfer: CustodyTransferred,
        releasing_key: &SigningKey,
    ) -> Result<Self, HandoffError> {
        let body = ActBody::CustodyTransferred(transfer);
        body.check_content().map_err(DecodeError::from)?;
        let ActBody::CustodyTransferred(transfer) = body else {
            unreachable!()
        };
        let given = key_id(releasing_key);
        if given != transfer.releasing.officer {
            return Err(HandoffError::WrongKey {
                expected: transfer.releasing.officer.clone(),
                given,
            });
        }
        let id = act_id(&ActBody::CustodyTransferred(transfer.clone()));
        let offer = CustodyOffer {
            releasing: ActSignature::create(&id, releasing_key),
            transfer,
            id,
        };
        // Room for the countersignature too: the completed act must decode.
        let size = offer.encode().len() + 160;
        if size > crate::canonical::MAX_ACT_BYTES {
            return Err(HandoffError::Decode(DecodeError::TooLarge {
                size,
                limit: crate::canonical::MAX_ACT_BYTES,
            }));
        }
        Ok(offer)
    }

    /// The offer's wire form: a signed-act envelope carrying only the releasing signature.
    pub fn encode(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Wire<'a> {
            body: ActBody,
            signatures: [&'a ActSignature; 1],
        }
        canonical_bytes(&Wire {
            body: ActBody::CustodyTransferred(self.transfer.clone()),
            signatures: [&self.releasing],
        })
    }

    /// Reads an offer strictly.
    pub fn decode(bytes: &[u8]) -> Result<Self, HandoffError> {
        let envelope: Envelope = decode_canonical(bytes)?;
        envelope.body.check_content().map_err(DecodeError::from)?;
        check_signers(&envelope.body, &envelope.signatures, 1)?;
        let id = act_id(&envelope.body);
        let ActBody::CustodyTransferred(transfer) = envelope.body else {
            return Err(HandoffError::NotAHandoff(envelope.body.kind()));
        };
        let releasing = envelope
            .signatures
            .into_iter()
            .next()
            .expect("checked: one signature");
        Ok(CustodyOffer {
            transfer,
            releasing,
            id,
        })
    }

    /// The handoff offered.
    pub fn transfer(&self) -> &CustodyTransferred {
        &self.transfer
    }

    /// The id the completed act will have.
    pub fn id(&self) -> ActId {
        self.id
    }

    /// Checks the releasing officer's signature alone (the cryptography; [`CustodyOffer::review`]
    /// checks it again with the officer's enrollment), so that an offer that does not verify is
    /// not even kept.
    pub fn verify_releasing(&self) -> Result<(), crate::signing::SignatureError> {
        self.releasing.verify(&self.id)
    }

    /// The receiving side's check. `known` are the acts this side holds for the consignment,
    /// `count` what the receiving officer counted, `reviewer` their key. On success the
    /// [`Review`] holds the assessment with the handoff in place, for the officer to read before
    /// countersigning.
    pub fn review(
        self,
        registry: &Registry,
        known: &[SignedAct],
        count: &Count,
        reviewer: &KeyId,
        now: Timestamp,
        tolerances: &Tolerances,
    ) -> Result<Review, HandoffError> {
        let t = &self.transfer;
        if &t.receiving.officer != reviewer {
            return Err(HandoffError::NotAddressedToYou {
                addressed: t.receiving.officer.clone(),
                reviewer: reviewer.clone(),
            });
        }
        let age = now.seconds_since(&t.at);
        if age > OFFER_LIFETIME_SECONDS || age < -tolerances.clock_skew_seconds {
            return Err(HandoffError::Stale {
                offered_at: t.at.for_people(),
                now: now.for_people(),
                problem: if age > 0 { "too old" } else { "in the future" },
            });
        }
        // Both sides' enrollment and the releasing signature, checked on the act as it will be.
        let body = ActBody::CustodyTransferred(t.clone());
        self.releasing
            .verify(&self.id)
            .map_err(|e| HandoffError::Releasing(ActRejection::Signature(e)))?;
        registry
            .signer_check(&body, &t.releasing.officer)
            .map_err(|e| HandoffError::Releasing(ActRejection::Authorization(e)))?;
        registry
            .signer_check(&body, &t.receiving.officer)
            .map_err(|e| HandoffError::Receiving(ActRejection::Authorization(e)))?;

        let before = assess(&t.consignment, known, registry, now, tolerances);
        if before.state.registration.is_none() {
            return Err(HandoffError::UnknownConsignment(t.consignment.to_string()));
        }
        let known_tip = before.state.custody_chain.last().copied();
        if t.previous != known_tip {
            let show = |id: Option<ActId>| id.map(|i| i.short()).unwrap_or_else(|| "none".into());
            return Err(HandoffError::NotCurrent {
                offered: show(t.previous),
                known: show(known_tip),
            });
        }
        if let Some(holder) = &before.state.custodian {
            if holder.unit != t.releasing.unit {
                return Err(HandoffError::NotTheHolder {
                    offered: t.releasing.unit.to_string(),
                    holder: holder.unit.to_string(),
                });
            }
        }
        check_count(t, count)?;

        // The offer lacks the receiving signature; its releasing side was checked above, so the
        // preview takes it as holding.
        let mut with_offer = known.to_vec();
        with_offer.push(SignedAct::unchecked(body, vec![self.releasing.clone()]));
        let after = assess_trusting(
            &t.consignment,
            &with_offer,
            registry,
            now,
            tolerances,
            Some(self.id),
        );
        let new_discrepancies = after
            .open_discrepancies()
            .filter(|d| !before.discrepancies.iter().any(|b| b.id == d.id))
            .cloned()
            .collect();
        Ok(Review {
            offer: self,
            assessment: after,
            new_discrepancies,
        })
    }
}

fn check_count(t: &CustodyTransferred, count: &Count) -> Result<(), HandoffError> {
    let mut differences = Vec::new();
    if count.packages != t.packages {
        differences.push(format!(
            "{} packages counted, offer says {}",
            count.packages, t.packages
        ));
    }
    if count.gross_mass.in_grams() != t.gross_mass.in_grams() {
        differences.push(format!(
            "gross mass {} weighed, offer says {}",
            count.gross_mass.for_people(),
            t.gross_mass.for_people()
        ));
    }
    let mut mine: Vec<_> = count.seals.iter().map(|s| (&s.seal, s.state)).collect();
    let mut theirs: Vec<_> = t.seals.iter().map(|s| (&s.seal, s.state)).collect();
    mine.sort();
    theirs.sort();
    if mine != theirs {
        let show = |v: &[(&crate::codes::SealNumber, crate::act::SealState)]| {
            v.iter()
                .map(|(n, s)| format!("{n} {}", wire_name(s)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        differences.push(format!(
            "seals seen: [{}], offer says [{}]",
            show(&mine),
            show(&theirs)
        ));
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(HandoffError::CountDiffers(differences.join("; ")))
    }
}

/// A checked offer, with the assessment the receiving officer must see before signing.
#[derive(Clone, Debug)]
pub struct Review {
    offer: CustodyOffer,
    /// The consignment's assessment with the handoff in place.
    pub assessment: Assessment,
    /// Open discrepancies that the handoff itself would add.
    pub new_discrepancies: Vec<Discrepancy>,
}

impl Review {
    /// The offer reviewed.
    pub fn offer(&self) -> &CustodyOffer {
        &self.offer
    }

    /// Countersigns as the receiving officer; the result is the complete act.
    pub fn countersign(self, receiving_key: &SigningKey) -> Result<SignedAct, HandoffError> {
        let given = key_id(receiving_key);
        let expected = &self.offer.transfer.receiving.officer;
        if &given != expected {
            return Err(HandoffError::WrongKey {
                expected: expected.clone(),
                given,
            });
        }
        let receiving = ActSignature::create(&self.offer.id, receiving_key);
        Ok(SignedAct::assemble(
            ActBody::CustodyTransferred(self.offer.transfer),
            vec![self.offer.releasing, receiving],
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{Story, AIRPORT_POST};

    fn offer(story: &Story) -> CustodyOffer {
        let body = story.transfer_body(
            30,
            AIRPORT_POST,
            None,
            &story.airport_officer,
            &story.escort_lead,
        );
        CustodyOffer::create(body, &story.airport_officer.key).unwrap()
    }

    #[test]
    fn an_offer_travels_as_bytes_and_completes_with_both_signatures() {
        let story = Story::new();
        let known = vec![
            story.registration(),
            story.seal_applied(),
            story.escort_assigned(),
        ];
        let wire = offer(&story).encode();
        let received = CustodyOffer::decode(&wire).unwrap();
        let review = received
            .review(
                &story.registry(),
                &known,
                &story.registered_count(),
                &story.escort_lead.id,
                story.t(32),
                &Tolerances::default(),
            )
            .unwrap();
        assert!(
            review.new_discrepancies.is_empty(),
            "{:?}",
            review.new_discrepancies
        );
        let act = review.countersign(&story.escort_lead.key).unwrap();
        act.verify_signatures().unwrap();
        story.registry().verify(&act).unwrap();
        assert_eq!(SignedAct::decode(&act.encode()).unwrap(), act);
    }

    #[test]
    fn only_the_releasing_officer_can_make_the_offer() {
        let story = Story::new();
        let body = story.transfer_body(
            30,
            AIRPORT_POST,
            None,
            &story.airport_officer,
            &story.escort_lead,
        );
        assert!(matches!(
            CustodyOffer::create(body, &story.escort_lead.key),
            Err(HandoffError::WrongKey { .. })
        ));
    }

    #[test]
    fn a_completed_act_or_another_kind_is_not_an_offer() {
        let story = Story::new();
        let complete = story.clean_delivery()[3].encode();
        assert!(matches!(
            CustodyOffer::decode(&complete),
            Err(HandoffError::Decode(DecodeError::UnexpectedSigner { .. }))
        ));
        let seal = story.seal_applied().encode();
        assert!(matches!(
            CustodyOffer::decode(&seal),
            Err(HandoffError::NotAHandoff("seal_applied"))
        ));
    }

    #[test]
    fn a_count_that_differs_names_the_difference() {
        let story = Story::new();
        let known = vec![
            story.registration(),
            story.seal_applied(),
            story.escort_assigned(),
        ];
        let mut count = story.registered_count();
        count.seals[0].state = crate::act::SealState::Damaged;
        let err = offer(&story)
            .review(
                &story.registry(),
                &known,
                &count,
                &story.escort_lead.id,
                story.t(32),
                &Tolerances::default(),
            )
            .unwrap_err();
        assert!(matches!(err, HandoffError::CountDiffers(_)));
        assert!(err.to_string().contains("KG-0042137 damaged"), "{err}");
    }
}
