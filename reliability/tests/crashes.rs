//! SIGKILL of real `tamga-edge` and `tamga-central` processes, at random points, while they
//! record, while they sync, and while they compact.
//!
//! Central and two post nodes run, both posts syncing with central and with each other, every
//! store compacted in the background every second (`compact_interval_seconds = 1` in
//! `tamga-edge.toml` and `tamga-central.toml`). Each round picks a phase and a victim:
//!
//! - **recording**: the posts' officers record acts with the CLI (`tamga-edge act -`), and
//!   central enrolls new officer keys (`tamga-central enroll`, through the running server);
//!   the victim is killed after a random delay;
//! - **sync**: `tamga-edge sync` runs in a loop on both posts (besides the background sync);
//!   the victim is killed after a random delay, most often in the middle of a session;
//! - **compaction**: officers record on the same consignments over and over, so documents
//!   gather the changes that the background compaction folds each second; the victim is
//!   killed after one to three seconds, with compaction passes running.
//!
//! An act counts as acknowledged when the command that recorded it exited 0. After each kill,
//! before restarting, the victim's store is opened with tamga-store: every act the victim
//! acknowledged must be there, and `Store::check` must find nothing wrong. The victim then
//! starts again. At the end, the posts sync until every node holds the same acts, the
//! processes stop, and the three stores must pass `Store::check`, hold every acknowledged act
//! and have the same heads for every document.
//!
//! ```sh
//! cargo test -p tamga-reliability --test crashes -- --nocapture
//! TAMGA_KILL_ROUNDS=150 cargo test -p tamga-reliability --test crashes -- --nocapture
//! TAMGA_KILL_SEED=N ...     # the same phases, victims and delays
//! ```
//!
//! A fresh cluster is set up every 12 rounds. The last line printed (`RELIABILITY crashes ...`,
//! also appended to the file named by `TAMGA_RELIABILITY_REPORT`) holds the figures; it is
//! printed only when every check passed, so its `acts_lost` is 0: a lost act fails the test,
//! naming the act and the round. `TAMGA_RELIABILITY_KEEP=1` keeps the data directories of a
//! failed run.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tamga_core::ActId;
use tamga_reliability::cluster::{
    doc_id, env_count, env_seed, in_scope, report, Ack, Cluster, Edge, Officer, Out,
};
use tamga_store::Store;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Recording,
    Sync,
    Compaction,
}

/// Who is killed: a post (index) or central.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Victim {
    Edge(usize),
    Central,
}

/// Records with `officer` on `edge` until `go` turns false: seal checks on `few` if there are
/// any (so that these documents gather changes for compaction), else anything.
fn record_until(edge: &Edge, officer: &mut Officer, few: &[String], go: &AtomicBool) -> Vec<Ack> {
    let mut acks = Vec::new();
    while go.load(Ordering::SeqCst) {
        let outcome = if few.is_empty() {
            officer.act(edge, &[])
        } else {
            officer.check_one_of(edge, few)
        };
        match outcome {
            Ok(ack) => acks.push(ack),
            Err(out) => {
                assert!(!out.hung, "{}: `tamga-edge act` hung", edge.name);
                // The node was killed under the command, or the consignment has not come here
                // yet: not acknowledged, so nothing is owed.
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    acks
}

/// Opens `dir`'s store (the process that held it is dead), checks it and looks for `acks`.
fn verify_store(
    what: &str,
    dir: &std::path::Path,
    authority: &tamga_core::KeyId,
    acks: &[&Ack],
) -> (usize, usize) {
    let store = Store::open(dir, authority)
        .unwrap_or_else(|e| panic!("{what}: the store does not open after SIGKILL: {e}"));
    let mut lost = Vec::new();
    for ack in acks {
        let act = ActId::from_hex(&ack.act).expect("an act id");
        if !store.has_act(&doc_id(&ack.doc), &act).expect("has_act") {
            lost.push(*ack);
        }
    }
    assert!(
        lost.is_empty(),
        "{what}: {} acknowledged acts missing after SIGKILL, first {:?}",
        lost.len(),
        lost.first()
    );
    let problems = store.check().expect("check runs");
    assert!(problems.is_empty(), "{what}: {problems:#?}");
    (acks.len(), store.uncompacted_changes())
}

/// Rounds on one cluster before a fresh one is set up.
const ROUNDS_PER_CLUSTER: u64 = 12;

/// Syncs until every node holds the same acts and every acknowledged act, stops the processes
/// and compares their stores: the documents compared.
fn finish(cluster: &mut Cluster, seed: u64) -> usize {
    let converged = cluster
        .converge(Duration::from_secs(120), None)
        .unwrap_or_else(|e| {
            panic!("after the kills (TAMGA_KILL_SEED={seed}) the nodes do not converge: {e}")
        });
    assert_eq!(cluster.missing(&converged).len(), 0);
    assert!(cluster.stop(), "every process stops cleanly on SIGTERM");
    cluster
        .compare_stores()
        .unwrap_or_else(|e| panic!("stores after the kills (TAMGA_KILL_SEED={seed}): {e}"))
}

#[test]
fn acknowledged_acts_survive_sigkill_of_edge_and_central() {
    let rounds = env_count("TAMGA_KILL_ROUNDS", 9);
    let seed = env_seed("TAMGA_KILL_SEED");
    eprintln!("crashes: {rounds} rounds, TAMGA_KILL_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let started = Instant::now();
    let fresh = || {
        let mut cluster = Cluster::new(false);
        cluster.central.set_compact_interval(1);
        for e in &cluster.edges {
            e.set_config("compact_interval_seconds", toml::Value::Integer(1));
        }
        cluster.start();
        let officers: Vec<Officer> = cluster
            .edges
            .iter()
            .map(|e| Officer::new(seed ^ e.numbers_from, e.numbers_from))
            .collect();
        (cluster, officers)
    };
    let (mut cluster, mut officers) = fresh();
    let mut docs = 0usize;
    let mut acknowledged = 0usize;
    let mut kills: BTreeMap<(Phase, Victim), u64> = BTreeMap::new();
    let mut interrupted = 0usize;
    let mut enrolled = 0u64;
    let mut checked = 0usize;
    for round in 0..rounds {
        if round > 0 && round % ROUNDS_PER_CLUSTER == 0 {
            // A fresh cluster now and then, so that the checks stay quick on long runs.
            docs += finish(&mut cluster, seed);
            acknowledged += cluster.acks.len();
            (cluster, officers) = fresh();
        }
        let phase = [Phase::Recording, Phase::Sync, Phase::Compaction][(round % 3) as usize];
        let victim = match rng.u32(0..3) {
            0 => Victim::Central,
            n => Victim::Edge(n as usize - 1),
        };
        let delay = Duration::from_millis(match phase {
            Phase::Recording => rng.u64(100..1500),
            Phase::Sync => rng.u64(50..1200),
            Phase::Compaction => rng.u64(1000..3000),
        });
        let known: Vec<String> = cluster
            .consignments()
            .expect("the nodes answer")
            .into_iter()
            .collect();
        let go = AtomicBool::new(true);
        let enroll_seed = rng.u64(..);
        let (acks, failures) = std::thread::scope(|s| {
            let go = &go;
            let known = &known;
            let mut recorders = Vec::new();
            let mut syncers = Vec::new();
            let mut enroller = None;
            match phase {
                Phase::Recording | Phase::Compaction => {
                    for (edge, officer) in cluster.edges.iter().zip(officers.iter_mut()) {
                        // In the compaction phase both posts keep checking seals on three
                        // consignments they hold, so these documents gather changes faster
                        // than compaction folds them.
                        let pool: Vec<String> = if phase == Phase::Compaction {
                            known
                                .iter()
                                .filter(|c| in_scope(&edge.name, c))
                                .take(3)
                                .cloned()
                                .collect()
                        } else {
                            Vec::new()
                        };
                        recorders.push(s.spawn(move || record_until(edge, officer, &pool, go)));
                    }
                    if phase == Phase::Recording {
                        let central = &cluster.central;
                        enroller = Some(s.spawn(move || {
                            let mut rng = fastrand::Rng::with_seed(enroll_seed);
                            let mut acks = Vec::new();
                            let mut n = 0;
                            while go.load(Ordering::SeqCst) {
                                let mut secret = [0u8; 32];
                                rng.fill(&mut secret);
                                let key = ed25519_dalek::SigningKey::from_bytes(&secret);
                                let id = tamga_core::signing::key_id(&key);
                                n += 1;
                                let name = format!("Officer {n}");
                                match central.enroll(
                                    id.as_str(),
                                    "post_officer",
                                    "MANAS-AIRPORT",
                                    &name,
                                ) {
                                    Ok(act) => acks.push(Ack {
                                        node: "central".into(),
                                        doc: "registry".into(),
                                        act,
                                    }),
                                    Err(out) => {
                                        assert!(!out.hung, "`tamga-central enroll` hung");
                                        std::thread::sleep(Duration::from_millis(20));
                                    }
                                }
                            }
                            acks
                        }));
                    }
                }
                Phase::Sync => {
                    // Something to carry: a few acts on each post first.
                    for (edge, officer) in cluster.edges.iter().zip(officers.iter_mut()) {
                        recorders.push(s.spawn(move || {
                            let mut acks = Vec::new();
                            for _ in 0..6 {
                                if let Ok(a) = officer.act(edge, &[]) {
                                    acks.push(a);
                                }
                            }
                            acks
                        }));
                    }
                    for edge in &cluster.edges {
                        syncers.push(s.spawn(move || {
                            let mut failed = 0usize;
                            while go.load(Ordering::SeqCst) {
                                let out: Out = edge.sync();
                                assert!(!out.hung, "{}: `tamga-edge sync` hung", edge.name);
                                failed += usize::from(!out.ok);
                            }
                            failed
                        }));
                    }
                }
            }
            std::thread::sleep(delay);
            // The kill, from this thread, while the others are at work.
            match victim {
                Victim::Central => cluster_kill_central(&cluster),
                Victim::Edge(i) => cluster_kill_edge(&cluster, i),
            }
            std::thread::sleep(Duration::from_millis(200));
            go.store(false, Ordering::SeqCst);
            let mut acks = Vec::new();
            for r in recorders {
                acks.extend(r.join().expect("a recorder"));
            }
            if let Some(e) = enroller {
                acks.extend(e.join().expect("the enroller"));
            }
            let failures: usize = syncers
                .into_iter()
                .map(|s| s.join().expect("a syncer"))
                .sum();
            (acks, failures)
        });
        // Reap the victim.
        match victim {
            Victim::Central => cluster.central.server.kill(),
            Victim::Edge(i) => cluster.edges[i].server.kill(),
        }
        interrupted += failures;
        enrolled += acks.iter().filter(|a| a.doc == "registry").count() as u64;
        cluster.acks.extend(acks);
        // The victim's store, as the kill left it.
        let (what, dir, owner) = match victim {
            Victim::Central => (
                "central".to_owned(),
                cluster.central.store_dir(),
                "central".to_owned(),
            ),
            Victim::Edge(i) => (
                cluster.edges[i].name.clone(),
                cluster.edges[i].store_dir(),
                cluster.edges[i].name.clone(),
            ),
        };
        let own: Vec<&Ack> = cluster.acks.iter().filter(|a| a.node == owner).collect();
        let (n, uncompacted) = verify_store(
            &format!("round {round} ({phase:?}, TAMGA_KILL_SEED={seed}): {what}"),
            &dir,
            &cluster.central.authority,
            &own,
        );
        checked += n;
        *kills.entry((phase, victim)).or_default() += 1;
        eprintln!(
            "round {round}: {phase:?}, killed {what} after {} ms; its {n} acknowledged acts are all there, store checked ({uncompacted} changes not yet compacted)",
            delay.as_millis()
        );
        match victim {
            Victim::Central => cluster.central.start(),
            Victim::Edge(i) => cluster.edges[i].start(),
        }
    }
    docs += finish(&mut cluster, seed);
    acknowledged += cluster.acks.len();
    let by_phase = |p: Phase| {
        kills
            .iter()
            .filter(|((ph, _), _)| *ph == p)
            .map(|(_, n)| n)
            .sum::<u64>()
    };
    let by_victim = |central: bool| {
        kills
            .iter()
            .filter(|((_, v), _)| (*v == Victim::Central) == central)
            .map(|(_, n)| n)
            .sum::<u64>()
    };
    report(&format!(
        "RELIABILITY crashes rounds={rounds} seed={seed} kills_recording={} kills_sync={} kills_compaction={} kills_edge={} kills_central={} acts_acknowledged={} enrollments_acknowledged={enrolled} acknowledged_checked_after_kills={checked} acts_lost=0 syncs_interrupted={interrupted} documents_compared={docs} seconds={}",
        by_phase(Phase::Recording),
        by_phase(Phase::Sync),
        by_phase(Phase::Compaction),
        by_victim(false),
        by_victim(true),
        acknowledged,
        started.elapsed().as_secs()
    ));
}

fn cluster_kill_central(cluster: &Cluster) {
    kill_pid(cluster.central.server.pid());
}

fn cluster_kill_edge(cluster: &Cluster, i: usize) {
    kill_pid(cluster.edges[i].server.pid());
}

/// SIGKILL by process id (the harness reaps the process afterwards).
fn kill_pid(pid: Option<u32>) {
    let pid = pid.expect("the victim is running");
    // SAFETY: a signal to a child process of this test that has not been reaped yet.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGKILL);
    }
}
