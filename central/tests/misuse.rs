//! Forgery and misuse on real processes: a running `tamga-central` and real `tamga-edge` nodes.
//!
//! Each test sets up central serving with the story's people enrolled and the airport post
//! holding the story up to the seal check on the road, synced with central ([`common::Scene`]);
//! then it tries one misuse and checks that it is refused or flagged with a clear reason, that
//! nothing else changed, and that central shows it (its JSON API and `/metrics`):
//!
//! - acts signed by an unenrolled key, by a key revoked before the act's time, by a key outside
//!   its validity, and a handoff whose second signature is forged or missing: the post's CLI
//!   refuses each with the reason; slipped into the post's store as a peer's change would bring
//!   it, it travels to central with the next sync, where it is left out of the assessment with
//!   its discrepancy (or listed as unreadable) and the custody, seals and other acts stay as
//!   they were. (An act edited after signing is the same path: `tests/serve.rs`.)
//! - the same acts arriving twice (recorded again at the post, and recorded independently by a
//!   second node that syncs too): no duplicate, no new discrepancy;
//! - a sync captured on the wire: TLS records only (no request, credential, consignment or device
//!   key readable); sent again byte for byte, each stream fails the handshake, is listed in
//!   central's refusal log, and nothing is merged (a signed request replayed inside TLS is
//!   refused as "replayed": `crates/tamga-node/tests/transport.rs`);
//! - a device of another unit asking central for the consignment (a real node syncing, and a
//!   hand-made request naming the document): it receives nothing of it, while the escort's
//!   device asking the same way does;
//! - a bundle file of another customs authority: `tamga-edge import-bundle` refuses it naming
//!   both authorities, the store unchanged;
//! - a device's clock off: a request dated an hour ago is refused with a reason naming the
//!   clock; an act dated two days ahead is flagged as a clock anomaly at central.

mod common;

use common::*;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use tamga_core::act::{ActBody, Place, SealChecked, SealState};
use tamga_core::fixtures::{self, text, Story};
use tamga_core::{Role, SignedAct, Timestamp};
use tamga_store::DocId;
use tamga_sync::session::{DocMessage, Request, Response};

/// A seal check on the road at `at`, signed by `officer` (who need not be allowed to sign it).
fn seal_check_by(
    story: &Story,
    officer: &fixtures::Person,
    at: Timestamp,
    state: SealState,
) -> SignedAct {
    story.sign(
        ActBody::SealChecked(SealChecked {
            consignment: story.consignment.clone(),
            at,
            officer: officer.id.clone(),
            place: Place::Road {
                description: text("Bishkek ring road, km 20"),
                coordinates: None,
            },
            seal: story.seal.clone(),
            state,
            note: None,
        }),
        &[officer],
    )
}

/// The acts of a central view that hold, by id.
fn held(view: &Value) -> Vec<String> {
    let mut ids: Vec<String> = view["acts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["verified"] == true)
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// A forged act: the post refuses to record it (saying `post_says`), and the post's store is
/// unchanged; slipped into the post's store, it reaches central with the next sync, where it is
/// shown not verified with `central_says` and its discrepancy `kind` proven by it, and nothing
/// else changed: the same acts hold, the assessment's state is the same, no other discrepancy.
fn forged_act_is_refused_and_flagged(
    scene: &Scene,
    forged: &SignedAct,
    post_says: &str,
    kind: &str,
    central_says: &str,
) {
    let post_before = scene.post_view();
    let err = scene
        .record_at_post(std::slice::from_ref(forged))
        .expect_err("the post refuses the forged act");
    assert!(err.contains(post_says), "the post says why: {err}");
    assert_eq!(
        scene.post_view(),
        post_before,
        "nothing recorded at the post"
    );

    let before = scene.central_view();
    let discrepancies_before = scene.open_discrepancies();
    let failures_before = metric(&scene.http, "tamga_central_verification_failures");
    slip_into_store(
        &scene.post,
        &scene.authority,
        &DocId::of_act(forged),
        &forged.id(),
        &forged.encode(),
    );
    scene.sync();
    scene.wait_for_acts(before["acts"].as_array().unwrap().len() + 1);

    let after = scene.central_view();
    let id = forged.id().to_hex();
    let shown = after["acts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id.as_str())
        .expect("central shows the forged act in the timeline");
    assert_eq!(shown["verified"], false, "{shown}");
    let because = shown["rejected_because"].as_str().unwrap();
    assert!(because.contains(central_says), "{because}");
    assert_eq!(held(&after), held(&before), "the same acts hold");
    assert_eq!(
        after["assessment"]["state"], before["assessment"]["state"],
        "custody, seals and route are as they were"
    );
    let mut expected = discrepancies_before;
    expected.push((kind.to_owned(), serde_json::json!([id])));
    expected.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.to_string().cmp(&b.1.to_string())));
    assert_eq!(
        scene.open_discrepancies(),
        expected,
        "one new discrepancy, proven by the forged act"
    );
    assert_eq!(
        metric(&scene.http, "tamga_central_verification_failures"),
        failures_before + 1
    );
}

#[test]
fn an_act_signed_by_an_unenrolled_key_is_refused_at_the_post_and_flagged_at_central() {
    let scene = Scene::new(|_| {});
    let story = &scene.story;
    let forged = seal_check_by(story, &story.outsider, story.t(62), SealState::Damaged);
    forged_act_is_refused_and_flagged(
        &scene,
        &forged,
        "not enrolled",
        "unknown_key",
        "not enrolled",
    );
}

#[test]
fn an_act_signed_by_a_key_revoked_before_its_time_is_flagged() {
    let revoked = person(
        "Askar Revoked",
        "KG-1199",
        Role::EscortOfficer,
        fixtures::ESCORT_UNIT,
    );
    let scene = Scene::new(|hq| {
        enroll(hq, &revoked, fixtures::ESCORT_UNIT, "escort_officer");
        let out = must(
            Path::new(CENTRAL),
            hq,
            &[
                "revoke",
                "--key",
                revoked.id.as_str(),
                "--reason",
                "personal seal lost",
                "--effective-from",
                "2026-11-23T06:45:00Z",
            ],
            "",
        );
        assert!(out.contains("revoked"), "{out}");
    });
    let story = &scene.story;
    // Signed at 07:02, after the revocation took effect at 06:45.
    let forged = seal_check_by(story, &revoked, story.t(62), SealState::Damaged);
    forged_act_is_refused_and_flagged(&scene, &forged, "revoked", "revoked_key", "revoked");
}

#[test]
fn an_act_signed_outside_the_keys_validity_is_flagged() {
    let expired = person(
        "Bolot Expired",
        "KG-1188",
        Role::EscortOfficer,
        fixtures::ESCORT_UNIT,
    );
    let scene = Scene::new(|hq| {
        enroll_until(
            hq,
            &expired,
            fixtures::ESCORT_UNIT,
            "escort_officer",
            "2026-06-01",
        );
    });
    let story = &scene.story;
    let forged = seal_check_by(story, &expired, story.t(62), SealState::Damaged);
    forged_act_is_refused_and_flagged(
        &scene,
        &forged,
        "not valid at",
        "expired_key",
        "not valid at",
    );
}

#[test]
fn a_handoff_with_a_forged_second_signature_changes_no_custody() {
    let scene = Scene::new(|_| {});
    let story = &scene.story;
    let acts = story.clean_delivery();
    // The escort lead hands over to the Department; the Department officer never signed: the
    // second signature names the officer's key but is made with another.
    let real = &acts[7];
    let ActBody::CustodyTransferred(_) = real.body() else {
        panic!("the eighth act of the story is the handoff to the Department")
    };
    let mut signatures = real.signatures().to_vec();
    let fake = tamga_core::signing::ActSignature::create(&real.id(), &story.outsider.key);
    signatures[1].signature = fake.signature;
    let forged = SignedAct::assemble(real.body().clone(), signatures).unwrap();
    assert_eq!(forged.id(), real.id(), "same act, one signature forged");
    forged_act_is_refused_and_flagged(
        &scene,
        &forged,
        "does not verify",
        "bad_signature",
        "does not verify",
    );
    let view = scene.central_view();
    assert_eq!(
        view["assessment"]["state"]["custodian"]["unit"],
        fixtures::ESCORT_UNIT,
        "custody stays with the escort: {}",
        view["assessment"]["state"]
    );
}

#[test]
fn a_handoff_with_only_one_signature_is_unreadable_everywhere() {
    let scene = Scene::new(|_| {});
    let story = &scene.story;
    let real = &story.clean_delivery()[7];
    // The wire form with the receiving officer's signature taken out.
    let mut wire: Value = serde_json::from_slice(&real.encode()).unwrap();
    wire["signatures"].as_array_mut().unwrap().truncate(1);
    let one_signature = serde_json::to_vec(&wire).unwrap();
    let decoded = SignedAct::decode(&one_signature);
    assert!(decoded.is_err(), "one signature does not make an act");

    let post_before = scene.post_view();
    let file = scene.root.path().join("half.acts");
    std::fs::write(&file, [one_signature.as_slice(), b"\n"].concat()).unwrap();
    let r = run(
        &scene.edge,
        &scene.post,
        &["record", file.to_str().unwrap()],
        "",
    );
    assert!(!r.ok, "the post refuses it: {}", r.stdout);
    assert!(r.stderr.contains("signature"), "{}", r.stderr);
    assert_eq!(scene.post_view(), post_before);

    let before = scene.central_view();
    let discrepancies = scene.open_discrepancies();
    let position = scene.http.get("/health")["feed_position"].clone();
    slip_into_store(
        &scene.post,
        &scene.authority,
        &DocId::Consignment(story.consignment.clone()),
        &real.id(),
        &one_signature,
    );
    scene.sync();
    wait_for("central merges the entry", || {
        let health = scene.http.get("/health");
        health["feed_position"] != position
            && health["feed_position"] == health["reconciled_position"]
    });
    let after = scene.central_view();
    let unreadable = after["unreadable"].as_array().unwrap();
    assert_eq!(unreadable.len(), 1, "{after}");
    assert_eq!(
        unreadable[0]["key"],
        tamga_store::doc::act_key(&real.id()).as_str()
    );
    assert!(
        unreadable[0]["reason"]
            .as_str()
            .unwrap()
            .contains("signature"),
        "{}",
        unreadable[0]
    );
    assert_eq!(after["acts"], before["acts"], "no act added");
    assert_eq!(after["assessment"]["state"], before["assessment"]["state"]);
    assert_eq!(
        after["assessment"]["state"]["custodian"]["unit"],
        fixtures::ESCORT_UNIT
    );
    assert_eq!(scene.open_discrepancies(), discrepancies);
}

#[test]
fn the_same_acts_twice_add_nothing() {
    let scene = Scene::new(|_| {});
    let story = &scene.story;
    let acts = story.clean_delivery();
    let before = scene.central_view();
    let discrepancies = scene.open_discrepancies();
    let position = scene.http.get("/health")["feed_position"].clone();

    // Recorded again at the post, synced again: nothing new anywhere.
    let out = scene.record_at_post(&acts[..6]).unwrap();
    assert!(out.contains("0 new acts"), "{out}");
    scene.sync();
    assert_eq!(scene.http.get("/health")["feed_position"], position);

    // A second node (the escort vehicle) records the same acts on its own and syncs: central
    // merges its copies, and still holds each act once.
    let vehicle = scene.root.path().join("vehicle");
    scene.enrolled_node(
        &vehicle,
        "vehicle",
        fixtures::ESCORT_UNIT,
        "escort vehicle tablet 02",
    );
    let file = scene.root.path().join("same.acts");
    write_acts(&file, &acts[..6]);
    must(
        &scene.edge,
        &vehicle,
        &["record", file.to_str().unwrap()],
        "",
    );
    sync_post_with_central(&scene.edge, &vehicle, &scene.url, &scene.central_device);
    wait_for("central reconciles the vehicle's copies", || {
        let h = scene.http.get("/health");
        h["feed_position"] == h["reconciled_position"]
    });
    let after = scene.central_view();
    assert_eq!(after["acts"], before["acts"], "each act once, as before");
    for part in ["acts", "rejected", "state", "discrepancies"] {
        assert_eq!(
            after["assessment"][part], before["assessment"][part],
            "{part}"
        );
    }
    assert_eq!(scene.open_discrepancies(), discrepancies);
    let row = &scene.http.get("/api/consignments")[0];
    assert_eq!(
        (row["acts"].as_u64(), row["rejected"].as_u64()),
        (Some(6), Some(0))
    );
}

/// Sends raw bytes on a new connection; returns what comes back before the close (or 10 s).
fn send_raw(address: &str, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
        if let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse().unwrap())
                .unwrap_or(0);
            if answer.len() >= end + 4 + length {
                break;
            }
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn the_wire_shows_nothing_and_captured_streams_sent_again_are_refused() {
    let scene = Scene::new(|_| {});
    // The post records the arrival and syncs through a relay that keeps what it sends.
    let acts = scene.story.clean_delivery();
    scene.record_at_post(&acts[6..7]).unwrap();
    let central_address = scene.url.trim_start_matches("http://").to_owned();
    let tap = tamga_testkit::tap::Tap::start(central_address.parse().unwrap());
    let relay = format!("https://{}", tap.address());
    must(
        &scene.edge,
        &scene.post,
        &[
            "add-peer",
            "--name",
            "central",
            "--url",
            &relay,
            "--key",
            &scene.central_device,
        ],
        "",
    );
    scene.sync();
    scene.wait_for_acts(7);
    let captured: Vec<Vec<u8>> = tap
        .captured()
        .into_iter()
        .map(|c| c.up)
        .filter(|b| !b.is_empty())
        .collect();
    let answers = tap.all_bytes();
    assert!(!captured.is_empty(), "the sync went through the relay");
    // What went over the wire is TLS records: no request, no credential, no consignment, not
    // even the post's device key (TLS 1.3 sends it encrypted).
    let post_key = hex::decode(scene.post_device.as_str()).unwrap();
    for stream in &captured {
        assert_eq!(
            stream[0], 0x16,
            "a TLS handshake record opens the connection"
        );
        for plain in [
            b"POST /sync".as_slice(),
            b"tamga-auth",
            scene.story.consignment.as_str().as_bytes(),
            &post_key,
        ] {
            assert!(
                !tamga_testkit::tap::contains(stream, plain)
                    && !tamga_testkit::tap::contains(&answers, plain),
                "{:?} is readable on the wire",
                String::from_utf8_lossy(plain)
            );
        }
    }

    let position = scene.http.get("/health")["feed_position"].clone();
    let before = scene.central_view();
    let ok_before = metric(
        &scene.http,
        "tamga_central_sync_requests_total{outcome=\"ok\"}",
    );
    // Sent again byte for byte, each stream fails the handshake: central's half of the key
    // exchange is new, so the recorded client's finish does not fit it.
    for stream in &captured {
        let answer = send_raw(&central_address, stream);
        assert!(!answer.contains("HTTP/1.1"), "{answer}");
    }
    assert_eq!(scene.http.get("/health")["feed_position"], position);
    assert_eq!(scene.central_view()["acts"], before["acts"]);
    assert_eq!(
        metric(
            &scene.http,
            "tamga_central_sync_requests_total{outcome=\"ok\"}"
        ),
        ok_before
    );
    let refusals = scene.refusals();
    assert_eq!(refusals.len(), captured.len(), "{refusals:?}");
    for r in &refusals {
        assert_eq!(r["reason"], "tls_handshake", "{r}");
        assert_eq!(r["status"], 0);
        assert!(
            r["remote"].as_str().unwrap().starts_with("127.0.0.1:"),
            "{r}"
        );
        assert!(r["at"].as_str().unwrap().ends_with('Z'), "{r}");
    }
    // The post's own next sync is not troubled by them.
    scene.sync();
}

/// The first sync message of a node that holds nothing of a document: "send me everything".
/// A sync message from a document with one change of its own: a node that holds the document
/// answers it differently from one that does not, unless it hides which it is.
fn ask_with_heads() -> Vec<u8> {
    use automerge::sync::SyncDoc;
    use automerge::transaction::Transactable;
    let mut doc = automerge::AutoCommit::new();
    doc.put(automerge::ROOT, "probe", 1).unwrap();
    let mut state = automerge::sync::State::new();
    let message = doc
        .sync()
        .generate_sync_message(&mut state)
        .expect("a document with a change speaks");
    message.encode()
}

fn ask_for_everything() -> Vec<u8> {
    let mut doc = automerge::AutoCommit::new();
    let mut state = automerge::sync::State::new();
    use automerge::sync::SyncDoc;
    let message = doc
        .sync()
        .generate_sync_message(&mut state)
        .expect("an empty document asks");
    message.encode()
}

#[test]
fn a_device_of_another_unit_receives_nothing_of_the_consignment() {
    let tokmok_device = person(
        "tokmok road post PC",
        "",
        Role::Device,
        fixtures::OTHER_POST,
    );
    let scene = Scene::new(|hq| {
        enroll(hq, &tokmok_device, fixtures::OTHER_POST, "device");
    });
    let story = &scene.story;
    let central = tamga_core::KeyId::new(scene.central_device.clone()).unwrap();
    let doc = String::from_utf8(DocId::Consignment(story.consignment.clone()).to_key()).unwrap();

    // A real node of the Tokmok post syncs with central: it gets the registry, not the
    // consignment.
    let tokmok = scene.root.path().join("tokmok");
    scene.enrolled_node(
        &tokmok,
        "post",
        fixtures::OTHER_POST,
        "tokmok road post laptop",
    );
    sync_post_with_central(&scene.edge, &tokmok, &scene.url, &scene.central_device);
    let listed: Value =
        serde_json::from_str(&must(&scene.edge, &tokmok, &["list", "--json"], "")).unwrap();
    assert_eq!(
        listed["rows"],
        serde_json::json!([]),
        "nothing of the consignment"
    );
    assert_eq!(
        listed["counts"]["total"], 0,
        "nothing of the consignment: {listed}"
    );
    let r = run(
        &scene.edge,
        &tokmok,
        &["show", story.consignment.as_str(), "--json"],
        "",
    );
    assert!(
        !r.ok,
        "the Tokmok node holds no such consignment: {}",
        r.stdout
    );

    // By hand: the Tokmok device opens a session from nothing, then asks for the document by
    // name. Central lists nothing and answers nothing about it.
    let position = scene.http.get("/health")["feed_position"].clone();
    let ask_about = |device: &fixtures::Person, doc: &str, probe: Vec<u8>| {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).unwrap();
        let (status, _, _, answer) = raw_sync(
            &scene.http,
            &device.key,
            &central,
            &Request::Open { heard_from_you: 0 },
            Timestamp::now(),
            nonce,
        );
        assert_eq!(status, 200);
        let Response::Opened { changed, .. } = tamga_sync::frame::decode(&answer).unwrap() else {
            panic!("opened")
        };
        getrandom::fill(&mut nonce).unwrap();
        let (status, _, _, answer) = raw_sync(
            &scene.http,
            &device.key,
            &central,
            &Request::Sync {
                messages: vec![DocMessage {
                    doc: doc.to_owned(),
                    message: probe,
                }],
            },
            Timestamp::now(),
            nonce,
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
        let Response::Synced { messages } = tamga_sync::frame::decode(&answer).unwrap() else {
            panic!("synced")
        };
        (changed, messages)
    };
    let probe = ask_with_heads();
    let (changed, messages) = ask_about(&tokmok_device, &doc, probe.clone());
    assert!(!changed.contains(&doc), "{changed:?}");
    // Central answers as a node that holds nothing of it, exactly as it answers about a
    // consignment that does not exist: the answer tells nothing.
    let blank = tamga_store::blank_sync_reply(&probe).expect("asks for the change");
    assert_eq!(
        messages,
        vec![DocMessage {
            doc: doc.clone(),
            message: blank.clone()
        }]
    );
    let nowhere = String::from_utf8(
        DocId::Consignment(tamga_core::ConsignmentId::new("10609050/231126/9999999").unwrap())
            .to_key(),
    )
    .unwrap();
    let (_, about_nothing) = ask_about(&tokmok_device, &nowhere, probe);
    assert_eq!(
        about_nothing,
        vec![DocMessage {
            doc: nowhere.clone(),
            message: blank
        }]
    );
    // The escort's device, in scope, asking the same way is answered: the test can tell.
    let (changed, messages) = ask_about(&story.vehicle_device, &doc, ask_for_everything());
    assert!(changed.contains(&doc), "{changed:?}");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].doc, doc);
    assert_eq!(
        scene.http.get("/health")["feed_position"],
        position,
        "asking changed nothing at central"
    );
}

#[test]
fn a_bundle_of_another_customs_authority_is_refused_and_changes_nothing() {
    let scene = Scene::new(|_| {});
    // Another central (another authority) and a post pinned to it, with its device enrolled
    // there, exports a bundle.
    let other_hq = scene.root.path().join("other-hq");
    let (other_authority, _) = init_central(&other_hq);
    let other_post = scene.root.path().join("other-post");
    let other_device = init_post(&scene.edge, &other_post, &other_authority);
    enroll_post_device(&other_hq, &other_device);
    // It knows our post's device key (keys are no secret) and enrolls it too, to seal a bundle
    // to it.
    enroll_post_device(&other_hq, &scene.post_device);
    let file = scene.root.path().join("other.enrollment");
    must(
        Path::new(CENTRAL),
        &other_hq,
        &["enrollment", "--out", file.to_str().unwrap()],
        "",
    );
    must(
        &scene.edge,
        &other_post,
        &["record", file.to_str().unwrap()],
        "",
    );
    let bundle = scene.root.path().join("other.bundle");
    must(
        &scene.edge,
        &other_post,
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
    let before = status(&scene.post);
    let r = run(
        &scene.edge,
        &scene.post,
        &["import-bundle", bundle.to_str().unwrap()],
        "",
    );
    assert!(!r.ok, "refused: {}", r.stdout);
    assert!(
        r.stderr.contains("belongs to customs authority")
            && r.stderr.contains(other_authority.as_str())
            && r.stderr.contains(scene.authority.as_str())
            && r.stderr.contains("cannot be imported here"),
        "{}",
        r.stderr
    );
    let after = status(&scene.post);
    assert_eq!(after["feed_position"], before["feed_position"]);
    assert_eq!(after["documents"], before["documents"]);
    assert_eq!(after["enrolled_keys"], before["enrolled_keys"]);
}

#[test]
fn a_device_clock_off_is_refused_for_sync_and_future_acts_are_flagged() {
    let scene = Scene::new(|_| {});
    let story = &scene.story;
    let central = tamga_core::KeyId::new(scene.central_device.clone()).unwrap();
    let position = scene.http.get("/health")["feed_position"].clone();

    // A request dated an hour ago (the device's clock is behind).
    let hour_ago = Timestamp::now().plus_seconds(-3600);
    let (status, _, _, answer) = raw_sync(
        &scene.http,
        &story.vehicle_device.key,
        &central,
        &Request::Open { heard_from_you: 0 },
        hour_ago,
        [7; 16],
    );
    let answer = String::from_utf8_lossy(&answer);
    assert_eq!(status, 401, "{answer}");
    assert!(answer.contains("clock"), "{answer}");
    assert!(answer.contains("set the device clock"), "{answer}");
    // An unenrolled key, with a right clock: refused at the TLS handshake, with its own reason.
    let refused = as_peer(&scene.http, &story.outsider.key, &central)
        .request("POST", tamga_node::transport::SYNC_PATH, &[], b"x")
        .unwrap_err();
    // In TLS 1.3 the client's side of the handshake ends before central has checked its key:
    // the refusal comes as central's alert in place of the answer, or as the connection closed
    // under the request; central's refusal log says why.
    assert!(
        ["HandshakeFailure", "Broken pipe", "reset", "closed"]
            .iter()
            .any(|s| refused.contains(s)),
        "{refused}"
    );
    let refusals = scene.refusals();
    assert_eq!(refusals.len(), 2, "{refusals:?}");
    assert_eq!(refusals[0]["reason"], "tls_handshake");
    assert!(
        refusals[0]["message"]
            .as_str()
            .unwrap()
            .contains("is not enrolled"),
        "{}",
        refusals[0]
    );
    assert_eq!(refusals[1]["reason"], "clock_skew");
    assert_eq!(refusals[1]["claimed_key"], story.vehicle_device.id.as_str());
    assert!(
        refusals[1]["message"]
            .as_str()
            .unwrap()
            .contains("this node's clock says"),
        "{}",
        refusals[1]
    );
    assert_eq!(
        metric(
            &scene.http,
            "tamga_central_sync_refusals_total{reason=\"clock_skew\"}"
        ),
        1
    );
    assert_eq!(scene.http.get("/health")["feed_position"], position);

    // An act dated two days ahead: the post records it (the signature and the officer hold),
    // central flags its time.
    let ahead = Timestamp::now().plus_seconds(2 * 86_400);
    let future = seal_check_by(story, &story.escort_second, ahead, SealState::Intact);
    let discrepancies = scene.open_discrepancies();
    let out = scene.record_at_post(std::slice::from_ref(&future)).unwrap();
    assert!(out.contains("1 new acts"), "{out}");
    scene.sync();
    scene.wait_for_acts(7);
    let anomalies: Vec<Value> = scene
        .http
        .get("/api/discrepancies?kind=clock_anomaly")
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(anomalies.len(), 1, "{anomalies:?}");
    assert_eq!(
        anomalies[0]["acts"],
        serde_json::json!([future.id().to_hex()])
    );
    let mut expected = discrepancies;
    expected.push((
        "clock_anomaly".into(),
        serde_json::json!([future.id().to_hex()]),
    ));
    expected.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.to_string().cmp(&b.1.to_string())));
    assert_eq!(scene.open_discrepancies(), expected);
}
