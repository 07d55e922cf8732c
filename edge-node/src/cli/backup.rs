//! `backup-key`, `backup` and `restore`: the node's backups (see [`tamga_edge::backup`]).

use std::path::{Path, PathBuf};
use tamga_edge::client::Client;

/// `backup-key`'s options.
#[derive(clap::Args)]
pub struct KeyArgs {
    /// Where to write the identity.
    #[arg(long)]
    pub out: PathBuf,
}

/// `backup`'s options.
#[derive(clap::Args)]
pub struct BackupArgs {
    /// Where to write the backup.
    #[arg(long)]
    pub out: PathBuf,
    /// A recipient (age1… from `backup-key` or age-keygen, or an ssh-ed25519 public key);
    /// repeat for several. Only their identities open the backup.
    #[arg(long = "to", required = true)]
    pub to: Vec<String>,
}

/// `restore`'s options.
#[derive(clap::Args)]
pub struct RestoreArgs {
    /// The backup file.
    #[arg(long)]
    pub from: PathBuf,
    /// The identity file that opens it (from `backup-key`, age-keygen, or an ssh-ed25519
    /// private key).
    #[arg(long)]
    pub identity: PathBuf,
    /// Leave the backup's device key out and make a new one: for a device that was lost or
    /// stolen, whose key central revokes. The new key must be enrolled before the node syncs.
    #[arg(long)]
    pub new_device_key: bool,
}

/// `backup-key --out FILE`.
pub fn key(out: &Path) -> Result<(), String> {
    let recipient = tamga_node::backup::make_identity_file(out).map_err(|e| e.to_string())?;
    println!("backup identity written to {} (mode 0600): keep it off this machine, in a safe place; whoever holds it can open the backups", out.display());
    println!("recipient: {recipient}");
    println!("back up with: tamga-edge backup --out FILE --to {recipient}");
    Ok(())
}

/// `backup --out FILE --to RECIPIENT...`.
pub fn backup(dir: &Path, out: &Path, to: &[String]) -> Result<(), String> {
    // Refused at once, before a snapshot is taken.
    tamga_node::backup::recipients(to).map_err(|e| e.to_string())?;
    let client = Client::open(dir)?;
    let summary = client.backup(dir, to, out)?;
    let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    println!(
        "backup written to {} ({size} bytes): {} files and the store ({} bytes, feed position {}), made at {}, signed by device key {}",
        out.display(),
        summary.files,
        summary.store_bytes,
        summary.store_position,
        summary.made_at,
        summary.device_key.fingerprint()
    );
    println!("it holds the device key and the officers' key files (under their PINs): keep it as you keep the node");
    Ok(())
}

/// `restore --from FILE --identity FILE [--new-device-key]`.
pub fn restore(
    dir: &Path,
    from: &Path,
    identity: &Path,
    new_device_key: bool,
) -> Result<(), String> {
    let done = tamga_edge::backup::restore(from, identity, dir, new_device_key)?;
    let s = &done.summary;
    println!(
        "restored into {}: the backup made at {} by device key {} ({} files; the store at feed position {}, going on from {})",
        dir.display(),
        s.made_at,
        s.device_key.fingerprint(),
        s.files,
        done.store.snapshot_seq,
        done.store.resumed_at
    );
    if done.new_device_key {
        println!("new device key: {}", done.device_key);
        println!("have central enroll it for this node's unit (and revoke the old one, {}), then start the node: it syncs once the key is enrolled", s.device_key);
    } else {
        println!("device key: {} (the backup's): use this only if the old device is not lost; if it is, revoke that key and restore again with --new-device-key", done.device_key);
    }
    println!("what was recorded after the backup comes back from the peers that hold it at the next sync");
    Ok(())
}
