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
//! - [`control`]: the Department's notice, expertise, State Control Act, certificates issued,
//!   a damaged KP certificate sent back.
//! - [`archive`]: the post's archive: a pass now, list, search, show, export.
//! - [`backup`]: `backup-key`, `backup`, `restore`.

pub mod acts;
pub mod archive;
pub mod backup;
pub mod control;
pub mod forms;
pub mod grammar;
pub mod handoff;
pub mod node;
pub mod officer;
pub mod print;

/// The node's time zone as people read and type times in it (the default zone where the
/// configuration cannot be read: the command itself then fails saying why).
pub fn local_time(dir: &std::path::Path) -> tamga_node::local_time::LocalTime {
    tamga_edge::config::Config::load(dir)
        .map(|c| c.local_time())
        .unwrap_or_default()
}

/// The signing officer's PIN: without echo from a terminal, or the next line of standard input
/// in a script (see [`tamga_node::officer::read_secret`]).
pub fn read_pin(prompt: &str) -> Result<String, String> {
    tamga_node::officer::read_secret(prompt).map(|pin| pin.as_str().to_owned())
}
