//! How transit ends: delivered in full, delivered short (the shortage counted and a
//! discrepancy), refused at the office of destination (a discrepancy for staff to follow), or
//! returned to the office of departure. And the documents that travel with the goods
//! (Customs Code art. 36), checked at delivery as NCTS unloading remarks record them: each
//! registered document present or missing.

use super::discrepancy::Findings;
use super::words::say;
use super::{DiscrepancyKind, Facts, Severity};
use crate::act::{ActBody, DocumentCheck};
use crate::canonical::ActId;
use crate::quantity::Mass;
use serde::{Deserialize, Serialize};

/// How transit ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outcome {
    /// Delivered in full at the office of destination.
    Delivered {
        /// The `consignment_delivered` act.
        act: ActId,
    },
    /// Delivered with a shortage counted.
    DeliveredShort {
        /// The `consignment_delivered` act.
        act: ActId,
        /// Packages missing.
        packages: u32,
        /// Net mass missing.
        net_mass: Mass,
    },
    /// Refused at the office of destination; the goods go back.
    Refused {
        /// The `delivery_refused` act.
        act: ActId,
        /// Why.
        reason: String,
    },
    /// Returned to the office of departure.
    Returned {
        /// The `consignment_returned` act.
        act: ActId,
    },
}

impl Outcome {
    /// The outcome's stable name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Delivered { .. } => "delivered",
            Outcome::DeliveredShort { .. } => "delivered_short",
            Outcome::Refused { .. } => "refused",
            Outcome::Returned { .. } => "returned",
        }
    }
}

pub(crate) fn assess(facts: &Facts<'_>, findings: &mut Findings) -> Option<Outcome> {
    let (reg_id, reg) = facts.registration?;
    let mut outcome = None;
    for act in &facts.acts {
        let id = act.id();
        match act.body() {
            ActBody::ConsignmentDelivered(d) => {
                check_documents(facts, id, &d.documents, findings);
                if outcome.is_some() {
                    continue;
                }
                outcome = Some(match &d.shortage {
                    None => Outcome::Delivered { act: id },
                    Some(short) => {
                        findings.add(
                            DiscrepancyKind::Shortage,
                            Severity::Critical,
                            "",
                            [reg_id, id],
                            say!(DeliveredShort {
                                packages: short.packages,
                                registered: reg.packages,
                                short: short.net_mass.value,
                                short_mass_unit: short.net_mass.unit.symbol(),
                                description: short.description,
                            }),
                        );
                        Outcome::DeliveredShort {
                            act: id,
                            packages: short.packages,
                            net_mass: short.net_mass.clone(),
                        }
                    }
                });
            }
            ActBody::DeliveryRefused(r) => {
                findings.add(
                    DiscrepancyKind::DeliveryRefused,
                    Severity::Major,
                    "",
                    [id],
                    say!(DeliveryRefused { reason: r.reason }),
                );
                if outcome.is_none() {
                    outcome = Some(Outcome::Refused {
                        act: id,
                        reason: r.reason.to_string(),
                    });
                }
            }
            ActBody::ConsignmentReturned(_) => {
                if matches!(outcome, None | Some(Outcome::Refused { .. })) {
                    outcome = Some(Outcome::Returned { act: id });
                }
            }
            _ => {}
        }
    }
    outcome
}

/// Every registered document must be found at delivery.
fn check_documents(
    facts: &Facts<'_>,
    delivery: ActId,
    found: &[DocumentCheck],
    findings: &mut Findings,
) {
    let Some((reg_id, reg)) = facts.registration else {
        return;
    };
    if reg.documents.is_empty() {
        return;
    }
    if found.is_empty() {
        findings.add(
            DiscrepancyKind::DocumentMissing,
            Severity::Minor,
            "",
            [reg_id, delivery],
            say!(DocumentsNotChecked {
                count: reg.documents.len()
            }),
        );
        return;
    }
    for doc in &reg.documents {
        let missing = match found.iter().find(|f| f.number == doc.number) {
            Some(f) if f.present => continue,
            Some(_) => true,
            None => false,
        };
        let (number, document_kind) = (&doc.number, format!("{:?}", doc.kind));
        let words = if missing {
            say!(DocumentMissing {
                number,
                document_kind,
            })
        } else {
            say!(DocumentNotChecked {
                number,
                document_kind,
            })
        };
        findings.add(
            DiscrepancyKind::DocumentMissing,
            Severity::Major,
            doc.number.as_str(),
            [reg_id, delivery],
            words,
        );
    }
}
