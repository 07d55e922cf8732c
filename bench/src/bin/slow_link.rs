//! Sync over a slow, lossy link: a post's week of work (300 consignments of 40 acts each, about
//! 12,000 signed acts; 30 with `--quick`) reaches central over about 64 kbit/s, 600 ms round
//! trip and 5% packet loss, and what a cut link in the middle of it costs.
//!
//! The sessions are real: two real stores, the sans-IO engine (`Initiator` at the post,
//! `respond` at central), every request and response framed as on the wire and counted with
//! its credential header. The link is simulated in virtual time by [`tamga_bench::link`] (see
//! its documentation for the TCP model): the exchange sizes of a session are replayed over it
//! under many seeded loss patterns, and the mean and 90th percentile are reported. The stores'
//! own work is real wall time, reported apart.
//!
//! The cut: the link dies once half the uncut session's bytes have left; the exchange in flight
//! is lost (a request cut short never reaches central; a response cut short was merged at
//! central but never reaches the post), the session fails, and a new session opens on a new
//! connection when the link returns. The outage itself is not counted, only what the cut adds.
//!
//! The baseline, in the same run: the new automerge changes alone (every change of the week's
//! documents), zstd-compressed as one stream and sent once over the same link: a connection
//! (one round trip) plus the transfer, with the same loss model.
//!
//! Run: `cargo run --release -p tamga-bench --bin slow_link [-- --quick]`

use std::time::Instant;
use tamga_bench::link::{Link, LinkParams, LinkStats};
use tamga_bench::sync_pair::{escorted_consignment, Exchange, Pair, SessionRun, ACTS_PER_ESCORT};
use tamga_core::fixtures::stream;
use tamga_store::DocId;

/// Loss patterns each figure is averaged over.
const SEEDS: u64 = 200;

/// Seconds and link counters for one replay.
struct Replay {
    seconds: f64,
    stats: LinkStats,
}

/// Replays `sessions` (each on a new connection) over a link seeded with `seed`.
fn replay(params: LinkParams, seed: u64, sessions: &[&SessionRun]) -> Replay {
    let mut link = Link::new(params, seed);
    let mut seconds = 0.0;
    for session in sessions {
        seconds += link.connect();
        for Exchange { request, response } in &session.exchanges {
            seconds += link.transfer(*request);
            if let Some(response) = response {
                seconds += link.transfer(*response);
            }
        }
    }
    Replay {
        seconds,
        stats: link.stats(),
    }
}

/// The lower bound sent once: a connection and the transfer.
fn replay_bound(params: LinkParams, seed: u64, bytes: usize) -> Replay {
    let mut link = Link::new(params, seed);
    let seconds = link.connect() + link.transfer(bytes);
    Replay {
        seconds,
        stats: link.stats(),
    }
}

/// Mean and 90th percentile of the seconds; mean wire bytes.
#[derive(Clone, Copy, Debug)]
struct Summary {
    mean: f64,
    p90: f64,
    wire_bytes: f64,
    lost: f64,
    timeouts: f64,
}

fn summarize(replays: &[Replay]) -> Summary {
    let mut secs: Vec<f64> = replays.iter().map(|r| r.seconds).collect();
    secs.sort_by(f64::total_cmp);
    let n = replays.len().max(1) as f64;
    Summary {
        mean: secs.iter().sum::<f64>() / n,
        p90: secs[(secs.len() * 9 / 10).min(secs.len() - 1)],
        wire_bytes: replays
            .iter()
            .map(|r| r.stats.wire_bytes as f64)
            .sum::<f64>()
            / n,
        lost: replays.iter().map(|r| r.stats.lost as f64).sum::<f64>() / n,
        timeouts: replays.iter().map(|r| r.stats.timeouts as f64).sum::<f64>() / n,
    }
}

fn over_seeds(f: impl Fn(u64) -> Replay) -> Summary {
    let replays: Vec<Replay> = (0..SEEDS).map(f).collect();
    summarize(&replays)
}

/// Whether central holds every document of the post with the same heads.
fn converged(pair: &Pair, docs: &[DocId]) -> bool {
    docs.iter().all(|d| {
        let mut a = pair.post.heads(d).expect("heads");
        let mut b = pair.central.heads(d).expect("heads");
        a.sort();
        b.sort();
        a == b
    })
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let consignments: u64 = if quick { 30 } else { 300 };
    let params = LinkParams::slow_lossy();

    // The post's week of work, recorded act by act.
    let pair = Pair::new();
    let t = Instant::now();
    let mut acts = 0;
    for n in 0..consignments {
        for act in escorted_consignment(&pair.story, n) {
            pair.post.record(&act).expect("act recorded");
            acts += 1;
        }
    }
    eprintln!(
        "post: {consignments} consignments, {acts} acts recorded in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let docs: Vec<DocId> = (0..consignments)
        .map(|n| DocId::Consignment(stream::consignment(n)))
        .collect();

    // The lower bound: every change of the week's documents, one zstd stream.
    let mut changes = Vec::new();
    for d in &docs {
        changes.extend(pair.post.changes_since(d, &[]).expect("changes"));
    }
    let lower = zstd::bulk::compress(&changes, 3).expect("zstd").len();

    // A second post holding the same documents (merged from the first's saved documents), for
    // the cut run, with its own empty central.
    let cut_pair = Pair::new();
    for d in &docs {
        cut_pair
            .post
            .apply_changes(
                d,
                &pair.post.save_doc(d).expect("save"),
                &tamga_store::Writer::Anyone,
            )
            .expect("merge");
    }

    // Uncut.
    let uncut = pair.session().expect("session");
    assert!(uncut.completed && converged(&pair, &docs));

    // Cut at half the bytes, then a new session.
    let budget = uncut.bytes() / 2;
    let cut = cut_pair.session_cut(Some(budget)).expect("cut session");
    assert!(!cut.completed, "the cut falls inside the session");
    let resumed = cut_pair.session().expect("session after the link returns");
    assert!(resumed.completed && converged(&cut_pair, &docs));
    let cut_bytes = cut.bytes() + resumed.bytes();
    let lost_exchange = cut.exchanges.last().copied().expect("an exchange");

    let t_uncut = over_seeds(|s| replay(params, s, &[&uncut]));
    let t_cut = over_seeds(|s| replay(params, s, &[&cut, &resumed]));
    let t_lower = over_seeds(|s| replay_bound(params, s, lower));
    let clean = LinkParams {
        loss: 0.0,
        ..params
    };
    let t_uncut_clean = replay(clean, 0, &[&uncut]).seconds;
    let t_lower_clean = replay_bound(clean, 0, lower).seconds;

    let rounds = |r: &SessionRun| {
        r.exchanges
            .iter()
            .map(|e| format!("{}/{}", e.request, e.response.unwrap_or(0)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    eprintln!(
        "uncut exchanges (request/response bytes): {}",
        rounds(&uncut)
    );
    eprintln!("cut exchanges: {}", rounds(&cut));
    eprintln!("after the cut: {}", rounds(&resumed));

    println!(
        "\na post's week ({consignments} consignments x {ACTS_PER_ESCORT} acts = {acts} acts) \
         reaching central over {:.0} kbit/s, {:.0} ms round trip, {:.0}% loss; link times are \
         the mean (90th percentile) over {SEEDS} loss patterns\n",
        params.rate_bps / 1000.0,
        params.rtt() * 1000.0,
        params.loss * 100.0
    );
    println!("| what | round trips | bytes sent (payload) | on the wire incl. TCP/IP, retransmissions | link time, s | without loss, s | store work, s | vs lower bound (time) |");
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| tamga session, uncut | {} | {} | {:.0} | {:.1} ({:.1}) | {:.1} | {:.2} | {:.2}x |",
        uncut.round_trips(),
        uncut.bytes(),
        t_uncut.wire_bytes,
        t_uncut.mean,
        t_uncut.p90,
        t_uncut_clean,
        uncut.millis / 1000.0,
        t_uncut.mean / t_lower.mean
    );
    println!(
        "| tamga, link cut at half the bytes, then a new session | {} + {} | {} + {} = {} | {:.0} | {:.1} ({:.1}) | - | {:.2} | {:.2}x |",
        cut.round_trips(),
        resumed.round_trips(),
        cut.bytes(),
        resumed.bytes(),
        cut_bytes,
        t_cut.wire_bytes,
        t_cut.mean,
        t_cut.p90,
        (cut.millis + resumed.millis) / 1000.0,
        t_cut.mean / t_lower.mean
    );
    println!(
        "| lower bound: the week's changes alone, zstd, sent once | 1 | {} | {:.0} | {:.1} ({:.1}) | {:.1} | - | 1.00x |",
        lower, t_lower.wire_bytes, t_lower.mean, t_lower.p90, t_lower_clean
    );
    println!(
        "\nbytes: uncut {:.2}x the lower bound; the cut adds {} bytes ({:.0}% of the uncut \
         session) and {:.1} s ({:.0}%) of link time, outage not counted. The exchange in flight \
         had sent {} request bytes{} when the link died, all lost. Losses per run: uncut {:.1} \
         segments ({:.1} timeouts), lower bound {:.1} ({:.1}).",
        uncut.bytes() as f64 / lower as f64,
        cut_bytes as i64 - uncut.bytes() as i64,
        (cut_bytes as f64 / uncut.bytes() as f64 - 1.0) * 100.0,
        t_cut.mean - t_uncut.mean,
        (t_cut.mean / t_uncut.mean - 1.0) * 100.0,
        lost_exchange.request,
        lost_exchange
            .response
            .map(|r| format!(" and {r} response bytes"))
            .unwrap_or_default(),
        t_uncut.lost,
        t_uncut.timeouts,
        t_lower.lost,
        t_lower.timeouts
    );

    let json = serde_json::json!({
        "bench": "slow_link",
        "consignments": consignments,
        "acts": acts,
        "link": {"rate_bps": params.rate_bps, "rtt_s": params.rtt(), "loss": params.loss,
            "mss": params.mss, "seeds": SEEDS},
        "uncut": {"round_trips": uncut.round_trips(), "bytes": uncut.bytes(),
            "wire_bytes": t_uncut.wire_bytes, "seconds": t_uncut.mean, "seconds_p90": t_uncut.p90,
            "seconds_without_loss": t_uncut_clean, "store_seconds": uncut.millis / 1000.0},
        "cut": {"round_trips": cut.round_trips() + resumed.round_trips(), "bytes": cut_bytes,
            "wire_bytes": t_cut.wire_bytes, "seconds": t_cut.mean, "seconds_p90": t_cut.p90,
            "store_seconds": (cut.millis + resumed.millis) / 1000.0,
            "extra_bytes": cut_bytes as i64 - uncut.bytes() as i64,
            "extra_seconds": t_cut.mean - t_uncut.mean},
        "lower_bound": {"bytes": lower, "wire_bytes": t_lower.wire_bytes, "seconds": t_lower.mean,
            "seconds_p90": t_lower.p90, "seconds_without_loss": t_lower_clean},
        "ratios": {"uncut_over_lower_bytes": uncut.bytes() as f64 / lower as f64,
            "uncut_over_lower_seconds": t_uncut.mean / t_lower.mean,
            "cut_over_lower_seconds": t_cut.mean / t_lower.mean,
            "cut_over_uncut_bytes": cut_bytes as f64 / uncut.bytes() as f64,
            "cut_over_uncut_seconds": t_cut.mean / t_uncut.mean},
    });
    println!("{json}");
}
