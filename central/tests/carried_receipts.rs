//! Central's receipts carried on a USB stick, on real processes: a running `tamga-central`, the
//! story's airport post (synced with central, holding its receipts) and the Department's post,
//! which has no link to central.
//!
//! The airport post exports a bundle for the Department; the Department imports it and shows
//! each act "received by central at T" at once, its tree head waiting for a check against
//! central's log. When the Department next meets central itself (whose log has grown since), central
//! proves the carried head consistent with the head it gives, over the sync's HTTPS, and the head
//! waits no more; no alarm.

mod common;

use common::*;

#[test]
fn receipts_carried_by_a_bundle_show_at_a_post_without_a_link_and_are_checked_at_its_next_sync() {
    let scene = Scene::new(|_| {});
    let story = &scene.story;
    let department = scene.root.path().join("department");
    let device = scene.enrolled_node(&department, "post", "PMD-BISHKEK", "department post");
    scene.refresh_enrollment(&scene.post);

    // The airport post holds central's receipts of its six acts; the Department holds none.
    let (received, shown) = scene.received_by_central(&scene.post);
    assert_eq!(received, 6, "{shown}");

    let file = scene.root.path().join("for-department.bundle");
    let file = file.to_str().unwrap();
    must(
        &scene.edge,
        &scene.post,
        &["export-bundle", "--out", file, "--for", &device],
        "",
    );
    let imported = must(&scene.edge, &department, &["import-bundle", file], "");
    assert!(
        imported.contains("central's receipts:")
            && imported.contains("checked against central's log at the next sync"),
        "{imported}"
    );
    let (received, shown) = scene.received_by_central(&department);
    assert_eq!(received, 6, "{shown}");
    let status = must(&scene.edge, &department, &["status"], "");
    assert!(
        status.contains("1 tree heads carried here by bundles wait for their check"),
        "{status}"
    );

    // Central's log grows (the airport post brings one more act), then the Department meets
    // central: central proves the carried head consistent with its larger one.
    let acts = story.clean_delivery();
    scene.record_at_post(&acts[6..7]).expect("one more act");
    scene.sync();
    sync_post_with_central(&scene.edge, &department, &scene.url, &scene.central_device);
    let status = must(&scene.edge, &department, &["status"], "");
    assert!(!status.contains("wait for their check"), "{status}");
    assert!(!status.contains("LOG ALARM"), "{status}");
    assert!(status.contains("central's log:"), "{status}");
}
