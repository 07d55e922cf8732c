//! A node's small files, written so that a crash leaves either the old or the new content and
//! read without trusting their size: the one place where the nodes' configuration, keys,
//! keystore, offers, contacts and central's files touch the file system.
//!
//! A write goes to a temporary file beside the target, is flushed (`fsync`), then renamed over
//! the target (or, for files that are never replaced, hard-linked to it, which fails if it
//! exists), and the directory is flushed so that the rename itself survives a crash. Private
//! files (keys) are created with mode 0600 before any byte is written. A read takes at most a
//! given number of bytes: a larger file is an error of kind [`io::ErrorKind::FileTooLarge`],
//! not a large allocation.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A fresh temporary file's path beside `path` (`.<name>.<pid>.<n>.tmp`): unique per call, not
/// only per process, since two threads may save the same file at once.
pub fn temporary_beside(path: &Path) -> PathBuf {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parent_dir(path).join(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// Writes `bytes` to `path` atomically and durably, replacing any file there whole.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace(path, bytes, false)
}

/// [`write_atomic`] for a file readable by its owner only (mode 0600 from its creation).
pub fn write_atomic_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace(path, bytes, true)
}

/// Creates `path` with `bytes`, readable by its owner only, whole or not at all, and never
/// over an existing file: an existing `path` is an error of kind
/// [`io::ErrorKind::AlreadyExists`], also when two writers race for it.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if path.exists() {
        return Err(already_exists(path));
    }
    let tmp = write_temporary(path, bytes, true)?;
    // A hard link never replaces an existing file, so two concurrent writers cannot clobber
    // each other; where the file system has no hard links, fall back to rename.
    let linked = match std::fs::hard_link(&tmp, path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(already_exists(path)),
        Err(_) if path.exists() => Err(already_exists(path)),
        Err(_) => std::fs::rename(&tmp, path),
    };
    let _ = std::fs::remove_file(&tmp);
    linked?;
    sync_parent(path)
}

/// Reads a file of at most `limit` bytes; a larger one is an error of kind
/// [`io::ErrorKind::FileTooLarge`], not a large allocation.
pub fn read_limited(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_to_limit(File::open(path)?, limit)
}

fn read_to_limit(file: File, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("larger than {limit} bytes"),
        ));
    }
    Ok(bytes)
}

/// [`read_limited`], with `None` for a file that does not exist.
pub fn read_limited_if_exists(path: &Path, limit: u64) -> io::Result<Option<Vec<u8>>> {
    match read_limited(path, limit) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// [`read_limited`] as UTF-8 text; text that is not UTF-8 is an error of kind
/// [`io::ErrorKind::InvalidData`].
pub fn read_text_limited(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_limited(path, limit)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// [`read_text_limited`] for a secret: refuses (kind [`io::ErrorKind::PermissionDenied`]) a
/// file that users other than its owner may read or write, since whoever could read it may
/// hold the key.
pub fn read_private_text(path: &Path, limit: u64) -> io::Result<String> {
    let file = File::open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata()?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "this key file is open to other users (mode {:o}): make it private with `chmod 600 {}`, and find out who could have read it (if anyone did, revoke the key and make a new one)",
                    mode & 0o777,
                    path.display()
                ),
            ));
        }
    }
    String::from_utf8(read_to_limit(file, limit)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// Removes `path` durably; a file that is not there is not an error.
pub fn remove(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => sync_parent(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Creates `dir` and its parents; a new directory is readable by its owner only.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    if !dir.is_dir() {
        return Err(io::Error::other("not a directory"));
    }
    Ok(())
}

/// Refuses to work as root on a data directory that belongs to another user (the service's,
/// as the packages install it): the files a command run as root makes there would be root's,
/// and the service could no longer read them. `program` names the command in the advice.
pub fn refuse_root_on_foreign_dir(dir: &Path, program: &str) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and touches no memory.
        let euid = unsafe { libc::geteuid() };
        if euid != 0 {
            return Ok(());
        }
        let Ok(meta) = std::fs::metadata(dir) else {
            return Ok(());
        };
        if meta.uid() != 0 {
            let owner = user_name(meta.uid()).unwrap_or_else(|| meta.uid().to_string());
            return Err(format!(
                "{} belongs to user {owner}, and this command runs as root: files it made would be root's and the service could not read them; run it as {owner}: sudo -u {owner} {program} --data-dir {} ...",
                dir.display(),
                dir.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = (dir, program);
    Ok(())
}

/// The name of user `uid`, from /etc/passwd.
#[cfg(unix)]
fn user_name(uid: u32) -> Option<String> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id = fields.nth(1)?.parse::<u32>().ok()?;
        (id == uid).then(|| name.to_owned())
    })
}

/// Flushes the directory holding `path`, so that a rename or link into it is durable.
pub fn sync_parent(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(parent_dir(path))?.sync_all()?;
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn replace(path: &Path, bytes: &[u8], private: bool) -> io::Result<()> {
    std::fs::create_dir_all(parent_dir(path))?;
    let tmp = write_temporary(path, bytes, private)?;
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    sync_parent(path)
}

/// Writes `bytes` to a new temporary file beside `path`, flushed; removed again on failure.
fn write_temporary(path: &Path, bytes: &[u8], private: bool) -> io::Result<PathBuf> {
    let tmp = temporary_beside(path);
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let written = options.open(&tmp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(tmp)
}

fn already_exists(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{} already exists and is never overwritten", path.display()),
    )
}

/// The directory a file is in; for a bare file name (whose parent is the empty path), the
/// working directory.
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_whole_files_and_reads_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("state.json");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(read_limited(&path, 6).unwrap(), b"second");
        let too_large = read_limited(&path, 5).unwrap_err();
        assert_eq!(too_large.kind(), io::ErrorKind::FileTooLarge);
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
        assert_eq!(
            read_limited_if_exists(&dir.path().join("absent"), 10).unwrap(),
            None
        );

        // A bare file name lives in the working directory.
        assert_eq!(parent_dir(Path::new("enrollment.acts")), Path::new("."));
        assert_eq!(parent_dir(Path::new("/a/b.acts")), Path::new("/a"));
    }

    #[test]
    fn private_files_are_never_overwritten_and_only_their_owner_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.key");
        write_new_private(&path, b"one").unwrap();
        let again = write_new_private(&path, b"two").unwrap_err();
        assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            write_atomic_private(&dir.path().join("state"), b"x").unwrap();
            let mode = std::fs::metadata(dir.path().join("state"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        remove(&path).unwrap();
        remove(&path).unwrap();
        assert!(!path.exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_may_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.key");
        write_new_private(&path, b"secret").unwrap();
        assert_eq!(read_private_text(&path, 64).unwrap(), "secret");
        for mode in [0o640, 0o604, 0o620] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let err = read_private_text(&path, 64).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::PermissionDenied, "{mode:o}");
            assert!(err.to_string().contains("chmod 600"), "{err}");
        }
    }
}
