//! The road as a map shows it: a pure view of an assessed consignment's corridor, its route's
//! posts, every position and seal event in the acts that hold, and the road's open findings,
//! for both nodes' user interfaces (`GET /api/consignments/{id}/track`, drawn by `track.js`).
//!
//! Nothing here judges: whether a position lies outside the corridor is measured as the rules
//! measure it ([`super::geo::Line`]), for all positions (the rules judge only those in transit),
//! and the findings are the assessment's own. Each finding names the positions it concerns, so
//! the map can mark them: a deviation's positions outside the corridor within its stretch, a long
//! stop's within its time, a tracking gap's two positions at its ends, a seal finding's the
//! seal's fix at the event, each only from the acts of its proof.
//!
//! The view is bounded: at most [`MAX_VIEW_POSITIONS`] positions. Beyond that the positions are
//! thinned evenly, always keeping those outside the corridor and those a finding concerns
//! (`thinned` says so, `total_positions` how many there were).

use super::geo::{Line, Point};
use crate::act::{ActBody, Coordinates, Corridor, SealEventKind};
use crate::assessment::words::Words;
use crate::assessment::{Assessment, DiscrepancyId, DiscrepancyKind, Severity};
use crate::canonical::ActId;
use crate::codes::{ConsignmentId, SealNumber, UnitCode};
use crate::registry::Registry;
use crate::signing::SignedAct;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The most positions a view holds.
pub const MAX_VIEW_POSITIONS: usize = 20_000;

/// The discrepancy kinds of the road.
pub const ROAD_KINDS: [DiscrepancyKind; 6] = [
    DiscrepancyKind::RouteDeviation,
    DiscrepancyKind::LongStop,
    DiscrepancyKind::TrackingGap,
    DiscrepancyKind::SealOpened,
    DiscrepancyKind::SealTampered,
    DiscrepancyKind::SealBatteryLow,
];

/// A consignment's road, for a map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackView {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// The time the assessment was made for.
    pub as_of: Timestamp,
    /// Whether the road's rules apply (a corridor set or a navigation seal fixed).
    pub tracked: bool,
    /// The corridor the registration in force sets: waypoints as decimal strings, its full width
    /// in metres.
    pub corridor: Option<Corridor>,
    /// The route's posts in order, with their coordinates where the post register has them.
    pub posts: Vec<PostOnRoute>,
    /// The positions, the vehicle's and the seals', in time order (thinned when `thinned`).
    pub positions: Vec<TrackPosition>,
    /// How many positions the acts that hold carry.
    pub total_positions: usize,
    /// Whether positions were left out to keep the view within [`MAX_VIEW_POSITIONS`].
    pub thinned: bool,
    /// Every navigation seal event, in time order.
    pub seal_events: Vec<SealEventView>,
    /// The road's open discrepancies, as the assessment has them, most severe first.
    pub findings: Vec<RoadFinding>,
}

/// One post of the route on the map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostOnRoute {
    /// The post's unit.
    pub unit: UnitCode,
    /// Its name in the post register, if registered.
    pub name: Option<String>,
    /// Where it is, if the register says.
    pub coordinates: Option<Coordinates>,
    /// From when the register entry giving the coordinates is in force: the entry in force at
    /// the registration's time, else (a post put on the map later) the register's entry at the
    /// time of the view.
    pub registered_from: Option<Timestamp>,
}

/// One position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackPosition {
    /// When the fix was taken.
    pub at: Timestamp,
    /// Where.
    pub coordinates: Coordinates,
    /// Who took it: `vehicle`, or the navigation seal's number.
    pub source: String,
    /// The act that reports it.
    pub act: ActId,
    /// Further than half the corridor's width from its line (false without a corridor).
    pub outside: bool,
}

/// One navigation seal event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealEventView {
    /// The seal.
    pub seal: SealNumber,
    /// When the seal recorded it.
    pub at: Timestamp,
    /// What happened.
    pub kind: SealEventKind,
    /// Where, if the seal knew.
    pub coordinates: Option<Coordinates>,
    /// The `seal_events_reported` act.
    pub act: ActId,
}

/// One of the road's open discrepancies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoadFinding {
    /// Its stable id.
    pub id: DiscrepancyId,
    /// Its kind.
    pub kind: DiscrepancyKind,
    /// How bad.
    pub severity: Severity,
    /// What it is about (the time it began, or a seal).
    pub subject: String,
    /// In English.
    pub summary: String,
    /// Its template's key and values, for other languages.
    pub words: Words,
    /// The acts that prove it.
    pub acts: Vec<ActId>,
    /// The positions of the view it concerns (indices into `positions`).
    pub positions: Vec<usize>,
}

/// The road of `assessment` (made from `acts`) for a map, with the posts from `registry`.
pub fn view(assessment: &Assessment, acts: &[SignedAct], registry: &Registry) -> TrackView {
    view_within(assessment, acts, registry, MAX_VIEW_POSITIONS)
}

/// [`view`] with at most `max` positions.
fn view_within(
    assessment: &Assessment,
    acts: &[SignedAct],
    registry: &Registry,
    max: usize,
) -> TrackView {
    let by_id: BTreeMap<ActId, &SignedAct> = acts.iter().map(|a| (a.id(), a)).collect();
    let holding: Vec<&SignedAct> = assessment
        .acts
        .iter()
        .filter_map(|id| by_id.get(id).copied())
        .collect();
    let registration = assessment.registration().map(|(_, r)| r);
    let corridor = registration.and_then(|r| r.corridor.clone());
    let line = corridor.as_ref().map(|c| {
        (
            Line::new(c.waypoints.iter().map(Point::of).collect()),
            f64::from(c.width_metres) / 2.0,
        )
    });
    let outside = |c: &Coordinates| {
        line.as_ref()
            .is_some_and(|(line, half)| line.distance_metres(Point::of(c)) > *half)
    };

    let mut positions: Vec<TrackPosition> = Vec::new();
    let mut seal_events: Vec<SealEventView> = Vec::new();
    for act in &holding {
        match act.body() {
            ActBody::PositionReported(p) => {
                positions.extend(p.positions.iter().map(|x| TrackPosition {
                    at: x.at,
                    coordinates: x.coordinates.clone(),
                    source: "vehicle".into(),
                    act: act.id(),
                    outside: outside(&x.coordinates),
                }))
            }
            ActBody::SealEventsReported(r) => {
                for e in &r.events {
                    if let Some(c) = &e.coordinates {
                        positions.push(TrackPosition {
                            at: e.at,
                            coordinates: c.clone(),
                            source: e.seal.to_string(),
                            act: act.id(),
                            outside: outside(c),
                        });
                    }
                    seal_events.push(SealEventView {
                        seal: e.seal.clone(),
                        at: e.at,
                        kind: e.event,
                        coordinates: e.coordinates.clone(),
                        act: act.id(),
                    });
                }
            }
            _ => {}
        }
    }
    positions.sort_by(|a, b| (a.at, &a.act, &a.source).cmp(&(b.at, &b.act, &b.source)));
    seal_events.sort_by(|a, b| (a.at, &a.seal, a.kind, a.act).cmp(&(b.at, &b.seal, b.kind, b.act)));

    // The road's findings, each with the positions it concerns (indices before thinning).
    let mut findings: Vec<RoadFinding> = assessment
        .open_discrepancies()
        .filter(|d| ROAD_KINDS.contains(&d.kind))
        .map(|d| RoadFinding {
            id: d.id.clone(),
            kind: d.kind,
            severity: d.severity,
            subject: d.subject.clone(),
            summary: d.summary.clone(),
            words: d.words.clone(),
            acts: d.acts.clone(),
            positions: Vec::new(),
        })
        .collect();
    for f in &mut findings {
        f.positions = concerned(f, &positions);
    }

    // Thinning: everything outside or concerned kept, the rest evenly.
    let total_positions = positions.len();
    let thinned = total_positions > max;
    if thinned {
        let keep = kept(&positions, &findings, max);
        let new_index: BTreeMap<usize, usize> = keep
            .iter()
            .enumerate()
            .map(|(new, old)| (*old, new))
            .collect();
        for f in &mut findings {
            f.positions = f
                .positions
                .iter()
                .filter_map(|i| new_index.get(i).copied())
                .collect();
        }
        let mut all: Vec<Option<TrackPosition>> = positions.into_iter().map(Some).collect();
        positions = keep.iter().filter_map(|i| all[*i].take()).collect();
    }

    let posts = registration
        .map(|r| {
            r.route
                .iter()
                .map(|unit| post_on_route(registry, unit, r.at, assessment.as_of))
                .collect()
        })
        .unwrap_or_default();

    TrackView {
        consignment: assessment.consignment.clone(),
        as_of: assessment.as_of,
        tracked: assessment.state.road.tracked,
        corridor,
        posts,
        positions,
        total_positions,
        thinned,
        seal_events,
        findings,
    }
}

/// `unit` as the post register has it at `registered` (else at `now`).
fn post_on_route(
    registry: &Registry,
    unit: &UnitCode,
    registered: Timestamp,
    now: Timestamp,
) -> PostOnRoute {
    let then = registry.post_at(unit, registered);
    let entry = match then {
        Some(e) if e.coordinates.is_some() => Some(e),
        _ => registry
            .post_at(unit, now)
            .filter(|e| e.coordinates.is_some())
            .or(then),
    };
    PostOnRoute {
        unit: unit.clone(),
        name: entry.map(|e| e.name.clone()),
        coordinates: entry.and_then(|e| e.coordinates.clone()),
        registered_from: entry.and_then(|e| e.coordinates.as_ref().map(|_| e.at)),
    }
}

/// The indices of `positions` (in time order) that finding `f` concerns (see the module doc):
/// those of its proof's acts within its time, found by bisection, so that many findings on a
/// long track cost little.
fn concerned(f: &RoadFinding, positions: &[TrackPosition]) -> Vec<usize> {
    let proof: BTreeSet<&ActId> = f.acts.iter().collect();
    let arg = |name: &str| f.words.args.get(name).and_then(|t| people_time(t));
    // The positions of the proof from `from` to `until`, both included, that `keep` keeps.
    let within = |from: Timestamp, until: Timestamp, keep: &dyn Fn(&TrackPosition) -> bool| {
        let first = positions.partition_point(|p| p.at < from);
        let end = positions.partition_point(|p| p.at <= until);
        (first..end.max(first))
            .filter(|i| proof.contains(&positions[*i].act) && keep(&positions[*i]))
            .collect::<Vec<usize>>()
    };
    let since = Timestamp::parse(&f.subject).ok();
    match f.kind {
        DiscrepancyKind::RouteDeviation | DiscrepancyKind::LongStop => {
            let (Some(from), Some(until)) = (since, arg("until")) else {
                return Vec::new();
            };
            let deviation = f.kind == DiscrepancyKind::RouteDeviation;
            within(from, until, &|p| p.outside || !deviation)
        }
        DiscrepancyKind::TrackingGap => {
            let (Some(from), Some(until)) = (since, arg("until")) else {
                return Vec::new();
            };
            let mut ends = within(from, from, &|_| true);
            ends.extend(within(until, until, &|_| true));
            ends
        }
        DiscrepancyKind::SealOpened | DiscrepancyKind::SealTampered => {
            let Some((seal, at)) = f.subject.rsplit_once('@') else {
                return Vec::new();
            };
            let Ok(at) = Timestamp::parse(at) else {
                return Vec::new();
            };
            within(at, at, &|p| p.source == seal)
        }
        DiscrepancyKind::SealBatteryLow => {
            let Some(at) = arg("at") else {
                return Vec::new();
            };
            within(at, at, &|p| p.source == f.subject)
        }
        _ => Vec::new(),
    }
}

/// A time as [`Timestamp::for_people`] writes it, read back.
fn people_time(text: &str) -> Option<Timestamp> {
    let (date, rest) = text.split_once(' ')?;
    let time = rest.strip_suffix(" +00:00")?;
    Timestamp::parse(&format!("{date}T{time}Z")).ok()
}

/// Which of `positions` a view of at most `max` keeps, in order: those outside the corridor or
/// concerned by a finding, and the rest evenly (if those alone are more than `max`, they too
/// are taken evenly).
fn kept(positions: &[TrackPosition], findings: &[RoadFinding], max: usize) -> Vec<usize> {
    let marked: BTreeSet<usize> = findings
        .iter()
        .flat_map(|f| f.positions.iter().copied())
        .chain(
            positions
                .iter()
                .enumerate()
                .filter(|(_, p)| p.outside)
                .map(|(i, _)| i),
        )
        .collect();
    let evenly = |from: &[usize], n: usize| -> Vec<usize> {
        if n >= from.len() {
            return from.to_vec();
        }
        (0..n).map(|k| from[k * from.len() / n]).collect()
    };
    let marked: Vec<usize> = marked.into_iter().collect();
    if marked.len() >= max {
        return evenly(&marked, max);
    }
    let rest: Vec<usize> = (0..positions.len())
        .filter(|i| marked.binary_search(i).is_err())
        .collect();
    let mut keep: Vec<usize> = evenly(&rest, max - marked.len());
    keep.extend(marked);
    keep.sort_unstable();
    keep
}

#[cfg(test)]
mod tests;
