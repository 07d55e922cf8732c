//! Limits on a real running `tamga-central`, with a real `tamga-edge` post syncing with it.
//!
//! - Oversized requests: a sync body over the frame limit is refused with 413 before it is
//!   read, and a small frame that states a decompressed size over the message limit is refused
//!   with 413 too; both show in the refusal log and in `/metrics` as `too_large`. A JSON body
//!   over the dashboard API's limit is refused with 413.
//! - A request refused before its body is read (a wrong token) is answered with
//!   `Connection: close`, so that no client sends its next request on a connection the server
//!   closes.
//! - Too many connections and slow clients: central runs with 256 file descriptors (`ulimit
//!   -n`) and short deadlines (`TAMGA_HTTP_HEADER_TIMEOUT_SECONDS=1`,
//!   `TAMGA_HTTP_REQUEST_TIMEOUT_SECONDS=3`). The test opens 400 idle TCP connections to its port,
//!   20 slowloris connections sending their headers one byte a second, 10 opening a TLS handshake
//!   one byte a second, and one request whose body comes one byte a second. While they go on, another client's `/health` answers within a few
//!   seconds and the post's real sync with central succeeds; the slow connections are closed by
//!   central (headers and handshakes: after the header deadline; body: 408 after the request
//!   deadline); central
//!   still stops cleanly. Without the limits (plain `axum::serve`), central runs out of file
//!   descriptors, accepts nothing more, and keeps every slow connection open.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tamga_sync::frame::{MAX_FRAME_BYTES, MAX_MESSAGE_BYTES};

#[test]
fn oversized_requests_are_refused_with_413_and_shown() {
    let scene = Scene::new(|_| {});
    let story = &scene.story;
    let central = tamga_core::KeyId::new(scene.central_device.clone()).unwrap();
    let position = scene.http.get("/health")["feed_position"].clone();

    // A body one byte over the frame limit, with a credential that signs it.
    let body = vec![0u8; MAX_FRAME_BYTES + 1];
    let credential = tamga_sync::auth::RequestAuth::sign(
        &story.vehicle_device.key,
        &central,
        tamga_core::Timestamp::now(),
        [1; 16],
        &body,
    )
    .to_header();
    let (status, answer) = post_sync(
        &scene.http,
        &story.vehicle_device.key,
        &central,
        &credential,
        body,
    );
    let answer = String::from_utf8_lossy(&answer);
    assert_eq!(status, 413, "{answer}");
    assert!(
        answer.contains(&format!("over the {MAX_FRAME_BYTES}-byte limit")),
        "{answer}"
    );

    // A 12-byte frame that says it holds more than the message limit.
    let mut small = tamga_sync::frame::MAGIC.to_vec();
    small.extend_from_slice(&(MAX_MESSAGE_BYTES as u32 + 1).to_be_bytes());
    small.extend_from_slice(&[0x28, 0xb5, 0x2f, 0xfd]);
    let credential = tamga_sync::auth::RequestAuth::sign(
        &story.vehicle_device.key,
        &central,
        tamga_core::Timestamp::now(),
        [2; 16],
        &small,
    )
    .to_header();
    let (status, answer) = post_sync(
        &scene.http,
        &story.vehicle_device.key,
        &central,
        &credential,
        small,
    );
    let answer = String::from_utf8_lossy(&answer);
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("limit"), "{answer}");

    let refusals = scene.refusals();
    assert_eq!(refusals.len(), 2, "{refusals:?}");
    for r in &refusals {
        assert_eq!(r["reason"], "too_large", "{r}");
        assert_eq!(r["status"], 413);
        assert_eq!(r["claimed_key"], story.vehicle_device.id.as_str());
    }
    assert_eq!(
        metric(
            &scene.http,
            "tamga_central_sync_refusals_total{reason=\"too_large\"}"
        ),
        2
    );

    // A JSON body over the dashboard API's 64 KiB.
    let answer = scene.http.send(
        "POST",
        "/api/discrepancies/x/resolve",
        &[("content-type", "application/json")],
        format!("{{\"reason\": \"{}\"}}", "x".repeat(70 * 1024)).as_bytes(),
    );
    let (status, answer) = (answer.status, answer.text());
    assert_eq!(status, 413, "{answer}");
    let answer: serde_json::Value = serde_json::from_str(&answer).expect("a JSON error");
    assert!(
        answer["error"]
            .as_str()
            .is_some_and(|e| e.contains("limit")),
        "{answer}"
    );
    assert_eq!(scene.http.get("/health")["feed_position"], position);
    // The post's own sync still works.
    scene.sync();
}

/// The head of the answer to `head` (a request line and headers) sent with the first bytes of a
/// larger body: the server answers before reading the rest.
fn answer_head(address: &str, head: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&[b'x'; 100]).unwrap();
    let mut answer = Vec::new();
    let mut byte = [0u8; 1];
    while !answer.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
        answer.push(byte[0]);
    }
    String::from_utf8_lossy(&answer).to_lowercase()
}

/// Found by schemathesis on the staff port: a request refused before its body was read left the
/// body unread, and the server then closed the connection without a word, so a client that sent
/// its next request on it failed. The refusal says `Connection: close` now.
#[test]
fn a_refusal_before_the_body_is_read_says_the_connection_closes() {
    let scene = Scene::new(|_| {});
    let address = scene.http.base().trim_start_matches("http://").to_owned();
    let head = format!(
        "POST /api/admin/post HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nx-tamga-admin-token: wrong\r\nContent-Length: 200000\r\n\r\n"
    );
    let answer = answer_head(&address, &head);
    assert!(answer.starts_with("http/1.1 403"), "{answer}");
    assert!(answer.contains("connection: close"), "{answer}");
    // Without a body the connection stays open for the next request.
    let head = format!(
        "GET /api/overview HTTP/1.1\r\nHost: {address}\r\nx-tamga-admin-token: wrong\r\n\r\n"
    );
    let answer = answer_head(&address, &head);
    assert!(answer.starts_with("http/1.1 403"), "{answer}");
    assert!(!answer.contains("connection: close"), "{answer}");
}

/// Whether the server closed `stream` (read gives end of file or an error) within `within`;
/// what it sent before closing is returned.
fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let start = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 1024];
    while start.elapsed() < within {
        match stream.read(&mut chunk) {
            Ok(0) => return Some(String::from_utf8_lossy(&got).into_owned()),
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return Some(String::from_utf8_lossy(&got).into_owned()),
        }
    }
    None
}

#[test]
fn idle_and_slow_connections_do_not_keep_others_out() {
    let scene = Scene::serving_with(
        &[
            ("TAMGA_HTTP_HEADER_TIMEOUT_SECONDS", "1"),
            ("TAMGA_HTTP_REQUEST_TIMEOUT_SECONDS", "3"),
        ],
        Some(256),
        |_| {},
    );
    let address = scene.url.trim_start_matches("http://").to_owned();
    let acts = scene.story.clean_delivery();
    scene.record_at_post(&acts[6..7]).unwrap();

    // 400 connections that never send anything.
    let idle: Vec<TcpStream> = (0..400)
        .map(|_| TcpStream::connect(&address).unwrap())
        .collect();
    // 20 slowloris connections: a request's head, one byte a second.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let head = format!(
        "GET /health HTTP/1.1\r\nHost: {address}\r\nX-Slow: {}\r\n\r\n",
        "a".repeat(60)
    );
    // And 10 that open a TLS handshake (a record header, then a ClientHello one byte a second).
    let mut tls_head = vec![
        0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
    ];
    tls_head.extend_from_slice(&[7u8; 60]);
    let mut slow_threads = Vec::new();
    let (tx, rx) = std::sync::mpsc::channel::<(bool, Duration)>();
    for i in 0..30 {
        let head = if i < 20 {
            head.as_bytes().to_vec()
        } else {
            tls_head.clone()
        };
        let (address, stop, tx) = (address.clone(), stop.clone(), tx.clone());
        slow_threads.push(std::thread::spawn(move || {
            let mut s = TcpStream::connect(&address).unwrap();
            let start = Instant::now();
            for b in head {
                if stop.load(std::sync::atomic::Ordering::Relaxed) || s.write_all(&[b]).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
            // Closed by the server (a write failed) long before the head was sent.
            let _ = tx.send((start.elapsed() < Duration::from_secs(30), start.elapsed()));
        }));
    }
    drop(tx);
    // A request whose body comes one byte a second.
    let mut slow_body = TcpStream::connect(&address).unwrap();
    write!(
        slow_body,
        "POST /api/discrepancies/x/resolve HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nx-tamga-admin-token: {}\r\nContent-Length: 1000\r\n\r\n",
        admin_token(&scene.hq)
    )
    .unwrap();
    let body_started = Instant::now();
    let body_stop = stop.clone();
    let mut body_writer = slow_body.try_clone().unwrap();
    let body_thread = std::thread::spawn(move || {
        for _ in 0..1000 {
            if body_stop.load(std::sync::atomic::Ordering::Relaxed)
                || body_writer.write_all(b"x").is_err()
            {
                break;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    });
    std::thread::sleep(Duration::from_millis(300));

    // Meanwhile, another client's health check and the post's real sync.
    let start = Instant::now();
    let health = Http::new(&scene.url);
    let (status, text) = health.get_text("/health");
    let health_took = start.elapsed();
    assert_eq!(status, 200, "{text}");
    assert!(
        health_took < Duration::from_secs(8),
        "/health answered in {health_took:?}"
    );
    let start = Instant::now();
    scene.sync();
    let sync_took = start.elapsed();
    assert!(
        sync_took < Duration::from_secs(10),
        "the post synced in {sync_took:?}"
    );
    scene.wait_for_acts(7);
    eprintln!("under 400 idle, 20 slowloris, 1 slow body: /health in {health_took:?}, sync in {sync_took:?}");

    // The slow body is cut off with 408 after the request deadline.
    let answer = closed_within(&mut slow_body, Duration::from_secs(8))
        .expect("central closes the slow-body connection");
    let body_took = body_started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("took more than 3 s"), "{answer}");
    assert!(body_took < Duration::from_secs(8), "{body_took:?}");

    // The slowloris connections (plain and TLS) are closed by central, long before their heads
    // are sent.
    let closed: Vec<(bool, Duration)> = rx.iter().take(30).collect();
    assert_eq!(closed.len(), 30);
    assert!(closed.iter().all(|(early, _)| *early), "{closed:?}");
    // The idle connections are closed too.
    let mut idle = idle;
    let still_open = idle
        .iter_mut()
        .take(10)
        .map(|s| closed_within(s, Duration::from_secs(10)).is_none())
        .filter(|open| *open)
        .count();
    assert_eq!(still_open, 0, "idle connections are closed by central");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in slow_threads {
        t.join().unwrap();
    }
    body_thread.join().unwrap();
    drop(idle);

    let (status, _) = health.get_text("/health");
    assert_eq!(status, 200);
    let mut scene = scene;
    assert!(
        scene.server.terminate().success(),
        "central stops cleanly after all that"
    );
}
