//! Duties with deadlines in the local calendar ([`crate::calendar`]; the rules in
//! docs/act-format.md 13.6), for precious goods once they arrive (Technological Scheme, seed
//! 000, item 4; seed 004, paras 10-14; seed 003):
//!
//! | duty | arises | due within | done by |
//! |---|---|---|---|
//! | department notice | rough diamonds imported: their registration at the office of departure (their arrival) | one day | `department_notified` |
//! | expertise | precious goods imported, delivered at the Department | three working days | `expertise_concluded` |
//! | State Control Act | the expertise concluded (the last of the documents) | one working day | `state_control_act_drawn` |
//! | certificates notice | precious goods exported: the latest State Control or KP certificate's issue | one day | `certificates_issued` |
//! | damaged KPC returned | a damaged KP certificate found (`kpc_returned` says when) | five working days | that `kpc_returned` |
//! | KP coupon returned | rough diamonds imported, delivered | [`Tolerances::kp_coupon_days`] days (the scheme sets none) | `kp_coupon_returned` |
//!
//! Each counts in the time zone of the post whose duty it is (the register's; Asia/Bishkek
//! otherwise): the office of departure's for the notices and a returned certificate, the
//! office of destination's for the Department's expertise and act on an import. A duty done
//! at or after its end is `duty_late` (major), proven by the act it arose from and the act that
//! did it. A duty not yet done is listed in the state with its end ([`Duty`]): whether it is
//! past is a question of the time, which the assessment answers for the list and central, not
//! as a discrepancy. A State Control Act finding the goods not conforming is
//! `goods_not_conforming` (critical): they are to be sent back.

use super::discrepancy::Findings;
use super::goods::{is_precious, is_rough_diamond};
use super::words::say;
#[cfg(doc)]
use super::Tolerances;
use super::{DiscrepancyKind, Facts, Severity};
use crate::act::{ActBody, CertificateKind, Direction};
use crate::calendar::WorkingDays;
use crate::codes::UnitCode;
use crate::time::Timestamp;
use crate::ActId;
use serde::{Deserialize, Serialize};

/// Which duty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DutyKind {
    /// The customs office notifies the Department of arrived rough diamonds.
    DepartmentNotice,
    /// The Department concludes its expertise.
    Expertise,
    /// The Department draws up the State Control Act.
    StateControlAct,
    /// The Department notifies customs of the certificates it issued for export.
    CertificatesNotice,
    /// A damaged KP certificate is sent back.
    DamagedKpcReturn,
    /// A KP certificate's import confirmation coupon is returned to the exporting authority.
    KpCouponReturn,
}

impl DutyKind {
    /// The duty's stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            DutyKind::DepartmentNotice => "department_notice",
            DutyKind::Expertise => "expertise",
            DutyKind::StateControlAct => "state_control_act",
            DutyKind::CertificatesNotice => "certificates_notice",
            DutyKind::DamagedKpcReturn => "damaged_kpc_return",
            DutyKind::KpCouponReturn => "kp_coupon_return",
        }
    }
}

/// A duty of the consignment: when it arose, when it ends, and the act that did it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duty {
    /// Which.
    pub duty: DutyKind,
    /// The act it arose from.
    pub since_act: ActId,
    /// When it arose.
    pub since: Timestamp,
    /// The first instant past its deadline.
    pub due: Timestamp,
    /// The act that did it, and when.
    pub done: Option<(ActId, Timestamp)>,
}

impl Duty {
    /// Not done, and `now` is past its end.
    pub fn overdue_at(&self, now: Timestamp) -> bool {
        self.done.is_none() && now >= self.due
    }
}

pub(crate) fn assess(facts: &Facts<'_>, findings: &mut Findings) -> Vec<Duty> {
    let Some((reg_id, reg)) = facts.registration else {
        return Vec::new();
    };
    let registry = facts.registry;
    let first = |pick: fn(&ActBody) -> bool| {
        facts
            .acts
            .iter()
            .find(|a| pick(a.body()))
            .map(|a| (a.id(), a.body().at()))
    };
    let end = |unit: &UnitCode, since: Timestamp, days: u32, working: bool| {
        registry.period_end(since, days, working, registry.zone_of(unit, since))
    };
    let rough = reg.goods.iter().any(|g| is_rough_diamond(&g.hs_code));
    let precious = reg.goods.iter().any(|g| is_precious(&g.hs_code));
    let departure = &reg.office_of_departure;
    let destination = &reg.office_of_destination;
    let mut duties = Vec::new();

    if reg.direction == Direction::Import && rough {
        duties.push(Duty {
            duty: DutyKind::DepartmentNotice,
            since_act: reg_id,
            since: reg.at,
            due: end(departure, reg.at, 1, false),
            done: first(|b| matches!(b, ActBody::DepartmentNotified(_))),
        });
    }
    if reg.direction == Direction::Import && precious {
        if let Some((delivered, at)) = first(|b| matches!(b, ActBody::ConsignmentDelivered(_))) {
            duties.push(Duty {
                duty: DutyKind::Expertise,
                since_act: delivered,
                since: at,
                due: end(destination, at, 3, true),
                done: first(|b| matches!(b, ActBody::ExpertiseConcluded(_))),
            });
        }
    }
    if reg.direction == Direction::Import && rough {
        if let Some((delivered, at)) = first(|b| matches!(b, ActBody::ConsignmentDelivered(_))) {
            duties.push(Duty {
                duty: DutyKind::KpCouponReturn,
                since_act: delivered,
                since: at,
                due: end(destination, at, facts.tolerances.kp_coupon_days, false),
                done: first(|b| matches!(b, ActBody::KpCouponReturned(_))),
            });
        }
    }
    if let Some((expertise, at)) = first(|b| matches!(b, ActBody::ExpertiseConcluded(_))) {
        duties.push(Duty {
            duty: DutyKind::StateControlAct,
            since_act: expertise,
            since: at,
            due: end(destination, at, 1, true),
            done: first(|b| matches!(b, ActBody::StateControlActDrawn(_))),
        });
    }
    if reg.direction == Direction::Export && precious {
        let issued = reg
            .certificates
            .iter()
            .filter(|c| {
                matches!(
                    c.kind,
                    CertificateKind::StateControl | CertificateKind::KimberleyProcess
                )
            })
            .map(|c| c.issued_at)
            .max();
        if let Some(issued) = issued {
            duties.push(Duty {
                duty: DutyKind::CertificatesNotice,
                since_act: reg_id,
                since: issued,
                due: end(departure, issued, 1, false),
                done: first(|b| matches!(b, ActBody::CertificatesIssued(_))),
            });
        }
    }
    for act in &facts.acts {
        match act.body() {
            ActBody::KpcReturned(r) => duties.push(Duty {
                duty: DutyKind::DamagedKpcReturn,
                since_act: act.id(),
                since: r.found_damaged_at,
                due: end(departure, r.found_damaged_at, 5, true),
                done: Some((act.id(), r.at)),
            }),
            ActBody::StateControlActDrawn(s) if !s.goods_conform => findings.add(
                DiscrepancyKind::GoodsNotConforming,
                Severity::Critical,
                s.register_number.as_str(),
                [act.id()],
                say!(GoodsNotConforming {
                    number: s.register_number
                }),
            ),
            _ => {}
        }
    }

    // Times in the summary are the office of departure's local time, as its officers read them.
    let local = |t: Timestamp| registry.zone_of(departure, t).for_people(t);
    for d in &duties {
        if let Some((done, at)) = d.done {
            if at >= d.due {
                findings.add(
                    DiscrepancyKind::DutyLate,
                    Severity::Major,
                    d.duty.as_str(),
                    [d.since_act, done],
                    say!(DutyLate {
                        duty: d.duty.as_str().replace('_', " "),
                        done_at: local(at),
                        due: local(d.due),
                        since: local(d.since),
                    }),
                );
            }
        }
    }
    duties
}
