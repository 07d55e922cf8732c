use super::*;
use tamga_core::act::{ActBody, SealState};
use tamga_core::assessment::Status;
use tamga_core::fixtures::{at, Story};
use tamga_core::{assess, Tolerances};
use tamga_core::{DiscrepancyKind, Severity, SignedAct, UnitCode};

fn record(story: &Story, acts: &[SignedAct], now: Timestamp) -> Record {
    let a = assess(
        &story.consignment,
        acts,
        &story.registry(),
        now,
        &Tolerances::default(),
    );
    Record::of(&a, acts)
}

fn query(pairs: &[(&str, &str)]) -> Result<Filter, FilterError> {
    Filter::from_query(
        &pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        &Default::default(),
    )
}

#[test]
fn a_clean_delivery_has_no_open_discrepancy_and_every_post_concerned() {
    let story = Story::new();
    let acts = story.clean_delivery();
    let r = record(&story, &acts, story.after());
    assert_eq!(r.status, Status::Delivered);
    assert_eq!(r.acts, acts.len());
    assert_eq!(r.rejected, 0);
    assert!(r.open().next().is_none(), "{:?}", r.discrepancies);
    for post in ["MANAS-AIRPORT", "PMD-BISHKEK", "ESCORT-BISHKEK"] {
        assert!(r.posts.contains(&UnitCode::new(post).unwrap()), "{post}");
    }
    assert_eq!(r.registered_at, Some(story.start));
    assert_eq!(r.last_act_at, Some(story.t(110)));
}

#[test]
fn the_deadline_passing_makes_a_consignment_overdue_without_a_new_act() {
    let story = Story::new();
    let on_the_road = story.clean_delivery()[..6].to_vec();
    let before = record(&story, &on_the_road, story.t(120));
    assert!(!before.overdue);
    let later = record(&story, &on_the_road, story.t(60 * 24));
    assert!(later.overdue);
    assert!(later.open().any(|d| d.kind == DiscrepancyKind::Overdue));
}

#[test]
fn filters_pick_by_kind_severity_post_status_date_and_deadline() {
    let story = Story::new();
    let clean = story.clean_delivery();
    let mut damaged = clean[..5].to_vec();
    damaged.push(story.seal_checked(60, SealState::Damaged));
    let mut index = Index::default();
    let mut other = record(&story, &damaged, story.after());
    other.consignment = ConsignmentId::new("10609050/231126/0000999").unwrap();
    for d in &mut other.discrepancies {
        d.consignment = other.consignment.clone();
    }
    assert_eq!(
        index.put(record(&story, &clean, story.after())),
        clean.len()
    );
    index.put(other.clone());
    assert_eq!(index.len(), 2);

    let damaged_only = query(&[("kind", "seal_damaged")]).unwrap();
    let found = index.consignments(&damaged_only);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].consignment, other.consignment);
    assert!(index
        .discrepancies(&damaged_only)
        .iter()
        .all(|d| d.kind == DiscrepancyKind::SealDamaged && d.consignment == other.consignment));
    assert!(!index.discrepancies(&damaged_only).is_empty());

    let delivered = query(&[("status", "delivered")]).unwrap();
    assert_eq!(index.consignments(&delivered).len(), 1);
    let none_open = query(&[("discrepancies", "no")]).unwrap();
    assert_eq!(
        index.consignments(&none_open)[0].consignment,
        story.consignment
    );
    let at_department = query(&[("post", "PMD-BISHKEK")]).unwrap();
    assert_eq!(
        index.consignments(&at_department).len(),
        2,
        "the route passes it"
    );
    let elsewhere = query(&[("post", "TOKMOK-ROAD")]).unwrap();
    assert!(index.consignments(&elsewhere).is_empty());
    let later = query(&[("from", "2026-11-24")]).unwrap();
    assert!(index.consignments(&later).is_empty());
    let that_day = query(&[("from", "2026-11-23"), ("until", "2026-11-24")]).unwrap();
    assert_eq!(index.consignments(&that_day).len(), 2);
    let due_early = query(&[("due_before", "2026-11-23T07:00:00Z")]).unwrap();
    assert!(index.consignments(&due_early).is_empty());
    // The consignment with an open discrepancy comes first.
    let all = index.consignments(&Filter::default());
    assert_eq!(all[0].consignment, other.consignment);

    let totals = index.totals();
    assert_eq!(totals.consignments, 2);
    assert_eq!(totals.by_status["delivered"], 1);
    assert!(totals.open_by_kind[&DiscrepancyKind::SealDamaged] >= 1);
}

#[test]
fn bad_filters_are_refused_with_the_parameter() {
    for (name, value) in [
        ("kind", "lost"),
        ("severity", "urgent"),
        ("status", "gone"),
        ("post", "not a code"),
        ("from", "yesterday"),
        ("discrepancies", "maybe"),
        ("colour", "red"),
        ("limit", "0"),
        ("limit", "10001"),
        ("limit", "all"),
        ("offset", "-1"),
    ] {
        let err = query(&[(name, value)]).unwrap_err();
        assert_eq!(err.field, name, "{err}");
    }
    assert_eq!(query(&[("kind", "")]).unwrap(), Filter::default());
    let page = query(&[("limit", "50"), ("offset", "100")]).unwrap();
    assert_eq!((page.limit, page.offset), (Some(50), 100));
    assert_eq!(
        query(&[("severity", "critical")]).unwrap().severity,
        Some(Severity::Critical)
    );
    let _ = at("2026-01-01T00:00:00Z");
}

#[test]
fn the_reconciler_follows_the_feed_and_reassesses_on_a_full_pass() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(Store::open(root.path(), &story.authority_id()).unwrap());
    for act in story.registry_acts() {
        store.record(&act).unwrap();
    }
    let acts = story.clean_delivery();
    for act in &acts[..3] {
        store.record(act).unwrap();
    }
    let reconciler = Reconciler::new(std::sync::Arc::clone(&store));
    let first = reconciler.full(story.t(30)).unwrap();
    assert_eq!(first.assessed, 1);
    assert_eq!(reconciler.lag_positions().unwrap(), 0);
    assert_eq!(
        reconciler.read(|_, p| p.acts_ingested),
        0,
        "the first load is not ingestion"
    );

    for act in &acts[3..6] {
        store.record(act).unwrap();
    }
    assert!(reconciler.lag_positions().unwrap() > 0);
    let pass = reconciler.step(story.t(70)).unwrap();
    assert_eq!(pass.assessed, 1);
    assert_eq!(reconciler.lag_positions().unwrap(), 0);
    reconciler.read(|index, progress| {
        assert_eq!(progress.acts_ingested, 3);
        let r = index.get(&story.consignment).unwrap();
        assert_eq!(r.acts, 6);
        assert_eq!(r.status, Status::InTransit);
        assert!(!r.overdue);
    });
    // Nothing new: a step assesses nothing; a full pass a day later finds it overdue.
    assert_eq!(reconciler.step(story.t(80)).unwrap().assessed, 0);
    reconciler.full(story.t(60 * 24)).unwrap();
    reconciler.read(|index, _| {
        let r = index.get(&story.consignment).unwrap();
        assert!(r.overdue);
        assert_eq!(index.totals().overdue, 1);
    });
}

#[test]
fn every_status_and_kind_is_a_filter_and_refused_and_returned_are_picked() {
    // Every status by its name (a new status fails to compile here until it is listed).
    for status in STATUSES {
        let index = match status {
            Status::Unregistered => 0,
            Status::Registered => 1,
            Status::InTransit => 2,
            Status::Arrived => 3,
            Status::Delivered => 4,
            Status::Refused => 5,
            Status::Returned => 6,
        };
        assert_eq!(STATUSES[index], status);
        assert_eq!(
            query(&[("status", status.as_str())]).unwrap().status,
            Some(status)
        );
    }
    for kind in [
        "not_in_crew",
        "incident_open",
        "incident_reported_late",
        "transhipment_without_permission",
        "shortage",
        "delivery_refused",
        "document_missing",
        "goods_unit_mismatch",
        "net_mass_mismatch",
    ] {
        let k = query(&[("kind", kind)]).unwrap().kind.unwrap();
        assert_eq!(k.as_str(), kind);
    }

    // The story refused at the Department, and the same consignment returned home.
    let story = Story::new();
    let returned = story.refused_and_returned();
    let refused = returned[..9].to_vec();

    let mut index = Index::default();
    let r = record(&story, &refused, story.t(115));
    assert_eq!((r.status, r.outcome), (Status::Refused, Some("refused")));
    index.put(r);
    let mut home_again = record(&story, &returned, story.t(24 * 60));
    assert_eq!(
        (home_again.status, home_again.outcome, home_again.overdue),
        (Status::Returned, Some("returned"), false)
    );
    home_again.consignment = ConsignmentId::new("10609050/231126/0000999").unwrap();
    for d in &mut home_again.discrepancies {
        d.consignment = home_again.consignment.clone();
    }
    index.put(home_again.clone());
    let pick = |pairs: &[(&str, &str)]| -> Vec<ConsignmentId> {
        index
            .consignments(&query(pairs).unwrap())
            .iter()
            .map(|r| r.consignment.clone())
            .collect()
    };
    assert_eq!(
        pick(&[("status", "refused")]),
        vec![story.consignment.clone()]
    );
    assert_eq!(
        pick(&[("status", "returned")]),
        vec![home_again.consignment.clone()]
    );
    assert!(pick(&[("status", "delivered")]).is_empty());
    // The refusal stays open on both until staff resolve it.
    assert_eq!(pick(&[("kind", "delivery_refused")]).len(), 2);
    let totals = index.totals();
    assert_eq!(totals.by_status["refused"], 1);
    assert_eq!(totals.by_status["returned"], 1);
    assert_eq!(totals.open_by_kind[&DiscrepancyKind::DeliveryRefused], 2);
}

/// Headquarters chases the duties not done by their end: the Department's notice of the
/// story's diamonds ends with Tuesday 24 November (24:00 in Bishkek); the expertise, three
/// working days after the delivery.
#[test]
fn duties_past_their_end_are_listed_until_done() {
    use tamga_core::assessment::duties::DutyKind;
    let story = Story::new();
    let mut index = Index::default();
    let delivered = story.clean_delivery();
    index.put(record(&story, &delivered, story.after()));
    let duties = |index: &Index, now: &str| -> Vec<DutyKind> {
        index
            .overdue_duties(at(now))
            .into_iter()
            .map(|(c, d)| {
                assert_eq!(c, story.consignment);
                d.duty
            })
            .collect()
    };
    assert_eq!(duties(&index, "2026-11-24T17:59:59Z"), []);
    assert_eq!(
        duties(&index, "2026-11-24T18:00:00Z"),
        [DutyKind::DepartmentNotice]
    );
    assert_eq!(
        duties(&index, "2026-11-26T18:00:00Z"),
        [DutyKind::DepartmentNotice, DutyKind::Expertise]
    );
    let mut done = delivered.clone();
    done.push(story.department_notice(60 * 30));
    done.push(story.expertise(60 * 30));
    index.put(record(&story, &done, story.after()));
    assert_eq!(duties(&index, "2026-11-25T17:59:59Z"), []);
    assert_eq!(
        duties(&index, "2026-11-25T18:00:00Z"),
        [DutyKind::StateControlAct],
        "one working day after Tuesday's expertise: the end of Wednesday"
    );
}

/// Headquarters sees the tracked consignments it has not heard of: silent from the last
/// position (or the handoff) for longer than the tracking gap allowed, until a position or the
/// arrival comes; an untracked consignment is never listed.
#[test]
fn tracked_consignments_not_heard_of_are_listed_as_silent() {
    use tamga_core::fixtures::road::Road;
    let story = Story::new();
    let road = Road::new(&story);
    let registry = road.registry();
    let record_at = |acts: &[SignedAct], now: Timestamp| {
        let a = assess(
            &story.consignment,
            acts,
            &registry,
            now,
            &Tolerances::default(),
        );
        Record::of(&a, acts)
    };
    // The trip up to minute 60 of positions: in transit, no arrival.
    let mut acts: Vec<SignedAct> = road
        .acts(60)
        .into_iter()
        .filter(|a| {
            a.body().at() <= story.t(60) && !matches!(a.body(), ActBody::PositionReported(_))
        })
        .collect();
    let driven: Vec<_> = road
        .drive(30, 95, 60)
        .into_iter()
        .filter(|p| p.at <= story.t(60))
        .collect();
    acts.extend(road.position_acts(&driven, 30));
    let mut index = Index::default();
    index.put(record_at(&acts, story.t(60)));
    let silent = |index: &Index, minute: i64| -> Vec<(ConsignmentId, Timestamp)> {
        index
            .silent(story.t(minute), Tolerances::default().tracking_gap_seconds)
            .into_iter()
            .map(|(r, h)| (r.consignment.clone(), h.at))
            .collect()
    };
    assert_eq!(silent(&index, 90), []);
    assert_eq!(
        silent(&index, 91),
        [(story.consignment.clone(), story.t(60))]
    );
    // A position at minute 80 is heard.
    acts.extend(road.position_acts(&road.drive(30, 95, 60)[50..51], 1));
    index.put(record_at(&acts, story.t(91)));
    assert_eq!(silent(&index, 91), []);
    assert_eq!(
        silent(&index, 111),
        [(story.consignment.clone(), story.t(80))]
    );
    // Arrived: no longer in transit.
    acts.push(story.arrival(95, 100));
    index.put(record_at(&acts, story.t(111)));
    assert_eq!(silent(&index, 200), []);
    // The story's own trip is not tracked: never silent.
    let mut index = Index::default();
    let untracked: Vec<SignedAct> = story.clean_delivery().into_iter().take(4).collect();
    index.put(record(&story, &untracked, story.t(40)));
    assert_eq!(silent(&index, 600), []);
}
