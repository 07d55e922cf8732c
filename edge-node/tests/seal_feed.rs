//! The navigation seal operator's feed at the vehicle (a file the crew is handed or finds on the
//! vehicle's LAN share): `tamga-edge import-seal-feed` records it whole, on the store or
//! through the running node; the opening it reports is a critical finding there at once; a bad
//! feed is refused whole and changes nothing.

mod common;

use common::*;
use tamga_core::act::{ActBody, SealEventKind};
use tamga_core::fixtures::road::Road;
use tamga_core::fixtures::{Story, ESCORT_UNIT};
use tamga_core::{SignedAct, Timestamp};

fn feed_file(path: &std::path::Path, acts: &[SignedAct]) -> String {
    write_acts(path, acts);
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_vehicle_records_the_operators_feed_whole_or_not_at_all() {
    let story = Story::new();
    let road = Road::new(&story);
    let root = tempfile::tempdir().unwrap();
    let vehicle = root.path().join("vehicle");
    let listen = format!("127.0.0.1:{}", tamga_testkit::ports::free_port());
    init(&vehicle, &story, "vehicle", ESCORT_UNIT, &listen);
    let mut acts = story.registry_acts();
    acts.extend(road.registry_acts());
    acts.extend(
        road.acts(600)
            .into_iter()
            .filter(|a| !matches!(a.body(), ActBody::SealEventsReported(_))),
    );
    let file = root.path().join("trip.acts");
    write_acts(&file, &acts);
    let (ok, _, err) = edge(&vehicle, &["record", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    let position = || json_of(&vehicle, &["status", "--json"])["feed_position"].clone();
    let before = position();

    // Refused whole: a good batch, then one dated an hour ahead of the vehicle's clock.
    let ahead = Timestamp::now().plus_seconds(3600);
    let bad = feed_file(
        &root.path().join("bad.jsonl"),
        &[
            road.seal_events(story.t(14), &[(story.t(13), SealEventKind::Armed, None)]),
            road.seal_events(ahead, &[(ahead, SealEventKind::BatteryLow, None)]),
        ],
    );
    let (ok, _, err) = edge(&vehicle, &["import-seal-feed", &bad]);
    assert!(
        !ok && err.contains("line 2") && err.contains("later than"),
        "{err}"
    );
    assert_eq!(position(), before, "a refused feed changed nothing");
    // NMEA text is not a feed.
    let nmea = root.path().join("track.nmea");
    std::fs::write(
        &nmea,
        "$GPRMC,081836,A,4303.67,N,07428.66,E,0.0,0.0,231126,,*2C\n",
    )
    .unwrap();
    let (ok, _, err) = edge(&vehicle, &["import-seal-feed", nmea.to_str().unwrap()]);
    assert!(!ok && err.contains("line 1"), "{err}");
    assert_eq!(position(), before);

    // Recorded on the store: the opening on the road is critical at once.
    let good = feed_file(
        &root.path().join("good.jsonl"),
        &[road.seal_events(story.t(57), &[(story.t(56), SealEventKind::Opened, None)])],
    );
    let (ok, out, err) = edge(&vehicle, &["import-seal-feed", &good]);
    assert!(ok, "{err}");
    assert!(out.contains("1 acts, 1 events, 1 new"), "{out}");
    let view = json_of(&vehicle, &["show", story.consignment.as_str(), "--json"]);
    let kinds: Vec<&str> = view["discrepancies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"seal_opened"), "{kinds:?}");

    // Through the running node: the same command goes to its API.
    let (_server, _) = serve(&vehicle, None, "the vehicle");
    let battery = feed_file(
        &root.path().join("battery.jsonl"),
        &[road.seal_events(
            story.t(70),
            &[(story.t(69), SealEventKind::BatteryLow, None)],
        )],
    );
    let (ok, out, err) = edge(&vehicle, &["import-seal-feed", &battery]);
    assert!(ok && out.contains("1 new"), "{out}{err}");
    let (ok, _, err) = edge(&vehicle, &["import-seal-feed", &bad]);
    assert!(!ok && err.contains("line 2"), "{err}");
}
