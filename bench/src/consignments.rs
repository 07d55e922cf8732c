//! Realistic consignments for the benchmarks, and a fast honest way to put many of them into a
//! [`Store`].
//!
//! [`acts`] gives the `n`th consignment's whole life as its nodes record it, about ten acts of
//! the kinds a real escort produces (registration, seal applied, escort assigned, the handoff to
//! the escort, position reports, seal checks, arrival, the handoff to the Department, delivery),
//! signed with the fixture story's keys. Seven in ten are delivered cleanly, one in ten has a
//! seal found damaged on the road (a discrepancy), two in ten are still on the road (overdue
//! once their deadline passes).
//!
//! [`document`] builds the consignment's automerge document as a node would hold it (one change
//! per act), and [`populate`] merges such documents into a store with [`Store::apply_changes`]:
//! the store checks every entry exactly as it checks a peer's changes (decode, signatures,
//! authorization, the assessment, one durable transaction per document), so the store ends up
//! as a sync would leave it, at a fraction of the cost of `Store::record` act by act. Building
//! and signing run on another thread while the store merges.

use automerge::AutoCommit;
use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::Instant;
use tamga_core::act::{ActBody, SealObservation, SealState};
use tamga_core::fixtures::stream;
use tamga_core::fixtures::{self, Story};
use tamga_core::{SignedAct, Timestamp};
use tamga_store::{DocId, Store};

/// Acts per consignment from [`acts`] (every kind of consignment has this many).
pub const ACTS_PER_CONSIGNMENT: usize = 10;

/// What becomes of the `n`th consignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Delivered, everything as registered.
    Delivered,
    /// Delivered, but a seal check on the road found the seal damaged.
    DamagedSeal,
    /// Still on the road: positions and seal checks, no arrival yet.
    OnTheRoad,
}

/// The fate of consignment `n`.
pub fn fate(n: u64) -> Fate {
    match n % 10 {
        7 => Fate::DamagedSeal,
        8 | 9 => Fate::OnTheRoad,
        _ => Fate::Delivered,
    }
}

/// The minute (after the story's start) at which consignment `n` is registered.
pub fn start_minute(n: u64) -> i64 {
    (n % 1000) as i64
}

/// A time after which every generated consignment's deadline has passed: assessing at it makes
/// the ones still on the road overdue.
pub fn assessment_time(story: &Story) -> Timestamp {
    story.t(24 * 60)
}

/// A time at which about half the consignments still on the road are past their deadline: the
/// deadlines (registration at [`start_minute`], due 8 hours later, as
/// [`stream::registration`] makes them) are spread evenly over minutes 480 to 1,479.
pub fn half_overdue_time(story: &Story) -> Timestamp {
    story.t(8 * 60 + 500)
}

fn shifted(t: Timestamp, minutes: i64) -> Timestamp {
    t.plus_seconds(minutes * 60)
}

/// A position report by the escort vehicle for consignment `n`, `minutes` after its start.
pub fn positions(story: &Story, n: u64, minutes: i64) -> SignedAct {
    let ActBody::PositionReported(mut body) = story.positions().body().clone() else {
        unreachable!("the story's position report")
    };
    let m0 = start_minute(n);
    // The story's report is at minute 70 with fixes at 40, 55, 70.
    body.consignment = stream::consignment(n);
    body.at = story.t(m0 + minutes);
    for p in &mut body.positions {
        p.at = shifted(p.at, m0 + minutes - 70);
    }
    story.sign(ActBody::PositionReported(body), &[&story.vehicle_device])
}

/// A seal check on the road by the second escort officer.
pub fn seal_checked(story: &Story, n: u64, minutes: i64, state: SealState) -> SignedAct {
    let ActBody::SealChecked(mut body) = story.seal_checked(0, state).body().clone() else {
        unreachable!("the story's seal check")
    };
    body.consignment = stream::consignment(n);
    body.at = story.t(start_minute(n) + minutes);
    body.seal = stream::seal(n);
    story.sign(ActBody::SealChecked(body), &[&story.escort_second])
}

/// The `n`th consignment's acts, in the order they are recorded ([`ACTS_PER_CONSIGNMENT`] of
/// them).
pub fn acts(story: &Story, n: u64) -> Vec<SignedAct> {
    let m0 = start_minute(n);
    let consignment = stream::consignment(n);
    let seals = vec![SealObservation {
        seal: stream::seal(n),
        state: SealState::Intact,
    }];
    let escort = {
        let ActBody::EscortAssigned(mut body) = story.escort_assigned().body().clone() else {
            unreachable!("the story's escort assignment")
        };
        body.consignment = consignment.clone();
        body.at = story.t(m0 + 15);
        story.sign(ActBody::EscortAssigned(body), &[&story.airport_officer])
    };
    let to_escort = {
        let mut body = story.transfer_body(
            m0 + 30,
            fixtures::AIRPORT_POST,
            None,
            &story.airport_officer,
            &story.escort_lead,
        );
        body.consignment = consignment.clone();
        body.seals = seals.clone();
        story.transfer(body, &story.airport_officer, &story.escort_lead)
    };
    let first_handoff = to_escort.id();
    let mut out = vec![
        stream::registration(story, n),
        stream::seal_applied(story, n),
        escort,
        to_escort,
        positions(story, n, 45),
    ];
    match fate(n) {
        Fate::OnTheRoad => {
            out.push(seal_checked(story, n, 60, SealState::Intact));
            out.push(positions(story, n, 75));
            out.push(positions(story, n, 105));
            out.push(seal_checked(story, n, 120, SealState::Intact));
            out.push(positions(story, n, 135));
        }
        f => {
            let state = if f == Fate::DamagedSeal {
                SealState::Damaged
            } else {
                SealState::Intact
            };
            out.push(seal_checked(story, n, 60, state));
            out.push(positions(story, n, 80));
            let ActBody::ArrivalNotified(mut arrival) = story.arrival(95, 100).body().clone()
            else {
                unreachable!("the story's arrival")
            };
            arrival.consignment = consignment.clone();
            arrival.at = story.t(m0 + 100);
            arrival.arrived_at = story.t(m0 + 95);
            out.push(story.sign(ActBody::ArrivalNotified(arrival), &[&story.escort_lead]));
            let mut body = story.transfer_body(
                m0 + 105,
                fixtures::DEPARTMENT,
                Some(first_handoff),
                &story.escort_lead,
                &story.department_officer,
            );
            body.consignment = consignment.clone();
            body.seals = seals.clone();
            out.push(story.transfer(body, &story.escort_lead, &story.department_officer));
            let ActBody::ConsignmentDelivered(mut delivered) = story.delivered(110).body().clone()
            else {
                unreachable!("the story's delivery")
            };
            delivered.consignment = consignment.clone();
            delivered.at = story.t(m0 + 110);
            delivered.seals = seals.clone();
            out.push(story.sign(
                ActBody::ConsignmentDelivered(delivered),
                &[&story.department_officer],
            ));
        }
    }
    debug_assert_eq!(out.len(), ACTS_PER_CONSIGNMENT);
    out
}

/// The consignment's document as a node holds it after recording `acts` one by one (one
/// automerge change per act), saved whole.
pub fn document(acts: &[SignedAct]) -> Vec<u8> {
    let mut doc = AutoCommit::new();
    for act in acts {
        tamga_store::doc::put_act(&mut doc, act).expect("a fresh document takes an act");
        doc.commit();
    }
    doc.save()
}

/// What [`populate`] did.
#[derive(Clone, Debug, Default)]
pub struct Populated {
    /// Consignments merged.
    pub consignments: u64,
    /// Acts merged.
    pub acts: u64,
    /// Wall time of the whole population, seconds.
    pub seconds: f64,
    /// Of which the store's merges (`Store::apply_changes`), seconds, summed call by call.
    pub merge_seconds: f64,
    /// The merging thread's CPU time in those calls, seconds.
    pub merge_cpu_seconds: f64,
    /// Bytes of the saved documents handed to the store.
    pub document_bytes: u64,
}

/// Merges consignments `range` into `store` (which must already hold the story's registry):
/// a thread signs the acts and builds each document, the calling thread merges them one by one
/// with [`Store::apply_changes`], each merge durable before the next. Every act must hold.
/// `progress` is called after each merge with the count so far.
pub fn populate(
    store: &Store,
    story: &Story,
    range: std::ops::Range<u64>,
    progress: impl FnMut(u64),
) -> Populated {
    populate_keeping(store, story, range, None, progress)
}

/// [`populate`], also writing every act's canonical bytes to `acts_file` in order (each as a
/// little-endian u32 length and the bytes), for baselines that need the same acts without
/// signing them again; read them back with [`read_acts`].
pub fn populate_keeping(
    store: &Store,
    story: &Story,
    range: std::ops::Range<u64>,
    acts_file: Option<&std::path::Path>,
    mut progress: impl FnMut(u64),
) -> Populated {
    let started = Instant::now();
    let (tx, rx) = mpsc::sync_channel::<(u64, Vec<u8>)>(256);
    let producer_range = range.clone();
    let mut out = Populated::default();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut sink = acts_file
                .map(|p| std::io::BufWriter::new(std::fs::File::create(p).expect("the acts file")));
            for n in producer_range {
                let acts = acts(story, n);
                if let Some(w) = sink.as_mut() {
                    for a in &acts {
                        let bytes = a.encode();
                        w.write_all(&(bytes.len() as u32).to_le_bytes())
                            .and_then(|_| w.write_all(&bytes))
                            .expect("the acts file takes an act");
                    }
                }
                let bytes = document(&acts);
                if tx.send((n, bytes)).is_err() {
                    return;
                }
            }
            if let Some(mut w) = sink {
                w.flush().expect("the acts file is written");
            }
        });
        for (n, bytes) in rx {
            let id = DocId::Consignment(stream::consignment(n));
            let cpu = crate::procstat::thread_cpu_seconds();
            let t = Instant::now();
            let report = store
                .apply_changes(&id, &bytes, &tamga_store::Writer::Anyone)
                .expect("the store merges a generated document");
            out.merge_seconds += t.elapsed().as_secs_f64();
            out.merge_cpu_seconds += crate::procstat::thread_cpu_seconds() - cpu;
            assert!(
                report.rejected.is_empty(),
                "generated acts hold: {:?}",
                report.rejected
            );
            out.consignments += 1;
            out.acts += report.new_acts.len() as u64;
            out.document_bytes += bytes.len() as u64;
            progress(out.consignments);
        }
    });
    out.seconds = started.elapsed().as_secs_f64();
    out
}

/// The changes a peer would send to bring `store`'s copy of `id` the new act `act`: the
/// document as the store holds it, with the act added by another actor, as changes after the
/// store's heads (what [`Store::apply_changes`] receives in a sync).
pub fn change_adding(store: &Store, id: &DocId, act: &SignedAct) -> Vec<u8> {
    let mut doc = AutoCommit::load(&store.save_doc(id).expect("the store saves the document"))
        .expect("a saved document loads");
    let heads = doc.get_heads();
    tamga_store::doc::put_act(&mut doc, act).expect("the document takes an act");
    doc.commit();
    doc.save_after(&heads)
}

/// The acts of consignments `range`, signed on `threads` threads, in order.
pub fn acts_parallel(
    story: &Story,
    range: std::ops::Range<u64>,
    threads: usize,
) -> Vec<Vec<SignedAct>> {
    let threads = threads.max(1) as u64;
    let len = range.end.saturating_sub(range.start);
    let per = len.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let from = (range.start + t * per).min(range.end);
                let to = (from + per).min(range.end);
                scope.spawn(move || (from..to).map(|n| acts(story, n)).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a generating thread"))
            .collect()
    })
}

/// Reads up to `limit` acts' canonical bytes written by [`populate_keeping`]; fewer at the end
/// of the file.
pub fn read_acts(reader: &mut impl Read, limit: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(limit);
    let mut len = [0u8; 4];
    while out.len() < limit && reader.read_exact(&mut len).is_ok() {
        let mut bytes = vec![0u8; u32::from_le_bytes(len) as usize];
        reader
            .read_exact(&mut bytes)
            .expect("a whole act in the acts file");
        out.push(bytes);
    }
    out
}
