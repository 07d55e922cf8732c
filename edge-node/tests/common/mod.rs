//! What the end-to-end tests of `tamga-edge` share: running the real binary, creating and
//! enrolling nodes, serving and stopping them.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tamga_core::fixtures::{Person, Story};
use tamga_core::{KeyId, SignedAct};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_tamga-edge");

/// Runs `tamga-edge --data-dir DIR ARGS...`: success, stdout, stderr.
pub fn edge(dir: &Path, args: &[&str]) -> (bool, String, String) {
    edge_with_input(dir, args, "")
}

/// Runs a command with `input` on standard input (PINs, keys).
pub fn edge_with_input(dir: &Path, args: &[&str], input: &str) -> (bool, String, String) {
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("TAMGA_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A command's JSON output; the command must succeed.
pub fn json_of(dir: &Path, args: &[&str]) -> serde_json::Value {
    let (ok, out, err) = edge(dir, args);
    assert!(ok, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

/// A free port on loopback, for a node whose peers must know its address before it starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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

/// A child process stopped when dropped (SIGTERM, then SIGKILL if it lingers).
pub struct Running {
    pub child: Child,
    pub what: &'static str,
}

impl Running {
    pub fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{} did not stop on SIGTERM; killing it", self.what);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `tamga-edge serve`, optionally on a given address; returns the process and its address.
pub fn serve(dir: &Path, listen: Option<&str>, what: &'static str) -> (Running, String) {
    let mut command = Command::new(BIN);
    command
        .arg("--data-dir")
        .arg(dir)
        .arg("serve")
        .env("TAMGA_LOG", "error")
        .stdout(Stdio::piped());
    if let Some(address) = listen {
        command.env("TAMGA_EDGE_LISTEN", address);
    }
    let mut child = command.spawn().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{what}: address printed, got {line:?}"))
        .to_owned();
    // Keep reading what the node prints, so that it never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while reader.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
            sink.clear();
        }
    });
    (Running { child, what }, address)
}

impl Running {
    /// Stops the node with SIGTERM and checks it stopped cleanly (exit 0).
    pub fn stop_cleanly(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{} stops cleanly: {status}", self.what);
    }
}

pub fn add_peer(dir: &Path, name: &str, url: &str, key: &KeyId) {
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
