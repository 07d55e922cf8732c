//! The road between posts: where the goods were while in transit, judged against the corridor
//! set at registration, and what their navigation seals reported (Order 79, appendix 19;
//! electronic cargo tracking's three alerts: leaving the approved route, an unusually long
//! stop, an attempt to open).
//!
//! A consignment is **tracked** when its registration sets a corridor or a navigation seal is
//! fixed on it; the rules below judge only tracked consignments, and only positions **in
//! transit**: from the first handoff (the goods leave the office of departure) until the goods
//! reach the office of destination (arrival notified, delivery or refusal) or are returned.
//! Positions come from the vehicle's `position_reported` acts and from the seals' events that
//! carry coordinates, both only from acts that hold.
//!
//! - **route deviation** (major): consecutive positions further from the corridor's line than
//!   half its width, one finding per stretch; minor when an incident was reported within the
//!   incident window of the stretch.
//! - **long stop** (major): positions within `stop_radius_metres` of where the vehicle stopped,
//!   for longer than `long_stop_seconds`, further than `post_radius_metres` from every post
//!   registered with coordinates; minor with an incident reported within the window.
//! - **tracking gap** (major): more than `tracking_gap_seconds` without a position between the
//!   start of transit, the positions and its end. Only between times on record: a vehicle that
//!   has not synced since is not judged until its positions arrive.
//! - navigation seals' events ([`seals`]).
//!
//! Every finding's proof is the acts that carry its positions (and the incident, where one
//! explains it); its subject the time it began, so that a stretch still growing keeps its
//! subject.

pub mod geo;
mod seals;
pub mod view;

use super::discrepancy::Findings;
use super::words::say;
use super::{DiscrepancyKind, Facts, Severity};
use crate::act::{ActBody, Coordinates, Position};
use crate::canonical::ActId;
use crate::codes::SealNumber;
use crate::time::Timestamp;
use geo::{Line, Point};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use seals::NavigationSeal;

/// What the assessment says of the road.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Road {
    /// Whether the road's rules apply: a corridor is set or a navigation seal fixed.
    pub tracked: bool,
    /// Positions reported in acts that hold, by the vehicle and by navigation seals.
    pub fixes: u32,
    /// Of those in transit, how many lie outside the corridor.
    pub outside_corridor: u32,
    /// The latest position, from the vehicle or a seal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_fix: Option<Position>,
    /// When transit began (the first handoff) and, once it has, ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_from: Option<Timestamp>,
    /// When the goods reached the office of destination or were returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_until: Option<Timestamp>,
    /// Each navigation seal's events as its operator reported them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub navigation_seals: BTreeMap<SealNumber, NavigationSeal>,
}

/// One position, with the act that reports it.
#[derive(Clone, Copy)]
pub(crate) struct Fix<'a> {
    pub at: Timestamp,
    pub coordinates: &'a Coordinates,
    pub point: Point,
    pub act: ActId,
}

pub(crate) fn assess(facts: &Facts<'_>, findings: &mut Findings) -> Road {
    let mut fixes = fixes(facts);
    fixes.sort_by_key(|f| (f.at, f.act));
    let (transit_from, transit_until) = transit(facts);
    let corridor = facts.registration.and_then(|(_, r)| r.corridor.as_ref());
    let navigation_fixed = facts
        .acts
        .iter()
        .any(|a| !super::permission::navigation_seals_fixed(a.body()).is_empty());
    let tracked = corridor.is_some() || navigation_fixed;
    let mut road = Road {
        tracked,
        fixes: fixes.len() as u32,
        last_fix: fixes.last().map(|f| Position {
            at: f.at,
            coordinates: f.coordinates.clone(),
        }),
        transit_from: transit_from.map(|(t, _)| t),
        transit_until: transit_until.map(|(t, _)| t),
        ..Road::default()
    };
    road.navigation_seals = seals::assess(facts, transit_until.map(|(t, _)| t), findings);
    let (Some(registration), Some((from, from_act))) = (facts.registration_id(), transit_from)
    else {
        return road;
    };
    if !tracked {
        return road;
    }
    let in_transit: Vec<Fix<'_>> = fixes
        .into_iter()
        .filter(|f| f.at >= from && transit_until.is_none_or(|(until, _)| f.at <= until))
        .collect();
    let judge = Judge {
        facts,
        registration,
    };
    if let Some(corridor) = corridor {
        let line = Line::new(corridor.waypoints.iter().map(Point::of).collect());
        let half_width = f64::from(corridor.width_metres) / 2.0;
        road.outside_corridor = judge.deviations(&in_transit, &line, half_width, findings);
    }
    judge.long_stops(&in_transit, findings);
    judge.gaps(&in_transit, (from, from_act), transit_until, findings);
    road
}

/// Every position in the acts that hold.
fn fixes<'a>(facts: &Facts<'a>) -> Vec<Fix<'a>> {
    let mut out = Vec::new();
    for act in &facts.acts {
        match act.body() {
            ActBody::PositionReported(p) => out.extend(p.positions.iter().map(|x| Fix {
                at: x.at,
                coordinates: &x.coordinates,
                point: Point::of(&x.coordinates),
                act: act.id(),
            })),
            ActBody::SealEventsReported(e) => out.extend(e.events.iter().filter_map(|x| {
                x.coordinates.as_ref().map(|c| Fix {
                    at: x.at,
                    coordinates: c,
                    point: Point::of(c),
                    act: act.id(),
                })
            })),
            _ => {}
        }
    }
    out
}

/// A time with the act that records it.
type Moment = (Timestamp, ActId);

/// When transit began (the first handoff) and when it ended (the goods reached the office of
/// destination or were returned), each with the act that says so.
fn transit(facts: &Facts<'_>) -> (Option<Moment>, Option<Moment>) {
    let from = facts.acts.iter().find_map(|a| match a.body() {
        ActBody::CustodyTransferred(t) => Some((t.at, a.id())),
        _ => None,
    });
    let until = facts
        .acts
        .iter()
        .filter_map(|a| match a.body() {
            ActBody::ArrivalNotified(n) => Some((n.arrived_at, a.id())),
            ActBody::ConsignmentDelivered(d) => Some((d.at, a.id())),
            ActBody::DeliveryRefused(r) => Some((r.at, a.id())),
            ActBody::ConsignmentReturned(r) => Some((r.at, a.id())),
            _ => None,
        })
        .min();
    (from, until)
}

struct Judge<'f, 'a> {
    facts: &'f Facts<'a>,
    registration: ActId,
}

impl Judge<'_, '_> {
    /// An incident reported (or happened) within the incident window of `[from, until]`.
    fn incident_near(&self, from: Timestamp, until: Timestamp) -> Option<ActId> {
        let window = self.facts.tolerances.incident_window_seconds;
        self.facts.incidents().find_map(|(id, i)| {
            let t = i.happened_at.unwrap_or(i.at);
            (t >= from.plus_seconds(-window) && t <= until.plus_seconds(window)).then_some(id)
        })
    }

    /// The acts of `fixes`, and the registration, as proof.
    fn proof<'x>(&self, fixes: impl IntoIterator<Item = &'x Fix<'x>>) -> Vec<ActId> {
        let mut acts: Vec<ActId> = fixes.into_iter().map(|f| f.act).collect();
        acts.push(self.registration);
        acts
    }

    /// One finding per stretch of consecutive positions outside the corridor; the number of
    /// positions outside.
    fn deviations(
        &self,
        fixes: &[Fix<'_>],
        line: &Line,
        half_width: f64,
        findings: &mut Findings,
    ) -> u32 {
        // Stretches of consecutive positions outside: (first, last, furthest distance).
        let mut stretches: Vec<(usize, usize, f64)> = Vec::new();
        let mut open: Option<(usize, f64)> = None;
        for (i, f) in fixes.iter().enumerate() {
            let d = line.distance_metres(f.point);
            match (d > half_width, open) {
                (true, None) => open = Some((i, d)),
                (true, Some((first, max))) => open = Some((first, max.max(d))),
                (false, Some((first, max))) => {
                    stretches.push((first, i - 1, max));
                    open = None;
                }
                (false, None) => {}
            }
        }
        if let Some((first, max)) = open {
            stretches.push((first, fixes.len() - 1, max));
        }
        let mut outside = 0;
        for (first, last, max) in stretches {
            let stretch = &fixes[first..=last];
            outside += stretch.len() as u32;
            let (from, until) = (stretch[0].at, stretch[stretch.len() - 1].at);
            let mut acts = self.proof(stretch);
            let (count, metres) = (stretch.len(), format!("{}", max.round() as i64));
            let (severity, words) = match self.incident_near(from, until) {
                Some(incident) => {
                    acts.push(incident);
                    (
                        Severity::Minor,
                        say!(RouteDeviationAfterIncident {
                            fixes: count,
                            from: from.for_people(),
                            until: until.for_people(),
                            metres,
                            incident: incident.short(),
                        }),
                    )
                }
                None => (
                    Severity::Major,
                    say!(RouteDeviation {
                        fixes: count,
                        from: from.for_people(),
                        until: until.for_people(),
                        metres,
                    }),
                ),
            };
            findings.add(
                DiscrepancyKind::RouteDeviation,
                severity,
                from.to_rfc3339(),
                acts,
                words,
            );
        }
        outside
    }

    /// Stops longer than allowed away from every registered post.
    fn long_stops(&self, fixes: &[Fix<'_>], findings: &mut Findings) {
        let t = self.facts.tolerances;
        let radius = f64::from(t.stop_radius_metres);
        let mut first = 0;
        while first < fixes.len() {
            let anchor = fixes[first].point;
            let mut last = first;
            while last + 1 < fixes.len()
                && geo::distance_metres(anchor, fixes[last + 1].point) <= radius
            {
                last += 1;
            }
            let (from, until) = (fixes[first].at, fixes[last].at);
            if until.seconds_since(&from) > t.long_stop_seconds && !self.near_post(anchor, from) {
                let stretch = &fixes[first..=last];
                let mut acts = self.proof(stretch);
                let minutes = until.seconds_since(&from) / 60;
                let (severity, words) = match self.incident_near(from, until) {
                    Some(incident) => {
                        acts.push(incident);
                        (
                            Severity::Minor,
                            say!(LongStopAfterIncident {
                                minutes,
                                from: from.for_people(),
                                until: until.for_people(),
                                incident: incident.short(),
                            }),
                        )
                    }
                    None => (
                        Severity::Major,
                        say!(LongStop {
                            minutes,
                            from: from.for_people(),
                            until: until.for_people(),
                        }),
                    ),
                };
                findings.add(
                    DiscrepancyKind::LongStop,
                    severity,
                    from.to_rfc3339(),
                    acts,
                    words,
                );
            }
            first = last + 1;
        }
    }

    /// Whether `p` lies within the post radius of a post registered with coordinates at `at`.
    fn near_post(&self, p: Point, at: Timestamp) -> bool {
        let radius = f64::from(self.facts.tolerances.post_radius_metres);
        self.facts.registry.posts().any(|(post, _)| {
            self.facts
                .registry
                .post_at(post, at)
                .and_then(|e| e.coordinates.as_ref())
                .is_some_and(|c| geo::distance_metres(p, Point::of(c)) <= radius)
        })
    }

    /// Gaps longer than allowed between the start of transit, the positions and its end.
    fn gaps(
        &self,
        fixes: &[Fix<'_>],
        from: (Timestamp, ActId),
        until: Option<(Timestamp, ActId)>,
        findings: &mut Findings,
    ) {
        let allowed = self.facts.tolerances.tracking_gap_seconds;
        let times: Vec<(Timestamp, ActId)> = std::iter::once(from)
            .chain(fixes.iter().map(|f| (f.at, f.act)))
            .chain(until)
            .collect();
        for w in times.windows(2) {
            let ((a, a_act), (b, b_act)) = (w[0], w[1]);
            if b.seconds_since(&a) > allowed {
                findings.add(
                    DiscrepancyKind::TrackingGap,
                    Severity::Major,
                    a.to_rfc3339(),
                    [a_act, b_act, self.registration],
                    say!(TrackingGap {
                        minutes: b.seconds_since(&a) / 60,
                        from: a.for_people(),
                        until: b.for_people(),
                    }),
                );
            }
        }
    }
}
