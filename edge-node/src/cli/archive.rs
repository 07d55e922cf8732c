//! `tamga-edge archive`: the post's archive ([`tamga_edge::archive`]): a pass now, the
//! archived consignments listed or searched, one shown as `show` shows a live one, its signed
//! acts exported as an acts file.

use super::grammar::ArchiveCommand;
use super::print;
use std::path::Path;
use tamga_core::ConsignmentId;
use tamga_edge::answers::{ArchiveListing, ArchivedRow};
use tamga_edge::client::Client;

fn consignment(text: String) -> Result<ConsignmentId, String> {
    ConsignmentId::new(text).map_err(|e| e.to_string())
}

/// Runs an `archive` subcommand.
pub fn run(dir: &Path, cmd: ArchiveCommand) -> Result<(), String> {
    match cmd {
        ArchiveCommand::Run { days, json } => {
            let pass = Client::open(dir)?.archive_run(days)?;
            if json {
                print::json(&pass);
            } else {
                println!(
                    "archived {} consignments{}{}",
                    pass.archived,
                    if pass.files.is_empty() {
                        String::new()
                    } else {
                        format!(" into {}", pass.files.join(", "))
                    },
                    if pass.already > 0 {
                        format!("; {} archived before, forgotten now", pass.already)
                    } else {
                        String::new()
                    }
                );
                if pass.changed > 0 {
                    println!(
                        "{} changed while being archived: kept live, archived by a later pass",
                        pass.changed
                    );
                }
            }
            Ok(())
        }
        ArchiveCommand::List { json } => listing(
            &Client::open(dir)?.archive_search("")?,
            json,
            &super::local_time(dir),
        ),
        ArchiveCommand::Search { text, json } => listing(
            &Client::open(dir)?.archive_search(&text)?,
            json,
            &super::local_time(dir),
        ),
        ArchiveCommand::Show {
            consignment: id,
            json,
        } => {
            let shown = Client::open(dir)?.archived(&consignment(id)?)?;
            if json {
                print::json(&shown);
            } else {
                let a = &shown.archived;
                println!(
                    "ARCHIVED in {} on {} ({} acts)",
                    a.file,
                    super::local_time(dir).for_people(a.archived_at),
                    a.acts
                );
                print::consignment(&shown.view, &super::local_time(dir));
            }
            Ok(())
        }
        ArchiveCommand::Export {
            consignment: id,
            out,
        } => {
            let id = consignment(id)?;
            let text = Client::open(dir)?.archived_acts(&id)?;
            let lines = text.lines().count();
            tamga_node::files::write_new_private(&out, text.as_bytes())
                .map_err(|e| format!("{}: {e}", out.display()))?;
            println!(
                "{lines} signed acts of {id} written to {}: `tamga-edge record` takes them in, checking every signature",
                out.display()
            );
            Ok(())
        }
        ArchiveCommand::Reclaim => reclaim(dir),
    }
}

/// Rewrites the stopped node's store (`tamga_store::Store::rewrite`).
fn reclaim(dir: &Path) -> Result<(), String> {
    let config = tamga_edge::config::Config::load(dir).map_err(|e| e.to_string())?;
    let done = tamga_store::Store::rewrite(dir.join("store"), &config.authority).map_err(|e| {
        match e {
            tamga_store::StoreError::Locked { .. } => format!(
                "{e}\nthe store is rewritten only while the node is stopped: stop `tamga-edge serve`, run `tamga-edge archive reclaim`, start it again"
            ),
            other => other.to_string(),
        }
    })?;
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "store rewritten: {:.1} MiB before, {:.1} MiB now",
        mib(done.bytes_before),
        mib(done.bytes_after)
    );
    Ok(())
}

fn row(r: &ArchivedRow, zone: &tamga_node::local_time::LocalTime) -> String {
    format!(
        "{}  delivered {}  {}  [{}]",
        r.consignment,
        r.delivered_at
            .map(|t| zone.for_people(t))
            .unwrap_or_else(|| "-".into()),
        r.goods.join("; "),
        r.file
    )
}

/// Prints a listing; a refused file is an error after the rows, so a damaged archive is never
/// passed over in silence.
fn listing(
    listing: &ArchiveListing,
    json: bool,
    zone: &tamga_node::local_time::LocalTime,
) -> Result<(), String> {
    if json {
        print::json(listing);
    } else {
        for r in &listing.rows {
            println!("{}", row(r, zone));
        }
        println!("{} archived consignments", listing.rows.len());
    }
    if listing.refused.is_empty() {
        Ok(())
    } else {
        Err(listing.refused.join("\n"))
    }
}
