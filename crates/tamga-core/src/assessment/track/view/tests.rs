//! The map's view of the story's tracked trip: clean, bent off the corridor with a seal opened
//! on the detour, untracked, and thinned.

use super::*;
use crate::act::SealEventKind;
use crate::assessment::{assess, Tolerances};
use crate::fixtures::road::Road;
use crate::fixtures::{Story, AIRPORT_POST, DEPARTMENT};

fn judged(road: &Road<'_>, acts: &[SignedAct]) -> TrackView {
    let registry = road.registry();
    let a = assess(
        &road.story.consignment,
        acts,
        &registry,
        road.story.t(200),
        &Tolerances::default(),
    );
    view(&a, acts, &registry)
}

#[test]
fn a_clean_tracked_trip_is_its_corridor_posts_and_positions() {
    let story = Story::new();
    let road = Road::new(&story);
    let v = judged(&road, &road.acts(60));
    assert!(v.tracked);
    assert_eq!(v.corridor, Some(road.corridor()));
    let posts: Vec<(&str, bool)> = v
        .posts
        .iter()
        .map(|p| (p.unit.as_str(), p.coordinates.is_some()))
        .collect();
    assert_eq!(posts, [(AIRPORT_POST, true), (DEPARTMENT, true)]);
    assert_eq!(v.positions.len(), 66);
    assert_eq!(v.total_positions, 66);
    assert!(!v.thinned);
    assert!(v
        .positions
        .iter()
        .all(|p| p.source == "vehicle" && !p.outside));
    assert!(v.positions.windows(2).all(|w| w[0].at <= w[1].at));
    let kinds: Vec<SealEventKind> = v.seal_events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [SealEventKind::Armed, SealEventKind::Disarmed]);
    assert!(v.findings.is_empty(), "{:#?}", v.findings);
    // Waypoints as decimal strings, the width in metres.
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(
        json["corridor"]["waypoints"][0],
        serde_json::json!({"latitude": "43.0612", "longitude": "74.4776"})
    );
    assert_eq!(json["corridor"]["width_metres"], 2000);
}

#[test]
fn a_detour_and_a_seal_opened_on_it_mark_exactly_their_positions() {
    let story = Story::new();
    let road = Road::new(&story);
    // The detour's fixes share their acts (30 a batch) with fixes on the corridor: only those
    // outside are marked.
    let acts = road.detour();
    let v = judged(&road, &acts);
    // 66 fixes of the vehicle and the seal's one.
    assert_eq!(v.positions.len(), 67);
    // In time order (two at one time in the order of their acts, as the assessment folds).
    let mut outside: Vec<(Timestamp, &str)> = v
        .positions
        .iter()
        .filter(|p| p.outside)
        .map(|p| (p.at, p.source.as_str()))
        .collect();
    outside.sort();
    let seal = road.seal.as_str();
    assert_eq!(
        outside,
        [
            (story.t(50), "vehicle"),
            (story.t(51), "vehicle"),
            (story.t(52), seal),
            (story.t(52), "vehicle"),
            (story.t(53), "vehicle"),
            (story.t(54), "vehicle"),
        ]
    );
    let kinds: Vec<DiscrepancyKind> = v.findings.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [DiscrepancyKind::SealOpened, DiscrepancyKind::RouteDeviation]
    );
    // The deviation concerns the six positions outside; the seal's finding its own fix.
    let deviation = &v.findings[1];
    let marked: Vec<usize> = (0..v.positions.len())
        .filter(|i| v.positions[*i].outside)
        .collect();
    assert_eq!(deviation.positions, marked);
    assert_eq!(deviation.words.key, "road.deviation");
    let opened = &v.findings[0];
    assert_eq!(opened.positions.len(), 1);
    let fix = &v.positions[opened.positions[0]];
    assert_eq!((fix.at, fix.source.as_str()), (story.t(52), seal));
    assert!(fix.outside);
    assert!(opened.acts.contains(&fix.act));
    let event = v
        .seal_events
        .iter()
        .find(|e| e.kind == SealEventKind::Opened)
        .unwrap();
    assert_eq!(event.coordinates.as_ref(), Some(&fix.coordinates));
    // The vehicle's fix at the same minute, where the seal was.
    assert!(v
        .positions
        .iter()
        .any(|p| p.source == "vehicle" && p.at == story.t(52) && p.coordinates == fix.coordinates));
}

#[test]
fn an_untracked_trip_has_no_corridor_and_nothing_outside() {
    let story = Story::new();
    let acts = story.clean_delivery();
    let registry = story.registry();
    let a = assess(
        &story.consignment,
        &acts,
        &registry,
        story.after(),
        &Tolerances::default(),
    );
    let v = view(&a, &acts, &registry);
    assert!(!v.tracked);
    assert_eq!(v.corridor, None);
    assert_eq!(v.positions.len(), 3);
    assert!(v.positions.iter().all(|p| !p.outside));
    // The story's registry puts no post on the map.
    assert!(!v.posts.is_empty());
    assert!(v.posts.iter().all(|p| p.coordinates.is_none()));
    assert!(v.findings.is_empty());
}

#[test]
fn a_long_track_is_thinned_evenly_keeping_every_marked_position() {
    let story = Story::new();
    let road = Road::new(&story);
    let acts = road.detour();
    let registry = road.registry();
    let a = assess(
        &story.consignment,
        &acts,
        &registry,
        story.t(200),
        &Tolerances::default(),
    );
    let whole = view(&a, &acts, &registry);
    let thin = view_within(&a, &acts, &registry, 20);
    assert!(thin.thinned);
    assert_eq!(thin.total_positions, 67);
    assert_eq!(thin.positions.len(), 20);
    assert!(thin.positions.windows(2).all(|w| w[0].at <= w[1].at));
    // Every position outside is kept, and the findings point at the same fixes as before.
    assert_eq!(thin.positions.iter().filter(|p| p.outside).count(), 6);
    for (f, g) in whole.findings.iter().zip(&thin.findings) {
        let was: Vec<&TrackPosition> = f.positions.iter().map(|i| &whole.positions[*i]).collect();
        let is: Vec<&TrackPosition> = g.positions.iter().map(|i| &thin.positions[*i]).collect();
        assert_eq!(was, is, "{:?}", f.kind);
    }
    // The rest is spread over the trip, not cut at one end.
    let first = thin.positions.first().unwrap().at;
    let last = thin.positions.last().unwrap().at;
    assert!(
        first <= story.t(32) && last >= story.t(90),
        "{first} {last}"
    );
    // Fewer than the marked positions allowed: those are taken evenly.
    let tiny = view_within(&a, &acts, &registry, 3);
    assert_eq!(tiny.positions.len(), 3);
    assert!(tiny.positions.iter().all(|p| p.outside));
}

#[test]
fn a_tracking_gap_concerns_the_two_positions_at_its_ends() {
    let story = Story::new();
    let road = Road::new(&story);
    // No fix from minute 41 to minute 74: 35 minutes of silence.
    let positions: Vec<_> = road
        .drive(30, 95, 60)
        .into_iter()
        .filter(|p| p.at <= story.t(40) || p.at >= story.t(75))
        .collect();
    let mut acts = road.acts(60);
    acts.retain(|a| !matches!(a.body(), ActBody::PositionReported(_)));
    acts.extend(road.position_acts(&positions, 30));
    let v = judged(&road, &acts);
    let gaps: Vec<&RoadFinding> = v
        .findings
        .iter()
        .filter(|f| f.kind == DiscrepancyKind::TrackingGap)
        .collect();
    assert_eq!(gaps.len(), 1, "{:#?}", v.findings);
    let ends: Vec<Timestamp> = gaps[0]
        .positions
        .iter()
        .map(|i| v.positions[*i].at)
        .collect();
    assert_eq!(ends, [story.t(40), story.t(75)]);
}
