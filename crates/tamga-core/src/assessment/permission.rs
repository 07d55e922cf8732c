//! Who may write what: each act must be signed from a unit the consignment gives that part to,
//! at the right place and moment. The registry has already said that each signer was enrolled,
//! in a role allowed for the act's kind, at the act's time; this module adds what only the
//! consignment's own acts can tell:
//!
//! | act | the signer's unit must be |
//! |---|---|
//! | `consignment_registered` | its office of departure |
//! | `seal_applied` | on the route or a unit that has held custody; at a post, that post |
//! | `escort_assigned` | the office of departure or the current custodian |
//! | `seal_checked`, `seal_removed`, `seal_replaced` | on the route, an assigned escort unit or a unit that has held custody; at a post, that post (escort crews anywhere) |
//! | `incident_reported` | as for seals, or any post recording it at itself (the nearest customs body) |
//! | `custody_transferred` | releasing: a unit that has held custody; receiving: an assigned escort unit or a post on the route |
//! | `position_reported` | an assigned escort unit |
//! | `seal_events_reported` | any seal operator (by role), naming only navigation seals fixed on the consignment by earlier acts that hold |
//! | `arrival_notified` | the office of destination or an assigned escort unit, at the office of destination |
//! | `consignment_delivered` | the office of destination, at the office of destination |
//! | `discrepancy_resolved` | any (central staff, by role) |
//! | `permission_granted` | central staff; or a post on the route or one that has held custody, at itself (a correction: only the office of departure or central staff) |
//! | `act_corrected` | the unit that signed the act corrected, before the first handoff; after it, with a correction permit for that act |
//! | `escort_changed` | central staff; or a post on the route or one that has held custody, at itself |
//! | `deadline_extended` | the office of departure or central staff, naming an incident that holds, for a later deadline |
//! | `incident_followed_up` | brought to customs: any post, at itself (the nearest customs body); officials attended: any post or central staff; closed: a post on the route or one that has held custody, or central staff; always naming an incident that holds |
//! | `delivery_refused` | the office of destination, at itself, before any delivery or refusal |
//! | `consignment_returned` | the office of departure, at itself, after a refusal or with a return permit, once |
//!
//! And transit ends once: nothing is delivered after a refusal, a delivery or a return.
//!
//! "Has held custody" and "current custodian" mean by acts that hold and come earlier in the
//! fold; "assigned" means by an `escort_assigned` that holds, at whatever time (a vehicle's clock
//! may run behind the post's; a position dated before the assignment is then a clock matter, not
//! a forgery). An act that is not permitted widens nobody's part. The registration in force is the earliest
//! that holds; with none, the consignment is judged unregistered and no rule here applies (the
//! assessment says so, and no unit is concerned with it).
//!
//! An act that breaks a rule does not hold: it changes no state, concerns no unit, and shows as
//! a `not_permitted` discrepancy with the act as proof.

use super::discrepancy::Findings;
use super::words::{say, Words};
use super::{DiscrepancyKind, RejectedAct, Severity};
use crate::act::{ActBody, ConsignmentRegistered, FollowUp, Permit, Place, SealKind};
use crate::canonical::ActId;
use crate::codes::{Role, SealNumber, UnitCode};
use crate::registry::Registry;
use crate::signing::SignedAct;
use crate::time::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// The earliest registration, in fold order, whose signer's unit is its office of departure.
pub(crate) fn registration_in_force<'a>(
    acts: &[&'a SignedAct],
    registry: &Registry,
) -> Option<&'a SignedAct> {
    acts.iter().copied().find(|act| match act.body() {
        ActBody::ConsignmentRegistered(r) => {
            signer_units(act, registry).contains(&&r.office_of_departure)
        }
        _ => false,
    })
}

/// Keeps the acts of `acts` (in fold order, all holding by the registry) that their signers'
/// units may perform; the others are reported in `findings` and `rejected`.
pub(crate) fn sift<'a>(
    acts: Vec<&'a SignedAct>,
    registry: &Registry,
    findings: &mut Findings,
    rejected: &mut Vec<RejectedAct>,
) -> Vec<&'a SignedAct> {
    let Some(registration) = registration_in_force(&acts, registry) else {
        // Unregistered: every registration there is was signed away from its office of
        // departure; the rest is judged as acts of an unregistered consignment.
        let (registrations, rest): (Vec<_>, Vec<_>) = acts
            .into_iter()
            .partition(|a| matches!(a.body(), ActBody::ConsignmentRegistered(_)));
        for act in registrations {
            let units = signer_units(act, registry);
            let ActBody::ConsignmentRegistered(r) = act.body() else {
                unreachable!("a registration")
            };
            let (act_kind, short) = (act.body().kind(), act.id().short());
            let departure = &r.office_of_departure;
            let words = match units.first() {
                Some(unit) => say!(RegisteredElsewhere {
                    act_kind,
                    act: short,
                    unit,
                    departure,
                }),
                None => say!(RegisteredByNoUnit {
                    act_kind,
                    act: short,
                    departure,
                }),
            };
            refuse(act, words, findings, rejected);
        }
        return rest;
    };
    let ActBody::ConsignmentRegistered(reg) = registration.body() else {
        unreachable!("a registration")
    };
    // An escort unit's acts need its assignment, but a vehicle's clock may run behind the
    // post's: an assignment counts from the start, whatever its time, once it is permitted. The
    // units assigned can only grow from one pass to the next, so this ends.
    let mut escorts = BTreeSet::new();
    loop {
        let (kept, refused, assigned) = fold(&acts, registry, reg, &escorts);
        if assigned == escorts {
            for (act, words) in refused {
                refuse(act, words, findings, rejected);
            }
            return kept;
        }
        escorts = assigned;
    }
}

type Refused<'a> = Vec<(&'a SignedAct, Words)>;

/// One pass over `acts` in fold order with the escort units `escorts` known to be assigned:
/// the acts kept, those refused with the reason, and the escort units the kept acts assign.
fn fold<'a>(
    acts: &[&'a SignedAct],
    registry: &Registry,
    registration: &ConsignmentRegistered,
    escorts: &BTreeSet<UnitCode>,
) -> (Vec<&'a SignedAct>, Refused<'a>, BTreeSet<UnitCode>) {
    let mut parts = Parts::new(registration, escorts.clone());
    let mut assigned = BTreeSet::new();
    let mut kept = Vec::with_capacity(acts.len());
    let mut refused = Vec::new();
    for &act in acts {
        match parts.check(act, registry) {
            Ok(()) => {
                match act.body() {
                    ActBody::EscortAssigned(e) => {
                        assigned.insert(e.escort_unit.clone());
                    }
                    ActBody::EscortChanged(e) => {
                        assigned.insert(e.escort_unit.clone());
                    }
                    _ => {}
                }
                parts.take(act);
                kept.push(act);
            }
            Err(words) => refused.push((act, words)),
        }
    }
    (kept, refused, assigned)
}

/// `act` does not hold: a `not_permitted` finding in `words`, which say why in English too.
fn refuse(act: &SignedAct, words: Words, findings: &mut Findings, rejected: &mut Vec<RejectedAct>) {
    let reason = words.english();
    findings.add(
        DiscrepancyKind::NotPermitted,
        Severity::Critical,
        "",
        [act.id()],
        words,
    );
    rejected.push(RejectedAct {
        act: act.id(),
        reason,
    });
}

/// The units of an act's signers, as enrolled at the act's time.
fn signer_units<'r>(act: &SignedAct, registry: &'r Registry) -> Vec<&'r UnitCode> {
    act.body()
        .required_signers()
        .into_iter()
        .filter_map(|key| registry.signer_at(key, act.body().at()).enrollment)
        .map(|e| &e.unit)
        .collect()
}

/// The parts units have in the consignment so far in the fold.
struct Parts<'a> {
    registration: &'a ConsignmentRegistered,
    /// Units assigned as escort by permitted acts, at whatever time.
    route: BTreeSet<&'a UnitCode>,
    escorts: BTreeSet<UnitCode>,
    /// Every unit that has held custody, the office of departure first.
    custodians: BTreeSet<UnitCode>,
    /// The receiving unit of the latest permitted handoff (at first the office of departure).
    custodian: UnitCode,
    /// The acts permitted so far, by id.
    kept: BTreeMap<ActId, &'a SignedAct>,
    /// The deadline in force.
    deadline: Timestamp,
    /// A handoff has been permitted.
    handed_over: bool,
    /// A refusal has been permitted.
    refused: bool,
    /// Transit has ended: delivered or returned.
    ended: bool,
    /// The navigation seals fixed on the consignment by permitted acts so far.
    navigation_seals: BTreeSet<&'a SealNumber>,
}

impl<'a> Parts<'a> {
    fn new(registration: &'a ConsignmentRegistered, escorts: BTreeSet<UnitCode>) -> Self {
        let departure = registration.office_of_departure.clone();
        Parts {
            registration,
            route: registration.route.iter().collect(),
            escorts,
            custodians: [departure.clone()].into(),
            custodian: departure,
            kept: BTreeMap::new(),
            deadline: registration.delivery_deadline,
            handed_over: false,
            refused: false,
            ended: false,
            navigation_seals: BTreeSet::new(),
        }
    }

    fn departure(&self) -> &UnitCode {
        &self.registration.office_of_departure
    }

    /// A permitted act of the consignment, by id.
    fn held(&self, id: &ActId) -> Option<&'a ActBody> {
        self.kept.get(id).map(|a| a.body())
    }

    /// Whether `id` names a permission that holds, permits what `wanted` accepts, and is in
    /// force at `at`.
    fn permitted(&self, id: &ActId, at: Timestamp, wanted: impl Fn(&Permit) -> bool) -> bool {
        matches!(self.held(id), Some(ActBody::PermissionGranted(p))
            if wanted(&p.permits) && p.in_force(at))
    }

    fn destination(&self) -> &UnitCode {
        &self.registration.office_of_destination
    }

    /// Whether `unit` has a part in the consignment now: on the route, an assigned escort unit,
    /// or a unit that has held custody.
    fn concerned(&self, unit: &UnitCode) -> bool {
        self.route.contains(unit) || self.escorts.contains(unit) || self.custodians.contains(unit)
    }

    /// Why `act` may not be performed by its signers now, if it may not: the words of its
    /// `not_permitted` finding.
    fn check(&self, act: &SignedAct, registry: &Registry) -> Result<(), Words> {
        let body = act.body();
        // The words of a refusal, which name the act.
        macro_rules! no {
            ($name:ident $({ $($field:ident $(: $value:expr)?),* $(,)? })?) => {
                Err(say!($name {
                    act_kind: body.kind(),
                    act: act.id().short(),
                    $($($field $(: $value)?,)*)?
                }))
            };
        }
        if let ActBody::CustodyTransferred(t) = body {
            // Each party signs for its own unit (checked by the registry); the units must be
            // ones the consignment gives these parts to.
            // An assigned escort may release custody whose handing over has not arrived yet:
            // that is a gap in the chain, which the custody rule reports.
            if !(self.custodians.contains(&t.releasing.unit)
                || self.escorts.contains(&t.releasing.unit))
            {
                return no!(ReleasesUnheld {
                    unit: t.releasing.unit
                });
            }
            if !(self.escorts.contains(&t.receiving.unit) || self.route.contains(&t.receiving.unit))
            {
                return no!(ReceivesUnassigned {
                    unit: t.receiving.unit
                });
            }
            return Ok(());
        }
        if matches!(body, ActBody::DiscrepancyResolved(_)) {
            return Ok(());
        }
        let key = body.required_signers()[0];
        let Some(enrollment) = registry.signer_at(key, body.at()).enrollment else {
            return no!(SignerNotEnrolled { key });
        };
        let unit = &enrollment.unit;
        let central = enrollment.role == Role::CentralStaff;
        let at_post = body.place().and_then(Place::post);
        // A post's officers sign at their own post; escort crews sign wherever they are.
        let post_role = matches!(
            enrollment.role,
            Role::PostOfficer | Role::PreciousMetalsOfficer
        );
        let at_own_post = || match at_post {
            Some(post) if post_role && post != unit => no!(SignsElsewhere { unit, post }),
            _ => Ok(()),
        };
        let departure = self.departure();
        let destination = self.destination();
        match body {
            ActBody::ConsignmentRegistered(r) => {
                if &r.office_of_departure != unit {
                    return no!(RegisteredElsewhere {
                        unit,
                        departure: r.office_of_departure,
                    });
                }
                Ok(())
            }
            ActBody::SealApplied(_) => {
                if !(self.route.contains(unit) || self.custodians.contains(unit)) {
                    return no!(SealByOutsider { unit });
                }
                at_own_post()
            }
            ActBody::EscortAssigned(_) => {
                if unit != departure && unit != &self.custodian {
                    return no!(EscortAssigner {
                        departure,
                        custodian: self.custodian,
                        unit,
                    });
                }
                at_own_post()
            }
            ActBody::SealChecked(_) | ActBody::SealRemoved(_) | ActBody::SealReplaced(_) => {
                if !self.concerned(unit) {
                    return no!(NoPart { unit });
                }
                at_own_post()
            }
            ActBody::IncidentReported(_) => {
                if self.concerned(unit) || (post_role && at_post == Some(unit)) {
                    return at_own_post();
                }
                no!(IncidentFromElsewhere { unit })
            }
            ActBody::PositionReported(_) => {
                if !self.escorts.contains(unit) {
                    return no!(PositionsByOther { unit });
                }
                Ok(())
            }
            ActBody::ArrivalNotified(_) => {
                if at_post != Some(destination) {
                    return no!(ArrivalElsewhere { destination });
                }
                if unit != destination && !self.escorts.contains(unit) {
                    return no!(ArrivalByOther { unit });
                }
                Ok(())
            }
            ActBody::ConsignmentDelivered(_) => {
                if unit != destination || at_post != Some(destination) {
                    return no!(DeliveryElsewhere { destination });
                }
                if !self.transit_goes_on() {
                    return no!(TransitEnded);
                }
                Ok(())
            }
            ActBody::DeliveryRefused(_) => {
                if unit != destination || at_post != Some(destination) {
                    return no!(RefusalElsewhere { destination });
                }
                if !self.transit_goes_on() {
                    return no!(TransitEnded);
                }
                Ok(())
            }
            ActBody::ConsignmentReturned(r) => {
                if unit != departure || at_post != Some(departure) {
                    return no!(ReturnElsewhere { departure });
                }
                if self.ended {
                    return no!(ReturnAfterEnd);
                }
                let permit = r
                    .permission
                    .is_some_and(|p| self.permitted(&p, r.at, |p| matches!(p, Permit::Return {})));
                if !(self.refused || permit) {
                    return no!(ReturnWithoutGrounds);
                }
                Ok(())
            }
            ActBody::PermissionGranted(p) => {
                if matches!(p.permits, Permit::Correction { .. }) {
                    if !(central || unit == departure) {
                        return no!(CorrectionPermitter { departure, unit });
                    }
                    return at_own_post();
                }
                if !self.customs_body(unit, central) {
                    return no!(NotCustomsBody { unit });
                }
                at_own_post()
            }
            ActBody::EscortChanged(_) => {
                if !self.customs_body(unit, central) {
                    return no!(NotCustomsBody { unit });
                }
                at_own_post()
            }
            ActBody::DeadlineExtended(d) => {
                if !(central || unit == departure) {
                    return no!(ExtensionBy { departure, unit });
                }
                if !matches!(self.held(&d.incident), Some(ActBody::IncidentReported(_))) {
                    return no!(ExtensionIncident {
                        incident: d.incident.short()
                    });
                }
                if d.delivery_deadline <= self.deadline {
                    return no!(ExtensionNotLater {
                        deadline: d.delivery_deadline.for_people(),
                        in_force: self.deadline.for_people(),
                    });
                }
                Ok(())
            }
            ActBody::IncidentFollowedUp(f) => {
                if !matches!(self.held(&f.incident), Some(ActBody::IncidentReported(_))) {
                    return no!(FollowUpIncident {
                        incident: f.incident.short()
                    });
                }
                match f.action {
                    FollowUp::BroughtToCustoms => {
                        if !post_role || at_post != Some(unit) {
                            return no!(BroughtElsewhere);
                        }
                        Ok(())
                    }
                    FollowUp::OfficialsAttended => {
                        if !(post_role || central) {
                            return no!(AttendedNotOfficial);
                        }
                        at_own_post()
                    }
                    FollowUp::Closed => {
                        if !self.customs_body(unit, central) {
                            return no!(NotCustomsBody { unit });
                        }
                        at_own_post()
                    }
                }
            }
            ActBody::ActCorrected(c) => {
                let corrected = c.corrects.short();
                let Some(target) = self.kept.get(&c.corrects) else {
                    return no!(CorrectsUnknown { corrected });
                };
                if !super::corrections::fits(target.body(), &c.changes) {
                    return no!(CorrectionWrongKind {
                        changes_act_kind: c.changes.target_kind(),
                        corrected,
                        corrected_act_kind: target.body().kind(),
                    });
                }
                let owner = signer_units(target, registry);
                match owner.first() {
                    Some(owner) if *owner == unit => {}
                    Some(owner) => {
                        return no!(CorrectionNotOwner {
                            corrected,
                            owner,
                            unit,
                        })
                    }
                    None => return no!(CorrectionOfNoUnit { corrected, unit }),
                }
                if self.handed_over {
                    let corrects = c.corrects;
                    let permit = c.permission.is_some_and(|p| {
                        self.permitted(
                            &p,
                            c.at,
                            |p| matches!(p, Permit::Correction { act } if *act == corrects),
                        )
                    });
                    if !permit {
                        return no!(CorrectionNeedsPermit);
                    }
                }
                Ok(())
            }
            ActBody::DepartmentNotified(_) => {
                if unit != departure {
                    return no!(DepartmentNotifier { departure, unit });
                }
                Ok(())
            }
            // The Department is the office of destination of an import and the office of
            // departure of an export.
            ActBody::ExpertiseConcluded(_)
            | ActBody::StateControlActDrawn(_)
            | ActBody::CertificatesIssued(_) => {
                if unit != departure && unit != destination {
                    return no!(NeitherOffice { unit });
                }
                Ok(())
            }
            ActBody::KpcReturned(_) | ActBody::KpCouponReturned(_) => {
                if !self.route.contains(unit) {
                    return no!(NotOnRoute { unit });
                }
                Ok(())
            }
            ActBody::SealEventsReported(r) => {
                match r
                    .events
                    .iter()
                    .find(|e| !self.navigation_seals.contains(&e.seal))
                {
                    Some(e) => no!(EventsOfUnknownSeal { seal: e.seal }),
                    None => Ok(()),
                }
            }
            ActBody::CustodyTransferred(_) | ActBody::DiscrepancyResolved(_) => Ok(()),
            ActBody::KeyEnrolled(_)
            | ActBody::KeyRevoked(_)
            | ActBody::KpParticipantsListed(_)
            | ActBody::CalendarPublished(_)
            | ActBody::PostRegistered(_) => no!(RegistryActHere),
        }
    }

    /// Whether transit goes on: not ended by a delivery, a refusal or a return.
    fn transit_goes_on(&self) -> bool {
        !(self.ended || self.refused)
    }

    /// Whether `unit` is a customs body with a part in the consignment (on the route or having
    /// held custody), or the signer is central staff.
    fn customs_body(&self, unit: &UnitCode, central: bool) -> bool {
        central || self.route.contains(unit) || self.custodians.contains(unit)
    }

    /// Takes a permitted act's part into account.
    fn take(&mut self, act: &'a SignedAct) {
        self.kept.insert(act.id(), act);
        match act.body() {
            ActBody::CustodyTransferred(t) => {
                self.custodians.insert(t.receiving.unit.clone());
                self.custodian = t.receiving.unit.clone();
                self.handed_over = true;
            }
            ActBody::DeadlineExtended(d) => self.deadline = d.delivery_deadline,
            ActBody::DeliveryRefused(_) => self.refused = true,
            ActBody::ConsignmentDelivered(_) | ActBody::ConsignmentReturned(_) => self.ended = true,
            _ => {}
        }
        self.navigation_seals
            .extend(navigation_seals_fixed(act.body()));
    }
}

/// The navigation seals an act fixes on the goods (as its body says: the permission rule reads
/// the acts as signed, the road's rules as corrected).
pub(crate) fn navigation_seals_fixed(body: &ActBody) -> Vec<&SealNumber> {
    match body {
        ActBody::SealApplied(a) if a.seal_kind == SealKind::Navigation => vec![&a.seal],
        ActBody::SealReplaced(a) if a.new_seal_kind == SealKind::Navigation => vec![&a.new_seal],
        ActBody::CustodyTransferred(t) => t
            .transhipment
            .iter()
            .flat_map(|x| &x.new_seals)
            .filter(|s| s.seal_kind == SealKind::Navigation)
            .map(|s| &s.seal)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::act::{ActBody, Place};
    use crate::assessment::{
        assess, units_concerned, Assessment, DiscrepancyKind, Status, Tolerances,
    };
    use crate::codes::Role;
    use crate::fixtures::{unit, Person, Story, AIRPORT_POST, DEPARTMENT, ESCORT_UNIT, OTHER_POST};
    use crate::registry::Registry;
    use crate::signing::SignedAct;

    const OTHER_ESCORT: &str = "ESCORT-TOKMOK";

    /// The story, with an officer of an unrelated post and a device of another escort unit
    /// enrolled as well.
    fn cast() -> (Story, Registry, Person, Person) {
        let story = Story::new();
        let mut registry = story.registry();
        let stranger = Person::new("Erlan Tokmok", "KG-0999", Role::PostOfficer, OTHER_POST);
        let tablet = Person::new("another escort's tablet", "", Role::Device, OTHER_ESCORT);
        for p in [&stranger, &tablet] {
            registry.apply(&story.enrollment(p)).unwrap();
        }
        (story, registry, stranger, tablet)
    }

    fn judged(story: &Story, registry: &Registry, acts: &[SignedAct], minutes: i64) -> Assessment {
        assess(
            &story.consignment,
            acts,
            registry,
            story.t(minutes),
            &Tolerances::default(),
        )
    }

    fn not_permitted(a: &Assessment, act: &SignedAct) -> bool {
        a.rejected.iter().any(|r| r.act == act.id())
            && !a.acts.contains(&act.id())
            && a.discrepancies
                .iter()
                .any(|d| d.kind == DiscrepancyKind::NotPermitted && d.acts == [act.id()])
    }

    #[test]
    fn the_whole_story_is_permitted() {
        let story = Story::new();
        let a = judged(&story, &story.registry(), &story.clean_delivery(), 120);
        assert!(a.rejected.is_empty(), "{:?}", a.rejected);
    }

    #[test]
    fn an_unrelated_post_cannot_assign_an_escort_and_so_gains_no_part() {
        let (story, registry, stranger, _) = cast();
        let ActBody::EscortAssigned(mut body) = story.escort_assigned().body().clone() else {
            unreachable!()
        };
        body.officer = stranger.id.clone();
        body.place = Place::Post {
            unit: unit(OTHER_POST),
        };
        body.escort_unit = unit(OTHER_ESCORT);
        let forged = story.sign(ActBody::EscortAssigned(body.clone()), &[&stranger]);
        // The same, claiming to be done at the office of departure.
        body.place = Place::Post {
            unit: unit(AIRPORT_POST),
        };
        body.at = story.t(16);
        let at_departure = story.sign(ActBody::EscortAssigned(body), &[&stranger]);
        let acts = vec![
            story.registration(),
            story.seal_applied(),
            forged.clone(),
            at_departure.clone(),
        ];
        let a = judged(&story, &registry, &acts, 20);
        assert!(not_permitted(&a, &forged), "{:?}", a.discrepancies);
        assert!(not_permitted(&a, &at_departure), "{:?}", a.discrepancies);
        assert_eq!(a.state.escort, None);
        assert_eq!(a.state.status, Status::Registered);
        let units = units_concerned(&acts, &a);
        assert!(!units.contains(&unit(OTHER_POST)) && !units.contains(&unit(OTHER_ESCORT)));
        // The office of departure may.
        let mut acts = acts;
        acts.push(story.escort_assigned());
        let a = judged(&story, &registry, &acts, 20);
        assert!(units_concerned(&acts, &a).contains(&unit(ESCORT_UNIT)));
    }

    #[test]
    fn arrival_and_delivery_hold_only_at_the_office_of_destination() {
        let (story, registry, stranger, _) = cast();
        let mut acts = story.clean_delivery();
        acts.retain(|a| {
            !matches!(
                a.body(),
                ActBody::ArrivalNotified(_)
                    | ActBody::ConsignmentDelivered(_)
                    | ActBody::CustodyTransferred(_)
            ) || a.body().at() < story.t(90)
        });
        // The escort notifies arrival at another post; that post's officer "delivers".
        let ActBody::ArrivalNotified(mut arrival) = story.arrival(95, 100).body().clone() else {
            unreachable!()
        };
        arrival.place = Place::Post {
            unit: unit(OTHER_POST),
        };
        let arrival_elsewhere = story.sign(
            ActBody::ArrivalNotified(arrival.clone()),
            &[&story.escort_lead],
        );
        // An officer of another post notifies it "at the destination".
        arrival.officer = stranger.id.clone();
        arrival.place = Place::Post {
            unit: unit(DEPARTMENT),
        };
        let by_stranger = story.sign(ActBody::ArrivalNotified(arrival), &[&stranger]);
        let ActBody::ConsignmentDelivered(mut delivery) = story.delivered(110).body().clone()
        else {
            unreachable!()
        };
        delivery.officer = story.airport_officer.id.clone();
        delivery.place = Place::Post {
            unit: unit(AIRPORT_POST),
        };
        let delivered_at_departure = story.sign(
            ActBody::ConsignmentDelivered(delivery),
            &[&story.airport_officer],
        );
        acts.extend([
            arrival_elsewhere.clone(),
            by_stranger.clone(),
            delivered_at_departure.clone(),
        ]);
        // Past the deadline (8 hours after the start): still in transit, and overdue.
        let a = judged(&story, &registry, &acts, 9 * 60);
        for act in [&arrival_elsewhere, &by_stranger, &delivered_at_departure] {
            assert!(not_permitted(&a, act), "{:?}", a.discrepancies);
        }
        assert_eq!(a.state.status, Status::InTransit);
        assert_eq!(a.state.arrival_notified_at, None);
        assert!(a.state.overdue);
        assert!(a.has_open(DiscrepancyKind::Overdue));
    }

    #[test]
    fn positions_come_only_from_the_assigned_escort() {
        let (story, registry, _, tablet) = cast();
        let ActBody::PositionReported(mut body) = story.positions().body().clone() else {
            unreachable!()
        };
        body.officer = tablet.id.clone();
        let foreign = story.sign(ActBody::PositionReported(body), &[&tablet]);
        let mut acts = story.clean_delivery();
        acts.push(foreign.clone());
        let a = judged(&story, &registry, &acts, 120);
        assert!(not_permitted(&a, &foreign));
        // Without an assignment, not even the escort's own tablet.
        let acts = vec![story.registration(), story.positions()];
        let a = judged(&story, &registry, &acts, 120);
        assert!(not_permitted(&a, &acts[1]));
        assert_eq!(a.state.last_position, None);
    }

    #[test]
    fn a_registration_signed_away_from_its_office_of_departure_concerns_nobody() {
        let (story, registry, stranger, _) = cast();
        let mut body = story.registration_body();
        body.officer = stranger.id.clone();
        let foreign = story.sign(ActBody::ConsignmentRegistered(body), &[&stranger]);
        let acts = vec![foreign.clone()];
        let a = judged(&story, &registry, &acts, 5);
        assert!(not_permitted(&a, &foreign));
        assert_eq!(a.state.status, Status::Unregistered);
        assert!(units_concerned(&acts, &a).is_empty());
    }

    #[test]
    fn custody_goes_only_to_the_assigned_escort_or_a_post_on_the_route() {
        let (story, registry, stranger, _) = cast();
        let body = story.transfer_body(30, AIRPORT_POST, None, &story.airport_officer, &stranger);
        let to_stranger = story.transfer(body, &story.airport_officer, &stranger);
        let acts = vec![
            story.registration(),
            story.seal_applied(),
            story.escort_assigned(),
            to_stranger.clone(),
        ];
        let a = judged(&story, &registry, &acts, 40);
        assert!(not_permitted(&a, &to_stranger));
        assert!(!units_concerned(&acts, &a).contains(&unit(OTHER_POST)));
    }
}
