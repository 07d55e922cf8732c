//! Time rules: the delivery deadline (Customs Code art. 36, 138; extended after an incident by
//! `deadline_extended`, the last extension in force), notification of arrival within
//! 30 minutes of arrival or of the start of working hours (art. 140), and clocks that cannot be
//! right (acts dated in the future, before the registration, or positions after their batch).

use super::discrepancy::Findings;
use super::words::say;
use super::{DiscrepancyKind, Facts, Severity};
use crate::act::ActBody;
use crate::canonical::ActId;
use crate::time::Timestamp;

/// What the time rules derive.
pub(crate) struct TimingView {
    pub deadline: Option<Timestamp>,
    pub extension: Option<ActId>,
    pub overdue: bool,
    pub arrival_notified_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
}

/// How the goods reached the end of transit, for the words of an overdue finding.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Reached {
    Arrived,
    Delivered,
    Refused,
    Returned,
}

pub(crate) fn assess(facts: &Facts<'_>, findings: &mut Findings) -> TimingView {
    let t = facts.tolerances;
    let deliveries: Vec<_> = facts
        .each(|b| match b {
            ActBody::ConsignmentDelivered(d) => Some(d),
            _ => None,
        })
        .collect();
    let arrivals: Vec<_> = facts
        .each(|b| match b {
            ActBody::ArrivalNotified(a) => Some(a),
            _ => None,
        })
        .collect();
    let delivered = deliveries.first().copied();
    let mut overdue = false;
    // The permission rules let through only extensions to a later deadline, in fold order.
    let extension = facts
        .each(|b| match b {
            ActBody::DeadlineExtended(d) => Some(d),
            _ => None,
        })
        .last();
    let deadline = facts
        .registration
        .map(|(_, r)| extension.map_or(r.delivery_deadline, |(_, e)| e.delivery_deadline));

    if let (Some((reg_id, reg)), Some(deadline)) = (facts.registration, deadline) {
        // The deadline is for reaching the office of destination (art. 36, 138): the goods have
        // reached it when they arrived there, as the arrival notice says, or when delivered or
        // refused there. A return to the office of departure ends transit too.
        let late_after = deadline.plus_seconds(t.deadline_grace_seconds);
        let refused = facts.each(|b| match b {
            ActBody::DeliveryRefused(r) => Some(r),
            _ => None,
        });
        let returned = facts.each(|b| match b {
            ActBody::ConsignmentReturned(r) => Some(r),
            _ => None,
        });
        let proof = |id: ActId| {
            [reg_id, id]
                .into_iter()
                .chain(extension.map(|(e, _)| e))
                .collect::<Vec<_>>()
        };
        let reached = arrivals
            .iter()
            .map(|(id, a)| (a.arrived_at, *id, Reached::Arrived))
            .chain(delivered.map(|(id, d)| (d.at, id, Reached::Delivered)))
            .chain(refused.map(|(id, r)| (r.at, id, Reached::Refused)))
            .chain(returned.map(|(id, r)| (r.at, id, Reached::Returned)))
            .min();
        match reached {
            Some((when, id, how)) if when > late_after => {
                findings.add(DiscrepancyKind::Overdue, Severity::Major, "", proof(id), {
                    let (at, deadline) = (when.for_people(), deadline.for_people());
                    match how {
                        Reached::Arrived => say!(ArrivedLate { at, deadline }),
                        Reached::Delivered => say!(DeliveredLate { at, deadline }),
                        Reached::Refused => say!(RefusedLate { at, deadline }),
                        Reached::Returned => say!(ReturnedLate { at, deadline }),
                    }
                })
            }
            None if facts.as_of > late_after => {
                overdue = true;
                findings.add(
                    DiscrepancyKind::Overdue,
                    Severity::Major,
                    "",
                    proof(reg_id),
                    say!(NotArrived {
                        deadline: deadline.for_people()
                    }),
                );
            }
            _ => {}
        }

        for act in &facts.acts {
            let at = act.body().at();
            if at.plus_seconds(t.clock_skew_seconds) < reg.at {
                findings.add(
                    DiscrepancyKind::ClockAnomaly,
                    Severity::Major,
                    "before_registration",
                    [reg_id, act.id()],
                    say!(DatedBeforeRegistration {
                        act_kind: act.body().kind(),
                        at: at.for_people(),
                        registered_at: reg.at.for_people(),
                    }),
                );
            }
        }
    }

    for act in &facts.acts {
        let at = act.body().at();
        if at > facts.as_of.plus_seconds(t.clock_skew_seconds) {
            findings.add(
                DiscrepancyKind::ClockAnomaly,
                Severity::Major,
                "future",
                [act.id()],
                say!(DatedInFuture {
                    act_kind: act.body().kind(),
                    at: at.for_people(),
                    now: facts.as_of.for_people(),
                }),
            );
        }
        let batch: Option<(Timestamp, Vec<Timestamp>)> = match act.body() {
            ActBody::PositionReported(p) => {
                Some((p.at, p.positions.iter().map(|x| x.at).collect()))
            }
            ActBody::SealEventsReported(e) => Some((e.at, e.events.iter().map(|x| x.at).collect())),
            _ => None,
        };
        if let Some((signed, times)) = batch {
            if times
                .iter()
                .any(|x| *x > signed.plus_seconds(t.clock_skew_seconds))
            {
                findings.add(
                    DiscrepancyKind::ClockAnomaly,
                    Severity::Minor,
                    "positions",
                    [act.id()],
                    if matches!(act.body(), ActBody::SealEventsReported(_)) {
                        say!(SealEventsAfterBatch)
                    } else {
                        say!(PositionsAfterBatch)
                    },
                );
            }
        }
    }

    for (id, a) in &arrivals {
        // Working hours at the office of destination: the post register's, where it has the
        // post (the officer's own entry is then not needed and cannot push the start later);
        // otherwise what the officer recorded.
        let registered = a
            .place
            .post()
            .and_then(|p| facts.registry.post_at(p, a.arrived_at));
        let start = match registered {
            Some(post) => crate::calendar::working_hours_from(
                facts.registry,
                post.zone,
                post.hours,
                a.arrived_at,
            ),
            None => a
                .working_hours_began_at
                .filter(|w| *w > a.arrived_at)
                .unwrap_or(a.arrived_at),
        };
        if a.at.seconds_since(&start) > t.arrival_notice_seconds {
            findings.add(
                DiscrepancyKind::ArrivalNotifiedLate,
                Severity::Major,
                "",
                [*id],
                say!(ArrivalNotifiedLate {
                    arrived_at: start.for_people(),
                    notified_at: a.at.for_people(),
                    minutes: t.arrival_notice_seconds / 60,
                }),
            );
        }
        if a.arrived_at > a.at.plus_seconds(t.clock_skew_seconds) {
            findings.add(
                DiscrepancyKind::ClockAnomaly,
                Severity::Major,
                "arrival",
                [*id],
                say!(ArrivalBeforeArrived),
            );
        }
    }
    if let Some((id, d)) = delivered {
        if !arrivals.iter().any(|(_, a)| a.at <= d.at) {
            findings.add(
                DiscrepancyKind::ArrivalNotNotified,
                Severity::Major,
                "",
                [id],
                say!(ArrivalNotNotified),
            );
        }
    }

    TimingView {
        deadline,
        extension: extension.map(|(id, _)| id),
        overdue,
        arrival_notified_at: arrivals.first().map(|(_, a)| a.at),
        delivered_at: delivered.map(|(_, d)| d.at),
    }
}
