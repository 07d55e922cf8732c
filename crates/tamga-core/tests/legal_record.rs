//! Scenario tests for the legal record's second round (DOMAIN.md: Customs Code arts. 36, 38,
//! 39, 134-140, 202; Order 79's record-keeping): corrections, the escort crew, incidents and
//! their follow-up, deadline extensions, transhipment, delivery outcomes, documents and
//! tolerances by kind of goods. Each starts from the reference story, changes one thing, and
//! checks the exact discrepancies and the derived state, the passing case beside the failing
//! one.

use tamga_core::act::*;
use tamga_core::assessment::seals::SealStatus;
use tamga_core::assessment::{
    assess, Assessment, DiscrepancyKind as K, Outcome, Severity, Status, Tolerances,
};
use tamga_core::codes::{HsCode, Role, SealNumber};
use tamga_core::fixtures::legal::roadside;
use tamga_core::fixtures::{text, unit, Person, Story, AIRPORT_POST, DEPARTMENT, OTHER_POST};
use tamga_core::quantity::{Mass, MassUnit, Quantity, QuantityUnit};
use tamga_core::registry::Registry;
use tamga_core::{ActId, SignedAct};

fn judged(story: &Story, registry: &Registry, acts: &[SignedAct], minutes: i64) -> Assessment {
    assess(
        &story.consignment,
        acts,
        registry,
        story.t(minutes),
        &Tolerances::default(),
    )
}

/// The discrepancies as (kind, severity, sorted proof).
fn found(a: &Assessment) -> Vec<(K, Severity, Vec<ActId>)> {
    let mut all: Vec<_> = a
        .discrepancies
        .iter()
        .map(|d| (d.kind, d.severity, d.acts.clone()))
        .collect();
    all.sort();
    all
}

fn proof(acts: &[&SignedAct]) -> Vec<ActId> {
    let mut ids: Vec<ActId> = acts.iter().map(|a| a.id()).collect();
    ids.sort();
    ids.dedup();
    ids
}

fn only(a: &Assessment, expected: &[(K, Severity, &[&SignedAct])]) {
    let mut want: Vec<_> = expected
        .iter()
        .map(|(k, s, p)| (*k, *s, proof(p)))
        .collect();
    want.sort();
    assert_eq!(found(a), want, "found: {:#?}", a.discrepancies);
}

fn none(a: &Assessment) {
    only(a, &[]);
    assert!(a.rejected.is_empty(), "{:?}", a.rejected);
}

fn not_permitted(a: &Assessment, act: &SignedAct) -> bool {
    !a.acts.contains(&act.id())
        && a.discrepancies
            .iter()
            .any(|d| d.kind == K::NotPermitted && d.acts == [act.id()])
}

fn left_out(a: &Assessment, act: &SignedAct) -> bool {
    !a.acts.contains(&act.id()) && a.rejected.iter().any(|r| r.act == act.id())
}

/// The story's acts with the act at `index` replaced.
fn replacing(acts: &[SignedAct], index: usize, new: SignedAct) -> Vec<SignedAct> {
    let mut acts = acts.to_vec();
    acts[index] = new;
    acts
}

/// The story, the handoff to the escort built on the acts before it.
fn departed(story: &Story, seal: SignedAct) -> Vec<SignedAct> {
    let mut acts = vec![story.registration(), seal, story.escort_assigned()];
    let h1 = story.handoff_to_escort(&acts);
    acts.push(h1);
    acts
}

/// The rest of the story after the escort handoff `h1`: arrival, handoff at the Department,
/// delivery.
fn arrive(story: &Story, h1: &SignedAct, from: &Person) -> Vec<SignedAct> {
    vec![
        story.arrival(95, 100),
        story.transfer(
            story.transfer_body(
                105,
                DEPARTMENT,
                Some(h1.id()),
                from,
                &story.department_officer,
            ),
            from,
            &story.department_officer,
        ),
        story.delivered(110),
    ]
}

// ---------------------------------------------------------------------------------------------
// Corrections
// ---------------------------------------------------------------------------------------------

#[test]
fn a_mistyped_seal_number_corrected_before_the_handoff_leaves_nothing_to_flag() {
    let story = Story::new();
    let registry = story.registry();
    let mistyped = story.seal_applied_mistyped();
    // Without a correction: the seal the handoff lists was never applied, and the one applied
    // is missing.
    let mut acts = vec![
        story.registration(),
        mistyped.clone(),
        story.escort_assigned(),
    ];
    let h1 = story.transfer(
        story.transfer_body(
            30,
            AIRPORT_POST,
            None,
            &story.airport_officer,
            &story.escort_lead,
        ),
        &story.airport_officer,
        &story.escort_lead,
    );
    acts.push(h1.clone());
    let a = judged(&story, &registry, &acts, 40);
    let kinds: Vec<K> = a.discrepancies.iter().map(|d| d.kind).collect();
    assert!(
        kinds.contains(&K::SealNotApplied) && kinds.contains(&K::SealMissing),
        "{kinds:?}"
    );

    // The airport officer corrects the number before handing over.
    let fix = story.correction(
        20,
        &story.airport_officer,
        &mistyped,
        Correction::SealApplied(SealFields {
            seal: Some(story.seal.clone()),
            ..SealFields::default()
        }),
        None,
    );
    acts.push(fix.clone());
    let a = judged(&story, &registry, &acts, 40);
    none(&a);
    assert_eq!(a.state.corrections[&mistyped.id()], vec![fix.id()]);
    assert_eq!(a.state.seals[&story.seal].applied, Some(mistyped.id()));
    assert!(!a
        .state
        .seals
        .contains_key(&SealNumber::new("KG-0042173").unwrap()));
    // The original stays as signed, among the acts that hold.
    assert!(a.acts.contains(&mistyped.id()) && a.acts.contains(&fix.id()));
}

#[test]
fn a_correction_after_the_first_handoff_needs_a_permit_from_the_office_of_departure() {
    let story = Story::new();
    let registry = story.registry();
    let mut acts = departed(&story, story.seal_applied());
    let escort = acts[2].clone();
    let changes = Correction::EscortAssigned(EscortFields {
        vehicle: Some(text("01 KG 771 ABC")),
    });
    let unpermitted = story.correction(40, &story.airport_officer, &escort, changes.clone(), None);
    let a = judged(&story, &registry, &with(&acts, &[&unpermitted]), 50);
    assert!(not_permitted(&a, &unpermitted), "{:#?}", a.discrepancies);
    assert_eq!(a.state.escort.as_ref().unwrap().vehicle, "01 KG 777 ABC");

    // A permit from the Department (not the office of departure) does not do.
    let foreign_permit = story.permission(
        38,
        &story.department_officer,
        Permit::Correction { act: escort.id() },
    );
    let with_foreign = story.correction(
        40,
        &story.airport_officer,
        &escort,
        changes.clone(),
        Some(foreign_permit.id()),
    );
    let a = judged(
        &story,
        &registry,
        &with(&acts, &[&foreign_permit, &with_foreign]),
        50,
    );
    assert!(not_permitted(&a, &foreign_permit), "{:#?}", a.discrepancies);
    assert!(not_permitted(&a, &with_foreign));

    // The airport post's permit for this act does; so does central staff's.
    for granter in [&story.airport_officer, &story.central_staff] {
        let permit = story.permission(38, granter, Permit::Correction { act: escort.id() });
        let fix = story.correction(
            40,
            &story.airport_officer,
            &escort,
            changes.clone(),
            Some(permit.id()),
        );
        let a = judged(&story, &registry, &with(&acts, &[&permit, &fix]), 50);
        none(&a);
        assert_eq!(a.state.escort.as_ref().unwrap().vehicle, "01 KG 771 ABC");
    }
    // A permit for another act does not.
    let other = story.permission(
        38,
        &story.airport_officer,
        Permit::Correction { act: acts[0].id() },
    );
    let fix = story.correction(
        40,
        &story.airport_officer,
        &escort,
        changes,
        Some(other.id()),
    );
    acts.extend([other, fix.clone()]);
    assert!(not_permitted(&judged(&story, &registry, &acts, 50), &fix));
}

#[test]
fn only_the_unit_that_signed_an_act_corrects_it_and_only_with_changes_of_its_kind() {
    let story = Story::new();
    let registry = story.registry();
    let reg = story.registration();
    let mut goods = story.registration_body().goods;
    goods[0].net_mass = Mass::new("1250.53", MassUnit::Ct).unwrap();
    goods[0].quantity = Quantity {
        value: "1250.53".parse().unwrap(),
        unit: QuantityUnit::Ct,
    };
    // The certificate states the carats too: corrected with the goods line.
    let mut certificates = story.registration_body().certificates;
    certificates[0].kp.as_mut().unwrap().carats = "1250.53".parse().unwrap();
    let changes = Correction::ConsignmentRegistered(RegistrationFields {
        goods: Some(goods.clone()),
        certificates: Some(certificates),
        ..RegistrationFields::default()
    });
    // The Department's officer may not correct the airport's registration.
    let foreign = story.correction(5, &story.department_officer, &reg, changes.clone(), None);
    let a = judged(&story, &registry, &[reg.clone(), foreign.clone()], 10);
    assert!(not_permitted(&a, &foreign));
    // Changes for a seal do not fit a registration.
    let wrong_kind = story.correction(
        5,
        &story.airport_officer,
        &reg,
        Correction::SealApplied(SealFields {
            fixed_on: Some(text("box")),
            ..SealFields::default()
        }),
        None,
    );
    let a = judged(&story, &registry, &[reg.clone(), wrong_kind.clone()], 10);
    assert!(not_permitted(&a, &wrong_kind));
    // A correction dated before the act it corrects corrects nothing.
    let early = story.correction(-5, &story.airport_officer, &reg, changes.clone(), None);
    let a = judged(&story, &registry, &[reg.clone(), early.clone()], 10);
    assert!(not_permitted(&a, &early));
    // The airport's officer may: the registration in force reads the corrected goods, the
    // registration act keeps its id, and no second registration conflicts.
    let fix = story.correction(5, &story.airport_officer, &reg, changes, None);
    let a = judged(&story, &registry, &[reg.clone(), fix.clone()], 10);
    none(&a);
    assert_eq!(a.state.registration, Some(reg.id()));
    assert_eq!(a.registration_body.unwrap().goods, goods);
}

// ---------------------------------------------------------------------------------------------
// The escort crew
// ---------------------------------------------------------------------------------------------

#[test]
fn a_handoff_to_an_escort_officer_outside_the_assigned_crew_is_critical() {
    let story = Story::new();
    let registry = story.registry_with_relief();
    let relief = Story::relief_officer();
    let mut acts = vec![
        story.registration(),
        story.seal_applied(),
        story.escort_assigned(),
    ];
    let to_relief = story.transfer(
        story.transfer_body(30, AIRPORT_POST, None, &story.airport_officer, &relief),
        &story.airport_officer,
        &relief,
    );
    acts.push(to_relief.clone());
    let a = judged(&story, &registry, &acts, 40);
    only(
        &a,
        &[(K::NotInCrew, Severity::Critical, &[&acts[2], &to_relief])],
    );
    // The escort's own officer of the crew: nothing.
    let a = judged(
        &story,
        &registry,
        &departed(&story, story.seal_applied()),
        40,
    );
    none(&a);
}

#[test]
fn a_crew_change_ordered_by_a_post_puts_the_relief_officer_in_charge() {
    let story = Story::new();
    let registry = story.registry_with_relief();
    let relief = Story::relief_officer();
    let acts = departed(&story, story.seal_applied());
    let h1 = acts[3].clone();
    let change = story.crew_change(50);
    let mut all = with(&acts, &[&change]);
    all.extend(arrive(&story, &h1, &relief));
    // The relief officer releases custody the lead took: the crew is the unit's, so custody
    // follows the unit; the relief officer is in the crew in force.
    let a = judged(&story, &registry, &all, 120);
    none(&a);
    let escort = a.state.escort.clone().unwrap();
    assert_eq!(escort.officer_in_charge, relief.id);
    assert_eq!(escort.changes, vec![change.id()]);
    assert_eq!(escort.act, acts[2].id());

    // The lead, no longer in the crew, may not release it.
    let mut late_lead = with(&acts, &[&change]);
    late_lead.extend(arrive(&story, &h1, &story.escort_lead));
    let a = judged(&story, &registry, &late_lead, 120);
    let not_in_crew: Vec<_> = a
        .discrepancies
        .iter()
        .filter(|d| d.kind == K::NotInCrew)
        .collect();
    assert_eq!(not_in_crew.len(), 1, "{:#?}", a.discrepancies);
    assert!(not_in_crew[0].acts.contains(&change.id()));

    // An escort officer may not change their own crew (the role does not allow it).
    let ActBody::EscortChanged(mut body) = change.body().clone() else {
        unreachable!()
    };
    body.officer = story.escort_lead.id.clone();
    body.place = roadside();
    let by_crew = story.sign(ActBody::EscortChanged(body), &[&story.escort_lead]);
    let a = judged(&story, &registry, &with(&acts, &[&by_crew]), 60);
    assert!(left_out(&a, &by_crew));
    assert_eq!(
        a.state.escort.unwrap().officer_in_charge,
        story.escort_lead.id
    );
    // Nor may a post with no part in the consignment.
    let stranger = Person::new("Erlan Tokmok", "KG-0999", Role::PostOfficer, OTHER_POST);
    let mut registry = registry;
    registry.apply(&story.enrollment(&stranger)).unwrap();
    let ActBody::EscortChanged(mut body) = change.body().clone() else {
        unreachable!()
    };
    body.officer = stranger.id.clone();
    body.place = Place::Post {
        unit: unit(OTHER_POST),
    };
    let by_stranger = story.sign(ActBody::EscortChanged(body), &[&stranger]);
    let a = judged(&story, &registry, &with(&acts, &[&by_stranger]), 60);
    assert!(not_permitted(&a, &by_stranger));
}

// ---------------------------------------------------------------------------------------------
// Incidents, follow-up and the deadline
// ---------------------------------------------------------------------------------------------

#[test]
fn an_accident_stays_open_until_a_customs_body_follows_it_up() {
    let story = Story::new();
    let mut registry = story.registry();
    let nearest = Person::new("Erlan Tokmok", "KG-0999", Role::PostOfficer, OTHER_POST);
    registry.apply(&story.enrollment(&nearest)).unwrap();
    let acts = departed(&story, story.seal_applied());
    let accident = story.incident(50, IncidentKind::Accident);
    let a = judged(&story, &registry, &with(&acts, &[&accident]), 60);
    only(&a, &[(K::IncidentOpen, Severity::Major, &[&accident])]);
    assert_eq!(a.state.open_incidents, vec![accident.id()]);

    // A loss is critical.
    let loss = story.incident(50, IncidentKind::LossOrShortage);
    let a = judged(&story, &registry, &with(&acts, &[&loss]), 60);
    only(&a, &[(K::IncidentOpen, Severity::Critical, &[&loss])]);

    // The goods brought to the nearest customs body (a post off the route), recorded there by
    // its officer: followed up.
    let brought = story.follow_up(
        80,
        &nearest,
        Place::Post {
            unit: unit(OTHER_POST),
        },
        &accident,
        FollowUp::BroughtToCustoms,
    );
    let a = judged(&story, &registry, &with(&acts, &[&accident, &brought]), 90);
    // Off the route, for a reason on record: minor.
    only(
        &a,
        &[(
            K::OffRoute,
            Severity::Minor,
            &[&acts[0], &brought, &accident],
        )],
    );
    assert!(a.state.open_incidents.is_empty());
    // Recorded by the crew itself: the role may not.
    let by_crew = story.follow_up(
        80,
        &story.escort_lead,
        roadside(),
        &accident,
        FollowUp::Closed,
    );
    let a = judged(&story, &registry, &with(&acts, &[&accident, &by_crew]), 90);
    assert!(left_out(&a, &by_crew));
    assert_eq!(a.state.open_incidents, vec![accident.id()]);
    // "Brought to customs" recorded somewhere else than at the post: not permitted.
    let elsewhere = story.follow_up(
        80,
        &nearest,
        roadside(),
        &accident,
        FollowUp::BroughtToCustoms,
    );
    let a = judged(
        &story,
        &registry,
        &with(&acts, &[&accident, &elsewhere]),
        90,
    );
    assert!(not_permitted(&a, &elsewhere));
    // Following up something that is not an incident: not permitted.
    let nonsense = story.follow_up(
        80,
        &story.central_staff,
        roadside(),
        &acts[3],
        FollowUp::Closed,
    );
    let a = judged(&story, &registry, &with(&acts, &[&nonsense]), 90);
    assert!(not_permitted(&a, &nonsense));
    // Central staff close it.
    let closed = story.follow_up(
        80,
        &story.central_staff,
        roadside(),
        &accident,
        FollowUp::Closed,
    );
    none(&judged(
        &story,
        &registry,
        &with(&acts, &[&accident, &closed]),
        90,
    ));
}

#[test]
fn an_incident_reported_long_after_it_happened_is_late() {
    let story = Story::new();
    let registry = story.registry();
    let acts = departed(&story, story.seal_applied());
    let ActBody::IncidentReported(mut body) =
        story.incident(470, IncidentKind::Delay).body().clone()
    else {
        unreachable!()
    };
    // Seven hours and ten minutes later: more than the six-hour window.
    body.happened_at = Some(story.t(40));
    let late = story.sign(
        ActBody::IncidentReported(body.clone()),
        &[&story.escort_lead],
    );
    let a = judged(&story, &registry, &with(&acts, &[&late]), 475);
    only(&a, &[(K::IncidentReportedLate, Severity::Major, &[&late])]);
    body.happened_at = Some(story.t(460));
    let prompt = story.sign(ActBody::IncidentReported(body), &[&story.escort_lead]);
    none(&judged(&story, &registry, &with(&acts, &[&prompt]), 475));
}

#[test]
fn the_office_of_departure_extends_the_deadline_after_an_incident() {
    let story = Story::new();
    let registry = story.registry();
    let acts = departed(&story, story.seal_applied());
    let accident = story.incident(50, IncidentKind::Accident);
    let attended = story.follow_up(
        70,
        &story.airport_officer,
        Place::Post {
            unit: unit(AIRPORT_POST),
        },
        &accident,
        FollowUp::OfficialsAttended,
    );
    let base = with(&acts, &[&accident, &attended]);
    // Ten hours after the start, two past the deadline: overdue.
    let a = judged(&story, &registry, &base, 600);
    assert!(a.state.overdue);
    // Extended to twelve hours: not overdue, the deadline in force is the extension's.
    let extension = story.extension(90, &accident, 12 * 60);
    let a = judged(&story, &registry, &with(&base, &[&extension]), 600);
    none(&a);
    assert!(!a.state.overdue);
    assert_eq!(a.state.deadline, Some(story.t(12 * 60)));
    assert_eq!(a.state.deadline_extension, Some(extension.id()));
    // Past the extended deadline, the overdue finding names the extension.
    let a = judged(&story, &registry, &with(&base, &[&extension]), 13 * 60);
    let overdue = a
        .discrepancies
        .iter()
        .find(|d| d.kind == K::Overdue)
        .unwrap();
    assert!(overdue.acts.contains(&extension.id()));

    // By the Department: not permitted. Naming no incident: not permitted. Shortening: not
    // permitted.
    let ActBody::DeadlineExtended(mut body) = extension.body().clone() else {
        unreachable!()
    };
    body.officer = story.department_officer.id.clone();
    let by_destination = story.sign(
        ActBody::DeadlineExtended(body.clone()),
        &[&story.department_officer],
    );
    body.officer = story.airport_officer.id.clone();
    body.incident = acts[3].id();
    let no_incident = story.sign(
        ActBody::DeadlineExtended(body.clone()),
        &[&story.airport_officer],
    );
    body.incident = accident.id();
    body.delivery_deadline = story.t(7 * 60);
    let shorter = story.sign(ActBody::DeadlineExtended(body), &[&story.airport_officer]);
    for bad in [&by_destination, &no_incident, &shorter] {
        let a = judged(&story, &registry, &with(&base, &[bad]), 600);
        assert!(not_permitted(&a, bad), "{:#?}", a.discrepancies);
        assert!(a.state.overdue);
    }
}

// ---------------------------------------------------------------------------------------------
// Transhipment
// ---------------------------------------------------------------------------------------------

#[test]
fn a_transhipment_under_permit_moves_custody_vehicle_and_seals() {
    let story = Story::new();
    let registry = story.registry_with_relief();
    let relief = Story::relief_officer();
    let acts = departed(&story, story.seal_applied());
    let h1 = acts[3].clone();
    let accident = story.incident(50, IncidentKind::Accident);
    let attended = story.follow_up(
        60,
        &story.central_staff,
        roadside(),
        &accident,
        FollowUp::OfficialsAttended,
    );
    let change = story.crew_change(62);
    let permit = story.permission(
        63,
        &story.airport_officer,
        Permit::Transhipment {
            incident: Some(accident.id()),
        },
    );
    let moved = story.transhipment(70, h1.id(), permit.id());
    let new_seal = SealNumber::new("KG-0042200").unwrap();
    let mut at_destination = story.transfer_body(
        105,
        DEPARTMENT,
        Some(moved.id()),
        &relief,
        &story.department_officer,
    );
    at_destination.seals = vec![SealObservation {
        seal: new_seal.clone(),
        state: SealState::Intact,
    }];
    let h2 = story.transfer(at_destination, &relief, &story.department_officer);
    let delivered = story.delivered_with(110, |d| {
        d.seals = vec![SealObservation {
            seal: new_seal.clone(),
            state: SealState::Intact,
        }]
    });
    let all = with(
        &acts,
        &[
            &accident,
            &attended,
            &change,
            &permit,
            &moved,
            &story.arrival(95, 100),
            &h2,
            &delivered,
        ],
    );
    let a = judged(&story, &registry, &all, 120);
    none(&a);
    assert_eq!(a.state.status, Status::Delivered);
    assert_eq!(a.state.custody_chain, vec![h1.id(), moved.id(), h2.id()]);
    assert_eq!(a.state.seals[&story.seal].status, SealStatus::Replaced);
    assert_eq!(a.state.seals[&new_seal].status, SealStatus::Active);
    assert_eq!(a.state.seals[&new_seal].applied, Some(moved.id()));
    let escort = a.state.escort.unwrap();
    assert_eq!(escort.vehicle, "01 KG 778 ABD");
    assert_eq!(escort.changes, vec![change.id(), moved.id()]);

    // Without a permit (naming the accident instead): critical.
    let unpermitted = story.transhipment(70, h1.id(), accident.id());
    let a = judged(
        &story,
        &registry,
        &with(&acts, &[&accident, &attended, &change, &unpermitted]),
        80,
    );
    only(
        &a,
        &[(
            K::TranshipmentWithoutPermission,
            Severity::Critical,
            &[&unpermitted, &accident],
        )],
    );
}

// ---------------------------------------------------------------------------------------------
// How transit ends
// ---------------------------------------------------------------------------------------------

#[test]
fn a_partial_delivery_counts_the_shortage_and_is_critical() {
    let story = Story::new();
    let registry = story.registry();
    let acts = story.clean_delivery();
    let short = story.delivered_with(110, |d| {
        d.net_mass = Some(Mass::new("1237.85", MassUnit::Ct).unwrap());
        d.shortage = Some(Shortage {
            packages: 0,
            net_mass: Mass::new("12.50", MassUnit::Ct).unwrap(),
            description: text("three stones missing from the safe-bag"),
        });
    });
    let a = judged(&story, &registry, &replacing(&acts, 8, short.clone()), 120);
    only(
        &a,
        &[(K::Shortage, Severity::Critical, &[&acts[0], &short])],
    );
    assert_eq!(a.state.status, Status::Delivered);
    assert!(matches!(
        a.state.outcome,
        Some(Outcome::DeliveredShort { packages: 0, .. })
    ));
    // In full, re-weighed: nothing.
    let full = story.delivered_with(110, |d| {
        d.net_mass = Some(Mass::new("1250.35", MassUnit::Ct).unwrap())
    });
    let a = judged(&story, &registry, &replacing(&acts, 8, full.clone()), 120);
    none(&a);
    assert_eq!(a.state.outcome, Some(Outcome::Delivered { act: full.id() }));
}

#[test]
fn net_mass_of_diamonds_is_judged_to_the_hundredth_of_a_carat() {
    let story = Story::new();
    let registry = story.registry();
    let acts = story.clean_delivery();
    let reweighed = |value: &str, unit: MassUnit| {
        story.delivered_with(110, |d| d.net_mass = Some(Mass::new(value, unit).unwrap()))
    };
    // One step of the scale: fine.
    none(&judged(
        &story,
        &registry,
        &replacing(&acts, 8, reweighed("1250.34", MassUnit::Ct)),
        120,
    ));
    // Two steps: critical.
    let light = reweighed("1250.33", MassUnit::Ct);
    let a = judged(&story, &registry, &replacing(&acts, 8, light.clone()), 120);
    only(
        &a,
        &[(K::NetMassMismatch, Severity::Critical, &[&acts[0], &light])],
    );
    // Weighed in grams: the wrong unit for stones (the mass itself agrees: 250.07 g).
    let grams = reweighed("250.07", MassUnit::G);
    let a = judged(&story, &registry, &replacing(&acts, 8, grams.clone()), 120);
    only(&a, &[(K::GoodsUnitMismatch, Severity::Major, &[&grams])]);
}

#[test]
fn metals_registered_in_carats_are_a_unit_mismatch() {
    let story = Story::new();
    let registry = story.registry();
    let mut body = story.registration_body();
    body.goods[0].hs_code = HsCode::new("7108120000").unwrap();
    body.certificates.clear();
    let in_carats = story.sign(
        ActBody::ConsignmentRegistered(body.clone()),
        &[&story.airport_officer],
    );
    let a = judged(&story, &registry, std::slice::from_ref(&in_carats), 5);
    only(
        &a,
        &[(K::GoodsUnitMismatch, Severity::Major, &[&in_carats])],
    );
    body.goods[0].net_mass = Mass::new("250.07", MassUnit::G).unwrap();
    body.goods[0].quantity = Quantity {
        value: "250.07".parse().unwrap(),
        unit: QuantityUnit::G,
    };
    let in_grams = story.sign(
        ActBody::ConsignmentRegistered(body),
        &[&story.airport_officer],
    );
    none(&judged(&story, &registry, &[in_grams], 5));
}

#[test]
fn a_refusal_sends_the_goods_back_and_the_return_ends_transit() {
    let story = Story::new();
    let registry = story.registry();
    let clean = story.clean_delivery();
    let mut acts: Vec<SignedAct> = clean[..8].to_vec();
    let refusal = story.refusal(110);
    acts.push(refusal.clone());
    let a = judged(&story, &registry, &acts, 115);
    only(&a, &[(K::DeliveryRefused, Severity::Major, &[&refusal])]);
    assert_eq!(a.state.status, Status::Refused);
    // No delivery after a refusal.
    let delivered = story.delivered(112);
    let a = judged(&story, &registry, &with(&acts, &[&delivered]), 115);
    assert!(not_permitted(&a, &delivered));
    assert_eq!(a.state.status, Status::Refused);
    // Back: the Department to the escort, the escort to the airport post, and the return.
    let h2 = clean[7].clone();
    let [back, home] = story.way_back(h2.id());
    let returned = story.returned(210, None);
    let all = with(&acts, &[&back, &home, &returned]);
    // Long after the deadline: a returned consignment is not overdue.
    let a = judged(&story, &registry, &all, 24 * 60);
    only(&a, &[(K::DeliveryRefused, Severity::Major, &[&refusal])]);
    assert_eq!(a.state.status, Status::Returned);
    assert_eq!(
        a.state.outcome,
        Some(Outcome::Returned { act: returned.id() })
    );
    assert!(!a.state.overdue);
    // Returned while custody is still with the escort: a gap.
    let a = judged(
        &story,
        &registry,
        &with(&acts, &[&back, &returned]),
        24 * 60,
    );
    assert!(a
        .discrepancies
        .iter()
        .any(|d| d.kind == K::CustodyGap && d.acts.contains(&returned.id())));
}

#[test]
fn a_return_needs_a_refusal_or_a_return_permit() {
    let story = Story::new();
    let registry = story.registry();
    let acts = departed(&story, story.seal_applied());
    let h1 = acts[3].clone();
    let home = story.transfer(
        story.transfer_body(
            90,
            AIRPORT_POST,
            Some(h1.id()),
            &story.escort_lead,
            &story.airport_officer,
        ),
        &story.escort_lead,
        &story.airport_officer,
    );
    let unpermitted = story.returned(100, None);
    let a = judged(&story, &registry, &with(&acts, &[&home, &unpermitted]), 110);
    assert!(not_permitted(&a, &unpermitted));
    let permit = story.permission(80, &story.central_staff, Permit::Return {});
    let returned = story.returned(100, Some(permit.id()));
    let a = judged(
        &story,
        &registry,
        &with(&acts, &[&home, &permit, &returned]),
        110,
    );
    none(&a);
    assert_eq!(a.state.status, Status::Returned);
}

#[test]
fn registered_documents_are_checked_at_delivery() {
    let story = Story::new();
    let registry = story.registry();
    let mut body = story.registration_body();
    body.carrier = Some(Trader {
        name: text("Asia Secure Logistics LLC"),
        country: tamga_core::codes::CountryCode::new("KG").unwrap(),
        registration: Some(text("INN 02208201910183")),
    });
    body.documents = vec![
        AccompanyingDocument {
            kind: DocumentKind::KimberleyProcessCertificate,
            number: text("BE 0417733"),
        },
        AccompanyingDocument {
            kind: DocumentKind::TransportDocument,
            number: text("AWB 176-44120021"),
        },
    ];
    let reg = story.sign(
        ActBody::ConsignmentRegistered(body),
        &[&story.airport_officer],
    );
    let clean = story.clean_delivery();
    let acts = replacing(&clean, 0, reg.clone());
    let checked = |found: Vec<(&str, bool)>| {
        story.delivered_with(110, |d| {
            d.documents = found
                .into_iter()
                .map(|(n, present)| DocumentCheck {
                    number: text(n),
                    present,
                })
                .collect()
        })
    };
    let all_there = checked(vec![("BE 0417733", true), ("AWB 176-44120021", true)]);
    let a = judged(&story, &registry, &replacing(&acts, 8, all_there), 120);
    none(&a);
    assert_eq!(
        a.registration_body.unwrap().carrier.unwrap().name.as_str(),
        "Asia Secure Logistics LLC"
    );
    let one_missing = checked(vec![("BE 0417733", true), ("AWB 176-44120021", false)]);
    let a = judged(
        &story,
        &registry,
        &replacing(&acts, 8, one_missing.clone()),
        120,
    );
    only(
        &a,
        &[(K::DocumentMissing, Severity::Major, &[&reg, &one_missing])],
    );
    assert_eq!(a.discrepancies[0].subject, "AWB 176-44120021");
    // None checked at all: minor, once.
    let a = judged(&story, &registry, &acts, 120);
    only(
        &a,
        &[(K::DocumentMissing, Severity::Minor, &[&reg, &acts[8]])],
    );
}

// ---------------------------------------------------------------------------------------------
// Seal removal grounds
// ---------------------------------------------------------------------------------------------

#[test]
fn a_removal_permit_covers_only_its_seals_and_its_time() {
    let story = Story::new();
    let registry = story.registry();
    let acts = departed(&story, story.seal_applied());
    let removal = |minutes: i64, permission: ActId| {
        story.sign(
            ActBody::SealRemoved(SealRemoved {
                consignment: story.consignment.clone(),
                at: story.t(minutes),
                officer: story.escort_second.id.clone(),
                place: roadside(),
                seal: story.seal.clone(),
                state: SealState::Intact,
                grounds: SealGrounds {
                    basis: SealBasis::Permission,
                    reference: None,
                    permission: Some(permission),
                },
            }),
            &[&story.escort_second],
        )
    };
    let for_this_seal = story.permission(
        40,
        &story.airport_officer,
        Permit::SealRemoval {
            seals: vec![story.seal.clone()],
        },
    );
    let ok = removal(50, for_this_seal.id());
    none(&judged(
        &story,
        &registry,
        &with(&acts, &[&for_this_seal, &ok]),
        60,
    ));
    // After the permit lapsed (12 hours).
    let lapsed = removal(40 + 13 * 60, for_this_seal.id());
    let a = judged(
        &story,
        &registry,
        &with(&acts, &[&for_this_seal, &lapsed]),
        14 * 60,
    );
    assert!(a
        .discrepancies
        .iter()
        .any(|d| d.kind == K::SealRemovedWithoutGrounds));
    // A permit for another seal.
    let other = story.permission(
        40,
        &story.airport_officer,
        Permit::SealRemoval {
            seals: vec![SealNumber::new("KG-0000001").unwrap()],
        },
    );
    let wrong = removal(50, other.id());
    let a = judged(&story, &registry, &with(&acts, &[&other, &wrong]), 60);
    only(
        &a,
        &[(
            K::SealRemovedWithoutGrounds,
            Severity::Critical,
            &[&wrong, &other],
        )],
    );
    // A permit the escort signed for itself does not hold (the role may not grant).
    let ActBody::PermissionGranted(mut body) = for_this_seal.body().clone() else {
        unreachable!()
    };
    body.officer = story.escort_lead.id.clone();
    body.place = roadside();
    let own = story.sign(ActBody::PermissionGranted(body), &[&story.escort_lead]);
    let self_permitted = removal(50, own.id());
    let a = judged(
        &story,
        &registry,
        &with(&acts, &[&own, &self_permitted]),
        60,
    );
    assert!(left_out(&a, &own));
    assert!(a
        .discrepancies
        .iter()
        .any(|d| d.kind == K::SealRemovedWithoutGrounds));
}

fn with(acts: &[SignedAct], more: &[&SignedAct]) -> Vec<SignedAct> {
    let mut all = acts.to_vec();
    all.extend(more.iter().map(|a| (*a).clone()));
    all
}

// ---------------------------------------------------------------------------------------------
// Order and duplicates
// ---------------------------------------------------------------------------------------------

mod order {
    use super::*;
    use proptest::prelude::*;

    /// A history with every new kind of act in it: two corrections of the registration (which
    /// must apply in fold order whatever the arrival order), a crew change, an accident followed
    /// up, a deadline extension, a transhipment under permit, a removal permit, and a refusal
    /// and return or a short delivery. `choices` picks times and variants.
    fn history(story: &Story, choices: (i64, i64, bool, bool)) -> Vec<SignedAct> {
        let (first, second, refused, permit_removal) = choices;
        let relief = Story::relief_officer();
        let acts = departed(story, story.seal_applied());
        let reg = acts[0].clone();
        let h1 = acts[3].clone();
        let declaration = |d: &str| {
            Correction::ConsignmentRegistered(RegistrationFields {
                declaration: Some(text(d)),
                ..RegistrationFields::default()
            })
        };
        let c1 = story.correction(
            first,
            &story.airport_officer,
            &reg,
            declaration("A-1"),
            None,
        );
        let c2 = story.correction(
            second,
            &story.airport_officer,
            &reg,
            declaration("B-2"),
            None,
        );
        let accident = story.incident(50, IncidentKind::Accident);
        let attended = story.follow_up(
            60,
            &story.central_staff,
            roadside(),
            &accident,
            FollowUp::OfficialsAttended,
        );
        let extension = story.extension(61, &accident, 12 * 60);
        let change = story.crew_change(62);
        let permit = story.permission(
            63,
            &story.airport_officer,
            Permit::Transhipment {
                incident: Some(accident.id()),
            },
        );
        let moved = story.transhipment(70, h1.id(), permit.id());
        let mut all = with(
            &acts,
            &[
                &c1, &c2, &accident, &attended, &extension, &change, &permit, &moved,
            ],
        );
        if permit_removal {
            all.push(story.permission(
                75,
                &story.airport_officer,
                Permit::SealRemoval {
                    seals: vec![SealNumber::new("KG-0042200").unwrap()],
                },
            ));
        }
        let mut at_destination = story.transfer_body(
            105,
            DEPARTMENT,
            Some(moved.id()),
            &relief,
            &story.department_officer,
        );
        at_destination.seals = vec![SealObservation {
            seal: SealNumber::new("KG-0042200").unwrap(),
            state: SealState::Intact,
        }];
        let h2 = story.transfer(at_destination, &relief, &story.department_officer);
        all.push(h2.clone());
        if refused {
            all.push(story.refusal(110));
            all.push(story.returned(200, None));
        } else {
            all.push(story.delivered_with(110, |d| {
                d.shortage = Some(Shortage {
                    packages: 0,
                    net_mass: Mass::new("1.00", MassUnit::Ct).unwrap(),
                    description: text("one stone"),
                })
            }));
        }
        all
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn arrival_order_and_duplicates_do_not_change_the_legal_record(
            choices in (1i64..29, 1i64..29, any::<bool>(), any::<bool>()),
            seed in prop::collection::vec(any::<u32>(), 24),
            duplicate in 0usize..16,
        ) {
            let story = Story::new();
            let registry = story.registry_with_relief();
            let acts = history(&story, choices);
            let reference = judged(&story, &registry, &acts, 24 * 60);
            let mut shuffled: Vec<(u32, SignedAct)> = acts
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, a)| (seed[i % seed.len()].wrapping_mul(i as u32 + 1), a))
                .collect();
            shuffled.sort_by_key(|(k, _)| *k);
            let mut shuffled: Vec<SignedAct> = shuffled.into_iter().map(|(_, a)| a).collect();
            shuffled.push(acts[duplicate % acts.len()].clone());
            let again = judged(&story, &registry, &shuffled, 24 * 60);
            prop_assert_eq!(&again, &reference);
            // The later correction wins, whichever arrived first.
            let (first, second, _, _) = choices;
            let body = reference.registration_body.clone().unwrap();
            let expected = if (second, "B-2") > (first, "A-1") { "B-2" } else { "A-1" };
            if first != second {
                prop_assert_eq!(body.declaration.as_str(), expected);
            }
            prop_assert!(reference.rejected.is_empty(), "{:?}", reference.rejected);
        }
    }
}

#[test]
fn a_correction_in_the_same_second_as_the_first_handoff_comes_before_it() {
    let story = Story::new();
    let registry = story.registry();
    let mistyped = story.seal_applied_mistyped();
    let acts = vec![
        story.registration(),
        mistyped.clone(),
        story.escort_assigned(),
    ];
    // Times are to the second: the officer corrects and hands over within one.
    let fix = story.correction(
        30,
        &story.airport_officer,
        &mistyped,
        Correction::SealApplied(SealFields {
            seal: Some(story.seal.clone()),
            ..SealFields::default()
        }),
        None,
    );
    let h1 = story.transfer(
        story.transfer_body(
            30,
            AIRPORT_POST,
            None,
            &story.airport_officer,
            &story.escort_lead,
        ),
        &story.airport_officer,
        &story.escort_lead,
    );
    let a = judged(&story, &registry, &with(&acts, &[&h1, &fix]), 40);
    none(&a);
}

#[test]
fn a_crew_change_in_the_same_second_as_the_handoff_to_the_crew_it_replaces_is_no_finding() {
    let story = Story::new();
    let registry = story.registry();
    let acts = departed(&story, story.seal_applied());
    // The handoff to the lead is at minute 30; the change leaving only the second officer,
    // ordered at the post, is of the same second (the record cannot tell which came first).
    let ActBody::EscortChanged(mut body) = story.crew_change(30).body().clone() else {
        unreachable!()
    };
    body.officer_in_charge = story.escort_second.id.clone();
    body.crew = vec![story.escort_second.id.clone()];
    let change = story.sign(
        ActBody::EscortChanged(body.clone()),
        &[&story.airport_officer],
    );
    none(&judged(&story, &registry, &with(&acts, &[&change]), 40));
    // A minute later, the lead was no longer of the crew: the same handoff would be a finding.
    body.at = story.t(29);
    let earlier = story.sign(ActBody::EscortChanged(body), &[&story.airport_officer]);
    let a = judged(&story, &registry, &with(&acts, &[&earlier]), 40);
    assert!(
        a.discrepancies.iter().any(|d| d.kind == K::NotInCrew),
        "{:#?}",
        a.discrepancies
    );
}
