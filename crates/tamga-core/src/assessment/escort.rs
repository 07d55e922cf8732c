//! The escort: the crew in force for each escort unit (its assignment, then each change of
//! crew, officer in charge or vehicle, and the vehicle a transhipment moves the goods to), and
//! the handoffs to and from an escort unit, each of which must be signed on the escort's side by
//! an officer of the crew in force (Order 79, appendix 4: the escort is the crew assigned), or of
//! the crew it replaced in a transhipment or in a change of the very same second.

use super::custody::Holder;
use super::discrepancy::Findings;
use super::words::say;
use super::{DiscrepancyKind, Facts, Severity};
use crate::act::ActBody;
use crate::canonical::ActId;
use crate::codes::{KeyId, UnitCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An escort crew as in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escort {
    /// The `escort_assigned` act.
    pub act: ActId,
    /// The escort unit.
    pub unit: UnitCode,
    /// The vehicle.
    pub vehicle: String,
    /// The officer in charge.
    pub officer_in_charge: KeyId,
    /// The crew.
    pub crew: Vec<KeyId>,
    /// The `escort_changed` acts and transhipments since the assignment, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ActId>,
}

/// An escort unit's crew as the fold goes: the escort in force, and what a handoff may still
/// be signed by after a change.
struct Crew {
    escort: Escort,
    /// The crew before the last change: in a transhipment the crew handing over signs too.
    previous: Vec<KeyId>,
    /// When the last change was made.
    changed_at: Option<crate::time::Timestamp>,
}

pub(crate) fn assess(
    facts: &Facts<'_>,
    holder: Option<&Holder>,
    findings: &mut Findings,
) -> Option<Escort> {
    let mut crews: BTreeMap<UnitCode, Crew> = BTreeMap::new();
    let mut last: Option<UnitCode> = None;
    for act in &facts.acts {
        let id = act.id();
        match act.body() {
            ActBody::EscortAssigned(e) => {
                crews.insert(
                    e.escort_unit.clone(),
                    Crew {
                        escort: Escort {
                            act: id,
                            unit: e.escort_unit.clone(),
                            vehicle: e.vehicle.to_string(),
                            officer_in_charge: e.officer_in_charge.clone(),
                            crew: e.crew.clone(),
                            changes: Vec::new(),
                        },
                        previous: Vec::new(),
                        changed_at: None,
                    },
                );
                last = Some(e.escort_unit.clone());
            }
            ActBody::EscortChanged(c) => {
                let entry = crews.entry(c.escort_unit.clone()).or_insert(Crew {
                    escort: Escort {
                        act: id,
                        unit: c.escort_unit.clone(),
                        vehicle: String::new(),
                        officer_in_charge: c.officer_in_charge.clone(),
                        crew: Vec::new(),
                        changes: Vec::new(),
                    },
                    previous: Vec::new(),
                    changed_at: None,
                });
                entry.previous = std::mem::take(&mut entry.escort.crew);
                entry.changed_at = Some(c.at);
                let escort = &mut entry.escort;
                escort.vehicle = c.vehicle.to_string();
                escort.officer_in_charge = c.officer_in_charge.clone();
                escort.crew = c.crew.clone();
                escort.changes.push(id);
                last = Some(c.escort_unit.clone());
            }
            ActBody::CustodyTransferred(t) => {
                for (releasing, party) in [(true, &t.releasing), (false, &t.receiving)] {
                    let Some(Crew {
                        escort,
                        previous,
                        changed_at,
                    }) = crews.get(&party.unit)
                    else {
                        continue;
                    };
                    // In a transhipment the crew relieved hands over to the crew in force. And acts
                    // are timed to the second: a handoff in the same second as a crew change may
                    // have come before it, so the crew before the change counts too.
                    let relieved = ((releasing && t.transhipment.is_some())
                        || *changed_at == Some(t.at))
                        && previous.contains(&party.officer);
                    if !escort.crew.contains(&party.officer) && !relieved {
                        let proof = [escort.act, id]
                            .into_iter()
                            .chain(escort.changes.last().copied());
                        findings.add(
                            DiscrepancyKind::NotInCrew,
                            Severity::Critical,
                            party.unit.as_str(),
                            proof,
                            if releasing {
                                say!(ReleasingNotInCrew {
                                    unit: party.unit,
                                    officer: party.officer,
                                })
                            } else {
                                say!(ReceivingNotInCrew {
                                    unit: party.unit,
                                    officer: party.officer,
                                })
                            },
                        );
                    }
                }
                if let (Some(moved), Some(crew)) =
                    (&t.transhipment, crews.get_mut(&t.receiving.unit))
                {
                    crew.escort.vehicle = moved.vehicle.to_string();
                    crew.escort.changes.push(id);
                }
            }
            _ => {}
        }
    }
    let holding = holder.and_then(|h| crews.remove(&h.unit));
    holding
        .or_else(|| last.and_then(|u| crews.remove(&u)))
        .map(|crew| crew.escort)
}
