//! The passthrough: each FUSE request done on the backing directory, with the volatile layer
//! told first what it must be able to take back (see [`super::volatile`]).
//!
//! Inodes are the layer's own (1 is the root), mapped to paths relative to the backing root.
//! The kernel is asked for no writeback cache, so every `write(2)` reaches [`LazyFs::write`]
//! before it returns. `sync_file_range(2)` sends no request to a FUSE filesystem: only
//! `fsync(2)`/`fdatasync(2)` (`FUSE_FSYNC`) and a directory's `fsync` (`FUSE_FSYNCDIR`) make
//! anything durable here. `flush` (each `close(2)`) makes nothing durable.

use super::volatile::{EntryOp, Volatile};
use fuser::{
    Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo, LockOwner,
    OpenFlags, RenameFlags, ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory, ReplyEmpty,
    ReplyEntry, ReplyOpen, ReplyStatfs, ReplyWrite, Request, TimeOrNow, WriteFlags,
};
use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const TTL: Duration = Duration::from_secs(1);

/// The state shared by the FUSE threads and the harness.
#[derive(Debug)]
pub struct State {
    pub(super) root: PathBuf,
    pub(super) volatile: Volatile,
    paths: HashMap<u64, PathBuf>,
    inos: HashMap<PathBuf, u64>,
    next_ino: u64,
    handles: HashMap<u64, (u64, File)>,
    next_fh: u64,
}

impl State {
    pub(super) fn new(root: PathBuf, volatile: Volatile) -> State {
        let mut s = State {
            root,
            volatile,
            paths: HashMap::new(),
            inos: HashMap::new(),
            next_ino: 2,
            handles: HashMap::new(),
            next_fh: 1,
        };
        s.paths.insert(1, PathBuf::new());
        s.inos.insert(PathBuf::new(), 1);
        s
    }

    fn rel(&self, ino: u64) -> Result<PathBuf, Errno> {
        self.paths.get(&ino).cloned().ok_or(Errno::ENOENT)
    }

    fn ino_for(&mut self, rel: &Path) -> u64 {
        if let Some(ino) = self.inos.get(rel) {
            return *ino;
        }
        let ino = self.next_ino;
        self.next_ino += 1;
        self.inos.insert(rel.to_owned(), ino);
        self.paths.insert(ino, rel.to_owned());
        ino
    }

    fn attr(&mut self, rel: &Path) -> Result<FileAttr, Errno> {
        let meta = std::fs::symlink_metadata(self.root.join(rel)).map_err(Errno::from)?;
        let ino = self.ino_for(rel);
        Ok(to_attr(ino, &meta))
    }

    /// Forgets the names under `rel` (itself included); its inodes keep their last real path
    /// only through open handles.
    fn drop_names(&mut self, rel: &Path) {
        let gone: Vec<PathBuf> = self
            .inos
            .keys()
            .filter(|p| p.starts_with(rel))
            .cloned()
            .collect();
        for p in gone {
            if let Some(ino) = self.inos.remove(&p) {
                self.paths.remove(&ino);
            }
        }
    }

    /// Moves the names under `from` to under `to` after a rename.
    fn move_names(&mut self, from: &Path, to: &Path) {
        let moved: Vec<(PathBuf, u64)> = self
            .inos
            .iter()
            .filter(|(p, _)| p.starts_with(from))
            .map(|(p, i)| (p.clone(), *i))
            .collect();
        for (p, ino) in moved {
            self.inos.remove(&p);
            // (Joining an empty rest would add a trailing slash, which a file's path must not have.)
            let rest = p.strip_prefix(from).expect("prefix");
            let new = if rest.as_os_str().is_empty() {
                to.to_owned()
            } else {
                to.join(rest)
            };
            self.inos.insert(new.clone(), ino);
            self.paths.insert(ino, new);
        }
    }

    /// Removes what is at `rel` (a file or an empty directory): into the trash when directory
    /// operations are modelled, so a power cut can put it back.
    fn remove(&mut self, rel: &Path, dir: bool) -> io::Result<()> {
        let real = self.root.join(rel);
        if self.volatile.models_entries() {
            if dir && std::fs::read_dir(&real)?.next().is_some() {
                return Err(io::Error::from_raw_os_error(libc::ENOTEMPTY));
            }
            let trash = self.volatile.trash_path();
            std::fs::rename(&real, &trash)?;
            let parent = rel.parent().unwrap_or(Path::new("")).to_owned();
            let op = EntryOp::Removed {
                path: rel.to_owned(),
                trash: trash.clone(),
            };
            self.volatile.entry_op(op, vec![parent]);
            // Open handles follow the file into the trash, so its data can still be taken back.
            if let Some(ino) = self.inos.get(rel).copied() {
                self.drop_names(rel);
                let rel_trash = PathBuf::from(format!("\0trash:{}", trash.display()));
                self.paths.insert(ino, rel_trash);
            }
            Ok(())
        } else {
            if dir {
                std::fs::remove_dir(&real)?;
            } else {
                std::fs::remove_file(&real)?;
            }
            if let Some(ino) = self.inos.get(rel).copied() {
                self.volatile.forget_file(ino);
            }
            self.drop_names(rel);
            Ok(())
        }
    }

    /// The real path of an inode, following it into the trash.
    pub(super) fn real_any(&self, ino: u64) -> Option<PathBuf> {
        let rel = self.paths.get(&ino)?;
        match rel.to_str().and_then(|s| s.strip_prefix("\0trash:")) {
            Some(trash) => Some(PathBuf::from(trash)),
            None => Some(self.root.join(rel)),
        }
    }
}

fn to_attr(ino: u64, m: &std::fs::Metadata) -> FileAttr {
    let time = |s: i64, ns: i64| {
        if s >= 0 {
            UNIX_EPOCH + Duration::new(s as u64, ns as u32)
        } else {
            UNIX_EPOCH
        }
    };
    let kind = FileType::from_std(m.file_type()).unwrap_or(FileType::RegularFile);
    FileAttr {
        ino: INodeNo(ino),
        size: m.len(),
        blocks: m.blocks(),
        atime: time(m.atime(), m.atime_nsec()),
        mtime: time(m.mtime(), m.mtime_nsec()),
        ctime: time(m.ctime(), m.ctime_nsec()),
        crtime: time(m.mtime(), m.mtime_nsec()),
        kind,
        perm: (m.mode() & 0o7777) as u16,
        nlink: m.nlink() as u32,
        uid: m.uid(),
        gid: m.gid(),
        rdev: m.rdev() as u32,
        blksize: m.blksize() as u32,
        flags: 0,
    }
}

/// The filesystem given to fuser; a clone of its state stays with the harness.
pub struct LazyFs {
    pub(super) state: Arc<Mutex<State>>,
}

impl LazyFs {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn child(parent: &Path, name: &OsStr) -> PathBuf {
    parent.join(name)
}

fn open_real(real: &Path, flags: i32, create: Option<u32>) -> io::Result<File> {
    let mut o = OpenOptions::new();
    match flags & libc::O_ACCMODE {
        libc::O_RDONLY => o.read(true),
        libc::O_WRONLY => o.write(true),
        _ => o.read(true).write(true),
    };
    if let Some(mode) = create {
        o.write(true).create_new(true).mode(mode);
    }
    // Appends, truncation on open and creation are the kernel's and ours to do, not the real
    // file's: writes come with their offsets.
    let keep =
        flags & !(libc::O_ACCMODE | libc::O_APPEND | libc::O_TRUNC | libc::O_CREAT | libc::O_EXCL);
    o.custom_flags(keep & (libc::O_NOFOLLOW | libc::O_CLOEXEC));
    o.open(real)
}

impl Filesystem for LazyFs {
    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        let mut s = self.lock();
        let r = s.rel(parent.0).and_then(|p| s.attr(&child(&p, name)));
        match r {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, fh: Option<FileHandle>, reply: ReplyAttr) {
        let s = self.lock();
        let meta = match fh.and_then(|fh| s.handles.get(&fh.0)) {
            Some((_, f)) => f.metadata(),
            None => match s.real_any(ino.0) {
                Some(real) => std::fs::symlink_metadata(real),
                None => return reply.error(Errno::ENOENT),
            },
        };
        match meta {
            Ok(m) => reply.attr(&TTL, &to_attr(ino.0, &m)),
            Err(e) => reply.error(e.into()),
        }
    }

    fn setattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        mode: Option<u32>,
        _uid: Option<u32>,
        _gid: Option<u32>,
        size: Option<u64>,
        _atime: Option<TimeOrNow>,
        mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        _fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        let mut s = self.lock();
        let Some(real) = s.real_any(ino.0) else {
            return reply.error(Errno::ENOENT);
        };
        let r = (|| -> io::Result<()> {
            if let Some(size) = size {
                s.volatile.before_set_len(ino.0, &real, size)?;
                OpenOptions::new().write(true).open(&real)?.set_len(size)?;
            }
            if let Some(mode) = mode {
                std::fs::set_permissions(&real, std::fs::Permissions::from_mode(mode & 0o7777))?;
            }
            if let Some(t) = mtime {
                let t = match t {
                    TimeOrNow::SpecificTime(t) => t,
                    TimeOrNow::Now => SystemTime::now(),
                };
                File::open(&real)?.set_modified(t)?;
            }
            Ok(())
        })();
        match r.and_then(|_| std::fs::symlink_metadata(&real)) {
            Ok(m) => reply.attr(&TTL, &to_attr(ino.0, &m)),
            Err(e) => reply.error(e.into()),
        }
    }

    fn mkdir(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        reply: ReplyEntry,
    ) {
        let mut s = self.lock();
        let r = (|| -> Result<FileAttr, Errno> {
            let p = s.rel(parent.0)?;
            let rel = child(&p, name);
            std::fs::create_dir(s.root.join(&rel)).map_err(Errno::from)?;
            let perm = std::fs::Permissions::from_mode(mode & !umask & 0o7777);
            std::fs::set_permissions(s.root.join(&rel), perm).map_err(Errno::from)?;
            s.volatile
                .entry_op(EntryOp::Created { path: rel.clone() }, vec![p]);
            s.attr(&rel)
        })();
        match r {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn unlink(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let mut s = self.lock();
        let r = s
            .rel(parent.0)
            .and_then(|p| s.remove(&child(&p, name), false).map_err(Errno::from));
        match r {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rmdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let mut s = self.lock();
        let r = s
            .rel(parent.0)
            .and_then(|p| s.remove(&child(&p, name), true).map_err(Errno::from));
        match r {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rename(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        newparent: INodeNo,
        newname: &OsStr,
        flags: RenameFlags,
        reply: ReplyEmpty,
    ) {
        if !flags.is_empty() {
            return reply.error(Errno::EINVAL);
        }
        let mut s = self.lock();
        let r = (|| -> Result<(), Errno> {
            let (p, np) = (s.rel(parent.0)?, s.rel(newparent.0)?);
            let (from, to) = (child(&p, name), child(&np, newname));
            let to_real = s.root.join(&to);
            match std::fs::symlink_metadata(&to_real) {
                Ok(m) => s.remove(&to, m.is_dir()).map_err(Errno::from)?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
            std::fs::rename(s.root.join(&from), &to_real).map_err(Errno::from)?;
            s.move_names(&from, &to);
            let op = EntryOp::Renamed { from, to };
            s.volatile.entry_op(op, vec![p, np]);
            Ok(())
        })();
        match r {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn open(&self, _req: &Request, ino: INodeNo, flags: OpenFlags, reply: ReplyOpen) {
        let mut s = self.lock();
        let Some(real) = s.real_any(ino.0) else {
            return reply.error(Errno::ENOENT);
        };
        match open_real(&real, flags.0, None) {
            Ok(file) => {
                let fh = s.next_fh;
                s.next_fh += 1;
                s.handles.insert(fh, (ino.0, file));
                reply.opened(FileHandle(fh), FopenFlags::empty());
            }
            Err(e) => reply.error(e.into()),
        }
    }

    fn create(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        flags: i32,
        reply: ReplyCreate,
    ) {
        let mut s = self.lock();
        let r = (|| -> Result<(FileAttr, u64), Errno> {
            let p = s.rel(parent.0)?;
            let rel = child(&p, name);
            let file = open_real(&s.root.join(&rel), flags, Some(mode & !umask & 0o7777))
                .map_err(Errno::from)?;
            s.volatile
                .entry_op(EntryOp::Created { path: rel.clone() }, vec![p]);
            let attr = s.attr(&rel)?;
            let fh = s.next_fh;
            s.next_fh += 1;
            s.handles.insert(fh, (attr.ino.0, file));
            Ok((attr, fh))
        })();
        match r {
            Ok((attr, fh)) => reply.created(
                &TTL,
                &attr,
                Generation(0),
                FileHandle(fh),
                FopenFlags::empty(),
            ),
            Err(e) => reply.error(e),
        }
    }

    fn read(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        let s = self.lock();
        let Some((_, file)) = s.handles.get(&fh.0) else {
            return reply.error(Errno::EBADF);
        };
        let mut buf = vec![0u8; size as usize];
        let mut got = 0;
        while got < buf.len() {
            match file.read_at(&mut buf[got..], offset + got as u64) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return reply.error(e.into()),
            }
        }
        reply.data(&buf[..got]);
    }

    fn write(
        &self,
        _req: &Request,
        ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: WriteFlags,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyWrite,
    ) {
        let mut s = self.lock();
        let Some(real) = s.real_any(ino.0) else {
            return reply.error(Errno::ENOENT);
        };
        let st = &mut *s;
        let Some((_, file)) = st.handles.get(&fh.0) else {
            return reply.error(Errno::EBADF);
        };
        let r = st
            .volatile
            .before_write(ino.0, &real, offset, data.len() as u64)
            .and_then(|_| file.write_all_at(data, offset));
        match r {
            Ok(()) => reply.written(data.len() as u32),
            Err(e) => reply.error(e.into()),
        }
    }

    fn flush(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _lock_owner: LockOwner,
        reply: ReplyEmpty,
    ) {
        // close(2): nothing becomes durable.
        reply.ok();
    }

    fn release(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        _flush: bool,
        reply: ReplyEmpty,
    ) {
        self.lock().handles.remove(&fh.0);
        reply.ok();
    }

    fn fsync(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        // fsync and fdatasync alike make the file's contents and size durable. (The backing
        // file is not synced: the model is the durability, not the test machine's disk.)
        let mut s = self.lock();
        if std::env::var_os("TAMGA_LAZYFS_DEBUG").is_some() {
            eprintln!(
                "lazyfs: fsync of {:?} (datasync: {_datasync})",
                s.real_any(ino.0)
            );
        }
        s.volatile.fsync(ino.0);
        reply.ok();
    }

    fn opendir(&self, _req: &Request, _ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        reply.opened(FileHandle(0), FopenFlags::empty());
    }

    fn readdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        let mut s = self.lock();
        let r = (|| -> Result<Vec<(u64, FileType, std::ffi::OsString)>, Errno> {
            let rel = s.rel(ino.0)?;
            let mut out = vec![
                (ino.0, FileType::Directory, ".".into()),
                (ino.0, FileType::Directory, "..".into()),
            ];
            let mut names: Vec<_> = std::fs::read_dir(s.root.join(&rel))
                .map_err(Errno::from)?
                .filter_map(|e| e.ok())
                .collect();
            names.sort_by_key(|e| e.file_name());
            for e in names {
                let kind = e
                    .file_type()
                    .ok()
                    .and_then(FileType::from_std)
                    .unwrap_or(FileType::RegularFile);
                let child_ino = s.ino_for(&rel.join(e.file_name()));
                out.push((child_ino, kind, e.file_name()));
            }
            Ok(out)
        })();
        match r {
            Ok(entries) => {
                for (i, (ino, kind, name)) in entries.into_iter().enumerate().skip(offset as usize)
                {
                    if reply.add(INodeNo(ino), (i + 1) as u64, kind, name) {
                        break;
                    }
                }
                reply.ok();
            }
            Err(e) => reply.error(e),
        }
    }

    fn fsyncdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        let mut s = self.lock();
        let Ok(rel) = s.rel(ino.0) else {
            return reply.error(Errno::ENOENT);
        };
        for trash in s.volatile.fsyncdir(&rel) {
            let _ = std::fs::remove_file(&trash).or_else(|_| std::fs::remove_dir_all(&trash));
        }
        reply.ok();
    }

    fn statfs(&self, _req: &Request, _ino: INodeNo, reply: ReplyStatfs) {
        let root = self.lock().root.clone();
        let c = std::ffi::CString::new(root.as_os_str().as_encoded_bytes()).expect("no NUL");
        // SAFETY: statvfs writes into the struct we pass; the path is NUL-terminated.
        let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
            return reply.error(io::Error::last_os_error().into());
        }
        reply.statfs(
            st.f_blocks,
            st.f_bfree,
            st.f_bavail,
            st.f_files,
            st.f_ffree,
            st.f_bsize as u32,
            st.f_namemax as u32,
            st.f_frsize as u32,
        );
    }

    fn access(&self, _req: &Request, _ino: INodeNo, _mask: fuser::AccessFlags, reply: ReplyEmpty) {
        reply.ok();
    }
}
