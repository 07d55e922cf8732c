//! Backups on real processes. A serving post is backed up while it records (its CLI goes
//! through the running node, with the token only the node's user can read), goes on recording
//! and syncing, and is lost; restored from the backup on a "new machine", it syncs on with
//! central: what the lost node sent after the backup comes back, and what the restored node
//! records reaches central (its change feed resumes past the position central had heard up
//! to). Restored with a new device key, it syncs once central enrolls that key. Central itself
//! is backed up through its running server and restored.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;
use tamga_core::fixtures::stream::registration;
use tamga_testkit::process::{Out, Proc};

/// Serves the node in `dir` on a fixed loopback port (the CLI finds a running node by its
/// configured address).
fn serve_post(edge: &Path, dir: &Path) -> (Proc, String) {
    let port = tamga_testkit::ports::free_port();
    let config = dir.join("tamga-edge.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text
        .lines()
        .map(|l| {
            if l.starts_with("listen = ") {
                format!("listen = \"127.0.0.1:{port}\"")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    std::fs::write(&config, text).unwrap();
    let mut command = Command::new(edge);
    command.arg("--data-dir").arg(dir).arg("serve");
    tamga_testkit::process::serve(command, "the post")
}

fn record(scene: &Scene, dir: &Path, ns: std::ops::Range<u64>) {
    let file = dir.with_extension(format!("acts-{}", ns.start));
    let acts: Vec<_> = ns.map(|n| registration(&scene.story, n)).collect();
    write_acts(&file, &acts);
    must(
        &scene.edge,
        dir,
        &["handoff", "complete", file.to_str().unwrap()],
        "",
    );
}

/// `BIN --data-dir TARGET restore --from BACKUP --identity IDENTITY [MORE...]`.
fn restore(bin: &Path, target: &Path, backup: &Path, identity: &Path, more: &[&str]) -> Out {
    let mut args = vec![
        "restore",
        "--from",
        backup.to_str().unwrap(),
        "--identity",
        identity.to_str().unwrap(),
    ];
    args.extend_from_slice(more);
    run(bin, target, &args, "")
}

fn central_holds(scene: &Scene, n: u64) -> bool {
    let id = tamga_core::fixtures::stream::consignment(n);
    scene
        .http
        .get_text(&format!("/api/consignments/{}", encode_path(id.as_str())))
        .0
        == 200
}

fn node_holds(scene: &Scene, dir: &Path, n: u64) -> bool {
    let id = tamga_core::fixtures::stream::consignment(n);
    run(&scene.edge, dir, &["show", id.as_str()], "").ok
}

#[test]
fn a_post_restored_from_its_backup_syncs_on_as_before() {
    let scene = Scene::new(|_| {});
    let keys = scene.root.path().join("safe");
    std::fs::create_dir(&keys).unwrap();
    let identity = keys.join("backup.identity");
    let out = must(
        &scene.edge,
        &scene.post,
        &["backup-key", "--out", identity.to_str().unwrap()],
        "",
    );
    let recipient = out
        .lines()
        .find_map(|l| l.strip_prefix("recipient: "))
        .expect("the recipient is printed")
        .to_owned();

    // The post serves and records while the backup is taken.
    let (mut post, _) = serve_post(&scene.edge, &scene.post);
    let backup = keys.join("post.backup");
    let loader = {
        let (edge, post_dir) = (scene.edge.clone(), scene.post.clone());
        std::thread::spawn(move || {
            let story = tamga_core::fixtures::Story::new();
            for batch in 0..8u64 {
                let file = post_dir.with_extension(format!("load-{batch}"));
                let acts: Vec<_> = (1000 + batch * 5..1005 + batch * 5)
                    .map(|n| registration(&story, n))
                    .collect();
                write_acts(&file, &acts);
                // Through the running node's API (`record` opens the store itself).
                must(
                    &edge,
                    &post_dir,
                    &["handoff", "complete", file.to_str().unwrap()],
                    "",
                );
            }
        })
    };
    let out = must(
        &scene.edge,
        &scene.post,
        &[
            "backup",
            "--out",
            backup.to_str().unwrap(),
            "--to",
            &recipient,
        ],
        "",
    );
    assert!(out.contains("backup written to"), "{out}");
    loader.join().unwrap();

    // Without the token (another user of the machine), the running node refuses.
    let port = std::fs::read_to_string(scene.post.join("tamga-edge.toml"))
        .unwrap()
        .lines()
        .find_map(|l| {
            l.strip_prefix("listen = \"127.0.0.1:")
                .map(|p| p.trim_end_matches('"').to_owned())
        })
        .unwrap();
    let (status, answer) = Http::new(&format!("http://127.0.0.1:{port}"))
        .post("/api/backup", &serde_json::json!({ "to": [recipient] }));
    assert_eq!(status, 403, "{answer}");

    // The backup is encrypted: nothing of the store or the keys reads in it.
    let bytes = std::fs::read(&backup).unwrap();
    let device_seed = std::fs::read_to_string(scene.post.join("device.key")).unwrap();
    for secret in [
        device_seed.trim().as_bytes(),
        b"MANAS-AIRPORT",
        scene.story.consignment.as_str().as_bytes(),
    ] {
        assert!(!bytes.windows(secret.len()).any(|w| w == secret));
    }

    // What the post shows of the story's consignment, as the backup holds it.
    let shown = |dir: &Path| {
        let mut view: serde_json::Value = serde_json::from_str(&must(
            &scene.edge,
            dir,
            &["show", scene.story.consignment.as_str(), "--json"],
            "",
        ))
        .unwrap();
        view.as_object_mut().unwrap().remove("as_of");
        view
    };
    let at_backup = shown(&scene.post);

    // After the backup the post records more and central hears it; then the post is lost.
    record(&scene, &scene.post, 2000..2005);
    let out = must(&scene.edge, &scene.post, &["sync"], "");
    assert!(out.contains("central: synced"), "{out}");
    assert!(central_holds(&scene, 2004));
    post.stop();

    // Restored on a new machine with its key (the old one is not in anyone else's hands).
    let restored = scene.root.path().join("restored");
    let out = {
        let r = restore(&scene.edge, &restored, &backup, &identity, &[]);
        assert!(r.ok, "{}{}", r.stdout, r.stderr);
        r.stdout
    };
    assert!(out.contains("restored into"), "{out}");
    assert!(
        !node_holds(&scene, &restored, 2000),
        "recorded after the backup"
    );
    assert_eq!(
        shown(&restored),
        at_backup,
        "the restored node shows what the post showed"
    );
    // The restored node records, then syncs with central as the lost one did.
    record(&scene, &restored, 3000..3001);
    let out = must(&scene.edge, &restored, &["sync"], "");
    assert!(out.contains("central: synced"), "{out}");
    assert!(
        central_holds(&scene, 3000),
        "what the restored node recorded reached central: {out}"
    );
    for n in [2000, 2004] {
        assert!(
            node_holds(&scene, &restored, n),
            "{n} came back from central"
        );
    }
    for n in 1000..1040 {
        assert!(
            node_holds(&scene, &restored, n),
            "{n} recorded under load is back"
        );
    }

    // Restored again with a new device key: refused until central enrolls that key.
    let replacement = scene.root.path().join("replacement");
    let out = {
        let r = restore(
            &scene.edge,
            &replacement,
            &backup,
            &identity,
            &["--new-device-key"],
        );
        assert!(r.ok, "{}{}", r.stdout, r.stderr);
        r.stdout
    };
    let new_key = out
        .lines()
        .find_map(|l| l.strip_prefix("new device key: "))
        .expect("the new key is printed")
        .to_owned();
    assert_ne!(new_key, scene.post_device);
    let refused = run(&scene.edge, &replacement, &["sync"], "");
    assert!(
        !refused.stdout.contains("central: synced"),
        "{}",
        refused.stdout
    );
    must(
        Path::new(CENTRAL),
        &scene.hq,
        &[
            "enroll",
            "--key",
            &new_key,
            "--role",
            "device",
            "--unit",
            "MANAS-AIRPORT",
            "--name",
            "airport post PC (replacement)",
        ],
        "",
    );
    must(
        Path::new(CENTRAL),
        &scene.hq,
        &[
            "revoke",
            "--key",
            &scene.post_device,
            "--reason",
            "airport post PC lost",
        ],
        "",
    );
    scene.refresh_enrollment(&replacement);
    record(&scene, &replacement, 4000..4001);
    let out = must(&scene.edge, &replacement, &["sync"], "");
    assert!(out.contains("central: synced"), "{out}");
    assert!(central_holds(&scene, 4000));
    assert!(
        node_holds(&scene, &replacement, 3000),
        "the other copy's act came via central"
    );
    // The old key is refused now.
    let old = run(&scene.edge, &restored, &["sync"], "");
    assert!(!old.stdout.contains("central: synced"), "{}", old.stdout);
}

#[test]
fn central_is_backed_up_while_serving_and_restored() {
    let scene = Scene::new(|_| {});
    let keys = scene.root.path().join("safe");
    std::fs::create_dir(&keys).unwrap();
    let identity = keys.join("hq.identity");
    let out = must(
        Path::new(CENTRAL),
        &scene.hq,
        &["backup-key", "--out", identity.to_str().unwrap()],
        "",
    );
    let recipient = out
        .lines()
        .find_map(|l| l.strip_prefix("recipient: "))
        .unwrap()
        .to_owned();
    let backup = keys.join("hq.backup");
    let out = must(
        Path::new(CENTRAL),
        &scene.hq,
        &[
            "backup",
            "--out",
            backup.to_str().unwrap(),
            "--to",
            &recipient,
        ],
        "",
    );
    assert!(out.contains("backup written to"), "{out}");
    let before = scene.central_view();
    let restored = scene.root.path().join("hq-restored");
    let out = {
        let r = restore(Path::new(CENTRAL), &restored, &backup, &identity, &[]);
        assert!(r.ok, "{}{}", r.stdout, r.stderr);
        r.stdout
    };
    assert!(out.contains("restored into"), "{out}");
    assert!(
        !restored.join("serve.json").exists(),
        "the running server's token stays behind"
    );
    let (_server, url) = serve(&restored);
    let http = central_http(&restored, &url);
    let after = http.get(&format!(
        "/api/consignments/{}",
        encode_path(scene.story.consignment.as_str())
    ));
    assert_eq!(before["acts"], after["acts"]);
    // A backup of another program, or with the wrong identity, is refused.
    let other = keys.join("other.identity");
    must(
        Path::new(CENTRAL),
        &scene.hq,
        &["backup-key", "--out", other.to_str().unwrap()],
        "",
    );
    let wrong = restore(
        Path::new(CENTRAL),
        &scene.root.path().join("hq-wrong"),
        &backup,
        &other,
        &[],
    );
    assert!(
        !wrong.ok && wrong.stderr.contains("none of the identities"),
        "{}",
        wrong.stderr
    );
    let edge_restore = restore(
        &scene.edge,
        &scene.root.path().join("not-an-edge"),
        &backup,
        &identity,
        &[],
    );
    assert!(
        !edge_restore.ok
            && edge_restore
                .stderr
                .contains("restore it with tamga-central"),
        "{}",
        edge_restore.stderr
    );
}
