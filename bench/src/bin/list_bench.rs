//! The consignment list on the real `tamga-edge serve`: a page of `GET /api/consignments` with
//! N consignments held, against baselines measured in the same run.
//!
//! ```sh
//! cargo build --release -p tamga-edge -p tamga-bench
//! $CARGO_TARGET_DIR/release/list_bench            # 100,000 consignments
//! $CARGO_TARGET_DIR/release/list_bench --quick    # 2,000
//! $CARGO_TARGET_DIR/release/list_bench 20000      # any size
//! ```
//!
//! A post node is made with `tamga-edge init` and its store filled with N ten-act consignments
//! ([`tamga_bench::consignments`], merged as a sync brings them). Baselines: `Store::list` and
//! `Store::list_counts` in this process on the same store (the index scans alone, no HTTP), the
//! counts also at the time half the consignments on the road are overdue (the most `due` keys
//! counting them scans), then `GET /health` of `footprint_floor` (tokio + axum + the same sled
//! database: an HTTP round trip doing nothing) and its `GET /documents` (the documents counted
//! by a scan of `doc_seq`, as the node's status did before it kept a count). Then `tamga-edge
//! serve` is started and each request is made `REPEATS` times, p50 and p99 printed: `GET
//! /api/status` (which the UI polls), the first page (`limit=50`), the 20th page (by cursor),
//! the 20th page without the header's counts (`counts=false`, as the UI turns pages), a filtered
//! page (`status=in_transit&severity=major`), major or worse, overdue, a search by number prefix
//! and searches by goods word: one found nowhere, one in every consignment and a one-letter word
//! found nowhere (all through the goods' word keys; only a word beginning more than 64 words
//! reads every summary, which this data set has none of).
//! Resident memory (`VmRSS`, `VmHWM`) of the serving node from `/proc` before the goods search
//! and after every request.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tamga_bench::consignments;
use tamga_bench::procstat::{self, ms};
use tamga_core::fixtures::Story;
use tamga_store::store::list::ListQuery;
use tamga_store::Store;

const REPEATS: usize = 200;

fn http_get(addr: &str, path: &str) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).expect("connects");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("writes");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("reads");
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&raw[..head_end]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut body = raw[head_end + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = Vec::new();
        let mut data = &body[..];
        while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).trim(), 16)
                .unwrap_or(0);
            if size == 0 || data.len() < eol + 2 + size {
                break;
            }
            out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
            data = &data[(eol + 4 + size).min(data.len())..];
        }
        body = out;
    }
    (status, body)
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        // SAFETY: kill on the pid of a child we started and have not reaped.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}

fn start(mut command: Command, addr: &str, probe: &str) -> Running {
    let running = Running(
        command
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts"),
    );
    let started = Instant::now();
    while TcpStream::connect(addr).is_err() || http_get(addr, probe).0 != 200 {
        assert!(started.elapsed() < Duration::from_secs(300), "no answer");
        std::thread::sleep(Duration::from_millis(5));
    }
    running
}

fn free_address() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().expect("an address").to_string()
}

/// p50 and p99 of `REPEATS` timings of `f`, ms.
fn timed(mut f: impl FnMut()) -> (f64, f64) {
    let mut v: Vec<f64> = (0..REPEATS)
        .map(|_| {
            let t = Instant::now();
            f();
            ms(t)
        })
        .collect();
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[(v.len() * 99 / 100).min(v.len() - 1)])
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n = tamga_bench::size(&args, 2_000, 100_000);
    let bin_dir: PathBuf = std::env::var_os("TAMGA_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::current_exe()
                .expect("own executable")
                .parent()
                .expect("its directory")
                .to_owned()
        });
    let (edge, floor) = (bin_dir.join("tamga-edge"), bin_dir.join("footprint_floor"));
    for b in [&edge, &floor] {
        assert!(
            b.exists(),
            "{} not found: cargo build --release -p tamga-edge -p tamga-bench",
            b.display()
        );
    }
    let story = Story::new();
    let base = tempfile::Builder::new()
        .prefix("tamga-list-")
        .tempdir()
        .expect("temp dir");
    let node = base.path().join("node");
    let enrollment = base.path().join("enrollment.acts");
    let text: Vec<String> = story
        .registry_acts()
        .iter()
        .map(|a| String::from_utf8(a.encode()).expect("utf-8"))
        .collect();
    std::fs::write(&enrollment, text.join("\n") + "\n").expect("enrollment file");
    let out = Command::new(&edge)
        .arg("--data-dir")
        .arg(&node)
        .args([
            "init",
            "--role",
            "post",
            "--unit",
            "MANAS-AIRPORT",
            "--authority",
        ])
        .arg(story.authority_id().as_str())
        .args(["--listen", "127.0.0.1:0", "--enrollment"])
        .arg(&enrollment)
        .env("TAMGA_LOG", "warn")
        .output()
        .expect("tamga-edge init runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store_dir = node.join("store");
    eprintln!("populating the node's store with {n} consignments ...");
    let now = consignments::assessment_time(&story);
    let (store_page, store_counts, store_counts_half) = {
        let store = Store::open(&store_dir, &story.authority_id()).expect("the node's store");
        let p = consignments::populate(&store, &story, 0..n, |_| {});
        eprintln!("populated in {:.1} s", p.seconds);
        let q = ListQuery {
            limit: 50,
            ..ListQuery::default()
        };
        let page = timed(|| {
            assert_eq!(
                store.list(&q, now).expect("a page").rows.len(),
                50.min(n as usize)
            );
        });
        let counts = timed(|| {
            assert_eq!(store.list_counts(now).expect("counts").total, n);
        });
        let half = consignments::half_overdue_time(&story);
        let overdue_then = store.list_counts(half).expect("counts").overdue;
        let counts_half = timed(|| {
            assert_eq!(
                store.list_counts(half).expect("counts").overdue,
                overdue_then
            );
        });
        eprintln!(
            "overdue: {overdue_then} at {half}, {} at {now}",
            store.list_counts(now).expect("counts").overdue
        );
        (page, counts, counts_half)
    };

    let addr = free_address();
    let (health, scan) = {
        let mut c = Command::new(&floor);
        c.arg(&store_dir).arg(&addr);
        let floor = start(c, &addr, "/health");
        let health = timed(|| assert_eq!(http_get(&addr, "/health").0, 200));
        let pid = floor.0.id();
        let kib = |f| procstat::status_kib(pid, f).unwrap_or(0) as f64 / 1024.0;
        println!(
            "  footprint_floor (tokio + axum + the same sled database) serving: VmRSS {:.1} MiB, VmHWM {:.1} MiB",
            kib("VmRSS"),
            kib("VmHWM")
        );
        let scan = timed(|| assert_eq!(http_get(&addr, "/documents").0, 200));
        println!(
            "  footprint_floor after scanning doc_seq: VmRSS {:.1} MiB, VmHWM {:.1} MiB",
            kib("VmRSS"),
            kib("VmHWM")
        );
        (health, scan)
    };

    let addr = free_address();
    let mut c = Command::new(&edge);
    c.arg("--data-dir")
        .arg(&node)
        .arg("serve")
        .env("TAMGA_EDGE_LISTEN", &addr)
        .env("TAMGA_LOG", "error");
    let served = start(c, &addr, "/api/status");
    let pid = served.0.id();
    let get = |path: &str| -> serde_json::Value {
        let (status, body) = http_get(&addr, path);
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).expect("JSON")
    };
    let kib = |f| procstat::status_kib(pid, f).unwrap_or(0) as f64 / 1024.0;
    println!(
        "  tamga-edge serving, before the list: VmRSS {:.1} MiB, VmHWM {:.1} MiB",
        kib("VmRSS"),
        kib("VmHWM")
    );
    let first = get("/api/consignments?limit=50");
    assert_eq!(first["counts"]["total"], n, "every consignment counted");
    // The 20th page's cursor, by walking there.
    let mut after = String::new();
    for _ in 0..19 {
        let page = get(&format!("/api/consignments?limit=50&after={after}"));
        match page["next"].as_str() {
            Some(next) => after = next.replace('/', "%2F"),
            None => break,
        }
    }
    let goods_word = "nothing-like-this";
    let cases: Vec<(&str, String)> = vec![
        ("status (the UI polls it)", "/api/status".into()),
        ("first page", "/api/consignments?limit=50".into()),
        (
            "20th page",
            format!("/api/consignments?limit=50&after={after}"),
        ),
        (
            "20th page without counts (counts=false)",
            format!("/api/consignments?limit=50&after={after}&counts=false"),
        ),
        (
            "in transit, major or worse",
            "/api/consignments?limit=50&status=in_transit&severity=major".into(),
        ),
        (
            "major or worse",
            "/api/consignments?limit=50&severity=major".into(),
        ),
        ("overdue", "/api/consignments?limit=50&overdue=true".into()),
        (
            "number prefix",
            "/api/consignments?limit=50&number=10609050%2F231126%2F00001".into(),
        ),
        (
            "goods word found nowhere (the goods keys: nothing read)",
            format!("/api/consignments?limit=50&goods={goods_word}"),
        ),
        (
            "goods word in every consignment (`diam`, the goods keys)",
            "/api/consignments?limit=50&goods=diam".into(),
        ),
        (
            "goods word of one letter found nowhere (the goods keys)",
            "/api/consignments?limit=50&goods=q".into(),
        ),
    ];
    println!("list_bench: {n} consignments held, {REPEATS} requests each, ms (p50 / p99)");
    println!(
        "  baseline Store::list, first page of 50 (no HTTP)   {:8.2} / {:8.2}",
        store_page.0, store_page.1
    );
    println!(
        "  baseline Store::list_counts (no HTTP)              {:8.2} / {:8.2}",
        store_counts.0, store_counts.1
    );
    println!(
        "  baseline Store::list_counts, half on the road overdue {:5.2} / {:8.2}",
        store_counts_half.0, store_counts_half.1
    );
    println!(
        "  baseline footprint_floor GET /health               {:8.2} / {:8.2}",
        health.0, health.1
    );
    println!(
        "  baseline footprint_floor GET /documents (a scan)   {:8.2} / {:8.2}",
        scan.0, scan.1
    );
    for (name, path) in &cases {
        if path.contains(&format!("goods={goods_word}")) {
            println!(
                "  tamga-edge after the pages, before the goods search: VmRSS {:.1} MiB, VmHWM {:.1} MiB",
                kib("VmRSS"),
                kib("VmHWM")
            );
        }
        let rows = get(path)["rows"].as_array().map(Vec::len).unwrap_or(0);
        let (p50, p99) = timed(|| {
            let _ = get(path);
        });
        println!(
            "  tamga-edge {:<45} {:8.2} / {:8.2}   ({rows} rows)",
            name, p50, p99
        );
    }
    println!(
        "  tamga-edge after listing: VmRSS {:.1} MiB, VmHWM {:.1} MiB",
        kib("VmRSS"),
        kib("VmHWM")
    );
}
