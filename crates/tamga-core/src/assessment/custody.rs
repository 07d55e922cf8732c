//! The custody chain: each handoff names its predecessor, so the handoffs form a chain from the
//! office of departure to whoever holds the goods now. Two handoffs from one predecessor are a
//! fork; a handoff whose releaser is not the previous receiver, or whose predecessor is unknown,
//! is a gap. Delivery by a unit that was never handed the goods is a gap too.

use super::discrepancy::Findings;
use super::words::say;
use super::{DiscrepancyKind, Facts, Severity};
use crate::act::{ActBody, CustodyTransferred};
use crate::canonical::ActId;
use crate::codes::{KeyId, UnitCode};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Who answers for the goods.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// The post, office or escort unit.
    pub unit: UnitCode,
    /// The officer who took custody (or registered the consignment).
    pub officer: KeyId,
    /// Since when.
    pub since: Timestamp,
    /// The act that gave custody: the last handoff, or the registration.
    pub act: ActId,
}

/// What the custody rules derive.
pub(crate) struct CustodyView {
    pub holder: Option<Holder>,
    pub chain: Vec<ActId>,
    pub disputed: bool,
}

pub(crate) fn assess(facts: &Facts<'_>, findings: &mut Findings) -> CustodyView {
    let transfers: Vec<(ActId, &CustodyTransferred)> = facts
        .each(|b| match b {
            ActBody::CustodyTransferred(t) => Some(t),
            _ => None,
        })
        .collect();
    let by_id: BTreeMap<ActId, &CustodyTransferred> = transfers.iter().copied().collect();
    let mut successors: BTreeMap<Option<ActId>, Vec<ActId>> = BTreeMap::new();
    for (id, t) in &transfers {
        successors.entry(t.previous).or_default().push(*id);
    }

    for (previous, next) in &successors {
        if next.len() > 1 {
            let count = next.len();
            let receivers = next
                .iter()
                .map(|id| by_id[id].receiving.unit.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            findings.add(
                DiscrepancyKind::CustodyFork,
                Severity::Critical,
                previous.map(|p| p.to_hex()).unwrap_or_default(),
                previous.iter().copied().chain(next.iter().copied()),
                match previous {
                    Some(p) => say!(Fork {
                        count,
                        handoff: p.short(),
                        receivers,
                    }),
                    None => say!(ForkFromDeparture { count, receivers }),
                },
            );
        }
    }

    for (id, t) in &transfers {
        match t.previous {
            None => {
                if let Some((reg_id, reg)) = facts.registration {
                    if t.releasing.unit != reg.office_of_departure {
                        findings.add(
                            DiscrepancyKind::CustodyGap,
                            Severity::Critical,
                            t.releasing.unit.as_str(),
                            [reg_id, *id],
                            say!(FirstReleasedElsewhere {
                                unit: t.releasing.unit,
                                departure: reg.office_of_departure,
                            }),
                        );
                    }
                }
            }
            Some(p) => match by_id.get(&p) {
                None => findings.add(
                    DiscrepancyKind::CustodyGap,
                    Severity::Critical,
                    p.to_hex(),
                    [*id],
                    say!(UnknownPrevious {
                        handoff: id.short(),
                        previous: p.short(),
                    }),
                ),
                Some(previous) => {
                    if previous.receiving.unit != t.releasing.unit {
                        findings.add(
                            DiscrepancyKind::CustodyGap,
                            Severity::Critical,
                            t.releasing.unit.as_str(),
                            [p, *id],
                            say!(ReleasedByOther {
                                holder: previous.receiving.unit,
                                unit: t.releasing.unit,
                            }),
                        );
                    }
                    if t.at < previous.at {
                        findings.add(
                            DiscrepancyKind::ClockAnomaly,
                            Severity::Major,
                            "",
                            [p, *id],
                            say!(HandoffBeforePrevious {
                                at: t.at.for_people(),
                                previous_at: previous.at.for_people(),
                            }),
                        );
                    }
                }
            },
        }
    }

    // Walk the chain from the office of departure while it is unambiguous.
    let mut chain = Vec::new();
    let mut disputed = false;
    let mut cursor: Option<ActId> = None;
    while let Some(next) = successors.get(&cursor) {
        if next.len() > 1 {
            disputed = true;
            break;
        }
        chain.push(next[0]);
        cursor = Some(next[0]);
        if chain.len() > transfers.len() {
            break;
        }
    }
    let holder = match chain.last() {
        Some(last) => {
            let t = by_id[last];
            Some(Holder {
                unit: t.receiving.unit.clone(),
                officer: t.receiving.officer.clone(),
                since: t.at,
                act: *last,
            })
        }
        None => facts.registration.map(|(id, r)| Holder {
            unit: r.office_of_departure.clone(),
            officer: r.officer.clone(),
            since: r.at,
            act: id,
        }),
    };

    // Transit ends with the custodian: a delivery at the office of destination, a return at
    // the office of departure.
    if let (Some(holder), Some((_, reg)), false) = (&holder, facts.registration, disputed) {
        for act in &facts.acts {
            let (delivered, place, unit) = match act.body() {
                ActBody::ConsignmentDelivered(d) => (true, &d.place, &reg.office_of_destination),
                ActBody::ConsignmentReturned(r) => (false, &r.place, &reg.office_of_departure),
                _ => continue,
            };
            if &holder.unit != unit {
                let holder_unit = &holder.unit;
                findings.add(
                    DiscrepancyKind::CustodyGap,
                    Severity::Critical,
                    unit.as_str(),
                    [holder.act, act.id()],
                    match (delivered, place.post()) {
                        (true, Some(post)) => say!(DeliveredNotHolder {
                            post,
                            holder: holder_unit,
                        }),
                        (true, None) => say!(DeliveredOffPostNotHolder {
                            holder: holder_unit
                        }),
                        (false, Some(post)) => say!(ReturnedNotHolder {
                            post,
                            holder: holder_unit,
                        }),
                        (false, None) => say!(ReturnedOffPostNotHolder {
                            holder: holder_unit
                        }),
                    },
                );
            }
        }
    }

    CustodyView {
        holder,
        chain,
        disputed,
    }
}
