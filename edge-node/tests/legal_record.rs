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
//! - A transhipment between two crews' vehicles of one escort unit after an accident, under the
//!   office of departure's permit (acts carried between three nodes by bundle files); the same
//!   offer naming the accident instead of a permit is shown as a transhipment without
//!   permission before anyone countersigns.

use std::path::{Path, PathBuf};
use tamga_core::fixtures::{self, Story};

mod common;

use common::{edge, edge_with_input, import_officer, json_of, write_acts};
use serde_json::{json, Value};

const AIRPORT_PIN: &str = "417417";
const ESCORT_PIN: &str = "112011";
const DEPARTMENT_PIN: &str = "905905";
const RELIEF_PIN: &str = "114747";

/// A post and a vehicle (or two posts) under `root`, enrolled with the story's registry plus
/// the relief officer.
fn nodes(story: &Story, root: &Path, units: [(&str, &str); 2]) -> [PathBuf; 2] {
    let [(r0, u0), (r1, u1)] = units;
    named_nodes(story, root, [(u0, r0, u0), (u1, r1, u1)])
}

/// Nodes under `root`, each `(directory name, role, unit)` (two may share a unit), enrolled with
/// the story's registry plus the relief officer and every node's device key.
fn named_nodes<const N: usize>(
    story: &Story,
    root: &Path,
    nodes: [(&str, &str, &str); N],
) -> [PathBuf; N] {
    let mut registry = story.registry_acts();
    registry.push(story.enrollment(&Story::relief_officer()));
    let dirs = nodes.map(|(name, role, unit)| {
        let dir = root.join(name);
        let key = common::init(&dir, story, role, unit, "127.0.0.1:0");
        registry.push(story.device_enrollment(&key, unit, name));
        dir
    });
    let enrollment = root.join("enrollment.acts");
    write_acts(&enrollment, &registry);
    for dir in &dirs {
        let (ok, out, err) = edge(dir, &["record", enrollment.to_str().unwrap()]);
        assert!(ok, "{out}{err}");
    }
    dirs
}

/// Carries what `from` holds to `to` on a USB stick: a bundle for `to`'s device key.
fn carry(from: &Path, to: &Path, stick: &Path) {
    let key = json_of(to, &["status", "--json"])["device_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let _ = std::fs::remove_file(stick);
    let file = stick.to_str().unwrap();
    let (ok, out, err) = edge(from, &["export-bundle", "--out", file, "--for", &key]);
    assert!(ok, "export-bundle: {out}{err}");
    let (ok, out, err) = edge(to, &["import-bundle", file]);
    assert!(ok, "import-bundle: {out}{err}");
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
    let mut form = story.registration_form(tamga_core::Timestamp::now());
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
    let (ok, out, err) = run(correct(&short(&escort_act), &plate));
    assert!(
        !ok && err.contains("correction permit") && err.contains("not recorded"),
        "{out}{err}"
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
    // Within the second of the refusal a delivery may fold before it (the same workflow rank,
    // then by id): it is then refused for unseating the refusal, else for coming after it.
    let error = answer["error"].as_str().unwrap();
    assert!(
        error.contains("transit has already ended")
            || error.contains("take the place of the delivery_refused act"),
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

/// The discrepancies of `kind` in a `show --json` or a review.
fn discrepancies<'a>(view: &'a Value, kind: &str) -> Vec<&'a Value> {
    view["discrepancies"]
        .as_array()
        .or_else(|| view["assessment"]["discrepancies"].as_array())
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == kind)
        .collect()
}

/// After an accident on the road the goods move from the escort lead's vehicle to a relief
/// crew's vehicle of the same escort unit, on three real nodes carrying acts by USB stick: the
/// lead reports the accident with a photo; the airport post (office of departure) puts the
/// relief officer in charge and permits the transhipment for the accident; the lead offers the
/// handoff with the new vehicle and a new seal. The same offer naming the accident instead of
/// the permit shows `transhipment_without_permission` in the relief officer's review, and
/// without a countersignature nothing is recorded; with the permit the relief officer
/// countersigns, and their node shows the custody chain ending with the transhipment, the old
/// seal replaced, the new one on, the new plate, and no critical discrepancy.
#[test]
fn goods_are_transhipped_to_the_relief_crew_under_a_permit_and_flagged_without_one() {
    let story = Story::new();
    let relief = Story::relief_officer();
    let root = tempfile::tempdir().unwrap();
    let [post, lead_car, relief_car] = named_nodes(
        &story,
        root.path(),
        [
            ("airport", "post", fixtures::AIRPORT_POST),
            ("lead-vehicle", "vehicle", fixtures::ESCORT_UNIT),
            ("relief-vehicle", "vehicle", fixtures::ESCORT_UNIT),
        ],
    );
    import_officer(&post, &story.airport_officer, AIRPORT_PIN);
    import_officer(&lead_car, &story.escort_lead, ESCORT_PIN);
    import_officer(&relief_car, &relief, RELIEF_PIN);
    let path = |name: &str| root.path().join(name).to_str().unwrap().to_owned();
    let stick = root.path().join("usb.bundle");
    let c = story.consignment.as_str();
    let lead = story.escort_lead.id.as_str();
    let airport = story.airport_officer.id.as_str();

    // Registered, sealed, assigned and handed to the lead (the story's acts), on every node.
    let departed = root.path().join("departed.acts");
    write_acts(&departed, &story.clean_delivery()[..4]);
    for dir in [&post, &lead_car, &relief_car] {
        let (ok, out, err) = edge(dir, &["record", departed.to_str().unwrap()]);
        assert!(ok, "{out}{err}");
    }

    // The lead reports the accident, with a photo of the scene.
    std::fs::write(path("scene.jpg"), b"photo of the scene").unwrap();
    let (ok, out, err) = edge_with_input(
        &lead_car,
        &[
            "incident",
            "-c",
            c,
            "--officer",
            lead,
            "--kind",
            "accident",
            "--description",
            "the escort vehicle was hit from behind at a junction",
            "--attachment",
            &path("scene.jpg"),
            "--road",
            "Bishkek ring road, km 14",
        ],
        &format!("{ESCORT_PIN}\n"),
    );
    assert!(
        ok && out.contains("recorded incident_reported"),
        "{out}{err}"
    );
    let reported = shown(&lead_car, &story);
    let incident = act_of(&reported, "incident_reported");
    let details = reported["act_details"].as_array().unwrap();
    let report = details
        .iter()
        .find(|a| a["id"] == incident.as_str())
        .unwrap();
    assert_eq!(
        report["body"]["attachments"],
        json!([fixtures::legal::photo().as_str()]),
        "{report}"
    );

    // The post learns of it, puts the relief officer in charge and permits the transhipment.
    carry(&lead_car, &post, &stick);
    let pin = format!("{AIRPORT_PIN}\n");
    let (ok, out, err) = edge_with_input(
        &post,
        &[
            "change-escort",
            "-c",
            c,
            "--officer",
            airport,
            "--unit",
            fixtures::ESCORT_UNIT,
            "--vehicle",
            "01 KG 777 ABC",
            "--in-charge",
            relief.id.as_str(),
            "--crew",
            relief.id.as_str(),
            "--crew",
            story.escort_second.id.as_str(),
            "--reason",
            "the officer in charge was hurt in the accident",
        ],
        &pin,
    );
    assert!(ok && out.contains("recorded escort_changed"), "{out}{err}");
    let (ok, out, err) = edge_with_input(
        &post,
        &[
            "permit",
            "transhipment",
            "-c",
            c,
            "--officer",
            airport,
            "--incident",
            &incident[..12],
            "--reason",
            "the escort vehicle cannot go on after the accident",
        ],
        &pin,
    );
    assert!(
        ok && out.contains("recorded permission_granted"),
        "{out}{err}"
    );
    let permitted = shown(&post, &story);
    let permit = act_of(&permitted, "permission_granted");
    let granted = permitted["act_details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == permit.as_str())
        .unwrap();
    assert_eq!(granted["body"]["permits"]["type"], "transhipment");
    assert_eq!(granted["body"]["permits"]["incident"], incident.as_str());
    carry(&post, &lead_car, &stick);
    carry(&post, &relief_car, &stick);
    for dir in [&lead_car, &relief_car] {
        let v = shown(dir, &story);
        assert_eq!(act_of(&v, "permission_granted"), permit);
        assert_eq!(
            v["state"]["escort"]["officer_in_charge"],
            relief.id.as_str()
        );
    }

    // The lead's offer: the old seal counted intact, the goods to the relief officer's
    // vehicle, a new seal on; the relief officer counts the same.
    let count = [
        "--packages",
        "1",
        "--gross-mass",
        "0.412 kg",
        "--seal",
        "KG-0042137:intact",
    ];
    let offer = |permission: &str, file: &str| -> String {
        let mut args = vec![
            "handoff",
            "offer",
            "-c",
            c,
            "--officer",
            lead,
            "--to-unit",
            fixtures::ESCORT_UNIT,
            "--to-officer",
            relief.id.as_str(),
            "--road",
            "Bishkek ring road, km 14",
            "--tranship-permission",
            permission,
            "--tranship-vehicle",
            "01 KG 778 ABD",
            "--new-seal",
            "KG-0042200",
            "--new-seal-on",
            "safe-bag, one place",
            "--out",
            file,
        ];
        args.extend(count);
        let (ok, out, err) = edge_with_input(&lead_car, &args, &format!("{ESCORT_PIN}\n"));
        assert!(ok, "{out}{err}");
        let (ok, taken, err) = edge(&relief_car, &["handoff", "import", file]);
        assert!(ok, "{taken}{err}");
        out.lines()
            .find_map(|l| l.strip_prefix("offer ")?.strip_suffix(" made"))
            .unwrap_or_else(|| panic!("no offer id in {out}"))
            .to_owned()
    };
    let on_relief = |args: &[&str], input: &str| {
        let mut all = args.to_vec();
        all.extend(["--officer", relief.id.as_str()]);
        all.extend(count);
        edge_with_input(&relief_car, &all, input)
    };

    // Naming the accident as the permit: the review shows the transhipment without
    // permission as new and critical; the relief officer does not countersign, nothing is
    // recorded.
    let before = act_count(&shown(&relief_car, &story));
    let bad = offer(&incident[..16], &path("bad.offer"));
    let (ok, out, err) = on_relief(&["handoff", "review", &bad, "--json"], "");
    assert!(ok, "{out}{err}");
    let review: Value = serde_json::from_str(&out).unwrap();
    let new: Vec<&Value> = review["new_discrepancies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "transhipment_without_permission")
        .collect();
    assert_eq!(new.len(), 1, "{review}");
    assert_eq!(new[0]["severity"], "critical");
    let (ok, out, err) = on_relief(&["handoff", "accept", &bad], "");
    assert!(!ok && err.contains("nothing was given"), "{out}{err}");
    assert!(
        out.contains("NEW [critical] transhipment_without_permission"),
        "the review before countersigning lists it: {out}"
    );
    assert_eq!(act_count(&shown(&relief_car, &story)), before);

    // With the permit: nothing new to see of the transhipment; countersigned, completed on
    // the lead's vehicle.
    let good = offer(&permit[..16], &path("good.offer"));
    let (ok, out, err) = on_relief(&["handoff", "review", &good, "--json"], "");
    assert!(ok, "{out}{err}");
    let review: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(review["new_discrepancies"], json!([]), "{review}");
    let done = path("done.act");
    let (ok, out, err) = on_relief(
        &["handoff", "accept", &good, "--out", &done],
        &format!("{RELIEF_PIN}\n"),
    );
    assert!(ok && out.contains("custody taken over"), "{out}{err}");
    assert!(!out.contains("transhipment_without_permission"), "{out}");
    let (ok, out, err) = edge(&lead_car, &["handoff", "complete", &done]);
    assert!(ok && out.contains("1 new acts recorded"), "{out}{err}");

    for dir in [&relief_car, &lead_car] {
        let v = shown(dir, &story);
        let state = &v["state"];
        let chain = state["custody_chain"].as_array().unwrap();
        assert_eq!(chain.len(), 2, "{v}");
        assert_eq!(chain[1], good.as_str(), "{v}");
        let moved = v["act_details"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == good.as_str())
            .unwrap();
        assert_eq!(moved["holds"], true, "{moved}");
        assert_eq!(
            moved["body"]["transhipment"]["permission"],
            permit.as_str(),
            "{moved}"
        );
        assert_eq!(moved["signers"].as_array().unwrap().len(), 2, "{moved}");
        assert_eq!(state["custodian"]["officer"], relief.id.as_str(), "{v}");
        assert_eq!(state["custodian"]["unit"], fixtures::ESCORT_UNIT);
        assert_eq!(state["seals"]["KG-0042137"]["status"], "replaced", "{v}");
        assert_eq!(state["seals"]["KG-0042200"]["status"], "active", "{v}");
        assert_eq!(state["seals"]["KG-0042200"]["kind"], "mechanical", "{v}");
        let escort = &state["escort"];
        assert_eq!(escort["vehicle"], "01 KG 778 ABD", "{v}");
        assert_eq!(escort["officer_in_charge"], relief.id.as_str());
        assert_eq!(
            escort["changes"].as_array().unwrap().last().unwrap(),
            good.as_str(),
            "{v}"
        );
        assert!(
            discrepancies(&v, "transhipment_without_permission").is_empty(),
            "{v}"
        );
        let critical: Vec<&Value> = v["discrepancies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] == "critical")
            .collect();
        assert!(critical.is_empty(), "{critical:?}");
        assert!(v["rejected"].as_array().is_none_or(Vec::is_empty), "{v}");
    }
}
