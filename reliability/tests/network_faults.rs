//! Network faults between real processes: a `tamga-central` and two post nodes (`tamga-edge`
//! at the Manas airport and at the Precious Metals Department), every sync path (each post to
//! central, each post to the other) through its own fault-injecting proxy. The second test runs
//! the same with central on PostgreSQL served by two processes, each post syncing with its
//! own (needs `TAMGA_POSTGRES_URL`; skipped without it unless `TAMGA_POSTGRES_TEST=required`).
//!
//! Each schedule: every proxy gets a seeded random [`Schedule`] (drops, delays, duplicated
//! requests, reordering, truncation, the link going down); both posts' officers record acts
//! with the CLI (`tamga-edge act -`, through the running node's API) while the background sync
//! (every second) and `tamga-edge sync` run through the faults. Then the links heal, the posts
//! sync, and every node must hold the same acts for every consignment, every acknowledged act
//! included, within a minute. At the end the processes stop, and the three stores, opened with
//! tamga-store, must pass `Store::check` and hold the same documents with the same heads.
//!
//! ```sh
//! cargo build -p tamga-edge -p tamga-central          # the test builds them too
//! cargo test -p tamga-reliability --test network_faults -- --nocapture
//! TAMGA_FAULT_SCHEDULES=200 cargo test -p tamga-reliability --test network_faults -- --nocapture
//! TAMGA_FAULT_SEED=N TAMGA_FAULT_SCHEDULES=1 ...      # replays the schedule printed with seed N
//! ```
//!
//! `TAMGA_FAULT_MILLIS` sets how long each schedule's faults last (default 2500 ms). A fresh
//! cluster is set up every 10 schedules. The last line printed (`RELIABILITY network_faults
//! ...`, also appended to the file named by `TAMGA_RELIABILITY_REPORT`) holds the figures; it
//! is printed only when every check passed, so its `acts_lost` is 0: a lost act fails the test,
//! naming the act, what each node answers and what each store holds of it.
//! `TAMGA_RELIABILITY_KEEP=1` keeps the data directories of a failed run.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tamga_reliability::cluster::{env_count, env_seed, report, Ack, Cluster, Officer, Out};
use tamga_reliability::proxy::{Counts, Schedule};

/// The seed of proxy `index` in the schedule with seed `seed`.
fn proxy_seed(seed: u64, index: usize) -> u64 {
    seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .wrapping_add(index as u64 + 1)
}

/// Schedules run on one cluster before a fresh one is set up.
const SCHEDULES_PER_CLUSTER: u64 = 10;

/// Stops the cluster's processes and compares their stores: the documents compared.
fn finish(cluster: &mut Cluster, first_seed: u64) -> usize {
    for (path, proxy) in &cluster.proxies {
        eprintln!("path {path}: {}", proxy.counts());
    }
    assert!(cluster.stop(), "every process stops cleanly on SIGTERM");
    cluster
        .compare_stores()
        .unwrap_or_else(|e| panic!("stores after the schedules from seed {first_seed}: {e}"))
}

#[test]
fn every_node_converges_and_keeps_every_acknowledged_act_under_network_faults() {
    schedules("network_faults", &|| Cluster::new(true));
}

/// The same with central on PostgreSQL served by two processes, each post syncing with its own
/// (`Cluster::on_postgres`): everything one post brings to one process reaches the other
/// post's process through the database, under the same faults.
#[test]
fn two_central_processes_on_one_database_converge_under_network_faults() {
    if tamga_testkit::postgres::cluster("network faults with central on PostgreSQL").is_none() {
        return;
    }
    schedules("network_faults_postgres", &|| {
        let url =
            tamga_testkit::postgres::fresh_database("network faults with central on PostgreSQL")
                .expect("the cluster was there a moment ago");
        Cluster::on_postgres(true, &url)
    });
}

/// Runs the schedules on clusters `make` sets up; `label` names the report line.
fn schedules(label: &str, make: &dyn Fn() -> Cluster) {
    let schedules = env_count("TAMGA_FAULT_SCHEDULES", 6);
    let first_seed = env_seed("TAMGA_FAULT_SEED");
    let fault_time = Duration::from_millis(env_count("TAMGA_FAULT_MILLIS", 2500));
    eprintln!(
        "network faults: {schedules} schedules, seeds from TAMGA_FAULT_SEED={first_seed}, {} ms of faults each",
        fault_time.as_millis()
    );
    let fresh = || {
        let mut cluster = make();
        cluster.start();
        let officers: Vec<Officer> = cluster
            .edges
            .iter()
            .map(|e| Officer::new(first_seed ^ e.numbers_from, e.numbers_from))
            .collect();
        (cluster, officers)
    };
    let (mut cluster, mut officers) = fresh();
    let mut acknowledged_total = 0usize;
    let mut docs = 0usize;
    let mut totals = Counts::default();
    let mut refused_acts = 0usize;
    let mut failed_syncs = 0usize;
    let mut survived = 0u64;
    let started = Instant::now();
    for round in 0..schedules {
        let seed = first_seed.wrapping_add(round);
        if round > 0 && round % SCHEDULES_PER_CLUSTER == 0 {
            // A fresh cluster now and then, so that checks stay quick on long runs.
            docs += finish(&mut cluster, first_seed);
            acknowledged_total += cluster.acks.len();
            (cluster, officers) = fresh();
        }
        let before: Vec<Counts> = cluster.proxies.iter().map(|(_, p)| p.counts()).collect();
        for (i, (_, proxy)) in cluster.proxies.iter().enumerate() {
            proxy.set_schedule(Schedule::random(proxy_seed(seed, i)));
        }
        let known: Vec<String> = cluster
            .consignments()
            .expect("the nodes answer")
            .into_iter()
            .collect();
        let recording = AtomicBool::new(true);
        let (acks, refused, sync_failures) = std::thread::scope(|s| {
            let mut workers = Vec::new();
            for (edge, officer) in cluster.edges.iter().zip(officers.iter_mut()) {
                let known = &known;
                let recording = &recording;
                workers.push(s.spawn(move || {
                    let mut acks: Vec<Ack> = Vec::new();
                    let mut refused: Vec<Out> = Vec::new();
                    while recording.load(Ordering::SeqCst) {
                        match officer.act(edge, known) {
                            Ok(ack) => acks.push(ack),
                            Err(out) => {
                                assert!(!out.hung, "{}: `tamga-edge act` hung", edge.name);
                                refused.push(out);
                            }
                        }
                    }
                    (acks, refused)
                }));
            }
            // `tamga-edge sync` now and then on each post, besides the background sync.
            let syncer = s.spawn(|| {
                let mut failures = 0usize;
                while recording.load(Ordering::SeqCst) {
                    for e in &cluster.edges {
                        let out = e.sync();
                        assert!(!out.hung, "{}: `tamga-edge sync` hung", e.name);
                        failures += usize::from(!out.ok);
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
                failures
            });
            std::thread::sleep(fault_time);
            recording.store(false, Ordering::SeqCst);
            let mut acks = Vec::new();
            let mut refused = Vec::new();
            for w in workers {
                let (a, r) = w.join().expect("an officer's thread");
                acks.extend(a);
                refused.extend(r);
            }
            (acks, refused, syncer.join().expect("the sync thread"))
        });
        for (i, (_, proxy)) in cluster.proxies.iter().enumerate() {
            proxy.heal();
            let delta = proxy.counts().since(&before[i]);
            totals.add(&delta);
        }
        let acknowledged = acks.len();
        refused_acts += refused.len();
        failed_syncs += sync_failures;
        // Acts refused here are ones a post cannot record (a seal check on a consignment that
        // has not reached it yet); anything else is a finding.
        for out in &refused {
            assert!(
                out.stderr.contains("no consignment"),
                "schedule seed {seed}: an act was refused for another reason: {}{}",
                out.stdout,
                out.stderr
            );
        }
        let touched: std::collections::BTreeSet<String> =
            acks.iter().map(|a| a.doc.clone()).collect();
        cluster.acks.extend(acks);
        let healed = Instant::now();
        match cluster.converge(Duration::from_secs(60), Some(&touched)) {
            Ok(snapshot) => {
                survived += 1;
                let acts: usize = snapshot
                    .get("central")
                    .map(|c| c.values().map(|a| a.len()).sum())
                    .unwrap_or(0);
                eprintln!(
                    "schedule {round} (TAMGA_FAULT_SEED={seed}): {acknowledged} acts acknowledged, {} refused, {sync_failures} syncs failed during faults; converged in {} ms: the {} consignments touched hold the same {acts} acts on every node",
                    refused.len(),
                    healed.elapsed().as_millis(),
                    snapshot.get("central").map_or(0, |c| c.len()),
                );
            }
            Err(e) => {
                let first = cluster
                    .snapshot(Some(&touched))
                    .ok()
                    .and_then(|snap| cluster.missing(&snap).into_iter().next());
                let diagnosis = first
                    .map(|(_, ack)| cluster.diagnose(&ack))
                    .unwrap_or_default();
                panic!(
                    "schedule {round}: the nodes did not converge within a minute after the links healed.\n\
                     Replay: TAMGA_FAULT_SEED={seed} TAMGA_FAULT_SCHEDULES=1 cargo test -p tamga-reliability --test network_faults -- --nocapture\n{e}\n{diagnosis}"
                )
            }
        }
    }
    docs += finish(&mut cluster, first_seed);
    acknowledged_total += cluster.acks.len();
    assert!(
        totals.faults() > 0 || schedules == 0,
        "the proxies injected no fault at all: {totals}"
    );
    report(&format!(
        "RELIABILITY {label} schedules={schedules} schedules_survived={survived} first_seed={first_seed} acts_acknowledged={} acts_lost=0 acts_refused={refused_acts} syncs_failed_during_faults={failed_syncs} documents_compared={docs} seconds={} {totals}",
        acknowledged_total,
        started.elapsed().as_secs()
    ));
}
