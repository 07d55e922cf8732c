//! The shared ledger against a real PostgreSQL (a fresh database per test; skipped without
//! one unless `TAMGA_POSTGRES_TEST=required`).

use super::{Database, Replica};
use std::sync::Arc;
use tamga_core::fixtures::Story;
use tamga_core::transparency::merkle::{verify_consistency, verify_inclusion};
use tamga_core::transparency::SignedTreeHead;
use tamga_store::{DocId, Store, Writer};
use tamga_sync::ledger::Ledger;
use tamga_sync::receipts::LogKeeper;
use tempfile::TempDir;

struct Process {
    _dir: TempDir,
    replica: Arc<Replica>,
}

fn process(story: &Story, url: &str) -> Process {
    let dir = TempDir::new().unwrap();
    let store = Arc::new(Store::open(dir.path(), &story.authority_id()).unwrap());
    let db = Database::open(url, &story.authority_id()).unwrap();
    let replica = Arc::new(Replica::new(store, db).unwrap());
    Process { _dir: dir, replica }
}

fn rows(url: &str, sql: &str) -> i64 {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client.query_one(sql, &[]).unwrap().get(0)
}

fn doc(story: &Story) -> DocId {
    DocId::Consignment(story.consignment.clone())
}

#[test]
fn what_one_process_records_another_takes_in_and_nothing_is_stored_twice() {
    let Some(url) = tamga_testkit::postgres::fresh_database("shared ledger") else {
        return;
    };
    let story = Story::new();
    let a = process(&story, &url);
    let b = process(&story, &url);
    for act in story.registry_acts().iter().chain(&story.clean_delivery()) {
        a.replica.store().record(act).unwrap();
    }
    assert_eq!(b.replica.catch_up().unwrap(), 0, "nothing published yet");
    a.replica.publish().unwrap();
    let stored = rows(&url, "SELECT count(*) FROM changes");
    assert!(stored > 0);
    let position = b.replica.catch_up().unwrap();
    assert!(position > 0);
    assert_eq!(
        b.replica.store().acts(&doc(&story)).unwrap(),
        a.replica.store().acts(&doc(&story)).unwrap()
    );
    assert_eq!(
        b.replica.store().heads(&doc(&story)).unwrap(),
        a.replica.store().heads(&doc(&story)).unwrap()
    );
    assert_eq!(
        b.replica.store().registry().keys().count(),
        a.replica.store().registry().keys().count()
    );
    // What B took in it does not publish again, nor A what it published.
    b.replica.publish().unwrap();
    a.replica.publish().unwrap();
    assert_eq!(rows(&url, "SELECT count(*) FROM changes"), stored);
    assert_eq!(
        rows(&url, "SELECT position FROM feed_position"),
        position as i64
    );
    // A process started afresh rebuilds its store from the database.
    let c = process(&story, &url);
    assert_eq!(c.replica.catch_up().unwrap(), position);
    assert_eq!(
        c.replica.store().acts(&doc(&story)).unwrap().len(),
        story.clean_delivery().len()
    );
    assert!(c.replica.store().check().unwrap().is_empty());
}

#[test]
fn the_same_changes_merged_through_two_processes_at_once_are_recorded_once() {
    let Some(url) = tamga_testkit::postgres::fresh_database("shared ledger") else {
        return;
    };
    let story = Story::new();
    // A post's document, its changes brought to both processes at the same moment.
    let post_dir = TempDir::new().unwrap();
    let post = Store::open(post_dir.path(), &story.authority_id()).unwrap();
    for act in story.registry_acts().iter().chain(&story.clean_delivery()) {
        post.record(act).unwrap();
    }
    let registry = post.changes_since(&DocId::Registry, &[]).unwrap();
    let consignment = post.changes_since(&doc(&story), &[]).unwrap();
    let expected = post.changes_after(&DocId::Registry, &[]).unwrap().len()
        + post.changes_after(&doc(&story), &[]).unwrap().len();
    let a = process(&story, &url);
    let b = process(&story, &url);
    std::thread::scope(|s| {
        for p in [&a, &b] {
            let (registry, consignment, story) = (&registry, &consignment, &story);
            s.spawn(move || {
                let store = p.replica.store();
                store
                    .apply_changes(&DocId::Registry, registry, &Writer::Anyone)
                    .unwrap();
                store
                    .apply_changes(&doc(story), consignment, &Writer::Anyone)
                    .unwrap();
                p.replica.make_durable().unwrap();
            });
        }
    });
    assert_eq!(
        rows(&url, "SELECT count(*) FROM changes") as usize,
        expected,
        "each change once"
    );
    for p in [&a, &b] {
        p.replica.catch_up().unwrap();
        assert_eq!(
            p.replica.store().heads(&doc(&story)).unwrap(),
            post.heads(&doc(&story)).unwrap()
        );
    }
}

#[test]
fn two_processes_writing_one_consignment_at_the_same_moment_lose_nothing() {
    let Some(url) = tamga_testkit::postgres::fresh_database("shared ledger") else {
        return;
    };
    let story = Story::new();
    let acts = story.clean_delivery();
    let a = process(&story, &url);
    let b = process(&story, &url);
    for act in story.registry_acts().iter().chain(&acts[..3]) {
        a.replica.store().record(act).unwrap();
    }
    a.replica.publish().unwrap();
    b.replica.catch_up().unwrap();
    // Each records different acts of the same consignment, and publishes, at once.
    std::thread::scope(|s| {
        let (left, right) = acts[3..].split_at((acts.len() - 3) / 2);
        for (p, mine) in [(&a, left), (&b, right)] {
            s.spawn(move || {
                for act in mine {
                    p.replica.store().record(act).unwrap();
                    p.replica.publish().unwrap();
                }
            });
        }
    });
    for p in [&a, &b] {
        p.replica.catch_up().unwrap();
        let mut held: Vec<_> = p
            .replica
            .store()
            .acts(&doc(&story))
            .unwrap()
            .iter()
            .map(|act| act.id())
            .collect();
        held.sort();
        let mut all: Vec<_> = acts.iter().map(|act| act.id()).collect();
        all.sort();
        assert_eq!(held, all, "every act of both processes");
    }
    assert_eq!(
        a.replica.store().heads(&doc(&story)).unwrap(),
        b.replica.store().heads(&doc(&story)).unwrap()
    );
    // The feed lists the consignment once however many positions it changed at.
    let listed = a.replica.changed_since(0).unwrap();
    assert_eq!(
        listed.iter().filter(|d| **d == doc(&story)).count(),
        1,
        "{listed:?}"
    );
}

#[test]
fn checkpoints_and_nonces_are_shared_by_every_process() {
    let Some(url) = tamga_testkit::postgres::fresh_database("shared ledger") else {
        return;
    };
    let story = Story::new();
    let a = process(&story, &url);
    let b = process(&story, &url);
    let device = story.vehicle_device.id.clone();
    assert_eq!(b.replica.checkpoint("post").unwrap(), None);
    a.replica.advance_checkpoint("post", 7).unwrap();
    assert_eq!(b.replica.checkpoint("post").unwrap(), Some(7));
    b.replica.advance_checkpoint("post", 3).unwrap();
    assert_eq!(a.replica.checkpoint("post").unwrap(), Some(7), "never back");
    // A request accepted by one process is a replay at the other.
    assert!(a
        .replica
        .remember_nonce(&device, &[1; 16], 1_000, 0)
        .unwrap());
    assert!(!b
        .replica
        .remember_nonce(&device, &[1; 16], 1_000, 0)
        .unwrap());
    assert!(b
        .replica
        .remember_nonce(&device, &[2; 16], 1_001, 0)
        .unwrap());
    assert_eq!(b.replica.remembered_nonces(i64::MIN).unwrap().len(), 2);
    // Nonces out of the window are forgotten as new ones come.
    assert!(a
        .replica
        .remember_nonce(&device, &[3; 16], 5_000, 1_001)
        .unwrap());
    assert_eq!(
        a.replica.remembered_nonces(i64::MIN).unwrap(),
        vec![(1_001, device.clone(), [2; 16]), (5_000, device, [3; 16])]
    );
}

/// The log's heads kept in the database, smallest first.
fn heads_in(url: &str) -> Vec<SignedTreeHead> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client
        .query("SELECT head FROM log_heads ORDER BY size", &[])
        .unwrap()
        .iter()
        .map(|row| SignedTreeHead::parse(&row.get::<_, String>(0)).unwrap())
        .collect()
}

#[test]
fn two_processes_signing_at_the_same_moment_keep_one_log() {
    let Some(url) = tamga_testkit::postgres::fresh_database("shared ledger") else {
        return;
    };
    let story = Story::new();
    let acts = story.clean_delivery();
    let a = process(&story, &url);
    let b = process(&story, &url);
    for act in story
        .registry_acts()
        .iter()
        .chain([&story.log_enrollment()])
    {
        a.replica.store().record(act).unwrap();
    }
    a.replica.publish().unwrap();
    b.replica.catch_up().unwrap();
    let start = story.after();
    // Each records half the acts and signs heads, both at once, with the one log key.
    let heads: Vec<Vec<SignedTreeHead>> = std::thread::scope(|s| {
        let (left, right) = acts.split_at(acts.len() / 2);
        let workers: Vec<_> = [(&a, left), (&b, right)]
            .into_iter()
            .map(|(p, mine)| {
                s.spawn(move || {
                    let keeper = LogKeeper::new(Story::log_key());
                    let mut heads = Vec::new();
                    for (i, act) in mine.iter().enumerate() {
                        p.replica.store().record(act).unwrap();
                        p.replica.publish().unwrap();
                        let now = start.plus_seconds(i as i64);
                        heads.push(keeper.head(&*p.replica, now).unwrap());
                    }
                    heads
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    // Whatever each saw last, a head now is the same at both, over every act once.
    let keeper = LogKeeper::new(Story::log_key());
    let later = start.plus_seconds(600);
    let last = keeper.head(&*a.replica, later).unwrap();
    assert_eq!(keeper.head(&*b.replica, later).unwrap(), last);
    let registry_acts = story.registry_acts().len() as i64 + 1;
    assert_eq!(
        rows(&url, "SELECT count(DISTINCT act) FROM log_leaves"),
        registry_acts + acts.len() as i64
    );
    assert_eq!(
        rows(&url, "SELECT count(*) FROM log_leaves"),
        last.head.size as i64
    );
    // One line of heads: sizes and times in step, each consistent with the one before it,
    // the proofs made by either process.
    let kept = heads_in(&url);
    assert!(kept.len() >= 2, "{kept:?}");
    for pair in kept.windows(2) {
        let (old, new) = (&pair[0].head, &pair[1].head);
        assert!(
            old.size < new.size && old.time <= new.time,
            "{old:?} then {new:?}"
        );
        for p in [&a, &b] {
            let proof = p.replica.log_consistency(old.size, new.size).unwrap();
            verify_consistency(old.size, new.size, &old.root, &new.root, &proof).unwrap();
        }
    }
    // Every head either process answered with is one of them.
    for head in heads.iter().flatten() {
        assert!(
            kept.contains(head),
            "{head:?} is not in the database's line of heads"
        );
    }
    // Every act's receipt is the same from both, and proves against the last head.
    for act in &acts {
        let receipt = a
            .replica
            .log_receipt(&act.id(), last.head.size)
            .unwrap()
            .unwrap();
        assert_eq!(
            b.replica.log_receipt(&act.id(), last.head.size).unwrap(),
            Some(receipt.clone())
        );
        verify_inclusion(
            &receipt.leaf().hash(),
            receipt.index,
            last.head.size,
            &receipt.path,
            &last.head.root,
        )
        .unwrap();
    }
    // A keeper whose key was retired answers with the latest head but signs no new one.
    let retired = LogKeeper::new(Story::log_key());
    retired.retire();
    assert_eq!(
        retired.head(&*a.replica, later.plus_seconds(1)).unwrap(),
        last
    );
    a.replica
        .store()
        .record(&story.seal_checked(500, tamga_core::act::SealState::Intact))
        .unwrap();
    let refused = retired
        .head(&*a.replica, later.plus_seconds(2))
        .unwrap_err();
    assert!(refused.to_string().contains("retired"), "{refused}");
    assert_eq!(heads_in(&url).last(), Some(&last));
}

#[test]
fn a_central_moving_onto_the_database_brings_its_log_and_a_differing_log_is_refused() {
    let Some(url) = tamga_testkit::postgres::fresh_database("shared ledger") else {
        return;
    };
    let story = Story::new();
    let keeper = LogKeeper::new(Story::log_key());
    // A central that kept its log in its own store, then a second one whose log differs (the
    // same acts seen at another time).
    let own_log = |seen: i64| {
        let dir = TempDir::new().unwrap();
        let store = Arc::new(Store::open(dir.path(), &story.authority_id()).unwrap());
        for act in story
            .registry_acts()
            .iter()
            .chain([&story.log_enrollment()])
            .chain(&story.clean_delivery())
        {
            store.record(act).unwrap();
        }
        let head = keeper
            .head(&*store, story.after().plus_seconds(seen))
            .unwrap();
        (dir, store, head)
    };
    let (_first, store, head) = own_log(0);
    let db = Database::open(&url, &story.authority_id()).unwrap();
    let first = Replica::new(Arc::clone(&store), db.clone()).unwrap();
    first.publish().unwrap();
    first.catch_up().unwrap();
    first.adopt_log().unwrap();
    assert_eq!(
        rows(&url, "SELECT size FROM log_state"),
        head.head.size as i64
    );
    assert_eq!(heads_in(&url), vec![head.clone()]);
    // Sequenced again from the feed's start: nothing new, the same head.
    assert_eq!(
        keeper.head(&first, story.after().plus_seconds(60)).unwrap(),
        head
    );

    let (_second, other, _) = own_log(3_600);
    let second = Replica::new(other, db.clone()).unwrap();
    second.publish().unwrap();
    let refused = second.adopt_log().unwrap_err().to_string();
    assert!(
        refused.contains("differs") && refused.contains("store/"),
        "{refused}"
    );

    // A process started afresh takes the log from the database and proves what the first did.
    let fresh = process(&story, &url);
    fresh.replica.catch_up().unwrap();
    fresh.replica.adopt_log().unwrap();
    assert_eq!(fresh.replica.log_size().unwrap(), head.head.size);
    let act = story.clean_delivery()[2].id();
    assert_eq!(
        fresh.replica.log_receipt(&act, head.head.size).unwrap(),
        store.log_receipt(&act, head.head.size).unwrap()
    );
    // Restarted, it compares nothing again and holds the same.
    let Process { _dir: dir, replica } = fresh;
    drop(replica);
    let reopened = Arc::new(Store::open(dir.path(), &story.authority_id()).unwrap());
    let again = Replica::new(reopened, db).unwrap();
    again.adopt_log().unwrap();
    assert_eq!(
        again.store().log_root(head.head.size).unwrap(),
        head.head.root
    );
}

#[test]
fn a_database_of_another_authority_is_refused() {
    let Some(url) = tamga_testkit::postgres::fresh_database("shared ledger") else {
        return;
    };
    let story = Story::new();
    Database::open(&url, &story.authority_id()).unwrap();
    let other = story.vehicle_device.id.clone();
    let refused = Database::open(&url, &other).unwrap_err();
    assert!(
        refused.contains("give this central its own database"),
        "{refused}"
    );
    // Opening it again migrates nothing and keeps the pin.
    Database::open(&url, &story.authority_id()).unwrap();
}

#[test]
fn an_unreachable_database_is_said_so() {
    let port = tamga_testkit::ports::free_port();
    let refused = Database::open(
        &format!("postgres://postgres:secret@127.0.0.1:{port}/none"),
        &Story::new().authority_id(),
    )
    .unwrap_err();
    assert!(
        refused.contains("cannot connect to PostgreSQL"),
        "{refused}"
    );
    assert!(
        !refused.contains("secret"),
        "the password is never shown: {refused}"
    );
}

/// A CA, and a server certificate for `names` it signed: (CA PEM, certificate PEM, key PEM).
fn server_certificate(names: &[&str]) -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "tamga test database CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let params =
        rcgen::CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    (ca_cert.pem(), cert.pem(), key.serialize_pem())
}

#[test]
fn the_link_to_the_database_is_encrypted_and_the_server_checked() {
    let Some(cluster) = tamga_testkit::postgres::OwnCluster::start("TLS to PostgreSQL") else {
        return;
    };
    let story = Story::new();
    let (ca, cert, key) = server_certificate(&["127.0.0.1"]);
    cluster.serve_tls(&cert, &key);
    let dir = TempDir::new().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &ca).unwrap();
    let url = cluster.database("tls");
    let with = |ca: &std::path::Path| {
        format!(
            "{url}?sslmode=verify-full&sslrootcert={}",
            ca.to_str().unwrap()
        )
    };
    // With the server's CA: TLS, every connection of the pool.
    let db = Database::open(&with(&ca_file), &story.authority_id()).unwrap();
    let ssl: bool = db
        .connection()
        .unwrap()
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(ssl, "the connection is encrypted");
    // A server another CA vouches for, or a certificate for another name: refused.
    let (other_ca, _, _) = server_certificate(&["127.0.0.1"]);
    let other_file = dir.path().join("other-ca.pem");
    std::fs::write(&other_file, other_ca).unwrap();
    let refused = Database::open(&with(&other_file), &story.authority_id()).unwrap_err();
    assert!(refused.contains("certificate"), "{refused}");
    let (ca2, cert2, key2) = server_certificate(&["db.hq"]);
    cluster.serve_tls(&cert2, &key2);
    std::fs::write(&ca_file, ca2).unwrap();
    let refused = Database::open(&with(&ca_file), &story.authority_id()).unwrap_err();
    assert!(refused.contains("certificate"), "{refused}");
}

#[test]
fn a_database_of_an_older_schema_is_brought_up_to_date_and_a_newer_one_refused() {
    let Some(url) = tamga_testkit::postgres::fresh_database("schema versions") else {
        return;
    };
    let story = Story::new();
    let sql = |statement: &str| {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client.batch_execute(statement).unwrap();
    };
    // The schema as the first release left it (migration 1 alone), empty: this build brings it
    // to its own and works on it.
    {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        super::embedded::migrations::runner()
            .set_target(refinery::Target::Version(1))
            .run(&mut client)
            .unwrap();
    }
    assert_eq!(
        rows(
            &url,
            "SELECT max(version)::bigint FROM refinery_schema_history"
        ),
        1
    );
    let a = process(&story, &url);
    let latest = super::embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| m.version())
        .max()
        .unwrap();
    assert_eq!(
        rows(
            &url,
            "SELECT max(version)::bigint FROM refinery_schema_history"
        ),
        i64::from(latest)
    );
    for act in story.registry_acts().iter().chain(&story.clean_delivery()) {
        a.replica.store().record(act).unwrap();
    }
    a.replica.publish().unwrap();
    let (assessment, _) = crate::reports::test_support::story_assessment(&story);
    let record = crate::reconcile::Record::of(&assessment, &[]);
    let set = super::RowSet::of(&assessment, &record, 1, chrono_tz::Asia::Bishkek);
    a.replica.write_rows(&[set]).unwrap();
    let ranked = "SELECT count(*) FROM consignment_rows WHERE listing_rank IS NOT NULL";
    assert_eq!(rows(&url, ranked), 1);
    // Rows written before the last migration (as its version left them): the migration run
    // again at the next start fills what it adds.
    sql(&format!(
        "DROP INDEX consignment_rows_status_listing; \
         ALTER TABLE consignment_rows DROP COLUMN listing_rank; \
         DELETE FROM refinery_schema_history WHERE version = {latest}"
    ));
    let b = process(&story, &url);
    assert_eq!(
        rows(&url, ranked),
        1,
        "the rows of the older schema are ranked"
    );
    assert_eq!(
        b.replica.catch_up().unwrap(),
        rows(&url, "SELECT position FROM feed_position") as u64
    );
    // A schema a newer build made: refused, saying so, and left as it was.
    sql(&format!(
        "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) \
         VALUES ({}, 'from_a_newer_build', \
         to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '0')",
        latest + 1
    ));
    let refused = match super::Database::open(&url, &story.authority_id()) {
        Err(e) => e,
        Ok(_) => panic!("a newer schema was taken"),
    };
    assert!(
        refused.contains(&format!("has schema version {}", latest + 1))
            && refused.contains("upgrade this one"),
        "{refused}"
    );
    assert_eq!(
        rows(
            &url,
            "SELECT max(version)::bigint FROM refinery_schema_history"
        ),
        i64::from(latest + 1)
    );
}
