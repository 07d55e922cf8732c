//! The key registry: which keys the customs authority has enrolled, in which role, for which
//! unit and for how long, and which it has revoked; and the lists it keeps (the Kimberley
//! Process participants, [`Registry::kp_participants_at`]).
//!
//! The registry is derived, like consignment state, from registry acts. Its root of trust is the
//! customs authority's root key, pinned by every node; the root can stay offline. The root
//! enrolls **registrar** keys (role [`Role::Registrar`], for a limited time), and registrars
//! enroll and revoke officers, staff and devices. A registrar may not enroll or revoke a
//! registrar, nor its own key; only the root does that, so a registrar is rotated or revoked
//! without re-enrolling anyone it enrolled: its acts dated while it was in force keep holding,
//! its acts dated later do not ([`judge`]). No enrollment may start before the act that makes
//! it, unless the act says it carries over a paper record (`migrated_from`).
//!
//! The registry is a set of facts, so it does not depend on the order acts arrive in: a
//! registrar's act that arrives before the root's enrollment of that registrar is kept and holds
//! once the enrollment arrives. An act is authorized only if each of its signers was enrolled in
//! a role allowed to perform it, within the enrollment's validity, and not revoked at the act's
//! time.

mod judge;

use crate::act::ActBody;
use crate::calendar::{Hours, WorkingDays, YearCalendar, ZoneName};
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
        // The second signature, where there is one, is a supervisor's (`signer_check`).
        ActBody::DiscrepancyResolved(_) => &[CentralStaff, Supervisor],
        // A customs body's decisions: a post's officers, or central staff.
        ActBody::PermissionGranted(_)
        | ActBody::EscortChanged(_)
        | ActBody::DeadlineExtended(_)
        | ActBody::IncidentFollowedUp(_) => &[PostOfficer, PreciousMetalsOfficer, CentralStaff],
        // Whoever signed the act corrected (the assessment checks it is their unit).
        ActBody::ActCorrected(_) => &[PostOfficer, EscortOfficer, PreciousMetalsOfficer],
        ActBody::DeliveryRefused(_) | ActBody::ConsignmentReturned(_) => {
            &[PostOfficer, PreciousMetalsOfficer]
        }
        // The customs office's notice to the Department.
        ActBody::DepartmentNotified(_) => &[PostOfficer],
        // The Department's own acts.
        ActBody::ExpertiseConcluded(_)
        | ActBody::StateControlActDrawn(_)
        | ActBody::CertificatesIssued(_) => &[PreciousMetalsOfficer],
        ActBody::KpcReturned(_) | ActBody::KpCouponReturned(_) => {
            &[PostOfficer, PreciousMetalsOfficer]
        }
        ActBody::SealEventsReported(_) => &[SealOperator],
        ActBody::KeyEnrolled(_)
        | ActBody::KeyRevoked(_)
        | ActBody::KpParticipantsListed(_)
        | ActBody::CalendarPublished(_)
        | ActBody::PostRegistered(_) => &[],
    }
}

/// The roles `key` may sign `body` in as one of its signers: [`roles_allowed`], except that a
/// resolution's second signature is a supervisor's (the two-person rule).
pub fn roles_for_signer(body: &ActBody, key: &KeyId) -> &'static [Role] {
    match body {
        ActBody::DiscrepancyResolved(r) if r.supervisor.as_ref() == Some(key) => {
            &[Role::Supervisor]
        }
        _ => roles_allowed(body),
    }
}

/// One enrollment of a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrollment {
    /// The enrolling act.
    pub act: ActId,
    /// Who signed it: the root key or a registrar.
    pub by: KeyId,
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
    /// The paper record this enrollment carries over, if it is a migration (then its validity
    /// may start before the act).
    pub migrated_from: Option<String>,
}

/// A revocation of a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// The revoking act.
    pub act: ActId,
    /// Who signed it: the root key or a registrar.
    pub by: KeyId,
    /// From when the key is no longer valid.
    pub effective_from: Timestamp,
    /// Why.
    pub reason: String,
}

/// A Kimberley Process participants list that holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KpList {
    /// The listing act.
    pub act: ActId,
    /// Who signed it: the root key or a registrar.
    pub by: KeyId,
    /// From when it is in force.
    pub at: Timestamp,
    /// The participants.
    pub participants: Vec<crate::act::KpParticipant>,
    /// Where it comes from.
    pub source: String,
}

impl KpList {
    /// The participant `country` belongs to, if any.
    pub fn participant_of(
        &self,
        country: &crate::codes::CountryCode,
    ) -> Option<&crate::act::KpParticipant> {
        self.participants
            .iter()
            .find(|p| p.countries.contains(country))
    }
}

/// A year's working calendar as published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarEntry {
    /// The publishing act.
    pub act: ActId,
    /// Who signed it.
    pub by: KeyId,
    /// When it was published.
    pub at: Timestamp,
    /// The year.
    pub year: u16,
    /// What it says.
    pub calendar: YearCalendar,
}

/// A post as the post register has it, from a time on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostEntry {
    /// The registering act.
    pub act: ActId,
    /// Who signed it.
    pub by: KeyId,
    /// From when.
    pub at: Timestamp,
    /// Its name.
    pub name: String,
    /// Its time zone.
    pub zone: ZoneName,
    /// Its working hours on working days; `None`: round the clock.
    pub hours: Option<Hours>,
    /// Where it is on the map, if registered.
    pub coordinates: Option<crate::act::Coordinates>,
}

/// Why a registry act was not taken into the registry.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// Not a registry act.
    #[error("act {0} is a {1} act, not a registry act")]
    NotRegistryAct(ActId, &'static str),
    /// Signed by a key that is neither the pinned root key nor a registrar it enrolled.
    #[error("act {act} is signed by {named}, which is neither the pinned customs authority key {pinned} nor a registrar it enrolled: it comes from another authority, or from a key that may not keep the registry")]
    ForeignAuthority {
        /// The act.
        act: ActId,
        /// The key that signs it.
        named: KeyId,
        /// The pinned root key.
        pinned: KeyId,
    },
    /// The signature does not verify.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// An enrollment whose validity starts before the act, not marked as a migration.
    #[error("act {act} enrolls a key from {valid_from}, before the act itself ({at}): an enrollment cannot reach back in time unless it carries over a paper record (migrated_from)")]
    Retroactive {
        /// The act.
        act: ActId,
        /// The act's time.
        at: Timestamp,
        /// The validity's start it asks for.
        valid_from: Timestamp,
    },
    /// Signed by a registrar that was not in force at the act's time.
    #[error(
        "act {act} is signed by registrar {registrar}, which was not in force at {at}: {detail}"
    )]
    RegistrarNotInForce {
        /// The act.
        act: ActId,
        /// The registrar.
        registrar: KeyId,
        /// The act's time.
        at: Timestamp,
        /// Expired, not yet valid, or revoked (and from when).
        detail: String,
    },
    /// A registrar's act that only the root key may sign.
    #[error("act {act}: a registrar may not {what}; only the customs authority's root key may")]
    BeyondRegistrar {
        /// The act.
        act: ActId,
        /// What it tried.
        what: &'static str,
    },
}

impl RegistryError {
    /// The stable code of the reason, as the vectors and refusal counts name it.
    pub fn code(&self) -> &'static str {
        match self {
            RegistryError::NotRegistryAct(..) => "not_a_registry_act",
            RegistryError::ForeignAuthority { .. } => "not_a_registrar",
            RegistryError::Signature(_) => "bad_signature",
            RegistryError::Retroactive { .. } => "retroactive_enrollment",
            RegistryError::RegistrarNotInForce { .. } => "registrar_not_in_force",
            RegistryError::BeyondRegistrar { .. } => "beyond_registrar",
        }
    }
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
    /// A critical discrepancy's resolution signed twice by one person.
    #[error("keys {first} and {second} are held by one person: a critical discrepancy is closed by two different staff members")]
    SamePerson {
        /// The first signer.
        first: KeyId,
        /// The second signer.
        second: KeyId,
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
    /// What the acts that hold say.
    enrollments: BTreeMap<KeyId, Vec<Enrollment>>,
    revocations: BTreeMap<KeyId, Vec<Revocation>>,
    /// The KP participants lists that hold, by time then act id.
    kp_lists: Vec<KpList>,
    /// The working calendars that hold, by time then act id (the last of a year is its
    /// calendar).
    calendars: Vec<CalendarEntry>,
    /// The post register's entries that hold, by post, by time then act id.
    posts: BTreeMap<UnitCode, Vec<PostEntry>>,
    /// Registrars' acts whose signatures verify, kept to be judged again whenever the root
    /// enrolls or revokes a registrar.
    delegated: BTreeMap<ActId, SignedAct>,
    /// Registry acts whose signatures verify but which do not hold, with the reason.
    refused: BTreeMap<ActId, RegistryError>,
}

impl Registry {
    /// An empty registry that trusts `authority` (the pinned customs authority root key).
    pub fn new(authority: KeyId) -> Self {
        Registry {
            authority,
            enrollments: BTreeMap::new(),
            revocations: BTreeMap::new(),
            kp_lists: Vec::new(),
            calendars: Vec::new(),
            posts: BTreeMap::new(),
            delegated: BTreeMap::new(),
            refused: BTreeMap::new(),
        }
    }

    /// A registry built from `acts`; acts that do not hold are returned with the reason.
    pub fn from_acts<'a>(
        authority: KeyId,
        acts: impl IntoIterator<Item = &'a SignedAct>,
    ) -> (Self, Vec<(ActId, RegistryError)>) {
        let mut registry = Registry::new(authority);
        let mut rejected = Vec::new();
        let mut given = Vec::new();
        for act in acts {
            match registry.take(act) {
                Ok(rejudge) => {
                    given.push(act.id());
                    if rejudge {
                        registry.rejudge_delegated();
                    }
                }
                Err(e) => rejected.push((act.id(), e)),
            }
        }
        given.sort();
        given.dedup();
        rejected.extend(
            given
                .into_iter()
                .filter_map(|id| registry.refused.get(&id).map(|e| (id, e.clone()))),
        );
        (registry, rejected)
    }

    /// The pinned authority key.
    pub fn authority(&self) -> &KeyId {
        &self.authority
    }

    /// Takes a registry act in. Applying the same act twice changes nothing. An act whose
    /// signature verifies but which does not hold (yet) is kept and reported: a registrar's
    /// act may come to hold when the root's enrollment of the registrar arrives.
    pub fn apply(&mut self, act: &SignedAct) -> Result<(), RegistryError> {
        if self.take(act)? {
            self.rejudge_delegated();
        }
        match self.refused.get(&act.id()) {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Every enrollment of `key`, earliest first.
    pub fn enrollments(&self, key: &KeyId) -> &[Enrollment] {
        self.enrollments.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The earliest revocation of `key`, if any.
    pub fn revocation(&self, key: &KeyId) -> Option<&Revocation> {
        self.revocations.get(key).and_then(|r| r.first())
    }

    /// Every KP participants list that holds, earliest first.
    pub fn kp_lists(&self) -> &[KpList] {
        &self.kp_lists
    }

    /// The KP participants list in force at `at`: the latest listed at or before it (of two of
    /// the same second, the one with the greater act id). `None` before the first list: then
    /// nothing can be said of who takes part.
    pub fn kp_participants_at(&self, at: Timestamp) -> Option<&KpList> {
        self.kp_lists.iter().rev().find(|l| l.at <= at)
    }

    /// The post register's entry for `post` in force at `at`: the latest made at or before it.
    pub fn post_at(&self, post: &UnitCode, at: Timestamp) -> Option<&PostEntry> {
        self.posts.get(post)?.iter().rev().find(|p| p.at <= at)
    }

    /// Every post register entry that holds, by post.
    pub fn posts(&self) -> impl Iterator<Item = (&UnitCode, &[PostEntry])> {
        self.posts.iter().map(|(u, l)| (u, l.as_slice()))
    }

    /// The years with a published calendar, each with the act that published it.
    pub fn calendars(&self) -> std::collections::BTreeMap<u16, ActId> {
        self.calendars.iter().map(|c| (c.year, c.act)).collect()
    }

    /// Whether `other` keeps the same lists (KP participants, calendars, post register): when
    /// they differ, any consignment's assessment may.
    pub fn same_lists(&self, other: &Registry) -> bool {
        self.kp_lists == other.kp_lists
            && self.calendars == other.calendars
            && self.posts == other.posts
    }

    /// The time zone of `post` at `at`: the register's, else [`ZoneName::default_zone`].
    pub fn zone_of(&self, post: &UnitCode, at: Timestamp) -> ZoneName {
        self.post_at(post, at)
            .map_or_else(ZoneName::default_zone, |p| p.zone)
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
            let nearest = nearest(enrollments.iter(), at).expect("not empty");
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
        if matches!(body.subject(), crate::act::Subject::Registry) {
            if let Some(e) = self.refused.get(&act.id()) {
                return Err(e.clone().into());
            }
            return Ok(self.judge(act)?);
        }
        for key in body.required_signers() {
            self.signer_check(body, key)?;
        }
        if let ActBody::DiscrepancyResolved(r) = body {
            if let Some(supervisor) = &r.supervisor {
                self.two_people(&r.officer, supervisor, r.at)?;
            }
        }
        Ok(())
    }

    /// The two-person rule's "two": two keys of one person (the same personal number, or the
    /// same name where neither has one) are one signature.
    pub fn two_people(
        &self,
        first: &KeyId,
        second: &KeyId,
        at: Timestamp,
    ) -> Result<(), AuthorizationError> {
        let person = |key: &KeyId| {
            self.signer_at(key, at).enrollment.map(|e| {
                e.personal_number
                    .clone()
                    .unwrap_or_else(|| format!("name:{}", e.holder))
            })
        };
        match (person(first), person(second)) {
            (Some(a), Some(b)) if a == b => Err(AuthorizationError::SamePerson {
                first: first.clone(),
                second: second.clone(),
            }),
            _ => Ok(()),
        }
    }

    /// Checks that `key` may sign `body` as one of its signers at the act's time: enrolled, in an
    /// allowed role, not revoked, and (for a handoff) signing for its own unit.
    pub fn signer_check(&self, body: &ActBody, key: &KeyId) -> Result<(), AuthorizationError> {
        let enrollment = self
            .enrollment_at(key, body.at(), roles_for_signer(body, key))
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

/// The working calendar: the last calendar published for each year.
impl WorkingDays for Registry {
    fn year(&self, year: i32) -> Option<&YearCalendar> {
        self.calendars
            .iter()
            .rev()
            .find(|c| i32::from(c.year) == year)
            .map(|c| &c.calendar)
    }
}

/// The enrollment whose validity lies nearest to `at` (to say what an act outside every
/// enrollment missed).
fn nearest<'e>(
    enrollments: impl Iterator<Item = &'e Enrollment>,
    at: Timestamp,
) -> Option<&'e Enrollment> {
    enrollments.min_by_key(|e| {
        (e.valid_from.seconds_since(&at).abs()).min(at.seconds_since(&e.valid_until).abs())
    })
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
mod tests;
