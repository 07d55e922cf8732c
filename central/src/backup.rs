//! Central's backups: its data directory (keys, configuration, staff accounts, audit trail) and
//! a snapshot of its store ([`tamga_node::backup`] packs, encrypts and signs them), taken by
//! the running server for the CLI (`POST /api/admin/backup`, with the token of `serve.json`) or
//! by the CLI itself when central is stopped; and central restored from one.
//!
//! On a shared PostgreSQL database the store is a replica and the database is backed up with
//! PostgreSQL's own tools; this backup then carries the keys and files every process needs.
//! On sled, a restore brings back the transparency log as it was at the backup: nodes that hold
//! a later head of it raise the log alarm, so central on sled is backed up often.

use crate::admin::SERVE_FILE;
use crate::central::{Central, DEVICE_KEY_FILE, STORE_DIR};
use std::path::Path;
use tamga_core::signing::key_id;
use tamga_core::Timestamp;
use tamga_node::backup::{self, BackupError, Manifest, Restoring, Source, Summary};

/// The program a backup of central names.
pub const PROGRAM: &str = "tamga-central";

/// `POST /api/admin/backup`'s body.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupBody {
    /// The recipients (age `age1…` or `ssh-ed25519` public keys): only their identities open it.
    pub to: Vec<String>,
}

/// Writes a backup of `central` to `out`.
pub fn write(
    central: &Central,
    to: &[String],
    now: Timestamp,
    out: &mut dyn std::io::Write,
) -> Result<Manifest, BackupError> {
    let source = Source {
        program: PROGRAM,
        data_dir: &central.dir,
        store_dir: STORE_DIR,
        // What only the running server means: its address and token for the CLI.
        leave_out: &[SERVE_FILE],
        store: &central.store,
        device: &central.device,
        authority: central.root(),
    };
    backup::write(&source, to, now, out)
}

/// Restores the backup `file` into `target` (absent or empty) with the identities in
/// `identity`; returns its summary and what the store's restore did.
pub fn restore(
    file: &Path,
    identity: &Path,
    target: &Path,
) -> Result<(Summary, tamga_store::Restored), String> {
    let identities = backup::identities(identity).map_err(|e| e.to_string())?;
    let restoring =
        Restoring::open(file, &identities, target, PROGRAM).map_err(|e| e.to_string())?;
    let manifest = restoring.manifest.clone();
    let key = restoring
        .staged(DEVICE_KEY_FILE)
        .ok_or("the backup holds no device key: it is not central's data directory")?;
    let device = Central::read_device_key(key.parent().unwrap_or(Path::new("."))).map_err(|e| {
        format!("the backup's device key does not read ({e}); nothing was restored")
    })?;
    if key_id(&device) != manifest.device_key {
        return Err("the backup's device key is not the one that signed it: it was altered; nothing was restored".into());
    }
    let store = restoring
        .commit(STORE_DIR, &[])
        .map_err(|e| e.to_string())?;
    let central =
        Central::open(target).map_err(|e| format!("the restored central does not open: {e}"))?;
    if central.root() != &manifest.authority {
        return Err(format!(
            "the restored configuration names root key {}, the backup's manifest {}: it was altered",
            central.root(),
            manifest.authority
        ));
    }
    Ok((Summary::of(&manifest), store))
}
