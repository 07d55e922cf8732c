//! Latency of recording one act durably on an edge node, against sled's own durable write.
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/target cargo run -p tamga-store --release --example record_bench -- 2000
//! ```
//!
//! Builds N real signed acts (default 2,000), four per consignment in the order a post records
//! them: registration, seal applied, escort assigned (one signature each) and the handoff to the
//! escort (two signatures). Then, timing every call on its own:
//!
//! - `Store::record` of each act into a fresh store (each call verifies the act, merges it into
//!   the consignment's automerge document, writes one sled transaction and returns once it is
//!   durable across power loss: sled's flush, then `fdatasync` of sled's log);
//! - baseline: sled's `insert` of the act's canonical bytes under its id into one tree of a
//!   fresh sled database (its background flusher off, as the store's), then `flush`, then the
//!   same sync (`fdatasync` of sled's log file), for the same acts in the same order, on the
//!   same disk; and, for scale, the same without the `fdatasync` (what durability cost before).
//!
//! Then concurrent writers: 4 threads recording the same acts into a fresh store, each its own
//! consignments in order: wall time, acts per second, and how many durability rounds (group
//! commits) the store ran for how many acts; against 4 threads of the baseline's insert +
//! flush + `fdatasync` into one sled database, each syncing for itself.
//!
//! Prints p50/p90/p99/max of each and the ratios. All live under the system temp directory.

use std::sync::Arc;
use std::time::{Duration, Instant};
use tamga_core::fixtures::stream;
use tamga_core::fixtures::Story;
use tamga_core::SignedAct;
use tamga_store::{Store, StoreOptions};

struct Summary {
    p50: Duration,
    p90: Duration,
    p99: Duration,
    max: Duration,
    total: Duration,
}

fn summarize(mut v: Vec<Duration>) -> Summary {
    let total = v.iter().sum();
    v.sort();
    let at = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    Summary {
        p50: at(0.50),
        p90: at(0.90),
        p99: at(0.99),
        max: *v.last().expect("at least one sample"),
        total,
    }
}

/// User + system CPU time of this process so far.
fn cpu() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000)
        .max(1);
    let base = std::env::temp_dir().join(format!("tamga-record-bench-{}", std::process::id()));
    let story = Story::new();
    let acts: Vec<SignedAct> = (0..n).map(|k| stream::post_stream_act(&story, k)).collect();
    let encoded: Vec<(Vec<u8>, Vec<u8>)> = acts
        .iter()
        .map(|a| (a.id().0.to_vec(), a.encode()))
        .collect();
    let mean_bytes = encoded.iter().map(|(_, b)| b.len()).sum::<usize>() as f64 / n as f64;

    // tamga: Store::record, one call per act, each durable when it returns.
    let store_dir = base.join("store");
    let store = Store::open(&store_dir, &story.authority_id()).unwrap();
    for a in story.registry_acts() {
        store.record(&a).unwrap();
    }
    let mut tamga = Vec::with_capacity(n as usize);
    let cpu_before = cpu();
    for a in &acts {
        let t = Instant::now();
        let r = store.record(a).unwrap();
        tamga.push(t.elapsed());
        assert!(r.seq.is_some(), "every act is new");
    }
    let tamga_cpu = cpu() - cpu_before;
    drop(store);

    // Baselines: sled insert + flush (+ the same fdatasync) of the same canonical bytes, same
    // order, same disk.
    let (bare, bare_cpu) = sled_baseline(&base.join("sled-synced"), &encoded, true);
    let (unsynced, unsynced_cpu) = sled_baseline(&base.join("sled"), &encoded, false);

    // Concurrent writers.
    let threads = 4;
    let store =
        Arc::new(Store::open(base.join("store-concurrent"), &story.authority_id()).unwrap());
    for a in story.registry_acts() {
        store.record(&a).unwrap();
    }
    let rounds_before = store.durable_rounds();
    let acts = Arc::new(acts);
    let t = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|w| {
            let (store, acts) = (store.clone(), acts.clone());
            std::thread::spawn(move || {
                for (k, a) in acts.iter().enumerate() {
                    if (k / 4) % threads == w {
                        store.record(a).unwrap();
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let concurrent_wall = t.elapsed();
    let rounds = store.durable_rounds() - rounds_before;
    drop(store);
    let db = Arc::new(open_sled(&base.join("sled-concurrent")));
    let log_path = base.join("sled-concurrent").join("db");
    let encoded = Arc::new(encoded);
    let t = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|w| {
            let (db, encoded, log_path) = (db.clone(), encoded.clone(), log_path.clone());
            std::thread::spawn(move || {
                let tree = db.open_tree("acts").unwrap();
                let log = std::fs::File::open(&log_path).unwrap();
                for (k, (id, bytes)) in encoded.iter().enumerate() {
                    if (k / 4) % threads == w {
                        tree.insert(id.as_slice(), bytes.as_slice()).unwrap();
                        db.flush().unwrap();
                        log.sync_data().unwrap();
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let concurrent_bare_wall = t.elapsed();
    drop(db);
    std::fs::remove_dir_all(&base).ok();

    let tenth = (n as usize / 10).max(1);
    let mean = |v: &[Duration]| ms(v.iter().sum::<Duration>()) / v.len() as f64;
    let (first, last) = (mean(&tamga[..tenth]), mean(&tamga[tamga.len() - tenth..]));
    let by_step: Vec<String> = ["registration", "seal", "escort", "handoff"]
        .iter()
        .enumerate()
        .map(|(step, name)| {
            let v: Vec<Duration> = tamga.iter().skip(step).step_by(4).copied().collect();
            format!("{name} {:.3} ms", mean(&v))
        })
        .collect();
    let s = summarize(tamga);
    let b = summarize(bare);
    let u = summarize(unsynced);
    println!(
        "acts={n} (consignments={}, mean canonical act {mean_bytes:.0} bytes) under {}",
        n.div_ceil(4),
        std::env::temp_dir().display()
    );
    println!(
        "| per act, ms | p50 | p90 | p99 | max | total s | CPU s |\n|---|---|---|---|---|---|---|"
    );
    for (name, x, c) in [
        (
            "`Store::record` (verify, merge, one transaction, flush, fdatasync)",
            &s,
            tamga_cpu,
        ),
        (
            "baseline: sled `insert` + `flush` + `fdatasync`",
            &b,
            bare_cpu,
        ),
        ("for scale: sled `insert` + `flush` alone", &u, unsynced_cpu),
    ] {
        println!(
            "| {name} | {:.3} | {:.3} | {:.3} | {:.3} | {:.2} | {:.2} |",
            ms(x.p50),
            ms(x.p90),
            ms(x.p99),
            ms(x.max),
            x.total.as_secs_f64(),
            c.as_secs_f64()
        );
    }
    println!(
        "ratio tamga/baseline: p50 {:.2}x, p99 {:.2}x",
        s.p50.as_secs_f64() / b.p50.as_secs_f64(),
        s.p99.as_secs_f64() / b.p99.as_secs_f64()
    );
    println!(
        "concurrent: {threads} threads, {n} acts: Store::record {:.2} s wall ({:.0} acts/s), {rounds} durability rounds ({:.2} acts per round); baseline sled insert + flush + fdatasync per act {:.2} s ({:.0} acts/s); ratio tamga/baseline wall {:.2}x",
        concurrent_wall.as_secs_f64(),
        n as f64 / concurrent_wall.as_secs_f64(),
        n as f64 / rounds.max(1) as f64,
        concurrent_bare_wall.as_secs_f64(),
        n as f64 / concurrent_bare_wall.as_secs_f64(),
        concurrent_wall.as_secs_f64() / concurrent_bare_wall.as_secs_f64(),
    );
    println!("Store::record mean: first tenth {first:.3} ms, last tenth {last:.3} ms");
    println!(
        "Store::record mean by step (document holds 1..4 acts): {}",
        by_step.join(", ")
    );
    println!("reproduce: cargo run --release -p tamga-store --example record_bench -- {n}");
}

/// A sled database configured as the store's (cache, background flusher off).
fn open_sled(dir: &std::path::Path) -> sled::Db {
    sled::Config::new()
        .path(dir)
        .cache_capacity(StoreOptions::default().sled_cache_bytes)
        .flush_every_ms(None)
        .open()
        .unwrap()
}

/// sled insert + flush (+ `fdatasync` of sled's log if `sync`) of each act in turn: the
/// latency of each, and the CPU time of all.
fn sled_baseline(
    dir: &std::path::Path,
    encoded: &[(Vec<u8>, Vec<u8>)],
    sync: bool,
) -> (Vec<Duration>, Duration) {
    let db = open_sled(dir);
    let tree = db.open_tree("acts").unwrap();
    let log = std::fs::File::open(dir.join("db")).unwrap();
    let mut times = Vec::with_capacity(encoded.len());
    let cpu_before = cpu();
    for (id, bytes) in encoded {
        let t = Instant::now();
        tree.insert(id.as_slice(), bytes.as_slice()).unwrap();
        db.flush().unwrap();
        if sync {
            log.sync_data().unwrap();
        }
        times.push(t.elapsed());
    }
    (times, cpu() - cpu_before)
}
