//! `tamga-edge`: the command line of the node at a post or in the escort vehicle. This file
//! parses the command line and dispatches; the commands are in `cli/`.
//!
//! Exit codes: 0 done, 1 the operation failed (the message says why and what to do), 2 the
//! command line was wrong.

mod cli;

use clap::Parser;
use cli::forms::{self, Here};
use cli::grammar::{ActCommand, Cli, Command, PermitCommand, SealCommand};
use cli::{acts, archive, backup, control, handoff, node, officer};
use std::process::ExitCode;
use tamga_edge::client::Client;
use tamga_edge::config::PeerConfig;
use tamga_edge::node::InitOptions;

fn main() -> ExitCode {
    tamga_node::tls::install_provider();
    // Output piped into `head` or `grep -q` may be closed early: end quietly like other
    // command-line tools instead of failing on the write. SIGPIPE stays ignored (Rust's
    // default): TLS writes sockets with `writev`, which raises it when a peer closes, and the
    // default action would kill a serving node without a word. A closed standard output ends
    // the process here instead.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info)
    }));
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
    let dir = cli.data_dir.as_path();
    tamga_node::files::refuse_root_on_foreign_dir(dir, "tamga-edge")?;
    match cli.command {
        Command::Init {
            role,
            unit,
            authority,
            listen,
            central_units,
            enrollment,
        } => {
            let options = InitOptions {
                role,
                unit,
                authority,
                listen,
                central_units,
            };
            node::init(dir, options, enrollment.as_deref())
        }
        Command::Serve => node::serve(dir),
        Command::Status { json } => node::status(dir, json),
        Command::ClearLogAlarm => node::clear_log_alarm(dir),
        Command::Record { file } => node::record(dir, &file),
        Command::AddPeer { name, url, key } => {
            let key = tamga_core::KeyId::new(key).map_err(|e| format!("peer {name}: {e}"))?;
            node::add_peer(dir, PeerConfig { name, url, key })
        }
        Command::Sync { peer } => node::sync(dir, peer.as_deref()),
        Command::ExportBundle {
            out,
            for_key,
            since,
        } => node::export_bundle(dir, &out, &for_key, since),
        Command::ImportBundle { file } => node::import_bundle(dir, &file),
        Command::ImportSealFeed { file } => node::import_seal_feed(dir, &file),
        Command::BackupKey(args) => backup::key(&args.out),
        Command::Backup(args) => backup::backup(dir, &args.out, &args.to),
        Command::Restore(args) => {
            backup::restore(dir, &args.from, &args.identity, args.new_device_key)
        }
        Command::Officer(cmd) => officer::run(dir, cmd),
        Command::List { json, filters } => acts::list(dir, json, &filters),
        Command::Show { consignment, json } => acts::show(dir, consignment, json),
        Command::Act {
            paper:
                Some(ActCommand::Paper {
                    act,
                    consignment,
                    out,
                }),
            ..
        } => acts::paper(dir, &act, consignment.as_deref(), &out),
        Command::Act {
            form: Some(form), ..
        } => acts::act(dir, &form),
        Command::Act { .. } => Err(
            "give a form file (or - for standard input), or `act paper ACT --out FILE.pdf`".into(),
        ),
        Command::Seal(cmd) => {
            let here = Here::of(dir)?;
            let client = Client::open(dir)?;
            let permission = match &cmd {
                SealCommand::Replace { who, grounds, .. }
                | SealCommand::Remove { who, grounds, .. } => match &grounds.permission {
                    Some(p) => Some(acts::Acts::of(&client, &who.consignment).id(p)?),
                    None => None,
                },
                _ => None,
            };
            acts::record_on(&client, forms::seal(cmd, &here, permission)?)
        }
        Command::Escort {
            who,
            unit,
            vehicle,
            in_charge,
            crew,
            place,
        } => {
            let here = Here::of(dir)?;
            let crew = forms::Escort {
                unit,
                vehicle,
                in_charge,
                crew,
            };
            acts::record(dir, forms::escort(who, crew, &place, &here)?)
        }
        Command::Incident {
            who,
            kind,
            description,
            happened_at,
            seal,
            attachment,
            place,
        } => {
            let here = Here::of(dir)?;
            let what = forms::Incident {
                kind,
                description,
                happened_at,
                seals: seal,
            };
            let form = forms::incident(who, what, &attachment, &place, &here)?;
            acts::record(dir, form)
        }
        Command::Position { who, fix } => {
            acts::record(dir, forms::position(who, &fix, &cli::local_time(dir))?)
        }
        Command::Arrive {
            who,
            arrived_at,
            working_hours_began_at,
            place,
        } => {
            let here = Here::of(dir)?;
            let form = forms::arrive(who, arrived_at, working_hours_began_at, &place, &here)?;
            acts::record(dir, form)
        }
        Command::Deliver {
            who,
            count,
            delivery,
            place,
        } => {
            let here = Here::of(dir)?;
            acts::record(dir, forms::deliver(who, &count, &delivery, &place, &here)?)
        }
        Command::Permit(cmd) => {
            let here = Here::of(dir)?;
            let client = Client::open(dir)?;
            let consignment = match &cmd {
                PermitCommand::SealRemoval { common, .. }
                | PermitCommand::Correction { common, .. }
                | PermitCommand::Transhipment { common, .. }
                | PermitCommand::Return { common } => common.who.consignment.clone(),
            };
            let held = acts::Acts::of(&client, &consignment);
            let form = forms::permit(cmd, &here, |given| held.id(given))?;
            acts::record_on(&client, form)
        }
        Command::Correct {
            who,
            act,
            reason,
            permission,
            fields,
        } => {
            let client = Client::open(dir)?;
            let held = acts::Acts::of(&client, &who.consignment);
            let (corrects, kind) = held.find(&act)?;
            let permission = permission.map(|p| held.id(&p)).transpose()?;
            let mut fields = fields;
            fields.happened_at = fields
                .happened_at
                .map(|t| forms::typed_time("--happened-at", &t, &cli::local_time(dir)))
                .transpose()?;
            let changes = forms::correction_changes(&kind, fields)?;
            let form = forms::correct(who, corrects, changes, reason, permission);
            acts::record_on(&client, form)
        }
        Command::ChangeEscort {
            who,
            unit,
            vehicle,
            in_charge,
            crew,
            reason,
            place,
        } => {
            let here = Here::of(dir)?;
            let crew = forms::Escort {
                unit,
                vehicle,
                in_charge,
                crew,
            };
            acts::record(dir, forms::change_escort(who, crew, reason, &place, &here)?)
        }
        Command::ExtendDeadline {
            who,
            incident,
            until,
            reason,
        } => {
            let client = Client::open(dir)?;
            let incident = acts::Acts::of(&client, &who.consignment).id(&incident)?;
            let until = forms::typed_time("--until", &until, &cli::local_time(dir))?;
            acts::record_on(
                &client,
                forms::extend_deadline(who, incident, until, reason),
            )
        }
        Command::FollowUp {
            who,
            incident,
            action,
            note,
            attachment,
            place,
        } => {
            let here = Here::of(dir)?;
            let client = Client::open(dir)?;
            let incident = acts::Acts::of(&client, &who.consignment).id(&incident)?;
            let form = forms::follow_up(who, incident, action, note, &attachment, &place, &here)?;
            acts::record_on(&client, form)
        }
        Command::Refuse {
            who,
            reason,
            seals,
            place,
        } => {
            let here = Here::of(dir)?;
            acts::record(dir, forms::refuse(who, reason, &seals, &place, &here)?)
        }
        Command::Return {
            who,
            count,
            permission,
            place,
        } => {
            let here = Here::of(dir)?;
            let client = Client::open(dir)?;
            let permission = permission
                .map(|p| acts::Acts::of(&client, &who.consignment).id(&p))
                .transpose()?;
            let form = forms::returned(who, &count, permission, &place, &here)?;
            acts::record_on(&client, form)
        }
        Command::Handoff(cmd) => handoff::run(dir, cmd),
        Command::Control(cmd) => control::run(dir, cmd),
        Command::Archive(cmd) => archive::run(dir, cmd),
    }
}
