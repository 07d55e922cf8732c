//! The list row of a consignment, kept in its derived record so that a page of the list is
//! range scans and at most one summary read per row, never an assessment.
//!
//! A [`Summary`] holds only what does not depend on the time of assessment. Two findings of
//! the assessment do depend on it ([`tamga_core::assessment::timing`]); the summary keeps what
//! decides them, and [`Summary::at`] decides them for the time the caller passes:
//!
//! - *overdue, not reached*: the consignment is registered, neither arrival nor delivery is
//!   recorded, and the time is past the deadline plus the grace ([`Summary::due`]); a major
//!   discrepancy unless staff resolved it ([`Summary::due_resolved`]). An arrival or delivery
//!   after the deadline is a time-independent finding, counted in [`Summary::open`].
//! - *an act dated in the future*: a major clock anomaly for each act dated later than the time
//!   plus the clock skew, unless resolved ([`Summary::future`]: the times of such acts).
//!
//! A late arrival notice (`arrival_notified_late`) compares two times written in the act, so it
//! does not depend on the time of assessment and is counted in [`Summary::open`].
//!
//! [`Summary::at`] gives, for any time not before the one the record was derived at (the
//! epoch), the overdue flag and the open discrepancies by severity that [`tamga_core::assess`]
//! gives at that time (tested against it).

use std::collections::BTreeSet;
use tamga_core::act::{ActBody, ConsignmentRegistered};
use tamga_core::assessment::{discrepancy_id, Status};
use tamga_core::{
    ActId, Assessment, ConsignmentId, DiscrepancyKind, Severity, SignedAct, Timestamp, Tolerances,
    UnitCode,
};

/// The severities, most severe first: the order of [`Summary::open`].
pub const SEVERITIES: [Severity; 3] = [Severity::Critical, Severity::Major, Severity::Minor];

/// A severity's name in the API and in index keys.
pub fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::Major => "major",
        Severity::Minor => "minor",
    }
}

/// The list's buckets by worst open discrepancy, as the header counts them: a severity's name,
/// or `none` when nothing is open.
pub fn bucket_name(worst: Option<Severity>) -> &'static str {
    worst.map(severity_name).unwrap_or("none")
}

/// Reads [`severity_name`].
pub fn severity_from_name(name: &str) -> Option<Severity> {
    SEVERITIES.into_iter().find(|s| severity_name(*s) == name)
}

/// Every status, in the order of the workflow.
pub const STATUSES: [Status; 7] = Status::ALL;

/// Reads [`Status::as_str`].
pub fn status_from_name(name: &str) -> Option<Status> {
    STATUSES.into_iter().find(|s| s.as_str() == name)
}

/// The goods of a registration as the list shows them: `description (quantity unit)`, joined
/// by `; `.
pub fn goods_text(registration: &ConsignmentRegistered) -> String {
    registration
        .goods
        .iter()
        .map(|g| {
            format!(
                "{} ({} {})",
                g.description.as_str(),
                g.quantity.value,
                tamga_core::canonical::wire_name(&g.quantity.unit)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What the list shows of a consignment, independent of the time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// Where it stands.
    pub status: Status,
    /// The unit holding custody (none while disputed or before registration).
    pub custodian: Option<UnitCode>,
    /// The delivery deadline.
    pub deadline: Option<Timestamp>,
    /// The planned route.
    pub route: Vec<UnitCode>,
    /// The goods in a few words ([`goods_text`]).
    pub goods: String,
    /// Open discrepancies that do not depend on the time, by severity ([`SEVERITIES`] order).
    pub open: [u32; 3],
    /// Registered and neither arrived nor delivered: the deadline, overdue once the time is
    /// past it plus the grace ([`Tolerances::deadline_grace_seconds`], applied at query time).
    pub due: Option<Timestamp>,
    /// Staff resolved the "overdue" discrepancy it would then have.
    pub due_resolved: bool,
    /// The times of acts whose "dated in the future" anomaly is not resolved, sorted.
    pub future: Vec<Timestamp>,
}

/// A summary as of a time: what [`tamga_core::assess`] at that time says of the list's columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AsOf {
    /// Past the deadline (plus grace) and neither arrived nor delivered.
    pub overdue: bool,
    /// Open discrepancies by severity ([`SEVERITIES`] order).
    pub open: [u32; 3],
}

impl AsOf {
    /// The most severe open discrepancy.
    pub fn worst(&self) -> Option<Severity> {
        SEVERITIES
            .into_iter()
            .zip(self.open)
            .find(|(_, n)| *n > 0)
            .map(|(s, _)| s)
    }

    /// How many discrepancies are open.
    pub fn total(&self) -> u32 {
        self.open.iter().sum()
    }
}

impl Summary {
    /// The summary of an assessment made at the epoch (as the store derives), with the acts it
    /// was made from.
    pub fn from_assessment(a: &Assessment, acts: &[SignedAct]) -> Self {
        let state = &a.state;
        let held: BTreeSet<ActId> = a.acts.iter().copied().collect();
        let mut open = [0u32; 3];
        let mut future = Vec::new();
        for d in a.open_discrepancies() {
            if d.kind == DiscrepancyKind::ClockAnomaly && d.subject == "future" {
                // At the epoch every act is in the future: keep the act's time, decide later.
                if let Some(act) = d
                    .acts
                    .first()
                    .and_then(|id| acts.iter().find(|x| x.id() == *id))
                {
                    future.push(act.body().at());
                }
                continue;
            }
            open[SEVERITIES
                .iter()
                .position(|s| *s == d.severity)
                .unwrap_or(2)] += 1;
        }
        future.sort();
        // Reached the office of destination (arrived, delivered, refused there) or returned.
        let reached = state.arrival_notified_at.is_some()
            || state.delivered_at.is_some()
            || state.outcome.is_some();
        let (due, due_resolved) = match (a.registration(), reached, state.deadline) {
            (Some((reg_id, _)), false, Some(deadline)) => {
                let proof: Vec<_> = [reg_id]
                    .into_iter()
                    .chain(state.deadline_extension)
                    .collect();
                let id = discrepancy_id(DiscrepancyKind::Overdue, "", &proof);
                let resolved = acts.iter().any(|act| {
                    held.contains(&act.id())
                        && matches!(act.body(), ActBody::DiscrepancyResolved(r) if r.discrepancy == id)
                });
                (Some(deadline), resolved)
            }
            _ => (None, false),
        };
        Summary {
            consignment: a.consignment.clone(),
            status: state.status,
            custodian: state.custodian.as_ref().map(|c| c.unit.clone()),
            deadline: state.deadline,
            route: a
                .registration_body
                .as_ref()
                .map(|r| r.route.clone())
                .unwrap_or_default(),
            goods: a
                .registration_body
                .as_ref()
                .map(goods_text)
                .unwrap_or_default(),
            open,
            due,
            due_resolved,
            future,
        }
    }

    /// Whether the consignment is overdue at `now`.
    pub fn overdue_at(&self, now: Timestamp, tolerances: &Tolerances) -> bool {
        self.due
            .is_some_and(|due| now > due.plus_seconds(tolerances.deadline_grace_seconds))
    }

    /// The summary as of `now` (not before the epoch), with the tolerances it was derived with.
    pub fn at(&self, now: Timestamp, tolerances: &Tolerances) -> AsOf {
        let overdue = self.overdue_at(now, tolerances);
        let mut open = self.open;
        if overdue && !self.due_resolved {
            open[1] += 1;
        }
        let skewed = now.plus_seconds(tolerances.clock_skew_seconds);
        open[1] += self.future.iter().filter(|t| **t > skewed).count() as u32;
        AsOf { overdue, open }
    }

    /// The worst open discrepancy that does not depend on the time.
    pub fn base_worst(&self) -> Option<Severity> {
        AsOf {
            overdue: false,
            open: self.open,
        }
        .worst()
    }

    /// The list bucket (`minor` or `none`, [`bucket_name`]) the time can take the consignment
    /// out of: both findings the time decides are major, so they move it into `major` from
    /// `minor` or none, and never move one whose worst discrepancy is already critical or major
    /// (`None`).
    pub fn moved_by_time_from(&self) -> Option<&'static str> {
        match self.base_worst() {
            None | Some(Severity::Minor) => Some(bucket_name(self.base_worst())),
            Some(Severity::Critical | Severity::Major) => None,
        }
    }

    /// The bucket being overdue would move the consignment out of: [`Self::moved_by_time_from`]
    /// if it can become overdue (`due`) and staff have not resolved that discrepancy.
    pub fn moved_by_overdue_from(&self) -> Option<&'static str> {
        self.moved_by_time_from()
            .filter(|_| self.due.is_some() && !self.due_resolved)
    }

    /// Bytes inside the derived record.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_bytes(out, self.consignment.as_str().as_bytes());
        put_bytes(out, self.status.as_str().as_bytes());
        put_bytes(
            out,
            self.custodian
                .as_ref()
                .map(|u| u.as_str())
                .unwrap_or("")
                .as_bytes(),
        );
        put_time(out, self.deadline);
        put_u32(out, self.route.len() as u32);
        for u in &self.route {
            put_bytes(out, u.as_str().as_bytes());
        }
        put_bytes(out, self.goods.as_bytes());
        for n in self.open {
            put_u32(out, n);
        }
        put_time(out, self.due);
        out.push(self.due_resolved as u8);
        put_u32(out, self.future.len() as u32);
        for t in &self.future {
            out.extend_from_slice(&t.unix().to_be_bytes());
        }
    }

    /// Reads [`Summary::encode`].
    pub fn decode(input: &mut &[u8]) -> Option<Self> {
        let text = |b: &[u8]| std::str::from_utf8(b).ok().map(str::to_owned);
        let consignment = ConsignmentId::new(text(get_bytes(input)?)?).ok()?;
        let status = status_from_name(&text(get_bytes(input)?)?)?;
        let custodian = text(get_bytes(input)?)?;
        let custodian = if custodian.is_empty() {
            None
        } else {
            Some(UnitCode::new(custodian).ok()?)
        };
        let deadline = get_time(input)?;
        let mut route = Vec::new();
        for _ in 0..get_u32(input)? {
            route.push(UnitCode::new(text(get_bytes(input)?)?).ok()?);
        }
        let goods = text(get_bytes(input)?)?;
        let open = [get_u32(input)?, get_u32(input)?, get_u32(input)?];
        let due = get_time(input)?;
        let (flag, rest) = input.split_first()?;
        *input = rest;
        let mut future = Vec::new();
        for _ in 0..get_u32(input)? {
            let (head, rest) = input.split_first_chunk::<8>()?;
            *input = rest;
            future.push(Timestamp::from_unix(i64::from_be_bytes(*head))?);
        }
        Some(Summary {
            consignment,
            status,
            custodian,
            deadline,
            route,
            goods,
            open,
            due,
            due_resolved: *flag == 1,
            future,
        })
    }
}

fn put_time(out: &mut Vec<u8>, t: Option<Timestamp>) {
    match t {
        None => out.push(0),
        Some(t) => {
            out.push(1);
            out.extend_from_slice(&t.unix().to_be_bytes());
        }
    }
}

fn get_time(input: &mut &[u8]) -> Option<Option<Timestamp>> {
    let (flag, rest) = input.split_first()?;
    *input = rest;
    if *flag == 0 {
        return Some(None);
    }
    let (head, rest) = input.split_first_chunk::<8>()?;
    *input = rest;
    Some(Some(Timestamp::from_unix(i64::from_be_bytes(*head))?))
}

pub(crate) fn put_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_be_bytes());
}

pub(crate) fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_u32(out, b.len() as u32);
    out.extend_from_slice(b);
}

pub(crate) fn get_u32(input: &mut &[u8]) -> Option<u32> {
    let (head, rest) = input.split_first_chunk::<4>()?;
    *input = rest;
    Some(u32::from_be_bytes(*head))
}

pub(crate) fn get_bytes<'a>(input: &mut &'a [u8]) -> Option<&'a [u8]> {
    let n = get_u32(input)? as usize;
    if input.len() < n {
        return None;
    }
    let (head, rest) = input.split_at(n);
    *input = rest;
    Some(head)
}
