//! A FUSE filesystem that loses what was not synced, for power-loss tests, in the manner of
//! LazyFS (which Jepsen uses): a passthrough over a backing directory that remembers every
//! change not yet made durable and, on [`Mounted::cut_power`], takes it all back.
//!
//! What it models (see [`volatile`] for how):
//!
//! - **file contents and size**: everything written or truncated since the file's last
//!   `fsync`/`fdatasync` is lost at a cut; both calls make the whole file (contents and size)
//!   durable. `sync_file_range(2)` does not reach a FUSE filesystem at all, so it counts for
//!   nothing, as on a real disk whose cache it does not flush and whose size it does not write;
//!   neither do `close(2)` (`flush`) nor a periodic kernel writeback;
//! - **directory entries** (unless [`Options::entries`] is off): a create, mkdir, unlink,
//!   rmdir or rename is lost at a cut unless every directory it touched was fsynced after it,
//!   as POSIX has it (ext4 and XFS in practice often keep a new file's entry once the file is
//!   fsynced; this model does not).
//!
//! What it does not model: torn or reordered writes within what was not synced (all of it is
//! lost, none of it half-kept: the kindest loss), a lying drive (an fsync here is kept), metadata
//! other than size (modes, times), hard links, mmap, xattrs, fallocate, and losses in the backing
//! filesystem itself. The backing files are never really synced: the model is the durability.
//!
//! A cut is: the caller kills every writer first, then the filesystem is unmounted (so the
//! kernel forgets its caches), the backing directory is rolled back to its durable state, and it
//! is mounted again.

pub mod fs;
pub mod volatile;

pub use volatile::Counts;

use fs::{LazyFs, State};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use volatile::Volatile;

/// How to mount.
#[derive(Debug, Clone)]
pub struct Options {
    /// Hold directory operations until a directory fsync (otherwise only file data is volatile).
    pub entries: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { entries: true }
    }
}

/// A mounted layer. Unmounted when dropped (nothing is rolled back then).
pub struct Mounted {
    backing: PathBuf,
    trash: PathBuf,
    mountpoint: PathBuf,
    options: Options,
    state: Arc<Mutex<State>>,
    session: Option<fuser::BackgroundSession>,
}

/// Whether this process can mount a FUSE filesystem (`/dev/fuse` opens for reading and writing).
pub fn available() -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/fuse")
        .is_ok()
}

impl Mounted {
    /// Mounts `backing` at `mountpoint`; `trash` (outside both) keeps removed files until their
    /// removal is durable. All three directories are created if missing.
    pub fn mount(
        backing: &Path,
        trash: &Path,
        mountpoint: &Path,
        options: Options,
    ) -> io::Result<Mounted> {
        for d in [backing, trash, mountpoint] {
            std::fs::create_dir_all(d)?;
        }
        let volatile = Volatile::new(backing.to_owned(), trash.to_owned(), options.entries);
        let state = Arc::new(Mutex::new(State::new(backing.to_owned(), volatile)));
        let mut m = Mounted {
            backing: backing.to_owned(),
            trash: trash.to_owned(),
            mountpoint: mountpoint.to_owned(),
            options,
            state,
            session: None,
        };
        m.session = Some(m.spawn()?);
        Ok(m)
    }

    fn spawn(&self) -> io::Result<fuser::BackgroundSession> {
        let mut config = fuser::Config::default();
        config.mount_options = vec![
            fuser::MountOption::FSName("tamga-lazyfs".into()),
            fuser::MountOption::Subtype("lazyfs".into()),
        ];
        config.n_threads = Some(1);
        let fs = LazyFs {
            state: self.state.clone(),
        };
        fuser::spawn_mount(fs, &self.mountpoint, &config)
    }

    /// Where the layer is mounted.
    pub fn path(&self) -> &Path {
        &self.mountpoint
    }

    /// What the layer counted so far (and, after a cut, what the cut took back).
    pub fn counts(&self) -> Counts {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .volatile
            .counts
    }

    /// Makes everything durable, as if the machine had been running for a long while after the
    /// last write (used to set up a store before the cuts start). Remounts.
    pub fn settle(&mut self) -> io::Result<()> {
        self.unmount()?;
        self.fresh_state();
        self.session = Some(self.spawn()?);
        Ok(())
    }

    /// The power cut. Every process writing through the mount must be dead (killed) first.
    /// Unmounts, rolls the backing directory back to what was durable, mounts again, and says
    /// what was taken back.
    pub fn cut_power(&mut self) -> io::Result<Counts> {
        self.unmount()?;
        let counts = {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let st = &mut *s;
            let mut volatile = std::mem::replace(
                &mut st.volatile,
                Volatile::new(
                    self.backing.clone(),
                    self.trash.clone(),
                    self.options.entries,
                ),
            );
            let r = volatile.cut(&|ino: u64| st.real_any(ino));
            st.volatile = volatile;
            r?
        };
        self.fresh_state();
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .volatile
            .counts = counts;
        self.session = Some(self.spawn()?);
        Ok(counts)
    }

    fn fresh_state(&mut self) {
        let volatile = Volatile::new(
            self.backing.clone(),
            self.trash.clone(),
            self.options.entries,
        );
        self.state = Arc::new(Mutex::new(State::new(self.backing.clone(), volatile)));
    }

    fn unmount(&mut self) -> io::Result<()> {
        if let Some(session) = self.session.take() {
            match session.umount_and_join() {
                // The kernel may end the connection with ECONNABORTED rather than ENODEV when
                // it is unmounted (seen once in 397 cuts): the mount is gone all the same, and
                // what the layer keeps is in `state`, not in the session.
                Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
                other => other?,
            }
        }
        Ok(())
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = self.unmount();
    }
}
