//! Central ingest's ceiling on one core: acts checked per second, against ed25519 itself.
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/target cargo run -p tamga-store --release --example verify_bench -- 20000
//! ```
//!
//! Builds N real signed acts (default 20,000), four per consignment as a post records them:
//! registration, seal applied, escort assigned (one signature each) and the handoff to the
//! escort (two signatures), so a quarter are two-signature handoffs. Then, on one thread:
//!
//! - (a) ed25519-dalek `verify_strict` of every signature, one at a time, on the messages tamga
//!   signs (context + act id, 55 bytes), keys parsed beforehand;
//! - (b) ed25519-dalek `verify_batch` of the same signatures, in batches of 64;
//! - decode alone: `SignedAct::decode` of the canonical bytes;
//! - (c) tamga's full check: `SignedAct::decode` + `Registry::verify` (which runs
//!   `verify_signatures` and then the authorization against the key registry);
//! - (d) ingest: `SignedAct::decode` + `Store::record` into a fresh store under the system temp
//!   directory (record verifies the act itself, merges it and flushes before returning).
//!
//! Prints acts/s and signatures/s of each, and the ratios to (a).

use ed25519_dalek::{Signature, VerifyingKey};
use std::time::Instant;
use tamga_core::fixtures::stream;
use tamga_core::fixtures::Story;
use tamga_core::signing::signing_message;
use tamga_core::SignedAct;
use tamga_store::Store;

const BATCH: usize = 64;

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000)
        .max(1);
    let story = Story::new();
    let registry = story.registry();
    let acts: Vec<SignedAct> = (0..n).map(|k| stream::post_stream_act(&story, k)).collect();
    let encoded: Vec<Vec<u8>> = acts.iter().map(SignedAct::encode).collect();
    let mut messages = Vec::new();
    let mut signatures = Vec::new();
    let mut keys = Vec::new();
    for a in &acts {
        for s in a.signatures() {
            let key: [u8; 32] = hex::decode(s.key.as_str()).unwrap().try_into().unwrap();
            messages.push(signing_message(&a.id()));
            signatures.push(Signature::from_bytes(&s.signature.0));
            keys.push(VerifyingKey::from_bytes(&key).unwrap());
        }
    }
    let sigs = signatures.len();
    let mean_bytes = encoded.iter().map(Vec::len).sum::<usize>() as f64 / n as f64;
    println!(
        "acts={n} signatures={sigs} ({} two-signature handoffs), message {} bytes, mean canonical act {mean_bytes:.0} bytes",
        sigs as u64 - n,
        messages[0].len()
    );

    let mut rows: Vec<(&str, f64)> = Vec::new();

    let t = Instant::now();
    for ((m, s), k) in messages.iter().zip(&signatures).zip(&keys) {
        k.verify_strict(m, s).unwrap();
    }
    rows.push(("(a) ed25519-dalek `verify_strict`, one by one", secs(t)));

    let t = Instant::now();
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    for ((m, s), k) in refs
        .chunks(BATCH)
        .zip(signatures.chunks(BATCH))
        .zip(keys.chunks(BATCH))
    {
        ed25519_dalek::verify_batch(m, s, k).unwrap();
    }
    rows.push(("(b) ed25519-dalek `verify_batch`, 64 a batch", secs(t)));

    let t = Instant::now();
    for bytes in &encoded {
        std::hint::black_box(SignedAct::decode(bytes).unwrap());
    }
    rows.push(("`SignedAct::decode` alone", secs(t)));

    let t = Instant::now();
    for bytes in &encoded {
        let a = SignedAct::decode(bytes).unwrap();
        registry.verify(&a).unwrap();
    }
    rows.push((
        "(c) `SignedAct::decode` + `Registry::verify` (signatures + authorization)",
        secs(t),
    ));

    let dir = std::env::temp_dir().join(format!("tamga-verify-bench-{}", std::process::id()));
    let store = Store::open(&dir, &story.authority_id()).unwrap();
    for a in story.registry_acts() {
        store.record(&a).unwrap();
    }
    let t = Instant::now();
    for bytes in &encoded {
        let a = SignedAct::decode(bytes).unwrap();
        store.record(&a).unwrap();
    }
    rows.push((
        "(d) `SignedAct::decode` + `Store::record` (verify, merge, flush)",
        secs(t),
    ));
    drop(store);
    std::fs::remove_dir_all(&dir).ok();

    let base = n as f64 / rows[0].1;
    println!("| one thread | acts/s | signatures/s | vs (a) |\n|---|---|---|---|");
    for (name, s) in &rows {
        let acts_per_s = n as f64 / s;
        println!(
            "| {name} | {acts_per_s:.0} | {:.0} | {:.3} |",
            sigs as f64 / s,
            acts_per_s / base
        );
    }
    println!("reproduce: cargo run --release -p tamga-store --example verify_bench -- {n}");
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}
