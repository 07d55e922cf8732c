//! `tamga-edge officer`: officer keys on this device. A key is created here or imported, and
//! kept encrypted under the officer's PIN in the node's keystore (`officers/`); central enrolls
//! the key id printed. `officer list` shows each key with its enrollment in force.

use super::grammar::OfficerCommand;
use super::{print, read_secret};
use std::io::IsTerminal;
use std::path::Path;
use tamga_edge::client::Client;
use tamga_edge::node::OFFICERS_DIR;
use tamga_node::keystore::Keystore;
use zeroize::Zeroizing;

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
    let pin = read_secret("new PIN (at least 6 characters): ")?;
    if std::io::stdin().is_terminal() && read_secret("the PIN again: ")? != pin {
        return Err("the two PINs differ; nothing was stored".into());
    }
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut()).map_err(|e| format!("no randomness: {e}"))?;
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let id = keystore
        .add(&key, holder, &pin)
        .map_err(|e| e.to_string())?;
    println!("officer key created for {holder}: {id}");
    println!("ask central to enroll this key (role, unit, personal number), then import the enrollment here with `tamga-edge record`");
    Ok(())
}

/// `officer import`: an existing secret key, then its PIN, from standard input.
fn import(keystore: &Keystore, holder: &str) -> Result<(), String> {
    let secret = Zeroizing::new(read_secret("secret key (64 hex digits): ")?);
    let mut seed = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(secret.trim(), seed.as_mut())
        .map_err(|_| "the secret key must be 64 hex digits".to_owned())?;
    let pin = read_secret("PIN (at least 6 characters): ")?;
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let id = keystore
        .add(&key, holder, &pin)
        .map_err(|e| e.to_string())?;
    println!("officer key imported for {holder}: {id}");
    Ok(())
}
