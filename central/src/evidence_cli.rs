//! `tamga-central evidence CONSIGNMENT --out FILE`: a consignment's evidence package
//! (`docs/act-format.md` §14.6), made here or by the running server; and
//! `tamga-central rotate-log-key`, the log key replaced (`tamga_central::log::rotate`).

use serde::Serialize;
use std::path::Path;
use tamga_central::admin::Admin;
use tamga_core::transparency::evidence::Package;
use tamga_core::{ConsignmentId, Timestamp};

#[derive(Serialize)]
struct Written {
    file: String,
    consignment: String,
    acts: usize,
    registry_acts: usize,
    tree_size: u64,
}

pub fn evidence(dir: &Path, consignment: &str, out: &Path, json: bool) -> Result<String, String> {
    let id = ConsignmentId::new(consignment).map_err(|e| format!("consignment: {e}"))?;
    if out.exists() {
        return Err(format!(
            "{} exists and is never overwritten: give another --out",
            out.display()
        ));
    }
    let package: Package = match Admin::open(dir)? {
        Admin::Local(central) => {
            let now = Timestamp::now();
            let ledger = tamga_central::log::ledger(&central)?;
            let keeper = tamga_central::log::keeper(&central, now).map_err(|e| e.to_string())?;
            tamga_central::log::evidence(&central, &*ledger, &keeper, &id, now)
                .map_err(|e| e.to_string())?
        }
        Admin::Remote(info) => Admin::post(
            &info,
            "/api/admin/evidence",
            serde_json::to_vec(&serde_json::json!({ "consignment": id.as_str() }))
                .expect("JSON encodes"),
        )?,
    };
    let mut bytes = serde_json::to_vec_pretty(&package).expect("JSON encodes");
    bytes.push(b'\n');
    tamga_node::files::write_new_private(out, &bytes)
        .map_err(|e| format!("{}: {e}; nothing was written", out.display()))?;
    let head = tamga_core::transparency::SignedTreeHead::parse(&package.checkpoint)
        .map_err(|e| e.to_string())?;
    let written = Written {
        file: out.display().to_string(),
        consignment: id.to_string(),
        acts: package.acts.len(),
        registry_acts: package.registry.len(),
        tree_size: head.head.size,
    };
    if json {
        return Ok(serde_json::to_string_pretty(&written).expect("JSON encodes"));
    }
    Ok(format!(
        "evidence of {} written to {}: {} acts, {} registry acts, each with its receipt in central's log of {} leaves (tree head signed {}).\ncheck it offline: python3 scripts/check-evidence.py {} --authority {}",
        written.consignment,
        written.file,
        written.acts,
        written.registry_acts,
        written.tree_size,
        head.head.time,
        written.file,
        package.authority
    ))
}

pub fn rotate_log_key(dir: &Path, json: bool) -> Result<String, String> {
    let rotated: tamga_central::log::Rotated = match Admin::open(dir)? {
        Admin::Local(central) => {
            let now = Timestamp::now();
            let ledger = tamga_central::log::ledger(&central)?;
            let keeper = tamga_central::log::keeper(&central, now).map_err(|e| e.to_string())?;
            let rotated = tamga_central::log::rotate(&central, &*ledger, &keeper, now)
                .map_err(|e| e.to_string())?;
            tamga_central::audit::note_in(
                &central.dir,
                tamga_central::audit::cli_event("rotate_log_key", 0),
            );
            rotated
        }
        Admin::Remote(info) => Admin::post(&info, "/api/admin/log-key", b"{}".to_vec())?,
    };
    if json {
        return Ok(serde_json::to_string_pretty(&rotated).expect("JSON encodes"));
    }
    Ok(format!(
        "the transparency log is signed by {} from {}; {} is revoked from the next second (the heads it signed before stay valid).\nNodes learn the new key's enrollment at their next sync.\n",
        rotated.new, rotated.at, rotated.old
    ))
}
