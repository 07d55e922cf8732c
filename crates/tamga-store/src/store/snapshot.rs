//! Backups of a store: [`Store::snapshot`] writes a consistent copy of an open store (every
//! tree, every key) while the node keeps serving, and [`Store::restore`] makes a store from one
//! in an empty directory.
//!
//! A snapshot is a stream: the magic [`SNAPSHOT_MAGIC`], then per tree a `T` record (its name)
//! followed by `E` records (key, value; lengths as u32 BE) and a `Z` record (the count of its
//! entries, u64 BE), and an `F` record at the end (the count of trees). Writers wait while the
//! copy is taken (the store's write lock is held), readers do not.
//!
//! A restored store is the snapshot's, with two things changed so that it can sync on with the
//! peers its original knew:
//! - a new automerge actor: the original may have gone on making changes after the snapshot,
//!   and two different changes with one actor and sequence number would break every document
//!   they meet in;
//! - its change feed continues [`FEED_RESUME_GAP`] positions past the snapshot's: peers
//!   remember how far they heard from this store's feed (checkpoints), perhaps further than the
//!   snapshot reached, and would skip what the restored store records at positions they think
//!   they heard. The gap is kept in `meta` (`feed_gap\0<from>`), so [`Store::check`] knows it.
//!
//! The copy is made in `sled.partial`, synced whole and renamed into place, like a new store,
//! then opened once: an older format is upgraded there, a newer one refused.

use super::durable::{sync_dir, sync_tree};
use super::layout::{read_u64, seq_key, TREE_NAMES};
use super::open::{open_sled_waiting, SLED_DIR, SLED_PARTIAL};
use super::{Store, StoreOptions, FORMAT_VERSION, MAGIC};
use crate::error::{from_io, from_sled, Result, StoreError};
use automerge::ActorId;
use std::io::{Read, Write};
use std::path::Path;
use tamga_core::KeyId;
use tracing::info;

/// The first bytes of a snapshot (format 1).
pub const SNAPSHOT_MAGIC: &[u8; 16] = b"tamga-snapshot/1";
/// How far a restored store's change feed jumps past the snapshot's last position: more
/// changes than a node makes in its life, so no peer's checkpoint lies beyond it.
pub const FEED_RESUME_GAP: u64 = 1 << 32;
/// The largest key a snapshot may carry.
const MAX_KEY_BYTES: u32 = 64 * 1024;
/// The largest value a snapshot may carry (sled's values here are documents and records).
const MAX_VALUE_BYTES: u32 = 1 << 30;
/// Entries per batch written while restoring.
const RESTORE_BATCH: usize = 4096;
/// The meta key prefix recording a gap in the feed (`feed_gap\0<from u64 BE>` → last_seq after it).
pub(super) const FEED_GAP_PREFIX: &[u8] = b"feed_gap\0";

/// What a snapshot held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshotted {
    /// Entries in all trees.
    pub entries: u64,
    /// Bytes of keys and values.
    pub bytes: u64,
    /// The feed's last position.
    pub last_seq: u64,
    /// The store's format version.
    pub format: u32,
}

/// What a restore made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restored {
    /// Entries restored.
    pub entries: u64,
    /// The snapshot's format version (an older one was upgraded when the store was opened).
    pub format: u32,
    /// The feed's last position in the snapshot.
    pub snapshot_seq: u64,
    /// Where the restored store's feed goes on from.
    pub resumed_at: u64,
}

impl Store {
    /// Writes a consistent copy of this store to `out` (see the module doc). Writers wait until
    /// it is written; write `out` to a local file, not to a slow peer.
    pub fn snapshot(&self, out: &mut dyn Write) -> Result<Snapshotted> {
        let io = |e: std::io::Error| from_io(&self.path, e);
        // Every write path takes the store's lock (and the log's, for central's log).
        let _inner = self.lock();
        let _log = self.log_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut done = Snapshotted {
            last_seq: self.last_seq()?,
            ..Snapshotted::default()
        };
        done.format = self
            .t
            .meta
            .get("version")
            .map_err(|e| self.sled_err(e))?
            .and_then(|v| <[u8; 4]>::try_from(v.as_ref()).ok())
            .map(u32::from_be_bytes)
            .unwrap_or(FORMAT_VERSION);
        out.write_all(SNAPSHOT_MAGIC).map_err(io)?;
        let trees = self.t.named();
        for (name, tree) in trees.iter() {
            out.write_all(b"T").map_err(io)?;
            put_bytes(out, name.as_bytes()).map_err(io)?;
            let mut count = 0u64;
            for item in tree.iter() {
                let (k, v) = item.map_err(|e| self.sled_err(e))?;
                out.write_all(b"E").map_err(io)?;
                put_bytes(out, &k).map_err(io)?;
                put_bytes(out, &v).map_err(io)?;
                count += 1;
                done.bytes += (k.len() + v.len()) as u64;
            }
            out.write_all(b"Z").map_err(io)?;
            out.write_all(&count.to_be_bytes()).map_err(io)?;
            done.entries += count;
        }
        out.write_all(b"F").map_err(io)?;
        out.write_all(&(trees.len() as u64).to_be_bytes())
            .map_err(io)?;
        out.flush().map_err(io)?;
        info!(path = %self.path.display(), entries = done.entries, bytes = done.bytes, "took a snapshot of the store");
        Ok(done)
    }

    /// Makes the store in `dir` (absent or empty) from a snapshot read from `input`, for the
    /// customs authority `authority` (a snapshot of a store pinning another is refused). See the
    /// module doc for what changes and why. Nothing is left in `dir` if it fails.
    pub fn restore(
        dir: impl AsRef<Path>,
        authority: &KeyId,
        input: &mut dyn Read,
    ) -> Result<Restored> {
        let dir = dir.as_ref();
        let bad = |detail: String| StoreError::BadInput {
            what: "a store snapshot",
            detail,
        };
        if dir.exists() {
            let mut entries = std::fs::read_dir(dir).map_err(|e| from_io(dir, e))?;
            if entries.next().is_some() {
                return Err(bad(format!(
                    "{} is not empty: a store is restored only into an empty or new directory",
                    dir.display()
                )));
            }
        }
        std::fs::create_dir_all(dir).map_err(|e| from_io(dir, e))?;
        let partial = dir.join(SLED_PARTIAL);
        let result = (|| {
            let restored = {
                let db = open_sled_waiting(dir, &partial, &StoreOptions::default())?;
                let restored = read_snapshot(dir, &db, authority, input)?;
                db.flush().map_err(|e| from_sled(dir, e))?;
                restored
            };
            sync_tree(&partial)?;
            std::fs::rename(&partial, dir.join(SLED_DIR)).map_err(|e| from_io(dir, e))?;
            sync_dir(dir)?;
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                sync_dir(parent)?;
            }
            // Opened once: an older format is upgraded now, and the copy is known to open.
            drop(Store::open(dir, authority)?);
            Ok(restored)
        })();
        match result {
            Ok(restored) => {
                info!(path = %dir.display(), entries = restored.entries, resumed_at = restored.resumed_at, "restored the store from a snapshot");
                Ok(restored)
            }
            Err(e) => {
                for leftover in [SLED_PARTIAL, SLED_DIR, "tamga.lock"] {
                    let path = dir.join(leftover);
                    if path.is_dir() {
                        let _ = std::fs::remove_dir_all(&path);
                    } else {
                        let _ = std::fs::remove_file(&path);
                    }
                }
                Err(e)
            }
        }
    }
}

fn put_bytes(out: &mut dyn Write, bytes: &[u8]) -> std::io::Result<()> {
    let len =
        u32::try_from(bytes.len()).map_err(|_| std::io::Error::other("an entry of over 4 GiB"))?;
    out.write_all(&len.to_be_bytes())?;
    out.write_all(bytes)
}

/// Reads a snapshot into the empty database `db`, checking its shape and its store's marker,
/// format and authority, and gives the copy a new actor and its feed the gap.
fn read_snapshot(
    dir: &Path,
    db: &sled::Db,
    authority: &KeyId,
    input: &mut dyn Read,
) -> Result<Restored> {
    let bad = |detail: String| StoreError::BadInput {
        what: "a store snapshot",
        detail,
    };
    let short = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            bad("it ends early: the file is cut short".into())
        } else {
            from_io(dir, e)
        }
    };
    let mut magic = [0u8; 16];
    input.read_exact(&mut magic).map_err(short)?;
    if &magic != SNAPSHOT_MAGIC {
        return Err(bad("it does not begin as a tamga store snapshot".into()));
    }
    let mut seen: Vec<&'static str> = Vec::new();
    let mut entries = 0u64;
    loop {
        let tag = read_array::<1>(input).map_err(short)?[0];
        match tag {
            b'T' => {
                let name = read_len_bytes(input, MAX_KEY_BYTES).map_err(short)??;
                let name = TREE_NAMES
                    .iter()
                    .find(|n| n.as_bytes() == name.as_slice())
                    .copied()
                    .ok_or_else(|| {
                        bad(format!(
                            "it names a tree {:?} a store does not have",
                            String::from_utf8_lossy(&name)
                        ))
                    })?;
                if seen.contains(&name) {
                    return Err(bad(format!("tree {name} appears twice")));
                }
                seen.push(name);
                let tree = db.open_tree(name).map_err(|e| from_sled(dir, e))?;
                let mut batch = sled::Batch::default();
                let (mut in_batch, mut count) = (0usize, 0u64);
                loop {
                    match read_array::<1>(input).map_err(short)?[0] {
                        b'E' => {
                            let k = read_len_bytes(input, MAX_KEY_BYTES).map_err(short)??;
                            let v = read_len_bytes(input, MAX_VALUE_BYTES).map_err(short)??;
                            batch.insert(k, v);
                            in_batch += 1;
                            count += 1;
                            if in_batch == RESTORE_BATCH {
                                tree.apply_batch(std::mem::take(&mut batch))
                                    .map_err(|e| from_sled(dir, e))?;
                                in_batch = 0;
                            }
                        }
                        b'Z' => {
                            let stated = u64::from_be_bytes(read_array::<8>(input).map_err(short)?);
                            if stated != count {
                                return Err(bad(format!(
                                    "tree {name} says {stated} entries but holds {count}"
                                )));
                            }
                            tree.apply_batch(batch).map_err(|e| from_sled(dir, e))?;
                            entries += count;
                            break;
                        }
                        other => {
                            return Err(bad(format!(
                                "unexpected record {other:#04x} in tree {name}"
                            )))
                        }
                    }
                }
            }
            b'F' => {
                let stated = u64::from_be_bytes(read_array::<8>(input).map_err(short)?);
                if stated != seen.len() as u64 || seen.len() != TREE_NAMES.len() {
                    return Err(bad(format!(
                        "it holds {} of the store's {} trees",
                        seen.len(),
                        TREE_NAMES.len()
                    )));
                }
                let mut rest = [0u8; 1];
                if input.read(&mut rest).map_err(|e| from_io(dir, e))? != 0 {
                    return Err(bad("bytes follow its end".into()));
                }
                break;
            }
            other => return Err(bad(format!("unexpected record {other:#04x}"))),
        }
    }
    let meta = db.open_tree("meta").map_err(|e| from_sled(dir, e))?;
    let get = |key: &str| meta.get(key).map_err(|e| from_sled(dir, e));
    if get("magic")?.as_deref() != Some(MAGIC) {
        return Err(bad("its store has no tamga format marker".into()));
    }
    let format = get("version")?
        .and_then(|v| <[u8; 4]>::try_from(v.as_ref()).ok())
        .map(u32::from_be_bytes)
        .ok_or_else(|| bad("its store's format version is missing".into()))?;
    if format > FORMAT_VERSION {
        return Err(StoreError::NewerFormat {
            path: dir.to_owned(),
            found: format,
            supported: FORMAT_VERSION,
        });
    }
    let pinned = get("authority")?.map(|v| String::from_utf8_lossy(&v).into_owned());
    if pinned.as_deref() != Some(authority.as_str()) {
        return Err(bad(format!(
            "its store pins customs authority key {}, not {authority}",
            pinned.as_deref().unwrap_or("(none)")
        )));
    }
    let snapshot_seq = get("last_seq")?.and_then(|v| read_u64(&v)).unwrap_or(0);
    let resumed_at = snapshot_seq + FEED_RESUME_GAP;
    let mut gap_key = FEED_GAP_PREFIX.to_vec();
    gap_key.extend_from_slice(&seq_key(snapshot_seq));
    let mut batch = sled::Batch::default();
    batch.insert("actor", ActorId::random().to_bytes());
    batch.insert("last_seq", &seq_key(resumed_at));
    batch.insert(gap_key, &seq_key(resumed_at));
    meta.apply_batch(batch).map_err(|e| from_sled(dir, e))?;
    Ok(Restored {
        entries,
        format,
        snapshot_seq,
        resumed_at,
    })
}

fn read_array<const N: usize>(input: &mut dyn Read) -> std::io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    input.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// A length-prefixed byte string of at most `max` bytes (the inner error: longer).
fn read_len_bytes(input: &mut dyn Read, max: u32) -> std::io::Result<Result<Vec<u8>>> {
    let len = u32::from_be_bytes(read_array::<4>(input)?);
    if len > max {
        return Ok(Err(StoreError::BadInput {
            what: "a store snapshot",
            detail: format!("an entry of {len} bytes; at most {max}"),
        }));
    }
    let mut bytes = Vec::new();
    input.take(u64::from(len)).read_to_end(&mut bytes)?;
    if bytes.len() != len as usize {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Ok(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::new_store;
    use crate::DocId;
    use tamga_core::fixtures::stream::{registration, seal_applied};
    use tamga_core::fixtures::Story;

    fn snapshot_of(store: &Store) -> Vec<u8> {
        let mut bytes = Vec::new();
        store.snapshot(&mut bytes).unwrap();
        bytes
    }

    #[test]
    fn a_restored_store_holds_everything_and_goes_on_as_a_new_writer() {
        let story = Story::new();
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let original = new_store(a.path(), &story);
        for n in 0..40 {
            original.record(&registration(&story, n)).unwrap();
        }
        for n in 0..10 {
            original.record(&seal_applied(&story, n)).unwrap();
        }
        let bytes = snapshot_of(&original);
        let target = b.path().join("store");
        let restored =
            Store::restore(&target, &story.authority_id(), &mut bytes.as_slice()).unwrap();
        assert_eq!(restored.snapshot_seq, original.last_seq().unwrap());
        assert_eq!(restored.resumed_at, restored.snapshot_seq + FEED_RESUME_GAP);
        assert_eq!(restored.format, FORMAT_VERSION);
        let copy = Store::open(&target, &story.authority_id()).unwrap();
        assert!(copy.check().unwrap().is_empty(), "{:?}", copy.check());
        assert_eq!(copy.doc_count(), original.doc_count());
        for n in 0..40 {
            let doc = DocId::of_act(&registration(&story, n));
            assert_eq!(
                copy.heads(&doc).unwrap(),
                original.heads(&doc).unwrap(),
                "{doc}"
            );
        }
        assert_ne!(
            copy.actor, original.actor,
            "a restored store writes as a new actor"
        );
        // What the copy records goes on past the gap, and the store stays consistent.
        copy.record(&registration(&story, 41)).unwrap();
        assert_eq!(copy.last_seq().unwrap(), restored.resumed_at + 1);
        let changed = copy.changed_since(restored.snapshot_seq).unwrap();
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].1, DocId::of_act(&registration(&story, 41)));
        assert!(copy.check().unwrap().is_empty(), "{:?}", copy.check());
        // A snapshot of the restored store restores too (two gaps).
        let again = snapshot_of(&copy);
        let c = tempfile::tempdir().unwrap();
        Store::restore(c.path(), &story.authority_id(), &mut again.as_slice()).unwrap();
        let second = Store::open(c.path(), &story.authority_id()).unwrap();
        second.record(&registration(&story, 42)).unwrap();
        assert!(second.check().unwrap().is_empty(), "{:?}", second.check());
    }

    #[test]
    fn a_snapshot_taken_while_writers_record_is_consistent() {
        let story = Story::new();
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let original = std::sync::Arc::new(new_store(a.path(), &story));
        let writer = {
            let store = std::sync::Arc::clone(&original);
            std::thread::spawn(move || {
                let story = Story::new();
                for n in 0..300 {
                    store.record(&registration(&story, n)).unwrap();
                }
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        let bytes = snapshot_of(&original);
        writer.join().unwrap();
        Store::restore(b.path(), &story.authority_id(), &mut bytes.as_slice()).unwrap();
        let copy = Store::open(b.path(), &story.authority_id()).unwrap();
        assert!(copy.check().unwrap().is_empty(), "{:?}", copy.check());
    }

    #[test]
    fn a_damaged_or_foreign_snapshot_is_refused_and_leaves_nothing() {
        let story = Story::new();
        let a = tempfile::tempdir().unwrap();
        let original = new_store(a.path(), &story);
        for n in 0..5 {
            original.record(&registration(&story, n)).unwrap();
        }
        let bytes = snapshot_of(&original);
        let refused = |input: &[u8], authority: &KeyId| {
            let d = tempfile::tempdir().unwrap();
            let target = d.path().join("store");
            let err = Store::restore(&target, authority, &mut &input[..]).unwrap_err();
            let left: Vec<_> = std::fs::read_dir(&target)
                .map(|r| r.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
                .unwrap_or_default();
            assert!(left.is_empty(), "{err}: left {left:?}");
            err.to_string()
        };
        let authority = story.authority_id();
        assert!(refused(&bytes[..bytes.len() / 2], &authority).contains("cut short"));
        assert!(refused(&bytes[..bytes.len() - 1], &authority).contains("cut short"));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(refused(&longer, &authority).contains("bytes follow"));
        assert!(refused(b"not a snapshot at all", &authority).contains("snapshot"));
        let mut flipped = bytes.clone();
        flipped[16] = b'X';
        assert!(refused(&flipped, &authority).contains("unexpected record"));
        let other = tamga_core::signing::key_id(&tamga_core::fixtures::key("another authority"));
        assert!(refused(&bytes, &other).contains("pins customs authority key"));
        // A directory that holds something is never restored into.
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("keep"), b"x").unwrap();
        let err = Store::restore(d.path(), &authority, &mut bytes.as_slice()).unwrap_err();
        assert!(err.to_string().contains("not empty"), "{err}");
        assert!(d.path().join("keep").exists());
    }

    #[test]
    fn a_snapshot_of_an_older_format_is_upgraded_and_a_newer_refused() {
        let story = Story::new();
        let a = tempfile::tempdir().unwrap();
        let original = new_store(a.path(), &story);
        for n in 0..5 {
            original.record(&registration(&story, n)).unwrap();
        }
        original
            .t
            .meta
            .insert("version", &4u32.to_be_bytes())
            .unwrap();
        let older = snapshot_of(&original);
        let b = tempfile::tempdir().unwrap();
        let done = Store::restore(b.path(), &story.authority_id(), &mut older.as_slice()).unwrap();
        assert_eq!(done.format, 4);
        let copy = Store::open(b.path(), &story.authority_id()).unwrap();
        assert_eq!(
            copy.t.meta.get("version").unwrap().unwrap().as_ref(),
            FORMAT_VERSION.to_be_bytes()
        );
        assert!(copy.check().unwrap().is_empty());
        original
            .t
            .meta
            .insert("version", &(FORMAT_VERSION + 1).to_be_bytes())
            .unwrap();
        let newer = snapshot_of(&original);
        let c = tempfile::tempdir().unwrap();
        let err =
            Store::restore(c.path(), &story.authority_id(), &mut newer.as_slice()).unwrap_err();
        assert!(matches!(err, StoreError::NewerFormat { .. }), "{err}");
        assert!(err.to_string().contains("upgrade tamga"), "{err}");
    }
}
