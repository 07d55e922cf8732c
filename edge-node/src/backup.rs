//! The node's backups: what of its data directory goes in ([`tamga_node::backup`] packs,
//! encrypts and signs it), and a node restored from one on a fresh machine, with its own device
//! key or a new one.
//!
//! While `serve` runs, the CLI asks it for the backup over the local API (`POST /api/backup`);
//! the request must carry the token the running node wrote in its data directory
//! ([`ADMIN_TOKEN_FILE`], readable only by the node's user), since a backup holds the device
//! key: being on the machine is not enough.

use crate::config::Config;
use crate::node::{Node, NodeError, DEVICE_KEY_FILE};
use serde::{Deserialize, Serialize};
use std::path::Path;
use tamga_core::signing::key_id;
use tamga_core::{KeyId, Timestamp};
use tamga_node::backup::{self, BackupError, Manifest, Restoring, Source, Summary};

/// The program a backup of this node names.
pub const PROGRAM: &str = "tamga-edge";
/// The file where a running node keeps the token its backup endpoint asks for (hidden: never
/// in a backup; mode 0600; a fresh one at every start).
pub const ADMIN_TOKEN_FILE: &str = ".admin-token";
/// The header carrying it.
pub const TOKEN_HEADER: &str = "x-tamga-admin-token";
/// `POST /api/backup`'s form.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BackupForm {
    /// The recipients (age `age1…` or `ssh-ed25519` public keys): only their identities open it.
    pub to: Vec<String>,
}

/// Writes a backup of `node` (its data directory and a snapshot of its store) to `out`.
pub fn write(
    node: &Node,
    to: &[String],
    now: Timestamp,
    out: &mut dyn std::io::Write,
) -> Result<Manifest, BackupError> {
    let source = Source {
        program: PROGRAM,
        data_dir: &node.dir,
        store_dir: "store",
        leave_out: &[],
        store: &node.store,
        device: &node.device,
        authority: &node.config.authority,
    };
    backup::write(&source, to, now, out)
}

/// What a restore made.
#[derive(Clone, Debug)]
pub struct Restored {
    /// The backup's summary.
    pub summary: Summary,
    /// The restored node's device key.
    pub device_key: KeyId,
    /// Whether it is a new key (to be enrolled by central before the node syncs).
    pub new_device_key: bool,
    /// The store: where the feed resumes.
    pub store: tamga_store::Restored,
}

/// Restores the backup `file` into `target` (absent or empty), opening it with the identities
/// in `identity`. With `new_device_key`, the backup's device key is left out and a fresh one
/// made: for a replacement of a lost or stolen device, whose key is revoked.
pub fn restore(
    file: &Path,
    identity: &Path,
    target: &Path,
    new_device_key: bool,
) -> Result<Restored, String> {
    let identities = backup::identities(identity).map_err(|e| e.to_string())?;
    let restoring =
        Restoring::open(file, &identities, target, PROGRAM).map_err(|e| e.to_string())?;
    let manifest = restoring.manifest.clone();
    // The configuration and the key are checked before anything is moved into place.
    let config_path = restoring.staged(crate::config::FILE_NAME).ok_or_else(|| {
        format!(
            "the backup holds no {}: it is not a node's data directory",
            crate::config::FILE_NAME
        )
    })?;
    let config = Config::load(config_path.parent().unwrap_or(Path::new(".")))
        .map_err(|e| format!("the backup's configuration does not load: {e}"))?;
    if config.authority != manifest.authority {
        return Err(format!(
            "the backup's configuration pins customs authority {}, its manifest {}: it was altered; nothing was restored",
            config.authority, manifest.authority
        ));
    }
    if !new_device_key {
        let staged = restoring
            .staged(DEVICE_KEY_FILE)
            .ok_or("the backup holds no device key: restore with --new-device-key")?;
        let key = Node::read_device_key(staged.parent().unwrap_or(Path::new(".")))
            .map_err(|e| e.to_string())?;
        if key_id(&key) != manifest.device_key {
            return Err("the backup's device key is not the one that signed it: it was altered; nothing was restored".into());
        }
    }
    let leave_out: &[&str] = if new_device_key {
        &[DEVICE_KEY_FILE]
    } else {
        &[]
    };
    let store = restoring
        .commit("store", leave_out)
        .map_err(|e| e.to_string())?;
    let device_key = if new_device_key {
        Node::new_device_key(target).map_err(|e: NodeError| e.to_string())?
    } else {
        manifest.device_key.clone()
    };
    // The restored node opens as a node.
    drop(Node::open(target).map_err(|e| format!("the restored node does not open: {e}"))?);
    Ok(Restored {
        summary: Summary::of(&manifest),
        device_key,
        new_device_key,
        store,
    })
}

/// Makes the running node's admin token in `dir` (a fresh one each start) and returns it.
pub fn make_admin_token(dir: &Path) -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    let token = hex::encode(bytes);
    tamga_node::files::write_atomic_private(&dir.join(ADMIN_TOKEN_FILE), token.as_bytes())
        .map_err(|e| format!("{}: {e}", dir.join(ADMIN_TOKEN_FILE).display()))?;
    Ok(token)
}

/// The running node's admin token, read from `dir` (by the node's user only).
pub fn read_admin_token(dir: &Path) -> Result<String, String> {
    let path = dir.join(ADMIN_TOKEN_FILE);
    tamga_node::files::read_private_text(&path, 1024)
        .map(|t| t.trim().to_owned())
        .map_err(|e| {
            format!(
                "{}: {e}; run the command as the node's user (e.g. sudo -u tamga), on the node's machine",
                path.display()
            )
        })
}
