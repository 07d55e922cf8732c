//! `tamga-edge`: the command line of the node at a post or in the escort vehicle.
//!
//! Exit codes: 0 done, 1 the operation failed (the message says why and what to do), 2 the
//! command line was wrong.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tamga_core::{ConsignmentId, KeyId, Timestamp};
use tamga_edge::config::{NodeRole, PeerConfig};
use tamga_edge::node::{InitOptions, Node};
use tamga_sync::scope::Scope;

#[derive(Parser)]
#[command(
    name = "tamga-edge",
    version,
    about = "The tamga node at a customs post or in an escort vehicle: signed custody records that work offline and sync with any peer."
)]
struct Cli {
    /// The node's data directory.
    #[arg(
        long,
        global = true,
        env = "TAMGA_EDGE_DIR",
        default_value = "tamga-node"
    )]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a node: a device key, the configuration, an empty store pinned to the authority.
    Init {
        /// `post` or `vehicle`.
        #[arg(long, value_parser = parse_role)]
        role: NodeRole,
        /// The post's or escort unit's code, like MANAS-AIRPORT.
        #[arg(long)]
        unit: String,
        /// The customs authority's public key (64 hex digits), as central gives it.
        #[arg(long)]
        authority: String,
        /// Where to listen for peers and the local API.
        #[arg(long, default_value = "127.0.0.1:7300")]
        listen: String,
        /// A unit whose nodes receive everything (central's); repeat for several.
        #[arg(long = "central-unit")]
        central_units: Vec<String>,
        /// An enrollment file from central (signed registry acts, one per line) to import.
        #[arg(long)]
        enrollment: Option<PathBuf>,
    },
    /// Run the node: sync endpoint, local API, background sync with the configured peers.
    Serve,
    /// Show the node's state.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Record signed acts from a file, one canonical act per line (an enrollment file, acts
    /// signed on another device).
    Record {
        /// The file.
        file: PathBuf,
    },
    /// Add a peer to sync with in the background.
    AddPeer {
        /// A name for it ("central", "airport post").
        #[arg(long)]
        name: String,
        /// Its URL, like http://10.0.0.5:7300.
        #[arg(long)]
        url: String,
        /// Its device key (64 hex digits).
        #[arg(long)]
        key: String,
    },
    /// Sync now with one configured peer (or all).
    Sync {
        /// The peer's name; all peers if absent.
        #[arg(long)]
        peer: Option<String>,
    },
    /// Write a bundle file for a peer (sync by USB stick).
    ExportBundle {
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
        /// The receiving node's device key: only what it may receive goes in, addressed to it.
        #[arg(long = "for")]
        for_key: Option<String>,
        /// Only what changed after this feed position (0: everything).
        #[arg(long, default_value_t = 0)]
        since: u64,
    },
    /// Import a bundle file.
    ImportBundle {
        /// The file.
        file: PathBuf,
    },
    /// Show a consignment: its state and discrepancies, assessed now.
    Show {
        /// The consignment id.
        consignment: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn parse_role(text: &str) -> Result<NodeRole, String> {
    match text {
        "post" => Ok(NodeRole::Post),
        "vehicle" => Ok(NodeRole::Vehicle),
        _ => Err("expected `post` or `vehicle`".into()),
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TAMGA_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let dir = cli.data_dir;
    match cli.command {
        Command::Init {
            role,
            unit,
            authority,
            listen,
            central_units,
            enrollment,
        } => {
            let authority_key = KeyId::new(authority.clone()).map_err(|e| e.to_string())?;
            let device = Node::init(
                &dir,
                InitOptions {
                    role,
                    unit,
                    authority,
                    listen,
                    central_units,
                },
            )
            .map_err(|e| e.to_string())?;
            println!("node created in {}", dir.display());
            println!("device key: {device}");
            println!(
                "customs authority pinned: {} (confirm this fingerprint with central)",
                authority_key.fingerprint()
            );
            if let Some(file) = enrollment {
                let node = Node::open(&dir).map_err(|e| e.to_string())?;
                let new = node.record_file(&file).map_err(|e| e.to_string())?;
                println!("enrollment imported: {new} registry acts");
            }
            Ok(())
        }
        Command::Serve => {
            let node = Node::open(&dir).map_err(|e| e.to_string())?;
            let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            runtime.block_on(tamga_edge::serve::run(node, |addr| {
                println!("listening on {addr}");
            }))
        }
        Command::Status { json } => {
            let node = Node::open(&dir).map_err(|e| e.to_string())?;
            let status = node.status().map_err(|e| e.to_string())?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&status).expect("serializes")
                );
            } else {
                println!("{:?} node of {}", status.role, status.unit);
                println!("device key: {}", status.device_key);
                println!("authority: {}", status.authority_fingerprint);
                println!(
                    "documents: {}, feed position {}",
                    status.documents, status.feed_position
                );
                println!("enrolled keys: {}", status.enrolled_keys);
            }
            Ok(())
        }
        Command::Record { file } => {
            let node = Node::open(&dir).map_err(|e| e.to_string())?;
            let new = node.record_file(&file).map_err(|e| e.to_string())?;
            println!("{new} new acts recorded");
            Ok(())
        }
        Command::AddPeer { name, url, key } => {
            let mut node = Node::open(&dir).map_err(|e| e.to_string())?;
            node.config.peers.retain(|p| p.name != name);
            node.config.peers.push(PeerConfig {
                name: name.clone(),
                url,
                key,
            });
            node.config.check()?;
            node.config.save(&dir).map_err(|e| e.to_string())?;
            println!("peer {name} added");
            Ok(())
        }
        Command::Sync { peer } => {
            let node = Node::open(&dir).map_err(|e| e.to_string())?;
            let peers: Vec<PeerConfig> = node
                .config
                .peers
                .iter()
                .filter(|p| peer.as_ref().is_none_or(|n| &p.name == n))
                .cloned()
                .collect();
            if peers.is_empty() {
                return Err("no such peer configured: add one with `tamga-edge add-peer`".into());
            }
            let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            let http = tamga_sync::http::client(Duration::from_secs(120));
            let mut failed = 0;
            for p in peers {
                let target = node.peer(&p).map_err(|e| e.to_string())?;
                let outcome = runtime.block_on(tamga_sync::http::sync_with(
                    &http,
                    Arc::clone(&node.store),
                    &node.device,
                    &target,
                ));
                match outcome {
                    Ok(s) => println!(
                        "{}: synced, {} documents, {} round trips",
                        p.name, s.documents, s.round_trips
                    ),
                    Err(e) => {
                        failed += 1;
                        eprintln!("{}: {e}", p.name);
                    }
                }
            }
            if failed > 0 {
                return Err(format!(
                    "{failed} peer(s) could not be synced; nothing recorded here was lost"
                ));
            }
            Ok(())
        }
        Command::ExportBundle {
            out,
            for_key,
            since,
        } => {
            let node = Node::open(&dir).map_err(|e| e.to_string())?;
            let (addressee, scope) = match for_key {
                Some(k) => {
                    let key = KeyId::new(k).map_err(|e| e.to_string())?;
                    let enrollment = node
                        .store
                        .registry()
                        .enrollment_at(&key, Timestamp::now(), &[tamga_core::Role::Device])
                        .map_err(|e| format!("the receiving node may not receive a bundle: {e}"))?
                        .clone();
                    let scope = Scope::of(&enrollment.unit, &node.config.central_unit_codes());
                    (Some(key), scope)
                }
                None => (None, Scope::All),
            };
            let bytes = tamga_sync::bundle::export(
                &node.store,
                &node.device,
                addressee.as_ref(),
                &scope,
                since,
                Timestamp::now(),
            )
            .map_err(|e| e.to_string())?;
            std::fs::write(&out, &bytes).map_err(|e| format!("{}: {e}", out.display()))?;
            println!(
                "bundle written to {} ({} bytes)",
                out.display(),
                bytes.len()
            );
            Ok(())
        }
        Command::ImportBundle { file } => {
            let node = Node::open(&dir).map_err(|e| e.to_string())?;
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let report = tamga_sync::bundle::import(&node.store, &bytes, &node.device_id())
                .map_err(|e| e.to_string())?;
            println!(
                "bundle imported: {} documents, {} changed, {} new acts, {} left out",
                report.documents, report.changed, report.new_acts, report.rejected
            );
            Ok(())
        }
        Command::Show { consignment, json } => {
            let node = Node::open(&dir).map_err(|e| e.to_string())?;
            let id = ConsignmentId::new(consignment).map_err(|e| e.to_string())?;
            let assessment = node
                .store
                .assessment(&id, Timestamp::now())
                .map_err(|e| e.to_string())?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&assessment).expect("serializes")
                );
                return Ok(());
            }
            let s = &assessment.state;
            println!("consignment {id}: {}", s.status.as_str());
            if let Some(c) = &s.custodian {
                println!("custodian: {} since {}", c.unit, c.since.for_people());
            }
            if let Some(d) = s.deadline {
                println!(
                    "deadline: {}{}",
                    d.for_people(),
                    if s.overdue { " (OVERDUE)" } else { "" }
                );
            }
            for (n, seal) in &s.seals {
                println!("seal {n}: {:?}, {:?}", seal.status, seal.last_state);
            }
            for d in &assessment.discrepancies {
                println!("[{:?}] {}: {}", d.severity, d.kind.as_str(), d.summary);
            }
            Ok(())
        }
    }
}
