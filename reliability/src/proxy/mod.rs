//! A fault-injecting TCP proxy for putting a bad network between two real processes.
//!
//! A [`Proxy`] listens on a loopback port and forwards every connection to a target address. A
//! [`Schedule`] decides, from its seed alone, what happens to the `n`th connection accepted and
//! to the `k`th chunk read in each direction of it:
//!
//! - per connection ([`ConnFault`]): pass; **drop** (close without forwarding anything);
//!   **delay** (wait before connecting upstream); **duplicate** (every complete HTTP request
//!   seen on it is also replayed, whole, on a new upstream connection whose answer is thrown
//!   away; a TLS connection, whose requests cannot be seen, is replayed byte for byte once it
//!   closes, as an attacker on the wire would); **reorder** (hold the connection's bytes until a later connection has been
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

mod schedule;
mod stats;
#[cfg(test)]
mod tests;

pub use schedule::{ChunkFault, ConnFault, Direction, Schedule};
pub use stats::{Counts, Stats};

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;

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

    /// `https://127.0.0.1:PORT`: the address a node calls its peer at through the proxy.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
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
                if let Some(stream) = capture.finish().filter(|_| duplicate) {
                    state.stats.duplicated.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(replay(state.target, stream));
                }
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
/// A stream that opens with a TLS handshake record holds no visible requests: it is kept whole,
/// for [`RequestCapture::finish`].
#[derive(Default)]
pub struct RequestCapture {
    buf: Vec<u8>,
    gave_up: bool,
    /// Whether the stream is TLS, once its first byte is seen.
    tls: Option<bool>,
}

/// Requests larger than this are not captured.
const MAX_CAPTURE: usize = 32 * 1024 * 1024;

impl RequestCapture {
    /// Whether the next byte starts a new request (nothing of an unfinished one is held).
    pub fn at_boundary(&self) -> bool {
        self.buf.is_empty() && !self.gave_up && self.tls != Some(true)
    }

    /// The whole stream of a TLS connection, once it has ended (none for plain HTTP, whose
    /// requests [`RequestCapture::push`] returns one by one).
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        (self.tls == Some(true) && !self.gave_up && !self.buf.is_empty())
            .then(|| std::mem::take(&mut self.buf))
    }

    /// Takes the next bytes; returns the requests they complete.
    pub fn push(&mut self, data: &[u8]) -> Vec<Vec<u8>> {
        if self.gave_up || data.is_empty() {
            return Vec::new();
        }
        let tls = *self.tls.get_or_insert(data[0] == 0x16);
        if tls {
            if self.buf.len() + data.len() > MAX_CAPTURE {
                self.gave_up = true;
                self.buf.clear();
            } else {
                self.buf.extend_from_slice(data);
            }
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
