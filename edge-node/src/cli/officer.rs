//! `tamga-edge officer`: officer keys on this device. A key is created here or imported, and
//! kept encrypted under the officer's PIN in the node's keystore (`officers/`); central enrolls
//! the key id printed. `officer list` shows each key with its enrollment in force.

use super::grammar::OfficerCommand;
use super::print;
use std::path::Path;
use tamga_edge::client::Client;
use tamga_edge::node::OFFICERS_DIR;
use tamga_node::keystore::Keystore;
use tamga_node::officer;

/// Runs an `officer` subcommand.
pub fn run(dir: &Path, cmd: OfficerCommand) -> Result<(), String> {
    let keystore = Keystore::open(dir.join(OFFICERS_DIR)).map_err(|e| e.to_string())?;
    match cmd {
        OfficerCommand::New { holder } => new(&keystore, &holder),
        OfficerCommand::Import { holder } => import(&keystore, &holder),
        OfficerCommand::List { json } => {
            let list = Client::open(dir)?.officers()?;
            if json {
                print::json(&list);
            } else {
                print::officers(&list);
            }
            Ok(())
        }
    }
}

/// `officer new`: a fresh key under a new PIN (asked twice at a terminal).
fn new(keystore: &Keystore, holder: &str) -> Result<(), String> {
    let id = officer::new_key(keystore, holder)?;
    println!("officer key created for {holder}: {id}");
    println!("ask central to enroll this key (role, unit, personal number), then import the enrollment here with `tamga-edge record`");
    Ok(())
}

/// `officer import`: an existing secret key, then its PIN, from standard input.
fn import(keystore: &Keystore, holder: &str) -> Result<(), String> {
    let id = officer::import_key(keystore, holder)?;
    println!("officer key imported for {holder}: {id}");
    Ok(())
}
