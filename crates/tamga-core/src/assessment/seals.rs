//! The seal ledger: which seals were applied, what every officer saw of them, and which were
//! removed or replaced and on what grounds. Mismatches: a seal observed that was never applied,
//! an applied seal not there, damage without an incident, and observations that contradict each
//! other.
//!
//! Grounds for taking a seal off (Customs Code art. 140, 202): a permission is a
//! `permission_granted` act of a customs body naming the seal, in force at the time (a text
//! reference alone is the crew's word); an inspection is a customs officer's own act; a threat
//! to life or of loss needs an incident reported within the incident window with at least one
//! attachment (a photo) as proof. A transhipment takes every seal listed off and fixes the new
//! ones, under a transhipment permit.

use super::discrepancy::Findings;
use super::goods::is_rough_diamond;
use super::words::say;
use super::{DiscrepancyKind, Facts, Severity};
use crate::act::{
    ActBody, IncidentKind, Permit, SealBasis, SealGrounds, SealKind, SealObservation, SealState,
    Transhipment,
};
use crate::canonical::ActId;
use crate::codes::{Role, SealNumber};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether a seal is still on the goods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SealStatus {
    /// Fixed and not taken off.
    Active,
    /// Taken off.
    Removed,
    /// Taken off and another fixed in its place.
    Replaced,
}

/// One seal's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealRecord {
    /// Mechanical or navigation; `None` if it was never applied.
    pub kind: Option<SealKind>,
    /// On the goods or not.
    pub status: SealStatus,
    /// The state last observed.
    pub last_state: SealState,
    /// When it was last observed.
    pub last_seen: Timestamp,
    /// The act that applied it.
    pub applied: Option<ActId>,
    /// Every act that mentions it, in order.
    pub history: Vec<ActId>,
}

struct Ledger<'f, 'a> {
    facts: &'f Facts<'a>,
    findings: &'f mut Findings,
    seals: BTreeMap<SealNumber, SealRecord>,
}

impl Ledger<'_, '_> {
    /// An incident that explains something happening to `seal` at `at`; with `proof`, only
    /// one with an attachment.
    fn incident_for(&self, seal: &SealNumber, at: Timestamp, proof: bool) -> Option<ActId> {
        let window = self.facts.tolerances.incident_window_seconds;
        self.facts
            .incidents()
            .find(|(_, i)| {
                if proof && i.attachments.is_empty() {
                    return false;
                }
                let when = i.happened_at.unwrap_or(i.at);
                let relevant = match i.incident {
                    IncidentKind::SealDamage => i.seals.contains(seal) || i.seals.is_empty(),
                    IncidentKind::Accident
                    | IncidentKind::ForceMajeure
                    | IncidentKind::LossOrShortage => i.seals.is_empty() || i.seals.contains(seal),
                    IncidentKind::RouteDeviation | IncidentKind::Delay => false,
                };
                relevant && when.seconds_since(&at).abs() <= window
            })
            .map(|(id, _)| id)
    }

    fn apply(&mut self, act: ActId, at: Timestamp, seal: &SealNumber, kind: SealKind) {
        if let Some(existing) = self.seals.get(seal) {
            if existing.status == SealStatus::Active {
                let earlier = existing.applied.into_iter().chain([act]);
                self.findings.add(
                    DiscrepancyKind::SealStateConflict,
                    Severity::Minor,
                    seal.as_str(),
                    earlier,
                    say!(SealAppliedAgain { seal }),
                );
            }
        }
        let record = self.seals.entry(seal.clone()).or_insert(SealRecord {
            kind: Some(kind),
            status: SealStatus::Active,
            last_state: SealState::Intact,
            last_seen: at,
            applied: Some(act),
            history: Vec::new(),
        });
        record.kind = Some(kind);
        record.status = SealStatus::Active;
        record.last_state = SealState::Intact;
        record.last_seen = at;
        record.applied.get_or_insert(act);
        record.history.push(act);
    }

    fn observe(&mut self, act: ActId, at: Timestamp, seal: &SealNumber, state: SealState) {
        let Some(record) = self.seals.get(seal).cloned() else {
            self.findings.add(
                DiscrepancyKind::SealNotApplied,
                Severity::Critical,
                seal.as_str(),
                self.facts.registration_id().into_iter().chain([act]),
                say!(SealNotApplied {
                    seal,
                    seal_state: format!("{state:?}"),
                }),
            );
            self.seals.insert(
                seal.clone(),
                SealRecord {
                    kind: None,
                    status: SealStatus::Active,
                    last_state: state,
                    last_seen: at,
                    applied: None,
                    history: vec![act],
                },
            );
            return;
        };
        let last = *record.history.last().expect("a record has history");
        if record.status != SealStatus::Active {
            if state == SealState::Intact {
                self.findings.add(
                    DiscrepancyKind::SealStateConflict,
                    Severity::Major,
                    seal.as_str(),
                    [last, act],
                    say!(SealIntactAfterRemoval { seal }),
                );
            }
        } else if state < record.last_state {
            // A seal does not mend itself: intact after damaged or missing, or damaged (so on
            // the goods) after missing.
            // Intact after damaged or missing, or damaged after missing (the only state worse
            // than damaged).
            self.findings.add(
                DiscrepancyKind::SealStateConflict,
                Severity::Critical,
                seal.as_str(),
                [last, act],
                match state {
                    SealState::Intact => say!(SealIntactAfterWorse {
                        seal,
                        seal_state: format!("{:?}", record.last_state),
                    }),
                    _ => say!(SealDamagedAfterMissing { seal }),
                },
            );
        } else if state > record.last_state {
            // Worse than last seen: intact to damaged or missing, and damaged to missing.
            // (SealState orders Intact < Damaged < Missing.)
            let missing = state == SealState::Missing;
            let kind = if missing {
                DiscrepancyKind::SealMissing
            } else {
                DiscrepancyKind::SealDamaged
            };
            let proof = record.applied.into_iter().chain([act]);
            match self.incident_for(seal, at, false) {
                None => self.findings.add(
                    kind,
                    Severity::Critical,
                    seal.as_str(),
                    proof,
                    if missing {
                        say!(SealMissingNoIncident { seal })
                    } else {
                        say!(SealDamagedNoIncident { seal })
                    },
                ),
                Some(incident) => self.findings.add(
                    kind,
                    Severity::Minor,
                    seal.as_str(),
                    proof.chain([incident]),
                    if missing {
                        say!(SealMissingIncident {
                            seal,
                            incident: incident.short(),
                        })
                    } else {
                        say!(SealDamagedIncident {
                            seal,
                            incident: incident.short(),
                        })
                    },
                ),
            }
        }
        let record = self.seals.get_mut(seal).expect("present");
        record.last_state = state;
        record.last_seen = at;
        record.history.push(act);
    }

    /// Whether `permission` names a permit of a customs body that `wanted` accepts, in force
    /// at `at`.
    fn permits(
        &self,
        permission: Option<ActId>,
        at: Timestamp,
        wanted: impl Fn(&Permit) -> bool,
    ) -> bool {
        permission.is_some_and(|id| {
            matches!(self.facts.find(&id), Some(ActBody::PermissionGranted(p))
                if wanted(&p.permits) && p.in_force(at))
        })
    }

    fn take_off(
        &mut self,
        act: ActId,
        body: &ActBody,
        seal: &SealNumber,
        grounds: &SealGrounds,
        status: SealStatus,
    ) {
        let at = body.at();
        let missing = match grounds.basis {
            SealBasis::ThreatOfLoss | SealBasis::ThreatToLife => {
                self.incident_for(seal, at, true).is_none().then(|| {
                    say!(SealOffUnderThreat {
                        seal,
                        seal_basis: format!("{:?}", grounds.basis),
                        hours: self.facts.tolerances.incident_window_seconds / 3600,
                    })
                })
            }
            SealBasis::Permission => (!self.permits(
                grounds.permission,
                at,
                |p| matches!(p, Permit::SealRemoval { seals } if seals.contains(seal)),
            ))
            .then(|| say!(SealOffWithoutPermission { seal })),
            SealBasis::Inspection => (!matches!(
                self.facts.signer_role(body),
                Some(Role::PostOfficer | Role::PreciousMetalsOfficer)
            ))
            .then(|| say!(SealOffForInspection { seal })),
        };
        if let Some(words) = missing {
            self.findings.add(
                DiscrepancyKind::SealRemovedWithoutGrounds,
                Severity::Critical,
                seal.as_str(),
                [act].into_iter().chain(grounds.permission),
                words,
            );
        }
        if let Some(record) = self.seals.get_mut(seal) {
            record.status = status;
        }
    }

    /// A transhipment: every seal listed comes off, the new seals go on, under a permit.
    fn tranship(
        &mut self,
        act: ActId,
        at: Timestamp,
        listed: &[SealObservation],
        t: &Transhipment,
    ) {
        if !self.permits(Some(t.permission), at, |p| {
            matches!(p, Permit::Transhipment { .. })
        }) {
            self.findings.add(
                DiscrepancyKind::TranshipmentWithoutPermission,
                Severity::Critical,
                "",
                [act, t.permission],
                say!(TranshipmentWithoutPermit { vehicle: t.vehicle }),
            );
        }
        for o in listed {
            if let Some(record) = self.seals.get_mut(&o.seal) {
                record.status = SealStatus::Replaced;
            }
        }
        for n in &t.new_seals {
            self.apply(act, at, &n.seal, n.seal_kind);
        }
    }

    /// A handoff or delivery lists what both sides saw; every seal on the goods must be listed.
    fn inventory(&mut self, act: ActId, at: Timestamp, observed: &[SealObservation]) {
        for o in observed {
            self.observe(act, at, &o.seal, o.state);
        }
        let unlisted: Vec<(SealNumber, Option<ActId>)> = self
            .seals
            .iter()
            .filter(|(n, r)| {
                // A seal already recorded missing has been reported; it is not asked for again.
                r.status == SealStatus::Active
                    && r.last_state != SealState::Missing
                    && !observed.iter().any(|o| &o.seal == *n)
            })
            .map(|(n, r)| (n.clone(), r.applied))
            .collect();
        for (seal, applied) in unlisted {
            self.findings.add(
                DiscrepancyKind::SealMissing,
                Severity::Critical,
                seal.as_str(),
                applied.into_iter().chain([act]),
                say!(SealNotListed { seal }),
            );
        }
        let sealed = self.seals.values().any(|r| r.status == SealStatus::Active);
        if !sealed {
            let rough = self
                .facts
                .registration
                .map(|(_, r)| r.goods.iter().any(|g| is_rough_diamond(&g.hs_code)))
                .unwrap_or(false);
            self.findings.add(
                DiscrepancyKind::SealMissing,
                if rough {
                    Severity::Critical
                } else {
                    Severity::Major
                },
                "",
                [act],
                if rough {
                    say!(NoSealOnRoughDiamonds)
                } else {
                    say!(NoSeal)
                },
            );
        }
    }
}

pub(crate) fn assess(
    facts: &Facts<'_>,
    findings: &mut Findings,
) -> BTreeMap<SealNumber, SealRecord> {
    let mut ledger = Ledger {
        facts,
        findings,
        seals: BTreeMap::new(),
    };
    for act in &facts.acts {
        let id = act.id();
        match act.body() {
            ActBody::SealApplied(a) => ledger.apply(id, a.at, &a.seal, a.seal_kind),
            ActBody::SealChecked(a) => ledger.observe(id, a.at, &a.seal, a.state),
            ActBody::SealRemoved(a) => {
                ledger.observe(id, a.at, &a.seal, a.state);
                let body = act.body();
                ledger.take_off(id, body, &a.seal, &a.grounds, SealStatus::Removed);
            }
            ActBody::SealReplaced(a) => {
                ledger.observe(id, a.at, &a.old_seal, a.old_state);
                let body = act.body();
                ledger.take_off(id, body, &a.old_seal, &a.grounds, SealStatus::Replaced);
                ledger.apply(id, a.at, &a.new_seal, a.new_seal_kind);
            }
            ActBody::CustodyTransferred(t) => {
                ledger.inventory(id, t.at, &t.seals);
                if let Some(moved) = &t.transhipment {
                    ledger.tranship(id, t.at, &t.seals, moved);
                }
            }
            ActBody::ConsignmentDelivered(d) => ledger.inventory(id, d.at, &d.seals),
            ActBody::DeliveryRefused(r) => ledger.inventory(id, r.at, &r.seals),
            ActBody::ConsignmentReturned(r) => ledger.inventory(id, r.at, &r.seals),
            _ => {}
        }
    }
    ledger.seals
}
