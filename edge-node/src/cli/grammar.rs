//! The command line's grammar: every command, subcommand and option of `tamga-edge`, as clap
//! reads them (the help texts people see come from these doc comments). Nothing here runs.

mod control;
pub use control::ControlCommand;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use tamga_edge::config::NodeRole;

#[derive(Parser)]
#[command(
    name = "tamga-edge",
    version,
    about = "The tamga node at a customs post or in an escort vehicle: signed custody records that work offline and sync with any peer."
)]
pub struct Cli {
    /// The node's data directory.
    #[arg(
        long,
        global = true,
        env = "TAMGA_EDGE_DIR",
        default_value = "tamga-node"
    )]
    pub data_dir: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
    /// Clear the log alarm (central's log did not extend the tree head this node accepted),
    /// once headquarters' security officer has looked into it. Prints the alarm first, for the
    /// report. The node must not be serving.
    ClearLogAlarm,
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
    /// Write a sealed bundle file for a peer (sync by USB stick).
    ExportBundle {
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
        /// The receiving node's device key: only what it may receive goes in, addressed to it
        /// and encrypted to that key (only that node can read the file).
        #[arg(long = "for")]
        for_key: String,
        /// Only what changed after this feed position (0: everything).
        #[arg(long, default_value_t = 0)]
        since: u64,
    },
    /// Import a bundle file.
    ImportBundle {
        /// The file.
        file: PathBuf,
    },
    /// Record a navigation seal operator's feed file (one signed seal_events_reported act per
    /// line): nothing is recorded unless every act in it holds.
    ImportSealFeed {
        /// The file.
        file: PathBuf,
    },
    /// Make an identity for backups (keep it off this machine); its recipient is printed.
    BackupKey(super::backup::KeyArgs),
    /// Back the node up (its data directory and store), encrypted to the recipients and signed
    /// by the device key; while `serve` runs (as the node's user) or with the node stopped.
    Backup(super::backup::BackupArgs),
    /// Restore a node from a backup into --data-dir (new or empty); it syncs on as before.
    Restore(super::backup::RestoreArgs),
    /// Officer keys on this device: create, import, list. Keys are stored encrypted under the
    /// officer's PIN; central enrolls the key id printed.
    #[command(subcommand)]
    Officer(OfficerCommand),
    /// List the consignments held here, most urgent first, a page at a time (50 unless
    /// `--filter limit=N`), with the counts by status and discrepancy.
    List {
        /// Print JSON (the API's `{rows, next, counts}`).
        #[arg(long)]
        json: bool,
        /// A parameter of the list as the API takes it, NAME=VALUE (repeatable): limit, after
        /// (the `next` a page printed), status, custodian, deadline_after, deadline_before,
        /// overdue=true, severity (at least), number (prefix), goods (words in the goods),
        /// counts=false (no counts line).
        #[arg(long = "filter", value_name = "NAME=VALUE")]
        filters: Vec<String>,
    },
    /// Record an act from a form: the act's JSON without `at` (see docs/edge-api.md), from a
    /// file or `-` for standard input. Registering a consignment is done this way:
    /// `{"kind": "consignment_registered", ...}`. The PIN is asked for. `act paper` prints an
    /// act on paper.
    #[command(args_conflicts_with_subcommands = true)]
    Act {
        #[command(subcommand)]
        paper: Option<ActCommand>,
        /// The form file, or `-`.
        form: Option<PathBuf>,
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
        /// When it happened, if before it is reported: local time of the node's time_zone (like
        /// 2026-11-23 12:55), or RFC 3339 with an offset or Z (like 2026-11-23T06:55:00Z), taken
        /// as given.
        #[arg(long)]
        happened_at: Option<String>,
        /// A seal affected; repeat.
        #[arg(long)]
        seal: Vec<String>,
        /// A photo or document to attach (its SHA-256 goes into the act); repeat.
        #[arg(long)]
        attachment: Vec<PathBuf>,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Record positions along the way: `--fix TIME,LATITUDE,LONGITUDE`, repeat. TIME is local time
    /// of the node's time_zone, or RFC 3339 with an offset or Z, taken as given.
    Position {
        #[command(flatten)]
        who: Who,
        /// A fix, like 2026-11-23T12:40,43.0612,74.4776 (local time) or
        /// 2026-11-23T06:40:00Z,43.0612,74.4776.
        #[arg(long, required = true)]
        fix: Vec<String>,
    },
    /// Notify arrival at the office of destination (within 30 minutes of arrival).
    Arrive {
        #[command(flatten)]
        who: Who,
        /// When the goods arrived: local time of the node's time_zone (like 2026-11-23 13:35), or
        /// RFC 3339 with an offset or Z (like 2026-11-23T07:35:00Z), taken as given.
        #[arg(long)]
        arrived_at: String,
        /// If they arrived outside working hours: when working hours began (local time, or RFC
        /// 3339 with an offset or Z).
        #[arg(long)]
        working_hours_began_at: Option<String>,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Take delivery and close transit, with the seals as verified here; with the net mass
    /// re-weighed, a shortage counted and the accompanying documents checked, where done.
    Deliver {
        #[command(flatten)]
        who: Who,
        #[command(flatten)]
        count: CountArgs,
        #[command(flatten)]
        delivery: DeliveryArgs,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Permit what the crew or the carrier may not do on their own: a seal removal, the
    /// correction of an act after the first handoff, a transhipment, a return. Signed by a
    /// post officer at their post or by central staff.
    #[command(subcommand)]
    Permit(PermitCommand),
    /// Correct an earlier act (a registration, a seal applied, an escort assignment or an
    /// incident report) with a new signed act naming it; the act corrected stays as signed.
    /// Give only the fields that change. After the first handoff a correction needs a
    /// correction permit for that act (`permit correction`), named with --permission.
    Correct {
        #[command(flatten)]
        who: Who,
        /// The act corrected: its id, or the short id `show` prints.
        #[arg(long)]
        act: String,
        /// Why it is corrected.
        #[arg(long)]
        reason: String,
        /// The correction permit (`permission_granted` act), needed after the first handoff.
        #[arg(long)]
        permission: Option<String>,
        #[command(flatten)]
        fields: CorrectionArgs,
    },
    /// Order a new escort crew, officer in charge or vehicle on the way, with the reason
    /// (a post officer at their post, or central staff).
    ChangeEscort {
        #[command(flatten)]
        who: Who,
        /// The escort unit whose crew changes, like ESCORT-BISHKEK.
        #[arg(long)]
        unit: String,
        /// The vehicle's plate from now on.
        #[arg(long)]
        vehicle: String,
        /// The officer in charge from now on (key).
        #[arg(long)]
        in_charge: String,
        /// The crew from now on (keys, the officer in charge included); repeat.
        #[arg(long, required = true)]
        crew: Vec<String>,
        /// Why the crew changes.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Extend the delivery deadline after an incident (the office of departure or central
    /// staff).
    ExtendDeadline {
        #[command(flatten)]
        who: Who,
        /// The incident that calls for it (its id or short id).
        #[arg(long)]
        incident: String,
        /// The new delivery deadline: local time of the node's time_zone (like 2026-11-24 18:00),
        /// or RFC 3339 with an offset or Z (like 2026-11-24T12:00:00Z), taken as given.
        #[arg(long)]
        until: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Record what a customs body did about an incident: brought_to_customs (the goods brought
    /// to this post), officials_attended (officials went to the goods), closed.
    FollowUp {
        #[command(flatten)]
        who: Who,
        /// The incident (its id or short id).
        #[arg(long)]
        incident: String,
        /// brought_to_customs, officials_attended or closed.
        #[arg(long)]
        action: String,
        /// What was found and decided.
        #[arg(long)]
        note: String,
        /// A photo or document to attach (its SHA-256 goes into the act); repeat.
        #[arg(long)]
        attachment: Vec<PathBuf>,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Refuse the goods at the office of destination, with the reason and the seals as found;
    /// they go back to the office of departure under escort.
    Refuse {
        #[command(flatten)]
        who: Who,
        /// Why the goods are refused.
        #[arg(long)]
        reason: String,
        /// A seal and its state as found, like KG-0042137:intact; repeat.
        #[arg(long = "seal")]
        seals: Vec<String>,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Take the goods back at the office of departure and end transit (after a refusal, or with
    /// a return permit named by --permission), with the seals, packages and mass as verified.
    Return {
        #[command(flatten)]
        who: Who,
        #[command(flatten)]
        count: CountArgs,
        /// The return permit (`permission_granted` act), when the goods were not refused.
        #[arg(long)]
        permission: Option<String>,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Hand over custody: offer, list, import, review, accept (countersign), complete.
    #[command(subcommand)]
    Handoff(HandoffCommand),
    /// What follows the arrival of precious goods: notify the Department, the expertise, the
    /// State Control Act, certificates issued, a damaged KP certificate sent back.
    #[command(subcommand)]
    Control(ControlCommand),
    /// The post's archive: consignments delivered long ago and held by central, moved out of
    /// the live store into read-only files (`archive/`), still searched, shown and exported.
    #[command(subcommand)]
    Archive(ArchiveCommand),
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
pub enum ActCommand {
    /// Print a handoff, delivery, incident or correction act on paper: an A4 PDF in Russian
    /// and English (who signed, by name, personal number and unit; seals, packages and masses;
    /// place; local time with its offset, and UTC) with the signed act in a QR code that any
    /// node imports and verifies (`handoff complete`, or Import act in the UI).
    Paper {
        /// The act: its id, or the short id `show` prints (with --consignment).
        act: String,
        /// The act's consignment (needed for a short id).
        #[arg(long, short = 'c')]
        consignment: Option<String>,
        /// Where to write the PDF.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum ArchiveCommand {
    /// Archive now the consignments delivered at least N days ago that central holds.
    Run {
        /// N (else `archive_closed_days` of tamga-edge.toml).
        #[arg(long)]
        days: Option<u32>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List every archived consignment, newest delivery first.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Find archived consignments by number, declaration, goods or route (every word must
    /// appear, in any case).
    Search {
        /// The words.
        text: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show an archived consignment: its acts, assessed now, as `show` shows a live one.
    Show {
        /// The consignment id.
        consignment: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write an archived consignment's signed acts as an acts file (one canonical act per line,
    /// as `record` takes in), to be verified elsewhere.
    Export {
        /// The consignment id.
        consignment: String,
        /// Where to write it (never over an existing file).
        #[arg(long)]
        out: PathBuf,
    },
    /// Give back the disk space of archived (forgotten) consignments: the store is rewritten
    /// into a fresh database and swapped in atomically. Only while the node is stopped.
    Reclaim,
}

#[derive(Subcommand)]
pub enum OfficerCommand {
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
pub enum SealCommand {
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
pub enum HandoffCommand {
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
        transhipment: Box<TranshipmentArgs>,
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
pub struct Who {
    /// The consignment id.
    #[arg(long, short = 'c')]
    pub consignment: String,
    /// The signing officer's key (see `officer list`).
    #[arg(long)]
    pub officer: String,
}

/// Where the act is performed: at a post, or on the road. A post node is at its own post unless
/// told otherwise.
#[derive(clap::Args)]
pub struct PlaceArgs {
    /// At this post.
    #[arg(long, conflicts_with = "road")]
    pub post: Option<String>,
    /// On the road: where, in words.
    #[arg(long)]
    pub road: Option<String>,
    /// Latitude, decimal degrees (with --road).
    #[arg(long, requires = "road")]
    pub lat: Option<String>,
    /// Longitude, decimal degrees (with --road).
    #[arg(long, requires = "road")]
    pub lon: Option<String>,
}

/// What was counted: seals and their state, packages, gross mass.
#[derive(clap::Args)]
pub struct CountArgs {
    /// A seal and its state, like KG-0042137:intact; repeat.
    #[arg(long = "seal")]
    pub seals: Vec<String>,
    /// Packages counted.
    #[arg(long)]
    pub packages: u32,
    /// Gross mass weighed, like "0.412 kg" (kg, g or ct).
    #[arg(long)]
    pub gross_mass: String,
}

/// Why a seal was taken off.
#[derive(clap::Args)]
pub struct GroundsArgs {
    /// permission, inspection, threat_of_loss or threat_to_life.
    #[arg(long)]
    pub basis: String,
    /// The permission's or inspection order's reference.
    #[arg(long)]
    pub reference: Option<String>,
    /// The seal-removal permit recorded here (`permission_granted` act: id or short id), with
    /// --basis permission.
    #[arg(long)]
    pub permission: Option<String>,
}

/// What a delivery adds to the count: the net mass re-weighed, a shortage, the documents.
#[derive(clap::Args)]
pub struct DeliveryArgs {
    /// Net mass re-weighed, in the goods' own unit, like "1250.35 ct".
    #[arg(long)]
    pub net_mass: Option<String>,
    /// Packages missing (a shortage; with --short-net-mass and --short-description).
    #[arg(long)]
    pub short_packages: Option<u32>,
    /// Net mass missing, like "12.5 ct".
    #[arg(long)]
    pub short_net_mass: Option<String>,
    /// What is missing, in words.
    #[arg(long)]
    pub short_description: Option<String>,
    /// An accompanying document as checked, NUMBER:present or NUMBER:missing; repeat.
    #[arg(long = "document", value_name = "NUMBER:present|missing")]
    pub documents: Vec<String>,
}

/// A transhipment at the handoff: the goods move to another vehicle under a permit, the seals
/// listed come off and new ones go on. Both crews sign it (offer, then countersignature).
#[derive(clap::Args)]
pub struct TranshipmentArgs {
    /// The transhipment permit (`permission_granted` act: id or short id).
    #[arg(long = "tranship-permission")]
    pub permission: Option<String>,
    /// The vehicle the goods are moved to (plate).
    #[arg(long = "tranship-vehicle", requires = "permission")]
    pub vehicle: Option<String>,
    /// A seal fixed after the move; repeat.
    #[arg(long = "new-seal", requires = "permission")]
    pub new_seals: Vec<String>,
    /// The new seals' kind: mechanical or navigation.
    #[arg(long = "new-seal-kind", default_value = "mechanical")]
    pub new_seal_kind: String,
    /// What the new seals are fixed on.
    #[arg(long = "new-seal-on")]
    pub new_seal_on: Option<String>,
}

/// What every permission says: who, why, until when, where.
#[derive(clap::Args)]
pub struct PermitArgs {
    #[command(flatten)]
    pub who: Who,
    /// Why it is permitted.
    #[arg(long)]
    pub reason: String,
    /// The permission lapses at this time, if it does: local time of the node's time_zone (like
    /// 2026-11-24 18:00), or RFC 3339 with an offset or Z, taken as given.
    #[arg(long)]
    pub valid_until: Option<String>,
    #[command(flatten)]
    pub place: PlaceArgs,
}

#[derive(Subcommand)]
pub enum PermitCommand {
    /// Permit taking off or replacing seals.
    SealRemoval {
        #[command(flatten)]
        common: PermitArgs,
        /// A seal; repeat.
        #[arg(long = "seal", required = true)]
        seals: Vec<String>,
    },
    /// Permit correcting an act after the first handoff (the office of departure or central
    /// staff).
    Correction {
        #[command(flatten)]
        common: PermitArgs,
        /// The act to be corrected (id or short id).
        #[arg(long)]
        act: String,
    },
    /// Permit moving the goods to another vehicle.
    Transhipment {
        #[command(flatten)]
        common: PermitArgs,
        /// The incident that calls for it (id or short id), if any.
        #[arg(long)]
        incident: Option<String>,
    },
    /// Permit taking the goods back to the office of departure.
    Return {
        #[command(flatten)]
        common: PermitArgs,
    },
}

/// The corrected values, by the kind of the act corrected; give only what changes.
#[derive(clap::Args)]
pub struct CorrectionArgs {
    /// seal_applied: the seal's number.
    #[arg(long)]
    pub seal: Option<String>,
    /// seal_applied: the seal's kind (mechanical or navigation).
    #[arg(long)]
    pub seal_kind: Option<String>,
    /// seal_applied: what it is fixed on.
    #[arg(long)]
    pub fixed_on: Option<String>,
    /// escort_assigned: the vehicle's plate.
    #[arg(long)]
    pub vehicle: Option<String>,
    /// incident_reported: when it happened: local time of the node's time_zone, or RFC 3339 with
    /// an offset or Z, taken as given.
    #[arg(long)]
    pub happened_at: Option<String>,
    /// incident_reported: what happened.
    #[arg(long)]
    pub description: Option<String>,
    /// incident_reported: a seal affected (every one: the list replaces the old one); repeat.
    #[arg(long = "affected-seal")]
    pub affected_seals: Vec<String>,
    /// consignment_registered: the transit declaration's reference.
    #[arg(long)]
    pub declaration: Option<String>,
    /// consignment_registered: the number of packages.
    #[arg(long)]
    pub packages: Option<u32>,
    /// Any other changed fields as a JSON object file (consignor, consignee, carrier, goods,
    /// certificates, documents for a registration; attachments for an incident), in the act's
    /// own spelling (docs/act-format.md).
    #[arg(long)]
    pub changes: Option<PathBuf>,
}

pub fn parse_role(text: &str) -> Result<NodeRole, String> {
    match text {
        "post" => Ok(NodeRole::Post),
        "vehicle" => Ok(NodeRole::Vehicle),
        _ => Err("expected `post` or `vehicle`".into()),
    }
}
