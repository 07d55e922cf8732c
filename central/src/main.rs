//! `tamga-central`: the command line of the headquarters server.
//!
//! Exit codes: 0 done, 1 the operation failed (the message says why and what to do), 2 the
//! command line was wrong.

use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tamga_central::admin::{Admin, EnrollBody, RevokeBody};
use tamga_central::authority::parse_time;
use tamga_central::central::RegistryEntry;
use tamga_central::config::DEFAULT_LISTEN;
use tamga_central::{Central, InitOptions};
use tamga_core::{Role, Timestamp};

const AFTER_HELP: &str = "\
Setting up, step by step:
  0. export TAMGA_CENTRAL_DIR=/var/lib/tamga-central   (or give --data-dir to every command)
  1. tamga-central init --unit HQ-RECON --root-key /media/root-stick/root.key
     With the root key file on a removable medium (made here if absent, under a passphrase
     asked on the terminal or taken from TAMGA_ROOT_PASSPHRASE): the root enrolls central's
     registrar key, which enrolls central's device. Prints the root key and its fingerprint.
     Then take the root key offline: central never needs it again. Later root work (a new
     registrar before this one expires, revoking one) is done on the offline machine with
     `tamga-central root enroll-registrar|revoke --root-key FILE --out FILE`, and the act file
     is carried here: tamga-central import FILE.
  2. On each post PC or vehicle tablet, `tamga-edge init ... --authority <the key>` prints
     the node's device key; confirm the fingerprint with the node's operator.
  3. tamga-central enroll --key <device key> --role device --unit MANAS-AIRPORT --name \"airport post PC\"
     tamga-central enroll --key <officer key> --role post_officer --unit MANAS-AIRPORT \\
         --name \"Aibek Asanov\" --personal-number KG-0417
  4. tamga-central enrollment --out enrollment.acts
     and on each node: tamga-edge record enrollment.acts
  5. tamga-central serve
     Edge nodes sync with it (tamga-edge add-peer --url http://<central>:7400 --key <central's
     device key>); staff open the dashboard at http://127.0.0.1:7400/ on central's machine;
     /health and /metrics (Prometheus) answer on any address. While it runs, enroll, revoke and
     enrollment go through it. Staff keys for resolving discrepancies:
     tamga-central officer new --holder \"Name\", then enroll the key with --role central_staff.
  When a key is lost or its holder leaves:
     tamga-central revoke --key <key> --reason \"personal seal lost\"
  and hand out a new enrollment file.

Times are RFC 3339 (2026-11-23T08:30:00Z, 2026-11-23T14:30:00+06:00) or a date (2026-11-23,
meaning 00:00 UTC). Logs go to standard error; set TAMGA_LOG (e.g. TAMGA_LOG=debug) for more.
Exit codes: 0 done, 1 failed (the message says what to do), 2 wrong command line.";

#[derive(Parser)]
#[command(
    name = "tamga-central",
    version,
    about = "The tamga headquarters server: the customs authority key and the registry of enrolled officer and device keys.",
    after_help = AFTER_HELP
)]
struct Cli {
    /// Central's data directory (keys, configuration, store).
    #[arg(
        long,
        global = true,
        env = "TAMGA_CENTRAL_DIR",
        default_value = "tamga-central"
    )]
    data_dir: PathBuf,
    /// Print the answer as JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

/// A key holder's role, as the registry writes it.
#[derive(Clone, Copy, Debug, ValueEnum)]
#[value(rename_all = "snake_case")]
enum RoleArg {
    /// An officer at a customs post or office.
    PostOfficer,
    /// An officer of a customs escort crew.
    EscortOfficer,
    /// An official of the Precious Metals Department.
    PreciousMetalsOfficer,
    /// Reconciliation staff at headquarters.
    CentralStaff,
    /// A supervisor of reconciliation staff (gives critical resolutions their second signature).
    Supervisor,
    /// A node's device key (post PC, vehicle tablet).
    Device,
    /// A registrar key (root only: see `tamga-central root enroll-registrar`).
    Registrar,
    /// A navigation seal operator's key: it signs its seals' events and sends them to central.
    SealOperator,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::PostOfficer => Role::PostOfficer,
            RoleArg::EscortOfficer => Role::EscortOfficer,
            RoleArg::PreciousMetalsOfficer => Role::PreciousMetalsOfficer,
            RoleArg::CentralStaff => Role::CentralStaff,
            RoleArg::Supervisor => Role::Supervisor,
            RoleArg::Device => Role::Device,
            RoleArg::Registrar => Role::Registrar,
            RoleArg::SealOperator => Role::SealOperator,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Create central: the root key enrolls a new registrar key for central, which enrolls
    /// central's device key; the configuration and the store. Prints the root key and its
    /// fingerprint for edge nodes to pin.
    Init {
        /// The customs authority's root key file (made there if absent). It is read once and
        /// never copied into the data directory: keep it offline afterwards.
        #[arg(long)]
        root_key: PathBuf,
        /// For how many days central's registrar key is enrolled.
        #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=3650))]
        registrar_valid_days: u32,
        /// Central's unit code, like HQ-RECON.
        #[arg(long)]
        unit: String,
        /// Where central will listen for edge nodes.
        #[arg(long, default_value = DEFAULT_LISTEN)]
        listen: String,
        /// For how many days central's own device key is enrolled.
        #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=3650))]
        device_valid_days: u32,
        /// A PostgreSQL database for several central processes to share, like
        /// postgres://tamga@db.hq:5432/tamga (without it, central keeps everything in its own
        /// store). Further processes use a copy of this data directory without its store/.
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
    },
    /// Print the customs authority's root key and its fingerprint.
    Authority,
    /// Record a registry act file the root key wrote on its offline machine (a registrar's
    /// enrollment or revocation). Nothing is recorded unless every act in it holds.
    Import {
        /// The act file.
        file: PathBuf,
    },
    /// Record a navigation seal operator's feed brought on a file (one signed
    /// seal_events_reported act per line). Nothing is recorded unless every act in it holds.
    ImportSealFeed {
        /// The feed file.
        file: PathBuf,
    },
    /// Make the next registrar key (kept as registrar.next.key) and print it, for the root to
    /// enroll before the current one expires or after it is revoked; central signs with it once
    /// the root's act file is imported. Prints the waiting key again if there is one.
    NextRegistrar,
    /// The customs authority's root key, on its offline machine: each command writes an act
    /// file for `tamga-central import`.
    Root {
        #[command(subcommand)]
        command: RootCommand,
    },
    /// Enroll an officer's or a device's key: signs a key_enrolled act and records it.
    Enroll {
        /// The public key to enroll (64 hex digits), as the node or the keystore printed it.
        #[arg(long)]
        key: String,
        /// The holder's role.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The post's, office's or escort unit's code, like MANAS-AIRPORT.
        #[arg(long)]
        unit: String,
        /// The officer's full name, or the device's name ("airport post PC").
        #[arg(long)]
        name: String,
        /// The number on the officer's personal seal; required for officers and central staff,
        /// not given for devices.
        #[arg(long)]
        personal_number: Option<String>,
        /// Valid from (default: now).
        #[arg(long, value_parser = parse_time)]
        valid_from: Option<Timestamp>,
        /// Valid until (exclusive).
        #[arg(long, value_parser = parse_time, conflicts_with = "valid_days")]
        valid_until: Option<Timestamp>,
        /// Valid for this many days from --valid-from (default 365).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        valid_days: Option<u32>,
        /// The paper record this enrollment carries over ("Register of personal seals No. 4,
        /// entry 112"): only then may --valid-from lie in the past.
        #[arg(long)]
        migrated_from: Option<String>,
    },
    /// Revoke a key: acts it signs from --effective-from on are invalid. Final.
    Revoke {
        /// The enrolled public key (64 hex digits).
        #[arg(long)]
        key: String,
        /// Why ("personal seal lost", "device stolen", "officer left the service").
        #[arg(long)]
        reason: String,
        /// From when (default: now). Give an earlier time if the key may have been misused since.
        #[arg(long, value_parser = parse_time)]
        effective_from: Option<Timestamp>,
    },
    /// List the Kimberley Process participants from now on, from a JSON file kept from the KP's
    /// published list: {"source": "...", "participants": [{"name": "European Union",
    /// "countries": ["AT", "BE", ...]}, ...]}. Rough diamonds imported from or exported to a
    /// country in none of them are a critical discrepancy.
    KpParticipants {
        /// The list file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Publish a year's working calendar for every node, from a JSON file of the decree's dates:
    /// {"year": 2027, "days_off": ["2027-01-01", ...], "working_days": [], "source": "..."}
    /// (weekly rest days Saturday and Sunday unless "weekly_rest" names others). The last
    /// published for a year counts.
    Calendar {
        /// The calendar file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Register a post from now on: its name, time zone and working hours on working days
    /// (the 30-minute arrival notice counts from their start).
    RegisterPost {
        /// The post's unit code, like PMD-BISHKEK.
        #[arg(long)]
        post: String,
        /// Its name.
        #[arg(long)]
        name: String,
        /// Its IANA time zone (default Asia/Bishkek).
        #[arg(long)]
        time_zone: Option<String>,
        /// Its working hours, like 09:00-18:00; leave out for round the clock.
        #[arg(long)]
        hours: Option<String>,
        /// Where it is, as latitude,longitude in decimal degrees (WGS 84), like
        /// 42.8746,74.6122: a vehicle stopped near it is at the post, not on a long stop.
        #[arg(long)]
        coordinates: Option<String>,
    },
    /// List the enrolled keys: holder, personal number, role, unit, validity, revocation.
    Registry,
    /// Write the enrollment file for edge nodes: every registry act, one per line.
    Enrollment {
        /// Where to write it (replaced whole).
        #[arg(long)]
        out: PathBuf,
    },
    /// Run central: the sync endpoint for edge nodes (POST /sync), /health and /metrics, and
    /// the dashboard with its JSON API at http://127.0.0.1:<port>/ (on central's machine only).
    /// Prints "listening on ADDRESS" first. While it runs, enroll and revoke go through it.
    Serve,
    /// The Precious Metals Department's signed figures for a period, against central's
    /// reconciliation.
    DepartmentFigures {
        #[command(subcommand)]
        command: DepartmentCommand,
    },
    /// Write the evidence package of a consignment (docs/act-format.md 14.6): its signed acts,
    /// the registry acts that check them, a receipt of central's transparency log per act and
    /// a tree head signed now. Anyone can check it offline with scripts/check-evidence.py or
    /// central/ui/verify.html. Never overwrites a file.
    Evidence {
        /// The consignment number.
        consignment: String,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Replace the transparency log's key: a new one enrolled and signing from now (a tree
    /// head at once), the old one revoked from the next second and its file gone. Heads the old
    /// key signed stay valid. Works on the data directory, or through the running server.
    RotateLogKey,
    /// Reconciliation staff's own keys, which sign the resolutions of discrepancies: kept here
    /// encrypted under each person's PIN.
    Officer {
        #[command(subcommand)]
        command: OfficerCommand,
    },
    /// Headquarters staff accounts for the dashboard over HTTPS (the staff port).
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Make an identity for backups: written to --out (mode 0600; keep it off this machine),
    /// its recipient (age1…) printed for `backup --to`.
    BackupKey {
        /// Where to write the identity.
        #[arg(long)]
        out: PathBuf,
    },
    /// Back central up into one file, encrypted to the recipients and signed by central's
    /// device key: its data directory and a consistent copy of its store. Works while `serve`
    /// runs (run it as central's user) or with central stopped.
    Backup(backup_cli::BackupArgs),
    /// Restore central from a backup into --data-dir, which must be new or empty.
    Restore(backup_cli::RestoreArgs),
}

#[derive(Subcommand)]
pub(crate) enum OfficerCommand {
    /// Make a new key under a PIN (asked on the terminal, or read from standard input); then
    /// enroll it: tamga-central enroll --key <key> --role central_staff ...
    New {
        /// The staff member's full name.
        #[arg(long)]
        holder: String,
    },
    /// Keep an existing key (64 hex digits of its secret, then the PIN, asked or on standard
    /// input).
    Import {
        /// The staff member's full name.
        #[arg(long)]
        holder: String,
    },
    /// List the keys kept here, with their enrollment as central staff.
    List,
}

fn main() -> ExitCode {
    tamga_node::tls::install_provider();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TAMGA_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(answer) => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(answer.as_bytes())
                .and_then(|()| stdout.flush())
            {
                // A reader that went away (`| head`) is not a failure.
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("error: the answer could not be printed ({e}), but the command itself was carried out");
                    ExitCode::from(1)
                }
                _ => ExitCode::SUCCESS,
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Appends a line to the answer.
macro_rules! say {
    ($out:expr) => {
        $out.push('\n')
    };
    ($out:expr, $($arg:tt)*) => {
        writeln!($out, $($arg)*).expect("writing to a String")
    };
}

// After the macro: the module uses `say!`.
mod account_cli;
mod backup_cli;
mod department_cli;
mod evidence_cli;
mod lists_cli;
mod officer_cli;
mod root_cli;
use account_cli::AccountCommand;
use department_cli::{department_command, DepartmentCommand};
use root_cli::{root_command, root_for_init, RootCommand};

fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string_pretty(value).expect("serializes") + "\n"
}

fn open(dir: &Path) -> Result<Central, String> {
    Central::open(dir).map_err(|e| match e {
        tamga_central::CentralError::Store(tamga_store::StoreError::Locked { .. }) => format!(
            "{e}. If `tamga-central serve` runs from {}, use its dashboard, or stop it for this command (enroll, revoke and enrollment go through the running server)",
            dir.display()
        ),
        e => e.to_string(),
    })
}

#[derive(Serialize)]
struct AuthorityOut {
    authority_key: String,
    authority_fingerprint: String,
    registrar_key: String,
}

#[derive(Serialize)]
struct EnrollmentOut {
    file: String,
    acts: usize,
}

fn serve(dir: &Path) -> Result<String, String> {
    let central = open(dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server's runtime: {e}"))?;
    runtime.block_on(tamga_central::serve::run(central, |address| {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "listening on {address}");
        let _ = stdout.flush();
    }))?;
    Ok(String::new())
}

fn run(cli: Cli) -> Result<String, String> {
    let dir = cli.data_dir;
    tamga_node::files::refuse_root_on_foreign_dir(&dir, "tamga-central")?;
    let json = cli.json;
    let mut answer = String::new();
    // Times for people: local time in central's zone with the offset (Asia/Bishkek before init).
    let zone = tamga_central::config::Config::load(&dir)
        .map(|c| c.local_time())
        .unwrap_or_default();
    match cli.command {
        Command::Init {
            root_key,
            registrar_valid_days,
            unit,
            listen,
            device_valid_days,
            postgres,
        } => {
            let root = root_for_init(&dir, &root_key, &mut answer)?;
            let made = Central::init(
                &dir,
                &InitOptions {
                    unit,
                    listen,
                    device_valid_days,
                    registrar_valid_days,
                    postgres,
                },
                &root,
                Timestamp::now(),
            )
            .map_err(|e| e.to_string())?;
            let central = Central::open(&dir).map_err(|e| e.to_string())?;
            if central.config.postgres.is_some() {
                // On a shared database every process signs the one log with one key: made
                // now, so that each copy of this directory carries it.
                tamga_central::log::keeper(&central, Timestamp::now())
                    .map_err(|e| format!("the transparency log key: {e}"))?;
            }
            drop(central);
            if json {
                return Ok(to_json(&made));
            }
            say!(answer, "central created in {}", made.data_dir);
            say!(answer, "customs authority key: {}", made.authority_key);
            say!(answer, "fingerprint: {}", made.authority_fingerprint);
            say!(
                answer,
                "central's registrar key: {} (enrolled by the root until {})",
                made.registrar_key,
                zone.for_people(made.registrar_valid_until)
            );
            say!(
                answer,
                "central's device key: {} (enrolled at {} until {})",
                made.device_key,
                made.unit,
                zone.for_people(made.device_valid_until)
            );
            say!(
                answer,
                "staff port (the dashboard over HTTPS): {}; its certificate's SHA-256 fingerprint:",
                tamga_central::config::DEFAULT_STAFF_LISTEN
            );
            say!(answer, "  {}", made.staff_certificate_sha256);
            say!(answer, "  staff compare it with what their browser shows before they trust it; or set staff_tls_cert");
            say!(answer, "  and staff_tls_key to the organisation's PEM files. Accounts: tamga-central account add.");
            say!(answer);
            say!(answer, "Give the authority key to every edge node (tamga-edge init --authority <key>) and read the");
            say!(answer, "fingerprint aloud to its operator to confirm it. Take the root key file offline now, with a");
            say!(answer, "copy in a safe. Next: tamga-central enroll, then tamga-central enrollment --out FILE.");
            Ok(answer)
        }
        Command::Authority => {
            // The configuration alone: this works while `serve` holds the store.
            let config = tamga_central::config::Config::load(&dir).map_err(|e| e.to_string())?;
            let root = config.root()?;
            let registrar = tamga_central::Authority::load(
                &dir.join(tamga_central::authority::REGISTRAR_KEY_FILE),
                root.clone(),
            )
            .map_err(|e| e.to_string())?;
            let out = AuthorityOut {
                authority_key: root.to_string(),
                authority_fingerprint: root.fingerprint(),
                registrar_key: registrar.id().to_string(),
            };
            if json {
                answer = to_json(&out);
            } else {
                say!(answer, "customs authority key: {}", out.authority_key);
                say!(answer, "fingerprint: {}", out.authority_fingerprint);
                say!(answer, "central's registrar key: {}", out.registrar_key);
            }
            Ok(answer)
        }
        Command::Import { file } => {
            let text = tamga_node::files::read_text_limited(
                &file,
                tamga_central::admin::MAX_IMPORT_BYTES as u64,
            )
            .map_err(|e| format!("{}: {e}", file.display()))?;
            let out = Admin::open(&dir)?.import(text, Timestamp::now())?;
            if json {
                return Ok(to_json(&out));
            }
            say!(
                answer,
                "imported {}: {} registry acts, {} new",
                file.display(),
                out.acts,
                out.new
            );
            say!(
                answer,
                "Hand out a new enrollment file: tamga-central enrollment --out FILE"
            );
            Ok(answer)
        }
        Command::ImportSealFeed { file } => {
            let out = Admin::open(&dir)?.import_seal_feed(&file, Timestamp::now())?;
            if json {
                return Ok(to_json(&out));
            }
            say!(
                answer,
                "seal feed {} recorded: {} acts, {} events, {} new, for {}",
                file.display(),
                out.acts,
                out.events,
                out.new,
                out.consignments.join(", ")
            );
            Ok(answer)
        }
        Command::Root { command } => root_command(command, json),
        Command::NextRegistrar => {
            let next = Central::new_registrar_key(&dir).map_err(|e| e.to_string())?;
            if json {
                return Ok(to_json(
                    &serde_json::json!({ "next_registrar_key": next.to_string() }),
                ));
            }
            say!(answer, "next registrar key: {next}");
            say!(answer, "On the root's offline machine: tamga-central root enroll-registrar --root-key FILE --key {next} --name \"...\" --unit <central's unit> --out FILE");
            say!(answer, "then here: tamga-central import FILE");
            Ok(answer)
        }
        Command::Enroll {
            key,
            role,
            unit,
            name,
            personal_number,
            valid_from,
            valid_until,
            valid_days,
            migrated_from,
        } => {
            let now = Timestamp::now();
            let body = EnrollBody {
                key,
                role: role.into(),
                unit,
                name,
                personal_number,
                valid_from,
                valid_until,
                valid_days,
                migrated_from,
            };
            let out = Admin::open(&dir)?.enroll(body, now)?;
            if json {
                return Ok(to_json(&out));
            }
            let who = match &out.personal_number {
                Some(p) => format!("{} (personal number {p})", out.holder),
                None => out.holder.clone(),
            };
            if out.outcome == "already_enrolled" {
                say!(answer, "already enrolled, nothing new was signed: act {} enrolls {who} as {} at {}, valid {} until {}",
                    out.act, out.role.as_str(), out.unit, zone.for_people(out.valid_from), zone.for_people(out.valid_until));
                return Ok(answer);
            }
            say!(
                answer,
                "enrolled {who} as {} at {}, valid {} until {}",
                out.role.as_str(),
                out.unit,
                zone.for_people(out.valid_from),
                zone.for_people(out.valid_until)
            );
            say!(answer, "key: {}", out.key);
            say!(answer, "act: {}", out.act);
            say!(
                answer,
                "Hand out a new enrollment file: tamga-central enrollment --out FILE"
            );
            Ok(answer)
        }
        Command::Revoke {
            key,
            reason,
            effective_from,
        } => {
            let now = Timestamp::now();
            let body = RevokeBody {
                key,
                reason,
                effective_from: effective_from.unwrap_or(now),
            };
            let out = Admin::open(&dir)?.revoke(body, now)?;
            if json {
                answer = to_json(&out);
            } else if out.outcome == "already_revoked" {
                say!(
                    answer,
                    "already revoked from {} ({}), nothing new was signed: act {}",
                    zone.for_people(out.effective_from),
                    out.reason,
                    out.act
                );
            } else {
                say!(
                    answer,
                    "revoked key {} from {}: {}",
                    out.key,
                    zone.for_people(out.effective_from),
                    out.reason
                );
                say!(answer, "act: {}", out.act);
                say!(
                    answer,
                    "Hand out a new enrollment file: tamga-central enrollment --out FILE"
                );
            }
            Ok(answer)
        }
        Command::KpParticipants { file } => lists_cli::kp_participants(&dir, &file, &zone, json),
        Command::Calendar { file } => lists_cli::calendar(&dir, &file, json),
        Command::RegisterPost {
            post,
            name,
            time_zone,
            hours,
            coordinates,
        } => lists_cli::register_post(
            &dir,
            tamga_central::authority::PostRequest {
                post,
                name,
                time_zone,
                hours,
                coordinates,
            },
            &zone,
            json,
        ),
        Command::Registry => {
            let central = open(&dir)?;
            let now = Timestamp::now();
            let entries = central.registry_entries(now);
            if json {
                answer = to_json(&entries);
            } else {
                print_registry(&mut answer, &entries, now, &zone);
            }
            Ok(answer)
        }
        Command::Serve => serve(&dir),
        Command::Officer { command } => officer_cli::officer(&dir, command, json),
        Command::Account { command } => match command {
            AccountCommand::Add {
                username,
                name,
                personal_number,
                role,
                key,
            } => account_cli::add(
                &dir,
                account_cli::AddBody {
                    username,
                    name,
                    personal_number,
                    role,
                    key,
                    password: String::new(),
                },
                json,
            ),
            AccountCommand::List => account_cli::list(&dir, json),
        },
        Command::DepartmentFigures { command } => department_command(&dir, command, json),
        Command::Evidence { consignment, out } => {
            evidence_cli::evidence(&dir, &consignment, &out, json)
        }
        Command::RotateLogKey => evidence_cli::rotate_log_key(&dir, json),
        Command::BackupKey { out } => backup_cli::key(&out),
        Command::Backup(args) => backup_cli::backup(&dir, &args),
        Command::Restore(args) => backup_cli::restore(&dir, &args),
        Command::Enrollment { out } => {
            let acts = Admin::open(&dir)?.write_enrollment(&out)?;
            let shown = out.display().to_string();
            if json {
                answer = to_json(&EnrollmentOut { file: shown, acts });
            } else {
                say!(
                    answer,
                    "enrollment file written: {shown} ({acts} registry acts)"
                );
                say!(
                    answer,
                    "Import it on each edge node: tamga-edge record {shown}"
                );
            }
            Ok(answer)
        }
    }
}

fn print_registry(
    answer: &mut String,
    entries: &[RegistryEntry],
    now: Timestamp,
    zone: &tamga_node::local_time::LocalTime,
) {
    say!(
        answer,
        "{} enrollments, as of {}",
        entries.len(),
        zone.for_people(now)
    );
    for e in entries {
        say!(answer);
        let who = match &e.personal_number {
            Some(p) => format!("{} (personal number {p})", e.holder),
            None => e.holder.clone(),
        };
        say!(
            answer,
            "{who}: {} at {} [{}]",
            e.role.as_str(),
            e.unit,
            e.status
        );
        say!(answer, "  key {} (fingerprint {})", e.key, e.fingerprint);
        let by = if e.enrolled_by == "root" {
            "the root key".to_owned()
        } else {
            format!("registrar {}", &e.enrolled_by[..16])
        };
        say!(answer, "  enrolled by {by} (act {})", &e.act[..16]);
        if let Some(paper) = &e.migrated_from {
            say!(answer, "  MIGRATED from the paper record: {paper}");
        }
        say!(
            answer,
            "  valid {} until {}",
            zone.for_people(e.valid_from),
            zone.for_people(e.valid_until)
        );
        if let Some(r) = &e.revoked {
            say!(
                answer,
                "  REVOKED from {}: {}",
                zone.for_people(r.effective_from),
                r.reason
            );
        }
    }
}
