//! Giving disk space back: sled reuses the space of removed keys only slowly and never gives it
//! back to the filesystem, so a post that archives its old consignments
//! ([`Store::forget`]) keeps a store as large as before. [`Store::rewrite`] copies every tree
//! of a closed store into a fresh sled database (sled's `export`/`import`) and swaps it for the
//! old one.
//!
//! Crash-safe: the copy is made in `sled.rewrite`, synced whole, then exchanged with `sled/` in
//! one atomic `renameat2(RENAME_EXCHANGE)` and the exchange made durable; only then is the old
//! database (now `sled.rewrite`) removed. Whatever a crash interrupts, `sled/` is a whole
//! database, the old or the new, and [`Store::open`] removes a `sled.rewrite` it finds.

use super::durable::{sync_dir, sync_tree};
use super::layout::take_lock;
use super::open::{open_sled_waiting, SLED_DIR, SLED_REWRITE};
use super::{Store, StoreOptions, MAGIC};
use crate::error::{from_io, from_sled, Result, StoreError};
use std::path::Path;
use tamga_core::KeyId;
use tracing::info;

/// What a rewrite did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewritten {
    /// Bytes of the database directory before.
    pub bytes_before: u64,
    /// Bytes after.
    pub bytes_after: u64,
}

impl Store {
    /// Rewrites the closed store in `dir` into a fresh database (see the module doc). The store
    /// must not be open (its lock is taken: a running node refuses it). It is opened and checked
    /// for its format and authority first, so an upgrade or a pending re-assessment is finished
    /// before the copy.
    pub fn rewrite(dir: impl AsRef<Path>, authority: &KeyId) -> Result<Rewritten> {
        let dir = dir.as_ref();
        drop(Store::open(dir, authority)?);
        let _lock = take_lock(dir)?;
        let options = StoreOptions::default();
        let sled_dir = dir.join(SLED_DIR);
        let copy_dir = dir.join(SLED_REWRITE);
        let bytes_before = dir_bytes(&sled_dir)?;
        if copy_dir.exists() {
            std::fs::remove_dir_all(&copy_dir).map_err(|e| from_io(&copy_dir, e))?;
        }
        {
            let old = open_sled_waiting(dir, &sled_dir, &options)?;
            let marked = old
                .open_tree("meta")
                .and_then(|m| m.get("magic"))
                .map_err(|e| from_sled(dir, e))?;
            if marked.as_deref() != Some(MAGIC) {
                return Err(StoreError::NotAStore {
                    path: dir.to_owned(),
                    detail: "its database has no tamga format marker".into(),
                });
            }
            let copy = open_sled_waiting(dir, &copy_dir, &options)?;
            copy.import(old.export());
            copy.flush().map_err(|e| from_sled(dir, e))?;
        }
        sync_tree(&copy_dir)?;
        exchange(&copy_dir, &sled_dir)?;
        sync_dir(dir)?;
        std::fs::remove_dir_all(&copy_dir).map_err(|e| from_io(&copy_dir, e))?;
        sync_dir(dir)?;
        let bytes_after = dir_bytes(&sled_dir)?;
        info!(path = %dir.display(), bytes_before, bytes_after, "rewrote the store");
        Ok(Rewritten {
            bytes_before,
            bytes_after,
        })
    }
}

/// Exchanges two directories atomically (`renameat2` with `RENAME_EXCHANGE`).
fn exchange(a: &Path, b: &Path) -> Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes()).map_err(|_| StoreError::BadInput {
            what: "a store path",
            detail: "it holds a zero byte".into(),
        })
    };
    let (ca, cb) = (c(a)?, c(b)?);
    // SAFETY: two valid NUL-terminated paths; the call only renames.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc != 0 {
        return Err(from_io(b, std::io::Error::last_os_error()));
    }
    Ok(())
}

/// The bytes of the files under `dir`.
fn dir_bytes(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).map_err(|e| from_io(dir, e))? {
        let entry = entry.map_err(|e| from_io(dir, e))?;
        let meta = entry.metadata().map_err(|e| from_io(dir, e))?;
        total += if meta.is_dir() {
            dir_bytes(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::new_store;
    use crate::DocId;
    use tamga_core::fixtures::stream::registration;
    use tamga_core::fixtures::Story;

    #[test]
    fn a_rewrite_keeps_everything_and_gives_back_what_was_forgotten() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let kept = {
            let store = new_store(dir.path(), &story);
            for n in 0..300 {
                store.record(&registration(&story, n)).unwrap();
            }
            for n in 0..250 {
                let act = registration(&story, n);
                store.forget(&DocId::of_act(&act), 1_000).unwrap();
            }
            (250..300)
                .map(|n| registration(&story, n))
                .collect::<Vec<_>>()
        };
        // A leftover of a rewrite cut short is no obstacle.
        std::fs::create_dir(dir.path().join(SLED_REWRITE)).unwrap();
        let done = Store::rewrite(dir.path(), &story.authority_id()).unwrap();
        assert!(
            done.bytes_after < done.bytes_before,
            "{done:?}: the space of the forgotten documents is given back"
        );
        assert!(!dir.path().join(SLED_REWRITE).exists());
        let store = Store::open(dir.path(), &story.authority_id()).unwrap();
        for act in &kept {
            assert!(store.has_act(&DocId::of_act(act), &act.id()).unwrap());
        }
        let forgotten = DocId::of_act(&registration(&story, 3));
        assert!(store.is_forgotten(&forgotten).unwrap());
        assert!(store.check().unwrap().is_empty());
        // Still refused while open.
        let err = Store::rewrite(dir.path(), &story.authority_id())
            .err()
            .unwrap();
        assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    }

    #[test]
    fn a_store_with_a_rewrite_left_behind_opens_on_its_own_database() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let act = registration(&story, 1);
        drop({
            let s = new_store(dir.path(), &story);
            s.record(&act).unwrap();
            s
        });
        // A crash after the exchange left the old database as `sled.rewrite`, or before it
        // left a partial copy: either way `sled/` is whole.
        let leftover = dir.path().join(SLED_REWRITE);
        std::fs::create_dir(&leftover).unwrap();
        std::fs::write(leftover.join("db"), b"partial").unwrap();
        let store = Store::open(dir.path(), &story.authority_id()).unwrap();
        assert!(store.has_act(&DocId::of_act(&act), &act.id()).unwrap());
        assert!(!leftover.exists());
    }
}
