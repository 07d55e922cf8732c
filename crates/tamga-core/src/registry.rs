//! The key registry: which keys the customs authority has enrolled, in which role, for which
//! unit and for how long, and which it has revoked.
//!
//! The registry is derived, like consignment state, from registry acts signed by the pinned
//! authority key. It is a set of facts, so it does not depend on the order acts arrive in. An act
//! is authorized only if each of its signers was enrolled in a role allowed to perform it, within
//! the enrollment's validity, and not revoked at the act's time.

use crate::act::ActBody;
use crate::canonical::ActId;
use crate::codes::{KeyId, UnitCode};
use crate::signing::{SignatureError, SignedAct};
use crate::time::Timestamp;
use std::collections::BTreeMap;

pub use crate::codes::Role;

/// The roles allowed to sign each kind of consignment act. Registry acts are signed by the
/// authority key alone.
pub fn roles_allowed(body: &ActBody) -> &'static [Role] {
    use Role::*;
    match body {
        ActBody::ConsignmentRegistered(_) => &[PostOfficer, PreciousMetalsOfficer],
        ActBody::SealApplied(_) | ActBody::EscortAssigned(_) => {
            &[PostOfficer, PreciousMetalsOfficer]
        }
        // Escort crews may have to remove or replace a seal under a threat (art. 140) and must
        // check seals at stops.
        ActBody::SealChecked(_)
        | ActBody::SealRemoved(_)
        | ActBody::SealReplaced(_)
        | ActBody::IncidentReported(_)
        | ActBody::ArrivalNotified(_)
        | ActBody::CustodyTransferred(_) => &[PostOfficer, EscortOfficer, PreciousMetalsOfficer],
        ActBody::PositionReported(_) => &[EscortOfficer, Device],
        ActBody::ConsignmentDelivered(_) => &[PostOfficer, PreciousMetalsOfficer],
        ActBody::DiscrepancyResolved(_) => &[CentralStaff],
        ActBody::KeyEnrolled(_) | ActBody::KeyRevoked(_) => &[],
    }
}

/// One enrollment of a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrollment {
    /// The enrolling act.
    pub act: ActId,
    /// The holder's name.
    pub holder: String,
    /// The holder's personal number, for officers.
    pub personal_number: Option<String>,
    /// The role.
    pub role: Role,
    /// The unit.
    pub unit: UnitCode,
    /// Valid from (inclusive).
    pub valid_from: Timestamp,
    /// Valid until (exclusive).
    pub valid_until: Timestamp,
}

/// A revocation of a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// The revoking act.
    pub act: ActId,
    /// From when the key is no longer valid.
    pub effective_from: Timestamp,
    /// Why.
    pub reason: String,
}

/// Why a registry act was not taken into the registry.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// Not a registry act.
    #[error("act {0} is a {1} act, not a registry act")]
    NotRegistryAct(ActId, &'static str),
    /// Signed by a key other than the pinned authority key.
    #[error("act {act} names authority {named}, but the pinned customs authority key is {pinned}: it comes from another authority")]
    ForeignAuthority {
        /// The act.
        act: ActId,
        /// The authority it names.
        named: KeyId,
        /// The pinned authority.
        pinned: KeyId,
    },
    /// The authority's signature does not verify.
    #[error(transparent)]
    Signature(#[from] SignatureError),
}

/// Why a signer may not perform an act.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizationError {
    /// The key was never enrolled.
    #[error("key {key} is not enrolled with the customs authority")]
    UnknownKey {
        /// The signer.
        key: KeyId,
    },
    /// The key was revoked before the act's time.
    #[error(
        "key {key} was revoked from {effective_from} (act {revocation}); the act is dated {at}"
    )]
    RevokedKey {
        /// The signer.
        key: KeyId,
        /// When the revocation took effect.
        effective_from: Timestamp,
        /// The revoking act.
        revocation: ActId,
        /// The act's time.
        at: Timestamp,
    },
    /// The act's time is outside every enrollment of the key.
    #[error(
        "key {key} was not valid at {at}: its enrollment covers {valid_from} to {valid_until}"
    )]
    ExpiredKey {
        /// The signer.
        key: KeyId,
        /// The act's time.
        at: Timestamp,
        /// The nearest enrollment's start.
        valid_from: Timestamp,
        /// The nearest enrollment's end.
        valid_until: Timestamp,
    },
    /// The key's role may not perform this kind of act.
    #[error("key {key} is enrolled as {role}, which may not sign a {kind} act")]
    RoleNotPermitted {
        /// The signer.
        key: KeyId,
        /// Its role.
        role: &'static str,
        /// The act kind.
        kind: &'static str,
    },
    /// A handoff names a unit that is not the signing officer's own.
    #[error("officer {key} signs for unit {claimed} but is enrolled at {enrolled}")]
    UnitMismatch {
        /// The signer.
        key: KeyId,
        /// The unit the act claims.
        claimed: UnitCode,
        /// The unit the key is enrolled at.
        enrolled: UnitCode,
    },
    /// A registry act signed by someone other than the pinned authority.
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

/// A signer as named for an act: see [`Registry::signer_at`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignerAt<'r> {
    /// The enrollment that names them.
    pub enrollment: Option<&'r Enrollment>,
    /// Whether that enrollment was in force at the act's time (whether the role allowed the
    /// act is the assessment's to say).
    pub in_force: bool,
}

/// The keys the customs authority has enrolled and revoked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registry {
    authority: KeyId,
    enrollments: BTreeMap<KeyId, Vec<Enrollment>>,
    revocations: BTreeMap<KeyId, Vec<Revocation>>,
}

impl Registry {
    /// An empty registry that trusts `authority` (the pinned customs authority key).
    pub fn new(authority: KeyId) -> Self {
        Registry {
            authority,
            enrollments: BTreeMap::new(),
            revocations: BTreeMap::new(),
        }
    }

    /// A registry built from `acts`; acts that do not hold are returned with the reason.
    pub fn from_acts<'a>(
        authority: KeyId,
        acts: impl IntoIterator<Item = &'a SignedAct>,
    ) -> (Self, Vec<(ActId, RegistryError)>) {
        let mut registry = Registry::new(authority);
        let rejected = acts
            .into_iter()
            .filter_map(|act| registry.apply(act).err().map(|e| (act.id(), e)))
            .collect();
        (registry, rejected)
    }

    /// The pinned authority key.
    pub fn authority(&self) -> &KeyId {
        &self.authority
    }

    /// Takes a registry act in. Applying the same act twice changes nothing.
    pub fn apply(&mut self, act: &SignedAct) -> Result<(), RegistryError> {
        let (named, id) = match act.body() {
            ActBody::KeyEnrolled(a) => (&a.authority, act.id()),
            ActBody::KeyRevoked(a) => (&a.authority, act.id()),
            other => return Err(RegistryError::NotRegistryAct(act.id(), other.kind())),
        };
        if named != &self.authority {
            return Err(RegistryError::ForeignAuthority {
                act: id,
                named: named.clone(),
                pinned: self.authority.clone(),
            });
        }
        act.verify_signatures()?;
        match act.body() {
            ActBody::KeyEnrolled(a) => {
                let list = self.enrollments.entry(a.key.clone()).or_default();
                if !list.iter().any(|e| e.act == id) {
                    list.push(Enrollment {
                        act: id,
                        holder: a.holder.name.to_string(),
                        personal_number: a.holder.personal_number.as_ref().map(|p| p.to_string()),
                        role: a.role,
                        unit: a.unit.clone(),
                        valid_from: a.valid_from,
                        valid_until: a.valid_until,
                    });
                    list.sort_by_key(|e| (e.valid_from, e.act));
                }
            }
            ActBody::KeyRevoked(a) => {
                let list = self.revocations.entry(a.key.clone()).or_default();
                if !list.iter().any(|r| r.act == id) {
                    list.push(Revocation {
                        act: id,
                        effective_from: a.effective_from,
                        reason: a.reason.to_string(),
                    });
                    list.sort_by_key(|r| (r.effective_from, r.act));
                }
            }
            _ => unreachable!("checked above"),
        }
        Ok(())
    }

    /// Every enrollment of `key`, earliest first.
    pub fn enrollments(&self, key: &KeyId) -> &[Enrollment] {
        self.enrollments.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The earliest revocation of `key`, if any.
    pub fn revocation(&self, key: &KeyId) -> Option<&Revocation> {
        self.revocations.get(key).and_then(|r| r.first())
    }

    /// All enrolled keys.
    pub fn keys(&self) -> impl Iterator<Item = &KeyId> {
        self.enrollments.keys()
    }

    /// How to name the signer `key` of an act dated `at`: the enrollment in force at that time
    /// (the latest of them, if several), or else the key's latest enrollment; `None` for a key
    /// never enrolled. The one answer both nodes' views give for "who signed this".
    pub fn signer_at(&self, key: &KeyId, at: Timestamp) -> SignerAt<'_> {
        let enrollments = self.enrollments(key);
        let in_force = enrollments
            .iter()
            .rev()
            .find(|e| e.valid_from <= at && at < e.valid_until);
        SignerAt {
            enrollment: in_force.or(enrollments.last()),
            in_force: in_force.is_some(),
        }
    }

    /// The enrollment under which `key` could act at `at` in one of `roles`.
    pub fn enrollment_at(
        &self,
        key: &KeyId,
        at: Timestamp,
        roles: &[Role],
    ) -> Result<&Enrollment, AuthorizationError> {
        let enrollments = self.enrollments(key);
        if enrollments.is_empty() {
            return Err(AuthorizationError::UnknownKey { key: key.clone() });
        }
        if let Some(revocation) = self.revocation(key) {
            if at >= revocation.effective_from {
                return Err(AuthorizationError::RevokedKey {
                    key: key.clone(),
                    effective_from: revocation.effective_from,
                    revocation: revocation.act,
                    at,
                });
            }
        }
        let current: Vec<&Enrollment> = enrollments
            .iter()
            .filter(|e| e.valid_from <= at && at < e.valid_until)
            .collect();
        if current.is_empty() {
            let nearest = enrollments
                .iter()
                .min_by_key(|e| {
                    (e.valid_from.seconds_since(&at).abs())
                        .min(at.seconds_since(&e.valid_until).abs())
                })
                .expect("not empty");
            return Err(AuthorizationError::ExpiredKey {
                key: key.clone(),
                at,
                valid_from: nearest.valid_from,
                valid_until: nearest.valid_until,
            });
        }
        current
            .iter()
            .find(|e| roles.contains(&e.role))
            .copied()
            .ok_or_else(|| AuthorizationError::RoleNotPermitted {
                key: key.clone(),
                role: current[0].role.as_str(),
                kind: "",
            })
    }

    /// Checks that every signer of `act` may perform it at its time. Does not check the
    /// cryptography: see [`SignedAct::verify_signatures`] (or [`Registry::verify`] for both).
    pub fn authorize(&self, act: &SignedAct) -> Result<(), AuthorizationError> {
        let body = act.body();
        if matches!(body, ActBody::KeyEnrolled(_) | ActBody::KeyRevoked(_)) {
            let named = body.required_signers()[0];
            if named != &self.authority {
                return Err(RegistryError::ForeignAuthority {
                    act: act.id(),
                    named: named.clone(),
                    pinned: self.authority.clone(),
                }
                .into());
            }
            return Ok(());
        }
        for key in body.required_signers() {
            self.signer_check(body, key)?;
        }
        Ok(())
    }

    /// Checks that `key` may sign `body` as one of its signers at the act's time: enrolled, in an
    /// allowed role, not revoked, and (for a handoff) signing for its own unit.
    pub fn signer_check(&self, body: &ActBody, key: &KeyId) -> Result<(), AuthorizationError> {
        let enrollment = self
            .enrollment_at(key, body.at(), roles_allowed(body))
            .map_err(|e| match e {
                AuthorizationError::RoleNotPermitted { key, role, .. } => {
                    AuthorizationError::RoleNotPermitted {
                        key,
                        role,
                        kind: body.kind(),
                    }
                }
                other => other,
            })?;
        if let ActBody::CustodyTransferred(t) = body {
            let party = if &t.releasing.officer == key {
                &t.releasing
            } else {
                &t.receiving
            };
            if party.unit != enrollment.unit {
                return Err(AuthorizationError::UnitMismatch {
                    key: key.clone(),
                    claimed: party.unit.clone(),
                    enrolled: enrollment.unit.clone(),
                });
            }
        }
        Ok(())
    }

    /// Checks signatures and authorization together: the act holds if this returns `Ok`.
    pub fn verify(&self, act: &SignedAct) -> Result<(), ActRejection> {
        act.verify_signatures().map_err(ActRejection::Signature)?;
        self.authorize(act).map_err(ActRejection::Authorization)
    }
}

/// Why an act does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ActRejection {
    /// A signature does not verify.
    #[error(transparent)]
    Signature(SignatureError),
    /// A signer was not allowed to perform the act.
    #[error(transparent)]
    Authorization(AuthorizationError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{at, Story};

    #[test]
    fn an_act_names_its_signer_as_enrolled_at_the_act_s_time() {
        let story = Story::new();
        let mut registry = story.registry();
        let officer = &story.airport_officer;
        // Moved to another post for 2028: a second enrollment, later than the first.
        let ActBody::KeyEnrolled(mut moved) = story.enrollment(officer).body().clone() else {
            unreachable!("an enrollment")
        };
        moved.at = at("2027-12-20T09:00:00Z");
        moved.unit = crate::fixtures::unit(crate::fixtures::OTHER_POST);
        moved.valid_from = at("2028-01-01T00:00:00Z");
        moved.valid_until = at("2029-01-01T00:00:00Z");
        registry
            .apply(&story.by_authority(ActBody::KeyEnrolled(moved)))
            .unwrap();

        let then = registry.signer_at(&officer.id, at("2026-06-01T00:00:00Z"));
        assert!(then.in_force);
        assert_eq!(then.enrollment.unwrap().unit, officer.unit_code());
        let later = registry.signer_at(&officer.id, at("2028-06-01T00:00:00Z"));
        assert!(later.in_force);
        assert_eq!(
            later.enrollment.unwrap().unit.as_str(),
            crate::fixtures::OTHER_POST
        );
        // Outside every enrollment: named by the latest, not in force.
        let after = registry.signer_at(&officer.id, at("2030-01-01T00:00:00Z"));
        assert!(!after.in_force);
        assert_eq!(
            after.enrollment.unwrap().unit.as_str(),
            crate::fixtures::OTHER_POST
        );
        let stranger = registry.signer_at(&story.outsider.id, at("2026-06-01T00:00:00Z"));
        assert_eq!((stranger.enrollment, stranger.in_force), (None, false));
    }

    #[test]
    fn enrolled_officer_may_register_and_escort_may_not() {
        let story = Story::new();
        let registry = story.registry();
        let registration = story.registration();
        assert_eq!(registry.verify(&registration), Ok(()));

        let mut body = story.registration_body();
        body.officer = story.escort_lead.id.clone();
        let by_escort = story.sign(ActBody::ConsignmentRegistered(body), &[&story.escort_lead]);
        match registry.authorize(&by_escort) {
            Err(AuthorizationError::RoleNotPermitted { role, kind, .. }) => {
                assert_eq!((role, kind), ("escort_officer", "consignment_registered"))
            }
            other => panic!("expected RoleNotPermitted, got {other:?}"),
        }
    }

    #[test]
    fn revocation_takes_effect_from_its_time() {
        let story = Story::new();
        let mut acts = story.registry_acts();
        acts.push(story.revocation(&story.airport_officer, story.t(5)));
        let (registry, rejected) = Registry::from_acts(story.authority_id(), &acts);
        assert!(rejected.is_empty());
        // Registered at t(0): before the revocation, still valid.
        assert_eq!(registry.authorize(&story.registration()), Ok(()));
        // Sealed at t(10): after it.
        assert!(matches!(
            registry.authorize(&story.seal_applied()),
            Err(AuthorizationError::RevokedKey { .. })
        ));
    }

    #[test]
    fn keys_are_valid_only_within_their_enrollment() {
        let story = Story::new();
        let registry = story.registry();
        let mut body = story.registration_body();
        body.at = at("2028-01-01T00:00:00Z");
        body.delivery_deadline = at("2028-01-02T00:00:00Z");
        let late = story.sign(
            ActBody::ConsignmentRegistered(body),
            &[&story.airport_officer],
        );
        assert!(matches!(
            registry.authorize(&late),
            Err(AuthorizationError::ExpiredKey { .. })
        ));
        let unknown = story.sign(
            ActBody::ConsignmentRegistered(ConsignmentRegisteredBy::outsider(&story)),
            &[&story.outsider],
        );
        assert!(matches!(
            registry.authorize(&unknown),
            Err(AuthorizationError::UnknownKey { .. })
        ));
    }

    struct ConsignmentRegisteredBy;
    impl ConsignmentRegisteredBy {
        fn outsider(story: &Story) -> crate::act::ConsignmentRegistered {
            let mut body = story.registration_body();
            body.officer = story.outsider.id.clone();
            body
        }
    }

    #[test]
    fn registry_refuses_another_authority_and_forged_enrollments() {
        let story = Story::new();
        let other = Story {
            authority: crate::fixtures::key("another authority"),
            ..Story::new()
        };
        let foreign = other.enrollment(&other.outsider);
        let (registry, rejected) = Registry::from_acts(story.authority_id(), [&foreign]);
        assert!(matches!(
            rejected[0].1,
            RegistryError::ForeignAuthority { .. }
        ));
        assert_eq!(registry.keys().count(), 0);

        // An enrollment whose body was changed after the authority signed it.
        let genuine = story.enrollment(&story.escort_lead);
        let ActBody::KeyEnrolled(mut body) = genuine.body().clone() else {
            unreachable!()
        };
        body.role = Role::CentralStaff;
        let forged = SignedAct::assemble(ActBody::KeyEnrolled(body), genuine.signatures().to_vec())
            .expect("shape is right");
        let (_, rejected) = Registry::from_acts(story.authority_id(), [&forged]);
        assert!(matches!(rejected[0].1, RegistryError::Signature(_)));
    }

    #[test]
    fn registry_does_not_depend_on_order_or_duplicates() {
        let story = Story::new();
        let mut acts = story.registry_acts();
        acts.push(story.revocation(&story.vehicle_device, story.t(1)));
        let (forward, _) = Registry::from_acts(story.authority_id(), &acts);
        let mut backward: Vec<SignedAct> = acts.iter().rev().cloned().collect();
        backward.extend(acts.iter().cloned());
        let (reversed, _) = Registry::from_acts(story.authority_id(), &backward);
        assert_eq!(forward, reversed);
    }

    #[test]
    fn handoff_must_be_signed_for_the_officers_own_unit() {
        let story = Story::new();
        let mut body = story.transfer_body(
            30,
            crate::fixtures::AIRPORT_POST,
            None,
            &story.airport_officer,
            &story.escort_lead,
        );
        body.receiving.unit = crate::fixtures::unit(crate::fixtures::DEPARTMENT);
        let act = story.transfer(body, &story.airport_officer, &story.escort_lead);
        assert!(matches!(
            story.registry().authorize(&act),
            Err(AuthorizationError::UnitMismatch { .. })
        ));
    }
}
