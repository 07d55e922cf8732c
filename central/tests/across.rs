//! Rules across consignments on real processes: a running `tamga-central` and the story's
//! airport post (a real `tamga-edge` node). The story's consignment is on the road with KP
//! certificate `BE 0417733` (Belgium) and its seal on the goods. The post then registers a
//! second consignment with the same certificate and seals it with the same seal number, and a
//! third with the same certificate number issued by another country; it syncs with central.
//!
//! Central's API lists two critical findings across consignments, each naming the story's
//! consignment and the second one with the acts that prove them (the registrations; the acts
//! that applied the seal), never the third; each consignment's detail names the findings it is
//! part of; the overview's totals and `/metrics` count them by kind; a bad `kind` is refused
//! naming the parameter.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use tamga_core::act::{ActBody, SealApplied};
use tamga_core::codes::CountryCode;
use tamga_core::fixtures::stream;
use tamga_core::SignedAct;

fn consignments_of(f: &Value) -> BTreeSet<String> {
    f["consignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["consignment"].as_str().unwrap().to_owned())
        .collect()
}

fn proof_of(f: &Value, consignment: &str) -> Vec<String> {
    let member = f["consignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["consignment"] == consignment)
        .unwrap_or_else(|| panic!("{consignment} in {f}"));
    serde_json::from_value(member["acts"].clone()).unwrap()
}

#[test]
fn two_consignments_with_the_same_kpc_and_seal_are_listed_across_consignments() {
    let scene = Scene::new(|_| {});
    let story = &scene.story;
    assert!(
        scene.http.get("/api/across").as_array().unwrap().is_empty(),
        "one consignment shares nothing"
    );

    // The second consignment: the story's registration, KPC included, under another id, sealed
    // with the story's seal number.
    let second = stream::registration(story, 5);
    let ActBody::SealApplied(body) = stream::seal_applied(story, 5).body().clone() else {
        unreachable!("a seal applied")
    };
    let second_seal = story.sign(
        ActBody::SealApplied(SealApplied {
            seal: story.seal.clone(),
            ..body
        }),
        &[&story.airport_officer],
    );
    // The third: the same certificate number, issued by another country.
    let ActBody::ConsignmentRegistered(mut third) = stream::registration(story, 6).body().clone()
    else {
        unreachable!("a registration")
    };
    third.certificates[0].issued_by = CountryCode::new("AE").unwrap();
    let third: SignedAct = story.sign(
        ActBody::ConsignmentRegistered(third),
        &[&story.airport_officer],
    );
    scene
        .record_at_post(&[second.clone(), second_seal.clone(), third])
        .expect("the post records them");
    scene.sync();

    let mut findings = Vec::new();
    wait_for("central lists two findings across consignments", || {
        let health = scene.http.get("/health");
        findings = scene.http.get("/api/across").as_array().unwrap().clone();
        health["feed_position"] == health["reconciled_position"] && findings.len() == 2
    });
    let first = story.consignment.as_str();
    let other = stream::consignment(5);
    let other = other.as_str();
    let both: BTreeSet<String> = [first, other].into_iter().map(str::to_owned).collect();
    let kpc = findings
        .iter()
        .find(|f| f["kind"] == "kpc_on_two_consignments")
        .expect("the KPC finding");
    assert_eq!(kpc["severity"], "critical");
    assert_eq!(kpc["number"], "BE 0417733");
    assert_eq!(kpc["issued_by"], "BE");
    assert_eq!(
        consignments_of(kpc),
        both,
        "never the AE certificate's consignment"
    );
    assert_eq!(
        proof_of(kpc, first),
        vec![story.registration().id().to_hex()]
    );
    assert_eq!(proof_of(kpc, other), vec![second.id().to_hex()]);
    assert_eq!(kpc["id"].as_str().unwrap().len(), 64);

    let seal = findings
        .iter()
        .find(|f| f["kind"] == "seal_on_two_consignments")
        .expect("the seal finding");
    assert_eq!(seal["severity"], "critical");
    assert_eq!(seal["number"], story.seal.as_str());
    assert_eq!(consignments_of(seal), both);
    assert_eq!(
        proof_of(seal, first),
        vec![story.seal_applied().id().to_hex()]
    );
    assert_eq!(proof_of(seal, other), vec![second_seal.id().to_hex()]);

    // Each consignment's detail names what it shares; the third shares nothing.
    for id in [first, other] {
        let detail = scene
            .http
            .get(&format!("/api/consignments/{}", encode_path(id)));
        assert_eq!(detail["across"].as_array().unwrap().len(), 2, "{id}");
    }
    let third = scene.http.get(&format!(
        "/api/consignments/{}",
        encode_path(stream::consignment(6).as_str())
    ));
    assert_eq!(third["across"], Value::Array(Vec::new()));

    // Counted in the overview and /metrics, filtered by kind, a bad kind refused.
    let overview = scene.http.get("/api/overview");
    assert_eq!(overview["totals"]["across"]["kpc_on_two_consignments"], 1);
    assert_eq!(overview["totals"]["across"]["seal_on_two_consignments"], 1);
    assert_eq!(
        metric(
            &scene.http,
            "tamga_central_across_findings{kind=\"seal_on_two_consignments\"}"
        ),
        1
    );
    let seals_only = scene.http.get("/api/across?kind=seal_on_two_consignments");
    assert_eq!(seals_only.as_array().unwrap().len(), 1);
    let (status, answer) = scene.http.get_text("/api/across?kind=twice");
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("kind"), "{answer}");
    // The duties past their end: the story's diamonds were registered on 23 November 2026 and
    // nobody notified the Department of any of the three consignments by the end of the 24th
    // in Bishkek; an unknown parameter is refused naming it.
    let duties = scene.http.get("/api/duties");
    let notices: Vec<&serde_json::Value> = duties
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["duty"] == "department_notice")
        .collect();
    assert_eq!(notices.len(), 3, "{duties}");
    for d in notices {
        assert_eq!(d["due"], "2026-11-24T18:00:00Z", "{d}");
    }
    let (status, answer) = scene.http.get_text("/api/duties?when=now");
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("when"), "{answer}");
    let vocabulary = scene.http.get("/api/vocabulary");
    assert_eq!(
        vocabulary["across_kinds"],
        serde_json::json!(["kpc_on_two_consignments", "seal_on_two_consignments"])
    );
}
