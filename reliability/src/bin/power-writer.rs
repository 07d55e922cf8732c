//! The writer of the power-loss test (`tests/power_loss.rs`): opens the store at its first
//! argument (already made, with the reference story's registry) and records consignments from
//! number `start` (its second argument) on, a registration and a seal for each, printing
//! `ACK <doc key> <act id>` on stdout after each `Store::record` returns (= acknowledged as
//! durable), compacting now and then, until it is killed.

use std::io::Write;
use tamga_core::fixtures::{stream, Story};
use tamga_store::Store;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: power-writer STORE_DIR START");
    let start: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .expect("usage: power-writer STORE_DIR START");
    let story = Story::new();
    let store = match Store::open(&dir, &story.authority_id()) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("power-writer: the store does not open: {e}");
            std::process::exit(3);
        }
    };
    let mut out = std::io::stdout().lock();
    let mut n = start;
    loop {
        for act in [
            stream::registration(&story, n),
            stream::seal_applied(&story, n),
        ] {
            let r = store.record(&act).expect("act recorded");
            writeln!(
                out,
                "ACK {} {}",
                String::from_utf8_lossy(&r.doc.to_key()),
                r.act
            )
            .unwrap();
            out.flush().unwrap();
        }
        if n % 25 == 24 {
            store.compact(2).expect("compaction");
        }
        n += 1;
    }
}
