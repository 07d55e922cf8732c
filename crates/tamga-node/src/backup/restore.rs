//! A backup restored: decrypted, unpacked into `<target>/.restoring`, checked against its
//! signed manifest, then the store restored and every entry moved into place.

use super::{
    damaged, io_error, private_file, signed_message, BackupError, Hashing, Manifest, FORMAT,
    MAX_FILES, MAX_FILE_BYTES, MAX_MANIFEST_BYTES, SNAPSHOT_ENTRY, STAGING,
};
use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use tamga_store::{Restored, Store};

/// A backup unpacked and checked in `<target>/.restoring`, not yet in place.
/// Dropped without [`Restoring::commit`], it removes what it unpacked.
pub struct Restoring {
    target: PathBuf,
    staging: PathBuf,
    /// Entries are being moved into place: from here a failure leaves things for the operator
    /// to see.
    moving: bool,
    /// The checked manifest.
    pub manifest: Manifest,
}

impl Drop for Restoring {
    fn drop(&mut self) {
        if !self.moving {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

impl Restoring {
    /// Decrypts the backup `file` with `identities` and unpacks it into `target`'s staging
    /// directory, checking that it is a backup of `program`, its signature by the device key
    /// it names, and every entry's size and digest. `target` must be absent, empty, or hold
    /// only what a restore cut short left.
    pub fn open(
        file: &Path,
        identities: &[Box<dyn age::Identity>],
        target: &Path,
        program: &str,
    ) -> Result<Restoring, BackupError> {
        let staging = target.join(STAGING);
        if target.exists() {
            let others: Vec<String> = std::fs::read_dir(target)
                .map_err(io_error(target))?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != STAGING)
                .collect();
            if !others.is_empty() {
                return Err(BackupError::TargetNotEmpty(target.display().to_string()));
            }
            if staging.exists() {
                std::fs::remove_dir_all(&staging).map_err(io_error(&staging))?;
            }
        }
        crate::files::create_private_dir(&staging).map_err(io_error(&staging))?;
        let opened = unpack(file, identities, &staging, program);
        match opened {
            Ok(manifest) => Ok(Restoring {
                target: target.to_owned(),
                staging,
                moving: false,
                manifest,
            }),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staging);
                Err(e)
            }
        }
    }

    /// A file of the backup (a path of the data directory), as unpacked.
    pub fn staged(&self, path: &str) -> Option<PathBuf> {
        self.manifest
            .files
            .iter()
            .any(|e| e.path == path)
            .then(|| self.staging.join("files").join(path))
    }

    /// Restores the store into `store_dir` (relative to the target) and moves every file into
    /// place but those in `leave_out`. Returns what the store's restore did.
    pub fn commit(mut self, store_dir: &str, leave_out: &[&str]) -> Result<Restored, BackupError> {
        let files = self.staging.join("files");
        let snapshot = self.staging.join(SNAPSHOT_ENTRY);
        let store_staged = files.join(store_dir);
        let restored = {
            let input = File::open(&snapshot).map_err(io_error(&snapshot))?;
            Store::restore(
                &store_staged,
                &self.manifest.authority,
                &mut BufReader::new(input),
            )?
        };
        std::fs::remove_file(&snapshot).map_err(io_error(&snapshot))?;
        for left in leave_out {
            let path = files.join(left);
            if path.exists() {
                std::fs::remove_file(&path).map_err(io_error(&path))?;
            }
        }
        #[cfg(unix)]
        for entry in &self.manifest.files {
            use std::os::unix::fs::PermissionsExt;
            let path = files.join(&entry.path);
            if path.exists() {
                let mode = std::fs::Permissions::from_mode(entry.mode & 0o777);
                std::fs::set_permissions(&path, mode).map_err(io_error(&path))?;
            }
        }
        // Each top-level entry renamed into place; the staging directory goes last, so a crash
        // before leaves a restore the next attempt starts again, after, a whole directory.
        let mut tops: Vec<_> = std::fs::read_dir(&files)
            .map_err(io_error(&files))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        tops.sort();
        self.moving = true;
        for name in tops {
            let from = files.join(&name);
            let to = self.target.join(&name);
            std::fs::rename(&from, &to).map_err(io_error(&to))?;
        }
        crate::files::sync_parent(&self.target.join("x")).map_err(io_error(&self.target))?;
        std::fs::remove_dir_all(&self.staging).map_err(io_error(&self.staging))?;
        crate::files::sync_parent(&self.target.join("x")).map_err(io_error(&self.target))?;
        Ok(restored)
    }
}

/// A relative path of the backup that stays below its root.
fn safe_relative(path: &Path) -> bool {
    !path.as_os_str().is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)))
}

fn unpack(
    file: &Path,
    identities: &[Box<dyn age::Identity>],
    staging: &Path,
    program: &str,
) -> Result<Manifest, BackupError> {
    let input = File::open(file).map_err(io_error(file))?;
    let mut head = [0u8; 22];
    let mut peek = BufReader::new(input);
    {
        let buffered = io::BufRead::fill_buf(&mut peek).map_err(io_error(file))?;
        let n = buffered.len().min(head.len());
        head[..n].copy_from_slice(&buffered[..n]);
    }
    if head != crate::sealed::AGE_MAGIC {
        return Err(damaged(format!(
            "{} is not a tamga backup (it is not age-encrypted)",
            file.display()
        )));
    }
    let decryptor = age::Decryptor::new_buffered(peek)
        .map_err(|e| damaged(format!("the backup's encryption header is damaged: {e}")))?;
    let reader = match decryptor.decrypt(identities.iter().map(|i| i.as_ref())) {
        Ok(reader) => reader,
        Err(age::DecryptError::NoMatchingKeys) => return Err(BackupError::NotForThisIdentity),
        Err(e) => return Err(damaged(format!("the backup could not be decrypted: {e}"))),
    };
    let decompressed = zstd::Decoder::new(reader)
        .map_err(|e| damaged(format!("the backup could not be decompressed: {e}")))?;
    let mut archive = tar::Archive::new(decompressed);
    let mut staged: Vec<(String, u64, String)> = Vec::new();
    let mut manifest_text = None;
    let mut signature_text = None;
    let broken =
        |e: io::Error| damaged(format!("the backup is damaged, altered or cut short ({e})"));
    for entry in archive.entries().map_err(broken)? {
        let mut entry = entry.map_err(broken)?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err(damaged("the backup holds something other than files"));
        }
        let name = entry.path().map_err(broken)?.into_owned();
        let size = entry.header().size().map_err(broken)?;
        if staged.len() > MAX_FILES {
            return Err(damaged(format!("the backup holds over {MAX_FILES} files")));
        }
        let text = name.to_string_lossy().into_owned();
        match text.as_str() {
            "manifest.json" | "manifest.sig" => {
                if size > MAX_MANIFEST_BYTES {
                    return Err(damaged("the backup's manifest is too large"));
                }
                let mut bytes = Vec::new();
                (&mut entry)
                    .take(MAX_MANIFEST_BYTES)
                    .read_to_end(&mut bytes)
                    .map_err(broken)?;
                if text == "manifest.json" {
                    manifest_text = Some(bytes);
                } else {
                    signature_text = Some(bytes);
                }
                continue;
            }
            _ => {}
        }
        let inside = if text == SNAPSHOT_ENTRY {
            PathBuf::from(SNAPSHOT_ENTRY)
        } else {
            match name.strip_prefix("files") {
                Ok(rel) if safe_relative(rel) && size <= MAX_FILE_BYTES => {
                    Path::new("files").join(rel)
                }
                _ => {
                    return Err(damaged(format!(
                        "the backup holds an entry it may not: {text:?}"
                    )))
                }
            }
        };
        if staged.iter().any(|(p, _, _)| *p == text) {
            return Err(damaged(format!("the backup holds {text:?} twice")));
        }
        let to = staging.join(&inside);
        if let Some(parent) = to.parent() {
            crate::files::create_private_dir(parent).map_err(io_error(parent))?;
        }
        let mut out = Hashing {
            inner: io::BufWriter::new(private_file(&to)?),
            hash: Sha256::new(),
            bytes: 0,
        };
        io::copy(&mut (&mut entry).take(size), &mut out).map_err(broken)?;
        out.flush().map_err(io_error(&to))?;
        out.inner
            .into_inner()
            .map_err(|e| io_error(&to)(e.into_error()))?
            .sync_all()
            .map_err(io_error(&to))?;
        staged.push((text, out.bytes, hex::encode(out.hash.finalize())));
    }
    let manifest_text = manifest_text.ok_or_else(|| {
        damaged("the backup has no manifest: it is cut short or not a tamga backup")
    })?;
    let signature_text =
        signature_text.ok_or_else(|| damaged("the backup's manifest is not signed"))?;
    let manifest: Manifest = serde_json::from_slice(&manifest_text)
        .map_err(|e| damaged(format!("the backup's manifest does not read: {e}")))?;
    if manifest.format != FORMAT {
        return Err(damaged(format!(
            "the backup's format is {}; this build reads format {FORMAT}",
            manifest.format
        )));
    }
    if manifest.program != program {
        return Err(damaged(format!(
            "it is a backup of {}, not of {program}: restore it with {}",
            manifest.program, manifest.program
        )));
    }
    let signature = std::str::from_utf8(&signature_text)
        .ok()
        .and_then(|t| hex::decode(t.trim()).ok())
        .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
        .map(|b| Signature::from_bytes(&b))
        .ok_or_else(|| damaged("the backup's signature does not read"))?;
    let mut raw = [0u8; 32];
    hex::decode_to_slice(manifest.device_key.as_str(), &mut raw)
        .map_err(|_| damaged("the backup names no device key"))?;
    let device = VerifyingKey::from_bytes(&raw)
        .map_err(|_| damaged("the backup's device key is not an ed25519 key"))?;
    device
        .verify_strict(&signed_message(&manifest_text), &signature)
        .map_err(|_| {
            damaged(
                "the backup's manifest is not signed by the device key it names: it was altered",
            )
        })?;
    let mut expected: Vec<(String, u64, String)> = manifest
        .files
        .iter()
        .map(|e| (format!("files/{}", e.path), e.bytes, e.sha256.clone()))
        .collect();
    expected.push((
        SNAPSHOT_ENTRY.into(),
        manifest.store.bytes,
        manifest.store.sha256.clone(),
    ));
    expected.sort();
    staged.sort();
    if expected != staged {
        let missing = expected.iter().find(|e| !staged.contains(e));
        let extra = staged.iter().find(|e| !expected.contains(e));
        return Err(damaged(format!(
            "the backup's files do not match its signed manifest ({}): it was altered",
            match (missing, extra) {
                (Some(m), _) => format!("{} differs or is missing", m.0),
                (None, Some(x)) => format!("{} is not in the manifest", x.0),
                (None, None) => "a difference".into(),
            }
        )));
    }
    Ok(manifest)
}
