//! The navigation seal operator's feed (docs/act-format.md, "The seal operator's feed"): what
//! the operator's monitoring centre sends of its seals' events, at central (over HTTPS or as
//! a file) and at the vehicle (a file).
//!
//! A feed is JSON lines, one signed `seal_events_reported` act per line, in the act envelope
//! of every acts file. The whole feed is checked before any of it is recorded, and refused
//! whole, naming the first line at fault, if:
//!
//! - it is larger than [`MAX_FEED_BYTES`] or has more than [`MAX_FEED_LINES`] acts;
//! - a line is not a canonical signed act, or not a `seal_events_reported` one;
//! - an act does not hold against the registry: its signature, its signer not a
//!   `seal_operator` key in force at the act's time;
//! - an event is dated more than the clock skew ahead of the importer's clock;
//! - it names a consignment this node does not hold;
//! - an act would not hold on its consignment: events of a seal that is not a navigation seal
//!   fixed on it (the permission rule, `tamga_core::assessment::permission`).
//!
//! [`parse`] and [`check`] are pure (bytes, registry and time in); [`import`] reads and writes
//! the store, and returns once what it recorded is durable.

use std::collections::BTreeMap;
use tamga_core::assessment::{assess, Tolerances};
use tamga_core::{ActBody, ConsignmentId, Registry, SignedAct, Timestamp};
use tamga_store::{DocId, Store, StoreError};

/// The largest feed accepted, in bytes.
pub const MAX_FEED_BYTES: usize = 4 << 20;
/// The most acts one feed may carry.
pub const MAX_FEED_LINES: usize = 10_000;

/// Why a feed was refused. Nothing of a refused feed is recorded.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// Too large.
    #[error("the seal feed is {size} bytes, more than the {MAX_FEED_BYTES}-byte limit: ask the operator for smaller batches")]
    TooLarge {
        /// Its size.
        size: usize,
    },
    /// Too many acts.
    #[error(
        "the seal feed has more than {MAX_FEED_LINES} acts: ask the operator for smaller batches"
    )]
    TooManyActs,
    /// Not text.
    #[error("the seal feed is not UTF-8 text: it is not a feed of signed acts")]
    NotText,
    /// Nothing in it.
    #[error("the seal feed holds no act")]
    Empty,
    /// One line at fault.
    #[error("the seal feed was refused at line {line}: {reason}; nothing of it was recorded")]
    Line {
        /// The line, from 1.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl FeedError {
    /// A stable code for logs, metrics and the API.
    pub fn code(&self) -> &'static str {
        match self {
            FeedError::TooLarge { .. } => "too_large",
            FeedError::TooManyActs => "too_many_acts",
            FeedError::NotText => "not_text",
            FeedError::Empty => "empty",
            FeedError::Line { .. } => "refused",
            FeedError::Store(_) => "store",
        }
    }
}

/// One act of a feed, with its line.
#[derive(Clone, Debug)]
pub struct FeedAct {
    /// The line it was on, from 1.
    pub line: usize,
    /// The act.
    pub act: SignedAct,
}

/// What an import recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeedReport {
    /// Acts in the feed.
    pub acts: usize,
    /// Events in them.
    pub events: usize,
    /// Acts this node did not hold before.
    pub new: usize,
    /// The consignments they concern.
    pub consignments: Vec<String>,
}

fn refuse(line: usize, reason: impl Into<String>) -> FeedError {
    FeedError::Line {
        line,
        reason: reason.into(),
    }
}

/// Reads a feed's acts: bounds, lines, decoding, kind. Blank lines are skipped.
pub fn parse(bytes: &[u8]) -> Result<Vec<FeedAct>, FeedError> {
    if bytes.len() > MAX_FEED_BYTES {
        return Err(FeedError::TooLarge { size: bytes.len() });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| FeedError::NotText)?;
    let mut acts = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if acts.len() == MAX_FEED_LINES {
            return Err(FeedError::TooManyActs);
        }
        let act = SignedAct::decode(line.as_bytes()).map_err(|e| refuse(i + 1, e.to_string()))?;
        if !matches!(act.body(), ActBody::SealEventsReported(_)) {
            return Err(refuse(
                i + 1,
                format!(
                    "a {} act, not seal events: a seal feed carries only seal_events_reported acts",
                    act.body().kind()
                ),
            ));
        }
        acts.push(FeedAct { line: i + 1, act });
    }
    if acts.is_empty() {
        return Err(FeedError::Empty);
    }
    Ok(acts)
}

/// Checks each act against the registry (signature, a `seal_operator` in force) and the time
/// (no event more than the clock skew ahead of `now`).
pub fn check(acts: &[FeedAct], registry: &Registry, now: Timestamp) -> Result<(), FeedError> {
    let skew = Tolerances::default().clock_skew_seconds;
    for FeedAct { line, act } in acts {
        registry
            .verify(act)
            .map_err(|e| refuse(*line, e.to_string()))?;
        let ActBody::SealEventsReported(r) = act.body() else {
            return Err(refuse(*line, "not seal events"));
        };
        let latest = r.events.iter().map(|e| e.at).chain([r.at]).max();
        if let Some(at) = latest.filter(|at| *at > now.plus_seconds(skew)) {
            return Err(refuse(
                *line,
                format!(
                    "dated {}, later than this node's clock ({}) allows: check the operator's clock",
                    at.for_people(),
                    now.for_people()
                ),
            ));
        }
    }
    Ok(())
}

/// Checks the feed in `bytes` whole against the store, then records it; returns once it is
/// durable. Refused: nothing recorded.
pub fn import(store: &Store, bytes: &[u8], now: Timestamp) -> Result<FeedReport, FeedError> {
    let acts = parse(bytes)?;
    let registry = store.registry();
    check(&acts, &registry, now)?;
    let mut by_consignment: BTreeMap<&ConsignmentId, Vec<&FeedAct>> = BTreeMap::new();
    for a in &acts {
        let c = a
            .act
            .body()
            .consignment()
            .expect("seal events belong to a consignment");
        by_consignment.entry(c).or_default().push(a);
    }
    for (consignment, feed) in &by_consignment {
        let mut held = store.acts(&DocId::Consignment((*consignment).clone()))?;
        if held.is_empty() {
            return Err(refuse(
                feed[0].line,
                format!("it names consignment {consignment}, which this node does not hold"),
            ));
        }
        held.extend(feed.iter().map(|a| a.act.clone()));
        let judged = assess(consignment, &held, &registry, now, &Tolerances::default());
        for a in feed {
            if let Some(r) = judged.rejected.iter().find(|r| r.act == a.act.id()) {
                return Err(refuse(a.line, r.reason.clone()));
            }
        }
    }
    let mut report = FeedReport {
        acts: acts.len(),
        consignments: by_consignment.keys().map(|c| c.to_string()).collect(),
        ..FeedReport::default()
    };
    for a in &acts {
        if let ActBody::SealEventsReported(r) = a.act.body() {
            report.events += r.events.len();
        }
        if store.record_deferred(&a.act)?.seq.is_some() {
            report.new += 1;
        }
    }
    store.make_durable()?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::act::SealEventKind;
    use tamga_core::fixtures::road::Road;
    use tamga_core::fixtures::Story;

    fn store_with_trip(road: &Road<'_>) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &road.story.authority_id()).unwrap();
        for act in road
            .story
            .registry_acts()
            .iter()
            .chain(&road.registry_acts())
        {
            store.record(act).unwrap();
        }
        for act in road.acts(600) {
            if !matches!(act.body(), ActBody::SealEventsReported(_)) {
                store.record(&act).unwrap();
            }
        }
        (dir, store)
    }

    fn lines(acts: &[SignedAct]) -> Vec<u8> {
        let mut out = Vec::new();
        for a in acts {
            out.extend_from_slice(&a.encode());
            out.push(b'\n');
        }
        out
    }

    #[test]
    fn a_feed_is_recorded_whole_and_again_changes_nothing() {
        let story = Story::new();
        let road = Road::new(&story);
        let (_dir, store) = store_with_trip(&road);
        let feed = lines(&[
            road.seal_events(story.t(14), &[(story.t(13), SealEventKind::Armed, None)]),
            road.seal_events(story.t(57), &[(story.t(56), SealEventKind::Opened, None)]),
        ]);
        let report = import(&store, &feed, story.t(60)).unwrap();
        assert_eq!((report.acts, report.events, report.new), (2, 2, 2));
        let a = store.assessment(&story.consignment, story.t(60)).unwrap();
        assert!(a.has_open(tamga_core::DiscrepancyKind::SealOpened));
        let again = import(&store, &feed, story.t(60)).unwrap();
        assert_eq!(again.new, 0);
    }

    #[test]
    fn a_bad_line_refuses_the_whole_feed_and_records_nothing() {
        let story = Story::new();
        let road = Road::new(&story);
        let (_dir, store) = store_with_trip(&road);
        let good = road.seal_events(story.t(14), &[(story.t(13), SealEventKind::Armed, None)]);
        let before = store.last_seq().unwrap();
        let refused = |feed: Vec<u8>, now: Timestamp| {
            let e = import(&store, &feed, now).unwrap_err();
            assert_eq!(store.last_seq().unwrap(), before, "{e}");
            e.to_string()
        };

        // Garbage on the second line.
        let mut feed = lines(std::slice::from_ref(&good));
        feed.extend_from_slice(b"{\"not\": \"an act\"}\n");
        assert!(refused(feed, story.t(60)).contains("line 2"));

        // Signed by the escort's tablet, which is no seal operator.
        let ActBody::SealEventsReported(mut body) = good.body().clone() else {
            unreachable!()
        };
        body.operator = story.vehicle_device.id.clone();
        let by_tablet = story.sign(
            ActBody::SealEventsReported(body.clone()),
            &[&story.vehicle_device],
        );
        let e = refused(lines(&[good.clone(), by_tablet]), story.t(60));
        assert!(e.contains("line 2") && e.contains("may not sign"), "{e}");

        // Signed by an operator nobody enrolled.
        let stranger = tamga_core::fixtures::Person::new(
            "an operator nobody enrolled",
            "",
            tamga_core::Role::SealOperator,
            "NAVSEAL-XX",
        );
        let mut unenrolled = body.clone();
        unenrolled.operator = stranger.id.clone();
        let e = refused(
            lines(&[story.sign(ActBody::SealEventsReported(unenrolled), &[&stranger])]),
            story.t(60),
        );
        assert!(e.contains("line 1") && e.contains("not enrolled"), "{e}");

        // A bad signature: a byte of the body changed after signing.
        let text = String::from_utf8(good.encode())
            .unwrap()
            .replace("armed", "opened");
        let e = refused(format!("{text}\n").into_bytes(), story.t(60));
        assert!(e.contains("line 1"), "{e}");

        // The events of a seal that is not a navigation seal on the consignment.
        body.operator = road.operator.id.clone();
        body.events[0].seal = story.seal.clone();
        let mechanical = story.sign(ActBody::SealEventsReported(body.clone()), &[&road.operator]);
        let e = refused(lines(&[mechanical]), story.t(60));
        assert!(e.contains("not a navigation seal"), "{e}");

        // A consignment this node does not hold.
        body.events[0].seal = road.seal.clone();
        body.consignment = tamga_core::ConsignmentId::new("10609050/231126/0009999").unwrap();
        let elsewhere = story.sign(ActBody::SealEventsReported(body), &[&road.operator]);
        let e = refused(lines(&[elsewhere]), story.t(60));
        assert!(e.contains("does not hold"), "{e}");

        // Dated an hour ahead of this node's clock.
        let ahead = road.seal_events(
            story.t(120),
            &[(
                story.t(119),
                SealEventKind::Position,
                Some(tamga_core::fixtures::road::coordinates("42.9", "74.5")),
            )],
        );
        let e = refused(lines(&[ahead]), story.t(60));
        assert!(e.contains("later than this node's clock"), "{e}");

        // Another kind of act.
        let e = refused(lines(&[story.registration()]), story.t(60));
        assert!(e.contains("not seal events"), "{e}");

        // Empty, and too large.
        assert!(matches!(parse(b"\n\n"), Err(FeedError::Empty)));
        assert!(matches!(
            parse(&vec![b' '; MAX_FEED_BYTES + 1]),
            Err(FeedError::TooLarge { .. })
        ));
    }
}
