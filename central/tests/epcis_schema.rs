//! Central's EPCIS export against GS1's EPCIS 2.0 JSON schema (`scripts/check-epcis.py`):
//! the story delivered, refused and returned, with a mistyped seal corrected (an error
//! declaration), and the tracked trip with the vehicle's positions and every kind of navigation
//! seal event. The schema is fetched once from the npm registry; without npm or Python's
//! `jsonschema` the test says so and passes, unless `TAMGA_EPCIS_TEST=required`.

use std::path::Path;
use std::process::Command;
use tamga_central::epcis::document;
use tamga_core::act::SealEventKind;
use tamga_core::fixtures::road::{coordinates, Road};
use tamga_core::fixtures::{at, Story};

fn can_check() -> Result<(), String> {
    let python = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .status()
        .map_err(|e| format!("python3: {e}"))?;
    if !python.success() {
        return Err("Python's jsonschema is not installed".into());
    }
    let cached = std::env::var("HOME")
        .map(|h| Path::new(&h).join(".cache/tamga/epcis-schema/EPCISDocument.schema.json"))
        .is_ok_and(|p| p.exists());
    if !cached && Command::new("npm").arg("--version").output().is_err() {
        return Err("npm is not installed to fetch the schema".into());
    }
    Ok(())
}

#[test]
fn every_exported_event_kind_validates_against_gs1s_schema() {
    if let Err(why) = can_check() {
        if std::env::var("TAMGA_EPCIS_TEST").as_deref() == Ok("required") {
            panic!("the EPCIS schema check is required: {why}");
        }
        eprintln!("skipped: {why} (TAMGA_EPCIS_TEST=required makes it mandatory)");
        return;
    }
    let story = Story::new();
    let road = Road::new(&story);
    let created = at("2026-11-24T00:00:00Z");
    let mut delivered = story.clean_delivery();
    let mistyped = story.seal_applied_mistyped();
    delivered.push(story.correction(
        20,
        &story.airport_officer,
        &mistyped,
        tamga_core::act::Correction::SealApplied(tamga_core::act::SealFields {
            seal: Some(story.seal.clone()),
            seal_kind: None,
            fixed_on: None,
        }),
        None,
    ));
    delivered.push(mistyped);
    let mut tracked = road.acts(60);
    let (lat, lon) = road.along(0.5);
    tracked.push(road.seal_events(
        story.t(96),
        &[
            (
                story.t(62),
                SealEventKind::Position,
                Some(coordinates(&format!("{lat:.5}"), &format!("{lon:.5}"))),
            ),
            (story.t(63), SealEventKind::Opened, None),
            (story.t(64), SealEventKind::Tampered, None),
            (story.t(65), SealEventKind::BatteryLow, None),
        ],
    ));
    let documents = [
        ("delivered", document(&delivered, created)),
        (
            "refused-and-returned",
            document(&story.refused_and_returned(), created),
        ),
        ("tracked", document(&tracked, created)),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, doc) in &documents {
        assert!(
            doc["epcisBody"]["eventList"].as_array().unwrap().len() > 3,
            "{name}"
        );
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
        files.push(file);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/check-epcis.py");
    let out = Command::new("python3")
        .arg(script)
        .args(&files)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    assert_eq!(said.matches("valid EPCIS 2.0").count(), 3, "{said}");

    // The check can fail: an event without its required action is refused.
    let mut broken = documents[2].1.clone();
    broken["epcisBody"]["eventList"][0]
        .as_object_mut()
        .unwrap()
        .remove("action");
    let file = dir.path().join("broken.json");
    std::fs::write(&file, serde_json::to_vec(&broken).unwrap()).unwrap();
    let out = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/check-epcis.py"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a document without an action must fail"
    );
}
