//! Central on PostgreSQL, on real processes: two `tamga-central serve` processes of one
//! central (one data directory, copied without its store) on one database, and a real post
//! syncing with either. Needs a PostgreSQL cluster (`TAMGA_POSTGRES_URL`; skipped without one
//! unless `TAMGA_POSTGRES_TEST=required`).
//!
//! - What the post brings to one process the other shows; the post resumes from its
//!   checkpoint at the other process (nothing sent again when nothing changed), both processes
//!   show the same consignment, its rows are in the database's `analyst` views and the
//!   dashboard's filters (SQL) list it alike; central's receipts come from either process out
//!   of one log.
//! - A sync request accepted by one process is refused as replayed by the other.
//! - One process killed (SIGKILL) mid-sync: the post syncs with the other, nothing is lost,
//!   and the killed process, started again on its store, catches up.
//! - PostgreSQL stopped mid-sync (a cluster of the test's own) and started again: the session
//!   fails, the post retries through either process, and both show everything.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use tamga_core::fixtures::Story;
use tamga_core::{KeyId, Timestamp};
use tamga_testkit::process::{self, Proc};

struct Cluster {
    root: tempfile::TempDir,
    edge: PathBuf,
    story: Story,
    central_device: String,
    post: PathBuf,
    processes: Vec<(PathBuf, Proc, String)>,
}

/// A second process's data directory: a copy of `hq` without its store (rebuilt from the
/// database) and without the first process's `serve.json`.
fn copy_without_store(hq: &Path, to: &Path) {
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(hq)
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::remove_dir_all(to.join("store")).unwrap();
    let _ = std::fs::remove_file(to.join("serve.json"));
}

impl Cluster {
    /// Central on `url` with the story's officers and a post enrolled, served by two processes.
    fn new(url: &str) -> Cluster {
        let edge = edge_binary();
        let story = Story::new();
        let root = tempfile::tempdir().unwrap();
        let hq = root.path().join("hq-a");
        let post = root.path().join("post");
        let (authority, central_device) = init_central_with(&hq, &["--postgres", url]);
        let post_device = init_post(&edge, &post, &authority);
        enroll_story(&hq, &story);
        enroll_post_device(&hq, &post_device);
        let file = root.path().join("enrollment.acts");
        must(
            Path::new(CENTRAL),
            &hq,
            &["enrollment", "--out", file.to_str().unwrap()],
            "",
        );
        must(&edge, &post, &["record", file.to_str().unwrap()], "");
        let hq_b = root.path().join("hq-b");
        copy_without_store(&hq, &hq_b);
        let mut processes = Vec::new();
        for dir in [hq, hq_b] {
            let (server, url) = serve(&dir);
            processes.push((dir, server, url));
        }
        let cluster = Cluster {
            root,
            edge,
            story,
            central_device,
            post,
            processes,
        };
        for (i, (_, _, url)) in cluster.processes.iter().enumerate() {
            must(
                &cluster.edge,
                &cluster.post,
                &[
                    "add-peer",
                    "--name",
                    &format!("central-{i}"),
                    "--url",
                    &peer_url(url),
                    "--key",
                    &cluster.central_device,
                ],
                "",
            );
        }
        cluster
    }

    fn http(&self, i: usize) -> Http {
        let (dir, _, url) = &self.processes[i];
        central_http(dir, url)
    }

    fn record_at_post(&self, acts: &[tamga_core::SignedAct]) {
        let file = self.root.path().join("acts.txt");
        write_acts(&file, acts);
        must(
            &self.edge,
            &self.post,
            &["record", file.to_str().unwrap()],
            "",
        );
    }

    /// `tamga-edge sync --peer central-i`: its output.
    fn sync_with(&self, i: usize) -> String {
        let out = must(
            &self.edge,
            &self.post,
            &["sync", "--peer", &format!("central-{i}")],
            "",
        );
        assert!(out.contains("synced"), "{out}");
        out
    }

    /// Records `acts` and 600 more consignments at the post and starts `tamga-edge sync` with
    /// process 0 (many rounds); returns once process 0 has merged some of it.
    fn big_sync_with_0(
        &self,
        acts: &[tamga_core::SignedAct],
    ) -> std::thread::JoinHandle<tamga_testkit::process::Out> {
        self.record_at_post(acts);
        let many: Vec<_> = (1000..1600)
            .map(|n| tamga_core::fixtures::stream::registration(&self.story, n))
            .collect();
        self.record_at_post(&many);
        let edge = self.edge.clone();
        let post = self.post.clone();
        let syncing = std::thread::spawn(move || {
            process::run_node(&edge, &post, &["sync", "--peer", "central-0"], "")
        });
        let http = self.http(0);
        wait_for("process 0 merging", || {
            http.get("/health")["feed_position"].as_u64().unwrap_or(0) > 10
        });
        syncing
    }

    /// Central's view of the story's consignment at process `i`, once it shows `n` acts.
    fn wait_for_acts(&self, i: usize, n: usize) -> Value {
        let http = self.http(i);
        let path = format!(
            "/api/consignments/{}",
            encode_path(self.story.consignment.as_str())
        );
        let mut view = Value::Null;
        wait_for(&format!("process {i} shows {n} acts"), || {
            let (status, text) = http.get_text(&path);
            if status != 200 {
                return false;
            }
            view = serde_json::from_str(&text).unwrap();
            let health = http.get("/health");
            view["acts"].as_array().is_some_and(|a| a.len() == n)
                && health["feed_position"] == health["reconciled_position"]
        });
        view.as_object_mut().unwrap().remove("as_of");
        view
    }
}

#[test]
fn two_central_processes_on_one_database_serve_a_post_alike() {
    let Some(url) = tamga_testkit::postgres::fresh_database("central on PostgreSQL") else {
        return;
    };
    let cluster = Cluster::new(&url);
    let acts = cluster.story.clean_delivery();
    // The first half through process 0; process 1 shows it.
    cluster.record_at_post(&acts[..6]);
    let out = cluster.sync_with(0);
    assert!(!out.contains(" 0 documents"), "{out}");
    cluster.wait_for_acts(1, 6);
    // The rest through process 1; process 0 shows it.
    cluster.record_at_post(&acts[6..]);
    cluster.sync_with(1);
    let at_0 = cluster.wait_for_acts(0, acts.len());
    let at_1 = cluster.wait_for_acts(1, acts.len());
    assert_eq!(at_0, at_1, "both processes show the same consignment");
    assert_eq!(at_0["record"]["status"], "delivered");
    // The reconciliation's rows are in the database for analysts, from either process.
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let id = cluster.story.consignment.as_str().to_owned();
    wait_for("the consignment's row delivered in the database", || {
        client
            .query_opt(
                "SELECT status FROM analyst.consignments WHERE consignment = $1",
                &[&id],
            )
            .unwrap()
            .map(|r| r.get::<_, String>(0))
            .as_deref()
            == Some("delivered")
    });
    let kp = client
        .query_one(
            "SELECT volume_ct::text, value_usd::text, kp_certificates FROM analyst.kp_statistics WHERE direction = 'import'",
            &[],
        )
        .unwrap();
    assert_eq!(kp.get::<_, String>(0), "1250.35");
    assert_eq!(kp.get::<_, String>(1), "1875525.00");
    assert_eq!(kp.get::<_, i64>(2), 1);
    // The dashboard's filters are SQL over those rows: both processes list the same.
    for i in [0, 1] {
        let http = cluster.http(i);
        wait_for(&format!("process {i} lists it delivered"), || {
            http.get("/api/consignments?status=delivered")
                .as_array()
                .is_some_and(|rows| rows.len() == 1 && rows[0]["consignment"] == id.as_str())
        });
        assert_eq!(
            http.get("/api/consignments?status=in_transit"),
            serde_json::json!([])
        );
        assert_eq!(
            http.get("/api/discrepancies?state=all"),
            serde_json::json!([])
        );
        let (status, text) = http.get_text("/api/consignments?severity=urgent");
        assert_eq!(status, 400, "{text}");
    }
    // The post resumes from its checkpoint at either process: once the documents it brought
    // last time are offered back (as any responder's own merges are), nothing changed, nothing
    // is sent, whichever process it meets.
    // Central's log is one log at both: every act has its receipt, whichever process signed
    // the head, and each process's head extends the one the post accepted from the other.
    cluster.sync_with(0);
    for i in [1, 0, 1] {
        let out = cluster.sync_with(i);
        assert!(out.contains(", 0 documents"), "process {i}: {out}");
        assert!(
            out.contains("every act here is at headquarters") && !out.contains("REFUSED"),
            "process {i}: {out}"
        );
    }
}

#[test]
fn a_request_accepted_by_one_process_is_a_replay_at_the_other() {
    let Some(url) = tamga_testkit::postgres::fresh_database("central on PostgreSQL") else {
        return;
    };
    let cluster = Cluster::new(&url);
    let central = KeyId::new(cluster.central_device.clone()).unwrap();
    let device = &cluster.story.vehicle_device.key;
    let open = tamga_sync::session::Request::Open { heard_from_you: 0 };
    let (status, credential, body, _) = raw_sync(
        &cluster.http(0),
        device,
        &central,
        &open,
        Timestamp::now(),
        [7; 16],
    );
    assert_eq!(status, 200);
    let (status, answer) = post_sync(&cluster.http(1), device, &central, &credential, body);
    assert_eq!(status, 401, "{}", String::from_utf8_lossy(&answer));
    assert!(
        String::from_utf8_lossy(&answer).contains("replayed"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

#[test]
fn a_process_killed_mid_sync_loses_nothing_the_other_takes_over() {
    let Some(url) = tamga_testkit::postgres::fresh_database("central on PostgreSQL") else {
        return;
    };
    let mut cluster = Cluster::new(&url);
    let acts = cluster.story.clean_delivery();
    let syncing = cluster.big_sync_with_0(&acts);
    // Killed as soon as it has merged something.
    cluster.processes[0].1.kill();
    let _ = syncing.join();
    // The post goes on with the other process: everything arrives there.
    cluster.sync_with(1);
    cluster.wait_for_acts(1, acts.len());
    let http = cluster.http(1);
    wait_for("process 1 holds every consignment", || {
        http.get("/health")["consignments"].as_u64().unwrap_or(0) > 600
    });
    // The killed process, started again on its store, catches up and finds it whole.
    let (dir, _, _) = &cluster.processes[0];
    let dir = dir.clone();
    let (server, url) = serve(&dir);
    cluster.processes[0] = (dir, server, url);
    cluster.wait_for_acts(0, acts.len());
    let http = cluster.http(0);
    wait_for("process 0 holds every consignment", || {
        http.get("/health")["consignments"].as_u64().unwrap_or(0) > 600
    });
}

#[test]
fn postgresql_stopped_mid_sync_the_post_retries_and_nothing_is_lost() {
    let Some(pg) =
        tamga_testkit::postgres::OwnCluster::start("central on PostgreSQL, stopped mid-sync")
    else {
        return;
    };
    let cluster = Cluster::new(&pg.database("tamga"));
    let acts = cluster.story.clean_delivery();
    let syncing = cluster.big_sync_with_0(&acts);
    pg.stop();
    let cut = syncing.join().unwrap();
    // Down: the session fails (nothing is answered as done that is not in the database), and
    // the post keeps everything to send again.
    pg.start_again();
    let out = cut.stdout + &cut.stderr;
    if !cut.ok {
        assert!(out.contains("tried again"), "{out}");
    }
    // The post retries, through either process; each shows everything.
    for i in [0, 1] {
        let mut tries = 0;
        loop {
            let r = process::run_node(
                &cluster.edge,
                &cluster.post,
                &["sync", "--peer", &format!("central-{i}")],
                "",
            );
            if r.ok {
                break;
            }
            tries += 1;
            assert!(
                tries < 5,
                "sync with process {i} after the restart: {}",
                r.stderr
            );
            std::thread::sleep(std::time::Duration::from_secs(2));
        }
        cluster.wait_for_acts(i, acts.len());
        let http = cluster.http(i);
        wait_for(&format!("process {i} holds every consignment"), || {
            http.get("/health")["consignments"].as_u64().unwrap_or(0) > 600
        });
    }
}

#[test]
fn the_log_key_rotated_at_one_process_is_taken_up_by_the_other() {
    let Some(url) = tamga_testkit::postgres::fresh_database("central on PostgreSQL") else {
        return;
    };
    let mut cluster = Cluster::new(&url);
    let acts = cluster.story.clean_delivery();
    cluster.record_at_post(&acts[..3]);
    let out = cluster.sync_with(1);
    assert!(
        out.contains("central's receipts for") && !out.contains("REFUSED"),
        "{out}"
    );
    let hq_a = cluster.processes[0].0.clone();
    let hq_b = cluster.processes[1].0.clone();
    let old_key = std::fs::read(hq_b.join("log.key")).unwrap();
    // Rotated at process 0 (which then stops: process 1 alone answers from here).
    must(Path::new(CENTRAL), &hq_a, &["rotate-log-key", "--json"], "");
    cluster.processes[0].1.kill();
    // Process 1 sees the old key revoked and signs no new head with it: a post bringing new
    // acts gets its receipts refused, told to copy the new key.
    let mut n = 5_000;
    let mut out = String::new();
    wait_for("process 1 retiring the revoked log key", || {
        n += 1;
        cluster.record_at_post(&[tamga_core::fixtures::stream::registration(
            &cluster.story,
            n,
        )]);
        out = cluster.sync_with(1);
        out.contains("REFUSED")
    });
    assert!(out.contains("log.key"), "{out}");
    // The new key copied into its data directory: taken up without a restart.
    std::fs::copy(hq_a.join("log.key"), hq_b.join("log.key")).unwrap();
    wait_for("process 1 signing with the new key", || {
        cluster
            .sync_with(1)
            .contains("every act here is at headquarters")
    });
    // A process started with the revoked key refuses to start, saying what to do.
    cluster.processes[1].1.kill();
    let hq_c = cluster.root.path().join("hq-c");
    copy_without_store(&hq_b, &hq_c);
    std::fs::write(hq_c.join("log.key"), &old_key).unwrap();
    let mut command = std::process::Command::new(CENTRAL);
    command.arg("--data-dir").arg(&hq_c).arg("serve");
    process::node_env(&mut command).env("TAMGA_CENTRAL_LISTEN", "127.0.0.1:0");
    let mut child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("central started with a revoked log key");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success());
    assert!(
        stderr.contains("revoked") && stderr.contains("copy log.key"),
        "{stderr}"
    );
}
