//! A full disk gives [`StoreError::DiskFull`], not a panic, and nothing acknowledged is lost.
//!
//! Needs a small filesystem, so it runs only when `TAMGA_SMALL_FS` names a directory on one,
//! e.g. as root:
//!
//! ```sh
//! mkdir -p /tmp/tiny && mount -t tmpfs -o size=3m tmpfs /tmp/tiny
//! TAMGA_SMALL_FS=/tmp/tiny cargo test -p tamga-store --test disk_full -- --ignored --nocapture
//! ```

use tamga_core::fixtures::stream;
use tamga_core::fixtures::Story;
use tamga_store::{Store, StoreError};

#[test]
#[ignore = "needs TAMGA_SMALL_FS on a small filesystem; .ci/run mounts one when it can"]
fn a_full_disk_is_reported_and_loses_nothing() {
    let small = std::env::var("TAMGA_SMALL_FS")
        .expect("set TAMGA_SMALL_FS to a directory on a small filesystem (see the module doc)");
    let dir = std::path::Path::new(&small).join(format!("store-{}", std::process::id()));
    let story = Story::new();
    let mut acked = Vec::new();
    let mut error = None;
    {
        let store = Store::open(&dir, &story.authority_id()).unwrap();
        for act in story.registry_acts() {
            store.record(&act).unwrap();
        }
        for n in 0..1_000_000 {
            match store.record(&stream::registration(&story, n)) {
                Ok(r) => acked.push((r.doc, r.act)),
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        let error = error.expect("the disk filled up");
        eprintln!("after {} acts: {error}", acked.len());
        assert!(matches!(error, StoreError::DiskFull { .. }), "{error}");
        assert!(error.to_string().contains("free some space"));
        // After an I/O error sled refuses further work until reopened, so a read may report the
        // full disk too; what it does answer must be true.
        for (doc, act) in &acked {
            match store.has_act(doc, act) {
                Ok(present) => assert!(present, "{act} of {doc} lost"),
                Err(e) => assert!(matches!(e, StoreError::DiskFull { .. }), "{e}"),
            }
        }
    }
    // Reopen on the still-full disk: either it opens and every acknowledged act is there, or
    // it says the disk is full.
    match Store::open(&dir, &story.authority_id()) {
        Ok(store) => {
            for (doc, act) in &acked {
                assert!(store.has_act(doc, act).unwrap(), "{act} of {doc} lost");
            }
            assert!(matches!(
                store.record(&stream::registration(&story, 0)),
                Ok(_) | Err(StoreError::DiskFull { .. })
            ));
        }
        Err(e) => assert!(matches!(e, StoreError::DiskFull { .. }), "{e}"),
    }
    std::fs::remove_dir_all(&dir).ok();
}
