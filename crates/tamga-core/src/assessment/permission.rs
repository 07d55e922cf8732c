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
use super::{DiscrepancyKind, RejectedAct, Severity};
use crate::act::{ActBody, ConsignmentRegistered, FollowUp, Permit, Place};
use crate::canonical::ActId;
use crate::codes::{Role, UnitCode};
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
            let reason = format!(
                "registered by an officer of {}, but the office of departure is {}",
                units.first().map_or("no unit", |u| u.as_str()),
                r.office_of_departure
            );
            refuse(act, &reason, findings, rejected);
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
            for (act, reason) in refused {
                refuse(act, &reason, findings, rejected);
            }
            return kept;
        }
        escorts = assigned;
    }
}

type Refused<'a> = Vec<(&'a SignedAct, String)>;

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
            Err(reason) => refused.push((act, reason)),
        }
    }
    (kept, refused, assigned)
}

fn refuse(act: &SignedAct, reason: &str, findings: &mut Findings, rejected: &mut Vec<RejectedAct>) {
    let reason = format!(
        "{} act {} not permitted: {reason}",
        act.body().kind(),
        act.id().short()
    );
    findings.add(
        DiscrepancyKind::NotPermitted,
        Severity::Critical,
        "",
        [act.id()],
        reason.clone(),
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

    /// Why `act` may not be performed by its signers now, if it may not.
    fn check(&self, act: &SignedAct, registry: &Registry) -> Result<(), String> {
        let body = act.body();
        if let ActBody::CustodyTransferred(t) = body {
            // Each party signs for its own unit (checked by the registry); the units must be
            // ones the consignment gives these parts to.
            // An assigned escort may release custody whose handing over has not arrived yet:
            // that is a gap in the chain, which the custody rule reports.
            if !(self.custodians.contains(&t.releasing.unit)
                || self.escorts.contains(&t.releasing.unit))
            {
                return Err(format!(
                    "{} releases custody it never held and is not an assigned escort",
                    t.releasing.unit
                ));
            }
            if !(self.escorts.contains(&t.receiving.unit) || self.route.contains(&t.receiving.unit))
            {
                return Err(format!(
                    "{} may receive custody only as an assigned escort unit or a post on the route",
                    t.receiving.unit
                ));
            }
            return Ok(());
        }
        if matches!(body, ActBody::DiscrepancyResolved(_)) {
            return Ok(());
        }
        let key = body.required_signers()[0];
        let Some(enrollment) = registry.signer_at(key, body.at()).enrollment else {
            return Err(format!("{key} is not enrolled"));
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
            Some(post) if post_role && post != unit => Err(format!(
                "an officer of {unit} signs an act performed at {post}"
            )),
            _ => Ok(()),
        };
        match body {
            ActBody::ConsignmentRegistered(r) => {
                if &r.office_of_departure != unit {
                    return Err(format!(
                        "registered by an officer of {unit}, but the office of departure is {}",
                        r.office_of_departure
                    ));
                }
                Ok(())
            }
            ActBody::SealApplied(_) => {
                if !(self.route.contains(unit) || self.custodians.contains(unit)) {
                    return Err(format!(
                        "{unit} is not on the route and has not held custody"
                    ));
                }
                at_own_post()
            }
            ActBody::EscortAssigned(_) => {
                if unit != &self.registration.office_of_departure && unit != &self.custodian {
                    return Err(format!(
                        "an escort may be assigned by the office of departure ({}) or the current custodian ({}), not {unit}",
                        self.registration.office_of_departure, self.custodian
                    ));
                }
                at_own_post()
            }
            ActBody::SealChecked(_) | ActBody::SealRemoved(_) | ActBody::SealReplaced(_) => {
                if !self.concerned(unit) {
                    return Err(format!("{unit} has no part in this consignment"));
                }
                at_own_post()
            }
            ActBody::IncidentReported(_) => {
                if self.concerned(unit) || (post_role && at_post == Some(unit)) {
                    return at_own_post();
                }
                Err(format!(
                    "{unit} has no part in this consignment and reports from elsewhere than its own post"
                ))
            }
            ActBody::PositionReported(_) => {
                if !self.escorts.contains(unit) {
                    return Err(format!(
                        "positions may be reported only by an assigned escort unit, not {unit}"
                    ));
                }
                Ok(())
            }
            ActBody::ArrivalNotified(_) => {
                if at_post != Some(self.destination()) {
                    return Err(format!(
                        "arrival is notified at the office of destination ({})",
                        self.destination()
                    ));
                }
                if unit != self.destination() && !self.escorts.contains(unit) {
                    return Err(format!(
                        "arrival may be notified by the office of destination or the assigned escort, not {unit}"
                    ));
                }
                Ok(())
            }
            ActBody::ConsignmentDelivered(_) => {
                if unit != self.destination() || at_post != Some(self.destination()) {
                    return Err(format!(
                        "delivery is recorded by the office of destination ({}) at itself",
                        self.destination()
                    ));
                }
                self.transit_goes_on()
            }
            ActBody::DeliveryRefused(_) => {
                if unit != self.destination() || at_post != Some(self.destination()) {
                    return Err(format!(
                        "a refusal is recorded by the office of destination ({}) at itself",
                        self.destination()
                    ));
                }
                self.transit_goes_on()
            }
            ActBody::ConsignmentReturned(r) => {
                if unit != self.departure() || at_post != Some(self.departure()) {
                    return Err(format!(
                        "a return is recorded by the office of departure ({}) at itself",
                        self.departure()
                    ));
                }
                if self.ended {
                    return Err("transit has already ended".into());
                }
                let permit = r
                    .permission
                    .is_some_and(|p| self.permitted(&p, r.at, |p| matches!(p, Permit::Return {})));
                if !(self.refused || permit) {
                    return Err(
                        "goods return to the office of departure only after a refusal at destination or with a return permit"
                            .into(),
                    );
                }
                Ok(())
            }
            ActBody::PermissionGranted(p) => {
                if matches!(p.permits, Permit::Correction { .. }) {
                    if !(central || unit == self.departure()) {
                        return Err(format!(
                            "a correction is permitted by the office of departure ({}) or central staff, not {unit}",
                            self.departure()
                        ));
                    }
                    return at_own_post();
                }
                self.customs_body(unit, central)?;
                at_own_post()
            }
            ActBody::EscortChanged(_) => {
                self.customs_body(unit, central)?;
                at_own_post()
            }
            ActBody::DeadlineExtended(d) => {
                if !(central || unit == self.departure()) {
                    return Err(format!(
                        "the deadline is extended by the office of departure ({}) or central staff, not {unit}",
                        self.departure()
                    ));
                }
                if !matches!(self.held(&d.incident), Some(ActBody::IncidentReported(_))) {
                    return Err(format!(
                        "names incident {}, which is not an incident recorded before it",
                        d.incident.short()
                    ));
                }
                if d.delivery_deadline <= self.deadline {
                    return Err(format!(
                        "sets the deadline to {}, not later than the one in force ({})",
                        d.delivery_deadline.for_people(),
                        self.deadline.for_people()
                    ));
                }
                Ok(())
            }
            ActBody::IncidentFollowedUp(f) => {
                if !matches!(self.held(&f.incident), Some(ActBody::IncidentReported(_))) {
                    return Err(format!(
                        "follows up {}, which is not an incident recorded before it",
                        f.incident.short()
                    ));
                }
                match f.action {
                    FollowUp::BroughtToCustoms => {
                        if !post_role || at_post != Some(unit) {
                            return Err(
                                "goods brought to customs are recorded by that customs body's officer, at it"
                                    .into(),
                            );
                        }
                        Ok(())
                    }
                    FollowUp::OfficialsAttended => {
                        if !(post_role || central) {
                            return Err("only customs officials record that they attended".into());
                        }
                        at_own_post()
                    }
                    FollowUp::Closed => {
                        self.customs_body(unit, central)?;
                        at_own_post()
                    }
                }
            }
            ActBody::ActCorrected(c) => {
                let Some(target) = self.kept.get(&c.corrects) else {
                    return Err(format!(
                        "corrects {}, which is not an act of this consignment recorded before it",
                        c.corrects.short()
                    ));
                };
                if !super::corrections::fits(target.body(), &c.changes) {
                    return Err(format!(
                        "carries changes for a {} act, but {} is a {} act",
                        c.changes.target_kind(),
                        c.corrects.short(),
                        target.body().kind()
                    ));
                }
                let owner = signer_units(target, registry);
                if owner.first() != Some(&unit) {
                    return Err(format!(
                        "{} was signed for {}; an officer of {unit} may not correct it",
                        c.corrects.short(),
                        owner.first().map_or("no unit", |u| u.as_str())
                    ));
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
                        return Err(
                            "after the first handoff a correction needs a correction permit for that act from the office of departure or central staff"
                                .into(),
                        );
                    }
                }
                Ok(())
            }
            ActBody::DepartmentNotified(_) => {
                if unit != self.departure() {
                    return Err(format!(
                        "the Department is notified by the office of departure ({}), not {unit}",
                        self.departure()
                    ));
                }
                Ok(())
            }
            // The Department is the office of destination of an import and the office of
            // departure of an export.
            ActBody::ExpertiseConcluded(_)
            | ActBody::StateControlActDrawn(_)
            | ActBody::CertificatesIssued(_) => {
                if unit != self.departure() && unit != self.destination() {
                    return Err(format!(
                        "{unit} is neither the office of departure nor the office of destination"
                    ));
                }
                Ok(())
            }
            ActBody::KpcReturned(_) | ActBody::KpCouponReturned(_) => {
                if !self.route.contains(unit) {
                    return Err(format!("{unit} is not on the route"));
                }
                Ok(())
            }
            ActBody::CustodyTransferred(_) | ActBody::DiscrepancyResolved(_) => Ok(()),
            ActBody::KeyEnrolled(_)
            | ActBody::KeyRevoked(_)
            | ActBody::KpParticipantsListed(_)
            | ActBody::CalendarPublished(_)
            | ActBody::PostRegistered(_) => Err("a registry act is not a consignment's".into()),
        }
    }

    /// Transit has not ended (by a delivery, a refusal or a return).
    fn transit_goes_on(&self) -> Result<(), String> {
        if self.ended || self.refused {
            return Err("transit has already ended (delivered, refused or returned)".into());
        }
        Ok(())
    }

    /// Whether `unit` is a customs body with a part in the consignment (on the route or having
    /// held custody), or the signer is central staff.
    fn customs_body(&self, unit: &UnitCode, central: bool) -> Result<(), String> {
        if central || self.route.contains(unit) || self.custodians.contains(unit) {
            return Ok(());
        }
        Err(format!(
            "{unit} is not a customs body with a part in this consignment"
        ))
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
