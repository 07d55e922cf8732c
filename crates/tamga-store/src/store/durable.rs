//! Durability across power loss, with group commit.
//!
//! sled's `flush()` writes its log and pushes it to the disk with `sync_file_range(2)`, which
//! neither flushes the drive's write cache nor makes the file's new size durable; its large
//! values ("blobs") are files it writes and never syncs; the snapshot it writes when it opens is
//! renamed into place without a directory sync. A write acknowledged after `flush()` alone can
//! be gone after a power cut (RELIABILITY.md, "Power loss", measured it). So the store never
//! acknowledges on `flush()` alone: every write method returns only after a **round** of
//! [`Durability`]: sled's flush, then `fsync` of each blob file sled created since the last
//! round and of the blob directory if its entries changed, then `fdatasync` of sled's log file.
//! sled's own background flusher is off (it would make log records durable that point to blob
//! files not yet synced); nothing but a round syncs.
//!
//! Rounds are **group commits**: a writer applies its transaction under the store's lock,
//! releases the lock and then waits for a round that started after its transaction. Writers
//! that arrive while a round runs wait for the next one, which one of them runs for all: under
//! concurrent writers the store syncs about once per sync time, not once per write. A round
//! that fails is an error for the writer that ran it; the others run their own.
//!
//! When a store is opened, sled's files and directories are synced once (what recovery wrote),
//! and a new store is made in `sled.partial` and renamed into place only once it is durable, so
//! that a store directory whose `sled/` holds an empty database is known to have lost its data
//! rather than taken for a new store (see [`super::open`]).

use crate::error::{from_io, from_sled, Result};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

/// The store's group commit: see the module documentation.
pub(super) struct Durability {
    /// sled's log file, opened to sync it.
    log: File,
    sled_dir: PathBuf,
    group: Mutex<Group>,
    done: Condvar,
    /// The blob files known to be durable, by name.
    blobs: Mutex<BTreeSet<OsString>>,
    rounds: AtomicU64,
}

#[derive(Default)]
struct Group {
    /// Waits asked for, numbered from 1.
    requested: u64,
    /// Every wait up to this number is covered by a round that succeeded.
    completed: u64,
    /// Whether a round runs now.
    running: bool,
}

impl Durability {
    /// Syncs what sled's recovery wrote (the log, blobs, the snapshot's directory entries) and
    /// opens sled's log for later rounds. `sled_dir` is sled's directory.
    pub(super) fn open(sled_dir: &Path) -> Result<Durability> {
        let io = |e| from_io(sled_dir, e);
        let log = File::open(sled_dir.join("db")).map_err(io)?;
        let durability = Durability {
            log,
            sled_dir: sled_dir.to_owned(),
            group: Mutex::new(Group::default()),
            done: Condvar::new(),
            blobs: Mutex::new(BTreeSet::new()),
            rounds: AtomicU64::new(0),
        };
        durability.sync_blobs(true)?;
        durability.log.sync_all().map_err(io)?;
        sync_dir(sled_dir)?;
        Ok(durability)
    }

    /// Returns once everything written to `db` before the call is durable: joins the round
    /// that starts next, or runs it.
    pub(super) fn wait(&self, db: &sled::Db) -> Result<()> {
        self.group_commit(|| self.round(db))
    }

    /// The group commit around `round`: returns once a `round` that started after the call
    /// succeeded, running it if no other caller is.
    fn group_commit(&self, round: impl Fn() -> Result<()>) -> Result<()> {
        let mut group = self.group();
        group.requested += 1;
        let ticket = group.requested;
        loop {
            if group.completed >= ticket {
                return Ok(());
            }
            if group.running {
                group = self.done.wait(group).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            // Every wait numbered up to `target` was asked for after its writer's transaction,
            // so the flush below covers it.
            group.running = true;
            let target = group.requested;
            drop(group);
            let result = round();
            group = self.group();
            group.running = false;
            if result.is_ok() {
                group.completed = group.completed.max(target);
            }
            self.done.notify_all();
            result?;
        }
    }

    /// How many rounds have run since the store was opened.
    pub(super) fn rounds(&self) -> u64 {
        self.rounds.load(Ordering::Relaxed)
    }

    fn group(&self) -> MutexGuard<'_, Group> {
        self.group.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn round(&self, db: &sled::Db) -> Result<()> {
        db.flush().map_err(|e| from_sled(&self.sled_dir, e))?;
        // Blobs before the log: a durable log record must not point to a blob that is not.
        self.sync_blobs(false)?;
        self.log
            .sync_data()
            .map_err(|e| from_io(&self.sled_dir, e))?;
        self.rounds.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Syncs the blob files not known to be durable (all of them if `all`), and the blob
    /// directory if its entries changed.
    fn sync_blobs(&self, all: bool) -> Result<()> {
        let dir = self.sled_dir.join("blobs");
        let io = |e| from_io(&dir, e);
        let mut known = self.blobs.lock().unwrap_or_else(|p| p.into_inner());
        let names: BTreeSet<OsString> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .map(|e| e.map(|e| e.file_name()))
                .collect::<std::io::Result<_>>()
                .map_err(io)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io(e)),
        };
        let mut changed = all;
        for name in &names {
            if all || !known.contains(name) {
                match File::open(dir.join(name)) {
                    Ok(f) => f.sync_all().map_err(io)?,
                    // Removed by sled since it was listed: nothing to make durable.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(io(e)),
                }
                changed = true;
            }
        }
        changed |= known.iter().any(|n| !names.contains(n));
        if changed {
            sync_dir(&dir)?;
        }
        *known = names;
        Ok(())
    }
}

/// Makes a directory's entries durable (`fsync` of the directory).
pub(super) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| from_io(dir, e))
}

/// Syncs every file and directory under `dir`, then `dir` itself: a tree made by a program that
/// does not sync (sled making a new database), made durable before it is renamed into place.
pub(super) fn sync_tree(dir: &Path) -> Result<()> {
    let io = |e| from_io(dir, e);
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        if entry.file_type().map_err(io)?.is_dir() {
            sync_tree(&path)?;
        } else {
            File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|e| from_io(&path, e))?;
        }
    }
    sync_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::StoreError;
    use std::sync::atomic::AtomicUsize;
    use std::sync::{Arc, Barrier};

    fn durability() -> (tempfile::TempDir, Durability) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("db"), b"").unwrap();
        let d = Durability::open(dir.path()).unwrap();
        (dir, d)
    }

    #[test]
    fn writers_that_arrive_during_a_round_share_the_next_one() {
        let (_dir, d) = durability();
        let d = Arc::new(d);
        let rounds = Arc::new(AtomicUsize::new(0));
        let first_round_started = Arc::new(Barrier::new(2));
        let waiting = Arc::new(AtomicUsize::new(0));
        // The first writer's round holds until five more writers are waiting.
        let leader = {
            let (d, rounds, started, waiting) = (
                d.clone(),
                rounds.clone(),
                first_round_started.clone(),
                waiting.clone(),
            );
            std::thread::spawn(move || {
                d.group_commit(|| {
                    if rounds.fetch_add(1, Ordering::SeqCst) == 0 {
                        started.wait();
                        while waiting.load(Ordering::SeqCst) < 5 {
                            std::thread::yield_now();
                        }
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                    Ok(())
                })
            })
        };
        first_round_started.wait();
        let followers: Vec<_> = (0..5)
            .map(|_| {
                let (d, rounds, waiting) = (d.clone(), rounds.clone(), waiting.clone());
                std::thread::spawn(move || {
                    waiting.fetch_add(1, Ordering::SeqCst);
                    d.group_commit(|| {
                        rounds.fetch_add(1, Ordering::SeqCst);
                        Ok(())
                    })
                })
            })
            .collect();
        leader.join().unwrap().unwrap();
        for f in followers {
            f.join().unwrap().unwrap();
        }
        assert_eq!(
            rounds.load(Ordering::SeqCst),
            2,
            "the five writers that waited during the first round share one more"
        );
    }

    #[test]
    fn a_writer_arriving_during_a_round_waits_for_the_next_and_a_failed_round_is_retried() {
        let (_dir, d) = durability();
        let d = Arc::new(d);
        let calls = Arc::new(AtomicUsize::new(0));
        let started = Arc::new(Barrier::new(2));
        let release = Arc::new(Barrier::new(2));
        let leader = {
            let (d, calls, started, release) =
                (d.clone(), calls.clone(), started.clone(), release.clone());
            std::thread::spawn(move || {
                d.group_commit(|| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    started.wait();
                    release.wait();
                    Err(StoreError::BadInput {
                        what: "a test",
                        detail: "the disk failed".into(),
                    })
                })
            })
        };
        started.wait();
        let follower = {
            let (d, calls) = (d.clone(), calls.clone());
            std::thread::spawn(move || {
                d.group_commit(|| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok(())
                })
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "the follower waits");
        release.wait();
        assert!(
            leader.join().unwrap().is_err(),
            "the failed round is the leader's error"
        );
        follower.join().unwrap().unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "the follower is not covered by a round that failed: it runs its own"
        );
    }
}
