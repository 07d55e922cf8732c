//! What the end-to-end tests of `tamga-edge` share, on top of `tamga-testkit`: running the real
//! binary, creating and enrolling nodes, serving them.
#![allow(dead_code)]

use std::path::Path;
use tamga_core::fixtures::{Person, Story};
use tamga_core::{KeyId, SignedAct};
use tamga_testkit::process::{self, Proc};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_tamga-edge");

/// Runs `tamga-edge --data-dir DIR ARGS...`: success, stdout, stderr.
pub fn edge(dir: &Path, args: &[&str]) -> (bool, String, String) {
    edge_with_input(dir, args, "")
}

/// Runs a command with `input` on standard input (PINs, keys).
pub fn edge_with_input(dir: &Path, args: &[&str], input: &str) -> (bool, String, String) {
    let out = process::run_node(Path::new(BIN), dir, args, input);
    assert!(
        !out.hung,
        "tamga-edge {args:?} hung: {}{}",
        out.stdout, out.stderr
    );
    (out.ok, out.stdout, out.stderr)
}

/// A command's JSON output; the command must succeed.
pub fn json_of(dir: &Path, args: &[&str]) -> serde_json::Value {
    let (ok, out, err) = edge(dir, args);
    assert!(ok, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

/// Creates a node listening on `listen`; returns its device key.
pub fn init(dir: &Path, story: &Story, role: &str, unit: &str, listen: &str) -> KeyId {
    let (ok, out, err) = edge(
        dir,
        &[
            "init",
            "--role",
            role,
            "--unit",
            unit,
            "--authority",
            story.authority_id().as_str(),
            "--listen",
            listen,
        ],
    );
    assert!(ok, "{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("device key: "))
        .expect("device key printed");
    KeyId::new(line.trim_start_matches("device key: ")).unwrap()
}

/// Writes acts one per line, as an enrollment or act file.
pub fn write_acts(path: &Path, acts: &[SignedAct]) {
    let text: Vec<String> = acts
        .iter()
        .map(|a| String::from_utf8(a.encode()).unwrap())
        .collect();
    std::fs::write(path, text.join("\n") + "\n").unwrap();
}

/// Puts a fixture officer's key into the node's keystore under `pin`.
pub fn import_officer(dir: &Path, person: &Person, pin: &str) {
    let seed = hex::encode(person.key.to_bytes());
    let (ok, out, err) = edge_with_input(
        dir,
        &["officer", "import", "--holder", person.name],
        &format!("{seed}\n{pin}\n"),
    );
    assert!(
        ok && out.contains(person.id.as_str()),
        "officer import: {out}{err}"
    );
}

/// `tamga-edge serve`, optionally on a given address; returns the process (stopped when
/// dropped) and its address.
pub fn serve(dir: &Path, listen: Option<&str>, what: &'static str) -> (Proc, String) {
    let mut command = process::node_command(Path::new(BIN), dir, &["serve"]);
    command.env("TAMGA_LOG", "error");
    if let Some(address) = listen {
        command.env("TAMGA_EDGE_LISTEN", address);
    }
    process::serve(command, what)
}

/// Tells the node at `dir` of a peer at `url` (a node's base URL; it is called over TLS, on the
/// same port) with device key `key`.
pub fn add_peer(dir: &Path, name: &str, url: &str, key: &KeyId) {
    let url = &url.replacen("http://", "https://", 1);
    let (ok, out, err) = edge(
        dir,
        &[
            "add-peer",
            "--name",
            name,
            "--url",
            url,
            "--key",
            key.as_str(),
        ],
    );
    assert!(ok, "add-peer {name}: {out}{err}");
}
