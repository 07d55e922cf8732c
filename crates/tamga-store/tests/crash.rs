//! Crash safety, for real: a writer runs in a child process (this test binary, re-executed with
//! `TAMGA_CRASH_WRITER_DIR` set), recording acts and printing `ACK <doc key> <act id>` after each
//! call returns (= acknowledged as durable), and compacting now and then. The parent kills it
//! with SIGKILL after a random delay, reopens the store, and checks that every acknowledged act
//! is present and that the store is consistent (feed contiguous, indexes and derived records
//! exactly what the documents give: [`Store::check`]).
//!
//! The default suite runs a few rounds. The slow suite:
//!
//! ```sh
//! TAMGA_CRASH_ITERATIONS=150 cargo test -p tamga-store --release --test crash -- --nocapture
//! ```
//!
//! (`TAMGA_CRASH_SEED` fixes the random delays.) A fresh store is started every 10 rounds so the
//! full consistency check stays quick.
//!
//! The writer also keeps a transparency log as central does: every few consignments it sequences
//! the log, signs a tree head over it, keeps the head and prints `HEAD <size> <root>`. After the
//! kill, every head printed must still describe the log (its leaves durable and unchanged), so
//! must the latest head kept, and once sequenced again every acknowledged act has one leaf.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tamga_core::fixtures::key;
use tamga_core::fixtures::stream;
use tamga_core::fixtures::Story;
use tamga_core::transparency::{SignedTreeHead, TreeHead};
use tamga_core::{ActId, Timestamp};
use tamga_store::{DocId, Store, StoreError};

const WRITER_DIR: &str = "TAMGA_CRASH_WRITER_DIR";
const WRITER_START: &str = "TAMGA_CRASH_WRITER_START";

/// The writer, when this binary runs as the child. Does nothing in a normal run.
#[test]
fn crash_writer_child() {
    let Ok(dir) = std::env::var(WRITER_DIR) else {
        return;
    };
    let start: u64 = std::env::var(WRITER_START).unwrap().parse().unwrap();
    let story = Story::new();
    let store = Store::open(&dir, &story.authority_id()).expect("writer opens the store");
    let out = std::io::stdout();
    let ack = |doc: &DocId, act: ActId| {
        let mut out = out.lock();
        writeln!(
            out,
            "ACK {} {}",
            String::from_utf8_lossy(&doc.to_key()),
            act
        )
        .unwrap();
        out.flush().unwrap();
    };
    for act in story.registry_acts() {
        let r = store.record(&act).expect("registry act recorded");
        ack(&r.doc, r.act);
    }
    let mut n = start;
    loop {
        let r = store.record(&stream::registration(&story, n)).unwrap();
        ack(&r.doc, r.act);
        let r = store.record(&stream::seal_applied(&story, n)).unwrap();
        ack(&r.doc, r.act);
        if n.is_multiple_of(3) {
            // Recording again is a no-op, and is acknowledged like any record.
            let r = store.record(&stream::registration(&story, n)).unwrap();
            assert_eq!(r.seq, None);
        }
        if n % 25 == 24 {
            store.compact(2).unwrap();
        }
        if n % 5 == 4 {
            let now = Timestamp::parse("2026-12-04T00:00:00Z")
                .unwrap()
                .plus_seconds(n as i64);
            let size = store.log_sequence(now).unwrap().size;
            let root = store.log_root(size).unwrap();
            let head = SignedTreeHead::sign(
                TreeHead {
                    size,
                    root,
                    time: now,
                },
                &key("crash log"),
            );
            store.log_put_head(size, &head.to_text()).unwrap();
            let mut out = out.lock();
            writeln!(out, "HEAD {size} {}", hex::encode(root)).unwrap();
            out.flush().unwrap();
        }
        n += 1;
    }
}

fn parse_head(line: &str) -> Option<(u64, String)> {
    let (size, root) = line.strip_prefix("HEAD ")?.split_once(' ')?;
    Some((size.parse().ok()?, root.to_owned()))
}

fn parse_ack(line: &str) -> Option<(DocId, ActId)> {
    let mut parts = line.strip_prefix("ACK ")?.split(' ');
    let doc = DocId::from_key(parts.next()?.as_bytes())?;
    let act = ActId::from_hex(parts.next()?).ok()?;
    Some((doc, act))
}

#[test]
fn acknowledged_acts_survive_sigkill() {
    if std::env::var(WRITER_DIR).is_ok() {
        return;
    }
    let iterations: u64 = std::env::var("TAMGA_CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let seed: u64 = std::env::var("TAMGA_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("crash test: {iterations} rounds, TAMGA_CRASH_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let story = Story::new();
    let exe = std::env::current_exe().unwrap();
    let mut base = tempfile::tempdir().unwrap();
    let mut acked: Vec<(DocId, ActId)> = Vec::new();
    let mut next_start = 0u64;
    let mut total_acks = 0usize;
    let mut acked_heads: Vec<(u64, String)> = Vec::new();
    let mut total_heads = 0usize;
    for round in 0..iterations {
        if round % 10 == 0 && round > 0 {
            base = tempfile::tempdir().unwrap();
            acked.clear();
            acked_heads.clear();
        }
        let dir = base.path().join("store");
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_writer_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(WRITER_DIR, &dir)
            .env(WRITER_START, next_start.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let reader = {
            let lines = lines.clone();
            let heads = heads.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if let Some(ack) = parse_ack(&line) {
                        lines.lock().unwrap().push(ack);
                    } else if let Some(head) = parse_head(&line) {
                        heads.lock().unwrap().push(head);
                    }
                }
            })
        };
        // Wait for the writer to be writing, then kill it at a random point.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while lines.lock().unwrap().len() < 7 && std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("writer exited early: {status}");
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        if round == 0 {
            // A second process cannot open the store while the writer has it, and is told who.
            match Store::open(&dir, &story.authority_id()) {
                Err(StoreError::Locked { pid, .. }) => assert_eq!(pid, Some(child.id())),
                Err(other) => panic!("expected a lock error, got: {other}"),
                Ok(_) => panic!("a second process opened a store that is in use"),
            }
        }
        std::thread::sleep(Duration::from_millis(rng.u64(0..250)));
        child.kill().unwrap(); // SIGKILL on unix
        child.wait().unwrap();
        reader.join().unwrap();
        let new: Vec<(DocId, ActId)> = std::mem::take(&mut *lines.lock().unwrap());
        total_acks += new.len();
        next_start += 100_000;
        acked.extend(new);

        let store = Store::open(&dir, &story.authority_id())
            .unwrap_or_else(|e| panic!("round {round}: reopening after SIGKILL failed: {e}"));
        for (doc, act) in &acked {
            assert!(
                store.has_act(doc, act).unwrap(),
                "round {round}: acknowledged act {act} of {doc} is missing after SIGKILL"
            );
        }
        let problems = store.check().unwrap();
        assert!(problems.is_empty(), "round {round}: {problems:#?}");
        // Every head printed, and the latest kept, still describe the log: no head over a leaf
        // that was lost, no leaf changed under a head.
        let size = store.log_size().unwrap();
        let printed: Vec<(u64, String)> = std::mem::take(&mut *heads.lock().unwrap());
        total_heads += printed.len();
        acked_heads.extend(printed);
        for (head_size, root) in &acked_heads {
            assert!(
                *head_size <= size,
                "round {round}: a head of {head_size} leaves over a log of {size}"
            );
            assert_eq!(
                &hex::encode(store.log_root(*head_size).unwrap()),
                root,
                "round {round}: the log under a head of {head_size} changed"
            );
        }
        if let Some((kept, text)) = store.log_latest_head().unwrap() {
            let head = SignedTreeHead::parse(&text).unwrap();
            assert!(
                kept <= size && head.head.size == kept,
                "round {round}: the latest head kept covers leaves the log lost"
            );
            assert_eq!(
                store.log_root(kept).unwrap(),
                head.head.root,
                "round {round}"
            );
        }
        // Sequenced again, every acknowledged act has its leaf, once.
        let after = store
            .log_sequence(Timestamp::parse("2026-12-05T00:00:00Z").unwrap())
            .unwrap();
        let mut indexes = std::collections::BTreeSet::new();
        for (_, act) in &acked {
            let (index, _) = store
                .log_leaf(act)
                .unwrap()
                .unwrap_or_else(|| panic!("round {round}: acknowledged act {act} has no leaf"));
            indexes.insert(index);
        }
        assert_eq!(
            indexes.len(),
            acked
                .iter()
                .map(|(_, a)| *a)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        );
        assert!(indexes.iter().all(|i| *i < after.size));
    }
    eprintln!("crash test: {iterations} rounds, {total_acks} acknowledged acts, all present; {total_heads} signed tree heads, each still over the log's durable leaves");
}
