//! The command line, behind `main.rs` (which parses and dispatches): the grammar, the officer's
//! forms, printing answers, and the commands grouped by what they work on. Every command that
//! reaches the officer's desk goes through [`tamga_edge::client::Client`], so it works the same
//! whether the node is running or not.
//!
//! - [`grammar`]: the commands and options (clap).
//! - [`forms`]: the officer's forms built from the options.
//! - [`print`]: answers for people and as JSON.
//! - [`node`]: `init`, `serve`, `status`, `record`, `add-peer`, `sync`, bundles.
//! - [`acts`]: `list`, `show`, `act`, and the acts built from options (`seal`, `escort`, ...).
//! - [`officer`]: officer keys on this device.
//! - [`handoff`]: offers, review, countersignature, files and QR codes.

pub mod acts;
pub mod forms;
pub mod grammar;
pub mod handoff;
pub mod node;
pub mod officer;
pub mod print;

use std::io::IsTerminal;

/// A secret from the terminal (not echoed), or the next line of standard input in a script.
pub fn read_secret(prompt: &str) -> Result<String, String> {
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
