//! The proxy's tests against a tiny echo server and a tiny HTTP server on loopback.

use super::*;
use std::io::{Read, Write};
use std::sync::atomic::AtomicUsize;

/// A tiny echo server on loopback: every byte comes back; counts connections.
fn echo_server() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            seen.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if stream.write_all(&buf[..n]).is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    });
    (addr, count)
}

/// A tiny HTTP echo server: answers each request with its body; counts requests.
fn http_echo_server() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let seen = Arc::clone(&seen);
            std::thread::spawn(move || {
                let mut capture = RequestCapture::default();
                let mut buf = [0u8; 4096];
                loop {
                    let n = match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    for request in capture.push(&buf[..n]) {
                        seen.fetch_add(1, Ordering::SeqCst);
                        let body_at = find(&request, b"\r\n\r\n").unwrap() + 4;
                        let body = &request[body_at..];
                        let head =
                            format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len());
                        if stream.write_all(head.as_bytes()).is_err()
                            || stream.write_all(body).is_err()
                        {
                            return;
                        }
                    }
                }
            });
        }
    });
    (addr, count)
}

fn connect(proxy: &Proxy) -> std::net::TcpStream {
    let s = std::net::TcpStream::connect(proxy.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

/// Sends `data` and reads back what comes before the connection closes or `data.len()`
/// bytes arrived.
fn round_trip(proxy: &Proxy, data: &[u8]) -> Vec<u8> {
    let mut s = connect(proxy);
    let _ = s.write_all(data);
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while got.len() < data.len() {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    got
}

fn only(fault: impl Fn(&mut Schedule)) -> Schedule {
    let mut s = Schedule::clean();
    s.seed = 7;
    s.max_delay_ms = 300;
    s.max_down_ms = 400;
    fault(&mut s);
    s
}

#[test]
fn a_clean_proxy_forwards_everything_both_ways() {
    let (target, _) = echo_server();
    let proxy = Proxy::start(0, target).unwrap();
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(round_trip(&proxy, &data), data);
    // The proxy counts a chunk once its write returned: the client may read it first.
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while proxy.counts().bytes < 2 * data.len() as u64 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let c = proxy.counts();
    assert_eq!(c.connections, 1);
    assert_eq!(c.bytes, 2 * data.len() as u64);
    assert_eq!(c.faults(), 0);
}

#[test]
fn decisions_follow_the_seed_alone() {
    let a = Schedule::random(42);
    let b = Schedule::random(42);
    assert_eq!(a, b);
    let decisions = |s: &Schedule| {
        (0..200)
            .map(|n| (s.connection(n), s.chunk(n, Direction::Down, n % 5, 1000)))
            .collect::<Vec<_>>()
    };
    assert_eq!(decisions(&a), decisions(&b));
    assert_ne!(decisions(&a), decisions(&Schedule::random(43)));
    // Over many seeds, every kind of connection fault is drawn.
    let mut kinds = std::collections::HashSet::new();
    for seed in 0..200 {
        let s = Schedule::random(seed);
        for n in 0..50 {
            kinds.insert(std::mem::discriminant(&s.connection(n)));
        }
    }
    assert_eq!(kinds.len(), 7, "every connection fault occurs");
    assert!(Schedule::clean().is_clean());
    assert!((0..50).all(|n| Schedule::clean().connection(n) == ConnFault::Pass));
}

#[test]
fn drop_closes_without_forwarding() {
    let (target, seen) = echo_server();
    let proxy = Proxy::start(0, target).unwrap();
    proxy.set_schedule(only(|s| s.drop = 1.0));
    assert!(round_trip(&proxy, b"hello").is_empty());
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(seen.load(Ordering::SeqCst), 0, "nothing reached the target");
    assert_eq!(proxy.counts().dropped, 1);
    proxy.heal();
    assert_eq!(round_trip(&proxy, b"hello"), b"hello");
}

#[test]
fn truncate_forwards_a_prefix_then_closes() {
    let (target, _) = echo_server();
    let proxy = Proxy::start(0, target).unwrap();
    proxy.set_schedule(only(|s| s.truncate = 1.0));
    let data = vec![9u8; 5000];
    let mut shorter = 0;
    for _ in 0..8 {
        let got = round_trip(&proxy, &data);
        assert!(
            got.len() < data.len(),
            "a truncated connection closed early"
        );
        assert!(got.iter().all(|b| *b == 9));
        shorter += 1;
    }
    assert_eq!(proxy.counts().truncated, shorter);
}

#[test]
fn chunk_faults_cut_or_delay_within_a_connection() {
    let (target, _) = echo_server();
    let proxy = Proxy::start(0, target).unwrap();
    proxy.set_schedule(only(|s| s.chunk_truncate = 1.0));
    let got = round_trip(&proxy, &[1u8; 3000]);
    assert!(got.len() < 3000);
    proxy.set_schedule(only(|s| {
        s.chunk_delay = 1.0;
        s.max_delay_ms = 100;
    }));
    let started = std::time::Instant::now();
    assert_eq!(round_trip(&proxy, b"slow"), b"slow");
    assert!(started.elapsed() >= Duration::from_millis(1));
    assert!(proxy.counts().chunks_delayed >= 2, "{}", proxy.counts());
}

#[test]
fn delay_holds_the_connection_back() {
    let (target, _) = echo_server();
    let proxy = Proxy::start(0, target).unwrap();
    proxy.set_schedule(only(|s| {
        s.delay = 1.0;
        s.max_delay_ms = 400;
    }));
    let expected = match proxy.state.schedule().connection(0) {
        ConnFault::Delay(d) => d,
        other => panic!("expected a delay, got {other:?}"),
    };
    let started = std::time::Instant::now();
    assert_eq!(round_trip(&proxy, b"late"), b"late");
    assert!(started.elapsed() >= expected);
    assert_eq!(proxy.counts().delayed, 1);
}

#[test]
fn a_held_connection_is_overtaken_by_a_later_one() {
    let (target, _) = echo_server();
    let proxy = Proxy::start(0, target).unwrap();
    // The first connection is held (reorder), the second passes.
    let mut schedule = only(|s| {
        s.reorder = 1.0;
        s.max_delay_ms = 6000;
    });
    schedule.seed = 1;
    proxy.set_schedule(schedule);
    let mut first = connect(&proxy);
    first.write_all(b"first").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    // While the first is held, the schedule changes: the next connection passes.
    *proxy.state.schedule.lock().unwrap() = Schedule::clean();
    let started = std::time::Instant::now();
    assert_eq!(round_trip(&proxy, b"second"), b"second");
    let mut buf = [0u8; 5];
    first.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"first");
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "the held connection went on once a later one was forwarded"
    );
    assert_eq!(proxy.counts().reordered, 1);
}

#[test]
fn duplicate_replays_whole_requests_on_new_connections() {
    let (target, requests) = http_echo_server();
    let proxy = Proxy::start(0, target).unwrap();
    proxy.set_schedule(only(|s| s.duplicate = 1.0));
    let mut s = connect(&proxy);
    let body = "x".repeat(20_000);
    let request = format!(
        "POST /sync HTTP/1.1\r\nhost: t\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    // Written in pieces: the capture must join them.
    for part in request.as_bytes().chunks(7000) {
        s.write_all(part).unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut answer = Vec::new();
    let mut buf = [0u8; 8192];
    while !answer.ends_with(body.as_bytes()) {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0);
        answer.extend_from_slice(&buf[..n]);
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while requests.load(Ordering::SeqCst) < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(requests.load(Ordering::SeqCst), 2, "the request came twice");
    assert_eq!(proxy.counts().duplicated, 1);
}

#[test]
fn link_down_cuts_open_connections_and_refuses_new_ones() {
    let (target, _) = echo_server();
    let proxy = Proxy::start(0, target).unwrap();
    let mut open = connect(&proxy);
    open.write_all(b"up").unwrap();
    let mut buf = [0u8; 2];
    open.read_exact(&mut buf).unwrap();
    proxy.cut(Duration::from_millis(600));
    // The open connection is closed.
    let mut rest = [0u8; 1];
    assert!(matches!(open.read(&mut rest), Ok(0) | Err(_)));
    // New connections are refused while down...
    assert!(round_trip(&proxy, b"down").is_empty());
    assert!(proxy.counts().refused >= 1);
    // ...and pass once the link is back.
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(round_trip(&proxy, b"back"), b"back");
    // A schedule can take the link down too.
    proxy.set_schedule(only(|s| s.link_down = 1.0));
    assert!(round_trip(&proxy, b"x").is_empty());
    assert_eq!(proxy.counts().link_downs, 2);
    proxy.heal();
    assert_eq!(round_trip(&proxy, b"healed"), b"healed");
}

/// Sends one HTTP request on `s` and reads its echoed answer; `None` if the connection
/// closed first.
fn http_exchange(s: &mut std::net::TcpStream, body: &str) -> Option<()> {
    let request = format!(
        "POST /x HTTP/1.1\r\nhost: t\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).ok()?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.ends_with(body.as_bytes()) {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    Some(())
}

#[test]
fn each_request_on_a_kept_alive_connection_draws_its_own_fault() {
    let (target, requests) = http_echo_server();
    let proxy = Proxy::start(0, target).unwrap();
    let mut s = connect(&proxy);
    assert!(http_exchange(&mut s, "one").is_some());
    // The schedule changes while the connection stays open: the next request is dropped.
    proxy.set_schedule(only(|s| s.drop = 1.0));
    assert!(http_exchange(&mut s, "two").is_none());
    assert_eq!(
        requests.load(Ordering::SeqCst),
        1,
        "the second never arrived"
    );
    let c = proxy.counts();
    assert_eq!((c.connections, c.requests, c.dropped), (1, 1, 1));
    // Healing reaches connections that are already open: under a schedule that delays
    // every request by at least half a second, a connection is opened; after healing, its
    // next request passes without the delay the schedule had drawn for it.
    let slow = (0..1000)
        .map(|seed| {
            let mut s = only(|s| {
                s.delay = 1.0;
                s.max_delay_ms = 2000;
            });
            s.seed = seed;
            s
        })
        .find(|s| {
            [s.connection(0), s.connection(1)]
                .iter()
                .all(|f| matches!(f, ConnFault::Delay(d) if *d >= Duration::from_millis(800)))
        })
        .expect("a schedule with two long delays");
    let ConnFault::Delay(drawn) = slow.connection(1) else {
        unreachable!()
    };
    proxy.set_schedule(slow);
    let mut s = connect(&proxy);
    assert!(http_exchange(&mut s, "three").is_some());
    proxy.heal();
    let started = std::time::Instant::now();
    assert!(http_exchange(&mut s, "four").is_some());
    assert!(started.elapsed() < drawn, "the healed request was not held");
    assert_eq!(requests.load(Ordering::SeqCst), 3);
}

#[test]
fn request_capture_splits_pipelined_requests() {
    let mut c = RequestCapture::default();
    let one = b"GET / HTTP/1.1\r\nhost: a\r\n\r\n".to_vec();
    let two = b"POST /s HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc".to_vec();
    let mut both = one.clone();
    both.extend_from_slice(&two);
    let (a, b) = both.split_at(30);
    let mut got = c.push(a);
    got.extend(c.push(b));
    assert_eq!(got, vec![one, two]);
}

#[test]
fn request_capture_keeps_a_tls_stream_whole() {
    let mut c = RequestCapture::default();
    // A handshake record, then bytes that happen to look like the end of a head.
    assert!(c.push(&[0x16, 0x03, 0x01, 0x00, 0x05]).is_empty());
    assert!(!c.at_boundary(), "no request boundary is visible in TLS");
    assert!(c.push(b"\r\n\r\nxyz").is_empty());
    let mut whole = vec![0x16, 0x03, 0x01, 0x00, 0x05];
    whole.extend_from_slice(b"\r\n\r\nxyz");
    assert_eq!(c.finish(), Some(whole));
    // Plain HTTP is never given back whole.
    let mut plain = RequestCapture::default();
    plain.push(b"GET / HTTP/1.1\r\n");
    assert_eq!(plain.finish(), None);
}
