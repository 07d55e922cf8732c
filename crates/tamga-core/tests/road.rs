//! The road (DOMAIN.md, "Navigation seals"; electronic cargo tracking's alerts): the story as a
//! tracked trip, each test bending one thing (a detour, a long stop, a silence, a seal opened
//! on the way) and checking exactly what the assessment finds, the passing case beside the
//! failing one.

use tamga_core::act::*;
use tamga_core::assessment::{assess, Assessment, DiscrepancyKind as K, Severity, Tolerances};
use tamga_core::codes::{Role, SealNumber};
use tamga_core::fixtures::road::{coordinates, coordinates_of, Road};
use tamga_core::fixtures::{text, unit, Person, Story, AIRPORT_POST};
use tamga_core::{ActId, SignedAct};

fn judged(road: &Road<'_>, acts: &[SignedAct]) -> Assessment {
    assess(
        &road.story.consignment,
        acts,
        &road.registry(),
        road.story.t(200),
        &Tolerances::default(),
    )
}

/// The open discrepancies as (kind, severity).
fn found(a: &Assessment) -> Vec<(K, Severity)> {
    let mut all: Vec<_> = a
        .open_discrepancies()
        .map(|d| (d.kind, d.severity))
        .collect();
    all.sort();
    all
}

/// The trip with its position acts replaced by `positions`, batched 30 to an act.
fn with_positions(road: &Road<'_>, positions: &[Position]) -> Vec<SignedAct> {
    let mut acts = road.acts(60);
    acts.retain(|a| !matches!(a.body(), ActBody::PositionReported(_)));
    acts.extend(road.position_acts(positions, 30));
    acts
}

#[test]
fn a_tracked_trip_on_its_corridor_is_clean() {
    let story = Story::new();
    let road = Road::new(&story);
    let a = judged(&road, &road.acts(10));
    assert_eq!(found(&a), vec![], "{:#?}", a.discrepancies);
    assert!(a.state.road.tracked);
    assert_eq!(a.state.road.fixes, 391);
    assert_eq!(a.state.road.outside_corridor, 0);
    assert_eq!(a.state.road.transit_from, Some(story.t(30)));
    assert_eq!(a.state.road.transit_until, Some(story.t(95)));
    let seal = &a.state.road.navigation_seals[&road.seal];
    assert_eq!(seal.armed_at, Some(story.t(13)));
    assert_eq!(seal.disarmed_at, Some(story.t(110)));
}

#[test]
fn an_untracked_trip_is_not_judged_on_the_road() {
    // The story's own trip: no corridor, a mechanical seal, three fixes half an hour apart.
    let story = Story::new();
    let a = assess(
        &story.consignment,
        &story.clean_delivery(),
        &story.registry(),
        story.after(),
        &Tolerances::default(),
    );
    assert!(!a.state.road.tracked);
    assert_eq!(a.state.road.fixes, 3);
    assert!(a.discrepancies.is_empty(), "{:#?}", a.discrepancies);
}

#[test]
fn a_detour_is_one_deviation_proven_by_its_positions() {
    let story = Story::new();
    let road = Road::new(&story);
    let mut positions = road.drive(30, 95, 60);
    // Minutes 50 to 54 (fixes 20..=24): 5 km east of the road.
    for p in &mut positions[20..=24] {
        let lat = p.coordinates.latitude.to_string().parse::<f64>().unwrap();
        let lon = p.coordinates.longitude.to_string().parse::<f64>().unwrap();
        p.coordinates = coordinates_of(lat, lon + 0.06);
    }
    let acts = with_positions(&road, &positions);
    let a = judged(&road, &acts);
    assert_eq!(found(&a), vec![(K::RouteDeviation, Severity::Major)]);
    assert_eq!(a.state.road.outside_corridor, 5);
    let d = &a.discrepancies[0];
    assert!(d.summary.starts_with("5 positions from "), "{}", d.summary);
    // The proof: the registration and the one act (fixes 0..30) that carries the detour.
    let carrier = acts
        .iter()
        .find(|x| matches!(x.body(), ActBody::PositionReported(p) if p.positions.contains(&positions[22])))
        .unwrap();
    let mut want = vec![carrier.id(), acts[0].id()];
    want.sort();
    assert_eq!(d.acts, want);

    // The crew reported leaving the route (a closed road): the same stretch is minor.
    let incident = story.sign(
        ActBody::IncidentReported(IncidentReported {
            consignment: story.consignment.clone(),
            at: story.t(51),
            officer: story.escort_lead.id.clone(),
            place: Place::Road {
                description: text("detour round a closed bridge"),
                coordinates: None,
            },
            happened_at: None,
            incident: IncidentKind::RouteDeviation,
            description: text("bridge closed, police detour"),
            seals: vec![],
            attachments: vec![],
        }),
        &[&story.escort_lead],
    );
    let mut explained = acts.clone();
    explained.push(incident.clone());
    let a = judged(&road, &explained);
    assert_eq!(found(&a), vec![(K::RouteDeviation, Severity::Minor)]);
    assert!(a.discrepancies[0].acts.contains(&incident.id()));
}

#[test]
fn standing_still_on_the_road_is_a_long_stop_but_not_at_a_post() {
    let story = Story::new();
    let road = Road::new(&story);
    // Half an hour allowed, so that a stop fits in the story's 65 minutes of transit.
    let tolerances = Tolerances {
        long_stop_seconds: 30 * 60,
        ..Tolerances::default()
    };
    let judge = |acts: &[SignedAct]| {
        assess(
            &story.consignment,
            acts,
            &road.registry(),
            story.t(200),
            &tolerances,
        )
    };
    let stop = |from: i64, until: i64, (lat, lon): (f64, f64)| -> Vec<Position> {
        (from..=until)
            .map(|m| Position {
                at: story.t(m),
                coordinates: coordinates_of(lat, lon),
            })
            .collect()
    };
    // Driving to halfway by minute 60, then standing there until arrival: 35 minutes.
    let mut positions = road.drive(30, 60, 60);
    positions.truncate(positions.len() - 1);
    let halfway = road.along(1.0 / 2.0);
    positions.extend(stop(60, 95, halfway));
    let a = judge(&with_positions(&road, &positions));
    assert_eq!(found(&a), vec![(K::LongStop, Severity::Major)]);
    assert_eq!(
        a.discrepancies[0].summary,
        format!(
            "stood still for 35 minutes from {} to {}, away from any registered post",
            story.t(60).for_people(),
            story.t(95).for_people()
        )
    );

    // Waiting as long beside the Department (a post registered with coordinates): no finding.
    let (lat, lon) = road.along(1.0);
    let a = judge(&with_positions(&road, &stop(30, 95, (lat + 0.001, lon))));
    assert_eq!(found(&a), vec![]);

    // Twenty-five minutes halfway, then on: within the half hour.
    let mut positions = road.drive(30, 60, 60);
    positions.truncate(positions.len() - 1);
    positions.extend(stop(60, 85, halfway));
    positions.extend(
        road.drive(30, 95, 60)
            .into_iter()
            .filter(|p| p.at > story.t(85)),
    );
    let a = judge(&with_positions(&road, &positions));
    assert_eq!(found(&a), vec![]);
}

#[test]
fn a_silence_in_transit_is_a_tracking_gap() {
    let story = Story::new();
    let road = Road::new(&story);
    let mut positions = road.drive(30, 95, 60);
    // No fix from minute 41 to minute 79: 39 minutes between fixes, more than the 30 allowed.
    positions.retain(|p| p.at <= story.t(40) || p.at >= story.t(79));
    let a = judged(&road, &with_positions(&road, &positions));
    assert_eq!(found(&a), vec![(K::TrackingGap, Severity::Major)]);
    assert_eq!(
        a.discrepancies[0].summary,
        format!(
            "no position for 39 minutes in transit, from {} to {}",
            story.t(40).for_people(),
            story.t(79).for_people()
        )
    );

    // A tracked trip with no position at all is one gap, from the handoff to arrival.
    let a = judged(&road, &with_positions(&road, &[]));
    assert_eq!(found(&a), vec![(K::TrackingGap, Severity::Major)]);
    assert!(a.discrepancies[0]
        .summary
        .starts_with("no position for 65 minutes"));

    // Twenty-nine minutes is within the allowance; the last fix before arrival counts up to
    // the arrival.
    let mut positions = road.drive(30, 95, 60);
    positions.retain(|p| p.at <= story.t(40) || p.at >= story.t(69));
    positions.retain(|p| p.at <= story.t(70));
    let a = judged(&road, &with_positions(&road, &positions));
    assert_eq!(found(&a), vec![]);
}

#[test]
fn a_navigation_seal_opened_on_the_way_is_critical() {
    let story = Story::new();
    let road = Road::new(&story);
    let (lat, lon) = road.along(0.4);
    let opened = road.seal_events(
        story.t(61),
        &[
            (
                story.t(55),
                SealEventKind::Position,
                Some(coordinates_of(lat, lon)),
            ),
            (
                story.t(56),
                SealEventKind::Opened,
                Some(coordinates_of(lat, lon)),
            ),
        ],
    );
    let mut acts = road.acts(60);
    acts.push(opened.clone());
    let a = judged(&road, &acts);
    assert_eq!(found(&a), vec![(K::SealOpened, Severity::Critical)]);
    let d = &a.discrepancies[0];
    assert!(d.acts.contains(&opened.id()));
    assert!(d
        .summary
        .starts_with("navigation seal NS-7700123 reported opened at"));
    // Its positions are positions like the vehicle's.
    assert_eq!(a.state.road.fixes, 66 + 2);

    // Opened at the Department, after arrival: the end of the trip.
    let mut at_destination = road.acts(60);
    at_destination
        .push(road.seal_events(story.t(109), &[(story.t(108), SealEventKind::Opened, None)]));
    assert_eq!(found(&judged(&road, &at_destination)), vec![]);

    // Tampered with on the way: critical; the battery running low: minor, once.
    let mut acts = road.acts(60);
    acts.push(road.seal_events(
        story.t(70),
        &[
            (story.t(57), SealEventKind::BatteryLow, None),
            (story.t(58), SealEventKind::Tampered, None),
            (story.t(69), SealEventKind::BatteryLow, None),
        ],
    ));
    assert_eq!(
        found(&judged(&road, &acts)),
        vec![
            (K::SealTampered, Severity::Critical),
            (K::SealBatteryLow, Severity::Minor)
        ]
    );
}

#[test]
fn an_opening_with_the_removal_on_record_is_not_a_finding() {
    let story = Story::new();
    let road = Road::new(&story);
    let permission = story.sign(
        ActBody::PermissionGranted(PermissionGranted {
            consignment: story.consignment.clone(),
            at: story.t(50),
            officer: story.airport_officer.id.clone(),
            place: Place::Post {
                unit: unit(AIRPORT_POST),
            },
            permits: Permit::SealRemoval {
                seals: vec![road.seal.clone()],
            },
            reason: text("inspection on the road by the mobile group"),
            valid_until: None,
        }),
        &[&story.airport_officer],
    );
    let removal = story.sign(
        ActBody::SealRemoved(SealRemoved {
            consignment: story.consignment.clone(),
            at: story.t(60),
            officer: story.escort_lead.id.clone(),
            place: Place::Road {
                description: text("km 14"),
                coordinates: None,
            },
            seal: road.seal.clone(),
            state: SealState::Intact,
            grounds: SealGrounds {
                basis: SealBasis::Permission,
                reference: Some(text("permission 17/2026")),
                permission: Some(permission.id()),
            },
        }),
        &[&story.escort_lead],
    );
    let opened = road.seal_events(story.t(62), &[(story.t(58), SealEventKind::Opened, None)]);
    let mut acts = road.acts(60);
    acts.extend([permission, removal, opened]);
    let a = judged(&road, &acts);
    assert!(!a.has_open(K::SealOpened), "{:#?}", a.discrepancies);
}

#[test]
fn events_of_a_seal_not_on_the_consignment_or_by_another_role_do_not_hold() {
    let story = Story::new();
    let road = Road::new(&story);
    // The mechanical seal is not a navigation seal: its "events" are not the operator's to
    // report.
    let ActBody::SealEventsReported(mut body) = road
        .seal_events(story.t(60), &[(story.t(56), SealEventKind::Opened, None)])
        .body()
        .clone()
    else {
        unreachable!()
    };
    body.events[0].seal = story.seal.clone();
    let foreign = story.sign(ActBody::SealEventsReported(body.clone()), &[&road.operator]);
    let mut acts = road.acts(60);
    acts.push(foreign.clone());
    let a = judged(&road, &acts);
    assert_eq!(found(&a), vec![(K::NotPermitted, Severity::Critical)]);
    assert!(a.rejected.iter().any(|r| r.act == foreign.id()));
    assert!(!a.has_open(K::SealOpened));

    // A seal nobody applied.
    body.events[0].seal = SealNumber::new("NS-0000001").unwrap();
    let unknown = story.sign(ActBody::SealEventsReported(body.clone()), &[&road.operator]);
    let mut acts = road.acts(60);
    acts.push(unknown.clone());
    assert!(judged(&road, &acts)
        .rejected
        .iter()
        .any(|r| r.act == unknown.id()));

    // Signed by the escort's tablet rather than the operator: the role may not.
    body.events[0].seal = road.seal.clone();
    body.operator = story.vehicle_device.id.clone();
    let by_tablet = story.sign(ActBody::SealEventsReported(body), &[&story.vehicle_device]);
    let mut acts = road.acts(60);
    acts.push(by_tablet.clone());
    let a = judged(&road, &acts);
    assert_eq!(found(&a), vec![(K::RoleNotPermitted, Severity::Critical)]);
    assert!(!a.has_open(K::SealOpened));
}

#[test]
fn the_road_does_not_depend_on_the_order_acts_arrive_in() {
    let story = Story::new();
    let road = Road::new(&story);
    let mut positions = road.drive(30, 95, 60);
    for p in &mut positions[20..=24] {
        p.coordinates = coordinates("42.9000", "74.7000");
    }
    positions.retain(|p| p.at <= story.t(60) || p.at >= story.t(95));
    let mut acts = with_positions(&road, &positions);
    acts.push(road.seal_events(story.t(80), &[(story.t(75), SealEventKind::Tampered, None)]));
    let forward = judged(&road, &acts);
    assert_eq!(
        found(&forward),
        vec![
            (K::RouteDeviation, Severity::Major),
            (K::TrackingGap, Severity::Major),
            (K::SealTampered, Severity::Critical),
        ]
    );
    let mut reversed = acts.clone();
    reversed.reverse();
    let mut doubled = acts.clone();
    doubled.extend(acts.iter().cloned());
    let ids = |a: &Assessment| -> Vec<String> {
        a.discrepancies.iter().map(|d| d.id.to_string()).collect()
    };
    assert_eq!(ids(&judged(&road, &reversed)), ids(&forward));
    assert_eq!(judged(&road, &doubled), forward);
}

#[test]
fn the_content_rules_bound_corridors_and_events() {
    let story = Story::new();
    let road = Road::new(&story);
    let mut reg = story.registration_body();
    reg.corridor = Some(Corridor {
        waypoints: vec![coordinates("43.0", "74.4")],
        width_metres: 2000,
    });
    let e = ActBody::ConsignmentRegistered(reg.clone())
        .check_content()
        .unwrap_err();
    assert_eq!(e.field, "corridor.waypoints");
    let mut corridor = road.corridor();
    corridor.width_metres = 50;
    reg.corridor = Some(corridor);
    let e = ActBody::ConsignmentRegistered(reg)
        .check_content()
        .unwrap_err();
    assert_eq!(e.field, "corridor.width_metres");

    let ActBody::SealEventsReported(mut events) = road
        .seal_events(story.t(60), &[(story.t(56), SealEventKind::Armed, None)])
        .body()
        .clone()
    else {
        unreachable!()
    };
    events.events[0].event = SealEventKind::Position;
    let e = ActBody::SealEventsReported(events.clone())
        .check_content()
        .unwrap_err();
    assert_eq!(e.field, "events[0].coordinates");
    events.events.clear();
    let e = ActBody::SealEventsReported(events)
        .check_content()
        .unwrap_err();
    assert_eq!(e.field, "events");
}

#[test]
fn an_older_registration_without_a_corridor_keeps_its_bytes() {
    // A field added later is left out when absent: the story's registration has the id it
    // always had, and the corridor changes it.
    let story = Story::new();
    let road = Road::new(&story);
    let plain = story.registration();
    assert!(
        !String::from_utf8(tamga_core::canonical::canonical_bytes(plain.body()))
            .unwrap()
            .contains("corridor")
    );
    assert_ne!(plain.id(), road.registration().id());
    let _: ActId = plain.id();
    let _ = Person::new("unused", "", Role::SealOperator, "NAVSEAL-KG");
}

#[test]
fn one_event_sent_twice_is_one_finding() {
    let story = Story::new();
    let road = Road::new(&story);
    // The operator resends the batch with the opening, with another one beside it.
    let mut acts = road.acts(60);
    acts.push(road.seal_events(story.t(57), &[(story.t(56), SealEventKind::Opened, None)]));
    acts.push(road.seal_events(
        story.t(70),
        &[
            (story.t(56), SealEventKind::Opened, None),
            (story.t(69), SealEventKind::BatteryLow, None),
        ],
    ));
    assert_eq!(
        found(&judged(&road, &acts)),
        vec![
            (K::SealOpened, Severity::Critical),
            (K::SealBatteryLow, Severity::Minor)
        ]
    );
}
