//! Limits of a real `tamga-edge` node: an oversized bundle file is refused before it is read
//! (a sparse 4 GiB file is refused at once, and the store is unchanged), and oversized bodies
//! sent to a serving node are refused with 413: a sync frame over the frame limit, a JSON form
//! over the form limit, a handoff offer over its 64 KiB.

use std::time::{Duration, Instant};
use tamga_core::fixtures::{self, Story};

mod common;

use common::{edge, json_of, write_acts};

#[test]
fn an_oversized_bundle_file_is_refused_before_it_is_read() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("post");
    common::init(&dir, &story, "post", fixtures::AIRPORT_POST, "127.0.0.1:0");
    let enrollment = root.path().join("enrollment.acts");
    write_acts(&enrollment, &story.registry_acts());
    assert!(edge(&dir, &["record", enrollment.to_str().unwrap()]).0);
    let before = json_of(&dir, &["status", "--json"]);

    // 4 GiB, sparse: reading it whole would take seconds and gigabytes.
    let file = root.path().join("huge.bundle");
    std::fs::File::create(&file)
        .unwrap()
        .set_len(4 << 30)
        .unwrap();
    let start = Instant::now();
    let (ok, out, err) = edge(&dir, &["import-bundle", file.to_str().unwrap()]);
    let took = start.elapsed();
    assert!(!ok, "refused: {out}");
    assert!(
        err.contains("4294967296 bytes, larger than any bundle") && err.contains("export it again"),
        "{err}"
    );
    assert!(took < Duration::from_secs(5), "refused in {took:?}");
    let after = json_of(&dir, &["status", "--json"]);
    assert_eq!(after["feed_position"], before["feed_position"]);
    assert_eq!(after["documents"], before["documents"]);
}

/// `POST path` with `body` and `content_type` to a node at `address`: the status and the answer.
fn post(
    address: &str,
    path: &str,
    content_type: &str,
    credential: &str,
    body: Vec<u8>,
) -> (u16, String) {
    let answer = tamga_testkit::http::Http::new(address).send(
        "POST",
        path,
        &[
            ("content-type", content_type),
            (tamga_node::transport::AUTH_HEADER, credential),
        ],
        &body,
    );
    (answer.status, answer.text())
}

#[test]
fn oversized_bodies_are_refused_with_413() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("post");
    let me = common::init(&dir, &story, "post", fixtures::AIRPORT_POST, "127.0.0.1:0");
    let (node, address) = common::serve(&dir, None, "post");

    let body = vec![0; tamga_sync::frame::MAX_FRAME_BYTES + 1];
    let credential = tamga_sync::auth::RequestAuth::sign(
        &story.vehicle_device.key,
        &me,
        tamga_core::Timestamp::now(),
        [1; 16],
        &body,
    )
    .to_header();
    let (status, text) = post(
        &address,
        "/sync",
        "application/octet-stream",
        &credential,
        body,
    );
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("byte limit"), "{text}");
    let form = format!(
        "{{\"kind\": \"seal_checked\", \"note\": \"{}\"}}",
        "x".repeat(2 << 20)
    );
    let (status, text) = post(
        &address,
        "/api/acts",
        "application/json",
        "",
        form.into_bytes(),
    );
    assert_eq!(status, 413, "{text}");
    let (status, text) = post(
        &address,
        "/handoff/offers",
        "application/octet-stream",
        "",
        vec![b'x'; 65 * 1024],
    );
    assert_eq!(status, 413, "{text}");
    node.stop_cleanly();
}
