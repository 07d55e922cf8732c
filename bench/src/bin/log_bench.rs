//! Central's transparency log (`docs/act-format.md` §14): what appending and proving cost, and
//! what receipts add to a sync, each against a baseline measured in the same run.
//!
//! 1. The tree alone (`MemoryTree`), 10⁶ leaves by default: appending (per leaf, against
//!    SHA-256 of the same 40-byte entries, the floor of any hashing log), and at sizes 10³ to
//!    10⁶ the inclusion and consistency proofs' lengths (log₂ n) and the time to make and
//!    verify one.
//! 2. The store's log as central runs it: N acts of a post's stream (20,000 by default)
//!    recorded in rounds of 200, the log sequenced and a head signed after each round
//!    (`LogKeeper::head`: leaves, subtrees, the durable batch, the signature), its CPU against
//!    the CPU of recording those acts (`Store::record`: decode, verify, merge, re-derive,
//!    durable); then receipts from the store.
//! 3. The bytes receipts add to a sync: the framed `Response::Receipts` for 10 acts at that
//!    log size, against the 10 documents' changes framed as a sync answer (a lower bound of the
//!    round that brought them).
//!
//! `log_bench [--quick] [N]` (quick: 10⁵ leaves in memory, 2,000 acts in the store).

use std::time::Instant;
use tamga_bench::procstat::thread_cpu_seconds;
use tamga_core::fixtures::{stream, Story};
use tamga_core::transparency::merkle::{leaf_hash, verify_consistency, verify_inclusion};
use tamga_core::transparency::{Leaf, MemoryTree};
use tamga_core::{ActId, Timestamp};
use tamga_store::Store;
use tamga_sync::frame;
use tamga_sync::receipts::{LogKeeper, WireReceipt};
use tamga_sync::session::Response;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let leaves: u64 = if quick { 100_000 } else { 1_000_000 };
    let acts = tamga_bench::size(&args, 2_000, 20_000);
    println!("== transparency log: {leaves} leaves in memory, {acts} acts in the store");
    tree_alone(leaves);
    store_log(acts);
}

fn tree_alone(n: u64) {
    let seen = Timestamp::parse("2026-12-04T00:00:00Z").unwrap();
    let entries: Vec<[u8; 40]> = (0..n)
        .map(|i| {
            Leaf {
                act: ActId::of_canonical_body(&i.to_be_bytes()),
                seen: seen.plus_seconds(i as i64),
            }
            .entry()
        })
        .collect();
    let started = Instant::now();
    let mut floor = [0u8; 32];
    for e in &entries {
        let h = leaf_hash(e);
        floor[0] ^= h[0];
    }
    let baseline = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut tree = MemoryTree::new();
    for e in &entries {
        tree.push(leaf_hash(e));
    }
    let append = started.elapsed().as_secs_f64();
    println!(
        "append {n} leaves: {:.3} s ({:.2} µs a leaf); baseline SHA-256 of the leaves alone {:.3} s; ratio {:.2}× (the floor: about 2 hashes a leaf amortized)",
        append,
        append * 1e6 / n as f64,
        baseline,
        append / baseline
    );
    println!("size      | inclusion hashes | bytes | make µs | verify µs | consistency from n/2: hashes | make µs | verify µs");
    let mut size = 1_000u64;
    while size <= n {
        let root = tree.root(size);
        let index = size / 3;
        let t = Instant::now();
        let reps = 200;
        let mut path = Vec::new();
        for _ in 0..reps {
            path = tree.inclusion(index, size);
        }
        let make = t.elapsed().as_secs_f64() * 1e6 / reps as f64;
        let leaf = leaf_hash(&entries[index as usize]);
        let t = Instant::now();
        for _ in 0..reps {
            verify_inclusion(&leaf, index, size, &path, &root).unwrap();
        }
        let verify = t.elapsed().as_secs_f64() * 1e6 / reps as f64;
        let old = size / 2;
        let old_root = tree.root(old);
        let t = Instant::now();
        let mut proof = Vec::new();
        for _ in 0..reps {
            proof = tree.consistency(old, size);
        }
        let cmake = t.elapsed().as_secs_f64() * 1e6 / reps as f64;
        let t = Instant::now();
        for _ in 0..reps {
            verify_consistency(old, size, &old_root, &root, &proof).unwrap();
        }
        let cverify = t.elapsed().as_secs_f64() * 1e6 / reps as f64;
        println!(
            "{size:>9} | {:>16} | {:>5} | {make:>7.1} | {verify:>9.1} | {:>28} | {cmake:>7.1} | {cverify:>9.1}",
            path.len(),
            path.len() * 32,
            proof.len()
        );
        size *= 10;
    }
}

fn store_log(n: u64) {
    let story = Story::new();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &story.authority_id()).unwrap();
    for act in story.registry_acts() {
        store.record(&act).unwrap();
    }
    let acts: Vec<_> = (0..n).map(|k| stream::post_stream_act(&story, k)).collect();
    let now = Timestamp::parse("2026-12-04T00:00:00Z").unwrap();
    let keeper = LogKeeper::new(Story::log_key());
    // As central runs: acts arrive in rounds (here 200, a sync round's worth), and the log is
    // sequenced and a head signed after each (central does it every second).
    let (mut record_cpu, mut log_cpu) = (0.0, 0.0);
    let started = Instant::now();
    let mut head = None;
    for (round, chunk) in acts.chunks(200).enumerate() {
        let cpu = thread_cpu_seconds();
        for act in chunk {
            store.record(act).unwrap();
        }
        record_cpu += thread_cpu_seconds() - cpu;
        let cpu = thread_cpu_seconds();
        head = Some(keeper.head(&store, now.plus_seconds(round as i64)).unwrap());
        log_cpu += thread_cpu_seconds() - cpu;
    }
    let wall = started.elapsed().as_secs_f64();
    let head = head.expect("at least one round");
    println!(
        "store: {n} acts recorded in rounds of 200 ({record_cpu:.2} s CPU, {wall:.2} s wall in all), the log sequenced and a head signed after each round: {log_cpu:.3} s CPU, {:.1}% of the recording's CPU (goal ≤ 10%)",
        100.0 * log_cpu / record_cpu
    );
    // Receipts for the last 10 acts, and what a sync round that brought them answered.
    let last: Vec<[u8; 32]> = acts[acts.len() - 10..].iter().map(|a| a.id().0).collect();
    let t = Instant::now();
    let answer = keeper
        .answer(&store, &last, head.head.size - 10, now)
        .unwrap();
    let answer_ms = t.elapsed().as_secs_f64() * 1e3;
    let Response::Receipts { receipts, .. } = &answer else {
        unreachable!()
    };
    let receipts_bytes = frame::encode(&answer).unwrap().len();
    let path_len = receipts.first().map_or(0, |r: &WireReceipt| r.path.len());
    // The 10 acts' documents as a round brings them to a peer that has none of them: each
    // document's changes (the whole saved document), framed as a sync answer.
    let messages: Vec<_> = acts[acts.len() - 10..]
        .iter()
        .map(|act| {
            let doc = tamga_store::DocId::of_act(act);
            tamga_sync::session::DocMessage {
                doc: String::from_utf8(doc.to_key()).unwrap(),
                message: store.save_doc(&doc).unwrap(),
            }
        })
        .collect();
    let round_bytes = frame::encode(&Response::Synced { messages }).unwrap().len();
    println!(
        "receipts for 10 acts at a log of {} leaves: {receipts_bytes} bytes framed ({path_len} hashes a proof), made in {answer_ms:.2} ms; those 10 documents' changes, framed as a sync answer: {round_bytes} bytes; receipts add {:.2}× that",
        head.head.size,
        receipts_bytes as f64 / round_bytes as f64
    );
}
