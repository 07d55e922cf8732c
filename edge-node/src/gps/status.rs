//! What the crew sees of the GPS (`GET /api/status`: `gps`): [`GpsState`], kept by the gpsd
//! client as things happen (connected, lost, each line, each batch), and [`GpsAnswer`], the
//! state at a time as the API, the CLI and the web UI show it.
//!
//! The link is `connected` while the receiver reports fixes (the last one at most
//! [`STALE_SECONDS`] ago), `no_fix` while gpsd answers but the receiver has no fix (or has
//! reported nothing for that long), and `lost` while gpsd cannot be reached; each with the time
//! it began.

use super::fixes::{Fix, Jump, Reason, Step};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;
use tamga_core::{ConsignmentId, Timestamp};
use tamga_node::local_time::LocalTime;
use utoipa::ToSchema;

/// How long after the receiver's last fix the link counts as `no_fix`.
pub const STALE_SECONDS: i64 = 10;

/// The link to the receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// gpsd answers and the receiver reports fixes.
    Connected,
    /// gpsd answers, the receiver has no fix.
    NoFix,
    /// gpsd cannot be reached; the node tries again.
    Lost,
}

/// A fix as people read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FixView {
    /// When (UTC).
    #[schema(value_type = String)]
    pub at: Timestamp,
    /// The same, for people.
    pub at_for_people: String,
    /// Degrees north, 7 decimal places (`"42.8746000"`).
    pub latitude: String,
    /// Degrees east, 7 decimal places.
    pub longitude: String,
}

/// The last jump: a fix held back for being too far from the one before it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JumpView {
    /// The last fix taken before it.
    pub from: FixView,
    /// The fix held back and dropped.
    pub to: FixView,
    /// The speed it would have meant, in km/h (rounded).
    pub speed_kmh: u64,
}

/// The last batch signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BatchView {
    /// When it was signed (the acts' `at`).
    #[schema(value_type = String)]
    pub at: Timestamp,
    /// The same, for people.
    pub at_for_people: String,
    /// Its fixes.
    pub fixes: usize,
    /// The consignments a `position_reported` act was recorded for.
    pub consignments: Vec<String>,
}

/// The GPS at a glance (`GET /api/status`: `gps`, present when the vehicle's configuration has
/// `[gps]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GpsAnswer {
    /// gpsd's address.
    pub gpsd: String,
    /// The link now.
    pub state: Link,
    /// Since when (UTC).
    #[schema(value_type = String)]
    pub since: Timestamp,
    /// The same, for people.
    pub since_for_people: String,
    /// While `lost`: why, and what to do.
    pub error: Option<String>,
    /// While `lost`: seconds between attempts now (1, doubling to 30).
    pub retry_seconds: Option<u64>,
    /// The last fix taken (to be signed, or signed).
    pub last_fix: Option<FixView>,
    /// Fixes taken, waiting for the next batch.
    pub waiting: usize,
    /// Fixes held back as possible jumps, waiting for the next fixes to decide.
    pub held_back: usize,
    /// Fixes signed since the node started (each once, whatever the number of consignments).
    pub signed: u64,
    /// `position_reported` acts recorded since the node started.
    pub acts: u64,
    /// Lines and fixes not signed since the node started, by reason: `no_fix`, `future`,
    /// `duplicate`, `jump`, `garbage`, `nobody_in_custody`, `not_recorded` (every reason,
    /// zeros included).
    pub refused: BTreeMap<String, u64>,
    /// The last jump.
    pub last_jump: Option<JumpView>,
    /// The last batch signed.
    pub last_batch: Option<BatchView>,
    /// Why the last batch could not be recorded, if it could not (for some consignment).
    pub record_error: Option<String>,
}

#[derive(Debug)]
struct Inner {
    gpsd: String,
    connected_at: Option<Timestamp>,
    lost_since: Timestamp,
    error: Option<String>,
    retry: Option<Duration>,
    fix_since: Option<Timestamp>,
    fix_seen: Option<Timestamp>,
    no_fix_since: Timestamp,
    last_fix: Option<Fix>,
    waiting: usize,
    held: usize,
    signed: u64,
    acts: u64,
    refused: BTreeMap<Reason, u64>,
    last_jump: Option<Jump>,
    last_batch: Option<(Timestamp, usize, Vec<ConsignmentId>)>,
    record_error: Option<String>,
}

/// The GPS's state, shared by the gpsd client (which changes it) and the status (which reads
/// it).
#[derive(Debug)]
pub struct GpsState(Mutex<Inner>);

fn view(fix: &Fix, local: &LocalTime) -> FixView {
    FixView {
        at: fix.at,
        at_for_people: local.for_people(fix.at),
        latitude: fix.coordinates.latitude.to_string(),
        longitude: fix.coordinates.longitude.to_string(),
    }
}

impl GpsState {
    /// Not yet connected to gpsd at `gpsd`, at `now`.
    pub fn new(gpsd: &str, now: Timestamp) -> GpsState {
        GpsState(Mutex::new(Inner {
            gpsd: gpsd.to_owned(),
            connected_at: None,
            lost_since: now,
            error: Some("not connected to gpsd yet".into()),
            retry: None,
            fix_since: None,
            fix_seen: None,
            no_fix_since: now,
            last_fix: None,
            waiting: 0,
            held: 0,
            signed: 0,
            acts: 0,
            refused: BTreeMap::new(),
            last_jump: None,
            last_batch: None,
            record_error: None,
        }))
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Connected to gpsd at `now`.
    pub fn connected(&self, now: Timestamp) {
        let mut s = self.inner();
        s.connected_at = Some(now);
        s.error = None;
        s.retry = None;
        s.fix_since = None;
        s.no_fix_since = now;
    }

    /// gpsd lost (or not reached) at `now` for `error`; the next attempt in `retry`.
    pub fn lost(&self, now: Timestamp, error: String, retry: Duration) {
        let mut s = self.inner();
        if s.connected_at.take().is_some() {
            s.lost_since = now;
        }
        s.fix_since = None;
        s.error = Some(error);
        s.retry = Some(retry);
    }

    /// What a line did at `now`, with the fixes now waiting for the batch and held back.
    pub fn step(&self, now: Timestamp, step: &Step, waiting: usize, held: usize) {
        let mut s = self.inner();
        match step.receiver_fix {
            Some(true) => {
                s.fix_since.get_or_insert(now);
                s.fix_seen = Some(now);
            }
            Some(false) if s.fix_since.is_some() => {
                s.fix_since = None;
                // No fix since now, or since the last fix if it had already gone stale.
                s.no_fix_since = match s.fix_seen {
                    Some(seen) if now.seconds_since(&seen) > STALE_SECONDS => seen,
                    _ => now,
                };
            }
            Some(false) | None => {}
        }
        for reason in &step.refused {
            *s.refused.entry(*reason).or_default() += 1;
        }
        if let Some(fix) = step.taken.last() {
            s.last_fix = Some(fix.clone());
        }
        if let Some(jump) = step.jumps.last() {
            s.last_jump = Some(jump.clone());
        }
        s.waiting = waiting;
        s.held = held;
    }

    /// `count` fixes not signed for `reason` (decided when their batch was due).
    pub fn refused(&self, reason: Reason, count: usize) {
        *self.inner().refused.entry(reason).or_default() += count as u64;
    }

    /// Fixes waiting for the batch now.
    pub fn waiting(&self, waiting: usize) {
        self.inner().waiting = waiting;
    }

    /// A batch of `fixes` signed at `at` and recorded for `consignments` (`acts` acts); `error`
    /// if it could not be recorded for some.
    pub fn batch(
        &self,
        at: Timestamp,
        fixes: usize,
        consignments: Vec<ConsignmentId>,
        acts: usize,
        error: Option<String>,
    ) {
        let mut s = self.inner();
        if acts > 0 {
            s.signed += fixes as u64;
            s.acts += acts as u64;
            s.last_batch = Some((at, fixes, consignments));
        }
        s.record_error = error;
    }

    /// The state at `now`, times for people in `local`.
    pub fn answer(&self, now: Timestamp, local: &LocalTime) -> GpsAnswer {
        let s = self.inner();
        let (state, since) = match (s.connected_at, s.fix_since, s.fix_seen) {
            (None, _, _) => (Link::Lost, s.lost_since),
            (Some(_), Some(since), Some(seen)) if now.seconds_since(&seen) <= STALE_SECONDS => {
                (Link::Connected, since)
            }
            // Fixes stopped coming without a word from the receiver: no fix since the last.
            (Some(_), Some(_), Some(seen)) => (Link::NoFix, seen),
            (Some(_), _, _) => (Link::NoFix, s.no_fix_since),
        };
        GpsAnswer {
            gpsd: s.gpsd.clone(),
            state,
            since,
            since_for_people: local.for_people(since),
            error: s.error.clone().filter(|_| state == Link::Lost),
            retry_seconds: s.retry.map(|r| r.as_secs()).filter(|_| state == Link::Lost),
            last_fix: s.last_fix.as_ref().map(|f| view(f, local)),
            waiting: s.waiting,
            held_back: s.held,
            signed: s.signed,
            acts: s.acts,
            refused: Reason::ALL
                .iter()
                .map(|r| (r.name().to_owned(), s.refused.get(r).copied().unwrap_or(0)))
                .collect(),
            last_jump: s.last_jump.as_ref().map(|j| JumpView {
                from: view(&j.from, local),
                to: view(&j.to, local),
                speed_kmh: j.speed_kmh.clamp(0.0, 1e15).round() as u64,
            }),
            last_batch: s.last_batch.as_ref().map(|(at, fixes, c)| BatchView {
                at: *at,
                at_for_people: local.for_people(*at),
                fixes: *fixes,
                consignments: c.iter().map(ToString::to_string).collect(),
            }),
            record_error: s.record_error.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gps::fixes::Filter;
    use tamga_core::fixtures::at;

    fn line(mode: u8, time: &str) -> String {
        format!(r#"{{"class":"TPV","mode":{mode},"time":"{time}","lat":43.0613,"lon":74.4776}}"#)
    }

    #[test]
    fn the_link_is_lost_then_no_fix_then_connected_then_no_fix_when_fixes_stop() {
        let local = LocalTime::default();
        let t0 = at("2026-12-04T12:00:00Z");
        let state = GpsState::new("127.0.0.1:2947", t0);
        let a = state.answer(t0, &local);
        assert_eq!((a.state, a.since), (Link::Lost, t0));
        assert!(a.error.is_some());
        state.lost(t0.plus_seconds(1), "refused".into(), Duration::from_secs(2));
        let a = state.answer(t0.plus_seconds(2), &local);
        assert_eq!((a.state, a.since), (Link::Lost, t0), "lost since the start");
        assert_eq!(
            (a.error.as_deref(), a.retry_seconds),
            (Some("refused"), Some(2))
        );
        state.connected(t0.plus_seconds(3));
        let a = state.answer(t0.plus_seconds(4), &local);
        assert_eq!((a.state, a.since), (Link::NoFix, t0.plus_seconds(3)));
        assert_eq!((a.error, a.retry_seconds), (None, None));
        let mut filter = Filter::new(300);
        let now = t0.plus_seconds(5);
        let step = filter.line(line(1, "2026-12-04T12:00:05Z").as_bytes(), now);
        state.step(now, &step, 0, 0);
        let step = filter.line(line(3, "2026-12-04T12:00:06Z").as_bytes(), now);
        state.step(t0.plus_seconds(6), &step, 1, 0);
        let a = state.answer(t0.plus_seconds(7), &local);
        assert_eq!((a.state, a.since), (Link::Connected, t0.plus_seconds(6)));
        assert_eq!(a.last_fix.unwrap().latitude, "43.0613000");
        assert_eq!((a.waiting, a.refused["no_fix"]), (1, 1));
        assert_eq!(
            a.refused.len(),
            Reason::ALL.len(),
            "every reason, zeros too"
        );
        // The receiver goes quiet: no fix since its last.
        let a = state.answer(t0.plus_seconds(6 + STALE_SECONDS + 1), &local);
        assert_eq!((a.state, a.since), (Link::NoFix, t0.plus_seconds(6)));
        // gpsd goes away.
        state.lost(t0.plus_seconds(30), "closed".into(), Duration::from_secs(1));
        let a = state.answer(t0.plus_seconds(31), &local);
        assert_eq!((a.state, a.since), (Link::Lost, t0.plus_seconds(30)));
        state.lost(
            t0.plus_seconds(32),
            "refused".into(),
            Duration::from_secs(2),
        );
        assert_eq!(
            state.answer(t0.plus_seconds(33), &local).since,
            t0.plus_seconds(30)
        );
    }

    #[test]
    fn batches_count_fixes_once_and_acts_each() {
        let state = GpsState::new("127.0.0.1:2947", at("2026-12-04T12:00:00Z"));
        let c = ConsignmentId::new("10609050/231126/0000123").unwrap();
        let t = at("2026-12-04T12:05:00Z");
        state.batch(t, 30, vec![c.clone(), c.clone()], 2, None);
        state.batch(t, 5, vec![], 0, Some("disk full".into()));
        state.refused(Reason::NotRecorded, 5);
        let a = state.answer(t, &LocalTime::default());
        assert_eq!((a.signed, a.acts), (30, 2));
        assert_eq!(a.last_batch.unwrap().fixes, 30);
        assert_eq!(a.record_error.as_deref(), Some("disk full"));
        assert_eq!(a.refused["not_recorded"], 5);
    }
}
