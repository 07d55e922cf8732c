//! The legal record's second round on real `tamga-edge` processes.
//!
//! - Corrections from the CLI: the airport post registers, fixes a seal whose number it mistypes
//!   and assigns the escort; it corrects the seal's number before the first handoff (no permit
//!   needed); custody passes to the escort by bundle and offer files; a correction of the escort
//!   assignment is then refused without a permit (nothing recorded), a permit is granted, and
//!   the same correction naming it is recorded. Options that make no correction are refused
//!   before anything is signed.
//! - Through the local API of a serving post: a crew change, an incident with a deadline
//!   extension and a follow-up, a refusal at the office of destination and the return to the
//!   office of departure; a bad form and acts that would not hold are refused and change
//!   nothing.

use std::path::{Path, PathBuf};
use tamga_core::fixtures::{self, Story};
use tamga_core::KeyId;

mod common;

use common::{edge, edge_with_input, import_officer, json_of, write_acts};
use serde_json::{json, Value};

const AIRPORT_PIN: &str = "417417";
const ESCORT_PIN: &str = "112011";
const DEPARTMENT_PIN: &str = "905905";

/// A post and a vehicle (or two posts) under `root`, enrolled with the story's registry plus
/// the relief officer.
fn nodes(story: &Story, root: &Path, units: [(&str, &str); 2]) -> [PathBuf; 2] {
    let mut registry = story.registry_acts();
    registry.push(story.enrollment(&Story::relief_officer()));
    let mut dirs = Vec::new();
    let mut keys: Vec<(KeyId, &str)> = Vec::new();
    for (role, unit) in units {
        let dir = root.join(unit);
        keys.push((common::init(&dir, story, role, unit, "127.0.0.1:0"), unit));
        dirs.push(dir);
    }
    for (key, unit) in &keys {
        registry.push(story.device_enrollment(key, unit, "device"));
    }
    let enrollment = root.join("enrollment.acts");
    write_acts(&enrollment, &registry);
    for dir in &dirs {
        let (ok, out, err) = edge(dir, &["record", enrollment.to_str().unwrap()]);
        assert!(ok, "{out}{err}");
    }
    [dirs[0].clone(), dirs[1].clone()]
}

fn shown(dir: &Path, story: &Story) -> Value {
    json_of(dir, &["show", story.consignment.as_str(), "--json"])
}

/// The id of the one act of `kind` that `show --json` lists.
fn act_of(shown: &Value, kind: &str) -> String {
    let acts: Vec<&Value> = shown["act_details"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == kind)
        .collect();
    assert_eq!(acts.len(), 1, "{kind}: {shown}");
    acts[0]["id"].as_str().unwrap().to_owned()
}

fn act_count(shown: &Value) -> usize {
    shown["act_details"].as_array().unwrap().len()
}

#[test]
fn a_seal_number_is_corrected_before_the_handoff_and_an_escort_after_it_only_with_a_permit() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let [post, vehicle] = nodes(
        &story,
        root.path(),
        [
            ("post", fixtures::AIRPORT_POST),
            ("vehicle", fixtures::ESCORT_UNIT),
        ],
    );
    import_officer(&post, &story.airport_officer, AIRPORT_PIN);
    import_officer(&vehicle, &story.escort_lead, ESCORT_PIN);
    let c = story.consignment.as_str();
    let officer = story.airport_officer.id.as_str();
    let pin = format!("{AIRPORT_PIN}\n");
    let path = |name: &str| root.path().join(name).to_str().unwrap().to_owned();

    // Registered (with the carrier and the accompanying documents), sealed with a mistyped
    // number, escort assigned.
    let mut form = serde_json::to_value(tamga_core::ActBody::ConsignmentRegistered(
        story.registration_body(),
    ))
    .unwrap();
    form.as_object_mut().unwrap().remove("at");
    form["delivery_deadline"] = json!(tamga_core::Timestamp::now().plus_seconds(86_400));
    form["carrier"] = json!({"name": "Kyrgyz Post Express", "country": "KG"});
    form["documents"] = json!([{"kind": "invoice", "number": "INV-2026-118"}]);
    std::fs::write(path("registration.json"), form.to_string()).unwrap();
    let (ok, out, err) = edge_with_input(&post, &["act", &path("registration.json")], &pin);
    assert!(ok, "{out}{err}");
    let (ok, out, err) = edge_with_input(
        &post,
        &[
            "seal",
            "apply",
            "-c",
            c,
            "--officer",
            officer,
            "--seal",
            "KG-0042173",
            "--on",
            "safe-bag, one place",
        ],
        &pin,
    );
    assert!(ok && out.contains("recorded seal_applied"), "{out}{err}");
    let (ok, out, err) = edge_with_input(
        &post,
        &[
            "escort",
            "-c",
            c,
            "--officer",
            officer,
            "--unit",
            fixtures::ESCORT_UNIT,
            "--vehicle",
            "01 KG 777 ABX",
            "--in-charge",
            story.escort_lead.id.as_str(),
            "--crew",
            story.escort_lead.id.as_str(),
        ],
        &pin,
    );
    assert!(ok && out.contains("recorded escort_assigned"), "{out}{err}");
    let before = shown(&post, &story);
    let seal_act = act_of(&before, "seal_applied");
    let escort_act = act_of(&before, "escort_assigned");
    let short = |id: &str| id[..12].to_owned();

    // Options that make no correction are refused before the PIN is asked for; a value the
    // act cannot take is refused by the node naming the field. Nothing is recorded.
    let correct = |act: &str, extra: &[&str]| {
        let mut args = vec![
            "correct".to_owned(),
            "-c".into(),
            c.into(),
            "--officer".into(),
            officer.into(),
            "--act".into(),
            act.into(),
            "--reason".into(),
            "mistyped when recorded".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        edge_with_input(&post, &args, &pin)
    };
    let (ok, _, err) = run(correct(&short(&seal_act), &["--vehicle", "01 KG 777 ABC"]));
    assert!(
        !ok && err.contains("--vehicle does not apply to a seal_applied act"),
        "{err}"
    );
    let (ok, _, err) = run(correct(&short(&seal_act), &[]));
    assert!(!ok && err.contains("say what changes"), "{err}");
    let (ok, _, err) = run(correct("0000ffff0000", &["--seal", "KG-0042137"]));
    assert!(!ok && err.contains("tamga-edge show"), "{err}");
    let (ok, _, err) = run(correct(&short(&seal_act), &["--seal-kind", "glue"]));
    assert!(!ok && err.contains("changes.seal_kind"), "{err}");
    assert_eq!(act_count(&shown(&post, &story)), act_count(&before));

    // Before the first handoff the post corrects its own act without a permit.
    let (ok, out, err) = run(correct(&short(&seal_act), &["--seal", "KG-0042137"]));
    assert!(ok && out.contains("recorded act_corrected"), "{out}{err}");
    let after = shown(&post, &story);
    assert_eq!(after["state"]["seals"]["KG-0042137"]["status"], "active");
    assert!(
        after["state"]["seals"].get("KG-0042173").is_none(),
        "{after}"
    );
    assert_eq!(
        after["state"]["corrections"][&seal_act]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (ok, text, _) = edge(&post, &["show", c]);
    assert!(ok && text.contains("corrected by"), "{text}");
    assert!(text.contains("seal: KG-0042137"), "{text}");

    // Custody passes to the escort: bundle, offer file, completed act file. (Acts are timed to
    // the second and, within one second, a correction folds after a handoff: the offer is made
    // in a later second than the correction, as it would be at a real post.)
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (ok, _, err) = edge(
        &post,
        &[
            "export-bundle",
            "--out",
            &path("usb.bundle"),
            "--for",
            json_of(&vehicle, &["status", "--json"])["device_key"]
                .as_str()
                .unwrap(),
        ],
    );
    assert!(ok, "{err}");
    let (ok, out, err) = edge(&vehicle, &["import-bundle", &path("usb.bundle")]);
    assert!(ok, "{out}{err}");
    let count = [
        "--packages",
        "1",
        "--gross-mass",
        "0.412 kg",
        "--seal",
        "KG-0042137:intact",
    ];
    let mut offer = vec![
        "handoff",
        "offer",
        "-c",
        c,
        "--officer",
        officer,
        "--to-unit",
        fixtures::ESCORT_UNIT,
        "--to-officer",
        story.escort_lead.id.as_str(),
    ];
    let offer_file = path("offer.file");
    offer.extend(["--out", offer_file.as_str()]);
    offer.extend(count);
    let (ok, out, err) = edge_with_input(&post, &offer, &pin);
    assert!(ok, "{out}{err}");
    let (ok, out, err) = edge(&vehicle, &["handoff", "import", &offer_file]);
    assert!(ok, "{out}{err}");
    let offer_id = json_of(&vehicle, &["handoff", "list", "--json"])[0]["offer"]
        .as_str()
        .unwrap()
        .to_owned();
    let done = path("done.act");
    let mut accept = vec![
        "handoff",
        "accept",
        &offer_id,
        "--officer",
        story.escort_lead.id.as_str(),
        "--out",
        &done,
    ];
    accept.extend(count);
    let (ok, out, err) = edge_with_input(&vehicle, &accept, &format!("{ESCORT_PIN}\n"));
    assert!(ok && out.contains("custody taken over"), "{out}{err}");
    let (ok, out, err) = edge(&post, &["handoff", "complete", &done]);
    assert!(ok, "{out}{err}");

    // After the handoff a correction needs a permit: refused, nothing recorded.
    let handed = shown(&post, &story);
    assert_eq!(handed["state"]["custodian"]["unit"], fixtures::ESCORT_UNIT);
    let plate = ["--vehicle", "01 KG 777 ABC"];
    let (ok, _, err) = run(correct(&short(&escort_act), &plate));
    assert!(
        !ok && err.contains("correction permit") && err.contains("not recorded"),
        "{err}"
    );
    assert_eq!(act_count(&shown(&post, &story)), act_count(&handed));

    // The office of departure permits it; the correction naming the permit is recorded.
    let (ok, out, err) = edge_with_input(
        &post,
        &[
            "permit",
            "correction",
            "-c",
            c,
            "--officer",
            officer,
            "--act",
            &short(&escort_act),
            "--reason",
            "the plate was mistyped at registration",
        ],
        &pin,
    );
    assert!(
        ok && out.contains("recorded permission_granted"),
        "{out}{err}"
    );
    let permit = act_of(&shown(&post, &story), "permission_granted");
    let mut with_permit = plate.to_vec();
    with_permit.extend(["--permission", &permit[..16]]);
    let (ok, out, err) = run(correct(&short(&escort_act), &with_permit));
    assert!(ok && out.contains("recorded act_corrected"), "{out}{err}");
    let last = shown(&post, &story);
    assert_eq!(
        last["state"]["escort"]["vehicle"], "01 KG 777 ABC",
        "{last}"
    );
    assert_eq!(
        last["state"]["corrections"].as_object().unwrap().len(),
        2,
        "{last}"
    );
    assert!(
        last["act_details"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["holds"] == true),
        "{last}"
    );
    let (ok, help, _) = edge(&post, &["correct", "--help"]);
    assert!(ok && help.contains("--permission"), "{help}");
}

#[test]
fn a_crew_change_a_refusal_and_a_return_through_the_api() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    // One post node of the airport; the Department's officer works on the same device here,
    // so every act goes through the one API.
    let [post, _vehicle] = nodes(
        &story,
        root.path(),
        [
            ("post", fixtures::AIRPORT_POST),
            ("vehicle", fixtures::ESCORT_UNIT),
        ],
    );
    import_officer(&post, &story.airport_officer, AIRPORT_PIN);
    import_officer(&post, &story.department_officer, DEPARTMENT_PIN);
    // The story up to the handoff to the escort, signed at its own (earlier) times.
    let acts = root.path().join("story.acts");
    write_acts(&acts, &story.clean_delivery()[..4]);
    let (ok, out, err) = edge(&post, &["record", acts.to_str().unwrap()]);
    assert!(ok, "{out}{err}");

    let (node, address) = common::serve(&post, None, "post");
    let api = tamga_testkit::http::Http::new(&address.to_string());
    let c = story.consignment.as_str();
    let view_path = format!("/api/consignments/{}", c.replace('/', "%2F"));
    let view = || api.get(&view_path);
    let count = |v: &Value| v["acts"].as_array().unwrap().len();
    let airport = |body: Value| {
        let mut form = json!({
            "consignment": c,
            "officer": story.airport_officer.id.as_str(),
            "pin": AIRPORT_PIN,
        });
        form.as_object_mut()
            .unwrap()
            .extend(body.as_object().unwrap().clone());
        form
    };
    let at_airport = json!({"type": "post", "unit": fixtures::AIRPORT_POST});
    let at_department = json!({"type": "post", "unit": fixtures::DEPARTMENT});
    let relief = Story::relief_officer();

    // The post orders a new crew: the relief officer takes charge.
    let (status, answer) = api.post(
        "/api/acts",
        &airport(json!({
            "kind": "escort_changed", "place": at_airport,
            "escort_unit": fixtures::ESCORT_UNIT, "vehicle": "01 KG 777 ABC",
            "officer_in_charge": relief.id.as_str(),
            "crew": [relief.id.as_str(), story.escort_second.id.as_str()],
            "reason": "the officer in charge fell ill",
        })),
    );
    assert_eq!(status, 201, "{answer}");
    let v = view();
    let escort = &v["assessment"]["state"]["escort"];
    assert_eq!(escort["officer_in_charge"], relief.id.as_str(), "{v}");
    assert_eq!(escort["changes"].as_array().unwrap().len(), 1);

    // An incident at the airport post, the deadline extended for it, the incident closed.
    let (status, answer) = api.post(
        "/api/acts",
        &airport(json!({
            "kind": "incident_reported", "place": at_airport, "incident": "accident",
            "happened_at": tamga_core::Timestamp::now().plus_seconds(-600),
            "description": "the escort vehicle was hit from behind", "seals": [], "attachments": [],
        })),
    );
    assert_eq!(status, 201, "{answer}");
    let incident = answer["act"].as_str().unwrap().to_owned();
    assert_eq!(
        view()["assessment"]["state"]["open_incidents"][0],
        incident.as_str()
    );
    let new_deadline = tamga_core::Timestamp::now().plus_seconds(3 * 86_400);
    let (status, answer) = api.post(
        "/api/acts",
        &airport(json!({
            "kind": "deadline_extended", "incident": incident, "delivery_deadline": new_deadline,
            "reason": "the vehicle must be repaired",
        })),
    );
    assert_eq!(status, 201, "{answer}");
    let v = view();
    assert_eq!(
        v["assessment"]["state"]["deadline"],
        json!(new_deadline),
        "{v}"
    );
    assert_eq!(
        v["assessment"]["state"]["deadline_extension"],
        answer["act"]
    );
    let (status, answer) = api.post(
        "/api/acts",
        &airport(json!({
            "kind": "incident_followed_up", "place": at_airport, "incident": incident,
            "action": "closed", "note": "goods and seals checked, nothing missing",
        })),
    );
    assert_eq!(status, 201, "{answer}");
    assert_eq!(
        view()["assessment"]["state"]["open_incidents"],
        json!([]),
        "closed"
    );

    // Refused forms change nothing: a seal state the act cannot take (400, naming the field),
    // a return before any refusal and without a permit (409, saying why).
    let before = count(&view());
    let seals = json!([{"seal": "KG-0042137", "state": "broken"}]);
    let (status, answer) = api.post(
        "/api/acts",
        &json!({
            "kind": "delivery_refused", "consignment": c,
            "officer": story.department_officer.id.as_str(), "pin": DEPARTMENT_PIN,
            "place": at_department, "reason": "licence suspended", "seals": seals,
        }),
    );
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .starts_with("seals[0].state:"),
        "{answer}"
    );
    let returned = airport(json!({
        "kind": "consignment_returned", "place": at_airport,
        "seals": [{"seal": "KG-0042137", "state": "intact"}], "packages": 1,
        "gross_mass": {"value": "0.412", "unit": "kg"},
    }));
    let (status, answer) = api.post("/api/acts", &returned);
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("not recorded"),
        "{answer}"
    );
    assert_eq!(count(&view()), before);

    // The Department refuses the goods; the airport takes them back.
    let (status, answer) = api.post(
        "/api/acts",
        &json!({
            "kind": "delivery_refused", "consignment": c,
            "officer": story.department_officer.id.as_str(), "pin": DEPARTMENT_PIN,
            "place": at_department, "reason": "the consignee's licence was suspended",
            "seals": [{"seal": "KG-0042137", "state": "intact"}],
        }),
    );
    assert_eq!(status, 201, "{answer}");
    let v = view();
    assert_eq!(v["assessment"]["state"]["status"], "refused", "{v}");
    let (status, answer) = api.post("/api/acts", &returned);
    assert_eq!(status, 201, "{answer}");
    let v = view();
    assert_eq!(v["assessment"]["state"]["status"], "returned", "{v}");
    assert_eq!(
        v["assessment"]["state"]["outcome"]["act"], answer["act"],
        "{v}"
    );
    // Transit has ended: a delivery now is refused and recorded nowhere.
    let after = count(&v);
    let (status, answer) = api.post(
        "/api/acts",
        &json!({
            "kind": "consignment_delivered", "consignment": c,
            "officer": story.department_officer.id.as_str(), "pin": DEPARTMENT_PIN,
            "place": at_department, "seals": [{"seal": "KG-0042137", "state": "intact"}],
            "packages": 1, "gross_mass": {"value": "0.412", "unit": "kg"},
        }),
    );
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("transit has already ended"),
        "{answer}"
    );
    let v = view();
    assert_eq!(count(&v), after);
    assert_eq!(v["assessment"]["state"]["status"], "returned");
    // The list counts the returned consignment.
    let page = api.get("/api/consignments?status=returned");
    assert_eq!(page["rows"][0]["consignment"], c, "{page}");
    node.stop_cleanly();
}

/// An escort crew cannot give itself what only a customs body may: on the vehicle's node, the
/// lead's permit for their own seal removal and their own crew change are refused before
/// anything is recorded; a removal "with permission" that names only a typed reference is
/// recorded (the crew did take the seal off) and shown as a removal without grounds.
#[test]
fn the_crew_cannot_permit_itself_or_change_itself() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let [_post, vehicle] = nodes(
        &story,
        root.path(),
        [
            ("post", fixtures::AIRPORT_POST),
            ("vehicle", fixtures::ESCORT_UNIT),
        ],
    );
    import_officer(&vehicle, &story.escort_lead, ESCORT_PIN);
    // The vehicle holds the consignment as handed to the crew.
    let mut acts = vec![
        story.registration(),
        story.seal_applied(),
        story.escort_assigned(),
    ];
    acts.push(story.handoff_to_escort(&acts));
    let file = root.path().join("departed.acts");
    write_acts(&file, &acts);
    let (ok, out, err) = edge(&vehicle, &["record", file.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    let c = story.consignment.as_str();
    let lead = story.escort_lead.id.as_str();
    let pin = format!("{ESCORT_PIN}\n");
    let before = act_count(&shown(&vehicle, &story));

    let (ok, out, err) = edge_with_input(
        &vehicle,
        &[
            "permit",
            "seal-removal",
            "-c",
            c,
            "--officer",
            lead,
            "--seal",
            story.seal.as_str(),
            "--reason",
            "the seal is cracked",
            "--road",
            "km 14",
        ],
        &pin,
    );
    assert!(!ok, "an escort officer's own permit was recorded: {out}");
    assert!(
        err.contains("escort_officer"),
        "the refusal names the role: {err}"
    );
    let (ok, out, err) = edge_with_input(
        &vehicle,
        &[
            "change-escort",
            "-c",
            c,
            "--officer",
            lead,
            "--unit",
            fixtures::ESCORT_UNIT,
            "--vehicle",
            "01 KG 777 ABC",
            "--in-charge",
            lead,
            "--crew",
            lead,
            "--reason",
            "the second officer went home",
            "--road",
            "km 14",
        ],
        &pin,
    );
    assert!(!ok, "the crew changed itself: {out}");
    assert!(err.contains("escort_officer"), "{err}");
    assert_eq!(
        act_count(&shown(&vehicle, &story)),
        before,
        "nothing recorded"
    );

    let (ok, out, err) = edge_with_input(
        &vehicle,
        &[
            "seal",
            "remove",
            "-c",
            c,
            "--officer",
            lead,
            "--seal",
            story.seal.as_str(),
            "--state",
            "intact",
            "--basis",
            "permission",
            "--reference",
            "permission 0417/26 of the Bishkek customs office",
            "--road",
            "km 14",
        ],
        &pin,
    );
    assert!(ok && out.contains("recorded seal_removed"), "{out}{err}");
    let after = shown(&vehicle, &story);
    let found: Vec<&Value> = after["assessment"]["discrepancies"]
        .as_array()
        .or_else(|| after["discrepancies"].as_array())
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "seal_removed_without_grounds")
        .collect();
    assert_eq!(found.len(), 1, "{after}");
    assert_eq!(found[0]["severity"], "critical");
}
