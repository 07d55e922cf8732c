//! `tamga-edge`: the command line of the node at a post or in the escort vehicle.
//!
//! Exit codes: 0 done, 1 the operation failed (the message says why and what to do), 2 the
//! command line was wrong.

use clap::{Parser, Subcommand};
use serde_json::{json, Value};
use sha2::Digest;
use std::path::PathBuf;
use std::process::ExitCode;
use tamga_core::ActId;
use tamga_core::{ConsignmentId, KeyId, Timestamp};
use tamga_edge::client::Client;
use tamga_edge::config::{NodeRole, PeerConfig};
use tamga_edge::node::{InitOptions, Node};

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
    /// Officer keys on this device: create, import, list. Keys are stored encrypted under the
    /// officer's PIN; central enrolls the key id printed.
    #[command(subcommand)]
    Officer(OfficerCommand),
    /// List the consignments held here, most urgent first.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Record an act from a form: the act's JSON without `at` (see docs/edge-api.md), from a
    /// file or `-` for standard input. Registering a consignment is done this way:
    /// `{"kind": "consignment_registered", ...}`. The PIN is asked for.
    Act {
        /// The form file, or `-`.
        form: PathBuf,
    },
    /// Seals: apply, check at a stop, replace, remove.
    #[command(subcommand)]
    Seal(SealCommand),
    /// Assign the escort crew.
    Escort {
        #[command(flatten)]
        who: Who,
        /// The escort unit, like ESCORT-BISHKEK.
        #[arg(long)]
        unit: String,
        /// The vehicle's plate.
        #[arg(long)]
        vehicle: String,
        /// The officer in charge (key).
        #[arg(long)]
        in_charge: String,
        /// Crew members' keys (the officer in charge included); repeat.
        #[arg(long, required = true)]
        crew: Vec<String>,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Report an incident at once: accident, force_majeure, seal_damage, route_deviation,
    /// delay, loss_or_shortage.
    Incident {
        #[command(flatten)]
        who: Who,
        /// The kind.
        #[arg(long)]
        kind: String,
        /// What happened.
        #[arg(long)]
        description: String,
        /// A seal affected; repeat.
        #[arg(long)]
        seal: Vec<String>,
        /// A photo or document to attach (its SHA-256 goes into the act); repeat.
        #[arg(long)]
        attachment: Vec<PathBuf>,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Record positions along the way: `--fix TIME,LATITUDE,LONGITUDE`, repeat.
    Position {
        #[command(flatten)]
        who: Who,
        /// A fix, like 2026-11-23T06:40:00Z,43.0612,74.4776.
        #[arg(long, required = true)]
        fix: Vec<String>,
    },
    /// Notify arrival at the office of destination (within 30 minutes of arrival).
    Arrive {
        #[command(flatten)]
        who: Who,
        /// When the goods arrived (UTC, like 2026-11-23T07:35:00Z).
        #[arg(long)]
        arrived_at: String,
        /// If they arrived outside working hours: when working hours began.
        #[arg(long)]
        working_hours_began_at: Option<String>,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Take delivery and close transit, with the seals as verified here.
    Deliver {
        #[command(flatten)]
        who: Who,
        #[command(flatten)]
        count: CountArgs,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Hand over custody: offer, list, import, review, accept (countersign), complete.
    #[command(subcommand)]
    Handoff(HandoffCommand),
    /// Show a consignment: its state and discrepancies, assessed now.
    Show {
        /// The consignment id.
        consignment: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum OfficerCommand {
    /// Create a new officer key on this device, encrypted under a PIN (asked for twice; from
    /// standard input, the first line). Prints the key id for central to enroll.
    New {
        /// The officer's full name.
        #[arg(long)]
        holder: String,
    },
    /// Import an existing officer key: standard input gives the 64-hex-digit secret key, then
    /// the PIN, one per line.
    Import {
        /// The officer's full name.
        #[arg(long)]
        holder: String,
    },
    /// List the officer keys on this device and their enrollment.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum SealCommand {
    /// Fix a seal.
    Apply {
        #[command(flatten)]
        who: Who,
        /// The seal's number.
        #[arg(long)]
        seal: String,
        /// mechanical or navigation.
        #[arg(long, default_value = "mechanical")]
        seal_kind: String,
        /// What it is fixed on ("safe-bag, one place").
        #[arg(long)]
        on: String,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Check a seal at a stop or a post.
    Check {
        #[command(flatten)]
        who: Who,
        /// The seal's number.
        #[arg(long)]
        seal: String,
        /// intact, damaged or missing.
        #[arg(long)]
        state: String,
        /// Remarks.
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Replace a seal (with permission, for inspection, or under a threat: report it too).
    Replace {
        #[command(flatten)]
        who: Who,
        /// The seal taken off.
        #[arg(long)]
        old: String,
        /// Its state: intact, damaged or missing.
        #[arg(long)]
        old_state: String,
        /// The new seal's number.
        #[arg(long)]
        new: String,
        /// The new seal's kind.
        #[arg(long, default_value = "mechanical")]
        seal_kind: String,
        /// What the new seal is fixed on.
        #[arg(long)]
        on: String,
        #[command(flatten)]
        grounds: GroundsArgs,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Remove a seal.
    Remove {
        #[command(flatten)]
        who: Who,
        /// The seal's number.
        #[arg(long)]
        seal: String,
        /// Its state: intact, damaged or missing.
        #[arg(long)]
        state: String,
        #[command(flatten)]
        grounds: GroundsArgs,
        #[command(flatten)]
        place: PlaceArgs,
    },
}

#[derive(Subcommand)]
enum HandoffCommand {
    /// Offer custody to an officer of another unit, signed by the releasing officer.
    Offer {
        #[command(flatten)]
        who: Who,
        /// The receiving unit.
        #[arg(long)]
        to_unit: String,
        /// The receiving officer's key.
        #[arg(long)]
        to_officer: String,
        /// The unit handing over (this node's unit if absent).
        #[arg(long)]
        from_unit: Option<String>,
        #[command(flatten)]
        count: CountArgs,
        #[command(flatten)]
        place: PlaceArgs,
        /// Send it over the LAN to this configured peer (the node must be serving).
        #[arg(long)]
        send: Option<String>,
        /// Write the offer file here (for a USB stick).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write the offer as a QR code picture here (.svg or .png).
        #[arg(long)]
        qr: Option<PathBuf>,
    },
    /// List offers in flight.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Take in an offer: an offer file, a file with a QR code's text, or a photo of the code.
    Import {
        /// The file.
        file: PathBuf,
    },
    /// Check an incoming offer against your own count and see every discrepancy; signs nothing.
    Review {
        /// The offer's id.
        offer: String,
        /// You, the receiving officer (key).
        #[arg(long)]
        officer: String,
        #[command(flatten)]
        count: CountArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Review and countersign an incoming offer (the PIN is asked for); custody passes.
    Accept {
        /// The offer's id.
        offer: String,
        /// You, the receiving officer (key).
        #[arg(long)]
        officer: String,
        #[command(flatten)]
        count: CountArgs,
        /// Write the completed act here, for the releasing side.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write the completed act as a QR code picture here (.svg or .png).
        #[arg(long)]
        qr: Option<PathBuf>,
    },
    /// Record the completed handoff on the releasing side: the act file, a file with the QR
    /// code's text, or a photo of the code.
    Complete {
        /// The file.
        file: PathBuf,
    },
}

/// The consignment and the signing officer.
#[derive(clap::Args)]
struct Who {
    /// The consignment id.
    #[arg(long, short = 'c')]
    consignment: String,
    /// The signing officer's key (see `officer list`).
    #[arg(long)]
    officer: String,
}

/// Where the act is performed: at a post, or on the road. A post node is at its own post unless
/// told otherwise.
#[derive(clap::Args)]
struct PlaceArgs {
    /// At this post.
    #[arg(long, conflicts_with = "road")]
    post: Option<String>,
    /// On the road: where, in words.
    #[arg(long)]
    road: Option<String>,
    /// Latitude, decimal degrees (with --road).
    #[arg(long, requires = "road")]
    lat: Option<String>,
    /// Longitude, decimal degrees (with --road).
    #[arg(long, requires = "road")]
    lon: Option<String>,
}

/// What was counted: seals and their state, packages, gross mass.
#[derive(clap::Args)]
struct CountArgs {
    /// A seal and its state, like KG-0042137:intact; repeat.
    #[arg(long = "seal")]
    seals: Vec<String>,
    /// Packages counted.
    #[arg(long)]
    packages: u32,
    /// Gross mass weighed, like "0.412 kg" (kg, g or ct).
    #[arg(long)]
    gross_mass: String,
}

/// Why a seal was taken off.
#[derive(clap::Args)]
struct GroundsArgs {
    /// permission, inspection, threat_of_loss or threat_to_life.
    #[arg(long)]
    basis: String,
    /// The permission's or inspection order's reference.
    #[arg(long)]
    reference: Option<String>,
}

fn parse_role(text: &str) -> Result<NodeRole, String> {
    match text {
        "post" => Ok(NodeRole::Post),
        "vehicle" => Ok(NodeRole::Vehicle),
        _ => Err("expected `post` or `vehicle`".into()),
    }
}

fn main() -> ExitCode {
    // Output piped into `head` or `grep -q` may be closed early: end quietly like other
    // command-line tools instead of failing on the write.
    #[cfg(unix)]
    // SAFETY: restoring the default action of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
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
            // Only the configuration changes: a running node reads its peers again each round.
            let mut config = tamga_edge::config::Config::load(&dir).map_err(|e| e.to_string())?;
            config.peers.retain(|p| p.name != name);
            config.peers.push(PeerConfig {
                name: name.clone(),
                url,
                key,
            });
            config.check()?;
            config.save(&dir).map_err(|e| e.to_string())?;
            println!("peer {name} added");
            Ok(())
        }
        Command::Sync { peer } => {
            let lines = Client::open(&dir)?.sync(peer.as_deref())?;
            println!("{lines}");
            Ok(())
        }
        Command::ExportBundle {
            out,
            for_key,
            since,
        } => {
            let node = Node::open(&dir).map_err(|e| e.to_string())?;
            let addressee = match for_key {
                Some(k) => Some(KeyId::new(k).map_err(|e| e.to_string())?),
                None => None,
            };
            let bytes = node
                .export_bundle(addressee.as_ref(), since)
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
            // A bundle is one sync frame and a signature: a larger file is refused before it
            // is read.
            let limit = (tamga_sync::frame::MAX_FRAME_BYTES + 64) as u64;
            let too_large = |size: u64| {
                format!(
                    "{}: {size} bytes, larger than any bundle ({limit} bytes at most): this is not a bundle file, or it was damaged; export it again",
                    file.display()
                )
            };
            let size = std::fs::metadata(&file)
                .map_err(|e| format!("{}: {e}", file.display()))?
                .len();
            if size > limit {
                return Err(too_large(size));
            }
            let bytes = tamga_node::files::read_limited(&file, limit).map_err(|e| {
                if e.kind() == std::io::ErrorKind::InvalidData {
                    too_large(limit + 1)
                } else {
                    format!("{}: {e}", file.display())
                }
            })?;
            let report = tamga_sync::bundle::import(&node.store, &bytes, &node.device_id())
                .map_err(|e| e.to_string())?;
            println!(
                "bundle imported: {} documents, {} changed, {} new acts, {} left out",
                report.documents, report.changed, report.new_acts, report.rejected
            );
            Ok(())
        }
        Command::Officer(cmd) => officer(&dir, cmd),
        Command::List { json } => {
            let rows = as_value(Client::open(&dir)?.consignments()?);
            if json {
                return print_json(&rows);
            }
            let rows = rows.as_array().cloned().unwrap_or_default();
            if rows.is_empty() {
                println!("no consignments here yet: register one, or sync with a peer");
            }
            for r in rows {
                println!(
                    "{}  {:<11} custody {:<16} deadline {}{}  {} open discrepancies",
                    text(&r["consignment"]),
                    text(&r["status"]),
                    text(&r["custodian"]),
                    text(&r["deadline_for_people"]),
                    if r["overdue"] == true { " OVERDUE" } else { "" },
                    r["open_discrepancies"]
                );
            }
            Ok(())
        }
        Command::Act { form } => {
            let text = if form.as_os_str() == "-" {
                let mut t = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut t)
                    .map_err(|e| e.to_string())?;
                t
            } else {
                std::fs::read_to_string(&form).map_err(|e| format!("{}: {e}", form.display()))?
            };
            let mut value: Value =
                serde_json::from_str(&text).map_err(|e| format!("the form is not JSON: {e}"))?;
            if value.get("pin").is_none() {
                let officer = value["officer"].as_str().unwrap_or("").to_owned();
                value["pin"] = json!(read_secret(&format!("PIN for {officer}: "))?);
            }
            recorded(as_value(Client::open(&dir)?.record_form(&value)?))
        }
        Command::Seal(cmd) => {
            let role = role_of(&dir)?;
            let form = match cmd {
                SealCommand::Apply {
                    who,
                    seal,
                    seal_kind,
                    on,
                    place,
                } => json!({
                    "kind": "seal_applied", "seal": seal, "seal_kind": seal_kind, "fixed_on": on,
                    "place": place_json(&place, &role)?, "consignment": who.consignment, "officer": who.officer,
                }),
                SealCommand::Check {
                    who,
                    seal,
                    state,
                    note,
                    place,
                } => {
                    let mut f = json!({
                        "kind": "seal_checked", "seal": seal, "state": state,
                        "place": place_json(&place, &role)?, "consignment": who.consignment, "officer": who.officer,
                    });
                    if let Some(n) = note {
                        f["note"] = json!(n);
                    }
                    f
                }
                SealCommand::Replace {
                    who,
                    old,
                    old_state,
                    new,
                    seal_kind,
                    on,
                    grounds,
                    place,
                } => json!({
                    "kind": "seal_replaced", "old_seal": old, "old_state": old_state, "new_seal": new,
                    "new_seal_kind": seal_kind, "fixed_on": on, "grounds": grounds_json(&grounds),
                    "place": place_json(&place, &role)?, "consignment": who.consignment, "officer": who.officer,
                }),
                SealCommand::Remove {
                    who,
                    seal,
                    state,
                    grounds,
                    place,
                } => json!({
                    "kind": "seal_removed", "seal": seal, "state": state, "grounds": grounds_json(&grounds),
                    "place": place_json(&place, &role)?, "consignment": who.consignment, "officer": who.officer,
                }),
            };
            sign_and_record(&dir, form)
        }
        Command::Escort {
            who,
            unit,
            vehicle,
            in_charge,
            crew,
            place,
        } => {
            let role = role_of(&dir)?;
            sign_and_record(
                &dir,
                json!({
                    "kind": "escort_assigned", "escort_unit": unit, "vehicle": vehicle,
                    "officer_in_charge": in_charge, "crew": crew,
                    "place": place_json(&place, &role)?, "consignment": who.consignment, "officer": who.officer,
                }),
            )
        }
        Command::Incident {
            who,
            kind,
            description,
            seal,
            attachment,
            place,
        } => {
            let role = role_of(&dir)?;
            let mut hashes = Vec::new();
            for file in &attachment {
                let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
                hashes.push(hex::encode(sha2::Sha256::digest(&bytes)));
            }
            sign_and_record(
                &dir,
                json!({
                    "kind": "incident_reported", "incident": kind, "description": description,
                    "seals": seal, "attachments": hashes,
                    "place": place_json(&place, &role)?, "consignment": who.consignment, "officer": who.officer,
                }),
            )
        }
        Command::Position { who, fix } => {
            let mut positions = Vec::new();
            for f in &fix {
                let parts: Vec<&str> = f.split(',').map(str::trim).collect();
                let [at, lat, lon] = parts[..] else {
                    return Err(format!(
                        "--fix {f:?}: expected TIME,LATITUDE,LONGITUDE like 2026-11-23T06:40:00Z,43.0612,74.4776"
                    ));
                };
                positions
                    .push(json!({"at": at, "coordinates": {"latitude": lat, "longitude": lon}}));
            }
            sign_and_record(
                &dir,
                json!({
                    "kind": "position_reported", "positions": positions,
                    "consignment": who.consignment, "officer": who.officer,
                }),
            )
        }
        Command::Arrive {
            who,
            arrived_at,
            working_hours_began_at,
            place,
        } => {
            let role = role_of(&dir)?;
            let mut form = json!({
                "kind": "arrival_notified", "arrived_at": arrived_at,
                "place": place_json(&place, &role)?, "consignment": who.consignment, "officer": who.officer,
            });
            if let Some(w) = working_hours_began_at {
                form["working_hours_began_at"] = json!(w);
            }
            sign_and_record(&dir, form)
        }
        Command::Deliver { who, count, place } => {
            let role = role_of(&dir)?;
            let mut form = count_json(&count)?;
            form["kind"] = json!("consignment_delivered");
            form["place"] = place_json(&place, &role)?;
            form["consignment"] = json!(who.consignment);
            form["officer"] = json!(who.officer);
            sign_and_record(&dir, form)
        }
        Command::Handoff(cmd) => handoff(&dir, cmd),
        Command::Show { consignment, json } => {
            let id = ConsignmentId::new(consignment).map_err(|e| e.to_string())?;
            let view = as_value(Client::open(&dir)?.consignment(&id)?);
            if json {
                // The assessment as before, with the acts as people read them beside it.
                let mut shown = view["assessment"].clone();
                shown["act_details"] = view["acts"].clone();
                return print_json(&shown);
            }
            print_consignment(&view);
            Ok(())
        }
    }
}

fn as_value(answer: impl serde::Serialize) -> Value {
    serde_json::to_value(answer).expect("answers serialize")
}

fn print_json(value: &Value) -> Result<(), String> {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("JSON prints")
    );
    Ok(())
}

/// A JSON value as plain text ("-" for null).
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn print_consignment(view: &Value) {
    let a = &view["assessment"];
    let s = &a["state"];
    println!(
        "consignment {}: {}",
        text(&a["consignment"]),
        text(&s["status"])
    );
    if let Some(c) = s["custodian"].as_object() {
        println!(
            "custodian: {} (officer {})",
            text(&c["unit"]),
            text(&c["officer"])
        );
    } else if s["custody_disputed"] == true {
        println!("custodian: DISPUTED (two handoffs from one predecessor)");
    }
    if let Some(d) = s["deadline"].as_str() {
        let d = Timestamp::parse(d)
            .map(|t| t.for_people())
            .unwrap_or(d.into());
        println!(
            "deadline: {d}{}",
            if s["overdue"] == true {
                " (OVERDUE)"
            } else {
                ""
            }
        );
    }
    if let Some(seals) = s["seals"].as_object() {
        for (n, seal) in seals {
            println!(
                "seal {n}: {}, last seen {}",
                text(&seal["status"]),
                text(&seal["last_state"])
            );
        }
    }
    for d in a["discrepancies"].as_array().into_iter().flatten() {
        let resolved = if d["resolution"].is_null() {
            ""
        } else {
            " (resolved)"
        };
        println!(
            "[{}] {}: {}{resolved}",
            text(&d["severity"]),
            text(&d["kind"]),
            text(&d["summary"])
        );
    }
    println!("acts:");
    for act in view["acts"].as_array().into_iter().flatten() {
        let signers: Vec<String> = act["signers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(
                |s| match (s["name"].as_str(), s["personal_number"].as_str()) {
                    (Some(n), Some(p)) => format!("{n} ({p})"),
                    (Some(n), None) => n.to_owned(),
                    _ => format!("unknown key {}", text(&s["key"])),
                },
            )
            .collect();
        println!(
            "  {}  {:<22} {}{}  [{}]",
            text(&act["at_for_people"]),
            text(&act["kind"]),
            signers.join(", "),
            if act["holds"] == true {
                ""
            } else {
                "  DOES NOT HOLD"
            },
            &text(&act["id"])[..12]
        );
    }
}

/// A secret from the terminal (not echoed), or the next line of standard input in a script.
fn read_secret(prompt: &str) -> Result<String, String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).map_err(|e| e.to_string())
    } else {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let line = line.trim_end_matches(['\n', '\r']).to_owned();
        if line.is_empty() {
            return Err(format!(
                "{}: nothing on standard input",
                prompt.trim_end_matches([':', ' '])
            ));
        }
        Ok(line)
    }
}

fn role_of(dir: &std::path::Path) -> Result<(NodeRole, String), String> {
    let config = tamga_edge::config::Config::load(dir).map_err(|e| e.to_string())?;
    Ok((config.role, config.unit))
}

fn place_json(place: &PlaceArgs, (role, unit): &(NodeRole, String)) -> Result<Value, String> {
    match (&place.post, &place.road) {
        (Some(post), _) => Ok(json!({"type": "post", "unit": post})),
        (None, Some(road)) => {
            let mut p = json!({"type": "road", "description": road});
            if let (Some(lat), Some(lon)) = (&place.lat, &place.lon) {
                p["coordinates"] = json!({"latitude": lat, "longitude": lon});
            }
            Ok(p)
        }
        (None, None) if *role == NodeRole::Post => Ok(json!({"type": "post", "unit": unit})),
        (None, None) => Err("say where this happens: --road \"where, in words\" (with --lat and --lon if known), or --post UNIT".into()),
    }
}

fn grounds_json(g: &GroundsArgs) -> Value {
    let mut v = json!({"basis": g.basis});
    if let Some(r) = &g.reference {
        v["reference"] = json!(r);
    }
    v
}

/// "0.412 kg" as a mass.
fn mass_json(text: &str) -> Result<Value, String> {
    let mut parts = text.split_whitespace();
    match (parts.next(), parts.next(), parts.next()) {
        (Some(value), Some(unit), None) => Ok(json!({"value": value, "unit": unit})),
        _ => Err(format!(
            "gross mass {text:?}: expected a number and a unit, like \"0.412 kg\""
        )),
    }
}

fn count_json(count: &CountArgs) -> Result<Value, String> {
    let mut seals = Vec::new();
    for s in &count.seals {
        let (seal, state) = s.rsplit_once(':').ok_or_else(|| {
            format!("--seal {s:?}: expected NUMBER:STATE, like KG-0042137:intact")
        })?;
        seals.push(json!({"seal": seal, "state": state}));
    }
    Ok(json!({
        "seals": seals,
        "packages": count.packages,
        "gross_mass": mass_json(&count.gross_mass)?,
    }))
}

fn sign_and_record(dir: &std::path::Path, mut form: Value) -> Result<(), String> {
    let client = Client::open(dir)?;
    let officer = form["officer"].as_str().unwrap_or("").to_owned();
    form["pin"] = json!(read_secret(&format!("PIN for {officer}: "))?);
    recorded(as_value(client.record_form(&form)?))
}

fn recorded(answer: Value) -> Result<(), String> {
    if answer["new"] == true {
        println!(
            "recorded {} {}",
            text(&answer["kind"]),
            text(&answer["act"])
        );
    } else {
        println!(
            "already recorded: {} {}",
            text(&answer["kind"]),
            text(&answer["act"])
        );
    }
    Ok(())
}

fn officer(dir: &std::path::Path, cmd: OfficerCommand) -> Result<(), String> {
    let keystore =
        tamga_node::keystore::Keystore::open(dir.join("officers")).map_err(|e| e.to_string())?;
    match cmd {
        OfficerCommand::New { holder } => {
            let pin = read_secret("new PIN (at least 6 characters): ")?;
            use std::io::IsTerminal;
            if std::io::stdin().is_terminal() && read_secret("the PIN again: ")? != pin {
                return Err("the two PINs differ; nothing was stored".into());
            }
            let mut seed = zeroize::Zeroizing::new([0u8; 32]);
            getrandom::fill(seed.as_mut()).map_err(|e| format!("no randomness: {e}"))?;
            let key = ed25519_dalek::SigningKey::from_bytes(&seed);
            let id = keystore
                .add(&key, &holder, &pin)
                .map_err(|e| e.to_string())?;
            println!("officer key created for {holder}: {id}");
            println!("ask central to enroll this key (role, unit, personal number), then import the enrollment here with `tamga-edge record`");
            Ok(())
        }
        OfficerCommand::Import { holder } => {
            let secret = zeroize::Zeroizing::new(read_secret("secret key (64 hex digits): ")?);
            let mut seed = zeroize::Zeroizing::new([0u8; 32]);
            hex::decode_to_slice(secret.trim(), seed.as_mut())
                .map_err(|_| "the secret key must be 64 hex digits".to_owned())?;
            let pin = read_secret("PIN (at least 6 characters): ")?;
            let key = ed25519_dalek::SigningKey::from_bytes(&seed);
            let id = keystore
                .add(&key, &holder, &pin)
                .map_err(|e| e.to_string())?;
            println!("officer key imported for {holder}: {id}");
            Ok(())
        }
        OfficerCommand::List { json } => {
            let list = as_value(Client::open(dir)?.officers()?);
            if json {
                return print_json(&list);
            }
            for o in list.as_array().into_iter().flatten() {
                let e = &o["enrollment"];
                let enrolled = if e.is_null() {
                    "NOT ENROLLED now: ask central to enroll it".to_owned()
                } else {
                    format!(
                        "{} of {}, until {}",
                        text(&e["role"]),
                        text(&e["unit"]),
                        text(&e["valid_until"])
                    )
                };
                println!("{}  {}  {}", text(&o["key"]), text(&o["holder"]), enrolled);
            }
            Ok(())
        }
    }
}

fn read_offer_or_act_file(path: &std::path::Path) -> Result<String, String> {
    let bytes = tamga_node::files::read_limited(path, 64 * 1024 * 1024)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let is_picture = bytes.starts_with(b"\x89PNG") || bytes.starts_with(&[0xff, 0xd8, 0xff]);
    if is_picture {
        return tamga_edge::qr::read_photo(&bytes).map_err(|e| e.to_string());
    }
    String::from_utf8(bytes)
        .map_err(|_| format!("{}: neither text nor a PNG or JPEG photo", path.display()))
}

fn write_qr(path: &std::path::Path, text: &str) -> Result<(), String> {
    let bytes = if path.extension().is_some_and(|e| e == "png") {
        tamga_edge::qr::png(text).map_err(|e| e.to_string())?
    } else {
        tamga_edge::qr::svg(text)
            .map_err(|e| e.to_string())?
            .into_bytes()
    };
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn print_review(review: &Value) {
    let new = review["new_discrepancies"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let all = review["assessment"]["discrepancies"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if all.is_empty() {
        println!("no discrepancy: the handoff may be countersigned");
    }
    for d in &all {
        let is_new = new.iter().any(|n| n["id"] == d["id"]);
        println!(
            "{}[{}] {}: {}",
            if is_new { "NEW " } else { "" },
            text(&d["severity"]),
            text(&d["kind"]),
            text(&d["summary"])
        );
    }
}

fn handoff(dir: &std::path::Path, cmd: HandoffCommand) -> Result<(), String> {
    match cmd {
        HandoffCommand::Offer {
            who,
            to_unit,
            to_officer,
            from_unit,
            count,
            place,
            send,
            out,
            qr,
        } => {
            let role = role_of(dir)?;
            let client = Client::open(dir)?;
            let mut form = count_json(&count)?;
            form["consignment"] = json!(who.consignment);
            form["place"] = place_json(&place, &role)?;
            form["releasing"] =
                json!({"unit": from_unit.unwrap_or(role.1.clone()), "officer": who.officer});
            form["receiving"] = json!({"unit": to_unit, "officer": to_officer});
            form["pin"] = json!(read_secret(&format!("PIN for {}: ", who.officer))?);
            if let Some(peer) = &send {
                form["send_to"] = json!(peer);
            }
            let answer = as_value(client.make_offer(&form)?);
            let id = ActId::from_hex(&text(&answer["offer"])).map_err(|e| e.to_string())?;
            println!("offer {id} made");
            let bytes = client.offer_bytes(&id)?;
            if let Some(path) = &out {
                std::fs::write(path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
                println!("offer file written to {}", path.display());
            }
            if let Some(path) = &qr {
                write_qr(
                    path,
                    &tamga_edge::qr::to_text(tamga_edge::qr::Carried::Offer, &bytes),
                )?;
                println!("offer QR code written to {}", path.display());
            }
            if answer["sent"] == true {
                println!("sent over the LAN to {}", send.unwrap_or_default());
            } else if let Some(e) = answer["send_error"].as_str() {
                return Err(e.to_owned());
            }
            Ok(())
        }
        HandoffCommand::List { json } => {
            let list = as_value(Client::open(dir)?.offers()?);
            if json {
                return print_json(&list);
            }
            for o in list.as_array().into_iter().flatten() {
                println!(
                    "{}  {:<8} {:<9} {}  {} -> {}  {}",
                    text(&o["offer"]),
                    text(&o["direction"]),
                    text(&o["state"]),
                    text(&o["consignment"]),
                    text(&o["releasing"]["unit"]),
                    text(&o["receiving"]["unit"]),
                    text(&o["at_for_people"]),
                );
            }
            Ok(())
        }
        HandoffCommand::Import { file } => {
            let text_in = read_offer_or_act_file(&file)?;
            let answer = as_value(Client::open(dir)?.import_offer(&text_in)?);
            println!(
                "offer {} taken in: review it with `tamga-edge handoff review`",
                text(&answer["offer"])
            );
            Ok(())
        }
        HandoffCommand::Review {
            offer,
            officer,
            count,
            json,
        } => {
            let id = ActId::from_hex(&offer).map_err(|e| e.to_string())?;
            let mut form = count_json(&count)?;
            form["officer"] = json!(officer);
            let review = as_value(Client::open(dir)?.review(&id, &form)?);
            if json {
                return print_json(&review);
            }
            print_review(&review);
            Ok(())
        }
        HandoffCommand::Accept {
            offer,
            officer,
            count,
            out,
            qr,
        } => {
            let id = ActId::from_hex(&offer).map_err(|e| e.to_string())?;
            let client = Client::open(dir)?;
            let mut form = count_json(&count)?;
            form["officer"] = json!(officer);
            let review = as_value(client.review(&id, &form)?);
            print_review(&review);
            form["pin"] = json!(read_secret(&format!("PIN for {officer} to countersign: "))?);
            let done = client.countersign(&id, &form)?;
            let mut answer = as_value(&done.answer);
            answer["act_text"] = json!(done.act_text);
            println!("custody taken over: act {}", text(&answer["act"]));
            let act_text = text(&answer["act_text"]);
            if let Some(path) = &out {
                std::fs::write(path, format!("{act_text}\n"))
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                println!(
                    "completed act written to {} for the releasing side",
                    path.display()
                );
            }
            if let Some(path) = &qr {
                write_qr(
                    path,
                    &tamga_edge::qr::to_text(tamga_edge::qr::Carried::Act, act_text.as_bytes()),
                )?;
                println!("completed act as a QR code in {}", path.display());
            }
            if answer["returned"] == true {
                println!("sent back to the releasing node over the LAN");
            }
            Ok(())
        }
        HandoffCommand::Complete { file } => {
            let text_in = read_offer_or_act_file(&file)?;
            let answer = as_value(Client::open(dir)?.import_acts(&text_in)?);
            println!("{} new acts recorded", answer["new"]);
            Ok(())
        }
    }
}
