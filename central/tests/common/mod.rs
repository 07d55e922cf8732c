//! What the end-to-end tests of `tamga-central` share, on top of `tamga-testkit`: running the
//! real `tamga-central` and `tamga-edge` binaries, serving, and setting up central with the
//! reference story's officers and a post node.
//!
//! The `tamga-edge` binary: tests of this package only get their own binary's path from cargo
//! (`CARGO_BIN_EXE_tamga-central`), so [`edge_binary`] takes it from the target directory
//! (`tamga_testkit::binaries`). `cargo test --workspace` builds it; a narrower run needs
//! `cargo build -p tamga-edge -p tamga-central` first, and says so when it is missing.
#![allow(dead_code, unused_imports)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use tamga_core::fixtures::{Person, Story};
use tamga_core::{KeyId, SignedAct};
pub use tamga_testkit::http::Http;
pub use tamga_testkit::peer::PeerHttp;
use tamga_testkit::process::{self, Out, Proc};
pub use tamga_testkit::wait::wait_for;

pub mod staff;

/// The binary under test.
pub const CENTRAL: &str = env!("CARGO_BIN_EXE_tamga-central");

/// The `tamga-edge` binary, built beforehand.
pub fn edge_binary() -> PathBuf {
    tamga_testkit::binaries::edge()
}

/// Runs `bin --data-dir DIR ARGS...` with `input` on standard input.
pub fn run(bin: &Path, dir: &Path, args: &[&str], input: &str) -> Out {
    let out = process::run_node(bin, dir, args, input);
    assert!(!out.hung, "{args:?} hung: {}{}", out.stdout, out.stderr);
    out
}

pub fn must(bin: &Path, dir: &Path, args: &[&str], input: &str) -> String {
    let r = run(bin, dir, args, input);
    assert!(r.ok, "{args:?}: {}{}", r.stdout, r.stderr);
    r.stdout
}

pub fn serve(dir: &Path) -> (Proc, String) {
    serve_with(dir, &[], None)
}

/// The administration token of the central serving from `hq` (its `serve.json`).
pub fn admin_token(hq: &Path) -> String {
    let info: Value =
        serde_json::from_slice(&std::fs::read(hq.join("serve.json")).unwrap()).unwrap();
    info["token"].as_str().unwrap().to_owned()
}

/// A client of central's loopback API at `url` as the administration CLI is: with the token.
pub fn central_http(hq: &Path, url: &str) -> Http {
    Http::new(url).with_header(tamga_central::admin::TOKEN_HEADER, &admin_token(hq))
}

/// `tamga-central serve` with more environment variables (`TAMGA_HTTP_*` limits) and, if given,
/// a lower limit on open file descriptors (`ulimit -n`, set by the shell that starts it).
/// Returns the server (stopped when dropped) and its URL.
pub fn serve_with(dir: &Path, env: &[(&str, &str)], open_files: Option<u32>) -> (Proc, String) {
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
    command.arg("--data-dir").arg(dir).arg("serve");
    process::node_env(&mut command).env("TAMGA_CENTRAL_LISTEN", "127.0.0.1:0");
    for (name, value) in env {
        command.env(name, value);
    }
    let (server, address) = process::serve(command, "tamga-central");
    (server, format!("http://{address}"))
}

pub fn enroll(dir: &Path, person: &Person, unit: &str, role: &str) {
    enroll_until(dir, person, unit, role, "2028-01-01");
}

/// Enrolls `person` at central in `dir`, valid from 2026-01-01 until `valid_until`: the story's
/// acts are dated in 2026, before the enrollment, so it carries their keys over as a migration
/// of a paper record.
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
        "--migrated-from",
        "register of personal seals, 2026",
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

/// `tamga-central init --unit HQ-RECON`: the authority key and central's device key.
pub fn init_central(hq: &Path) -> (KeyId, String) {
    init_central_with(hq, &[])
}

/// [`init_central`] with more options (`--postgres URL`).
pub fn init_central_with(hq: &Path, more: &[&str]) -> (KeyId, String) {
    let root_key = process::root_key_beside(hq);
    let mut args = vec![
        "init",
        "--unit",
        "HQ-RECON",
        "--root-key",
        root_key.to_str().unwrap(),
        "--json",
    ];
    args.extend(more);
    let made: Value = serde_json::from_str(&must(Path::new(CENTRAL), hq, &args, "")).unwrap();
    // The story's acts are dated 2026-11-23 and reach central when a test runs: an offline
    // allowance of ten years keeps central's `seen_late` finding out of the scenes (the
    // transparency test sets the default back to see it).
    set_offline_allowance(hq, 10 * 365 * 86_400);
    (
        KeyId::new(made["authority_key"].as_str().unwrap()).unwrap(),
        made["device_key"].as_str().unwrap().to_owned(),
    )
}

/// Sets `offline_allowance_seconds` in central's configuration (central must be stopped).
pub fn set_offline_allowance(hq: &Path, seconds: u64) {
    let path = hq.join("tamga-central.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("offline_allowance_seconds"))
        .collect();
    let line = format!("offline_allowance_seconds = {seconds}");
    // Top-level keys go before the first table.
    let at = kept
        .iter()
        .position(|l| l.starts_with('['))
        .unwrap_or(kept.len());
    kept.insert(at, &line);
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
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
        (&story.supervisor, "HQ-RECON", "supervisor"),
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
    for person in [&story.central_staff, &story.supervisor] {
        let seed = hex::encode(person.key.to_bytes());
        let out = must(
            Path::new(CENTRAL),
            hq,
            &["officer", "import", "--holder", person.name],
            &format!("{seed}\n{pin}\n"),
        );
        assert!(out.contains(person.id.as_str()), "{out}");
    }
}

/// The address a node calls a server at as its peer: the same port, over TLS.
pub fn peer_url(base: &str) -> String {
    base.replacen("http://", "https://", 1)
}

/// Central as the post's peer, and one sync.
pub fn sync_post_with_central(edge: &Path, post: &Path, url: &str, central_device: &str) {
    let url = &peer_url(url);
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
    let report = store
        .apply_changes(doc, &change, &tamga_store::Writer::Anyone)
        .unwrap();
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
    pub server: Proc,
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
        let http = central_http(&hq, &url);
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

    /// How many of the story consignment's acts the node in `dir` shows "received by central
    /// at" (`tamga-edge show`), and what it showed.
    pub fn received_by_central(&self, dir: &Path) -> (usize, String) {
        let shown = must(
            &self.edge,
            dir,
            &["show", self.story.consignment.as_str()],
            "",
        );
        (shown.matches("received by central at").count(), shown)
    }

    /// Stops central, runs `while_stopped` on its data directory, and serves it again at the
    /// same address (with a new administration token).
    pub fn restart_central(&mut self, while_stopped: impl FnOnce(&Path)) {
        let port = self.url.rsplit(':').next().unwrap().to_owned();
        let listen = format!("127.0.0.1:{port}");
        self.server.stop();
        while_stopped(&self.hq);
        let (server, _) = serve_with(&self.hq, &[("TAMGA_CENTRAL_LISTEN", &listen)], None);
        self.server = server;
        self.http = central_http(&self.hq, &self.url);
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
    let (status, answer) = post_sync(http, device, central, &credential, body.clone());
    (status, credential, body, answer)
}

/// A client speaking to central as the node holding `device`: TLS with that device key,
/// admitting only `central`'s key.
pub fn as_peer(http: &Http, device: &ed25519_dalek::SigningKey, central: &KeyId) -> PeerHttp {
    let expected = central.clone();
    let admit: tamga_node::tls::Admission = std::sync::Arc::new(move |key: &KeyId| {
        (key == &expected)
            .then_some(())
            .ok_or_else(|| format!("not central's key: {}", key.fingerprint()))
    });
    PeerHttp::new(
        http.base(),
        tamga_node::tls::client_config(device, admit).unwrap(),
    )
}

/// `POST /sync` over TLS as `device`, with a given credential header and body.
pub fn post_sync(
    http: &Http,
    device: &ed25519_dalek::SigningKey,
    central: &KeyId,
    credential: &str,
    body: Vec<u8>,
) -> (u16, Vec<u8>) {
    use tamga_node::transport::{AUTH_HEADER, SYNC_PATH};
    let answer =
        as_peer(http, device, central).send("POST", SYNC_PATH, &[(AUTH_HEADER, credential)], &body);
    (answer.status, answer.body)
}

/// `scripts/check-evidence.py` on `file` with the customs authority `authority`: whether it
/// passed, and what it said.
#[allow(dead_code)]
pub fn check_evidence_py(file: &Path, authority: &str) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/check-evidence.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(file)
        .arg("--authority")
        .arg(authority)
        .output()
        .expect("python3 runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}
