//! Power loss, modelled: the store lives on the lazyfs layer (`tamga_reliability::lazyfs`), which
//! keeps everything not made durable by fsync (file contents and size since the file's last
//! fsync, directory entries since the directory's) and drops it at a cut. A writer process
//! (`power-writer`) records acts and prints each acknowledgement once `Store::record` returned;
//! at a random point the harness kills it (SIGKILL), cuts the power (unmount, roll back,
//! remount), reopens the store, and checks that every acknowledged act is present and that
//! `Store::check` is clean. Per cut it prints what was acknowledged, found and lost, and whether
//! the store opened.
//!
//! Opt-in (`#[ignore]`): it needs root and `/dev/fuse`; `scripts/reliability.sh` runs it where
//! they are (see RELIABILITY.md, "Power loss"). The writer records from three threads at once,
//! so acknowledgements come from writers sharing group commits.
//!
//! ```sh
//! bash scripts/power-loss.sh --quick      # 12 cuts
//! bash scripts/power-loss.sh              # 500 cuts
//! TAMGA_POWER_CUTS=50 cargo test -p tamga-reliability --test power_loss -- --ignored --nocapture
//! ```
//!
//! `TAMGA_POWER_SEED` fixes the random points, `TAMGA_POWER_ENTRIES=0` makes only file data
//! volatile (directory operations durable at once), `TAMGA_POWER_MAX_MILLIS` (1500) bounds the
//! random time the writer runs before the cut, `TAMGA_POWER_STORE_CUTS` (20) is how many cuts
//! one store sees before a fresh one is made.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tamga_core::fixtures::Story;
use tamga_core::ActId;
use tamga_reliability::lazyfs::{self, Mounted, Options};
use tamga_store::{DocId, Store};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn parse_ack(line: &str) -> Option<(DocId, ActId)> {
    let mut parts = line.strip_prefix("ACK ")?.split(' ');
    let doc = DocId::from_key(parts.next()?.as_bytes())?;
    let act = ActId::from_hex(parts.next()?).ok()?;
    Some((doc, act))
}

#[derive(Default)]
struct Totals {
    cuts: u64,
    acknowledged: u64,
    lost: u64,
    cuts_losing: u64,
    unopenable: u64,
    unclean: u64,
    came_back_empty: u64,
    writer_refused: u64,
}

#[test]
#[ignore = "needs root and /dev/fuse; run by scripts/power-loss.sh (see RELIABILITY.md)"]
fn acknowledged_acts_survive_power_loss() {
    assert!(
        lazyfs::available(),
        "/dev/fuse cannot be opened: run as root with FUSE"
    );
    let cuts = env_u64("TAMGA_POWER_CUTS", 12);
    let seed = env_u64("TAMGA_POWER_SEED", fastrand::u64(..));
    let max_millis = env_u64("TAMGA_POWER_MAX_MILLIS", 1500);
    let per_store = env_u64("TAMGA_POWER_STORE_CUTS", 20).max(1);
    let entries = std::env::var("TAMGA_POWER_ENTRIES").map_or(true, |v| v != "0");
    eprintln!(
        "power loss: {cuts} cuts, TAMGA_POWER_SEED={seed}, directory entries volatile: {entries}"
    );
    let mut rng = fastrand::Rng::with_seed(seed);
    let story = Story::new();
    let base = tempfile::tempdir().unwrap();
    let mut mount = Mounted::mount(
        &base.path().join("backing"),
        &base.path().join("trash"),
        &base.path().join("mnt"),
        Options { entries },
    )
    .expect("mount the lazyfs layer");
    let writer = env!("CARGO_BIN_EXE_power-writer");
    let mut totals = Totals::default();
    let mut expected: Vec<(DocId, ActId)> = Vec::new();
    let mut store_no = 0u64;
    let mut dir = mount.path().join("none");
    let mut next_start = 0u64;
    let mut fresh = true;
    for cut in 0..cuts {
        if fresh || cut % per_store == 0 {
            // A store made long ago: created, its registry recorded, then everything settled.
            store_no += 1;
            dir = mount.path().join(format!("store{store_no}"));
            let store = Store::open(&dir, &story.authority_id()).expect("a new store opens");
            for act in story.registry_acts() {
                store.record(&act).expect("registry act");
            }
            drop(store);
            mount.settle().expect("settle");
            expected.clear();
            fresh = false;
        }
        let mut child = Command::new(writer)
            .arg(&dir)
            .arg(next_start.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the writer");
        next_start += 100_000;
        let stdout = child.stdout.take().unwrap();
        let acks = Arc::new(Mutex::new(Vec::new()));
        let reader = {
            let acks = acks.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if let Some(ack) = parse_ack(&line) {
                        acks.lock().unwrap().push(ack);
                    }
                }
            })
        };
        // Wait for the writer to be writing, then cut at a random point.
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut exited = None;
        while acks.lock().unwrap().len() < 2 && Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                exited = Some(status);
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        if exited.is_none() {
            std::thread::sleep(Duration::from_millis(rng.u64(0..=max_millis)));
            child.kill().unwrap(); // SIGKILL
        }
        child.wait().unwrap();
        reader.join().unwrap();
        let new: Vec<(DocId, ActId)> = std::mem::take(&mut *acks.lock().unwrap());
        if exited.is_some() {
            totals.writer_refused += 1;
            if std::env::var_os("TAMGA_LAZYFS_DEBUG").is_some() {
                let _ = Command::new("ls").arg("-laR").arg(base.path()).status();
            }
        }
        totals.acknowledged += new.len() as u64;
        let before = expected.len();
        expected.extend(new.iter().cloned());
        let taken = mount.cut_power().expect("power cut");
        totals.cuts += 1;

        let (opened, found, lost, clean) = match Store::open(&dir, &story.authority_id()) {
            Ok(store) => {
                let missing: BTreeSet<usize> = expected
                    .iter()
                    .enumerate()
                    .filter(|(_, (doc, act))| !store.has_act(doc, act).unwrap_or(false))
                    .map(|(i, _)| i)
                    .collect();
                let problems = store.check().map(|p| p.len()).unwrap_or(usize::MAX);
                // A sled database that comes back empty is taken by Store::open for a new
                // store: the registry recorded before the cuts is then missing too.
                let registry = story.registry_acts();
                let empty = !store
                    .has_act(&DocId::Registry, &registry[0].id())
                    .unwrap_or(false);
                if empty {
                    eprintln!("cut {cut}: the store came back empty (opened as a new store)");
                    totals.came_back_empty += 1;
                    fresh = true;
                }
                let found = expected.len() - missing.len();
                let lost = missing.len();
                // An act lost is counted once: the writer does not record it again.
                let mut i = 0;
                expected.retain(|_| {
                    i += 1;
                    !missing.contains(&(i - 1))
                });
                (true, found, lost, problems == 0)
            }
            Err(e) => {
                eprintln!("cut {cut}: the store does not open after the cut: {e}");
                fresh = true;
                (false, 0, expected.len(), false)
            }
        };
        totals.lost += lost as u64;
        totals.cuts_losing += u64::from(lost > 0);
        totals.unopenable += u64::from(!opened);
        totals.unclean += u64::from(opened && !clean);
        if opened && !clean {
            fresh = true;
        }
        eprintln!(
            "cut {cut}: acknowledged {} this run, {} held before; found {found}, lost {lost}; \
             store opens: {}; check clean: {}; the cut took back {} bytes in {} files and {} \
             directory operations ({} writes, {} fsyncs, {} directory fsyncs seen)",
            new.len(),
            before,
            if opened { "yes" } else { "NO" },
            if clean { "yes" } else { "NO" },
            taken.bytes_reverted,
            taken.files_reverted,
            taken.entries_reverted,
            taken.writes,
            taken.fsyncs,
            taken.fsyncdirs,
        );
    }
    drop(mount);
    let line = format!(
        "power loss: cuts={} acts_acknowledged={} acts_lost={} cuts_losing_acts={} \
         stores_unopenable={} stores_empty={} checks_unclean={} writer_refused={} seed={seed} entries={entries}",
        totals.cuts,
        totals.acknowledged,
        totals.lost,
        totals.cuts_losing,
        totals.unopenable,
        totals.came_back_empty,
        totals.unclean,
        totals.writer_refused,
    );
    eprintln!("{line}");
    assert!(
        totals.lost == 0
            && totals.unopenable == 0
            && totals.came_back_empty == 0
            && totals.unclean == 0,
        "acknowledged acts did not survive power loss: {line}"
    );
}

/// The layer itself: what was fsynced stays, what was only written (or `sync_file_range`d) or
/// created without a directory fsync goes.
#[test]
#[ignore = "needs root and /dev/fuse; run by scripts/power-loss.sh (see RELIABILITY.md)"]
fn the_layer_loses_what_was_not_synced() {
    use std::io::Write;
    use std::os::unix::io::AsRawFd;
    assert!(
        lazyfs::available(),
        "/dev/fuse cannot be opened: run as root with FUSE"
    );
    let base = tempfile::tempdir().unwrap();
    let mut mount = Mounted::mount(
        &base.path().join("backing"),
        &base.path().join("trash"),
        &base.path().join("mnt"),
        Options::default(),
    )
    .unwrap();
    let m = mount.path().to_owned();
    let sync_dir = |p: &std::path::Path| std::fs::File::open(p).unwrap().sync_all().unwrap();
    // Made durable before the cut: a file with its directory entry.
    let mut a = std::fs::File::create(m.join("a")).unwrap();
    a.write_all(b"durable").unwrap();
    a.sync_all().unwrap();
    std::fs::write(m.join("c"), b"c").unwrap();
    std::fs::File::open(m.join("c"))
        .unwrap()
        .sync_all()
        .unwrap();
    sync_dir(&m);
    // Then: more data, pushed with sync_file_range only (as sled does), and a rewrite of the
    // durable bytes; a new file fsynced but not its directory entry; a durable file unlinked
    // without a directory fsync.
    a.write_all(b" volatile").unwrap();
    // SAFETY: a valid descriptor; the call only asks the kernel to write pages back.
    let rc = unsafe {
        libc::sync_file_range(
            a.as_raw_fd(),
            0,
            0,
            libc::SYNC_FILE_RANGE_WAIT_BEFORE
                | libc::SYNC_FILE_RANGE_WRITE
                | libc::SYNC_FILE_RANGE_WAIT_AFTER,
        )
    };
    assert_eq!(rc, 0);
    use std::os::unix::fs::FileExt;
    a.write_all_at(b"DUR", 0).unwrap();
    drop(a);
    let mut b = std::fs::File::create(m.join("b")).unwrap();
    b.write_all(b"b").unwrap();
    b.sync_all().unwrap();
    drop(b);
    std::fs::remove_file(m.join("c")).unwrap();
    assert_eq!(std::fs::read(m.join("a")).unwrap(), b"DURable volatile");

    let counts = mount.cut_power().unwrap();
    assert_eq!(std::fs::read(m.join("a")).unwrap(), b"durable");
    assert!(
        !m.join("b").exists(),
        "a file whose directory was not fsynced survived"
    );
    assert_eq!(
        std::fs::read(m.join("c")).unwrap(),
        b"c",
        "an unlink not made durable stuck"
    );
    assert_eq!(counts.files_reverted, 1);
    assert_eq!(counts.entries_reverted, 2);
}
