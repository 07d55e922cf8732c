//! Data minimization on real processes: a running `tamga-central`, the story's airport post and
//! a real escort vehicle node. The consignment is delivered and central holds it; the vehicle,
//! syncing with central, forgets it once its retention has passed (`keep_delivered_days`), and
//! never takes it in again; with a longer retention it keeps it; the post keeps it regardless.
//! A stolen tablet then shows nothing of the goods, seals or route of what it escorted.
//!
//! Before, the vehicle kept every consignment it ever carried (the forgetting test fails).

mod common;

use common::*;
use std::path::Path;
use tamga_testkit::process::{self, Out};

/// `tamga-edge ARGS` in `dir`, keeping delivered consignments `keep` days.
fn vehicle(edge: &Path, dir: &Path, keep: &str, args: &[&str]) -> Out {
    let mut command = process::node_command(edge, dir, args);
    command.env("TAMGA_EDGE_KEEP_DELIVERED_DAYS", keep);
    if std::env::var_os("TAMGA_TEST_DEBUG").is_some() {
        command.env("TAMGA_LOG", "debug");
    }
    process::run(command, "", process::COMMAND_LIMIT)
}

#[test]
fn a_vehicle_forgets_a_delivered_consignment_central_holds_and_a_post_keeps_it() {
    let scene = Scene::new(|_| {});
    let story = &scene.story;
    let acts = story.clean_delivery();
    scene
        .record_at_post(&acts[6..])
        .expect("the delivery records");
    scene.sync();
    scene.wait_for_acts(acts.len());

    let tablet = scene.root.path().join("vehicle");
    scene.enrolled_node(&tablet, "vehicle", "ESCORT-BISHKEK", "escort tablet 01");
    let url = peer_url(&scene.url);
    must(
        &scene.edge,
        &tablet,
        &[
            "add-peer",
            "--name",
            "central",
            "--url",
            &url,
            "--key",
            &scene.central_device,
        ],
        "",
    );
    let show = |keep: &str| {
        vehicle(
            &scene.edge,
            &tablet,
            keep,
            &["show", story.consignment.as_str(), "--json"],
        )
    };

    // Delivered on 2026-11-23: kept while the retention (30 days) runs.
    let synced = vehicle(&scene.edge, &tablet, "30", &["sync"]);
    assert!(
        synced.ok && synced.stdout.contains("central: synced"),
        "{}{}",
        synced.stdout,
        synced.stderr
    );
    let held = show("30");
    assert!(held.ok, "{}", held.stderr);
    assert!(held.stdout.contains(story.seal.as_str()), "{}", held.stdout);

    // Retention 0: the next sync confirms central holds it, and the tablet forgets it.
    let synced = vehicle(&scene.edge, &tablet, "0", &["sync"]);
    assert!(synced.ok, "{}{}", synced.stdout, synced.stderr);
    let gone = show("0");
    assert!(
        !gone.stdout.contains(story.seal.as_str()),
        "the tablet still shows the consignment: {}",
        gone.stdout
    );
    // ... and never takes it in again.
    let synced = vehicle(&scene.edge, &tablet, "0", &["sync"]);
    assert!(synced.ok, "{}{}", synced.stdout, synced.stderr);
    let still_gone = show("0");
    assert!(
        !still_gone.stdout.contains(story.seal.as_str()),
        "{}",
        still_gone.stdout
    );
    // Nothing of it is left in the tablet's files either.
    let needle = story.seal.as_str().as_bytes();
    let mut found = Vec::new();
    for entry in walk(&tablet.join("store")) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        if bytes.windows(needle.len()).any(|w| w == needle) {
            found.push(entry.display().to_string());
        }
    }
    // sled may keep freed pages until they are reused; the live data holds nothing. Reported,
    // not asserted: see RELIABILITY.md.
    eprintln!("files still holding the seal number's bytes: {found:?}");

    // The post keeps what concerns it.
    let post = scene.post_view();
    assert!(post.to_string().contains(story.seal.as_str()));
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
