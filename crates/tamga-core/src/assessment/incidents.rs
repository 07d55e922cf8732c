//! Incidents and their follow-up (Customs Code art. 38, 139): after an accident, force majeure,
//! or a loss or shortage, the goods must be brought to the nearest customs body or officials
//! brought to them. Until a customs body records one of these (or closes the incident), the
//! incident is open and a discrepancy of its own. An incident must be reported at once: one
//! reported longer after it happened than the incident window is late.

use super::discrepancy::Findings;
use super::words::say;
use super::{DiscrepancyKind, Facts, Severity};
use crate::act::{ActBody, IncidentKind};
use crate::canonical::ActId;
use std::collections::BTreeMap;

/// The open incidents, in order; the findings are added to `findings`.
pub(crate) fn assess(facts: &Facts<'_>, findings: &mut Findings) -> Vec<ActId> {
    let mut follow_ups: BTreeMap<ActId, Vec<ActId>> = BTreeMap::new();
    for (id, f) in facts.each(|b| match b {
        ActBody::IncidentFollowedUp(f) => Some(f),
        _ => None,
    }) {
        follow_ups.entry(f.incident).or_default().push(id);
    }
    let mut open = Vec::new();
    for (id, incident) in facts.incidents() {
        if let Some(happened) = incident.happened_at {
            let delay = incident.at.seconds_since(&happened);
            if delay > facts.tolerances.incident_window_seconds {
                findings.add(
                    DiscrepancyKind::IncidentReportedLate,
                    Severity::Major,
                    "",
                    [id],
                    say!(IncidentReportedLate {
                        incident_kind: incident_name(incident.incident),
                        happened_at: happened.for_people(),
                        hours: delay / 3600,
                        reported_at: incident.at.for_people(),
                    }),
                );
            }
        }
        let must_follow_up = matches!(
            incident.incident,
            IncidentKind::Accident | IncidentKind::ForceMajeure | IncidentKind::LossOrShortage
        );
        if must_follow_up && !follow_ups.contains_key(&id) {
            open.push(id);
            let severity = if incident.incident == IncidentKind::LossOrShortage {
                Severity::Critical
            } else {
                Severity::Major
            };
            findings.add(
                DiscrepancyKind::IncidentOpen,
                severity,
                "",
                [id],
                say!(IncidentOpen {
                    incident_kind: incident_name(incident.incident),
                    reported_at: incident.at.for_people(),
                }),
            );
        }
    }
    open
}

/// The incident kind in words.
pub fn incident_name(kind: IncidentKind) -> &'static str {
    match kind {
        IncidentKind::Accident => "accident",
        IncidentKind::ForceMajeure => "force majeure",
        IncidentKind::SealDamage => "seal damage",
        IncidentKind::RouteDeviation => "route deviation",
        IncidentKind::Delay => "delay",
        IncidentKind::LossOrShortage => "loss or shortage",
    }
}
