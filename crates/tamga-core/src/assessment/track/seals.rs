//! Navigation seals' events as their operator reported them (`seal_events_reported` acts that
//! hold: the permission rule has already kept only events of navigation seals fixed on the
//! consignment).
//!
//! - **opened** (critical) unless the seal was disarmed before, the goods had reached the
//!   office of destination (or were returned), or an act that holds records the seal's removal
//!   or replacement within `seal_open_window_seconds` of the event;
//! - **tampered** (critical): an attempt on the seal before it was disarmed and before transit
//!   ended;
//! - **battery low** (minor): the first report of each seal's, while it is armed in transit.
//!
//! Events after the seal was disarmed, or after transit ended, are kept and shown but judge
//! nothing. A seal's events are read in time order, whatever batch they came in; the same event
//! (seal, time, kind) in two batches counts once.

use super::super::discrepancy::Findings;
use super::super::words::say;
use super::super::{DiscrepancyKind, Facts, Severity};
use crate::act::{ActBody, SealEventKind};
use crate::canonical::ActId;
use crate::codes::SealNumber;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a navigation seal's operator reported of it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NavigationSeal {
    /// When it was armed, if reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub armed_at: Option<Timestamp>,
    /// When customs disarmed it, if reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disarmed_at: Option<Timestamp>,
    /// Events reported.
    pub events: u32,
    /// The latest event: when, and what.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_event: Option<(Timestamp, SealEventKind)>,
}

pub(super) fn assess(
    facts: &Facts<'_>,
    transit_until: Option<Timestamp>,
    findings: &mut Findings,
) -> BTreeMap<SealNumber, NavigationSeal> {
    // Every event, in time order (then by act and kind, so duplicates across batches line up).
    let mut events: Vec<(Timestamp, &SealNumber, SealEventKind, ActId)> = facts
        .acts
        .iter()
        .filter_map(|a| match a.body() {
            ActBody::SealEventsReported(r) => Some((a.id(), r)),
            _ => None,
        })
        .flat_map(|(id, r)| r.events.iter().map(move |e| (e.at, &e.seal, e.event, id)))
        .collect();
    events.sort();
    // One event reported in two batches (an operator resending) is one event: the copy in the
    // act of the smaller id is its proof.
    events.dedup_by(|b, a| (a.0, a.1, a.2) == (b.0, b.1, b.2));
    // Acts that record a seal's removal or replacement, by seal.
    let mut removals: BTreeMap<&SealNumber, Vec<Timestamp>> = BTreeMap::new();
    for act in &facts.acts {
        match act.body() {
            ActBody::SealRemoved(r) => removals.entry(&r.seal).or_default().push(r.at),
            ActBody::SealReplaced(r) => removals.entry(&r.old_seal).or_default().push(r.at),
            _ => {}
        }
    }
    let window = facts.tolerances.seal_open_window_seconds;
    let removed_near = |seal: &SealNumber, at: Timestamp| {
        removals
            .get(seal)
            .is_some_and(|l| l.iter().any(|t| t.seconds_since(&at).abs() <= window))
    };
    let proof = |act: ActId| facts.registration_id().into_iter().chain([act]);
    let mut seals: BTreeMap<SealNumber, NavigationSeal> = BTreeMap::new();
    let mut battery_reported: Vec<&SealNumber> = Vec::new();
    for (at, seal, event, act) in events {
        let state = seals.entry(seal.clone()).or_default();
        state.events += 1;
        state.last_event = Some((at, event));
        let live =
            state.disarmed_at.is_none_or(|d| at < d) && transit_until.is_none_or(|end| at < end);
        match event {
            SealEventKind::Armed => {
                state.armed_at.get_or_insert(at);
            }
            SealEventKind::Disarmed => {
                state.disarmed_at.get_or_insert(at);
            }
            SealEventKind::Opened if live && !removed_near(seal, at) => findings.add(
                DiscrepancyKind::SealOpened,
                Severity::Critical,
                format!("{seal}@{}", at.to_rfc3339()),
                proof(act),
                say!(SealOpened {
                    seal,
                    at: at.for_people(),
                }),
            ),
            SealEventKind::Tampered if live => findings.add(
                DiscrepancyKind::SealTampered,
                Severity::Critical,
                format!("{seal}@{}", at.to_rfc3339()),
                proof(act),
                say!(SealTampered {
                    seal,
                    at: at.for_people(),
                }),
            ),
            SealEventKind::BatteryLow if live && !battery_reported.contains(&seal) => {
                battery_reported.push(seal);
                findings.add(
                    DiscrepancyKind::SealBatteryLow,
                    Severity::Minor,
                    seal.as_str(),
                    proof(act),
                    say!(SealBatteryLow {
                        seal,
                        at: at.for_people(),
                    }),
                )
            }
            _ => {}
        }
    }
    seals
}
