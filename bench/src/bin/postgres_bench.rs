//! Central on PostgreSQL against central on its own store, in the same run on the same machine
//! (the PostgreSQL server shares its cores):
//!
//! ```sh
//! TAMGA_POSTGRES_URL=postgres://postgres@127.0.0.1:55432/postgres \
//!   cargo run --release -p tamga-bench --bin postgres_bench            # 20,000 acts, 100,000 rows
//! ... --bin postgres_bench -- --quick                                  # 2,000 acts, 5,000 rows
//! ```
//!
//! 1. **Ingest.** Two posts each hold half of N acts (four per consignment, as `ingest_bench`),
//!    and sync them through the real session engine into (a) central on its own store, one
//!    post after the other; (b) one central process on PostgreSQL, one after the other; (c) two
//!    processes on one database, each post with its own process, at the same time. Acts per
//!    second over the wall time, each against (a).
//! 2. **A process joining.** A new process builds its store from the database (catch-up) and
//!    reassesses everything (`Reconciler::full`), against the full reassessment alone on (a).
//! 3. **Dashboard filters in SQL.** R consignments' rows in the database (the story's
//!    consignment under R numbers, posts and statuses varied), then the filters the dashboard
//!    offers as SQL over them, each run 50 times (p50, p99), against a `SELECT 1` round trip:
//!    hand-written queries, and the dashboard's own (`Replica::consignments`, a page of 50, the
//!    rows as `GET /api/consignments` answers them).
//!
//! `--reassess=K` instead measures the full reassessment of K consignments (four acts each)
//! from PostgreSQL: the consignments published to a fresh database, a new process's store
//! built from it (catch-up), then `Reconciler::full` on it, against `Reconciler::full` on a
//! store holding the same documents, in the same run:
//!
//! ```sh
//! ... --bin postgres_bench -- --reassess=100000
//! ```
//!
//! Without `TAMGA_POSTGRES_URL` it says so and exits 0.

use std::sync::Arc;
use std::time::Instant;
use tamga_bench::procstat::secs;
use tamga_central::postgres::{Database, Replica, RowSet};
use tamga_central::reconcile::{Filter, Reconciler, Record};
use tamga_core::fixtures::{self, stream, Story};
use tamga_core::signing::key_id;
use tamga_core::{ConsignmentId, SignedAct, Timestamp, UnitCode};
use tamga_store::{DocId, Store, Writer};
use tamga_sync::frame;
use tamga_sync::ledger::Ledger;
use tamga_sync::scope::Scope;
use tamga_sync::session::{respond_noting, Initiator, Request, Response, Step};

fn temp(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("temp dir")
}

/// A store holding the registry.
fn store(dir: &tempfile::TempDir, story: &Story) -> Store {
    let s = Store::open(dir.path(), &story.authority_id()).expect("store");
    for act in story.registry_acts() {
        s.record(&act).expect("registry");
    }
    s
}

/// One session of `post` with a central answering through `ledger` over `central`; returns
/// the documents worked on.
fn session(post: &Store, central: &Store, ledger: &dyn Ledger, name: &str) -> usize {
    let post_id = key_id(&fixtures::key(name));
    let central_id = key_id(&fixtures::key("bench central device"));
    let scope = Scope::Unit(fixtures::unit(fixtures::AIRPORT_POST));
    let answer = |request: Request| -> Response {
        let wire = frame::encode(&request).expect("frames");
        let response = respond_noting(
            central,
            ledger,
            &post_id,
            &scope,
            frame::decode(&wire).expect("decodes"),
            &mut Vec::new(),
        )
        .expect("central answers");
        frame::decode(&frame::encode(&response).expect("frames")).expect("decodes")
    };
    let mut initiator = Initiator::new(post, central_id, Scope::All);
    let mut request = initiator.start().expect("opens");
    loop {
        match initiator
            .receive(answer(request))
            .expect("the post takes it")
        {
            Step::Send(next) => request = next,
            Step::Done(summary) => return summary.documents,
        }
    }
}

fn fresh_database(admin: &str, name: &str) -> String {
    let mut client = postgres::Client::connect(admin, postgres::NoTls).expect("the cluster");
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .expect("the last run's database dropped");
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("a database");
    tamga_testkit::postgres::with_database(admin, name)
}

fn replica(dir: &tempfile::TempDir, story: &Story, url: &str) -> Arc<Replica> {
    let s = Arc::new(Store::open(dir.path(), &story.authority_id()).expect("store"));
    let db = Database::open(url, &story.authority_id()).expect("database");
    Arc::new(Replica::new(s, db).expect("replica"))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Ok(admin) = std::env::var("TAMGA_POSTGRES_URL") else {
        println!("postgres bench skipped: TAMGA_POSTGRES_URL names no PostgreSQL cluster (scripts/postgres.sh start DIR prints one)");
        return;
    };
    let story = Story::new();
    if let Some(k) = args
        .iter()
        .find_map(|a| a.strip_prefix("--reassess="))
        .and_then(|v| v.parse::<u64>().ok())
    {
        reassess_from_database(&admin, &story, k);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let n = tamga_bench::size(&args, 2_000, 20_000).div_ceil(8) * 8;
    let consignments = n / 4;
    let rows_wanted: u64 = if quick { 5_000 } else { 100_000 };

    // Two posts, each half of the consignments.
    let acts: Vec<SignedAct> = (0..n).map(|k| stream::post_stream_act(&story, k)).collect();
    let post_dirs = [temp("tamga-pgb-post-a-"), temp("tamga-pgb-post-b-")];
    let posts: Vec<Store> = post_dirs.iter().map(|d| store(d, &story)).collect();
    for (c, week) in acts.chunks(4).enumerate() {
        let id = DocId::Consignment(stream::consignment(c as u64));
        posts[c % 2]
            .apply_changes_deferred(
                &id,
                &tamga_bench::consignments::document(week),
                &Writer::Anyone,
            )
            .expect("post merges");
    }
    for p in &posts {
        p.make_durable().expect("durable");
    }
    eprintln!("{n} acts, {consignments} consignments on two posts");

    // (a) central on its own store.
    let sled_dir = temp("tamga-pgb-sled-");
    let sled = Arc::new(store(&sled_dir, &story));
    let t = Instant::now();
    session(&posts[0], &sled, sled.as_ref(), "bench post a");
    session(&posts[1], &sled, sled.as_ref(), "bench post b");
    let sled_s = secs(t);
    assert_eq!(sled.doc_count() as u64, consignments + 1);

    // (b) one process on PostgreSQL.
    let one_url = fresh_database(&admin, "tamga_bench_one");
    let one_dir = temp("tamga-pgb-one-");
    let one = replica(&one_dir, &story, &one_url);
    one.publish().expect("publish");
    let t = Instant::now();
    session(&posts[0], one.store(), one.as_ref(), "bench post a");
    session(&posts[1], one.store(), one.as_ref(), "bench post b");
    let one_s = secs(t);
    assert_eq!(one.store().doc_count() as u64, consignments + 1);

    // (c) two processes on one database, a post each, at once.
    let two_url = fresh_database(&admin, "tamga_bench_two");
    let two_dirs = [temp("tamga-pgb-two-a-"), temp("tamga-pgb-two-b-")];
    let two: Vec<Arc<Replica>> = two_dirs
        .iter()
        .map(|d| replica(d, &story, &two_url))
        .collect();
    for r in &two {
        r.publish().expect("publish");
        r.catch_up().expect("catch up");
    }
    let t = Instant::now();
    std::thread::scope(|s| {
        for (i, r) in two.iter().enumerate() {
            let post = &posts[i];
            s.spawn(move || {
                session(
                    post,
                    r.store(),
                    r.as_ref(),
                    ["bench post a", "bench post b"][i],
                )
            });
        }
    });
    let two_s = secs(t);
    for r in &two {
        r.catch_up().expect("catch up");
        assert_eq!(r.store().doc_count() as u64, consignments + 1);
    }

    // 2. A process joining: its store built from the database, then everything reassessed.
    let now = story.after();
    let t = Instant::now();
    Reconciler::new(Arc::clone(&sled))
        .full(now)
        .expect("full pass");
    let full_sled_s = secs(t);
    let join_dir = temp("tamga-pgb-join-");
    let t = Instant::now();
    let joining = replica(&join_dir, &story, &two_url);
    joining.catch_up().expect("catch up");
    let catch_up_s = secs(t);
    let t = Instant::now();
    Reconciler::new(Arc::clone(joining.store()))
        .full(now)
        .expect("full pass");
    let full_joined_s = secs(t);
    assert_eq!(joining.store().doc_count() as u64, consignments + 1);

    // 3. Rows, and the dashboard's filters as SQL.
    let rows_url = fresh_database(&admin, "tamga_bench_rows");
    let rows_dir = temp("tamga-pgb-rows-");
    let rows_replica = replica(&rows_dir, &story, &rows_url);
    let base = tamga_core::assess(
        &story.consignment,
        &story.clean_delivery(),
        &story.registry(),
        now,
        &tamga_core::Tolerances::default(),
    );
    let posts_of = [
        "MANAS-AIRPORT",
        "OSH-AIRPORT",
        "PMD-BISHKEK",
        "TORUGART",
        "IRKESHTAM",
    ];
    let t = Instant::now();
    let mut written = 0;
    for chunk in (0..rows_wanted).collect::<Vec<_>>().chunks(256) {
        let sets: Vec<RowSet> = chunk
            .iter()
            .map(|k| {
                let mut a = base.clone();
                a.consignment = ConsignmentId::new(format!("10609050/231126/{:07}", 2_000_000 + k))
                    .expect("id");
                let mut record = Record::of(&a, &story.clean_delivery());
                record.consignment = a.consignment.clone();
                record.departure = Some(UnitCode::new(posts_of[(*k as usize) % 5]).expect("unit"));
                record
                    .posts
                    .insert(UnitCode::new(posts_of[(*k as usize + 1) % 5]).expect("unit"));
                if k % 7 == 0 {
                    record.status = tamga_core::assessment::Status::InTransit;
                    record.deadline =
                        Some(Timestamp::from_unix(1_790_000_000 + (*k as i64) * 60).expect("time"));
                }
                RowSet::of(&a, &record, 1, chrono_tz::Asia::Bishkek)
            })
            .collect();
        written += rows_replica.write_rows(&sets).expect("rows");
    }
    let rows_s = secs(t);
    let mut client = postgres::Client::connect(&rows_url, postgres::NoTls).expect("connects");
    client.batch_execute("ANALYZE").expect("analyze");
    let queries: [(&str, &str); 6] = [
        ("SELECT 1 (round trip)", "SELECT 1"),
        ("status in transit, newest first, a page of 50", "SELECT consignment FROM consignment_rows WHERE status = 'in_transit' ORDER BY registered_at DESC LIMIT 50"),
        ("a post concerned, a page of 50", "SELECT c.consignment FROM consignment_rows c JOIN consignment_posts p USING (consignment) WHERE p.post = 'TORUGART' ORDER BY c.registered_at DESC LIMIT 50"),
        ("deadline within a day", "SELECT consignment FROM consignment_rows WHERE deadline >= to_timestamp(1790000000) AND deadline < to_timestamp(1790086400) ORDER BY deadline LIMIT 50"),
        ("count by status and departure", "SELECT status, departure, count(*) FROM consignment_rows GROUP BY status, departure"),
        ("KP statistics (the view, every year)", "SELECT * FROM analyst.kp_statistics"),
    ];
    let mut timings = Vec::new();
    for (what, sql) in queries {
        let mut ms = Vec::new();
        for _ in 0..50 {
            let t = Instant::now();
            client.query(sql, &[]).expect("query");
            ms.push(secs(t) * 1000.0);
        }
        ms.sort_by(|a, b| a.total_cmp(b));
        timings.push((what, percentile(&ms, 0.5), percentile(&ms, 0.99)));
    }

    let zone = tamga_node::local_time::LocalTime::default();
    let dashboard: [(&str, &[(&str, &str)]); 6] = [
        ("everything, the first page", &[]),
        ("everything, the tenth page", &[("offset", "450")]),
        ("status in transit", &[("status", "in_transit")]),
        ("a post concerned", &[("post", "TORUGART")]),
        (
            "due before a day",
            &[("due_before", "2026-09-22T12:00:00Z")],
        ),
        (
            "registered in a day",
            &[
                ("from", "2026-11-23"),
                ("until", "2026-11-24"),
                ("status", "delivered"),
            ],
        ),
    ];
    let mut api_timings = Vec::new();
    for (what, pairs) in dashboard {
        let mut params: std::collections::BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        params.insert("limit".into(), "50".into());
        let filter = Filter::from_query(&params, &zone).expect("filter");
        let mut ms = Vec::new();
        let mut listed = 0;
        for _ in 0..50 {
            let t = Instant::now();
            listed = rows_replica.consignments(&filter).expect("listed").len();
            ms.push(secs(t) * 1000.0);
        }
        ms.sort_by(|a, b| a.total_cmp(b));
        api_timings.push((what, listed, percentile(&ms, 0.5), percentile(&ms, 0.99)));
    }

    let rate = |s: f64| n as f64 / s;
    println!("\ncentral on PostgreSQL: {n} acts, {consignments} consignments from two posts; {rows_wanted} consignments' rows");
    println!("\n| ingest | wall s | acts/s | vs (a) |\n|---|---|---|---|");
    for (what, s) in [
        (
            "(a) central on its own store (sled), one post after the other",
            sled_s,
        ),
        (
            "(b) one process on PostgreSQL, one post after the other",
            one_s,
        ),
        (
            "(c) two processes on one database, a post each, at once",
            two_s,
        ),
    ] {
        println!("| {what} | {s:.2} | {:.0} | {:.2} |", rate(s), sled_s / s);
    }
    println!("\n| a process joining | s | vs full reassessment on (a) |\n|---|---|---|");
    println!("| full reassessment on (a)'s store | {full_sled_s:.2} | 1.00 |");
    println!(
        "| catch-up: the store built from the database | {catch_up_s:.2} | {:.2} |",
        catch_up_s / full_sled_s
    );
    println!(
        "| then the full reassessment on it | {full_joined_s:.2} | {:.2} |",
        full_joined_s / full_sled_s
    );
    println!(
        "\nrows: {written} consignments written in {rows_s:.1} s ({:.0}/s)",
        written as f64 / rows_s
    );
    println!("\n| SQL over {rows_wanted} consignments' rows | p50 ms | p99 ms |\n|---|---|---|");
    for (what, p50, p99) in &timings {
        println!("| {what} | {p50:.2} | {p99:.2} |");
    }
    println!("\n| the dashboard's filters (`GET /api/consignments`, a page of 50) over {rows_wanted} rows | rows | p50 ms | p99 ms |\n|---|---|---|---|");
    for (what, listed, p50, p99) in &api_timings {
        println!("| {what} | {listed} | {p50:.2} | {p99:.2} |");
    }
}

/// `k` consignments reassessed from the database (see the module doc).
fn reassess_from_database(admin: &str, story: &Story, k: u64) {
    let source_dir = temp("tamga-pgb-source-");
    let source = Arc::new(store(&source_dir, story));
    for c in 0..k {
        let week: Vec<SignedAct> = (c * 4..c * 4 + 4)
            .map(|i| stream::post_stream_act(story, i))
            .collect();
        source
            .apply_changes_deferred(
                &DocId::Consignment(stream::consignment(c)),
                &tamga_bench::consignments::document(&week),
                &Writer::Anyone,
            )
            .expect("merges");
        if c % 10_000 == 9_999 {
            source.make_durable().expect("durable");
            eprintln!("{} consignments made", c + 1);
        }
    }
    source.make_durable().expect("durable");
    let now = story.after();
    let t = Instant::now();
    let baseline = Reconciler::new(Arc::clone(&source))
        .full(now)
        .expect("full pass");
    let baseline_s = secs(t);
    eprintln!("baseline full pass: {baseline_s:.1} s");
    let url = fresh_database(admin, "tamga_bench_reassess");
    let publisher = Replica::new(
        Arc::clone(&source),
        Database::open(&url, &story.authority_id()).expect("database"),
    )
    .expect("replica");
    let t = Instant::now();
    publisher.publish().expect("publish");
    let publish_s = secs(t);
    eprintln!("published: {publish_s:.1} s");
    let join_dir = temp("tamga-pgb-reassess-");
    let t = Instant::now();
    let joining = replica(&join_dir, story, &url);
    joining.catch_up().expect("catch up");
    let catch_up_s = secs(t);
    eprintln!("caught up: {catch_up_s:.1} s");
    let t = Instant::now();
    let pass = Reconciler::new(Arc::clone(joining.store()))
        .full(now)
        .expect("full pass");
    let full_s = secs(t);
    assert_eq!(pass.assessed, baseline.assessed);
    let rss = tamga_bench::procstat::rss_mib();
    println!(
        "\nfull reassessment of {k} consignments ({} acts) from PostgreSQL, {} worker threads",
        k * 4,
        tamga_central::reconcile::default_threads()
    );
    println!("\n| step | wall s | vs the full pass on a store holding them |\n|---|---|---|");
    println!("| full pass on a store holding the documents (baseline) | {baseline_s:.1} | 1.00 |");
    println!(
        "| the documents published to a fresh database | {publish_s:.1} | {:.2} |",
        publish_s / baseline_s
    );
    println!(
        "| a new process's store built from the database (catch-up) | {catch_up_s:.1} | {:.2} |",
        catch_up_s / baseline_s
    );
    println!(
        "| the full pass on that store | {full_s:.1} | {:.2} |",
        full_s / baseline_s
    );
    println!(
        "| from the database, catch-up and pass | {:.1} | {:.2} |",
        catch_up_s + full_s,
        (catch_up_s + full_s) / baseline_s
    );
    println!("\nRSS at the end: {rss:.0} MiB");
}
