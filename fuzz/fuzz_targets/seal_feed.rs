//! Hostile bytes as a navigation seal operator's feed, imported into a real store holding the
//! story's tracked trip (a corridor, a navigation seal).
//!
//! Two ways in, tried on every input:
//! - the bytes as a feed file, as the operator's system posts it or a crew is handed it:
//!   `parse` and `import` must agree on refusing, and a refused feed changes nothing in the
//!   store (its feed position stays); an accepted one imports again as a no-op;
//! - the bytes as the JSON of a batch's events, signed by the story's enrolled operator: this
//!   reaches past the signature, to the seal numbers, times, kinds and coordinates a faulty or
//!   compromised operator could send.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tamga_core::act::{ActBody, SealEvent, SealEventsReported};
use tamga_core::fixtures::road::Road;
use tamga_core::fixtures::Story;
use tamga_core::{SignedAct, Timestamp};
use tamga_store::Store;
use tamga_sync::seal_feed;

struct World {
    story: Story,
    store: Store,
    now: Timestamp,
    _dir: tempfile::TempDir,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let story = Story::new();
        let road = Road::new(&story);
        // In memory where the machine has it: an accepted feed is made durable.
        let dir = match tempfile::tempdir_in("/dev/shm") {
            Ok(dir) => dir,
            Err(_) => tempfile::tempdir().expect("a temporary directory"),
        };
        let store = Store::open(dir.path(), &story.authority_id()).expect("a store");
        for act in story.registry_acts().iter().chain(&road.registry_acts()) {
            store.record(act).expect("the registry acts record");
        }
        for act in road.acts(600) {
            if !matches!(act.body(), ActBody::SealEventsReported(_)) {
                store.record(&act).expect("the trip records");
            }
        }
        World {
            now: story.t(120),
            story,
            store,
            _dir: dir,
        }
    })
}

/// Imports `bytes`; a refusal must leave the store's feed where it was.
fn import_checked(w: &World, bytes: &[u8]) -> bool {
    let before = w.store.last_seq().expect("last_seq");
    match seal_feed::import(&w.store, bytes, w.now) {
        Ok(report) => {
            assert!(report.new <= report.acts && report.acts >= 1);
            let position = w.store.last_seq().expect("last_seq");
            let again = seal_feed::import(&w.store, bytes, w.now)
                .expect("an accepted feed imports again");
            assert_eq!(again.new, 0, "{again:?}");
            assert_eq!(w.store.last_seq().expect("last_seq"), position);
            true
        }
        Err(e) => {
            let after = w.store.last_seq().expect("last_seq");
            assert_eq!(before, after, "a refused feed changed the store: {e}");
            false
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let w = world();

    // As a feed file.
    let parsed = seal_feed::parse(data);
    let imported = import_checked(w, data);
    if parsed.is_err() {
        assert!(!imported, "import accepted a feed that parse refuses");
    }

    // As a batch's events, signed by the enrolled operator.
    if let Ok(events) = serde_json::from_slice::<Vec<SealEvent>>(data) {
        let road = Road::new(&w.story);
        let body = ActBody::SealEventsReported(SealEventsReported {
            consignment: w.story.consignment.clone(),
            at: w.now,
            operator: road.operator.id.clone(),
            events,
        });
        // Content the act rules refuse is refused at signing: nothing to import.
        if let Ok(act) = SignedAct::sign(body, &[&road.operator.key]) {
            let mut feed = act.encode();
            feed.push(b'\n');
            import_checked(w, &feed);
        }
    }
});
