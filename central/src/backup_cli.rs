//! `tamga-central backup-key`, `backup` and `restore` (see [`tamga_central::backup`]): made
//! here when central is stopped, or by the running server, which goes on serving.

use std::path::{Path, PathBuf};
use tamga_central::admin::{Admin, TOKEN_HEADER};
use tamga_core::Timestamp;
use tamga_node::backup::Summary;

/// `backup --out FILE --to RECIPIENT...`'s options.
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
}

/// `backup-key --out FILE`.
pub fn key(out: &Path) -> Result<String, String> {
    let recipient = tamga_node::backup::make_identity_file(out).map_err(|e| e.to_string())?;
    Ok(format!(
        "backup identity written to {} (mode 0600): keep it off this machine, in a safe place; whoever holds it can open the backups\nrecipient: {recipient}\nback up with: tamga-central backup --out FILE --to {recipient}\n",
        out.display()
    ))
}

/// `backup`.
pub fn backup(dir: &Path, args: &BackupArgs) -> Result<String, String> {
    tamga_node::backup::recipients(&args.to).map_err(|e| e.to_string())?;
    let admin = Admin::open(dir)?;
    let summary: Summary = tamga_node::backup::write_file(&args.out, |file| match &admin {
        Admin::Local(central) => {
            let mut writer = std::io::BufWriter::new(file);
            let manifest =
                tamga_central::backup::write(central, &args.to, Timestamp::now(), &mut writer)
                    .map_err(|e| e.to_string())?;
            std::io::Write::flush(&mut writer).map_err(|e| e.to_string())?;
            Ok(Summary::of(&manifest))
        }
        Admin::Remote(info) => {
            let body = serde_json::to_vec(&tamga_central::backup::BackupBody {
                to: args.to.clone(),
            })
            .map_err(|e| e.to_string())?;
            let url = format!("{}/api/admin/backup", info.url);
            tamga_node::backup::fetch(&url, TOKEN_HEADER, &info.token, body, file)
        }
    })?;
    let size = std::fs::metadata(&args.out).map(|m| m.len()).unwrap_or(0);
    Ok(format!(
        "backup written to {} ({size} bytes): {} files and the store ({} bytes, feed position {}), made at {}, signed by device key {}\nit holds central's keys (registrar, device, log): keep it as you keep central\n",
        args.out.display(),
        summary.files,
        summary.store_bytes,
        summary.store_position,
        summary.made_at,
        summary.device_key.fingerprint()
    ))
}

/// `restore` into the data directory `dir` (new or empty).
pub fn restore(dir: &Path, args: &RestoreArgs) -> Result<String, String> {
    let (summary, store) = tamga_central::backup::restore(&args.from, &args.identity, dir)?;
    Ok(format!(
        "restored into {}: the backup made at {} by device key {} ({} files; the store at feed position {}, going on from {})\nnodes that synced after the backup send central what it lacks at their next sync; on sled, a node holding a later head of central's transparency log raises the log alarm (see docs/operating.md, \"Backups\")\n",
        dir.display(),
        summary.made_at,
        summary.device_key.fingerprint(),
        summary.files,
        store.snapshot_seq,
        store.resumed_at
    ))
}
