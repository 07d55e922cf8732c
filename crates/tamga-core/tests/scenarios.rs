//! Scenario tests drawn from the customs domain (DOMAIN.md, DESIGN.md "Reconciliation").
//!
//! Each scenario starts from the reference story (`fixtures::Story`): rough diamonds escorted
//! from the Manas airport post to the Precious Metals Department. It changes one thing and
//! checks the exact discrepancies (kind, severity, subject where it matters, and the acts that
//! prove them) and the derived state. Every test is written so that it fails if the rule it
//! covers is broken or removed.

use tamga_core::act::{
    ActBody, ArrivalNotified, Certificate, CertificateKind, ConsignmentDelivered,
    ConsignmentRegistered, Coordinates, Direction, DiscrepancyResolved, GoodsLine, IncidentKind,
    IncidentReported, KeyEnrolled, PermissionGranted, Permit, Place, Position, PositionReported,
    SealBasis, SealChecked, SealGrounds, SealKind, SealObservation, SealRemoved, SealReplaced,
    SealState,
};
use tamga_core::assessment::seals::SealStatus;
use tamga_core::assessment::{
    assess, discrepancy_id, Assessment, Discrepancy, DiscrepancyKind as K, Severity, Status,
    Tolerances,
};
use tamga_core::codes::{CountryCode, CurrencyCode, HsCode, Sha256Hex};
use tamga_core::fixtures::{
    at, text, unit, Person, Story, AIRPORT_POST, DEPARTMENT, ESCORT_UNIT, OTHER_POST,
};
use tamga_core::handoff::{Count, CustodyOffer, HandoffError, OFFER_LIFETIME_SECONDS};
use tamga_core::quantity::{parse_decimal, Mass, MassUnit, Money, Quantity, QuantityUnit};
use tamga_core::registry::{ActRejection, AuthorizationError, Registry};
use tamga_core::signing::SignatureError;
use tamga_core::{ActId, SealNumber, SignedAct, Timestamp};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The clean delivery, act by act, with names.
struct Clean {
    acts: Vec<SignedAct>,
    reg: SignedAct,
    seal: SignedAct,
    escort: SignedAct,
    h1: SignedAct,
    positions: SignedAct,
    check: SignedAct,
    arrival: SignedAct,
    h2: SignedAct,
    delivered: SignedAct,
}

fn clean(story: &Story) -> Clean {
    let acts = story.clean_delivery();
    assert_eq!(acts.len(), 9, "the reference story has nine acts");
    let kinds: Vec<&str> = acts.iter().map(|a| a.body().kind()).collect();
    assert_eq!(
        kinds,
        [
            "consignment_registered",
            "seal_applied",
            "escort_assigned",
            "custody_transferred",
            "position_reported",
            "seal_checked",
            "arrival_notified",
            "custody_transferred",
            "consignment_delivered",
        ]
    );
    Clean {
        reg: acts[0].clone(),
        seal: acts[1].clone(),
        escort: acts[2].clone(),
        h1: acts[3].clone(),
        positions: acts[4].clone(),
        check: acts[5].clone(),
        arrival: acts[6].clone(),
        h2: acts[7].clone(),
        delivered: acts[8].clone(),
        acts,
    }
}

impl Clean {
    /// The story's acts up to the escort handoff: registered, sealed, escort assigned, handed
    /// to the escort.
    fn departed(&self) -> Vec<SignedAct> {
        vec![
            self.reg.clone(),
            self.seal.clone(),
            self.escort.clone(),
            self.h1.clone(),
        ]
    }

    /// All acts but those with the given ids.
    fn without(&self, drop: &[&SignedAct]) -> Vec<SignedAct> {
        self.acts
            .iter()
            .filter(|a| !drop.iter().any(|d| d.id() == a.id()))
            .cloned()
            .collect()
    }

    /// All acts, with `old` replaced by `new` in place.
    fn replacing(&self, old: &SignedAct, new: SignedAct) -> Vec<SignedAct> {
        let mut replaced = false;
        let acts = self
            .acts
            .iter()
            .map(|a| {
                if a.id() == old.id() {
                    replaced = true;
                    new.clone()
                } else {
                    a.clone()
                }
            })
            .collect();
        assert!(replaced, "the act to replace is in the story");
        acts
    }
}

fn with(mut acts: Vec<SignedAct>, more: &[&SignedAct]) -> Vec<SignedAct> {
    acts.extend(more.iter().map(|a| (*a).clone()));
    acts
}

fn assess_at(story: &Story, acts: &[SignedAct], as_of: Timestamp) -> Assessment {
    assess(
        &story.consignment,
        acts,
        &story.registry(),
        as_of,
        &Tolerances::default(),
    )
}

fn assess_tol(
    story: &Story,
    acts: &[SignedAct],
    as_of: Timestamp,
    tolerances: &Tolerances,
) -> Assessment {
    assess(
        &story.consignment,
        acts,
        &story.registry(),
        as_of,
        tolerances,
    )
}

fn ids(acts: &[&SignedAct]) -> Vec<ActId> {
    let mut ids: Vec<ActId> = acts.iter().map(|a| a.id()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// One expected discrepancy: kind, severity, subject and proving acts.
fn d(
    kind: K,
    severity: Severity,
    subject: &str,
    proof: &[&SignedAct],
) -> (K, Severity, String, Vec<ActId>) {
    (kind, severity, subject.to_owned(), ids(proof))
}

/// Asserts that the assessment found exactly `expected` (in any order), each open, with ids
/// that follow from kind, subject and proof.
fn expect(a: &Assessment, expected: &[(K, Severity, String, Vec<ActId>)]) {
    let mut found: Vec<(K, Severity, String, Vec<ActId>)> = a
        .discrepancies
        .iter()
        .map(|d| (d.kind, d.severity, d.subject.clone(), d.acts.clone()))
        .collect();
    let mut expected = expected.to_vec();
    found.sort();
    expected.sort();
    assert_eq!(
        found, expected,
        "discrepancies differ; found: {:#?}",
        a.discrepancies
    );
    for d in &a.discrepancies {
        assert_eq!(d.id, discrepancy_id(d.kind, &d.subject, &d.acts));
        assert!(d.resolution.is_none(), "{d:?} is not resolved");
    }
}

fn expect_none(a: &Assessment) {
    expect(a, &[]);
    assert!(a.rejected.is_empty(), "nothing rejected: {:?}", a.rejected);
}

/// The one discrepancy of `kind`.
fn the(a: &Assessment, kind: K) -> &Discrepancy {
    let all: Vec<&Discrepancy> = a.discrepancies.iter().filter(|d| d.kind == kind).collect();
    assert_eq!(all.len(), 1, "exactly one {kind:?}: {:#?}", a.discrepancies);
    all[0]
}

fn road() -> Place {
    Place::Road {
        description: text("Bishkek ring road, km 14, fuel stop"),
        coordinates: None,
    }
}

fn post(code: &str) -> Place {
    Place::Post { unit: unit(code) }
}

fn kg(value: &str) -> Mass {
    Mass::new(value, MassUnit::Kg).expect("valid mass")
}

fn seal_no(n: &str) -> SealNumber {
    SealNumber::new(n).expect("valid seal number")
}

fn observed(seal: &SealNumber, state: SealState) -> Vec<SealObservation> {
    vec![SealObservation {
        seal: seal.clone(),
        state,
    }]
}

fn seal_check(
    story: &Story,
    when: Timestamp,
    place: Place,
    state: SealState,
    by: &Person,
) -> SignedAct {
    story.sign(
        ActBody::SealChecked(SealChecked {
            consignment: story.consignment.clone(),
            at: when,
            officer: by.id.clone(),
            place,
            seal: story.seal.clone(),
            state,
            note: None,
        }),
        &[by],
    )
}

fn incident(story: &Story, minutes: i64, kind: IncidentKind, seals: Vec<SealNumber>) -> SignedAct {
    story.sign(
        ActBody::IncidentReported(IncidentReported {
            happened_at: None,
            consignment: story.consignment.clone(),
            at: story.t(minutes),
            officer: story.escort_lead.id.clone(),
            place: road(),
            incident: kind,
            description: text("the safe-bag's seal was caught on the fuel-stop barrier"),
            seals,
            attachments: vec![],
        }),
        &[&story.escort_lead],
    )
}

fn seal_replaced(
    story: &Story,
    minutes: i64,
    new_seal: &SealNumber,
    grounds: SealGrounds,
) -> SignedAct {
    story.sign(
        ActBody::SealReplaced(SealReplaced {
            consignment: story.consignment.clone(),
            at: story.t(minutes),
            officer: story.escort_second.id.clone(),
            place: road(),
            old_seal: story.seal.clone(),
            old_state: SealState::Intact,
            new_seal: new_seal.clone(),
            new_seal_kind: SealKind::Mechanical,
            fixed_on: text("safe-bag, one place"),
            grounds,
        }),
        &[&story.escort_second],
    )
}

fn threat_of_loss() -> SealGrounds {
    SealGrounds {
        permission: None,
        basis: SealBasis::ThreatOfLoss,
        reference: None,
    }
}

/// The handoff at the Department (escort to Department) with a changed body.
fn h2_with(
    story: &Story,
    h1: &SignedAct,
    change: impl FnOnce(&mut tamga_core::act::CustodyTransferred),
) -> SignedAct {
    let mut body = story.transfer_body(
        105,
        DEPARTMENT,
        Some(h1.id()),
        &story.escort_lead,
        &story.department_officer,
    );
    change(&mut body);
    story.transfer(body, &story.escort_lead, &story.department_officer)
}

fn delivered_with(
    story: &Story,
    minutes: i64,
    change: impl FnOnce(&mut ConsignmentDelivered),
) -> SignedAct {
    let ActBody::ConsignmentDelivered(mut body) = story.delivered(minutes).body().clone() else {
        unreachable!()
    };
    change(&mut body);
    story.sign(
        ActBody::ConsignmentDelivered(body),
        &[&story.department_officer],
    )
}

fn arrival_with(
    story: &Story,
    arrived: i64,
    notified: i64,
    working_hours_began: Option<i64>,
) -> SignedAct {
    story.sign(
        ActBody::ArrivalNotified(ArrivalNotified {
            consignment: story.consignment.clone(),
            at: story.t(notified),
            officer: story.escort_lead.id.clone(),
            place: post(DEPARTMENT),
            arrived_at: story.t(arrived),
            working_hours_began_at: working_hours_began.map(|m| story.t(m)),
        }),
        &[&story.escort_lead],
    )
}

fn registered_with(story: &Story, change: impl FnOnce(&mut ConsignmentRegistered)) -> SignedAct {
    let mut body = story.registration_body();
    change(&mut body);
    story.sign(
        ActBody::ConsignmentRegistered(body),
        &[&story.airport_officer],
    )
}

/// `by`'s resolution of `target`, countersigned by the story's supervisor when the target is
/// critical (the two-person rule).
fn resolution(story: &Story, by: &Person, minutes: i64, target: &Discrepancy) -> SignedAct {
    let second = (target.severity == Severity::Critical).then_some(&story.supervisor);
    let mut signers = vec![by];
    signers.extend(second);
    story.sign(
        ActBody::DiscrepancyResolved(DiscrepancyResolved {
            consignment: story.consignment.clone(),
            at: story.t(minutes),
            officer: by.id.clone(),
            discrepancy: target.id.clone(),
            reason: text("photos of the safe-bag reviewed; contents weighed at the Department"),
            supervisor: second.map(|p| p.id.clone()),
        }),
        &signers,
    )
}

/// Checks that `bad` is left out: it produces exactly one new discrepancy of `kind` proven by
/// itself, it is in `rejected` and not in `acts`, and the state is what it is without it.
fn assert_left_out(
    story: &Story,
    registry: &Registry,
    base: &[SignedAct],
    bad: &SignedAct,
    as_of: Timestamp,
    kind: K,
) -> Assessment {
    let tolerances = Tolerances::default();
    let without = assess(&story.consignment, base, registry, as_of, &tolerances);
    let mut acts = base.to_vec();
    acts.push(bad.clone());
    let with = assess(&story.consignment, &acts, registry, as_of, &tolerances);
    assert!(
        with.rejected.iter().any(|r| r.act == bad.id()),
        "{} act is rejected: {:?}",
        bad.body().kind(),
        with.rejected
    );
    assert!(!with.acts.contains(&bad.id()), "the act does not hold");
    assert_eq!(with.acts, without.acts, "the acts that hold are unchanged");
    assert_eq!(with.state, without.state, "the state is unchanged");
    let new: Vec<&Discrepancy> = with
        .discrepancies
        .iter()
        .filter(|d| !without.discrepancies.contains(d))
        .collect();
    assert_eq!(
        with.discrepancies.len(),
        without.discrepancies.len() + 1,
        "{:#?}",
        with.discrepancies
    );
    assert_eq!(new.len(), 1, "{new:#?}");
    assert_eq!(new[0].kind, kind, "{:#?}", new[0]);
    assert_eq!(new[0].severity, Severity::Critical);
    assert_eq!(new[0].acts, vec![bad.id()]);
    with
}

/// A registry with everyone enrolled, plus `more` registry acts.
fn registry_with(story: &Story, more: &[SignedAct]) -> Registry {
    let mut acts = story.registry_acts();
    acts.extend(more.iter().cloned());
    let (registry, rejected) = Registry::from_acts(story.authority_id(), &acts);
    assert!(rejected.is_empty(), "{rejected:?}");
    registry
}

// ---------------------------------------------------------------------------------------------
// The clean story
// ---------------------------------------------------------------------------------------------

#[test]
fn clean_escorted_delivery_of_rough_diamonds_has_no_discrepancy() {
    let story = Story::new();
    let c = clean(&story);
    let a = assess_at(&story, &c.acts, story.after());
    expect_none(&a);
    assert_eq!(a.consignment, story.consignment);
    assert_eq!(a.as_of, story.after());
    assert_eq!(
        a.acts,
        vec![
            c.reg.id(),
            c.seal.id(),
            c.escort.id(),
            c.h1.id(),
            c.check.id(),
            c.positions.id(),
            c.arrival.id(),
            c.h2.id(),
            c.delivered.id(),
        ],
        "acts in (time, id) order"
    );

    let s = &a.state;
    assert_eq!(s.status, Status::Delivered);
    assert_eq!(s.registration, Some(c.reg.id()));
    let holder = s.custodian.as_ref().expect("a custodian");
    assert_eq!(holder.unit, unit(DEPARTMENT));
    assert_eq!(holder.officer, story.department_officer.id);
    assert_eq!(holder.since, story.t(105));
    assert_eq!(holder.act, c.h2.id());
    assert_eq!(s.custody_chain, vec![c.h1.id(), c.h2.id()]);
    assert!(!s.custody_disputed);

    let escort = s.escort.as_ref().expect("an escort");
    assert_eq!(escort.act, c.escort.id());
    assert_eq!(escort.unit, unit(ESCORT_UNIT));
    assert_eq!(escort.officer_in_charge, story.escort_lead.id);
    assert_eq!(
        escort.crew,
        vec![story.escort_lead.id.clone(), story.escort_second.id.clone()]
    );

    assert_eq!(s.seals.len(), 1);
    let seal = &s.seals[&story.seal];
    assert_eq!(seal.kind, Some(SealKind::Mechanical));
    assert_eq!(seal.status, SealStatus::Active);
    assert_eq!(seal.last_state, SealState::Intact);
    assert_eq!(seal.last_seen, story.t(110));
    assert_eq!(seal.applied, Some(c.seal.id()));
    assert_eq!(
        seal.history,
        vec![
            c.seal.id(),
            c.h1.id(),
            c.check.id(),
            c.h2.id(),
            c.delivered.id()
        ]
    );

    assert_eq!(s.route.planned, vec![unit(AIRPORT_POST), unit(DEPARTMENT)]);
    assert_eq!(
        s.route.visited, s.route.planned,
        "the route is fully visited"
    );
    assert_eq!(s.route.next, None);
    assert_eq!(s.deadline, Some(story.t(480)));
    assert!(!s.overdue);
    assert_eq!(s.last_position.as_ref().map(|p| p.at), Some(story.t(70)));
    assert!(s.incidents.is_empty());
    assert_eq!(s.arrival_notified_at, Some(story.t(100)));
    assert_eq!(s.delivered_at, Some(story.t(110)));
}

#[test]
fn status_and_custody_follow_the_story_step_by_step() {
    let story = Story::new();
    let c = clean(&story);

    let a = assess_at(&story, std::slice::from_ref(&c.reg), story.t(5));
    expect_none(&a);
    assert_eq!(a.state.status, Status::Registered);
    let holder = a.state.custodian.as_ref().expect("the post holds it");
    assert_eq!(
        (holder.unit.clone(), holder.officer.clone(), holder.act),
        (
            unit(AIRPORT_POST),
            story.airport_officer.id.clone(),
            c.reg.id()
        )
    );
    assert!(a.state.custody_chain.is_empty());
    assert_eq!(a.state.route.visited, vec![unit(AIRPORT_POST)]);
    assert_eq!(a.state.route.next, Some(unit(DEPARTMENT)));

    let a = assess_at(&story, &c.acts[..3], story.t(20));
    expect_none(&a);
    assert_eq!(a.state.status, Status::InTransit, "escort assigned");
    assert_eq!(
        a.state.custodian.as_ref().map(|h| h.unit.clone()),
        Some(unit(AIRPORT_POST))
    );

    let a = assess_at(&story, &c.departed(), story.t(40));
    expect_none(&a);
    assert_eq!(a.state.status, Status::InTransit);
    let holder = a.state.custodian.as_ref().expect("the escort holds it");
    assert_eq!(holder.unit, unit(ESCORT_UNIT));
    assert_eq!(holder.officer, story.escort_lead.id);
    assert_eq!(holder.act, c.h1.id());
    assert_eq!(a.state.route.next, Some(unit(DEPARTMENT)));

    let a = assess_at(&story, &c.acts[..7], story.t(101));
    expect_none(&a);
    assert_eq!(a.state.status, Status::Arrived);
    assert_eq!(a.state.arrival_notified_at, Some(story.t(100)));
    assert_eq!(
        a.state.custodian.as_ref().map(|h| h.unit.clone()),
        Some(unit(ESCORT_UNIT))
    );
    assert_eq!(a.state.route.next, None, "arrival at the Department");

    let a = assess_at(&story, &c.acts[..8], story.t(106));
    expect_none(&a);
    assert_eq!(a.state.status, Status::Arrived);
    assert_eq!(
        a.state.custodian.as_ref().map(|h| h.unit.clone()),
        Some(unit(DEPARTMENT))
    );
}

#[test]
fn acts_of_another_consignment_are_left_out_without_changing_anything() {
    let story = Story::new();
    let c = clean(&story);
    let mut other = story.registration_body();
    other.consignment = tamga_core::ConsignmentId::new("10609050/231126/0000999").unwrap();
    let other = story.sign(
        ActBody::ConsignmentRegistered(other),
        &[&story.airport_officer],
    );
    let base = assess_at(&story, &c.acts, story.after());
    let a = assess_at(&story, &with(c.acts.clone(), &[&other]), story.after());
    assert_eq!(a.state, base.state);
    assert_eq!(a.acts, base.acts);
    assert_eq!(a.discrepancies, base.discrepancies);
    assert_eq!(a.rejected.len(), 1);
    assert_eq!(a.rejected[0].act, other.id());
}

// ---------------------------------------------------------------------------------------------
// Seals
// ---------------------------------------------------------------------------------------------

#[test]
fn seal_broken_en_route_with_an_incident_report_is_minor() {
    let story = Story::new();
    let c = clean(&story);
    let check = story.seal_checked(60, SealState::Damaged);
    let report = incident(
        &story,
        62,
        IncidentKind::SealDamage,
        vec![story.seal.clone()],
    );
    let h2 = h2_with(&story, &c.h1, |b| {
        b.seals = observed(&story.seal, SealState::Damaged)
    });
    let delivered = delivered_with(&story, 110, |b| {
        b.seals = observed(&story.seal, SealState::Damaged)
    });
    let acts = vec![
        c.reg.clone(),
        c.seal.clone(),
        c.escort.clone(),
        c.h1.clone(),
        c.positions.clone(),
        check.clone(),
        report.clone(),
        c.arrival.clone(),
        h2,
        delivered,
    ];
    let a = assess_at(&story, &acts, story.after());
    expect(
        &a,
        &[d(
            K::SealDamaged,
            Severity::Minor,
            story.seal.as_str(),
            &[&c.seal, &check, &report],
        )],
    );
    assert_eq!(a.state.status, Status::Delivered);
    assert_eq!(a.state.incidents, vec![report.id()]);
    let seal = &a.state.seals[&story.seal];
    assert_eq!(seal.status, SealStatus::Active);
    assert_eq!(seal.last_state, SealState::Damaged);
}

#[test]
fn seal_broken_en_route_without_an_incident_report_is_critical() {
    let story = Story::new();
    let c = clean(&story);
    let check = story.seal_checked(60, SealState::Damaged);
    let mut acts = c.departed();
    acts.push(check.clone());
    let a = assess_at(&story, &acts, story.t(70));
    expect(
        &a,
        &[d(
            K::SealDamaged,
            Severity::Critical,
            story.seal.as_str(),
            &[&c.seal, &check],
        )],
    );
    assert_eq!(a.state.seals[&story.seal].last_state, SealState::Damaged);

    // A seal found missing is its own kind.
    let gone = story.seal_checked(60, SealState::Missing);
    let a = assess_at(&story, &with(c.departed(), &[&gone]), story.t(70));
    expect(
        &a,
        &[d(
            K::SealMissing,
            Severity::Critical,
            story.seal.as_str(),
            &[&c.seal, &gone],
        )],
    );
}

#[test]
fn only_a_timely_seal_incident_explains_damage() {
    let story = Story::new();
    let c = clean(&story);
    let check = story.seal_checked(60, SealState::Damaged);
    let base = with(c.departed(), &[&check]);
    let critical = |a: &Assessment| {
        expect(
            a,
            &[d(
                K::SealDamaged,
                Severity::Critical,
                story.seal.as_str(),
                &[&c.seal, &check],
            )],
        )
    };

    // Reported 6 h 01 min later: outside the default six-hour window.
    let late = incident(
        &story,
        60 + 361,
        IncidentKind::SealDamage,
        vec![story.seal.clone()],
    );
    critical(&assess_at(
        &story,
        &with(base.clone(), &[&late]),
        story.t(430),
    ));
    // A wider window, set by the deployment, accepts it.
    let wide = Tolerances {
        incident_window_seconds: 7 * 3600,
        ..Tolerances::default()
    };
    expect(
        &assess_tol(&story, &with(base.clone(), &[&late]), story.t(430), &wide),
        &[d(
            K::SealDamaged,
            Severity::Minor,
            story.seal.as_str(),
            &[&c.seal, &check, &late],
        )],
    );
    // Exactly at the window's edge it still counts.
    let edge = incident(
        &story,
        60 + 360,
        IncidentKind::SealDamage,
        vec![story.seal.clone()],
    );
    assert_eq!(
        the(
            &assess_at(&story, &with(base.clone(), &[&edge]), story.t(430)),
            K::SealDamaged
        )
        .severity,
        Severity::Minor
    );

    // A delay report does not explain a broken seal.
    let delay = incident(&story, 62, IncidentKind::Delay, vec![]);
    critical(&assess_at(
        &story,
        &with(base.clone(), &[&delay]),
        story.t(70),
    ));
    // Nor does a report about another seal.
    let other = incident(
        &story,
        62,
        IncidentKind::SealDamage,
        vec![seal_no("KG-7770001")],
    );
    critical(&assess_at(
        &story,
        &with(base.clone(), &[&other]),
        story.t(70),
    ));
    // An accident report naming no seal does.
    let accident = incident(&story, 58, IncidentKind::Accident, vec![]);
    assert_eq!(
        the(
            &assess_at(&story, &with(base, &[&accident]), story.t(70)),
            K::SealDamaged
        )
        .severity,
        Severity::Minor
    );
}

#[test]
fn seal_replaced_under_a_claimed_threat_without_an_incident_has_no_grounds() {
    let story = Story::new();
    let c = clean(&story);
    let new_seal = seal_no("KG-0099001");
    let replaced = seal_replaced(&story, 60, &new_seal, threat_of_loss());
    let a = assess_at(&story, &with(c.departed(), &[&replaced]), story.t(70));
    expect(
        &a,
        &[d(
            K::SealRemovedWithoutGrounds,
            Severity::Critical,
            story.seal.as_str(),
            &[&replaced],
        )],
    );
    let old = &a.state.seals[&story.seal];
    assert_eq!(old.status, SealStatus::Replaced);
    let new = &a.state.seals[&new_seal];
    assert_eq!(new.status, SealStatus::Active);
    assert_eq!(new.kind, Some(SealKind::Mechanical));
    assert_eq!(new.applied, Some(replaced.id()));

    // A threat reported at once (an accident naming no seal) is not grounds enough without a
    // photo: the crew's word alone.
    let accident = incident(&story, 65, IncidentKind::Accident, vec![]);
    let a = assess_at(
        &story,
        &with(c.departed(), &[&replaced, &accident]),
        story.t(70),
    );
    assert_eq!(
        the(&a, K::SealRemovedWithoutGrounds).acts,
        ids(&[&replaced])
    );
    // With a photo it is; the accident stays open until a customs body follows it up.
    let ActBody::IncidentReported(mut body) = accident.body().clone() else {
        unreachable!()
    };
    body.attachments =
        vec![
            Sha256Hex::new("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
                .unwrap(),
        ];
    let pictured = story.sign(ActBody::IncidentReported(body), &[&story.escort_lead]);
    let a = assess_at(
        &story,
        &with(c.departed(), &[&replaced, &pictured]),
        story.t(70),
    );
    expect(&a, &[d(K::IncidentOpen, Severity::Major, "", &[&pictured])]);

    // A permission's reference typed by the crew is not a permission.
    let referenced = seal_replaced(
        &story,
        60,
        &new_seal,
        SealGrounds {
            permission: None,
            basis: SealBasis::Permission,
            reference: Some(text("permission 0417/26 of the Bishkek customs office")),
        },
    );
    let a = assess_at(&story, &with(c.departed(), &[&referenced]), story.t(70));
    assert_eq!(
        the(&a, K::SealRemovedWithoutGrounds).acts,
        ids(&[&referenced])
    );
    // A permission act of the customs body, naming the seal, is.
    let permission = story.sign(
        ActBody::PermissionGranted(PermissionGranted {
            consignment: story.consignment.clone(),
            at: story.t(55),
            officer: story.airport_officer.id.clone(),
            place: post(AIRPORT_POST),
            permits: Permit::SealRemoval {
                seals: vec![story.seal.clone()],
            },
            reason: text("the safe-bag's seal is cracked; replace it at the next stop"),
            valid_until: Some(story.t(120)),
        }),
        &[&story.airport_officer],
    );
    let permitted = seal_replaced(
        &story,
        60,
        &new_seal,
        SealGrounds {
            permission: Some(permission.id()),
            basis: SealBasis::Permission,
            reference: Some(text("permission 0417/26 of the Bishkek customs office")),
        },
    );
    let a = assess_at(
        &story,
        &with(c.departed(), &[&permission, &permitted]),
        story.t(70),
    );
    expect_none(&a);

    // The Department's handoff then lists the new seal: nothing further.
    let h2 = h2_with(&story, &c.h1, |b| {
        b.seals = observed(&new_seal, SealState::Intact)
    });
    let a = assess_at(
        &story,
        &with(c.departed(), &[&permission, &permitted, &h2]),
        story.t(110),
    );
    expect_none(&a);

    // If it still lists the old seal intact, one of the records is wrong and the new seal is
    // unaccounted for.
    let stale = c.h2.clone();
    let a = assess_at(
        &story,
        &with(c.departed(), &[&permission, &permitted, &stale]),
        story.t(110),
    );
    expect(
        &a,
        &[
            d(
                K::SealStateConflict,
                Severity::Major,
                story.seal.as_str(),
                &[&permitted, &stale],
            ),
            d(
                K::SealMissing,
                Severity::Critical,
                new_seal.as_str(),
                &[&permitted, &stale],
            ),
        ],
    );
}

#[test]
fn seal_removed_for_inspection_then_handed_over_unsealed() {
    let story = Story::new();
    let c = clean(&story);
    let inspection = |by: &Person, place: Place| {
        story.sign(
            ActBody::SealRemoved(SealRemoved {
                consignment: story.consignment.clone(),
                at: story.t(60),
                officer: by.id.clone(),
                place,
                seal: story.seal.clone(),
                state: SealState::Intact,
                grounds: SealGrounds {
                    permission: None,
                    basis: SealBasis::Inspection,
                    reference: Some(text("inspection order 12/26")),
                },
            }),
            &[by],
        )
    };
    // An escort officer may not call their own removal an inspection.
    let by_escort = inspection(&story.escort_second, road());
    let a = assess_at(&story, &with(c.departed(), &[&by_escort]), story.t(70));
    expect(
        &a,
        &[d(
            K::SealRemovedWithoutGrounds,
            Severity::Critical,
            story.seal.as_str(),
            &[&by_escort],
        )],
    );
    // The Department's officer inspects at the Department.
    let removed = inspection(&story.department_officer, post(DEPARTMENT));
    let a = assess_at(&story, &with(c.departed(), &[&removed]), story.t(70));
    expect_none(&a);
    assert_eq!(a.state.seals[&story.seal].status, SealStatus::Removed);

    // Rough diamonds travel only in sealed safe-bags: a handoff with no seal is critical.
    let h2 = h2_with(&story, &c.h1, |b| b.seals = vec![]);
    let a = assess_at(&story, &with(c.departed(), &[&removed, &h2]), story.t(110));
    expect(&a, &[d(K::SealMissing, Severity::Critical, "", &[&h2])]);
}

#[test]
fn seal_silently_swapped_is_a_seal_not_applied_and_a_seal_missing() {
    let story = Story::new();
    let c = clean(&story);
    let swapped = seal_no("KG-0099001");
    let h2 = h2_with(&story, &c.h1, |b| {
        b.seals = observed(&swapped, SealState::Intact)
    });
    let acts = with(c.departed(), &[&c.positions, &c.check, &c.arrival, &h2]);
    let a = assess_at(&story, &acts, story.t(106));
    expect(
        &a,
        &[
            d(
                K::SealNotApplied,
                Severity::Critical,
                swapped.as_str(),
                &[&c.reg, &h2],
            ),
            d(
                K::SealMissing,
                Severity::Critical,
                story.seal.as_str(),
                &[&c.seal, &h2],
            ),
        ],
    );
    assert_eq!(a.state.seals[&swapped].applied, None);
    assert_eq!(a.state.seals[&swapped].kind, None);
}

#[test]
fn a_seal_found_damaged_then_missing_is_flagged_again() {
    let story = Story::new();
    let c = clean(&story);
    let damaged = story.seal_checked(60, SealState::Damaged);
    let report = incident(
        &story,
        61,
        IncidentKind::SealDamage,
        vec![story.seal.clone()],
    );
    let gone = seal_check(
        &story,
        story.t(90),
        post(DEPARTMENT),
        SealState::Missing,
        &story.escort_lead,
    );
    let acts = with(c.departed(), &[&damaged, &report, &gone]);
    let a = assess_at(&story, &acts, story.t(95));
    expect(
        &a,
        &[
            d(
                K::SealDamaged,
                Severity::Minor,
                story.seal.as_str(),
                &[&c.seal, &damaged, &report],
            ),
            // The damage report covers damage, not the seal's disappearance half an hour later;
            // it is still within the incident window, so the finding cites it.
            d(
                K::SealMissing,
                Severity::Minor,
                story.seal.as_str(),
                &[&c.seal, &gone, &report],
            ),
        ],
    );
    assert_eq!(a.state.seals[&story.seal].last_state, SealState::Missing);

    // Found damaged, so on the goods, after it was found missing: one record is wrong.
    let missing = story.seal_checked(60, SealState::Missing);
    let back = seal_check(
        &story,
        story.t(90),
        post(DEPARTMENT),
        SealState::Damaged,
        &story.escort_lead,
    );
    let a = assess_at(&story, &with(c.departed(), &[&missing, &back]), story.t(95));
    expect(
        &a,
        &[
            d(
                K::SealMissing,
                Severity::Critical,
                story.seal.as_str(),
                &[&c.seal, &missing],
            ),
            d(
                K::SealStateConflict,
                Severity::Critical,
                story.seal.as_str(),
                &[&missing, &back],
            ),
        ],
    );

    // Found intact after being found damaged: one of the records is wrong.
    let intact = seal_check(
        &story,
        story.t(90),
        post(DEPARTMENT),
        SealState::Intact,
        &story.escort_lead,
    );
    let a = assess_at(
        &story,
        &with(c.departed(), &[&damaged, &report, &intact]),
        story.t(95),
    );
    expect(
        &a,
        &[
            d(
                K::SealDamaged,
                Severity::Minor,
                story.seal.as_str(),
                &[&c.seal, &damaged, &report],
            ),
            d(
                K::SealStateConflict,
                Severity::Critical,
                story.seal.as_str(),
                &[&damaged, &intact],
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Custody
// ---------------------------------------------------------------------------------------------

#[test]
fn double_handoff_from_the_airport_post_is_a_custody_fork() {
    let story = Story::new();
    let c = clean(&story);
    let other = story.transfer(
        story.transfer_body(
            35,
            AIRPORT_POST,
            None,
            &story.airport_officer,
            &story.department_officer,
        ),
        &story.airport_officer,
        &story.department_officer,
    );
    let a = assess_at(&story, &with(c.departed(), &[&other]), story.t(40));
    expect(
        &a,
        &[d(K::CustodyFork, Severity::Critical, "", &[&c.h1, &other])],
    );
    assert!(a.state.custody_disputed);
    assert_eq!(a.state.custodian, None, "custody cannot be told");
    assert!(a.state.custody_chain.is_empty());
    assert_eq!(a.state.status, Status::InTransit);
}

#[test]
fn double_handoff_by_the_escort_is_a_fork_after_the_first_handoff() {
    let story = Story::new();
    let c = clean(&story);
    let back = story.transfer(
        story.transfer_body(
            100,
            AIRPORT_POST,
            Some(c.h1.id()),
            &story.escort_lead,
            &story.airport_officer,
        ),
        &story.escort_lead,
        &story.airport_officer,
    );
    let acts = with(c.departed(), &[&c.h2, &back]);
    let a = assess_at(&story, &acts, story.t(110));
    expect(
        &a,
        &[d(
            K::CustodyFork,
            Severity::Critical,
            &c.h1.id().to_hex(),
            &[&c.h1, &c.h2, &back],
        )],
    );
    assert!(a.state.custody_disputed);
    assert_eq!(a.state.custodian, None);
    assert_eq!(a.state.custody_chain, vec![c.h1.id()]);
}

#[test]
fn handoff_released_by_a_unit_that_did_not_receive_the_goods_is_a_gap() {
    let story = Story::new();
    let c = clean(&story);
    // The airport post hands over at the Department what it had already given to the escort.
    let h2 = story.transfer(
        story.transfer_body(
            105,
            DEPARTMENT,
            Some(c.h1.id()),
            &story.airport_officer,
            &story.department_officer,
        ),
        &story.airport_officer,
        &story.department_officer,
    );
    let a = assess_at(&story, &with(c.departed(), &[&h2]), story.t(110));
    expect(
        &a,
        &[d(
            K::CustodyGap,
            Severity::Critical,
            AIRPORT_POST,
            &[&c.h1, &h2],
        )],
    );
    assert_eq!(a.state.custody_chain, vec![c.h1.id(), h2.id()]);
    assert!(!a.state.custody_disputed);
}

#[test]
fn handoff_following_an_unknown_custody_act_is_a_gap() {
    let story = Story::new();
    let c = clean(&story);
    let phantom = ActId([7; 32]);
    let h2 = h2_with(&story, &c.h1, |b| b.previous = Some(phantom));
    let a = assess_at(&story, &with(c.departed(), &[&h2]), story.t(110));
    expect(
        &a,
        &[d(
            K::CustodyGap,
            Severity::Critical,
            &phantom.to_hex(),
            &[&h2],
        )],
    );
    assert_eq!(a.state.custody_chain, vec![c.h1.id()]);
    assert_eq!(
        a.state.custodian.as_ref().map(|h| h.unit.clone()),
        Some(unit(ESCORT_UNIT))
    );
}

#[test]
fn first_handoff_by_a_unit_other_than_the_office_of_departure_is_a_gap() {
    let story = Story::new();
    let c = clean(&story);
    let h1 = story.transfer(
        story.transfer_body(
            30,
            AIRPORT_POST,
            None,
            &story.escort_lead,
            &story.department_officer,
        ),
        &story.escort_lead,
        &story.department_officer,
    );
    let acts = vec![c.reg.clone(), c.seal.clone(), c.escort.clone(), h1.clone()];
    let a = assess_at(&story, &acts, story.t(40));
    expect(
        &a,
        &[d(
            K::CustodyGap,
            Severity::Critical,
            ESCORT_UNIT,
            &[&c.reg, &h1],
        )],
    );
}

#[test]
fn delivery_by_a_unit_never_handed_the_goods_is_a_gap() {
    let story = Story::new();
    let c = clean(&story);
    let a = assess_at(&story, &c.without(&[&c.h2]), story.after());
    expect(
        &a,
        &[d(
            K::CustodyGap,
            Severity::Critical,
            DEPARTMENT,
            &[&c.h1, &c.delivered],
        )],
    );
    assert_eq!(a.state.status, Status::Delivered);
    assert_eq!(
        a.state.custodian.as_ref().map(|h| h.unit.clone()),
        Some(unit(ESCORT_UNIT))
    );
}

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

#[test]
fn transit_not_delivered_by_the_deadline_is_overdue() {
    let story = Story::new();
    let c = clean(&story);
    let on_the_road = c.acts[..6].to_vec();

    let a = assess_at(&story, &on_the_road, story.t(480));
    expect_none(&a);
    assert!(
        !a.state.overdue,
        "at the deadline itself it is not yet late"
    );

    let a = assess_at(&story, &on_the_road, story.t(481));
    expect(&a, &[d(K::Overdue, Severity::Major, "", &[&c.reg])]);
    assert!(a.state.overdue);
    assert_eq!(a.state.status, Status::InTransit);

    let grace = Tolerances {
        deadline_grace_seconds: 3600,
        ..Tolerances::default()
    };
    let a = assess_tol(&story, &on_the_road, story.t(481), &grace);
    expect_none(&a);
    assert!(!a.state.overdue);
    let a = assess_tol(&story, &on_the_road, story.t(541), &grace);
    assert!(a.state.overdue);
    assert_eq!(the(&a, K::Overdue).acts, vec![c.reg.id()]);
}

#[test]
fn delivery_after_the_deadline_is_late() {
    let story = Story::new();
    let c = clean(&story);
    let arrival = story.arrival(500, 505);
    let h2 = h2_with(&story, &c.h1, |b| b.at = story.t(510));
    let delivered = story.delivered(515);
    let acts = with(c.acts[..6].to_vec(), &[&arrival, &h2, &delivered]);
    let a = assess_at(&story, &acts, story.t(520));
    expect(
        &a,
        &[d(K::Overdue, Severity::Major, "", &[&c.reg, &arrival])],
    );
    assert!(!a.state.overdue, "delivered, if late");
    assert_eq!(a.state.status, Status::Delivered);
    assert_eq!(a.state.delivered_at, Some(story.t(515)));

    // Delivered at the deadline itself: on time.
    let arrival = story.arrival(470, 475);
    let h2 = h2_with(&story, &c.h1, |b| b.at = story.t(478));
    let delivered = story.delivered(480);
    let acts = with(c.acts[..6].to_vec(), &[&arrival, &h2, &delivered]);
    expect_none(&assess_at(&story, &acts, story.t(520)));
}

#[test]
fn arrival_notified_more_than_thirty_minutes_after_arrival_is_late() {
    let story = Story::new();
    let c = clean(&story);

    let late = story.arrival(64, 100);
    let a = assess_at(
        &story,
        &c.replacing(&c.arrival, late.clone()),
        story.after(),
    );
    expect(
        &a,
        &[d(K::ArrivalNotifiedLate, Severity::Major, "", &[&late])],
    );

    let on_time = story.arrival(70, 100);
    expect_none(&assess_at(
        &story,
        &c.replacing(&c.arrival, on_time),
        story.after(),
    ));

    // Arrived before working hours: the 30 minutes run from their start.
    let after_hours = arrival_with(&story, 60, 100, Some(80));
    expect_none(&assess_at(
        &story,
        &c.replacing(&c.arrival, after_hours),
        story.after(),
    ));
    let after_hours_late = arrival_with(&story, 60, 104, Some(73));
    let a = assess_at(
        &story,
        &c.replacing(&c.arrival, after_hours_late.clone()),
        story.after(),
    );
    expect(
        &a,
        &[d(
            K::ArrivalNotifiedLate,
            Severity::Major,
            "",
            &[&after_hours_late],
        )],
    );

    // The notice with a 30-minute allowance set to 45 by the deployment.
    let relaxed = Tolerances {
        arrival_notice_seconds: 45 * 60,
        ..Tolerances::default()
    };
    expect_none(&assess_tol(
        &story,
        &c.replacing(&c.arrival, late),
        story.after(),
        &relaxed,
    ));
}

#[test]
fn delivery_without_arrival_notified() {
    let story = Story::new();
    let c = clean(&story);
    let a = assess_at(&story, &c.without(&[&c.arrival]), story.after());
    expect(
        &a,
        &[d(
            K::ArrivalNotNotified,
            Severity::Major,
            "",
            &[&c.delivered],
        )],
    );
    assert_eq!(a.state.status, Status::Delivered);
    assert_eq!(a.state.arrival_notified_at, None);

    // Notified only after delivery: the same.
    let afterwards = story.arrival(95, 115);
    let a = assess_at(&story, &c.replacing(&c.arrival, afterwards), story.after());
    expect(
        &a,
        &[d(
            K::ArrivalNotNotified,
            Severity::Major,
            "",
            &[&c.delivered],
        )],
    );
}

#[test]
fn act_at_a_post_not_on_the_route_is_off_route() {
    let story = Story::new();
    let c = clean(&story);
    let check = seal_check(
        &story,
        story.t(60),
        post(OTHER_POST),
        SealState::Intact,
        &story.escort_second,
    );
    let a = assess_at(&story, &c.replacing(&c.check, check.clone()), story.after());
    expect(
        &a,
        &[d(
            K::OffRoute,
            Severity::Major,
            OTHER_POST,
            &[&c.reg, &check],
        )],
    );
    assert_eq!(a.state.route.visited, a.state.route.planned);
}

#[test]
fn route_progress_through_an_intermediate_post() {
    let story = Story::new();
    let c = clean(&story);
    let reg = registered_with(&story, |r| {
        r.route = vec![unit(AIRPORT_POST), unit(OTHER_POST), unit(DEPARTMENT)]
    });
    let mut acts = c.departed();
    acts[0] = reg;
    let a = assess_at(&story, &acts, story.t(40));
    expect_none(&a);
    assert_eq!(a.state.route.visited, vec![unit(AIRPORT_POST)]);
    assert_eq!(a.state.route.next, Some(unit(OTHER_POST)));

    let check = seal_check(
        &story,
        story.t(60),
        post(OTHER_POST),
        SealState::Intact,
        &story.escort_second,
    );
    acts.push(check);
    let a = assess_at(&story, &acts, story.t(70));
    expect_none(&a);
    assert_eq!(
        a.state.route.visited,
        vec![unit(AIRPORT_POST), unit(OTHER_POST)]
    );
    assert_eq!(a.state.route.next, Some(unit(DEPARTMENT)));
}

#[test]
fn act_dated_in_the_future_is_a_clock_anomaly() {
    let story = Story::new();
    let c = clean(&story);
    let ahead = seal_check(
        &story,
        story.t(200),
        road(),
        SealState::Intact,
        &story.escort_second,
    );
    let a = assess_at(&story, &with(c.departed(), &[&ahead]), story.t(100));
    expect(
        &a,
        &[d(K::ClockAnomaly, Severity::Major, "future", &[&ahead])],
    );
    // Within the allowed skew of five minutes, a fast clock is tolerated.
    let slightly = seal_check(
        &story,
        story.t(104),
        road(),
        SealState::Intact,
        &story.escort_second,
    );
    expect_none(&assess_at(
        &story,
        &with(c.departed(), &[&slightly]),
        story.t(100),
    ));
}

fn positions_at(story: &Story, batch: Timestamp, fix: Timestamp) -> SignedAct {
    story.sign(
        ActBody::PositionReported(PositionReported {
            consignment: story.consignment.clone(),
            at: batch,
            officer: story.vehicle_device.id.clone(),
            positions: vec![Position {
                at: fix,
                coordinates: Coordinates {
                    latitude: parse_decimal("43.0612").unwrap(),
                    longitude: parse_decimal("74.4776").unwrap(),
                },
            }],
        }),
        &[&story.vehicle_device],
    )
}

#[test]
fn act_dated_before_the_registration_is_a_clock_anomaly() {
    let story = Story::new();
    let c = clean(&story);
    let early = positions_at(&story, story.t(-10), story.t(-12));
    let a = assess_at(&story, &with(c.departed(), &[&early]), story.t(40));
    expect(
        &a,
        &[d(
            K::ClockAnomaly,
            Severity::Major,
            "before_registration",
            &[&c.reg, &early],
        )],
    );
    let skewed = positions_at(&story, story.t(-4), story.t(-4));
    expect_none(&assess_at(
        &story,
        &with(c.departed(), &[&skewed]),
        story.t(40),
    ));

    // Positions dated after the batch that reports them.
    let odd = positions_at(&story, story.t(40), story.t(50));
    let a = assess_at(&story, &with(c.departed(), &[&odd]), story.t(60));
    expect(
        &a,
        &[d(K::ClockAnomaly, Severity::Minor, "positions", &[&odd])],
    );
}

#[test]
fn handoff_dated_before_the_one_it_follows_is_a_clock_anomaly() {
    let story = Story::new();
    let c = clean(&story);
    let h2 = h2_with(&story, &c.h1, |b| b.at = story.t(25));
    let a = assess_at(&story, &with(c.departed(), &[&h2]), story.t(40));
    expect(
        &a,
        &[d(K::ClockAnomaly, Severity::Major, "", &[&c.h1, &h2])],
    );
    assert_eq!(a.state.custody_chain, vec![c.h1.id(), h2.id()]);
}

#[test]
fn arrival_notified_before_the_goods_arrived_is_a_clock_anomaly() {
    let story = Story::new();
    let c = clean(&story);
    let odd = story.arrival(100, 90);
    let a = assess_at(&story, &c.replacing(&c.arrival, odd.clone()), story.after());
    expect(
        &a,
        &[d(K::ClockAnomaly, Severity::Major, "arrival", &[&odd])],
    );
}

// ---------------------------------------------------------------------------------------------
// Goods and papers
// ---------------------------------------------------------------------------------------------

#[test]
fn rough_diamonds_without_a_kimberley_process_certificate() {
    let story = Story::new();
    let c = clean(&story);
    let reg = registered_with(&story, |r| r.certificates.clear());
    let a = assess_at(&story, &c.replacing(&c.reg, reg.clone()), story.after());
    expect(
        &a,
        &[d(
            K::MissingCertificate,
            Severity::Critical,
            "kimberley_process",
            &[&reg],
        )],
    );
    // A State Control Certificate does not stand in for the KPC.
    let reg = registered_with(&story, |r| {
        r.certificates[0].kind = CertificateKind::StateControl;
        r.certificates[0].kp = None;
    });
    let a = assess_at(&story, &c.replacing(&c.reg, reg.clone()), story.after());
    assert_eq!(the(&a, K::MissingCertificate).acts, vec![reg.id()]);
    assert_eq!(the(&a, K::MissingCertificate).subject, "kimberley_process");
}

fn gold(r: &mut ConsignmentRegistered, direction: Direction) {
    r.direction = direction;
    r.goods = vec![GoodsLine {
        hs_code: HsCode::new("7108130000").unwrap(),
        description: text("Gold, semi-manufactured, in bars"),
        quantity: Quantity {
            value: parse_decimal("350.00").unwrap(),
            unit: QuantityUnit::G,
        },
        net_mass: Mass::new("350.00", MassUnit::G).unwrap(),
        gross_mass: kg("0.412"),
        value: Money {
            amount: parse_decimal("26950.00").unwrap(),
            currency: CurrencyCode::new("USD").unwrap(),
        },
    }];
    r.certificates.clear();
}

fn state_control_certificate() -> Certificate {
    Certificate {
        kind: CertificateKind::StateControl,
        number: text("SCC 2026/0417"),
        issued_by: CountryCode::new("KG").unwrap(),
        issued_at: at("2026-11-22T00:00:00Z"),
        kp: None,
    }
}

#[test]
fn gold_exported_without_a_state_control_certificate() {
    let story = Story::new();
    let c = clean(&story);
    let reg = registered_with(&story, |r| gold(r, Direction::Export));
    let a = assess_at(&story, &c.replacing(&c.reg, reg.clone()), story.after());
    expect(
        &a,
        &[d(
            K::MissingCertificate,
            Severity::Critical,
            "state_control",
            &[&reg],
        )],
    );

    let reg = registered_with(&story, |r| {
        gold(r, Direction::Export);
        r.certificates.push(state_control_certificate());
    });
    expect_none(&assess_at(&story, &c.replacing(&c.reg, reg), story.after()));

    // Gold in transit needs neither certificate during escort.
    let reg = registered_with(&story, |r| gold(r, Direction::Transit));
    expect_none(&assess_at(&story, &c.replacing(&c.reg, reg), story.after()));
}

#[test]
fn precious_goods_imported_without_certificate_need_the_importers_details() {
    let story = Story::new();
    let c = clean(&story);
    let reg = registered_with(&story, |r| {
        gold(r, Direction::Import);
        r.consignee.registration = None;
    });
    let a = assess_at(&story, &c.replacing(&c.reg, reg.clone()), story.after());
    expect(
        &a,
        &[d(
            K::MissingCertificate,
            Severity::Major,
            "importer_registration",
            &[&reg],
        )],
    );
    // With the importer's registration on file, state control may follow at the Department.
    let reg = registered_with(&story, |r| gold(r, Direction::Import));
    expect_none(&assess_at(&story, &c.replacing(&c.reg, reg), story.after()));
}

#[test]
fn package_count_at_a_handoff_differs_from_the_registration() {
    let story = Story::new();
    let c = clean(&story);
    let h2 = h2_with(&story, &c.h1, |b| b.packages = 2);
    let a = assess_at(&story, &c.replacing(&c.h2, h2.clone()), story.after());
    expect(
        &a,
        &[d(
            K::PackageCountMismatch,
            Severity::Critical,
            "",
            &[&c.reg, &h2],
        )],
    );
    // At delivery too.
    let delivered = delivered_with(&story, 110, |b| b.packages = 0);
    let a = assess_at(
        &story,
        &c.replacing(&c.delivered, delivered.clone()),
        story.after(),
    );
    expect(
        &a,
        &[d(
            K::PackageCountMismatch,
            Severity::Critical,
            "",
            &[&c.reg, &delivered],
        )],
    );
}

#[test]
fn gross_mass_outside_tolerance_at_a_handoff() {
    let story = Story::new();
    let c = clean(&story);
    let heavy = h2_with(&story, &c.h1, |b| b.gross_mass = kg("0.420"));
    let a = assess_at(&story, &c.replacing(&c.h2, heavy.clone()), story.after());
    expect(
        &a,
        &[d(
            K::MassMismatch,
            Severity::Critical,
            "",
            &[&c.reg, &heavy],
        )],
    );
    // Rough diamonds: 0.2 g (one carat) over is the most a scale may drift.
    let just_over = h2_with(&story, &c.h1, |b| b.gross_mass = kg("0.4123"));
    let a = assess_at(
        &story,
        &c.replacing(&c.h2, just_over.clone()),
        story.after(),
    );
    expect(
        &a,
        &[d(
            K::MassMismatch,
            Severity::Critical,
            "",
            &[&c.reg, &just_over],
        )],
    );
    // 4 g light is 20 carats of diamonds gone: flagged (a 5 g floor let it pass).
    let twenty_carats = h2_with(&story, &c.h1, |b| b.gross_mass = kg("0.408"));
    let a = assess_at(
        &story,
        &c.replacing(&c.h2, twenty_carats.clone()),
        story.after(),
    );
    expect(
        &a,
        &[d(
            K::MassMismatch,
            Severity::Critical,
            "",
            &[&c.reg, &twenty_carats],
        )],
    );
    let light = h2_with(&story, &c.h1, |b| b.gross_mass = kg("0.380"));
    assert_eq!(
        the(
            &assess_at(&story, &c.replacing(&c.h2, light.clone()), story.after()),
            K::MassMismatch
        )
        .acts,
        ids(&[&c.reg, &light])
    );
}

#[test]
fn gross_mass_within_tolerance_raises_nothing() {
    let story = Story::new();
    let c = clean(&story);
    for mass in ["0.4121", "0.4122", "0.4118", "0.412000"] {
        let h2 = h2_with(&story, &c.h1, |b| b.gross_mass = kg(mass));
        expect_none(&assess_at(&story, &c.replacing(&c.h2, h2), story.after()));
    }
    // The same mass weighed in grams.
    let delivered = delivered_with(&story, 110, |b| {
        b.gross_mass = Mass::new("412", MassUnit::G).unwrap()
    });
    expect_none(&assess_at(
        &story,
        &c.replacing(&c.delivered, delivered),
        story.after(),
    ));
}

#[test]
fn tolerances_set_by_the_deployment_change_the_outcome() {
    let story = Story::new();
    let c = clean(&story);
    let heavy = h2_with(&story, &c.h1, |b| b.gross_mass = kg("0.420"));
    let acts = c.replacing(&c.h2, heavy.clone());
    let loose = Tolerances {
        precious_gross_grams: parse_decimal("10").unwrap(),
        ..Tolerances::default()
    };
    expect_none(&assess_tol(&story, &acts, story.after(), &loose));
    // The tolerances of other goods do not apply to diamonds.
    let other_goods_loose = Tolerances {
        mass_absolute_grams: parse_decimal("10").unwrap(),
        mass_relative: parse_decimal("0.05").unwrap(),
        ..Tolerances::default()
    };
    expect(
        &assess_tol(&story, &acts, story.after(), &other_goods_loose),
        &[d(
            K::MassMismatch,
            Severity::Critical,
            "",
            &[&c.reg, &heavy],
        )],
    );

    let slight = h2_with(&story, &c.h1, |b| b.gross_mass = kg("0.4121"));
    let acts = c.replacing(&c.h2, slight.clone());
    expect_none(&assess_at(&story, &acts, story.after()));
    let strict = Tolerances {
        precious_gross_grams: parse_decimal("0.05").unwrap(),
        ..Tolerances::default()
    };
    expect(
        &assess_tol(&story, &acts, story.after(), &strict),
        &[d(
            K::MassMismatch,
            Severity::Critical,
            "",
            &[&c.reg, &slight],
        )],
    );
}

// ---------------------------------------------------------------------------------------------
// Forged and unauthorized acts
// ---------------------------------------------------------------------------------------------

/// Edits a field of a signed act's body through its wire form and re-canonicalises it: the
/// signatures stay as they were.
fn tamper(act: &SignedAct, field: &str, value: serde_json::Value) -> SignedAct {
    let mut wire: serde_json::Value = serde_json::from_slice(&act.encode()).unwrap();
    wire["body"][field] = value;
    let bytes = serde_jcs::to_vec(&wire).unwrap();
    SignedAct::decode(&bytes).expect("the edited act is well-formed")
}

#[test]
fn body_edited_after_signing_is_a_bad_signature() {
    let story = Story::new();
    let c = clean(&story);
    let forged = tamper(&c.check, "state", serde_json::json!("damaged"));
    assert_ne!(forged.id(), c.check.id());
    assert!(matches!(
        forged.verify_signatures(),
        Err(SignatureError::Invalid { .. })
    ));
    // Held, it would record the seal damaged.
    let as_if = story.seal_checked(60, SealState::Damaged);
    let base = c.without(&[&c.check]);
    assert!(
        assess_at(&story, &with(base.clone(), &[&as_if]), story.after()).has_open(K::SealDamaged)
    );

    let a = assert_left_out(
        &story,
        &story.registry(),
        &base,
        &forged,
        story.after(),
        K::BadSignature,
    );
    assert_eq!(a.state.seals[&story.seal].last_state, SealState::Intact);

    // The deadline pushed back by a week in a stored copy of the registration.
    let forged = tamper(
        &c.reg,
        "delivery_deadline",
        serde_json::json!("2026-11-30T14:00:00Z"),
    );
    let on_the_road = c.acts[..6].to_vec();
    let a = assert_left_out(
        &story,
        &story.registry(),
        &on_the_road,
        &forged,
        story.t(481),
        K::BadSignature,
    );
    assert!(a.state.overdue);
    assert!(!a.has_open(K::ConflictingRegistration));
}

#[test]
fn signatures_taken_from_another_act_are_bad_signatures() {
    let story = Story::new();
    let c = clean(&story);
    let ActBody::SealChecked(mut body) = c.check.body().clone() else {
        unreachable!()
    };
    body.at = story.t(61);
    body.state = SealState::Missing;
    let forged = SignedAct::assemble(ActBody::SealChecked(body), c.check.signatures().to_vec())
        .expect("shaped right");
    assert_left_out(
        &story,
        &story.registry(),
        &c.acts,
        &forged,
        story.after(),
        K::BadSignature,
    );
}

#[test]
fn a_forged_copy_of_a_genuine_act_does_not_displace_it() {
    let story = Story::new();
    let c = clean(&story);
    // Same body, so same id, but the signature is not the officer's.
    let mut signatures = c.h2.signatures().to_vec();
    signatures[1].signature.0[0] ^= 0x01;
    let forged = SignedAct::assemble(c.h2.body().clone(), signatures).expect("shaped right");
    assert_eq!(forged.id(), c.h2.id());
    assert!(forged.verify_signatures().is_err());

    let genuine = assess_at(&story, &c.acts, story.after());
    for acts in [with(c.acts.clone(), &[&forged]), {
        let mut v = vec![forged.clone()];
        v.extend(c.acts.iter().cloned());
        v
    }] {
        let a = assess_at(&story, &acts, story.after());
        assert_eq!(a.state, genuine.state, "the genuine handoff still holds");
        assert_eq!(a.acts, genuine.acts);
        assert!(a.rejected.is_empty(), "{:?}", a.rejected);
        // Reported, but as a copy: the act itself holds.
        expect(&a, &[d(K::BadSignature, Severity::Major, "copy", &[&c.h2])]);
    }
}

#[test]
fn act_signed_by_an_unenrolled_key_is_left_out() {
    let story = Story::new();
    let c = clean(&story);
    let forged = seal_check(
        &story,
        story.t(61),
        post(AIRPORT_POST),
        SealState::Missing,
        &story.outsider,
    );
    assert!(
        forged.verify_signatures().is_ok(),
        "the signature itself is fine"
    );
    assert_left_out(
        &story,
        &story.registry(),
        &c.acts,
        &forged,
        story.after(),
        K::UnknownKey,
    );
    // Enrolled, the same act would have counted.
    let enrolled = registry_with(&story, &[story.enrollment(&story.outsider)]);
    let a = assess(
        &story.consignment,
        &with(c.acts.clone(), &[&forged]),
        &enrolled,
        story.after(),
        &Tolerances::default(),
    );
    assert!(a.acts.contains(&forged.id()));
}

#[test]
fn act_signed_after_the_key_was_revoked_is_left_out() {
    let story = Story::new();
    let c = clean(&story);
    let revoked = registry_with(
        &story,
        &[story.revocation(&story.escort_second, story.t(50))],
    );
    // The seal check at t+60 is by the escort's second officer, whose key was revoked at t+50.
    let base = c.without(&[&c.check]);
    assert_left_out(
        &story,
        &revoked,
        &base,
        &c.check,
        story.after(),
        K::RevokedKey,
    );
    // Acts before the revocation stay valid.
    let earlier = seal_check(
        &story,
        story.t(45),
        road(),
        SealState::Intact,
        &story.escort_second,
    );
    let a = assess(
        &story.consignment,
        &with(base, &[&earlier]),
        &revoked,
        story.after(),
        &Tolerances::default(),
    );
    expect_none(&a);
    assert!(a.acts.contains(&earlier.id()));
}

#[test]
fn act_signed_outside_the_keys_validity_is_left_out() {
    let story = Story::new();
    let c = clean(&story);
    // Dated at the end of the enrollment (valid until 2028-01-01, exclusive).
    let expired = seal_check(
        &story,
        at("2028-01-01T00:00:00Z"),
        road(),
        SealState::Missing,
        &story.escort_second,
    );
    assert_left_out(
        &story,
        &story.registry(),
        &c.acts,
        &expired,
        at("2028-01-02T00:00:00Z"),
        K::ExpiredKey,
    );

    // An enrollment that ended before the act.
    let short = story.by_authority(ActBody::KeyEnrolled(KeyEnrolled {
        at: at("2026-10-31T09:00:00Z"),
        authority: story.authority_id(),
        key: story.escort_second.id.clone(),
        holder: tamga_core::act::Holder {
            name: text(story.escort_second.name),
            personal_number: Some(text(story.escort_second.personal_number)),
        },
        role: story.escort_second.role,
        unit: story.escort_second.unit_code(),
        valid_from: at("2026-11-01T00:00:00Z"),
        valid_until: story.t(50),
        migrated_from: None,
    }));
    let mut acts: Vec<SignedAct> = story
        .enrolled()
        .iter()
        .filter(|p| p.id != story.escort_second.id)
        .map(|p| story.enrollment(p))
        .collect();
    acts.push(short);
    let (registry, rejected) = Registry::from_acts(story.authority_id(), &acts);
    assert!(rejected.is_empty());
    assert_left_out(
        &story,
        &registry,
        &c.without(&[&c.check]),
        &c.check,
        story.after(),
        K::ExpiredKey,
    );
}

#[test]
fn escort_officer_may_not_register_a_consignment() {
    let story = Story::new();
    let c = clean(&story);
    let mut body = story.registration_body();
    body.officer = story.escort_lead.id.clone();
    body.delivery_deadline = story.t(24 * 60);
    let by_escort = story.sign(ActBody::ConsignmentRegistered(body), &[&story.escort_lead]);
    let a = assert_left_out(
        &story,
        &story.registry(),
        &c.acts,
        &by_escort,
        story.after(),
        K::RoleNotPermitted,
    );
    assert!(!a.has_open(K::ConflictingRegistration));
    assert_eq!(a.state.deadline, Some(story.t(480)));

    // If it is the only registration, the consignment is not registered at all.
    let acts = vec![by_escort.clone(), c.seal.clone(), c.escort.clone()];
    let a = assess_at(&story, &acts, story.t(20));
    expect(
        &a,
        &[
            d(K::RoleNotPermitted, Severity::Critical, "", &[&by_escort]),
            d(
                K::MissingRegistration,
                Severity::Critical,
                "",
                &[&c.seal, &c.escort],
            ),
        ],
    );
    assert_eq!(a.state.status, Status::Unregistered);
    assert_eq!(a.state.registration, None);
}

#[test]
fn handoff_signed_for_a_unit_not_the_officers_own_is_left_out() {
    let story = Story::new();
    let c = clean(&story);
    // The escort officer signs as if for the airport post.
    let h2 = h2_with(&story, &c.h1, |b| b.releasing.unit = unit(AIRPORT_POST));
    let a = assert_left_out(
        &story,
        &story.registry(),
        &c.without(&[&c.h2]),
        &h2,
        story.after(),
        K::RoleNotPermitted,
    );
    assert!(a
        .rejected
        .iter()
        .any(|r| r.act == h2.id() && r.reason.contains("enrolled at")));
    assert_eq!(
        a.state.custodian.as_ref().map(|h| h.unit.clone()),
        Some(unit(ESCORT_UNIT))
    );
}

#[test]
fn conflicting_registrations_are_flagged_and_the_earliest_is_used() {
    let story = Story::new();
    let c = clean(&story);
    let later = registered_with(&story, |r| {
        r.at = story.t(1);
        r.delivery_deadline = story.t(24 * 60);
    });
    let a = assess_at(&story, &with(c.acts.clone(), &[&later]), story.after());
    expect(
        &a,
        &[d(
            K::ConflictingRegistration,
            Severity::Critical,
            "",
            &[&c.reg, &later],
        )],
    );
    assert_eq!(a.state.registration, Some(c.reg.id()));
    assert_eq!(a.state.deadline, Some(story.t(480)));
}

// ---------------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------------

#[test]
fn central_staff_resolve_a_discrepancy() {
    let story = Story::new();
    let c = clean(&story);
    let check = story.seal_checked(60, SealState::Damaged);
    let acts = with(c.departed(), &[&check]);
    let before = assess_at(&story, &acts, story.t(140));
    let target = the(&before, K::SealDamaged).clone();

    let resolved = resolution(&story, &story.central_staff, 130, &target);
    let after = assess_at(&story, &with(acts.clone(), &[&resolved]), story.t(140));
    assert!(after.acts.contains(&resolved.id()));
    assert!(!after.has_open(K::SealDamaged));
    assert_eq!(after.open_discrepancies().count(), 0);
    let d = the(&after, K::SealDamaged);
    assert_eq!(
        d.id, target.id,
        "resolving does not change the discrepancy's id"
    );
    let r = d.resolution.as_ref().expect("resolved");
    assert_eq!(r.act, resolved.id());
    assert_eq!(r.by, story.central_staff.id);
    assert_eq!(r.supervisor.as_ref(), Some(&story.supervisor.id));
    assert_eq!(r.at, story.t(130));
    assert!(r.reason.contains("photos"));
    assert_eq!(
        after.state, before.state,
        "resolution changes no custody state"
    );

    // A post officer may not close it.
    let by_post = resolution(&story, &story.airport_officer, 130, &target);
    let a = assert_left_out(
        &story,
        &story.registry(),
        &acts,
        &by_post,
        story.t(140),
        K::RoleNotPermitted,
    );
    assert!(a.has_open(K::SealDamaged));
    assert!(the(&a, K::SealDamaged).resolution.is_none());
}

#[test]
fn a_missing_registration_can_be_resolved() {
    let story = Story::new();
    let c = clean(&story);
    let acts = vec![c.seal.clone(), c.escort.clone()];
    let before = assess_at(&story, &acts, story.t(20));
    expect(
        &before,
        &[d(
            K::MissingRegistration,
            Severity::Critical,
            "",
            &[&c.seal, &c.escort],
        )],
    );
    let target = the(&before, K::MissingRegistration).clone();
    let resolved = resolution(&story, &story.central_staff, 30, &target);
    let after = assess_at(&story, &with(acts, &[&resolved]), story.t(40));
    let d = the(&after, K::MissingRegistration);
    assert_eq!(d.id, target.id);
    assert_eq!(d.resolution.as_ref().map(|r| r.act), Some(resolved.id()));
    assert_eq!(after.open_discrepancies().count(), 0);
}

// ---------------------------------------------------------------------------------------------
// The handoff flow
// ---------------------------------------------------------------------------------------------

fn first_offer(story: &Story) -> CustodyOffer {
    CustodyOffer::create(
        story.transfer_body(
            30,
            AIRPORT_POST,
            None,
            &story.airport_officer,
            &story.escort_lead,
        ),
        &story.airport_officer.key,
    )
    .expect("a valid offer")
}

fn review(
    story: &Story,
    offer: CustodyOffer,
    known: &[SignedAct],
    count: &Count,
    reviewer: &Person,
    now: Timestamp,
) -> Result<tamga_core::handoff::Review, HandoffError> {
    offer.review(
        &story.registry(),
        known,
        count,
        &reviewer.id,
        now,
        &Tolerances::default(),
    )
}

#[test]
fn handoff_offer_reviewed_and_countersigned() {
    let story = Story::new();
    let c = clean(&story);
    let known = &c.acts[..3];
    let offer = first_offer(&story);
    let wire = offer.encode();
    let decoded = CustodyOffer::decode(&wire).expect("reads back");
    assert_eq!(decoded, offer);
    assert_eq!(decoded.id(), c.h1.id());

    let r = review(
        &story,
        decoded,
        known,
        &story.registered_count(),
        &story.escort_lead,
        story.t(31),
    )
    .expect("accepted");
    assert!(r.new_discrepancies.is_empty());
    assert_eq!(
        r.assessment
            .state
            .custodian
            .as_ref()
            .map(|h| h.unit.clone()),
        Some(unit(ESCORT_UNIT)),
        "the preview shows custody passed"
    );
    let act = r.countersign(&story.escort_lead.key).expect("signed");
    assert_eq!(act, c.h1, "the same act as the story's handoff");
    assert!(story.registry().verify(&act).is_ok());
}

#[test]
fn handoff_offer_addressed_to_someone_else_is_refused() {
    let story = Story::new();
    let c = clean(&story);
    let err = review(
        &story,
        first_offer(&story),
        &c.acts[..3],
        &story.registered_count(),
        &story.escort_second,
        story.t(31),
    )
    .unwrap_err();
    assert_eq!(
        err,
        HandoffError::NotAddressedToYou {
            addressed: story.escort_lead.id.clone(),
            reviewer: story.escort_second.id.clone(),
        }
    );
}

#[test]
fn stale_or_future_offer_is_refused() {
    let story = Story::new();
    let c = clean(&story);
    let known = &c.acts[..3];
    let count = story.registered_count();
    let offered = story.t(30);
    let ok = review(
        &story,
        first_offer(&story),
        known,
        &count,
        &story.escort_lead,
        offered.plus_seconds(OFFER_LIFETIME_SECONDS),
    );
    assert!(ok.is_ok(), "{ok:?}");
    let err = review(
        &story,
        first_offer(&story),
        known,
        &count,
        &story.escort_lead,
        offered.plus_seconds(OFFER_LIFETIME_SECONDS + 1),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            HandoffError::Stale {
                problem: "too old",
                ..
            }
        ),
        "{err:?}"
    );
    let err = review(
        &story,
        first_offer(&story),
        known,
        &count,
        &story.escort_lead,
        story.t(20),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            HandoffError::Stale {
                problem: "in the future",
                ..
            }
        ),
        "{err:?}"
    );
    // A clock a few minutes behind is within the skew.
    assert!(review(
        &story,
        first_offer(&story),
        known,
        &count,
        &story.escort_lead,
        story.t(26)
    )
    .is_ok());
}

#[test]
fn receivers_count_differing_from_the_offer_is_refused() {
    let story = Story::new();
    let c = clean(&story);
    let known = &c.acts[..3];
    let counts = [
        Count {
            packages: 2,
            ..story.registered_count()
        },
        Count {
            gross_mass: kg("0.410"),
            ..story.registered_count()
        },
        Count {
            seals: observed(&story.seal, SealState::Damaged),
            ..story.registered_count()
        },
        Count {
            seals: vec![],
            ..story.registered_count()
        },
    ];
    for count in counts {
        let err = review(
            &story,
            first_offer(&story),
            known,
            &count,
            &story.escort_lead,
            story.t(31),
        )
        .unwrap_err();
        assert!(matches!(err, HandoffError::CountDiffers(_)), "{err:?}");
    }
    // The same mass written in grams is the same count.
    let grams = Count {
        gross_mass: Mass::new("412", MassUnit::G).unwrap(),
        ..story.registered_count()
    };
    assert!(review(
        &story,
        first_offer(&story),
        known,
        &grams,
        &story.escort_lead,
        story.t(31)
    )
    .is_ok());
}

#[test]
fn offer_not_following_the_last_known_handoff_is_refused() {
    let story = Story::new();
    let c = clean(&story);
    let known = c.departed();
    // The escort offers the Department a handoff as if none had happened yet.
    let offer = CustodyOffer::create(
        story.transfer_body(
            105,
            DEPARTMENT,
            None,
            &story.escort_lead,
            &story.department_officer,
        ),
        &story.escort_lead.key,
    )
    .unwrap();
    let err = review(
        &story,
        offer,
        &known,
        &story.registered_count(),
        &story.department_officer,
        story.t(105),
    )
    .unwrap_err();
    assert_eq!(
        err,
        HandoffError::NotCurrent {
            offered: "none".into(),
            known: c.h1.id().short(),
        }
    );

    // The airport post offers what it no longer holds.
    let offer = CustodyOffer::create(
        story.transfer_body(
            105,
            DEPARTMENT,
            Some(c.h1.id()),
            &story.airport_officer,
            &story.department_officer,
        ),
        &story.airport_officer.key,
    )
    .unwrap();
    let err = review(
        &story,
        offer,
        &known,
        &story.registered_count(),
        &story.department_officer,
        story.t(105),
    )
    .unwrap_err();
    assert!(matches!(err, HandoffError::NotTheHolder { .. }), "{err:?}");
}

#[test]
fn offer_for_a_consignment_unknown_to_the_receiver_is_refused() {
    let story = Story::new();
    let err = review(
        &story,
        first_offer(&story),
        &[],
        &story.registered_count(),
        &story.escort_lead,
        story.t(31),
    )
    .unwrap_err();
    assert_eq!(
        err,
        HandoffError::UnknownConsignment(story.consignment.to_string())
    );
}

#[test]
fn offer_with_a_bad_or_unauthorized_signature_is_refused() {
    let story = Story::new();
    let c = clean(&story);
    let known = &c.acts[..3];
    // Packages edited in the offer's wire form after the releasing officer signed it.
    let mut wire: serde_json::Value =
        serde_json::from_slice(&first_offer(&story).encode()).unwrap();
    wire["body"]["packages"] = serde_json::json!(2);
    let edited = CustodyOffer::decode(&serde_jcs::to_vec(&wire).unwrap()).expect("well-formed");
    let count = Count {
        packages: 2,
        ..story.registered_count()
    };
    let err = review(
        &story,
        edited,
        known,
        &count,
        &story.escort_lead,
        story.t(31),
    )
    .unwrap_err();
    assert!(
        matches!(err, HandoffError::Releasing(ActRejection::Signature(_))),
        "{err:?}"
    );

    // Offered to a key nobody enrolled.
    let offer = CustodyOffer::create(
        story.transfer_body(
            30,
            AIRPORT_POST,
            None,
            &story.airport_officer,
            &story.outsider,
        ),
        &story.airport_officer.key,
    )
    .unwrap();
    let err = review(
        &story,
        offer,
        known,
        &story.registered_count(),
        &story.outsider,
        story.t(31),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            HandoffError::Receiving(ActRejection::Authorization(
                AuthorizationError::UnknownKey { .. }
            ))
        ),
        "{err:?}"
    );

    // Released by a key revoked before the offer.
    let revoked = registry_with(
        &story,
        &[story.revocation(&story.airport_officer, story.t(20))],
    );
    let err = first_offer(&story)
        .review(
            &revoked,
            known,
            &story.registered_count(),
            &story.escort_lead.id,
            story.t(31),
            &Tolerances::default(),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            HandoffError::Releasing(ActRejection::Authorization(
                AuthorizationError::RevokedKey { .. }
            ))
        ),
        "{err:?}"
    );
}

#[test]
fn offer_and_countersignature_need_the_named_keys() {
    let story = Story::new();
    let c = clean(&story);
    let err = CustodyOffer::create(
        story.transfer_body(
            30,
            AIRPORT_POST,
            None,
            &story.airport_officer,
            &story.escort_lead,
        ),
        &story.escort_second.key,
    )
    .unwrap_err();
    assert_eq!(
        err,
        HandoffError::WrongKey {
            expected: story.airport_officer.id.clone(),
            given: story.escort_second.id.clone(),
        }
    );

    let r = review(
        &story,
        first_offer(&story),
        &c.acts[..3],
        &story.registered_count(),
        &story.escort_lead,
        story.t(31),
    )
    .unwrap();
    let err = r.clone().countersign(&story.escort_second.key).unwrap_err();
    assert_eq!(
        err,
        HandoffError::WrongKey {
            expected: story.escort_lead.id.clone(),
            given: story.escort_second.id.clone(),
        }
    );
    assert!(r.countersign(&story.escort_lead.key).is_ok());
}

#[test]
fn review_shows_a_new_discrepancy_before_countersigning() {
    let story = Story::new();
    let c = clean(&story);
    let known = c.acts[..3].to_vec();
    // Both sides count two packages, but one was registered.
    let mut body = story.transfer_body(
        30,
        AIRPORT_POST,
        None,
        &story.airport_officer,
        &story.escort_lead,
    );
    body.packages = 2;
    let offer = CustodyOffer::create(body, &story.airport_officer.key).unwrap();
    let offer_id = offer.id();
    let count = Count {
        packages: 2,
        ..story.registered_count()
    };
    let r = review(
        &story,
        offer,
        &known,
        &count,
        &story.escort_lead,
        story.t(31),
    )
    .expect("reviewable");
    assert_eq!(r.new_discrepancies.len(), 1, "{:#?}", r.new_discrepancies);
    let found = &r.new_discrepancies[0];
    assert_eq!(found.kind, K::PackageCountMismatch);
    assert_eq!(found.severity, Severity::Critical);
    let mut proof = vec![c.reg.id(), offer_id];
    proof.sort();
    assert_eq!(found.acts, proof);

    // Signed anyway, the complete act raises the very same discrepancy.
    let found = found.clone();
    let act = r.countersign(&story.escort_lead.key).unwrap();
    assert_eq!(act.id(), offer_id);
    let a = assess_at(&story, &with(known, &[&act]), story.t(40));
    assert_eq!(the(&a, K::PackageCountMismatch).id, found.id);
}

#[test]
fn review_lists_only_what_the_handoff_adds() {
    let story = Story::new();
    let c = clean(&story);
    // The receiver already knows of a forged act: that discrepancy is not new.
    let forged = seal_check(
        &story,
        story.t(20),
        post(AIRPORT_POST),
        SealState::Missing,
        &story.outsider,
    );
    let known = with(c.acts[..3].to_vec(), &[&forged]);
    let r = review(
        &story,
        first_offer(&story),
        &known,
        &story.registered_count(),
        &story.escort_lead,
        story.t(31),
    )
    .unwrap();
    assert!(r.new_discrepancies.is_empty(), "{:#?}", r.new_discrepancies);
    assert!(r.assessment.has_open(K::UnknownKey));
}

#[test]
fn goods_that_reached_the_destination_in_time_are_not_overdue_when_delivered_later() {
    let story = Story::new();
    let c = clean(&story);
    // Arrived 10 minutes before the deadline (t 480), delivered 20 minutes after it.
    let arrival = story.arrival(470, 475);
    let h2 = h2_with(&story, &c.h1, |b| b.at = story.t(490));
    let delivered = story.delivered(500);
    let acts = with(c.acts[..6].to_vec(), &[&arrival, &h2, &delivered]);
    expect_none(&assess_at(&story, &acts, story.t(520)));
    // Without the arrival notice the delivery time is all there is: late, and not notified.
    let acts = with(c.acts[..6].to_vec(), &[&h2, &delivered]);
    let a = assess_at(&story, &acts, story.t(520));
    assert!(
        a.has_open(K::Overdue) && a.has_open(K::ArrivalNotNotified),
        "{a:#?}"
    );
}

#[test]
fn a_seal_recorded_missing_is_not_asked_for_again_at_every_handoff() {
    let story = Story::new();
    let c = clean(&story);
    let gone = story.seal_checked(60, SealState::Missing);
    // The next handoff and the delivery no longer list the seal.
    let h2 = h2_with(&story, &c.h1, |b| b.seals.clear());
    let delivered = story.sign(
        ActBody::ConsignmentDelivered(ConsignmentDelivered {
            seals: vec![],
            ..match c.delivered.body() {
                ActBody::ConsignmentDelivered(d) => d.clone(),
                _ => unreachable!(),
            }
        }),
        &[&story.department_officer],
    );
    let acts = with(c.departed(), &[&gone, &c.arrival, &h2, &delivered]);
    let a = assess_at(&story, &acts, story.after());
    let missing: Vec<_> = a
        .discrepancies
        .iter()
        .filter(|d| d.kind == K::SealMissing && d.subject == story.seal.as_str())
        .collect();
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert!(missing[0].acts.contains(&gone.id()));
}
