//! A TCP relay that adds a fixed delay each way, for a real slow link where the kernel has no
//! netem (`scripts/slow-link.sh`: tbf shapes the rate, nftables drops packets, this relay adds
//! the propagation delay).
//!
//! ```text
//! delay_relay --listen ADDR --to ADDR --delay-ms 300 [--stats FILE] [--stats-every-ms 1000]
//!             [--events FILE] [--no-connect-delay] [--stdin]
//! ```
//!
//! Every connection accepted on `--listen` is relayed to `--to`, both directions. Each chunk is
//! released `--delay-ms` after it was read, from a queue of timestamped chunks per direction, so
//! the delay adds latency without cutting throughput (a reader never waits for a writer's
//! delay; the queue holds up to [`QUEUE_CHUNKS`] chunks before the reader waits). An end of
//! stream is passed on, delayed like the data, as a half close.
//!
//! The TCP handshake crosses the relay at once (the client's connect returns on accept), so
//! the relay charges its round trip to the first bytes instead: nothing goes upstream before
//! the upstream connection is established and then two delays more (the SYN and the SYN-ACK),
//! plus the delay itself. `--no-connect-delay` turns that off. The delay lies outside TCP's own
//! control loop on the upstream leg: that connection's acknowledgements and retransmissions
//! see the real link's round trip (queueing in the shaper, loss), not the added delay.
//!
//! Counts: bytes each way, per connection and in total, and, when the bytes are TLS, the
//! records each way by type (from the 5-byte record headers; the contents stay encrypted), and
//! the turns of each connection (how many times the client started sending again after the
//! server had answered: the round trips the client waited for). `--stats FILE` is rewritten
//! every `--stats-every-ms` with one JSON line; on SIGTERM or Ctrl-C (or, with `--stdin`, when
//! standard input closes) the same line is printed on standard output, the file written a last
//! time, and the relay exits 0. `--events FILE` gets one JSON line per chunk read (time, Unix
//! seconds; connection; direction; bytes; release time) and per connection event, for working
//! out the round trips of a session afterwards. Network errors end the connection they happen
//! on, never the relay.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Chunks queued per direction before the reader waits for the writer.
const QUEUE_CHUNKS: usize = 1024;
/// The most read at once.
const CHUNK: usize = 16 * 1024;

const USAGE: &str = "usage: delay_relay --listen ADDR --to ADDR --delay-ms MS [--stats FILE] [--stats-every-ms MS] [--events FILE] [--no-connect-delay] [--stdin]";

struct Args {
    listen: SocketAddr,
    to: SocketAddr,
    delay: Duration,
    stats: Option<PathBuf>,
    every: Duration,
    events: Option<PathBuf>,
    connect_delay: bool,
    stdin: bool,
}

fn parse_args() -> Result<Args, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| -> Option<&str> {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    let addr = |name: &str| -> Result<SocketAddr, String> {
        let v = value(name).ok_or_else(|| format!("{name} is required\n{USAGE}"))?;
        v.parse()
            .map_err(|e| format!("{name} {v:?}: {e} (write IP:PORT)"))
    };
    let millis = |name: &str, default: Option<u64>| -> Result<u64, String> {
        match value(name) {
            Some(v) => v
                .parse()
                .map_err(|_| format!("{name}: {v:?} is not a number")),
            None => default.ok_or_else(|| format!("{name} is required\n{USAGE}")),
        }
    };
    Ok(Args {
        listen: addr("--listen")?,
        to: addr("--to")?,
        delay: Duration::from_millis(millis("--delay-ms", None)?),
        stats: value("--stats").map(PathBuf::from),
        every: Duration::from_millis(millis("--stats-every-ms", Some(1000))?.max(10)),
        events: value("--events").map(PathBuf::from),
        connect_delay: !args.iter().any(|a| a == "--no-connect-delay"),
        stdin: args.iter().any(|a| a == "--stdin"),
    })
}

/// Seconds since the Unix epoch, for times that other processes' logs can be set against.
fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// TLS records seen in one direction, from their headers.
#[derive(Clone, Debug, Default)]
struct Records {
    header: [u8; 5],
    have: usize,
    remaining: usize,
    /// False once the bytes are seen not to be TLS records.
    tls: bool,
    /// Records by type: change_cipher_spec, alert, handshake, application_data.
    by_type: [u64; 4],
    /// Bytes inside application_data records (ciphertext, tag and inner type included).
    application_bytes: u64,
}

impl Records {
    fn new() -> Self {
        Records {
            tls: true,
            ..Default::default()
        }
    }

    fn feed(&mut self, mut data: &[u8]) {
        while self.tls && !data.is_empty() {
            if self.remaining > 0 {
                let n = self.remaining.min(data.len());
                self.remaining -= n;
                data = &data[n..];
                continue;
            }
            let n = (5 - self.have).min(data.len());
            self.header[self.have..self.have + n].copy_from_slice(&data[..n]);
            self.have += n;
            data = &data[n..];
            if self.have < 5 {
                return;
            }
            self.have = 0;
            let [kind, major, _, hi, lo] = self.header;
            if !(20..=23).contains(&kind) || major != 3 {
                self.tls = false;
                return;
            }
            self.remaining = usize::from(u16::from_be_bytes([hi, lo]));
            self.by_type[usize::from(kind - 20)] += 1;
            if kind == 23 {
                self.application_bytes += self.remaining as u64;
            }
        }
    }

    fn json(&self) -> Value {
        json!({
            "tls": self.tls,
            "change_cipher_spec": self.by_type[0],
            "alert": self.by_type[1],
            "handshake": self.by_type[2],
            "application_data": self.by_type[3],
            "records": self.by_type.iter().sum::<u64>(),
            "application_bytes": self.application_bytes,
        })
    }
}

/// One connection's counts. Times are Unix seconds.
#[derive(Clone, Debug)]
struct Conn {
    accepted: f64,
    connected: Option<f64>,
    closed: Option<f64>,
    error: Option<String>,
    bytes: [u64; 2],
    records: [Records; 2],
    /// Times the client started sending after the server's bytes had been delivered.
    turns: u64,
    last_up: bool,
    first: [Option<f64>; 2],
    last_release: [Option<f64>; 2],
}

impl Conn {
    fn json(&self, id: u64) -> Value {
        json!({
            "id": id, "accepted": self.accepted, "connected": self.connected,
            "closed": self.closed, "error": self.error,
            "up_bytes": self.bytes[UP], "down_bytes": self.bytes[DOWN], "turns": self.turns,
            "first_up_read": self.first[UP], "last_up_release": self.last_release[UP],
            "first_down_read": self.first[DOWN], "last_down_release": self.last_release[DOWN],
            "up_records": self.records[UP].json(), "down_records": self.records[DOWN].json(),
        })
    }
}

const UP: usize = 0;
const DOWN: usize = 1;

#[derive(Default)]
struct State {
    conns: BTreeMap<u64, Conn>,
    next: u64,
}

struct Relay {
    args: Args,
    state: Mutex<State>,
    events: Option<mpsc::UnboundedSender<String>>,
}

impl Relay {
    fn event(&self, value: Value) {
        if let Some(tx) = &self.events {
            let _ = tx.send(value.to_string());
        }
    }

    fn with<R>(&self, id: u64, f: impl FnOnce(&mut Conn) -> R) -> Option<R> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.conns.get_mut(&id).map(f)
    }

    /// The stats line: totals, then every connection.
    fn line(&self) -> Value {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let sum = |d: usize| state.conns.values().map(|c| c.bytes[d]).sum::<u64>();
        let records = |d: usize, t: usize| {
            state
                .conns
                .values()
                .map(|c| c.records[d].by_type[t])
                .sum::<u64>()
        };
        let app = |d: usize| {
            state
                .conns
                .values()
                .map(|c| c.records[d].application_bytes)
                .sum::<u64>()
        };
        json!({
            "relay": "delay_relay",
            "at": unix_now(),
            "listen": self.args.listen.to_string(),
            "to": self.args.to.to_string(),
            "delay_ms": self.args.delay.as_millis() as u64,
            "connect_delay": self.args.connect_delay,
            "connections": state.conns.len(),
            "open": state.conns.values().filter(|c| c.closed.is_none()).count(),
            "up_bytes": sum(UP),
            "down_bytes": sum(DOWN),
            "up_records": (0..4).map(|t| records(UP, t)).sum::<u64>(),
            "down_records": (0..4).map(|t| records(DOWN, t)).sum::<u64>(),
            "up_application_records": records(UP, 3),
            "down_application_records": records(DOWN, 3),
            "up_application_bytes": app(UP),
            "down_application_bytes": app(DOWN),
            "conns": state.conns.iter().map(|(id, c)| c.json(*id)).collect::<Vec<_>>(),
        })
    }

    fn write_stats(&self) {
        let Some(path) = &self.args.stats else { return };
        let tmp = path.with_extension("tmp");
        let text = format!("{}\n", self.line());
        if std::fs::write(&tmp, text)
            .and_then(|_| std::fs::rename(&tmp, path))
            .is_err()
        {
            eprintln!("delay_relay: cannot write {}", path.display());
        }
    }
}

/// One chunk to release, or the end of the stream.
struct Chunk {
    release: Instant,
    data: Option<Vec<u8>>,
}

/// Reads `from`, stamping each chunk with its release time. `floor`: nothing is released
/// before it (upstream: the emulated handshake), then each chunk `delay` after its read.
async fn read_side(
    relay: Arc<Relay>,
    id: u64,
    dir: usize,
    mut from: OwnedReadHalf,
    tx: mpsc::Sender<Chunk>,
    floor: Option<Instant>,
) {
    let delay = relay.args.delay;
    let name = if dir == UP { "up" } else { "down" };
    let mut buf = vec![0u8; CHUNK];
    loop {
        let read = from.read(&mut buf).await;
        let now = Instant::now();
        let release = floor.map_or(now, |f| f.max(now)) + delay;
        let at = unix_now();
        let release_at = at + (release - now).as_secs_f64();
        match read {
            Ok(0) | Err(_) => {
                if let Err(e) = &read {
                    relay.with(id, |c| {
                        c.error.get_or_insert(format!("{name} read: {e}"));
                    });
                }
                relay.event(json!({"t": at, "c": id, "d": name, "ev": "eof", "rel": release_at}));
                let _ = tx
                    .send(Chunk {
                        release,
                        data: None,
                    })
                    .await;
                return;
            }
            Ok(n) => {
                relay.with(id, |c| {
                    c.bytes[dir] += n as u64;
                    c.records[dir].feed(&buf[..n]);
                    c.first[dir].get_or_insert(at);
                    if dir == UP && !c.last_up {
                        c.turns += 1;
                    }
                    c.last_up = dir == UP;
                });
                relay.event(json!({"t": at, "c": id, "d": name, "n": n, "rel": release_at}));
                let chunk = Chunk {
                    release,
                    data: Some(buf[..n].to_vec()),
                };
                if tx.send(chunk).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Writes each chunk to `to` at its release time; an end of stream becomes a half close.
async fn write_side(
    relay: Arc<Relay>,
    id: u64,
    dir: usize,
    mut to: OwnedWriteHalf,
    mut rx: mpsc::Receiver<Chunk>,
) {
    while let Some(chunk) = rx.recv().await {
        tokio::time::sleep_until(chunk.release).await;
        let Some(data) = chunk.data else {
            let _ = to.shutdown().await;
            return;
        };
        if let Err(e) = to.write_all(&data).await {
            let name = if dir == UP { "up" } else { "down" };
            relay.with(id, |c| {
                c.error.get_or_insert(format!("{name} write: {e}"));
            });
            return;
        }
        relay.with(id, |c| c.last_release[dir] = Some(unix_now()));
    }
}

async fn relay_connection(relay: Arc<Relay>, id: u64, client: TcpStream) {
    let started = Instant::now();
    let upstream = match TcpStream::connect(relay.args.to).await {
        Ok(s) => s,
        Err(e) => {
            relay.with(id, |c| {
                c.error = Some(format!("connect {}: {e}", relay.args.to));
                c.closed = Some(unix_now());
            });
            relay.event(json!({"t": unix_now(), "c": id, "ev": "connect_failed"}));
            return;
        }
    };
    let _ = upstream.set_nodelay(true);
    let _ = client.set_nodelay(true);
    let connected = Instant::now();
    relay.with(id, |c| c.connected = Some(unix_now()));
    relay.event(json!({"t": unix_now(), "c": id, "ev": "connected",
        "connect_s": (connected - started).as_secs_f64()}));
    // The client would have learnt of the connection a round trip after it was made.
    let floor = relay
        .args
        .connect_delay
        .then(|| connected + 2 * relay.args.delay);
    let (client_r, client_w) = client.into_split();
    let (up_r, up_w) = upstream.into_split();
    let (up_tx, up_rx) = mpsc::channel(QUEUE_CHUNKS);
    let (down_tx, down_rx) = mpsc::channel(QUEUE_CHUNKS);
    let tasks = [
        tokio::spawn(read_side(relay.clone(), id, UP, client_r, up_tx, floor)),
        tokio::spawn(write_side(relay.clone(), id, UP, up_w, up_rx)),
        tokio::spawn(read_side(relay.clone(), id, DOWN, up_r, down_tx, None)),
        tokio::spawn(write_side(relay.clone(), id, DOWN, client_w, down_rx)),
    ];
    for t in tasks {
        let _ = t.await;
    }
    relay.with(id, |c| c.closed = Some(unix_now()));
    relay.event(json!({"t": unix_now(), "c": id, "ev": "closed"}));
}

/// Set when standard input closes (with `--stdin`).
static STDIN_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Resolves on SIGTERM or SIGINT (or, with `--stdin`, when standard input closes).
async fn stopped(stdin: bool) {
    use tokio::signal::unix::{signal, SignalKind};
    if stdin {
        // Standard input is read on a thread of its own: its end stops the relay.
        std::thread::spawn(|| {
            use std::io::Read;
            let mut buf = [0u8; 256];
            let mut input = std::io::stdin();
            while matches!(input.read(&mut buf), Ok(n) if n > 0) {}
            STDIN_CLOSED.store(true, std::sync::atomic::Ordering::SeqCst);
        });
    }
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        eprintln!("delay_relay: cannot watch for signals; stop it with --stdin");
        return std::future::pending().await;
    };
    loop {
        tokio::select! {
            _ = term.recv() => return,
            _ = int.recv() => return,
            _ = tokio::time::sleep(Duration::from_millis(100)) => {
                if STDIN_CLOSED.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
            }
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let (events, writer) = match &args.events {
        Some(path) => {
            let file =
                std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let (tx, mut rx) = mpsc::unbounded_channel::<String>();
            let writer = tokio::task::spawn_blocking(move || {
                use std::io::Write;
                let mut w = std::io::BufWriter::new(file);
                while let Some(line) = rx.blocking_recv() {
                    let _ = writeln!(w, "{line}");
                    if rx.is_empty() {
                        let _ = w.flush();
                    }
                }
                let _ = w.flush();
            });
            (Some(tx), Some(writer))
        }
        None => (None, None),
    };
    let every = args.every;
    let stdin = args.stdin;
    let relay = Arc::new(Relay {
        args,
        state: Mutex::new(State::default()),
        events,
    });
    eprintln!(
        "delay_relay: {} -> {}, {} ms each way",
        relay.args.listen,
        relay.args.to,
        relay.args.delay.as_millis()
    );
    relay.write_stats();
    let stop = stopped(stdin);
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = tick.tick() => relay.write_stats(),
            accepted = listener.accept() => {
                let Ok((client, peer)) = accepted else { continue };
                let id = {
                    let mut state = relay.state.lock().unwrap_or_else(|p| p.into_inner());
                    state.next += 1;
                    let id = state.next;
                    state.conns.insert(id, Conn {
                        accepted: unix_now(), connected: None, closed: None, error: None,
                        bytes: [0; 2], records: [Records::new(), Records::new()], turns: 0,
                        last_up: false, first: [None; 2], last_release: [None; 2],
                    });
                    id
                };
                relay.event(json!({"t": unix_now(), "c": id, "ev": "accepted", "peer": peer.to_string()}));
                tokio::spawn(relay_connection(relay.clone(), id, client));
            }
        }
    }
    let line = relay.line();
    println!("{line}");
    relay.write_stats();
    drop(listener);
    // Close the event log: the writer ends once every sender is gone; connections still open
    // hold senders, so it is given a moment and left.
    if let Some(writer) = writer {
        let relay = Arc::into_inner(relay);
        drop(relay);
        let _ = tokio::time::timeout(Duration::from_millis(500), writer).await;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("delay_relay: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("delay_relay: no runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(run(args));
    runtime.shutdown_timeout(Duration::from_millis(100));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("delay_relay: {e}");
            ExitCode::from(1)
        }
    }
}
