//! The edge node's footprint: resident memory and start-up time of the real `tamga-edge serve`
//! with a store of many consignments, and the release binaries' sizes, against the floor of the
//! same stack.
//!
//! ```sh
//! cargo build --release -p tamga-edge -p tamga-central -p tamga-bench
//! $CARGO_TARGET_DIR/release/footprint            # 10,000 consignments
//! $CARGO_TARGET_DIR/release/footprint --quick    # 1,000
//! ```
//!
//! The binaries are looked up next to this executable (the release target directory), or in
//! `TAMGA_BIN_DIR`.
//!
//! A post node is made the way an officer makes one: `tamga-edge init --role post --unit
//! MANAS-AIRPORT --authority <the fixture story's authority> --enrollment <the story's registry
//! acts>`. Its store (`<node>/store`, pinned to that authority) then gets N consignments of ten
//! acts each, merged with `Store::apply_changes` as a sync would bring them (population, timed
//! apart). Then, each in its own process, measured from outside through `/proc/<pid>/status`:
//!
//! - **`tamga-edge serve`**: start-up = spawn until `GET /api/status` answers 200; resident
//!   memory (`VmRSS`, and the peak `VmHWM`) idle 2 s after start, then after serving `GET
//!   /api/consignments?limit=50` (the list's first page as the UI asks for it, with the counts
//!   over every consignment) and 2 s idle again;
//! - baseline **`footprint_floor`**: tokio + axum + the same sled database with the edge
//!   node's cache size; same measurements, its probe being `GET /health` and its list `GET
//!   /api/consignments` (the documents' keys, no assessment);
//! - baseline **`Store::open` alone**: this executable in a child mode that opens the store,
//!   says so and waits; start-up = spawn until it says so.
//!
//! Start-up is the median of 9 runs, the three processes taking turns run by run (the first
//! run, after population, is also printed). Binary
//! sizes: `tamga-edge`, `tamga-central` and `footprint_floor` as built, and stripped with
//! `strip` into a temporary file.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tamga_bench::consignments;
use tamga_bench::procstat::{self, ms};
use tamga_core::fixtures::Story;
use tamga_store::Store;

const RUNS: usize = 9;
const IDLE: Duration = Duration::from_secs(2);

/// A GET on loopback: the status code and the body.
fn http_get(addr: &str, path: &str) -> Option<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(600)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..head_end]);
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let mut body = raw[head_end + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Some((status, body))
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 || data.len() < eol + 2 + size {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[(eol + 4 + size).min(data.len())..];
    }
    out
}

fn free_address() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().expect("an address").to_string()
}

/// A child process killed (SIGTERM, then SIGKILL) when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        // SAFETY: kill on the pid of a child we started and have not reaped.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Memory of a running process, MiB.
#[derive(Clone, Copy, Debug, Default)]
struct Memory {
    rss: f64,
    hwm: f64,
}

fn memory(pid: u32) -> Memory {
    let kib = |f| procstat::status_kib(pid, f).unwrap_or(0) as f64 / 1024.0;
    Memory {
        rss: kib("VmRSS"),
        hwm: kib("VmHWM"),
    }
}

/// One server's figures.
#[derive(Clone, Debug, Default)]
struct Served {
    startup_ms: Vec<f64>,
    idle: Memory,
    after_list: Memory,
    list_ms: f64,
    list_rows: usize,
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Starts a server with `command` (which listens on `addr`), waits until `probe` answers 200;
/// returns the process and the time from spawn to that answer.
fn start(mut command: Command, addr: &str, probe: &str) -> (Running, f64) {
    let started = Instant::now();
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server starts");
    let mut running = Running(child);
    loop {
        if let Some((200, _)) = http_get(addr, probe) {
            return (running, ms(started));
        }
        if let Ok(Some(status)) = running.0.try_wait() {
            panic!("the server exited before answering: {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the server did not answer {probe} within 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// One start of a server; on the last run also its memory idle, the list query and its memory
/// after.
fn measure_run(
    served: &mut Served,
    last: bool,
    make: &dyn Fn(&str) -> Command,
    probe: &str,
    list: &str,
) {
    let addr = free_address();
    let (running, startup) = start(make(&addr), &addr, probe);
    served.startup_ms.push(startup);
    if !last {
        return;
    }
    let pid = running.0.id();
    std::thread::sleep(IDLE);
    served.idle = memory(pid);
    let t = Instant::now();
    let (status, body) = http_get(&addr, list).expect("the list answers");
    served.list_ms = ms(t);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let rows: serde_json::Value = serde_json::from_slice(&body).expect("a JSON list");
    // The floor answers every key; the node a page and the count of everything held.
    served.list_rows = match rows.as_array() {
        Some(all) => all.len(),
        None => rows["counts"]["total"].as_u64().unwrap_or(0) as usize,
    };
    std::thread::sleep(IDLE);
    served.after_list = memory(pid);
}

/// One start of `Store::open` alone (this executable's child mode): the time until it says it
/// opened, and its memory.
fn open_run(exe: &Path, store_dir: &Path) -> (f64, Memory) {
    let started = Instant::now();
    let mut child = Command::new(exe)
        .arg("store-open")
        .arg(store_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("store-open starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("store-open answers");
    assert_eq!(line.trim(), "opened");
    let startup = ms(started);
    std::thread::sleep(Duration::from_millis(500));
    let mem = memory(child.id());
    drop(child.stdin.take());
    child.wait().expect("store-open ends");
    (startup, mem)
}

fn file_mib(path: &Path) -> f64 {
    std::fs::metadata(path)
        .map(|m| m.len() as f64 / 1048576.0)
        .unwrap_or(f64::NAN)
}

fn stripped_mib(path: &Path, scratch: &Path) -> f64 {
    let out = scratch.join(format!(
        "{}.stripped",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("bin")
    ));
    let ok = Command::new("strip")
        .arg("-o")
        .arg(&out)
        .arg(path)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if ok {
        file_mib(&out)
    } else {
        f64::NAN
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("store-open") {
        return store_open(&args[2]);
    }
    let n = tamga_bench::size(&args, 1_000, 10_000);
    let bin_dir: PathBuf = std::env::var_os("TAMGA_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::current_exe()
                .expect("own executable")
                .parent()
                .expect("its directory")
                .to_owned()
        });
    let edge = bin_dir.join("tamga-edge");
    let central = bin_dir.join("tamga-central");
    let floor = bin_dir.join("footprint_floor");
    for b in [&edge, &central, &floor] {
        assert!(
            b.exists(),
            "{} not found: build it (cargo build --release -p tamga-edge -p tamga-central -p tamga-bench) or set TAMGA_BIN_DIR",
            b.display()
        );
    }
    let story = Story::new();
    let base = tempfile::Builder::new()
        .prefix("tamga-footprint-")
        .tempdir()
        .expect("temp dir");
    let node = base.path().join("node");

    // The node, made as an officer makes one, then its store filled.
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
        "tamga-edge init: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store_dir = node.join("store");
    eprintln!("populating the node's store with {n} consignments ...");
    let populated = {
        let store = Store::open(&store_dir, &story.authority_id()).expect("the node's store");
        consignments::populate(&store, &story, 0..n, |_| {})
    };
    eprintln!("populated in {:.1} s", populated.seconds);

    // The first start after population, then the series.
    let edge_command = |addr: &str| {
        let mut c = Command::new(&edge);
        c.arg("--data-dir")
            .arg(&node)
            .arg("serve")
            .env("TAMGA_EDGE_LISTEN", addr)
            .env("TAMGA_LOG", "error");
        c
    };
    let floor_command = |addr: &str| {
        let mut c = Command::new(&floor);
        c.arg(&store_dir).arg(addr);
        c
    };
    // The three, interleaved run by run, so that other work on the machine weighs on all alike.
    let exe = std::env::current_exe().expect("own executable");
    let (mut edge_served, mut floor_served) = (Served::default(), Served::default());
    let (mut open_ms, mut open_mem) = (Vec::new(), Memory::default());
    for run in 0..RUNS {
        let last = run + 1 == RUNS;
        measure_run(
            &mut edge_served,
            last,
            &edge_command,
            "/api/status",
            "/api/consignments?limit=50",
        );
        measure_run(
            &mut floor_served,
            last,
            &floor_command,
            "/health",
            "/api/consignments",
        );
        let (startup, mem) = open_run(&exe, &store_dir);
        open_ms.push(startup);
        open_mem = mem;
    }
    assert_eq!(
        edge_served.list_rows as u64, n,
        "the node lists every consignment"
    );
    assert_eq!(
        floor_served.list_rows as u64,
        n + 1,
        "the floor lists every document"
    );

    // Binary sizes.
    let sizes: Vec<(&str, f64, f64)> = [
        ("tamga-edge", &edge),
        ("tamga-central", &central),
        ("footprint_floor", &floor),
    ]
    .into_iter()
    .map(|(name, p)| (name, file_mib(p), stripped_mib(p, base.path())))
    .collect();

    // Report.
    println!(
        "\nedge footprint: post node with {n} consignments ({} acts), store {:.1} MiB on disk; populated in {:.1} s",
        populated.acts,
        dir_mib(&store_dir),
        populated.seconds
    );
    println!(
        "\n| process | start-up (median of {RUNS}; first) | RSS idle | peak idle | RSS after list | peak after list | list query |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, s) in [
        ("**`tamga-edge serve`**", &edge_served),
        (
            "baseline: `footprint_floor` (tokio + axum + the sled database)",
            &floor_served,
        ),
    ] {
        println!(
            "| {name} | {:.1} ms; {:.1} ms | {:.1} MiB | {:.1} MiB | {:.1} MiB | {:.1} MiB | {:.0} ms, {} rows |",
            median(&s.startup_ms),
            s.startup_ms[0],
            s.idle.rss,
            s.idle.hwm,
            s.after_list.rss,
            s.after_list.hwm,
            s.list_ms,
            s.list_rows
        );
    }
    println!(
        "| baseline: `Store::open` alone | {:.1} ms; {:.1} ms | {:.1} MiB | {:.1} MiB | – | – | – |",
        median(&open_ms),
        open_ms[0],
        open_mem.rss,
        open_mem.hwm
    );
    println!(
        "\nratios, node / floor: start-up {:.2}x, RSS idle {:.2}x, RSS after list {:.2}x; node / Store::open: start-up {:.2}x, RSS idle {:.2}x",
        median(&edge_served.startup_ms) / median(&floor_served.startup_ms),
        edge_served.idle.rss / floor_served.idle.rss,
        edge_served.after_list.rss / floor_served.after_list.rss,
        median(&edge_served.startup_ms) / median(&open_ms),
        edge_served.idle.rss / open_mem.rss
    );
    println!("\n| release binary | as built | stripped |\n|---|---|---|");
    for (name, built, stripped) in &sizes {
        println!("| {name} | {built:.1} MiB | {stripped:.1} MiB |");
    }
    let size_json: serde_json::Map<String, serde_json::Value> = sizes
        .iter()
        .map(|(name, built, stripped)| {
            (
                name.to_string(),
                serde_json::json!({"mib": built, "stripped_mib": stripped}),
            )
        })
        .collect();
    let served_json = |s: &Served| {
        serde_json::json!({
            "startup_ms_median": median(&s.startup_ms),
            "startup_ms_first": s.startup_ms[0],
            "startup_ms": s.startup_ms,
            "rss_idle_mib": s.idle.rss,
            "hwm_idle_mib": s.idle.hwm,
            "rss_after_list_mib": s.after_list.rss,
            "hwm_after_list_mib": s.after_list.hwm,
            "list_ms": s.list_ms,
            "list_rows": s.list_rows,
        })
    };
    println!(
        "{}",
        serde_json::json!({
            "bench": "footprint",
            "date": procstat::today(),
            "consignments": n,
            "acts": populated.acts,
            "populate_s": populated.seconds,
            "store_disk_mib": dir_mib(&store_dir),
            "edge": served_json(&edge_served),
            "floor": served_json(&floor_served),
            "store_open": {
                "startup_ms_median": median(&open_ms),
                "startup_ms_first": open_ms[0],
                "rss_mib": open_mem.rss,
                "hwm_mib": open_mem.hwm,
            },
            "binaries": size_json,
        })
    );
}

fn dir_mib(dir: &Path) -> f64 {
    fn walk(dir: &Path) -> u64 {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| match e.metadata() {
                        Ok(m) if m.is_dir() => walk(&e.path()),
                        Ok(m) => m.len(),
                        Err(_) => 0,
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(dir) as f64 / 1048576.0
}

/// Child mode: `Store::open` alone, then wait until the parent closes stdin.
fn store_open(dir: &str) {
    let story = Story::new();
    let store = Store::open(dir, &story.authority_id()).expect("the store opens");
    println!("opened");
    let _ = std::io::stdout().flush();
    let mut sink = String::new();
    let _ = std::io::stdin().read_to_string(&mut sink);
    drop(store);
}
