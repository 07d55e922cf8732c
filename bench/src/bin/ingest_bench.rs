//! Central ingest through the real sync session, on one core: acts verified and merged per
//! second when a post syncs its week of work into central, against ed25519-dalek's own rate.
//!
//! ```sh
//! cargo run --release -p tamga-bench --bin ingest_bench            # 20,000 acts
//! cargo run --release -p tamga-bench --bin ingest_bench -- --quick # 2,000 acts
//! cargo run --release -p tamga-bench --bin ingest_bench -- 40000   # any number of acts
//! ```
//!
//! The whole process is pinned to one CPU with `sched_setaffinity` before anything starts
//! (threads started later, sled's included, inherit the mask), so every figure is one core's.
//!
//! A post's store holds N acts of its week, four per consignment in the order a post records
//! them (registration, seal applied, escort assigned, the handoff to the escort:
//! `tamga_core::fixtures::stream::post_stream_act`, the acts `verify_bench` uses), each
//! consignment's document built with one change per act and merged into the post's store
//! (population, timed apart). Central's store holds the registry. Then the post syncs with
//! central through `tamga_sync::session::{Initiator, respond}`, every request and response
//! encoded and decoded with `tamga_sync::frame` as on the wire, until the session is done. The
//! time on central's side (decoding the request, `respond`, encoding the response) is measured
//! apart from the post's side; central's acts per second is N over central's time. Every row
//! gives rates over the thread's CPU time (steady on a machine shared with other work) and
//! over wall time (which also holds waiting for the disk's flushes and for the CPU).
//!
//! Baselines, in the same process on the same core: ed25519-dalek `verify_strict` of every
//! signature of the same acts (keys parsed beforehand) and `verify_batch` in batches of 64 (the
//! ceiling), and tamga's own check without the store, `SignedAct::decode` +
//! `Registry::verify` (verify_bench's (c)).

use std::time::Instant;
use tamga_bench::procstat::{self, secs, Spent};
use tamga_core::fixtures::stream;
use tamga_core::fixtures::{self, Story};
use tamga_core::signing::{key_id, signing_message};
use tamga_core::SignedAct;
use tamga_store::{DocId, Store};
use tamga_sync::frame;
use tamga_sync::scope::Scope;
use tamga_sync::session::{respond, Initiator, Step};

const BATCH: usize = 64;

/// What one session cost.
#[derive(Default)]
struct Session {
    round_trips: u32,
    documents: usize,
    bytes: usize,
    wall_s: f64,
    central_s: f64,
    central_cpu_s: f64,
    central_runqueue_s: f64,
    cpu_s: f64,
}

fn session(post: &Store, central: &Store) -> Session {
    let post_id = key_id(&fixtures::key("bench post device"));
    let central_id = key_id(&fixtures::key("bench central device"));
    let post_scope = Scope::Unit(fixtures::unit(fixtures::AIRPORT_POST));
    let mut out = Session::default();
    let started = Instant::now();
    let started_cpu = procstat::thread_cpu_seconds();
    let mut initiator = Initiator::new(post, central_id, Scope::All);
    let mut request = initiator.start().expect("session opens");
    loop {
        let wire = frame::encode(&request).expect("request frames");
        out.bytes += wire.len();
        let cpu = procstat::thread_cpu_seconds();
        let queued = procstat::thread_runqueue_wait_seconds();
        let t = Instant::now();
        let response = respond(
            central,
            &post_id,
            &post_scope,
            frame::decode(&wire).expect("request decodes"),
        )
        .expect("central answers");
        let wire = frame::encode(&response).expect("response frames");
        out.central_s += secs(t);
        out.central_cpu_s += procstat::thread_cpu_seconds() - cpu;
        out.central_runqueue_s += procstat::thread_runqueue_wait_seconds() - queued;
        out.bytes += wire.len();
        match initiator
            .receive(frame::decode(&wire).expect("response decodes"))
            .expect("the post takes the answer")
        {
            Step::Send(next) => request = next,
            Step::Done(summary) => {
                out.round_trips = summary.round_trips;
                out.documents = summary.documents;
                out.wall_s = secs(started);
                out.cpu_s = procstat::thread_cpu_seconds() - started_cpu;
                return out;
            }
        }
    }
}

fn main() {
    let allowed = procstat::allowed_cpus();
    let cpu = *allowed.last().expect("some CPU is allowed");
    let pinned = procstat::pin_to_cpu(cpu);
    let args: Vec<String> = std::env::args().collect();
    let n = tamga_bench::size(&args, 2_000, 20_000);
    let n = n.div_ceil(4) * 4;
    let consignments = n / 4;
    let story = Story::new();
    let registry = story.registry();
    let dirs = (
        tempfile::Builder::new()
            .prefix("tamga-ingest-post-")
            .tempdir()
            .expect("temp dir"),
        tempfile::Builder::new()
            .prefix("tamga-ingest-central-")
            .tempdir()
            .expect("temp dir"),
    );
    eprintln!(
        "pinned to CPU {cpu} of {allowed:?}: {pinned}; {n} acts, {consignments} consignments"
    );

    // The acts, and the post's store (population, timed apart).
    let t = Instant::now();
    let acts: Vec<SignedAct> = (0..n).map(|k| stream::post_stream_act(&story, k)).collect();
    let generate_s = secs(t);
    let post = Store::open(dirs.0.path(), &story.authority_id()).expect("post store");
    let central = Store::open(dirs.1.path(), &story.authority_id()).expect("central store");
    for act in story.registry_acts() {
        post.record(&act).expect("registry");
        central.record(&act).expect("registry");
    }
    let t = Instant::now();
    for (c, week) in acts.chunks(4).enumerate() {
        let id = DocId::Consignment(stream::consignment(c as u64));
        let report = post
            .apply_changes(
                &id,
                &tamga_bench::consignments::document(week),
                &tamga_store::Writer::Anyone,
            )
            .expect("post merges");
        assert_eq!(report.new_acts.len(), week.len());
    }
    let populate_s = secs(t);
    eprintln!("post populated in {populate_s:.1} s; syncing ...");

    // The sync.
    let first = session(&post, &central);
    for c in [0, consignments / 2, consignments - 1] {
        let held = central
            .acts(&DocId::Consignment(stream::consignment(c)))
            .expect("central has the document")
            .len();
        assert_eq!(held, 4, "consignment {c} arrived whole");
    }
    assert_eq!(central.doc_count() as u64, consignments + 1);
    let settle = session(&post, &central);
    let quiet = session(&post, &central);

    // Baselines.
    let encoded: Vec<Vec<u8>> = acts.iter().map(SignedAct::encode).collect();
    let mut messages = Vec::new();
    let mut signatures = Vec::new();
    let mut keys = Vec::new();
    for a in &acts {
        for s in a.signatures() {
            let key: [u8; 32] = hex::decode(s.key.as_str())
                .expect("hex")
                .try_into()
                .expect("32 bytes");
            messages.push(signing_message(&a.id()));
            signatures.push(ed25519_dalek::Signature::from_bytes(&s.signature.0));
            keys.push(ed25519_dalek::VerifyingKey::from_bytes(&key).expect("key"));
        }
    }
    let sigs = signatures.len();
    let (mut strict_t, mut batch_t, mut check_t) =
        (Spent::default(), Spent::default(), Spent::default());
    strict_t.time(|| {
        for ((m, s), k) in messages.iter().zip(&signatures).zip(&keys) {
            k.verify_strict(m, s).expect("verifies");
        }
    });
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    batch_t.time(|| {
        for ((m, s), k) in refs
            .chunks(BATCH)
            .zip(signatures.chunks(BATCH))
            .zip(keys.chunks(BATCH))
        {
            ed25519_dalek::verify_batch(m, s, k).expect("verifies");
        }
    });
    check_t.time(|| {
        for bytes in &encoded {
            let a = SignedAct::decode(bytes).expect("decodes");
            registry.verify(&a).expect("holds");
        }
    });
    let central_t = Spent {
        wall: first.central_s,
        cpu: first.central_cpu_s,
    };
    let both_t = Spent {
        wall: first.wall_s,
        cpu: first.cpu_s,
    };

    let rate = |s: f64| n as f64 / s;
    println!(
        "\ncentral ingest on one core (CPU {cpu}, pinned: {pinned}): {n} acts, {sigs} signatures, {consignments} consignments; post populated in {populate_s:.1} s (acts signed in {generate_s:.1} s)"
    );
    println!("\n| one core | acts/s (CPU time) | signatures/s (CPU time) | vs (a), CPU | acts/s (wall) | vs (a), wall |\n|---|---|---|---|---|---|");
    let row = |what: &str, t: Spent| {
        println!(
            "| {what} | {:.0} | {:.0} | {:.3} | {:.0} | {:.3} |",
            rate(t.cpu),
            sigs as f64 / t.cpu,
            strict_t.cpu / t.cpu,
            rate(t.wall),
            strict_t.wall / t.wall
        );
    };
    row("(a) ed25519-dalek `verify_strict`, one by one", strict_t);
    row("(b) ed25519-dalek `verify_batch`, 64 a batch", batch_t);
    row("(c) `SignedAct::decode` + `Registry::verify`", check_t);
    row(
        "**(e) sync session, central's side** (frames, `respond`: merge, check, durable)",
        central_t,
    );
    row("(f) sync session, both sides on the one core", both_t);
    println!(
        "\nfirst session: {} round trips, {} documents, {:.1} MiB of frames, {:.2} s wall; central {:.2} s: {:.2} s on the CPU, {:.2} s runnable but waiting for the CPU, the rest ({:.2} s) blocked (fsync); post {:.2} s",
        first.round_trips,
        first.documents,
        first.bytes as f64 / 1048576.0,
        first.wall_s,
        first.central_s,
        first.central_cpu_s,
        first.central_runqueue_s,
        first.central_s - first.central_cpu_s - first.central_runqueue_s,
        first.wall_s - first.central_s
    );
    println!(
        "next session (re-offers what central merged): {} round trips, {} documents, {:.2} s (central {:.2} s); then none changed: {} round trip, {:.1} ms",
        settle.round_trips,
        settle.documents,
        settle.wall_s,
        settle.central_s,
        quiet.round_trips,
        quiet.wall_s * 1000.0
    );
    let json = serde_json::json!({
        "bench": "ingest",
        "date": procstat::today(),
        "acts": n,
        "signatures": sigs,
        "consignments": consignments,
        "cpu": cpu,
        "pinned": pinned,
        "populate_s": populate_s,
        "verify_strict_acts_per_s": rate(strict_t.wall),
        "verify_strict_cpu_acts_per_s": rate(strict_t.cpu),
        "verify_batch_acts_per_s": rate(batch_t.wall),
        "verify_batch_cpu_acts_per_s": rate(batch_t.cpu),
        "decode_verify_acts_per_s": rate(check_t.wall),
        "decode_verify_cpu_acts_per_s": rate(check_t.cpu),
        "session_central_acts_per_s": rate(first.central_s),
        "session_central_cpu_acts_per_s": rate(first.central_cpu_s),
        "session_wall_acts_per_s": rate(first.wall_s),
        "session_cpu_acts_per_s": rate(first.cpu_s),
        "session_central_vs_verify_strict_cpu": strict_t.cpu / central_t.cpu,
        "session_central_vs_verify_batch_cpu": batch_t.cpu / central_t.cpu,
        "session_central_vs_verify_strict_wall": strict_t.wall / central_t.wall,
        "session_round_trips": first.round_trips,
        "session_bytes": first.bytes,
        "session_wall_s": first.wall_s,
        "session_central_s": first.central_s,
        "session_central_cpu_s": first.central_cpu_s,
        "session_central_runqueue_s": first.central_runqueue_s,
        "settle_s": settle.wall_s,
        "settle_central_s": settle.central_s,
        "quiet_ms": quiet.wall_s * 1000.0,
    });
    println!("{json}");
}
