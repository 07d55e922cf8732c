//! Real processes for the reliability suite: a `tamga-central` and `tamga-edge` post nodes,
//! each in its own temporary data directory on fixed loopback ports, set up the way
//! `scripts/demo.sh` does it (central init and enroll, edge init, the enrollment file, officers,
//! `add-peer`, `serve`), with every sync path optionally going through a fault-injecting
//! [`Proxy`].
//!
//! The airport post registers consignments numbered from 1,000,000, the Department's post from
//! 5,000,000; even-numbered ones go to the other post, odd-numbered ones to a post with no node
//! ([`ELSEWHERE`]), so the other post's scope leaves them out ([`in_scope`]): converged means
//! central holds every act, and each post exactly central's acts for the consignments in its
//! scope and nothing of the others.
//!
//! Officers record acts with the CLI (`tamga-edge act -`), which goes through the running
//! node's local API; an act counts as **acknowledged** only when the command exited 0, and then
//! its id (printed by the command) is kept as an [`Ack`]. Reading back goes through the nodes'
//! JSON APIs (what `tamga-edge list`/`show --json` print) while they run, or through
//! [`tamga_store::Store`] once they are stopped ([`Cluster::compare_stores`]): heads of every
//! document, the acts, [`tamga_store::Store::check`].
//!
//! Every process is killed and every directory removed when the [`Cluster`] is dropped, also
//! when a test fails. The binaries come from the target directory beside the test executable
//! ([`tamga_testkit::binaries`]); they are built beforehand (`cargo build -p tamga-edge -p
//! tamga-central`, which `scripts/reliability.sh` and `cargo test --workspace` do), and a test
//! says so when they are missing. Running commands, serving, free ports and the HTTP client come
//! from [`tamga_testkit`] too.

use crate::proxy::Proxy;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tamga_core::fixtures::{Person, Story};
use tamga_core::{KeyId, Timestamp};
use tamga_store::{DocId, Store};
pub use tamga_testkit::binaries::Binaries;
use tamga_testkit::http::get as http_get;
use tamga_testkit::ports::free_port;
pub use tamga_testkit::process::Out;
use tamga_testkit::process::{self, run_node as run, Proc};

mod nodes;
mod officer;

pub use nodes::*;
pub use officer::*;

/// The destination of odd-numbered consignments: a post with no node in the suite.
pub const ELSEWHERE: &str = "TALAS-POST";

/// The first consignment number the department's post registers (the airport's start at
/// 1,000,000).
const DEPARTMENT_NUMBERS: u64 = 5_000_000;

/// Whether `node` (central or central-b, airport, department) receives `doc` (a consignment id or
/// `registry`): central and the registering post always; the other post only when the route
/// takes in its unit (even numbers).
pub fn in_scope(node: &str, doc: &str) -> bool {
    if node.starts_with("central") || doc == "registry" {
        return true;
    }
    let n: u64 = doc
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("a consignment of the suite");
    let registering = if n < DEPARTMENT_NUMBERS {
        "airport"
    } else {
        "department"
    };
    node == registering || n.is_multiple_of(2)
}

/// The consignment id of number `n`.
pub fn consignment(n: u64) -> String {
    format!("10609050/231126/{n:07}")
}

/// The seal on a consignment of the suite: `KG-` and its serial number.
pub fn seal_of(consignment: &str) -> String {
    format!(
        "KG-{}",
        consignment.rsplit('/').next().expect("an id with slashes")
    )
}

/// Central, the airport post and the Precious Metals Department's post, each syncing with
/// central and with the other post, optionally through proxies.
pub struct Cluster {
    /// Central.
    pub central: Central,
    /// On a shared database: a second process of central, which the Department's post syncs
    /// with (the airport's syncs with the first).
    pub second: Option<Central>,
    /// The posts.
    pub edges: Vec<Edge>,
    /// One proxy per sync path (`from → to`), when the cluster was made with proxies.
    pub proxies: Vec<(String, Proxy)>,
    /// The acts acknowledged so far.
    pub acks: Vec<Ack>,
    /// The binaries.
    pub bins: Binaries,
    kept: bool,
    // Last: the directories go after the processes have been killed.
    _root: tempfile::TempDir,
}

impl Cluster {
    /// Sets up central and two posts (not yet serving). With `proxies`, every sync path (each
    /// post to central, each post to the other) goes through its own [`Proxy`].
    pub fn new(proxies: bool) -> Cluster {
        Cluster::build(proxies, None)
    }

    /// The same with central on the PostgreSQL database `url`, served by two processes: the
    /// airport's post syncs with one, the Department's with the other.
    pub fn on_postgres(proxies: bool, url: &str) -> Cluster {
        Cluster::build(proxies, Some(url))
    }

    fn build(proxies: bool, postgres: Option<&str>) -> Cluster {
        let bins = tamga_testkit::binaries::binaries();
        let root = tempfile::Builder::new()
            .prefix("tamga-reliability-")
            .tempdir()
            .expect("a temporary directory");
        let story = Story::new();
        let central = Central::init(root.path().join("hq"), &bins.central, postgres);
        let airport = Edge::init(
            "airport",
            root.path().join("airport"),
            &bins.edge,
            "MANAS-AIRPORT",
            "PMD-BISHKEK",
            &central.authority,
            &story.airport_officer,
            1_000_000,
        );
        let department = Edge::init(
            "department",
            root.path().join("department"),
            &bins.edge,
            "PMD-BISHKEK",
            "MANAS-AIRPORT",
            &central.authority,
            &story.department_officer,
            DEPARTMENT_NUMBERS,
        );
        for (key, role, unit, name) in [
            (
                airport.device_key.as_str(),
                "device",
                "MANAS-AIRPORT",
                "airport post PC",
            ),
            (
                department.device_key.as_str(),
                "device",
                "PMD-BISHKEK",
                "department post PC",
            ),
            (
                story.airport_officer.id.as_str(),
                "post_officer",
                "MANAS-AIRPORT",
                story.airport_officer.name,
            ),
            (
                story.department_officer.id.as_str(),
                "precious_metals_officer",
                "PMD-BISHKEK",
                story.department_officer.name,
            ),
        ] {
            if let Err(out) = central.enroll(key, role, unit, name) {
                panic!("enroll {name}: {}{}", out.stdout, out.stderr);
            }
        }
        let enrollment = root.path().join("enrollment.acts");
        let out = central.cli(&["enrollment", "--out", enrollment.to_str().expect("utf-8")]);
        assert!(out.ok, "enrollment: {}", out.stderr);
        for e in [&airport, &department] {
            let out = e.cli(&["record", enrollment.to_str().expect("utf-8")], "");
            assert!(out.ok, "{} record enrollment: {}", e.name, out.stderr);
        }
        let second = postgres.map(|_| central.another_process(root.path().join("hq-b")));
        let mut cluster = Cluster {
            central,
            second,
            edges: vec![airport, department],
            proxies: Vec::new(),
            acks: Vec::new(),
            bins,
            kept: false,
            _root: root,
        };
        for i in 0..cluster.edges.len() {
            let other = 1 - i;
            let central_port = match (&cluster.second, i) {
                (Some(second), 1) => second.port,
                _ => cluster.central.port,
            };
            let central_target: std::net::SocketAddr = ([127, 0, 0, 1], central_port).into();
            let (central_url, other_url) = if proxies {
                let to_central = Proxy::start(0, central_target).expect("proxy starts");
                let to_other = Proxy::start(0, ([127, 0, 0, 1], cluster.edges[other].port).into())
                    .expect("proxy starts");
                let urls = (to_central.url(), to_other.url());
                let from = cluster.edges[i].name.clone();
                cluster
                    .proxies
                    .push((format!("{from}→central"), to_central));
                cluster
                    .proxies
                    .push((format!("{from}→{}", cluster.edges[other].name), to_other));
                urls
            } else {
                (
                    format!("https://127.0.0.1:{central_port}"),
                    format!("https://127.0.0.1:{}", cluster.edges[other].port),
                )
            };
            let central_key = cluster.central.device_key.clone();
            let other_name = cluster.edges[other].name.clone();
            let other_key = cluster.edges[other].device_key.clone();
            cluster.edges[i].add_peer("central", &central_url, &central_key);
            cluster.edges[i].add_peer(&other_name, &other_url, &other_key);
        }
        cluster
    }

    /// Starts every process.
    pub fn start(&mut self) {
        self.central.start();
        if let Some(second) = &mut self.second {
            second.start();
        }
        for e in &mut self.edges {
            e.start();
        }
    }

    /// Stops every process with SIGTERM; whether all stopped cleanly.
    pub fn stop(&mut self) -> bool {
        let mut clean = true;
        for e in &mut self.edges {
            clean &= e.server.stop();
        }
        clean &= self.central.server.stop();
        if let Some(second) = &mut self.second {
            clean &= second.server.stop();
        }
        clean
    }

    /// Every consignment any node lists or any acknowledgement names.
    pub fn consignments(&self) -> Result<BTreeSet<String>, String> {
        let mut all: BTreeSet<String> = self
            .acks
            .iter()
            .filter(|a| a.doc != "registry")
            .map(|a| a.doc.clone())
            .collect();
        for e in &self.edges {
            all.extend(e.consignments()?);
        }
        Ok(all)
    }

    /// What each running node holds: node → consignment → act ids, for `focus` (every
    /// consignment if `None`) and for any consignment that some post lists and another does
    /// not.
    pub fn snapshot(
        &self,
        focus: Option<&BTreeSet<String>>,
    ) -> Result<BTreeMap<String, BTreeMap<String, BTreeSet<String>>>, String> {
        let consignments = match focus {
            None => self.consignments()?,
            Some(focus) => {
                let mut lists = Vec::new();
                for e in &self.edges {
                    lists.push(e.consignments()?.into_iter().collect::<BTreeSet<_>>());
                }
                let all: BTreeSet<String> = lists.iter().flatten().cloned().collect();
                let everywhere: BTreeSet<String> = all
                    .iter()
                    .filter(|c| lists.iter().all(|l| l.contains(*c)))
                    .cloned()
                    .collect();
                focus
                    .iter()
                    .cloned()
                    .chain(all.difference(&everywhere).cloned())
                    .collect()
            }
        };
        let mut nodes = BTreeMap::new();
        let mut central = BTreeMap::new();
        for c in &consignments {
            central.insert(c.clone(), self.central.acts_of(c)?);
        }
        nodes.insert("central".to_owned(), central);
        if let Some(second) = &self.second {
            let mut held = BTreeMap::new();
            for c in &consignments {
                held.insert(c.clone(), second.acts_of(c)?);
            }
            nodes.insert("central-b".to_owned(), held);
        }
        for e in &self.edges {
            let mut held = BTreeMap::new();
            for c in &consignments {
                held.insert(c.clone(), e.acts_of(c)?);
            }
            nodes.insert(e.name.clone(), held);
        }
        Ok(nodes)
    }

    /// Acknowledged consignment acts missing from a snapshot: (node, ack).
    pub fn missing(
        &self,
        snapshot: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    ) -> Vec<(String, Ack)> {
        let mut missing = Vec::new();
        for ack in self.acks.iter().filter(|a| a.doc != "registry") {
            for (node, held) in snapshot {
                if !held.contains_key(&ack.doc) || !in_scope(node, &ack.doc) {
                    continue; // not in this snapshot's focus, or not for this node
                }
                if !held
                    .get(&ack.doc)
                    .is_some_and(|acts| acts.contains(&ack.act))
                {
                    missing.push((node.clone(), ack.clone()));
                }
            }
        }
        missing
    }

    /// Syncs every post with every peer (`tamga-edge sync`) until all nodes hold the same acts
    /// for every consignment (those in `focus`, and any one post lists and another does not;
    /// all if `focus` is `None`) and every acknowledged act, or `limit` passes. The last
    /// snapshot, or why they did not converge.
    pub fn converge(
        &self,
        limit: Duration,
        focus: Option<&BTreeSet<String>>,
    ) -> Result<BTreeMap<String, BTreeMap<String, BTreeSet<String>>>, String> {
        let started = Instant::now();
        let mut last;
        loop {
            last = String::new();
            for e in &self.edges {
                let out = e.sync();
                if out.hung {
                    return Err(format!("{}: `tamga-edge sync` hung", e.name));
                }
                if !out.ok {
                    last += &format!("{} sync: {}\n", e.name, out.stderr.trim());
                }
            }
            match self.snapshot(focus) {
                Ok(snapshot) => {
                    let same = describe_difference(&snapshot).is_empty();
                    let missing = self.missing(&snapshot);
                    if same && missing.is_empty() {
                        return Ok(snapshot);
                    }
                    let first = missing.first().map(|(node, ack)| {
                        let held = &snapshot[node][&ack.doc];
                        format!("{node} {ack:?}: {node} held {held:?} of {}", ack.doc)
                    });
                    last = format!(
                        "{last}not converged: {:?}; {} acknowledged acts missing (first: {first:?})",
                        describe_difference(&snapshot),
                        missing.len(),
                    );
                }
                Err(e) => last += &format!("snapshot failed: {e}"),
            }
            if started.elapsed() > limit {
                return Err(last);
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// With every process stopped: each store opened with tamga-store, checked
    /// ([`Store::check`]), and compared: every document with the same heads and acts in every
    /// store whose scope takes it in, and nothing of it in the others; every acknowledged act
    /// present wherever it belongs. The number of documents compared.
    pub fn compare_stores(&self) -> Result<usize, String> {
        let mut stores: Vec<(String, Store)> = Vec::new();
        let authority = &self.central.authority;
        stores.push((
            "central".into(),
            Store::open(self.central.store_dir(), authority)
                .map_err(|e| format!("central's store: {e}"))?,
        ));
        if let Some(second) = &self.second {
            stores.push((
                "central-b".into(),
                Store::open(second.store_dir(), authority)
                    .map_err(|e| format!("central-b's store: {e}"))?,
            ));
        }
        for e in &self.edges {
            stores.push((
                e.name.clone(),
                Store::open(e.store_dir(), authority)
                    .map_err(|err| format!("{}'s store: {err}", e.name))?,
            ));
        }
        let mut docs = BTreeSet::new();
        for (name, store) in &stores {
            let problems = store.check().map_err(|e| format!("{name}: check: {e}"))?;
            if !problems.is_empty() {
                return Err(format!("{name}'s store fails its check: {problems:#?}"));
            }
            for (_, doc) in store.changed_since(0).map_err(|e| e.to_string())? {
                docs.insert(doc.to_key());
            }
        }
        for key in &docs {
            let doc = DocId::from_key(key).expect("a document key");
            let mut seen: Option<(String, Vec<String>, BTreeSet<String>)> = None;
            for (name, store) in &stores {
                let mut heads: Vec<String> = store
                    .heads(&doc)
                    .map_err(|e| e.to_string())?
                    .iter()
                    .map(|h| h.to_string())
                    .collect();
                heads.sort();
                let acts: BTreeSet<String> = store
                    .acts(&doc)
                    .map_err(|e| e.to_string())?
                    .iter()
                    .map(|a| a.id().to_string())
                    .collect();
                let key_text = String::from_utf8_lossy(key);
                let doc_name = key_text.strip_prefix("c:").unwrap_or("registry");
                if !in_scope(name, doc_name) {
                    if !heads.is_empty() || !acts.is_empty() {
                        return Err(format!(
                            "{doc}: {name} holds {} acts of a consignment outside its scope",
                            acts.len()
                        ));
                    }
                    continue;
                }
                match &seen {
                    None => seen = Some((name.clone(), heads, acts)),
                    Some((first, h, a)) => {
                        if *h != heads || *a != acts {
                            return Err(format!(
                                "{doc}: {first} has heads {h:?} and {} acts, {name} has heads {heads:?} and {} acts",
                                a.len(),
                                acts.len()
                            ));
                        }
                    }
                }
            }
        }
        for ack in &self.acks {
            let doc = doc_id(&ack.doc);
            let act = tamga_core::ActId::from_hex(&ack.act).map_err(|e| e.to_string())?;
            for (name, store) in stores.iter().filter(|(n, _)| in_scope(n, &ack.doc)) {
                if !store.has_act(&doc, &act).map_err(|e| e.to_string())? {
                    return Err(format!(
                        "{name} lacks act {} of {} acknowledged by {}",
                        ack.act, ack.doc, ack.node
                    ));
                }
            }
        }
        Ok(docs.len())
    }
}

impl Cluster {
    /// After a failure: stops every process and says what each store holds of `ack` (present
    /// in the document, among its acts, among its rejections, and the document's heads).
    pub fn diagnose(&mut self, ack: &Ack) -> String {
        let mut lines = vec![format!("what the running nodes answer for {}:", ack.doc)];
        let path = format!("/api/consignments/{}", ack.doc.replace('/', "%2F"));
        lines.push(format!(
            "central: acts {:?}",
            self.central.acts_of(&ack.doc)
        ));
        let ports: Vec<(String, u16)> = self
            .edges
            .iter()
            .map(|e| (e.name.clone(), e.port))
            .collect();
        for (name, port) in ports {
            let answer = http_get(port, &path).map(|(status, body)| {
                let acts = serde_json::from_str::<Value>(&body)
                    .map(|v| act_ids(&v["acts"]))
                    .unwrap_or_default();
                format!("{status}, acts {acts:?}, {}", &body[..body.len().min(300)])
            });
            lines.push(format!("{name}: {answer:?}"));
        }
        for e in &mut self.edges {
            e.server.kill();
        }
        self.central.server.kill();
        lines.push(format!("what the stores hold of {ack:?}:"));
        let mut dirs = vec![("central".to_owned(), self.central.store_dir())];
        dirs.extend(self.edges.iter().map(|e| (e.name.clone(), e.store_dir())));
        let doc = doc_id(&ack.doc);
        let Ok(act) = tamga_core::ActId::from_hex(&ack.act) else {
            return format!("{ack:?}: not an act id");
        };
        for (name, dir) in dirs {
            let line = match Store::open(&dir, &self.central.authority) {
                Err(e) => format!("{name}: does not open: {e}"),
                Ok(store) => {
                    let present = store.has_act(&doc, &act);
                    let among_acts = store
                        .acts(&doc)
                        .map(|a| (a.len(), a.iter().any(|x| x.id() == act)));
                    let rejected: Vec<String> = store
                        .rejected(&doc)
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|r| r.act == Some(act) || r.key.contains(&ack.act))
                        .map(|r| r.reason)
                        .collect();
                    let heads = store.heads(&doc).map(|h| h.len());
                    let problems = store.check().map(|p| p.len());
                    format!(
                        "{name}: has_act {present:?}; (acts, among them) {among_acts:?}; rejected as {rejected:?}; heads {heads:?}; check problems {problems:?}"
                    )
                }
            };
            lines.push(line);
        }
        lines.join("\n")
    }

    /// Keeps the data directories after the test (for a look by hand); their path.
    pub fn keep_directories(&mut self) -> PathBuf {
        let path = self._root.path().to_path_buf();
        self.kept = true;
        path
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Kill first: the temporary directories go once nothing writes in them.
        for e in &mut self.edges {
            e.server.kill();
        }
        self.central.server.kill();
        self.proxies.clear();
        if std::thread::panicking() {
            if std::env::var_os("TAMGA_RELIABILITY_KEEP").is_some() {
                self.kept = true;
                eprintln!("data directories kept in {}", self._root.path().display());
            } else {
                eprintln!(
                    "set TAMGA_RELIABILITY_KEEP=1 to keep the data directories of a failed run"
                );
            }
        }
        if self.kept {
            let root = std::mem::replace(
                &mut self._root,
                tempfile::tempdir().expect("a temporary directory"),
            );
            let _ = root.keep();
        }
    }
}

/// Where a snapshot departs from what converged nodes hold: each post the same acts as
/// central for the consignments in its scope ([`in_scope`]), none for the others. Empty when
/// converged (at most five differences listed).
pub fn describe_difference(
    snapshot: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
) -> Vec<String> {
    let mut diffs = Vec::new();
    let empty = BTreeMap::new();
    let central = snapshot.get("central").unwrap_or(&empty);
    for (name, held) in snapshot.iter().filter(|(n, _)| *n != "central") {
        for (c, acts) in held {
            let expected = if in_scope(name, c) {
                central.get(c).cloned().unwrap_or_default()
            } else {
                BTreeSet::new()
            };
            if *acts != expected {
                diffs.push(format!(
                    "{c}: central {} acts, {name} {} acts (expected {})",
                    central.get(c).map_or(0, |a| a.len()),
                    acts.len(),
                    expected.len()
                ));
            }
        }
    }
    diffs.truncate(5);
    diffs
}

/// Prints `line` on standard output (seen with `-- --nocapture`) and appends it to the file
/// named by `TAMGA_RELIABILITY_REPORT`, if set.
pub fn report(line: &str) {
    println!("{line}");
    if let Ok(path) = std::env::var("TAMGA_RELIABILITY_REPORT") {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
        {
            let _ = writeln!(f, "{line}");
        }
    }
}

/// A count from the environment, or `default`.
pub fn env_count(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A seed from the environment, or a fresh one.
pub fn env_seed(name: &str) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..))
}
