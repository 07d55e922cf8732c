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
    let enrollment = root.path().join("enrollment.acts");
    common::write_acts(&enrollment, &story.registry_acts());
    assert!(common::edge(&dir, &["record", enrollment.to_str().unwrap()]).0);
    let (node, address) = common::serve(&dir, None, "post");

    // Over TLS as the story's enrolled vehicle tablet, which is how a peer reaches `/sync`.
    let expected = me.clone();
    let admit: tamga_node::tls::Admission = std::sync::Arc::new(move |key: &tamga_core::KeyId| {
        (key == &expected)
            .then_some(())
            .ok_or_else(|| "not the node".to_owned())
    });
    let peer = tamga_testkit::peer::PeerHttp::new(
        &address,
        tamga_node::tls::client_config(&story.vehicle_device.key, admit).unwrap(),
    );
    let body = vec![0; tamga_sync::frame::MAX_FRAME_BYTES + 1];
    let credential = tamga_sync::auth::RequestAuth::sign(
        &story.vehicle_device.key,
        &me,
        tamga_core::Timestamp::now(),
        [1; 16],
        &body,
    )
    .to_header();
    let answer = peer.send(
        "POST",
        "/sync",
        &[
            ("content-type", "application/octet-stream"),
            (tamga_node::transport::AUTH_HEADER, &credential),
        ],
        &body,
    );
    let (status, text) = (answer.status, answer.text());
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
    let answer = peer.send(
        "POST",
        "/handoff/offers",
        &[("content-type", "application/octet-stream")],
        &vec![b'x'; 65 * 1024],
    );
    assert_eq!(answer.status, 413, "{}", answer.text());
    node.stop_cleanly();
}

#[test]
fn peers_that_hang_up_mid_handshake_do_not_stop_the_node() {
    // Each client sends a real ClientHello and resets the connection at once, or waits for the
    // node's first flight and goes: the node writes to closed sockets and keeps serving.
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("post");
    let me = common::init(&dir, &story, "post", fixtures::AIRPORT_POST, "127.0.0.1:0");
    let (node, address) = common::serve(&dir, None, "post");
    let expected = me.clone();
    let admit: tamga_node::tls::Admission = std::sync::Arc::new(move |key: &tamga_core::KeyId| {
        (key == &expected)
            .then_some(())
            .ok_or_else(|| "not the node".to_owned())
    });
    let config = std::sync::Arc::new(
        tamga_node::tls::client_config(&story.vehicle_device.key, admit).unwrap(),
    );
    for i in 0..50 {
        let mut hello = rustls::ClientConnection::new(
            std::sync::Arc::clone(&config),
            "127.0.0.1".try_into().unwrap(),
        )
        .unwrap();
        let mut bytes = Vec::new();
        hello.write_tls(&mut bytes).unwrap();
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        std::io::Write::write_all(&mut stream, &bytes).unwrap();
        if i % 2 == 0 {
            socket2::SockRef::from(&stream)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
        } else {
            // Waits for the node's first flight, then goes without a word.
            let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
            let _ = std::io::Read::read(&mut stream, &mut [0u8; 16]);
        }
        drop(stream);
    }
    std::thread::sleep(Duration::from_millis(300));
    let port: u16 = address.rsplit(':').next().unwrap().parse().unwrap();
    let status = tamga_testkit::http::get(port, "/api/status").map(|(s, _)| s);
    assert_eq!(status, Ok(200), "the node still answers");
    drop(node);
}
