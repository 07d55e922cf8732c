use super::*;
use tamga_core::act::{Coordinates, SealBasis, SealKind, SealRemoved, SealReplaced};
use tamga_core::fixtures::{at, text, unit, Story, AIRPORT_POST, DEPARTMENT, ESCORT_UNIT};
use tamga_core::quantity::parse_decimal;
use tamga_core::SealNumber;

fn kinds_exported(kind: &str) -> bool {
    matches!(
        kind,
        "custody_transferred"
            | "consignment_delivered"
            | "seal_applied"
            | "seal_checked"
            | "seal_removed"
            | "seal_replaced"
            | "position_reported"
    )
}

#[test]
fn clean_delivery_as_epcis() {
    let story = Story::new();
    let acts = story.clean_delivery();
    let created = at("2026-11-23T09:00:00Z");
    let doc = document(&acts, created);

    // Round trip through text, as a consumer reads it.
    let text = serde_json::to_string_pretty(&doc).unwrap();
    let back: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back, doc);
    assert_eq!(back["@context"][0], EPCIS_CONTEXT);
    assert_eq!(back["@context"][1]["tamga"], TAMGA_NAMESPACE);
    assert_eq!(back["type"], "EPCISDocument");
    assert_eq!(back["schemaVersion"], "2.0");
    assert_eq!(back["creationDate"], "2026-11-23T09:00:00Z");

    let events = back["epcisBody"]["eventList"].as_array().unwrap();
    let mut expected: Vec<&SignedAct> = acts
        .iter()
        .filter(|a| kinds_exported(a.body().kind()))
        .collect();
    expected.sort_by_key(|a| (a.body().at(), a.id()));
    assert_eq!(expected.len(), 6);
    assert_eq!(events.len(), expected.len());

    let summary: Vec<(&str, &str, &str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["tamga:actKind"].as_str().unwrap(),
                e["eventTime"].as_str().unwrap(),
                e["bizStep"].as_str().unwrap(),
                e["disposition"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "seal_applied",
                "2026-11-23T06:10:00Z",
                "packing",
                "container_closed"
            ),
            (
                "custody_transferred",
                "2026-11-23T06:30:00Z",
                "shipping",
                "in_transit"
            ),
            (
                "seal_checked",
                "2026-11-23T07:00:00Z",
                "inspecting",
                "conformant"
            ),
            (
                "position_reported",
                "2026-11-23T07:10:00Z",
                "transporting",
                "in_transit"
            ),
            (
                "custody_transferred",
                "2026-11-23T07:45:00Z",
                "accepting",
                "in_transit"
            ),
            (
                "consignment_delivered",
                "2026-11-23T07:50:00Z",
                "receiving",
                "in_progress"
            ),
        ]
    );

    let consignment = "urn:tamga:consignment:10609050%2F231126%2F0000123";
    for (e, act) in events.iter().zip(&expected) {
        assert_eq!(e["type"], "ObjectEvent");
        assert_eq!(e["action"], "OBSERVE");
        assert_eq!(e["eventTimeZoneOffset"], "+00:00");
        assert_eq!(e["epcList"], json!([consignment]));
        assert_eq!(e["tamga:actId"], act.id().to_hex());
        assert_eq!(e["eventID"], event_id(&act.id()));
        let signers: Vec<&str> = act.signatures().iter().map(|s| s.key.as_str()).collect();
        assert_eq!(e["tamga:signers"], json!(signers));
        if e["tamga:actKind"] != "position_reported" {
            assert!(e["tamga:seals"][0]["tamga:sealNumber"] == "KG-0042137");
        }
    }

    // The positions: the last fix is the read point, every fix in tamga:positions.
    let positions = &events[3];
    assert_eq!(positions["readPoint"]["id"], "geo:42.8746,74.6122");
    assert_eq!(positions["tamga:positions"].as_array().unwrap().len(), 3);
    assert_eq!(
        positions["tamga:positions"][0],
        json!({ "tamga:time": "2026-11-23T06:40:00Z", "tamga:latitude": "43.0612", "tamga:longitude": "74.4776" })
    );

    let handoff = &events[1];
    assert_eq!(handoff["readPoint"]["id"], "urn:tamga:unit:MANAS-AIRPORT");
    assert_eq!(handoff["bizLocation"]["id"], "urn:tamga:unit:MANAS-AIRPORT");
    assert_eq!(
        handoff["sourceList"],
        json!([{ "type": "possessing_party", "source": format!("urn:tamga:unit:{AIRPORT_POST}") }])
    );
    assert_eq!(
        handoff["destinationList"],
        json!([{ "type": "possessing_party", "destination": format!("urn:tamga:unit:{ESCORT_UNIT}") }])
    );
    assert_eq!(handoff["tamga:signers"].as_array().unwrap().len(), 2);
    assert_eq!(handoff["tamga:seals"][0]["tamga:state"], "intact");
    assert_eq!(handoff["tamga:grossMass"]["tamga:value"], "0.412");

    // The check on the road: no read point without coordinates, the place in words.
    let check = &events[2];
    assert!(check.get("readPoint").is_none() && check.get("bizLocation").is_none());
    assert_eq!(check["tamga:place"], "Bishkek ring road, km 14, fuel stop");

    assert_eq!(
        events[5]["bizLocation"]["id"],
        format!("urn:tamga:unit:{DEPARTMENT}")
    );

    // Order and duplicates of the input do not matter.
    let mut shuffled: Vec<SignedAct> = acts.iter().rev().cloned().collect();
    shuffled.extend(acts.iter().cloned());
    assert_eq!(document(&shuffled, created), doc);
}

#[test]
fn event_ids_are_deterministic_uuids() {
    let story = Story::new();
    let act = story.seal_applied();
    let id = event_id(&act.id());
    assert_eq!(id, event_id(&story.seal_applied().id()));
    let uuid = id.strip_prefix("urn:uuid:").unwrap();
    let groups: Vec<&str> = uuid.split('-').collect();
    assert_eq!(
        groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
        vec![8, 4, 4, 4, 12]
    );
    assert!(groups[2].starts_with('8'));
    assert!(matches!(groups[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
    assert!(act.id().to_hex().starts_with(groups[0]));
}

#[test]
fn seal_removal_replacement_and_damage() {
    let story = Story::new();
    let new_seal = SealNumber::new("KG-0042200").unwrap();
    let road = Place::Road {
        description: text("Chui highway, km 21"),
        coordinates: Some(Coordinates {
            latitude: parse_decimal("42.8746").unwrap(),
            longitude: parse_decimal("74.6122").unwrap(),
        }),
    };
    let replaced = story.sign(
        ActBody::SealReplaced(SealReplaced {
            consignment: story.consignment.clone(),
            at: story.t(65),
            officer: story.escort_lead.id.clone(),
            place: road.clone(),
            old_seal: story.seal.clone(),
            old_state: SealState::Damaged,
            new_seal: new_seal.clone(),
            new_seal_kind: SealKind::Mechanical,
            fixed_on: text("safe-bag, one place"),
            grounds: SealGrounds {
                permission: None,
                basis: SealBasis::ThreatOfLoss,
                reference: None,
            },
        }),
        &[&story.escort_lead],
    );
    let removed = story.sign(
        ActBody::SealRemoved(SealRemoved {
            consignment: story.consignment.clone(),
            at: story.t(112),
            officer: story.department_officer.id.clone(),
            place: Place::Post {
                unit: unit(DEPARTMENT),
            },
            seal: new_seal.clone(),
            state: SealState::Intact,
            grounds: SealGrounds {
                permission: None,
                basis: SealBasis::Inspection,
                reference: Some(text("order 77/2026")),
            },
        }),
        &[&story.department_officer],
    );
    let damaged = story.seal_checked(60, SealState::Damaged);
    let doc = document(
        &[removed, damaged, replaced, story.registration()],
        at("2026-11-24T00:00:00Z"),
    );
    let events = doc["epcisBody"]["eventList"].as_array().unwrap();
    assert_eq!(events.len(), 3, "the registration is not exported");

    assert_eq!(events[0]["bizStep"], "inspecting");
    assert_eq!(events[0]["disposition"], "non_conformant");
    assert_eq!(events[0]["tamga:seals"][0]["tamga:state"], "damaged");

    let r = &events[1];
    assert_eq!(r["bizStep"], "replacing");
    assert_eq!(r["disposition"], "container_closed");
    assert_eq!(r["readPoint"]["id"], "geo:42.8746,74.6122");
    assert!(r.get("bizLocation").is_none());
    assert_eq!(
        r["tamga:seals"],
        json!([
            { "tamga:sealNumber": "KG-0042137", "tamga:state": "damaged", "tamga:change": "removed" },
            { "tamga:sealNumber": "KG-0042200", "tamga:sealKind": "mechanical", "tamga:change": "applied" },
        ])
    );
    assert_eq!(
        r["tamga:grounds"],
        json!({ "tamga:basis": "threat_of_loss" })
    );

    let u = &events[2];
    assert_eq!(u["bizStep"], "unpacking");
    assert_eq!(u["disposition"], "container_open");
    assert_eq!(u["eventTime"], "2026-11-23T07:52:00Z");
    assert_eq!(
        u["tamga:grounds"],
        json!({ "tamga:basis": "inspection", "tamga:reference": "order 77/2026" })
    );
    assert_eq!(u["readPoint"]["id"], "urn:tamga:unit:PMD-BISHKEK");
}

#[test]
fn uris_are_percent_encoded() {
    assert_eq!(encode("A-b_c.d~9"), "A-b_c.d~9");
    assert_eq!(encode("a/b c:ä"), "a%2Fb%20c%3A%C3%A4");
}

#[test]
fn a_transhipment_is_a_handoff_to_the_new_vehicle_with_its_seals() {
    use tamga_core::act::Permit;
    let story = Story::new();
    let mut acts = vec![
        story.registration(),
        story.seal_applied(),
        story.escort_assigned(),
    ];
    let h1 = story.handoff_to_escort(&acts);
    acts.push(h1.clone());
    let permit = story.permission(
        63,
        &story.airport_officer,
        Permit::Transhipment { incident: None },
    );
    let moved = story.transhipment(70, h1.id(), permit.id());
    acts.extend([permit.clone(), story.crew_change(62), moved.clone()]);
    let doc = document(&acts, at("2026-11-24T00:00:00Z"));
    let events = doc["epcisBody"]["eventList"].as_array().unwrap();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["tamga:actKind"].as_str().unwrap())
        .collect();
    // The permission and the crew change are decisions, not events on the goods.
    assert_eq!(
        kinds,
        vec!["seal_applied", "custody_transferred", "custody_transferred"]
    );
    let t = &events[2];
    assert_eq!(t["eventID"], event_id(&moved.id()));
    assert_eq!(
        (&t["bizStep"], &t["disposition"]),
        (&json!("accepting"), &json!("in_transit"))
    );
    assert!(t.get("readPoint").is_none());
    assert_eq!(t["tamga:place"], "Bishkek ring road, km 14");
    assert_eq!(
        t["sourceList"],
        json!([{ "type": "possessing_party", "source": "urn:tamga:unit:ESCORT-BISHKEK" }])
    );
    assert_eq!(
        t["destinationList"],
        json!([
            { "type": "possessing_party", "destination": "urn:tamga:unit:ESCORT-BISHKEK" },
            { "type": "location", "destination": "urn:tamga:vehicle:01%20KG%20778%20ABD" },
        ])
    );
    assert_eq!(
        t["tamga:transhipment"],
        json!({ "tamga:vehicle": "01 KG 778 ABD", "tamga:permission": permit.id().to_hex() })
    );
    assert_eq!(
        t["tamga:seals"],
        json!([
            { "tamga:sealNumber": "KG-0042137", "tamga:state": "intact", "tamga:change": "removed" },
            { "tamga:sealNumber": "KG-0042200", "tamga:sealKind": "mechanical", "tamga:change": "applied" },
        ])
    );
    // An ordinary handoff names no vehicle.
    assert_eq!(events[1]["destinationList"].as_array().unwrap().len(), 1);
    assert!(events[1].get("tamga:transhipment").is_none());
}

#[test]
fn a_short_delivery_a_refusal_and_a_return() {
    use tamga_core::act::Shortage;
    use tamga_core::quantity::{Mass, MassUnit};
    let story = Story::new();
    let short = story.delivered_with(110, |d| {
        d.net_mass = Some(Mass::new("1237.85", MassUnit::Ct).unwrap());
        d.shortage = Some(Shortage {
            packages: 0,
            net_mass: Mass::new("12.50", MassUnit::Ct).unwrap(),
            description: text("three stones missing from the safe-bag"),
        });
    });
    let refused = story.refusal(110);
    let returned = story.returned(210, None);
    let created = at("2026-11-24T00:00:00Z");

    let e = event(&short).unwrap();
    assert_eq!(
        (&e["bizStep"], &e["disposition"]),
        (&json!("receiving"), &json!("mismatch_quantity"))
    );
    assert_eq!(
        e["tamga:shortage"],
        json!({
            "tamga:packages": 0,
            "tamga:netMass": { "tamga:value": "12.50", "tamga:unit": "ct" },
            "tamga:description": "three stones missing from the safe-bag",
        })
    );
    assert_eq!(
        e["tamga:netMass"],
        json!({ "tamga:value": "1237.85", "tamga:unit": "ct" })
    );
    // In full: as before.
    let full = event(&story.delivered(110)).unwrap();
    assert_eq!(full["disposition"], "in_progress");
    assert!(full.get("tamga:shortage").is_none() && full.get("tamga:netMass").is_none());

    let doc = document(&[returned.clone(), refused.clone()], created);
    let events = doc["epcisBody"]["eventList"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    let r = &events[0];
    assert_eq!(r["tamga:actKind"], "delivery_refused");
    assert_eq!(
        (&r["bizStep"], &r["disposition"]),
        (&json!("inspecting"), &json!("non_conformant"))
    );
    assert_eq!(r["readPoint"]["id"], "urn:tamga:unit:PMD-BISHKEK");
    assert_eq!(
        r["tamga:reason"],
        "the consignee's licence was suspended on 2026-11-22"
    );
    assert_eq!(r["tamga:seals"][0]["tamga:state"], "intact");
    let b = &events[1];
    assert_eq!(b["tamga:actKind"], "consignment_returned");
    assert_eq!(
        (&b["bizStep"], &b["disposition"]),
        (&json!("receiving"), &json!("returned"))
    );
    assert_eq!(b["bizLocation"]["id"], "urn:tamga:unit:MANAS-AIRPORT");
    assert_eq!(b["eventTime"], "2026-11-23T09:30:00Z");
    assert_eq!(b["tamga:packages"], 1);
    assert!(b.get("tamga:permission").is_none());
    let permitted = story.returned(210, Some(refused.id()));
    assert_eq!(
        event(&permitted).unwrap()["tamga:permission"],
        refused.id().to_hex()
    );
}

#[test]
fn a_correction_is_an_error_declaration_and_a_corrective_event() {
    use tamga_core::act::{Correction, SealFields};
    let story = Story::new();
    let mistyped = story.seal_applied_mistyped();
    let fix = story.correction(
        20,
        &story.airport_officer,
        &mistyped,
        Correction::SealApplied(SealFields {
            seal: Some(story.seal.clone()),
            ..SealFields::default()
        }),
        None,
    );
    let again = story.correction(
        25,
        &story.airport_officer,
        &mistyped,
        Correction::SealApplied(SealFields {
            fixed_on: Some(text("safe-bag no. 7, one place")),
            ..SealFields::default()
        }),
        None,
    );
    // A correction of an act that is not exported exports nothing.
    let registration = story.registration();
    let of_registration = story.correction(
        5,
        &story.airport_officer,
        &registration,
        Correction::ConsignmentRegistered(tamga_core::act::RegistrationFields {
            packages: Some(1),
            ..Default::default()
        }),
        None,
    );
    let acts = [
        again.clone(),
        registration,
        of_registration,
        fix.clone(),
        mistyped.clone(),
    ];
    let doc = document(&acts, at("2026-11-24T00:00:00Z"));
    let events = doc["epcisBody"]["eventList"].as_array().unwrap();
    assert_eq!(events.len(), 5, "{events:#?}");
    let original = &events[0];
    assert_eq!(
        original,
        &event(&mistyped).unwrap(),
        "the original, as signed"
    );
    assert_eq!(original["tamga:seals"][0]["tamga:sealNumber"], "KG-0042173");

    // The error declaration: the original's content, and why.
    let declared = &events[1];
    let mut bare = declared.clone();
    let declaration = bare
        .as_object_mut()
        .unwrap()
        .remove("errorDeclaration")
        .unwrap();
    assert_eq!(&bare, original);
    assert_eq!(
        declaration,
        json!({
            "declarationTime": "2026-11-23T06:20:00Z",
            "reason": "incorrect_data",
            "correctiveEventIDs": [event_id(&fix.id())],
            "tamga:correctionActId": fix.id().to_hex(),
            "tamga:reason": "mistyped when recorded",
        })
    );
    // The corrective event: what happened at 06:10, the number right.
    let corrective = &events[2];
    assert_eq!(corrective["eventID"], event_id(&fix.id()));
    assert_eq!(corrective["eventTime"], "2026-11-23T06:10:00Z");
    assert_eq!(
        (&corrective["bizStep"], &corrective["disposition"]),
        (&json!("packing"), &json!("container_closed"))
    );
    assert_eq!(
        corrective["tamga:seals"][0]["tamga:sealNumber"],
        "KG-0042137"
    );
    assert_eq!(corrective["tamga:actKind"], "act_corrected");
    assert_eq!(corrective["tamga:actId"], fix.id().to_hex());
    assert_eq!(corrective["tamga:corrects"], mistyped.id().to_hex());
    assert_eq!(corrective["tamga:fixedOn"], "safe-bag, one place");
    // A second correction declares the first corrective event in error, and keeps its fix.
    let mut bare = events[3].clone();
    let declaration = bare
        .as_object_mut()
        .unwrap()
        .remove("errorDeclaration")
        .unwrap();
    assert_eq!(&bare, corrective);
    assert_eq!(
        declaration["correctiveEventIDs"],
        json!([event_id(&again.id())])
    );
    assert_eq!(
        events[4]["tamga:seals"][0]["tamga:sealNumber"],
        "KG-0042137"
    );
    assert_eq!(events[4]["tamga:fixedOn"], "safe-bag no. 7, one place");
    // Without the act corrected: nothing to declare.
    let alone = document(&[fix], at("2026-11-24T00:00:00Z"));
    assert!(alone["epcisBody"]["eventList"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn navigation_seal_events_are_sensor_reports_one_per_event() {
    use tamga_core::act::SealEventKind;
    use tamga_core::fixtures::road::{coordinates, Road};
    let story = Story::new();
    let road = Road::new(&story);
    let events_act = road.seal_events(
        story.t(60),
        &[
            (story.t(13), SealEventKind::Armed, None),
            (
                story.t(50),
                SealEventKind::Position,
                Some(coordinates("42.9378", "74.5512")),
            ),
            (story.t(56), SealEventKind::Opened, None),
            (story.t(57), SealEventKind::Tampered, None),
            (story.t(58), SealEventKind::BatteryLow, None),
            (story.t(110), SealEventKind::Disarmed, None),
        ],
    );
    let doc = document(
        std::slice::from_ref(&events_act),
        at("2026-11-24T00:00:00Z"),
    );
    let events = doc["epcisBody"]["eventList"].as_array().unwrap();
    let summary: Vec<(&str, &str, Option<&str>, &str)> = events
        .iter()
        .map(|e| {
            (
                e["eventTime"].as_str().unwrap(),
                e["bizStep"].as_str().unwrap(),
                e["disposition"].as_str(),
                e["tamga:sealEvent"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "2026-11-23T06:13:00Z",
                "sensor_reporting",
                Some("container_closed"),
                "armed"
            ),
            (
                "2026-11-23T06:50:00Z",
                "sensor_reporting",
                Some("in_transit"),
                "position"
            ),
            (
                "2026-11-23T06:56:00Z",
                "sensor_reporting",
                Some("container_open"),
                "opened"
            ),
            (
                "2026-11-23T06:57:00Z",
                "sensor_reporting",
                Some("damaged"),
                "tampered"
            ),
            (
                "2026-11-23T06:58:00Z",
                "sensor_reporting",
                None,
                "battery_low"
            ),
            ("2026-11-23T07:50:00Z", "sensor_reporting", None, "disarmed"),
        ]
    );
    assert_eq!(events[1]["readPoint"]["id"], "geo:42.9378,74.5512");
    assert_eq!(
        events[2]["tamga:seals"][0]["tamga:sealNumber"],
        "NS-7700123"
    );
    assert_eq!(events[2]["tamga:actId"], events_act.id().to_hex());
    // Six distinct, stable event ids, none the act's own.
    let ids: std::collections::BTreeSet<&str> = events
        .iter()
        .map(|e| e["eventID"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 6);
    assert!(!ids.contains(event_id(&events_act.id()).as_str()));
    assert_eq!(document(&[events_act], at("2026-11-24T00:00:00Z")), doc);
}
