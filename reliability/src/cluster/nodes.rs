//! The real processes of a cluster: central and the posts, each in its own data directory, set
//! up with the CLI and served; what they acknowledged ([`Ack`]).

use super::*;

/// Starts `bin --data-dir DIR serve` and waits for its `listening on` line.
pub(crate) fn serve(bin: &Path, dir: &Path, env: &[(&str, String)], what: &str) -> Proc {
    let mut command = process::node_command(bin, dir, &["serve"]);
    command.env("TAMGA_LOG", "error").stderr(Stdio::inherit());
    for (k, v) in env {
        command.env(k, v);
    }
    process::serve(command, what).0
}

/// The serving process of a node, when it runs.
#[derive(Default)]
pub struct Server {
    proc: Option<Proc>,
}

impl Server {
    /// Starts `bin serve` in `dir` with `env`, unless it runs already.
    fn start(&mut self, bin: &Path, dir: &Path, env: &[(&str, String)], what: &str) {
        assert!(self.proc.is_none(), "{what} is already running");
        self.proc = Some(serve(bin, dir, env, what));
    }

    /// SIGKILL.
    pub fn kill(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
    }

    /// SIGTERM (SIGKILL if it lingers); whether it stopped cleanly.
    pub fn stop(&mut self) -> bool {
        self.proc.take().is_none_or(|mut p| p.terminate().success())
    }

    /// Whether it runs.
    pub fn running(&mut self) -> bool {
        self.proc.as_mut().is_some_and(Proc::running)
    }

    /// The process id, while running.
    pub fn pid(&self) -> Option<u32> {
        self.proc.as_ref().map(Proc::pid)
    }
}

impl Drop for Server {
    /// SIGKILL, as a crash would: a failed test's cluster does not wait for clean stops.
    fn drop(&mut self) {
        self.kill();
    }
}

pub(crate) fn get_json(port: u16, path: &str) -> Result<Option<Value>, String> {
    get_json_with(port, path, &[])
}

/// [`get_json`] with request headers (central's administration token).
pub(crate) fn get_json_with(
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Option<Value>, String> {
    let answer =
        tamga_testkit::http::request(&format!("127.0.0.1:{port}"), "GET", path, headers, &[])?;
    let (status, body) = (answer.status, answer.text());
    match status {
        200 => serde_json::from_str(&body)
            .map(Some)
            .map_err(|e| format!("{path}: {e}")),
        404 => Ok(None),
        _ => Err(format!("{path}: {status} {body}")),
    }
}

/// Sets `key = value` at the top level of a TOML configuration file.
pub fn set_config(file: &Path, key: &str, value: toml::Value) {
    let text = std::fs::read_to_string(file).expect("configuration readable");
    let mut table: toml::Table = text.parse().expect("configuration is TOML");
    table.insert(key.to_owned(), value);
    std::fs::write(file, toml::to_string(&table).expect("TOML writes")).expect("written");
}

/// An acknowledged act: the command that recorded it exited 0 and printed its id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ack {
    /// The node that acknowledged it.
    pub node: String,
    /// Its document: a consignment id, or `registry`.
    pub doc: String,
    /// The act's id.
    pub act: String,
}

/// Where an act lives, as a [`DocId`].
pub fn doc_id(doc: &str) -> DocId {
    if doc == "registry" {
        DocId::Registry
    } else {
        DocId::Consignment(tamga_core::ConsignmentId::new(doc.to_owned()).expect("consignment id"))
    }
}

/// The central process and its data directory.
pub struct Central {
    /// Its data directory.
    pub dir: PathBuf,
    /// Where it listens.
    pub port: u16,
    /// Its device key.
    pub device_key: String,
    /// The customs authority's key.
    pub authority: KeyId,
    /// Its serving process.
    pub server: Server,
    bin: PathBuf,
}

impl Central {
    /// `tamga-central init --unit HQ-RECON`, on the shared database `postgres` if given.
    pub fn init(dir: PathBuf, bin: &Path, postgres: Option<&str>) -> Central {
        let root_key = tamga_testkit::process::root_key_beside(&dir);
        let root_key = root_key.to_str().expect("a UTF-8 path");
        let mut args = vec![
            "init",
            "--unit",
            "HQ-RECON",
            "--root-key",
            root_key,
            "--json",
        ];
        if let Some(url) = postgres {
            args.extend(["--postgres", url]);
        }
        let out = run(bin, &dir, &args, "");
        assert!(out.ok, "central init: {}{}", out.stdout, out.stderr);
        let made: Value = serde_json::from_str(&out.stdout).expect("init prints JSON");
        Central {
            port: free_port(),
            device_key: made["device_key"].as_str().expect("device key").to_owned(),
            authority: KeyId::new(made["authority_key"].as_str().expect("authority key"))
                .expect("a key id"),
            dir,
            server: Server::default(),
            bin: bin.to_path_buf(),
        }
    }

    /// Another process of this central on its shared database: a copy of its data directory
    /// in `dir` without the store (built from the database when it serves), on a port of its
    /// own.
    pub fn another_process(&self, dir: PathBuf) -> Central {
        let status = std::process::Command::new("cp")
            .arg("-a")
            .arg(&self.dir)
            .arg(&dir)
            .status()
            .expect("cp runs");
        assert!(status.success(), "copying central's data directory");
        std::fs::remove_dir_all(dir.join("store")).expect("the copy's store removed");
        let _ = std::fs::remove_file(dir.join("serve.json"));
        Central {
            dir,
            port: free_port(),
            device_key: self.device_key.clone(),
            authority: self.authority.clone(),
            server: Server::default(),
            bin: self.bin.clone(),
        }
    }

    /// Runs a `tamga-central` command on this data directory.
    pub fn cli(&self, args: &[&str]) -> Out {
        run(&self.bin, &self.dir, args, "")
    }

    /// Enrolls `key` (`tamga-central enroll --json`): the enrolling act's id when acknowledged.
    pub fn enroll(&self, key: &str, role: &str, unit: &str, name: &str) -> Result<String, Out> {
        let mut args = vec![
            "enroll", "--key", key, "--role", role, "--unit", unit, "--name", name, "--json",
        ];
        let number = format!("KG-{}", &key[..6]);
        if role != "device" {
            args.extend(["--personal-number", number.as_str()]);
        }
        let out = self.cli(&args);
        if !out.ok {
            return Err(out);
        }
        serde_json::from_str::<Value>(&out.stdout)
            .ok()
            .and_then(|v| v["act"].as_str().map(str::to_owned))
            .ok_or(out)
    }

    /// The background compaction's interval, in `tamga-central.toml`.
    pub fn set_compact_interval(&self, seconds: i64) {
        set_config(
            &self.dir.join("tamga-central.toml"),
            "compact_interval_seconds",
            toml::Value::Integer(seconds),
        );
    }

    /// Starts `tamga-central serve` on its port.
    pub fn start(&mut self) {
        self.server.start(
            &self.bin,
            &self.dir,
            &[("TAMGA_CENTRAL_LISTEN", format!("127.0.0.1:{}", self.port))],
            "tamga-central",
        );
    }

    /// The ids of the acts central holds for `consignment` (its JSON API).
    pub fn acts_of(&self, consignment: &str) -> Result<BTreeSet<String>, String> {
        let path = format!("/api/consignments/{}", consignment.replace('/', "%2F"));
        // Central's loopback API answers the administration CLI: the token from serve.json.
        let file = self.dir.join("serve.json");
        let info: Value = std::fs::read(&file)
            .map_err(|e| format!("{}: {e} (is central serving?)", file.display()))
            .and_then(|b| {
                serde_json::from_slice(&b).map_err(|e| format!("{}: {e}", file.display()))
            })?;
        let token = info["token"].as_str().unwrap_or_default();
        Ok(
            match get_json_with(self.port, &path, &[("x-tamga-admin-token", token)])? {
                Some(v) => act_ids(&v["acts"]),
                None => BTreeSet::new(),
            },
        )
    }

    /// The store's directory.
    pub fn store_dir(&self) -> PathBuf {
        self.dir.join("store")
    }
}

pub(crate) fn act_ids(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// An edge node: a post, its officer, its process.
pub struct Edge {
    /// A name for reports ("airport").
    pub name: String,
    /// Its data directory.
    pub dir: PathBuf,
    /// Its unit.
    pub unit: String,
    /// The unit at the other end of the consignments it registers.
    pub destination: String,
    /// Where it listens (peers and the local API).
    pub port: u16,
    /// Its device key.
    pub device_key: String,
    /// The officer who records here (the story's post or Department officer).
    pub officer: KeyId,
    /// The officer's PIN.
    pub pin: String,
    /// The first consignment number it registers.
    pub numbers_from: u64,
    /// Its serving process.
    pub server: Server,
    bin: PathBuf,
}

/// KDF parameters for officer keys in the suite: the same code path as in production, cheaper
/// (each recorded act unlocks the key once), so that the suite spends its time on recording and
/// syncing. The parameters are stored in each key file, as for any key.
pub const SUITE_KDF: tamga_node::keystore::KdfParams = tamga_node::keystore::KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

impl Edge {
    /// `tamga-edge init --role post` for `unit`, pinned to `authority`, listening on a free port,
    /// with `officer`'s key in its keystore.
    #[allow(clippy::too_many_arguments)]
    pub fn init(
        name: &str,
        dir: PathBuf,
        bin: &Path,
        unit: &str,
        destination: &str,
        authority: &KeyId,
        officer: &Person,
        numbers_from: u64,
    ) -> Edge {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let out = run(
            bin,
            &dir,
            &[
                "init",
                "--role",
                "post",
                "--unit",
                unit,
                "--authority",
                authority.as_str(),
                "--listen",
                &listen,
                "--central-unit",
                "HQ-RECON",
            ],
            "",
        );
        assert!(out.ok, "{name} init: {}{}", out.stdout, out.stderr);
        let device_key = out
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("device key: "))
            .expect("device key printed")
            .to_owned();
        let pin = format!("{:06}", 100_000 + numbers_from % 900_000);
        tamga_node::keystore::Keystore::with_params(dir.join("officers"), SUITE_KDF)
            .expect("keystore opens")
            .add(&officer.key, officer.name, &pin)
            .expect("officer key stored");
        let edge = Edge {
            name: name.to_owned(),
            dir,
            unit: unit.to_owned(),
            destination: destination.to_owned(),
            port,
            device_key,
            officer: officer.id.clone(),
            pin,
            numbers_from,
            server: Server::default(),
            bin: bin.to_path_buf(),
        };
        edge.set_config("sync_interval_seconds", toml::Value::Integer(1));
        edge
    }

    /// Runs a `tamga-edge` command on this node.
    pub fn cli(&self, args: &[&str], input: &str) -> Out {
        run(&self.bin, &self.dir, args, input)
    }

    /// Sets a top-level key of `tamga-edge.toml`.
    pub fn set_config(&self, key: &str, value: toml::Value) {
        set_config(&self.dir.join("tamga-edge.toml"), key, value);
    }

    /// `tamga-edge add-peer`.
    pub fn add_peer(&self, name: &str, url: &str, key: &str) {
        let out = self.cli(
            &["add-peer", "--name", name, "--url", url, "--key", key],
            "",
        );
        assert!(out.ok, "{} add-peer {name}: {}", self.name, out.stderr);
    }

    /// Starts `tamga-edge serve`.
    pub fn start(&mut self) {
        let what = format!("tamga-edge {}", self.name);
        self.server.start(&self.bin, &self.dir, &[], &what);
    }

    /// `tamga-edge sync` (through the running node).
    pub fn sync(&self) -> Out {
        self.cli(&["sync"], "")
    }

    /// Records a form with `tamga-edge act -` (the PIN in the form). `Ok` only when the command
    /// succeeded: the act's id.
    pub fn record(&self, mut form: Value) -> Result<String, Out> {
        form["officer"] = json!(self.officer.as_str());
        form["pin"] = json!(self.pin);
        let out = self.cli(&["act", "-"], &form.to_string());
        if !out.ok {
            return Err(out);
        }
        let id = out.stdout.lines().find_map(|l| {
            let rest = l
                .strip_prefix("recorded ")
                .or_else(|| l.strip_prefix("already recorded: "))?;
            rest.split_whitespace().nth(1).map(str::to_owned)
        });
        id.ok_or(out)
    }

    /// The form registering consignment number `n`: from this post to the other post (even
    /// numbers), or to a post with no node in the suite, [`ELSEWHERE`] (odd numbers), so that
    /// the other post's scope leaves it out.
    pub fn registration(&self, n: u64) -> Value {
        let id = consignment(n);
        let destination = if n.is_multiple_of(2) {
            self.destination.as_str()
        } else {
            ELSEWHERE
        };
        let deadline = Timestamp::now().plus_seconds(8 * 3600);
        json!({
            "kind": "consignment_registered",
            "consignment": id,
            "declaration": id,
            "direction": "import",
            "consignor": {"name": "Antwerp Rough Trading NV", "country": "BE"},
            "consignee": {"name": "Kyrgyz Diamond Processing LLC", "country": "KG", "registration": "INN 01203200710042"},
            "goods": [{
                "hs_code": "7102310000",
                "description": "Rough diamonds, non-industrial, unworked",
                "quantity": {"value": "1250.35", "unit": "ct"},
                "net_mass": {"value": "1250.35", "unit": "ct"},
                "gross_mass": {"value": "0.412", "unit": "kg"},
                "value": {"amount": "1875525.00", "currency": "USD"}
            }],
            "packages": 1,
            "certificates": [{
                "kind": "kimberley_process", "number": "BE 0417733", "issued_by": "BE",
                "issued_at": "2026-11-20T00:00:00Z",
                "kp": {
                    "authority": "FPS Economy, Diamond Office Antwerp",
                    "expires_at": deadline.plus_seconds(60 * 86_400).to_string(),
                    "exporter": {"name": "Antwerp Rough Trading NV", "country": "BE"},
                    "importer": {"name": "Kyrgyz Diamond Processing LLC", "country": "KG"},
                    "carats": "1250.35", "value_usd": "1875525.00", "parcels": 1,
                    "hs_codes": ["710231"]
                }
            }],
            "office_of_departure": self.unit,
            "office_of_destination": destination,
            "route": [self.unit, destination],
            "delivery_deadline": deadline.to_string(),
        })
    }

    /// The form applying consignment `consignment`'s seal.
    pub fn seal_applied(&self, consignment: &str) -> Value {
        json!({
            "kind": "seal_applied", "consignment": consignment, "seal": seal_of(consignment),
            "seal_kind": "mechanical", "fixed_on": "safe-bag, one place",
            "place": {"type": "post", "unit": self.unit},
        })
    }

    /// The form of a seal check on `consignment`, with a note that makes it unique.
    pub fn seal_checked(&self, consignment: &str, note: &str) -> Value {
        json!({
            "kind": "seal_checked", "consignment": consignment, "seal": seal_of(consignment),
            "state": "intact", "note": note,
            "place": {"type": "post", "unit": self.unit},
        })
    }

    /// The consignments the running node lists (`tamga-edge list --json`, through its API),
    /// every page.
    pub fn consignments(&self) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        let mut path = "/api/consignments?limit=200".to_owned();
        loop {
            let page = get_json(self.port, &path)?.unwrap_or(json!({}));
            out.extend(
                page["rows"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r["consignment"].as_str().map(str::to_owned)),
            );
            match page["next"].as_str() {
                Some(next) => {
                    path = format!(
                        "/api/consignments?limit=200&after={}",
                        next.replace('/', "%2F")
                    )
                }
                None => return Ok(out),
            }
        }
    }

    /// The ids of the acts the running node holds for `consignment` (`show --json`, through its
    /// API).
    pub fn acts_of(&self, consignment: &str) -> Result<BTreeSet<String>, String> {
        let path = format!("/api/consignments/{}", consignment.replace('/', "%2F"));
        Ok(match get_json(self.port, &path)? {
            Some(v) => act_ids(&v["acts"]),
            None => BTreeSet::new(),
        })
    }

    /// The store's directory.
    pub fn store_dir(&self) -> PathBuf {
        self.dir.join("store")
    }
}
