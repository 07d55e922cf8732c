//! A post's week of signed acts as a file, for `scripts/slow-link.sh` (a real post node and a
//! real central over a real slow link), and the floor of that week read back from the post's
//! store.
//!
//! * `week_acts acts --consignments N [--acts-per K] --out FILE --keys FILE` writes the week of
//!   `bench/src/bin/slow_link.rs` (the `n`th consignment's life from
//!   [`tamga_bench::sync_pair::escorted_consignment`]: 40 acts, or its first `K`) as canonical
//!   signed acts, one per line, for `tamga-edge record FILE`. The acts are signed by the fixture
//!   story's people (`tamga_core::fixtures::Story`: keys from public seed phrases, never for
//!   real custody); the file `--keys` lists them, one a line, tab-separated, as
//!   `key role unit name personal-number` (personal number `-` for a device), for
//!   `tamga-central enroll`. The acts are dated from 2026-11-23T06:00:00Z (the story's start),
//!   so the enrollments must be valid from before then (`--valid-from`).
//! * `week_acts floor --store DIR --authority KEY` opens a node's store (not while the node
//!   serves: the store is locked) and prints, as one JSON line, the floor of the week: every
//!   automerge change of its consignment documents, concatenated and zstd-compressed (level 3)
//!   as one stream, as `slow_link` computes its lower bound. The registry document's changes are
//!   reported apart; they are not in the floor.
//!
//! Run: `cargo run --release -p tamga-bench --bin week_acts -- acts --consignments 300 --out
//! week.acts --keys week.keys`.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use tamga_bench::sync_pair::{escorted_consignment, ACTS_PER_ESCORT};
use tamga_core::fixtures::{Person, Story};
use tamga_core::KeyId;
use tamga_store::{DocId, Store};

const USAGE: &str = "usage: week_acts acts --consignments N [--acts-per K] --out FILE --keys FILE\n       week_acts floor --store DIR --authority KEY";

/// The value after `--name` in `args`.
fn option(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn required(args: &[String], name: &str) -> Result<String, String> {
    option(args, name).ok_or_else(|| format!("{name} is required\n{USAGE}"))
}

fn number(args: &[String], name: &str, default: Option<u64>) -> Result<u64, String> {
    match option(args, name) {
        Some(v) => v
            .parse()
            .map_err(|_| format!("{name}: {v:?} is not a number")),
        None => default.ok_or_else(|| format!("{name} is required\n{USAGE}")),
    }
}

/// One line of the keys file.
fn key_line(p: &Person) -> String {
    let number = if p.personal_number.is_empty() {
        "-"
    } else {
        p.personal_number
    };
    format!(
        "{}\t{}\t{}\t{}\t{}\n",
        p.id,
        p.role.as_str(),
        p.unit,
        p.name,
        number
    )
}

fn acts(args: &[String]) -> Result<(), String> {
    let consignments = number(args, "--consignments", None)?;
    let per = number(args, "--acts-per", Some(ACTS_PER_ESCORT as u64))? as usize;
    if per == 0 || per > ACTS_PER_ESCORT {
        return Err(format!("--acts-per must be 1 to {ACTS_PER_ESCORT}"));
    }
    let out = PathBuf::from(required(args, "--out")?);
    let keys = PathBuf::from(required(args, "--keys")?);
    let story = Story::new();
    let file = std::fs::File::create(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut w = BufWriter::new(file);
    let mut written = 0usize;
    let mut bytes = 0usize;
    for n in 0..consignments {
        for act in escorted_consignment(&story, n).into_iter().take(per) {
            let line = act.encoded();
            bytes += line.len();
            w.write_all(line)
                .and_then(|_| w.write_all(b"\n"))
                .map_err(|e| format!("{}: {e}", out.display()))?;
            written += 1;
        }
    }
    w.flush().map_err(|e| format!("{}: {e}", out.display()))?;
    // Everyone who signs the week's acts (central staff signs none of them).
    let signers = [
        &story.airport_officer,
        &story.escort_lead,
        &story.escort_second,
        &story.department_officer,
        &story.vehicle_device,
    ];
    let text: String = signers.iter().map(|p| key_line(p)).collect();
    std::fs::write(&keys, text).map_err(|e| format!("{}: {e}", keys.display()))?;
    println!(
        "{}",
        serde_json::json!({
            "consignments": consignments,
            "acts_per_consignment": per,
            "acts": written,
            "act_bytes": bytes,
            "first_act_at": story.t(0).to_string(),
            "out": out.display().to_string(),
            "keys": keys.display().to_string(),
        })
    );
    Ok(())
}

fn floor(args: &[String]) -> Result<(), String> {
    let dir = PathBuf::from(required(args, "--store")?);
    let authority =
        KeyId::new(required(args, "--authority")?).map_err(|e| format!("--authority: {e}"))?;
    let store = Store::open(&dir, &authority).map_err(|e| format!("{}: {e}", dir.display()))?;
    let docs = store
        .changed_since(0)
        .map_err(|e| format!("the change feed: {e}"))?;
    let mut changes = Vec::new();
    let mut registry = 0usize;
    let mut documents = 0usize;
    for (_, doc) in &docs {
        let bytes = store
            .changes_since(doc, &[])
            .map_err(|e| format!("{doc:?}: {e}"))?;
        match doc {
            DocId::Consignment(_) => {
                documents += 1;
                changes.extend(bytes);
            }
            _ => registry += bytes.len(),
        }
    }
    let compressed = zstd::bulk::compress(&changes, 3).map_err(|e| format!("zstd: {e}"))?;
    println!(
        "{}",
        serde_json::json!({
            "documents": documents,
            "changes_bytes": changes.len(),
            "floor_bytes": compressed.len(),
            "floor_seconds_at_64kbit": compressed.len() as f64 * 8.0 / 64_000.0,
            "other_documents_changes_bytes": registry,
        })
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("acts") => acts(&args[1..]),
        Some("floor") => floor(&args[1..]),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("week_acts: {e}");
            ExitCode::from(2)
        }
    }
}
