//! Backups of a node's data directory, taken while it serves, and the data directory restored
//! from one on a fresh machine.
//!
//! A backup file is age-encrypted (to the operator's recipients: `age1…` X25519 keys, or
//! `ssh-ed25519` keys) zstd-compressed tar holding:
//! - `files/<path>`: every file of the data directory but the store, runtime files the
//!   program names, and hidden files (temporaries);
//! - `store.snapshot`: a consistent copy of the store ([`Store::snapshot`]);
//! - `manifest.json`: the program, when, the device key, the pinned authority, and each
//!   entry's size, mode and SHA-256;
//! - `manifest.sig`: the device key's ed25519 signature of `tamga/backup/v1\0` ‖ SHA-256 of
//!   the manifest, so a file anyone could encrypt to the operator's public recipient is still
//!   known to come from the node.
//!
//! A restore ([`Restoring`]) decrypts and unpacks into `<target>/.restoring`, checks the
//! signature and every digest before anything leaves it, restores the store there
//! ([`Store::restore`]: new automerge actor, feed resumed past a gap), then moves each entry
//! into place. A restore cut short leaves only `.restoring`, which the next attempt removes.

use ed25519_dalek::{Signer, SigningKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use tamga_core::signing::key_id;
use tamga_core::{KeyId, Timestamp};
use tamga_store::{Store, StoreError};

/// The manifest's format.
pub const FORMAT: u32 = 1;
/// What the device key signs before the manifest's digest.
pub const SIGNATURE_CONTEXT: &[u8] = b"tamga/backup/v1\0";
/// The largest file of the data directory a backup carries (archive files are the largest).
pub const MAX_FILE_BYTES: u64 = 4 << 30;
/// The most files a backup carries.
pub const MAX_FILES: usize = 100_000;
/// The largest manifest.
pub(crate) const MAX_MANIFEST_BYTES: u64 = 32 << 20;
/// Where a restore unpacks before anything is moved into place.
pub const STAGING: &str = ".restoring";
/// The snapshot's entry.
pub(crate) const SNAPSHOT_ENTRY: &str = "store.snapshot";

/// Why a backup or a restore failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// A recipient that is neither an age X25519 key nor an ssh-ed25519 key.
    #[error("{0:?} is not a backup recipient: give an age public key (age1…, from `backup-key` or age-keygen) or an ssh-ed25519 public key")]
    BadRecipient(String),
    /// No recipient given.
    #[error("a backup needs at least one recipient (--to age1…): it is encrypted to them and only their identities open it")]
    NoRecipient,
    /// An identity file that could not be read.
    #[error("the identity file {path} could not be read ({detail}): give the file `backup-key` wrote (AGE-SECRET-KEY-1…) or an unencrypted ssh-ed25519 private key")]
    BadIdentity {
        /// The file.
        path: String,
        /// Why.
        detail: String,
    },
    /// The backup is not for any identity given.
    #[error(
        "none of the identities given opens this backup: it was encrypted to other recipients"
    )]
    NotForThisIdentity,
    /// Not a backup, or damaged, or altered.
    #[error("{0}; nothing was restored")]
    Damaged(String),
    /// The target directory is in use.
    #[error("{0} is not empty: restore into a new or empty directory (the node's data directory must not be in use)")]
    TargetNotEmpty(String),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file.
    #[error("{path}: {detail}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        detail: String,
    },
}

pub(crate) fn io_error(path: &Path) -> impl Fn(io::Error) -> BackupError + '_ {
    move |e| BackupError::Io {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}

pub(crate) fn damaged(detail: impl Into<String>) -> BackupError {
    BackupError::Damaged(detail.into())
}

/// One entry of the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Its path in the data directory (`/`-separated), or `store.snapshot`.
    pub path: String,
    /// Its Unix mode bits (permissions only).
    pub mode: u32,
    /// Its size.
    pub bytes: u64,
    /// Its SHA-256, hex.
    pub sha256: String,
}

/// What a backup holds, signed by the device key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: u32,
    /// `tamga-edge` or `tamga-central`.
    pub program: String,
    /// The version of the program that made it.
    pub version: String,
    /// When it was made (UTC).
    pub made_at: Timestamp,
    /// The node's device key (it signs the manifest).
    pub device_key: KeyId,
    /// The customs authority key the store pins.
    pub authority: KeyId,
    /// The store's format version.
    pub store_format: u32,
    /// The store's change-feed position.
    pub store_position: u64,
    /// The files of the data directory.
    pub files: Vec<Entry>,
    /// The store's snapshot.
    pub store: Entry,
}

/// What [`write`] needs to know of the node.
pub struct Source<'a> {
    /// `tamga-edge` or `tamga-central`.
    pub program: &'static str,
    /// The data directory.
    pub data_dir: &'a Path,
    /// The store's directory, relative to the data directory (its files are not copied: the
    /// snapshot is).
    pub store_dir: &'a str,
    /// Other files or directories (relative) left out: what only a running process means.
    pub leave_out: &'a [&'a str],
    /// The open store.
    pub store: &'a Store,
    /// The device key, which signs the manifest.
    pub device: &'a SigningKey,
    /// The pinned authority.
    pub authority: &'a KeyId,
}

/// What a backup took.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Made {
    /// Its manifest.
    pub manifest: Manifest,
    /// The backup file's size.
    pub bytes: u64,
}

/// The header carrying a backup's [`Summary`] (JSON) in a running node's answer.
pub const SUMMARY_HEADER: &str = "x-tamga-backup";

/// What a backup holds, for the operator (the manifest without the digests).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    /// When it was made.
    pub made_at: Timestamp,
    /// The device key that signed it.
    pub device_key: KeyId,
    /// Files of the data directory besides the store.
    pub files: usize,
    /// The store's snapshot, in bytes.
    pub store_bytes: u64,
    /// The store's change-feed position.
    pub store_position: u64,
}

impl Summary {
    /// The summary of `manifest`.
    pub fn of(manifest: &Manifest) -> Summary {
        Summary {
            made_at: manifest.made_at,
            device_key: manifest.device_key.clone(),
            files: manifest.files.len(),
            store_bytes: manifest.store.bytes,
            store_position: manifest.store_position,
        }
    }
}

/// Writes the backup file `out` whole or not at all: `write` fills a temporary file beside it
/// (mode 0600), which is synced and renamed into place.
pub fn write_file<T>(
    out: &Path,
    write: impl FnOnce(&mut File) -> Result<T, String>,
) -> Result<T, String> {
    let tmp = crate::files::temporary_beside(out);
    let written = (|| {
        let mut file = private_file(&tmp).map_err(|e| e.to_string())?;
        let done = write(&mut file)?;
        file.sync_all()
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, out).map_err(|e| format!("{}: {e}", out.display()))?;
        crate::files::sync_parent(out).map_err(|e| format!("{}: {e}", out.display()))?;
        Ok(done)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Asks the running node at `url` (its local API, on this machine) for a backup: `body` (JSON)
/// posted with the node's admin token in `token_header`, the answer streamed into `out`.
/// Returns the summary the node sent with it; an error answer is its `error`.
pub fn fetch(
    url: &str,
    token_header: &str,
    token: &str,
    body: Vec<u8>,
    out: &mut File,
) -> Result<Summary, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    // No overall deadline: a large store takes as long as it takes; the server's own request
    // deadline (TAMGA_HTTP_REQUEST_TIMEOUT_SECONDS) bounds it.
    let http = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let mut answer = http
            .post(url)
            .header("content-type", "application/json")
            .header(token_header, token)
            .body(body)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "the running node's API at {url} does not answer ({e}): is it still running?"
                )
            })?;
        let status = answer.status();
        if !status.is_success() {
            let bytes = answer.bytes().await.map_err(|e| e.to_string())?;
            let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            return Err(value["error"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{url}: {status}")));
        }
        let summary = answer
            .headers()
            .get(SUMMARY_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| serde_json::from_str(v).ok())
            .ok_or_else(|| format!("{url}: no {SUMMARY_HEADER} header in the answer"))?;
        while let Some(chunk) = answer
            .chunk()
            .await
            .map_err(|e| format!("the backup stopped arriving ({e}); run the command again"))?
        {
            out.write_all(&chunk).map_err(|e| e.to_string())?;
        }
        Ok(summary)
    })
}

/// A running node's answer carrying the backup `file` (from [`write_unnamed`]), streamed, with
/// its [`Summary`] in the [`SUMMARY_HEADER`] header.
pub fn answer(file: File, manifest: &Manifest) -> axum::response::Response {
    use axum::http::{header, HeaderName, HeaderValue};
    use axum::response::IntoResponse;
    let summary = Summary::of(manifest);
    tracing::info!(
        files = summary.files,
        store_bytes = summary.store_bytes,
        "backup taken"
    );
    let summary = serde_json::to_string(&summary).unwrap_or_default();
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (
                HeaderName::from_static(SUMMARY_HEADER),
                HeaderValue::from_str(&summary).unwrap_or(HeaderValue::from_static("{}")),
            ),
        ],
        axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(
            tokio::fs::File::from_std(file),
        )),
    )
        .into_response()
}

/// A backup written by a running node into a temporary file in its data directory `dir`,
/// returned open (at its start) with its manifest; the file's name is gone already, so
/// nothing is left when the answer ends however it ends.
pub fn write_unnamed(
    dir: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<Manifest, BackupError>,
) -> Result<(File, Manifest), BackupError> {
    use std::io::Seek;
    let path = crate::files::temporary_beside(&dir.join("backup"));
    let made = (|| {
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io_error(&path))?;
        let manifest = {
            let mut out = io::BufWriter::new(&mut file);
            let manifest = write(&mut out)?;
            out.flush().map_err(io_error(&path))?;
            manifest
        };
        file.seek(io::SeekFrom::Start(0)).map_err(io_error(&path))?;
        Ok((file, manifest))
    })();
    let _ = std::fs::remove_file(&path);
    made
}

/// The recipients named by `to` (age X25519 or ssh-ed25519 public keys).
pub fn recipients(to: &[String]) -> Result<Vec<Box<dyn age::Recipient + Send>>, BackupError> {
    if to.is_empty() {
        return Err(BackupError::NoRecipient);
    }
    to.iter()
        .map(|text| {
            let text = text.trim();
            if let Ok(r) = text.parse::<age::x25519::Recipient>() {
                Ok(Box::new(r) as Box<dyn age::Recipient + Send>)
            } else if let Ok(r) = text.parse::<age::ssh::Recipient>() {
                Ok(Box::new(r) as Box<dyn age::Recipient + Send>)
            } else {
                Err(BackupError::BadRecipient(text.to_owned()))
            }
        })
        .collect()
}

/// A new age identity for backups: its secret (`AGE-SECRET-KEY-1…`, the identity file's
/// line) and its recipient (`age1…`).
pub fn new_identity() -> (String, String) {
    use age::secrecy::ExposeSecret;
    let identity = age::x25519::Identity::generate();
    let secret = identity.to_string().expose_secret().to_owned();
    (secret, identity.to_public().to_string())
}

/// Writes a new identity to `path` (age's identity file, as age-keygen writes it: mode 0600,
/// never over an existing file) and returns its recipient.
pub fn make_identity_file(path: &Path) -> Result<String, BackupError> {
    let (secret, recipient) = new_identity();
    let text = format!(
        "# tamga backup identity: keep it off the node\n# public key: {recipient}\n{secret}\n"
    );
    crate::files::write_new_private(path, text.as_bytes()).map_err(io_error(path))?;
    Ok(recipient)
}

/// The identities in an identity file (age's format, or an unencrypted OpenSSH key).
pub fn identities(path: &Path) -> Result<Vec<Box<dyn age::Identity>>, BackupError> {
    let bad = |detail: String| BackupError::BadIdentity {
        path: path.display().to_string(),
        detail,
    };
    let bytes = crate::files::read_limited(path, 1 << 20).map_err(|e| bad(e.to_string()))?;
    if let Ok(file) = age::IdentityFile::from_buffer(bytes.as_slice()) {
        if let Ok(ids) = file.into_identities() {
            if !ids.is_empty() {
                return Ok(ids
                    .into_iter()
                    .map(|i| i as Box<dyn age::Identity>)
                    .collect());
            }
        }
    }
    match age::ssh::Identity::from_buffer(bytes.as_slice(), None) {
        Ok(id @ age::ssh::Identity::Unencrypted(_)) => Ok(vec![Box::new(id)]),
        Ok(_) => Err(bad("an encrypted or unsupported ssh key".into())),
        Err(_) => Err(bad("no identity in it".into())),
    }
}

/// A writer that hashes and counts what passes.
pub(crate) struct Hashing<W> {
    pub(crate) inner: W,
    pub(crate) hash: Sha256,
    pub(crate) bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A reader that hashes and counts what passes.
struct HashingReader<R> {
    inner: R,
    hash: Sha256,
    bytes: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

#[cfg(unix)]
fn mode_of(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o777
}

#[cfg(not(unix))]
fn mode_of(_: &std::fs::Metadata) -> u32 {
    0o600
}

/// The files of the data directory a backup carries, relative, in a stable order.
fn files_to_carry(source: &Source) -> Result<Vec<PathBuf>, BackupError> {
    fn walk(
        dir: &Path,
        rel: &Path,
        source: &Source,
        out: &mut Vec<PathBuf>,
    ) -> Result<(), BackupError> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .map_err(io_error(dir))?
            .filter_map(|e| e.ok())
            .collect();
        names.sort_by_key(|e| e.file_name());
        for entry in names {
            let name = entry.file_name();
            let text = name.to_string_lossy();
            let path = rel.join(&name);
            let path_text = path.to_string_lossy();
            if text.starts_with('.')
                || path_text == source.store_dir
                || source.leave_out.iter().any(|l| *l == path_text)
            {
                continue;
            }
            let kind = entry.file_type().map_err(io_error(&entry.path()))?;
            if kind.is_dir() {
                walk(&entry.path(), &path, source, out)?;
            } else if kind.is_file() {
                out.push(path);
            }
            if out.len() > MAX_FILES {
                return Err(BackupError::Io {
                    path: source.data_dir.display().to_string(),
                    detail: format!("more than {MAX_FILES} files: not a node's data directory"),
                });
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(source.data_dir, Path::new(""), source, &mut out)?;
    Ok(out)
}

fn tar_header(bytes: u64, mode: u32) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes);
    header.set_mode(mode);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_mtime(0);
    header
}

/// Writes a backup of `source` encrypted to `to` into `out`, dated `now`. The store's snapshot
/// is taken into a hidden temporary file in the data directory (writers wait only for that),
/// then everything is packed, compressed and encrypted as it is read.
pub fn write(
    source: &Source,
    to: &[String],
    now: Timestamp,
    out: &mut dyn Write,
) -> Result<Manifest, BackupError> {
    let recipients = recipients(to)?;
    let snapshot_path = crate::files::temporary_beside(&source.data_dir.join(SNAPSHOT_ENTRY));
    let result = (|| {
        let snapshotted = {
            let file = private_file(&snapshot_path)?;
            let mut hashing = Hashing {
                inner: io::BufWriter::new(file),
                hash: Sha256::new(),
                bytes: 0,
            };
            let done = source.store.snapshot(&mut hashing)?;
            hashing.flush().map_err(io_error(&snapshot_path))?;
            (done, hex::encode(hashing.hash.finalize()), hashing.bytes)
        };
        let (done, store_sha, store_bytes) = snapshotted;
        let encryptor = age::Encryptor::with_recipients(
            recipients.iter().map(|r| r.as_ref() as &dyn age::Recipient),
        )
        .map_err(|e| BackupError::Io {
            path: "the backup".into(),
            detail: format!("encryption: {e}"),
        })?;
        let out_err = |e: io::Error| BackupError::Io {
            path: "the backup".into(),
            detail: e.to_string(),
        };
        let encrypted = encryptor.wrap_output(out).map_err(out_err)?;
        let compressed = zstd::Encoder::new(encrypted, 3).map_err(out_err)?;
        let mut tar = tar::Builder::new(compressed);
        let mut files = Vec::new();
        for rel in files_to_carry(source)? {
            let path = source.data_dir.join(&rel);
            let file = File::open(&path).map_err(io_error(&path))?;
            let meta = file.metadata().map_err(io_error(&path))?;
            if meta.len() > MAX_FILE_BYTES {
                return Err(BackupError::Io {
                    path: path.display().to_string(),
                    detail: format!("over {MAX_FILE_BYTES} bytes: too large for a backup"),
                });
            }
            let mut reader = HashingReader {
                inner: file.take(meta.len()),
                hash: Sha256::new(),
                bytes: 0,
            };
            let name = format!("files/{}", rel.to_string_lossy());
            let mut header = tar_header(meta.len(), mode_of(&meta));
            tar.append_data(&mut header, &name, &mut reader)
                .map_err(io_error(&path))?;
            if reader.bytes != meta.len() {
                return Err(BackupError::Io {
                    path: path.display().to_string(),
                    detail: "it shrank while it was copied; take the backup again".into(),
                });
            }
            files.push(Entry {
                path: rel.to_string_lossy().into_owned(),
                mode: mode_of(&meta),
                bytes: meta.len(),
                sha256: hex::encode(reader.hash.finalize()),
            });
        }
        let snapshot = File::open(&snapshot_path).map_err(io_error(&snapshot_path))?;
        let mut header = tar_header(store_bytes, 0o600);
        tar.append_data(&mut header, SNAPSHOT_ENTRY, BufReader::new(snapshot))
            .map_err(io_error(&snapshot_path))?;
        let manifest = Manifest {
            format: FORMAT,
            program: source.program.to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            made_at: now,
            device_key: key_id(source.device),
            authority: source.authority.clone(),
            store_format: done.format,
            store_position: done.last_seq,
            files,
            store: Entry {
                path: SNAPSHOT_ENTRY.into(),
                mode: 0o600,
                bytes: store_bytes,
                sha256: store_sha,
            },
        };
        let text = serde_json::to_vec_pretty(&manifest).map_err(|e| BackupError::Io {
            path: "the manifest".into(),
            detail: e.to_string(),
        })?;
        let signature = source.device.sign(&signed_message(&text));
        for (name, bytes) in [
            ("manifest.json", text.clone()),
            (
                "manifest.sig",
                hex::encode(signature.to_bytes()).into_bytes(),
            ),
        ] {
            let mut header = tar_header(bytes.len() as u64, 0o600);
            tar.append_data(&mut header, name, bytes.as_slice())
                .map_err(out_err)?;
        }
        let compressed = tar.into_inner().map_err(out_err)?;
        let encrypted = compressed.finish().map_err(out_err)?;
        encrypted.finish().map_err(out_err)?;
        Ok(manifest)
    })();
    let _ = std::fs::remove_file(&snapshot_path);
    result
}

pub(crate) fn signed_message(manifest: &[u8]) -> Vec<u8> {
    let mut message = SIGNATURE_CONTEXT.to_vec();
    message.extend_from_slice(&Sha256::digest(manifest));
    message
}

pub(crate) fn private_file(path: &Path) -> Result<File, BackupError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(io_error(path))
}

mod restore;
pub use restore::Restoring;

#[cfg(test)]
mod tests;
