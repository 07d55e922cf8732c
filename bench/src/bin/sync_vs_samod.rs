//! Sync cost of tamga's session against samod 0.16, the Rust implementation of automerge-repo's
//! per-document sync, on the same documents: a post holding N consignments (10,000; 500 with
//! `--quick`), each a registration and a seal applied recorded through `Store::record`, synced
//! with central. Both post stores hold the same automerge documents (samod's are loaded from the
//! bytes `Store::save_doc` exports), and so do both centrals, as after an earlier full sync.
//!
//! Measured for each: none changed, and 10 changed (a seal check each): bytes on the wire both
//! ways, round trips, messages, wall time until both sides hold the same heads; the lower bound
//! is the new automerge changes alone, zstd-compressed.
//!
//! How samod is driven, and why that is fair to it: in automerge-repo a repo syncs the
//! documents it has *active* (loaded in a document actor) with every connected peer that its
//! share policy announces them to; documents only in storage are not offered. So the post's repo
//! `find`s all its documents first (not timed), then dials central; on every new connection
//! each active document starts the automerge sync protocol from a fresh sync state (samod keeps
//! no sync state across connections). Central's repo loads a document when a message about it
//! arrives and keeps it active afterwards. Both use samod's `TokioFilesystemStorage` (which does
//! not fsync; tamga's store flushes every merge). The transport is an in-process channel pair
//! wrapped in a counting sink and stream: every message samod sends either way is counted, plus
//! the 4-byte length prefix of samod's own TCP framing. tamga's bytes are its frames plus the
//! credential headers, as `sync_bench` counts them.
//!
//! Round trips for samod: messages flow concurrently for all documents, so a round trip is
//! counted along each document's chain of messages: a message's depth is one more than the
//! deepest message about the same document its sender had received when it sent it; the
//! deepest chain over all documents, halved and rounded up, plus one for the connection
//! handshake (join/peer), is the round-trip figure.
//!
//! samod's hub does work proportional to the number of active documents on every event, so its
//! connections cost O(N²) in time: at N = 2,000 about a minute each, at the default N = 10,000
//! far longer (BENCHMARKS.md records `--n 2000`).
//!
//! Run: `cargo run --release -p tamga-bench --bin sync_vs_samod [-- --quick | -- --n N]`

use futures::channel::mpsc;
use futures::{Sink, Stream, StreamExt};
use samod::storage::{StorageKey, TokioFilesystemStorage};
use samod::{BackoffConfig, ConnectionId, DialError, Dialer, DocHandle, DocumentId, PeerId, Repo};
use std::collections::{BTreeMap, HashMap};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tamga_bench::sync_pair::{seal_check, Pair, SessionRun};
use tamga_core::fixtures::stream;
use tamga_store::DocId;

/// Silence on the transport for this long ends a samod exchange (not counted in its time).
const QUIET: Duration = Duration::from_millis(1500);
/// Longest wait for one samod exchange.
const LIMIT: Duration = Duration::from_secs(900);

/// What one document's messages did on a samod connection.
#[derive(Clone, Debug, Default)]
struct DocTally {
    messages: u64,
    bytes: u64,
    depth: u32,
}

/// Everything counted on a samod transport, both directions (0: post → central, 1: back).
#[derive(Default)]
struct WireLog {
    last: Option<Instant>,
    messages: [u64; 2],
    bytes: [u64; 2],
    by_type: BTreeMap<String, (u64, u64)>,
    docs: HashMap<String, DocTally>,
    handshake: bool,
    /// Per side, per document: the deepest message received.
    received_depth: [HashMap<String, u32>; 2],
}

impl WireLog {
    fn reset(&mut self) {
        *self = WireLog::default();
    }

    fn bytes(&self) -> u64 {
        self.bytes[0] + self.bytes[1]
    }

    fn messages(&self) -> u64 {
        self.messages[0] + self.messages[1]
    }

    fn round_trips(&self) -> u32 {
        let deepest = self.docs.values().map(|d| d.depth).max().unwrap_or(0);
        deepest.div_ceil(2) + u32::from(self.handshake)
    }
}

/// The message type and document of a samod wire message (a CBOR map).
fn classify(message: &[u8]) -> (String, String) {
    let mut decoder = minicbor::Decoder::new(message);
    let mut kind = String::from("?");
    let mut doc = String::new();
    let Ok(Some(entries)) = decoder.map() else {
        return (kind, doc);
    };
    for _ in 0..entries {
        let Ok(key) = decoder.str() else {
            return (kind, doc);
        };
        let key = key.to_owned();
        match key.as_str() {
            "type" => {
                if let Ok(v) = decoder.str() {
                    kind = v.to_owned();
                }
            }
            "documentId" => {
                if let Ok(v) = decoder.str() {
                    doc = v.to_owned();
                }
            }
            _ => {
                if decoder.skip().is_err() {
                    return (kind, doc);
                }
            }
        }
    }
    (kind, doc)
}

/// The transport closed.
#[derive(Debug)]
struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the transport is closed")
    }
}

impl std::error::Error for Closed {}

/// The sending half of one side, counting what it sends.
struct CountingSink {
    side: usize,
    tx: mpsc::UnboundedSender<(u32, Vec<u8>)>,
    log: Arc<Mutex<WireLog>>,
}

impl Sink<Vec<u8>> for CountingSink {
    type Error = Closed;

    fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Closed>> {
        Poll::Ready(if self.tx.is_closed() {
            Err(Closed)
        } else {
            Ok(())
        })
    }

    fn start_send(self: Pin<&mut Self>, item: Vec<u8>) -> Result<(), Closed> {
        let (kind, doc) = classify(&item);
        let wire = item.len() as u64 + 4;
        let depth = {
            let mut log = self.log.lock().expect("log");
            let side = self.side;
            log.messages[side] += 1;
            log.bytes[side] += wire;
            log.last = Some(Instant::now());
            let t = log.by_type.entry(kind.clone()).or_default();
            t.0 += 1;
            t.1 += wire;
            if doc.is_empty() {
                if kind == "join" || kind == "peer" {
                    log.handshake = true;
                }
                0
            } else {
                let depth = log.received_depth[side].get(&doc).copied().unwrap_or(0) + 1;
                let tally = log.docs.entry(doc).or_default();
                tally.messages += 1;
                tally.bytes += wire;
                tally.depth = tally.depth.max(depth);
                depth
            }
        };
        self.tx.unbounded_send((depth, item)).map_err(|_| Closed)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Closed>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Closed>> {
        self.tx.close_channel();
        Poll::Ready(Ok(()))
    }
}

/// The receiving half of one side, noting how deep each document's chain is.
struct CountingStream {
    side: usize,
    rx: mpsc::UnboundedReceiver<(u32, Vec<u8>)>,
    log: Arc<Mutex<WireLog>>,
}

impl Stream for CountingStream {
    type Item = Result<Vec<u8>, Closed>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.rx.poll_next_unpin(cx) {
            Poll::Ready(Some((depth, item))) => {
                if depth > 0 {
                    let (_, doc) = classify(&item);
                    let mut log = self.log.lock().expect("log");
                    let side = self.side;
                    let d = log.received_depth[side].entry(doc).or_default();
                    *d = (*d).max(depth);
                }
                Poll::Ready(Some(Ok(item)))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Dials central's acceptor over a counted in-process channel pair.
struct CountingDialer {
    acceptor: samod::AcceptorHandle,
    log: Arc<Mutex<WireLog>>,
}

impl Dialer for CountingDialer {
    type Error = Closed;

    fn url(&self) -> samod::Url {
        samod::Url::parse("tcp://central.bench:7000").expect("url")
    }

    fn connect(
        &self,
    ) -> futures::future::BoxFuture<'static, Result<samod::Transport, DialError<Closed>>> {
        let (to_central, at_central) = mpsc::unbounded();
        let (to_post, at_post) = mpsc::unbounded();
        let central_side = samod::Transport::new(
            CountingStream {
                side: 1,
                rx: at_central,
                log: self.log.clone(),
            },
            CountingSink {
                side: 1,
                tx: to_post,
                log: self.log.clone(),
            },
        );
        let post_side = samod::Transport::new(
            CountingStream {
                side: 0,
                rx: at_post,
                log: self.log.clone(),
            },
            CountingSink {
                side: 0,
                tx: to_central,
                log: self.log.clone(),
            },
        );
        let accepted = self.acceptor.accept(central_side);
        Box::pin(async move {
            accepted.map_err(DialError::transient)?;
            Ok(post_side)
        })
    }
}

/// samod's cost for one scenario.
#[derive(Clone, Debug, Default)]
struct SamodCost {
    round_trips: u32,
    messages: u64,
    bytes: u64,
    /// Until the post knows, for every document, that central has its heads and it has
    /// central's.
    in_sync_ms: f64,
    /// Until the last message of the exchange.
    last_message_ms: f64,
    docs_with_messages: usize,
    per_doc_messages: (u64, u64, u64),
    by_type: BTreeMap<String, (u64, u64)>,
}

fn samod_id(index: usize) -> DocumentId {
    let mut bytes = b"tamgadoc".to_vec();
    bytes.extend_from_slice(&(index as u64).to_be_bytes());
    DocumentId::try_from(bytes).expect("16 bytes are a document id")
}

async fn fill_storage(storage: &TokioFilesystemStorage, docs: &[(DocumentId, Vec<u8>)]) {
    use samod::storage::Storage;
    for (id, bytes) in docs {
        let doc = automerge::Automerge::load(bytes).expect("tamga documents load");
        let name = doc
            .get_heads()
            .first()
            .map(|h| h.to_string())
            .unwrap_or_else(|| "empty".into());
        let key = StorageKey::from_parts([id.to_string(), "snapshot".to_string(), name])
            .expect("storage key");
        Storage::put(storage, key, bytes.clone()).await;
    }
}

/// Waits until the exchange on the counted transport is over and every watched document is in
/// sync on `conn`, and returns what it cost.
async fn settle(
    log: &Arc<Mutex<WireLog>>,
    handles: &[DocHandle],
    conn: ConnectionId,
    started: Instant,
) -> SamodCost {
    let in_sync = async {
        let mut waits = futures::stream::FuturesUnordered::new();
        for h in handles {
            let h = h.clone();
            waits.push(async move {
                h.they_have_our_changes(conn).await;
                h.we_have_their_changes(conn).await;
            });
        }
        while waits.next().await.is_some() {}
        started.elapsed()
    };
    let in_sync = tokio::time::timeout(LIMIT, in_sync)
        .await
        .expect("samod converges");
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let last = log.lock().expect("log").last;
        if last.is_none_or(|t| t.elapsed() >= QUIET) {
            break;
        }
        assert!(started.elapsed() < LIMIT, "samod keeps talking");
    }
    let log = log.lock().expect("log");
    let mut per_doc: Vec<u64> = log.docs.values().map(|d| d.messages).collect();
    per_doc.sort_unstable();
    let last = log
        .last
        .map(|t| t.saturating_duration_since(started))
        .unwrap_or_default();
    SamodCost {
        round_trips: log.round_trips(),
        messages: log.messages(),
        bytes: log.bytes(),
        in_sync_ms: in_sync.as_secs_f64() * 1000.0,
        last_message_ms: last.as_secs_f64() * 1000.0,
        docs_with_messages: per_doc.len(),
        per_doc_messages: (
            per_doc.first().copied().unwrap_or(0),
            per_doc.get(per_doc.len() / 2).copied().unwrap_or(0),
            per_doc.last().copied().unwrap_or(0),
        ),
        by_type: log.by_type.clone(),
    }
}

/// Dials central afresh and measures the exchange; the connection stays open.
async fn reconnect(
    post: &Repo,
    acceptor: &samod::AcceptorHandle,
    log: &Arc<Mutex<WireLog>>,
    handles: &[DocHandle],
    before_dial: impl FnOnce(),
) -> (SamodCost, samod::DialerHandle<Closed>) {
    log.lock().expect("log").reset();
    let started = Instant::now();
    before_dial();
    let dialer = post
        .dial(
            BackoffConfig::default(),
            Arc::new(CountingDialer {
                acceptor: acceptor.clone(),
                log: log.clone(),
            }),
        )
        .expect("repo running");
    tokio::time::timeout(LIMIT, dialer.established())
        .await
        .expect("connects in time")
        .expect("connects");
    let conn = dialer.connection_id().expect("connected");
    let cost = settle(log, handles, conn, started).await;
    (cost, dialer)
}

/// Closes the connection and waits until the repos have noticed.
async fn disconnect(dialer: samod::DialerHandle<Closed>) {
    dialer.close();
    tokio::time::sleep(Duration::from_millis(300)).await;
}

fn apply(handles: &[DocHandle], changes: &[(usize, Vec<u8>)]) {
    for (i, bytes) in changes {
        handles[*i].with_document(|d| {
            d.load_incremental(bytes)
                .expect("the post's new change loads");
        });
    }
}

/// Records a seal check on each of `consignments` at the post; returns each document's new
/// changes (by index in `docs`) and the lower bound (the changes zstd-compressed, per
/// document).
fn change(pair: &Pair, docs: &[DocId], consignments: &[u64]) -> (Vec<(usize, Vec<u8>)>, usize) {
    let mut out = Vec::new();
    let mut lower = 0;
    for &i in consignments {
        let doc = DocId::Consignment(stream::consignment(i));
        let index = docs.iter().position(|d| *d == doc).expect("known document");
        let heads = pair.post.heads(&doc).expect("heads");
        pair.post
            .record(&seal_check(&pair.story, i))
            .expect("seal check recorded");
        let new = pair.post.changes_since(&doc, &heads).expect("changes");
        lower += zstd::bulk::compress(&new, 3).expect("zstd").len();
        out.push((index, new));
    }
    (out, lower)
}

fn tamga_row(r: &SessionRun) -> serde_json::Value {
    serde_json::json!({"round_trips": r.round_trips(), "messages": r.messages,
        "bytes": r.bytes(), "ms": r.millis, "documents": r.documents})
}

fn samod_row(c: &SamodCost) -> serde_json::Value {
    serde_json::json!({"round_trips": c.round_trips, "messages": c.messages, "bytes": c.bytes,
        "ms": c.in_sync_ms, "last_message_ms": c.last_message_ms,
        "documents_with_messages": c.docs_with_messages})
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let n: u64 = args
        .iter()
        .position(|a| a == "--n")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 500 } else { 10_000 });

    // The post and central, tamga's way.
    let pair = Pair::new();
    let t = Instant::now();
    for i in 0..n {
        pair.post
            .record(&stream::registration(&pair.story, i))
            .expect("registration");
        pair.post
            .record(&stream::seal_applied(&pair.story, i))
            .expect("seal applied");
    }
    eprintln!(
        "post: {n} consignments recorded in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let first = pair.session().expect("first sync");
    pair.settle().expect("settles");
    eprintln!(
        "tamga first sync: {} documents, {} round trips, {:.1} MiB, {:.1} s",
        first.documents,
        first.round_trips(),
        first.bytes() as f64 / 1048576.0,
        t.elapsed().as_secs_f64()
    );

    // The same documents for samod: the post's and central's, as after that full sync.
    let docs = Pair::documents(&pair.post);
    let mut post_docs = Vec::new();
    let mut central_docs = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        assert_eq!(
            pair.post.heads(doc).expect("heads"),
            pair.central.heads(doc).expect("heads"),
            "settled"
        );
        post_docs.push((samod_id(i), pair.post.save_doc(doc).expect("save")));
        central_docs.push((samod_id(i), pair.central.save_doc(doc).expect("save")));
    }
    let ids: Vec<DocumentId> = post_docs.iter().map(|(id, _)| id.clone()).collect();
    let lower_zero = 0;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let dirs = (
        tempfile::tempdir().expect("temporary directory"),
        tempfile::tempdir().expect("temporary directory"),
    );
    let post_storage = TokioFilesystemStorage::new(dirs.0.path());
    let central_storage = TokioFilesystemStorage::new(dirs.1.path());
    let log = Arc::new(Mutex::new(WireLog::default()));
    let (post_repo, central_repo, acceptor, handles) = runtime.block_on(async {
        fill_storage(&post_storage, &post_docs).await;
        fill_storage(&central_storage, &central_docs).await;
        let post_repo = Repo::build_tokio()
            .with_storage(post_storage.clone())
            .with_peer_id(PeerId::from("post"))
            .load()
            .await;
        let central_repo = Repo::build_tokio()
            .with_storage(central_storage.clone())
            .with_peer_id(PeerId::from("central"))
            .load()
            .await;
        let acceptor = central_repo
            .make_acceptor(samod::Url::parse("tcp://central.bench:7000").expect("url"))
            .expect("acceptor");
        let t = Instant::now();
        let mut handles = Vec::new();
        for id in &ids {
            handles.push(
                post_repo
                    .find(id.clone())
                    .await
                    .expect("repo running")
                    .expect("document in storage"),
            );
        }
        eprintln!(
            "samod post: {} documents active in {:.1} s",
            handles.len(),
            t.elapsed().as_secs_f64()
        );
        (post_repo, central_repo, acceptor, handles)
    });

    // samod: the first connection after central starts (central loads each document as it is
    // asked about), then a reconnection with none changed.
    let (cold, dialer) = runtime.block_on(reconnect(&post_repo, &acceptor, &log, &handles, || ()));
    runtime.block_on(disconnect(dialer));
    eprintln!("samod first connection (central cold): {cold:?}");
    let (samod_quiet, dialer) =
        runtime.block_on(reconnect(&post_repo, &acceptor, &log, &handles, || ()));
    eprintln!("samod none changed: {samod_quiet:?}");

    // tamga: none changed.
    let tamga_quiet = pair.session().expect("session");

    // Ten consignments get a seal check at the post (set 1): tamga's session, then samod over
    // the connection that stayed open.
    let set1: Vec<u64> = (0..10).map(|k| k * (n / 10).max(1)).collect();
    let (changes1, lower1) = change(&pair, &docs, &set1);
    let tamga_ten = pair.session().expect("session");
    let tamga_after = pair.session().expect("session");
    let conn = dialer.connection_id().expect("connected");
    let samod_open = runtime.block_on(async {
        log.lock().expect("log").reset();
        let started = Instant::now();
        apply(&handles, &changes1);
        settle(&log, &handles, conn, started).await
    });
    runtime.block_on(disconnect(dialer));
    eprintln!("samod 10 changed, open connection: {samod_open:?}");

    // Ten more (set 2) while the post is offline: tamga's session, samod's reconnection.
    let set2: Vec<u64> = set1.iter().map(|i| i + 1).collect();
    let (changes2, lower2) = change(&pair, &docs, &set2);
    let tamga_ten2 = pair.session().expect("session");
    pair.settle().expect("settles");
    let (samod_ten, dialer) =
        runtime.block_on(reconnect(&post_repo, &acceptor, &log, &handles, || {
            apply(&handles, &changes2)
        }));
    eprintln!("samod 10 changed, reconnection: {samod_ten:?}");

    // Both systems hold the same heads for every document, on both sides.
    runtime.block_on(async {
        for (i, doc) in docs.iter().enumerate() {
            let heads = pair.post.heads(doc).expect("heads");
            assert_eq!(heads, pair.central.heads(doc).expect("heads"));
            let mut post_heads = handles[i].with_document(|d| d.get_heads());
            let central = central_repo
                .find(ids[i].clone())
                .await
                .expect("running")
                .expect("central has it");
            let mut central_heads = central.with_document(|d| d.get_heads());
            let mut sorted = heads.clone();
            sorted.sort();
            post_heads.sort();
            central_heads.sort();
            assert_eq!(post_heads, sorted, "samod post = tamga post for {doc}");
            assert_eq!(central_heads, sorted, "samod central = tamga for {doc}");
        }
        disconnect(dialer).await;
        post_repo.stop().await;
        central_repo.stop().await;
    });
    eprintln!(
        "checked: both systems hold the same heads for all {} documents on both sides",
        docs.len()
    );

    let doc_count = docs.len();
    println!("\nsync with central, post holding {n} consignments ({doc_count} documents)\n");
    println!("| scenario | tamga round trips | tamga bytes | tamga ms | samod round trips | samod messages | samod bytes | samod ms | lower bound | tamga / lower | samod / lower | samod / tamga (bytes) |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let ratio = |a: f64, b: f64| {
        if b > 0.0 {
            format!("{:.1}x", a / b)
        } else {
            "-".into()
        }
    };
    println!(
        "| none changed (samod: reconnection) | {} | {} | {:.1} | {} | {} | {} | {:.1} | {} | - | - | {} |",
        tamga_quiet.round_trips(), tamga_quiet.bytes(), tamga_quiet.millis,
        samod_quiet.round_trips, samod_quiet.messages, samod_quiet.bytes, samod_quiet.in_sync_ms,
        lower_zero, ratio(samod_quiet.bytes as f64, tamga_quiet.bytes() as f64)
    );
    println!(
        "| 10 changed (samod: reconnection) | {} | {} | {:.1} | {} | {} | {} | {:.1} | {} | {} | {} | {} |",
        tamga_ten2.round_trips(), tamga_ten2.bytes(), tamga_ten2.millis,
        samod_ten.round_trips, samod_ten.messages, samod_ten.bytes, samod_ten.in_sync_ms, lower2,
        ratio(tamga_ten2.bytes() as f64, lower2 as f64),
        ratio(samod_ten.bytes as f64, lower2 as f64),
        ratio(samod_ten.bytes as f64, tamga_ten2.bytes() as f64)
    );
    println!(
        "| 10 changed (samod: connection kept open; tamga: its session) | {} | {} | {:.1} | {} | {} | {} | {:.1} | {} | {} | {} | {} |",
        tamga_ten.round_trips(), tamga_ten.bytes(), tamga_ten.millis,
        samod_open.round_trips, samod_open.messages, samod_open.bytes, samod_open.in_sync_ms, lower1,
        ratio(tamga_ten.bytes() as f64, lower1 as f64),
        ratio(samod_open.bytes as f64, lower1 as f64),
        ratio(samod_open.bytes as f64, tamga_ten.bytes() as f64)
    );
    println!(
        "| samod's first connection after central starts (documents loaded as asked) | - | - | - | {} | {} | {} | {:.1} | - | - | - | - |",
        cold.round_trips, cold.messages, cold.bytes, cold.in_sync_ms
    );
    println!(
        "| tamga's next session (re-offers the 10 merged at central) | {} | {} | {:.1} | - | - | - | - | - | - | - | - |",
        tamga_after.round_trips(), tamga_after.bytes(), tamga_after.millis
    );

    println!("\nwhat samod does per document:");
    for (what, c) in [
        ("none changed, reconnection", &samod_quiet),
        ("10 changed, reconnection", &samod_ten),
        ("10 changed, open connection", &samod_open),
    ] {
        let types: Vec<String> = c
            .by_type
            .iter()
            .map(|(k, (m, b))| format!("{k}: {m} messages, {b} bytes"))
            .collect();
        println!(
            "- {what}: {} of {doc_count} documents exchanged messages, per document min/median/max {}/{}/{} messages ({:.0} bytes a document on average); last message at {:.1} ms; {}",
            c.docs_with_messages,
            c.per_doc_messages.0,
            c.per_doc_messages.1,
            c.per_doc_messages.2,
            c.bytes as f64 / c.docs_with_messages.max(1) as f64,
            c.last_message_ms,
            types.join("; ")
        );
    }
    println!(
        "- on every new connection each active document runs the automerge sync protocol from a \
         fresh sync state: the post sends its heads and a Bloom filter of its changes, central \
         answers with its own; when they match, that is all, but it is paid for every document, \
         changed or not. tamga's session lists the documents changed since a stored checkpoint \
         and syncs only those."
    );

    let json = serde_json::json!({
        "bench": "sync_vs_samod",
        "consignments": n,
        "documents": doc_count,
        "none_changed": {"tamga": tamga_row(&tamga_quiet), "samod_reconnect": samod_row(&samod_quiet),
            "samod_over_tamga_bytes": samod_quiet.bytes as f64 / tamga_quiet.bytes() as f64},
        "ten_changed": {"tamga": tamga_row(&tamga_ten2), "samod_reconnect": samod_row(&samod_ten),
            "lower_bound": lower2,
            "tamga_over_lower": tamga_ten2.bytes() as f64 / lower2 as f64,
            "samod_over_lower": samod_ten.bytes as f64 / lower2 as f64,
            "samod_over_tamga_bytes": samod_ten.bytes as f64 / tamga_ten2.bytes() as f64},
        "ten_changed_open_connection": {"tamga": tamga_row(&tamga_ten), "samod": samod_row(&samod_open),
            "lower_bound": lower1,
            "tamga_over_lower": tamga_ten.bytes() as f64 / lower1 as f64,
            "samod_over_lower": samod_open.bytes as f64 / lower1 as f64,
            "samod_over_tamga_bytes": samod_open.bytes as f64 / tamga_ten.bytes() as f64},
        "samod_first_connection_central_cold": samod_row(&cold),
        "tamga_next_session": tamga_row(&tamga_after),
        "tamga_first_sync": tamga_row(&first),
    });
    println!("{json}");
}
