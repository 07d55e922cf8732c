//! The writer of the power-loss test (`tests/power_loss.rs`): opens the store at its first
//! argument (already made, with the reference story's registry) and records consignments from
//! number `start` (its second argument) on, a registration and a seal for each, printing
//! `ACK <doc key> <act id>` on stdout after each `Store::record` returns (= acknowledged as
//! durable), compacting now and then, until it is killed.
//!
//! `TAMGA_POWER_WRITERS` (default 3) threads record at once, each its own consignments (thread
//! `t` from `start + t * 30,000`), so acknowledgements come from concurrent writers that share
//! the store's group commits.

use std::io::Write;
use std::sync::Arc;
use tamga_core::fixtures::{stream, Story};
use tamga_store::Store;

/// Consignment numbers apart between two threads' ranges.
const PER_THREAD: u64 = 30_000;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: power-writer STORE_DIR START");
    let start: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .expect("usage: power-writer STORE_DIR START");
    let writers: u64 = std::env::var("TAMGA_POWER_WRITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .clamp(1, 3);
    let story = Arc::new(Story::new());
    let store = match Store::open(&dir, &story.authority_id()) {
        Ok(store) => Arc::new(store),
        Err(e) => {
            eprintln!("power-writer: the store does not open: {e}");
            std::process::exit(3);
        }
    };
    let threads: Vec<_> = (0..writers)
        .map(|t| {
            let (store, story) = (store.clone(), story.clone());
            std::thread::spawn(move || write(&store, &story, start + t * PER_THREAD, t == 0))
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

/// Records consignments from `first` on until the process is killed.
fn write(store: &Store, story: &Story, first: u64, compacts: bool) {
    let mut n = first;
    loop {
        for act in [
            stream::registration(story, n),
            stream::seal_applied(story, n),
        ] {
            let r = store.record(&act).expect("act recorded");
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "ACK {} {}",
                String::from_utf8_lossy(&r.doc.to_key()),
                r.act
            )
            .unwrap();
            out.flush().unwrap();
        }
        if compacts && n % 25 == 24 {
            store.compact(2).expect("compaction");
        }
        n += 1;
    }
}
