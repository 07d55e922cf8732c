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
    serve_with(dir, &[], None)
}

/// `tamga-central serve` with more environment variables (`TAMGA_HTTP_*` limits) and, if given,
/// a lower limit on open file descriptors (`ulimit -n`, set by the shell that starts it).
pub fn serve_with(dir: &Path, env: &[(&str, &str)], open_files: Option<u32>) -> (Server, String) {
    let mut command = match open_files {
        Some(n) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                .arg(CENTRAL);
            c
        }
        None => Command::new(CENTRAL),
    };
    command
        .arg("--data-dir")
        .arg(dir)
        .arg("serve")
        .env("TAMGA_LOG", "warn")
        .env("TAMGA_CENTRAL_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
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
                // Below the shortest header deadline the tests give central, so that a kept
                // connection is never reused as central closes it.
                .pool_idle_timeout(Duration::from_millis(500))
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
    enroll_until(dir, person, unit, role, "2028-01-01");
}

/// Enrolls `person` at central in `dir`, valid from 2026-01-01 until `valid_until`.
pub fn enroll_until(dir: &Path, person: &Person, unit: &str, role: &str, valid_until: &str) {
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
        valid_until,
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

/// A person of the story's kind made here (the fixtures' constructor is private): a fixture key
/// derived from `name`.
pub fn person(
    name: &'static str,
    personal_number: &'static str,
    role: tamga_core::Role,
    unit: &'static str,
) -> Person {
    let key = tamga_core::fixtures::key(name);
    Person {
        id: tamga_core::signing::key_id(&key),
        key,
        name,
        personal_number,
        role,
        unit,
    }
}

/// Puts `bytes` under the entry of act `id` into the document `doc` of the store at `dir`, as a
/// peer's automerge change would bring it (the node's own CLI refuses such acts). The store
/// keeps the entry and leaves it out of every assessment.
pub fn slip_into_store(
    dir: &Path,
    authority: &KeyId,
    doc: &tamga_store::DocId,
    id: &tamga_core::ActId,
    bytes: &[u8],
) {
    use automerge::transaction::Transactable;
    let store = tamga_store::Store::open(dir.join("store"), authority).unwrap();
    let saved = store.save_doc(doc).unwrap();
    let mut automerge_doc = automerge::AutoCommit::load(&saved).unwrap();
    automerge_doc.set_actor(automerge::ActorId::random());
    let heads = automerge_doc.get_heads();
    automerge_doc
        .put(
            automerge::ROOT,
            tamga_store::doc::act_key(id),
            automerge::ScalarValue::Bytes(bytes.to_vec()),
        )
        .unwrap();
    automerge_doc.commit();
    let change = automerge_doc.save_after(&heads);
    let report = store.apply_changes(doc, &change).unwrap();
    assert!(report.seq.is_some(), "the entry was merged: {report:?}");
}

/// One sample of `/metrics` (0 when the series is not there yet).
pub fn metric(http: &Http, series: &str) -> u64 {
    let (status, text) = http.get_text("/metrics");
    assert_eq!(status, 200, "{text}");
    text.lines()
        .find(|l| l.strip_prefix(series).is_some_and(|r| r.starts_with(' ')))
        .and_then(|l| l.rsplit(' ').next())
        .map(|v| v.parse().unwrap())
        .unwrap_or(0)
}

/// Central serving with the story's people enrolled, and the airport post (a real `tamga-edge`
/// node, not serving) holding the enrollment file and the story up to the seal check on the
/// road, synced with central.
pub struct Scene {
    pub root: tempfile::TempDir,
    pub edge: PathBuf,
    pub story: Story,
    pub hq: PathBuf,
    pub post: PathBuf,
    pub authority: KeyId,
    pub central_device: String,
    pub post_device: String,
    pub server: Server,
    pub url: String,
    pub http: Http,
}

impl Scene {
    /// The scene; `enroll_more` runs while central serves, before the enrollment file is written.
    pub fn new(enroll_more: impl FnOnce(&Path)) -> Scene {
        Scene::serving_with(&[], None, enroll_more)
    }

    /// The scene with central started as [`serve_with`] starts it.
    pub fn serving_with(
        env: &[(&str, &str)],
        open_files: Option<u32>,
        enroll_more: impl FnOnce(&Path),
    ) -> Scene {
        let edge = edge_binary();
        let story = Story::new();
        let root = tempfile::tempdir().unwrap();
        let hq = root.path().join("hq");
        let post = root.path().join("post");
        let (authority, central_device) = init_central(&hq);
        let (server, url) = serve_with(&hq, env, open_files);
        let http = Http::new(&url);
        let post_device = init_post(&edge, &post, &authority);
        enroll_story(&hq, &story);
        enroll_post_device(&hq, &post_device);
        enroll_more(&hq);
        let scene = Scene {
            root,
            edge,
            story,
            hq,
            post,
            authority,
            central_device,
            post_device,
            server,
            url,
            http,
        };
        scene.refresh_enrollment(&scene.post);
        let acts = scene.story.clean_delivery();
        scene.record_at_post(&acts[..6]).expect("the story records");
        sync_post_with_central(&scene.edge, &scene.post, &scene.url, &scene.central_device);
        scene.wait_for_acts(6);
        scene
    }

    /// Creates an edge node in `dir` (`role` at `unit`, pinned to central's authority), has
    /// central enroll its device key as `name`, and records the enrollment file there. Returns
    /// the device key.
    pub fn enrolled_node(&self, dir: &Path, role: &str, unit: &str, name: &str) -> String {
        let out = must(
            &self.edge,
            dir,
            &[
                "init",
                "--role",
                role,
                "--unit",
                unit,
                "--authority",
                self.authority.as_str(),
                "--listen",
                "127.0.0.1:0",
                "--central-unit",
                "HQ-RECON",
            ],
            "",
        );
        let device = out
            .lines()
            .find_map(|l| l.strip_prefix("device key: "))
            .expect("device key printed")
            .to_owned();
        must(
            Path::new(CENTRAL),
            &self.hq,
            &[
                "enroll", "--key", &device, "--role", "device", "--unit", unit, "--name", name,
            ],
            "",
        );
        self.refresh_enrollment(dir);
        device
    }

    /// Writes central's enrollment file and records it at the node in `dir`.
    pub fn refresh_enrollment(&self, dir: &Path) {
        let file = self.root.path().join("enrollment.acts");
        must(
            Path::new(CENTRAL),
            &self.hq,
            &["enrollment", "--out", file.to_str().unwrap()],
            "",
        );
        must(&self.edge, dir, &["record", file.to_str().unwrap()], "");
    }

    /// `tamga-edge record` of `acts` at the post: its output, or its error.
    pub fn record_at_post(&self, acts: &[SignedAct]) -> Result<String, String> {
        let file = self.root.path().join("acts.txt");
        write_acts(&file, acts);
        let r = run(
            &self.edge,
            &self.post,
            &["record", file.to_str().unwrap()],
            "",
        );
        if r.ok {
            Ok(r.stdout)
        } else {
            Err(r.stderr)
        }
    }

    /// The post syncs with central again.
    pub fn sync(&self) {
        let out = must(&self.edge, &self.post, &["sync"], "");
        assert!(out.contains("central: synced"), "{out}");
    }

    /// What the post shows of the story's consignment (`tamga-edge show --json`).
    ///
    /// Without `as_of`, the moment the view was computed, so that two views of an unchanged
    /// store compare equal even when a second passed between them.
    pub fn post_view(&self) -> Value {
        let mut view: Value = serde_json::from_str(&must(
            &self.edge,
            &self.post,
            &["show", self.story.consignment.as_str(), "--json"],
            "",
        ))
        .unwrap();
        view.as_object_mut()
            .expect("the post shows a consignment as an object")
            .remove("as_of")
            .expect("the post's view says when it was computed");
        view
    }

    /// Central's view of the story's consignment (`/api/consignments/{id}`).
    pub fn central_view(&self) -> Value {
        self.http.get(&format!(
            "/api/consignments/{}",
            encode_path(self.story.consignment.as_str())
        ))
    }

    /// Waits until central's timeline of the consignment has `n` entries and its index row has
    /// caught up with the store.
    pub fn wait_for_acts(&self, n: usize) {
        wait_for(&format!("central shows {n} acts"), || {
            let id = self.story.consignment.as_str();
            let (status, text) = self
                .http
                .get_text(&format!("/api/consignments/{}", encode_path(id)));
            let health = self.http.get("/health");
            status == 200
                && serde_json::from_str::<Value>(&text).unwrap()["acts"]
                    .as_array()
                    .is_some_and(|a| a.len() == n)
                && health["feed_position"] == health["reconciled_position"]
        });
    }

    /// The open discrepancies central lists for the consignment: (kind, acts) pairs, sorted.
    pub fn open_discrepancies(&self) -> Vec<(String, Value)> {
        let rows = self.http.get("/api/discrepancies");
        let mut out: Vec<(String, Value)> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["kind"].as_str().unwrap().to_owned(), d["acts"].clone()))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.to_string().cmp(&b.1.to_string())));
        out
    }

    /// The refusals central lists (`/api/refusals`).
    pub fn refusals(&self) -> Vec<Value> {
        self.http.get("/api/refusals")["refusals"]
            .as_array()
            .unwrap()
            .clone()
    }
}

/// Sends one sync request to central by hand, as the device holding `device` would: the frame of
/// `request`, signed at `at` with `nonce`. Returns the status, the credential header sent, the
/// body sent and the answer's bytes.
pub fn raw_sync(
    http: &Http,
    device: &ed25519_dalek::SigningKey,
    central: &KeyId,
    request: &tamga_sync::session::Request,
    at: tamga_core::Timestamp,
    nonce: [u8; 16],
) -> (u16, String, Vec<u8>, Vec<u8>) {
    use tamga_sync::auth::RequestAuth;
    let body = tamga_sync::frame::encode(request).unwrap();
    let credential = RequestAuth::sign(device, central, at, nonce, &body).to_header();
    let (status, answer) = post_sync(http, &credential, body.clone());
    (status, credential, body, answer)
}

/// `POST /sync` with a given credential header and body.
pub fn post_sync(http: &Http, credential: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    use tamga_node::transport::{AUTH_HEADER, SYNC_PATH};
    http.runtime.block_on(async {
        let answer = http
            .client
            .post(format!("{}{SYNC_PATH}", http.base))
            .header(AUTH_HEADER, credential)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        (status, answer.bytes().await.unwrap().to_vec())
    })
}
