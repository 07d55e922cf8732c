//! The navigation seal operator's feed at a real central (docs/act-format.md, "The seal
//! operator's feed"): the operator's system connects over TLS with its `seal_operator` key and
//! posts its seals' events; the opening on the road is a critical finding at once. Forged,
//! foreign, future-dated, garbage and out-of-scope feeds are refused whole and change nothing; a
//! node's device key may not send a feed, an unenrolled key does not get through the handshake;
//! a feed brought on a file goes in through the CLI while central serves.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use tamga_core::act::{ActBody, SealEventKind};
use tamga_core::fixtures::road::{coordinates, Road, SEAL_OPERATOR_UNIT};
use tamga_core::fixtures::{key, Story};
use tamga_core::{KeyId, SignedAct, Timestamp};

fn feed(acts: &[SignedAct]) -> Vec<u8> {
    let mut out = Vec::new();
    for a in acts {
        out.extend_from_slice(&a.encode());
        out.push(b'\n');
    }
    out
}

#[test]
fn the_operator_feed_reaches_the_reconciliation_and_bad_feeds_change_nothing() {
    let story = Story::new();
    let road = Road::new(&story);
    let scene = Scene::new(|hq| enroll(hq, &road.operator, SEAL_OPERATOR_UNIT, "seal_operator"));
    // The navigation seal fixed at the airport post reaches central with the rest.
    scene.refresh_enrollment(&scene.post);
    scene
        .record_at_post(&[road.navigation_seal_applied()])
        .unwrap();
    scene.sync();
    scene.wait_for_acts(7);
    let central = KeyId::new(scene.central_device.clone()).unwrap();
    let as_operator = as_peer(&scene.http, &road.operator.key, &central);
    let post = |peer: &tamga_testkit::peer::PeerHttp, body: &[u8]| {
        let answer = peer.send(
            "POST",
            "/seal-feed",
            &[("content-type", "application/x-ndjson")],
            body,
        );
        let text = String::from_utf8_lossy(&answer.body).into_owned();
        (answer.status, text)
    };

    // Armed at the airport, opened on the road at minute 56.
    let (lat, lon) = road.along(0.4);
    let good = feed(&[
        road.seal_events(story.t(14), &[(story.t(13), SealEventKind::Armed, None)]),
        road.seal_events(
            story.t(57),
            &[(
                story.t(56),
                SealEventKind::Opened,
                Some(coordinates(&format!("{lat:.4}"), &format!("{lon:.4}"))),
            )],
        ),
    ]);
    let (status, text) = post(&as_operator, &good);
    assert_eq!(status, 200, "{text}");
    let out: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (out["acts"].as_u64(), out["new"].as_u64()),
        (Some(2), Some(2))
    );
    scene.wait_for_acts(9);
    let open = scene.open_discrepancies();
    assert!(
        open.iter().any(|(kind, _)| kind == "seal_opened"),
        "{open:?}"
    );
    // Tracked (a navigation seal), in transit, and not heard of since the story's day: silent.
    let silent = scene.http.get("/api/silent");
    let rows = silent.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{silent}");
    assert_eq!(rows[0]["consignment"], story.consignment.as_str());
    assert_eq!(rows[0]["custodian"], "ESCORT-BISHKEK");
    assert_eq!(
        rows[0]["heard_at"],
        story.t(70).to_rfc3339(),
        "the story's last fix"
    );
    let view = scene.central_view();
    let seals = &view["assessment"]["state"]["road"]["navigation_seals"]["NS-7700123"];
    assert_eq!(seals["events"], 2, "{view}");

    // Each bad feed: 422 naming the line, and central's feed position unchanged.
    let position = || scene.http.get("/health")["feed_position"].clone();
    let before = position();
    let refused = |body: Vec<u8>, says: &str| {
        let (status, text) = post(&as_operator, &body);
        assert_eq!(status, 422, "{text}");
        assert!(text.contains(says), "{says}: {text}");
        assert_eq!(position(), before, "a refused feed changed nothing");
    };
    let ActBody::SealEventsReported(body) = road
        .seal_events(
            story.t(70),
            &[(story.t(69), SealEventKind::BatteryLow, None)],
        )
        .body()
        .clone()
    else {
        unreachable!()
    };
    // A line of garbage after a good one.
    let mut garbage = feed(&[road.seal_events(
        story.t(70),
        &[(story.t(69), SealEventKind::BatteryLow, None)],
    )]);
    garbage.extend_from_slice(b"$GPRMC,not an act\n");
    refused(garbage, "line 2");
    // Signed by the escort's tablet, which is no operator.
    let mut by_tablet = body.clone();
    by_tablet.operator = story.vehicle_device.id.clone();
    refused(
        feed(&[story.sign(
            ActBody::SealEventsReported(by_tablet),
            &[&story.vehicle_device],
        )]),
        "may not sign",
    );
    // Altered after signing.
    let text = String::from_utf8(feed(&[road.seal_events(
        story.t(70),
        &[(story.t(69), SealEventKind::BatteryLow, None)],
    )]))
    .unwrap()
    .replace("battery_low", "disarmed");
    refused(text.into_bytes(), "line 1");
    // The mechanical seal, which is no navigation seal.
    let mut mechanical = body.clone();
    mechanical.events[0].seal = story.seal.clone();
    refused(
        feed(&[story.sign(ActBody::SealEventsReported(mechanical), &[&road.operator])]),
        "not a navigation seal",
    );
    // A consignment central does not hold.
    let mut elsewhere = body.clone();
    elsewhere.consignment = tamga_core::ConsignmentId::new("10609050/231126/0009999").unwrap();
    refused(
        feed(&[story.sign(ActBody::SealEventsReported(elsewhere), &[&road.operator])]),
        "does not hold",
    );
    // Dated an hour ahead of central's clock.
    let ahead = Timestamp::now().plus_seconds(3600);
    refused(
        feed(&[road.seal_events(ahead, &[(ahead, SealEventKind::BatteryLow, None)])]),
        "later than this node's clock",
    );

    // A node's device key is admitted to the port, but may not send a feed.
    let as_vehicle = as_peer(&scene.http, &story.vehicle_device.key, &central);
    let (status, text) = post(&as_vehicle, &good);
    assert_eq!(status, 403, "{text}");
    assert_eq!(position(), before);
    // The operator's key gets through the handshake, but may not sync.
    let (status, _, _, answer) = raw_sync(
        &scene.http,
        &road.operator.key,
        &central,
        &tamga_sync::session::Request::Open { heard_from_you: 0 },
        Timestamp::now(),
        [9; 16],
    );
    assert_eq!(status, 401, "{}", String::from_utf8_lossy(&answer));
    assert_eq!(position(), before);
    // A key nobody enrolled does not get through the handshake.
    let stranger = key("a seal operator nobody enrolled");
    let refused_handshake =
        as_peer(&scene.http, &stranger, &central).request("POST", "/seal-feed", &[], &good);
    assert!(refused_handshake.is_err(), "the handshake must fail");

    // A feed on a file, through the CLI while central serves: recorded, and again changes
    // nothing; a bad file exits 1 with the reason.
    let file = scene.root.path().join("feed.jsonl");
    std::fs::write(
        &file,
        feed(&[road.seal_events(
            story.t(70),
            &[(story.t(69), SealEventKind::BatteryLow, None)],
        )]),
    )
    .unwrap();
    let out = must(
        Path::new(CENTRAL),
        &scene.hq,
        &["import-seal-feed", file.to_str().unwrap()],
        "",
    );
    assert!(out.contains("1 acts, 1 events, 1 new"), "{out}");
    scene.wait_for_acts(10);
    let again = must(
        Path::new(CENTRAL),
        &scene.hq,
        &["import-seal-feed", file.to_str().unwrap()],
        "",
    );
    assert!(again.contains("0 new"), "{again}");
    std::fs::write(&file, b"{\"kind\":\"seal_events_reported\"}\n").unwrap();
    let bad = run(
        Path::new(CENTRAL),
        &scene.hq,
        &["import-seal-feed", file.to_str().unwrap()],
        "",
    );
    assert!(!bad.ok && bad.stderr.contains("line 1"), "{}", bad.stderr);
}
