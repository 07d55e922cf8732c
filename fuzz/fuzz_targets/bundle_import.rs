//! Hostile bytes as a bundle file, opened against the reference story's registry and imported
//! into a real store.
//!
//! Two ways in, tried on every input:
//! - the bytes as a bundle file, as found on a USB stick: `open` and `import` must agree on
//!   refusing, and a refused file changes nothing in the store (its feed position stays);
//! - the bytes as the plain contents of a bundle (the postcard message inside the frame),
//!   sealed by the story's enrolled vehicle device: this reaches past the signature, to the
//!   document keys and automerge bytes a faulty or compromised enrolled device could send. A
//!   refused bundle still changes nothing; an accepted one imports again as a no-op.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tamga_core::fixtures::Story;
use tamga_core::{KeyId, Registry};
use tamga_store::Store;
use tamga_sync::bundle::{self, Bundle};

struct World {
    story: Story,
    registry: Registry,
    me: KeyId,
    store: Store,
    _dir: tempfile::TempDir,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let story = Story::new();
        // In memory where the machine has it: each input's merge flushes the store, and a
        // disk's flush would be most of the time spent, with nothing to learn from it.
        let dir = match tempfile::tempdir_in("/dev/shm") {
            Ok(dir) => dir,
            Err(_) => tempfile::tempdir().expect("a temporary directory"),
        };
        let store = Store::open(dir.path(), &story.authority_id()).expect("a store");
        for act in story.registry_acts() {
            store.record(&act).expect("the registry acts record");
        }
        // Central's log key, so that carried tree heads can hold.
        store
            .record(&story.log_enrollment())
            .expect("the log key's enrollment records");
        World {
            registry: store.registry(),
            me: story.escort_lead.id.clone(),
            story,
            store,
            _dir: dir,
        }
    })
}

/// Imports `bytes`; a refusal must leave the store's feed where it was. Returns whether the
/// import was accepted.
fn import_checked(w: &World, bytes: &[u8]) -> bool {
    let before = w.store.last_seq().expect("last_seq");
    let r = bundle::import(&w.store, bytes, &w.me, &[], w.story.t(30));
    if std::env::var_os("TAMGA_FUZZ_DEBUG").is_some() {
        eprintln!(
            "import: {r:?}, last_seq {before} -> {:?}",
            w.store.last_seq()
        );
    }
    match r {
        Ok(report) => {
            assert!(report.changed <= report.documents);
            // Importing the same bundle again merges nothing new.
            let position = w.store.last_seq().expect("last_seq");
            let again = bundle::import(&w.store, bytes, &w.me, &[], w.story.t(30))
                .expect("an accepted bundle imports again");
            assert_eq!((again.changed, again.new_acts), (0, 0), "{again:?}");
            assert_eq!(w.store.last_seq().expect("last_seq"), position);
            true
        }
        Err(e) => {
            let after = w.store.last_seq().expect("last_seq");
            assert_eq!(before, after, "a refused bundle changed the store: {e}");
            false
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let w = world();

    // As a file.
    let opened = bundle::open(data, &w.registry, &w.me);
    let imported = import_checked(w, data);
    if opened.is_err() {
        assert!(!imported, "import accepted a file that open refuses");
    }

    // As the contents of a bundle sealed by an enrolled device.
    if let Ok(mut contents) = postcard::from_bytes::<Bundle>(data) {
        let h = &mut contents.header;
        h.authority = w.story.authority_id().to_string();
        h.exporter = w.story.vehicle_device.id.to_string();
        h.created_at = w.story.t(30).unix();
        if h.addressee.is_some() {
            h.addressee = Some(w.me.to_string());
        }
        if let Ok(sealed) = bundle::seal(&contents, &w.story.vehicle_device.key) {
            let opened: Bundle = bundle::open(&sealed, &w.registry, &w.me)
                .expect("a bundle sealed by an enrolled device opens");
            assert_eq!(opened, contents);
            import_checked(w, &sealed);
        }
    }
});
