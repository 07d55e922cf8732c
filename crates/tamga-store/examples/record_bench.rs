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
//!   the consignment's automerge document, writes one sled transaction and flushes before it
//!   returns);
//! - baseline: sled's `insert` of the act's canonical bytes under its id into one tree of a
//!   fresh sled database, then `flush`, for the same acts in the same order, on the same disk.
//!
//! Prints p50/p90/p99/max of each and the ratios. Both live under the system temp directory.

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

    // Baseline: sled insert + flush of the same canonical bytes, same order, same disk.
    let db = sled::Config::new()
        .path(base.join("sled"))
        .cache_capacity(StoreOptions::default().sled_cache_bytes)
        .open()
        .unwrap();
    let tree = db.open_tree("acts").unwrap();
    let mut bare = Vec::with_capacity(n as usize);
    let cpu_before = cpu();
    for (id, bytes) in &encoded {
        let t = Instant::now();
        tree.insert(id.as_slice(), bytes.as_slice()).unwrap();
        db.flush().unwrap();
        bare.push(t.elapsed());
    }
    let bare_cpu = cpu() - cpu_before;
    drop(tree);
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
            "`Store::record` (verify, merge, one transaction, flush)",
            &s,
            tamga_cpu,
        ),
        ("baseline: sled `insert` + `flush`", &b, bare_cpu),
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
    println!("Store::record mean: first tenth {first:.3} ms, last tenth {last:.3} ms");
    println!(
        "Store::record mean by step (document holds 1..4 acts): {}",
        by_step.join(", ")
    );
    println!("reproduce: cargo run --release -p tamga-store --example record_bench -- {n}");
}
