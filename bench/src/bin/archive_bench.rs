//! A post's year of data, before and after archiving: the size of the live store on disk, of the
//! archive files, and of the store rewritten into a fresh database.
//!
//! ```sh
//! cargo build --release -p tamga-bench
//! $CARGO_TARGET_DIR/release/archive_bench            # 7,300 consignments (20 a day for a year)
//! $CARGO_TARGET_DIR/release/archive_bench --quick    # 730
//! $CARGO_TARGET_DIR/release/archive_bench 3650
//! ```
//!
//! A post node is made as `tamga-edge init` makes one ([`tamga_edge::node::Node::init`], the
//! story's registry recorded), and its store gets N consignments of ten acts each
//! ([`tamga_bench::consignments::populate`], merged as a sync brings them). The generator dates
//! every consignment within one day, so the year is laid out by number: consignment k stands
//! for day `k * 365 / N`. Then:
//!
//! 1. **before**: the store directory's size (every file's length, `du --apparent-size`);
//! 2. the delivered consignments of all but the last 30 days are archived
//!    ([`tamga_edge::archive::archive_these`]: the archive files written, then each consignment
//!    forgotten in the store; the central-holds rule is the pass's choice of which consignments,
//!    tested in `edge-node`, not measured here). Consignments still on the road (two in ten of
//!    the generator's) stay live, as they would;
//! 3. **after**: the store directory's size with the node still open, and again after it is
//!    closed and opened again;
//! 4. **the next month**: N·30/365 more consignments recorded into the archived store: does the
//!    space freed by archiving get used again (the store grows less than it grew the first time
//!    for as many)?
//! 5. **rewritten**: the store rewritten into a fresh database with `Store::rewrite` (what
//!    `tamga-edge archive reclaim` runs while the node is stopped);
//! 6. the archive files' total size, and the time to find one consignment by number in them.

use std::path::Path;
use std::time::Instant;
use tamga_bench::consignments::{self, Fate};
use tamga_bench::mib;
use tamga_core::fixtures::{stream, Story};
use tamga_edge::archive::{self, Shelf};
use tamga_edge::node::Node;

fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                total += dir_bytes(&entry.path());
            } else {
                total += meta.len();
            }
        }
    }
    total
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n = tamga_bench::size(&args, 730, 7_300);
    let story = Story::new();
    let base = tempfile::Builder::new()
        .prefix("tamga-archive-")
        .tempdir()
        .expect("temp dir");
    let dir = base.path().join("node");
    let store_dir = dir.join("store");
    let node = tamga_bench::post_node(&dir, &story);
    eprintln!("populating a post's year: {n} consignments ...");
    let populated = consignments::populate(&node.store, &story, 0..n, |_| {});
    let compact = |node: &Node| node.store.compact(1).expect("compaction");
    compact(&node);
    let before = dir_bytes(&store_dir);
    eprintln!(
        "populated in {:.1} s: {} acts, store {:.1} MiB",
        populated.seconds,
        populated.acts,
        mib(before)
    );

    // All but the last 30 days: consignment k is day k*365/n.
    let cutoff = n * (365 - 30) / 365;
    let old: Vec<_> = (0..cutoff)
        .filter(|k| consignments::fate(*k) != Fate::OnTheRoad)
        .map(stream::consignment)
        .collect();
    let now = consignments::assessment_time(&story).plus_seconds(365 * 86_400);
    let shelf = Shelf::of(&dir);
    let t = Instant::now();
    let pass = archive::archive_these(&node.store, &shelf, &old, now).expect("archiving");
    let archive_s = t.elapsed().as_secs_f64();
    assert_eq!(pass.archived, old.len());
    let after_open = dir_bytes(&store_dir);
    let files = shelf.files().expect("the archive files");
    let archive_bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    let t = Instant::now();
    let wanted = stream::consignment(5).to_string();
    let (found, refused) = shelf.search(&wanted).expect("a search");
    let search_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert!(refused.is_empty());
    assert_eq!(found.len(), 1);
    let t = Instant::now();
    let (all, _) = shelf.search("").expect("a listing");
    let list_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(all.len(), old.len());
    compact(&node);
    let after_compact = dir_bytes(&store_dir);
    drop(node);
    let node = Node::open(&dir).expect("the node opens again");
    let after_reopen = dir_bytes(&store_dir);

    // The next month into the archived store.
    let month = (n * 30 / 365).max(1);
    let grew_first = {
        // What the first month of the year took, for comparison: the same count of
        // consignments, measured on a fresh store.
        let fresh = tempfile::tempdir().expect("temp dir");
        let store =
            tamga_store::Store::open(fresh.path(), &story.authority_id()).expect("a fresh store");
        for act in story.registry_acts() {
            store.record(&act).expect("the registry");
        }
        let empty = dir_bytes(fresh.path());
        consignments::populate(&store, &story, n..n + month, |_| {});
        store.compact(1).expect("compaction");
        drop(store);
        dir_bytes(fresh.path()) - empty
    };
    consignments::populate(&node.store, &story, n..n + month, |_| {});
    compact(&node);
    let after_month = dir_bytes(&store_dir);
    let live = node.store.doc_count();
    drop(node);

    // The store rewritten into a fresh database, as `tamga-edge archive reclaim` does.
    let t = Instant::now();
    let done = tamga_store::Store::rewrite(&store_dir, &story.authority_id())
        .expect("the store rewritten");
    let rewrite_s = t.elapsed().as_secs_f64();
    let rewritten = dir_bytes(&store_dir);
    assert!(done.bytes_after <= rewritten);

    println!(
        "archive: a post's year, {n} consignments ({} acts), {} archived (delivered, older than 30 days) in {:.1} s into {} files",
        populated.acts,
        old.len(),
        archive_s,
        files.len()
    );
    println!(
        "  store before                     {:>8.1} MiB",
        mib(before)
    );
    println!(
        "  store after archiving (open)     {:>8.1} MiB",
        mib(after_open)
    );
    println!(
        "  store after, compacted           {:>8.1} MiB",
        mib(after_compact)
    );
    println!(
        "  store after, reopened            {:>8.1} MiB",
        mib(after_reopen)
    );
    println!(
        "  + the next month ({month} consignments) {:>8.1} MiB (grew {:+.1} MiB; a fresh store grows {:.1} MiB for as many)",
        mib(after_month),
        mib(after_month) - mib(after_reopen),
        mib(grew_first)
    );
    println!(
        "  store rewritten (archive reclaim) {:>7.1} MiB ({} documents live, {:.1} s)",
        mib(rewritten),
        live,
        rewrite_s
    );
    println!(
        "  archive files                    {:>8.1} MiB ({:.0} bytes a consignment)",
        mib(archive_bytes),
        archive_bytes as f64 / old.len().max(1) as f64
    );
    println!(
        "  search of the archive by number: {:.0} ms (every file read and checked), the whole list {:.0} ms",
        search_ms, list_ms
    );
    println!(
        "{}",
        serde_json::json!({
            "bench": "archive",
            "consignments": n,
            "acts": populated.acts,
            "archived": old.len(),
            "archive_s": archive_s,
            "store_before_mib": mib(before),
            "store_after_mib": mib(after_open),
            "store_after_compacted_mib": mib(after_compact),
            "store_after_reopen_mib": mib(after_reopen),
            "next_month": month,
            "store_after_next_month_mib": mib(after_month),
            "fresh_store_month_mib": mib(grew_first),
            "store_rewritten_mib": mib(rewritten),
            "archive_files": files.len(),
            "archive_mib": mib(archive_bytes),
            "search_ms": search_ms,
            "list_ms": list_ms,
        })
    );
}
