use super::*;
use crate::config::NodeRole;
use crate::desk::{test_node, test_pins, Desk};
use ed25519_dalek::SigningKey;
use tamga_core::fixtures::{key, unit, Story, AIRPORT_POST};
use tamga_core::signing::key_id;
use tamga_core::KeyId;
use tamga_sync::scope::Scope;
use tamga_sync::session::{respond, Initiator, Step};

fn hq() -> Vec<UnitCode> {
    vec![unit("HQ-RECON")]
}

/// A post node holding the story's clean delivery, its central device enrolled, and central's
/// store holding the same; `synced`: the post's last sync with central shared everything.
struct Setup {
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    story: Story,
    post: crate::node::Node,
    central: Store,
    post_key: KeyId,
    central_key: KeyId,
}

fn setup() -> Setup {
    let story = Story::new();
    let (pd, cd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let post = test_node(pd.path(), NodeRole::Post, AIRPORT_POST, &story);
    let (post_device, central_device): (SigningKey, SigningKey) = (key("post"), key("central"));
    let central = Store::open(cd.path(), &story.authority_id()).unwrap();
    for act in story.registry_acts() {
        central.record(&act).unwrap();
    }
    for store in [&*post.store, &central] {
        store
            .record(&story.device_enrollment(&key_id(&post_device), AIRPORT_POST, AIRPORT_POST))
            .unwrap();
        store
            .record(&story.device_enrollment(&key_id(&central_device), "HQ-RECON", "HQ-RECON"))
            .unwrap();
    }
    for act in story.clean_delivery() {
        post.store.record(&act).unwrap();
    }
    Setup {
        _dirs: (pd, cd),
        story,
        post,
        central,
        post_key: key_id(&post_device),
        central_key: key_id(&central_device),
    }
}

impl Setup {
    /// The post syncs with central in one whole session.
    fn sync(&self) {
        let scope = Scope::of(&unit(AIRPORT_POST), &hq());
        let mut session = Initiator::new(&self.post.store, self.central_key.clone(), Scope::All);
        let mut request = session.start().unwrap();
        loop {
            let response = respond(&self.central, &self.post_key, &scope, request).unwrap();
            match session.receive(response).unwrap() {
                Step::Send(next) => request = next,
                Step::Done(_) => break,
            }
        }
    }

    fn doc(&self) -> DocId {
        DocId::Consignment(self.story.consignment.clone())
    }

    fn shelf(&self) -> Shelf {
        Shelf::of(&self.post.dir)
    }

    fn days_after_delivery(&self, days: i64) -> Timestamp {
        let delivered = self
            .post
            .store
            .assessment(&self.story.consignment, self.story.t(0))
            .unwrap()
            .state
            .delivered_at
            .unwrap();
        delivered.plus_seconds(days * 86_400)
    }
}

#[test]
fn a_post_archives_only_what_is_closed_long_enough_and_central_holds() {
    let s = setup();
    let shelf = s.shelf();
    let later = s.days_after_delivery(100);
    // Central does not hold it: never archived, however old.
    let pass = archive_closed(&s.post.store, &shelf, &hq(), 30, later).unwrap();
    assert_eq!(pass, ArchivePass::default());
    assert!(shelf.files().unwrap().is_empty());
    s.sync();
    // Central holds it, but delivered only 20 days ago: kept.
    let pass = archive_closed(&s.post.store, &shelf, &hq(), 30, s.days_after_delivery(20)).unwrap();
    assert_eq!(pass.archived, 0);
    // 31 days after: archived into one file and forgotten in the live store.
    let acts_before = s.post.store.acts(&s.doc()).unwrap();
    let now = s.days_after_delivery(31);
    let pass = archive_closed(&s.post.store, &shelf, &hq(), 30, now).unwrap();
    assert_eq!(pass.archived, 1);
    assert_eq!(
        pass.files,
        vec![format!("{}-1.archive", &now.to_string()[..10])]
    );
    assert!(s.post.store.is_forgotten(&s.doc()).unwrap());
    assert!(s.post.store.acts(&s.doc()).unwrap().is_empty());
    assert!(s.post.store.check().unwrap().is_empty());
    // The file is read-only and holds every act as it was held.
    let file = &shelf.files().unwrap()[0];
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o400);
    }
    let (found, document) = shelf.document(&s.story.consignment).unwrap();
    assert_eq!(found.summary.acts, acts_before.len());
    let (acts, rejected) =
        tamga_store::saved::acts(&s.doc(), &document, &s.post.store.registry()).unwrap();
    assert!(rejected.is_empty());
    let mut ids: Vec<_> = acts.iter().map(|a| a.id()).collect();
    let mut before: Vec<_> = acts_before.iter().map(|a| a.id()).collect();
    ids.sort();
    before.sort();
    assert_eq!(ids, before);
    // A second pass finds nothing to do.
    let pass = archive_closed(&s.post.store, &shelf, &hq(), 30, now).unwrap();
    assert_eq!(pass, ArchivePass::default());
    assert_eq!(shelf.files().unwrap().len(), 1);
}

#[test]
fn the_file_is_durable_before_anything_is_forgotten_and_a_crash_between_loses_and_doubles_nothing()
{
    let s = setup();
    s.sync();
    let shelf = s.shelf();
    let now = s.days_after_delivery(400);
    let ids = vec![s.story.consignment.clone()];
    // Between the file and the forgetting: the file exists and holds it, the store still does.
    let mut seen = false;
    archive_these_with(&s.post.store, &shelf, &ids, now, &mut |summaries| {
        seen = true;
        assert_eq!(summaries[0].consignment, s.story.consignment);
        assert!(shelf.document(&s.story.consignment).is_ok());
        assert!(!s.post.store.is_forgotten(&s.doc()).unwrap());
        assert!(!s.post.store.acts(&s.doc()).unwrap().is_empty());
    })
    .unwrap();
    assert!(seen);

    // A crash after the file was written, before the forgetting: the consignment is in both.
    let s = setup();
    s.sync();
    let shelf = s.shelf();
    let written = shelf
        .write(
            &[entry(&s.post.store, &s.story.consignment, now).unwrap()],
            now,
        )
        .unwrap();
    assert!(!s.post.store.is_forgotten(&s.doc()).unwrap());
    // The next pass forgets it without a second copy.
    let pass = archive_closed(&s.post.store, &shelf, &hq(), 30, now).unwrap();
    assert_eq!(
        pass,
        ArchivePass {
            already: 1,
            ..ArchivePass::default()
        }
    );
    assert_eq!(shelf.files().unwrap(), vec![written]);
    assert!(s.post.store.is_forgotten(&s.doc()).unwrap());
    let (found, _) = shelf.search("").unwrap();
    assert_eq!(found.len(), 1);
}

#[test]
fn a_consignment_changed_since_an_interrupted_pass_is_archived_again_and_the_latest_copy_shown() {
    let s = setup();
    let shelf = s.shelf();
    let now = s.days_after_delivery(400);
    let acts = s.story.clean_delivery();
    // An old copy archived (a crash before the forgetting), then a new act arrives.
    let old = crate::archive::entry(&s.post.store, &s.story.consignment, now).unwrap();
    shelf.write(&[old], now).unwrap();
    s.post
        .store
        .annotate(&s.doc(), "note", "seen again")
        .unwrap();
    s.sync();
    let pass = archive_closed(&s.post.store, &shelf, &hq(), 30, now).unwrap();
    assert_eq!(pass.archived, 1);
    assert_eq!(shelf.files().unwrap().len(), 2);
    let (found, document) = shelf.document(&s.story.consignment).unwrap();
    assert!(found.file.ends_with("-2.archive"));
    let (held, _) =
        tamga_store::saved::acts(&s.doc(), &document, &s.post.store.registry()).unwrap();
    assert!(held.len() >= acts.len());
}

#[test]
fn a_refused_file_stops_the_pass_and_is_named_by_a_search() {
    let s = setup();
    s.sync();
    let shelf = s.shelf();
    let now = s.days_after_delivery(400);
    std::fs::create_dir_all(shelf.dir()).unwrap();
    std::fs::write(shelf.dir().join("2020-01-01-1.archive"), b"TAMGAARC edited").unwrap();
    let e = archive_closed(&s.post.store, &shelf, &hq(), 30, now).unwrap_err();
    assert!(
        e.to_string().contains("2020-01-01-1.archive is refused"),
        "{e}"
    );
    assert!(!s.post.store.is_forgotten(&s.doc()).unwrap());
    let (found, refused) = shelf.search("").unwrap();
    assert!(found.is_empty());
    assert_eq!(refused.len(), 1);
}

#[test]
fn search_finds_by_number_and_goods_and_export_gives_acts_that_verify_elsewhere() {
    let s = setup();
    s.sync();
    let now = s.days_after_delivery(400);
    let pins = test_pins(&s.post);
    let desk = Desk::new(&s.post, &pins);
    let live = desk.consignment_view(&s.story.consignment, now).unwrap();
    assert_eq!(desk.archive_pass(30, now).unwrap().archived, 1);
    let number = s.story.consignment.to_string();
    let tail = &number[number.len() - 5..];
    for query in [number.as_str(), tail, "rough DIAMONDS", "diamonds unworked"] {
        let listing = desk.archive_search(query).unwrap();
        assert_eq!(listing.rows.len(), 1, "{query}");
        assert_eq!(listing.rows[0].consignment, number);
    }
    assert!(desk.archive_search("gold").unwrap().rows.is_empty());
    // Shown as a live one was.
    let shown = desk.archived(&s.story.consignment, now).unwrap();
    assert_eq!(shown.view.assessment, live.assessment);
    assert_eq!(shown.view.acts.len(), live.acts.len());
    assert!(matches!(
        desk.archived(&ConsignmentId::new("10609050/010101/0000001").unwrap(), now),
        Err(crate::desk::DeskError::Archive(ArchiveError::NotArchived(
            _
        )))
    ));
    // Exported, the acts record on a fresh node and assess the same.
    let text = desk.archived_acts_text(&s.story.consignment).unwrap();
    let other_dir = tempfile::tempdir().unwrap();
    let other = test_node(other_dir.path(), NodeRole::Post, AIRPORT_POST, &s.story);
    let other_pins = test_pins(&other);
    let recorded = Desk::new(&other, &other_pins)
        .record_acts_text(&text)
        .unwrap();
    assert_eq!(recorded, live.acts.len());
    assert_eq!(
        other.store.assessment(&s.story.consignment, now).unwrap(),
        live.assessment
    );
}
