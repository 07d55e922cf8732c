//! The volatile layer: what a power cut would take away.
//!
//! Every write reaches the backing directory at once (so reads are plain passthrough), and this
//! layer keeps what is needed to take it back:
//!
//! - per file (by the layer's inode), the size it had when it was last made durable and an undo
//!   log of the durable bytes that writes and truncations overwrote since then. `fsync` and
//!   `fdatasync` on the file (any handle) clear both: the file's contents and size are durable;
//! - in order, the directory operations (create, mkdir, unlink, rmdir, rename) not yet made
//!   durable: each waits for an `fsync` of every directory it touched, made after it. An unlinked
//!   or replaced file is moved to a trash directory outside the mount, so it can be put back.
//!
//! [`Volatile::cut`] undoes it all on the backing directory: first the file contents (the undo
//! logs newest first, then the durable size), then the directory operations, newest first.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// A directory operation not yet durable. Paths are relative to the backing root.
#[derive(Debug)]
pub enum EntryOp {
    /// A file or directory was created at `path`: a cut removes it.
    Created { path: PathBuf },
    /// What was at `path` was moved to `trash` (unlink, rmdir, or replaced by a rename): a cut
    /// moves it back.
    Removed { path: PathBuf, trash: PathBuf },
    /// `from` was renamed to `to`: a cut renames it back.
    Renamed { from: PathBuf, to: PathBuf },
}

#[derive(Debug)]
struct PendingOp {
    op: EntryOp,
    /// Directories (relative paths) still to be fsynced for the op to be durable.
    dirs: Vec<PathBuf>,
}

/// Undo state of one file since its last fsync.
#[derive(Debug, Default)]
struct FileUndo {
    durable_size: u64,
    /// (offset, the durable bytes that were there), oldest first.
    undo: Vec<(u64, Vec<u8>)>,
}

/// What the layer counted, for the harness's report.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub writes: u64,
    pub fsyncs: u64,
    pub fsyncdirs: u64,
    /// At the last cut: files whose unsynced contents or size were taken back.
    pub files_reverted: u64,
    /// At the last cut: bytes written back from undo logs plus bytes cut off past durable sizes.
    pub bytes_reverted: u64,
    /// At the last cut: directory operations undone.
    pub entries_reverted: u64,
}

/// The volatile layer (see the module doc).
#[derive(Debug)]
pub struct Volatile {
    root: PathBuf,
    trash: PathBuf,
    /// Whether directory operations are held until a directory fsync (otherwise only file data).
    entries: bool,
    files: HashMap<u64, FileUndo>,
    ops: Vec<PendingOp>,
    trash_seq: u64,
    pub counts: Counts,
}

impl Volatile {
    pub fn new(root: PathBuf, trash: PathBuf, entries: bool) -> Volatile {
        Volatile {
            root,
            trash,
            entries,
            files: HashMap::new(),
            ops: Vec::new(),
            trash_seq: 0,
            counts: Counts::default(),
        }
    }

    fn undo_of(&mut self, ino: u64, real: &Path) -> io::Result<&mut FileUndo> {
        match self.files.entry(ino) {
            std::collections::hash_map::Entry::Occupied(e) => Ok(e.into_mut()),
            std::collections::hash_map::Entry::Vacant(e) => {
                // First change since the last sync (or the mount): what is there now is durable.
                let durable_size = std::fs::metadata(real)?.len();
                Ok(e.insert(FileUndo {
                    durable_size,
                    undo: Vec::new(),
                }))
            }
        }
    }

    /// Before `len` bytes are written at `offset` of the file at `real`.
    pub fn before_write(&mut self, ino: u64, real: &Path, offset: u64, len: u64) -> io::Result<()> {
        self.counts.writes += 1;
        let undo = self.undo_of(ino, real)?;
        save_durable(undo, real, offset, offset + len)
    }

    /// Before the file at `real` is truncated or extended to `size`.
    pub fn before_set_len(&mut self, ino: u64, real: &Path, size: u64) -> io::Result<()> {
        let undo = self.undo_of(ino, real)?;
        save_durable(undo, real, size, u64::MAX)
    }

    /// fsync or fdatasync of a file: its contents and size are durable.
    pub fn fsync(&mut self, ino: u64) {
        self.counts.fsyncs += 1;
        self.files.remove(&ino);
    }

    /// The layer's inode is gone for good (its last name removed and the removal durable).
    pub fn forget_file(&mut self, ino: u64) {
        self.files.remove(&ino);
    }

    /// A fresh trash path for something about to be removed.
    pub fn trash_path(&mut self) -> PathBuf {
        self.trash_seq += 1;
        self.trash.join(format!("t{}", self.trash_seq))
    }

    /// Whether directory operations are modelled (removals must then go through the trash).
    pub fn models_entries(&self) -> bool {
        self.entries
    }

    /// Records a directory operation touching `dirs` (relative paths).
    pub fn entry_op(&mut self, op: EntryOp, dirs: Vec<PathBuf>) {
        if self.entries {
            self.ops.push(PendingOp { op, dirs });
        }
    }

    /// fsync of the directory at `dir` (relative): the operations on its entries so far are
    /// durable in it. Returns the trash paths that are no longer needed.
    pub fn fsyncdir(&mut self, dir: &Path) -> Vec<PathBuf> {
        self.counts.fsyncdirs += 1;
        let mut freed = Vec::new();
        for op in &mut self.ops {
            op.dirs.retain(|d| d != dir);
        }
        self.ops.retain(|op| {
            if op.dirs.is_empty() {
                if let EntryOp::Removed { trash, .. } = &op.op {
                    freed.push(trash.clone());
                }
                false
            } else {
                true
            }
        });
        freed
    }

    /// The power cut: takes back, on the backing directory, everything not made durable.
    /// `path_of` gives the current real path of a layer inode (None if it has none).
    pub fn cut(&mut self, path_of: &dyn Fn(u64) -> Option<PathBuf>) -> io::Result<Counts> {
        let mut counts = Counts {
            writes: self.counts.writes,
            fsyncs: self.counts.fsyncs,
            fsyncdirs: self.counts.fsyncdirs,
            ..Counts::default()
        };
        for (ino, undo) in std::mem::take(&mut self.files) {
            let Some(real) = path_of(ino) else { continue };
            let file = match OpenOptions::new().write(true).open(&real) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            let size = file.metadata()?.len();
            let mut reverted = size.saturating_sub(undo.durable_size);
            for (offset, bytes) in undo.undo.iter().rev() {
                file.write_all_at(bytes, *offset)?;
                reverted += bytes.len() as u64;
            }
            file.set_len(undo.durable_size)?;
            if reverted > 0 || size != undo.durable_size {
                counts.files_reverted += 1;
                counts.bytes_reverted += reverted;
            }
        }
        let debug = std::env::var_os("TAMGA_LAZYFS_DEBUG").is_some();
        for pending in std::mem::take(&mut self.ops).into_iter().rev() {
            counts.entries_reverted += 1;
            if debug {
                eprintln!("lazyfs: cut undoes {:?}", pending.op);
            }
            match pending.op {
                EntryOp::Created { path } => {
                    let real = self.root.join(path);
                    match std::fs::symlink_metadata(&real) {
                        Ok(m) if m.is_dir() => std::fs::remove_dir_all(&real)?,
                        Ok(_) => std::fs::remove_file(&real)?,
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                        Err(e) => return Err(e),
                    }
                }
                EntryOp::Removed { path, trash } => {
                    std::fs::rename(&trash, self.root.join(path))?;
                }
                EntryOp::Renamed { from, to } => {
                    std::fs::rename(self.root.join(to), self.root.join(from))?;
                }
            }
        }
        if self.trash.exists() {
            std::fs::remove_dir_all(&self.trash)?;
        }
        std::fs::create_dir_all(&self.trash)?;
        self.counts = counts;
        Ok(counts)
    }
}

/// Saves the durable bytes in `[from, to)` of the file (those below its durable size and its
/// current size) before they are overwritten or cut off.
fn save_durable(undo: &mut FileUndo, real: &Path, from: u64, to: u64) -> io::Result<()> {
    let current = std::fs::metadata(real)?.len();
    let end = to.min(undo.durable_size).min(current);
    if from >= end {
        return Ok(());
    }
    let mut bytes = vec![0u8; (end - from) as usize];
    let file = std::fs::File::open(real)?;
    file.read_exact_at(&mut bytes, from)?;
    undo.undo.push((from, bytes));
    Ok(())
}
