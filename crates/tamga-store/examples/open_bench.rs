//! Open time and memory of a store with many consignments.
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/target cargo run -p tamga-store --release --example open_bench -- 10000
//! ```
//!
//! Builds a store with N consignments (each a registration and a seal applied, signed with the
//! fixture keys, then compacted as a long-running node would be), closes it, and then, each in
//! its own process so that peak RSS (VmHWM) is its own:
//!
//! - `open`: `Store::open` plus a few index queries and one on-demand assessment;
//! - `sled`: baseline, a bare `sled::open` of the same database and its trees;
//! - `all`: baseline, `Store::open` and then every document loaded (what an open that loaded
//!   everything would cost).

use std::process::Command;
use std::time::Instant;
use tamga_core::assessment::Status;
use tamga_core::fixtures::stream;
use tamga_core::fixtures::{self, Story};
use tamga_store::{DocId, Store, StoreOptions};

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("open") => return open(&args[2]),
        Some("sled") => return bare_sled(&args[2]),
        Some("all") => return load_all(&args[2]),
        _ => {}
    }
    let n: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let base = std::env::temp_dir().join(format!("tamga-open-bench-{}", std::process::id()));
    let dir = base.join("store");
    let story = Story::new();
    let t = Instant::now();
    {
        let store = Store::open(&dir, &story.authority_id()).unwrap();
        for act in story.registry_acts() {
            store.record(&act).unwrap();
        }
        for i in 0..n {
            store.record(&stream::registration(&story, i)).unwrap();
            store.record(&stream::seal_applied(&story, i)).unwrap();
        }
        store.compact(1).unwrap();
    }
    let create_s = t.elapsed().as_secs_f64();
    let size: u64 = walk_size(&dir);
    println!(
        "consignments={n} acts={} create_s={create_s:.1} disk_mib={:.1}",
        2 * n,
        size as f64 / 1048576.0
    );
    let exe = std::env::current_exe().unwrap();
    for mode in ["sled", "open", "all", "open"] {
        let out = Command::new(&exe)
            .args([mode, dir.to_str().unwrap()])
            .output()
            .unwrap();
        print!("{}", String::from_utf8_lossy(&out.stdout));
        if !out.status.success() {
            eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        }
    }
    std::fs::remove_dir_all(&base).ok();
}

fn walk_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| {
                    let m = e.metadata().unwrap();
                    if m.is_dir() {
                        walk_size(&e.path())
                    } else {
                        m.len()
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

fn open(dir: &str) {
    let story = Story::new();
    let t = Instant::now();
    let store = Store::open(dir, &story.authority_id()).unwrap();
    let open_ms = ms(t);
    let t = Instant::now();
    let registered = store.by_status(Status::Registered).unwrap().len();
    let via_post = store
        .by_post(&fixtures::unit(fixtures::DEPARTMENT))
        .unwrap()
        .len();
    let due = store.due_before(story.t(8 * 60 + 100)).unwrap().len();
    let sealed = store.by_seal(&stream::seal(5000)).unwrap().len();
    let changed = store
        .changed_since(store.last_seq().unwrap().saturating_sub(100))
        .unwrap()
        .len();
    let queries_ms = ms(t);
    let t = Instant::now();
    let a = store
        .assessment(&stream::consignment(5000), story.t(60))
        .unwrap();
    let assess_ms = ms(t);
    println!(
        "mode=open open_ms={open_ms:.1} queries_ms={queries_ms:.1} (registered={registered} via_post={via_post} due={due} by_seal={sealed} changed={changed}) first_assessment_ms={assess_ms:.1} (status={:?}) loaded_docs={} peak_rss_mib={:.1}",
        a.state.status,
        store.cached_docs(),
        peak_rss_kib() as f64 / 1024.0
    );
}

fn bare_sled(dir: &str) {
    let t = Instant::now();
    let db = sled::Config::new()
        .path(std::path::Path::new(dir).join("sled"))
        .cache_capacity(StoreOptions::default().sled_cache_bytes)
        .open()
        .unwrap();
    for name in [
        "meta", "docs", "changes", "feed", "latest", "doc_seq", "derived", "index",
    ] {
        db.open_tree(name).unwrap();
    }
    println!(
        "mode=sled open_ms={:.1} peak_rss_mib={:.1}",
        ms(t),
        peak_rss_kib() as f64 / 1024.0
    );
}

fn load_all(dir: &str) {
    let story = Story::new();
    let t = Instant::now();
    let options = StoreOptions {
        cached_docs: 1_000_000,
        ..StoreOptions::default()
    };
    let store = Store::open_with(dir, &story.authority_id(), options).unwrap();
    let docs = store.changed_since(0).unwrap();
    let mut acts = 0;
    for (_, id) in &docs {
        if let DocId::Consignment(_) = id {
            acts += store.acts(id).unwrap().len();
        }
    }
    println!(
        "mode=all open_and_load_all_ms={:.1} docs={} acts={acts} loaded_docs={} peak_rss_mib={:.1}",
        ms(t),
        docs.len(),
        store.cached_docs(),
        peak_rss_kib() as f64 / 1024.0
    );
}
