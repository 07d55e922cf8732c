//! A post's year of data backed up while it records, and restored: how long writers wait for
//! the store's snapshot, how long the whole backup and the restore take, and how large the file
//! is, against copying the store's database files (what a backup of a stopped node by `cp`
//! would do), measured in the same run.
//!
//! ```sh
//! cargo build --release -p tamga-bench
//! $CARGO_TARGET_DIR/release/backup_bench            # 7,300 consignments (20 a day for a year)
//! $CARGO_TARGET_DIR/release/backup_bench --quick    # 730
//! ```
//!
//! A post node is made as `tamga-edge init` makes one, its store gets N consignments of ten
//! acts each ([`tamga_bench::consignments::populate`]). Then:
//!
//! 1. **baseline**: every file of the store's directory copied (read and written, then synced);
//! 2. **snapshot**: [`tamga_store::Store::snapshot`] into a file, the time writers wait;
//! 3. **backup**: [`tamga_edge::backup::write`] (snapshot, every file of the data directory,
//!    tar, zstd, age) while a writer thread records a registration after another: the backup's
//!    time and size, and the writer's slowest record during it against its median before;
//! 4. **restore**: [`tamga_edge::backup::restore`] into an empty directory (decrypt, check,
//!    rebuild the store), and the restored store's `check`.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tamga_bench::{consignments, mib};
use tamga_core::fixtures::{stream, Story};
use tamga_core::Timestamp;

fn copy_tree(from: &Path, to: &Path) -> u64 {
    std::fs::create_dir_all(to).expect("a directory");
    let mut total = 0;
    for entry in std::fs::read_dir(from).expect("the store").flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            total += copy_tree(&entry.path(), &target);
        } else {
            total += std::fs::copy(entry.path(), &target).expect("a copy");
            std::fs::File::open(&target)
                .and_then(|f| f.sync_all())
                .expect("synced");
        }
    }
    total
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n = tamga_bench::size(&args, 730, 7_300);
    let story = Story::new();
    let base = tempfile::Builder::new()
        .prefix("tamga-backup-")
        .tempdir()
        .expect("temp dir");
    let dir = base.path().join("node");
    let node = Arc::new(tamga_bench::post_node(&dir, &story));
    eprintln!("populating a post's year: {n} consignments ...");
    let populated = consignments::populate(&node.store, &story, 0..n, |_| {});
    node.store.compact(1).expect("compaction");
    eprintln!("populated: {} acts", populated.acts);

    // 1. The baseline: the database files copied and synced.
    let t = Instant::now();
    let store_bytes = copy_tree(&dir.join("store"), &base.path().join("copied"));
    let copy_s = t.elapsed().as_secs_f64();

    // 2. The snapshot alone: what writers wait for.
    let snapshot_path = base.path().join("store.snapshot");
    let t = Instant::now();
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&snapshot_path).unwrap());
        node.store.snapshot(&mut out).expect("a snapshot");
        out.flush().unwrap();
    }
    let snapshot_s = t.elapsed().as_secs_f64();
    let snapshot_bytes = std::fs::metadata(&snapshot_path).unwrap().len();

    // 3. The backup while a writer records.
    let identity = base.path().join("backup.identity");
    let recipient = tamga_node::backup::make_identity_file(&identity).expect("an identity");
    let writing = Arc::new(AtomicBool::new(true));
    let backing_up = Arc::new(AtomicBool::new(false));
    let writer = {
        let (node, writing, backing_up) = (
            Arc::clone(&node),
            Arc::clone(&writing),
            Arc::clone(&backing_up),
        );
        std::thread::spawn(move || {
            let story = Story::new();
            let (mut before, mut during) = (Vec::new(), Vec::new());
            let mut k = 10_000_000u64;
            while writing.load(Ordering::SeqCst) {
                let act = stream::registration(&story, k);
                k += 1;
                let t = Instant::now();
                node.store.record(&act).expect("a record");
                let took = t.elapsed();
                if backing_up.load(Ordering::SeqCst) {
                    during.push(took);
                } else {
                    before.push(took);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            (before, during)
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    let file = base.path().join("node.backup");
    let t = Instant::now();
    backing_up.store(true, Ordering::SeqCst);
    let manifest = {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
        let m = tamga_edge::backup::write(&node, &[recipient], Timestamp::now(), &mut out)
            .expect("a backup");
        out.flush().unwrap();
        out.get_ref().sync_all().unwrap();
        m
    };
    let backup_s = t.elapsed().as_secs_f64();
    backing_up.store(false, Ordering::SeqCst);
    writing.store(false, Ordering::SeqCst);
    let (mut before, during) = writer.join().expect("the writer");
    before.sort();
    let median_ms = before[before.len() / 2].as_secs_f64() * 1000.0;
    let slowest_ms = during
        .iter()
        .max()
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0);
    let backup_bytes = std::fs::metadata(&file).unwrap().len();
    drop(node);

    // 4. The restore.
    let target = base.path().join("restored");
    let t = Instant::now();
    let restored =
        tamga_edge::backup::restore(&file, &identity, &target, false).expect("a restore");
    let restore_s = t.elapsed().as_secs_f64();
    let problems = tamga_store::Store::open(target.join("store"), &story.authority_id())
        .expect("the restored store")
        .check()
        .expect("a check");
    assert!(problems.is_empty(), "{problems:?}");

    println!(
        "backup of a post's year: {n} consignments, {} acts",
        populated.acts
    );
    println!(
        "  baseline: the store's files copied and synced    {:>8.2} s   {:>8.1} MiB",
        copy_s,
        mib(store_bytes)
    );
    println!(
        "  snapshot (writers wait)                          {:>8.2} s   {:>8.1} MiB   {:.2}× the copy",
        snapshot_s,
        mib(snapshot_bytes),
        snapshot_s / copy_s
    );
    println!(
        "  backup while recording (encrypted file)          {:>8.2} s   {:>8.1} MiB   {:.2}× the copy, {:.2}× its size",
        backup_s,
        mib(backup_bytes),
        backup_s / copy_s,
        backup_bytes as f64 / store_bytes as f64
    );
    println!(
        "  a record meanwhile: slowest {:.1} ms ({} recorded), median before {:.2} ms",
        slowest_ms,
        during.len(),
        median_ms
    );
    println!(
        "  restore (decrypt, check, store rebuilt)          {:>8.2} s                {:.2}× the copy; feed resumed at {}",
        restore_s,
        restore_s / copy_s,
        restored.store.resumed_at
    );
    println!(
        "  files in the backup besides the store: {}",
        manifest.files.len()
    );
}
