//! Central's reconciliation: a full reassessment of every consignment, and the incremental one
//! after a sync, with central's real `Reconciler` over a real `Store`.
//!
//! ```sh
//! cargo run --release -p tamga-bench --bin reconcile_bench            # 100,000 consignments
//! cargo run --release -p tamga-bench --bin reconcile_bench -- --quick # 2,000
//! cargo run --release -p tamga-bench --bin reconcile_bench -- 20000   # any number
//! ```
//!
//! 1. Population (timed apart): a store under the system temp directory gets the story's
//!    registry, then N consignments of ten acts each (`tamga_bench::consignments`), each
//!    consignment's automerge document built once and merged with `Store::apply_changes`
//!    (checked and made durable as a sync's merge is).
//! 2. In a child process, so that its peak RSS (`VmHWM`) is its own: `Store::open`,
//!    `Reconciler::full` (every consignment reassessed on one worker per core, each reading
//!    through its own `tamga_store::Reader`; wall and the process's CPU time over all threads;
//!    `VmHWM` read right after it), then today's one-thread `Reconciler::full_sequential` over
//!    the same store (the index totals compared), then the store's lock measured: a sample of
//!    consignments assessed through `Store::assessment_and_acts` (the shared caches, under the
//!    store's lock) and through `Reader`, on one thread and on one per core, with the time the
//!    threads were blocked (neither running nor waiting for a core, from
//!    `/proc/thread-self/schedstat`); a
//!    `Reconciler::step` with nothing changed, then 5 rounds of a sync's worth of news (one new position report in each of 10
//!    consignments, merged with `Store::apply_changes` as a sync does) and `Reconciler::step`
//!    (medians reported). Then, on a
//!    sample of consignments no longer in the document cache, the reconciler's per-consignment
//!    work timed by step (`Store::acts`, `Store::assessment`, `Record::of`).
//! 3. Baselines, in the parent, over the same acts (population wrote their canonical bytes to
//!    a file; they are read back a chunk at a time): `SignedAct::decode` of every act; the pure
//!    core `tamga_core::assess` of every consignment over its decoded acts in memory, on one
//!    thread and again (acts decoded afresh, so signatures are verified again) split over one
//!    thread per core, the fair baseline of the parallel pass;
//!    ed25519-dalek `verify_strict` of every signature (keys parsed beforehand: the ceiling if
//!    signatures are checked again). Also the pure `assess` of the 10 changed consignments with
//!    their news, the baseline of the incremental step.
//!
//! Prints tables with the ratios and a last line of JSON.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tamga_bench::consignments::{self, ACTS_PER_CONSIGNMENT};
use tamga_bench::procstat::{self, ms, secs, Spent};
use tamga_central::reconcile::{default_threads, Reconciler, Record};
use tamga_core::fixtures::stream;
use tamga_core::fixtures::Story;
use tamga_core::signing::signing_message;
use tamga_core::{assess, ConsignmentId, SignedAct, Tolerances};
use tamga_store::{DocId, Store};

/// Consignments whose news arrives in the incremental step.
const CHANGED: u64 = 10;
/// Consignments timed step by step in the child.
const SAMPLE: u64 = 1000;
/// Rounds of sync + step (the median is reported).
const ROUNDS: u64 = 5;
/// Consignments in the measure of the store's lock (each read path, one thread and all).
const CONTENDED: u64 = 2000;

/// Runs `f` over `items` on `threads` threads sharing a cursor (on this thread alone if 1).
/// Returns, summed over the threads, the seconds they were neither running nor waiting for a
/// core (wall - CPU - run-queue wait): blocked, on a lock or on I/O.
fn spread<T: Sync>(items: &[T], threads: usize, f: impl Fn(&T) + Sync) -> f64 {
    let next = AtomicUsize::new(0);
    let work = || {
        let (t, cpu, queued) = (
            Instant::now(),
            procstat::thread_cpu_seconds(),
            procstat::thread_runqueue_wait_seconds(),
        );
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            f(item);
        }
        secs(t)
            - (procstat::thread_cpu_seconds() - cpu)
            - (procstat::thread_runqueue_wait_seconds() - queued)
    };
    if threads <= 1 {
        return work();
    }
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads).map(|_| s.spawn(work)).collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker"))
            .sum()
    })
}

/// The news a sync brings for consignment `c` in round `round`: a position report.
fn news(story: &Story, c: u64, round: u64) -> SignedAct {
    consignments::positions(story, c, 150 + 15 * round as i64)
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The consignments that get a new position report: ten spread over the store, all still on
/// the road.
fn changed_ids(n: u64) -> Vec<u64> {
    let stride = (n / CHANGED).max(10) / 10 * 10;
    (0..CHANGED).map(|k| (k * stride + 8) % n.max(1)).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("child-reconcile") {
        return child(&args[2], args[3].parse().expect("consignments"));
    }
    let n = tamga_bench::size(&args, 2_000, 100_000);
    let story = Story::new();
    let base = tempfile::Builder::new()
        .prefix("tamga-reconcile-bench-")
        .tempdir()
        .expect("a temp directory");
    let dir = base.path().join("store");
    let acts_file = base.path().join("acts.bin");

    // 1. Population.
    eprintln!("populating {n} consignments ...");
    let populated = {
        let store = Store::open(&dir, &story.authority_id()).expect("a new store");
        for act in story.registry_acts() {
            store.record(&act).expect("the registry");
        }
        let step = (n / 10).max(1);
        let started = Instant::now();
        consignments::populate_keeping(&store, &story, 0..n, Some(&acts_file), |done| {
            if done % step == 0 {
                eprintln!("  {done} merged, {:.0} s", secs(started));
            }
        })
    };
    let disk = walk_size(&dir);

    // 2. The reconciler, in its own process.
    eprintln!("reconciling ...");
    let out = procstat::run_child(&[
        "child-reconcile",
        dir.to_str().expect("utf-8 path"),
        &n.to_string(),
    ]);
    let r = procstat::last_json(&out);
    let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);

    // 3. Baselines over the same acts, read back from the file population wrote and decoded
    //    (timed: that is the decode row), a chunk of consignments at a time.
    eprintln!("baselines ...");
    let registry = story.registry();
    let now = consignments::assessment_time(&story);
    let tolerances = Tolerances::default();
    let mut keys: HashMap<String, ed25519_dalek::VerifyingKey> = HashMap::new();
    let threads = default_threads();
    let (mut assess_t, mut assess_par_t, mut decode_t, mut strict_t) = (
        Spent::default(),
        Spent::default(),
        Spent::default(),
        Spent::default(),
    );
    let (mut acts_total, mut sigs_total, mut held_total, mut discrepancies) =
        (0u64, 0u64, 0u64, 0u64);
    let mut file = std::io::BufReader::new(std::fs::File::open(&acts_file).expect("acts file"));
    let chunk = 2_000u64;
    let mut from = 0;
    while from < n {
        let to = (from + chunk).min(n);
        let encoded =
            consignments::read_acts(&mut file, (to - from) as usize * ACTS_PER_CONSIGNMENT);
        assert_eq!(
            encoded.len() as u64,
            (to - from) * ACTS_PER_CONSIGNMENT as u64
        );

        let decoded: Vec<SignedAct> = decode_t.time(|| {
            encoded
                .iter()
                .map(|b| SignedAct::decode(b).expect("decodes"))
                .collect()
        });

        let mut messages = Vec::new();
        let mut sigs = Vec::new();
        let mut vks = Vec::new();
        for a in &decoded {
            for sig in a.signatures() {
                let key = *keys.entry(sig.key.as_str().to_owned()).or_insert_with(|| {
                    let raw: [u8; 32] = hex::decode(sig.key.as_str())
                        .expect("hex key")
                        .try_into()
                        .expect("32 bytes");
                    ed25519_dalek::VerifyingKey::from_bytes(&raw).expect("a key")
                });
                messages.push(signing_message(&a.id()));
                sigs.push(ed25519_dalek::Signature::from_bytes(&sig.signature.0));
                vks.push(key);
            }
        }

        assess_t.time(|| {
            for (i, acts) in decoded.chunks(ACTS_PER_CONSIGNMENT).enumerate() {
                let a = assess(
                    &stream::consignment(from + i as u64),
                    acts,
                    &registry,
                    now,
                    &tolerances,
                );
                held_total += a.acts.len() as u64;
                discrepancies += a.discrepancies.len() as u64;
                std::hint::black_box(a);
            }
        });

        // The same on one thread per core, over acts decoded afresh (a decoded act keeps that
        // its signatures held, so the copies above would not be verified again).
        let fresh: Vec<SignedAct> = encoded
            .iter()
            .map(|b| SignedAct::decode(b).expect("decodes"))
            .collect();
        let consignments: Vec<(u64, &[SignedAct])> = fresh
            .chunks(ACTS_PER_CONSIGNMENT)
            .enumerate()
            .map(|(i, acts)| (from + i as u64, acts))
            .collect();
        assess_par_t.time_process(|| {
            let _ = spread(&consignments, threads, |(c, acts)| {
                std::hint::black_box(assess(
                    &stream::consignment(*c),
                    acts,
                    &registry,
                    now,
                    &tolerances,
                ));
            });
        });
        drop(consignments);
        drop(fresh);

        strict_t.time(|| {
            for ((m, s), k) in messages.iter().zip(&sigs).zip(&vks) {
                k.verify_strict(m, s).expect("verifies");
            }
        });

        acts_total += decoded.len() as u64;
        sigs_total += sigs.len() as u64;
        from = to;
    }
    assert_eq!(held_total, acts_total, "every act holds");
    drop(file);
    std::fs::remove_file(&acts_file).ok();

    // The pure assessment of the 10 changed consignments with their news, as in each round.
    let changed = changed_ids(n);
    let mut step_assess = Vec::new();
    for round in 0..ROUNDS {
        let changed_acts: Vec<(u64, Vec<SignedAct>)> = changed
            .iter()
            .map(|&c| {
                let mut acts = consignments::acts(&story, c);
                for r in 0..=round {
                    acts.push(news(&story, c, r));
                }
                (c, acts)
            })
            .collect();
        let t = Instant::now();
        for (c, acts) in &changed_acts {
            std::hint::black_box(assess(
                &stream::consignment(*c),
                acts,
                &registry,
                now,
                &tolerances,
            ));
        }
        step_assess.push(ms(t));
    }
    let step_assess_ms = median(&step_assess);

    // Report.
    let full_s = f("full_s");
    let step_ms = f("step_ms");
    println!(
        "\nreconciliation, {n} consignments, {acts_total} acts ({:.1} a consignment), {sigs_total} signatures; population {:.1} s, store on disk {:.1} MiB",
        acts_total as f64 / n as f64,
        populated.seconds,
        disk as f64 / 1048576.0
    );
    let per_ms = |seconds: f64| seconds * 1000.0 / n as f64;
    println!(
        "\n| full reassessment of {n} consignments ({threads} cores) | wall | CPU (all threads) | wall per consignment | CPU per consignment | vs pure `assess` on {threads} threads (wall; CPU) | vs pure `assess` on 1 thread (wall; CPU) |"
    );
    println!("|---|---|---|---|---|---|---|");
    let full_t = Spent {
        wall: full_s,
        cpu: f("full_cpu_s"),
    };
    let sequential_t = Spent {
        wall: f("sequential_s"),
        cpu: f("sequential_cpu_s"),
    };
    let row = |what: &str, t: Spent| {
        println!(
            "| {what} | {:.1} s | {:.1} s | {:.3} ms | {:.3} ms | {:.2}x; {:.2}x | {:.2}x; {:.2}x |",
            t.wall,
            t.cpu,
            per_ms(t.wall),
            per_ms(t.cpu),
            t.wall / assess_par_t.wall,
            t.cpu / assess_par_t.cpu,
            t.wall / assess_t.wall,
            t.cpu / assess_t.cpu,
        );
    };
    row(
        &format!("**`Reconciler::full`**, {threads} workers (store, central's index)"),
        full_t,
    );
    row(
        "`Reconciler::full_sequential` (one thread, the store's caches)",
        sequential_t,
    );
    row(
        &format!("baseline: pure `tamga_core::assess` on {threads} threads, acts in memory"),
        assess_par_t,
    );
    row(
        "baseline: pure `tamga_core::assess` on 1 thread, acts in memory",
        assess_t,
    );
    row("`SignedAct::decode` of every act, 1 thread", decode_t);
    row(
        "ed25519-dalek `verify_strict` of every signature, 1 thread",
        strict_t,
    );
    println!(
        "\n| the store's lock: {} consignments assessed | 1 thread: wall; CPU; blocked per consignment | {threads} threads: wall; CPU; blocked per consignment | speed-up (wall) |\n|---|---|---|---|",
        r["contended"]
    );
    for (what, key) in [
        (
            "`Store::assessment_and_acts` (shared caches, under the lock)",
            "cached",
        ),
        (
            "`Reader::assessment_and_acts` (bytes copied under the lock)",
            "reader",
        ),
    ] {
        let one = f(&format!("{key}_1_s"));
        let all = f(&format!("{key}_n_s"));
        let per = |s: f64| s * 1000.0 / r["contended"].as_f64().unwrap_or(f64::NAN);
        println!(
            "| {what} | {:.3} ms; {:.3} ms; {:.3} ms | {:.3} ms; {:.3} ms; {:.3} ms | {:.2}x |",
            per(one),
            per(f(&format!("{key}_1_cpu_s"))),
            per(f(&format!("{key}_1_blocked_s"))),
            per(all),
            per(f(&format!("{key}_n_cpu_s"))),
            per(f(&format!("{key}_n_blocked_s"))),
            one / all
        );
    }
    println!(
        "\n| after one sync (10 consignments changed) | time | vs pure `assess` of the 10 |\n|---|---|---|"
    );
    println!(
        "| merging the 10 changes (`Store::apply_changes`, durable) | {:.1} ms | – |",
        f("merge10_ms")
    );
    println!(
        "| **`Reconciler::step`** ({} assessed) | {step_ms:.2} ms | {:.1}x |",
        r["step_assessed"],
        step_ms / step_assess_ms
    );
    println!(
        "| `Reconciler::step`, nothing changed | {:.3} ms | – |",
        f("idle_step_ms")
    );
    println!("| baseline: pure `assess` of the 10 | {step_assess_ms:.2} ms | 1.0x |");
    println!(
        "\nfull pass: peak RSS {:.1} MiB (after `Store::open` {:.1} MiB), CPU {:.1} s of {full_s:.1} s wall",
        f("full_peak_rss_mib"),
        f("open_rss_mib"),
        f("full_cpu_s")
    );
    println!(
        "CPU per consignment, {SAMPLE} sampled out of the cache: `Store::acts` {:.3} ms, `Store::assessment` {:.3} ms, `Record::of` {:.3} ms; pure `assess` {:.3} ms, decode of its acts {:.3} ms, verify_strict of its signatures {:.3} ms",
        f("sample_acts_ms"),
        f("sample_assessment_ms"),
        f("sample_record_ms"),
        assess_t.cpu * 1000.0 / n as f64,
        decode_t.cpu * 1000.0 / n as f64,
        strict_t.cpu * 1000.0 / n as f64,
    );
    println!(
        "population: {:.1} s wall, of which Store::apply_changes {:.1} s ({:.2} ms a consignment; CPU {:.1} s), {:.1} MiB of documents merged",
        populated.seconds,
        populated.merge_seconds,
        populated.merge_seconds * 1000.0 / n as f64,
        populated.merge_cpu_seconds,
        populated.document_bytes as f64 / 1048576.0
    );
    let json = serde_json::json!({
        "bench": "reconcile",
        "date": procstat::today(),
        "consignments": n,
        "acts": acts_total,
        "signatures": sigs_total,
        "discrepancies": discrepancies,
        "populate_s": populated.seconds,
        "populate_merge_s": populated.merge_seconds,
        "disk_mib": disk as f64 / 1048576.0,
        "full_s": full_s,
        "full_cpu_s": f("full_cpu_s"),
        "full_peak_rss_mib": f("full_peak_rss_mib"),
        "open_rss_mib": f("open_rss_mib"),
        "populate_merge_cpu_s": populated.merge_cpu_seconds,
        "assess_s": assess_t.wall,
        "assess_cpu_s": assess_t.cpu,
        "decode_s": decode_t.wall,
        "decode_cpu_s": decode_t.cpu,
        "verify_strict_s": strict_t.wall,
        "verify_strict_cpu_s": strict_t.cpu,
        "threads": threads,
        "sequential_s": sequential_t.wall,
        "sequential_cpu_s": sequential_t.cpu,
        "assess_threads_s": assess_par_t.wall,
        "assess_threads_cpu_s": assess_par_t.cpu,
        "full_vs_assess_threads": full_s / assess_par_t.wall,
        "full_vs_assess_threads_cpu": full_t.cpu / assess_par_t.cpu,
        "child": r,
        "full_vs_assess": full_s / assess_t.wall,
        "full_vs_assess_cpu": full_t.cpu / assess_t.cpu,
        "full_vs_verify_strict_cpu": full_t.cpu / strict_t.cpu,
        "merge10_ms": f("merge10_ms"),
        "step_ms": step_ms,
        "step_assessed": r["step_assessed"],
        "idle_step_ms": f("idle_step_ms"),
        "step_assess_ms": step_assess_ms,
        "step_vs_assess": step_ms / step_assess_ms,
        "sample_acts_ms": f("sample_acts_ms"),
        "sample_assessment_ms": f("sample_assessment_ms"),
        "sample_record_ms": f("sample_record_ms"),
    });
    println!("{json}");
}

/// The reconciler's side, in its own process.
fn child(dir: &str, n: u64) {
    let story = Story::new();
    let now = consignments::assessment_time(&story);
    let store = Arc::new(Store::open(dir, &story.authority_id()).expect("the store opens"));
    let open_rss_mib = procstat::rss_mib();
    let reconciler = Reconciler::new(Arc::clone(&store));

    let mut full_t = Spent::default();
    let pass = full_t
        .time_process(|| reconciler.full(now))
        .expect("full pass");
    let (full_s, full_cpu_s) = (full_t.wall, full_t.cpu);
    let full_peak_rss_mib = procstat::peak_rss_mib();
    assert_eq!(pass.assessed as u64, n, "every consignment assessed");
    let totals = reconciler.read(|index, _| index.totals());
    assert_eq!(totals.acts as u64, n * ACTS_PER_CONSIGNMENT as u64);
    eprintln!(
        "  full: {} consignments, {} acts, {} overdue, open by kind {:?}, {full_s:.1} s",
        totals.consignments, totals.acts, totals.overdue, totals.open_by_kind
    );

    // Today's pass on one thread through the store's caches, over the same store.
    let mut sequential_t = Spent::default();
    {
        let sequential = Reconciler::new(Arc::clone(&store));
        sequential_t
            .time_process(|| sequential.full_sequential(now))
            .expect("sequential pass");
        assert_eq!(sequential.read(|index, _| index.totals()), totals);
    }
    eprintln!("  sequential: {:.1} s", sequential_t.wall);

    // The store's lock: the same consignments through each read path, on one thread and on
    // one per core.
    let threads = default_threads();
    let contended: Vec<ConsignmentId> = (0..CONTENDED.min(n)).map(stream::consignment).collect();
    let mut lock = serde_json::Map::new();
    lock.insert("contended".into(), contended.len().into());
    for (key, through_reader) in [("cached", false), ("reader", true)] {
        for (suffix, t) in [("1", 1), ("n", threads)] {
            let mut spent = Spent::default();
            let blocked = spent.time_process(|| {
                spread(&contended, t, |id| {
                    let (a, acts) = if through_reader {
                        store.reader().assessment_and_acts(id, now)
                    } else {
                        store.assessment_and_acts(id, now)
                    }
                    .expect("assessment");
                    std::hint::black_box(Record::of(&a, &acts));
                })
            });
            lock.insert(format!("{key}_{suffix}_s"), spent.wall.into());
            lock.insert(format!("{key}_{suffix}_cpu_s"), spent.cpu.into());
            lock.insert(format!("{key}_{suffix}_blocked_s"), blocked.into());
        }
    }

    let t = Instant::now();
    let idle = reconciler.step(now).expect("idle step");
    let idle_step_ms = ms(t);
    assert_eq!(idle.assessed, 0);

    // Rounds of: a sync brings one new position report for each of 10 consignments (merged
    // with `Store::apply_changes` as the session does), then the reconciler's step.
    let (mut merges, mut steps) = (Vec::new(), Vec::new());
    let mut step_assessed = 0;
    for round in 0..ROUNDS {
        let changes: Vec<(DocId, Vec<u8>)> = changed_ids(n)
            .into_iter()
            .map(|c| {
                let id = DocId::Consignment(stream::consignment(c));
                let bytes = consignments::change_adding(&store, &id, &news(&story, c, round));
                (id, bytes)
            })
            .collect();
        // Making the changes loaded those documents; push them out of the cache, as they would
        // be at central between two syncs from their post.
        for k in 0..SAMPLE.min(n) {
            store
                .heads(&DocId::Consignment(stream::consignment((k * 7 + 3) % n)))
                .expect("heads");
        }
        let t = Instant::now();
        for (id, bytes) in &changes {
            let report = store
                .apply_changes(id, bytes, &tamga_store::Writer::Anyone)
                .expect("merge");
            assert_eq!(report.new_acts.len(), 1);
        }
        merges.push(ms(t));
        let t = Instant::now();
        let step = reconciler.step(now).expect("step");
        steps.push(ms(t));
        step_assessed = step.assessed;
        assert_eq!(step.assessed as u64, CHANGED.min(n));
    }
    let merge10_ms = median(&merges);
    let step_ms = median(&steps);

    // The reconciler's per-consignment work by step, on consignments out of the cache.
    let sample: Vec<u64> = (0..SAMPLE.min(n)).collect();
    let (mut acts_t, mut assessment_t, mut record_t) =
        (Spent::default(), Spent::default(), Spent::default());
    for &c in &sample {
        let id = stream::consignment(c);
        let acts = acts_t.time(|| store.acts(&DocId::Consignment(id.clone())).expect("acts"));
        let a = assessment_t.time(|| store.assessment(&id, now).expect("assessment"));
        record_t.time(|| std::hint::black_box(Record::of(&a, &acts)));
    }
    let per = |t: Spent| t.cpu * 1000.0 / sample.len().max(1) as f64;
    println!(
        "{}",
        serde_json::json!({
            "full_s": full_s,
            "full_cpu_s": full_cpu_s,
            "sequential_s": sequential_t.wall,
            "sequential_cpu_s": sequential_t.cpu,
            "contended": lock["contended"],
            "cached_1_s": lock["cached_1_s"],
            "cached_1_cpu_s": lock["cached_1_cpu_s"],
            "cached_n_s": lock["cached_n_s"],
            "cached_n_cpu_s": lock["cached_n_cpu_s"],
            "reader_1_s": lock["reader_1_s"],
            "reader_1_cpu_s": lock["reader_1_cpu_s"],
            "reader_n_s": lock["reader_n_s"],
            "reader_n_cpu_s": lock["reader_n_cpu_s"],
            "cached_1_blocked_s": lock["cached_1_blocked_s"],
            "cached_n_blocked_s": lock["cached_n_blocked_s"],
            "reader_1_blocked_s": lock["reader_1_blocked_s"],
            "reader_n_blocked_s": lock["reader_n_blocked_s"],
            "full_peak_rss_mib": full_peak_rss_mib,
            "open_rss_mib": open_rss_mib,
            "idle_step_ms": idle_step_ms,
            "merge10_ms": merge10_ms,
            "step_ms": step_ms,
            "step_assessed": step_assessed,
            "sample_acts_ms": per(acts_t),
            "sample_assessment_ms": per(assessment_t),
            "sample_record_ms": per(record_t),
        })
    );
}

fn walk_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => walk_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}
