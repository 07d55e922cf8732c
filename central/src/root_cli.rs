//! `tamga-central root ...`: the customs authority's root key on its offline machine, and the
//! root key file `init` opens once.

use crate::to_json;
use clap::Subcommand;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tamga_central::authority::parse_time;
use tamga_core::Timestamp;

#[derive(Subcommand)]
pub enum RootCommand {
    /// Make a new root key file under a passphrase; prints its public key.
    Init {
        /// Where to write it (never over an existing file).
        #[arg(long)]
        root_key: PathBuf,
    },
    /// Enroll a registrar key (central's `tamga-central authority --json` shows the current
    /// one; a new central's key is printed by its init).
    EnrollRegistrar {
        /// The root key file.
        #[arg(long)]
        root_key: PathBuf,
        /// The registrar's public key (64 hex digits).
        #[arg(long)]
        key: String,
        /// Who keeps it ("tamga-central HQ-RECON registrar 2027").
        #[arg(long)]
        name: String,
        /// Its unit, like HQ-RECON.
        #[arg(long)]
        unit: String,
        /// Valid from (default: now; never earlier than now).
        #[arg(long, value_parser = parse_time)]
        valid_from: Option<Timestamp>,
        /// Valid for this many days from --valid-from.
        #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=3650))]
        valid_days: u32,
        /// The act file to write (never over an existing file).
        #[arg(long)]
        out: PathBuf,
    },
    /// Revoke a registrar key (or, in an emergency, any key).
    Revoke {
        /// The root key file.
        #[arg(long)]
        root_key: PathBuf,
        /// The key to revoke (64 hex digits).
        #[arg(long)]
        key: String,
        /// Why ("registrar key copied from the server").
        #[arg(long)]
        reason: String,
        /// From when (default: now).
        #[arg(long, value_parser = parse_time)]
        effective_from: Option<Timestamp>,
        /// The act file to write (never over an existing file).
        #[arg(long)]
        out: PathBuf,
    },
}

/// The root key for `init`: opened, or made if the file is absent. Never inside the data
/// directory.
pub fn root_for_init(
    dir: &Path,
    root_key: &Path,
    answer: &mut String,
) -> Result<tamga_central::Authority, String> {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
    if absolute(root_key).starts_with(absolute(dir)) {
        return Err(format!(
            "{} is inside central's data directory: the root key is never kept with central; put it on a removable medium",
            root_key.display()
        ));
    }
    if root_key.exists() {
        return tamga_central::root::unlock(root_key);
    }
    let passphrase = tamga_central::root::passphrase(true)?;
    let root = tamga_central::root::create(root_key, &passphrase).map_err(|e| e.to_string())?;
    say!(
        answer,
        "new root key file written: {} (take it offline)",
        root_key.display()
    );
    Ok(root)
}

#[derive(Serialize)]
struct RootOut {
    authority_key: String,
    authority_fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    act_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    act: Option<String>,
}

pub fn root_command(command: RootCommand, json: bool) -> Result<String, String> {
    use tamga_central::root;
    let now = Timestamp::now();
    let (authority, act, out) = match command {
        RootCommand::Init { root_key } => {
            let passphrase = root::passphrase(true)?;
            (
                root::create(&root_key, &passphrase).map_err(|e| e.to_string())?,
                None,
                None,
            )
        }
        RootCommand::EnrollRegistrar {
            root_key,
            key,
            name,
            unit,
            valid_from,
            valid_days,
            out,
        } => {
            let authority = root::unlock(&root_key)?;
            let from = valid_from.unwrap_or(now);
            let until = from.plus_seconds(i64::from(valid_days) * 86_400);
            let act = root::enroll_registrar(&authority, &key, &name, &unit, from, until, now)
                .map_err(|e| e.to_string())?;
            (authority, Some(act), Some(out))
        }
        RootCommand::Revoke {
            root_key,
            key,
            reason,
            effective_from,
            out,
        } => {
            let authority = root::unlock(&root_key)?;
            let act = root::revoke(
                &authority,
                &key,
                &reason,
                effective_from.unwrap_or(now),
                now,
            )
            .map_err(|e| e.to_string())?;
            (authority, Some(act), Some(out))
        }
    };
    if let (Some(act), Some(out)) = (&act, &out) {
        root::write_act_file(out, std::slice::from_ref(act))?;
    }
    let shown = RootOut {
        authority_key: authority.id().to_string(),
        authority_fingerprint: authority.fingerprint(),
        act_file: out.as_ref().map(|p| p.display().to_string()),
        act: act.as_ref().map(|a| a.id().to_hex()),
    };
    if json {
        return Ok(to_json(&shown));
    }
    let mut answer = String::new();
    say!(answer, "customs authority key: {}", shown.authority_key);
    say!(answer, "fingerprint: {}", shown.authority_fingerprint);
    if let (Some(file), Some(act)) = (&shown.act_file, &shown.act) {
        say!(answer, "act {act} written to {file}");
        say!(
            answer,
            "Carry it to central and run: tamga-central import {file}"
        );
    }
    Ok(answer)
}
