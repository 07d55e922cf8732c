//! The route: the posts the consignment was planned to pass, the ones where acts show it has
//! been, the next one, and acts performed at posts that are not on the route (minor when the
//! goods were brought there after an incident).

use super::discrepancy::Findings;
use super::words::say;
use super::{DiscrepancyKind, Facts, Severity};
use crate::act::ActBody;
use crate::codes::UnitCode;
use serde::{Deserialize, Serialize};

/// How far along its route a consignment has come.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteProgress {
    /// The planned posts, departure first, destination last.
    pub planned: Vec<UnitCode>,
    /// The planned posts where acts were recorded, in route order.
    pub visited: Vec<UnitCode>,
    /// The next planned post after the furthest one visited; `None` at the destination.
    pub next: Option<UnitCode>,
}

pub(crate) fn assess(facts: &Facts<'_>, findings: &mut Findings) -> RouteProgress {
    let Some((reg_id, reg)) = facts.registration else {
        return RouteProgress::default();
    };
    let planned = &reg.route;
    let mut reached = vec![false; planned.len()];
    reached[0] = true;
    for act in &facts.acts {
        let Some(post) = act.body().place().and_then(|p| p.post()) else {
            continue;
        };
        match planned.iter().position(|p| p == post) {
            Some(i) => reached[i] = true,
            // Brought to the nearest customs body after an incident (art. 38, 139): off the
            // route, for a reason on record.
            None if matches!(act.body(), ActBody::IncidentFollowedUp(_)) => {
                let ActBody::IncidentFollowedUp(f) = act.body() else {
                    unreachable!("a follow-up")
                };
                findings.add(
                    DiscrepancyKind::OffRoute,
                    Severity::Minor,
                    post.as_str(),
                    [reg_id, act.id(), f.incident],
                    say!(OffRouteAfterIncident {
                        post,
                        incident: f.incident.short(),
                    }),
                )
            }
            None => findings.add(
                DiscrepancyKind::OffRoute,
                Severity::Major,
                post.as_str(),
                [reg_id, act.id()],
                say!(OffRoute {
                    act_kind: act.body().kind(),
                    post,
                }),
            ),
        }
    }
    let furthest = reached.iter().rposition(|r| *r).unwrap_or(0);
    RouteProgress {
        planned: planned.clone(),
        visited: planned
            .iter()
            .zip(&reached)
            .filter(|(_, r)| **r)
            .map(|(p, _)| p.clone())
            .collect(),
        next: planned.get(furthest + 1).cloned(),
    }
}
