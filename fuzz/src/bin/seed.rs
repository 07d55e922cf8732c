//! Writes the seed corpora of the fuzz targets from the fixtures: the published test vectors,
//! the reference story's acts and offer, a real bundle exported from a store holding the story,
//! the frames of a real sync session, request credentials, QR texts and officers' forms.
//!
//! Run from the `fuzz/` directory: `seed [corpus dir]` (default `corpus`).

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use tamga_core::fixtures::{unit, Story, ESCORT_UNIT};
use tamga_core::handoff::CustodyOffer;
use tamga_core::SignedAct;
use tamga_store::Store;
use tamga_sync::auth::{RequestAuth, ResponseAuth};
use tamga_sync::bundle::{self, Bundle};
use tamga_sync::frame;
use tamga_sync::scope::Scope;
use tamga_sync::session::{respond, Initiator, Step};

struct Corpus {
    dir: PathBuf,
    written: usize,
}

impl Corpus {
    fn put(&mut self, target: &str, name: &str, bytes: &[u8]) {
        let dir = self.dir.join(target);
        fs::create_dir_all(&dir).expect("corpus directory");
        let name: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        fs::write(dir.join(format!("seed-{name}")), bytes).expect("write a seed");
        self.written += 1;
    }
}

fn store(story: &Story, dir: &Path) -> Store {
    let store = Store::open(dir, &story.authority_id()).expect("store");
    for act in story.registry_acts() {
        store.record(&act).expect("registry act");
    }
    store
}

/// A form, as the edge node's UI sends it: the act's own JSON without `at` (and, for an offer,
/// without `kind` and `previous`).
fn form(act: &SignedAct, offer: bool) -> Vec<u8> {
    let mut value = serde_json::to_value(act.body()).expect("json");
    let object = value.as_object_mut().expect("an act body is an object");
    object.remove("at");
    if offer {
        object.remove("kind");
        object.remove("previous");
    }
    serde_json::to_vec_pretty(&value).expect("json")
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "corpus".into());
    let mut c = Corpus {
        dir: PathBuf::from(dir),
        written: 0,
    };
    let story = Story::new();

    // act_decode: every published act and offer, and the small published invalid inputs.
    let vectors: Value = serde_json::from_str(
        &fs::read_to_string("../tests/vectors/acts.json").expect("tests/vectors/acts.json"),
    )
    .expect("vectors");
    for section in ["acts", "offers"] {
        for v in vectors[section].as_array().expect("list") {
            let name = v["name"].as_str().expect("name");
            let envelope = v["envelope"].as_str().expect("envelope");
            c.put(
                "act_decode",
                &format!("{section}-{name}"),
                envelope.as_bytes(),
            );
        }
    }
    let invalid: Value = serde_json::from_str(
        &fs::read_to_string("../tests/vectors/invalid.json").expect("tests/vectors/invalid.json"),
    )
    .expect("invalid vectors");
    for (i, case) in invalid["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .enumerate()
    {
        // A sample, to keep the corpus small: one in six.
        if let (Some(input), true) = (case["input"].as_str(), i % 6 == 0) {
            let name = case["name"].as_str().unwrap_or("case");
            c.put("act_decode", &format!("invalid-{name}"), input.as_bytes());
        }
    }

    // A post's store holding the whole story, and a vehicle's holding the registry only.
    let tmp = tempfile::tempdir().expect("tempdir");
    let post = store(&story, &tmp.path().join("post"));
    let vehicle = store(&story, &tmp.path().join("vehicle"));
    let acts = story.clean_delivery();
    for act in &acts[..4] {
        post.record(act).expect("record");
    }

    // bundle_import: real bundle files, and their plain contents.
    let me = story.escort_lead.id.clone();
    let scope = Scope::Unit(unit(ESCORT_UNIT));
    for (name, addressee, since) in [
        ("addressed", Some(&me), 0),
        ("unaddressed", None, 0),
        ("since-3", None, 3),
    ] {
        let bytes = bundle::export(
            &post,
            &story.vehicle_device.key,
            addressee,
            &scope,
            since,
            story.t(40),
        )
        .expect("export");
        c.put("bundle_import", &format!("file-{name}"), &bytes);
        let contents: Bundle = bundle::open(&bytes, &story.registry(), &me).expect("open");
        let plain = postcard::to_stdvec(&contents).expect("postcard");
        c.put("bundle_import", &format!("contents-{name}"), &plain);
    }
    // A bundle carrying central's receipts of the acts: the post met central first (the log
    // key enrolled at both; the fuzz target's store has it too).
    let hq = store(&story, &tmp.path().join("hq"));
    for s in [&hq, &post] {
        s.record(&story.log_enrollment()).expect("the log key");
    }
    for act in &acts[..4] {
        hq.record(act).expect("record");
    }
    let keeper = tamga_sync::receipts::LogKeeper::new(Story::log_key());
    let asked = tamga_sync::receipts::ask(&post).expect("ask");
    if let tamga_sync::session::Request::Receipts { acts: ids, known } = &asked.request {
        let answer = keeper
            .answer(&hq, ids, *known, story.t(20))
            .expect("receipts");
        tamga_sync::receipts::accept(&post, &post.registry(), &asked, answer, story.t(20))
            .expect("receipts kept");
    }
    let bytes = bundle::export(
        &post,
        &story.vehicle_device.key,
        Some(&me),
        &scope,
        0,
        story.t(40),
    )
    .expect("export");
    c.put("bundle_import", "file-with-receipts", &bytes);
    let contents: Bundle = bundle::open(&bytes, &post.registry(), &me).expect("open");
    assert!(!contents.log.receipts.is_empty());
    c.put(
        "bundle_import",
        "contents-with-receipts",
        &postcard::to_stdvec(&contents).expect("postcard"),
    );

    // The same story, as changes since the first acts.
    let doc = tamga_store::DocId::Consignment(story.consignment.clone());
    let heads = post.heads(&doc).expect("heads");
    for act in &acts[4..] {
        post.record(act).expect("record");
    }
    let changes = post.changes_since(&doc, &heads).expect("changes");
    let contents = Bundle {
        header: bundle::header(
            &story.registry(),
            &story.vehicle_device.key,
            None,
            story.t(40),
            0,
            9,
        ),
        docs: vec![bundle::BundleDoc {
            doc: String::from_utf8(doc.to_key()).expect("text"),
            bytes: changes,
        }],
        log: Default::default(),
    };
    c.put(
        "bundle_import",
        "contents-changes",
        &postcard::to_stdvec(&contents).expect("postcard"),
    );
    c.put(
        "bundle_import",
        "file-changes",
        &bundle::seal(&contents, &story.vehicle_device.key).expect("seal"),
    );

    // A bundle whose first document is good and whose second is damaged: the whole bundle
    // must be refused before anything is merged.
    let damaged = Bundle {
        header: bundle::header(
            &story.registry(),
            &story.vehicle_device.key,
            None,
            story.t(40),
            0,
            2,
        ),
        docs: vec![
            bundle::BundleDoc {
                doc: String::from_utf8(doc.to_key()).expect("text"),
                bytes: post.save_doc(&doc).expect("save"),
            },
            bundle::BundleDoc {
                doc: String::from_utf8(tamga_store::DocId::Registry.to_key()).expect("text"),
                bytes: b"not automerge".to_vec(),
            },
        ],
        log: Default::default(),
    };
    c.put(
        "bundle_import",
        "contents-damaged-second-doc",
        &postcard::to_stdvec(&damaged).expect("postcard"),
    );

    // sync_frame: every frame of a real session, the vehicle pulling from the post.
    let mut session = Initiator::new(&vehicle, story.airport_officer.id.clone(), scope.clone());
    let mut request = session.start().expect("start");
    for round in 0.. {
        let frame_bytes = frame::encode(&request).expect("frame");
        c.put("sync_frame", &format!("request-{round}"), &frame_bytes);
        // sync_respond: the same requests, as a whole frame (way 0) and, for each document
        // message, as a message about the story's consignment (way 1) and an unknown one (2).
        c.put("sync_respond", &format!("frame-{round}"), &[&[0u8][..], &frame_bytes].concat());
        if let tamga_sync::session::Request::Sync { messages } = &request {
            for (i, m) in messages.iter().enumerate() {
                for way in [1u8, 2] {
                    c.put(
                        "sync_respond",
                        &format!("message-{round}-{i}-way{way}"),
                        &[&[way][..], &m.message].concat(),
                    );
                }
            }
        }
        let response = respond(&post, &story.vehicle_device.id, &scope, request).expect("respond");
        c.put(
            "sync_frame",
            &format!("response-{round}"),
            &frame::encode(&response).expect("frame"),
        );
        match session.receive(response).expect("receive") {
            Step::Send(next) => request = next,
            Step::Done(_) => break,
        }
    }
    let auth = RequestAuth::sign(
        &story.vehicle_device.key,
        &story.airport_officer.id,
        story.t(5),
        [0x5a; 16],
        b"body",
    );
    c.put("sync_frame", "request-auth", auth.to_header().as_bytes());
    let answer = ResponseAuth::sign(&story.airport_officer.key, &auth, b"answer");
    c.put("sync_frame", "response-auth", answer.to_header().as_bytes());

    // qr_text: codes carrying the offer and acts, and the forms of every kind recorded on a node.
    let offer_transfer = match acts[3].body() {
        tamga_core::ActBody::CustodyTransferred(t) => t.clone(),
        _ => unreachable!("the fourth act of the story is the handoff to the escort"),
    };
    let offer = CustodyOffer::create(offer_transfer, &story.airport_officer.key).expect("offer");
    c.put(
        "qr_text",
        "code-offer",
        tamga_edge::qr::to_text(tamga_edge::qr::Carried::Offer, &offer.encode()).as_bytes(),
    );
    c.put("act_decode", "story-offer", &offer.encode());
    for (i, act) in acts.iter().enumerate() {
        let kind = act.body().kind();
        c.put(
            "qr_text",
            &format!("code-{i}-{kind}"),
            tamga_edge::qr::to_text(tamga_edge::qr::Carried::Act, &act.encode()).as_bytes(),
        );
        let offer_form = matches!(act.body(), tamga_core::ActBody::CustodyTransferred(_));
        c.put(
            "qr_text",
            &format!("form-{i}-{kind}"),
            &form(act, offer_form),
        );
    }

    // seal_feed: feeds of every event kind, one of them refused, and events as JSON.
    {
        use tamga_core::act::SealEventKind as K;
        let road = tamga_core::fixtures::road::Road::new(&story);
        let at = |m: i64| story.t(m);
        let position = Some(tamga_core::fixtures::road::coordinates("42.9378", "74.5512"));
        let all = [
            (at(13), K::Armed, None),
            (at(50), K::Position, position.clone()),
            (at(56), K::Opened, position.clone()),
            (at(57), K::Tampered, None),
            (at(58), K::BatteryLow, None),
            (at(110), K::Disarmed, None),
        ];
        let feed = |acts: &[SignedAct]| -> Vec<u8> {
            acts.iter()
                .flat_map(|a| {
                    let mut line = a.encode();
                    line.push(b'\n');
                    line
                })
                .collect()
        };
        c.put(
            "seal_feed",
            "feed-every-kind",
            &feed(&[road.seal_events(at(111), &all)]),
        );
        c.put(
            "seal_feed",
            "feed-two-batches",
            &feed(&[
                road.seal_events(at(14), &all[..1]),
                road.seal_events(at(60), &all[1..3]),
            ]),
        );
        c.put(
            "seal_feed",
            "feed-other-kind",
            &feed(&[story.registration()]),
        );
        if let tamga_core::ActBody::SealEventsReported(r) = road.seal_events(at(111), &all).body() {
            c.put(
                "seal_feed",
                "events-json",
                &serde_json::to_vec(&r.events).expect("JSON"),
            );
        }
    }

    eprintln!("{} seeds written under {}", c.written, c.dir.display());
}
