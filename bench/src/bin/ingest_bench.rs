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
//! `tamga_store::store::testing::post_stream_act`, the acts `verify_bench` uses), each
//! consignment's document built with one change per act and merged into the post's store
//! (population, timed apart). Central's store holds the registry. Then the post syncs with
//! central through `tamga_sync::session::{Initiator, respond}`, every request and response
//! encoded and decoded with `tamga_sync::frame` as on the wire, until the session is done. The
//! time on central's side (decoding the request, `respond`, encoding the response) is measured
//! apart from the post's side; central's acts per second is N over central's time.
//!
//! Baselines, in the same process on the same core: ed25519-dalek `verify_strict` of every
//! signature of the same acts (keys parsed beforehand) and `verify_batch` in batches of 64 (the
//! ceiling), and tamga's own check without the store, `SignedAct::decode` +
//! `Registry::verify` (verify_bench's (c)).

use std::time::Instant;
use tamga_bench::procstat::{self, secs};
use tamga_core::fixtures::{self, Story};
use tamga_core::signing::{key_id, signing_message};
use tamga_core::SignedAct;
use tamga_store::store::testing;
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
}

fn session(post: &Store, central: &Store) -> Session {
    let post_id = key_id(&fixtures::key("bench post device"));
    let central_id = key_id(&fixtures::key("bench central device"));
    let post_scope = Scope::Unit(fixtures::unit(fixtures::AIRPORT_POST));
    let mut out = Session::default();
    let started = Instant::now();
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
    let quick = args.iter().any(|a| a == "--quick");
    let n: u64 = args
        .iter()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(if quick { 2_000 } else { 20_000 });
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
    let acts: Vec<SignedAct> = (0..n)
        .map(|k| testing::post_stream_act(&story, k))
        .collect();
    let generate_s = secs(t);
    let post = Store::open(dirs.0.path(), &story.authority_id()).expect("post store");
    let central = Store::open(dirs.1.path(), &story.authority_id()).expect("central store");
    for act in story.registry_acts() {
        post.record(&act).expect("registry");
        central.record(&act).expect("registry");
    }
    let t = Instant::now();
    for (c, week) in acts.chunks(4).enumerate() {
        let id = DocId::Consignment(testing::consignment(c as u64));
        let report = post
            .apply_changes(&id, &tamga_bench::consignments::document(week))
            .expect("post merges");
        assert_eq!(report.new_acts.len(), week.len());
    }
    let populate_s = secs(t);
    eprintln!("post populated in {populate_s:.1} s; syncing ...");

    // The sync.
    let first = session(&post, &central);
    for c in [0, consignments / 2, consignments - 1] {
        let held = central
            .acts(&DocId::Consignment(testing::consignment(c)))
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
    let t = Instant::now();
    for ((m, s), k) in messages.iter().zip(&signatures).zip(&keys) {
        k.verify_strict(m, s).expect("verifies");
    }
    let strict_s = secs(t);
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let t = Instant::now();
    for ((m, s), k) in refs
        .chunks(BATCH)
        .zip(signatures.chunks(BATCH))
        .zip(keys.chunks(BATCH))
    {
        ed25519_dalek::verify_batch(m, s, k).expect("verifies");
    }
    let batch_s = secs(t);
    let t = Instant::now();
    for bytes in &encoded {
        let a = SignedAct::decode(bytes).expect("decodes");
        registry.verify(&a).expect("holds");
    }
    let check_s = secs(t);

    let rate = |s: f64| n as f64 / s;
    let strict = rate(strict_s);
    println!(
        "\ncentral ingest on one core (CPU {cpu}, pinned: {pinned}): {n} acts, {sigs} signatures, {consignments} consignments; post populated in {populate_s:.1} s (acts signed in {generate_s:.1} s)"
    );
    println!("\n| one core | acts/s | signatures/s | vs (a) |\n|---|---|---|---|");
    let row = |what: &str, s: f64| {
        println!(
            "| {what} | {:.0} | {:.0} | {:.3} |",
            rate(s),
            sigs as f64 / s,
            rate(s) / strict
        );
    };
    row("(a) ed25519-dalek `verify_strict`, one by one", strict_s);
    row("(b) ed25519-dalek `verify_batch`, 64 a batch", batch_s);
    row("(c) `SignedAct::decode` + `Registry::verify`", check_s);
    row(
        "**(e) sync session, central's side** (frames, `respond`: merge, check, durable)",
        first.central_s,
    );
    row(
        "(e') the same, central's CPU time only (without waiting on the disk or the run queue)",
        first.central_cpu_s,
    );
    row(
        "(f) sync session, both sides on the one core (wall)",
        first.wall_s,
    );
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
        "verify_strict_acts_per_s": strict,
        "verify_batch_acts_per_s": rate(batch_s),
        "decode_verify_acts_per_s": rate(check_s),
        "session_central_acts_per_s": rate(first.central_s),
        "session_central_cpu_acts_per_s": rate(first.central_cpu_s),
        "session_wall_acts_per_s": rate(first.wall_s),
        "session_central_vs_verify_strict": rate(first.central_s) / strict,
        "session_central_vs_verify_batch": first.central_s.recip() * batch_s,
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
