//! The transparency log's key rotated on real processes: a running `tamga-central` and the
//! story's airport post (a real `tamga-edge` node) that has accepted heads by the first key.
//!
//! `tamga-central rotate-log-key`, through the running server, enrolls a new key, signs a head
//! with it at once and revokes the old one. The post's next sync accepts the new key's head as
//! extending the old key's (no alarm), its new act gets a receipt, the receipts it had stay; an
//! evidence package made after verifies offline with both verifiers; the old key's file is gone,
//! and central restarted signs with the new key without enrolling anything more (a stray next
//! key, left by a rotation cut short before enrolling it, is dropped).

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use tamga_core::act::SealState;
use tamga_core::transparency::evidence;

fn log_keys(scene: &Scene) -> Vec<Value> {
    scene
        .http
        .get("/api/registry")
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["role"] == "transparency_log")
        .cloned()
        .collect()
}

/// The post's view of central's log (`tamga-edge status`): the acts in the last head it
/// accepted, and whether it raised the log alarm.
fn post_log(scene: &Scene) -> (u64, bool) {
    let out = must(&scene.edge, &scene.post, &["status"], "");
    let size = out
        .split("central's log: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no head accepted: {out}"));
    (size, out.contains("LOG ALARM"))
}

fn head_key(package: &evidence::Package) -> String {
    tamga_core::transparency::SignedTreeHead::parse(&package.checkpoint)
        .unwrap()
        .log_key
        .to_string()
}

#[test]
fn the_log_key_is_rotated_while_serving_and_posts_follow_without_an_alarm() {
    let mut scene = Scene::new(|_| {});
    let story = tamga_core::fixtures::Story::new();
    let (before, alarm) = post_log(&scene);
    assert!(!alarm);
    let old_key_file = std::fs::read(scene.hq.join("log.key")).unwrap();
    let first = log_keys(&scene);
    assert_eq!(first.len(), 1, "{first:?}");
    let first_key = first[0]["key"].clone();

    // Rotated through the running server.
    let out = must(
        Path::new(CENTRAL),
        &scene.hq,
        &["rotate-log-key", "--json"],
        "",
    );
    let rotated: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rotated["old"], first_key, "{rotated}");
    assert_ne!(rotated["new"], rotated["old"]);
    assert_ne!(
        std::fs::read(scene.hq.join("log.key")).unwrap(),
        old_key_file
    );
    assert!(!scene.hq.join("log.key.next").exists());
    let keys = log_keys(&scene);
    assert_eq!(keys.len(), 2, "{keys:?}");
    let old = keys.iter().find(|k| k["key"] == rotated["old"]).unwrap();
    assert!(
        old["revoked"]["effective_from"].is_string(),
        "the old key is revoked (from the next second): {old}"
    );

    // The post's next sync: a new act, its receipt under the new key's head, no alarm.
    let checked = story.seal_checked(90, SealState::Intact);
    scene.record_at_post(&[checked]).expect("recorded");
    scene.sync();
    let (after, alarm) = post_log(&scene);
    assert!(!alarm, "the new key's head extends the old key's");
    assert!(after > before, "{before} {after}");
    let (received, shown) = scene.received_by_central(&scene.post);
    assert_eq!(
        received, 7,
        "the six receipts kept and the new act's: {shown}"
    );

    // Evidence made now (the new key's head) verifies offline.
    let file = scene.root.path().join("evidence.json");
    must(
        Path::new(CENTRAL),
        &scene.hq,
        &[
            "evidence",
            story.consignment.as_str(),
            "--out",
            file.to_str().unwrap(),
        ],
        "",
    );
    let package = evidence::read(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(head_key(&package), rotated["new"].as_str().unwrap());
    let verdict = evidence::verify(&package, &scene.authority).unwrap();
    assert!(verdict.holds(), "{verdict:?}");
    let (ok, said) = check_evidence_py(&file, scene.authority.as_str());
    assert!(ok && said.contains("VERIFIED"), "{said}");

    // Restarted, central signs with the new key and enrolls nothing more.
    // A rotation cut short before its key was enrolled: the stray key is dropped at start.
    scene.restart_central(|hq| {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(hq.join("log.key.next"))
            .unwrap();
        writeln!(f, "{}", "7".repeat(64)).unwrap();
    });
    assert_eq!(log_keys(&scene).len(), 2);
    assert!(!scene.hq.join("log.key.next").exists());
    let checked_again = story.seal_checked(120, SealState::Intact);
    scene.record_at_post(&[checked_again]).expect("recorded");
    scene.sync();
    let (again, alarm) = post_log(&scene);
    assert!(!alarm);
    assert!(again > after, "{after} {again}");
    let file = scene.root.path().join("evidence-after-restart.json");
    must(
        Path::new(CENTRAL),
        &scene.hq,
        &[
            "evidence",
            story.consignment.as_str(),
            "--out",
            file.to_str().unwrap(),
        ],
        "",
    );
    let package = evidence::read(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(head_key(&package), rotated["new"].as_str().unwrap());
}
