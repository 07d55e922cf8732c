//! What the end-to-end tests of `tamga-central` share: running the real `tamga-central` and
//! `tamga-edge` binaries, serving, a small blocking HTTP client, and setting up central with the
//! reference story's officers and a post node.
//!
//! The `tamga-edge` binary: tests of this package only get their own binary's path from cargo
//! (`CARGO_BIN_EXE_tamga-central`), so [`edge_binary`] runs `cargo build -p tamga-edge --bin
//! tamga-edge` (with the same cargo and target directory; nothing to do when it is up to date)
//! and takes the binary from beside `tamga-central`.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tamga_core::fixtures::{Person, Story};
use tamga_core::{KeyId, SignedAct};

/// The binary under test.
pub const CENTRAL: &str = env!("CARGO_BIN_EXE_tamga-central");

/// The `tamga-edge` binary, built if needed.
pub fn edge_binary() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "-p",
            "tamga-edge",
            "--bin",
            "tamga-edge",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build -p tamga-edge failed");
    let path = Path::new(CENTRAL).with_file_name("tamga-edge");
    assert!(path.exists(), "{} was built", path.display());
    path
}

/// A command's outcome.
pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(bin: &Path, dir: &Path, args: &[&str], input: &str) -> Run {
    let mut child = Command::new(bin)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("TAMGA_LOG", "warn")
        .env_remove("TAMGA_CENTRAL_DIR")
        .env_remove("TAMGA_CENTRAL_LISTEN")
        .env_remove("TAMGA_EDGE_LISTEN")
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
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn must(bin: &Path, dir: &Path, args: &[&str], input: &str) -> String {
    let r = run(bin, dir, args, input);
    assert!(r.ok, "{args:?}: {}{}", r.stdout, r.stderr);
    r.stdout
}

/// A child process stopped when dropped.
pub struct Server(pub Child);

impl Server {
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(status)) = self.0.try_wait() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        self.0.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            self.terminate();
        }
    }
}

pub fn serve(dir: &Path) -> (Server, String) {
    let mut child = Command::new(CENTRAL)
        .arg("--data-dir")
        .arg(dir)
        .arg("serve")
        .env("TAMGA_LOG", "warn")
        .env("TAMGA_CENTRAL_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("address printed, got {line:?}"))
        .to_owned();
    std::thread::spawn(move || {
        let mut sink = String::new();
        while reader.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
            sink.clear();
        }
    });
    (Server(child), format!("http://{address}"))
}

/// A small blocking HTTP client over reqwest.
pub struct Http {
    pub runtime: tokio::runtime::Runtime,
    pub client: reqwest::Client,
    pub base: String,
}

impl Http {
    pub fn new(base: &str) -> Http {
        Http {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            base: base.to_owned(),
        }
    }

    pub fn send(&self, request: reqwest::RequestBuilder) -> (u16, String) {
        self.runtime.block_on(async {
            let answer = request.send().await.unwrap();
            let status = answer.status().as_u16();
            (status, answer.text().await.unwrap())
        })
    }

    pub fn get_text(&self, path: &str) -> (u16, String) {
        self.send(self.client.get(format!("{}{path}", self.base)))
    }

    pub fn get(&self, path: &str) -> Value {
        let (status, text) = self.get_text(path);
        assert_eq!(status, 200, "GET {path}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let (status, text) = self.send(
            self.client
                .post(format!("{}{path}", self.base))
                .header("content-type", "application/json")
                .body(body.to_string()),
        );
        (status, serde_json::from_str(&text).unwrap())
    }
}

pub fn enroll(dir: &Path, person: &Person, unit: &str, role: &str) {
    let mut args = vec![
        "enroll",
        "--key",
        person.id.as_str(),
        "--role",
        role,
        "--unit",
        unit,
        "--name",
        person.name,
        "--valid-from",
        "2026-01-01",
        "--valid-until",
        "2028-01-01",
    ];
    if !person.personal_number.is_empty() {
        args.extend(["--personal-number", person.personal_number]);
    }
    let out = must(Path::new(CENTRAL), dir, &args, "");
    assert!(out.contains("enrolled"), "{out}");
}

pub fn write_acts(path: &Path, acts: &[SignedAct]) {
    let text: Vec<String> = acts
        .iter()
        .map(|a| String::from_utf8(a.encode()).unwrap())
        .collect();
    std::fs::write(path, text.join("\n") + "\n").unwrap();
}

pub fn encode_path(id: &str) -> String {
    id.replace('/', "%2F")
}

pub fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(30), "{what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `tamga-central init --unit HQ-RECON`: the authority key and central's device key.
pub fn init_central(hq: &Path) -> (KeyId, String) {
    let made: Value = serde_json::from_str(&must(
        Path::new(CENTRAL),
        hq,
        &["init", "--unit", "HQ-RECON", "--json"],
        "",
    ))
    .unwrap();
    (
        KeyId::new(made["authority_key"].as_str().unwrap()).unwrap(),
        made["device_key"].as_str().unwrap().to_owned(),
    )
}

/// A post node at the Manas airport pinned to `authority`, with central as its central unit;
/// returns its device key.
pub fn init_post(edge: &Path, post: &Path, authority: &KeyId) -> String {
    let out = must(
        edge,
        post,
        &[
            "init",
            "--role",
            "post",
            "--unit",
            "MANAS-AIRPORT",
            "--authority",
            authority.as_str(),
            "--listen",
            "127.0.0.1:0",
            "--central-unit",
            "HQ-RECON",
        ],
        "",
    );
    out.lines()
        .find_map(|l| l.strip_prefix("device key: "))
        .expect("device key printed")
        .to_owned()
}

/// Enrolls the story's officers, central staff and the vehicle's device.
pub fn enroll_story(hq: &Path, story: &Story) {
    for (person, unit, role) in [
        (&story.airport_officer, "MANAS-AIRPORT", "post_officer"),
        (&story.escort_lead, "ESCORT-BISHKEK", "escort_officer"),
        (&story.escort_second, "ESCORT-BISHKEK", "escort_officer"),
        (
            &story.department_officer,
            "PMD-BISHKEK",
            "precious_metals_officer",
        ),
        (&story.central_staff, "HQ-RECON", "central_staff"),
        (&story.vehicle_device, "ESCORT-BISHKEK", "device"),
    ] {
        enroll(hq, person, unit, role);
    }
}

/// Enrolls the airport post's device key.
pub fn enroll_post_device(hq: &Path, device: &str) {
    must(
        Path::new(CENTRAL),
        hq,
        &[
            "enroll",
            "--key",
            device,
            "--role",
            "device",
            "--unit",
            "MANAS-AIRPORT",
            "--name",
            "airport post PC",
        ],
        "",
    );
}

/// Keeps the story's central staff key on central under `pin` (`tamga-central officer import`:
/// the secret in hex, then the PIN, on standard input).
pub fn import_staff(hq: &Path, story: &Story, pin: &str) {
    let seed = hex::encode(story.central_staff.key.to_bytes());
    let out = must(
        Path::new(CENTRAL),
        hq,
        &["officer", "import", "--holder", story.central_staff.name],
        &format!("{seed}\n{pin}\n"),
    );
    assert!(out.contains(story.central_staff.id.as_str()), "{out}");
}

/// Central as the post's peer, and one sync.
pub fn sync_post_with_central(edge: &Path, post: &Path, url: &str, central_device: &str) {
    must(
        edge,
        post,
        &[
            "add-peer",
            "--name",
            "central",
            "--url",
            url,
            "--key",
            central_device,
        ],
        "",
    );
    let out = must(edge, post, &["sync"], "");
    assert!(out.contains("central: synced"), "{out}");
}
