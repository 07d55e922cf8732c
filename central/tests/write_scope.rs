//! Who may write what, on real processes: a running `tamga-central`, the story's airport post
//! and a real node of an unrelated post (Tokmok road), whose enrolled officer signs an escort
//! assignment for the story's consignment naming their own post as the escort unit. Before, that act made the
//! unit "concerned", and the next sync handed the unrelated post the whole consignment.
//!
//! By every path the act can take, the Tokmok node never receives the consignment:
//! - pushed to central by a modified client (a sync message carrying the whole document):
//!   central refuses the write (nothing merged) and lists it in its refusals as `out_of_scope`;
//! - its own node's sync with central;
//! - a bundle sealed for the airport post, imported there: refused whole, the post unchanged;
//! - the act's file recorded at the airport post (a route post) and synced on to central: the
//!   act does not hold there (`not_permitted`, with the act as proof), widens no scope.
//!
//! On the code before write scope and `assessment::permission`, the crafted push was merged and
//! the bundle accepted, and the Tokmok node's next sync brought it the consignment.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use tamga_core::act::{ActBody, Place};
use tamga_core::fixtures::{self, unit};
use tamga_core::{Role, Timestamp};
use tamga_store::{DocId, Store, Writer};
use tamga_sync::session::{DocMessage, Request};

#[test]
fn an_unrelated_post_s_escort_assignment_gives_it_nothing_by_any_path() {
    let stranger = person(
        "Erlan Tokmok",
        "KG-0999",
        Role::PostOfficer,
        fixtures::OTHER_POST,
    );
    // A second device of the Tokmok post, its key in the test's hands: a modified client.
    let laptop = person(
        "tokmok road post PC",
        "",
        Role::Device,
        fixtures::OTHER_POST,
    );
    let scene = Scene::new(|hq| {
        enroll(hq, &stranger, fixtures::OTHER_POST, "post_officer");
        enroll(hq, &laptop, fixtures::OTHER_POST, "device");
    });
    let story = &scene.story;
    let tokmok = scene.root.path().join("tokmok");
    scene.enrolled_node(
        &tokmok,
        "post",
        fixtures::OTHER_POST,
        "tokmok road post laptop",
    );
    sync_post_with_central(&scene.edge, &tokmok, &scene.url, &scene.central_device);

    // The Tokmok officer assigns "an escort" to the consignment at the Tokmok post.
    let ActBody::EscortAssigned(mut body) = story.escort_assigned().body().clone() else {
        unreachable!("an escort assignment")
    };
    body.officer = stranger.id.clone();
    body.place = Place::Post {
        unit: unit(fixtures::OTHER_POST),
    };
    // Its own post as "the escort unit": before, that made the post concerned.
    body.escort_unit = unit(fixtures::OTHER_POST);
    body.at = story.t(20);
    let forged = story.sign(ActBody::EscortAssigned(body), &[&stranger]);
    // It holds a copy of the registration too (an act is signed data; copies get around).
    let file = scene.root.path().join("assignment.acts");
    write_acts(&file, &[story.registration(), forged.clone()]);
    must(
        &scene.edge,
        &tokmok,
        &["record", file.to_str().unwrap()],
        "",
    );

    let holds_nothing = |what: &str| {
        let r = run(
            &scene.edge,
            &tokmok,
            &["show", story.consignment.as_str(), "--json"],
            "",
        );
        assert!(r.ok, "{}", r.stderr);
        // The two acts it recorded itself, and nothing of what the post and central hold (not
        // the seal applied at the airport, not the crew's handoff).
        let view: Value = serde_json::from_str(&r.stdout).unwrap();
        let text = view.to_string();
        assert!(
            !text.contains(story.seal.as_str())
                && view["act_details"].as_array().map(Vec::len) == Some(2),
            "{what}: the Tokmok node received the consignment: {text}"
        );
    };

    // 1. A modified client pushes the acts to central directly: a sync message carrying the
    // whole document, as if central had answered that it holds nothing of it.
    let central = tamga_core::KeyId::new(scene.central_device.clone()).unwrap();
    let doc = DocId::Consignment(story.consignment.clone());
    let scratch_dir = tempfile::tempdir().unwrap();
    // Only to make the automerge bytes: pinned to the fixtures' authority, which signs the same
    // people's enrollments.
    let scratch = Store::open(scratch_dir.path(), &story.authority_id()).unwrap();
    for act in story.registry_acts() {
        scratch.record(&act).unwrap();
    }
    scratch.record(&story.enrollment(&stranger)).unwrap();
    scratch.record(&story.registration()).unwrap();
    scratch.record(&forged).unwrap();
    let opening = scratch
        .generate_sync_message(&doc, "central")
        .unwrap()
        .unwrap();
    let nothing_here = tamga_store::blank_sync_reply(&opening).unwrap();
    scratch
        .receive_sync_message(&doc, "central", &nothing_here, &Writer::Anyone)
        .unwrap();
    let push = scratch
        .generate_sync_message(&doc, "central")
        .unwrap()
        .unwrap();
    assert!(tamga_store::sync_message_carries_changes(&push).unwrap());
    let before = scene.central_view();
    let key = |d: &DocId| String::from_utf8(d.to_key()).unwrap();
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).unwrap();
    let (status, _, _, _) = raw_sync(
        &scene.http,
        &laptop.key,
        &central,
        &Request::Sync {
            messages: vec![DocMessage {
                doc: key(&doc),
                message: push,
            }],
        },
        Timestamp::now(),
        nonce,
    );
    assert_eq!(status, 200);
    let refused: Vec<Value> = scene
        .refusals()
        .into_iter()
        .filter(|r| r["reason"] == "out_of_scope")
        .collect();
    assert!(
        refused
            .iter()
            .any(|r| r["claimed_key"] == laptop.id.as_str()
                && r["message"]
                    .as_str()
                    .unwrap()
                    .contains(story.consignment.as_str())),
        "{refused:?}"
    );
    assert_eq!(
        scene.central_view()["acts"],
        before["acts"],
        "nothing merged"
    );
    assert!(
        metric(
            &scene.http,
            "tamga_central_sync_refusals_total{reason=\"out_of_scope\"}"
        ) >= 1
    );

    // The real Tokmok node syncs (twice: the second session would bring what the first let in).
    for _ in 0..2 {
        let out = must(&scene.edge, &tokmok, &["sync"], "");
        assert!(out.contains("central: synced"), "{out}");
    }
    assert_eq!(
        scene.central_view()["acts"],
        before["acts"],
        "nothing merged"
    );
    holds_nothing("after syncing with central");

    // 2. A bundle sealed for the airport post (which knows the Tokmok device from the registry):
    // refused whole at import.
    scene.refresh_enrollment(&scene.post);
    let bundle = scene.root.path().join("tokmok.bundle");
    must(
        &scene.edge,
        &tokmok,
        &[
            "export-bundle",
            "--out",
            bundle.to_str().unwrap(),
            "--for",
            &scene.post_device,
        ],
        "",
    );
    let status = |dir: &Path| -> Value {
        serde_json::from_str(&must(&scene.edge, dir, &["status", "--json"], "")).unwrap()
    };
    let post_before = status(&scene.post);
    let r = run(
        &scene.edge,
        &scene.post,
        &["import-bundle", bundle.to_str().unwrap()],
        "",
    );
    assert!(!r.ok, "refused: {}", r.stdout);
    assert!(
        r.stderr.contains("nothing was merged") && r.stderr.contains(fixtures::OTHER_POST),
        "{}",
        r.stderr
    );
    assert_eq!(
        status(&scene.post)["feed_position"],
        post_before["feed_position"]
    );
    scene.sync();
    must(&scene.edge, &tokmok, &["sync"], "");
    holds_nothing("after the bundle and the post's sync");

    // 3. The act's file recorded at the airport post, then synced on: it does not hold.
    let _ = scene.record_at_post(std::slice::from_ref(&forged));
    scene.sync();
    wait_for("central assesses the forged assignment", || {
        scene.open_discrepancies().iter().any(|(kind, acts)| {
            kind == "not_permitted" && acts.to_string().contains(&forged.id().to_string()[..12])
        }) || !scene.central_view()["acts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.to_string().contains(&forged.id().to_string()))
    });
    let view = scene.central_view();
    assert!(
        view["state"]["escort"].is_null()
            || view["state"]["escort"]["unit"] != fixtures::OTHER_POST,
        "no escort of Tokmok's in force: {}",
        view["state"]
    );
    must(&scene.edge, &tokmok, &["sync"], "");
    holds_nothing("after the act reached central through the airport post");
}
