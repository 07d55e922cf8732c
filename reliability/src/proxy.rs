//! A fault-injecting TCP proxy for putting a bad network between two real processes.
//!
//! A [`Proxy`] listens on a loopback port and forwards every connection to a target address. A
//! [`Schedule`] decides, from its seed alone, what happens to the `n`th connection accepted and
//! to the `k`th chunk read in each direction of it:
//!
//! - per connection ([`ConnFault`]): pass; **drop** (close without forwarding anything);
//!   **delay** (wait before connecting upstream); **duplicate** (every complete HTTP request
//!   seen on it is also replayed, whole, on a new upstream connection whose answer is thrown
//!   away); **reorder** (hold the connection's bytes until a later connection has been
//!   forwarded, or a time limit, so later connections overtake it); **truncate** (forward a
//!   prefix of one direction, then close both); **link down** (cut every open connection and
//!   refuse new ones for a while);
//! - per chunk ([`ChunkFault`]): pass, delay, drop (close there), truncate (forward a prefix of
//!   the chunk, then close).
//!
//! Decisions are a pure function of (seed, connection number, direction, chunk number), so a
//! seed replays the same decisions for the same sequence of connections. The proxy runs on its
//! own thread and tokio runtime and can be used from plain blocking tests; [`Proxy::heal`]
//! switches to a clean schedule and brings the link up, [`Proxy::cut`] takes it down by hand.
//! Dropping the proxy stops it and closes every connection.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;

/// Which way bytes flow through a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From the client that connected to the proxy, to the target.
    Up,
    /// From the target back to the client.
    Down,
}

/// What happens to a whole connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnFault {
    /// Forwarded as it is (chunk faults may still apply).
    Pass,
    /// Closed at once; nothing is forwarded.
    Drop,
    /// Connected upstream only after this long.
    Delay(Duration),
    /// Every complete HTTP request on it is also sent again on a new upstream connection.
    Duplicate,
    /// Held until a later connection has been forwarded, or at most this long.
    Reorder(Duration),
    /// `bytes` of direction `direction` are forwarded, then both sides are closed.
    Truncate {
        /// The direction cut.
        direction: Direction,
        /// How many bytes get through.
        bytes: usize,
    },
    /// Every connection is cut and new ones are refused for this long (this one included).
    LinkDown(Duration),
}

/// What happens to one chunk read from one side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkFault {
    /// Forwarded.
    Pass,
    /// Forwarded after this long (holding everything behind it).
    Delay(Duration),
    /// Not forwarded; both sides are closed.
    Drop,
    /// Only this many bytes of the chunk are forwarded (at most its length minus one); then
    /// both sides are closed.
    Truncate(usize),
}

/// The odds of each fault, and the seed that draws them.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// The seed: the same seed gives the same decisions.
    pub seed: u64,
    /// Per connection: closed at once.
    pub drop: f64,
    /// Per connection: delayed.
    pub delay: f64,
    /// Per connection: requests replayed.
    pub duplicate: f64,
    /// Per connection: held so that later ones overtake.
    pub reorder: f64,
    /// Per connection: one direction cut short.
    pub truncate: f64,
    /// Per connection: the link goes down.
    pub link_down: f64,
    /// Per chunk: delayed.
    pub chunk_delay: f64,
    /// Per chunk: dropped (connection closed).
    pub chunk_drop: f64,
    /// Per chunk: cut short (connection closed).
    pub chunk_truncate: f64,
    /// The longest delay or hold, in milliseconds.
    pub max_delay_ms: u64,
    /// The longest time the link stays down, in milliseconds.
    pub max_down_ms: u64,
}

/// splitmix64: a good 64-bit mix for deriving independent streams from one seed.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Schedule {
    /// No faults at all.
    pub fn clean() -> Schedule {
        Schedule {
            seed: 0,
            drop: 0.0,
            delay: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            truncate: 0.0,
            link_down: 0.0,
            chunk_delay: 0.0,
            chunk_drop: 0.0,
            chunk_truncate: 0.0,
            max_delay_ms: 0,
            max_down_ms: 0,
        }
    }

    /// A schedule whose mix of faults is itself drawn from `seed`: some schedules are mostly
    /// drops, some mostly duplicates and reordering, some a link that keeps going down.
    pub fn random(seed: u64) -> Schedule {
        let mut rng = fastrand::Rng::with_seed(mix(seed));
        let mut odds = |max: f64| {
            if rng.bool() {
                rng.f64() * max
            } else {
                0.0
            }
        };
        let drop = odds(0.25);
        let delay = odds(0.3);
        let duplicate = odds(0.3);
        let reorder = odds(0.2);
        let truncate = odds(0.25);
        let link_down = odds(0.08);
        let chunk_delay = odds(0.15);
        let chunk_drop = odds(0.05);
        let chunk_truncate = odds(0.05);
        Schedule {
            seed,
            drop,
            delay,
            duplicate,
            reorder,
            truncate,
            link_down,
            chunk_delay,
            chunk_drop,
            chunk_truncate,
            max_delay_ms: 50 + rng.u64(0..700),
            max_down_ms: 200 + rng.u64(0..1500),
        }
    }

    /// Whether the schedule injects nothing.
    pub fn is_clean(&self) -> bool {
        [
            self.drop,
            self.delay,
            self.duplicate,
            self.reorder,
            self.truncate,
            self.link_down,
            self.chunk_delay,
            self.chunk_drop,
            self.chunk_truncate,
        ]
        .iter()
        .all(|p| *p <= 0.0)
    }

    fn rng(&self, conn: u64, stream: u64, chunk: u64) -> fastrand::Rng {
        fastrand::Rng::with_seed(mix(mix(mix(self.seed) ^ conn) ^ stream) ^ chunk)
    }

    /// What happens to the `conn`th connection (counting from 0).
    pub fn connection(&self, conn: u64) -> ConnFault {
        let mut rng = self.rng(conn, 0, 0);
        let delay = || Duration::from_millis(1 + self.max_delay_ms);
        let mut roll = rng.f64();
        let mut pick = |p: f64| {
            if roll < p {
                true
            } else {
                roll -= p;
                false
            }
        };
        if pick(self.link_down) {
            ConnFault::LinkDown(Duration::from_millis(
                50 + rng.u64(0..=self.max_down_ms.max(1)),
            ))
        } else if pick(self.drop) {
            ConnFault::Drop
        } else if pick(self.truncate) {
            ConnFault::Truncate {
                direction: if rng.bool() {
                    Direction::Up
                } else {
                    Direction::Down
                },
                bytes: rng.usize(0..600),
            }
        } else if pick(self.duplicate) {
            ConnFault::Duplicate
        } else if pick(self.reorder) {
            ConnFault::Reorder(delay().mul_f64(0.5 + rng.f64()))
        } else if pick(self.delay) {
            ConnFault::Delay(Duration::from_millis(
                rng.u64(1..=delay().as_millis() as u64),
            ))
        } else {
            ConnFault::Pass
        }
    }

    /// What happens to the `chunk`th chunk read in `direction` on the `conn`th connection.
    pub fn chunk(&self, conn: u64, direction: Direction, chunk: u64, len: usize) -> ChunkFault {
        let stream = match direction {
            Direction::Up => 1,
            Direction::Down => 2,
        };
        let mut rng = self.rng(conn, stream, chunk + 1);
        let roll = rng.f64();
        if roll < self.chunk_drop {
            ChunkFault::Drop
        } else if roll < self.chunk_drop + self.chunk_truncate && len > 1 {
            ChunkFault::Truncate(rng.usize(0..len))
        } else if roll < self.chunk_drop + self.chunk_truncate + self.chunk_delay {
            ChunkFault::Delay(Duration::from_millis(rng.u64(1..=self.max_delay_ms.max(1))))
        } else {
            ChunkFault::Pass
        }
    }
}

/// What the proxy did, counted.
#[derive(Debug, Default)]
pub struct Stats {
    /// Connections accepted.
    pub connections: AtomicU64,
    /// Requests after the first on a kept-alive connection (each draws its own fault).
    pub requests: AtomicU64,
    /// Connections refused while the link was down.
    pub refused: AtomicU64,
    /// Connections dropped at once.
    pub dropped: AtomicU64,
    /// Connections delayed.
    pub delayed: AtomicU64,
    /// HTTP requests replayed.
    pub duplicated: AtomicU64,
    /// Connections held for reordering.
    pub reordered: AtomicU64,
    /// Connections cut short (by a connection or chunk fault).
    pub truncated: AtomicU64,
    /// Times the link went down.
    pub link_downs: AtomicU64,
    /// Chunks delayed.
    pub chunks_delayed: AtomicU64,
    /// Bytes forwarded, both ways.
    pub bytes: AtomicU64,
}

/// A snapshot of [`Stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Connections accepted.
    pub connections: u64,
    /// Further requests on kept-alive connections.
    pub requests: u64,
    /// Refused while down.
    pub refused: u64,
    /// Dropped at once.
    pub dropped: u64,
    /// Delayed.
    pub delayed: u64,
    /// HTTP requests replayed.
    pub duplicated: u64,
    /// Held for reordering.
    pub reordered: u64,
    /// Cut short.
    pub truncated: u64,
    /// Link downs.
    pub link_downs: u64,
    /// Chunks delayed.
    pub chunks_delayed: u64,
    /// Bytes forwarded.
    pub bytes: u64,
}

impl Counts {
    /// What happened between `earlier` and this snapshot.
    pub fn since(&self, earlier: &Counts) -> Counts {
        Counts {
            connections: self.connections - earlier.connections,
            requests: self.requests - earlier.requests,
            refused: self.refused - earlier.refused,
            dropped: self.dropped - earlier.dropped,
            delayed: self.delayed - earlier.delayed,
            duplicated: self.duplicated - earlier.duplicated,
            reordered: self.reordered - earlier.reordered,
            truncated: self.truncated - earlier.truncated,
            link_downs: self.link_downs - earlier.link_downs,
            chunks_delayed: self.chunks_delayed - earlier.chunks_delayed,
            bytes: self.bytes - earlier.bytes,
        }
    }

    /// Adds another snapshot.
    pub fn add(&mut self, o: &Counts) {
        self.connections += o.connections;
        self.requests += o.requests;
        self.refused += o.refused;
        self.dropped += o.dropped;
        self.delayed += o.delayed;
        self.duplicated += o.duplicated;
        self.reordered += o.reordered;
        self.truncated += o.truncated;
        self.link_downs += o.link_downs;
        self.chunks_delayed += o.chunks_delayed;
        self.bytes += o.bytes;
    }

    /// Faults injected, all kinds together.
    pub fn faults(&self) -> u64 {
        self.refused
            + self.dropped
            + self.delayed
            + self.duplicated
            + self.reordered
            + self.truncated
            + self.link_downs
            + self.chunks_delayed
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "connections={} requests={} refused={} dropped={} delayed={} duplicated={} reordered={} truncated={} link_downs={} chunks_delayed={} bytes={}",
            self.connections,
            self.requests,
            self.refused,
            self.dropped,
            self.delayed,
            self.duplicated,
            self.reordered,
            self.truncated,
            self.link_downs,
            self.chunks_delayed,
            self.bytes
        )
    }
}

struct State {
    target: SocketAddr,
    schedule: Mutex<Schedule>,
    down_until: Mutex<Option<Instant>>,
    /// Bumped to cut every open connection.
    cut: watch::Sender<u64>,
    /// Bumped each time a connection starts forwarding (what a held connection waits for).
    forwarded: watch::Sender<u64>,
    next_conn: AtomicU64,
    stats: Stats,
}

impl State {
    fn schedule(&self) -> Schedule {
        self.schedule
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn is_down(&self) -> bool {
        let mut down = self.down_until.lock().unwrap_or_else(|p| p.into_inner());
        match *down {
            Some(t) if Instant::now() < t => true,
            Some(_) => {
                *down = None;
                false
            }
            None => false,
        }
    }

    fn go_down(&self, length: Duration) {
        {
            let mut down = self.down_until.lock().unwrap_or_else(|p| p.into_inner());
            let until = Instant::now() + length;
            *down = Some(down.map_or(until, |t| t.max(until)));
        }
        self.stats.link_downs.fetch_add(1, Ordering::Relaxed);
        self.cut.send_modify(|n| *n += 1);
    }
}

/// A running proxy. Dropping it stops it.
pub struct Proxy {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    /// Starts a proxy on `127.0.0.1:listen_port` (0: any free port) forwarding to `target`,
    /// with a clean schedule.
    pub fn start(listen_port: u16, target: SocketAddr) -> std::io::Result<Proxy> {
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", listen_port))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let (cut, _) = watch::channel(0u64);
        let (forwarded, _) = watch::channel(0u64);
        let state = Arc::new(State {
            target,
            schedule: Mutex::new(Schedule::clean()),
            down_until: Mutex::new(None),
            cut,
            forwarded,
            next_conn: AtomicU64::new(0),
            stats: Stats::default(),
        });
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let worker = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name(format!("proxy-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let listener =
                        TcpListener::from_std(std_listener).expect("a tokio listener from std");
                    tokio::select! {
                        _ = accept_loop(listener, worker) => {}
                        _ = stop_rx => {}
                    }
                });
                // Dropping the runtime cancels every connection task: sockets close.
            })?;
        Ok(Proxy {
            addr,
            state,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where it forwards to.
    pub fn target(&self) -> SocketAddr {
        self.state.target
    }

    /// Follows `schedule` from now on; connection numbers start again from 0.
    pub fn set_schedule(&self, schedule: Schedule) {
        *self
            .state
            .schedule
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = schedule;
        self.state.next_conn.store(0, Ordering::SeqCst);
    }

    /// No more faults, and the link is up.
    pub fn heal(&self) {
        self.set_schedule(Schedule::clean());
        *self
            .state
            .down_until
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Cuts every connection and refuses new ones for `length`.
    pub fn cut(&self, length: Duration) {
        self.state.go_down(length);
    }

    /// What it has done so far.
    pub fn counts(&self) -> Counts {
        let s = &self.state.stats;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Counts {
            connections: g(&s.connections),
            requests: g(&s.requests),
            refused: g(&s.refused),
            dropped: g(&s.dropped),
            delayed: g(&s.delayed),
            duplicated: g(&s.duplicated),
            reordered: g(&s.reordered),
            truncated: g(&s.truncated),
            link_downs: g(&s.link_downs),
            chunks_delayed: g(&s.chunks_delayed),
            bytes: g(&s.bytes),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        if state.is_down() {
            state.stats.refused.fetch_add(1, Ordering::Relaxed);
            drop(client);
            continue;
        }
        state.stats.connections.fetch_add(1, Ordering::Relaxed);
        let conn = state.next_conn.fetch_add(1, Ordering::SeqCst);
        let fault = state.schedule().connection(conn);
        tokio::spawn(handle(Arc::clone(&state), conn, fault, client));
    }
}

/// Why a pump stopped early.
struct Cut;

async fn handle(state: Arc<State>, conn: u64, fault: ConnFault, client: TcpStream) {
    let mut cut = state.cut.subscribe();
    cut.mark_unchanged();
    match fault {
        ConnFault::Drop => {
            state.stats.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        ConnFault::LinkDown(length) => {
            state.go_down(length);
            return;
        }
        ConnFault::Delay(d) => {
            state.stats.delayed.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(d).await;
        }
        ConnFault::Reorder(limit) => {
            state.stats.reordered.fetch_add(1, Ordering::Relaxed);
            let mut later = state.forwarded.subscribe();
            later.mark_unchanged();
            let _ = tokio::time::timeout(limit, later.changed()).await;
        }
        _ => {}
    }
    let Ok(upstream) = TcpStream::connect(state.target).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    state.forwarded.send_modify(|n| *n += 1);
    let (client_read, client_write) = client.into_split();
    let (up_read, up_write) = upstream.into_split();
    let limits = Limits::default();
    if let ConnFault::Truncate { direction, bytes } = fault {
        limits.set(direction, bytes);
    }
    let duplicate = fault == ConnFault::Duplicate;
    let up = pump(
        &state,
        conn,
        Direction::Up,
        client_read,
        up_write,
        &limits,
        duplicate,
    );
    let down = pump(
        &state,
        conn,
        Direction::Down,
        up_read,
        client_write,
        &limits,
        false,
    );
    tokio::select! {
        _ = async { tokio::try_join!(up, down) } => {}
        _ = cut.changed() => {}
    }
    // Everything dropped here: both sockets close.
}

/// How many more bytes each direction of a connection may carry before it is cut.
struct Limits {
    up: AtomicU64,
    down: AtomicU64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            up: AtomicU64::new(u64::MAX),
            down: AtomicU64::new(u64::MAX),
        }
    }
}

impl Limits {
    fn of(&self, direction: Direction) -> &AtomicU64 {
        match direction {
            Direction::Up => &self.up,
            Direction::Down => &self.down,
        }
    }

    fn set(&self, direction: Direction, bytes: usize) {
        self.of(direction).store(bytes as u64, Ordering::SeqCst);
    }

    /// How much of `len` bytes may pass, and whether the connection is cut after them.
    fn take(&self, direction: Direction, len: usize) -> (usize, bool) {
        let left = self.of(direction).load(Ordering::SeqCst);
        if left == u64::MAX {
            return (len, false);
        }
        let passed = (len as u64).min(left);
        self.of(direction).store(left - passed, Ordering::SeqCst);
        (passed as usize, passed == left)
    }
}

/// Forwards one direction of a connection, applying chunk faults. On the way up, each HTTP
/// request after the first on a kept-alive connection draws a fault of its own from the
/// schedule, as a new connection would (clients keep connections open between requests).
#[allow(clippy::too_many_arguments)]
async fn pump(
    state: &State,
    conn: u64,
    direction: Direction,
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    limits: &Limits,
    duplicate_all: bool,
) -> Result<(), Cut> {
    let mut buf = vec![0u8; 16 * 1024];
    let mut chunk = 0u64;
    let mut capture = RequestCapture::default();
    let mut first_request = true;
    let mut duplicate = duplicate_all;
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = to.shutdown().await;
                return Ok(());
            }
            Ok(n) => n,
        };
        // The schedule now in force: a healed proxy heals kept-alive connections too.
        let schedule = state.schedule();
        if direction == Direction::Up && capture.at_boundary() {
            if first_request {
                first_request = false;
            } else {
                state.stats.requests.fetch_add(1, Ordering::Relaxed);
                let request = state.next_conn.fetch_add(1, Ordering::SeqCst);
                duplicate = duplicate_all;
                match schedule.connection(request) {
                    ConnFault::Pass => {}
                    ConnFault::Drop => {
                        state.stats.dropped.fetch_add(1, Ordering::Relaxed);
                        return Err(Cut);
                    }
                    ConnFault::LinkDown(length) => {
                        state.go_down(length);
                        return Err(Cut);
                    }
                    ConnFault::Delay(d) => {
                        state.stats.delayed.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(d).await;
                    }
                    ConnFault::Reorder(limit) => {
                        state.stats.reordered.fetch_add(1, Ordering::Relaxed);
                        let mut later = state.forwarded.subscribe();
                        later.mark_unchanged();
                        let _ = tokio::time::timeout(limit, later.changed()).await;
                    }
                    ConnFault::Duplicate => duplicate = true,
                    ConnFault::Truncate { direction, bytes } => limits.set(direction, bytes),
                }
            }
        }
        let mut data = &buf[..n];
        let mut close_after = false;
        match schedule.chunk(conn, direction, chunk, n) {
            ChunkFault::Pass => {}
            ChunkFault::Delay(d) => {
                state.stats.chunks_delayed.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(d).await;
            }
            ChunkFault::Drop => {
                state.stats.dropped.fetch_add(1, Ordering::Relaxed);
                return Err(Cut);
            }
            ChunkFault::Truncate(k) => {
                data = &data[..k];
                close_after = true;
            }
        }
        chunk += 1;
        let (passed, cut_here) = limits.take(direction, data.len());
        data = &data[..passed];
        close_after |= cut_here;
        if !data.is_empty() {
            if to.write_all(data).await.is_err() {
                return Err(Cut);
            }
            state
                .stats
                .bytes
                .fetch_add(data.len() as u64, Ordering::Relaxed);
        }
        if close_after {
            state.stats.truncated.fetch_add(1, Ordering::Relaxed);
            return Err(Cut);
        }
        if direction == Direction::Up {
            for request in capture.push(data) {
                if duplicate {
                    state.stats.duplicated.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(replay(state.target, request));
                }
            }
        }
    }
}

/// Sends a captured request again on a new connection and reads the answer away.
async fn replay(target: SocketAddr, request: Vec<u8>) {
    let attempt = async {
        let mut upstream = TcpStream::connect(target).await.ok()?;
        upstream.write_all(&request).await.ok()?;
        let mut sink = vec![0u8; 16 * 1024];
        while upstream.read(&mut sink).await.ok()? > 0 {}
        Some(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), attempt).await;
}

/// Cuts an HTTP/1.1 request stream into whole requests (headers and a `Content-Length` body).
#[derive(Default)]
pub struct RequestCapture {
    buf: Vec<u8>,
    gave_up: bool,
}

/// Requests larger than this are not captured.
const MAX_CAPTURE: usize = 32 * 1024 * 1024;

impl RequestCapture {
    /// Whether the next byte starts a new request (nothing of an unfinished one is held).
    pub fn at_boundary(&self) -> bool {
        self.buf.is_empty() && !self.gave_up
    }

    /// Takes the next bytes; returns the requests they complete.
    pub fn push(&mut self, data: &[u8]) -> Vec<Vec<u8>> {
        if self.gave_up {
            return Vec::new();
        }
        self.buf.extend_from_slice(data);
        let mut done = Vec::new();
        while let Some(end) = find(&self.buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&self.buf[..end]).to_ascii_lowercase();
            if head.contains("transfer-encoding:") {
                // Chunked bodies are not followed; nothing more is captured on this connection.
                self.gave_up = true;
                self.buf.clear();
                break;
            }
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            let total = end + 4 + length;
            if total > MAX_CAPTURE {
                self.gave_up = true;
                self.buf.clear();
                break;
            }
            if self.buf.len() < total {
                break;
            }
            done.push(self.buf.drain(..total).collect());
        }
        done
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
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
                            let head = format!(
                                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n",
                                body.len()
                            );
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
}
