//! `tamga-edge`: the command line of the node at a post or in the escort vehicle. This file
//! parses the command line and dispatches; the commands are in `cli/`.
//!
//! Exit codes: 0 done, 1 the operation failed (the message says why and what to do), 2 the
//! command line was wrong.

mod cli;

use clap::Parser;
use cli::forms::{self, Here};
use cli::grammar::{Cli, Command};
use cli::{acts, archive, handoff, node, officer};
use std::process::ExitCode;
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
        Command::Officer(cmd) => officer::run(dir, cmd),
        Command::List { json, filters } => acts::list(dir, json, &filters),
        Command::Show { consignment, json } => acts::show(dir, consignment, json),
        Command::Act { form } => acts::act(dir, &form),
        Command::Seal(cmd) => acts::record(dir, forms::seal(cmd, &Here::of(dir)?)?),
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
            seal,
            attachment,
            place,
        } => {
            let here = Here::of(dir)?;
            let form = forms::incident(who, kind, description, seal, &attachment, &place, &here)?;
            acts::record(dir, form)
        }
        Command::Position { who, fix } => acts::record(dir, forms::position(who, &fix)?),
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
        Command::Deliver { who, count, place } => {
            let here = Here::of(dir)?;
            acts::record(dir, forms::deliver(who, &count, &place, &here)?)
        }
        Command::Handoff(cmd) => handoff::run(dir, cmd),
        Command::Archive(cmd) => archive::run(dir, cmd),
    }
}
